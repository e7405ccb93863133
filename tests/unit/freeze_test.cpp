#define CAF_SUITE domain.freeze
#include "tests/test.hpp"

#include <random>
#include "domain/freeze.hpp"

using namespace algomirror;

CAF_TEST(freeze split into whole lots with the remainder last) {
  auto nifty = freeze_split(65 * 60, 65, 1800); // max child 27 lots = 1755
  CAF_REQUIRE(nifty.ok());
  CAF_CHECK(*nifty == (std::vector<int64_t>{1755, 1755, 390}));
  CAF_CHECK(*freeze_split(1755, 65, 1800) == (std::vector<int64_t>{1755}));
  CAF_CHECK(*freeze_split(65, 65, 1800) == (std::vector<int64_t>{65}));
  CAF_CHECK(*freeze_split(1500, 30, 600) == (std::vector<int64_t>{600, 600, 300}));
  CAF_CHECK(!freeze_split(100, 65, 1800).ok());
  CAF_CHECK(!freeze_split(0, 65, 1800).ok());
  CAF_CHECK(freeze_split(130, 65, 60).error().find("below one lot") != std::string::npos);
}

CAF_TEST(child fills aggregate to total quantity and weighted average) {
  auto f = aggregate_fills({{1755, 100}, {1755, 101}, {390, 102}});
  CAF_CHECK_EQUAL(f.quantity, 3900);
  CAF_CHECK(std::fabs(f.average_price - 392535.0 / 3900) < 1e-9);
  CAF_CHECK_EQUAL(aggregate_fills({}).quantity, 0);
}

CAF_TEST(property freeze children sum to the quantity and are whole lots) {
  std::mt19937_64 rng{7};
  for (int i = 0; i < 5000; ++i) {
    int64_t lot = std::uniform_int_distribution<int64_t>{1, 120}(rng);
    int64_t freeze = std::uniform_int_distribution<int64_t>{lot, 5000}(rng);
    int64_t qty = lot * std::uniform_int_distribution<int64_t>{1, 500}(rng);
    auto children = freeze_split(qty, lot, freeze);
    CAF_REQUIRE(children.ok());
    int64_t sum = 0;
    for (size_t k = 0; k < children->size(); ++k) {
      auto c = (*children)[k];
      CAF_REQUIRE(c > 0 && c % lot == 0 && c <= freeze);
      if (k + 1 < children->size())
        CAF_REQUIRE_EQUAL(c, (*children)[0]); // all full but the last
      sum += c;
    }
    CAF_REQUIRE_EQUAL(sum, qty);
  }
}
