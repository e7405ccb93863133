#pragma once

// openalgo-sim's WebSocket server (openalgo-api.md §1.8), one per account: authenticate,
// subscribe/unsubscribe by symbol, subscribe_orders, ping; ticks of every subscription
// streamed at a fixed interval, each symbol on its own frame, the symbols of one interval
// spread over it in a random (seeded) order as a real feed sends them (or, `tick_burst`, all
// at once); order updates pushed as they happen. Faults for tests: a
// stall (open but silent), a disconnect of every session, refused authentications, zero and
// garbage ticks.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "sim/broker.hpp"

namespace algomirror::sim {

struct ws_faults {
  bool stall = false;      ///< keep connections open but send nothing
  int refuse_auth = 0;     ///< refuse the next N authentications
  int zero_ticks = 0;      ///< send the next N ticks with ltp 0
  int garbage_ticks = 0;   ///< send the next N ticks as garbage frames
};

class ws_session;

class ws_server : public std::enable_shared_from_this<ws_server> {
public:
  ws_server(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& at, broker& b,
            std::string account, std::string api_key, std::chrono::milliseconds tick_interval,
            std::chrono::milliseconds auth_grace = std::chrono::seconds{15});

  uint16_t start();
  void stop();

  /// Closes every session (a WebSocket disconnect fault).
  void disconnect_all();

  ws_faults& faults() { return faults_; }

  /// Every symbol of an interval at once (one burst), instead of spread over the interval.
  void set_tick_burst(bool burst) { tick_burst_ = burst; }
  /// The seed of the order in which an interval's symbols tick.
  void set_tick_seed(uint64_t seed) { order_rng_.seed(seed); }

  /// The broker tells us about order changes of our account.
  void order_changed(const broker_order& o);

  /// Frames sent so far, ticks and everything else (on the io thread only).
  long ticks_sent() const { return ticks_sent_; }
  long frames_sent() const { return frames_sent_; }

private:
  friend class ws_session;
  void accept();
  void tick();

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  broker& broker_;
  std::string account_;
  std::string api_key_;
  std::chrono::milliseconds tick_interval_;
  std::chrono::milliseconds auth_grace_;
  boost::asio::steady_timer ticker_;
  ws_faults faults_;
  std::set<std::shared_ptr<ws_session>> sessions_;
  bool stopped_ = false;
  long ticks_sent_ = 0;
  long frames_sent_ = 0;
  bool tick_burst_ = false;
  std::mt19937_64 order_rng_{20261201};
};

} // namespace algomirror::sim
