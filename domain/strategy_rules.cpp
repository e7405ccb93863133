#include "domain/strategy_rules.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "domain/expiry.hpp"
#include "domain/sizing.hpp"
#include "domain/strikes.hpp"
#include "domain/supertrend.hpp"
#include "messages/names.hpp"

namespace algomirror {

namespace {


/// `long_stop`: the threshold is the stop-loss of a BUY leg (a long option loses at most its
/// premium: a stop of 100 % or more never fires). A SELL leg's stop may be any percentage.
void check_threshold(std::vector<std::string>& out, const std::string& field, const threshold& t,
                     bool leg, bool long_stop, const strategy_limits& limits) {
  if (t.kind == threshold_kind::off)
    return;
  if (!(std::isfinite(t.value) && t.value > 0))
    out.push_back(field + ".value: " + format_number(t.value)
                  + " must be above 0 (or leave the rule out to turn it off)");
  else if (t.kind == threshold_kind::amount && t.value > limits.max_amount)
    out.push_back(field + ".value: " + format_number(t.value) + " is above "
                  + format_number(limits.max_amount) + " rupees: a typing mistake?");
  else if (t.kind != threshold_kind::amount && t.value > 1'000'000)
    out.push_back(field + ".value: " + format_number(t.value) + " is out of range (at most "
                  "1000000)");
  if (leg && t.kind == threshold_kind::amount)
    out.push_back(field + ".type: 'amount' is a strategy-level type; a leg takes percentage, "
                          "points or premium");
  if (!leg && t.kind == threshold_kind::premium)
    out.push_back(field + ".type: 'premium' is a leg-level type; the trailing stop takes "
                          "percentage, amount or points");
  if (long_stop && t.kind == threshold_kind::percentage && t.value >= 100)
    out.push_back(field + ".value: a stop-loss of " + format_number(t.value)
                  + " % or more can never be hit by a long option; use less than 100");
}

void check_leg(std::vector<std::string>& out, const leg_definition& leg, size_t index,
               const instrument_table& table, const strategy_limits& limits) {
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
  // The most lots a leg may ask: the limit, and no more than max_children_per_leg orders of
  // the instrument's freeze quantity.
  int32_t most = limits.max_lots_per_leg;
  std::string why = "the per-leg limit (--max-lots-per-leg)";
  if (spec != nullptr && spec->freeze_quantity > 0 && spec->lot_size > 0) {
    auto by_freeze = (spec->freeze_quantity / spec->lot_size) * limits.max_children_per_leg;
    if (by_freeze > 0 && by_freeze < most) {
      most = by_freeze;
      why = std::to_string(limits.max_children_per_leg) + " orders of " + spec->name
            + "'s freeze quantity " + std::to_string(spec->freeze_quantity);
    }
  }
  if (leg.lots < 1 || leg.lots > most)
    out.push_back(f + ".lots: " + std::to_string(leg.lots) + " is not within 1.." +
                  std::to_string(most) + " (" + why + ")");
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
  check_threshold(out, f + ".stop_loss", leg.stop_loss, true, leg.action == side::buy, limits);
  check_threshold(out, f + ".take_profit", leg.take_profit, true, false, limits);
}

} // namespace

std::vector<std::string> strategy_problems(const strategy_definition& s,
                                           const instrument_table& table,
                                           const strategy_limits& limits) {
  std::vector<std::string> out;
  if (s.name.empty() || s.name.size() > 100)
    out.push_back("name: must be 1 to 100 characters");
  if (s.legs.empty())
    out.push_back("legs: a strategy needs at least one leg");
  if (s.legs.size() > 20)
    out.push_back("legs: " + std::to_string(s.legs.size()) + " legs; at most 20");
  for (size_t i = 0; i < s.legs.size(); ++i)
    check_leg(out, s.legs[i], i, table, limits);
  if (auto profile = parse_risk_profile(s.risk_profile); !profile) {
    out.push_back("risk_profile: " + profile.error());
  } else if (!profile->fixed_lots
             && std::find(limits.grades.begin(), limits.grades.end(), profile->grade)
                  == limits.grades.end()) {
    std::string known;
    for (auto& g : limits.grades)
      known += (known.empty() ? "grade_" : ", grade_") + g;
    out.push_back("risk_profile: '" + s.risk_profile + "' names no trade-quality grade (the "
                  "grades are " + known + ")");
  }
  if (!(std::isfinite(s.max_loss) && s.max_loss >= 0))
    out.push_back("max_loss: " + format_number(s.max_loss)
                  + " must be 0 (off) or a positive amount in rupees (the loss is implied)");
  else if (s.max_loss > limits.max_amount)
    out.push_back("max_loss: " + format_number(s.max_loss) + " is above "
                  + format_number(limits.max_amount) + " rupees: a typing mistake?");
  if (!(std::isfinite(s.max_profit) && s.max_profit >= 0))
    out.push_back("max_profit: " + format_number(s.max_profit) + " must be 0 (off) or positive");
  else if (s.max_profit > limits.max_amount)
    out.push_back("max_profit: " + format_number(s.max_profit) + " is above "
                  + format_number(limits.max_amount) + " rupees: a typing mistake?");
  check_threshold(out, "trailing_stop", s.trailing_stop, false, false, limits);
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
