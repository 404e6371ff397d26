/* failover.c - FAILOVER: a coordinated hand-over from this master to one
 * of its replicas (standalone mode), with Redis 7.0's behaviour.
 *
 *   no-failover -> waiting-for-sync: writes are paused (their own pause
 *     purpose, so CLIENT UNPAUSE cannot end it) and the stream stops
 *     growing; we wait until the target replica (or, without TO, the first
 *     replica) has acknowledged our whole offset.
 *   waiting-for-sync -> failover-in-progress: we turn into a replica of the
 *     target. Our handshake's PSYNC carries a trailing FAILOVER argument,
 *     which tells the target (failoverPsyncRequest, from syncCommand) to
 *     promote itself before answering; as it has our history under its new
 *     replid2 it answers +CONTINUE. Any accepted PSYNC ends the failover and
 *     writes resume (meeting READONLY now).
 * Rolling back to master: FAILOVER ABORT, the target rejecting the PSYNC,
 * or TIMEOUT passing while waiting without FORCE (with FORCE the hand-over
 * starts anyway).
 */
#include "server.h"

#define NO_FAILOVER 0
#define FAILOVER_WAIT_FOR_SYNC 1
#define FAILOVER_IN_PROGRESS 2

static struct {
    int state;
    char *host;        /* the target; NULL until chosen (no TO given) */
    int port;
    mstime_t deadline; /* TIMEOUT, unix ms; 0: wait forever */
    int force;         /* FORCE: hand over at the deadline anyway */
} fo;

const char *failoverStateName(void) {
    switch (fo.state) {
    case FAILOVER_WAIT_FOR_SYNC: return "waiting-for-sync";
    case FAILOVER_IN_PROGRESS: return "failover-in-progress";
    default: return "no-failover";
    }
}

int failoverInProgress(void) { return fo.state != NO_FAILOVER; }

/* replica.c: whether the PSYNC being sent is the hand-over request. */
int failoverHandshakeActive(void) { return fo.state == FAILOVER_IN_PROGRESS; }

/* replication.c: a PING now would move the offset the target must reach;
 * while a bounded wait runs they are skipped (the wait is short). */
int failoverHoldsPings(void) { return fo.state == FAILOVER_WAIT_FOR_SYNC && fo.deadline; }

static void clearFailover(void) {
    zfree(fo.host);
    memset(&fo, 0, sizeof(fo));
    fo.state = NO_FAILOVER;
    unpauseClients(PAUSE_DURING_FAILOVER);
}

static void abortFailover(const char *why) {
    if (fo.state == NO_FAILOVER) return;
    if (fo.host) serverLog(LL_NOTICE, "FAILOVER to %s:%d aborted: %s", fo.host, fo.port, why);
    else serverLog(LL_NOTICE, "FAILOVER to any replica aborted: %s", why);
    /* Already a replica of the target: become master again. */
    if (fo.state == FAILOVER_IN_PROGRESS) replicationUnsetMaster();
    clearFailover();
}

static int replicaMatches(client *slave, const char *host, int port) {
    char ip[NET_IP_STR_LEN];
    const char *addr = replicaAddr(slave, ip, sizeof(ip));
    return addr && replClientState(slave)->listening_port == port && !strcasecmp(addr, host);
}

static client *findReplica(const char *host, int port) {
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        client *slave = listNodeValue(ln);
        if (replicaMatches(slave, host, port)) return slave;
    }
    return NULL;
}

static int replicaCaughtUp(client *slave) {
    replClient *r = replClientState(slave);
    return r->state == SLAVE_STATE_ONLINE && r->ack_off == server.master_repl_offset;
}

/* Without TO: the first replica that has everything becomes the target. */
static client *chooseCaughtUpReplica(void) {
    listIter li;
    listNode *ln;
    char ip[NET_IP_STR_LEN];
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        client *slave = listNodeValue(ln);
        const char *addr = replicaAddr(slave, ip, sizeof(ip));
        if (!addr || !replicaCaughtUp(slave)) continue;
        fo.host = zstrdup(addr);
        fo.port = replClientState(slave)->listening_port;
        return slave;
    }
    return NULL;
}

static void startHandover(void) {
    fo.state = FAILOVER_IN_PROGRESS;
    replicationSetMaster(fo.host, fo.port);
}

/* Before every sleep (replication.c): leave waiting-for-sync once the
 * target has everything, or once the deadline passed. */
void failoverCheck(void) {
    if (fo.state != FAILOVER_WAIT_FOR_SYNC) return;
    if (fo.deadline && fo.deadline <= mstime()) {
        if (fo.force) {
            serverLog(LL_NOTICE, "FAILOVER to %s:%d time out exceeded, failing over.", fo.host, fo.port);
            startHandover();
        } else {
            abortFailover("Replica never caught up before timeout");
        }
        return;
    }
    client *target = fo.host ? findReplica(fo.host, fo.port) : chooseCaughtUpReplica();
    if (!target || !replicaCaughtUp(target)) return;
    serverLog(LL_NOTICE, "Failover target %s:%d is synced, failing over.", fo.host, fo.port);
    startHandover();
}

/* replica.c, on the target's answer to our PSYNC ... FAILOVER. */
void failoverPsyncAccepted(void) {
    if (fo.state == FAILOVER_IN_PROGRESS) clearFailover();
}

/* replica.c: the PSYNC could not be sent, or was refused. */
void failoverHandoverFailed(const char *why) {
    if (fo.state == FAILOVER_IN_PROGRESS) abortFailover(why);
}

/* syncCommand on the target: PSYNC <replid> <offset> FAILOVER from our
 * master asks us to take over. C_ERR: refused (the error is replied). */
int failoverPsyncRequest(client *c) {
    if (c->argc < 4 || strcasecmp(c->argv[3]->ptr, "failover")) return C_OK;
    if (!server.masterhost) {
        addReplyError(c, "PSYNC FAILOVER can't be sent to a master.");
        return C_ERR;
    }
    if (strcasecmp(c->argv[1]->ptr, server.replid)) {
        addReplyError(c, "PSYNC FAILOVER replid must match my replid.");
        return C_ERR;
    }
    serverLog(LL_WARNING, "Failover request received for replid %s.", (char *)c->argv[1]->ptr);
    replicationUnsetMaster();
    sds who = catClientInfoString(sdsempty(), c);
    serverLog(LL_NOTICE, "MASTER MODE enabled (failover request from '%s')", who);
    sdsfree(who);
    return C_OK;
}

/* ---------------------------------------------------------------------------
 * FAILOVER [TO <host> <port> [FORCE]] [ABORT] [TIMEOUT <ms>]
 * ------------------------------------------------------------------------ */

typedef struct {
    char *host; /* NULL: no TO */
    long port;
    long timeout;
    int force;
} failoverArgs;

/* Each option at most once, else a syntax error (as stock parses). */
static int parseFailoverArgs(client *c, failoverArgs *a) {
    memset(a, 0, sizeof(*a));
    for (int j = 1; j < c->argc; j++) {
        const char *opt = c->argv[j]->ptr;
        int more = c->argc - j - 1;
        if (!strcasecmp(opt, "timeout") && more >= 1 && a->timeout <= 0) {
            if (getLongFromObjectOrReply(c, c->argv[j + 1], &a->timeout, NULL) != C_OK) return C_ERR;
            if (a->timeout <= 0) {
                addReplyError(c, "FAILOVER timeout must be greater than 0");
                return C_ERR;
            }
            j++;
        } else if (!strcasecmp(opt, "to") && more >= 2 && !a->host) {
            if (getLongFromObjectOrReply(c, c->argv[j + 2], &a->port, NULL) != C_OK) return C_ERR;
            a->host = c->argv[j + 1]->ptr;
            j += 2;
        } else if (!strcasecmp(opt, "force") && !a->force) {
            a->force = 1;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return C_ERR;
        }
    }
    return C_OK;
}

/* Why this failover cannot start now, or NULL. */
static const char *failoverRefusal(const failoverArgs *a) {
    if (fo.state != NO_FAILOVER) return "FAILOVER already in progress.";
    if (server.masterhost) return "FAILOVER is not valid when server is a replica.";
    if (listLength(server.slaves) == 0) return "FAILOVER requires connected replicas.";
    if (a->force && (!a->timeout || !a->host))
        return "FAILOVER with force option requires both a timeout and target HOST and IP.";
    if (a->host) {
        client *target = findReplica(a->host, (int)a->port);
        if (!target) return "FAILOVER target HOST and PORT is not a replica.";
        if (replClientState(target)->state != SLAVE_STATE_ONLINE) return "FAILOVER target replica is not online.";
    }
    return NULL;
}

void failoverCommand(client *c) {
    if (server.cluster_enabled) {
        addReplyError(c, "FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.");
        return;
    }
    if (c->argc == 2 && !strcasecmp(c->argv[1]->ptr, "abort")) {
        if (fo.state == NO_FAILOVER) {
            addReplyError(c, "No failover in progress.");
            return;
        }
        abortFailover("Failover manually aborted");
        addReply(c, shared.ok);
        return;
    }
    failoverArgs a;
    if (parseFailoverArgs(c, &a) != C_OK) return;
    const char *refusal = failoverRefusal(&a);
    if (refusal) {
        addReplyError(c, refusal);
        return;
    }
    if (a.host) {
        fo.host = zstrdup(a.host);
        fo.port = (int)a.port;
        serverLog(LL_NOTICE, "FAILOVER requested to %s:%ld.", a.host, a.port);
    } else {
        serverLog(LL_NOTICE, "FAILOVER requested to any replica.");
    }
    fo.deadline = a.timeout ? mstime() + a.timeout : 0;
    fo.force = a.force;
    fo.state = FAILOVER_WAIT_FOR_SYNC;
    /* Until the hand-over is over: nothing new enters the stream. */
    pauseClients(PAUSE_DURING_FAILOVER, LLONG_MAX, PAUSE_WRITE);
    addReply(c, shared.ok);
}
