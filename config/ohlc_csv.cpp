#include "config/ohlc_csv.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace algomirror {

namespace {

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      auto field = line.substr(start, i - start);
      while (!field.empty() && (field.front() == ' ' || field.front() == '\t'))
        field.remove_prefix(1);
      while (!field.empty() && (field.back() == ' ' || field.back() == '\t' || field.back() == '\r'))
        field.remove_suffix(1);
      out.push_back(field);
      start = i + 1;
    }
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return out;
}

} // namespace

result<std::vector<ohlc_row>> parse_ohlc_csv(std::string_view text) {
  using result_type = result<std::vector<ohlc_row>>;
  std::vector<ohlc_row> rows;
  std::string errors;
  int line_number = 0;
  int columns[5] = {-1, -1, -1, -1, -1}; // index, open, high, low, close
  constexpr const char* names[5] = {"index", "open", "high", "low", "close"};
  bool header_seen = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos)
      end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (line.empty() || line.front() == '#') {
      if (end == text.size())
        break;
      continue;
    }
    auto fields = split(line);
    if (!header_seen) {
      header_seen = true;
      for (size_t i = 0; i < fields.size(); ++i)
        for (int k = 0; k < 5; ++k)
          if (lower(fields[i]) == names[k])
            columns[k] = static_cast<int>(i);
      std::string missing;
      for (int k = 0; k < 5; ++k)
        if (columns[k] < 0)
          missing += (missing.empty() ? "" : ", ") + std::string{names[k]};
      if (!missing.empty())
        return result_type::failure("line 1: the header must name index,open,high,low,close; "
                                    "missing: " + missing);
      continue;
    }
    ohlc_row row;
    std::string problem;
    double* targets[4] = {&row.open, &row.high, &row.low, &row.close};
    for (int k = 0; k < 5 && problem.empty(); ++k) {
      auto c = static_cast<size_t>(columns[k]);
      if (c >= fields.size()) {
        problem = "has " + std::to_string(fields.size()) + " fields, no " + names[k];
        break;
      }
      if (k == 0) {
        row.index = std::string{fields[c]};
        continue;
      }
      double value = 0;
      auto f = fields[c];
      auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), value);
      if (ec != std::errc{} || p != f.data() + f.size() || !std::isfinite(value))
        problem = std::string{names[k]} + " '" + std::string{f} + "' is not a number";
      else
        *targets[k - 1] = value;
    }
    if (problem.empty() && row.high < row.low)
      problem = "high " + std::to_string(row.high) + " is below low " + std::to_string(row.low);
    if (!problem.empty())
      errors += "line " + std::to_string(line_number) + ": " + problem + "\n";
    else
      rows.push_back(std::move(row));
    if (end == text.size())
      break;
  }
  if (!header_seen)
    return result_type::failure("no header line: expected index,open,high,low,close");
  if (!errors.empty()) {
    errors.pop_back();
    return result_type::failure(errors);
  }
  return rows;
}

} // namespace algomirror
