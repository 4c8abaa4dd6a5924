#include "observability/service_metrics.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace migration::observability {
namespace {

// The registry is process-wide: these tests use label values nothing else in the binary uses.
bool Has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(ServiceMetricsTest, ARequestCountsByRouteAndStatusWithItsLatencyAndBytes) {
  RecordRequest("GET /unit-test", 418, 0.003, 10, 20);
  RecordRequest("GET /unit-test", 418, 0.2, 0, 5);
  const std::string text = RenderMetrics();
  EXPECT_TRUE(Has(text, R"(migration_http_requests_total{route="GET /unit-test",status="418"} 2)")) << text;
  EXPECT_TRUE(Has(text, R"(migration_http_request_duration_seconds_bucket{route="GET /unit-test",le="0.005"} 1)"));
  EXPECT_TRUE(Has(text, R"(migration_http_request_duration_seconds_bucket{route="GET /unit-test",le="+Inf"} 2)"));
  EXPECT_TRUE(Has(text, R"(migration_http_request_duration_seconds_count{route="GET /unit-test"} 2)"));
  EXPECT_TRUE(Has(text, R"(migration_http_request_bytes_total{route="GET /unit-test"} 10)"));
  EXPECT_TRUE(Has(text, R"(migration_http_response_bytes_total{route="GET /unit-test"} 25)"));
}

TEST(ServiceMetricsTest, ALoadCountsRowsByTableAndRejectsByCode) {
  const std::map<std::string, uint64_t> codes = {{"missing", 2}, {"duplicate", 1}};
  LoadSummary load;
  load.table = "unit_table";
  load.status = "partial";
  load.inserted = 5;
  load.updated = 1;
  load.rejected = 3;
  load.duration_ms = 40;
  load.rejected_by_code = &codes;
  RecordLoadFinished(load);
  RecordLoadFailed(99, "unit_table", 5);
  const std::string text = RenderMetrics();
  EXPECT_TRUE(Has(text, R"(migration_rows_inserted_total{table="unit_table"} 5)")) << text;
  EXPECT_TRUE(Has(text, R"(migration_rows_updated_total{table="unit_table"} 1)"));
  EXPECT_TRUE(Has(text, R"(migration_rows_rejected_total{table="unit_table"} 3)"));
  EXPECT_TRUE(Has(text, R"(migration_rows_rejected_by_code_total{table="unit_table",code="missing"} 2)"));
  EXPECT_TRUE(Has(text, R"(migration_rows_rejected_by_code_total{table="unit_table",code="duplicate"} 1)"));
  EXPECT_TRUE(Has(text, R"(migration_loads_total{table="unit_table",status="partial"} 1)"));
  EXPECT_TRUE(Has(text, R"(migration_loads_total{table="unit_table",status="failed"} 1)"));
  EXPECT_TRUE(Has(text, R"(migration_load_duration_seconds_bucket{table="unit_table",le="0.05"} 1)"));
  EXPECT_TRUE(Has(text, R"(migration_load_duration_seconds_count{table="unit_table"} 1)"));
}

TEST(ServiceMetricsTest, StorageCallsAndErrorsByOperation) {
  RecordStorageCall("unit_put", true);
  RecordStorageCall("unit_put", false);
  const std::string text = RenderMetrics();
  EXPECT_TRUE(Has(text, R"(migration_storage_requests_total{operation="unit_put"} 2)")) << text;
  EXPECT_TRUE(Has(text, R"(migration_storage_errors_total{operation="unit_put"} 1)"));
}

TEST(ServiceMetricsTest, PoolServerAndProcessFiguresAreReadAtScrapeTime) {
  SetDbPoolStats(
      {.max_connections = 8, .in_use = 3, .idle = 2, .waiting = 1, .acquires = 40, .timeouts = 1, .wait_seconds = 0.5});
  SetServerStats(4, 6);
  const std::string text = RenderMetrics();
  EXPECT_TRUE(Has(text, R"(migration_db_pool_connections{state="in_use"} 3)")) << text;
  EXPECT_TRUE(Has(text, R"(migration_db_pool_connections{state="idle"} 2)"));
  EXPECT_TRUE(Has(text, "migration_db_pool_max_connections 8"));
  EXPECT_TRUE(Has(text, "migration_db_pool_waiting 1"));
  EXPECT_TRUE(Has(text, "migration_db_pool_acquires_total 40"));
  EXPECT_TRUE(Has(text, "migration_db_pool_acquire_timeouts_total 1"));
  EXPECT_TRUE(Has(text, "migration_db_pool_wait_seconds_total 0.5"));
  EXPECT_TRUE(Has(text, "migration_http_requests_in_flight 4"));
  EXPECT_TRUE(Has(text, "migration_http_open_connections 6"));
  EXPECT_NE(text.find("\nprocess_resident_memory_bytes "), std::string::npos);
  EXPECT_EQ(text.find("\nprocess_resident_memory_bytes 0\n"), std::string::npos);
  EXPECT_NE(text.find("\nprocess_open_fds "), std::string::npos);
  EXPECT_TRUE(Has(text, R"(migration_build_info{version=")" MIGRATION_VERSION R"("} 1)"));
}

}  // namespace
}  // namespace migration::observability
