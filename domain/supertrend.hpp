#pragma once

// trading-rules.md §9: Supertrend (TradingView Pine v6 compatible), the combined-premium
// series it runs on, bars built from ticks aligned to the session open, and the exit decision.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "messages/result.hpp"
#include "messages/instrument.hpp"
#include "messages/market_data.hpp"
#include "messages/strategy.hpp"

namespace algomirror {

/// One bar's Supertrend: `valid` from bar p−1 on. direction −1 = bullish (line below price),
/// +1 = bearish.
struct supertrend_point {
  bool valid = false;
  double value = 0;
  int direction = 0;
  double atr = 0;
};

/// Supertrend one closed bar at a time (the same arithmetic for history and live bars).
class supertrend_calculator {
public:
  supertrend_calculator(int period, double multiplier) : period_(period), multiplier_(multiplier) {}

  supertrend_point add(double high, double low, double close);

  /// The last point added.
  const supertrend_point& last() const { return last_; }

private:
  int period_;
  double multiplier_;
  int count_ = 0;
  double tr_sum_ = 0;
  double atr_ = 0;
  double prev_close_ = 0;
  double final_upper_ = 0;
  double final_lower_ = 0;
  supertrend_point last_;
};

/// Supertrend over a series of closed bars.
std::vector<supertrend_point> supertrend(const std::vector<bar>& bars, int period,
                                         double multiplier);

/// One leg's bars, with its side and the strategy definition's lots (1 for a margin-sized
/// leg), for the combined-premium series.
struct leg_series {
  side action = side::sell;
  int32_t lots = 1;
  std::vector<bar> bars;
};

/// Per shared timestamp: Σ SELL lots × OHLC − Σ BUY lots × OHLC, then the absolute value of
/// each field, then H = max(H, L), L = min(H, L). Timestamps missing from any leg are left out.
std::vector<bar> combined_premium(const std::vector<leg_series>& legs);

/// OpenAlgo's interval names of §9 → minutes: 1m 3m 5m 10m 15m 30m 1h.
result<int> timeframe_minutes(const std::string& timeframe);

/// Period 5..50, multiplier 0.5..10, a known timeframe; "" when valid, else what is wrong.
std::string check_supertrend(const supertrend_settings& s);

/// breakout (net credit) exits when the last closed bar's direction is −1; breakdown (net
/// debit) when it is +1. An invalid point never exits.
bool supertrend_calls_exit(supertrend_exit_kind kind, const supertrend_point& last_closed);

/// Builds bars from ticks, aligned to the session open (09:15 IST): 5m bars close at 09:20,
/// 09:25, …; 10m at 09:25, 09:35, …. Ticks before the open or after the close are ignored.
class bar_builder {
public:
  /// `open_ist`/`close_ist`: session times as IST seconds of the day.
  bar_builder(int timeframe_minutes, int32_t open_ist = 9 * 3600 + 15 * 60,
              int32_t close_ist = 15 * 3600 + 30 * 60);

  /// Takes a price at `t`; returns the bar that closed because `t` is in a later bar.
  std::optional<bar> add(utc_instant t, double price);

  /// Closes the bar in progress once `now` is at or past its end (a timer at the boundary).
  std::optional<bar> close_due(utc_instant now);

  /// The start of the bar that contains `t` (UTC), or nothing outside the session.
  std::optional<utc_instant> bucket_start(utc_instant t) const;

private:
  std::chrono::seconds width_;
  int32_t open_;
  int32_t close_;
  std::optional<bar> current_;
};

} // namespace algomirror
