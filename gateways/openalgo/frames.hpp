#pragma once

// Decoding OpenAlgo WebSocket frames (openalgo-api.md §1.8). Dispatch is on `type` first,
// then on status == "error" (error frames carry no type). Anything else is garbage: counted
// and logged by the caller, never fatal.

#include <string>
#include <string_view>

#include "messages/market_data.hpp"
#include "messages/orders.hpp"

namespace algomirror::openalgo {

enum class frame_kind : uint8_t {
  market_data,      ///< `tick` is set
  order_update,     ///< `order` is set
  auth,             ///< `ok`, `broker`, `message`
  subscribe_ack,    ///< `ok` (false when partial or error), `message`
  unsubscribe_ack,
  orders_ack,       ///< subscribe_orders / unsubscribe_orders
  pong,
  error,            ///< `code`, `message` (e.g. AUTHENTICATION_ERROR, NOT_AUTHENTICATED)
  other,            ///< a known-good frame we do not use (broker_info, …)
  garbage,          ///< not JSON, not an object, or a frame we cannot read; `message` says why
};

struct frame {
  frame_kind kind = frame_kind::garbage;
  bool ok = false;
  std::string code;
  std::string message;
  std::string broker;
  feed_mode mode = feed_mode::ltp;
  tick price;
  broker_order order;
};

/// Decodes one text frame received at `received_at`.
frame decode_frame(std::string_view text, utc_instant received_at);

} // namespace algomirror::openalgo
