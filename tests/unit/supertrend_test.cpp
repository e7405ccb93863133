#define CAF_SUITE domain.supertrend
#include "tests/test.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include "config/ohlc_csv.hpp"
#include "domain/clock.hpp"
#include "domain/supertrend.hpp"

using namespace algomirror;

namespace {

std::vector<bar> load_bars() {
  std::ifstream in{std::string{ALGOMIRROR_TEST_DATA_DIR} + "/ohlc_400.csv"};
  CAF_REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  auto rows = parse_ohlc_csv(text.str());
  if (!rows)
    CAF_FAIL(rows.error());
  std::vector<bar> bars;
  for (auto& r : *rows)
    bars.push_back({{}, r.open, r.high, r.low, r.close, 0});
  return bars;
}

/// An independent computation: a line-by-line transcription of Pine v6's ta.supertrend
/// (ta.atr = ta.rma(ta.tr(true), length); na as NaN; nz() as 0), series indexed by bar.
struct pine_result {
  std::vector<double> supertrend;
  std::vector<int> direction; // 0 = na
};

pine_result pine_supertrend(const std::vector<bar>& b, double factor, int atr_period) {
  size_t n = b.size();
  const double na = std::nan("");
  auto is_na = [](double x) { return std::isnan(x); };
  auto nz = [&](double x) { return is_na(x) ? 0.0 : x; };
  std::vector<double> tr(n), atr(n, na), upper(n, na), lower(n, na), st(n, na);
  std::vector<int> dir(n, 0);
  for (size_t i = 0; i < n; ++i) {
    // ta.tr(true): high - low when the previous close is na.
    tr[i] = i == 0 ? b[i].high - b[i].low
                   : std::max(std::max(b[i].high - b[i].low, std::fabs(b[i].high - b[i - 1].close)),
                              std::fabs(b[i].low - b[i - 1].close));
    // ta.rma: sma of the first `length` values, then (prev·(len−1) + x) / len.
    if (i + 1 == static_cast<size_t>(atr_period)) {
      double sum = 0;
      for (size_t k = 0; k <= i; ++k)
        sum += tr[k];
      atr[i] = sum / atr_period;
    } else if (i + 1 > static_cast<size_t>(atr_period)) {
      atr[i] = (atr[i - 1] * (atr_period - 1) + tr[i]) / atr_period;
    }
    double src = (b[i].high + b[i].low) / 2;
    double upper_band = src + factor * atr[i];
    double lower_band = src - factor * atr[i];
    double prev_lower = i > 0 ? nz(lower[i - 1]) : 0;
    double prev_upper = i > 0 ? nz(upper[i - 1]) : 0;
    double prev_close = i > 0 ? b[i - 1].close : na;
    lower_band = (lower_band > prev_lower || prev_close < prev_lower) ? lower_band : prev_lower;
    upper_band = (upper_band < prev_upper || prev_close > prev_upper) ? upper_band : prev_upper;
    if (is_na(atr[i])) {
      lower[i] = upper[i] = na; // not yet defined
      continue;
    }
    lower[i] = lower_band;
    upper[i] = upper_band;
    double prev_st = i > 0 ? st[i - 1] : na;
    if (i == 0 || is_na(atr[i - 1]))
      dir[i] = 1;
    else if (prev_st == upper[i - 1])
      dir[i] = b[i].close > upper_band ? -1 : 1;
    else
      dir[i] = b[i].close < lower_band ? 1 : -1;
    st[i] = dir[i] == -1 ? lower_band : upper_band;
  }
  return {st, dir};
}

} // namespace

CAF_TEST(supertrend matches Pine bar by bar) {
  auto bars = load_bars();
  CAF_REQUIRE(bars.size() >= 300);
  for (int period : {7, 10}) {
    for (double multiplier : {2.0, 3.0}) {
      auto ours = supertrend(bars, period, multiplier);
      auto pine = pine_supertrend(bars, multiplier, period);
      int flips = 0;
      for (size_t i = 0; i < bars.size(); ++i) {
        bool pine_valid = pine.direction[i] != 0;
        if (ours[i].valid != pine_valid)
          CAF_FAIL("bar " << i << ": validity differs (p=" << period << " m=" << multiplier << ")");
        if (!pine_valid)
          continue;
        if (ours[i].direction != pine.direction[i])
          CAF_FAIL("bar " << i << ": direction " << ours[i].direction << " vs Pine "
                          << pine.direction[i] << " (p=" << period << " m=" << multiplier << ")");
        if (std::fabs(ours[i].value - pine.supertrend[i]) > 1e-9)
          CAF_FAIL("bar " << i << ": line " << ours[i].value << " vs Pine " << pine.supertrend[i]);
        if (i > 0 && pine.direction[i - 1] != 0 && pine.direction[i] != pine.direction[i - 1])
          ++flips;
      }
      CAF_CHECK(flips >= 4); // the series exercises both directions
      CAF_CHECK(!ours[static_cast<size_t>(period - 2)].valid);
      CAF_CHECK(ours[static_cast<size_t>(period - 1)].valid);
      CAF_CHECK_EQUAL(ours[static_cast<size_t>(period - 1)].direction, 1);
    }
  }
}

CAF_TEST(the combined premium series) {
  auto t = [](int i) { return utc_instant{std::chrono::minutes{i * 5}}; };
  leg_series sell_ce{side::sell, 1, {{t(0), 100, 110, 95, 105, 0}, {t(1), 105, 106, 90, 92, 0}}};
  leg_series sell_pe{side::sell, 1, {{t(0), 80, 85, 70, 75, 0}, {t(1), 75, 90, 74, 88, 0},
                                     {t(2), 88, 89, 87, 88, 0}}};
  leg_series buy_ce{side::buy, 2, {{t(0), 10, 12, 9, 11, 0}, {t(1), 11, 12, 10, 10, 0}}};
  auto series = combined_premium({sell_ce, sell_pe, buy_ce});
  CAF_REQUIRE_EQUAL(series.size(), 2u); // t(2) is missing from two legs
  CAF_CHECK_EQUAL(series[0].open, 100 + 80 - 20);
  CAF_CHECK_EQUAL(series[0].high, 110 + 85 - 24);
  CAF_CHECK_EQUAL(series[0].low, 95 + 70 - 18);
  CAF_CHECK_EQUAL(series[0].close, 105 + 75 - 22);
  // A net debit is negative: absolute values, then high and low swapped.
  leg_series long_call{side::buy, 1, {{t(0), 50, 60, 40, 55, 0}}};
  auto debit = combined_premium({long_call});
  CAF_REQUIRE_EQUAL(debit.size(), 1u);
  CAF_CHECK_EQUAL(debit[0].open, 50);
  CAF_CHECK_EQUAL(debit[0].high, 60);
  CAF_CHECK_EQUAL(debit[0].low, 40);
  CAF_CHECK_EQUAL(debit[0].close, 55);
  CAF_CHECK(combined_premium({}).empty());
}

CAF_TEST(bars align to the 09 15 session open) {
  auto at = [](const char* ist) { return *parse_iso8601(std::string{"2026-11-25T"} + ist + "+05:30"); };
  bar_builder five{5};
  CAF_CHECK(!five.add(at("09:14:59"), 100).has_value()); // before the open: ignored
  CAF_CHECK(!five.add(at("09:15:10"), 101).has_value());
  CAF_CHECK(!five.add(at("09:17:00"), 105).has_value());
  CAF_CHECK(!five.add(at("09:19:59"), 99).has_value());
  auto closed = five.add(at("09:20:00"), 102);
  CAF_REQUIRE(closed.has_value());
  CAF_CHECK(closed->start == at("09:15:00"));
  CAF_CHECK_EQUAL(closed->open, 101);
  CAF_CHECK_EQUAL(closed->high, 105);
  CAF_CHECK_EQUAL(closed->low, 99);
  CAF_CHECK_EQUAL(closed->close, 99);
  CAF_CHECK(!five.close_due(at("09:24:59")).has_value());
  auto due = five.close_due(at("09:25:00"));
  CAF_REQUIRE(due.has_value());
  CAF_CHECK(due->start == at("09:20:00"));

  bar_builder ten{10};
  CAF_CHECK(*ten.bucket_start(at("09:24:59")) == at("09:15:00"));
  CAF_CHECK(*ten.bucket_start(at("09:25:00")) == at("09:25:00"));
  CAF_CHECK(*ten.bucket_start(at("09:35:00")) == at("09:35:00"));
  CAF_CHECK(!ten.bucket_start(at("15:30:00")).has_value());
  bar_builder hour{60};
  CAF_CHECK(*hour.bucket_start(at("10:14:59")) == at("09:15:00"));
  CAF_CHECK(*hour.bucket_start(at("10:15:00")) == at("10:15:00"));
}

CAF_TEST(supertrend settings are validated and the exit is a state) {
  CAF_CHECK_EQUAL(check_supertrend({true, supertrend_exit_kind::breakout, 7, 3, "5m"}), "");
  CAF_CHECK(check_supertrend({true, supertrend_exit_kind::breakout, 4, 3, "5m"}).find("5..50")
            != std::string::npos);
  CAF_CHECK(!check_supertrend({true, supertrend_exit_kind::breakout, 51, 3, "5m"}).empty());
  CAF_CHECK(!check_supertrend({true, supertrend_exit_kind::breakout, 7, 0.4, "5m"}).empty());
  CAF_CHECK(!check_supertrend({true, supertrend_exit_kind::breakout, 7, 10.5, "5m"}).empty());
  CAF_CHECK(check_supertrend({true, supertrend_exit_kind::breakout, 7, 3, "2m"}).find("2m")
            != std::string::npos);
  CAF_CHECK_EQUAL(*timeframe_minutes("1h"), 60);
  supertrend_point bullish{true, 100, -1, 5}, bearish{true, 100, 1, 5}, invalid{};
  CAF_CHECK(supertrend_calls_exit(supertrend_exit_kind::breakout, bullish));
  CAF_CHECK(!supertrend_calls_exit(supertrend_exit_kind::breakout, bearish));
  CAF_CHECK(supertrend_calls_exit(supertrend_exit_kind::breakdown, bearish));
  CAF_CHECK(!supertrend_calls_exit(supertrend_exit_kind::breakdown, invalid));
}

CAF_TEST(ohlc csv rows are checked with their line numbers) {
  auto ok = parse_ohlc_csv("index,open,high,low,close\n0,1,2,0.5,1.5\n1,1.5,2.5,1,2\n");
  CAF_REQUIRE(ok.ok());
  CAF_CHECK_EQUAL(ok->size(), 2u);
  auto bad = parse_ohlc_csv("index,open,high,low,close\n0,1,2,0.5,1.5\n1,x,2,1,2\n2,1,0.5,1,1\n3,1\n");
  CAF_REQUIRE(!bad.ok());
  CAF_CHECK(bad.error().find("line 3: open 'x' is not a number") != std::string::npos);
  CAF_CHECK(bad.error().find("line 4: high") != std::string::npos);
  CAF_CHECK(bad.error().find("line 5:") != std::string::npos);
  CAF_CHECK(!parse_ohlc_csv("a,b,c\n1,2,3\n").ok());
  CAF_CHECK(!parse_ohlc_csv("").ok());
}
