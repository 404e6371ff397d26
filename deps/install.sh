#!/bin/sh
# deps/install.sh - install the Debian packages we build and test with.
#
# Idempotent: it asks dpkg which packages are present and only runs apt-get
# when something is missing, so `make` can call it on every build cheaply.
# Every dependency of the project comes from Debian (see DEVELOPERS.md).
#
#   deps/install.sh          build + test dependencies
#   deps/install.sh --build  only what compiling src/ needs
set -e

BUILD_PKGS="gcc make pkg-config libjemalloc-dev libssl-dev liblua5.1-0-dev"
TEST_PKGS="tcl tcl-tls libhiredis-dev redis-server redis-tools python3 python3-redis iproute2 iptables procps clang libclang-rt-14-dev debootstrap buildah"

case "$1" in
    --build) WANT="$BUILD_PKGS" ;;
    *) WANT="$BUILD_PKGS $TEST_PKGS" ;;
esac
# kustomize (to render k8s/ in the manifest tests) comes with kubectl: take
# Debian's kubernetes-client unless some kubectl is already installed.
if [ "$1" != "--build" ] && ! command -v kubectl >/dev/null 2>&1; then
    WANT="$WANT kubernetes-client"
fi

missing=""
for p in $WANT; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

echo "deps: installing missing Debian packages:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Never start the packaged redis-server as a service: it is only a reference
# binary for our tests.
if [ ! -e /usr/sbin/policy-rc.d ] && [ -z "$SUDO" ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends $missing
# The Debian package may still have started a system redis on 6379.
if command -v systemctl >/dev/null 2>&1; then
    $SUDO systemctl stop redis-server >/dev/null 2>&1 || true
fi
pkill -x redis-server -U redis >/dev/null 2>&1 || true
exit 0
