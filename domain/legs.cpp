#include "domain/legs.hpp"

#include "domain/expiry.hpp"

namespace algomirror {

std::vector<instrument> premium_candidates(const leg_definition& leg, const underlying_spec& spec,
                                           double spot, date expiry) {
  std::vector<instrument> out;
  for (auto strike : premium_search_strikes(atm_strike(spot, spec.strike_step), spec.strike_step))
    out.push_back({option_symbol(spec.name, expiry, strike, leg.option), spec.derivative_exchange});
  return out;
}

result<resolved_leg> resolve_leg(const leg_definition& leg, const underlying_spec& spec,
                                 double spot, const std::vector<date>& expiries, date today,
                                 const std::vector<strike_quote>& quotes) {
  using r = result<resolved_leg>;
  auto name = "leg " + std::to_string(leg.leg_number) + " (" + spec.name + ")";
  if (!(spot > 0))
    return r::failure(name + ": no valid spot price of " + spec.name);
  auto expiry = select_expiry(expiries, today, leg.expiry, leg.product_kind);
  if (!expiry)
    return r::failure(name + ": " + expiry.error());
  resolved_leg out;
  out.expiry = *expiry;
  out.lot_size = lot_size_for(spec, leg.expiry);
  out.quantity = static_cast<int64_t>(leg.lots) * out.lot_size;
  if (leg.product_kind == leg_product::futures) {
    out.inst = {futures_symbol(spec.name, *expiry), spec.derivative_exchange};
    return out;
  }
  if (leg.product_kind != leg_product::options || leg.option == option_type::none)
    return r::failure(name + ": only options (CE or PE) and futures legs can be resolved");
  auto atm = atm_strike(spot, spec.strike_step);
  switch (leg.strike) {
    case strike_selection::atm:
    case strike_selection::itm:
    case strike_selection::otm:
      out.strike = offset_strike(atm, spec.strike_step, leg.strike, leg.option,
                                 clamp_offset(leg.strike_offset));
      break;
    case strike_selection::strike_price: {
      auto fixed = check_fixed_strike(leg.strike_price, spec.strike_step);
      if (!fixed)
        return r::failure(name + ": " + fixed.error());
      out.strike = *fixed;
      break;
    }
    case strike_selection::premium_near: {
      auto picked = premium_near_strike(quotes, leg.premium_target);
      if (!picked)
        return r::failure(name + ": " + picked.error());
      out.strike = *picked;
      break;
    }
  }
  out.inst = {option_symbol(spec.name, *expiry, out.strike, leg.option), spec.derivative_exchange};
  return out;
}

bool take_broker_lot(resolved_leg& leg, int64_t broker_lot) {
  if (broker_lot <= 0 || broker_lot == leg.lot_size)
    return false;
  auto lots = leg.lot_size > 0 ? leg.quantity / leg.lot_size : 0;
  leg.lot_size = static_cast<int32_t>(broker_lot);
  leg.quantity = lots * leg.lot_size;
  return true;
}

} // namespace algomirror
