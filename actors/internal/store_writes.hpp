#pragma once

// The actors' one way of handing a routine row to the persistence actor: sent as a request
// (the store answers after the commit), a refusal logged with what the row was. Rows carry no
// secret, so the log line cannot leak one.

#include <string>

#include <spdlog/spdlog.h>

#include "messages/actors.hpp"

namespace algomirror {

template <class SelfPointer, class Row>
void store_routine(SelfPointer self, const store_actor& store, Row row, std::string what) {
  if (!store)
    return;
  self->request(store, caf::infinite, write_atom_v, std::move(row))
    .then([](caf::ok_atom) {},
          [self, what = std::move(what)](const caf::error& err) {
            spdlog::warn("{} not stored: {}", what, self->system().render(err));
          });
}

} // namespace algomirror
