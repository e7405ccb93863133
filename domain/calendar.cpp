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

std::string market_calendar::holiday_market(const std::string& market) {
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
    {},
    {}};
}

} // namespace algomirror

namespace algomirror {

namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string{s};
}

/// One CSV line's fields; `"..."` quotes a field (`""` inside is a quote).
std::vector<std::string> csv_fields(std::string_view line) {
  std::vector<std::string> out;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(trim(field));
      field.clear();
    } else {
      field += c;
    }
  }
  out.push_back(trim(field));
  return out;
}

std::string upper(std::string s) {
  for (auto& c : s)
    if (c >= 'a' && c <= 'z')
      c = static_cast<char>(c - 'a' + 'A');
  return s;
}

} // namespace

bool market_calendar::holidays_known(const std::string& market, int year) const {
  auto exchange = holiday_market(market);
  auto prefix = std::to_string(year) + "-";
  for (auto& h : data_.holidays)
    if (h.date.compare(0, prefix.size(), prefix) == 0 && lists(h.markets, exchange))
      return true;
  return false;
}

bool market_calendar::acknowledged(const std::string& market, int year) const {
  auto exchange = holiday_market(market);
  for (auto& a : data_.acknowledged)
    if (a.year == year && (a.market == exchange || a.market == market))
      return true;
  return false;
}

std::string market_calendar::unknown_year_warning(const std::string& market, date d) const {
  int y = static_cast<int>(d.year());
  if (holidays_known(market, y))
    return {};
  auto exchange = holiday_market(market);
  auto year = std::to_string(y);
  return "no " + exchange + " holidays known for " + year
         + ": add them (algomirror-node calendar holidays import FILE)"
         + (acknowledged(market, y)
              ? "; the year is acknowledged, so scheduled entries still run"
              : "; scheduled entries are refused until then, or until you acknowledge the "
                "year (algomirror-node calendar acknowledge "
                  + year + (exchange == "NSE" ? "" : " --market " + exchange) + ")");
}

result<std::vector<market_holiday>> parse_holiday_csv(
  std::string_view text, const std::vector<std::string>& default_markets) {
  using out_type = result<std::vector<market_holiday>>;
  std::vector<market_holiday> out;
  size_t line_no = 0;
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++line_no;
    if (trim(line).empty() || trim(line)[0] == '#')
      continue;
    auto fields = csv_fields(line);
    auto where = "line " + std::to_string(line_no) + ": ";
    auto day = parse_calendar_date(fields[0]);
    if (!day) {
      if (out.empty() && line_no == 1)
        continue; // a header
      return out_type::failure(where + "date '" + fields[0]
                               + "' is not a day as YYYY-MM-DD or DD-MMM-YYYY (26-Jan-2027)");
    }
    if (fields.size() < 2 || fields[1].empty())
      return out_type::failure(where + "the holiday on " + *day
                               + " has no description (date,description,market)");
    if (fields.size() > 3)
      return out_type::failure(where + std::to_string(fields.size())
                               + " fields; expected date,description,market (quote a "
                                 "description with a comma in it)");
    market_holiday h{*day, fields[1], {}};
    auto markets = fields.size() == 3 ? upper(fields[2]) : std::string{};
    for (auto& c : markets)
      if (c == ';' || c == '/' || c == '|')
        c = ' ';
    std::string word;
    auto take = [&]() -> std::string {
      if (word.empty())
        return {};
      if (word == "ALL") {
        h.markets = {"NSE", "BSE"};
      } else if (word == "NSE" || word == "BSE" || word == "MCX") {
        if (std::find(h.markets.begin(), h.markets.end(), word) == h.markets.end())
          h.markets.push_back(word);
      } else {
        return where + "market '" + word + "' is not one of NSE, BSE, MCX (or all)";
      }
      word.clear();
      return {};
    };
    for (char c : markets + " ") {
      if (c == ' ') {
        if (auto bad = take(); !bad.empty())
          return out_type::failure(bad);
      } else {
        word += c;
      }
    }
    if (h.markets.empty())
      h.markets = default_markets;
    for (auto& seen : out)
      if (seen.date == h.date)
        for (auto& m : h.markets)
          if (lists(seen.markets, m))
            return out_type::failure(where + h.date + " is listed twice for " + m);
    out.push_back(std::move(h));
  }
  if (out.empty())
    return out_type::failure("no holidays in the file (one a line: date,description,market)");
  return out;
}

} // namespace algomirror
