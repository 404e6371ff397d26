/* t_list.c - the list type and its commands (see t_list.h).
 *
 * Values are quicklists (OBJ_ENCODING_QUICKLIST, the only list encoding
 * in 7.0) configured from list-max-listpack-size / list-compress-depth
 * when created. Blocking commands block through blocked.c with the
 * listBlockType below; a served client is served from its argv, so the
 * same code paths reply for the blocking and non-blocking forms.
 *
 * Replies, errors and their order follow stock 7.0.15 (checked with the
 * differential corpus tests/diff/list.txt).
 */
#include "server.h"

/* ---------------------------------------------------------------------------
 * The type
 * ------------------------------------------------------------------------- */

robj *createQuicklistObject(void) {
    quicklist *ql = quicklistNew(server.list_max_listpack_size, server.list_compress_depth);
    robj *o = createObject(OBJ_LIST, ql);
    o->encoding = OBJ_ENCODING_QUICKLIST;
    return o;
}

void freeListObject(robj *o) {
    quicklistRelease(o->ptr);
}

robj *dupListObject(robj *o) {
    robj *d = createObject(OBJ_LIST, quicklistDup(o->ptr));
    d->encoding = OBJ_ENCODING_QUICKLIST;
    return d;
}

unsigned long listTypeLength(const robj *o) {
    return quicklistCount(o->ptr);
}

void listTypePush(robj *o, robj *value, int where) {
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *s = stringObjectBuffer(value, buf, &len);
    quicklistPush(o->ptr, s, len, where == LIST_HEAD ? QUICKLIST_HEAD : QUICKLIST_TAIL);
}

static robj *objectFromPopped(unsigned char *data, size_t sz, long long lval) {
    if (!data) return createStringObjectFromLongLong(lval);
    robj *o = createStringObject((char *)data, sz);
    zfree(data);
    return o;
}

robj *listTypePop(robj *o, int where) {
    unsigned char *data;
    size_t sz;
    long long lval;
    if (!quicklistPop(o->ptr, where == LIST_HEAD ? QUICKLIST_HEAD : QUICKLIST_TAIL, &data, &sz, &lval))
        return NULL;
    return objectFromPopped(data, sz, lval);
}

static void addReplyListEntry(client *c, quicklistEntry *e) {
    if (e->value) addReplyBulkCBuffer(c, e->value, e->sz);
    else addReplyBulkLongLong(c, e->longval);
}

/* Pop one element straight into the reply (no intermediate object). */
static void popAndReply(client *c, robj *o, int where) {
    unsigned char *data;
    size_t sz;
    long long lval;
    quicklistPop(o->ptr, where == LIST_HEAD ? QUICKLIST_HEAD : QUICKLIST_TAIL, &data, &sz, &lval);
    if (data) {
        addReplyBulkCBuffer(c, data, sz);
        zfree(data);
    } else {
        addReplyBulkLongLong(c, lval);
    }
}

/* Delete the key once its list is empty, with the event stock sends. */
static void deleteIfEmpty(client *c, robj *key, robj *o) {
    if (listTypeLength(o) == 0) {
        dbDelete(c->db, key);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key, c->db->id);
    }
}

static int getListPositionFromObjectOrReply(client *c, robj *arg, int *where) {
    if (!strcasecmp(arg->ptr, "right")) *where = LIST_TAIL;
    else if (!strcasecmp(arg->ptr, "left")) *where = LIST_HEAD;
    else {
        addReplyErrorObject(c, shared.syntaxerr);
        return C_ERR;
    }
    return C_OK;
}

static robj *positionArg(int where) {
    return where == LIST_HEAD ? shared.left : shared.right;
}

/* ---------------------------------------------------------------------------
 * Push
 * ------------------------------------------------------------------------- */

static void pushGenericCommand(client *c, int where, int xx) {
    robj *o = lookupKeyWrite(c->db, c->argv[1]);
    if (checkType(c, o, OBJ_LIST)) return;
    if (!o) {
        if (xx) {
            addReply(c, shared.czero);
            return;
        }
        o = createQuicklistObject();
        dbAdd(c->db, c->argv[1], o);
    }
    for (int j = 2; j < c->argc; j++) listTypePush(o, c->argv[j], where);
    addReplyLongLong(c, (long long)listTypeLength(o));
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_LIST, where == LIST_HEAD ? "lpush" : "rpush", c->argv[1], c->db->id);
    server.dirty += c->argc - 2;
}

void lpushCommand(client *c) { pushGenericCommand(c, LIST_HEAD, 0); }
void rpushCommand(client *c) { pushGenericCommand(c, LIST_TAIL, 0); }
void lpushxCommand(client *c) { pushGenericCommand(c, LIST_HEAD, 1); }
void rpushxCommand(client *c) { pushGenericCommand(c, LIST_TAIL, 1); }

/* LINSERT key BEFORE|AFTER pivot element */
void linsertCommand(client *c) {
    int after;
    if (!strcasecmp(c->argv[2]->ptr, "after")) after = 1;
    else if (!strcasecmp(c->argv[2]->ptr, "before")) after = 0;
    else {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], shared.czero);
    if (!o || checkType(c, o, OBJ_LIST)) return;

    char pbuf[LONG_STR_SIZE], vbuf[LONG_STR_SIZE];
    size_t plen, vlen;
    const char *pivot = stringObjectBuffer(c->argv[3], pbuf, &plen);
    const char *val = stringObjectBuffer(c->argv[4], vbuf, &vlen);
    quicklistIter *it = quicklistGetIterator(o->ptr, AL_START_HEAD_QL);
    quicklistEntry e;
    int inserted = 0;
    while (quicklistNext(it, &e)) {
        if (quicklistCompare(&e, (const unsigned char *)pivot, plen)) {
            if (after) quicklistInsertAfter(it, &e, val, vlen);
            else quicklistInsertBefore(it, &e, val, vlen);
            inserted = 1;
            break;
        }
    }
    quicklistReleaseIterator(it);
    if (!inserted) {
        addReplyLongLong(c, -1);
        return;
    }
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_LIST, "linsert", c->argv[1], c->db->id);
    server.dirty++;
    addReplyLongLong(c, (long long)listTypeLength(o));
}

/* ---------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------- */

void llenCommand(client *c) {
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (!o || checkType(c, o, OBJ_LIST)) return;
    addReplyLongLong(c, (long long)listTypeLength(o));
}

void lindexCommand(client *c) {
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.null[c->resp]);
    if (!o || checkType(c, o, OBJ_LIST)) return;
    long index;
    if (getLongFromObjectOrReply(c, c->argv[2], &index, NULL) != C_OK) return;
    quicklistIter *it = quicklistGetIteratorAtIdx(o->ptr, AL_START_TAIL_QL, index);
    quicklistEntry e;
    if (it && quicklistNext(it, &e)) addReplyListEntry(c, &e);
    else addReplyNull(c);
    quicklistReleaseIterator(it);
}

/* Reply with elements [start, end] (already clamped, start <= end). */
static void addListRangeReply(client *c, robj *o, long start, long end, int reverse) {
    long n = end - start + 1;
    addReplyArrayLen(c, n);
    long from = reverse ? -start - 1 : start;
    quicklistIter *it = quicklistGetIteratorAtIdx(o->ptr, reverse ? AL_START_TAIL_QL : AL_START_HEAD_QL, from);
    quicklistEntry e;
    while (n-- && quicklistNext(it, &e)) addReplyListEntry(c, &e);
    quicklistReleaseIterator(it);
}

/* Clamp [start, end] of a list of len elements; 0 if the range is empty. */
static int clampRange(long len, long *start, long *end) {
    if (*start < 0) *start = len + *start;
    if (*end < 0) *end = len + *end;
    if (*start < 0) *start = 0;
    if (*start > *end || *start >= len) return 0;
    if (*end >= len) *end = len - 1;
    return 1;
}

void lrangeCommand(client *c) {
    long start, end;
    if (getLongFromObjectOrReply(c, c->argv[2], &start, NULL) != C_OK ||
        getLongFromObjectOrReply(c, c->argv[3], &end, NULL) != C_OK) return;
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.emptyarray);
    if (!o || checkType(c, o, OBJ_LIST)) return;
    if (!clampRange((long)listTypeLength(o), &start, &end)) {
        addReply(c, shared.emptyarray);
        return;
    }
    addListRangeReply(c, o, start, end, 0);
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
void lposCommand(client *c) {
    long rank = 1, count = -1, maxlen = 0;
    for (int j = 3; j < c->argc; j++) {
        const char *opt = c->argv[j]->ptr;
        int more = c->argc - j - 1;
        if (!strcasecmp(opt, "rank") && more) {
            if (getLongFromObjectOrReply(c, c->argv[++j], &rank, NULL) != C_OK) return;
            if (rank == 0) {
                addReplyError(c, "RANK can't be zero: use 1 to start from the first match, "
                                 "2 from the second ... or use negative to start from the end of the list");
                return;
            }
        } else if (!strcasecmp(opt, "count") && more) {
            if (getPositiveLongFromObjectOrReply(c, c->argv[++j], &count,
                                                 "COUNT can't be negative") != C_OK) return;
        } else if (!strcasecmp(opt, "maxlen") && more) {
            if (getPositiveLongFromObjectOrReply(c, c->argv[++j], &maxlen,
                                                 "MAXLEN can't be negative") != C_OK) return;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    robj *o = lookupKeyReadOrReply(c, c->argv[1], count == -1 ? shared.null[c->resp] : shared.emptyarray);
    if (!o || checkType(c, o, OBJ_LIST)) return;

    int from_tail = rank < 0;
    /* Matches to skip before reporting; stock's negation of LONG_MIN leaves
     * a negative rank, so every match counts. */
    unsigned long skip = rank == LONG_MIN ? 0 : (unsigned long)(from_tail ? -rank : rank) - 1;
    long len = (long)listTypeLength(o);
    char buf[LONG_STR_SIZE];
    size_t elen;
    const char *ele = stringObjectBuffer(c->argv[2], buf, &elen);

    void *arraylen = NULL;
    long found = 0;
    if (count != -1) arraylen = addReplyDeferredLen(c);
    quicklistIter *it = quicklistGetIterator(o->ptr, from_tail ? AL_START_TAIL_QL : AL_START_HEAD_QL);
    quicklistEntry e;
    long index = 0, matches = 0;
    while ((maxlen == 0 || index < maxlen) && quicklistNext(it, &e)) {
        if (quicklistCompare(&e, (const unsigned char *)ele, elen)) {
            matches++;
            if ((unsigned long)matches > skip) {
                long pos = from_tail ? len - index - 1 : index;
                if (count == -1) {
                    addReplyLongLong(c, pos);
                    found = 1;
                    break;
                }
                addReplyLongLong(c, pos);
                found++;
                if (count != 0 && found >= count) break;
            }
        }
        index++;
    }
    quicklistReleaseIterator(it);
    if (count != -1) setDeferredArrayLen(c, arraylen, found);
    else if (!found) addReplyNull(c);
}

/* ---------------------------------------------------------------------------
 * Writing in place
 * ------------------------------------------------------------------------- */

void lsetCommand(client *c) {
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], shared.nokeyerr);
    if (!o || checkType(c, o, OBJ_LIST)) return;
    long index;
    if (getLongFromObjectOrReply(c, c->argv[2], &index, NULL) != C_OK) return;
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *v = stringObjectBuffer(c->argv[3], buf, &len);
    if (!quicklistReplaceAtIndex(o->ptr, index, v, len)) {
        addReplyErrorObject(c, shared.outofrangeerr);
        return;
    }
    addReply(c, shared.ok);
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_LIST, "lset", c->argv[1], c->db->id);
    server.dirty++;
}

void ltrimCommand(client *c) {
    long start, end;
    if (getLongFromObjectOrReply(c, c->argv[2], &start, NULL) != C_OK ||
        getLongFromObjectOrReply(c, c->argv[3], &end, NULL) != C_OK) return;
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], shared.ok);
    if (!o || checkType(c, o, OBJ_LIST)) return;
    long len = (long)listTypeLength(o);
    long ltrim, rtrim;
    if (!clampRange(len, &start, &end)) {
        ltrim = len;
        rtrim = 0;
    } else {
        ltrim = start;
        rtrim = len - end - 1;
    }
    quicklistDelRange(o->ptr, 0, ltrim);
    quicklistDelRange(o->ptr, -rtrim, rtrim);
    notifyKeyspaceEvent(NOTIFY_LIST, "ltrim", c->argv[1], c->db->id);
    deleteIfEmpty(c, c->argv[1], o);
    signalModifiedKey(c, c->db, c->argv[1]);
    server.dirty += ltrim + rtrim;
    addReply(c, shared.ok);
}

void lremCommand(client *c) {
    long toremove;
    if (getLongFromObjectOrReply(c, c->argv[2], &toremove, NULL) != C_OK) return;
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], shared.czero);
    if (!o || checkType(c, o, OBJ_LIST)) return;
    char buf[LONG_STR_SIZE];
    size_t len;
    const char *ele = stringObjectBuffer(c->argv[3], buf, &len);
    quicklistIter *it = quicklistGetIterator(o->ptr, toremove < 0 ? AL_START_TAIL_QL : AL_START_HEAD_QL);
    unsigned long limit = toremove < 0 ? (unsigned long)-(toremove + 1) + 1 : (unsigned long)toremove;
    quicklistEntry e;
    long removed = 0;
    while (quicklistNext(it, &e)) {
        if (quicklistCompare(&e, (const unsigned char *)ele, len)) {
            quicklistDelEntry(it, &e);
            server.dirty++;
            removed++;
            if (limit && (unsigned long)removed == limit) break;
        }
    }
    quicklistReleaseIterator(it);
    if (removed) {
        notifyKeyspaceEvent(NOTIFY_LIST, "lrem", c->argv[1], c->db->id);
        deleteIfEmpty(c, c->argv[1], o);
        signalModifiedKey(c, c->db, c->argv[1]);
    }
    addReplyLongLong(c, removed);
}

/* ---------------------------------------------------------------------------
 * Pop
 * ------------------------------------------------------------------------- */

/* Pop up to count elements of the (non-empty) list at key into an array
 * reply, sending the events; the key goes once empty. */
static void popRangeAndReply(client *c, robj *key, robj *o, int where, long count) {
    long len = (long)listTypeLength(o);
    if (count > len) count = len;
    addReplyArrayLen(c, count);
    for (long j = 0; j < count; j++) popAndReply(c, o, where);
    notifyKeyspaceEvent(NOTIFY_LIST, where == LIST_HEAD ? "lpop" : "rpop", key, c->db->id);
    deleteIfEmpty(c, key, o);
    signalModifiedKey(c, c->db, key);
    server.dirty += count;
}

static void popGenericCommand(client *c, int where) {
    long count = 0;
    int hascount = c->argc == 3;
    if (c->argc > 3) {
        addReplyErrorArity(c);
        return;
    }
    if (hascount && getPositiveLongFromObjectOrReply(c, c->argv[2], &count,
                                                     "value is out of range, must be positive") != C_OK)
        return;
    robj *o = lookupKeyWriteOrReply(c, c->argv[1], hascount ? shared.nullarray[c->resp] : shared.null[c->resp]);
    if (!o || checkType(c, o, OBJ_LIST)) return;
    if (hascount && count == 0) {
        addReply(c, shared.emptyarray);
        return;
    }
    if (!hascount) {
        popAndReply(c, o, where);
        notifyKeyspaceEvent(NOTIFY_LIST, where == LIST_HEAD ? "lpop" : "rpop", c->argv[1], c->db->id);
        deleteIfEmpty(c, c->argv[1], o);
        signalModifiedKey(c, c->db, c->argv[1]);
        server.dirty++;
    } else {
        popRangeAndReply(c, c->argv[1], o, where, count);
    }
}

void lpopCommand(client *c) { popGenericCommand(c, LIST_HEAD); }
void rpopCommand(client *c) { popGenericCommand(c, LIST_TAIL); }

/* The reply and propagation of an LMPOP-style pop from key:
 * [key, [elements]], propagated as LPOP/RPOP key count. */
static void mpopFromKey(client *c, robj *key, robj *o, int where, long count) {
    long len = (long)listTypeLength(o);
    if (count > len) count = len;
    addReplyArrayLen(c, 2);
    addReplyBulk(c, key);
    popRangeAndReply(c, key, o, where, count);
    robj *cnt = createStringObjectFromLongLong(count);
    robj *pop = where == LIST_HEAD ? shared.lpop : shared.rpop;
    if (c->flags & CLIENT_BLOCKED) {
        robj *argv[3] = {pop, key, cnt};
        alsoPropagate(c->db->id, argv, 3, CMD_CALL_PROPAGATE);
    } else {
        rewriteClientCommandVector(c, 3, pop, key, cnt);
    }
    decrRefCount(cnt);
}

/* ---------------------------------------------------------------------------
 * Move
 * ------------------------------------------------------------------------- */

/* Push value to dst (created if missing) and reply with it. */
static void lmoveHandlePush(client *c, robj *dstkey, robj *dobj, robj *value, int where) {
    if (!dobj) {
        dobj = createQuicklistObject();
        dbAdd(c->db, dstkey, dobj);
    }
    signalModifiedKey(c, c->db, dstkey);
    listTypePush(dobj, value, where);
    notifyKeyspaceEvent(NOTIFY_LIST, where == LIST_HEAD ? "lpush" : "rpush", dstkey, c->db->id);
    addReplyBulk(c, value);
}

/* Move one element from the non-empty list sobj at argv[1] to argv[2];
 * 0 with a WRONGTYPE reply if the destination is not a list. */
static int lmoveFrom(client *c, robj *sobj, int wherefrom, int whereto) {
    robj *srckey = c->argv[1], *dstkey = c->argv[2];
    robj *dobj = lookupKeyWrite(c->db, dstkey);
    if (checkType(c, dobj, OBJ_LIST)) return 0;
    robj *value = listTypePop(sobj, wherefrom);
    /* The source may be deleted below: keep its name alive. */
    incrRefCount(srckey);
    lmoveHandlePush(c, dstkey, dobj, value, whereto);
    notifyKeyspaceEvent(NOTIFY_LIST, wherefrom == LIST_HEAD ? "lpop" : "rpop", srckey, c->db->id);
    deleteIfEmpty(c, srckey, sobj);
    signalModifiedKey(c, c->db, srckey);
    server.dirty++;
    decrRefCount(value);
    decrRefCount(srckey);
    return 1;
}

/* Propagate a served or immediate BLMOVE/BRPOPLPUSH as its non-blocking form. */
static void rewriteMoveForPropagation(client *c) {
    if (c->cmd && c->cmd->proc == blmoveCommand)
        rewriteClientCommandVector(c, 5, shared.lmove, c->argv[1], c->argv[2], c->argv[3], c->argv[4]);
    else if (c->cmd && c->cmd->proc == brpoplpushCommand)
        rewriteClientCommandVector(c, 3, shared.rpoplpush, c->argv[1], c->argv[2]);
}

static void lmoveGenericCommand(client *c, int wherefrom, int whereto) {
    robj *sobj = lookupKeyWriteOrReply(c, c->argv[1], shared.null[c->resp]);
    if (!sobj || checkType(c, sobj, OBJ_LIST)) return;
    if (listTypeLength(sobj) == 0) {
        addReplyNull(c);
        return;
    }
    if (lmoveFrom(c, sobj, wherefrom, whereto)) rewriteMoveForPropagation(c);
}

void rpoplpushCommand(client *c) { lmoveGenericCommand(c, LIST_TAIL, LIST_HEAD); }

void lmoveCommand(client *c) {
    int wherefrom, whereto;
    if (getListPositionFromObjectOrReply(c, c->argv[3], &wherefrom) != C_OK ||
        getListPositionFromObjectOrReply(c, c->argv[4], &whereto) != C_OK) return;
    lmoveGenericCommand(c, wherefrom, whereto);
}

/* ---------------------------------------------------------------------------
 * Blocking commands
 * ------------------------------------------------------------------------- */

/* What a blocking list command asked for, read back from its argv. */
typedef struct listWait {
    int kind;                 /* LW_POP, LW_MOVE, LW_MPOP */
    int wherefrom, whereto;
    long count;
} listWait;

#define LW_POP 0
#define LW_MOVE 1
#define LW_MPOP 2

/* Parse LMPOP/BLMPOP: [timeout] numkeys key.. LEFT|RIGHT [COUNT n].
 * first = index of numkeys. */
static int parseMpop(client *c, int first, long *numkeys, int *where, long *count) {
    if (getRangeLongFromObjectOrReply(c, c->argv[first], 1, LONG_MAX, numkeys,
                                      "numkeys should be greater than 0") != C_OK)
        return C_ERR;
    /* Bound numkeys by argc before adding: it may be up to LONG_MAX. */
    if (*numkeys > c->argc - first - 2) {
        addReplyErrorObject(c, shared.syntaxerr);
        return C_ERR;
    }
    long where_idx = first + 1 + *numkeys;
    if (getListPositionFromObjectOrReply(c, c->argv[where_idx], where) != C_OK) return C_ERR;
    *count = -1;
    for (long j = where_idx + 1; j < c->argc; j++) {
        const char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "count") && *count == -1 && j + 1 < c->argc) {
            if (getRangeLongFromObjectOrReply(c, c->argv[++j], 1, LONG_MAX, count,
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

static void listWaitFromArgv(client *c, listWait *w) {
    w->count = 1;
    w->wherefrom = LIST_HEAD;
    w->whereto = LIST_TAIL;
    if (c->cmd->proc == brpopCommand) {
        w->kind = LW_POP;
        w->wherefrom = LIST_TAIL;
    } else if (c->cmd->proc == blpopCommand) {
        w->kind = LW_POP;
    } else if (c->cmd->proc == brpoplpushCommand) {
        w->kind = LW_MOVE;
        w->wherefrom = LIST_TAIL;
        w->whereto = LIST_HEAD;
    } else if (c->cmd->proc == blmoveCommand) {
        w->kind = LW_MOVE;
        w->wherefrom = strcasecmp(c->argv[3]->ptr, "left") ? LIST_TAIL : LIST_HEAD;
        w->whereto = strcasecmp(c->argv[4]->ptr, "left") ? LIST_TAIL : LIST_HEAD;
    } else {
        long long numkeys = 0;
        w->kind = LW_MPOP;
        getLongLongFromObject(c->argv[2], &numkeys);
        w->wherefrom = strcasecmp(c->argv[3 + numkeys]->ptr, "left") ? LIST_TAIL : LIST_HEAD;
        if (c->argc > 4 + numkeys) {
            long long cnt;
            getLongLongFromObject(c->argv[5 + numkeys], &cnt);
            w->count = (long)cnt;
        }
    }
}

/* BLPOP/BRPOP from key: [key, element], propagated as LPOP/RPOP. */
static void bpopFromKey(client *c, robj *key, robj *o, int where) {
    addReplyArrayLen(c, 2);
    addReplyBulk(c, key);
    popAndReply(c, o, where);
    incrRefCount(key);
    notifyKeyspaceEvent(NOTIFY_LIST, where == LIST_HEAD ? "lpop" : "rpop", key, c->db->id);
    deleteIfEmpty(c, key, o);
    signalModifiedKey(c, c->db, key);
    server.dirty++;
    /* A served waiter propagates the pop here; an immediate BLPOP rewrites
     * its own argv instead (blockingPopGenericCommand). */
    if (c->flags & CLIENT_BLOCKED) {
        robj *argv[2] = {where == LIST_HEAD ? shared.lpop : shared.rpop, key};
        alsoPropagate(c->db->id, argv, 2, CMD_CALL_PROPAGATE);
    }
    decrRefCount(key);
}

static int serveListWaiter(client *c, robj *key, robj *o) {
    listWait w;
    listWaitFromArgv(c, &w);
    if (listTypeLength(o) == 0) return 0;
    incrRefCount(key);
    if (w.kind == LW_POP) {
        bpopFromKey(c, key, o, w.wherefrom);
    } else if (w.kind == LW_MPOP) {
        mpopFromKey(c, key, o, w.wherefrom, w.count);
    } else {
        /* Served from argv[1] (the only key it blocks on). */
        if (lmoveFrom(c, o, w.wherefrom, w.whereto)) {
            robj *argv[5] = {shared.lmove, c->argv[1], c->argv[2],
                             positionArg(w.wherefrom), positionArg(w.whereto)};
            alsoPropagate(c->db->id, argv, 5, CMD_CALL_PROPAGATE);
        }
    }
    decrRefCount(key);
    return 1;
}

static const blockType listBlockType = {"list", OBJ_LIST, serveListWaiter, NULL, NULL};

/* BLPOP/BRPOP key [key ...] timeout */
static void blockingPopGenericCommand(client *c, int where) {
    mstime_t timeout;
    if (getTimeoutFromObjectOrReply(c, c->argv[c->argc - 1], &timeout, UNIT_SECONDS) != C_OK) return;
    for (int j = 1; j < c->argc - 1; j++) {
        robj *o = lookupKeyWrite(c->db, c->argv[j]);
        if (checkType(c, o, OBJ_LIST)) return;
        if (o && listTypeLength(o)) {
            robj *key = c->argv[j];
            incrRefCount(key);
            bpopFromKey(c, key, o, where);
            /* Replicas and the AOF see the pop, not the blocking form. */
            rewriteClientCommandVector(c, 2, where == LIST_HEAD ? shared.lpop : shared.rpop, key);
            decrRefCount(key);
            return;
        }
    }
    if (clientDeniesBlocking(c)) {
        addReplyNullArray(c);
        return;
    }
    blockForKeys(c, &listBlockType, c->argv + 1, c->argc - 2, timeout);
}

void blpopCommand(client *c) { blockingPopGenericCommand(c, LIST_HEAD); }
void brpopCommand(client *c) { blockingPopGenericCommand(c, LIST_TAIL); }

static void blmoveGenericCommand(client *c, int wherefrom, int whereto, robj *timeout_arg) {
    mstime_t timeout;
    if (getTimeoutFromObjectOrReply(c, timeout_arg, &timeout, UNIT_SECONDS) != C_OK) return;
    robj *o = lookupKeyWrite(c->db, c->argv[1]);
    if (checkType(c, o, OBJ_LIST)) return;
    if (!o) {
        if (clientDeniesBlocking(c)) {
            addReplyNull(c);
            return;
        }
        blockForKeys(c, &listBlockType, c->argv + 1, 1, timeout);
        return;
    }
    lmoveGenericCommand(c, wherefrom, whereto);
}

void brpoplpushCommand(client *c) {
    blmoveGenericCommand(c, LIST_TAIL, LIST_HEAD, c->argv[3]);
}

void blmoveCommand(client *c) {
    int wherefrom, whereto;
    if (getListPositionFromObjectOrReply(c, c->argv[3], &wherefrom) != C_OK ||
        getListPositionFromObjectOrReply(c, c->argv[4], &whereto) != C_OK) return;
    blmoveGenericCommand(c, wherefrom, whereto, c->argv[5]);
}

/* LMPOP numkeys key.. LEFT|RIGHT [COUNT n] / BLMPOP timeout numkeys ... */
static void lmpopGenericCommand(client *c, int numkeys_idx, int blocking) {
    long numkeys, count;
    int where;
    mstime_t timeout = 0;
    if (parseMpop(c, numkeys_idx, &numkeys, &where, &count) != C_OK) return;
    if (blocking && getTimeoutFromObjectOrReply(c, c->argv[1], &timeout, UNIT_SECONDS) != C_OK) return;
    for (long j = 0; j < numkeys; j++) {
        robj *key = c->argv[numkeys_idx + 1 + j];
        robj *o = lookupKeyWrite(c->db, key);
        if (checkType(c, o, OBJ_LIST)) return;
        if (o && listTypeLength(o)) {
            incrRefCount(key);
            mpopFromKey(c, key, o, where, count);
            decrRefCount(key);
            return;
        }
    }
    if (!blocking || clientDeniesBlocking(c)) {
        addReplyNullArray(c);
        return;
    }
    blockForKeys(c, &listBlockType, c->argv + numkeys_idx + 1, (int)numkeys, timeout);
}

void lmpopCommand(client *c) { lmpopGenericCommand(c, 1, 0); }
void blmpopCommand(client *c) { lmpopGenericCommand(c, 2, 1); }

/* ---------------------------------------------------------------------------
 * Hooks for DEBUG, MEMORY, OBJECT
 * ------------------------------------------------------------------------- */

void listObjectDigest(unsigned char *digest, robj *o) {
    quicklistIter *it = quicklistGetIterator(o->ptr, AL_START_HEAD_QL);
    quicklistEntry e;
    while (quicklistNext(it, &e)) {
        if (e.value) {
            mixDigest(digest, e.value, e.sz);
        } else {
            char buf[LONG_STR_SIZE];
            int n = ll2string(buf, sizeof(buf), e.longval);
            mixDigest(digest, buf, n);
        }
    }
    quicklistReleaseIterator(it);
}

/* As stock: the quicklist header, plus the nodes' allocations sampled
 * over the first `samples` nodes and scaled to all of them. */
size_t listObjectComputeSize(robj *o, size_t samples) {
    quicklist *ql = o->ptr;
    size_t asize = sizeof(*o) + sizeof(quicklist);
    size_t elesize = 0, sampled = 0;
    for (quicklistNode *n = ql->head; n && (samples == 0 || sampled < samples); n = n->next) {
        elesize += sizeof(quicklistNode) + zmalloc_size(n->entry);
        sampled++;
    }
    if (sampled) asize += (size_t)((double)elesize / sampled * ql->len);
    return asize;
}

sds quicklistDebugObjectInfo(sds s, robj *o) {
    quicklist *ql = o->ptr;
    int compressed = 0;
    size_t used = 0;
    for (quicklistNode *n = ql->head; n; n = n->next) {
        if (quicklistNodeIsCompressed(n)) compressed++;
        used += n->sz;
    }
    double avg = ql->len ? (double)ql->count / ql->len : 0;
    return sdscatprintf(s, " ql_nodes:%lu ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%zu",
                        ql->len, avg, ql->fill, ql->compress != 0, used);
}

void debugQuicklistRepr(robj *o, int full) {
    quicklistRepr(o->ptr, full);
}
