#define CAF_SUITE gateways.openalgo
#include "tests/test.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include "gateways/openalgo/frames.hpp"
#include "gateways/openalgo/replies.hpp"
#include "gateways/openalgo/requests.hpp"

using namespace algomirror;
using namespace algomirror::openalgo;

namespace {

struct recorded_reply {
  std::string name;
  int status = 0;
  std::string body;
};

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  CAF_REQUIRE(in.good());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The recorded REST exchanges: `### name -> HTTP status [type]`, `REQ:`, `RESP:` blocks.
std::map<std::string, recorded_reply> load_rest() {
  std::map<std::string, recorded_reply> out;
  std::istringstream in{read_file(std::string{ALGOMIRROR_TRANSCRIPTS_DIR} + "/rest.txt")};
  std::string line;
  recorded_reply current;
  while (std::getline(in, line)) {
    if (line.rfind("### ", 0) == 0) {
      auto arrow = line.find(" -> HTTP ");
      if (arrow == std::string::npos)
        continue; // the summary line of the burst test
      current = {};
      current.name = line.substr(4, arrow - 4);
      while (!current.name.empty() && current.name.back() == ' ')
        current.name.pop_back();
      current.status = std::stoi(line.substr(arrow + 9, 3));
    } else if (line.rfind("RESP: ", 0) == 0 && !current.name.empty()) {
      current.body = line.substr(6);
      out[current.name] = current;
    }
  }
  return out;
}

template <class T>
const T& value(const decoded<T>& d) {
  if (auto* e = std::get_if<reply_error>(&d))
    CAF_FAIL("expected a value, got " << to_string(e->kind) << ": " << e->message);
  return std::get<T>(d);
}

template <class T>
reply_error error_of(const decoded<T>& d) {
  if (auto* e = std::get_if<reply_error>(&d))
    return *e;
  CAF_FAIL("expected an error, got a value");
  return {};
}

} // namespace

CAF_TEST(every recorded reply is classified by its status) {
  auto rest = load_rest();
  CAF_REQUIRE(rest.size() >= 45);
  for (auto& [name, r] : rest) {
    auto c = classify(r.status, r.body);
    outcome expected = outcome::ok;
    switch (r.status) {
      case 200:
        expected = outcome::ok;
        break;
      case 400:
        expected = outcome::rejected;
        break;
      case 403:
        expected = outcome::unauthorized;
        break;
      case 404:
        expected = outcome::not_found;
        break;
      case 429:
        expected = outcome::rate_limited;
        break;
      default:
        expected = outcome::outcome_unknown;
    }
    if (c.kind != expected)
      CAF_FAIL(name << ": classified " << to_string(c.kind) << ", expected "
                    << to_string(expected));
    if (expected != outcome::ok && c.message.empty())
      CAF_FAIL(name << ": no message extracted");
  }
}

CAF_TEST(recorded success replies decode into typed values) {
  auto rest = load_rest();
  auto& ping = rest.at("ping");
  CAF_CHECK_EQUAL(value(decode_ping(ping.status, ping.body)), "fakebroker");
  auto& funds_reply = rest.at("funds");
  CAF_CHECK_EQUAL(value(decode_funds(funds_reply.status, funds_reply.body)).available_cash,
                  10'000'000);
  auto& placed = rest.at("placeorder MARKET CNC");
  auto ids = value(decode_order_ids(placed.status, placed.body));
  CAF_REQUIRE_EQUAL(ids.size(), 1u);
  CAF_CHECK_EQUAL(ids[0], "26112522840697");
  auto& split = rest.at("splitorder");
  CAF_CHECK_EQUAL(value(decode_order_ids(split.status, split.body)).size(), 3u);
  auto& status = rest.at("orderstatus");
  auto order = value(decode_order_status(status.status, status.body));
  CAF_CHECK(order.status == order_status::trigger_pending);
  CAF_CHECK(order.kind == price_type::stop_limit); // from `price_type`
  CAF_CHECK_EQUAL(order.trigger_price, 25950);
  CAF_CHECK(order.inst == (instrument{"NIFTY30DEC25FUT", exchange::nfo}));
  auto& book = rest.at("orderbook");
  auto orders = value(decode_orderbook(book.status, book.body));
  CAF_REQUIRE(!orders.empty());
  CAF_CHECK(orders[0].status == order_status::complete);
  CAF_CHECK_EQUAL(orders[0].strategy_tag, "t");
  auto& trades = rest.at("tradebook");
  auto trade_rows = value(decode_tradebook(trades.status, trades.body));
  CAF_REQUIRE(!trade_rows.empty());
  CAF_CHECK(trade_rows[0].trade_id.rfind("TRADE-", 0) == 0);
  auto& positions = rest.at("positionbook");
  auto rows = value(decode_positionbook(positions.status, positions.body));
  CAF_REQUIRE_EQUAL(rows.size(), 2u);
  CAF_CHECK_EQUAL(rows[0].net_quantity, 7);
  CAF_CHECK(rows[0].order_product == product::cnc);
  auto& q = rest.at("quotes");
  auto quote_value = value(decode_quote(q.status, q.body, {"RELIANCE", exchange::nse}));
  CAF_CHECK_EQUAL(quote_value.ltp, 1500);
  CAF_CHECK_EQUAL(quote_value.ask, 1500.1);
  auto& mq = rest.at("multiquotes");
  auto quotes = value(decode_multiquotes(mq.status, mq.body));
  CAF_REQUIRE_EQUAL(quotes.size(), 1u); // the unknown symbol's entry is left out
  CAF_CHECK_EQUAL(quotes[0].inst.symbol, "RELIANCE");
  auto& dp = rest.at("depth");
  auto depth = value(decode_depth(dp.status, dp.body, {"RELIANCE", exchange::nse}));
  CAF_CHECK(depth.ask > 0 && depth.bid > 0 && depth.ask >= depth.bid);
  auto& an = rest.at("analyzer");
  CAF_CHECK_EQUAL(value(decode_analyzer(an.status, an.body)), "analyze");
  CAF_CHECK(std::holds_alternative<reply_error>(
    decode_analyzer(200, R"({"data":{"mode":"analyze"},"status":"success"})")));
  CAF_CHECK_EQUAL(value(decode_analyzer(200, R"({"data":{"analyze_mode":false,"mode":"live"},)"
                                             R"("status":"success"})")),
                  "live");
  auto& hold = rest.at("holdings");
  CAF_CHECK(std::holds_alternative<std::vector<broker_position>>(
    decode_holdings(hold.status, hold.body)));
  CAF_CHECK(transport_failure("timeout").kind == outcome::outcome_unknown);
  auto& ex = rest.at("expiry");
  CAF_CHECK(value(decode_expiries(ex.status, ex.body)).empty());
  auto& os = rest.at("optionsymbol");
  auto info = value(decode_option_symbol(os.status, os.body));
  CAF_CHECK_EQUAL(info.inst.symbol, "NIFTY30DEC2525950CE");
  CAF_CHECK_EQUAL(info.lot_size, 75);
  CAF_CHECK_EQUAL(info.freeze_quantity, 1800);
  // symbol: the broker's lot size a run checks its instrument table against (§1).
  auto& sy = rest.at("symbol");
  auto contract = value(decode_symbol(sy.status, sy.body));
  CAF_CHECK_EQUAL(contract.inst.symbol, "NIFTY30DEC25FUT");
  CAF_CHECK(contract.inst.exch == exchange::nfo);
  CAF_CHECK_EQUAL(contract.lot_size, 75);
  CAF_CHECK_EQUAL(contract.freeze_quantity, 1800);
  CAF_CHECK_EQUAL(contract.tick_size, 0.1);
  CAF_CHECK(std::holds_alternative<reply_error>(
    decode_symbol(200, R"({"data":{"symbol":"X","exchange":"NFO","lotsize":0},"status":"success"})")));
}

CAF_TEST(recorded errors say what kind they are) {
  auto rest = load_rest();
  auto& bad_key = rest.at("ping bad key");
  auto e = error_of(decode_ping(bad_key.status, bad_key.body));
  CAF_CHECK(e.kind == outcome::unauthorized);
  CAF_CHECK_EQUAL(e.message, "Invalid openalgo apikey");
  auto& missing = rest.at("ping missing key"); // shape B
  CAF_CHECK_EQUAL(classify(missing.status, missing.body).message,
                  "apikey: Missing data for required field.");
  auto& lot = rest.at("placeorder lot-size violation"); // shape D
  e = error_of(decode_order_ids(lot.status, lot.body));
  CAF_CHECK(e.kind == outcome::rejected);
  CAF_CHECK_EQUAL(e.message, "Quantity must be in multiples of lot size 75");
  auto& unknown = rest.at("orderstatus unknown");
  CAF_CHECK(error_of(decode_order_status(unknown.status, unknown.body)).kind
            == outcome::not_found);
  auto& validation = rest.at("optionsorder validation error"); // shape C
  CAF_CHECK(classify(validation.status, validation.body).message.find("Validation error:")
            == 0);
  auto& non_json = rest.at("placeorder non-JSON body"); // restx shape E
  CAF_CHECK(classify(non_json.status, non_json.body).kind == outcome::rejected);
}

CAF_TEST(semi auto success without an order id is its own outcome) {
  auto e = error_of(decode_order_ids(
    200, R"({"status":"success","message":"Order queued for approval in Action Center",)"
         R"("mode":"semi_auto","pending_order_id":12})"));
  CAF_CHECK(e.kind == outcome::queued_for_approval);
  CAF_CHECK(e.message.find("Action Center") != std::string::npos);
  CAF_CHECK(classify(403, R"({"message":"Operation not allowed in semi-auto mode","status":"error"})")
              .kind
            == outcome::rejected);
}

CAF_TEST(statuses without a body shape still classify) {
  CAF_CHECK(classify(429, R"({"message": "10 per 1 second"})").kind == outcome::rate_limited);
  CAF_CHECK(classify(429, "").kind == outcome::rate_limited);
  CAF_CHECK(classify(500, "<html>Internal Server Error</html>").kind == outcome::outcome_unknown);
  CAF_CHECK(classify(502, "").kind == outcome::outcome_unknown);
  CAF_CHECK(classify(501, R"({"message":"Margin not implemented","status":"error"})").kind
            == outcome::rejected);
  CAF_CHECK(classify(403, "Access Denied: Your IP has been banned").kind
            == outcome::unauthorized);
  CAF_CHECK(classify(200, "<html>").kind == outcome::malformed);
  CAF_CHECK(classify(200, "[1,2]").kind == outcome::malformed);
  CAF_CHECK(classify(200, R"({"data":{}})").kind == outcome::malformed);
}

CAF_TEST(numbers may come as strings and unknown keys are ignored) {
  auto f = value(decode_funds(200, R"({"data":{"availablecash":"320.66","collateral":"0.00",)"
                                   R"("m2mrealized":"-12.5","m2munrealized":"0","utiliseddebits":)"
                                   R"("100.10","brand_new_key":[1]},"status":"success"})"));
  CAF_CHECK_EQUAL(f.available_cash, 320.66);
  CAF_CHECK_EQUAL(f.utilised_debits, 100.1);
  CAF_CHECK_EQUAL(f.m2m_realized, -12.5);
  auto p = value(decode_positionbook(
    200, R"({"data":[{"symbol":"NIFTY25NOV2524000CE","exchange":"NFO","product":"NRML",)"
         R"("quantity":"-10","average_price":"101.5","ltp":"99","pnl":"25"}],"status":"success"})"));
  CAF_REQUIRE_EQUAL(p.size(), 1u);
  CAF_CHECK_EQUAL(p[0].net_quantity, -10);
  CAF_CHECK(p[0].order_product == product::nrml);
}

CAF_TEST(mistyped values are malformed and never a silent zero position) {
  auto e = error_of(decode_positionbook(
    200, R"({"data":[{"symbol":"X","exchange":"NFO","product":"NRML","quantity":{"a":1}}],)"
         R"("status":"success"})"));
  CAF_CHECK(e.kind == outcome::malformed);
  e = error_of(decode_positionbook(
    200, R"({"data":[{"symbol":"X","exchange":"MARS","product":"NRML","quantity":1}],)"
         R"("status":"success"})"));
  CAF_CHECK(e.kind == outcome::malformed);
  CAF_CHECK(e.message.find("unknown exchange") != std::string::npos);
  CAF_CHECK(error_of(decode_funds(200, R"({"data":{"availablecash":"lots"},"status":"success"})"))
              .kind
            == outcome::malformed);
  CAF_CHECK(error_of(decode_positionbook(200, R"({"data":"none","status":"success"})")).kind
            == outcome::malformed);
  CAF_CHECK(error_of(decode_ping(200, R"({"data":{"broker":{}},"status":"success"})")).kind
            == outcome::malformed);
}

CAF_TEST(truncated and oversized replies never crash and are malformed) {
  auto rest = load_rest();
  size_t checked = 0;
  for (auto& [name, r] : rest) {
    if (r.status != 200)
      continue;
    for (size_t cut = 0; cut < r.body.size(); ++cut) {
      std::string_view part{r.body.data(), cut};
      auto c = classify(200, part);
      if (c.kind == outcome::ok)
        CAF_FAIL(name << " cut at " << cut << " was taken as a good reply");
      // Every decoder copes with it.
      (void) decode_order_ids(200, part);
      (void) decode_orderbook(200, part);
      (void) decode_positionbook(200, part);
      (void) decode_funds(200, part);
      (void) decode_multiquotes(200, part);
      ++checked;
    }
  }
  CAF_CHECK(checked > 5000);
  std::string huge(max_reply_bytes + 1, ' ');
  CAF_CHECK(classify(200, huge).kind == outcome::malformed);
}

CAF_TEST(websocket frames decode by type then by error status) {
  auto t0 = utc_instant{std::chrono::seconds{1'795'596'929}};
  auto md = decode_frame(
    R"({"type": "market_data", "symbol": "RELIANCE", "exchange": "NSE", "mode": 3, "data": )"
    R"({"ltp": 3222.9, "timestamp": 1795596929124, "depth": {"buy": [{"price": 3222.0, )"
    R"("quantity": 12, "orders": 1}], "sell": [{"price": 3223.5, "quantity": 3}]}}, "broker": "b"})",
    t0);
  CAF_REQUIRE(md.kind == frame_kind::market_data);
  CAF_CHECK(md.price.inst == (instrument{"RELIANCE", exchange::nse}));
  CAF_CHECK_EQUAL(md.price.ltp, 3222.9);
  CAF_CHECK_EQUAL(md.price.bid, 3222.0);
  CAF_CHECK_EQUAL(md.price.ask, 3223.5);
  CAF_CHECK(md.mode == feed_mode::depth);
  CAF_CHECK(md.price.exchange_time
            == utc_instant{std::chrono::milliseconds{1'795'596'929'124}});
  CAF_CHECK(md.price.received_at == t0);
  auto upd = decode_frame(
    R"({"type": "order_update", "user_id": "tester", "mode": "analyze", "broker": "sandbox", )"
    R"("orderid": "26112565757868", "symbol": "SBIN", "exchange": "NSE", "action": "BUY", )"
    R"("quantity": 1, "price": 800.0, "trigger_price": 0.0, "pricetype": "MARKET", "product": )"
    R"("CNC", "order_status": "complete", "filled_quantity": 1, "pending_quantity": 0, )"
    R"("average_price": 800.0, "rejection_reason": ""})",
    t0);
  CAF_REQUIRE(upd.kind == frame_kind::order_update);
  CAF_CHECK_EQUAL(upd.order.broker_order_id, "26112565757868");
  CAF_CHECK(upd.order.status == order_status::complete);
  CAF_CHECK_EQUAL(upd.order.average_price, 800);
  auto auth = decode_frame(R"({"type": "auth", "status": "success", "broker": "fakebroker"})", t0);
  CAF_CHECK(auth.kind == frame_kind::auth && auth.ok && auth.broker == "fakebroker");
  auto err = decode_frame(
    R"({"status": "error", "code": "AUTHENTICATION_ERROR", "message": "Invalid API key"})", t0);
  CAF_CHECK(err.kind == frame_kind::error && err.code == "AUTHENTICATION_ERROR");
  CAF_CHECK(decode_frame("{not json", t0).kind == frame_kind::garbage);
  CAF_CHECK(decode_frame("[]", t0).kind == frame_kind::garbage);
  CAF_CHECK(decode_frame(R"({"hello": 1})", t0).kind == frame_kind::garbage);
  CAF_CHECK(decode_frame(R"({"type": "market_data", "symbol": "X", "exchange": "NOPE", "data": {}})", t0).kind
            == frame_kind::garbage);
  auto zero = decode_frame(R"({"type": "market_data", "symbol": "X", "exchange": "NSE", "mode": 1, "data": {"ltp": 0}})", t0);
  CAF_CHECK(zero.kind == frame_kind::market_data && zero.price.ltp == 0); // the feed drops it
}

CAF_TEST(every recorded websocket frame decodes without garbage) {
  std::istringstream in{read_file(std::string{ALGOMIRROR_TRANSCRIPTS_DIR} + "/ws.txt")};
  std::string line;
  size_t frames = 0;
  while (std::getline(in, line)) {
    if (line.rfind("RECV: ", 0) != 0)
      continue;
    auto f = decode_frame(line.substr(6), {});
    if (f.kind == frame_kind::garbage)
      CAF_FAIL("garbage: " << f.message << " in " << line.substr(0, 120));
    ++frames;
  }
  CAF_CHECK(frames >= 20);
}

CAF_TEST(request bodies carry only documented fields) {
  order_intent intent;
  intent.tag = "AM:1:2:1";
  intent.inst = {"NIFTY25NOV2524000CE", exchange::nfo};
  intent.action = side::sell;
  intent.quantity = 65;
  intent.kind = price_type::market;
  intent.order_product = product::nrml;
  CAF_CHECK_EQUAL(place_order_body("k\"ey", intent),
                  R"({"apikey":"k\"ey","strategy":"AM:1:2:1","exchange":"NFO","symbol":)"
                  R"("NIFTY25NOV2524000CE","action":"SELL","quantity":65,"pricetype":"MARKET",)"
                  R"("product":"NRML"})");
  intent.kind = price_type::stop_limit;
  intent.price = 101.5;
  intent.trigger_price = 100;
  auto sl = place_order_body("k", intent);
  CAF_CHECK(sl.find(R"("pricetype":"SL","product":"NRML","price":101.5,"trigger_price":100.0)")
            != std::string::npos);
  CAF_CHECK_EQUAL(ws_subscribe({"NIFTY", exchange::nse_index}, feed_mode::quote),
                  R"({"action":"subscribe","symbol":"NIFTY","exchange":"NSE_INDEX","mode":2})");
  CAF_CHECK_EQUAL(multiquotes_body("k", {{"A", exchange::nse}, {"B", exchange::nfo}}),
                  R"({"apikey":"k","symbols":[{"symbol":"A","exchange":"NSE"},)"
                  R"({"symbol":"B","exchange":"NFO"}]})");
}
