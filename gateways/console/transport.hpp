#pragma once

// operating.md §2: how the console endpoint crosses the network. Plain CAF middleman (BASP)
// only on a loopback address; anywhere else mutual TLS through caf::openssl with certificates
// of a private CA (made by `algomirror-node certs`). CAF 0.17 falls back to anonymous TLS when
// no certificate is configured: never allowed here.

#include <cstdint>
#include <string>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "messages/actors.hpp"

namespace algomirror::console_transport {

/// A TLS identity: the CA that signs every peer, and this side's certificate and key.
struct tls_identity {
  std::string dir;  ///< holds ca.crt, NAME.crt and NAME.key
  std::string name; ///< "node" for the node; the console's own name
  bool enabled() const { return !dir.empty(); }
};

/// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);

/// Why `id` cannot be used (a file missing, a key readable by others), or "" when it can.
std::string check_identity(const tls_identity& id);

/// Loads the middleman (and, with an identity, caf::openssl with its files) into `cfg`.
/// Call before the actor system is made.
void configure(caf::actor_system_config& cfg, const tls_identity& id);

/// Publishes the console endpoint on bind:port (0 = any free port); answers the port.
caf::expected<uint16_t> publish(caf::actor_system& sys, const console_actor& console,
                                const std::string& bind, uint16_t port, bool tls);

/// Stops listening for `console` (the middleman holds it while it is published: unpublish it
/// before the actor system goes, or the system waits for it forever).
void unpublish(const console_actor& console, uint16_t port, bool tls);

/// Connects to a node's console endpoint.
caf::expected<console_actor> connect(caf::actor_system& sys, const std::string& host,
                                     uint16_t port, bool tls);

} // namespace algomirror::console_transport
