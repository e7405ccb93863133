#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "messages/result.hpp"
#include "messages/time.hpp"

namespace algomirror {

/// IST (Asia/Kolkata): UTC+05:30, no daylight saving.
inline constexpr std::chrono::minutes ist_offset{5 * 60 + 30};

/// Real time (speed 1 from the system clock), or `--clock-start`/`--clock-speed`: market time
/// starts at `start` when the clock is made and runs `speed` times faster than real time.
class scaled_clock final : public clock {
public:
  /// The system clock.
  scaled_clock();

  /// Starts at `start`, runs at `speed` (> 0), from now on.
  scaled_clock(utc_instant start, double speed);

  /// The same, from the real instant `anchor` (tests give both ends of the scaling).
  scaled_clock(utc_instant start, double speed, std::chrono::steady_clock::time_point anchor);

  utc_instant now() const override;

  /// The market time at the real instant `real` (a scaled clock; the system clock ignores it).
  utc_instant at(std::chrono::steady_clock::time_point real) const;

  double speed() const noexcept { return speed_; }

  /// The real time to wait for `market_time` to pass on this clock.
  std::chrono::nanoseconds real_delay(std::chrono::nanoseconds market_time) const;

private:
  bool system_ = true;
  utc_instant start_;
  std::chrono::steady_clock::time_point anchor_;
  double speed_ = 1.0;
};

/// Real time, for code that was given no clock (tests of the transport, offline commands). It
/// is immutable: the one place besides scaled_clock that reads the system clock.
const clock& system_time();

/// A clock that moves only when told to (tests).
class manual_clock final : public clock {
public:
  explicit manual_clock(utc_instant start) : now_(start) {}
  utc_instant now() const override { return now_; }
  void set(utc_instant t) { now_ = t; }
  void advance(std::chrono::microseconds d) { now_ += d; }

private:
  utc_instant now_;
};

/// Parses an ISO-8601 instant: `YYYY-MM-DDTHH:MM[:SS[.ffffff]]` followed by `Z` or `±HH:MM`
/// (a space may stand for `T`). Without an offset the time is read as IST, the market's zone.
result<utc_instant> parse_iso8601(std::string_view text);

/// `2026-11-25T03:45:00.000000Z`
std::string format_utc(utc_instant t);

/// `2026-11-25 09:15:00 IST`
std::string format_ist(utc_instant t);

/// A calendar date as `YYYY-MM-DD` or `DD-MMM-YYYY` (`26-Jan-2027`, as NSE publishes its
/// holidays), written `YYYY-MM-DD`; nothing if it is neither, not a day of the calendar
/// (2027-02-30) or outside 2000–2100.
std::optional<std::string> parse_calendar_date(std::string_view text);

/// `HH:MM` or `HH:MM:SS` (IST) → time of day; anything else is an error quoting the text.
result<time_of_day> parse_time_of_day(const std::string& text);

/// `HH:MM` (`HH:MM:SS` when it has seconds, or always with `with_seconds`).
std::string format_time_of_day(time_of_day t, bool with_seconds = false);

} // namespace algomirror
