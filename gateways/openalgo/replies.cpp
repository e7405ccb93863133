#include "gateways/openalgo/replies.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "gateways/openalgo/json_read.hpp"
#include "messages/names.hpp"

namespace algomirror::openalgo {

namespace {

using rapidjson::Value;
using namespace detail;

/// A body parsed as JSON, or why not.
struct parsed {
  rapidjson::Document doc;
  bool json = false;
  std::string parse_error;
};

void parse(std::string_view body, parsed& p) {
  if (body.size() > max_reply_bytes) {
    p.parse_error = "reply of " + std::to_string(body.size()) + " bytes is larger than allowed";
    return;
  }
  p.doc.Parse(body.data(), body.size());
  if (p.doc.HasParseError()) {
    p.parse_error = std::string{"not JSON ("} + rapidjson::GetParseError_En(p.doc.GetParseError())
                    + " at byte " + std::to_string(p.doc.GetErrorOffset()) + ")";
    return;
  }
  p.json = true;
}

/// The server's message in any of the shapes of §1.3 (string, object of field errors,
/// `errors` with "Validation error", restx `{"message": …}`).
std::string message_of(const Value& doc) {
  std::string out;
  auto describe_fields = [&out](const Value& fields) {
    for (auto it = fields.MemberBegin(); it != fields.MemberEnd(); ++it) {
      if (!out.empty())
        out += "; ";
      out += std::string{it->name.GetString()} + ": ";
      if (it->value.IsArray()) {
        for (auto& m : it->value.GetArray())
          out += text_of(&m) + " ";
        if (out.back() == ' ')
          out.pop_back();
      } else {
        out += text_of(&it->value);
      }
    }
  };
  if (auto* m = member(doc, "message")) {
    if (m->IsObject())
      describe_fields(*m);
    else
      out = text_of(m);
  }
  if (auto* e = member(doc, "errors"); e != nullptr && e->IsObject()) {
    std::string head = out;
    out.clear();
    describe_fields(*e);
    if (!head.empty())
      out = head + ": " + out;
  }
  return out;
}

std::string excerpt(std::string_view body) {
  std::string s{body.substr(0, 200)};
  for (auto& c : s)
    if (static_cast<unsigned char>(c) < 0x20)
      c = ' ';
  return s;
}

reply_error classify_parsed(int status, std::string_view body, const parsed& p) {
  std::string message = p.json ? message_of(p.doc) : excerpt(body);
  auto error = [&](outcome kind, std::string text) {
    return reply_error{kind, status, std::move(text)};
  };
  if (body.size() > max_reply_bytes)
    return error(outcome::malformed, p.parse_error);
  if (status == 200) {
    if (!p.json)
      return error(outcome::malformed, p.parse_error);
    if (!p.doc.IsObject())
      return error(outcome::malformed, "the reply is not a JSON object");
    auto st = text_of(member(p.doc, "status"));
    if (st == "success")
      return error(outcome::ok, message);
    if (st == "error")
      return error(outcome::rejected, message);
    return error(outcome::malformed, "the reply has no status success or error");
  }
  if (status == 429)
    return error(outcome::rate_limited, message.empty() ? "rate limited" : message);
  if (status == 401 || status == 403) {
    // Semi-auto mode refuses modify/cancel with 403: definitive, not a credential problem.
    if (message.find("semi") != std::string::npos || message.find("Action Center") != std::string::npos)
      return error(outcome::rejected, message);
    return error(outcome::unauthorized, message.empty() ? "unauthorized" : message);
  }
  if (status == 404)
    return error(outcome::not_found, message.empty() ? "not found" : message);
  if (status >= 400 && status < 500)
    return error(outcome::rejected, message.empty() ? "rejected" : message);
  if (status == 501)
    return error(outcome::rejected, message.empty() ? "not implemented" : message);
  if (status >= 500)
    return error(outcome::outcome_unknown, message.empty() ? "server error" : message);
  return error(outcome::outcome_unknown, "unexpected HTTP status " + std::to_string(status));
}

/// Parses, classifies, and calls `read(doc)` on success. `read` returns the value or leaves
/// `problem` set.
template <class T, class Read>
decoded<T> decode(int status, std::string_view body, Read read) {
  parsed p;
  parse(body, p);
  auto c = classify_parsed(status, body, p);
  if (c.kind != outcome::ok)
    return c;
  std::string problem;
  T value = read(p.doc, problem);
  if (!problem.empty())
    return reply_error{outcome::malformed, status, problem};
  return value;
}

/// Reads the fields common to orderbook rows and orderstatus data.
broker_order read_order(const Value& row, std::string& problem) {
  broker_order o;
  bool ok = true;
  o.broker_order_id = text_of(member(row, "orderid"));
  o.inst.symbol = text_of(member(row, "symbol"));
  if (o.broker_order_id.empty())
    problem = "an order without orderid";
  else if (!word_of(member(row, "exchange"), o.inst.exch, true))
    problem = "order " + o.broker_order_id + ": unknown exchange '"
              + text_of(member(row, "exchange")) + "'";
  else if (!word_of(member(row, "action"), o.action, true))
    problem = "order " + o.broker_order_id + ": unknown action '"
              + text_of(member(row, "action")) + "'";
  if (!problem.empty())
    return o;
  word_of(member(row, "product"), o.order_product, true);
  if (!word_of(member(row, "pricetype"), o.kind, true))
    word_of(member(row, "price_type"), o.kind, true); // orderstatus spells it so
  o.quantity = static_cast<int64_t>(number_of(member(row, "quantity"), ok));
  o.filled_quantity = static_cast<int64_t>(number_of(member(row, "filled_quantity"), ok));
  o.average_price = number_of(member(row, "average_price"), ok);
  o.price = number_of(member(row, "price"), ok);
  o.trigger_price = number_of(member(row, "trigger_price"), ok);
  o.status = status_of(member(row, "order_status"));
  o.strategy_tag = text_of(member(row, "strategy"));
  o.timestamp = text_of(member(row, "timestamp"));
  o.rejection_reason = text_of(member(row, "rejection_reason"));
  if (!ok)
    problem = "order " + o.broker_order_id + ": a numeric field is not a number";
  // A complete order without a filled quantity (live rows) filled in full.
  if (o.status == order_status::complete && o.filled_quantity == 0)
    o.filled_quantity = o.quantity;
  return o;
}

} // namespace

std::string to_string(outcome x) {
  switch (x) {
    case outcome::ok:
      return "ok";
    case outcome::rejected:
      return "rejected";
    case outcome::not_found:
      return "not_found";
    case outcome::rate_limited:
      return "rate_limited";
    case outcome::unauthorized:
      return "unauthorized";
    case outcome::outcome_unknown:
      return "outcome_unknown";
    case outcome::malformed:
      return "malformed";
    case outcome::queued_for_approval:
      return "queued_for_approval";
    case outcome::no_action:
      return "no_action";
  }
  return "?";
}

reply_error classify(int http_status, std::string_view body) {
  parsed p;
  parse(body, p);
  return classify_parsed(http_status, body, p);
}

decoded<std::string> decode_ping(int http_status, std::string_view body) {
  return decode<std::string>(http_status, body, [](const Value& doc, std::string& problem) {
    auto* data = member(doc, "data");
    auto broker = data != nullptr ? text_of(member(*data, "broker")) : std::string{};
    if (broker.empty())
      problem = "ping reply without data.broker";
    return broker;
  });
}

decoded<std::string> decode_analyzer(int http_status, std::string_view body) {
  return decode<std::string>(http_status, body, [](const Value& doc, std::string& problem) {
    auto* data = member(doc, "data");
    auto* flag = data != nullptr && data->IsObject() ? member(*data, "analyze_mode") : nullptr;
    if (flag == nullptr || !flag->IsBool()) {
      problem = "analyzer reply without a true/false data.analyze_mode";
      return std::string{};
    }
    return std::string{flag->GetBool() ? "analyze" : "live"};
  });
}

decoded<std::vector<std::string>> decode_order_ids(int http_status, std::string_view body) {
  parsed p;
  parse(body, p);
  auto c = classify_parsed(http_status, body, p);
  if (c.kind != outcome::ok)
    return c;
  std::vector<std::string> ids;
  if (auto id = text_of(member(p.doc, "orderid")); !id.empty()) {
    ids.push_back(id);
  } else if (auto* results = member(p.doc, "results"); results != nullptr && results->IsArray()) {
    for (auto& r : results->GetArray()) {
      if (text_of(member(r, "status")) != "success")
        return reply_error{outcome::rejected, http_status,
                           "a child order failed: " + text_of(member(r, "message"))};
      auto child = text_of(member(r, "orderid"));
      if (child.empty())
        return reply_error{outcome::malformed, http_status, "a child order without orderid"};
      ids.push_back(child);
    }
  }
  if (ids.empty()) {
    auto message = message_of(p.doc);
    // A smart order with nothing to do is not a queued order: no order exists either way, but
    // only semi-auto mode leaves one waiting for approval.
    bool semi_auto = text_of(member(p.doc, "mode")) == "semi_auto"
                     || member(p.doc, "pending_order_id") != nullptr;
    if (!semi_auto && (message.find("Already Matched") != std::string::npos
                       || message.find("No OpenPosition Found") != std::string::npos))
      return reply_error{outcome::no_action, http_status, message};
    return reply_error{outcome::queued_for_approval, http_status,
                       message.empty() ? "success without an order id" : message};
  }
  return ids;
}

decoded<broker_order> decode_order_status(int http_status, std::string_view body) {
  return decode<broker_order>(http_status, body, [](const Value& doc, std::string& problem) {
    auto* data = member(doc, "data");
    if (data == nullptr || !data->IsObject()) {
      problem = "orderstatus reply without data";
      return broker_order{};
    }
    return read_order(*data, problem);
  });
}

decoded<std::vector<broker_order>> decode_orderbook(int http_status, std::string_view body) {
  return decode<std::vector<broker_order>>(
    http_status, body, [](const Value& doc, std::string& problem) {
      std::vector<broker_order> out;
      auto* data = member(doc, "data");
      const Value* orders = data != nullptr && data->IsObject() ? member(*data, "orders") : data;
      if (orders == nullptr || orders->IsNull())
        return out; // no orders today
      if (!orders->IsArray()) {
        problem = "orderbook data.orders is not a list";
        return out;
      }
      for (auto& row : orders->GetArray()) {
        out.push_back(read_order(row, problem));
        if (!problem.empty())
          break;
      }
      return out;
    });
}

decoded<std::vector<broker_trade>> decode_tradebook(int http_status, std::string_view body) {
  return decode<std::vector<broker_trade>>(
    http_status, body, [](const Value& doc, std::string& problem) {
      std::vector<broker_trade> out;
      auto* data = member(doc, "data");
      if (data == nullptr || data->IsNull())
        return out;
      if (!data->IsArray()) {
        problem = "tradebook data is not a list";
        return out;
      }
      for (auto& row : data->GetArray()) {
        broker_trade t;
        bool ok = true;
        t.broker_order_id = text_of(member(row, "orderid"));
        t.trade_id = text_of(member(row, "tradeid"));
        t.inst.symbol = text_of(member(row, "symbol"));
        if (!word_of(member(row, "exchange"), t.inst.exch, true)
            || !word_of(member(row, "action"), t.action, true)) {
          problem = "trade of order " + t.broker_order_id + ": unknown exchange or action";
          break;
        }
        word_of(member(row, "product"), t.order_product, true);
        t.quantity = static_cast<int64_t>(number_of(member(row, "quantity"), ok));
        t.average_price = number_of(member(row, "average_price"), ok);
        t.strategy_tag = text_of(member(row, "strategy"));
        t.timestamp = text_of(member(row, "timestamp"));
        if (!ok) {
          problem = "trade of order " + t.broker_order_id + ": a numeric field is not a number";
          break;
        }
        out.push_back(std::move(t));
      }
      return out;
    });
}

decoded<std::vector<broker_position>> decode_positionbook(int http_status,
                                                          std::string_view body) {
  return decode<std::vector<broker_position>>(
    http_status, body, [](const Value& doc, std::string& problem) {
      std::vector<broker_position> out;
      auto* data = member(doc, "data");
      if (data == nullptr || data->IsNull())
        return out;
      if (!data->IsArray()) {
        problem = "positionbook data is not a list";
        return out;
      }
      for (auto& row : data->GetArray()) {
        broker_position p;
        bool ok = true;
        p.inst.symbol = text_of(member(row, "symbol"));
        // Every row sizes exits: an unreadable one fails the whole reply, never silently
        // looks like "no position".
        if (p.inst.symbol.empty() || !word_of(member(row, "exchange"), p.inst.exch, true)
            || !word_of(member(row, "product"), p.order_product, true)) {
          problem = "position '" + p.inst.symbol + "': unknown exchange or product";
          break;
        }
        p.net_quantity = static_cast<int64_t>(number_of(member(row, "quantity"), ok));
        p.average_price = number_of(member(row, "average_price"), ok);
        p.ltp = number_of(member(row, "ltp"), ok);
        p.pnl = number_of(member(row, "pnl"), ok);
        if (!ok) {
          problem = "position '" + p.inst.symbol + "': a numeric field is not a number";
          break;
        }
        out.push_back(std::move(p));
      }
      return out;
    });
}

decoded<int64_t> decode_open_position(int http_status, std::string_view body) {
  return decode<int64_t>(http_status, body, [](const Value& doc, std::string& problem) {
    bool ok = true;
    auto* q = member(doc, "quantity");
    auto quantity = number_of(q, ok);
    if (q == nullptr || !ok)
      problem = "openposition reply without a numeric quantity";
    return static_cast<int64_t>(quantity);
  });
}

decoded<funds> decode_funds(int http_status, std::string_view body) {
  return decode<funds>(http_status, body, [](const Value& doc, std::string& problem) {
    funds f;
    auto* data = member(doc, "data");
    if (data == nullptr || !data->IsObject()) {
      problem = "funds reply without data";
      return f;
    }
    bool ok = true;
    f.available_cash = number_of(member(*data, "availablecash"), ok);
    f.collateral = number_of(member(*data, "collateral"), ok);
    f.utilised_debits = number_of(member(*data, "utiliseddebits"), ok);
    f.m2m_realized = number_of(member(*data, "m2mrealized"), ok);
    f.m2m_unrealized = number_of(member(*data, "m2munrealized"), ok);
    if (member(*data, "availablecash") == nullptr)
      problem = "funds reply without availablecash";
    else if (!ok)
      problem = "funds: a figure is not a number";
    return f;
  });
}

namespace {

quote read_quote(const Value& data, const instrument& inst, std::string& problem) {
  quote q;
  q.inst = inst;
  bool ok = true;
  q.ltp = number_of(member(data, "ltp"), ok);
  q.bid = number_of(member(data, "bid"), ok);
  q.ask = number_of(member(data, "ask"), ok);
  q.open = number_of(member(data, "open"), ok);
  q.high = number_of(member(data, "high"), ok);
  q.low = number_of(member(data, "low"), ok);
  q.prev_close = number_of(member(data, "prev_close"), ok);
  q.volume = static_cast<int64_t>(number_of(member(data, "volume"), ok));
  q.open_interest = static_cast<int64_t>(number_of(member(data, "oi"), ok));
  if (member(data, "ltp") == nullptr)
    problem = "quote of " + inst.symbol + " without ltp";
  else if (!ok)
    problem = "quote of " + inst.symbol + ": a figure is not a number";
  return q;
}

} // namespace

decoded<quote> decode_quote(int http_status, std::string_view body, const instrument& inst) {
  return decode<quote>(http_status, body, [&](const Value& doc, std::string& problem) {
    auto* data = member(doc, "data");
    if (data == nullptr || !data->IsObject()) {
      problem = "quotes reply without data";
      return quote{};
    }
    return read_quote(*data, inst, problem);
  });
}

decoded<quote> decode_depth(int http_status, std::string_view body, const instrument& inst) {
  return decode<quote>(http_status, body, [&](const Value& doc, std::string& problem) {
    auto* data = member(doc, "data");
    if (data == nullptr || !data->IsObject()) {
      problem = "depth reply without data";
      return quote{};
    }
    auto q = read_quote(*data, inst, problem);
    auto best = [&](const char* side) {
      auto* levels = member(*data, side);
      bool ok = true;
      if (levels == nullptr || !levels->IsArray() || levels->Empty())
        return 0.0;
      double price = number_of(member((*levels)[0], "price"), ok);
      if (!ok)
        problem = std::string{"depth "} + side + ": a price is not a number";
      return price;
    };
    q.bid = best("bids");
    q.ask = best("asks");
    return q;
  });
}

decoded<std::vector<broker_position>> decode_holdings(int http_status, std::string_view body) {
  return decode<std::vector<broker_position>>(
    http_status, body, [](const Value& doc, std::string& problem) {
      std::vector<broker_position> out;
      auto* data = member(doc, "data");
      auto* rows = data != nullptr && data->IsObject() ? member(*data, "holdings") : nullptr;
      if (rows == nullptr || !rows->IsArray()) {
        problem = "holdings reply without data.holdings";
        return out;
      }
      for (auto& row : rows->GetArray()) {
        broker_position p;
        bool ok = true;
        p.inst.symbol = text_of(member(row, "symbol"));
        if (p.inst.symbol.empty() || !word_of(member(row, "exchange"), p.inst.exch, true)) {
          problem = "holding '" + p.inst.symbol + "': unknown exchange";
          break;
        }
        p.order_product = product::cnc;
        p.net_quantity = static_cast<int64_t>(number_of(member(row, "quantity"), ok));
        p.average_price = number_of(member(row, "average_price"), ok);
        p.ltp = number_of(member(row, "ltp"), ok);
        p.pnl = number_of(member(row, "pnl"), ok);
        if (!ok) {
          problem = "holding '" + p.inst.symbol + "': a numeric field is not a number";
          break;
        }
        out.push_back(std::move(p));
      }
      return out;
    });
}

reply_error transport_failure(const std::string& what) {
  return {outcome::outcome_unknown, 0, "transport: " + what};
}

decoded<std::vector<quote>> decode_multiquotes(int http_status, std::string_view body) {
  return decode<std::vector<quote>>(http_status, body, [](const Value& doc, std::string& problem) {
    std::vector<quote> out;
    auto* results = member(doc, "results");
    if (results == nullptr || !results->IsArray()) {
      problem = "multiquotes reply without results";
      return out;
    }
    for (auto& r : results->GetArray()) {
      auto* data = member(r, "data");
      if (data == nullptr || !data->IsObject())
        continue; // an entry with an error
      instrument inst;
      inst.symbol = text_of(member(r, "symbol"));
      if (!word_of(member(r, "exchange"), inst.exch, true))
        continue;
      std::string row_problem;
      auto q = read_quote(*data, inst, row_problem);
      if (row_problem.empty())
        out.push_back(q);
    }
    return out;
  });
}

decoded<std::vector<std::string>> decode_expiries(int http_status, std::string_view body) {
  return decode<std::vector<std::string>>(
    http_status, body, [](const Value& doc, std::string& problem) {
      std::vector<std::string> out;
      auto* data = member(doc, "data");
      if (data == nullptr || !data->IsArray()) {
        problem = "expiry reply without a data list";
        return out;
      }
      for (auto& d : data->GetArray())
        if (d.IsString())
          out.emplace_back(d.GetString(), d.GetStringLength());
      return out;
    });
}

decoded<std::vector<bar>> decode_history(int http_status, std::string_view body) {
  return decode<std::vector<bar>>(http_status, body, [](const Value& doc, std::string& problem) {
    std::vector<bar> out;
    auto* data = member(doc, "data");
    if (data == nullptr || !data->IsArray()) {
      problem = "history reply without a data list";
      return out;
    }
    for (auto& row : data->GetArray()) {
      bool ok = true;
      auto ts = number_of(member(row, "timestamp"), ok);
      bar b;
      b.start = utc_instant{std::chrono::seconds{static_cast<int64_t>(ts)}};
      b.open = number_of(member(row, "open"), ok);
      b.high = number_of(member(row, "high"), ok);
      b.low = number_of(member(row, "low"), ok);
      b.close = number_of(member(row, "close"), ok);
      b.volume = static_cast<int64_t>(number_of(member(row, "volume"), ok));
      if (!ok || member(row, "timestamp") == nullptr) {
        problem = "history: a bar with a missing or non-numeric field";
        break;
      }
      out.push_back(b);
    }
    return out;
  });
}

decoded<option_symbol_info> decode_option_symbol(int http_status, std::string_view body) {
  return decode<option_symbol_info>(
    http_status, body, [](const Value& doc, std::string& problem) {
      option_symbol_info info;
      bool ok = true;
      info.inst.symbol = text_of(member(doc, "symbol"));
      if (info.inst.symbol.empty() || !word_of(member(doc, "exchange"), info.inst.exch, true)) {
        problem = "optionsymbol reply without symbol or exchange";
        return info;
      }
      info.lot_size = static_cast<int64_t>(number_of(member(doc, "lotsize"), ok));
      info.tick_size = number_of(member(doc, "tick_size"), ok);
      info.freeze_quantity = static_cast<int64_t>(number_of(member(doc, "freeze_qty"), ok));
      info.underlying_ltp = number_of(member(doc, "underlying_ltp"), ok);
      if (!ok)
        problem = "optionsymbol: a figure is not a number";
      return info;
    });
}

decoded<symbol_info> decode_symbol(int http_status, std::string_view body) {
  return decode<symbol_info>(http_status, body, [](const Value& doc, std::string& problem) {
    symbol_info info;
    auto* data = member(doc, "data");
    if (data == nullptr || !data->IsObject()) {
      problem = "symbol reply without data";
      return info;
    }
    bool ok = true;
    info.inst.symbol = text_of(member(*data, "symbol"));
    if (info.inst.symbol.empty() || !word_of(member(*data, "exchange"), info.inst.exch, true)) {
      problem = "symbol reply without symbol or exchange";
      return info;
    }
    info.lot_size = static_cast<int64_t>(number_of(member(*data, "lotsize"), ok));
    if (!ok || info.lot_size <= 0) {
      problem = "symbol: lotsize is not a positive number";
      return info;
    }
    // Optional figures: a broker without them says nothing of them.
    bool optional = true;
    if (member(*data, "freeze_qty") != nullptr)
      info.freeze_quantity = static_cast<int64_t>(number_of(member(*data, "freeze_qty"), optional));
    if (member(*data, "tick_size") != nullptr)
      info.tick_size = number_of(member(*data, "tick_size"), optional);
    if (!optional)
      problem = "symbol: freeze_qty or tick_size is not a number";
    return info;
  });
}

decoded<option_chain> decode_option_chain(int http_status, std::string_view body) {
  return decode<option_chain>(http_status, body, [](const Value& doc, std::string& problem) {
    option_chain out;
    bool ok = true;
    out.underlying_ltp = number_of(member(doc, "underlying_ltp"), ok);
    out.atm_strike = number_of(member(doc, "atm_strike"), ok);
    auto* chain = member(doc, "chain");
    if (!ok || chain == nullptr || !chain->IsArray()) {
      problem = "optionchain reply without underlying_ltp, atm_strike or chain";
      return out;
    }
    for (auto& row : chain->GetArray()) {
      option_chain_row r;
      r.strike = number_of(member(row, "strike"), ok);
      for (auto [key, target] : {std::pair{"ce", &r.call}, std::pair{"pe", &r.put}}) {
        auto* leg = member(row, key);
        if (leg == nullptr || !leg->IsObject())
          continue;
        instrument inst{text_of(member(*leg, "symbol")), exchange::nfo};
        std::string leg_problem;
        *target = read_quote(*leg, inst, leg_problem);
        if (!leg_problem.empty()) {
          problem = "optionchain strike " + text_of(member(row, "strike")) + ": " + leg_problem;
          return out;
        }
      }
      if (!ok) {
        problem = "optionchain: a strike is not a number";
        return out;
      }
      out.rows.push_back(r);
    }
    return out;
  });
}

} // namespace algomirror::openalgo
