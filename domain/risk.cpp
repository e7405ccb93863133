#include "domain/risk.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "domain/pnl.hpp"

namespace algomirror {

namespace {

bool on(double threshold_value) {
  return std::isfinite(threshold_value) && threshold_value != 0;
}

bool on(const threshold& t) {
  return t.kind != threshold_kind::off && on(t.value);
}

std::string money_text(double x) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.2f", x);
  return buf;
}

std::string clock_text(int32_t seconds) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%02d:%02d", seconds / 3600, seconds / 60 % 60);
  return buf;
}

risk_decision fired(exit_reason rule, double trigger, double threshold_value,
                    std::string reason) {
  return {rule, trigger, threshold_value, std::move(reason)};
}

} // namespace

double trailing_distance(const threshold& t, double net_premium) {
  switch (t.kind) {
    case threshold_kind::percentage:
      return std::fabs(net_premium) * t.value / 100.0;
    case threshold_kind::amount:
    case threshold_kind::points: // the predecessor's name: rupees at strategy level
      return t.value;
    default:
      return 0;
  }
}

risk_snapshot scope_snapshot(const std::vector<scope_position>& positions) {
  risk_snapshot s;
  s.entries_settled = true;
  for (auto& p : positions) {
    s.pnl += p.realized + p.unrealized;
    if (p.status == execution_status::pending)
      s.entries_settled = false;
    if (p.quantity > 0 && p.status != execution_status::failed
        && p.status != execution_status::skipped && p.status != execution_status::pending) {
      auto value = p.entry_price * static_cast<double>(p.quantity);
      s.net_premium += p.action == side::buy ? value : -value;
    }
    bool open = p.status == execution_status::entered || p.status == execution_status::exit_pending;
    if (open && !p.price_valid)
      s.prices_fresh = false;
  }
  return s;
}

void advance_trailing(const strategy_risk_limits& limits, const risk_snapshot& s,
                      trailing_stop_state& trailing, std::optional<double> peak_pnl) {
  if (!s.prices_fresh)
    return;
  // The ratchet moves on every coherent P&L, armed or not, so the peak is this run's highest.
  if (peak_pnl)
    trailing.peak = std::max(trailing.peak, *peak_pnl);
  if (on(limits.trailing) && !trailing.armed && s.entries_settled) {
    trailing.armed = true;
    trailing.distance = trailing_distance(limits.trailing, s.net_premium);
    trailing.initial = -trailing.distance;
    trailing.stop = trailing.initial + trailing.peak;
  }
  if (trailing.armed)
    trailing.stop = std::max(trailing.stop, trailing.initial + trailing.peak);
}

std::optional<risk_decision> crossed_rule(const strategy_risk_limits& limits,
                                          const risk_snapshot& s, const risk_latches& latches,
                                          const trailing_stop_state& trailing) {
  if (s.prices_fresh) {
    if (on(limits.max_loss) && !latches.max_loss && s.pnl <= -std::fabs(limits.max_loss))
      return fired(exit_reason::max_loss, s.pnl, -std::fabs(limits.max_loss),
                   "P&L " + money_text(s.pnl) + " reached the max loss of "
                     + money_text(-std::fabs(limits.max_loss)));
    if (on(limits.max_profit) && !latches.max_profit && s.pnl >= std::fabs(limits.max_profit))
      return fired(exit_reason::max_profit, s.pnl, std::fabs(limits.max_profit),
                   "P&L " + money_text(s.pnl) + " reached the max profit of "
                     + money_text(std::fabs(limits.max_profit)));
    if (trailing.armed && !latches.trailing_stop && s.pnl <= trailing.stop)
      return fired(exit_reason::trailing_stop, s.pnl, trailing.stop,
                   "P&L " + money_text(s.pnl) + " fell to the trailing stop "
                     + money_text(trailing.stop) + " (peak " + money_text(trailing.peak)
                     + ", distance " + money_text(trailing.distance) + ")");
  }
  if (s.supertrend_exit && !latches.supertrend)
    return fired(exit_reason::supertrend_exit, s.pnl, 0,
                 "the last closed Supertrend bar calls for an exit");
  if (s.trading_day && s.ist_seconds >= 0) {
    if (limits.square_off_time.seconds >= 0 && !latches.square_off
        && s.ist_seconds >= limits.square_off_time.seconds)
      return fired(exit_reason::square_off, s.pnl, limits.square_off_time.seconds,
                   "square-off time " + clock_text(limits.square_off_time.seconds) + " IST");
    if (limits.exit_time.seconds >= 0 && !latches.exit_time
        && s.ist_seconds >= limits.exit_time.seconds)
      return fired(exit_reason::exit_time, s.pnl, limits.exit_time.seconds,
                   "exit time " + clock_text(limits.exit_time.seconds) + " IST");
  }
  return std::nullopt;
}

void latch(risk_latches& latches, exit_reason rule) {
  switch (rule) {
    case exit_reason::max_loss: latches.max_loss = true; break;
    case exit_reason::max_profit: latches.max_profit = true; break;
    case exit_reason::trailing_stop: latches.trailing_stop = true; break;
    case exit_reason::supertrend_exit: latches.supertrend = true; break;
    case exit_reason::square_off: latches.square_off = true; break;
    case exit_reason::exit_time: latches.exit_time = true; break;
    default: break;
  }
}

std::optional<risk_decision> evaluate_strategy_risk(const strategy_risk_limits& limits,
                                                    const risk_snapshot& s,
                                                    risk_latches& latches,
                                                    trailing_stop_state& trailing) {
  advance_trailing(limits, s, trailing, s.pnl);
  auto d = crossed_rule(limits, s, latches, trailing);
  if (d)
    latch(latches, d->rule);
  return d;
}

/// Prices are in paise: a computed stop or target is rounded to 2 decimals, so that 10 % above
/// 100 is 110 and not 110.00000000000001 (which an LTP of 110 would never reach).
double paise(double price) {
  return std::round(price * 100.0) / 100.0;
}

std::optional<double> leg_stop_price(side action, double entry, const threshold& t) {
  if (!on(t))
    return std::nullopt;
  bool buy = action == side::buy;
  switch (t.kind) {
    case threshold_kind::percentage:
      return paise(buy ? entry * (1 - t.value / 100) : entry * (1 + t.value / 100));
    case threshold_kind::points:
    case threshold_kind::amount:
      return paise(buy ? entry - t.value : entry + t.value);
    case threshold_kind::premium:
      return t.value;
    default:
      return std::nullopt;
  }
}

std::optional<double> leg_target_price(side action, double entry, const threshold& t) {
  if (!on(t))
    return std::nullopt;
  bool buy = action == side::buy;
  switch (t.kind) {
    case threshold_kind::percentage:
      return paise(buy ? entry * (1 + t.value / 100) : entry * (1 - t.value / 100));
    case threshold_kind::points:
    case threshold_kind::amount:
      return paise(buy ? entry + t.value : entry - t.value);
    case threshold_kind::premium:
      return t.value;
    default:
      return std::nullopt;
  }
}

std::optional<risk_decision> evaluate_leg_risk(side action, double entry, double ltp,
                                               const threshold& stop_loss,
                                               const threshold& take_profit) {
  if (!valid_price(ltp))
    return std::nullopt;
  bool buy = action == side::buy;
  if (auto stop = leg_stop_price(action, entry, stop_loss)) {
    if (buy ? ltp <= *stop : ltp >= *stop)
      return fired(exit_reason::stop_loss, ltp, *stop,
                   "LTP " + money_text(ltp) + " hit the stop-loss " + money_text(*stop));
  }
  if (auto target = leg_target_price(action, entry, take_profit)) {
    if (buy ? ltp >= *target : ltp <= *target)
      return fired(exit_reason::take_profit, ltp, *target,
                   "LTP " + money_text(ltp) + " hit the target " + money_text(*target));
  }
  return std::nullopt;
}

} // namespace algomirror
