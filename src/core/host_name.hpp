#pragma once
// This machine's name, as a load records it (loads.host) and as FailInterruptedLoads looks for it
// at start-up: both must get the same string, or a restarted replica misses its own loads.

#include <string>

namespace migration::core {

// gethostname(), or "unknown" when it fails (then every load of this process is recorded so).
std::string HostName();

}  // namespace migration::core
