/* stream_rdb.c - the stream type's hooks for other modules: RDB save and
 * load in Redis 7.0's RDB_TYPE_STREAM_LISTPACKS_2 layout (also reading
 * 5.0-6.2's STREAM_LISTPACKS), validation of untrusted payloads (RESTORE),
 * DEBUG DIGEST, MEMORY USAGE and the deep copy COPY makes.
 *
 * Layout: nodes (count, then per node its 16-byte master ID and listpack
 * as strings), length, last ID, [first ID, max deleted ID, entries added],
 * groups (name, last ID, [entries read], PEL of raw 16-byte IDs with
 * delivery time and count, consumers with seen time and their PEL IDs).
 */
#include "server.h"
#include "rdb.h"
#include "listpack.h"

/* ---------------------------------------------------------------------------
 * Save
 * ------------------------------------------------------------------------ */

static ssize_t rdbSaveRawBytes(rio *rdb, const void *p, size_t len) {
    return rioWrite(rdb, p, len) ? (ssize_t)len : -1;
}

#define SAVE(expr) do { ssize_t _n = (expr); if (_n == -1) return -1; total += _n; } while (0)

ssize_t rdbSaveStreamObject(rio *rdb, robj *o) {
    stream *s = o->ptr;
    ssize_t total = 0;
    SAVE(rdbSaveLen(rdb, omapSize(s->nodes)));
    for (size_t i = 0; i < omapSize(s->nodes); i++) {
        omapEntry *e = omapAt(s->nodes, i);
        unsigned char *lp = e->val;
        SAVE(rdbSaveRawString(rdb, omapKey(e), 16));
        SAVE(rdbSaveRawString(rdb, lp, lpBytes(lp)));
    }
    SAVE(rdbSaveLen(rdb, s->length));
    SAVE(rdbSaveLen(rdb, s->last_id.ms));
    SAVE(rdbSaveLen(rdb, s->last_id.seq));
    SAVE(rdbSaveLen(rdb, s->first_id.ms));
    SAVE(rdbSaveLen(rdb, s->first_id.seq));
    SAVE(rdbSaveLen(rdb, s->max_deleted_entry_id.ms));
    SAVE(rdbSaveLen(rdb, s->max_deleted_entry_id.seq));
    SAVE(rdbSaveLen(rdb, s->entries_added));
    size_t ng = s->cgroups ? omapSize(s->cgroups) : 0;
    SAVE(rdbSaveLen(rdb, ng));
    for (size_t g = 0; g < ng; g++) {
        omapEntry *ge = omapAt(s->cgroups, g);
        streamCG *cg = ge->val;
        SAVE(rdbSaveRawString(rdb, omapKey(ge), ge->klen));
        SAVE(rdbSaveLen(rdb, cg->last_id.ms));
        SAVE(rdbSaveLen(rdb, cg->last_id.seq));
        SAVE(rdbSaveLen(rdb, (uint64_t)cg->entries_read));
        SAVE(rdbSaveLen(rdb, omapSize(cg->pel)));
        for (size_t i = 0; i < omapSize(cg->pel); i++) {
            omapEntry *e = omapAt(cg->pel, i);
            streamNACK *nack = e->val;
            SAVE(rdbSaveRawBytes(rdb, omapKey(e), 16));
            SAVE(rdbSaveMillisecondTime(rdb, nack->delivery_time));
            SAVE(rdbSaveLen(rdb, nack->delivery_count));
        }
        SAVE(rdbSaveLen(rdb, omapSize(cg->consumers)));
        for (size_t k = 0; k < omapSize(cg->consumers); k++) {
            streamConsumer *sc = omapAt(cg->consumers, k)->val;
            SAVE(rdbSaveRawString(rdb, (unsigned char *)sc->name, sdslen(sc->name)));
            SAVE(rdbSaveMillisecondTime(rdb, sc->seen_time));
            SAVE(rdbSaveLen(rdb, omapSize(sc->pel)));
            for (size_t i = 0; i < omapSize(sc->pel); i++)
                SAVE(rdbSaveRawBytes(rdb, omapKey(omapAt(sc->pel, i)), 16));
        }
    }
    return total;
}

/* ---------------------------------------------------------------------------
 * Validation of a node from an untrusted source
 * ------------------------------------------------------------------------ */

/* Reads an integer entry; 0 when p is missing or not an integer. */
static int lpIntAt(unsigned char *p, int64_t *v) {
    if (p == NULL) return 0;
    unsigned int slen;
    long long ll;
    unsigned char *str = lpGetValue(p, &slen, &ll);
    if (str) return 0;
    *v = ll;
    return 1;
}

static unsigned char *lpStep(unsigned char *lp, unsigned char *p, int64_t n) {
    while (p && n-- > 0) p = lpNext(lp, p);
    return p;
}

/* The node must have the master entry and well-formed entries whose IDs
 * grow from the master's, and counters that match them. */
static int streamValidateNode(unsigned char *lp, size_t len, const streamID *master, streamID *lastid) {
    if (!lpValidateIntegrity(lp, len, 1, NULL, NULL)) return 0;
    unsigned char *p = lpFirst(lp);
    if (p == NULL) return 0; /* never saved empty: the node would be gone */
    int64_t count, deleted, mfields, v;
    if (!lpIntAt(p, &count)) return 0;
    p = lpNext(lp, p);
    if (!lpIntAt(p, &deleted)) return 0;
    p = lpNext(lp, p);
    if (!lpIntAt(p, &mfields) || mfields < 0) return 0;
    p = lpNext(lp, p);
    for (int64_t i = 0; i < mfields; i++) {
        if (p == NULL) return 0;
        p = lpNext(lp, p);
    }
    if (!lpIntAt(p, &v) || v != 0) return 0;
    p = lpNext(lp, p);
    int64_t live = 0, dead = 0;
    streamID prev = {0, 0};
    int have_prev = 0;
    while (p) {
        int64_t flags, msd, seqd, nf;
        if (!lpIntAt(p, &flags)) return 0;
        p = lpNext(lp, p);
        if (!lpIntAt(p, &msd)) return 0;
        p = lpNext(lp, p);
        if (!lpIntAt(p, &seqd)) return 0;
        p = lpNext(lp, p);
        streamID id = {master->ms + (uint64_t)msd, master->seq + (uint64_t)seqd};
        if (have_prev && streamCompareID(&id, &prev) <= 0) return 0;
        if (!have_prev && streamCompareID(&id, master) < 0) return 0;
        prev = id;
        have_prev = 1;
        int64_t elems;
        if (flags & STREAM_ITEM_FLAG_SAMEFIELDS) {
            nf = mfields;
            elems = nf;
        } else {
            if (!lpIntAt(p, &nf) || nf < 0) return 0;
            p = lpNext(lp, p);
            elems = nf * 2;
        }
        for (int64_t i = 0; i < elems; i++) {
            if (p == NULL) return 0;
            p = lpNext(lp, p);
        }
        int64_t lpcount;
        if (!lpIntAt(p, &lpcount)) return 0;
        int64_t expect = nf + 3 + ((flags & STREAM_ITEM_FLAG_SAMEFIELDS) ? 0 : nf + 1);
        if (lpcount != expect) return 0;
        p = lpNext(lp, p);
        if (flags & STREAM_ITEM_FLAG_DELETED) dead++;
        else live++;
    }
    if (live + dead == 0 || live != count || dead != deleted) return 0;
    *lastid = prev;
    (void)lpStep;
    return 1;
}

/* ---------------------------------------------------------------------------
 * Load
 * ------------------------------------------------------------------------ */

static int rdbLoadLenOrFail(rio *rdb, uint64_t *v) {
    return rdbLoadLenByRef(rdb, NULL, v) != -1;
}

robj *rdbLoadStreamObject(rio *rdb, int rdbtype, sds key, int *error) {
    (void)key;
    robj *o = createStreamObject();
    stream *s = o->ptr;
    uint64_t n, v1, v2;
    *error = 1;
    if (!rdbLoadLenOrFail(rdb, &n)) goto fail;
    streamID prev_last = {0, 0};
    for (uint64_t i = 0; i < n; i++) {
        size_t klen;
        sds nodekey = rdbGenericLoadStringObject(rdb, RDB_LOAD_SDS, &klen);
        if (nodekey == NULL) goto fail;
        if (sdslen(nodekey) != 16) {
            sdsfree(nodekey);
            rdbReportCorruptRDB("Stream node key entry is not the size of a stream ID");
            goto fail;
        }
        size_t lplen;
        unsigned char *lp = rdbLoadBlob(rdb, &lplen);
        if (lp == NULL) {
            sdsfree(nodekey);
            goto fail;
        }
        streamID master, last;
        streamDecodeID((unsigned char *)nodekey, &master);
        if (!streamValidateNode(lp, lplen, &master, &last) ||
            (i > 0 && streamCompareID(&master, &prev_last) <= 0)) {
            sdsfree(nodekey);
            zfree(lp);
            rdbReportCorruptRDB(lplen > 6 ? "Stream listpack integrity check failed." : "Empty listpack inside stream");
            goto fail;
        }
        prev_last = last;
        if (!omapInsert(s->nodes, nodekey, 16, lp)) {
            sdsfree(nodekey);
            zfree(lp);
            rdbReportCorruptRDB("Duplicated key found in RDB file");
            goto fail;
        }
        sdsfree(nodekey);
    }
    if (!rdbLoadLenOrFail(rdb, &s->length)) goto fail;
    if (!rdbLoadLenOrFail(rdb, &s->last_id.ms) || !rdbLoadLenOrFail(rdb, &s->last_id.seq)) goto fail;
    if (rdbtype >= RDB_TYPE_STREAM_LISTPACKS_2) {
        if (!rdbLoadLenOrFail(rdb, &s->first_id.ms) || !rdbLoadLenOrFail(rdb, &s->first_id.seq)) goto fail;
        if (!rdbLoadLenOrFail(rdb, &s->max_deleted_entry_id.ms) ||
            !rdbLoadLenOrFail(rdb, &s->max_deleted_entry_id.seq)) goto fail;
        if (!rdbLoadLenOrFail(rdb, &s->entries_added)) goto fail;
    } else {
        /* Older files lack the counters: what is there is all we know. */
        s->entries_added = s->length;
        if (s->length) streamGetEdgeID(s, 1, &s->first_id);
    }
    /* The counted length must be what the nodes hold. */
    uint64_t live = 0;
    for (size_t i = 0; i < omapSize(s->nodes); i++) {
        int64_t cnt = 0;
        lpIntAt(lpFirst(omapAt(s->nodes, i)->val), &cnt);
        live += (uint64_t)cnt;
    }
    if (live != s->length) {
        rdbReportCorruptRDB("Stream length inconsistent with its nodes");
        goto fail;
    }
    if (s->length) {
        streamID maxid;
        streamLastValidID(s, &maxid);
        if (streamCompareID(&maxid, &s->last_id) > 0) {
            rdbReportCorruptRDB("Stream's last ID is smaller than its top item");
            goto fail;
        }
    }

    uint64_t ngroups;
    if (!rdbLoadLenOrFail(rdb, &ngroups)) goto fail;
    for (uint64_t g = 0; g < ngroups; g++) {
        size_t namelen;
        sds name = rdbGenericLoadStringObject(rdb, RDB_LOAD_SDS, &namelen);
        if (name == NULL) goto fail;
        streamID gid;
        if (!rdbLoadLenOrFail(rdb, &v1) || !rdbLoadLenOrFail(rdb, &v2)) { sdsfree(name); goto fail; }
        gid.ms = v1;
        gid.seq = v2;
        long long entries_read;
        if (rdbtype >= RDB_TYPE_STREAM_LISTPACKS_2) {
            uint64_t er;
            if (!rdbLoadLenOrFail(rdb, &er)) { sdsfree(name); goto fail; }
            entries_read = (long long)er;
        } else {
            entries_read = streamEstimateDistanceFromFirstEverEntry(s, &gid);
        }
        streamCG *cg = streamCreateCG(s, name, sdslen(name), &gid, entries_read);
        sdsfree(name);
        if (cg == NULL) {
            rdbReportCorruptRDB("Duplicated consumer group name");
            goto fail;
        }
        uint64_t npel;
        if (!rdbLoadLenOrFail(rdb, &npel)) goto fail;
        for (uint64_t i = 0; i < npel; i++) {
            unsigned char rawid[16];
            if (!rioRead(rdb, rawid, 16)) goto fail;
            streamNACK *nack = streamCreateNACK(NULL);
            nack->delivery_time = rdbLoadMillisecondTime(rdb, RDB_VERSION);
            if (!rdbLoadLenOrFail(rdb, &nack->delivery_count) || !omapInsert(cg->pel, rawid, 16, nack)) {
                zfree(nack);
                rdbReportCorruptRDB("Duplicated global PEL entry loading stream consumer group");
                goto fail;
            }
        }
        uint64_t nconsumers;
        if (!rdbLoadLenOrFail(rdb, &nconsumers)) goto fail;
        for (uint64_t k = 0; k < nconsumers; k++) {
            size_t cnlen;
            sds cname = rdbGenericLoadStringObject(rdb, RDB_LOAD_SDS, &cnlen);
            if (cname == NULL) goto fail;
            streamConsumer *sc = streamCreateConsumer(cg, cname, NULL, 0, 0);
            sdsfree(cname);
            server.dirty--; /* creation while loading is not a change */
            if (sc == NULL) {
                rdbReportCorruptRDB("Duplicate stream consumer detected.");
                goto fail;
            }
            sc->seen_time = rdbLoadMillisecondTime(rdb, RDB_VERSION);
            uint64_t ncpel;
            if (!rdbLoadLenOrFail(rdb, &ncpel)) goto fail;
            for (uint64_t i = 0; i < ncpel; i++) {
                unsigned char rawid[16];
                if (!rioRead(rdb, rawid, 16)) goto fail;
                streamNACK *nack = omapGet(cg->pel, rawid, 16);
                if (nack == NULL || nack->consumer != NULL || !omapInsert(sc->pel, rawid, 16, nack)) {
                    rdbReportCorruptRDB("Consumer entry not found in group global PEL");
                    goto fail;
                }
                nack->consumer = sc;
            }
        }
        /* Every pending entry must belong to a consumer. */
        for (size_t i = 0; i < omapSize(cg->pel); i++) {
            if (((streamNACK *)omapAt(cg->pel, i)->val)->consumer == NULL) {
                rdbReportCorruptRDB("Stream CG PEL entry without consumer");
                goto fail;
            }
        }
    }
    *error = 0;
    return o;
fail:
    /* NACKs without a consumer are freed with the group PEL. */
    decrRefCount(o);
    return NULL;
}

/* ---------------------------------------------------------------------------
 * DEBUG DIGEST, MEMORY USAGE, COPY
 * ------------------------------------------------------------------------ */

/* As stock: each entry's "ms.seq" then its fields and values, in order;
 * groups are not part of the digest. */
void streamObjectDigest(unsigned char *digest, robj *o) {
    streamIterator si;
    streamID id;
    int64_t nf;
    streamIteratorStart(&si, o->ptr, NULL, NULL, 0);
    while (streamIteratorGetID(&si, &id, &nf)) {
        char buf[64];
        int len = snprintf(buf, sizeof(buf), "%llu.%llu", (unsigned long long)id.ms, (unsigned long long)id.seq);
        mixDigest(digest, buf, (size_t)len);
        while (nf--) {
            unsigned char *f, *v;
            int64_t fl, vl;
            streamIteratorGetField(&si, &f, &v, &fl, &vl);
            mixDigest(digest, f, (size_t)fl);
            mixDigest(digest, v, (size_t)vl);
        }
    }
    streamIteratorStop(&si);
}

/* What stock counts for one of its rax trees of IDs (its formula, which
 * ignores the rax header): 16 bytes per key, and per node a 4-byte header
 * plus a fixed 30 words of estimated overhead. */
static size_t streamIndexMemoryUsage(omap *m) {
    return omapSize(m) * sizeof(streamID) + streamOmapRaxNodes(m) * (4 + sizeof(long) * 30);
}

/* MEMORY USAGE as stock estimates it: the first `samples` nodes averaged
 * over all but the last, which is counted as it is (often preallocated);
 * groups, PELs (NACKs once) and consumers. Sizes are stock's structs. */
size_t streamObjectComputeSize(robj *o, size_t samples) {
    stream *s = o->ptr;
    const size_t stock_stream = 80, stock_cg = 40, stock_nack = 24, stock_consumer = 24;
    size_t size = sizeof(robj) + stock_stream + streamIndexMemoryUsage(s->nodes);
    size_t nn = omapSize(s->nodes), seen = 0, lpsize = 0;
    for (; seen < nn && seen < samples; seen++) lpsize += zmalloc_size(omapAt(s->nodes, seen)->val);
    if (nn <= seen) {
        size += lpsize;
    } else {
        if (seen) lpsize /= seen;
        size += lpsize * (nn - 1);
        size += zmalloc_size(omapAt(s->nodes, nn - 1)->val);
    }
    if (s->cgroups) {
        for (size_t g = 0; g < omapSize(s->cgroups); g++) {
            streamCG *cg = omapAt(s->cgroups, g)->val;
            size += stock_cg + streamIndexMemoryUsage(cg->pel) + stock_nack * omapSize(cg->pel);
            for (size_t k = 0; k < omapSize(cg->consumers); k++) {
                streamConsumer *sc = omapAt(cg->consumers, k)->val;
                size += stock_consumer + sdslen(sc->name) + streamIndexMemoryUsage(sc->pel);
            }
        }
    }
    return size;
}

robj *streamDup(robj *o) {
    stream *s = o->ptr;
    robj *no = createStreamObject();
    stream *d = no->ptr;
    for (size_t i = 0; i < omapSize(s->nodes); i++) {
        omapEntry *e = omapAt(s->nodes, i);
        size_t len = lpBytes(e->val);
        unsigned char *lp = zmalloc(len);
        memcpy(lp, e->val, len);
        omapInsert(d->nodes, omapKey(e), 16, lp);
    }
    d->length = s->length;
    d->last_id = s->last_id;
    d->first_id = s->first_id;
    d->max_deleted_entry_id = s->max_deleted_entry_id;
    d->entries_added = s->entries_added;
    if (s->cgroups == NULL) return no;
    for (size_t g = 0; g < omapSize(s->cgroups); g++) {
        omapEntry *ge = omapAt(s->cgroups, g);
        streamCG *cg = ge->val;
        streamCG *ncg = streamCreateCG(d, (const char *)omapKey(ge), ge->klen, &cg->last_id, cg->entries_read);
        for (size_t i = 0; i < omapSize(cg->pel); i++) {
            omapEntry *e = omapAt(cg->pel, i);
            streamNACK *nack = e->val, *nn = streamCreateNACK(NULL);
            nn->delivery_time = nack->delivery_time;
            nn->delivery_count = nack->delivery_count;
            omapInsert(ncg->pel, omapKey(e), 16, nn);
        }
        for (size_t k = 0; k < omapSize(cg->consumers); k++) {
            streamConsumer *sc = omapAt(cg->consumers, k)->val;
            streamConsumer *nsc = streamCreateConsumer(ncg, sc->name, NULL, 0, 0);
            server.dirty--;
            nsc->seen_time = sc->seen_time;
            for (size_t i = 0; i < omapSize(sc->pel); i++) {
                const unsigned char *k16 = omapKey(omapAt(sc->pel, i));
                streamNACK *nn = omapGet(ncg->pel, k16, 16);
                nn->consumer = nsc;
                omapInsert(nsc->pel, k16, 16, nn);
            }
        }
    }
    return no;
}
