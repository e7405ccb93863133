// strategy_run: recovery after a restart — each account's orderbook and positionbook decide
// what became of the run's executions (domain/reconcile); executions made again after their
// actor stopped (crash-only).
#include "actors/strategy_run/state.hpp"

namespace algomirror::run_internal {

// -- recovery ------------------------------------------------------------------------------

/// A countdown over parallel requests: `next` runs once all have answered.
std::function<void()> countdown(size_t n, std::function<void()> next) {
  auto left = std::make_shared<size_t>(n);
  return [left, next = std::move(next)] {
    if (--*left == 0)
      next();
  };
}

void store_row(run_pointer self, const execution_state& row) {
  if (self->state.cfg.store)
    self->request(self->state.cfg.store, caf::infinite, durable_atom_v, row)
      .then([](int64_t) {},
            [self](const caf::error& err) {
              spdlog::warn("{}: recovered execution not stored yet: {}", label(self),
                           self->system().render(err));
            });
}

void needs_attention(run_pointer self, const std::string& why) {
  auto& st = self->state;
  spdlog::error("{}: ALERT: needs attention: {}", label(self), why);
  st.record.needs_attention = true;
  if (st.record.attention_reason.find(why) == std::string::npos)
    st.record.attention_reason += (st.record.attention_reason.empty() ? "" : "; ") + why;
  st.record.phase = run_phase::needs_attention;
  persist_record(self);
}

/// The rule a run that was exiting when the node stopped goes on exiting with.
exit_reason fired_rule(const run_record& r) {
  if (r.max_loss_fired)
    return exit_reason::max_loss;
  if (r.max_profit_fired)
    return exit_reason::max_profit;
  if (r.trailing_stop_fired)
    return exit_reason::trailing_stop;
  if (r.supertrend_fired)
    return exit_reason::supertrend_exit;
  if (r.square_off_fired)
    return exit_reason::square_off;
  if (r.exit_time_fired)
    return exit_reason::exit_time;
  return r.phase == run_phase::exiting ? exit_reason::manual : exit_reason::none;
}

/// One account's executions against its orderbook and positionbook (domain/reconcile).
void apply_recovery(run_pointer self, account_run& a, const std::vector<broker_order>& book,
                    const std::vector<broker_position>& positions) {
  auto& st = self->state;
  for (auto i : a.slots) {
    auto& s = st.slots[i];
    if (s.recovered)
      continue;
    auto& r = s.row;
    int64_t net = 0, traded = 0;
    bool checked = false;
    for (auto& p : positions)
      if (p.inst == r.inst && p.order_product == r.order_product) {
        net += p.net_quantity;
        traded += p.tradebook_net;
        checked = checked || p.cross_checked;
      }
    if (checked && traded != net) {
      // The books disagree: recovery never closes what one of them still shows (the exit,
      // when it comes, goes by the smaller), and a person looks.
      needs_attention(self, a.acct.record.name + ": " + r.inst.symbol + " positionbook "
                              + std::to_string(net) + " but tradebook " + std::to_string(traded)
                              + ": exits go by the smaller until they agree");
      auto ours = [&r](int64_t x) { return r.action == side::buy ? x : -x; };
      if (ours(traded) > ours(net))
        net = traded;
    }
    auto d = reconcile_execution(r, book, net);
    spdlog::info("{}: recovery of {} on {}: {} ({})", label(self), r.inst.symbol,
                 a.acct.record.name, static_cast<int>(d.action), d.why);
    auto now_t = now(self);
    switch (d.action) {
      case recovery_action::none:
        break;
      case recovery_action::entry_failed:
        r.status = execution_status::failed;
        r.error_message = "recovery: " + d.why;
        store_row(self, r);
        break;
      case recovery_action::entered:
        r.status = execution_status::entered;
        r.quantity = d.quantity;
        r.entry_price = d.price;
        r.entry_order_ids = d.order_ids;
        r.entered_at = now_t;
        store_row(self, r);
        spawn_slot(self, i);
        break;
      case recovery_action::keep_open:
        r.status = execution_status::entered;
        r.quantity = d.quantity;
        spawn_slot(self, i);
        break;
      case recovery_action::exited:
      case recovery_action::closed_by_broker:
        r.status = execution_status::exited;
        if (d.action == recovery_action::closed_by_broker)
          r.reason = exit_reason::broker_reconciled;
        r.exit_price = d.price;
        r.exit_order_ids = d.order_ids;
        r.realized_pnl = d.quantity > 0 ? position_pnl(r.action, r.entry_price, d.price,
                                                       d.quantity)
                                        : 0;
        r.unrealized_pnl = 0;
        r.exited_at = now_t;
        store_row(self, r);
        break;
      case recovery_action::send_exit: {
        auto why = r.reason == exit_reason::none ? exit_reason::manual : r.reason;
        r.status = execution_status::entered;
        r.quantity = d.quantity;
        spawn_slot(self, i);
        tell_exit(self, i, why, "recovery: " + d.why);
        break;
      }
      case recovery_action::track:
        // An order of ours is still open at the broker: nothing is sent; the orderbook is
        // read again until it is done (then decided as above), or a person is asked.
        if (++s.rechecks > st.cfg.recovery_rechecks) {
          needs_attention(self, a.acct.record.name + ": " + r.inst.symbol + " has order "
                                  + (d.order_ids.empty() ? std::string{"?"}
                                                         : d.order_ids.front())
                                  + " still open at the broker");
          s.recovered = true;
        }
        continue;
    }
    s.recovered = true;
  }
  a.sells_sent = true; // a recovered run never sends new entries
  for (auto i : a.slots)
    if (!st.slots[i].recovered) {
      self->delayed_send(self, st.cfg.recovery_recheck_interval, retry_atom_v,
                         a.acct.record.id);
      return;
    }
}

/// One account's orderbook, then its positionbook read now (recovery decides on "the broker
/// holds nothing": never on a snapshot, however young), then the decisions; `done` either way.
void ask_broker(run_pointer self, int64_t account_id, std::function<void()> done) {
  auto& a = self->state.accounts[account_id];
  auto fail = [self, account_id, done](const caf::error& err) {
    auto& a = self->state.accounts[account_id];
    needs_attention(self, "cannot reconcile account " + a.acct.record.name + ": "
                            + self->system().render(err));
    done();
  };
  self->request(a.acct.handle, self->state.cfg.request_timeout, orders_atom_v)
    .then(
      [self, account_id, done, fail](const std::vector<broker_order>& book) {
        auto& a = self->state.accounts[account_id];
        self->request(a.acct.handle, self->state.cfg.request_timeout, positions_atom_v,
                      caf::reset_atom_v)
          .then(
            [self, account_id, done, book](const std::vector<broker_position>& positions) {
              apply_recovery(self, self->state.accounts[account_id], book, positions);
              done();
            },
            fail);
      },
      fail);
}

/// After a restart: the run's executions from the database, then each account asked.
void recover(run_pointer self) {
  auto& st = self->state;
  st.record = st.cfg.recovered;
  spdlog::info("{}: recovering {} execution(s) after a restart", label(self),
               st.cfg.recovered_executions.size());
  std::vector<placed_leg> placed;
  for (auto& e : st.cfg.recovered_executions) {
    slot s;
    s.row = e;
    s.placed = true;
    s.leg = st.cfg.strategy.legs.size();
    for (size_t k = 0; k < st.cfg.strategy.legs.size(); ++k)
      if (st.cfg.strategy.legs[k].id == e.leg_id)
        s.leg = k;
    auto parsed = parse_derivative_symbol(e.inst.symbol, st.cfg.instruments);
    placed.push_back({e.action,
                      !parsed ? leg_product::equity
                              : (parsed->kind == instrument_kind::future ? leg_product::futures
                                                                         : leg_product::options),
                      e.underlying, parsed ? format_symbol_expiry(parsed->expiry) : std::string{},
                      parsed ? parsed->option : option_type::none});
    st.slot_of[e.execution_id] = st.slots.size();
    st.accounts[e.account_id].slots.push_back(st.slots.size());
    st.slots.push_back(std::move(s));
  }
  // Hedges within each account, as at entry.
  for (auto& [id, a] : st.accounts) {
    std::vector<placed_leg> legs;
    for (auto i : a.slots)
      legs.push_back(placed[i]);
    auto h = hedge_map(legs);
    for (size_t k = 0; k < a.slots.size(); ++k)
      if (h[k])
        st.slots[a.slots[k]].hedges = a.slots[*h[k]];
    st.scopes[scope_key(self, id)];
  }
  risk_latches fired{st.record.max_loss_fired,   st.record.max_profit_fired,
                     st.record.trailing_stop_fired, st.record.supertrend_fired,
                     st.record.exit_time_fired,  st.record.square_off_fired};
  for (auto& [key, scope] : st.scopes)
    scope.latches = fired; // a rule that fired before the restart does not fire again
  restore_trailing(self); // the ratchet goes on from where it stood
  for (auto& m : st.record.margins) // the accounts' ledgers hold the run's margin again
    for (auto& ra : st.cfg.accounts)
      if (ra.record.id == m.account_id && ra.handle) {
        auto key = ledger_key(st.record.id);
        self->send(ra.handle, restore_atom_v, key, m.amount);
        st.accounts[m.account_id].margin_key = key;
      }
  auto resume = [self] {
    auto& st = self->state;
    if (st.record.phase != run_phase::needs_attention)
      st.record.phase = run_phase::live;
    persist_record(self);
    if (auto why = fired_rule(st.record); why != exit_reason::none)
      for (auto& [id, a] : st.accounts)
        exit_account(self, a, why);
    check_end(self);
  };
  if (st.accounts.empty()) {
    st.record.end_reason = "the node stopped before any leg was recorded";
    finish(self);
    return;
  }
  auto done = countdown(st.accounts.size(), resume);
  for (auto& [id, a] : st.accounts) {
    for (auto& ra : st.cfg.accounts)
      if (ra.record.id == id)
        a.acct = ra;
    if (!a.acct.handle) {
      needs_attention(self, "account " + std::to_string(id)
                              + " is not running: its positions are not reconciled");
      done();
      continue;
    }
    ask_broker(self, id, done);
  }
}

// -- crash-only executions -------------------------------------------------------------------

/// Slot `i` made again from `durable` (its row on disk; the run's view when there is none):
/// an entry or exit in flight is followed at the account, never sent twice (execution.hpp,
/// `resumed`); an exit it was told and had not claimed yet is told again.
void remake_slot(run_pointer self, size_t i, std::optional<execution_state> durable) {
  auto& st = self->state;
  auto& s = st.slots[i];
  if (st.finished || s.handle)
    return;
  if (durable && !is_done(s.row.status)) // the run may have heard the end before the row
    s.row = *durable;
  if (is_done(s.row.status)) {
    check_end(self);
    return;
  }
  bool sent = s.placed || s.row.status != execution_status::pending;
  spawn_slot(self, i, sent); // an entry not sent yet is sent as usual, when its turn comes
  if (s.row.status == execution_status::pending && s.placed)
    self->send(s.handle, place_atom_v);
  else if (s.row.status == execution_status::entered && s.exit_told)
    tell_exit(self, i, s.told, "told again: made again after its actor stopped");
  after_change(self, s);
}

void execution_down(run_pointer self, const caf::down_msg& msg) {
  auto& st = self->state;
  if (st.finished)
    return;
  for (size_t i = 0; i < st.slots.size(); ++i) {
    auto& s = st.slots[i];
    if (!s.handle || s.handle.address() != msg.source)
      continue;
    s.handle = nullptr;
    auto what = s.row.inst.symbol + " on account " + std::to_string(s.row.account_id);
    if (is_done(s.row.status))
      return; // nothing open: nothing to follow
    if (++s.restarts > st.cfg.execution_restarts) {
      needs_attention(self, "the execution of " + what + " stopped "
                              + std::to_string(s.restarts) + " times ("
                              + self->system().render(msg.reason)
                              + "): its position is not watched; exit it by hand");
      return;
    }
    spdlog::error("{}: execution of {} stopped ({}); made again from its durable row",
                  label(self), what, self->system().render(msg.reason));
    if (!st.cfg.store) {
      remake_slot(self, i, std::nullopt);
      return;
    }
    auto id = s.row.execution_id;
    self->request(st.cfg.store, st.cfg.request_timeout, caf::get_atom_v, run_atom_v, st.record.id)
      .then(
        [self, i, id](const run_recovery& r) {
          std::optional<execution_state> durable;
          for (auto& e : r.executions)
            if (e.execution_id == id)
              durable = e;
          remake_slot(self, i, durable);
        },
        [self, i](const caf::error& err) {
          spdlog::warn("{}: durable row not read ({}); made again from the run's view",
                       label(self), self->system().render(err));
          remake_slot(self, i, std::nullopt);
        });
    return;
  }
}

} // namespace algomirror::run_internal
