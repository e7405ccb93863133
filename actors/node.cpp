#include "actors/node.hpp"
#include "actors/internal/node_state.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/internal/json_writer.hpp"
#include "actors/market_data.hpp"
#include "domain/calendar.hpp"
#include "domain/sizing.hpp"
#include "domain/strategy_rules.hpp"
#include "actors/internal/store_writes.hpp"

namespace algomirror {

namespace node_internal {


/// An activity_logs row about the node itself; its write id is unique per node start.
void record_activity(node_pointer self, const std::string& action, std::string details) {
  auto now = self->state.cfg.time->now();
  activity_entry entry{"node:" + action + ":" + format_utc(now) + ":"
                         + std::to_string(++self->state.activity_seq),
                       0, action, std::move(details), "node", now};
  store_routine(self->state.cfg.store, std::move(entry));
}

void spawn_account_child(node_pointer self, const account_record& rec) {
  auto& st = self->state;
  auto cfg = st.cfg.account_defaults;
  cfg.record = rec;
  cfg.store = st.cfg.store;
  cfg.time = st.cfg.time;
  cfg.order_link = st.cfg.gateways.link;
  auto& api = st.gateways[rec.id];
  if (!api && st.cfg.gateways.broker_api) {
    api = st.cfg.gateways.broker_api(rec);
    if (api) {
      self->link_to(api);
      st.linked.insert(api.address());
    }
  }
  if (!api) {
    spdlog::error("node: account {} has no broker gateway; not started", rec.name);
    return;
  }
  cfg.api = api;
  auto hdl = spawn_account(self->system(), std::move(cfg));
  self->monitor(hdl);
  self->link_to(hdl); // children never outlive the node
  st.linked.insert(hdl.address());
  st.accounts[rec.id] = hdl;
  st.children[hdl.address()] = {child_info::kind::account, rec.id, "account " + rec.name};
  if (st.feed)
    self->send(hdl, caf::put_atom_v, st.feed); // the ltp of its positions
}

void spawn_feed_child(node_pointer self) {
  auto& st = self->state;
  auto cfg = st.cfg.feed_defaults;
  cfg.store = st.cfg.store;
  cfg.time = st.cfg.time;
  cfg.make_link = st.cfg.gateways.link;
  cfg.sources.clear();
  for (auto& rec : failover_order(st.cfg.accounts))
    cfg.sources.push_back({rec, st.gateways.count(rec.id) != 0 ? st.gateways[rec.id]
                                                               : broker_api_actor{}});
  st.feed = spawn_price_feed(self->system(), std::move(cfg));
  if (st.clock)
    self->send(st.clock, caf::subscribe_atom_v, clock_listener_actor{st.feed});
  self->monitor(st.feed);
  self->link_to(st.feed);
  st.linked.insert(st.feed.address());
  st.children[st.feed.address()] = {child_info::kind::feed, 0, "price feed"};
  for (auto& [id, a] : st.accounts)
    self->send(a, caf::put_atom_v, st.feed);
}

/// A child stopped while the node runs: it crashed. Logged with its reason, counted, and made
/// again from its persisted state — unless it crashed more than `max_restarts` times in the
/// window: then it stays down and an alert is raised.
void on_child_down(node_pointer self, const caf::down_msg& msg) {
  auto& st = self->state;
  auto i = st.children.find(msg.source);
  if (i == st.children.end())
    return;
  auto info = i->second;
  st.children.erase(i);
  if (info.what == child_info::kind::account)
    st.accounts.erase(info.account_id);
  if (st.phase != node_phase::running)
    return;
  auto reason = self->system().render(msg.reason);
  spdlog::error("node: {} stopped: {}", info.label, reason);
  auto now = self->clock().now();
  auto& times = st.restarts_by_child[info.label];
  while (!times.empty() && now - times.front() > st.cfg.restart_window)
    times.pop_front();
  json_object details;
  details.add("child", info.label).add("reason", reason);
  if (static_cast<int>(times.size()) >= st.cfg.max_restarts) {
    ++st.alerts;
    spdlog::critical("node: ALERT: {} crashed {} times within {} s; no further restarts",
                     info.label, times.size() + 1, st.cfg.restart_window.count());
    record_activity(self, "actor_restarts_exhausted", details.str());
    return;
  }
  times.push_back(now);
  ++st.restarts;
  record_activity(self, "actor_restarted", details.str());
  if (info.what == child_info::kind::feed) {
    spawn_feed_child(self);
    return;
  }
  for (auto& rec : st.cfg.accounts)
    if (rec.id == info.account_id)
      spawn_account_child(self, rec);
}

void finish_shutdown(node_pointer self) {
  auto& st = self->state;
  // Runs stop without exiting their positions: the database and the broker keep them, and
  // the next start reconciles.
  for (auto& [id, r] : st.runs)
    self->send_exit(r.handle, caf::exit_reason::user_shutdown);
  for (auto& [id, a] : st.accounts)
    self->send_exit(a, caf::exit_reason::user_shutdown);
  if (st.feed)
    self->send_exit(st.feed, caf::exit_reason::user_shutdown);
  for (auto& [id, g] : st.gateways)
    self->send_exit(g, caf::exit_reason::user_shutdown);
  if (st.clock)
    self->send_exit(st.clock, caf::exit_reason::user_shutdown);
  if (st.market_data)
    self->send_exit(st.market_data, caf::exit_reason::user_shutdown);
  record_activity(self, "node_stopped");
  self->request(st.cfg.store, st.cfg.shutdown_timeout, caf::flush_atom_v)
    .then(
      [=](const store_stats& stats) mutable {
        spdlog::info("node: persistence flushed ({} rows in {} transactions this run)",
                     stats.rows_written, stats.transactions);
        self->state.phase = node_phase::stopped;
        self->state.shutdown_promise.deliver(caf::ok_atom_v);
        self->quit();
      },
      [=](const caf::error& err) mutable {
        spdlog::error("node: persistence did not flush: {}", self->system().render(err));
        self->state.phase = node_phase::stopped;
        self->state.shutdown_promise.deliver(err);
        self->quit(err);
      });
}

/// The market a strategy trades in (the calendar's name for it): its first leg's exchange.
std::string market_of(const node_state& st, const strategy_definition& s) {
  if (!s.legs.empty())
    if (auto spec = st.cfg.run_defaults.instruments.find(s.legs.front().underlying))
      return to_string(spec->derivative_exchange);
  return "NFO";
}

/// The calendar's warnings at `t` for every exchange the node's strategies trade on (NSE when
/// it has none): a year whose holidays nobody listed (issue 15).
std::vector<std::string> calendar_warnings(const node_state& st, utc_instant t) {
  std::set<std::string> exchanges;
  for (auto& [id, s] : st.strategies)
    exchanges.insert(market_calendar::holiday_market(market_of(st, s)));
  if (exchanges.empty())
    exchanges.insert("NSE");
  std::vector<std::string> out;
  for (auto& x : exchanges)
    if (auto w = st.calendar->unknown_year_warning(x, market_calendar::ist_date(t)); !w.empty())
      out.push_back(std::move(w));
  return out;
}

/// The run's configuration: the node's defaults, its strategy, accounts and handles.
strategy_run_config run_config(node_pointer self, const strategy_definition& s,
                               std::vector<run_account> accounts, int64_t run_id) {
  auto& st = self->state;
  auto cfg = st.cfg.run_defaults;
  cfg.run_id = run_id;
  cfg.strategy = s;
  cfg.accounts = std::move(accounts);
  cfg.feed = st.feed;
  cfg.store = st.cfg.store;
  cfg.timers = st.clock;
  cfg.time = st.cfg.time;
  cfg.calendar = st.cfg.calendar;
  cfg.listener = run_listener_actor{self};
  cfg.market_api = st.market_data;
  return cfg;
}

/// Spawns the run, supervised, and returns its entry; a run with an id is registered under
/// it now (a new run, id 0, once it has stored its row).
node_state::live_run adopt_run(node_pointer self, strategy_run_config cfg) {
  auto& st = self->state;
  auto run_id = cfg.run_id;
  node_state::live_run entry;
  entry.strategy_id = cfg.strategy.id;
  for (auto& a : cfg.accounts)
    entry.account_ids.insert(a.record.id);
  entry.handle = spawn_strategy_run(self->system(), std::move(cfg));
  self->monitor(entry.handle);
  self->link_to(entry.handle);
  st.linked.insert(entry.handle.address());
  if (run_id != 0)
    st.runs[run_id] = entry;
  return entry;
}

/// Adopts an unfinished run with the settings it was sized by (or the defaults).
void adopt_recovered(node_pointer self, const unfinished_run& u, const strategy_definition& s,
                     const user_settings* settings) {
  auto& st = self->state;
  if (st.phase != node_phase::running || st.runs.count(u.record.id) != 0)
    return; // stopping, or made again meanwhile
  std::vector<run_account> accounts;
  std::set<int64_t> ids;
  for (auto& e : u.executions)
    ids.insert(e.account_id);
  for (auto id : ids) {
    run_account ra;
    for (auto& rec : st.cfg.accounts)
      if (rec.id == id)
        ra.record = rec;
    ra.record.id = id;
    if (auto a = st.accounts.find(id); a != st.accounts.end())
      ra.handle = a->second;
    accounts.push_back(ra);
  }
  auto cfg = run_config(self, s, std::move(accounts), u.record.id);
  if (settings != nullptr)
    apply_user_settings(*settings, cfg.instruments, cfg.margins, cfg.grades);
  cfg.recovering = true;
  cfg.recovered = u.record;
  cfg.recovered_executions = u.executions;
  spdlog::info("node: run {} of '{}' was unfinished: reconciling {} execution(s)", u.record.id,
               s.name, u.executions.size());
  json_object details;
  details.add("run_id", u.record.id).add("executions", static_cast<int64_t>(u.executions.size()));
  record_activity(self, "run_recovering", details.str());
  adopt_run(self, std::move(cfg));
}

/// One unfinished run from its durable state: it reconciles its executions with the broker and
/// resumes monitoring (or flags what it cannot reconcile). At start-up, and for a run actor
/// that died (crash-only: the same path). Its user's instruments (lot, freeze, strike step)
/// are read first; positions are never left unwatched for them: without an answer the
/// defaults serve, with a warning.
void recover_one(node_pointer self, const unfinished_run& u) {
  auto& st = self->state;
  strategy_definition s;
  if (auto i = st.strategies.find(u.record.strategy_id); i != st.strategies.end()) {
    s = i->second;
  } else { // deleted or made inactive since: the positions still need watching
    s.id = u.record.strategy_id;
    s.name = "strategy " + std::to_string(s.id);
    s.scope = u.record.scope;
  }
  if (!st.cfg.store || s.user_id == 0) {
    adopt_recovered(self, u, s, nullptr);
    return;
  }
  self->request(st.cfg.store, std::chrono::seconds{5}, caf::get_atom_v, settings_atom_v, s.user_id)
    .then([self, u, s](const user_settings& settings) { adopt_recovered(self, u, s, &settings); },
          [self, u, s](const caf::error& err) {
            spdlog::warn("node: run {}: the trading settings were not read ({}); reconciling "
                         "with the default instrument table",
                         u.record.id, self->system().render(err));
            adopt_recovered(self, u, s, nullptr);
          });
}

/// Unfinished runs from before the restart.
void recover_runs(node_pointer self) {
  for (auto& u : self->state.cfg.unfinished)
    recover_one(self, u);
}

/// A run actor died while the node runs: it is made again from its durable state, reconciled
/// with the brokers, like a run found at start-up — unless it died too often in the window.
void readopt_run(node_pointer self, int64_t run_id, const std::string& reason) {
  auto& st = self->state;
  auto label = "run " + std::to_string(run_id);
  spdlog::error("node: {} stopped: {}; making it again from the database", label, reason);
  auto now = self->clock().now();
  auto& times = st.restarts_by_child[label];
  while (!times.empty() && now - times.front() > st.cfg.restart_window)
    times.pop_front();
  json_object details;
  details.add("child", label).add("reason", reason);
  if (static_cast<int>(times.size()) >= st.cfg.max_restarts) {
    ++st.alerts;
    spdlog::critical("node: ALERT: {} crashed {} times within {} s; not made again (its "
                     "positions stay in the database for the next start)",
                     label, times.size() + 1, st.cfg.restart_window.count());
    record_activity(self, "actor_restarts_exhausted", details.str());
    return;
  }
  times.push_back(now);
  ++st.restarts;
  record_activity(self, "actor_restarted", details.str());
  self->request(st.cfg.store, std::chrono::seconds{30}, caf::get_atom_v, run_atom_v, run_id)
    .then(
      [self, run_id](const run_recovery& u) {
        if (self->state.phase != node_phase::running || self->state.runs.count(run_id) != 0)
          return;
        recover_one(self, u);
      },
      [self, label](const caf::error& err) {
        spdlog::error("node: {} not made again: {}; it is recovered at the next start", label,
                      self->system().render(err));
      });
}

/// Spawns the run; it makes its own row (its one writer) and answers its id, which the caller
/// gets. A run that cannot store its row ends, and the caller hears why.
void spawn_run(node_pointer self, const strategy_definition& s, std::vector<run_account> accounts,
               const user_settings& settings, caf::typed_response_promise<run_started> rp) {
  auto cfg = run_config(self, s, std::move(accounts), 0);
  apply_user_settings(settings, cfg.instruments, cfg.margins, cfg.grades);
  auto entry = adopt_run(self, std::move(cfg));
  auto hdl = entry.handle;
  self->request(hdl, std::chrono::seconds{30}, run_atom_v)
    .then(
      [self, s, entry, rp](int64_t run_id) mutable {
        auto& st = self->state;
        st.starting.erase(s.id);
        st.runs[run_id] = entry;
        json_object details;
        details.add("run_id", run_id).add("strategy", s.name);
        record_activity(self, "run_started", details.str());
        rp.deliver(run_started{run_id, s.id});
      },
      [self, s, hdl, rp](const caf::error& err) mutable {
        self->state.starting.erase(s.id);
        self->send_exit(hdl, caf::exit_reason::user_shutdown);
        rp.deliver(make_error(errc::storage_down, "the run row was not stored: "
                                                    + self->system().render(err)));
      });
}

caf::result<run_started> execute(node_pointer self, const execute_request& req) {
  auto& st = self->state;
  if (st.phase != node_phase::running)
    return make_error(errc::unavailable, "the node is stopping; no new runs");
  if (!st.lease.held)
    return make_error(errc::unavailable, "the node does not hold its database lease ("
                                           + st.lease.problem + "): no new runs, no orders");
  auto si = st.strategies.find(req.strategy_id);
  if (si == st.strategies.end())
    return make_error(errc::not_found, "no active strategy with id "
                                         + std::to_string(req.strategy_id)
                                         + " ('strategy list' shows them)");
  auto s = si->second;
  for (auto& [id, r] : st.runs)
    if (r.strategy_id == s.id)
      return make_error(errc::rejected, "strategy '" + s.name + "' is already running (run "
                                          + std::to_string(id)
                                          + "); exit that run first");
  if (st.starting.count(s.id) != 0)
    return make_error(errc::rejected, "strategy '" + s.name + "' is being started already");
  auto market = market_of(st, s);
  auto t = st.cfg.time->now();
  auto& calendar = *st.calendar;
  if (!req.force && !st.cfg.test_clock && !calendar.is_open(market, t)) {
    auto next = calendar.next_open(market, t);
    return make_error(errc::rejected,
                      "the " + market + " market is closed at " + format_ist(t)
                        + (next ? "; it opens " + format_ist(*next) : std::string{})
                        + "; run with --force to execute anyway");
  }
  // What the broker would refuse, or a run that would exit at once: refused before anything
  // is sent, --force included.
  if (auto why = start_time_problem(s, market_calendar::ist_seconds(t)); !why.empty())
    return make_error(errc::rejected, why);
  if (auto w = calendar.unknown_year_warning(market, market_calendar::ist_date(t)); !w.empty())
    spdlog::warn("node: strategy '{}' executed by hand on a day the calendar cannot vouch for: "
                 "{}",
                 s.name, w);
  auto ids = req.account_ids.empty() ? s.account_ids : req.account_ids;
  if (ids.empty()) // a strategy without accounts runs on every active account of its user
    for (auto& rec : st.cfg.accounts)
      if (rec.user_id == s.user_id && rec.is_active && st.accounts.count(rec.id) != 0)
        ids.push_back(rec.id);
  if (ids.empty())
    return make_error(errc::invalid_input, "strategy '" + s.name
                                             + "' has no running account to trade on: add "
                                               "accounts, or check that they started");
  std::vector<run_account> accounts;
  for (auto id : ids) {
    auto a = st.accounts.find(id);
    if (a == st.accounts.end())
      return make_error(errc::not_found, "account " + std::to_string(id)
                                           + " is not running on this node (inactive, "
                                             "unknown, or its gateway failed)");
    for (auto& rec : st.cfg.accounts)
      if (rec.id == id) {
        if (!rec.is_active)
          return make_error(errc::rejected, "account '" + rec.name
                                              + "' is disabled: it takes no new entries "
                                                "('account enable " + rec.name + "')");
        accounts.push_back({rec, a->second});
      }
  }
  auto rp = self->make_response_promise<run_started>();
  st.starting.insert(s.id);
  // No new risk that cannot be recorded (§10 step 7): the database must be up, and the row
  // exists before anything is sent.
  self->request(st.cfg.store, std::chrono::seconds{10}, caf::get_atom_v, stats_atom_v)
    .then(
      [self, s, accounts, rp](const store_stats& stats) mutable {
        if (!stats.database_up) {
          self->state.starting.erase(s.id);
          rp.deliver(make_error(errc::storage_down,
                                "the database is unavailable: no new runs until it is back"));
          return;
        }
        // The user's instruments, margins and grades as the database has them now: a change
        // made since the last run counts from this one (issue 15).
        self->request(self->state.cfg.store, std::chrono::seconds{10}, caf::get_atom_v,
                      settings_atom_v, s.user_id)
          .then(
            [self, s, accounts, rp](const user_settings& settings) mutable {
              spawn_run(self, s, std::move(accounts), settings, rp);
            },
            [self, s, rp](const caf::error& err) mutable {
              self->state.starting.erase(s.id);
              rp.deliver(make_error(errc::storage_down,
                                    "the trading settings were not read: "
                                      + self->system().render(err)));
            });
      },
      [self, s, rp](const caf::error& err) mutable {
        self->state.starting.erase(s.id);
        rp.deliver(make_error(errc::storage_down,
                              "the database did not answer: " + self->system().render(err)));
      });
  return rp;
}

/// The live and recent runs' statuses into `rp` (live ones first); as headlines (no legs or
/// risk events, the leg count kept) when `headlines`.
void gather_runs(node_pointer self, bool headlines,
                 caf::typed_response_promise<std::vector<run_status>> rp) {
  auto& st = self->state;
  auto out = std::make_shared<std::vector<run_status>>();
  auto add = [out, headlines](run_status x, bool front) {
    if (headlines) {
      x.leg_count = static_cast<int32_t>(x.executions.size());
      x.executions.clear();
      x.risk_events.clear();
    }
    if (front)
      out->insert(out->begin(), std::move(x));
    else
      out->push_back(std::move(x));
  };
  for (auto& r : st.finished_runs)
    add(r, false);
  auto left = std::make_shared<size_t>(st.runs.size());
  if (*left == 0) {
    rp.deliver(std::move(*out));
    return;
  }
  for (auto& [id, r] : st.runs)
    self->request(r.handle, std::chrono::seconds{5}, caf::get_atom_v)
      .then(
        [out, left, rp, add](run_status& x) mutable {
          add(std::move(x), true);
          if (--*left == 0)
            rp.deliver(std::move(*out));
        },
        [out, left, rp](const caf::error&) mutable {
          if (--*left == 0)
            rp.deliver(std::move(*out));
        });
}

node_impl::behavior_type node(node_pointer self, node_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.calendar.emplace(st.cfg.calendar);
  st.started_at = st.cfg.time->now();
  self->monitor(st.cfg.store);
  // A child's exit arrives as a down message too (supervision happens there); any other
  // exit stops the node, and with it, through the links, every child.
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    if (self->state.linked.erase(msg.source) == 0)
      self->quit(msg.reason);
  });
  self->set_down_handler([=](const caf::down_msg& msg) {
    if (msg.source == self->state.cfg.store) {
      if (self->state.phase == node_phase::running)
        spdlog::error("node: the persistence actor stopped: {}",
                      self->system().render(msg.reason));
      return;
    }
    for (auto i = self->state.runs.begin(); i != self->state.runs.end(); ++i)
      if (i->second.handle.address() == msg.source) {
        auto run_id = i->first;
        self->state.runs.erase(i); // (its link's exit message is expected by the exit handler)
        if (self->state.phase == node_phase::running)
          readopt_run(self, run_id, self->system().render(msg.reason));
        return;
      }
    on_child_down(self, msg);
  });
  market_clock_config clock_cfg;
  clock_cfg.calendar = st.cfg.calendar;
  clock_cfg.time = st.cfg.time;
  clock_cfg.resolution = st.cfg.clock_resolution;
  st.clock = spawn_market_clock(self->system(), std::move(clock_cfg));
  self->link_to(st.clock);
  st.linked.insert(st.clock.address());
  self->send(st.clock, caf::subscribe_atom_v, clock_listener_actor{self}); // entry times
  for (auto& s : st.cfg.strategies) {
    st.strategies[s.id] = s;
    self->send(st.clock, caf::put_atom_v, s);
  }
  for (auto& rec : st.cfg.accounts)
    spawn_account_child(self, rec);
  market_data_config md;
  md.sources = gateways_in_order(st);
  // Each account gets part of a run's patience, so that the next one is asked within it.
  md.timeout = std::min(std::chrono::milliseconds{st.cfg.run_defaults.request_timeout / 2},
                        std::chrono::milliseconds{5000});
  st.market_data = spawn_market_data(self->system(), std::move(md));
  self->link_to(st.market_data);
  st.linked.insert(st.market_data.address());
  if (!st.cfg.accounts.empty() && st.cfg.gateways.link)
    spawn_feed_child(self);
  st.phase = node_phase::running;
  record_activity(self, "node_started");
  recover_runs(self);
  for (auto& w : calendar_warnings(st, st.started_at))
    spdlog::warn("node: calendar: {}", w);
  spdlog::info("node: running on {} at {} with {} account(s)", st.cfg.database_label,
               format_ist(st.started_at), st.accounts.size());
  return {
    [=](execute_atom, const execute_request& req) { return execute(self, req); },
    [=](caf::get_atom, run_atom) -> caf::result<std::vector<run_status>> {
      auto rp = self->make_response_promise<std::vector<run_status>>();
      gather_runs(self, false, rp);
      return rp;
    },
    [=](caf::get_atom, run_atom, caf::tick_atom) -> caf::result<std::vector<run_status>> {
      auto rp = self->make_response_promise<std::vector<run_status>>();
      gather_runs(self, true, rp);
      return rp;
    },
    [=](caf::get_atom, run_atom, int64_t id, caf::ok_atom) -> caf::result<strategy_run_actor> {
      if (auto i = self->state.runs.find(id); i != self->state.runs.end())
        return i->second.handle;
      return make_error(errc::not_found, "no live run " + std::to_string(id));
    },
    [=](caf::get_atom, run_atom, int64_t id) -> caf::result<run_status> {
      auto& st = self->state;
      if (auto i = st.runs.find(id); i != st.runs.end())
        return self->delegate(i->second.handle, caf::get_atom_v);
      for (auto& r : st.finished_runs)
        if (r.run_id == id)
          return r;
      return make_error(errc::not_found, "no run " + std::to_string(id) + " on this node");
    },
    [=](const manual_exit& m) -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      if (m.run_id != 0 && st.runs.count(m.run_id) == 0)
        return make_error(errc::not_found, "no live run with id " + std::to_string(m.run_id)
                                             + " ('run status' lists them)");
      size_t told = 0;
      for (auto& [id, r] : st.runs)
        if (m.run_id == 0 || m.run_id == id) {
          self->send(r.handle, m);
          ++told;
        }
      json_object details;
      details.add("run_id", m.run_id)
        .add("account_id", m.account_id)
        .add("execution_id", m.execution_id)
        .add("runs", static_cast<int64_t>(told));
      record_activity(self, "manual_exit", details.str());
      return caf::ok_atom_v;
    },
    [=](caf::put_atom, const strategy_definition& s) {
      self->state.strategies[s.id] = s;
      self->send(self->state.clock, caf::put_atom_v, s);
    },
    [=](run_atom, const run_status& final_status) {
      auto& st = self->state;
      if (auto i = st.runs.find(final_status.run_id); i != st.runs.end()) {
        self->send_exit(i->second.handle, caf::exit_reason::user_shutdown); // its link ends too
        st.runs.erase(i);
      }
      json_object details;
      details.add("run_id", final_status.run_id)
        .add("strategy", final_status.strategy_name)
        .add("end_reason", final_status.end_reason)
        .add("realized_pnl", final_status.realized_pnl);
      record_activity(self, "run_finished", details.str());
      st.finished_runs.push_front(final_status);
      while (st.finished_runs.size() > st.cfg.finished_runs_kept)
        st.finished_runs.pop_back();
    },
    [=](const session_opened& o) {
      // Every trading day, while the year's holidays are missing (issue 15).
      auto day = market_calendar::ist_date(o.at);
      if (auto w = self->state.calendar->unknown_year_warning(o.market, day); !w.empty())
        spdlog::warn("node: {} session opened: {}", o.market, w);
    },
    [=](const session_closed&) {},
    [=](const timer_due& t) {
      auto& st = self->state;
      auto si = st.strategies.find(t.strategy_id);
      if (t.timer != strategy_timer::entry || si == st.strategies.end())
        return;
      auto market = market_of(st, si->second);
      auto today = market_calendar::ist_date(st.cfg.time->now());
      if (!st.calendar->scheduled_entry_allowed(market, today)) {
        auto why = st.calendar->unknown_year_warning(market, today);
        spdlog::error("node: scheduled entry of strategy '{}' refused: {}", si->second.name, why);
        json_object details;
        details.add("strategy_id", t.strategy_id)
          .add("strategy", si->second.name)
          .add("market", market)
          .add("reason", why);
        record_activity(self, "scheduled_entry_refused", details.str());
        return;
      }
      spdlog::info("node: entry time of strategy {}: executing", t.strategy_id);
      self->request(caf::actor_cast<node_actor>(self), std::chrono::seconds{30}, execute_atom_v,
                    execute_request{t.strategy_id, {}, false})
        .then([](const run_started&) {},
              [self, id = t.strategy_id](const caf::error& err) {
                spdlog::error("node: scheduled run of strategy {} not started: {}", id,
                              self->system().render(err));
              });
    },
    [=](caf::get_atom, status_atom) -> node_status {
      auto& st = self->state;
      return {st.phase,
              st.cfg.database_label,
              st.started_at,
              st.cfg.time->now(),
              static_cast<int32_t>(st.accounts.size()),
              static_cast<int32_t>(st.runs.size()),
              st.restarts,
              st.alerts,
              calendar_warnings(st, st.cfg.time->now())};
    },
    [=](caf::get_atom, account_atom, int64_t id) -> caf::result<account_actor> {
      auto i = self->state.accounts.find(id);
      if (i == self->state.accounts.end())
        return make_error(errc::not_found, "no running account with id " + std::to_string(id));
      return i->second;
    },
    [=](caf::get_atom, feed_atom) -> caf::result<price_feed_actor> {
      if (!self->state.feed)
        return make_error(errc::not_found, "no price feed (no active account)");
      return self->state.feed;
    },
    [=](shutdown_atom) -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      auto rp = self->make_response_promise<caf::ok_atom>();
      if (st.phase != node_phase::running) {
        rp.deliver(caf::ok_atom_v);
        return rp;
      }
      st.phase = node_phase::stopping;
      st.shutdown_promise = rp;
      spdlog::info("node: stopping: no new orders; waiting up to {} s for {} account(s) to "
                   "settle their orders",
                   st.cfg.shutdown_timeout.count(), st.accounts.size());
      auto pending = std::make_shared<size_t>(st.accounts.size());
      if (*pending == 0) {
        finish_shutdown(self);
        return rp;
      }
      for (auto& [id, a] : st.accounts) {
        auto done = [self, pending] {
          if (--*pending == 0)
            self->send(self, shutdown_atom_v, caf::ok_atom_v);
        };
        self->request(a, st.cfg.shutdown_timeout, shutdown_atom_v)
          .then([done](caf::ok_atom) { done(); },
                [done, self, id = id](const caf::error& err) {
                  spdlog::warn("node: account {} did not settle: {}", id,
                               self->system().render(err));
                  done();
                });
      }
      return rp;
    },
    [=](shutdown_atom, caf::ok_atom) { finish_shutdown(self); },
    [=](lease_atom, bool held, const std::string& problem) {
      auto& st = self->state;
      if (held == st.lease.held)
        return;
      st.lease.held = held;
      st.lease.problem = held ? std::string{} : problem;
      if (held)
        spdlog::warn("node: the database lease is held again; orders may go out");
      else
        spdlog::error("ALERT lease_lost: {}; every order stopped until it is re-taken", problem);
      record_activity(self, held ? "lease_retaken" : "lease_lost",
                      json_object{}.add("problem", problem).str());
      for (auto& [id, a] : st.accounts)
        self->send(a, lease_atom_v, held, problem);
    },
    [=](caf::get_atom, lease_atom) { return self->state.lease; },
    [=](caf::get_atom, strategies_atom) {
      std::vector<strategy_definition> out;
      for (auto& [id, s] : self->state.strategies)
        out.push_back(s);
      return out;
    },
    [=](quotes_atom, const std::vector<instrument>& insts) {
      return self->delegate(self->state.market_data, quotes_atom_v, insts);
    },
    [=](expiries_atom, const std::string& name, exchange ex, const std::string& kind) {
      return self->delegate(self->state.market_data, expiries_atom_v, name, ex, kind);
    },
    [=](caf::delete_atom, strategies_atom, int64_t id) {
      auto& st = self->state;
      if (st.strategies.erase(id) != 0)
        self->send(st.clock, caf::delete_atom_v, id);
    },
    [=](caf::get_atom, accounts_atom) {
      auto out = self->state.cfg.accounts; // disabled ones too: primary first, then priority
      std::stable_sort(out.begin(), out.end(), [](const account_record& a, const account_record& b) {
        if (a.is_primary != b.is_primary)
          return a.is_primary;
        return a.priority != b.priority ? a.priority < b.priority : a.id < b.id;
      });
      return out;
    },
    [=](caf::put_atom, const account_record& rec) -> caf::ok_atom {
      adopt_account(self, rec);
      return caf::ok_atom_v;
    },
    [=](caf::delete_atom, account_atom, int64_t id) { return retire_account(self, id); },
    [=](caf::ping_atom, const account_record& rec) { return ping_account(self, rec); },
  };
}

} // namespace node_internal

node_actor spawn_node(caf::actor_system& sys, node_config cfg) {
  return sys.spawn(node_internal::node, std::move(cfg));
}

} // namespace algomirror
