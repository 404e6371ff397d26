/* zset_skiplist.c - the skiplist behind big sorted sets, and range specs.
 *
 * Nodes are ordered by (score, member bytes). Each link of each level
 * records how many nodes it jumps over (its span), so walking from the
 * header down to a node and summing spans gives the node's 1-based rank;
 * ranks and "element at rank" are O(log N) like lookups. Level 0 is a
 * plain doubly linked list (backward pointers) for reverse walks.
 *
 * The skiplist owns the member sds strings; the zset dict (t_zset.c)
 * borrows them as keys, so deletions here receive the dict to unlink the
 * member there before its sds is freed.
 *
 * Also here: parsing of score ranges ("(1.5", "-inf") and lex ranges
 * ("[a", "(b", "-", "+") and the predicates on them, which both encodings
 * use.
 */
#include "server.h"
#include "t_zset.h"
#include <math.h>

static zskiplistNode *zslNewNode(int level, double score, sds ele) {
    zskiplistNode *n = zmalloc(sizeof(*n) + level * sizeof(struct zskiplistLevel));
    n->score = score;
    n->ele = ele;
    n->backward = NULL;
    return n;
}

zskiplist *zslCreate(void) {
    zskiplist *zsl = zmalloc(sizeof(*zsl));
    zsl->level = 1;
    zsl->length = 0;
    zsl->header = zslNewNode(ZSKIPLIST_MAXLEVEL, 0, NULL);
    for (int i = 0; i < ZSKIPLIST_MAXLEVEL; i++) {
        zsl->header->level[i].forward = NULL;
        zsl->header->level[i].span = 0;
    }
    zsl->tail = NULL;
    return zsl;
}

void zslFree(zskiplist *zsl) {
    zskiplistNode *n = zsl->header->level[0].forward;
    zfree(zsl->header);
    while (n) {
        zskiplistNode *next = n->level[0].forward;
        sdsfree(n->ele);
        zfree(n);
        n = next;
    }
    zfree(zsl);
}

/* Geometric level: each extra level with probability ZSKIPLIST_P. */
static int zslRandomLevel(void) {
    int level = 1;
    while (level < ZSKIPLIST_MAXLEVEL && (random() & 0xFFFF) < (ZSKIPLIST_P * 0xFFFF))
        level++;
    return level;
}

/* Does node n sort before (score, ele)? */
static int zslNodeBefore(const zskiplistNode *n, double score, sds ele) {
    return n->score < score || (n->score == score && sdscmp(n->ele, ele) < 0);
}

/* The caller guarantees ele is not in the list yet. Takes ownership of ele. */
zskiplistNode *zslInsert(zskiplist *zsl, double score, sds ele) {
    zskiplistNode *update[ZSKIPLIST_MAXLEVEL], *x = zsl->header;
    unsigned long rank[ZSKIPLIST_MAXLEVEL];

    serverAssert(!isnan(score));
    for (int i = zsl->level - 1; i >= 0; i--) {
        rank[i] = i == zsl->level - 1 ? 0 : rank[i+1];
        while (x->level[i].forward && zslNodeBefore(x->level[i].forward, score, ele)) {
            rank[i] += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
    int level = zslRandomLevel();
    if (level > zsl->level) {
        for (int i = zsl->level; i < level; i++) {
            rank[i] = 0;
            update[i] = zsl->header;
            update[i]->level[i].span = zsl->length;
        }
        zsl->level = level;
    }
    x = zslNewNode(level, score, ele);
    for (int i = 0; i < level; i++) {
        x->level[i].forward = update[i]->level[i].forward;
        update[i]->level[i].forward = x;
        /* rank[0] - rank[i] nodes lie between update[i] and the new node. */
        x->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
        update[i]->level[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = level; i < zsl->level; i++) update[i]->level[i].span++;

    x->backward = (update[0] == zsl->header) ? NULL : update[0];
    if (x->level[0].forward) x->level[0].forward->backward = x;
    else zsl->tail = x;
    zsl->length++;
    return x;
}

/* Unlink x, given the rightmost node before it at each level. */
static void zslUnlinkNode(zskiplist *zsl, zskiplistNode *x, zskiplistNode **update) {
    for (int i = 0; i < zsl->level; i++) {
        if (update[i]->level[i].forward == x) {
            update[i]->level[i].span += x->level[i].span - 1;
            update[i]->level[i].forward = x->level[i].forward;
        } else {
            update[i]->level[i].span -= 1;
        }
    }
    if (x->level[0].forward) x->level[0].forward->backward = x->backward;
    else zsl->tail = x->backward;
    while (zsl->level > 1 && zsl->header->level[zsl->level-1].forward == NULL) zsl->level--;
    zsl->length--;
}

/* Fill update[] for (score, ele); returns the candidate node after it. */
static zskiplistNode *zslFindUpdate(zskiplist *zsl, double score, sds ele,
                                    zskiplistNode **update) {
    zskiplistNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && zslNodeBefore(x->level[i].forward, score, ele))
            x = x->level[i].forward;
        update[i] = x;
    }
    return x->level[0].forward;
}

/* Remove (score, ele). With node != NULL the unlinked node is handed to
 * the caller (who frees it), else it is freed with its member. */
int zslDelete(zskiplist *zsl, double score, sds ele, zskiplistNode **node) {
    zskiplistNode *update[ZSKIPLIST_MAXLEVEL];
    zskiplistNode *x = zslFindUpdate(zsl, score, ele, update);
    if (!x || x->score != score || sdscmp(x->ele, ele) != 0) return 0;
    zslUnlinkNode(zsl, x, update);
    if (node) {
        *node = x;
    } else {
        sdsfree(x->ele);
        zfree(x);
    }
    return 1;
}

/* Change the score of an existing member. When the node stays in order it
 * is updated in place, else it is moved (reusing its member sds). */
zskiplistNode *zslUpdateScore(zskiplist *zsl, double curscore, sds ele, double newscore) {
    zskiplistNode *update[ZSKIPLIST_MAXLEVEL];
    zskiplistNode *x = zslFindUpdate(zsl, curscore, ele, update);
    serverAssert(x && x->score == curscore && sdscmp(x->ele, ele) == 0);

    int after_prev = x->backward == NULL || x->backward->score < newscore ||
        (x->backward->score == newscore && sdscmp(x->backward->ele, ele) < 0);
    zskiplistNode *next = x->level[0].forward;
    int before_next = next == NULL || next->score > newscore ||
        (next->score == newscore && sdscmp(next->ele, ele) > 0);
    if (after_prev && before_next) {
        x->score = newscore;
        return x;
    }
    zslUnlinkNode(zsl, x, update);
    zskiplistNode *moved = zslInsert(zsl, newscore, x->ele);
    x->ele = NULL;
    zfree(x);
    return moved;
}

/* 1-based rank of (score, ele), 0 when absent. */
unsigned long zslGetRank(zskiplist *zsl, double score, sds ele) {
    zskiplistNode *x = zsl->header;
    unsigned long rank = 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward &&
               (x->level[i].forward->score < score ||
                (x->level[i].forward->score == score &&
                 sdscmp(x->level[i].forward->ele, ele) <= 0))) {
            rank += x->level[i].span;
            x = x->level[i].forward;
        }
        if (x->ele && x->score == score && sdscmp(x->ele, ele) == 0) return rank;
    }
    return 0;
}

/* Node at 1-based rank, NULL when out of range. */
zskiplistNode *zslGetElementByRank(zskiplist *zsl, unsigned long rank) {
    zskiplistNode *x = zsl->header;
    unsigned long traversed = 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && traversed + x->level[i].span <= rank) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        if (traversed == rank) return x == zsl->header ? NULL : x;
    }
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Score ranges
 * ------------------------------------------------------------------------ */

int zslValueGteMin(double value, const zrangespec *spec) {
    return spec->minex ? value > spec->min : value >= spec->min;
}

int zslValueLteMax(double value, const zrangespec *spec) {
    return spec->maxex ? value < spec->max : value <= spec->max;
}

/* Could any score be in the range, and does the list overlap it? */
int zslIsInRange(zskiplist *zsl, const zrangespec *range) {
    if (range->min > range->max || (range->min == range->max && (range->minex || range->maxex)))
        return 0;
    zskiplistNode *x = zsl->tail;
    if (x == NULL || !zslValueGteMin(x->score, range)) return 0;
    x = zsl->header->level[0].forward;
    return x != NULL && zslValueLteMax(x->score, range);
}

zskiplistNode *zslFirstInRange(zskiplist *zsl, const zrangespec *range) {
    if (!zslIsInRange(zsl, range)) return NULL;
    zskiplistNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && !zslValueGteMin(x->level[i].forward->score, range))
            x = x->level[i].forward;
    }
    x = x->level[0].forward;
    return (x && zslValueLteMax(x->score, range)) ? x : NULL;
}

zskiplistNode *zslLastInRange(zskiplist *zsl, const zrangespec *range) {
    if (!zslIsInRange(zsl, range)) return NULL;
    zskiplistNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && zslValueLteMax(x->level[i].forward->score, range))
            x = x->level[i].forward;
    }
    return (x != zsl->header && zslValueGteMin(x->score, range)) ? x : NULL;
}

/* Free a run of unlinked-on-the-fly nodes: shared by the range deletes. */
static void zslDropNode(zskiplist *zsl, zskiplistNode *x, zskiplistNode **update, dict *d) {
    zslUnlinkNode(zsl, x, update);
    dictDelete(d, x->ele);
    sdsfree(x->ele);
    zfree(x);
}

unsigned long zslDeleteRangeByScore(zskiplist *zsl, const zrangespec *range, dict *d) {
    zskiplistNode *update[ZSKIPLIST_MAXLEVEL], *x = zsl->header;
    unsigned long removed = 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && !zslValueGteMin(x->level[i].forward->score, range))
            x = x->level[i].forward;
        update[i] = x;
    }
    x = x->level[0].forward;
    while (x && zslValueLteMax(x->score, range)) {
        zskiplistNode *next = x->level[0].forward;
        zslDropNode(zsl, x, update, d);
        removed++;
        x = next;
    }
    return removed;
}

/* start and end are 1-based, inclusive. */
unsigned long zslDeleteRangeByRank(zskiplist *zsl, unsigned long start, unsigned long end, dict *d) {
    zskiplistNode *update[ZSKIPLIST_MAXLEVEL], *x = zsl->header;
    unsigned long traversed = 0, removed = 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && traversed + x->level[i].span < start) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
    traversed++;
    x = x->level[0].forward;
    while (x && traversed <= end) {
        zskiplistNode *next = x->level[0].forward;
        zslDropNode(zsl, x, update, d);
        removed++;
        traversed++;
        x = next;
    }
    return removed;
}

/* Read one end of a score range: "(" makes it exclusive. Like stock, the
 * number is read by strtod (so " 1" and "1e999" are accepted) and NaN is
 * refused. */
static int zslParseRangeItem(robj *o, double *value, int *exclusive) {
    *exclusive = 0;
    if (o->encoding == OBJ_ENCODING_INT) {
        *value = (long)o->ptr;
        return C_OK;
    }
    const char *s = o->ptr;
    char *end;
    if (s[0] == '(') {
        *exclusive = 1;
        s++;
    }
    *value = strtod(s, &end);
    if (*end != '\0' || isnan(*value)) return C_ERR;
    return C_OK;
}

int zslParseRange(robj *min, robj *max, zrangespec *spec) {
    if (zslParseRangeItem(min, &spec->min, &spec->minex) != C_OK) return C_ERR;
    if (zslParseRangeItem(max, &spec->max, &spec->maxex) != C_OK) return C_ERR;
    return C_OK;
}

/* ---------------------------------------------------------------------------
 * Lex ranges
 * ------------------------------------------------------------------------ */

int zslCompareLex(const char *a, size_t alen, const char *b, size_t blen) {
    size_t minlen = alen < blen ? alen : blen;
    int cmp = memcmp(a, b, minlen);
    if (cmp != 0) return cmp;
    return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

/* Compare against a range end that may be the "-" / "+" marker. */
static int zslLexCmp(sds a, sds b) {
    if (a == b) return 0;
    if (a == shared.minstring || b == shared.maxstring) return -1;
    if (a == shared.maxstring || b == shared.minstring) return 1;
    return sdscmp(a, b);
}

static int zslParseLexItem(robj *o, sds *dest, int *ex) {
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *s = stringObjectBuffer(o, buf, &len);
    if (len == 0) return C_ERR;
    switch (s[0]) {
    case '+':
        if (len != 1) return C_ERR;
        *ex = 1;
        *dest = shared.maxstring;
        return C_OK;
    case '-':
        if (len != 1) return C_ERR;
        *ex = 1;
        *dest = shared.minstring;
        return C_OK;
    case '(':
    case '[':
        *ex = s[0] == '(';
        *dest = sdsnewlen(s + 1, len - 1);
        return C_OK;
    default:
        return C_ERR;
    }
}

void zslFreeLexRange(zlexrangespec *spec) {
    if (spec->min && spec->min != shared.minstring && spec->min != shared.maxstring)
        sdsfree(spec->min);
    if (spec->max && spec->max != shared.minstring && spec->max != shared.maxstring)
        sdsfree(spec->max);
    spec->min = spec->max = NULL;
}

int zslParseLexRange(robj *min, robj *max, zlexrangespec *spec) {
    spec->min = spec->max = NULL;
    if (zslParseLexItem(min, &spec->min, &spec->minex) != C_OK ||
        zslParseLexItem(max, &spec->max, &spec->maxex) != C_OK) {
        zslFreeLexRange(spec);
        return C_ERR;
    }
    return C_OK;
}

int zslLexValueGteMin(sds value, const zlexrangespec *spec) {
    int cmp = zslLexCmp(value, spec->min);
    return spec->minex ? cmp > 0 : cmp >= 0;
}

int zslLexValueLteMax(sds value, const zlexrangespec *spec) {
    int cmp = zslLexCmp(value, spec->max);
    return spec->maxex ? cmp < 0 : cmp <= 0;
}

int zslIsInLexRange(zskiplist *zsl, const zlexrangespec *range) {
    int cmp = zslLexCmp(range->min, range->max);
    if (cmp > 0 || (cmp == 0 && (range->minex || range->maxex))) return 0;
    zskiplistNode *x = zsl->tail;
    if (x == NULL || !zslLexValueGteMin(x->ele, range)) return 0;
    x = zsl->header->level[0].forward;
    return x != NULL && zslLexValueLteMax(x->ele, range);
}

zskiplistNode *zslFirstInLexRange(zskiplist *zsl, const zlexrangespec *range) {
    if (!zslIsInLexRange(zsl, range)) return NULL;
    zskiplistNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && !zslLexValueGteMin(x->level[i].forward->ele, range))
            x = x->level[i].forward;
    }
    x = x->level[0].forward;
    return (x && zslLexValueLteMax(x->ele, range)) ? x : NULL;
}

zskiplistNode *zslLastInLexRange(zskiplist *zsl, const zlexrangespec *range) {
    if (!zslIsInLexRange(zsl, range)) return NULL;
    zskiplistNode *x = zsl->header;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && zslLexValueLteMax(x->level[i].forward->ele, range))
            x = x->level[i].forward;
    }
    return (x != zsl->header && zslLexValueGteMin(x->ele, range)) ? x : NULL;
}

unsigned long zslDeleteRangeByLex(zskiplist *zsl, const zlexrangespec *range, dict *d) {
    zskiplistNode *update[ZSKIPLIST_MAXLEVEL], *x = zsl->header;
    unsigned long removed = 0;
    for (int i = zsl->level - 1; i >= 0; i--) {
        while (x->level[i].forward && !zslLexValueGteMin(x->level[i].forward->ele, range))
            x = x->level[i].forward;
        update[i] = x;
    }
    x = x->level[0].forward;
    while (x && zslLexValueLteMax(x->ele, range)) {
        zskiplistNode *next = x->level[0].forward;
        zslDropNode(zsl, x, update, d);
        removed++;
        x = next;
    }
    return removed;
}
