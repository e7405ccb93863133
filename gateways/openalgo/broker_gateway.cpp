#include "gateways/openalgo/broker_gateway.hpp"

#include <stdexcept>
#include <functional>
#include <map>
#include <memory>

#include <spdlog/spdlog.h>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "gateways/openalgo/requests.hpp"

namespace algomirror::openalgo {

namespace {

/// The gateway's own interface: the public one plus the io thread's completions.
using gateway_actor = broker_api_actor::extend<
  caf::reacts_to<settle_atom, uint64_t, int32_t, std::string, std::string>>;

struct gateway_state {
  broker_gateway_config cfg;
  std::unique_ptr<rest_client> client;
  uint64_t next_id = 0;
  /// Per request in flight: what to do with its HTTP result.
  std::map<uint64_t, std::function<void(const http_result&)>> pending;
  static inline const char* name = "broker_gateway";

  ~gateway_state() {
    if (client)
      client->close();
  }
};

using gateway_pointer = gateway_actor::stateful_pointer<gateway_state>;

errc errc_of(outcome kind) {
  switch (kind) {
    case outcome::ok:
    case outcome::no_action:
      return errc::none;
    case outcome::rejected:
    case outcome::queued_for_approval:
      return errc::rejected;
    case outcome::not_found:
      return errc::not_found;
    case outcome::rate_limited:
      return errc::rate_limited;
    case outcome::unauthorized:
      return errc::unauthorized;
    case outcome::outcome_unknown:
      return errc::outcome_unknown;
    case outcome::malformed:
      return errc::malformed_reply;
  }
  return errc::malformed_reply;
}

/// Posts `body` to `endpoint`; the decoded reply (or its error) is delivered to the promise.
template <class T, class Decode>
caf::typed_response_promise<T> call(gateway_pointer self, const char* endpoint,
                                    std::string body, Decode decode) {
  auto rp = self->make_response_promise<T>();
  auto id = ++self->state.next_id;
  auto account = self->state.cfg.account_name;
  std::string what = endpoint;
  self->state.pending.emplace(id, [rp, decode, account, what](const http_result& r) mutable {
    if (!r.transport_error.empty()) {
      rp.deliver(to_error(transport_failure(what + ": " + r.transport_error), account));
      return;
    }
    auto decoded = decode(r.status, r.body);
    if (auto* value = std::get_if<0>(&decoded))
      rp.deliver(T{std::move(*value)});
    else
      rp.deliver(to_error(std::get<1>(decoded), account));
  });
  caf::actor_addr weak = self->address();
  self->state.client->post(endpoint, std::move(body), [weak, id](http_result r) {
    // io thread: only a message goes back, and only while the gateway lives
    if (auto hdl = caf::actor_cast<gateway_actor>(weak))
      caf::anon_send(hdl, settle_atom_v, id, static_cast<int32_t>(r.status), std::move(r.body),
                     std::move(r.transport_error));
  });
  return rp;
}

gateway_actor::behavior_type gateway(gateway_pointer self, boost::asio::io_context* io,
                                     broker_gateway_config cfg) {
  self->state.cfg = std::move(cfg);
  self->state.client = std::make_unique<rest_client>(*io, self->state.cfg.rest);
  auto key = [self]() -> const std::string& { return self->state.cfg.api_key; };
  return {
    [=](caf::ping_atom) {
      return call<std::string>(self, "ping", key_only_body(key()), decode_ping);
    },
    [=](place_atom, const order_intent& intent) {
      auto intent_id = intent.intent_id;
      return call<order_accepted>(
        self, "placeorder", place_order_body(key(), intent),
        [intent_id](int status, std::string_view body) -> decoded<order_accepted> {
          auto ids = decode_order_ids(status, body);
          if (auto* e = std::get_if<reply_error>(&ids))
            return *e;
          return order_accepted{intent_id, std::get<0>(std::move(ids))};
        });
    },
    [=](cancel_atom, const std::string& broker_order_id) {
      return call<caf::ok_atom>(
        self, "cancelorder",
        order_id_body(key(), self->state.cfg.strategy_name, broker_order_id),
        [](int status, std::string_view body) -> decoded<caf::ok_atom> {
          auto e = classify(status, body);
          if (e.kind == outcome::ok || e.kind == outcome::no_action)
            return caf::ok_atom_v;
          return e;
        });
    },
    [=](status_atom, const std::string& broker_order_id) {
      return call<order_update>(
        self, "orderstatus",
        order_id_body(key(), self->state.cfg.strategy_name, broker_order_id),
        [broker_order_id, time = self->state.cfg.time](int status,
                                                       std::string_view body) -> decoded<order_update> {
          auto order = decode_order_status(status, body);
          if (auto* e = std::get_if<reply_error>(&order))
            return *e;
          auto& o = std::get<0>(order);
          order_update u;
          u.broker_order_id = o.broker_order_id.empty() ? broker_order_id : o.broker_order_id;
          u.status = o.status;
          u.filled_quantity = o.filled_quantity;
          u.average_price = o.average_price;
          u.message = o.rejection_reason;
          u.at = time->now();
          return u;
        });
    },
    [=](funds_atom) { return call<funds>(self, "funds", key_only_body(key()), decode_funds); },
    [=](positions_atom) {
      return call<std::vector<broker_position>>(self, "positionbook", key_only_body(key()),
                                                decode_positionbook);
    },
    [=](orders_atom) {
      return call<std::vector<broker_order>>(self, "orderbook", key_only_body(key()),
                                             decode_orderbook);
    },
    [=](trades_atom) {
      return call<std::vector<broker_trade>>(self, "tradebook", key_only_body(key()),
                                             decode_tradebook);
    },
    [=](analyzer_atom) {
      return call<std::string>(self, "analyzer", key_only_body(key()), decode_analyzer);
    },
    [=](holdings_atom) {
      return call<std::vector<broker_position>>(self, "holdings", key_only_body(key()),
                                                decode_holdings);
    },
    [=](caf::get_atom, const instrument& inst) {
      return call<quote>(self, "quotes", quotes_body(key(), inst),
                         [inst](int status, std::string_view body) {
                           return decode_quote(status, body, inst);
                         });
    },
    [=](quotes_atom, const std::vector<instrument>& insts) {
      return call<std::vector<quote>>(self, "multiquotes", multiquotes_body(key(), insts),
                                      decode_multiquotes);
    },
    [=](symbol_atom, const instrument& inst) {
      return call<symbol_info>(self, "symbol", quotes_body(key(), inst), decode_symbol);
    },
    [=](expiries_atom, const std::string& underlying, exchange exch, const std::string& type) {
      return call<std::vector<std::string>>(self, "expiry",
                                            expiry_body(key(), underlying, exch, type),
                                            decode_expiries);
    },
    [=](history_atom, const instrument& inst, const std::string& interval,
        const std::string& start, const std::string& end) {
      return call<std::vector<bar>>(self, "history",
                                    history_body(key(), inst, interval, start, end),
                                    decode_history);
    },
    [=](settle_atom, uint64_t id, int32_t status, std::string& body, std::string& error) {
      auto i = self->state.pending.find(id);
      if (i == self->state.pending.end())
        return;
      auto done = std::move(i->second);
      self->state.pending.erase(i);
      done(http_result{status, std::move(body), std::move(error)});
    },
  };
}

} // namespace

caf::error to_error(const reply_error& e, const std::string& account_name) {
  std::string text = "account " + account_name + ": ";
  if (e.http_status != 0)
    text += "HTTP " + std::to_string(e.http_status) + ": ";
  text += e.message.empty() ? to_string(e.kind) : e.message;
  auto code = errc_of(e.kind);
  return make_error(code == errc::none ? errc::malformed_reply : code, std::move(text));
}

broker_api_actor spawn_broker_gateway(caf::actor_system& sys, boost::asio::io_context& io,
                                      broker_gateway_config cfg) {
  if (cfg.time == nullptr)
    throw std::invalid_argument{"broker_gateway_config.time: the node's clock is required"};
  return sys.spawn(gateway, &io, std::move(cfg));
}

} // namespace algomirror::openalgo
