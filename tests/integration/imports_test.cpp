// Import jobs over real HTTP: POST /v1/imports answers 202 at once and the job loads exactly what
// an upload of the same file would (counts and rejects), a folder loads in foreign-key order, a
// queued job is cancelled, bad requests are refused; and on PostgreSQL, two replicas on one
// database with one of them SIGKILLed at random moments never leave a table half-loaded or a
// job running after its lease.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "support/api_fixture.hpp"

namespace migration::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// Hires with ids from `first`, `count` of them: every 40th names an unknown department, every
// 65th has a bad datetime, and the first 50 ids come again at the end (rejected as repeats
// unless their first copy was rejected).
struct HiresFile {
  std::string csv;
  long long valid = 0;
};

HiresFile MakeHires(int first, int count) {
  HiresFile f;
  f.csv.reserve(static_cast<size_t>(count) * 48);
  const auto bad = [](int id) { return id % 40 == 0 || id % 65 == 0; };
  for (int id = first; id < first + count; ++id) {
    f.csv += fmt::format("{},Hire {},2021-{:02}-03T04:05:06Z,{},{}\n", id, id, id % 65 == 0 ? 13 : 1 + id % 12,
                         id % 40 == 0 ? 99 : 1 + id % 3, 1 + id % 3);
    if (!bad(id)) ++f.valid;
  }
  for (int id = first; id < first + 50; ++id) {
    f.csv += fmt::format("{},Again,2021-05-05T00:00:00Z,1,1\n", id);
    if (bad(id)) ++f.valid;
  }
  return f;
}

void WriteFile(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

HttpResponse PostImport(const ServerProcess& server, const nlohmann::json& body, const std::string& query = "",
                        const std::vector<std::string>& headers = {}) {
  std::vector<std::string> all = {"Content-Type: application/json"};
  all.insert(all.end(), headers.begin(), headers.end());
  return Request("POST", server.Url("/v1/imports" + query), body.dump(), all);
}

// Polls the import until it ends (or `limit` passes); returns its last state.
nlohmann::json WaitForImport(const ServerProcess& server, int64_t id, milliseconds limit = milliseconds(120000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  nlohmann::json import;
  while (std::chrono::steady_clock::now() < deadline) {
    const HttpResponse got = Get(server.Url(fmt::format("/v1/imports/{}", id)));
    if (got.status == 200) {
      import = got.Json();
      const std::string status = import["status"];
      if (status == "succeeded" || status == "failed" || status == "cancelled") return import;
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  ADD_FAILURE() << "import " << id << " did not end in time: " << import.dump();
  return import;
}

class ImportApiTest : public ApiTest {
 protected:
  std::string SourceOf(const std::string& key) const { return "file://" + server_->objects_dir() + "/" + key; }
};

TEST_P(ImportApiTest, AnImportLoadsExactlyWhatAnUploadOfTheSameFileWould) {
  SeedCatalog();
  const HiresFile hires = MakeHires(1, 25000);  // past the load's 20,000-row flush
  WriteFile(fs::path(server_->objects_dir()) / "incoming" / "hired_employees.csv", hires.csv);
  // The upload's answer, as a dry run against the same database.
  const HttpResponse upload = UploadCsv("hired_employees", hires.csv, "?dry_run=true");
  ASSERT_EQ(upload.status, 200) << upload.body;

  const HttpResponse created = PostImport(*server_, {{"source", SourceOf("incoming/hired_employees.csv")}}, "",
                                          {"traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"});
  ASSERT_EQ(created.status, 202) << created.body;
  const int64_t id = created.Json()["import_id"];
  EXPECT_EQ(created.Header("location"), fmt::format("/v1/imports/{}", id));
  EXPECT_EQ(created.Json()["steps"][0]["table"], "hired_employees");
  EXPECT_EQ(created.Json()["steps"][0]["bytes_total"], hires.csv.size());

  const nlohmann::json done = WaitForImport(*server_, id);
  ASSERT_EQ(done["status"], "succeeded") << done.dump();
  EXPECT_EQ(done["trace_id"], "0af7651916cd43dd8448eb211c80319c");
  const nlohmann::json& step = done["steps"][0];
  EXPECT_EQ(step["status"], "partial");
  EXPECT_EQ(step["bytes_read"], hires.csv.size());
  const nlohmann::json expected = upload.Json();
  for (const char* count : {"rows_received", "rows_inserted", "rows_rejected"}) {
    EXPECT_EQ(step[count], expected[count]) << count;
  }
  EXPECT_EQ(CountRows("hired_employees"), hires.valid);
  // The same rejects, line for line, with the same reasons.
  const int64_t load_id = step["load_id"];
  const HttpResponse import_rejects = Get(Url(fmt::format("/v1/loads/{}/rejects?format=csv", load_id)));
  const HttpResponse upload_rejects =
      Get(Url(fmt::format("/v1/loads/{}/rejects?format=csv", expected["load_id"].get<int64_t>())));
  ASSERT_EQ(import_rejects.status, 200);
  EXPECT_EQ(import_rejects.body, upload_rejects.body);
  const nlohmann::json load = Get(Url(fmt::format("/v1/loads/{}", load_id))).Json();
  EXPECT_EQ(load["source"], fmt::format("import:{}", id));
  EXPECT_EQ(load["trace_id"], "0af7651916cd43dd8448eb211c80319c");

  const nlohmann::json list = Get(Url("/v1/imports")).Json();
  ASSERT_FALSE(list["items"].empty());
  EXPECT_EQ(list["items"][0]["import_id"], id);
}

TEST_P(ImportApiTest, AFolderLoadsParentsFirstWhateverTheNames) {
  const fs::path folder = fs::path(server_->objects_dir()) / "cutover";
  WriteFile(folder / "hired_employees.csv", "1,Ann,2021-01-05T10:00:00Z,1,2\n2,Bob,2021-02-05T10:00:00Z,2,1\n");
  WriteFile(folder / "jobs.csv", "1,Engineer\n2,Analyst\n");
  WriteFile(folder / "departments.csv", "1,Sales\n2,Legal\n");
  const HttpResponse created = PostImport(*server_, {{"source", SourceOf("cutover/")}});
  ASSERT_EQ(created.status, 202) << created.body;
  const nlohmann::json done = WaitForImport(*server_, created.Json()["import_id"]);
  ASSERT_EQ(done["status"], "succeeded") << done.dump();
  ASSERT_EQ(done["steps"].size(), 3u);
  EXPECT_EQ(done["steps"][0]["table"], "departments");
  EXPECT_EQ(done["steps"][1]["table"], "jobs");
  EXPECT_EQ(done["steps"][2]["table"], "hired_employees");
  EXPECT_EQ(done["steps"][2]["status"], "succeeded") << "every hire found its department and job";
  EXPECT_EQ(done["rows_inserted"], 6);
  EXPECT_EQ(CountRows("hired_employees"), 2);
}

TEST_P(ImportApiTest, BadImportRequestsAreRefusedWithAReasonAndQueueNothing) {
  WriteFile(fs::path(server_->objects_dir()) / "x" / "notes.csv", "1,Sales\n");
  const auto refused = [&](const nlohmann::json& body, long status, const std::string& says,
                           const std::string& query = "") {
    const HttpResponse r = PostImport(*server_, body, query);
    EXPECT_EQ(r.status, status) << body.dump() << " " << r.body;
    EXPECT_NE(r.body.find(says), std::string::npos) << r.body;
  };
  refused({{"source", "file:///etc/passwd"}}, 400, "under file://");
  refused({{"source", SourceOf("../x/departments.csv")}}, 400, "under file://");
  refused({{"source", SourceOf("x/notes.csv")}}, 400, "give \\\"table\\\"");
  refused({{"source", SourceOf("x/missing.csv")}}, 400, "no such object");
  refused({{"source", SourceOf("x/")}}, 400, "no departments.csv");
  refused({{"source", SourceOf("x/notes.csv")}, {"table", "jobs"}, {"header", "maybe"}}, 400, "header");
  refused({{"source", SourceOf("x/notes.csv")}, {"table", "jobs"}, {"dryrun", true}}, 400, "unknown field");
  refused({{"table", "jobs"}}, 400, "source");
  refused({{"source", SourceOf("x/notes.csv")}, {"table", "jobs"}}, 400, "onconflict", "?onconflict=skip");
  EXPECT_TRUE(Get(Url("/v1/imports")).Json()["items"].empty());
  // A local store has no presigned URLs: uploads go through the service.
  const HttpResponse direct = Post(Url("/v1/departments/upload-urls"), R"({"bytes": 10})", "application/json");
  EXPECT_EQ(direct.status, 400) << direct.body;
  EXPECT_NE(direct.body.find("POST /v1/{table}/upload"), std::string::npos) << direct.body;
  const nlohmann::json settings = Get(Url("/v1/direct-uploads")).Json();
  EXPECT_EQ(settings["enabled"], false) << settings.dump();
  EXPECT_EQ(settings["max_bytes"], 0) << settings.dump();
  EXPECT_EQ(Request("DELETE", Url("/v1/imports/4242")).status, 404);
  EXPECT_EQ(Get(Url("/v1/imports/4242")).status, 404);
}

TEST_P(ImportApiTest, AQueuedImportIsCancelledAndAFinishedOneCannotBe) {
  // A replica that runs no imports: the job waits, queued.
  ServerProcess idle(database_->url(), {"--max-import-jobs", "0", "--storage-url", "file://" + server_->objects_dir()});
  WriteFile(fs::path(server_->objects_dir()) / "q" / "departments.csv", "1,Sales\n");
  const HttpResponse created = PostImport(idle, {{"source", SourceOf("q/departments.csv")}, {"dry_run", true}});
  ASSERT_EQ(created.status, 202) << created.body;
  const int64_t id = created.Json()["import_id"];
  // The serving replica runs imports too: cancel before it claims it (it polls each second), or
  // accept that it finished (then the cancel is a 409); either way nothing is half done.
  const HttpResponse cancel = Request("DELETE", idle.Url(fmt::format("/v1/imports/{}", id)));
  if (cancel.status == 200) {
    EXPECT_EQ(cancel.Json()["status"], "cancelled");
    EXPECT_EQ(cancel.Json()["steps"][0]["status"], "cancelled");
    std::this_thread::sleep_for(milliseconds(1500));
    EXPECT_EQ(Get(Url(fmt::format("/v1/imports/{}", id))).Json()["status"], "cancelled") << "never claimed";
  } else {
    EXPECT_EQ(cancel.status, 202) << cancel.body;  // claimed meanwhile: stopped by its replica
  }
  const nlohmann::json done = WaitForImport(idle, id);
  EXPECT_NE(done["status"], "running");
  EXPECT_EQ(Request("DELETE", idle.Url(fmt::format("/v1/imports/{}", id))).status, 409) << "it has ended";
  EXPECT_EQ(CountRows("departments"), 0) << "a dry run, cancelled or not, writes no row";
}

TEST_P(ImportApiTest, AnImportSentAgainWithItsIdempotencyKeyIsTheSameJob) {
  WriteFile(fs::path(server_->objects_dir()) / "k" / "departments.csv", "1,Sales\n2,Legal\n");
  WriteFile(fs::path(server_->objects_dir()) / "k" / "jobs.csv", "1,Engineer\n");
  const std::vector<std::string> key = {"Idempotency-Key: import-k-1"};
  const HttpResponse first = PostImport(*server_, {{"source", SourceOf("k/departments.csv")}}, "", key);
  ASSERT_EQ(first.status, 202) << first.body;
  const int64_t id = first.Json()["import_id"];
  WaitForImport(*server_, id);
  const HttpResponse again = PostImport(*server_, {{"source", SourceOf("k/departments.csv")}}, "", key);
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(again.Json()["import_id"], id);
  EXPECT_EQ(again.Header("idempotent-replayed"), "true");
  EXPECT_EQ(again.Json()["status"], "succeeded") << "the job as it is now";
  const HttpResponse other = PostImport(*server_, {{"source", SourceOf("k/jobs.csv")}}, "", key);
  EXPECT_EQ(other.status, 422) << other.body;
  EXPECT_EQ(Get(Url("/v1/imports")).Json()["items"].size(), 1u) << "nothing queued twice";
  EXPECT_EQ(CountRows("departments"), 2);
  EXPECT_EQ(CountRows("jobs"), 0);
}

MIGRATION_ON_BOTH_BACKENDS(ImportApiTest);

// Two replicas on one PostgreSQL database and one store; one of them is SIGKILLed at a random
// moment of each import and started again. Every job must end succeeded with exactly its file's
// valid rows (or failed/cancelled with none), never half a table, never running past its lease.
TEST(ImportTakeoverTest, ReplicasKilledAtRandomMomentsNeverLeaveHalfATableOrAJobRunning) {
  TestDatabase database(Backend::kPostgres);
  ServerProcess a(database.url(), {"--import-lease-seconds", "2"});
  ServerProcess b(database.url(), {"--import-lease-seconds", "2", "--storage-url", "file://" + a.objects_dir()});
  WriteFile(fs::path(a.objects_dir()) / "d" / "departments.csv", "1,Sales\n2,Legal\n3,Research\n");
  WriteFile(fs::path(a.objects_dir()) / "d" / "jobs.csv", "1,Engineer\n2,Analyst\n3,Manager\n");
  for (const char* table : {"departments", "jobs"}) {
    const HttpResponse r = PostImport(a, {{"source", fmt::format("file://{}/d/{}.csv", a.objects_dir(), table)}});
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_EQ(WaitForImport(a, r.Json()["import_id"])["status"], "succeeded");
  }
  std::mt19937 random(20261207);
  constexpr int kTries = 10;
  constexpr int kRowsPerFile = 300000;  // about a second of loading: the kills land mid-load
  int taken_over = 0;
  for (int attempt = 0; attempt < kTries; ++attempt) {
    const int first = 1 + attempt * kRowsPerFile;
    const HiresFile hires = MakeHires(first, kRowsPerFile);
    const std::string key = fmt::format("runs/{}/hired_employees.csv", attempt);
    WriteFile(fs::path(a.objects_dir()) / key, hires.csv);
    const HttpResponse created = PostImport(a, {{"source", "file://" + a.objects_dir() + "/" + key}});
    ASSERT_EQ(created.status, 202) << created.body;
    const int64_t id = created.Json()["import_id"];
    // The replica holding the job ("host/pid") is killed at a random moment of its run.
    std::string holder;
    for (int i = 0; i < 200 && holder.empty(); ++i) {
      const nlohmann::json now = Get(a.Url(fmt::format("/v1/imports/{}", id))).Json();
      if (now["status"] == "running" && now["host"].is_string()) holder = now["host"];
      if (holder.empty()) std::this_thread::sleep_for(milliseconds(10));
    }
    ASSERT_FALSE(holder.empty()) << "no replica claimed import " << id;
    std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(0, 1000)(random)));
    const bool a_holds = holder.ends_with(fmt::format("/{}", a.pid()));
    ServerProcess& victim = a_holds ? a : b;
    ServerProcess& survivor = a_holds ? b : a;
    victim.Stop(SIGKILL);
    const nlohmann::json done = WaitForImport(survivor, id);
    victim.Restart();
    const std::string status = done["status"];
    const long long landed = database.QueryInt(
        fmt::format("SELECT count(*) FROM hired_employees WHERE id >= {} AND id < {}", first, first + kRowsPerFile));
    if (status == "succeeded") {
      EXPECT_EQ(landed, hires.valid) << "try " << attempt << ": " << done.dump();
      EXPECT_EQ(done["steps"][0]["rows_inserted"], hires.valid);
    } else {
      EXPECT_EQ(landed, 0) << "try " << attempt << ": " << done.dump();
    }
    EXPECT_EQ(status, "succeeded") << "try " << attempt << ": " << done.dump();
    if (done["attempts"] > 1) ++taken_over;
  }
  // Most kills land while the job runs: the test is about takeovers, not about idle replicas.
  EXPECT_GE(taken_over, kTries / 2);
  EXPECT_EQ(database.QueryInt("SELECT count(*) FROM imports WHERE status NOT IN ('succeeded', 'failed', 'cancelled')"),
            0);
  // Every attempt a killed replica left is recorded as a failed load, none stays running.
  EXPECT_EQ(database.QueryInt("SELECT count(*) FROM loads l JOIN import_steps s ON s.import_id > 0 AND l.source = "
                              "'import:' || s.import_id WHERE l.status = 'running'"),
            0);
}

// SIGTERM hands the running job back at once: the other replica finishes it long before the
// stopped replica's lease (30 s) would have expired.
TEST(ImportTakeoverTest, ASigtermedReplicaHandsItsJobBackAtOnce) {
  TestDatabase database(Backend::kPostgres);
  ServerProcess a(database.url());
  ServerProcess b(database.url(), {"--storage-url", "file://" + a.objects_dir()});
  WriteFile(fs::path(a.objects_dir()) / "d" / "departments.csv", "1,Sales\n2,Legal\n3,Research\n");
  WriteFile(fs::path(a.objects_dir()) / "d" / "jobs.csv", "1,Engineer\n2,Analyst\n3,Manager\n");
  const HttpResponse parents = PostImport(a, {{"source", fmt::format("file://{}/d/", a.objects_dir())}});
  ASSERT_EQ(parents.status, 202) << parents.body;
  ASSERT_EQ(WaitForImport(a, parents.Json()["import_id"])["status"], "succeeded");
  const HiresFile hires = MakeHires(1, 600000);
  WriteFile(fs::path(a.objects_dir()) / "big" / "hired_employees.csv", hires.csv);
  const HttpResponse created = PostImport(a, {{"source", fmt::format("file://{}/big/", a.objects_dir())}});
  ASSERT_EQ(created.status, 202) << created.body;
  const int64_t id = created.Json()["import_id"];
  std::string holder;
  for (int i = 0; i < 500 && holder.empty(); ++i) {
    const nlohmann::json now = Get(a.Url(fmt::format("/v1/imports/{}", id))).Json();
    if (now["status"] == "running" && now["host"].is_string()) holder = now["host"];
    if (holder.empty()) std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_FALSE(holder.empty());
  const bool a_holds = holder.ends_with(fmt::format("/{}", a.pid()));
  ServerProcess& stopped = a_holds ? a : b;
  ServerProcess& other = a_holds ? b : a;
  const auto sent = std::chrono::steady_clock::now();
  stopped.Stop(SIGTERM);
  const nlohmann::json done = WaitForImport(other, id, milliseconds(25000));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  ASSERT_EQ(done["status"], "succeeded") << done.dump();
  EXPECT_LT(seconds, 25.0) << "finished by the other replica before the 30 s lease could expire";
  EXPECT_EQ(done["attempts"], 2) << "handed back mid-load and claimed again: " << done.dump();
  EXPECT_EQ(done["steps"][0]["rows_inserted"], hires.valid);
  EXPECT_EQ(database.QueryInt("SELECT count(*) FROM hired_employees"), hires.valid);
  stopped.Restart();
}

}  // namespace
}  // namespace migration::testing
