#define CAF_SUITE actors.price_feed
#include "tests/actors/feed_fixture.hpp"

using namespace algomirror;
using namespace algomirror::testing;
using std::chrono::milliseconds;

CAF_TEST(failover order puts the primary first then priority then id and skips inactive) {
  std::vector<account_record> xs(4);
  xs[0] = {1, 1, "a", "", "", "", "", false, 2, true, {}};
  xs[1] = {2, 1, "b", "", "", "", "", false, 1, true, {}};
  xs[2] = {3, 1, "c", "", "", "", "", true, 9, true, {}};
  xs[3] = {4, 1, "d", "", "", "", "", false, 0, false, {}};
  auto order = failover_order(xs);
  CAF_REQUIRE_EQUAL(order.size(), 3u);
  CAF_CHECK_EQUAL(order[0].id, 3);
  CAF_CHECK_EQUAL(order[1].id, 2);
  CAF_CHECK_EQUAL(order[2].id, 1);
}

CAF_TEST_FIXTURE_SCOPE(price_feed_tests, feed_fixture)

CAF_TEST(subscriptions are reference counted per symbol and mode) {
  start(config());
  auto a = subscriber();
  auto b = subscriber();
  subscribe(a, nifty_ce);
  subscribe(b, nifty_ce);
  subscribe(b, nifty_ce, feed_mode::quote);
  CAF_CHECK_EQUAL(link(0).subscribe_calls, 2); // (ce, ltp) once, (ce, quote) once
  unsubscribe(a, nifty_ce);
  CAF_CHECK_EQUAL(link(0).unsubscribe_calls, 0); // b still wants (ce, ltp)
  unsubscribe(b, nifty_ce);
  CAF_CHECK_EQUAL(link(0).unsubscribe_calls, 1);
  CAF_CHECK_EQUAL(link(0).subscribed.size(), 1u); // (ce, quote)
  // A subscriber that dies gives its subscriptions back.
  caf::anon_send_exit(b, caf::exit_reason::kill);
  sched.run();
  CAF_CHECK_EQUAL(link(0).unsubscribe_calls, 2);
  CAF_CHECK(link(0).subscribed.empty());
}

CAF_TEST(ticks fan out once per subscriber and invalid prices never reach anyone) {
  start(config());
  ready(0);
  auto a = subscriber();
  auto b = subscriber();
  subscribe(a, nifty_ce);
  subscribe(a, nifty_ce, feed_mode::quote); // two modes, one subscriber: one tick each
  subscribe(b, nifty_pe);
  price(0, nifty_ce, 0);
  price(0, nifty_ce, -5);
  price(0, nifty_ce, std::numeric_limits<double>::quiet_NaN());
  price(0, nifty_ce, std::numeric_limits<double>::infinity());
  price(0, nifty_ce, 101.5);
  price(0, nifty_pe, 88);
  CAF_REQUIRE_EQUAL(rec(a).ticks.size(), 1u);
  CAF_CHECK_EQUAL(rec(a).ticks[0].ltp, 101.5);
  CAF_REQUIRE_EQUAL(rec(b).ticks.size(), 1u);
  CAF_CHECK_EQUAL(rec(b).ticks[0].ltp, 88);
  CAF_CHECK_EQUAL(ask<tick>(feed, caf::get_atom_v, nifty_ce).ltp, 101.5);
  // A late subscriber gets the last valid price at once.
  auto c = subscriber();
  subscribe(c, nifty_ce);
  CAF_REQUIRE_EQUAL(rec(c).ticks.size(), 1u);
  CAF_CHECK_EQUAL(rec(c).ticks[0].ltp, 101.5);
}

CAF_TEST(a paced subscriber gets the latest price once per interval and the rest every tick) {
  auto cfg = config();
  cfg.paced_interval = milliseconds{250};
  start(cfg);
  ready(0);
  auto every = subscriber();
  auto paced = subscriber();
  auto both = subscriber(); // paced in one mode, every tick in the other: every tick
  subscribe(every, nifty_ce);
  for (auto& s : {paced, both})
    subscribe_paced(s, nifty_ce);
  subscribe(both, nifty_ce, feed_mode::quote);
  price(0, nifty_ce, 100);
  price(0, nifty_ce, 101);
  price(0, nifty_ce, 102);
  CAF_CHECK_EQUAL(rec(every).ticks.size(), 3u);
  CAF_CHECK_EQUAL(rec(both).ticks.size(), 3u);
  CAF_CHECK(rec(paced).ticks.empty());
  after(milliseconds{250});
  CAF_REQUIRE_EQUAL(rec(paced).ticks.size(), 1u); // the latest of the three
  CAF_CHECK_EQUAL(rec(paced).ticks[0].ltp, 102);
  CAF_CHECK_EQUAL(rec(both).ticks.size(), 3u);
  after(milliseconds{250}); // no new price: nothing again
  CAF_CHECK_EQUAL(rec(paced).ticks.size(), 1u);
  price(0, nifty_ce, 103);
  after(milliseconds{250});
  CAF_REQUIRE_EQUAL(rec(paced).ticks.size(), 2u);
  CAF_CHECK_EQUAL(rec(paced).ticks[1].ltp, 103);
  // One that left gets nothing more; the stale notice reaches the paced ones too.
  price(0, nifty_ce, 104);
  unsubscribe(paced, nifty_ce);
  after(milliseconds{250});
  CAF_CHECK_EQUAL(rec(paced).ticks.size(), 2u);
  CAF_CHECK_EQUAL(rec(every).ticks.size(), 5u);
}

CAF_TEST(a symbol nobody follows any more keeps no last price for the next subscriber) {
  start(config());
  ready(0);
  auto a = subscriber();
  subscribe(a, nifty_ce);
  price(0, nifty_ce, 101.5);
  unsubscribe(a, nifty_ce); // from now on its price is not followed
  price(0, nifty_ce, 140);  // the server streams on for a while: no one takes it
  auto b = subscriber();
  subscribe(b, nifty_ce);
  CAF_CHECK(rec(b).ticks.empty()); // no frozen 101.5 handed out as if current
  price(0, nifty_ce, 96);
  CAF_REQUIRE_EQUAL(rec(b).ticks.size(), 1u);
  CAF_CHECK_EQUAL(rec(b).ticks[0].ltp, 96);
}

CAF_TEST(a stall moves the feed to the next account which gets every subscription) {
  start(config());
  ready(0);
  auto a = subscriber();
  subscribe(a, nifty_ce);
  subscribe(a, nifty_pe, feed_mode::quote);
  price(0, nifty_ce, 100);
  after(milliseconds{1000}); // silent, but not longer than the stall timeout
  CAF_CHECK_EQUAL(links.size(), 1u);
  after(milliseconds{100}); // the check after 1 s of silence: stall
  CAF_REQUIRE_EQUAL(links.size(), 2u);
  CAF_CHECK_EQUAL(link_accounts[1], 2);
  CAF_CHECK(link(1).subscribed.count({nifty_ce, feed_mode::ltp}) == 1);
  CAF_CHECK(link(1).subscribed.count({nifty_pe, feed_mode::quote}) == 1);
  ready(1);
  // The old link's late ticks are dropped; the new link's reach the subscriber.
  tick late;
  late.inst = nifty_ce;
  late.ltp = 99;
  self->send(feed, late); // not from the current link
  sched.run();
  price(1, nifty_ce, 102);
  CAF_REQUIRE_EQUAL(rec(a).ticks.size(), 2u);
  CAF_CHECK_EQUAL(rec(a).ticks[1].ltp, 102);
  auto states = rec(a).states;
  CAF_REQUIRE(states.size() >= 2u);
  CAF_CHECK_EQUAL(states.back().condition, feed_condition::connected);
  CAF_CHECK_EQUAL(states.back().account_id, 2);
  flush();
  auto events = db->query("SELECT from_account_id, to_account_id, reason FROM failover_events");
  CAF_REQUIRE_EQUAL(events.size(), 1u);
  CAF_CHECK_EQUAL(events[0][0].value_or(""), "1");
  CAF_CHECK_EQUAL(events[0][1].value_or(""), "2");
  CAF_CHECK(events[0][2].value_or("").find("stall") != std::string::npos);
  auto conns = db->query("SELECT account_id, status FROM websocket_connections ORDER BY id");
  CAF_REQUIRE_EQUAL(conns.size(), 2u);
  CAF_CHECK_EQUAL(conns[0][1].value_or(""), "disconnected");
  CAF_CHECK_EQUAL(conns[1][0].value_or(""), "2");
  CAF_CHECK_EQUAL(conns[1][1].value_or(""), "connected");
}

CAF_TEST(no stall is declared while the market is closed) {
  auto cfg = config();
  cfg.market_open = false;
  start(cfg);
  ready(0);
  auto a = subscriber();
  subscribe(a, nifty_ce);
  after(milliseconds{5000});
  CAF_CHECK_EQUAL(links.size(), 1u);
  self->send(feed, session_opened{});
  sched.run();
  after(milliseconds{1000});
  CAF_CHECK_EQUAL(links.size(), 1u);
  after(milliseconds{200});
  CAF_CHECK_EQUAL(links.size(), 2u);
}

CAF_TEST(refused authentication and slow connections fail over in priority order) {
  start(config());
  auto a = subscriber();
  subscribe(a, nifty_ce);
  inject((link_status), from(links[0]).to(feed)
                          .with(link_status{1, link_condition::auth_failed, "bad key", {}}));
  sched.run();
  CAF_REQUIRE_EQUAL(links.size(), 2u);
  CAF_CHECK_EQUAL(link_accounts[1], 2);
  after(milliseconds{600}); // beta never becomes ready
  CAF_REQUIRE_EQUAL(links.size(), 3u);
  CAF_CHECK_EQUAL(link_accounts[2], 3);
}

CAF_TEST(with every account down subscribers are told prices are stale and quotes fill in) {
  auto cfg = config();
  cfg.sources.resize(1);
  broker_api_actor api = sys.spawn(fake_broker);
  cfg.sources[0].api = api;
  start(cfg);
  auto a = subscriber();
  subscribe(a, nifty_ce);
  ready(0);
  inject((link_status), from(links[0]).to(feed)
                          .with(link_status{1, link_condition::disconnected, "reset", {}}));
  sched.run();
  CAF_CHECK_EQUAL(links.size(), 1u); // nobody else to go to
  CAF_CHECK_EQUAL(ask<feed_state>(feed, caf::get_atom_v, status_atom_v).condition,
                  feed_condition::down);
  CAF_REQUIRE_EQUAL(rec(a).stale.size(), 1u);
  CAF_CHECK_EQUAL(rec(a).stale[0].inst, nifty_ce);
  after(milliseconds{500}); // one REST quote
  CAF_REQUIRE_EQUAL(rec(a).ticks.size(), 1u);
  CAF_CHECK_EQUAL(rec(a).ticks[0].ltp, 123.45);
  after(milliseconds{1500}); // the account has rested: tried again
  CAF_CHECK_EQUAL(links.size(), 2u);
  caf::anon_send_exit(api, caf::exit_reason::kill);
}

CAF_TEST(a price older than the limit is reported stale once) {
  auto cfg = config();
  cfg.stale_after = milliseconds{800};
  cfg.stall_timeout = milliseconds{60'000};
  start(cfg);
  ready(0);
  auto a = subscriber();
  auto paced = subscriber(); // told as well
  subscribe(a, nifty_ce);
  subscribe_paced(paced, nifty_ce);
  price(0, nifty_ce, 100);
  after(milliseconds{900});
  after(milliseconds{900});
  CAF_CHECK_EQUAL(rec(a).stale.size(), 1u);
  CAF_CHECK_EQUAL(rec(paced).stale.size(), 1u);
  CAF_CHECK_EQUAL(rec(paced).ticks.size(), 1u);
  price(0, nifty_ce, 101);
  after(milliseconds{900});
  CAF_CHECK_EQUAL(rec(a).stale.size(), 2u);
  CAF_CHECK_EQUAL(rec(paced).stale.size(), 2u);
}

CAF_TEST_FIXTURE_SCOPE_END()
