#pragma once

// `algomirror-node user add` and `algomirror-node account add|list|remove|set-primary|test`:
// data entry straight into the database until the console exists.

#include <iosfwd>
#include <string>

namespace CLI {
class App;
} // namespace CLI

namespace algomirror {

struct node_options;

struct admin_options {
  std::string username;
  std::string email;
  std::string user; ///< the owner of an account (default: the admin)
  std::string name;
  std::string broker;
  std::string host_url = "http://127.0.0.1:5000";
  std::string ws_url = "ws://127.0.0.1:8765";
  std::string api_key; ///< "-" = read a line from standard input; empty = ALGOMIRROR_API_KEY
  bool primary = false;
  bool offline = false; ///< account add without the ping
  int priority = 0;
  std::string file; ///< strategy import FILE
  int max_lots_per_leg = 100; ///< strategy import --max-lots-per-leg
  std::string out;  ///< strategy export --out FILE ("" = standard output)
};

/// The subcommands that were registered, to tell which one was parsed.
struct admin_commands {
  CLI::App* user_add = nullptr;
  CLI::App* account_add = nullptr;
  CLI::App* account_list = nullptr;
  CLI::App* account_remove = nullptr;
  CLI::App* account_set_primary = nullptr;
  CLI::App* account_test = nullptr;
  CLI::App* account_enable = nullptr;
  CLI::App* account_disable = nullptr;
  CLI::App* strategy_import = nullptr;
  CLI::App* strategy_export = nullptr;
  CLI::App* strategy_list = nullptr;
  CLI::App* strategy_delete = nullptr;

  /// Was any of them given?
  bool any() const;
  /// Does the given one change what a running node works from (refused while one runs)?
  bool changes_live_state() const;
  /// Does the given one only read (refused on a database that is not there)?
  bool reads_only() const;
};

admin_commands add_admin_commands(CLI::App& app, admin_options& opts);

/// Runs the parsed subcommand: 0 done, 1 it failed (database, broker), 2 bad input.
int run_admin_command(const admin_commands& which, const admin_options& opts,
                      const node_options& node, std::ostream& out, std::ostream& err);

} // namespace algomirror
