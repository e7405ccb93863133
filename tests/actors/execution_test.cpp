#define CAF_SUITE actors.execution
#include "tests/actors/fixture.hpp"

#include "actors/account.hpp"
#include "actors/execution.hpp"
#include "tests/actors/fakes.hpp"

using namespace algomirror;
using namespace algomirror::testing;
using std::chrono::milliseconds;

namespace {

struct run_events {
  std::vector<execution_entered> entered;
  std::vector<execution_failed> failed;
  std::vector<execution_exited> exited;
  std::vector<exit_stuck> stuck;
  std::vector<leg_exit_due> deferred;
  std::vector<position_disputed> disputes;
  int pnl_reports = 0;
  static inline const char* name = "run_recorder";
};

execution_listener_actor::behavior_type
run_recorder(execution_listener_actor::stateful_pointer<run_events> self) {
  return {
    [=](const execution_entered& e) { self->state.entered.push_back(e); },
    [=](const execution_failed& e) { self->state.failed.push_back(e); },
    [=](const execution_pnl&) { ++self->state.pnl_reports; },
    [=](const execution_exited& e) { self->state.exited.push_back(e); },
    [=](const exit_stuck& e) { self->state.stuck.push_back(e); },
    [=](const position_disputed& d) { self->state.disputes.push_back(d); },
    [=](const leg_exit_due& e) { self->state.deferred.push_back(e); },
  };
}

const instrument option{"NIFTY01DEC2626000PE", exchange::nfo};

struct execution_fixture : testing::fixture {
  manual_clock time{*parse_iso8601("2026-11-25T10:00:00+05:30")};
  broker_api_actor broker;
  account_actor account;
  execution_listener_actor run;
  execution_actor exec;

  execution_fixture() {
    broker = sys.spawn(fake_broker);
    account_config acfg;
    acfg.record.id = 3;
    acfg.record.name = "alpha";
    acfg.api = broker;
    acfg.time = &time;
    acfg.ping_interval = std::chrono::hours{1};
    acfg.status_poll_interval = std::chrono::hours{1}; // fills come as order updates here
    account = spawn_account(sys, acfg);
    run = sys.spawn(run_recorder);
    sched.run();
  }

  ~execution_fixture() {
    for (auto a : {caf::actor_cast<caf::actor>(exec), caf::actor_cast<caf::actor>(account),
                   caf::actor_cast<caf::actor>(broker), caf::actor_cast<caf::actor>(run)})
      if (a)
        caf::anon_send_exit(a, caf::exit_reason::kill);
    sched.run();
  }

  store_actor store; ///< null unless a test sets one
  double protection_pct = 0;

  void start(side action, int64_t qty, leg_definition leg = {}) {
    exec = spawn_execution(sys, config(action, qty, leg));
    sched.run();
  }

  execution_config config(side action, int64_t qty, leg_definition leg = {}) {
    execution_config cfg;
    cfg.state.execution_id = 11;
    cfg.state.run_id = 5;
    cfg.state.account_id = 3;
    cfg.state.inst = option;
    cfg.state.action = action;
    cfg.state.quantity = qty;
    cfg.leg = leg;
    cfg.account = account;
    cfg.store = store;
    cfg.run = run;
    cfg.time = &time;
    cfg.retry_delay = milliseconds{10'000};
    cfg.max_attempts = 3;
    cfg.exit_price_protection_pct = protection_pct;
    return cfg;
  }

  /// A tick of the option at `ltp`, delivered.
  tick priced(double ltp) {
    tick t;
    t.inst = option;
    t.ltp = ltp;
    self->send(exec, t);
    sched.run();
    return t;
  }

  /// A short of 65 entered at 100, priced at 100, told to exit with 2 % price protection.
  tick protected_exit_sent() {
    protection_pct = 2;
    enter(side::sell, 65, 100);
    broker_holds(-65);
    auto t = priced(100);
    self->send(exec, exit_request{exit_reason::max_loss, ""});
    sched.run();
    return t;
  }

  /// A protected exit re-priced once (B2 cancelled, intent .1 live as B3), then the execution
  /// killed and made again from its last state, and told to exit again by the run.
  void made_again_with_reprice_live() {
    protected_exit_sent();
    after(milliseconds{2000}); // not filled: cancelled, re-priced as intent .1 (order B3)
    filled("B2", 0, 0, order_status::cancelled);
    CAF_REQUIRE_EQUAL(b().placed.size(), 3u);
    auto before = state();
    caf::anon_send_exit(exec, caf::exit_reason::kill); // dies with B3 live at the broker
    sched.run();
    auto cfg = config(side::sell, 65);
    cfg.state = before;
    cfg.resumed = true;
    exec = spawn_execution(sys, cfg);
    sched.run();
    self->send(exec, exit_request{exit_reason::max_loss, ""}); // the run tells it again
    sched.run();
  }

  fake_broker_state& b() {
    return deref<broker_api_actor::stateful_base<fake_broker_state>>(broker).state;
  }
  run_events& events() {
    return deref<execution_listener_actor::stateful_base<run_events>>(run).state;
  }
  execution_state state() { return ask<execution_state>(exec, caf::get_atom_v); }

  /// The broker reports an order's fill on the order-update link.
  void filled(const std::string& id, int64_t qty, double price,
              order_status status = order_status::complete) {
    self->send(account, order_update{{}, id, status, qty, price, {}, {}});
    sched.run();
  }

  /// The broker's net position in the option.
  void broker_holds(int64_t net) {
    b().positions = {broker_position{option, product::mis, net, 0, 0, 0}};
  }

  /// Enters with one fill of `qty` at `price`.
  void enter(side action, int64_t qty, double price, leg_definition leg = {}) {
    start(action, qty, leg);
    self->send(exec, place_atom_v);
    sched.run();
    filled("B1", qty, price);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(execution_tests, execution_fixture)

CAF_TEST(an entry of freeze split children is entered at the quantity weighted price) {
  start(side::sell, 65 * 30); // 1755 + 195
  self->send(exec, place_atom_v);
  sched.run();
  CAF_REQUIRE_EQUAL(b().placed.size(), 2u);
  CAF_CHECK_EQUAL(b().placed[0].action, side::sell);
  CAF_CHECK_EQUAL(b().placed[0].tag, "AM:5:11:0");
  filled("B1", 1755, 100);
  CAF_CHECK(events().entered.empty());
  filled("B2", 195, 110);
  CAF_REQUIRE_EQUAL(events().entered.size(), 1u);
  auto s = state();
  CAF_CHECK_EQUAL(s.status, execution_status::entered);
  CAF_CHECK_EQUAL(s.quantity, 1950);
  CAF_CHECK_EQUAL(s.entry_price, (1755 * 100.0 + 195 * 110.0) / 1950);
}

CAF_TEST(an exit buys back what the broker holds and books the realized pnl) {
  enter(side::sell, 65, 100);
  broker_holds(-65);
  self->send(exec, exit_request{exit_reason::max_loss, "test"});
  sched.run();
  CAF_REQUIRE_EQUAL(b().placed.size(), 2u);
  auto& exit_order = b().placed[1];
  CAF_CHECK_EQUAL(exit_order.action, side::buy);
  CAF_CHECK_EQUAL(exit_order.quantity, 65);
  CAF_CHECK_EQUAL(exit_order.tag, "AM:5:11:1");
  // A second request while the exit is in flight sends nothing.
  self->send(exec, exit_request{exit_reason::manual, "again"});
  sched.run();
  CAF_CHECK_EQUAL(b().placed.size(), 2u);
  filled("B2", 65, 120);
  auto s = state();
  CAF_CHECK_EQUAL(s.status, execution_status::exited);
  CAF_CHECK_EQUAL(s.reason, exit_reason::max_loss);
  CAF_CHECK_EQUAL(s.exit_price, 120);
  CAF_CHECK_EQUAL(s.realized_pnl, (100 - 120) * 65.0);
  CAF_REQUIRE_EQUAL(events().exited.size(), 1u);
  CAF_CHECK_EQUAL(events().exited[0].exit_fill.quantity, 65);
  // Exited: nothing more goes out.
  self->send(exec, exit_request{exit_reason::manual, "late"});
  sched.run();
  CAF_CHECK_EQUAL(b().placed.size(), 2u);
}

CAF_TEST(an exit never opens a reverse position) {
  enter(side::buy, 130, 50);
  broker_holds(0); // squared off by hand or by the broker
  after(milliseconds{5000}); // the account reads the positionbook again at exit time
  self->send(exec, exit_request{exit_reason::manual, ""});
  sched.run();
  CAF_CHECK_EQUAL(b().placed.size(), 1u); // no exit order
  auto s = state();
  CAF_CHECK_EQUAL(s.status, execution_status::exited);
  CAF_CHECK_EQUAL(s.reason, exit_reason::broker_reconciled);
}

CAF_TEST(an exit is sized down to the broker position) {
  enter(side::buy, 130, 50);
  broker_holds(65); // half was closed outside AlgoMirror
  after(milliseconds{5000});
  self->send(exec, exit_request{exit_reason::manual, ""});
  sched.run();
  CAF_REQUIRE_EQUAL(b().placed.size(), 2u);
  CAF_CHECK_EQUAL(b().placed[1].quantity, 65);
  CAF_CHECK_EQUAL(b().placed[1].action, side::sell);
}

CAF_TEST(a rejected exit is retried after the delay and ends exit stuck after the limit) {
  enter(side::sell, 65, 100);
  broker_holds(-65);
  for (int i = 0; i < 3; ++i)
    b().place_script.push_back(make_error(errc::rejected, "RMS: margin shortfall"));
  self->send(exec, exit_request{exit_reason::stop_loss, ""});
  sched.run();
  CAF_CHECK_EQUAL(b().placed.size(), 2u);
  CAF_CHECK_EQUAL(state().status, execution_status::exit_pending);
  after(milliseconds{9'999});
  CAF_CHECK_EQUAL(b().placed.size(), 2u);
  after(milliseconds{1});
  CAF_CHECK_EQUAL(b().placed.size(), 3u);
  after(milliseconds{10'000});
  CAF_CHECK_EQUAL(b().placed.size(), 4u);
  auto s = state();
  CAF_CHECK_EQUAL(s.status, execution_status::exit_stuck);
  CAF_CHECK_EQUAL(s.exit_attempts, 3);
  CAF_REQUIRE_EQUAL(events().stuck.size(), 1u);
  CAF_CHECK(events().stuck[0].last_error.find("margin shortfall") != std::string::npos);
  after(milliseconds{60'000});
  CAF_CHECK_EQUAL(b().placed.size(), 4u); // stuck: nothing more on its own
}

CAF_TEST(a partial exit fill leaves the rest to the next attempt) {
  enter(side::sell, 130, 100);
  broker_holds(-130);
  self->send(exec, exit_request{exit_reason::take_profit, ""});
  sched.run();
  filled("B2", 65, 80, order_status::cancelled); // half filled, the rest cancelled
  CAF_CHECK_EQUAL(state().status, execution_status::exit_pending);
  broker_holds(-65);
  after(milliseconds{10'000});
  CAF_REQUIRE_EQUAL(b().placed.size(), 3u);
  CAF_CHECK_EQUAL(b().placed[2].quantity, 65);
  filled("B3", 65, 90);
  auto s = state();
  CAF_CHECK_EQUAL(s.status, execution_status::exited);
  CAF_CHECK_EQUAL(s.exit_price, 85);
  CAF_CHECK_EQUAL(s.realized_pnl, (100 - 80) * 65.0 + (100 - 90) * 65.0);
}

CAF_TEST(a leg stop loss fires on the tick that crosses it and only once) {
  leg_definition leg;
  leg.stop_loss = {threshold_kind::points, 20};
  enter(side::sell, 65, 100, leg);
  broker_holds(-65);
  auto t = priced(119.95);
  CAF_CHECK_EQUAL(b().placed.size(), 1u);
  CAF_CHECK_EQUAL(state().unrealized_pnl, (100 - 119.95) * 65);
  t.ltp = 120;
  self->send(exec, t);
  t.ltp = 125;
  self->send(exec, t);
  sched.run();
  CAF_CHECK_EQUAL(b().placed.size(), 2u);
  CAF_CHECK_EQUAL(state().reason, exit_reason::stop_loss);
  // The row says when the leg's stop was hit and at which price (the tick that crossed, not
  // the next one), and the best P&L it reached (at the entry price: 0; every tick was worse).
  CAF_CHECK_EQUAL(state().sl_hit_price, 120);
  CAF_CHECK(state().sl_hit_at == time.now());
  CAF_CHECK(state().tp_hit_at == utc_instant{});
  CAF_CHECK_EQUAL(state().peak_pnl, 0);
  t.ltp = 0; // zero-value protection: ignored
  self->send(exec, t);
  sched.run();
  CAF_CHECK_EQUAL(state().last_price, 125);
}

CAF_TEST(a refused entry fails the execution and tells the run) {
  b().place_script.push_back(make_error(errc::rejected, "HTTP 400: insufficient funds"));
  start(side::buy, 65);
  self->send(exec, place_atom_v);
  sched.run();
  CAF_CHECK_EQUAL(state().status, execution_status::failed);
  CAF_REQUIRE_EQUAL(events().failed.size(), 1u);
  CAF_CHECK(events().failed[0].error.find("insufficient funds") != std::string::npos);
  self->send(exec, exit_request{exit_reason::manual, ""});
  sched.run();
  CAF_CHECK_EQUAL(b().placed.size(), 1u); // nothing to exit
}

CAF_TEST(a protected exit is a limit around the last price re-priced until it fills) {
  auto t = protected_exit_sent();
  CAF_REQUIRE_EQUAL(b().placed.size(), 2u);
  CAF_CHECK_EQUAL(b().placed[1].kind, price_type::limit);
  CAF_CHECK_EQUAL(b().placed[1].price, 102); // buying back: up to 2 % above the LTP
  t.ltp = 110;
  self->send(exec, t);
  sched.run();
  after(milliseconds{2000}); // not filled: cancelled to be re-priced
  filled("B2", 0, 0, order_status::cancelled);
  CAF_REQUIRE_EQUAL(b().placed.size(), 3u);
  CAF_CHECK_EQUAL(b().placed[2].price, 112.2);
  CAF_CHECK_EQUAL(b().placed[2].tag, "AM:5:11:1"); // the same attempt
  filled("B3", 65, 111);
  auto s = state();
  CAF_CHECK_EQUAL(s.status, execution_status::exited);
  CAF_CHECK_EQUAL(s.exit_attempts, 1);
  CAF_CHECK_EQUAL(s.exit_price, 111);
}

CAF_TEST(made again after a re-price a protected exit follows the live limit and sends nothing) {
  made_again_with_reprice_live();
  CAF_CHECK_EQUAL(b().placed.size(), 3u); // B2 ended: B3 is followed, nothing is sent
  filled("B3", 65, 111);
  after(milliseconds{10'000}); // past the retry delay: still nothing more
  CAF_CHECK_EQUAL(b().placed.size(), 3u);
  auto s = state();
  CAF_CHECK_EQUAL(s.status, execution_status::exited);
  CAF_CHECK_EQUAL(s.exit_attempts, 1);
  CAF_CHECK_EQUAL(s.exit_price, 111);
}

CAF_TEST(made again a re-priced exit that ends partly filled says so and exits the rest) {
  made_again_with_reprice_live();
  CAF_CHECK_EQUAL(b().placed.size(), 3u);
  filled("B3", 30, 111, order_status::cancelled); // 30 filled, the rest cancelled at the broker
  auto s = state();
  CAF_CHECK_EQUAL(s.status, execution_status::exit_pending);
  CAF_CHECK(s.error_message.find("35 units left after a partial fill") != std::string::npos);
  after(milliseconds{10'000}); // the retry sends the 35 left, once
  CAF_REQUIRE_EQUAL(b().placed.size(), 4u);
  CAF_CHECK_EQUAL(b().placed[3].quantity, 35);
}

CAF_TEST(an exit is never blocked by the database) {
  // A store that is gone (the database down, the actor crashed): the claim cannot be stored,
  // the exit goes out anyway.
  store = caf::actor_cast<store_actor>(sys.spawn([](caf::event_based_actor* self) {
    self->quit();
    return caf::behavior{[](int) {}};
  }));
  sched.run();
  enter(side::sell, 65, 100);
  broker_holds(-65);
  self->send(exec, exit_request{exit_reason::max_loss, ""});
  sched.run();
  after(milliseconds{1000}); // at most the claim timeout
  CAF_REQUIRE_EQUAL(b().placed.size(), 2u);
  filled("B2", 65, 101);
  CAF_CHECK_EQUAL(state().status, execution_status::exited);
}

namespace {

/// A store that records the intents it is asked to store (and claims stored alone), and holds
/// its answers while `hold` is set until it is told to give them.
struct held_intents {
  std::vector<order_intent> intents;
  int claims_alone = 0;
  bool hold = false;
  std::vector<caf::response_promise> held;
};

caf::behavior intent_holder(caf::stateful_actor<held_intents>* self) {
  return {
    [=](durable_atom, const order_intent& i) {
      auto rp = self->make_response_promise();
      self->state.intents.push_back(i);
      if (self->state.hold)
        self->state.held.push_back(rp);
      else
        rp.deliver(uint64_t{1});
      return rp;
    },
    [=](durable_atom, const exit_claim&) {
      ++self->state.claims_alone;
      return uint64_t{1};
    },
    [=](caf::ok_atom) {
      for (auto& rp : self->state.held)
        rp.deliver(uint64_t{1});
      self->state.held.clear();
    },
  };
}

} // namespace

CAF_TEST(the exit claim goes with the order s intent and the order waits until both are stored) {
  auto holder = sys.spawn(intent_holder);
  auto& h = deref<caf::stateful_actor<held_intents>>(holder).state;
  store = caf::actor_cast<store_actor>(holder);
  // The account stores intents in the same store, as the node wires them.
  caf::anon_send_exit(account, caf::exit_reason::kill);
  account_config acfg;
  acfg.record.id = 3;
  acfg.record.name = "alpha";
  acfg.api = broker;
  acfg.store = store;
  acfg.time = &time;
  acfg.ping_interval = std::chrono::hours{1};
  acfg.status_poll_interval = std::chrono::hours{1};
  account = spawn_account(sys, acfg);
  sched.run();
  enter(side::sell, 65, 100);
  broker_holds(-65);
  h.hold = true;
  self->send(exec, exit_request{exit_reason::max_loss, ""});
  sched.run();
  CAF_CHECK_EQUAL(state().status, execution_status::exit_pending);
  CAF_CHECK_EQUAL(b().placed.size(), 1u); // the intent and its claim not stored yet: no order
  CAF_REQUIRE_EQUAL(h.intents.size(), 2u);
  CAF_CHECK(h.intents[0].claim.write_id.empty()); // an entry claims nothing
  auto& claim = h.intents[1].claim;
  CAF_CHECK_EQUAL(claim.write_id, "claim:11:1");
  CAF_CHECK_EQUAL(claim.execution_id, 11);
  CAF_CHECK(claim.reason == exit_reason::max_loss);
  CAF_CHECK_EQUAL(claim.attempt, 1);
  CAF_CHECK_EQUAL(h.claims_alone, 0); // one durable write on the way, not two
  self->send(holder, caf::ok_atom_v);
  sched.run();
  CAF_REQUIRE_EQUAL(b().placed.size(), 2u); // on record: it goes at once
  CAF_CHECK_EQUAL(b().placed[1].quantity, 65);
  filled("B2", 65, 101);
  CAF_CHECK_EQUAL(state().status, execution_status::exited);
  CAF_CHECK_EQUAL(h.claims_alone, 0);
  caf::anon_send_exit(holder, caf::exit_reason::kill);
}

CAF_TEST(an exit attempt that sends no order stores its claim by itself) {
  auto holder = sys.spawn(intent_holder);
  auto& h = deref<caf::stateful_actor<held_intents>>(holder).state;
  store = caf::actor_cast<store_actor>(holder);
  enter(side::sell, 65, 100);
  broker_holds(-65);
  b().place_script.push_back(make_error(errc::rejected, "exit refused"));
  self->send(exec, exit_request{exit_reason::max_loss, ""});
  sched.run();
  CAF_CHECK(state().error_message.find("exit refused") != std::string::npos);
  CAF_CHECK_EQUAL(h.claims_alone, 1); // the refused attempt counts, on record
  caf::anon_send_exit(holder, caf::exit_reason::kill);
}

CAF_TEST(a positionbook and tradebook that disagree size the exit by the smaller) {
  start(side::sell, 65 * 28); // 1755 + 65, as on the real sandbox
  self->send(exec, place_atom_v);
  sched.run();
  filled("B1", 1755, 100);
  filled("B2", 65, 100);
  CAF_REQUIRE_EQUAL(events().entered.size(), 1u);
  // The sandbox lost the 1,755 update: its positionbook says −65, its tradebook −1,820.
  broker_holds(-65);
  b().trades = std::vector<broker_trade>{
    {"B1", "T1", option, side::sell, product::mis, 1755, 100, "", ""},
    {"B2", "T2", option, side::sell, product::mis, 65, 100, "", ""}};
  after(milliseconds{5'001}); // the account's snapshot is old: the exit reads both books
  self->send(exec, exit_request{exit_reason::max_loss, {}});
  sched.run();
  CAF_REQUIRE_EQUAL(b().placed.size(), 3u);
  CAF_CHECK_EQUAL(b().placed[2].action, side::buy);
  CAF_CHECK_EQUAL(b().placed[2].quantity, 65); // the smaller, never more than both agree on
  CAF_REQUIRE_EQUAL(events().disputes.size(), 1u);
  CAF_CHECK_EQUAL(events().disputes[0].positionbook_net, -65);
  CAF_CHECK_EQUAL(events().disputes[0].tradebook_net, -1820);
  filled("B3", 65, 101);
  auto s = state();
  CAF_CHECK(s.status == execution_status::exit_pending); // 1,755 still open
  // The books agree again (−1,755 both): the rest goes at the next attempt.
  broker_holds(-1755);
  b().trades = std::vector<broker_trade>{
    {"B1", "T1", option, side::sell, product::mis, 1755, 100, "", ""}};
  after(milliseconds{10'000});
  CAF_REQUIRE_EQUAL(b().placed.size(), 4u);
  CAF_CHECK_EQUAL(b().placed[3].quantity, 1755);
  filled("B4", 1755, 102);
  s = state();
  CAF_CHECK(s.status == execution_status::exited);
  CAF_CHECK_EQUAL(events().disputes.size(), 1u);
}

CAF_TEST(books that disagree on the direction send nothing and close nothing) {
  start(side::sell, 65);
  self->send(exec, place_atom_v);
  sched.run();
  filled("B1", 65, 100);
  broker_holds(0); // the positionbook lost it; the tradebook still shows the short
  b().trades = std::vector<broker_trade>{
    {"B1", "T1", option, side::sell, product::mis, 65, 100, "", ""}};
  after(milliseconds{5'001});
  self->send(exec, exit_request{exit_reason::max_loss, {}});
  sched.run();
  CAF_CHECK_EQUAL(b().placed.size(), 1u); // no order
  auto s = state();
  CAF_CHECK(s.status == execution_status::exit_pending); // not broker_reconciled
  CAF_CHECK(s.error_message.find("disagree") != std::string::npos);
  CAF_CHECK_EQUAL(events().disputes.size(), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
