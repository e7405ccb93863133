#pragma once

// Data entry of users and trading accounts (the `user` and `account` subcommands): plain,
// synchronous database work with the rules of trading-rules.md §12 and the account rules of
// issue 6 (names unique per user, exactly one primary per user). Secrets arrive here already
// hashed or encrypted; every change writes an activity_logs row.

#include <cstdint>
#include <string>
#include <vector>

#include "messages/result.hpp"
#include "messages/storage.hpp"
#include "messages/strategy.hpp"
#include "persistence/database.hpp"

namespace algomirror {

struct user_row {
  int64_t id = 0;
  std::string username;
  std::string email;
  bool is_admin = false;
};

/// Adds a user; the first user becomes the admin. `password_hash` is an Argon2id hash.
result<user_row> add_user(database& db, const std::string& username, const std::string& email,
                          const std::string& password_hash);

/// The user named `username`, or (empty name) the admin.
result<user_row> find_user(database& db, const std::string& username);

struct new_account {
  std::string name;
  std::string broker;
  std::string host_url;
  std::string websocket_url;
  std::string api_key_encrypted;
  bool primary = false;
  int32_t priority = 0;
};

/// Adds an account for `user`. The user's first account is the primary whatever was asked;
/// a new primary takes the flag from the old one.
result<account_record> add_account(database& db, const user_row& user, const new_account& a);

/// Every account of `user` (active or not), primary first, then by priority and id.
std::vector<account_record> list_accounts(database& db, const user_row& user);

result<account_record> find_account(database& db, const user_row& user, const std::string& name);

/// Removes the account (refused while it has open positions of our runs or is in a live run);
/// when it was the primary, the oldest remaining active account becomes
/// the primary.
result<std::string> remove_account(database& db, const user_row& user, const std::string& name);

/// Enables or disables an account (a disabled account takes no new entries; at the next
/// node start it is not connected).
result<std::string> set_account_active(database& db, const user_row& user,
                                       const std::string& name, bool active);

/// Points an existing account at another OpenAlgo (URLs and sealed key); its history stays.
result<account_record> update_account_endpoint(database& db, const user_row& user,
                                               const new_account& a);

/// Makes `name` the user's only primary account.
result<std::string> set_primary(database& db, const user_row& user, const std::string& name);

/// Saves a strategy with its legs for `user` (`s.account_ids` already resolved): a new name is
/// created, an existing one is replaced (legs too). Answers the id and whether it was created.
result<std::pair<int64_t, bool>> save_strategy(database& db, const user_row& user,
                                               const strategy_definition& s);

/// The user's active strategies with their legs (by name when `name` is not empty).
std::vector<strategy_definition> user_strategies(database& db, const user_row& user,
                                                 const std::string& name = {});

/// Deletes the strategy (and its legs); refused while one of its runs is unfinished.
result<std::string> delete_strategy(database& db, const user_row& user, const std::string& name);

/// Enables or disables a strategy (disabling is refused while one of its runs is unfinished).
result<std::string> set_strategy_active(database& db, const user_row& user,
                                        const std::string& name, bool active);

/// How many accounts (of anyone) have an encrypted API key.
int64_t count_encrypted_accounts(database& db);

} // namespace algomirror
