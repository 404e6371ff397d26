/* sort.c - SORT and SORT_RO over lists, sets and sorted sets.
 *
 * SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
 *          [ALPHA] [STORE destination]
 *
 * The elements are copied into a vector of sortItem, each with the key it
 * is ordered by (a number, or a string with ALPHA), read from the element
 * itself or, with BY, from another key named by substituting the element
 * for the pattern's first '*' (optionally a hash field: "pre*post->field").
 * BY without a '*' means no sorting: lists and sorted sets then keep their
 * own order (DESC reverses it). The output is the LIMIT range of the
 * vector, each element replaced by its GET values when GET is given, sent
 * to the client or stored as a list.
 *
 * What stock does and we do the same way: a sorted set being sorted is
 * converted to the skiplist encoding; an unsorted set that is STOREd (or
 * sorted from a script) is sorted ALPHA so that replicas get the same
 * list; equal numeric keys fall back to comparing the elements.
 */
#include "server.h"
#include "listpack.h"
#include <errno.h>
#include <math.h>

void sortCommand(client *c);
void sortroCommand(client *c);

typedef struct sortItem {
    robj *ele;       /* the element (a string object) */
    double score;    /* numeric sort key */
    robj *cmpobj;    /* ALPHA BY: the decoded key value, NULL if missing */
} sortItem;

/* The comparator's parameters (qsort gives it no context). */
static struct {
    int desc, alpha, bypattern, store;
} sort_opts;

/* ---------------------------------------------------------------------------
 * Pattern substitution
 * ------------------------------------------------------------------------- */

/* The value the pattern names for element ele: "#" is the element itself;
 * otherwise the first '*' is replaced by the element, and a "->field"
 * after it reads that hash field. Only string values (or hash fields) are
 * returned, as new references; NULL when missing or of another type, or
 * when the pattern has no '*'. */
static robj *sortLookupByPattern(redisDb *db, robj *pattern, robj *ele) {
    sds pat = pattern->ptr;
    size_t patlen = sdslen(pat);
    if (patlen == 1 && pat[0] == '#') {
        incrRefCount(ele);
        return ele;
    }
    char *star = strchr(pat, '*');
    if (!star) return NULL;
    /* The field is what follows the first "->" after the star, if any. */
    char *arrow = strstr(star + 1, "->");
    const char *field = NULL;
    size_t fieldlen = 0;
    if (arrow && arrow[2] != '\0') {
        field = arrow + 2;
        fieldlen = patlen - (size_t)(field - pat);
    }
    size_t prefixlen = (size_t)(star - pat);
    size_t postfixlen = patlen - prefixlen - 1 - (field ? fieldlen + 2 : 0);

    robj *dec = getDecodedObject(ele);
    sds name = sdsnewlen(pat, prefixlen);
    name = sdscatsds(name, dec->ptr);
    name = sdscatlen(name, star + 1, postfixlen);
    decrRefCount(dec);
    robj *keyobj = createObject(OBJ_STRING, name);

    robj *o = lookupKeyRead(db, keyobj), *result = NULL;
    if (o && field) {
        if (o->type == OBJ_HASH) {
            unsigned char buf[LP_INTBUF_SIZE];
            size_t vlen;
            sds f = sdsnewlen(field, fieldlen);
            const char *v = hashTypeGetValue(o, f, fieldlen, &vlen, buf);
            if (v) result = createStringObject(v, vlen);
            sdsfree(f);
        }
    } else if (o && o->type == OBJ_STRING) {
        incrRefCount(o);
        result = o;
    }
    decrRefCount(keyobj);
    return result;
}

/* ---------------------------------------------------------------------------
 * Loading and ordering
 * ------------------------------------------------------------------------- */

typedef struct sortVector {
    sortItem *items;
    long len, cap;
} sortVector;

static void sortVectorAdd(sortVector *v, robj *ele) {
    if (v->len == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->items = zrealloc(v->items, sizeof(sortItem) * (size_t)v->cap);
    }
    sortItem *it = &v->items[v->len++];
    it->ele = ele;
    it->score = 0;
    it->cmpobj = NULL;
}

static void sortLoadZsetMember(void *priv, const char *m, size_t len, double score,
                               unsigned long index) {
    (void)score;
    (void)index;
    sortVectorAdd(priv, createStringObject(m, len));
}

/* Every element of the value, in its own order (set: iteration order). */
static void sortLoadElements(robj *o, sortVector *v) {
    if (o->type == OBJ_LIST) {
        quicklistIter *it = quicklistGetIterator(o->ptr, AL_START_HEAD_QL);
        quicklistEntry e;
        while (quicklistNext(it, &e)) {
            if (e.value) sortVectorAdd(v, createStringObject((char *)e.value, e.sz));
            else sortVectorAdd(v, createStringObjectFromLongLong(e.longval));
        }
        quicklistReleaseIterator(it);
    } else if (o->type == OBJ_SET) {
        setTypeIterator *si = setTypeInitIterator(o);
        sds ele;
        while ((ele = setTypeNextObject(si)) != NULL)
            sortVectorAdd(v, createObject(OBJ_STRING, ele));
        setTypeReleaseIterator(si);
    } else {
        zsetForEach(o, sortLoadZsetMember, v);
    }
}

/* The number a string spells for numeric sorting, as strtod reads it
 * (leading spaces, hex, inf); 0 with *err set when it is not one. */
static double sortScoreOf(robj *o, int *err) {
    if (o->encoding == OBJ_ENCODING_INT) return (double)(long)o->ptr;
    char *end;
    errno = 0;
    double d = strtod(o->ptr, &end);
    if (end[0] != '\0' || errno == ERANGE || isnan(d)) *err = 1;
    return d;
}

static int sortCompare(const void *a, const void *b) {
    const sortItem *x = a, *y = b;
    int cmp;
    if (!sort_opts.alpha) {
        if (x->score > y->score) cmp = 1;
        else if (x->score < y->score) cmp = -1;
        else cmp = compareStringObjects(x->ele, y->ele); /* a defined order */
    } else if (sort_opts.bypattern) {
        if (!x->cmpobj || !y->cmpobj) {
            /* A missing key sorts first. */
            cmp = x->cmpobj == y->cmpobj ? 0 : (x->cmpobj == NULL ? -1 : 1);
        } else if (sort_opts.store) {
            cmp = compareStringObjects(x->cmpobj, y->cmpobj);
        } else {
            cmp = strcoll(x->cmpobj->ptr, y->cmpobj->ptr);
        }
    } else {
        cmp = sort_opts.store ? compareStringObjects(x->ele, y->ele)
                              : collateStringObjects(x->ele, y->ele);
    }
    return sort_opts.desc ? -cmp : cmp;
}

/* Fill in each item's sort key; returns 0 if a numeric key is not a number. */
static int sortComputeKeys(client *c, sortVector *v, robj *sortby, int alpha) {
    int err = 0;
    for (long j = 0; j < v->len; j++) {
        sortItem *it = &v->items[j];
        robj *byval = sortby ? sortLookupByPattern(c->db, sortby, it->ele) : it->ele;
        if (!byval) continue;
        if (alpha) {
            if (sortby) it->cmpobj = getDecodedObject(byval);
        } else {
            it->score = sortScoreOf(byval, &err);
        }
        if (sortby) decrRefCount(byval);
    }
    return !err;
}

/* ---------------------------------------------------------------------------
 * The command
 * ------------------------------------------------------------------------- */

typedef struct sortArgs {
    int desc, alpha, dontsort;
    long limit_start, limit_count;
    robj *sortby, *storekey;
    robj **gets;
    int getcount;
} sortArgs;

/* Parse the options after the key; replies and returns C_ERR on error. */
static int sortParseArgs(client *c, int readonly, sortArgs *a) {
    int full_key_access = -1; /* computed on first need */
    for (int j = 2; j < c->argc; j++) {
        const char *opt = c->argv[j]->ptr;
        int left = c->argc - j - 1;
        if (!strcasecmp(opt, "asc")) {
            a->desc = 0;
        } else if (!strcasecmp(opt, "desc")) {
            a->desc = 1;
        } else if (!strcasecmp(opt, "alpha")) {
            a->alpha = 1;
        } else if (!strcasecmp(opt, "limit") && left >= 2) {
            if (getLongFromObjectOrReply(c, c->argv[j + 1], &a->limit_start, NULL) != C_OK ||
                getLongFromObjectOrReply(c, c->argv[j + 2], &a->limit_count, NULL) != C_OK)
                return C_ERR;
            j += 2;
        } else if (!readonly && !strcasecmp(opt, "store") && left >= 1) {
            a->storekey = c->argv[++j];
        } else if ((!strcasecmp(opt, "by") || !strcasecmp(opt, "get")) && left >= 1) {
            int is_by = !strcasecmp(opt, "by");
            robj *pat = c->argv[++j];
            /* A BY without '*' reads no key: it just means "don't sort". */
            int reads_keys = !is_by || strchr(pat->ptr, '*') != NULL;
            if (reads_keys) {
                if (server.cluster_enabled) {
                    addReplyErrorFormat(c, "%s option of SORT denied in Cluster mode.",
                                        is_by ? "BY" : "GET");
                    return C_ERR;
                }
                if (full_key_access == -1)
                    full_key_access = ACLUserHasUnrestrictedKeyAccess(c->user, c->cmd, c->argv, c->argc);
                if (!full_key_access) {
                    addReplyErrorFormat(c, "%s option of SORT denied due to insufficient ACL permissions.",
                                        is_by ? "BY" : "GET");
                    return C_ERR;
                }
            }
            if (is_by) {
                a->sortby = pat;
                a->dontsort = !reads_keys;
            } else {
                a->gets = zrealloc(a->gets, sizeof(robj *) * (size_t)(a->getcount + 1));
                a->gets[a->getcount++] = pat;
            }
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return C_ERR;
        }
    }
    return C_OK;
}

/* Reply with, or store, the output range [start, end] of the vector. */
static void sortEmit(client *c, sortArgs *a, sortVector *v, long start, long end) {
    long n = end - start + 1;
    long outputlen = a->getcount ? a->getcount * n : n;
    if (!a->storekey) {
        addReplyArrayLen(c, outputlen);
        for (long j = start; j <= end; j++) {
            if (!a->getcount) addReplyBulk(c, v->items[j].ele);
            for (int g = 0; g < a->getcount; g++) {
                robj *val = sortLookupByPattern(c->db, a->gets[g], v->items[j].ele);
                if (val) {
                    addReplyBulk(c, val);
                    decrRefCount(val);
                } else {
                    addReplyNull(c);
                }
            }
        }
        return;
    }
    robj *dst = createQuicklistObject();
    for (long j = start; j <= end; j++) {
        if (!a->getcount) listTypePush(dst, v->items[j].ele, LIST_TAIL);
        for (int g = 0; g < a->getcount; g++) {
            robj *val = sortLookupByPattern(c->db, a->gets[g], v->items[j].ele);
            if (!val) val = createStringObject("", 0); /* a list holds no nulls */
            listTypePush(dst, val, LIST_TAIL);
            decrRefCount(val);
        }
    }
    if (outputlen) {
        setKey(c, c->db, a->storekey, dst, 0);
        notifyKeyspaceEvent(NOTIFY_LIST, "sortstore", a->storekey, c->db->id);
        server.dirty += outputlen;
    } else if (dbDelete(c->db, a->storekey)) {
        signalModifiedKey(c, c->db, a->storekey);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", a->storekey, c->db->id);
        server.dirty++;
    }
    decrRefCount(dst);
    addReplyLongLong(c, outputlen);
}

static void sortGeneric(client *c, int readonly) {
    sortArgs a = {0};
    a.limit_count = -1;
    sortVector v = {0};
    robj *sortval = NULL;
    if (sortParseArgs(c, readonly, &a) != C_OK) goto cleanup;

    sortval = lookupKeyRead(c->db, c->argv[1]);
    if (sortval && sortval->type != OBJ_SET && sortval->type != OBJ_LIST &&
        sortval->type != OBJ_ZSET) {
        sortval = NULL;
        addReplyErrorObject(c, shared.wrongtypeerr);
        goto cleanup;
    }
    /* Sorting may touch other keys (STORE): keep the value alive. */
    if (sortval) incrRefCount(sortval);
    else sortval = createQuicklistObject();

    /* An unsorted set has no stable order: sort it where replicas or a
     * script must see the same thing. */
    if (a.dontsort && sortval->type == OBJ_SET && (a.storekey || (c->flags & CLIENT_SCRIPT))) {
        a.dontsort = 0;
        a.alpha = 1;
        a.sortby = NULL;
    }
    if (sortval->type == OBJ_ZSET) zsetConvert(sortval, OBJ_ENCODING_SKIPLIST);

    sortLoadElements(sortval, &v);
    /* Lists and sorted sets keep their order when not sorted; DESC walks it
     * backwards. */
    if (a.dontsort && a.desc && sortval->type != OBJ_SET) {
        for (long i = 0, k = v.len - 1; i < k; i++, k--) {
            sortItem tmp = v.items[i];
            v.items[i] = v.items[k];
            v.items[k] = tmp;
        }
    }

    long len = v.len;
    long start = a.limit_start < 0 ? 0 : a.limit_start;
    long end = a.limit_count < 0 ? len - 1 : start + a.limit_count - 1;
    if (start >= len) {
        start = len - 1;
        end = len - 2;
    }
    if (end >= len) end = len - 1;

    if (!a.dontsort) {
        if (!sortComputeKeys(c, &v, a.sortby, a.alpha)) {
            addReplyError(c, "One or more scores can't be converted into double");
            goto cleanup;
        }
        sort_opts.desc = a.desc;
        sort_opts.alpha = a.alpha;
        sort_opts.bypattern = a.sortby != NULL;
        sort_opts.store = a.storekey != NULL;
        if (v.len > 1) qsort(v.items, (size_t)v.len, sizeof(sortItem), sortCompare);
    }
    sortEmit(c, &a, &v, start, end);

cleanup:
    for (long j = 0; j < v.len; j++) {
        decrRefCount(v.items[j].ele);
        if (v.items[j].cmpobj) decrRefCount(v.items[j].cmpobj);
    }
    zfree(v.items);
    zfree(a.gets);
    if (sortval) decrRefCount(sortval);
}

void sortCommand(client *c) { sortGeneric(c, 0); }
void sortroCommand(client *c) { sortGeneric(c, 1); }
