#include "gateways/openalgo/market_data_gateway.hpp"

#include <stdexcept>
#include <memory>

#include <spdlog/spdlog.h>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace algomirror::openalgo {

namespace {

/// The link's own interface: the public one plus what its io thread hands in.
using link_actor = market_data_link_actor::extend<caf::reacts_to<tick>,
                                                  caf::reacts_to<order_update>,
                                                  caf::reacts_to<link_status>>;

struct link_state_data {
  market_data_gateway_config cfg;
  link_sinks sinks;
  std::unique_ptr<ws_client> client;
  static inline const char* name = "market_data_link";

  ~link_state_data() {
    if (client)
      client->stop();
  }
};

using link_pointer = link_actor::stateful_pointer<link_state_data>;


link_condition condition_of(link_state s, const std::string& reason) {
  switch (s) {
    case link_state::ready:
      return link_condition::ready;
    case link_state::stopped:
      return link_condition::stopped;
    default:
      if (reason.rfind("authentication", 0) == 0)
        return link_condition::auth_failed;
      if (reason.rfind("stall", 0) == 0)
        return link_condition::stalled;
      return link_condition::disconnected;
  }
}

link_actor::behavior_type link(link_pointer self, boost::asio::io_context* io,
                               market_data_gateway_config cfg, link_sinks sinks) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.sinks = std::move(sinks);
  caf::actor_addr weak = self->address();
  auto account_id = st.cfg.account_id;
  auto account_name = st.cfg.account_name;
  // The node's clock (it outlives every actor), as the ws client stamps frames with.
  const clock* time = st.cfg.ws.time;
  ws_client::callbacks cb;
  cb.on_frame = [weak, account_name, time](const frame& f) {
    auto hdl = caf::actor_cast<link_actor>(weak);
    if (!hdl)
      return;
    switch (f.kind) {
      case frame_kind::market_data:
        caf::anon_send(hdl, f.price);
        break;
      case frame_kind::order_update: {
        order_update u;
        u.broker_order_id = f.order.broker_order_id;
        u.status = f.order.status;
        u.filled_quantity = f.order.filled_quantity;
        u.average_price = f.order.average_price;
        u.message = f.order.rejection_reason;
        u.at = time->now();
        caf::anon_send(hdl, std::move(u));
        break;
      }
      case frame_kind::garbage:
        spdlog::debug("link {}: garbage frame dropped: {}", account_name, f.message);
        break;
      default:
        break;
    }
  };
  cb.on_state = [weak, account_id, time](link_state s, const std::string& reason) {
    if (s == link_state::connecting || s == link_state::authenticating)
      return;
    if (auto hdl = caf::actor_cast<link_actor>(weak))
      caf::anon_send(hdl, link_status{account_id, condition_of(s, reason), reason, time->now()});
  };
  st.client = std::make_unique<ws_client>(*io, st.cfg.ws, std::move(cb));
  st.client->set_stall_detection(false); // the owner knows when the market is open
  st.client->start();
  return {
    [=](caf::subscribe_atom, const instrument& inst, feed_mode mode) {
      self->state.client->subscribe(inst, mode);
    },
    [=](caf::unsubscribe_atom, const instrument& inst, feed_mode mode) {
      self->state.client->unsubscribe(inst, mode);
    },
    [=](caf::subscribe_atom, orders_atom) { self->state.client->subscribe_orders(); },
    [=](caf::close_atom) {
      self->state.client->stop();
      self->quit();
    },
    [=](const tick& t) {
      if (self->state.sinks.ticks)
        self->send(self->state.sinks.ticks, t);
    },
    [=](const order_update& u) {
      if (self->state.sinks.orders)
        self->send(self->state.sinks.orders, u);
    },
    [=](const link_status& s) {
      if (s.condition == link_condition::ready)
        spdlog::info("link {}: ready (broker {})", self->state.cfg.account_name, s.reason);
      else
        spdlog::warn("link {}: {} ({})", self->state.cfg.account_name, to_string(s.condition),
                     s.reason);
      if (self->state.sinks.state)
        self->send(self->state.sinks.state, s);
    },
  };
}

} // namespace

market_data_link_actor spawn_market_data_gateway(caf::actor_system& sys,
                                                 boost::asio::io_context& io,
                                                 market_data_gateway_config cfg,
                                                 link_sinks sinks) {
  if (cfg.ws.time == nullptr)
    throw std::invalid_argument{"market_data_gateway_config.ws.time: the node's clock is required"};
  return sys.spawn(link, &io, std::move(cfg), std::move(sinks));
}

} // namespace algomirror::openalgo
