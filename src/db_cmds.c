/* db_cmds.c - the generic keyspace commands: DEL, UNLINK, EXISTS, SELECT,
 * SWAPDB, MOVE, COPY, RENAME(NX), KEYS, SCAN, RANDOMKEY, DBSIZE, TYPE, TOUCH,
 * FLUSHDB/FLUSHALL and the EXPIRE family (EXPIRE, PEXPIRE, EXPIREAT,
 * PEXPIREAT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST).
 *
 * They work on keys of any type through db.c; the type specific parts (what
 * SCAN iterates inside a hash, how COPY duplicates a list) are dispatched to
 * the type modules.
 */
#include "server.h"
#include <ctype.h>

/* ---------------------------------------------------------------------------
 * DEL / UNLINK / EXISTS / TOUCH
 * ------------------------------------------------------------------------ */

static void delGenericCommand(client *c, int lazy) {
    long long numdel = 0;
    for (int j = 1; j < c->argc; j++) {
        expireIfNeeded(c->db, c->argv[j], 0);
        int deleted = lazy ? dbAsyncDelete(c->db, c->argv[j]) : dbSyncDelete(c->db, c->argv[j]);
        if (deleted) {
            signalModifiedKey(c, c->db, c->argv[j]);
            notifyKeyspaceEvent(NOTIFY_GENERIC, "del", c->argv[j], c->db->id);
            server.dirty++;
            numdel++;
        }
    }
    addReplyLongLong(c, numdel);
}

void delCommand(client *c) {
    delGenericCommand(c, server.lazyfree_lazy_user_del);
}

void unlinkCommand(client *c) {
    delGenericCommand(c, 1);
}

/* Counts every argument, so "EXISTS k k" is 2 when k exists. */
void existsCommand(client *c) {
    long long count = 0;
    for (int j = 1; j < c->argc; j++)
        if (lookupKeyReadWithFlags(c->db, c->argv[j], LOOKUP_NOTOUCH)) count++;
    addReplyLongLong(c, count);
}

void touchCommand(client *c) {
    long long touched = 0;
    for (int j = 1; j < c->argc; j++)
        if (lookupKeyRead(c->db, c->argv[j]) != NULL) touched++;
    addReplyLongLong(c, touched);
}

/* ---------------------------------------------------------------------------
 * Databases: SELECT, DBSIZE, SWAPDB, FLUSHDB, FLUSHALL
 * ------------------------------------------------------------------------ */

void selectCommand(client *c) {
    int id;
    if (getIntFromObjectOrReply(c, c->argv[1], &id, NULL) != C_OK) return;
    if (server.cluster_enabled && id != 0) {
        addReplyError(c, "SELECT is not allowed in cluster mode");
        return;
    }
    if (selectDb(c, id) == C_ERR) {
        addReplyError(c, "DB index is out of range");
        return;
    }
    addReply(c, shared.ok);
}

void dbsizeCommand(client *c) {
    addReplyLongLong(c, dictSize(c->db->dict));
}

/* Swap the contents of two databases: clients stay connected to the same
 * db index but see the other data. Watched keys of both dbs are touched. */
static int dbSwapDatabases(int id1, int id2) {
    if (id1 < 0 || id1 >= server.dbnum || id2 < 0 || id2 >= server.dbnum) return C_ERR;
    if (id1 == id2) return C_OK;

    redisDb aux = server.db[id1];
    redisDb *db1 = &server.db[id1], *db2 = &server.db[id2];

    touchAllWatchedKeysInDb(db1, db2);
    touchAllWatchedKeysInDb(db2, db1);

    /* Only the data moves; blocking and watch bookkeeping stay with the
     * db index the clients selected. */
    db1->dict = db2->dict;
    db1->expires = db2->expires;
    db1->avg_ttl = db2->avg_ttl;
    db1->expires_cursor = db2->expires_cursor;
    db2->dict = aux.dict;
    db2->expires = aux.expires;
    db2->avg_ttl = aux.avg_ttl;
    db2->expires_cursor = aux.expires_cursor;
    return C_OK;
}

void swapdbCommand(client *c) {
    int id1, id2;
    if (server.cluster_enabled) {
        addReplyError(c, "SWAPDB is not allowed in cluster mode");
        return;
    }
    if (getIntFromObjectOrReply(c, c->argv[1], &id1, "invalid first DB index") != C_OK) return;
    if (getIntFromObjectOrReply(c, c->argv[2], &id2, "invalid second DB index") != C_OK) return;
    if (dbSwapDatabases(id1, id2) == C_ERR) {
        addReplyError(c, "DB index is out of range");
        return;
    }
    server.dirty++;
    addReply(c, shared.ok);
}

/* FLUSHDB/FLUSHALL [ASYNC|SYNC]; default from lazyfree-lazy-user-flush. */
int getFlushCommandFlags(client *c, int *flags) {
    if (c->argc == 2) {
        if (!strcasecmp(c->argv[1]->ptr, "sync")) {
            *flags = EMPTYDB_NO_FLAGS;
        } else if (!strcasecmp(c->argv[1]->ptr, "async")) {
            *flags = EMPTYDB_ASYNC;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return C_ERR;
        }
    } else if (c->argc == 1) {
        *flags = server.lazyfree_lazy_user_flush ? EMPTYDB_ASYNC : EMPTYDB_NO_FLAGS;
    } else {
        addReplyErrorObject(c, shared.syntaxerr);
        return C_ERR;
    }
    return C_OK;
}

void flushdbCommand(client *c) {
    int flags;
    if (getFlushCommandFlags(c, &flags) == C_ERR) return;
    server.dirty += emptyData(c->db->id, flags, NULL);
    addReply(c, shared.ok);
}

void flushallCommand(client *c) {
    int flags;
    if (getFlushCommandFlags(c, &flags) == C_ERR) return;
    server.dirty += emptyData(-1, flags, NULL);
    /* Count the flush itself as a change even on an empty server, so that
     * a save point sees it (as Redis does). */
    server.dirty++;
    addReply(c, shared.ok);
}

/* ---------------------------------------------------------------------------
 * TYPE, RANDOMKEY, KEYS
 * ------------------------------------------------------------------------ */

static const char *typeName(robj *o) {
    if (o == NULL) return "none";
    switch (o->type) {
    case OBJ_STRING: return "string";
    case OBJ_LIST: return "list";
    case OBJ_SET: return "set";
    case OBJ_ZSET: return "zset";
    case OBJ_HASH: return "hash";
    case OBJ_STREAM: return "stream";
    default: return "unknown";
    }
}

void typeCommand(client *c) {
    robj *o = lookupKeyReadWithFlags(c->db, c->argv[1], LOOKUP_NOTOUCH);
    addReplyStatus(c, typeName(o));
}

void randomkeyCommand(client *c) {
    robj *key = dbRandomKey(c->db);
    if (key == NULL) {
        addReplyNull(c);
        return;
    }
    addReplyBulk(c, key);
    decrRefCount(key);
}

void keysCommand(client *c) {
    sds pattern = c->argv[1]->ptr;
    int plen = sdslen(pattern), allkeys = (pattern[0] == '*' && plen == 1);
    unsigned long numkeys = 0;
    void *replylen = addReplyDeferredLen(c);
    dictIterator *di = dictGetSafeIterator(c->db->dict);
    dictEntry *de;
    robj keyobj;

    while ((de = dictNext(di)) != NULL) {
        sds key = dictGetKey(de);
        if (!allkeys && !stringmatchlen(pattern, plen, key, sdslen(key), 0)) continue;
        /* Hide logically expired keys without deleting them: KEYS is a
         * read command and must not write mid-iteration. */
        keyobj.type = OBJ_STRING;
        keyobj.encoding = OBJ_ENCODING_RAW;
        keyobj.refcount = OBJ_STATIC_REFCOUNT;
        keyobj.ptr = key;
        if (keyIsExpired(c->db, &keyobj)) continue;
        addReplyBulkCBuffer(c, key, sdslen(key));
        numkeys++;
    }
    dictReleaseIterator(di);
    setDeferredArrayLen(c, replylen, numkeys);
}

/* ---------------------------------------------------------------------------
 * SCAN
 * ------------------------------------------------------------------------ */

/* The cursor is an unsigned long parsed like strtoul (so "-1" is accepted
 * as Redis does), and must be the whole argument. */
int parseScanCursorOrReply(client *c, robj *o, unsigned long *cursor) {
    char *eptr;
    errno = 0;
    *cursor = strtoul(o->ptr, &eptr, 10);
    if (isspace(((char *)o->ptr)[0]) || eptr[0] != '\0' || errno == ERANGE) {
        addReplyError(c, "invalid cursor");
        return C_ERR;
    }
    return C_OK;
}

typedef struct scanKeysData {
    list *keys;
} scanKeysData;

static void scanKeyCallback(void *privdata, const dictEntry *de) {
    scanKeysData *data = privdata;
    sds key = dictGetKey(de);
    listAddNodeTail(data->keys, sdsdup(key));
}

/* SCAN (o == NULL: the keyspace). The collection types extend this with
 * their encodings (HSCAN, SSCAN, ZSCAN) in their own modules. */
void scanGenericCommand(client *c, robj *o, unsigned long cursor) {
    long count = 10;
    sds pat = NULL;
    sds typename = NULL;
    int patlen = 0, use_pattern = 0;
    int i = 2;

    if (o != NULL) i = 3; /* HSCAN key cursor ... */

    /* Options first: errors must not depend on the data. */
    for (; i < c->argc; i += 2) {
        int moreargs = (c->argc - 1) - i;
        const char *opt = c->argv[i]->ptr;
        if (!strcasecmp(opt, "count") && moreargs) {
            if (getLongFromObjectOrReply(c, c->argv[i+1], &count, NULL) != C_OK) return;
            if (count < 1) {
                addReplyErrorObject(c, shared.syntaxerr);
                return;
            }
        } else if (!strcasecmp(opt, "match") && moreargs) {
            pat = c->argv[i+1]->ptr;
            patlen = sdslen(pat);
            use_pattern = !(patlen == 1 && pat[0] == '*');
        } else if (!strcasecmp(opt, "type") && o == NULL && moreargs) {
            typename = c->argv[i+1]->ptr;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }

    if (o != NULL) {
        /* The collection types implement their SCAN variants with their
         * encodings; none is registered before its type exists. */
        serverPanic("SCAN on a value of type %d is not implemented", o->type);
    }

    list *keys = listCreate();
    listSetFreeMethod(keys, (void (*)(void *))sdsfree);
    scanKeysData data = { keys };
    /* Bound the work on sparse tables: at most 10*count buckets visited. */
    long maxiterations = count * 10;
    do {
        cursor = dictScan(c->db->dict, cursor, scanKeyCallback, &data);
    } while (cursor && maxiterations-- && listLength(keys) < (unsigned long)count);

    /* Filter: pattern, type, expired. */
    listIter li;
    listNode *ln;
    listRewind(keys, &li);
    while ((ln = listNext(&li))) {
        sds key = listNodeValue(ln);
        int filter = 0;
        if (use_pattern && !stringmatchlen(pat, patlen, key, sdslen(key), 0)) filter = 1;
        robj *kobj = NULL;
        if (!filter) {
            kobj = createStringObject(key, sdslen(key));
            if (expireIfNeeded(c->db, kobj, 0)) filter = 1;
        }
        if (!filter && typename) {
            robj *val = lookupKeyReadWithFlags(c->db, kobj, LOOKUP_NOTOUCH|LOOKUP_NONOTIFY|LOOKUP_NOSTATS);
            if (!val || strcasecmp(typename, typeName(val)) != 0) filter = 1;
        }
        if (kobj) decrRefCount(kobj);
        if (filter) listDelNode(keys, ln);
    }

    addReplyArrayLen(c, 2);
    addReplyBulkLongLong(c, cursor);
    addReplyArrayLen(c, listLength(keys));
    listRewind(keys, &li);
    while ((ln = listNext(&li))) {
        sds key = listNodeValue(ln);
        addReplyBulkCBuffer(c, key, sdslen(key));
    }
    listRelease(keys);
}

void scanCommand(client *c) {
    unsigned long cursor;
    if (parseScanCursorOrReply(c, c->argv[1], &cursor) == C_ERR) return;
    scanGenericCommand(c, NULL, cursor);
}

/* ---------------------------------------------------------------------------
 * RENAME / RENAMENX / MOVE / COPY
 * ------------------------------------------------------------------------ */

static void renameGenericCommand(client *c, int nx) {
    robj *o;
    long long expire;
    int samekey = 0;

    /* Same name: nothing to do, but the key must exist. */
    if (sdscmp(c->argv[1]->ptr, c->argv[2]->ptr) == 0) samekey = 1;

    if ((o = lookupKeyWriteOrReply(c, c->argv[1], shared.nokeyerr)) == NULL) return;
    if (samekey) {
        addReply(c, nx ? shared.czero : shared.ok);
        return;
    }

    incrRefCount(o);
    expire = getExpire(c->db, c->argv[1]);
    if (lookupKeyWrite(c->db, c->argv[2]) != NULL) {
        if (nx) {
            decrRefCount(o);
            addReply(c, shared.czero);
            return;
        }
        dbDelete(c->db, c->argv[2]);
    }
    dbAdd(c->db, c->argv[2], o);
    if (expire != -1) setExpire(c, c->db, c->argv[2], expire);
    dbDelete(c->db, c->argv[1]);
    signalModifiedKey(c, c->db, c->argv[1]);
    signalModifiedKey(c, c->db, c->argv[2]);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "rename_from", c->argv[1], c->db->id);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "rename_to", c->argv[2], c->db->id);
    server.dirty++;
    addReply(c, nx ? shared.cone : shared.ok);
}

void renameCommand(client *c) { renameGenericCommand(c, 0); }
void renamenxCommand(client *c) { renameGenericCommand(c, 1); }

void moveCommand(client *c) {
    robj *o;
    redisDb *src, *dst;
    int srcid, dbid;
    long long expire;

    if (server.cluster_enabled) {
        addReplyError(c, "MOVE is not allowed in cluster mode");
        return;
    }
    src = c->db;
    srcid = c->db->id;
    if (getIntFromObjectOrReply(c, c->argv[2], &dbid, NULL) != C_OK) return;
    if (dbid < 0 || dbid >= server.dbnum) {
        addReplyError(c, "DB index is out of range");
        return;
    }
    dst = &server.db[dbid];
    if (src == dst) {
        addReplyErrorObject(c, shared.sameobjecterr);
        return;
    }
    o = lookupKeyWrite(c->db, c->argv[1]);
    if (!o) {
        addReply(c, shared.czero);
        return;
    }
    expire = getExpire(c->db, c->argv[1]);
    if (lookupKeyWrite(dst, c->argv[1]) != NULL) {
        addReply(c, shared.czero);
        return;
    }
    dbAdd(dst, c->argv[1], o);
    if (expire != -1) setExpire(c, dst, c->argv[1], expire);
    incrRefCount(o);
    dbDelete(src, c->argv[1]);
    signalModifiedKey(c, src, c->argv[1]);
    signalModifiedKey(c, dst, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "move_from", c->argv[1], srcid);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "move_to", c->argv[1], dbid);
    server.dirty++;
    addReply(c, shared.cone);
}

/* A deep copy of a value for COPY. Each collection type adds its case when
 * its module lands; until then only strings can exist in the keyspace. */
robj *dupObjectForCopy(robj *o) {
    switch (o->type) {
    case OBJ_STRING: return dupStringObject(o);
    default: serverPanic("COPY of an object of type %d is not implemented", o->type);
    }
}

/* COPY source destination [DB destination-db] [REPLACE] */
void copyCommand(client *c) {
    robj *o;
    redisDb *dst;
    int srcid, dbid;
    long long expire;
    int j, replace = 0, delete = 0;

    srcid = c->db->id;
    dbid = c->db->id;
    for (j = 3; j < c->argc; j++) {
        int additional = c->argc - j - 1;
        if (!strcasecmp(c->argv[j]->ptr, "replace")) {
            replace = 1;
        } else if (!strcasecmp(c->argv[j]->ptr, "db") && additional >= 1) {
            if (getIntFromObjectOrReply(c, c->argv[j+1], &dbid, NULL) != C_OK) return;
            if (dbid < 0 || dbid >= server.dbnum) {
                addReplyError(c, "DB index is out of range");
                return;
            }
            if (server.cluster_enabled && dbid != 0) {
                addReplyError(c, "Copying to another database is not allowed in cluster mode");
                return;
            }
            j++;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    dst = &server.db[dbid];
    if (srcid == dbid && sdscmp(c->argv[1]->ptr, c->argv[2]->ptr) == 0) {
        addReplyErrorObject(c, shared.sameobjecterr);
        return;
    }
    o = lookupKeyRead(c->db, c->argv[1]);
    if (!o) {
        addReply(c, shared.czero);
        return;
    }
    expire = getExpire(c->db, c->argv[1]);
    if (lookupKeyWrite(dst, c->argv[2]) != NULL) {
        if (!replace) {
            addReply(c, shared.czero);
            return;
        }
        delete = 1;
    }
    robj *newobj = dupObjectForCopy(o);
    if (delete) dbDelete(dst, c->argv[2]);
    dbAdd(dst, c->argv[2], newobj);
    if (expire != -1) setExpire(c, dst, c->argv[2], expire);
    signalModifiedKey(c, dst, c->argv[2]);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "copy_to", c->argv[2], dst->id);
    server.dirty++;
    addReply(c, shared.cone);
}

/* ---------------------------------------------------------------------------
 * EXPIRE family
 * ------------------------------------------------------------------------ */

#define EXPIRE_NX (1<<0)
#define EXPIRE_XX (1<<1)
#define EXPIRE_GT (1<<2)
#define EXPIRE_LT (1<<3)

static int parseExpireFlags(client *c, int *flags) {
    int nx = 0, xx = 0, gt = 0, lt = 0;
    for (int j = 3; j < c->argc; j++) {
        const char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "nx")) nx = 1;
        else if (!strcasecmp(opt, "xx")) xx = 1;
        else if (!strcasecmp(opt, "gt")) gt = 1;
        else if (!strcasecmp(opt, "lt")) lt = 1;
        else {
            addReplyErrorFormat(c, "Unsupported option %s", opt);
            return C_ERR;
        }
    }
    if (nx && (xx || gt || lt)) {
        addReplyError(c, "NX and XX, GT or LT options at the same time are not compatible");
        return C_ERR;
    }
    if (gt && lt) {
        addReplyError(c, "GT and LT options at the same time are not compatible");
        return C_ERR;
    }
    *flags = (nx ? EXPIRE_NX : 0) | (xx ? EXPIRE_XX : 0) | (gt ? EXPIRE_GT : 0) | (lt ? EXPIRE_LT : 0);
    return C_OK;
}

/* Does the condition allow setting `when` given the current expire
 * (-1: none, which counts as infinite for GT/LT)? */
static int expireConditionHolds(int flags, long long current, long long when) {
    if ((flags & EXPIRE_NX) && current != -1) return 0;
    if ((flags & EXPIRE_XX) && current == -1) return 0;
    if ((flags & EXPIRE_GT) && (current == -1 || when <= current)) return 0;
    if ((flags & EXPIRE_LT) && current != -1 && when >= current) return 0;
    return 1;
}

/* basetime: 0 for the *AT forms, now for relative ones; unit: UNIT_SECONDS
 * or UNIT_MILLISECONDS of the argument. */
#define UNIT_SECONDS 0
#define UNIT_MILLISECONDS 1
static void expireGenericCommand(client *c, long long basetime, int unit) {
    robj *key = c->argv[1], *param = c->argv[2];
    long long when;
    int flags = 0;

    if (parseExpireFlags(c, &flags) != C_OK) return;
    if (getLongLongFromObjectOrReply(c, param, &when, NULL) != C_OK) return;

    /* Convert to absolute ms, refusing anything that would overflow. */
    if (unit == UNIT_SECONDS) {
        if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
            addReplyErrorExpireTime(c);
            return;
        }
        when *= 1000;
    }
    if (when > LLONG_MAX - basetime) {
        addReplyErrorExpireTime(c);
        return;
    }
    when += basetime;

    if (lookupKeyWrite(c->db, key) == NULL) {
        addReply(c, shared.czero);
        return;
    }
    if (flags) {
        long long current = getExpire(c->db, key);
        if (!expireConditionHolds(flags, current, when)) {
            addReply(c, shared.czero);
            return;
        }
    }

    /* A time already in the past deletes the key right away (masters
     * only: replicas wait for the master's DEL). */
    if (when <= commandTimeSnapshotMs() && !server.loading && !server.masterhost) {
        int deleted = server.lazyfree_lazy_expire ? dbAsyncDelete(c->db, key) : dbSyncDelete(c->db, key);
        serverAssert(deleted);
        server.dirty++;
        signalModifiedKey(c, c->db, key);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key, c->db->id);
        addReply(c, shared.cone);
        return;
    }
    setExpire(c, c->db, key, when);
    addReply(c, shared.cone);
    signalModifiedKey(c, c->db, key);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "expire", key, c->db->id);
    server.dirty++;
}

void expireCommand(client *c) { expireGenericCommand(c, commandTimeSnapshotMs(), UNIT_SECONDS); }
void expireatCommand(client *c) { expireGenericCommand(c, 0, UNIT_SECONDS); }
void pexpireCommand(client *c) { expireGenericCommand(c, commandTimeSnapshotMs(), UNIT_MILLISECONDS); }
void pexpireatCommand(client *c) { expireGenericCommand(c, 0, UNIT_MILLISECONDS); }

/* TTL/PTTL (remaining) and EXPIRETIME/PEXPIRETIME (absolute): -2 for a
 * missing key, -1 for no expire. */
static void ttlGenericCommand(client *c, int output_ms, int output_abs) {
    long long expire, ttl = -1;

    if (lookupKeyReadWithFlags(c->db, c->argv[1], LOOKUP_NOTOUCH) == NULL) {
        addReplyLongLong(c, -2);
        return;
    }
    expire = getExpire(c->db, c->argv[1]);
    if (expire != -1) {
        ttl = output_abs ? expire : expire - commandTimeSnapshotMs();
        if (ttl < 0) ttl = 0;
    }
    if (ttl == -1) addReplyLongLong(c, -1);
    else addReplyLongLong(c, output_ms ? ttl : ((ttl + 500) / 1000));
}

void ttlCommand(client *c) { ttlGenericCommand(c, 0, 0); }
void pttlCommand(client *c) { ttlGenericCommand(c, 1, 0); }
void expiretimeCommand(client *c) { ttlGenericCommand(c, 0, 1); }
void pexpiretimeCommand(client *c) { ttlGenericCommand(c, 1, 1); }

void persistCommand(client *c) {
    if (lookupKeyWrite(c->db, c->argv[1])) {
        if (removeExpire(c->db, c->argv[1])) {
            signalModifiedKey(c, c->db, c->argv[1]);
            notifyKeyspaceEvent(NOTIFY_GENERIC, "persist", c->argv[1], c->db->id);
            addReply(c, shared.cone);
            server.dirty++;
        } else {
            addReply(c, shared.czero);
        }
    } else {
        addReply(c, shared.czero);
    }
}
