/* replica.c - the replica side of replication, as Redis 7.0 speaks it.
 *
 * REPLICAOF starts a non-blocking connection to the master, then a
 * handshake driven by replies: PING, [AUTH masteruser masterauth],
 * REPLCONF listening-port / ip-address / capa eof capa psync2, and
 * PSYNC <replid> <offset+1> (from the link we lost, our own history after
 * a promotion, or the repl-id/repl-offset of the RDB we restarted from),
 * else "PSYNC ? -1". +CONTINUE resumes the stream; +FULLRESYNC is
 * followed by an RDB ("$<len>" or "$EOF:<mark>") written to a temp file
 * and loaded, or loaded straight from the socket (repl-diskless-load).
 * The master link then is a client with CLIENT_MASTER whose commands run
 * without replies; what it applies is counted in master_repl_offset and
 * proxied verbatim to our own replicas (replication.c). REPLCONF ACK goes
 * back every second and on GETACK.
 */
#include "server.h"
#include "rdb.h"
#include "aof.h"
#include "blocked.h"

#include <fcntl.h>
#include <sys/stat.h>

#define REPL_SYNCIO_TIMEOUT 5000   /* ms, for one handshake reply */

static connection *transfer_conn;  /* the link while not yet a client */
static int transfer_fd = -1;
static char transfer_tmpfile[256];
off_t repl_transfer_size = -1, repl_transfer_read;
time_t repl_transfer_lastio;
time_t repl_down_since;
static int transfer_usemark;
static char transfer_eofmark[RDB_EOF_MARK_SIZE];
static char transfer_lastbytes[RDB_EOF_MARK_SIZE];
static char master_replid[CONFIG_RUN_ID_SIZE+1];
static long long master_initial_offset = -1;

/* What we know of the stream we were in: PSYNC asks to resume it. */
static struct {
    int valid;
    char replid[CONFIG_RUN_ID_SIZE+1];
    long long reploff;
    int dbid;
} cached;

static void syncWithMaster(connection *conn);

int replicaSyncInProgress(void) {
    return server.repl_state == REPL_STATE_TRANSFER;
}

static int inHandshake(void) {
    return server.repl_state >= REPL_STATE_RECEIVE_PING_REPLY &&
           server.repl_state <= REPL_STATE_RECEIVE_PSYNC_REPLY;
}

/* ---------------------------------------------------------------------------
 * The master client
 * ------------------------------------------------------------------------ */

static void createMasterClient(connection *conn, int dbid, const char *replid, long long reploff) {
    client *c = createClient(conn);
    c->flags |= CLIENT_MASTER;
    c->authenticated = 1;
    c->user = NULL;
    replClient *r = replClientState(c);
    memcpy(r->replid, replid, CONFIG_RUN_ID_SIZE);
    r->replid[CONFIG_RUN_ID_SIZE] = '\0';
    r->reploff = r->read_reploff = reploff;
    selectDb(c, dbid < 0 || dbid >= server.dbnum ? 0 : dbid);
    replMasterClient = c;
    server.repl_state = REPL_STATE_CONNECTED;
    repl_down_since = 0;
}

/* freeClient() of the master link: remember where we were for PSYNC. */
void replicaMasterLinkFreed(client *c) {
    if (c != replMasterClient) return;
    replClient *r = c->repl;
    replMasterClient = NULL;
    if (!server.masterhost) return; /* REPLICAOF NO ONE: nothing to resume */
    cached.valid = 1;
    memcpy(cached.replid, r->replid, sizeof(cached.replid));
    cached.reploff = r->reploff;
    cached.dbid = c->db->id;
    serverLog(LL_NOTICE, "Connection with master lost.");
    serverLog(LL_NOTICE, "* Caching the disconnected master state.");
    server.repl_state = REPL_STATE_CONNECT;
    repl_down_since = server.unixtime;
}

/* For the cluster (cluster_failover.c): the replication offset this
 * replica has processed, which ranks replicas in an election and is sent
 * in bus headers; the cached offset while the link is down. */
long long replicationGetSlaveOffset(void) {
    if (replMasterClient) return replClientState(replMasterClient)->reploff;
    if (cached.valid) return cached.reploff;
    return 0;
}

/* How old our copy of the master's data is, in milliseconds: the time
 * since the last byte from a connected master, or since the link went
 * down. A replica that never synced has infinitely old data, so it never
 * asks for a failover (as stock decides). */
long long replicationMasterDataAgeMs(void) {
    if (replMasterClient)
        return ((long long)server.unixtime - (long long)replMasterClient->lastinteraction) * 1000;
    if (repl_down_since) return ((long long)server.unixtime - (long long)repl_down_since) * 1000;
    return LLONG_MAX / 4;
}

/* Our own history is what a new master may continue (after failover). */
static void cacheMasterUsingMyself(void) {
    cached.valid = 1;
    memcpy(cached.replid, server.replid, sizeof(cached.replid));
    cached.reploff = server.master_repl_offset;
    cached.dbid = 0;
    serverLog(LL_NOTICE, "Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.");
}

void replicaRestoreFromRdb(const char *replid, long long offset, int dbid) {
    memcpy(server.replid, replid, CONFIG_RUN_ID_SIZE);
    server.replid[CONFIG_RUN_ID_SIZE] = '\0';
    server.master_repl_offset = offset;
    cached.valid = 1;
    memcpy(cached.replid, server.replid, sizeof(cached.replid));
    cached.reploff = offset;
    cached.dbid = dbid;
    createReplicationBacklog();
    serverLog(LL_NOTICE, "Cached master from the RDB: replid %s offset %lld", replid, offset);
}

int replicaStreamDb(void) {
    if (replMasterClient) return replMasterClient->db->id;
    if (cached.valid) return cached.dbid;
    return -1;
}

void replicationSendAck(void) {
    client *c = replMasterClient;
    if (!c) return;
    c->flags |= CLIENT_MASTER_FORCE_REPLY;
    addReplyArrayLen(c, 3);
    addReplyBulkCString(c, "REPLCONF");
    addReplyBulkCString(c, "ACK");
    addReplyBulkLongLong(c, replClientState(c)->reploff);
    c->flags &= ~CLIENT_MASTER_FORCE_REPLY;
}

/* ---------------------------------------------------------------------------
 * Connection and handshake
 * ------------------------------------------------------------------------ */

static void cancelTransfer(void) {
    if (transfer_conn) {
        connClose(transfer_conn);
        transfer_conn = NULL;
    }
    if (transfer_fd != -1) {
        close(transfer_fd);
        transfer_fd = -1;
        unlink(transfer_tmpfile);
    }
    if (server.loading && server.repl_state == REPL_STATE_TRANSFER) stopLoading();
    if (server.async_loading) stopAsyncLoading();
}

/* Give up this attempt; the cron tries again. */
static void abortSync(void) {
    cancelTransfer();
    if (server.masterhost) server.repl_state = REPL_STATE_CONNECT;
}

static int connectWithMaster(void) {
    transfer_conn = connCreateOutgoing(server.tls_replication);
    if (connConnect(transfer_conn, server.masterhost, server.masterport, server.bind_source_addr,
                    syncWithMaster) == C_ERR) {
        serverLog(LL_WARNING, "Unable to connect to MASTER: %s", connGetLastError(transfer_conn));
        connClose(transfer_conn);
        transfer_conn = NULL;
        return C_ERR;
    }
    repl_transfer_lastio = server.unixtime;
    server.repl_state = REPL_STATE_CONNECTING;
    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync started");
    return C_OK;
}

static int sendCommandArgs(connection *conn, int argc, const char **argv) {
    sds s = sdscatprintf(sdsempty(), "*%d\r\n", argc);
    for (int j = 0; j < argc; j++)
        s = sdscatprintf(s, "$%zu\r\n%s\r\n", strlen(argv[j]), argv[j]);
    ssize_t n = connSyncWrite(conn, s, (ssize_t)sdslen(s), REPL_SYNCIO_TIMEOUT);
    int ok = n == (ssize_t)sdslen(s);
    sdsfree(s);
    return ok ? C_OK : C_ERR;
}

static int readReplyLine(connection *conn, char *buf, size_t len) {
    if (connSyncReadLine(conn, buf, (ssize_t)len, REPL_SYNCIO_TIMEOUT) == -1) {
        serverLog(LL_WARNING, "Error reading from MASTER: %s", connGetLastError(conn));
        return C_ERR;
    }
    repl_transfer_lastio = server.unixtime;
    return C_OK;
}

/* replica-announce-ip, else (cluster mode) our internal address, so that a
 * master behind NAT lists us where we really are; see cluster_addr.c. */
static const char *replicaAnnounceIp(void) {
    if (server.slave_announce_ip) return server.slave_announce_ip;
    return server.cluster_enabled ? clusterAddrReplicaAnnounceIp() : NULL;
}

/* Whether the handshake in flight sent REPLCONF ip-address (its reply is
 * then the next one to read). */
static int sent_announce_ip;

static int sendHandshake(connection *conn) {
    if (server.masterauth) {
        const char *args[3] = {"AUTH", NULL, NULL};
        int argc = 1;
        if (server.masteruser) args[argc++] = server.masteruser;
        args[argc++] = server.masterauth;
        if (sendCommandArgs(conn, argc, args) != C_OK) return C_ERR;
    }
    /* The port the master lists us with (INFO, ROLE): the TLS one when we
     * replicate over TLS, as stock announces. */
    int announced = server.slave_announce_port;
    if (!announced) announced = server.tls_replication && server.tls_port ? server.tls_port : server.port;
    char port[16];
    snprintf(port, sizeof(port), "%d", announced);
    const char *lp[3] = {"REPLCONF", "listening-port", port};
    if (sendCommandArgs(conn, 3, lp) != C_OK) return C_ERR;
    const char *announce_ip = replicaAnnounceIp();
    sent_announce_ip = announce_ip != NULL;
    if (announce_ip) {
        const char *ip[3] = {"REPLCONF", "ip-address", announce_ip};
        if (sendCommandArgs(conn, 3, ip) != C_OK) return C_ERR;
    }
    const char *capa[5] = {"REPLCONF", "capa", "eof", "capa", "psync2"};
    return sendCommandArgs(conn, 5, capa);
}

static int sendPsync(connection *conn) {
    char off[32];
    /* The 4th argument asks the target to take over (failover.c). */
    const char *args[4] = {"PSYNC", "?", "-1", "FAILOVER"};
    if (cached.valid) {
        snprintf(off, sizeof(off), "%lld", cached.reploff + 1);
        args[1] = cached.replid;
        args[2] = off;
        serverLog(LL_NOTICE, "Trying a partial resynchronization (request %s:%s).", cached.replid, off);
    } else {
        serverLog(LL_NOTICE, "Partial resynchronization not possible (no cached master)");
    }
    return sendCommandArgs(conn, failoverHandshakeActive() ? 4 : 3, args);
}

static void readSyncBulkPayload(connection *conn);

static void startTransfer(connection *conn) {
    snprintf(transfer_tmpfile, sizeof(transfer_tmpfile), "temp-%d.%ld.rdb", (int)time(NULL), (long)getpid());
    int diskless = server.repl_diskless_load == REPL_DISKLESS_LOAD_SWAPDB ||
                   (server.repl_diskless_load == REPL_DISKLESS_LOAD_WHEN_DB_EMPTY && dbTotalServerKeyCount() == 0);
    if (!diskless) {
        transfer_fd = open(transfer_tmpfile, O_CREAT | O_WRONLY | O_EXCL, 0644);
        if (transfer_fd == -1) {
            serverLog(LL_WARNING, "Opening the temp file needed for MASTER <-> REPLICA synchronization: %s",
                      strerror(errno));
            abortSync();
            return;
        }
    }
    repl_transfer_size = -1;
    repl_transfer_read = 0;
    repl_transfer_lastio = server.unixtime;
    server.repl_state = REPL_STATE_TRANSFER;
    connSetReadHandler(conn, readSyncBulkPayload);
}

/* A partial resync accepted: the link becomes the master client. */
static void continueWithMaster(connection *conn, const char *reply) {
    const char *newid = reply + 9;
    while (*newid == ' ') newid++;
    if (strlen(newid) >= CONFIG_RUN_ID_SIZE && memcmp(newid, cached.replid, CONFIG_RUN_ID_SIZE)) {
        /* The master changed id (failover): our old history becomes
         * replid2, and our replicas must hear the new id. */
        memcpy(server.replid2, cached.replid, sizeof(server.replid2));
        server.second_replid_offset = server.master_repl_offset + 1;
        memcpy(server.replid, newid, CONFIG_RUN_ID_SIZE);
        server.replid[CONFIG_RUN_ID_SIZE] = '\0';
        memcpy(cached.replid, server.replid, sizeof(cached.replid));
        serverLog(LL_NOTICE, "Master replication ID changed to %s", server.replid);
        disconnectSlaves();
    }
    serverLog(LL_NOTICE, "Successful partial resynchronization with master.");
    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
    connSetReadHandler(conn, NULL);
    transfer_conn = NULL;
    cached.valid = 0;
    createMasterClient(conn, cached.dbid, cached.replid, cached.reploff);
    /* The master sends what we miss as normal stream. */
    connSetReadHandler(conn, readQueryFromClient);
    createReplicationBacklog();
}

static void syncWithMaster(connection *conn) {
    char buf[256];
    if (server.repl_state == REPL_STATE_NONE) {
        connClose(conn);
        transfer_conn = NULL;
        return;
    }
    if (connGetState(conn) != CONN_STATE_CONNECTED) {
        serverLog(LL_WARNING, "Error condition on socket for SYNC: %s", connGetLastError(conn));
        abortSync();
        return;
    }
    switch (server.repl_state) {
    case REPL_STATE_CONNECTING:
        serverLog(LL_NOTICE, "Non blocking connect for SYNC fired the event.");
        connSetWriteHandler(conn, NULL);
        connSetReadHandler(conn, syncWithMaster);
        server.repl_state = REPL_STATE_RECEIVE_PING_REPLY;
        if (connSyncWrite(conn, "PING\r\n", 6, REPL_SYNCIO_TIMEOUT) != 6) goto error;
        return;
    case REPL_STATE_RECEIVE_PING_REPLY:
        if (readReplyLine(conn, buf, sizeof(buf)) != C_OK) goto error;
        if (buf[0] == '-' && strncmp(buf, "-NOAUTH", 7) && strncmp(buf, "-NOPERM", 7) &&
            strncmp(buf, "-ERR operation not permitted", 28)) {
            serverLog(LL_WARNING, "Error reply to PING from master: '%s'", buf);
            goto error;
        }
        serverLog(LL_NOTICE, "Master replied to PING, replication can continue...");
        if (sendHandshake(conn) != C_OK) goto error;
        server.repl_state = server.masterauth ? REPL_STATE_RECEIVE_AUTH_REPLY : REPL_STATE_RECEIVE_PORT_REPLY;
        return;
    case REPL_STATE_RECEIVE_AUTH_REPLY:
        if (readReplyLine(conn, buf, sizeof(buf)) != C_OK) goto error;
        if (buf[0] == '-') {
            serverLog(LL_WARNING, "Unable to AUTH to MASTER: %s", buf);
            goto error;
        }
        server.repl_state = REPL_STATE_RECEIVE_PORT_REPLY;
        return;
    case REPL_STATE_RECEIVE_PORT_REPLY:
        if (readReplyLine(conn, buf, sizeof(buf)) != C_OK) goto error;
        if (buf[0] == '-')
            serverLog(LL_NOTICE, "(Non critical) Master does not understand REPLCONF listening-port: %s", buf);
        server.repl_state = sent_announce_ip ? REPL_STATE_RECEIVE_IP_REPLY : REPL_STATE_RECEIVE_CAPA_REPLY;
        return;
    case REPL_STATE_RECEIVE_IP_REPLY:
        if (readReplyLine(conn, buf, sizeof(buf)) != C_OK) goto error;
        if (buf[0] == '-')
            serverLog(LL_NOTICE, "(Non critical) Master does not understand REPLCONF ip-address: %s", buf);
        server.repl_state = REPL_STATE_RECEIVE_CAPA_REPLY;
        return;
    case REPL_STATE_RECEIVE_CAPA_REPLY:
        if (readReplyLine(conn, buf, sizeof(buf)) != C_OK) goto error;
        if (buf[0] == '-')
            serverLog(LL_NOTICE, "(Non critical) Master does not understand REPLCONF capa: %s", buf);
        server.repl_state = REPL_STATE_SEND_PSYNC;
        if (sendPsync(conn) != C_OK) {
            abortSync();
            failoverHandoverFailed("Write error to failover target");
            return;
        }
        server.repl_state = REPL_STATE_RECEIVE_PSYNC_REPLY;
        return;
    case REPL_STATE_RECEIVE_PSYNC_REPLY:
        if (readReplyLine(conn, buf, sizeof(buf)) != C_OK) goto psync_error;
        if (buf[0] == '\0') return; /* keepalive newline before the reply */
        if (!strncmp(buf, "+FULLRESYNC", 11) || !strncmp(buf, "+CONTINUE", 9)) failoverPsyncAccepted();
        if (!strncmp(buf, "+FULLRESYNC", 11)) {
            char *id = buf + 12, *off = strchr(id, ' ');
            if (!off || off - id != CONFIG_RUN_ID_SIZE) {
                serverLog(LL_WARNING, "Master replied with wrong +FULLRESYNC syntax.");
                memset(master_replid, 0, sizeof(master_replid));
                master_initial_offset = -1;
            } else {
                memcpy(master_replid, id, CONFIG_RUN_ID_SIZE);
                master_replid[CONFIG_RUN_ID_SIZE] = '\0';
                master_initial_offset = strtoll(off + 1, NULL, 10);
                serverLog(LL_NOTICE, "Full resync from master: %s:%lld", master_replid, master_initial_offset);
            }
            cached.valid = 0;
            startTransfer(conn);
            return;
        }
        if (!strncmp(buf, "+CONTINUE", 9)) {
            continueWithMaster(conn, buf);
            return;
        }
        if (!strncmp(buf, "-NOMASTERLINK", 13) || !strncmp(buf, "-LOADING", 8)) {
            serverLog(LL_NOTICE, "Master is currently unable to PSYNC but should be in the future: %s", buf);
        } else {
            serverLog(LL_WARNING, "Unexpected reply to PSYNC from master: %s", buf);
        }
        goto psync_error;
    default:
        return;
    }
error:
    abortSync();
    return;
psync_error:
    abortSync();
    failoverHandoverFailed("Failover target rejected psync request"); /* master again */
}

/* ---------------------------------------------------------------------------
 * Receiving and loading the RDB
 * ------------------------------------------------------------------------ */

/* A blocking rio over the master socket, for diskless loading. The RDB
 * parser asks for a few bytes at a time (a type byte, a length, a short
 * string); a read() for each made loading 1M keys 7x slower than stock,
 * so the socket is read through a buffer. The buffer never holds bytes
 * past the payload of a $<size> transfer (the command stream may follow
 * it at once). With the EOF mark, what was read past the mark is the
 * start of that stream: handOverReadAhead() gives it to the master
 * client. The last RDB_EOF_MARK_SIZE bytes read are then the mark. */
static struct {
    char buf[16 * 1024];
    size_t pos, len;
    off_t raw_read; /* bytes taken from the socket (>= repl_transfer_read) */
} readahead;

static long long replIoTimeoutMs(void) { return (long long)server.repl_timeout * 1000; }

/* Refill the empty buffer with at most cap bytes (at least one). */
static int readAheadFill(connection *conn, size_t cap) {
    int n = connRead(conn, readahead.buf, cap);
    if (n <= 0) {
        /* EINTR or a timeout on the blocking socket: wait the usual way. */
        if (connGetState(conn) != CONN_STATE_CONNECTED) return 0;
        if (connSyncRead(conn, readahead.buf, 1, replIoTimeoutMs()) != 1) return 0;
        n = 1;
    }
    readahead.pos = 0;
    readahead.len = (size_t)n;
    readahead.raw_read += n;
    return 1;
}

static int connRioRead(rio *r, void *buf, size_t len) {
    connection *conn = r->privdata;
    if (!transfer_usemark && repl_transfer_read + (off_t)len > repl_transfer_size) return 0;
    char *p = buf;
    size_t want = len;
    while (want) {
        if (readahead.pos == readahead.len) {
            size_t cap = sizeof(readahead.buf);
            if (!transfer_usemark && (off_t)cap > repl_transfer_size - readahead.raw_read)
                cap = (size_t)(repl_transfer_size - readahead.raw_read);
            if (want >= cap) {
                /* A big string: straight into place, no copy. */
                if (connSyncRead(conn, p, (ssize_t)want, replIoTimeoutMs()) != (ssize_t)want) return 0;
                readahead.raw_read += (off_t)want;
                break;
            }
            if (!readAheadFill(conn, cap)) return 0;
        }
        size_t n = readahead.len - readahead.pos;
        if (n > want) n = want;
        memcpy(p, readahead.buf + readahead.pos, n);
        readahead.pos += n;
        p += n;
        want -= n;
    }
    repl_transfer_read += (off_t)len;
    repl_transfer_lastio = server.unixtime;
    server.stat_net_repl_input_bytes += (long long)len;
    return 1;
}

/* rio fill(): the next block of the transfer becomes the rio's read-ahead
 * window (see rio.h), so most reads of the parser are a copy inline. */
static size_t connRioFill(rio *r) {
    connection *conn = r->privdata;
    if (readahead.pos == readahead.len) {
        size_t cap = sizeof(readahead.buf);
        if (!transfer_usemark && (off_t)cap > repl_transfer_size - readahead.raw_read)
            cap = (size_t)(repl_transfer_size - readahead.raw_read);
        if (cap == 0 || !readAheadFill(conn, cap)) return 0;
    }
    size_t n = readahead.len - readahead.pos;
    r->rbuf = (unsigned char *)readahead.buf + readahead.pos;
    r->rlen = n;
    readahead.pos = readahead.len;
    repl_transfer_read += (off_t)n;
    repl_transfer_lastio = server.unixtime;
    server.stat_net_repl_input_bytes += (long long)n;
    return n;
}

/* What the rio's window still holds was not part of the RDB: back into
 * readahead, uncounted, for handOverReadAhead(). */
static void connRioGiveBack(rio *r) {
    size_t unread = r->rlen - r->rpos;
    readahead.pos = readahead.len - unread;
    repl_transfer_read -= (off_t)unread;
    server.stat_net_repl_input_bytes -= (long long)unread;
    r->rlen = r->rpos;
}

/* The bytes read past the RDB are the master's first commands: into the
 * master client's query buffer, parsed as if just read from the socket. */
static void handOverReadAhead(void) {
    size_t n = readahead.len - readahead.pos;
    client *m = replMasterClient;
    if (n && m) {
        m->querybuf = sdscatlen(m->querybuf, readahead.buf + readahead.pos, n);
        if (sdslen(m->querybuf) > m->querybuf_peak) m->querybuf_peak = sdslen(m->querybuf);
        m->net_input_bytes += (long long)n;
        server.stat_net_repl_input_bytes += (long long)n;
    }
    readahead.pos = readahead.len = 0;
    if (n && m) processInputBuffer(m);
}

static int connRioWrite(rio *r, const void *buf, size_t len) {
    (void)r; (void)buf; (void)len;
    return 0;
}

static off_t connRioTell(rio *r) {
    (void)r;
    return repl_transfer_read;
}

static int connRioFlush(rio *r) {
    (void)r;
    return 1;
}

static void emptyDataForSync(void) {
    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Flushing old data");
    emptyData(-1, server.repl_slave_lazy_flush ? EMPTYDB_ASYNC : EMPTYDB_NO_FLAGS, NULL);
}

/* The dataset is the master's now: become its replica at its offset. */
static void finishFullSync(connection *conn, rdbSaveInfo *rsi) {
    memcpy(server.replid, master_replid, sizeof(server.replid));
    server.master_repl_offset = master_initial_offset;
    clearReplicationId2();
    /* Our replicas were dropped before the load (prepareForSyncLoad):
     * they resync with the new history. */
    freeReplicationBacklog();
    createReplicationBacklog();
    transfer_conn = NULL;
    connSetReadHandler(conn, NULL);
    createMasterClient(conn, rsi->repl_stream_db, master_replid, master_initial_offset);
    connSetReadHandler(conn, readQueryFromClient);
    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Finished with success");
    /* After an EOF-marked RDB the master holds the stream until our first
     * ACK: send it now rather than at the next cron. */
    if (transfer_usemark) replicationSendAck();
}

/* repl-diskless-load swapdb: the current dataset is set aside while the
 * new one loads, and comes back if the load fails. */
typedef struct dbBackup {
    dict **dicts, **expires;
} dbBackup;

static dbBackup *backupDatabases(void) {
    dbBackup *b = zmalloc(sizeof(*b));
    b->dicts = zmalloc(sizeof(dict *) * server.dbnum);
    b->expires = zmalloc(sizeof(dict *) * server.dbnum);
    for (int j = 0; j < server.dbnum; j++) {
        redisDb *db = server.db + j;
        b->dicts[j] = db->dict;
        b->expires[j] = db->expires;
        db->dict = dictCreate(&dbDictType);
        db->expires = dictCreate(&keyptrDictType);
        db->avg_ttl = 0;
        db->expires_cursor = 0;
    }
    return b;
}

/* restore: put the old data back (dropping what loaded), else free it. */
static void discardDbBackup(dbBackup *b, int restore) {
    for (int j = 0; j < server.dbnum; j++) {
        redisDb *db = server.db + j;
        /* Expires first: they share the key sds owned by the keys table. */
        if (restore) {
            dictRelease(db->expires);
            dictRelease(db->dict);
            db->dict = b->dicts[j];
            db->expires = b->expires[j];
        } else {
            dictRelease(b->expires[j]);
            dictRelease(b->dicts[j]);
        }
    }
    zfree(b->dicts);
    zfree(b->expires);
    zfree(b);
}

/* Before the master's snapshot replaces our dataset: our own replicas
 * must resync from the new one anyway, a BGSAVE of the old data would
 * later be renamed over the dump.rdb we load (and doubles the memory by
 * copy-on-write), and the AOF describes the old data. Stock does the same
 * three things at this point. */
static void prepareForSyncLoad(void) {
    disconnectSlaves();
    if (server.child_type == CHILD_TYPE_RDB) {
        serverLog(LL_NOTICE, "Replica is about to load the RDB file received from the master, but there is a "
                  "pending RDB child running. Killing process %ld and removing its temp file to avoid any race",
                  (long)server.child_pid);
        killRDBChild();
    }
    aofStopBeforeSync();
}

/* Whether the load worked or not, persistence resumes: the AOF is
 * rebuilt from whatever dataset we now hold. */
static void resumeAfterSyncLoad(void) {
    aofRestartAfterSync();
}

/* 7.0's async loading: with repl-diskless-load swapdb and a master of
 * our own history (same replid: a resync after the backlog was outrun),
 * the old dataset is an earlier state of the one that arrives, so clients
 * keep reading it while the new one loads into other databases. A new
 * history gets the 6.x way (set aside, -LOADING meanwhile). Not in
 * cluster mode: the keys-per-slot index follows the live db 0 only. */
static int asyncLoadPossible(void) {
    return server.repl_diskless_load == REPL_DISKLESS_LOAD_SWAPDB && !server.cluster_enabled &&
           memcmp(server.replid, master_replid, CONFIG_RUN_ID_SIZE) == 0;
}

/* Empty databases for the loader, outside server.db. */
static redisDb *createLoadingDbs(void) {
    redisDb *dbs = zcalloc(sizeof(redisDb) * (size_t)server.dbnum);
    for (int j = 0; j < server.dbnum; j++) {
        dbs[j].dict = dictCreate(&dbDictType);
        dbs[j].expires = dictCreate(&keyptrDictType);
        dbs[j].id = j;
    }
    return dbs;
}

/* The contents are released in the background when lazyfree runs. */
static void freeLoadingDbs(redisDb *dbs) {
    for (int j = 0; j < server.dbnum; j++) {
        emptyDbAsync(dbs + j);
        dictRelease(dbs[j].expires);
        dictRelease(dbs[j].dict);
    }
    zfree(dbs);
}

/* The loaded databases become the live ones; the old contents end up in
 * `loaded`. Clients stay in their databases (their blocking and watched
 * keys stay too); a WATCHed key the swap changes fails the EXEC, a
 * client blocked in XREADGROUP on a stream hears that it may be gone, and
 * tracking clients are told to drop everything, as stock does. */
static void swapInLoadedDbs(redisDb *loaded) {
    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Swapping active DB with loaded DB");
    for (int j = 0; j < server.dbnum; j++) {
        redisDb *db = server.db + j, *l = loaded + j;
        touchAllWatchedKeysInDb(db, l);
        signalBlockedKeysLosingValues(db); /* XREADGROUP waiters re-check their stream */
        dict *d = db->dict, *e = db->expires;
        db->dict = l->dict;
        db->expires = l->expires;
        l->dict = d;
        l->expires = e;
        db->avg_ttl = 0;
        db->expires_cursor = 0;
    }
    trackingInvalidateKeysOnFlush(1);
    forgetReplicaKeysWithExpire();
    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Discarding old DB in background");
}

static void loadFromSocket(connection *conn) {
    rio r;
    memset(&r, 0, sizeof(r));
    r.read = connRioRead;
    r.fill = connRioFill;
    r.write = connRioWrite;
    r.tell = connRioTell;
    r.flush = connRioFlush;
    r.privdata = conn;
    rdbSaveInfo rsi = RDB_SAVE_INFO_INIT;
    dbBackup *backup = NULL;
    redisDb *target = server.db, *async_dbs = NULL;
    prepareForSyncLoad();
    if (asyncLoadPossible()) {
        target = async_dbs = createLoadingDbs();
    } else if (server.repl_diskless_load == REPL_DISKLESS_LOAD_SWAPDB) {
        for (int j = 0; j < server.dbnum; j++) signalFlushedDb(j, 0);
        backup = backupDatabases();
    } else {
        emptyDataForSync();
    }
    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Loading DB in memory");
    connBlock(conn);
    connRecvTimeout(conn, replIoTimeoutMs());
    readahead.pos = readahead.len = 0;
    readahead.raw_read = 0;
    if (async_dbs) {
        /* Clients are served between blocks: the link must not be read
         * by its event handler meanwhile. */
        connSetReadHandler(conn, NULL);
        functionsAsyncLoadBegin();
        startAsyncLoading();
    } else {
        startLoading(0);
    }
    int ret = rdbLoadRioInto(&r, RDBFLAGS_REPLICATION, &rsi, target);
    if (ret == C_OK && transfer_usemark) {
        char mark[RDB_EOF_MARK_SIZE];
        if (!rioRead(&r, mark, RDB_EOF_MARK_SIZE) || memcmp(mark, transfer_eofmark, RDB_EOF_MARK_SIZE)) {
            serverLog(LL_WARNING, "Replication stream EOF marker is broken");
            ret = C_ERR;
        }
    }
    connRioGiveBack(&r);
    if (async_dbs) stopAsyncLoading();
    else stopLoading();
    connRecvTimeout(conn, 0);
    connNonBlock(conn);
    if (ret != C_OK) {
        readahead.pos = readahead.len = 0;
        serverLog(LL_WARNING, "Failed trying to load the MASTER synchronization DB from socket: %s", rdbLastError());
        if (async_dbs) {
            serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Discarding temporary DB in background");
            freeLoadingDbs(async_dbs);
            functionsAsyncLoadEnd(0);
        } else if (backup) {
            serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Discarding the half-loaded data and restoring the old one");
            discardDbBackup(backup, 1);
        } else {
            emptyDataForSync();
        }
        abortSync();
        resumeAfterSyncLoad();
        return;
    }
    if (backup) discardDbBackup(backup, 0);
    if (async_dbs) {
        swapInLoadedDbs(async_dbs);
        freeLoadingDbs(async_dbs);
        functionsAsyncLoadEnd(1);
    }
    finishFullSync(conn, &rsi);
    handOverReadAhead();
    resumeAfterSyncLoad();
}

static void loadFromFile(connection *conn) {
    if (fsync(transfer_fd) == -1) {
        serverLog(LL_WARNING, "Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization: %s",
                  strerror(errno));
        abortSync();
        return;
    }
    close(transfer_fd);
    transfer_fd = -1;
    prepareForSyncLoad();
    if (rename(transfer_tmpfile, server.rdb_filename) == -1) {
        serverLog(LL_WARNING, "Failed trying to rename the temp DB into %s in MASTER <-> REPLICA synchronization: %s",
                  server.rdb_filename, strerror(errno));
        unlink(transfer_tmpfile);
        abortSync();
        resumeAfterSyncLoad();
        return;
    }
    emptyDataForSync();
    serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: Loading DB in memory");
    rdbSaveInfo rsi = RDB_SAVE_INFO_INIT;
    if (rdbLoad(server.rdb_filename, &rsi, RDBFLAGS_REPLICATION) != RDB_OK) {
        serverLog(LL_WARNING, "Failed trying to load the MASTER synchronization DB from disk: %s", rdbLastError());
        emptyDataForSync();
        abortSync();
        resumeAfterSyncLoad();
        return;
    }
    finishFullSync(conn, &rsi);
    resumeAfterSyncLoad();
}

/* The bulk header, then the payload into the temp file (or, diskless,
 * the whole load at once from the socket). */
static void readSyncBulkPayload(connection *conn) {
    if (repl_transfer_size == -1) {
        char buf[256];
        if (readReplyLine(conn, buf, sizeof(buf)) != C_OK) {
            abortSync();
            return;
        }
        if (buf[0] == '-') {
            serverLog(LL_WARNING, "MASTER aborted replication with an error: %s", buf + 1);
            abortSync();
            return;
        }
        if (buf[0] == '\0') return; /* keepalive while the master saves */
        if (buf[0] != '$') {
            serverLog(LL_WARNING, "Bad protocol from MASTER, the first byte is not '$' (we received '%s'), are you sure the host and port are right?", buf);
            abortSync();
            return;
        }
        if (!strncmp(buf + 1, "EOF:", 4) && strlen(buf + 5) >= RDB_EOF_MARK_SIZE) {
            transfer_usemark = 1;
            memcpy(transfer_eofmark, buf + 5, RDB_EOF_MARK_SIZE);
            memset(transfer_lastbytes, 0, RDB_EOF_MARK_SIZE);
            repl_transfer_size = 0;
            serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to %s",
                      transfer_fd == -1 ? "parser" : "disk");
        } else {
            transfer_usemark = 0;
            char *end;
            long long size = strtoll(buf + 1, &end, 10);
            if (size <= 0 || *end != '\0') {
                serverLog(LL_WARNING, "Bad bulk length from MASTER: '%s'", buf);
                abortSync();
                return;
            }
            repl_transfer_size = (off_t)size;
            serverLog(LL_NOTICE, "MASTER <-> REPLICA sync: receiving %lld bytes from master to %s",
                      (long long)repl_transfer_size, transfer_fd == -1 ? "parser" : "disk");
        }
        if (transfer_fd == -1) loadFromSocket(conn);
        return;
    }

    char buf[PROTO_IOBUF_LEN];
    size_t readlen = sizeof(buf);
    if (!transfer_usemark) {
        off_t left = repl_transfer_size - repl_transfer_read;
        if ((off_t)readlen > left) readlen = (size_t)left;
    }
    int nread = connRead(conn, buf, readlen);
    if (nread <= 0) {
        if (nread == -1 && connGetState(conn) == CONN_STATE_CONNECTED) return;
        serverLog(LL_WARNING, "I/O error trying to sync with MASTER: %s",
                  nread == -1 ? connGetLastError(conn) : "connection lost");
        abortSync();
        return;
    }
    server.stat_net_repl_input_bytes += nread;
    repl_transfer_lastio = server.unixtime;
    int eof = 0;
    if (transfer_usemark) {
        /* Keep the last 40 bytes seen to spot the end mark. */
        if (nread >= RDB_EOF_MARK_SIZE) {
            memcpy(transfer_lastbytes, buf + nread - RDB_EOF_MARK_SIZE, RDB_EOF_MARK_SIZE);
        } else {
            int keep = RDB_EOF_MARK_SIZE - nread;
            memmove(transfer_lastbytes, transfer_lastbytes + nread, (size_t)keep);
            memcpy(transfer_lastbytes + keep, buf, (size_t)nread);
        }
        if (memcmp(transfer_lastbytes, transfer_eofmark, RDB_EOF_MARK_SIZE) == 0) eof = 1;
    }
    if (write(transfer_fd, buf, (size_t)nread) != nread) {
        serverLog(LL_WARNING, "Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: %s",
                  strerror(errno));
        abortSync();
        return;
    }
    repl_transfer_read += nread;
    if (transfer_usemark && eof) {
        if (ftruncate(transfer_fd, repl_transfer_read - RDB_EOF_MARK_SIZE) == -1) {
            abortSync();
            return;
        }
    } else if (transfer_usemark || repl_transfer_read != repl_transfer_size) {
        return;
    }
    loadFromFile(conn);
}

/* ---------------------------------------------------------------------------
 * REPLICAOF
 * ------------------------------------------------------------------------ */

void replicationSetMaster(char *ip, int port) {
    int was_master = server.masterhost == NULL;
    zfree(server.masterhost);
    server.masterhost = zstrdup(ip);
    server.masterport = port;
    if (replMasterClient) freeClient(replMasterClient); /* caches it */
    cancelTransfer();
    if (was_master) {
        cached.valid = 0;
        cacheMasterUsingMyself();
    }
    server.repl_state = REPL_STATE_CONNECT;
    serverLog(LL_NOTICE, "Connecting to MASTER %s:%d", server.masterhost, server.masterport);
    connectWithMaster();
}

void replicationUnsetMaster(void) {
    if (!server.masterhost) return;
    zfree(server.masterhost);
    server.masterhost = NULL;
    if (replMasterClient) freeClient(replMasterClient);
    cached.valid = 0;
    cancelTransfer();
    forgetReplicaKeysWithExpire(); /* the expiry cycle covers them now */
    /* Our history goes on under a new id; replicas reconnect and PSYNC. */
    shiftReplicationId();
    disconnectSlaves();
    server.repl_state = REPL_STATE_NONE;
    repl_down_since = 0;
}

/* REPLICAOF / SLAVEOF <host> <port> | NO ONE */
void replicaofCommand(client *c) {
    if (server.cluster_enabled) {
        addReplyError(c, "REPLICAOF not allowed in cluster mode.");
        return;
    }
    if (failoverInProgress()) {
        addReplyError(c, "REPLICAOF not allowed while failing over.");
        return;
    }
    if (!strcasecmp(c->argv[1]->ptr, "no") && !strcasecmp(c->argv[2]->ptr, "one")) {
        if (server.masterhost) {
            replicationUnsetMaster();
            sds client = catClientInfoString(sdsempty(), c);
            serverLog(LL_NOTICE, "MASTER MODE enabled (user request from '%s')", client);
            sdsfree(client);
        }
        addReply(c, shared.ok);
        return;
    }
    if (c->flags & CLIENT_SLAVE) {
        addReplyError(c, "Command is not valid when client is a replica.");
        return;
    }
    long port;
    if (getRangeLongFromObjectOrReply(c, c->argv[2], 0, 65535, &port, "Invalid master port") != C_OK) return;
    if (server.masterhost && !strcasecmp(server.masterhost, c->argv[1]->ptr) && server.masterport == port) {
        serverLog(LL_NOTICE, "REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.");
        addReplyStatus(c, "OK Already connected to specified master");
        return;
    }
    replicationSetMaster(c->argv[1]->ptr, (int)port);
    sds client = catClientInfoString(sdsempty(), c);
    serverLog(LL_NOTICE, "REPLICAOF %s:%d enabled (user request from '%s')", server.masterhost, server.masterport, client);
    sdsfree(client);
    addReply(c, shared.ok);
}

/* ---------------------------------------------------------------------------
 * Cron, ROLE, INFO
 * ------------------------------------------------------------------------ */

void replicaCron(void) {
    if (!server.masterhost) return;
    /* replicaof from the config file: start at the first cron. Only an
     * RDB with a replication context gives a cached master here; a fresh
     * start asks "PSYNC ? -1" as stock does (its own new replid could
     * never be continued anyway). */
    if (server.repl_state == REPL_STATE_NONE) server.repl_state = REPL_STATE_CONNECT;
    if ((server.repl_state == REPL_STATE_CONNECTING || inHandshake()) &&
        server.unixtime - repl_transfer_lastio > server.repl_timeout) {
        serverLog(LL_WARNING, "Timeout connecting to the MASTER...");
        abortSync();
    }
    if (server.repl_state == REPL_STATE_TRANSFER &&
        server.unixtime - repl_transfer_lastio > server.repl_timeout) {
        serverLog(LL_WARNING, "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.");
        abortSync();
    }
    if (replMasterClient && server.unixtime - replMasterClient->lastinteraction > server.repl_timeout) {
        serverLog(LL_WARNING, "MASTER timeout: no data nor PING received...");
        freeClient(replMasterClient);
    }
    if (server.repl_state == REPL_STATE_CONNECT) {
        serverLog(LL_NOTICE, "Connecting to MASTER %s:%d", server.masterhost, server.masterport);
        connectWithMaster();
    }
    if (replMasterClient) replicationSendAck();
}

void replicaRoleReply(client *c) {
    const char *state;
    if (inHandshake()) {
        state = "handshake";
    } else {
        switch (server.repl_state) {
        case REPL_STATE_NONE: state = "none"; break;
        case REPL_STATE_CONNECT: state = "connect"; break;
        case REPL_STATE_CONNECTING: state = "connecting"; break;
        case REPL_STATE_TRANSFER: state = "sync"; break;
        case REPL_STATE_CONNECTED: state = "connected"; break;
        default: state = "unknown"; break;
        }
    }
    addReplyArrayLen(c, 5);
    addReplyBulkCBuffer(c, "slave", 5);
    addReplyBulkCString(c, server.masterhost);
    addReplyLongLong(c, server.masterport);
    addReplyBulkCString(c, state);
    addReplyLongLong(c, replMasterClient ? replClientState(replMasterClient)->reploff : -1);
}

sds genReplicaInfoFields(sds info) {
    client *m = replMasterClient;
    /* 1 when there is no stream at all, as stock shows it. */
    long long reploff = m ? replClientState(m)->reploff : (cached.valid ? cached.reploff : 1);
    long long readoff = m ? reploff + (long long)(sdslen(m->querybuf) - m->qb_cmd_start) : reploff;
    info = sdscatprintf(info,
        "master_host:%s\r\n"
        "master_port:%d\r\n"
        "master_link_status:%s\r\n"
        "master_last_io_seconds_ago:%d\r\n"
        "master_sync_in_progress:%d\r\n"
        "slave_read_repl_offset:%lld\r\n"
        "slave_repl_offset:%lld\r\n",
        server.masterhost, server.masterport,
        server.repl_state == REPL_STATE_CONNECTED ? "up" : "down",
        m ? (int)(server.unixtime - m->lastinteraction) : -1,
        server.repl_state == REPL_STATE_TRANSFER,
        readoff, reploff);
    if (server.repl_state == REPL_STATE_TRANSFER) {
        /* As stock: the size is -1 until known (and for EOF-marked
         * transfers), which makes the percentage negative. */
        double perc = repl_transfer_size ? ((double)repl_transfer_read / (double)repl_transfer_size) * 100 : 0;
        info = sdscatprintf(info,
            "master_sync_total_bytes:%lld\r\n"
            "master_sync_read_bytes:%lld\r\n"
            "master_sync_left_bytes:%lld\r\n"
            "master_sync_perc:%.2f\r\n"
            "master_sync_last_io_seconds_ago:%d\r\n",
            (long long)repl_transfer_size, (long long)repl_transfer_read,
            (long long)(repl_transfer_size - repl_transfer_read), perc,
            (int)(server.unixtime - repl_transfer_lastio));
    }
    if (server.repl_state != REPL_STATE_CONNECTED)
        info = sdscatprintf(info, "master_link_down_since_seconds:%jd\r\n",
                            repl_down_since ? (intmax_t)(server.unixtime - repl_down_since) : (intmax_t)-1);
    info = sdscatprintf(info,
        "slave_priority:%d\r\n"
        "slave_read_only:%d\r\n"
        "replica_announced:%d\r\n",
        server.slave_priority, server.repl_slave_ro, server.replica_announced);
    return info;
}
