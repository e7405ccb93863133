#pragma once

// How each write message becomes SQL: one statement text per kind of write (built once, with
// `?` placeholders) and the values bound to it. Inserts carry a unique write id and do nothing
// on a conflict with it; updates set absolute values. Replaying a write is therefore harmless.

#include <string>
#include <vector>

#include "messages/account.hpp"
#include "messages/execution.hpp"
#include "messages/market_data.hpp"
#include "messages/node.hpp"
#include "messages/orders.hpp"
#include "messages/risk.hpp"
#include "messages/storage.hpp"
#include "persistence/database.hpp"
#include "persistence/sql_value.hpp"

namespace algomirror {

/// One statement and its values.
struct sql_write {
  const std::string* sql = nullptr;   ///< a statement text owned by its kind of write
  const batch_shape* batch = nullptr; ///< its form for many rows at once
  std::vector<sql_value> values;
};

/// A write prepared for the database: its statements, and what to check before it is queued.
struct prepared_write {
  std::vector<sql_write> statements;
  /// After the statements ran: a query answering the row's id (creations), else null.
  const std::string* id_query = nullptr;
  std::vector<sql_value> id_query_values;
  /// Statements that must change a row (an update of a row that does not exist is an error).
  bool must_change_rows = false;
  std::string error; ///< not empty: the write is bad input and is refused
};

prepared_write prepare_write(const activity_entry& x);
prepared_write prepare_write(const risk_event& x);
prepared_write prepare_write(const order_intent& x);
prepared_write prepare_write(const order_intent_outcome& x);
prepared_write prepare_write(const exit_claim& x);
prepared_write prepare_write(const account_status& x);
prepared_write prepare_write(const failover_event& x);
/// Upserts by connection id / session id.
prepared_write prepare_write(const ws_connection_record& x);
prepared_write prepare_write(const ws_session_record& x);
/// Upserts by (account, broker order id).
prepared_write prepare_write(const order_record& x);
/// Closes every row of the account's book, then upserts the rows read.
prepared_write prepare_write(const book_record& x);
/// Upserts the account's one ledger row.
prepared_write prepare_write(const margin_record& x);
/// Creates the row when `x.execution_id == 0` (needs `write_id`), else updates it.
prepared_write prepare_write(const execution_state& x);
/// Creates the row when `x.id == 0` (needs `write_id`), else updates it.
prepared_write prepare_write(const run_record& x);

/// 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC) or NULL for the epoch (= not set).
sql_value sql_time(utc_instant t);

} // namespace algomirror
