#pragma once

// Scripted prices for openalgo-sim: `time,underlying,spot` rows (time ISO-8601, no offset = IST).
// From each row's time on, the underlying's spot is that value (a step path); option premiums
// follow from it. Underlyings without a script keep their seeded random walk.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "messages/result.hpp"
#include "messages/time.hpp"

namespace algomirror::sim {

struct price_point {
  utc_instant at;
  double spot = 0;
};

/// underlying → points in time order.
using price_script = std::map<std::string, std::vector<price_point>>;

/// Parses the CSV text; every bad row is reported with its line number.
result<price_script> parse_price_script(std::string_view text);

/// The spot of a path at `t`: the last point at or before `t` (the first before it starts).
double spot_at(const std::vector<price_point>& path, utc_instant t);

} // namespace algomirror::sim
