#pragma once

// The market calendar's upkeep (the `calendar` subcommands, issue 15): holidays one by one or
// imported from the exchange's list, special sessions, trading-hours templates and the
// operator's acknowledgement of a year without a holiday list. Every change is one
// transaction with an activity_logs row; a bad value is refused naming the field and changes
// nothing.

#include <string>
#include <vector>

#include "messages/result.hpp"
#include "messages/storage.hpp"
#include "persistence/admin.hpp"
#include "persistence/database.hpp"

namespace algomirror {

/// The holidays (of `year`, or all when 0), by date.
std::vector<market_holiday> list_holidays(database& db, int year);

/// Adds a holiday; on a date that has one already its markets are merged into it (and the
/// name kept unless one is given). Markets: NSE, BSE, MCX.
result<std::string> add_holiday(database& db, const user_row& user, const market_holiday& h);

/// Removes the holiday of `date` for `markets` (all of its markets when empty); the row goes
/// when no market is left.
result<std::string> remove_holiday(database& db, const user_row& user, const std::string& date,
                                   const std::vector<std::string>& markets);

/// Adds every holiday of a parsed list (parse_holiday_csv) in one transaction, merging like
/// add_holiday; says how many were new, merged and already known.
result<std::string> import_holidays(database& db, const user_row& user,
                                    const std::vector<market_holiday>& holidays);

/// The special sessions (of `year`, or all when 0), by date.
std::vector<special_session> list_special_sessions(database& db, int year);

/// Adds a special session (a Muhurat evening, a Saturday session): replaces one of the same
/// date and market.
result<std::string> add_special_session(database& db, const user_row& user,
                                        const special_session& s);

result<std::string> remove_special_session(database& db, const user_row& user,
                                           const std::string& date, const std::string& market);

/// Every trading-hours template, active or not, by name.
std::vector<trading_hours> list_templates(database& db);

/// Sets the hours of the template `t.name` (made when there is none).
result<std::string> set_template(database& db, const user_row& user, const trading_hours& t);

/// Every acknowledged year.
std::vector<calendar_acknowledgement> list_acknowledgements(database& db);

/// The operator's word that `market` (NSE, BSE, MCX) may trade on schedule in `year` without
/// a holiday list.
result<std::string> acknowledge_year(database& db, const user_row& user,
                                     const std::string& market, int year);

} // namespace algomirror
