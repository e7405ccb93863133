#pragma once

// The JSON columns' codecs (RapidJSON), the one place persistence/ reads or writes JSON.
//
// `strategy_runs.trailing_state`: the run's risk state that outlives a restart, as JSON — every
// risk scope's trailing stop and the margin the run holds in each account's ledger:
// {"scopes":[{"scope":0,"armed":true,"distance":500,"initial":-500,"peak":320,"stop":-180}],
//  "margins":[{"account":1,"amount":250000}]}.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "messages/storage.hpp"

namespace algomirror {

std::string trailing_to_json(const std::vector<scope_trailing>& scopes,
                             const std::vector<margin_reservation>& margins = {});

/// The scopes of a stored `trailing_state`; `problem` says what was wrong with a text that is
/// not of that form (an older row without "scopes" reads as none, without a problem).
std::vector<scope_trailing> trailing_from_json(std::string_view text, std::string& problem);

/// The margins of a stored `trailing_state` (none in a row without "margins").
std::vector<margin_reservation> margins_from_json(std::string_view text, std::string& problem);

/// A list of texts (broker order ids: `strategy_executions.entry_order_ids`,
/// `order_intents.broker_order_ids`): ["A1","A2"].
std::string strings_to_json(const std::vector<std::string>& xs);

/// The texts of a stored list (none when empty or NULL); `problem` says what was wrong with a
/// text that is not an array of strings.
std::vector<std::string> strings_from_json(std::string_view text, std::string& problem);

/// An object of texts, e.g. an activity row's details: {"date":"2027-01-26","markets":"NSE"}.
std::string texts_to_json_object(const std::vector<std::pair<std::string, std::string>>& fields);

/// `margin_trackers.allocated_margins`: what each key holds, {"run:12":250000,"run:14":90000}.
std::string allocations_to_json(const std::vector<margin_allocation>& xs);

} // namespace algomirror
