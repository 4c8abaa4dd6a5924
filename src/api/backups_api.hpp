#pragma once
// Backups: POST /v1/{table}/backups, GET /v1/backups, POST /v1/{table}/restore.

#include "api/api_context.hpp"
#include "http/router.hpp"

namespace migration::api {

void RegisterBackupRoutes(http::Router& router, ApiContext& context);

}  // namespace migration::api
