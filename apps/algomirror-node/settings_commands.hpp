#pragma once

// `algomirror-node settings list|instrument|grade|margin|reset` (issue 15): a user's
// instrument table, trade-quality grades and margins per lot, as runs read them at their
// start (the defaults, with the user's own rows over them). Changes are allowed while a node
// runs: they count from its next run.

#include <iosfwd>
#include <map>
#include <optional>
#include <string>

namespace CLI {
class App;
} // namespace CLI

namespace algomirror {

struct node_options;

struct settings_options {
  std::string user; ///< --user (default: the admin)
  std::string key;  ///< SYMBOL / GRADE / INSTRUMENT
  std::string kind; ///< reset KIND
  std::optional<int64_t> lot, next_month_lot, freeze;
  std::optional<double> strike_step;
  std::optional<std::string> exchange;
  std::optional<double> percent;
  std::optional<std::string> source;
  std::map<std::string, double> margins; ///< option name (without --) → ₹ per lot
};

struct settings_commands {
  CLI::App* list = nullptr;
  CLI::App* instrument = nullptr;
  CLI::App* grade = nullptr;
  CLI::App* margin = nullptr;
  CLI::App* reset = nullptr;

  bool any() const;
};

settings_commands add_settings_commands(CLI::App& app, settings_options& opts);

/// Runs the parsed subcommand: 0 done, 1 the database failed, 2 bad input.
int run_settings_command(const settings_commands& which, const settings_options& opts,
                         const node_options& node, std::ostream& out, std::ostream& err);

} // namespace algomirror
