#define CAF_SUITE domain.reconcile
#include "tests/test.hpp"

#include "domain/reconcile.hpp"

using namespace algomirror;

namespace {

execution_state short_leg(execution_status status) {
  execution_state e;
  e.execution_id = 21;
  e.run_id = 9;
  e.inst = {"NIFTY01DEC2626000PE", exchange::nfo};
  e.action = side::sell;
  e.quantity = 130;
  e.entry_price = 100;
  e.status = status;
  return e;
}

broker_order order(std::string id, side action, int64_t qty, int64_t filled, double price,
                   order_status status, std::string tag) {
  broker_order o;
  o.broker_order_id = std::move(id);
  o.inst = {"NIFTY01DEC2626000PE", exchange::nfo};
  o.action = action;
  o.quantity = qty;
  o.filled_quantity = filled;
  o.average_price = price;
  o.status = status;
  o.strategy_tag = std::move(tag);
  return o;
}

} // namespace

CAF_TEST(an entry is found by its tag and applied as the broker filled it) {
  auto e = short_leg(execution_status::pending);
  std::vector<broker_order> book{
    order("A1", side::sell, 65, 65, 100, order_status::complete, "AM:9:21:0"),
    order("A2", side::sell, 65, 65, 102, order_status::complete, "AM:9:21:0"),
    order("Z9", side::sell, 65, 65, 50, order_status::complete, "someone else")};
  auto d = reconcile_execution(e, book, -130);
  CAF_CHECK(d.action == recovery_action::entered);
  CAF_CHECK_EQUAL(d.quantity, 130);
  CAF_CHECK_EQUAL(d.price, 101);
  CAF_CHECK_EQUAL(d.order_ids.size(), 2u);
  book[1].status = order_status::open;
  book[1].filled_quantity = 0;
  CAF_CHECK(reconcile_execution(e, book, -65).action == recovery_action::track);
  CAF_CHECK(reconcile_execution(e, {}, 0).action == recovery_action::entry_failed);
  auto rejected = order("A1", side::sell, 130, 0, 0, order_status::rejected, "AM:9:21:0");
  CAF_CHECK(reconcile_execution(e, {rejected}, 0).action == recovery_action::entry_failed);
}

CAF_TEST(a position the broker no longer has is closed and one it still has stays open) {
  auto e = short_leg(execution_status::entered);
  CAF_CHECK(reconcile_execution(e, {}, 0).action == recovery_action::closed_by_broker);
  CAF_CHECK(reconcile_execution(e, {}, 65).action == recovery_action::closed_by_broker);
  auto d = reconcile_execution(e, {}, -130);
  CAF_CHECK(d.action == recovery_action::keep_open);
  CAF_CHECK_EQUAL(d.quantity, 130);
  auto less = reconcile_execution(e, {}, -65);
  CAF_CHECK_EQUAL(less.quantity, 65);
}

CAF_TEST(an exit claim is resolved from the orderbook before anything is sent again) {
  auto e = short_leg(execution_status::exit_pending);
  e.exit_attempts = 2;
  // The second attempt's order filled while the node was down: exited at its price.
  std::vector<broker_order> book{
    order("X1", side::buy, 130, 0, 0, order_status::rejected, "AM:9:21:1"),
    order("X2", side::buy, 130, 130, 120, order_status::complete, "AM:9:21:2")};
  auto done = reconcile_execution(e, book, 0);
  CAF_CHECK(done.action == recovery_action::exited);
  CAF_CHECK_EQUAL(done.price, 120);
  // Still open at the broker: adopted, not sent again.
  book[1].status = order_status::open;
  book[1].filled_quantity = 0;
  CAF_CHECK(reconcile_execution(e, book, -130).action == recovery_action::track);
  // No order of ours, the position still there: only now may the exit go out again.
  auto resend = reconcile_execution(e, {}, -130);
  CAF_CHECK(resend.action == recovery_action::send_exit);
  CAF_CHECK_EQUAL(resend.quantity, 130);
  // No order of ours and no position: someone else closed it.
  CAF_CHECK(reconcile_execution(e, {}, 0).action == recovery_action::closed_by_broker);
  // A partial fill: the rest goes out again, sized by the broker.
  book[1].status = order_status::cancelled;
  book[1].filled_quantity = 65;
  auto rest = reconcile_execution(e, book, -65);
  CAF_CHECK(rest.action == recovery_action::send_exit);
  CAF_CHECK_EQUAL(rest.quantity, 65);
  // An order with a tag of ours but the entry's side is not an exit.
  auto wrong_side = order("X3", side::sell, 130, 130, 90, order_status::complete, "AM:9:21:1");
  CAF_CHECK(reconcile_execution(e, {wrong_side}, -130).action == recovery_action::send_exit);
}

CAF_TEST(closed executions need nothing) {
  for (auto s : {execution_status::exited, execution_status::failed, execution_status::skipped})
    CAF_CHECK(reconcile_execution(short_leg(s), {}, -130).action == recovery_action::none);
}
