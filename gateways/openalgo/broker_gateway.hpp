#pragma once

// The `broker_api` gateway: one OpenAlgo REST endpoint as an actor. It holds the account's API
// key decrypted (only here, only in memory), builds request bodies, posts them through the
// Beast client on the io thread and decodes the replies into typed values or typed errors
// (errc: rejected, not_found, rate_limited, unauthorized, outcome_unknown, malformed_reply).
// Completions come back into the actor with anon_send; the io thread never touches actor
// state.

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/fwd.hpp>

#include "messages/time.hpp"

#include "gateways/openalgo/replies.hpp"
#include "gateways/openalgo/rest_client.hpp"
#include "messages/actors.hpp"

namespace algomirror::openalgo {

struct broker_gateway_config {
  int64_t account_id = 0;
  std::string account_name;
  rest_client_config rest;
  std::string api_key; ///< decrypted; never logged, never in an error
  std::string strategy_name = "AlgoMirror"; ///< OpenAlgo's `strategy` on status/cancel calls
  const clock* time = nullptr; ///< stamps replies: the node's clock (required; outlives it)
};

broker_api_actor spawn_broker_gateway(caf::actor_system& sys, boost::asio::io_context& io,
                                      broker_gateway_config cfg);

/// The caf::error of a decoded reply error: its kind as errc, the HTTP status and the server's
/// message as context.
caf::error to_error(const reply_error& e, const std::string& account_name);

} // namespace algomirror::openalgo
