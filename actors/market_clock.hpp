#pragma once

// The market clock (architecture.md): tells its listeners when a followed market's session
// opens and closes, and when a strategy's entry, exit or square-off time comes on a trading
// day. It looks at the clock every `resolution` (so it follows `--clock-speed`) and reports
// every event of the span since its last look, in order — none lost, none twice.

#include <chrono>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "domain/calendar.hpp"
#include "domain/clock.hpp"
#include "messages/actors.hpp"

namespace algomirror {

struct market_clock_config {
  calendar_data calendar;
  std::vector<std::string> markets = {"NFO"};
  const clock* time = nullptr; ///< outlives the actor
  std::chrono::milliseconds resolution{250};
};

market_clock_actor spawn_market_clock(caf::actor_system& sys, market_clock_config cfg);

} // namespace algomirror
