#define CAF_SUITE domain.login_guard
#include "tests/test.hpp"

#include "domain/login_guard.hpp"

using namespace algomirror;
using namespace std::chrono;

namespace {

utc_instant at(int seconds) {
  return *parse_iso8601("2026-11-25T10:00:00+05:30") + std::chrono::seconds{seconds};
}

} // namespace

CAF_TEST(five failures within a minute lock the user out for a minute) {
  login_guard g;
  for (int i = 0; i < 4; ++i)
    CAF_CHECK(!g.failed("trader", at(i * 10)));
  CAF_CHECK(g.allowed("trader", at(45)));
  CAF_CHECK(g.failed("trader", at(50))); // the fifth, 50 s after the first
  utc_instant until;
  CAF_CHECK(!g.allowed("trader", at(51), &until));
  CAF_CHECK(until == at(110));
  CAF_CHECK(!g.allowed("trader", at(109)));
  CAF_CHECK(g.allowed("trader", at(110)));
  CAF_CHECK(g.allowed("other", at(51))); // per user
}

CAF_TEST(failures older than a minute do not count) {
  login_guard g;
  for (int i = 0; i < 4; ++i)
    CAF_CHECK(!g.failed("trader", at(i)));
  CAF_CHECK(!g.failed("trader", at(61))); // the first two are a minute old: 3 failures remain
  CAF_CHECK(g.allowed("trader", at(62)));
}

CAF_TEST(a successful login clears the failures) {
  login_guard g;
  for (int i = 0; i < 4; ++i)
    g.failed("trader", at(i));
  g.succeeded("trader");
  CAF_CHECK(!g.failed("trader", at(5)));
  CAF_CHECK(g.allowed("trader", at(6)));
}
