#include "persistence/loaders.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "messages/names.hpp"
#include "persistence/json_columns.hpp"

namespace algomirror {

namespace {

/// Reads the cells of one result row by position, as the types the loaders need.
class row_reader {
public:
  row_reader(const sql_row& row, std::string table, load_problems& problems)
    : row_(row), table_(std::move(table)), problems_(problems) {}

  bool ok() const { return ok_; }

  std::string text(size_t i) const { return row_.at(i).value_or(""); }

  int64_t integer(size_t i) const {
    auto& cell = row_.at(i);
    return cell ? std::strtoll(cell->c_str(), nullptr, 10) : 0;
  }

  double real(size_t i) const {
    auto& cell = row_.at(i);
    return cell ? std::strtod(cell->c_str(), nullptr) : 0.0;
  }

  bool boolean(size_t i) const {
    auto& cell = row_.at(i);
    return cell && (*cell == "1" || *cell == "t" || *cell == "true" || *cell == "TRUE");
  }

  utc_instant time(size_t i) const { return parse_sql_time(text(i)); }

  time_of_day clock_time(size_t i) const {
    auto t = text(i);
    if (t.size() < 5)
      return {};
    int h = std::atoi(t.substr(0, 2).c_str());
    int m = std::atoi(t.substr(3, 2).c_str());
    int s = t.size() >= 8 ? std::atoi(t.substr(6, 2).c_str()) : 0;
    return time_of_day{h * 3600 + m * 60 + s};
  }

  /// The enum written as the cell's word; a NULL or empty cell gives `fallback`; an unknown
  /// word is a problem of this row.
  template <class Enum>
  Enum word(size_t i, const char* column, Enum fallback) {
    auto t = text(i);
    if (t.empty())
      return fallback;
    if (auto e = parse_enum<Enum>(t))
      return *e;
    ok_ = false;
    problems_.push_back(table_ + " " + text(0) + ": " + column + " '" + t
                        + "' is not one of " + allowed_words<Enum>());
    return fallback;
  }

  /// A JSON array of strings as we write it (["a","b"]).
  /// A JSON array of texts; a text that is not one is a problem named with its column (the
  /// row is kept: the list reads as empty).
  std::vector<std::string> string_array(size_t i, const char* column) const {
    std::string problem;
    auto out = strings_from_json(text(i), problem);
    if (!problem.empty())
      problems_.push_back(table_ + " " + text(0) + ": " + column + ": " + problem);
    return out;
  }

private:
  const sql_row& row_;
  std::string table_;
  load_problems& problems_;
  bool ok_ = true;
};

threshold read_threshold(row_reader& r, size_t kind_col, size_t value_col, const char* column) {
  threshold t;
  t.value = r.real(value_col);
  t.kind = r.word<threshold_kind>(kind_col, column, threshold_kind::off);
  if (t.value == 0)
    t.kind = threshold_kind::off;
  return t;
}

} // namespace

utc_instant parse_sql_time(const std::string& text) {
  using namespace std::chrono;
  if (text.size() < 19)
    return {};
  int y = std::atoi(text.substr(0, 4).c_str());
  unsigned mo = static_cast<unsigned>(std::atoi(text.substr(5, 2).c_str()));
  unsigned d = static_cast<unsigned>(std::atoi(text.substr(8, 2).c_str()));
  int h = std::atoi(text.substr(11, 2).c_str());
  int mi = std::atoi(text.substr(14, 2).c_str());
  int s = std::atoi(text.substr(17, 2).c_str());
  int64_t micros = 0;
  if (text.size() > 20 && text[19] == '.') {
    int digits = 0;
    for (size_t k = 20; k < text.size() && text[k] >= '0' && text[k] <= '9'; ++k) {
      if (digits < 6) {
        micros = micros * 10 + (text[k] - '0');
        ++digits;
      }
    }
    for (; digits < 6; ++digits)
      micros *= 10;
  }
  year_month_day ymd{year{y}, month{mo}, day{d}};
  if (!ymd.ok())
    return {};
  return utc_instant{sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} + microseconds{micros}};
}

std::vector<account_record> load_active_accounts(database& db, load_problems& problems) {
  std::vector<account_record> out;
  for (auto& row : db.query(
         "SELECT id, user_id, account_name, broker, host_url, websocket_url, api_key_encrypted, "
         "is_primary, priority, is_active, connection_status FROM trading_accounts "
         "WHERE is_active = ? ORDER BY user_id, is_primary DESC, priority, id",
         {true})) {
    row_reader r{row, "trading_accounts", problems};
    account_record a{r.integer(0), r.integer(1), r.text(2), r.text(3), r.text(4), r.text(5),
                     r.text(6), r.boolean(7), static_cast<int32_t>(r.integer(8)), r.boolean(9),
                     connection_health::unknown};
    a.health = r.word<connection_health>(10, "connection_status", connection_health::unknown);
    if (r.ok())
      out.push_back(std::move(a));
  }
  return out;
}

std::vector<strategy_definition> load_strategies(database& db, load_problems& problems) {
  std::vector<strategy_definition> out;
  for (auto& row : db.query(
         "SELECT id, user_id, name, description, market_condition, risk_profile, entry_time, "
         "exit_time, square_off_time, max_loss, max_profit, trailing_sl_type, trailing_sl, "
         "supertrend_exit_enabled, supertrend_exit_type, supertrend_period, "
         "supertrend_multiplier, supertrend_timeframe, risk_scope, product_order_type, "
         "exit_price_protection, selected_accounts FROM strategies WHERE is_active = ? "
         "ORDER BY id",
         {true})) {
    row_reader r{row, "strategies", problems};
    strategy_definition s;
    s.id = r.integer(0);
    s.user_id = r.integer(1);
    s.name = r.text(2);
    s.description = r.text(3);
    s.condition = r.word<market_condition>(4, "market_condition", market_condition::any);
    s.risk_profile = r.text(5).empty() ? "fixed_lots" : r.text(5);
    s.entry_time = r.clock_time(6);
    s.exit_time = r.clock_time(7);
    s.square_off_time = r.clock_time(8);
    s.max_loss = r.real(9);
    s.max_profit = r.real(10);
    s.trailing_stop = read_threshold(r, 11, 12, "trailing_sl_type");
    s.supertrend.enabled = r.boolean(13);
    s.supertrend.kind =
      r.word<supertrend_exit_kind>(14, "supertrend_exit_type", supertrend_exit_kind::breakout);
    s.supertrend.period = static_cast<int32_t>(r.integer(15));
    s.supertrend.multiplier = r.real(16);
    s.supertrend.timeframe = r.text(17);
    s.scope = r.word<risk_scope>(18, "risk_scope", risk_scope::account);
    s.order_product = r.word<product>(19, "product_order_type", product::mis);
    s.exit_price_protection_pct = r.real(20);
    for (auto& id : r.string_array(21, "account_ids"))
      s.account_ids.push_back(std::strtoll(id.c_str(), nullptr, 10));
    if (r.ok())
      out.push_back(std::move(s));
  }
  for (auto& s : out) {
    for (auto& row : db.query(
           "SELECT id, leg_number, instrument, product_type, expiry, action, option_type, "
           "strike_selection, strike_offset, strike_price, premium_value, order_type, "
           "limit_price, trigger_price, lots, stop_loss_type, stop_loss_value, "
           "take_profit_type, take_profit_value FROM strategy_legs WHERE strategy_id = ? "
           "ORDER BY leg_number",
           {s.id})) {
      row_reader r{row, "strategy_legs", problems};
      leg_definition leg;
      leg.id = r.integer(0);
      leg.leg_number = static_cast<int32_t>(r.integer(1));
      leg.underlying = r.text(2);
      leg.product_kind = r.word<leg_product>(3, "product_type", leg_product::options);
      leg.expiry = r.word<expiry_choice>(4, "expiry", expiry_choice::current_week);
      leg.action = r.word<side>(5, "action", side::buy);
      leg.option = r.word<option_type>(6, "option_type", option_type::none);
      leg.strike = r.word<strike_selection>(7, "strike_selection", strike_selection::atm);
      leg.strike_offset = static_cast<int32_t>(r.integer(8));
      leg.strike_price = r.real(9);
      leg.premium_target = r.real(10);
      leg.order_kind = r.word<price_type>(11, "order_type", price_type::market);
      leg.limit_price = r.real(12);
      leg.trigger_price = r.real(13);
      leg.lots = static_cast<int32_t>(r.integer(14));
      leg.stop_loss = read_threshold(r, 15, 16, "stop_loss_type");
      leg.take_profit = read_threshold(r, 17, 18, "take_profit_type");
      if (r.ok())
        s.legs.push_back(std::move(leg));
    }
  }
  return out;
}

std::vector<run_record> load_unfinished_runs(database& db, load_problems& problems) {
  std::vector<run_record> out;
  for (auto& row : db.query(
         "SELECT id, write_id, strategy_id, status, risk_scope, started_at, ended_at, "
         "end_reason, spot_snapshot, max_loss_fired, max_profit_fired, trailing_stop_fired, "
         "supertrend_fired, exit_time_fired, square_off_fired, trailing_state, "
         "skipped_accounts, needs_attention, attention_reason FROM strategy_runs "
         "WHERE status <> ? ORDER BY id",
         {to_string(run_phase::finished)})) {
    row_reader r{row, "strategy_runs", problems};
    run_record x;
    x.id = r.integer(0);
    x.write_id = r.text(1);
    x.strategy_id = r.integer(2);
    x.phase = r.word<run_phase>(3, "status", run_phase::needs_attention);
    x.scope = r.word<risk_scope>(4, "risk_scope", risk_scope::account);
    x.started_at = r.time(5);
    x.ended_at = r.time(6);
    x.end_reason = r.text(7);
    x.spot_snapshot_json = r.text(8);
    x.max_loss_fired = r.boolean(9);
    x.max_profit_fired = r.boolean(10);
    x.trailing_stop_fired = r.boolean(11);
    x.supertrend_fired = r.boolean(12);
    x.exit_time_fired = r.boolean(13);
    x.square_off_fired = r.boolean(14);
    x.trailing_state_json = r.text(15);
    std::string trailing_problem;
    x.trailing = trailing_from_json(x.trailing_state_json, trailing_problem);
    if (!trailing_problem.empty())
      problems.push_back("strategy_runs " + std::to_string(x.id) + ": " + trailing_problem
                         + " (its trailing stops re-arm from their initial distance)");
    std::string margin_problem;
    x.margins = margins_from_json(x.trailing_state_json, margin_problem);
    if (!margin_problem.empty())
      problems.push_back("strategy_runs " + std::to_string(x.id) + ": " + margin_problem
                         + " (its margin reservations are not rebuilt)");
    x.skipped_accounts_json = r.text(16);
    x.needs_attention = r.boolean(17);
    x.attention_reason = r.text(18);
    if (r.ok())
      out.push_back(std::move(x));
  }
  return out;
}

namespace {

/// The statuses of an open execution, for `status IN (?, ?, ?, ?, ?)`: ours, and the seed's
/// word for an open position (`active`).
std::vector<sql_value> open_statuses() {
  return {to_string(execution_status::pending), to_string(execution_status::entered),
          to_string(execution_status::exit_pending), to_string(execution_status::exit_stuck),
          std::string{"active"}};
}

/// Adds to each execution the broker order ids its order intents were answered with
/// (`order_intents`, written before each order was sent and updated with its outcome): an
/// order the broker accepted just before a crash is known as ours even when the execution's
/// row never heard of it and the broker dropped our tag — recovery adopts it, never sends it
/// again. Attempt 0 is the entry; the others are exits.
void add_intent_orders(database& db, std::vector<execution_state>& executions,
                       load_problems& problems) {
  std::map<int64_t, execution_state*> by_id;
  for (auto& e : executions)
    by_id[e.execution_id] = &e;
  if (by_id.empty())
    return;
  for (auto& row : db.query(
         "SELECT i.intent_id, i.execution_id, i.attempt, i.broker_order_ids FROM order_intents i "
         "JOIN strategy_executions e ON e.id = i.execution_id "
         "WHERE i.broker_order_ids IS NOT NULL AND e.status IN (?, ?, ?, ?, ?) ORDER BY i.id",
         open_statuses())) {
    row_reader r{row, "order_intents", problems};
    auto e = by_id.find(r.integer(1));
    if (e == by_id.end())
      continue;
    auto& ids = r.integer(2) == 0 ? e->second->entry_order_ids : e->second->exit_order_ids;
    for (auto& id : r.string_array(3, "broker_order_ids"))
      if (std::find(ids.begin(), ids.end(), id) == ids.end())
        ids.push_back(id);
  }
}

} // namespace

std::vector<execution_state> load_open_executions(database& db, load_problems& problems) {
  std::vector<execution_state> out;
  for (auto& row : db.query(
         "SELECT id, write_id, run_id, strategy_id, account_id, leg_id, symbol, exchange, "
         "action, product, quantity, entry_price, exit_price, last_price, realized_pnl, "
         "unrealized_pnl, status, exit_reason, exit_retry_count, entry_order_ids, "
         "exit_order_ids, entry_time, exit_claimed_at, exit_time, error_message, "
         "underlying_symbol, sl_hit_at, sl_hit_price, tp_hit_at, tp_hit_price, peak_pnl, "
         "max_loss_amount FROM strategy_executions "
         "WHERE status IN (?, ?, ?, ?, ?) ORDER BY id",
         open_statuses())) {
    row_reader r{row, "strategy_executions", problems};
    execution_state x;
    x.execution_id = r.integer(0);
    x.write_id = r.text(1);
    x.run_id = r.integer(2);
    x.strategy_id = r.integer(3);
    x.account_id = r.integer(4);
    x.leg_id = r.integer(5);
    x.inst.symbol = r.text(6);
    x.inst.exch = r.word<exchange>(7, "exchange", exchange::nfo);
    x.action = r.word<side>(8, "action", side::buy);
    x.order_product = r.word<product>(9, "product", product::mis);
    x.quantity = r.integer(10);
    x.entry_price = r.real(11);
    x.exit_price = r.real(12);
    x.last_price = r.real(13);
    x.realized_pnl = r.real(14);
    x.unrealized_pnl = r.real(15);
    // The seed's word for an open position is `active`; ours is `entered`.
    x.status = r.text(16) == "active"
                 ? execution_status::entered
                 : r.word<execution_status>(16, "status", execution_status::pending);
    x.reason = r.word<exit_reason>(17, "exit_reason", exit_reason::none);
    x.exit_attempts = static_cast<int32_t>(r.integer(18));
    x.entry_order_ids = r.string_array(19, "entry_order_ids");
    x.exit_order_ids = r.string_array(20, "exit_order_ids");
    x.entered_at = r.time(21);
    x.exit_claimed_at = r.time(22);
    x.exited_at = r.time(23);
    x.error_message = r.text(24);
    x.underlying = r.text(25);
    x.sl_hit_at = r.time(26);
    x.sl_hit_price = r.real(27);
    x.tp_hit_at = r.time(28);
    x.tp_hit_price = r.real(29);
    x.peak_pnl = r.real(30);
    x.max_loss_amount = r.real(31);
    if (r.ok())
      out.push_back(std::move(x));
  }
  add_intent_orders(db, out, problems);
  return out;
}

std::vector<ws_session_record> load_open_ws_sessions(database& db, load_problems& problems) {
  std::vector<ws_session_record> out;
  for (auto& row : db.query(
         "SELECT id, session_id, user_id, account_id, session_type, instrument, symbol_count, "
         "is_active, last_heartbeat, expires_at FROM websocket_sessions WHERE is_active = ? "
         "ORDER BY id",
         {true})) {
    row_reader r{row, "websocket_sessions", problems};
    out.push_back({r.integer(0), r.text(1), r.integer(2), r.integer(3), r.text(4), r.text(5),
                   static_cast<int32_t>(r.integer(6)), r.boolean(7), r.time(8), r.time(9)});
  }
  return out;
}

calendar_data load_calendar(database& db, load_problems& problems) {
  calendar_data out;
  for (auto& row : db.query("SELECT id, name, market, market_open, market_close, "
                            "pre_open_start, pre_open_end, weekdays FROM "
                            "trading_hours_templates WHERE is_active = ? ORDER BY id",
                            {true})) {
    row_reader r{row, "trading_hours_templates", problems};
    trading_hours h{r.text(1), r.text(2), r.clock_time(3), r.clock_time(4), r.clock_time(5),
                    r.clock_time(6), {}};
    auto days = r.text(7);
    for (size_t k = 0; k < days.size(); ++k)
      if (days[k] >= '0' && days[k] <= '6')
        h.weekdays.push_back(days[k] - '0');
    out.templates.push_back(std::move(h));
  }
  for (auto& row : db.query("SELECT id, date, name, markets FROM market_holidays ORDER BY date")) {
    row_reader r{row, "market_holidays", problems};
    out.holidays.push_back({r.text(1).substr(0, 10), r.text(2), r.string_array(3, "markets")});
  }
  for (auto& row : db.query("SELECT id, date, name, market, market_open, market_close FROM "
                            "special_trading_sessions ORDER BY date")) {
    row_reader r{row, "special_trading_sessions", problems};
    out.special_sessions.push_back(
      {r.text(1).substr(0, 10), r.text(2), r.text(3), r.clock_time(4), r.clock_time(5)});
  }
  for (auto& row : db.query("SELECT id, market, year FROM calendar_acknowledgements ORDER BY "
                            "market, year")) {
    row_reader r{row, "calendar_acknowledgements", problems};
    out.acknowledged.push_back({r.text(1), static_cast<int32_t>(r.integer(2))});
  }
  return out;
}

user_settings load_user_settings(database& db, int64_t user_id, load_problems& problems) {
  user_settings out;
  out.user_id = user_id;
  // Defaults first (user_id NULL sorts first in neither dialect reliably: ordered by hand),
  // then the user's rows replace the defaults of the same key.
  auto rows_of = [&](const std::string& sql) {
    auto defaults = db.query(sql + " WHERE user_id IS NULL AND is_active = ? ORDER BY id", {true});
    if (user_id != 0)
      for (auto& row : db.query(sql + " WHERE user_id = ? AND is_active = ? ORDER BY id",
                                {user_id, true}))
        defaults.push_back(std::move(row));
    return defaults;
  };
  auto put = [](auto& list, auto item, auto key) {
    for (auto& x : list)
      if (key(x) == key(item)) {
        x = std::move(item);
        return;
      }
    list.push_back(std::move(item));
  };
  for (auto& row : rows_of("SELECT id, symbol, lot_size, next_month_lot_size, freeze_quantity, "
                           "strike_step, weekly_expiries, expiry_weekday, index_exchange, "
                           "derivative_exchange FROM trading_settings")) {
    row_reader r{row, "trading_settings", problems};
    underlying_spec spec;
    spec.name = r.text(1);
    spec.lot_size = static_cast<int32_t>(r.integer(2));
    spec.next_month_lot_size = row.at(3) ? static_cast<int32_t>(r.integer(3)) : spec.lot_size;
    spec.freeze_quantity = static_cast<int32_t>(r.integer(4));
    spec.strike_step = r.real(5);
    spec.weekly_expiries = r.boolean(6);
    spec.expiry_weekday = static_cast<int32_t>(r.integer(7));
    spec.index_exchange = r.word<exchange>(8, "index_exchange", exchange::nse_index);
    spec.derivative_exchange = r.word<exchange>(9, "derivative_exchange", exchange::nfo);
    if (spec.lot_size <= 0 || spec.strike_step <= 0 || spec.freeze_quantity < 0) {
      problems.push_back("trading_settings " + r.text(0) + ": " + spec.name
                         + " needs lot_size > 0 and strike_step > 0 (the row is ignored)");
      continue;
    }
    if (r.ok())
      put(out.instruments, std::move(spec), [](const underlying_spec& x) { return x.name; });
  }
  for (auto& row : rows_of("SELECT id, instrument, ce_pe_sell_expiry, ce_pe_sell_non_expiry, "
                           "ce_and_pe_sell_expiry, ce_and_pe_sell_non_expiry, futures_expiry, "
                           "futures_non_expiry, buy_premium_per_lot FROM margin_requirements")) {
    row_reader r{row, "margin_requirements", problems};
    margin_requirement m{r.text(1), r.real(2), r.real(3), r.real(4), r.real(5),
                         r.real(6), r.real(7), r.real(8)};
    put(out.margins, std::move(m), [](const margin_requirement& x) { return x.instrument; });
  }
  for (auto& row : rows_of("SELECT id, quality_grade, margin_percentage, margin_source FROM "
                           "trade_qualities")) {
    row_reader r{row, "trade_qualities", problems};
    trade_quality g{r.text(1), r.real(2), r.text(3).empty() ? "available" : r.text(3)};
    if (g.percent <= 0 || g.percent > 100 || (g.source != "available" && g.source != "cash")) {
      problems.push_back("trade_qualities " + r.text(0) + ": grade " + g.grade
                         + " needs a margin_percentage in (0, 100] and a margin_source of "
                           "available or cash (the row is ignored)");
      continue;
    }
    put(out.grades, std::move(g), [](const trade_quality& x) { return x.grade; });
  }
  return out;
}

} // namespace algomirror
