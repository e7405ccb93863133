#pragma once

// The strategy_run actor (architecture.md; trading-rules.md §2–§9): one run of a strategy on
// many accounts. It takes one spot snapshot per underlying, resolves expiries, strikes and
// symbols, sizes every account (accounts without margin are skipped, with the reason), spawns
// one `execution` per (account, leg), enters every account in parallel — within an account the
// SELL legs only after its BUY legs are filled (a hedge that fails or is late means no naked
// short) —, evaluates the strategy-level rules per risk scope on every price change (max loss,
// max profit, trailing stop, Supertrend on the combined premium, exit and square-off time),
// writes a `risk_events` row for every rule that fires, and exits each account shorts first,
// longs after the shorts' fills; a stuck short keeps its hedge. A hedge's own stop-loss or
// target exits the short it protects first.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "domain/clock.hpp"
#include "domain/instruments.hpp"
#include "domain/sizing.hpp"
#include "messages/actors.hpp"
#include "messages/storage.hpp"

namespace algomirror {

/// An account the run trades on.
struct run_account {
  account_record record;
  account_actor handle;
};

struct strategy_run_config {
  int64_t run_id = 0; ///< the `strategy_runs` row (0: the run creates it)
  strategy_definition strategy;
  std::vector<run_account> accounts;
  market_data_actor market_api; ///< spot quotes, expiries, premium quotes, history (failover)
  price_feed_actor feed;       ///< may be null (no live prices)
  store_actor store;           ///< may be null (tests)
  run_listener_actor listener; ///< may be null: told the final status when the run ends
  market_clock_actor timers;   ///< may be null: exit/square-off times then come with ticks only
  const clock* time = nullptr; ///< outlives the actor
  calendar_data calendar;
  instrument_table instruments = default_instruments();
  std::map<std::string, margin_rates> margins = default_margin_rates();
  std::vector<quality_grade> grades = default_grades();
  /// §6: an account's BUY legs must be filled within this, or its SELL legs are not sent.
  std::chrono::milliseconds buy_fill_timeout{30'000};
  std::chrono::milliseconds spot_max_age{5'000}; ///< §3: a feed price older than this is re-quoted
  std::chrono::milliseconds request_timeout{20'000};
  std::chrono::milliseconds bar_check_interval{1'000}; ///< Supertrend: close bars on time
  /// §8 coherent prices: a crossing waits this long for the other legs' refreshed prices;
  /// then max loss and trailing stop fire on what they have (naming the stale legs), max
  /// profit never.
  std::chrono::milliseconds coherence_timeout{2'000};
  // The executions' exit protocol (§10).
  std::chrono::milliseconds exit_retry_delay{10'000};
  int exit_max_attempts = 5;
  std::chrono::milliseconds claim_timeout{1'000};
  std::chrono::milliseconds pnl_write_interval{1'000};
  /// Recovery after a restart: the run's row and its unfinished executions, from the
  /// database. Instead of resolving and entering, the run asks each account's orderbook and
  /// positionbook what became of them (domain/reconcile), applies it, and resumes monitoring;
  /// an account it cannot ask keeps its positions untouched and the run `needs_attention`.
  bool recovering = false;
  run_record recovered;
  std::vector<execution_state> recovered_executions;
  /// An order of ours still open at the broker at recovery: read again this often, this many
  /// times, then the run needs attention.
  std::chrono::milliseconds recovery_recheck_interval{2'000};
  int recovery_rechecks = 60;
  /// An execution actor that dies is made again from its durable row, at most this many
  /// times per position; after that the run needs attention (its position is not watched).
  int execution_restarts = 3;
};

strategy_run_actor spawn_strategy_run(caf::actor_system& sys, strategy_run_config cfg);

} // namespace algomirror
