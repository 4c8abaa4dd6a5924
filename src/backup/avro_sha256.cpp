#include "backup/avro_sha256.hpp"

#include <array>

#include "core/error.hpp"

namespace migration::backup {

AvroSha256::AvroSha256() : context_(EVP_MD_CTX_new()) {
  if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) {
    throw core::Error(core::ErrorCode::kInternal, "cannot start a SHA-256 digest (OpenSSL)");
  }
}

void AvroSha256::Update(std::string_view bytes) {
  if (EVP_DigestUpdate(context_.get(), bytes.data(), bytes.size()) != 1) {
    throw core::Error(core::ErrorCode::kInternal, "SHA-256 digest update failed (OpenSSL)");
  }
}

std::string AvroSha256::FinishHex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(context_.get(), digest.data(), &size) != 1) {
    throw core::Error(core::ErrorCode::kInternal, "SHA-256 digest failed (OpenSSL)");
  }
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string hex;
  hex.reserve(size_t{size} * 2);
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0f]);
  }
  return hex;
}

}  // namespace migration::backup
