#pragma once

// `algomirror-node db backup|prune|archive|check` (issue 15): the database's upkeep. A backup,
// a prune and an archive may run while the node does (each on its own connection; SQLite's
// backup is a consistent copy); `check` reads only.

#include <iosfwd>
#include <string>

namespace CLI {
class App;
} // namespace CLI

namespace algomirror {

struct node_options;

struct db_options {
  std::string path;       ///< backup PATH
  int activity_days = 90; ///< prune --activity-days
  int orders_days = 30;   ///< archive --orders-days
};

struct db_commands {
  CLI::App* backup = nullptr;
  CLI::App* prune = nullptr;
  CLI::App* archive = nullptr;
  CLI::App* check = nullptr;

  bool any() const;
};

db_commands add_db_commands(CLI::App& app, db_options& opts);

/// Runs the parsed subcommand: 0 done (check: sound), 1 the database failed or check found
/// problems, 2 bad input.
int run_db_command(const db_commands& which, const db_options& opts, const node_options& node,
                   std::ostream& out, std::ostream& err);

} // namespace algomirror
