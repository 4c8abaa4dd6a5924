#include "db/postgres/pg_lease.hpp"

namespace migration::db::postgres {

PgLease::PgLease(PgPool& pool) {
  // After a restart every idle connection is stale; each pass drops one. A new connection is
  // always alive (or its factory throws), so the loop ends once the stale ones are gone.
  constexpr int kMaxStaleConnections = 64;
  for (int attempt = 0;; ++attempt) {
    box_ = std::make_unique<Box>(pool);
    if (attempt == kMaxStaleConnections || box_->lease->LooksAlive()) return;
    box_->lease.MarkBroken();
    box_.reset();
  }
}

PgLease::~PgLease() {
  if (!box_) return;  // moved from
  PgConnection& conn = *box_->lease;
  if (!conn.IsBroken() && !conn.IsIdle()) {
    // An operation ended by an exception (or a load destroyed without Commit): end its
    // transaction here, so the next user of this connection starts clean.
    try {
      conn.Exec(pg_sql::kRollback);
    } catch (...) {
      box_->lease.MarkBroken();
    }
  }
  if (conn.IsBroken() || !conn.IsIdle()) box_->lease.MarkBroken();
}

}  // namespace migration::db::postgres
