#define CAF_SUITE domain.strikes
#include "tests/test.hpp"

#include <cmath>
#include <random>

#include "domain/freeze.hpp"
#include "domain/pnl.hpp"
#include "domain/placement.hpp"
#include "domain/strikes.hpp"

using namespace algomirror;

CAF_TEST(ATM rounds half to even) {
  CAF_CHECK_EQUAL(atm_strike(24025, 50), 24000); // 480.5 → 480
  CAF_CHECK_EQUAL(atm_strike(24075, 50), 24100); // 481.5 → 482
  CAF_CHECK_EQUAL(atm_strike(24024.99, 50), 24000);
  CAF_CHECK_EQUAL(atm_strike(24025.01, 50), 24050);
  CAF_CHECK_EQUAL(atm_strike(51250, 100), 51200); // 512.5 → 512
  CAF_CHECK_EQUAL(atm_strike(51350, 100), 51400); // 513.5 → 514
}

CAF_TEST(ITM and OTM offsets for calls and puts with clamping) {
  CAF_CHECK_EQUAL(offset_strike(24000, 50, strike_selection::itm, option_type::ce, 2), 23900);
  CAF_CHECK_EQUAL(offset_strike(24000, 50, strike_selection::otm, option_type::ce, 2), 24100);
  CAF_CHECK_EQUAL(offset_strike(24000, 50, strike_selection::itm, option_type::pe, 2), 24100);
  CAF_CHECK_EQUAL(offset_strike(24000, 50, strike_selection::otm, option_type::pe, 2), 23900);
  CAF_CHECK_EQUAL(offset_strike(24000, 50, strike_selection::atm, option_type::pe, 7), 24000);
  CAF_CHECK_EQUAL(offset_strike(24000, 50, strike_selection::otm, option_type::ce, 0), 24050);
  CAF_CHECK_EQUAL(offset_strike(24000, 50, strike_selection::otm, option_type::ce, -3), 24050);
  CAF_CHECK_EQUAL(offset_strike(24000, 50, strike_selection::otm, option_type::ce, 25), 25000);
  CAF_CHECK_EQUAL(clamp_offset(20), 20);
}

CAF_TEST(a fixed strike must be on the step) {
  CAF_CHECK(check_fixed_strike(24050, 50).ok());
  auto off = check_fixed_strike(24025, 50);
  CAF_REQUIRE(!off.ok());
  CAF_CHECK(off.error().find("not a multiple of the strike step") != std::string::npos);
  CAF_CHECK(!check_fixed_strike(0, 50).ok());
  CAF_CHECK(!check_fixed_strike(-100, 50).ok());
}

CAF_TEST(premium near picks the closest price with its tie rules) {
  auto searched = premium_search_strikes(24000, 50);
  CAF_CHECK_EQUAL(searched.size(), 41u);
  CAF_CHECK_EQUAL(searched.front(), 23000);
  CAF_CHECK_EQUAL(searched.back(), 25000);
  std::vector<strike_quote> q = {{24000, 55}, {24050, 45}, {24100, 30}};
  CAF_CHECK_EQUAL(*premium_near_strike(q, 50), 24050); // tie 5/5: at or under wins
  CAF_CHECK_EQUAL(*premium_near_strike({{24050, 45}, {24100, 45}}, 50), 24050); // lower strike
  CAF_CHECK_EQUAL(*premium_near_strike({{24000, 60}, {24050, 50}}, 50), 24050); // exact
  CAF_CHECK_EQUAL(*premium_near_strike({{24000, 0}, {24050, -1}, {24100, 120}}, 50), 24100);
  auto none = premium_near_strike({{24000, 0}, {24050, NAN}}, 50);
  CAF_REQUIRE(!none.ok());
  CAF_CHECK(none.error().find("no strike has a price") != std::string::npos);
  CAF_CHECK(!premium_near_strike({}, 50).ok());
}

CAF_TEST(property ATM is a multiple of the step within half a step of spot) {
  std::mt19937_64 rng{42};
  std::uniform_real_distribution<double> spot{1000, 90000};
  for (int i = 0; i < 20000; ++i) {
    double step = i % 2 ? 50 : 100;
    double s = spot(rng);
    double atm = atm_strike(s, step);
    CAF_REQUIRE(std::fmod(atm, step) == 0);
    CAF_REQUIRE(std::fabs(atm - s) <= step / 2 + 1e-9);
  }
}

CAF_TEST(freeze split into whole lots with the remainder last) {
  auto nifty = freeze_split(65 * 60, 65, 1800); // max child 27 lots = 1755
  CAF_REQUIRE(nifty.ok());
  CAF_CHECK(*nifty == (std::vector<int64_t>{1755, 1755, 390}));
  CAF_CHECK(*freeze_split(1755, 65, 1800) == (std::vector<int64_t>{1755}));
  CAF_CHECK(*freeze_split(65, 65, 1800) == (std::vector<int64_t>{65}));
  CAF_CHECK(*freeze_split(1500, 30, 600) == (std::vector<int64_t>{600, 600, 300}));
  CAF_CHECK(!freeze_split(100, 65, 1800).ok());
  CAF_CHECK(!freeze_split(0, 65, 1800).ok());
  CAF_CHECK(freeze_split(130, 65, 60).error().find("below one lot") != std::string::npos);
}

CAF_TEST(child fills aggregate to total quantity and weighted average) {
  auto f = aggregate_fills({{1755, 100}, {1755, 101}, {390, 102}});
  CAF_CHECK_EQUAL(f.quantity, 3900);
  CAF_CHECK(std::fabs(f.average_price - 392535.0 / 3900) < 1e-9);
  CAF_CHECK_EQUAL(aggregate_fills({}).quantity, 0);
}

CAF_TEST(property freeze children sum to the quantity and are whole lots) {
  std::mt19937_64 rng{7};
  for (int i = 0; i < 5000; ++i) {
    int64_t lot = std::uniform_int_distribution<int64_t>{1, 120}(rng);
    int64_t freeze = std::uniform_int_distribution<int64_t>{lot, 5000}(rng);
    int64_t qty = lot * std::uniform_int_distribution<int64_t>{1, 500}(rng);
    auto children = freeze_split(qty, lot, freeze);
    CAF_REQUIRE(children.ok());
    int64_t sum = 0;
    for (size_t k = 0; k < children->size(); ++k) {
      auto c = (*children)[k];
      CAF_REQUIRE(c > 0 && c % lot == 0 && c <= freeze);
      if (k + 1 < children->size())
        CAF_REQUIRE_EQUAL(c, (*children)[0]); // all full but the last
      sum += c;
    }
    CAF_REQUIRE_EQUAL(sum, qty);
  }
}

CAF_TEST(P&L per side and price validity) {
  CAF_CHECK_EQUAL(position_pnl(side::buy, 100, 110, 65), 650);
  CAF_CHECK_EQUAL(position_pnl(side::sell, 100, 110, 65), -650);
  price_point p;
  auto t0 = utc_instant{std::chrono::seconds{1'764'000'000}};
  CAF_CHECK(take_price(p, 101.5, t0));
  CAF_CHECK(!take_price(p, 0, t0));
  CAF_CHECK(!take_price(p, -3, t0));
  CAF_CHECK(!take_price(p, NAN, t0));
  CAF_CHECK_EQUAL(p.ltp, 101.5); // the previous valid price stays
  CAF_CHECK(!is_stale(p, t0 + std::chrono::seconds{60}));
  CAF_CHECK(is_stale(p, t0 + std::chrono::seconds{61}));
  CAF_CHECK(is_stale(price_point{}, t0));
  // An exit in flight keeps its unrealized P&L until the exit fill.
  auto open = pnl_of({side::sell, 100, 65, 0, 0, 90});
  CAF_CHECK_EQUAL(open.unrealized, 650);
  auto half = pnl_of({side::sell, 100, 65, 65, 95, 90});
  CAF_CHECK_EQUAL(half.realized, 325);
  CAF_CHECK_EQUAL(half.total(), 975);
  CAF_CHECK_EQUAL(pnl_of({side::buy, 100, 65, 0, 0, 0}).unrealized, 0); // no price yet
}

CAF_TEST(BUY legs enter first and shorts exit first with hedges mapped) {
  std::vector<placed_leg> legs = {
    {side::sell, leg_product::options, "NIFTY", "25NOV26", option_type::ce},
    {side::buy, leg_product::options, "NIFTY", "25NOV26", option_type::ce},
    {side::sell, leg_product::options, "NIFTY", "25NOV26", option_type::pe},
    {side::buy, leg_product::options, "NIFTY", "25NOV26", option_type::pe},
    {side::buy, leg_product::options, "NIFTY", "02DEC26", option_type::pe}, // other expiry
  };
  auto entry = entry_phases(legs);
  CAF_CHECK(entry.first == (std::vector<size_t>{1, 3, 4}));
  CAF_CHECK(entry.second == (std::vector<size_t>{0, 2}));
  auto exit = exit_phases(legs);
  CAF_CHECK(exit.first == (std::vector<size_t>{0, 2}));
  CAF_CHECK(exit.second == (std::vector<size_t>{1, 3, 4}));
  auto hedges = hedge_map(legs);
  CAF_CHECK(hedges[1] == std::optional<size_t>{0});
  CAF_CHECK(hedges[3] == std::optional<size_t>{2});
  CAF_CHECK(!hedges[4].has_value());
  CAF_CHECK(!hedges[0].has_value());
  // A hedge's own exit first exits the short it protects.
  CAF_CHECK(exit_sequence_for_leg(legs, 3) == (std::vector<size_t>{2, 3}));
  CAF_CHECK(exit_sequence_for_leg(legs, 0) == (std::vector<size_t>{0}));
  CAF_CHECK(exit_sequence_for_leg(legs, 4) == (std::vector<size_t>{4}));
}

CAF_TEST(exits go shorts first and a stuck short keeps its hedge) {
  using es = execution_status;
  // 0: CE wing (hedges 2), 1: PE wing (hedges 3), 2: CE short, 3: PE short.
  std::vector<exit_slot> a{{side::buy, es::entered, size_t{2}, false},
                           {side::buy, es::entered, size_t{3}, false},
                           {side::sell, es::entered, std::nullopt, false},
                           {side::sell, es::entered, std::nullopt, false}};
  CAF_CHECK(exits_due(a) == (std::vector<size_t>{2, 3}));
  a[2].told = a[3].told = true;
  a[2].status = a[3].status = es::exit_pending;
  CAF_CHECK(exits_due(a).empty()); // shorts in flight: no long is sold
  a[2].status = es::exited;
  CAF_CHECK(exits_due(a).empty()); // one short still open
  a[3].status = es::exit_stuck;
  std::vector<size_t> kept;
  CAF_CHECK(exits_due(a, &kept) == (std::vector<size_t>{0})); // the PE wing stays
  CAF_CHECK(kept == (std::vector<size_t>{1}));
  a[0].told = true;
  CAF_CHECK(exits_due(a).empty()); // told once
  // Without shorts (a bull call spread is BUY and SELL; a lone long is just sold).
  std::vector<exit_slot> lone{{side::buy, es::entered, std::nullopt, false},
                              {side::buy, es::failed, std::nullopt, false}};
  CAF_CHECK(exits_due(lone) == (std::vector<size_t>{0}));
  // A short whose entry is still in flight may yet fill: the longs wait for it.
  std::vector<exit_slot> flight{{side::buy, es::entered, size_t{1}, false, false},
                                {side::sell, es::pending, std::nullopt, false, true}};
  CAF_CHECK(exits_due(flight).empty());
  flight[1].status = es::failed; // cancelled, nothing filled
  CAF_CHECK(exits_due(flight) == (std::vector<size_t>{0}));
  // A short that never entered does not hold the longs back.
  std::vector<exit_slot> skipped{{side::buy, es::entered, size_t{1}, false},
                                 {side::sell, es::skipped, std::nullopt, false}};
  CAF_CHECK(exits_due(skipped) == (std::vector<size_t>{0}));
}
