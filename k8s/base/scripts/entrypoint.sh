#!/bin/sh
# entrypoint.sh - starts redis-server in a StatefulSet pod.
#
# The pod's addresses come from the downward API (POD_IP, HOST_IP, POD_NAME,
# POD_NAMESPACE) and the headless Service name (SERVICE_NAME):
#   internal address  the pod IP and the pod's stable DNS name
#                     <pod>.<service>.<namespace>.svc.<domain>: what peers use
#                     for the cluster bus and replicas to replicate; the
#                     name survives a reschedule and is re-resolved when the
#                     IP a peer knows stops answering.
#   external address  what clients and redis-cli --cluster see (CLUSTER
#                     NODES/SLOTS, MOVED/ASK): the pod IP by default; with
#                     ANNOUNCE_MODE=nodeport the node's IP and this pod's
#                     NodePorts (NODEPORT_BASE + 2 * ordinal, bus port + 1).
# Nothing is ever written into nodes.conf by hand: the node re-learns its
# own address at every start.
set -eu

conf=${REDIS_CONF:-/etc/redis/redis.conf}
domain=${CLUSTER_DOMAIN:-cluster.local}
mode=${ANNOUNCE_MODE:-pod}
ordinal=${POD_NAME##*-}

case "$ordinal" in
    ''|*[!0-9]*) echo "entrypoint: cannot read the ordinal from POD_NAME=$POD_NAME" >&2; exit 1 ;;
esac
: "${POD_IP:?POD_IP must come from the downward API}"

# SIGTERM hands a master's slots to its replica before the exit (the
# preStop hook does the same first; this covers a hook that timed out).
set -- "$conf" --cluster-announce-internal-ip "$POD_IP" --shutdown-on-sigterm failover
if [ -n "${SERVICE_NAME:-}" ] && [ -n "${POD_NAMESPACE:-}" ]; then
    set -- "$@" --cluster-announce-internal-hostname \
        "$POD_NAME.$SERVICE_NAME.$POD_NAMESPACE.svc.$domain"
fi

case "$mode" in
pod)
    ;;
nodeport)
    : "${HOST_IP:?HOST_IP must come from the downward API in nodeport mode}"
    base=${NODEPORT_BASE:-30000}
    port=$((base + 2 * ordinal))
    set -- "$@" --cluster-announce-ip "$HOST_IP" \
        --cluster-announce-port "$port" --cluster-announce-bus-port "$((port + 1))"
    ;;
hostnetwork)
    # The pod IP is the node's IP: nothing to translate.
    ;;
*)
    echo "entrypoint: unknown ANNOUNCE_MODE=$mode (pod, nodeport, hostnetwork)" >&2
    exit 1
    ;;
esac

if [ -n "${REDIS_PASSWORD:-}" ]; then
    set -- "$@" --requirepass "$REDIS_PASSWORD" --masterauth "$REDIS_PASSWORD"
fi

echo "entrypoint: pod $POD_NAME ordinal $ordinal mode $mode internal $POD_IP"
exec "${REDIS_SERVER:-redis-server}" "$@"
