#pragma once

// The io_context the OpenAlgo clients run on: one thread, kept alive by a work guard until
// stop(). Sockets live here; actors are only ever reached from it with anon_send.

#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>

namespace algomirror::openalgo {

class io_runtime {
public:
  io_runtime();
  ~io_runtime();

  io_runtime(const io_runtime&) = delete;
  io_runtime& operator=(const io_runtime&) = delete;

  boost::asio::io_context& context() { return io_; }

  /// Lets the pending work finish and joins the thread (idempotent).
  void stop();

private:
  boost::asio::io_context io_;
  struct guard;
  std::unique_ptr<guard> guard_;
  std::thread thread_;
};

} // namespace algomirror::openalgo
