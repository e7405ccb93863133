#pragma once

// operating.md §3: the database keeps a key check — a known text sealed under the master key —
// so a wrong key is refused at once by every command that takes one, never "cannot decrypt"
// later. A database without a check gets one from the first key that opens its accounts' keys.

#include <string>

#include "messages/result.hpp"

namespace algomirror {

class database;
class master_key;

/// Ok when `key` opens the database's check (written now when there is none yet); else the
/// refusal, which names where the key came from and never shows it.
result<bool> check_master_key(database& db, const master_key& key, const std::string& source);

} // namespace algomirror
