#pragma once

#include <cstdint>
#include <string>

namespace algomirror {

/// OpenAlgo's exchange codes (openalgo-api.md §1.5), in the contract's order.
enum class exchange : uint8_t {
  nse,
  nfo,
  cds,
  bse,
  bfo,
  bcd,
  mcx,
  ncdex,
  nco,
  nse_index,
  bse_index,
  mcx_index,
  global_index,
  crypto,
};

enum class side : uint8_t { buy, sell };

enum class option_type : uint8_t { none, ce, pe };

enum class instrument_kind : uint8_t { index, equity, future, option };

enum class product : uint8_t { mis, nrml, cnc };

/// OpenAlgo's pricetype: MARKET, LIMIT, SL (stop-limit), SL-M (stop-market).
enum class price_type : uint8_t { market, limit, stop_limit, stop_market };

/// A tradable or quotable instrument as the broker names it.
struct instrument {
  std::string symbol; ///< broker symbol, e.g. NIFTY28NOV2424000CE
  exchange exch = exchange::nfo;

  friend bool operator==(const instrument&, const instrument&) = default;
  friend auto operator<=>(const instrument&, const instrument&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instrument& x) {
  return f(x.symbol, x.exch);
}

/// One row of the instrument table (trading-rules.md §1): configuration, never code constants.
struct underlying_spec {
  std::string name;                        ///< NIFTY, BANKNIFTY, SENSEX, ...
  exchange index_exchange = exchange::nse_index;
  exchange derivative_exchange = exchange::nfo;
  double strike_step = 50;
  int32_t lot_size = 1;
  int32_t next_month_lot_size = 1;
  int32_t freeze_quantity = 0;
  bool weekly_expiries = true;
  int32_t expiry_weekday = 2; ///< 0 = Sunday … 6 = Saturday

  friend bool operator==(const underlying_spec&, const underlying_spec&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, underlying_spec& x) {
  return f(x.name, x.index_exchange, x.derivative_exchange, x.strike_step, x.lot_size,
           x.next_month_lot_size, x.freeze_quantity, x.weekly_expiries, x.expiry_weekday);
}

} // namespace algomirror
