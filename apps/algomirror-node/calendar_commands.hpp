#pragma once

// `algomirror-node calendar …` (issue 15): the market calendar kept in the database —
// holidays (one by one, or the exchange's published list), special sessions, trading-hours
// templates, and the acknowledgement of a year without a holiday list. Lists read; changes are
// refused while a node runs on the database (it reads the calendar at start).

#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
} // namespace CLI

namespace algomirror {

struct node_options;

struct calendar_options {
  int year = 0;                     ///< --year (0 = every year) / acknowledge YEAR
  std::string date;                 ///< DATE
  std::string name;                 ///< NAME
  std::string file;                 ///< import FILE
  std::vector<std::string> markets; ///< --market (repeatable)
  std::string open;                 ///< --open HH:MM
  std::string close;                ///< --close HH:MM
  std::string pre_open;             ///< --pre-open HH:MM-HH:MM
  std::string weekdays = "1,2,3,4,5";
  std::string user;                 ///< --user (default: the admin)
};

struct calendar_commands {
  CLI::App* holidays_list = nullptr;
  CLI::App* holidays_add = nullptr;
  CLI::App* holidays_remove = nullptr;
  CLI::App* holidays_import = nullptr;
  CLI::App* sessions_list = nullptr;
  CLI::App* sessions_add = nullptr;
  CLI::App* sessions_remove = nullptr;
  CLI::App* templates_list = nullptr;
  CLI::App* templates_set = nullptr;
  CLI::App* acknowledge = nullptr;

  bool any() const;
  bool reads_only() const;
};

calendar_commands add_calendar_commands(CLI::App& app, calendar_options& opts);

/// Runs the parsed subcommand: 0 done, 1 the database failed, 2 bad input.
int run_calendar_command(const calendar_commands& which, const calendar_options& opts,
                         const node_options& node, std::ostream& out, std::ostream& err);

} // namespace algomirror
