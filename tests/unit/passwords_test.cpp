#define CAF_SUITE domain.passwords
#include "tests/test.hpp"

#include "domain/passwords.hpp"

using namespace algomirror;

CAF_TEST(the password policy names each failing rule) {
  CAF_CHECK(password_problems("Str0ng!pass").empty());
  auto weak = password_problems("short");
  CAF_CHECK_EQUAL(weak.size(), 4u); // length, upper, digit, special
  CAF_CHECK(weak[0].find("length") == 0);
  auto common = password_problems("PASSWORD123");
  bool named_common = false;
  for (auto& p : common) {
    named_common = named_common || p.find("common") == 0;
    CAF_CHECK(p.find("PASSWORD123") == std::string::npos); // never echoed
  }
  CAF_CHECK(named_common);
  CAF_CHECK(!password_problems(std::string(129, 'a') + "A1!").empty());
  CAF_CHECK(password_problems(std::string(120, 'a') + "A1!").empty());
}
