// strategy_run: the entries, BUY legs filled before SELL legs per account (§6), and the
// execution actor of each position.
#include "actors/strategy_run/state.hpp"

namespace algomirror::run_internal {

// -- entry ---------------------------------------------------------------------------------

void place(run_pointer self, size_t i) {
  auto& s = self->state.slots[i];
  s.placed = true;
  self->send(s.handle, place_atom_v);
}

/// An account's BUY legs: all filled → its SELL legs go; one failed (or late) → they never do.
void advance_entry(run_pointer self, account_run& a) {
  auto& st = self->state;
  if (a.sells_sent || a.exiting)
    return;
  bool all_filled = true;
  std::string failure;
  for (auto i : a.slots) {
    auto& s = st.slots[i];
    if (s.row.action != side::buy)
      continue;
    if (s.row.status == execution_status::failed)
      failure = "hedge " + s.row.inst.symbol + " not filled: " + s.row.error_message;
    else if (s.row.status == execution_status::pending)
      all_filled = false;
  }
  if (!failure.empty()) {
    a.sells_sent = true;
    spdlog::warn("{}: account {}: {}; its SELL legs are not sent (no naked short)", label(self),
                 a.acct.record.name, failure);
    for (auto i : a.slots) {
      auto& s = st.slots[i];
      if (s.row.action == side::sell && s.row.status == execution_status::pending) {
        s.row.status = execution_status::skipped;
        self->send(s.handle, exit_request{exit_reason::none, failure});
      }
      if (s.row.action == side::buy && s.row.status == execution_status::pending)
        self->send(s.handle, cancel_atom_v);
    }
    st.skipped.push_back({a.acct.record.id, "hedge_failed: " + failure});
    record_skips(self);
    persist_record(self);
    return;
  }
  if (!all_filled)
    return;
  a.sells_sent = true;
  for (auto i : a.slots)
    if (st.slots[i].row.action == side::sell)
      place(self, i);
}

void check_live(run_pointer self) {
  auto& st = self->state;
  if (st.record.phase != run_phase::entering)
    return;
  for (auto& s : st.slots)
    if (s.row.status == execution_status::pending)
      return;
  set_phase(self, run_phase::live);
}

/// The execution actor of a slot, as the slot's row says.
void spawn_slot(run_pointer self, size_t i, bool resumed) {
  auto& st = self->state;
  auto& s = st.slots[i];
  execution_config cfg;
  cfg.state = s.row;
  if (s.leg < st.cfg.strategy.legs.size())
    cfg.leg = st.cfg.strategy.legs[s.leg];
  cfg.account = st.accounts[s.row.account_id].acct.handle;
  cfg.feed = st.cfg.feed;
  cfg.store = st.cfg.store;
  cfg.run = execution_listener_actor{self};
  cfg.time = st.cfg.time;
  cfg.retry_delay = st.cfg.exit_retry_delay;
  cfg.max_attempts = st.cfg.exit_max_attempts;
  cfg.claim_timeout = st.cfg.claim_timeout;
  cfg.pnl_write_interval = st.cfg.pnl_write_interval;
  cfg.exit_price_protection_pct = st.cfg.strategy.exit_price_protection_pct;
  cfg.defer_leg_exits = s.hedges.has_value();
  cfg.resumed = resumed;
  s.handle = spawn_execution(self->system(), std::move(cfg));
  follow_slot_price(self, i);
  self->monitor(s.handle); // an execution that dies is made again (execution_down)
}

} // namespace algomirror::run_internal
