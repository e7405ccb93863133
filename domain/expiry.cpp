#include "domain/expiry.hpp"

#include <algorithm>

#include "messages/names.hpp"

namespace algomirror {

namespace {

using std::chrono::sys_days;

bool same_month(date a, date b) {
  return a.year() == b.year() && a.month() == b.month();
}

/// The last listed expiry in the calendar month of `month_of` (from `future`), if any.
const date* last_in_month(const std::vector<date>& future, date month_of) {
  const date* last = nullptr;
  for (auto& d : future)
    if (same_month(d, month_of))
      last = &d;
  return last;
}

} // namespace

result<date> select_expiry(const std::vector<date>& expiries, date today, expiry_choice choice,
                           leg_product product) {
  std::vector<date> future;
  for (auto& d : expiries)
    if (sys_days{d} >= sys_days{today})
      future.push_back(d);
  std::sort(future.begin(), future.end(),
            [](date a, date b) { return sys_days{a} < sys_days{b}; });
  if (future.empty())
    return result<date>::failure("no expiry on or after " + format_expiry(today)
                                 + " in the broker's list");
  bool second = choice == expiry_choice::next_week || choice == expiry_choice::next_month;
  if (product == leg_product::futures) {
    if (second && future.size() < 2)
      return result<date>::failure("only one futures expiry listed; " + to_string(choice)
                                   + " needs two");
    return future[second ? 1 : 0];
  }
  switch (choice) {
    case expiry_choice::current_week:
      return future[0];
    case expiry_choice::next_week:
      return future.size() > 1 ? future[1] : future[0];
    case expiry_choice::current_month:
    case expiry_choice::next_month: {
      // The monthly of this month if today or later (future holds only such), else next
      // month's.
      const date* monthly = last_in_month(future, today);
      if (monthly == nullptr) {
        auto next = date{today.year() / today.month() / 1} + std::chrono::months{1};
        monthly = last_in_month(future, next);
      }
      if (monthly == nullptr)
        return result<date>::failure("no monthly expiry listed for this or next month");
      if (choice == expiry_choice::current_month)
        return *monthly;
      auto after = date{monthly->year() / monthly->month() / 1} + std::chrono::months{1};
      if (auto* next_monthly = last_in_month(future, after))
        return *next_monthly;
      return result<date>::failure("no expiry listed in the month after "
                                   + format_expiry(*monthly) + " for next_month");
    }
  }
  return result<date>::failure("unknown expiry choice");
}

std::string check_expiry_choice(const underlying_spec& spec, leg_product product,
                                expiry_choice choice) {
  bool weekly = choice == expiry_choice::current_week || choice == expiry_choice::next_week;
  if (product == leg_product::options && weekly && !spec.weekly_expiries)
    return spec.name + " has no weekly expiries: use current_month or next_month instead of "
           + to_string(choice);
  return {};
}

int32_t lot_size_for(const underlying_spec& spec, expiry_choice choice) {
  return choice == expiry_choice::next_month ? spec.next_month_lot_size : spec.lot_size;
}

} // namespace algomirror
