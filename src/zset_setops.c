/* zset_setops.c - sorted set algebra:
 *
 *   ZUNION ZUNIONSTORE ZINTER ZINTERSTORE ZDIFF ZDIFFSTORE ZINTERCARD
 *
 * Inputs may be sorted sets or plain sets (members of a set score 1). An
 * input is read through a small source abstraction: its cardinality, a
 * snapshot of its (member, score) pairs, and a membership probe. Sets are
 * reached through the set type's API (t_set.c), declared weak here so this
 * file links whether or not sets are built in; a set value can only exist
 * when t_set.c is linked, so the weak symbols are never called as NULL.
 *
 * Results are built into a skiplist set (ordered by score then member,
 * which is also the reply order) and turned into a listpack on STORE when
 * small enough, as stock does.
 */
#include "server.h"
#include <math.h>

/* The set type's API (t_set.c). */
struct setTypeIterator;
#pragma weak setTypeSize
#pragma weak setTypeIsMember
#pragma weak setTypeInitIterator
#pragma weak setTypeNextObject
#pragma weak setTypeReleaseIterator
unsigned long setTypeSize(const robj *set);
int setTypeIsMember(robj *set, sds value);
struct setTypeIterator *setTypeInitIterator(robj *set);
sds setTypeNextObject(struct setTypeIterator *si);
void setTypeReleaseIterator(struct setTypeIterator *si);

#define SETOP_UNION 0
#define SETOP_INTER 1
#define SETOP_DIFF 2

#define AGGR_SUM 0
#define AGGR_MIN 1
#define AGGR_MAX 2

typedef struct {
    robj *subject;   /* NULL for a missing key (an empty input) */
    double weight;
} zsetopSrc;

static unsigned long srcLength(const zsetopSrc *s) {
    if (s->subject == NULL) return 0;
    if (s->subject->type == OBJ_ZSET) return zsetLength(s->subject);
    return setTypeSize(s->subject);
}

/* Score of member in the input (1.0 for a set member), C_ERR if absent. */
static int srcScore(const zsetopSrc *s, sds member, double *score) {
    if (s->subject == NULL) return C_ERR;
    if (s->subject->type == OBJ_ZSET) return zsetScore(s->subject, member, score);
    if (!setTypeIsMember(s->subject, member)) return C_ERR;
    *score = 1.0;
    return C_OK;
}

/* One (member, score) pair of an input snapshot; members are owned. */
typedef struct {
    sds member;
    double score;
} zsetopItem;

static void snapshotAdd(void *priv, const char *m, size_t len, double score, unsigned long i) {
    zsetopItem *items = priv;
    items[i].member = sdsnewlen(m, len);
    items[i].score = score;
}

/* Copy the pairs of an input (a snapshot: the output may be one of the
 * inputs, and sets have no order of their own anyway). */
static zsetopItem *srcSnapshot(const zsetopSrc *s, unsigned long *count) {
    unsigned long n = srcLength(s), i = 0;
    *count = 0;
    if (n == 0) return NULL;
    zsetopItem *items = zmalloc(sizeof(*items) * n);
    robj *o = s->subject;
    if (o->type == OBJ_ZSET) {
        zsetForEach(o, snapshotAdd, items);
        i = n;
    } else {
        struct setTypeIterator *si = setTypeInitIterator(o);
        sds m;
        while (i < n && (m = setTypeNextObject(si)) != NULL) {
            items[i].member = m;
            items[i].score = 1.0;
            i++;
        }
        setTypeReleaseIterator(si);
    }
    *count = i;
    return items;
}

static void freeSnapshot(zsetopItem *items, unsigned long count) {
    for (unsigned long i = 0; i < count; i++) sdsfree(items[i].member);
    zfree(items);
}

/* inf + -inf is NaN: stock makes that sum 0. */
static void aggregate(double *target, double value, int how) {
    switch (how) {
    case AGGR_SUM:
        *target += value;
        if (isnan(*target)) *target = 0.0;
        break;
    case AGGR_MIN:
        if (value < *target) *target = value;
        break;
    case AGGR_MAX:
        if (value > *target) *target = value;
        break;
    }
}

/* A weighted score; 0 * inf is NaN, which counts as 0. */
static double weighted(double score, double weight) {
    double v = score * weight;
    return isnan(v) ? 0.0 : v;
}

static int compareByCardinality(const void *a, const void *b) {
    unsigned long la = srcLength(a), lb = srcLength(b);
    return la < lb ? -1 : (la > lb ? 1 : 0);
}

/* Result accumulation: member -> score in a dict (sds keys owned by the
 * dict until they move into the skiplist). */
static dictType accumulatorDictType = {
    dictSdsHash, NULL, NULL, dictSdsKeyCompare, NULL, NULL, NULL
};

typedef struct {
    size_t maxelelen, totelelen;
} zsetopLens;

static void resultAdd(zset *dst, sds member, double score, zsetopLens *lens) {
    zskiplistNode *node = zslInsert(dst->zsl, score, member);
    dictAdd(dst->dict, member, &node->score);
    lens->totelelen += sdslen(member);
    if (sdslen(member) > lens->maxelelen) lens->maxelelen = sdslen(member);
}

static void computeUnion(zsetopSrc *src, int n, int how, zset *dst, zsetopLens *lens) {
    dict *acc = dictCreate(&accumulatorDictType);
    if (n) dictExpand(acc, srcLength(&src[n-1]));
    for (int i = 0; i < n; i++) {
        unsigned long count;
        zsetopItem *items = srcSnapshot(&src[i], &count);
        for (unsigned long k = 0; k < count; k++) {
            double score = weighted(items[k].score, src[i].weight);
            dictEntry *existing;
            dictEntry *de = dictAddRaw(acc, items[k].member, &existing);
            if (de) {
                dictSetDoubleVal(de, score);
                items[k].member = NULL;   /* now owned by the accumulator */
            } else {
                double cur = dictGetDoubleVal(existing);
                aggregate(&cur, score, how);
                dictSetDoubleVal(existing, cur);
            }
        }
        freeSnapshot(items, count);
    }
    dictExpand(dst->dict, dictSize(acc));
    dictIterator *di = dictGetIterator(acc);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL)
        resultAdd(dst, dictGetKey(de), dictGetDoubleVal(de), lens);
    dictReleaseIterator(di);
    dictRelease(acc);
}

/* Intersection (or only its size, stopping at limit when limit > 0). The
 * inputs are sorted by size: walk the smallest, probe the others. */
static unsigned long computeInter(zsetopSrc *src, int n, int how, zset *dst,
                                  zsetopLens *lens, long limit) {
    unsigned long card = 0, count;
    if (srcLength(&src[0]) == 0) return 0;
    zsetopItem *items = srcSnapshot(&src[0], &count);
    for (unsigned long k = 0; k < count; k++) {
        double score = weighted(items[k].score, src[0].weight);
        int j;
        for (j = 1; j < n; j++) {
            double other;
            if (srcScore(&src[j], items[k].member, &other) != C_OK) break;
            /* Only the first input's product is cleaned of NaN (as stock). */
            aggregate(&score, other * src[j].weight, how);
        }
        if (j < n) continue;
        card++;
        if (dst) {
            resultAdd(dst, items[k].member, score, lens);
            items[k].member = NULL;
        } else if (limit > 0 && card >= (unsigned long)limit) {
            break;
        }
    }
    freeSnapshot(items, count);
    return card;
}

/* Members of the first input found in none of the others, with their
 * first-input score (no weights for ZDIFF). */
static void computeDiff(zsetopSrc *src, int n, zset *dst, zsetopLens *lens) {
    unsigned long count;
    if (srcLength(&src[0]) == 0) return;
    zsetopItem *items = srcSnapshot(&src[0], &count);
    for (unsigned long k = 0; k < count; k++) {
        int found = 0;
        for (int j = 1; j < n && !found; j++) {
            double ignored;
            found = srcScore(&src[j], items[k].member, &ignored) == C_OK;
        }
        if (found) continue;
        resultAdd(dst, items[k].member, items[k].score, lens);
        items[k].member = NULL;
    }
    freeSnapshot(items, count);
}

/* Read numkeys, the keys and the options. Returns the sources (caller
 * frees) or NULL after replying with an error. */
static zsetopSrc *parseSetopArgs(client *c, robj *dstkey, int numkeys_idx, int op,
                                 int card_only, int *setnum, int *how,
                                 int *withscores, long *limit) {
    long n;
    if (getLongFromObjectOrReply(c, c->argv[numkeys_idx], &n, NULL) != C_OK) return NULL;
    if (n < 1) {
        addReplyErrorFormat(c, "at least 1 input key is needed for '%s' command", c->cmd->fullname);
        return NULL;
    }
    if (n > c->argc - (numkeys_idx + 1)) {
        addReplyErrorObject(c, shared.syntaxerr);
        return NULL;
    }
    zsetopSrc *src = zcalloc(sizeof(*src) * n);
    int j = numkeys_idx + 1;
    for (long i = 0; i < n; i++, j++) {
        robj *o = dstkey ? lookupKeyWrite(c->db, c->argv[j]) : lookupKeyRead(c->db, c->argv[j]);
        if (o && o->type != OBJ_ZSET && o->type != OBJ_SET) {
            zfree(src);
            addReplyErrorObject(c, shared.wrongtypeerr);
            return NULL;
        }
        src[i].subject = o;
        src[i].weight = 1.0;
    }
    *how = AGGR_SUM;
    *withscores = 0;
    *limit = 0;
    while (j < c->argc) {
        int left = c->argc - j;
        const char *opt = c->argv[j]->ptr;
        if (op != SETOP_DIFF && !card_only && left >= n + 1 && !strcasecmp(opt, "weights")) {
            j++;
            for (long i = 0; i < n; i++, j++) {
                if (getDoubleFromObjectOrReply(c, c->argv[j], &src[i].weight,
                                               "weight value is not a float") != C_OK) {
                    zfree(src);
                    return NULL;
                }
            }
        } else if (op != SETOP_DIFF && !card_only && left >= 2 && !strcasecmp(opt, "aggregate")) {
            const char *a = c->argv[j+1]->ptr;
            if (!strcasecmp(a, "sum")) *how = AGGR_SUM;
            else if (!strcasecmp(a, "min")) *how = AGGR_MIN;
            else if (!strcasecmp(a, "max")) *how = AGGR_MAX;
            else {
                zfree(src);
                addReplyErrorObject(c, shared.syntaxerr);
                return NULL;
            }
            j += 2;
        } else if (!dstkey && !card_only && !strcasecmp(opt, "withscores")) {
            *withscores = 1;
            j++;
        } else if (card_only && left >= 2 && !strcasecmp(opt, "limit")) {
            if (getPositiveLongFromObjectOrReply(c, c->argv[j+1], limit,
                                                 "LIMIT can't be negative") != C_OK) {
                zfree(src);
                return NULL;
            }
            j += 2;
        } else {
            zfree(src);
            addReplyErrorObject(c, shared.syntaxerr);
            return NULL;
        }
    }
    *setnum = (int)n;
    return src;
}

static void zsetopGeneric(client *c, robj *dstkey, int numkeys_idx, int op, int card_only) {
    int setnum, how, withscores;
    long limit;
    zsetopSrc *src = parseSetopArgs(c, dstkey, numkeys_idx, op, card_only, &setnum, &how,
                                    &withscores, &limit);
    if (src == NULL) return;
    /* Smallest first: intersections walk the smallest input. The order of
     * a ZDIFF's inputs is its meaning, so it stays. */
    if (op != SETOP_DIFF) qsort(src, setnum, sizeof(*src), compareByCardinality);

    if (card_only) {
        addReplyLongLong(c, (long long)computeInter(src, setnum, how, NULL, NULL, limit));
        zfree(src);
        return;
    }

    robj *dstobj = createZsetObject();
    zset *dst = dstobj->ptr;
    zsetopLens lens = {0, 0};
    switch (op) {
    case SETOP_UNION: computeUnion(src, setnum, how, dst, &lens); break;
    case SETOP_INTER: computeInter(src, setnum, how, dst, &lens, 0); break;
    case SETOP_DIFF: computeDiff(src, setnum, dst, &lens); break;
    }
    zfree(src);

    if (dstkey) {
        static char *events[] = {"zunionstore", "zinterstore", "zdiffstore"};
        if (dst->zsl->length) {
            zsetConvertToListpackIfNeeded(dstobj, lens.maxelelen, lens.totelelen);
            setKey(c, c->db, dstkey, dstobj, 0);
            addReplyLongLong(c, (long long)zsetLength(dstobj));
            notifyKeyspaceEvent(NOTIFY_ZSET, events[op], dstkey, c->db->id);
            server.dirty++;
        } else {
            addReply(c, shared.czero);
            if (dbDelete(c->db, dstkey)) {
                signalModifiedKey(c, c->db, dstkey);
                notifyKeyspaceEvent(NOTIFY_GENERIC, "del", dstkey, c->db->id);
                server.dirty++;
            }
        }
    } else {
        unsigned long len = dst->zsl->length;
        addReplyArrayLen(c, (withscores && c->resp == 2) ? len * 2 : len);
        for (zskiplistNode *zn = dst->zsl->header->level[0].forward; zn; zn = zn->level[0].forward) {
            if (withscores && c->resp > 2) addReplyArrayLen(c, 2);
            addReplyBulkCBuffer(c, zn->ele, sdslen(zn->ele));
            if (withscores) addReplyDouble(c, zn->score);
        }
    }
    decrRefCount(dstobj);
}

void zunionstoreCommand(client *c) { zsetopGeneric(c, c->argv[1], 2, SETOP_UNION, 0); }
void zinterstoreCommand(client *c) { zsetopGeneric(c, c->argv[1], 2, SETOP_INTER, 0); }
void zdiffstoreCommand(client *c) { zsetopGeneric(c, c->argv[1], 2, SETOP_DIFF, 0); }
void zunionCommand(client *c) { zsetopGeneric(c, NULL, 1, SETOP_UNION, 0); }
void zinterCommand(client *c) { zsetopGeneric(c, NULL, 1, SETOP_INTER, 0); }
void zdiffCommand(client *c) { zsetopGeneric(c, NULL, 1, SETOP_DIFF, 0); }
void zintercardCommand(client *c) { zsetopGeneric(c, NULL, 1, SETOP_INTER, 1); }
