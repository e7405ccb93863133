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

private:
  // The endpoint groups (sim/http_api_orders.cpp, _books.cpp, _market.cpp): the reply of the
  // endpoint they serve, or nothing.
  std::optional<http_reply> orders(const api_call& c);
  std::optional<http_reply> books(const api_call& c);
  std::optional<http_reply> market(const api_call& c);

  broker& broker_;
  std::map<std::string, std::string> keys_;
  /// `analyzer/toggle` per account (the simulator is a sandbox either way: the flag is what
  /// `analyzer` reports, as a client reads whether an account is live or analyzing).
  std::map<std::string, bool> analyze_;
};

} // namespace algomirror::sim
