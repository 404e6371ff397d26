/* replication.c - the master side of replication, as Redis 7.0 speaks it.
 *
 * The replication stream is the RESP encoding of what propagate.c hands
 * over (with SELECT when the db changes). It goes to the backlog
 * (repl_backlog.c: for partial resyncs, about repl-backlog-size) and to
 * every replica's output buffer. A replica's buffer is held back (replicaHoldsOutput)
 * until its RDB has been sent, so the stream since the snapshot point
 * follows the snapshot.
 *
 * SYNC/PSYNC: a PSYNC naming our replid (or replid2 up to
 * second_replid_offset) and an offset still in the backlog gets
 * +CONTINUE and the missing bytes; anything else a full resync:
 * +FULLRESYNC <replid> <offset>, then an RDB, either a BGSAVE file sent as
 * "$<len>\r\n<bytes>" or, diskless, written by a forked child straight to
 * the replica sockets as "$EOF:<40 chars>\r\n<rdb><40 chars>" (then
 * the stream waits for the replica's first ACK). A replica arriving
 * during a disk BGSAVE started for another replica shares it: the same
 * offset, a copy of that replica's buffered stream, the same file. A TLS
 * replica's session lives in this process, so for those the child writes
 * to a pipe instead and we relay the bytes (the RDB relay below).
 * A replica may ask for a filtered snapshot (REPLCONF rdb-filter-only: no
 * keys, or neither keys nor functions); it gets a child of its own that
 * always writes to the sockets, and with REPLCONF rdb-only 1 it is
 * dropped once it has the RDB (redis-cli --rdb / --functions-rdb).
 * Also REPLCONF, WAIT (a small self-contained blocking mechanism), ROLE,
 * INFO replication and the checks processCommand asks for (READONLY,
 * MASTERDOWN, NOREPLICAS). The replica side is in replica.c.
 */
#include "server.h"
#include "rdb.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>

static int slaveseldb = -1;          /* db the stream last SELECTed */
static time_t repl_no_slaves_since;
static int good_slaves;
static int get_ack_from_slaves;
static list *waiting_clients;        /* clients blocked in WAIT */
static int wait_check_needed;
static long long repl_cron_loops;
client *replMasterClient;

replClient *replClientState(client *c) {
    if (!c->repl) {
        replClient *r = zcalloc(sizeof(*r));
        r->dbfd = -1;
        c->repl = r;
    }
    return c->repl;
}

static replClient *RC(client *c) { return replClientState(c); }

/* ---------------------------------------------------------------------------
 * Replication ids
 * ------------------------------------------------------------------------ */

void changeReplicationId(void) {
    getRandomHexChars(server.replid, CONFIG_RUN_ID_SIZE);
    server.replid[CONFIG_RUN_ID_SIZE] = '\0';
}

void clearReplicationId2(void) {
    memset(server.replid2, '0', CONFIG_RUN_ID_SIZE);
    server.replid2[CONFIG_RUN_ID_SIZE] = '\0';
    server.second_replid_offset = -1;
}

/* On promotion: the old history stays valid up to the current offset
 * under replid2, so replicas of the old master can PSYNC with us. */
void shiftReplicationId(void) {
    memcpy(server.replid2, server.replid, sizeof(server.replid));
    server.second_replid_offset = server.master_repl_offset + 1;
    changeReplicationId();
    serverLog(LL_NOTICE, "Setting secondary replication ID to %s, valid up to offset: %lld. New replication ID is %s",
              server.replid2, server.second_replid_offset, server.replid);
}

/* ---------------------------------------------------------------------------
 * Backlog and the stream
 * ------------------------------------------------------------------------ */

int replicaHoldsOutput(client *c) {
    replClient *r = c->repl;
    return r && r->state != 0 && (r->state != SLAVE_STATE_ONLINE || r->stream_on_ack);
}

/* Bytes of the stream: to the backlog and to every replica past the
 * snapshot point (those waiting for a BGSAVE to start get nothing: their
 * snapshot will include it). */
static void feedReplicasOnly(const char *buf, size_t len) {
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        client *slave = listNodeValue(ln);
        if (RC(slave)->state == SLAVE_STATE_WAIT_BGSAVE_START) continue;
        addReplyProto(slave, buf, len);
    }
}

/* Replicas first: the backlog keeps what their buffers still hold. */
void feedReplicationBuffer(const char *buf, size_t len) {
    feedReplicasOnly(buf, len);
    backlogFeed(buf, len);
}

/* A command to the backlog in the pieces stock feeds (its block layout,
 * hence what it trims, depends on them): the array header, then per
 * argument its "$<len>\r\n", its bytes and its CRLF. proto is what
 * catCommandProto built for argv: only the piece lengths are worked out. */
static void backlogFeedCommandProto(const char *proto, robj **argv, int argc) {
    size_t piece = 3 + digits10((uint64_t)argc); /* "*<argc>\r\n" */
    backlogFeed(proto, piece);
    proto += piece;
    for (int j = 0; j < argc; j++) {
        robj *o = argv[j];
        size_t len;
        if (sdsEncodedObject(o)) {
            len = sdslen(o->ptr);
        } else {
            char num[LONG_STR_SIZE];
            len = (size_t)ll2string(num, sizeof(num), (long)o->ptr);
        }
        piece = 3 + digits10((uint64_t)len); /* "$<len>\r\n" */
        backlogFeed(proto, piece);
        backlogFeed(proto + piece, len);
        backlogFeed(proto + piece + len, 2);
        proto += piece + len + 2;
    }
}

static sds catCommandProto(sds s, robj **argv, int argc) {
    s = sdscatprintf(s, "*%d\r\n", argc);
    for (int j = 0; j < argc; j++) {
        robj *o = argv[j];
        if (sdsEncodedObject(o)) {
            s = sdscatprintf(s, "$%zu\r\n", sdslen(o->ptr));
            s = sdscatlen(s, o->ptr, sdslen(o->ptr));
        } else {
            char buf[LONG_STR_SIZE];
            int n = ll2string(buf, sizeof(buf), (long)o->ptr);
            s = sdscatprintf(s, "$%d\r\n", n);
            s = sdscatlen(s, buf, (size_t)n);
        }
        s = sdscatlen(s, "\r\n", 2);
    }
    return s;
}

/* The propagation consumer. A replica proxies its master's stream
 * verbatim instead (replicationMasterApplied), so sub-replicas see the
 * same bytes and offsets. */
/* Whether a write fed now would go anywhere: a master (a replica forwards
 * its master's stream instead) with a backlog or replicas. */
int replicationHasFeedTargets(void) {
    return server.masterhost == NULL && (backlogActive() || listLength(server.slaves) != 0);
}

void replicationFeedReplicas(int dictid, robj **argv, int argc) {
    if (!replicationHasFeedTargets()) return;
    sds s = sdsempty();
    if (dictid != -1 && slaveseldb != dictid) {
        robj *sel[2];
        char buf[LONG_STR_SIZE];
        int n = ll2string(buf, sizeof(buf), dictid);
        sel[0] = createStringObject("SELECT", 6);
        sel[1] = createStringObject(buf, (size_t)n);
        s = catCommandProto(s, sel, 2);
        decrRefCount(sel[0]);
        decrRefCount(sel[1]);
        slaveseldb = dictid;
    }
    size_t selectlen = sdslen(s);
    s = catCommandProto(s, argv, argc);
    feedReplicasOnly(s, sdslen(s));
    if (selectlen) backlogFeed(s, selectlen); /* stock feeds its SELECT as one piece */
    backlogFeedCommandProto(s + selectlen, argv, argc);
    sdsfree(s);
}

/* Our master's stream, applied: offsets advance, replicas get it as is. */
void replicationMasterApplied(client *c, const char *buf, size_t len) {
    replClient *r = RC(c);
    if (len == 0) return;
    r->reploff += (long long)len;
    feedReplicationBuffer(buf, len);
}

/* ---------------------------------------------------------------------------
 * Replica clients
 * ------------------------------------------------------------------------ */

static void refreshGoodSlavesCount(void) {
    if (!server.repl_min_slaves_to_write || !server.repl_min_slaves_max_lag) return;
    int good = 0;
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        replClient *r = RC(listNodeValue(ln));
        if (r->state == SLAVE_STATE_ONLINE && server.unixtime - r->ack_time <= server.repl_min_slaves_max_lag)
            good++;
    }
    good_slaves = good;
}

const char *replicaAddr(client *slave, char *ip, size_t iplen) {
    replClient *r = RC(slave);
    if (r->addr) return r->addr;
    if (!slave->conn || connPeerToString(slave->conn, ip, iplen, NULL) == -1) return NULL;
    return ip;
}

static const char *replicaName(client *slave) {
    static char buf[NET_ADDR_STR_LEN + 16];
    char ip[NET_IP_STR_LEN];
    const char *a = replicaAddr(slave, ip, sizeof(ip));
    /* Stock's wording when REPLCONF listening-port never came, or the
     * address is unknown. */
    if (!a)
        snprintf(buf, sizeof(buf), "client id #%llu", (unsigned long long)slave->id);
    else if (RC(slave)->listening_port == 0)
        snprintf(buf, sizeof(buf), "%s:<unknown-replica-port>", a);
    else
        snprintf(buf, sizeof(buf), "%s:%d", a, RC(slave)->listening_port);
    return buf;
}

void disconnectSlaves(void) {
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) freeClientAsync(listNodeValue(ln));
}

static void replicaPutOnline(client *slave) {
    replClient *r = RC(slave);
    if (r->rdb_only) {
        /* redis-cli --rdb/--functions-rdb: the snapshot was all it wanted.
         * The state keeps the next snapshot from taking it as a target. */
        r->state = SLAVE_STATE_RDB_TRANSMITTED;
        if (slave->conn) connSetWriteHandler(slave->conn, NULL);
        serverLog(LL_NOTICE, "RDB transfer completed, rdb only replica (%s) should be disconnected asap",
                  replicaName(slave));
        freeClientAsync(slave);
        return;
    }
    r->state = SLAVE_STATE_ONLINE;
    r->ack_time = server.unixtime;
    if (slave->conn) connSetWriteHandler(slave->conn, NULL);
    if (clientHasPendingReplies(slave)) putClientInPendingWriteQueue(slave);
    refreshGoodSlavesCount();
    serverLog(LL_NOTICE, "Synchronization with replica %s succeeded", replicaName(slave));
}

/* A diskless RDB ends with its EOF mark, which the replica finds more
 * easily when nothing follows it at once: as stock does, the replica is
 * online from now on but the stream waits for its first REPLCONF ACK
 * (replicaStartStream), sent when it has loaded the snapshot. */
static void replicaSocketTransferDone(client *slave) {
    serverLog(LL_NOTICE, "Streamed RDB transfer with replica %s succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming",
              replicaName(slave));
    RC(slave)->stream_on_ack = 1;
    replicaPutOnline(slave);
}

static void replicaStartStream(client *slave) {
    RC(slave)->stream_on_ack = 0;
    if (clientHasPendingReplies(slave)) putClientInPendingWriteQueue(slave);
}

static void wakeWaitingClients(void);
static const char *replicaStateName(int state);
static void relayDropTarget(client *slave);

/* Replicas waiting for the running child's snapshot. */
static int replicasWaitingBgsaveEnd(void) {
    int n = 0;
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li)))
        if (RC(listNodeValue(ln))->state == SLAVE_STATE_WAIT_BGSAVE_END) n++;
    return n;
}

/* A diskless transfer whose last target went away is pointless: stop the
 * child (as stock, which notices it in its pipe reader); the cron reaps
 * it and logs how it ended. */
static void stopOrphanedTransfer(void) {
    if (server.child_type != CHILD_TYPE_RDB || !persist.child_to_socket || server.child_pid == -1) return;
    if (replicasWaitingBgsaveEnd()) return;
    serverLog(LL_WARNING, "Diskless rdb transfer, last replica dropped, killing fork child.");
    kill(server.child_pid, SIGUSR1);
}

/* freeClient() calls this for every client with replication state. */
void replicationClientFreed(client *c) {
    replClient *r = c->repl;
    if (c->flags & CLIENT_SLAVE && !(c->flags & CLIENT_MONITOR)) {
        listNode *ln = listSearchKey(server.slaves, c);
        if (ln) listDelNode(server.slaves, ln);
        if (r->dbfd != -1) close(r->dbfd);
        if (r->rdb_relay) relayDropTarget(c);
        if (listLength(server.slaves) == 0) repl_no_slaves_since = server.unixtime;
        serverLog(LL_WARNING, "Connection with replica %s lost.", replicaName(c));
        refreshGoodSlavesCount();
        if (r->state == SLAVE_STATE_WAIT_BGSAVE_END) stopOrphanedTransfer();
    }
    if (c->flags & CLIENT_MASTER) replicaMasterLinkFreed(c);
    if (r->wait_node) {
        listDelNode(waiting_clients, r->wait_node);
        r->wait_node = NULL;
    }
    sdsfree(r->preamble);
    zfree(r->addr);
    zfree(r);
    c->repl = NULL;
}

/* ---------------------------------------------------------------------------
 * Full resync: snapshots for replicas
 * ------------------------------------------------------------------------ */

static void *fillSaveInfo(rdbSaveInfo *rsi) {
    rsi->repl_stream_db = slaveseldb == -1 ? 0 : slaveseldb;
    return rsi;
}

/* Every snapshot records the replication context so that a restarted
 * instance can PSYNC (rdb.c asks through a weak hook). */
void *rdbPopulateSaveInfo(void *p) {
    rdbSaveInfo *rsi = p;
    if (!server.masterhost && backlogActive()) return fillSaveInfo(rsi);
    if (server.masterhost && replicaStreamDb() >= 0) {
        rsi->repl_stream_db = replicaStreamDb();
        return rsi;
    }
    return NULL;
}

static int writeFullResyncReply(client *slave, long long offset) {
    replClient *r = RC(slave);
    r->psync_initial_offset = offset;
    r->state = SLAVE_STATE_WAIT_BGSAVE_END;
    /* The snapshot's point: the next command must SELECT again. */
    slaveseldb = -1;
    if (slave->flags & CLIENT_PRE_PSYNC) return C_OK;
    char buf[128];
    int n = snprintf(buf, sizeof(buf), "+FULLRESYNC %s %lld\r\n", server.replid, offset);
    if (connWrite(slave->conn, buf, (size_t)n) != n) {
        freeClientAsync(slave);
        return C_ERR;
    }
    return C_OK;
}

/* rio that writes to every target socket of a diskless transfer; the
 * sockets stay non-blocking (the parent shares them), so we poll. */
typedef struct socketTargets {
    int *fds;
    int count;
} socketTargets;

static int writeAllFd(int fd, const char *p, size_t len) {
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n == -1 && errno == EAGAIN) {
            struct pollfd pfd = {fd, POLLOUT, 0};
            if (poll(&pfd, 1, server.repl_timeout * 1000) <= 0) return -1;
            continue;
        }
        return -1;
    }
    return 0;
}

/* The rio stages writes (wbuf_want), so each call here is a whole block. */
static int socketTargetsWrite(rio *r, const void *buf, size_t len) {
    socketTargets *t = r->privdata;
    int alive = 0;
    for (int i = 0; i < t->count; i++) {
        if (t->fds[i] == -1) continue;
        if (writeAllFd(t->fds[i], buf, len) == -1) t->fds[i] = -1;
        else alive++;
    }
    r->io.fd.pos += (off_t)len;
    return alive > 0;
}

static int socketTargetsFlush(rio *r) {
    (void)r;
    return 1;
}

static off_t socketTargetsTell(rio *r) { return r->io.fd.pos; }

static int socketTargetsRead(rio *r, void *buf, size_t len) {
    (void)r; (void)buf; (void)len;
    return 0;
}

/* ---------------------------------------------------------------------------
 * The RDB relay: a diskless snapshot for TLS replicas. The child cannot
 * write to their sockets (the SSL session state is ours: records the child
 * encrypted would leave our copy of the session out of step), so it writes
 * to a pipe. We read one chunk at a time and write it to every target;
 * the next chunk is read only once all of them took the current one, so a
 * slow replica slows the transfer instead of growing a buffer. A target
 * goes online when the relay reached the pipe's end and the child exited
 * successfully, whichever comes last.
 * ------------------------------------------------------------------------ */

static struct {
    int rfd;                   /* pipe read end; -1: no relay running */
    list *targets;             /* replica clients still being fed */
    char buf[PROTO_IOBUF_LEN];
    size_t len;                /* bytes of the current chunk */
    int child_ok;              /* the child exited successfully */
} relay = {-1, NULL, {0}, 0, 0};

static void relayPipeReadable(aeEventLoop *el, int fd, void *privdata, int mask);

static int relayActive(void) {
    return relay.rfd != -1;
}

static void relayDropTarget(client *slave) {
    listNode *ln = relay.targets ? listSearchKey(relay.targets, slave) : NULL;
    if (ln) listDelNode(relay.targets, ln);
    RC(slave)->rdb_relay = 0;
}

/* Every target has the whole snapshot and the child succeeded. */
static void relayPutTargetsOnline(void) {
    while (relay.targets && listLength(relay.targets)) {
        client *slave = listNodeValue(listFirst(relay.targets));
        relayDropTarget(slave);
        if (slave->conn) connSetWriteHandler(slave->conn, NULL);
        replicaSocketTransferDone(slave);
    }
}

static void relayStop(void) {
    if (relay.rfd == -1) return;
    aeDeleteFileEvent(server.el, relay.rfd, AE_READABLE);
    close(relay.rfd);
    relay.rfd = -1;
    relay.len = 0;
}

/* Write what this target still lacks of the chunk. 1 when it has it all,
 * 0 when the socket is full, -1 when the replica is gone (freed async). */
static int relayFeed(client *slave) {
    replClient *r = RC(slave);
    while (r->relay_sent < relay.len) {
        int n = connWrite(slave->conn, relay.buf + r->relay_sent, relay.len - r->relay_sent);
        if (n > 0) {
            r->relay_sent += (size_t)n;
            server.stat_net_repl_output_bytes += n;
            continue;
        }
        if (n == -1 && connGetState(slave->conn) == CONN_STATE_CONNECTED) return 0;
        serverLog(LL_WARNING, "Diskless rdb transfer, write error sending DB to replica: %s",
                  connGetLastError(slave->conn));
        relayDropTarget(slave);
        freeClientAsync(slave);
        return -1;
    }
    return 1;
}

/* Read the next chunk once every target took the current one. */
static void relayMaybeResume(void) {
    listIter li;
    listNode *ln;
    listRewind(relay.targets, &li);
    while ((ln = listNext(&li)))
        if (RC(listNodeValue(ln))->relay_sent < relay.len) return;
    relay.len = 0;
    if (listLength(relay.targets) == 0) {
        /* Nobody to feed: closing the pipe fails the child's writes. */
        relayStop();
        return;
    }
    if (aeCreateFileEvent(server.el, relay.rfd, AE_READABLE, relayPipeReadable, NULL) == AE_ERR) {
        relayStop();
    }
}

static void relayTargetWritable(connection *conn) {
    client *slave = connGetPrivateData(conn);
    if (relayFeed(slave) == 0) return;
    if (slave->conn && RC(slave)->rdb_relay) connSetWriteHandler(conn, NULL);
    relayMaybeResume();
}

/* Stock's parent always reads the snapshot from the child's pipe and logs
 * when the pipe ends; ours does at the same point of the transfer: the
 * relay's pipe end, or (the child writing the sockets itself) its exit. */
static int diskless_done_logged;

static void logDisklessTransferRead(void) {
    if (diskless_done_logged) return;
    diskless_done_logged = 1;
    serverLog(LL_WARNING, "Diskless rdb transfer, done reading from pipe, %d replicas still up.",
              replicasWaitingBgsaveEnd());
}

/* persistence.c, before "Background RDB transfer terminated": the child
 * that wrote to the replicas exited. */
void replicationSocketChildExited(int ok) {
    if (ok) logDisklessTransferRead();
}

static void relayPipeReadable(aeEventLoop *el, int fd, void *privdata, int mask) {
    (void)el; (void)privdata; (void)mask;
    ssize_t n = read(fd, relay.buf, sizeof(relay.buf));
    if (n == -1 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        /* The child closed its end: all it wrote has been relayed. */
        if (n == -1) serverLog(LL_WARNING, "Diskless rdb transfer, read error: %s", strerror(errno));
        else logDisklessTransferRead();
        relayStop();
        if (relay.child_ok) relayPutTargetsOnline();
        return;
    }
    relay.len = (size_t)n;
    aeDeleteFileEvent(server.el, fd, AE_READABLE);
    listIter li;
    listNode *ln;
    listRewind(relay.targets, &li);
    while ((ln = listNext(&li))) {
        client *slave = listNodeValue(ln);
        RC(slave)->relay_sent = 0;
        if (relayFeed(slave) == 0) connSetWriteHandler(slave->conn, relayTargetWritable);
    }
    relayMaybeResume();
}

/* Parent side of the fork: rfd is the pipe the child writes to. */
static int relayStart(int rfd) {
    if (!relay.targets) relay.targets = listCreate();
    anetNonBlock(NULL, rfd);
    relay.rfd = rfd;
    relay.len = 0;
    relay.child_ok = 0;
    if (aeCreateFileEvent(server.el, rfd, AE_READABLE, relayPipeReadable, NULL) == AE_ERR) {
        relayStop();
        return C_ERR;
    }
    return C_OK;
}

/* The child exited: online now if the relay is through, else at its end. */
static void relayChildDone(client *slave, int ok) {
    if (!ok) return; /* the caller frees the target */
    relay.child_ok = 1;
    if (!relayActive()) {
        relayDropTarget(slave);
        replicaSocketTransferDone(slave);
    }
}

/* Child: the RDB with the EOF mark format, to all targets. */
static int childWriteRdbToSockets(socketTargets *t, int rdb_skip, rdbSaveInfo *rsi) {
    rio r;
    memset(&r, 0, sizeof(r));
    r.read = socketTargetsRead;
    r.write = socketTargetsWrite;
    r.tell = socketTargetsTell;
    r.flush = socketTargetsFlush;
    r.privdata = t;
    /* Written in 16 KB blocks as stock's child does: the replica sees the
     * transfer start (and its INFO progress move) at the same points, and
     * a small or slow snapshot does not arrive only at its end. */
    r.wbuf_want = 16 * 1024;
    char mark[RDB_EOF_MARK_SIZE];
    getRandomHexChars(mark, RDB_EOF_MARK_SIZE);
    int ok = rioWrite(&r, "$EOF:", 5) && rioWrite(&r, mark, RDB_EOF_MARK_SIZE) &&
             rioWrite(&r, "\r\n", 2) && rdbSaveRio(&r, RDBFLAGS_REPLICATION | rdb_skip, rsi) != C_ERR &&
             rioWrite(&r, mark, RDB_EOF_MARK_SIZE) && rioFlush(&r);
    rioRelease(&r);
    return ok ? C_OK : C_ERR;
}

static int startDisklessTransfer(int rdb_skip, rdbSaveInfo *rsi) {
    /* Plain replicas get the child's writes directly, TLS ones via the relay
     * pipe (its write end is one more target of the child). */
    socketTargets t = {zmalloc(sizeof(int) * (listLength(server.slaves) + 1)), 0};
    int pipefd[2] = {-1, -1}, tls_targets = 0;
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        client *slave = listNodeValue(ln);
        if (RC(slave)->state != SLAVE_STATE_WAIT_BGSAVE_END) continue;
        if (connGetType(slave->conn) == CONN_TYPE_TLS) tls_targets++;
        else t.fds[t.count++] = slave->conn->fd;
    }
    if (tls_targets) {
        if (pipe(pipefd) == -1) {
            serverLog(LL_WARNING, "Can't create the pipe for a diskless transfer: %s", strerror(errno));
            zfree(t.fds);
            return C_ERR;
        }
        t.fds[t.count++] = pipefd[1];
    }
    pid_t pid = persistenceFork(CHILD_TYPE_RDB);
    if (pid == 0) {
        if (pipefd[0] != -1) close(pipefd[0]);
        int ret = childWriteRdbToSockets(&t, rdb_skip, rsi);
        if (ret == C_OK) childReportProgress((size_t)dbTotalServerKeyCount(), 1);
        _exit(ret == C_OK ? 0 : 1);
    }
    if (pipefd[1] != -1) close(pipefd[1]);
    if (pid != -1 && tls_targets) {
        /* The relay owns the read end from here (closed on failure). */
        relayStart(pipefd[0]);
        listRewind(server.slaves, &li);
        while ((ln = listNext(&li))) {
            client *slave = listNodeValue(ln);
            if (RC(slave)->state != SLAVE_STATE_WAIT_BGSAVE_END ||
                connGetType(slave->conn) != CONN_TYPE_TLS)
                continue;
            RC(slave)->rdb_relay = 1;
            RC(slave)->relay_sent = 0;
            listAddNodeTail(relay.targets, slave);
        }
    } else if (pipefd[0] != -1) {
        close(pipefd[0]);
    }
    zfree(t.fds);
    if (pid == -1) {
        serverLog(LL_WARNING, "Can't save in background: fork: %s", strerror(errno));
        return C_ERR;
    }
    diskless_done_logged = 0;
    serverLog(LL_NOTICE, "Background RDB transfer started by pid %ld", (long)pid);
    persist.rdb_save_time_start = time(NULL);
    persist.child_to_socket = 1;
    server.child_pid = pid;
    server.child_type = CHILD_TYPE_RDB;
    return C_OK;
}

/* The replicas the next snapshot serves: those waiting for one that asked
 * for the same filter as the first of them. A filtered snapshot is not the
 * full one, so replicas wanting different parts never share a child; the
 * others wait for the next one. Returns how many there are, with their
 * common capabilities, their filter and the longest idle time among them. */
static int nextSyncBatch(int *mincapa, int *rdb_skip, time_t *max_idle) {
    int count = 0;
    listIter li;
    listNode *ln;
    *mincapa = -1;
    *rdb_skip = 0;
    if (max_idle) *max_idle = 0;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        client *slave = listNodeValue(ln);
        replClient *r = RC(slave);
        if (r->state != SLAVE_STATE_WAIT_BGSAVE_START) continue;
        if (count == 0) *rdb_skip = r->rdb_skip;
        else if (r->rdb_skip != *rdb_skip) continue;
        *mincapa = count == 0 ? r->capa : (*mincapa & r->capa);
        time_t idle = server.unixtime - slave->lastinteraction;
        if (max_idle && idle > *max_idle) *max_idle = idle;
        count++;
    }
    return count;
}

/* Start a snapshot for the replicas waiting for one with this filter. */
static void startBgsaveForReplication(int mincapa, int rdb_skip) {
    /* The previous relay is still draining: the cron retries later. */
    if (relayActive()) return;
    /* A filtered RDB always goes to the sockets: written to disk it would
     * replace the dump file with a partial snapshot. (syncCommand refused
     * filtered replicas without the EOF capability.) */
    int to_socket = (server.repl_diskless_sync || rdb_skip) && (mincapa & SLAVE_CAPA_EOF);
    rdbSaveInfo rsi = RDB_SAVE_INFO_INIT;
    serverLog(LL_NOTICE, "Starting BGSAVE for SYNC with target: %s", to_socket ? "replicas sockets" : "disk");
    /* Replies first: the offset is the snapshot point. */
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        client *slave = listNodeValue(ln);
        if (RC(slave)->state == SLAVE_STATE_WAIT_BGSAVE_START && RC(slave)->rdb_skip == rdb_skip)
            writeFullResyncReply(slave, server.master_repl_offset);
    }
    fillSaveInfo(&rsi);
    rsi.repl_stream_db = 0; /* replicas SELECT on the first command anyway */
    int ret = to_socket ? startDisklessTransfer(rdb_skip, &rsi) : rdbSaveBackground(server.rdb_filename, &rsi);
    if (ret != C_OK) {
        serverLog(LL_WARNING, "BGSAVE for replication failed");
        listRewind(server.slaves, &li);
        while ((ln = listNext(&li))) {
            client *slave = listNodeValue(ln);
            if (RC(slave)->state == SLAVE_STATE_WAIT_BGSAVE_END) {
                RC(slave)->state = 0;
                slave->flags &= ~CLIENT_SLAVE;
                listDelNode(server.slaves, ln);
                addReplyError(slave, "BGSAVE failed, replication can't continue");
                slave->flags |= CLIENT_CLOSE_AFTER_REPLY;
            }
        }
    }
}

static void sendBulkToSlave(connection *conn) {
    client *slave = connGetPrivateData(conn);
    replClient *r = RC(slave);
    if (r->preamble) {
        int n = connWrite(conn, r->preamble, sdslen(r->preamble));
        if (n <= 0) {
            if (connGetState(conn) != CONN_STATE_CONNECTED) freeClient(slave);
            return;
        }
        server.stat_net_repl_output_bytes += n;
        sdsrange(r->preamble, n, -1);
        if (sdslen(r->preamble) == 0) {
            sdsfree(r->preamble);
            r->preamble = NULL;
        } else {
            return;
        }
    }
    char buf[PROTO_IOBUF_LEN];
    if (lseek(r->dbfd, r->dboff, SEEK_SET) == -1) {
        freeClient(slave);
        return;
    }
    ssize_t nread = read(r->dbfd, buf, sizeof(buf));
    if (nread <= 0) {
        serverLog(LL_WARNING, "Read error sending DB to replica: %s", nread == -1 ? strerror(errno) : "EOF");
        freeClient(slave);
        return;
    }
    int n = connWrite(conn, buf, (size_t)nread);
    if (n <= 0) {
        if (connGetState(conn) != CONN_STATE_CONNECTED) freeClient(slave);
        return;
    }
    r->dboff += n;
    server.stat_net_repl_output_bytes += n;
    if (r->dboff == r->dbsize) {
        close(r->dbfd);
        r->dbfd = -1;
        replicaPutOnline(slave);
    }
}

/* persistence.c: a snapshot child is gone. */
void replicationRdbChildDone(int ok, int to_socket) {
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        client *slave = listNodeValue(ln);
        replClient *r = RC(slave);
        if (r->state == SLAVE_STATE_WAIT_BGSAVE_END) {
            if (!ok) {
                serverLog(LL_WARNING, "SYNC failed. BGSAVE child returned an error");
                if (r->rdb_relay) relayDropTarget(slave);
                freeClientAsync(slave);
            } else if (r->rdb_relay) {
                relayChildDone(slave, ok);
            } else if (to_socket) {
                /* The child wrote the snapshot: the stream follows. */
                replicaSocketTransferDone(slave);
            } else {
                struct stat st;
                r->dbfd = open(server.rdb_filename, O_RDONLY);
                if (r->dbfd == -1 || fstat(r->dbfd, &st) == -1) {
                    serverLog(LL_WARNING, "SYNC failed. Can't open/stat DB after BGSAVE: %s", strerror(errno));
                    freeClientAsync(slave);
                    continue;
                }
                r->dboff = 0;
                r->dbsize = st.st_size;
                r->preamble = sdscatprintf(sdsempty(), "$%lld\r\n", (long long)st.st_size);
                r->state = SLAVE_STATE_SEND_BULK;
                connSetWriteHandler(slave->conn, NULL);
                if (connSetWriteHandler(slave->conn, sendBulkToSlave) == C_ERR) freeClientAsync(slave);
            }
        }
    }
    int mincapa, rdb_skip;
    if (nextSyncBatch(&mincapa, &rdb_skip, NULL) && !hasActiveChildProcess()) {
        if (!server.repl_diskless_sync || !(mincapa & SLAVE_CAPA_EOF) || server.repl_diskless_sync_delay == 0)
            startBgsaveForReplication(mincapa, rdb_skip);
    }
}

/* ---------------------------------------------------------------------------
 * SYNC / PSYNC
 * ------------------------------------------------------------------------ */


static int masterTryPartialResynchronization(client *c, long long psync_offset) {
    const char *master_replid = c->argv[1]->ptr;
    if (strcasecmp(master_replid, server.replid) &&
        (strcasecmp(master_replid, server.replid2) || psync_offset > server.second_replid_offset)) {
        if (master_replid[0] != '?') {
            if (strcasecmp(master_replid, server.replid) && strcasecmp(master_replid, server.replid2))
                serverLog(LL_NOTICE, "Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '%s', my replication IDs are '%s' and '%s')",
                          master_replid, server.replid, server.replid2);
            else
                serverLog(LL_NOTICE, "Partial resynchronization not accepted: Requested offset for second ID was %lld, but I can reply up to %lld",
                          psync_offset, server.second_replid_offset);
        } else {
            serverLog(LL_NOTICE, "Full resync requested by replica %s", replicaName(c));
        }
        return C_ERR;
    }
    if (!backlogHasOffset(psync_offset)) {
        serverLog(LL_NOTICE, "Unable to partial resync with replica %s for lack of backlog (Replica request was: %lld).",
                  replicaName(c), psync_offset);
        return C_ERR;
    }
    replClient *r = RC(c);
    c->flags |= CLIENT_SLAVE;
    r->state = SLAVE_STATE_ONLINE;
    r->ack_time = server.unixtime;
    listAddNodeTail(server.slaves, c);
    char buf[128];
    int n = (r->capa & SLAVE_CAPA_PSYNC2) ? snprintf(buf, sizeof(buf), "+CONTINUE %s\r\n", server.replid)
                                          : snprintf(buf, sizeof(buf), "+CONTINUE\r\n");
    if (connWrite(c->conn, buf, (size_t)n) != n) {
        freeClientAsync(c);
        return C_OK;
    }
    long long sent = backlogAddReplyFrom(c, psync_offset);
    serverLog(LL_NOTICE, "Partial resynchronization request from %s accepted. Sending %lld bytes of backlog starting from offset %lld.",
              replicaName(c), sent, psync_offset);
    server.stat_sync_partial_ok++;
    refreshGoodSlavesCount();
    return C_OK;
}

/* The replica whose snapshot a newcomer could share: the first one
 * waiting for the running disk BGSAVE that buffers the stream since the
 * fork (an rdb-only one may not, so only rdb-only newcomers take it).
 * NULL when the child was not started for replicas. */
static client *bgsaveSharingPeer(client *c) {
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        client *peer = listNodeValue(ln);
        replClient *p = RC(peer);
        /* One being dropped (output limit) stopped buffering: a gap. */
        if (peer == c || p->state != SLAVE_STATE_WAIT_BGSAVE_END || (peer->flags & CLIENT_CLOSE_ASAP)) continue;
        if (!p->rdb_only || RC(c)->rdb_only) return peer;
    }
    return NULL;
}

/* The snapshot fits the newcomer if it can take whatever format the
 * peer's capabilities allowed and it wants the same parts of it. */
static int canShareSnapshot(client *c, client *peer) {
    replClient *r = RC(c), *p = RC(peer);
    return (r->capa & p->capa) == p->capa && r->rdb_skip == p->rdb_skip;
}

/* Join the peer's snapshot: the same +FULLRESYNC offset, and the stream
 * fed since the fork (held in the peer's output buffer) as our own
 * start, so the RDB file plus that buffer is exactly the peer's view.
 * An rdb-only replica never gets the stream, so it needs no copy. */
static void attachToRunningBgsave(client *c, client *peer) {
    if (writeFullResyncReply(c, RC(peer)->psync_initial_offset) != C_OK) return;
    if (!RC(c)->rdb_only) copyClientPendingOutput(c, peer);
}

/* SYNC while an RDB child runs. A disk snapshot can serve one more
 * replica when another one waits for it (see bgsaveSharingPeer); a child
 * writing to sockets only ever has the targets it was forked with. */
static void fullSyncDuringBgsave(client *c) {
    if (persist.child_to_socket) {
        serverLog(LL_NOTICE, "Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC");
        return;
    }
    client *peer = bgsaveSharingPeer(c);
    if (peer && canShareSnapshot(c, peer)) {
        attachToRunningBgsave(c, peer);
        serverLog(LL_NOTICE, "Waiting for end of BGSAVE for SYNC");
    } else {
        serverLog(LL_NOTICE, "Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
    }
}

/* SYNC and PSYNC <replid> <offset> */
void syncCommand(client *c) {
    if (c->flags & CLIENT_SLAVE) return;
    /* Our master handing over to us (failover.c); before the link check,
     * as that master has just stopped being one. */
    if (failoverPsyncRequest(c) != C_OK) return;
    if (failoverInProgress()) {
        /* Our own role is about to change. */
        addReplyError(c, "-NOMASTERLINK Can't SYNC while failing over");
        return;
    }
    if (server.masterhost && server.repl_state != REPL_STATE_CONNECTED) {
        addReplyError(c, "-NOMASTERLINK Can't SYNC while not connected with my master");
        return;
    }
    if (clientHasPendingReplies(c)) {
        addReplyError(c, "SYNC and PSYNC are invalid with pending output");
        return;
    }
    /* Filtered snapshots are only ever streamed to the socket (see
     * startBgsaveForReplication), which needs the EOF format. */
    if (RC(c)->rdb_skip && !(RC(c)->capa & SLAVE_CAPA_EOF)) {
        addReplyError(c, "Filtered replica requires EOF capability");
        return;
    }
    serverLog(LL_NOTICE, "Replica %s asks for synchronization", replicaName(c));
    if (!strcasecmp(c->argv[0]->ptr, "psync")) {
        long long psync_offset;
        if (getLongLongFromObjectOrReply(c, c->argv[2], &psync_offset, NULL) != C_OK) return;
        if (masterTryPartialResynchronization(c, psync_offset) == C_OK) return;
        if (c->argv[1]->ptr && ((char *)c->argv[1]->ptr)[0] != '?') server.stat_sync_partial_err++;
    } else {
        c->flags |= CLIENT_PRE_PSYNC;
    }
    server.stat_sync_full++;
    replClient *r = RC(c);
    r->state = SLAVE_STATE_WAIT_BGSAVE_START;
    /* INFO's lag counts from here until the first ACK (stock shows 0). */
    r->ack_time = server.unixtime;
    c->flags |= CLIENT_SLAVE;
    listAddNodeTail(server.slaves, c);
    /* The first replica of a master that had none starts a new history. */
    if (listLength(server.slaves) == 1 && !backlogActive()) {
        if (!server.masterhost) {
            changeReplicationId();
            clearReplicationId2();
        }
        createReplicationBacklog();
        serverLog(LL_NOTICE, "Replication backlog created, my new replication IDs are '%s' and '%s'",
                  server.replid, server.replid2);
    }
    /* A running BGSAVE either takes this replica along or makes it wait
     * for the next snapshot (started when the child ends, or by the cron). */
    if (server.child_type == CHILD_TYPE_RDB) {
        fullSyncDuringBgsave(c);
        return;
    }
    if (server.repl_diskless_sync && (r->capa & SLAVE_CAPA_EOF) && server.repl_diskless_sync_delay) {
        serverLog(LL_NOTICE, "Delay next BGSAVE for diskless SYNC");
        return;
    }
    if (hasActiveChildProcess()) {
        serverLog(LL_NOTICE, "No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed");
        return;
    }
    startBgsaveForReplication(r->capa, r->rdb_skip);
}

/* REPLCONF rdb-filter-only "<part> ...": the parts of the snapshot to
 * include, everything else is left out; "" (stock redis-cli --replica)
 * wants no keys and no functions, "functions" (redis-cli --functions-rdb)
 * the libraries only. As in stock, an unknown part is an error that leaves
 * the filter as parsed up to it (SYNC then still wants a filtered RDB). */
static int parseRdbFilter(client *c, const char *spec, int *rdb_skip) {
    int n;
    sds *parts = sdssplitargs(spec, &n);
    if (parts == NULL) {
        addReplyError(c, "Missing rdb-filter-only values");
        return C_ERR;
    }
    int ret = C_OK;
    *rdb_skip = RDBFLAGS_SKIP_MASK;
    for (int k = 0; k < n; k++) {
        if (strcasecmp(parts[k], "functions") != 0) {
            addReplyErrorFormat(c, "Unsupported rdb-filter-only option: %s", parts[k]);
            ret = C_ERR;
            break;
        }
        *rdb_skip &= ~RDBFLAGS_SKIP_FUNCTIONS;
    }
    sdsfreesplitres(parts, n);
    return ret;
}

/* REPLCONF <option> <value> ... */
void replconfCommand(client *c) {
    if ((c->argc % 2) == 0) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    replClient *r = RC(c);
    for (int j = 1; j < c->argc; j += 2) {
        const char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "listening-port")) {
            long port;
            if (getLongFromObjectOrReply(c, c->argv[j + 1], &port, NULL) != C_OK) return;
            r->listening_port = (int)port;
        } else if (!strcasecmp(opt, "ip-address")) {
            sds addr = c->argv[j + 1]->ptr;
            if (sdslen(addr) < 256) {
                zfree(r->addr);
                r->addr = zstrdup(addr);
            } else {
                addReplyErrorFormat(c, "REPLCONF ip-address provided by replica instance is too long: %zd bytes",
                                    sdslen(addr));
                return;
            }
        } else if (!strcasecmp(opt, "capa")) {
            if (!strcasecmp(c->argv[j + 1]->ptr, "eof")) r->capa |= SLAVE_CAPA_EOF;
            else if (!strcasecmp(c->argv[j + 1]->ptr, "psync2")) r->capa |= SLAVE_CAPA_PSYNC2;
        } else if (!strcasecmp(opt, "ack")) {
            /* Replicas report their offset; never replied to. */
            long long offset;
            if (!(c->flags & CLIENT_SLAVE)) return;
            if (getLongLongFromObject(c->argv[j + 1], &offset) != C_OK) return;
            if (offset > r->ack_off) r->ack_off = offset;
            r->ack_time = server.unixtime;
            wait_check_needed = 1;
            /* An ACK while we wait for the child means it loaded the whole
             * diskless RDB: the child is gone, only the cron has not seen
             * it yet. Reaping it now starts the stream without waiting for
             * the replica's next ACK. */
            if (r->state == SLAVE_STATE_WAIT_BGSAVE_END && server.child_type == CHILD_TYPE_RDB)
                checkChildrenDone();
            if (r->stream_on_ack && r->state == SLAVE_STATE_ONLINE) replicaStartStream(c);
            return;
        } else if (!strcasecmp(opt, "getack")) {
            if (server.masterhost && (c->flags & CLIENT_MASTER)) replicationSendAck();
            return;
        } else if (!strcasecmp(opt, "rdb-filter-only")) {
            if (parseRdbFilter(c, c->argv[j + 1]->ptr, &r->rdb_skip) != C_OK) return;
        } else if (!strcasecmp(opt, "rdb-only")) {
            long v;
            if (getRangeLongFromObjectOrReply(c, c->argv[j + 1], 0, 1, &v, NULL) != C_OK) return;
            r->rdb_only = (int)v;
        } else {
            addReplyErrorFormat(c, "Unrecognized REPLCONF option: %s", opt);
            return;
        }
    }
    addReply(c, shared.ok);
}

/* ---------------------------------------------------------------------------
 * WAIT: clients block until enough replicas acknowledged their writes.
 * Kept self-contained (a list, checked before sleeping) so it can move
 * onto a generic blocking layer later.
 * ------------------------------------------------------------------------ */

static int replicationCountAcksByOffset(long long offset) {
    int count = 0;
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        replClient *r = RC(listNodeValue(ln));
        if (r->state == SLAVE_STATE_ONLINE && r->ack_off >= offset) count++;
    }
    return count;
}

static void unblockWaitingClient(client *c, int acks) {
    replClient *r = RC(c);
    listDelNode(waiting_clients, r->wait_node);
    r->wait_node = NULL;
    c->flags &= ~CLIENT_BLOCKED;
    addReplyLongLong(c, acks);
    /* The command is over: let the client read its next one. */
    resetClient(c);
    if (c->conn) {
        c->lastinteraction = server.unixtime;
        if (sdslen(c->querybuf) > c->qb_pos) processInputBuffer(c);
    }
}

void waitCommand(client *c) {
    long numreplicas;
    long long timeout;
    if (server.masterhost) {
        addReplyError(c, "WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.");
        return;
    }
    if (getLongFromObjectOrReply(c, c->argv[1], &numreplicas, NULL) != C_OK) return;
    if (getLongLongFromObjectOrReply(c, c->argv[2], &timeout, "timeout is not an integer or out of range") != C_OK)
        return;
    if (timeout < 0) {
        addReplyError(c, "timeout is negative");
        return;
    }
    int acks = replicationCountAcksByOffset(c->woff);
    if (acks >= numreplicas || (c->flags & CLIENT_MULTI)) {
        addReplyLongLong(c, acks);
        return;
    }
    if (!waiting_clients) waiting_clients = listCreate();
    replClient *r = RC(c);
    r->wait_numreplicas = numreplicas;
    r->wait_offset = c->woff;
    r->wait_timeout = timeout ? mstime() + timeout : 0;
    listAddNodeTail(waiting_clients, c);
    r->wait_node = listLast(waiting_clients);
    c->flags |= CLIENT_BLOCKED;
    get_ack_from_slaves = 1;
}

static void wakeWaitingClients(void) {
    if (!waiting_clients || listLength(waiting_clients) == 0) return;
    long long now = mstime();
    listIter li;
    listNode *ln;
    listRewind(waiting_clients, &li);
    while ((ln = listNext(&li))) {
        client *c = listNodeValue(ln);
        replClient *r = RC(c);
        int acks = replicationCountAcksByOffset(r->wait_offset);
        if (acks >= r->wait_numreplicas || (r->wait_timeout && now >= r->wait_timeout))
            unblockWaitingClient(c, acks);
    }
}

static void sendGetackToReplicas(void) {
    robj *argv[3];
    argv[0] = shared.replconf;
    argv[1] = shared.getack;
    argv[2] = shared.special_asterick;
    replicationFeedReplicas(-1, argv, 3);
}

void replicationBeforeSleep(void) {
    /* Not while clients are paused: a GETACK would grow the stream the
     * pause (FAILOVER, SHUTDOWN) waits for the replicas to acknowledge. */
    if (get_ack_from_slaves && !server.masterhost && !checkClientPauseTimeoutAndReturnIfPaused()) {
        sendGetackToReplicas();
        get_ack_from_slaves = 0;
    }
    wakeWaitingClients();
    wait_check_needed = 0;
    failoverCheck(); /* ACKs may have come in */
}

/* ---------------------------------------------------------------------------
 * SHUTDOWN: lagging replicas get up to shutdown-timeout seconds to receive
 * and acknowledge the whole stream (shutdown.c pauses writes meanwhile and
 * asks from its cron whether they are in).
 * ------------------------------------------------------------------------ */

static int replicasCaughtUp(void) {
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        client *slave = listNodeValue(ln);
        replClient *r = RC(slave);
        if (slave->flags & CLIENT_CLOSE_ASAP) continue;
        if (r->state == SLAVE_STATE_ONLINE && r->ack_off != server.master_repl_offset) return 0;
    }
    return 1;
}

int replicationShutdownShouldWait(void) {
    if (server.masterhost || server.shutdown_timeout == 0 || listLength(server.slaves) == 0) return 0;
    return !replicasCaughtUp();
}

void replicationShutdownStartWait(void) {
    serverLog(LL_NOTICE, "Waiting for replicas before shutting down.");
    sendGetackToReplicas();
}

int replicationShutdownReady(void) { return replicasCaughtUp(); }

void replicationShutdownLogLagging(void) {
    if (replicasCaughtUp()) {
        serverLog(LL_NOTICE, "Replicas caught up before shutting down.");
        return;
    }
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        client *slave = listNodeValue(ln);
        replClient *r = RC(slave);
        if (r->ack_off != server.master_repl_offset)
            serverLog(LL_WARNING, "Lagging replica %s reported offset %lld behind master, lag=%ld, state=%s.",
                      replicaName(slave), server.master_repl_offset - r->ack_off,
                      (long)(server.unixtime - r->ack_time), replicaStateName(r->state));
    }
}

/* ---------------------------------------------------------------------------
 * Command gate (processCommand)
 * ------------------------------------------------------------------------ */

robj *replicationDenyCommand(client *c, int is_write, int is_denystale) {
    int obey = (c->flags & CLIENT_MASTER) || c->id == UINT64_MAX;
    if (is_write && !server.masterhost && server.repl_min_slaves_to_write &&
        server.repl_min_slaves_max_lag && good_slaves < server.repl_min_slaves_to_write)
        return shared.noreplicaserr;
    if (server.masterhost && server.repl_slave_ro && !obey && is_write) return shared.roslaveerr;
    if (server.masterhost && server.repl_state != REPL_STATE_CONNECTED &&
        !server.repl_serve_stale_data && is_denystale)
        return shared.masterdownerr;
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Cron
 * ------------------------------------------------------------------------ */

static void pingReplicas(void) {
    robj *argv[1] = {shared.ping};
    replicationFeedReplicas(-1, argv, 1);
}

void replicationCron(void) {
    repl_cron_loops++;
    resizeReplicationBacklogIfNeeded();
    replicaCron();

    if (!server.masterhost && listLength(server.slaves) &&
        (repl_cron_loops % server.repl_ping_slave_period) == 0 && !failoverHoldsPings())
        pingReplicas();

    /* Newlines keep replicas waiting for their snapshot from timing out
     * (not while a child writes to their sockets). */
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        client *slave = listNodeValue(ln);
        replClient *r = RC(slave);
        if (r->state == SLAVE_STATE_WAIT_BGSAVE_START ||
            (r->state == SLAVE_STATE_WAIT_BGSAVE_END && !persist.child_to_socket && !r->rdb_relay)) {
            if (connWrite(slave->conn, "\n", 1) == -1) { /* best effort */ }
        }
        if (r->state == SLAVE_STATE_ONLINE && !(slave->flags & CLIENT_PRE_PSYNC) &&
            server.unixtime - r->ack_time > server.repl_timeout) {
            serverLog(LL_WARNING, "Disconnecting timedout replica (streaming sync): %s", replicaName(slave));
            freeClientAsync(slave);
        }
    }
    /* Diskless: start once the delay passed or enough replicas came. */
    int mincapa, rdb_skip;
    time_t max_idle;
    int waiting = nextSyncBatch(&mincapa, &rdb_skip, &max_idle);
    if (waiting && !hasActiveChildProcess()) {
        if (!server.repl_diskless_sync || !(mincapa & SLAVE_CAPA_EOF) ||
            max_idle >= server.repl_diskless_sync_delay ||
            (server.repl_diskless_sync_max_replicas && waiting >= server.repl_diskless_sync_max_replicas))
            startBgsaveForReplication(mincapa, rdb_skip);
    }

    /* A master alone for repl-backlog-ttl forgets its history. */
    if (!server.masterhost && listLength(server.slaves) == 0 && server.repl_backlog_time_limit &&
        backlogActive() && server.unixtime - repl_no_slaves_since > server.repl_backlog_time_limit) {
        changeReplicationId();
        clearReplicationId2();
        freeReplicationBacklog();
        serverLog(LL_NOTICE, "Replication backlog freed after %d seconds without connected replicas.",
                  (int)server.repl_backlog_time_limit);
    }
    refreshGoodSlavesCount();
}

/* ---------------------------------------------------------------------------
 * ROLE and INFO
 * ------------------------------------------------------------------------ */

void roleCommand(client *c) {
    if (server.masterhost) {
        replicaRoleReply(c);
        return;
    }
    addReplyArrayLen(c, 3);
    addReplyBulkCBuffer(c, "master", 6);
    addReplyLongLong(c, server.master_repl_offset);
    void *len = addReplyDeferredLen(c);
    long n = 0;
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        client *slave = listNodeValue(ln);
        replClient *r = RC(slave);
        char ip[NET_IP_STR_LEN];
        const char *addr = replicaAddr(slave, ip, sizeof(ip));
        if (!addr || r->state != SLAVE_STATE_ONLINE) continue;
        addReplyArrayLen(c, 3);
        addReplyBulkCString(c, addr);
        addReplyBulkLongLong(c, r->listening_port);
        addReplyBulkLongLong(c, r->ack_off);
        n++;
    }
    setDeferredArrayLen(c, len, n);
}

static const char *replicaStateName(int state) {
    switch (state) {
    case SLAVE_STATE_WAIT_BGSAVE_START:
    case SLAVE_STATE_WAIT_BGSAVE_END: return "wait_bgsave";
    case SLAVE_STATE_SEND_BULK: return "send_bulk";
    case SLAVE_STATE_ONLINE: return "online";
    default: return "";
    }
}

sds genReplicationInfoFields(sds info) {
    infoEnsureIds();
    if (server.masterhost) {
        info = sdscat(info, "role:slave\r\n");
        info = genReplicaInfoFields(info);
    } else {
        info = sdscat(info, "role:master\r\n");
    }
    info = sdscatprintf(info, "connected_slaves:%lu\r\n", listLength(server.slaves));
    if (server.repl_min_slaves_to_write && server.repl_min_slaves_max_lag)
        info = sdscatprintf(info, "min_slaves_good_slaves:%d\r\n", good_slaves);
    int slaveid = 0;
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        client *slave = listNodeValue(ln);
        replClient *r = RC(slave);
        char ip[NET_IP_STR_LEN];
        const char *addr = replicaAddr(slave, ip, sizeof(ip));
        const char *state = replicaStateName(r->state);
        if (!addr || !*state) continue;
        /* Only an online replica acknowledges: the others show lag 0. */
        long lag = r->state == SLAVE_STATE_ONLINE ? (long)(server.unixtime - r->ack_time) : 0;
        info = sdscatprintf(info, "slave%d:ip=%s,port=%d,state=%s,offset=%lld,lag=%ld\r\n",
                            slaveid, addr, r->listening_port, state, r->ack_off, lag);
        slaveid++;
    }
    info = sdscatprintf(info,
        "master_failover_state:%s\r\n"
        "master_replid:%s\r\n"
        "master_replid2:%s\r\n"
        "master_repl_offset:%lld\r\n"
        "second_repl_offset:%lld\r\n"
        "repl_backlog_active:%d\r\n"
        "repl_backlog_size:%lld\r\n"
        "repl_backlog_first_byte_offset:%lld\r\n"
        "repl_backlog_histlen:%lld\r\n",
        failoverStateName(), server.replid, server.replid2, server.master_repl_offset,
        server.second_replid_offset, backlogActive(), server.repl_backlog_size,
        backlogFirstOffset(), backlogHistlen());
    return info;
}

/* persistence.c: the RDB loaded at start-up carried a replication context. */
void replicationLoadedRdbInfo(void *p) {
    rdbSaveInfo *rsi = p;
    if (!rsi->repl_id_is_set || rsi->repl_offset == -1) return;
    if (server.masterhost) {
        replicaRestoreFromRdb(rsi->repl_id, rsi->repl_offset, rsi->repl_stream_db);
    } else {
        /* A restarted master keeps its history: its replicas can PSYNC. */
        memcpy(server.replid, rsi->repl_id, sizeof(server.replid));
        server.master_repl_offset = rsi->repl_offset;
        createReplicationBacklog();
        repl_no_slaves_since = time(NULL);
    }
}
