#pragma once

#include <functional>
#include <string>
#include <vector>

#include "messages/result.hpp"
#include "persistence/database.hpp"

namespace algomirror {

/// One versioned schema change with its inverse. Released migrations are never edited: a
/// change to the schema is a new migration.
struct migration {
  int version = 0;
  std::string name;
  std::function<void(database&)> up;
  std::function<void(database&)> down;
};

/// Every migration, in version order.
const std::vector<migration>& migrations();

/// The newest version the code knows.
int latest_schema_version();

/// The version recorded in `schema_migrations` (0 for an empty database); creates that table
/// when missing.
int current_schema_version(database& db);

struct migration_report {
  int from = 0;
  int to = 0;
  std::vector<std::string> applied; ///< "3 add_x (up)" per step
};

/// Applies every pending migration, each in its own transaction; `progress` is told each step.
result<migration_report> migrate(database& db,
                                 const std::function<void(const std::string&)>& progress = {});

/// Undoes the newest `steps` migrations, each in its own transaction.
result<migration_report> rollback(database& db, int steps,
                                  const std::function<void(const std::string&)>& progress = {});

} // namespace algomirror
