#pragma once
// A pooled PostgreSQL connection for one operation (or one load's transaction). It guarantees the
// two things the pool cannot know about libpq: a connection handed out looks alive, and a
// connection given back is idle (no transaction left open) or else dropped, so the pool heals by
// itself after a server restart or a killed backend.

#include <memory>

#include "db/connection_pool.hpp"
#include "db/postgres/pg_connection.hpp"

namespace migration::db::postgres {

using PgPool = ConnectionPool<PgConnection>;

class PgLease {
 public:
  // Acquires a connection, dropping idle ones the server closed meanwhile. Throws
  // core::Error(kUnavailable) when none is free in time or a new one cannot connect.
  explicit PgLease(PgPool& pool);
  // Rolls back a transaction still open; drops the connection if that fails or it is broken.
  ~PgLease();
  PgLease(PgLease&&) noexcept = default;
  PgLease& operator=(PgLease&&) noexcept = default;
  PgLease(const PgLease&) = delete;
  PgLease& operator=(const PgLease&) = delete;

  PgConnection& operator*() { return *box_->lease; }
  PgConnection* operator->() { return &*box_->lease; }

 private:
  // ConnectionPool::Lease is only ever constructed in place here, never moved: the box moves instead.
  struct Box {
    explicit Box(PgPool& pool) : lease(pool.Acquire()) {}
    PgPool::Lease lease;
  };

  std::unique_ptr<Box> box_;
};

}  // namespace migration::db::postgres
