// bench/domain: one tick's evaluation of a 4-leg run — the ticked leg's stop-loss/target, the
// P&L of all four positions and every strategy-level rule (performance.md: ≤ 1 µs).

#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "domain/pnl.hpp"
#include "domain/risk.hpp"

using namespace algomirror;

namespace {

struct leg_state {
  side action;
  double entry;
  int64_t quantity;
  threshold stop_loss;
  threshold take_profit;
  double ltp;
};

} // namespace

int main() {
  std::vector<leg_state> legs = {
    {side::sell, 120, 650, {threshold_kind::percentage, 60}, {threshold_kind::percentage, 90}, 120},
    {side::sell, 110, 650, {threshold_kind::percentage, 60}, {threshold_kind::percentage, 90}, 110},
    {side::buy, 30, 650, {threshold_kind::points, 25}, {threshold_kind::premium, 500}, 30},
    {side::buy, 25, 650, {threshold_kind::points, 20}, {threshold_kind::premium, 500}, 25},
  };
  strategy_risk_limits limits;
  limits.max_loss = 1e9; // on, but never reached: every rule is evaluated on every tick
  limits.max_profit = 1e9;
  limits.trailing = {threshold_kind::amount, 1e9};
  limits.exit_time = time_of_day{23 * 3600};
  limits.square_off_time = time_of_day{23 * 3600 + 1800};
  risk_latches latches;
  trailing_stop_state trailing;

  // Prices prepared beforehand: the loop measures only the rules.
  constexpr size_t ticks = 2'000'000;
  std::mt19937_64 rng{1};
  // Prices wander around the entries without reaching a stop or target: the usual tick.
  std::normal_distribution<double> noise{0, 0.02};
  std::vector<double> prices(ticks);
  const double base[4] = {120, 110, 30, 25};
  for (size_t i = 0; i < ticks; ++i)
    prices[i] = base[i % 4] * (1 + noise(rng));
  double net_premium = 0;
  for (auto& l : legs)
    net_premium += (l.action == side::buy ? 1 : -1) * l.entry * static_cast<double>(l.quantity);

  volatile double sink = 0;
  int fired = 0;
  auto run = [&](size_t n) {
    for (size_t i = 0; i < n; ++i) {
      auto& leg = legs[i % 4];
      leg.ltp = prices[i];
      if (evaluate_leg_risk(leg.action, leg.entry, leg.ltp, leg.stop_loss, leg.take_profit))
        ++fired;
      double pnl = 0;
      for (auto& l : legs)
        pnl += pnl_of({l.action, l.entry, l.quantity, 0, 0, l.ltp}).total();
      risk_snapshot s;
      s.pnl = pnl;
      s.net_premium = net_premium;
      s.entries_settled = true;
      s.ist_seconds = 11 * 3600;
      if (evaluate_strategy_risk(limits, s, latches, trailing))
        ++fired;
      sink = sink + pnl;
    }
  };
  run(100'000); // warm-up
  auto start = std::chrono::steady_clock::now();
  run(ticks);
  double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
                .count()
              / ticks;
  std::printf("domain.tick_evaluation               %8.1f ns   (4 legs: leg SL/TP, P&L, all "
              "strategy rules; %d rules fired)\n",
              ns, fired);
  if (ns <= 1000)
    std::printf("PASS (%.1f ns per tick <= 1000 ns)\n", ns);
  else
    std::printf("BELOW TARGET (%.1f ns per tick > 1000 ns)\n", ns);
  return 0;
}
