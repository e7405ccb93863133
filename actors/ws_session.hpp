#pragma once

// A WebSocket session (architecture.md `ws_session`): an option chain (an underlying's strikes
// around ATM for one expiry) or a position monitor (the symbols of open positions). It keeps
// its symbols subscribed through the price feed and the latest tick of each; every heartbeat
// pushes its expiry `ttl` further; on expiry or close it releases its subscriptions, closes its
// `websocket_sessions` row and stops.

#include <chrono>
#include <vector>

#include <caf/fwd.hpp>

#include "domain/clock.hpp"
#include "messages/actors.hpp"
#include "messages/storage.hpp"

namespace algomirror {

struct ws_session_config {
  ws_session_record record; ///< session id, user, type, underlying
  std::vector<instrument> instruments;
  feed_mode mode = feed_mode::quote;
  price_feed_actor feed;
  store_actor store;           ///< may be null
  const clock* time = nullptr; ///< outlives the actor
  std::chrono::milliseconds ttl{std::chrono::minutes{5}};
};

/// The options of an option-chain session: `strikes_each_side` strikes below and above the ATM
/// strike (on `step`), calls and puts, for one expiry of `underlying`.
std::vector<instrument> option_chain_instruments(const underlying_spec& spec, double spot,
                                                 std::chrono::year_month_day expiry,
                                                 int strikes_each_side);

ws_session_actor spawn_ws_session(caf::actor_system& sys, ws_session_config cfg);

} // namespace algomirror
