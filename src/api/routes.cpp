#include "api/routes.hpp"

#include "api/backups_api.hpp"
#include "api/direct_upload_api.hpp"
#include "api/docs_api.hpp"
#include "api/health_api.hpp"
#include "api/imports_api.hpp"
#include "api/loads_api.hpp"
#include "api/metrics_api.hpp"
#include "api/reports_api.hpp"
#include "api/tables_api.hpp"
#include "api/ui_api.hpp"

namespace migration::api {

http::Router BuildRouter(ApiContext& context) {
  http::Router router;
  RegisterHealthRoutes(router, context);
  RegisterDocsRoutes(router);
  RegisterUiRoutes(router, context.store != nullptr && context.store->SupportsPresignedUrls()
                               ? context.store->PresignedUrlOrigin()
                               : std::string());
  RegisterMetricsRoutes(router, context);
  RegisterLoadRoutes(router, context);
  // Before the table routes, like the reports: GET /v1/{table} would match /v1/backups.
  RegisterBackupRoutes(router, context);
  RegisterImportRoutes(router, context);
  RegisterDirectUploadRoutes(router, context);
  // Before the table routes: /v1/{table}/{id} would match /v1/reports/<name> too.
  RegisterReportRoutes(router, context);
  RegisterTableRoutes(router, context);
  return router;
}

}  // namespace migration::api
