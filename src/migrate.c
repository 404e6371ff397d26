/* migrate.c - MIGRATE: move keys to another server with DUMP payloads.
 *
 * MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw]
 *         [AUTH2 user pw] [KEYS k ...]
 * The command blocks (bounded by timeout per I/O step): it connects (or
 * reuses a connection cached for 10 seconds per host:port, which also
 * remembers the selected db), sends [AUTH] [SELECT] and one RESTORE per key
 * in one buffer, then reads every reply. Keys the target accepted are
 * deleted here unless COPY. A dropped cached connection is retried once.
 * The link goes through the connection layer (blocking connect and timed
 * sync I/O): TLS when tls-cluster is on, since the target's advertised
 * cluster port (MOVED, CLUSTER NODES) is then its TLS port.
 */
#include "rdb.h"


#define MIGRATE_SOCKET_CACHE_ITEMS 64
#define MIGRATE_SOCKET_CACHE_TTL 10 /* seconds */

typedef struct migrateCachedSocket {
    connection *conn;  /* TLS with tls-cluster, as stock: nodes' TLS ports */
    long last_dbid;
    time_t last_use_time;
} migrateCachedSocket;

static dict *migrate_cached_sockets;

static uint64_t migrateHash(const void *key) { return dictSdsHash(key); }
static int migrateKeyCompare(dict *d, const void *a, const void *b) { return dictSdsKeyCompare(d, a, b); }
static void migrateKeyDestructor(dict *d, void *key) { (void)d; sdsfree(key); }
static dictType migrateSocketDictType = {
    migrateHash, NULL, NULL, migrateKeyCompare, migrateKeyDestructor, NULL, NULL
};

/* ---- connection cache ---------------------------------------------------- */

static migrateCachedSocket *migrateGetSocket(client *c, robj *host, robj *port, long timeout) {
    if (!migrate_cached_sockets) migrate_cached_sockets = dictCreate(&migrateSocketDictType);
    sds name = sdscatfmt(sdsempty(), "%S:%S", host->ptr, port->ptr);
    migrateCachedSocket *cs = dictFetchValue(migrate_cached_sockets, name);
    if (cs) {
        sdsfree(name);
        cs->last_use_time = server.unixtime;
        return cs;
    }
    /* Too many cached: drop a random one. */
    if (dictSize(migrate_cached_sockets) == MIGRATE_SOCKET_CACHE_ITEMS) {
        dictEntry *de = dictGetRandomKey(migrate_cached_sockets);
        migrateCachedSocket *victim = dictGetVal(de);
        connClose(victim->conn);
        zfree(victim);
        dictDelete(migrate_cached_sockets, dictGetKey(de));
    }
    long long portnum;
    connection *conn = NULL;
    if (string2ll(port->ptr, sdslen(port->ptr), &portnum) && portnum > 0 && portnum < 65536) {
        conn = connCreateOutgoing(server.tls_cluster);
        if (connBlockingConnect(conn, host->ptr, (int)portnum, timeout) != C_OK) {
            connClose(conn);
            conn = NULL;
        }
    }
    if (!conn) {
        sdsfree(name);
        addReplyError(c, "-IOERR error or timeout connecting to the client");
        return NULL;
    }
    connEnableTcpNoDelay(conn);
    cs = zmalloc(sizeof(*cs));
    cs->conn = conn;
    cs->last_dbid = -1;
    cs->last_use_time = server.unixtime;
    dictAdd(migrate_cached_sockets, name, cs);
    return cs;
}

static void migrateCloseSocket(robj *host, robj *port) {
    if (!migrate_cached_sockets) return;
    sds name = sdscatfmt(sdsempty(), "%S:%S", host->ptr, port->ptr);
    migrateCachedSocket *cs = dictFetchValue(migrate_cached_sockets, name);
    if (cs) {
        connClose(cs->conn);
        zfree(cs);
        dictDelete(migrate_cached_sockets, name);
    }
    sdsfree(name);
}

void migrateCloseTimedoutSockets(void) {
    if (!migrate_cached_sockets || dictSize(migrate_cached_sockets) == 0) return;
    dictIterator *di = dictGetSafeIterator(migrate_cached_sockets);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        migrateCachedSocket *cs = dictGetVal(de);
        if (server.unixtime - cs->last_use_time > MIGRATE_SOCKET_CACHE_TTL) {
            connClose(cs->conn);
            zfree(cs);
            dictDelete(migrate_cached_sockets, dictGetKey(de));
        }
    }
    dictReleaseIterator(di);
}

/* ---- the command ----------------------------------------------------------- */

static sds appendBulkArgs(sds buf, int argc, const char **argv, const size_t *lens) {
    buf = sdscatfmt(buf, "*%i\r\n", argc);
    for (int i = 0; i < argc; i++) {
        buf = sdscatfmt(buf, "$%U\r\n", (unsigned long long)lens[i]);
        buf = sdscatlen(buf, argv[i], lens[i]);
        buf = sdscatlen(buf, "\r\n", 2);
    }
    return buf;
}

typedef struct migrateArgs {
    int copy, replace, first_key, num_keys;
    const char *username, *password;
    long timeout, dbid;
} migrateArgs;

static int parseMigrateArgs(client *c, migrateArgs *a) {
    memset(a, 0, sizeof(*a));
    a->first_key = 3;
    a->num_keys = 1;
    for (int j = 6; j < c->argc; j++) {
        const char *opt = c->argv[j]->ptr;
        int more = c->argc - 1 - j;
        if (!strcasecmp(opt, "copy")) {
            a->copy = 1;
        } else if (!strcasecmp(opt, "replace")) {
            a->replace = 1;
        } else if (!strcasecmp(opt, "auth")) {
            if (!more) goto syntax;
            a->password = c->argv[++j]->ptr;
            redactClientCommandArgument(c, j);
        } else if (!strcasecmp(opt, "auth2")) {
            if (more < 2) goto syntax;
            a->username = c->argv[++j]->ptr;
            redactClientCommandArgument(c, j);
            a->password = c->argv[++j]->ptr;
            redactClientCommandArgument(c, j);
        } else if (!strcasecmp(opt, "keys")) {
            if (sdslen(c->argv[3]->ptr) != 0) {
                addReplyError(c, "When using MIGRATE KEYS option, the key argument must be set to the empty string");
                return 0;
            }
            a->first_key = j + 1;
            a->num_keys = c->argc - j - 1;
            break;
        } else {
            goto syntax;
        }
    }
    if (getLongFromObjectOrReply(c, c->argv[5], &a->timeout, NULL) != C_OK ||
        getLongFromObjectOrReply(c, c->argv[4], &a->dbid, NULL) != C_OK)
        return 0;
    if (a->timeout <= 0) a->timeout = 1000;
    return 1;
syntax:
    addReplyErrorObject(c, shared.syntaxerr);
    return 0;
}

void migrateCommand(client *c) {
    migrateArgs a;
    if (!parseMigrateArgs(c, &a)) return;

    /* The keys that exist (expired ones are skipped). */
    robj **keys = zmalloc(sizeof(robj *) * (a.num_keys ? a.num_keys : 1));
    robj **vals = zmalloc(sizeof(robj *) * (a.num_keys ? a.num_keys : 1));
    int n = 0;
    for (int j = 0; j < a.num_keys; j++) {
        robj *v = lookupKeyRead(c->db, c->argv[a.first_key + j]);
        if (v) {
            keys[n] = c->argv[a.first_key + j];
            vals[n++] = v;
        }
    }
    if (n == 0) {
        zfree(keys);
        zfree(vals);
        addReplyStatus(c, "NOKEY");
        return;
    }

    int retried = 0, io_errno;
try_again:;
    migrateCachedSocket *cs = migrateGetSocket(c, c->argv[1], c->argv[2], a.timeout);
    if (!cs) {
        zfree(keys);
        zfree(vals);
        return;
    }
    sds cmd = sdsempty();
    int expect_auth = 0, expect_select = cs->last_dbid != a.dbid;
    if (a.password) {
        const char *av[3] = { "AUTH", a.username ? a.username : a.password, a.password };
        size_t lv[3] = { 4, strlen(av[1]), strlen(a.password) };
        cmd = appendBulkArgs(cmd, a.username ? 3 : 2, av, lv);
        expect_auth = 1;
    }
    if (expect_select) {
        char db[LONG_STR_SIZE];
        int dl = ll2string(db, sizeof(db), a.dbid);
        const char *av[2] = { "SELECT", db };
        size_t lv[2] = { 6, (size_t)dl };
        cmd = appendBulkArgs(cmd, 2, av, lv);
    }
    int sent = 0;
    robj **sent_keys = zmalloc(sizeof(robj *) * n);
    for (int j = 0; j < n; j++) {
        long long ttl = 0, expireat = getExpire(c->db, keys[j]);
        if (expireat != -1) {
            ttl = expireat - commandTimeSnapshotMs();
            if (ttl < 0) continue;
            if (ttl < 1) ttl = 1;
        }
        sds payload = createDumpPayload(vals[j], keys[j], c->db->id);
        if (!payload) continue;
        char ttlbuf[LONG_STR_SIZE];
        int tl = ll2string(ttlbuf, sizeof(ttlbuf), ttl);
        const char *av[5] = { server.cluster_enabled ? "RESTORE-ASKING" : "RESTORE",
                              keys[j]->ptr, ttlbuf, payload, "REPLACE" };
        size_t lv[5] = { strlen(av[0]), sdslen(keys[j]->ptr), (size_t)tl, sdslen(payload), 7 };
        cmd = appendBulkArgs(cmd, a.replace ? 5 : 4, av, lv);
        sdsfree(payload);
        sent_keys[sent++] = keys[j];
    }

    char line[1024];
    const char *io_step = "writing";
    if (connSyncWrite(cs->conn, cmd, (ssize_t)sdslen(cmd), a.timeout) != (ssize_t)sdslen(cmd)) goto socket_err;
    io_step = "reading";
    sds target_error = NULL;
    if (expect_auth) {
        if (connSyncReadLine(cs->conn, line, sizeof(line), a.timeout) == -1) goto socket_err;
        if (line[0] == '-') target_error = sdsnew(line + 1);
    }
    if (expect_select) {
        if (connSyncReadLine(cs->conn, line, sizeof(line), a.timeout) == -1) goto socket_err;
        if (line[0] == '-') {
            if (!target_error) target_error = sdsnew(line + 1);
        } else if (!target_error) {
            cs->last_dbid = a.dbid;
        }
    }
    int deleted = 0;
    robj **del_argv = zmalloc(sizeof(robj *) * (sent + 1));
    for (int j = 0; j < sent; j++) {
        if (connSyncReadLine(cs->conn, line, sizeof(line), a.timeout) == -1) {
            for (int k = 0; k < deleted; k++) decrRefCount(del_argv[k + 1]);
            zfree(del_argv);
            sdsfree(target_error);
            goto socket_err;
        }
        if (line[0] == '-' || target_error) {
            if (!target_error && line[0] == '-') target_error = sdsnew(line + 1);
        } else if (!a.copy) {
            if (dbDelete(c->db, sent_keys[j])) {
                signalModifiedKey(c, c->db, sent_keys[j]);
                notifyKeyspaceEvent(NOTIFY_GENERIC, "del", sent_keys[j], c->db->id);
                server.dirty++;
                incrRefCount(sent_keys[j]);
                del_argv[1 + deleted++] = sent_keys[j];
            }
        }
    }
    /* What replicas and the AOF see: a DEL of the keys that moved. */
    if (deleted) {
        del_argv[0] = shared.del;
        incrRefCount(shared.del);
        replaceClientCommandVector(c, deleted + 1, del_argv);
    } else {
        zfree(del_argv);
    }
    if (target_error) {
        /* A rejected AUTH/SELECT leaves the connection in an unknown state. */
        if (expect_select) cs->last_dbid = -1;
        addReplyErrorFormat(c, "Target instance replied with error: %s", target_error);
        sdsfree(target_error);
    } else {
        addReply(c, shared.ok);
    }
    sdsfree(cmd);
    zfree(sent_keys);
    zfree(keys);
    zfree(vals);
    return;

socket_err:
    sdsfree(cmd);
    zfree(sent_keys);
    io_errno = errno; /* closing must not hide why the I/O failed */
    migrateCloseSocket(c->argv[1], c->argv[2]);
    /* A cached connection may have been closed by the peer: retry once
     * with a fresh one, unless that was a timeout. */
    if (!retried && io_errno != ETIMEDOUT) {
        retried = 1;
        goto try_again;
    }
    zfree(keys);
    zfree(vals);
    addReplyErrorFormat(c, "-IOERR error or timeout %s to target instance", io_step);
}
