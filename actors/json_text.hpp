#pragma once

// The `details` JSON of activity_logs rows: a flat object of strings and numbers, escaped.
// Writing only; actors never parse JSON.

#include <cstdint>
#include <cstdio>
#include <string>

namespace algomirror {

class json_object {
public:
  json_object& add(const char* key, const std::string& value) {
    open(key);
    text_ += '"';
    for (char c : value) {
      switch (c) {
        case '"':
          text_ += "\\\"";
          break;
        case '\\':
          text_ += "\\\\";
          break;
        case '\n':
          text_ += "\\n";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", c);
            text_ += buf;
          } else {
            text_ += c;
          }
      }
    }
    text_ += '"';
    return *this;
  }

  json_object& add(const char* key, int64_t value) {
    open(key);
    text_ += std::to_string(value);
    return *this;
  }

  /// Money and prices: two decimals (trading-rules.md §7).
  json_object& add(const char* key, double value) {
    open(key);
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%.2f", value);
    text_ += buf;
    return *this;
  }

  /// A nested object or array, already JSON text.
  json_object& add_json(const char* key, const std::string& json_text) {
    open(key);
    text_ += json_text;
    return *this;
  }

  std::string str() const { return text_ + "}"; }

private:
  void open(const char* key) {
    text_ += text_.size() > 1 ? ",\"" : "\"";
    text_ += key;
    text_ += "\":";
  }

  std::string text_ = "{";
};

} // namespace algomirror
