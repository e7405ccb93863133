// strategy_run's lifecycle core, below its phases: its row (the run is its one writer), its
// phase, its end, its status. The phases (setup, entry, risk, exits, recovery) are in this
// folder's other files; the messages it reacts to in behaviour.cpp.
#include "actors/strategy_run/state.hpp"
#include "actors/internal/store_writes.hpp"

namespace algomirror::run_internal {

std::string label(run_pointer self) {
  return "run " + std::to_string(self->state.record.id) + " (" + self->state.cfg.strategy.name
         + ")";
}

utc_instant now(run_pointer self) {
  return self->state.cfg.time->now();
}

std::string row_text(const std::string& text);

/// The run row as it is stored (its end reason cut to the column), or none without a store
/// or before the row exists.
std::optional<run_record> stored_row(run_pointer self) {
  auto& st = self->state;
  if (!st.cfg.store || st.record.id == 0)
    return std::nullopt;
  auto row = st.record;
  row.end_reason = row_text(row.end_reason);
  return row;
}

void persist_record_soon(run_pointer self) {
  if (auto row = stored_row(self))
    store_routine(self->state.cfg.store, std::move(*row));
}

void remember_trailing(run_pointer self, int64_t key) {
  auto& st = self->state;
  auto& t = st.scopes[key].trailing;
  scope_trailing now{key, t.armed, t.distance, t.initial, t.peak, t.stop};
  for (auto& s : st.record.trailing)
    if (s.scope == key) {
      if (s == now)
        return;
      s = now;
      persist_record_soon(self);
      return;
    }
  st.record.trailing.push_back(now);
  persist_record_soon(self);
}

void restore_trailing(run_pointer self) {
  auto& st = self->state;
  for (auto& s : st.record.trailing) {
    auto i = st.scopes.find(s.scope);
    if (i == st.scopes.end())
      continue;
    auto& t = i->second.trailing;
    t.armed = s.armed;
    t.distance = s.distance;
    t.initial = s.initial;
    t.peak = s.peak;
    t.stop = s.stop;
    if (s.armed)
      spdlog::info("{}: trailing stop of scope {} restored: peak {:.2f}, stop {:.2f}", label(self),
                   s.scope == 0 ? std::string{"run"} : "account " + std::to_string(s.scope),
                   s.peak, s.stop);
  }
}

void persist_record(run_pointer self) {
  auto row = stored_row(self);
  if (!row)
    return;
  self->request(self->state.cfg.store, caf::infinite, durable_atom_v, std::move(*row))
    .then([](int64_t) {},
          [self](const caf::error& err) {
            spdlog::warn("{}: run row not stored yet: {}", label(self), self->system().render(err));
          });
}

void record_skips(run_pointer self) {
  auto& st = self->state;
  std::string text = "[";
  for (auto& s : st.skipped) {
    json_object o;
    o.add("account_id", s.account_id).add("reason", s.reason);
    text += (text.size() > 1 ? "," : "") + o.str();
  }
  st.record.skipped_accounts_json = text + "]";
}

void set_phase(run_pointer self, run_phase phase) {
  auto& st = self->state;
  if (st.record.phase == phase)
    return;
  st.record.phase = phase;
  spdlog::info("{}: {}", label(self), to_string(phase));
  persist_record(self);
}

/// The run cannot go on (resolution failed, nothing entered): it ends with the reason.
void fail_run(run_pointer self, const std::string& why);

run_status status_of(run_pointer self);

void finish(run_pointer self) {
  auto& st = self->state;
  if (st.finished)
    return;
  st.finished = true;
  st.record.ended_at = now(self);
  if (st.record.end_reason.empty()) {
    std::set<std::string> rules; // the rules that exited (a crossing refuted is not one)
    for (auto& ev : st.events)
      if (starts_exit(ev))
        rules.insert(to_string(ev.rule));
    for (auto& r : rules)
      st.record.end_reason += (st.record.end_reason.empty() ? "" : ", ") + r;
    if (st.record.end_reason.empty())
      st.record.end_reason = "completed";
  }
  double realized = 0;
  for (auto& s : st.slots)
    realized += s.row.realized_pnl;
  spdlog::info("{}: finished ({}), realized P&L {:.2f}", label(self), st.record.end_reason,
               realized);
  for (auto& [id, a] : st.accounts)
    if (!a.margin_key.empty())
      self->send(a.acct.handle, caf::delete_atom_v, a.margin_key);
  if (st.cfg.feed)
    for (auto& inst : st.followed)
      self->send(st.cfg.feed, caf::unsubscribe_atom_v, inst, feed_mode::ltp,
                 tick_subscriber_actor{self});
  st.followed.clear();
  if (st.cfg.timers)
    self->send(st.cfg.timers, caf::unsubscribe_atom_v, clock_listener_actor{self});
  st.record.phase = run_phase::finished;
  persist_record(self);
  if (st.cfg.listener)
    self->send(st.cfg.listener, run_atom_v, status_of(self));
  // The executions are done; the run stays to answer status until the node lets it go.
  for (auto& s : st.slots)
    if (s.handle)
      self->send_exit(s.handle, caf::exit_reason::user_shutdown);
}

void fail_run(run_pointer self, const std::string& why) {
  auto& st = self->state;
  spdlog::error("{}: {}", label(self), why);
  st.record.end_reason = why;
  for (auto& rp : st.id_waiters) // the run never got its row: whoever started it hears why
    rp.deliver(make_error(errc::storage_down, why));
  st.id_waiters.clear();
  finish(self);
}

/// The row's end_reason holds 100 characters; the status keeps the whole text.
std::string row_text(const std::string& text) {
  return text.size() <= 100 ? text : text.substr(0, 97) + "...";
}

bool is_open(execution_status s) {
  return s == execution_status::entered || s == execution_status::exit_pending;
}

bool is_done(execution_status s) {
  return s == execution_status::exited || s == execution_status::failed
         || s == execution_status::skipped;
}

/// Every slot done: the run is over. Some stuck and the rest done: it needs attention.
void check_end(run_pointer self) {
  auto& st = self->state;
  if (st.finished || st.slots.empty())
    return;
  bool stuck = false;
  bool all_done = true;
  for (auto& s : st.slots) {
    stuck = stuck || s.row.status == execution_status::exit_stuck;
    all_done = all_done && is_done(s.row.status);
  }
  if (stuck) {
    // A position the exit protocol gave up on: a person must look (the alert was raised).
    if (!st.record.needs_attention) {
      st.record.needs_attention = true;
      st.record.attention_reason = "an exit is stuck: the position is still open at the broker";
      set_phase(self, run_phase::needs_attention);
    }
    return;
  }
  if (!all_done)
    return;
  bool any_entered = false;
  for (auto& s : st.slots)
    any_entered = any_entered || s.row.status == execution_status::exited;
  if (!any_entered && st.record.end_reason.empty())
    st.record.end_reason = "no leg entered";
  finish(self);
}


// -- status --------------------------------------------------------------------------------

run_status status_of(run_pointer self) {
  auto& st = self->state;
  run_status out;
  out.run_id = st.record.id;
  out.strategy_id = st.cfg.strategy.id;
  out.strategy_name = st.cfg.strategy.name;
  out.phase = st.record.phase;
  out.end_reason = st.record.end_reason;
  out.attention_reason = st.record.attention_reason;
  out.skipped = st.skipped;
  out.risk_events = st.events;
  for (auto& s : st.slots) {
    out.realized_pnl += s.row.realized_pnl;
    out.unrealized_pnl += s.row.unrealized_pnl;
    out.executions.push_back(s.row);
  }
  for (auto& [key, scope] : st.scopes) {
    auto snap = snapshot_of(self, key);
    out.scopes.push_back({key, snap.pnl, scope.trailing.armed, scope.trailing.stop,
                          scope.trailing.peak, scope.exiting});
    if (scope.trailing.armed && (!out.trailing_stop_armed
                                 || scope.trailing.stop > out.trailing_stop_level)) {
      out.trailing_stop_armed = true;
      out.trailing_stop_level = scope.trailing.stop;
    }
  }
  return out;
}

slot* find_slot(run_pointer self, int64_t execution_id) {
  auto i = self->state.slot_of.find(execution_id);
  return i == self->state.slot_of.end() ? nullptr : &self->state.slots[i->second];
}

} // namespace algomirror::run_internal
