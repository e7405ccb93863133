#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/instrument.hpp"
#include "messages/time.hpp"

namespace algomirror {

/// strategy_legs.product_type
enum class leg_product : uint8_t { options, futures, equity };

/// strategy_legs.expiry
enum class expiry_choice : uint8_t { current_week, next_week, current_month, next_month };

/// strategy_legs.strike_selection
enum class strike_selection : uint8_t { atm, itm, otm, strike_price, premium_near };

/// How a stop-loss, target or trailing-stop value is read (trading-rules.md §8).
/// `off` stands for an absent type or a 0 value.
enum class threshold_kind : uint8_t { off, percentage, points, premium, amount };

/// strategies.market_condition
enum class market_condition : uint8_t { any, expiry, non_expiry };

/// Whose P&L a strategy-level rule guards (trading-rules.md §7).
enum class risk_scope : uint8_t { account, run };

enum class supertrend_exit_kind : uint8_t { breakout, breakdown };

struct threshold {
  threshold_kind kind = threshold_kind::off;
  double value = 0;

  friend bool operator==(const threshold&, const threshold&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, threshold& x) {
  return f(x.kind, x.value);
}

/// One leg of a strategy definition (a `strategy_legs` row).
struct leg_definition {
  int64_t id = 0;
  int32_t leg_number = 0;
  std::string underlying; ///< NIFTY, BANKNIFTY, SENSEX, ...
  leg_product product_kind = leg_product::options;
  expiry_choice expiry = expiry_choice::current_week;
  side action = side::buy;
  option_type option = option_type::ce;
  strike_selection strike = strike_selection::atm;
  int32_t strike_offset = 0;
  double strike_price = 0;
  double premium_target = 50;
  price_type order_kind = price_type::market;
  double limit_price = 0;
  double trigger_price = 0;
  int32_t lots = 1;
  threshold stop_loss;
  threshold take_profit;

  friend bool operator==(const leg_definition&, const leg_definition&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, leg_definition& x) {
  return f(x.id, x.leg_number, x.underlying, x.product_kind, x.expiry, x.action, x.option,
           x.strike, x.strike_offset, x.strike_price, x.premium_target, x.order_kind,
           x.limit_price, x.trigger_price, x.lots, x.stop_loss, x.take_profit);
}

struct supertrend_settings {
  bool enabled = false;
  supertrend_exit_kind kind = supertrend_exit_kind::breakout;
  int32_t period = 7;
  double multiplier = 3.0;
  std::string timeframe = "5m";

  friend bool operator==(const supertrend_settings&, const supertrend_settings&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, supertrend_settings& x) {
  return f(x.enabled, x.kind, x.period, x.multiplier, x.timeframe);
}

/// A strategy with its legs (a `strategies` row and its `strategy_legs`).
struct strategy_definition {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string name;
  std::string description;
  market_condition condition = market_condition::any;
  std::string risk_profile = "fixed_lots"; ///< fixed_lots | grade_A | grade_B | grade_C
  time_of_day entry_time;
  time_of_day exit_time;
  time_of_day square_off_time;
  double max_loss = 0;   ///< 0 = off
  double max_profit = 0; ///< 0 = off
  threshold trailing_stop;
  supertrend_settings supertrend;
  risk_scope scope = risk_scope::account;
  product order_product = product::mis;
  double exit_price_protection_pct = 0; ///< 0 = MARKET exits
  std::vector<int64_t> account_ids;
  std::vector<leg_definition> legs;

  friend bool operator==(const strategy_definition&, const strategy_definition&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, strategy_definition& x) {
  return f(x.id, x.user_id, x.name, x.description, x.condition, x.risk_profile, x.entry_time,
           x.exit_time, x.square_off_time, x.max_loss, x.max_profit, x.trailing_stop,
           x.supertrend, x.scope, x.order_product, x.exit_price_protection_pct, x.account_ids,
           x.legs);
}

} // namespace algomirror
