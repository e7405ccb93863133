// operating.md §2: one logged-in user's capability. Every command is authorized here: a user
// sees and acts on their own accounts, strategies and runs only (the admin on all); someone
// else's object answers "not found". The session ends on logout, after the idle timeout, or
// when its client goes away.

#include <map>
#include <memory>
#include <set>

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/internal/console_session_state.hpp"
#include "actors/internal/json_writer.hpp"
#include "actors/internal/store_writes.hpp"
#include "domain/instruments.hpp"
#include "domain/passwords.hpp"

namespace algomirror {

namespace console_internal {

caf::error not_found(const std::string& what) {
  return make_error(errc::not_found, what);
}

bool owns_account(const session_state& st, int64_t account_id) {
  for (auto& a : st.cfg.accounts)
    if (a.id == account_id)
      return st.user.is_admin || a.user_id == st.user.id;
  return false;
}

bool owns_strategy(const session_state& st, int64_t strategy_id) {
  for (auto& s : st.cfg.strategies)
    if (s.id == strategy_id)
      return st.user.is_admin || s.user_id == st.user.id;
  return false;
}

std::vector<account_record> my_accounts(const session_state& st) {
  std::vector<account_record> out;
  for (auto& a : st.cfg.accounts)
    if (owns_account(st, a.id))
      out.push_back(a);
  return out;
}

std::string account_name(const session_state& st, int64_t id) {
  for (auto& a : st.cfg.accounts)
    if (a.id == id)
      return a.name;
  return std::to_string(id);
}

account_view view_of(const account_record& a) {
  return {a.id, a.user_id, a.name, a.broker, a.host_url, a.is_primary, a.priority, a.is_active,
          a.health, ""};
}

void record_activity(session_pointer self, const std::string& action, std::string details) {
  auto& st = self->state;
  auto now = st.cfg.time->now();
  activity_entry entry{"console:" + std::to_string(st.user.id) + ":" + action + ":"
                         + format_utc(now) + ":" + std::to_string(++st.activity_seq),
                       st.user.id, action, std::move(details), "console", now};
  store_routine(st.cfg.store, std::move(entry));
}

void touch(session_pointer self) {
  auto& st = self->state;
  self->delayed_send(self, st.cfg.idle_timeout, idle_atom_v, ++st.idle_generation);
}

void arm_stream(session_pointer self) {
  auto& st = self->state;
  if (!st.stream_armed) {
    st.stream_armed = true;
    self->delayed_send(self, st.cfg.stream_interval, caf::tick_atom_v);
  }
}

} // namespace console_internal

namespace {

using namespace console_internal;

/// Answers `then` with one of the user's runs (by id), or `fail` with "not found". The run is
/// asked by id; the strategies are asked again only for a strategy this session does not know.
template <class Then>
void with_run(session_pointer self, int64_t run_id, Then then,
              std::function<void(caf::error)> fail) {
  auto missing = [run_id] {
    return not_found("no run " + std::to_string(run_id) + " ('runs --all' lists yours)");
  };
  self->request(self->state.cfg.node, ask_timeout, caf::get_atom_v, run_atom_v, run_id)
    .then(
      [self, then, fail, missing](run_status& r) mutable {
        auto known = [&] {
          for (auto& s : self->state.cfg.strategies)
            if (s.id == r.strategy_id)
              return true;
          return false;
        };
        if (known()) {
          if (owns_strategy(self->state, r.strategy_id))
            then(r);
          else
            fail(missing());
          return;
        }
        with_strategies(self, [self, r, then, fail, missing]() mutable {
          if (owns_strategy(self->state, r.strategy_id))
            then(r);
          else
            fail(missing());
        });
      },
      [fail, missing](const caf::error& err) mutable {
        fail(err.category() == error_category
                 && err.code() == static_cast<uint8_t>(errc::not_found)
               ? missing()
               : err);
      });
}

/// A symbol as typed: `EXCHANGE:SYMBOL`, or the exchange its name implies (index names on
/// their index exchange, SENSEX contracts on BFO, the rest on NFO).
std::optional<instrument> parse_symbol(const std::string& text) {
  if (text.empty() || text.size() > 64)
    return std::nullopt;
  for (unsigned char c : text)
    if (!(std::isalnum(c) || c == ':' || c == '-' || c == '_' || c == '&'))
      return std::nullopt;
  auto colon = text.find(':');
  if (colon != std::string::npos) {
    auto ex = parse_enum<exchange>(text.substr(0, colon));
    if (!ex || colon + 1 >= text.size())
      return std::nullopt;
    return instrument{text.substr(colon + 1), *ex};
  }
  if (text == "NIFTY" || text == "BANKNIFTY" || text == "FINNIFTY" || text == "MIDCPNIFTY")
    return instrument{text, exchange::nse_index};
  if (text == "SENSEX" || text == "BANKEX")
    return instrument{text, exchange::bse_index};
  if (text.rfind("SENSEX", 0) == 0 || text.rfind("BANKEX", 0) == 0)
    return instrument{text, exchange::bfo};
  return instrument{text, exchange::nfo};
}

/// `run STRATEGY`: the user's strategy and accounts by name, then the node executes it.
void start_run(session_pointer self, const run_strategy& cmd,
               caf::typed_response_promise<run_started> rp) {
  auto& st = self->state;
  execute_request req;
  req.force = cmd.force;
  for (auto& s : st.cfg.strategies)
    if (s.name == cmd.strategy && owns_strategy(st, s.id))
      req.strategy_id = s.id;
  if (req.strategy_id == 0) {
    rp.deliver(not_found("no strategy named '" + cmd.strategy + "' ('strategies' lists yours)"));
    return;
  }
  for (auto& name : cmd.accounts) {
    int64_t id = 0;
    for (auto& a : my_accounts(st))
      if (a.name == name)
        id = a.id;
    if (id == 0) {
      rp.deliver(not_found("no account named '" + name + "' ('accounts' lists yours)"));
      return;
    }
    req.account_ids.push_back(id);
  }
  self->request(st.cfg.node, std::chrono::seconds{60}, execute_atom_v, req)
    .then(
      [=](const run_started& started) mutable {
        record_activity(self, "console_run",
                        json_object{}
                          .add("strategy", cmd.strategy)
                          .add("run_id", started.run_id)
                          .str());
        rp.deliver(started);
      },
      [=](const caf::error& err) mutable { rp.deliver(err); });
}

/// Pushes what changed to every watcher; drops the watchers whose run ended.
void stream(session_pointer self) {
  auto& st = self->state;
  st.stream_armed = false;
  if (!st.chains.empty()) {
    stream_chains(self);
    arm_stream(self);
  }
  if (st.watchers.empty())
    return;
  self->request(st.cfg.node, ask_timeout, caf::get_atom_v, run_atom_v)
    .then(
      [self](std::vector<run_status>& all) {
        auto& st = self->state;
        auto runs = mine(st, std::move(all));
        std::vector<watcher> kept;
        for (auto& w : st.watchers) {
          bool keep = true;
          for (auto& r : runs) {
            if (w.run_id != 0 && r.run_id != w.run_id)
              continue;
            if (w.what == watcher::kind::run) {
              if (!(r == w.last)) {
                w.last = r;
                self->send(w.listener, console_event{"run", r, {}, {}, {}});
              }
              if (finished(r)) {
                self->send(w.listener, console_event{"end", r, {}, {}, "the run finished"});
                keep = false;
              }
            } else {
              std::vector<risk_event> fresh;
              for (auto& e : r.risk_events)
                if (w.sent_events.insert(e.write_id).second)
                  fresh.push_back(e);
              if (!fresh.empty())
                self->send(w.listener, console_event{"risk_event", {}, std::move(fresh), {}, {}});
            }
          }
          if (keep)
            kept.push_back(std::move(w));
        }
        st.watchers = std::move(kept);
        if (!st.watchers.empty())
          arm_stream(self);
      },
      [self](const caf::error&) { arm_stream(self); });
}

void add_watcher(session_pointer self, watcher w) {
  auto& st = self->state;
  self->monitor(w.listener);
  st.watchers.push_back(std::move(w));
  arm_stream(self);
}

/// Every option chain of the session closes (the session ends).
void close_chains(session_pointer self, const char* why) {
  std::vector<std::string> ids;
  for (auto& c : self->state.chains)
    ids.push_back(c.session_id);
  for (auto& id : ids)
    close_chain(self, id, why);
}

console_session_impl::behavior_type
session(session_pointer self, console_config cfg, user_credentials user,
        caf::strong_actor_ptr peer) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.user = std::move(user);
  st.user.password_hash.clear();
  if (peer) {
    st.peer = peer->address();
    self->monitor(caf::actor_cast<caf::actor>(peer));
  }
  self->set_down_handler([self](const caf::down_msg& msg) {
    auto& st = self->state;
    if (msg.source == st.peer) {
      spdlog::info("console: session of '{}' ended (the client went away)", st.user.username);
      close_chains(self, "its console went away");
      self->quit();
      return;
    }
    for (auto i = st.account_actors.begin(); i != st.account_actors.end(); ++i)
      if (i->second.address() == msg.source) {
        st.account_actors.erase(i);
        return;
      }
    // A listener went away: its view stops (a chain's session closes), the session carries on.
    std::vector<watcher> kept;
    for (auto& w : st.watchers)
      if (w.listener.address() != msg.source)
        kept.push_back(std::move(w));
    st.watchers = std::move(kept);
    std::vector<std::string> gone;
    for (auto& c : st.chains)
      if (c.listener.address() == msg.source)
        gone.push_back(c.session_id);
    for (auto& id : gone)
      close_chain(self, id, "its console went away");
  });
  touch(self);
  return {
    [=](status_atom) -> caf::result<console_status> {
      touch(self);
      auto rp = self->make_response_promise<console_status>();
      with_accounts(self, [self, rp]() mutable { answer_status(self, rp); });
      return rp;
    },
    [=](accounts_atom) -> caf::result<std::vector<account_view>> {
      touch(self);
      auto rp = self->make_response_promise<std::vector<account_view>>();
      with_accounts(self, [self, rp]() mutable {
        std::vector<account_view> views;
        for (auto& a : my_accounts(self->state))
          views.push_back(view_of(a));
        with_health(self, std::move(views),
                    [rp](std::vector<account_view> out) mutable { rp.deliver(std::move(out)); });
      });
      return rp;
    },
    [=](holdings_atom, const std::string& account) {
      return books(self, book_kind::holdings, account);
    },
    [=](const account_change& c) { return change_account(self, c); },
    [=](const strategy_change& c) { return change_strategy(self, c); },
    [=](settings_atom) -> caf::result<user_settings> {
      touch(self);
      return self->delegate(self->state.cfg.records, settings_atom_v, self->state.user.id);
    },
    [=](const settings_change& c) -> caf::result<std::string> {
      touch(self); // a user changes their own settings; the database checks every value
      return self->delegate(self->state.cfg.records, c, self->state.user.id);
    },
    [=](const chain_request& req, const console_listener_actor& listener) {
      touch(self);
      return open_chain(self, req, listener);
    },
    [=](heartbeat_atom, const std::string& id) {
      touch(self);
      heartbeat_chain(self, id);
    },
    [=](caf::close_atom, const std::string& id) { close_chain(self, id, "closed by the console"); },
    [=](funds_atom, const std::string& account) {
      return books(self, book_kind::funds, account);
    },
    [=](positions_atom, const std::string& account) {
      return books(self, book_kind::positions, account);
    },
    [=](orders_atom, const std::string& account) {
      return books(self, book_kind::orders, account);
    },
    [=](trades_atom, const std::string& account) {
      return books(self, book_kind::trades, account);
    },
    [=](strategies_atom) -> caf::result<std::vector<strategy_definition>> {
      touch(self);
      auto rp = self->make_response_promise<std::vector<strategy_definition>>();
      with_strategies(self, [=]() mutable {
        std::vector<strategy_definition> out;
        for (auto& s : self->state.cfg.strategies)
          if (owns_strategy(self->state, s.id))
            out.push_back(s);
        rp.deliver(std::move(out));
      });
      return rp;
    },
    [=](const strategy_upload& up) -> caf::result<std::string> {
      touch(self);
      auto& st = self->state;
      auto def = up.definition;
      def.user_id = st.user.id;
      def.account_ids.clear();
      for (auto& name : up.account_names) {
        int64_t id = 0;
        for (auto& a : my_accounts(st))
          if (a.name == name && a.user_id == st.user.id)
            id = a.id;
        if (id == 0)
          return make_error(errc::invalid_input, "strategy '" + def.name + "': '" + name
                                                   + "' is not one of your accounts ('accounts' "
                                                     "lists them)");
        def.account_ids.push_back(id);
      }
      bool existed = false;
      for (auto& s : st.cfg.strategies)
        existed = existed || (s.name == def.name && s.user_id == st.user.id);
      auto rp = self->make_response_promise<std::string>();
      self->request(st.cfg.records, ask_timeout, strategy_upload{def, up.account_names},
                    st.user.id)
        .then(
          [=](const strategy_definition& saved) mutable {
            auto& st = self->state;
            self->send(st.cfg.node, caf::put_atom_v, saved);
            bool replaced = false;
            for (auto& s : st.cfg.strategies)
              if (s.id == saved.id) {
                s = saved;
                replaced = true;
              }
            if (!replaced)
              st.cfg.strategies.push_back(saved);
            record_activity(self, "console_strategy_import",
                            json_object{}.add("strategy", saved.name).str());
            rp.deliver("strategy '" + saved.name + "' " + (existed ? "replaced" : "created")
                       + " (" + std::to_string(saved.legs.size()) + " legs)");
          },
          [=](const caf::error& err) mutable { rp.deliver(err); });
      return rp;
    },
    [=](const user_change& c) -> caf::result<std::string> {
      touch(self);
      auto& st = self->state;
      if (!st.user.is_admin)
        return make_error(errc::unauthorized, "user " + c.action + ": for the admin only");
      if (c.action != "add" && c.action != "disable" && c.action != "enable"
          && c.action != "passwd")
        return make_error(errc::invalid_input, "user: '" + c.action
                                                 + "' is not add, disable, enable or passwd");
      if (c.username.size() < 3 || c.username.size() > 80)
        return make_error(errc::invalid_input, "user: the username must be 3-80 characters");
      if (c.action == "disable" && c.username == st.user.username)
        return make_error(errc::rejected, "user disable: you cannot disable yourself");
      std::string hash;
      if (c.action == "add" || c.action == "passwd") {
        auto problems = password_problems(c.password);
        if (!problems.empty()) {
          std::string text = "the password is not accepted:";
          for (auto& p : problems)
            text += " " + p + ";";
          text.pop_back();
          return make_error(errc::invalid_input, text);
        }
        hash = st.cfg.hash_password ? st.cfg.hash_password(c.password) : std::string{};
        if (hash.empty())
          return make_error(errc::unavailable, "user " + c.action + ": the password could not "
                                                                    "be hashed");
      }
      auto rp = self->make_response_promise<std::string>();
      user_change without_password{c.action, c.username, c.email, {}};
      self->request(st.cfg.records, ask_timeout, without_password, hash)
        .then(
          [=](const std::string& done) mutable {
            record_activity(self, "console_user_" + c.action,
                            json_object{}.add("username", c.username).str());
            rp.deliver(done);
          },
          [=](const caf::error& err) mutable { rp.deliver(err); });
      return rp;
    },
    [=](const run_strategy& cmd) -> caf::result<run_started> {
      touch(self);
      auto rp = self->make_response_promise<run_started>();
      with_strategies(self, [=]() mutable { start_run(self, cmd, rp); });
      return rp;
    },
    [=](run_atom, bool all) -> caf::result<std::vector<run_status>> {
      touch(self);
      auto rp = self->make_response_promise<std::vector<run_status>>();
      self->request(self->state.cfg.node, ask_timeout, caf::get_atom_v, run_atom_v)
        .then(
          [=](std::vector<run_status>& runs) mutable {
            std::vector<run_status> out;
            for (auto& r : mine(self->state, std::move(runs)))
              if (all || !finished(r))
                out.push_back(std::move(r));
            rp.deliver(std::move(out));
          },
          [=](const caf::error& err) mutable { rp.deliver(err); });
      return rp;
    },
    [=](run_atom, int64_t run_id) -> caf::result<run_status> {
      touch(self);
      auto rp = self->make_response_promise<run_status>();
      with_run(
        self, run_id, [=](const run_status& r) mutable { rp.deliver(r); },
        [=](caf::error err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](watch_atom, int64_t run_id,
        const console_listener_actor& listener) -> caf::result<run_status> {
      touch(self);
      if (!listener)
        return make_error(errc::invalid_input, "watch: no listener to stream to");
      auto rp = self->make_response_promise<run_status>();
      with_run(
        self, run_id,
        [=](const run_status& r) mutable {
          if (!finished(r))
            add_watcher(self, watcher{run_id, listener, watcher::kind::run, r, {}});
          rp.deliver(r);
        },
        [=](caf::error err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](const exit_command& cmd) -> caf::result<caf::ok_atom> {
      touch(self);
      auto rp = self->make_response_promise<caf::ok_atom>();
      with_run(
        self, cmd.run_id,
        [=](const run_status& r) mutable {
          auto& st = self->state;
          manual_exit m{r.run_id, 0, 0};
          if (!cmd.account.empty()) {
            for (auto& e : r.executions)
              if (account_name(st, e.account_id) == cmd.account)
                m.account_id = e.account_id;
            if (m.account_id == 0) {
              rp.deliver(not_found("run " + std::to_string(r.run_id) + " has no account named '"
                                   + cmd.account + "' ('show " + std::to_string(r.run_id)
                                   + "' lists its accounts)"));
              return;
            }
          }
          if (cmd.leg != 0) {
            for (auto& e : r.executions)
              if (e.execution_id == cmd.leg)
                m.execution_id = e.execution_id;
            if (m.execution_id == 0) {
              rp.deliver(make_error(errc::invalid_input,
                                    "--leg " + std::to_string(cmd.leg) + " is not a leg of run "
                                      + std::to_string(r.run_id) + " ('show "
                                      + std::to_string(r.run_id)
                                      + "' lists its legs by execution id)"));
              return;
            }
          }
          if (finished(r)) {
            rp.deliver(make_error(errc::rejected, "run " + std::to_string(r.run_id)
                                                    + " has finished: nothing to exit"));
            return;
          }
          self->request(st.cfg.node, ask_timeout, m)
            .then(
              [=](caf::ok_atom) mutable {
                record_activity(self, "console_exit",
                                json_object{}
                                  .add("run_id", m.run_id)
                                  .add("account_id", m.account_id)
                                  .add("execution_id", m.execution_id)
                                  .str());
                rp.deliver(caf::ok_atom_v);
              },
              [=](const caf::error& err) mutable { rp.deliver(err); });
        },
        [=](caf::error err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](risk_atom, int64_t run_id) -> caf::result<std::vector<risk_event>> {
      touch(self);
      auto rp = self->make_response_promise<std::vector<risk_event>>();
      self->request(self->state.cfg.node, ask_timeout, caf::get_atom_v, run_atom_v)
        .then(
          [=](std::vector<run_status>& all) mutable {
            std::vector<int64_t> ids;
            for (auto& r : mine(self->state, std::move(all)))
              if (run_id == 0 || r.run_id == run_id)
                ids.push_back(r.run_id);
            if (run_id != 0 && ids.empty()) {
              rp.deliver(not_found("no run " + std::to_string(run_id)
                                   + " ('runs --all' lists yours)"));
              return;
            }
            self->request(self->state.cfg.records, ask_timeout, risk_atom_v, ids)
              .then([=](std::vector<risk_event>& events) mutable { rp.deliver(std::move(events)); },
                    [=](const caf::error& err) mutable { rp.deliver(err); });
          },
          [=](const caf::error& err) mutable { rp.deliver(err); });
      return rp;
    },
    [=](risk_atom, int64_t run_id,
        const console_listener_actor& listener) -> caf::result<std::vector<risk_event>> {
      touch(self);
      auto rp = self->make_response_promise<std::vector<risk_event>>();
      self->request(self->state.cfg.node, ask_timeout, caf::get_atom_v, run_atom_v)
        .then(
          [=](std::vector<run_status>& all) mutable {
            watcher w{run_id, listener, watcher::kind::risk, {}, {}};
            std::vector<risk_event> now;
            bool found = run_id == 0;
            for (auto& r : mine(self->state, std::move(all)))
              if (run_id == 0 || r.run_id == run_id) {
                found = true;
                for (auto& e : r.risk_events) {
                  w.sent_events.insert(e.write_id);
                  now.push_back(e);
                }
              }
            if (!found) {
              rp.deliver(not_found("no run " + std::to_string(run_id)
                                   + " ('runs --all' lists yours)"));
              return;
            }
            if (listener)
              add_watcher(self, std::move(w));
            rp.deliver(std::move(now));
          },
          [=](const caf::error& err) mutable { rp.deliver(err); });
      return rp;
    },
    [=](alerts_atom) {
      touch(self);
      auto& st = self->state;
      std::vector<alert_line> out;
      if (!st.cfg.alerts)
        return out;
      auto mine_accounts = my_accounts(st);
      for (auto& line : st.cfg.alerts()) {
        bool visible = st.user.is_admin;
        for (auto& a : mine_accounts)
          visible = visible || line.find("account " + a.name) != std::string::npos;
        if (visible)
          out.push_back({line});
      }
      return out;
    },
    [=](failovers_atom) -> caf::result<std::vector<failover_event>> {
      touch(self);
      auto rp = self->make_response_promise<std::vector<failover_event>>();
      self->request(self->state.cfg.records, ask_timeout, failovers_atom_v, int32_t{100})
        .then(
          [=](std::vector<failover_event>& all) mutable {
            std::vector<failover_event> out;
            for (auto& f : all)
              if (owns_account(self->state, f.from_account_id)
                  || owns_account(self->state, f.to_account_id))
                out.push_back(std::move(f));
            rp.deliver(std::move(out));
          },
          [=](const caf::error& err) mutable { rp.deliver(err); });
      return rp;
    },
    [=](quotes_atom, const std::vector<std::string>& symbols) -> caf::result<std::vector<quote>> {
      touch(self);
      if (symbols.empty() || symbols.size() > 50)
        return make_error(errc::invalid_input, "quote: give 1 to 50 symbols");
      std::vector<instrument> insts;
      for (auto& s : symbols) {
        auto inst = parse_symbol(s);
        if (!inst)
          return make_error(errc::invalid_input,
                            "quote: '" + s + "' is not a symbol (SYMBOL or EXCHANGE:SYMBOL)");
        insts.push_back(*inst);
      }
      return self->delegate(self->state.cfg.node, quotes_atom_v, std::move(insts));
    },
    [=](users_atom) -> caf::result<std::vector<user_view>> {
      touch(self);
      if (!self->state.user.is_admin)
        return make_error(errc::unauthorized, "users: for the admin only");
      return self->delegate(self->state.cfg.records, users_atom_v);
    },
    [=](logout_atom) {
      spdlog::info("console: '{}' logged out", self->state.user.username);
      close_chains(self, "closed at logout");
      self->quit();
      return caf::ok_atom_v;
    },
    [=](idle_atom, uint64_t generation) {
      if (generation != self->state.idle_generation)
        return;
      spdlog::info("console: session of '{}' ended after {} min idle", self->state.user.username,
                   std::chrono::duration_cast<std::chrono::minutes>(
                     self->state.cfg.idle_timeout).count());
      close_chains(self, "closed: the session was idle");
      self->quit();
    },
    [=](caf::tick_atom) { stream(self); },
  };
}

} // namespace

console_session_actor spawn_console_session(caf::actor_system& sys, const console_config& cfg,
                                            const user_credentials& user,
                                            caf::strong_actor_ptr peer) {
  return sys.spawn(session, cfg, user, std::move(peer));
}

} // namespace algomirror
