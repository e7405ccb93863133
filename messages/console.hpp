#pragma once

// operating.md §2: what the console and its sessions exchange. Answers are typed; the console
// application renders them as tables or JSON.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "messages/account.hpp"
#include "messages/market_data.hpp"
#include "messages/node.hpp"
#include "messages/orders.hpp"
#include "messages/risk.hpp"
#include "messages/run.hpp"
#include "messages/strategy.hpp"
#include "messages/time.hpp"

namespace algomirror {

/// A user as the login check needs it (the hash never leaves the node).
struct user_credentials {
  int64_t id = 0;
  std::string username;
  std::string password_hash;
  bool is_admin = false;
  bool is_active = true;

  friend bool operator==(const user_credentials&, const user_credentials&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_credentials& x) {
  return f(x.id, x.username, x.password_hash, x.is_admin, x.is_active);
}

/// A user as `users` lists them.
struct user_view {
  int64_t id = 0;
  std::string username;
  std::string email;
  bool is_admin = false;
  bool is_active = true;
  std::string last_login; ///< UTC ISO 8601, empty = never

  friend bool operator==(const user_view&, const user_view&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_view& x) {
  return f(x.id, x.username, x.email, x.is_admin, x.is_active, x.last_login);
}

/// An account as the console shows it: no key, its health and OpenAlgo mode.
struct account_view {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string name;
  std::string broker;
  std::string host_url;
  bool is_primary = false;
  int32_t priority = 0;
  bool is_active = true;
  connection_health health = connection_health::unknown;
  std::string mode; ///< "live", "analyze", or "" when the account did not say

  friend bool operator==(const account_view&, const account_view&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, account_view& x) {
  return f(x.id, x.user_id, x.name, x.broker, x.host_url, x.is_primary, x.priority,
           x.is_active, x.health, x.mode);
}

/// One account's books, as `funds`, `positions`, `orders` and `trades` ask for them; `error`
/// says why the broker did not answer (the other accounts still do).
struct account_book {
  int64_t account_id = 0;
  std::string account;
  funds cash;
  std::vector<broker_position> positions;
  std::vector<broker_order> orders;
  std::vector<broker_trade> trades;
  std::vector<broker_position> holdings; ///< delivery holdings (product CNC)
  std::string error;

  friend bool operator==(const account_book&, const account_book&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, account_book& x) {
  return f(x.account_id, x.account, x.cash, x.positions, x.orders, x.trades, x.holdings,
           x.error);
}

/// The node's lease as `status` shows it.
struct lease_info {
  std::string holder; ///< "node on HOST, pid N, since T"
  bool held = true;
  std::string problem; ///< why it is not held

  friend bool operator==(const lease_info&, const lease_info&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_info& x) {
  return f(x.holder, x.held, x.problem);
}

/// `status`: the node, its lease, the feed, the user's accounts and live runs.
struct console_status {
  node_status node;
  lease_info lease;
  feed_state feed;
  std::vector<account_view> accounts;
  std::vector<run_status> runs;
  std::string user;
  bool is_admin = false;

  friend bool operator==(const console_status&, const console_status&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, console_status& x) {
  return f(x.node, x.lease, x.feed, x.accounts, x.runs, x.user, x.is_admin);
}

/// An error-level event of the node's log (the alerts, until the alerts actor exists).
struct alert_line {
  std::string text;

  friend bool operator==(const alert_line&, const alert_line&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, alert_line& x) {
  return f(x.text);
}

/// What a streamed view pushes: `run` (a run's status changed), `risk_event`, `alert`,
/// `chain` (option-chain prices), `end` (the stream is over; `text` says why).
struct console_event {
  std::string kind;
  run_status run;
  std::vector<risk_event> events;
  std::vector<tick> ticks;
  std::string text;

  friend bool operator==(const console_event&, const console_event&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, console_event& x) {
  return f(x.kind, x.run, x.events, x.ticks, x.text);
}

/// `exit RUN [--account NAME | --leg ID]`.
struct exit_command {
  int64_t run_id = 0;
  std::string account; ///< empty = every account
  int64_t leg = 0;     ///< execution id; 0 = every leg

  friend bool operator==(const exit_command&, const exit_command&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exit_command& x) {
  return f(x.run_id, x.account, x.leg);
}

/// `run STRATEGY [--account NAME]… [--force]`.
struct run_strategy {
  std::string strategy;
  std::vector<std::string> accounts;
  bool force = false;

  friend bool operator==(const run_strategy&, const run_strategy&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_strategy& x) {
  return f(x.strategy, x.accounts, x.force);
}

/// `strategy import FILE` through the console: one strategy as the file gave it (read and
/// checked by the console), its accounts by name (the node resolves them for the user).
struct strategy_upload {
  strategy_definition definition;
  std::vector<std::string> account_names;

  friend bool operator==(const strategy_upload&, const strategy_upload&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, strategy_upload& x) {
  return f(x.definition, x.account_names);
}

/// `user add/disable/enable/passwd` (admin). The password only travels for add and passwd.
struct user_change {
  std::string action; ///< add | disable | enable | passwd
  std::string username;
  std::string email;
  std::string password;

  friend bool operator==(const user_change&, const user_change&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_change& x) {
  return f(x.action, x.username, x.email, x.password);
}

/// `account add/test/set-primary/enable/disable/remove NAME` through the console. The API key
/// only travels for `add` (sealed by the node before it is stored or used).
struct account_change {
  std::string action; ///< add | test | set-primary | enable | disable | remove
  std::string name;
  std::string host_url;      ///< add
  std::string websocket_url; ///< add
  std::string api_key;       ///< add
  std::string broker;        ///< add --offline: the broker to record without a ping
  bool offline = false;      ///< add without pinging first
  bool primary = false;      ///< add as the user's primary

  friend bool operator==(const account_change&, const account_change&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, account_change& x) {
  return f(x.action, x.name, x.host_url, x.websocket_url, x.api_key, x.broker, x.offline,
           x.primary);
}

/// `strategy delete/enable/disable NAME` through the console.
struct strategy_change {
  std::string action; ///< delete | enable | disable
  std::string name;

  friend bool operator==(const strategy_change&, const strategy_change&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, strategy_change& x) {
  return f(x.action, x.name);
}

/// `settings instrument|grade|margin|reset KEY --FIELD VALUE…` on the console: a change of the
/// user's own trading settings (the fields as typed; the database side checks them).
struct settings_change {
  std::string kind; ///< instrument | grade | margin | reset
  std::string key;  ///< the symbol, grade or instrument (reset: "KIND KEY")
  std::map<std::string, std::string> fields; ///< option name without "--" → value

  friend bool operator==(const settings_change&, const settings_change&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, settings_change& x) {
  return f(x.kind, x.key, x.fields);
}

/// `chain UNDERLYING [--expiry DATE] [--strikes N]`: an option-chain session.
struct chain_request {
  std::string underlying; ///< NIFTY, BANKNIFTY, SENSEX
  std::string expiry;     ///< YYYY-MM-DD; empty = the nearest
  int32_t strikes = 5;    ///< strikes each side of ATM

  friend bool operator==(const chain_request&, const chain_request&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_request& x) {
  return f(x.underlying, x.expiry, x.strikes);
}

/// The option-chain session opened for a `chain_request`: its `websocket_sessions` id, the
/// spot and ATM it was centred on, and the contracts it streams (console events `chain`).
struct chain_view {
  std::string session_id;
  std::string underlying;
  std::string expiry; ///< YYYY-MM-DD
  double spot = 0;
  double atm = 0;
  std::vector<instrument> instruments;
  int32_t heartbeat_s = 10; ///< heartbeat the session at least this often

  friend bool operator==(const chain_view&, const chain_view&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_view& x) {
  return f(x.session_id, x.underlying, x.expiry, x.spot, x.atm, x.instruments, x.heartbeat_s);
}

} // namespace algomirror
