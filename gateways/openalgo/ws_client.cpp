#include "gateways/openalgo/ws_client.hpp"

#include <stdexcept>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <map>
#include <random>

#include "gateways/openalgo/requests.hpp"

namespace algomirror::openalgo {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

std::string to_string(link_state s) {
  switch (s) {
    case link_state::connecting:
      return "connecting";
    case link_state::authenticating:
      return "authenticating";
    case link_state::ready:
      return "ready";
    case link_state::disconnected:
      return "disconnected";
    case link_state::stopped:
      return "stopped";
  }
  return "?";
}

struct ws_client::impl : std::enable_shared_from_this<impl> {
  asio::io_context& io;
  ws_client_config cfg;
  callbacks cb;
  std::unique_ptr<websocket::stream<beast::tcp_stream>> ws;
  beast::flat_buffer buffer;
  std::deque<std::string> outbox;
  bool writing = false;
  uint64_t generation = 0; ///< callbacks of an older connection are ignored
  link_state state = link_state::stopped;
  std::map<std::pair<std::string, exchange>, feed_mode> subscriptions;
  bool orders = false;
  bool stall_detection = true;
  steady::time_point last_frame;
  std::chrono::milliseconds backoff{0};
  asio::steady_timer retry_timer;
  asio::steady_timer watchdog;
  asio::steady_timer pinger;
  std::mt19937_64 rng;
  ws_client_stats counters;

  impl(asio::io_context& io_ctx, ws_client_config c, callbacks callbacks_)
    : io(io_ctx), cfg(std::move(c)), cb(std::move(callbacks_)), retry_timer(io_ctx),
      watchdog(io_ctx), pinger(io_ctx), rng(cfg.jitter_seed) {}

  void set_state(link_state s, const std::string& reason) {
    state = s;
    if (cb.on_state)
      cb.on_state(s, reason);
  }

  void start() {
    if (state != link_state::stopped)
      return;
    connect();
    arm_watchdog();
  }

  void stop() {
    ++generation;
    retry_timer.cancel();
    watchdog.cancel();
    pinger.cancel();
    close_socket();
    set_state(link_state::stopped, "stopped");
  }

  void close_socket() {
    if (!ws)
      return;
    beast::error_code ignored;
    beast::get_lowest_layer(*ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(*ws).close();
    ws.reset();
    outbox.clear();
    writing = false;
  }

  void connect() {
    auto gen = ++generation;
    close_socket();
    set_state(link_state::connecting, {});
    ws = std::make_unique<websocket::stream<beast::tcp_stream>>(io);
    tcp::resolver resolver{io};
    beast::error_code ec;
    auto endpoints = resolver.resolve(cfg.host, std::to_string(cfg.port), ec);
    if (ec) {
      fail("cannot resolve " + cfg.host + ": " + ec.message());
      return;
    }
    beast::get_lowest_layer(*ws).expires_after(cfg.connect_timeout);
    beast::get_lowest_layer(*ws).async_connect(
      endpoints, [self = shared_from_this(), gen](beast::error_code ec, const tcp::endpoint&) {
        if (gen != self->generation)
          return;
        if (ec) {
          self->fail("connect: " + ec.message());
          return;
        }
        beast::get_lowest_layer(*self->ws).expires_never();
        beast::error_code ignored; // frames go out at once (no Nagle delay)
        beast::get_lowest_layer(*self->ws).socket().set_option(tcp::no_delay(true), ignored);
        self->ws->set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        self->ws->async_handshake(self->cfg.host + ":" + std::to_string(self->cfg.port), "/",
                                  [self, gen](beast::error_code ec) {
                                    if (gen != self->generation)
                                      return;
                                    if (ec) {
                                      self->fail("handshake: " + ec.message());
                                      return;
                                    }
                                    self->set_state(link_state::authenticating, {});
                                    self->last_frame = steady::now();
                                    self->send(ws_authenticate(self->cfg.api_key));
                                    self->read(gen);
                                    self->arm_pinger(gen);
                                  });
      });
  }

  void read(uint64_t gen) {
    ws->async_read(buffer, [self = shared_from_this(), gen](beast::error_code ec, size_t) {
      if (gen != self->generation)
        return;
      if (ec) {
        self->fail(ec == websocket::error::closed
                     ? "closed by the server (" + std::to_string(self->ws->reason().code) + " "
                         + std::string{self->ws->reason().reason.c_str()} + ")"
                     : "read: " + ec.message());
        return;
      }
      auto text = beast::buffers_to_string(self->buffer.data());
      self->buffer.consume(self->buffer.size());
      self->on_text(text);
      if (gen == self->generation && self->ws)
        self->read(gen);
    });
  }

  void on_text(const std::string& text) {
    last_frame = steady::now();
    ++counters.frames;
    auto f = decode_frame(text, cfg.time->now());
    if (f.kind == frame_kind::garbage)
      ++counters.garbage;
    if (state == link_state::authenticating) {
      if (f.kind == frame_kind::auth && f.ok) {
        ++counters.connects;
        backoff = std::chrono::milliseconds{0};
        set_state(link_state::ready, f.broker);
        for (auto& [key, mode] : subscriptions)
          send(ws_subscribe({key.first, key.second}, mode));
        if (orders)
          send(ws_subscribe_orders());
      } else if (f.kind == frame_kind::error && f.code == "AUTHENTICATION_ERROR") {
        fail("authentication refused: " + f.message);
        return;
      }
    }
    if (cb.on_frame)
      cb.on_frame(f);
  }

  void send(std::string text) {
    if (!ws || (state != link_state::authenticating && state != link_state::ready))
      return; // sent again once ready
    outbox.push_back(std::move(text));
    if (!writing)
      write_next(generation);
  }

  void write_next(uint64_t gen) {
    if (outbox.empty() || !ws) {
      writing = false;
      return;
    }
    writing = true;
    ws->text(true);
    ws->async_write(asio::buffer(outbox.front()),
                    [self = shared_from_this(), gen](beast::error_code ec, size_t) {
                      if (gen != self->generation)
                        return;
                      if (ec) {
                        self->fail("write: " + ec.message());
                        return;
                      }
                      self->outbox.pop_front();
                      self->write_next(gen);
                    });
  }

  void fail(const std::string& why) {
    ++counters.failures;
    ++generation;
    close_socket();
    set_state(link_state::disconnected, why);
    backoff = backoff.count() == 0 ? cfg.backoff_initial : std::min(backoff * 2, cfg.backoff_max);
    std::uniform_real_distribution<double> jitter{1.0, 1.2};
    auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(backoff * jitter(rng));
    retry_timer.expires_after(delay);
    retry_timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && self->state == link_state::disconnected)
        self->connect();
    });
  }

  void arm_watchdog() {
    watchdog.expires_after(std::max(std::chrono::milliseconds{10}, cfg.stall_timeout / 4));
    watchdog.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->state == link_state::stopped)
        return;
      bool silent = steady::now() - self->last_frame > self->cfg.stall_timeout;
      if (self->stall_detection && !self->subscriptions.empty() && silent
          && (self->state == link_state::ready || self->state == link_state::authenticating))
        self->fail("stall: no frame for " + std::to_string(self->cfg.stall_timeout.count())
                   + " ms");
      self->arm_watchdog();
    });
  }

  void arm_pinger(uint64_t gen) {
    pinger.expires_after(cfg.ping_interval);
    pinger.async_wait([self = shared_from_this(), gen](beast::error_code ec) {
      if (ec || gen != self->generation || !self->ws)
        return;
      self->ws->async_ping({}, [self, gen](beast::error_code ec) {
        if (ec && gen == self->generation)
          self->fail("ping: " + ec.message());
      });
      self->arm_pinger(gen);
    });
  }
};

ws_client::ws_client(asio::io_context& io, ws_client_config cfg, callbacks cb)
  : impl_(std::make_shared<impl>(io, std::move(cfg), std::move(cb))) {
  if (impl_->cfg.time == nullptr)
    throw std::invalid_argument{"ws_client_config.time: the node's clock is required"};
}

ws_client::~ws_client() {
  stop();
}

void ws_client::start() {
  asio::post(impl_->io, [i = impl_] { i->start(); });
}

void ws_client::stop() {
  asio::post(impl_->io, [i = impl_] { i->stop(); });
}

void ws_client::subscribe(const instrument& inst, feed_mode mode) {
  asio::post(impl_->io, [i = impl_, inst, mode] {
    i->subscriptions[{inst.symbol, inst.exch}] = mode;
    if (i->state == link_state::ready)
      i->send(ws_subscribe(inst, mode));
  });
}

void ws_client::unsubscribe(const instrument& inst, feed_mode mode) {
  asio::post(impl_->io, [i = impl_, inst, mode] {
    i->subscriptions.erase({inst.symbol, inst.exch});
    if (i->state == link_state::ready)
      i->send(ws_unsubscribe(inst, mode));
  });
}

void ws_client::subscribe_orders() {
  asio::post(impl_->io, [i = impl_] {
    i->orders = true;
    if (i->state == link_state::ready)
      i->send(ws_subscribe_orders());
  });
}

void ws_client::set_stall_detection(bool on) {
  asio::post(impl_->io, [i = impl_, on] { i->stall_detection = on; });
}

ws_client_stats ws_client::stats() const {
  return impl_->counters;
}

} // namespace algomirror::openalgo
