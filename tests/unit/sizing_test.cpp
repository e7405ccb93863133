#define CAF_SUITE domain.sizing
#include "tests/test.hpp"

#include <random>

#include "domain/sizing.hpp"

using namespace algomirror;

namespace {

leg_definition leg(side action, option_type type, int32_t lots = 1,
                   leg_product product = leg_product::options, std::string underlying = "NIFTY") {
  leg_definition l;
  l.action = action;
  l.option = type;
  l.lots = lots;
  l.product_kind = product;
  l.underlying = std::move(underlying);
  return l;
}

std::vector<leg_definition> straddle_with_hedges() {
  return {leg(side::sell, option_type::ce), leg(side::sell, option_type::pe),
          leg(side::buy, option_type::ce), leg(side::buy, option_type::pe)};
}

auto no_expiry = [](const std::string&) { return false; };
auto expiry = [](const std::string&) { return true; };

} // namespace

CAF_TEST(risk profiles and the older words of the seed) {
  CAF_CHECK(parse_risk_profile("fixed_lots")->fixed_lots);
  CAF_CHECK_EQUAL(parse_risk_profile("grade_B")->grade, "B");
  CAF_CHECK_EQUAL(parse_risk_profile("aggressive")->grade, "A");
  CAF_CHECK_EQUAL(parse_risk_profile("balanced")->grade, "B");
  CAF_CHECK_EQUAL(parse_risk_profile("conservative")->grade, "C");
  CAF_CHECK(!parse_risk_profile("yolo").ok());
  auto grades = default_grades();
  CAF_CHECK_EQUAL(grades[0].percent, 95);
  CAF_CHECK_EQUAL(grades[1].percent, 65);
  CAF_CHECK_EQUAL(grades[2].percent, 36);
}

CAF_TEST(trade types of each leg) {
  auto types = classify_legs(straddle_with_hedges());
  CAF_CHECK(types[0] == trade_type::straddle);
  CAF_CHECK(types[1] == trade_type::straddle);
  CAF_CHECK(types[2] == trade_type::hedge_buy);
  CAF_CHECK(types[3] == trade_type::hedge_buy);
  auto spread = classify_legs({leg(side::sell, option_type::ce), leg(side::buy, option_type::ce)});
  CAF_CHECK(spread[0] == trade_type::single_sell);
  CAF_CHECK(spread[1] == trade_type::hedge_buy);
  auto lone = classify_legs({leg(side::buy, option_type::pe),
                             leg(side::buy, option_type::none, 1, leg_product::futures)});
  CAF_CHECK(lone[0] == trade_type::lone_buy);
  CAF_CHECK(lone[1] == trade_type::futures);
  // Another underlying's short does not make a straddle.
  auto mixed = classify_legs({leg(side::sell, option_type::ce),
                              leg(side::sell, option_type::pe, 1, leg_product::options, "SENSEX")});
  CAF_CHECK(mixed[0] == trade_type::single_sell);
}

CAF_TEST(grade sizing charges a straddle once and hedges take the lots of their short) {
  funds f{1'000'000, 0, 0, 0, 0};
  auto rates = default_margin_rates();
  auto b = default_grades()[1]; // 65 % → 650,000
  auto s = size_account(straddle_with_hedges(), {false, "B"}, b, f, rates, no_expiry);
  CAF_REQUIRE(!s.skipped);
  CAF_CHECK(s.lots == (std::vector<int32_t>{2, 2, 2, 2})); // 650,000 / 320,000
  CAF_CHECK_EQUAL(s.margin_used, 640'000);
  auto e = size_account(straddle_with_hedges(), {false, "B"}, b, f, rates, expiry);
  CAF_CHECK(e.lots == (std::vector<int32_t>{2, 2, 2, 2})); // 650,000 / 250,000
  auto a = size_account(straddle_with_hedges(), {false, "A"}, default_grades()[0],
                        funds{2'000'000, 0, 100'000, 0, 0}, rates, expiry);
  CAF_CHECK(a.lots == (std::vector<int32_t>{7, 7, 7, 7})); // 1,900,000 × 95 % / 250,000 = 7.22
}

CAF_TEST(the database settings replace the defaults of the same key) {
  // Issue 15: grade B at 10 % and the SENSEX lot at 40 in the database.
  auto instruments = default_instruments();
  auto rates = default_margin_rates();
  auto grades = default_grades();
  user_settings db;
  auto sensex = *instruments.find("SENSEX");
  sensex.lot_size = 40;
  db.instruments = {sensex};
  db.grades = {{"B", 10, "available"}, {"D", 20, "cash"}};
  db.margins = {{"NIFTY", 1, 2, 300'000, 4, 100'000, 200'000, 25'000}};
  apply_user_settings(db, instruments, rates, grades);
  CAF_CHECK_EQUAL(instruments.find("SENSEX")->lot_size, 40);
  CAF_CHECK_EQUAL(instruments.find("NIFTY")->lot_size, 65); // not in the database: the default
  CAF_REQUIRE_EQUAL(grades.size(), 4u);
  CAF_CHECK_EQUAL(grades[1].percent, 10);
  CAF_CHECK(grades[3].source == margin_source::cash);
  CAF_CHECK_EQUAL(rates["NIFTY"].straddle_expiry, 300'000);
  CAF_CHECK_EQUAL(rates["NIFTY"].buy_premium, 25'000);
  CAF_CHECK_EQUAL(rates["SENSEX"].sell_expiry, 180'000); // untouched
  // 1,000,000 × 10 % = 100,000: one lot of futures on a normal day (100,000 per lot on the
  // expiry day, 200,000 on others: no lot).
  leg_definition fut = leg(side::buy, option_type::ce, 1, leg_product::futures);
  funds f{1'000'000, 0, 0, 0, 0};
  CAF_CHECK(size_account({fut}, {false, "B"}, grades[1], f, rates, expiry).lots
            == (std::vector<int32_t>{1}));
  CAF_CHECK(size_account({fut}, {false, "B"}, grades[1], f, rates, no_expiry).skipped);
  CAF_CHECK(size_account(straddle_with_hedges(), {false, "B"}, grades[1], f, rates, expiry)
              .skipped); // 100,000 < 300,000 per straddle lot
}

CAF_TEST(too little margin skips the account) {
  auto s = size_account(straddle_with_hedges(), {false, "B"}, default_grades()[1],
                        funds{100'000, 0, 0, 0, 0}, default_margin_rates(), no_expiry);
  CAF_CHECK(s.skipped);
  CAF_CHECK_EQUAL(s.reason, "insufficient_margin");
}

CAF_TEST(a lone buy under a cash grade pays premium per lot) {
  quality_grade cash_c{"C", 36, margin_source::cash};
  auto s = size_account({leg(side::buy, option_type::ce, 3)}, {false, "C"}, cash_c,
                        funds{1'000'000, 0, 900'000, 0, 0}, default_margin_rates(), no_expiry);
  CAF_CHECK(s.lots == (std::vector<int32_t>{18})); // cash 1,000,000 × 36 % / 20,000
  auto available = size_account({leg(side::buy, option_type::ce, 3)}, {false, "B"},
                                 default_grades()[1], funds{1'000'000, 0, 0, 0, 0},
                                 default_margin_rates(), no_expiry);
  CAF_CHECK(available.lots == (std::vector<int32_t>{3})); // its own lots
  auto fixed = size_account(straddle_with_hedges(), {true, {}}, default_grades()[0],
                            funds{}, default_margin_rates(), no_expiry);
  CAF_CHECK(fixed.lots == (std::vector<int32_t>{1, 1, 1, 1}));
  CAF_CHECK_EQUAL(margin_source_amount(funds{500, 0, 120, 0, 0}, margin_source::available), 380);
  CAF_CHECK_EQUAL(margin_source_amount(funds{500, 0, 120, 0, 0}, margin_source::cash), 500);
}

CAF_TEST(the margin ledger reserves and releases and never goes negative) {
  margin_ledger ledger{500'000};
  CAF_CHECK(ledger.reserve("run1:leg1", 320'000));
  CAF_CHECK(!ledger.reserve("run2:leg1", 320'000)); // two runs cannot over-commit
  CAF_CHECK_EQUAL(ledger.free(), 180'000);
  ledger.release("run1:leg1");
  CAF_CHECK_EQUAL(ledger.free(), 500'000);
  CAF_CHECK(ledger.reserve("run2:leg1", 320'000));
  ledger.rebase(300'000); // the broker says less now
  CAF_CHECK_EQUAL(ledger.free(), 0);
  CAF_CHECK(!ledger.reserve("x", 1));
  ledger.release("unknown");
  std::mt19937_64 rng{11};
  std::uniform_real_distribution<double> amount{0, 200'000};
  for (int i = 0; i < 10'000; ++i) {
    auto key = "k" + std::to_string(rng() % 50);
    switch (rng() % 3) {
      case 0:
        ledger.reserve(key, amount(rng));
        break;
      case 1:
        ledger.release(key);
        break;
      default:
        ledger.rebase(amount(rng) * 5);
    }
    CAF_REQUIRE(ledger.free() >= 0);
    CAF_REQUIRE(ledger.reserved() >= 0);
  }
}
