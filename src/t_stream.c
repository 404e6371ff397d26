/* t_stream.c - the STREAM type: entries in listpack nodes, IDs, and the
 * commands that add, read, delete and trim entries (XADD, XRANGE,
 * XREVRANGE, XLEN, XDEL, XTRIM, XREAD, XSETID). Consumer groups live in
 * stream_cg.c, persistence and the other type hooks in stream_rdb.c; the
 * node layout is described in t_stream.h.
 */
#include "server.h"
#include "listpack.h"

#include <errno.h>

/* Nodes never grow past this, whatever stream-node-max-bytes says. */
#define STREAM_LISTPACK_MAX_SIZE (1 << 30)
#define STREAM_LISTPACK_MAX_PRE_ALLOCATE 4096

/* ---------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------ */

stream *streamNew(void) {
    stream *s = zcalloc(sizeof(*s));
    s->nodes = omapNew();
    return s;
}

static void streamFreeListpack(void *lp) { lpFree(lp); }

void freeStream(stream *s) {
    omapFree(s->nodes, streamFreeListpack);
    if (s->cgroups) omapFree(s->cgroups, streamFreeCG);
    zfree(s);
}

robj *createStreamObject(void) {
    robj *o = createObject(OBJ_STREAM, streamNew());
    o->encoding = OBJ_ENCODING_STREAM;
    return o;
}

void freeStreamObject(robj *o) { freeStream(o->ptr); }

/* ---------------------------------------------------------------------------
 * IDs
 * ------------------------------------------------------------------------ */

int streamCompareID(const streamID *a, const streamID *b) {
    if (a->ms != b->ms) return a->ms > b->ms ? 1 : -1;
    if (a->seq != b->seq) return a->seq > b->seq ? 1 : -1;
    return 0;
}

static int streamIDIsZero(const streamID *id) { return id->ms == 0 && id->seq == 0; }

void streamEncodeID(unsigned char *buf, const streamID *id) {
    for (int i = 0; i < 8; i++) {
        buf[i] = (unsigned char)(id->ms >> (56 - 8 * i));
        buf[8 + i] = (unsigned char)(id->seq >> (56 - 8 * i));
    }
}

void streamDecodeID(const unsigned char *buf, streamID *id) {
    id->ms = id->seq = 0;
    for (int i = 0; i < 8; i++) {
        id->ms = (id->ms << 8) | buf[i];
        id->seq = (id->seq << 8) | buf[8 + i];
    }
}

/* The next ID; C_ERR (ID unchanged) when id is the largest possible. */
int streamIncrID(streamID *id) {
    if (id->seq == UINT64_MAX) {
        if (id->ms == UINT64_MAX) return C_ERR;
        id->ms++;
        id->seq = 0;
    } else {
        id->seq++;
    }
    return C_OK;
}

int streamDecrID(streamID *id) {
    if (id->seq == 0) {
        if (id->ms == 0) return C_ERR;
        id->ms--;
        id->seq = UINT64_MAX;
    } else {
        id->seq--;
    }
    return C_OK;
}

/* "<ms>-<seq>" into buf (STREAM_ID_STR_LEN is always enough); its length,
 * 0 if it does not fit. Built from two ull2string calls, not snprintf: an
 * XADD formats its new ID twice (reply, propagated argument) and snprintf
 * cost about 1,200 instructions a call, a fifth of the whole command. */
int streamIDFormat(const streamID *id, char *buf, size_t len) {
    int ms = ull2string(buf, len, id->ms);
    if (ms == 0 || (size_t)ms + 2 > len) return 0;
    buf[ms] = '-';
    int seq = ull2string(buf + ms + 1, len - ms - 1, id->seq);
    return seq ? ms + 1 + seq : 0;
}

sds streamIDToSds(const streamID *id) {
    char buf[STREAM_ID_STR_LEN];
    return sdsnewlen(buf, (size_t)streamIDFormat(id, buf, sizeof(buf)));
}

void addReplyStreamID(client *c, const streamID *id) {
    addReplyBulkSds(c, streamIDToSds(id));
}

robj *createObjectFromStreamID(const streamID *id) {
    return createObject(OBJ_STRING, streamIDToSds(id));
}

/* An unsigned ID part as stock reads it: a canonical integer, or failing
 * that whatever strtoull accepts whole (leading blanks, a '+' sign). */
static int streamParseIDPart(const char *s, unsigned long long *v) {
    long long ll;
    if (string2ll(s, strlen(s), &ll)) {
        if (ll < 0) return 0;
        *v = (unsigned long long)ll;
        return 1;
    }
    char *end = NULL;
    errno = 0;
    *v = strtoull(s, &end, 10);
    if (errno == EINVAL || errno == ERANGE || !(*s != '\0' && *end == '\0')) return 0;
    return 1;
}

/* "ms-seq", "ms" (seq = missing_seq), "-", "+"; strict refuses "-"/"+".
 * With seq_given, "ms-*" is accepted and *seq_given tells which it was. */
static int streamGenericParseIDOrReply(client *c, robj *o, streamID *id, uint64_t missing_seq,
                                       int strict, int *seq_given) {
    char buf[128];
    size_t len;
    char lbuf[LONG_STR_SIZE];
    const char *src = stringObjectBuffer(o, lbuf, &len);
    if (len > sizeof(buf) - 1) goto invalid;
    memcpy(buf, src, len);
    buf[len] = '\0';
    if (strict && (buf[0] == '-' || buf[0] == '+') && buf[1] == '\0') goto invalid;
    if (seq_given) *seq_given = 1;
    if (buf[0] == '-' && buf[1] == '\0') {
        id->ms = id->seq = 0;
        return C_OK;
    }
    if (buf[0] == '+' && buf[1] == '\0') {
        id->ms = id->seq = UINT64_MAX;
        return C_OK;
    }
    char *dash = strchr(buf, '-');
    if (dash) *dash = '\0';
    unsigned long long ms, seq;
    if (!streamParseIDPart(buf, &ms)) goto invalid;
    if (dash) {
        if (seq_given && dash[1] == '*' && dash[2] == '\0') {
            seq = 0;
            *seq_given = 0;
        } else if (!streamParseIDPart(dash + 1, &seq)) {
            goto invalid;
        }
    } else {
        seq = missing_seq;
    }
    id->ms = ms;
    id->seq = seq;
    return C_OK;
invalid:
    if (c) addReplyError(c, "Invalid stream ID specified as stream command argument");
    return C_ERR;
}

int streamParseIDOrReply(client *c, robj *o, streamID *id, uint64_t missing_seq) {
    return streamGenericParseIDOrReply(c, o, id, missing_seq, 0, NULL);
}

int streamParseStrictIDOrReply(client *c, robj *o, streamID *id, uint64_t missing_seq, int *seq_given) {
    return streamGenericParseIDOrReply(c, o, id, missing_seq, 1, seq_given);
}

/* A range bound: an ID, or "(ID" for an exclusive one. */
static int streamParseIntervalIDOrReply(client *c, robj *o, streamID *id, int *exclude, uint64_t missing_seq) {
    char lbuf[LONG_STR_SIZE];
    size_t len;
    const char *p = stringObjectBuffer(o, lbuf, &len);
    *exclude = 0;
    if (len > 1 && p[0] == '(') {
        *exclude = 1;
        robj *t = createStringObject(p + 1, len - 1);
        int ret = streamParseStrictIDOrReply(c, t, id, missing_seq, NULL);
        decrRefCount(t);
        return ret;
    }
    return streamParseIDOrReply(c, o, id, missing_seq);
}

/* ---------------------------------------------------------------------------
 * Listpack node access
 * ------------------------------------------------------------------------ */

static int64_t lpInt(unsigned char *p) {
    unsigned int slen;
    long long v;
    unsigned char *s = lpGetValue(p, &slen, &v);
    if (s) {
        if (!string2ll((char *)s, slen, &v)) v = 0;
    }
    return v;
}

static unsigned char *lpSkip(unsigned char *lp, unsigned char *p, int64_t n) {
    while (n-- > 0 && p) p = lpNext(lp, p);
    return p;
}

/* The first entry (its flags) after the master entry; *mfields gets the
 * first master field and *mcount their number. */
static unsigned char *nodeFirstEntry(unsigned char *lp, unsigned char **mfields, int64_t *mcount) {
    unsigned char *p = lpFirst(lp);       /* count */
    p = lpNext(lp, p);                    /* deleted */
    p = lpNext(lp, p);                    /* num master fields */
    int64_t n = lpInt(p);
    p = lpNext(lp, p);
    if (mfields) *mfields = p;
    if (mcount) *mcount = n;
    p = lpSkip(lp, p, n);                 /* the fields */
    return lpNext(lp, p);                 /* skip the 0 terminator */
}

/* The entry after the one whose flags are at p. */
static unsigned char *nodeNextEntry(unsigned char *lp, unsigned char *p, int64_t mcount) {
    int flags = (int)lpInt(p);
    p = lpSkip(lp, p, 3);
    if (flags & STREAM_ITEM_FLAG_SAMEFIELDS) {
        p = lpSkip(lp, p, mcount);
    } else {
        int64_t nf = lpInt(p);
        p = lpSkip(lp, p, 1 + nf * 2);
    }
    return lpNext(lp, p); /* skip lp-count */
}

static void nodeEntryID(unsigned char *lp, unsigned char *p, const streamID *master, streamID *id) {
    p = lpNext(lp, p);
    id->ms = master->ms + (uint64_t)lpInt(p);
    p = lpNext(lp, p);
    id->seq = master->seq + (uint64_t)lpInt(p);
}

/* Adds delta to the master entry's count (index 0) or deleted (index 1). */
static unsigned char *nodeAddCounter(unsigned char *lp, int index, int64_t delta) {
    unsigned char *p = lpFirst(lp);
    if (index) p = lpNext(lp, p);
    return lpReplaceInteger(lp, &p, lpInt(p) + delta);
}

static streamID nodeMasterID(omapEntry *e) {
    streamID id;
    streamDecodeID(omapKey(e), &id);
    return id;
}

/* ---------------------------------------------------------------------------
 * Iteration
 * ------------------------------------------------------------------------ */

static void streamIteratorLoadNode(streamIterator *si) {
    omapEntry *e = omapAt(si->s->nodes, (size_t)si->node);
    si->lp = e->val;
    si->master = nodeMasterID(e);
    unsigned char *p = nodeFirstEntry(si->lp, &si->master_fields, &si->master_count);
    si->npos = 0;
    while (p) {
        if (si->npos == si->pos_cap) {
            si->pos_cap = si->pos_cap ? si->pos_cap * 2 : 128;
            si->pos = zrealloc(si->pos, sizeof(unsigned char *) * si->pos_cap);
        }
        si->pos[si->npos++] = p;
        p = nodeNextEntry(si->lp, p, si->master_count);
    }
    si->cur = si->rev ? si->npos - 1 : 0;
}

void streamIteratorStart(streamIterator *si, stream *s, const streamID *start, const streamID *end, int rev) {
    memset(si, 0, sizeof(*si));
    si->s = s;
    if (start) si->start = *start;
    else si->start.ms = si->start.seq = 0;
    if (end) si->end = *end;
    else si->end.ms = si->end.seq = UINT64_MAX;
    si->rev = rev;
    unsigned char key[16];
    streamEncodeID(key, rev ? &si->end : &si->start);
    long n = omapFloor(s->nodes, key, 16);
    if (!rev && n < 0) n = 0;
    si->node = n;
    si->lp = NULL;
    if (n >= 0 && (size_t)n < omapSize(s->nodes)) streamIteratorLoadNode(si);
    else si->node = -2; /* exhausted */
}

int streamIteratorGetID(streamIterator *si, streamID *id, int64_t *numfields) {
    while (si->node != -2) {
        if (si->cur < 0 || si->cur >= si->npos) {
            si->node += si->rev ? -1 : 1;
            if (si->node < 0 || (size_t)si->node >= omapSize(si->s->nodes)) {
                si->node = -2;
                return 0;
            }
            streamIteratorLoadNode(si);
            continue;
        }
        unsigned char *p = si->pos[si->cur];
        si->cur += si->rev ? -1 : 1;
        int flags = (int)lpInt(p);
        nodeEntryID(si->lp, p, &si->master, id);
        if (!si->rev) {
            if (streamCompareID(id, &si->end) > 0) { si->node = -2; return 0; }
            if (streamCompareID(id, &si->start) < 0) continue;
        } else {
            if (streamCompareID(id, &si->start) < 0) { si->node = -2; return 0; }
            if (streamCompareID(id, &si->end) > 0) continue;
        }
        if (flags & STREAM_ITEM_FLAG_DELETED) continue;
        si->flags = flags;
        p = lpSkip(si->lp, p, 3);
        if (flags & STREAM_ITEM_FLAG_SAMEFIELDS) {
            si->numfields = si->master_count;
        } else {
            si->numfields = lpInt(p);
            p = lpNext(si->lp, p);
        }
        si->fp = p;
        si->mfp = si->master_fields;
        *numfields = si->numfields;
        return 1;
    }
    return 0;
}

void streamIteratorGetField(streamIterator *si, unsigned char **field, unsigned char **value,
                            int64_t *flen, int64_t *vlen) {
    if (si->flags & STREAM_ITEM_FLAG_SAMEFIELDS) {
        *field = lpGet(si->mfp, flen, si->fbuf);
        si->mfp = lpNext(si->lp, si->mfp);
    } else {
        *field = lpGet(si->fp, flen, si->fbuf);
        si->fp = lpNext(si->lp, si->fp);
    }
    *value = lpGet(si->fp, vlen, si->vbuf);
    si->fp = lpNext(si->lp, si->fp);
}

void streamIteratorStop(streamIterator *si) {
    zfree(si->pos);
    si->pos = NULL;
}

/* ---------------------------------------------------------------------------
 * Adding, finding, deleting
 * ------------------------------------------------------------------------ */

/* The ID an auto-generated XADD gets: the current time, or one more than
 * the last ID when the clock has not moved past it. */
static void streamNextID(const streamID *last, streamID *id) {
    uint64_t ms = (uint64_t)commandTimeSnapshotMs();
    if (ms > last->ms) {
        id->ms = ms;
        id->seq = 0;
    } else {
        *id = *last;
        streamIncrID(id);
    }
}

static const char *argBuffer(robj *o, char *buf, size_t *len) {
    return stringObjectBuffer(o, buf, len);
}

/* Adds an entry with numfields field/value pairs from argv. use_id (if not
 * NULL) is the ID asked for, with its sequence to pick when !seq_given.
 * C_ERR with errno EDOM (ID not greater than the top) or ERANGE (too big). */
int streamAppendItem(stream *s, robj **argv, int64_t numfields, streamID *added_id, streamID *use_id, int seq_given) {
    streamID id;
    if (use_id) {
        if (seq_given) {
            id = *use_id;
        } else if (use_id->ms == s->last_id.ms) {
            if (s->last_id.seq == UINT64_MAX) { errno = EDOM; return C_ERR; }
            id = s->last_id;
            id.seq++;
        } else {
            id = *use_id;
        }
    } else {
        streamNextID(&s->last_id, &id);
    }
    if (streamCompareID(&id, &s->last_id) <= 0) { errno = EDOM; return C_ERR; }

    char buf[LONG_STR_SIZE];
    size_t totlen = 0, len;
    for (int64_t i = 0; i < numfields * 2; i++) {
        argBuffer(argv[i], buf, &len);
        totlen += len;
    }
    if (totlen > STREAM_LISTPACK_MAX_SIZE) { errno = ERANGE; return C_ERR; }

    /* The tail node, unless a new one has to start. */
    unsigned char *lp = NULL;
    size_t nn = omapSize(s->nodes);
    omapEntry *tail = nn ? omapAt(s->nodes, nn - 1) : NULL;
    if (tail) {
        lp = tail->val;
        size_t max_bytes = (size_t)server.stream_node_max_bytes;
        if (max_bytes == 0 || max_bytes > STREAM_LISTPACK_MAX_SIZE) max_bytes = STREAM_LISTPACK_MAX_SIZE;
        if (lpBytes(lp) + totlen >= max_bytes) {
            lp = NULL;
        } else if (server.stream_node_max_entries) {
            unsigned char *p = lpFirst(lp);
            int64_t all = lpInt(p) + lpInt(lpNext(lp, p));
            if (all >= server.stream_node_max_entries) lp = NULL;
        }
    }

    streamID master;
    unsigned char key[16];
    int flags = STREAM_ITEM_FLAG_NONE;
    if (lp == NULL) {
        /* The full tail node will not grow again: give back its
         * preallocated room. */
        if (tail) tail->val = lpShrinkToFit(tail->val);
        master = id;
        size_t prealloc = STREAM_LISTPACK_MAX_PRE_ALLOCATE;
        if (server.stream_node_max_bytes > 0 && (size_t)server.stream_node_max_bytes < prealloc)
            prealloc = (size_t)server.stream_node_max_bytes;
        lp = lpNew(prealloc);
        lp = lpAppendInteger(lp, 1); /* this entry */
        lp = lpAppendInteger(lp, 0); /* deleted */
        lp = lpAppendInteger(lp, numfields);
        for (int64_t i = 0; i < numfields; i++) {
            const char *f = argBuffer(argv[i * 2], buf, &len);
            lp = lpAppend(lp, (const unsigned char *)f, (uint32_t)len);
        }
        lp = lpAppendInteger(lp, 0);
        streamEncodeID(key, &master);
        omapInsert(s->nodes, key, 16, lp);
        tail = omapAt(s->nodes, omapSize(s->nodes) - 1);
        flags |= STREAM_ITEM_FLAG_SAMEFIELDS;
    } else {
        master = nodeMasterID(tail);
        lp = nodeAddCounter(lp, 0, 1);
        unsigned char *mf;
        int64_t mcount;
        nodeFirstEntry(lp, &mf, &mcount);
        if (mcount == numfields) {
            int same = 1;
            for (int64_t i = 0; i < numfields && same; i++) {
                const char *f = argBuffer(argv[i * 2], buf, &len);
                if (!lpCompare(mf, (const unsigned char *)f, (uint32_t)len)) same = 0;
                mf = lpNext(lp, mf);
            }
            if (same) flags |= STREAM_ITEM_FLAG_SAMEFIELDS;
        }
    }

    lp = lpAppendInteger(lp, flags);
    lp = lpAppendInteger(lp, (long long)(id.ms - master.ms));
    lp = lpAppendInteger(lp, (long long)(id.seq - master.seq));
    if (!(flags & STREAM_ITEM_FLAG_SAMEFIELDS)) lp = lpAppendInteger(lp, numfields);
    for (int64_t i = 0; i < numfields; i++) {
        if (!(flags & STREAM_ITEM_FLAG_SAMEFIELDS)) {
            const char *f = argBuffer(argv[i * 2], buf, &len);
            lp = lpAppend(lp, (const unsigned char *)f, (uint32_t)len);
        }
        const char *v = argBuffer(argv[i * 2 + 1], buf, &len);
        lp = lpAppend(lp, (const unsigned char *)v, (uint32_t)len);
    }
    /* lp-count: the entry's elements before it, so it can be walked back. */
    int64_t lpcount = numfields + 3;
    if (!(flags & STREAM_ITEM_FLAG_SAMEFIELDS)) lpcount += numfields + 1;
    lp = lpAppendInteger(lp, lpcount);
    tail->val = lp;

    s->length++;
    s->entries_added++;
    s->last_id = id;
    if (s->length == 1) s->first_id = id;
    if (added_id) *added_id = id;
    return C_OK;
}

/* Finds id's entry: its node position and the entry's flags pointer. */
static int streamFindEntry(stream *s, const streamID *id, long *node, unsigned char **entry) {
    unsigned char key[16];
    streamEncodeID(key, id);
    long n = omapFloor(s->nodes, key, 16);
    if (n < 0) return 0;
    omapEntry *e = omapAt(s->nodes, (size_t)n);
    unsigned char *lp = e->val;
    streamID master = nodeMasterID(e), cur;
    int64_t mcount;
    unsigned char *p = nodeFirstEntry(lp, NULL, &mcount);
    while (p) {
        int flags = (int)lpInt(p);
        nodeEntryID(lp, p, &master, &cur);
        int cmp = streamCompareID(&cur, id);
        if (cmp > 0) return 0;
        if (cmp == 0) {
            if (flags & STREAM_ITEM_FLAG_DELETED) return 0;
            *node = n;
            *entry = p;
            return 1;
        }
        p = nodeNextEntry(lp, p, mcount);
    }
    return 0;
}

int streamEntryExists(stream *s, const streamID *id) {
    long n;
    unsigned char *p;
    return streamFindEntry(s, id, &n, &p);
}

/* Marks the entry deleted; the node goes when its last live entry does. */
int streamDeleteItem(stream *s, const streamID *id) {
    long n;
    unsigned char *p;
    if (!streamFindEntry(s, id, &n, &p)) return 0;
    omapEntry *e = omapAt(s->nodes, (size_t)n);
    unsigned char *lp = e->val;
    int flags = (int)lpInt(p);
    unsigned char *first = lpFirst(lp);
    if (lpInt(first) == 1) {
        lpFree(lp);
        omapRemoveAt(s->nodes, (size_t)n);
    } else {
        lp = lpReplaceInteger(lp, &p, flags | STREAM_ITEM_FLAG_DELETED);
        lp = nodeAddCounter(lp, 0, -1);
        lp = nodeAddCounter(lp, 1, 1);
        e->val = lp;
    }
    s->length--;
    return 1;
}

int streamGetEdgeID(stream *s, int first, streamID *id) {
    streamIterator si;
    int64_t nf;
    streamIteratorStart(&si, s, NULL, NULL, !first);
    int found = streamIteratorGetID(&si, id, &nf);
    streamIteratorStop(&si);
    if (!found) {
        if (first) id->ms = id->seq = UINT64_MAX;
        else id->ms = id->seq = 0;
    }
    return found;
}

void streamLastValidID(stream *s, streamID *maxid) {
    streamGetEdgeID(s, 0, maxid);
}

static void streamUpdateFirstID(stream *s) {
    if (s->length == 0) s->first_id.ms = s->first_id.seq = 0;
    else streamGetEdgeID(s, 1, &s->first_id);
}

int streamRangeHasTombstones(stream *s, const streamID *start, const streamID *end) {
    if (!s->length || streamIDIsZero(&s->max_deleted_entry_id)) return 0;
    if (streamCompareID(&s->first_id, &s->max_deleted_entry_id) > 0) return 0;
    streamID lo = {0, 0}, hi = {UINT64_MAX, UINT64_MAX};
    if (start) lo = *start;
    if (end) hi = *end;
    return streamCompareID(&lo, &s->max_deleted_entry_id) <= 0 &&
           streamCompareID(&s->max_deleted_entry_id, &hi) <= 0;
}

/* How many entries were added up to id, when that can be known. */
long long streamEstimateDistanceFromFirstEverEntry(stream *s, const streamID *id) {
    if (!s->entries_added) return 0;
    if (!s->length && streamCompareID(id, &s->last_id) < 1) return (long long)s->entries_added;
    int cmp_last = streamCompareID(id, &s->last_id);
    if (cmp_last == 0) return (long long)s->entries_added;
    if (cmp_last > 0) return SCG_INVALID_ENTRIES_READ;
    int cmp_first = streamCompareID(id, &s->first_id);
    if (streamIDIsZero(&s->max_deleted_entry_id) ||
        streamCompareID(&s->max_deleted_entry_id, &s->first_id) < 0) {
        if (cmp_first < 0) return (long long)(s->entries_added - s->length);
        if (cmp_first == 0) return (long long)(s->entries_added - s->length + 1);
    }
    return SCG_INVALID_ENTRIES_READ;
}

/* ---------------------------------------------------------------------------
 * Trimming
 * ------------------------------------------------------------------------ */

#define TRIM_STRATEGY_NONE 0
#define TRIM_STRATEGY_MAXLEN 1
#define TRIM_STRATEGY_MINID 2

typedef struct streamTrimArgs {
    int strategy;
    int approx;
    long long maxlen;
    streamID minid;
    long long limit;      /* 0 = no limit */
    int arg_idx;          /* argv index of the threshold */
    int id_given, seq_given, no_mkstream;
    streamID id;
} streamTrimArgs;

/* Entries still live in a node whose last entry is below minid can go as a
 * whole; otherwise entries are marked deleted one by one unless approx. */
static int64_t streamTrim(stream *s, streamTrimArgs *a) {
    if (a->strategy == TRIM_STRATEGY_NONE) return 0;
    int64_t deleted = 0;
    while (omapSize(s->nodes)) {
        if (a->strategy == TRIM_STRATEGY_MAXLEN && s->length <= (uint64_t)a->maxlen) break;
        omapEntry *e = omapAt(s->nodes, 0);
        unsigned char *lp = e->val;
        int64_t entries = lpInt(lpFirst(lp));
        if (a->limit && deleted + entries > a->limit) break;

        streamID master = nodeMasterID(e);
        int64_t mcount;
        unsigned char *first = nodeFirstEntry(lp, NULL, &mcount);
        int whole;
        if (a->strategy == TRIM_STRATEGY_MAXLEN) {
            whole = s->length - (uint64_t)entries >= (uint64_t)a->maxlen;
        } else {
            /* The node's last entry (deleted or not) decides. */
            unsigned char *p = first, *last = first;
            while (p) { last = p; p = nodeNextEntry(lp, p, mcount); }
            streamID lastid;
            nodeEntryID(lp, last, &master, &lastid);
            whole = streamCompareID(&lastid, &a->minid) < 0;
        }
        if (whole) {
            lpFree(lp);
            omapRemoveAt(s->nodes, 0);
            s->length -= (uint64_t)entries;
            deleted += entries;
            continue;
        }
        if (a->approx) break;

        /* Mark entries deleted from the head of this node. */
        int64_t marked = 0;
        unsigned char *p = first;
        while (p) {
            streamID cur;
            nodeEntryID(lp, p, &master, &cur);
            int stop = a->strategy == TRIM_STRATEGY_MAXLEN ? s->length <= (uint64_t)a->maxlen
                                                           : streamCompareID(&cur, &a->minid) >= 0;
            if (stop) break;
            int flags = (int)lpInt(p);
            unsigned char *next = nodeNextEntry(lp, p, mcount);
            if (!(flags & STREAM_ITEM_FLAG_DELETED)) {
                size_t off = next ? (size_t)(next - lp) : 0;
                lp = lpReplaceInteger(lp, &p, flags | STREAM_ITEM_FLAG_DELETED);
                next = next ? lp + off : NULL;
                marked++;
                s->length--;
            }
            p = next;
        }
        lp = nodeAddCounter(lp, 0, -marked);
        lp = nodeAddCounter(lp, 1, marked);
        e->val = lp;
        deleted += marked;
        break;
    }
    streamUpdateFirstID(s);
    return deleted;
}

/* XADD/XTRIM options: returns the index of the ID argument (XADD) or of
 * the end of the options, -1 after replying with an error. */
static int streamParseAddOrTrimArgsOrReply(client *c, streamTrimArgs *a, int xadd) {
    int i = 2, limit_given = 0;
    memset(a, 0, sizeof(*a));
    for (; i < c->argc; i++) {
        int moreargs = (c->argc - 1) - i;
        char *opt = c->argv[i]->ptr;
        if (xadd && opt[0] == '*' && opt[1] == '\0') {
            break;
        } else if ((!strcasecmp(opt, "maxlen") || !strcasecmp(opt, "minid")) && moreargs) {
            int maxlen = !strcasecmp(opt, "maxlen");
            if (a->strategy != TRIM_STRATEGY_NONE) {
                addReplyError(c, "syntax error, MAXLEN and MINID options at the same time are not compatible");
                return -1;
            }
            a->approx = 0;
            char *next = c->argv[i + 1]->ptr;
            if (moreargs >= 2 && (next[0] == '~' || next[0] == '=') && next[1] == '\0') {
                a->approx = next[0] == '~';
                i++;
            }
            if (maxlen) {
                if (getLongLongFromObjectOrReply(c, c->argv[i + 1], &a->maxlen, NULL) != C_OK) return -1;
                if (a->maxlen < 0) {
                    addReplyError(c, "The MAXLEN argument must be >= 0.");
                    return -1;
                }
                a->strategy = TRIM_STRATEGY_MAXLEN;
            } else {
                if (streamParseIDOrReply(c, c->argv[i + 1], &a->minid, 0) != C_OK) return -1;
                a->strategy = TRIM_STRATEGY_MINID;
            }
            i++;
            a->arg_idx = i;
        } else if (!strcasecmp(opt, "limit") && moreargs) {
            if (getLongLongFromObjectOrReply(c, c->argv[i + 1], &a->limit, NULL) != C_OK) return -1;
            if (a->limit < 0) {
                addReplyError(c, "The LIMIT argument must be >= 0.");
                return -1;
            }
            limit_given = 1;
            i++;
        } else if (xadd && !strcasecmp(opt, "nomkstream")) {
            a->no_mkstream = 1;
        } else if (xadd) {
            if (streamParseStrictIDOrReply(c, c->argv[i], &a->id, 0, &a->seq_given) != C_OK) return -1;
            a->id_given = 1;
            break;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return -1;
        }
    }
    if (a->limit && a->strategy == TRIM_STRATEGY_NONE) {
        addReplyError(c, "syntax error, LIMIT cannot be used without specifying a trimming strategy");
        return -1;
    }
    if (!xadd && a->strategy == TRIM_STRATEGY_NONE) {
        addReplyError(c, "syntax error, XTRIM must be called with a trimming strategy");
        return -1;
    }
    if (c->flags & CLIENT_MASTER) {
        a->limit = 0;
    } else if (limit_given) {
        if (!a->approx) {
            addReplyError(c, "syntax error, LIMIT cannot be used without the special ~ option");
            return -1;
        }
    } else if (a->approx) {
        a->limit = 100 * server.stream_node_max_entries;
        if (a->limit <= 0 || a->limit > 10000) a->limit = 10000;
    } else {
        a->limit = 0;
    }
    return i;
}

/* After an approximate trim, replicas and the AOF get the exact effect:
 * "~" becomes "=" and the threshold what was actually kept. */
static void streamRewriteTrimForPropagation(client *c, stream *s, streamTrimArgs *a) {
    robj *eq = createStringObject("=", 1);
    rewriteClientCommandArgument(c, a->arg_idx - 1, eq);
    decrRefCount(eq);
    robj *arg;
    if (a->strategy == TRIM_STRATEGY_MAXLEN) arg = createStringObjectFromLongLong((long long)s->length);
    else arg = createObjectFromStreamID(&s->first_id);
    rewriteClientCommandArgument(c, a->arg_idx, arg);
    decrRefCount(arg);
}

/* ---------------------------------------------------------------------------
 * Replies
 * ------------------------------------------------------------------------ */

void streamReplyEntry(client *c, streamIterator *si, const streamID *id, int64_t numfields) {
    addReplyArrayLen(c, 2);
    addReplyStreamID(c, id);
    addReplyArrayLen(c, numfields * 2);
    for (int64_t i = 0; i < numfields; i++) {
        unsigned char *f, *v;
        int64_t fl, vl;
        streamIteratorGetField(si, &f, &v, &fl, &vl);
        addReplyBulkCBuffer(c, f, (size_t)fl);
        addReplyBulkCBuffer(c, v, (size_t)vl);
    }
}

size_t streamReplyRange(client *c, stream *s, const streamID *start, const streamID *end,
                        size_t count, int rev) {
    void *len = addReplyDeferredLen(c);
    streamIterator si;
    streamID id;
    int64_t nf;
    size_t n = 0;
    streamIteratorStart(&si, s, start, end, rev);
    while ((!count || n < count) && streamIteratorGetID(&si, &id, &nf)) {
        streamReplyEntry(c, &si, &id, nf);
        n++;
    }
    streamIteratorStop(&si);
    setDeferredArrayLen(c, len, (long)n);
    return n;
}

/* ---------------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------------ */

/* XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value ... */
void xaddCommand(client *c) {
    streamTrimArgs a;
    int idpos = streamParseAddOrTrimArgsOrReply(c, &a, 1);
    if (idpos < 0) return;
    int field_pos = idpos + 1;
    if ((c->argc - field_pos) < 2 || ((c->argc - field_pos) % 2) == 1) {
        addReplyErrorArity(c);
        return;
    }
    if (a.id_given && a.seq_given && a.id.ms == 0 && a.id.seq == 0) {
        addReplyError(c, "The ID specified in XADD must be greater than 0-0");
        return;
    }
    robj *o = lookupKeyWrite(c->db, c->argv[1]);
    if (checkType(c, o, OBJ_STREAM)) return;
    if (o == NULL) {
        if (a.no_mkstream) {
            addReplyNull(c);
            return;
        }
        o = createStreamObject();
        dbAdd(c->db, c->argv[1], o);
    }
    stream *s = o->ptr;
    if (s->last_id.ms == UINT64_MAX && s->last_id.seq == UINT64_MAX) {
        addReplyError(c, "The stream has exhausted the last possible ID, unable to add more items");
        return;
    }
    streamID id;
    if (streamAppendItem(s, c->argv + field_pos, (c->argc - field_pos) / 2, &id,
                         a.id_given ? &a.id : NULL, a.seq_given) == C_ERR) {
        if (errno == EDOM)
            addReplyError(c, "The ID specified in XADD is equal or smaller than the target stream top item");
        else
            addReplyError(c, "Elements are too large to be stored");
        return;
    }
    addReplyStreamID(c, &id);
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_STREAM, "xadd", c->argv[1], c->db->id);
    server.dirty++;

    if (a.strategy != TRIM_STRATEGY_NONE) {
        if (streamTrim(s, &a)) {
            notifyKeyspaceEvent(NOTIFY_STREAM, "xtrim", c->argv[1], c->db->id);
        }
        if (a.approx) streamRewriteTrimForPropagation(c, s, &a);
    }
    /* Replicas must add the very same ID. */
    if (!a.id_given || !a.seq_given) {
        robj *idarg = createObjectFromStreamID(&id);
        rewriteClientCommandArgument(c, idpos, idarg);
        decrRefCount(idarg);
    }
    signalKeyAsReady(c->db, c->argv[1], OBJ_STREAM);
}

static void xrangeGenericCommand(client *c, int rev) {
    robj *startarg = rev ? c->argv[3] : c->argv[2];
    robj *endarg = rev ? c->argv[2] : c->argv[3];
    streamID start, end;
    int startex, endex;
    long long count = -1;
    if (streamParseIntervalIDOrReply(c, startarg, &start, &startex, 0) != C_OK) return;
    if (startex && streamIncrID(&start) != C_OK) {
        addReplyError(c, "invalid start ID for the interval");
        return;
    }
    if (streamParseIntervalIDOrReply(c, endarg, &end, &endex, UINT64_MAX) != C_OK) return;
    if (endex && streamDecrID(&end) != C_OK) {
        addReplyError(c, "invalid end ID for the interval");
        return;
    }
    for (int j = 4; j < c->argc; j++) {
        int additional = c->argc - j - 1;
        if (!strcasecmp(c->argv[j]->ptr, "COUNT") && additional >= 1) {
            if (getLongLongFromObjectOrReply(c, c->argv[j + 1], &count, NULL) != C_OK) return;
            if (count < 0) count = 0;
            j++;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.emptyarray);
    if (o == NULL || checkType(c, o, OBJ_STREAM)) return;
    if (count == 0) {
        addReplyNullArray(c);
        return;
    }
    if (count == -1) count = 0;
    streamReplyRange(c, o->ptr, &start, &end, (size_t)count, rev);
}

void xrangeCommand(client *c) { xrangeGenericCommand(c, 0); }
void xrevrangeCommand(client *c) { xrangeGenericCommand(c, 1); }

void xlenCommand(client *c) {
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_STREAM)) return;
    addReplyLongLong(c, (long long)((stream *)o->ptr)->length);
}

void xdelCommand(client *c) {
    int n = c->argc - 2;
    streamID *ids = zmalloc(sizeof(streamID) * (size_t)n);
    for (int j = 0; j < n; j++) {
        if (streamParseStrictIDOrReply(c, c->argv[j + 2], &ids[j], 0, NULL) != C_OK) {
            zfree(ids);
            return;
        }
    }
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_STREAM)) {
        zfree(ids);
        return;
    }
    stream *s = o->ptr;
    int deleted = 0, first_entry = 0;
    for (int j = 0; j < n; j++) {
        if (!streamDeleteItem(s, &ids[j])) continue;
        if (streamCompareID(&ids[j], &s->first_id) == 0) first_entry = 1;
        if (streamCompareID(&ids[j], &s->max_deleted_entry_id) > 0) s->max_deleted_entry_id = ids[j];
        deleted++;
    }
    zfree(ids);
    if (deleted) {
        if (s->length == 0) s->first_id.ms = s->first_id.seq = 0;
        else if (first_entry) streamGetEdgeID(s, 1, &s->first_id);
        signalModifiedKey(c, c->db, c->argv[1]);
        notifyKeyspaceEvent(NOTIFY_STREAM, "xdel", c->argv[1], c->db->id);
        server.dirty += deleted;
    }
    addReplyLongLong(c, deleted);
}

void xtrimCommand(client *c) {
    streamTrimArgs a;
    if (streamParseAddOrTrimArgsOrReply(c, &a, 0) < 0) return;
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_STREAM)) return;
    stream *s = o->ptr;
    int64_t deleted = streamTrim(s, &a);
    if (deleted) {
        notifyKeyspaceEvent(NOTIFY_STREAM, "xtrim", c->argv[1], c->db->id);
        if (a.approx) streamRewriteTrimForPropagation(c, s, &a);
        signalModifiedKey(c, c->db, c->argv[1]);
        server.dirty += deleted;
    }
    addReplyLongLong(c, deleted);
}

void xsetidCommand(client *c) {
    streamID id, max_xdel = {0, 0};
    long long entries_added = -1;
    if (streamParseStrictIDOrReply(c, c->argv[2], &id, 0, NULL) != C_OK) return;
    for (int i = 3; i < c->argc;) {
        int moreargs = (c->argc - 1) - i;
        char *opt = c->argv[i]->ptr;
        if (!strcasecmp(opt, "ENTRIESADDED") && moreargs) {
            if (getLongLongFromObjectOrReply(c, c->argv[i + 1], &entries_added, NULL) != C_OK) return;
            if (entries_added < 0) {
                addReplyError(c, "entries_added must be positive");
                return;
            }
            i += 2;
        } else if (!strcasecmp(opt, "MAXDELETEDID") && moreargs) {
            if (streamParseStrictIDOrReply(c, c->argv[i + 1], &max_xdel, 0, NULL) != C_OK) return;
            if (streamCompareID(&id, &max_xdel) < 0) {
                addReplyError(c, "The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
                return;
            }
            i += 2;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], shared.nokeyerr);
    if (o == NULL || checkType(c, o, OBJ_STREAM)) return;
    stream *s = o->ptr;
    if (s->length > 0) {
        streamID maxid;
        streamLastValidID(s, &maxid);
        if (streamCompareID(&id, &maxid) < 0) {
            addReplyError(c, "The ID specified in XSETID is smaller than the target stream top item");
            return;
        }
        if (entries_added != -1 && s->length > (uint64_t)entries_added) {
            addReplyError(c, "The entries_added specified in XSETID is smaller than the target stream length");
            return;
        }
    }
    /* 7.0 does not compare id with the stream's own max_deleted_entry_id:
     * an id below it (with no entry above id) is accepted. */
    s->last_id = id;
    if (entries_added != -1) s->entries_added = (uint64_t)entries_added;
    if (!streamIDIsZero(&max_xdel)) s->max_deleted_entry_id = max_xdel;
    addReply(c, shared.ok);
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_STREAM, "xsetid", c->argv[1], c->db->id);
    server.dirty++;
}

/* ---------------------------------------------------------------------------
 * XREAD / XREADGROUP
 * ------------------------------------------------------------------------ */

/* Serving a client blocked in XREAD / XREADGROUP once key has new entries:
 * its argv (with "$" already resolved) says what it waits for. */
static int streamServeBlocked(client *c, robj *key, robj *o) {
    int xreadgroup = sdslen(c->argv[0]->ptr) == 10, noack = 0, streams_arg = 0;
    long long count = 0;
    robj *groupname = NULL, *consumername = NULL;
    for (int i = 1; i < c->argc; i++) {
        char *opt = c->argv[i]->ptr;
        if (!strcasecmp(opt, "BLOCK")) {
            i++;
        } else if (!strcasecmp(opt, "COUNT")) {
            getLongLongFromObject(c->argv[++i], &count);
            if (count < 0) count = 0;
        } else if (!strcasecmp(opt, "GROUP")) {
            groupname = c->argv[i + 1];
            consumername = c->argv[i + 2];
            i += 2;
        } else if (!strcasecmp(opt, "NOACK")) {
            noack = 1;
        } else if (!strcasecmp(opt, "STREAMS")) {
            streams_arg = i + 1;
            break;
        }
    }
    int nkeys = (c->argc - streams_arg) / 2, j;
    for (j = 0; j < nkeys; j++)
        if (equalStringObjects(c->argv[streams_arg + j], key)) break;
    if (j == nkeys) return 0;
    stream *s = o->ptr;
    streamID start;
    streamCG *group = NULL;
    if (xreadgroup) {
        group = streamLookupCG(s, groupname->ptr);
        if (group == NULL) {
            addReplyError(c, "-NOGROUP the consumer group this client was blocked on no longer exists");
            return 1;
        }
        if (streamCompareID(&s->last_id, &group->last_id) <= 0) return 0;
        start = group->last_id;
    } else {
        if (streamParseStrictIDOrReply(NULL, c->argv[streams_arg + nkeys + j], &start, 0, NULL) != C_OK) return 0;
        if (streamCompareID(&s->last_id, &start) <= 0) return 0;
    }
    streamIncrID(&start);
    if (c->resp == 2) {
        addReplyArrayLen(c, 1);
        addReplyArrayLen(c, 2);
    } else {
        addReplyMapLen(c, 1);
    }
    addReplyBulk(c, key);
    if (group) {
        streamConsumer *consumer = streamLookupConsumer(group, consumername->ptr);
        if (consumer == NULL) {
            consumer = streamCreateConsumer(group, consumername->ptr, key, c->db->id, 1);
            if (noack) streamPropagateConsumerCreation(c, key, groupname, consumer->name);
        }
        consumer->seen_time = commandTimeSnapshotMs();
        streamServeGroupRead(c, s, key, group, consumer, &start, count, noack, 0, groupname);
        server.dirty++;
    } else {
        streamReplyRange(c, s, &start, NULL, (size_t)count, 0);
    }
    return 1;
}

/* The key a blocked XREAD / XREADGROUP waits on was deleted or now holds
 * another type. XREAD waits on for a stream to appear there; XREADGROUP's
 * group is gone with the stream, so it fails as stock does. */
static int streamBlockedKeyLost(client *c, robj *key) {
    (void)key;
    if (sdslen(c->argv[0]->ptr) != 10) return 0; /* XREAD */
    addReplyError(c, "-UNBLOCKED the stream key no longer exists");
    return 1;
}

static const blockType streamBlockType = {"stream", OBJ_STREAM, streamServeBlocked, NULL, streamBlockedKeyLost};

/* XREAD [COUNT n] [BLOCK ms] STREAMS key ... id ...
 * XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS key ... id ... */
void xreadCommand(client *c) {
    long long timeout = -1, count = 0;
    int streams_count = 0, streams_arg = 0, noack = 0;
    int xreadgroup = sdslen(c->argv[0]->ptr) == 10;
    robj *groupname = NULL, *consumername = NULL;

    for (int i = 1; i < c->argc; i++) {
        int moreargs = c->argc - i - 1;
        char *o = c->argv[i]->ptr;
        if (!strcasecmp(o, "BLOCK") && moreargs) {
            /* Stock refuses BLOCK in scripts outright (in MULTI it answers
             * as a timeout would), before looking at its value. */
            if (c->flags & CLIENT_SCRIPT) {
                addReplyErrorFormat(c, "%s command is not allowed with BLOCK option from scripts",
                                    (char *)c->argv[0]->ptr);
                return;
            }
            i++;
            /* Milliseconds for streams (the list commands take seconds). */
            if (getLongLongFromObjectOrReply(c, c->argv[i], &timeout,
                                             "timeout is not an integer or out of range") != C_OK) return;
            if (timeout < 0) {
                addReplyError(c, "timeout is negative");
                return;
            }
        } else if (!strcasecmp(o, "COUNT") && moreargs) {
            i++;
            if (getLongLongFromObjectOrReply(c, c->argv[i], &count, NULL) != C_OK) return;
            if (count < 0) count = 0;
        } else if (!strcasecmp(o, "STREAMS") && moreargs) {
            streams_arg = i + 1;
            streams_count = c->argc - streams_arg;
            if (streams_count % 2 != 0) {
                /* 7.0 names XREAD and '$' for both commands. */
                addReplyError(c, "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
                return;
            }
            streams_count /= 2;
            break;
        } else if (!strcasecmp(o, "GROUP") && moreargs >= 2) {
            if (!xreadgroup) {
                addReplyError(c, "The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
                return;
            }
            groupname = c->argv[i + 1];
            consumername = c->argv[i + 2];
            i += 2;
        } else if (!strcasecmp(o, "NOACK")) {
            if (!xreadgroup) {
                addReplyError(c, "The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
                return;
            }
            noack = 1;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    if (streams_arg == 0) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    if (xreadgroup && groupname == NULL) {
        addReplyError(c, "Missing GROUP option for XREADGROUP");
        return;
    }

    streamID *ids = zmalloc(sizeof(streamID) * (size_t)streams_count);
    streamCG **groups = groupname ? zcalloc(sizeof(streamCG *) * (size_t)streams_count) : NULL;
    for (int i = streams_arg + streams_count; i < c->argc; i++) {
        int idx = i - streams_arg - streams_count;
        robj *key = c->argv[i - streams_count];
        robj *o = lookupKeyRead(c->db, key);
        if (checkType(c, o, OBJ_STREAM)) goto cleanup;
        if (groupname) {
            streamCG *g = o ? streamLookupCG(o->ptr, groupname->ptr) : NULL;
            if (g == NULL) {
                addReplyErrorFormat(c, "-NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with GROUP option",
                                    (char *)key->ptr, (char *)groupname->ptr);
                goto cleanup;
            }
            groups[idx] = g;
        }
        char *arg = c->argv[i]->ptr;
        if (!strcmp(arg, "$")) {
            if (xreadgroup) {
                addReplyError(c, "The $ ID is meaningless in the context of XREADGROUP: you want to read the history "
                                 "of this consumer by specifying a proper ID, or use the > ID to get new messages. "
                                 "The $ ID would just return an empty result set.");
                goto cleanup;
            }
            if (o) ids[idx] = ((stream *)o->ptr)->last_id;
            else ids[idx].ms = ids[idx].seq = 0;
            continue;
        } else if (!strcmp(arg, ">")) {
            if (!xreadgroup) {
                addReplyError(c, "The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
                                 "<consumer> option.");
                goto cleanup;
            }
            ids[idx].ms = ids[idx].seq = UINT64_MAX;
            continue;
        }
        if (streamParseStrictIDOrReply(c, c->argv[i], &ids[idx], 0, NULL) != C_OK) goto cleanup;
    }

    size_t arraylen = 0;
    void *arraylen_ptr = NULL;
    for (int i = 0; i < streams_count; i++) {
        robj *key = c->argv[streams_arg + i];
        robj *o = lookupKeyRead(c->db, key);
        if (o == NULL) continue;
        stream *s = o->ptr;
        streamID *gt = &ids[i];
        int serve = 0, history = 0;
        if (groups) {
            if (gt->ms != UINT64_MAX || gt->seq != UINT64_MAX) {
                serve = history = 1;
            } else if (s->length) {
                streamID maxid;
                streamLastValidID(s, &maxid);
                if (streamCompareID(&maxid, &groups[i]->last_id) > 0) {
                    serve = 1;
                    *gt = groups[i]->last_id;
                }
            }
        } else if (s->length) {
            streamID maxid;
            streamLastValidID(s, &maxid);
            if (streamCompareID(&maxid, gt) > 0) serve = 1;
        }
        if (!serve) continue;
        if (++arraylen == 1) arraylen_ptr = addReplyDeferredLen(c);
        streamID start = *gt;
        streamIncrID(&start);
        if (c->resp == 2) addReplyArrayLen(c, 2);
        addReplyBulk(c, key);
        if (groups) {
            streamConsumer *consumer = streamLookupConsumer(groups[i], consumername->ptr);
            if (consumer == NULL) {
                consumer = streamCreateConsumer(groups[i], consumername->ptr, key, c->db->id, 1);
                /* With NOACK no XCLAIM carries the consumer to replicas. */
                if (noack) streamPropagateConsumerCreation(c, key, groupname, consumer->name);
            }
            consumer->seen_time = commandTimeSnapshotMs();
            streamServeGroupRead(c, s, key, groups[i], consumer, &start, count, noack, history, groupname);
            server.dirty++;
        } else {
            streamReplyRange(c, s, &start, NULL, (size_t)count, 0);
        }
    }
    if (arraylen) {
        if (c->resp == 2) setDeferredArrayLen(c, arraylen_ptr, (long)arraylen);
        else setDeferredMapLen(c, arraylen_ptr, (long)arraylen);
        goto cleanup;
    }
    if (timeout != -1) {
        /* MULTI, scripts: answer as a timeout would. */
        if (clientDeniesBlocking(c)) {
            addReplyNullArray(c);
            goto cleanup;
        }
        /* "$" meant the last ID as of now: pin it in argv, which is what
         * serving reads back (the slowlog keeps the original argv). */
        for (int i = 0; i < streams_count; i++) {
            int pos = streams_arg + streams_count + i;
            if (strcmp(c->argv[pos]->ptr, "$") != 0) continue;
            robj *idarg = createObjectFromStreamID(&ids[i]);
            rewriteClientCommandArgument(c, pos, idarg);
            decrRefCount(idarg);
        }
        if (timeout > 0) {
            long long now = commandTimeSnapshotMs();
            timeout = timeout > LLONG_MAX - now ? 0 : timeout + now;
        }
        blockForKeys(c, &streamBlockType, c->argv + streams_arg, streams_count, timeout);
        goto cleanup;
    }
    addReplyNullArray(c);

cleanup:
    /* A group read reached replicas and the AOF as the XCLAIMs and XGROUP
     * SETID it propagated itself (stream_cg.c); the XREADGROUP must not
     * follow them, or a replica would read (and claim) again. */
    c->flags |= CLIENT_PREVENT_PROP_ANY;
    zfree(ids);
    zfree(groups);
}

void xreadgroupCommand(client *c) { xreadCommand(c); }

/* ---------------------------------------------------------------------------
 * XINFO STREAM's radix-tree-nodes
 * ------------------------------------------------------------------------ */

/* Stock keeps node IDs in a compressed radix tree and XINFO shows its node
 * count. For fixed-length keys that tree has one node per branching
 * point, per key end, and per chain of non-branching bytes that starts
 * the root or a branch child. */
static size_t raxNodesFrom(omap *m, size_t lo, size_t hi, int depth) {
    if (depth == 16) return 1;
    const unsigned char *a = omapKey(omapAt(m, lo)), *b = omapKey(omapAt(m, hi - 1));
    int lcp = depth;
    while (lcp < 16 && a[lcp] == b[lcp]) lcp++;
    if (lcp > depth) return 1 + (lcp == 16 ? 1 : raxNodesFrom(m, lo, hi, lcp) );
    size_t n = 1;
    size_t i = lo;
    while (i < hi) {
        size_t j = i + 1;
        unsigned char ch = omapKey(omapAt(m, i))[depth];
        while (j < hi && omapKey(omapAt(m, j))[depth] == ch) j++;
        n += raxNodesFrom(m, i, j, depth + 1);
        i = j;
    }
    return n;
}

size_t streamOmapRaxNodes(omap *m) {
    size_t n = omapSize(m);
    if (n == 0) return 1;
    return raxNodesFrom(m, 0, n, 0);
}

size_t streamRadixTreeNodes(stream *s) { return streamOmapRaxNodes(s->nodes); }
