#define CAF_SUITE actors.node
#include "tests/actors/fixture.hpp"

#include <variant>

#include "actors/node.hpp"
#include "domain/calendar.hpp"
#include "persistence/admin.hpp"
#include "persistence/migrations.hpp"
#include "persistence/settings_admin.hpp"
#include "persistence/store.hpp"
#include "tests/actors/fakes.hpp"

using namespace algomirror;
using std::chrono::microseconds;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

/// A persistence actor on a fresh in-memory database with the newest schema.
store_actor migrated_store(caf::actor_system& sys) {
  auto db = open_database("sqlite::memory:");
  CAF_REQUIRE(db.ok());
  CAF_REQUIRE(migrate(**db).ok());
  return spawn_store(sys, std::shared_ptr<database>{std::move(*db)}, store_config{}, false);
}

/// A node behind scripted gateways: every broker and link it makes is kept here, and all of
/// them stop with the fixture.
struct scripted_node : testing::fixture {
  store_actor store;
  node_actor node;
  std::vector<broker_api_actor> brokers;
  std::vector<market_data_link_actor> links;

  gateway_factory gateways() {
    gateway_factory g;
    g.broker_api = [this](const account_record&) {
      brokers.push_back(sys.spawn(testing::fake_broker));
      return brokers.back();
    };
    g.link = [this](const account_record& rec, link_owner) {
      links.push_back(sys.spawn(testing::fake_link, rec.id));
      return links.back();
    };
    return g;
  }

  ~scripted_node() {
    caf::anon_send_exit(node, caf::exit_reason::kill);
    for (auto& b : brokers)
      caf::anon_send_exit(b, caf::exit_reason::kill);
    caf::anon_send_exit(store, caf::exit_reason::kill);
    sched.run();
  }
};

struct node_fixture : testing::fixture {
  manual_clock time{*parse_iso8601("2026-11-25T09:15:00+05:30")};
  store_actor store;
  node_actor node;

  node_fixture() {
    store = migrated_store(sys);
    node_config cfg;
    cfg.store = store;
    cfg.time = &time;
    cfg.database_label = "sqlite:test.db";
    cfg.shutdown_timeout = seconds{5};
    node = spawn_node(sys, std::move(cfg));
    sched.run();
    after(std::chrono::milliseconds{100}); // the store's flush timer (the market clock ticks on)
  }

  ~node_fixture() {
    // The node and its market clock hold each other (the node follows the entry times).
    caf::anon_send_exit(node, caf::exit_reason::kill);
    caf::anon_send_exit(store, caf::exit_reason::kill);
    sched.run();
  }

  store_stats stats() { return ask<store_stats>(store, caf::get_atom_v, stats_atom_v); }
};

/// A node with two accounts behind scripted gateways.
struct supervised_fixture : scripted_node {
  manual_clock time{*parse_iso8601("2026-11-25T09:15:00+05:30")};

  supervised_fixture() {
    store = migrated_store(sys);
    node_config cfg;
    cfg.store = store;
    cfg.time = &time;
    cfg.database_label = "sqlite:test.db";
    cfg.shutdown_timeout = seconds{5};
    for (int64_t id : {1, 2}) {
      account_record rec;
      rec.id = id;
      rec.name = id == 1 ? "alpha" : "beta";
      rec.is_primary = id == 1;
      cfg.accounts.push_back(rec);
    }
    cfg.gateways = gateways();
    cfg.max_restarts = 3;
    node = spawn_node(sys, std::move(cfg));
    sched.run();
  }

  account_actor account(int64_t id) { return ask<account_actor>(node, caf::get_atom_v, account_atom_v, id); }
  node_status status() { return ask<node_status>(node, caf::get_atom_v, status_atom_v); }

  /// What an exception in a handler does to an actor.
  void crash(const account_actor& a) {
    self->send_exit(a, caf::make_error(caf::sec::runtime_error, "handler failure"));
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(node_tests, node_fixture)

CAF_TEST(the node records its start and answers its status) {
  CAF_CHECK_EQUAL(stats().writes_accepted, 1u);
  CAF_CHECK_EQUAL(stats().rows_written, 1u); // the flush timer fired
  time.advance(minutes{1});
  self->request(node, caf::infinite, caf::get_atom_v, status_atom_v);
  expect((caf::get_atom, status_atom), from(self).to(node));
  // This node was given no calendar: no holiday of 2026 is known, and status says so.
  auto warning = market_calendar{calendar_data{}}.unknown_year_warning(
    "NSE", date{std::chrono::year{2026} / 11 / 25});
  CAF_CHECK(warning.find("no NSE holidays known for 2026") == 0);
  auto status = node_status{node_phase::running, "sqlite:test.db",
                            *parse_iso8601("2026-11-25T09:15:00+05:30"),
                            *parse_iso8601("2026-11-25T09:16:00+05:30"), 0, 0, 0, 0, {warning}};
  expect((node_status), from(node).to(self).with(status));
}

CAF_TEST(shutdown flushes the store before the node answers) {
  self->request(node, caf::infinite, shutdown_atom_v);
  expect((shutdown_atom), from(self).to(node));
  // Told, not asked (no answer comes back): the flush after it writes it first.
  expect((write_atom, activity_entry), from(_).to(store));
  expect((caf::flush_atom), from(node).to(store));
  expect((store_stats), from(store).to(node));
  expect((caf::ok_atom), from(node).to(self));
  CAF_CHECK_EQUAL(stats().rows_written, 2u); // node_started and node_stopped
}

CAF_TEST(execute of an unknown strategy is refused with a clear error) {
  auto answer = self->request(node, caf::infinite, execute_atom_v, execute_request{42, {}, false});
  sched.run();
  std::string text;
  answer.receive([](const run_started&) { CAF_FAIL("a run started"); },
                 [&](caf::error& e) { text = sys.render(e); });
  CAF_CHECK(text.find("no active strategy with id 42") != std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(supervision_tests, supervised_fixture)

CAF_TEST(the node starts every account with its own gateway and one price feed) {
  CAF_CHECK_EQUAL(status().accounts, 2);
  CAF_CHECK_EQUAL(brokers.size(), 2u);
  // two order-update links (one per account) and the feed's link through the primary
  CAF_REQUIRE_EQUAL(links.size(), 3u);
  auto feed = ask<price_feed_actor>(node, caf::get_atom_v, feed_atom_v);
  CAF_CHECK(feed != nullptr);
  auto& feed_link = deref<market_data_link_actor::stateful_base<testing::fake_link_state>>(links[2]);
  CAF_CHECK_EQUAL(feed_link.state.account_id, 1);
  auto& order_link = deref<market_data_link_actor::stateful_base<testing::fake_link_state>>(links[0]);
  CAF_CHECK(order_link.state.orders);
}

CAF_TEST(a crashed account is restarted and after too many crashes an alert is raised) {
  auto first = account(1);
  crash(first);
  sched.run();
  CAF_CHECK_EQUAL(status().restarts, 1);
  CAF_CHECK_EQUAL(status().accounts, 2);
  auto second = account(1);
  CAF_CHECK(second != first);
  CAF_CHECK_EQUAL(brokers.size(), 2u); // the gateway survives; the account is made again
  for (int i = 0; i < 2; ++i) {
    crash(account(1));
    sched.run();
  }
  CAF_CHECK_EQUAL(status().restarts, 3);
  CAF_CHECK_EQUAL(status().alerts, 0);
  crash(account(1)); // the 4th crash within a minute
  sched.run();
  CAF_CHECK_EQUAL(status().alerts, 1);
  CAF_CHECK_EQUAL(status().accounts, 1);
  auto answer = self->request(node, caf::infinite, caf::get_atom_v, account_atom_v, int64_t{1});
  sched.run();
  bool refused = false;
  answer.receive([&](const account_actor&) {}, [&](const caf::error&) { refused = true; });
  CAF_CHECK(refused);
}

CAF_TEST(crashes spread over more than the window are restarted every time) {
  for (int i = 0; i < 5; ++i) {
    crash(account(2));
    sched.run();
    after(std::chrono::seconds{25});
  }
  CAF_CHECK_EQUAL(status().restarts, 5);
  CAF_CHECK_EQUAL(status().alerts, 0);
}

CAF_TEST(shutdown lets the accounts settle then flushes and stops every child) {
  auto alpha = account(1);
  auto answer = self->request(node, caf::infinite, shutdown_atom_v);
  sched.run();
  CAF_REQUIRE(!self->mailbox().empty());
  bool ok = false;
  answer.receive([&](caf::ok_atom) { ok = true; }, [&](const caf::error&) {});
  CAF_CHECK(ok);
  auto probe = self->request(alpha, caf::infinite, caf::get_atom_v, status_atom_v);
  sched.run();
  bool gone = false;
  probe.receive([](const account_status&) {}, [&](const caf::error&) { gone = true; });
  CAF_CHECK(gone);
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

/// A node with two accounts and one stored strategy (one BUY leg), behind scripted gateways.
struct run_node_fixture : scripted_node {
  manual_clock time{*parse_iso8601("2026-11-25T09:30:00+05:30")};
  strategy_definition strategy;
  std::shared_ptr<database> db_handle; ///< the store's database, for settings changed by hand

  run_node_fixture() {
    auto db = open_database("sqlite::memory:");
    CAF_REQUIRE(db.ok());
    CAF_REQUIRE(migrate(**db).ok());
    auto user = add_user(**db, "trader", "t@example.in", "$argon2id$x");
    CAF_REQUIRE(user.ok());
    node_config cfg;
    for (auto name : {"alpha", "beta"}) {
      auto rec = add_account(**db, *user, {name, "sim", "http://127.0.0.1:1", "ws://127.0.0.1:2",
                                           "", false, 0});
      CAF_REQUIRE(rec.ok());
      cfg.accounts.push_back(*rec);
      strategy.account_ids.push_back(rec->id);
    }
    strategy.name = "one call";
    leg_definition leg;
    leg.underlying = "NIFTY";
    leg.action = side::buy;
    leg.option = option_type::ce;
    strategy.legs = {leg};
    auto saved = save_strategy(**db, *user, strategy);
    CAF_REQUIRE(saved.ok());
    strategy = user_strategies(**db, *user, "one call").at(0); // with its legs' ids
    cfg.strategies = {strategy};
    db_handle = std::shared_ptr<database>{std::move(*db)};
    store = spawn_store(sys, db_handle, store_config{}, false);
    cfg.store = store;
    cfg.time = &time;
    cfg.calendar = default_calendar_data();
    cfg.calendar.holidays.push_back({"2026-01-26", "Republic Day", {"NSE", "BSE"}});
    cfg.database_label = "sqlite:test.db";
    cfg.shutdown_timeout = seconds{5};
    cfg.gateways = gateways();
    node = spawn_node(sys, std::move(cfg));
    sched.run();
  }

  /// Executes and returns the answer: the run, or the error's text.
  std::variant<run_started, std::string> execute(execute_request req) {
    auto answer = self->request(node, caf::infinite, execute_atom_v, req);
    sched.run();
    std::variant<run_started, std::string> out = std::string{"no answer"};
    answer.receive([&](const run_started& r) { out = r; },
                   [&](caf::error& e) { out = sys.render(e); });
    return out;
  }

  /// The error text of a request expected to be refused ("" when it was answered).
  template <class T, class Handle>
  std::string error_of(Handle answer) {
    sched.run();
    std::string text;
    answer.receive([](T&) {}, [&](caf::error& e) { text = sys.render(e); });
    return text;
  }

  /// Both accounts' entries filled at the brokers: the fakes hold the positions and the
  /// orderbook rows the orders made (what recovery reconciles with).
  void fill_entries() {
    for (size_t k = 0; k < 2; ++k) {
      auto& placed = broker(k).placed[0];
      broker_position held;
      held.inst = placed.inst;
      held.order_product = placed.order_product;
      held.net_quantity = placed.quantity;
      held.average_price = held.ltp = 100;
      broker(k).positions = {held};
      broker_order filled;
      filled.broker_order_id = "F" + std::to_string(k);
      filled.inst = placed.inst;
      filled.action = placed.action;
      filled.order_product = placed.order_product;
      filled.quantity = filled.filled_quantity = placed.quantity;
      filled.average_price = 100;
      filled.status = order_status::complete;
      filled.strategy_tag = placed.tag;
      broker(k).book = {filled};
    }
  }

  int32_t status_accounts() {
    return ask<node_status>(node, caf::get_atom_v, status_atom_v).accounts;
  }

  testing::fake_broker_state& broker(size_t k) {
    return deref<broker_api_actor::stateful_base<testing::fake_broker_state>>(brokers[k]).state;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(node_run_tests, run_node_fixture)

CAF_TEST(execute starts a run on every account of the strategy and refuses a second one) {
  auto started = execute({strategy.id, {}, false});
  CAF_REQUIRE(std::holds_alternative<run_started>(started));
  auto run = std::get<run_started>(started);
  CAF_CHECK(run.run_id > 0);
  CAF_CHECK_EQUAL(run.strategy_id, strategy.id);
  CAF_REQUIRE_EQUAL(broker(0).placed.size(), 1u); // both accounts enter at once
  CAF_REQUIRE_EQUAL(broker(1).placed.size(), 1u);
  CAF_CHECK_EQUAL(broker(0).placed[0].run_id, run.run_id);
  auto again = execute({strategy.id, {}, false});
  CAF_REQUIRE(std::holds_alternative<std::string>(again));
  CAF_CHECK(std::get<std::string>(again).find("already running") != std::string::npos);
  auto runs = ask<std::vector<run_status>>(node, caf::get_atom_v, run_atom_v);
  CAF_REQUIRE_EQUAL(runs.size(), 1u);
  CAF_CHECK_EQUAL(runs[0].executions.size(), 2u);
  CAF_CHECK_EQUAL(ask<node_status>(node, caf::get_atom_v, status_atom_v).live_runs, 1);
}

CAF_TEST(the run writes its own row and the node answers with its id) {
  auto started = execute({strategy.id, {}, false});
  CAF_REQUIRE(std::holds_alternative<run_started>(started));
  auto id = std::get<run_started>(started).run_id;
  // The row the run made (the node writes none): its id is the one the node answered, and it
  // holds what only the run knows (its phase after the entries went out).
  auto stored = ask<run_recovery>(store, caf::get_atom_v, run_atom_v, id);
  CAF_CHECK_EQUAL(stored.record.id, id);
  CAF_CHECK_EQUAL(stored.record.strategy_id, strategy.id);
  CAF_CHECK(stored.record.phase == run_phase::entering || stored.record.phase == run_phase::live);
  CAF_CHECK_EQUAL(stored.executions.size(), 2u);
  auto second = execute({strategy.id, {}, false}); // refused: no second row either
  CAF_CHECK(std::holds_alternative<std::string>(second));
  auto runs = ask<std::vector<run_status>>(node, caf::get_atom_v, run_atom_v);
  CAF_REQUIRE_EQUAL(runs.size(), 1u);
  CAF_CHECK_EQUAL(runs[0].run_id, id);
}

CAF_TEST(execute outside market hours needs force and names the next open) {
  time.set(*parse_iso8601("2026-11-25T16:00:00+05:30"));
  auto refused = execute({strategy.id, {}, false});
  CAF_REQUIRE(std::holds_alternative<std::string>(refused));
  auto& text = std::get<std::string>(refused);
  CAF_CHECK(text.find("closed") != std::string::npos);
  CAF_CHECK(text.find("2026-11-26 09:15:00 IST") != std::string::npos);
  CAF_CHECK(text.find("--force") != std::string::npos);
  CAF_CHECK(broker(0).placed.empty());
  // Forced at 16:00, a MIS strategy is still refused: the broker takes MIS until 15:15.
  auto mis = execute({strategy.id, {}, true});
  CAF_REQUIRE(std::holds_alternative<std::string>(mis));
  CAF_CHECK(std::get<std::string>(mis).find("MIS orders are taken only from 09:00 to 15:15 IST "
                                            "(it is 16:00 IST)")
            != std::string::npos);
  CAF_CHECK(broker(0).placed.empty()); // no hedge sent, nothing to undo
  auto nrml = strategy;
  nrml.order_product = product::nrml;
  self->send(node, caf::put_atom_v, nrml);
  sched.run();
  CAF_CHECK(std::holds_alternative<run_started>(execute({strategy.id, {}, true})));
}

CAF_TEST(a strategy whose square off time has passed today is refused before any order) {
  auto late = strategy;
  late.order_product = product::nrml;
  late.square_off_time = {9 * 3600 + 20 * 60}; // 09:20; it is 09:30
  self->send(node, caf::put_atom_v, late);
  sched.run();
  for (bool force : {false, true}) {
    auto refused = execute({strategy.id, {}, force});
    CAF_REQUIRE(std::holds_alternative<std::string>(refused));
    CAF_CHECK(std::get<std::string>(refused).find("squares off at 09:20 IST, which has passed")
              != std::string::npos);
  }
  CAF_CHECK(broker(0).placed.empty());
}

CAF_TEST(execute names an account that is not running) {
  auto refused = execute({strategy.id, {999}, false});
  CAF_REQUIRE(std::holds_alternative<std::string>(refused));
  CAF_CHECK(std::get<std::string>(refused).find("account 999") != std::string::npos);
}

CAF_TEST(the entry time of a strategy starts its run) {
  self->send(node, timer_due{strategy.id, strategy_timer::entry, time.now()});
  sched.run();
  CAF_CHECK_EQUAL(broker(0).placed.size(), 1u);
  CAF_CHECK_EQUAL(ask<node_status>(node, caf::get_atom_v, status_atom_v).live_runs, 1);
  self->send(node, timer_due{strategy.id, strategy_timer::entry, time.now()}); // not twice
  sched.run();
  CAF_CHECK_EQUAL(broker(0).placed.size(), 1u);
}

CAF_TEST(a run is sized with the settings the database holds at its start) {
  // The user sets NIFTY's lot to 50 while the node runs: the next run uses it.
  auto user = find_user(*db_handle, "trader");
  CAF_REQUIRE(user.ok());
  auto changed = set_instrument(*db_handle, *user, {"NIFTY", 50, std::nullopt, std::nullopt,
                                                    std::nullopt, std::nullopt});
  CAF_REQUIRE(changed.ok());
  auto started = execute({strategy.id, {}, false});
  CAF_REQUIRE(std::holds_alternative<run_started>(started));
  CAF_REQUIRE_EQUAL(broker(0).placed.size(), 1u);
  CAF_CHECK_EQUAL(broker(0).placed[0].quantity, 50);
}

CAF_TEST(a scheduled entry in a year without holidays is refused and status warns) {
  CAF_CHECK(ask<node_status>(node, caf::get_atom_v, status_atom_v).warnings.empty());
  time.set(*parse_iso8601("2027-01-26T09:30:00+05:30")); // Republic Day, not in the list
  auto warnings = ask<node_status>(node, caf::get_atom_v, status_atom_v).warnings;
  CAF_REQUIRE_EQUAL(warnings.size(), 1u);
  CAF_CHECK(warnings[0].find("no NSE holidays known for 2027") != std::string::npos);
  self->send(node, timer_due{strategy.id, strategy_timer::entry, time.now()});
  sched.run();
  CAF_CHECK(broker(0).placed.empty());
  CAF_CHECK_EQUAL(ask<node_status>(node, caf::get_atom_v, status_atom_v).live_runs, 0);
  // By hand (the operator's own decision) it still runs.
  auto started = execute({strategy.id, {}, true});
  CAF_CHECK(std::holds_alternative<run_started>(started));
}

CAF_TEST(one run is answered by id and headlines leave the legs out with their count) {
  auto started = execute({strategy.id, {}, false});
  CAF_REQUIRE(std::holds_alternative<run_started>(started));
  auto id = std::get<run_started>(started).run_id;
  auto one = ask<run_status>(node, caf::get_atom_v, run_atom_v, id);
  CAF_CHECK_EQUAL(one.run_id, id);
  CAF_CHECK_EQUAL(one.executions.size(), 2u);
  auto heads = ask<std::vector<run_status>>(node, caf::get_atom_v, run_atom_v, caf::tick_atom_v);
  CAF_REQUIRE_EQUAL(heads.size(), 1u);
  CAF_CHECK_EQUAL(heads[0].leg_count, 2);
  CAF_CHECK(heads[0].executions.empty());
  CAF_CHECK(error_of<run_status>(self->request(node, caf::infinite, caf::get_atom_v, run_atom_v,
                                               int64_t{999}))
              .find("no run 999") != std::string::npos);
}

CAF_TEST(an account added live is started and a disabled one takes no new run) {
  auto accounts = ask<std::vector<account_record>>(node, caf::get_atom_v, accounts_atom_v);
  CAF_REQUIRE_EQUAL(accounts.size(), 2u);
  auto gamma = accounts[0];
  gamma.id = 50;
  gamma.name = "gamma";
  gamma.is_primary = false;
  ask<caf::ok_atom>(node, caf::put_atom_v, gamma);
  CAF_CHECK_EQUAL(brokers.size(), 3u); // its own gateway
  CAF_CHECK(ask<account_actor>(node, caf::get_atom_v, account_atom_v, int64_t{50}) != nullptr);
  CAF_CHECK_EQUAL(ask<std::vector<account_record>>(node, caf::get_atom_v, accounts_atom_v).size(),
                  3u);
  gamma.is_active = false;
  ask<caf::ok_atom>(node, caf::put_atom_v, gamma);
  auto refused = execute({strategy.id, {50}, false});
  CAF_REQUIRE(std::holds_alternative<std::string>(refused));
  CAF_CHECK(std::get<std::string>(refused).find("'gamma' is disabled") != std::string::npos);
  // the disabled account keeps its actor (exits of its positions still work)
  CAF_CHECK(ask<account_actor>(node, caf::get_atom_v, account_atom_v, int64_t{50}) != nullptr);
}

CAF_TEST(an account in a live run is not removed and a free one is) {
  auto started = execute({strategy.id, {}, false});
  CAF_REQUIRE(std::holds_alternative<run_started>(started));
  auto alpha = strategy.account_ids[0];
  CAF_CHECK(error_of<caf::ok_atom>(self->request(node, caf::infinite, caf::delete_atom_v,
                                                 account_atom_v, alpha))
              .find("trades on this account") != std::string::npos);
  CAF_CHECK(ask<account_actor>(node, caf::get_atom_v, account_atom_v, alpha) != nullptr);
  auto gamma = ask<std::vector<account_record>>(node, caf::get_atom_v, accounts_atom_v)[0];
  gamma.id = 60;
  gamma.name = "gamma";
  gamma.is_primary = false;
  ask<caf::ok_atom>(node, caf::put_atom_v, gamma);
  ask<caf::ok_atom>(node, caf::delete_atom_v, account_atom_v, int64_t{60});
  CAF_CHECK_EQUAL(status_accounts(), 2);
  CAF_CHECK(error_of<account_actor>(self->request(node, caf::infinite, caf::get_atom_v,
                                                  account_atom_v, int64_t{60}))
              .find("no running account") != std::string::npos);
}

CAF_TEST(a run that dies is made again from the database and sends nothing twice) {
  auto started = execute({strategy.id, {}, false});
  CAF_REQUIRE(std::holds_alternative<run_started>(started));
  auto id = std::get<run_started>(started).run_id;
  CAF_REQUIRE_EQUAL(broker(0).placed.size(), 1u);
  CAF_REQUIRE_EQUAL(broker(1).placed.size(), 1u);
  fill_entries();
  auto first = ask<strategy_run_actor>(node, caf::get_atom_v, run_atom_v, id, caf::ok_atom_v);
  self->send_exit(first, caf::make_error(caf::sec::runtime_error, "injected crash"));
  sched.run();
  // The node made it again through start-up recovery's path: a live run with the same id.
  auto second = ask<strategy_run_actor>(node, caf::get_atom_v, run_atom_v, id, caf::ok_atom_v);
  CAF_CHECK(second != first);
  CAF_CHECK_EQUAL(status_accounts(), 2);
  CAF_CHECK_EQUAL(ask<node_status>(node, caf::get_atom_v, status_atom_v).restarts, 1);
  CAF_CHECK_EQUAL(ask<node_status>(node, caf::get_atom_v, status_atom_v).live_runs, 1);
  auto run = ask<run_status>(node, caf::get_atom_v, run_atom_v, id);
  CAF_CHECK_EQUAL(run.executions.size(), 2u); // both legs, from their rows
  // Recovery reconciles with the brokers; the entries are never sent again.
  CAF_CHECK_EQUAL(broker(0).placed.size(), 1u);
  CAF_CHECK_EQUAL(broker(1).placed.size(), 1u);
  // A second death: made again from the rows the first recovery wrote (entered, open).
  self->send_exit(second, caf::make_error(caf::sec::runtime_error, "injected crash"));
  sched.run();
  auto third = ask<strategy_run_actor>(node, caf::get_atom_v, run_atom_v, id, caf::ok_atom_v);
  CAF_CHECK(third != second);
  CAF_CHECK_EQUAL(ask<node_status>(node, caf::get_atom_v, status_atom_v).restarts, 2);
  run = ask<run_status>(node, caf::get_atom_v, run_atom_v, id);
  CAF_REQUIRE_EQUAL(run.executions.size(), 2u);
  for (auto& e : run.executions) {
    CAF_CHECK(e.status == execution_status::entered);
    CAF_CHECK(e.reason == exit_reason::none);
    CAF_CHECK_EQUAL(e.quantity, broker(0).placed[0].quantity); // one lot on each
  }
  CAF_CHECK(run.phase == run_phase::live);
  CAF_CHECK_EQUAL(broker(0).placed.size(), 1u);
  CAF_CHECK_EQUAL(broker(1).placed.size(), 1u);
}

CAF_TEST(a run that dies with its entries in flight follows them and sends nothing twice) {
  auto started = execute({strategy.id, {}, false});
  CAF_REQUIRE(std::holds_alternative<run_started>(started));
  auto id = std::get<run_started>(started).run_id;
  CAF_REQUIRE_EQUAL(broker(0).placed.size(), 1u);
  CAF_REQUIRE_EQUAL(broker(1).placed.size(), 1u);
  // The entries reached the brokers and are still open there when the run dies.
  fill_entries();
  for (size_t k = 0; k < 2; ++k) {
    broker(k).positions.clear();
    broker(k).book[0].status = order_status::open;
    broker(k).book[0].filled_quantity = 0;
  }
  auto first = ask<strategy_run_actor>(node, caf::get_atom_v, run_atom_v, id, caf::ok_atom_v);
  self->send_exit(first, caf::make_error(caf::sec::runtime_error, "injected crash"));
  sched.run();
  auto run = ask<run_status>(node, caf::get_atom_v, run_atom_v, id);
  CAF_REQUIRE_EQUAL(run.executions.size(), 2u);
  for (auto& e : run.executions) // open at the broker: followed, neither failed nor sent again
    CAF_CHECK(e.status == execution_status::pending);
  CAF_CHECK_EQUAL(broker(0).placed.size(), 1u);
  CAF_CHECK_EQUAL(broker(1).placed.size(), 1u);
  // They fill; the run's next look at the books takes the fills as its entries.
  fill_entries();
  sched.trigger_timeouts();
  sched.run();
  run = ask<run_status>(node, caf::get_atom_v, run_atom_v, id);
  for (auto& e : run.executions) {
    CAF_CHECK(e.status == execution_status::entered);
    CAF_CHECK_EQUAL(e.entry_price, 100);
  }
  CAF_CHECK(run.phase == run_phase::live);
  CAF_CHECK_EQUAL(broker(0).placed.size(), 1u);
  CAF_CHECK_EQUAL(broker(1).placed.size(), 1u);
}

CAF_TEST(a deleted or disabled strategy is not run) {
  self->send(node, caf::delete_atom_v, strategies_atom_v, strategy.id);
  sched.run();
  auto refused = execute({strategy.id, {}, false});
  CAF_REQUIRE(std::holds_alternative<std::string>(refused));
  CAF_CHECK(std::get<std::string>(refused).find("no active strategy") != std::string::npos);
  CAF_CHECK(ask<std::vector<strategy_definition>>(node, caf::get_atom_v, strategies_atom_v)
              .empty());
}

CAF_TEST(a manual exit of an unknown run is refused) {
  auto answer = self->request(node, caf::infinite, manual_exit{77, 0, 0});
  sched.run();
  std::string text;
  answer.receive([](caf::ok_atom) { CAF_FAIL("accepted"); },
                 [&](caf::error& e) { text = sys.render(e); });
  CAF_CHECK(text.find("no live run with id 77") != std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
