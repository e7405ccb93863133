#include "config/secrets.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <sodium.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace algomirror {

namespace {

/// libsodium must be initialised once before use; sodium_init is idempotent and thread-safe.
void ensure_sodium() {
  if (sodium_init() < 0)
    std::abort(); // no safe way to go on without a working random source
}

std::string to_hex(const uint8_t* data, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, n);
  out.pop_back();
  return out;
}

bool from_hex(std::string_view hex, std::vector<uint8_t>& out) {
  out.assign(hex.size() / 2, 0);
  size_t len = 0;
  if (hex.size() % 2 != 0
      || sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &len, nullptr)
           != 0
      || len != out.size())
    return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

} // namespace

master_key::master_key(const master_key& other) : bytes_(other.bytes_) {
}

master_key& master_key::operator=(const master_key& other) {
  bytes_ = other.bytes_;
  return *this;
}

master_key::~master_key() {
  sodium_memzero(bytes_.data(), bytes_.size());
}

result<master_key> master_key::from_hex(std::string_view hex) {
  ensure_sodium();
  hex = trim(hex);
  std::vector<uint8_t> bytes;
  if (hex.size() != size * 2 || !algomirror::from_hex(hex, bytes))
    return result<master_key>::failure(
      "the master key must be 64 hex characters (32 random bytes), got "
      + std::to_string(hex.size()) + " characters");
  master_key key;
  std::copy(bytes.begin(), bytes.end(), key.bytes_.begin());
  sodium_memzero(bytes.data(), bytes.size());
  return key;
}

result<master_key> master_key::from_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return result<master_key>::failure("master key file '" + path + "' does not exist");
  if (!S_ISREG(st.st_mode))
    return result<master_key>::failure("master key file '" + path + "' is not a regular file");
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    return result<master_key>::failure("master key file '" + path
                                       + "' can be read by others: run chmod 600 '" + path + "'");
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  auto key = from_hex(text.str());
  if (!key)
    return result<master_key>::failure("master key file '" + path + "': " + key.error());
  return key;
}

result<master_key> master_key::load(const std::string& file_option) {
  if (!file_option.empty())
    return from_file(file_option);
  if (auto env = std::getenv("ALGOMIRROR_MASTER_KEY")) {
    auto key = from_hex(env);
    if (!key)
      return result<master_key>::failure("ALGOMIRROR_MASTER_KEY: " + key.error());
    return key;
  }
  return result<master_key>::failure(
    "no master key: give --master-key-file FILE (64 hex characters, chmod 600) or set "
    "ALGOMIRROR_MASTER_KEY");
}

master_key master_key::generate() {
  ensure_sodium();
  master_key key;
  randombytes_buf(key.bytes_.data(), key.bytes_.size());
  return key;
}

result<bool> master_key::write_file(const std::string& path) const {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0)
    return result<bool>::failure("cannot create master key file '" + path
                                 + "' (it must not exist yet)");
  auto hex = to_hex(bytes_.data(), bytes_.size()) + "\n";
  bool ok = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size());
  ::close(fd);
  sodium_memzero(hex.data(), hex.size());
  if (!ok)
    return result<bool>::failure("cannot write master key file '" + path + "'");
  return true;
}

std::string encrypt_secret(const master_key& key, std::string_view plain) {
  ensure_sodium();
  std::array<uint8_t, crypto_secretbox_NONCEBYTES> nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  std::vector<uint8_t> sealed(plain.size() + crypto_secretbox_MACBYTES);
  crypto_secretbox_easy(sealed.data(), reinterpret_cast<const uint8_t*>(plain.data()),
                        plain.size(), nonce.data(), key.data());
  return "v1:" + to_hex(nonce.data(), nonce.size()) + ":" + to_hex(sealed.data(), sealed.size());
}

result<std::string> decrypt_secret(const master_key& key, std::string_view sealed) {
  ensure_sodium();
  auto fail = [] {
    return result<std::string>::failure(
      "a stored secret cannot be decrypted: wrong master key, or the value was altered");
  };
  if (sealed.rfind("v1:", 0) != 0)
    return fail();
  auto rest = sealed.substr(3);
  auto colon = rest.find(':');
  std::vector<uint8_t> nonce, cipher;
  if (colon == std::string_view::npos || !from_hex(rest.substr(0, colon), nonce)
      || nonce.size() != crypto_secretbox_NONCEBYTES || !from_hex(rest.substr(colon + 1), cipher)
      || cipher.size() < crypto_secretbox_MACBYTES)
    return fail();
  std::string plain(cipher.size() - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<uint8_t*>(plain.data()), cipher.data(),
                                 cipher.size(), nonce.data(), key.data())
      != 0)
    return fail();
  return plain;
}

result<std::string> hash_password(std::string_view password) {
  ensure_sodium();
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13)
      != 0)
    return result<std::string>::failure("cannot hash the password (out of memory)");
  return std::string{out.data()};
}

bool verify_password(std::string_view hash, std::string_view password) {
  ensure_sodium();
  std::string h{hash};
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

} // namespace algomirror
