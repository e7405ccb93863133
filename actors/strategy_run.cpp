#include "actors/strategy_run.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/execution.hpp"
#include "actors/json_text.hpp"
#include "domain/calendar.hpp"
#include "domain/coherence.hpp"
#include "domain/expiry.hpp"
#include "domain/legs.hpp"
#include "domain/placement.hpp"
#include "domain/pnl.hpp"
#include "domain/reconcile.hpp"
#include "domain/risk.hpp"
#include "domain/supertrend.hpp"

namespace algomirror {

namespace {

/// One position of the run: (account, leg), owned by its execution actor.
struct slot {
  execution_state row; ///< as last reported (status, entry, P&L)
  size_t leg = 0;      ///< index into the strategy's legs
  execution_actor handle;
  bool price_valid = false;
  std::optional<size_t> hedges; ///< the slot (global index) of the short this hedge protects
  bool placed = false;          ///< its entry was sent
  bool exit_told = false;       ///< told to exit
  exit_reason deferred = exit_reason::none; ///< a hedge's own exit, waiting for its short
  bool kept_alerted = false;                ///< "hedge kept" said once
  bool recovered = false; ///< recovery decided what it is (or it needs no recovery)
  int rechecks = 0;       ///< recovery: orderbook reads while an order of ours was open
  // The price its P&L is at, as the run decides on it (§8 coherent prices).
  double ltp = 0;
  int64_t open_qty = 0;
  utc_instant price_at;                   ///< when that price was received
  std::optional<utc_instant> quoted_at;   ///< set when a confirmation's multiquotes read set it
};

struct account_run {
  run_account acct;
  std::vector<size_t> slots; ///< global slot indices, in leg order
  bool sells_sent = false;
  bool exiting = false;
  exit_reason exit_why = exit_reason::none;
  std::string margin_key;
};

/// A risk scope: an account (key = its id) or the whole run (key 0).
struct scope_data {
  risk_latches latches;
  trailing_stop_state trailing;
  exit_reason exiting = exit_reason::none;
  price_confirmation confirm; ///< a crossing waiting for coherent prices
  peak_candidate peak;        ///< the trailing peak rises on coherent P&L only
};

struct run_data {
  strategy_run_config cfg;
  std::optional<market_calendar> calendar;
  run_record record;
  std::vector<slot> slots;
  std::map<int64_t, account_run> accounts;
  std::map<int64_t, scope_data> scopes;
  std::map<int64_t, size_t> slot_of; ///< execution id → slot
  std::vector<skipped_account> skipped;
  std::vector<risk_event> events;
  std::string market = "NFO";
  // Resolution.
  std::map<std::string, double> spots;
  std::map<std::pair<std::string, leg_product>, std::vector<date>> expiries;
  std::map<size_t, std::vector<strike_quote>> premium_quotes;
  std::vector<resolved_leg> legs;
  std::vector<std::string> errors;
  // Supertrend on the combined premium.
  std::optional<supertrend_calculator> trend;
  std::optional<bar_builder> bars;
  std::map<instrument, double> leg_prices;
  std::vector<utc_instant> leg_price_at; ///< per leg: when its price was received
  bool supertrend_exit = false;
  std::string supertrend_how = "none"; ///< how its bar's close was confirmed (risk event)
  /// A closed bar that calls for an exit, its close confirmed on coherent leg prices (§8).
  struct {
    price_confirmation confirm;
    std::optional<supertrend_calculator> before; ///< the calculator before that bar
    bar closed;
  } bar_check;
  std::set<int64_t> evaluation_queued; ///< scopes with an evaluation on its way
  std::vector<scope_position> scope_buffer; ///< reused by every evaluation
  std::vector<size_t> scope_slots;          ///< the slots of scope_buffer, in its order
  bool begun = false;
  bool finished = false;
  static inline const char* name = "strategy_run";

  /// A run that stops (finished, or stopped by the node) takes its executions with it; their
  /// positions stay in the database and at the broker.
  ~run_data() {
    for (auto& s : slots)
      if (s.handle)
        caf::anon_send_exit(s.handle, caf::exit_reason::user_shutdown);
  }
};

using run_pointer = strategy_run_actor::stateful_pointer<run_data>;

std::string label(run_pointer self) {
  return "run " + std::to_string(self->state.record.id) + " (" + self->state.cfg.strategy.name
         + ")";
}

utc_instant now(run_pointer self) {
  return self->state.cfg.time->now();
}

std::string row_text(const std::string& text);

void persist_record(run_pointer self) {
  auto& st = self->state;
  if (!st.cfg.store || st.record.id == 0)
    return;
  auto row = st.record;
  row.end_reason = row_text(row.end_reason);
  self->request(st.cfg.store, caf::infinite, durable_atom_v, std::move(row))
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

// -- exits ---------------------------------------------------------------------------------

void tell_exit(run_pointer self, size_t i, exit_reason why, const std::string& details = {}) {
  auto& s = self->state.slots[i];
  s.exit_told = true;
  self->send(s.handle, exit_request{why, details});
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

// -- risk ----------------------------------------------------------------------------------

int64_t scope_key(run_pointer self, int64_t account_id) {
  return self->state.cfg.strategy.scope == risk_scope::run ? 0 : account_id;
}

risk_snapshot snapshot_of(run_pointer self, int64_t key) {
  auto& st = self->state;
  // On the tick path: only the scope's own slots, into a buffer that keeps its capacity.
  auto& positions = st.scope_buffer;
  positions.clear();
  st.scope_slots.clear();
  auto add = [&st, &positions](size_t i) {
    auto& s = st.slots[i];
    positions.push_back({s.row.action, s.row.status, s.row.quantity, s.row.entry_price,
                         s.row.realized_pnl, s.row.unrealized_pnl, s.price_valid});
    st.scope_slots.push_back(i);
  };
  if (key == 0) {
    for (size_t i = 0; i < st.slots.size(); ++i)
      add(i);
  } else if (auto a = st.accounts.find(key); a != st.accounts.end()) {
    for (auto i : a->second.slots)
      add(i);
  }
  auto snap = scope_snapshot(positions);
  auto t = now(self);
  snap.supertrend_exit = st.supertrend_exit;
  snap.trading_day = st.calendar->is_trading_day(st.market, market_calendar::ist_date(t));
  snap.ist_seconds = market_calendar::ist_seconds(t);
  return snap;
}

/// A slot's name in risk events and logs: its symbol, and its account in run scope.
std::string slot_name(run_pointer self, int64_t key, const slot& s) {
  (void) self;
  return s.row.inst.symbol + (key == 0 ? "@" + std::to_string(s.row.account_id) : "");
}

/// `confirmation`: "coherent" (every price of one instant), "confirmed" (the other legs
/// refreshed), "unconfirmed" (a protective rule after the timeout; `stale` are the slots that
/// never refreshed) or "none" (a rule that does not sum prices).
void fire(run_pointer self, int64_t key, const risk_decision& d, const char* confirmation,
          const std::set<size_t>& stale = {}) {
  auto& st = self->state;
  auto& scope = st.scopes[key];
  latch(scope.latches, d.rule);
  scope.confirm.reset();
  scope.exiting = d.rule;
  auto& r = st.record;
  r.max_loss_fired |= d.rule == exit_reason::max_loss;
  r.max_profit_fired |= d.rule == exit_reason::max_profit;
  r.trailing_stop_fired |= d.rule == exit_reason::trailing_stop;
  r.supertrend_fired |= d.rule == exit_reason::supertrend_exit;
  r.exit_time_fired |= d.rule == exit_reason::exit_time;
  r.square_off_fired |= d.rule == exit_reason::square_off;
  json_object trailing;
  trailing.add("armed", static_cast<int64_t>(scope.trailing.armed))
    .add("stop", scope.trailing.stop)
    .add("peak", scope.trailing.peak);
  r.trailing_state_json = trailing.str();
  json_object details;
  details.add("scope", key == 0 ? std::string{"run"} : "account " + std::to_string(key))
    .add("strategy", st.cfg.strategy.name);
  std::string prices = "{", stale_names = "[";
  for (size_t i = 0; i < st.slots.size(); ++i) { // what each position stood at when it fired
    auto& s = st.slots[i];
    if (key != 0 && s.row.account_id != key)
      continue;
    auto name = slot_name(self, key, s);
    details.add(name.c_str(), s.row.realized_pnl + s.row.unrealized_pnl);
    if (!is_open(s.row.status))
      continue;
    json_object p; // the price decided on and when it was received
    p.add("ltp", s.ltp)
      .add("received_at", s.quoted_at ? format_utc(*s.quoted_at) : format_utc(s.price_at))
      .add("source", std::string{s.quoted_at ? "multiquotes" : "tick"});
    json_object wrap;
    wrap.add_json(name.c_str(), p.str());
    auto text = wrap.str(); // {"name":{...}}: its inside joins the prices object
    prices += (prices.size() > 1 ? "," : "") + text.substr(1, text.size() - 2);
    if (stale.count(i)) {
      json_object n;
      n.add("leg", name);
      auto t = n.str();
      stale_names += (stale_names.size() > 1 ? "," : "") + t.substr(7, t.size() - 8);
    }
  }
  details.add("confirmation", std::string{confirmation})
    .add_json("prices", prices + "}")
    .add_json("stale_legs", stale_names + "]");
  risk_event ev{"risk:" + std::to_string(r.id) + ":" + std::to_string(key) + ":"
                  + to_string(d.rule),
                r.id,
                0,
                key,
                d.rule,
                d.trigger_value,
                d.threshold_value,
                "exit_all",
                d.reason,
                details.str(),
                now(self)};
  spdlog::warn("{}: {} fired for {}: {}", label(self), to_string(d.rule),
               key == 0 ? std::string{"the run"} : "account " + std::to_string(key), d.reason);
  st.events.push_back(ev);
  if (st.cfg.store)
    self->request(st.cfg.store, caf::infinite, durable_atom_v, std::move(ev))
      .then([](uint64_t) {},
            [self](const caf::error& err) {
              spdlog::warn("{}: risk event not stored yet: {}", label(self),
                           self->system().render(err));
            });
  persist_record(self);
  if (st.record.phase == run_phase::entering || st.record.phase == run_phase::live)
    set_phase(self, run_phase::exiting);
  for (auto& [id, a] : st.accounts)
    if (key == 0 || id == key)
      exit_account(self, a, d.rule);
}

/// The newest and the oldest price of the scope's open, priced positions (of the last
/// snapshot_of).
std::pair<utc_instant, utc_instant> price_span(run_pointer self) {
  auto& st = self->state;
  std::optional<utc_instant> newest, oldest;
  for (auto i : st.scope_slots) {
    auto& s = st.slots[i];
    if (!is_open(s.row.status) || !s.price_valid)
      continue;
    if (!newest || s.price_at > *newest)
      newest = s.price_at;
    if (!oldest || s.price_at < *oldest)
      oldest = s.price_at;
  }
  return {newest.value_or(utc_instant{}), oldest.value_or(utc_instant{})};
}

std::string names_of(run_pointer self, int64_t key, const std::set<size_t>& slots) {
  std::string out;
  for (auto i : slots)
    out += (out.empty() ? "" : ", ") + slot_name(self, key, self->state.slots[i]);
  return out;
}

void evaluate(run_pointer self, int64_t key);

/// A crossing on a mix of prices: the stale legs' next ticks, or one multiquotes read of
/// exactly those symbols sent now, whichever comes first; and the timeout.
void start_confirmation(run_pointer self, int64_t key, const risk_decision& d) {
  auto& st = self->state;
  auto& c = st.scopes[key].confirm;
  auto generation = c.generation();
  spdlog::info("{}: {} crossed for {} on a mix of prices ({}); confirming with fresh prices of "
               "{}",
               label(self), to_string(d.rule),
               key == 0 ? std::string{"the run"} : "account " + std::to_string(key), d.reason,
               names_of(self, key, c.waiting()));
  self->delayed_send(self, st.cfg.coherence_timeout, evaluate_atom_v, key, generation);
  if (!st.cfg.market_api)
    return;
  std::vector<instrument> symbols;
  for (auto i : c.waiting()) {
    auto& inst = st.slots[i].row.inst;
    if (std::find(symbols.begin(), symbols.end(), inst) == symbols.end())
      symbols.push_back(inst);
  }
  self->request(st.cfg.market_api, st.cfg.coherence_timeout, quotes_atom_v, symbols)
    .then(
      [self, key, generation](const std::vector<quote>& quotes) {
        auto& st = self->state;
        auto& c = st.scopes[key].confirm;
        if (!c.active() || c.generation() != generation)
          return;
        auto t = now(self);
        auto waiting = c.waiting(); // a copy: quoted() changes it
        for (auto i : waiting) {
          auto& s = st.slots[i];
          for (auto& q : quotes)
            if (q.inst == s.row.inst && valid_price(q.ltp)) {
              s.ltp = q.ltp;
              s.row.unrealized_pnl = position_pnl(s.row.action, s.row.entry_price, q.ltp,
                                                  s.open_qty);
              s.price_at = c.crossed_at(); // read after the crossing: as new as it
              s.quoted_at = t;
              c.quoted(i);
            }
        }
        evaluate(self, key);
      },
      [self, key, generation](const caf::error& err) {
        auto& c = self->state.scopes[key].confirm;
        if (c.active() && c.generation() == generation)
          spdlog::warn("{}: the confirmation's multiquotes read failed ({}); waiting for ticks",
                       label(self), self->system().render(err));
      });
}

/// §8: the rules on every price change; a crossing of a P&L rule is decided only on coherent
/// prices. `timed_out`: the confirmation's timeout has passed.
void evaluate(run_pointer self, int64_t key, bool timed_out) {
  auto& st = self->state;
  if (st.finished || st.record.phase == run_phase::resolving)
    return;
  auto& scope = st.scopes[key];
  if (scope.exiting != exit_reason::none)
    return;
  auto snap = snapshot_of(self, key);
  auto limits = strategy_risk_limits::of(st.cfg.strategy);
  auto [newest, oldest] = price_span(self);
  if (snap.prices_fresh)
    advance_trailing(limits, snap, scope.trailing,
                     coherent_peak_sample(scope.peak, snap.pnl, newest, oldest));
  auto d = crossed_rule(limits, snap, scope.latches, scope.trailing);
  if (d && pnl_rule(d->rule)) {
    // A rule that sums no prices (Supertrend, times) never waits for a P&L confirmation.
    auto timeless = snap;
    timeless.prices_fresh = false;
    if (auto other = crossed_rule(limits, timeless, scope.latches, scope.trailing)) {
      fire(self, key, *other,
           other->rule == exit_reason::supertrend_exit ? st.supertrend_how.c_str() : "none");
      return;
    }
  } else if (d) {
    fire(self, key, *d,
         d->rule == exit_reason::supertrend_exit ? st.supertrend_how.c_str() : "none");
    return;
  }
  auto& c = scope.confirm;
  if (!c.active()) {
    if (!d)
      return;
    std::vector<priced_position> prices(st.slots.size());
    for (auto i : st.scope_slots) {
      auto& s = st.slots[i];
      prices[i] = {is_open(s.row.status) && s.price_valid, s.price_at};
    }
    if (c.begin(d->rule, prices).empty()) {
      fire(self, key, *d, "coherent");
      return;
    }
    for (auto i : c.waiting()) // a quote of an earlier confirmation is not this one's
      st.slots[i].quoted_at.reset();
    start_confirmation(self, key, *d);
    return;
  }
  auto stale = c.waiting();
  switch (c.verdict(d ? std::optional{d->rule} : std::nullopt, timed_out)) {
    case confirmation_verdict::fire:
      if (!stale.empty())
        spdlog::warn("{}: {} fires unconfirmed: no fresh price of {} within {} ms", label(self),
                     to_string(d->rule), names_of(self, key, stale),
                     st.cfg.coherence_timeout.count());
      fire(self, key, *d, stale.empty() ? "confirmed" : "unconfirmed", stale);
      break;
    case confirmation_verdict::discard:
      if (stale.empty())
        spdlog::info("{}: {} not confirmed: the refreshed prices do not cross it (P&L {:.2f})",
                     label(self), to_string(c.rule()), snap.pnl);
      else
        spdlog::warn("{}: {} not fired: no fresh price of {} within {} ms{}", label(self),
                     to_string(c.rule()), names_of(self, key, stale),
                     st.cfg.coherence_timeout.count(),
                     d ? " (a profit rule never fires unconfirmed)" : "");
      c.reset();
      break;
    case confirmation_verdict::wait:
      break;
  }
}

void evaluate(run_pointer self, int64_t key) {
  evaluate(self, key, false);
}

/// The legs of a scope tick one after the other: the P&L updates already queued are taken in
/// first, then the rules see one consistent snapshot (one message later, not a timer).
void evaluate_soon(run_pointer self, int64_t key) {
  auto& st = self->state;
  if (!st.evaluation_queued.insert(key).second)
    return;
  self->send(self, evaluate_atom_v, key);
}

void evaluate_all(run_pointer self) {
  std::vector<int64_t> keys;
  for (auto& [key, scope] : self->state.scopes)
    keys.push_back(key);
  for (auto key : keys)
    evaluate(self, key);
}

// -- Supertrend ----------------------------------------------------------------------------

int32_t series_lots(run_pointer self, const leg_definition& leg) {
  return self->state.cfg.strategy.risk_profile == "fixed_lots" ? leg.lots : 1;
}

std::optional<double> combined_now(run_pointer self);

/// The key of the Supertrend bar's confirmation timeout (scope keys are 0 or account ids).
constexpr int64_t bar_confirmation_key = -1;

void supertrend_fires(run_pointer self, const bar& b, const supertrend_point& point,
                      const char* how) {
  auto& st = self->state;
  spdlog::info("{}: Supertrend bar closed at {:.2f}, line {:.2f}, direction {} ({})", label(self),
               b.close, point.value, point.direction, how);
  st.supertrend_exit = true;
  st.supertrend_how = how;
  evaluate_all(self);
}

/// The bar's close is re-taken on the refreshed leg prices and the bar decided again on it;
/// after the timeout it decides on the prices it has (a Supertrend exit is a stop).
void decide_bar(run_pointer self, bool timed_out) {
  auto& st = self->state;
  auto& bc = st.bar_check;
  if (!bc.confirm.active())
    return;
  if (!bc.confirm.waiting().empty()) {
    if (!timed_out)
      return;
    std::string legs;
    for (auto i : bc.confirm.waiting())
      legs += (legs.empty() ? "" : ", ") + st.legs[i].inst.symbol;
    spdlog::warn("{}: Supertrend exit fires unconfirmed: no fresh price of {} within {} ms",
                 label(self), legs, st.cfg.coherence_timeout.count());
    auto b = bc.closed;
    bc.confirm.reset();
    supertrend_fires(self, b, st.trend->last(), "unconfirmed");
    return;
  }
  auto corrected = bc.closed;
  if (auto c = combined_now(self)) {
    corrected.close = *c;
    corrected.high = std::max(corrected.high, *c);
    corrected.low = std::min(corrected.low, *c);
  }
  *st.trend = *bc.before;
  bc.confirm.reset();
  auto point = st.trend->add(corrected.high, corrected.low, corrected.close);
  if (point.valid && supertrend_calls_exit(st.cfg.strategy.supertrend.kind, point)) {
    supertrend_fires(self, corrected, point, "confirmed");
    return;
  }
  spdlog::info("{}: Supertrend exit not confirmed: on refreshed prices the bar closes at {:.2f} "
               "(was {:.2f}), direction {}",
               label(self), corrected.close, bc.closed.close, point.direction);
}

void on_closed_bar(run_pointer self, const bar& b) {
  auto& st = self->state;
  decide_bar(self, true); // a confirmation still open when the next bar closes is over
  auto before = *st.trend;
  auto point = st.trend->add(b.high, b.low, b.close);
  if (!point.valid || !st.calendar->is_open(st.market, now(self)))
    return;
  if (!supertrend_calls_exit(st.cfg.strategy.supertrend.kind, point) || st.supertrend_exit)
    return;
  // The close mixes the legs' last prices: confirmed once every leg priced before the newest
  // has a fresh price (§8, the same as the P&L rules).
  std::vector<priced_position> prices;
  for (auto& at : st.leg_price_at)
    prices.push_back({true, at});
  auto& bc = st.bar_check;
  auto stale = bc.confirm.begin(exit_reason::supertrend_exit, prices);
  if (stale.empty()) {
    supertrend_fires(self, b, point, "coherent");
    return;
  }
  bc.before = before;
  bc.closed = b;
  auto generation = bc.confirm.generation();
  std::vector<instrument> symbols;
  std::string names;
  for (auto i : stale) {
    symbols.push_back(st.legs[i].inst);
    names += (names.empty() ? "" : ", ") + st.legs[i].inst.symbol;
  }
  spdlog::info("{}: Supertrend bar closed at {:.2f} calling for an exit on a mix of prices; "
               "confirming with fresh prices of {}",
               label(self), b.close, names);
  self->delayed_send(self, st.cfg.coherence_timeout, evaluate_atom_v, bar_confirmation_key,
                     generation);
  if (!st.cfg.market_api)
    return;
  self->request(st.cfg.market_api, st.cfg.coherence_timeout, quotes_atom_v, symbols)
    .then(
      [self, generation](const std::vector<quote>& quotes) {
        auto& st = self->state;
        auto& c = st.bar_check.confirm;
        if (!c.active() || c.generation() != generation)
          return;
        auto waiting = c.waiting();
        for (auto i : waiting)
          for (auto& q : quotes)
            if (q.inst == st.legs[i].inst && valid_price(q.ltp)) {
              st.leg_prices[q.inst] = q.ltp;
              c.quoted(i);
            }
        decide_bar(self, false);
      },
      [self, generation](const caf::error& err) {
        auto& c = self->state.bar_check.confirm;
        if (c.active() && c.generation() == generation)
          spdlog::warn("{}: the Supertrend confirmation's multiquotes read failed ({}); "
                       "waiting for ticks",
                       label(self), self->system().render(err));
      });
}

/// The combined premium of the legs' last prices: |Σ SELL lots×ltp − Σ BUY lots×ltp|.
std::optional<double> combined_now(run_pointer self) {
  auto& st = self->state;
  double sum = 0;
  for (size_t i = 0; i < st.legs.size(); ++i) {
    auto p = st.leg_prices.find(st.legs[i].inst);
    if (p == st.leg_prices.end() || p->second <= 0)
      return std::nullopt;
    auto& leg = st.cfg.strategy.legs[i];
    double v = series_lots(self, leg) * p->second;
    sum += leg.action == side::sell ? v : -v;
  }
  return std::fabs(sum);
}

/// Seeds the Supertrend from the legs' history (the last 5 trading days), then follows ticks.
void start_supertrend(run_pointer self) {
  auto& st = self->state;
  auto& settings = st.cfg.strategy.supertrend;
  auto minutes = timeframe_minutes(settings.timeframe);
  if (!settings.enabled || !minutes)
    return;
  st.trend.emplace(settings.period, settings.multiplier);
  auto today = market_calendar::ist_date(now(self));
  auto session = st.calendar->session_on(st.market, today);
  st.bars.emplace(*minutes, session ? session->open : 9 * 3600 + 15 * 60,
                  session ? session->close : 15 * 3600 + 30 * 60);
  st.leg_price_at.assign(st.legs.size(), utc_instant{});
  for (auto& leg : st.legs) {
    st.leg_prices.emplace(leg.inst, 0.0);
    if (st.cfg.feed)
      self->send(st.cfg.feed, caf::subscribe_atom_v, leg.inst, feed_mode::ltp,
                 tick_subscriber_actor{self});
  }
  self->delayed_send(self, st.cfg.bar_check_interval, caf::tick_atom_v);
  if (!st.cfg.market_api)
    return;
  auto iso = [](date d) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u", static_cast<int>(d.year()),
                   static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
    return std::string{buf};
  };
  auto from = iso(date{std::chrono::sys_days{today} - std::chrono::days{7}});
  auto to = iso(today);
  auto series = std::make_shared<std::vector<leg_series>>(st.legs.size());
  auto pending = std::make_shared<size_t>(st.legs.size());
  for (size_t i = 0; i < st.legs.size(); ++i) {
    auto& leg = st.cfg.strategy.legs[i];
    (*series)[i].action = leg.action;
    (*series)[i].lots = series_lots(self, leg);
    self->request(st.cfg.market_api, st.cfg.request_timeout, history_atom_v, st.legs[i].inst,
                  settings.timeframe, from, to)
      .then(
        [self, series, pending, i, width = *minutes](const std::vector<bar>& bars) {
          (*series)[i].bars = bars;
          if (--*pending > 0)
            return;
          auto& st = self->state;
          auto t = now(self);
          size_t seeded = 0;
          for (auto& b : combined_premium(*series))
            if (b.start + std::chrono::minutes{width} <= t) {
              st.trend->add(b.high, b.low, b.close);
              ++seeded;
            }
          spdlog::info("{}: Supertrend seeded with {} {} bars", label(self), seeded,
                       st.cfg.strategy.supertrend.timeframe);
        },
        [self, pending](const caf::error& err) {
          --*pending;
          spdlog::warn("{}: no history for the Supertrend ({}); it starts from live bars",
                       label(self), self->system().render(err));
        });
  }
}

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
void spawn_slot(run_pointer self, size_t i) {
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
  s.handle = spawn_execution(self->system(), std::move(cfg));
}

/// Spawns the executions (their rows made first, durably) and enters every account.
void start_entries(run_pointer self,
                   const std::map<int64_t, std::vector<int64_t>>& quantities) {
  auto& st = self->state;
  std::vector<placed_leg> placed;
  for (size_t i = 0; i < st.legs.size(); ++i) {
    auto& leg = st.cfg.strategy.legs[i];
    placed.push_back({leg.action, leg.product_kind, leg.underlying,
                      format_symbol_expiry(st.legs[i].expiry),
                      leg.product_kind == leg_product::options ? leg.option : option_type::none});
  }
  auto hedges = hedge_map(placed);
  for (auto& [account_id, qty] : quantities) {
    auto& a = st.accounts[account_id];
    size_t first = st.slots.size();
    for (size_t i = 0; i < st.legs.size(); ++i) {
      auto& leg = st.cfg.strategy.legs[i];
      slot s;
      s.leg = i;
      auto& r = s.row;
      r.write_id = "run:" + std::to_string(st.record.id) + ":account:"
                   + std::to_string(account_id) + ":leg:" + std::to_string(i + 1);
      r.run_id = st.record.id;
      r.strategy_id = st.cfg.strategy.id;
      r.account_id = account_id;
      r.leg_id = leg.id;
      r.inst = st.legs[i].inst;
      r.action = leg.action;
      r.order_product = st.cfg.strategy.order_product;
      r.quantity = qty[i];
      r.underlying = leg.underlying;
      if (hedges[i])
        s.hedges = first + *hedges[i];
      a.slots.push_back(st.slots.size());
      st.slots.push_back(std::move(s));
    }
    st.scopes[scope_key(self, account_id)];
  }
  auto pending = std::make_shared<size_t>(st.slots.size());
  auto spawn_all = [self] {
    auto& st = self->state;
    for (size_t i = 0; i < st.slots.size(); ++i)
      spawn_slot(self, i);
    set_phase(self, run_phase::entering);
    for (auto& [id, a] : st.accounts) {
      if (a.slots.empty())
        continue;
      bool any_buy = false;
      for (auto i : a.slots)
        if (st.slots[i].row.action == side::buy) {
          any_buy = true;
          place(self, i);
        }
      if (any_buy)
        self->delayed_send(self, st.cfg.buy_fill_timeout, poll_atom_v, id);
      else
        advance_entry(self, a);
    }
    start_supertrend(self);
    check_end(self);
  };
  if (st.slots.empty()) {
    fail_run(self, "no account can take the run");
    return;
  }
  for (size_t i = 0; i < st.slots.size(); ++i) {
    if (!st.cfg.store) {
      st.slots[i].row.execution_id = static_cast<int64_t>(i + 1);
      st.slot_of[static_cast<int64_t>(i + 1)] = i;
      continue;
    }
    self->request(st.cfg.store, st.cfg.request_timeout, durable_atom_v, st.slots[i].row)
      .then(
        [self, i, pending, spawn_all](int64_t id) {
          auto& st = self->state;
          st.slots[i].row.execution_id = id;
          st.slot_of[id] = i;
          if (--*pending == 0)
            spawn_all();
        },
        [self](const caf::error& err) {
          // No row, no order: a position that cannot be recorded is not opened (§10 step 7).
          if (!self->state.finished)
            fail_run(self, "the database did not store the executions: "
                             + self->system().render(err));
        });
  }
  if (!st.cfg.store)
    spawn_all();
}

/// §4: every account's lots (fixed, or from its funds), its margin reserved in the account's
/// ledger; an account that cannot take the run is skipped with the reason.
void size_accounts(run_pointer self) {
  auto& st = self->state;
  auto profile = parse_risk_profile(st.cfg.strategy.risk_profile);
  if (!profile) {
    fail_run(self, "risk_profile: " + profile.error());
    return;
  }
  quality_grade grade;
  for (auto& g : st.cfg.grades)
    if (g.name == profile->grade)
      grade = g;
  auto quantities = std::make_shared<std::map<int64_t, std::vector<int64_t>>>();
  auto pending = std::make_shared<size_t>(st.cfg.accounts.size());
  auto one_done = [self, quantities, pending] {
    if (--*pending == 0 && !self->state.finished) {
      record_skips(self);
      persist_record(self);
      start_entries(self, *quantities);
    }
  };
  auto today = market_calendar::ist_date(now(self));
  for (auto& ra : st.cfg.accounts) {
    st.accounts[ra.record.id].acct = ra;
    self->request(ra.handle, st.cfg.request_timeout, funds_atom_v)
      .then(
        [self, ra, profile = *profile, grade, today, quantities, one_done](const funds& f) {
          auto& st = self->state;
          auto expiry_day = [&st, today](const std::string& underlying) {
            auto spec = st.cfg.instruments.find(underlying);
            if (!spec)
              return false;
            auto e = st.expiries.find({underlying, leg_product::options});
            auto trading = [&st](date d) { return st.calendar->is_trading_day(st.market, d); };
            return is_expiry_day(st.cfg.strategy.condition, today,
                                 e == st.expiries.end() ? nullptr : &e->second, *spec, trading);
          };
          auto sizing = size_account(st.cfg.strategy.legs, profile, grade, f, st.cfg.margins,
                                     expiry_day);
          auto skip = [&](const std::string& reason) {
            spdlog::warn("{}: account {} skipped: {}", label(self), ra.record.name, reason);
            st.skipped.push_back({ra.record.id, reason});
          };
          if (sizing.skipped) {
            skip(sizing.reason);
            one_done();
            return;
          }
          std::vector<int64_t> qty;
          for (size_t i = 0; i < st.legs.size(); ++i)
            qty.push_back(static_cast<int64_t>(sizing.lots[i]) * st.legs[i].lot_size);
          if (profile.fixed_lots || sizing.margin_used <= 0) {
            (*quantities)[ra.record.id] = std::move(qty);
            one_done();
            return;
          }
          auto key = "run:" + std::to_string(st.record.id);
          self->request(ra.handle, st.cfg.request_timeout, caf::put_atom_v, key, sizing.margin_used)
            .then(
              [self, ra, key, qty, quantities, one_done, skip](bool reserved) {
                if (reserved) {
                  self->state.accounts[ra.record.id].margin_key = key;
                  (*quantities)[ra.record.id] = qty;
                } else {
                  skip("insufficient_margin");
                }
                one_done();
              },
              [skip, one_done, self](const caf::error& err) {
                skip("margin not reserved: " + self->system().render(err));
                one_done();
              });
        },
        [self, ra, one_done](const caf::error& err) {
          auto reason = "funds unavailable: " + self->system().render(err);
          spdlog::warn("{}: account {} skipped: {}", label(self), ra.record.name, reason);
          self->state.skipped.push_back({ra.record.id, reason});
          one_done();
        });
  }
  if (st.cfg.accounts.empty())
    fail_run(self, "the strategy has no account to run on");
}

/// §2, §3: one snapshot, then every leg's instrument.
void resolve_legs(run_pointer self) {
  auto& st = self->state;
  auto today = market_calendar::ist_date(now(self));
  for (size_t i = 0; i < st.cfg.strategy.legs.size(); ++i) {
    auto& leg = st.cfg.strategy.legs[i];
    auto spec = st.cfg.instruments.require(leg.underlying);
    if (!spec) {
      st.errors.push_back("legs[" + std::to_string(i) + "]: " + spec.error());
      continue;
    }
    auto product = leg.product_kind == leg_product::futures ? leg_product::futures
                                                            : leg_product::options;
    auto q = st.premium_quotes.find(i);
    auto resolved = resolve_leg(leg, *spec, st.spots[leg.underlying], st.expiries[{leg.underlying,
                                                                                   product}],
                                today, q == st.premium_quotes.end() ? std::vector<strike_quote>{}
                                                                    : q->second);
    if (!resolved) {
      st.errors.push_back("legs[" + std::to_string(i) + "]: " + resolved.error());
      continue;
    }
    st.legs.push_back(*resolved);
  }
  if (!st.errors.empty()) {
    std::string text;
    for (auto& e : st.errors)
      text += (text.empty() ? "" : "; ") + e;
    fail_run(self, "legs not resolved: " + text);
    return;
  }
  for (size_t i = 0; i < st.legs.size(); ++i)
    spdlog::info("{}: leg {} → {} ({} units per lot)", label(self), i + 1, st.legs[i].inst.symbol,
                 st.legs[i].lot_size);
  size_accounts(self);
}

/// A countdown over parallel requests: `next` runs once all have answered.
std::function<void()> countdown(size_t n, std::function<void()> next) {
  auto left = std::make_shared<size_t>(n);
  return [left, next = std::move(next)] {
    if (--*left == 0)
      next();
  };
}

void quote_premiums(run_pointer self) {
  auto& st = self->state;
  std::vector<size_t> wanted;
  for (size_t i = 0; i < st.cfg.strategy.legs.size(); ++i)
    if (st.cfg.strategy.legs[i].strike == strike_selection::premium_near)
      wanted.push_back(i);
  if (wanted.empty()) {
    resolve_legs(self);
    return;
  }
  auto today = market_calendar::ist_date(now(self));
  auto done = countdown(wanted.size(), [self] {
    if (!self->state.finished)
      resolve_legs(self);
  });
  for (auto i : wanted) {
    auto& leg = st.cfg.strategy.legs[i];
    auto spec = st.cfg.instruments.find(leg.underlying);
    auto& list = st.expiries[{leg.underlying, leg_product::options}];
    auto expiry = select_expiry(list, today, leg.expiry, leg_product::options);
    if (!spec || !expiry) {
      done(); // resolve_leg names what is missing
      continue;
    }
    auto candidates = premium_candidates(leg, *spec, st.spots[leg.underlying], *expiry);
    self->request(st.cfg.market_api, st.cfg.request_timeout, quotes_atom_v, candidates)
      .then(
        [self, i, done, spec = *spec, expiry = *expiry](const std::vector<quote>& quotes) {
          auto& out = self->state.premium_quotes[i];
          for (auto& q : quotes)
            if (auto parsed = parse_derivative_symbol(q.inst.symbol, self->state.cfg.instruments))
              out.push_back({parsed->strike, q.ltp});
          done();
        },
        [self, done](const caf::error& err) {
          self->state.errors.push_back("premium quotes: " + self->system().render(err));
          done();
        });
  }
}

void fetch_expiries(run_pointer self) {
  auto& st = self->state;
  std::set<std::pair<std::string, leg_product>> wanted;
  for (auto& leg : st.cfg.strategy.legs)
    if (leg.product_kind != leg_product::equity)
      wanted.insert({leg.underlying, leg.product_kind});
  if (wanted.empty()) {
    quote_premiums(self);
    return;
  }
  auto done = countdown(wanted.size(), [self] {
    if (!self->state.finished)
      quote_premiums(self);
  });
  for (auto& key : wanted) {
    auto spec = st.cfg.instruments.find(key.first);
    if (!spec) {
      done();
      continue;
    }
    auto kind = key.second == leg_product::futures ? "futures" : "options";
    self->request(st.cfg.market_api, st.cfg.request_timeout, expiries_atom_v, key.first,
                  spec->derivative_exchange, std::string{kind})
      .then(
        [self, key, done](const std::vector<std::string>& texts) {
          auto& list = self->state.expiries[key];
          for (auto& t : texts)
            if (auto d = parse_expiry(t))
              list.push_back(*d);
          std::sort(list.begin(), list.end());
          done();
        },
        [self, key, done](const caf::error& err) {
          self->state.errors.push_back("expiries of " + key.first + ": "
                                       + self->system().render(err));
          done();
        });
  }
}

/// §3: one spot per underlying — the feed's price if fresh, else a REST quote of the index.
void take_spots(run_pointer self) {
  auto& st = self->state;
  std::set<std::string> names;
  for (auto& leg : st.cfg.strategy.legs)
    if (leg.product_kind != leg_product::equity)
      names.insert(leg.underlying);
  if (names.empty()) {
    fetch_expiries(self);
    return;
  }
  auto done = countdown(names.size(), [self] {
    auto& st = self->state;
    if (st.finished)
      return;
    json_object o;
    for (auto& [name, spot] : st.spots)
      o.add(name.c_str(), format_number(spot));
    st.record.spot_snapshot_json = o.str();
    fetch_expiries(self);
  });
  for (auto& name : names) {
    auto spec = st.cfg.instruments.find(name);
    if (!spec) {
      st.errors.push_back("unknown underlying " + name);
      done();
      continue;
    }
    instrument index{name, spec->index_exchange};
    auto by_rest = [self, index, done] {
      self->request(self->state.cfg.market_api, self->state.cfg.request_timeout, caf::get_atom_v,
                    index)
        .then(
          [self, index, done](const quote& q) {
            if (valid_price(q.ltp))
              self->state.spots[index.symbol] = q.ltp;
            else
              self->state.errors.push_back("the quote of " + index.symbol + " has no price");
            done();
          },
          [self, index, done](const caf::error& err) {
            self->state.errors.push_back("spot of " + index.symbol + ": "
                                         + self->system().render(err));
            done();
          });
    };
    if (!st.cfg.feed) {
      by_rest();
      continue;
    }
    self->request(st.cfg.feed, st.cfg.request_timeout, caf::get_atom_v, index)
      .then(
        [self, index, done, by_rest](const tick& t) {
          auto age = now(self) - t.received_at;
          if (valid_price(t.ltp) && age <= self->state.cfg.spot_max_age) {
            self->state.spots[index.symbol] = t.ltp;
            done();
          } else {
            by_rest();
          }
        },
        [by_rest](const caf::error&) { by_rest(); });
  }
}

// -- recovery ------------------------------------------------------------------------------

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

/// One account's orderbook, then its positionbook, then the decisions; `done` either way.
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
        self->request(a.acct.handle, self->state.cfg.request_timeout, positions_atom_v)
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

/// The run row first (when the run makes it), then the spot snapshot.
void begin(run_pointer self) {
  auto& st = self->state;
  if (st.cfg.recovering) {
    recover(self);
    return;
  }
  auto go = [self] {
    spdlog::info("{}: resolving {} leg(s) on {} account(s)", label(self),
                 self->state.cfg.strategy.legs.size(), self->state.cfg.accounts.size());
    take_spots(self);
  };
  if (st.record.id != 0 || !st.cfg.store) {
    go();
    return;
  }
  self->request(st.cfg.store, st.cfg.request_timeout, durable_atom_v, st.record)
    .then(
      [self, go](int64_t id) {
        self->state.record.id = id;
        go();
      },
      [self](const caf::error& err) {
        fail_run(self, "the run row was not stored: " + self->system().render(err));
      });
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

} // namespace

strategy_run_actor spawn_strategy_run(caf::actor_system& sys, strategy_run_config cfg) {
  return sys.spawn(strategy_run, std::move(cfg));
}

} // namespace algomirror
