#pragma once

// algomirror-console's commands as typed: their names, arguments and --help (CLI11).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace algomirror::console_app {

/// One command as parsed: its name and every argument any command takes.
struct command_args {
  std::string name;
  std::string account;
  std::vector<std::string> accounts;
  std::string strategy;
  std::string file;
  std::string username;
  std::string email;
  std::vector<std::string> symbols;
  int64_t run = 0;
  int64_t leg = 0;
  bool all = false;
  bool force = false;
  bool follow = false;
  bool json = false;
  int limit_s = 0; ///< streams: stop after this long (0 = until it ends or Ctrl-C)
  // account add
  std::string host_url;
  std::string ws_url;
  std::string api_key; ///< '-' = read from standard input; default ALGOMIRROR_API_KEY
  std::string broker;
  bool offline = false;
  bool primary = false;
  // chain
  std::string underlying;
  std::string expiry;
  int strikes = 5;
  std::string out_file; ///< strategy export --out
  // settings instrument|grade|margin|reset KEY --FIELD VALUE
  std::string settings_kind;
  std::string settings_key;
  std::map<std::string, std::string> settings_fields;
  std::string settings_reset_kind; ///< settings reset KIND KEY
};

/// Every top-level command's name (completion, usage).
const std::vector<std::string>& command_names();

/// The commands (and their --help) on `app`; what was given lands in `a`.
void add_commands(CLI::App& app, command_args& a);

} // namespace algomirror::console_app
