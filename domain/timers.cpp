#include "domain/timers.hpp"

#include <algorithm>

namespace algomirror {

std::vector<clock_event> due_events(const market_calendar& calendar,
                                    const std::vector<std::string>& markets,
                                    const std::vector<strategy_times>& strategies,
                                    utc_instant from, utc_instant to) {
  std::vector<clock_event> out;
  if (to <= from)
    return out;
  from = std::max(from, to - std::chrono::days{8});
  auto in_span = [&](utc_instant t) { return t > from && t <= to; };
  auto first = std::chrono::sys_days{market_calendar::ist_date(from)};
  auto last = std::chrono::sys_days{market_calendar::ist_date(to)};
  for (auto day = first; day <= last; day += std::chrono::days{1}) {
    date d{day};
    for (auto& m : markets) {
      auto session = calendar.session_on(m, d);
      if (!session)
        continue;
      auto open = market_calendar::at_ist(d, session->open);
      auto close = market_calendar::at_ist(d, session->close);
      if (in_span(open))
        out.push_back({clock_event::kind::session_opened, m, 0, open});
      if (in_span(close))
        out.push_back({clock_event::kind::session_closed, m, 0, close});
    }
    for (auto& s : strategies) {
      if (!calendar.is_trading_day(s.market, d))
        continue;
      for (auto [what, t] : {std::pair{clock_event::kind::entry, s.entry},
                             std::pair{clock_event::kind::exit, s.exit},
                             std::pair{clock_event::kind::square_off, s.square_off}}) {
        if (t.seconds < 0)
          continue;
        auto at = market_calendar::at_ist(d, t.seconds);
        if (in_span(at))
          out.push_back({what, {}, s.strategy_id, at});
      }
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const clock_event& a, const clock_event& b) { return a.at < b.at; });
  return out;
}

} // namespace algomirror
