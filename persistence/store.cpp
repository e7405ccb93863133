#include "persistence/store.hpp"

#include <deque>
#include <functional>
#include <spdlog/spdlog.h>
#include <unordered_map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "persistence/loaders.hpp"
#include "persistence/writes.hpp"

namespace algomirror {

namespace {

using clock_time = caf::actor_clock::time_point;

/// How a write is answered: with the error (empty = success) and the row id it produced.
using reply_fn = std::function<void(const caf::error&, int64_t)>;

struct queued_write {
  std::string key; ///< coalescing key ("execution:42"); empty = never coalesced
  prepared_write write;
  bool durable = false;
  /// An exit's write, named ("the exit claim", "the exit order's intent"): answered at once
  /// while the database is down, so the exit goes out (trading-rules.md §10 step 7); written
  /// when it is back. Null for every other write.
  const char* exit_write = nullptr;
  clock_time not_before{};
  std::vector<reply_fn> replies;
  std::string failure; ///< set when the database refused this write (bad input)
  int64_t id = 0;
  bool done = false; ///< committed (or refused) and answered; leaves the queue
};

using write_ptr = std::shared_ptr<queued_write>;

struct store_state {
  std::shared_ptr<database> db;
  /// The store's timers live in a linked helper: a pending delayed message to a detached actor
  /// holds it, and ~actor_system waits for a detached actor's last reference (caf-0.17-notes):
  /// the helper's own pending messages hold only the helper.
  caf::actor timers;
  store_config cfg;
  std::deque<write_ptr> queue;
  std::unordered_map<std::string, write_ptr> by_key;
  std::unordered_map<std::string, clock_time> last_written;
  std::vector<caf::typed_response_promise<store_stats>> flush_waiters;
  bool timer_armed = false;
  /// A durable write waits for the mailbox's others (group commit), and is written without the
  /// routine queue (exits first).
  bool durable_flush_soon = false;
  bool chunk_soon = false; ///< the next chunk of a routine backlog is due (after the mailbox)
  bool retry_armed = false;
  std::chrono::milliseconds backoff{0};
  clock_time down_since{};
  std::string last_error;
  store_stats stats;
  uint64_t sequence = 0;
  uint64_t full_refusals = 0; ///< told rows refused while the queue was full
  clock_time last_commit{};     ///< the store is idle once this is checkpoint_idle old
  bool checkpoint_armed = false;
  static inline const char* name = "store";
};

/// The store's own interface: the public one and its timers.
/// Timer ticks (routine flushes, the next chunk), the group commit of the durable writes alone,
/// the retries while the database is down, and the log's checkpoint once writes settle.
using store_impl = store_actor::extend<caf::reacts_to<caf::tick_atom>,
                                       caf::reacts_to<caf::tick_atom, durable_atom>,
                                       caf::reacts_to<retry_atom>, caf::reacts_to<settle_atom>>;

using store_pointer = store_impl::stateful_pointer<store_state>;

/// A bad write: the database refused it (constraint), or it updates a row that is not there.
struct bad_write : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void apply(database& db, queued_write& w) {
  uint64_t changed = 0;
  for (auto& st : w.write.statements) {
    changed = db.execute(*st.sql, st.values);
    if (w.write.must_change_rows && changed == 0)
      throw bad_write("no row to update (" + st.sql->substr(7, st.sql->find(' ', 7) - 7)
                      + " id " + std::visit(
                                   [](const auto& v) -> std::string {
                                     using T = std::decay_t<decltype(v)>;
                                     if constexpr (std::is_same_v<T, int64_t>)
                                       return std::to_string(v);
                                     else
                                       return "?";
                                   },
                                   st.values.back())
                      + ")");
  }
  if (w.write.id_query != nullptr) {
    // A creation that inserted its row: the backend may know the id (SQLite) without the
    // query; one that found its row already there (a replay) asks.
    if (w.write.statements.size() == 1 && changed == 1)
      if (auto id = db.last_insert_id()) {
        w.id = *id;
        return;
      }
    auto rows = db.query(*w.write.id_query, w.write.id_query_values);
    if (rows.empty() || !rows[0][0])
      throw bad_write("the created row cannot be found again");
    w.id = std::stoll(*rows[0][0]);
  }
}

class store_logic {
public:
  explicit store_logic(store_pointer self) : self_(self), st_(self->state) {}

  /// `follows`: the key of a routine row the (durable) write must be written after — an exit
  /// claim updates the execution's row, so that row's queued P&L write (with the status from
  /// before) goes in the same transaction, before it, or it would undo the claim.
  void enqueue(std::string key, prepared_write write, bool durable, const char* exit_write,
               reply_fn reply, const std::string& follows = {}) {
    if (!write.error.empty()) {
      ++st_.stats.writes_rejected;
      if (told())
        spdlog::warn("store: {} refused: {}", key.empty() ? "a row" : key, write.error);
      reply(make_error(errc::invalid_input, write.error), 0);
      return;
    }
    if (!durable && st_.queue.size() >= st_.cfg.queue_bound) {
      ++st_.stats.writes_rejected;
      std::string text = "the store's queue is full (" + std::to_string(st_.queue.size())
                         + " writes): keep the latest value and retry";
      // Under overload every told row is refused: the first and one in a thousand are logged.
      if (told() && st_.full_refusals++ % 1000 == 0)
        spdlog::warn("store: {} refused ({} so far): {}", key.empty() ? "a row" : key,
                     st_.full_refusals, text);
      reply(make_error(errc::unavailable, std::move(text)), 0);
      return;
    }
    ++st_.stats.writes_accepted;
    write_ptr item;
    if (!key.empty()) {
      if (auto i = st_.by_key.find(key); i != st_.by_key.end()) {
        // Latest value wins: the queued write of this key takes the new value and will answer
        // both writers once it commits.
        item = i->second;
        item->write = std::move(write);
        item->durable = item->durable || durable;
        item->replies.push_back(std::move(reply));
        ++st_.stats.writes_coalesced;
      }
    }
    if (!item) {
      item = std::make_shared<queued_write>();
      item->key = std::move(key);
      item->write = std::move(write);
      item->durable = durable;
      item->exit_write = exit_write;
      item->replies.push_back(std::move(reply));
      if (!item->key.empty()) {
        if (auto i = st_.last_written.find(item->key); i != st_.last_written.end())
          item->not_before = i->second + st_.cfg.coalesce_window;
        st_.by_key.emplace(item->key, item);
      }
      st_.queue.push_back(item);
    }
    if (!follows.empty())
      if (auto i = st_.by_key.find(follows); i != st_.by_key.end())
        i->second->durable = true; // queued before it: written before it, in its transaction
    st_.stats.queued = st_.queue.size();
    if (!st_.stats.database_up) {
      if (exit_write != nullptr)
        answer_not_durable(*item);
      return; // the retry timer writes it when the database is back
    }
    if (st_.queue.size() >= st_.cfg.batch_rows) {
      flush(false);
    } else if (item->durable) {
      // Group commit: the flush comes after the writes already in the mailbox, so 400 exit
      // intents arriving together are one transaction, not 400 (each is still committed
      // before it is answered).
      if (!st_.durable_flush_soon) {
        st_.durable_flush_soon = true;
        self_->send(self_, caf::tick_atom_v, durable_atom_v);
      }
    } else {
      arm_timer();
    }
  }

  /// A routine row told (not asked for an answer): a refusal is logged by the store, since no
  /// one hears the answer.
  bool told() const {
    auto* e = self_->current_mailbox_element();
    return e == nullptr || !e->mid.is_request();
  }

  void on_timer() {
    st_.timer_armed = false;
    st_.chunk_soon = false;
    if (st_.stats.database_up)
      flush(false);
  }

  /// Group commit of the durable writes: every one in the mailbox before it, in one
  /// transaction; the routine queue waits for its timer (or a full batch).
  void on_durable_flush() {
    st_.durable_flush_soon = false;
    if (st_.stats.database_up)
      flush(false, true);
  }

  void on_retry() {
    st_.retry_armed = false;
    flush(!st_.flush_waiters.empty());
  }

  /// Writes everything queued now; false while the database is down.
  bool flush_now() {
    if (!st_.stats.database_up)
      return false;
    flush(true);
    return st_.stats.database_up;
  }

  /// The write-ahead log is copied into the database while nothing is being written (an exit's
  /// commit never pays for it), or at once when it has grown past its bound.
  void on_settled() {
    st_.checkpoint_armed = false;
    maybe_checkpoint();
  }

  void maybe_checkpoint() {
    auto& db = *st_.db;
    auto pages = db.log_pages();
    if (pages < st_.cfg.checkpoint_pages || !st_.stats.database_up)
      return;
    auto now = self_->clock().now();
    bool idle = st_.queue.empty() && now - st_.last_commit >= st_.cfg.checkpoint_idle;
    if (!idle && pages < st_.cfg.checkpoint_pages_max) {
      if (!st_.checkpoint_armed) {
        st_.checkpoint_armed = true;
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::max(st_.last_commit + st_.cfg.checkpoint_idle - now, clock_time::duration{0}));
        caf::anon_send(st_.timers, settle_atom_v,
                       static_cast<int64_t>(std::max(wait, std::chrono::milliseconds{1}).count()));
      }
      return;
    }
    try {
      db.checkpoint();
      ++st_.stats.checkpoints;
      spdlog::debug("store: log checkpoint of {} pages ({} left)", pages, db.log_pages());
    } catch (const database_error& e) {
      spdlog::warn("store: log checkpoint failed (tried again later): {}", e.what());
    }
  }

  void flush_all(caf::typed_response_promise<store_stats> rp) {
    st_.flush_waiters.push_back(std::move(rp));
    if (st_.stats.database_up)
      flush(true);
  }

private:
  void arm_timer() {
    if (st_.timer_armed || st_.queue.empty())
      return;
    st_.timer_armed = true;
    auto delay = st_.cfg.flush_interval;
    auto now = self_->clock().now();
    // A queue of only deferred writes (coalescing window) waits until the first is due.
    bool any_ready = false;
    clock_time first_due = clock_time::max();
    for (auto& w : st_.queue) {
      if (w->durable || w->not_before <= now)
        any_ready = true;
      first_due = std::min(first_due, w->not_before);
    }
    if (!any_ready && first_due > now)
      delay = std::max(delay, std::chrono::duration_cast<std::chrono::milliseconds>(
                                first_due - now + std::chrono::milliseconds{1}));
    caf::anon_send(st_.timers, caf::tick_atom_v, static_cast<int64_t>(delay.count()));
  }

  /// An exit is never blocked by the database: its claim and its order's intent are answered
  /// at once (not durable yet) and stay queued (trading-rules.md §10 step 7).
  void answer_not_durable(queued_write& w) {
    for (auto& reply : w.replies)
      reply(make_error(errc::storage_down,
                       std::string{w.exit_write} + " is not durable yet (database down: "
                         + st_.last_error
                         + "); it is queued and will be written when the database is back"),
            0);
    w.replies.clear();
  }

  /// `force`: everything queued; `durable_only`: the durable writes (exits first); else the
  /// durable writes and the routine ones that are due.
  void flush(bool force, bool durable_only = false) {
    auto now = self_->clock().now();
    std::vector<write_ptr> batch;
    batch.reserve(st_.queue.size());
    size_t routine = 0;
    bool more = false; // routine writes due beyond this chunk
    for (auto& w : st_.queue) {
      if (force || w->durable) {
        batch.push_back(w);
      } else if (!durable_only && w->not_before <= now) {
        if (routine < st_.cfg.chunk_rows) {
          ++routine;
          batch.push_back(w);
        } else {
          more = true;
        }
      }
    }
    if (!batch.empty()) {
      auto& db = *st_.db;
      try {
        write_batch(db, batch);
      } catch (const database_error& e) {
        if (e.what_kind == database_error::kind::transient) {
          on_outage(e.what());
          return;
        }
        // Bad input somewhere in the batch: write each in its own savepoint, report the bad.
        try {
          write_one_by_one(db, batch);
        } catch (const database_error& e2) {
          on_outage(e2.what());
          return;
        }
      } catch (const bad_write&) {
        try {
          write_one_by_one(db, batch);
        } catch (const database_error& e2) {
          on_outage(e2.what());
          return;
        }
      }
      on_committed(batch, now);
    }
    st_.stats.queued = st_.queue.size();
    if (st_.queue.empty()) {
      for (auto& rp : st_.flush_waiters)
        rp.deliver(st_.stats);
      st_.flush_waiters.clear();
    } else if (more && st_.stats.database_up) {
      // The next chunk after the messages already in the mailbox (durable ones go first).
      if (!st_.chunk_soon) {
        st_.chunk_soon = true;
        self_->send(self_, caf::tick_atom_v);
      }
    } else {
      arm_timer();
    }
  }

  /// Can `w` share one multi-row statement with its neighbours? Inserts always (a conflict
  /// does nothing, whatever the order); updates only when keyed, since a key is queued once,
  /// so no two rows of one statement update the same row.
  static bool groupable(const queued_write& w) {
    if (w.write.statements.size() != 1 || w.write.id_query != nullptr)
      return false;
    auto* b = w.write.statements[0].batch;
    return b != nullptr && (b->kind == batch_shape::form::insert || !w.key.empty());
  }

  void write_batch(database& db, std::vector<write_ptr>& batch) {
    db.begin();
    try {
      std::vector<const std::vector<sql_value>*> rows;
      for (size_t i = 0; i < batch.size();) {
        if (!groupable(*batch[i])) {
          apply(db, *batch[i++]);
          continue;
        }
        // A run of writes of the same form goes out as multi-row statements.
        auto& first = batch[i]->write.statements[0];
        rows.clear();
        size_t j = i;
        bool must_change = false;
        for (; j < batch.size() && groupable(*batch[j])
               && batch[j]->write.statements[0].batch == first.batch;
             ++j) {
          rows.push_back(&batch[j]->write.statements[0].values);
          must_change = must_change || batch[j]->write.must_change_rows;
        }
        auto changed = db.execute_batch(*first.batch, *first.sql, rows);
        if (must_change && changed < rows.size())
          throw bad_write("an update found no row"); // the slow path names which
        i = j;
      }
      db.commit();
    } catch (...) {
      db.rollback();
      throw;
    }
  }

  void write_one_by_one(database& db, std::vector<write_ptr>& batch) {
    db.begin();
    try {
      for (auto& w : batch) {
        db.execute_script("SAVEPOINT one_write");
        try {
          apply(db, *w);
          db.execute_script("RELEASE SAVEPOINT one_write");
        } catch (const database_error& e) {
          if (e.what_kind == database_error::kind::transient)
            throw;
          db.execute_script("ROLLBACK TO SAVEPOINT one_write");
          db.execute_script("RELEASE SAVEPOINT one_write");
          w->failure = e.what();
        } catch (const bad_write& e) {
          db.execute_script("ROLLBACK TO SAVEPOINT one_write");
          db.execute_script("RELEASE SAVEPOINT one_write");
          w->failure = e.what();
        }
      }
      db.commit();
    } catch (...) {
      db.rollback();
      throw;
    }
  }

  void on_committed(std::vector<write_ptr>& batch, clock_time now) {
    if (!st_.stats.database_up) {
      auto down_for = std::chrono::duration_cast<std::chrono::milliseconds>(now - st_.down_since);
      spdlog::warn("store: database {} is back after {} ms; writing {} queued writes",
                   st_.db->display_url(), down_for.count(), st_.queue.size());
      st_.stats.database_up = true;
    }
    st_.backoff = std::chrono::milliseconds{0};
    ++st_.stats.transactions;
    st_.last_commit = now;
    for (auto& w : batch) {
      if (w->failure.empty()) {
        st_.stats.rows_written += w->write.statements.size();
        if (!w->key.empty())
          st_.last_written[w->key] = now;
      } else {
        ++st_.stats.writes_rejected;
        spdlog::warn("store: write refused by the database: {}", w->failure);
      }
      if (!w->key.empty()) {
        if (auto i = st_.by_key.find(w->key); i != st_.by_key.end() && i->second == w)
          st_.by_key.erase(i);
      }
      auto error = w->failure.empty() ? caf::error{}
                                      : make_error(errc::invalid_input, w->failure);
      for (auto& reply : w->replies)
        reply(error, w->id);
      w->replies.clear();
      w->done = true;
    }
    std::erase_if(st_.queue, [](const write_ptr& w) { return w->done; });
    maybe_checkpoint();
  }

  void on_outage(const std::string& error) {
    ++st_.stats.failed_flushes;
    st_.last_error = error;
    if (st_.stats.database_up) {
      st_.stats.database_up = false;
      ++st_.stats.outages;
      st_.down_since = self_->clock().now();
      spdlog::error("store: database {} unavailable: {}; keeping {} writes queued and retrying",
                    st_.db->display_url(), error, st_.queue.size());
    }
    for (auto& w : st_.queue)
      if (w->exit_write != nullptr && !w->replies.empty())
        answer_not_durable(*w);
    st_.backoff = st_.backoff.count() == 0 ? st_.cfg.retry_initial
                                            : std::min(st_.backoff * 2, st_.cfg.retry_max);
    if (!st_.retry_armed) {
      st_.retry_armed = true;
      caf::anon_send(st_.timers, retry_atom_v, static_cast<int64_t>(st_.backoff.count()));
    }
  }

  store_pointer self_;
  store_state& st_;
};

/// An execution row's coalescing key ("execution:42"); none for a row not created yet.
std::string execution_key(int64_t execution_id) {
  return execution_id != 0 ? "execution:" + std::to_string(execution_id) : std::string{};
}

/// An exit claim, durable and never held back by the database (§10 step 7); the execution's
/// routine row queued before it goes along, before it (it would undo the claim after it).
void enqueue_claim(store_logic& logic, const exit_claim& x, reply_fn reply) {
  logic.enqueue({}, prepare_write(x), true, "the exit claim", std::move(reply),
                execution_key(x.execution_id));
}

template <class T>
reply_fn ok_reply(caf::typed_response_promise<T> rp) {
  if (!rp.pending()) // told, not asked: nobody to answer (a refusal is logged by the store)
    return [](const caf::error&, int64_t) {};
  return [rp](const caf::error& err, int64_t) mutable {
    if (err)
      rp.deliver(err);
    else
      rp.deliver(caf::ok_atom_v);
  };
}

template <class T>
reply_fn sequence_reply(store_pointer self, caf::typed_response_promise<T> rp) {
  return [self, rp](const caf::error& err, int64_t) mutable {
    if (err)
      rp.deliver(err);
    else
      rp.deliver(++self->state.sequence);
  };
}

template <class T>
reply_fn id_reply(caf::typed_response_promise<T> rp, int64_t known_id) {
  return [rp, known_id](const caf::error& err, int64_t id) mutable {
    if (err)
      rp.deliver(err);
    else
      rp.deliver(id != 0 ? id : known_id);
  };
}

store_impl::behavior_type store(store_pointer self, std::shared_ptr<database> db,
                                 store_config cfg) {
  self->state.db = std::move(db);
  self->state.cfg = cfg;
  try {
    self->state.db->defer_checkpoints(); // the store takes them when no write waits (settle)
  } catch (const database_error& e) {
    spdlog::warn("store: the log is checkpointed by SQLite itself ({})", e.what());
  }
  spdlog::info("store: {} database {} open", self->state.db->backend(),
               self->state.db->display_url());
  auto logic = std::make_shared<store_logic>(self);
  store_impl me = self;
  self->state.timers = self->spawn<caf::linked>([me](caf::event_based_actor* t) -> caf::behavior {
    using ms = std::chrono::milliseconds;
    return {
      [=](caf::tick_atom, int64_t delay) { t->delayed_send(t, ms{delay}, caf::tick_atom_v); },
      [=](caf::tick_atom) { t->send(me, caf::tick_atom_v); },
      [=](retry_atom, int64_t delay) { t->delayed_send(t, ms{delay}, retry_atom_v); },
      [=](retry_atom) { t->send(me, retry_atom_v); },
      [=](settle_atom, int64_t delay) { t->delayed_send(t, ms{delay}, settle_atom_v); },
      [=](settle_atom) { t->send(me, settle_atom_v); },
    };
  });
  return {
    [=](write_atom, const activity_entry& x) {
      auto rp = self->make_response_promise<caf::ok_atom>();
      logic->enqueue({}, prepare_write(x), false, nullptr, ok_reply(rp));
      return rp;
    },
    [=](write_atom, const execution_state& x) {
      // An execution without an id is created in the next batch (no id is answered: use the
      // durable write when the id is needed at once); one with an id is updated, coalesced.
      auto rp = self->make_response_promise<caf::ok_atom>();
      auto key = execution_key(x.execution_id);
      auto write = prepare_write(x);
      write.id_query = nullptr; // a routine creation answers no id
      logic->enqueue(std::move(key), std::move(write), false, nullptr, ok_reply(rp));
      return rp;
    },
    [=](write_atom, const run_record& x) {
      auto rp = self->make_response_promise<caf::ok_atom>();
      if (x.id == 0) {
        rp.deliver(make_error(errc::invalid_input,
                              "strategy_runs.id: a routine update needs the run's id; create "
                              "the row with a durable write first"));
        return rp;
      }
      logic->enqueue("run:" + std::to_string(x.id), prepare_write(x), false, nullptr,
                     ok_reply(rp));
      return rp;
    },
    [=](write_atom, const account_status& x) {
      auto rp = self->make_response_promise<caf::ok_atom>();
      logic->enqueue("account:" + std::to_string(x.account_id), prepare_write(x), false, nullptr,
                     ok_reply(rp));
      return rp;
    },
    [=](write_atom, const failover_event& x) {
      auto rp = self->make_response_promise<caf::ok_atom>();
      logic->enqueue({}, prepare_write(x), false, nullptr, ok_reply(rp));
      return rp;
    },
    [=](write_atom, const ws_connection_record& x) {
      auto rp = self->make_response_promise<caf::ok_atom>();
      logic->enqueue("ws_connection:" + x.connection_id, prepare_write(x), false, nullptr,
                     ok_reply(rp));
      return rp;
    },
    [=](write_atom, const ws_session_record& x) {
      auto rp = self->make_response_promise<caf::ok_atom>();
      logic->enqueue("ws_session:" + x.session_id, prepare_write(x), false, nullptr,
                     ok_reply(rp));
      return rp;
    },
    [=](write_atom, const order_intent_outcome& x) {
      auto rp = self->make_response_promise<caf::ok_atom>();
      logic->enqueue("intent:" + x.intent_id, prepare_write(x), false, nullptr, ok_reply(rp));
      return rp;
    },
    [=](write_atom, const order_record& x) {
      auto rp = self->make_response_promise<caf::ok_atom>();
      logic->enqueue("order:" + std::to_string(x.account_id) + ":" + x.order_id,
                     prepare_write(x), false, nullptr, ok_reply(rp));
      return rp;
    },
    [=](write_atom, const book_record& x) {
      auto rp = self->make_response_promise<caf::ok_atom>();
      logic->enqueue(std::string{x.holdings ? "holdings:" : "positions:"}
                       + std::to_string(x.account_id),
                     prepare_write(x), false, nullptr, ok_reply(rp));
      return rp;
    },
    [=](write_atom, const margin_record& x) {
      auto rp = self->make_response_promise<caf::ok_atom>();
      logic->enqueue("margins:" + std::to_string(x.account_id), prepare_write(x), false, nullptr,
                     ok_reply(rp));
      return rp;
    },
    [=](durable_atom, const order_intent& x) {
      // An exit's order (attempt 1 and on) is never held back by the database; an entry's
      // waits for it (no new risk that cannot be recorded).
      auto rp = self->make_response_promise<uint64_t>();
      if (!x.claim.write_id.empty())
        // The exit's claim goes first, in the intent's transaction (or one before it): it is
        // on record when the intent is answered, that is before the order is sent (§10 step 1).
        enqueue_claim(*logic, x.claim,
                      [self, id = x.claim.write_id](const caf::error& err, int64_t) {
                        if (err)
                          spdlog::warn("store: exit claim {} not stored: {}", id,
                                       self->system().render(err));
                      });
      logic->enqueue({}, prepare_write(x), true,
                     x.attempt > 0 ? "the exit order's intent" : nullptr,
                     sequence_reply(self, rp));
      return rp;
    },
    [=](durable_atom, const risk_event& x) {
      auto rp = self->make_response_promise<uint64_t>();
      logic->enqueue({}, prepare_write(x), true, nullptr, sequence_reply(self, rp));
      return rp;
    },
    [=](durable_atom, const exit_claim& x) {
      auto rp = self->make_response_promise<uint64_t>();
      enqueue_claim(*logic, x, sequence_reply(self, rp));
      return rp;
    },
    [=](durable_atom, const run_record& x) {
      auto rp = self->make_response_promise<int64_t>();
      auto key = x.id != 0 ? "run:" + std::to_string(x.id) : std::string{};
      logic->enqueue(std::move(key), prepare_write(x), true, nullptr, id_reply(rp, x.id));
      return rp;
    },
    [=](durable_atom, const execution_state& x) {
      auto rp = self->make_response_promise<int64_t>();
      auto key = execution_key(x.execution_id);
      logic->enqueue(std::move(key), prepare_write(x), true, nullptr,
                     id_reply(rp, x.execution_id));
      return rp;
    },
    [=](durable_atom, const std::vector<execution_state>& rows) {
      // One message for a run's rows, all in the group commit that follows: the ids when every
      // row is written, or the first refusal (the others are written all the same: a replay
      // of the same rows finds them by their write ids).
      auto rp = self->make_response_promise<std::vector<int64_t>>();
      struct gathered {
        std::vector<int64_t> ids;
        size_t left = 0;
        caf::error first_error;
      };
      auto all = std::make_shared<gathered>();
      all->ids.resize(rows.size());
      all->left = rows.size();
      if (rows.empty()) {
        rp.deliver(std::vector<int64_t>{});
        return rp;
      }
      for (size_t i = 0; i < rows.size(); ++i) {
        auto& x = rows[i];
        auto key = execution_key(x.execution_id);
        logic->enqueue(std::move(key), prepare_write(x), true, nullptr,
                       [rp, all, i, known = x.execution_id](const caf::error& err,
                                                            int64_t id) mutable {
                         if (err && !all->first_error)
                           all->first_error = err;
                         all->ids[i] = id != 0 ? id : known;
                         if (--all->left > 0)
                           return;
                         if (all->first_error)
                           rp.deliver(all->first_error);
                         else
                           rp.deliver(std::move(all->ids));
                       });
      }
      return rp;
    },
    [=](caf::flush_atom) {
      auto rp = self->make_response_promise<store_stats>();
      logic->flush_all(rp);
      return rp;
    },
    [=](caf::get_atom, stats_atom) { return self->state.stats; },
    [=](caf::get_atom, run_atom, int64_t run_id) -> caf::result<run_recovery> {
      // What recovery starts from is what is on disk: everything queued goes first.
      if (!logic->flush_now())
        return make_error(errc::storage_down, "run " + std::to_string(run_id)
                                                + ": the database is down; its state is "
                                                  "read when it is back");
      try {
        load_problems problems;
        run_recovery out;
        for (auto& r : load_unfinished_runs(*self->state.db, problems))
          if (r.id == run_id)
            out.record = r;
        if (out.record.id == 0) {
          std::string why;
          for (auto& p : problems)
            if (p.find("strategy_runs " + std::to_string(run_id) + ":") == 0)
              why = " (" + p + ")";
          return make_error(errc::not_found, "run " + std::to_string(run_id)
                                               + " is finished or unknown" + why);
        }
        for (auto& e : load_open_executions(*self->state.db, problems))
          if (e.run_id == run_id)
            out.executions.push_back(std::move(e));
        for (auto& p : problems)
          spdlog::warn("store: run {}: row left out: {}", run_id, p);
        return out;
      } catch (const std::exception& e) {
        return make_error(errc::storage_down, "run " + std::to_string(run_id)
                                                + ": its state cannot be read (" + e.what()
                                                + ")");
      }
    },
    [=](caf::get_atom, settings_atom, int64_t user_id) -> caf::result<user_settings> {
      try {
        load_problems problems;
        auto out = load_user_settings(*self->state.db, user_id, problems);
        for (auto& p : problems)
          spdlog::warn("store: settings of user {}: {}", user_id, p);
        return out;
      } catch (const std::exception& e) {
        return make_error(errc::storage_down, "the settings of user " + std::to_string(user_id)
                                                + " cannot be read (" + e.what() + ")");
      }
    },
    [=](caf::tick_atom) { logic->on_timer(); },
    [=](caf::tick_atom, durable_atom) { logic->on_durable_flush(); },
    [=](retry_atom) { logic->on_retry(); },
    [=](settle_atom) { logic->on_settled(); },
  };
}

} // namespace

store_actor spawn_store(caf::actor_system& sys, std::shared_ptr<database> db, store_config cfg,
                        bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(store, std::move(db), cfg);
  return sys.spawn(store, std::move(db), cfg);
}

} // namespace algomirror
