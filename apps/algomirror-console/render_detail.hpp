#pragma once

// Inside the console's rendering (render*.cpp only): JSON fields, padded tables, rupees and
// IST times.

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "domain/clock.hpp"
#include "messages/names.hpp"

namespace algomirror::console_view::detail {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

inline std::string rupees(double x) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.2f", x);
  return buf;
}

inline std::string ist(utc_instant t) {
  return t == utc_instant{} ? std::string{"-"} : format_ist(t);
}

inline void key(json_writer& w, const char* k) {
  w.Key(k);
}

inline void field(json_writer& w, const char* k, const std::string& v) {
  w.Key(k);
  w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
}

inline void field(json_writer& w, const char* k, int64_t v) {
  w.Key(k);
  w.Int64(v);
}

inline void field(json_writer& w, const char* k, int32_t v) {
  field(w, k, int64_t{v});
}

inline void field(json_writer& w, const char* k, double v) {
  w.Key(k);
  w.Double(v);
}

inline void field(json_writer& w, const char* k, bool v) {
  w.Key(k);
  w.Bool(v);
}

inline void field(json_writer& w, const char* k, utc_instant t) {
  field(w, k, t == utc_instant{} ? std::string{} : format_utc(t));
}

/// A table: columns padded to their widest cell.
class table {
public:
  explicit table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.size() == 1; }
  void print(std::ostream& out) const {
    std::vector<size_t> widths;
    for (auto& r : rows_)
      for (size_t i = 0; i < r.size(); ++i) {
        if (widths.size() <= i)
          widths.push_back(0);
        widths[i] = std::max(widths[i], r[i].size());
      }
    for (auto& r : rows_) {
      std::string line;
      for (size_t i = 0; i < r.size(); ++i) {
        line += r[i];
        if (i + 1 < r.size())
          line.append(widths[i] - r[i].size() + 2, ' ');
      }
      out << line << "\n";
    }
  }

private:
  std::vector<std::vector<std::string>> rows_;
};

template <class F>
void emit(std::ostream& out, F f) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  f(w);
  out << buf.GetString() << "\n";
}

inline void write(json_writer& w, const instrument& i) {
  field(w, "symbol", i.symbol);
  field(w, "exchange", to_string(i.exch));
}

} // namespace algomirror::console_view::detail
