#!/bin/sh
# bootstrap.sh - forms the cluster once all pods are up (the bootstrap Job).
#
# Idempotent: if any pod already belongs to a formed cluster (it knows other
# nodes or serves slots) the cluster exists and the job exits 0 at once, so
# re-running it after restarts or upgrades is harmless. Otherwise it waits
# for every pod by DNS, then runs the stock
#   redis-cli --cluster create <ip:port>... --cluster-replicas R --cluster-yes
# with each pod's announced address (its pod IP, or in the nodeport overlay
# its k8s node's address and NodePort),
# and waits for cluster_state:ok everywhere.
#
# Environment: PODS (number of pods, default 6), CLUSTER_REPLICAS (1),
# STATEFULSET, SERVICE_NAME, POD_NAMESPACE, CLUSTER_DOMAIN, REDIS_PORT,
# BOOTSTRAP_TIMEOUT (seconds, 600).
set -eu
. "$(dirname "$0")/lib.sh"

pods=${PODS:-6}
replicas=${CLUSTER_REPLICAS:-1}
timeout=${BOOTSTRAP_TIMEOUT:-600}

addrs=""
ips=""
i=0
while [ $i -lt "$pods" ]; do
    log "waiting for $(pod_host $i)"
    ip=$(wait_pod $i "$timeout") || { log "pod $i did not come up"; exit 1; }
    known=$(cluster_info_field "$ip" cluster_known_nodes)
    assigned=$(cluster_info_field "$ip" cluster_slots_assigned)
    if [ "${known:-1}" -gt 1 ] || [ "${assigned:-0}" -gt 0 ]; then
        log "pod $i ($ip) is already in a cluster ($known nodes, $assigned slots): nothing to do"
        exit 0
    fi
    addr=$(announced_addr "$ip")
    if [ -z "$addr" ]; then
        case "$ip" in *:*) addr="[$ip]:$REDIS_PORT" ;; *) addr="$ip:$REDIS_PORT" ;; esac
    fi
    addrs="$addrs $addr"
    ips="$ips $ip"
    i=$((i + 1))
done

log "creating the cluster:$addrs"
# shellcheck disable=SC2086
redis-cli ${REDIS_PASSWORD:+--no-auth-warning -a "$REDIS_PASSWORD"} --cluster create $addrs \
    --cluster-replicas "$replicas" --cluster-yes
# shellcheck disable=SC2086
wait_cluster_ok "$timeout" $ips
log "cluster formed: $pods nodes, cluster_state:ok"
