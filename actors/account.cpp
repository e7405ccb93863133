#include "actors/account.hpp"
#include "actors/internal/account_state.hpp"

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/internal/json_writer.hpp"
#include "actors/internal/store_writes.hpp"
#include "domain/freeze.hpp"
#include "domain/rate_limit.hpp"
#include "domain/sizing.hpp"

namespace algomirror {

namespace account_internal {


utc_instant utc_now(account_pointer self) {
  return self->state.cfg.time->now();
}


errc errc_of(const caf::error& err) { // ours, else "we do not know"
  if (err.category() == error_category)
    return static_cast<errc>(err.code());
  return errc::outcome_unknown; // request timeout, gateway down: we do not know
}

void record_activity(account_pointer self, const std::string& action, std::string details) {
  auto& st = self->state;
  if (!st.cfg.store)
    return;
  auto now = utc_now(self);
  activity_entry e{"account:" + std::to_string(st.cfg.record.id) + ":" + action + ":"
                     + format_utc(now) + ":" + std::to_string(++st.activity_seq),
                   st.cfg.record.user_id, action, std::move(details), "node", now};
  store_routine(st.cfg.store, std::move(e));
}

void set_health(account_pointer self, connection_health h, const std::string& why) {
  auto& st = self->state;
  if (st.status.health == h)
    return;
  st.status.health = h;
  st.status.changed_at = utc_now(self);
  if (h == connection_health::connected)
    spdlog::info("account {}: connected ({})", account_name(self), why);
  else
    spdlog::warn("account {}: {} ({})", account_name(self), to_string(h), why);
  // On its way to the store before anyone hears of it: whoever reacts to the news by reading
  // the database (after a flush) finds it there.
  store_routine(st.cfg.store, st.status);
  json_object details;
  details.add("account", st.cfg.record.name)
    .add("status", to_string(h))
    .add("ping_failures", int64_t{st.status.consecutive_ping_failures})
    .add("reason", why);
  record_activity(self, "account_" + to_string(h), details.str());
  if (st.cfg.status_listener)
    self->send(st.cfg.status_listener, st.status);
}

// -- placement ------------------------------------------------------------------------------

/// Is a placement still waiting for its answer?
bool placing(const account_state& st) {
  for (auto& [id, e] : st.intents)
    if (!e.answered)
      return true;
  return false;
}

void pump(account_pointer self);
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

void arm_poll(account_pointer self);

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

// -- health ---------------------------------------------------------------------------------

/// OpenAlgo's analyzer mode (operating.md §2: a sandbox account is never taken for a live
/// one): read after every answered ping; a change is logged and published like the health.
void read_mode(account_pointer self) {
  auto& st = self->state;
  self->request(st.cfg.api, st.cfg.request_timeout, analyzer_atom_v)
    .then(
      [self](const std::string& mode) {
        auto& st = self->state;
        if (mode == st.status.mode)
          return;
        auto was = st.status.mode;
        st.status.mode = mode;
        if (mode == "analyze")
          spdlog::warn("account {}: OpenAlgo is in analyze (sandbox) mode: its orders are "
                       "simulated",
                       account_name(self));
        else
          spdlog::info("account {}: OpenAlgo is in {} mode{}", account_name(self), mode,
                       was.empty() ? "" : " (was " + was + ")");
        if (st.cfg.status_listener)
          self->send(st.cfg.status_listener, st.status);
      },
      [self](const caf::error& err) {
        spdlog::debug("account {}: analyzer mode not read: {}", account_name(self),
                      self->system().render(err));
      });
}

void ping(account_pointer self) {
  auto& st = self->state;
  self->request(st.cfg.api, st.cfg.request_timeout, caf::ping_atom_v)
    .then(
      [self](const std::string& broker) {
        auto& st = self->state;
        st.status.consecutive_ping_failures = 0;
        if (!broker.empty())
          st.status.broker = broker;
        set_health(self, connection_health::connected, "ping answered by " + broker);
        read_mode(self);
      },
      [self](const caf::error& err) {
        auto& st = self->state;
        ++st.status.consecutive_ping_failures;
        spdlog::warn("account {}: ping failed ({} in a row): {}", account_name(self),
                     st.status.consecutive_ping_failures, self->system().render(err));
        if (st.status.consecutive_ping_failures >= st.cfg.ping_failures_to_disconnect)
          set_health(self, connection_health::disconnected,
                     std::to_string(st.status.consecutive_ping_failures)
                       + " pings failed; last: " + self->system().render(err));
      });
}

account_impl::behavior_type account(account_pointer self, account_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.limiter.emplace(st.cfg.orders_per_window, st.cfg.order_window);
  st.status.account_id = st.cfg.record.id;
  st.status.name = st.cfg.record.name;
  st.status.broker = st.cfg.record.broker;
  st.status.health = st.cfg.record.health;
  st.status.changed_at = utc_now(self);
  if (st.cfg.order_link) {
    st.order_link = st.cfg.order_link(st.cfg.record, link_owner{tick_subscriber_actor{}, self, self});
    if (st.order_link) {
      self->send(st.order_link, caf::subscribe_atom_v, orders_atom_v);
      self->link_to(st.order_link); // the link dies with the account, and the account with it
    }
  }
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    if (msg.source == self->state.order_link.address()) {
      spdlog::warn("account {}: its order-update link stopped ({}); status polling only",
                   account_name(self), self->system().render(msg.reason));
      self->state.order_link = nullptr;
      self->state.link_ready = false;
      return;
    }
    flush_positions(self);
    self->quit(msg.reason);
  });
  ping(self);
  self->delayed_send(self, st.cfg.ping_interval, health_atom_v);
  refresh_positions(self, std::nullopt);
  if (st.cfg.snapshot_keep_fresh.count() > 0) {
    // The accounts of a node start together: their first looks are spread between `keep`
    // and the snapshot's age limit (still under it), not all at once.
    auto keep = st.cfg.snapshot_keep_fresh;
    auto room = st.cfg.snapshot_max_age > keep ? st.cfg.snapshot_max_age - keep
                                               : std::chrono::milliseconds{0};
    auto offset = room * (st.cfg.record.id % 8) / 8;
    self->delayed_send(self, keep + offset, positions_atom_v, caf::tick_atom_v);
  }
  record_foreign_orders(self); // what the broker has from before: external, or ours earlier
  record_holdings(self);
  return {
    [=](place_atom, order_intent& intent,
        order_listener_actor& listener) -> caf::result<order_accepted> {
      auto& st = self->state;
      // Following an intent already placed sends nothing: never refused while halted.
      if (auto known = st.intents.find(intent.intent_id); known != st.intents.end()) {
        if (intent.resume_only && known->second.intent.inst == intent.inst
            && known->second.intent.action == intent.action)
          return reattach(self, known->second, std::move(listener));
        return make_error(errc::invalid_input, "order_intent.intent_id: " + intent.intent_id
                                                 + " was already placed on this account");
      }
      if (intent.resume_only)
        return make_error(errc::not_found, "order_intent.intent_id: " + intent.intent_id
                                             + " is not known to account " + account_name(self)
                                             + "; nothing was sent");
      if (!st.accepting)
        return make_error(errc::unavailable,
                          "account " + account_name(self) + " is shutting down; intent "
                            + intent.intent_id + " not sent");
      if (!st.halted.empty())
        return make_error(errc::unavailable, "account " + account_name(self) + ": no order goes "
                                               "out (" + st.halted + "); intent "
                                               + intent.intent_id + " not sent");
      if (intent.intent_id.empty())
        return make_error(errc::invalid_input, "order_intent.intent_id: missing");
      auto children = order_children(st.cfg.instruments, intent.inst, intent.quantity);
      if (!children)
        return make_error(errc::invalid_input, "order_intent." + children.error());
      auto rp = self->make_response_promise<order_accepted>();
      auto id = intent.intent_id;
      intent_entry entry;
      entry.intent = std::move(intent);
      entry.listener = std::move(listener);
      entry.promise = rp;
      for (auto q : *children) {
        child_order c;
        c.quantity = q;
        entry.children.push_back(std::move(c));
      }
      auto n = entry.children.size();
      if (entry.intent.account_id == 0)
        entry.intent.account_id = st.cfg.record.id;
      if (entry.intent.created_at == utc_instant{})
        entry.intent.created_at = utc_now(self);
      auto row = entry.intent;
      st.intents.emplace(id, std::move(entry));
      auto send = [self, id, n] {
        auto& st = self->state;
        if (st.intents.count(id) == 0)
          return;
        for (size_t i = 0; i < n; ++i)
          st.send_queue.emplace_back(id, i);
        pump(self);
        arm_poll(self);
      };
      if (!st.cfg.store) {
        send();
        return rp;
      }
      // The intent is on record before its first request goes out (architecture.md): after a
      // crash, recovery knows what may have reached the broker. An exit is never held back by
      // the database: a failed write is logged and the order goes anyway.
      self->request(st.cfg.store, caf::infinite, durable_atom_v, std::move(row))
        .then([send](uint64_t) mutable { send(); },
              [self, send, id](const caf::error& err) mutable {
                spdlog::warn("account {}: intent {} not on record before sending: {}",
                             account_name(self), id, self->system().render(err));
                send();
              });
      return rp;
    },
    [=](cancel_atom, const std::string& intent_id) -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      auto it = st.intents.find(intent_id);
      if (it == st.intents.end())
        return make_error(errc::not_found, "intent " + intent_id + " is not known to account "
                                             + account_name(self));
      auto rp = self->make_response_promise<caf::ok_atom>();
      auto remaining = std::make_shared<size_t>(0);
      for (auto& c : it->second.children)
        if (c.phase == child_phase::open && !c.broker_order_id.empty())
          ++*remaining;
      if (*remaining == 0) {
        rp.deliver(caf::ok_atom_v);
        return rp;
      }
      for (auto& c : it->second.children) {
        if (c.phase != child_phase::open || c.broker_order_id.empty())
          continue;
        self->request(st.cfg.api, st.cfg.request_timeout, cancel_atom_v, c.broker_order_id)
          .then(
            [rp, remaining](caf::ok_atom) mutable {
              if (--*remaining == 0)
                rp.deliver(caf::ok_atom_v);
            },
            [rp, remaining](const caf::error& err) mutable {
              *remaining = 0;
              rp.deliver(err);
            });
      }
      return rp;
    },
    [=](funds_atom) -> caf::result<funds> {
      auto rp = self->make_response_promise<funds>();
      self->request(self->state.cfg.api, self->state.cfg.request_timeout, funds_atom_v)
        .then(
          [self, rp](const funds& f) mutable {
            self->state.ledger.rebase(f.available_cash);
            record_margins(self);
            rp.deliver(f);
          },
          [rp](const caf::error& err) mutable { rp.deliver(err); });
      return rp;
    },
    [=](positions_atom) -> caf::result<std::vector<broker_position>> {
      auto rp = self->make_response_promise<std::vector<broker_position>>();
      refresh_positions(self, rp);
      return rp;
    },
    [=](positions_atom, caf::reset_atom) -> caf::result<std::vector<broker_position>> {
      // Before anything is decided on "the broker holds nothing": a read now, whatever the
      // snapshot's age.
      auto rp = self->make_response_promise<std::vector<broker_position>>();
      self->state.positions_read_at = steady_time{};
      refresh_positions(self, rp);
      return rp;
    },
    [=](caf::get_atom, positions_atom) { return snapshot(self); },
    [=](orders_atom) {
      return self->delegate(self->state.cfg.api, orders_atom_v);
    },
    [=](trades_atom) {
      return self->delegate(self->state.cfg.api, trades_atom_v);
    },
    [=](holdings_atom) {
      return self->delegate(self->state.cfg.api, holdings_atom_v);
    },
    [=](caf::put_atom, const account_record& rec) {
      // The node's record of the account changed (primary, active); its key and URLs are the
      // ones the gateway was made with.
      auto& st = self->state;
      st.cfg.record.is_primary = rec.is_primary;
      st.cfg.record.priority = rec.priority;
      st.cfg.record.is_active = rec.is_active;
    },
    [=](lease_atom, bool held, const std::string& problem) {
      self->state.halted = held ? std::string{} : "the node lost its database lease: " + problem;
      pump(self);
    },
    [=](caf::put_atom, const std::string& key, double amount) {
      auto reserved = self->state.ledger.reserve(key, amount);
      if (reserved)
        record_margins(self);
      return reserved;
    },
    [=](caf::delete_atom, const std::string& key) {
      self->state.ledger.release(key);
      record_margins(self);
    },
    [=](restore_atom, const std::string& key, double amount) {
      self->state.ledger.restore(key, amount);
      record_margins(self);
    },
    [=](caf::get_atom, status_atom) { return self->state.status; },
    [=](shutdown_atom) -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      st.accepting = false;
      flush_positions(self);
      if (!placing(st))
        return caf::ok_atom_v;
      auto rp = self->make_response_promise<caf::ok_atom>();
      st.shutdown_waiters.push_back(rp);
      return rp;
    },
    [=](const order_update& u) { on_order_update(self, u); },
    [=](const link_status& s) {
      auto& st = self->state;
      bool ready = s.condition == link_condition::ready;
      if (ready && !st.link_ready)
        st.link_ready_since = self->clock().now();
      st.link_ready = ready;
      arm_poll(self);
    },
    [=](pump_atom) {
      self->state.pump_armed = false;
      pump(self);
    },
    [=](poll_atom) { poll_once(self); },
    [=](health_atom) {
      ping(self);
      self->delayed_send(self, self->state.cfg.ping_interval, health_atom_v);
    },
    [=](settle_atom, const std::string& which) { settle_unknown(self, which); },
    [=](const tick& t) { mark_to_tick(self, t); },
    [=](const price_stale&) {}, // the row keeps the last price it had
    [=](const feed_state&) {},
    [=](caf::put_atom, const price_feed_actor& feed) {
      auto& st = self->state;
      st.feed = feed;
      st.priced.clear(); // a feed made again knows none of the old subscriptions
      follow_prices(self);
    },
    [=](write_atom, positions_atom) {
      self->state.book_write_armed = false;
      record_positions(self);
    },
    [=](positions_atom, caf::tick_atom) { keep_positions_fresh(self); },
  };
}

} // namespace account_internal

account_actor spawn_account(caf::actor_system& sys, account_config cfg) {
  return sys.spawn(account_internal::account, std::move(cfg));
}

} // namespace algomirror
