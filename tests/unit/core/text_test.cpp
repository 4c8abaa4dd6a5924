#include "core/text.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/host_name.hpp"

namespace migration::core {
namespace {

TEST(AsciiLowerTest, FoldsOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("Content-Type: TEXT/CSV"), "content-type: text/csv");
  // Bytes >= 0x80 (here UTF-8 for "É") and digits stay as they are, whatever the locale.
  EXPECT_EQ(AsciiLower("\xC3\x89T\xC3\x89 42"), "\xC3\x89t\xC3\x89 42");
  EXPECT_EQ(AsciiLower(""), "");
}

TEST(AsciiIEqualsTest, ComparesWithoutCaseAndNeedsEqualLengths) {
  EXPECT_TRUE(AsciiIEquals("Bearer ", "bEARER "));
  EXPECT_FALSE(AsciiIEquals("Bearer", "Bearer "));
  EXPECT_FALSE(AsciiIEquals("\xC3\x89", "\xC3\xA9"));  // É and é: not ASCII, not folded
}

TEST(HostNameTest, IsTheSameNonEmptyNameEachTime) {
  const std::string name = HostName();
  EXPECT_FALSE(name.empty());
  EXPECT_EQ(HostName(), name);  // loads and FailInterruptedLoads must agree
  EXPECT_EQ(ProcessName(), name + "/" + std::to_string(::getpid()));
}

TEST(HostNameTest, OnlyEndedProcessesOfThisMachineCountAsEnded) {
  const std::string host = HostName();
  // A live process of this machine: a child that waits until told.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  EXPECT_FALSE(IsEndedProcessOfThisHost(host + "/" + std::to_string(child))) << "a CLI load beside the server";
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_TRUE(IsEndedProcessOfThisHost(host + "/" + std::to_string(child))) << "it has ended";
  EXPECT_TRUE(IsEndedProcessOfThisHost(ProcessName())) << "an earlier run with this pid (a restarted container)";
  EXPECT_TRUE(IsEndedProcessOfThisHost(host)) << "as loads recorded their holder before pids";
  for (const std::string& other : std::vector<std::string>{"another-host/1", "another-host", host + "x/1", host + "/",
                                                           host + "/abc", host + "/-1", host + "/1/2"}) {
    EXPECT_FALSE(IsEndedProcessOfThisHost(other)) << other;
  }
}

}  // namespace
}  // namespace migration::core
