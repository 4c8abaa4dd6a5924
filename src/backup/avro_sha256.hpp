#pragma once
// Incremental SHA-256 (OpenSSL EVP) for backup files: the checksum listed with each backup and
// compared before a restore.

#include <memory>
#include <string>
#include <string_view>

#include <openssl/evp.h>

namespace migration::backup {

class AvroSha256 {
 public:
  AvroSha256();
  void Update(std::string_view bytes);
  // Lower-case hex digest; the object is spent afterwards.
  std::string FinishHex();

 private:
  struct Free {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> context_;
};

}  // namespace migration::backup
