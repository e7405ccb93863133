#pragma once

// openalgo-sim's REST API without sockets: an endpoint and a JSON body in, an HTTP status and
// the reply bytes out, in the shapes and serialisation of a real OpenAlgo sandbox
// (openalgo-api.md §1.2–§1.6): jsonify replies with sorted keys and compact separators;
// errors in the endpoint's shape (A, B, D, E).

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sim/broker.hpp"

namespace algomirror::sim {

struct http_reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

struct api_call;

class http_api {
public:
  /// `keys`: API key → account name.
  http_api(broker& b, std::map<std::string, std::string> keys)
    : broker_(b), keys_(std::move(keys)) {}

  /// `path` is the request target (`/api/v1/placeorder`, with or without a trailing slash);
  /// `method` POST; `content_type` as received.
  http_reply handle(std::string_view method, std::string_view path, std::string_view content_type,
                    std::string_view body);

  /// How many requests each endpoint has answered (on the simulator's io thread only).
  const std::map<std::string, long, std::less<>>& calls() const { return calls_; }

private:
  // One handler per endpoint (sim/http_api_orders.cpp, _books.cpp, _market.cpp); the route
  // table in sim/http_api.cpp names each endpoint's handler and request schema.
  http_reply on_basketorder(const api_call& c);
  http_reply on_placeorder(const api_call& c);
  http_reply on_orderstatus(const api_call& c);
  http_reply on_cancelorder(const api_call& c);
  http_reply on_modifyorder(const api_call& c);
  http_reply on_cancelallorder(const api_call& c);
  http_reply on_closeposition(const api_call& c);
  http_reply on_openposition(const api_call& c);
  http_reply on_analyzer(const api_call& c);
  http_reply on_ping(const api_call& c);
  http_reply on_funds(const api_call& c);
  http_reply on_orderbook(const api_call& c);
  http_reply on_tradebook(const api_call& c);
  http_reply on_positionbook(const api_call& c);
  http_reply on_holdings(const api_call& c);
  http_reply on_intervals(const api_call& c);
  http_reply on_symbol(const api_call& c);
  http_reply on_search(const api_call& c);
  http_reply on_quotes(const api_call& c);
  http_reply on_multiquotes(const api_call& c);
  http_reply on_expiry(const api_call& c);
  http_reply on_history(const api_call& c);
  http_reply on_depth(const api_call& c);
  http_reply on_optionchain(const api_call& c);
  http_reply on_optionsymbol(const api_call& c);

  struct route;
  static const std::map<std::string, route, std::less<>>& routes();

  broker& broker_;
  std::map<std::string, std::string> keys_;
  /// `analyzer/toggle` per account (the simulator is a sandbox either way: the flag is what
  /// `analyzer` reports, as a client reads whether an account is live or analyzing).
  std::map<std::string, bool> analyze_;
  std::map<std::string, long, std::less<>> calls_;
};

} // namespace algomirror::sim
