#define CAF_SUITE gateways.ws_contract
#include "tests/test.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "gateways/openalgo/ws_client.hpp"
#include "sim/ws_server.hpp"

using namespace algomirror;
using namespace algomirror::openalgo;
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

const std::string key = std::string(64, 'c');

/// What the client saw, guarded for the test thread, which waits on it (no sleeps).
struct observed {
  std::mutex mutex;
  std::condition_variable changed;
  int ticks = 0;
  int zero_ticks = 0;
  int garbage = 0;
  int ready = 0;
  std::vector<std::string> disconnects;
  std::vector<order_status> order_statuses;

  template <class Pred>
  bool wait(Pred pred, milliseconds timeout = milliseconds{10'000}) {
    std::unique_lock<std::mutex> guard{mutex};
    return changed.wait_for(guard, timeout, [&] { return pred(*this); });
  }
};

struct ws_fixture {
  scaled_clock time{*parse_iso8601("2026-11-25T10:00:00+05:30"), 1.0};
  sim::broker broker{default_instruments(), time, 3};
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  std::shared_ptr<sim::ws_server> server;
  uint16_t port = 0;
  observed seen;
  std::unique_ptr<ws_client> client;
  std::thread runner;
  std::string call_symbol;

  ws_fixture() {
    broker.add_account("acc1", 10'000'000);
    call_symbol = option_symbol("NIFTY", broker.expiries("NIFTY", false).front(), 24000,
                                option_type::ce);
    server = std::make_shared<sim::ws_server>(
      io, asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}, broker, "acc1", key,
      milliseconds{20}, milliseconds{300});
    broker.on_order_change = [this](const std::string&, const broker_order& o) {
      server->order_changed(o);
    };
    port = server->start();
    ws_client_config cfg;
    cfg.port = port;
    cfg.api_key = key;
    cfg.stall_timeout = milliseconds{300};
    cfg.backoff_initial = milliseconds{20};
    cfg.backoff_max = milliseconds{200};
    cfg.ping_interval = milliseconds{100};
    client = std::make_unique<ws_client>(
      io, cfg,
      ws_client::callbacks{[this](const frame& f) { on_frame(f); },
                           [this](link_state s, const std::string& why) { on_state(s, why); }});
    runner = std::thread{[this] { io.run(); }};
  }

  ~ws_fixture() {
    client->stop();
    asio::post(io, [this] { server->stop(); });
    guard.reset();
    io.stop();
    runner.join();
  }

  void on_frame(const frame& f) {
    std::lock_guard<std::mutex> lock{seen.mutex};
    if (f.kind == frame_kind::market_data)
      (f.price.ltp > 0 ? seen.ticks : seen.zero_ticks)++;
    else if (f.kind == frame_kind::garbage)
      ++seen.garbage;
    else if (f.kind == frame_kind::order_update)
      seen.order_statuses.push_back(f.order.status);
    seen.changed.notify_all();
  }

  void on_state(link_state s, const std::string& why) {
    std::lock_guard<std::mutex> lock{seen.mutex};
    if (s == link_state::ready)
      ++seen.ready;
    if (s == link_state::disconnected)
      seen.disconnects.push_back(why);
    seen.changed.notify_all();
  }

  /// Runs `f` on the io thread (the server lives there) and waits for it.
  template <class F>
  void on_io(F f) {
    std::promise<void> done;
    asio::post(io, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  int ticks() {
    std::lock_guard<std::mutex> lock{seen.mutex};
    return seen.ticks;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(ws_contract_tests, ws_fixture)

CAF_TEST(authenticate subscribe and receive ticks) {
  client->subscribe({call_symbol, exchange::nfo}, feed_mode::quote);
  client->start();
  CAF_REQUIRE(seen.wait([](observed& o) { return o.ready == 1 && o.ticks >= 3; }));
  CAF_CHECK(seen.disconnects.empty());
}

CAF_TEST(a stall is detected and the client reconnects and resubscribes) {
  client->subscribe({call_symbol, exchange::nfo}, feed_mode::ltp);
  client->start();
  CAF_REQUIRE(seen.wait([](observed& o) { return o.ticks >= 1; }));
  on_io([&] { server->faults().stall = true; });
  CAF_REQUIRE(seen.wait([](observed& o) { return !o.disconnects.empty(); }));
  CAF_CHECK(seen.disconnects[0].find("stall") == 0);
  on_io([&] { server->faults().stall = false; });
  auto before = ticks();
  CAF_REQUIRE(seen.wait([before](observed& o) { return o.ready >= 2 && o.ticks > before + 2; }));
}

CAF_TEST(a dropped connection comes back with its subscriptions) {
  client->subscribe({call_symbol, exchange::nfo}, feed_mode::ltp);
  client->start();
  CAF_REQUIRE(seen.wait([](observed& o) { return o.ticks >= 1; }));
  on_io([&] { server->disconnect_all(); });
  CAF_REQUIRE(seen.wait([](observed& o) { return o.ready >= 2; }));
  auto before = ticks();
  CAF_REQUIRE(seen.wait([before](observed& o) { return o.ticks > before + 2; }));
  CAF_CHECK(!seen.disconnects.empty());
}

CAF_TEST(refused authentication is retried after a back off) {
  on_io([&] { server->faults().refuse_auth = 2; });
  client->subscribe({call_symbol, exchange::nfo}, feed_mode::ltp);
  client->start();
  CAF_REQUIRE(seen.wait([](observed& o) { return o.ready == 1 && o.ticks >= 1; }));
  CAF_REQUIRE_EQUAL(seen.disconnects.size(), 2u);
  CAF_CHECK(seen.disconnects[0].find("authentication refused") == 0);
}

CAF_TEST(zero and garbage ticks are passed on typed and never fatal) {
  on_io([&] {
    server->faults().zero_ticks = 3;
    server->faults().garbage_ticks = 3;
  });
  client->subscribe({call_symbol, exchange::nfo}, feed_mode::ltp);
  client->start();
  CAF_REQUIRE(seen.wait([](observed& o) {
    return o.garbage == 3 && o.zero_ticks == 3 && o.ticks >= 2;
  }));
  CAF_CHECK(seen.disconnects.empty());
  CAF_CHECK_EQUAL(client->stats().garbage, 3u);
}

CAF_TEST(order updates follow the order) {
  client->subscribe_orders();
  client->start();
  CAF_REQUIRE(seen.wait([](observed& o) { return o.ready == 1; }));
  // A subscribe_orders ack round trip before placing, so the update is not sent too early.
  client->subscribe({call_symbol, exchange::nfo}, feed_mode::ltp);
  CAF_REQUIRE(seen.wait([](observed& o) { return o.ticks >= 1; }));
  on_io([&] {
    broker.place({"acc1", "AM:1:1:1", {call_symbol, exchange::nfo}, side::buy, 65,
                  price_type::market, product::nrml, 0, 0});
  });
  CAF_REQUIRE(seen.wait([](observed& o) { return o.order_statuses.size() >= 2; }));
  CAF_CHECK(seen.order_statuses[0] == order_status::open);
  CAF_CHECK(seen.order_statuses[1] == order_status::complete);
}

CAF_TEST(a connection that never authenticates is closed with 4401) {
  namespace beast = boost::beast;
  beast::websocket::stream<beast::tcp_stream> raw{io};
  beast::get_lowest_layer(raw).connect({asio::ip::make_address("127.0.0.1"), port});
  raw.handshake("127.0.0.1", "/");
  beast::flat_buffer buffer;
  beast::error_code ec;
  raw.read(buffer, ec); // blocks until the server closes after its 300 ms grace
  CAF_CHECK(ec == beast::websocket::error::closed);
  CAF_CHECK_EQUAL(raw.reason().code, 4401);
  CAF_CHECK_EQUAL(std::string{raw.reason().reason.c_str()}, "auth timeout");
}

CAF_TEST_FIXTURE_SCOPE_END()
