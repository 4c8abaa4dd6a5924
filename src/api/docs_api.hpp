#pragma once
#include <string>

#include "http/router.hpp"

namespace migration::api {

// GET /openapi.json, GET /docs and GET /docs/{asset}: the OpenAPI 3.1 document and the Swagger UI
// page that renders it. Everything is embedded in the binary at build time (src/api/openapi.json,
// web/docs/), so the page works with no network. Throws at registration if the embedded document
// is not valid JSON (a build defect, caught before the server listens).
void RegisterDocsRoutes(http::Router& router);

// The document as served: src/api/openapi.json with info.version set to this build's version.
std::string OpenApiDocument();

}  // namespace migration::api
