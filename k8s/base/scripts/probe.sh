#!/bin/sh
# probe.sh readiness|liveness - the pod's probes.
#
#   liveness   the server answers: PONG, or LOADING / MASTERDOWN while it
#              loads its data or waits for its master (restarting it then
#              would only make things worse).
#   readiness  PONG, and once this node is part of a formed cluster (it
#              knows other nodes), cluster_state:ok. A fresh pod is ready
#              before the bootstrap so that the bootstrap can find it.
set -u
cli() { redis-cli -h 127.0.0.1 -p "${REDIS_PORT:-6379}" ${REDIS_PASSWORD:+--no-auth-warning -a "$REDIS_PASSWORD"} "$@"; }

reply=$(cli ping 2>&1) || true
case "${1:-readiness}" in
liveness)
    case "$reply" in
        PONG|LOADING*|MASTERDOWN*) exit 0 ;;
        *) echo "liveness: $reply"; exit 1 ;;
    esac
    ;;
readiness)
    [ "$reply" = PONG ] || { echo "readiness: $reply"; exit 1; }
    info=$(cli cluster info 2>&1) || exit 1
    known=$(printf '%s\n' "$info" | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')
    state=$(printf '%s\n' "$info" | tr -d '\r' | sed -n 's/^cluster_state://p')
    if [ "${known:-1}" -gt 1 ] && [ "$state" != ok ]; then
        echo "readiness: cluster_state:$state"
        exit 1
    fi
    exit 0
    ;;
*)
    echo "usage: probe.sh readiness|liveness" >&2
    exit 2
    ;;
esac
