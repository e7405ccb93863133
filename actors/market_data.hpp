#pragma once

// The market data of runs (architecture.md `market_data`): spot quotes, multiquotes, expiries
// and history through the accounts' REST APIs in failover order. A call that fails for a reason
// of the account (down, timed out, rate-limited, refused key, unreadable reply) goes to the next
// account; an answer about the request itself (an unknown symbol, bad input) is the answer. The
// account that answered last is asked first next time, so a dead primary costs one timeout,
// not one per call.

#include <chrono>
#include <vector>

#include <caf/fwd.hpp>

#include "messages/actors.hpp"

namespace algomirror {

struct market_data_config {
  std::vector<broker_api_actor> sources; ///< in failover order (primary first)
  std::chrono::milliseconds timeout{5000}; ///< per account and call
};

/// Whether an error is the account's (another account may answer) rather than the request's.
bool account_failure(const caf::error& err);

market_data_actor spawn_market_data(caf::actor_system& sys, market_data_config cfg);

} // namespace algomirror
