#pragma once

#include <iosfwd>
#include <string>

namespace CLI {
class App;
} // namespace CLI

namespace algomirror {

struct supertrend_command_options {
  std::string csv;
  int period = 7;
  double multiplier = 3.0;
};

/// Adds `indicator supertrend --csv FILE --period P --multiplier M` to `app`; returns the
/// `supertrend` subcommand (true once parsed).
CLI::App* add_indicator_commands(CLI::App& app, supertrend_command_options& opts);

/// Prints `index,supertrend,direction` per bar (empty fields before the first valid bar).
/// Returns 0, or 2 after reporting bad rows with their line numbers.
int run_supertrend_command(const supertrend_command_options& opts, std::ostream& out,
                           std::ostream& err);

} // namespace algomirror
