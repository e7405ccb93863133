#include "domain/supertrend.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "domain/clock.hpp"

namespace algomirror {

supertrend_point supertrend_calculator::add(double high, double low, double close) {
  double tr = count_ == 0 ? high - low
                          : std::max({high - low, std::fabs(high - prev_close_),
                                      std::fabs(low - prev_close_)});
  double hl2 = (high + low) / 2;
  supertrend_point p;
  if (count_ < period_ - 1) {
    tr_sum_ += tr;
  } else {
    if (count_ == period_ - 1)
      atr_ = (tr_sum_ + tr) / period_;
    else
      atr_ = (atr_ * (period_ - 1) + tr) / period_;
    double upper = hl2 + multiplier_ * atr_;
    double lower = hl2 - multiplier_ * atr_;
    if (count_ == period_ - 1) {
      final_upper_ = upper;
      final_lower_ = lower;
      p.direction = 1;
    } else {
      double prev_upper = final_upper_, prev_lower = final_lower_;
      final_lower_ = (lower > prev_lower || prev_close_ < prev_lower) ? lower : prev_lower;
      final_upper_ = (upper < prev_upper || prev_close_ > prev_upper) ? upper : prev_upper;
      bool was_bearish = last_.direction == 1; // the previous line was the upper band
      if (was_bearish)
        p.direction = close > final_upper_ ? -1 : 1;
      else
        p.direction = close < final_lower_ ? 1 : -1;
    }
    p.valid = true;
    p.atr = atr_;
    p.value = p.direction == -1 ? final_lower_ : final_upper_;
  }
  prev_close_ = close;
  ++count_;
  last_ = p;
  return p;
}

std::vector<supertrend_point> supertrend(const std::vector<bar>& bars, int period,
                                         double multiplier) {
  std::vector<supertrend_point> out;
  out.reserve(bars.size());
  supertrend_calculator calc{period, multiplier};
  for (auto& b : bars)
    out.push_back(calc.add(b.high, b.low, b.close));
  return out;
}

std::vector<bar> combined_premium(const std::vector<leg_series>& legs) {
  std::vector<bar> out;
  if (legs.empty())
    return out;
  // Timestamps every leg has, with the running sums.
  std::map<utc_instant, std::pair<size_t, bar>> sums;
  for (auto& leg : legs) {
    double sign = leg.action == side::sell ? 1.0 : -1.0;
    double w = sign * leg.lots;
    for (auto& b : leg.bars) {
      auto& [seen, sum] = sums[b.start];
      sum.start = b.start;
      sum.open += w * b.open;
      sum.high += w * b.high;
      sum.low += w * b.low;
      sum.close += w * b.close;
      sum.volume += b.volume;
      ++seen;
    }
  }
  for (auto& [start, entry] : sums) {
    if (entry.first != legs.size())
      continue;
    bar b = entry.second;
    b.open = std::fabs(b.open);
    b.close = std::fabs(b.close);
    double h = std::fabs(b.high), l = std::fabs(b.low);
    b.high = std::max(h, l);
    b.low = std::min(h, l);
    out.push_back(b);
  }
  return out;
}

result<int> timeframe_minutes(const std::string& timeframe) {
  static constexpr std::pair<const char*, int> known[] = {
    {"1m", 1}, {"3m", 3}, {"5m", 5}, {"10m", 10}, {"15m", 15}, {"30m", 30}, {"1h", 60}};
  for (auto& [name, minutes] : known)
    if (timeframe == name)
      return minutes;
  return result<int>::failure("supertrend_timeframe '" + timeframe
                              + "' is not one of 1m, 3m, 5m, 10m, 15m, 30m, 1h");
}

std::string check_supertrend(const supertrend_settings& s) {
  if (s.period < 5 || s.period > 50)
    return "supertrend_period " + std::to_string(s.period) + " is outside 5..50";
  if (!(s.multiplier >= 0.5 && s.multiplier <= 10))
    return "supertrend_multiplier " + std::to_string(s.multiplier) + " is outside 0.5..10";
  if (auto tf = timeframe_minutes(s.timeframe); !tf)
    return tf.error();
  return {};
}

bool supertrend_calls_exit(supertrend_exit_kind kind, const supertrend_point& last_closed) {
  if (!last_closed.valid)
    return false;
  return kind == supertrend_exit_kind::breakout ? last_closed.direction == -1
                                                : last_closed.direction == 1;
}

bar_builder::bar_builder(int timeframe_minutes, int32_t open_ist, int32_t close_ist)
  : width_(std::chrono::minutes{timeframe_minutes}), open_(open_ist), close_(close_ist) {
}

std::optional<utc_instant> bar_builder::bucket_start(utc_instant t) const {
  using namespace std::chrono;
  auto local = t + ist_offset;
  auto day = floor<days>(local);
  auto since_midnight = duration_cast<seconds>(local - day).count();
  if (since_midnight < open_ || since_midnight >= close_)
    return std::nullopt;
  auto index = (since_midnight - open_) / width_.count();
  auto start_local = day + seconds{open_} + width_ * index;
  return time_point_cast<microseconds>(start_local - ist_offset);
}

std::optional<bar> bar_builder::add(utc_instant t, double price) {
  auto start = bucket_start(t);
  if (!start || !(price > 0) || !std::isfinite(price))
    return std::nullopt;
  std::optional<bar> closed;
  if (current_ && current_->start != *start) {
    if (*start < current_->start)
      return std::nullopt; // a late tick of a closed bar: ignored
    closed = current_;
    current_.reset();
  }
  if (!current_) {
    current_ = bar{*start, price, price, price, price, 0};
  } else {
    current_->high = std::max(current_->high, price);
    current_->low = std::min(current_->low, price);
    current_->close = price;
  }
  return closed;
}

std::optional<bar> bar_builder::close_due(utc_instant now) {
  if (current_ && now >= current_->start + width_) {
    auto closed = current_;
    current_.reset();
    return closed;
  }
  return std::nullopt;
}

} // namespace algomirror
