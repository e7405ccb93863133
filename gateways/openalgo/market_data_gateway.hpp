#pragma once

// The `market_data_link` gateway: one OpenAlgo WebSocket as an actor. It authenticates with the
// account's key (held only here), keeps subscriptions across reconnects, and forwards what
// arrives — typed ticks to the tick sink, order updates to the order sink, link state changes
// to the state sink — as messages sent by the link itself, so an owner can tell a link it has
// left from its current one. Garbage frames are counted and logged, never forwarded.
// Stall detection is the owner's (the price feed knows when the market is open).

#include <cstdint>

#include <caf/fwd.hpp>

#include "gateways/openalgo/ws_client.hpp"
#include "messages/actors.hpp"

namespace algomirror::openalgo {

struct link_sinks {
  tick_subscriber_actor ticks;  ///< may be null: ticks are not wanted
  order_listener_actor orders;  ///< may be null
  link_listener_actor state;    ///< may be null
};

struct market_data_gateway_config {
  int64_t account_id = 0;
  std::string account_name;
  ws_client_config ws; ///< carries the API key; never logged
};

market_data_link_actor spawn_market_data_gateway(caf::actor_system& sys,
                                                 boost::asio::io_context& io,
                                                 market_data_gateway_config cfg, link_sinks sinks);

} // namespace algomirror::openalgo
