#define CAF_SUITE actors.strategy_run
#include "tests/actors/fixture.hpp"

#include <optional>

#include <caf/scoped_execution_unit.hpp>

#include "actors/account.hpp"
#include "actors/market_data.hpp"
#include "actors/strategy_run.hpp"
#include "actors/strategy_run/state.hpp" // the executions' handles, to kill one
#include "domain/calendar.hpp"
#include "tests/actors/fakes.hpp"

using namespace algomirror;
using namespace algomirror::testing;
using std::chrono::milliseconds;

namespace {

leg_definition leg(side action, option_type type, strike_selection strike, int offset = 0) {
  leg_definition l;
  l.id = 0;
  l.underlying = "NIFTY";
  l.action = action;
  l.option = type;
  l.strike = strike;
  l.strike_offset = offset;
  l.lots = 1;
  return l;
}

/// A hedged short straddle: two OTM4 wings (BUY) and the ATM call and put (SELL).
strategy_definition hedged_straddle(risk_scope scope) {
  strategy_definition s;
  s.id = 9;
  s.name = "hedged straddle";
  s.scope = scope;
  s.legs = {leg(side::buy, option_type::ce, strike_selection::otm, 4),
            leg(side::buy, option_type::pe, strike_selection::otm, 4),
            leg(side::sell, option_type::ce, strike_selection::atm),
            leg(side::sell, option_type::pe, strike_selection::atm)};
  for (int i = 0; i < 4; ++i) {
    s.legs[i].id = 100 + i;
    s.legs[i].leg_number = i + 1;
  }
  return s;
}

// Spot 26010 → ATM 26000; OTM4: 26200 CE, 25800 PE; the week's expiry 01-DEC-26.
const std::string wing_ce = "NIFTY01DEC2626200CE";
const std::string wing_pe = "NIFTY01DEC2625800PE";
const std::string short_ce = "NIFTY01DEC2626000CE";
const std::string short_pe = "NIFTY01DEC2626000PE";

struct account_under_test {
  broker_api_actor broker;
  account_actor account;
  size_t filled = 0; ///< accepted orders given their outcome so far (B1, B2, …)
};

struct run_fixture : testing::fixture {
  manual_clock time{*parse_iso8601("2026-11-25T10:00:00+05:30")};
  price_feed_actor feed;
  std::vector<account_under_test> accounts;
  strategy_run_actor run;
  market_data_actor mdata;

  run_fixture() {
    feed = sys.spawn(fake_feed);
    for (int64_t id : {1, 2}) {
      account_under_test a;
      a.broker = sys.spawn(fake_broker);
      account_config acfg;
      acfg.record.id = id;
      acfg.record.name = id == 1 ? "alpha" : "beta";
      acfg.api = a.broker;
      acfg.time = &time;
      acfg.ping_interval = std::chrono::hours{1};
      acfg.status_poll_interval = std::chrono::hours{1}; // fills come as order updates
      a.account = spawn_account(sys, acfg);
      accounts.push_back(a);
    }
    sched.run();
    broker(0).quotes["NIFTY"] = 26010;
  }

  ~run_fixture() {
    std::vector<caf::actor> all{caf::actor_cast<caf::actor>(run),
                                caf::actor_cast<caf::actor>(feed),
                                caf::actor_cast<caf::actor>(mdata)};
    for (auto& a : accounts) {
      all.push_back(caf::actor_cast<caf::actor>(a.account));
      all.push_back(caf::actor_cast<caf::actor>(a.broker));
    }
    for (auto& a : all)
      if (a)
        caf::anon_send_exit(a, caf::exit_reason::kill);
    sched.run();
    while (sched.trigger_timeouts() > 0)
      sched.run();
  }

  fake_broker_state& broker(size_t k) {
    return deref<broker_api_actor::stateful_base<fake_broker_state>>(accounts[k].broker).state;
  }
  fake_feed_state& feed_state() {
    return deref<price_feed_actor::stateful_base<fake_feed_state>>(feed).state;
  }

  void start(strategy_definition s, size_t n_accounts = 2,
             milliseconds buy_timeout = milliseconds{30'000}, int max_attempts = 5) {
    strategy_run_config cfg;
    cfg.run_id = 42;
    cfg.strategy = std::move(s);
    for (size_t k = 0; k < n_accounts; ++k) {
      run_account ra;
      ra.record.id = static_cast<int64_t>(k + 1);
      ra.record.name = k == 0 ? "alpha" : "beta";
      ra.handle = accounts[k].account;
      cfg.accounts.push_back(ra);
    }
    cfg.market_api = market_data();
    cfg.feed = feed;
    cfg.time = &time;
    cfg.calendar = default_calendar_data();
    cfg.buy_fill_timeout = buy_timeout;
    cfg.exit_retry_delay = milliseconds{1000};
    cfg.exit_max_attempts = max_attempts;
    run = spawn_strategy_run(sys, std::move(cfg));
    sched.run();
  }

  run_status status() { return ask<run_status>(run, caf::get_atom_v); }

  /// The runs' market data through account 0's broker (then account 1's), as the node wires it.
  market_data_actor market_data() {
    market_data_config cfg;
    for (auto& a : accounts)
      cfg.sources.push_back(a.broker);
    mdata = spawn_market_data(sys, cfg);
    return mdata;
  }

  /// After a restart: the run's row and its unfinished executions, reconciled with account
  /// 0's broker (account 1's handle missing when `reachable` is false).
  void recover(run_record record, std::vector<execution_state> executions,
               bool reachable = true,
               std::optional<strategy_definition> strategy = std::nullopt) {
    strategy_run_config cfg;
    cfg.run_id = record.id;
    cfg.strategy = strategy ? *strategy : hedged_straddle(risk_scope::account);
    run_account ra;
    ra.record.id = 1;
    ra.record.name = "alpha";
    if (reachable)
      ra.handle = accounts[0].account;
    cfg.accounts = {ra};
    cfg.market_api = market_data();
    cfg.feed = feed;
    cfg.time = &time;
    cfg.calendar = default_calendar_data();
    cfg.recovering = true;
    cfg.recovered = record;
    cfg.recovered_executions = std::move(executions);
    after(milliseconds{5001}); // the accounts' positionbook reads at start are old now
    run = spawn_strategy_run(sys, std::move(cfg));
    sched.run();
  }

  static execution_state recorded(int64_t id, const std::string& symbol, side action,
                                  execution_status status, int64_t qty, double entry) {
    execution_state e;
    e.execution_id = id;
    e.run_id = 42;
    e.strategy_id = 9;
    e.account_id = 1;
    e.leg_id = 100 + (id - 1) % 4;
    e.inst = {symbol, exchange::nfo};
    e.action = action;
    e.quantity = qty;
    e.entry_price = entry;
    e.status = status;
    e.underlying = "NIFTY";
    return e;
  }

  void broker_holds(size_t k, const std::string& symbol, int64_t net) {
    broker(k).positions.push_back({{symbol, exchange::nfo}, product::mis, net, 0, 0, 0});
  }

  /// The broker of account k fills its next placement at `price` (or the order `given_id`
  /// the test answered by hand); the broker's positionbook follows.
  void fill_next(size_t k, double price, const std::string& given_id = {}) {
    auto& a = accounts[k];
    auto& b = broker(k);
    auto id = given_id.empty() ? "B" + std::to_string(++a.filled) : given_id;
    auto i = b.accepted.find(id);
    CAF_REQUIRE(i != b.accepted.end());
    auto& intent = i->second;
    int64_t signed_qty = intent.action == side::buy ? intent.quantity : -intent.quantity;
    bool found = false;
    for (auto& p : b.positions)
      if (p.inst == intent.inst) {
        p.net_quantity += signed_qty;
        found = true;
      }
    if (!found)
      b.positions.push_back({intent.inst, intent.order_product, signed_qty, price, 0, 0});
    self->send(a.account, order_update{{}, id, order_status::complete, intent.quantity, price, {},
                                       time.now()});
    sched.run();
  }

  /// The broker rejects its next accepted order after the fact (RMS).
  void reject_next(size_t k) {
    auto& a = accounts[k];
    auto id = "B" + std::to_string(++a.filled);
    self->send(a.account, order_update{{}, id, order_status::rejected, 0, 0,
                                       "RMS: margin exceeds", time.now()});
    sched.run();
  }

  /// A price of `symbol` reaches every subscriber (the executions of every account).
  void price(const std::string& symbol, double ltp) {
    for (auto& s : feed_state().subscribers[instrument{symbol, exchange::nfo}])
      self->send(s, tick{instrument{symbol, exchange::nfo}, ltp, 0, 0, 0, time.now(), time.now()});
    sched.run();
  }

  /// Starts `s` on `n` accounts, enters each (wings at 10 and 12, shorts at 100) and prices
  /// every leg at one instant; `hold_quotes`: multiquotes never answer.
  void enter_and_price(strategy_definition s, size_t n, bool hold_quotes) {
    start(std::move(s), n);
    for (size_t k = 0; k < accounts.size(); ++k) // no account answers (market data fails over)
      broker(k).hold_multiquotes = hold_quotes;
    for (size_t k = 0; k < n; ++k)
      enter(k, 100);
    for (auto& sym : {wing_ce, wing_pe, short_pe, short_ce})
      price_at(sym, sym == wing_ce ? 10 : sym == wing_pe ? 12 : 100, 0);
  }

  /// Ten rising one-minute bars before 10:00 IST (100 → 110) answer every history request.
  void rising_history() {
    for (int i = 0; i < 10; ++i) {
      bar b;
      b.start = *parse_iso8601("2026-11-25T09:50:00+05:30") + std::chrono::minutes{i};
      b.open = 100 + i;
      b.low = 100 + i;
      b.high = 101 + i;
      b.close = 101 + i;
      broker(0).history.push_back(b);
    }
  }

  /// A price of `symbol` received `ms` after the manual clock's now (legs tick one after the
  /// other, as a real feed sends them: each tick carries its own receive stamp).
  void price_at(const std::string& symbol, double ltp, int ms) {
    auto at = time.now() + milliseconds{ms};
    for (auto& s : feed_state().subscribers[instrument{symbol, exchange::nfo}])
      self->send(s, tick{instrument{symbol, exchange::nfo}, ltp, 0, 0, 0, at, at});
    sched.run();
  }

  std::vector<std::pair<side, std::string>> orders(size_t k) {
    std::vector<std::pair<side, std::string>> out;
    for (auto& i : broker(k).placed)
      out.emplace_back(i.action, i.inst.symbol);
    return out;
  }

  /// Enters account k: wings at 10 and 12, shorts at `short_price`.
  void enter(size_t k, double short_price) {
    fill_next(k, 10);
    fill_next(k, 12);
    fill_next(k, short_price);
    fill_next(k, short_price);
  }

  /// The execution actor of `symbol` on `account` as the run holds it now.
  execution_actor execution_of(int64_t account, const std::string& symbol) {
    auto& st = deref<run_internal::strategy_run_impl::stateful_base<run_internal::run_data>>(run).state;
    for (auto& s : st.slots)
      if (s.row.account_id == account && s.row.inst.symbol == symbol)
        return s.handle;
    return {};
  }

  /// How many times `who` is subscribed to `symbol`'s ticks at the feed.
  template <class Handle>
  size_t subscriptions(const std::string& symbol, const Handle& who) {
    auto addr = caf::actor_cast<caf::actor_addr>(who);
    size_t n = 0;
    for (auto& s : feed_state().subscribers[instrument{symbol, exchange::nfo}])
      n += s.address() == addr ? 1 : 0;
    return n;
  }

  /// What an exception in a handler does to the execution of `symbol` on account 1; the run
  /// must have made it again.
  void crash_execution(const std::string& symbol) {
    auto before = execution_of(1, symbol);
    CAF_REQUIRE(before);
    self->send_exit(before, caf::make_error(caf::sec::runtime_error, "injected crash"));
    sched.run();
    auto after = execution_of(1, symbol);
    CAF_REQUIRE(after);
    CAF_REQUIRE(after != before);
  }

  /// How many orders of `action` in `symbol` account k's broker was sent.
  size_t sent(size_t k, side action, const std::string& symbol) {
    size_t n = 0;
    for (auto& o : orders(k))
      n += o == std::make_pair(action, symbol) ? 1 : 0;
    return n;
  }

  /// The scope rules that fired (the other risk events — leg rules, pending confirmations,
  /// follow-ups — left out).
  static std::vector<risk_event> fired(const run_status& st) {
    std::vector<risk_event> out;
    for (auto& e : st.risk_events)
      if (e.action == "exit_all" || e.action == "exit_account")
        out.push_back(e);
    return out;
  }

  /// The actions of every risk event, in order.
  static std::vector<std::string> actions(const run_status& st) {
    std::vector<std::string> out;
    for (auto& e : st.risk_events)
      out.push_back(e.action);
    return out;
  }

  const execution_state* leg_of(const run_status& st, int64_t account, const std::string& sym) {
    for (auto& e : st.executions)
      if (e.account_id == account && e.inst.symbol == sym)
        return &e;
    return nullptr;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(strategy_run_tests, run_fixture)

CAF_TEST(every account sends its SELL legs only after its BUY legs are filled) {
  start(hedged_straddle(risk_scope::account));
  for (size_t k = 0; k < 2; ++k) {
    auto placed = orders(k);
    CAF_REQUIRE_EQUAL(placed.size(), 2u); // both accounts at once, BUY legs only
    CAF_CHECK(placed[0] == std::make_pair(side::buy, wing_ce));
    CAF_CHECK(placed[1] == std::make_pair(side::buy, wing_pe));
    CAF_CHECK_EQUAL(broker(k).placed[0].quantity, 65);
  }
  fill_next(0, 10);
  CAF_CHECK_EQUAL(orders(0).size(), 2u); // one hedge filled: still no short
  fill_next(0, 12);
  auto placed = orders(0);
  CAF_REQUIRE_EQUAL(placed.size(), 4u);
  CAF_CHECK(placed[2] == std::make_pair(side::sell, short_ce));
  CAF_CHECK(placed[3] == std::make_pair(side::sell, short_pe));
  CAF_CHECK_EQUAL(orders(1).size(), 2u); // the other account waits for its own hedges
  CAF_CHECK(status().phase == run_phase::entering);
  fill_next(0, 100);
  fill_next(0, 100);
  enter(1, 100);
  auto st = status();
  CAF_CHECK(st.phase == run_phase::live);
  CAF_CHECK_EQUAL(st.executions.size(), 8u);
}

CAF_TEST(fixed lots go out without waiting for the funds read) {
  broker(0).hold_funds = true; // a slow funds read on the first account
  start(hedged_straddle(risk_scope::account));
  CAF_CHECK_EQUAL(broker(0).held_funds.size(), 1u); // asked, not answered
  CAF_CHECK_EQUAL(orders(0).size(), 2u);            // its BUY legs went anyway
  CAF_CHECK_EQUAL(orders(1).size(), 2u);
  for (auto& rp : broker(0).held_funds)
    rp.deliver(broker(0).account_funds);
  broker(0).held_funds.clear();
  sched.run();
  fill_next(0, 10);
  fill_next(0, 12);
  CAF_CHECK_EQUAL(orders(0).size(), 4u);
}

CAF_TEST(the broker lot size of a leg wins over the instrument table) {
  broker(0).lot_sizes[wing_ce] = 75; // the broker's contract file; ours says 65
  broker(0).lot_sizes[wing_pe] = 65; // agrees
  start(hedged_straddle(risk_scope::account));
  CAF_CHECK_EQUAL(broker(0).symbol_calls, 4); // every leg asked, through the first account
  for (size_t k = 0; k < 2; ++k) {
    auto placed = broker(k).placed;
    CAF_REQUIRE_EQUAL(placed.size(), 2u);
    CAF_CHECK_EQUAL(placed[0].inst.symbol, wing_ce);
    CAF_CHECK_EQUAL(placed[0].quantity, 75); // 1 lot of the broker's 75
    CAF_CHECK_EQUAL(placed[1].quantity, 65);
  }
}

CAF_TEST(a rejected hedge keeps the shorts of its account unsent) {
  start(hedged_straddle(risk_scope::account));
  fill_next(0, 10);
  reject_next(0);
  enter(1, 100);
  CAF_CHECK_EQUAL(orders(0).size(), 2u); // no naked short on alpha
  CAF_CHECK_EQUAL(orders(1).size(), 4u);
  auto st = status();
  CAF_REQUIRE_EQUAL(st.skipped.size(), 1u);
  CAF_CHECK_EQUAL(st.skipped[0].account_id, 1);
  CAF_CHECK(st.skipped[0].reason.find("hedge_failed") == 0);
  CAF_CHECK(leg_of(st, 1, short_ce)->status == execution_status::skipped);
  CAF_CHECK(leg_of(st, 1, wing_ce)->status == execution_status::entered);
  CAF_CHECK(leg_of(st, 1, wing_pe)->status == execution_status::failed);
  CAF_CHECK(st.phase == run_phase::live);
}

CAF_TEST(a hedge not filled in time is cancelled and the shorts are not sent) {
  start(hedged_straddle(risk_scope::account), 1, milliseconds{30'000});
  fill_next(0, 10);
  after(milliseconds{29'999});
  CAF_CHECK_EQUAL(orders(0).size(), 2u);
  CAF_CHECK(status().skipped.empty());
  after(milliseconds{1});
  auto st = status();
  CAF_REQUIRE_EQUAL(st.skipped.size(), 1u);
  CAF_CHECK(st.skipped[0].reason.find("not filled within 30000 ms") != std::string::npos);
  CAF_CHECK_EQUAL(orders(0).size(), 2u);
}

CAF_TEST(max loss per account exits only that account with shorts before longs) {
  auto s = hedged_straddle(risk_scope::account);
  s.max_loss = 1000;
  start(s);
  enter(0, 100); // alpha sold at 100
  enter(1, 130); // beta sold at 130
  price(wing_ce, 10);
  price(wing_pe, 12);
  price(short_pe, 100);
  CAF_CHECK(fired(status()).empty());
  // The call rises to 116: alpha (100 − 116) × 65 = −1040 → max loss; beta is +910.
  price(short_ce, 116);
  auto st = status();
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  CAF_CHECK(fired(st)[0].rule == exit_reason::max_loss);
  CAF_CHECK_EQUAL(fired(st)[0].account_id, 1);
  CAF_CHECK_EQUAL(fired(st)[0].action, "exit_account"); // its scope: that account
  CAF_CHECK_EQUAL(fired(st)[0].threshold_value, -1000);
  CAF_CHECK_EQUAL(fired(st)[0].trigger_value, -1040);
  auto alpha = orders(0);
  CAF_REQUIRE_EQUAL(alpha.size(), 6u); // the two shorts are bought back; the wings wait
  CAF_CHECK(alpha[4].first == side::buy);
  CAF_CHECK(alpha[5].first == side::buy);
  CAF_CHECK_EQUAL(orders(1).size(), 4u); // beta untouched
  fill_next(0, 116);
  CAF_CHECK_EQUAL(orders(0).size(), 6u); // one short still open: no long is sold
  fill_next(0, 100);
  alpha = orders(0);
  CAF_REQUIRE_EQUAL(alpha.size(), 8u);
  CAF_CHECK(alpha[6] == std::make_pair(side::sell, wing_ce));
  CAF_CHECK(alpha[7] == std::make_pair(side::sell, wing_pe));
  fill_next(0, 10);
  fill_next(0, 12);
  st = status();
  CAF_CHECK(leg_of(st, 1, short_ce)->status == execution_status::exited);
  CAF_CHECK(leg_of(st, 1, short_ce)->reason == exit_reason::max_loss);
  CAF_CHECK_EQUAL(leg_of(st, 1, short_ce)->realized_pnl, -1040);
  CAF_CHECK(leg_of(st, 2, short_ce)->status == execution_status::entered);
  CAF_CHECK(st.phase == run_phase::exiting);
  CAF_CHECK_EQUAL(leg_of(st, 1, short_ce)->max_loss_amount, 1000);
  CAF_CHECK(actions(st) == (std::vector<std::string>{"exit_account", "exit_completed"}));
  CAF_CHECK_EQUAL(st.risk_events[1].account_id, 1);
  for (auto id : {"B5", "B6", "B7", "B8"}) // alpha's four exit orders
    CAF_CHECK(st.risk_events[1].details_json.find(id) != std::string::npos);
  // A P&L its execution sent before the exit, read after it (an exit is told at high
  // priority, ahead of queued P&L), changes nothing.
  auto exited_id = leg_of(st, 1, short_ce)->execution_id;
  self->send(run, execution_pnl{exited_id, 0, -5000, true, 177, 65, utc_instant{}});
  sched.run();
  CAF_CHECK_EQUAL(leg_of(status(), 1, short_ce)->realized_pnl, -1040);
  CAF_CHECK_EQUAL(leg_of(status(), 1, short_ce)->unrealized_pnl, 0);
  // The latch: alpha's rule fires once; the price going further changes nothing.
  price(short_ce, 140);
  CAF_CHECK_EQUAL(fired(status()).size(), 1u);
}

CAF_TEST(run scope sums every account and exits all of them together) {
  auto s = hedged_straddle(risk_scope::run);
  s.max_loss = 1000;
  start(s);
  enter(0, 100);
  enter(1, 130);
  price(wing_ce, 10);
  price(wing_pe, 12);
  price(short_pe, 100);
  price(short_ce, 116); // alpha −1040, beta +910, beta's put +1950: the run is in profit
  CAF_CHECK(fired(status()).empty());
  price(short_ce, 160); // alpha −3900, beta −1950, puts 0 and +1950: −3900 in all
  auto st = status();
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  CAF_CHECK_EQUAL(fired(st)[0].account_id, 0);
  CAF_CHECK_EQUAL(fired(st)[0].action, "exit_all"); // run scope: every account
  CAF_CHECK_EQUAL(orders(0).size(), 6u);
  CAF_CHECK_EQUAL(orders(1).size(), 6u);
}

CAF_TEST(the stop loss of a hedge exits the short it protects first) {
  auto s = hedged_straddle(risk_scope::account);
  s.legs[0].stop_loss = {threshold_kind::percentage, 50}; // the CE wing at 10: stop 5
  start(s, 1);
  enter(0, 100);
  // Every tick to what decides on it (the run, the wing's own stop); the short's row is paced.
  auto paced = [&](const auto& who) {
    return feed_state().paced.count(caf::actor_cast<caf::actor_addr>(who)) == 1;
  };
  CAF_CHECK(!paced(execution_of(1, wing_ce)));
  CAF_CHECK(paced(execution_of(1, short_ce)));
  CAF_CHECK(!paced(run));
  CAF_CHECK_EQUAL(subscriptions(wing_ce, run), 1u);
  price(wing_ce, 5);
  auto placed = orders(0);
  CAF_REQUIRE_EQUAL(placed.size(), 5u);
  CAF_CHECK(placed[4] == std::make_pair(side::buy, short_ce)); // the short first
  fill_next(0, 90);
  placed = orders(0);
  CAF_REQUIRE_EQUAL(placed.size(), 6u);
  CAF_CHECK(placed[5] == std::make_pair(side::sell, wing_ce)); // then the hedge
  fill_next(0, 5);
  auto st = status();
  CAF_CHECK(leg_of(st, 1, short_ce)->reason == exit_reason::hedge_exit);
  CAF_CHECK(leg_of(st, 1, wing_ce)->reason == exit_reason::stop_loss);
  CAF_CHECK(leg_of(st, 1, short_pe)->status == execution_status::entered); // untouched
  CAF_CHECK(leg_of(st, 1, wing_pe)->status == execution_status::entered);
  // The leg rule's event, then its follow-up once the hedge is out (naming its exit order).
  CAF_CHECK(actions(st) == (std::vector<std::string>{"exit_leg", "exit_completed"}));
  CAF_REQUIRE_EQUAL(st.risk_events.size(), 2u);
  CAF_CHECK(st.risk_events[0].rule == exit_reason::stop_loss);
  CAF_CHECK_EQUAL(st.risk_events[0].trigger_value, 5);
  CAF_CHECK(st.risk_events[0].reason.find("its short exits first") != std::string::npos);
  CAF_CHECK_EQUAL(st.risk_events[0].execution_id, leg_of(st, 1, wing_ce)->execution_id);
  CAF_CHECK(st.risk_events[1].details_json.find("B6") != std::string::npos);
}

CAF_TEST(after a partial exit fill the run prices only the units still open) {
  auto s = hedged_straddle(risk_scope::account);
  s.legs[2].stop_loss = {threshold_kind::percentage, 50}; // the short call at 100: stop 150
  start(s, 1);
  enter(0, 100);
  price(short_ce, 150);
  CAF_REQUIRE_EQUAL(orders(0).size(), 5u); // the call bought back (order B5)
  // A newer price reaches the run before the execution (whose report then carries 150).
  auto later = time.now() + milliseconds{1};
  self->send(run, tick{instrument{short_ce, exchange::nfo}, 160, 0, 0, 0, later, later});
  sched.run();
  // 35 of its 65 units fill, the rest is cancelled: 30 stay open until the retry.
  self->send(accounts[0].account, order_update{{}, "B5", order_status::cancelled, 35, 150,
                                               "cancelled after a partial fill", time.now()});
  sched.run();
  auto st = status();
  CAF_CHECK_EQUAL(leg_of(st, 1, short_ce)->unrealized_pnl, (100 - 160) * 30); // the run's price
  price(short_ce, 160); // and on its next tick
  st = status();
  CAF_CHECK_EQUAL(leg_of(st, 1, short_ce)->realized_pnl, (100 - 150) * 35);
  CAF_CHECK_EQUAL(leg_of(st, 1, short_ce)->unrealized_pnl, (100 - 160) * 30);
  CAF_CHECK_EQUAL(leg_of(st, 1, short_pe)->unrealized_pnl, 0); // not priced since its entry
}

CAF_TEST(a short stuck open keeps its hedge) {
  auto s = hedged_straddle(risk_scope::account);
  s.max_loss = 1000;
  start(s, 1, milliseconds{30'000}, 1);
  enter(0, 100);
  price(wing_ce, 10);
  price(wing_pe, 12);
  price(short_pe, 100);
  broker(0).place_script.push_back(make_error(errc::rejected, "exit refused")); // call exit
  price(short_ce, 120);
  fill_next(0, 100); // the put's exit (order B5) fills
  auto st = status();
  CAF_CHECK(leg_of(st, 1, short_ce)->status == execution_status::exit_stuck);
  CAF_CHECK(leg_of(st, 1, short_pe)->status == execution_status::exited);
  auto placed = orders(0);
  // The put's hedge is sold; the call's hedge is kept while the call is stuck open.
  CAF_REQUIRE_EQUAL(placed.size(), 7u);
  CAF_CHECK(placed[6] == std::make_pair(side::sell, wing_pe));
  fill_next(0, 12);
  st = status();
  CAF_CHECK(leg_of(st, 1, wing_ce)->status == execution_status::entered);
  CAF_CHECK(st.phase == run_phase::needs_attention);
  // Max loss fired for the account; its exit failed on the call (named, with the broker's
  // error); the call's hedge is held once the put's pair is out.
  CAF_CHECK(actions(st)
            == (std::vector<std::string>{"exit_account", "exit_failed", "exit_held"}));
  CAF_REQUIRE_EQUAL(st.risk_events.size(), 3u);
  CAF_CHECK(st.risk_events[1].reason.find(short_ce) != std::string::npos);
  CAF_CHECK(st.risk_events[1].reason.find("exit refused") != std::string::npos);
  CAF_CHECK(st.risk_events[2].reason.find(wing_ce) != std::string::npos);
}

CAF_TEST(the trailing stop arms once every leg is in then ratchets and fires) {
  auto s = hedged_straddle(risk_scope::account);
  s.trailing_stop = {threshold_kind::amount, 500};
  start(s, 1);
  enter(0, 100);
  price(wing_ce, 10);
  price(wing_pe, 12);
  price(short_pe, 100);
  price(short_ce, 100);
  auto st = status();
  CAF_REQUIRE_EQUAL(st.scopes.size(), 1u);
  CAF_CHECK(st.scopes[0].trailing_armed);
  CAF_CHECK_EQUAL(st.scopes[0].trailing_stop, -500);
  price(short_ce, 80); // P&L +1300: stop −500 + 1300 = 800
  CAF_CHECK_EQUAL(status().scopes[0].trailing_stop, 800);
  price(short_ce, 90); // +650: above nothing lower; the stop stays 800 → fires
  st = status();
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  CAF_CHECK(fired(st)[0].rule == exit_reason::trailing_stop);
  CAF_CHECK_EQUAL(fired(st)[0].threshold_value, 800);
}

CAF_TEST(supertrend seeded from history exits on the first closed live bar that turns) {
  strategy_definition s;
  s.id = 9;
  s.name = "long call with supertrend";
  s.legs = {leg(side::buy, option_type::ce, strike_selection::atm)};
  s.legs[0].id = 100;
  s.supertrend = {true, supertrend_exit_kind::breakdown, 5, 1.0, "1m"};
  rising_history(); // bullish (direction −1), no exit
  start(s, 1);
  fill_next(0, 110);
  time.set(*parse_iso8601("2026-11-25T10:00:10+05:30"));
  price(short_ce, 80); // the call collapses inside the 10:00 bar
  CAF_CHECK(fired(status()).empty()); // the bar is still open: nothing is decided on it
  time.set(*parse_iso8601("2026-11-25T10:00:40+05:30"));
  price(short_ce, 79);
  CAF_CHECK(fired(status()).empty());
  time.set(*parse_iso8601("2026-11-25T10:01:02+05:30"));
  price(short_ce, 79.5); // the 10:00 bar closed at 79: below the lower band, bearish
  auto st = status();
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  CAF_CHECK(fired(st)[0].rule == exit_reason::supertrend_exit);
  auto placed = orders(0);
  CAF_REQUIRE_EQUAL(placed.size(), 2u);
  CAF_CHECK(placed[1] == std::make_pair(side::sell, short_ce));
}

/// A long straddle (the ATM call and put) with a Supertrend breakdown exit on the combined
/// premium, seeded with ten rising bars (combined 202 … 220, bullish).
strategy_definition supertrend_straddle(run_fixture& f) {
  strategy_definition s;
  s.id = 9;
  s.name = "long straddle with supertrend";
  s.legs = {leg(side::buy, option_type::ce, strike_selection::atm),
            leg(side::buy, option_type::pe, strike_selection::atm)};
  s.legs[0].id = 100;
  s.legs[1].id = 101;
  s.supertrend = {true, supertrend_exit_kind::breakdown, 5, 1.0, "1m"};
  f.rising_history();
  return s;
}

/// The 10:00 bar closes (on the bar timer) at 170: the call fell to 60 at 10:00:50 while the
/// put's last price (110) is from 10:00:10 — a mix that calls for a breakdown exit.
void close_bar_on_a_mix(run_fixture& f) {
  f.start(supertrend_straddle(f), 1);
  f.broker(0).hold_multiquotes = true;
  f.fill_next(0, 110);
  f.fill_next(0, 110);
  f.time.set(*parse_iso8601("2026-11-25T10:00:10+05:30"));
  f.price(short_ce, 110);
  f.price(short_pe, 110);
  f.time.set(*parse_iso8601("2026-11-25T10:00:50+05:30"));
  f.price(short_ce, 60);
  f.time.set(*parse_iso8601("2026-11-25T10:01:01+05:30"));
  f.after(milliseconds{1'000});
}

CAF_TEST(a supertrend bar closed on a mix of prices is refuted by the refreshed close) {
  close_bar_on_a_mix(*this);
  CAF_CHECK(fired(status()).empty()); // waiting for the put
  CAF_REQUIRE_EQUAL(broker(0).multiquote_calls.size(), 1u);
  CAF_CHECK_EQUAL(broker(0).multiquote_calls[0].size(), 1u); // the put only
  price(short_pe, 165); // the put rose as the call fell: 60 + 165 = 225, still bullish
  CAF_CHECK(fired(status()).empty());
  CAF_CHECK_EQUAL(orders(0).size(), 2u);
  after(milliseconds{2'000}); // the timeout of a confirmation already decided
  CAF_CHECK(fired(status()).empty());
}

CAF_TEST(a supertrend bar closed on a mix of prices is confirmed by the refreshed close) {
  close_bar_on_a_mix(*this);
  price(short_pe, 100); // 60 + 100 = 160: bearish on coherent prices
  auto st = status();
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  CAF_CHECK(fired(st)[0].rule == exit_reason::supertrend_exit);
  CAF_CHECK(fired(st)[0].details_json.find(R"("confirmation":"confirmed")")
            != std::string::npos);
  CAF_CHECK_EQUAL(orders(0).size(), 4u);
}

CAF_TEST(a supertrend exit whose legs never refresh fires after the timeout) {
  close_bar_on_a_mix(*this);
  after(milliseconds{1'999});
  CAF_CHECK(fired(status()).empty());
  after(milliseconds{1});
  auto st = status();
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  CAF_CHECK(fired(st)[0].details_json.find(R"("confirmation":"unconfirmed")")
            != std::string::npos);
}

CAF_TEST(square off time exits everything once) {
  auto s = hedged_straddle(risk_scope::account);
  s.square_off_time = *parse_time_of_day("15:15");
  start(s, 1);
  enter(0, 100);
  price(wing_ce, 10);
  CAF_CHECK(fired(status()).empty());
  time.set(*parse_iso8601("2026-11-25T15:15:00+05:30"));
  self->send(run, timer_due{9, strategy_timer::square_off, time.now()});
  sched.run();
  auto st = status();
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  CAF_CHECK(fired(st)[0].rule == exit_reason::square_off);
  CAF_CHECK_EQUAL(orders(0).size(), 6u); // the shorts first
  self->send(run, timer_due{9, strategy_timer::square_off, time.now()});
  sched.run();
  CAF_CHECK_EQUAL(fired(status()).size(), 1u);
}

CAF_TEST(a margin-sized account without margin is skipped with the reason) {
  auto s = hedged_straddle(risk_scope::account);
  s.risk_profile = "grade_A";
  broker(1).account_funds = funds{100000, 0, 0, 0, 0}; // beta: less than one straddle lot
  broker(0).account_funds = funds{2000000, 0, 0, 0, 0};
  start(s);
  auto st = status();
  CAF_REQUIRE_EQUAL(st.skipped.size(), 1u);
  CAF_CHECK_EQUAL(st.skipped[0].account_id, 2);
  CAF_CHECK_EQUAL(st.skipped[0].reason, "insufficient_margin");
  CAF_CHECK_EQUAL(orders(1).size(), 0u);
  // alpha: ⌊2,000,000 × 95 % ÷ 320,000⌋ = 5 lots of the straddle, the wings the same.
  CAF_REQUIRE_EQUAL(orders(0).size(), 2u);
  CAF_CHECK_EQUAL(broker(0).placed[0].quantity, 5 * 65);
}

CAF_TEST(a manual exit of one account leaves the others running) {
  start(hedged_straddle(risk_scope::account));
  enter(0, 100);
  enter(1, 100);
  self->send(run, manual_exit{42, 2, 0});
  sched.run();
  CAF_CHECK_EQUAL(orders(0).size(), 4u);
  CAF_CHECK_EQUAL(orders(1).size(), 6u);
  fill_next(1, 100);
  fill_next(1, 100);
  fill_next(1, 10);
  fill_next(1, 12);
  auto st = status();
  CAF_CHECK(leg_of(st, 2, wing_ce)->status == execution_status::exited);
  CAF_CHECK(leg_of(st, 2, wing_ce)->reason == exit_reason::manual);
  CAF_CHECK(st.phase == run_phase::live);
  self->send(run, manual_exit{42, 0, 0});
  sched.run();
  for (int i = 0; i < 4; ++i)
    fill_next(0, 100);
  CAF_CHECK(status().phase == run_phase::finished);
}

CAF_TEST(a leg that cannot be resolved ends the run with the reason and sends nothing) {
  auto s = hedged_straddle(risk_scope::account);
  s.legs[2].expiry = expiry_choice::next_month; // the broker lists no January expiry
  start(s);
  auto st = status();
  CAF_CHECK(st.phase == run_phase::finished);
  CAF_CHECK(st.end_reason.find("legs[2]") != std::string::npos);
  CAF_CHECK_EQUAL(orders(0).size(), 0u);
  CAF_CHECK_EQUAL(orders(1).size(), 0u);
}

CAF_TEST(recovery applies what the broker did while the node was down) {
  run_record record;
  record.id = 42;
  record.strategy_id = 9;
  record.phase = run_phase::live;
  using es = execution_status;
  auto wing = recorded(1, wing_ce, side::buy, es::entered, 65, 10);    // still open
  auto call = recorded(3, short_ce, side::sell, es::pending, 65, 0);   // filled meanwhile
  auto put_wing = recorded(2, wing_pe, side::buy, es::pending, 65, 0); // never reached it
  auto put = recorded(4, short_pe, side::sell, es::exit_pending, 65, 100); // claim, no order
  put.exit_attempts = 1;
  put.reason = exit_reason::stop_loss;
  auto gone = recorded(5, "NIFTY01DEC2626100CE", side::buy, es::entered, 65, 20); // squared off
  broker_holds(0, wing_ce, 65);
  broker_holds(0, short_ce, -65);
  broker_holds(0, short_pe, -65);
  broker_order filled;
  filled.broker_order_id = "X77";
  filled.inst = {short_ce, exchange::nfo};
  filled.action = side::sell;
  filled.quantity = filled.filled_quantity = 65;
  filled.average_price = 101.5;
  filled.status = order_status::complete;
  filled.strategy_tag = "AM:42:3:0"; // our entry tag
  broker(0).book = {filled};
  recover(record, {wing, put_wing, call, put, gone});
  auto st = status();

  CAF_CHECK(leg_of(st, 1, wing_ce)->status == es::entered);
  CAF_CHECK(leg_of(st, 1, short_ce)->status == es::entered);
  CAF_CHECK_EQUAL(leg_of(st, 1, short_ce)->entry_price, 101.5);
  CAF_CHECK(leg_of(st, 1, wing_pe)->status == es::failed);
  CAF_CHECK(leg_of(st, 1, "NIFTY01DEC2626100CE")->status == es::exited);
  CAF_CHECK(leg_of(st, 1, "NIFTY01DEC2626100CE")->reason == exit_reason::broker_reconciled);
  // The claim without an order: sent again, once, as attempt 2, sized by the broker.
  auto placed = orders(0);

  CAF_REQUIRE_EQUAL(placed.size(), 1u);
  CAF_CHECK(placed[0] == std::make_pair(side::buy, short_pe));
  CAF_CHECK_EQUAL(broker(0).placed[0].tag, "AM:42:4:2");
  CAF_CHECK_EQUAL(broker(0).placed[0].quantity, 65);
  // Prices are followed again, by each open execution and by the run (its P&L), once each.
  for (auto& symbol : {wing_ce, short_ce}) {
    CAF_CHECK_EQUAL(subscriptions(symbol, execution_of(1, symbol)), 1u);
    CAF_CHECK_EQUAL(subscriptions(symbol, run), 1u);
  }
  CAF_CHECK(st.phase == run_phase::live);
  fill_next(0, 95);
  CAF_CHECK(leg_of(status(), 1, short_pe)->status == es::exited);
  CAF_CHECK(leg_of(status(), 1, short_pe)->reason == exit_reason::stop_loss);
}

CAF_TEST(a restart keeps the trailing stop where it stood and the ratchet goes on) {
  run_record record;
  record.id = 42;
  record.strategy_id = 9;
  record.phase = run_phase::live;
  // Before the crash: armed at 500 below, the peak +1300 lifted the stop to +800.
  record.trailing = {{1, true, 500, -500, 1300, 800}};
  using es = execution_status;
  broker_holds(0, wing_ce, 65);
  broker_holds(0, wing_pe, 65);
  broker_holds(0, short_ce, -65);
  broker_holds(0, short_pe, -65);
  auto s = hedged_straddle(risk_scope::account);
  s.trailing_stop = {threshold_kind::amount, 500};
  recover(record,
          {recorded(1, wing_ce, side::buy, es::entered, 65, 10),
           recorded(2, wing_pe, side::buy, es::entered, 65, 12),
           recorded(3, short_ce, side::sell, es::entered, 65, 100),
           recorded(4, short_pe, side::sell, es::entered, 65, 100)},
          true, s);
  price(wing_ce, 10);
  price(wing_pe, 12);
  price(short_pe, 100);
  price(short_ce, 95); // P&L +325: a stop re-armed from −500 would be at −175; it is at +800
  auto st = status();
  CAF_REQUIRE_EQUAL(st.scopes.size(), 1u);
  CAF_CHECK(st.scopes[0].trailing_armed);
  CAF_CHECK_EQUAL(st.scopes[0].trailing_stop, 800);
  CAF_CHECK_EQUAL(st.scopes[0].peak, 1300);
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  CAF_CHECK(fired(st)[0].rule == exit_reason::trailing_stop);
  CAF_CHECK_EQUAL(fired(st)[0].threshold_value, 800);
}

CAF_TEST(a spot stamped long ago on the node clock is quoted again and a fresh one is used) {
  // The feed's NIFTY is 10 market minutes old: a tick of 10 real seconds at --clock-speed 60
  // (the gateways stamp with the node's clock). The spot comes from a REST quote (26,010).
  instrument nifty{"NIFTY", exchange::nse_index};
  feed_state().last["NIFTY"] = tick{nifty, 26500, 0, 0, 0, {}, time.now() - std::chrono::minutes{10}};
  start(hedged_straddle(risk_scope::account), 1);
  auto placed = orders(0);
  CAF_REQUIRE(!placed.empty());
  bool at_26000 = false;
  for (auto& [action, symbol] : placed) {
    CAF_CHECK(symbol.find("26500") == std::string::npos);
    at_26000 = at_26000 || symbol == wing_ce;
  }
  CAF_CHECK(at_26000); // the wing 200 above the REST spot's ATM
}

CAF_TEST(a spot ticked a second ago on the node clock is taken from the feed) {
  instrument nifty{"NIFTY", exchange::nse_index};
  feed_state().last["NIFTY"] = tick{nifty, 26500, 0, 0, 0, {}, time.now() - std::chrono::seconds{1}};
  start(hedged_straddle(risk_scope::account), 1);
  auto placed = orders(0);
  CAF_REQUIRE(!placed.empty());
  bool at_26500 = false;
  for (auto& [action, symbol] : placed)
    at_26500 = at_26500 || symbol == "NIFTY01DEC2626700CE"; // the wing above ATM 26,500
  CAF_CHECK(at_26500);
}

CAF_TEST(market data fails over to the next account and a refusal of the request does not) {
  auto md = market_data();
  instrument nifty{"NIFTY", exchange::nse_index};
  broker(1).quotes["NIFTY"] = 26050;
  caf::anon_send_exit(accounts[0].broker, caf::exit_reason::kill); // the primary's REST is gone
  sched.run();
  auto q = ask<quote>(md, caf::get_atom_v, nifty);
  CAF_CHECK_EQUAL(q.ltp, 26050); // from the second account
  auto again = ask<quote>(md, caf::get_atom_v, nifty); // asked first now: no timeout to wait
  CAF_CHECK_EQUAL(again.ltp, 26050);
  CAF_CHECK(!account_failure(make_error(errc::not_found, "no such symbol")));
  CAF_CHECK(!account_failure(make_error(errc::invalid_input, "bad")));
  CAF_CHECK(account_failure(make_error(errc::outcome_unknown, "timeout")));
  CAF_CHECK(account_failure(make_error(errc::unauthorized, "key")));
  CAF_CHECK(account_failure(caf::make_error(caf::sec::request_timeout)));
}

CAF_TEST(an exit order still open at a restart is followed and never sent again) {
  run_record record;
  record.id = 42;
  record.strategy_id = 9;
  record.phase = run_phase::exiting;
  record.max_loss_fired = true;
  auto call = recorded(3, short_ce, side::sell, execution_status::exit_pending, 65, 100);
  call.exit_attempts = 1;
  call.reason = exit_reason::max_loss;
  broker_holds(0, short_ce, -65);
  broker_order exit;
  exit.broker_order_id = "X9";
  exit.inst = {short_ce, exchange::nfo};
  exit.action = side::buy;
  exit.quantity = 65;
  exit.status = order_status::open; // a LIMIT exit resting when the node died
  exit.strategy_tag = "AM:42:3:1";
  broker(0).book = {exit};
  recover(record, {call});
  CAF_CHECK(orders(0).empty());
  CAF_CHECK(leg_of(status(), 1, short_ce)->status == execution_status::exit_pending);
  // It fills at the broker; the next look finds it.
  broker(0).book[0].status = order_status::complete;
  broker(0).book[0].filled_quantity = 65;
  broker(0).book[0].average_price = 118;
  broker(0).positions.clear();
  after(milliseconds{5'001});
  auto st = status();
  CAF_CHECK(orders(0).empty()); // nothing was ever sent again
  CAF_CHECK(leg_of(st, 1, short_ce)->status == execution_status::exited);
  CAF_CHECK_EQUAL(leg_of(st, 1, short_ce)->exit_price, 118);
  CAF_CHECK_EQUAL(leg_of(st, 1, short_ce)->realized_pnl, -18 * 65);
  CAF_CHECK(st.phase == run_phase::finished);
}

CAF_TEST(an account that cannot be asked keeps its positions and the run needs attention) {
  run_record record;
  record.id = 42;
  record.strategy_id = 9;
  record.phase = run_phase::live;
  broker_holds(0, wing_ce, 65);
  recover(record, {recorded(1, wing_ce, side::buy, execution_status::entered, 65, 10)}, false);
  auto st = status();
  CAF_CHECK(st.phase == run_phase::needs_attention);
  CAF_CHECK(leg_of(st, 1, wing_ce)->status == execution_status::entered); // untouched
  CAF_CHECK(orders(0).empty());
  CAF_CHECK(feed_state().subscribers[instrument{wing_ce, exchange::nfo}].empty());
}

CAF_TEST(a run that was exiting goes on exiting after a restart and fires nothing twice) {
  run_record record;
  record.id = 42;
  record.strategy_id = 9;
  record.phase = run_phase::exiting;
  record.max_loss_fired = true;
  broker_holds(0, wing_ce, 65);
  broker_holds(0, short_ce, -65);
  recover(record, {recorded(1, wing_ce, side::buy, execution_status::entered, 65, 10),
                   recorded(3, short_ce, side::sell, execution_status::entered, 65, 100)});
  auto placed = orders(0);
  CAF_REQUIRE_EQUAL(placed.size(), 1u);
  CAF_CHECK(placed[0] == std::make_pair(side::buy, short_ce)); // the short first
  fill_next(0, 120);
  placed = orders(0);
  CAF_REQUIRE_EQUAL(placed.size(), 2u);
  CAF_CHECK(placed[1] == std::make_pair(side::sell, wing_ce));
  fill_next(0, 11);
  auto st = status();
  CAF_CHECK(st.phase == run_phase::finished);
  CAF_CHECK(fired(st).empty()); // the latch held: max loss did not fire again
  CAF_CHECK(leg_of(st, 1, short_ce)->reason == exit_reason::max_loss);
}

// §8 coherent prices. Account alpha (hedged straddle at 100, wings 10 and 12), max loss 1,000:
// the call's tick shows a move before its siblings' do.
struct coherent_case {
  strategy_definition s;
  explicit coherent_case(risk_scope scope, double max_loss, double max_profit = 0)
    : s(hedged_straddle(scope)) {
    s.max_loss = max_loss;
    s.max_profit = max_profit;
  }
};

CAF_TEST(a max loss crossed on a mix of prices is refuted by the other legs next ticks) {
  enter_and_price(coherent_case{risk_scope::account, 1000}.s, 1, true);
  // The call alone jumps to 150: (100 − 150) × 65 = −3,250 on a mix.
  price_at(short_ce, 150, 500);
  CAF_CHECK(fired(status()).empty());
  CAF_CHECK_EQUAL(orders(0).size(), 4u); // no exit
  auto& calls = broker(0).multiquote_calls;
  CAF_REQUIRE_EQUAL(calls.size(), 1u); // one read of exactly the stale symbols
  CAF_CHECK_EQUAL(calls[0].size(), 3u);
  CAF_CHECK(std::find(calls[0].begin(), calls[0].end(), instrument{short_ce, exchange::nfo})
            == calls[0].end());
  // Their next ticks: the put fell, the wings moved: −260 in truth.
  price_at(short_pe, 55, 520);
  price_at(wing_ce, 14, 540);
  CAF_CHECK(fired(status()).empty()); // one still to come
  price_at(wing_pe, 9, 560);
  CAF_CHECK(fired(status()).empty());
  CAF_CHECK_EQUAL(orders(0).size(), 4u);
  after(milliseconds{2'001}); // its timeout is of a confirmation that is over
  CAF_CHECK(fired(status()).empty());
  CAF_CHECK_EQUAL(orders(0).size(), 4u);
}

CAF_TEST(a max loss confirmed by the other legs next ticks fires on the refreshed prices) {
  enter_and_price(coherent_case{risk_scope::account, 1000}.s, 1, true);
  price_at(short_ce, 150, 500); // −3,250 on a mix
  price_at(short_pe, 95, 510);
  price_at(wing_ce, 14, 520);
  CAF_CHECK(fired(status()).empty());
  // The crossing on a mix of prices is on record, waiting for the put's next tick.
  CAF_CHECK(actions(status()) == (std::vector<std::string>{"confirmation_pending"}));
  CAF_CHECK(status().risk_events[0].reason.find(wing_pe) != std::string::npos);
  price_at(wing_pe, 11, 530); // −3,250 + 325 + 260 − 65 = −2,730: still crossed
  auto st = status();
  CAF_CHECK(actions(st) == (std::vector<std::string>{"confirmation_pending", "exit_account"}));
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  auto& ev = fired(st)[0];
  CAF_CHECK(ev.rule == exit_reason::max_loss);
  CAF_CHECK_EQUAL(ev.trigger_value, -2730);
  CAF_CHECK(ev.details_json.find(R"("confirmation":"confirmed")") != std::string::npos);
  CAF_CHECK(ev.details_json.find(R"("NIFTY01DEC2625800PE":{"ltp":11.00,"received_at":")")
            != std::string::npos);
  CAF_CHECK(ev.details_json.find(R"("stale_legs":[])") != std::string::npos);
  CAF_CHECK_EQUAL(orders(0).size(), 6u); // the shorts go back first
}

CAF_TEST(a crossing is confirmed by one multiquotes read when it answers first) {
  enter_and_price(coherent_case{risk_scope::account, 1000}.s, 1, false);
  broker(0).quotes[short_pe] = 98;
  broker(0).quotes[wing_ce] = 14;
  broker(0).quotes[wing_pe] = 11;
  price_at(short_ce, 150, 500); // the read answers at once: −3,250 + 130 + 260 − 65
  auto st = status();
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  CAF_CHECK_EQUAL(fired(st)[0].trigger_value, -2925);
  CAF_CHECK(fired(st)[0].details_json.find(R"("source":"multiquotes")")
            != std::string::npos);
  CAF_CHECK_EQUAL(broker(0).multiquote_calls.size(), 1u);
  CAF_CHECK_EQUAL(orders(0).size(), 6u);
}

CAF_TEST(a refuted multiquotes read fires nothing and the next crossing starts again) {
  enter_and_price(coherent_case{risk_scope::account, 1000}.s, 1, false);
  broker(0).quotes[short_pe] = 55;
  broker(0).quotes[wing_ce] = 14;
  broker(0).quotes[wing_pe] = 9;
  price_at(short_ce, 150, 500); // refuted at once: −325
  CAF_CHECK(fired(status()).empty());
  CAF_CHECK_EQUAL(orders(0).size(), 4u);
  // A new crossing on a new mix (the quoted prices are from before it): a new read, which
  // confirms it: −4,550 + 2,925 + 260 − 195 = −1,560.
  price_at(short_ce, 170, 900);
  CAF_CHECK_EQUAL(broker(0).multiquote_calls.size(), 2u);
  auto st = status();
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  CAF_CHECK_EQUAL(fired(st)[0].trigger_value, -1560);
}

CAF_TEST(max loss fires unconfirmed after the timeout and names the stale legs) {
  enter_and_price(coherent_case{risk_scope::account, 1000}.s, 1, true);
  price_at(short_ce, 150, 500);
  price_at(short_pe, 100, 510); // the put refreshed, unchanged; the wings never tick
  after(milliseconds{1'999});
  CAF_CHECK(fired(status()).empty());
  after(milliseconds{1});
  auto st = status();
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  auto& d = fired(st)[0].details_json;
  CAF_CHECK(d.find(R"("confirmation":"unconfirmed")") != std::string::npos);
  CAF_CHECK(d.find(R"("stale_legs":["NIFTY01DEC2626200CE","NIFTY01DEC2625800PE"])")
            != std::string::npos);
  CAF_CHECK_EQUAL(fired(st)[0].trigger_value, -3250);
  CAF_CHECK_EQUAL(orders(0).size(), 6u);
}

CAF_TEST(max profit never fires unconfirmed) {
  enter_and_price(coherent_case{risk_scope::account, 0, 1000}.s, 1, true);
  price_at(short_ce, 60, 500); // +2,600 on a mix
  after(milliseconds{5'000});
  CAF_CHECK(fired(status()).empty());
  CAF_CHECK_EQUAL(orders(0).size(), 4u);
  // Confirmed: the others' next ticks keep it above +1,000.
  price_at(short_ce, 60, 6'000);
  price_at(short_pe, 110, 6'010);
  price_at(wing_ce, 9, 6'020);
  CAF_CHECK(fired(status()).empty());
  price_at(wing_pe, 12, 6'030); // +2,600 − 650 − 65 = +1,885
  auto st = status();
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  CAF_CHECK(fired(st)[0].rule == exit_reason::max_profit);
  CAF_CHECK_EQUAL(fired(st)[0].trigger_value, 1885);
}

CAF_TEST(a refuted crossing is not a reason the run ended for) {
  enter_and_price(coherent_case{risk_scope::account, 1000, 1000}.s, 1, true);
  price_at(short_ce, 60, 500);  // +2,600 on a mix: max profit crossed, being confirmed
  price_at(short_pe, 140, 510); // the put rose: −2,600
  price_at(wing_ce, 10, 520);
  price_at(wing_pe, 12, 530); // 0 in truth: refuted
  CAF_CHECK(fired(status()).empty());
  price_at(short_ce, 150, 3'000); // −3,250 − 2,600 on a mix
  price_at(short_pe, 140, 3'010);
  price_at(wing_ce, 10, 3'020);
  price_at(wing_pe, 12, 3'030); // confirmed
  auto st = status();
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  CAF_CHECK(fired(st)[0].rule == exit_reason::max_loss);
  fill_next(0, 150);
  fill_next(0, 140);
  fill_next(0, 10);
  fill_next(0, 12);
  st = status();
  CAF_CHECK(st.phase == run_phase::finished);
  CAF_CHECK_EQUAL(st.end_reason, "max_loss"); // was "max_loss, max_profit"
}

CAF_TEST(in run scope a crossing waits for the legs of every account) {
  enter_and_price(coherent_case{risk_scope::run, 1000}.s, 2, true);
  price_at(short_ce, 150, 500); // both accounts' calls: −6,500 on a mix
  CAF_CHECK(fired(status()).empty());
  CAF_REQUIRE_EQUAL(broker(0).multiquote_calls.size(), 1u);
  CAF_CHECK_EQUAL(broker(0).multiquote_calls[0].size(), 3u); // each symbol once
  price_at(short_pe, 55, 510);
  price_at(wing_ce, 14, 520);
  price_at(wing_pe, 9, 530); // −520 in truth
  after(milliseconds{3'000});
  CAF_CHECK(fired(status()).empty());
  CAF_CHECK_EQUAL(orders(0).size(), 4u);
  CAF_CHECK_EQUAL(orders(1).size(), 4u);
  // A real move: confirmed by every leg of both accounts.
  price_at(short_pe, 100, 4'000); // crosses at once (−6,370 on a mix): the call is stale now
  price_at(wing_ce, 10, 4'010);
  price_at(wing_pe, 12, 4'020);
  CAF_CHECK(fired(status()).empty());
  price_at(short_ce, 150, 4'030);
  auto st = status();
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  CAF_CHECK_EQUAL(fired(st)[0].trigger_value, -6500);
  CAF_CHECK_EQUAL(orders(0).size(), 6u);
  CAF_CHECK_EQUAL(orders(1).size(), 6u);
}

CAF_TEST(in run scope a protective rule times out and fires on every account) {
  enter_and_price(coherent_case{risk_scope::run, 1000}.s, 2, true);
  price_at(short_ce, 150, 500);
  after(milliseconds{2'000});
  auto st = status();
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  CAF_CHECK(fired(st)[0].details_json.find("NIFTY01DEC2625800PE@2") != std::string::npos);
  CAF_CHECK_EQUAL(orders(0).size(), 6u);
  CAF_CHECK_EQUAL(orders(1).size(), 6u);
}

CAF_TEST(a spike on a mix never lifts the trailing stop) {
  auto s = hedged_straddle(risk_scope::account);
  s.trailing_stop = {threshold_kind::amount, 500};
  enter_and_price(s, 1, true);
  CAF_CHECK_EQUAL(status().scopes[0].trailing_stop, -500);
  price_at(short_ce, 60, 500); // +2,600 on a mix: not a peak
  CAF_CHECK_EQUAL(status().scopes[0].trailing_stop, -500);
  price_at(short_pe, 140, 510); // the put rose as much: flat in truth
  price_at(wing_ce, 10, 520);
  price_at(wing_pe, 12, 530);
  CAF_CHECK_EQUAL(status().scopes[0].trailing_stop, -500); // min(+2,600, 0): no rise
  CAF_CHECK(fired(status()).empty());
}

// Crash-only executions: one that dies is made again from its row and follows its orders at
// the account; no order is sent twice.

CAF_TEST(an execution that dies with its entry in flight follows that order when made again) {
  start(hedged_straddle(risk_scope::account), 1);
  CAF_REQUIRE_EQUAL(orders(0).size(), 2u); // the wings are at the broker, not filled
  crash_execution(wing_ce);
  CAF_CHECK_EQUAL(orders(0).size(), 2u); // nothing sent again
  fill_next(0, 10);
  fill_next(0, 12);
  CAF_REQUIRE_EQUAL(orders(0).size(), 4u); // the shorts follow the wings, as always
  fill_next(0, 100);
  fill_next(0, 100);
  auto st = status();
  CAF_CHECK(st.phase == run_phase::live);
  CAF_CHECK(leg_of(st, 1, wing_ce)->status == execution_status::entered);
  CAF_CHECK_EQUAL(leg_of(st, 1, wing_ce)->entry_price, 10);
  CAF_CHECK_EQUAL(sent(0, side::buy, wing_ce), 1u);
}

CAF_TEST(an execution that dies entered is watched again and its max loss exits once) {
  auto s = hedged_straddle(risk_scope::account);
  s.max_loss = 1000;
  start(s, 1);
  enter(0, 100);
  crash_execution(short_ce);
  CAF_CHECK_EQUAL(subscriptions(short_ce, execution_of(1, short_ce)), 1u); // made again
  CAF_CHECK_EQUAL(subscriptions(short_ce, run), 1u); // the run's P&L, once
  price(wing_ce, 10);
  price(wing_pe, 12);
  price(short_pe, 100);
  price(short_ce, 116); // (100 − 116) × 65 = −1040 on the quantity the one made again told
  auto st = status();
  CAF_REQUIRE_EQUAL(fired(st).size(), 1u);
  CAF_CHECK(fired(st)[0].rule == exit_reason::max_loss);
  CAF_CHECK_EQUAL(sent(0, side::buy, short_ce), 1u);
  CAF_CHECK_EQUAL(sent(0, side::buy, short_pe), 1u);
  // The call's exit may reach the broker after the put's (the one made again asks the account
  // first): both are bought back at 116.
  fill_next(0, 116);
  fill_next(0, 116);
  fill_next(0, 10);
  fill_next(0, 12);
  st = status();
  CAF_CHECK(st.phase == run_phase::finished);
  CAF_CHECK(leg_of(st, 1, short_ce)->reason == exit_reason::max_loss);
  CAF_CHECK_EQUAL(leg_of(st, 1, short_ce)->exit_price, 116);
  CAF_CHECK_EQUAL(leg_of(st, 1, short_ce)->realized_pnl, -1040);
}

CAF_TEST(an execution that dies with its exit sent follows that exit and sends no second one) {
  start(hedged_straddle(risk_scope::account), 1);
  enter(0, 100);
  self->send(run, manual_exit{42, 0, 0});
  sched.run();
  CAF_REQUIRE_EQUAL(orders(0).size(), 6u); // the shorts are being bought back
  crash_execution(short_ce);
  CAF_CHECK_EQUAL(orders(0).size(), 6u);
  fill_next(0, 90); // the short call's exit, as sent before the crash
  fill_next(0, 95);
  CAF_REQUIRE_EQUAL(orders(0).size(), 8u); // then the wings
  fill_next(0, 10);
  fill_next(0, 12);
  auto st = status();
  CAF_CHECK(st.phase == run_phase::finished);
  CAF_CHECK_EQUAL(sent(0, side::buy, short_ce), 1u);
  CAF_CHECK(leg_of(st, 1, short_ce)->status == execution_status::exited);
  CAF_CHECK(leg_of(st, 1, short_ce)->reason == exit_reason::manual);
  CAF_CHECK_EQUAL(leg_of(st, 1, short_ce)->exit_price, 90);
}

CAF_TEST(an execution that dies as it is told to exit is told again and exits once) {
  start(hedged_straddle(risk_scope::account), 1);
  enter(0, 100);
  CAF_REQUIRE_EQUAL(orders(0).size(), 4u);
  // The short call's actor stops before it reads the exit it is told: the run hears of the
  // death after it told it (its exit lost in a dead mailbox), makes it again and tells again.
  auto victim = execution_of(1, short_ce);
  self->send_exit(victim, caf::make_error(caf::sec::runtime_error, "injected crash"));
  self->send(run, manual_exit{42, 0, 0});
  sched.run();
  auto remade = execution_of(1, short_ce);
  CAF_REQUIRE(remade);
  CAF_CHECK(remade != victim);
  CAF_REQUIRE_EQUAL(orders(0).size(), 6u); // both shorts bought back, once each
  CAF_CHECK_EQUAL(sent(0, side::buy, short_ce), 1u);
  CAF_CHECK_EQUAL(sent(0, side::buy, short_pe), 1u);
  fill_next(0, 90);
  fill_next(0, 95);
  CAF_REQUIRE_EQUAL(orders(0).size(), 8u); // then the wings
  fill_next(0, 10);
  fill_next(0, 12);
  auto st = status();
  CAF_CHECK(st.phase == run_phase::finished);
  CAF_CHECK_EQUAL(sent(0, side::buy, short_ce), 1u);
  CAF_CHECK(leg_of(st, 1, short_ce)->status == execution_status::exited);
  CAF_CHECK(leg_of(st, 1, short_ce)->reason == exit_reason::manual);
}

CAF_TEST(an execution that dies while its exit waits for the broker follows that order) {
  start(hedged_straddle(risk_scope::account), 1);
  enter(0, 100);
  broker(0).place_script = {hang{}}; // the first short's exit: the broker has not answered yet
  self->send(run, manual_exit{42, 0, 0});
  sched.run();
  CAF_REQUIRE_EQUAL(orders(0).size(), 6u);
  CAF_REQUIRE_EQUAL(broker(0).hung.size(), 1u);
  auto waiting = broker(0).placed[4]; // a copy: the list grows
  crash_execution(waiting.inst.symbol);
  CAF_CHECK_EQUAL(orders(0).size(), 6u); // the made-again execution sends nothing new
  // The broker answers at last: the account hands the order to the execution made again.
  broker(0).accepted["H1"] = waiting;
  { // a promise is delivered in its actor's context
    caf::scoped_execution_unit context{&sys};
    deref<broker_api_actor::stateful_base<fake_broker_state>>(accounts[0].broker)
      .context(&context);
    broker(0).hung[0].deliver(order_accepted{waiting.intent_id, {"H1"}});
  }
  sched.run();
  fill_next(0, 90);       // B5: the other short
  fill_next(0, 95, "H1"); // the one that waited
  CAF_REQUIRE_EQUAL(orders(0).size(), 8u); // then the wings
  fill_next(0, 10);
  fill_next(0, 12);
  auto st = status();
  CAF_CHECK(st.phase == run_phase::finished);
  CAF_CHECK_EQUAL(sent(0, side::buy, waiting.inst.symbol), 1u);
  CAF_CHECK(leg_of(st, 1, waiting.inst.symbol)->status == execution_status::exited);
  CAF_CHECK_EQUAL(leg_of(st, 1, waiting.inst.symbol)->exit_price, 95);
}

CAF_TEST(an execution that keeps dying leaves its position to a person) {
  start(hedged_straddle(risk_scope::account), 1);
  enter(0, 100);
  for (int i = 0; i < 3; ++i)
    crash_execution(short_ce);
  auto last = execution_of(1, short_ce);
  self->send_exit(last, caf::make_error(caf::sec::runtime_error, "injected crash"));
  sched.run();
  auto st = status();
  CAF_CHECK(st.phase == run_phase::needs_attention);
  CAF_CHECK(st.attention_reason.find("stopped 4 times") != std::string::npos);
  CAF_CHECK(!execution_of(1, short_ce));
}

CAF_TEST_FIXTURE_SCOPE_END()
