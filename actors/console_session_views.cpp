// The console session's read views (operating.md §2): the brokers' books across the user's
// accounts, and `status` gathered from the node's parts at once.

#include <memory>

#include <caf/actor_system.hpp>

#include "actors/internal/console_session_state.hpp"

namespace algomirror::console_internal {

caf::result<std::vector<account_book>> books(session_pointer self, book_kind kind,
                                             const std::string& account) {
  auto& st = self->state;
  touch(self);
  std::vector<account_record> targets;
  for (auto& a : my_accounts(st))
    if (account.empty() || a.name == account)
      targets.push_back(a);
  if (targets.empty()) {
    if (!account.empty())
      return not_found("no account named '" + account + "' ('accounts' lists yours)");
    return std::vector<account_book>{};
  }
  auto rp = self->make_response_promise<std::vector<account_book>>();
  auto out = std::make_shared<std::vector<account_book>>(targets.size());
  auto pending = std::make_shared<size_t>(targets.size());
  auto done = [rp, out, pending]() mutable {
    if (--*pending == 0)
      rp.deliver(std::move(*out));
  };
  for (size_t i = 0; i < targets.size(); ++i) {
    (*out)[i].account_id = targets[i].id;
    (*out)[i].account = targets[i].name;
    auto fail = [self, out, i, done](const caf::error& err) mutable {
      (*out)[i].error = self->system().render(err);
      done();
    };
    with_account_actor(
        self, targets[i].id,
        [self, kind, out, i, done, fail](const account_actor& a) mutable {
          switch (kind) {
            case book_kind::funds:
              self->request(a, ask_timeout, funds_atom_v)
                .then([out, i, done](const funds& f) mutable {
                        (*out)[i].cash = f;
                        done();
                      },
                      fail);
              break;
            case book_kind::positions:
              self->request(a, ask_timeout, positions_atom_v, caf::reset_atom_v)
                .then([out, i, done](std::vector<broker_position>& p) mutable {
                        (*out)[i].positions = std::move(p);
                        done();
                      },
                      fail);
              break;
            case book_kind::orders:
              self->request(a, ask_timeout, orders_atom_v)
                .then([out, i, done](std::vector<broker_order>& o) mutable {
                        (*out)[i].orders = std::move(o);
                        done();
                      },
                      fail);
              break;
            case book_kind::trades:
              self->request(a, ask_timeout, trades_atom_v)
                .then([out, i, done](std::vector<broker_trade>& t) mutable {
                        (*out)[i].trades = std::move(t);
                        done();
                      },
                      fail);
              break;
            case book_kind::holdings:
              self->request(a, ask_timeout, holdings_atom_v)
                .then([out, i, done](std::vector<broker_position>& h) mutable {
                        (*out)[i].holdings = std::move(h);
                        done();
                      },
                      fail);
              break;
          }
        },
        fail);
  }
  return rp;
}

void answer_status(session_pointer self, caf::typed_response_promise<console_status> rp) {
  auto& st = self->state;
  auto out = std::make_shared<console_status>();
  out->user = st.user.username;
  out->is_admin = st.user.is_admin;
  for (auto& a : my_accounts(st))
    out->accounts.push_back(view_of(a));
  auto node = st.cfg.node;
  auto pending = std::make_shared<size_t>(5);
  auto failed = std::make_shared<caf::error>();
  auto done = [rp, out, pending, failed]() mutable {
    if (--*pending != 0)
      return;
    if (*failed)
      rp.deliver(*failed);
    else
      rp.deliver(*out);
  };
  auto ignore = [done](const caf::error&) mutable { done(); };
  self->request(node, ask_timeout, caf::get_atom_v, status_atom_v)
    .then([out, done](const node_status& ns) mutable {
            out->node = ns;
            done();
          },
          [failed, done](const caf::error& err) mutable {
            *failed = err;
            done();
          });
  self->request(node, ask_timeout, caf::get_atom_v, lease_atom_v)
    .then([out, done](const lease_info& l) mutable {
            out->lease = l;
            done();
          },
          ignore);
  self->request(node, ask_timeout, caf::get_atom_v, run_atom_v, caf::tick_atom_v)
    .then(
      [self, out, done](std::vector<run_status>& all) mutable {
        // The runs' headlines (the node leaves their legs out: they are for `show`).
        for (auto& r : mine(self->state, std::move(all)))
          if (!finished(r))
            out->runs.push_back(std::move(r));
        done();
      },
      ignore);
  self->request(node, ask_timeout, caf::get_atom_v, feed_atom_v)
    .then(
      [self, out, done, ignore](const price_feed_actor& feed) mutable {
        self->request(feed, ask_timeout, caf::get_atom_v, status_atom_v)
          .then([out, done](const feed_state& fs) mutable {
                  out->feed = fs;
                  done();
                },
                ignore);
      },
      ignore);
  with_health(self, out->accounts, [out, done](std::vector<account_view> views) mutable {
    out->accounts = std::move(views);
    done();
  });
}

} // namespace algomirror::console_internal
