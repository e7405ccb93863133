#include "actors/console.hpp"

#include <set>

#include <memory>

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/internal/json_writer.hpp"
#include "actors/internal/store_writes.hpp"
#include "domain/login_guard.hpp"

namespace algomirror {

namespace {

struct console_state {
  console_config cfg;
  login_guard guard;
  uint64_t activity_seq = 0;
  std::set<caf::actor_addr> sessions; ///< linked: they end with the console
  static inline const char* name = "console";
};

using console_pointer = console_actor::stateful_pointer<console_state>;

/// Every login, failed ones too, is an activity_logs row (operating.md §2).
void record_login(console_pointer self, int64_t user_id, const std::string& username,
                  const std::string& outcome) {
  auto& st = self->state;
  auto now = st.cfg.time->now();
  activity_entry entry{"console:login:" + format_utc(now) + ":" + std::to_string(++st.activity_seq),
                       user_id,
                       outcome == "ok" ? "console_login" : "console_login_failed",
                       json_object{}.add("username", username).add("outcome", outcome).str(),
                       "console", now};
  store_routine(st.cfg.store, std::move(entry));
}

console_actor::behavior_type console(console_pointer self, console_config cfg) {
  self->state.cfg = std::move(cfg);
  self->state.guard = login_guard{self->state.cfg.max_failures, std::chrono::seconds{60},
                                  self->state.cfg.lockout};
  // A session that ends (or crashes) does not take the console with it; anything else that
  // stops the console (the node's shutdown) ends every session with it.
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    if (self->state.sessions.erase(msg.source) > 0)
      return;
    self->quit(msg.reason);
  });
  return {
    [=](login_atom, const std::string& username,
        const std::string& password) -> caf::result<console_session_actor> {
      auto& st = self->state;
      auto now = st.cfg.time->now();
      auto peer = self->current_sender();
      // Called from the answer of the records actor: captures copies only.
      auto refuse = [self, username, now](int64_t user_id, const std::string& outcome) {
        auto& st = self->state;
        record_login(self, user_id, username, outcome);
        if (st.guard.failed(username, now))
          spdlog::warn("console: user '{}' locked out for {} s after {} failed logins", username,
                       st.cfg.lockout.count(), st.cfg.max_failures);
      };
      if (username.empty() || username.size() > 80)
        return make_error(errc::unauthorized, "login failed: wrong username or password");
      utc_instant until;
      if (!st.guard.allowed(username, now, &until)) {
        record_login(self, 0, username, "locked_out");
        return make_error(errc::unauthorized, "login refused: too many failed logins; try again "
                                              "after " + format_ist(until) + " IST");
      }
      auto rp = self->make_response_promise<console_session_actor>();
      // No timeouts: the records actor and the node always answer (a database failure is an
      // error answer; a dead actor is one too).
      auto logged_in = [=](const user_credentials& user, bool ok) mutable {
        auto& st = self->state;
        if (!ok) {
          spdlog::warn("console: failed login of '{}' (wrong password)", username);
          refuse(user.id, "wrong_password");
          rp.deliver(make_error(errc::unauthorized, "login failed: wrong username or "
                                                    "password"));
          return;
        }
        if (!user.is_active) {
          spdlog::warn("console: login of disabled user '{}' refused", username);
          refuse(user.id, "disabled");
          rp.deliver(make_error(errc::unauthorized, "login refused: user '" + username
                                                      + "' is disabled (an admin can "
                                                        "enable it)"));
          return;
        }
        st.guard.succeeded(username);
        record_login(self, user.id, username, "ok");
        self->send(st.cfg.records, login_atom_v, user.id, st.cfg.time->now());
        spdlog::info("console: '{}' logged in{}", username, user.is_admin ? " (admin)" : "");
        // The session starts from the node's accounts and strategies as they are now
        // (changed by other sessions since the start). No timeouts: see above.
        auto cfg = std::make_shared<console_config>(st.cfg);
        auto start = [=]() mutable {
          auto session = spawn_console_session(self->system(), *cfg, user, peer);
          self->link_to(session);
          self->state.sessions.insert(session.address());
          rp.deliver(session);
        };
        self->request(st.cfg.node, caf::infinite, caf::get_atom_v, accounts_atom_v)
          .then(
            [=](std::vector<account_record>& accounts) mutable {
              cfg->accounts = std::move(accounts);
              self->request(cfg->node, caf::infinite, caf::get_atom_v, strategies_atom_v)
                .then(
                  [=](std::vector<strategy_definition>& strategies) mutable {
                    cfg->strategies = std::move(strategies);
                    start();
                  },
                  [=](const caf::error&) mutable { start(); });
            },
            [=](const caf::error&) mutable { start(); });
      };
      self->request(st.cfg.records, caf::infinite, login_atom_v, username)
        .then(
          [=](const user_credentials& user) mutable {
            // Argon2id is slow on purpose: it runs on a short-lived thread of its own, so the
            // console (and the scheduler's workers) never wait for it.
            auto verify = self->state.cfg.verify_password;
            auto verifier = self->system().spawn<caf::detached>(
              [verify, hash = user.password_hash, password](caf::event_based_actor* v) -> caf::behavior {
                return {[=](caf::ok_atom) {
                  v->quit();
                  return verify && verify(hash, password);
                }};
              });
            self->request(verifier, caf::infinite, caf::ok_atom_v)
              .then([=](bool ok) mutable { logged_in(user, ok); },
                    [=](const caf::error&) mutable { logged_in(user, false); });
          },
          [=](const caf::error& err) mutable {
            if (err.category() == error_category
                && err.code() == static_cast<uint8_t>(errc::not_found)) {
              spdlog::warn("console: failed login of unknown user '{}'", username);
              refuse(0, "unknown_user");
              rp.deliver(make_error(errc::unauthorized, "login failed: wrong username or "
                                                        "password"));
              return;
            }
            rp.deliver(make_error(errc::unavailable, "login: cannot read users now ("
                                                       + self->system().render(err) + ")"));
          });
      return rp;
    },
  };
}

} // namespace

console_actor spawn_console(caf::actor_system& sys, console_config cfg) {
  return sys.spawn(console, std::move(cfg));
}

} // namespace algomirror
