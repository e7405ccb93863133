#pragma once

// Secrets (trading-rules.md §12): API keys encrypted at rest with libsodium's secretbox under
// the operator's master key (32 random bytes written as 64 hex characters, from a file only its
// owner can read, or ALGOMIRROR_MASTER_KEY); passwords stored as Argon2id hashes. Nothing here
// logs, and no error message contains a secret.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "messages/result.hpp"

namespace algomirror {

/// The master key, kept in memory only and wiped when destroyed.
class master_key {
public:
  static constexpr size_t size = 32;

  /// Parses 64 hex characters (surrounding whitespace ignored).
  static result<master_key> from_hex(std::string_view hex);

  /// Reads the key from `path`, which must be a regular file readable by its owner only (mode
  /// 0600 or 0400); the error says how to fix the permissions.
  static result<master_key> from_file(const std::string& path);

  /// `--master-key-file` when given, else ALGOMIRROR_MASTER_KEY; an error says how to provide
  /// one when there is neither.
  static result<master_key> load(const std::string& file_option);

  /// A new random key (the demo writes one next to its database on first run).
  static master_key generate();

  /// Writes the key as hex to a new file with mode 0600 (refuses to overwrite).
  result<bool> write_file(const std::string& path) const;

  master_key(const master_key& other);
  master_key& operator=(const master_key& other);
  ~master_key();

  const uint8_t* data() const { return bytes_.data(); }

private:
  master_key() = default;
  std::array<uint8_t, size> bytes_{};
};

/// Encrypts a secret: "v1:" + hex(nonce) + ":" + hex(ciphertext with MAC).
std::string encrypt_secret(const master_key& key, std::string_view plain);

/// Decrypts what encrypt_secret made; an error (never naming the secret) for a wrong key or a
/// tampered value.
result<std::string> decrypt_secret(const master_key& key, std::string_view sealed);

/// An Argon2id hash in libsodium's string form (salt and parameters included).
result<std::string> hash_password(std::string_view password);

/// Whether `password` matches `hash`.
bool verify_password(std::string_view hash, std::string_view password);

} // namespace algomirror
