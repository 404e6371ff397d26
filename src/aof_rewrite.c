/* aof_rewrite.c - the dataset as commands: the base file of an AOF rewrite
 * with `aof-use-rdb-preamble no` (aof.c picks this or the RDB form).
 *
 * What is written is what stock Redis 7.0 writes, command for command, so
 * a base file looks alike whichever server made it and loads in either:
 *   #TS:<unix>                     with aof-timestamp-enabled
 *   FUNCTION LOAD <code>           each function library, before any key
 *   SELECT <db>                    each non-empty database
 *   SET / RPUSH / SADD / ZADD / HMSET   a key's value, at most 64 items per
 *                                  command (AOF_REWRITE_ITEMS_PER_CMD)
 *   XADD ...                       a stream: see rewriteStreamObject
 *   PEXPIREAT <key> <ms>           after a key with a TTL
 * Loading needs nothing special: aof.c runs these through call() like any
 * incr file's commands.
 *
 * The per-type writers use each type module's own iterators (quicklist,
 * setTypeIterator, zsetForEach, hashTypeIterator, streamIterator and the
 * stream's omaps of groups, consumers and PELs), never their internals.
 */
#include "aof.h"
#include "functions.h"

#define AOF_REWRITE_ITEMS_PER_CMD 64

/* ---------------------------------------------------------------------------
 * RESP building blocks
 * ------------------------------------------------------------------------ */

int rioWriteBulkCount(rio *r, char prefix, long count) {
    char buf[LONG_STR_SIZE + 3];
    buf[0] = prefix;
    int l = ll2string(buf + 1, sizeof(buf) - 1, count);
    buf[l + 1] = '\r';
    buf[l + 2] = '\n';
    return rioWrite(r, buf, (size_t)l + 3);
}

int rioWriteBulkString(rio *r, const char *p, size_t len) {
    return rioWriteBulkCount(r, '$', (long)len) && rioWrite(r, p, len) && rioWrite(r, "\r\n", 2);
}

int rioWriteBulkLongLong(rio *r, long long v) {
    char buf[LONG_STR_SIZE];
    int l = ll2string(buf, sizeof(buf), v);
    return rioWriteBulkString(r, buf, (size_t)l);
}

int rioWriteBulkObject(rio *r, robj *o) {
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *p = stringObjectBuffer(o, buf, &len);
    return rioWriteBulkString(r, p, len);
}

/* Scores as stock writes them: plain %.17g, so -0 stays "-0" (d2string
 * would print "0") and a reloaded skiplist digests the same. */
static int rioWriteBulkDouble(rio *r, double d) {
    char buf[128];
    int l = snprintf(buf, sizeof(buf), "%.17g", d);
    return rioWriteBulkString(r, buf, (size_t)l);
}

static int rioWriteBulkStreamID(rio *r, const streamID *id) {
    char buf[STREAM_ID_STR_LEN];
    return rioWriteBulkString(r, buf, (size_t)streamIDFormat(id, buf, sizeof(buf)));
}

/* "*<argc>" then the command name and the key. */
static int rioWriteCommandKey(rio *r, long argc, const char *cmd, robj *key) {
    return rioWriteBulkCount(r, '*', argc) && rioWriteBulkString(r, cmd, strlen(cmd)) &&
           rioWriteBulkObject(r, key);
}

/* ---------------------------------------------------------------------------
 * Batches: CMD key item item ... with at most 64 items per command, as stock
 * splits them (an item is one or two arguments: a member, or score+member
 * / field+value).
 * ------------------------------------------------------------------------ */

typedef struct {
    rio *r;
    robj *key;
    const char *cmd;
    unsigned long left;     /* items not yet written */
    int args_per_item;
    int in_cmd;             /* items written in the current command */
    int ok;
} aofBatch;

static void batchInit(aofBatch *b, rio *r, robj *key, const char *cmd, unsigned long items, int args_per_item) {
    b->r = r;
    b->key = key;
    b->cmd = cmd;
    b->left = items;
    b->args_per_item = args_per_item;
    b->in_cmd = 0;
    b->ok = 1;
}

/* Call before writing an item's arguments: opens a command when needed. */
static int batchNextItem(aofBatch *b) {
    if (!b->ok) return 0;
    if (b->in_cmd == 0) {
        unsigned long n = b->left > AOF_REWRITE_ITEMS_PER_CMD ? AOF_REWRITE_ITEMS_PER_CMD : b->left;
        if (!rioWriteCommandKey(b->r, 2 + (long)n * b->args_per_item, b->cmd, b->key)) return b->ok = 0;
    }
    if (++b->in_cmd == AOF_REWRITE_ITEMS_PER_CMD) b->in_cmd = 0;
    b->left--;
    return 1;
}

/* ---------------------------------------------------------------------------
 * Lists, sets, sorted sets, hashes
 * ------------------------------------------------------------------------ */

static int rewriteListObject(rio *r, robj *key, robj *o) {
    aofBatch b;
    batchInit(&b, r, key, "RPUSH", listTypeLength(o), 1);
    quicklistIter *it = quicklistGetIterator(o->ptr, AL_START_HEAD_QL);
    quicklistEntry e;
    while (b.ok && quicklistNext(it, &e)) {
        if (!batchNextItem(&b)) break;
        b.ok = e.value ? rioWriteBulkString(r, (char *)e.value, e.sz) : rioWriteBulkLongLong(r, e.longval);
    }
    quicklistReleaseIterator(it);
    return b.ok;
}

static int rewriteSetObject(rio *r, robj *key, robj *o) {
    aofBatch b;
    batchInit(&b, r, key, "SADD", setTypeSize(o), 1);
    setTypeIterator *si = setTypeInitIterator(o);
    sds member;
    int64_t llval;
    int enc;
    while (b.ok && (enc = setTypeNext(si, &member, &llval)) != -1) {
        if (!batchNextItem(&b)) break;
        b.ok = enc == OBJ_ENCODING_INTSET ? rioWriteBulkLongLong(r, llval)
                                          : rioWriteBulkString(r, member, sdslen(member));
    }
    setTypeReleaseIterator(si);
    return b.ok;
}

static void rewriteZsetMember(void *priv, const char *member, size_t len, double score, unsigned long idx) {
    aofBatch *b = priv;
    (void)idx;
    if (!batchNextItem(b)) return;
    b->ok = rioWriteBulkDouble(b->r, score) && rioWriteBulkString(b->r, member, len);
}

/* Score order for both encodings (stock walks a skiplist's dict, an order
 * no other process could reproduce anyway). */
static int rewriteSortedSetObject(rio *r, robj *key, robj *o) {
    aofBatch b;
    batchInit(&b, r, key, "ZADD", zsetLength(o), 2);
    zsetForEach(o, rewriteZsetMember, &b);
    return b.ok;
}

static int rewriteHashObject(rio *r, robj *key, robj *o) {
    aofBatch b;
    batchInit(&b, r, key, "HMSET", hashTypeLength(o), 2);
    hashTypeIterator it;
    hashTypeInitIterator(o, &it);
    while (b.ok && hashTypeNext(&it)) {
        size_t flen, vlen;
        const char *f = hashTypeIterField(&it, &flen);
        if (!batchNextItem(&b)) break;
        b.ok = rioWriteBulkString(r, f, flen);
        const char *v = hashTypeIterValue(&it, &vlen);
        b.ok = b.ok && rioWriteBulkString(r, v, vlen);
    }
    hashTypeReleaseIterator(&it);
    return b.ok;
}

/* ---------------------------------------------------------------------------
 * Streams
 * ------------------------------------------------------------------------ */

/* XADD key id field value ... for each live entry. */
static int rewriteStreamEntries(rio *r, robj *key, stream *s) {
    streamIterator si;
    streamID id;
    int64_t numfields;
    int ok = 1;
    streamIteratorStart(&si, s, NULL, NULL, 0);
    while (ok && streamIteratorGetID(&si, &id, &numfields)) {
        ok = rioWriteCommandKey(r, 3 + numfields * 2, "XADD", key) && rioWriteBulkStreamID(r, &id);
        while (ok && numfields--) {
            unsigned char *f, *v;
            int64_t flen, vlen;
            streamIteratorGetField(&si, &f, &v, &flen, &vlen);
            ok = rioWriteBulkString(r, (char *)f, (size_t)flen) && rioWriteBulkString(r, (char *)v, (size_t)vlen);
        }
    }
    streamIteratorStop(&si);
    return ok;
}

/* An empty stream still is a key: stock creates it with an entry that
 * MAXLEN 0 trims away at once (XSETID then puts back the real last ID). */
static int rewriteEmptyStream(rio *r, robj *key) {
    streamID one = {0, 1};
    return rioWriteCommandKey(r, 7, "XADD", key) && rioWriteBulkString(r, "MAXLEN", 6) &&
           rioWriteBulkString(r, "0", 1) && rioWriteBulkStreamID(r, &one) &&
           rioWriteBulkString(r, "x", 1) && rioWriteBulkString(r, "y", 1);
}

static int rewriteStreamMeta(rio *r, robj *key, stream *s) {
    return rioWriteCommandKey(r, 7, "XSETID", key) && rioWriteBulkStreamID(r, &s->last_id) &&
           rioWriteBulkString(r, "ENTRIESADDED", 12) && rioWriteBulkLongLong(r, (long long)s->entries_added) &&
           rioWriteBulkString(r, "MAXDELETEDID", 12) && rioWriteBulkStreamID(r, &s->max_deleted_entry_id);
}

/* "*<argc>" then the command, its subcommand and the key (XGROUP ...). */
static int rioWriteSubcommand(rio *r, long argc, const char *cmd, const char *sub, robj *key) {
    return rioWriteBulkCount(r, '*', argc) && rioWriteBulkString(r, cmd, strlen(cmd)) &&
           rioWriteBulkString(r, sub, strlen(sub)) && rioWriteBulkObject(r, key);
}

/* XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n JUSTID FORCE: puts
 * the entry in the consumer's PEL with its delivery time and count. */
static int rewritePendingEntry(rio *r, robj *key, omapEntry *ge, streamConsumer *sc, omapEntry *pe) {
    streamNACK *nack = pe->val;
    streamID id;
    streamDecodeID(omapKey(pe), &id);
    return rioWriteCommandKey(r, 12, "XCLAIM", key) &&
           rioWriteBulkString(r, (char *)omapKey(ge), ge->klen) &&
           rioWriteBulkString(r, sc->name, sdslen(sc->name)) && rioWriteBulkString(r, "0", 1) &&
           rioWriteBulkStreamID(r, &id) && rioWriteBulkString(r, "TIME", 4) &&
           rioWriteBulkLongLong(r, nack->delivery_time) && rioWriteBulkString(r, "RETRYCOUNT", 10) &&
           rioWriteBulkLongLong(r, (long long)nack->delivery_count) && rioWriteBulkString(r, "JUSTID", 6) &&
           rioWriteBulkString(r, "FORCE", 5);
}

/* A consumer with pending entries comes back through its XCLAIMs, one
 * without through XGROUP CREATECONSUMER. */
static int rewriteConsumer(rio *r, robj *key, omapEntry *ge, streamConsumer *sc) {
    if (omapSize(sc->pel) == 0) {
        return rioWriteSubcommand(r, 5, "XGROUP", "CREATECONSUMER", key) &&
               rioWriteBulkString(r, (char *)omapKey(ge), ge->klen) &&
               rioWriteBulkString(r, sc->name, sdslen(sc->name));
    }
    for (size_t i = 0; i < omapSize(sc->pel); i++)
        if (!rewritePendingEntry(r, key, ge, sc, omapAt(sc->pel, i))) return 0;
    return 1;
}

static int rewriteGroup(rio *r, robj *key, omapEntry *ge) {
    streamCG *cg = ge->val;
    if (!(rioWriteSubcommand(r, 7, "XGROUP", "CREATE", key) &&
          rioWriteBulkString(r, (char *)omapKey(ge), ge->klen) && rioWriteBulkStreamID(r, &cg->last_id) &&
          rioWriteBulkString(r, "ENTRIESREAD", 11) && rioWriteBulkLongLong(r, cg->entries_read)))
        return 0;
    for (size_t k = 0; k < omapSize(cg->consumers); k++)
        if (!rewriteConsumer(r, key, ge, omapAt(cg->consumers, k)->val)) return 0;
    return 1;
}

/* Entries (or the empty-stream trick), XSETID for last-id, entries-added
 * and max-deleted-id, then each group (name order) with its consumers
 * (name order) and their pending entries (ID order). */
static int rewriteStreamObject(rio *r, robj *key, robj *o) {
    stream *s = o->ptr;
    if (!(s->length ? rewriteStreamEntries(r, key, s) : rewriteEmptyStream(r, key))) return 0;
    if (!rewriteStreamMeta(r, key, s)) return 0;
    size_t ng = s->cgroups ? omapSize(s->cgroups) : 0;
    for (size_t g = 0; g < ng; g++)
        if (!rewriteGroup(r, key, omapAt(s->cgroups, g))) return 0;
    return 1;
}

/* ---------------------------------------------------------------------------
 * Keys, functions, the whole dataset
 * ------------------------------------------------------------------------ */

static int rewriteValue(rio *r, robj *key, robj *o) {
    switch (o->type) {
    case OBJ_STRING: return rioWriteCommandKey(r, 3, "SET", key) && rioWriteBulkObject(r, o);
    case OBJ_LIST: return rewriteListObject(r, key, o);
    case OBJ_SET: return rewriteSetObject(r, key, o);
    case OBJ_ZSET: return rewriteSortedSetObject(r, key, o);
    case OBJ_HASH: return rewriteHashObject(r, key, o);
    case OBJ_STREAM: return rewriteStreamObject(r, key, o);
    default:
        serverLog(LL_WARNING, "Can't rewrite a value of type %d into the AOF", o->type);
        return 0;
    }
}

static int rewriteKey(rio *r, robj *key, robj *o, long long expire) {
    if (!rewriteValue(r, key, o)) return 0;
    if (expire == -1) return 1;
    return rioWriteCommandKey(r, 3, "PEXPIREAT", key) && rioWriteBulkLongLong(r, expire);
}

static int rewriteFunction(void *priv, sds code) {
    rio *r = priv;
    return rioWriteBulkCount(r, '*', 3) && rioWriteBulkString(r, "FUNCTION", 8) &&
           rioWriteBulkString(r, "LOAD", 4) && rioWriteBulkString(r, code, sdslen(code));
}

static int rewriteDb(rio *r, int dbid) {
    redisDb *db = server.db + dbid;
    if (dictSize(db->dict) == 0) return C_OK;
    if (!(rioWriteBulkCount(r, '*', 2) && rioWriteBulkString(r, "SELECT", 6) && rioWriteBulkLongLong(r, dbid)))
        return C_ERR;
    dictIterator *di = dictGetSafeIterator(db->dict);
    dictEntry *de;
    int ret = C_OK;
    while ((de = dictNext(di)) != NULL) {
        robj key;
        key.type = OBJ_STRING;
        key.encoding = OBJ_ENCODING_RAW;
        key.refcount = OBJ_STATIC_REFCOUNT;
        key.ptr = dictGetKey(de);
        if (!rewriteKey(r, &key, dictGetVal(de), getExpire(db, &key))) {
            ret = C_ERR;
            break;
        }
    }
    dictReleaseIterator(di);
    return ret;
}

int rewriteAppendOnlyFileRio(rio *r) {
    if (server.aof_timestamp_enabled) {
        char ts[LONG_STR_SIZE + 8];
        int l = snprintf(ts, sizeof(ts), "#TS:%lld\r\n", (long long)time(NULL));
        if (!rioWrite(r, ts, (size_t)l)) return C_ERR;
    }
    if (functionsForEachCode(rewriteFunction, r) != 0) return C_ERR;
    for (int j = 0; j < server.dbnum; j++)
        if (rewriteDb(r, j) == C_ERR) return C_ERR;
    return C_OK;
}
