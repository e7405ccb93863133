#define CAF_SUITE domain.strategy_rules
#include "tests/test.hpp"

#include "domain/strategy_rules.hpp"

using namespace algomirror;

namespace {

int32_t ist(int h, int m) {
  return h * 3600 + m * 60;
}

strategy_definition straddle(product p, int32_t square_off = -1) {
  strategy_definition s;
  s.name = "straddle";
  s.order_product = p;
  s.square_off_time = {square_off};
  return s;
}

} // namespace

CAF_TEST(MIS is refused outside 09 00 to 15 15 IST before any order) {
  auto mis = straddle(product::mis);
  CAF_CHECK(start_time_problem(mis, ist(9, 0)).empty());
  CAF_CHECK(start_time_problem(mis, ist(15, 14)).empty());
  auto night = start_time_problem(mis, ist(16, 0));
  CAF_CHECK(night.find("MIS orders are taken only from 09:00 to 15:15 IST (it is 16:00 IST)")
            != std::string::npos);
  CAF_CHECK(night.find("NRML") != std::string::npos); // and what to do instead
  CAF_CHECK(!start_time_problem(mis, ist(15, 15)).empty());
  CAF_CHECK(!start_time_problem(mis, ist(8, 59)).empty());
  CAF_CHECK(start_time_problem(straddle(product::nrml), ist(16, 0)).empty());
}

CAF_TEST(a square off time already passed today is refused) {
  auto s = straddle(product::nrml, ist(15, 15));
  CAF_CHECK(start_time_problem(s, ist(15, 14)).empty());
  auto late = start_time_problem(s, ist(15, 20));
  CAF_CHECK(late.find("squares off at 15:15 IST, which has passed today (it is 15:20 IST)")
            != std::string::npos);
  CAF_CHECK(start_time_problem(straddle(product::nrml), ist(23, 0)).empty()); // none set
}
