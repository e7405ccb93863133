#include "persistence/records.hpp"

#include <cstdlib>
#include <optional>

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "domain/clock.hpp"
#include "messages/names.hpp"
#include "persistence/admin.hpp"
#include "persistence/loaders.hpp"
#include "persistence/settings_admin.hpp"
#include "persistence/loaders.hpp"
#include "persistence/writes.hpp"

namespace algomirror {

namespace {

struct records_state {
  std::shared_ptr<database> db;
  static inline const char* name = "records";
};

using records_pointer = records_actor::stateful_pointer<records_state>;

std::string cell(const sql_row& r, size_t i) {
  return r.at(i).value_or("");
}

int64_t cell_int(const sql_row& r, size_t i) {
  return r.at(i) ? std::strtoll(r.at(i)->c_str(), nullptr, 10) : 0;
}

double cell_real(const sql_row& r, size_t i) {
  return r.at(i) ? std::strtod(r.at(i)->c_str(), nullptr) : 0.0;
}

bool cell_bool(const sql_row& r, size_t i) {
  auto v = cell(r, i);
  return v == "1" || v == "t" || v == "true" || v == "TRUE";
}

/// Runs `f` on the database; a failure answers `errc::unavailable` with the reason.
template <class F>
auto guarded(records_pointer self, const char* what, F f) -> decltype(f()) {
  (void) self;
  try {
    try {
      return f();
    } catch (const database_error& e) {
      if (e.what_kind != database_error::kind::transient)
        throw;
      // A connection lost since the last use (the server restarted) is made again: once more.
      return f();
    }
  } catch (const std::exception& e) {
    spdlog::error("records: {}: {}", what, e.what());
    return make_error(errc::unavailable, std::string{what} + ": the database did not answer ("
                                           + e.what() + ")");
  }
}

/// The user with that id, as the admin functions take it.
std::optional<user_row> user_of(database& d, int64_t user_id) {
  auto rows = d.query("SELECT username, email, is_admin FROM users WHERE id = ?", {user_id});
  if (rows.empty())
    return std::nullopt;
  return user_row{user_id, cell(rows[0], 0), cell(rows[0], 1), cell_bool(rows[0], 2)};
}

records_actor::behavior_type make_records(records_pointer self,
                                                            std::shared_ptr<database> db) {
  self->state.db = std::move(db);
  auto& d = *self->state.db;
  return {
    [=, &d](login_atom, const std::string& username) -> caf::result<user_credentials> {
      return guarded(self, "login", [&]() -> caf::result<user_credentials> {
        auto rows = d.query("SELECT id, username, password_hash, is_admin, is_active FROM users "
                            "WHERE username = ?",
                            {username});
        if (rows.empty())
          return make_error(errc::not_found, "no such user");
        auto& r = rows.front();
        return user_credentials{cell_int(r, 0), cell(r, 1), cell(r, 2), cell_bool(r, 3),
                                cell_bool(r, 4)};
      });
    },
    [=, &d](login_atom, int64_t user_id, utc_instant at) {
      try {
        d.execute("UPDATE users SET last_login = ? WHERE id = ?", {sql_time(at), user_id});
      } catch (const std::exception& e) {
        spdlog::error("records: users.last_login of user {} not written: {}", user_id, e.what());
      }
    },
    [=, &d](users_atom) -> caf::result<std::vector<user_view>> {
      return guarded(self, "users", [&]() -> caf::result<std::vector<user_view>> {
        std::vector<user_view> out;
        for (auto& r : d.query("SELECT id, username, email, is_admin, is_active, last_login "
                               "FROM users ORDER BY id"))
          out.push_back({cell_int(r, 0), cell(r, 1), cell(r, 2), cell_bool(r, 3),
                         cell_bool(r, 4),
                         r.at(5) ? format_utc(parse_sql_time(*r.at(5))) : std::string{}});
        return out;
      });
    },
    [=, &d](failovers_atom, int32_t limit) -> caf::result<std::vector<failover_event>> {
      return guarded(self, "failovers", [&]() -> caf::result<std::vector<failover_event>> {
        std::vector<failover_event> out;
        for (auto& r : d.query("SELECT id, from_account_id, to_account_id, reason, timestamp, "
                               "success, error_message FROM failover_events ORDER BY id DESC "
                               "LIMIT ?",
                               {int64_t{limit}})) {
          failover_event e;
          e.write_id = cell(r, 0);
          e.from_account_id = cell_int(r, 1);
          e.to_account_id = cell_int(r, 2);
          e.reason = cell(r, 3);
          e.at = parse_sql_time(cell(r, 4));
          e.success = cell_bool(r, 5);
          e.error_message = cell(r, 6);
          out.push_back(std::move(e));
        }
        return out;
      });
    },
    [=, &d](risk_atom, const std::vector<int64_t>& runs) -> caf::result<std::vector<risk_event>> {
      return guarded(self, "risk events", [&]() -> caf::result<std::vector<risk_event>> {
        std::vector<risk_event> out;
        for (auto run : runs)
          for (auto& r : d.query("SELECT write_id, run_id, strategy_execution_id, account_id, "
                                 "event_type, trigger_value, threshold_value, action_taken, "
                                 "details, created_at FROM risk_events WHERE run_id = ? "
                                 "ORDER BY id",
                                 {run})) {
            risk_event e;
            e.write_id = cell(r, 0);
            e.run_id = cell_int(r, 1);
            e.execution_id = cell_int(r, 2);
            e.account_id = cell_int(r, 3);
            e.rule = parse_enum<exit_reason>(cell(r, 4)).value_or(exit_reason::none);
            e.trigger_value = cell_real(r, 5);
            e.threshold_value = cell_real(r, 6);
            e.action = cell(r, 7);
            e.details_json = cell(r, 8);
            e.at = parse_sql_time(cell(r, 9));
            out.push_back(std::move(e));
          }
        return out;
      });
    },
    [=, &d](const strategy_upload& up, int64_t user_id) -> caf::result<strategy_definition> {
      return guarded(self, "strategy import", [&]() -> caf::result<strategy_definition> {
        auto rows = d.query("SELECT username FROM users WHERE id = ?", {user_id});
        if (rows.empty())
          return make_error(errc::not_found, "no such user");
        user_row user{user_id, rows[0][0].value_or(""), "", false};
        auto saved = save_strategy(d, user, up.definition);
        if (!saved)
          return make_error(errc::rejected, saved.error());
        auto stored = user_strategies(d, user, up.definition.name);
        if (stored.empty())
          return make_error(errc::unavailable, "strategy '" + up.definition.name
                                                 + "' was saved but cannot be read back");
        return stored.front();
      });
    },
    [=, &d](settings_atom, int64_t user_id) -> caf::result<user_settings> {
      return guarded(self, "settings", [&]() -> caf::result<user_settings> {
        load_problems problems;
        auto out = load_user_settings(d, user_id, problems);
        for (auto& p : problems)
          spdlog::warn("records: settings of user {}: {}", user_id, p);
        return out;
      });
    },
    [=, &d](const settings_change& c, int64_t user_id) -> caf::result<std::string> {
      return guarded(self, "settings", [&]() -> caf::result<std::string> {
        auto user = user_of(d, user_id);
        if (!user)
          return make_error(errc::not_found, "no such user");
        auto done = apply_settings_change(d, *user, c);
        if (!done)
          return make_error(errc::invalid_input, done.error());
        return *done;
      });
    },
    [=, &d](const strategy_change& c, int64_t user_id) -> caf::result<strategy_definition> {
      return guarded(self, "strategy", [&]() -> caf::result<strategy_definition> {
        auto user = user_of(d, user_id);
        if (!user)
          return make_error(errc::not_found, "no such user");
        auto before = user_strategies(d, *user, c.name);
        result<std::string> done = result<std::string>::failure("unknown action");
        if (c.action == "delete")
          done = delete_strategy(d, *user, c.name);
        else if (c.action == "enable" || c.action == "disable")
          done = set_strategy_active(d, *user, c.name, c.action == "enable");
        else
          return make_error(errc::invalid_input, "strategy: '" + c.action
                                                   + "' is not delete, enable or disable");
        if (!done)
          return make_error(done.error().find("not found") != std::string::npos
                              ? errc::not_found
                              : errc::rejected,
                            done.error());
        auto after = user_strategies(d, *user, c.name);
        if (!after.empty())
          return after.front();
        if (!before.empty())
          return before.front();
        strategy_definition gone;
        gone.name = c.name;
        gone.user_id = user_id;
        return gone;
      });
    },
    [=, &d](const account_change& c,
            int64_t user_id) -> caf::result<std::vector<account_record>> {
      return guarded(self, "account", [&]() -> caf::result<std::vector<account_record>> {
        auto user = user_of(d, user_id);
        if (!user)
          return make_error(errc::not_found, "no such user");
        auto refused = [](const std::string& why) {
          return make_error(why.find("not found") != std::string::npos ? errc::not_found
                                                                         : errc::rejected,
                            why);
        };
        if (c.action == "add") {
          new_account a{c.name, c.broker, c.host_url, c.websocket_url, c.api_key, c.primary, 0};
          auto added = add_account(d, *user, a);
          if (!added)
            return make_error(errc::invalid_input, added.error());
        } else if (c.action == "remove") {
          if (auto done = remove_account(d, *user, c.name); !done)
            return refused(done.error());
        } else if (c.action == "enable" || c.action == "disable") {
          if (auto done = set_account_active(d, *user, c.name, c.action == "enable"); !done)
            return refused(done.error());
        } else if (c.action == "set-primary") {
          if (auto done = set_primary(d, *user, c.name); !done)
            return refused(done.error());
        } else {
          return make_error(errc::invalid_input, "account: '" + c.action
                                                   + "' is not add, remove, enable, disable "
                                                     "or set-primary");
        }
        return list_accounts(d, *user);
      });
    },
    [=, &d](const user_change& c, const std::string& hash) -> caf::result<std::string> {
      return guarded(self, "user", [&]() -> caf::result<std::string> {
        if (c.action == "add") {
          auto added = add_user(d, c.username, c.email, hash);
          if (!added)
            return make_error(errc::invalid_input, added.error());
          return "user " + added->username + " added" + (added->is_admin ? " (admin)" : "");
        }
        auto rows = d.query("SELECT id, is_admin FROM users WHERE username = ?", {c.username});
        if (rows.empty())
          return make_error(errc::not_found, "no user named '" + c.username + "' ('users' lists them)");
        auto id = std::stoll(rows[0][0].value_or("0"));
        if (c.action == "passwd") {
          d.execute("UPDATE users SET password_hash = ? WHERE id = ?", {hash, id});
          return "password of " + c.username + " changed";
        }
        bool active = c.action == "enable";
        if (!active && cell_bool(rows[0], 1))
          return make_error(errc::rejected, "user " + c.username
                                              + " is the admin and cannot be disabled");
        d.execute("UPDATE users SET is_active = ? WHERE id = ?", {active, id});
        return "user " + c.username + (active ? " enabled" : " disabled: it cannot log in");
      });
    },
  };
}

} // namespace

records_actor spawn_records(caf::actor_system& sys, std::unique_ptr<database> db) {
  return sys.spawn<caf::detached>(make_records, std::shared_ptr<database>{std::move(db)});
}

} // namespace algomirror
