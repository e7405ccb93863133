#pragma once

#include <chrono>
#include <memory>

#include <caf/fwd.hpp>

#include "messages/actors.hpp"
#include "messages/time.hpp"
#include "persistence/lease.hpp"

namespace algomirror {

/// Heartbeats `lease` every `interval`; tells `node` (lease_atom, held, why) on every change.
lease_keeper_actor spawn_lease_keeper(caf::actor_system& sys,
                                      std::shared_ptr<database_lease> lease, const clock* time,
                                      node_actor node, std::chrono::milliseconds interval);

} // namespace algomirror
