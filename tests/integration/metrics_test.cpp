// Observability over real HTTP: GET /metrics counts what the server did (requests by route and
// status, rows by table and error code, the pool, the process), every request is one JSON log
// line, and with --metrics-emf loads write CloudWatch EMF lines matching the deployment's contract.

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/api_fixture.hpp"
#include "support/wait.hpp"

namespace migration::testing {
namespace {

using Samples = std::map<std::string, std::string>;  // "name{labels}" -> value text

// Parses the text format strictly enough to catch a malformed exposition: every sample belongs
// to the family whose # TYPE came last (histograms: its _bucket, _sum, _count), each family is
// declared once, and every line is a comment or `name{labels} value`.
Samples ParseExposition(const std::string& text) {
  static const std::regex kSample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (\S+)$)");
  static const std::regex kType(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)");
  Samples samples;
  std::set<std::string> declared;
  std::string family;
  std::string type;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (std::regex_match(line, m, kType)) {
      family = m[1];
      type = m[2];
      EXPECT_TRUE(declared.insert(family).second) << "family declared twice: " << family;
      continue;
    }
    if (!std::regex_match(line, m, kSample)) {
      ADD_FAILURE() << "not a valid exposition line: [" << line << "]";
      continue;
    }
    const std::string name = m[1];
    const bool ok =
        name == family ||
        (type == "histogram" && (name == family + "_bucket" || name == family + "_sum" || name == family + "_count"));
    EXPECT_TRUE(ok) << "sample " << name << " outside its family " << family;
    samples[line.substr(0, line.rfind(' '))] = m[5];
  }
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  return samples;
}

class MetricsTest : public ApiTest {
 protected:
  // A request's metrics and log line are recorded just after its response is written, so a
  // client can read /metrics before they land: poll until every expected sample has its value.
  Samples ScrapeUntil(const std::map<std::string, std::string>& expected) {
    Samples samples;
    const bool all = WaitUntil(
        [&] {
          const HttpResponse response = Get(Url("/metrics"));
          EXPECT_EQ(response.status, 200);
          samples = ParseExposition(response.body);
          for (const auto& [key, value] : expected) {
            const auto it = samples.find(key);
            if (it == samples.end() || it->second != value) return false;
          }
          return true;
        },
        std::chrono::seconds(10), std::chrono::milliseconds(50));
    if (all) return samples;
    for (const auto& [key, value] : expected) {
      const auto it = samples.find(key);
      EXPECT_TRUE(it != samples.end() && it->second == value)
          << key << " expected " << value << ", got " << (it == samples.end() ? "(absent)" : it->second);
    }
    return samples;
  }

  // migration_http_open_connections in a /metrics body ("(absent)" when it is not there).
  static std::string OpenConnections(const std::string& exposition) {
    const Samples samples = ParseExposition(exposition);
    const auto it = samples.find("migration_http_open_connections");
    return it == samples.end() ? "(absent)" : it->second;
  }
  // The same, asked over `connection`, which stays open.
  static std::string OpenConnectionsOver(RawConnection& connection) {
    connection.Send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string answer = connection.ReceiveResponse();
    return OpenConnections(answer.substr(answer.find("\r\n\r\n") + 4));
  }

  // The server's JSON log line for the request with this id (polls: see above).
  nlohmann::json RequestLogLine(const std::string& request_id) {
    nlohmann::json found = nlohmann::json::object();
    const bool logged = WaitUntil(
        [&] {
          std::istringstream in(server_->Log());
          std::string line;
          while (std::getline(in, line)) {
            if (line.find("\"event\":\"request\"") == std::string::npos) continue;
            if (line.find("\"request_id\":\"" + request_id + "\"") == std::string::npos) continue;
            found = nlohmann::json::parse(line);
            return true;
          }
          return false;
        },
        std::chrono::seconds(5), std::chrono::milliseconds(50));
    if (!logged) ADD_FAILURE() << "no request log line for " << request_id << "\n" << server_->Log();
    return found;
  }
};

TEST_P(MetricsTest, CountsRequestsByRouteAndStatusAndRowsByTableAndCode) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Get(Url("/")).status, 200);
  ASSERT_EQ(Get(Url("/v2/nothing")).status, 404);
  ASSERT_EQ(Get(Url("/v1/departments/12345")).status, 404);
  // 2 inserted; rejected: blank, out_of_range, missing, duplicate (in the same input).
  const HttpResponse batch = PostJson("departments", R"([{"id":1,"department":"Sales"},{"id":2,"department":"Legal"},
      {"id":3,"department":"  "},{"id":0,"department":"Zero"},{"id":4},{"id":1,"department":"Again"}])");
  ASSERT_EQ(batch.status, 200) << batch.body;
  // 1 inserted; rejected: not_integer, missing, too_many_fields.
  const HttpResponse upload = UploadCsv("jobs", "1,Engineer\nx,Bad\n2,\n3,Analyst,extra\n");
  ASSERT_EQ(upload.status, 200) << upload.body;

  const Samples samples = ScrapeUntil({
      {R"(migration_http_requests_total{route="GET /",status="200"})", "3"},
      {R"(migration_http_requests_total{route="unmatched",status="404"})", "1"},
      {R"(migration_http_requests_total{route="GET /v1/{table}/{id}",status="404"})", "1"},
      {R"(migration_http_requests_total{route="POST /v1/{table}",status="200"})", "1"},
      {R"(migration_http_requests_total{route="POST /v1/{table}/upload",status="200"})", "1"},
      {R"(migration_http_request_duration_seconds_count{route="GET /"})", "3"},
      {R"(migration_http_request_duration_seconds_bucket{route="GET /",le="+Inf"})", "3"},
      {R"(migration_rows_inserted_total{table="departments"})", "2"},
      {R"(migration_rows_rejected_total{table="departments"})", "4"},
      {R"(migration_rows_rejected_by_code_total{table="departments",code="blank"})", "1"},
      {R"(migration_rows_rejected_by_code_total{table="departments",code="out_of_range"})", "1"},
      {R"(migration_rows_rejected_by_code_total{table="departments",code="missing"})", "1"},
      {R"(migration_rows_rejected_by_code_total{table="departments",code="duplicate"})", "1"},
      {R"(migration_rows_inserted_total{table="jobs"})", "1"},
      {R"(migration_rows_rejected_total{table="jobs"})", "3"},
      {R"(migration_rows_rejected_by_code_total{table="jobs",code="not_integer"})", "1"},
      {R"(migration_rows_rejected_by_code_total{table="jobs",code="missing"})", "1"},
      {R"(migration_rows_rejected_by_code_total{table="jobs",code="too_many_fields"})", "1"},
      {R"(migration_loads_total{table="departments",status="partial"})", "1"},
      {R"(migration_loads_total{table="jobs",status="partial"})", "1"},
      {R"(migration_load_duration_seconds_count{table="departments"})", "1"},
      {"migration_db_pool_max_connections", "8"},
      {R"(migration_db_pool_connections{state="in_use"})", "0"},
  });
  // The request serving /metrics is itself in flight; the pool has opened connections by now.
  EXPECT_GE(std::stod(samples.at("migration_http_requests_in_flight")), 1);
  EXPECT_GE(std::stod(samples.at(R"(migration_db_pool_connections{state="idle"})")), 1);
  EXPECT_GE(std::stod(samples.at("migration_db_pool_acquires_total")), 2);
  EXPECT_GT(std::stod(samples.at("process_resident_memory_bytes")), 1e6);
  EXPECT_GT(std::stod(samples.at("process_open_fds")), 3);
  EXPECT_GT(std::stod(samples.at("process_max_fds")), 0);
  EXPECT_GT(std::stod(samples.at("process_start_time_seconds")), 1.6e9);
  EXPECT_GT(std::stod(samples.at(R"(migration_http_response_bytes_total{route="GET /"})")), 0);
}

TEST_P(MetricsTest, MetricsAreServedInTheTextFormat) {
  const HttpResponse response = Get(Url("/metrics"));
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(response.body.find("# HELP migration_http_requests_total "), std::string::npos) << response.body;
  EXPECT_NE(response.body.find("# TYPE migration_http_request_duration_seconds histogram\n"), std::string::npos);
  EXPECT_NE(response.body.find("# TYPE migration_storage_errors_total counter\n"), std::string::npos);
  ParseExposition(response.body);
}

TEST_P(MetricsTest, EachRequestIsOneJsonLogLineWithRouteStatusBytesDurationAndKey) {
  const std::string body = R"([{"id":7,"department":"Ops"}])";
  const HttpResponse response = Request("POST", Url("/v1/departments"), body,
                                        {"Content-Type: application/json", "X-Request-Id: metrics-log-line-1"});
  ASSERT_EQ(response.status, 201) << response.body;
  const nlohmann::json line = RequestLogLine("metrics-log-line-1");
  EXPECT_EQ(line["event"], "request");
  EXPECT_EQ(line["level"], "info");
  EXPECT_TRUE(line["time"].is_string());
  EXPECT_EQ(line["method"], "POST");
  EXPECT_EQ(line["route"], "POST /v1/{table}");
  EXPECT_EQ(line["path"], "/v1/departments");
  EXPECT_EQ(line["status"], 201);
  EXPECT_EQ(line["bytes_in"], body.size());
  EXPECT_EQ(line["bytes_out"], response.body.size());
  EXPECT_TRUE(line["duration_ms"].is_number());
  // Measured, not a placeholder: more than nothing, less than the test's own time budget.
  EXPECT_GT(line["duration_ms"].get<double>(), 0);
  EXPECT_LT(line["duration_ms"].get<double>(), 60'000);
  ASSERT_TRUE(line.contains("key"));
  EXPECT_TRUE(line["key"].is_null()) << "no key configured, none presented";

  // The load's own lines, one per rejected row and one for the outcome, are JSON too (and are
  // written before the response is sent).
  ASSERT_EQ(PostJson("departments", R"([{"id":8,"department":"HR"},{"id":-1,"department":"Bad"}])").status, 200);
  bool rejected = false;
  bool finished = false;
  std::istringstream in(server_->Log());
  std::string text;
  while (std::getline(in, text)) {
    if (text.empty() || text.front() != '{') continue;
    const nlohmann::json record = nlohmann::json::parse(text);
    if (record["event"] == "row_rejected" && record["table"] == "departments" && record["index"] == 1) {
      rejected = record["errors"][0]["field"] == "id" && record["errors"][0]["code"].is_string();
    }
    if (record["event"] == "load_finished" && record["rows_rejected"] == 1 && record["rows_inserted"] == 1) {
      finished = true;
    }
  }
  EXPECT_TRUE(rejected) << server_->Log();
  EXPECT_TRUE(finished) << server_->Log();
}

// With API keys configured the key's name (never the key) is in the request's log line, and a
// request refused for want of a key is counted under its route with 401.
TEST_P(MetricsTest, TheKeyNameIsLoggedAndRefusalsAreCountedByRoute) {
  // sha256("metrics-secret")
  server_.reset();
  server_ = std::make_unique<ServerProcess>(
      database_->url(),
      std::vector<std::string>{"--api-keys",
                               "metrics-reader:d31c4153216654104062c2381a35a508ce65581c2abea7770a7cfd76c92e828e"});
  ASSERT_EQ(Request("GET", Url("/v1/departments"), "", {"X-Request-Id: metrics-key-1"}).status, 401);
  ASSERT_EQ(
      Request("GET", Url("/v1/departments"), "", {"X-Request-Id: metrics-key-2", "X-API-Key: metrics-secret"}).status,
      200);
  EXPECT_TRUE(RequestLogLine("metrics-key-1")["key"].is_null());
  const nlohmann::json line = RequestLogLine("metrics-key-2");
  EXPECT_EQ(line["key"], "metrics-reader");
  EXPECT_EQ(line["route"], "GET /v1/{table}");
  EXPECT_EQ(server_->Log().find("metrics-secret"), std::string::npos) << "the key itself must never be logged";
  ScrapeUntil({{R"(migration_http_requests_total{route="GET /v1/{table}",status="401"})", "1"},
               {R"(migration_http_requests_total{route="GET /v1/{table}",status="200"})", "1"}});
}

// Requests refused before routing (over the connection cap, too many or too large header fields,
// a malformed head) get their status and a problem body, and are logged and counted like any
// other request, under the route "refused".
TEST_P(MetricsTest, RequestsRefusedBeforeRoutingAreAnsweredLoggedAndCounted) {
  server_.reset();
  server_ = std::make_unique<ServerProcess>(database_->url(), std::vector<std::string>{"--max-connections", "2"});

  std::string many_fields = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 120; ++i) many_fields += "X-Field-" + std::to_string(i) + ": v\r\n";
  {
    RawConnection connection(server_->port());
    connection.Send(many_fields + "\r\n");
    EXPECT_NE(connection.ReceiveUntilClosed().find("HTTP/1.1 431"), std::string::npos);
  }
  {
    RawConnection connection(server_->port());
    connection.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
    EXPECT_NE(connection.ReceiveUntilClosed().find("HTTP/1.1 431"), std::string::npos);
  }
  {
    RawConnection connection(server_->port());
    connection.Send("NOT HTTP AT ALL\r\n\r\n");
    const std::string answer = connection.ReceiveUntilClosed();
    EXPECT_NE(answer.find("HTTP/1.1 400"), std::string::npos) << answer;
  }
  {
    // Two idle connections fill the cap; the third is answered 503 at once and closed. A connection
    // ends on the server a moment after its client sees it end, so the ones above (and the start-up
    // health check) may still hold a place: wait until the server counts only the one asking, then
    // take the two places, each counted before the next step. The connections ask over themselves
    // (kept alive, idle after): a new connection would be refused once the cap is full.
    std::string counted;
    EXPECT_TRUE(WaitUntil([&] { return (counted = OpenConnections(Get(Url("/metrics")).body)) == "1"; },
                          std::chrono::seconds(5)))
        << "open connections: " << counted;
    RawConnection first(server_->port());
    EXPECT_TRUE(WaitUntil([&] { return (counted = OpenConnectionsOver(first)) == "1"; }, std::chrono::seconds(5)))
        << "open connections: " << counted;
    RawConnection second(server_->port());
    EXPECT_TRUE(WaitUntil([&] { return (counted = OpenConnectionsOver(second)) == "2"; }, std::chrono::seconds(5)))
        << "open connections: " << counted;
    RawConnection third(server_->port());
    const std::string answer = third.ReceiveUntilClosed();
    EXPECT_NE(answer.find("HTTP/1.1 503"), std::string::npos) << answer;
    EXPECT_NE(answer.find("too many open connections"), std::string::npos);
  }
  ScrapeUntil({{R"(migration_http_requests_total{route="refused",status="431"})", "2"},
               {R"(migration_http_requests_total{route="refused",status="400"})", "1"},
               {R"(migration_http_requests_total{route="refused",status="503"})", "1"}});
  int logged = 0;
  std::istringstream in(server_->Log());
  for (std::string line; std::getline(in, line);) {
    if (line.find("\"event\":\"request\"") != std::string::npos &&
        line.find("\"route\":\"refused\"") != std::string::npos) {
      const nlohmann::json entry = nlohmann::json::parse(line);
      EXPECT_EQ(entry["remote"], "127.0.0.1");
      EXPECT_FALSE(entry["request_id"].get<std::string>().empty());
      ++logged;
    }
  }
  EXPECT_EQ(logged, 4);
}

// --metrics-emf (METRICS_EMF=1): a load writes one EMF line to stdout, with exactly the names,
// units and dimension sets of infrastructure/monitoring/emf-metrics.json (the dashboard's and the
// alarms' contract).
TEST_P(MetricsTest, EmfLinesMatchTheDeploymentContract) {
  server_.reset();
  server_ = std::make_unique<ServerProcess>(database_->url(), std::vector<std::string>{"--metrics-emf"});
  std::ifstream contract_file(std::string(MIGRATION_SOURCE_DIR) + "/infrastructure/monitoring/emf-metrics.json");
  ASSERT_TRUE(contract_file) << "infrastructure/monitoring/emf-metrics.json is missing";
  const nlohmann::json contract = nlohmann::json::parse(contract_file);
  std::map<std::string, std::string> units;
  for (const auto& metric : contract["metrics"]) units[metric["name"]] = metric["unit"];
  std::set<std::vector<std::string>> dimension_sets;
  for (const auto& set : contract["dimension_sets"]) dimension_sets.insert(set.get<std::vector<std::string>>());

  const HttpResponse batch = PostJson(
      "departments", R"([{"id":1,"department":"Sales"},{"id":2,"department":"Legal"},{"id":0,"department":"x"}])");
  ASSERT_EQ(batch.status, 200) << batch.body;

  // Every EMF line, whatever it is about, keeps to the contract.
  auto check_contract = [&](const nlohmann::json& record) {
    for (const auto& directive : record["_aws"]["CloudWatchMetrics"]) {
      EXPECT_EQ(directive["Namespace"], contract["namespace"]);
      for (const auto& dims : directive["Dimensions"]) {
        EXPECT_TRUE(dimension_sets.count(dims.get<std::vector<std::string>>())) << dims.dump();
        for (const auto& dim : dims) EXPECT_TRUE(record.contains(dim.get<std::string>())) << dim << " has no value";
      }
      for (const auto& metric : directive["Metrics"]) {
        const std::string name = metric["Name"];
        ASSERT_TRUE(units.count(name)) << name << " is not in emf-metrics.json";
        EXPECT_EQ(metric["Unit"], units[name]) << name;
        EXPECT_TRUE(record[name].is_number()) << name << " has no value";
      }
    }
    EXPECT_TRUE(record["_aws"]["Timestamp"].is_number_integer());
  };
  // The load's EMF line (polls: it may land just after the response).
  nlohmann::json load_line;
  WaitUntil(
      [&] {
        std::istringstream in(server_->Log());
        std::string text;
        while (std::getline(in, text)) {
          if (text.find("\"_aws\"") == std::string::npos) continue;
          const nlohmann::json record = nlohmann::json::parse(text);
          check_contract(record);
          if (HasFatalFailure()) return true;  // a metric outside the contract: stop here
          if (record.value("Table", "") == "departments") load_line = record;
        }
        return !load_line.is_null();
      },
      std::chrono::seconds(5), std::chrono::milliseconds(50));
  if (HasFatalFailure()) return;
  ASSERT_FALSE(load_line.is_null()) << "no EMF line for the load:\n" << server_->Log();
  EXPECT_EQ(load_line["Environment"], "development");
  EXPECT_EQ(load_line["rows_inserted"], 2);
  EXPECT_EQ(load_line["rows_rejected"], 1);
  EXPECT_EQ(load_line["loads_failed"], 0);
  EXPECT_GT(load_line["load_duration_ms"].get<double>(), 0);
  EXPECT_LT(load_line["load_duration_ms"].get<double>(), 60'000);
  EXPECT_EQ(load_line["_aws"]["CloudWatchMetrics"][0]["Namespace"], "MigrationApi");
}

TEST_P(MetricsTest, NoEmfLinesUnlessAskedFor) {
  // A load's log and EMF lines are written before its response is sent: no need to wait.
  ASSERT_EQ(PostJson("departments", R"([{"id":1,"department":"Sales"}])").status, 201);
  EXPECT_NE(server_->Log().find("\"load_finished\""), std::string::npos);
  EXPECT_EQ(server_->Log().find("\"_aws\""), std::string::npos) << server_->Log();
}

MIGRATION_ON_BOTH_BACKENDS(MetricsTest);

}  // namespace
}  // namespace migration::testing
