#include "domain/instruments.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace algomirror {

namespace {

constexpr std::string_view month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                            "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// DD, MMM, YY at `text` (exactly 7 characters, or 9 with dashes when `dashes`).
result<date> parse_dd_mmm_yy(std::string_view text, bool dashes) {
  auto fail = [&] {
    return result<date>::failure("'" + std::string{text}
                                 + "' is not an expiry: use DD-MMM-YY (30-DEC-25) or DDMMMYY "
                                   "(30DEC25)");
  };
  size_t need = dashes ? 9 : 7;
  if (text.size() != need)
    return fail();
  size_t m = dashes ? 3 : 2;
  size_t y = dashes ? 7 : 5;
  if (dashes && (text[2] != '-' || text[6] != '-'))
    return fail();
  if (!is_digit(text[0]) || !is_digit(text[1]) || !is_digit(text[y]) || !is_digit(text[y + 1]))
    return fail();
  std::string month{text.substr(m, 3)};
  std::transform(month.begin(), month.end(), month.begin(),
                 [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
  auto it = std::find(std::begin(month_names), std::end(month_names), month);
  if (it == std::end(month_names))
    return fail();
  unsigned day = static_cast<unsigned>((text[0] - '0') * 10 + (text[1] - '0'));
  int year = 2000 + (text[y] - '0') * 10 + (text[y + 1] - '0');
  date d{std::chrono::year{year},
         std::chrono::month{static_cast<unsigned>(it - std::begin(month_names) + 1)},
         std::chrono::day{day}};
  if (!d.ok())
    return result<date>::failure("'" + std::string{text} + "' is not a valid date");
  return d;
}

} // namespace

std::string format_number(double x) {
  if (std::floor(x) == x && std::fabs(x) < 1e15)
    return std::to_string(static_cast<long long>(x));
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x); // shortest round-trip form
  (void) ec;
  return std::string{buf, end};
}

const underlying_spec* instrument_table::find(std::string_view underlying) const {
  for (auto& s : specs_)
    if (s.name == underlying)
      return &s;
  return nullptr;
}

result<underlying_spec> instrument_table::require(std::string_view underlying) const {
  if (auto* s = find(underlying))
    return *s;
  std::string known;
  for (auto& s : specs_)
    known += (known.empty() ? "" : ", ") + s.name;
  return result<underlying_spec>::failure("unknown underlying '" + std::string{underlying}
                                          + "' (known: " + known
                                          + "; more are added in the instrument table)");
}

void instrument_table::put(underlying_spec spec) {
  for (auto& s : specs_) {
    if (s.name == spec.name) {
      s = std::move(spec);
      return;
    }
  }
  specs_.push_back(std::move(spec));
}

instrument_table default_instruments() {
  return instrument_table{{
    {"NIFTY", exchange::nse_index, exchange::nfo, 50, 65, 65, 1800, true, 2},
    {"BANKNIFTY", exchange::nse_index, exchange::nfo, 100, 30, 30, 600, false, 2},
    {"SENSEX", exchange::bse_index, exchange::bfo, 100, 20, 20, 1000, true, 4},
  }};
}

std::string format_symbol_expiry(date d) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%02u%s%02d", static_cast<unsigned>(d.day()),
                month_names[static_cast<unsigned>(d.month()) - 1].data(),
                static_cast<int>(d.year()) % 100);
  return buf;
}

std::string format_expiry(date d) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%02u-%s-%02d", static_cast<unsigned>(d.day()),
                month_names[static_cast<unsigned>(d.month()) - 1].data(),
                static_cast<int>(d.year()) % 100);
  return buf;
}

std::string option_symbol(std::string_view underlying, date expiry, double strike,
                          option_type type) {
  return std::string{underlying} + format_symbol_expiry(expiry) + format_number(strike)
         + (type == option_type::pe ? "PE" : "CE");
}

std::string futures_symbol(std::string_view underlying, date expiry) {
  return std::string{underlying} + format_symbol_expiry(expiry) + "FUT";
}

result<date> parse_symbol_expiry(std::string_view text) {
  return parse_dd_mmm_yy(text, false);
}

result<date> parse_expiry(std::string_view text) {
  if (text.size() == 9)
    return parse_dd_mmm_yy(text, true);
  return parse_dd_mmm_yy(text, false);
}

result<derivative_symbol> parse_derivative_symbol(std::string_view symbol,
                                                  const instrument_table& table) {
  auto fail = [&](const std::string& why) {
    return result<derivative_symbol>::failure("'" + std::string{symbol}
                                              + "' is not an option or futures symbol: " + why);
  };
  // The longest matching underlying name, so BANKNIFTY is not read as NIFTY + garbage.
  const underlying_spec* match = nullptr;
  for (auto& s : table.specs())
    if (symbol.substr(0, s.name.size()) == s.name
        && (match == nullptr || s.name.size() > match->name.size()))
      match = &s;
  if (match == nullptr)
    return fail("no known underlying at its start");
  auto rest = symbol.substr(match->name.size());
  if (rest.size() < 7)
    return fail("no DDMMMYY expiry after " + match->name);
  auto expiry = parse_symbol_expiry(rest.substr(0, 7));
  if (!expiry)
    return fail(expiry.error());
  rest = rest.substr(7);
  derivative_symbol out{match->name, *expiry, instrument_kind::future, 0, option_type::none};
  if (rest == "FUT")
    return out;
  if (rest.size() < 3)
    return fail("expected FUT or STRIKE followed by CE/PE after the expiry");
  auto suffix = rest.substr(rest.size() - 2);
  if (suffix != "CE" && suffix != "PE")
    return fail("expected FUT, or a strike followed by CE or PE");
  auto strike_text = rest.substr(0, rest.size() - 2);
  double strike = 0;
  auto [end, ec] = std::from_chars(strike_text.data(), strike_text.data() + strike_text.size(),
                                   strike);
  if (ec != std::errc{} || end != strike_text.data() + strike_text.size() || strike <= 0)
    return fail("'" + std::string{strike_text} + "' is not a strike");
  out.kind = instrument_kind::option;
  out.strike = strike;
  out.option = suffix == "CE" ? option_type::ce : option_type::pe;
  return out;
}

double round_to_tick(double price, double tick) {
  // Rounded to the tick, then to 2 decimals so that 101.2 is 101.2 and not 101.20000000000002.
  return std::round(std::round(price / tick) * tick * 100.0) / 100.0;
}

} // namespace algomirror
