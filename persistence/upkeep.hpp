#pragma once

// Database upkeep (the `db` subcommands, issue 15; the seed's "Database Maintenance" and "Data
// Integrity"): a backup while the node runs, pruning the activity log, archiving old orders,
// and a check of the file and the constraints. Offline work on a connection of its own.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "messages/result.hpp"
#include "messages/time.hpp"
#include "persistence/database.hpp"

namespace algomirror {

/// Copies the database at `url` to the file `path` (which must not exist): SQLite through its
/// online backup API (a consistent copy while the node writes), PostgreSQL through `pg_dump`
/// (plain SQL; the password goes to it in its environment, never on its command line).
/// Says what was written.
result<std::string> backup_database(const std::string& url, const std::string& path);

/// Deletes activity_logs rows older than `days` days before `now`; says how many.
result<std::string> prune_activity(database& db, int days, utc_instant now);

/// Moves orders placed more than `days` days before `now` that are finished (complete,
/// rejected, cancelled) into orders_archive, same columns, in one transaction; open orders
/// stay whatever their age. Says how many.
result<std::string> archive_orders(database& db, int days, utc_instant now);

/// What `db check` found: each line a problem naming the table and the fix; none = sound.
struct check_report {
  std::vector<std::string> problems;
  std::vector<std::string> checked; ///< what was looked at, for the operator
};

/// SQLite's integrity_check and foreign_key_check (PostgreSQL keeps both itself: its
/// references are checked by counting orphans), the seed's constraints on the rows (account
/// names of at least 3 characters, unique per user; one primary account per user) and
/// updated_at present wherever the table has it.
check_report check_database(database& db);

} // namespace algomirror
