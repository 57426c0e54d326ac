#!/usr/bin/env bash
# Runs every test of OpsConsole (unit, integration, browser) and prints one summary line.
# Installs what the tests need first: the dotnet tools of .config/dotnet-tools.json, PostgreSQL and Redis from
# Debian's `postgresql` and `redis-server` packages and, when the browser tests exist, Chromium from Debian's `chromium` package.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -d tests/OpsConsole.E2ETests ] && [ -z "${OPSCONSOLE_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Chromium (Debian package) for the browser tests..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null
fi

# The concurrency tests run two nodes on a real PostgreSQL: each test run starts a throw-away cluster of Debian's
# postgresql package on loopback (tests/OpsConsole.IntegrationTests/Infrastructure/PostgresServer.cs); install it when missing.
if [ -z "${OPSCONSOLE_TEST_POSTGRES:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "Installing PostgreSQL (Debian package) for the two-node tests..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  # The package starts its own cluster on 5432; the tests need none of it.
  $SUDO service postgresql stop >/dev/null 2>&1 || true
fi

# The two-node tests also need Redis (events and hub messages across nodes): a throw-away redis-server from Debian's
# package on loopback (tests/OpsConsole.IntegrationTests/Infrastructure/RedisServer.cs); install it when missing.
if [ -z "${OPSCONSOLE_TEST_REDIS:-}" ] && ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then
  echo "Installing Redis (Debian package) for the two-node tests..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  # The package starts its own server on 6379; the tests need none of it.
  $SUDO service redis-server stop >/dev/null 2>&1 || true
fi

dotnet tool restore >/dev/null
dotnet build OpsConsole.sln -c Release -nologo -v quiet "$@"

log=$(mktemp)
status=0
dotnet test OpsConsole.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log" || status=$?

# One closing line for people and CI: "N passed, N failed".
awk '/(Passed|Failed)!  - Failed:/ {
       for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) }
     } END { gsub(",", "", p); printf "%d passed, %d failed\n", p, f }' "$log"
rm -f "$log"
exit $status
