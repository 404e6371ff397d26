/* db_cmds.c - generic keyspace commands, i.e. the ones that work on a key
 * whatever its type:
 *
 *   DEL UNLINK EXISTS TOUCH TYPE RANDOMKEY KEYS SCAN DBSIZE
 *   SELECT SWAPDB FLUSHDB FLUSHALL
 *   RENAME RENAMENX MOVE COPY
 *   EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST
 *
 * Everything goes through the db.c keyspace API, so WATCH, keyspace events
 * and lazy expiry behave the same as for the type specific commands. The two
 * places where a value's type matters (SCAN inside a collection, COPY of a
 * collection) are switch points the type modules extend.
 */
#include "server.h"
#include "rdb.h"
#include <ctype.h>

/* A stack robj wrapping a keyspace sds, for APIs that take robj keys. Only
 * valid while the sds is: never store it. */
static void initStackKey(robj *o, sds key) {
    o->type = OBJ_STRING;
    o->encoding = OBJ_ENCODING_RAW;
    o->refcount = OBJ_STATIC_REFCOUNT;
    o->lru = 0;
    o->ptr = key;
}

/* Bookkeeping every successful key write shares: watchers, keyspace
 * event, and one more change for the save points. */
static void keyWritten(client *c, redisDb *db, robj *key, char *event) {
    signalModifiedKey(c, db, key);
    notifyKeyspaceEvent(NOTIFY_GENERIC, event, key, db->id);
    server.dirty++;
}

/* ===========================================================================
 * DEL, UNLINK, EXISTS, TOUCH
 * ======================================================================== */

static void deleteKeysCommand(client *c, int lazy) {
    long long removed = 0;

    for (int j = 1; j < c->argc; j++) {
        robj *key = c->argv[j];
        /* A key past its TTL is gone already: let expiry remove it (and
         * report "expired"), so it does not count as deleted here. */
        expireIfNeeded(c->db, key, 0);
        int gone = lazy ? dbAsyncDelete(c->db, key) : dbSyncDelete(c->db, key);
        if (!gone) continue;
        keyWritten(c, c->db, key, "del");
        removed++;
    }
    addReplyLongLong(c, removed);
}

void delCommand(client *c) {
    deleteKeysCommand(c, server.lazyfree_lazy_user_del);
}

/* UNLINK always frees big values in the background. */
void unlinkCommand(client *c) {
    deleteKeysCommand(c, 1);
}

/* A key named twice counts twice. EXISTS is not an access: the LRU/LFU
 * data of the value stays untouched. */
void existsCommand(client *c) {
    long long found = 0;
    for (int j = 1; j < c->argc; j++) {
        if (lookupKeyReadWithFlags(c->db, c->argv[j], LOOKUP_NOTOUCH) != NULL) found++;
    }
    addReplyLongLong(c, found);
}

/* TOUCH is EXISTS that does count as an access. */
void touchCommand(client *c) {
    long long found = 0;
    for (int j = 1; j < c->argc; j++) {
        if (lookupKeyRead(c->db, c->argv[j]) != NULL) found++;
    }
    addReplyLongLong(c, found);
}

/* ===========================================================================
 * TYPE, RANDOMKEY, DBSIZE, KEYS
 * ======================================================================== */

/* The name TYPE reports; also what SCAN TYPE compares against. A missing
 * value is "none". */
static const char *valueTypeName(robj *o) {
    if (o == NULL) return "none";
    switch (o->type) {
    case OBJ_STRING: return "string";
    case OBJ_LIST: return "list";
    case OBJ_SET: return "set";
    case OBJ_ZSET: return "zset";
    case OBJ_HASH: return "hash";
    case OBJ_STREAM: return "stream";
    /* Module types report their own name once modules exist. */
    default: return "unknown";
    }
}

void typeCommand(client *c) {
    robj *val = lookupKeyReadWithFlags(c->db, c->argv[1], LOOKUP_NOTOUCH);
    addReplyStatus(c, valueTypeName(val));
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

void dbsizeCommand(client *c) {
    addReplyLongLong(c, dictSize(c->db->dict));
}

/* KEYS pattern. Logically expired keys are hidden but left in place: the
 * command only reads, and deleting while iterating would cost a safe
 * iterator's rehash pause for nothing. */
void keysCommand(client *c) {
    sds pattern = c->argv[1]->ptr;
    int patlen = (int)sdslen(pattern);
    int match_all = patlen == 1 && pattern[0] == '*';
    long emitted = 0;
    void *lenslot = addReplyDeferredLen(c);

    dictIterator *it = dictGetSafeIterator(c->db->dict);
    dictEntry *de;
    while ((de = dictNext(it)) != NULL) {
        sds name = dictGetKey(de);
        if (!match_all && !stringmatchlen(pattern, patlen, name, (int)sdslen(name), 0)) continue;
        robj key;
        initStackKey(&key, name);
        if (keyIsExpired(c->db, &key)) continue;
        addReplyBulkCBuffer(c, name, sdslen(name));
        emitted++;
    }
    dictReleaseIterator(it);
    setDeferredArrayLen(c, lenslot, emitted);
}

/* ===========================================================================
 * SCAN (and the shared engine of HSCAN, SSCAN, ZSCAN)
 * ======================================================================== */

/* A cursor is an unsigned 64 bit number read the strtoul way: "-1" wraps to
 * the largest cursor, a leading '+' is fine and "" means 0, but nothing may
 * follow the digits and leading blanks are refused. */
int parseScanCursorOrReply(client *c, robj *o, unsigned long *cursor) {
    const char *s = o->ptr;
    char *end;

    errno = 0;
    unsigned long value = strtoul(s, &end, 10);
    if (isspace((unsigned char)s[0]) || *end != '\0' || errno == ERANGE) {
        addReplyError(c, "invalid cursor");
        return C_ERR;
    }
    *cursor = value;
    return C_OK;
}

typedef struct scanOptions {
    long count;          /* work hint: about this many elements per call */
    sds pattern;         /* MATCH, NULL when absent or "*" */
    sds type;            /* TYPE (keyspace only), NULL when absent */
} scanOptions;

/* Parse [MATCH p] [COUNT n] [TYPE t] from argv[first] on, left to right: the
 * first bad option decides the error. A later repeat of an option wins. */
static int parseScanOptions(client *c, int first, int keyspace, scanOptions *opts) {
    opts->count = 10;
    opts->pattern = NULL;
    opts->type = NULL;

    for (int j = first; j < c->argc; j += 2) {
        const char *name = c->argv[j]->ptr;
        int has_value = j + 1 < c->argc;

        if (has_value && !strcasecmp(name, "count")) {
            if (getLongFromObjectOrReply(c, c->argv[j+1], &opts->count, NULL) != C_OK)
                return C_ERR;
            if (opts->count < 1) {
                addReplyErrorObject(c, shared.syntaxerr);
                return C_ERR;
            }
        } else if (has_value && !strcasecmp(name, "match")) {
            sds p = c->argv[j+1]->ptr;
            opts->pattern = (sdslen(p) == 1 && p[0] == '*') ? NULL : p;
        } else if (has_value && keyspace && !strcasecmp(name, "type")) {
            opts->type = c->argv[j+1]->ptr;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return C_ERR;
        }
    }
    return C_OK;
}

/* dictScan callback of the keyspace: keep a private copy of each name, as
 * filtering may delete expired keys (and free their sds) later on. */
static void collectKeyName(void *privdata, const dictEntry *de) {
    list *out = privdata;
    sds name = dictGetKey(de);
    listAddNodeTail(out, createStringObject(name, sdslen(name)));
}

/* One SCAN step over a dict: call dictScan until about `count` elements
 * were collected, the table is exhausted, or count*10+1 buckets were
 * visited (a sparse table must not turn one call into a full walk; the
 * exact budget shows in the cursor stock returns for a sparse table). */
unsigned long scanDictStep(dict *d, unsigned long cursor, long count,
                           dictScanFunction *fn, list *out) {
    long extra_buckets = count > LONG_MAX / 10 ? LONG_MAX : count * 10;
    do {
        cursor = dictScan(d, cursor, fn, out);
    } while (cursor != 0 && extra_buckets-- > 0 && listLength(out) < (unsigned long)count);
    return cursor;
}

/* Fill `out` with the next batch of elements of `o` (or of the keyspace
 * when o is NULL) and return the cursor for the next call. For hashes and
 * sorted sets the list alternates element and value (*pairs = 1).
 *
 * Collection types plug in here: a dict backed value scans its dict with
 * scanDictStep; a compact encoding (listpack, intset) returns every element
 * at once with cursor 0, which is what clients of stock Redis observe. */
static unsigned long scanCollect(client *c, robj *o, unsigned long cursor,
                                 long count, list *out, int *pairs) {
    *pairs = 0;
    if (o == NULL)
        return scanDictStep(c->db->dict, cursor, count, collectKeyName, out);

    switch (o->type) {
    case OBJ_SET:
        return setScanCollect(o, cursor, count, out);
    case OBJ_HASH:
        *pairs = 1;
        return hashScanCollect(o, cursor, count, out);
    case OBJ_ZSET:
        *pairs = 1;
        return zsetScanCollect(o, cursor, count, out);
    default:
        serverPanic("SCAN of a value of type %d is not supported", (int)o->type);
    }
}

/* Should a collected keyspace entry be hidden? Mirrors the order stock
 * applies: pattern, then type (a read lookup, so it counts as a hit or a
 * miss and may expire the key), then the TTL. */
static int scanHidesKey(client *c, robj *key, const scanOptions *opts) {
    sds name = key->ptr;
    if (opts->pattern &&
        !stringmatchlen(opts->pattern, (int)sdslen(opts->pattern), name, (int)sdslen(name), 0))
        return 1;
    if (opts->type) {
        robj *val = lookupKeyReadWithFlags(c->db, key, LOOKUP_NOTOUCH);
        if (strcasecmp(opts->type, valueTypeName(val)) != 0) return 1;
    }
    return expireIfNeeded(c->db, key, 0);
}

/* Element (and value) filter of a collection: only MATCH, on the element. */
static int scanHidesElement(robj *elem, const scanOptions *opts) {
    if (opts->pattern == NULL) return 0;
    if (sdsEncodedObject(elem))
        return !stringmatchlen(opts->pattern, (int)sdslen(opts->pattern),
                               elem->ptr, (int)sdslen(elem->ptr), 0);
    char buf[LONG_STR_SIZE];
    int len = ll2string(buf, sizeof(buf), (long)elem->ptr);
    return !stringmatchlen(opts->pattern, (int)sdslen(opts->pattern), buf, len, 0);
}

static void scanFilter(client *c, robj *o, list *items, int pairs, const scanOptions *opts) {
    listIter li;
    listNode *ln;

    listRewind(items, &li);
    while ((ln = listNext(&li)) != NULL) {
        robj *elem = listNodeValue(ln);
        int hide = o == NULL ? scanHidesKey(c, elem, opts) : scanHidesElement(elem, opts);
        listNode *value_node = pairs ? listNext(&li) : NULL;
        if (!hide) continue;
        listDelNode(items, ln);
        if (value_node) listDelNode(items, value_node);
    }
}

/* The reply: [next-cursor, [elements...]]. */
static void scanReply(client *c, unsigned long cursor, list *items) {
    listIter li;
    listNode *ln;

    addReplyArrayLen(c, 2);
    addReplyBulkLongLong(c, (long long)cursor);
    addReplyArrayLen(c, listLength(items));
    listRewind(items, &li);
    while ((ln = listNext(&li)) != NULL) addReplyBulk(c, listNodeValue(ln));
}

/* SCAN over the keyspace (o == NULL; options from argv[2]) or over the
 * collection o (HSCAN & co: key at argv[1], cursor argv[2], options from
 * argv[3]). Options are validated before any data is touched. */
void scanGenericCommand(client *c, robj *o, unsigned long cursor) {
    scanOptions opts;
    if (parseScanOptions(c, o == NULL ? 2 : 3, o == NULL, &opts) != C_OK) return;

    list *items = listCreate();
    listSetFreeMethod(items, decrRefCountVoid);
    int pairs;
    cursor = scanCollect(c, o, cursor, opts.count, items, &pairs);
    scanFilter(c, o, items, pairs, &opts);
    scanReply(c, cursor, items);
    listRelease(items);
}

void scanCommand(client *c) {
    unsigned long cursor;
    if (parseScanCursorOrReply(c, c->argv[1], &cursor) != C_OK) return;
    scanGenericCommand(c, NULL, cursor);
}

/* ===========================================================================
 * SELECT, SWAPDB, FLUSHDB, FLUSHALL
 * ======================================================================== */

void selectCommand(client *c) {
    int id;
    if (getIntFromObjectOrReply(c, c->argv[1], &id, NULL) != C_OK) return;
    /* A cluster node only has database 0. */
    if (server.cluster_enabled && id != 0) {
        addReplyError(c, "SELECT is not allowed in cluster mode");
        return;
    }
    if (selectDb(c, id) != C_OK) {
        addReplyError(c, "DB index is out of range");
        return;
    }
    addReply(c, shared.ok);
}

/* Exchange the data of two databases. Clients keep their selected index
 * and so see the other data; what hangs off the index (blocked clients,
 * WATCHed keys) stays where it is. */
static void swapDatabaseContents(redisDb *a, redisDb *b) {
    /* WATCH: keys that exist on either side before the swap change value. */
    touchAllWatchedKeysInDb(a, b);
    touchAllWatchedKeysInDb(b, a);
    /* Blocked clients: the values their keys hold now go away... */
    signalBlockedKeysLosingValues(a);
    signalBlockedKeysLosingValues(b);

    dict *keys = a->dict, *expires = a->expires;
    long long avg_ttl = a->avg_ttl;
    unsigned long expires_cursor = a->expires_cursor;
    a->dict = b->dict;
    a->expires = b->expires;
    a->avg_ttl = b->avg_ttl;
    a->expires_cursor = b->expires_cursor;
    b->dict = keys;
    b->expires = expires;
    b->avg_ttl = avg_ttl;
    b->expires_cursor = expires_cursor;

    /* ...and other values may take their place. */
    signalBlockedKeysGainingValues(a);
    signalBlockedKeysGainingValues(b);
}

void swapdbCommand(client *c) {
    int first, second;

    if (server.cluster_enabled) {
        addReplyError(c, "SWAPDB is not allowed in cluster mode");
        return;
    }
    if (getIntFromObjectOrReply(c, c->argv[1], &first, "invalid first DB index") != C_OK) return;
    if (getIntFromObjectOrReply(c, c->argv[2], &second, "invalid second DB index") != C_OK) return;
    if (first < 0 || first >= server.dbnum || second < 0 || second >= server.dbnum) {
        addReplyError(c, "DB index is out of range");
        return;
    }
    if (first != second) swapDatabaseContents(&server.db[first], &server.db[second]);
    /* Even a swap of a db with itself is propagated, as stock does. */
    server.dirty++;
    addReply(c, shared.ok);
}

/* The optional ASYNC|SYNC argument of FLUSHDB/FLUSHALL; without it,
 * lazyfree-lazy-user-flush decides. Sets EMPTYDB_* flags. */
int getFlushCommandFlags(client *c, int *flags) {
    if (c->argc == 1) {
        *flags = server.lazyfree_lazy_user_flush ? EMPTYDB_ASYNC : EMPTYDB_NO_FLAGS;
        return C_OK;
    }
    if (c->argc == 2) {
        const char *mode = c->argv[1]->ptr;
        if (!strcasecmp(mode, "async")) {
            *flags = EMPTYDB_ASYNC;
            return C_OK;
        }
        if (!strcasecmp(mode, "sync")) {
            *flags = EMPTYDB_NO_FLAGS;
            return C_OK;
        }
    }
    addReplyErrorObject(c, shared.syntaxerr);
    return C_ERR;
}

void flushdbCommand(client *c) {
    int flags;
    if (getFlushCommandFlags(c, &flags) != C_OK) return;
    /* Functions belong to the server, not to a db: only FUNCTION FLUSH
     * removes them. */
    server.dirty += emptyData(c->db->id, flags | EMPTYDB_NOFUNCTIONS, NULL);
    /* Propagated even when nothing was removed (the AOF/replica may differ). */
    c->flags |= CLIENT_FORCE_AOF | CLIENT_FORCE_REPL;
    addReply(c, shared.ok);
}

/* FLUSHALL counts one change per removed key (nothing when already empty,
 * like 7.0). With save points configured the (now empty) RDB is rewritten
 * at once and a saving child is stopped (persistence.c). */
void flushallCommand(client *c) {
    int flags;
    if (getFlushCommandFlags(c, &flags) != C_OK) return;
    server.dirty += emptyData(-1, flags | EMPTYDB_NOFUNCTIONS, NULL);
    persistenceAfterFlushall();
    c->flags |= CLIENT_FORCE_AOF | CLIENT_FORCE_REPL;
    addReply(c, shared.ok);
}

/* ===========================================================================
 * RENAME, RENAMENX, MOVE, COPY
 * ======================================================================== */

/* Put `val` (a reference the caller gives away) under dst_key in dst_db
 * with the given expire (-1 none); dst_key must not exist there. */
static void storeWithExpire(client *c, redisDb *dst_db, robj *dst_key, robj *val, long long expire) {
    dbAdd(dst_db, dst_key, val);
    if (expire != -1) setExpire(c, dst_db, dst_key, expire);
}

static void renameGenericCommand(client *c, int only_if_free) {
    robj *src = c->argv[1], *dst = c->argv[2];
    redisDb *db = c->db;

    robj *val = lookupKeyWriteOrReply(c, src, shared.nokeyerr);
    if (val == NULL) return;

    /* Renaming a key onto itself changes nothing; RENAMENX says "not
     * renamed" because the destination exists. */
    if (sdslen(src->ptr) == sdslen(dst->ptr) && sdscmp(src->ptr, dst->ptr) == 0) {
        addReply(c, only_if_free ? shared.czero : shared.ok);
        return;
    }

    if (lookupKeyWrite(db, dst) != NULL) {
        if (only_if_free) {
            addReply(c, shared.czero);
            return;
        }
        dbDelete(db, dst);
    }

    long long expire = getExpire(db, src);
    incrRefCount(val); /* the value outlives the source key */
    storeWithExpire(c, db, dst, val, expire);
    dbDelete(db, src);

    signalModifiedKey(c, db, src);
    signalModifiedKey(c, db, dst);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "rename_from", src, db->id);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "rename_to", dst, db->id);
    server.dirty++;
    addReply(c, only_if_free ? shared.cone : shared.ok);
}

void renameCommand(client *c) {
    renameGenericCommand(c, 0);
}

void renamenxCommand(client *c) {
    renameGenericCommand(c, 1);
}

/* Parse a database index argument: an int (else the generic integer
 * errors), then within 0..dbnum-1. */
static int getDbIndexOrReply(client *c, robj *arg, int *id) {
    if (getIntFromObjectOrReply(c, arg, id, NULL) != C_OK) return C_ERR;
    if (*id < 0 || *id >= server.dbnum) {
        addReplyError(c, "DB index is out of range");
        return C_ERR;
    }
    return C_OK;
}

/* MOVE key db: 1 when moved; 0 when the key is missing or db already has
 * a key of that name. */
void moveCommand(client *c) {
    robj *key = c->argv[1];
    redisDb *src = c->db;
    int dst_id;

    if (server.cluster_enabled) {
        addReplyError(c, "MOVE is not allowed in cluster mode");
        return;
    }
    if (getDbIndexOrReply(c, c->argv[2], &dst_id) != C_OK) return;
    redisDb *dst = &server.db[dst_id];
    if (dst == src) {
        addReplyErrorObject(c, shared.sameobjecterr);
        return;
    }

    robj *val = lookupKeyWrite(src, key);
    if (val == NULL || lookupKeyWrite(dst, key) != NULL) {
        addReply(c, shared.czero);
        return;
    }

    long long expire = getExpire(src, key);
    incrRefCount(val);
    storeWithExpire(c, dst, key, val, expire);
    dbDelete(src, key);

    signalModifiedKey(c, src, key);
    signalModifiedKey(c, dst, key);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "move_from", key, src->id);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "move_to", key, dst->id);
    server.dirty++;
    addReply(c, shared.cone);
}

/* An independent copy of a value, for COPY: later writes to either key
 * must not show through the other. Strings are the only type the
 * keyspace can hold so far; each collection module adds its deep copy
 * here (t_list.c, t_set.c, t_zset.c, t_hash.c, t_stream.c, modules). */
robj *dupObjectForCopy(robj *o) {
    switch (o->type) {
    case OBJ_STRING:
        return dupStringObject(o);
    case OBJ_SET:
        return setTypeDup(o);
    case OBJ_HASH:
        return hashTypeDup(o);
    case OBJ_ZSET:
        return zsetDup(o);
    case OBJ_LIST:
        return dupListObject(o);
    case OBJ_STREAM:
        return streamDup(o);
    default:
        serverPanic("COPY of a %s value needs its type module", valueTypeName(o));
    }
}

/* COPY source destination [DB index] [REPLACE] */
void copyCommand(client *c) {
    robj *src_key = c->argv[1], *dst_key = c->argv[2];
    redisDb *src = c->db;
    int dst_id = c->db->id;
    int replace = 0;

    for (int j = 3; j < c->argc; j++) {
        const char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "replace")) {
            replace = 1;
        } else if (!strcasecmp(opt, "db") && j + 1 < c->argc) {
            if (getDbIndexOrReply(c, c->argv[++j], &dst_id) != C_OK) return;
            if (server.cluster_enabled && dst_id != src->id) {
                addReplyError(c, "Copying to another database is not allowed in cluster mode");
                return;
            }
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }

    redisDb *dst = &server.db[dst_id];
    if (dst == src && sdscmp(src_key->ptr, dst_key->ptr) == 0) {
        addReplyErrorObject(c, shared.sameobjecterr);
        return;
    }

    robj *val = lookupKeyRead(src, src_key);
    if (val == NULL) {
        addReply(c, shared.czero);
        return;
    }
    int dst_exists = lookupKeyWrite(dst, dst_key) != NULL;
    if (dst_exists && !replace) {
        addReply(c, shared.czero);
        return;
    }

    long long expire = getExpire(src, src_key);
    robj *copy = dupObjectForCopy(val);
    if (dst_exists) dbDelete(dst, dst_key);
    storeWithExpire(c, dst, dst_key, copy, expire);

    keyWritten(c, dst, dst_key, "copy_to");
    addReply(c, shared.cone);
}

/* ===========================================================================
 * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT
 *
 * "Now" here is the real clock, as in 7.0: inside MULTI or a script a key
 * stays visible until the end (lookups use the frozen command time) but
 * TTL already reports the time really left, and a relative EXPIRE counts
 * from the real present.
 * ======================================================================== */

#define EXPIRE_IF_NONE (1<<0)     /* NX: only keys without a TTL */
#define EXPIRE_IF_SOME (1<<1)     /* XX: only keys with a TTL */
#define EXPIRE_IF_LATER (1<<2)    /* GT: only if later than the current TTL */
#define EXPIRE_IF_SOONER (1<<3)   /* LT: only if sooner than the current TTL */

/* Parse NX|XX|GT|LT (any case, repeats allowed) from argv[3] on. Unknown
 * words are reported before incompatible combinations. */
static int parseExpireConditions(client *c, int *conds) {
    int found = 0;
    for (int j = 3; j < c->argc; j++) {
        const char *word = c->argv[j]->ptr;
        if (!strcasecmp(word, "nx")) found |= EXPIRE_IF_NONE;
        else if (!strcasecmp(word, "xx")) found |= EXPIRE_IF_SOME;
        else if (!strcasecmp(word, "gt")) found |= EXPIRE_IF_LATER;
        else if (!strcasecmp(word, "lt")) found |= EXPIRE_IF_SOONER;
        else {
            addReplyErrorFormat(c, "Unsupported option %s", word);
            return C_ERR;
        }
    }
    if ((found & EXPIRE_IF_NONE) && (found & ~EXPIRE_IF_NONE)) {
        addReplyError(c, "NX and XX, GT or LT options at the same time are not compatible");
        return C_ERR;
    }
    if ((found & EXPIRE_IF_LATER) && (found & EXPIRE_IF_SOONER)) {
        addReplyError(c, "GT and LT options at the same time are not compatible");
        return C_ERR;
    }
    *conds = found;
    return C_OK;
}

/* May a key whose current expire is `current` (-1: none) get `when`? A key
 * without TTL lives forever: nothing is later, everything is sooner. */
static int expireConditionsAllow(int conds, long long current, long long when) {
    int persistent = current == -1;
    if ((conds & EXPIRE_IF_NONE) && !persistent) return 0;
    if ((conds & EXPIRE_IF_SOME) && persistent) return 0;
    if ((conds & EXPIRE_IF_LATER) && (persistent || when <= current)) return 0;
    if ((conds & EXPIRE_IF_SOONER) && !persistent && when >= current) return 0;
    return 1;
}

/* The argument as an absolute unix time in ms: times `scale` (1000 for
 * seconds), plus `base` (now for the relative forms). C_ERR, with the
 * reply given, when it does not fit in 64 bits. */
static int absoluteExpireMsOrReply(client *c, robj *arg, long long scale, long long base, long long *when) {
    long long v;
    if (getLongLongFromObjectOrReply(c, arg, &v, NULL) != C_OK) return C_ERR;
    if (v > LLONG_MAX / scale || v < LLONG_MIN / scale) {
        addReplyErrorExpireTime(c);
        return C_ERR;
    }
    v *= scale;
    if (base > 0 && v > LLONG_MAX - base) {
        addReplyErrorExpireTime(c);
        return C_ERR;
    }
    *when = v + base;
    return C_OK;
}

/* An expire in the past removes the key at once. Not on a replica (its
 * master sends the DEL) nor while loading (the data must load as saved).
 * Replicas and the AOF hear a DEL/UNLINK instead of the EXPIRE. */
static void expireNowInsteadOfSetting(client *c, robj *key) {
    int lazy = server.lazyfree_lazy_expire;
    int deleted = lazy ? dbAsyncDelete(c->db, key) : dbSyncDelete(c->db, key);
    serverAssert(deleted);
    keyWritten(c, c->db, key, "del");
    rewriteClientCommandVector(c, 2, lazy ? shared.unlink : shared.del, key);
    addReply(c, shared.cone);
}

/* Propagate any form of the command as PEXPIREAT key <absolute ms> (the
 * NX/XX/GT/LT words stay): replicas and AOF replays then agree on the
 * exact instant whenever they apply it. */
static void propagateAsPexpireat(client *c, long long when, int is_pexpireat) {
    if (is_pexpireat) return; /* already in that form */
    rewriteClientCommandArgument(c, 0, shared.pexpireat);
    robj *abs = createStringObjectFromLongLong(when);
    rewriteClientCommandArgument(c, 2, abs);
    decrRefCount(abs);
}

static void expireGenericCommand(client *c, long long scale, long long base, int is_pexpireat) {
    robj *key = c->argv[1];
    long long when;
    int conds = 0;

    /* Options are checked first: their errors win over a bad time. */
    if (parseExpireConditions(c, &conds) != C_OK) return;
    if (absoluteExpireMsOrReply(c, c->argv[2], scale, base, &when) != C_OK) return;

    if (lookupKeyWrite(c->db, key) == NULL) {
        addReply(c, shared.czero);
        return;
    }
    if (conds && !expireConditionsAllow(conds, getExpire(c->db, key), when)) {
        addReply(c, shared.czero);
        return;
    }

    if (when <= mstime() && !server.loading && !server.masterhost) {
        expireNowInsteadOfSetting(c, key);
        return;
    }

    setExpire(c, c->db, key, when);
    propagateAsPexpireat(c, when, is_pexpireat);
    keyWritten(c, c->db, key, "expire");
    addReply(c, shared.cone);
}

void expireCommand(client *c) {
    expireGenericCommand(c, 1000, mstime(), 0);
}

void pexpireCommand(client *c) {
    expireGenericCommand(c, 1, mstime(), 0);
}

void expireatCommand(client *c) {
    expireGenericCommand(c, 1000, 0, 0);
}

void pexpireatCommand(client *c) {
    expireGenericCommand(c, 1, 0, 1);
}

/* ===========================================================================
 * TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST
 * ======================================================================== */

/* Milliseconds to seconds, rounding half up, without overflowing near
 * LLONG_MAX (PEXPIREAT accepts instants up to there). */
static long long msToRoundedSeconds(long long ms) {
    if (ms > LLONG_MAX - 500) return ms / 1000 + (ms % 1000 >= 500);
    return (ms + 500) / 1000;
}

/* Reply -2 (no key), -1 (no TTL), or the remaining time (relative) or the
 * expire instant (absolute), in ms or in seconds rounded to nearest. */
static void ttlGenericCommand(client *c, int in_ms, int absolute) {
    if (lookupKeyReadWithFlags(c->db, c->argv[1], LOOKUP_NOTOUCH) == NULL) {
        addReplyLongLong(c, -2);
        return;
    }
    long long expire = getExpire(c->db, c->argv[1]);
    if (expire == -1) {
        addReplyLongLong(c, -1);
        return;
    }
    long long ms = absolute ? expire : expire - mstime();
    if (ms < 0) ms = 0; /* a replica may still hold an expired key */
    addReplyLongLong(c, in_ms ? ms : msToRoundedSeconds(ms));
}

void ttlCommand(client *c) {
    ttlGenericCommand(c, 0, 0);
}

void pttlCommand(client *c) {
    ttlGenericCommand(c, 1, 0);
}

void expiretimeCommand(client *c) {
    ttlGenericCommand(c, 0, 1);
}

void pexpiretimeCommand(client *c) {
    ttlGenericCommand(c, 1, 1);
}

void persistCommand(client *c) {
    robj *key = c->argv[1];
    if (lookupKeyWrite(c->db, key) == NULL || !removeExpire(c->db, key)) {
        addReply(c, shared.czero);
        return;
    }
    keyWritten(c, c->db, key, "persist");
    addReply(c, shared.cone);
}
