#pragma once

// The console's records (operating.md §2): users and their logins, failovers and risk events,
// read on the records actor's own database connection (detached: a slow query never holds up
// a scheduler thread). Trading state is never written here; that is the store's.

#include <memory>

#include <caf/fwd.hpp>

#include "messages/actors.hpp"
#include "persistence/database.hpp"

namespace algomirror {

records_actor spawn_records(caf::actor_system& sys, std::unique_ptr<database> db);

} // namespace algomirror
