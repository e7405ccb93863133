#pragma once

// `algomirror-node certs init DIR [--host H]…` and `certs issue DIR NAME` (operating.md §2).

#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
} // namespace CLI

namespace algomirror {

struct certs_options {
  std::string dir;
  std::string name;
  std::vector<std::string> hosts;
};

struct certs_commands {
  CLI::App* init = nullptr;
  CLI::App* issue = nullptr;
};

certs_commands add_certs_commands(CLI::App& app, certs_options& opts);

/// 0 done, 1 refused (an existing CA, an unreadable file), 2 bad input.
int run_certs_command(const certs_commands& which, const certs_options& opts, std::ostream& out,
                      std::ostream& err);

} // namespace algomirror
