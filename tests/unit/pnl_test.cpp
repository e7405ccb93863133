#define CAF_SUITE domain.pnl
#include "tests/test.hpp"

#include <cmath>
#include "domain/pnl.hpp"

using namespace algomirror;

CAF_TEST(P&L per side and price validity) {
  CAF_CHECK_EQUAL(position_pnl(side::buy, 100, 110, 65), 650);
  CAF_CHECK_EQUAL(position_pnl(side::sell, 100, 110, 65), -650);
  price_point p;
  auto t0 = utc_instant{std::chrono::seconds{1'764'000'000}};
  CAF_CHECK(take_price(p, 101.5, t0));
  CAF_CHECK(!take_price(p, 0, t0));
  CAF_CHECK(!take_price(p, -3, t0));
  CAF_CHECK(!take_price(p, NAN, t0));
  CAF_CHECK_EQUAL(p.ltp, 101.5); // the previous valid price stays
  CAF_CHECK(!is_stale(p, t0 + std::chrono::seconds{60}));
  CAF_CHECK(is_stale(p, t0 + std::chrono::seconds{61}));
  CAF_CHECK(is_stale(price_point{}, t0));
  // An exit in flight keeps its unrealized P&L until the exit fill.
  auto open = pnl_of({side::sell, 100, 65, 0, 0, 90});
  CAF_CHECK_EQUAL(open.unrealized, 650);
  auto half = pnl_of({side::sell, 100, 65, 65, 95, 90});
  CAF_CHECK_EQUAL(half.realized, 325);
  CAF_CHECK_EQUAL(half.total(), 975);
  CAF_CHECK_EQUAL(pnl_of({side::buy, 100, 65, 0, 0, 0}).unrealized, 0); // no price yet
}
