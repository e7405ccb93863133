#include "config/strategy_file.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "domain/clock.hpp"
#include "domain/strategy_rules.hpp"
#include "messages/names.hpp"

namespace algomirror {

namespace {

using value = rapidjson::Value;

/// Reads the members of one JSON object, recording every problem under `path`.
class object_reader {
public:
  object_reader(const value& v, std::string path, std::vector<std::string>& problems)
    : v_(v), path_(std::move(path)), problems_(problems) {
    if (!v.IsObject())
      problem("", "must be a JSON object");
  }

  ~object_reader() {
    if (!v_.IsObject())
      return;
    for (auto& m : v_.GetObject()) {
      std::string key = m.name.GetString();
      if (seen_.count(key) == 0)
        problem(key, "is not a known field (known here: " + known() + ")");
    }
  }

  object_reader(const object_reader&) = delete;
  object_reader& operator=(const object_reader&) = delete;

  const value* find(const char* key) {
    seen_.insert(key);
    if (!v_.IsObject())
      return nullptr;
    auto it = v_.FindMember(key);
    return it == v_.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
  }

  void text(const char* key, std::string& out, bool required = false) {
    auto* x = find(key);
    if (x == nullptr) {
      if (required)
        problem(key, "is missing");
      return;
    }
    if (!x->IsString())
      problem(key, "must be a string");
    else
      out = x->GetString();
  }

  template <class T>
  void number(const char* key, T& out) {
    auto* x = find(key);
    if (x == nullptr)
      return;
    if (!x->IsNumber()) {
      problem(key, "must be a number");
      return;
    }
    if constexpr (std::is_integral_v<T>) {
      bool whole = x->IsInt64() || x->IsUint64()
                   || (x->IsDouble() && std::isfinite(x->GetDouble())
                       && std::floor(x->GetDouble()) == x->GetDouble());
      if (!whole) {
        problem(key, "must be a whole number");
        return;
      }
      if (!x->IsInt64() || x->GetInt64() != static_cast<int64_t>(static_cast<T>(x->GetInt64()))) {
        problem(key, format_number(x->GetDouble()) + " is out of range (at most "
                       + std::to_string(std::numeric_limits<T>::max()) + ")");
        return;
      }
      out = static_cast<T>(x->GetInt64());
    } else {
      out = x->GetDouble();
    }
  }

  void flag(const char* key, bool& out) {
    auto* x = find(key);
    if (x == nullptr)
      return;
    if (!x->IsBool())
      problem(key, "must be true or false");
    else
      out = x->GetBool();
  }

  template <class E>
  void word(const char* key, E& out, bool required = false) {
    std::string w;
    text(key, w, required);
    if (w.empty())
      return;
    auto parsed = parse_enum<E>(w);
    if (!parsed) {
      problem(key, "'" + w + "' is not one of " + allowed_words<E>());
    } else {
      out = *parsed;
    }
  }

  void time(const char* key, time_of_day& out) {
    std::string w;
    text(key, w);
    if (w.empty())
      return;
    auto t = parse_time_of_day(w);
    if (!t)
      problem(key, t.error());
    else
      out = *t;
  }

  void limit(const char* key, threshold& out) {
    auto* x = find(key);
    if (x == nullptr)
      return;
    object_reader r{*x, field(key), problems_};
    r.word("type", out.kind, true);
    r.number("value", out.value);
  }

  std::string field(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }

  void problem(const std::string& key, const std::string& what) {
    problems_.push_back((key.empty() ? path_ : field(key)) + ": " + what);
  }

private:
  std::string known() const {
    std::string out;
    for (auto& k : seen_)
      out += (out.empty() ? "" : ", ") + k;
    return out;
  }

  const value& v_;
  std::string path_;
  std::vector<std::string>& problems_;
  std::set<std::string> seen_;
};

void read_leg(const value& v, const std::string& path, leg_definition& leg,
              std::vector<std::string>& problems) {
  object_reader r{v, path, problems};
  r.text("underlying", leg.underlying, true);
  r.word("product", leg.product_kind);
  r.word("expiry", leg.expiry);
  r.word("action", leg.action, true);
  leg.option = option_type::none; // an options leg must say CE or PE
  r.word("option_type", leg.option);
  r.word("strike", leg.strike);
  r.number("strike_offset", leg.strike_offset);
  r.number("strike_price", leg.strike_price);
  r.number("premium", leg.premium_target);
  r.word("order_type", leg.order_kind);
  r.number("limit_price", leg.limit_price);
  r.number("trigger_price", leg.trigger_price);
  r.number("lots", leg.lots);
  r.limit("stop_loss", leg.stop_loss);
  r.limit("take_profit", leg.take_profit);
}

void read_strategy(const value& v, const std::string& path, strategy_document& doc,
                   std::vector<std::string>& problems) {
  auto& s = doc.definition;
  object_reader r{v, path, problems};
  r.text("name", s.name, true);
  r.text("description", s.description);
  r.word("market_condition", s.condition);
  r.text("risk_profile", s.risk_profile);
  r.time("entry_time", s.entry_time);
  r.time("exit_time", s.exit_time);
  r.time("square_off_time", s.square_off_time);
  r.number("max_loss", s.max_loss);
  r.number("max_profit", s.max_profit);
  r.limit("trailing_stop", s.trailing_stop);
  if (auto* st = r.find("supertrend")) {
    object_reader sr{*st, r.field("supertrend"), problems};
    s.supertrend.enabled = true;
    sr.flag("enabled", s.supertrend.enabled);
    sr.word("exit", s.supertrend.kind);
    sr.number("period", s.supertrend.period);
    sr.number("multiplier", s.supertrend.multiplier);
    sr.text("timeframe", s.supertrend.timeframe);
  }
  r.word("risk_scope", s.scope);
  r.word("product", s.order_product);
  r.number("exit_price_protection_pct", s.exit_price_protection_pct);
  if (auto* accounts = r.find("accounts")) {
    if (!accounts->IsArray())
      r.problem("accounts", "must be a list of account names");
    else
      for (auto& a : accounts->GetArray()) {
        if (a.IsString())
          doc.account_names.push_back(a.GetString());
        else
          r.problem("accounts", "must be a list of account names");
      }
  }
  auto* legs = r.find("legs");
  if (legs == nullptr || !legs->IsArray()) {
    r.problem("legs", "must be a list of legs");
    return;
  }
  int32_t number = 0;
  for (auto& l : legs->GetArray()) {
    leg_definition leg;
    leg.leg_number = ++number;
    read_leg(l, r.field("legs[" + std::to_string(number - 1) + "]"), leg, problems);
    s.legs.push_back(std::move(leg));
  }
}

} // namespace

result<std::vector<strategy_document>> read_strategy_file(const std::string& json,
                                                          const instrument_table& table,
                                                          const strategy_limits& limits) {
  using r = result<std::vector<strategy_document>>;
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError())
    return r::failure(std::string{"not valid JSON at offset "} + std::to_string(doc.GetErrorOffset())
                      + ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  const value* list = &doc;
  if (doc.IsObject() && doc.HasMember("strategies"))
    list = &doc["strategies"];
  std::vector<const value*> items;
  if (list->IsArray())
    for (auto& x : list->GetArray())
      items.push_back(&x);
  else
    items.push_back(list);
  std::vector<std::string> problems;
  std::vector<strategy_document> out;
  std::set<std::string> names;
  for (size_t i = 0; i < items.size(); ++i) {
    auto path = items.size() > 1 || list != &doc ? "strategies[" + std::to_string(i) + "]"
                                                 : std::string{};
    strategy_document d;
    read_strategy(*items[i], path, d, problems);
    for (auto& p : strategy_problems(d.definition, table, limits))
      problems.push_back(path.empty() ? p : path + "." + p);
    if (!d.definition.name.empty() && !names.insert(d.definition.name).second)
      problems.push_back(path + ".name: '" + d.definition.name + "' appears twice in the file");
    out.push_back(std::move(d));
  }
  if (items.empty())
    problems.push_back("the file holds no strategy");
  if (!problems.empty()) {
    std::string text = std::to_string(problems.size()) + " problem"
                       + (problems.size() == 1 ? "" : "s") + ":";
    for (auto& p : problems)
      text += "\n  - " + p;
    return r::failure(text);
  }
  return out;
}

std::string write_strategy_file(const std::vector<strategy_definition>& strategies,
                                const std::map<int64_t, std::string>& account_names) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w{buf};
  w.SetIndent(' ', 2);
  auto str = [&w](const std::string& s) {
    w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  };
  auto key_str = [&](const char* k, const std::string& v) {
    w.Key(k);
    str(v);
  };
  auto limit = [&](const char* k, const threshold& t) {
    if (t.kind == threshold_kind::off)
      return;
    w.Key(k);
    w.StartObject();
    key_str("type", to_string(t.kind));
    w.Key("value");
    w.Double(t.value);
    w.EndObject();
  };
  w.StartObject();
  w.Key("strategies");
  w.StartArray();
  for (auto& s : strategies) {
    w.StartObject();
    key_str("name", s.name);
    if (!s.description.empty())
      key_str("description", s.description);
    key_str("market_condition", to_string(s.condition));
    key_str("risk_profile", s.risk_profile);
    for (auto [k, t] : {std::pair{"entry_time", s.entry_time}, std::pair{"exit_time", s.exit_time},
                        std::pair{"square_off_time", s.square_off_time}})
      if (t.seconds >= 0)
        key_str(k, format_time_of_day(t));
    w.Key("max_loss");
    w.Double(s.max_loss);
    w.Key("max_profit");
    w.Double(s.max_profit);
    limit("trailing_stop", s.trailing_stop);
    if (s.supertrend.enabled) {
      w.Key("supertrend");
      w.StartObject();
      key_str("exit", to_string(s.supertrend.kind));
      w.Key("period");
      w.Int(s.supertrend.period);
      w.Key("multiplier");
      w.Double(s.supertrend.multiplier);
      key_str("timeframe", s.supertrend.timeframe);
      w.EndObject();
    }
    key_str("risk_scope", to_string(s.scope));
    key_str("product", to_string(s.order_product));
    w.Key("exit_price_protection_pct");
    w.Double(s.exit_price_protection_pct);
    w.Key("accounts");
    w.StartArray();
    for (auto id : s.account_ids) {
      auto i = account_names.find(id);
      str(i != account_names.end() ? i->second : std::to_string(id));
    }
    w.EndArray();
    w.Key("legs");
    w.StartArray();
    for (auto& l : s.legs) {
      w.StartObject();
      key_str("underlying", l.underlying);
      key_str("product", to_string(l.product_kind));
      key_str("expiry", to_string(l.expiry));
      key_str("action", to_string(l.action));
      if (l.option != option_type::none)
        key_str("option_type", to_string(l.option));
      if (l.product_kind == leg_product::options) {
        key_str("strike", to_string(l.strike));
        if (l.strike == strike_selection::strike_price) {
          w.Key("strike_price");
          w.Double(l.strike_price);
        } else if (l.strike == strike_selection::premium_near) {
          w.Key("premium");
          w.Double(l.premium_target);
        } else if (l.strike != strike_selection::atm) {
          w.Key("strike_offset");
          w.Int(l.strike_offset);
        }
      }
      w.Key("lots");
      w.Int(l.lots);
      key_str("order_type", to_string(l.order_kind));
      if (l.limit_price > 0) {
        w.Key("limit_price");
        w.Double(l.limit_price);
      }
      if (l.trigger_price > 0) {
        w.Key("trigger_price");
        w.Double(l.trigger_price);
      }
      limit("stop_loss", l.stop_loss);
      limit("take_profit", l.take_profit);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string{buf.GetString(), buf.GetSize()} + "\n";
}

} // namespace algomirror
