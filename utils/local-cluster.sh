#!/bin/sh
# utils/local-cluster.sh - what `make cluster` runs.
#
# Starts a local cluster of our servers on ports 6379.. (data and logs in
# ./cluster/<port>, or $CLUSTER_DIR/<port>) and joins them with the stock
# `redis-cli --cluster create`: 3 masters with one replica each when the
# server has replication (REPLICAOF is registered), else 3 masters.
#
#   utils/local-cluster.sh start | stop   (PORT: first port, default 6379)
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
dir="${CLUSTER_DIR:-$top/cluster}"
base=${PORT:-6379}

start_node() {
    p=$1
    mkdir -p "$dir/$p"
    if redis-cli -p "$p" ping >/dev/null 2>&1; then
        echo "Something already answers on port $p; run 'make cluster-stop' first." >&2
        exit 1
    fi
    (cd "$dir/$p" && "$top/src/redis-server" "$top/redis.conf" --port "$p" --dir "$dir/$p" \
        --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
        --daemonize yes --pidfile "$dir/$p/redis.pid" --logfile "$dir/$p/redis.log")
    tries=0
    until redis-cli -p "$p" ping >/dev/null 2>&1; do
        tries=$((tries+1))
        if [ $tries -gt 100 ]; then
            echo "The server on port $p did not come up; see $dir/$p/redis.log" >&2
            exit 1
        fi
        sleep 0.05
    done
}

case "${1:-start}" in
start)
    start_node "$base"
    replicas=0
    count=3
    if [ -n "$(redis-cli -p "$base" command info replicaof 2>/dev/null | head -1)" ]; then
        replicas=1
        count=6
    fi
    addrs="127.0.0.1:$base"
    i=1
    while [ $i -lt $count ]; do
        p=$((base + i))
        start_node "$p"
        addrs="$addrs 127.0.0.1:$p"
        i=$((i + 1))
    done
    # shellcheck disable=SC2086
    redis-cli --cluster create $addrs --cluster-replicas $replicas --cluster-yes
    tries=0
    until redis-cli -p "$base" cluster info | grep -q "cluster_state:ok"; do
        tries=$((tries+1))
        if [ $tries -gt 200 ]; then
            echo "The cluster did not reach state ok; see $dir/*/redis.log" >&2
            exit 1
        fi
        sleep 0.05
    done
    echo "$count nodes on ports $base..$((base + count - 1)) ($replicas replica per master)"
    echo "  connect:  redis-cli -c -p $base"
    echo "  logs:     $dir/<port>/redis.log"
    echo "  stop:     make cluster-stop"
    ;;
stop)
    found=0
    for pidfile in "$dir"/*/redis.pid; do
        [ -f "$pidfile" ] || continue
        p=$(basename "$(dirname "$pidfile")")
        redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$pidfile")" 2>/dev/null || true
        rm -f "$pidfile" "$dir/$p/nodes.conf" "$dir/$p/nodes.conf.nat"
        echo "stopped the server on port $p"
        found=1
    done
    [ $found = 1 ] || echo "no server started by 'make cluster' is running"
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
