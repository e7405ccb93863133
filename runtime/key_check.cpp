#include "runtime/key_check.hpp"

#include "config/secrets.hpp"
#include "domain/clock.hpp"
#include "persistence/database.hpp"

namespace algomirror {

namespace {

constexpr const char* check_text = "algomirror key check v1";

std::string refusal(const std::string& source) {
  return "the master key (" + source
         + ") does not open this database: it was set up with another key; give the key it "
           "was set up with (nothing was changed)";
}

} // namespace

result<bool> check_master_key(database& db, const master_key& key, const std::string& source) {
  auto rows = db.query("SELECT sealed FROM key_check WHERE id = 1");
  if (!rows.empty()) {
    auto opened = decrypt_secret(key, rows[0][0].value_or(""));
    if (!opened || *opened != check_text)
      return result<bool>::failure(refusal(source));
    return true;
  }
  // No check yet (a database from before it existed): the accounts' keys decide.
  for (auto& r : db.query("SELECT api_key_encrypted FROM trading_accounts WHERE "
                          "api_key_encrypted IS NOT NULL AND api_key_encrypted <> '' LIMIT 1"))
    if (!decrypt_secret(key, r[0].value_or("")))
      return result<bool>::failure(refusal(source));
  db.execute("INSERT INTO key_check (id, sealed, created_at) VALUES (1, ?, ?)",
             {encrypt_secret(key, check_text), format_utc(system_time().now())});
  return true;
}

} // namespace algomirror
