#pragma once

// The price feed on scripted links (actors/price_feed_test.cpp, actors/ws_session_test.cpp).

#include <cmath>
#include <limits>

#include "tests/actors/fixture.hpp"
#include "actors/price_feed.hpp"
#include "actors/ws_session.hpp"
#include "persistence/migrations.hpp"
#include "persistence/store.hpp"
#include "tests/actors/fakes.hpp"

namespace algomirror::testing {

using std::chrono::milliseconds;

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

  /// The latest price once per the feed's paced interval.
  void subscribe_paced(const tick_subscriber_actor& s, const instrument& inst) {
    self->send(feed, caf::subscribe_atom_v, inst, feed_mode::ltp, s, paced_atom_v);
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


} // namespace algomirror::testing
