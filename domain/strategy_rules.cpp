#include "domain/strategy_rules.hpp"

#include <cmath>
#include <cstdio>

#include "domain/expiry.hpp"
#include "domain/sizing.hpp"
#include "domain/strikes.hpp"
#include "domain/supertrend.hpp"
#include "messages/names.hpp"

namespace algomirror {

namespace {


void check_threshold(std::vector<std::string>& out, const std::string& field, const threshold& t,
                     bool leg) {
  if (t.kind == threshold_kind::off)
    return;
  if (!(std::isfinite(t.value) && t.value > 0))
    out.push_back(field + ".value: " + format_number(t.value)
                  + " must be above 0 (or leave the rule out to turn it off)");
  if (leg && t.kind == threshold_kind::amount)
    out.push_back(field + ".type: 'amount' is a strategy-level type; a leg takes percentage, "
                          "points or premium");
  if (!leg && t.kind == threshold_kind::premium)
    out.push_back(field + ".type: 'premium' is a leg-level type; the trailing stop takes "
                          "percentage, amount or points");
  if (t.kind == threshold_kind::percentage && t.value >= 100 && field.find("stop_loss") != std::string::npos)
    out.push_back(field + ".value: a stop-loss of " + format_number(t.value)
                  + " % or more can never be hit by a long option; use less than 100");
}

void check_leg(std::vector<std::string>& out, const leg_definition& leg, size_t index,
               const instrument_table& table) {
  auto f = "legs[" + std::to_string(index) + "]";
  auto spec = table.find(leg.underlying);
  if (spec == nullptr) {
    std::string known;
    for (auto& s : table.specs())
      known += (known.empty() ? "" : ", ") + s.name;
    out.push_back(f + ".underlying: '" + leg.underlying + "' is not known (known: " + known + ")");
  }
  if (leg.product_kind == leg_product::equity)
    out.push_back(f + ".product: equity legs are not supported; use options or futures");
  if (leg.product_kind == leg_product::options && leg.option == option_type::none)
    out.push_back(f + ".option_type: an options leg needs CE or PE");
  if (leg.product_kind == leg_product::futures && leg.option != option_type::none)
    out.push_back(f + ".option_type: a futures leg has no option type (leave it out)");
  if (spec != nullptr) {
    auto why = check_expiry_choice(*spec, leg.product_kind, leg.expiry);
    if (!why.empty())
      out.push_back(f + ".expiry: " + why);
  }
  if (leg.product_kind == leg_product::options) {
    if (leg.strike == strike_selection::strike_price) {
      if (spec != nullptr) {
        auto strike = check_fixed_strike(leg.strike_price, spec->strike_step);
        if (!strike)
          out.push_back(f + ".strike_price: " + strike.error());
      }
    } else if (leg.strike == strike_selection::premium_near) {
      if (!(std::isfinite(leg.premium_target) && leg.premium_target > 0))
        out.push_back(f + ".premium: " + format_number(leg.premium_target)
                      + " must be above 0 (the premium to look for)");
    } else if (leg.strike_offset < 0 || leg.strike_offset > 20) {
      out.push_back(f + ".strike_offset: " + std::to_string(leg.strike_offset)
                    + " is not within 1..20 (0 means 1)");
    }
  }
  if (leg.lots < 1 || leg.lots > 10'000)
    out.push_back(f + ".lots: " + std::to_string(leg.lots) + " is not within 1..10000");
  switch (leg.order_kind) {
    case price_type::market:
      break;
    case price_type::limit:
      if (!(leg.limit_price > 0))
        out.push_back(f + ".limit_price: a LIMIT order needs a price above 0");
      break;
    case price_type::stop_limit:
      if (!(leg.trigger_price > 0))
        out.push_back(f + ".trigger_price: an SL (stop-limit) order needs a trigger price above 0");
      if (!(leg.limit_price > 0))
        out.push_back(f + ".limit_price: an SL (stop-limit) order needs a limit price above 0");
      break;
    case price_type::stop_market:
      if (!(leg.trigger_price > 0))
        out.push_back(f + ".trigger_price: an SL-M order needs a trigger price above 0");
      break;
  }
  check_threshold(out, f + ".stop_loss", leg.stop_loss, true);
  check_threshold(out, f + ".take_profit", leg.take_profit, true);
}

} // namespace

std::vector<std::string> strategy_problems(const strategy_definition& s,
                                           const instrument_table& table) {
  std::vector<std::string> out;
  if (s.name.empty() || s.name.size() > 100)
    out.push_back("name: must be 1 to 100 characters");
  if (s.legs.empty())
    out.push_back("legs: a strategy needs at least one leg");
  if (s.legs.size() > 20)
    out.push_back("legs: " + std::to_string(s.legs.size()) + " legs; at most 20");
  for (size_t i = 0; i < s.legs.size(); ++i)
    check_leg(out, s.legs[i], i, table);
  if (auto profile = parse_risk_profile(s.risk_profile); !profile)
    out.push_back("risk_profile: " + profile.error());
  if (!(std::isfinite(s.max_loss) && s.max_loss >= 0))
    out.push_back("max_loss: " + format_number(s.max_loss)
                  + " must be 0 (off) or a positive amount in rupees (the loss is implied)");
  if (!(std::isfinite(s.max_profit) && s.max_profit >= 0))
    out.push_back("max_profit: " + format_number(s.max_profit) + " must be 0 (off) or positive");
  check_threshold(out, "trailing_stop", s.trailing_stop, false);
  if (s.supertrend.enabled) {
    auto why = check_supertrend(s.supertrend);
    if (!why.empty())
      out.push_back("supertrend: " + why);
  }
  if (!(s.exit_price_protection_pct >= 0 && s.exit_price_protection_pct <= 20))
    out.push_back("exit_price_protection_pct: " + format_number(s.exit_price_protection_pct)
                  + " is not within 0..20 (0 = MARKET exits)");
  auto set = [](const time_of_day& t) { return t.seconds >= 0; };
  auto in_session = [](const time_of_day& t) {
    return t.seconds >= 9 * 3600 + 15 * 60 && t.seconds <= 15 * 3600 + 30 * 60;
  };
  for (auto [field, t] : {std::pair{"entry_time", s.entry_time}, std::pair{"exit_time", s.exit_time},
                          std::pair{"square_off_time", s.square_off_time}})
    if (set(t) && !in_session(t))
      out.push_back(std::string{field} + ": outside the session 09:15–15:30 IST");
  if (set(s.entry_time) && set(s.exit_time) && s.exit_time.seconds <= s.entry_time.seconds)
    out.push_back("exit_time: must be after entry_time");
  if (set(s.entry_time) && set(s.square_off_time)
      && s.square_off_time.seconds <= s.entry_time.seconds)
    out.push_back("square_off_time: must be after entry_time");
  return out;
}

namespace {

std::string hh_mm(int32_t seconds) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%02d:%02d", seconds / 3600, seconds / 60 % 60);
  return buf;
}

} // namespace

std::string start_time_problem(const strategy_definition& s, int32_t ist_seconds) {
  if (s.order_product == product::mis
      && (ist_seconds < mis_opens_ist || ist_seconds >= mis_closes_ist))
    return "strategy '" + s.name + "' trades MIS, and MIS orders are taken only from "
           + hh_mm(mis_opens_ist) + " to " + hh_mm(mis_closes_ist) + " IST (it is "
           + hh_mm(ist_seconds) + " IST): the broker would refuse them; run it within those "
           + "hours, or set its product to NRML";
  if (s.square_off_time.seconds >= 0 && ist_seconds >= s.square_off_time.seconds)
    return "strategy '" + s.name + "' squares off at " + hh_mm(s.square_off_time.seconds)
           + " IST, which has passed today (it is " + hh_mm(ist_seconds)
           + " IST): it would exit as soon as it entered; change its square_off_time to run "
           + "it now";
  return {};
}

} // namespace algomirror
