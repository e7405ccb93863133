#include "persistence/writes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "messages/names.hpp"
#include "persistence/schema.hpp"
#include "persistence/json_columns.hpp"

namespace algomirror {

namespace {

/// The statement text of one kind of write, built once from its table and columns.
struct statement_shape {
  const schema::table* table = nullptr;
  std::vector<std::string> columns;
  std::string sql;
  std::vector<const schema::column*> defs; ///< the definitions of `columns`, looked up once
  batch_shape batch;
  bool batchable = true; ///< false: applied one statement at a time (upserts)

  statement_shape(const char* table_name, std::vector<std::string> cols)
    : table(schema::find_table(table_name)), columns(std::move(cols)) {
    batch.table = table_name;
    batch.columns = columns;
    for (auto& c : columns) {
      defs.push_back(table->find(c)); // every shape names existing columns (tested)
      batch.types.push_back(defs.back()->type);
    }
  }
};

std::string column_list(const std::vector<std::string>& columns) {
  std::string out;
  for (auto& c : columns)
    out += (out.empty() ? "\"" : ", \"") + c + "\"";
  return out;
}

/// INSERT … ON CONFLICT (unique_key) DO NOTHING: replaying it inserts nothing twice.
statement_shape insert_shape(const char* table, std::vector<std::string> columns,
                             const char* unique_key) {
  statement_shape s{table, std::move(columns)};
  std::string marks;
  for (size_t i = 0; i < s.columns.size(); ++i)
    marks += i ? ", ?" : "?";
  s.sql = std::string{"INSERT INTO "} + table + " (" + column_list(s.columns) + ") VALUES ("
          + marks + ") ON CONFLICT (\"" + unique_key + "\") DO NOTHING";
  s.batch.kind = batch_shape::form::insert;
  s.batch.conflict_key = unique_key;
  return s;
}

/// INSERT … ON CONFLICT (unique_key) DO UPDATE SET (every column but the key) = the new values:
/// a row written again and again under one natural key (a connection, a session); replaying it
/// writes the same values.
statement_shape upsert_shape(const char* table, std::vector<std::string> columns,
                             std::vector<std::string> unique_key) {
  statement_shape s{table, std::move(columns)};
  std::string marks, sets;
  for (size_t i = 0; i < s.columns.size(); ++i) {
    marks += i ? ", ?" : "?";
    if (std::find(unique_key.begin(), unique_key.end(), s.columns[i]) == unique_key.end())
      sets += (sets.empty() ? "\"" : ", \"") + s.columns[i] + "\" = excluded.\"" + s.columns[i]
              + "\"";
  }
  s.sql = std::string{"INSERT INTO "} + table + " (" + column_list(s.columns) + ") VALUES ("
          + marks + ") ON CONFLICT (" + column_list(unique_key) + ") DO UPDATE SET " + sets;
  s.batchable = false;
  return s;
}

/// A plain INSERT, for a log table without a natural or write key.
statement_shape plain_insert_shape(const char* table, std::vector<std::string> columns) {
  statement_shape s{table, std::move(columns)};
  std::string marks;
  for (size_t i = 0; i < s.columns.size(); ++i)
    marks += i ? ", ?" : "?";
  s.sql = std::string{"INSERT INTO "} + table + " (" + column_list(s.columns) + ") VALUES ("
          + marks + ")";
  s.batch.kind = batch_shape::form::insert;
  s.batchable = false;
  return s;
}

/// UPDATE … SET c = ?, … WHERE id = ? (the id is bound last): absolute values, idempotent.
statement_shape update_shape(const char* table, std::vector<std::string> columns,
                             bool touch_updated_at = true) {
  statement_shape s{table, std::move(columns)};
  std::string sets;
  for (auto& c : s.columns)
    sets += (sets.empty() ? "\"" : ", \"") + c + "\" = ?";
  if (touch_updated_at)
    sets += ", updated_at = CURRENT_TIMESTAMP";
  s.sql = std::string{"UPDATE "} + table + " SET " + sets + " WHERE id = ?";
  s.batch.kind = batch_shape::form::update;
  s.batch.touch_updated_at = touch_updated_at;
  return s;
}

/// Binds `values` to `shape`; values beyond its columns (the id of an update) are not checked.
void add_statement(prepared_write& w, const statement_shape& shape, std::vector<sql_value> values) {
  if (w.error.empty())
    w.error = schema::check_values(shape.table->name, shape.defs, values);
  w.statements.push_back(
    {&shape.sql, shape.batchable ? &shape.batch : nullptr, std::move(values)});
}

sql_value id_or_null(int64_t id) {
  return id != 0 ? sql_value{id} : sql_value{};
}

sql_value text_or_null(const std::string& s) {
  return s.empty() ? sql_value{} : sql_value{s};
}

/// Money is rounded to 2 decimals when stored (trading-rules.md §7).
sql_value money(double x) {
  return std::round(x * 100.0) / 100.0;
}

} // namespace

sql_value sql_time(utc_instant t) {
  using namespace std::chrono;
  if (t.time_since_epoch().count() == 0)
    return {};
  auto day_start = floor<days>(t);
  year_month_day ymd{day_start};
  hh_mm_ss<microseconds> hms{t - day_start};
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u %02ld:%02ld:%02ld.%06ld",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long>(hms.hours().count()),
                static_cast<long>(hms.minutes().count()), static_cast<long>(hms.seconds().count()),
                static_cast<long>(hms.subseconds().count()));
  return std::string{buf};
}

prepared_write prepare_write(const activity_entry& x) {
  static const auto shape = insert_shape(
    "activity_logs", {"write_id", "user_id", "action", "details", "source", "timestamp"},
    "write_id");
  prepared_write w;
  if (x.write_id.empty())
    w.error = "activity_logs.write_id: missing (every write needs a unique id)";
  add_statement(w, shape,
                {x.write_id, id_or_null(x.user_id), x.action, text_or_null(x.details_json),
                 text_or_null(x.source), sql_time(x.at)});
  return w;
}

prepared_write prepare_write(const risk_event& x) {
  static const auto shape = insert_shape(
    "risk_events",
    {"write_id", "strategy_execution_id", "run_id", "account_id", "event_type", "trigger_value",
     "threshold_value", "action_taken", "details", "created_at"},
    "write_id");
  prepared_write w;
  if (x.write_id.empty())
    w.error = "risk_events.write_id: missing (every write needs a unique id)";
  add_statement(w, shape,
                {x.write_id, id_or_null(x.execution_id), id_or_null(x.run_id),
                 id_or_null(x.account_id), to_string(x.rule), money(x.trigger_value),
                 money(x.threshold_value), text_or_null(x.action),
                 text_or_null(x.details_json.empty() ? x.reason : x.details_json),
                 sql_time(x.at)});
  return w;
}

prepared_write prepare_write(const order_intent& x) {
  static const auto shape = insert_shape(
    "order_intents",
    {"intent_id", "account_id", "run_id", "execution_id", "attempt", "symbol", "exchange",
     "action", "product", "price_type", "quantity", "price", "trigger_price", "strategy_tag",
     "created_at"},
    "intent_id");
  prepared_write w;
  if (x.intent_id.empty())
    w.error = "order_intents.intent_id: missing (every intent needs our own id)";
  else if (x.quantity <= 0)
    w.error = "order_intents.quantity: " + std::to_string(x.quantity) + " is not positive";
  add_statement(w, shape,
                {x.intent_id, x.account_id, id_or_null(x.run_id), id_or_null(x.execution_id),
                 int64_t{x.attempt}, x.inst.symbol, to_string(x.inst.exch), to_string(x.action),
                 to_string(x.order_product), to_string(x.kind), x.quantity, money(x.price),
                 money(x.trigger_price), text_or_null(x.tag), sql_time(x.created_at)});
  return w;
}

prepared_write prepare_write(const order_intent_outcome& x) {
  static const auto shape = [] {
    statement_shape s{"order_intents", {"status", "broker_order_ids"}};
    s.sql = "UPDATE order_intents SET status = ?, broker_order_ids = ? WHERE intent_id = ?";
    s.batchable = false;
    return s;
  }();
  prepared_write w;
  if (x.intent_id.empty())
    w.error = "order_intents.intent_id: an outcome needs the intent's id";
  add_statement(w, shape, {x.status, strings_to_json(x.broker_order_ids), x.intent_id});
  return w;
}

prepared_write prepare_write(const exit_claim& x) {
  static const auto shape = update_shape(
    "strategy_executions",
    {"status", "exit_reason", "exit_retry_count", "exit_claimed_at", "exit_retry_after"});
  prepared_write w;
  if (x.execution_id == 0)
    w.error = "strategy_executions.id: an exit claim needs the execution's id";
  add_statement(w, shape,
                {to_string(execution_status::exit_pending), to_string(x.reason),
                 int64_t{x.attempt}, sql_time(x.claimed_at), sql_time(x.retry_after),
                 x.execution_id});
  w.must_change_rows = true;
  return w;
}

prepared_write prepare_write(const account_status& x) {
  static const auto shape = update_shape("trading_accounts", {"connection_status"});
  static const auto connected_shape =
    update_shape("trading_accounts", {"connection_status", "last_connected"});
  prepared_write w;
  if (x.health == connection_health::connected)
    add_statement(w, connected_shape,
                  {to_string(x.health), sql_time(x.changed_at), x.account_id});
  else
    add_statement(w, shape, {to_string(x.health), x.account_id});
  w.must_change_rows = true;
  return w;
}

prepared_write prepare_write(const failover_event& x) {
  static const auto shape = plain_insert_shape(
    "failover_events",
    {"from_account_id", "to_account_id", "reason", "timestamp", "success", "error_message"});
  prepared_write w;
  add_statement(w, shape,
                {id_or_null(x.from_account_id), id_or_null(x.to_account_id), text_or_null(x.reason),
                 sql_time(x.at), x.success, text_or_null(x.error_message)});
  return w;
}

prepared_write prepare_write(const ws_connection_record& x) {
  static const auto shape = upsert_shape("websocket_connections",
                                         {"connection_id", "account_id", "status", "connected_at",
                                          "disconnected_at", "messages_received"},
                                         {"connection_id"});
  prepared_write w;
  if (x.connection_id.empty())
    w.error = "websocket_connections.connection_id: missing";
  add_statement(w, shape,
                {x.connection_id, x.account_id, x.status, sql_time(x.connected_at),
                 sql_time(x.disconnected_at), x.messages_received});
  return w;
}

prepared_write prepare_write(const ws_session_record& x) {
  static const auto shape = upsert_shape(
    "websocket_sessions",
    {"session_id", "user_id", "account_id", "session_type", "instrument", "symbol_count",
     "is_active", "last_heartbeat", "expires_at"},
    {"session_id"});
  prepared_write w;
  if (x.session_id.empty())
    w.error = "websocket_sessions.session_id: missing";
  add_statement(w, shape,
                {x.session_id, x.user_id, id_or_null(x.account_id), text_or_null(x.session_type),
                 text_or_null(x.underlying), int64_t{x.symbol_count}, x.is_active,
                 sql_time(x.last_heartbeat), sql_time(x.expires_at)});
  return w;
}

namespace {

/// The seed's order status words: PENDING until the order is terminal.
const char* seed_status(order_status s) {
  switch (s) {
    case order_status::complete:
      return "EXECUTED";
    case order_status::cancelled:
      return "CANCELLED";
    case order_status::rejected:
      return "REJECTED";
    default:
      return "PENDING";
  }
}

} // namespace

prepared_write prepare_write(const order_record& x) {
  static const auto shape = upsert_shape(
    "orders",
    {"account_id", "order_id", "symbol", "exchange", "action", "quantity", "order_type", "price",
     "trigger_price", "product", "status", "filled_quantity", "average_price", "placed_at",
     "executed_at", "intent_id", "strategy_tag", "execution_id", "is_external", "updated_at"},
    {"account_id", "order_id"});
  // An order no intent of ours answered for (external, or ours from before a restart): a row
  // already there keeps what our intent wrote; only its status and fill move.
  static const auto seen = [] {
    auto s = shape;
    auto at = s.sql.find(" DO UPDATE SET ");
    s.sql = s.sql.substr(0, at)
            + " DO UPDATE SET \"status\" = excluded.\"status\", \"filled_quantity\" = "
              "excluded.\"filled_quantity\", \"average_price\" = excluded.\"average_price\", "
              "\"executed_at\" = COALESCE(orders.\"executed_at\", excluded.\"executed_at\"), "
              "\"updated_at\" = excluded.\"updated_at\"";
    return s;
  }();
  prepared_write w;
  if (x.account_id == 0)
    w.error = "orders.account_id: missing";
  else if (x.order_id.empty())
    w.error = "orders.order_id: missing (the broker's order id)";
  add_statement(w, x.intent_id.empty() ? seen : shape,
                {x.account_id, x.order_id, x.inst.symbol, to_string(x.inst.exch),
                 to_string(x.action), x.quantity, to_string(x.kind), money(x.price),
                 money(x.trigger_price), to_string(x.order_product),
                 std::string{seed_status(x.status)}, x.filled_quantity,
                 x.average_price > 0 ? money(x.average_price) : sql_value{},
                 sql_time(x.placed_at), sql_time(x.executed_at), text_or_null(x.intent_id),
                 text_or_null(x.strategy_tag), id_or_null(x.execution_id), x.external,
                 sql_time(x.placed_at > x.executed_at ? x.placed_at : x.executed_at)});
  return w;
}

namespace {

sql_value percent_of(double pnl, double cost) {
  return cost != 0 ? money(pnl / std::abs(cost) * 100.0) : sql_value{0.0};
}

} // namespace

prepared_write prepare_write(const book_record& x) {
  // UPDATE <book> SET quantity = 0 for every open row of the account.
  auto closing = [](const char* table) {
    statement_shape s{table, {"updated_at", "account_id"}};
    s.sql = std::string{"UPDATE "} + table
            + " SET quantity = 0, \"updated_at\" = ? WHERE account_id = ? AND quantity <> 0";
    s.batchable = false;
    return s;
  };
  static const auto close_positions = closing("positions");
  static const auto close_holdings = closing("holdings");
  static const auto position = upsert_shape(
    "positions",
    {"account_id", "symbol", "exchange", "quantity", "product", "average_price", "current_price",
     "ltp", "pnl", "pnl_percent", "updated_at"},
    {"account_id", "symbol", "product"});
  static const auto holding = upsert_shape(
    "holdings",
    {"account_id", "symbol", "exchange", "quantity", "average_price", "current_price", "pnl",
     "pnl_percent", "invested_value", "current_value", "updated_at"},
    {"account_id", "symbol"});
  prepared_write w;
  if (x.account_id == 0)
    w.error = std::string{x.holdings ? "holdings" : "positions"} + ".account_id: missing";
  auto at = sql_time(x.at);
  // Every row of the account is closed, then the book's rows written: one transaction, so a
  // reader sees the book as it was read, and a position the broker no longer lists reads 0.
  add_statement(w, x.holdings ? close_holdings : close_positions, {at, x.account_id});
  for (auto& p : x.rows) {
    double cost = p.average_price * static_cast<double>(p.net_quantity);
    if (x.holdings)
      add_statement(w, holding,
                    {x.account_id, p.inst.symbol, to_string(p.inst.exch), p.net_quantity,
                     money(p.average_price), money(p.ltp), money(p.pnl), percent_of(p.pnl, cost),
                     money(cost), money(p.ltp * static_cast<double>(p.net_quantity)), at});
    else
      add_statement(w, position,
                    {x.account_id, p.inst.symbol, to_string(p.inst.exch), p.net_quantity,
                     to_string(p.order_product), money(p.average_price), money(p.ltp),
                     money(p.ltp), money(p.pnl), percent_of(p.pnl, cost), at});
  }
  return w;
}

prepared_write prepare_write(const margin_record& x) {
  static const auto shape = upsert_shape(
    "margin_trackers",
    {"account_id", "total_available_margin", "used_margin", "free_margin", "allocated_margins",
     "last_updated", "update_count"},
    {"account_id"});
  prepared_write w;
  if (x.account_id == 0)
    w.error = "margin_trackers.account_id: missing";
  add_statement(w, shape,
                {x.account_id, money(x.total_available), money(x.used), money(x.free),
                 allocations_to_json(x.allocations), sql_time(x.at), x.update_count});
  return w;
}

namespace {

const std::vector<std::string> execution_columns = {
  "symbol",        "exchange",        "product",         "action",          "underlying_symbol",
  "quantity",      "entry_price",     "exit_price",      "last_price",      "realized_pnl",
  "unrealized_pnl", "status",         "exit_reason",     "exit_retry_count", "order_id",
  "exit_order_id", "entry_order_ids", "exit_order_ids",  "entry_time",      "exit_time",
  "exit_claimed_at", "error_message", "sl_hit_at",       "sl_hit_price",    "tp_hit_at",
  "tp_hit_price",    "peak_pnl",        "max_loss_amount"};

std::vector<sql_value> execution_values(const execution_state& x) {
  return {x.inst.symbol,
          to_string(x.inst.exch),
          to_string(x.order_product),
          to_string(x.action),
          text_or_null(x.underlying),
          x.quantity,
          money(x.entry_price),
          money(x.exit_price),
          money(x.last_price),
          money(x.realized_pnl),
          money(x.unrealized_pnl),
          to_string(x.status),
          x.reason == exit_reason::none ? sql_value{} : sql_value{to_string(x.reason)},
          int64_t{x.exit_attempts},
          x.entry_order_ids.empty() ? sql_value{} : sql_value{x.entry_order_ids.front()},
          x.exit_order_ids.empty() ? sql_value{} : sql_value{x.exit_order_ids.back()},
          strings_to_json(x.entry_order_ids),
          strings_to_json(x.exit_order_ids),
          sql_time(x.entered_at),
          sql_time(x.exited_at),
          sql_time(x.exit_claimed_at),
          text_or_null(x.error_message),
          sql_time(x.sl_hit_at),
          x.sl_hit_at == utc_instant{} ? sql_value{} : money(x.sl_hit_price),
          sql_time(x.tp_hit_at),
          x.tp_hit_at == utc_instant{} ? sql_value{} : money(x.tp_hit_price),
          money(x.peak_pnl),
          x.max_loss_amount > 0 ? money(x.max_loss_amount) : sql_value{}};
}

/// Creates the row (`keys` then `values`; found again by its write id) when `id` is 0, else
/// updates it by id with `values`.
void create_or_update(prepared_write& w, const statement_shape& create,
                      const statement_shape& update, const std::string& id_query,
                      std::vector<sql_value> keys, std::vector<sql_value> values, int64_t id,
                      const std::string& write_id) {
  if (id == 0) {
    if (write_id.empty())
      w.error = create.table->name + ".write_id: a new row needs a unique write id";
    keys.insert(keys.end(), values.begin(), values.end());
    add_statement(w, create, std::move(keys));
    w.id_query = &id_query;
    w.id_query_values = {write_id};
  } else {
    values.emplace_back(id);
    add_statement(w, update, std::move(values));
    w.must_change_rows = true;
  }
}

std::vector<std::string> with_keys(std::vector<std::string> keys,
                                   const std::vector<std::string>& rest) {
  keys.insert(keys.end(), rest.begin(), rest.end());
  return keys;
}

} // namespace

prepared_write prepare_write(const execution_state& x) {
  static const auto create = insert_shape(
    "strategy_executions",
    with_keys({"write_id", "strategy_id", "run_id", "account_id", "leg_id"}, execution_columns),
    "write_id");
  static const auto update = update_shape("strategy_executions", execution_columns);
  static const std::string id_query = "SELECT id FROM strategy_executions WHERE write_id = ?";
  prepared_write w;
  create_or_update(w, create, update, id_query,
                   {x.write_id, x.strategy_id, id_or_null(x.run_id), x.account_id, id_or_null(x.leg_id)},
                   execution_values(x), x.execution_id, x.write_id);
  return w;
}

namespace {

const std::vector<std::string> run_columns = {
  "status",           "risk_scope",         "started_at",          "ended_at",
  "end_reason",       "spot_snapshot",      "max_loss_fired",      "max_profit_fired",
  "trailing_stop_fired", "supertrend_fired", "exit_time_fired",    "square_off_fired",
  "trailing_state",   "skipped_accounts",   "needs_attention",     "attention_reason"};

std::vector<sql_value> run_values(const run_record& x) {
  return {to_string(x.phase),
          to_string(x.scope),
          sql_time(x.started_at),
          sql_time(x.ended_at),
          text_or_null(x.end_reason),
          text_or_null(x.spot_snapshot_json),
          x.max_loss_fired,
          x.max_profit_fired,
          x.trailing_stop_fired,
          x.supertrend_fired,
          x.exit_time_fired,
          x.square_off_fired,
          text_or_null(x.trailing.empty() && x.margins.empty()
                         ? x.trailing_state_json
                         : trailing_to_json(x.trailing, x.margins)),
          text_or_null(x.skipped_accounts_json),
          x.needs_attention,
          text_or_null(x.attention_reason)};
}

} // namespace

prepared_write prepare_write(const run_record& x) {
  static const auto create =
    insert_shape("strategy_runs", with_keys({"write_id", "strategy_id"}, run_columns), "write_id");
  static const auto update = update_shape("strategy_runs", run_columns);
  static const std::string id_query = "SELECT id FROM strategy_runs WHERE write_id = ?";
  prepared_write w;
  create_or_update(w, create, update, id_query, {x.write_id, x.strategy_id}, run_values(x),
                   x.id, x.write_id);
  return w;
}

} // namespace algomirror
