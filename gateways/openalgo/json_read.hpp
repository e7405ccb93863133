#pragma once

// Internal to gateways/openalgo: the lenient readers both decoders use — a member or nothing,
// any scalar as text, a number sent as a number or a numeric string, an enum word, an order
// status (unknown words are non-terminal).

#include <algorithm>
#include <charconv>
#include <cmath>
#include <rapidjson/document.h>
#include <string>

#include "messages/names.hpp"

namespace algomirror::openalgo::detail {

using rapidjson::Value;

inline const Value* member(const Value& v, const char* key) {
  if (!v.IsObject())
    return nullptr;
  auto it = v.FindMember(key);
  return it == v.MemberEnd() ? nullptr : &it->value;
}

inline std::string text_of(const Value* v) {
  if (v == nullptr || v->IsNull())
    return {};
  if (v->IsString())
    return {v->GetString(), v->GetStringLength()};
  if (v->IsInt64())
    return std::to_string(v->GetInt64());
  if (v->IsNumber()) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v->GetDouble());
    (void) ec;
    return {buf, end};
  }
  if (v->IsBool())
    return v->GetBool() ? "true" : "false";
  return {};
}

/// A number sent as a JSON number or a numeric string; `ok` is false for anything else.
inline double number_of(const Value* v, bool& ok) {
  if (v == nullptr || v->IsNull())
    return 0;
  if (v->IsNumber()) {
    double x = v->GetDouble();
    if (std::isfinite(x))
      return x;
  } else if (v->IsString()) {
    std::string_view s{v->GetString(), v->GetStringLength()};
    while (!s.empty() && s.front() == ' ')
      s.remove_prefix(1);
    if (s.empty())
      return 0; // an empty string: no value
    double x = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
    if (ec == std::errc{} && end == s.data() + s.size() && std::isfinite(x))
      return x;
  }
  ok = false;
  return 0;
}

/// A number, or `fallback` when it is missing, null or not a number.
inline double number_or(const Value* v, double fallback) {
  bool ok = true;
  double x = number_of(v, ok);
  return ok && v != nullptr && !v->IsNull() ? x : fallback;
}

template <class Enum>
bool word_of(const Value* v, Enum& out, bool upper) {
  auto t = text_of(v);
  if (upper)
    std::transform(t.begin(), t.end(), t.begin(),
                   [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
  if (auto e = parse_enum<Enum>(t)) {
    out = *e;
    return true;
  }
  return false;
}

inline order_status status_of(const Value* v) {
  auto t = text_of(v);
  std::transform(t.begin(), t.end(), t.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  if (t == "canceled")
    t = "cancelled";
  if (auto e = parse_enum<order_status>(t))
    return *e;
  return order_status::unknown; // unknown words are non-terminal
}

} // namespace algomirror::openalgo::detail
