#pragma once

// Loaders that rebuild the node's state at start-up from the database. They read; they never
// write. Rows that cannot be read (an unknown word in a status column, say) are reported in
// `problems` with their table and id and left out, so one bad row never stops the node.

#include <string>
#include <vector>

#include "messages/execution.hpp"
#include "messages/storage.hpp"
#include "messages/strategy.hpp"
#include "persistence/database.hpp"

namespace algomirror {

/// What a loader could not read: "strategy_executions 42: status 'weird' is not …".
using load_problems = std::vector<std::string>;

/// Active trading accounts, by user, then priority (primary first).
std::vector<account_record> load_active_accounts(database& db, load_problems& problems);

/// Active strategies with their legs (in leg order).
std::vector<strategy_definition> load_strategies(database& db, load_problems& problems);

/// Runs that have not finished (their executions may still hold positions).
std::vector<run_record> load_unfinished_runs(database& db, load_problems& problems);

/// Executions that are not finished: pending, entered, exit_pending or exit_stuck.
std::vector<execution_state> load_open_executions(database& db, load_problems& problems);

/// Option-chain and position-monitor sessions still marked active.
std::vector<ws_session_record> load_open_ws_sessions(database& db, load_problems& problems);

/// Trading-hours templates, holidays and special sessions.
calendar_data load_calendar(database& db, load_problems& problems);

/// A user's instruments (`trading_settings`), margins (`margin_requirements`) and grades
/// (`trade_qualities`): the active rows without a user (the defaults) with the user's own active
/// rows over them, by symbol / instrument / grade. `user_id` 0 = the defaults alone.
user_settings load_user_settings(database& db, int64_t user_id, load_problems& problems);

/// 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC, as we store it; a 'T' and a trailing 'Z' or '+00'
/// are accepted) → instant; empty or unreadable → the epoch ("not set").
utc_instant parse_sql_time(const std::string& text);

} // namespace algomirror
