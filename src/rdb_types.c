/* rdb_types.c - RDB serialization of lists, sets, hashes and sorted sets:
 * the per-type hooks rdb.h declares (weak there, defined here).
 *
 * Saving writes what Redis 7.0 writes for each in-memory encoding (intset
 * and listpack blobs verbatim, hashtables as counted element lists, skiplist
 * sorted sets from the tail with binary scores, quicklists node by node with
 * compressed nodes kept compressed). Loading accepts every encoding 7.0
 * accepts, including the pre-7.0 ziplist and zipmap blobs (read here with
 * bounds checks on every byte), and converts to the in-memory encoding the
 * *-max-* thresholds ask for, as stock does.
 *
 * Untrusted input: blobs get the structural checks always and a deep walk
 * when sanitize-dump-payload says so (see rdbDeepSanitize). Anything a
 * later step would trip on (duplicates met while converting, odd pair
 * counts, NaN scores) is checked regardless, so corrupt data ends in
 * rdbReportCorruptRDB() and a NULL value, never in a crash or an assert.
 */
#include "rdb.h"
#include "lzf.h"
#include "acl.h"
#include "listpack.h"

#include <math.h>

/* ---------------------------------------------------------------------------
 * Shared helpers
 * ------------------------------------------------------------------------ */

/* Deep blob checks: always with "yes"; with "clients", for commands of
 * normal clients only (not while loading, not from our master, not for a
 * user flagged skip-sanitize-payload). */
static int rdbDeepSanitize(void) {
    if (server.sanitize_dump_payload == SANITIZE_DUMP_YES) return 1;
    if (server.sanitize_dump_payload != SANITIZE_DUMP_CLIENTS) return 0;
    if (server.loading || server.async_loading) return 0;
    client *c = server.current_client;
    if (c == NULL) return 0;
    if (c->flags & CLIENT_MASTER) return 0;
    if (c->user && (c->user->flags & USER_FLAG_SANITIZE_PAYLOAD_SKIP)) return 0;
    return 1;
}

static robj *rdbFail(int *error, unsigned char *blob, const char *msg) {
    rdbReportCorruptRDB("%s", msg);
    zfree(blob);
    *error = 1;
    return NULL;
}

/* A key that turned out empty: skipped (NULL without error), as stock;
 * logged like stock while loading a file (the first 10 of them). RESTORE
 * turns it into "Bad data format". */
static robj *rdbEmptyKey(int *error, sds key) {
    static long long logged_in_load = -1;
    static int logged;
    if (server.loading || server.async_loading) {
        if (logged_in_load != (long long)persist.loading_start_time) {
            logged_in_load = (long long)persist.loading_start_time;
            logged = 0;
        }
        if (logged++ < 10) serverLog(LL_NOTICE, "rdbLoadObject skipping empty key: %s", key);
    }
    *error = 0;
    return NULL;
}

static sds rdbLoadSds(rio *rdb) {
    return rdbGenericLoadStringObject(rdb, RDB_LOAD_SDS, NULL);
}

/* A collection length: RDB_LENERR also when it can't be honest (each
 * element takes at least one byte of the stream). */
static uint64_t rdbLoadCount(rio *rdb) {
    uint64_t len = rdbLoadLen(rdb, NULL);
    if (len == RDB_LENERR) return len;
    if (rdb->size_hint > 0) {
        long long left = (long long)rdb->size_hint - (long long)rioTell(rdb);
        if (left < 0 || len > (uint64_t)left) {
            rdbReportCorruptRDB("Collection length %llu beyond the end of the data",
                                (unsigned long long)len);
            return RDB_LENERR;
        }
    }
    return len;
}

/* Does a pair listpack repeat a key? Walks it all (used before converting
 * a shallowly checked listpack, which would otherwise assert). */
static int rdbPairsHaveDuplicates(unsigned char *lp) {
    return !listpackPairsValidateIntegrity(lp, lpBytes(lp), 1);
}

/* Checks of a listpack blob. Deep (sanitize-dump-payload) is stock's:
 * every entry, and for pair listpacks unique keys. Otherwise stock checks
 * only the header and would crash later on a bad entry; we still walk the
 * entries (cheap, no allocation) so that a corrupt blob is refused instead,
 * but keep stock's tolerance of repeated keys. */
static int rdbListpackSane(unsigned char *lp, size_t len, int deep, int pairs) {
    if (pairs && deep) return listpackPairsValidateIntegrity(lp, len, 1);
    return lpValidateIntegrity(lp, len, 1, NULL, NULL);
}

/* ---------------------------------------------------------------------------
 * Ziplist (pre-7.0 packed encoding) reader
 * ------------------------------------------------------------------------ */

typedef struct {
    const unsigned char *s; /* string bytes, or NULL for an integer */
    size_t len;
    long long ll;
} zlValue;

/* Decode the entry at p (already structure-checked by
 * rdbValidateZiplistBlob with deep = 1). Returns the next entry. */
static const unsigned char *zlDecode(const unsigned char *p, zlValue *v) {
    p += p[0] == 254 ? 5 : 1; /* prevlen */
    unsigned char b = p[0];
    v->s = NULL;
    switch (b >> 6) {
    case 0:
        v->s = p + 1; v->len = b & 0x3F;
        return v->s + v->len;
    case 1:
        v->s = p + 2; v->len = ((size_t)(b & 0x3F) << 8) | p[1];
        return v->s + v->len;
    case 2:
        v->s = p + 5;
        v->len = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4];
        return v->s + v->len;
    }
    const unsigned char *d = p + 1;
    if (b == 0xC0) { v->ll = (int16_t)(d[0] | d[1] << 8); return d + 2; }
    if (b == 0xD0) {
        v->ll = (int32_t)((uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24);
        return d + 4;
    }
    if (b == 0xE0) {
        uint64_t u = 0;
        for (int i = 7; i >= 0; i--) u = (u << 8) | d[i];
        v->ll = (long long)u;
        return d + 8;
    }
    if (b == 0xF0) {
        int32_t x = (int32_t)((uint32_t)d[0] << 8 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 24);
        v->ll = x >> 8;
        return d + 3;
    }
    if (b == 0xFE) { v->ll = (int8_t)d[0]; return d + 1; }
    v->ll = (b & 0x0F) - 1; /* 0xF1..0xFD: 0..12 */
    return d;
}

/* Text of a value (integers printed into buf, LP_INTBUF_SIZE bytes). */
static const char *zlText(const zlValue *v, size_t *len, char *buf) {
    if (v->s) { *len = v->len; return (const char *)v->s; }
    *len = (size_t)ll2string(buf, LP_INTBUF_SIZE, v->ll);
    return buf;
}

/* Convert a ziplist to a listpack with the same entries. pairs: the count
 * must be even and keys (even entries) unique. NULL if corrupt. */
static unsigned char *zlToListpack(const unsigned char *zl, size_t len, int pairs) {
    size_t n;
    if (!rdbValidateZiplistBlob(zl, len, 1, &n)) return NULL;
    if (pairs && (n & 1)) return NULL;
    dict *seen = pairs ? dictCreate(&setDictType) : NULL;
    unsigned char *lp = lpNew(len);
    const unsigned char *p = zl + 10, *end = zl + len - 1;
    size_t i = 0;
    int ok = 1;
    while (p < end) {
        zlValue v;
        p = zlDecode(p, &v);
        if (v.s) lp = lpAppend(lp, v.s, (uint32_t)v.len);
        else lp = lpAppendInteger(lp, v.ll);
        if (pairs && (i & 1) == 0) {
            char buf[LP_INTBUF_SIZE];
            size_t tl;
            const char *t = zlText(&v, &tl, buf);
            sds k = sdsnewlen(t, tl);
            if (dictAdd(seen, k, NULL) != DICT_OK) { sdsfree(k); ok = 0; break; }
        }
        i++;
    }
    if (seen) dictRelease(seen);
    if (!ok) { lpFree(lp); return NULL; }
    return lp;
}

/* ---------------------------------------------------------------------------
 * Zipmap (pre-2.6 hash encoding) reader
 * ------------------------------------------------------------------------ */

/* A zipmap length at *p: one byte < 254, or 254 + 4 bytes. */
static int zmReadLen(const unsigned char **p, const unsigned char *end, size_t *len) {
    if (*p >= end) return 0;
    if (**p < 254) { *len = **p; (*p)++; return 1; }
    if (**p != 254 || end - *p < 5) return 0;
    *len = (size_t)(*p)[1] | (size_t)(*p)[2] << 8 | (size_t)(*p)[3] << 16 | (size_t)(*p)[4] << 24;
    *p += 5;
    return 1;
}

/* Zipmap -> pair listpack; NULL if corrupt or a field repeats. *maxlen
 * gets the longest field or value. */
static unsigned char *zmToListpack(const unsigned char *zm, size_t len, size_t *maxlen) {
    if (len < 2 || zm[len - 1] != 0xFF) return NULL;
    const unsigned char *p = zm + 1, *end = zm + len - 1;
    unsigned char *lp = lpNew(len);
    dict *seen = dictCreate(&setDictType);
    size_t count = 0;
    *maxlen = 0;
    while (p < end) {
        size_t flen, vlen;
        if (!zmReadLen(&p, end, &flen) || (size_t)(end - p) < flen) goto bad;
        const unsigned char *f = p;
        p += flen;
        if (!zmReadLen(&p, end, &vlen) || p >= end) goto bad;
        size_t freelen = *p++;
        if ((size_t)(end - p) < vlen || (size_t)(end - p) - vlen < freelen) goto bad;
        const unsigned char *v = p;
        p += vlen + freelen;
        sds k = sdsnewlen(f, flen);
        if (dictAdd(seen, k, NULL) != DICT_OK) { sdsfree(k); goto bad; }
        lp = lpAppend(lp, f, (uint32_t)flen);
        lp = lpAppend(lp, v, (uint32_t)vlen);
        if (flen > *maxlen) *maxlen = flen;
        if (vlen > *maxlen) *maxlen = vlen;
        count++;
    }
    if (count == 0 || (zm[0] < 254 && zm[0] != count)) goto bad; /* stock: empty = corrupt */
    dictRelease(seen);
    return lp;
bad:
    dictRelease(seen);
    lpFree(lp);
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Sets
 * ------------------------------------------------------------------------ */

ssize_t rdbSaveSetObject(rio *rdb, robj *o) {
    if (o->encoding == OBJ_ENCODING_INTSET)
        return rdbSaveRawString(rdb, o->ptr, intsetBlobLen(o->ptr));
    dict *d = o->ptr;
    ssize_t n, total = rdbSaveLen(rdb, dictSize(d));
    if (total == -1) return -1;
    dictIterator *di = dictGetIterator(d);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        sds ele = dictGetKey(de);
        if ((n = rdbSaveRawString(rdb, (unsigned char *)ele, sdslen(ele))) == -1) {
            dictReleaseIterator(di);
            return -1;
        }
        total += n;
    }
    dictReleaseIterator(di);
    return total;
}

static robj *rdbLoadSetMembers(rio *rdb, sds key, int *error) {
    uint64_t len = rdbLoadCount(rdb);
    if (len == RDB_LENERR) { *error = 1; return NULL; }
    if (len == 0) return rdbEmptyKey(error, key);
    robj *o;
    if (len > server.set_max_intset_entries) {
        o = createSetObject();
        if (len > 4) dictTryExpand(o->ptr, (unsigned long)len);
    } else {
        o = createIntsetObject();
    }
    for (uint64_t i = 0; i < len; i++) {
        sds ele = rdbLoadSds(rdb);
        if (!ele) { decrRefCount(o); *error = 1; return NULL; }
        if (!setTypeAddMoved(o, ele, (unsigned long)len)) {
            decrRefCount(o);
            return rdbFail(error, NULL, "Duplicate set members detected");
        }
    }
    return o;
}

static robj *rdbLoadIntsetBlob(rio *rdb, sds key, int *error) {
    size_t len;
    unsigned char *blob = rdbLoadBlob(rdb, &len);
    if (!blob) { *error = 1; return NULL; }
    int deep = rdbDeepSanitize();
    if (deep) server.stat_dump_payload_sanitizations++;
    size_t n;
    /* An empty intset is corrupt for stock too (not a skipped empty key). */
    if (!intsetValidateIntegrity(blob, len, deep) || !rdbValidateIntsetBlob(blob, len, &n) || n == 0)
        return rdbFail(error, blob, "Intset integrity check failed.");
    robj *o = createObject(OBJ_SET, blob);
    o->encoding = OBJ_ENCODING_INTSET;
    if (intsetLen(o->ptr) == 0) { decrRefCount(o); return rdbEmptyKey(error, key); }
    if (intsetLen(o->ptr) > server.set_max_intset_entries) setTypeConvert(o, OBJ_ENCODING_HT);
    return o;
}

robj *rdbLoadSetObject(rio *rdb, int rdbtype, sds key, int *error) {
    *error = 0;
    if (rdbtype == RDB_TYPE_SET) return rdbLoadSetMembers(rdb, key, error);
    return rdbLoadIntsetBlob(rdb, key, error);
}

/* ---------------------------------------------------------------------------
 * Hashes
 * ------------------------------------------------------------------------ */

ssize_t rdbSaveHashObject(rio *rdb, robj *o) {
    if (o->encoding == OBJ_ENCODING_LISTPACK)
        return rdbSaveRawString(rdb, o->ptr, lpBytes(o->ptr));
    ssize_t n, total = rdbSaveLen(rdb, dictSize((dict *)o->ptr));
    if (total == -1) return -1;
    hashTypeIterator it;
    hashTypeInitIterator(o, &it);
    while (hashTypeNext(&it)) {
        size_t flen, vlen;
        const char *f = hashTypeIterField(&it, &flen);
        const char *v = hashTypeIterValue(&it, &vlen);
        if ((n = rdbSaveRawString(rdb, (const unsigned char *)f, flen)) == -1) goto err;
        total += n;
        if ((n = rdbSaveRawString(rdb, (const unsigned char *)v, vlen)) == -1) goto err;
        total += n;
    }
    hashTypeReleaseIterator(&it);
    return total;
err:
    hashTypeReleaseIterator(&it);
    return -1;
}

static robj *rdbLoadHashPairs(rio *rdb, sds key, int *error) {
    uint64_t len = rdbLoadCount(rdb);
    if (len == RDB_LENERR) { *error = 1; return NULL; }
    if (len == 0) return rdbEmptyKey(error, key);
    robj *o = createHashObject();
    if (len > server.hash_max_listpack_entries) {
        hashTypeConvert(o, OBJ_ENCODING_HT);
        if (len > 4) dictTryExpand(o->ptr, (unsigned long)len);
    }
    for (uint64_t i = 0; i < len; i++) {
        sds f = rdbLoadSds(rdb), v = f ? rdbLoadSds(rdb) : NULL;
        if (!v) {
            sdsfree(f);
            decrRefCount(o);
            *error = 1;
            return NULL;
        }
        int updated;
        if (o->encoding == OBJ_ENCODING_HT) {
            updated = hashTypeSetMoved(o, f, v);
        } else {
            updated = hashTypeSet(o, f, sdslen(f), v, sdslen(v));
            sdsfree(f);
            sdsfree(v);
        }
        if (updated) {
            decrRefCount(o);
            return rdbFail(error, NULL, "Duplicate hash fields detected");
        }
    }
    return o;
}

/* A pair listpack that is now the hash's (or zset's) storage: the common
 * checks; converts to a hashtable past max_entries pairs. */
static robj *rdbAdoptPairListpack(unsigned char *lp, int type, size_t max_entries,
                                  sds key, int *error, const char *what) {
    size_t n = lpLength(lp);
    if (n & 1) return rdbFail(error, lp, what);
    if (n == 0) { lpFree(lp); return rdbEmptyKey(error, key); }
    if (n / 2 > max_entries && rdbPairsHaveDuplicates(lp)) return rdbFail(error, lp, what);
    robj *o = createObject(type, lp);
    o->encoding = OBJ_ENCODING_LISTPACK;
    if (type == OBJ_HASH) {
        if (n / 2 > max_entries) hashTypeConvert(o, OBJ_ENCODING_HT);
        else o->ptr = lpShrinkToFit(o->ptr);
    }
    return o;
}

robj *rdbLoadHashObject(rio *rdb, int rdbtype, sds key, int *error) {
    *error = 0;
    if (rdbtype == RDB_TYPE_HASH) return rdbLoadHashPairs(rdb, key, error);
    size_t len;
    unsigned char *blob = rdbLoadBlob(rdb, &len), *lp;
    if (!blob) { *error = 1; return NULL; }
    if (rdbtype == RDB_TYPE_HASH_ZIPMAP) {
        size_t maxlen;
        lp = zmToListpack(blob, len, &maxlen);
        zfree(blob);
        if (!lp) return rdbFail(error, NULL, "Zipmap integrity check failed.");
        if (maxlen > server.hash_max_listpack_value && lpLength(lp)) {
            robj *o = createObject(OBJ_HASH, lp);
            o->encoding = OBJ_ENCODING_LISTPACK;
            hashTypeConvert(o, OBJ_ENCODING_HT);
            return o;
        }
        return rdbAdoptPairListpack(lp, OBJ_HASH, server.hash_max_listpack_entries, key, error,
                                    "Zipmap integrity check failed.");
    }
    if (rdbtype == RDB_TYPE_HASH_ZIPLIST) {
        lp = zlToListpack(blob, len, 1);
        zfree(blob);
        if (!lp) return rdbFail(error, NULL, "Hash ziplist integrity check failed.");
        return rdbAdoptPairListpack(lp, OBJ_HASH, server.hash_max_listpack_entries, key, error,
                                    "Hash ziplist integrity check failed.");
    }
    int deep = rdbDeepSanitize();
    if (deep) server.stat_dump_payload_sanitizations++;
    if (!rdbListpackSane(blob, len, deep, 1))
        return rdbFail(error, blob, "Hash listpack integrity check failed.");
    return rdbAdoptPairListpack(blob, OBJ_HASH, server.hash_max_listpack_entries, key, error,
                                "Hash listpack integrity check failed.");
}

/* ---------------------------------------------------------------------------
 * Sorted sets
 * ------------------------------------------------------------------------ */

ssize_t rdbSaveZsetObject(rio *rdb, robj *o) {
    if (o->encoding == OBJ_ENCODING_LISTPACK)
        return rdbSaveRawString(rdb, o->ptr, lpBytes(o->ptr));
    zskiplist *zsl = ((zset *)o->ptr)->zsl;
    ssize_t n, total = rdbSaveLen(rdb, zsl->length);
    if (total == -1) return -1;
    /* From the tail: loading then always inserts at the head, cheaply. */
    for (zskiplistNode *zn = zsl->tail; zn; zn = zn->backward) {
        if ((n = rdbSaveRawString(rdb, (unsigned char *)zn->ele, sdslen(zn->ele))) == -1) return -1;
        total += n;
        if ((n = rdbSaveBinaryDoubleValue(rdb, zn->score)) == -1) return -1;
        total += n;
    }
    return total;
}

static robj *rdbLoadZsetPairs(rio *rdb, int rdbtype, sds key, int *error) {
    uint64_t len = rdbLoadCount(rdb);
    if (len == RDB_LENERR) { *error = 1; return NULL; }
    if (len == 0) return rdbEmptyKey(error, key);
    robj *o = createZsetObject();
    zset *zs = o->ptr;
    if (len > 4) dictTryExpand(zs->dict, (unsigned long)len);
    size_t maxelelen = 0, totelelen = 0;
    for (uint64_t i = 0; i < len; i++) {
        sds ele = rdbLoadSds(rdb);
        double score;
        if (!ele) goto ioerr;
        int r = rdbtype == RDB_TYPE_ZSET_2 ? rdbLoadBinaryDoubleValue(rdb, &score)
                                           : rdbLoadDoubleValue(rdb, &score);
        if (r == -1) { sdsfree(ele); goto ioerr; }
        if (isnan(score)) {
            sdsfree(ele);
            decrRefCount(o);
            return rdbFail(error, NULL, "Zset with NAN score detected");
        }
        if (dictFind(zs->dict, ele) != NULL) {
            sdsfree(ele);
            decrRefCount(o);
            return rdbFail(error, NULL, "Duplicate zset fields detected");
        }
        if (sdslen(ele) > maxelelen) maxelelen = sdslen(ele);
        totelelen += sdslen(ele);
        zskiplistNode *zn = zslInsert(zs->zsl, score, ele);
        dictAdd(zs->dict, ele, &zn->score);
    }
    zsetConvertToListpackIfNeeded(o, maxelelen, totelelen);
    return o;
ioerr:
    decrRefCount(o);
    *error = 1;
    return NULL;
}

/* Listpack zset scores must parse as numbers (a later ZSCORE would
 * otherwise misread them); stock's deep check is about structure only, so
 * this is extra safety for the non-deep path as well. */
static int rdbZsetListpackScoresValid(unsigned char *lp) {
    unsigned char *p = lpFirst(lp);
    while (p && (p = lpNext(lp, p)) != NULL) {
        unsigned int slen;
        long long ll;
        unsigned char *s = lpGetValue(p, &slen, &ll);
        if (s) {
            char buf[128];
            if (slen == 0 || slen >= sizeof(buf)) return 0;
            memcpy(buf, s, slen);
            buf[slen] = '\0';
            char *end;
            double d = strtod(buf, &end);
            if (end != buf + slen || isnan(d)) return 0;
        }
        p = lpNext(lp, p);
    }
    return 1;
}

robj *rdbLoadZsetObject(rio *rdb, int rdbtype, sds key, int *error) {
    *error = 0;
    if (rdbtype == RDB_TYPE_ZSET || rdbtype == RDB_TYPE_ZSET_2)
        return rdbLoadZsetPairs(rdb, rdbtype, key, error);
    size_t len;
    unsigned char *blob = rdbLoadBlob(rdb, &len), *lp;
    if (!blob) { *error = 1; return NULL; }
    const char *msg;
    if (rdbtype == RDB_TYPE_ZSET_ZIPLIST) {
        msg = "Zset ziplist integrity check failed.";
        lp = zlToListpack(blob, len, 1);
        zfree(blob);
        if (!lp) return rdbFail(error, NULL, msg);
    } else {
        msg = "Zset listpack integrity check failed.";
        int deep = rdbDeepSanitize();
        if (deep) server.stat_dump_payload_sanitizations++;
        if (!rdbListpackSane(blob, len, deep, 1)) return rdbFail(error, blob, msg);
        lp = blob;
    }
    if (!rdbZsetListpackScoresValid(lp)) return rdbFail(error, lp, msg);
    robj *o = rdbAdoptPairListpack(lp, OBJ_ZSET, server.zset_max_listpack_entries, key, error, msg);
    if (!o) return NULL;
    if (zsetLength(o) > server.zset_max_listpack_entries) zsetConvert(o, OBJ_ENCODING_SKIPLIST);
    else o->ptr = lpShrinkToFit(o->ptr);
    return o;
}

/* ---------------------------------------------------------------------------
 * Lists
 * ------------------------------------------------------------------------ */

/* A compressed node goes out as the LZF string it already is. */
static ssize_t rdbSaveLzfNode(rio *rdb, quicklistNode *node) {
    void *data;
    size_t clen = quicklistGetLzf(node, &data);
    unsigned char hdr = (RDB_ENCVAL << 6) | RDB_ENC_LZF;
    ssize_t n, total = 0;
    if (!rioWrite(rdb, &hdr, 1)) return -1;
    total = 1;
    if ((n = rdbSaveLen(rdb, clen)) == -1) return -1;
    total += n;
    if ((n = rdbSaveLen(rdb, node->sz)) == -1) return -1;
    total += n;
    if (clen && !rioWrite(rdb, data, clen)) return -1;
    return total + (ssize_t)clen;
}

ssize_t rdbSaveListObject(rio *rdb, robj *o) {
    quicklist *ql = o->ptr;
    ssize_t n, total = rdbSaveLen(rdb, ql->len);
    if (total == -1) return -1;
    for (quicklistNode *node = ql->head; node; node = node->next) {
        if ((n = rdbSaveLen(rdb, node->container)) == -1) return -1;
        total += n;
        if (quicklistNodeIsCompressed(node)) n = rdbSaveLzfNode(rdb, node);
        else n = rdbSaveRawString(rdb, node->entry, node->sz);
        if (n == -1) return -1;
        total += n;
    }
    return total;
}

static robj *rdbNewListObject(void) {
    robj *o = createQuicklistObject();
    quicklistSetOptions(o->ptr, server.list_max_listpack_size, server.list_compress_depth);
    return o;
}

static robj *rdbLoadListElements(rio *rdb, sds key, int *error) {
    uint64_t len = rdbLoadCount(rdb);
    if (len == RDB_LENERR) { *error = 1; return NULL; }
    if (len == 0) return rdbEmptyKey(error, key);
    robj *o = rdbNewListObject();
    for (uint64_t i = 0; i < len; i++) {
        sds ele = rdbLoadSds(rdb);
        if (!ele) { decrRefCount(o); *error = 1; return NULL; }
        quicklistPushTail(o->ptr, ele, sdslen(ele));
        sdsfree(ele);
    }
    return o;
}

/* A ziplist's entries pushed one by one (nodes filled by the config). */
static int rdbPushZiplist(quicklist *ql, const unsigned char *zl, size_t len) {
    if (!rdbValidateZiplistBlob(zl, len, 1, NULL)) return 0;
    const unsigned char *p = zl + 10, *end = zl + len - 1;
    while (p < end) {
        zlValue v;
        char buf[LP_INTBUF_SIZE];
        size_t tl;
        p = zlDecode(p, &v);
        const char *t = zlText(&v, &tl, buf);
        quicklistPushTail(ql, t, tl);
    }
    return 1;
}

static robj *rdbLoadListQuicklist(rio *rdb, int rdbtype, sds key, int *error) {
    uint64_t nodes = rdbLoadCount(rdb);
    if (nodes == RDB_LENERR) { *error = 1; return NULL; }
    if (nodes == 0) return rdbEmptyKey(error, key);
    robj *o = rdbNewListObject();
    quicklist *ql = o->ptr;
    int deep = rdbDeepSanitize();
    if (deep && rdbtype == RDB_TYPE_LIST_QUICKLIST_2) server.stat_dump_payload_sanitizations++;
    for (uint64_t i = 0; i < nodes; i++) {
        uint64_t container = RDB_QUICKLIST_NODE_PACKED;
        if (rdbtype == RDB_TYPE_LIST_QUICKLIST_2) {
            container = rdbLoadLen(rdb, NULL);
            if (container == RDB_LENERR) goto ioerr;
            if (container != RDB_QUICKLIST_NODE_PLAIN && container != RDB_QUICKLIST_NODE_PACKED) {
                decrRefCount(o);
                return rdbFail(error, NULL, "Quicklist integrity check failed.");
            }
        }
        size_t len;
        unsigned char *blob = rdbLoadBlob(rdb, &len);
        if (!blob) goto ioerr;
        if (container == RDB_QUICKLIST_NODE_PLAIN) {
            quicklistAppendPlainNode(ql, blob, len);
            continue;
        }
        if (rdbtype == RDB_TYPE_LIST_QUICKLIST) {
            unsigned char *lp = zlToListpack(blob, len, 0);
            zfree(blob);
            if (!lp) {
                decrRefCount(o);
                return rdbFail(error, NULL, "Ziplist integrity check failed.");
            }
            blob = lp;
        } else if (!rdbListpackSane(blob, len, deep, 0)) {
            decrRefCount(o);
            return rdbFail(error, blob, "Listpack integrity check failed.");
        }
        if (lpLength(blob) == 0) { /* empty nodes are dropped, as stock */
            zfree(blob);
            continue;
        }
        quicklistAppendListpack(ql, blob);
    }
    if (quicklistCount(ql) == 0) { decrRefCount(o); return rdbEmptyKey(error, key); }
    quicklistSetOptions(ql, server.list_max_listpack_size, server.list_compress_depth);
    return o;
ioerr:
    decrRefCount(o);
    *error = 1;
    return NULL;
}

robj *rdbLoadListObject(rio *rdb, int rdbtype, sds key, int *error) {
    *error = 0;
    if (rdbtype == RDB_TYPE_LIST) return rdbLoadListElements(rdb, key, error);
    if (rdbtype == RDB_TYPE_LIST_ZIPLIST) {
        size_t len;
        unsigned char *blob = rdbLoadBlob(rdb, &len);
        if (!blob) { *error = 1; return NULL; }
        robj *o = rdbNewListObject();
        int ok = rdbPushZiplist(o->ptr, blob, len);
        zfree(blob);
        if (!ok) { decrRefCount(o); return rdbFail(error, NULL, "List ziplist integrity check failed."); }
        if (quicklistCount(o->ptr) == 0) { decrRefCount(o); return rdbEmptyKey(error, key); }
        return o;
    }
    return rdbLoadListQuicklist(rdb, rdbtype, key, error);
}
