#define CAF_SUITE actors.market_clock
#include "tests/actors/fixture.hpp"

#include "actors/market_clock.hpp"
#include "domain/timers.hpp"

using namespace algomirror;
using std::chrono::milliseconds;

namespace {

struct heard_state {
  std::vector<std::string> events; ///< "open NFO 09:15", "entry 7 09:20", …
  static inline const char* name = "clock_recorder";
};

std::string ist_hhmm(utc_instant t) {
  auto s = market_calendar::ist_seconds(t);
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%02d:%02d", s / 3600, s / 60 % 60);
  return buf;
}

clock_listener_actor::behavior_type
clock_recorder(clock_listener_actor::stateful_pointer<heard_state> self) {
  return {
    [=](const session_opened& e) { self->state.events.push_back("open " + e.market + " " + ist_hhmm(e.at)); },
    [=](const session_closed& e) { self->state.events.push_back("close " + e.market + " " + ist_hhmm(e.at)); },
    [=](const timer_due& e) {
      self->state.events.push_back(to_string(e.timer) + " " + std::to_string(e.strategy_id) + " "
                                   + ist_hhmm(e.at));
    },
  };
}

/// The default hours with the holiday of 24 November 2026 (the database seeds all of 2026).
calendar_data calendar_with_holiday() {
  auto data = default_calendar_data();
  data.holidays.push_back({"2026-11-24", "Prakash Gurpurb Sri Guru Nanak Dev", {"NSE", "BSE"}});
  return data;
}

struct clock_fixture : testing::fixture {
  manual_clock time{*parse_iso8601("2026-11-23T09:10:00+05:30")}; // Monday
  market_clock_actor clock;
  clock_listener_actor listener;

  clock_fixture() {
    market_clock_config cfg;
    cfg.calendar = calendar_with_holiday();
    cfg.time = &time;
    cfg.resolution = milliseconds{100};
    clock = spawn_market_clock(sys, cfg);
    listener = sys.spawn(clock_recorder);
    self->send(clock, caf::subscribe_atom_v, listener);
    strategy_definition s;
    s.id = 7;
    s.entry_time = time_of_day{9 * 3600 + 20 * 60};
    s.square_off_time = time_of_day{15 * 3600 + 15 * 60};
    self->send(clock, caf::put_atom_v, s);
    sched.run();
  }

  ~clock_fixture() {
    caf::anon_send_exit(clock, caf::exit_reason::kill);
    caf::anon_send_exit(listener, caf::exit_reason::kill);
    sched.run();
  }

  std::vector<std::string>& heard() {
    return deref<clock_listener_actor::stateful_base<heard_state>>(listener).state.events;
  }

  /// Market time moves; the clock looks once.
  void pass(std::chrono::minutes d) {
    time.advance(d);
    after(milliseconds{100});
  }
};

} // namespace

CAF_TEST(due events come in time order and skip holidays) {
  market_calendar cal{calendar_with_holiday()};
  std::vector<strategy_times> times{{7, "NFO", time_of_day{9 * 3600 + 20 * 60}, {}, {}}};
  // Monday 23rd 15:00 to Wednesday 25th 09:30: the 24th is a holiday (Guru Nanak Jayanti).
  auto events = due_events(cal, {"NFO"}, times, *parse_iso8601("2026-11-23T15:00:00+05:30"),
                           *parse_iso8601("2026-11-25T09:30:00+05:30"));
  CAF_REQUIRE_EQUAL(events.size(), 3u);
  CAF_CHECK(events[0].what == clock_event::kind::session_closed);
  CAF_CHECK(events[1].what == clock_event::kind::session_opened);
  CAF_CHECK(events[1].at == *parse_iso8601("2026-11-25T09:15:00+05:30"));
  CAF_CHECK(events[2].what == clock_event::kind::entry);
  CAF_CHECK_EQUAL(events[2].strategy_id, 7);
  // An empty or reversed span has nothing; the end is included, the start is not.
  auto at_open = *parse_iso8601("2026-11-25T09:15:00+05:30");
  CAF_CHECK(due_events(cal, {"NFO"}, times, at_open, at_open).empty());
  CAF_CHECK_EQUAL(due_events(cal, {"NFO"}, times, at_open - std::chrono::seconds{1}, at_open).size(), 1u);
  CAF_CHECK(due_events(cal, {"NFO"}, times, at_open, at_open + std::chrono::seconds{1}).empty());
}

CAF_TEST_FIXTURE_SCOPE(market_clock_tests, clock_fixture)

CAF_TEST(listeners hear the session and the strategy times once each in order) {
  pass(std::chrono::minutes{4}); // 09:14
  CAF_CHECK(heard().empty());
  pass(std::chrono::minutes{1}); // 09:15
  pass(std::chrono::minutes{10}); // 09:25
  pass(std::chrono::minutes{1});
  CAF_CHECK_EQUAL(heard(), (std::vector<std::string>{"open NFO 09:15", "entry 7 09:20"}));
  heard().clear();
  // A jump over the close, a holiday and the next open: every event, in order.
  pass(std::chrono::minutes{60 * 48}); // Wednesday 09:26
  CAF_CHECK_EQUAL(heard(), (std::vector<std::string>{"square_off 7 15:15", "close NFO 15:30",
                                                     "open NFO 09:15", "entry 7 09:20"}));
}

CAF_TEST(a forgotten strategy fires no more and a gone listener is dropped) {
  self->send(clock, caf::delete_atom_v, int64_t{7});
  sched.run();
  pass(std::chrono::minutes{15}); // 09:25
  CAF_CHECK_EQUAL(heard(), (std::vector<std::string>{"open NFO 09:15"}));
  // A second listener; the first goes away: the clock drops it and carries on for the other.
  auto second = sys.spawn(clock_recorder);
  self->send(clock, caf::subscribe_atom_v, second);
  sched.run();
  caf::anon_send_exit(listener, caf::exit_reason::kill);
  sched.run();
  pass(std::chrono::minutes{400}); // past the close
  auto& second_heard = deref<clock_listener_actor::stateful_base<heard_state>>(second).state.events;
  CAF_CHECK_EQUAL(second_heard, (std::vector<std::string>{"close NFO 15:30"})); // no square-off 7
  caf::anon_send_exit(second, caf::exit_reason::kill);
  sched.run();
}

CAF_TEST_FIXTURE_SCOPE_END()
