#pragma once

// The execution actor (architecture.md, trading-rules.md §7, §8 leg rules, §10): one position
// of a run on one account. It enters when told (the run orders BUY legs before SELL legs),
// aggregates the entry fills of its freeze-split children, follows its price, reports P&L,
// applies the leg stop-loss and target, and runs the exit protocol: claim (durable, never
// blocked by the database), size against the broker's position (never a reverse position),
// send, wait for the fill, retry after a delay on rejection or partial fill, `exit_stuck`
// after the attempt limit. One exit at a time; a second request while one is in flight
// changes nothing.

#include <chrono>

#include <caf/fwd.hpp>

#include "domain/clock.hpp"
#include "messages/actors.hpp"
#include "messages/strategy.hpp"

namespace algomirror {

struct execution_config {
  execution_state state;            ///< the row (id, run, account, instrument, side, quantity)
  leg_definition leg;               ///< order type, leg stop-loss and target
  account_actor account;
  price_feed_actor feed;            ///< may be null: no prices (tests)
  store_actor store;                ///< may be null
  execution_listener_actor run;     ///< may be null
  const clock* time = nullptr;      ///< outlives the actor
  std::chrono::milliseconds retry_delay{10'000}; ///< §10 step 5
  int max_attempts = 5;
  std::chrono::milliseconds claim_timeout{1'000}; ///< never wait longer for the store
  std::chrono::milliseconds pnl_write_interval{1'000}; ///< routine P&L rows, at most this often
  /// Exit price protection (§10 step 3): 0 = MARKET exits; else a LIMIT at LTP ± this
  /// percentage, cancelled and re-priced every `reprice_interval` until filled.
  double exit_price_protection_pct = 0;
  std::chrono::milliseconds reprice_interval{2'000};
  /// A hedge (trading-rules.md §6): its own stop-loss or target is told to the run as
  /// `leg_exit_due` instead of exiting, so that the short it protects goes first.
  bool defer_leg_exits = false;
  /// Made again after the execution actor died (crash-only), from its durable row: its entry
  /// and an exit in flight are followed at the account (`order_intent::resume_only`), never
  /// sent twice; what the account does not have was never sent.
  bool resumed = false;
};

execution_actor spawn_execution(caf::actor_system& sys, execution_config cfg);

} // namespace algomirror
