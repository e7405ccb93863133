#pragma once

// The market clock's events (architecture.md `market_clock`): session opens and closes of the
// followed markets, and each strategy's entry, exit and square-off times on trading days, in
// IST. Pure: the caller asks for the events of a time span; the actor asks for the span since
// its last look, so no event is lost or repeated whatever the clock speed.

#include <cstdint>
#include <string>
#include <vector>

#include "domain/calendar.hpp"
#include "messages/time.hpp"

namespace algomirror {

/// A strategy's times of day (IST); unset times (seconds < 0) never fire.
struct strategy_times {
  int64_t strategy_id = 0;
  std::string market = "NFO"; ///< whose trading days count
  time_of_day entry;
  time_of_day exit;
  time_of_day square_off;
};

struct clock_event {
  enum class kind : uint8_t { session_opened, session_closed, entry, exit, square_off };
  kind what = kind::session_opened;
  std::string market;       ///< sessions
  int64_t strategy_id = 0;  ///< strategy times
  utc_instant at;
  friend bool operator==(const clock_event&, const clock_event&) = default;
};

/// Every event in (from, to], in time order (spans longer than 8 days are cut to their last 8).
std::vector<clock_event> due_events(const market_calendar& calendar,
                                    const std::vector<std::string>& markets,
                                    const std::vector<strategy_times>& strategies,
                                    utc_instant from, utc_instant to);

} // namespace algomirror
