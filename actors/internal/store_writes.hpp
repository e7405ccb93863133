#pragma once

// The actors' one way of handing a routine row to the persistence actor: told, not asked. The
// store logs a row it refuses (naming the row's key or the bad field), so nobody waits for an
// answer: no response to route back and no pending request per row (an order's records are
// several rows, and at 100 accounts the answers were a fifth of the node's messages). The
// mailbox keeps a sender's order, so a durable write asked for after a routine row is still
// written after it. Rows carry no secret, so the store's log line cannot leak one.

#include <caf/send.hpp>

#include "messages/actors.hpp"

namespace algomirror {

template <class Row>
void store_routine(const store_actor& store, Row row) {
  if (!store)
    return;
  caf::anon_send(store, write_atom_v, std::move(row));
}

} // namespace algomirror
