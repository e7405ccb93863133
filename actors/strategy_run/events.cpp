// strategy_run's risk_events rows (trading-rules §8, issue 15): what each rule did — a scope
// exiting (`exit_all`, `exit_account`), one leg (`exit_leg`; a hedge's after its short), a
// hedge held while its short is stuck (`exit_held`), a crossing waiting for coherent prices
// (`confirmation_pending`) — and, for every exit a rule started, its follow-up once it ended:
// `exit_completed` naming the exit orders, or `exit_failed` naming what is stuck.
#include "actors/strategy_run/state.hpp"

namespace algomirror::run_internal {

bool starts_exit(const risk_event& e) {
  return e.action == "exit_all" || e.action == "exit_account" || e.action == "exit_leg";
}

namespace {

/// The slots an event's exit covers.
std::vector<size_t> covered(run_pointer self, const risk_event& e) {
  auto& st = self->state;
  std::vector<size_t> out;
  if (e.action == "exit_leg") {
    if (auto i = st.slot_of.find(e.execution_id); i != st.slot_of.end())
      out.push_back(i->second);
    return out;
  }
  for (size_t i = 0; i < st.slots.size(); ++i)
    if (e.account_id == 0 || st.slots[i].row.account_id == e.account_id)
      out.push_back(i);
  return out;
}

std::string slot_label(const slot& s) {
  return "account " + std::to_string(s.row.account_id) + " " + s.row.inst.symbol;
}

} // namespace

void record_event(run_pointer self, risk_event ev) {
  auto& st = self->state;
  if (ev.run_id == 0)
    ev.run_id = st.record.id;
  if (ev.at == utc_instant{})
    ev.at = now(self);
  st.events.push_back(ev);
  if (st.cfg.store)
    self->request(st.cfg.store, caf::infinite, durable_atom_v, std::move(ev))
      .then([](uint64_t) {},
            [self](const caf::error& err) {
              spdlog::warn("{}: risk event not stored yet: {}", label(self),
                           self->system().render(err));
            });
}

void record_leg_event(run_pointer self, size_t i, exit_reason rule, double price,
                      const std::string& reason, bool held) {
  auto& st = self->state;
  auto& s = st.slots[i];
  auto& leg = st.cfg.strategy.legs[s.leg];
  auto& limit = rule == exit_reason::stop_loss ? leg.stop_loss : leg.take_profit;
  json_object details;
  details.add("symbol", s.row.inst.symbol).add("ltp", price).add("entry_price", s.row.entry_price);
  if (held)
    details.add("held_for", st.slots[*s.hedges].row.inst.symbol);
  record_event(self, {"risk:" + std::to_string(st.record.id) + ":leg:"
                        + std::to_string(s.row.execution_id) + ":" + to_string(rule),
                      st.record.id, s.row.execution_id, s.row.account_id, rule, price,
                      limit.value, "exit_leg",
                      held ? reason + "; its short exits first" : reason, details.str(),
                      now(self)});
}

void record_held_hedge(run_pointer self, size_t i, exit_reason why) {
  auto& st = self->state;
  auto& s = st.slots[i];
  std::string stuck = s.hedges ? st.slots[*s.hedges].row.inst.symbol : std::string{"?"};
  json_object details;
  details.add("hedge", s.row.inst.symbol).add("stuck_short", stuck);
  record_event(self, {"risk:" + std::to_string(st.record.id) + ":held:"
                        + std::to_string(s.row.execution_id),
                      st.record.id, s.row.execution_id, s.row.account_id, why, 0, 0,
                      "exit_held", "hedge " + s.row.inst.symbol + " kept: its short " + stuck
                                     + " is stuck open",
                      details.str(), now(self)});
}

void record_pending_confirmation(run_pointer self, int64_t key, const risk_decision& d,
                                 const std::string& waiting_for) {
  auto& st = self->state;
  // Once per scope and rule: a crossing refuted by fresher prices can come back on every
  // tick of a volatile market; the log has each one, the table the first.
  if (!st.pending_recorded.insert({key, d.rule}).second)
    return;
  json_object details;
  details.add("waiting_for", waiting_for)
    .add("timeout_ms", static_cast<int64_t>(st.cfg.coherence_timeout.count()));
  record_event(self, {"risk:" + std::to_string(st.record.id) + ":" + std::to_string(key) + ":"
                        + to_string(d.rule) + ":confirm",
                      st.record.id, 0, key, d.rule, d.trigger_value, d.threshold_value,
                      "confirmation_pending",
                      d.reason + "; confirming with fresh prices of " + waiting_for,
                      details.str(), now(self)});
}

void follow_up_events(run_pointer self) {
  auto& st = self->state;
  auto n = st.events.size(); // follow-ups are appended: only the ones before them are looked at
  for (size_t k = 0; k < n; ++k) {
    if (!starts_exit(st.events[k]) || st.followed_up.count(st.events[k].write_id) != 0)
      continue;
    auto slots = covered(self, st.events[k]);
    // Asked after every exit of the run: the texts are made only once it is over (a run-wide
    // exit of 400 positions would otherwise build its 400 order ids 400 times).
    bool done = true, any_stuck = false;
    for (auto i : slots) {
      auto status = st.slots[i].row.status;
      any_stuck = any_stuck || status == execution_status::exit_stuck;
      done = done && (status == execution_status::exit_stuck || is_done(status));
    }
    if (!any_stuck && !done)
      continue;
    std::string stuck, orders;
    for (auto i : slots) {
      auto& s = st.slots[i];
      if (s.row.status == execution_status::exit_stuck)
        stuck += (stuck.empty() ? "" : "; ") + slot_label(s) + ": " + s.row.error_message;
      for (auto& id : s.row.exit_order_ids)
        orders += (orders.empty() ? "" : ",") + id;
    }
    auto e = st.events[k]; // a copy: record_event appends to the vector
    st.followed_up.insert(e.write_id);
    bool failed = !stuck.empty();
    json_object details;
    details.add("follows", e.write_id).add("exit_orders", orders);
    if (failed)
      details.add("stuck", stuck);
    record_event(self, {e.write_id + (failed ? ":failed" : ":completed"), e.run_id,
                        e.execution_id, e.account_id, e.rule, e.trigger_value,
                        e.threshold_value, failed ? "exit_failed" : "exit_completed",
                        failed ? "the exit of " + e.action + " is stuck: " + stuck
                               : "every position of " + e.action + " closed (orders "
                                   + (orders.empty() ? std::string{"none"} : orders) + ")",
                        details.str(), now(self)});
  }
}

} // namespace algomirror::run_internal
