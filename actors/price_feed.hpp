#pragma once

// The price feed (architecture.md): one market-data connection at a time, through the
// accounts in failover order (primary first, then by priority, then by id); reference-counted
// subscriptions per (symbol, exchange, mode) with fan-out of typed ticks; the last valid price
// per symbol (zero, negative or non-finite prices are dropped and counted); stall detection
// while the market is open; failover with back-off, re-subscribing everything; REST quotes
// while every account is down.

#include <chrono>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/account.hpp"
#include "domain/clock.hpp"
#include "messages/actors.hpp"
#include "messages/storage.hpp"

namespace algomirror {

/// One account the feed may use: its record (for the link) and its REST gateway (quotes).
struct feed_source {
  account_record record;
  broker_api_actor api; ///< may be null: no quote fallback through this account
};

struct price_feed_config {
  std::vector<feed_source> sources; ///< ordered by `failover_order` (or as given)
  link_maker make_link;
  store_actor store;           ///< may be null
  const clock* time = nullptr; ///< outlives the actor
  bool market_open = true;     ///< at start; then session_opened / session_closed
  std::chrono::milliseconds stall_timeout{5'000};    ///< no tick this long (market open) = stall
  std::chrono::milliseconds check_interval{100};     ///< stall / connect / staleness checks
  std::chrono::milliseconds connect_timeout{3'000};  ///< a link not ready by then is failed
  std::chrono::milliseconds backoff_initial{1'000};  ///< a failed account rests this long …
  std::chrono::milliseconds backoff_max{60'000};     ///< … doubling up to this
  std::chrono::milliseconds stale_after{60'000};     ///< trading-rules.md §7
  std::chrono::milliseconds quote_interval{500};     ///< REST fallback: one quote per interval
  /// A paced subscriber (a positions row, a display: nothing that decides on the price) gets
  /// the latest price at most this often, not every tick.
  std::chrono::milliseconds paced_interval{250};
};

/// Sorts accounts into failover order: active ones only, the primary first, then by priority
/// (lower first), then by id.
std::vector<account_record> failover_order(std::vector<account_record> accounts);

price_feed_actor spawn_price_feed(caf::actor_system& sys, price_feed_config cfg);

} // namespace algomirror
