#include "config/signals.hpp"

#include <csignal>
#include <pthread.h>
#include <sys/signalfd.h>

namespace algomirror {

namespace {

sigset_t stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

} // namespace

void block_stop_signals() {
  auto signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

int wait_for_stop_signal() {
  auto signals = stop_signals();
  int received = 0;
  sigwait(&signals, &received);
  return received;
}

int wait_for_stop_signal(std::chrono::milliseconds limit) {
  auto signals = stop_signals();
  timespec t{static_cast<time_t>(limit.count() / 1000),
             static_cast<long>((limit.count() % 1000) * 1'000'000)};
  int got = sigtimedwait(&signals, nullptr, &t);
  return got < 0 ? 0 : got;
}

int stop_signal_descriptor(bool nonblocking) {
  auto signals = stop_signals();
  return ::signalfd(-1, &signals, SFD_CLOEXEC | (nonblocking ? SFD_NONBLOCK : 0));
}

} // namespace algomirror
