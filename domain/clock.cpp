#include "domain/clock.hpp"

#include <cctype>
#include <cstdio>

namespace algomirror {

namespace {

using namespace std::chrono;

bool read_digits(std::string_view text, size_t& pos, size_t count, int& out) {
  if (pos + count > text.size())
    return false;
  int value = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  out = value;
  return true;
}

bool expect_char(std::string_view text, size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

struct calendar_fields {
  int year;
  unsigned month, day;
  long hour, minute, second, micros;
};

calendar_fields split(sys_time<microseconds> t) {
  auto day_start = floor<days>(t);
  year_month_day ymd{day_start};
  hh_mm_ss<microseconds> hms{t - day_start};
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()), static_cast<long>(hms.hours().count()),
          static_cast<long>(hms.minutes().count()), static_cast<long>(hms.seconds().count()),
          static_cast<long>(hms.subseconds().count())};
}

} // namespace

scaled_clock::scaled_clock() = default;

const clock& system_time() {
  static const scaled_clock real; // immutable after construction
  return real;
}

scaled_clock::scaled_clock(utc_instant start, double speed)
  : scaled_clock(start, speed, steady_clock::now()) {
}

scaled_clock::scaled_clock(utc_instant start, double speed, steady_clock::time_point anchor)
  : system_(false), start_(start), anchor_(anchor), speed_(speed) {
}

utc_instant scaled_clock::now() const {
  if (system_)
    return time_point_cast<microseconds>(system_clock::now());
  return at(steady_clock::now());
}

utc_instant scaled_clock::at(steady_clock::time_point real) const {
  if (system_)
    return time_point_cast<microseconds>(system_clock::now());
  auto elapsed = duration<double, std::micro>(real - anchor_) * speed_;
  return start_ + duration_cast<microseconds>(elapsed);
}

nanoseconds scaled_clock::real_delay(nanoseconds market_time) const {
  if (speed_ == 1.0)
    return market_time;
  return duration_cast<nanoseconds>(duration<double, std::nano>(market_time) / speed_);
}

result<utc_instant> parse_iso8601(std::string_view text) {
  auto fail = [&] {
    return result<utc_instant>::failure(
      "'" + std::string{text}
      + "' is not an ISO-8601 instant; use YYYY-MM-DDTHH:MM[:SS][Z|+05:30], "
        "e.g. 2026-11-25T09:15:00+05:30");
  };
  size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!read_digits(text, pos, 4, y) || !expect_char(text, pos, '-')
      || !read_digits(text, pos, 2, mo) || !expect_char(text, pos, '-')
      || !read_digits(text, pos, 2, d))
    return fail();
  if (!expect_char(text, pos, 'T') && !expect_char(text, pos, ' '))
    return fail();
  if (!read_digits(text, pos, 2, h) || !expect_char(text, pos, ':')
      || !read_digits(text, pos, 2, mi))
    return fail();
  microseconds fraction{0};
  if (expect_char(text, pos, ':')) {
    if (!read_digits(text, pos, 2, s))
      return fail();
    if (expect_char(text, pos, '.')) {
      size_t digits = 0;
      int64_t value = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (digits < 6) {
          value = value * 10 + (text[pos] - '0');
          ++digits;
        }
        ++pos;
      }
      if (digits == 0)
        return fail();
      for (; digits < 6; ++digits)
        value *= 10;
      fraction = microseconds{value};
    }
  }
  minutes offset = ist_offset;
  if (expect_char(text, pos, 'Z')) {
    offset = minutes{0};
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!read_digits(text, pos, 2, oh))
      return fail();
    expect_char(text, pos, ':');
    if (!read_digits(text, pos, 2, om) || oh > 23 || om > 59)
      return fail();
    offset = minutes{sign * (oh * 60 + om)};
  }
  if (pos != text.size())
    return fail();
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59)
    return result<utc_instant>::failure("'" + std::string{text} + "' is not a valid date and time");
  auto local = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} + fraction;
  return utc_instant{local - offset};
}

std::string format_utc(utc_instant t) {
  auto f = split(t);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02ld:%02ld:%02ld.%06ldZ", f.year, f.month,
                f.day, f.hour, f.minute, f.second, f.micros);
  return buf;
}

std::string format_ist(utc_instant t) {
  auto f = split(t + ist_offset);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u %02ld:%02ld:%02ld IST", f.year, f.month, f.day,
                f.hour, f.minute, f.second);
  return buf;
}

result<time_of_day> parse_time_of_day(const std::string& text) {
  int h = 0, m = 0, s = 0, used = -1;
  int n = std::sscanf(text.c_str(), "%2d:%2d%n:%2d%n", &h, &m, &used, &s, &used);
  if (n < 2 || used != static_cast<int>(text.size()) || h < 0 || h > 23 || m < 0 || m > 59
      || s < 0 || s > 59 || text.size() < 4)
    return result<time_of_day>::failure("'" + text + "' is not a time of day (HH:MM or HH:MM:SS, IST)");
  return time_of_day{h * 3600 + m * 60 + s};
}

std::string format_time_of_day(time_of_day t, bool with_seconds) {
  char buf[16];
  if (!with_seconds && t.seconds % 60 == 0)
    std::snprintf(buf, sizeof(buf), "%02d:%02d", t.seconds / 3600, t.seconds / 60 % 60);
  else
    std::snprintf(buf, sizeof(buf), "%02d:%02d:%02d", t.seconds / 3600, t.seconds / 60 % 60,
                  t.seconds % 60);
  return buf;
}

std::optional<std::string> parse_calendar_date(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n\"");
  auto last = text.find_last_not_of(" \t\r\n\"");
  std::string s{first == std::string_view::npos ? std::string_view{}
                                                  : text.substr(first, last - first + 1)};
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (s.size() == 10 && std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3) {
    // YYYY-MM-DD
  } else {
    char mon[4] = {};
    if (s.size() < 10 || s.size() > 11
        || std::sscanf(s.c_str(), "%2d-%3[A-Za-z]-%4d%c", &d, mon, &y, &tail) != 3)
      return std::nullopt;
    static constexpr const char* months[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                             "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    std::string name = mon;
    for (auto& c : name)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (int k = 0; k < 12; ++k)
      if (name == months[k])
        m = k + 1;
    if (m == 0)
      return std::nullopt;
  }
  std::chrono::year_month_day day{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
           std::chrono::day{static_cast<unsigned>(d)}};
  if (y < 2000 || y > 2100 || !day.ok())
    return std::nullopt;
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
  return std::string{buf};
}

} // namespace algomirror
