#define CAF_SUITE domain.instruments
#include "tests/test.hpp"

#include "domain/expiry.hpp"
#include "domain/instruments.hpp"

using namespace algomirror;
using namespace std::chrono;

namespace {
date ymd(int y, unsigned m, unsigned d) {
  return date{year{y}, month{m}, day{d}};
}
} // namespace

CAF_TEST(the default instrument table of trading rules section 1) {
  auto table = default_instruments();
  auto nifty = *table.require("NIFTY");
  CAF_CHECK_EQUAL(nifty.strike_step, 50);
  CAF_CHECK_EQUAL(nifty.lot_size, 65);
  CAF_CHECK_EQUAL(nifty.freeze_quantity, 1800);
  CAF_CHECK(nifty.weekly_expiries);
  CAF_CHECK_EQUAL(nifty.expiry_weekday, 2);
  auto bank = *table.require("BANKNIFTY");
  CAF_CHECK_EQUAL(bank.lot_size, 30);
  CAF_CHECK_EQUAL(bank.freeze_quantity, 600);
  CAF_CHECK(!bank.weekly_expiries);
  auto sensex = *table.require("SENSEX");
  CAF_CHECK(sensex.derivative_exchange == exchange::bfo);
  CAF_CHECK_EQUAL(sensex.expiry_weekday, 4);
  auto unknown = table.require("FINNIFTY");
  CAF_REQUIRE(!unknown.ok());
  CAF_CHECK(unknown.error().find("FINNIFTY") != std::string::npos);
  CAF_CHECK(unknown.error().find("NIFTY, BANKNIFTY, SENSEX") != std::string::npos);
  // More underlyings come from configuration alone.
  table.put({"FINNIFTY", exchange::nse_index, exchange::nfo, 50, 60, 60, 1800, false, 2});
  CAF_CHECK(table.require("FINNIFTY").ok());
}

CAF_TEST(option and futures symbols) {
  CAF_CHECK_EQUAL(option_symbol("NIFTY", ymd(2024, 11, 28), 24000, option_type::ce),
                  "NIFTY28NOV2424000CE");
  CAF_CHECK_EQUAL(option_symbol("BANKNIFTY", ymd(2026, 1, 27), 51500, option_type::pe),
                  "BANKNIFTY27JAN2651500PE");
  CAF_CHECK_EQUAL(option_symbol("NIFTY", ymd(2026, 3, 5), 292.5, option_type::ce),
                  "NIFTY05MAR26292.5CE");
  CAF_CHECK_EQUAL(futures_symbol("NIFTY", ymd(2025, 12, 30)), "NIFTY30DEC25FUT");
}

CAF_TEST(symbols parse back and the longest underlying wins) {
  auto table = default_instruments();
  auto s = parse_derivative_symbol("NIFTY28NOV2424000CE", table);
  CAF_REQUIRE(s.ok());
  CAF_CHECK(*s == (derivative_symbol{"NIFTY", ymd(2024, 11, 28), instrument_kind::option, 24000,
                                     option_type::ce}));
  auto b = parse_derivative_symbol("BANKNIFTY27JAN2651500PE", table);
  CAF_REQUIRE(b.ok());
  CAF_CHECK_EQUAL(b->underlying, "BANKNIFTY");
  auto frac = parse_derivative_symbol("NIFTY05MAR26292.5CE", table);
  CAF_REQUIRE(frac.ok());
  CAF_CHECK_EQUAL(frac->strike, 292.5);
  auto fut = parse_derivative_symbol("SENSEX24DEC26FUT", table);
  CAF_REQUIRE(fut.ok());
  CAF_CHECK(fut->kind == instrument_kind::future);
  for (auto bad : {"NIFTY", "SBIN", "NIFTY28NOV24", "NIFTY28NOV24FOO", "NIFTY31NOV2424000CE",
                   "NIFTY28NOV2424000XE", "NIFTY28NOV24CE", "NIFTY28XYZ2424000CE"}) {
    auto r = parse_derivative_symbol(bad, table);
    CAF_CHECK(!r.ok());
    CAF_CHECK(r.error().find(bad) != std::string::npos);
  }
}

CAF_TEST(both expiry formats parse and nothing else does) {
  CAF_CHECK(*parse_expiry("30-DEC-25") == ymd(2025, 12, 30));
  CAF_CHECK(*parse_expiry("30DEC25") == ymd(2025, 12, 30));
  CAF_CHECK(*parse_expiry("05-jan-27") == ymd(2027, 1, 5)); // the year is read, never assumed
  CAF_CHECK_EQUAL(format_expiry(ymd(2025, 12, 30)), "30-DEC-25");
  CAF_CHECK_EQUAL(format_symbol_expiry(ymd(2027, 1, 5)), "05JAN27");
  for (auto bad : {"", "2025-12-30", "30-DEC-2025", "30/DEC/25", "31-FEB-26", "3DEC25", "30-DEC25"}) {
    auto r = parse_expiry(bad);
    CAF_CHECK(!r.ok());
  }
  CAF_CHECK(parse_expiry("30-DEC-2025").error().find("DD-MMM-YY") != std::string::npos);
}

CAF_TEST(order prices round to the tick) {
  CAF_CHECK_EQUAL(round_to_tick(101.23), 101.25);
  CAF_CHECK_EQUAL(round_to_tick(101.22), 101.2);
  CAF_CHECK_EQUAL(round_to_tick(101.2), 101.2);
  CAF_CHECK_EQUAL(round_to_tick(0.02), 0.0);
}

CAF_TEST(expiry selection for options) {
  std::vector<date> weekly = {ymd(2026, 11, 3),  ymd(2026, 11, 10), ymd(2026, 11, 17),
                              ymd(2026, 11, 24), ymd(2026, 12, 1),  ymd(2026, 12, 8),
                              ymd(2026, 12, 29), ymd(2027, 1, 5),   ymd(2027, 1, 26)};
  auto pick = [&](date today, expiry_choice c) {
    auto r = select_expiry(weekly, today, c, leg_product::options);
    CAF_REQUIRE(r.ok());
    return *r;
  };
  auto today = ymd(2026, 11, 5);
  CAF_CHECK(pick(today, expiry_choice::current_week) == ymd(2026, 11, 10));
  CAF_CHECK(pick(today, expiry_choice::next_week) == ymd(2026, 11, 17));
  CAF_CHECK(pick(today, expiry_choice::current_month) == ymd(2026, 11, 24));
  CAF_CHECK(pick(today, expiry_choice::next_month) == ymd(2026, 12, 29));
  // On the day of expiry, that expiry is still the current one.
  CAF_CHECK(pick(ymd(2026, 11, 24), expiry_choice::current_week) == ymd(2026, 11, 24));
  CAF_CHECK(pick(ymd(2026, 11, 24), expiry_choice::current_month) == ymd(2026, 11, 24));
  // After this month's monthly has passed, current_month is next month's.
  CAF_CHECK(pick(ymd(2026, 11, 25), expiry_choice::current_month) == ymd(2026, 12, 29));
  CAF_CHECK(pick(ymd(2026, 11, 25), expiry_choice::next_month) == ymd(2027, 1, 26));
  // One listed expiry: next_week falls back to it.
  auto one = select_expiry({ymd(2026, 11, 10)}, today, expiry_choice::next_week,
                           leg_product::options);
  CAF_CHECK(one.ok() && *one == ymd(2026, 11, 10));
  CAF_CHECK(!select_expiry({}, today, expiry_choice::current_week, leg_product::options).ok());
  CAF_CHECK(!select_expiry({ymd(2026, 11, 24)}, today, expiry_choice::next_month,
                           leg_product::options)
               .ok());
}

CAF_TEST(expiry selection for futures) {
  std::vector<date> futures = {ymd(2026, 11, 24), ymd(2026, 12, 29), ymd(2027, 1, 26)};
  auto today = ymd(2026, 11, 5);
  CAF_CHECK(*select_expiry(futures, today, expiry_choice::current_week, leg_product::futures)
            == ymd(2026, 11, 24));
  CAF_CHECK(*select_expiry(futures, today, expiry_choice::current_month, leg_product::futures)
            == ymd(2026, 11, 24));
  CAF_CHECK(*select_expiry(futures, today, expiry_choice::next_month, leg_product::futures)
            == ymd(2026, 12, 29));
  CAF_CHECK(!select_expiry({ymd(2026, 11, 24)}, today, expiry_choice::next_month,
                           leg_product::futures)
               .ok());
}

CAF_TEST(weekly choices are refused for monthly-only underlyings) {
  auto table = default_instruments();
  auto bank = *table.require("BANKNIFTY");
  auto error = check_expiry_choice(bank, leg_product::options, expiry_choice::current_week);
  CAF_CHECK(error.find("BANKNIFTY has no weekly expiries") != std::string::npos);
  CAF_CHECK_EQUAL(check_expiry_choice(bank, leg_product::options, expiry_choice::current_month), "");
  CAF_CHECK_EQUAL(check_expiry_choice(bank, leg_product::futures, expiry_choice::current_week), "");
  CAF_CHECK_EQUAL(check_expiry_choice(*table.require("NIFTY"), leg_product::options,
                                      expiry_choice::next_week),
                  "");
  auto spec = *table.require("NIFTY");
  spec.next_month_lot_size = 75;
  CAF_CHECK_EQUAL(lot_size_for(spec, expiry_choice::next_month), 75);
  CAF_CHECK_EQUAL(lot_size_for(spec, expiry_choice::current_month), 65);
}
