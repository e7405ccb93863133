#pragma once

// Strategies as data: the JSON files of `algomirror-node strategy import|export` (one strategy
// object, an array of them, or {"strategies": [...]}). Reading is strict — an unknown key (a
// typo such as "max_los") or a value of the wrong type is an error naming its path — and
// every problem is reported, not only the first; the rules themselves are domain/'s
// (`strategy_problems`). Example files: etc/strategies/.

#include <map>
#include <string>
#include <vector>

#include "domain/instruments.hpp"
#include "domain/strategy_rules.hpp"
#include "messages/result.hpp"
#include "messages/strategy.hpp"

namespace algomirror {

/// A strategy read from a file: its definition and the names of its accounts (resolved to
/// ids by the caller, against the user's accounts).
struct strategy_document {
  strategy_definition definition;
  std::vector<std::string> account_names;
};

/// Reads every strategy of `json`; on any problem, an error listing every one of them, each
/// prefixed by the strategy's position (`strategies[1].legs[0].strike_price: …`).
result<std::vector<strategy_document>> read_strategy_file(const std::string& json,
                                                          const instrument_table& table,
                                                          const strategy_limits& limits = {});

/// Writes strategies as the file format reads them (`account_names` per strategy id).
std::string write_strategy_file(const std::vector<strategy_definition>& strategies,
                                const std::map<int64_t, std::string>& account_names);

} // namespace algomirror
