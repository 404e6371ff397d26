/* shutdown.c - SHUTDOWN, and stopping on SIGTERM/SIGINT.
 *
 * Stopping is two steps, as in Redis 7.0. If replicas lag behind and
 * `shutdown-timeout` allows, the server first waits for them: writes are
 * paused (so nothing slips in after the last acknowledged byte), replicas
 * are asked for an ACK, and everything else keeps being served; the
 * clients that sent SHUTDOWN stay blocked without a reply. The cron ends
 * the wait once every replica has acknowledged the whole stream or the
 * timeout passes, then finishes: the final save (persistence.c), the pid
 * file, pending replies, exit. `SHUTDOWN ABORT` cancels a wait; a failed
 * finish cancels it too, and the blocked clients get the error.
 */
#include "server.h"
#include "replication.h"
#include "rdb.h"

/* Replication hooks; without replication.c nobody is ever waited for. */
#pragma weak replicationShutdownShouldWait
#pragma weak replicationShutdownStartWait
#pragma weak replicationShutdownReady
#pragma weak replicationShutdownLogLagging

#define SHUTDOWN_WAITING 2  /* prepareForShutdown: the wait started */

static struct {
    mstime_t deadline;  /* 0: no shutdown in progress */
    int flags;
    list *blocked;      /* SHUTDOWN clients waiting for the outcome */
} sd;

int isShutdownInitiated(void) { return sd.deadline != 0; }

/* The final steps; C_ERR leaves the server running. */
static int finishShutdown(int flags) {
    if (persistenceShutdown(flags & SHUTDOWN_SAVE, flags & SHUTDOWN_NOSAVE,
                            flags & SHUTDOWN_FORCE) != C_OK) {
        serverLog(LL_WARNING, "Errors trying to shut down the server. Check the logs for more information.");
        return C_ERR;
    }
    ldbKillChildren();
    if (server.pidfile) {
        serverLog(LL_NOTICE, "Removing the pid file.");
        unlink(server.pidfile);
    }
    /* Flush what clients are still owed. */
    handleClientsWithPendingWrites();
    closeListeningSockets(1);
    serverLog(LL_WARNING, "%s is now ready to exit, bye bye...",
              server.sentinel_mode ? "Sentinel" : "Redis");
    return C_OK;
}

static int replicasNeedWait(int flags) {
    if (flags & SHUTDOWN_NOW) return 0;
    return replicationShutdownShouldWait && replicationShutdownShouldWait();
}

/* C_OK: ready to exit now. SHUTDOWN_WAITING: waiting for replicas (the
 * cron finishes). C_ERR: failed, or a shutdown is already in progress. */
int prepareForShutdown(int flags) {
    if (isShutdownInitiated()) return C_ERR;
    serverLog(LL_WARNING, "User requested shutdown...");
    if (replicasNeedWait(flags)) {
        sd.deadline = mstime() + (mstime_t)server.shutdown_timeout * 1000;
        sd.flags = flags;
        pauseClients(PAUSE_DURING_SHUTDOWN, LLONG_MAX, PAUSE_WRITE);
        replicationShutdownStartWait();
        return SHUTDOWN_WAITING;
    }
    return finishShutdown(flags);
}

static void blockForShutdown(client *c) {
    if (!sd.blocked) sd.blocked = listCreate();
    c->flags |= CLIENT_BLOCKED;
    listAddNodeTail(sd.blocked, c);
}

/* The wait is over without an exit: writes resume, a signal's shutdown
 * is forgotten, blocked SHUTDOWN clients get the error. */
static void cancelShutdown(void) {
    sd.deadline = 0;
    sd.flags = 0;
    server.shutdown_asap = 0;
    server.last_sig_received = 0;
    unpauseClients(PAUSE_DURING_SHUTDOWN);
    while (sd.blocked && listLength(sd.blocked)) {
        listNode *ln = listFirst(sd.blocked);
        client *c = listNodeValue(ln);
        listDelNode(sd.blocked, ln);
        c->flags &= ~CLIENT_BLOCKED;
        addReplyError(c, "Errors trying to SHUTDOWN. Check logs.");
        resetClient(c);
    }
}

/* From the cron: finish once the replicas are in or time is up. */
void shutdownCron(void) {
    if (!isShutdownInitiated()) return;
    int ready = replicationShutdownReady && replicationShutdownReady();
    if (!ready && mstime() < sd.deadline) return;
    if (replicationShutdownLogLagging) replicationShutdownLogLagging();
    if (finishShutdown(sd.flags) == C_OK) exit(0);
    cancelShutdown();
}

/* A SHUTDOWN client that disconnects while waiting. */
void shutdownClientFreed(client *c) {
    if (!sd.blocked || !(c->flags & CLIENT_BLOCKED)) return;
    listNode *ln = listSearchKey(sd.blocked, c);
    if (ln) listDelNode(sd.blocked, ln);
}

/* SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] */
void shutdownCommand(client *c) {
    int flags = SHUTDOWN_NOFLAGS;
    int abort = 0;
    for (int i = 1; i < c->argc; i++) {
        if (!strcasecmp(c->argv[i]->ptr, "nosave")) flags |= SHUTDOWN_NOSAVE;
        else if (!strcasecmp(c->argv[i]->ptr, "save")) flags |= SHUTDOWN_SAVE;
        else if (!strcasecmp(c->argv[i]->ptr, "now")) flags |= SHUTDOWN_NOW;
        else if (!strcasecmp(c->argv[i]->ptr, "force")) flags |= SHUTDOWN_FORCE;
        else if (!strcasecmp(c->argv[i]->ptr, "abort")) abort = 1;
        else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    if ((abort && flags != SHUTDOWN_NOFLAGS) ||
        ((flags & SHUTDOWN_NOSAVE) && (flags & SHUTDOWN_SAVE))) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    if (abort) {
        if (!isShutdownInitiated()) {
            addReplyError(c, "No shutdown in progress.");
            return;
        }
        cancelShutdown();
        serverLog(LL_WARNING, "Shutdown manually aborted.");
        addReply(c, shared.ok);
        return;
    }
    /* Another shutdown is waiting: this client waits for its outcome. */
    if (isShutdownInitiated()) {
        blockForShutdown(c);
        return;
    }
    int ret = prepareForShutdown(flags);
    if (ret == C_OK) exit(0);
    if (ret == SHUTDOWN_WAITING) blockForShutdown(c);
    else addReplyError(c, "Errors trying to SHUTDOWN. Check logs.");
}
