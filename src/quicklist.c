/* quicklist.c - linked list of listpack nodes (see quicklist.h).
 *
 * Invariants: ql->count is the sum of node counts; no node is empty; a
 * plain node holds exactly one element. Compression: every node a reader
 * or writer touches is first made raw ("used", marked for recompression);
 * after a change qlCompressAround() re-establishes "the `compress` nodes at
 * each end are raw, the rest compressed" by walking only the end zones, so
 * pushes and pops stay O(depth) however long the list is.
 */
#include <string.h>
#include <stdio.h>

#include "quicklist.h"
#include "listpack.h"
#include "lzf.h"
#include "zmalloc.h"

#define QL_MIN_COMPRESS_BYTES 48   /* smaller nodes are not worth it */
#define QL_MIN_COMPRESS_IMPROVE 8  /* compression must save this much */
#define QL_SIZE_SAFETY_LIMIT 8192  /* count-limited nodes stay under this */
#define QL_SIZE_ESTIMATE_OVERHEAD 8
#define QL_DEFAULT_PACKED_THRESHOLD ((size_t)1 << 30)

/* Byte limits for fill -1..-5. */
static const size_t ql_size_limits[] = {4096, 8192, 16384, 32768, 65536};

static size_t packed_threshold = QL_DEFAULT_PACKED_THRESHOLD;

int quicklistSetPackedThreshold(size_t sz) {
    if (sz > ((size_t)1 << 32) - ((size_t)1 << 20)) return 0;
    packed_threshold = sz ? sz : QL_DEFAULT_PACKED_THRESHOLD;
    return 1;
}

static int qlIsLarge(size_t sz) {
    return sz >= packed_threshold;
}

#define QL_IS_PLAIN(n) ((n)->container == QUICKLIST_NODE_CONTAINER_PLAIN)

/* ---------------------------------------------------------------------------
 * Nodes and compression
 * ------------------------------------------------------------------------- */

static quicklistNode *qlNodeCreate(void) {
    quicklistNode *n = zmalloc(sizeof(*n));
    n->prev = n->next = NULL;
    n->entry = NULL;
    n->sz = 0;
    n->count = 0;
    n->encoding = QUICKLIST_NODE_ENCODING_RAW;
    n->container = QUICKLIST_NODE_CONTAINER_PACKED;
    n->recompress = 0;
    n->attempted_compress = 0;
    return n;
}

static void qlNodeUpdateSz(quicklistNode *n) {
    if (!QL_IS_PLAIN(n)) n->sz = lpBytes(n->entry);
}

int quicklistNodeIsCompressed(const quicklistNode *node) {
    return node->encoding == QUICKLIST_NODE_ENCODING_LZF;
}

size_t quicklistGetLzf(const quicklistNode *node, void **data) {
    quicklistLZF *lzf = (quicklistLZF *)node->entry;
    *data = lzf->compressed;
    return lzf->sz;
}

/* Compress a raw node in place; 0 if too small or it did not shrink. */
static int qlCompressNode(quicklistNode *n) {
    if (n->encoding != QUICKLIST_NODE_ENCODING_RAW) return 1;
    n->recompress = 0;
    if (n->sz < QL_MIN_COMPRESS_BYTES) return 0;
    quicklistLZF *lzf = zmalloc(sizeof(*lzf) + n->sz);
    size_t clen = lzf_compress(n->entry, (unsigned int)n->sz, lzf->compressed,
                               (unsigned int)n->sz);
    if (clen == 0 || clen + QL_MIN_COMPRESS_IMPROVE >= n->sz) {
        zfree(lzf);
        n->attempted_compress = 1;
        return 0;
    }
    lzf->sz = clen;
    lzf = zrealloc(lzf, sizeof(*lzf) + clen);
    zfree(n->entry);
    n->entry = (unsigned char *)lzf;
    n->encoding = QUICKLIST_NODE_ENCODING_LZF;
    return 1;
}

static void qlDecompressNode(quicklistNode *n) {
    if (n->encoding != QUICKLIST_NODE_ENCODING_LZF) return;
    quicklistLZF *lzf = (quicklistLZF *)n->entry;
    unsigned char *raw = zmalloc(n->sz);
    lzf_decompress(lzf->compressed, (unsigned int)lzf->sz, raw, (unsigned int)n->sz);
    zfree(lzf);
    n->entry = raw;
    n->encoding = QUICKLIST_NODE_ENCODING_RAW;
}

/* Make a node raw for a moment; qlRecompress() undoes it. */
static void qlUse(quicklistNode *n) {
    if (n->encoding == QUICKLIST_NODE_ENCODING_LZF) {
        qlDecompressNode(n);
        n->recompress = 1;
    }
}

static void qlRecompress(quicklistNode *n) {
    if (n && n->recompress) qlCompressNode(n);
}

/* Restore the depth rule around a change at `node` (may be NULL): raw
 * nodes at both ends, and the first node past each zone compressed (it may
 * just have moved inward), and `node` itself if it is in the middle. */
static void qlCompressAround(quicklist *ql, quicklistNode *node) {
    if (ql->compress == 0 || ql->len < ql->compress * 2) return;
    quicklistNode *fwd = ql->head, *rev = ql->tail;
    int in_zone = 0;
    for (unsigned int i = 0; i < ql->compress; i++) {
        qlDecompressNode(fwd);
        fwd->recompress = 0;
        qlDecompressNode(rev);
        rev->recompress = 0;
        if (fwd == node || rev == node) in_zone = 1;
        if (fwd == rev || fwd->next == rev) return; /* zones cover everything */
        fwd = fwd->next;
        rev = rev->prev;
    }
    if (node && !in_zone) qlCompressNode(node);
    qlCompressNode(fwd);
    qlCompressNode(rev);
}

/* Link n next to old (after it, or before it), or as the only node. */
static void qlLinkNode(quicklist *ql, quicklistNode *old, quicklistNode *n, int after) {
    if (!old) {
        ql->head = ql->tail = n;
    } else if (after) {
        n->prev = old;
        n->next = old->next;
        if (old->next) old->next->prev = n;
        old->next = n;
        if (ql->tail == old) ql->tail = n;
    } else {
        n->next = old;
        n->prev = old->prev;
        if (old->prev) old->prev->next = n;
        old->prev = n;
        if (ql->head == old) ql->head = n;
    }
    ql->len++;
    if (old) qlCompressAround(ql, old);
    qlCompressAround(ql, n);
}

static void qlUnlinkNode(quicklist *ql, quicklistNode *n) {
    if (n->prev) n->prev->next = n->next;
    if (n->next) n->next->prev = n->prev;
    if (ql->head == n) ql->head = n->next;
    if (ql->tail == n) ql->tail = n->prev;
    ql->len--;
    ql->count -= n->count;
    zfree(n->entry);
    zfree(n);
    qlCompressAround(ql, NULL);
}

/* Would one more element of sz bytes fit in node under `fill`? */
static int qlAllowInsert(const quicklistNode *n, int fill, size_t sz) {
    if (!n || QL_IS_PLAIN(n) || qlIsLarge(sz)) return 0;
    size_t new_sz = n->sz + sz + QL_SIZE_ESTIMATE_OVERHEAD;
    if (fill < 0) {
        size_t level = (size_t)(-(long)fill) - 1;
        if (level < sizeof(ql_size_limits) / sizeof(ql_size_limits[0]))
            return new_sz <= ql_size_limits[level];
    }
    if (new_sz > QL_SIZE_SAFETY_LIMIT) return 0;
    return (long)n->count < (long)fill;
}

/* Could a and b become one node under `fill`? (7.0's estimate: the merged
 * size minus one header and terminator, counted generously.) */
static int qlAllowMerge(const quicklistNode *a, const quicklistNode *b, int fill) {
    if (!a || !b || QL_IS_PLAIN(a) || QL_IS_PLAIN(b)) return 0;
    size_t merge_sz = a->sz + b->sz - 11;
    if (fill < 0) {
        size_t level = (size_t)(-(long)fill) - 1;
        if (level < sizeof(ql_size_limits) / sizeof(ql_size_limits[0]) &&
            merge_sz <= ql_size_limits[level]) return 1;
    }
    if (merge_sz > QL_SIZE_SAFETY_LIMIT) return 0;
    return (long)(a->count + b->count) <= (long)fill;
}

/* Append b's elements to a (neighbours, a first) and drop b. */
static quicklistNode *qlMergeInto(quicklist *ql, quicklistNode *a, quicklistNode *b) {
    qlDecompressNode(a);
    qlDecompressNode(b);
    unsigned char *lb = b->entry;
    b->entry = NULL;
    a->entry = lpMerge(&a->entry, &lb);
    a->count = (unsigned int)lpLength(a->entry);
    qlNodeUpdateSz(a);
    a->recompress = 0;
    b->count = 0;
    /* Unlink b without touching the element count (its elements moved). */
    if (b->prev) b->prev->next = b->next;
    if (b->next) b->next->prev = b->prev;
    if (ql->tail == b) ql->tail = b->prev;
    if (ql->head == b) ql->head = b->next;
    ql->len--;
    zfree(b);
    qlCompressAround(ql, a);
    return a;
}

/* After a split, fold small neighbours around center back together, in
 * the order 7.0 tries them. */
static void qlMergeAround(quicklist *ql, quicklistNode *center) {
    quicklistNode *prev = center->prev, *next = center->next;
    quicklistNode *prev_prev = prev ? prev->prev : NULL;
    quicklistNode *next_next = next ? next->next : NULL;
    if (qlAllowMerge(prev, prev_prev, ql->fill)) qlMergeInto(ql, prev_prev, prev);
    if (qlAllowMerge(next, next_next, ql->fill)) qlMergeInto(ql, next, next_next);
    quicklistNode *target = center;
    if (qlAllowMerge(center, center->prev, ql->fill)) target = qlMergeInto(ql, center->prev, center);
    if (qlAllowMerge(target, target->next, ql->fill)) qlMergeInto(ql, target, target->next);
}

/* A fresh node holding one element: plain if large. */
static quicklistNode *qlNodeWith(const void *value, size_t sz) {
    quicklistNode *n = qlNodeCreate();
    if (qlIsLarge(sz)) {
        n->container = QUICKLIST_NODE_CONTAINER_PLAIN;
        n->entry = zmalloc(sz ? sz : 1);
        if (sz) memcpy(n->entry, value, sz);
        n->sz = sz;
    } else {
        n->entry = lpAppend(lpNew(0), value, (uint32_t)sz);
        qlNodeUpdateSz(n);
    }
    n->count = 1;
    return n;
}

/* ---------------------------------------------------------------------------
 * Whole lists
 * ------------------------------------------------------------------------- */

quicklist *quicklistNew(int fill, int compress) {
    quicklist *ql = zmalloc(sizeof(*ql));
    ql->head = ql->tail = NULL;
    ql->count = 0;
    ql->len = 0;
    quicklistSetOptions(ql, fill, compress);
    return ql;
}

void quicklistSetOptions(quicklist *ql, int fill, int compress) {
    ql->fill = fill;
    ql->compress = compress < 0 ? 0 : (unsigned int)compress;
}

void quicklistRelease(quicklist *ql) {
    quicklistNode *n = ql->head;
    while (n) {
        quicklistNode *next = n->next;
        zfree(n->entry);
        zfree(n);
        n = next;
    }
    zfree(ql);
}

unsigned long quicklistCount(const quicklist *ql) {
    return ql->count;
}

quicklist *quicklistDup(quicklist *orig) {
    quicklist *copy = quicklistNew(orig->fill, (int)orig->compress);
    for (quicklistNode *n = orig->head; n; n = n->next) {
        quicklistNode *c = qlNodeCreate();
        size_t bytes = n->encoding == QUICKLIST_NODE_ENCODING_LZF
            ? sizeof(quicklistLZF) + ((quicklistLZF *)n->entry)->sz : n->sz;
        c->entry = zmalloc(bytes ? bytes : 1);
        memcpy(c->entry, n->entry, bytes);
        c->sz = n->sz;
        c->count = n->count;
        c->encoding = n->encoding;
        c->container = n->container;
        c->prev = copy->tail;
        if (copy->tail) copy->tail->next = c;
        else copy->head = c;
        copy->tail = c;
        copy->len++;
        copy->count += c->count;
    }
    return copy;
}

/* ---------------------------------------------------------------------------
 * Push, pop, append nodes
 * ------------------------------------------------------------------------- */

void quicklistPushHead(quicklist *ql, const void *value, size_t sz) {
    quicklistNode *h = ql->head;
    if (qlAllowInsert(h, ql->fill, sz)) {
        qlUse(h);
        h->entry = lpPrepend(h->entry, value, (uint32_t)sz);
        h->count++;
        qlNodeUpdateSz(h);
        ql->count++;
        qlCompressAround(ql, h);
    } else {
        quicklistNode *n = qlNodeWith(value, sz);
        ql->count++;
        qlLinkNode(ql, h, n, 0);
    }
}

void quicklistPushTail(quicklist *ql, const void *value, size_t sz) {
    quicklistNode *t = ql->tail;
    if (qlAllowInsert(t, ql->fill, sz)) {
        qlUse(t);
        t->entry = lpAppend(t->entry, value, (uint32_t)sz);
        t->count++;
        qlNodeUpdateSz(t);
        ql->count++;
        qlCompressAround(ql, t);
    } else {
        quicklistNode *n = qlNodeWith(value, sz);
        ql->count++;
        qlLinkNode(ql, t, n, 1);
    }
}

void quicklistPush(quicklist *ql, const void *value, size_t sz, int where) {
    if (where == QUICKLIST_HEAD) quicklistPushHead(ql, value, sz);
    else quicklistPushTail(ql, value, sz);
}

void quicklistAppendListpack(quicklist *ql, unsigned char *lp) {
    quicklistNode *n = qlNodeCreate();
    n->entry = lp;
    n->count = (unsigned int)lpLength(lp);
    n->sz = lpBytes(lp);
    ql->count += n->count;
    qlLinkNode(ql, ql->tail, n, 1);
}

void quicklistAppendPlainNode(quicklist *ql, unsigned char *data, size_t sz) {
    quicklistNode *n = qlNodeCreate();
    n->container = QUICKLIST_NODE_CONTAINER_PLAIN;
    n->entry = data;
    n->sz = sz;
    n->count = 1;
    ql->count++;
    qlLinkNode(ql, ql->tail, n, 1);
}

/* Copy the value at p (of node n) out as quicklistPop describes. */
static void qlCopyValue(quicklistNode *n, unsigned char *p, unsigned char **data,
                        size_t *sz, long long *lval) {
    if (QL_IS_PLAIN(n)) {
        *data = zmalloc(n->sz ? n->sz : 1);
        memcpy(*data, n->entry, n->sz);
        *sz = n->sz;
        return;
    }
    unsigned int slen;
    unsigned char *s = lpGetValue(p, &slen, lval);
    if (s) {
        *data = zmalloc(slen ? slen : 1);
        memcpy(*data, s, slen);
        *sz = slen;
    } else {
        *data = NULL;
        *sz = 0;
    }
}

int quicklistPop(quicklist *ql, int where, unsigned char **data, size_t *sz, long long *lval) {
    quicklistNode *n = where == QUICKLIST_HEAD ? ql->head : ql->tail;
    if (!n) return 0;
    qlUse(n);
    unsigned char *p = QL_IS_PLAIN(n) ? n->entry
                     : (where == QUICKLIST_HEAD ? lpFirst(n->entry) : lpLast(n->entry));
    qlCopyValue(n, p, data, sz, lval);
    if (n->count == 1) {
        qlUnlinkNode(ql, n);
    } else {
        n->entry = lpDelete(n->entry, p, NULL);
        n->count--;
        ql->count--;
        qlNodeUpdateSz(n);
        qlCompressAround(ql, n);
    }
    return 1;
}

/* ---------------------------------------------------------------------------
 * Iteration
 * ------------------------------------------------------------------------- */

quicklistIter *quicklistGetIterator(quicklist *ql, int direction) {
    quicklistIter *it = zmalloc(sizeof(*it));
    it->ql = ql;
    it->direction = direction;
    it->current = direction == AL_START_HEAD_QL ? ql->head : ql->tail;
    it->offset = direction == AL_START_HEAD_QL ? 0 : -1;
    it->zi = NULL;
    return it;
}

quicklistIter *quicklistGetIteratorAtIdx(quicklist *ql, int direction, long idx) {
    unsigned long index = idx < 0 ? (unsigned long)(-(idx + 1)) : (unsigned long)idx;
    if (index >= ql->count) return NULL;
    int from_tail = idx < 0;
    /* Walk from the nearer end. */
    if (index > ql->count / 2) {
        from_tail = !from_tail;
        index = ql->count - 1 - index;
    }
    quicklistNode *n = from_tail ? ql->tail : ql->head;
    unsigned long seen = 0;
    while (seen + n->count <= index) {
        seen += n->count;
        n = from_tail ? n->prev : n->next;
    }
    long in_node = (long)(index - seen);           /* from the walk's side */
    long fwd_off = from_tail ? (long)n->count - 1 - in_node : in_node;
    quicklistIter *it = quicklistGetIterator(ql, direction);
    it->current = n;
    it->offset = direction == AL_START_HEAD_QL ? fwd_off : fwd_off - (long)n->count;
    return it;
}

void quicklistReleaseIterator(quicklistIter *it) {
    if (!it) return;
    if (it->current) qlRecompress(it->current);
    zfree(it);
}

static unsigned char *qlNodeSeek(quicklistNode *n, long offset) {
    if (QL_IS_PLAIN(n)) return (offset == 0 || offset == -1) ? n->entry : NULL;
    return lpSeek(n->entry, offset);
}

int quicklistNext(quicklistIter *it, quicklistEntry *e) {
    int fwd = it->direction == AL_START_HEAD_QL;
    while (it->current) {
        quicklistNode *n = it->current;
        if (!it->zi) {
            qlUse(n);
            it->zi = qlNodeSeek(n, it->offset);
        } else if (QL_IS_PLAIN(n)) {
            it->zi = NULL;
        } else {
            it->zi = fwd ? lpNext(n->entry, it->zi) : lpPrev(n->entry, it->zi);
            it->offset += fwd ? 1 : -1;
        }
        if (it->zi) {
            e->ql = it->ql;
            e->node = n;
            e->zi = it->zi;
            e->offset = it->offset;
            if (QL_IS_PLAIN(n)) {
                e->value = n->entry;
                e->sz = n->sz;
                e->longval = 0;
            } else {
                unsigned int slen = 0;
                e->value = lpGetValue(it->zi, &slen, &e->longval);
                e->sz = slen;
            }
            return 1;
        }
        qlRecompress(n);
        it->current = fwd ? n->next : n->prev;
        it->offset = fwd ? 0 : -1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------
 * Edits through an iterator
 * ------------------------------------------------------------------------- */

void quicklistDelEntry(quicklistIter *it, quicklistEntry *e) {
    quicklistNode *n = e->node;
    int fwd = it->direction == AL_START_HEAD_QL;
    if (n->count == 1) {
        quicklistNode *next = fwd ? n->next : n->prev;
        qlUnlinkNode(it->ql, n);
        it->current = next;
        it->offset = fwd ? 0 : -1;
    } else {
        n->entry = lpDelete(n->entry, e->zi, NULL);
        n->count--;
        it->ql->count--;
        qlNodeUpdateSz(n);
        /* The element that followed now sits at the same offset (counted
         * from the side we walk from). */
        it->offset = e->offset;
        if (fwd && it->offset >= (long)n->count) {
            qlRecompress(n);
            it->current = n->next;
            it->offset = 0;
        } else if (!fwd && -it->offset > (long)n->count) {
            qlRecompress(n);
            it->current = n->prev;
            it->offset = -1;
        }
    }
    it->zi = NULL;
}

/* Split n at pos: n keeps [0, pos) and a new node takes [pos, count), or
 * (keep_left = 0) the new node takes [0, pos) and n keeps the rest. The
 * new node is linked in its place and returned. */
static quicklistNode *qlSplitNode(quicklist *ql, quicklistNode *n, long pos, int keep_left) {
    qlUse(n);
    quicklistNode *other = qlNodeCreate();
    other->entry = zmalloc(n->sz);
    memcpy(other->entry, n->entry, n->sz);
    unsigned long count = n->count;
    unsigned char *left = keep_left ? n->entry : other->entry;
    unsigned char *right = keep_left ? other->entry : n->entry;
    left = lpDeleteRange(left, pos, count - (unsigned long)pos);
    right = lpDeleteRange(right, 0, (unsigned long)pos);
    quicklistNode *ln = keep_left ? n : other, *rn = keep_left ? other : n;
    ln->entry = left;
    ln->count = (unsigned int)pos;
    rn->entry = right;
    rn->count = (unsigned int)(count - (unsigned long)pos);
    qlNodeUpdateSz(ln);
    qlNodeUpdateSz(rn);
    qlLinkNode(ql, n, other, keep_left);
    return other;
}

/* Insert a new element before/after the element at offset `at` of node n
 * (as 7.0 does it): into n if it has room, else into the neighbour at an
 * edge, else a new node at an edge, else split n, with the new element
 * going to the split-off part, and merge small neighbours again. */
static void qlInsertAt(quicklist *ql, quicklistNode *n, long at, int after,
                       const void *value, size_t sz) {
    long pos = at + (after ? 1 : 0);
    qlUse(n);
    if (qlAllowInsert(n, ql->fill, sz)) {
        if (pos == (long)n->count) n->entry = lpAppend(n->entry, value, (uint32_t)sz);
        else n->entry = lpInsertString(n->entry, value, (uint32_t)sz,
                                       lpSeek(n->entry, pos), LP_BEFORE, NULL);
        n->count++;
        ql->count++;
        qlNodeUpdateSz(n);
        qlCompressAround(ql, n);
        return;
    }
    int at_tail = after && at == (long)n->count - 1;
    int at_head = !after && at == 0;
    if (at_tail && qlAllowInsert(n->next, ql->fill, sz)) {
        qlRecompress(n);
        qlUse(n->next);
        n->next->entry = lpPrepend(n->next->entry, value, (uint32_t)sz);
        n->next->count++;
        ql->count++;
        qlNodeUpdateSz(n->next);
        qlCompressAround(ql, n->next);
        return;
    }
    if (at_head && qlAllowInsert(n->prev, ql->fill, sz)) {
        qlRecompress(n);
        qlUse(n->prev);
        n->prev->entry = lpAppend(n->prev->entry, value, (uint32_t)sz);
        n->prev->count++;
        ql->count++;
        qlNodeUpdateSz(n->prev);
        qlCompressAround(ql, n->prev);
        return;
    }
    if (at_tail || at_head) {
        qlRecompress(n);
        ql->count++;
        qlLinkNode(ql, n, qlNodeWith(value, sz), at_tail);
        return;
    }
    quicklistNode *part = qlSplitNode(ql, n, pos, after);
    qlUse(part);
    if (after) part->entry = lpPrepend(part->entry, value, (uint32_t)sz);
    else part->entry = lpAppend(part->entry, value, (uint32_t)sz);
    part->count++;
    ql->count++;
    qlNodeUpdateSz(part);
    qlCompressAround(ql, part);
    qlMergeAround(ql, n);
}

/* Position (0-based from the node head) of e within its node. */
static long qlEntryPos(quicklistEntry *e) {
    return e->offset >= 0 ? e->offset : (long)e->node->count + e->offset;
}

static void qlInsertNear(quicklistIter *it, quicklistEntry *e, const void *data, size_t sz, int after) {
    quicklistNode *n = e->node;
    long at = qlEntryPos(e);
    long pos = at + (after ? 1 : 0);
    if (qlIsLarge(sz) && (QL_IS_PLAIN(n) || pos == 0 || pos == (long)n->count)) {
        it->ql->count++;
        qlLinkNode(it->ql, n, qlNodeWith(data, sz), after);
    } else if (qlIsLarge(sz)) {
        /* A plain node in the middle of a packed one: split around it. */
        qlSplitNode(it->ql, n, pos, 1);
        it->ql->count++;
        qlLinkNode(it->ql, n, qlNodeWith(data, sz), 1);
    } else {
        qlInsertAt(it->ql, n, at, after, data, sz);
    }
    it->zi = NULL;
    it->current = NULL; /* the iterator is done after an insert */
}

void quicklistInsertBefore(quicklistIter *it, quicklistEntry *e, const void *data, size_t sz) {
    qlInsertNear(it, e, data, sz, 0);
}

void quicklistInsertAfter(quicklistIter *it, quicklistEntry *e, const void *data, size_t sz) {
    qlInsertNear(it, e, data, sz, 1);
}

void quicklistReplaceEntry(quicklistIter *it, quicklistEntry *e, const void *data, size_t sz) {
    quicklistNode *n = e->node;
    quicklist *ql = it->ql;
    /* Like 7.0, a packed node takes the new value in place whatever its
     * size limit says; only plain-node thresholds (and the 1GB listpack
     * safety cap, so a node never nears 4GB) move it elsewhere. */
    if (!QL_IS_PLAIN(n) && !qlIsLarge(sz) && lpSafeToAdd(n->entry, sz)) {
        unsigned char *p = e->zi;
        n->entry = lpReplace(n->entry, &p, data, (uint32_t)sz);
        qlNodeUpdateSz(n);
        qlCompressAround(ql, n);
    } else if (QL_IS_PLAIN(n) && qlIsLarge(sz)) {
        zfree(n->entry);
        n->entry = zmalloc(sz ? sz : 1);
        memcpy(n->entry, data, sz);
        n->sz = sz;
        qlCompressAround(ql, n);
    } else {
        /* Does not fit in place: insert the new value after, drop the old. */
        long pos = qlEntryPos(e);
        long index = 0;
        for (quicklistNode *x = ql->head; x != n; x = x->next) index += x->count;
        index += pos;
        it->current = NULL;
        it->zi = NULL;
        quicklistDelRange(ql, index, 1);
        if (index == (long)ql->count) {
            quicklistPushTail(ql, data, sz);
        } else {
            quicklistIter *at = quicklistGetIteratorAtIdx(ql, AL_START_HEAD_QL, index);
            quicklistEntry ae;
            quicklistNext(at, &ae);
            quicklistInsertBefore(at, &ae, data, sz);
            quicklistReleaseIterator(at);
        }
    }
    it->zi = NULL;
    it->current = NULL;
}

int quicklistReplaceAtIndex(quicklist *ql, long index, const void *data, size_t sz) {
    quicklistIter *it = quicklistGetIteratorAtIdx(ql, AL_START_HEAD_QL, index);
    if (!it) return 0;
    quicklistEntry e;
    quicklistNext(it, &e);
    quicklistReplaceEntry(it, &e, data, sz);
    quicklistReleaseIterator(it);
    return 1;
}

int quicklistDelRange(quicklist *ql, long start, long count) {
    if (count <= 0) return 0;
    unsigned long from;
    if (start < 0) {
        if ((unsigned long)-(start + 1) >= ql->count) return 0;
        from = ql->count - (unsigned long)-start;
    } else {
        from = (unsigned long)start;
    }
    if (from >= ql->count) return 0;
    unsigned long left = (unsigned long)count;
    if (left > ql->count - from) left = ql->count - from;

    quicklistNode *n = ql->head;
    unsigned long seen = 0;
    while (n && seen + n->count <= from) {
        seen += n->count;
        n = n->next;
    }
    unsigned long off = from - seen;
    while (n && left) {
        quicklistNode *next = n->next;
        unsigned long here = n->count - off;
        if (here > left) here = left;
        if (off == 0 && here == n->count) {
            qlUnlinkNode(ql, n);
        } else {
            qlUse(n);
            n->entry = lpDeleteRange(n->entry, (long)off, here);
            n->count -= (unsigned int)here;
            ql->count -= here;
            qlNodeUpdateSz(n);
            qlRecompress(n);
            qlCompressAround(ql, n);
        }
        left -= here;
        off = 0;
        n = next;
    }
    return 1;
}

int quicklistCompare(quicklistEntry *e, const unsigned char *s, size_t slen) {
    if (QL_IS_PLAIN(e->node)) return e->sz == slen && memcmp(e->value, s, slen) == 0;
    return lpCompare(e->zi, s, (uint32_t)slen);
}

/* ---------------------------------------------------------------------------
 * Debugging
 * ------------------------------------------------------------------------- */

void quicklistRepr(quicklist *ql, int full) {
    int i = 0;
    printf("{count : %lu}\n", ql->count);
    printf("{len : %lu}\n", ql->len);
    printf("{fill : %d}\n", ql->fill);
    printf("{compress : %u}\n", ql->compress);
    for (quicklistNode *n = ql->head; n; n = n->next, i++) {
        printf("{quicklist node(%d)\n", i);
        printf("{container : %s, encoding: %s, size: %zu, count: %u, recompress: %d, attempted_compress: %d}\n",
               QL_IS_PLAIN(n) ? "PLAIN" : "PACKED",
               n->encoding == QUICKLIST_NODE_ENCODING_RAW ? "RAW" : "LZF",
               n->sz, n->count, n->recompress, n->attempted_compress);
        if (full && !QL_IS_PLAIN(n)) {
            int was_compressed = n->encoding == QUICKLIST_NODE_ENCODING_LZF;
            qlDecompressNode(n);
            lpRepr(n->entry);
            if (was_compressed) qlCompressNode(n);
        }
        printf("}\n");
    }
}
