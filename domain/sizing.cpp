#include "domain/sizing.hpp"

#include <algorithm>
#include <cmath>

namespace algomirror {

namespace {

using namespace std::chrono;

bool is_option(const leg_definition& l) {
  return l.product_kind == leg_product::options;
}

/// Lots that fit `budget` at `per_lot`, and the budget left.
int32_t lots_for(double& budget, double per_lot) {
  if (!(per_lot > 0))
    return 0;
  auto lots = static_cast<int32_t>(std::floor(budget / per_lot + 1e-9));
  lots = std::max(lots, 0);
  budget -= lots * per_lot;
  return lots;
}

} // namespace

std::vector<quality_grade> default_grades() {
  return {{"A", 95, margin_source::available},
          {"B", 65, margin_source::available},
          {"C", 36, margin_source::available}};
}

result<risk_profile> parse_risk_profile(const std::string& text) {
  if (text.empty() || text == "fixed_lots")
    return risk_profile{true, {}};
  if (text == "aggressive")
    return risk_profile{false, "A"};
  if (text == "balanced")
    return risk_profile{false, "B"};
  if (text == "conservative")
    return risk_profile{false, "C"};
  if (text.rfind("grade_", 0) == 0 && text.size() > 6)
    return risk_profile{false, text.substr(6)};
  return result<risk_profile>::failure("risk_profile '" + text
                                       + "' is not fixed_lots, grade_A, grade_B, grade_C (or "
                                         "aggressive, balanced, conservative)");
}

std::map<std::string, margin_rates> default_margin_rates() {
  margin_rates nifty{205'000, 250'000, 250'000, 320'000, 215'000, 20'000};
  margin_rates sensex{180'000, 220'000, 225'000, 290'000, 185'000, 20'000};
  return {{"NIFTY", nifty}, {"BANKNIFTY", nifty}, {"SENSEX", sensex}};
}

void apply_user_settings(const user_settings& settings, instrument_table& instruments,
                         std::map<std::string, margin_rates>& margins,
                         std::vector<quality_grade>& grades) {
  for (auto& spec : settings.instruments)
    instruments.put(spec);
  for (auto& m : settings.margins)
    margins[m.instrument] = margin_rates{m.sell_expiry,        m.sell_non_expiry,
                                         m.straddle_expiry,    m.straddle_non_expiry,
                                         m.futures_non_expiry, m.buy_premium,
                                         m.futures_expiry};
  for (auto& g : settings.grades) {
    quality_grade q{g.grade, g.percent,
                    g.source == "cash" ? margin_source::cash : margin_source::available};
    auto it = std::find_if(grades.begin(), grades.end(),
                           [&](const quality_grade& x) { return x.name == g.grade; });
    if (it != grades.end())
      *it = q;
    else
      grades.push_back(q);
  }
}

double margin_source_amount(const funds& f, margin_source source) {
  return source == margin_source::cash ? f.available_cash
                                       : f.available_cash - f.utilised_debits;
}

std::vector<trade_type> classify_legs(const std::vector<leg_definition>& legs) {
  std::vector<trade_type> out(legs.size(), trade_type::lone_buy);
  for (size_t i = 0; i < legs.size(); ++i) {
    auto& l = legs[i];
    if (l.product_kind == leg_product::futures) {
      out[i] = trade_type::futures;
      continue;
    }
    if (l.product_kind == leg_product::equity) {
      out[i] = trade_type::equity;
      continue;
    }
    auto has_sell = [&](option_type type) {
      return std::any_of(legs.begin(), legs.end(), [&](const leg_definition& o) {
        return is_option(o) && o.action == side::sell && o.underlying == l.underlying
               && o.option == type;
      });
    };
    if (l.action == side::sell) {
      auto opposite = l.option == option_type::ce ? option_type::pe : option_type::ce;
      out[i] = has_sell(opposite) ? trade_type::straddle : trade_type::single_sell;
    } else {
      out[i] = has_sell(l.option) ? trade_type::hedge_buy : trade_type::lone_buy;
    }
  }
  return out;
}

account_sizing size_account(const std::vector<leg_definition>& legs, const risk_profile& profile,
                            const quality_grade& grade, const funds& account_funds,
                            const std::map<std::string, margin_rates>& rates,
                            const std::function<bool(const std::string&)>& expiry_day) {
  account_sizing out;
  out.lots.assign(legs.size(), 0);
  if (profile.fixed_lots) {
    for (size_t i = 0; i < legs.size(); ++i)
      out.lots[i] = legs[i].lots;
    return out;
  }
  auto types = classify_legs(legs);
  double budget = margin_source_amount(account_funds, grade.source) * grade.percent / 100.0;
  double start = budget;
  auto rate_of = [&](const std::string& u) {
    auto i = rates.find(u);
    return i != rates.end() ? i->second : margin_rates{};
  };
  auto skip = [&] {
    out.skipped = true;
    out.reason = "insufficient_margin";
    return out;
  };
  // SELL legs and futures first (they need margin), in leg order; a straddle's two legs once.
  std::map<std::string, int32_t> straddle_lots;
  for (size_t i = 0; i < legs.size(); ++i) {
    auto& l = legs[i];
    auto r = rate_of(l.underlying);
    bool expiry = expiry_day(l.underlying);
    switch (types[i]) {
      case trade_type::straddle: {
        auto it = straddle_lots.find(l.underlying);
        if (it == straddle_lots.end())
          it = straddle_lots
                 .emplace(l.underlying,
                          lots_for(budget, expiry ? r.straddle_expiry : r.straddle_non_expiry))
                 .first;
        out.lots[i] = it->second;
        break;
      }
      case trade_type::single_sell:
        out.lots[i] = lots_for(budget, expiry ? r.sell_expiry : r.sell_non_expiry);
        break;
      case trade_type::futures:
        out.lots[i] =
          lots_for(budget, expiry && r.futures_expiry > 0 ? r.futures_expiry : r.futures);
        break;
      default:
        continue;
    }
    if (out.lots[i] == 0)
      return skip();
  }
  // Then BUY legs: a hedge takes its short's lots; a lone buy pays premium under a cash grade.
  for (size_t i = 0; i < legs.size(); ++i) {
    auto& l = legs[i];
    if (types[i] == trade_type::hedge_buy) {
      for (size_t s = 0; s < legs.size(); ++s)
        if (legs[s].action == side::sell && is_option(legs[s])
            && legs[s].underlying == l.underlying && legs[s].option == l.option) {
          out.lots[i] = out.lots[s];
          break;
        }
    } else if (types[i] == trade_type::lone_buy) {
      if (grade.source == margin_source::cash) {
        out.lots[i] = lots_for(budget, rate_of(l.underlying).buy_premium);
        if (out.lots[i] == 0)
          return skip();
      } else {
        out.lots[i] = l.lots;
      }
    } else if (types[i] == trade_type::equity) {
      out.lots[i] = l.lots;
    }
  }
  out.margin_used = start - budget;
  return out;
}

void margin_ledger::rebase(double broker_available) {
  available_ = std::max(0.0, broker_available);
}

bool margin_ledger::reserve(const std::string& key, double amount) {
  if (!(amount >= 0) || amount > free() + 1e-9)
    return false;
  by_key_[key] += amount;
  reserved_ += amount;
  return true;
}

void margin_ledger::restore(const std::string& key, double amount) {
  release(key);
  if (amount > 0) {
    by_key_[key] = amount;
    reserved_ += amount;
  }
}

void margin_ledger::release(const std::string& key) {
  auto i = by_key_.find(key);
  if (i == by_key_.end())
    return;
  reserved_ = std::max(0.0, reserved_ - i->second);
  by_key_.erase(i);
}

bool is_expiry_day(market_condition condition, date today, const std::vector<date>* expiries,
                   const underlying_spec& spec, const std::function<bool(date)>& trading_day) {
  if (condition == market_condition::expiry)
    return true;
  if (condition == market_condition::non_expiry)
    return false;
  if (expiries != nullptr && !expiries->empty())
    return std::find(expiries->begin(), expiries->end(), today) != expiries->end();
  weekday target{static_cast<unsigned>(spec.expiry_weekday)};
  sys_days nominal;
  if (spec.weekly_expiries) {
    // This week's expiry weekday (weeks run Monday to Sunday).
    auto t = sys_days{today};
    auto monday = t - (weekday{t} - Monday);
    nominal = monday + (target - Monday);
  } else {
    // The month's last expiry weekday.
    nominal = sys_days{today.year() / today.month() / target[last]};
  }
  for (int i = 0; i < 10 && !trading_day(date{nominal}); ++i)
    nominal -= days{1};
  return nominal == sys_days{today};
}

} // namespace algomirror
