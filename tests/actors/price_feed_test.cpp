#define CAF_SUITE actors.price_feed
#include "tests/actors/fixture.hpp"

#include <cmath>
#include <limits>

#include "actors/price_feed.hpp"
#include "actors/ws_session.hpp"
#include "persistence/migrations.hpp"
#include "persistence/store.hpp"
#include "tests/actors/fakes.hpp"

using namespace algomirror;
using namespace algomirror::testing;
using std::chrono::milliseconds;

namespace {

using link_base = market_data_link_actor::stateful_base<fake_link_state>;
using recorder_base = tick_subscriber_actor::stateful_base<recorder_state>;

struct feed_fixture : testing::fixture {
  manual_clock time{*parse_iso8601("2026-11-25T10:00:00+05:30")};
  std::shared_ptr<database> db;
  store_actor store;
  std::vector<market_data_link_actor> links; ///< every link the feed asked for, in order
  std::vector<int64_t> link_accounts;
  price_feed_actor feed;
  std::vector<tick_subscriber_actor> subscribers;

  feed_fixture() {
    auto opened = open_database("sqlite::memory:");
    CAF_REQUIRE(opened.ok());
    db = std::shared_ptr<database>{std::move(*opened)};
    CAF_REQUIRE(migrate(*db).ok());
    auto user = db->insert("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
                           {std::string{"u"}, std::string{"u@example.com"}, std::string{"h"}});
    for (auto name : {"alpha", "beta", "gamma"})
      db->insert("INSERT INTO trading_accounts (user_id, account_name, broker) VALUES (?, ?, ?)",
                 {user, std::string{name}, std::string{"sim"}});
    store = spawn_store(sys, db, store_config{}, false);
  }

  ~feed_fixture() {
    for (auto a : {caf::actor_cast<caf::actor>(feed), caf::actor_cast<caf::actor>(store)})
      if (a)
        caf::anon_send_exit(a, caf::exit_reason::kill);
    for (auto& s : subscribers)
      caf::anon_send_exit(s, caf::exit_reason::kill);
    sched.run();
  }

  price_feed_config config() {
    price_feed_config cfg;
    for (int64_t id : {1, 2, 3}) {
      account_record rec;
      rec.id = id;
      rec.name = id == 1 ? "alpha" : id == 2 ? "beta" : "gamma";
      cfg.sources.push_back({rec, {}});
    }
    cfg.make_link = [this](const account_record& rec, link_owner) {
      links.push_back(sys.spawn(fake_link, rec.id));
      link_accounts.push_back(rec.id);
      return links.back();
    };
    cfg.store = store;
    cfg.time = &time;
    cfg.stall_timeout = milliseconds{1000};
    cfg.check_interval = milliseconds{100};
    cfg.connect_timeout = milliseconds{500};
    cfg.backoff_initial = milliseconds{2000};
    cfg.quote_interval = milliseconds{500};
    return cfg;
  }

  void start(price_feed_config cfg) {
    feed = spawn_price_feed(sys, std::move(cfg));
    sched.run();
  }

  tick_subscriber_actor subscriber() {
    subscribers.push_back(sys.spawn(recorder));
    return subscribers.back();
  }

  recorder_state& rec(const tick_subscriber_actor& s) { return deref<recorder_base>(s).state; }
  fake_link_state& link(size_t i) { return deref<link_base>(links.at(i)).state; }

  void subscribe(const tick_subscriber_actor& s, const instrument& inst,
                 feed_mode mode = feed_mode::ltp) {
    self->send(feed, caf::subscribe_atom_v, inst, mode, s);
    sched.run();
  }

  void unsubscribe(const tick_subscriber_actor& s, const instrument& inst,
                   feed_mode mode = feed_mode::ltp) {
    self->send(feed, caf::unsubscribe_atom_v, inst, mode, s);
    sched.run();
  }

  /// The current link says something, as the real gateway would.
  void ready(size_t i) {
    inject((link_status), from(links.at(i)).to(feed)
                            .with(link_status{link_accounts.at(i), link_condition::ready,
                                              "sandbox", {}}));
    sched.run();
  }

  void price(size_t i, const instrument& inst, double ltp) {
    tick t;
    t.inst = inst;
    t.ltp = ltp;
    caf::send_as(links.at(i), feed, t);
    sched.run();
  }

  store_stats flush() { return ask<store_stats>(store, caf::flush_atom_v); }
};

const instrument nifty_ce{"NIFTY25NOV2526000CE", exchange::nfo};
const instrument nifty_pe{"NIFTY25NOV2526000PE", exchange::nfo};

} // namespace

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
  subscribe(a, nifty_ce);
  price(0, nifty_ce, 100);
  after(milliseconds{900});
  after(milliseconds{900});
  CAF_CHECK_EQUAL(rec(a).stale.size(), 1u);
  price(0, nifty_ce, 101);
  after(milliseconds{900});
  CAF_CHECK_EQUAL(rec(a).stale.size(), 2u);
}

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
