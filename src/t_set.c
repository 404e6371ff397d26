/* t_set.c - the SET type and its commands (Redis 7.0 semantics).
 *
 *   SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SRANDMEMBER SPOP SMOVE
 *   SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN
 *
 * The first half is the set value API (see t_set.h): two encodings, intset
 * for small all-integer sets and a dict otherwise. The second half is the
 * commands. Where stock's choices are observable (the encoding a result
 * ends up with, the order members come out of an intset, the keyspace
 * events and their order, what gets propagated for the random commands)
 * they are reproduced; the algorithms themselves are our own.
 */
#include "server.h"

/* ===========================================================================
 * Set values
 * ======================================================================== */

robj *createSetObject(void) {
    robj *o = createObject(OBJ_SET, dictCreate(&setDictType));
    o->encoding = OBJ_ENCODING_HT;
    return o;
}

robj *createIntsetObject(void) {
    robj *o = createObject(OBJ_SET, intsetNew());
    o->encoding = OBJ_ENCODING_INTSET;
    return o;
}

void freeSetObject(robj *o) {
    if (o->encoding == OBJ_ENCODING_HT) dictRelease(o->ptr);
    else zfree(o->ptr);
}

/* The member as an integer, when it is the canonical decimal form of one
 * (what an intset can hold without changing how the member reads back). */
static int memberAsInteger(sds value, int64_t *ll) {
    long long v;
    if (isSdsRepresentableAsLongLong(value, &v) != C_OK) return 0;
    if (ll) *ll = v;
    return 1;
}

robj *setTypeCreate(sds value) {
    return memberAsInteger(value, NULL) ? createIntsetObject() : createSetObject();
}

unsigned long setTypeSize(const robj *set) {
    if (set->encoding == OBJ_ENCODING_HT) return dictSize((const dict *)set->ptr);
    return intsetLen(set->ptr);
}

/* The intset size limit; intsets stay under 2^30 members whatever the
 * configuration says. */
static size_t maxIntsetEntries(void) {
    size_t max = server.set_max_intset_entries;
    return max > (1u << 30) ? (1u << 30) : max;
}

void setTypeConvert(robj *set, int encoding) {
    serverAssert(set->type == OBJ_SET && set->encoding == OBJ_ENCODING_INTSET &&
                 encoding == OBJ_ENCODING_HT);
    intset *is = set->ptr;
    dict *d = dictCreate(&setDictType);
    /* Size the table once: the members are all going in. */
    dictExpand(d, intsetLen(is));
    int64_t v;
    for (uint32_t i = 0; intsetGet(is, i, &v); i++)
        serverAssert(dictAdd(d, sdsfromlonglong(v), NULL) == DICT_OK);
    zfree(is);
    set->ptr = d;
    set->encoding = OBJ_ENCODING_HT;
}

int setTypeAdd(robj *set, sds value) {
    if (set->encoding == OBJ_ENCODING_INTSET) {
        int64_t ll;
        if (memberAsInteger(value, &ll)) {
            int added;
            set->ptr = intsetAdd(set->ptr, ll, &added);
            if (!added) return 0;
            if (intsetLen(set->ptr) > maxIntsetEntries()) setTypeConvert(set, OBJ_ENCODING_HT);
            return 1;
        }
        /* Not an integer: it cannot be a member yet. */
        setTypeConvert(set, OBJ_ENCODING_HT);
        serverAssert(dictAdd(set->ptr, sdsdup(value), NULL) == DICT_OK);
        return 1;
    }
    dict *d = set->ptr;
    dictEntry *de = dictAddRaw(d, value, NULL);
    if (de == NULL) return 0;
    de->key = sdsdup(value); /* the dict must own its key, not borrow ours */
    return 1;
}

/* setTypeAdd for a caller that hands `value` over (RDB loading): a
 * hashtable set keeps that very string instead of a copy, and `value` is
 * freed when it is stored as an integer or is already a member. `expected`
 * is the final member count when known (0 otherwise): a set turning into a
 * hashtable is sized for it once, not grown step by step. */
int setTypeAddMoved(robj *set, sds value, unsigned long expected) {
    if (set->encoding == OBJ_ENCODING_INTSET) {
        if (memberAsInteger(value, NULL)) {
            int added = setTypeAdd(set, value);
            sdsfree(value);
            return added;
        }
        setTypeConvert(set, OBJ_ENCODING_HT);
        if (expected > dictSize((dict *)set->ptr)) dictExpand(set->ptr, expected);
    }
    if (dictAddRaw(set->ptr, value, NULL) == NULL) {
        sdsfree(value);
        return 0;
    }
    return 1;
}

int setTypeRemove(robj *set, sds value) {
    if (set->encoding == OBJ_ENCODING_INTSET) {
        int64_t ll;
        int removed;
        if (!memberAsInteger(value, &ll)) return 0;
        set->ptr = intsetRemove(set->ptr, ll, &removed);
        return removed;
    }
    dict *d = set->ptr;
    if (dictDelete(d, value) != DICT_OK) return 0;
    if (htNeedsResize(d)) dictResize(d);
    return 1;
}

int setTypeIsMember(robj *set, sds value) {
    if (set->encoding == OBJ_ENCODING_INTSET) {
        int64_t ll;
        return memberAsInteger(value, &ll) && intsetFind(set->ptr, ll);
    }
    return dictFind(set->ptr, value) != NULL;
}

robj *setTypeDup(robj *set) {
    if (set->encoding == OBJ_ENCODING_INTSET) {
        robj *o = createObject(OBJ_SET, intsetDup(set->ptr));
        o->encoding = OBJ_ENCODING_INTSET;
        return o;
    }
    robj *o = createSetObject();
    dict *src = set->ptr;
    dictExpand(o->ptr, dictSize(src));
    dictIterator *di = dictGetIterator(src);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) dictAdd(o->ptr, sdsdup(dictGetKey(de)), NULL);
    dictReleaseIterator(di);
    return o;
}

setTypeIterator *setTypeInitIterator(robj *set) {
    setTypeIterator *si = zmalloc(sizeof(*si));
    si->subject = set;
    si->encoding = set->encoding;
    si->pos = 0;
    si->di = set->encoding == OBJ_ENCODING_HT ? dictGetIterator(set->ptr) : NULL;
    return si;
}

void setTypeReleaseIterator(setTypeIterator *si) {
    if (si->di) dictReleaseIterator(si->di);
    zfree(si);
}

int setTypeNext(setTypeIterator *si, sds *sdsele, int64_t *llele) {
    if (si->encoding == OBJ_ENCODING_HT) {
        dictEntry *de = dictNext(si->di);
        if (de == NULL) return -1;
        *sdsele = dictGetKey(de);
        return OBJ_ENCODING_HT;
    }
    if (!intsetGet(si->subject->ptr, si->pos, llele)) return -1;
    si->pos++;
    return OBJ_ENCODING_INTSET;
}

sds setTypeNextObject(setTypeIterator *si) {
    sds s;
    int64_t ll;
    switch (setTypeNext(si, &s, &ll)) {
    case OBJ_ENCODING_HT: return sdsdup(s);
    case OBJ_ENCODING_INTSET: return sdsfromlonglong(ll);
    default: return NULL;
    }
}

int setTypeRandomElement(robj *set, sds *sdsele, int64_t *llele) {
    if (set->encoding == OBJ_ENCODING_HT) {
        *sdsele = dictGetKey(dictGetFairRandomKey(set->ptr));
        return OBJ_ENCODING_HT;
    }
    *llele = intsetRandom(set->ptr);
    return OBJ_ENCODING_INTSET;
}

/* A member as a new string object (for propagation and notifications). */
static robj *memberObject(int encoding, sds s, int64_t ll) {
    return encoding == OBJ_ENCODING_HT ? createStringObject(s, sdslen(s))
                                       : createStringObjectFromLongLong(ll);
}

/* Remove a member produced by setTypeRandomElement/memberObject: `member`
 * is its object form (an integer object for an intset member). */
static void removeMember(robj *set, int encoding, robj *member, int64_t ll) {
    if (encoding == OBJ_ENCODING_INTSET) set->ptr = intsetRemove(set->ptr, ll, NULL);
    else setTypeRemove(set, member->ptr);
}

static void addReplyMember(client *c, int encoding, sds s, int64_t ll) {
    if (encoding == OBJ_ENCODING_HT) addReplyBulkCBuffer(c, s, sdslen(s));
    else addReplyBulkLongLong(c, ll);
}

/* ---- hooks other modules call (weak on their side) ---------------------- */

/* DEBUG DIGEST: members xor-ed, so the order does not matter. */
void setObjectDigest(unsigned char *digest, robj *o) {
    setTypeIterator *si = setTypeInitIterator(o);
    sds s;
    int64_t ll;
    int enc;
    while ((enc = setTypeNext(si, &s, &ll)) != -1) {
        if (enc == OBJ_ENCODING_HT) {
            xorDigest(digest, s, sdslen(s));
        } else {
            char buf[LONG_STR_SIZE];
            int len = ll2string(buf, sizeof(buf), ll);
            xorDigest(digest, buf, len);
        }
    }
    setTypeReleaseIterator(si);
}

/* Size of stock's dict header (our dict carries an extra metadata
 * pointer): MEMORY USAGE reports what stock reports. */
#define STOCK_DICT_HEADER_SIZE 56

/* MEMORY USAGE: exact for an intset, sampled for a hashtable. */
size_t setObjectComputeSize(robj *o, size_t samples) {
    if (o->encoding == OBJ_ENCODING_INTSET) return sizeof(robj) + zmalloc_size(o->ptr);
    dict *d = o->ptr;
    size_t size = sizeof(robj) + STOCK_DICT_HEADER_SIZE + sizeof(dictEntry *) * dictSlots(d);
    size_t seen = 0, elesize = 0;
    dictIterator *di = dictGetIterator(d);
    dictEntry *de;
    while (seen < samples && (de = dictNext(di)) != NULL) {
        elesize += sizeof(dictEntry) + zmalloc_size(sdsAllocPtr(dictGetKey(de)));
        seen++;
    }
    dictReleaseIterator(di);
    if (seen) size += (double)elesize / seen * dictSize(d);
    return size;
}

static void collectSetMember(void *privdata, const dictEntry *de) {
    sds s = dictGetKey(de);
    listAddNodeTail(privdata, createStringObject(s, sdslen(s)));
}

/* An intset is returned whole in one call (cursor 0), as stock does. */
unsigned long setScanCollect(robj *o, unsigned long cursor, long count, list *out) {
    if (o->encoding == OBJ_ENCODING_HT)
        return scanDictStep(o->ptr, cursor, count, collectSetMember, out);
    int64_t ll;
    for (uint32_t i = 0; intsetGet(o->ptr, i, &ll); i++)
        listAddNodeTail(out, createStringObjectFromLongLong(ll));
    return 0;
}

/* ===========================================================================
 * Single key commands
 * ======================================================================== */

/* After removing members: drop the key when nothing is left. Returns 1 if
 * the key was deleted (the caller then notifies "del" after its own
 * event, in stock's order). */
static int deleteIfEmpty(client *c, robj *set, robj *key) {
    if (setTypeSize(set) != 0) return 0;
    dbDelete(c->db, key);
    return 1;
}

void saddCommand(client *c) {
    robj *key = c->argv[1];
    robj *set = lookupKeyWrite(c->db, key);
    if (checkType(c, set, OBJ_SET)) return;
    if (set == NULL) {
        set = setTypeCreate(c->argv[2]->ptr);
        dbAdd(c->db, key, set);
    }
    long long added = 0;
    for (int j = 2; j < c->argc; j++) added += setTypeAdd(set, c->argv[j]->ptr);
    if (added) {
        signalModifiedKey(c, c->db, key);
        notifyKeyspaceEvent(NOTIFY_SET, "sadd", key, c->db->id);
    }
    server.dirty += added;
    addReplyLongLong(c, added);
}

void sremCommand(client *c) {
    robj *key = c->argv[1];
    robj *set = lookupKeyWriteOrReply(c, key, shared.czero);
    if (set == NULL || checkType(c, set, OBJ_SET)) return;

    long long removed = 0;
    int key_gone = 0;
    for (int j = 2; j < c->argc; j++) {
        if (!setTypeRemove(set, c->argv[j]->ptr)) continue;
        removed++;
        if ((key_gone = deleteIfEmpty(c, set, key))) break;
    }
    if (removed) {
        signalModifiedKey(c, c->db, key);
        notifyKeyspaceEvent(NOTIFY_SET, "srem", key, c->db->id);
        if (key_gone) notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key, c->db->id);
        server.dirty += removed;
    }
    addReplyLongLong(c, removed);
}

void smoveCommand(client *c) {
    robj *srckey = c->argv[1], *dstkey = c->argv[2], *member = c->argv[3];
    robj *src = lookupKeyWrite(c->db, srckey);
    robj *dst = lookupKeyWrite(c->db, dstkey);

    if (src == NULL) {
        addReply(c, shared.czero);
        return;
    }
    if (checkType(c, src, OBJ_SET) || checkType(c, dst, OBJ_SET)) return;
    /* Moving within one set changes nothing: only say if it is there. */
    if (src == dst) {
        addReply(c, setTypeIsMember(src, member->ptr) ? shared.cone : shared.czero);
        return;
    }
    if (!setTypeRemove(src, member->ptr)) {
        addReply(c, shared.czero);
        return;
    }
    notifyKeyspaceEvent(NOTIFY_SET, "srem", srckey, c->db->id);
    if (deleteIfEmpty(c, src, srckey))
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", srckey, c->db->id);
    if (dst == NULL) {
        dst = setTypeCreate(member->ptr);
        dbAdd(c->db, dstkey, dst);
    }
    signalModifiedKey(c, c->db, srckey);
    server.dirty++;
    /* The destination only changed if it did not have the member. */
    if (setTypeAdd(dst, member->ptr)) {
        server.dirty++;
        signalModifiedKey(c, c->db, dstkey);
        notifyKeyspaceEvent(NOTIFY_SET, "sadd", dstkey, c->db->id);
    }
    addReply(c, shared.cone);
}

void sismemberCommand(client *c) {
    robj *set = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (set == NULL || checkType(c, set, OBJ_SET)) return;
    addReply(c, setTypeIsMember(set, c->argv[2]->ptr) ? shared.cone : shared.czero);
}

void smismemberCommand(client *c) {
    robj *set = lookupKeyRead(c->db, c->argv[1]);
    if (checkType(c, set, OBJ_SET)) return;
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        int in = set != NULL && setTypeIsMember(set, c->argv[j]->ptr);
        addReply(c, in ? shared.cone : shared.czero);
    }
}

void scardCommand(client *c) {
    robj *set = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (set == NULL || checkType(c, set, OBJ_SET)) return;
    addReplyLongLong(c, setTypeSize(set));
}

/* ---- SPOP ---------------------------------------------------------------- */

/* Replicas and the AOF must remove exactly what we removed: each popped
 * member goes out as its own SREM, and SPOP itself is not propagated. */
static void propagateSrem(client *c, robj *key, robj *member) {
    robj *argv[3] = {shared.srem, key, member};
    alsoPropagate(c->db->id, argv, 3, CMD_CALL_PROPAGATE);
}

/* When most of the set goes, picking the few survivors is cheaper than
 * picking the many victims: past this ratio of popped to kept members,
 * SPOP builds the set of survivors instead. */
#define SPOP_KEEP_SURVIVORS_RATIO 5

/* Pop `count` random members, one at a time, replying and propagating
 * each. */
static void spopPickVictims(client *c, robj *set, unsigned long count) {
    while (count--) {
        sds s;
        int64_t ll;
        int enc = setTypeRandomElement(set, &s, &ll);
        robj *member = memberObject(enc, s, ll);
        addReplyBulk(c, member);
        removeMember(set, enc, member, ll); /* s is freed from here on */
        propagateSrem(c, c->argv[1], member);
        decrRefCount(member);
    }
}

/* Move `keep` random members to a new set, reply with (and propagate the
 * removal of) everything else, and store the survivors as the key. */
static void spopPickSurvivors(client *c, robj *set, unsigned long keep) {
    robj *survivors = NULL;
    while (keep--) {
        sds s;
        int64_t ll;
        int enc = setTypeRandomElement(set, &s, &ll);
        sds member = enc == OBJ_ENCODING_HT ? sdsdup(s) : sdsfromlonglong(ll);
        if (survivors == NULL) survivors = setTypeCreate(member);
        setTypeAdd(survivors, member);
        setTypeRemove(set, member);
        sdsfree(member);
    }
    setTypeIterator *si = setTypeInitIterator(set);
    sds s;
    int64_t ll;
    int enc;
    while ((enc = setTypeNext(si, &s, &ll)) != -1) {
        robj *member = memberObject(enc, s, ll);
        addReplyBulk(c, member);
        propagateSrem(c, c->argv[1], member);
        decrRefCount(member);
    }
    setTypeReleaseIterator(si);
    dbOverwrite(c->db, c->argv[1], survivors);
}

static void sunionDiffGenericCommand(client *c, robj **keys, int numkeys, robj *dstkey, int op);
#define SET_OP_UNION 0
#define SET_OP_DIFF 1

static void spopWithCountCommand(client *c) {
    long l;
    robj *key = c->argv[1];
    if (getPositiveLongFromObjectOrReply(c, c->argv[2], &l, NULL) != C_OK) return;
    unsigned long count = (unsigned long)l;

    robj *set = lookupKeyWriteOrReply(c, key, shared.emptyset[c->resp]);
    if (set == NULL || checkType(c, set, OBJ_SET)) return;
    if (count == 0) {
        addReply(c, shared.emptyset[c->resp]);
        return;
    }

    unsigned long size = setTypeSize(set);
    notifyKeyspaceEvent(NOTIFY_SET, "spop", key, c->db->id);
    server.dirty += count >= size ? size : count;

    /* Everything goes: reply with the whole set and drop the key, which is
     * what replicas are told to do as well. */
    if (count >= size) {
        sunionDiffGenericCommand(c, c->argv + 1, 1, NULL, SET_OP_UNION);
        dbDelete(c->db, key);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key, c->db->id);
        rewriteClientCommandVector(c, 2, server.lazyfree_lazy_server_del ? shared.unlink : shared.del, key);
        signalModifiedKey(c, c->db, key);
        return;
    }

    addReplySetLen(c, count);
    unsigned long remaining = size - count;
    if (remaining * SPOP_KEEP_SURVIVORS_RATIO > count) spopPickVictims(c, set, count);
    else spopPickSurvivors(c, set, remaining);
    /* The SREMs were propagated one by one above. */
    c->flags |= CLIENT_PREVENT_PROP_ANY;
    signalModifiedKey(c, c->db, key);
}

void spopCommand(client *c) {
    if (c->argc == 3) {
        spopWithCountCommand(c);
        return;
    }
    if (c->argc > 3) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    robj *key = c->argv[1];
    robj *set = lookupKeyWriteOrReply(c, key, shared.null[c->resp]);
    if (set == NULL || checkType(c, set, OBJ_SET)) return;

    sds s;
    int64_t ll;
    int enc = setTypeRandomElement(set, &s, &ll);
    robj *member = memberObject(enc, s, ll);
    removeMember(set, enc, member, ll);
    notifyKeyspaceEvent(NOTIFY_SET, "spop", key, c->db->id);
    /* Replicas remove this very member. */
    rewriteClientCommandVector(c, 3, shared.srem, key, member);
    addReplyBulk(c, member);
    decrRefCount(member);
    if (deleteIfEmpty(c, set, key))
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key, c->db->id);
    signalModifiedKey(c, c->db, key);
    server.dirty++;
}

/* ---- SRANDMEMBER --------------------------------------------------------- */

/* A temporary set of distinct sds members (keys freed with the dict). */
static dictType srandDictType = {
    dictSdsHash, NULL, NULL, dictSdsKeyCompare, dictSdsDestructor, NULL, NULL
};

/* Past this ratio of set size to requested members, sampling distinct
 * members at random converges quickly; below it, SRANDMEMBER copies the
 * set and throws random members away until `count` remain. */
#define SRANDMEMBER_SAMPLE_RATIO 3

static sds randomMemberSds(robj *set) {
    sds s;
    int64_t ll;
    int enc = setTypeRandomElement(set, &s, &ll);
    return enc == OBJ_ENCODING_HT ? sdsdup(s) : sdsfromlonglong(ll);
}

static void srandmemberDistinct(client *c, robj *set, unsigned long count, unsigned long size) {
    dict *d = dictCreate(&srandDictType);
    if (count * SRANDMEMBER_SAMPLE_RATIO > size) {
        setTypeIterator *si = setTypeInitIterator(set);
        sds s;
        while ((s = setTypeNextObject(si)) != NULL) dictAdd(d, s, NULL);
        setTypeReleaseIterator(si);
        while (dictSize(d) > count) dictDelete(d, dictGetKey(dictGetFairRandomKey(d)));
    } else {
        while (dictSize(d) < count) {
            sds s = randomMemberSds(set);
            if (dictAdd(d, s, NULL) != DICT_OK) sdsfree(s);
        }
    }
    addReplyArrayLen(c, count);
    dictIterator *di = dictGetIterator(d);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        sds s = dictGetKey(de);
        addReplyBulkCBuffer(c, s, sdslen(s));
    }
    dictReleaseIterator(di);
    dictRelease(d);
}

static void srandmemberWithCountCommand(client *c) {
    long l;
    if (getRangeLongFromObjectOrReply(c, c->argv[2], -LONG_MAX, LONG_MAX, &l, NULL) != C_OK) return;
    /* A negative count may repeat members; a positive one may not. */
    int distinct = l >= 0;
    unsigned long count = distinct ? (unsigned long)l : (unsigned long)-l;

    robj *set = lookupKeyReadOrReply(c, c->argv[1], shared.emptyarray);
    if (set == NULL || checkType(c, set, OBJ_SET)) return;
    if (count == 0) {
        addReply(c, shared.emptyarray);
        return;
    }

    unsigned long size = setTypeSize(set);
    sds s;
    int64_t ll;
    int enc;
    if (!distinct || count == 1) {
        addReplyArrayLen(c, count);
        while (count--) {
            enc = setTypeRandomElement(set, &s, &ll);
            addReplyMember(c, enc, s, ll);
            /* A client over its output limit is going away: stop early. */
            if (c->flags & CLIENT_CLOSE_ASAP) break;
        }
        return;
    }
    if (count >= size) {
        addReplyArrayLen(c, size);
        setTypeIterator *si = setTypeInitIterator(set);
        while ((enc = setTypeNext(si, &s, &ll)) != -1) addReplyMember(c, enc, s, ll);
        setTypeReleaseIterator(si);
        return;
    }
    srandmemberDistinct(c, set, count, size);
}

void srandmemberCommand(client *c) {
    if (c->argc == 3) {
        srandmemberWithCountCommand(c);
        return;
    }
    if (c->argc > 3) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    robj *set = lookupKeyReadOrReply(c, c->argv[1], shared.null[c->resp]);
    if (set == NULL || checkType(c, set, OBJ_SET)) return;
    sds s;
    int64_t ll;
    int enc = setTypeRandomElement(set, &s, &ll);
    addReplyMember(c, enc, s, ll);
}

void sscanCommand(client *c) {
    unsigned long cursor;
    if (parseScanCursorOrReply(c, c->argv[2], &cursor) != C_OK) return;
    robj *set = lookupKeyReadOrReply(c, c->argv[1], shared.emptyscan);
    if (set == NULL || checkType(c, set, OBJ_SET)) return;
    scanGenericCommand(c, set, cursor);
}

/* ===========================================================================
 * Multi key commands: SINTER*, SUNION*, SDIFF*
 * ======================================================================== */

/* Look up every source set. Missing keys come back as NULL; the first
 * wrong type aborts with the error reply (return C_ERR). */
static int lookupSourceSets(client *c, robj **keys, int numkeys, robj **sets) {
    for (int j = 0; j < numkeys; j++) {
        sets[j] = lookupKeyRead(c->db, keys[j]);
        if (checkType(c, sets[j], OBJ_SET)) return C_ERR;
    }
    return C_OK;
}

/* Store the result of a *STORE command: a non empty result replaces the
 * destination (whatever it held), an empty one deletes it. */
static void storeSetResult(client *c, robj *dstkey, robj *result, const char *event) {
    if (setTypeSize(result) > 0) {
        setKey(c, c->db, dstkey, result, 0);
        addReplyLongLong(c, setTypeSize(result));
        notifyKeyspaceEvent(NOTIFY_SET, (char *)event, dstkey, c->db->id);
        server.dirty++;
    } else {
        addReply(c, shared.czero);
        if (dbDelete(c->db, dstkey)) {
            server.dirty++;
            signalModifiedKey(c, c->db, dstkey);
            notifyKeyspaceEvent(NOTIFY_GENERIC, "del", dstkey, c->db->id);
        }
    }
}

/* Stable insertion sort by size (ascending, or descending when `desc`): a
 * handful of keys, and equal sizes keep their argument order. */
static void sortSetsBySize(robj **sets, int n, int desc) {
    for (int i = 1; i < n; i++) {
        robj *cur = sets[i];
        unsigned long sz = cur ? setTypeSize(cur) : 0;
        int j = i - 1;
        while (j >= 0) {
            unsigned long other = sets[j] ? setTypeSize(sets[j]) : 0;
            if (desc ? other >= sz : other <= sz) break;
            sets[j + 1] = sets[j];
            j--;
        }
        sets[j + 1] = cur;
    }
}

/* Is the member (of the given encoding) in every set but the first? */
static int inAllOtherSets(robj **sets, int numsets, int enc, sds s, int64_t ll) {
    for (int j = 1; j < numsets; j++) {
        if (sets[j] == sets[0]) continue;
        if (enc == OBJ_ENCODING_INTSET) {
            if (sets[j]->encoding == OBJ_ENCODING_INTSET) {
                if (!intsetFind(sets[j]->ptr, ll)) return 0;
            } else {
                sds tmp = sdsfromlonglong(ll);
                int found = dictFind(sets[j]->ptr, tmp) != NULL;
                sdsfree(tmp);
                if (!found) return 0;
            }
        } else if (!setTypeIsMember(sets[j], s)) {
            return 0;
        }
    }
    return 1;
}

/* SINTER, SMEMBERS, SINTERSTORE (dstkey) and SINTERCARD (cardinality_only,
 * stopping at `limit` when not 0). Members of the smallest set are tested
 * against all the others. */
static void sinterGenericCommand(client *c, robj **keys, int numkeys, robj *dstkey,
                                 int cardinality_only, unsigned long limit) {
    robj **sets = zmalloc(sizeof(robj *) * numkeys);
    if (lookupSourceSets(c, keys, numkeys, sets) != C_OK) {
        zfree(sets);
        return;
    }
    int any_missing = 0;
    for (int j = 0; j < numkeys; j++) any_missing |= sets[j] == NULL;

    /* A missing key is an empty set: the intersection is empty. */
    if (any_missing) {
        zfree(sets);
        if (dstkey) {
            if (dbDelete(c->db, dstkey)) {
                signalModifiedKey(c, c->db, dstkey);
                notifyKeyspaceEvent(NOTIFY_GENERIC, "del", dstkey, c->db->id);
                server.dirty++;
            }
            addReply(c, shared.czero);
        } else if (cardinality_only) {
            addReplyLongLong(c, 0);
        } else {
            addReply(c, shared.emptyset[c->resp]);
        }
        return;
    }

    sortSetsBySize(sets, numkeys, 0);
    robj *result = dstkey ? createIntsetObject() : NULL;
    void *lenslot = (!dstkey && !cardinality_only) ? addReplyDeferredLen(c) : NULL;
    unsigned long found = 0;

    setTypeIterator *si = setTypeInitIterator(sets[0]);
    sds s;
    int64_t ll;
    int enc;
    while ((enc = setTypeNext(si, &s, &ll)) != -1) {
        if (!inAllOtherSets(sets, numkeys, enc, s, ll)) continue;
        if (cardinality_only) {
            found++;
            if (limit && found >= limit) break;
        } else if (dstkey) {
            if (enc == OBJ_ENCODING_INTSET) {
                sds tmp = sdsfromlonglong(ll);
                setTypeAdd(result, tmp);
                sdsfree(tmp);
            } else {
                setTypeAdd(result, s);
            }
        } else {
            addReplyMember(c, enc, s, ll);
            found++;
        }
    }
    setTypeReleaseIterator(si);

    if (cardinality_only) {
        addReplyLongLong(c, found);
    } else if (dstkey) {
        storeSetResult(c, dstkey, result, "sinterstore");
        decrRefCount(result);
    } else {
        setDeferredSetLen(c, lenslot, found);
    }
    zfree(sets);
}

void sinterCommand(client *c) {
    sinterGenericCommand(c, c->argv + 1, c->argc - 1, NULL, 0, 0);
}

void smembersCommand(client *c) {
    sinterGenericCommand(c, c->argv + 1, 1, NULL, 0, 0);
}

void sinterstoreCommand(client *c) {
    sinterGenericCommand(c, c->argv + 2, c->argc - 2, c->argv[1], 0, 0);
}

/* SINTERCARD numkeys key [key ...] [LIMIT limit] */
void sintercardCommand(client *c) {
    long numkeys, limit = 0;
    if (getRangeLongFromObjectOrReply(c, c->argv[1], 1, LONG_MAX, &numkeys,
                                      "numkeys should be greater than 0") != C_OK)
        return;
    if (numkeys > c->argc - 2) {
        addReplyError(c, "Number of keys can't be greater than number of args");
        return;
    }
    for (int j = 2 + (int)numkeys; j < c->argc; j++) {
        if (!strcasecmp(c->argv[j]->ptr, "limit") && j + 1 < c->argc) {
            j++;
            if (getPositiveLongFromObjectOrReply(c, c->argv[j], &limit, "LIMIT can't be negative") != C_OK)
                return;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    sinterGenericCommand(c, c->argv + 2, (int)numkeys, NULL, 1, (unsigned long)limit);
}

/* Add every member of `set` to `result`; returns how many were new. */
static long addAllMembers(robj *result, robj *set) {
    long added = 0;
    setTypeIterator *si = setTypeInitIterator(set);
    sds s;
    while ((s = setTypeNextObject(si)) != NULL) {
        added += setTypeAdd(result, s);
        sdsfree(s);
    }
    setTypeReleaseIterator(si);
    return added;
}

/* SDIFF by testing each member of the first set against the others
 * (sorted largest first: a member found early is rejected early). */
static long diffByLookup(robj **sets, int numsets, robj *result) {
    long added = 0;
    sortSetsBySize(sets + 1, numsets - 1, 1);
    setTypeIterator *si = setTypeInitIterator(sets[0]);
    sds s;
    while ((s = setTypeNextObject(si)) != NULL) {
        int j;
        for (j = 1; j < numsets; j++) {
            if (sets[j] == NULL) continue;
            if (sets[j] == sets[0] || setTypeIsMember(sets[j], s)) break;
        }
        if (j == numsets) added += setTypeAdd(result, s);
        sdsfree(s);
    }
    setTypeReleaseIterator(si);
    return added;
}

/* SDIFF by copying the first set and removing the members of the others;
 * stops as soon as nothing is left. */
static long diffByRemoval(robj **sets, int numsets, robj *result) {
    long card = addAllMembers(result, sets[0]);
    for (int j = 1; j < numsets && card > 0; j++) {
        if (sets[j] == NULL) continue;
        setTypeIterator *si = setTypeInitIterator(sets[j]);
        sds s;
        while ((s = setTypeNextObject(si)) != NULL) {
            card -= setTypeRemove(result, s);
            sdsfree(s);
        }
        setTypeReleaseIterator(si);
    }
    return card;
}

/* Which SDIFF strategy does less work: lookups cost |first| per other set
 * (but have better constants, hence the halving), removal costs the total
 * size of all sets. */
static int diffPrefersLookup(robj **sets, int numsets) {
    long long lookup_work = 0, removal_work = 0;
    for (int j = 0; j < numsets; j++) {
        if (sets[j] == NULL) continue;
        lookup_work += setTypeSize(sets[0]);
        removal_work += setTypeSize(sets[j]);
    }
    return lookup_work / 2 <= removal_work;
}

/* SUNION, SDIFF and their STORE forms (dstkey != NULL). The result is
 * built in a fresh set that starts as an intset, so its final encoding
 * is what its members call for. */
static void sunionDiffGenericCommand(client *c, robj **keys, int numkeys, robj *dstkey, int op) {
    robj **sets = zmalloc(sizeof(robj *) * numkeys);
    if (lookupSourceSets(c, keys, numkeys, sets) != C_OK) {
        zfree(sets);
        return;
    }
    /* SDIFF of a set minus itself is empty whatever else is there. */
    int first_repeated = 0;
    for (int j = 1; j < numkeys; j++)
        if (sets[j] && sets[j] == sets[0]) first_repeated = 1;

    robj *result = createIntsetObject();
    long card = 0;
    if (op == SET_OP_UNION) {
        for (int j = 0; j < numkeys; j++)
            if (sets[j]) card += addAllMembers(result, sets[j]);
    } else if (sets[0] && !first_repeated) {
        card = diffPrefersLookup(sets, numkeys) ? diffByLookup(sets, numkeys, result)
                                                : diffByRemoval(sets, numkeys, result);
    }

    if (dstkey) {
        storeSetResult(c, dstkey, result, op == SET_OP_UNION ? "sunionstore" : "sdiffstore");
        decrRefCount(result);
    } else {
        addReplySetLen(c, card);
        setTypeIterator *si = setTypeInitIterator(result);
        sds s;
        int64_t ll;
        int enc;
        while ((enc = setTypeNext(si, &s, &ll)) != -1) addReplyMember(c, enc, s, ll);
        setTypeReleaseIterator(si);
        if (server.lazyfree_lazy_server_del) freeObjAsync(NULL, result, -1);
        else decrRefCount(result);
    }
    zfree(sets);
}

void sunionCommand(client *c) {
    sunionDiffGenericCommand(c, c->argv + 1, c->argc - 1, NULL, SET_OP_UNION);
}

void sunionstoreCommand(client *c) {
    sunionDiffGenericCommand(c, c->argv + 2, c->argc - 2, c->argv[1], SET_OP_UNION);
}

void sdiffCommand(client *c) {
    sunionDiffGenericCommand(c, c->argv + 1, c->argc - 1, NULL, SET_OP_DIFF);
}

void sdiffstoreCommand(client *c) {
    sunionDiffGenericCommand(c, c->argv + 2, c->argc - 2, c->argv[1], SET_OP_DIFF);
}
