#pragma once

// Runs watched from the terminal until the console exists: `algomirror-node run STRATEGY`
// starts the node, executes the strategy and shows it live; typed commands exit the run, one
// account or one leg. `algomirror-node demo` does the same against a simulated broker it
// starts itself, with everything set up for it.

#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
} // namespace CLI

namespace algomirror {

struct node_options;
class node_runtime;

struct session_options {
  std::string strategy;              ///< by name
  std::vector<std::string> accounts; ///< by name; empty = the strategy's own
  bool force = false;                ///< outside market hours
  int exit_after_s = 0;  ///< 0 = never; else a manual exit of the whole run after this long
  int watch_limit_s = 0; ///< 0 = until the run ends; else stop watching after this long
};

struct demo_options {
  std::string dir = "algomirror-demo"; ///< database, master key, simulator files, logs
  std::string sim;                     ///< openalgo-sim (default: beside this executable)
  double speed = 10;                   ///< market seconds per real second
  int limit_s = 170;                   ///< the demo ends by itself within this
  bool serve = false; ///< keep the node up after the run, for algomirror-console
};

struct session_commands {
  CLI::App* run = nullptr;
  CLI::App* demo = nullptr;
};

session_commands add_session_commands(CLI::App& app, session_options& run, demo_options& demo);

/// Executes the strategy on a started node and shows it until it ends (or the limits); the
/// exit code: 0 the run finished, 1 it needs attention or was left running, 2 it was refused.
int run_session(node_runtime& node, const session_options& opts, std::ostream& out,
                std::ostream& err);

/// `algomirror-node run STRATEGY`: the node started on the options' database, then the session.
int run_command(const session_options& opts, const node_options& node, std::ostream& out,
                std::ostream& err);

/// `algomirror-node demo`: openalgo-sim with three accounts, a demo user, the accounts and a
/// hedged straddle set up in the database, a scripted price path that breaches the max loss,
/// the run shown live to its summary; the database is left to inspect.
int run_demo(const demo_options& opts, node_options node, bool db_given, std::ostream& out,
             std::ostream& err);

} // namespace algomirror
