#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/instrument.hpp"
#include "messages/time.hpp"

namespace algomirror {

/// strategy_executions.status (architecture.md, Persistence). `entered` is the seed's `active`.
enum class execution_status : uint8_t {
  pending,
  entered,
  exit_pending,
  exited,
  exit_stuck,
  failed,
  skipped,
};

/// Why a position was (or is being) exited.
enum class exit_reason : uint8_t {
  none,
  max_loss,
  max_profit,
  trailing_stop,
  supertrend_exit,
  exit_time,
  square_off,
  stop_loss,
  take_profit,
  hedge_exit,
  manual,
  broker_reconciled,
};

/// One position of a run on one account: the state an `execution` actor owns.
struct execution_state {
  int64_t execution_id = 0; ///< 0 until the row is created
  std::string write_id;     ///< unique per creating write (idempotent replay)
  int64_t run_id = 0;
  int64_t strategy_id = 0;
  int64_t account_id = 0;
  int64_t leg_id = 0;
  instrument inst;
  side action = side::buy;
  product order_product = product::mis;
  int64_t quantity = 0;
  double entry_price = 0;
  double exit_price = 0;
  double last_price = 0;
  double realized_pnl = 0;
  double unrealized_pnl = 0;
  execution_status status = execution_status::pending;
  exit_reason reason = exit_reason::none;
  int32_t exit_attempts = 0;
  std::vector<std::string> entry_order_ids;
  std::vector<std::string> exit_order_ids;
  utc_instant entered_at;
  utc_instant exit_claimed_at;
  utc_instant exited_at;
  std::string error_message;
  std::string underlying;
  /// The leg's own rules when they fired: when, and at which price (the tick that crossed).
  utc_instant sl_hit_at;
  double sl_hit_price = 0;
  utc_instant tp_hit_at;
  double tp_hit_price = 0;
  double peak_pnl = 0; ///< the best P&L (realized + unrealized) the position reached
  double max_loss_amount = 0; ///< the strategy's max loss (₹) its scope exits at; 0 = none

  friend bool operator==(const execution_state&, const execution_state&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, execution_state& x) {
  return f(x.execution_id, x.write_id, x.run_id, x.strategy_id, x.account_id, x.leg_id, x.inst, x.action,
           x.order_product, x.quantity, x.entry_price, x.exit_price, x.last_price,
           x.realized_pnl, x.unrealized_pnl, x.status, x.reason, x.exit_attempts,
           x.entry_order_ids, x.exit_order_ids, x.entered_at, x.exit_claimed_at, x.exited_at,
           x.error_message, x.underlying, x.sl_hit_at, x.sl_hit_price, x.tp_hit_at,
           x.tp_hit_price, x.peak_pnl, x.max_loss_amount);
}

/// execution → strategy_run: P&L after a price change.
struct execution_pnl {
  int64_t execution_id = 0;
  double realized = 0;
  double unrealized = 0;
  bool price_valid = false;
  double ltp = 0;            ///< the price the unrealized P&L is at
  int64_t open_quantity = 0; ///< the quantity still open (what the unrealized P&L is of)
  utc_instant price_at;      ///< when that price was received (the tick's own stamp)

  friend bool operator==(const execution_pnl&, const execution_pnl&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, execution_pnl& x) {
  return f(x.execution_id, x.realized, x.unrealized, x.price_valid, x.ltp, x.open_quantity,
           x.price_at);
}

/// strategy_run / console → execution: leave the position.
struct exit_request {
  exit_reason reason = exit_reason::manual;
  std::string details;

  friend bool operator==(const exit_request&, const exit_request&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exit_request& x) {
  return f(x.reason, x.details);
}

/// execution → strategy_run: the broker's positionbook and tradebook disagree about this
/// position (an OpenAlgo sandbox that lost a position update): the exit went by the smaller,
/// the rest waits for the two to agree, and a person should look.
struct position_disputed {
  int64_t execution_id = 0;
  int64_t positionbook_net = 0;
  int64_t tradebook_net = 0;
  int64_t exiting = 0; ///< what this attempt sends (the smaller, in the position's direction)

  friend bool operator==(const position_disputed&, const position_disputed&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, position_disputed& x) {
  return f(x.execution_id, x.positionbook_net, x.tradebook_net, x.exiting);
}

/// execution → strategy_run: the exit protocol gave up after its attempt limit (§10 step 5).
struct exit_stuck {
  int64_t execution_id = 0;
  int32_t attempts = 0;
  std::string last_error;

  friend bool operator==(const exit_stuck&, const exit_stuck&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exit_stuck& x) {
  return f(x.execution_id, x.attempts, x.last_error);
}

} // namespace algomirror
