#define CAF_SUITE gateways.rest_contract
#include "tests/test.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <algorithm>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "gateways/openalgo/replies.hpp"
#include "gateways/openalgo/requests.hpp"
#include "gateways/openalgo/rest_client.hpp"
#include "sim/http_server.hpp"

using namespace algomirror;
using namespace algomirror::openalgo;
namespace asio = boost::asio;

namespace {

const std::string key = std::string(64, 'a');

/// openalgo-sim in-process on an ephemeral loopback port, a client on the same io thread.
struct contract_fixture {
  scaled_clock time{*parse_iso8601("2026-11-25T10:00:00+05:30"), 1.0};
  sim::broker broker{default_instruments(), time, 7};
  sim::http_api api{broker, {{key, "acc1"}}};
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  std::shared_ptr<sim::http_server> server;
  uint16_t port = 0;
  std::unique_ptr<rest_client> client;
  std::thread runner;
  std::string call_symbol;

  contract_fixture() {
    broker.add_account("acc1", 10'000'000);
    broker.set_spot("NIFTY", 24010);
    call_symbol = option_symbol("NIFTY", broker.expiries("NIFTY", false).front(), 24000,
                                option_type::ce);
    server = std::make_shared<sim::http_server>(
      io, asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}, api, broker, "acc1",
      sim::rate_limits{3, 50});
    port = server->start();
    client = std::make_unique<rest_client>(
      io, rest_client_config{"127.0.0.1", port, std::chrono::milliseconds{2000}, 2});
    runner = std::thread{[this] { io.run(); }};
  }

  ~contract_fixture() {
    client->close();
    asio::post(io, [this] { server->stop(); });
    guard.reset();
    io.stop();
    runner.join();
  }

  http_result post(const std::string& endpoint, const std::string& body) {
    std::promise<http_result> p;
    auto f = p.get_future();
    client->post(endpoint, body, [&p](http_result r) { p.set_value(std::move(r)); });
    if (f.wait_for(std::chrono::seconds{20}) != std::future_status::ready)
      CAF_FAIL("no completion for " << endpoint);
    return f.get();
  }

  order_intent intent(int64_t qty, side action = side::buy, std::string tag = "AM:1:1:1") {
    order_intent i;
    i.tag = std::move(tag);
    i.inst = {call_symbol, exchange::nfo};
    i.action = action;
    i.quantity = qty;
    i.order_product = product::nrml;
    return i;
  }
};

template <class T>
const T& ok(const decoded<T>& d) {
  if (auto* e = std::get_if<reply_error>(&d))
    CAF_FAIL("expected a value, got " << to_string(e->kind) << ": " << e->message);
  return std::get<T>(d);
}

template <class T>
reply_error err(const decoded<T>& d) {
  if (auto* e = std::get_if<reply_error>(&d))
    return *e;
  CAF_FAIL("expected an error");
  return {};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(rest_contract_tests, contract_fixture)

CAF_TEST(an order round trip through client and simulator) {
  auto r = post("ping", key_only_body(key));
  CAF_CHECK_EQUAL(ok(decode_ping(r.status, r.body)), "sandbox");
  r = post("placeorder", place_order_body(key, intent(130)));
  auto ids = ok(decode_order_ids(r.status, r.body));
  CAF_REQUIRE_EQUAL(ids.size(), 1u);
  r = post("orderstatus", order_id_body(key, "AM:1:1:1", ids[0]));
  auto order = ok(decode_order_status(r.status, r.body));
  CAF_CHECK(order.status == order_status::complete);
  CAF_CHECK_EQUAL(order.filled_quantity, 130);
  CAF_CHECK(order.average_price > 0);
  CAF_CHECK_EQUAL(order.strategy_tag, "AM:1:1:1");
  r = post("positionbook", key_only_body(key));
  auto positions = ok(decode_positionbook(r.status, r.body));
  CAF_REQUIRE_EQUAL(positions.size(), 1u);
  CAF_CHECK_EQUAL(positions[0].net_quantity, 130);
  CAF_CHECK(positions[0].order_product == product::nrml);
  r = post("tradebook", key_only_body(key));
  CAF_CHECK_EQUAL(ok(decode_tradebook(r.status, r.body)).size(), 1u);
  r = post("orderbook", key_only_body(key));
  CAF_CHECK_EQUAL(ok(decode_orderbook(r.status, r.body)).size(), 1u);
  r = post("funds", key_only_body(key));
  auto f = ok(decode_funds(r.status, r.body));
  CAF_CHECK(f.utilised_debits > 0);
  r = post("quotes", quotes_body(key, {"NIFTY", exchange::nse_index}));
  CAF_CHECK(ok(decode_quote(r.status, r.body, {"NIFTY", exchange::nse_index})).ltp > 20000);
  r = post("multiquotes", multiquotes_body(key, {{call_symbol, exchange::nfo}, {"NOPE", exchange::nse}}));
  CAF_CHECK_EQUAL(ok(decode_multiquotes(r.status, r.body)).size(), 1u);
  r = post("expiry", expiry_body(key, "NIFTY", exchange::nfo, "options"));
  CAF_CHECK(ok(decode_expiries(r.status, r.body)).size() >= 6);
}

CAF_TEST(every error kind arrives typed) {
  auto r = post("ping", key_only_body("wrong"));
  CAF_CHECK(err(decode_ping(r.status, r.body)).kind == outcome::unauthorized);
  r = post("nosuch", key_only_body(key));
  CAF_CHECK(classify(r.status, r.body).kind == outcome::not_found);
  r = post("placeorder", place_order_body(key, intent(10)));
  auto lot = err(decode_order_ids(r.status, r.body));
  CAF_CHECK(lot.kind == outcome::rejected);
  CAF_CHECK_EQUAL(lot.message, "Quantity must be in multiples of lot size 65");
  r = post("placeorder", R"({"apikey":")" + key + R"(","strategy":"t"})");
  auto schema = err(decode_order_ids(r.status, r.body));
  CAF_CHECK(schema.kind == outcome::rejected);
  CAF_CHECK(schema.message.find("Missing data for required field.") != std::string::npos);
  r = post("orderstatus", order_id_body(key, "t", "999"));
  CAF_CHECK(err(decode_order_status(r.status, r.body)).kind == outcome::not_found);
  r = post("funds", "{not json");
  CAF_CHECK(classify(r.status, r.body).kind == outcome::rejected);
}

CAF_TEST(the order rate limit answers 429 like the real server) {
  std::vector<std::future<http_result>> pending;
  std::vector<std::promise<http_result>> promises(6);
  for (auto& p : promises) {
    pending.push_back(p.get_future());
    client->post("placeorder", place_order_body(key, intent(65)),
                 [&p](http_result r) { p.set_value(std::move(r)); });
  }
  int accepted = 0, limited = 0;
  for (auto& f : pending) {
    CAF_REQUIRE(f.wait_for(std::chrono::seconds{20}) == std::future_status::ready);
    auto r = f.get();
    auto kind = classify(r.status, r.body).kind;
    accepted += kind == outcome::ok;
    limited += kind == outcome::rate_limited;
  }
  // Six requests in one burst against 3 per second: at least three go through, and unless the
  // machine stalls for a second mid-burst the other three are refused.
  CAF_CHECK(accepted >= 3);
  CAF_CHECK(limited >= 1);
  CAF_CHECK_EQUAL(accepted + limited, 6);
  auto ledger = post("/control/ledger", "{}");
  CAF_CHECK(ledger.body.find("\"strategy\":\"AM:1:1:1\"") != std::string::npos);
}

CAF_TEST(faults become unknown outcomes and the client recovers) {
  CAF_REQUIRE_EQUAL(post("/control/faults", R"({"status":500,"count":1})").status, 200);
  auto r = post("placeorder", place_order_body(key, intent(65)));
  CAF_CHECK(classify(r.status, r.body).kind == outcome::outcome_unknown);
  CAF_REQUIRE_EQUAL(post("/control/faults", R"({"drop":1})").status, 200);
  r = post("ping", key_only_body(key));
  CAF_CHECK(!r.transport_error.empty()); // the connection closed without a reply
  CAF_REQUIRE_EQUAL(post("/control/faults", R"({"hang":1,"endpoint":"ping"})").status, 200);
  r = post("ping", key_only_body(key));
  CAF_CHECK_EQUAL(r.transport_error, "timeout");
  r = post("ping", key_only_body(key)); // a new connection serves the next request
  CAF_CHECK_EQUAL(ok(decode_ping(r.status, r.body)), "sandbox");
  // The simulator's ledger holds no order from the 500 (it never reached the broker).
  auto ledger = post("/control/ledger", "{}");
  CAF_CHECK(ledger.body.find("\"ledger\":[]") != std::string::npos);
}

CAF_TEST(modify cancel all open position and close position) {
  // A resting LIMIT order, modified, then cancelled by cancelallorder.
  auto resting = intent(65);
  resting.kind = price_type::limit;
  resting.price = 0.05;
  auto r = post("placeorder", place_order_body(key, resting));
  auto id = ok(decode_order_ids(r.status, r.body)).at(0);
  broker_order changed;
  changed.inst = resting.inst;
  changed.action = side::buy;
  changed.order_product = product::nrml;
  changed.kind = price_type::limit;
  changed.price = 0.1;
  changed.quantity = 130;
  r = post("modifyorder", modify_order_body(key, "AM:1:1:1", id, changed));
  CAF_CHECK(classify(r.status, r.body).kind == outcome::ok);
  r = post("orderstatus", order_id_body(key, "AM:1:1:1", id));
  auto modified = ok(decode_order_status(r.status, r.body));
  CAF_CHECK_EQUAL(modified.quantity, 130);
  CAF_CHECK_EQUAL(modified.price, 0.1);
  r = post("cancelallorder", strategy_only_body(key, "AM"));
  CAF_CHECK(r.body.find(id) != std::string::npos);
  r = post("orderstatus", order_id_body(key, "AM:1:1:1", id));
  CAF_CHECK(ok(decode_order_status(r.status, r.body)).status == order_status::cancelled);
  // A short, its net quantity, then closeposition squares it off.
  r = post("placeorder", place_order_body(key, intent(130, side::sell)));
  CAF_REQUIRE(classify(r.status, r.body).kind == outcome::ok);
  r = post("openposition",
           open_position_body(key, "AM", {call_symbol, exchange::nfo}, product::nrml));
  CAF_CHECK_EQUAL(ok(decode_open_position(r.status, r.body)), -130);
  r = post("closeposition", strategy_only_body(key, "AM"));
  CAF_CHECK(r.body.find("\"closed_positions\":1") != std::string::npos);
  r = post("openposition",
           open_position_body(key, "AM", {call_symbol, exchange::nfo}, product::nrml));
  CAF_CHECK_EQUAL(ok(decode_open_position(r.status, r.body)), 0);
}

CAF_TEST(rejections after acceptance and a broker square off) {
  CAF_REQUIRE_EQUAL(post("/control/order_faults", R"({"reject":1,"reject_message":"RMS: blocked"})").status,
                    200);
  auto r = post("placeorder", place_order_body(key, intent(65)));
  auto id = ok(decode_order_ids(r.status, r.body)).at(0); // accepted with an id
  r = post("orderstatus", order_id_body(key, "AM:1:1:1", id));
  CAF_CHECK(ok(decode_order_status(r.status, r.body)).status == order_status::rejected);
  r = post("placeorder", place_order_body(key, intent(130, side::sell)));
  CAF_REQUIRE(classify(r.status, r.body).kind == outcome::ok);
  CAF_REQUIRE_EQUAL(post("/control/square_off", "{}").status, 200);
  r = post("positionbook", key_only_body(key));
  for (auto& p : ok(decode_positionbook(r.status, r.body)))
    CAF_CHECK_EQUAL(p.net_quantity, 0);
}

CAF_TEST(split and smart orders) {
  auto r = post("splitorder", split_order_body(key, intent(65 * 5), 130));
  auto ids = ok(decode_order_ids(r.status, r.body));
  CAF_CHECK_EQUAL(ids.size(), 3u); // 130 + 130 + 65
  r = post("placesmartorder", smart_order_body(key, intent(65), 0)); // flatten the 325 long
  CAF_REQUIRE(classify(r.status, r.body).kind == outcome::ok);
  r = post("openposition",
           open_position_body(key, "AM", {call_symbol, exchange::nfo}, product::nrml));
  CAF_CHECK_EQUAL(ok(decode_open_position(r.status, r.body)), 0);
  r = post("placesmartorder", smart_order_body(key, intent(65), -130)); // go short 130
  CAF_REQUIRE(classify(r.status, r.body).kind == outcome::ok);
  r = post("openposition",
           open_position_body(key, "AM", {call_symbol, exchange::nfo}, product::nrml));
  CAF_CHECK_EQUAL(ok(decode_open_position(r.status, r.body)), -130);
  r = post("placesmartorder", smart_order_body(key, intent(65), -130)); // already there
  auto nothing = err(decode_order_ids(r.status, r.body));
  CAF_CHECK(nothing.kind == outcome::no_action);
  CAF_CHECK_EQUAL(nothing.message, "Positions Already Matched. No Action needed.");
  r = post("depth", quotes_body(key, {call_symbol, exchange::nfo}));
  auto depth = ok(decode_depth(r.status, r.body, {call_symbol, exchange::nfo}));
  CAF_CHECK(depth.ask > depth.bid && depth.bid > 0);
  r = post("holdings", key_only_body(key));
  CAF_CHECK(ok(decode_holdings(r.status, r.body)).empty());
  r = post("analyzer", key_only_body(key));
  CAF_CHECK_EQUAL(ok(decode_analyzer(r.status, r.body)), "analyze");
}

CAF_TEST(the option chain around ATM) {
  auto expiry = format_symbol_expiry(broker.expiries("NIFTY", false).front());
  auto r = post("optionchain", option_chain_body(key, "NIFTY", exchange::nse_index, expiry, 2));
  auto chain = ok(decode_option_chain(r.status, r.body));
  CAF_CHECK_EQUAL(chain.atm_strike, 24000);
  CAF_REQUIRE_EQUAL(chain.rows.size(), 5u);
  CAF_CHECK_EQUAL(chain.rows[0].strike, 23900);
  CAF_CHECK(chain.rows[2].call.inst.symbol.find("24000CE") != std::string::npos);
  CAF_CHECK(chain.rows[2].call.ltp > 0 && chain.rows[2].put.ltp > 0);
  CAF_CHECK(chain.rows[0].call.ltp > chain.rows[4].call.ltp); // calls cheaper up the chain
  CAF_CHECK(r.body.find("\"label\": \"ITM2\"") != std::string::npos);
  r = post("optionchain", option_chain_body(key, "NIFTY", exchange::nse_index, "garbage", 2));
  CAF_CHECK(classify(r.status, r.body).message.find("Validation error") == 0);
}

CAF_TEST(option symbols and history) {
  auto r = post("optionsymbol", option_symbol_body(key, "NIFTY", exchange::nse_index, "", "OTM2",
                                                   option_type::ce));
  auto info = ok(decode_option_symbol(r.status, r.body));
  CAF_CHECK(info.inst.symbol.find("24100CE") != std::string::npos); // ATM 24000 + 2 steps
  CAF_CHECK_EQUAL(info.lot_size, 65);
  CAF_CHECK_EQUAL(info.freeze_quantity, 1800);
  CAF_CHECK(r.body.rfind("{\"status\": \"success\", \"symbol\": ", 0) == 0); // restx style
  r = post("optionsymbol", option_symbol_body(key, "NIFTY", exchange::nse_index, "", "OTM99",
                                              option_type::ce));
  CAF_CHECK(classify(r.status, r.body).message.find("offset") != std::string::npos);
  r = post("history", history_body(key, {"NIFTY", exchange::nse_index}, "5m", "2026-11-24",
                                   "2026-11-25"));
  auto bars = ok(decode_history(r.status, r.body));
  // 24 Nov: the whole session (75 bars of 5 minutes); 25 Nov: 09:15 to 10:00 (9 bars).
  CAF_CHECK_EQUAL(bars.size(), 84u);
  for (auto& b : bars)
    CAF_REQUIRE(b.low <= b.open && b.open <= b.high && b.low <= b.close && b.close <= b.high);
  r = post("history", history_body(key, {"NIFTY", exchange::nse_index}, "5m", "2026-11-24",
                                   "2026-11-25"));
  CAF_CHECK(ok(decode_history(r.status, r.body)) == bars); // the same bars every time
}

CAF_TEST(a kept alive client writing headers and body apart is answered without a delayed ack) {
  // As the OpenAlgo Python SDK 2.0.1 writes: the headers, then the body, on one kept-alive
  // connection with Nagle on (the client's default). Were the headers' acknowledgement
  // delayed, Nagle would hold the body ~40 ms every request.
  asio::io_context cio;
  asio::ip::tcp::socket sock{cio};
  sock.connect({asio::ip::make_address("127.0.0.1"), port});
  std::string body = R"({"apikey":")" + key + R"("})";
  std::string head = "POST /api/v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                     "application/json\r\nConnection: keep-alive\r\nContent-Length: "
                     + std::to_string(body.size()) + "\r\n\r\n";
  std::vector<double> ms;
  asio::streambuf in;
  for (int i = 0; i < 100; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    asio::write(sock, asio::buffer(head));
    asio::write(sock, asio::buffer(body));
    auto n = asio::read_until(sock, in, "\r\n\r\n");
    std::string headers{asio::buffers_begin(in.data()), asio::buffers_begin(in.data()) + n};
    in.consume(n);
    auto at = headers.find("Content-Length: ");
    CAF_REQUIRE(at != std::string::npos);
    size_t length = std::stoul(headers.substr(at + 16));
    if (in.size() < length)
      asio::read(sock, in, asio::transfer_exactly(length - in.size()));
    in.consume(length);
    ms.push_back(
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    // Answered (past the fixture's 50 a second, with 429: the timing is the same).
    if (headers.rfind("HTTP/1.1 200", 0) != 0 && headers.rfind("HTTP/1.1 429", 0) != 0)
      CAF_FAIL("refused: " << headers);
  }
  std::sort(ms.begin(), ms.end());
  auto median = ms[ms.size() / 2];
  CAF_MESSAGE("two-write requests on one kept-alive connection: median " << median << " ms, p99 "
                                                                        << ms[98] << " ms");
  CAF_CHECK_LESS(median, 20.0); // the target is under 5 ms; a delayed ack would be ~40
}

CAF_TEST_FIXTURE_SCOPE_END()
