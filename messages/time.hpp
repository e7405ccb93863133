#pragma once

#include <chrono>
#include <cstdint>

namespace algomirror {

/// An instant in UTC, microsecond resolution. Everything stored is UTC; calendar decisions
/// convert to IST in `domain/`.
using utc_instant = std::chrono::sys_time<std::chrono::microseconds>;

/// A wall-clock time of day in IST (entry, exit and square-off times of a strategy).
/// `seconds < 0` means "not set".
struct time_of_day {
  int32_t seconds = -1;

  friend bool operator==(const time_of_day&, const time_of_day&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, time_of_day& x) {
  return f(x.seconds);
}

/// The one source of "now" (architecture.md, Time): the interface every layer takes its
/// timestamps from. Production reads the system clock, or a chosen start instant running at a
/// chosen speed (domain/clock); tests advance a manual clock.
class clock {
public:
  virtual ~clock() = default;
  virtual utc_instant now() const = 0;
};

} // namespace algomirror
