#pragma once

// The database an offline subcommand works on (account, strategy, calendar, settings, db):
// opened (made, for a command that writes), refused while a node holds it for a command that
// changes what the node works from (operating.md §1), migrated.

#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>

#include "messages/result.hpp"
#include "persistence/database.hpp"

namespace CLI {
class App;
} // namespace CLI

namespace algomirror {

enum class command_access {
  read,        ///< only reads: the database must be there
  write,       ///< writes what no running node depends on
  live_change, ///< changes what a running node works from: refused while one runs
};

/// The migrated database at `url`, or nothing with the error written to `err`.
std::unique_ptr<database> open_command_database(const std::string& url, command_access access,
                                                std::ostream& err);

/// Was any of these subcommands given (null ones are not)?
bool any_parsed(std::initializer_list<const CLI::App*> commands);

/// A command's outcome: its text on `out` (0), or its error on `err` (`failure_code`).
int report(const result<std::string>& outcome, std::ostream& out, std::ostream& err,
           int failure_code = 2);

} // namespace algomirror
