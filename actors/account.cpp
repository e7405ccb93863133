#include "actors/account.hpp"
#include "actors/internal/account_state.hpp"

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
