#define CAF_SUITE domain.strikes
#include "tests/test.hpp"

#include <cmath>
#include <random>
#include "domain/strikes.hpp"

using namespace algomirror;

CAF_TEST(ATM rounds half to even) {
  CAF_CHECK_EQUAL(atm_strike(24025, 50), 24000); // 480.5 → 480
  CAF_CHECK_EQUAL(atm_strike(24075, 50), 24100); // 481.5 → 482
  CAF_CHECK_EQUAL(atm_strike(24024.99, 50), 24000);
  CAF_CHECK_EQUAL(atm_strike(24025.01, 50), 24050);
  CAF_CHECK_EQUAL(atm_strike(51250, 100), 51200); // 512.5 → 512
  CAF_CHECK_EQUAL(atm_strike(51350, 100), 51400); // 513.5 → 514
}

CAF_TEST(ITM and OTM offsets for calls and puts with clamping) {
  CAF_CHECK_EQUAL(offset_strike(24000, 50, strike_selection::itm, option_type::ce, 2), 23900);
  CAF_CHECK_EQUAL(offset_strike(24000, 50, strike_selection::otm, option_type::ce, 2), 24100);
  CAF_CHECK_EQUAL(offset_strike(24000, 50, strike_selection::itm, option_type::pe, 2), 24100);
  CAF_CHECK_EQUAL(offset_strike(24000, 50, strike_selection::otm, option_type::pe, 2), 23900);
  CAF_CHECK_EQUAL(offset_strike(24000, 50, strike_selection::atm, option_type::pe, 7), 24000);
  CAF_CHECK_EQUAL(offset_strike(24000, 50, strike_selection::otm, option_type::ce, 0), 24050);
  CAF_CHECK_EQUAL(offset_strike(24000, 50, strike_selection::otm, option_type::ce, -3), 24050);
  CAF_CHECK_EQUAL(offset_strike(24000, 50, strike_selection::otm, option_type::ce, 25), 25000);
  CAF_CHECK_EQUAL(clamp_offset(20), 20);
}

CAF_TEST(a fixed strike must be on the step) {
  CAF_CHECK(check_fixed_strike(24050, 50).ok());
  auto off = check_fixed_strike(24025, 50);
  CAF_REQUIRE(!off.ok());
  CAF_CHECK(off.error().find("not a multiple of the strike step") != std::string::npos);
  CAF_CHECK(!check_fixed_strike(0, 50).ok());
  CAF_CHECK(!check_fixed_strike(-100, 50).ok());
}

CAF_TEST(premium near picks the closest price with its tie rules) {
  auto searched = premium_search_strikes(24000, 50);
  CAF_CHECK_EQUAL(searched.size(), 41u);
  CAF_CHECK_EQUAL(searched.front(), 23000);
  CAF_CHECK_EQUAL(searched.back(), 25000);
  std::vector<strike_quote> q = {{24000, 55}, {24050, 45}, {24100, 30}};
  CAF_CHECK_EQUAL(*premium_near_strike(q, 50), 24050); // tie 5/5: at or under wins
  CAF_CHECK_EQUAL(*premium_near_strike({{24050, 45}, {24100, 45}}, 50), 24050); // lower strike
  CAF_CHECK_EQUAL(*premium_near_strike({{24000, 60}, {24050, 50}}, 50), 24050); // exact
  CAF_CHECK_EQUAL(*premium_near_strike({{24000, 0}, {24050, -1}, {24100, 120}}, 50), 24100);
  auto none = premium_near_strike({{24000, 0}, {24050, NAN}}, 50);
  CAF_REQUIRE(!none.ok());
  CAF_CHECK(none.error().find("no strike has a price") != std::string::npos);
  CAF_CHECK(!premium_near_strike({}, 50).ok());
}

CAF_TEST(property ATM is a multiple of the step within half a step of spot) {
  std::mt19937_64 rng{42};
  std::uniform_real_distribution<double> spot{1000, 90000};
  for (int i = 0; i < 20000; ++i) {
    double step = i % 2 ? 50 : 100;
    double s = spot(rng);
    double atm = atm_strike(s, step);
    CAF_REQUIRE(std::fmod(atm, step) == 0);
    CAF_REQUIRE(std::fabs(atm - s) <= step / 2 + 1e-9);
  }
}
