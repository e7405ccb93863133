#pragma once

// Rows the persistence actor writes and the loaders read back: the records of the database
// that are not already protocol values. Every write carries a `write_id`, unique per write, so
// a batch replayed after a lost commit outcome changes nothing twice.

#include <cstdint>
#include <string>
#include <vector>

#include "messages/account.hpp"
#include "messages/execution.hpp"
#include "messages/instrument.hpp"
#include "messages/orders.hpp"
#include "messages/run.hpp"
#include "messages/strategy.hpp"
#include "messages/time.hpp"

namespace algomirror {

/// A `trading_accounts` row. The API key stays encrypted here; only the broker gateway holds
/// it decrypted.
struct account_record {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string name;
  std::string broker;
  std::string host_url;
  std::string websocket_url;
  std::string api_key_encrypted;
  bool is_primary = false;
  int32_t priority = 0;
  bool is_active = true;
  connection_health health = connection_health::unknown;

  friend bool operator==(const account_record&, const account_record&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, account_record& x) {
  return f(x.id, x.user_id, x.name, x.broker, x.host_url, x.websocket_url, x.api_key_encrypted,
           x.is_primary, x.priority, x.is_active, x.health);
}

/// One risk scope's trailing stop as it stood (`strategy_runs.trailing_state`), restored after
/// a restart so the stop does not re-arm from its initial distance.
struct scope_trailing {
  int64_t scope = 0; ///< 0 = the run, else the account id
  bool armed = false;
  double distance = 0;
  double initial = 0;
  double peak = 0;
  double stop = 0;

  friend bool operator==(const scope_trailing&, const scope_trailing&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scope_trailing& x) {
  return f(x.scope, x.armed, x.distance, x.initial, x.peak, x.stop);
}

/// The margin a run reserved in an account's ledger (the `margins` of
/// `strategy_runs.trailing_state`), reserved again after a restart while the run is live.
struct margin_reservation {
  int64_t account_id = 0;
  double amount = 0;

  friend bool operator==(const margin_reservation&, const margin_reservation&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, margin_reservation& x) {
  return f(x.account_id, x.amount);
}

/// A `strategy_runs` row: the run's status, latches and trailing-stop state.
struct run_record {
  int64_t id = 0; ///< 0 = create
  std::string write_id;
  int64_t strategy_id = 0;
  run_phase phase = run_phase::resolving;
  risk_scope scope = risk_scope::account;
  utc_instant started_at;
  utc_instant ended_at; ///< epoch = not ended
  std::string end_reason;
  std::string spot_snapshot_json;
  bool max_loss_fired = false;
  bool max_profit_fired = false;
  bool trailing_stop_fired = false;
  bool supertrend_fired = false;
  bool exit_time_fired = false;
  bool square_off_fired = false;
  std::string trailing_state_json; ///< as read; written from `trailing` when that is set
  std::string skipped_accounts_json;
  bool needs_attention = false;
  std::string attention_reason;
  std::vector<scope_trailing> trailing; ///< every scope's trailing stop
  std::vector<margin_reservation> margins; ///< what the run holds in its accounts' ledgers

  friend bool operator==(const run_record&, const run_record&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_record& x) {
  return f(x.id, x.write_id, x.strategy_id, x.phase, x.scope, x.started_at, x.ended_at,
           x.end_reason, x.spot_snapshot_json, x.max_loss_fired, x.max_profit_fired,
           x.trailing_stop_fired, x.supertrend_fired, x.exit_time_fired, x.square_off_fired,
           x.trailing_state_json, x.skipped_accounts_json, x.needs_attention,
           x.attention_reason, x.trailing, x.margins);
}

/// A run's durable state as recovery starts from it: its row and its unfinished executions
/// (at start-up, and when a run actor that died is made again).
struct run_recovery {
  run_record record;
  std::vector<execution_state> executions;

  friend bool operator==(const run_recovery&, const run_recovery&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_recovery& x) {
  return f(x.record, x.executions);
}

/// A `websocket_sessions` row (option-chain or position-monitor session).
struct ws_session_record {
  int64_t id = 0;
  std::string session_id;
  int64_t user_id = 0;
  int64_t account_id = 0;
  std::string session_type;
  std::string underlying;
  int32_t symbol_count = 0;
  bool is_active = true;
  utc_instant last_heartbeat;
  utc_instant expires_at;

  friend bool operator==(const ws_session_record&, const ws_session_record&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ws_session_record& x) {
  return f(x.id, x.session_id, x.user_id, x.account_id, x.session_type, x.underlying,
           x.symbol_count, x.is_active, x.last_heartbeat, x.expires_at);
}

/// A trading-hours template (§11); times are IST seconds of the day.
struct trading_hours {
  std::string name;
  std::string market;
  time_of_day open;
  time_of_day close;
  time_of_day pre_open_start;
  time_of_day pre_open_end;
  std::vector<int32_t> weekdays; ///< 0 = Sunday … 6 = Saturday

  friend bool operator==(const trading_hours&, const trading_hours&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, trading_hours& x) {
  return f(x.name, x.market, x.open, x.close, x.pre_open_start, x.pre_open_end, x.weekdays);
}

/// A holiday (`date` is `YYYY-MM-DD`, IST) of the listed markets.
struct market_holiday {
  std::string date;
  std::string name;
  std::vector<std::string> markets;

  friend bool operator==(const market_holiday&, const market_holiday&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, market_holiday& x) {
  return f(x.date, x.name, x.markets);
}

/// A special session (e.g. Muhurat): one date, its own hours; overrides a holiday.
struct special_session {
  std::string date;
  std::string name;
  std::string market;
  time_of_day open;
  time_of_day close;

  friend bool operator==(const special_session&, const special_session&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, special_session& x) {
  return f(x.date, x.name, x.market, x.open, x.close);
}

/// The operator's word that `market` may trade on schedule in `year` although no holiday of
/// that year is listed (`calendar acknowledge YEAR`).
struct calendar_acknowledgement {
  std::string market;
  int32_t year = 0;

  friend bool operator==(const calendar_acknowledgement&,
                         const calendar_acknowledgement&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, calendar_acknowledgement& x) {
  return f(x.market, x.year);
}

/// Everything the market calendar is built from.
struct calendar_data {
  std::vector<trading_hours> templates;
  std::vector<market_holiday> holidays;
  std::vector<special_session> special_sessions;
  std::vector<calendar_acknowledgement> acknowledged;

  friend bool operator==(const calendar_data&, const calendar_data&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, calendar_data& x) {
  return f(x.templates, x.holidays, x.special_sessions, x.acknowledged);
}

/// A `margin_requirements` row: margin per lot (₹) of one instrument (trading-rules §4).
struct margin_requirement {
  std::string instrument;
  double sell_expiry = 0;
  double sell_non_expiry = 0;
  double straddle_expiry = 0;
  double straddle_non_expiry = 0;
  double futures_expiry = 0;
  double futures_non_expiry = 0;
  double buy_premium = 0;

  friend bool operator==(const margin_requirement&, const margin_requirement&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, margin_requirement& x) {
  return f(x.instrument, x.sell_expiry, x.sell_non_expiry, x.straddle_expiry,
           x.straddle_non_expiry, x.futures_expiry, x.futures_non_expiry, x.buy_premium);
}

/// A `trade_qualities` row: the share of the margin source a grade may use.
struct trade_quality {
  std::string grade;  ///< A, B, C
  double percent = 0;
  std::string source; ///< available | cash

  friend bool operator==(const trade_quality&, const trade_quality&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, trade_quality& x) {
  return f(x.grade, x.percent, x.source);
}

/// What one user's runs are sized and placed with (issue 15): the instrument table
/// (`trading_settings`), margins and grades — the defaults (rows without a user) with the
/// user's own rows over them, read at every run start.
struct user_settings {
  int64_t user_id = 0;
  std::vector<underlying_spec> instruments;
  std::vector<margin_requirement> margins;
  std::vector<trade_quality> grades;

  friend bool operator==(const user_settings&, const user_settings&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_settings& x) {
  return f(x.user_id, x.instruments, x.margins, x.grades);
}

/// An `orders` row: one broker order (a freeze-split child is one order), written when the
/// broker accepts it and again at every change of status or fill (an upsert by account and
/// broker order id). Orders seen at the broker that no intent of ours placed are `external`.
struct order_record {
  int64_t account_id = 0;
  std::string order_id; ///< the broker's
  std::string intent_id; ///< empty = not placed by this node's intents
  int64_t execution_id = 0; ///< 0 = none
  std::string strategy_tag;
  instrument inst;
  side action = side::buy;
  int64_t quantity = 0;
  price_type kind = price_type::market;
  double price = 0;
  double trigger_price = 0;
  product order_product = product::mis;
  order_status status = order_status::open;
  int64_t filled_quantity = 0;
  double average_price = 0;
  utc_instant placed_at;
  utc_instant executed_at; ///< epoch = not (yet) complete
  bool external = false;

  friend bool operator==(const order_record&, const order_record&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_record& x) {
  return f(x.account_id, x.order_id, x.intent_id, x.execution_id, x.strategy_tag, x.inst,
           x.action, x.quantity, x.kind, x.price, x.trigger_price, x.order_product, x.status,
           x.filled_quantity, x.average_price, x.placed_at, x.executed_at, x.external);
}

/// What an account's broker book held as it read it: its positionbook (`positions`) or its
/// holdings (`holdings`). Every row is upserted; a row no longer in the book is written with
/// quantity 0 (closed).
struct book_record {
  int64_t account_id = 0;
  bool holdings = false; ///< false: the positionbook
  std::vector<broker_position> rows;
  utc_instant at;

  friend bool operator==(const book_record&, const book_record&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, book_record& x) {
  return f(x.account_id, x.holdings, x.rows, x.at);
}

/// What one key holds in an account's margin ledger (a run's reservation).
struct margin_allocation {
  std::string key;
  double amount = 0;

  friend bool operator==(const margin_allocation&, const margin_allocation&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, margin_allocation& x) {
  return f(x.key, x.amount);
}

/// A `margin_trackers` row: an account's margin ledger after a change (one row per account).
struct margin_record {
  int64_t account_id = 0;
  double total_available = 0; ///< the broker's figure the ledger was last based on
  double used = 0;            ///< reserved by runs
  double free = 0;
  std::vector<margin_allocation> allocations;
  int64_t update_count = 0;
  utc_instant at;

  friend bool operator==(const margin_record&, const margin_record&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, margin_record& x) {
  return f(x.account_id, x.total_available, x.used, x.free, x.allocations, x.update_count,
           x.at);
}

/// What the persistence actor reports about itself (tests, status, benchmarks).
struct store_stats {
  uint64_t transactions = 0;     ///< committed flushes
  uint64_t rows_written = 0;     ///< statements applied in committed flushes
  uint64_t writes_accepted = 0;  ///< writes taken into the queue
  uint64_t writes_coalesced = 0; ///< writes replaced by a newer one of the same key
  uint64_t writes_rejected = 0;  ///< bad input, or refused while the queue was full
  uint64_t failed_flushes = 0;   ///< flushes rolled back (database down, locked, …)
  uint64_t outages = 0;          ///< times the database became unavailable
  uint64_t queued = 0;           ///< writes waiting now
  uint64_t checkpoints = 0;      ///< write-ahead log copies into the database (SQLite)
  bool database_up = true;

  friend bool operator==(const store_stats&, const store_stats&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, store_stats& x) {
  return f(x.transactions, x.rows_written, x.writes_accepted, x.writes_coalesced,
           x.writes_rejected, x.failed_flushes, x.outages, x.queued, x.checkpoints,
           x.database_up);
}

} // namespace algomirror
