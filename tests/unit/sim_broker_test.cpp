#define CAF_SUITE sim.broker
#include "tests/test.hpp"

#include <cmath>

#include "sim/broker.hpp"

using namespace algomirror;
using namespace algomirror::sim;
using namespace std::chrono;

namespace {

struct sim_fixture {
  manual_clock time{*parse_iso8601("2026-11-25T10:00:00+05:30")};
  broker b{default_instruments(), time, 42};

  sim_fixture() {
    b.add_account("acc1", 10'000'000);
    b.set_spot("NIFTY", 24010);
  }

  std::string atm_call() {
    auto expiries = b.expiries("NIFTY", false);
    CAF_REQUIRE(!expiries.empty());
    return option_symbol("NIFTY", expiries.front(), 24000, option_type::ce);
  }

  place_request order(const std::string& symbol, side action, int64_t qty,
                      price_type kind = price_type::market, double price = 0,
                      double trigger = 0) {
    return {"acc1", "AM:1:1:1", {symbol, exchange::nfo}, action, qty, kind, product::nrml, price,
            trigger};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(sim_broker_tests, sim_fixture)

CAF_TEST(the instrument master lists expiries from the clock) {
  auto weekly = b.expiries("NIFTY", false);
  CAF_REQUIRE(weekly.size() >= 6);
  CAF_CHECK(weekly.front() == date{year{2026}, month{12}, day{1}}); // the next Tuesday
  auto monthly = b.expiries("BANKNIFTY", false);
  CAF_REQUIRE_EQUAL(monthly.size(), 3u); // monthly only: Dec, Jan, Feb (Nov's was the 24th)
  CAF_CHECK(monthly.front() == date{year{2026}, month{12}, day{29}});
  auto futures = b.expiries("NIFTY", true);
  CAF_CHECK_EQUAL(futures.size(), 3u);
  int64_t lot = 0;
  CAF_CHECK(b.known({atm_call(), exchange::nfo}, lot));
  CAF_CHECK_EQUAL(lot, 65);
  CAF_CHECK(!b.known({atm_call(), exchange::bfo}, lot));
  CAF_CHECK(!b.known({"NIFTY01DEC2624025CE", exchange::nfo}, lot)); // off the strike step
  CAF_CHECK(b.known({"NIFTY", exchange::nse_index}, lot));
}

CAF_TEST(quotes are consistent and move with the clock) {
  auto q = b.quote_of({atm_call(), exchange::nfo});
  CAF_REQUIRE(q.has_value());
  CAF_CHECK(q->ltp > 0 && q->bid > 0 && q->ask > q->bid);
  CAF_CHECK(q->low <= q->ltp && q->ltp <= q->high);
  auto spot = b.quote_of({"NIFTY", exchange::nse_index});
  CAF_REQUIRE(spot.has_value());
  CAF_CHECK_EQUAL(spot->ltp, 24010);
  time.advance(minutes{30});
  auto later = b.quote_of({"NIFTY", exchange::nse_index});
  CAF_CHECK(later->ltp != 24010);
  CAF_CHECK(!b.quote_of({"NOSUCH", exchange::nse}).has_value());
}

CAF_TEST(MARKET orders fill at the ask or the bid) {
  auto symbol = atm_call();
  auto q = *b.quote_of({symbol, exchange::nfo});
  auto buy = b.place(order(symbol, side::buy, 130));
  CAF_REQUIRE_EQUAL(buy.status, 200);
  CAF_CHECK_EQUAL(buy.broker_order_id.size(), 14u);
  auto o = *b.order("acc1", buy.broker_order_id);
  CAF_CHECK(o.status == order_status::complete);
  CAF_CHECK_EQUAL(o.average_price, q.ask);
  CAF_CHECK_EQUAL(o.price, q.ltp); // booked at the last price, as the sandbox does (not 0)
  CAF_CHECK_LESS(std::fabs(q.ask - q.ltp - 0.05), 1e-9); // the book: one tick either side
  CAF_CHECK_LESS(std::fabs(q.ltp - q.bid - 0.05), 1e-9);
  CAF_CHECK_EQUAL(o.filled_quantity, 130);
  auto sell = b.place(order(symbol, side::sell, 65));
  CAF_CHECK_EQUAL(b.order("acc1", sell.broker_order_id)->average_price, q.bid);
  auto positions = b.positions("acc1");
  CAF_REQUIRE_EQUAL(positions.size(), 1u);
  CAF_CHECK_EQUAL(positions[0].net_quantity, 65);
  CAF_CHECK_EQUAL(b.tradebook("acc1").size(), 2u);
  CAF_CHECK_EQUAL(b.ledger().size(), 2u);
  CAF_CHECK_EQUAL(b.ledger()[0].strategy_tag, "AM:1:1:1");
}

CAF_TEST(LIMIT orders fill at the LTP when marketable and at the limit later) {
  auto symbol = atm_call();
  auto q = *b.quote_of({symbol, exchange::nfo});
  auto marketable = b.place(order(symbol, side::buy, 65, price_type::limit, q.ltp + 10));
  CAF_CHECK_EQUAL(b.order("acc1", marketable.broker_order_id)->average_price, q.ltp);
  auto resting = b.place(order(symbol, side::buy, 65, price_type::limit, round_to_tick(q.ltp * 0.5)));
  CAF_CHECK(b.order("acc1", resting.broker_order_id)->status == order_status::open);
  b.set_spot("NIFTY", 22000); // the call collapses below the limit
  b.match();
  auto filled = *b.order("acc1", resting.broker_order_id);
  CAF_CHECK(filled.status == order_status::complete);
  CAF_CHECK_EQUAL(filled.average_price, round_to_tick(q.ltp * 0.5));
}

CAF_TEST(stop orders wait for their trigger) {
  auto symbol = atm_call();
  auto q = *b.quote_of({symbol, exchange::nfo});
  auto stop = b.place(order(symbol, side::sell, 65, price_type::stop_market, 0,
                            round_to_tick(q.ltp * 0.8)));
  CAF_CHECK(b.order("acc1", stop.broker_order_id)->status == order_status::trigger_pending);
  b.set_spot("NIFTY", 23700);
  b.match();
  auto o = *b.order("acc1", stop.broker_order_id);
  CAF_CHECK(o.status == order_status::complete);
  CAF_CHECK(o.average_price <= round_to_tick(q.ltp * 0.8));
}

CAF_TEST(bad orders are refused with the sandbox messages) {
  auto symbol = atm_call();
  auto lot = b.place(order(symbol, side::buy, 10));
  CAF_CHECK_EQUAL(lot.status, 400);
  CAF_CHECK_EQUAL(lot.message, "Quantity must be in multiples of lot size 65");
  auto unknown = b.place(order("NIFTY01DEC2699999CE", side::buy, 65));
  CAF_CHECK(unknown.message.find("not found on NFO") != std::string::npos);
  auto cnc = order(symbol, side::buy, 65);
  cnc.order_product = product::cnc;
  CAF_CHECK(b.place(cnc).message.find("CNC product not allowed") != std::string::npos);
  auto limit = b.place(order(symbol, side::buy, 65, price_type::limit, 0));
  CAF_CHECK_EQUAL(limit.message, "LIMIT orders require price");
  auto big = b.place(order(symbol, side::buy, 65 * 100'000));
  CAF_CHECK(big.message.find("Insufficient funds") == 0);
  CAF_CHECK(b.orderbook("acc1").empty()); // nothing was created
  CAF_CHECK_EQUAL(b.ledger().size(), 5u); // but every request is in the ledger
  CAF_CHECK(b.ledger()[0].outcome.find("rejected") == 0);
}

CAF_TEST(cancel only what is open) {
  auto symbol = atm_call();
  auto resting = b.place(order(symbol, side::buy, 65, price_type::limit, 0.05));
  auto c = b.cancel("acc1", resting.broker_order_id);
  CAF_CHECK_EQUAL(c.status, 200);
  auto again = b.cancel("acc1", resting.broker_order_id);
  CAF_CHECK_EQUAL(again.status, 400);
  CAF_CHECK_EQUAL(again.message, "Cannot cancel order in cancelled status");
  CAF_CHECK_EQUAL(b.cancel("acc1", "999").status, 404);
}

CAF_TEST(margin is blocked for opening and freed by closing) {
  auto symbol = atm_call();
  auto before = b.funds_of("acc1").available_cash;
  b.place(order(symbol, side::sell, 650));
  auto during = b.funds_of("acc1");
  CAF_CHECK(during.available_cash < before);
  CAF_CHECK(during.utilised_debits > 0);
  b.place(order(symbol, side::buy, 650));
  auto after = b.funds_of("acc1");
  CAF_CHECK_EQUAL(after.utilised_debits, 0);
  CAF_CHECK(after.m2m_realized < 0); // sold at the bid, bought back at the ask
  auto p = b.positions("acc1");
  CAF_REQUIRE_EQUAL(p.size(), 1u);
  CAF_CHECK_EQUAL(p[0].net_quantity, 0); // closed positions stay listed for the day
}

CAF_TEST(order faults reject delay and split fills) {
  auto symbol = atm_call();
  b.faults("acc1").reject = 1;
  auto rejected = b.place(order(symbol, side::buy, 65));
  CAF_CHECK_EQUAL(rejected.status, 200); // accepted with an id …
  auto r = *b.order("acc1", rejected.broker_order_id);
  CAF_CHECK(r.status == order_status::rejected); // … then rejected
  CAF_CHECK(!r.rejection_reason.empty());
  b.faults("acc1").delay_fill = std::chrono::seconds{5};
  auto delayed = b.place(order(symbol, side::buy, 65));
  CAF_CHECK(b.order("acc1", delayed.broker_order_id)->status == order_status::open);
  b.match();
  CAF_CHECK(b.order("acc1", delayed.broker_order_id)->status == order_status::open);
  time.advance(std::chrono::seconds{5});
  b.match();
  CAF_CHECK(b.order("acc1", delayed.broker_order_id)->status == order_status::complete);
  b.faults("acc1").delay_fill = {};
  b.faults("acc1").partial = 1;
  auto partial = b.place(order(symbol, side::sell, 260));
  auto p = *b.order("acc1", partial.broker_order_id);
  CAF_CHECK(p.status == order_status::open);
  CAF_CHECK_EQUAL(p.filled_quantity, 130);
  b.match();
  p = *b.order("acc1", partial.broker_order_id);
  CAF_CHECK(p.status == order_status::complete);
  CAF_CHECK_EQUAL(p.filled_quantity, 260);
  CAF_CHECK_EQUAL(b.tradebook("acc1").size(), 3u); // delayed + two partial trades
}

CAF_TEST(MIS positions are squared off at 15 15 and MIS entries refused after) {
  auto symbol = atm_call();
  auto mis = order(symbol, side::sell, 130);
  mis.order_product = product::mis;
  CAF_REQUIRE_EQUAL(b.place(mis).status, 200);
  CAF_REQUIRE_EQUAL(b.place(order(symbol, side::sell, 65)).status, 200); // NRML stays
  time.set(*parse_iso8601("2026-11-25T15:14:59+05:30"));
  b.match();
  CAF_CHECK_EQUAL(b.open_position("acc1", {symbol, exchange::nfo}, product::mis), -130);
  time.set(*parse_iso8601("2026-11-25T15:15:00+05:30"));
  b.match();
  CAF_CHECK_EQUAL(b.open_position("acc1", {symbol, exchange::nfo}, product::mis), 0);
  CAF_CHECK_EQUAL(b.open_position("acc1", {symbol, exchange::nfo}, product::nrml), -65);
  CAF_CHECK_EQUAL(b.ledger().back().strategy_tag, "Squareoff");
  auto late = b.place(mis);
  CAF_CHECK_EQUAL(late.status, 400);
  CAF_CHECK(late.message.find("square-off time") != std::string::npos);
}

CAF_TEST(the broker squares off positions by itself) {
  auto symbol = atm_call();
  b.place(order(symbol, side::sell, 130));
  CAF_CHECK_EQUAL(b.close_all("acc1"), 1);
  auto positions = b.positions("acc1");
  CAF_REQUIRE_EQUAL(positions.size(), 1u);
  CAF_CHECK_EQUAL(positions[0].net_quantity, 0);
  CAF_CHECK_EQUAL(b.ledger().back().strategy_tag, "Squareoff");
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(scripted prices step at their times) {
  auto script = sim::parse_price_script("time,underlying,spot\n"
                                        "2026-11-25T10:00:00,NIFTY,24000\n"
                                        "2026-11-25T10:05:00+05:30,NIFTY,23500\n");
  CAF_REQUIRE(script.ok());
  manual_clock time{*parse_iso8601("2026-11-25T09:59:00+05:30")};
  sim::broker b{default_instruments(), time, 1};
  b.set_script(*script);
  auto spot = [&] { return b.quote_of({"NIFTY", exchange::nse_index})->ltp; };
  CAF_CHECK_EQUAL(spot(), 24000); // before the first point: the first value
  time.advance(std::chrono::minutes{5});
  CAF_CHECK_EQUAL(spot(), 24000);
  time.advance(std::chrono::minutes{1});
  CAF_CHECK_EQUAL(spot(), 23500);
  auto bad = sim::parse_price_script("2026-11-25T10:00:00,NIFTY,abc\nnot a row\n");
  CAF_REQUIRE(!bad.ok());
  CAF_CHECK(bad.error().find("line 1: spot 'abc'") != std::string::npos);
  CAF_CHECK(bad.error().find("line 2:") != std::string::npos);
}
