#pragma once

#include <memory>

#include <caf/fwd.hpp>

#include "messages/actors.hpp"
#include "persistence/database.hpp"

namespace algomirror {

/// Spawns the persistence actor on its own thread (it blocks on the database), owning `db`.
store_actor spawn_store(caf::actor_system& sys, std::shared_ptr<database> db);

} // namespace algomirror
