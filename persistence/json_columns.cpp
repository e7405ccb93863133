#include "persistence/json_columns.hpp"

#include <cmath>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace algomirror {

namespace {

/// The stored document; false (with the problem, if it is not empty but not an object) when
/// there is nothing to read.
bool parse_state(std::string_view text, rapidjson::Document& doc, std::string& problem) {
  if (text.empty())
    return false;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    problem = "trailing_state: not a JSON object";
    return false;
  }
  return true;
}

/// The list `key` of the stored document: null when the row has none (an older row, or
/// nothing stored), or when it is not a list (`problem` then says so).
const rapidjson::Value* stored_list(std::string_view text, rapidjson::Document& doc,
                                    const char* key, std::string& problem) {
  if (!parse_state(text, doc, problem))
    return nullptr;
  auto m = doc.FindMember(key);
  if (m == doc.MemberEnd())
    return nullptr;
  if (!m->value.IsArray()) {
    problem = std::string{"trailing_state."} + key + ": not an array";
    return nullptr;
  }
  return &m->value;
}

} // namespace

std::string trailing_to_json(const std::vector<scope_trailing>& scopes,
                             const std::vector<margin_reservation>& margins) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  w.Key("scopes");
  w.StartArray();
  auto number = [&](const char* k, double v) {
    w.Key(k);
    w.Double(std::isfinite(v) ? v : 0.0);
  };
  for (auto& s : scopes) {
    w.StartObject();
    w.Key("scope");
    w.Int64(s.scope);
    w.Key("armed");
    w.Bool(s.armed);
    number("distance", s.distance);
    number("initial", s.initial);
    number("peak", s.peak);
    number("stop", s.stop);
    w.EndObject();
  }
  w.EndArray();
  if (!margins.empty()) {
    w.Key("margins");
    w.StartArray();
    for (auto& m : margins) {
      w.StartObject();
      w.Key("account");
      w.Int64(m.account_id);
      number("amount", m.amount);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return buf.GetString();
}

std::vector<scope_trailing> trailing_from_json(std::string_view text, std::string& problem) {
  std::vector<scope_trailing> out;
  rapidjson::Document doc;
  // An older row has no "scopes" (the state of the scope that fired): nothing to restore.
  auto* scopes = stored_list(text, doc, "scopes", problem);
  if (scopes == nullptr)
    return out;
  for (auto& v : scopes->GetArray()) {
    auto num = [&](const char* k, double& into) {
      auto m = v.FindMember(k);
      if (m == v.MemberEnd() || !m->value.IsNumber())
        return false;
      into = m->value.GetDouble();
      return std::isfinite(into);
    };
    scope_trailing s;
    auto scope = v.IsObject() ? v.FindMember("scope") : v.MemberEnd();
    auto armed = v.IsObject() ? v.FindMember("armed") : v.MemberEnd();
    if (!v.IsObject() || scope == v.MemberEnd() || !scope->value.IsInt64()
        || armed == v.MemberEnd() || !armed->value.IsBool() || !num("distance", s.distance)
        || !num("initial", s.initial) || !num("peak", s.peak) || !num("stop", s.stop)) {
      problem = "trailing_state.scopes: an entry without scope, armed, distance, initial, peak "
                "and stop";
      out.clear();
      return out;
    }
    s.scope = scope->value.GetInt64();
    s.armed = armed->value.GetBool();
    out.push_back(s);
  }
  return out;
}

std::vector<margin_reservation> margins_from_json(std::string_view text, std::string& problem) {
  std::vector<margin_reservation> out;
  rapidjson::Document doc;
  auto* margins = stored_list(text, doc, "margins", problem);
  if (margins == nullptr)
    return out;
  for (auto& v : margins->GetArray()) {
    auto account = v.IsObject() ? v.FindMember("account") : v.MemberEnd();
    auto amount = v.IsObject() ? v.FindMember("amount") : v.MemberEnd();
    if (account == v.MemberEnd() || !account->value.IsInt64() || amount == v.MemberEnd()
        || !amount->value.IsNumber() || !std::isfinite(amount->value.GetDouble())
        || amount->value.GetDouble() < 0) {
      problem = "trailing_state.margins: an entry without account and a non-negative amount";
      out.clear();
      return out;
    }
    out.push_back({account->value.GetInt64(), amount->value.GetDouble()});
  }
  return out;
}

std::string strings_to_json(const std::vector<std::string>& xs) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartArray();
  for (auto& x : xs)
    w.String(x.data(), static_cast<rapidjson::SizeType>(x.size()));
  w.EndArray();
  return {buf.GetString(), buf.GetSize()};
}

std::vector<std::string> strings_from_json(std::string_view text, std::string& problem) {
  std::vector<std::string> out;
  if (text.empty())
    return out;
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsArray()) {
    problem = "not a JSON array of texts";
    return out;
  }
  for (auto& v : doc.GetArray()) {
    if (!v.IsString()) {
      problem = "not a JSON array of texts";
      return {};
    }
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

std::string allocations_to_json(const std::vector<margin_allocation>& xs) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  for (auto& x : xs) {
    w.Key(x.key.c_str(), static_cast<rapidjson::SizeType>(x.key.size()));
    w.Double(std::isfinite(x.amount) ? std::round(x.amount * 100.0) / 100.0 : 0.0);
  }
  w.EndObject();
  return buf.GetString();
}

std::string texts_to_json_object(const std::vector<std::pair<std::string, std::string>>& fields) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w{buffer};
  w.StartObject();
  for (auto& [name, value] : fields) {
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  w.EndObject();
  return buffer.GetString();
}

} // namespace algomirror
