#pragma once

// trading-rules.md §8: the strategy-level and leg-level risk rules, as decisions. Nothing here
// acts: the run and execution actors do what the decision says.

#include <optional>
#include <string>

#include "messages/execution.hpp"
#include "messages/strategy.hpp"

namespace algomirror {

/// A rule that fired: which, the value that triggered it, the threshold, and why in words.
struct risk_decision {
  exit_reason rule = exit_reason::none;
  double trigger_value = 0;
  double threshold_value = 0;
  std::string reason;
};

/// The strategy-level limits of one risk scope. A threshold absent or 0 means off.
struct strategy_risk_limits {
  double max_loss = 0;
  double max_profit = 0;
  threshold trailing; ///< percentage of |net premium|, or amount (= points) in rupees
  time_of_day exit_time;
  time_of_day square_off_time;

  static strategy_risk_limits of(const strategy_definition& s) {
    return {s.max_loss, s.max_profit, s.trailing_stop, s.exit_time, s.square_off_time};
  }
};

/// Each rule fires at most once per run; a new run starts with all clear.
struct risk_latches {
  bool max_loss = false;
  bool max_profit = false;
  bool trailing_stop = false;
  bool supertrend = false;
  bool exit_time = false;
  bool square_off = false;
};

/// The ratchet. Not armed until every entry leg of the scope is filled, rejected or skipped;
/// then initial = −D and stop = max(previous stop, initial + peak), peak = max(0, highest P&L
/// seen this run).
struct trailing_stop_state {
  bool armed = false;
  double distance = 0; ///< D
  double initial = 0;  ///< −D
  double peak = 0;
  double stop = 0;
};

/// What the rules look at, on every price change of the scope's positions.
struct risk_snapshot {
  double pnl = 0;                ///< Σ realized + Σ unrealized, this run, this scope
  double net_premium = 0;        ///< Σ BUY entry×qty − Σ SELL entry×qty over filled legs
  bool entries_settled = false;  ///< every entry leg filled, rejected or skipped
  bool prices_fresh = true;      ///< P&L rules wait while a price is missing or stale
  bool supertrend_exit = false;  ///< the last closed bar calls for an exit (§9)
  bool trading_day = true;       ///< today is a trading day of the strategy's market
  int32_t ist_seconds = -1;      ///< IST seconds since midnight now (-1 = unknown)
};

/// One position of a risk scope, as the snapshot sums it (trading-rules.md §7, §8).
struct scope_position {
  side action = side::buy;
  execution_status status = execution_status::pending;
  int64_t quantity = 0;   ///< filled entry quantity
  double entry_price = 0; ///< average entry fill
  double realized = 0;
  double unrealized = 0;
  bool price_valid = false; ///< a valid LTP has come since the entry
};

/// The P&L part of a scope's snapshot: pnl = Σ realized + Σ unrealized (an exit in flight keeps
/// its unrealized P&L); net premium = Σ BUY entry×qty − Σ SELL entry×qty over filled legs;
/// entries settled once no position is still `pending`; prices fresh while every open position
/// has a valid price. Time, Supertrend and the trading day are the caller's to fill in.
risk_snapshot scope_snapshot(const std::vector<scope_position>& positions);

/// The trailing stop follows a snapshot with fresh prices: the peak rises to `peak_pnl` (the
/// coherent P&L it may take now, if any), the stop arms once entries are settled, the ratchet.
void advance_trailing(const strategy_risk_limits& limits, const risk_snapshot& s,
                      trailing_stop_state& trailing, std::optional<double> peak_pnl);

/// The first rule, in the order of §8, that the snapshot crosses and whose latch is clear.
/// Nothing is changed: the caller confirms the crossing (coherent prices), then latches it.
std::optional<risk_decision> crossed_rule(const strategy_risk_limits& limits,
                                          const risk_snapshot& s, const risk_latches& latches,
                                          const trailing_stop_state& trailing);

/// Sets the latch of `rule` (once per run).
void latch(risk_latches& latches, exit_reason rule);

/// Updates the trailing stop from `s` (peak, arming, ratchet), then applies the rules in
/// order — max loss, max profit, trailing stop, Supertrend, square-off and exit time — and
/// returns the first that fires (its latch set), or nothing.
std::optional<risk_decision> evaluate_strategy_risk(const strategy_risk_limits& limits,
                                                    const risk_snapshot& s,
                                                    risk_latches& latches,
                                                    trailing_stop_state& trailing);

/// D of the trailing stop: |net premium| × v ÷ 100 for percentage, v for amount or points.
double trailing_distance(const threshold& t, double net_premium);

/// A leg's stop price: percentage: BUY entry×(1−v/100), SELL entry×(1+v/100); points (or
/// amount): BUY entry−v, SELL entry+v; premium: v. Nothing when off.
std::optional<double> leg_stop_price(side action, double entry, const threshold& t);

/// A leg's target price, the mirror image of its stop price.
std::optional<double> leg_target_price(side action, double entry, const threshold& t);

/// Leg-level rules on every tick of the leg: stop-loss first, then take-profit.
std::optional<risk_decision> evaluate_leg_risk(side action, double entry, double ltp,
                                               const threshold& stop_loss,
                                               const threshold& take_profit);

} // namespace algomirror
