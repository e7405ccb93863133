// strategy_run: exits per account in the order of trading-rules.md §6 (shorts first, hedges kept
// while their short is stuck, a hedge's own exit after its short).
#include "actors/strategy_run/state.hpp"

namespace algomirror::run_internal {

// -- exits ---------------------------------------------------------------------------------

void tell_exit(run_pointer self, size_t i, exit_reason why, const std::string& details) {
  auto& s = self->state.slots[i];
  s.exit_told = true;
  s.told = why;
  if (s.handle) // else it is being made again and is told then; ahead of its queued ticks
    self->send<caf::message_priority::high>(s.handle, exit_request{why, details});
}

/// Tells the account's positions to exit in §6 order: open shorts first, longs once no short
/// is open; a hedge of a stuck short is kept (said once at error level). Entries not yet sent
/// are skipped; entries in flight are cancelled (and exited if they fill).
void advance_exits(run_pointer self, account_run& a) {
  auto& st = self->state;
  std::vector<exit_slot> view;
  for (auto i : a.slots) {
    auto& s = st.slots[i];
    exit_slot e{s.row.action, s.row.status, std::nullopt, s.exit_told,
                s.placed && s.row.status == execution_status::pending};
    if (s.hedges)
      for (size_t k = 0; k < a.slots.size(); ++k)
        if (a.slots[k] == *s.hedges)
          e.hedges = k;
    view.push_back(e);
  }
  std::vector<size_t> kept;
  for (auto k : exits_due(view, &kept))
    tell_exit(self, a.slots[k], a.exit_why);
  for (auto k : kept) {
    auto& s = st.slots[a.slots[k]];
    if (s.kept_alerted)
      continue;
    s.kept_alerted = true;
    record_held_hedge(self, a.slots[k], a.exit_why);
    spdlog::error("{}: ALERT: hedge {} on account {} is kept: the short it protects is stuck "
                  "open",
                  label(self), s.row.inst.symbol, a.acct.record.name);
  }
}

void exit_account(run_pointer self, account_run& a, exit_reason why) {
  auto& st = self->state;
  if (!a.exiting) {
    a.exiting = true;
    a.exit_why = why;
  }
  for (auto i : a.slots) {
    auto& s = st.slots[i];
    if (s.row.status != execution_status::pending)
      continue;
    if (!s.placed) {
      s.row.status = execution_status::skipped;
      self->send(s.handle, exit_request{why, "the run exits before this leg was sent"});
    } else {
      self->send(s.handle, cancel_atom_v);
    }
  }
  advance_exits(self, a);
  check_end(self);
}

/// A hedge's own exit (or a manual exit of that one leg): its short first, then the hedge.
void exit_leg(run_pointer self, size_t i, exit_reason why) {
  auto& st = self->state;
  auto& s = st.slots[i];
  if (s.hedges && is_open(st.slots[*s.hedges].row.status)) {
    auto& sh = st.slots[*s.hedges];
    s.deferred = why;
    if (!sh.exit_told) {
      spdlog::info("{}: {} of hedge {} exits its short {} first", label(self), to_string(why),
                   s.row.inst.symbol, sh.row.inst.symbol);
      tell_exit(self, *s.hedges, exit_reason::hedge_exit);
    }
    return;
  }
  if (s.row.status == execution_status::entered)
    tell_exit(self, i, why);
}

void issue_exits(run_pointer self, const risk_exit& e) {
  auto& st = self->state;
  if (st.record.phase == run_phase::entering || st.record.phase == run_phase::live)
    set_phase(self, run_phase::exiting);
  for (auto& [id, a] : st.accounts)
    if (e.scope == 0 || id == e.scope)
      exit_account(self, a, e.rule);
}

void check_rules(run_pointer self, int64_t key, bool timed_out) {
  if (auto e = evaluate(self, key, timed_out))
    issue_exits(self, *e);
}

void check_all_rules(run_pointer self) {
  std::vector<int64_t> keys;
  for (auto& [key, scope] : self->state.scopes)
    keys.push_back(key);
  for (auto key : keys)
    check_rules(self, key);
}

/// After a short closed: deferred hedge exits whose short is no longer open go now.
void release_deferred(run_pointer self) {
  auto& st = self->state;
  for (size_t i = 0; i < st.slots.size(); ++i) {
    auto& s = st.slots[i];
    if (s.deferred == exit_reason::none || s.exit_told || !s.hedges)
      continue;
    auto short_status = st.slots[*s.hedges].row.status;
    if (!is_open(short_status) && short_status != execution_status::exit_stuck)
      tell_exit(self, i, s.deferred);
  }
}


} // namespace algomirror::run_internal
