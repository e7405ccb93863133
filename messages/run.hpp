#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/execution.hpp"
#include "messages/orders.hpp"
#include "messages/risk.hpp"
#include "messages/time.hpp"

namespace algomirror {

/// console → node: run a strategy now on the given accounts (empty = the strategy's own).
struct execute_request {
  int64_t strategy_id = 0;
  std::vector<int64_t> account_ids;
  bool force = false; ///< run outside market hours (trading-rules.md §11)

  friend bool operator==(const execute_request&, const execute_request&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, execute_request& x) {
  return f(x.strategy_id, x.account_ids, x.force);
}

struct run_started {
  int64_t run_id = 0;
  int64_t strategy_id = 0;

  friend bool operator==(const run_started&, const run_started&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_started& x) {
  return f(x.run_id, x.strategy_id);
}

/// strategy_runs.status
enum class run_phase : uint8_t { resolving, entering, live, exiting, finished, needs_attention };

/// An account the run left out, with the reason (e.g. `insufficient_margin`).
struct skipped_account {
  int64_t account_id = 0;
  std::string reason;

  friend bool operator==(const skipped_account&, const skipped_account&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, skipped_account& x) {
  return f(x.account_id, x.reason);
}

/// One risk scope of a run (an account, or the whole run): its P&L and trailing stop.
struct scope_status {
  int64_t account_id = 0; ///< 0 = the whole run (risk_scope run)
  double pnl = 0;
  bool trailing_armed = false;
  double trailing_stop = 0;
  double peak = 0;
  exit_reason exiting = exit_reason::none; ///< the rule (or manual) that is exiting it

  friend bool operator==(const scope_status&, const scope_status&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scope_status& x) {
  return f(x.account_id, x.pnl, x.trailing_armed, x.trailing_stop, x.peak, x.exiting);
}

/// A run as the console shows it.
struct run_status {
  int64_t run_id = 0;
  int64_t strategy_id = 0;
  run_phase phase = run_phase::resolving;
  double realized_pnl = 0;
  double unrealized_pnl = 0;
  double trailing_stop_level = 0;
  bool trailing_stop_armed = false;
  std::vector<execution_state> executions;
  std::vector<skipped_account> skipped;
  std::string strategy_name;
  std::string end_reason;    ///< why the run ended or is ending (a rule, manual, an error)
  std::vector<risk_event> risk_events; ///< the rules that fired, in order
  std::vector<scope_status> scopes;
  std::string attention_reason; ///< why a person must look (phase needs_attention)
  int32_t leg_count = 0; ///< in a headline (`executions` left out): how many legs it has

  friend bool operator==(const run_status&, const run_status&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_status& x) {
  return f(x.run_id, x.strategy_id, x.phase, x.realized_pnl, x.unrealized_pnl,
           x.trailing_stop_level, x.trailing_stop_armed, x.executions, x.skipped,
           x.strategy_name, x.end_reason, x.risk_events, x.scopes, x.attention_reason,
           x.leg_count);
}

/// execution → strategy_run: the entry filled.
struct execution_entered {
  int64_t execution_id = 0;
  fill entry;

  friend bool operator==(const execution_entered&, const execution_entered&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, execution_entered& x) {
  return f(x.execution_id, x.entry);
}

/// execution → strategy_run: the entry did not happen (refused, nothing filled).
struct execution_failed {
  int64_t execution_id = 0;
  std::string error;

  friend bool operator==(const execution_failed&, const execution_failed&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, execution_failed& x) {
  return f(x.execution_id, x.error);
}

/// execution → strategy_run: the position is closed.
struct execution_exited {
  int64_t execution_id = 0;
  fill exit_fill;
  exit_reason reason = exit_reason::none;

  friend bool operator==(const execution_exited&, const execution_exited&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, execution_exited& x) {
  return f(x.execution_id, x.exit_fill, x.reason);
}

/// execution → strategy_run: a hedge's own stop-loss or target hit. A hedge never exits by
/// itself while its short is open (trading-rules.md §6): the run exits the short first (reason
/// `hedge_exit`), then the hedge with this rule.
struct leg_exit_due {
  int64_t execution_id = 0;
  exit_reason rule = exit_reason::none;
  double price = 0;
  std::string reason;

  friend bool operator==(const leg_exit_due&, const leg_exit_due&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, leg_exit_due& x) {
  return f(x.execution_id, x.rule, x.price, x.reason);
}

/// console → node → runs: a manual exit (trading-rules.md §8, `manual`). `run_id` 0 = every
/// live run; `account_id` 0 = every account; `execution_id` 0 = every leg. A hedge named alone
/// still has its short exited first.
struct manual_exit {
  int64_t run_id = 0;
  int64_t account_id = 0;
  int64_t execution_id = 0;

  friend bool operator==(const manual_exit&, const manual_exit&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, manual_exit& x) {
  return f(x.run_id, x.account_id, x.execution_id);
}

/// Market sessions and strategy timers (market_clock → listeners).
struct session_opened {
  std::string market;
  utc_instant at;

  friend bool operator==(const session_opened&, const session_opened&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_opened& x) {
  return f(x.market, x.at);
}

struct session_closed {
  std::string market;
  utc_instant at;

  friend bool operator==(const session_closed&, const session_closed&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_closed& x) {
  return f(x.market, x.at);
}

enum class strategy_timer : uint8_t { entry, exit, square_off };

struct timer_due {
  int64_t strategy_id = 0;
  strategy_timer timer = strategy_timer::entry;
  utc_instant at;

  friend bool operator==(const timer_due&, const timer_due&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, timer_due& x) {
  return f(x.strategy_id, x.timer, x.at);
}

} // namespace algomirror
