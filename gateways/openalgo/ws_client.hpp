#pragma once

// The OpenAlgo WebSocket client (Boost.Beast): connects, authenticates (a connection is ready
// only once the server's auth reply says so), subscribes per symbol and mode and to order
// updates, pings, detects a silent stall while subscriptions exist (and the owner says the
// market is open), reconnects with exponential back-off (1 s doubling to 60 s, with jitter)
// and re-subscribes everything. Frames are decoded (frames.hpp) and handed to the owner on the
// io thread; garbage frames are counted and passed on, never fatal.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "messages/time.hpp"
#include "gateways/openalgo/frames.hpp"

namespace algomirror::openalgo {

enum class link_state : uint8_t { connecting, authenticating, ready, disconnected, stopped };

std::string to_string(link_state s);

struct ws_client_config {
  std::string host = "127.0.0.1";
  uint16_t port = 8765;
  std::string api_key; ///< never logged
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds stall_timeout{10'000};
  std::chrono::milliseconds ping_interval{20'000};
  std::chrono::milliseconds backoff_initial{1'000};
  std::chrono::milliseconds backoff_max{60'000};
  uint64_t jitter_seed = 1;
  /// Stamps every received frame: the node's clock (required; it outlives the client).
  const clock* time = nullptr;
};

struct ws_client_stats {
  uint64_t frames = 0;
  uint64_t garbage = 0;
  uint64_t connects = 0; ///< successful authentications
  uint64_t failures = 0;
};

class ws_client {
public:
  struct callbacks {
    std::function<void(const frame&)> on_frame;
    std::function<void(link_state, const std::string& reason)> on_state;
  };

  ws_client(boost::asio::io_context& io, ws_client_config cfg, callbacks cb);
  ~ws_client();

  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  /// All of these are thread-safe (they post to the io thread).
  void start();
  void stop();
  void subscribe(const instrument& inst, feed_mode mode);
  void unsubscribe(const instrument& inst, feed_mode mode);
  void subscribe_orders();
  /// Stall detection applies only while enabled (the market is open).
  void set_stall_detection(bool on);

  /// Read on the io thread (or after it stopped).
  ws_client_stats stats() const;

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace algomirror::openalgo
