#define CAF_SUITE domain.calendar
#include "tests/test.hpp"

#include "domain/calendar.hpp"
#include "domain/clock.hpp"
#include "domain/sizing.hpp"

using namespace algomirror;
using namespace std::chrono;

namespace {

utc_instant ist(const char* text) {
  return *parse_iso8601(std::string{text} + "+05:30");
}

date ymd(int y, unsigned m, unsigned d) {
  return date{year{y}, month{m}, day{d}};
}

market_calendar calendar_2026() {
  auto data = default_calendar_data();
  data.holidays.push_back({"2026-11-24", "Guru Nanak Jayanti", {"NSE", "BSE"}});
  data.holidays.push_back({"2026-11-10", "Diwali Balipratipada", {"NSE", "BSE"}});
  data.special_sessions.push_back({"2026-11-10", "Muhurat", "NSE", time_of_day{18 * 3600},
                                   time_of_day{19 * 3600 + 15 * 60}});
  return market_calendar{data};
}

} // namespace

CAF_TEST(open during the regular session only) {
  auto cal = calendar_2026();
  CAF_CHECK(!cal.is_open("NSE", ist("2026-11-25T09:14:59")));
  CAF_CHECK(cal.is_open("NSE", ist("2026-11-25T09:15:00")));
  CAF_CHECK(cal.is_open("NFO", ist("2026-11-25T15:29:59")));
  CAF_CHECK(!cal.is_open("NFO", ist("2026-11-25T15:30:00")));
  CAF_CHECK(!cal.is_open("NSE", ist("2026-11-28T10:00:00"))); // Saturday
  CAF_CHECK(!cal.is_open("NSE", ist("2026-11-24T10:00:00"))); // holiday
  CAF_CHECK(!cal.is_open("BFO", ist("2026-11-24T10:00:00"))); // BSE keeps it too
  CAF_CHECK(cal.is_open("MCX", ist("2026-11-24T22:00:00")));  // not an MCX holiday
  CAF_CHECK(!cal.is_open("MCX", ist("2026-11-25T23:30:00")));
  CAF_CHECK(cal.is_open("CDS", ist("2026-11-25T16:59:00")));
}

CAF_TEST(a special session overrides a holiday) {
  auto cal = calendar_2026();
  CAF_CHECK(!cal.is_open("NSE", ist("2026-11-10T10:00:00")));
  CAF_CHECK(cal.is_open("NSE", ist("2026-11-10T18:30:00")));
  CAF_CHECK(cal.is_open("NFO", ist("2026-11-10T18:30:00")));
  CAF_CHECK(!cal.is_open("NSE", ist("2026-11-10T19:15:00")));
  auto s = cal.session_on("NSE", ymd(2026, 11, 10));
  CAF_REQUIRE(s.has_value());
  CAF_CHECK(s->special);
}

CAF_TEST(next open and next close) {
  auto cal = calendar_2026();
  CAF_CHECK(*cal.next_open("NSE", ist("2026-11-27T16:00:00")) == ist("2026-11-30T09:15:00"));
  CAF_CHECK(*cal.next_open("NSE", ist("2026-11-23T16:00:00")) == ist("2026-11-25T09:15:00"));
  CAF_CHECK(*cal.next_open("NSE", ist("2026-11-25T08:00:00")) == ist("2026-11-25T09:15:00"));
  CAF_CHECK(*cal.next_close("NSE", ist("2026-11-25T10:00:00")) == ist("2026-11-25T15:30:00"));
  CAF_CHECK(*cal.next_close("NSE", ist("2026-11-25T15:30:00")) == ist("2026-11-26T15:30:00"));
  CAF_CHECK(*cal.next_open("NSE", ist("2026-11-09T16:00:00")) == ist("2026-11-10T18:00:00"));
  CAF_CHECK(market_calendar::ist_seconds(ist("2026-11-25T09:15:00")) == 9 * 3600 + 15 * 60);
  CAF_CHECK(market_calendar::ist_date(*parse_iso8601("2026-11-25T20:00:00Z"))
            == ymd(2026, 11, 26));
}

CAF_TEST(expiry day from the broker list or the weekday rule) {
  auto cal = calendar_2026();
  auto table = default_instruments();
  auto trading = [&](date d) { return cal.is_trading_day("NSE", d); };
  auto nifty = *table.require("NIFTY");
  auto bank = *table.require("BANKNIFTY");
  auto sensex = *table.require("SENSEX");
  std::vector<date> list = {ymd(2026, 11, 23), ymd(2026, 12, 1)};
  CAF_CHECK(is_expiry_day(market_condition::any, ymd(2026, 11, 23), &list, nifty, trading));
  CAF_CHECK(!is_expiry_day(market_condition::any, ymd(2026, 11, 25), &list, nifty, trading));
  // Forced by the strategy.
  CAF_CHECK(is_expiry_day(market_condition::expiry, ymd(2026, 11, 25), &list, nifty, trading));
  CAF_CHECK(!is_expiry_day(market_condition::non_expiry, ymd(2026, 11, 23), &list, nifty, trading));
  // No list: Tuesday 24 Nov is a holiday, so the expiry moves back to Monday 23 Nov.
  CAF_CHECK(is_expiry_day(market_condition::any, ymd(2026, 11, 23), nullptr, nifty, trading));
  CAF_CHECK(!is_expiry_day(market_condition::any, ymd(2026, 11, 24), nullptr, nifty, trading));
  CAF_CHECK(is_expiry_day(market_condition::any, ymd(2026, 12, 1), nullptr, nifty, trading));
  // Monthly only: the last Tuesday of November (24th, a holiday) → the 23rd.
  CAF_CHECK(is_expiry_day(market_condition::any, ymd(2026, 11, 23), nullptr, bank, trading));
  CAF_CHECK(!is_expiry_day(market_condition::any, ymd(2026, 11, 17), nullptr, bank, trading));
  CAF_CHECK(is_expiry_day(market_condition::any, ymd(2026, 11, 26), nullptr, sensex, trading));
}

CAF_TEST(a year without a holiday list is known as such and needs the operators word) {
  auto cal = calendar_2026();
  CAF_CHECK(cal.holidays_known("NFO", 2026));
  CAF_CHECK(cal.holidays_known("BFO", 2026));
  CAF_CHECK(!cal.holidays_known("MCX", 2026)); // no MCX holiday listed
  CAF_CHECK(!cal.holidays_known("NFO", 2027));
  CAF_CHECK(cal.scheduled_entry_allowed("NFO", ymd(2026, 11, 25)));
  // 2027-01-26 (Republic Day) with no 2027 list: the day looks like a trading day, and a
  // scheduled entry on it is refused until the year is acknowledged.
  CAF_CHECK(cal.is_trading_day("NFO", ymd(2027, 1, 26)));
  CAF_CHECK(!cal.scheduled_entry_allowed("NFO", ymd(2027, 1, 26)));
  CAF_CHECK_EQUAL(cal.unknown_year_warning("NFO", ymd(2026, 11, 25)), "");
  CAF_CHECK_EQUAL(cal.unknown_year_warning("NFO", ymd(2027, 1, 26)),
                  "no NSE holidays known for 2027: add them (algomirror-node calendar holidays "
                  "import FILE); scheduled entries are refused until then, or until you "
                  "acknowledge the year (algomirror-node calendar acknowledge 2027)");
  CAF_CHECK_EQUAL(cal.unknown_year_warning("BFO", ymd(2027, 1, 26)),
                  "no BSE holidays known for 2027: add them (algomirror-node calendar holidays "
                  "import FILE); scheduled entries are refused until then, or until you "
                  "acknowledge the year (algomirror-node calendar acknowledge 2027 --market "
                  "BSE)");
  auto data = default_calendar_data();
  data.holidays.push_back({"2026-11-24", "Guru Nanak Jayanti", {"NSE", "BSE"}});
  data.acknowledged.push_back({"NSE", 2027});
  market_calendar acked{data};
  CAF_CHECK(acked.scheduled_entry_allowed("NFO", ymd(2027, 1, 26)));
  CAF_CHECK(!acked.scheduled_entry_allowed("BFO", ymd(2027, 1, 26))); // BSE not acknowledged
  CAF_CHECK_EQUAL(acked.unknown_year_warning("NFO", ymd(2027, 1, 26)),
                  "no NSE holidays known for 2027: add them (algomirror-node calendar holidays "
                  "import FILE); the year is acknowledged, so scheduled entries still run");
}

CAF_TEST(a holiday list as NSE publishes it) {
  auto parsed = parse_holiday_csv("Date,Description,Market\n"
                                  "26-Jan-2027,Republic Day,NSE\n"
                                  "2027-03-22,\"Holi, second day\",NSE;BSE\r\n"
                                  "\n"
                                  "# a comment\n"
                                  "2027-04-14,Dr. Baba Saheb Ambedkar Jayanti,all\n"
                                  "2027-05-01,Maharashtra Day\n",
                                  {"NSE"});
  CAF_REQUIRE(parsed.ok());
  CAF_REQUIRE_EQUAL(parsed->size(), 4u);
  auto& rows = *parsed;
  CAF_CHECK_EQUAL(rows[0].date, "2027-01-26");
  CAF_CHECK_EQUAL(rows[0].name, "Republic Day");
  CAF_CHECK(rows[0].markets == std::vector<std::string>{"NSE"});
  CAF_CHECK_EQUAL(rows[1].name, "Holi, second day");
  CAF_CHECK((rows[1].markets == std::vector<std::string>{"NSE", "BSE"}));
  CAF_CHECK((rows[2].markets == std::vector<std::string>{"NSE", "BSE"}));
  CAF_CHECK(rows[3].markets == std::vector<std::string>{"NSE"}); // the default market
  auto error = [](const char* text) {
    auto r = parse_holiday_csv(text, {"NSE"});
    return r.ok() ? std::string{"accepted"} : r.error();
  };
  CAF_CHECK_EQUAL(error("2027-01-26,Republic Day,NSE\n2027-13-01,Bad,NSE\n"),
                  "line 2: date '2027-13-01' is not a day as YYYY-MM-DD or DD-MMM-YYYY "
                  "(26-Jan-2027)");
  CAF_CHECK_EQUAL(error("2027-01-26,Republic Day,NYSE\n"),
                  "line 1: market 'NYSE' is not one of NSE, BSE, MCX (or all)");
  CAF_CHECK_EQUAL(error("2027-01-26,,NSE\n"),
                  "line 1: the holiday on 2027-01-26 has no description (date,description,market)");
  CAF_CHECK_EQUAL(error("2027-01-26,Republic Day,NSE,extra\n"),
                  "line 1: 4 fields; expected date,description,market (quote a description "
                  "with a comma in it)");
  CAF_CHECK_EQUAL(error("2027-01-26,Republic Day,NSE\n26-Jan-2027,Again,NSE\n"),
                  "line 2: 2027-01-26 is listed twice for NSE");
  CAF_CHECK_EQUAL(error("Date,Description\n"),
                  "no holidays in the file (one a line: date,description,market)");
}
