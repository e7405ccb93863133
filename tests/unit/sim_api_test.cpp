#define CAF_SUITE sim.api
#include "tests/test.hpp"

#include <algorithm>
#include <cmath>
#include <rapidjson/document.h>

#include "domain/clock.hpp"
#include "domain/instruments.hpp"
#include "sim/broker.hpp"
#include "sim/http_api.hpp"

using namespace algomirror;

namespace {

const std::string key(64, 'a');

struct api_fixture {
  manual_clock time{*parse_iso8601("2026-11-25T14:24:03+05:30")};
  sim::broker broker{default_instruments(), time, 5};
  sim::http_api api{broker, {{key, "tester"}}};

  api_fixture() { broker.add_account("tester", 10'000'000); }

  sim::http_reply post(const std::string& endpoint, const std::string& fields) {
    return api.handle("POST", "/api/v1/" + endpoint, "application/json",
                      R"({"apikey": ")" + key + "\", " + fields + "}");
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(sim_api_tests, api_fixture)

CAF_TEST(daily history is one bar a session) {
  auto r = post("history", R"("symbol": "NIFTY", "exchange": "NSE_INDEX", "interval": "D", )"
                           R"("start_date": "2026-11-16", "end_date": "2026-11-24")");
  CAF_REQUIRE_EQUAL(r.status, 200);
  rapidjson::Document doc;
  doc.Parse(r.body.c_str());
  CAF_REQUIRE(doc["data"].IsArray());
  CAF_CHECK_EQUAL(doc["data"].Size(), 7u); // Mon 16 … Tue 24, weekdays only
  for (auto& b : doc["data"].GetArray()) {
    CAF_CHECK_GREATER_OR_EQUAL(b["high"].GetDouble(), b["low"].GetDouble());
    CAF_CHECK_EQUAL(b["timestamp"].GetInt64() % 86400, 3 * 3600 + 45 * 60); // 09:15 IST
  }
}

CAF_TEST(an interval the schema does not take is a field error as on the real server) {
  auto r = post("history", R"("symbol": "NIFTY", "exchange": "NSE_INDEX", "interval": "7m", )"
                           R"("start_date": "2026-11-16", "end_date": "2026-11-24")");
  CAF_CHECK_EQUAL(r.status, 400);
  CAF_CHECK_EQUAL(r.body, "{\"message\":{\"interval\":[\"Must be one of: 1s, 5s, 10s, 15s, 30s, "
                          "45s, 1m, 2m, 3m, 5m, 10m, 15m, 20m, 30m, 1h, 2h, 3h, 4h, D, W, M, Q, "
                          "Y.\"]},\"status\":\"error\"}\n");
}

CAF_TEST(an option chain of an expiry that does not exist is not found) {
  auto r = post("optionchain",
                R"("underlying": "NIFTY", "exchange": "NSE_INDEX", "expiry_date": "01JAN20")");
  CAF_CHECK_EQUAL(r.status, 404);
  CAF_CHECK(r.body.find("No strikes found for NIFTY expiring 01JAN20. Please check expiry date "
                        "or update master contract.")
            != std::string::npos);
  auto listed = format_symbol_expiry(broker.expiries("NIFTY", false).front());
  auto ok = post("optionchain", R"("underlying": "NIFTY", "exchange": "NSE_INDEX", )"
                                R"("expiry_date": ")" + listed + "\"");
  CAF_CHECK_EQUAL(ok.status, 200);
}

CAF_TEST(history is one continuous path each bar opening at the previous close) {
  auto session_of = [](const bar& b) {
    return std::chrono::floor<std::chrono::days>(b.start + ist_offset);
  };
  {
    instrument inst{"NIFTY", exchange::nse_index};
    auto bars = broker.history(inst, 1, date{std::chrono::year{2026} / 11 / 23},
                               date{std::chrono::year{2026} / 11 / 25});
    CAF_REQUIRE_GREATER(bars.size(), 700u);
    std::vector<double> jumps;
    size_t joined = 0;
    for (size_t i = 1; i < bars.size(); ++i) {
      if (session_of(bars[i]) != session_of(bars[i - 1]))
        continue; // overnight: a gap, as in a real market
      CAF_CHECK_LESS_OR_EQUAL(std::fabs(bars[i].open - bars[i - 1].close), 0.05);
      jumps.push_back(std::fabs(bars[i].close - bars[i - 1].close));
      ++joined;
    }
    CAF_CHECK_GREATER(joined, 700u);
    std::sort(jumps.begin(), jumps.end());
    auto median = jumps[jumps.size() / 2];
    CAF_MESSAGE("median jump between NIFTY 1m closes: " << median << " points");
    CAF_CHECK_LESS(median, 15.0); // was 134.6: every bar an independent draw
    // The path ends at the live price.
    auto live = broker.quote_of(inst)->ltp;
    CAF_CHECK_LESS(std::fabs(bars.back().close - live) / live, 0.01);
  }
  // Options follow the same path: their bars join too.
  auto call = option_symbol("NIFTY", broker.expiries("NIFTY", false).front(), 26000,
                            option_type::ce);
  auto bars = broker.history({call, exchange::nfo}, 5, date{std::chrono::year{2026} / 11 / 25},
                             date{std::chrono::year{2026} / 11 / 25});
  CAF_REQUIRE_GREATER(bars.size(), 50u);
  for (size_t i = 1; i < bars.size(); ++i)
    CAF_CHECK_LESS_OR_EQUAL(std::fabs(bars[i].open - bars[i - 1].close), 0.05);
}

CAF_TEST(analyzer reports and toggles the mode as the real server does) {
  // The recorded replies (openalgo-transcripts/rest.txt, "analyzer" and "analyzer toggle on").
  auto r = post("analyzer", R"("x": 1)");
  CAF_CHECK_EQUAL(r.status, 400); // an unknown field: shape A, no "mode"
  CAF_CHECK_EQUAL(r.body, "{\"message\":\"{'x': ['Unknown field.']}\",\"status\":\"error\"}\n");
  r = api.handle("POST", "/api/v1/analyzer", "application/json",
                 R"({"apikey": ")" + key + "\"}");
  CAF_CHECK_EQUAL(r.body, "{\"data\":{\"analyze_mode\":true,\"mode\":\"analyze\",\"total_logs\":0},"
                          "\"status\":\"success\"}\n");
  r = post("analyzer/toggle", R"("mode": true)");
  CAF_CHECK_EQUAL(r.body, "{\"data\":{\"analyze_mode\":true,\"message\":\"Analyzer mode switched to "
                          "analyze\",\"mode\":\"analyze\",\"total_logs\":0},\"status\":\"success\"}"
                          "\n");
  r = post("analyzer/toggle", R"("mode": "false")");
  CAF_CHECK(r.body.find(R"("mode":"live")") != std::string::npos);
  r = api.handle("POST", "/api/v1/analyzer", "application/json",
                 R"({"apikey": ")" + key + "\"}");
  CAF_CHECK(r.body.find(R"("analyze_mode":false)") != std::string::npos);
  r = post("analyzer/toggle", R"("mode": "maybe")");
  CAF_CHECK_EQUAL(r.status, 400);
  CAF_CHECK(r.body.find("Not a valid boolean.") != std::string::npos);
}

CAF_TEST(symbol describes an instrument with the real fields and intervals lists what history serves) {
  // The recorded reply's fields (openalgo-transcripts/rest.txt, "symbol"), in order.
  const std::vector<std::string> fields = {"brexchange", "brsymbol", "exchange", "expiry",
                                           "freeze_qty", "id", "instrumenttype", "lotsize",
                                           "name", "strike", "symbol", "tick_size", "token"};
  auto expiry = broker.expiries("NIFTY", true).front();
  auto future = "NIFTY" + format_symbol_expiry(expiry) + "FUT";
  auto r = post("symbol", R"("symbol": ")" + future + R"(", "exchange": "NFO")");
  CAF_REQUIRE_EQUAL(r.status, 200);
  rapidjson::Document doc;
  doc.Parse(r.body.c_str());
  auto& d = doc["data"];
  std::vector<std::string> keys;
  for (auto it = d.MemberBegin(); it != d.MemberEnd(); ++it)
    keys.emplace_back(it->name.GetString());
  CAF_CHECK(keys == fields);
  CAF_CHECK_EQUAL(std::string{d["instrumenttype"].GetString()}, "FUTIDX");
  CAF_CHECK_EQUAL(d["lotsize"].GetInt(), 65);
  CAF_CHECK_EQUAL(d["freeze_qty"].GetInt(), 1800);
  CAF_CHECK_EQUAL(std::string{d["expiry"].GetString()}, format_expiry(expiry));
  auto call = option_symbol("NIFTY", broker.expiries("NIFTY", false).front(), 26000,
                            option_type::ce);
  r = post("symbol", R"("symbol": ")" + call + R"(", "exchange": "NFO")");
  doc.Parse(r.body.c_str());
  CAF_CHECK_EQUAL(std::string{doc["data"]["instrumenttype"].GetString()}, "CE");
  CAF_CHECK_EQUAL(doc["data"]["strike"].GetDouble(), 26000.0);
  r = post("symbol", R"("symbol": "NOSUCH", "exchange": "NSE")");
  CAF_CHECK_EQUAL(r.status, 404);
  CAF_CHECK(r.body.find("Symbol NOSUCH not found in exchange NSE") != std::string::npos);
  r = post("intervals", R"("x": 1)");
  CAF_CHECK_EQUAL(r.status, 400);
  r = api.handle("POST", "/api/v1/intervals", "application/json", R"({"apikey": ")" + key + "\"}");
  CAF_CHECK_EQUAL(r.body, "{\"data\":{\"days\":[\"D\"],\"hours\":[\"1h\",\"2h\",\"3h\",\"4h\"],"
                          "\"minutes\":[\"1m\",\"2m\",\"3m\",\"5m\",\"10m\",\"15m\",\"20m\",\"30m\"],"
                          "\"months\":[],\"seconds\":[],\"weeks\":[]},\"status\":\"success\"}\n");
}

CAF_TEST(a basket is placed BUY legs first and answered as the real server answers it) {
  broker.set_spot("RELIANCE", 1500);
  broker.set_spot("SBIN", 800);
  // The recording's account held RELIANCE already: so does ours.
  CAF_REQUIRE_EQUAL(post("placeorder", R"("strategy": "t", "symbol": "RELIANCE", "exchange": )"
                                       R"("NSE", "action": "BUY", "quantity": 1, "product": "CNC")")
                      .status,
                    200);
  // openalgo-transcripts/rest.txt, "basketorder": its request, and its reply with the order
  // ids taken out.
  auto r = post("basketorder",
                R"("strategy": "t", "orders": [{"symbol": "RELIANCE", "exchange": "NSE", )"
                R"("action": "SELL", "quantity": "1", "product": "CNC"}, {"symbol": "SBIN", )"
                R"("exchange": "NSE", "action": "BUY", "quantity": "2", "product": "CNC"}, )"
                R"({"symbol": "NOSUCH", "exchange": "NSE", "action": "BUY", "quantity": "1", )"
                R"("product": "CNC"}])");
  CAF_REQUIRE_EQUAL(r.status, 200);
  auto body = r.body;
  for (size_t at = 0; (at = body.find("\"orderid\":\"", at)) != std::string::npos;) {
    auto end = body.find('"', at + 11);
    body.replace(at + 11, end - at - 11, "ID");
    at = end;
  }
  CAF_CHECK_EQUAL(body,
                  "{\"mode\":\"analyze\",\"results\":[{\"batch_order\":true,\"exchange\":\"NSE\","
                  "\"is_last_order\":false,\"orderid\":\"ID\",\"product\":\"CNC\",\"status\":"
                  "\"success\",\"symbol\":\"SBIN\"},{\"message\":\"Symbol NOSUCH not found on "
                  "NSE\",\"status\":\"error\",\"symbol\":\"NOSUCH\"},{\"batch_order\":true,"
                  "\"exchange\":\"NSE\",\"is_last_order\":true,\"orderid\":\"ID\",\"product\":"
                  "\"CNC\",\"status\":\"success\",\"symbol\":\"RELIANCE\"}],\"status\":\"success\"}"
                  "\n");
  // A bad item: the error names its index and field; nothing is placed.
  auto before = broker.ledger().size();
  r = post("basketorder", R"("strategy": "t", "orders": [{"symbol": "SBIN", "exchange": "NSE", )"
                          R"("action": "BUY"}])");
  CAF_CHECK_EQUAL(r.status, 400);
  CAF_CHECK(r.body.find("{'orders': {0: {'quantity': ['Missing data for required field.']}}}")
            != std::string::npos);
  CAF_CHECK_EQUAL(broker.ledger().size(), before);
}

CAF_TEST(search finds every symbol that holds all the query tokens) {
  auto expiry = broker.expiries("NIFTY", false).front();
  auto atm = std::to_string(
    static_cast<int64_t>(std::round(broker.quote_of({"NIFTY", exchange::nse_index})->ltp / 50) * 50));
  auto r = post("search", R"("query": "nifty )" + atm + " "
                            + format_symbol_expiry(expiry).substr(2, 3) + R"(", "exchange": "NFO")");
  CAF_REQUIRE_EQUAL(r.status, 200);
  rapidjson::Document doc;
  doc.Parse(r.body.c_str());
  CAF_REQUIRE(doc["data"].IsArray());
  CAF_REQUIRE_GREATER_OR_EQUAL(doc["data"].Size(), 2u);
  for (auto& row : doc["data"].GetArray()) {
    std::string symbol = row["symbol"].GetString();
    CAF_CHECK(symbol.find("NIFTY") != std::string::npos);
    CAF_CHECK(symbol.find(atm) != std::string::npos);
    CAF_CHECK(!row.HasMember("id")); // search rows have no id
  }
  CAF_CHECK_EQUAL(std::string{doc["message"].GetString()},
                  "Found " + std::to_string(doc["data"].Size()) + " matching symbols");
  r = post("search", R"("query": "NOSUCHTHING")");
  CAF_CHECK_EQUAL(r.body, "{\"data\":[],\"message\":\"No matching symbols found\",\"status\":"
                          "\"success\"}\n");
}

CAF_TEST_FIXTURE_SCOPE_END()
