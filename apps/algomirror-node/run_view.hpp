#pragma once

// What a person watching a run sees: the legs per account with their prices and P&L, each
// scope's trailing stop, the rules that fired, and the summary at the end. Text only, from
// the run's status; the terminal handling is the session's.

#include <cstdint>
#include <map>
#include <string>

#include "messages/run.hpp"

namespace algomirror {

/// Account names by id (the view shows names).
using account_names = std::map<int64_t, std::string>;

/// The full table: header, legs by account, scope lines, risk events.
std::string render_run(const run_status& st, const account_names& names,
                       const std::string& clock_line);

/// One line for logs and pipes: phase, P&L per scope, trailing stop.
std::string render_run_line(const run_status& st, const account_names& names);

/// Lines for what happened since `before` (entries, exits, rules fired), for logs and pipes.
std::string render_changes(const run_status& before, const run_status& now,
                           const account_names& names);

/// The end: how the run ended, realized P&L and orders per account, the total.
std::string render_summary(const run_status& st, const account_names& names);

} // namespace algomirror
