// strategy_run: the strategy-level rules per risk scope (§8) on coherent prices, and the
// Supertrend on the combined premium (§9). Risk decides and records (the risk event, the fired
// rule in the run row); it returns the exit to make, and exits.cpp makes it.
#include "actors/strategy_run/state.hpp"

namespace algomirror::run_internal {

// -- risk ----------------------------------------------------------------------------------

void follow(run_pointer self, const instrument& inst) {
  auto& st = self->state;
  if (st.cfg.feed && st.followed.insert(inst).second)
    self->send(st.cfg.feed, caf::subscribe_atom_v, inst, feed_mode::ltp,
               tick_subscriber_actor{self});
}

void follow_slot_price(run_pointer self, size_t i) {
  auto& st = self->state;
  auto& inst = st.slots[i].row.inst;
  auto& of_inst = st.slots_by_inst[inst];
  if (std::find(of_inst.begin(), of_inst.end(), i) == of_inst.end())
    of_inst.push_back(i);
  follow(self, inst);
}

void on_leg_price(run_pointer self, const tick& t) {
  auto& st = self->state;
  auto f = st.slots_by_inst.find(t.inst);
  if (f == st.slots_by_inst.end())
    return;
  for (auto i : f->second) {
    auto& s = st.slots[i];
    if (is_done(s.row.status))
      continue;
    // A confirmation's quote newer than this tick keeps the P&L at the quote (§8).
    if (!s.quoted_at || t.received_at >= s.price_at) {
      s.ltp = t.ltp;
      s.price_at = t.received_at;
      s.quoted_at.reset();
      s.price_valid = true;
      if (is_open(s.row.status))
        s.row.unrealized_pnl = position_pnl(s.row.action, s.row.entry_price, s.ltp, s.open_qty);
    }
    if (!is_open(s.row.status))
      continue; // priced before its entry fills: the P&L starts at this price
    auto key = scope_key(self, s.row.account_id);
    st.scopes[key].confirm.price(i, t.received_at);
    evaluate_soon(self, key);
  }
}

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
risk_exit fire(run_pointer self, int64_t key, const risk_decision& d, const char* confirmation,
               const std::set<size_t>& stale) {
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
  json_object prices;
  json_array stale_names;
  for (size_t i = 0; i < st.slots.size(); ++i) { // what each position stood at when it fired
    auto& s = st.slots[i];
    if (key != 0 && s.row.account_id != key)
      continue;
    auto name = slot_name(self, key, s);
    details.add(name, s.row.realized_pnl + s.row.unrealized_pnl);
    if (!is_open(s.row.status))
      continue;
    json_object p; // the price decided on and when it was received
    p.add("ltp", s.ltp)
      .add("received_at", s.quoted_at ? format_utc(*s.quoted_at) : format_utc(s.price_at))
      .add("source", s.quoted_at ? "multiquotes" : "tick");
    prices.add(name, p);
    if (stale.count(i))
      stale_names.push(name);
  }
  details.add("confirmation", confirmation).add("prices", prices).add("stale_legs", stale_names);
  risk_event ev{"risk:" + std::to_string(r.id) + ":" + std::to_string(key) + ":"
                  + to_string(d.rule),
                r.id,
                0,
                key,
                d.rule,
                d.trigger_value,
                d.threshold_value,
                key == 0 ? "exit_all" : "exit_account", // what the rule does: its scope exits
                d.reason,
                details.str(),
                now(self)};
  spdlog::warn("{}: {} fired for {}: {}", label(self), to_string(d.rule),
               key == 0 ? std::string{"the run"} : "account " + std::to_string(key), d.reason);
  record_event(self, std::move(ev));
  persist_record(self);
  return {key, d.rule};
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

/// A crossing on a mix of prices: the stale legs' next ticks, or one multiquotes read of
/// exactly those symbols sent now, whichever comes first; and the timeout.
void start_confirmation(run_pointer self, int64_t key, const risk_decision& d) {
  auto& st = self->state;
  auto& c = st.scopes[key].confirm;
  auto generation = c.generation();
  auto waiting_for = names_of(self, key, c.waiting());
  spdlog::info("{}: {} crossed for {} on a mix of prices ({}); confirming with fresh prices of "
               "{}",
               label(self), to_string(d.rule),
               key == 0 ? std::string{"the run"} : "account " + std::to_string(key), d.reason,
               waiting_for);
  self->delayed_send(self, st.cfg.coherence_timeout, evaluate_atom_v, key, generation);
  record_pending_confirmation(self, key, d, waiting_for);
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
        check_rules(self, key);
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
std::optional<risk_exit> evaluate(run_pointer self, int64_t key, bool timed_out) {
  auto& st = self->state;
  if (st.finished || st.record.phase == run_phase::resolving)
    return std::nullopt;
  auto& scope = st.scopes[key];
  if (scope.exiting != exit_reason::none)
    return std::nullopt;
  auto snap = snapshot_of(self, key);
  auto limits = strategy_risk_limits::of(st.cfg.strategy);
  auto [newest, oldest] = price_span(self);
  if (snap.prices_fresh) {
    advance_trailing(limits, snap, scope.trailing,
                     coherent_peak_sample(scope.peak, snap.pnl, newest, oldest));
    if (limits.trailing.kind != threshold_kind::off)
      remember_trailing(self, key);
  }
  auto d = crossed_rule(limits, snap, scope.latches, scope.trailing);
  if (d && pnl_rule(d->rule)) {
    // A rule that sums no prices (Supertrend, times) never waits for a P&L confirmation.
    auto timeless = snap;
    timeless.prices_fresh = false;
    if (auto other = crossed_rule(limits, timeless, scope.latches, scope.trailing))
      return fire(self, key, *other,
                  other->rule == exit_reason::supertrend_exit ? st.supertrend_how.c_str()
                                                              : "none");
  } else if (d) {
    return fire(self, key, *d,
                d->rule == exit_reason::supertrend_exit ? st.supertrend_how.c_str() : "none");
  }
  auto& c = scope.confirm;
  if (!c.active()) {
    if (!d)
      return std::nullopt;
    std::vector<priced_position> prices(st.slots.size());
    for (auto i : st.scope_slots) {
      auto& s = st.slots[i];
      prices[i] = {is_open(s.row.status) && s.price_valid, s.price_at};
    }
    if (c.begin(d->rule, prices).empty())
      return fire(self, key, *d, "coherent");
    for (auto i : c.waiting()) // a quote of an earlier confirmation is not this one's
      st.slots[i].quoted_at.reset();
    start_confirmation(self, key, *d);
    return std::nullopt;
  }
  auto stale = c.waiting();
  switch (c.verdict(d ? std::optional{d->rule} : std::nullopt, timed_out)) {
    case confirmation_verdict::fire:
      if (!stale.empty())
        spdlog::warn("{}: {} fires unconfirmed: no fresh price of {} within {} ms", label(self),
                     to_string(d->rule), names_of(self, key, stale),
                     st.cfg.coherence_timeout.count());
      return fire(self, key, *d, stale.empty() ? "confirmed" : "unconfirmed", stale);
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
  return std::nullopt;
}

/// The legs of a scope tick one after the other: the P&L updates already queued are taken in
/// first, then the rules see one consistent snapshot (one message later, not a timer).
void evaluate_soon(run_pointer self, int64_t key) {
  auto& st = self->state;
  if (!st.evaluation_queued.insert(key).second)
    return;
  self->send(self, evaluate_atom_v, key);
}

// -- Supertrend ----------------------------------------------------------------------------

int32_t series_lots(run_pointer self, const leg_definition& leg) {
  return self->state.cfg.strategy.risk_profile == "fixed_lots" ? leg.lots : 1;
}

std::optional<double> combined_now(run_pointer self);

void supertrend_fires(run_pointer self, const bar& b, const supertrend_point& point,
                      const char* how) {
  auto& st = self->state;
  spdlog::info("{}: Supertrend bar closed at {:.2f}, line {:.2f}, direction {} ({})", label(self),
               b.close, point.value, point.direction, how);
  st.supertrend_exit = true;
  st.supertrend_how = how;
  check_all_rules(self);
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
    follow(self, leg.inst);
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


} // namespace algomirror::run_internal
