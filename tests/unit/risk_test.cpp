#define CAF_SUITE domain.risk
#include "tests/test.hpp"

#include <random>

#include "domain/risk.hpp"

using namespace algomirror;

namespace {

struct run_guard {
  strategy_risk_limits limits;
  risk_latches latches;
  trailing_stop_state trailing;

  std::optional<risk_decision> at(double pnl, bool settled = true, double net_premium = 4300) {
    risk_snapshot s;
    s.pnl = pnl;
    s.net_premium = net_premium;
    s.entries_settled = settled;
    return evaluate_strategy_risk(limits, s, latches, trailing);
  }
};

/// The price of an optional that must be there (no reference into a temporary).
double value_of(std::optional<double> x) {
  CAF_REQUIRE(x.has_value());
  return *x;
}

} // namespace

CAF_TEST(the worked trailing stop example) {
  run_guard g;
  g.limits.trailing = {threshold_kind::percentage, 20};
  CAF_CHECK(!g.at(100).has_value());
  CAF_CHECK_EQUAL(g.trailing.distance, 860); // D = 4300 × 20 %
  CAF_CHECK_EQUAL(g.trailing.stop, -760);    // peak 100
  CAF_CHECK(!g.at(1200).has_value());
  CAF_CHECK_EQUAL(g.trailing.stop, 340); // peak 1,200
  CAF_CHECK(!g.at(500).has_value());
  CAF_CHECK_EQUAL(g.trailing.stop, 340); // never moves down
  CAF_CHECK(!g.at(340.01).has_value());
  auto d = g.at(340);
  CAF_REQUIRE(d.has_value());
  CAF_CHECK(d->rule == exit_reason::trailing_stop);
  CAF_CHECK_EQUAL(d->threshold_value, 340);
  CAF_CHECK_EQUAL(d->trigger_value, 340);
  CAF_CHECK(!g.at(0).has_value()); // the latch: once per run
}

CAF_TEST(the trailing stop is armed only once entries are settled) {
  run_guard g;
  g.limits.trailing = {threshold_kind::percentage, 20};
  g.limits.max_loss = 5000;
  CAF_CHECK(!g.at(300, false).has_value()); // peak 300 counts once armed
  CAF_CHECK(!g.trailing.armed);
  CAF_CHECK(!g.at(-1000, false).has_value()); // not armed: no trailing exit
  auto loss = g.at(-5000, false);              // max loss still applies
  CAF_REQUIRE(loss.has_value());
  CAF_CHECK(loss->rule == exit_reason::max_loss);
  run_guard h;
  h.limits.trailing = {threshold_kind::percentage, 20};
  h.at(300, false);
  h.at(100, true);
  CAF_CHECK(h.trailing.armed);
  CAF_CHECK_EQUAL(h.trailing.stop, -560); // −860 + peak 300
}

CAF_TEST(amount and points trailing stops are rupees) {
  run_guard g;
  g.limits.trailing = {threshold_kind::amount, 1000};
  g.at(0);
  CAF_CHECK_EQUAL(g.trailing.stop, -1000);
  run_guard p;
  p.limits.trailing = {threshold_kind::points, 750};
  p.at(200);
  CAF_CHECK_EQUAL(p.trailing.stop, -550);
}

CAF_TEST(max loss and max profit fire exactly on their thresholds) {
  run_guard g;
  g.limits.max_loss = 5000;
  g.limits.max_profit = 8000;
  CAF_CHECK(!g.at(-4999.99).has_value());
  auto loss = g.at(-5000);
  CAF_REQUIRE(loss.has_value());
  CAF_CHECK(loss->rule == exit_reason::max_loss);
  CAF_CHECK_EQUAL(loss->threshold_value, -5000);
  CAF_CHECK(!g.at(-6000).has_value()); // latched
  run_guard neg; // a negative configured max loss means the same
  neg.limits.max_loss = -5000;
  CAF_CHECK(neg.at(-5000).has_value());
  run_guard profit;
  profit.limits.max_profit = 8000;
  CAF_CHECK(!profit.at(7999.99).has_value());
  auto d = profit.at(8000);
  CAF_REQUIRE(d.has_value());
  CAF_CHECK(d->rule == exit_reason::max_profit);
  run_guard off; // absent or 0 means off
  CAF_CHECK(!off.at(-1e9).has_value());
  CAF_CHECK(!off.at(1e9).has_value());
}

CAF_TEST(rules apply in order and the first that fires wins) {
  run_guard g;
  g.limits.max_loss = 500;
  g.limits.trailing = {threshold_kind::amount, 100};
  auto d = g.at(-600); // both max loss and trailing stop would fire
  CAF_REQUIRE(d.has_value());
  CAF_CHECK(d->rule == exit_reason::max_loss);
  auto next = g.at(-600);
  CAF_REQUIRE(next.has_value());
  CAF_CHECK(next->rule == exit_reason::trailing_stop);
  CAF_CHECK(!g.at(-600).has_value());
}

CAF_TEST(stale prices hold the P&L rules but not the clock) {
  run_guard g;
  g.limits.max_loss = 500;
  g.limits.exit_time = time_of_day{15 * 3600};
  risk_snapshot s;
  s.pnl = -10'000;
  s.prices_fresh = false;
  s.ist_seconds = 14 * 3600;
  CAF_CHECK(!evaluate_strategy_risk(g.limits, s, g.latches, g.trailing).has_value());
  s.ist_seconds = 15 * 3600;
  auto d = evaluate_strategy_risk(g.limits, s, g.latches, g.trailing);
  CAF_REQUIRE(d.has_value());
  CAF_CHECK(d->rule == exit_reason::exit_time);
}

CAF_TEST(exit and square off times on trading days only) {
  strategy_risk_limits limits;
  limits.exit_time = time_of_day{15 * 3600};
  limits.square_off_time = time_of_day{15 * 3600 + 15 * 60};
  risk_latches latches;
  trailing_stop_state trailing;
  risk_snapshot s;
  s.ist_seconds = 14 * 3600 + 59 * 60 + 59;
  CAF_CHECK(!evaluate_strategy_risk(limits, s, latches, trailing).has_value());
  s.ist_seconds = 15 * 3600 + 20 * 60; // past both: the hard deadline first
  auto d = evaluate_strategy_risk(limits, s, latches, trailing);
  CAF_REQUIRE(d.has_value());
  CAF_CHECK(d->rule == exit_reason::square_off);
  CAF_CHECK(d->reason.find("15:15") != std::string::npos);
  risk_latches fresh;
  s.trading_day = false;
  CAF_CHECK(!evaluate_strategy_risk(limits, s, fresh, trailing).has_value());
}

CAF_TEST(a supertrend exit fires once) {
  strategy_risk_limits limits;
  risk_latches latches;
  trailing_stop_state trailing;
  risk_snapshot s;
  s.supertrend_exit = true;
  auto d = evaluate_strategy_risk(limits, s, latches, trailing);
  CAF_REQUIRE(d.has_value());
  CAF_CHECK(d->rule == exit_reason::supertrend_exit);
  CAF_CHECK(!evaluate_strategy_risk(limits, s, latches, trailing).has_value());
}

CAF_TEST(property the trailing stop never moves down) {
  std::mt19937_64 rng{2026};
  std::normal_distribution<double> step{0, 150};
  for (int run = 0; run < 200; ++run) {
    run_guard g;
    g.limits.trailing = {run % 2 ? threshold_kind::percentage : threshold_kind::amount,
                         run % 2 ? 25.0 : 900.0};
    double pnl = 0, last_stop = -1e18;
    for (int t = 0; t < 500; ++t) {
      pnl += step(rng);
      g.at(pnl, t > 20);
      if (g.trailing.armed) {
        CAF_REQUIRE(g.trailing.stop >= last_stop);
        CAF_REQUIRE(g.trailing.stop == g.trailing.initial + g.trailing.peak
                    || g.trailing.stop > g.trailing.initial + g.trailing.peak - 1e-9);
        last_stop = g.trailing.stop;
      }
    }
  }
}

CAF_TEST(leg stop loss and target for both sides) {
  threshold sl10{threshold_kind::percentage, 10}, tp10{threshold_kind::percentage, 10};
  CAF_CHECK_EQUAL(value_of(leg_stop_price(side::buy, 100, sl10)), 90);
  CAF_CHECK_EQUAL(value_of(leg_stop_price(side::sell, 100, sl10)), 110);
  CAF_CHECK_EQUAL(value_of(leg_target_price(side::buy, 100, tp10)), 110);
  CAF_CHECK_EQUAL(value_of(leg_target_price(side::sell, 100, tp10)), 90);
  CAF_CHECK_EQUAL(value_of(leg_stop_price(side::buy, 100, {threshold_kind::points, 5})), 95);
  CAF_CHECK_EQUAL(value_of(leg_stop_price(side::sell, 100, {threshold_kind::points, 5})), 105);
  CAF_CHECK_EQUAL(value_of(leg_stop_price(side::sell, 100, {threshold_kind::premium, 130})), 130);
  CAF_CHECK(!leg_stop_price(side::buy, 100, {threshold_kind::percentage, 0}).has_value());
  CAF_CHECK(!leg_stop_price(side::buy, 100, {}).has_value());
  CAF_CHECK_EQUAL(value_of(leg_target_price(side::buy, 250.35, {threshold_kind::percentage, 20})), 300.42);

  CAF_CHECK(!evaluate_leg_risk(side::buy, 100, 90.01, sl10, tp10).has_value());
  auto buy_sl = evaluate_leg_risk(side::buy, 100, 90, sl10, tp10);
  CAF_REQUIRE(buy_sl.has_value());
  CAF_CHECK(buy_sl->rule == exit_reason::stop_loss);
  CAF_CHECK_EQUAL(buy_sl->threshold_value, 90);
  auto buy_tp = evaluate_leg_risk(side::buy, 100, 110, sl10, tp10);
  CAF_REQUIRE(buy_tp.has_value());
  CAF_CHECK(buy_tp->rule == exit_reason::take_profit);
  auto sell_sl = evaluate_leg_risk(side::sell, 100, 110, sl10, tp10);
  CAF_REQUIRE(sell_sl.has_value());
  CAF_CHECK(sell_sl->rule == exit_reason::stop_loss);
  auto sell_tp = evaluate_leg_risk(side::sell, 100, 90, sl10, tp10);
  CAF_REQUIRE(sell_tp.has_value());
  CAF_CHECK(sell_tp->rule == exit_reason::take_profit);
  CAF_CHECK(!evaluate_leg_risk(side::sell, 100, 109.99, sl10, tp10).has_value());
  // Stop-loss is checked first when both are hit.
  auto both = evaluate_leg_risk(side::buy, 100, 100, {threshold_kind::premium, 100},
                                {threshold_kind::premium, 100});
  CAF_REQUIRE(both.has_value());
  CAF_CHECK(both->rule == exit_reason::stop_loss);
  // A zero or missing price never fires.
  CAF_CHECK(!evaluate_leg_risk(side::buy, 100, 0, sl10, tp10).has_value());
}

CAF_TEST(a scope snapshot sums the current run and keeps an exit in flight) {
  using es = execution_status;
  // Hedged straddle, one lot (65): wings bought at 10 and 12, shorts sold at 100 and 90.
  std::vector<scope_position> p{
    {side::buy, es::entered, 65, 10, 0, 65 * 2.0, true},        // wing up 2
    {side::buy, es::exited, 65, 12, -65 * 2.0, 0, true},        // wing sold 2 lower
    {side::sell, es::exit_pending, 65, 100, 0, -65 * 16.0, true}, // exit in flight: still counts
    {side::sell, es::entered, 65, 90, 0, 65 * 5.0, true}};
  auto s = scope_snapshot(p);
  CAF_CHECK_EQUAL(s.pnl, 65 * (2.0 - 2.0 - 16.0 + 5.0));
  CAF_CHECK_EQUAL(s.net_premium, 65 * (10.0 + 12.0 - 100.0 - 90.0)); // −10,920: a credit
  CAF_CHECK(s.entries_settled);
  CAF_CHECK(s.prices_fresh);
  p[3].price_valid = false; // an open leg with no price yet: rules on P&L wait
  CAF_CHECK(!scope_snapshot(p).prices_fresh);
  p[3].price_valid = true;
  p.push_back({side::sell, es::pending, 0, 0, 0, 0, false}); // an entry still going
  CAF_CHECK(!scope_snapshot(p).entries_settled);
  CAF_CHECK(scope_snapshot(p).prices_fresh); // a pending leg has no price to wait for
  p.back().status = es::skipped;
  CAF_CHECK(scope_snapshot(p).entries_settled);
  CAF_CHECK_EQUAL(scope_snapshot(p).net_premium, 65 * (10.0 + 12.0 - 100.0 - 90.0));
}
