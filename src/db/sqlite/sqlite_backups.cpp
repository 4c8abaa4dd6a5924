#include "db/sqlite/sqlite_backups.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/time.hpp"
#include "db/hire_counts.hpp"
#include "db/record_readers.hpp"
#include "db/referential_check.hpp"

namespace migration::db::sqlite {
namespace {

using core::Error;
using core::ErrorCode;
using core::Row;
using core::Table;

constexpr size_t kScanChunkRows = 10000;

class SqliteRestore final : public RestoreTransaction {
 public:
  SqliteRestore(Pool::Lease lease, Table table)
      : lease_(std::move(lease)), table_(table), insert_(lease_->handle(), TableStatements(table).restore_row) {
    lease_->Exec(sqlite_sql::kBeginWrite);
    lease_->Exec(TableStatements(table).empty_for_restore);
  }

  ~SqliteRestore() override {
    if (committed_) return;
    try {
      lease_->Exec(sqlite_sql::kRollback);
    } catch (...) {
      lease_.MarkBroken();
    }
  }

  void Add(std::span<const Row> rows) override {
    for (const Row& row : rows) {
      BindRow(insert_, table_, row);
      try {
        insert_.Run();
      } catch (const Error& error) {
        if (error.code() != ErrorCode::kConflict) throw;
        throw Error(ErrorCode::kConflict,
                    fmt::format("the backup holds {} id {} more than once", core::TableName(table_), row.id));
      }
      if (table_ == Table::kHiredEmployees) counts_.Add(row, +1);
    }
  }

  void Commit() override {
    CheckReferences(table_, [this](const std::string& sql) {
      std::vector<OrphanHire> orphans;
      Statement stmt(lease_->handle(), {"check references", sql});
      while (stmt.Step()) orphans.push_back({static_cast<int32_t>(stmt.Int(0)), static_cast<int32_t>(stmt.Int(1))});
      return orphans;
    });
    if (table_ == Table::kHiredEmployees) {
      lease_->Exec(sqlite_sql::kDropCounts);
      Statement insert(lease_->handle(), sqlite_sql::kWriteCount);
      for (const auto& count : counts_.Sorted()) {
        insert.Bind(1, count.key.year).Bind(2, count.key.department_id).Bind(3, count.key.job_id);
        for (int q = 0; q < 4; ++q) insert.Bind(4 + q, count.quarters[static_cast<size_t>(q)]);
        insert.Run();
      }
    }
    lease_->Exec(sqlite_sql::kBumpDataVersion);
    insert_.Reset();
    lease_->Exec(sqlite_sql::kCommit);
    committed_ = true;
  }

 private:
  Pool::Lease lease_;
  Table table_;
  Statement insert_;
  HireCountDeltas counts_;  // the restored hires' counts: they replace hire_counts whole
  bool committed_ = false;
};

}  // namespace

void BindRow(Statement& stmt, Table table, const Row& row) {
  stmt.Bind(1, row.id).Bind(2, row.text);
  if (table == Table::kHiredEmployees) {
    stmt.Bind(3, core::FormatRfc3339(row.datetime_us)).Bind(4, row.department_id).Bind(5, row.job_id);
  }
}

void ScanTable(Connection& conn, Table table, const std::function<void(std::span<const Row>)>& sink) {
  conn.Exec(sqlite_sql::kBeginRead);
  try {
    Statement stmt(conn.handle(), TableStatements(table).scan);
    std::vector<Row> chunk;
    chunk.reserve(kScanChunkRows);
    while (stmt.Step()) {
      chunk.push_back(ReadRow(stmt, table));
      if (chunk.size() == kScanChunkRows) {
        sink(chunk);
        chunk.clear();
      }
    }
    if (!chunk.empty()) sink(chunk);
  } catch (...) {
    conn.Exec(sqlite_sql::kRollback);
    throw;
  }
  conn.Exec(sqlite_sql::kCommit);
}

std::unique_ptr<RestoreTransaction> BeginRestore(Pool::Lease lease, Table table) {
  return std::make_unique<SqliteRestore>(std::move(lease), table);
}

void InsertBackup(Connection& conn, const BackupRecord& backup) {
  Statement stmt(conn.handle(), sqlite_sql::kRecordBackup);
  stmt.Bind(1, backup.id)
      .Bind(2, core::TableName(backup.table))
      .Bind(3, backup.rows)
      .Bind(4, backup.bytes)
      .Bind(5, backup.sha256)
      .Bind(6, backup.key)
      .Bind(7, backup.location)
      .Bind(8, backup.created_us);
  stmt.Run();
}

std::vector<BackupRecord> SelectBackups(Connection& conn, std::optional<Table> table, int limit) {
  Statement stmt(conn.handle(), sqlite_sql::kListBackups);
  if (table) {
    stmt.Bind(1, core::TableName(*table));
  } else {
    stmt.BindNull(1);
  }
  stmt.Bind(2, static_cast<int64_t>(limit));
  std::vector<BackupRecord> out;
  while (stmt.Step()) out.push_back(ReadBackup(stmt));
  return out;
}

std::optional<BackupRecord> SelectBackup(Connection& conn, const std::string& backup_id) {
  Statement stmt(conn.handle(), sqlite_sql::kGetBackup);
  stmt.Bind(1, backup_id);
  if (!stmt.Step()) return std::nullopt;
  return ReadBackup(stmt);
}

}  // namespace migration::db::sqlite
