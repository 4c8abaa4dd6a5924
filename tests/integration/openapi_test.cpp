// The served OpenAPI document and /docs page, over real HTTP: the document passes
// openapi-spec-validator, every documented operation is answered by a route, real responses fit
// the documented schemas, and the page and its assets come from this server only.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/command.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/test_database.hpp"

namespace migration::testing {
namespace {

using nlohmann::json;

const std::set<std::string> kMethods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

// openapi-spec-validator comes with the machine image (pip; Debian 12 has no package of it). Its
// absence fails the test: the document would otherwise go unchecked without anyone noticing.
std::vector<std::string> SpecValidatorCommand() {
  if (RunProgram({"openapi-spec-validator", "--version"}).exit_code == 0) return {"openapi-spec-validator"};
  if (RunProgram({"python3", "-c", "import openapi_spec_validator"}).exit_code == 0) {
    return {"python3", "-m", "openapi_spec_validator"};
  }
  return {};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string MediaType(const std::string& content_type) { return content_type.substr(0, content_type.find(';')); }

// Checks `value` against the JSON Schema keywords the document uses ($ref, allOf, oneOf, anyOf,
// type, const, enum, required, properties, additionalProperties: false, items); returns the first
// mismatch as "where: what", or "" when the value fits.
class SchemaCheck {
 public:
  explicit SchemaCheck(const json& spec) : spec_(spec) {}

  const json& Resolve(const json& node) const {
    if (!node.is_object() || !node.contains("$ref")) return node;
    return Resolve(spec_.at(json::json_pointer(node["$ref"].get<std::string>().substr(1))));
  }

  std::string Mismatch(const json& schema_node, const json& value, const std::string& where) const {
    const json& schema = Resolve(schema_node);
    if (schema.contains("type") && !HasType(schema["type"], value)) {
      return where + ": " + value.dump() + " is not of type " + schema["type"].dump();
    }
    if (schema.contains("const") && schema["const"] != value) return where + ": expected " + schema["const"].dump();
    if (schema.contains("enum") &&
        std::find(schema["enum"].begin(), schema["enum"].end(), value) == schema["enum"].end()) {
      return where + ": " + value.dump() + " is not one of " + schema["enum"].dump();
    }
    if (schema.contains("allOf")) {
      for (const auto& part : schema["allOf"]) {
        if (auto why = Mismatch(part, value, where); !why.empty()) return why;
      }
    }
    if (schema.contains("oneOf")) {
      int fits = 0;
      std::string last;
      for (const auto& part : schema["oneOf"]) {
        last = Mismatch(part, value, where);
        fits += last.empty() ? 1 : 0;
      }
      if (fits != 1) return where + ": fits " + std::to_string(fits) + " of the oneOf branches (" + last + ")";
    }
    if (schema.contains("anyOf")) {
      bool fits = false;
      for (const auto& part : schema["anyOf"]) fits |= Mismatch(part, value, where).empty();
      if (!fits) return where + ": fits none of the anyOf branches";
    }
    if (value.is_object()) {
      for (const auto& name : schema.value("required", json::array())) {
        if (!value.contains(name.get<std::string>())) return where + ": no required member " + name.dump();
      }
      const json properties = schema.value("properties", json::object());
      for (const auto& [name, member] : value.items()) {
        if (properties.contains(name)) {
          if (auto why = Mismatch(properties[name], member, fmt::format("{}.{}", where, name)); !why.empty()) {
            return why;
          }
        } else if (schema.contains("additionalProperties") && schema["additionalProperties"] == false) {
          return fmt::format("{}: undocumented member \"{}\"", where, name);
        }
      }
    }
    if (value.is_array() && schema.contains("items")) {
      for (size_t i = 0; i < value.size(); ++i) {
        if (auto why = Mismatch(schema["items"], value[i], where + "[" + std::to_string(i) + "]"); !why.empty()) {
          return why;
        }
      }
    }
    return "";
  }

 private:
  static bool HasType(const json& type, const json& value) {
    if (type.is_array()) return std::any_of(type.begin(), type.end(), [&](const json& t) { return HasType(t, value); });
    const std::string name = type;
    if (name == "object") return value.is_object();
    if (name == "array") return value.is_array();
    if (name == "string") return value.is_string();
    if (name == "integer") return value.is_number_integer();
    if (name == "number") return value.is_number();
    if (name == "boolean") return value.is_boolean();
    if (name == "null") return value.is_null();
    return false;
  }

  const json& spec_;
};

class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(Backend::kSqlite);
    server_ = std::make_unique<ServerProcess>(database_->url());
    const HttpResponse document = Get(Url("/openapi.json"));
    ASSERT_EQ(document.status, 200) << document.body;
    raw_spec_ = document.body;
    spec_ = json::parse(document.body, nullptr, false);
    ASSERT_FALSE(spec_.is_discarded()) << "GET /openapi.json is not JSON: " << document.body.substr(0, 500);
  }
  void TearDown() override {
    if (HasFailure() && server_) std::cerr << "--- server log ---\n" << server_->Log() << "\n";
    server_.reset();
    database_.reset();
  }

  std::string Url(const std::string& path) const { return server_->Url(path); }

  // Asserts that `response` is what the document promises for `method path` with its status:
  // a documented status, a documented media type, and a body that fits the schema.
  void ExpectDocumented(const std::string& method, const std::string& path, const HttpResponse& response) {
    SCOPED_TRACE(method + " " + path + " -> " + std::to_string(response.status));
    const SchemaCheck check(spec_);
    const json& operation = spec_["paths"][path][method];
    const std::string status = std::to_string(response.status);
    const json& responses = operation["responses"];
    ASSERT_TRUE(responses.contains(status)) << "undocumented status; body: " << response.body;
    const json& documented = check.Resolve(responses[status]);
    const std::string media = MediaType(response.Header("content-type"));
    ASSERT_TRUE(documented["content"].contains(media)) << "undocumented media type " << media;
    EXPECT_FALSE(response.Header("x-request-id").empty());
    if (documented.contains("headers") && documented["headers"].contains("Retry-After")) {
      EXPECT_FALSE(response.Header("retry-after").empty()) << "no Retry-After";
    }
    if (media != "application/json" && media != "application/problem+json") return;
    const std::string why = check.Mismatch(documented["content"][media]["schema"], response.Json(), "body");
    EXPECT_TRUE(why.empty()) << why << "\nbody: " << response.body;
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<ServerProcess> server_;
  std::string raw_spec_;
  json spec_;
};

TEST_F(OpenApiTest, TheServedDocumentPassesOpenApiSpecValidator) {
  EXPECT_EQ(Get(Url("/openapi.json")).Header("content-type"), "application/json");
  EXPECT_EQ(spec_["openapi"].get<std::string>().rfind("3.1.", 0), 0u);
  EXPECT_EQ(spec_["info"]["version"], Get(Url("/")).Json()["version"]);

  std::vector<std::string> validator = SpecValidatorCommand();
  ASSERT_FALSE(validator.empty())
      << "openapi-spec-validator is not installed (neither on PATH nor as a python3 module); it comes with the "
         "machine image, elsewhere: pip install openapi-spec-validator";
  char path[] = "/tmp/migration-openapi-XXXXXX.json";
  const int fd = ::mkstemps(path, 5);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, raw_spec_.data(), raw_spec_.size()), static_cast<ssize_t>(raw_spec_.size()));
  ::close(fd);
  validator.emplace_back(path);
  const CommandResult result = RunProgram(validator);
  ::unlink(path);
  EXPECT_EQ(result.exit_code, 0) << validator.front() << " rejected the document:\n" << result.output;
  EXPECT_NE(result.output.find("OK"), std::string::npos) << result.output;
}

// Complements the unit test that compares the document with the router: here the running server
// answers every documented operation with some route (no 405, no "no route" 404).
TEST_F(OpenApiTest, EveryDocumentedOperationIsAnsweredByARoute) {
  const std::map<std::string, std::string> samples = {{"table", "departments"}, {"id", "1"}, {"asset", "NOTICE"}};
  for (const auto& [pattern, item] : spec_["paths"].items()) {
    std::string path = pattern;
    for (const auto& [name, value] : samples) {
      const auto at = path.find("{" + name + "}");
      if (at != std::string::npos) path.replace(at, name.size() + 2, value);
    }
    ASSERT_EQ(path.find('{'), std::string::npos) << "no sample value for a parameter of " << pattern;
    for (const auto& [method, operation] : item.items()) {
      if (!kMethods.contains(method)) continue;
      std::string upper = method;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const HttpResponse response = Request(upper, Url(path), "", {"Content-Type: text/csv"});
      SCOPED_TRACE(fmt::format("{} {}", upper, path));
      EXPECT_NE(response.status, 405) << response.body;
      if (response.status == 404) {
        EXPECT_EQ(response.Json()["detail"].get<std::string>().rfind("no route", 0), std::string::npos)
            << response.body;
      }
      ExpectDocumented(method, pattern, response);
    }
  }
}

TEST_F(OpenApiTest, RealResponsesFitTheDocumentedSchemas) {
  const auto post = [&](const std::string& path, const std::string& body, const std::string& type) {
    return Post(Url(path), body, type);
  };
  ExpectDocumented("get", "/", Get(Url("/")));
  ExpectDocumented("get", "/healthz", Get(Url("/healthz")));
  ExpectDocumented("get", "/readyz", Get(Url("/readyz")));
  ExpectDocumented("get", "/metrics", Get(Url("/metrics")));

  // 201 from an upload, 200 and 422 from batches, JSON and CSV, with rejects by line and by index.
  const HttpResponse created = post("/v1/departments/upload", "1,Sales\n2,Research\n", "text/csv");
  ASSERT_EQ(created.status, 201) << created.body;
  ExpectDocumented("post", "/v1/{table}/upload", created);
  ASSERT_EQ(post("/v1/jobs/upload", "1,Engineer\n", "text/csv").status, 201);
  const HttpResponse partial =
      post("/v1/hired_employees",
           R"([{"id":1,"name":"Ada","datetime":"2021-02-01T10:00:00Z","department_id":1,"job_id":1},
                                        {"id":2,"name":"","datetime":"soon","department_id":9,"job_id":1,"extra":1}])",
           "application/json");
  ASSERT_EQ(partial.status, 200) << partial.body;
  ExpectDocumented("post", "/v1/{table}", partial);
  const HttpResponse csv_partial = post("/v1/departments?on_conflict=skip", "2,Again\n3,\n4,Legal\n", "text/csv");
  ASSERT_EQ(csv_partial.status, 200) << csv_partial.body;
  ExpectDocumented("post", "/v1/{table}", csv_partial);
  const HttpResponse rejected =
      post("/v1/departments", R"({"rows":[{"id":0,"department":"Nothing"}]})", "application/json");
  ASSERT_EQ(rejected.status, 422) << rejected.body;
  ExpectDocumented("post", "/v1/{table}", rejected);
  ExpectDocumented("post", "/v1/{table}", post("/v1/departments", "[]", "application/json"));
  ExpectDocumented("post", "/v1/{table}", post("/v1/departments", "{", "application/json"));
  ExpectDocumented("post", "/v1/{table}", post("/v1/departments", "<rows/>", "application/xml"));
  ExpectDocumented("post", "/v1/{table}/upload", post("/v1/departments/upload", "", "text/csv"));

  // Idempotency-Key: a retry is replayed (and says so), the key on another path is a 422, a bad key a 400.
  const std::vector<std::string> key = {"Content-Type: text/csv", "Idempotency-Key: openapi-test-1"};
  const HttpResponse first = Request("POST", Url("/v1/jobs"), "7,Pilot\n", key);
  ASSERT_EQ(first.status, 201) << first.body;
  const HttpResponse replayed = Request("POST", Url("/v1/jobs"), "7,Pilot\n", key);
  ExpectDocumented("post", "/v1/{table}", replayed);
  EXPECT_EQ(replayed.Header("idempotent-replayed"), "true");
  EXPECT_EQ(replayed.Json()["load_id"], first.Json()["load_id"]);
  ExpectDocumented("post", "/v1/{table}/upload", Request("POST", Url("/v1/jobs/upload"), "8,Cook\n", key));
  ExpectDocumented("post", "/v1/{table}",
                   Request("POST", Url("/v1/jobs"), "8,Cook\n", {"Content-Type: text/csv", "Idempotency-Key: a b"}));

  ExpectDocumented("get", "/v1/{table}", Get(Url("/v1/departments?limit=1")));
  ExpectDocumented("get", "/v1/{table}", Get(Url("/v1/departments?format=csv&header=true")));
  ExpectDocumented("get", "/v1/{table}", Get(Url("/v1/departments?format=xml")));
  ExpectDocumented("get", "/v1/{table}", Get(Url("/v1/hired_employees")));
  ExpectDocumented("get", "/v1/{table}", Get(Url("/v1/departments?limit=0")));
  ExpectDocumented("get", "/v1/{table}", Get(Url("/v1/nothing")));
  ExpectDocumented("get", "/v1/{table}/{id}", Get(Url("/v1/hired_employees/1")));
  ExpectDocumented("get", "/v1/{table}/{id}", Get(Url("/v1/jobs/1")));
  ExpectDocumented("get", "/v1/{table}/{id}", Get(Url("/v1/jobs/99")));

  ExpectDocumented("get", "/v1/loads", Get(Url("/v1/loads?limit=2")));
  const std::string load_id = std::to_string(partial.Json()["load_id"].get<long long>());
  const std::string csv_load_id = std::to_string(csv_partial.Json()["load_id"].get<long long>());
  ExpectDocumented("get", "/v1/loads/{id}", Get(Url("/v1/loads/" + load_id)));
  ExpectDocumented("get", "/v1/loads/{id}", Get(Url("/v1/loads/424242")));
  ExpectDocumented("get", "/v1/loads/{id}/rejects", Get(Url("/v1/loads/" + load_id + "/rejects")));
  ExpectDocumented("get", "/v1/loads/{id}/rejects", Get(Url("/v1/loads/" + csv_load_id + "/rejects?limit=1")));

  for (const std::string report : {"hires-by-quarter", "departments-above-mean"}) {
    const std::string path = "/v1/reports/" + report;
    ExpectDocumented("get", path, Get(Url(path + "?year=2021")));
    ExpectDocumented("get", path, Get(Url(path + "?format=csv")));
    ExpectDocumented("get", path, Request("GET", Url(path), "", {"Accept: text/csv"}));
    ExpectDocumented("get", path, Get(Url(path + "?year=21")));
  }
}

// With keys and a rate limit configured: 401, 403 and 429 are the documented problems, with
// their WWW-Authenticate and Retry-After headers; docs and health stay open.
TEST_F(OpenApiTest, AuthAndRateLimitAnswersAreDocumented) {
  const TestDatabase database(Backend::kSqlite);
  // SHA-256 of "openapi-test-writer" and of "openapi-test-reader" (read-only).
  const ServerProcess guarded(database.url(),
                              {"--api-keys",
                               "writer:1f6c24c7ce8f53a6bb28c1d39f529f175828e6d4a83e128dc0c8a10da184e18d,"
                               "reader:3fb2a5bf420cd00305506c642a5d2374200d490d4b67748a3a41ab150d9c7d1c:read",
                               "--rate-limit-rps", "1"});
  EXPECT_EQ(Get(guarded.Url("/openapi.json")).status, 200);
  EXPECT_EQ(Get(guarded.Url("/docs")).status, 200);

  const HttpResponse no_key = Get(guarded.Url("/v1/departments"));
  ASSERT_EQ(no_key.status, 401) << no_key.body;
  EXPECT_FALSE(no_key.Header("www-authenticate").empty());
  ExpectDocumented("get", "/v1/{table}", no_key);
  ExpectDocumented("get", "/v1/loads", Request("GET", guarded.Url("/v1/loads"), "", {"X-API-Key: nope"}));

  const HttpResponse read_only = Request("POST", guarded.Url("/v1/departments"), "1,Sales\n",
                                         {"Content-Type: text/csv", "Authorization: Bearer openapi-test-reader"});
  ASSERT_EQ(read_only.status, 403) << read_only.body;
  ExpectDocumented("post", "/v1/{table}", read_only);

  // A burst of 2 at 1 request per second: the third request in a row is refused.
  HttpResponse limited;
  for (int attempt = 0; attempt < 5 && limited.status != 429; ++attempt) {
    limited = Request("GET", guarded.Url("/v1/reports/hires-by-quarter"), "", {"X-API-Key: openapi-test-writer"});
  }
  ASSERT_EQ(limited.status, 429) << limited.body;
  ExpectDocumented("get", "/v1/reports/hires-by-quarter", limited);
}

TEST_F(OpenApiTest, TheDocsPageLoadsOnlyAssetsOfThisServer) {
  const HttpResponse page = Get(Url("/docs"));
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(MediaType(page.Header("content-type")), "text/html");
  EXPECT_NE(page.Header("content-security-policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(page.body.find("http://"), std::string::npos) << page.body;
  EXPECT_EQ(page.body.find("https://"), std::string::npos) << page.body;

  const std::regex reference(R"re((?:src|href)="([^"]*)")re");
  std::set<std::string> local;
  for (auto it = std::sregex_iterator(page.body.begin(), page.body.end(), reference); it != std::sregex_iterator();
       ++it) {
    const std::string target = (*it)[1];
    if (target.rfind("data:", 0) == 0) continue;
    ASSERT_TRUE(target.size() > 1 && target[0] == '/' && target[1] != '/') << "not a local path: " << target;
    local.insert(target);
  }
  EXPECT_TRUE(local.contains("/docs/swagger-ui-bundle.js") && local.contains("/docs/swagger-ui.css") &&
              local.contains("/docs/swagger-initializer.js"))
      << page.body;

  // Each asset is served byte for byte as in the source tree or the installed npm package, with
  // its content type.
  const std::string web = std::string(MIGRATION_SOURCE_DIR) + "/web/docs/";
  const std::string swagger_ui = std::string(MIGRATION_SWAGGER_UI_DIR) + "/";
  const std::map<std::string, std::pair<std::string, std::string>> expected = {
      {"/docs/swagger-ui-bundle.js", {"text/javascript", swagger_ui + "swagger-ui-bundle.js"}},
      {"/docs/swagger-ui.css", {"text/css", swagger_ui + "swagger-ui.css"}},
      {"/docs/swagger-initializer.js", {"text/javascript", web + "swagger-initializer.js"}},
  };
  for (const auto& target : local) {
    SCOPED_TRACE(target);
    const HttpResponse asset = Get(Url(target));
    EXPECT_EQ(asset.status, 200);
    if (!expected.contains(target)) continue;
    EXPECT_EQ(MediaType(asset.Header("content-type")), expected.at(target).first);
    const std::string on_disk = ReadFile(expected.at(target).second);
    ASSERT_FALSE(on_disk.empty());
    EXPECT_TRUE(asset.body == on_disk) << "embedded copy differs from " << expected.at(target).second << " ("
                                       << asset.body.size() << " vs " << on_disk.size() << " bytes)";
  }

  // The initializer renders this server's document, with the online validator badge off.
  const std::string initializer = Get(Url("/docs/swagger-initializer.js")).body;
  EXPECT_NE(initializer.find("url: \"/openapi.json\""), std::string::npos) << initializer;
  EXPECT_NE(initializer.find("validatorUrl: null"), std::string::npos) << initializer;
}

// Swagger UI's licences travel with the binary: served as the installed package holds them.
TEST_F(OpenApiTest, TheDocsPageServesSwaggerUisLicencesFromThePinnedPackage) {
  for (const std::string name : {"LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"}) {
    SCOPED_TRACE(name);
    const HttpResponse asset = Get(Url("/docs/" + name));
    EXPECT_EQ(asset.status, 200);
    EXPECT_EQ(MediaType(asset.Header("content-type")), "text/plain");
    const std::string on_disk = ReadFile(std::string(MIGRATION_SWAGGER_UI_DIR) + "/" + name);
    ASSERT_FALSE(on_disk.empty());
    EXPECT_TRUE(asset.body == on_disk) << "embedded copy differs from the package's " << name;
  }
}

TEST_F(OpenApiTest, EveryDocumentedDocsAssetIsServedWithADocumentedContentType) {
  const SchemaCheck check(spec_);
  const json& operation = spec_["paths"]["/docs/{asset}"]["get"];
  json names;
  for (const auto& parameter : operation["parameters"]) {
    if (check.Resolve(parameter)["name"] == "asset") names = check.Resolve(parameter)["schema"]["enum"];
  }
  ASSERT_FALSE(names.empty());
  for (const auto& name : names) {
    const HttpResponse asset = Get(Url("/docs/" + name.get<std::string>()));
    SCOPED_TRACE(name.get<std::string>());
    EXPECT_EQ(asset.status, 200);
    EXPECT_FALSE(asset.body.empty());
    EXPECT_EQ(asset.Header("x-content-type-options"), "nosniff");
    ExpectDocumented("get", "/docs/{asset}", asset);
  }
  const HttpResponse missing = Get(Url("/docs/index.html"));
  EXPECT_EQ(missing.status, 404);
  ExpectDocumented("get", "/docs/{asset}", missing);
}

}  // namespace
}  // namespace migration::testing
