#pragma once

// Inside persistence/ only: what the offline commands' database work shares (admin.cpp,
// calendar_admin.cpp): the activity_logs row of a change and the transaction around it.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "persistence/database.hpp"

namespace algomirror::admin_support {

/// An activity_logs row for a change made by an offline command (source "cli").
void log_activity(database& db, int64_t user_id, const std::string& action,
                  const std::string& details);

/// A JSON object of texts ({"date":"2027-01-26","markets":"NSE,BSE"}) for activity details.
std::string details(std::initializer_list<std::pair<const char*, std::string>> fields);

/// Runs `f` (returning a `result`) in a transaction; rolls back on a failure or exception.
template <class F>
auto in_transaction(database& db, F f) -> decltype(f()) {
  db.begin();
  try {
    auto out = f();
    if (out)
      db.commit();
    else
      db.rollback();
    return out;
  } catch (...) {
    db.rollback();
    throw;
  }
}

} // namespace algomirror::admin_support
