/* t_zset.c - the sorted set type (both encodings) and its commands:
 *
 *   ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT
 *   ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX
 *   ZREVRANGEBYLEX ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX
 *   ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZSCAN
 *
 * (ZUNION/ZINTER/ZDIFF and friends are in zset_setops.c, the skiplist in
 * zset_skiplist.c.)
 *
 * A small sorted set is a listpack of member, score, member, score... in
 * (score, member) order; scores are stored as text (integral values within
 * +-2^62 as integers, which the listpack packs; see zzlFormatScore). It turns
 * into a skiplist + dict when it gets more than zset-max-listpack-entries
 * members or a member longer than zset-max-listpack-value bytes.
 *
 * Range commands walk a `zpos`, a position that hides the encoding: rank
 * seeks, steps forward and back, member and score reads.
 *
 * The blocking forms (BZPOPMIN, BZPOPMAX, BZMPOP) are not here yet: they
 * belong on top of the generic blocking layer (blocked.c); dbAdd already
 * signals new sorted set keys as ready for it.
 */
#include "server.h"
#include "listpack.h"
#include <math.h>

/* ===========================================================================
 * Listpack encoding helpers
 * ======================================================================== */

/* Entry bytes as a view (integers rendered into buf, LP_INTBUF_SIZE). */
static const char *zzlView(unsigned char *p, size_t *len, unsigned char *buf) {
    int64_t count;
    unsigned char *s = lpGet(p, &count, buf);
    *len = (size_t)count;
    return (const char *)s;
}

static double zzlGetScore(unsigned char *sptr) {
    unsigned int slen;
    long long lval;
    unsigned char *s = lpGetValue(sptr, &slen, &lval);
    if (s == NULL) return (double)lval;
    char buf[128];
    if (slen >= sizeof(buf)) slen = sizeof(buf) - 1;
    memcpy(buf, s, slen);
    buf[slen] = '\0';
    return strtod(buf, NULL);
}

/* memcmp order of the member at eptr against (s, len). */
static int zzlCompareMember(unsigned char *eptr, const char *s, size_t len) {
    unsigned char buf[LP_INTBUF_SIZE];
    size_t mlen;
    const char *m = zzlView(eptr, &mlen, buf);
    return zslCompareLex(m, mlen, s, len);
}

/* Member entry of ele (and its score), or NULL. */
static unsigned char *zzlFind(unsigned char *lp, sds ele, double *score) {
    unsigned char *eptr = lpFirst(lp);
    while (eptr) {
        unsigned char *sptr = lpNext(lp, eptr);
        if (lpCompare(eptr, (unsigned char *)ele, (uint32_t)sdslen(ele))) {
            if (score) *score = zzlGetScore(sptr);
            return eptr;
        }
        eptr = lpNext(lp, sptr);
    }
    return NULL;
}

/* The text a score is stored as: an integral value within +-2^62 as an
 * integer (the listpack then packs it as one), anything else the way
 * d2string prints it. As stock, so listpack bytes and ZSCAN agree. */
static int zzlFormatScore(char *buf, size_t len, double score) {
    const double limit = (double)(LLONG_MAX / 2);
    if (score >= -limit && score <= limit) {
        long long ll = (long long)score;
        if ((double)ll == score) return ll2string(buf, len, ll);
    }
    return d2string(buf, len, score);
}

/* Insert (ele, score) keeping the order. */
static unsigned char *zzlInsert(unsigned char *lp, const char *ele, size_t elen, double score) {
    char sbuf[128];
    int slen = zzlFormatScore(sbuf, sizeof(sbuf), score);
    unsigned char *eptr = lpFirst(lp);
    while (eptr) {
        unsigned char *sptr = lpNext(lp, eptr);
        double s = zzlGetScore(sptr);
        if (s > score || (s == score && zzlCompareMember(eptr, ele, elen) > 0)) break;
        eptr = lpNext(lp, sptr);
    }
    if (eptr == NULL) {
        lp = lpAppend(lp, (const unsigned char *)ele, (uint32_t)elen);
        return lpAppend(lp, (unsigned char *)sbuf, (uint32_t)slen);
    }
    unsigned char *newp;
    lp = lpInsertString(lp, (const unsigned char *)ele, (uint32_t)elen, eptr, LP_BEFORE, &newp);
    /* newp is the member just inserted: the score goes right after it. */
    return lpInsertString(lp, (unsigned char *)sbuf, (uint32_t)slen, newp, LP_AFTER, NULL);
}

/* ===========================================================================
 * The type
 * ======================================================================== */

robj *createZsetObject(void) {
    zset *zs = zmalloc(sizeof(*zs));
    zs->dict = dictCreate(&zsetDictType);
    zs->zsl = zslCreate();
    robj *o = createObject(OBJ_ZSET, zs);
    o->encoding = OBJ_ENCODING_SKIPLIST;
    return o;
}

robj *createZsetListpackObject(void) {
    robj *o = createObject(OBJ_ZSET, lpNew(0));
    o->encoding = OBJ_ENCODING_LISTPACK;
    return o;
}

/* The encoding a new set of about size_hint members, the longest of
 * value_len_hint bytes, starts with. */
robj *zsetTypeCreate(size_t size_hint, size_t value_len_hint) {
    if (size_hint <= server.zset_max_listpack_entries &&
        value_len_hint <= server.zset_max_listpack_value)
        return createZsetListpackObject();
    robj *o = createZsetObject();
    if (size_hint) dictExpand(((zset *)o->ptr)->dict, size_hint);
    return o;
}

void freeZsetObject(robj *o) {
    if (o->encoding == OBJ_ENCODING_SKIPLIST) {
        zset *zs = o->ptr;
        dictRelease(zs->dict);
        zslFree(zs->zsl);
        zfree(zs);
    } else {
        lpFree(o->ptr);
    }
}

unsigned long zsetLength(const robj *zobj) {
    if (zobj->encoding == OBJ_ENCODING_LISTPACK) return lpLength(zobj->ptr) / 2;
    return ((const zset *)zobj->ptr)->zsl->length;
}

void zsetConvert(robj *zobj, int encoding) {
    if (zobj->encoding == encoding) return;
    if (encoding == OBJ_ENCODING_SKIPLIST) {
        unsigned char *lp = zobj->ptr;
        zset *zs = zmalloc(sizeof(*zs));
        zs->dict = dictCreate(&zsetDictType);
        zs->zsl = zslCreate();
        dictExpand(zs->dict, lpLength(lp) / 2);
        unsigned char buf[LP_INTBUF_SIZE];
        for (unsigned char *eptr = lpFirst(lp); eptr; eptr = lpNext(lp, lpNext(lp, eptr))) {
            size_t len;
            const char *m = zzlView(eptr, &len, buf);
            sds ele = sdsnewlen(m, len);
            zskiplistNode *node = zslInsert(zs->zsl, zzlGetScore(lpNext(lp, eptr)), ele);
            serverAssert(dictAdd(zs->dict, ele, &node->score) == DICT_OK);
        }
        lpFree(lp);
        zobj->ptr = zs;
        zobj->encoding = OBJ_ENCODING_SKIPLIST;
        return;
    }
    serverAssert(encoding == OBJ_ENCODING_LISTPACK);
    zset *zs = zobj->ptr;
    unsigned char *lp = lpNew(0);
    char sbuf[128];
    for (zskiplistNode *n = zs->zsl->header->level[0].forward; n; n = n->level[0].forward) {
        lp = lpAppend(lp, (unsigned char *)n->ele, (uint32_t)sdslen(n->ele));
        int slen = zzlFormatScore(sbuf, sizeof(sbuf), n->score);
        lp = lpAppend(lp, (unsigned char *)sbuf, (uint32_t)slen);
    }
    dictRelease(zs->dict);
    zslFree(zs->zsl);
    zfree(zs);
    zobj->ptr = lp;
    zobj->encoding = OBJ_ENCODING_LISTPACK;
}

/* A result built as a skiplist goes back to a listpack when it is small
 * enough (the STORE variants). */
void zsetConvertToListpackIfNeeded(robj *zobj, size_t maxelelen, size_t totelelen) {
    if (zobj->encoding == OBJ_ENCODING_LISTPACK) return;
    zset *zs = zobj->ptr;
    if (zs->zsl->length <= server.zset_max_listpack_entries &&
        maxelelen <= server.zset_max_listpack_value && lpSafeToAdd(NULL, totelelen))
        zsetConvert(zobj, OBJ_ENCODING_LISTPACK);
}

robj *zsetDup(robj *o) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) {
        size_t n = lpBytes(o->ptr);
        unsigned char *copy = zmalloc(n);
        memcpy(copy, o->ptr, n);
        robj *dup = createObject(OBJ_ZSET, copy);
        dup->encoding = OBJ_ENCODING_LISTPACK;
        return dup;
    }
    robj *dup = createZsetObject();
    zset *src = o->ptr, *dst = dup->ptr;
    dictExpand(dst->dict, dictSize(src->dict));
    /* Insert from the tail: each node lands at the head, no searching. */
    for (zskiplistNode *n = src->zsl->tail; n; n = n->backward) {
        sds ele = sdsdup(n->ele);
        zskiplistNode *copy = zslInsert(dst->zsl, n->score, ele);
        dictAdd(dst->dict, ele, &copy->score);
    }
    return dup;
}

/* C_OK with *score when member is in the set. */
int zsetScore(robj *zobj, sds member, double *score) {
    if (zobj == NULL || member == NULL) return C_ERR;
    if (zobj->encoding == OBJ_ENCODING_LISTPACK)
        return zzlFind(zobj->ptr, member, score) ? C_OK : C_ERR;
    dictEntry *de = dictFind(((zset *)zobj->ptr)->dict, member);
    if (de == NULL) return C_ERR;
    *score = *(double *)dictGetVal(de);
    return C_OK;
}

/* Add or update a member following ZADD's flags (ZADD_IN_*). Returns 0
 * only when the resulting score would be NaN (out_flags ZADD_OUT_NAN);
 * otherwise 1, with out_flags telling what happened and *newscore the
 * score the member has now (for INCR). */
int zsetAdd(robj *zobj, double score, sds ele, int in_flags, int *out_flags, double *newscore) {
    int incr = in_flags & ZADD_IN_INCR, nx = in_flags & ZADD_IN_NX, xx = in_flags & ZADD_IN_XX;
    int gt = in_flags & ZADD_IN_GT, lt = in_flags & ZADD_IN_LT;
    *out_flags = 0;
    if (isnan(score)) {
        *out_flags = ZADD_OUT_NAN;
        return 0;
    }

    double curscore;
    int exists = zsetScore(zobj, ele, &curscore) == C_OK;
    if (exists) {
        if (nx) {
            *out_flags |= ZADD_OUT_NOP;
            return 1;
        }
        if (incr) {
            score += curscore;
            if (isnan(score)) {
                *out_flags |= ZADD_OUT_NAN;
                return 0;
            }
        }
        if ((lt && score >= curscore) || (gt && score <= curscore)) {
            *out_flags |= ZADD_OUT_NOP;
            return 1;
        }
        if (newscore) *newscore = score;
        if (score == curscore) return 1;
        if (zobj->encoding == OBJ_ENCODING_LISTPACK) {
            unsigned char *eptr = zzlFind(zobj->ptr, ele, NULL);
            zobj->ptr = lpDeleteRangeWithEntry(zobj->ptr, &eptr, 2);
            zobj->ptr = zzlInsert(zobj->ptr, ele, sdslen(ele), score);
        } else {
            zset *zs = zobj->ptr;
            dictEntry *de = dictFind(zs->dict, ele);
            zskiplistNode *node = zslUpdateScore(zs->zsl, curscore, dictGetKey(de), score);
            dictSetVal(zs->dict, de, &node->score);
        }
        *out_flags |= ZADD_OUT_UPDATED;
        return 1;
    }
    if (xx) {
        *out_flags |= ZADD_OUT_NOP;
        return 1;
    }
    if (zobj->encoding == OBJ_ENCODING_LISTPACK) {
        if (zsetLength(zobj) + 1 > server.zset_max_listpack_entries ||
            sdslen(ele) > server.zset_max_listpack_value ||
            !lpSafeToAdd(zobj->ptr, sdslen(ele))) {
            zsetConvert(zobj, OBJ_ENCODING_SKIPLIST);
        } else {
            zobj->ptr = zzlInsert(zobj->ptr, ele, sdslen(ele), score);
        }
    }
    if (zobj->encoding == OBJ_ENCODING_SKIPLIST) {
        zset *zs = zobj->ptr;
        sds copy = sdsdup(ele);
        zskiplistNode *node = zslInsert(zs->zsl, score, copy);
        serverAssert(dictAdd(zs->dict, copy, &node->score) == DICT_OK);
    }
    if (newscore) *newscore = score;
    *out_flags |= ZADD_OUT_ADDED;
    return 1;
}

/* 1 if ele was removed. */
int zsetDel(robj *zobj, sds ele) {
    if (zobj->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *eptr = zzlFind(zobj->ptr, ele, NULL);
        if (eptr == NULL) return 0;
        zobj->ptr = lpDeleteRangeWithEntry(zobj->ptr, &eptr, 2);
        return 1;
    }
    zset *zs = zobj->ptr;
    dictEntry *de = dictUnlink(zs->dict, ele);
    if (de == NULL) return 0;
    double score = *(double *)dictGetVal(de);
    /* The skiplist owns the sds the dict entry points to: free it last. */
    dictFreeUnlinkedEntry(zs->dict, de);
    serverAssert(zslDelete(zs->zsl, score, ele, NULL));
    if (htNeedsResize(zs->dict)) dictResize(zs->dict);
    return 1;
}

/* 0-based rank (from the top when reverse), -1 when absent. */
long zsetRank(robj *zobj, sds ele, int reverse) {
    unsigned long len = zsetLength(zobj);
    if (zobj->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *lp = zobj->ptr;
        long rank = 0;
        for (unsigned char *eptr = lpFirst(lp); eptr; eptr = lpNext(lp, lpNext(lp, eptr)), rank++) {
            if (lpCompare(eptr, (unsigned char *)ele, (uint32_t)sdslen(ele)))
                return reverse ? (long)len - rank - 1 : rank;
        }
        return -1;
    }
    zset *zs = zobj->ptr;
    dictEntry *de = dictFind(zs->dict, ele);
    if (de == NULL) return -1;
    unsigned long rank = zslGetRank(zs->zsl, *(double *)dictGetVal(de), ele);
    serverAssert(rank != 0);
    return reverse ? (long)(len - rank) : (long)(rank - 1);
}

/* ===========================================================================
 * Positions: encoding independent walks
 * ======================================================================== */

typedef struct {
    robj *zobj;
    unsigned char *eptr, *sptr;   /* listpack member/score entries */
    zskiplistNode *node;          /* skiplist node */
    unsigned char buf[LP_INTBUF_SIZE];
} zpos;

static int zposValid(const zpos *p) {
    return p->zobj->encoding == OBJ_ENCODING_LISTPACK ? p->eptr != NULL : p->node != NULL;
}

static void zposSetLp(zpos *p, unsigned char *eptr) {
    p->eptr = eptr;
    p->sptr = eptr ? lpNext(p->zobj->ptr, eptr) : NULL;
}

/* Position at 0-based rank (from the lowest score), invalid if out of range. */
static void zposAtRank(zpos *p, robj *zobj, long rank) {
    p->zobj = zobj;
    p->node = NULL;
    p->eptr = p->sptr = NULL;
    if (rank < 0 || (unsigned long)rank >= zsetLength(zobj)) return;
    if (zobj->encoding == OBJ_ENCODING_LISTPACK)
        zposSetLp(p, lpSeek(zobj->ptr, rank * 2));
    else
        p->node = zslGetElementByRank(((zset *)zobj->ptr)->zsl, (unsigned long)rank + 1);
}

static void zposNext(zpos *p) {
    if (p->zobj->encoding == OBJ_ENCODING_LISTPACK) zposSetLp(p, lpNext(p->zobj->ptr, p->sptr));
    else p->node = p->node->level[0].forward;
}

static void zposPrev(zpos *p) {
    if (p->zobj->encoding == OBJ_ENCODING_LISTPACK) {
        unsigned char *sptr = lpPrev(p->zobj->ptr, p->eptr);
        zposSetLp(p, sptr ? lpPrev(p->zobj->ptr, sptr) : NULL);
    } else {
        p->node = p->node->backward;
    }
}

static void zposStep(zpos *p, int reverse) {
    if (reverse) zposPrev(p);
    else zposNext(p);
}

static const char *zposMember(zpos *p, size_t *len) {
    if (p->zobj->encoding == OBJ_ENCODING_LISTPACK) return zzlView(p->eptr, len, p->buf);
    *len = sdslen(p->node->ele);
    return p->node->ele;
}

static double zposScore(zpos *p) {
    return p->zobj->encoding == OBJ_ENCODING_LISTPACK ? zzlGetScore(p->sptr) : p->node->score;
}

/* Member compared as an sds for the lex predicates. */
static int zposInLex(zpos *p, const zlexrangespec *r, int check_min, int check_max) {
    if (p->zobj->encoding == OBJ_ENCODING_SKIPLIST) {
        sds e = p->node->ele;
        return (!check_min || zslLexValueGteMin(e, r)) && (!check_max || zslLexValueLteMax(e, r));
    }
    size_t len;
    const char *m = zposMember(p, &len);
    sds s = sdsnewlen(m, len);
    int in = (!check_min || zslLexValueGteMin(s, r)) && (!check_max || zslLexValueLteMax(s, r));
    sdsfree(s);
    return in;
}

/* First (or, reverse, last) member with a score in range. */
static void zposFirstInScore(zpos *p, robj *zobj, const zrangespec *r, int reverse) {
    p->zobj = zobj;
    p->node = NULL;
    p->eptr = p->sptr = NULL;
    if (zobj->encoding == OBJ_ENCODING_SKIPLIST) {
        zskiplist *zsl = ((zset *)zobj->ptr)->zsl;
        p->node = reverse ? zslLastInRange(zsl, r) : zslFirstInRange(zsl, r);
        return;
    }
    unsigned char *lp = zobj->ptr;
    if (!reverse) {
        for (zposSetLp(p, lpFirst(lp)); zposValid(p); zposNext(p)) {
            double s = zposScore(p);
            if (zslValueGteMin(s, r)) {
                if (!zslValueLteMax(s, r)) p->eptr = NULL;
                return;
            }
        }
    } else {
        unsigned char *last = lpLast(lp);
        for (zposSetLp(p, last ? lpPrev(lp, last) : NULL); zposValid(p); zposPrev(p)) {
            double s = zposScore(p);
            if (zslValueLteMax(s, r)) {
                if (!zslValueGteMin(s, r)) p->eptr = NULL;
                return;
            }
        }
    }
}

/* As stock: a lex range is only searched when it is not empty, the last
 * member is >= min and the first <= max (with mixed scores the answer
 * depends on this check, not only on the members). */
static int zzlIsInLexRange(robj *zobj, const zlexrangespec *r) {
    int cmp = (r->min == r->max) ? 0 :
        (r->min == shared.minstring || r->max == shared.maxstring) ? -1 :
        (r->min == shared.maxstring || r->max == shared.minstring) ? 1 : sdscmp(r->min, r->max);
    if (cmp > 0 || (cmp == 0 && (r->minex || r->maxex))) return 0;
    unsigned long len = zsetLength(zobj);
    if (len == 0) return 0;
    zpos p;
    zposAtRank(&p, zobj, (long)len - 1);
    if (!zposInLex(&p, r, 1, 0)) return 0;
    zposAtRank(&p, zobj, 0);
    return zposInLex(&p, r, 0, 1);
}

static void zposFirstInLex(zpos *p, robj *zobj, const zlexrangespec *r, int reverse) {
    p->zobj = zobj;
    p->node = NULL;
    p->eptr = p->sptr = NULL;
    if (zobj->encoding == OBJ_ENCODING_SKIPLIST) {
        zskiplist *zsl = ((zset *)zobj->ptr)->zsl;
        p->node = reverse ? zslLastInLexRange(zsl, r) : zslFirstInLexRange(zsl, r);
        return;
    }
    unsigned char *lp = zobj->ptr;
    if (!zzlIsInLexRange(zobj, r)) return;
    if (!reverse) {
        for (zposSetLp(p, lpFirst(lp)); zposValid(p); zposNext(p)) {
            if (zposInLex(p, r, 1, 0)) {
                if (!zposInLex(p, r, 0, 1)) p->eptr = NULL;
                return;
            }
        }
    } else {
        unsigned char *last = lpLast(lp);
        for (zposSetLp(p, last ? lpPrev(lp, last) : NULL); zposValid(p); zposPrev(p)) {
            if (zposInLex(p, r, 0, 1)) {
                if (!zposInLex(p, r, 1, 0)) p->eptr = NULL;
                return;
            }
        }
    }
}

/* Still inside the range, walking in the given direction? */
static int zposInScoreEnd(zpos *p, const zrangespec *r, int reverse) {
    double s = zposScore(p);
    return reverse ? zslValueGteMin(s, r) : zslValueLteMax(s, r);
}

static int zposInLexEnd(zpos *p, const zlexrangespec *r, int reverse) {
    return reverse ? zposInLex(p, r, 1, 0) : zposInLex(p, r, 0, 1);
}

void zsetForEach(robj *zobj, void (*fn)(void *, const char *, size_t, double, unsigned long),
                 void *priv) {
    zpos p;
    unsigned long i = 0;
    for (zposAtRank(&p, zobj, 0); zposValid(&p); zposNext(&p), i++) {
        size_t len;
        const char *m = zposMember(&p, &len);
        fn(priv, m, len, zposScore(&p), i);
    }
}

void zsetForEachInScoreRange(robj *zobj, const zrangespec *range,
                             void (*fn)(void *, const char *, size_t, double), void *priv,
                             unsigned long limit, const size_t *counter) {
    zpos p;
    for (zposFirstInScore(&p, zobj, range, 0); zposValid(&p) && zposInScoreEnd(&p, range, 0);
         zposNext(&p)) {
        size_t len;
        const char *m = zposMember(&p, &len);
        fn(priv, m, len, zposScore(&p));
        if (limit && *counter >= limit) break;
    }
}

/* ===========================================================================
 * Hooks: DEBUG DIGEST, MEMORY USAGE, ZSCAN
 * ======================================================================== */

void zsetObjectDigest(unsigned char *digest, robj *o) {
    zpos p;
    char sbuf[128];
    for (zposAtRank(&p, o, 0); zposValid(&p); zposNext(&p)) {
        unsigned char eledigest[20] = {0};
        size_t len;
        const char *m = zposMember(&p, &len);
        mixDigest(eledigest, m, len);
        int slen = snprintf(sbuf, sizeof(sbuf), "%.17g", zposScore(&p));
        mixDigest(eledigest, sbuf, slen);
        xorDigest(digest, eledigest, 20);
    }
}

size_t zsetObjectComputeSize(robj *o, size_t samples) {
    if (o->encoding == OBJ_ENCODING_LISTPACK) return sizeof(*o) + zmalloc_size(o->ptr);
    zset *zs = o->ptr;
    dict *d = zs->dict;
    size_t asize = sizeof(*o) + sizeof(zset) + sizeof(zskiplist) + offsetof(dict, metadata) +
                   sizeof(dictEntry *) * dictSlots(d) + zmalloc_size(zs->zsl->header);
    size_t elesize = 0, seen = 0;
    for (zskiplistNode *n = zs->zsl->header->level[0].forward; n && seen < samples;
         n = n->level[0].forward) {
        elesize += zmalloc_size(sdsAllocPtr(n->ele)) + sizeof(dictEntry) + zmalloc_size(n);
        seen++;
    }
    if (seen) asize += (size_t)((double)elesize / seen * dictSize(d));
    return asize;
}

static robj *scoreObject(double score) {
    char buf[128];
    int len;
    if (isinf(score)) len = snprintf(buf, sizeof(buf), score > 0 ? "inf" : "-inf");
    else len = snprintf(buf, sizeof(buf), "%.17g", score);
    return createStringObject(buf, len);
}

static void zsetScanCallback(void *privdata, const dictEntry *de) {
    list *out = privdata;
    sds m = dictGetKey(de);
    listAddNodeTail(out, createStringObject(m, sdslen(m)));
    listAddNodeTail(out, scoreObject(*(double *)dictGetVal(de)));
}

/* ZSCAN step: member, score pairs. A listpack goes out whole, scores as
 * stored; dict entries show the score as %.17g (as stock). */
unsigned long zsetScanCollect(robj *o, unsigned long cursor, long count, list *out) {
    if (o->encoding == OBJ_ENCODING_SKIPLIST)
        return scanDictStep(((zset *)o->ptr)->dict, cursor, count, zsetScanCallback, out);
    unsigned char *lp = o->ptr, buf[LP_INTBUF_SIZE];
    for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p)) {
        size_t len;
        const char *s = zzlView(p, &len, buf);
        listAddNodeTail(out, createStringObject(s, len));
    }
    return 0;
}

/* ===========================================================================
 * Commands: single member
 * ======================================================================== */

static robj *zsetLookupRead(client *c, robj *key, robj *missing_reply) {
    robj *o = lookupKeyReadOrReply(c, key, missing_reply);
    if (o == NULL || checkType(c, o, OBJ_ZSET)) return NULL;
    return o;
}

/* ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...] */
static void zaddGeneric(client *c, int flags) {
    static const char *nan_err = "resulting score is not a number (NaN)";
    robj *key = c->argv[1];
    int ch = 0, scoreidx = 2;

    for (; scoreidx < c->argc; scoreidx++) {
        const char *opt = c->argv[scoreidx]->ptr;
        if (!strcasecmp(opt, "nx")) flags |= ZADD_IN_NX;
        else if (!strcasecmp(opt, "xx")) flags |= ZADD_IN_XX;
        else if (!strcasecmp(opt, "ch")) ch = 1;
        else if (!strcasecmp(opt, "incr")) flags |= ZADD_IN_INCR;
        else if (!strcasecmp(opt, "gt")) flags |= ZADD_IN_GT;
        else if (!strcasecmp(opt, "lt")) flags |= ZADD_IN_LT;
        else break;
    }
    int incr = flags & ZADD_IN_INCR, nx = flags & ZADD_IN_NX, xx = flags & ZADD_IN_XX;
    int gt = flags & ZADD_IN_GT, lt = flags & ZADD_IN_LT;

    int pairs_args = c->argc - scoreidx;
    if (pairs_args == 0 || pairs_args % 2) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    long elements = pairs_args / 2;
    if (nx && xx) {
        addReplyError(c, "XX and NX options at the same time are not compatible");
        return;
    }
    if ((gt && nx) || (lt && nx) || (gt && lt)) {
        addReplyError(c, "GT, LT, and/or NX options at the same time are not compatible");
        return;
    }
    if (incr && elements > 1) {
        addReplyError(c, "INCR option supports a single increment-element pair");
        return;
    }

    double *scores = zmalloc(sizeof(double) * elements);
    for (long j = 0; j < elements; j++) {
        if (getDoubleFromObjectOrReply(c, c->argv[scoreidx + j*2], &scores[j], NULL) != C_OK) {
            zfree(scores);
            return;
        }
    }

    robj *zobj = lookupKeyWrite(c->db, key);
    if (checkType(c, zobj, OBJ_ZSET)) {
        zfree(scores);
        return;
    }
    long added = 0, updated = 0, processed = 0;
    double score = 0;
    if (zobj == NULL) {
        if (xx) goto reply;
        robj *first = c->argv[scoreidx + 1];
        if (server.zset_max_listpack_entries == 0 ||
            server.zset_max_listpack_value < sdslen(first->ptr))
            zobj = createZsetObject();
        else
            zobj = createZsetListpackObject();
        dbAdd(c->db, key, zobj);
    }
    for (long j = 0; j < elements; j++) {
        int out;
        double newscore;
        score = scores[j];
        sds ele = c->argv[scoreidx + 1 + j*2]->ptr;
        if (!zsetAdd(zobj, score, ele, flags, &out, &newscore)) {
            addReplyError(c, nan_err);
            goto done;
        }
        if (out & ZADD_OUT_ADDED) added++;
        if (out & ZADD_OUT_UPDATED) updated++;
        if (!(out & ZADD_OUT_NOP)) processed++;
        score = newscore;
    }
    server.dirty += added + updated;
reply:
    if (incr) {
        if (processed) addReplyDouble(c, score);
        else addReplyNull(c);
    } else {
        addReplyLongLong(c, ch ? added + updated : added);
    }
done:
    if (added || updated) {
        signalModifiedKey(c, c->db, key);
        notifyKeyspaceEvent(NOTIFY_ZSET, incr ? "zincr" : "zadd", key, c->db->id);
    }
    zfree(scores);
}

void zaddCommand(client *c) { zaddGeneric(c, ZADD_IN_NONE); }
void zincrbyCommand(client *c) { zaddGeneric(c, ZADD_IN_INCR); }

/* Delete the key if the last member went; returns 1 if it did. */
static int zsetDeleteIfEmpty(client *c, robj *key, robj *zobj) {
    if (zsetLength(zobj) != 0) return 0;
    dbDelete(c->db, key);
    return 1;
}

void zremCommand(client *c) {
    robj *key = c->argv[1];
    robj *zobj = lookupKeyWriteOrReply(c, key, shared.czero);
    if (zobj == NULL || checkType(c, zobj, OBJ_ZSET)) return;
    long deleted = 0;
    int key_removed = 0;
    for (int j = 2; j < c->argc; j++) {
        if (!zsetDel(zobj, c->argv[j]->ptr)) continue;
        deleted++;
        if ((key_removed = zsetDeleteIfEmpty(c, key, zobj))) break;
    }
    if (deleted) {
        notifyKeyspaceEvent(NOTIFY_ZSET, "zrem", key, c->db->id);
        if (key_removed) notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key, c->db->id);
        signalModifiedKey(c, c->db, key);
        server.dirty += deleted;
    }
    addReplyLongLong(c, deleted);
}

void zcardCommand(client *c) {
    robj *zobj = zsetLookupRead(c, c->argv[1], shared.czero);
    if (zobj) addReplyLongLong(c, zsetLength(zobj));
}

void zscoreCommand(client *c) {
    robj *zobj = zsetLookupRead(c, c->argv[1], shared.null[c->resp]);
    if (zobj == NULL) return;
    double score;
    if (zsetScore(zobj, c->argv[2]->ptr, &score) == C_OK) addReplyDouble(c, score);
    else addReplyNull(c);
}

void zmscoreCommand(client *c) {
    robj *zobj = lookupKeyRead(c->db, c->argv[1]);
    if (checkType(c, zobj, OBJ_ZSET)) return;
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double score;
        if (zsetScore(zobj, c->argv[j]->ptr, &score) == C_OK) addReplyDouble(c, score);
        else addReplyNull(c);
    }
}

static void zrankGeneric(client *c, int reverse) {
    robj *zobj = zsetLookupRead(c, c->argv[1], shared.null[c->resp]);
    if (zobj == NULL) return;
    long rank = zsetRank(zobj, c->argv[2]->ptr, reverse);
    if (rank >= 0) addReplyLongLong(c, rank);
    else addReplyNull(c);
}

void zrankCommand(client *c) { zrankGeneric(c, 0); }
void zrevrankCommand(client *c) { zrankGeneric(c, 1); }

void zcountCommand(client *c) {
    zrangespec range;
    if (zslParseRange(c->argv[2], c->argv[3], &range) != C_OK) {
        addReplyError(c, "min or max is not a float");
        return;
    }
    robj *zobj = zsetLookupRead(c, c->argv[1], shared.czero);
    if (zobj == NULL) return;
    long count = 0;
    zpos p;
    for (zposFirstInScore(&p, zobj, &range, 0); zposValid(&p) && zposInScoreEnd(&p, &range, 0);
         zposNext(&p))
        count++;
    addReplyLongLong(c, count);
}

void zlexcountCommand(client *c) {
    zlexrangespec range;
    if (zslParseLexRange(c->argv[2], c->argv[3], &range) != C_OK) {
        addReplyError(c, "min or max not valid string range item");
        return;
    }
    robj *zobj = zsetLookupRead(c, c->argv[1], shared.czero);
    if (zobj != NULL) {
        long count = 0;
        zpos p;
        for (zposFirstInLex(&p, zobj, &range, 0); zposValid(&p) && zposInLexEnd(&p, &range, 0);
             zposNext(&p))
            count++;
        addReplyLongLong(c, count);
    }
    zslFreeLexRange(&range);
}

/* ===========================================================================
 * ZRANGE and friends
 * ======================================================================== */

#define ZRANGE_RANK 0
#define ZRANGE_SCORE 1
#define ZRANGE_LEX 2
#define ZRANGE_AUTO (-1)
#define ZRANGE_FORWARD 0
#define ZRANGE_REVERSE 1

/* Where a range goes: to the client, or into a new sorted set (STORE). */
typedef struct {
    client *c;
    int withscores;
    robj *dstkey, *dstobj;   /* ZRANGESTORE */
    void *lenslot;
    long count;
} zrangeOut;

static void zrangeOutBegin(zrangeOut *o) {
    o->count = 0;
    if (o->dstkey) o->dstobj = createZsetListpackObject();
    else o->lenslot = addReplyDeferredLen(o->c);
}

static void zrangeOutEmit(zrangeOut *o, const char *m, size_t len, double score) {
    o->count++;
    if (o->dstkey) {
        sds ele = sdsnewlen(m, len);
        int out;
        zsetAdd(o->dstobj, score, ele, ZADD_IN_NONE, &out, NULL);
        sdsfree(ele);
        return;
    }
    client *c = o->c;
    if (o->withscores && c->resp > 2) addReplyArrayLen(c, 2);
    addReplyBulkCBuffer(c, m, len);
    if (o->withscores) addReplyDouble(c, score);
}

static void zrangeOutEnd(zrangeOut *o) {
    client *c = o->c;
    if (!o->dstkey) {
        long n = (o->withscores && c->resp == 2) ? o->count * 2 : o->count;
        setDeferredArrayLen(c, o->lenslot, n);
        return;
    }
    if (o->count) {
        setKey(c, c->db, o->dstkey, o->dstobj, 0);
        addReplyLongLong(c, o->count);
        notifyKeyspaceEvent(NOTIFY_ZSET, "zrangestore", o->dstkey, c->db->id);
        server.dirty++;
    } else {
        addReply(c, shared.czero);
        if (dbDelete(c->db, o->dstkey)) {
            signalModifiedKey(c, c->db, o->dstkey);
            notifyKeyspaceEvent(NOTIFY_GENERIC, "del", o->dstkey, c->db->id);
            server.dirty++;
        }
    }
    decrRefCount(o->dstobj);
}

static void zrangeEmitPos(zrangeOut *out, zpos *p) {
    size_t len;
    const char *m = zposMember(p, &len);
    zrangeOutEmit(out, m, len, zposScore(p));
}

static void zrangeByRank(zrangeOut *out, robj *zobj, long start, long end, int reverse) {
    long llen = (long)zsetLength(zobj);
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    if (start > end || start >= llen) return;
    if (end >= llen) end = llen - 1;
    long n = end - start + 1;
    zpos p;
    zposAtRank(&p, zobj, reverse ? llen - 1 - start : start);
    for (; n > 0 && zposValid(&p); n--, zposStep(&p, reverse)) zrangeEmitPos(out, &p);
}

/* LIMIT offset count: a negative offset gives nothing, a negative count
 * means no limit. */
static void zrangeByScore(zrangeOut *out, robj *zobj, const zrangespec *r,
                          long offset, long limit, int reverse) {
    if (offset < 0 || (offset > 0 && (unsigned long)offset >= zsetLength(zobj))) return;
    zpos p;
    zposFirstInScore(&p, zobj, r, reverse);
    for (; offset > 0 && zposValid(&p) && zposInScoreEnd(&p, r, reverse); offset--)
        zposStep(&p, reverse);
    for (; limit != 0 && zposValid(&p) && zposInScoreEnd(&p, r, reverse); limit--) {
        zrangeEmitPos(out, &p);
        zposStep(&p, reverse);
    }
}

static void zrangeByLex(zrangeOut *out, robj *zobj, const zlexrangespec *r,
                        long offset, long limit, int reverse) {
    if (offset < 0 || (offset > 0 && (unsigned long)offset >= zsetLength(zobj))) return;
    zpos p;
    zposFirstInLex(&p, zobj, r, reverse);
    for (; offset > 0 && zposValid(&p) && zposInLexEnd(&p, r, reverse); offset--)
        zposStep(&p, reverse);
    for (; limit != 0 && zposValid(&p) && zposInLexEnd(&p, r, reverse); limit--) {
        zrangeEmitPos(out, &p);
        zposStep(&p, reverse);
    }
}

/* The engine of every range read. The key is argv[first], the range ends
 * follow; options after them. rangetype/direction are fixed by the legacy
 * commands and ZRANGE_AUTO for ZRANGE/ZRANGESTORE, which take them as
 * options. */
static void zrangeGeneric(client *c, int first, robj *dstkey, int rangetype, int direction) {
    int withscores = 0;
    long offset = 0, limit = -1;
    int has_limit = 0;

    for (int j = first + 3; j < c->argc; j++) {
        const char *opt = c->argv[j]->ptr;
        int left = c->argc - j - 1;
        if (!dstkey && !strcasecmp(opt, "withscores")) {
            withscores = 1;
        } else if (!strcasecmp(opt, "limit") && left >= 2) {
            if (getLongFromObjectOrReply(c, c->argv[j+1], &offset, NULL) != C_OK ||
                getLongFromObjectOrReply(c, c->argv[j+2], &limit, NULL) != C_OK)
                return;
            has_limit = 1;
            j += 2;
        } else if (direction == ZRANGE_AUTO && !strcasecmp(opt, "rev")) {
            direction = ZRANGE_REVERSE;
        } else if (rangetype == ZRANGE_AUTO && !strcasecmp(opt, "bylex")) {
            rangetype = ZRANGE_LEX;
        } else if (rangetype == ZRANGE_AUTO && !strcasecmp(opt, "byscore")) {
            rangetype = ZRANGE_SCORE;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    if (direction == ZRANGE_AUTO) direction = ZRANGE_FORWARD;
    if (rangetype == ZRANGE_AUTO) rangetype = ZRANGE_RANK;
    if (has_limit && rangetype == ZRANGE_RANK) {
        addReplyError(c, "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        return;
    }
    if (withscores && rangetype == ZRANGE_LEX) {
        addReplyError(c, "syntax error, WITHSCORES not supported in combination with BYLEX");
        return;
    }
    int reverse = direction == ZRANGE_REVERSE;
    /* Reverse score and lex ranges are written max first. */
    robj *minarg = c->argv[first + 1], *maxarg = c->argv[first + 2];
    if (reverse && rangetype != ZRANGE_RANK) {
        robj *t = minarg;
        minarg = maxarg;
        maxarg = t;
    }

    long start = 0, end = 0;
    zrangespec srange;
    zlexrangespec lrange = {NULL, NULL, 0, 0};
    switch (rangetype) {
    case ZRANGE_RANK:
        if (getLongFromObjectOrReply(c, minarg, &start, NULL) != C_OK ||
            getLongFromObjectOrReply(c, maxarg, &end, NULL) != C_OK)
            return;
        break;
    case ZRANGE_SCORE:
        if (zslParseRange(minarg, maxarg, &srange) != C_OK) {
            addReplyError(c, "min or max is not a float");
            return;
        }
        break;
    case ZRANGE_LEX:
        if (zslParseLexRange(minarg, maxarg, &lrange) != C_OK) {
            addReplyError(c, "min or max not valid string range item");
            return;
        }
        break;
    }

    zrangeOut out = {c, withscores || dstkey != NULL, dstkey, NULL, NULL, 0};
    robj *zobj = lookupKeyRead(c->db, c->argv[first]);
    if (zobj == NULL) {
        if (dstkey) {
            zrangeOutBegin(&out);
            zrangeOutEnd(&out);
        } else {
            addReply(c, shared.emptyarray);
        }
        goto cleanup;
    }
    if (checkType(c, zobj, OBJ_ZSET)) goto cleanup;

    zrangeOutBegin(&out);
    switch (rangetype) {
    case ZRANGE_RANK: zrangeByRank(&out, zobj, start, end, reverse); break;
    case ZRANGE_SCORE: zrangeByScore(&out, zobj, &srange, offset, limit, reverse); break;
    case ZRANGE_LEX: zrangeByLex(&out, zobj, &lrange, offset, limit, reverse); break;
    }
    zrangeOutEnd(&out);
cleanup:
    if (rangetype == ZRANGE_LEX) zslFreeLexRange(&lrange);
}

void zrangeCommand(client *c) { zrangeGeneric(c, 1, NULL, ZRANGE_AUTO, ZRANGE_AUTO); }
void zrangestoreCommand(client *c) { zrangeGeneric(c, 2, c->argv[1], ZRANGE_AUTO, ZRANGE_AUTO); }
void zrevrangeCommand(client *c) { zrangeGeneric(c, 1, NULL, ZRANGE_RANK, ZRANGE_REVERSE); }
void zrangebyscoreCommand(client *c) { zrangeGeneric(c, 1, NULL, ZRANGE_SCORE, ZRANGE_FORWARD); }
void zrevrangebyscoreCommand(client *c) { zrangeGeneric(c, 1, NULL, ZRANGE_SCORE, ZRANGE_REVERSE); }
void zrangebylexCommand(client *c) { zrangeGeneric(c, 1, NULL, ZRANGE_LEX, ZRANGE_FORWARD); }
void zrevrangebylexCommand(client *c) { zrangeGeneric(c, 1, NULL, ZRANGE_LEX, ZRANGE_REVERSE); }

/* ===========================================================================
 * ZREMRANGEBYRANK / BYSCORE / BYLEX
 * ======================================================================== */

/* Listpack: delete the run of pairs starting at rank `from` for which
 * `in` holds (ranks ascending). */
static unsigned long zzlDeleteRun(robj *zobj, zpos *p, long from,
                                  const zrangespec *sr, const zlexrangespec *lr) {
    unsigned long n = 0;
    while (zposValid(p) && (sr ? zposInScoreEnd(p, sr, 0) : zposInLexEnd(p, lr, 0))) {
        n++;
        zposNext(p);
    }
    if (n) zobj->ptr = lpDeleteRange(zobj->ptr, from * 2, n * 2);
    return n;
}

/* Rank of the listpack position p (entries before it / 2). */
static long zzlPosRank(robj *zobj, zpos *p) {
    long rank = 0;
    unsigned char *lp = zobj->ptr;
    for (unsigned char *e = lpFirst(lp); e && e != p->eptr; e = lpNext(lp, lpNext(lp, e))) rank++;
    return rank;
}

static void zremrangeGeneric(client *c, int rangetype) {
    static char *events[] = {"zremrangebyrank", "zremrangebyscore", "zremrangebylex"};
    robj *key = c->argv[1];
    long start = 0, end = 0;
    zrangespec srange;
    zlexrangespec lrange = {NULL, NULL, 0, 0};

    switch (rangetype) {
    case ZRANGE_RANK:
        if (getLongFromObjectOrReply(c, c->argv[2], &start, NULL) != C_OK ||
            getLongFromObjectOrReply(c, c->argv[3], &end, NULL) != C_OK)
            return;
        break;
    case ZRANGE_SCORE:
        if (zslParseRange(c->argv[2], c->argv[3], &srange) != C_OK) {
            addReplyError(c, "min or max is not a float");
            return;
        }
        break;
    case ZRANGE_LEX:
        if (zslParseLexRange(c->argv[2], c->argv[3], &lrange) != C_OK) {
            addReplyError(c, "min or max not valid string range item");
            return;
        }
        break;
    }

    unsigned long deleted = 0;
    int key_removed = 0;
    robj *zobj = lookupKeyWriteOrReply(c, key, shared.czero);
    if (zobj == NULL || checkType(c, zobj, OBJ_ZSET)) goto cleanup;

    if (rangetype == ZRANGE_RANK) {
        long llen = (long)zsetLength(zobj);
        if (start < 0) start += llen;
        if (end < 0) end += llen;
        if (start < 0) start = 0;
        if (start > end || start >= llen) {
            addReply(c, shared.czero);
            goto cleanup;
        }
        if (end >= llen) end = llen - 1;
    }

    if (zobj->encoding == OBJ_ENCODING_LISTPACK) {
        zpos p;
        switch (rangetype) {
        case ZRANGE_RANK:
            deleted = (unsigned long)(end - start + 1);
            zobj->ptr = lpDeleteRange(zobj->ptr, start * 2, deleted * 2);
            break;
        case ZRANGE_SCORE:
            zposFirstInScore(&p, zobj, &srange, 0);
            if (zposValid(&p)) deleted = zzlDeleteRun(zobj, &p, zzlPosRank(zobj, &p), &srange, NULL);
            break;
        case ZRANGE_LEX:
            zposFirstInLex(&p, zobj, &lrange, 0);
            if (zposValid(&p)) deleted = zzlDeleteRun(zobj, &p, zzlPosRank(zobj, &p), NULL, &lrange);
            break;
        }
    } else {
        zset *zs = zobj->ptr;
        switch (rangetype) {
        case ZRANGE_RANK:
            deleted = zslDeleteRangeByRank(zs->zsl, start + 1, end + 1, zs->dict);
            break;
        case ZRANGE_SCORE:
            deleted = zslDeleteRangeByScore(zs->zsl, &srange, zs->dict);
            break;
        case ZRANGE_LEX:
            deleted = zslDeleteRangeByLex(zs->zsl, &lrange, zs->dict);
            break;
        }
        if (htNeedsResize(zs->dict)) dictResize(zs->dict);
    }
    if (deleted) key_removed = zsetDeleteIfEmpty(c, key, zobj);

    if (deleted) {
        signalModifiedKey(c, c->db, key);
        notifyKeyspaceEvent(NOTIFY_ZSET, events[rangetype], key, c->db->id);
        if (key_removed) notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key, c->db->id);
    }
    server.dirty += deleted;
    addReplyLongLong(c, (long long)deleted);
cleanup:
    if (rangetype == ZRANGE_LEX) zslFreeLexRange(&lrange);
}

void zremrangebyrankCommand(client *c) { zremrangeGeneric(c, ZRANGE_RANK); }
void zremrangebyscoreCommand(client *c) { zremrangeGeneric(c, ZRANGE_SCORE); }
void zremrangebylexCommand(client *c) { zremrangeGeneric(c, ZRANGE_LEX); }

/* ===========================================================================
 * ZPOPMIN / ZPOPMAX / ZMPOP
 * ======================================================================== */

/* Pop up to count members from the first non-empty key of keyv (shared
 * with the blocking forms in zset_blocking.c).
 *  count -1: the single-pop form (one member, flat reply);
 *  emitkey: the reply names the key (ZMPOP, BZPOPMIN/BZPOPMAX);
 *  nested: each member is a [member, score] array; with emitkey the
 *    members come as a second array after the key ([key, [[m, s]..]]),
 *    without it the reply is flat ([key, m, s, ...]);
 *  nil_if_empty: no candidate key replies a null array (ZMPOP), else [].
 * Returns how many members were popped (0 when nothing was, errors
 * included) and the key they came from in *popped_key (borrowed). */
long zsetPopGeneric(client *c, robj **keyv, int keyc, int where, int emitkey,
                    long count, int nested, int nil_if_empty, robj **popped_key) {
    robj *key = NULL, *zobj = NULL;
    for (int i = 0; i < keyc && zobj == NULL; i++) {
        key = keyv[i];
        zobj = lookupKeyWrite(c->db, key);
        if (checkType(c, zobj, OBJ_ZSET)) return 0;
    }
    if (zobj == NULL) {
        if (nil_if_empty) addReplyNullArray(c);
        else addReply(c, shared.emptyarray);
        return 0;
    }
    if (count == 0) {
        addReply(c, shared.emptyarray);
        return 0;
    }
    if (count == -1) count = 1;
    long llen = (long)zsetLength(zobj);
    long n = count > llen ? llen : count;

    if (emitkey && nested) {
        addReplyArrayLen(c, 2);
        addReplyBulk(c, key);
        addReplyArrayLen(c, n);
    } else if (emitkey) {
        addReplyArrayLen(c, n * 2 + 1);
        addReplyBulk(c, key);
    } else {
        addReplyArrayLen(c, nested ? n : n * 2);
    }
    for (long i = 0; i < n; i++) {
        zpos p;
        zposAtRank(&p, zobj, where == ZSET_MIN ? 0 : (long)zsetLength(zobj) - 1);
        size_t len;
        const char *m = zposMember(&p, &len);
        sds ele = sdsnewlen(m, len);
        double score = zposScore(&p);
        if (nested) addReplyArrayLen(c, 2);
        addReplyBulkCBuffer(c, ele, sdslen(ele));
        addReplyDouble(c, score);
        zsetDel(zobj, ele);
        sdsfree(ele);
    }
    server.dirty += n;
    notifyKeyspaceEvent(NOTIFY_ZSET, where == ZSET_MIN ? "zpopmin" : "zpopmax", key, c->db->id);
    signalModifiedKey(c, c->db, key);
    /* The caller's key object (an argv entry) outlives the deletion. */
    if (zsetDeleteIfEmpty(c, key, zobj))
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key, c->db->id);
    if (popped_key) *popped_key = key;
    return n;
}

/* Propagate a pop of n members from key as ZPOPMIN/ZPOPMAX key [n]
 * (n < 0: the form without COUNT): by rewriting c's argv, or, for a
 * served blocked client whose argv must stay, as an extra command. */
void zsetPropagatePop(client *c, robj *key, int where, long n, int as_extra) {
    robj *cmd = where == ZSET_MAX ? shared.zpopmax : shared.zpopmin;
    robj *cnt = n >= 0 ? createStringObjectFromLongLong(n) : NULL;
    incrRefCount(key);
    if (as_extra) {
        robj *argv[3] = {cmd, key, cnt};
        alsoPropagate(c->db->id, argv, cnt ? 3 : 2, CMD_CALL_PROPAGATE);
    } else if (cnt) {
        rewriteClientCommandVector(c, 3, cmd, key, cnt);
    } else {
        rewriteClientCommandVector(c, 2, cmd, key);
    }
    decrRefCount(key);
    if (cnt) decrRefCount(cnt);
}

static void zpopMinMax(client *c, int where) {
    if (c->argc > 3) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    long count = -1;
    if (c->argc == 3 && getPositiveLongFromObjectOrReply(c, c->argv[2], &count, NULL) != C_OK)
        return;
    int nested = c->resp > 2 && count != -1;
    zsetPopGeneric(c, &c->argv[1], 1, where, 0, count, nested, 0, NULL);
}

void zpopminCommand(client *c) { zpopMinMax(c, ZSET_MIN); }
void zpopmaxCommand(client *c) { zpopMinMax(c, ZSET_MAX); }

/* Arguments of ZMPOP and BZMPOP after the timeout: numkeys (at
 * numkeys_idx), the keys, MIN|MAX and an optional COUNT. Replies the error
 * and returns C_ERR on bad input, as stock words it. */
int zsetParseMpopArgs(client *c, int numkeys_idx, long *numkeys, int *where, long *count) {
    if (getRangeLongFromObjectOrReply(c, c->argv[numkeys_idx], 1, LONG_MAX, numkeys,
                                      "numkeys should be greater than 0") != C_OK)
        return C_ERR;
    /* MIN|MAX must follow the keys. */
    if (*numkeys > c->argc - numkeys_idx - 2) {
        addReplyErrorObject(c, shared.syntaxerr);
        return C_ERR;
    }
    long where_idx = numkeys_idx + 1 + *numkeys;
    const char *w = c->argv[where_idx]->ptr;
    if (!strcasecmp(w, "min")) *where = ZSET_MIN;
    else if (!strcasecmp(w, "max")) *where = ZSET_MAX;
    else {
        addReplyErrorObject(c, shared.syntaxerr);
        return C_ERR;
    }
    *count = -1;
    for (long j = where_idx + 1; j < c->argc; j++) {
        if (*count == -1 && !strcasecmp(c->argv[j]->ptr, "count") && j + 1 < c->argc) {
            j++;
            if (getRangeLongFromObjectOrReply(c, c->argv[j], 1, LONG_MAX, count,
                                              "count should be greater than 0") != C_OK)
                return C_ERR;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return C_ERR;
        }
    }
    if (*count == -1) *count = 1;
    return C_OK;
}

/* ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] */
void zmpopCommand(client *c) {
    long numkeys, count;
    int where;
    if (zsetParseMpopArgs(c, 1, &numkeys, &where, &count) != C_OK) return;
    robj *key;
    long n = zsetPopGeneric(c, c->argv + 2, (int)numkeys, where, 1, count, 1, 1, &key);
    /* Propagated as the ZPOPMIN/ZPOPMAX it amounts to. */
    if (n > 0) zsetPropagatePop(c, key, where, n, 0);
}

/* ===========================================================================
 * ZRANDMEMBER, ZSCAN
 * ======================================================================== */

static void zrandReply(client *c, zpos *p, int withscores) {
    size_t len;
    const char *m = zposMember(p, &len);
    if (withscores && c->resp > 2) addReplyArrayLen(c, 2);
    addReplyBulkCBuffer(c, m, len);
    if (withscores) addReplyDouble(c, zposScore(p));
}

static void zrandmemberWithCount(client *c, long l, int withscores) {
    robj *zobj = zsetLookupRead(c, c->argv[1], shared.emptyarray);
    if (zobj == NULL) return;
    unsigned long size = zsetLength(zobj);
    if (l == 0) {
        addReply(c, shared.emptyarray);
        return;
    }
    int distinct = l > 0;
    unsigned long count = distinct ? (unsigned long)l : (unsigned long)-l;
    if (distinct && count > size) count = size;
    addReplyArrayLen(c, (withscores && c->resp == 2) ? count * 2 : count);
    zpos p;
    if (!distinct) {
        for (unsigned long i = 0; i < count; i++) {
            zposAtRank(&p, zobj, (long)((unsigned long)random() % size));
            zrandReply(c, &p, withscores);
        }
        return;
    }
    if (count == size) {
        /* The whole set, from the highest score down (as stock). */
        for (zposAtRank(&p, zobj, (long)size - 1); zposValid(&p); zposPrev(&p))
            zrandReply(c, &p, withscores);
        return;
    }
    if (count * 3 > size) {
        /* Most of the set: a partial Fisher-Yates shuffle of the ranks. */
        long *idx = zmalloc(sizeof(long) * size);
        for (unsigned long i = 0; i < size; i++) idx[i] = (long)i;
        for (unsigned long i = 0; i < count; i++) {
            unsigned long j = i + (unsigned long)random() % (size - i);
            long t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            zposAtRank(&p, zobj, idx[i]);
            zrandReply(c, &p, withscores);
        }
        zfree(idx);
        return;
    }
    /* A small part of a big set: draw ranks, skipping repeats. */
    dict *seen = dictCreate(&keyptrDictType);
    unsigned long emitted = 0;
    while (emitted < count) {
        zposAtRank(&p, zobj, (long)((unsigned long)random() % size));
        size_t len;
        const char *m = zposMember(&p, &len);
        sds key = sdsnewlen(m, len);
        if (dictAdd(seen, key, NULL) != DICT_OK) {
            sdsfree(key);
            continue;
        }
        zrandReply(c, &p, withscores);
        emitted++;
    }
    dictIterator *di = dictGetIterator(seen);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) sdsfree(dictGetKey(de));
    dictReleaseIterator(di);
    dictRelease(seen);
}

void zrandmemberCommand(client *c) {
    if (c->argc >= 3) {
        long l;
        int withscores = 0;
        if (getRangeLongFromObjectOrReply(c, c->argv[2], -LONG_MAX, LONG_MAX, &l, NULL) != C_OK)
            return;
        if (c->argc > 4 || (c->argc == 4 && strcasecmp(c->argv[3]->ptr, "withscores"))) {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
        if (c->argc == 4) {
            withscores = 1;
            if (l < -LONG_MAX / 2 || l > LONG_MAX / 2) {
                addReplyError(c, "value is out of range");
                return;
            }
        }
        zrandmemberWithCount(c, l, withscores);
        return;
    }
    robj *zobj = zsetLookupRead(c, c->argv[1], shared.null[c->resp]);
    if (zobj == NULL) return;
    zpos p;
    zposAtRank(&p, zobj, (long)((unsigned long)random() % zsetLength(zobj)));
    size_t len;
    const char *m = zposMember(&p, &len);
    addReplyBulkCBuffer(c, m, len);
}

void zscanCommand(client *c) {
    unsigned long cursor;
    if (parseScanCursorOrReply(c, c->argv[2], &cursor) != C_OK) return;
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.emptyscan);
    if (o == NULL || checkType(c, o, OBJ_ZSET)) return;
    scanGenericCommand(c, o, cursor);
}
