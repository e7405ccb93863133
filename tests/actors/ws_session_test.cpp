#define CAF_SUITE actors.ws_session
#include "tests/actors/feed_fixture.hpp"

using namespace algomirror;
using namespace algomirror::testing;
using std::chrono::milliseconds;

CAF_TEST_FIXTURE_SCOPE(ws_session_tests, feed_fixture)

CAF_TEST(a session subscribes its symbols and releases them when heartbeats stop) {
  auto feed_cfg = config();
  feed_cfg.stall_timeout = std::chrono::hours{1};
  start(feed_cfg);
  ready(0);
  ws_session_config cfg;
  cfg.record.session_id = "s1";
  cfg.record.user_id = 1;
  cfg.record.session_type = "option_chain";
  cfg.record.underlying = "NIFTY";
  auto spec = *default_instruments().find("NIFTY");
  cfg.instruments = option_chain_instruments(spec, 26012, std::chrono::year_month_day{
                                                           std::chrono::year{2025} / 11 / 25},
                                             2);
  CAF_REQUIRE_EQUAL(cfg.instruments.size(), 10u);
  CAF_CHECK_EQUAL(cfg.instruments[4].symbol, "NIFTY25NOV2526000CE");
  cfg.feed = feed;
  cfg.store = store;
  cfg.time = &time;
  cfg.ttl = milliseconds{300'000};
  auto session = spawn_ws_session(sys, cfg);
  sched.run();
  CAF_CHECK_EQUAL(link(0).subscribed.size(), 10u);
  price(0, cfg.instruments[4], 150);
  CAF_CHECK_EQUAL(ask<std::vector<tick>>(session, caf::get_atom_v).size(), 1u);
  after(milliseconds{200'000});
  self->send(session, heartbeat_atom_v);
  sched.run();
  after(milliseconds{200'000}); // 400 s after start, 200 s after the heartbeat: alive
  CAF_CHECK_EQUAL(link(0).subscribed.size(), 10u);
  after(milliseconds{100'001}); // 5 min after the heartbeat: expired
  CAF_CHECK(link(0).subscribed.empty());
  flush();
  auto rows = db->query("SELECT is_active, symbol_count FROM websocket_sessions "
                        "WHERE session_id = 's1'");
  CAF_REQUIRE_EQUAL(rows.size(), 1u);
  CAF_CHECK(rows[0][0].value_or("") == "0" || rows[0][0].value_or("") == "f");
  CAF_CHECK_EQUAL(rows[0][1].value_or(""), "10");
}

CAF_TEST(a closed session releases its symbols at once) {
  start(config());
  ws_session_config cfg;
  cfg.record.session_id = "s2";
  cfg.record.user_id = 1;
  cfg.instruments = {nifty_ce, nifty_pe};
  cfg.feed = feed;
  cfg.time = &time;
  auto other = subscriber();
  subscribe(other, nifty_ce, feed_mode::quote); // someone else keeps (ce, quote)
  auto session = spawn_ws_session(sys, cfg);
  sched.run();
  CAF_CHECK_EQUAL(link(0).subscribed.size(), 2u);
  self->send(session, caf::close_atom_v);
  sched.run();
  CAF_CHECK_EQUAL(link(0).subscribed.size(), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
