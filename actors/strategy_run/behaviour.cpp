// strategy_run's behaviour: the messages it reacts to, each handed to its phase.
#include "actors/strategy_run/state.hpp"

namespace algomirror::run_internal {

/// An execution moved on: entry, exit or failure. The account's entry or exit goes on.
void after_change(run_pointer self, const slot& s) {
  auto& st = self->state;
  auto& a = st.accounts[s.row.account_id];
  if (a.exiting)
    advance_exits(self, a);
  else
    advance_entry(self, a);
  release_deferred(self);
  follow_up_events(self);
  check_live(self);
  check_rules(self, scope_key(self, s.row.account_id));
  check_end(self);
}

strategy_run_impl::behavior_type strategy_run(run_pointer self, strategy_run_config cfg) {
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
        s->open_qty = e.entry.quantity;
        if (s->price_valid) // priced by a tick before the fill came
          s->row.unrealized_pnl = position_pnl(s->row.action, s->row.entry_price, s->ltp,
                                               s->open_qty);
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
      // Exited (told at high priority): a P&L sent before it and read after it is stale.
      if (is_done(s.row.status))
        return;
      // What only the execution knows: the realized P&L and the quantity open. Its price is
      // taken only when newer than the run's own ticks and quotes (its ticks may be paced);
      // else the open quantity is priced at the run's price.
      s.row.realized_pnl = p.realized;
      s.open_qty = p.open_quantity;
      bool newer = p.price_valid && (!s.price_valid || p.price_at > s.price_at);
      if (newer) {
        s.ltp = p.ltp;
        s.price_at = p.price_at;
        s.quoted_at.reset();
        s.price_valid = true;
      }
      s.row.unrealized_pnl =
        s.price_valid ? position_pnl(s.row.action, s.row.entry_price, s.ltp, s.open_qty) : 0;
      auto key = scope_key(self, s.row.account_id);
      if (newer)
        st.scopes[key].confirm.price(i->second, p.price_at);
      if (is_open(s.row.status) && s.price_valid)
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
      auto& st = self->state;
      auto i = st.slot_of.find(d.execution_id);
      if (i == st.slot_of.end())
        return;
      auto& s = st.slots[i->second];
      bool held = s.hedges && is_open(st.slots[*s.hedges].row.status);
      record_leg_event(self, i->second, d.rule, d.price, d.reason, held);
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
    [=](run_atom) -> caf::result<int64_t> {
      // The run's id, once its row is stored (the run writes it: the node only spawns it).
      auto& st = self->state;
      if (st.record.id != 0 || !st.cfg.store)
        return st.record.id;
      if (st.finished)
        return make_error(errc::storage_down, st.record.end_reason);
      auto rp = self->make_response_promise<int64_t>();
      st.id_waiters.push_back(rp);
      return rp;
    },
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
      check_rules(self, key);
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
        check_rules(self, key, true);
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
        if (st.cfg.recovering)
          recover(self);
        else
          start_setup(self);
        return;
      }
      if (st.finished || !st.bars)
        return;
      if (auto closed = st.bars->close_due(now(self)))
        on_closed_bar(self, *closed);
      self->delayed_send(self, st.cfg.bar_check_interval, caf::tick_atom_v);
    },
    [=](const tick& t) {
      if (!valid_price(t.ltp))
        return;
      on_leg_price(self, t);
      auto& st = self->state;
      auto p = st.leg_prices.find(t.inst);
      if (p == st.leg_prices.end() || !st.bars)
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
      check_all_rules(self); // the exit or square-off rule sees the time now
    },
  };
}


} // namespace algomirror::run_internal

namespace algomirror {

strategy_run_actor spawn_strategy_run(caf::actor_system& sys, strategy_run_config cfg) {
  return sys.spawn(run_internal::strategy_run, std::move(cfg));
}

} // namespace algomirror
