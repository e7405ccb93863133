#pragma once

// openalgo-sim's HTTP transport (Boost.Beast): keep-alive sessions on one io_context thread,
// OpenAlgo's per-endpoint moving-window rate limits, and the control endpoint for tests:
// faults (HTTP status bursts, replies that never come, added latency) and the order ledger.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/http_api.hpp"
#include "sim/ws_server.hpp"

namespace algomirror::sim {

struct rate_limits {
  int orders_per_second = 10; ///< place/modify/cancel/smart order (ORDER and SMART limits)
  int api_per_second = 50;    ///< everything else (API_RATE_LIMIT)
};

/// Faults for the next requests of an account (set through POST /control/faults).
struct fault_plan {
  int status = 0;        ///< answer the next `count` requests with this HTTP status
  int count = 0;
  int drop = 0;          ///< close the next `drop` requests' connections without a reply
  int hang = 0;          ///< never answer the next `hang` requests (the client times out)
  int lose = 0;          ///< carry out the next `lose` requests, then drop the reply (an order
                         ///< exists that the client never heard of)
  int latency_ms = 0;    ///< delay every reply by this much
  std::string endpoint;  ///< only this endpoint ("" = all)
};

class http_server : public std::enable_shared_from_this<http_server> {
public:
  http_server(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& at,
              http_api& api, broker& b, std::string account, rate_limits limits);

  /// Starts accepting; returns the port actually bound.
  uint16_t start();

  void stop();

  /// A request to the control endpoint (also used to set faults at start).
  http_reply control(const std::string& target, const std::string& body);

  /// The account's WebSocket server, for the WebSocket faults of the control endpoint.
  void set_ws(std::shared_ptr<ws_server> ws) { ws_ = std::move(ws); }

private:
  friend class session;
  /// Decides what a request gets: a reply now, later (latency), or nothing (drop/hang).
  void serve(const std::string& method, const std::string& target, const std::string& content_type,
             const std::string& body, std::function<void(http_reply, bool close)> respond);
  bool over_limit(const std::string& endpoint);
  void accept();

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  http_api& api_;
  broker& broker_;
  std::string account_;
  rate_limits limits_;
  fault_plan faults_;
  std::shared_ptr<ws_server> ws_;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> windows_;
  /// Requests that are never answered: kept (with their connections) until stop().
  std::vector<std::function<void(http_reply, bool)>> hung_;
};

} // namespace algomirror::sim
