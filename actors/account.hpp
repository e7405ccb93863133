#pragma once

// The account actor: one per trading account (architecture.md). It owns the account's
// broker_api handle, the order rate limit (a moving window), every order intent of the account
// and its freeze-split children until each is terminal, the broker position snapshot, the
// margin ledger, the account's order-update link and its connection health.

#include <chrono>
#include <functional>

#include <caf/fwd.hpp>

#include "domain/clock.hpp"
#include "domain/instruments.hpp"
#include "messages/actors.hpp"
#include "messages/storage.hpp"

namespace algomirror {

/// Receivers of a link's ticks, order updates and state changes (any may be null).
struct link_owner {
  tick_subscriber_actor ticks;
  order_listener_actor orders;
  link_listener_actor state;
};

/// Makes a WebSocket link for an account with the given owner; apps/ wires the Beast gateway,
/// tests a scripted fake.
using link_maker = std::function<market_data_link_actor(const account_record&, link_owner)>;

struct account_config {
  account_record record;
  broker_api_actor api;
  store_actor store;             ///< may be null (tests without persistence)
  link_maker order_link;         ///< empty: no order-update link, status polling only
  status_listener_actor status_listener; ///< may be null: told every health change
  const clock* time = nullptr;   ///< outlives the actor
  instrument_table instruments = default_instruments();
  size_t orders_per_window = 10; ///< the broker's moving window: at most this many orders …
  std::chrono::milliseconds order_window{1000}; ///< … in any window of this length
  std::chrono::milliseconds request_timeout{15'000}; ///< beyond the REST client's own timeout
  std::chrono::milliseconds status_poll_interval{1000}; ///< at most one status call per interval
  /// With the order-update link ready, an order is polled only after this long without news.
  std::chrono::milliseconds link_quiet_before_poll{5000};
  std::chrono::milliseconds ping_interval{30'000};
  int ping_failures_to_disconnect = 3;
  /// After an unknown outcome (timeout, 5xx, lost reply), wait this long, then ask the
  /// broker's orderbook whether the order exists before anything is sent again.
  std::chrono::milliseconds unknown_settle_delay{2000};
  int max_resends = 2; ///< re-sends of a child the orderbook showed was never placed
  /// Positions are read from the broker again when the last positionbook read is older
  /// (trading-rules.md §10 step 2); fills keep the snapshot current in between.
  std::chrono::milliseconds snapshot_max_age{5000};
  /// While the account holds a position, its positionbook is read in the background when the
  /// last read is this old, so that an exit finds the snapshot younger than `snapshot_max_age`
  /// and is sized at once instead of waiting for a read (one REST round trip on every exit of a
  /// position held for longer than that). Zero: read only when asked.
  std::chrono::milliseconds snapshot_keep_fresh{4000};
  /// The tradebook (the positionbook's cross-check) is read again in the background, off the
  /// exits' path, when a positions read finds it older than this; fills keep it current.
  std::chrono::milliseconds tradebook_max_age{60'000};
  /// trading-rules.md §5: orders of one symbol go one after another — the next (a freeze-split
  /// leg's next child, or another intent on that symbol) only once the previous placement is
  /// answered; other symbols stay parallel. OpenAlgo's sandbox loses a position update when two
  /// fills of one symbol race. Off only to show that race in tests.
  bool sequence_symbol_orders = true;
};

account_actor spawn_account(caf::actor_system& sys, account_config cfg);

} // namespace algomirror
