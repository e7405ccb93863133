#pragma once

// trading-rules.md §11: one calendar answers "is market M open at t" and "next open/close
// after t" for everything (execution gate, risk, Supertrend, stall detection, scheduler).
// Decisions are made in IST from UTC instants.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/instruments.hpp"
#include "messages/result.hpp"
#include "messages/storage.hpp"

namespace algomirror {

/// One day's regular session of a market, IST seconds of the day.
struct session_hours {
  int32_t open = 0;
  int32_t close = 0;
  bool special = false; ///< a special session (e.g. Muhurat)
};

class market_calendar {
public:
  /// `data`: templates, holidays, special sessions. Markets map to a template
  /// (NSE, BSE, NFO, BFO → equity; MCX → commodity; CDS, BCD → currency) and to the exchange
  /// whose holidays they keep (NFO → NSE, BFO → BSE, CDS → NSE, BCD → BSE).
  explicit market_calendar(calendar_data data);

  /// The session of `market` on IST date `d`: a special session overrides a holiday; a
  /// holiday or a weekday outside the template has none.
  std::optional<session_hours> session_on(const std::string& market, date d) const;

  bool is_trading_day(const std::string& market, date d) const {
    return session_on(market, d).has_value();
  }

  /// Open at `t`: open ≤ t < close of that day's session.
  bool is_open(const std::string& market, utc_instant t) const;

  /// The first session open strictly after `t` (searching up to 400 days), or nothing.
  std::optional<utc_instant> next_open(const std::string& market, utc_instant t) const;

  /// The first session close strictly after `t` (searching up to 400 days), or nothing.
  std::optional<utc_instant> next_close(const std::string& market, utc_instant t) const;

  /// The exchange whose holidays `market` keeps (NFO → NSE, BFO → BSE, CDS → NSE, BCD → BSE).
  static std::string holiday_market(const std::string& market);

  /// Is any holiday of `year` listed for the exchange whose holidays `market` keeps? A year
  /// without one is a calendar nobody has filled in (every weekday would trade).
  bool holidays_known(const std::string& market, int year) const;

  /// Has the operator acknowledged `year` for that exchange (`calendar acknowledge YEAR`)?
  bool acknowledged(const std::string& market, int year) const;

  /// Scheduled entries on IST date `d` run only when its year's holidays are known or the
  /// year was acknowledged (issue 15: on 2027-01-26 a node without 2027's list traded).
  bool scheduled_entry_allowed(const std::string& market, date d) const {
    int y = static_cast<int>(d.year());
    return holidays_known(market, y) || acknowledged(market, y);
  }

  /// The operator's warning for IST date `d` when its year has no holiday list, else "".
  std::string unknown_year_warning(const std::string& market, date d) const;

  /// The IST date of an instant, and IST seconds since midnight.
  static date ist_date(utc_instant t);
  static int32_t ist_seconds(utc_instant t);

  /// The instant of IST date `d` at IST seconds `s`.
  static utc_instant at_ist(date d, int32_t s);

private:
  /// The first session open (`open`) or close strictly after `t`, within 400 days.
  std::optional<utc_instant> next_boundary(const std::string& market, utc_instant t,
                                           bool open) const;
  const trading_hours* template_for(const std::string& market) const;

  calendar_data data_;
};

/// A holiday list as NSE publishes it, one holiday a line: `date,description[,market]`.
/// Dates as `YYYY-MM-DD` or `DD-MMM-YYYY` (`26-Jan-2027`); a first line that is not a holiday
/// is taken for a header; fields may be quoted; markets NSE, BSE or MCX, several separated by
/// `;`, `/` or spaces, `all` for NSE and BSE; no market means `default_markets`. The error
/// names the line and the field.
result<std::vector<market_holiday>> parse_holiday_csv(
  std::string_view text, const std::vector<std::string>& default_markets);


/// The defaults of §11: equity/F&O Mon–Fri 09:15–15:30 (pre-open 09:00–09:08), commodity
/// 09:00–23:30, currency 09:00–17:00; no holidays.
calendar_data default_calendar_data();

} // namespace algomirror
