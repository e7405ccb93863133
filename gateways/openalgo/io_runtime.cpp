#include "gateways/openalgo/io_runtime.hpp"

#include <boost/asio/executor_work_guard.hpp>

namespace algomirror::openalgo {

struct io_runtime::guard {
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
};

io_runtime::io_runtime()
  : guard_(std::make_unique<guard>(guard{boost::asio::make_work_guard(io_)})),
    thread_([this] { io_.run(); }) {
}

io_runtime::~io_runtime() {
  stop();
}

void io_runtime::stop() {
  if (!thread_.joinable())
    return;
  guard_.reset();
  io_.stop();
  thread_.join();
}

} // namespace algomirror::openalgo
