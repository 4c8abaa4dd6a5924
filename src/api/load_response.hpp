#pragma once
// The answer to a request that ran a load (upload, batch, retry of rejects), one rule for all.

#include <string>

#include "http/request.hpp"
#include "ingest/load.hpp"

namespace migration::api {

// 201 when every row was created, 200 when some were rejected, updated or skipped (or for a dry
// run, whatever it found), 422 (problem body carrying the same load fields) when nothing valid
// was written.
http::Response LoadResponse(const ingest::LoadResult& result, const std::string& instance);

}  // namespace migration::api
