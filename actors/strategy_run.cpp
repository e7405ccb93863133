// strategy_run: the common steps (persisting, phases, the end), the status and the actor's
// behaviour. Its phases are in strategy_run_*.cpp.
#include "actors/strategy_run_state.hpp"
#include "actors/store_writes.hpp"

namespace algomirror {

namespace run_internal {

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
    store_routine(self, self->state.cfg.store, std::move(*row), label(self) + ": run row");
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
    std::set<std::string> rules;
    for (auto& ev : st.events)
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
    for (auto& [inst, price] : st.leg_prices)
      self->send(st.cfg.feed, caf::unsubscribe_atom_v, inst, feed_mode::ltp,
                 tick_subscriber_actor{self});
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

/// An execution moved on: entry, exit or failure. The account's entry or exit goes on.
void after_change(run_pointer self, const slot& s) {
  auto& st = self->state;
  auto& a = st.accounts[s.row.account_id];
  if (a.exiting)
    advance_exits(self, a);
  else
    advance_entry(self, a);
  release_deferred(self);
  check_live(self);
  evaluate(self, scope_key(self, s.row.account_id));
  check_end(self);
}

strategy_run_actor::behavior_type strategy_run(run_pointer self, strategy_run_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.calendar.emplace(st.cfg.calendar);
  st.record.id = st.cfg.run_id;
  st.record.write_id = "run:" + std::to_string(st.cfg.strategy.id) + ":" + format_utc(now(self));
  st.record.strategy_id = st.cfg.strategy.id;
  st.record.scope = st.cfg.strategy.scope;
  st.record.started_at = now(self);
  if (!st.cfg.strategy.legs.empty())
    if (auto spec = st.cfg.instruments.find(st.cfg.strategy.legs.front().underlying))
      st.market = to_string(spec->derivative_exchange);
  if (st.cfg.timers)
    self->send(st.cfg.timers, caf::subscribe_atom_v, clock_listener_actor{self});
  self->set_down_handler([self](caf::down_msg& msg) { execution_down(self, msg); });
  // The run begins with its first message (a tick to itself), never in the constructor.
  self->send(self, caf::tick_atom_v);
  return {
    [=](const execution_entered& e) {
      if (auto* s = find_slot(self, e.execution_id)) {
        s->row.status = execution_status::entered;
        s->row.quantity = e.entry.quantity;
        s->row.entry_price = e.entry.average_price;
        s->row.entry_order_ids = e.entry.broker_order_ids;
        s->row.entered_at = e.entry.at;
        after_change(self, *s);
      }
    },
    [=](const execution_failed& e) {
      if (auto* s = find_slot(self, e.execution_id)) {
        if (s->row.status != execution_status::skipped)
          s->row.status = execution_status::failed;
        s->row.error_message = e.error;
        after_change(self, *s);
      }
    },
    [=](const execution_pnl& p) {
      auto& st = self->state;
      auto i = st.slot_of.find(p.execution_id);
      if (i == st.slot_of.end())
        return;
      auto& s = st.slots[i->second];
      s.row.realized_pnl = p.realized;
      s.price_valid = s.price_valid || p.price_valid;
      s.open_qty = p.open_quantity;
      if (!s.quoted_at || p.price_at >= s.price_at) {
        s.row.unrealized_pnl = p.unrealized;
        s.ltp = p.ltp;
        s.price_at = p.price_at;
        s.quoted_at.reset();
      } else { // a confirmation's quote is newer than this tick: the P&L stays at the quote
        s.row.unrealized_pnl = position_pnl(s.row.action, s.row.entry_price, s.ltp,
                                            p.open_quantity);
      }
      auto key = scope_key(self, s.row.account_id);
      st.scopes[key].confirm.price(i->second, p.price_at);
      if (is_open(s.row.status) && p.price_valid)
        evaluate_soon(self, key);
    },
    [=](const execution_exited& e) {
      if (auto* s = find_slot(self, e.execution_id)) {
        s->row.status = execution_status::exited;
        s->row.reason = e.reason;
        s->row.exit_price = e.exit_fill.average_price;
        s->row.exit_order_ids = e.exit_fill.broker_order_ids;
        s->row.unrealized_pnl = 0;
        s->row.realized_pnl = position_pnl(s->row.action, s->row.entry_price,
                                           e.exit_fill.average_price, e.exit_fill.quantity);
        after_change(self, *s);
      }
    },
    [=](const exit_stuck& e) {
      if (auto* s = find_slot(self, e.execution_id)) {
        s->row.status = execution_status::exit_stuck;
        s->row.error_message = e.last_error;
        spdlog::error("{}: ALERT: exit of {} on account {} is stuck after {} attempts: {}",
                      label(self), s->row.inst.symbol, s->row.account_id, e.attempts,
                      e.last_error);
        after_change(self, *s);
      }
    },
    [=](const position_disputed& d) {
      if (auto* s = find_slot(self, d.execution_id))
        needs_attention(self, "account " + std::to_string(s->row.account_id) + ": "
                                + s->row.inst.symbol + " positionbook "
                                + std::to_string(d.positionbook_net) + " but tradebook "
                                + std::to_string(d.tradebook_net)
                                + ": exits go by the smaller until they agree");
    },
    [=](const leg_exit_due& d) {
      auto i = self->state.slot_of.find(d.execution_id);
      if (i != self->state.slot_of.end())
        exit_leg(self, i->second, d.rule);
    },
    [=](const exit_request& req) {
      for (auto& [id, a] : self->state.accounts)
        exit_account(self, a, req.reason);
      if (self->state.record.end_reason.empty())
        self->state.record.end_reason = to_string(req.reason);
      set_phase(self, run_phase::exiting);
    },
    [=](const manual_exit& m) {
      auto& st = self->state;
      if (st.finished || st.record.phase == run_phase::resolving)
        return;
      if (m.execution_id != 0) {
        if (auto i = st.slot_of.find(m.execution_id); i != st.slot_of.end())
          exit_leg(self, i->second, exit_reason::manual);
        return;
      }
      for (auto& [id, a] : st.accounts)
        if (m.account_id == 0 || m.account_id == id)
          exit_account(self, a, exit_reason::manual);
      if (m.account_id == 0) {
        if (st.record.end_reason.empty())
          st.record.end_reason = "manual";
        set_phase(self, run_phase::exiting);
      }
    },
    [=](caf::get_atom) { return status_of(self); },
    [=](retry_atom, int64_t account_id) {
      // Recovery: an order of ours was open at this account; ask again.
      ask_broker(self, account_id, [self, account_id] {
        auto& st = self->state;
        if (auto why = fired_rule(st.record); why != exit_reason::none)
          exit_account(self, st.accounts[account_id], why);
        check_end(self);
      });
    },
    [=](evaluate_atom, int64_t key) {
      self->state.evaluation_queued.erase(key);
      evaluate(self, key);
    },
    [=](evaluate_atom, int64_t key, uint64_t generation) {
      // A confirmation's timeout: decided now on the prices there are (if still waiting).
      auto& st = self->state;
      if (key == bar_confirmation_key) {
        if (st.bar_check.confirm.active() && st.bar_check.confirm.generation() == generation)
          decide_bar(self, true);
        return;
      }
      auto& c = st.scopes[key].confirm;
      if (c.active() && c.generation() == generation)
        evaluate(self, key, true);
    },
    [=](poll_atom, int64_t account_id) {
      // The hedge deadline: BUY legs not filled by now are cancelled, and the SELL legs of
      // that account are not sent.
      auto& st = self->state;
      auto& a = st.accounts[account_id];
      if (a.sells_sent || a.exiting)
        return;
      for (auto i : a.slots) {
        auto& s = st.slots[i];
        if (s.row.action == side::buy && s.row.status == execution_status::pending) {
          s.row.status = execution_status::failed;
          s.row.error_message = "not filled within "
                                + std::to_string(st.cfg.buy_fill_timeout.count()) + " ms";
          self->send(s.handle, cancel_atom_v);
        }
      }
      advance_entry(self, a);
      check_live(self);
      check_end(self);
    },
    [=](caf::tick_atom) {
      auto& st = self->state;
      if (!st.begun) {
        st.begun = true;
        begin(self);
        return;
      }
      if (st.finished || !st.bars)
        return;
      if (auto closed = st.bars->close_due(now(self)))
        on_closed_bar(self, *closed);
      self->delayed_send(self, st.cfg.bar_check_interval, caf::tick_atom_v);
    },
    [=](const tick& t) {
      auto& st = self->state;
      auto p = st.leg_prices.find(t.inst);
      if (p == st.leg_prices.end() || !valid_price(t.ltp) || !st.bars)
        return;
      p->second = t.ltp;
      for (size_t i = 0; i < st.legs.size() && i < st.leg_price_at.size(); ++i)
        if (st.legs[i].inst == t.inst) {
          st.leg_price_at[i] = t.received_at;
          st.bar_check.confirm.price(i, t.received_at);
        }
      if (auto value = combined_now(self))
        if (auto closed = st.bars->add(now(self), *value))
          on_closed_bar(self, *closed);
      decide_bar(self, false);
    },
    [=](const price_stale&) {},
    [=](const feed_state&) {},
    [=](const session_opened&) {},
    [=](const session_closed&) {},
    [=](const timer_due& t) {
      if (t.strategy_id != self->state.cfg.strategy.id || t.timer == strategy_timer::entry)
        return;
      evaluate_all(self); // the exit or square-off rule sees the time now
    },
  };
}


} // namespace run_internal

strategy_run_actor spawn_strategy_run(caf::actor_system& sys, strategy_run_config cfg) {
  return sys.spawn(run_internal::strategy_run, std::move(cfg));
}

} // namespace algomirror
