#!/bin/sh
# prestop.sh - the pod's preStop hook: a master hands its slots to one of
# its replicas before the pod stops, so that a rolling restart, a node
# drain or a scale-down never leaves slots without a master.
#
# If this node is a master serving slots and a replica is online, the
# replica is asked for a coordinated manual failover (CLUSTER FAILOVER: the
# master stops writes until the replica has caught up, so nothing
# acknowledged is lost) and the hook waits until this node has become a
# replica, at most PRESTOP_TIMEOUT seconds (keep it below the pod's
# terminationGracePeriodSeconds). Any failure just lets the stop go on:
# the cluster's automatic failover covers it.
set -u
. "$(dirname "$0")/lib.sh"

timeout=${PRESTOP_TIMEOUT:-50}
me=127.0.0.1

role=$(rcli $me role 2>/dev/null | head -1)
[ "$role" = master ] || { log "prestop: not a master ($role)"; exit 0; }
myid=$(rcli $me cluster myid 2>/dev/null)
slots=$(rcli $me cluster nodes 2>/dev/null | awk '$3 ~ /myself/ {print NF - 8}')
[ "${slots:-0}" -gt 0 ] || { log "prestop: master without slots"; exit 0; }

# An online replica, from the master's INFO replication: slaveN:ip=..,port=..,state=online
replica=$(rcli $me info replication 2>/dev/null | tr -d '\r' |
    sed -n 's/^slave[0-9]*:ip=\([^,]*\),port=\([0-9]*\),state=online.*/\1 \2/p' | head -1)
[ -n "$replica" ] || { log "prestop: master $myid has no online replica"; exit 0; }
set -- $replica
log "prestop: handing the slots of $myid to the replica at $1:$2"
redis-cli -h "$1" -p "$2" ${REDIS_PASSWORD:+--no-auth-warning -a "$REDIS_PASSWORD"} cluster failover || exit 0

deadline=$(( $(date +%s) + timeout ))
while [ "$(date +%s)" -lt "$deadline" ]; do
    if [ "$(rcli $me role 2>/dev/null | head -1)" = slave ]; then
        log "prestop: failover done, this node is now a replica"
        exit 0
    fi
    sleep 1
done
log "prestop: failover did not finish within ${timeout}s"
exit 0
