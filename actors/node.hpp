#pragma once

#include <chrono>
#include <string>

#include <caf/fwd.hpp>

#include "domain/clock.hpp"
#include "messages/actors.hpp"

namespace algomirror {

/// What the node actor is given at start: the gateways apps/ made, and the clock.
struct node_config {
  store_actor store;
  const clock* time = nullptr; ///< outlives the actor system
  std::string database_label;  ///< for status; password masked
  std::chrono::seconds shutdown_timeout{30};
};

/// Spawns the node actor: the process's registry, supervision and shutdown order.
node_actor spawn_node(caf::actor_system& sys, node_config cfg);

} // namespace algomirror
