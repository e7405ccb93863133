#include "domain/calendar.hpp"

#include <algorithm>
#include <cstdio>

#include "domain/clock.hpp"

namespace algomirror {

namespace {

using namespace std::chrono;

std::string date_text(date d) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

bool lists(const std::vector<std::string>& markets, const std::string& market) {
  return markets.empty() || std::find(markets.begin(), markets.end(), market) != markets.end();
}

} // namespace

market_calendar::market_calendar(calendar_data data) : data_(std::move(data)) {
}

date market_calendar::ist_date(utc_instant t) {
  return date{floor<days>(t + ist_offset)};
}

int32_t market_calendar::ist_seconds(utc_instant t) {
  auto local = t + ist_offset;
  return static_cast<int32_t>(duration_cast<seconds>(local - floor<days>(local)).count());
}

utc_instant market_calendar::at_ist(date d, int32_t s) {
  return utc_instant{sys_days{d} + seconds{s} - ist_offset};
}

std::string market_calendar::holiday_market(const std::string& market) const {
  if (market == "NFO" || market == "CDS")
    return "NSE";
  if (market == "BFO" || market == "BCD")
    return "BSE";
  return market;
}

const trading_hours* market_calendar::template_for(const std::string& market) const {
  std::string name = "equity";
  if (market == "MCX")
    name = "commodity";
  else if (market == "CDS" || market == "BCD")
    name = "currency";
  for (auto& t : data_.templates)
    if (t.name == name)
      return &t;
  return nullptr;
}

std::optional<session_hours> market_calendar::session_on(const std::string& market,
                                                         date d) const {
  auto exchange = holiday_market(market);
  auto day = date_text(d);
  for (auto& s : data_.special_sessions)
    if (s.date == day && (s.market.empty() || s.market == exchange || s.market == market))
      return session_hours{s.open.seconds, s.close.seconds, true};
  for (auto& h : data_.holidays)
    if (h.date == day && lists(h.markets, exchange))
      return std::nullopt;
  auto* t = template_for(market);
  if (t == nullptr)
    return std::nullopt;
  int day_of_week = static_cast<int>(weekday{sys_days{d}}.c_encoding()); // 0 = Sunday
  if (std::find(t->weekdays.begin(), t->weekdays.end(), day_of_week) == t->weekdays.end())
    return std::nullopt;
  return session_hours{t->open.seconds, t->close.seconds, false};
}

bool market_calendar::is_open(const std::string& market, utc_instant t) const {
  auto s = session_on(market, ist_date(t));
  if (!s)
    return false;
  auto now = ist_seconds(t);
  return now >= s->open && now < s->close;
}

std::optional<utc_instant> market_calendar::next_boundary(const std::string& market,
                                                         utc_instant t, bool open) const {
  auto d = ist_date(t);
  for (int i = 0; i < 400; ++i) {
    auto day = date{sys_days{d} + days{i}};
    if (auto s = session_on(market, day)) {
      auto at = at_ist(day, open ? s->open : s->close);
      if (at > t)
        return at;
    }
  }
  return std::nullopt;
}

std::optional<utc_instant> market_calendar::next_open(const std::string& market,
                                                      utc_instant t) const {
  return next_boundary(market, t, true);
}

std::optional<utc_instant> market_calendar::next_close(const std::string& market,
                                                       utc_instant t) const {
  return next_boundary(market, t, false);
}

calendar_data default_calendar_data() {
  auto hm = [](int h, int m) { return time_of_day{h * 3600 + m * 60}; };
  std::vector<int32_t> weekdays{1, 2, 3, 4, 5};
  return calendar_data{
    {{"equity", "NSE", hm(9, 15), hm(15, 30), hm(9, 0), hm(9, 8), weekdays},
     {"commodity", "MCX", hm(9, 0), hm(23, 30), {}, {}, weekdays},
     {"currency", "CDS", hm(9, 0), hm(17, 0), {}, {}, weekdays}},
    {},
    {}};
}

} // namespace algomirror
