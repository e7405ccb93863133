#pragma once

// What the console prints: readable tables by default (IST times, rupees with two decimals),
// or one JSON document per answer (`--json`) and one JSON line per streamed event.

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "messages/console.hpp"
#include "messages/storage.hpp"
#include "messages/strategy.hpp"

namespace algomirror::console_view {

struct context {
  bool json = false;
  std::map<int64_t, std::string> account_names; ///< the user's accounts, for run views
};

void print(std::ostream& out, const context& c, const console_status& x);
void print(std::ostream& out, const context& c, const std::vector<account_view>& x);
/// `what` is funds, positions, orders or trades.
void print(std::ostream& out, const context& c, const std::string& what,
           const std::vector<account_book>& x);
void print(std::ostream& out, const context& c, const std::vector<strategy_definition>& x,
           bool detailed);
void print(std::ostream& out, const context& c, const run_started& x);
void print(std::ostream& out, const context& c, const std::vector<run_status>& x);
void print(std::ostream& out, const context& c, const run_status& x);
void print(std::ostream& out, const context& c, const std::vector<risk_event>& x);
void print(std::ostream& out, const context& c, const std::vector<alert_line>& x);
void print(std::ostream& out, const context& c, const std::vector<failover_event>& x);
void print(std::ostream& out, const context& c, const std::vector<quote>& x);
void print(std::ostream& out, const context& c, const std::vector<user_view>& x);
void print(std::ostream& out, const context& c, const user_settings& x);
void print(std::ostream& out, const context& c, const chain_view& x);
/// A `chain` event: the contracts whose prices changed.
void print_chain(std::ostream& out, const context& c, const console_event& x);
void print_event(std::ostream& out, const context& c, const console_event& x);
/// A plain acknowledgement ("exit of run 3 sent").
void print_done(std::ostream& out, const context& c, const std::string& text);

} // namespace algomirror::console_view
