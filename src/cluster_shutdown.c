/* cluster_shutdown.c - a master that is told to stop hands its slots to a
 * replica first.
 *
 * Without this, a master that exits leaves its slots unserved until the
 * cluster notices (cluster-node-timeout) and a replica wins an election:
 * seconds without writes for those slots, on every rolling restart or node
 * drain. With `shutdown-on-sigterm failover` (or shutdown-on-sigint), the
 * signal starts a coordinated manual failover instead of an exit: the
 * master asks its most up-to-date replica to run CLUSTER FAILOVER (the
 * ordinary, safe kind: the replica sends MFSTART, this master pauses
 * writes, the replica catches up with the whole stream, wins a vote and
 * takes the slots), keeps serving (clients get MOVED as soon as the
 * replica owns the slots), and once it has become a replica, or after
 * shutdown-timeout seconds, goes on with the normal shutdown.
 *
 * The request is a normal client command sent to the replica's internal
 * address (the one replication uses, cluster_addr.c), authenticated with
 * masteruser/masterauth like a replication link, so stock 7.0 replicas
 * take part too. This is what Kubernetes needs from a preStop-less pod
 * (see k8s/ and docs/kubernetes.md); the manifests' preStop hook does the
 * same from outside for servers configured without it.
 */
#include "server.h"
#include "tls.h"

#define myself (cluster->myself)
#define HANDOVER_IO_TIMEOUT_MS 1000

static mstime_t handover_deadline; /* 0: no handover under way */

/* The replica to hand over to: reachable, not failing, the one with the
 * most data as its pings report it (ties: the first). */
static clusterNode *handoverPickReplica(void) {
    clusterNode *best = NULL;
    for (int j = 0; j < myself->numslaves; j++) {
        clusterNode *r = myself->slaves[j];
        if (nodeFailed(r) || nodeTimedOut(r) || r->link == NULL) continue;
        if (best == NULL || r->repl_offset > best->repl_offset) best = r;
    }
    return best;
}

/* Sends one command with a blocking connection; C_OK when the reply is a
 * status or bulk reply (not an error). */
static int handoverSyncCommand(connection *conn, int argc, const char **argv, char *reply,
                               size_t reply_len) {
    sds req = sdscatprintf(sdsempty(), "*%d\r\n", argc);
    for (int j = 0; j < argc; j++)
        req = sdscatprintf(req, "$%zu\r\n%s\r\n", strlen(argv[j]), argv[j]);
    ssize_t len = (ssize_t)sdslen(req);
    int ok = connSyncWrite(conn, req, len, HANDOVER_IO_TIMEOUT_MS) == len &&
             connSyncReadLine(conn, reply, (ssize_t)reply_len, HANDOVER_IO_TIMEOUT_MS) > 0 &&
             reply[0] != '-';
    sdsfree(req);
    return ok ? C_OK : C_ERR;
}

/* Asks replica r to start a manual failover of us. */
static int handoverAskReplica(clusterNode *r) {
    char ip[NET_IP_STR_LEN], reply[256] = {0};
    int port;
    clusterAddrReplicationTarget(r, ip, &port);
    connection *conn = server.tls_replication ? connCreateTLS() : connCreateSocket();
    if (conn == NULL || connBlockingConnect(conn, ip, port, HANDOVER_IO_TIMEOUT_MS) != C_OK) {
        serverLog(LL_WARNING, "Shutdown failover: can't connect to replica %.40s at %s:%d",
                  r->name, ip, port);
        if (conn) connClose(conn);
        return C_ERR;
    }
    int ok = C_OK;
    if (server.masterauth) {
        const char *auth[3] = {"AUTH", server.masteruser ? server.masteruser : server.masterauth,
                               server.masterauth};
        ok = handoverSyncCommand(conn, server.masteruser ? 3 : 2, auth, reply, sizeof(reply));
    }
    const char *failover[2] = {"CLUSTER", "FAILOVER"};
    if (ok == C_OK) ok = handoverSyncCommand(conn, 2, failover, reply, sizeof(reply));
    if (ok != C_OK)
        serverLog(LL_WARNING, "Shutdown failover: replica %.40s at %s:%d refused: %s", r->name,
                  ip, port, reply[0] ? reply : connGetLastError(conn));
    connClose(conn);
    return ok;
}

int clusterShutdownHandover(void) {
    if (!server.cluster_enabled) return 0;
    if (handover_deadline == 0) {
        if (!nodeIsMaster(myself) || myself->numslots == 0) return 0;
        clusterNode *r = handoverPickReplica();
        if (r == NULL) {
            serverLog(LL_WARNING, "Shutdown failover: no reachable replica, shutting down without it.");
            return 0;
        }
        serverLog(LL_NOTICE, "Shutdown failover: asking replica %.40s to take over our slots.",
                  r->name);
        if (handoverAskReplica(r) != C_OK) return 0;
        long long wait_ms = server.shutdown_timeout > 0 ? server.shutdown_timeout * 1000LL : 10000;
        handover_deadline = mstime() + wait_ms;
        return 1;
    }
    if (nodeIsSlave(myself)) {
        serverLog(LL_NOTICE, "Shutdown failover: done, this node is now a replica of %.40s.",
                  myself->slaveof ? myself->slaveof->name : "?");
        handover_deadline = 0;
        return 0;
    }
    if (mstime() > handover_deadline) {
        serverLog(LL_WARNING, "Shutdown failover: the replica did not take over in time, shutting down.");
        handover_deadline = 0;
        return 0;
    }
    return 1;
}
