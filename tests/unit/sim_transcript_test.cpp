#define CAF_SUITE sim.transcripts
#include "tests/test.hpp"

#include <fstream>
#include <map>
#include <rapidjson/document.h>
#include <set>
#include <sstream>

#include "sim/http_api.hpp"

using namespace algomirror;

namespace {

struct exchange_record {
  std::string name;
  std::string endpoint;
  int status = 0;
  std::string request;
  std::string response;
};

std::vector<exchange_record> load_exchanges() {
  std::ifstream in{std::string{ALGOMIRROR_TRANSCRIPTS_DIR} + "/rest.txt"};
  CAF_REQUIRE(in.good());
  std::vector<exchange_record> out;
  std::string line;
  bool in_block = false;
  while (std::getline(in, line)) {
    if (line.rfind("### ", 0) == 0) {
      auto arrow = line.find(" -> HTTP ");
      in_block = arrow != std::string::npos; // the burst summary is no exchange
      if (!in_block)
        continue;
      exchange_record r;
      r.name = line.substr(4, arrow - 4);
      while (!r.name.empty() && r.name.back() == ' ')
        r.name.pop_back();
      r.endpoint = r.name.substr(0, r.name.find(' '));
      r.status = std::stoi(line.substr(arrow + 9, 3));
      out.push_back(r);
    } else if (line.rfind("REQ: ", 0) == 0 && in_block) {
      out.back().request = line.substr(5);
    } else if (line.rfind("RESP: ", 0) == 0 && in_block) {
      out.back().response = line.substr(6);
    }
  }
  return out;
}

/// The keys of every object in document order, arrays by their first element: the shape.
std::string shape(const rapidjson::Value& v) {
  if (v.IsObject()) {
    std::string s = "{";
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it)
      s += std::string{it->name.GetString()} + ":" + shape(it->value) + ",";
    return s + "}";
  }
  if (v.IsArray())
    return v.Empty() ? "[]" : "[" + shape(v[0]) + "]";
  if (v.IsString())
    return "s";
  if (v.IsNumber())
    return "n";
  if (v.IsBool())
    return "b";
  return "null";
}

std::string shape_of(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  if (doc.HasParseError())
    return "<not json>";
  return shape(doc);
}

} // namespace

CAF_TEST(recorded requests get replies of the recorded shape) {
  // The recording's clock: 2026-11-25 14:24 IST (its order ids start with 261125).
  manual_clock time{*parse_iso8601("2026-11-25T14:24:03+05:30")};
  sim::broker broker{default_instruments(), time, 5};
  broker.add_account("tester", 10'000'000);
  broker.set_spot("RELIANCE", 1500);
  broker.set_spot("SBIN", 800);
  sim::http_api api{broker, {{std::string(64, 'a'), "tester"}}};
  const std::set<std::string> served = {
    "ping",       "funds",         "placeorder",    "orderbook",    "orderstatus",
    "cancelorder", "positionbook", "tradebook",     "quotes",       "multiquotes",
    "expiry",     "unknown",       "splitorder",    "smartorder",   "depth",
    "holdings",   "cancelallorder", "closeposition", "openposition", "optionsymbol"};
  // Exchanges that depend on what the recording's test broker had and ours has not: its
  // contract master still listed the expired NIFTY30DEC25FUT and 30DEC25 options (orderstatus
  // and cancel of that order, optionsymbol); "placeorder bad key" hit the
  // rate limit first (an artefact, see the transcripts' README).
  const std::set<std::string> skipped = {"placeorder lot-size violation",
                                         "placeorder SL sell (trigger pending)",
                                         "placeorder bad key", "orderstatus", "cancelorder",
                                         "cancelorder again", "expiry", "optionsymbol"};
  std::map<std::string, std::string> ids; // recorded order id → ours
  int compared = 0;
  for (auto& r : load_exchanges()) {
    if (!served.count(r.endpoint) || skipped.count(r.name))
      continue;
    auto request = r.request;
    for (auto& [theirs, ours] : ids)
      for (size_t at; (at = request.find(theirs)) != std::string::npos;)
        request.replace(at, theirs.size(), ours);
    auto endpoint = r.endpoint == "smartorder" ? std::string{"placesmartorder"} : r.endpoint;
    auto path = endpoint == "unknown" ? std::string{"/api/v1/nosuch"} : "/api/v1/" + endpoint;
    auto reply = api.handle("POST", path, "application/json", request);
    if (reply.status != r.status)
      CAF_FAIL(r.name << ": status " << reply.status << ", recorded " << r.status << "\n  ours: "
                      << reply.body);
    // Multi-field validation messages differ in field order between server runs: status only.
    bool multi_field = r.response.find("], '") != std::string::npos;
    if (!multi_field && shape_of(reply.body) != shape_of(r.response))
      CAF_FAIL(r.name << ": shape differs\n  ours:     " << shape_of(reply.body)
                      << "\n  recorded: " << shape_of(r.response));
    if (reply.body.back() != '\n')
      CAF_FAIL(r.name << ": no trailing newline");
    // Remember the order ids to replay later requests against ours.
    rapidjson::Document theirs, ours;
    theirs.Parse(r.response.c_str());
    ours.Parse(reply.body.c_str());
    if (theirs.IsObject() && ours.IsObject() && theirs.HasMember("orderid")
        && ours.HasMember("orderid"))
      ids[theirs["orderid"].GetString()] = ours["orderid"].GetString();
    ++compared;
  }
  CAF_CHECK(compared >= 20);
}
