// /ui: the web app's files, embedded at build time from the esbuild output of web/ui (the
// generated embedded_ui.cpp, namespace migration::api::ui_assets; see web/ui/README.md).

#include "api/ui_api.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace migration::api {
namespace ui_assets {
// Generated at build time by web/ui/embed-dist.cmake: {"index.html", "<text>"}, {"app-<hash>.js", ...}, ...
const std::vector<std::pair<std::string_view, std::string_view>>& EmbeddedFiles();
}  // namespace ui_assets

namespace {

using core::Error;
using core::ErrorCode;

// index.html names this build's files; revalidate it. Every other file carries a content hash in
// its name (web/ui/build.mjs refuses to emit one without), so a name never changes meaning.
constexpr std::string_view kNoCache = "no-cache";
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";

// The app's own script and stylesheet only: no inline script or style, no other host. data:
// images for the empty favicon; blob: is not needed (downloads are followed, not loaded). The page
// connects to this service and, with an S3 store, to the bucket's endpoint that direct uploads
// send their bytes to (the presigned URLs' origin), and nowhere else.
std::string UiPagePolicy(const std::string& store_origin) {
  return fmt::format(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
      "connect-src 'self'{}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      store_origin.empty() ? "" : " " + store_origin);
}

constexpr std::string_view kIndex = "index.html";

std::string_view ContentTypeOf(std::string_view name) {
  const auto dot = name.rfind('.');
  const std::string_view extension = dot == std::string_view::npos ? std::string_view{} : name.substr(dot);
  if (extension == ".html") return "text/html; charset=utf-8";
  if (extension == ".js") return "text/javascript; charset=utf-8";
  if (extension == ".css") return "text/css; charset=utf-8";
  if (extension == ".json") return "application/json";
  if (extension == ".svg") return "image/svg+xml";
  return "text/plain; charset=utf-8";
}

const std::string_view* Find(std::string_view name) {
  for (const auto& [file, content] : ui_assets::EmbeddedFiles()) {
    if (file == name) return &content;
  }
  return nullptr;
}

http::Response FileResponse(std::string_view name, std::string_view content, const std::string& policy) {
  const bool page = name == kIndex;
  http::Response response{200, std::string(ContentTypeOf(name)), std::string(content), {}};
  response.headers.emplace_back("Cache-Control", std::string(page ? kNoCache : kImmutable));
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (page) {
    response.headers.emplace_back("Content-Security-Policy", policy);
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  return response;
}

}  // namespace

void RegisterUiRoutes(http::Router& router, const std::string& store_origin) {
  const std::string policy = UiPagePolicy(store_origin);
  const std::string_view* index = Find(kIndex);
  if (index == nullptr)
    throw std::logic_error("the /ui build has no index.html (web/ui/build.mjs, src/CMakeLists.txt)");

  // The page at /ui/ and at /ui alike (its links are absolute, /ui/app-<hash>.js), so a typed
  // "/ui" works without a redirect (every documented operation answers 2xx, openapi_test.cpp).
  for (const char* pattern : {"/ui", "/ui/"}) {
    router.Add({"GET", pattern, 0,
                [page = *index, policy](http::Request&) { return FileResponse(kIndex, page, policy); }, nullptr, ""});
  }
  router.Add({"GET", "/ui/{asset}", 0,
              [policy](const http::Request& request) {
                const std::string& name = request.PathParam("asset");
                if (const std::string_view* content = Find(name)) return FileResponse(name, *content, policy);
                throw Error(ErrorCode::kNotFound,
                            fmt::format("/ui has no file \"{}\"; the app itself is at /ui/", name.substr(0, 80)));
              },
              nullptr, ""});
}

}  // namespace migration::api
