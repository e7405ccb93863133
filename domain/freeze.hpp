#pragma once

// trading-rules.md §5: splitting an order above the freeze quantity; aggregating the fills.

#include <cstdint>
#include <vector>

#include "domain/instruments.hpp"
#include "messages/result.hpp"

namespace algomirror {

/// The child quantities of an order of `quantity` units: N children of the largest whole
/// number of lots not above the freeze quantity, then the remainder. `quantity` must be a
/// positive multiple of `lot`; a freeze quantity below one lot is an error.
result<std::vector<int64_t>> freeze_split(int64_t quantity, int64_t lot, int64_t freeze_quantity);

/// The child quantities of an order for `inst`: its underlying's lot and freeze quantity from
/// the table (the current or the next month's lot, whichever divides the quantity); an
/// instrument that is not a derivative of a known underlying goes as one order.
result<std::vector<int64_t>> order_children(const instrument_table& table, const instrument& inst,
                                            int64_t quantity);

struct child_fill {
  int64_t quantity = 0;
  double average_price = 0;
};

/// The leg's fill over all its children: total quantity and quantity-weighted average price.
child_fill aggregate_fills(const std::vector<child_fill>& children);

} // namespace algomirror
