#!/bin/sh
# prestop.sh - the pod's preStop hook: a master hands its slots to one of
# its replicas before the pod stops, so that a rolling restart, a node
# drain or a scale-down never leaves slots without a master.
#
# If this node is a master serving slots, one of its replicas that is in
# sync is asked for a coordinated manual failover (CLUSTER FAILOVER: the
# master stops writes until the replica has caught up, so nothing
# acknowledged is lost) and the hook waits until this node has become a
# replica. A replica still loading its first sync (it was itself restarted
# a moment ago, as in a rolling update) is waited for. All of it takes at
# most PRESTOP_TIMEOUT seconds (keep it below the pod's
# terminationGracePeriodSeconds). Any failure just lets the stop go on:
# the cluster's automatic failover covers it.
set -u
. "$(dirname "$0")/lib.sh"

timeout=${PRESTOP_TIMEOUT:-50}
deadline=$(( $(date +%s) + timeout ))
me=127.0.0.1

role=$(rcli $me role 2>/dev/null | head -1)
[ "$role" = master ] || { log "prestop: not a master ($role)"; exit 0; }
myid=$(rcli $me cluster myid 2>/dev/null)
slots=$(rcli $me cluster nodes 2>/dev/null | awk '$3 ~ /myself/ {print NF - 8}')
[ "${slots:-0}" -gt 0 ] || { log "prestop: master without slots"; exit 0; }

# The replicas, at the address the cluster knows them by (CLUSTER
# REPLICAS: reachable from every pod; INFO replication would show the
# CNI's SNAT address instead): "host port" lines, failing ones left out.
replicas() {
    rcli $me cluster replicas "$myid" 2>/dev/null | tr -d '\r' |
        awk '$3 !~ /fail|handshake|noaddr/ {a = $2; sub(/@.*/, "", a); p = a; sub(/.*:/, "", p);
             sub(/:[0-9]*$/, "", a); gsub(/[][]/, "", a); print a, p}'
}

# The first replica that is in sync with us ("host port"), if any.
synced_replica() {
    replicas | while read -r host port; do
        info=$(cli_at "$host" "$port" info replication 2>/dev/null | tr -d '\r')
        case "$info" in *master_link_status:up*) ;; *) continue ;; esac
        case "$info" in *master_sync_in_progress:0*) echo "$host $port"; break ;; esac
    done
}

while :; do
    [ -n "$(replicas)" ] || { log "prestop: master $myid has no replica"; exit 0; }
    replica=$(synced_replica)
    [ -n "$replica" ] && break
    [ "$(date +%s)" -ge "$deadline" ] && { log "prestop: no replica of $myid got in sync within ${timeout}s"; exit 0; }
    sleep 1
done
set -- $replica
log "prestop: handing the slots of $myid to the replica at $1:$2"
cli_at "$1" "$2" cluster failover || exit 0

while [ "$(date +%s)" -lt "$deadline" ]; do
    if [ "$(rcli $me role 2>/dev/null | head -1)" = slave ]; then
        log "prestop: failover done, this node is now a replica"
        exit 0
    fi
    # A replica that went away (stopped at the same time) will not finish.
    [ "$(cli_at "$1" "$2" ping 2>/dev/null)" = PONG ] || { log "prestop: the replica stopped answering"; exit 0; }
    sleep 1
done
log "prestop: failover did not finish within ${timeout}s"
exit 0
