// bench/gateway: REST round trips per second to openalgo-sim with keep-alive (64 in flight),
// and WebSocket ticks per second decoded into typed ticks — each beside the floor measured in
// the same run: a bare Beast client doing the same without our decoding (performance.md:
// at least 70 % of the floor, both).

#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <future>
#include <thread>

#include "gateways/openalgo/frames.hpp"
#include "gateways/openalgo/replies.hpp"
#include "gateways/openalgo/requests.hpp"
#include "gateways/openalgo/rest_client.hpp"
#include "sim/http_server.hpp"

using namespace algomirror;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using bench_clock = std::chrono::steady_clock;

namespace {

const std::string key = std::string(64, 'a');

// -- REST -------------------------------------------------------------------------------------

/// Our client: `total` pings, `in_flight` outstanding, every reply decoded.
double ours_rest(asio::io_context& io, uint16_t port, int total, int in_flight, size_t pool) {
  openalgo::rest_client client{io, {"127.0.0.1", port, std::chrono::seconds{10}, pool}};
  std::atomic<int> sent{0}, done{0}, bad{0};
  std::promise<void> finished;
  auto body = openalgo::key_only_body(key);
  std::function<void()> send_one = [&] {
    if (sent.fetch_add(1) >= total)
      return;
    client.post("ping", body, [&](openalgo::http_result r) {
      auto d = openalgo::decode_ping(r.status, r.body);
      if (!std::holds_alternative<std::string>(d))
        ++bad;
      if (done.fetch_add(1) + 1 == total)
        finished.set_value();
      else
        send_one();
    });
  };
  auto start = bench_clock::now();
  for (int i = 0; i < in_flight; ++i)
    send_one();
  finished.get_future().wait();
  double secs = std::chrono::duration<double>(bench_clock::now() - start).count();
  if (bad > 0)
    std::fprintf(stderr, "warning: %d replies did not decode\n", bad.load());
  return total / secs;
}

/// The floor: bare Beast keep-alive connections, the same requests, no decoding.
struct bare_conn : std::enable_shared_from_this<bare_conn> {
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  http::response<http::string_body> res;
  std::function<bool()> more;
  std::function<void()> on_done;

  bare_conn(asio::io_context& io) : stream(io) {}

  void next() {
    if (!more()) {
      on_done();
      return;
    }
    http::async_write(stream, req, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec)
        return;
      self->res = {};
      http::async_read(self->stream, self->buffer, self->res,
                       [self](beast::error_code ec, size_t) {
                         if (!ec)
                           self->next();
                       });
    });
  }
};

double bare_rest(asio::io_context& io, uint16_t port, int total, int in_flight) {
  std::atomic<int> sent{0};
  std::atomic<int> finished_conns{0};
  std::promise<void> finished;
  std::vector<std::shared_ptr<bare_conn>> conns;
  auto start = bench_clock::now();
  for (int i = 0; i < in_flight; ++i) {
    auto c = std::make_shared<bare_conn>(io);
    c->stream.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
    c->req = {http::verb::post, "/api/v1/ping", 11};
    c->req.set(http::field::host, "127.0.0.1");
    c->req.set(http::field::content_type, "application/json");
    c->req.body() = openalgo::key_only_body(key);
    c->req.prepare_payload();
    c->more = [&] { return sent.fetch_add(1) < total; };
    c->on_done = [&, in_flight] {
      if (finished_conns.fetch_add(1) + 1 == in_flight)
        finished.set_value();
    };
    conns.push_back(c);
  }
  start = bench_clock::now();
  for (auto& c : conns)
    asio::post(io, [c] { c->next(); });
  finished.get_future().wait();
  double secs = std::chrono::duration<double>(bench_clock::now() - start).count();
  return total / secs;
}

// -- WebSocket ------------------------------------------------------------------------------

/// A source that sends the same market_data frame `count` times to each client, as fast as
/// the socket takes it.
void serve_frames(tcp::acceptor& acceptor, int clients, int count) {
  const std::string frame =
    R"({"type": "market_data", "symbol": "NIFTY25NOV2524000CE", "exchange": "NFO", "mode": 2, )"
    R"("data": {"ltp": 101.55, "open": 99.0, "high": 104.2, "low": 97.35, "close": 100.1, )"
    R"("volume": 1930758, "timestamp": 1765781412568}, "broker": "sim"})";
  for (int c = 0; c < clients; ++c) {
    auto socket = acceptor.accept();
    websocket::stream<tcp::socket> ws{std::move(socket)};
    ws.accept();
    ws.text(true);
    for (int i = 0; i < count; ++i)
      ws.write(asio::buffer(frame));
    beast::error_code ec;
    ws.close(websocket::close_code::normal, ec);
  }
}

/// Reads `count` frames; `decode` says whether each is decoded into a typed tick.
double read_frames(uint16_t port, int count, bool decode) {
  asio::io_context io;
  websocket::stream<tcp::socket> ws{io};
  ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  ws.handshake("127.0.0.1", "/");
  beast::flat_buffer buffer;
  int ticks = 0;
  double sum = 0;
  auto start = bench_clock::now();
  for (int i = 0; i < count; ++i) {
    ws.read(buffer);
    if (decode) {
      auto text = std::string_view{static_cast<const char*>(buffer.data().data()),
                                   buffer.data().size()};
      auto f = openalgo::decode_frame(text, {});
      if (f.kind == openalgo::frame_kind::market_data) {
        ++ticks;
        sum += f.price.ltp;
      }
    } else {
      ++ticks;
    }
    buffer.consume(buffer.size());
  }
  double secs = std::chrono::duration<double>(bench_clock::now() - start).count();
  beast::error_code ec;
  ws.read(buffer, ec); // the close
  if (ticks != count || (decode && sum <= 0))
    std::fprintf(stderr, "warning: %d of %d frames were ticks\n", ticks, count);
  return count / secs;
}

void line(const char* name, double value, const char* unit, double floor) {
  std::printf("%-28s %12.0f %-8s floor %12.0f  ratio %5.1f%%\n", name, value, unit, floor,
              value / floor * 100);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Gateway benchmark: REST round trips and WebSocket ticks beside bare Beast floors",
               "bench-gateway"};
  int requests = 50'000;
  int in_flight = 64;
  size_t pool = 4;
  int frames = 300'000;
  app.add_option("--requests", requests, "REST round trips per client")->capture_default_str();
  app.add_option("--in-flight", in_flight, "Outstanding requests")->capture_default_str();
  app.add_option("--pool", pool, "Keep-alive connections of our client")->capture_default_str();
  app.add_option("--frames", frames, "WebSocket frames per client")->capture_default_str();
  CLI11_PARSE(app, argc, argv);


  // openalgo-sim on its own io thread; the clients on another.
  manual_clock time{*parse_iso8601("2026-11-25T10:00:00+05:30")};
  sim::broker broker{default_instruments(), time, 1};
  broker.add_account("bench", 10'000'000);
  sim::http_api api{broker, {{key, "bench"}}};
  asio::io_context server_io{1};
  auto server = std::make_shared<sim::http_server>(
    server_io, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}, api, broker, "bench",
    sim::rate_limits{100'000'000, 100'000'000});
  auto port = server->start();
  std::thread server_thread{[&] { server_io.run(); }};
  asio::io_context client_io{1};
  auto guard = asio::make_work_guard(client_io);
  std::thread client_thread{[&] { client_io.run(); }};

  bare_rest(client_io, port, 2'000, in_flight); // warm-up
  double floor_rps = bare_rest(client_io, port, requests, in_flight);
  double ours_rps = ours_rest(client_io, port, requests, in_flight, pool);
  double floor_rps2 = bare_rest(client_io, port, requests, in_flight);
  floor_rps = std::max(floor_rps, floor_rps2);
  std::printf("REST: %d pings, %d in flight (our client: %zu keep-alive connections; floor: %d)\n",
              requests, in_flight, pool, in_flight);
  line("gateway.rest_round_trips", ours_rps, "req/s", floor_rps);

  tcp::acceptor acceptor{server_io, {asio::ip::make_address("127.0.0.1"), 0}};
  auto ws_port = acceptor.local_endpoint().port();
  std::thread source{[&] { serve_frames(acceptor, 3, frames); }};
  double ws_floor = read_frames(ws_port, frames, false);
  double ws_ours = read_frames(ws_port, frames, true);
  double ws_floor2 = read_frames(ws_port, frames, false);
  ws_floor = std::max(ws_floor, ws_floor2);
  source.join();
  std::printf("WebSocket: %d market_data frames of 260 bytes\n", frames);
  line("gateway.ws_ticks_decoded", ws_ours, "ticks/s", ws_floor);

  guard.reset();
  client_io.stop();
  client_thread.join();
  server->stop();
  server_io.stop();
  server_thread.join();
  bool pass = ours_rps >= 0.7 * floor_rps && ws_ours >= 0.7 * ws_floor;
  if (pass)
    std::printf("PASS (REST %.0f%% and WebSocket %.0f%% of their floors, target 70%%)\n",
                ours_rps / floor_rps * 100, ws_ours / ws_floor * 100);
  else
    std::printf("BELOW TARGET (REST %.0f%%, WebSocket %.0f%% of their floors; target 70%%)\n",
                ours_rps / floor_rps * 100, ws_ours / ws_floor * 100);
  return 0;
}
