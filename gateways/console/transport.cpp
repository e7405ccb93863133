#include "gateways/console/transport.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/publish.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/openssl/remote_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/io/unpublish.hpp>

namespace algomirror::console_transport {

namespace {

std::string file_of(const tls_identity& id, const std::string& leaf) {
  return id.dir + "/" + leaf;
}

} // namespace

bool is_loopback(const std::string& host) {
  if (host == "localhost")
    return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1)
    return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

std::string check_identity(const tls_identity& id) {
  if (id.name.empty())
    return "--tls-name: missing (the name given to 'algomirror-node certs issue DIR NAME')";
  for (auto leaf : {std::string{"ca.crt"}, id.name + ".crt", id.name + ".key"}) {
    auto path = file_of(id, leaf);
    struct stat sb {};
    if (::stat(path.c_str(), &sb) != 0)
      return "--tls-dir: " + path + " is missing (make it with 'algomirror-node certs "
             + std::string{id.name == "node" ? "init DIR" : "issue DIR " + id.name} + "')";
    if (!S_ISREG(sb.st_mode))
      return "--tls-dir: " + path + " is not a file";
    if (leaf.size() > 4 && leaf.compare(leaf.size() - 4, 4, ".key") == 0
        && (sb.st_mode & 077) != 0)
      return "--tls-dir: " + path + " can be read by others (mode "
             + std::to_string((sb.st_mode >> 6) & 7) + std::to_string((sb.st_mode >> 3) & 7)
             + std::to_string(sb.st_mode & 7) + "): chmod 600 it";
  }
  return {};
}

void configure(caf::actor_system_config& cfg, const tls_identity& id) {
  cfg.load<caf::io::middleman>();
  if (!id.enabled())
    return;
  cfg.load<caf::openssl::manager>();
  cfg.openssl_cafile = file_of(id, "ca.crt");
  cfg.openssl_certificate = file_of(id, id.name + ".crt");
  cfg.openssl_key = file_of(id, id.name + ".key");
}

caf::expected<uint16_t> publish(caf::actor_system& sys, const console_actor& console,
                                const std::string& bind, uint16_t port, bool tls) {
  if (tls)
    return caf::openssl::publish(console, port, bind.c_str(), true);
  return sys.middleman().publish(console, port, bind.c_str(), true);
}

void unpublish(const console_actor& console, uint16_t port, bool tls) {
  if (!console)
    return;
  if (!tls) {
    caf::io::unpublish(console, port);
    return;
  }
  // caf::openssl::unpublish does not compile in 0.17.6: ask its manager's actor directly.
  auto& sys = console.home_system();
  caf::scoped_actor self{sys};
  self->request(sys.openssl_manager().actor_handle(), std::chrono::seconds{5},
                caf::unpublish_atom_v, console.address(), port)
    .receive([] {}, [](const caf::error&) {});
}

caf::expected<console_actor> connect(caf::actor_system& sys, const std::string& host,
                                     uint16_t port, bool tls) {
  if (tls)
    return caf::openssl::remote_actor<console_actor>(sys, host, port);
  return sys.middleman().remote_actor<console_actor>(host, port);
}

} // namespace algomirror::console_transport
