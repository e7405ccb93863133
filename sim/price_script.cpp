#include "sim/price_script.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "domain/clock.hpp"

namespace algomirror::sim {

result<price_script> parse_price_script(std::string_view text) {
  price_script out;
  std::string errors;
  int number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos)
      end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (line.empty() || line.front() == '#' || line.rfind("time,", 0) == 0)
      continue;
    auto c1 = line.find(',');
    auto c2 = c1 == std::string_view::npos ? c1 : line.find(',', c1 + 1);
    if (c2 == std::string_view::npos) {
      errors += "line " + std::to_string(number) + ": expected time,underlying,spot\n";
      continue;
    }
    auto at = parse_iso8601(line.substr(0, c1));
    auto underlying = std::string{line.substr(c1 + 1, c2 - c1 - 1)};
    auto spot_text = line.substr(c2 + 1);
    double spot = 0;
    auto [p, ec] = std::from_chars(spot_text.data(), spot_text.data() + spot_text.size(), spot);
    if (!at)
      errors += "line " + std::to_string(number) + ": " + at.error() + "\n";
    else if (underlying.empty())
      errors += "line " + std::to_string(number) + ": no underlying\n";
    else if (ec != std::errc{} || p != spot_text.data() + spot_text.size() || !(spot > 0))
      errors += "line " + std::to_string(number) + ": spot '" + std::string{spot_text}
                + "' is not a positive number\n";
    else
      out[underlying].push_back({*at, spot});
  }
  if (!errors.empty()) {
    errors.pop_back();
    return result<price_script>::failure(errors);
  }
  for (auto& [name, path] : out)
    std::stable_sort(path.begin(), path.end(),
                     [](const price_point& a, const price_point& b) { return a.at < b.at; });
  return out;
}

double spot_at(const std::vector<price_point>& path, utc_instant t) {
  if (path.empty())
    return 0;
  auto it = std::upper_bound(path.begin(), path.end(), t,
                             [](utc_instant x, const price_point& p) { return x < p.at; });
  return it == path.begin() ? path.front().spot : std::prev(it)->spot;
}

} // namespace algomirror::sim
