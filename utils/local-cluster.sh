#!/bin/sh
# utils/local-cluster.sh - what `make cluster` runs.
#
# Cluster mode is not built yet, so for now this starts ONE server on
# port 6379 with the repository's redis.conf (data in ./cluster/6379) and
# says how to connect. When cluster mode lands it will start six nodes and
# join them with the stock `redis-cli --cluster create --cluster-replicas 1`.
#
#   utils/local-cluster.sh start | stop
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
dir="$top/cluster"
port=${PORT:-6379}

case "${1:-start}" in
start)
    mkdir -p "$dir/$port"
    if redis-cli -p "$port" ping >/dev/null 2>&1; then
        echo "Something already answers on port $port; run 'make cluster-stop' first." >&2
        exit 1
    fi
    "$top/src/redis-server" "$top/redis.conf" --port "$port" --dir "$dir/$port" \
        --daemonize yes --pidfile "$dir/$port/redis.pid" --logfile "$dir/$port/redis.log"
    tries=0
    until redis-cli -p "$port" ping >/dev/null 2>&1; do
        tries=$((tries+1))
        if [ $tries -gt 100 ]; then
            echo "The server did not come up; see $dir/$port/redis.log" >&2
            exit 1
        fi
        sleep 0.05
    done
    echo "Cluster mode is not implemented yet: started a single server instead."
    echo "  connect:  redis-cli -p $port"
    echo "  log:      $dir/$port/redis.log"
    echo "  stop:     make cluster-stop"
    ;;
stop)
    if [ -f "$dir/$port/redis.pid" ]; then
        redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$dir/$port/redis.pid")" 2>/dev/null || true
        rm -f "$dir/$port/redis.pid"
        echo "stopped the server on port $port"
    else
        echo "no server started by 'make cluster' is running"
    fi
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
