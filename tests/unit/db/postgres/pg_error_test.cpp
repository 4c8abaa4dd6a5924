#include "db/postgres/pg_error.hpp"

#include <gtest/gtest.h>

#include <string>

namespace migration::db::postgres {
namespace {

using core::ErrorCode;

ErrorCode CodeOf(std::string_view sqlstate, bool connection_lost = false) {
  return ClassifyPgError({.sqlstate = sqlstate, .message = "m", .connection_lost = connection_lost}, "test").code();
}

TEST(ClassifyPgErrorTest, ConnectionAndResourceErrorsAreUnavailable) {
  for (const char* state : {"08000", "08003", "08006", "08001", "08P01", "57P01", "57P02", "57P03", "53000", "53100",
                            "53200", "53300", "40001", "40P01"}) {
    EXPECT_EQ(CodeOf(state), ErrorCode::kUnavailable) << state;
  }
}

TEST(ClassifyPgErrorTest, LostConnectionIsUnavailableWhateverTheState) {
  EXPECT_EQ(CodeOf("", /*connection_lost=*/true), ErrorCode::kUnavailable);
  EXPECT_EQ(CodeOf("25P03", /*connection_lost=*/true), ErrorCode::kUnavailable);  // idle-in-transaction timeout
}

TEST(ClassifyPgErrorTest, IntegrityViolationsAreConflicts) {
  const auto duplicate = ClassifyPgError({.sqlstate = "23505",
                                          .message = "duplicate key value violates unique constraint \"jobs_pkey\"",
                                          .detail = "Key (id)=(7) already exists."},
                                         "insert rows");
  EXPECT_EQ(duplicate.code(), ErrorCode::kConflict);
  EXPECT_TRUE(duplicate.detail().starts_with("duplicate")) << duplicate.detail();
  EXPECT_NE(duplicate.detail().find("Key (id)=(7) already exists."), std::string::npos) << duplicate.detail();

  const auto reference = ClassifyPgError({.sqlstate = "23503", .message = "violates foreign key"}, "insert rows");
  EXPECT_EQ(reference.code(), ErrorCode::kConflict);
  EXPECT_TRUE(reference.detail().starts_with("unknown reference")) << reference.detail();

  EXPECT_EQ(CodeOf("23514"), ErrorCode::kConflict);  // check_violation
  EXPECT_EQ(CodeOf("23502"), ErrorCode::kConflict);  // not_null_violation
}

TEST(ClassifyPgErrorTest, EverythingElseIsInternalAndNamesTheState) {
  for (const char* state : {"42P01", "42601", "22021", "XX000", "25P02", ""})
    EXPECT_EQ(CodeOf(state), ErrorCode::kInternal) << state;
  const auto error = ClassifyPgError({.sqlstate = "42P01", .message = "relation \"x\" does not exist"}, "list rows");
  EXPECT_NE(error.detail().find("list rows"), std::string::npos);
  EXPECT_NE(error.detail().find("42P01"), std::string::npos);
}

TEST(ClassifyPgErrorTest, MessagesAreOneLine) {
  const auto error =
      ClassifyPgError({.sqlstate = "",
                       .message = "server closed the connection unexpectedly\n\tThis probably means...\n",
                       .connection_lost = true},
                      "copy rows");
  EXPECT_EQ(error.detail().find('\n'), std::string::npos) << error.detail();
  EXPECT_EQ(OneLine("a\nb\r\n"), "a b");
}

}  // namespace
}  // namespace migration::db::postgres
