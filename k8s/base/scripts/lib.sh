# lib.sh - helpers shared by the bootstrap, scale and preStop scripts
# (sourced, not run). Pod i of the StatefulSet is reached by its stable DNS
# name; addresses handed to redis-cli --cluster are the resolved IPs,
# because CLUSTER MEET takes an IP.

: "${STATEFULSET:=redis}"
: "${SERVICE_NAME:=redis-headless}"
: "${POD_NAMESPACE:=default}"
: "${CLUSTER_DOMAIN:=cluster.local}"
: "${REDIS_PORT:=6379}"

log() { echo "$(date -u +%H:%M:%S) $*"; }

pod_host() { echo "$STATEFULSET-$1.$SERVICE_NAME.$POD_NAMESPACE.svc.$CLUSTER_DOMAIN"; }

# The IPv4/IPv6 address of a name, empty if it does not resolve (yet).
resolve() { getent hosts "$1" 2>/dev/null | awk 'NR == 1 {print $1}'; }

# redis-cli against host $1 port $2, authenticated when REDIS_PASSWORD is set.
cli_at() {
    host=$1 port=$2; shift 2
    redis-cli -h "$host" -p "$port" ${REDIS_PASSWORD:+--no-auth-warning -a "$REDIS_PASSWORD"} "$@"
}

# The same on this StatefulSet's port.
rcli() { host=$1; shift; cli_at "$host" "$REDIS_PORT" "$@"; }

# A field of CLUSTER INFO of the node at $1.
cluster_info_field() { rcli "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"; }

# Waits (up to $2 seconds) until pod $1 resolves and answers PING; prints
# its IP. Returns 1 on timeout.
wait_pod() {
    deadline=$(( $(date +%s) + $2 ))
    while :; do
        ip=$(resolve "$(pod_host "$1")")
        if [ -n "$ip" ] && [ "$(rcli "$ip" ping 2>/dev/null)" = PONG ]; then
            echo "$ip"
            return 0
        fi
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 1
    done
}

# Waits until every node in the list reports cluster_state:ok.
wait_cluster_ok() {
    deadline=$(( $(date +%s) + $1 )); shift
    for ip in "$@"; do
        until [ "$(cluster_info_field "$ip" cluster_state)" = ok ]; do
            [ "$(date +%s)" -ge "$deadline" ] && { log "timeout waiting for cluster_state:ok on $ip"; return 1; }
            sleep 1
        done
    done
}

# The address a pod announces (its CLUSTER NODES "myself" entry) when it
# announces one, as "host:port" for redis-cli; empty otherwise. The create
# (bootstrap.sh) and add-node (scale.sh) must name an existing node by it:
# redis-cli hands the other nodes that node's announced bus port, which in
# the nodeport overlay is a NodePort, open only at the k8s node's address,
# not at the pod IP.
announced_addr() {
    rcli "$1" cluster nodes 2>/dev/null | tr -d '\r' | awk '$3 ~ /myself/ {
        a = $2; sub(/@.*/, "", a); port = a; sub(/.*:/, "", port); host = a; sub(/:[0-9]*$/, "", host)
        if (host == "") exit
        if (host ~ /:/) print "[" host "]:" port; else print host ":" port }'
}
