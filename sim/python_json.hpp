#pragma once

// JSON as Python's json.dumps writes it (insertion order, ", " and ": " separators, floats
// with a decimal point): how OpenAlgo's WebSocket server and its Marshmallow errors write
// their text. Built with RapidJSON's writer; the separators are put in at the end.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace algomirror::sim {

/// Compact JSON (RapidJSON's writer output) with json.dumps's separators: a space after every
/// ',' and ':' outside strings.
inline std::string python_separators(std::string_view compact) {
  std::string out;
  out.reserve(compact.size() + compact.size() / 8);
  bool in_string = false, escaped = false;
  for (char c : compact) {
    out += c;
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == ',' || c == ':') {
      out += ' ';
    }
  }
  return out;
}

class py_list;

/// A JSON object, its members in the order they are added.
class py_json {
public:
  py_json() : out_(std::make_unique<text>()) { out_->w.StartObject(); }

  py_json& str(std::string_view key, std::string_view value) {
    name(key);
    out_->w.String(value.data(), size(value));
    return *this;
  }
  /// A float: always with a decimal point (24000.0), as Python writes one.
  py_json& num(std::string_view key, double value) {
    name(key);
    out_->w.Double(value);
    return *this;
  }
  py_json& integer(std::string_view key, int64_t value) {
    name(key);
    out_->w.Int64(value);
    return *this;
  }
  py_json& boolean(std::string_view key, bool value) {
    name(key);
    out_->w.Bool(value);
    return *this;
  }
  py_json& add(std::string_view key, const py_json& nested) {
    return raw(key, nested.compact());
  }
  py_json& add(std::string_view key, const py_list& nested);
  /// A value that is compact JSON text already (e.g. one written by RapidJSON's writer).
  py_json& raw(std::string_view key, const std::string& compact_json) {
    name(key);
    out_->w.RawValue(compact_json.data(), compact_json.size(), rapidjson::kObjectType);
    return *this;
  }

  /// RapidJSON's compact text of the object.
  std::string compact() const {
    return std::string{out_->buffer.GetString(), out_->buffer.GetSize()} + "}";
  }
  /// The object as json.dumps writes it.
  std::string done() const { return python_separators(compact()); }

private:
  friend class py_list;
  struct text {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w{buffer};
  };
  static rapidjson::SizeType size(std::string_view s) {
    return static_cast<rapidjson::SizeType>(s.size());
  }
  void name(std::string_view key) { out_->w.Key(key.data(), size(key)); }

  std::unique_ptr<text> out_; // the writer points into its buffer: both stay where they are
};

/// A JSON array of objects or strings.
class py_list {
public:
  py_list() : out_(std::make_unique<py_json::text>()) { out_->w.StartArray(); }

  py_list& push(const py_json& o) {
    auto inner = o.compact();
    out_->w.RawValue(inner.data(), inner.size(), rapidjson::kObjectType);
    return *this;
  }

  py_list& push(std::string_view s) {
    out_->w.String(s.data(), py_json::size(s));
    return *this;
  }

  std::string compact() const {
    return std::string{out_->buffer.GetString(), out_->buffer.GetSize()} + "]";
  }

private:
  std::unique_ptr<py_json::text> out_;
};

inline py_json& py_json::add(std::string_view key, const py_list& nested) {
  return raw(key, nested.compact());
}

} // namespace algomirror::sim
