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
