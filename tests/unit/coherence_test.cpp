#define CAF_SUITE domain.coherence
#include "domain/coherence.hpp"
#include "domain/pnl.hpp"
#include "domain/risk.hpp"

#include "tests/test.hpp"

using namespace algomirror;
using std::chrono::milliseconds;

namespace {

const utc_instant t0{std::chrono::sys_days{std::chrono::year{2026} / 12 / 1} +
                     std::chrono::hours{4}};

utc_instant at(int ms) {
  return t0 + milliseconds{ms};
}

} // namespace

CAF_TEST(prices of one instant are coherent and decide at once) {
  price_confirmation c;
  auto stale = c.begin(exit_reason::max_loss, {{true, at(0)}, {true, at(0)}, {false, at(-900)}});
  CAF_CHECK(stale.empty()); // a closed position's old price is not waited for
  CAF_CHECK(!c.active());
  CAF_CHECK(c.verdict(exit_reason::max_loss, false) == confirmation_verdict::fire);
  CAF_CHECK(c.verdict(std::nullopt, false) == confirmation_verdict::discard);
}

CAF_TEST(a crossing waits for every leg priced before it) {
  price_confirmation c;
  // Leg 2 ticked at +500 ms with the move; legs 0, 1 and 3 still show older prices.
  auto stale = c.begin(exit_reason::max_loss,
                       {{true, at(100)}, {true, at(200)}, {true, at(500)}, {true, at(480)}});
  CAF_REQUIRE_EQUAL(stale.size(), 3u);
  CAF_CHECK_EQUAL(stale[0], 0u);
  CAF_CHECK_EQUAL(stale[2], 3u);
  CAF_CHECK(c.active());
  CAF_CHECK(c.crossed_at() == at(500));
  CAF_CHECK(c.verdict(exit_reason::max_loss, false) == confirmation_verdict::wait);
  c.price(0, at(499)); // a tick from before the crossing refreshes nothing
  CAF_CHECK_EQUAL(c.waiting().size(), 3u);
  c.price(0, at(500)); // the same instant as the crossing counts
  c.price(1, at(620));
  CAF_CHECK(c.verdict(exit_reason::max_loss, false) == confirmation_verdict::wait);
  c.quoted(3); // the multiquotes read answered for the last one
  CAF_CHECK(c.waiting().empty());
  CAF_CHECK_EQUAL(c.refreshed_by_quote().size(), 1u);
  CAF_CHECK(c.verdict(exit_reason::max_loss, false) == confirmation_verdict::fire);
  CAF_CHECK(c.verdict(std::nullopt, false) == confirmation_verdict::discard); // refuted
  auto g = c.generation();
  c.reset();
  CAF_CHECK(!c.active());
  c.begin(exit_reason::max_loss, {{true, at(0)}, {true, at(1)}});
  CAF_CHECK_EQUAL(c.generation(), g + 1);
}

CAF_TEST(on timeout protective rules fire and profit rules never do) {
  price_confirmation c;
  c.begin(exit_reason::max_loss, {{true, at(0)}, {true, at(10)}});
  CAF_CHECK(c.verdict(exit_reason::max_loss, true) == confirmation_verdict::fire);
  CAF_CHECK(c.verdict(exit_reason::trailing_stop, true) == confirmation_verdict::fire);
  CAF_CHECK(c.verdict(exit_reason::max_profit, true) == confirmation_verdict::discard);
  CAF_CHECK(c.verdict(std::nullopt, true) == confirmation_verdict::discard);
  CAF_CHECK(protective_rule(exit_reason::max_loss));
  CAF_CHECK(protective_rule(exit_reason::trailing_stop));
  CAF_CHECK(!protective_rule(exit_reason::max_profit));
  CAF_CHECK(pnl_rule(exit_reason::max_profit));
  CAF_CHECK(!pnl_rule(exit_reason::supertrend_exit));
  CAF_CHECK(!pnl_rule(exit_reason::square_off));
}

// The real sandbox's case: a hedged NIFTY straddle, one lot (65), wings bought at 10 and 12,
// shorts sold at 100; NIFTY moves 26000 → 26100. The call's tick arrives first (100 → 150) and
// the put's (100 → 55) half a second later: the mix is −3,250 against a true −260.
CAF_TEST(the straddle mix that fired a false max loss is refuted) {
  auto pnl = [](double ce, double pe, double wce, double wpe) {
    return position_pnl(side::sell, 100, ce, 65) + position_pnl(side::sell, 100, pe, 65) +
           position_pnl(side::buy, 10, wce, 65) + position_pnl(side::buy, 12, wpe, 65);
  };
  strategy_risk_limits limits;
  limits.max_loss = 1000;
  risk_latches latches;
  trailing_stop_state trailing;
  risk_snapshot mix;
  mix.pnl = pnl(150, 100, 10, 12);
  CAF_CHECK_EQUAL(mix.pnl, -3250);
  auto d = crossed_rule(limits, mix, latches, trailing);
  CAF_REQUIRE(d.has_value());
  CAF_CHECK(d->rule == exit_reason::max_loss);
  CAF_CHECK(!latches.max_loss); // a crossing is not a firing
  price_confirmation c;
  auto stale = c.begin(d->rule, {{true, at(0)},
                                 {true, at(-400)},
                                 {true, at(-300)},
                                 {true, at(-350)}}); // CE, PE, wing CE, wing PE
  CAF_CHECK_EQUAL(stale.size(), 3u);
  for (size_t i : {1, 2, 3})
    c.price(i, at(500));
  risk_snapshot refreshed;
  refreshed.pnl = pnl(150, 55, 14, 9);
  CAF_CHECK_EQUAL(refreshed.pnl, -260);
  auto again = crossed_rule(limits, refreshed, latches, trailing);
  CAF_CHECK(!again.has_value());
  CAF_CHECK(c.verdict(std::nullopt, false) == confirmation_verdict::discard);
}

CAF_TEST(the trailing peak rises only on coherent P and L) {
  peak_candidate cand;
  // Prices of one instant: taken as they are.
  CAF_CHECK_EQUAL(coherent_peak_sample(cand, 100, at(0), at(0)).value_or(-1), 100);
  // A spike on a mix (one leg new at +500, the others at 0): held; the peak may take only the
  // lower of it and the coherent 100 before it.
  CAF_CHECK_EQUAL(coherent_peak_sample(cand, 5000, at(500), at(0)).value_or(-1), 100);
  // The candidate now is the spike; a snapshot with every leg at or after +500 shows 300: the
  // peak takes the lower of the two.
  cand = {};
  CAF_CHECK(!coherent_peak_sample(cand, 5000, at(500), at(0)).has_value());
  CAF_CHECK(!coherent_peak_sample(cand, 4800, at(700), at(200)).has_value()); // a leg still old
  CAF_CHECK_EQUAL(coherent_peak_sample(cand, 300, at(900), at(520)).value_or(-1), 300);
  // A real rise held over a round is taken.
  CAF_CHECK_EQUAL(coherent_peak_sample(cand, 900, at(1500), at(950)).value_or(-1), 300);
  CAF_CHECK_EQUAL(coherent_peak_sample(cand, 950, at(2000), at(1600)).value_or(-1), 900);
}

CAF_TEST(the split evaluation matches the one step evaluation) {
  strategy_risk_limits limits;
  limits.trailing = {threshold_kind::percentage, 20};
  limits.max_loss = 2000;
  risk_latches a, b;
  trailing_stop_state ta, tb;
  for (double pnl : {100.0, 1200.0, 500.0, 340.0, -2500.0}) {
    risk_snapshot s;
    s.pnl = pnl;
    s.net_premium = 4300;
    s.entries_settled = true;
    auto one = evaluate_strategy_risk(limits, s, a, ta);
    advance_trailing(limits, s, tb, s.pnl);
    auto two = crossed_rule(limits, s, b, tb);
    if (two)
      latch(b, two->rule);
    CAF_CHECK_EQUAL(one.has_value(), two.has_value());
    if (one && two)
      CAF_CHECK(one->rule == two->rule);
    CAF_CHECK_EQUAL(ta.stop, tb.stop);
  }
  CAF_CHECK(a.trailing_stop && b.trailing_stop);
}
