#pragma once
// SQLite side of backups and restores: consistent table scans, the restore transaction, and the
// backups table. Used by SqliteDatabase (sqlite_database.cpp).

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "db/connection_pool.hpp"
#include "db/database.hpp"
#include "db/sqlite/sqlite_connection.hpp"

namespace migration::db::sqlite {

using Pool = ConnectionPool<Connection>;

// Binds a row's values in core::Row order (datetime as RFC 3339 text), as ColumnList names them.
void BindRow(Statement& stmt, core::Table table, const core::Row& row);

// Reads the table inside one read transaction (WAL: a snapshot; writers go on meanwhile).
void ScanTable(Connection& conn, core::Table table, const std::function<void(std::span<const core::Row>)>& sink);

// Takes the write lock (BEGIN IMMEDIATE: loads wait) and deletes the table's rows.
std::unique_ptr<RestoreTransaction> BeginRestore(Pool::Lease lease, core::Table table);

void InsertBackup(Connection& conn, const BackupRecord& backup);
std::vector<BackupRecord> SelectBackups(Connection& conn, std::optional<core::Table> table, int limit);
std::optional<BackupRecord> SelectBackup(Connection& conn, const std::string& backup_id);

}  // namespace migration::db::sqlite
