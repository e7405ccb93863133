#define CAF_SUITE domain.clock
#include "tests/test.hpp"

#include "domain/clock.hpp"

using namespace algomirror;
using namespace std::chrono;

CAF_TEST(iso8601 with offset or Z or without offset) {
  auto ist = parse_iso8601("2026-11-25T09:15:00+05:30");
  CAF_REQUIRE(ist.ok());
  CAF_CHECK_EQUAL(format_utc(*ist), "2026-11-25T03:45:00.000000Z");
  auto z = parse_iso8601("2026-11-25T03:45:00Z");
  CAF_REQUIRE(z.ok());
  CAF_CHECK(*z == *ist);
  auto bare = parse_iso8601("2026-11-25 09:15");
  CAF_REQUIRE(bare.ok());
  CAF_CHECK(*bare == *ist); // no offset = IST
  auto frac = parse_iso8601("2026-11-25T03:45:00.25Z");
  CAF_REQUIRE(frac.ok());
  CAF_CHECK_EQUAL(format_utc(*frac), "2026-11-25T03:45:00.250000Z");
  auto neg = parse_iso8601("2026-11-24T22:45:00-05:00");
  CAF_REQUIRE(neg.ok());
  CAF_CHECK(*neg == *ist);
}

CAF_TEST(iso8601 rejects malformed input with a clear message) {
  for (auto text : {"", "tomorrow", "2026-13-01T09:15:00Z", "2026-02-30T09:15:00Z",
                    "2026-11-25T25:00:00Z", "2026-11-25T09:15:00+0530x", "2026-11-25",
                    "2026-11-25T09:15:00.Z"}) {
    auto parsed = parse_iso8601(text);
    CAF_CHECK(!parsed.ok());
    CAF_CHECK(parsed.error().find(text) != std::string::npos);
  }
}

CAF_TEST(format in IST) {
  auto t = *parse_iso8601("2026-11-25T03:45:00Z");
  CAF_CHECK_EQUAL(format_ist(t), "2026-11-25 09:15:00 IST");
  auto late = *parse_iso8601("2026-11-25T20:00:00Z");
  CAF_CHECK_EQUAL(format_ist(late), "2026-11-26 01:30:00 IST");
}

CAF_TEST(scaled clock starts where told and runs faster) {
  auto start = *parse_iso8601("2026-11-25T09:15:00+05:30");
  // Both ends of the scaling given: no wall-clock race on a busy machine.
  auto anchor = steady_clock::time_point{} + hours{100};
  scaled_clock fast{start, 3600.0, anchor};
  CAF_CHECK(fast.at(anchor) == start);
  CAF_CHECK(fast.at(anchor + seconds{1}) == start + hours{1});
  CAF_CHECK(fast.at(anchor + milliseconds{250}) == start + minutes{15});
  CAF_CHECK(fast.at(anchor + seconds{10}) == start + hours{10}); // 10 real s = 10 market h
  scaled_clock minute{start, 60.0, anchor};
  CAF_CHECK(minute.at(anchor + seconds{10}) == start + minutes{10});
  CAF_CHECK_EQUAL(fast.real_delay(hours{1}), seconds{1});
  CAF_CHECK(scaled_clock{start, 3600.0}.now() >= start); // from now on: never before its start
  scaled_clock real;
  auto diff = real.now() - time_point_cast<microseconds>(system_clock::now());
  CAF_CHECK(diff < seconds{1} && diff > -seconds{1});
  CAF_CHECK_EQUAL(real.real_delay(seconds{5}), seconds{5});
}

CAF_TEST(manual clock moves only when told) {
  auto start = *parse_iso8601("2026-11-25T09:15:00+05:30");
  manual_clock c{start};
  CAF_CHECK(c.now() == start);
  c.advance(minutes{5});
  CAF_CHECK_EQUAL(format_ist(c.now()), "2026-11-25 09:20:00 IST");
}

CAF_TEST(holiday dates in the two published formats) {
  CAF_CHECK_EQUAL(parse_calendar_date("2027-01-26").value_or("-"), "2027-01-26");
  CAF_CHECK_EQUAL(parse_calendar_date("26-Jan-2027").value_or("-"), "2027-01-26");
  CAF_CHECK_EQUAL(parse_calendar_date(" 05-MAR-2027 ").value_or("-"), "2027-03-05");
  CAF_CHECK_EQUAL(parse_calendar_date("2027-02-30").value_or("-"), "-");
  CAF_CHECK_EQUAL(parse_calendar_date("26-Jab-2027").value_or("-"), "-");
  CAF_CHECK_EQUAL(parse_calendar_date("26/01/2027").value_or("-"), "-");
  CAF_CHECK_EQUAL(parse_calendar_date("2027-01-26x").value_or("-"), "-");
  CAF_CHECK_EQUAL(parse_calendar_date("Date").value_or("-"), "-");
}
