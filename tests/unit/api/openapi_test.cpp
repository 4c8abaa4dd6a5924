// The OpenAPI document (src/api/openapi.json, served by api/docs_api.cpp) against the router the
// server really builds: every route is documented with the same path parameters, nothing is
// documented that no route serves, and every /v1 operation states its security and auth errors.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <cstdlib>  // mkdtemp

#include <nlohmann/json.hpp>
#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "api/docs_api.hpp"
#include "api/routes.hpp"
#include "db/database.hpp"
#include "http/server.hpp"

namespace migration::api {
namespace {

using nlohmann::json;

// The HTTP methods an OpenAPI path item may hold.
const std::set<std::string> kMethods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// {name} segments of a route pattern, e.g. "/v1/{table}/{id}" -> {table, id}.
std::set<std::string> PatternParams(const std::string& pattern) {
  std::set<std::string> names;
  for (size_t open = pattern.find('{'); open != std::string::npos; open = pattern.find('{', open + 1)) {
    names.insert(pattern.substr(open + 1, pattern.find('}', open) - open - 1));
  }
  return names;
}

class OpenApiDocumentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/migration-openapi-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    db_ = db::OpenDatabase("sqlite://" + dir_ + "/test.db", db::DatabaseOptions{});
    db_->Migrate();
    context_ = std::make_unique<ApiContext>(ApiContext{*db_, state_});
    router_ = BuildRouter(*context_);
    spec_ = json::parse(OpenApiDocument());
  }
  void TearDown() override {
    context_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  const json& Resolve(const json& node) const {
    if (!node.is_object() || !node.contains("$ref")) return node;
    const std::string ref = node["$ref"];
    return spec_.at(json::json_pointer(ref.substr(1)));  // "#/components/..." -> "/components/..."
  }

  // The names of the parameters `in` the path or the query that an operation declares (path item
  // level and its own).
  std::set<std::string> DeclaredParams(const json& path_item, const json& operation, const char* in) const {
    std::set<std::string> names;
    for (const json* list : {&path_item, &operation}) {
      if (!list->contains("parameters")) continue;
      for (const auto& parameter : (*list)["parameters"]) {
        const json& resolved = Resolve(parameter);
        if (resolved["in"] == in) names.insert(resolved["name"].get<std::string>());
      }
    }
    return names;
  }

  std::string dir_;
  std::unique_ptr<db::Database> db_;
  http::ServerState state_;
  std::unique_ptr<ApiContext> context_;
  http::Router router_;
  json spec_;
};

TEST_F(OpenApiDocumentTest, IsOpenApi31WithThisBuildsVersion) {
  EXPECT_EQ(spec_["openapi"].get<std::string>().rfind("3.1.", 0), 0u) << spec_["openapi"];
  EXPECT_EQ(spec_["info"]["version"], MIGRATION_VERSION);
  EXPECT_TRUE(spec_["paths"].is_object());
}

TEST_F(OpenApiDocumentTest, EveryRouteOfTheRouterIsDocumentedWithItsPathAndQueryParameters) {
  ASSERT_FALSE(router_.routes().empty());
  const json& paths = spec_["paths"];
  for (const auto& route : router_.routes()) {
    const std::string method = Lower(route.method);
    SCOPED_TRACE(route.method + " " + route.pattern);
    ASSERT_TRUE(paths.contains(route.pattern)) << "src/api/openapi.json has no path " << route.pattern;
    const json& path_item = paths[route.pattern];
    ASSERT_TRUE(path_item.contains(method)) << "src/api/openapi.json has no " << method << " under " << route.pattern;
    EXPECT_EQ(DeclaredParams(path_item, path_item[method], "path"), PatternParams(route.pattern));
    // The router refuses every query parameter a route does not list: the document and the route
    // must name the same ones.
    EXPECT_EQ(DeclaredParams(path_item, path_item[method], "query"),
              std::set<std::string>(route.query.begin(), route.query.end()));
  }
}

TEST_F(OpenApiDocumentTest, EveryDocumentedOperationIsARouteOfTheRouter) {
  std::set<std::string> routes;
  for (const auto& route : router_.routes()) routes.insert(Lower(route.method) + " " + route.pattern);
  for (const auto& [path, item] : spec_["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!kMethods.contains(method)) continue;
      EXPECT_TRUE(routes.contains(fmt::format("{} {}", method, path)))
          << "documented but not routed: " << method << " " << path;
    }
  }
}

TEST_F(OpenApiDocumentTest, EveryOperationHasAUniqueIdAndASuccessAndAProblemResponse) {
  std::set<std::string> ids;
  for (const auto& [path, item] : spec_["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!kMethods.contains(method)) continue;
      SCOPED_TRACE(fmt::format("{} {}", method, path));
      ASSERT_TRUE(operation.contains("operationId"));
      EXPECT_TRUE(ids.insert(operation["operationId"].get<std::string>()).second) << "duplicate operationId";
      const json& responses = operation["responses"];
      bool has_success = false;
      for (const auto& [status, response] : responses.items()) has_success |= status.front() == '2';
      EXPECT_TRUE(has_success);
      ASSERT_TRUE(responses.contains("default"));
      EXPECT_TRUE(Resolve(responses["default"])["content"].contains("application/problem+json"));
    }
  }
}

// API keys and the rate limit guard every /v1 request (api/access/access_guard.cpp): the document
// must say so on each of them, new ones included.
TEST_F(OpenApiDocumentTest, EveryV1OperationNeedsAKeyAndListsTheAuthRateLimitAndOutageErrors) {
  for (const auto& [path, item] : spec_["paths"].items()) {
    if (path.rfind("/v1/", 0) != 0) continue;
    for (const auto& [method, operation] : item.items()) {
      if (!kMethods.contains(method)) continue;
      SCOPED_TRACE(fmt::format("{} {}", method, path));
      ASSERT_TRUE(operation.contains("security"));
      EXPECT_FALSE(operation["security"].empty());
      for (const char* status : {"401", "403", "429", "503"}) {
        ASSERT_TRUE(operation["responses"].contains(status)) << status;
        EXPECT_TRUE(Resolve(operation["responses"][status])["content"].contains("application/problem+json")) << status;
      }
      EXPECT_TRUE(Resolve(operation["responses"]["401"])["headers"].contains("WWW-Authenticate"));
      EXPECT_TRUE(Resolve(operation["responses"]["429"])["headers"].contains("Retry-After"));
      EXPECT_TRUE(Resolve(operation["responses"]["503"])["headers"].contains("Retry-After"));
    }
  }
}

// Loads and imports take one; a backup or restore sent twice is harmless (a second backup, the
// same table), and so are upload URLs (a second pending import, never started) and a start (it
// changes nothing the second time).
TEST_F(OpenApiDocumentTest, LoadsTakeAnIdempotencyKey) {
  for (const auto& [path, item] : spec_["paths"].items()) {
    if (!item.contains("post") || path.rfind("/v1/", 0) != 0) continue;
    if (path.ends_with("/backups") || path.ends_with("/restore") || path.ends_with("/upload-urls") ||
        path.ends_with("/start")) {
      continue;
    }
    SCOPED_TRACE(path);
    bool found = false;
    for (const auto& parameter : item["post"]["parameters"]) {
      const json& resolved = Resolve(parameter);
      found |= resolved["in"] == "header" && resolved["name"] == "Idempotency-Key";
    }
    EXPECT_TRUE(found);
  }
}

TEST_F(OpenApiDocumentTest, EveryReferenceResolves) {
  // Walks the whole document; a $ref to nothing throws out of Resolve.
  std::function<void(const json&, const std::string&)> walk = [&](const json& node, const std::string& where) {
    if (node.is_object()) {
      if (node.contains("$ref")) {
        EXPECT_NO_THROW(Resolve(node)) << where << ": " << node["$ref"];
      }
      for (const auto& [key, child] : node.items()) walk(child, fmt::format("{}/{}", where, key));
    } else if (node.is_array()) {
      for (size_t i = 0; i < node.size(); ++i) walk(node[i], fmt::format("{}/{}", where, i));
    }
  };
  walk(spec_, "");
}

}  // namespace
}  // namespace migration::api
