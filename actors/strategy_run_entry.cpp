// strategy_run: one spot snapshot, expiries, premium quotes, legs resolved, accounts sized,
// then BUY legs filled before SELL legs per account (§3, §4, §6).
#include "actors/strategy_run_state.hpp"

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
  self->monitor(s.handle); // an execution that dies is made again (execution_down)
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
          auto key = ledger_key(st.record.id);
          self->request(ra.handle, st.cfg.request_timeout, caf::put_atom_v, key, sizing.margin_used)
            .then(
              [self, ra, key, qty, quantities, one_done, skip,
               amount = sizing.margin_used](bool reserved) {
                if (reserved) {
                  self->state.accounts[ra.record.id].margin_key = key;
                  // In the run row (written before the entries): rebuilt after a restart.
                  self->state.record.margins.push_back({ra.record.id, amount});
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


} // namespace algomirror::run_internal
