/* t_zset.h - sorted sets: the skiplist (zset_skiplist.c), the type API
 * shared by the sorted set commands (t_zset.c) and the GEO commands.
 *
 * A sorted set is a listpack of (member, score) pairs kept in score order
 * while small (OBJ_ENCODING_LISTPACK), else a `zset`: a dict from member to
 * its score plus a skiplist ordered by (score, member) that also knows the
 * rank of every node through the spans of its links (OBJ_ENCODING_SKIPLIST).
 */
#ifndef T_ZSET_H
#define T_ZSET_H

#define ZSKIPLIST_MAXLEVEL 32
#define ZSKIPLIST_P 0.25

typedef struct zskiplistNode {
    sds ele;
    double score;
    struct zskiplistNode *backward;
    struct zskiplistLevel {
        struct zskiplistNode *forward;
        unsigned long span;   /* nodes skipped by this link (rank distance) */
    } level[];
} zskiplistNode;

typedef struct zskiplist {
    struct zskiplistNode *header, *tail;
    unsigned long length;
    int level;
} zskiplist;

typedef struct zset {
    dict *dict;      /* member sds -> double* (the node's score) */
    zskiplist *zsl;  /* owns the member sds */
} zset;

/* Score interval [min, max]; minex/maxex make an end exclusive. */
typedef struct {
    double min, max;
    int minex, maxex;
} zrangespec;

/* Lex interval. min/max may be shared.minstring / shared.maxstring for
 * "-" and "+" (compared by pointer). */
typedef struct {
    sds min, max;
    int minex, maxex;
} zlexrangespec;

/* zset_skiplist.c */
zskiplist *zslCreate(void);
void zslFree(zskiplist *zsl);
zskiplistNode *zslInsert(zskiplist *zsl, double score, sds ele);
int zslDelete(zskiplist *zsl, double score, sds ele, zskiplistNode **node);
zskiplistNode *zslUpdateScore(zskiplist *zsl, double curscore, sds ele, double newscore);
unsigned long zslGetRank(zskiplist *zsl, double score, sds ele);
zskiplistNode *zslGetElementByRank(zskiplist *zsl, unsigned long rank);
int zslValueGteMin(double value, const zrangespec *spec);
int zslValueLteMax(double value, const zrangespec *spec);
int zslIsInRange(zskiplist *zsl, const zrangespec *range);
zskiplistNode *zslFirstInRange(zskiplist *zsl, const zrangespec *range);
zskiplistNode *zslLastInRange(zskiplist *zsl, const zrangespec *range);
int zslLexValueGteMin(sds value, const zlexrangespec *spec);
int zslLexValueLteMax(sds value, const zlexrangespec *spec);
int zslIsInLexRange(zskiplist *zsl, const zlexrangespec *range);
zskiplistNode *zslFirstInLexRange(zskiplist *zsl, const zlexrangespec *range);
zskiplistNode *zslLastInLexRange(zskiplist *zsl, const zlexrangespec *range);
unsigned long zslDeleteRangeByScore(zskiplist *zsl, const zrangespec *range, dict *d);
unsigned long zslDeleteRangeByLex(zskiplist *zsl, const zlexrangespec *range, dict *d);
unsigned long zslDeleteRangeByRank(zskiplist *zsl, unsigned long start, unsigned long end, dict *d);
int zslParseRange(robj *min, robj *max, zrangespec *spec);
int zslParseLexRange(robj *min, robj *max, zlexrangespec *spec);
void zslFreeLexRange(zlexrangespec *spec);
int zslCompareLex(const char *a, size_t alen, const char *b, size_t blen);

/* t_zset.c: the type API (both encodings) */
#define ZADD_IN_NONE 0
#define ZADD_IN_INCR (1<<0)
#define ZADD_IN_NX (1<<1)
#define ZADD_IN_XX (1<<2)
#define ZADD_IN_GT (1<<3)
#define ZADD_IN_LT (1<<4)
#define ZADD_OUT_NOP (1<<0)
#define ZADD_OUT_NAN (1<<1)
#define ZADD_OUT_ADDED (1<<2)
#define ZADD_OUT_UPDATED (1<<3)
void zaddCommand(client *c);   /* GEOADD ends as a ZADD */
robj *createZsetObject(void);
robj *createZsetListpackObject(void);
robj *zsetTypeCreate(size_t size_hint, size_t value_len_hint);
void freeZsetObject(robj *o);
robj *zsetDup(robj *o);
unsigned long zsetLength(const robj *zobj);
void zsetConvert(robj *zobj, int encoding);
void zsetConvertToListpackIfNeeded(robj *zobj, size_t maxelelen, size_t totelelen);
int zsetScore(robj *zobj, sds member, double *score);
int zsetAdd(robj *zobj, double score, sds ele, int in_flags, int *out_flags, double *newscore);
int zsetDel(robj *zobj, sds ele);
long zsetRank(robj *zobj, sds ele, int reverse);
/* Calls fn(priv, member, len, score, index) for each member in score order. */
void zsetForEach(robj *zobj, void (*fn)(void *, const char *, size_t, double, unsigned long), void *priv);
/* Calls fn(priv, member, len, score) for members with a score in range,
 * lowest first, stopping early once limit > 0 and *counter >= limit. */
void zsetForEachInScoreRange(robj *zobj, const zrangespec *range,
                             void (*fn)(void *, const char *, size_t, double), void *priv,
                             unsigned long limit, const size_t *counter);
unsigned long zsetScanCollect(robj *o, unsigned long cursor, long count, list *out);
/* Pops (ZPOPMIN & co., their blocking forms in zset_blocking.c). */
#define ZSET_MIN 0
#define ZSET_MAX 1
int zsetParseMpopArgs(client *c, int numkeys_idx, long *numkeys, int *where, long *count);
long zsetPopGeneric(client *c, robj **keyv, int keyc, int where, int emitkey,
                    long count, int nested, int nil_if_empty, robj **popped_key);
void zsetPropagatePop(client *c, robj *key, int where, long n, int as_extra);

#endif
