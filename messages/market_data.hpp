#pragma once

#include <cstdint>
#include <string>

#include "messages/instrument.hpp"
#include "messages/time.hpp"

namespace algomirror {

/// OpenAlgo's WebSocket subscription modes: 1 = LTP, 2 = Quote, 3 = Depth.
enum class feed_mode : uint8_t { ltp = 1, quote = 2, depth = 3 };

/// One price update of one instrument.
struct tick {
  instrument inst;
  double ltp = 0;
  double bid = 0;
  double ask = 0;
  int64_t volume = 0;
  utc_instant exchange_time;
  utc_instant received_at;

  friend bool operator==(const tick&, const tick&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tick& x) {
  return f(x.inst, x.ltp, x.bid, x.ask, x.volume, x.exchange_time, x.received_at);
}

/// No valid price for this instrument for longer than the staleness limit (§7).
struct price_stale {
  instrument inst;
  utc_instant last_valid_at;

  friend bool operator==(const price_stale&, const price_stale&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, price_stale& x) {
  return f(x.inst, x.last_valid_at);
}

enum class feed_condition : uint8_t { connected, failing_over, down };

/// The price feed's state, sent to subscribers and the node on every change.
struct feed_state {
  int64_t account_id = 0; ///< the account whose WebSocket carries the feed (0 = none)
  feed_condition condition = feed_condition::down;
  std::string reason;

  friend bool operator==(const feed_state&, const feed_state&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, feed_state& x) {
  return f(x.account_id, x.condition, x.reason);
}

/// The state of one OpenAlgo WebSocket link, told to its owner on every change.
enum class link_condition : uint8_t { ready, disconnected, auth_failed, stalled, stopped };

struct link_status {
  int64_t account_id = 0;
  link_condition condition = link_condition::disconnected;
  std::string reason;
  utc_instant at;
  friend bool operator==(const link_status&, const link_status&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, link_status& x) {
  return f(x.account_id, x.condition, x.reason, x.at);
}

/// A `failover_events` row: the feed moved from one account's WebSocket to another's (or to
/// none: `to_account_id` 0, `success` false).
struct failover_event {
  std::string write_id;
  int64_t from_account_id = 0;
  int64_t to_account_id = 0;
  std::string reason;
  bool success = true;
  std::string error_message;
  utc_instant at;
  friend bool operator==(const failover_event&, const failover_event&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, failover_event& x) {
  return f(x.write_id, x.from_account_id, x.to_account_id, x.reason, x.success,
           x.error_message, x.at);
}

/// A `websocket_connections` row: one connection of the feed to one account, from its start
/// (`connected_at`) to its end (`disconnected_at`); written again on every change, keyed by
/// `connection_id` (unique).
struct ws_connection_record {
  std::string connection_id;
  int64_t account_id = 0;
  std::string status; ///< connected, disconnected
  utc_instant connected_at;
  utc_instant disconnected_at;
  int64_t messages_received = 0;
  friend bool operator==(const ws_connection_record&, const ws_connection_record&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ws_connection_record& x) {
  return f(x.connection_id, x.account_id, x.status, x.connected_at, x.disconnected_at,
           x.messages_received);
}

/// One OHLC bar (history endpoint or built from ticks), `start` aligned to the session.
struct bar {
  utc_instant start;
  double open = 0;
  double high = 0;
  double low = 0;
  double close = 0;
  int64_t volume = 0;

  friend bool operator==(const bar&, const bar&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bar& x) {
  return f(x.start, x.open, x.high, x.low, x.close, x.volume);
}

} // namespace algomirror
