#define CAF_SUITE gateways.ws_contract
#include "tests/test.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <fstream>
#include <future>
#include <map>
#include <rapidjson/document.h>
#include <set>
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
  utc_instant last_received; ///< the receive stamp of the last tick
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
    cfg.time = &time;
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
    if (f.kind == frame_kind::market_data) {
      (f.price.ltp > 0 ? seen.ticks : seen.zero_ticks)++;
      seen.last_received = f.price.received_at;
    }
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

CAF_TEST(ticks are stamped with the node clock not the system clock) {
  // The fixture's clock started at 2026-11-25 10:00 IST, days before the machine's today.
  client->subscribe({call_symbol, exchange::nfo}, feed_mode::ltp);
  client->start();
  CAF_REQUIRE(seen.wait([](observed& o) { return o.ticks >= 2; }));
  std::lock_guard<std::mutex> lock{seen.mutex};
  auto start = *parse_iso8601("2026-11-25T10:00:00+05:30");
  CAF_CHECK(seen.last_received >= start);
  CAF_CHECK(seen.last_received <= time.now());
  auto wall = system_time().now();
  CAF_CHECK(wall - seen.last_received > std::chrono::hours{24}
            || wall - start < std::chrono::hours{24}); // (unless this machine's date is the 25th)
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

namespace {

/// A plain WebSocket client on the test thread (blocking), to see the server's frames as bytes.
struct raw_client {
  asio::io_context io;
  boost::beast::websocket::stream<asio::ip::tcp::socket> ws{io};

  explicit raw_client(uint16_t port, bool authenticate = true) {
    asio::ip::tcp::resolver resolver{io};
    asio::connect(ws.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws.handshake("127.0.0.1", "/");
    if (!authenticate)
      return;
    send(R"({"action": "authenticate", "api_key": ")" + key + "\"}");
    CAF_REQUIRE(read().find("Authentication successful") != std::string::npos);
  }

  void send(const std::string& text) { ws.write(asio::buffer(text)); }

  std::string read() {
    boost::beast::flat_buffer buf;
    ws.read(buf);
    return boost::beast::buffers_to_string(buf.data());
  }

  /// The next frame that is not a tick.
  std::string read_reply() {
    for (int i = 0; i < 1000; ++i) {
      auto f = read();
      if (f.find(R"("type": "market_data")") == std::string::npos)
        return f;
    }
    return {};
  }
};

/// Every section of the recorded WebSocket transcript, in order: its title and its lines.
std::vector<std::pair<std::string, std::vector<std::string>>> transcript_sections() {
  std::ifstream in{std::string{ALGOMIRROR_TRANSCRIPTS_DIR} + "/ws.txt"};
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("### ", 0) == 0)
      out.emplace_back(line.substr(4), std::vector<std::string>{});
    else if (!out.empty() && !line.empty())
      out.back().second.push_back(line);
  return out;
}

/// The SEND and RECV lines of one section of the recorded WebSocket transcript.
std::vector<std::string> transcript_section(const std::string& title) {
  std::ifstream in{std::string{ALGOMIRROR_TRANSCRIPTS_DIR} + "/ws.txt"};
  std::vector<std::string> out;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("### ", 0) == 0) {
      inside = line == "### " + title;
      continue;
    }
    if (inside && !line.empty())
      out.push_back(line);
  }
  return out;
}

/// Four NIFTY options of the nearest expiry.
std::vector<std::string> four_options(sim::broker& b) {
  auto exp = b.expiries("NIFTY", false).front();
  std::vector<std::string> symbols;
  for (double k : {24000.0, 24100.0})
    for (auto t : {option_type::ce, option_type::pe})
      symbols.push_back(option_symbol("NIFTY", exp, k, t));
  return symbols;
}

struct spread_measure {
  std::vector<double> gaps_ms; ///< between consecutive tick frames
  std::vector<std::vector<std::string>> rounds;
  bool one_symbol_per_frame = true;
};

/// Subscribes four symbols and reads `frames` ticks.
spread_measure measure_ticks(raw_client& c, const std::vector<std::string>& symbols, int frames) {
  std::string list;
  for (auto& s : symbols)
    list += (list.empty() ? "" : ", ") + std::string{R"({"symbol": ")"} + s
            + R"(", "exchange": "NFO"})";
  c.send(R"({"action": "subscribe", "mode": 1, "symbols": [)" + list + "]}");
  CAF_REQUIRE(c.read_reply().find("Subscription processing complete") != std::string::npos);
  spread_measure m;
  std::vector<std::string> round;
  auto last = std::chrono::steady_clock::now();
  for (int i = 0; i < frames; ++i) {
    auto f = c.read();
    auto at = std::chrono::steady_clock::now();
    rapidjson::Document doc;
    doc.Parse(f.c_str());
    CAF_REQUIRE(!doc.HasParseError());
    if (!doc.HasMember("symbol"))
      continue;
    m.one_symbol_per_frame = m.one_symbol_per_frame && doc["data"].IsObject();
    if (i > 0)
      m.gaps_ms.push_back(std::chrono::duration<double, std::milli>(at - last).count());
    last = at;
    round.push_back(doc["symbol"].GetString());
    if (round.size() == symbols.size()) {
      m.rounds.push_back(round);
      round.clear();
    }
  }
  std::sort(m.gaps_ms.begin(), m.gaps_ms.end());
  return m;
}

} // namespace

CAF_TEST(the invalid mode error is byte for byte what the real server sends) {
  auto section = transcript_section("subscribe bad mode");
  CAF_REQUIRE(section.size() >= 2u);
  CAF_REQUIRE(section[0].rfind("SEND: ", 0) == 0);
  std::string expected;
  for (auto& l : section)
    if (l.rfind("RECV: ", 0) == 0 && l.find("\"market_data\"") == std::string::npos)
      expected = l.substr(6);
  CAF_REQUIRE(!expected.empty());
  raw_client c{port};
  c.send(section[0].substr(6));
  CAF_CHECK_EQUAL(c.read_reply(), expected);
  c.send(R"({"action": "subscribe", "symbol": "SBIN", "exchange": "NSE", "mode": "fast"})");
  CAF_CHECK_EQUAL(c.read_reply(), R"x({"status": "error", "code": "INVALID_MODE", "message": )x"
                                  R"x("Invalid mode fast; expected 1 (LTP), 2 (Quote), or 3 )x"
                                  R"x((Depth)"})x");
}

CAF_TEST(every error of the recorded WebSocket exchange is what the simulator sends) {
  // One connection through the transcript in order (before and after authentication), each
  // section's request sent and its error reply compared byte for byte.
  raw_client c{port, false};
  size_t compared = 0;
  for (auto& [title, lines] : transcript_sections()) {
    std::string request, expected;
    for (auto& l : lines) {
      if (l.rfind("SEND: ", 0) == 0 && request.empty())
        request = l.substr(6);
      if (l.rfind("RECV: ", 0) == 0 && l.find(R"("status": "error")") != std::string::npos)
        expected = l.substr(6);
    }
    if (request.empty())
      continue;
    auto good_key = request.find(std::string(64, 'a'));
    if (good_key != std::string::npos)
      request.replace(good_key, 64, key); // the recording's key is not this server's
    if (expected.empty()) {
      if (title == "auth good key") {
        c.send(request);
        CAF_CHECK(c.read_reply().find("Authentication successful") != std::string::npos);
      }
      continue;
    }
    c.send(request);
    auto got = c.read_reply();
    CAF_CHECK_EQUAL(got, expected);
    if (got != expected)
      CAF_MESSAGE("section: " << title);
    ++compared;
  }
  CAF_CHECK_GREATER_OR_EQUAL(compared, 7u);
}

namespace {

/// The member names of a JSON object, in order.
std::vector<std::string> keys_of(const rapidjson::Value& v) {
  std::vector<std::string> out;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it)
    out.emplace_back(it->name.GetString());
  return out;
}

} // namespace

CAF_TEST(ltp quote and depth frames parse strictly and carry the real fields in order) {
  // The recorded frames of each mode: their keys, and their data's keys.
  std::map<int, std::pair<std::vector<std::string>, std::vector<std::string>>> recorded;
  for (auto& [title, lines] : transcript_sections())
    for (auto& l : lines) {
      if (l.rfind("RECV: ", 0) != 0 || l.find(R"("type": "market_data")") == std::string::npos)
        continue;
      rapidjson::Document doc;
      doc.Parse(l.c_str() + 6);
      CAF_REQUIRE(!doc.HasParseError());
      recorded[doc["mode"].GetInt()] = {keys_of(doc), keys_of(doc["data"])};
    }
  CAF_REQUIRE_EQUAL(recorded.size(), 3u);
  raw_client c{port};
  auto symbols = four_options(broker);
  for (int mode = 1; mode <= 3; ++mode)
    c.send(R"({"action": "subscribe", "symbol": ")" + symbols[mode] + R"(", "exchange": "NFO", )"
           + R"("mode": )" + std::to_string(mode) + "}");
  std::map<int, int> seen;
  for (int i = 0; i < 60 && seen.size() < 3; ++i) {
    auto f = c.read();
    if (f.find(R"("type": "market_data")") == std::string::npos)
      continue;
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseFullPrecisionFlag>(f.c_str()); // strict: any defect fails
    CAF_REQUIRE(!doc.HasParseError());
    int mode = doc["mode"].GetInt();
    ++seen[mode];
    CAF_CHECK(keys_of(doc) == recorded[mode].first);
    auto& data = doc["data"];
    auto want = recorded[mode].second;
    CAF_CHECK(keys_of(data) == want);
    CAF_CHECK_EQUAL(std::string{data["symbol"].GetString()}, doc["symbol"].GetString());
    if (mode == 3) {
      double ltp = data["ltp"].GetDouble();
      for (auto side : {"buy", "sell"}) {
        auto& levels = data["depth"][side];
        CAF_REQUIRE_EQUAL(levels.Size(), 5u);
        for (auto& lvl : levels.GetArray()) // each price near the LTP: no digit lost
          CAF_CHECK_LESS(std::fabs(lvl["price"].GetDouble() - ltp), 1.0);
      }
    }
  }
  CAF_CHECK_EQUAL(seen.size(), 3u);
}

CAF_TEST(subscriptions are answered as the real server answers them) {
  raw_client c{port};
  // Its recorded reply to a good subscription (the recording's broker is called fakebroker).
  std::string expected;
  for (auto& [title, lines] : transcript_sections())
    for (auto& l : lines)
      if (expected.empty() && l.find(R"("type": "subscribe", "status": "success")") != std::string::npos
          && l.find("RELIANCE") != std::string::npos)
        expected = l.substr(6);
  CAF_REQUIRE(!expected.empty());
  for (size_t at; (at = expected.find("fakebroker")) != std::string::npos;)
    expected.replace(at, 10, "sandbox");
  c.send(R"({"action": "subscribe", "symbol": "RELIANCE", "exchange": "NSE", "mode": 1})");
  CAF_CHECK_EQUAL(c.read_reply(), expected);
  // A symbol the broker does not know: partial, with the symbol's own error.
  c.send(R"({"action": "subscribe", "mode": 1, "request_id": "r7", "symbols": [)"
         R"({"symbol": "SBIN", "exchange": "NSE"}, {"symbol": "NOSUCH", "exchange": "NSE"}]})");
  auto reply = c.read_reply();
  CAF_CHECK_EQUAL(reply,
                  R"x({"type": "subscribe", "status": "partial", "subscriptions": [{"symbol": )x"
                  R"x("SBIN", "exchange": "NSE", "status": "success", "mode": "LTP", "depth": 5, )x"
                  R"x("broker": "sandbox"}, {"symbol": "NOSUCH", "exchange": "NSE", "status": )x"
                  R"x("error", "message": "Symbol NOSUCH not found for exchange NSE", "broker": )x"
                  R"x("sandbox"}], "message": "Subscription processing complete", "broker": )x"
                  R"x("sandbox", "request_id": "r7"})x");
}

CAF_TEST(each symbol ticks on its own frame spread over the interval in a seeded order) {
  raw_client c{port};
  auto symbols = four_options(broker);
  auto m = measure_ticks(c, symbols, 41); // 10 intervals of 20 ms
  CAF_CHECK(m.one_symbol_per_frame);
  auto median = m.gaps_ms[m.gaps_ms.size() / 2];
  CAF_MESSAGE("spread ticks: median gap " << median << " ms (interval 20 ms, 4 symbols)");
  CAF_CHECK_GREATER_OR_EQUAL(median, 2.0); // 5 ms apart, not one burst
  std::set<std::vector<std::string>> orders{m.rounds.begin(), m.rounds.end()};
  CAF_CHECK_GREATER(orders.size(), 1u); // the order changes from interval to interval
}

CAF_TEST(tick burst sends every symbol of an interval at once) {
  on_io([this] { server->set_tick_burst(true); });
  raw_client c{port};
  auto symbols = four_options(broker);
  auto m = measure_ticks(c, symbols, 41);
  auto median = m.gaps_ms[m.gaps_ms.size() / 2];
  CAF_MESSAGE("burst ticks: median gap " << median << " ms");
  CAF_CHECK_LESS(median, 2.0); // three of every four frames come at once
}

CAF_TEST_FIXTURE_SCOPE_END()
