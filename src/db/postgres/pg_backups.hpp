#pragma once
// PostgreSQL side of backups and restores: snapshot scans (REPEATABLE READ + cursor), the restore
// transaction, and the backups table. Used by PgDatabase (pg_database.cpp).

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "db/postgres/pg_lease.hpp"

namespace migration::db::postgres {

void ScanTable(PgConnection& conn, core::Table table, const std::function<void(std::span<const core::Row>)>& sink);

// `local_commits` is incremented once the restore has committed.
std::unique_ptr<RestoreTransaction> BeginRestore(PgPool& pool, core::Table table, std::atomic<uint64_t>& local_commits);

void InsertBackup(PgConnection& conn, const BackupRecord& backup);
std::vector<BackupRecord> SelectBackups(PgConnection& conn, std::optional<core::Table> table, int limit);
std::optional<BackupRecord> SelectBackup(PgConnection& conn, const std::string& backup_id);

}  // namespace migration::db::postgres
