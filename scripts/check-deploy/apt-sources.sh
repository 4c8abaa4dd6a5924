#!/usr/bin/env bash
# Prints the Debian bookworm archives this machine's apt uses, one "URI SUITE" a line, the
# main archive first (its suite is plain "bookworm"), then bookworm-updates and -security.
# Reads both formats: deb822 *.sources files and one-line sources.list entries; disabled
# files (other suffixes) are ignored, as apt ignores them.
set -euo pipefail

shopt -s nullglob
{
  for f in /etc/apt/sources.list.d/*.sources; do
    # deb822: blank-line separated stanzas with Types/URIs/Suites fields.
    awk '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && uris != "")
          { n = split(uris, u, " "); m = split(suites, s, " ")
            for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print u[i], s[j] }
        types = uris = suites = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      tolower($1) == "types:"  { $1 = ""; types = $0 }
      tolower($1) == "uris:"   { $1 = ""; uris = $0 }
      tolower($1) == "suites:" { $1 = ""; suites = $0 }
      END { flush() }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r $f ]] || continue
    # One-line format: deb [options] URI SUITE COMPONENT...
    sed -E -n 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+([^[:space:]]+).*/\2 \3/p' "$f"
  done
} | awk '$2 ~ /^bookworm(-updates|-security|\/updates)?$/' |
  sed 's/^ *//' | awk '!seen[$0]++' |
  sort -s -k2,2 -t' ' | awk '{ print ($2 == "bookworm" ? 0 : 1), $0 }' | sort -s -n -k1,1 | cut -d' ' -f2-
