#include "actors/execution.hpp"

#include "actors/internal/store_writes.hpp"

#include <map>
#include <memory>
#include <optional>
#include <utility>

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "domain/freeze.hpp"
#include "domain/placement.hpp"
#include "domain/pnl.hpp"
#include "domain/risk.hpp"

namespace algomirror {

namespace {

struct child_report {
  child_fill fill;
  order_status status = order_status::open;
};

/// The orders of one phase (the entry, or one exit attempt): an intent and its children.
struct order_phase {
  std::string intent_id;
  bool accepted = false; ///< the account answered with the children's ids
  std::map<std::string, child_report> children;

  bool done() const {
    if (!accepted)
      return false;
    for (auto& [id, c] : children)
      if (!is_terminal(c.status))
        return false;
    return true;
  }

  /// All children's fills as one (trading-rules.md §5).
  child_fill total() const {
    std::vector<child_fill> fills;
    for (auto& [id, c] : children)
      fills.push_back(c.fill);
    return aggregate_fills(fills);
  }
};

struct execution_data {
  execution_config cfg;
  order_phase entry;
  order_phase exit;
  bool exit_in_flight = false;
  bool retry_armed = false;
  int64_t remaining = 0; ///< units still open
  child_fill exited;     ///< every exit fill so far, as one
  caf::actor_clock::time_point persisted_at{}; ///< the last routine (P&L) write
  uint64_t reprices = 0;   ///< LIMIT exits cancelled to be re-priced (they are not failures)
  bool exit_probed = false; ///< made again: the account was asked for the exit in flight
  bool repricing = false;  ///< the current exit is being cancelled to be re-priced
  /// Made again while an exit was in flight: a protected exit re-priced before the death has a
  /// chain of intents (.0 cancelled, .1 cancelled, … the last one live); each one that ends is
  /// followed by the next the account knows, and only the last decides.
  bool following_chain = false;
  bool leg_exit_told = false; ///< a deferred leg exit was told to the run
  /// The attempt's claim until it is on its way to the store: with the exit order's intent
  /// (the account stores both, the claim first), or by itself when no order follows.
  exit_claim claim;
  utc_instant price_at;       ///< when the last price was received (the tick's stamp)
  static inline const char* name = "execution";
};

/// The execution's own interface: the public one and its timers.
using execution_impl = execution_actor::extend<
  caf::reacts_to<retry_atom>,           // the exit retry timer
  caf::reacts_to<poll_atom, uint64_t>>; // re-price a protected exit

using execution_pointer = execution_impl::stateful_pointer<execution_data>;

execution_state& row(execution_pointer self) {
  return self->state.cfg.state;
}

/// The side that closes the execution's position.
side exit_side_of(const execution_state& r) {
  return r.action == side::buy ? side::sell : side::buy;
}

std::string label(execution_pointer self) {
  auto& r = row(self);
  return "execution " + std::to_string(r.execution_id) + " (" + r.inst.symbol + " "
         + to_string(r.action) + ")";
}

/// Persists the row: status changes durably (acknowledged), P&L as a routine write.
void persist(execution_pointer self, bool durable) {
  auto& st = self->state;
  if (!st.cfg.store || row(self).execution_id == 0)
    return;
  if (durable)
    self->request(st.cfg.store, caf::infinite, durable_atom_v, row(self))
      .then([](int64_t) {},
            [self](const caf::error& err) {
              spdlog::warn("{}: state not stored yet: {}", label(self), self->system().render(err));
            });
  else
    store_routine(st.cfg.store, row(self));
}

/// Tells the run the P&L and the quantity still open: what only the execution knows (fills);
/// the run follows the price itself. `priced`: false when the price is not this actor's own
/// tick (made again from the durable row).
void tell_pnl(execution_pointer self, bool priced = true) {
  auto& r = row(self);
  auto& st = self->state;
  if (!st.cfg.run)
    return;
  if (priced)
    self->send(st.cfg.run, execution_pnl{r.execution_id, r.realized_pnl, r.unrealized_pnl,
                                         r.last_price > 0, r.last_price, st.remaining,
                                         st.price_at});
  else
    self->send(st.cfg.run,
               execution_pnl{r.execution_id, r.realized_pnl, 0, false, 0, st.remaining, {}});
}

/// Follows the instrument's price: every tick when this actor decides on it (the leg's own stop
/// loss or target) or prices its exit from it (price protection); else paced, for the row's
/// last price and P&L (written at most once a second): the run decides on every tick itself.
void follow_price(execution_pointer self) {
  auto& st = self->state;
  if (!st.cfg.feed)
    return;
  auto& leg = st.cfg.leg;
  tick_subscriber_actor me{self};
  if (leg.stop_loss.kind != threshold_kind::off || leg.take_profit.kind != threshold_kind::off
      || st.cfg.exit_price_protection_pct > 0)
    self->send(st.cfg.feed, caf::subscribe_atom_v, row(self).inst, feed_mode::ltp, me);
  else
    self->send(st.cfg.feed, caf::subscribe_atom_v, row(self).inst, feed_mode::ltp, me,
               paced_atom_v);
}

/// The unrealized P&L of the units still open at the last price (0 without one).
double open_pnl(execution_pointer self) {
  auto& r = row(self);
  return r.last_price > 0
           ? position_pnl(r.action, r.entry_price, r.last_price, self->state.remaining)
           : 0;
}

order_intent make_intent(execution_pointer self, const std::string& id, side action, int64_t qty,
                         int32_t attempt) {
  auto& r = row(self);
  order_intent i;
  i.intent_id = id;
  i.account_id = r.account_id;
  i.run_id = r.run_id;
  i.execution_id = r.execution_id;
  i.attempt = attempt;
  i.inst = r.inst;
  i.action = action;
  i.order_product = r.order_product;
  i.quantity = qty;
  i.tag = "AM:" + std::to_string(r.run_id) + ":" + std::to_string(r.execution_id) + ":"
          + std::to_string(attempt);
  i.created_at = self->state.cfg.time->now();
  return i;
}

void begin_exit(execution_pointer self, bool new_attempt = true);
void resume_exit(execution_pointer self, bool claimed);
void follow_next_reprice(execution_pointer self, int64_t filled, const std::string& message);
void conclude_exit_attempt(execution_pointer self, int64_t filled, const std::string& message);

/// A protected exit's re-price timer for the intent in flight (its generation: the re-price
/// count, so a timer of an earlier price does nothing). Without protection: nothing.
void arm_reprice(execution_pointer self) {
  auto& st = self->state;
  if (st.cfg.exit_price_protection_pct > 0)
    self->delayed_send(self, st.cfg.reprice_interval, poll_atom_v, st.reprices);
}

/// An exit attempt's intent id; a protected exit re-priced is the same attempt again.
std::string exit_intent_id(const execution_state& r, int32_t attempt, uint64_t reprices) {
  return "x" + std::to_string(r.execution_id) + "-" + std::to_string(attempt) + "."
         + std::to_string(reprices) + "-" + std::to_string(r.run_id);
}
void progress(execution_pointer self, bool is_entry, const std::string& message);

/// The account answered a placement: the children's ids (their news may have come first).
void accepted(execution_pointer self, bool is_entry, const order_accepted& a) {
  auto& phase = is_entry ? self->state.entry : self->state.exit;
  auto& ids = is_entry ? row(self).entry_order_ids : row(self).exit_order_ids;
  phase.accepted = true;
  for (auto& id : a.broker_order_ids) {
    phase.children.emplace(id, child_report{});
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) // known to a row made again
      ids.push_back(id);
  }
  progress(self, is_entry, {});
}

/// The attempt's claim by itself (no order took it along): on record, late as it is.
void store_claim(execution_pointer self) {
  auto& st = self->state;
  if (st.claim.write_id.empty() || !st.cfg.store)
    return;
  self->request(st.cfg.store, st.cfg.claim_timeout, durable_atom_v, std::exchange(st.claim, {}))
    .then([](uint64_t) {},
          [self](const caf::error& err) {
            spdlog::warn("{}: claim not stored ({})", label(self), self->system().render(err));
          });
}

/// The exit failed for now (rejected, partial, unknown): retry after the delay, or give up
/// after the attempt limit with `exit_stuck`.
void exit_failed(execution_pointer self, const std::string& why) {
  auto& st = self->state;
  auto& r = row(self);
  store_claim(self); // an attempt that sent nothing (or whose intent was not taken) counts
  st.exit_in_flight = false;
  r.error_message = why;
  if (r.exit_attempts >= st.cfg.max_attempts) {
    r.status = execution_status::exit_stuck;
    spdlog::error("{}: EXIT STUCK after {} attempts ({} units still open): {}", label(self),
                  r.exit_attempts, st.remaining, why);
    persist(self, true);
    if (st.cfg.run)
      self->send(st.cfg.run, exit_stuck{r.execution_id, r.exit_attempts, why});
    return;
  }
  spdlog::warn("{}: exit attempt {} failed ({}); again in {} ms", label(self), r.exit_attempts,
               why, st.cfg.retry_delay.count());
  if (!st.retry_armed) {
    st.retry_armed = true;
    self->delayed_send(self, st.cfg.retry_delay, retry_atom_v);
  }
}

void finish_exit(execution_pointer self, exit_reason reason) {
  auto& st = self->state;
  auto& r = row(self);
  st.exit_in_flight = false;
  st.claim = {}; // the row written below says more
  r.status = execution_status::exited;
  r.reason = reason;
  r.exited_at = st.cfg.time->now();
  r.exit_price = st.exited.average_price;
  r.unrealized_pnl = 0;
  persist(self, true);
  if (st.cfg.feed)
    self->send(st.cfg.feed, caf::unsubscribe_atom_v, r.inst, feed_mode::ltp,
               tick_subscriber_actor{self});
  fill f;
  f.intent_id = st.exit.intent_id;
  f.inst = r.inst;
  f.action = exit_side_of(r);
  f.quantity = st.exited.quantity;
  f.average_price = r.exit_price;
  f.broker_order_ids = r.exit_order_ids;
  f.at = r.exited_at;
  spdlog::info("{}: exited ({}), {} units at {:.2f}, realized {:.2f}", label(self),
               to_string(reason), st.exited.quantity, r.exit_price, r.realized_pnl);
  if (st.cfg.run)
    // Ahead of the P&L messages queued at the run (high priority): the run sends the account's
    // next exits on it; a P&L sent before it and read after it is ignored there.
    self->send<caf::message_priority::high>(st.cfg.run,
                                            execution_exited{r.execution_id, std::move(f), reason});
  tell_pnl(self);
}

/// §10 step 2–3: size the exit against the broker's position, then send it. "Nothing at the
/// broker" closes the position without an order, so it is only believed from a read made
/// for this decision (`confirmed`), never from a snapshot.
void send_exit(execution_pointer self, const std::vector<broker_position>& book,
               bool confirmed = false) {
  auto& st = self->state;
  auto& r = row(self);
  int64_t broker_net = 0, traded_net = 0;
  bool checked = false;
  for (auto& p : book)
    if (p.inst == r.inst && p.order_product == r.order_product) {
      broker_net += p.net_quantity;
      traded_net += p.tradebook_net;
      checked = checked || p.cross_checked;
    }
  bool disputed = checked && traded_net != broker_net;
  auto qty = exit_quantity(r.action, st.remaining,
                           disputed ? cross_checked_net(broker_net, traded_net) : broker_net);
  if (disputed) {
    spdlog::error("{}: the broker's positionbook shows {} and its tradebook nets to {}: this "
                  "exit goes by the smaller ({} of {} units), the rest once they agree",
                  label(self), broker_net, traded_net, qty, st.remaining);
    if (st.cfg.run)
      self->send(st.cfg.run, position_disputed{r.execution_id, broker_net, traded_net, qty});
    if (qty == 0) { // never "nothing at the broker" on books that disagree
      exit_failed(self, "positionbook " + std::to_string(broker_net) + " and tradebook "
                          + std::to_string(traded_net) + " disagree; waiting for them to agree");
      return;
    }
  }
  if (qty == 0 && !confirmed) {
    self->request(st.cfg.account, caf::infinite, positions_atom_v, caf::reset_atom_v)
      .then([self](const std::vector<broker_position>& fresh) { send_exit(self, fresh, true); },
            [self](const caf::error& err) {
              exit_failed(self, "the positionbook could not confirm the position: "
                                  + self->system().render(err));
            });
    return;
  }
  if (qty == 0) {
    spdlog::warn("{}: the broker shows no open position to exit; closed without an order",
                 label(self));
    st.remaining = 0;
    finish_exit(self, exit_reason::broker_reconciled);
    return;
  }
  auto id = exit_intent_id(r, r.exit_attempts, st.reprices);
  st.exit = order_phase{};
  st.exit.intent_id = id;
  auto exit_side = exit_side_of(r);
  auto intent = make_intent(self, id, exit_side, qty, r.exit_attempts);
  intent.claim = st.claim; // kept until the account takes the order: a refusal stores it alone
  bool protect = st.cfg.exit_price_protection_pct > 0 && r.last_price > 0;
  if (protect) {
    intent.kind = price_type::limit;
    intent.price = protected_exit_price(exit_side, r.last_price, st.cfg.exit_price_protection_pct);
    arm_reprice(self);
  }
  self->request(st.cfg.account, caf::infinite, place_atom_v, std::move(intent),
                order_listener_actor{self})
    .then(
      [self](const order_accepted& a) {
        self->state.claim = {}; // on record with the intent
        accepted(self, false, a);
      },
      [self](const caf::error& err) { exit_failed(self, self->system().render(err)); });
}

/// §10 step 1: claim (durable with the order's intent, never blocked), size, send. A re-priced
/// protected exit is the same attempt again.
void begin_exit(execution_pointer self, bool new_attempt) {
  auto& st = self->state;
  auto& r = row(self);
  if (st.exit_in_flight || r.status == execution_status::exited
      || r.status == execution_status::exit_stuck)
    return;
  if (st.cfg.resumed && !st.exit_probed && new_attempt) {
    resume_exit(self, false);
    return;
  }
  st.exit_in_flight = true;
  if (new_attempt)
    ++r.exit_attempts;
  r.status = execution_status::exit_pending;
  r.exit_claimed_at = st.cfg.time->now();
  // The exit is sized against the broker (step 2); its claim (§10 step 1) goes with the exit
  // order's intent, which the account stores, the claim first and in one transaction, before
  // it sends the order: on record before the order, with one commit on the way, not two.
  if (st.cfg.store && r.execution_id != 0)
    st.claim = exit_claim{"claim:" + std::to_string(r.execution_id) + ":"
                            + std::to_string(r.exit_attempts),
                          r.execution_id, r.reason, r.exit_attempts, r.exit_claimed_at, {}};
  self->request(st.cfg.account, caf::infinite, positions_atom_v) // the account times its read out
    .then([self](const std::vector<broker_position>& book) { send_exit(self, book); },
          [self](const caf::error& err) {
            // The positionbook is unavailable: size by the account's snapshot.
            spdlog::warn("{}: positionbook unavailable ({}); using the account's snapshot",
                         label(self), self->system().render(err));
            self->request(self->state.cfg.account, caf::infinite, caf::get_atom_v,
                          positions_atom_v)
              .then([self](const std::vector<broker_position>& book) { send_exit(self, book); },
                    [self](const caf::error& e) { exit_failed(self, self->system().render(e)); });
          });
}

/// Made again (crash-only), the first exit follows the attempt's first order if the account
/// has it: `claimed`, the attempt of the durable claim; else the attempt the actor that died
/// would have made on being told (the run could not know whether it had). When the account
/// does not have it, it never reached the broker: a claimed attempt goes on from its sizing
/// (§10 step 2), an unclaimed one begins as usual.
void resume_exit(execution_pointer self, bool claimed) {
  auto& st = self->state;
  auto& r = row(self);
  st.exit_probed = true;
  st.exit_in_flight = true;
  auto attempt = claimed ? r.exit_attempts : r.exit_attempts + 1;
  st.exit = order_phase{};
  st.exit.intent_id = exit_intent_id(r, attempt, 0);
  auto exit_side = exit_side_of(r);
  auto intent = make_intent(self, st.exit.intent_id, exit_side, r.quantity, attempt);
  intent.resume_only = true;
  self->request(st.cfg.account, caf::infinite, place_atom_v, std::move(intent),
                order_listener_actor{self})
    .then(
      [self, attempt](const order_accepted& a) {
        auto& r = row(self);
        spdlog::info("{}: made again; following exit attempt {} at the account", label(self),
                     attempt);
        r.exit_attempts = attempt;
        r.status = execution_status::exit_pending;
        self->state.following_chain = true;
        arm_reprice(self);
        accepted(self, false, a);
      },
      [self, claimed](const caf::error& err) {
        auto& st = self->state;
        if (!is_error(err, errc::not_found)) {
          exit_failed(self, self->system().render(err));
          return;
        }
        if (!claimed) {
          st.exit_in_flight = false;
          begin_exit(self);
          return;
        }
        self->request(st.cfg.account, caf::infinite, positions_atom_v)
          .then([self](const std::vector<broker_position>& book) { send_exit(self, book); },
                [self](const caf::error& e) { exit_failed(self, self->system().render(e)); });
      });
}

/// A phase may be over (every child terminal, and the account has answered): act on it.
void progress(execution_pointer self, bool is_entry, const std::string& message) {
  auto& st = self->state;
  auto& r = row(self);
  auto& phase = is_entry ? st.entry : st.exit;
  if (!phase.done() || (!is_entry && !st.exit_in_flight)
      || (is_entry && r.status != execution_status::pending))
    return;
  auto total = phase.total();
  if (is_entry) {
    if (total.quantity == 0) {
      r.status = execution_status::failed;
      r.error_message = message.empty() ? "the entry order was not filled" : message;
      persist(self, true);
      if (st.cfg.run)
        self->send(st.cfg.run, execution_failed{r.execution_id, r.error_message});
      return;
    }
    r.status = execution_status::entered;
    r.quantity = total.quantity;
    r.entry_price = total.average_price;
    r.entered_at = st.cfg.time->now();
    st.remaining = total.quantity;
    persist(self, true);
    follow_price(self);
    fill f{st.entry.intent_id, r.inst, r.action, r.quantity, r.entry_price, r.entry_order_ids,
           r.entered_at};
    spdlog::info("{}: entered, {} units at {:.2f}", label(self), r.quantity, r.entry_price);
    if (st.cfg.run)
      // Ahead of the P&L messages queued at the run: it sends the account's SELL legs on it.
      self->send<caf::message_priority::high>(st.cfg.run,
                                              execution_entered{r.execution_id, std::move(f)});
    return;
  }
  // An exit attempt is over: book what filled, exit the rest again.
  if (total.quantity > 0) {
    st.remaining -= total.quantity;
    st.exited = aggregate_fills({st.exited, total});
    r.realized_pnl += position_pnl(r.action, r.entry_price, total.average_price, total.quantity);
    if (st.remaining > 0) {
      r.unrealized_pnl = open_pnl(self);
      tell_pnl(self); // the run's P&L of the rest is of fewer units now
    }
  }
  if (st.remaining <= 0) {
    finish_exit(self, r.reason);
    return;
  }
  if (st.following_chain) {
    follow_next_reprice(self, total.quantity, message);
    return;
  }
  conclude_exit_attempt(self, total.quantity, message);
}

/// Made again, the attempt's intent followed has ended with units left: if the actor that died
/// had re-priced it, the account has the next one (live, or ended too): follow it rather than
/// send anything. When the account has no next one, the attempt is over as usual (`filled`: what
/// the ended intent filled, for the reason it gives).
void follow_next_reprice(execution_pointer self, int64_t filled, const std::string& message) {
  auto& st = self->state;
  auto& r = row(self);
  auto next = exit_intent_id(r, r.exit_attempts, st.reprices + 1);
  auto exit_side = exit_side_of(r);
  auto intent = make_intent(self, next, exit_side, st.remaining, r.exit_attempts);
  intent.resume_only = true;
  self->request(st.cfg.account, caf::infinite, place_atom_v, std::move(intent),
                order_listener_actor{self})
    .then(
      [self, next](const order_accepted& a) {
        auto& st = self->state;
        ++st.reprices;
        st.exit = order_phase{};
        st.exit.intent_id = next;
        spdlog::info("{}: made again; following the re-priced exit {}", label(self), next);
        arm_reprice(self);
        accepted(self, false, a);
      },
      [self, filled, message](const caf::error& err) {
        self->state.following_chain = false;
        if (!is_error(err, errc::not_found)) {
          exit_failed(self, self->system().render(err));
          return;
        }
        conclude_exit_attempt(self, filled, message);
      });
}

/// An exit attempt ended with units left (its fills booked): re-priced, or failed.
void conclude_exit_attempt(execution_pointer self, int64_t filled, const std::string& message) {
  auto& st = self->state;
  auto& r = row(self);
  if (st.repricing) {
    // A protected exit cancelled to follow the price: the same attempt, a new price.
    st.repricing = false;
    st.exit_in_flight = false;
    ++st.reprices;
    begin_exit(self, false);
    return;
  }
  r.unrealized_pnl = open_pnl(self);
  exit_failed(self, filled > 0
                      ? std::to_string(st.remaining) + " units left after a partial fill"
                      : (message.empty() ? "the exit order was not filled" : message));
}

void on_update(execution_pointer self, const order_update& u) {
  auto& st = self->state;
  bool is_entry = u.intent_id == st.entry.intent_id;
  if (!is_entry && u.intent_id != st.exit.intent_id)
    return; // an earlier attempt's late news
  auto& phase = is_entry ? st.entry : st.exit;
  auto& c = phase.children[u.broker_order_id];
  c.fill.quantity = u.filled_quantity;
  if (u.average_price > 0)
    c.fill.average_price = u.average_price;
  c.status = u.status;
  progress(self, is_entry, u.message);
}

execution_impl::behavior_type execution(execution_pointer self, execution_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  auto status = row(self).status;
  bool claimed = st.cfg.resumed && status == execution_status::exit_pending;
  if (status == execution_status::entered || claimed) {
    // Recovered open (or re-made after a restart): follow the price again.
    st.remaining = row(self).quantity;
    st.entry.intent_id = "recovered";
    tell_pnl(self, false); // the run learns the quantity open (its P&L follows the ticks)
    follow_price(self);
  }
  if (claimed)
    resume_exit(self, true);
  return {
    [=](place_atom) {
      auto& st = self->state;
      auto& r = row(self);
      if (r.status != execution_status::pending || !st.entry.intent_id.empty())
        return;
      st.entry.intent_id = "e" + std::to_string(r.execution_id) + "-" + std::to_string(r.run_id);
      auto intent = make_intent(self, st.entry.intent_id, r.action, r.quantity, 0);
      intent.resume_only = st.cfg.resumed; // made again: the entry was sent, or never will be
      intent.kind = st.cfg.leg.order_kind;
      intent.price = st.cfg.leg.limit_price;
      intent.trigger_price = st.cfg.leg.trigger_price;
      self->request(st.cfg.account, caf::infinite, place_atom_v, std::move(intent),
                    order_listener_actor{self})
        .then(
          [self](const order_accepted& a) { accepted(self, true, a); },
          [self](const caf::error& err) {
            auto& r = row(self);
            r.status = execution_status::failed;
            r.error_message = self->system().render(err);
            spdlog::warn("{}: entry refused: {}", label(self), r.error_message);
            persist(self, true);
            if (self->state.cfg.run)
              self->send(self->state.cfg.run, execution_failed{r.execution_id, r.error_message});
          });
    },
    [=](cancel_atom) {
      auto& st = self->state;
      if (row(self).status != execution_status::pending || st.entry.intent_id.empty()
          || st.entry.done())
        return;
      spdlog::info("{}: cancelling the entry order", label(self));
      self->request(st.cfg.account, caf::infinite, cancel_atom_v, st.entry.intent_id)
        .then([](caf::ok_atom) {},
              [self](const caf::error& err) {
                // Filled meanwhile, or refused: the order's news decides.
                spdlog::warn("{}: entry cancel refused: {}", label(self),
                             self->system().render(err));
              });
    },
    [=](const exit_request& req) {
      auto& r = row(self);
      if (r.status == execution_status::pending && self->state.entry.intent_id.empty()) {
        // Never sent: the leg is skipped (its hedge failed, or the run exits first).
        r.status = execution_status::skipped;
        r.error_message = req.details;
        persist(self, true);
        if (self->state.cfg.run)
          self->send(self->state.cfg.run, execution_failed{r.execution_id, req.details});
        return;
      }
      if (r.status != execution_status::entered && r.status != execution_status::exit_pending)
        return; // nothing open (an entry still going is the run's to cancel)
      if (self->state.exit_in_flight)
        return; // one exit at a time
      if (r.reason == exit_reason::none || r.status == execution_status::entered)
        r.reason = req.reason;
      begin_exit(self);
    },
    [=](const order_update& u) { on_update(self, u); },
    [=](const tick& t) {
      auto& st = self->state;
      auto& r = row(self);
      if (!valid_price(t.ltp) || t.inst != r.inst)
        return;
      r.last_price = t.ltp;
      st.price_at = t.received_at;
      if (r.status != execution_status::entered && r.status != execution_status::exit_pending)
        return;
      r.unrealized_pnl = position_pnl(r.action, r.entry_price, t.ltp, st.remaining);
      if (r.status == execution_status::entered)
        r.peak_pnl = std::max(r.peak_pnl, r.realized_pnl + r.unrealized_pnl);
      // The run follows the price itself: it is told what only the execution knows (fills).
      // P&L rows are routine: at most one a second leaves the tick path (the store would only
      // coalesce the rest away).
      auto now = self->clock().now();
      if (now - st.persisted_at >= st.cfg.pnl_write_interval) {
        st.persisted_at = now;
        persist(self, false);
      }
      if (r.status != execution_status::entered)
        return;
      auto hit = evaluate_leg_risk(r.action, r.entry_price, t.ltp, st.cfg.leg.stop_loss,
                                   st.cfg.leg.take_profit);
      if (hit && !st.leg_exit_told) {
        spdlog::info("{}: {} at {:.2f} ({})", label(self), to_string(hit->rule), t.ltp,
                     hit->reason);
        auto hit_at = st.cfg.time->now();
        if (hit->rule == exit_reason::stop_loss && r.sl_hit_at == utc_instant{}) {
          r.sl_hit_at = hit_at;
          r.sl_hit_price = t.ltp;
        } else if (hit->rule == exit_reason::take_profit && r.tp_hit_at == utc_instant{}) {
          r.tp_hit_at = hit_at;
          r.tp_hit_price = t.ltp;
        }
        persist(self, false);
        if (st.cfg.defer_leg_exits && st.cfg.run) {
          st.leg_exit_told = true; // once: the run owns the sequence now
          self->send(st.cfg.run, leg_exit_due{r.execution_id, hit->rule, t.ltp, hit->reason});
          return;
        }
        r.reason = hit->rule;
        begin_exit(self);
      }
    },
    [=](const price_stale&) {},
    [=](const feed_state&) {},
    [=](caf::get_atom) { return row(self); },
    [=](retry_atom) {
      self->state.retry_armed = false;
      begin_exit(self);
    },
    [=](poll_atom, uint64_t generation) {
      auto& st = self->state;
      if (generation != st.reprices || !st.exit_in_flight || st.repricing || st.exit.done())
        return;
      st.repricing = true;
      spdlog::info("{}: LIMIT exit not filled in {} ms; cancelling to re-price", label(self),
                   st.cfg.reprice_interval.count());
      self->request(st.cfg.account, caf::infinite, cancel_atom_v, st.exit.intent_id)
        .then([](caf::ok_atom) {},
              [self](const caf::error& err) {
                // Not cancelled (filled meanwhile, or refused): its news decides.
                spdlog::warn("{}: re-price cancel refused: {}", label(self),
                             self->system().render(err));
                self->state.repricing = false;
              });
    },
  };
}

} // namespace

execution_actor spawn_execution(caf::actor_system& sys, execution_config cfg) {
  return sys.spawn(execution, std::move(cfg));
}

} // namespace algomirror
