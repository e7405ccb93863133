// The account's orders (actors/account.hpp): intents placed under the rate limit, one symbol's
// orders one after another, children followed to the end by the order link and status polls,
// unknown outcomes settled from the orderbook before anything is sent again.

#include <spdlog/spdlog.h>

#include "actors/internal/account_state.hpp"
#include "actors/internal/store_writes.hpp"
#include "messages/type_ids.hpp"

namespace algomirror::account_internal {

namespace {

errc errc_of(const caf::error& err) { // ours, else "we do not know"
  if (err.category() == error_category)
    return static_cast<errc>(err.code());
  return errc::outcome_unknown; // request timeout, gateway down: we do not know
}

} // namespace

// -- placement ------------------------------------------------------------------------------

/// Is a placement still waiting for its answer?
bool placing(const account_state& st) {
  for (auto& [id, e] : st.intents)
    if (!e.answered)
      return true;
  return false;
}

void check_settled(account_pointer self, intent_entry& entry);

/// The answer of a settled intent: accepted with the ids the broker gave, or the first error
/// when none was accepted.
caf::expected<order_accepted> settled_answer(const intent_entry& entry) {
  std::vector<std::string> ids;
  for (auto& c : entry.children)
    if (!c.broker_order_id.empty())
      ids.push_back(c.broker_order_id);
  if (ids.empty())
    return entry.first_error ? entry.first_error : make_error(errc::rejected, "no child accepted");
  return order_accepted{entry.intent.intent_id, std::move(ids)};
}

/// Every child past its request: answer the placement (accepted with the ids the broker gave,
/// or the first error when none was accepted).
void check_settled(account_pointer self, intent_entry& entry) {
  if (entry.answered)
    return;
  for (auto& c : entry.children)
    if (c.phase == child_phase::queued || c.phase == child_phase::sending
        || c.phase == child_phase::unknown)
      return;
  entry.answered = true;
  auto answer = settled_answer(entry);
  size_t placed = answer ? answer->broker_order_ids.size() : 0;
  order_intent_outcome outcome{entry.intent.intent_id,
                               placed == 0                        ? "rejected"
                               : placed == entry.children.size() ? "sent"
                                                                  : "partial",
                               answer ? answer->broker_order_ids : std::vector<std::string>{}};
  store_routine(self->state.cfg.store, std::move(outcome));
  if (answer)
    entry.promise.deliver(std::move(*answer));
  else
    entry.promise.deliver(answer.error());
  auto& st = self->state;
  if (!st.accepting && !st.shutdown_waiters.empty() && !placing(st)) {
    for (auto& rp : st.shutdown_waiters)
      rp.deliver(caf::ok_atom_v);
    st.shutdown_waiters.clear();
  }
}

void tell_listener(account_pointer self, intent_entry& entry, const child_order& c,
                   const std::string& message) {
  if (!entry.listener)
    return;
  order_update u;
  u.intent_id = entry.intent.intent_id;
  u.broker_order_id = c.broker_order_id;
  u.status = c.status;
  u.filled_quantity = c.filled;
  u.average_price = c.average_price;
  u.message = message;
  u.at = utc_now(self);
  self->send(entry.listener, std::move(u));
}

/// Applies a broker report about a child: its fill moves the position snapshot by the new
/// quantity only, and the owner hears of every change.
void apply_update(account_pointer self, intent_entry& entry, child_order& c,
                  const order_update& u) {
  c.last_heard = self->clock().now();
  if (c.phase == child_phase::done && is_terminal(c.status))
    return; // nothing changes a terminal order
  auto filled = u.filled_quantity;
  if (u.status == order_status::complete && filled == 0)
    filled = c.quantity; // a complete order without a quantity filled in full
  filled = std::min(filled, c.quantity);
  bool changed = u.status != c.status || filled != c.filled;
  bool moved = filled > c.filled;
  if (moved) {
    auto delta = filled - c.filled;
    auto net = entry.intent.action == side::buy ? delta : -delta;
    auto key = position_key(entry.intent.inst, entry.intent.order_product);
    auto& pos = self->state.positions[key];
    pos.inst = entry.intent.inst;
    pos.order_product = entry.intent.order_product;
    pos.net_quantity += net;
    if (pos.cross_checked) // the tradebook has this trade too
      pos.tradebook_net += net;
    if (self->state.trades_known && entry.intent.order_product == product::mis) {
      auto& t = self->state.traded[key]; // our tradebook nets move with our fills
      t.inst = entry.intent.inst;
      t.order_product = product::mis;
      t.tradebook_net += net;
    }
    ++self->state.fill_seq;
    c.filled = filled;
  }
  if (u.average_price > 0)
    c.average_price = u.average_price;
  if (u.status != order_status::unknown)
    c.status = u.status;
  if (c.status == order_status::complete && c.executed_at == utc_instant{})
    c.executed_at = u.at != utc_instant{} ? u.at : utc_now(self);
  if (is_terminal(c.status))
    c.phase = child_phase::done;
  if (changed) {
    tell_listener(self, entry, c, u.message);
    record_order(self, entry, c);
  }
  if (moved)
    record_positions(self); // the snapshot moved
}


/// The owner of an intent was made again (crash-only): it follows the intent from now on. It
/// hears the state of every child already placed, and the answer (at once when the account
/// has given it, else when the intent settles).
caf::result<order_accepted> reattach(account_pointer self, intent_entry& entry,
                                     order_listener_actor listener) {
  spdlog::info("account {}: intent {} followed by its owner made again", account_name(self),
               entry.intent.intent_id);
  entry.listener = std::move(listener);
  for (auto& c : entry.children)
    if (!c.broker_order_id.empty())
      tell_listener(self, entry, c, "");
  if (!entry.answered) {
    auto rp = self->make_response_promise<order_accepted>();
    entry.promise = rp;
    return rp;
  }
  auto answer = settled_answer(entry);
  if (!answer)
    return answer.error();
  return std::move(*answer);
}

void adopt(account_pointer self, intent_entry& entry, size_t index, const std::string& id) {
  auto& c = entry.children[index];
  c.broker_order_id = id;
  c.phase = child_phase::open;
  c.status = order_status::open;
  c.last_heard = self->clock().now();
  c.placed_at = utc_now(self);
  self->state.by_broker_id[id] = {entry.intent.intent_id, index};
  record_order(self, entry, c);
  arm_poll(self); // an order link that stays silent (stalled) must not leave it unfollowed
  auto early = self->state.early_updates.find(id);
  if (early != self->state.early_updates.end()) {
    auto u = std::move(early->second);
    self->state.early_updates.erase(early);
    apply_update(self, entry, c, u);
  }
}

void refuse_child(account_pointer self, intent_entry& entry, size_t index,
                  const caf::error& err) {
  auto& c = entry.children[index];
  c.phase = child_phase::done;
  c.status = order_status::rejected;
  if (!entry.first_error)
    entry.first_error = err;
  tell_listener(self, entry, c, self->system().render(err));
}

/// A placement of `inst` was answered: the symbol's next order may go.
void placement_answered(account_pointer self, const instrument& inst) {
  if (self->state.placing.erase(inst) > 0)
    pump(self);
}

void send_child(account_pointer self, const child_key& key) {
  auto& st = self->state;
  auto it = st.intents.find(key.first);
  if (it == st.intents.end())
    return;
  auto& c = it->second.children[key.second];
  c.phase = child_phase::sending;
  auto child_intent = it->second.intent;
  child_intent.quantity = c.quantity;
  auto inst = child_intent.inst;
  if (st.cfg.sequence_symbol_orders)
    st.placing.insert(inst);
  self->request(st.cfg.api, st.cfg.request_timeout, place_atom_v, std::move(child_intent))
    .then(
      [self, key, inst](const order_accepted& accepted) {
        placement_answered(self, inst);
        auto it = self->state.intents.find(key.first);
        if (it == self->state.intents.end())
          return;
        if (accepted.broker_order_ids.empty()) {
          refuse_child(self, it->second, key.second,
                       make_error(errc::malformed_reply, "the broker gave no order id"));
        } else {
          adopt(self, it->second, key.second, accepted.broker_order_ids.front());
          spdlog::info("account {}: order {} placed for intent {} ({} units)",
                       account_name(self), accepted.broker_order_ids.front(), key.first,
                       it->second.children[key.second].quantity);
        }
        check_settled(self, it->second);
      },
      [self, key, inst](const caf::error& err) {
        auto& st = self->state;
        st.placing.erase(inst); // pumped below, or by the paths that follow
        auto it = st.intents.find(key.first);
        if (it == st.intents.end()) {
          pump(self);
          return;
        }
        auto& c = it->second.children[key.second];
        switch (errc_of(err)) {
          case errc::rate_limited:
            // The broker's window is fuller than ours (another client): wait a whole window.
            spdlog::warn("account {}: rate limited by the broker; intent {} waits",
                         account_name(self), key.first);
            st.limiter->penalise(self->clock().now());
            c.phase = child_phase::queued;
            st.send_queue.push_front(key);
            pump(self);
            return;
          case errc::outcome_unknown:
          case errc::malformed_reply:
            spdlog::warn("account {}: outcome of intent {} unknown ({}); asking the orderbook "
                         "before anything is sent again",
                         account_name(self), key.first, self->system().render(err));
            c.phase = child_phase::unknown;
            self->delayed_send(self, st.cfg.unknown_settle_delay, settle_atom_v,
                               key.first + "#" + std::to_string(key.second));
            pump(self);
            return;
          default:
            spdlog::warn("account {}: intent {} refused: {}", account_name(self), key.first,
                         self->system().render(err));
            refuse_child(self, it->second, key.second, err);
            check_settled(self, it->second);
            pump(self);
            return;
        }
      });
}

/// Sends what the rate limit allows, in queue order, skipping (for now) the orders of a symbol
/// whose previous placement is not answered yet.
void pump(account_pointer self) {
  auto& st = self->state;
  if (!st.halted.empty()) {
    // operating.md §1: nothing queued goes out while the node cannot hold its lease.
    auto queued = std::move(st.send_queue);
    st.send_queue.clear();
    for (auto& key : queued)
      if (auto it = st.intents.find(key.first); it != st.intents.end()) {
        refuse_child(self, it->second, key.second,
                     make_error(errc::unavailable, "not sent: " + st.halted));
        check_settled(self, it->second);
      }
    return;
  }
  auto next = st.send_queue.begin();
  while (next != st.send_queue.end()) {
    auto entry = st.intents.find(next->first);
    if (entry == st.intents.end()) {
      next = st.send_queue.erase(next);
      continue;
    }
    if (st.placing.count(entry->second.intent.inst) != 0) {
      ++next; // its symbol's previous order is still being answered
      continue;
    }
    auto now = self->clock().now();
    if (!st.limiter->try_acquire(now)) {
      if (!st.pump_armed) {
        st.pump_armed = true;
        self->delayed_send(self, st.limiter->next_slot(now) - now, pump_atom_v);
      }
      return;
    }
    auto key = *next;
    next = st.send_queue.erase(next);
    send_child(self, key);
    next = st.send_queue.begin(); // send_child may not touch the queue, but start over safely
  }
}

/// An unknown outcome: the orderbook says whether the child exists. Found: adopted. Not
/// found: it was never placed, and only now may it be sent again.
void settle_unknown(account_pointer self, const std::string& which) {
  auto hash = which.rfind('#');
  if (hash == std::string::npos)
    return;
  child_key key{which.substr(0, hash), std::stoul(which.substr(hash + 1))};
  auto& st = self->state;
  auto it = st.intents.find(key.first);
  if (it == st.intents.end() || it->second.children.size() <= key.second
      || it->second.children[key.second].phase != child_phase::unknown)
    return;
  self->request(st.cfg.api, st.cfg.request_timeout, orders_atom_v)
    .then(
      [self, key, which](const std::vector<broker_order>& book) {
        auto& st = self->state;
        auto it = st.intents.find(key.first);
        if (it == st.intents.end())
          return;
        auto& entry = it->second;
        auto& c = entry.children[key.second];
        if (c.phase != child_phase::unknown)
          return;
        const broker_order* found = nullptr;
        for (auto& o : book) {
          if (st.by_broker_id.count(o.broker_order_id) != 0)
            continue; // already someone's
          bool tag_ok = o.strategy_tag.empty() || o.strategy_tag == entry.intent.tag;
          if (tag_ok && o.inst.symbol == entry.intent.inst.symbol
              && o.action == entry.intent.action && o.quantity == c.quantity) {
            found = &o;
            break;
          }
        }
        if (found != nullptr) {
          spdlog::info("account {}: intent {}: the broker has order {}; adopted, not re-sent",
                       account_name(self), key.first, found->broker_order_id);
          adopt(self, entry, key.second, found->broker_order_id);
          order_update u{entry.intent.intent_id, found->broker_order_id, found->status,
                         found->filled_quantity, found->average_price, found->rejection_reason,
                         utc_now(self)};
          apply_update(self, entry, c, u);
        } else if (c.resends < st.cfg.max_resends) {
          ++c.resends;
          spdlog::info("account {}: intent {}: not in the orderbook; sent again ({} of {})",
                       account_name(self), key.first, c.resends, st.cfg.max_resends);
          c.phase = child_phase::queued;
          st.send_queue.push_front(key);
          pump(self);
          return;
        } else {
          refuse_child(self, entry, key.second,
                       make_error(errc::outcome_unknown,
                                  "account " + account_name(self) + ": intent " + key.first
                                    + " could not be placed after "
                                    + std::to_string(c.resends + 1) + " attempts"));
        }
        check_settled(self, entry);
      },
      [self, which](const caf::error& err) {
        spdlog::warn("account {}: orderbook unavailable ({}); asking again",
                     account_name(self), self->system().render(err));
        self->delayed_send(self, self->state.cfg.unknown_settle_delay, settle_atom_v, which);
      });
}

// -- tracking -------------------------------------------------------------------------------

void arm_poll(account_pointer self) {
  auto& st = self->state;
  if (st.poll_armed)
    return;
  st.poll_armed = true;
  self->delayed_send(self, st.cfg.status_poll_interval, poll_atom_v);
}

/// One status call, fair across the account's open orders (round robin); with the order link
/// ready, only orders it has been silent about are polled.
void poll_once(account_pointer self) {
  auto& st = self->state;
  st.poll_armed = false;
  std::vector<child_key> open;
  bool any_open = false;
  auto now = self->clock().now();
  for (auto& [id, e] : st.intents)
    for (size_t i = 0; i < e.children.size(); ++i) {
      auto& c = e.children[i];
      if (c.phase != child_phase::open)
        continue;
      any_open = true;
      if (!st.link_ready || c.last_heard < st.link_ready_since
          || now - c.last_heard >= st.cfg.link_quiet_before_poll)
        open.emplace_back(id, i);
    }
  if (any_open)
    arm_poll(self);
  if (open.empty())
    return;
  auto key = open[st.poll_cursor++ % open.size()];
  auto broker_id = st.intents[key.first].children[key.second].broker_order_id;
  self->request(st.cfg.api, st.cfg.request_timeout, status_atom_v, broker_id)
    .then(
      [self, key](const order_update& u) {
        auto it = self->state.intents.find(key.first);
        if (it != self->state.intents.end())
          apply_update(self, it->second, it->second.children[key.second], u);
      },
      [self, broker_id](const caf::error& err) {
        spdlog::debug("account {}: status of {} unavailable: {}", account_name(self), broker_id,
                      self->system().render(err));
      });
}

void on_order_update(account_pointer self, const order_update& u) {
  auto& st = self->state;
  auto i = st.by_broker_id.find(u.broker_order_id);
  if (i != st.by_broker_id.end()) {
    auto it = st.intents.find(i->second.first);
    if (it != st.intents.end())
      apply_update(self, it->second, it->second.children[i->second.second], u);
    return;
  }
  if (placing(st) && st.early_updates.size() < 10'000) {
    st.early_updates[u.broker_order_id] = u; // ours, probably: its reply is still coming
    return;
  }
  ++st.external_updates;
  record_foreign_orders(self);
  // The snapshot does not know this order's fills. (Our tradebook nets do not either: when
  // they matter, the books disagree on them at the next read and the tradebook is read.)
  st.positions_read_at = steady_time{};
  spdlog::info("account {}: order {} is not ours (external); positions will be re-read",
               account_name(self), u.broker_order_id);
}

} // namespace algomirror::account_internal
