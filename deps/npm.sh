#!/bin/sh
# deps/npm.sh - install the npm packages the tests use as clients
# (tests/helpers/node/package.json, pinned by its package-lock.json).
#
# Only test clients and validators come from npm (DEVELOPERS.md). Idempotent:
# nothing happens when node_modules matches the lock file. Node.js itself
# comes from Debian (nodejs, npm) when the machine has none.
set -e
cd "$(dirname "$0")/../tests/helpers/node"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "deps: installing Debian nodejs and npm"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq || true
    $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi

# npm ci writes node_modules/.package-lock.json; when it equals ours the
# install is current.
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    exit 0
fi
echo "deps: installing npm test clients (tests/helpers/node)"
npm ci --no-audit --no-fund --loglevel=error
