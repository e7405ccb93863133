#include "config/certs.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace algomirror {

namespace {

struct pkey_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_free {
  void operator()(X509* p) const { X509_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;

bool exists(const std::string& path) {
  struct stat sb {};
  return ::stat(path.c_str(), &sb) == 0;
}

pkey_ptr make_key() {
  return pkey_ptr{EVP_EC_gen("P-256")};
}

bool add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext)
    return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

/// A certificate for `cn` with `key`, signed by `issuer_key` (self-signed when `issuer` is
/// null): a CA, or a leaf usable as server and client with the given subjectAltName.
x509_ptr make_cert(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                   bool ca, const std::string& san, int days) {
  x509_ptr cert{X509_new()};
  if (!cert)
    return nullptr;
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("AlgoMirror"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509* signer = issuer ? issuer : cert.get();
  bool ok = true;
  if (ca) {
    ok = add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0")
         && add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    ok = add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE")
         && add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature")
         && add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth,clientAuth")
         && (san.empty() || add_ext(cert.get(), signer, NID_subject_alt_name, san));
  }
  ok = ok && add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (!ok || X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0)
    return nullptr;
  return cert;
}

/// Writes a PEM through `write` into a new file of mode `mode`.
template <class Write>
std::string write_pem(const std::string& path, mode_t mode, Write write) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    return "cannot create " + path + ": " + std::strerror(errno);
  ::fchmod(fd, mode);
  FILE* f = ::fdopen(fd, "w");
  if (!f) {
    ::close(fd);
    return "cannot write " + path;
  }
  bool ok = write(f) == 1;
  ok = std::fclose(f) == 0 && ok;
  return ok ? std::string{} : "cannot write " + path;
}

std::string save_key(const std::string& path, EVP_PKEY* key) {
  return write_pem(path, 0600, [key](FILE* f) {
    return PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
}

std::string save_cert(const std::string& path, X509* cert) {
  return write_pem(path, 0644, [cert](FILE* f) { return PEM_write_X509(f, cert); });
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name == "ca")
    return false;
  for (unsigned char c : name)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.'))
      return false;
  return name.front() != '.';
}

std::string leaf_san(const std::vector<std::string>& hosts) {
  std::string san = "IP:127.0.0.1,DNS:localhost";
  for (auto& h : hosts) {
    bool ip = !h.empty() && h.find_first_not_of("0123456789.") == std::string::npos;
    bool ip6 = h.find(':') != std::string::npos;
    san += std::string{","} + (ip || ip6 ? "IP:" : "DNS:") + h;
  }
  return san;
}

} // namespace

result<std::vector<std::string>> certs_init(const std::string& dir,
                                            const std::vector<std::string>& hosts) {
  using R = result<std::vector<std::string>>;
  for (auto& h : hosts)
    if (h.empty() || h.size() > 253 || h.find_first_of(", \t\n") != std::string::npos)
      return R::failure("certs init: host '" + h + "' is not a host name or address");
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return R::failure("certs init: cannot create " + dir + ": " + std::strerror(errno));
  if (exists(dir + "/ca.key") || exists(dir + "/ca.crt"))
    return R::failure("certs init: " + dir + " already holds a CA (ca.crt, ca.key); issue "
                      "certificates from it with 'certs issue " + dir + " NAME', or use an "
                      "empty directory");
  auto ca_key = make_key();
  auto node_key = make_key();
  if (!ca_key || !node_key)
    return R::failure("certs init: cannot make a key");
  auto ca = make_cert("AlgoMirror private CA", ca_key.get(), nullptr, ca_key.get(), true, "",
                      3650);
  if (!ca)
    return R::failure("certs init: cannot make the CA certificate");
  auto node = make_cert("node", node_key.get(), ca.get(), ca_key.get(), false, leaf_san(hosts),
                        825);
  if (!node)
    return R::failure("certs init: cannot make the node certificate");
  std::vector<std::string> written;
  for (auto& [path, err] :
       {std::pair{dir + "/ca.key", save_key(dir + "/ca.key", ca_key.get())},
        std::pair{dir + "/ca.crt", save_cert(dir + "/ca.crt", ca.get())},
        std::pair{dir + "/node.key", save_key(dir + "/node.key", node_key.get())},
        std::pair{dir + "/node.crt", save_cert(dir + "/node.crt", node.get())}}) {
    if (!err.empty())
      return R::failure("certs init: " + err);
    written.push_back(path);
  }
  return written;
}

result<std::vector<std::string>> certs_issue(const std::string& dir, const std::string& name) {
  using R = result<std::vector<std::string>>;
  if (!valid_name(name))
    return R::failure("certs issue: NAME '" + name + "' must be 1-64 letters, digits, '-', '_' "
                      "or '.' (and not 'ca')");
  auto crt = dir + "/" + name + ".crt";
  auto key_path = dir + "/" + name + ".key";
  if (exists(crt) || exists(key_path))
    return R::failure("certs issue: " + crt + " already exists; pick another NAME");
  FILE* f = std::fopen((dir + "/ca.key").c_str(), "r");
  if (!f)
    return R::failure("certs issue: " + dir + "/ca.key cannot be read (make the CA with "
                      "'algomirror-node certs init " + dir + "')");
  pkey_ptr ca_key{PEM_read_PrivateKey(f, nullptr, nullptr, nullptr)};
  std::fclose(f);
  f = std::fopen((dir + "/ca.crt").c_str(), "r");
  if (!f)
    return R::failure("certs issue: " + dir + "/ca.crt cannot be read");
  x509_ptr ca{PEM_read_X509(f, nullptr, nullptr, nullptr)};
  std::fclose(f);
  if (!ca_key || !ca)
    return R::failure("certs issue: " + dir + "/ca.crt or ca.key is not a PEM certificate/key");
  auto key = make_key();
  auto cert = key ? make_cert(name, key.get(), ca.get(), ca_key.get(), false,
                              leaf_san({}), 825)
                  : nullptr;
  if (!cert)
    return R::failure("certs issue: cannot make the certificate");
  if (auto err = save_key(key_path, key.get()); !err.empty())
    return R::failure("certs issue: " + err);
  if (auto err = save_cert(crt, cert.get()); !err.empty())
    return R::failure("certs issue: " + err);
  return std::vector<std::string>{crt, key_path};
}

} // namespace algomirror
