#pragma once
#include "http/router.hpp"

namespace migration::api {

// GET /ui/ (and /ui, the same page) and GET /ui/{asset}: the web app (reports and the loads
// console) built from web/ui by esbuild at build time and embedded in the binary (src/CMakeLists.txt),
// so it works with the binary alone. It calls the /v1 API like any client, with the operator's key.
// Throws at registration if the embedded build has no index.html (a build defect).
// `store_origin`: where the page may also connect (the presigned upload URLs' origin), or "".
void RegisterUiRoutes(http::Router& router, const std::string& store_origin);

}  // namespace migration::api
