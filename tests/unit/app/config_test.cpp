#include "app/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/error.hpp"

namespace migration::app {
namespace {

TEST(RedactUrlTest, HidesPasswordsInTheAuthorityAndInTheQuery) {
  EXPECT_EQ(RedactUrl("postgresql://app:s3cr%40t@db:5432/migration?sslmode=require"),
            "postgresql://app:***@db:5432/migration?sslmode=require");
  EXPECT_EQ(RedactUrl("postgresql://app@db/migration?sslmode=require&password=hunter2&connect_timeout=5"),
            "postgresql://app@db/migration?sslmode=require&password=***&connect_timeout=5");
  EXPECT_EQ(RedactUrl("postgresql://db/migration?password=hunter2"), "postgresql://db/migration?password=***");
}

TEST(RedactUrlTest, LeavesUrlsWithoutSecretsAlone) {
  EXPECT_EQ(RedactUrl("sqlite://var/migration.db"), "sqlite://var/migration.db");
  EXPECT_EQ(RedactUrl("postgresql://app@db:5432/migration"), "postgresql://app@db:5432/migration");
}

TEST(LoadEnvironmentTest, MetricsEmfTakesOneOrZero) {
  Config config;
  ::setenv("METRICS_EMF", "1", 1);
  LoadEnvironment(config);
  EXPECT_TRUE(config.metrics_emf);
  ::setenv("METRICS_EMF", "0", 1);
  LoadEnvironment(config);
  EXPECT_FALSE(config.metrics_emf);
  ::setenv("METRICS_EMF", "sometimes", 1);
  EXPECT_THROW(LoadEnvironment(config), core::Error);
  ::unsetenv("METRICS_EMF");
}

}  // namespace
}  // namespace migration::app
