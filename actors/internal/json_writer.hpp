#pragma once

// The JSON text of database columns (activity_logs.details, risk_events.details, a run's spot
// snapshot and skipped accounts), written with RapidJSON's writer. Writing only: actors never
// parse JSON (the layering test allows RapidJSON's writer in this one header).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace algomirror {

class json_array;

/// A JSON object, its members in the order they are added.
class json_object {
public:
  json_object() : out_(std::make_unique<text>()) { out_->writer.StartObject(); }

  json_object& add(std::string_view key, std::string_view value) {
    name(key);
    out_->writer.String(value.data(), size(value));
    return *this;
  }

  json_object& add(std::string_view key, const std::string& value) {
    return add(key, std::string_view{value});
  }

  json_object& add(std::string_view key, const char* value) {
    return add(key, std::string_view{value});
  }

  json_object& add(std::string_view key, int64_t value) {
    name(key);
    out_->writer.Int64(value);
    return *this;
  }

  /// Money and prices: two decimals (trading-rules.md §7), as a JSON number.
  json_object& add(std::string_view key, double value) {
    name(key);
    auto digits = fmt::format("{:.2f}", value);
    out_->writer.RawValue(digits.data(), digits.size(), rapidjson::kNumberType);
    return *this;
  }

  json_object& add(std::string_view key, const json_object& nested) {
    name(key);
    auto inner = nested.str();
    out_->writer.RawValue(inner.data(), inner.size(), rapidjson::kObjectType);
    return *this;
  }

  json_object& add(std::string_view key, const json_array& nested);

  /// The object's text (it stays open to more members).
  std::string str() const {
    return std::string{out_->buffer.GetString(), out_->buffer.GetSize()} + "}";
  }

private:
  friend class json_array;

  struct text {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
  };

  static rapidjson::SizeType size(std::string_view s) {
    return static_cast<rapidjson::SizeType>(s.size());
  }

  void name(std::string_view key) { out_->writer.Key(key.data(), size(key)); }

  std::unique_ptr<text> out_; // the writer points into its buffer: both stay where they are
};

/// A JSON array of objects or strings.
class json_array {
public:
  json_array() : out_(std::make_unique<json_object::text>()) { out_->writer.StartArray(); }

  json_array& push(const json_object& o) {
    auto inner = o.str();
    out_->writer.RawValue(inner.data(), inner.size(), rapidjson::kObjectType);
    return *this;
  }

  json_array& push(std::string_view s) {
    out_->writer.String(s.data(), json_object::size(s));
    return *this;
  }

  std::string str() const {
    return std::string{out_->buffer.GetString(), out_->buffer.GetSize()} + "]";
  }

private:
  std::unique_ptr<json_object::text> out_;
};

inline json_object& json_object::add(std::string_view key, const json_array& nested) {
  name(key);
  auto inner = nested.str();
  out_->writer.RawValue(inner.data(), inner.size(), rapidjson::kArrayType);
  return *this;
}

} // namespace algomirror
