#include "persistence/schema.hpp"

namespace algomirror::schema {

namespace {

/// A small builder so that each table below reads like its CREATE TABLE.
struct table_builder {
  table t;

  explicit table_builder(std::string name) {
    t.name = std::move(name);
    t.columns.push_back({"id", column_type::id, 0, none, {}, {}, {}});
  }

  table_builder& col(std::string name, column_type type, unsigned flags = none,
                     std::string def = {}) {
    t.columns.push_back({std::move(name), type, 0, flags, std::move(def), {}, {}});
    return *this;
  }

  table_builder& str(std::string name, int length, unsigned flags = none, std::string def = {}) {
    t.columns.push_back({std::move(name), column_type::varchar, length, flags, std::move(def), {},
                         {}});
    return *this;
  }

  table_builder& ref(std::string name, std::string target, std::string on_delete,
                     unsigned flags = none) {
    t.columns.push_back(
      {std::move(name), column_type::reference, 0, flags, {}, std::move(target), std::move(on_delete)});
    return *this;
  }

  table_builder& created_updated() {
    col("created_at", column_type::timestamp, none, "CURRENT_TIMESTAMP");
    col("updated_at", column_type::timestamp, none, "CURRENT_TIMESTAMP");
    return *this;
  }

  table_builder& unique_on(std::vector<std::string> columns) {
    t.unique_constraints.push_back(std::move(columns));
    return *this;
  }

  table_builder& index_on(std::vector<std::string> columns) {
    t.indexes.push_back({std::move(columns), false});
    return *this;
  }

  table build() { return std::move(t); }
};

using ct = column_type;

std::vector<table> make_tables() {
  std::vector<table> all;

  all.push_back(table_builder{"users"}
                  .str("username", 80, not_null | unique)
                  .str("email", 120, not_null | unique)
                  .str("password_hash", 256, not_null)
                  .col("is_admin", ct::boolean, none, "FALSE")
                  .col("is_active", ct::boolean, none, "TRUE")
                  .created_updated()
                  .col("last_login", ct::timestamp)
                  .build());

  all.push_back(table_builder{"trading_accounts"}
                  .ref("user_id", "users", "CASCADE", not_null)
                  .str("account_name", 100, not_null)
                  .str("broker", 50, not_null)
                  .col("api_key_encrypted", ct::text)
                  .str("host_url", 200, none, "'http://127.0.0.1:5000'")
                  .str("websocket_url", 200, none, "'ws://127.0.0.1:8765'")
                  .col("is_primary", ct::boolean, none, "FALSE")
                  .col("priority", ct::integer, none, "0")
                  .col("is_active", ct::boolean, none, "TRUE")
                  .col("last_connected", ct::timestamp)
                  .str("connection_status", 20, none, "'disconnected'")
                  .created_updated()
                  .unique_on({"user_id", "account_name"})
                  .index_on({"user_id"})
                  .index_on({"is_primary"})
                  .index_on({"is_active"})
                  .build());

  all.push_back(table_builder{"orders"}
                  .ref("account_id", "trading_accounts", "CASCADE", not_null)
                  .str("order_id", 50, not_null)
                  .str("symbol", 50, not_null)
                  .str("exchange", 10, not_null)
                  .str("action", 10, not_null)
                  .col("quantity", ct::integer, not_null)
                  .str("order_type", 20, not_null)
                  .col("price", ct::money)
                  .col("trigger_price", ct::money)
                  .str("product", 10)
                  .str("status", 20, not_null)
                  .col("filled_quantity", ct::integer, none, "0")
                  .col("average_price", ct::money)
                  .col("placed_at", ct::timestamp, none, "CURRENT_TIMESTAMP")
                  .col("executed_at", ct::timestamp)
                  .str("intent_id", 64)
                  .str("strategy_tag", 64)
                  // not a foreign key: strategy_executions is created later (and an order
                  // outlives its execution's row)
                  .col("execution_id", ct::big_integer)
                  .col("is_external", ct::boolean, none, "FALSE")
                  .col("updated_at", ct::timestamp, none, "CURRENT_TIMESTAMP")
                  .unique_on({"account_id", "order_id"})
                  .index_on({"account_id"})
                  .index_on({"order_id"})
                  .index_on({"symbol"})
                  .index_on({"status"})
                  .index_on({"placed_at"})
                  .index_on({"intent_id"})
                  .build());
  {
    // Database Maintenance: orders older than the archive horizon move here, same columns.
    auto archive = all.back();
    archive.name = "orders_archive";
    archive.unique_constraints.clear();
    archive.indexes = {{{"account_id"}, false}, {{"placed_at"}, false}};
    archive.columns.push_back({"archived_at", ct::timestamp, 0, none, "CURRENT_TIMESTAMP", {}, {}});
    all.push_back(std::move(archive));
  }

  all.push_back(table_builder{"positions"}
                  .ref("account_id", "trading_accounts", "CASCADE", not_null)
                  .str("symbol", 50, not_null)
                  .str("exchange", 10, not_null)
                  .col("quantity", ct::integer, not_null)
                  .str("product", 10)
                  .col("average_price", ct::money, not_null)
                  .col("current_price", ct::money)
                  .col("ltp", ct::money)
                  .col("pnl", ct::money)
                  .col("pnl_percent", ct::money)
                  .col("day_change", ct::money)
                  .col("day_change_percent", ct::money)
                  .col("updated_at", ct::timestamp, none, "CURRENT_TIMESTAMP")
                  .unique_on({"account_id", "symbol", "product"})
                  .index_on({"account_id"})
                  .index_on({"symbol"})
                  .build());

  all.push_back(table_builder{"holdings"}
                  .ref("account_id", "trading_accounts", "CASCADE", not_null)
                  .str("symbol", 50, not_null)
                  .str("exchange", 10, not_null)
                  .col("quantity", ct::integer, not_null)
                  .col("average_price", ct::money, not_null)
                  .col("current_price", ct::money)
                  .col("pnl", ct::money)
                  .col("pnl_percent", ct::money)
                  .col("invested_value", ct::money)
                  .col("current_value", ct::money)
                  .col("updated_at", ct::timestamp, none, "CURRENT_TIMESTAMP")
                  .unique_on({"account_id", "symbol"})
                  .index_on({"account_id"})
                  .index_on({"symbol"})
                  .build());

  all.push_back(table_builder{"activity_logs"}
                  .ref("user_id", "users", "SET NULL")
                  .str("action", 100, not_null)
                  .col("details", ct::text)
                  .str("source", 20)
                  .str("ip_address", 45)
                  .str("user_agent", 200)
                  .col("timestamp", ct::timestamp, none, "CURRENT_TIMESTAMP")
                  .str("write_id", 64, unique)
                  .index_on({"user_id"})
                  .index_on({"action"})
                  .index_on({"timestamp"})
                  .index_on({"user_id", "timestamp"})
                  .index_on({"action", "timestamp"})
                  .build());

  all.push_back(table_builder{"strategies"}
                  .ref("user_id", "users", "CASCADE", not_null)
                  .str("name", 100, not_null)
                  .col("description", ct::text)
                  .str("market_condition", 50)
                  .str("risk_profile", 50)
                  .col("is_active", ct::boolean, none, "TRUE")
                  .col("is_template", ct::boolean, none, "FALSE")
                  .col("entry_time", ct::time)
                  .col("exit_time", ct::time)
                  .col("square_off_time", ct::time)
                  .col("max_loss", ct::money)
                  .col("max_profit", ct::money)
                  .col("trailing_sl", ct::money)
                  .col("risk_monitoring_enabled", ct::boolean, none, "TRUE")
                  .col("risk_check_interval", ct::integer, none, "1")
                  .col("auto_exit_on_max_loss", ct::boolean, none, "TRUE")
                  .col("auto_exit_on_max_profit", ct::boolean, none, "TRUE")
                  .str("trailing_sl_type", 20, none, "'percentage'")
                  .str("risk_scope", 10, none, "'account'")
                  .col("exit_price_protection", ct::money)
                  .col("supertrend_exit_enabled", ct::boolean, none, "FALSE")
                  .str("supertrend_exit_type", 20)
                  .col("supertrend_period", ct::integer, none, "7")
                  .col("supertrend_multiplier", ct::money, none, "3.0")
                  .str("supertrend_timeframe", 10, none, "'5m'")
                  .col("supertrend_exit_triggered", ct::boolean, none, "FALSE")
                  .str("product_order_type", 10, none, "'MIS'")
                  .col("selected_accounts", ct::json)
                  .str("allocation_type", 50)
                  .created_updated()
                  .unique_on({"user_id", "name"})
                  .index_on({"user_id"})
                  .index_on({"is_active"})
                  .build());

  all.push_back(table_builder{"strategy_legs"}
                  .ref("strategy_id", "strategies", "CASCADE", not_null)
                  .col("leg_number", ct::integer, not_null)
                  .str("instrument", 50)
                  .str("product_type", 20)
                  .str("expiry", 50)
                  .str("action", 10)
                  .str("option_type", 10)
                  .str("strike_selection", 50)
                  .col("strike_offset", ct::integer, none, "0")
                  .col("strike_price", ct::money)
                  .col("premium_value", ct::money)
                  .str("order_type", 20)
                  .col("limit_price", ct::money)
                  .col("trigger_price", ct::money)
                  .str("price_condition", 10)
                  .col("quantity", ct::integer)
                  .col("lots", ct::integer, none, "1")
                  .str("stop_loss_type", 20)
                  .col("stop_loss_value", ct::money)
                  .str("take_profit_type", 20)
                  .col("take_profit_value", ct::money)
                  .col("enable_trailing", ct::boolean, none, "FALSE")
                  .str("trailing_type", 20)
                  .col("trailing_value", ct::money)
                  .col("is_executed", ct::boolean, none, "FALSE")
                  .col("created_at", ct::timestamp, none, "CURRENT_TIMESTAMP")
                  .unique_on({"strategy_id", "leg_number"})
                  .index_on({"strategy_id"})
                  .build());

  all.push_back(table_builder{"strategy_runs"}
                  .ref("strategy_id", "strategies", "CASCADE", not_null)
                  .str("status", 30, not_null, "'resolving'")
                  .str("risk_scope", 10, not_null, "'account'")
                  .col("started_at", ct::timestamp, none, "CURRENT_TIMESTAMP")
                  .col("ended_at", ct::timestamp)
                  .str("end_reason", 100)
                  .col("spot_snapshot", ct::json)
                  .col("max_loss_fired", ct::boolean, none, "FALSE")
                  .col("max_profit_fired", ct::boolean, none, "FALSE")
                  .col("trailing_stop_fired", ct::boolean, none, "FALSE")
                  .col("supertrend_fired", ct::boolean, none, "FALSE")
                  .col("exit_time_fired", ct::boolean, none, "FALSE")
                  .col("square_off_fired", ct::boolean, none, "FALSE")
                  .col("trailing_state", ct::json)
                  .col("skipped_accounts", ct::json)
                  .col("needs_attention", ct::boolean, none, "FALSE")
                  .col("attention_reason", ct::text)
                  .str("write_id", 64, unique)
                  .created_updated()
                  .index_on({"strategy_id"})
                  .index_on({"status"})
                  .build());

  all.push_back(table_builder{"strategy_executions"}
                  .ref("strategy_id", "strategies", "CASCADE", not_null)
                  .ref("run_id", "strategy_runs", "CASCADE")
                  .ref("account_id", "trading_accounts", "CASCADE", not_null)
                  .ref("leg_id", "strategy_legs", "CASCADE", not_null)
                  .str("order_id", 100)
                  .str("exit_order_id", 100)
                  .col("entry_order_ids", ct::json)
                  .col("exit_order_ids", ct::json)
                  .str("symbol", 100)
                  .str("exchange", 20)
                  .str("product", 10)
                  .str("action", 10)
                  .str("underlying_symbol", 50)
                  .col("entry_price", ct::money)
                  .col("exit_price", ct::money)
                  .col("quantity", ct::integer)
                  .col("total_quantity", ct::integer)
                  .str("status", 50)
                  .str("broker_order_status", 50)
                  .col("entry_time", ct::timestamp)
                  .col("exit_time", ct::timestamp)
                  .str("exit_reason", 100)
                  .col("realized_pnl", ct::money)
                  .col("unrealized_pnl", ct::money)
                  .col("brokerage", ct::money)
                  .col("error_message", ct::text)
                  .col("risk_monitoring_enabled", ct::boolean, none, "TRUE")
                  .col("max_loss_amount", ct::money)
                  .col("max_profit_amount", ct::money)
                  .col("trailing_sl_amount", ct::money)
                  .col("peak_pnl", ct::money)
                  .col("exit_retry_count", ct::integer, none, "0")
                  .col("exit_claimed_at", ct::timestamp)
                  .col("exit_retry_after", ct::timestamp)
                  .col("supertrend_exit_enabled", ct::boolean, none, "FALSE")
                  .str("supertrend_exit_type", 20)
                  .col("last_price", ct::money)
                  .col("last_price_updated", ct::timestamp)
                  .col("websocket_subscribed", ct::boolean, none, "FALSE")
                  .col("sl_hit_at", ct::timestamp)
                  .col("sl_hit_price", ct::money)
                  .col("tp_hit_at", ct::timestamp)
                  .col("tp_hit_price", ct::money)
                  .str("write_id", 64, unique)
                  .created_updated()
                  .index_on({"status"})
                  .index_on({"status", "risk_monitoring_enabled"})
                  .index_on({"run_id"})
                  .index_on({"account_id"})
                  .build());

  all.push_back(table_builder{"order_intents"}
                  .str("intent_id", 64, not_null | unique)
                  .ref("account_id", "trading_accounts", "CASCADE", not_null)
                  .ref("run_id", "strategy_runs", "SET NULL")
                  .ref("execution_id", "strategy_executions", "SET NULL")
                  .col("attempt", ct::integer, none, "0")
                  .str("symbol", 100, not_null)
                  .str("exchange", 20, not_null)
                  .str("action", 10, not_null)
                  .str("product", 10, not_null)
                  .str("price_type", 10, not_null)
                  .col("quantity", ct::integer, not_null)
                  .col("price", ct::money)
                  .col("trigger_price", ct::money)
                  .str("strategy_tag", 64)
                  .str("status", 20, none, "'intended'")
                  .col("broker_order_ids", ct::json)
                  .col("created_at", ct::timestamp, not_null, "CURRENT_TIMESTAMP")
                  .index_on({"account_id", "created_at"})
                  .index_on({"execution_id"})
                  .build());

  all.push_back(table_builder{"margin_requirements"}
                  .ref("user_id", "users", "CASCADE") // NULL = the defaults every user starts from
                  .str("instrument", 50, not_null)
                  .col("ce_pe_sell_expiry", ct::money, none, "205000")
                  .col("ce_pe_sell_non_expiry", ct::money, none, "250000")
                  .col("ce_and_pe_sell_expiry", ct::money, none, "250000")
                  .col("ce_and_pe_sell_non_expiry", ct::money, none, "320000")
                  .col("futures_expiry", ct::money, none, "215000")
                  .col("futures_non_expiry", ct::money, none, "215000")
                  .col("buy_premium_per_lot", ct::money, none, "20000")
                  .col("sensex_ce_pe_sell_expiry", ct::money, none, "180000")
                  .col("sensex_ce_pe_sell_non_expiry", ct::money, none, "220000")
                  .col("sensex_ce_and_pe_sell_expiry", ct::money, none, "225000")
                  .col("sensex_ce_and_pe_sell_non_expiry", ct::money, none, "290000")
                  .col("sensex_futures_expiry", ct::money, none, "185000")
                  .col("sensex_futures_non_expiry", ct::money, none, "185000")
                  .col("is_active", ct::boolean, none, "TRUE")
                  .created_updated()
                  .unique_on({"user_id", "instrument"})
                  .build());

  all.push_back(table_builder{"trade_qualities"}
                  .ref("user_id", "users", "CASCADE") // NULL = the defaults every user starts from
                  .str("quality_grade", 10, not_null)
                  .col("margin_percentage", ct::money, not_null)
                  .str("margin_source", 20, none, "'available'")
                  .str("risk_level", 20)
                  .col("description", ct::text)
                  .col("is_active", ct::boolean, none, "TRUE")
                  .created_updated()
                  .unique_on({"user_id", "quality_grade"})
                  .build());

  all.push_back(table_builder{"margin_trackers"}
                  .ref("account_id", "trading_accounts", "CASCADE", not_null)
                  .col("total_available_margin", ct::money, none, "0")
                  .col("used_margin", ct::money, none, "0")
                  .col("free_margin", ct::money, none, "0")
                  .col("span_margin", ct::money, none, "0")
                  .col("exposure_margin", ct::money, none, "0")
                  .col("option_premium", ct::money, none, "0")
                  .col("allocated_margins", ct::json)
                  .col("last_updated", ct::timestamp)
                  .col("update_count", ct::integer, none, "0")
                  .unique_on({"account_id"}) // one ledger per account
                  .index_on({"account_id"})
                  .build());

  all.push_back(table_builder{"risk_events"}
                  .ref("strategy_execution_id", "strategy_executions", "CASCADE")
                  .ref("run_id", "strategy_runs", "CASCADE")
                  .ref("account_id", "trading_accounts", "SET NULL")
                  .str("event_type", 50, not_null)
                  .col("trigger_value", ct::money)
                  .col("threshold_value", ct::money)
                  .str("action_taken", 100)
                  .col("details", ct::text)
                  .col("created_at", ct::timestamp, not_null, "CURRENT_TIMESTAMP")
                  .str("write_id", 64, unique)
                  .index_on({"strategy_execution_id"})
                  .index_on({"event_type", "created_at"})
                  .index_on({"run_id"})
                  .build());

  all.push_back(table_builder{"trading_settings"}
                  .ref("user_id", "users", "CASCADE") // NULL = the defaults every user starts from
                  .str("symbol", 50, not_null)
                  .col("lot_size", ct::integer, not_null, "25")
                  .col("next_month_lot_size", ct::integer)
                  .col("freeze_quantity", ct::integer, not_null, "1800")
                  .col("max_lots_per_order", ct::integer, none, "36")
                  .col("strike_step", ct::real)
                  .col("weekly_expiries", ct::boolean, none, "TRUE")
                  .col("expiry_weekday", ct::integer)
                  .str("index_exchange", 20)
                  .str("derivative_exchange", 20)
                  .col("is_active", ct::boolean, none, "TRUE")
                  .created_updated()
                  .unique_on({"user_id", "symbol"})
                  .build());

  all.push_back(table_builder{"websocket_sessions"}
                  .str("session_id", 64, not_null | unique)
                  .ref("user_id", "users", "CASCADE", not_null)
                  .ref("account_id", "trading_accounts", "SET NULL")
                  .str("session_type", 50)
                  .str("instrument", 50)
                  .col("symbol_count", ct::integer, none, "0")
                  .col("is_active", ct::boolean, none, "TRUE")
                  .col("last_heartbeat", ct::timestamp)
                  .col("created_at", ct::timestamp, none, "CURRENT_TIMESTAMP")
                  .col("expires_at", ct::timestamp)
                  .index_on({"is_active", "expires_at"})
                  .index_on({"user_id", "is_active"})
                  .build());

  all.push_back(table_builder{"trading_hours_templates"}
                  .str("name", 50, not_null | unique)
                  .str("market", 20)
                  .col("market_open", ct::time, not_null)
                  .col("market_close", ct::time, not_null)
                  .col("pre_open_start", ct::time)
                  .col("pre_open_end", ct::time)
                  .str("weekdays", 20, none, "'1,2,3,4,5'")
                  .col("is_active", ct::boolean, none, "TRUE")
                  .col("created_at", ct::timestamp, none, "CURRENT_TIMESTAMP")
                  .build());

  all.push_back(table_builder{"market_holidays"}
                  .col("date", ct::date, not_null)
                  .str("name", 100)
                  .col("markets", ct::json)
                  .unique_on({"date"})
                  .index_on({"date"})
                  .build());

  all.push_back(table_builder{"special_trading_sessions"}
                  .col("date", ct::date, not_null)
                  .str("name", 100)
                  .str("market", 20)
                  .col("market_open", ct::time, not_null)
                  .col("market_close", ct::time, not_null)
                  .index_on({"date"})
                  .build());

  // The operator's word that a year with no holiday list may still trade on schedule
  // (`calendar acknowledge 2027`): without it a scheduled entry on such a day is refused.
  all.push_back(table_builder{"calendar_acknowledgements"}
                  .str("market", 20, not_null)
                  .col("year", ct::integer, not_null)
                  .str("acknowledged_by", 80)
                  .col("acknowledged_at", ct::timestamp, none, "CURRENT_TIMESTAMP")
                  .unique_on({"market", "year"})
                  .build());

  all.push_back(table_builder{"websocket_connections"}
                  .ref("account_id", "trading_accounts", "CASCADE", not_null)
                  .str("connection_id", 100, unique)
                  .str("status", 20, none, "'disconnected'")
                  .col("connected_at", ct::timestamp)
                  .col("disconnected_at", ct::timestamp)
                  .col("messages_received", ct::big_integer, none, "0")
                  .col("last_heartbeat", ct::timestamp)
                  .index_on({"account_id"})
                  .index_on({"status"})
                  .build());

  all.push_back(table_builder{"failover_events"}
                  .ref("from_account_id", "trading_accounts", "SET NULL")
                  .ref("to_account_id", "trading_accounts", "SET NULL")
                  .str("reason", 100)
                  .col("timestamp", ct::timestamp, none, "CURRENT_TIMESTAMP")
                  .col("success", ct::boolean, none, "TRUE")
                  .col("error_message", ct::text)
                  .index_on({"timestamp"})
                  .build());
  return all;
}

std::string type_sql(const column& c, dialect d) {
  bool pg = d == dialect::postgresql;
  switch (c.type) {
    case ct::id:
      return pg ? "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
                : "INTEGER PRIMARY KEY AUTOINCREMENT";
    case ct::reference:
    case ct::big_integer:
      return pg ? "BIGINT" : "INTEGER";
    case ct::integer:
      return "INTEGER";
    case ct::real:
      return pg ? "DOUBLE PRECISION" : "REAL";
    case ct::money:
      return pg ? "NUMERIC(14,2)" : "REAL";
    case ct::boolean:
      return "BOOLEAN";
    case ct::varchar:
      return "VARCHAR(" + std::to_string(c.length) + ")";
    case ct::text:
      return "TEXT";
    case ct::timestamp:
      return "TIMESTAMP";
    case ct::date:
      return "DATE";
    case ct::time:
      return "TIME";
    case ct::json:
      return pg ? "JSONB" : "JSON";
  }
  return "TEXT";
}

std::string join(const std::vector<std::string>& xs, std::string_view sep) {
  std::string out;
  for (auto& x : xs) {
    if (!out.empty())
      out += sep;
    out += x;
  }
  return out;
}

} // namespace

const column* table::find(std::string_view column_name) const {
  for (auto& c : columns)
    if (c.name == column_name)
      return &c;
  return nullptr;
}

const std::vector<table>& tables() {
  static const std::vector<table> all = make_tables();
  return all;
}

const table* find_table(std::string_view name) {
  for (auto& t : tables())
    if (t.name == name)
      return &t;
  return nullptr;
}

std::string render_create_table(const table& t, dialect d) {
  std::vector<std::string> parts;
  for (auto& c : t.columns) {
    auto line = "\"" + c.name + "\" " + type_sql(c, d);
    if (c.flags & not_null)
      line += " NOT NULL";
    if (c.flags & unique)
      line += " UNIQUE";
    if (!c.default_value.empty())
      line += " DEFAULT " + c.default_value;
    parts.push_back(std::move(line));
  }
  for (auto& c : t.columns)
    if (c.type == ct::reference)
      parts.push_back("FOREIGN KEY (\"" + c.name + "\") REFERENCES " + c.references
                      + "(id) ON DELETE " + c.on_delete);
  for (auto& u : t.unique_constraints) {
    std::vector<std::string> quoted;
    for (auto& name : u)
      quoted.push_back("\"" + name + "\"");
    parts.push_back("UNIQUE (" + join(quoted, ", ") + ")");
  }
  return "CREATE TABLE " + t.name + " (\n  " + join(parts, ",\n  ") + "\n)";
}

std::vector<std::string> render_indexes(const table& t, dialect) {
  std::vector<std::string> out;
  for (auto& ix : t.indexes) {
    std::vector<std::string> quoted;
    for (auto& name : ix.columns)
      quoted.push_back("\"" + name + "\"");
    out.push_back(std::string{"CREATE "} + (ix.unique ? "UNIQUE " : "") + "INDEX ix_" + t.name
                  + "__" + join(ix.columns, "_") + " ON " + t.name + " (" + join(quoted, ", ")
                  + ")");
  }
  return out;
}

std::string check_values(const std::string& table_name, const std::vector<const column*>& defs,
                         const std::vector<sql_value>& values) {
  for (size_t i = 0; i < defs.size(); ++i) {
    auto* c = defs[i];
    if (i >= values.size() || std::holds_alternative<std::monostate>(values[i])) {
      if ((c->flags & not_null) && c->type != ct::id)
        return table_name + "." + c->name + ": must not be empty (NULL)";
      continue;
    }
    auto* text = std::get_if<std::string>(&values[i]);
    if (c->type == ct::varchar && text != nullptr && text->size() > static_cast<size_t>(c->length))
      return table_name + "." + c->name + ": " + std::to_string(text->size())
             + " characters, at most " + std::to_string(c->length) + " allowed";
  }
  return {};
}

std::string check_values(const table& t, const std::vector<std::string>& columns,
                         const std::vector<sql_value>& values) {
  std::vector<const column*> defs;
  for (auto& name : columns) {
    auto* c = t.find(name);
    if (c == nullptr)
      return t.name + "." + name + ": no such column";
    defs.push_back(c);
  }
  return check_values(t.name, defs, values);
}

std::string render_add_column(const table& t, const column& c, dialect d) {
  auto line = "ALTER TABLE " + t.name + " ADD COLUMN \"" + c.name + "\" " + type_sql(c, d);
  bool constant_default =
    c.default_value.find('(') == std::string::npos && c.default_value != "CURRENT_TIMESTAMP";
  if (!c.default_value.empty() && (d == dialect::postgresql || constant_default))
    line += " DEFAULT " + c.default_value;
  if (c.type == ct::reference)
    line += " REFERENCES " + c.references + "(id) ON DELETE " + c.on_delete;
  return line;
}

std::string render_drop_table(const table& t, dialect d) {
  return "DROP TABLE IF EXISTS " + t.name + (d == dialect::postgresql ? " CASCADE" : "");
}

} // namespace algomirror::schema
