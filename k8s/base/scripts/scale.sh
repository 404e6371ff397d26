#!/bin/sh
# scale.sh up|down - grows or shrinks the cluster by one master+replica pair,
# with the stock redis-cli --cluster only.
#
#   scale.sh up N     after `kubectl scale statefulset redis --replicas=N`:
#                     pod N-2 joins as a master, pod N-1 as its replica, and
#                     slots are rebalanced onto the new master.
#   scale.sh down N   before scaling the StatefulSet down to N: the slots of
#                     the masters among pods >= N are moved away, then those
#                     pods are forgotten by the cluster (del-node).
# Environment as for bootstrap.sh (STATEFULSET, SERVICE_NAME, ...).
set -eu
. "$(dirname "$0")/lib.sh"

timeout=${SCALE_TIMEOUT:-600}
cmd=${1:-}
target=${2:-}
[ -n "$cmd" ] && [ -n "$target" ] || { echo "usage: scale.sh up|down N" >&2; exit 2; }
auth=${REDIS_PASSWORD:+--no-auth-warning -a $REDIS_PASSWORD}

addr() { case "$1" in *:*) echo "[$1]:$REDIS_PORT" ;; *) echo "$1:$REDIS_PORT" ;; esac; }
node_id() { rcli "$1" cluster myid; }

seed=$(wait_pod 0 "$timeout")
# The existing node add-node names, by the address it announces.
seed_addr=$(announced_addr "$seed")
[ -n "$seed_addr" ] || seed_addr=$(addr "$seed")

# add-node and rebalance refuse to start while the nodes' views differ,
# as they do for a moment after any change: wait (bounded) until every pod
# (of the first $1) knows every node and `--cluster check` passes.
# Slots move only between nodes that know each other (SETSLOT names the
# other node), and gossip takes a moment to spread a new one: first every
# pod must list as many nodes as the seed, none in handshake.
all_known() {
    n=$(rcli "$seed" cluster nodes 2>/dev/null | grep -c .)
    i=0
    while [ $i -lt "$1" ]; do
        ip=$(resolve "$(pod_host $i)")
        nodes=$(rcli "$ip" cluster nodes 2>/dev/null) || return 1
        [ "$(echo "$nodes" | grep -c .)" = "$n" ] || return 1
        echo "$nodes" | grep -q "handshake\|noaddr" && return 1
        i=$((i + 1))
    done
    return 0
}

wait_agree() {
    deadline=$(( $(date +%s) + 60 ))
    until all_known "$1" && redis-cli $auth --cluster check "$(addr "$seed")" >/dev/null 2>&1; do
        [ "$(date +%s)" -ge "$deadline" ] && { log "nodes still disagree after 60s; trying anyway"; return 0; }
        sleep 1
    done
}

case "$cmd" in
up)
    m=$((target - 2)); r=$((target - 1))
    mip=$(wait_pod $m "$timeout"); rip=$(wait_pod $r "$timeout")
    mid=$(node_id "$mip")
    if rcli "$seed" cluster nodes | grep -q "^$mid "; then
        log "pod $m is already a member"
    else
        wait_agree "$m"
        log "adding pod $m ($mip) as a master"
        redis-cli $auth --cluster add-node "$(addr "$mip")" "$seed_addr"
    fi
    rid=$(node_id "$rip")
    if rcli "$seed" cluster nodes | grep -q "^$rid "; then
        log "pod $r is already a member"
    else
        # Joined first, made a replica once it has heard of the new master:
        # `add-node --cluster-slave` sends CLUSTER REPLICATE as soon as the
        # slot maps agree, which can be before gossip told the new node
        # about a master without slots ("ERR Unknown node").
        wait_agree "$r"
        log "adding pod $r ($rip), to be a replica of $mid"
        redis-cli $auth --cluster add-node "$(addr "$rip")" "$seed_addr"
        deadline=$(( $(date +%s) + timeout ))
        until rcli "$rip" cluster nodes 2>/dev/null | grep -q "^$mid "; do
            [ "$(date +%s)" -ge "$deadline" ] && { log "pod $r never heard of $mid"; exit 1; }
            sleep 1
        done
        [ "$(rcli "$rip" cluster replicate "$mid")" = OK ] || { log "CLUSTER REPLICATE failed on pod $r"; exit 1; }
    fi
    wait_agree "$target"
    log "rebalancing"
    redis-cli $auth --cluster rebalance "$(addr "$seed")" --cluster-use-empty-masters
    ;;
down)
    pods=$(rcli "$seed" cluster nodes | wc -l)
    i=$target
    leaving=""
    while [ $i -lt "$pods" ]; do
        ip=$(resolve "$(pod_host $i)")
        [ -n "$ip" ] && leaving="$leaving $ip"
        i=$((i + 1))
    done
    weights=""
    for ip in $leaving; do
        if [ "$(rcli "$ip" role | head -1)" = master ]; then
            weights="$weights $(node_id "$ip")=0"
        fi
    done
    if [ -n "$weights" ]; then
        wait_agree "$pods"
        log "moving slots off:$weights"
        # shellcheck disable=SC2086
        redis-cli $auth --cluster rebalance "$(addr "$seed")" --cluster-weight $weights
    fi
    # Replicas first, so that no master is left empty with a follower.
    # Each node once: del-node resets a forgotten node, which makes it a
    # master again, so the second pass would see it anew.
    forgotten=""
    for pass in slave master; do
        for ip in $leaving; do
            case "$forgotten" in *" $ip "*) continue ;; esac
            [ "$(rcli "$ip" role | head -1)" = "$pass" ] || continue
            id=$(node_id "$ip")
            log "forgetting $id ($ip)"
            redis-cli $auth --cluster del-node "$(addr "$seed")" "$id"
            forgotten="$forgotten $ip "
        done
    done
    log "now scale the StatefulSet to $target"
    ;;
*)
    echo "usage: scale.sh up|down N" >&2
    exit 2
    ;;
esac
