#include "persistence/admin.hpp"

#include <cctype>
#include <chrono>
#include <cstdio>

#include "domain/clock.hpp"
#include "messages/names.hpp"
#include "persistence/internal/admin_support.hpp"
#include "persistence/json_columns.hpp"
#include "persistence/loaders.hpp"

namespace algomirror {

namespace {

bool truthy(const std::optional<std::string>& v) {
  return v && (*v == "1" || *v == "t" || *v == "true" || *v == "TRUE");
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20)
      out += c;
  }
  return out + "\"";
}

const char* account_columns = "id, user_id, account_name, broker, host_url, websocket_url, "
                              "api_key_encrypted, is_primary, priority, is_active, "
                              "connection_status";

account_record account_of(const sql_row& r) {
  account_record a;
  a.id = std::stoll(r[0].value_or("0"));
  a.user_id = std::stoll(r[1].value_or("0"));
  a.name = r[2].value_or("");
  a.broker = r[3].value_or("");
  a.host_url = r[4].value_or("");
  a.websocket_url = r[5].value_or("");
  a.api_key_encrypted = r[6].value_or("");
  a.is_primary = truthy(r[7]);
  a.priority = static_cast<int32_t>(std::stoll(r[8].value_or("0")));
  a.is_active = truthy(r[9]);
  auto health = parse_enum<connection_health>(r[10].value_or("unknown"));
  a.health = health ? *health : connection_health::unknown;
  return a;
}

} // namespace

namespace admin_support {

void log_activity(database& db, int64_t user_id, const std::string& action,
                  const std::string& details) {
  auto now = system_time().now().time_since_epoch(); // offline commands: real time
  auto stamp = std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
  db.execute("INSERT INTO activity_logs (write_id, user_id, action, details, source) "
             "VALUES (?, ?, ?, ?, ?)",
             {"cli:" + action + ":" + std::to_string(user_id) + ":" + stamp, user_id, action,
              details, std::string{"cli"}});
}

std::string details(std::initializer_list<std::pair<const char*, std::string>> fields) {
  return texts_to_json_object({fields.begin(), fields.end()});
}

} // namespace admin_support

using admin_support::in_transaction;
using admin_support::log_activity;

result<user_row> add_user(database& db, const std::string& username, const std::string& email,
                          const std::string& password_hash) {
  using r = result<user_row>;
  if (username.size() < 3 || username.size() > 80)
    return r::failure("--username: '" + username + "' must be 3 to 80 characters");
  for (char c : username)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      return r::failure("--username: '" + username
                        + "' may only hold letters, digits, '_', '-' and '.'");
  auto at = email.find('@');
  if (email.size() > 120 || at == std::string::npos || at == 0
      || email.find('.', at) == std::string::npos)
    return r::failure("--email: '" + email + "' is not an e-mail address (NAME@DOMAIN.TLD)");
  return in_transaction(db, [&]() -> r {
    if (!db.query("SELECT id FROM users WHERE username = ?", {username}).empty())
      return r::failure("--username: a user named '" + username + "' exists already");
    if (!db.query("SELECT id FROM users WHERE email = ?", {email}).empty())
      return r::failure("--email: '" + email + "' belongs to another user already");
    bool first = db.query("SELECT id FROM users LIMIT 1").empty();
    user_row u;
    u.username = username;
    u.email = email;
    u.is_admin = first;
    u.id = db.insert("INSERT INTO users (username, email, password_hash, is_admin) "
                     "VALUES (?, ?, ?, ?)",
                     {username, email, password_hash, first});
    log_activity(db, u.id, "user_added",
                 "{\"username\":" + quoted(username) + ",\"admin\":" + (first ? "true" : "false")
                   + "}");
    return u;
  });
}

result<user_row> find_user(database& db, const std::string& username) {
  auto rows = username.empty()
                ? db.query("SELECT id, username, email, is_admin FROM users WHERE is_admin = ? "
                           "ORDER BY id LIMIT 1",
                           {true})
                : db.query("SELECT id, username, email, is_admin FROM users WHERE username = ?",
                           {username});
  if (rows.empty())
    return result<user_row>::failure(
      username.empty() ? "no user yet: add one first with `algomirror-node user add --username "
                         "NAME --email EMAIL`"
                       : "--user: no user named '" + username + "'");
  auto& row = rows.front();
  return user_row{std::stoll(row[0].value_or("0")), row[1].value_or(""), row[2].value_or(""),
                  truthy(row[3])};
}

std::vector<account_record> list_accounts(database& db, const user_row& user) {
  std::vector<account_record> out;
  for (auto& row : db.query(std::string{"SELECT "} + account_columns
                              + " FROM trading_accounts WHERE user_id = ? "
                                "ORDER BY is_primary DESC, priority, id",
                            {user.id}))
    out.push_back(account_of(row));
  return out;
}

result<account_record> find_account(database& db, const user_row& user, const std::string& name) {
  auto rows = db.query(std::string{"SELECT "} + account_columns
                         + " FROM trading_accounts WHERE user_id = ? AND account_name = ?",
                       {user.id, name});
  if (rows.empty()) {
    std::string known;
    for (auto& a : list_accounts(db, user))
      known += (known.empty() ? "" : ", ") + a.name;
    return result<account_record>::failure("account '" + name + "' not found for user "
                                           + user.username + " (accounts: "
                                           + (known.empty() ? "none" : known) + ")");
  }
  return account_of(rows.front());
}

result<account_record> add_account(database& db, const user_row& user, const new_account& a) {
  using r = result<account_record>;
  if (a.name.size() < 3 || a.name.size() > 100)
    return r::failure("--name: '" + a.name + "' must be 3 to 100 characters");
  if (a.broker.empty() || a.broker.size() > 50)
    return r::failure("--broker: give the broker's name (1 to 50 characters), e.g. zerodha");
  if (a.host_url.size() > 200 || a.websocket_url.size() > 200)
    return r::failure("--host/--ws-url: at most 200 characters");
  if (a.priority < 0 || a.priority > 1000)
    return r::failure("--priority: " + std::to_string(a.priority) + " is not within 0..1000");
  return in_transaction(db, [&]() -> r {
    if (!db.query("SELECT id FROM trading_accounts WHERE user_id = ? AND account_name = ?",
                  {user.id, a.name})
           .empty())
      return r::failure("--name: user " + user.username + " has an account named '" + a.name
                        + "' already (remove it first, or choose another name)");
    bool has_primary = !db.query("SELECT id FROM trading_accounts WHERE user_id = ? AND "
                                 "is_primary = ?",
                                 {user.id, true})
                          .empty();
    bool primary = a.primary || !has_primary;
    if (primary && has_primary)
      db.execute("UPDATE trading_accounts SET is_primary = ? WHERE user_id = ?", {false, user.id});
    db.insert("INSERT INTO trading_accounts (user_id, account_name, broker, api_key_encrypted, "
              "host_url, websocket_url, is_primary, priority, connection_status) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {user.id, a.name, a.broker, a.api_key_encrypted, a.host_url, a.websocket_url,
               primary, int64_t{a.priority}, std::string{"unknown"}});
    log_activity(db, user.id, "account_added",
                 "{\"account\":" + quoted(a.name) + ",\"broker\":" + quoted(a.broker)
                   + ",\"primary\":" + (primary ? "true" : "false") + "}");
    return find_account(db, user, a.name);
  });
}

namespace {

/// The id of an unfinished run of the strategy, or 0 (operating.md §3: live strategies are
/// neither replaced nor deleted).
int64_t unfinished_run_of(database& db, int64_t strategy_id) {
  auto rows = db.query("SELECT id FROM strategy_runs WHERE strategy_id = ? AND status <> ? "
                       "ORDER BY id LIMIT 1",
                       {strategy_id, std::string{"finished"}});
  return rows.empty() ? 0 : std::stoll(rows[0][0].value_or("0"));
}

} // namespace

result<std::string> remove_account(database& db, const user_row& user, const std::string& name) {
  using r = result<std::string>;
  auto found = find_account(db, user, name);
  if (!found)
    return r::failure(found.error());
  // operating.md §3: an account with open positions or in a live run stays (disable it).
  auto open = db.query("SELECT COUNT(*) FROM strategy_executions WHERE account_id = ? AND "
                       "status IN ('pending', 'entered', 'exit_pending', 'exit_stuck', 'active')",
                       {found->id});
  if (!open.empty() && open[0][0].value_or("0") != "0")
    return r::failure("account '" + name + "' has " + open[0][0].value_or("0")
                      + " open position(s) of our runs: it cannot be removed; 'account disable "
                      + name + "' stops new entries on it while exits keep working");
  auto live = db.query("SELECT r.id FROM strategy_runs r JOIN strategy_executions e ON "
                       "e.run_id = r.id WHERE e.account_id = ? AND r.status <> ? LIMIT 1",
                       {found->id, std::string{"finished"}});
  if (!live.empty())
    return r::failure("account '" + name + "' is in run " + live[0][0].value_or("?")
                      + ", which has not finished: it cannot be removed; 'account disable "
                      + name + "' stops new entries on it");
  return in_transaction(db, [&]() -> r {
    db.execute("DELETE FROM trading_accounts WHERE id = ?", {found->id});
    std::string note = "account '" + name + "' removed";
    if (found->is_primary) {
      auto next = db.query("SELECT id, account_name FROM trading_accounts WHERE user_id = ? "
                           "AND is_active = ? ORDER BY created_at, id LIMIT 1",
                           {user.id, true});
      if (!next.empty()) {
        db.execute("UPDATE trading_accounts SET is_primary = ? WHERE id = ?",
                   {true, std::stoll(next[0][0].value_or("0"))});
        note += "; '" + next[0][1].value_or("") + "' is the primary now";
      }
    }
    log_activity(db, user.id, "account_deleted", "{\"account\":" + quoted(name) + "}");
    return note;
  });
}

result<std::string> set_account_active(database& db, const user_row& user,
                                       const std::string& name, bool active) {
  using r = result<std::string>;
  auto found = find_account(db, user, name);
  if (!found)
    return r::failure(found.error());
  if (found->is_active == active)
    return std::string{"account '" + name + "' is " + (active ? "enabled" : "disabled")
                       + " already"};
  return in_transaction(db, [&]() -> r {
    db.execute("UPDATE trading_accounts SET is_active = ? WHERE id = ?", {active, found->id});
    log_activity(db, user.id, active ? "account_enabled" : "account_disabled",
                 "{\"account\":" + quoted(name) + "}");
    return std::string{"account '" + name + "' "
                       + (active ? "enabled" : "disabled: no new entries on it; exits of its "
                                               "open positions keep working")};
  });
}

result<account_record> update_account_endpoint(database& db, const user_row& user,
                                               const new_account& a) {
  auto found = find_account(db, user, a.name);
  if (!found)
    return found;
  db.execute("UPDATE trading_accounts SET host_url = ?, websocket_url = ?, api_key_encrypted = ? "
             "WHERE id = ?",
             {a.host_url, a.websocket_url, a.api_key_encrypted, found->id});
  log_activity(db, user.id, "account_updated", "{\"account\":" + quoted(a.name) + "}");
  return find_account(db, user, a.name);
}

result<std::string> set_primary(database& db, const user_row& user, const std::string& name) {
  using r = result<std::string>;
  auto found = find_account(db, user, name);
  if (!found)
    return r::failure(found.error());
  return in_transaction(db, [&]() -> r {
    db.execute("UPDATE trading_accounts SET is_primary = ? WHERE user_id = ?", {false, user.id});
    db.execute("UPDATE trading_accounts SET is_primary = ? WHERE id = ?", {true, found->id});
    log_activity(db, user.id, "account_updated",
                 "{\"account\":" + quoted(name) + ",\"primary\":true}");
    return "account '" + name + "' is the primary now";
  });
}

namespace {

sql_value clock_or_null(time_of_day t) {
  return t.seconds < 0 ? sql_value{} : sql_value{format_time_of_day(t, true)};
}

sql_value kind_or_null(const threshold& t) {
  return t.kind == threshold_kind::off ? sql_value{} : sql_value{to_string(t.kind)};
}

void insert_legs(database& db, int64_t strategy_id, const std::vector<leg_definition>& legs) {
  for (auto& l : legs)
    db.execute("INSERT INTO strategy_legs (strategy_id, leg_number, instrument, product_type, "
               "expiry, action, option_type, strike_selection, strike_offset, strike_price, "
               "premium_value, order_type, limit_price, trigger_price, lots, stop_loss_type, "
               "stop_loss_value, take_profit_type, take_profit_value) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               {strategy_id, int64_t{l.leg_number}, l.underlying, to_string(l.product_kind),
                to_string(l.expiry), to_string(l.action),
                l.option == option_type::none ? sql_value{} : sql_value{to_string(l.option)},
                to_string(l.strike), int64_t{l.strike_offset}, l.strike_price, l.premium_target,
                to_string(l.order_kind), l.limit_price, l.trigger_price, int64_t{l.lots},
                kind_or_null(l.stop_loss), l.stop_loss.value, kind_or_null(l.take_profit),
                l.take_profit.value});
}

} // namespace

result<std::pair<int64_t, bool>> save_strategy(database& db, const user_row& user,
                                               const strategy_definition& s) {
  using r = result<std::pair<int64_t, bool>>;
  return in_transaction(db, [&]() -> r {
    std::string accounts = "[";
    for (auto id : s.account_ids)
      accounts += (accounts.size() > 1 ? ",\"" : "\"") + std::to_string(id) + "\"";
    accounts += "]";
    std::vector<sql_value> values = {
      s.description.empty() ? sql_value{} : sql_value{s.description},
      to_string(s.condition), s.risk_profile, clock_or_null(s.entry_time),
      clock_or_null(s.exit_time), clock_or_null(s.square_off_time), s.max_loss, s.max_profit,
      s.trailing_stop.kind == threshold_kind::off ? std::string{"percentage"}
                                                  : to_string(s.trailing_stop.kind),
      s.trailing_stop.value, s.supertrend.enabled, to_string(s.supertrend.kind),
      int64_t{s.supertrend.period}, s.supertrend.multiplier, s.supertrend.timeframe,
      to_string(s.scope), to_string(s.order_product), s.exit_price_protection_pct, accounts};
    auto existing = db.query("SELECT id FROM strategies WHERE user_id = ? AND name = ?",
                             {user.id, s.name});
    if (!existing.empty())
      if (auto run = unfinished_run_of(db, std::stoll(existing[0][0].value_or("0"))))
        return r::failure("strategy '" + s.name + "' has run " + std::to_string(run)
                          + ", which has not finished: it cannot be replaced while it runs; "
                            "exit that run first (algomirror-console exit "
                          + std::to_string(run) + ")");
    int64_t id = 0;
    bool created = existing.empty();
    if (created) {
      values.insert(values.begin(), {user.id, s.name});
      id = db.insert("INSERT INTO strategies (user_id, name, description, market_condition, "
                     "risk_profile, entry_time, exit_time, square_off_time, max_loss, "
                     "max_profit, trailing_sl_type, trailing_sl, supertrend_exit_enabled, "
                     "supertrend_exit_type, supertrend_period, supertrend_multiplier, "
                     "supertrend_timeframe, risk_scope, product_order_type, "
                     "exit_price_protection, selected_accounts) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     values);
    } else {
      id = std::stoll(existing[0][0].value_or("0"));
      values.push_back(id);
      db.execute("UPDATE strategies SET description = ?, market_condition = ?, risk_profile = ?, "
                 "entry_time = ?, exit_time = ?, square_off_time = ?, max_loss = ?, "
                 "max_profit = ?, trailing_sl_type = ?, trailing_sl = ?, "
                 "supertrend_exit_enabled = ?, supertrend_exit_type = ?, supertrend_period = ?, "
                 "supertrend_multiplier = ?, supertrend_timeframe = ?, risk_scope = ?, "
                 "product_order_type = ?, exit_price_protection = ?, selected_accounts = ?, "
                 "is_active = TRUE, updated_at = CURRENT_TIMESTAMP WHERE id = ?",
                 values);
      db.execute("DELETE FROM strategy_legs WHERE strategy_id = ?", {id});
    }
    insert_legs(db, id, s.legs);
    log_activity(db, user.id, created ? "strategy_created" : "strategy_updated",
                 "{\"strategy\":" + quoted(s.name) + ",\"legs\":" + std::to_string(s.legs.size())
                   + "}");
    return std::pair{id, created};
  });
}

std::vector<strategy_definition> user_strategies(database& db, const user_row& user,
                                                 const std::string& name) {
  load_problems problems;
  std::vector<strategy_definition> out;
  for (auto& s : load_strategies(db, problems))
    if (s.user_id == user.id && (name.empty() || s.name == name))
      out.push_back(std::move(s));
  return out;
}

result<std::string> delete_strategy(database& db, const user_row& user, const std::string& name) {
  using r = result<std::string>;
  auto found = user_strategies(db, user, name);
  if (found.empty())
    return r::failure("strategy '" + name + "' not found for user " + user.username);
  auto id = found.front().id;
  return in_transaction(db, [&]() -> r {
    if (auto run = unfinished_run_of(db, id))
      return r::failure("strategy '" + name + "' has run " + std::to_string(run)
                        + ", which has not finished: it cannot be deleted while it runs; exit "
                          "that run first (algomirror-console exit "
                        + std::to_string(run) + ")");
    db.execute("DELETE FROM strategies WHERE id = ?", {id});
    log_activity(db, user.id, "strategy_deleted", "{\"strategy\":" + quoted(name) + "}");
    return "strategy '" + name + "' deleted";
  });
}

result<std::string> set_strategy_active(database& db, const user_row& user,
                                        const std::string& name, bool active) {
  using r = result<std::string>;
  auto rows = db.query("SELECT id, is_active FROM strategies WHERE user_id = ? AND name = ?",
                       {user.id, name});
  if (rows.empty())
    return r::failure("strategy '" + name + "' not found for user " + user.username);
  auto id = std::stoll(rows[0][0].value_or("0"));
  auto was = rows[0][1].value_or("0");
  if ((was == "1" || was == "t" || was == "true") == active)
    return std::string{"strategy '" + name + "' is " + (active ? "enabled" : "disabled")
                       + " already"};
  return in_transaction(db, [&]() -> r {
    if (!active)
      if (auto run = unfinished_run_of(db, id))
        return r::failure("strategy '" + name + "' has run " + std::to_string(run)
                          + ", which has not finished: it cannot be disabled while it runs; "
                            "exit that run first (algomirror-console exit "
                          + std::to_string(run) + ")");
    db.execute("UPDATE strategies SET is_active = ? WHERE id = ?", {active, id});
    log_activity(db, user.id, active ? "strategy_enabled" : "strategy_disabled",
                 "{\"strategy\":" + quoted(name) + "}");
    return std::string{"strategy '" + name + "' "
                       + (active ? "enabled" : "disabled: it is not scheduled or run until "
                                               "enabled")};
  });
}

int64_t count_encrypted_accounts(database& db) {
  auto rows = db.query("SELECT COUNT(*) FROM trading_accounts WHERE api_key_encrypted IS NOT "
                       "NULL AND api_key_encrypted <> ''");
  return rows.empty() ? 0 : std::stoll(rows[0][0].value_or("0"));
}

} // namespace algomirror
