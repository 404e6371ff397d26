/* t_hash.c - the hash type and its commands:
 *
 *   HSET HSETNX HMSET HGET HMGET HDEL HLEN HSTRLEN HEXISTS
 *   HINCRBY HINCRBYFLOAT HGETALL HKEYS HVALS HRANDFIELD HSCAN
 *
 * Small hashes are a listpack of field, value, field, value... in insertion
 * order (which is also the order HGETALL shows, as in stock). A hash turns
 * into a dict for good when it gets more than hash-max-listpack-entries
 * fields or a field or value longer than hash-max-listpack-value bytes.
 * Everything reads fields and values as byte views (pointer + length), so
 * both encodings share one code path in the commands.
 */
#include "server.h"
#include "listpack.h"
#include <math.h>

/* ===========================================================================
 * The type
 * ======================================================================== */

robj *createHashObject(void) {
    robj *o = createObject(OBJ_HASH, lpNew(0));
    o->encoding = OBJ_ENCODING_LISTPACK;
    return o;
}

void freeHashObject(robj *o) {
    if (o->encoding == OBJ_ENCODING_HT) dictRelease(o->ptr);
    else lpFree(o->ptr);
}

unsigned long hashTypeLength(const robj *o) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) return lpLength(o->ptr) / 2;
    return dictSize((const dict *)o->ptr);
}

/* A listpack entry as bytes (integers rendered into buf). */
static const char *lpView(unsigned char *p, size_t *len, unsigned char *buf) {
    int64_t count;
    unsigned char *s = lpGet(p, &count, buf);
    *len = (size_t)count;
    return (const char *)s;
}

/* The listpack entry of `field`, or NULL. */
static unsigned char *hashLpFindField(unsigned char *lp, const char *field, size_t flen) {
    unsigned char *p = lpFirst(lp);
    if (p == NULL) return NULL;
    return lpFind(lp, p, (const unsigned char *)field, (uint32_t)flen, 1);
}

/* The value of field (a view valid until the hash changes), or NULL. */
const char *hashTypeGetValue(robj *o, const char *field, size_t flen, size_t *vlen,
                             unsigned char *buf) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *fp = hashLpFindField(o->ptr, field, flen);
        if (fp == NULL) return NULL;
        return lpView(lpNext(o->ptr, fp), vlen, buf);
    }
    sds key = sdsnewlen(field, flen);
    dictEntry *de = dictFind(o->ptr, key);
    sdsfree(key);
    if (de == NULL) return NULL;
    sds v = dictGetVal(de);
    *vlen = sdslen(v);
    return v;
}

void hashTypeConvert(robj *o, int encoding) {
    if (o->encoding == encoding) return;
    serverAssert(o->encoding == OBJ_ENCODING_LISTPACK && encoding == OBJ_ENCODING_HT);
    unsigned char *lp = o->ptr;
    dict *d = dictCreate(&hashDictType);
    dictExpand(d, lpLength(lp) / 2);
    unsigned char fbuf[LP_INTBUF_SIZE], vbuf[LP_INTBUF_SIZE];
    for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, lpNext(lp, p))) {
        size_t flen, vlen;
        const char *f = lpView(p, &flen, fbuf);
        const char *v = lpView(lpNext(lp, p), &vlen, vbuf);
        int added = dictAdd(d, sdsnewlen(f, flen), sdsnewlen(v, vlen));
        serverAssert(added == DICT_OK);
    }
    lpFree(lp);
    o->ptr = d;
    o->encoding = OBJ_ENCODING_HT;
}

/* Before a batch write of argv[start..end]: an argument too long for the
 * listpack (or a sum that could make it unsafe) converts the hash first. */
static void hashTypeTryConversion(robj *o, robj **argv, int start, int end) {
    if (o->encoding != OBJ_ENCODING_LISTPACK) return;
    size_t sum = 0;
    for (int i = start; i <= end; i++) {
        if (!sdsEncodedObject(argv[i])) continue;
        size_t len = sdslen(argv[i]->ptr);
        if (len > server.hash_max_listpack_value) {
            hashTypeConvert(o, OBJ_ENCODING_HT);
            return;
        }
        sum += len;
    }
    if (!lpSafeToAdd(o->ptr, sum)) hashTypeConvert(o, OBJ_ENCODING_HT);
}

/* Set field to value. Returns 1 when the field existed (an update), 0 when
 * it was created. */
int hashTypeSet(robj *o, const char *field, size_t flen, const char *value, size_t vlen) {
    if (o->encoding == OBJ_ENCODING_LISTPACK &&
        (flen > server.hash_max_listpack_value || vlen > server.hash_max_listpack_value))
        hashTypeConvert(o, OBJ_ENCODING_HT);

    if (o->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *lp = o->ptr;
        unsigned char *fp = hashLpFindField(lp, field, flen);
        int update = fp != NULL;
        if (update) {
            unsigned char *vp = lpNext(lp, fp);
            lp = lpReplace(lp, &vp, (const unsigned char *)value, (uint32_t)vlen);
        } else {
            lp = lpAppend(lp, (const unsigned char *)field, (uint32_t)flen);
            lp = lpAppend(lp, (const unsigned char *)value, (uint32_t)vlen);
        }
        o->ptr = lp;
        if (hashTypeLength(o) > server.hash_max_listpack_entries)
            hashTypeConvert(o, OBJ_ENCODING_HT);
        return update;
    }

    sds key = sdsnewlen(field, flen);
    dictEntry *existing;
    dictEntry *de = dictAddRaw(o->ptr, key, &existing);
    if (de == NULL) {
        sdsfree(key);
        sdsfree(dictGetVal(existing));
        dictSetVal((dict *)o->ptr, existing, sdsnewlen(value, vlen));
        return 1;
    }
    dictSetVal((dict *)o->ptr, de, sdsnewlen(value, vlen));
    return 0;
}

/* hashTypeSet for a hashtable-encoded hash and a caller that hands both
 * strings over (RDB loading): they become the entry as they are, with no
 * copies. Same return value as hashTypeSet. */
int hashTypeSetMoved(robj *o, sds field, sds value) {
    serverAssert(o->encoding == OBJ_ENCODING_HT);
    dictEntry *existing;
    dictEntry *de = dictAddRaw(o->ptr, field, &existing);
    if (de == NULL) {
        sdsfree(field);
        sdsfree(dictGetVal(existing));
        dictSetVal((dict *)o->ptr, existing, value);
        return 1;
    }
    dictSetVal((dict *)o->ptr, de, value);
    return 0;
}

/* 1 if the field was there and is now gone. */
int hashTypeDelete(robj *o, const char *field, size_t flen) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *fp = hashLpFindField(o->ptr, field, flen);
        if (fp == NULL) return 0;
        o->ptr = lpDeleteRangeWithEntry(o->ptr, &fp, 2);
        return 1;
    }
    sds key = sdsnewlen(field, flen);
    int deleted = dictDelete(o->ptr, key) == DICT_OK;
    sdsfree(key);
    if (deleted && htNeedsResize(o->ptr)) dictResize(o->ptr);
    return deleted;
}

robj *hashTypeDup(robj *o) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) {
        size_t n = lpBytes(o->ptr);
        unsigned char *copy = zmalloc(n);
        memcpy(copy, o->ptr, n);
        robj *dup = createObject(OBJ_HASH, copy);
        dup->encoding = OBJ_ENCODING_LISTPACK;
        return dup;
    }
    dict *d = dictCreate(&hashDictType);
    dictExpand(d, dictSize((dict *)o->ptr));
    dictIterator *di = dictGetIterator(o->ptr);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL)
        dictAdd(d, sdsdup(dictGetKey(de)), sdsdup(dictGetVal(de)));
    dictReleaseIterator(di);
    robj *dup = createObject(OBJ_HASH, d);
    dup->encoding = OBJ_ENCODING_HT;
    return dup;
}

/* ---------------------------------------------------------------------------
 * Iteration
 * ------------------------------------------------------------------------ */

void hashTypeInitIterator(robj *o, hashTypeIterator *it) {
    it->subject = o;
    it->fptr = it->vptr = NULL;
    it->de = NULL;
    it->di = o->encoding == OBJ_ENCODING_HT ? dictGetIterator(o->ptr) : NULL;
}

/* Advance; 0 at the end. */
int hashTypeNext(hashTypeIterator *it) {
    if (it->di) {
        it->de = dictNext(it->di);
        return it->de != NULL;
    }
    unsigned char *lp = it->subject->ptr;
    it->fptr = it->fptr ? lpNext(lp, it->vptr) : lpFirst(lp);
    if (it->fptr == NULL) return 0;
    it->vptr = lpNext(lp, it->fptr);
    return 1;
}

const char *hashTypeIterField(hashTypeIterator *it, size_t *len) {
    if (it->di) {
        sds f = dictGetKey(it->de);
        *len = sdslen(f);
        return f;
    }
    return lpView(it->fptr, len, it->fbuf);
}

const char *hashTypeIterValue(hashTypeIterator *it, size_t *len) {
    if (it->di) {
        sds v = dictGetVal(it->de);
        *len = sdslen(v);
        return v;
    }
    return lpView(it->vptr, len, it->vbuf);
}

void hashTypeReleaseIterator(hashTypeIterator *it) {
    if (it->di) dictReleaseIterator(it->di);
    it->di = NULL;
}

/* ---------------------------------------------------------------------------
 * Hooks: DEBUG DIGEST, MEMORY USAGE, SCAN
 * ------------------------------------------------------------------------ */

void hashObjectDigest(unsigned char *digest, robj *o) {
    hashTypeIterator it;
    hashTypeInitIterator(o, &it);
    while (hashTypeNext(&it)) {
        unsigned char eledigest[20] = {0};
        size_t flen, vlen;
        const char *f = hashTypeIterField(&it, &flen);
        mixDigest(eledigest, f, flen);
        const char *v = hashTypeIterValue(&it, &vlen);
        mixDigest(eledigest, v, vlen);
        xorDigest(digest, eledigest, 20);
    }
    hashTypeReleaseIterator(&it);
}

/* As stock: exact for a listpack; for a dict, the bucket array plus the
 * average of up to `samples` entries times the number of entries. */
size_t hashObjectComputeSize(robj *o, size_t samples) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) return sizeof(*o) + zmalloc_size(o->ptr);
    dict *d = o->ptr;
    /* The dict header without our metadata slot: stock has none there. */
    size_t asize = sizeof(*o) + offsetof(dict, metadata) + sizeof(dictEntry *) * dictSlots(d);
    size_t elesize = 0, seen = 0;
    dictIterator *di = dictGetIterator(d);
    dictEntry *de;
    while (seen < samples && (de = dictNext(di)) != NULL) {
        elesize += sizeof(dictEntry) + zmalloc_size(sdsAllocPtr(dictGetKey(de))) + zmalloc_size(sdsAllocPtr(dictGetVal(de)));
        seen++;
    }
    dictReleaseIterator(di);
    if (seen) asize += (size_t)((double)elesize / seen * dictSize(d));
    return asize;
}

static void hashScanCallback(void *privdata, const dictEntry *de) {
    list *out = privdata;
    sds f = dictGetKey(de), v = dictGetVal(de);
    listAddNodeTail(out, createStringObject(f, sdslen(f)));
    listAddNodeTail(out, createStringObject(v, sdslen(v)));
}

/* HSCAN step: field, value pairs into out; a listpack goes out whole. */
unsigned long hashScanCollect(robj *o, unsigned long cursor, long count, list *out) {
    if (o->encoding == OBJ_ENCODING_HT)
        return scanDictStep(o->ptr, cursor, count, hashScanCallback, out);
    hashTypeIterator it;
    hashTypeInitIterator(o, &it);
    while (hashTypeNext(&it)) {
        size_t len;
        const char *f = hashTypeIterField(&it, &len);
        listAddNodeTail(out, createStringObject(f, len));
        const char *v = hashTypeIterValue(&it, &len);
        listAddNodeTail(out, createStringObject(v, len));
    }
    hashTypeReleaseIterator(&it);
    return 0;
}

/* ===========================================================================
 * Commands
 * ======================================================================== */

static robj *hashLookupWriteOrCreate(client *c, robj *key) {
    robj *o = lookupKeyWrite(c->db, key);
    if (checkType(c, o, OBJ_HASH)) return NULL;
    if (o == NULL) {
        o = createHashObject();
        dbAdd(c->db, key, o);
    }
    return o;
}

/* Read lookup with the given reply for a missing key; NULL when replied. */
static robj *hashLookupRead(client *c, robj *missing_reply) {
    robj *o = lookupKeyReadOrReply(c, c->argv[1], missing_reply);
    if (o == NULL || checkType(c, o, OBJ_HASH)) return NULL;
    return o;
}

static void hashWritten(client *c, robj *key, char *event, long long changes) {
    signalModifiedKey(c, c->db, key);
    notifyKeyspaceEvent(NOTIFY_HASH, event, key, c->db->id);
    server.dirty += changes;
}

#define ARGV_VIEW(o) (const char *)(o)->ptr, sdslen((o)->ptr)

/* Arguments arrive as sds (raw/embstr) strings; the type API takes views. */
static int hashSetFromArgs(robj *o, robj *field, robj *value) {
    robj *f = getDecodedObject(field), *v = getDecodedObject(value);
    int update = hashTypeSet(o, ARGV_VIEW(f), ARGV_VIEW(v));
    decrRefCount(f);
    decrRefCount(v);
    return update;
}

/* HSET and HMSET share one proc (as in the command table); the second
 * letter of the command name tells which reply is due. */
void hsetCommand(client *c) {
    const char *name = c->argv[0]->ptr;
    int reply_created = name[1] == 's' || name[1] == 'S';
    if (c->argc % 2 == 1) {
        addReplyErrorArity(c);
        return;
    }
    robj *o = hashLookupWriteOrCreate(c, c->argv[1]);
    if (o == NULL) return;
    hashTypeTryConversion(o, c->argv, 2, c->argc - 1);
    long long created = 0;
    for (int i = 2; i < c->argc; i += 2)
        created += !hashSetFromArgs(o, c->argv[i], c->argv[i+1]);
    if (reply_created) addReplyLongLong(c, created);
    else addReply(c, shared.ok);
    hashWritten(c, c->argv[1], "hset", (c->argc - 2) / 2);
}


void hsetnxCommand(client *c) {
    robj *o = hashLookupWriteOrCreate(c, c->argv[1]);
    if (o == NULL) return;
    unsigned char buf[LP_INTBUF_SIZE];
    size_t vlen;
    if (hashTypeGetValue(o, ARGV_VIEW(c->argv[2]), &vlen, buf) != NULL) {
        addReply(c, shared.czero);
        return;
    }
    hashTypeTryConversion(o, c->argv, 2, 3);
    hashSetFromArgs(o, c->argv[2], c->argv[3]);
    addReply(c, shared.cone);
    hashWritten(c, c->argv[1], "hset", 1);
}

static void addHashFieldReply(client *c, robj *o, robj *field) {
    unsigned char buf[LP_INTBUF_SIZE];
    size_t vlen;
    const char *v = o ? hashTypeGetValue(o, ARGV_VIEW(field), &vlen, buf) : NULL;
    if (v == NULL) addReplyNull(c);
    else addReplyBulkCBuffer(c, v, vlen);
}

void hgetCommand(client *c) {
    robj *o = hashLookupRead(c, shared.null[c->resp]);
    if (o) addHashFieldReply(c, o, c->argv[2]);
}

/* A missing key is a hash whose every field is missing. */
void hmgetCommand(client *c) {
    robj *o = lookupKeyRead(c->db, c->argv[1]);
    if (checkType(c, o, OBJ_HASH)) return;
    addReplyArrayLen(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) addHashFieldReply(c, o, c->argv[i]);
}

void hdelCommand(client *c) {
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_HASH)) return;
    long long deleted = 0;
    int key_removed = 0;
    for (int i = 2; i < c->argc; i++) {
        if (!hashTypeDelete(o, ARGV_VIEW(c->argv[i]))) continue;
        deleted++;
        if (hashTypeLength(o) == 0) {
            dbDelete(c->db, c->argv[1]);
            key_removed = 1;
            break;
        }
    }
    if (deleted) {
        hashWritten(c, c->argv[1], "hdel", deleted);
        if (key_removed) notifyKeyspaceEvent(NOTIFY_GENERIC, "del", c->argv[1], c->db->id);
    }
    addReplyLongLong(c, deleted);
}

void hlenCommand(client *c) {
    robj *o = hashLookupRead(c, shared.czero);
    if (o) addReplyLongLong(c, hashTypeLength(o));
}

void hstrlenCommand(client *c) {
    robj *o = hashLookupRead(c, shared.czero);
    if (o == NULL) return;
    unsigned char buf[LP_INTBUF_SIZE];
    size_t vlen = 0;
    if (hashTypeGetValue(o, ARGV_VIEW(c->argv[2]), &vlen, buf) == NULL) vlen = 0;
    addReplyLongLong(c, (long long)vlen);
}

void hexistsCommand(client *c) {
    robj *o = hashLookupRead(c, shared.czero);
    if (o == NULL) return;
    unsigned char buf[LP_INTBUF_SIZE];
    size_t vlen;
    addReply(c, hashTypeGetValue(o, ARGV_VIEW(c->argv[2]), &vlen, buf) ? shared.cone : shared.czero);
}

void hincrbyCommand(client *c) {
    long long incr, value = 0;
    if (getLongLongFromObjectOrReply(c, c->argv[3], &incr, NULL) != C_OK) return;
    robj *o = hashLookupWriteOrCreate(c, c->argv[1]);
    if (o == NULL) return;
    unsigned char buf[LP_INTBUF_SIZE];
    size_t vlen;
    const char *cur = hashTypeGetValue(o, ARGV_VIEW(c->argv[2]), &vlen, buf);
    if (cur && !string2ll(cur, vlen, &value)) {
        addReplyError(c, "hash value is not an integer");
        return;
    }
    if ((incr < 0 && value < 0 && incr < (LLONG_MIN - value)) ||
        (incr > 0 && value > 0 && incr > (LLONG_MAX - value))) {
        addReplyError(c, "increment or decrement would overflow");
        return;
    }
    value += incr;
    char out[LONG_STR_SIZE];
    int outlen = ll2string(out, sizeof(out), value);
    hashTypeSet(o, ARGV_VIEW(c->argv[2]), out, outlen);
    addReplyLongLong(c, value);
    hashWritten(c, c->argv[1], "hincrby", 1);
}

void hincrbyfloatCommand(client *c) {
    long double incr, value = 0;
    if (getLongDoubleFromObjectOrReply(c, c->argv[3], &incr, NULL) != C_OK) return;
    if (isnan(incr) || isinf(incr)) {
        addReplyError(c, "value is NaN or Infinity");
        return;
    }
    robj *o = hashLookupWriteOrCreate(c, c->argv[1]);
    if (o == NULL) return;
    unsigned char buf[LP_INTBUF_SIZE];
    size_t vlen;
    const char *cur = hashTypeGetValue(o, ARGV_VIEW(c->argv[2]), &vlen, buf);
    if (cur && !string2ld(cur, vlen, &value)) {
        addReplyError(c, "hash value is not a float");
        return;
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        addReplyError(c, "increment would produce NaN or Infinity");
        return;
    }
    char out[5*1024];
    int outlen = ld2string(out, sizeof(out), value, LD_STR_HUMAN);
    hashTypeSet(o, ARGV_VIEW(c->argv[2]), out, outlen);
    addReplyBulkCBuffer(c, out, outlen);
    hashWritten(c, c->argv[1], "hincrbyfloat", 1);
    /* Replicas and the AOF get the result, not the float arithmetic. */
    robj *newval = createStringObject(out, outlen);
    rewriteClientCommandArgument(c, 0, shared.hset);
    rewriteClientCommandArgument(c, 3, newval);
    decrRefCount(newval);
}

#define HASH_REPLY_FIELDS (1<<0)
#define HASH_REPLY_VALUES (1<<1)

static void hashGetAll(client *c, int what) {
    int both = what == (HASH_REPLY_FIELDS|HASH_REPLY_VALUES);
    robj *empty = both ? shared.emptymap[c->resp] : shared.emptyarray;
    robj *o = hashLookupRead(c, empty);
    if (o == NULL) return;
    unsigned long n = hashTypeLength(o);
    if (both) addReplyMapLen(c, n);
    else addReplyArrayLen(c, n);

    hashTypeIterator it;
    hashTypeInitIterator(o, &it);
    while (hashTypeNext(&it)) {
        size_t len;
        if (what & HASH_REPLY_FIELDS) {
            const char *f = hashTypeIterField(&it, &len);
            addReplyBulkCBuffer(c, f, len);
        }
        if (what & HASH_REPLY_VALUES) {
            const char *v = hashTypeIterValue(&it, &len);
            addReplyBulkCBuffer(c, v, len);
        }
    }
    hashTypeReleaseIterator(&it);
}

void hgetallCommand(client *c) { hashGetAll(c, HASH_REPLY_FIELDS|HASH_REPLY_VALUES); }
void hkeysCommand(client *c) { hashGetAll(c, HASH_REPLY_FIELDS); }
void hvalsCommand(client *c) { hashGetAll(c, HASH_REPLY_VALUES); }

void hscanCommand(client *c) {
    unsigned long cursor;
    if (parseScanCursorOrReply(c, c->argv[2], &cursor) != C_OK) return;
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.emptyscan);
    if (o == NULL || checkType(c, o, OBJ_HASH)) return;
    scanGenericCommand(c, o, cursor);
}

/* ---------------------------------------------------------------------------
 * HRANDFIELD
 * ------------------------------------------------------------------------ */

/* One field (and value) reply; RESP3 wraps a pair in its own array. */
static void hrandReplyPair(client *c, const char *f, size_t flen, const char *v, size_t vlen,
                           int withvalues) {
    if (withvalues && c->resp > 2) addReplyArrayLen(c, 2);
    addReplyBulkCBuffer(c, f, flen);
    if (withvalues) addReplyBulkCBuffer(c, v, vlen);
}

/* The field/value at a uniformly random position. */
static void hashRandomEntry(robj *o, hashTypeIterator *at) {
    at->subject = o;
    at->di = NULL;
    if (o->encoding == OBJ_ENCODING_HT) {
        at->de = dictGetFairRandomKey(o->ptr);
        at->fptr = NULL;
        return;
    }
    long idx = random() % (long)hashTypeLength(o);
    at->fptr = lpSeek(o->ptr, idx * 2);
    at->vptr = lpNext(o->ptr, at->fptr);
}

static const char *randField(hashTypeIterator *at, size_t *len) {
    if (at->subject->encoding == OBJ_ENCODING_HT) {
        sds f = dictGetKey(at->de);
        *len = sdslen(f);
        return f;
    }
    return lpView(at->fptr, len, at->fbuf);
}

static const char *randValue(hashTypeIterator *at, size_t *len) {
    if (at->subject->encoding == OBJ_ENCODING_HT) {
        sds v = dictGetVal(at->de);
        *len = sdslen(v);
        return v;
    }
    return lpView(at->vptr, len, at->vbuf);
}

/* Distinct random fields: pick positions without repetition (a partial
 * Fisher-Yates over indexes for a listpack; for a dict, sample until
 * enough distinct fields were seen). */
static void hrandDistinct(client *c, robj *o, unsigned long count, int withvalues) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned long size = hashTypeLength(o);
        long *idx = zmalloc(sizeof(long) * size);
        for (unsigned long i = 0; i < size; i++) idx[i] = (long)i;
        for (unsigned long i = 0; i < count; i++) {
            unsigned long j = i + (unsigned long)random() % (size - i);
            long t = idx[i]; idx[i] = idx[j]; idx[j] = t;
            hashTypeIterator at;
            at.subject = o;
            at.fptr = lpSeek(o->ptr, idx[i] * 2);
            at.vptr = lpNext(o->ptr, at.fptr);
            size_t flen, vlen;
            const char *f = randField(&at, &flen);
            const char *v = randValue(&at, &vlen);
            hrandReplyPair(c, f, flen, v, vlen, withvalues);
        }
        zfree(idx);
        return;
    }
    if (count * 3 > hashTypeLength(o)) {
        /* Most of the hash: shuffle a table of the entries. */
        unsigned long size = hashTypeLength(o), i = 0;
        dictEntry **all = zmalloc(sizeof(dictEntry *) * size);
        dictIterator *di = dictGetIterator(o->ptr);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL) all[i++] = de;
        dictReleaseIterator(di);
        for (i = 0; i < count; i++) {
            unsigned long j = i + (unsigned long)random() % (size - i);
            dictEntry *t = all[i];
            all[i] = all[j];
            all[j] = t;
            sds f = dictGetKey(all[i]), v = dictGetVal(all[i]);
            hrandReplyPair(c, f, sdslen(f), v, sdslen(v), withvalues);
        }
        zfree(all);
        return;
    }
    dict *seen = dictCreate(&keyptrDictType);
    unsigned long emitted = 0;
    while (emitted < count) {
        dictEntry *de = dictGetFairRandomKey(o->ptr);
        if (dictAdd(seen, dictGetKey(de), NULL) != DICT_OK) continue;
        sds f = dictGetKey(de), v = dictGetVal(de);
        hrandReplyPair(c, f, sdslen(f), v, sdslen(v), withvalues);
        emitted++;
    }
    dictRelease(seen);
}

static void hrandfieldWithCount(client *c, long l, int withvalues) {
    robj *o = hashLookupRead(c, shared.emptyarray);
    if (o == NULL) return;
    unsigned long size = hashTypeLength(o);
    if (l == 0) {
        addReply(c, shared.emptyarray);
        return;
    }
    int distinct = l > 0;
    unsigned long count = distinct ? (unsigned long)l : (unsigned long)-l;
    if (distinct && count > size) count = size;
    addReplyArrayLen(c, (withvalues && c->resp == 2) ? count * 2 : count);

    if (!distinct) {
        for (unsigned long i = 0; i < count; i++) {
            hashTypeIterator at;
            hashRandomEntry(o, &at);
            size_t flen, vlen;
            const char *f = randField(&at, &flen);
            const char *v = randValue(&at, &vlen);
            hrandReplyPair(c, f, flen, v, vlen, withvalues);
        }
        return;
    }
    if (count == size) {
        /* The whole hash, in its own order (as stock). */
        hashTypeIterator it;
        hashTypeInitIterator(o, &it);
        while (hashTypeNext(&it)) {
            size_t flen, vlen;
            const char *f = hashTypeIterField(&it, &flen);
            const char *v = hashTypeIterValue(&it, &vlen);
            hrandReplyPair(c, f, flen, v, vlen, withvalues);
        }
        hashTypeReleaseIterator(&it);
        return;
    }
    hrandDistinct(c, o, count, withvalues);
}

void hrandfieldCommand(client *c) {
    if (c->argc >= 3) {
        long l;
        int withvalues = 0;
        if (getRangeLongFromObjectOrReply(c, c->argv[2], -LONG_MAX, LONG_MAX, &l, NULL) != C_OK)
            return;
        if (c->argc > 4 || (c->argc == 4 && strcasecmp(c->argv[3]->ptr, "withvalues"))) {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
        if (c->argc == 4) {
            withvalues = 1;
            if (l < -LONG_MAX / 2 || l > LONG_MAX / 2) {
                addReplyError(c, "value is out of range");
                return;
            }
        }
        hrandfieldWithCount(c, l, withvalues);
        return;
    }
    robj *o = hashLookupRead(c, shared.null[c->resp]);
    if (o == NULL) return;
    hashTypeIterator at;
    hashRandomEntry(o, &at);
    size_t flen;
    const char *f = randField(&at, &flen);
    addReplyBulkCBuffer(c, f, flen);
}

/* ===========================================================================
 * Untrusted listpacks (RESTORE, RDB loading)
 * ======================================================================== */

typedef struct {
    unsigned long count;
    dict *fields;       /* seen keys, deep checks only */
} pairsCheck;

static dictType pairsCheckDictType = {
    dictSdsHash, NULL, NULL, dictSdsKeyCompare, dictSdsDestructor, NULL, NULL
};

/* Every even entry is a key (field or member): no key may repeat. */
static int pairsCheckEntry(unsigned char *p, unsigned int head_count, void *userdata) {
    pairsCheck *pc = userdata;
    (void)head_count;
    if ((pc->count++ & 1) == 0) {
        unsigned char buf[LP_INTBUF_SIZE];
        size_t len;
        const char *s = lpView(p, &len, buf);
        sds key = sdsnewlen(s, len);
        if (dictAdd(pc->fields, key, NULL) != DICT_OK) {
            sdsfree(key);
            return 0;
        }
    }
    return 1;
}

/* Is this blob a well formed key/value listpack (hash, or sorted set when
 * called from t_zset.c)? Shallow checks only the header; deep walks it all,
 * requiring an even count and unique keys, as stock. */
int listpackPairsValidateIntegrity(unsigned char *lp, size_t size, int deep) {
    if (!deep) return lpValidateIntegrity(lp, size, 0, NULL, NULL);
    pairsCheck pc = {0, dictCreate(&pairsCheckDictType)};
    int ok = lpValidateIntegrity(lp, size, 1, pairsCheckEntry, &pc);
    if (pc.count & 1) ok = 0;
    dictRelease(pc.fields);
    return ok;
}
