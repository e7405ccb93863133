#pragma once

// The broker's order rate limit as a moving window (openalgo-api.md §1.4: "10 per 1 second"):
// at most `limit` sends in any window of `window`. The limiter says when the next send may go;
// it never lets a burst through that the broker would answer with 429. Pure: the caller passes
// the time (an actor's clock, the test clock).

#include <chrono>
#include <cstddef>
#include <deque>

namespace algomirror {

class moving_window_limiter {
public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;

  moving_window_limiter(size_t limit, duration window)
    : limit_(limit == 0 ? 1 : limit), window_(window) {}

  /// When the next send may go (`now` when it may go at once).
  time_point next_slot(time_point now) {
    forget_before(now);
    auto at = now;
    if (sent_.size() >= limit_)
      at = sent_[sent_.size() - limit_] + window_;
    return at < blocked_until_ ? blocked_until_ : at;
  }

  /// May a send go now? Records it when it may.
  bool try_acquire(time_point now) {
    if (next_slot(now) > now)
      return false;
    sent_.push_back(now);
    return true;
  }

  /// The broker said 429 anyway (another client on the same key, a stricter limit): nothing
  /// goes for a whole window.
  void penalise(time_point now) { blocked_until_ = now + window_; }

  /// Sends in the window ending at `now`.
  size_t in_window(time_point now) {
    forget_before(now);
    return sent_.size();
  }

  size_t limit() const { return limit_; }
  duration window() const { return window_; }

private:
  void forget_before(time_point now) {
    while (!sent_.empty() && now - sent_.front() >= window_)
      sent_.pop_front();
  }

  size_t limit_;
  duration window_;
  std::deque<time_point> sent_;
  time_point blocked_until_{};
};

} // namespace algomirror
