#pragma once

// The database an offline subcommand works on (account, strategy, calendar, settings, db):
// opened (made, for a command that writes), refused while a node holds it for a command that
// changes what the node works from (operating.md §1), migrated.

#include <iosfwd>
#include <memory>
#include <string>

#include "persistence/database.hpp"

namespace algomirror {

enum class command_access {
  read,        ///< only reads: the database must be there
  write,       ///< writes what no running node depends on
  live_change, ///< changes what a running node works from: refused while one runs
};

/// The migrated database at `url`, or nothing with the error written to `err`.
std::unique_ptr<database> open_command_database(const std::string& url, command_access access,
                                                std::ostream& err);

} // namespace algomirror
