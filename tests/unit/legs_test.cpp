#define CAF_SUITE domain.legs
#include "tests/test.hpp"

#include "domain/legs.hpp"

using namespace algomirror;
using std::chrono::year;

namespace {

date d(int y, unsigned m, unsigned day) {
  return date{year{y} / static_cast<int>(m) / static_cast<int>(day)};
}

struct legs_fixture {
  underlying_spec nifty = *default_instruments().find("NIFTY");
  std::vector<date> expiries{d(2026, 12, 1), d(2026, 12, 8), d(2026, 12, 29)};
  date today = d(2026, 11, 25);

  leg_definition leg(strike_selection s, option_type t, int32_t offset = 0) {
    leg_definition l;
    l.leg_number = 1;
    l.underlying = "NIFTY";
    l.option = t;
    l.strike = s;
    l.strike_offset = offset;
    l.lots = 2;
    return l;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(leg_resolution, legs_fixture)

CAF_TEST(one spot snapshot gives every leg its strike by the rules of section 3) {
  // 24025 / 50 = 480.5 → 480 (half to even) → ATM 24000.
  auto atm = resolve_leg(leg(strike_selection::atm, option_type::ce), nifty, 24025, expiries, today);
  CAF_REQUIRE(atm.ok());
  CAF_CHECK_EQUAL(atm->strike, 24000);
  CAF_CHECK_EQUAL(atm->inst.symbol, "NIFTY01DEC2624000CE");
  CAF_CHECK_EQUAL(atm->inst.exch, exchange::nfo);
  CAF_CHECK_EQUAL(atm->quantity, 2 * 65);
  auto otm_ce = resolve_leg(leg(strike_selection::otm, option_type::ce, 2), nifty, 24025, expiries, today);
  auto otm_pe = resolve_leg(leg(strike_selection::otm, option_type::pe, 2), nifty, 24025, expiries, today);
  auto itm_ce = resolve_leg(leg(strike_selection::itm, option_type::ce, 0), nifty, 24025, expiries, today);
  CAF_REQUIRE(otm_ce.ok() && otm_pe.ok() && itm_ce.ok());
  CAF_CHECK_EQUAL(otm_ce->strike, 24100);
  CAF_CHECK_EQUAL(otm_pe->strike, 23900);
  CAF_CHECK_EQUAL(itm_ce->strike, 23950); // offset 0 means 1
}

CAF_TEST(expiry choices and futures resolve to their symbols) {
  auto next = leg(strike_selection::atm, option_type::pe);
  next.expiry = expiry_choice::next_week;
  auto r = resolve_leg(next, nifty, 24025, expiries, today);
  CAF_REQUIRE(r.ok());
  CAF_CHECK_EQUAL(r->inst.symbol, "NIFTY08DEC2624000PE");
  leg_definition fut;
  fut.leg_number = 3;
  fut.underlying = "NIFTY";
  fut.product_kind = leg_product::futures;
  fut.option = option_type::none;
  fut.expiry = expiry_choice::current_month;
  auto f = resolve_leg(fut, nifty, 24025, {d(2026, 12, 29), d(2027, 1, 26)}, today);
  CAF_REQUIRE(f.ok());
  CAF_CHECK_EQUAL(f->inst.symbol, "NIFTY29DEC26FUT");
  CAF_CHECK_EQUAL(f->strike, 0);
}

CAF_TEST(premium near picks the closest priced strike and a fixed strike must be on the step) {
  auto premium = leg(strike_selection::premium_near, option_type::pe);
  premium.premium_target = 50;
  auto candidates = premium_candidates(premium, nifty, 24025, expiries[0]);
  CAF_CHECK_EQUAL(candidates.size(), 41u);
  auto r = resolve_leg(premium, nifty, 24025, expiries, today,
                       {{23800, 62}, {23750, 48}, {23700, 35}, {23650, 0}});
  CAF_REQUIRE(r.ok());
  CAF_CHECK_EQUAL(r->strike, 23750);
  auto none = resolve_leg(premium, nifty, 24025, expiries, today, {{23650, 0}});
  CAF_CHECK(!none.ok());
  auto fixed = leg(strike_selection::strike_price, option_type::ce);
  fixed.strike_price = 24030;
  auto bad = resolve_leg(fixed, nifty, 24025, expiries, today);
  CAF_REQUIRE(!bad.ok());
  CAF_CHECK(bad.error().find("leg 1 (NIFTY)") != std::string::npos);
  CAF_CHECK(bad.error().find("24030") != std::string::npos);
  auto no_spot = resolve_leg(leg(strike_selection::atm, option_type::ce), nifty, 0, expiries, today);
  CAF_CHECK(!no_spot.ok());
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(the broker lot size wins and the leg keeps its lots) {
  resolved_leg leg;
  leg.lot_size = 65;
  leg.quantity = 130; // 2 lots
  CAF_CHECK(!take_broker_lot(leg, 0));  // the broker did not say
  CAF_CHECK(!take_broker_lot(leg, 65)); // it agrees
  CAF_CHECK_EQUAL(leg.quantity, 130);
  CAF_CHECK(take_broker_lot(leg, 75));
  CAF_CHECK_EQUAL(leg.lot_size, 75);
  CAF_CHECK_EQUAL(leg.quantity, 150);
}
