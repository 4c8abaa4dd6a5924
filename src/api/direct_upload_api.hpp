#pragma once
// Uploads straight to S3: POST /v1/{table}/upload-urls hands out presigned URLs and a pending
// import; POST /v1/imports/{id}/start queues that import once the object is there. The file's
// bytes never pass through the load balancer or this service.

#include "api/api_context.hpp"
#include "http/router.hpp"

namespace migration::api {

void RegisterDirectUploadRoutes(http::Router& router, ApiContext& context);

}  // namespace migration::api
