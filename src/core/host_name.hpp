#pragma once
// Who runs a load: this machine's name and process (loads.host), and at start-up which running
// loads were left by a process of this machine that has ended (Database::FailInterruptedLoads).

#include <string>
#include <string_view>

namespace migration::core {

// gethostname(), or "unknown" when it fails.
std::string HostName();

// "<host>/<pid>": what a load records as its holder. The pid tells apart the processes of one
// machine: a server restarting must not fail the load a CLI `load` on the same machine is running.
std::string ProcessName();

// Whether `holder` (a ProcessName(), or a bare host name as loads recorded before) names a process
// of this machine that no longer runs: this very process (a restarted container gets its old
// pid back), or a pid that does not exist. A bare name of this host counts as ended. False for
// another machine's and for a live process's.
bool IsEndedProcessOfThisHost(std::string_view holder);

}  // namespace migration::core
