// strategy_run's setup, a state machine (§2–§6): the run row, one spot snapshot, expiries,
// premium quotes, the legs resolved, the accounts sized, the execution rows, then the entries.
// Each step sends its requests and counts their answers; the last answer concludes the step
// and the next one starts. No step calls another: `step_done` is the one way forward.
#include "actors/strategy_run/state.hpp"

namespace algomirror::run_internal {

namespace {

setup_step next_step(setup_step s) {
  return static_cast<setup_step>(static_cast<int>(s) + 1);
}

void run_step(run_pointer self);

/// The current step waits for `n` answers (none: it is concluded now).
void expect(run_pointer self, size_t n) {
  self->state.setup.waiting = n;
  if (n == 0)
    step_done(self);
}

// -- the steps -----------------------------------------------------------------------------

/// The run owns its row: it makes it (the node only spawns it) and tells its id to whoever
/// asked for it (the node, to answer the operator).
void write_row(run_pointer self) {
  auto& st = self->state;
  spdlog::info("{}: resolving {} leg(s) on {} account(s)", label(self),
               st.cfg.strategy.legs.size(), st.cfg.accounts.size());
  if (st.record.id != 0 || !st.cfg.store) {
    expect(self, 0);
    return;
  }
  expect(self, 1);
  self->request(st.cfg.store, st.cfg.request_timeout, durable_atom_v, st.record)
    .then(
      [self](int64_t id) {
        self->state.record.id = id;
        answered(self, setup_step::row);
      },
      [self](const caf::error& err) {
        fail_run(self, "the run row was not stored: " + self->system().render(err));
      });
}

/// §3: one spot per underlying — the feed's price if fresh, else a REST quote of the index.
void take_spots(run_pointer self) {
  auto& st = self->state;
  std::set<std::string> names;
  for (auto& leg : st.cfg.strategy.legs)
    if (leg.product_kind != leg_product::equity)
      names.insert(leg.underlying);
  expect(self, names.size());
  for (auto& name : names) {
    auto spec = st.cfg.instruments.find(name);
    if (!spec) {
      st.errors.push_back("unknown underlying " + name);
      answered(self, setup_step::spots);
      continue;
    }
    instrument index{name, spec->index_exchange};
    auto by_rest = [self, index] {
      self->request(self->state.cfg.market_api, self->state.cfg.request_timeout, caf::get_atom_v,
                    index)
        .then(
          [self, index](const quote& q) {
            if (valid_price(q.ltp))
              self->state.spots[index.symbol] = q.ltp;
            else
              self->state.errors.push_back("the quote of " + index.symbol + " has no price");
            answered(self, setup_step::spots);
          },
          [self, index](const caf::error& err) {
            self->state.errors.push_back("spot of " + index.symbol + ": "
                                         + self->system().render(err));
            answered(self, setup_step::spots);
          });
    };
    if (!st.cfg.feed) {
      by_rest();
      continue;
    }
    self->request(st.cfg.feed, st.cfg.request_timeout, caf::get_atom_v, index)
      .then(
        [self, index, by_rest](const tick& t) {
          auto age = now(self) - t.received_at;
          if (valid_price(t.ltp) && age <= self->state.cfg.spot_max_age) {
            self->state.spots[index.symbol] = t.ltp;
            answered(self, setup_step::spots);
          } else {
            by_rest();
          }
        },
        [by_rest](const caf::error&) { by_rest(); });
  }
}

void fetch_expiries(run_pointer self) {
  auto& st = self->state;
  std::set<std::pair<std::string, leg_product>> wanted;
  for (auto& leg : st.cfg.strategy.legs)
    if (leg.product_kind != leg_product::equity && st.cfg.instruments.find(leg.underlying))
      wanted.insert({leg.underlying, leg.product_kind});
  expect(self, wanted.size());
  for (auto& key : wanted) {
    auto spec = st.cfg.instruments.find(key.first);
    auto kind = key.second == leg_product::futures ? "futures" : "options";
    self->request(st.cfg.market_api, st.cfg.request_timeout, expiries_atom_v, key.first,
                  spec->derivative_exchange, std::string{kind})
      .then(
        [self, key](const std::vector<std::string>& texts) {
          auto& list = self->state.expiries[key];
          for (auto& t : texts)
            if (auto d = parse_expiry(t))
              list.push_back(*d);
          std::sort(list.begin(), list.end());
          answered(self, setup_step::expiries);
        },
        [self, key](const caf::error& err) {
          self->state.errors.push_back("expiries of " + key.first + ": "
                                       + self->system().render(err));
          answered(self, setup_step::expiries);
        });
  }
}

/// The candidates' premiums of every premium-near leg (§3).
void quote_premiums(run_pointer self) {
  auto& st = self->state;
  auto today = market_calendar::ist_date(now(self));
  std::vector<std::pair<size_t, std::vector<instrument>>> wanted;
  for (size_t i = 0; i < st.cfg.strategy.legs.size(); ++i) {
    auto& leg = st.cfg.strategy.legs[i];
    if (leg.strike != strike_selection::premium_near)
      continue;
    auto spec = st.cfg.instruments.find(leg.underlying);
    auto& list = st.expiries[{leg.underlying, leg_product::options}];
    auto expiry = select_expiry(list, today, leg.expiry, leg_product::options);
    if (spec && expiry) // else resolve_leg names what is missing
      wanted.push_back({i, premium_candidates(leg, *spec, st.spots[leg.underlying], *expiry)});
  }
  expect(self, wanted.size());
  for (auto& [i, candidates] : wanted)
    self->request(st.cfg.market_api, st.cfg.request_timeout, quotes_atom_v, candidates)
      .then(
        [self, i = i](const std::vector<quote>& quotes) {
          auto& out = self->state.premium_quotes[i];
          for (auto& q : quotes)
            if (auto parsed = parse_derivative_symbol(q.inst.symbol, self->state.cfg.instruments))
              out.push_back({parsed->strike, q.ltp});
          answered(self, setup_step::premiums);
        },
        [self](const caf::error& err) {
          self->state.errors.push_back("premium quotes: " + self->system().render(err));
          answered(self, setup_step::premiums);
        });
}

/// §2, §3: every leg's instrument from the one snapshot (no request).
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
    auto resolved = resolve_leg(leg, *spec, st.spots[leg.underlying],
                                st.expiries[{leg.underlying, product}], today,
                                q == st.premium_quotes.end() ? std::vector<strike_quote>{}
                                                             : q->second);
    if (!resolved) {
      st.errors.push_back("legs[" + std::to_string(i) + "]: " + resolved.error());
      continue;
    }
    st.legs.push_back(*resolved);
  }
  expect(self, 0);
}

/// §1: the broker's lot size of each leg's instrument (`symbol`, through the market data
/// accounts) wins over the instrument table's; a difference is warned of with both values.
/// A broker that cannot say keeps ours.
void check_lots(run_pointer self) {
  auto& st = self->state;
  if (!st.cfg.market_api) {
    expect(self, 0);
    return;
  }
  expect(self, st.legs.size());
  for (size_t i = 0; i < st.legs.size(); ++i)
    self->request(st.cfg.market_api, st.cfg.request_timeout, symbol_atom_v, st.legs[i].inst)
      .then(
        [self, i](const symbol_info& info) {
          auto& leg = self->state.legs[i];
          auto ours = leg.lot_size;
          if (take_broker_lot(leg, info.lot_size))
            spdlog::warn("{}: leg {} {}: the broker's lot size is {}, the instrument table's "
                         "{}: the broker's is used (settings instrument {} --lot {} makes "
                         "them agree)",
                         label(self), i + 1, leg.inst.symbol, info.lot_size, ours,
                         self->state.cfg.strategy.legs[i].underlying, info.lot_size);
          answered(self, setup_step::lots);
        },
        [self, i](const caf::error& err) {
          spdlog::info("{}: leg {}: the broker did not say its lot size ({}); the instrument "
                       "table's is used",
                       label(self), i + 1, self->system().render(err));
          answered(self, setup_step::lots);
        });
}

/// One account sized (its quantities, or a skip with the reason), then its answer counted.
void size_one(run_pointer self, const run_account& ra, const risk_profile& profile,
              const quality_grade& grade, const funds& f) {
  auto& st = self->state;
  auto today = market_calendar::ist_date(now(self));
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
  if (sizing.skipped) {
    skip_account(self, ra, sizing.reason);
    return;
  }
  std::vector<int64_t> qty;
  for (size_t i = 0; i < st.legs.size(); ++i)
    qty.push_back(static_cast<int64_t>(sizing.lots[i]) * st.legs[i].lot_size);
  if (profile.fixed_lots || sizing.margin_used <= 0) {
    st.sized[ra.record.id] = std::move(qty);
    answered(self, setup_step::sizing);
    return;
  }
  auto key = ledger_key(st.record.id);
  self->request(ra.handle, st.cfg.request_timeout, caf::put_atom_v, key, sizing.margin_used)
    .then(
      [self, ra, key, qty, amount = sizing.margin_used](bool reserved) {
        auto& st = self->state;
        if (!reserved) {
          skip_account(self, ra, "insufficient_margin");
          return;
        }
        st.accounts[ra.record.id].margin_key = key;
        // In the run row (written before the entries): rebuilt after a restart.
        st.record.margins.push_back({ra.record.id, amount});
        st.sized[ra.record.id] = qty;
        answered(self, setup_step::sizing);
      },
      [self, ra](const caf::error& err) {
        skip_account(self, ra, "margin not reserved: " + self->system().render(err));
      });
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
  for (auto& ra : st.cfg.accounts)
    st.accounts[ra.record.id].acct = ra;
  expect(self, st.cfg.accounts.size());
  auto accounts = st.cfg.accounts; // sizing the last one may start the next step
  for (auto& ra : accounts) {
    if (profile->fixed_lots) {
      // Fixed lots do not depend on the funds: the account re-bases its ledger on them while
      // the entry goes on, not before it (100 funds reads were 6 ms of a 100-account entry).
      self->request(ra.handle, st.cfg.request_timeout, funds_atom_v)
        .then([](const funds&) {},
              [self, ra](const caf::error& err) {
                spdlog::warn("{}: account {}: funds not read ({}); its margin ledger keeps its "
                             "last base",
                             label(self), ra.record.name, self->system().render(err));
              });
      size_one(self, ra, *profile, grade, funds{});
      continue;
    }
    self->request(ra.handle, st.cfg.request_timeout, funds_atom_v)
      .then([self, ra, profile = *profile,
             grade](const funds& f) { size_one(self, ra, profile, grade, f); },
            [self, ra](const caf::error& err) {
              skip_account(self, ra, "funds unavailable: " + self->system().render(err));
            });
  }
}

/// The slots of every sized account, their rows made durably (no row, no order: a position
/// that cannot be recorded is not opened, §10 step 7).
void store_executions(run_pointer self) {
  auto& st = self->state;
  std::vector<placed_leg> placed;
  for (size_t i = 0; i < st.legs.size(); ++i) {
    auto& leg = st.cfg.strategy.legs[i];
    placed.push_back({leg.action, leg.product_kind, leg.underlying,
                      format_symbol_expiry(st.legs[i].expiry),
                      leg.product_kind == leg_product::options ? leg.option : option_type::none});
  }
  auto hedges = hedge_map(placed);
  for (auto& [account_id, qty] : st.sized) {
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
      r.max_loss_amount = st.cfg.strategy.max_loss;
      if (hedges[i])
        s.hedges = first + *hedges[i];
      a.slots.push_back(st.slots.size());
      st.slots.push_back(std::move(s));
    }
    st.scopes[scope_key(self, account_id)];
  }
  if (st.slots.empty()) {
    fail_run(self, "no account can take the run");
    return;
  }
  if (!st.cfg.store) {
    for (size_t i = 0; i < st.slots.size(); ++i) {
      st.slots[i].row.execution_id = static_cast<int64_t>(i + 1);
      st.slot_of[static_cast<int64_t>(i + 1)] = i;
    }
    expect(self, 0);
    return;
  }
  // One request for every row (one message, one transaction), not one per row: at 100
  // accounts that was 400 requests and 400 answers in front of the first order.
  std::vector<execution_state> rows;
  rows.reserve(st.slots.size());
  for (auto& s : st.slots)
    rows.push_back(s.row);
  expect(self, 1);
  self->request(st.cfg.store, st.cfg.request_timeout, durable_atom_v, std::move(rows))
    .then(
      [self](const std::vector<int64_t>& ids) {
        auto& st = self->state;
        if (ids.size() != st.slots.size()) {
          fail_run(self, "the database answered " + std::to_string(ids.size()) + " ids for "
                           + std::to_string(st.slots.size()) + " executions");
          return;
        }
        for (size_t i = 0; i < ids.size(); ++i) {
          st.slots[i].row.execution_id = ids[i];
          st.slot_of[ids[i]] = i;
        }
        answered(self, setup_step::executions);
      },
      [self](const caf::error& err) {
        if (!self->state.finished)
          fail_run(self, "the database did not store the executions: "
                           + self->system().render(err));
      });
}

/// Every execution spawned; each account's BUY legs sent (its SELL legs once they fill).
void start_entries(run_pointer self) {
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
  expect(self, 0);
}

void run_step(run_pointer self) {
  switch (self->state.setup.step) {
    case setup_step::row:
      return write_row(self);
    case setup_step::spots:
      return take_spots(self);
    case setup_step::expiries:
      return fetch_expiries(self);
    case setup_step::premiums:
      return quote_premiums(self);
    case setup_step::legs:
      return resolve_legs(self);
    case setup_step::lots:
      return check_lots(self);
    case setup_step::sizing:
      return size_accounts(self);
    case setup_step::executions:
      return store_executions(self);
    case setup_step::entries:
      return start_entries(self);
    case setup_step::done:
      check_end(self);
      return;
  }
}

/// A step's name, for the debug log of its time.
const char* step_name(setup_step step) {
  switch (step) {
    case setup_step::row:
      return "row";
    case setup_step::spots:
      return "spots";
    case setup_step::expiries:
      return "expiries";
    case setup_step::premiums:
      return "premiums";
    case setup_step::legs:
      return "legs";
    case setup_step::lots:
      return "lots";
    case setup_step::sizing:
      return "sizing";
    case setup_step::executions:
      return "executions";
    case setup_step::entries:
      return "entries";
    case setup_step::done:
      return "done";
  }
  return "?";
}

/// What a step leaves behind, once all its answers are in; false: the run cannot go on.
bool conclude(run_pointer self, setup_step step) {
  auto& st = self->state;
  switch (step) {
    case setup_step::row:
      for (auto& rp : st.id_waiters)
        rp.deliver(st.record.id);
      st.id_waiters.clear();
      return true;
    case setup_step::spots: {
      json_object o;
      for (auto& [name, spot] : st.spots)
        o.add(name, format_number(spot));
      st.record.spot_snapshot_json = o.str();
      return true;
    }
    case setup_step::legs: {
      if (!st.errors.empty()) {
        std::string text;
        for (auto& e : st.errors)
          text += (text.empty() ? "" : "; ") + e;
        fail_run(self, "legs not resolved: " + text);
        return false;
      }
      return true;
    }
    case setup_step::lots:
      for (size_t i = 0; i < st.legs.size(); ++i)
        spdlog::info("{}: leg {} → {} ({} units per lot)", label(self), i + 1,
                     st.legs[i].inst.symbol, st.legs[i].lot_size);
      return true;
    case setup_step::sizing:
      record_skips(self);
      persist_record(self);
      if (st.cfg.accounts.empty()) {
        fail_run(self, "the strategy has no account to run on");
        return false;
      }
      if (st.sized.empty()) {
        fail_run(self, "no account can take the run");
        return false;
      }
      return true;
    default:
      return true;
  }
}

} // namespace

void start_setup(run_pointer self) {
  self->state.setup = {};
  self->state.setup.step_started = self->clock().now();
  run_step(self);
}

void answered(run_pointer self, setup_step step) {
  auto& s = self->state.setup;
  if (self->state.finished || s.step != step || s.waiting == 0)
    return;
  if (--s.waiting == 0)
    step_done(self);
}

void step_done(run_pointer self) {
  auto& st = self->state;
  if (st.finished || st.setup.step == setup_step::done)
    return;
  auto step = st.setup.step;
  if (!conclude(self, step))
    return;
  auto now = self->clock().now();
  spdlog::debug("{}: setup step {} took {} us", label(self), step_name(step),
                std::chrono::duration_cast<std::chrono::microseconds>(now
                                                                      - st.setup.step_started)
                  .count());
  st.setup.step_started = now;
  st.setup.step = next_step(step);
  run_step(self);
}

void skip_account(run_pointer self, const run_account& ra, const std::string& reason) {
  spdlog::warn("{}: account {} skipped: {}", label(self), ra.record.name, reason);
  self->state.skipped.push_back({ra.record.id, reason});
  answered(self, setup_step::sizing);
}

} // namespace algomirror::run_internal
