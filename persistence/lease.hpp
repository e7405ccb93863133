#pragma once

// operating.md §1: one node, one database. The node takes an exclusive lease on its database
// at start and holds it while it runs: SQLite — an exclusive flock on PATH.lock beside the
// database file; PostgreSQL — a session-level advisory lock on a dedicated connection. The
// `node_lease` row says who holds it, for humans and for the refusal messages.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "messages/result.hpp"
#include "messages/time.hpp"

namespace algomirror {

class database;

/// Who holds (or last held) the lease, from the `node_lease` row.
struct lease_holder {
  std::string host;
  int64_t pid = 0;
  std::string version;
  std::string since;     ///< UTC, ISO 8601
  std::string heartbeat; ///< UTC, ISO 8601
};

/// "node on HOST, pid N, since T" (T in IST).
std::string describe_holder(const lease_holder& h);

/// The advisory lock key of the PostgreSQL lease (fixed: one node per database).
inline constexpr int64_t lease_lock_key = 0x416c676f4d697272; // "AlgoMirr"

/// A held lease. Destroying it releases the lock and marks the row released.
class database_lease {
public:
  /// Takes the lease on `url` or says who holds it ("held by node on HOST, pid N, since T:
  /// stop it, or operate it with algomirror-console").
  static result<std::unique_ptr<database_lease>> acquire(const std::string& url,
                                                         const std::string& version,
                                                         utc_instant now);

  ~database_lease();
  database_lease(const database_lease&) = delete;
  database_lease& operator=(const database_lease&) = delete;

  /// Refreshes the row's heartbeat and checks the lock. PostgreSQL: a dropped lock connection
  /// is opened again and the lock re-taken; false when that fails (the database is down, or
  /// another node took the lock). SQLite: the flock cannot be lost while the process lives.
  bool heartbeat(utc_instant now);

  /// Whether the lock was held at the last heartbeat.
  bool held() const;

  /// Why the lock is not held (empty while it is).
  const std::string& problem() const;

  struct impl;

  /// Made by the factory above (impl is defined only in the .cpp, so nothing else can).
  explicit database_lease(std::unique_ptr<impl> p);

private:
  std::unique_ptr<impl> impl_;
};

/// For offline subcommands: the holder when a node holds the lease on `url` now, nothing when
/// no node does. The check takes and drops the lock at once.
result<std::optional<lease_holder>> current_lease_holder(const std::string& url);

} // namespace algomirror
