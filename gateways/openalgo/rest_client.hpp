#pragma once

// The OpenAlgo REST transport (Boost.Beast over Asio): POSTs JSON bodies to one OpenAlgo
// instance over a small pool of keep-alive connections, with connect and request timeouts.
// It only moves bytes: decoding is replies.hpp's, deciding is the actors'. Completion handlers
// run on the io_context's thread; actor code only `anon_send`s from them.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace algomirror::openalgo {

/// What came back: an HTTP status and body, or a transport error (connect refused, reset,
/// timeout) — for an order, an unknown outcome.
struct http_result {
  int status = 0;
  std::string body;
  std::string transport_error; ///< empty on success; "timeout" when the deadline passed
};

struct rest_client_config {
  std::string host = "127.0.0.1";
  uint16_t port = 5000;
  std::chrono::milliseconds timeout{10'000}; ///< connect and request, each
  size_t connections = 4;                     ///< keep-alive connections in the pool
};

class rest_client {
public:
  using handler = std::function<void(http_result)>;

  rest_client(boost::asio::io_context& io, rest_client_config cfg);
  ~rest_client();

  rest_client(const rest_client&) = delete;
  rest_client& operator=(const rest_client&) = delete;

  /// POSTs `body` to /api/v1/`endpoint` (or to `endpoint` itself when it starts with '/').
  /// Thread-safe; `done` runs on the io thread exactly once.
  void post(std::string endpoint, std::string body, handler done);

  /// Closes every connection; pending requests complete with a transport error.
  void close();

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace algomirror::openalgo
