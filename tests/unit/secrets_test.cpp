#define CAF_SUITE config.secrets
#include "tests/test.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include "config/secrets.hpp"

using namespace algomirror;

namespace {

const std::string hex_key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    char name[] = "/tmp/algomirror-secrets-XXXXXX";
    CAF_REQUIRE(mkdtemp(name) != nullptr);
    path = name;
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

} // namespace

CAF_TEST(api keys round trip under the master key and nowhere in the sealed text) {
  auto key = master_key::from_hex(hex_key);
  CAF_REQUIRE(key.ok());
  std::string api_key = "a1b2c3d4e5f6-secret-api-key";
  auto sealed = encrypt_secret(*key, api_key);
  CAF_CHECK(sealed.rfind("v1:", 0) == 0);
  CAF_CHECK(sealed.find(api_key) == std::string::npos);
  CAF_CHECK(sealed != encrypt_secret(*key, api_key)); // a fresh nonce every time
  auto opened = decrypt_secret(*key, sealed);
  CAF_REQUIRE(opened.ok());
  CAF_CHECK_EQUAL(*opened, api_key);
}

CAF_TEST(a wrong key or a tampered value is refused without echoing anything) {
  auto key = *master_key::from_hex(hex_key);
  auto other = master_key::generate();
  auto sealed = encrypt_secret(key, "the-secret");
  auto wrong = decrypt_secret(other, sealed);
  CAF_REQUIRE(!wrong.ok());
  CAF_CHECK(wrong.error().find("the-secret") == std::string::npos);
  auto tampered = sealed;
  tampered[tampered.size() - 1] = tampered.back() == '0' ? '1' : '0';
  CAF_CHECK(!decrypt_secret(key, tampered).ok());
  CAF_CHECK(!decrypt_secret(key, "plain text").ok());
  CAF_CHECK(!decrypt_secret(key, "v1:zz:zz").ok());
}

CAF_TEST(master keys are 64 hex characters) {
  CAF_CHECK(master_key::from_hex("  " + hex_key + "\n").ok());
  auto short_key = master_key::from_hex("abcd");
  CAF_REQUIRE(!short_key.ok());
  CAF_CHECK(short_key.error().find("64 hex characters") != std::string::npos);
  CAF_CHECK(!master_key::from_hex(std::string(64, 'g')).ok());
}

CAF_TEST(the master key file must be private) {
  temp_dir dir;
  auto path = (dir.path / "master.key").string();
  auto key = master_key::generate();
  CAF_REQUIRE(key.write_file(path).ok());
  struct stat st {};
  CAF_REQUIRE(::stat(path.c_str(), &st) == 0);
  CAF_CHECK_EQUAL(st.st_mode & 0777, 0600u);
  CAF_CHECK(!key.write_file(path).ok()); // never overwritten
  auto loaded = master_key::from_file(path);
  CAF_REQUIRE(loaded.ok());
  CAF_CHECK_EQUAL(*decrypt_secret(*loaded, encrypt_secret(key, "x")), "x");
  ::chmod(path.c_str(), 0644);
  auto open_to_all = master_key::from_file(path);
  CAF_REQUIRE(!open_to_all.ok());
  CAF_CHECK(open_to_all.error().find("chmod 600") != std::string::npos);
  CAF_CHECK(!master_key::from_file((dir.path / "missing").string()).ok());
}

CAF_TEST(the master key comes from the file option or the environment) {
  ::unsetenv("ALGOMIRROR_MASTER_KEY");
  auto none = master_key::load("");
  CAF_REQUIRE(!none.ok());
  CAF_CHECK(none.error().find("--master-key-file") != std::string::npos);
  ::setenv("ALGOMIRROR_MASTER_KEY", hex_key.c_str(), 1);
  CAF_CHECK(master_key::load("").ok());
  ::setenv("ALGOMIRROR_MASTER_KEY", "nope", 1);
  CAF_CHECK(!master_key::load("").ok());
  ::unsetenv("ALGOMIRROR_MASTER_KEY");
}

CAF_TEST(passwords are stored as Argon2id hashes) {
  auto hash = hash_password("Str0ng!pass");
  CAF_REQUIRE(hash.ok());
  CAF_CHECK(hash->rfind("$argon2id$", 0) == 0);
  CAF_CHECK(hash->find("Str0ng!pass") == std::string::npos);
  CAF_CHECK(verify_password(*hash, "Str0ng!pass"));
  CAF_CHECK(!verify_password(*hash, "Str0ng!pasS"));
  CAF_CHECK(!verify_password("not a hash", "Str0ng!pass"));
}
