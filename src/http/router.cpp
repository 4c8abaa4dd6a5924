#include "http/router.hpp"

#include <algorithm>

namespace migration::http {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool MatchPattern(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params) {
  const auto want = Segments(pattern);
  const auto got = Segments(path);
  if (want.size() != got.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < want.size(); ++i) {
    const auto w = want[i];
    if (w.size() >= 2 && w.front() == '{' && w.back() == '}') {
      if (got[i].empty()) return false;
      found.emplace(std::string(w.substr(1, w.size() - 2)), std::string(got[i]));
    } else if (w != got[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

void Router::Add(Route route) {
  if (route.name.empty()) route.name = route.method + " " + route.pattern;
  routes_.push_back(std::move(route));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match match;
  // Literal segments win over parameters: "/v1/loads" must not be taken as "/v1/{table}". Routes
  // are tried in registration order, so literal routes are registered first (api/routes.cpp).
  for (const auto& route : routes_) {
    std::map<std::string, std::string> params;
    if (!MatchPattern(route.pattern, path, params)) continue;
    match.path_matched = true;
    if (route.method == method || (method == "HEAD" && route.method == "GET")) {
      match.route = &route;
      match.params = std::move(params);
      return match;
    }
  }
  return match;
}

std::optional<std::string> UnknownQueryParameter(const Request& request, const Route& route) {
  for (const auto& [name, value] : request.query) {
    if (std::find(route.query.begin(), route.query.end(), name) == route.query.end()) return name;
  }
  return std::nullopt;
}

std::optional<std::string> RepeatedQueryParameter(const Request& request, const Route& route) {
  for (const auto& known : route.query) {
    const auto given = std::count_if(request.query.begin(), request.query.end(),
                                     [&known](const auto& parameter) { return parameter.first == known; });
    if (given > 1) return known;
  }
  return std::nullopt;
}

}  // namespace migration::http
