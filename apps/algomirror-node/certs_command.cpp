#include "certs_command.hpp"

#include <CLI/CLI.hpp>
#include <ostream>

#include "config/certs.hpp"

namespace algomirror {

certs_commands add_certs_commands(CLI::App& app, certs_options& opts) {
  auto* certs = app.add_subcommand("certs", "The private CA of the console: mutual TLS for a "
                                            "node off loopback");
  certs_commands c;
  c.init = certs->add_subcommand("init", "Make DIR/ca.crt, ca.key, node.crt and node.key (keys "
                                         "0600); give the node --tls-dir DIR");
  c.init->add_option("dir", opts.dir, "Directory for the CA and the node's certificate")
    ->required();
  c.init->add_option("--host", opts.hosts,
                     "A name or address the node is reached at (repeat; 127.0.0.1 and "
                     "localhost are always in)");
  c.issue = certs->add_subcommand("issue", "Make DIR/NAME.crt and NAME.key for a console (or a "
                                           "peer), signed by DIR's CA");
  c.issue->add_option("dir", opts.dir, "The directory 'certs init' made")->required();
  c.issue->add_option("name", opts.name, "The certificate's name, e.g. your login")->required();
  certs->require_subcommand(1);
  return c;
}

int run_certs_command(const certs_commands& which, const certs_options& opts, std::ostream& out,
                      std::ostream& err) {
  auto made = which.init->parsed() ? certs_init(opts.dir, opts.hosts)
                                   : certs_issue(opts.dir, opts.name);
  if (!made) {
    err << "algomirror-node: error: " << made.error() << "\n";
    return made.error().find("NAME '") != std::string::npos
               || made.error().find("host '") != std::string::npos
             ? 2
             : 1;
  }
  for (auto& path : *made)
    out << "wrote " << path << "\n";
  if (which.init->parsed())
    out << "start the node with --tls-dir " << opts.dir
        << "; give each console a certificate: algomirror-node certs issue " << opts.dir
        << " NAME\n";
  else
    out << "copy " << opts.dir << "/ca.crt, " << opts.name << ".crt and " << opts.name
        << ".key to the console's machine (a directory of its own, keys 0600) and connect with "
           "algomirror-console --tls-dir DIR --tls-name "
        << opts.name << "\n";
  return 0;
}

} // namespace algomirror
