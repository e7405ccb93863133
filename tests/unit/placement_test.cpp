#define CAF_SUITE domain.placement
#include "tests/test.hpp"

#include "domain/placement.hpp"

using namespace algomirror;

CAF_TEST(BUY legs enter first and shorts exit first with hedges mapped) {
  std::vector<placed_leg> legs = {
    {side::sell, leg_product::options, "NIFTY", "25NOV26", option_type::ce},
    {side::buy, leg_product::options, "NIFTY", "25NOV26", option_type::ce},
    {side::sell, leg_product::options, "NIFTY", "25NOV26", option_type::pe},
    {side::buy, leg_product::options, "NIFTY", "25NOV26", option_type::pe},
    {side::buy, leg_product::options, "NIFTY", "02DEC26", option_type::pe}, // other expiry
  };
  auto entry = entry_phases(legs);
  CAF_CHECK(entry.first == (std::vector<size_t>{1, 3, 4}));
  CAF_CHECK(entry.second == (std::vector<size_t>{0, 2}));
  auto exit = exit_phases(legs);
  CAF_CHECK(exit.first == (std::vector<size_t>{0, 2}));
  CAF_CHECK(exit.second == (std::vector<size_t>{1, 3, 4}));
  auto hedges = hedge_map(legs);
  CAF_CHECK(hedges[1] == std::optional<size_t>{0});
  CAF_CHECK(hedges[3] == std::optional<size_t>{2});
  CAF_CHECK(!hedges[4].has_value());
  CAF_CHECK(!hedges[0].has_value());
  // A hedge's own exit first exits the short it protects.
  CAF_CHECK(exit_sequence_for_leg(legs, 3) == (std::vector<size_t>{2, 3}));
  CAF_CHECK(exit_sequence_for_leg(legs, 0) == (std::vector<size_t>{0}));
  CAF_CHECK(exit_sequence_for_leg(legs, 4) == (std::vector<size_t>{4}));
}

CAF_TEST(exits go shorts first and a stuck short keeps its hedge) {
  using es = execution_status;
  // 0: CE wing (hedges 2), 1: PE wing (hedges 3), 2: CE short, 3: PE short.
  std::vector<exit_slot> a{{side::buy, es::entered, size_t{2}, false},
                           {side::buy, es::entered, size_t{3}, false},
                           {side::sell, es::entered, std::nullopt, false},
                           {side::sell, es::entered, std::nullopt, false}};
  CAF_CHECK(exits_due(a) == (std::vector<size_t>{2, 3}));
  a[2].told = a[3].told = true;
  a[2].status = a[3].status = es::exit_pending;
  CAF_CHECK(exits_due(a).empty()); // shorts in flight: no long is sold
  a[2].status = es::exited;
  CAF_CHECK(exits_due(a).empty()); // one short still open
  a[3].status = es::exit_stuck;
  std::vector<size_t> kept;
  CAF_CHECK(exits_due(a, &kept) == (std::vector<size_t>{0})); // the PE wing stays
  CAF_CHECK(kept == (std::vector<size_t>{1}));
  a[0].told = true;
  CAF_CHECK(exits_due(a).empty()); // told once
  // Without shorts (a bull call spread is BUY and SELL; a lone long is just sold).
  std::vector<exit_slot> lone{{side::buy, es::entered, std::nullopt, false},
                              {side::buy, es::failed, std::nullopt, false}};
  CAF_CHECK(exits_due(lone) == (std::vector<size_t>{0}));
  // A short whose entry is still in flight may yet fill: the longs wait for it.
  std::vector<exit_slot> flight{{side::buy, es::entered, size_t{1}, false, false},
                                {side::sell, es::pending, std::nullopt, false, true}};
  CAF_CHECK(exits_due(flight).empty());
  flight[1].status = es::failed; // cancelled, nothing filled
  CAF_CHECK(exits_due(flight) == (std::vector<size_t>{0}));
  // A short that never entered does not hold the longs back.
  std::vector<exit_slot> skipped{{side::buy, es::entered, size_t{1}, false},
                                 {side::sell, es::skipped, std::nullopt, false}};
  CAF_CHECK(exits_due(skipped) == (std::vector<size_t>{0}));
}

CAF_TEST(an exit is never more than the broker holds and never opens a reverse position) {
  // a long of 130 with 130 open at the broker: all of it
  CAF_CHECK_EQUAL(exit_quantity(side::buy, 130, 130), 130);
  // the broker holds less than we think (a partial exit elsewhere): only what is open
  CAF_CHECK_EQUAL(exit_quantity(side::buy, 130, 65), 65);
  // the broker holds more (another strategy's lots on the symbol): only ours
  CAF_CHECK_EQUAL(exit_quantity(side::buy, 65, 195), 65);
  // the broker is flat or already the other way: nothing, never a reverse order
  CAF_CHECK_EQUAL(exit_quantity(side::buy, 65, 0), 0);
  CAF_CHECK_EQUAL(exit_quantity(side::buy, 65, -65), 0);
  // shorts: broker_net is negative while the short is open
  CAF_CHECK_EQUAL(exit_quantity(side::sell, 75, -75), 75);
  CAF_CHECK_EQUAL(exit_quantity(side::sell, 75, -25), 25);
  CAF_CHECK_EQUAL(exit_quantity(side::sell, 75, 50), 0);
  CAF_CHECK_EQUAL(exit_quantity(side::sell, 0, -75), 0);
  // property: for every case, 0 <= exit <= remaining and the broker's net never changes sign
  for (auto pos : {side::buy, side::sell})
    for (int64_t remaining = 0; remaining <= 300; remaining += 25)
      for (int64_t net = -300; net <= 300; net += 25) {
        auto q = exit_quantity(pos, remaining, net);
        CAF_REQUIRE(q >= 0 && q <= remaining);
        auto after = pos == side::buy ? net - q : net + q;
        CAF_REQUIRE(net == 0 || after == 0 || (after > 0) == (net > 0));
      }
}

CAF_TEST(the two books agree on the smaller net in one direction or on nothing) {
  CAF_CHECK_EQUAL(cross_checked_net(130, 130), 130);
  CAF_CHECK_EQUAL(cross_checked_net(130, 65), 65);
  CAF_CHECK_EQUAL(cross_checked_net(-65, -130), -65);
  CAF_CHECK_EQUAL(cross_checked_net(65, -65), 0);
  CAF_CHECK_EQUAL(cross_checked_net(0, 65), 0);
}
