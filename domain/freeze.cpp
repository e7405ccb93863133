#include "domain/freeze.hpp"

#include <algorithm>
#include <string>

namespace algomirror {

result<std::vector<int64_t>> freeze_split(int64_t quantity, int64_t lot,
                                          int64_t freeze_quantity) {
  using result_type = result<std::vector<int64_t>>;
  if (lot <= 0)
    return result_type::failure("lot size must be positive, got " + std::to_string(lot));
  if (quantity <= 0 || quantity % lot != 0)
    return result_type::failure("quantity " + std::to_string(quantity)
                                + " is not a positive multiple of the lot size "
                                + std::to_string(lot));
  int64_t max_child = (freeze_quantity / lot) * lot;
  if (max_child <= 0)
    return result_type::failure("freeze quantity " + std::to_string(freeze_quantity)
                                + " is below one lot (" + std::to_string(lot) + ")");
  std::vector<int64_t> children(static_cast<size_t>(quantity / max_child), max_child);
  if (auto rest = quantity % max_child; rest > 0)
    children.push_back(rest);
  return children;
}

child_fill aggregate_fills(const std::vector<child_fill>& children) {
  child_fill out;
  double value = 0;
  for (auto& c : children) {
    out.quantity += c.quantity;
    value += static_cast<double>(c.quantity) * c.average_price;
  }
  out.average_price = out.quantity > 0 ? value / static_cast<double>(out.quantity) : 0;
  return out;
}

result<std::vector<int64_t>> order_children(const instrument_table& table, const instrument& inst,
                                            int64_t quantity) {
  if (quantity <= 0)
    return result<std::vector<int64_t>>::failure("quantity: " + std::to_string(quantity)
                                                 + " is not positive");
  auto parsed = parse_derivative_symbol(inst.symbol, table);
  const underlying_spec* spec = parsed ? table.find(parsed->underlying) : nullptr;
  if (spec == nullptr || spec->freeze_quantity <= 0)
    return std::vector<int64_t>{quantity};
  int64_t lot = spec->lot_size > 0 && quantity % spec->lot_size == 0 ? spec->lot_size
                : spec->next_month_lot_size > 0 && quantity % spec->next_month_lot_size == 0
                  ? spec->next_month_lot_size
                  : 1;
  return freeze_split(quantity, lot, std::max<int64_t>(spec->freeze_quantity, lot));
}

} // namespace algomirror
