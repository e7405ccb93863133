#pragma once

#include <chrono>
#include <memory>

#include <caf/fwd.hpp>

#include "messages/actors.hpp"
#include "persistence/database.hpp"

namespace algomirror {

/// The persistence actor's knobs (architecture.md, Persistence).
struct store_config {
  std::chrono::milliseconds flush_interval{100}; ///< routine writes wait at most this long
  size_t batch_rows = 500;                        ///< … or until this many are queued
  size_t queue_bound = 100'000;                   ///< routine writes beyond it are refused
  std::chrono::milliseconds coalesce_window{1000}; ///< one write per execution/run per window
  std::chrono::milliseconds retry_initial{50};     ///< back-off while the database is down …
  std::chrono::milliseconds retry_max{5000};       ///< … doubling up to this
  /// A transaction writes at most this many routine rows; the rest follow once the mailbox has
  /// been read, so a durable write (an exit's claim) waits for one chunk, not a whole backlog.
  size_t chunk_rows = 128;
  /// SQLite's write-ahead log is copied into the database (a checkpoint: milliseconds of
  /// writes) once it holds this many pages and the store has been idle `checkpoint_idle`, so
  /// no exit's commit pays for it; at `checkpoint_pages_max` it is copied whatever the load.
  uint64_t checkpoint_pages = 1000;
  std::chrono::milliseconds checkpoint_idle{200};
  uint64_t checkpoint_pages_max = 20'000;
};

/// Spawns the persistence actor owning `db`. `detached` (the default) gives it a thread of its
/// own, since it blocks on the database; deterministic tests spawn it on the test scheduler.
store_actor spawn_store(caf::actor_system& sys, std::shared_ptr<database> db,
                        store_config cfg = {}, bool detached = true);

} // namespace algomirror
