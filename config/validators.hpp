#pragma once

// Command-line validators whose messages name the bad value and what is allowed (every
// executable uses them; CLI11's own print ranges like "0 to 1.79e308").

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace algomirror {

CLI::Validator positive_number();
CLI::Validator int_range(int lo, int hi);
CLI::Validator one_of(std::vector<std::string> allowed);
CLI::Validator iso8601_instant();
CLI::Validator database_url();

} // namespace algomirror
