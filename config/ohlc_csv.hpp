#pragma once

// Reading `index,open,high,low,close` rows (the `indicator supertrend` command, tests).

#include <string>
#include <string_view>
#include <vector>

#include "messages/result.hpp"

namespace algomirror {

struct ohlc_row {
  std::string index; ///< as written (a number or a timestamp), echoed in the output
  double open = 0;
  double high = 0;
  double low = 0;
  double close = 0;
};

/// Parses CSV text with a header line naming index,open,high,low,close (any order, case
/// ignored). Every bad row is reported with its line number and what is wrong; nothing is
/// returned unless every row is good.
result<std::vector<ohlc_row>> parse_ohlc_csv(std::string_view text);

} // namespace algomirror
