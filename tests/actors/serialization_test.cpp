#define CAF_SUITE messages.serialization
#include "tests/actors/fixture.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

using namespace algomirror;
using std::chrono::microseconds;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

utc_instant at(int64_t us) { return utc_instant{microseconds{us}}; }

strategy_definition sample_strategy() {
  strategy_definition s;
  s.id = 7;
  s.user_id = 1;
  s.name = "short straddle with hedges";
  s.condition = market_condition::non_expiry;
  s.risk_profile = "grade_B";
  s.entry_time = time_of_day{9 * 3600 + 20 * 60};
  s.square_off_time = time_of_day{15 * 3600 + 15 * 60};
  s.max_loss = 5000;
  s.trailing_stop = {threshold_kind::percentage, 20};
  s.supertrend = {true, supertrend_exit_kind::breakout, 10, 2.5, "10m"};
  s.scope = risk_scope::run;
  s.account_ids = {1, 2, 3};
  leg_definition hedge;
  hedge.id = 11;
  hedge.leg_number = 1;
  hedge.underlying = "NIFTY";
  hedge.action = side::buy;
  hedge.option = option_type::pe;
  hedge.strike = strike_selection::otm;
  hedge.strike_offset = 4;
  hedge.stop_loss = {threshold_kind::points, 12.5};
  leg_definition short_leg = hedge;
  short_leg.id = 12;
  short_leg.leg_number = 2;
  short_leg.action = side::sell;
  short_leg.strike = strike_selection::premium_near;
  short_leg.premium_target = 80;
  s.legs = {hedge, short_leg};
  return s;
}

/// Serializes into bytes, checks that something was written and no error reported (CAF 0.17
/// can "succeed" writing nothing for unregistered types), then reads it back.
template <class T>
T binary_round_trip(caf::actor_system& sys, T value) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto err = inspect(sink, value);
  CAF_REQUIRE(!err);
  CAF_REQUIRE(!buf.empty());
  T copy;
  caf::binary_deserializer source{sys, buf};
  err = inspect(source, copy);
  CAF_REQUIRE(!err);
  return copy;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(serialization_tests, testing::fixture)

CAF_TEST(value types survive binary serialization) {
  auto strategy = sample_strategy();
  CAF_CHECK(binary_round_trip(sys, strategy) == strategy);

  order_intent intent{"r1-e2-a1", 3, 1, 2, 1, instrument{"NIFTY28NOV2424000CE", exchange::nfo},
                      side::sell, product::nrml, price_type::stop_limit, 1950, 101.5, 100.0,
                      "AM:1:2:1", at(1'764'000'000'000'000), false,
                      exit_claim{"claim:2:1", 2, exit_reason::max_loss, 1, at(7), {}}};
  CAF_CHECK(binary_round_trip(sys, intent) == intent); // with the exit's claim it carries

  tick t{instrument{"NIFTY", exchange::nse_index}, 24025.5, 24025, 24026, 1200,
         at(1'764'000'000'000'001), at(1'764'000'000'000'002)};
  CAF_CHECK(binary_round_trip(sys, t) == t);

  execution_state exec;
  exec.execution_id = 9;
  exec.status = execution_status::exit_pending;
  exec.reason = exit_reason::trailing_stop;
  exec.exit_order_ids = {"26112522840697", "26112522840698"};
  exec.exited_at = at(42);
  CAF_CHECK(binary_round_trip(sys, exec) == exec);

  risk_event ev{"w-1", 1, 0, 0, exit_reason::max_loss, -5100, -5000, "exit_all", "max loss", "{}", at(5)};
  CAF_CHECK(binary_round_trip(sys, ev) == ev);

  link_status ls{2, link_condition::stalled, "stall: no frame for 5000 ms", at(6)};
  CAF_CHECK(binary_round_trip(sys, ls) == ls);
  failover_event fe{"f-1", 1, 2, "stall", true, "", at(7)};
  CAF_CHECK(binary_round_trip(sys, fe) == fe);
  ws_connection_record wc{"feed:1:x:1", 1, "connected", at(8), {}, 42};
  CAF_CHECK(binary_round_trip(sys, wc) == wc);

  risk_event fired{"risk:4:0:max_loss", 4, 0, 0, exit_reason::max_loss, -6100, -6000, "exit_all",
                "P&L -6100.00 reached the max loss", "{}", at(9)};
  run_status rs{4,    7,   run_phase::live, 10, -20, -760, true, {exec}, {{3, "insufficient_margin"}},
                "straddle", "", {fired}, {{0, -30, true, -760, 100, exit_reason::none}}, "books disagree"};
  CAF_CHECK(binary_round_trip(sys, rs) == rs);
}

CAF_TEST(messages with protocol types survive serialization) {
  auto msg = caf::make_message(place_atom_v, sample_strategy().legs);
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  CAF_REQUIRE(!inspect(sink, msg));
  CAF_REQUIRE(!buf.empty());
  caf::message copy;
  caf::binary_deserializer source{sys, buf};
  CAF_REQUIRE(!inspect(source, copy));
  CAF_REQUIRE(copy.match_elements<place_atom, std::vector<leg_definition>>());
  CAF_CHECK(copy.get_as<std::vector<leg_definition>>(1) == sample_strategy().legs);
}

CAF_TEST(every interface of the catalogue names only registered types) {
  // An unregistered type prints as invalid-type in interface strings and breaks remoting.
  auto check = [&](const std::set<std::string>& signatures, const char* name) {
    CAF_CHECK(!signatures.empty());
    for (auto& sig : signatures)
      if (sig.find("invalid-type") != std::string::npos)
        CAF_FAIL(name << " has an unregistered type: " << sig);
  };
  check(sys.message_types<tick_subscriber_actor>(), "tick_subscriber_actor");
  check(sys.message_types<order_listener_actor>(), "order_listener_actor");
  check(sys.message_types<clock_listener_actor>(), "clock_listener_actor");
  check(sys.message_types<link_listener_actor>(), "link_listener_actor");
  check(sys.message_types<store_actor>(), "store_actor");
  check(sys.message_types<broker_api_actor>(), "broker_api_actor");
  check(sys.message_types<market_data_link_actor>(), "market_data_link_actor");
  check(sys.message_types<account_actor>(), "account_actor");
  check(sys.message_types<price_feed_actor>(), "price_feed_actor");
  check(sys.message_types<ws_session_actor>(), "ws_session_actor");
  check(sys.message_types<execution_actor>(), "execution_actor");
  check(sys.message_types<strategy_run_actor>(), "strategy_run_actor");
  check(sys.message_types<market_clock_actor>(), "market_clock_actor");
  check(sys.message_types<node_actor>(), "node_actor");
}

CAF_TEST_FIXTURE_SCOPE_END()
