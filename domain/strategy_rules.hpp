#pragma once

// Whether a strategy definition can be run (issue 7 §1, trading-rules.md §1–§9): every problem
// found, each naming its field (`legs[2].strike_price`) and what would be accepted. All risk
// rules may be combined; only values that cannot work are refused.

#include <string>
#include <vector>

#include "domain/instruments.hpp"
#include "messages/strategy.hpp"

namespace algomirror {

/// Every problem of `s` (empty: it can be saved and run).
std::vector<std::string> strategy_problems(const strategy_definition& s,
                                           const instrument_table& table);

} // namespace algomirror
