#define CAF_SUITE actors.account
#include "tests/actors/fixture.hpp"

#include "actors/account.hpp"
#include "persistence/database.hpp"
#include "persistence/migrations.hpp"
#include "persistence/store.hpp"
#include "tests/actors/fakes.hpp"

using namespace algomirror;
using namespace algomirror::testing;
using std::chrono::milliseconds;

namespace {

struct account_fixture : testing::fixture {
  manual_clock time{*parse_iso8601("2026-11-25T10:00:00+05:30")};
  broker_api_actor broker;
  account_actor account;
  order_listener_actor listener;
  placer_actor client;

  account_fixture() {
    broker = sys.spawn(fake_broker);
    listener = sys.spawn(update_recorder);
  }

  ~account_fixture() {
    for (auto a : {caf::actor_cast<caf::actor>(account), caf::actor_cast<caf::actor>(broker),
                   caf::actor_cast<caf::actor>(listener), caf::actor_cast<caf::actor>(client)})
      if (a)
        caf::anon_send_exit(a, caf::exit_reason::kill);
    sched.run();
  }

  account_config config() {
    account_config cfg;
    cfg.record.id = 7;
    cfg.record.name = "alpha";
    cfg.api = broker;
    cfg.time = &time;
    cfg.orders_per_window = 3;
    cfg.order_window = milliseconds{1000};
    cfg.request_timeout = milliseconds{2000};
    cfg.status_poll_interval = milliseconds{1000};
    cfg.ping_interval = milliseconds{30'000};
    cfg.unknown_settle_delay = milliseconds{500};
    cfg.snapshot_keep_fresh = milliseconds{0}; // reads counted exactly; on in its own test
    return cfg;
  }

  void start(account_config cfg) {
    account = spawn_account(sys, std::move(cfg));
    client = sys.spawn(placer, account);
    sched.run();
  }

  fake_broker_state& b() {
    return deref<broker_api_actor::stateful_base<fake_broker_state>>(broker).state;
  }

  static order_intent intent(std::string id, std::string symbol, exchange x, int64_t qty,
                             side s = side::buy) {
    order_intent i;
    i.intent_id = std::move(id);
    i.account_id = 7;
    i.inst = {std::move(symbol), x};
    i.action = s;
    i.quantity = qty;
    i.tag = "AM:1:1:0";
    return i;
  }

  /// Places `i` through the client and lets the account work.
  void place(order_intent i) {
    self->send(client, place_atom_v, std::move(i), listener);
    sched.run();
  }

  /// Every answer self received so far, and every update the listener heard (taken away).
  struct inbox {
    std::vector<order_accepted> accepted;
    std::vector<caf::error> errors;
    std::vector<order_update> updates;
  };

  inbox drain() {
    inbox box;
    auto& answers = deref<placer_actor::stateful_base<placer_state>>(client).state;
    box.accepted = std::move(answers.accepted);
    box.errors = std::move(answers.errors);
    answers.accepted.clear();
    answers.errors.clear();
    auto& heard =
      deref<order_listener_actor::stateful_base<update_recorder_state>>(listener).state.updates;
    box.updates = std::move(heard);
    heard.clear();
    return box;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(account_tests, account_fixture)

CAF_TEST(the rate limit is a moving window and never lets a burst through) {
  start(config());
  for (int i = 1; i <= 7; ++i)
    place(intent("I" + std::to_string(i), "RELIANCE", exchange::nse, 1));
  CAF_CHECK_EQUAL(b().placed.size(), 3u);
  after(milliseconds{999});
  CAF_CHECK_EQUAL(b().placed.size(), 3u); // 3 in the window that ends now
  after(milliseconds{1});
  CAF_CHECK_EQUAL(b().placed.size(), 6u);
  after(milliseconds{1000});
  CAF_CHECK_EQUAL(b().placed.size(), 7u);
  auto box = drain();
  CAF_CHECK_EQUAL(box.accepted.size(), 7u);
  CAF_CHECK(box.errors.empty());
}

CAF_TEST(an order above the freeze quantity is split and answered with every child id) {
  auto cfg = config();
  cfg.orders_per_window = 10;
  start(cfg);
  // NIFTY: lot 65, freeze 1800 → children of 27 lots (1755), then the remainder.
  place(intent("I1", "NIFTY25NOV2526000CE", exchange::nfo, 65 * 62));
  CAF_REQUIRE_EQUAL(b().placed.size(), 3u);
  CAF_CHECK_EQUAL(b().placed[0].quantity, 1755);
  CAF_CHECK_EQUAL(b().placed[1].quantity, 1755);
  CAF_CHECK_EQUAL(b().placed[2].quantity, 520);
  auto box = drain();
  CAF_REQUIRE_EQUAL(box.accepted.size(), 1u);
  CAF_CHECK_EQUAL(box.accepted[0].broker_order_ids, (std::vector<std::string>{"B1", "B2", "B3"}));
}

CAF_TEST(the orders of one symbol go one after another and other symbols stay parallel) {
  auto cfg = config();
  cfg.orders_per_window = 10;
  start(cfg);
  b().place_script.push_back(hang{}); // the first child's answer is held back
  place(intent("I1", "NIFTY25NOV2526000CE", exchange::nfo, 65 * 28)); // 1755 + 65
  place(intent("I2", "NIFTY25NOV2526000PE", exchange::nfo, 65));
  place(intent("I3", "NIFTY25NOV2526000CE", exchange::nfo, 65)); // the same symbol: waits too
  CAF_REQUIRE_EQUAL(b().placed.size(), 2u);
  CAF_CHECK_EQUAL(b().placed[0].quantity, 1755);
  CAF_CHECK_EQUAL(b().placed[1].inst.symbol, "NIFTY25NOV2526000PE"); // not held by the call
  after(milliseconds{1999});
  CAF_CHECK_EQUAL(b().placed.size(), 2u); // still unanswered: nothing more of the call
  after(milliseconds{1}); // answered (a timeout: its outcome is unknown, the orderbook decides)
  // The call's next child goes, then (answered at once) the other intent's order.
  CAF_REQUIRE(b().placed.size() >= 4u);
  CAF_CHECK_EQUAL(b().placed[2].quantity, 65);
  CAF_CHECK_EQUAL(b().placed[2].intent_id, "I1");
  CAF_CHECK_EQUAL(b().placed[3].intent_id, "I3");
}

CAF_TEST(without sequencing the children of one symbol go together) {
  auto cfg = config();
  cfg.orders_per_window = 10;
  cfg.sequence_symbol_orders = false;
  start(cfg);
  b().place_script.push_back(hang{});
  place(intent("I1", "NIFTY25NOV2526000CE", exchange::nfo, 65 * 28));
  CAF_CHECK_EQUAL(b().placed.size(), 2u);
}

CAF_TEST(a refused or unknown placement lets the next order of the symbol go) {
  auto cfg = config();
  cfg.orders_per_window = 10;
  start(cfg);
  b().place_script.push_back(make_error(errc::rejected, "RMS: margin exceeds"));
  b().place_script.push_back(hang{});
  place(intent("I1", "NIFTY25NOV2526000CE", exchange::nfo, 65));
  place(intent("I2", "NIFTY25NOV2526000CE", exchange::nfo, 65));
  place(intent("I3", "NIFTY25NOV2526000CE", exchange::nfo, 65));
  CAF_CHECK_EQUAL(b().placed.size(), 2u); // I1 refused at once, I2 hangs, I3 waits
  after(milliseconds{2000});               // I2's request times out: its outcome is unknown
  CAF_CHECK_EQUAL(b().placed.size(), 3u);
  CAF_CHECK_EQUAL(b().placed[2].intent_id, "I3");
}

CAF_TEST(open orders are polled fairly at one call a second until terminal) {
  start(config());
  place(intent("I1", "RELIANCE", exchange::nse, 10));
  place(intent("I2", "SBIN", exchange::nse, 5, side::sell));
  drain();
  after(milliseconds{1000});
  CAF_CHECK_EQUAL(b().status_calls, 1);
  after(milliseconds{1000});
  CAF_CHECK_EQUAL(b().status_calls, 2); // the other order: round robin, not the same one twice
  b().statuses["B1"] = order_update{{}, "B1", order_status::complete, 10, 2500.5, {}, {}};
  b().statuses["B2"] = order_update{{}, "B2", order_status::complete, 5, 800, {}, {}};
  after(milliseconds{1000});
  after(milliseconds{1000});
  auto box = drain();
  CAF_REQUIRE_EQUAL(box.updates.size(), 2u);
  for (auto& u : box.updates)
    CAF_CHECK_EQUAL(u.status, order_status::complete);
  auto calls = b().status_calls;
  after(milliseconds{5000});
  CAF_CHECK_EQUAL(b().status_calls, calls); // nothing open: no more polling
  auto books = ask<std::vector<broker_position>>(account, caf::get_atom_v, positions_atom_v);
  CAF_REQUIRE_EQUAL(books.size(), 2u);
  for (auto& p : books)
    CAF_CHECK_EQUAL(p.net_quantity, p.inst.symbol == "RELIANCE" ? 10 : -5);
}

CAF_TEST(with the order link ready only silent orders or those from before it was ready are polled) {
  start(config());
  place(intent("I1", "RELIANCE", exchange::nse, 1)); // before the link is ready: may miss news
  after(milliseconds{100});
  inject((link_status), from(self).to(account)
                          .with(link_status{7, link_condition::ready, "sandbox", {}}));
  sched.run();
  place(intent("I2", "SBIN", exchange::nse, 1)); // heard of while the link is ready
  after(milliseconds{1000});
  CAF_CHECK_EQUAL(b().status_calls, 1); // I1 once: it may have missed news before the link
  after(milliseconds{1000});
  after(milliseconds{1000});
  after(milliseconds{1000});
  CAF_CHECK_EQUAL(b().status_calls, 1); // the link tells the rest: no polling
  after(milliseconds{1000}); // I2 silent for 5 s
  after(milliseconds{1000}); // I1 silent for 5 s since its poll
  CAF_CHECK_EQUAL(b().status_calls, 3); // each polled again, one call a second
}

CAF_TEST(an order update that beats the placement reply is applied once the id is known) {
  auto cfg = config();
  start(cfg);
  self->send(client, place_atom_v, intent("I1", "RELIANCE", exchange::nse, 4), listener);
  expect((place_atom, order_intent, order_listener_actor), from(self).to(client));
  expect((place_atom, order_intent, order_listener_actor), from(client).to(account));
  // The WebSocket's update arrives before the broker's reply is read.
  inject((order_update), from(self).to(account)
                           .with(order_update{{}, "B1", order_status::complete, 4, 99, {}, {}}));
  sched.run();
  auto box = drain();
  CAF_REQUIRE_EQUAL(box.accepted.size(), 1u);
  CAF_REQUIRE_EQUAL(box.updates.size(), 1u);
  CAF_CHECK_EQUAL(box.updates[0].intent_id, "I1");
  CAF_CHECK_EQUAL(box.updates[0].filled_quantity, 4);
}

CAF_TEST(an unknown outcome is resolved from the orderbook and never re-sent when the order exists) {
  start(config());
  b().place_script.push_back(make_error(errc::outcome_unknown, "HTTP 500"));
  broker_order existing;
  existing.broker_order_id = "X9";
  existing.inst = {"RELIANCE", exchange::nse};
  existing.action = side::buy;
  existing.quantity = 3;
  existing.status = order_status::open;
  existing.strategy_tag = "AM:1:1:0";
  b().book.push_back(existing);
  place(intent("I1", "RELIANCE", exchange::nse, 3));
  CAF_CHECK(drain().accepted.empty()); // not answered while the outcome is unknown
  after(milliseconds{500});
  CAF_CHECK_EQUAL(b().orderbook_calls, 1);
  CAF_CHECK_EQUAL(b().placed.size(), 1u); // adopted, not sent again
  auto box = drain();
  CAF_REQUIRE_EQUAL(box.accepted.size(), 1u);
  CAF_CHECK_EQUAL(box.accepted[0].broker_order_ids, (std::vector<std::string>{"X9"}));
}

CAF_TEST(a request that never answers is re-sent only after the orderbook shows no such order) {
  start(config());
  b().place_script.push_back(hang{});
  place(intent("I1", "RELIANCE", exchange::nse, 3));
  CAF_CHECK_EQUAL(b().placed.size(), 1u);
  after(milliseconds{2000}); // the request times out: unknown
  CAF_CHECK_EQUAL(b().orderbook_calls, 0);
  CAF_CHECK_EQUAL(b().placed.size(), 1u);
  after(milliseconds{500}); // the orderbook is asked: nothing there
  CAF_CHECK_EQUAL(b().orderbook_calls, 1);
  CAF_CHECK_EQUAL(b().placed.size(), 2u);
  auto box = drain();
  CAF_REQUIRE_EQUAL(box.accepted.size(), 1u);
  CAF_CHECK_EQUAL(box.accepted[0].broker_order_ids, (std::vector<std::string>{"B1"}));
}

CAF_TEST(an order sent again after an unknown outcome is polled while the order link is silent) {
  auto cfg = config();
  cfg.unknown_settle_delay = milliseconds{1500}; // the poll comes and goes while it settles
  start(cfg);
  inject((link_status), from(self).to(account)
                          .with(link_status{7, link_condition::ready, "sandbox", {}}));
  sched.run();
  b().place_script.push_back(make_error(errc::outcome_unknown, "HTTP 500"));
  place(intent("I1", "RELIANCE", exchange::nse, 3));
  after(milliseconds{1000});
  after(milliseconds{500}); // the orderbook shows nothing: sent again as B1
  CAF_REQUIRE_EQUAL(b().placed.size(), 2u);
  b().statuses["B1"] = order_update{{}, "B1", order_status::complete, 3, 101, {}, {}};
  for (int i = 0; i < 7; ++i) // the link says nothing (stalled): after 5 s it is asked
    after(milliseconds{1000});
  CAF_CHECK(b().status_calls >= 1);
  auto box = drain();
  bool filled = false;
  for (auto& u : box.updates)
    filled = filled || (u.broker_order_id == "B1" && u.status == order_status::complete);
  CAF_CHECK(filled);
}

CAF_TEST(a 429 from the broker only delays the order by a window) {
  start(config());
  b().place_script.push_back(make_error(errc::rate_limited, "10 per 1 second"));
  place(intent("I1", "RELIANCE", exchange::nse, 3));
  CAF_CHECK_EQUAL(b().placed.size(), 1u);
  after(milliseconds{999});
  CAF_CHECK_EQUAL(b().placed.size(), 1u);
  after(milliseconds{1});
  CAF_CHECK_EQUAL(b().placed.size(), 2u);
  auto box = drain();
  CAF_CHECK_EQUAL(box.accepted.size(), 1u);
  CAF_CHECK(box.errors.empty());
}

CAF_TEST(a definitive rejection is answered with the broker error and never re-sent) {
  start(config());
  b().place_script.push_back(make_error(errc::rejected, "HTTP 400: invalid symbol"));
  place(intent("I1", "RELIANCE", exchange::nse, 3));
  after(milliseconds{5000});
  CAF_CHECK_EQUAL(b().placed.size(), 1u);
  auto box = drain();
  CAF_REQUIRE_EQUAL(box.errors.size(), 1u);
  CAF_CHECK(sys.render(box.errors[0]).find("invalid symbol") != std::string::npos);
  CAF_REQUIRE_EQUAL(box.updates.size(), 1u);
  CAF_CHECK_EQUAL(box.updates[0].status, order_status::rejected);
}

CAF_TEST(bad intents are refused with the field named and change nothing) {
  start(config());
  place(intent("", "RELIANCE", exchange::nse, 3));
  place(intent("I2", "RELIANCE", exchange::nse, 0));
  place(intent("I3", "RELIANCE", exchange::nse, 1));
  place(intent("I3", "RELIANCE", exchange::nse, 1));
  auto box = drain();
  CAF_REQUIRE_EQUAL(box.errors.size(), 3u);
  CAF_CHECK(sys.render(box.errors[0]).find("intent_id") != std::string::npos);
  CAF_CHECK(sys.render(box.errors[1]).find("quantity") != std::string::npos);
  CAF_CHECK(sys.render(box.errors[2]).find("already placed") != std::string::npos);
  CAF_CHECK_EQUAL(b().placed.size(), 1u);
}

CAF_TEST(three failed pings in a row make the account disconnected and one success reconnects it) {
  auto cfg = config();
  cfg.ping_interval = milliseconds{1000};
  start(cfg); // the first ping succeeds
  auto status = [&] { return ask<account_status>(account, caf::get_atom_v, status_atom_v); };
  CAF_CHECK_EQUAL(status().health, connection_health::connected);
  b().failing_pings = 3;
  after(milliseconds{1000});
  after(milliseconds{1000});
  CAF_CHECK_EQUAL(status().health, connection_health::connected);
  CAF_CHECK_EQUAL(status().consecutive_ping_failures, 2);
  after(milliseconds{1000});
  CAF_CHECK_EQUAL(status().health, connection_health::disconnected);
  after(milliseconds{1000});
  CAF_CHECK_EQUAL(status().health, connection_health::connected);
  CAF_CHECK_EQUAL(status().consecutive_ping_failures, 0);
}

CAF_TEST(shutdown refuses new intents and answers once in-flight orders settle) {
  start(config());
  b().place_script.push_back(hang{});
  place(intent("I1", "RELIANCE", exchange::nse, 3));
  self->send(client, shutdown_atom_v);
  sched.run();
  place(intent("I2", "RELIANCE", exchange::nse, 3));
  auto box = drain();
  CAF_REQUIRE_EQUAL(box.errors.size(), 1u); // I2 refused; shutdown not answered yet
  CAF_CHECK(sys.render(box.errors[0]).find("shutting down") != std::string::npos);
  CAF_CHECK_EQUAL(deref<placer_actor::stateful_base<placer_state>>(client).state.settled, 0);
  after(milliseconds{2000}); // I1 times out: unknown
  after(milliseconds{500});  // the orderbook has nothing: re-sent, accepted
  CAF_CHECK_EQUAL(deref<placer_actor::stateful_base<placer_state>>(client).state.settled, 1);
  CAF_CHECK_EQUAL(drain().accepted.size(), 1u);
}

CAF_TEST(positions are read from the broker at most every 5 s and never undo a fill) {
  start(config());
  CAF_CHECK_EQUAL(b().positionbook_calls, 1); // at start
  b().positions = {broker_position{{"SBIN", exchange::nse}, product::mis, 10, 0, 0, 0}};
  ask<std::vector<broker_position>>(account, positions_atom_v);
  ask<std::vector<broker_position>>(account, positions_atom_v);
  CAF_CHECK_EQUAL(b().positionbook_calls, 1); // the read is fresh: the snapshot answers
  after(milliseconds{5000});
  auto book = ask<std::vector<broker_position>>(account, positions_atom_v);
  // Those 10 were traded outside the node: the tradebook nets it keeps (read at start, moved
  // by its own fills) do not know them, so the books are read again with the tradebook.
  CAF_CHECK_EQUAL(b().positionbook_calls, 3);
  CAF_CHECK_EQUAL(b().tradebook_calls, 2);
  CAF_REQUIRE_EQUAL(book.size(), 1u);
  CAF_CHECK_EQUAL(book[0].net_quantity, 10);
  // A fill lands while a read is on its way: that read is older than the fill, so it is read
  // again instead of overwriting the snapshot.
  place(intent("I1", "SBIN", exchange::nse, 5));
  after(milliseconds{5000});
  auto answer = self->request(account, caf::infinite, positions_atom_v);
  expect((positions_atom), from(self).to(account)); // the read goes out …
  inject((order_update), from(self).to(account)      // … and a fill arrives first
                           .with(order_update{{}, "B1", order_status::complete, 5, 600, {}, {}}));
  b().positions[0].net_quantity = 15; // the broker has it by the second read
  sched.run();
  CAF_CHECK_EQUAL(b().positionbook_calls, 5);
  CAF_CHECK_EQUAL(b().tradebook_calls, 2); // the fill moved the nets: no tradebook read
  bool got = false;
  answer.receive(
    [&](const std::vector<broker_position>& x) {
      got = true;
      CAF_REQUIRE_EQUAL(x.size(), 1u);
      CAF_CHECK_EQUAL(x[0].net_quantity, 15);
    },
    [](const caf::error&) {});
  CAF_CHECK(got);
}

CAF_TEST(while a position is held the snapshot is kept fresh so that an exit waits for no read) {
  auto cfg = config();
  cfg.snapshot_keep_fresh = milliseconds{4000};
  start(cfg);
  auto wait = [this](int seconds) { // a second at a time, as the timers fire
    for (int i = 0; i < seconds; ++i)
      after(milliseconds{1000});
  };
  CAF_CHECK_EQUAL(b().positionbook_calls, 1); // at start: flat
  wait(20);
  CAF_CHECK_EQUAL(b().positionbook_calls, 1); // nothing held: no background read
  place(intent("I1", "SBIN", exchange::nse, 5));
  self->send(account, order_update{{}, "B1", order_status::complete, 5, 600, {}, {}});
  sched.run();
  b().positions = {broker_position{{"SBIN", exchange::nse}, product::mis, 5, 0, 0, 0}};
  auto held_from = b().positionbook_calls;
  wait(60); // held for a minute
  auto reads = b().positionbook_calls;
  CAF_CHECK_GREATER_OR_EQUAL(reads - held_from, 13); // one every 4 s
  CAF_CHECK_LESS_OR_EQUAL(reads - held_from, 16);
  // The exit's sizing: the snapshot is younger than 5 s, so it answers without a read.
  auto book = ask<std::vector<broker_position>>(account, positions_atom_v);
  CAF_CHECK_EQUAL(b().positionbook_calls, reads);
  CAF_REQUIRE_EQUAL(book.size(), 1u);
  CAF_CHECK_EQUAL(book[0].net_quantity, 5);
  // Nor does it wait for a background read on its way: the snapshot is still young enough.
  // Step by step: the next look sends its read, and the exit's ask comes before the answer.
  auto read_queued = [this] { // the broker's next message is a positionbook read
    if (!sched.prioritize(broker))
      return false;
    auto* e = sched.next_job<caf::scheduled_actor>().mailbox().peek();
    return e != nullptr && e->content().match_elements<positions_atom>();
  };
  bool sent = false;
  for (int i = 0; i < 6 && !sent; ++i) {
    sched.advance_time(milliseconds{1000});
    while (!(sent = read_queued()) && sched.try_run_once()) {
    }
  }
  CAF_REQUIRE(sent); // the background read is in the broker's mailbox, not answered
  self->request(account, caf::infinite, positions_atom_v);
  expect((positions_atom), from(self).to(account));
  CAF_CHECK_EQUAL(b().positionbook_calls, reads); // still unread by the broker
  expect((std::vector<broker_position>), from(account).to(self));
  sched.run();
  CAF_CHECK_EQUAL(b().positionbook_calls, reads + 1); // the background read went on
  reads = b().positionbook_calls;
  // Flat again: the background reads stop.
  place(intent("I2", "SBIN", exchange::nse, 5, side::sell));
  self->send(account, order_update{{}, "B2", order_status::complete, 5, 600, {}, {}});
  sched.run();
  b().positions = {broker_position{{"SBIN", exchange::nse}, product::mis, 0, 0, 0, 0}};
  wait(10);
  reads = b().positionbook_calls;
  wait(30);
  CAF_CHECK_EQUAL(b().positionbook_calls, reads);
}

CAF_TEST(the tradebook is read once and our fills keep its nets for the cross check) {
  start(config());
  CAF_CHECK_EQUAL(b().tradebook_calls, 1); // beside the first positionbook read
  place(intent("I1", "SBIN", exchange::nse, 5));
  self->send(account, order_update{{}, "B1", order_status::complete, 5, 600, {}, {}});
  sched.run();
  b().positions = {broker_position{{"SBIN", exchange::nse}, product::mis, 5, 0, 0, 0}};
  after(milliseconds{5000});
  auto book = ask<std::vector<broker_position>>(account, positions_atom_v);
  CAF_CHECK_EQUAL(b().positionbook_calls, 2);
  CAF_CHECK_EQUAL(b().tradebook_calls, 1); // an exit's read: the positionbook only
  CAF_REQUIRE_EQUAL(book.size(), 1u);
  CAF_CHECK(book[0].cross_checked);
  CAF_CHECK_EQUAL(book[0].tradebook_net, 5); // our fill, on the nets read at start
  // A sandbox that lost a position update: its positionbook says 0, our fills say 5. The
  // tradebook is read before anyone is answered, and it decides.
  b().positions = {broker_position{{"SBIN", exchange::nse}, product::mis, 0, 0, 0, 0}};
  b().trades = std::vector<broker_trade>{
    {"B1", "T1", {"SBIN", exchange::nse}, side::buy, product::mis, 5, 600, "", ""}};
  after(milliseconds{5000});
  book = ask<std::vector<broker_position>>(account, positions_atom_v);
  CAF_CHECK_EQUAL(b().tradebook_calls, 2);
  CAF_REQUIRE_EQUAL(book.size(), 1u);
  CAF_CHECK_EQUAL(book[0].net_quantity, 0);
  CAF_CHECK_EQUAL(book[0].tradebook_net, 5); // the exit goes by the smaller (none) and alerts
  // Old nets are read again in the background, after the answer (off an exit's path).
  b().trades.reset();
  b().positions = {broker_position{{"SBIN", exchange::nse}, product::mis, 5, 0, 0, 0}};
  after(milliseconds{60'000});
  book = ask<std::vector<broker_position>>(account, positions_atom_v);
  CAF_CHECK_EQUAL(b().tradebook_calls, 3);
}

CAF_TEST(margin is reserved against the broker funds and released by key) {
  start(config());
  ask<funds>(account, funds_atom_v);
  CAF_CHECK_EQUAL(ask<bool>(account, caf::put_atom_v, std::string{"run1:alpha"}, 300000.0), true);
  CAF_CHECK_EQUAL(ask<bool>(account, caf::put_atom_v, std::string{"run2:alpha"}, 300000.0), false);
  self->send(account, caf::delete_atom_v, std::string{"run1:alpha"});
  sched.run();
  CAF_CHECK_EQUAL(ask<bool>(account, caf::put_atom_v, std::string{"run2:alpha"}, 300000.0), true);
}

CAF_TEST(the positions row takes its ltp from the ticks of what is held at most once a second) {
  auto opened = open_database("sqlite::memory:");
  CAF_REQUIRE(opened.ok());
  std::shared_ptr<database> db{std::move(*opened)};
  CAF_REQUIRE(migrate(*db).ok());
  auto user = db->insert("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)",
                         {std::string{"u"}, std::string{"u@example.com"}, std::string{"h"}});
  auto id = db->insert("INSERT INTO trading_accounts (user_id, account_name, broker) VALUES (?, "
                       "?, ?)",
                       {user, std::string{"alpha"}, std::string{"sim"}});
  auto store = spawn_store(sys, db, store_config{}, false);
  auto feed = sys.spawn(fake_feed);
  auto cfg = config();
  cfg.record.id = id;
  cfg.store = store;
  start(cfg);
  self->send(account, caf::put_atom_v, feed);
  sched.run();
  auto& subs = deref<price_feed_actor::stateful_base<fake_feed_state>>(feed).state;
  instrument ce{"NIFTY25NOV2526000CE", exchange::nfo};
  CAF_CHECK(subs.subscribers[ce].empty()); // nothing held, nothing followed
  auto row_ltp = [&] {
    ask<store_stats>(store, caf::flush_atom_v);
    auto rows = db->query("SELECT ltp, quantity FROM positions WHERE account_id = ? AND symbol = ?",
                          {id, ce.symbol});
    CAF_REQUIRE_EQUAL(rows.size(), 1u);
    return std::make_pair(std::stod(*rows[0][0]), std::stoll(*rows[0][1]));
  };
  auto tick_of = [&](double ltp) {
    tick t;
    t.inst = ce;
    t.ltp = ltp;
    t.received_at = time.now();
    return t;
  };
  place(intent("I1", ce.symbol, exchange::nfo, 65, side::sell));
  self->send(account, order_update{{}, "B1", order_status::complete, 65, 100, {}, {}});
  sched.run();
  CAF_REQUIRE_EQUAL(subs.subscribers[ce].size(), 1u); // held now: its price is followed
  after(milliseconds{1000}); // the start's (empty) book was written this second
  CAF_CHECK_EQUAL(row_ltp().second, -65);
  for (double ltp : {110.0, 120.0})
    self->send(subs.subscribers[ce].front(), tick_of(ltp));
  sched.run();
  auto book = ask<std::vector<broker_position>>(account, caf::get_atom_v, positions_atom_v);
  CAF_REQUIRE_EQUAL(book.size(), 1u);
  CAF_CHECK_EQUAL(book[0].ltp, 120.0);
  CAF_CHECK_EQUAL(row_ltp().first, 0.0); // the fill's row was written this second: held back
  after(milliseconds{1000});
  CAF_CHECK_EQUAL(row_ltp().first, 120.0);
  // A positionbook read brings the broker's P&L; ticks then move only its open part.
  b().positions = {broker_position{ce, product::mis, -65, 100, 120, -1300}};
  after(milliseconds{5000});
  ask<std::vector<broker_position>>(account, positions_atom_v);
  self->send(subs.subscribers[ce].front(), tick_of(90.0));
  sched.run();
  book = ask<std::vector<broker_position>>(account, caf::get_atom_v, positions_atom_v);
  CAF_REQUIRE_EQUAL(book.size(), 1u);
  CAF_CHECK_EQUAL(book[0].ltp, 90.0);
  CAF_CHECK_EQUAL(book[0].pnl, 650.0); // -1300 + 30 × 65
  after(milliseconds{1000});
  CAF_CHECK_EQUAL(row_ltp().first, 90.0);
  // Closed: the price is no longer followed, and a late tick changes nothing.
  place(intent("I2", ce.symbol, exchange::nfo, 65, side::buy));
  self->send(account, order_update{{}, "B2", order_status::complete, 65, 90, {}, {}});
  sched.run();
  CAF_CHECK(subs.subscribers[ce].empty());
  CAF_CHECK_EQUAL(subs.unsubscribes, 1);
  self->send(account, tick_of(95.0));
  sched.run();
  after(milliseconds{1000});
  auto [ltp, quantity] = row_ltp();
  CAF_CHECK_EQUAL(quantity, 0);
  CAF_CHECK_EQUAL(ltp, 90.0);
  caf::anon_send_exit(feed, caf::exit_reason::kill);
  caf::anon_send_exit(store, caf::exit_reason::kill);
}

CAF_TEST_FIXTURE_SCOPE_END()
