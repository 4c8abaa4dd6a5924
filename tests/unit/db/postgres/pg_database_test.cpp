// PgDatabase against a real PostgreSQL: migrations, readiness, the load records and the reads.
#include <gtest/gtest.h>

#include <future>
#include <string>

#include "core/error.hpp"
#include "db/migrations.hpp"
#include "unit/db/postgres/pg_test_fixture.hpp"

namespace migration::db::postgres {
namespace {

using core::ErrorCode;
using core::Row;
using core::Table;

class PgDatabaseTest : public testing::PgTest {};
class PgMigratedDatabaseTest : public testing::MigratedPgTest {
 protected:
  int64_t NewLoad(const std::string& host = "host-a", int64_t started_us = 1'700'000'000'123'456) {
    LoadRecord load;
    load.table = Table::kJobs;
    load.source = "batch";
    load.on_conflict = OnConflict::kReject;
    load.started_us = started_us;
    load.host = host;
    return db_->CreateLoad(load);
  }
};

TEST_F(PgDatabaseTest, MigrateAppliesEachMigrationOnceAndThenNothing) {
  EXPECT_EQ(db_->BackendName(), "postgresql");
  EXPECT_FALSE(db_->Ready());  // no schema yet
  const int latest = LatestVersion("postgres");
  ASSERT_GT(latest, 0);
  EXPECT_EQ(db_->Migrate(), static_cast<int>(MigrationsFor("postgres").size()));
  EXPECT_TRUE(db_->Ready());
  EXPECT_EQ(db_->Migrate(), 0);
  EXPECT_EQ(Count("SELECT max(version) FROM schema_migrations"), latest);
  EXPECT_EQ(Value("SELECT name FROM schema_migrations WHERE version = 1"), "init");
  EXPECT_EQ(Count("SELECT count(*) FROM information_schema.tables WHERE table_schema = '" + schema_ +
                  "' AND table_name IN ('departments', 'jobs', 'hired_employees', 'loads', 'rejects')"),
            5);
}

TEST_F(PgDatabaseTest, ReplicasMigratingAtOnceApplyEachMigrationOnce) {
  auto other = Open();
  auto first = std::async(std::launch::async, [&] { return db_->Migrate(); });
  auto second = std::async(std::launch::async, [&] { return other->Migrate(); });
  EXPECT_EQ(first.get() + second.get(), static_cast<int>(MigrationsFor("postgres").size()));
  EXPECT_TRUE(db_->Ready());
  EXPECT_TRUE(other->Ready());
}

TEST_F(PgDatabaseTest, ReadyIsFalseWhenTheSchemaIsBehind) {
  ASSERT_GT(db_->Migrate(), 0);
  Sql("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)");
  EXPECT_FALSE(db_->Ready());
}

TEST_F(PgDatabaseTest, UnreachableServerIsUnavailableAndNeverShowsThePassword) {
  auto db = OpenPostgresDatabase("postgresql://someone:s3cr3t-pw@127.0.0.1:1/nowhere?connect_timeout=2", {});
  EXPECT_FALSE(db->Ready());
  try {
    db->ListRows(Table::kJobs, {});
    FAIL() << "listing rows without a server must fail";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kUnavailable) << error.detail();
    EXPECT_EQ(error.detail().find("s3cr3t-pw"), std::string::npos) << error.detail();
    EXPECT_NE(error.detail().find("cannot connect"), std::string::npos) << error.detail();
  }
}

TEST_F(PgDatabaseTest, RefusedConnectionIsUnavailableAndNeverShowsThePassword) {
  // The same server, a database that does not exist: the server answers and refuses.
  const size_t host_start = server_url_.find('@') + 1;
  const std::string host_port = server_url_.substr(host_start, server_url_.find('/', host_start) - host_start);
  auto db = OpenPostgresDatabase("postgresql://migration:wr0ng-pw@" + host_port + "/no_such_database_here", {});
  EXPECT_FALSE(db->Ready());
  try {
    db->GetLoad(1);
    FAIL() << "connecting to a missing database must fail";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kUnavailable) << error.detail();
    EXPECT_EQ(error.detail().find("wr0ng-pw"), std::string::npos) << error.detail();
    EXPECT_NE(error.detail().find("no_such_database_here"), std::string::npos) << error.detail();
  }
}

TEST_F(PgDatabaseTest, MalformedUrlIsABadRequestThatDoesNotQuoteIt) {
  try {
    OpenPostgresDatabase("postgresql://user:s3cr3t@[::1/db", {});
    FAIL() << "a malformed URL must be refused at open";
  } catch (const core::Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kBadRequest);
    EXPECT_EQ(error.detail().find("s3cr3t"), std::string::npos) << error.detail();
  }
}

TEST_F(PgMigratedDatabaseTest, CreateLoadStoresTheRecordExactly) {
  const int64_t id = NewLoad("host-a", -1'234'567);  // before 1970, with microseconds
  const auto load = db_->GetLoad(id);
  ASSERT_TRUE(load.has_value());
  EXPECT_EQ(load->id, id);
  EXPECT_EQ(load->table, Table::kJobs);
  EXPECT_EQ(load->source, "batch");
  EXPECT_EQ(load->on_conflict, OnConflict::kReject);
  EXPECT_EQ(load->status, LoadStatus::kRunning);
  EXPECT_EQ(load->started_us, -1'234'567);
  EXPECT_FALSE(load->finished_us.has_value());
  EXPECT_EQ(load->counts.received, 0u);
  EXPECT_EQ(load->error, "");
  EXPECT_EQ(load->host, "host-a");
  EXPECT_FALSE(db_->GetLoad(id + 1000).has_value());
  EXPECT_EQ(NewLoad(), id + 1);  // identity ids, one after the other
}

TEST_F(PgMigratedDatabaseTest, FailLoadKeepsOnlyTheReceivedCount) {
  const int64_t id = NewLoad();
  db_->FailLoad(id, {.received = 10, .inserted = 5, .updated = 1, .rejected = 2, .skipped = 2},
                "client went away\twith a tab");
  const auto load = db_->GetLoad(id);
  ASSERT_TRUE(load.has_value());
  EXPECT_EQ(load->status, LoadStatus::kFailed);
  EXPECT_EQ(load->counts.received, 10u);
  EXPECT_EQ(load->counts.inserted, 0u);
  EXPECT_EQ(load->counts.updated, 0u);
  EXPECT_EQ(load->counts.rejected, 0u);
  EXPECT_EQ(load->counts.skipped, 0u);
  EXPECT_EQ(load->error, "client went away\twith a tab");
  ASSERT_TRUE(load->finished_us.has_value());
  EXPECT_GE(*load->finished_us, load->started_us);
}

TEST_F(PgMigratedDatabaseTest, FailInterruptedLoadsTouchesOnlyRunningLoadsOfThatHost) {
  const int64_t mine = NewLoad("host-a");
  const int64_t other_host = NewLoad("host-b");
  const int64_t finished = NewLoad("host-a");
  db_->BeginLoad(finished, LoadMode::kWrite)->Commit({.status = LoadStatus::kSucceeded});
  EXPECT_EQ(db_->FailInterruptedLoads("host-a"), 1);
  EXPECT_EQ(db_->GetLoad(mine)->status, LoadStatus::kFailed);
  EXPECT_NE(db_->GetLoad(mine)->error.find("interrupted"), std::string::npos);
  EXPECT_EQ(db_->GetLoad(other_host)->status, LoadStatus::kRunning);
  EXPECT_EQ(db_->GetLoad(finished)->status, LoadStatus::kSucceeded);
  EXPECT_EQ(db_->FailInterruptedLoads("host-a"), 0);
}

TEST_F(PgMigratedDatabaseTest, ListLoadsPagesNewestFirst) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(NewLoad());
  const auto first = db_->ListLoads({.after = 0, .limit = 2});
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].id, ids[4]);
  EXPECT_EQ(first[1].id, ids[3]);
  const auto second = db_->ListLoads({.after = first.back().id, .limit = 2});
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].id, ids[2]);
  EXPECT_EQ(second[1].id, ids[1]);
  const auto last = db_->ListLoads({.after = second.back().id, .limit = 2});
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].id, ids[0]);
  EXPECT_TRUE(db_->ListLoads({.after = ids[0], .limit = 2}).empty());
  EXPECT_EQ(db_->ListLoads({.after = 0, .limit = -1}).size(), 5u);  // negative: no limit, as in SQLite
}

TEST_F(PgMigratedDatabaseTest, ListRowsPagesByIdAndGetRowFindsOne) {
  const int64_t load = NewLoad();
  {
    auto tx = db_->BeginLoad(load, LoadMode::kWrite);
    std::vector<Row> rows;
    for (int id : {5, 1, 9, 3, 7}) rows.push_back({.id = id, .text = "job " + std::to_string(id)});
    tx->WriteRows(Table::kJobs, rows, OnConflict::kReject, false);
    tx->Commit({.status = LoadStatus::kSucceeded});
  }
  const auto first = db_->ListRows(Table::kJobs, {.after = 0, .limit = 2});
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0], (Row{.id = 1, .text = "job 1"}));
  EXPECT_EQ(first[1].id, 3);
  const auto rest = db_->ListRows(Table::kJobs, {.after = 3, .limit = 10});
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].id, 5);
  EXPECT_EQ(rest[2].id, 9);
  EXPECT_TRUE(db_->ListRows(Table::kJobs, {.after = 9, .limit = 10}).empty());
  EXPECT_TRUE(db_->ListRows(Table::kDepartments, {}).empty());
  EXPECT_EQ(db_->GetRow(Table::kJobs, 7), (Row{.id = 7, .text = "job 7"}));
  EXPECT_FALSE(db_->GetRow(Table::kJobs, 8).has_value());
}

TEST_F(PgMigratedDatabaseTest, ListRejectsPagesBySeq) {
  const int64_t load = NewLoad();
  {
    auto tx = db_->BeginLoad(load, LoadMode::kWrite);
    std::vector<RejectRecord> rejects;
    for (int i = 0; i < 5; ++i)
      rejects.push_back({.locator = RejectLocator::kIndex, .position = i, .raw = "{}", .errors_json = "[]"});
    tx->WriteRejects(rejects);
    tx->Commit({.status = LoadStatus::kRejected});
  }
  const auto first = db_->ListRejects(load, {.after = 0, .limit = 2});
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].seq, 1);
  EXPECT_EQ(first[1].seq, 2);
  EXPECT_EQ(first[1].reject.position, 1);
  const auto rest = db_->ListRejects(load, {.after = 2, .limit = 10});
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0].seq, 3);
  EXPECT_EQ(rest[2].seq, 5);
  EXPECT_TRUE(db_->ListRejects(load, {.after = 5, .limit = 10}).empty());
  EXPECT_TRUE(db_->ListRejects(load + 1, {}).empty());
}

}  // namespace
}  // namespace migration::db::postgres
