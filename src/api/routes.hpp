#pragma once
#include "api/api_context.hpp"
#include "http/router.hpp"

namespace migration::api {
// Every route of the service, literal paths before parameterised ones (/v1/loads before /v1/{table}).
http::Router BuildRouter(ApiContext& context);
}  // namespace migration::api
