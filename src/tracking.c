/* tracking.c - server assisted client side caching: which client read
 * which key, and the invalidation messages when keys change.
 *
 * Two modes, as in Redis 7.0:
 *  - default: every key a tracking client reads (read-only commands, as
 *    OPTIN/OPTOUT and CLIENT CACHING allow) goes into the tracking table,
 *    key -> ids of the clients that read it. When the key is modified the
 *    entry is consumed: each client gets one invalidation and must read
 *    the key again to hear about it again. Ids, not pointers, are stored:
 *    a client that went away is simply skipped when its turn comes.
 *  - BCAST: nothing is remembered per read; clients register prefixes, and
 *    every modified key matching a prefix is collected and broadcast once
 *    per event loop iteration (beforeSleep), one message per prefix.
 *
 * Invalidations go to the client itself as RESP3 pushes
 * (>2 "invalidate" [keys]), or to the REDIRECT client: RESP3 pushes too,
 * or for a RESP2 connection in subscribed mode a message on the
 * __redis__:invalidate channel. A null instead of the key array means
 * "everything" (FLUSHALL/FLUSHDB). Invalidations meant for the client
 * running the current command are queued and sent after its reply.
 */
#include "server.h"

/* ---- tables --------------------------------------------------------------- */

/* Client ids stored as pointer-sized integers. */
static uint64_t idHash(const void *key) {
    uint64_t id = (uint64_t)(uintptr_t)key;
    return dictGenHashFunction(&id, sizeof(id));
}
static dictType idSetDictType = {idHash, NULL, NULL, NULL, NULL, NULL, NULL};
/* Client pointers (BCAST subscribers, the set of tracking clients). */
static dictType pointerSetDictType = {idHash, NULL, NULL, NULL, NULL, NULL, NULL};

static void freeIdSet(dict *d, void *val) {
    (void)d;
    dictRelease(val);
}
/* key (sds) -> set of client ids */
static dictType trackingTableDictType = {
    dictSdsHash, NULL, NULL, dictSdsKeyCompare, dictSdsDestructor, freeIdSet, NULL
};
/* modified key (sds) -> client that modified it first (for NOLOOP) */
static dictType bcastKeysDictType = {
    dictSdsHash, NULL, NULL, dictSdsKeyCompare, dictSdsDestructor, NULL, NULL
};

typedef struct bcastState {
    dict *clients;   /* client pointers registered for this prefix */
    dict *keys;      /* keys modified since the last broadcast */
} bcastState;

static void freeBcastState(dict *d, void *val) {
    (void)d;
    bcastState *bs = val;
    dictRelease(bs->clients);
    dictRelease(bs->keys);
    zfree(bs);
}
/* prefix (sds) -> bcastState */
static dictType prefixTableDictType = {
    dictSdsHash, NULL, NULL, dictSdsKeyCompare, dictSdsDestructor, freeBcastState, NULL
};

static dict *tracking_table;        /* NULL until a client enables tracking */
static unsigned long long tracking_items; /* sum of the id sets' sizes */
static dict *prefix_table;
static dict *tracking_clients;      /* clients with CLIENT_TRACKING */
static list *pending_keys;          /* robj keys, NULL = flush, for current_client */

static void ensureTables(void) {
    if (tracking_table) return;
    tracking_table = dictCreate(&trackingTableDictType);
    prefix_table = dictCreate(&prefixTableDictType);
    tracking_clients = dictCreate(&pointerSetDictType);
    pending_keys = listCreate();
}

unsigned long long trackingGetTotalKeys(void) {
    return tracking_table ? dictSize(tracking_table) : 0;
}

unsigned long long trackingGetTotalItems(void) {
    return tracking_items;
}

unsigned long trackingClientsCount(void) {
    return tracking_clients ? dictSize(tracking_clients) : 0;
}

/* ---- enabling / disabling ------------------------------------------------ */

/* Register the client and (BCAST) its prefixes. Idempotent: ON again only
 * adds what is new. */
void trackingClientEnabled(client *c) {
    ensureTables();
    dictAdd(tracking_clients, c, NULL);
    if (!(c->flags & CLIENT_TRACKING_BCAST) || c->client_tracking_prefixes == NULL) return;
    listIter li;
    listNode *ln;
    listRewind(c->client_tracking_prefixes, &li);
    while ((ln = listNext(&li)) != NULL) {
        sds prefix = listNodeValue(ln);
        dictEntry *de = dictFind(prefix_table, prefix);
        bcastState *bs;
        if (de == NULL) {
            bs = zmalloc(sizeof(*bs));
            bs->clients = dictCreate(&pointerSetDictType);
            bs->keys = dictCreate(&bcastKeysDictType);
            dictAdd(prefix_table, sdsdup(prefix), bs);
        } else {
            bs = dictGetVal(de);
        }
        dictAdd(bs->clients, c, NULL);
    }
}

/* The table entries keep the client's id; they are skipped later. */
void trackingClientDisabled(client *c) {
    if (tracking_table == NULL || !(c->flags & CLIENT_TRACKING)) return;
    dictDelete(tracking_clients, c);
    if (c->client_tracking_prefixes) {
        listIter li;
        listNode *ln;
        listRewind(c->client_tracking_prefixes, &li);
        while ((ln = listNext(&li)) != NULL) {
            dictEntry *de = dictFind(prefix_table, listNodeValue(ln));
            if (de == NULL) continue;
            bcastState *bs = dictGetVal(de);
            dictDelete(bs->clients, c);
            if (dictSize(bs->clients) == 0) dictDelete(prefix_table, listNodeValue(ln));
        }
    }
}

/* ---- remembering reads --------------------------------------------------- */

void trackingRememberKeys(client *c) {
    uint64_t optin = c->flags & CLIENT_TRACKING_OPTIN;
    uint64_t optout = c->flags & CLIENT_TRACKING_OPTOUT;
    uint64_t caching = c->flags & CLIENT_TRACKING_CACHING;
    if ((optin && !caching) || (optout && caching)) return;
    if (tracking_table == NULL) return;

    getKeysResult result;
    getKeysResultInit(&result);
    int numkeys = getKeysFromCommand(c->cmd, c->argv, c->argc, &result);
    /* Shard channels look like keys to COMMAND but are not cached data. */
    if (numkeys && !(c->cmd->flags & CMD_PUBSUB)) {
        for (int j = 0; j < numkeys; j++) {
            robj *arg = c->argv[result.keys[j].pos];
            if (!sdsEncodedObject(arg)) continue;
            sds key = arg->ptr;
            dictEntry *de = dictFind(tracking_table, key);
            if (de == NULL) {
                de = dictAddRaw(tracking_table, sdsdup(key), NULL);
                dictSetVal(tracking_table, de, dictCreate(&idSetDictType));
            }
            if (dictAdd(dictGetVal(de), (void *)(uintptr_t)c->id, NULL) == DICT_OK) tracking_items++;
        }
    }
    getKeysFreeResult(&result);
}

/* ---- sending ------------------------------------------------------------- */

/* Send an invalidation to c (or to its redirection). `payload` is either a
 * key name (raw=0: sent as a one element array) or ready protocol (raw=1:
 * an array of keys, or a null). */
static void writeTrackingMessage(client *c, const char *payload, size_t len, int raw) {
    client *to = c;
    int redirected = 0;
    if (c->client_tracking_redirection) {
        to = lookupClientByID(c->client_tracking_redirection);
        if (to == NULL) {
            /* Tell a RESP3 client its redirection target is gone. */
            c->flags |= CLIENT_TRACKING_BROKEN_REDIR;
            if (c->resp > 2) {
                addReplyPushLen(c, 2);
                addReplyBulkCBuffer(c, "tracking-redir-broken", 21);
                addReplyLongLong(c, (long long)c->client_tracking_redirection);
            }
            return;
        }
        redirected = 1;
    }
    uint64_t old_flags = to->flags;
    to->flags |= CLIENT_PUSHING;
    if (to->resp > 2) {
        addReplyPushLen(to, 2);
        addReplyBulkCBuffer(to, "invalidate", 10);
    } else if (redirected && (to->flags & CLIENT_PUBSUB)) {
        /* RESP2 has no pushes: a Pub/Sub message on a fixed channel. */
        addReply(to, shared.mbulkhdr[3]);
        addReply(to, shared.messagebulk);
        addReplyBulkCBuffer(to, "__redis__:invalidate", 20);
    } else {
        /* A plain RESP2 connection cannot receive anything. */
        if (!(old_flags & CLIENT_PUSHING)) to->flags &= ~CLIENT_PUSHING;
        return;
    }
    if (raw) {
        addReplyProto(to, payload, len);
    } else {
        addReplyArrayLen(to, 1);
        addReplyBulkCBuffer(to, payload, len);
    }
    if (!(old_flags & CLIENT_PUSHING)) to->flags &= ~CLIENT_PUSHING;
}

/* Messages to a client are pushes: CLIENT REPLY OFF does not stop them. */
static void sendTrackingMessage(client *c, const char *payload, size_t len, int raw) {
    uint64_t old_flags = c->flags;
    c->flags |= CLIENT_PUSHING;
    writeTrackingMessage(c, payload, len, raw);
    if (!(old_flags & CLIENT_PUSHING)) c->flags &= ~CLIENT_PUSHING;
}

static void sendFlushMessage(client *c) {
    robj *null = shared.null[c->resp];
    sendTrackingMessage(c, null->ptr, sdslen(null->ptr), 1);
}

/* ---- invalidating -------------------------------------------------------- */

/* Queue the key for every BCAST prefix it starts with. */
static void rememberKeyToBroadcast(client *c, sds key) {
    dictIterator *di = dictGetIterator(prefix_table);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        sds prefix = dictGetKey(de);
        size_t plen = sdslen(prefix);
        if (plen > sdslen(key) || (plen && memcmp(prefix, key, plen) != 0)) continue;
        bcastState *bs = dictGetVal(de);
        if (dictFind(bs->keys, key) == NULL) dictAdd(bs->keys, sdsdup(key), c);
    }
    dictReleaseIterator(di);
}

void trackingInvalidateKey(client *c, robj *keyobj, int bcast) {
    if (tracking_table == NULL) return;
    robj *key = getDecodedObject(keyobj);
    if (bcast && dictSize(prefix_table)) rememberKeyToBroadcast(c, key->ptr);

    dictEntry *de = dictFind(tracking_table, key->ptr);
    if (de == NULL) {
        decrRefCount(key);
        return;
    }
    dict *ids = dictGetVal(de);
    dictIterator *di = dictGetIterator(ids);
    dictEntry *ide;
    while ((ide = dictNext(di)) != NULL) {
        uint64_t id = (uint64_t)(uintptr_t)dictGetKey(ide);
        client *target = lookupClientByID(id);
        /* Gone, or no longer tracking in this mode (a client that moved to
         * BCAST must not get its old per-key invalidations). */
        if (target == NULL || !(target->flags & CLIENT_TRACKING) ||
            (target->flags & CLIENT_TRACKING_BCAST))
            continue;
        if ((target->flags & CLIENT_TRACKING_NOLOOP) && target == server.current_client) continue;
        if (target == server.current_client && (target->flags & CLIENT_EXECUTING_COMMAND)) {
            incrRefCount(key);
            listAddNodeTail(pending_keys, key);
        } else {
            sendTrackingMessage(target, key->ptr, sdslen(key->ptr), 0);
        }
    }
    dictReleaseIterator(di);
    /* The readers heard about it: they re-register by reading again. */
    tracking_items -= dictSize(ids);
    dictDelete(tracking_table, key->ptr);
    decrRefCount(key);
}

void trackingInvalidateKeysOnFlush(int async) {
    (void)async; /* the table is small next to the data: freed inline */
    if (tracking_table == NULL) return;
    dictIterator *di = dictGetSafeIterator(tracking_clients);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        client *c = dictGetKey(de);
        if (c == server.current_client) listAddNodeTail(pending_keys, NULL);
        else sendFlushMessage(c);
    }
    dictReleaseIterator(di);
    dictEmpty(tracking_table, NULL);
    tracking_items = 0;
}

void trackingHandlePendingKeyInvalidations(void) {
    if (pending_keys == NULL || listLength(pending_keys) == 0) return;
    listIter li;
    listNode *ln;
    listRewind(pending_keys, &li);
    while ((ln = listNext(&li)) != NULL) {
        robj *key = listNodeValue(ln);
        client *c = server.current_client;
        if (c) {
            if (key) sendTrackingMessage(c, key->ptr, sdslen(key->ptr), 0);
            else sendFlushMessage(c);
        }
        if (key) decrRefCount(key);
    }
    listEmpty(pending_keys);
}

/* ---- broadcasting -------------------------------------------------------- */

static int compareSds(const void *a, const void *b) {
    sds x = *(sds *)a, y = *(sds *)b;
    size_t lx = sdslen(x), ly = sdslen(y);
    int cmp = memcmp(x, y, lx < ly ? lx : ly);
    if (cmp) return cmp;
    return (lx > ly) - (lx < ly);
}

/* The keys of a prefix in byte order (a radix tree's order, as stock). */
static sds *sortedKeys(dict *keys, size_t *n) {
    sds *out = zmalloc(sizeof(sds) * dictSize(keys));
    size_t i = 0;
    dictIterator *di = dictGetIterator(keys);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) out[i++] = dictGetKey(de);
    dictReleaseIterator(di);
    qsort(out, i, sizeof(sds), compareSds);
    *n = i;
    return out;
}

/* The key array, without the keys `exclude` modified itself (NOLOOP);
 * NULL if nothing is left. */
static sds buildBroadcastReply(dict *keys, sds *sorted, size_t n, client *exclude) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (!exclude || dictFetchValue(keys, sorted[i]) != exclude) count++;
    if (count == 0) return NULL;
    sds proto = sdscatprintf(sdsempty(), "*%zu\r\n", count);
    for (size_t i = 0; i < n; i++) {
        if (exclude && dictFetchValue(keys, sorted[i]) == exclude) continue;
        proto = sdscatprintf(proto, "$%zu\r\n", sdslen(sorted[i]));
        proto = sdscatsds(proto, sorted[i]);
        proto = sdscatlen(proto, "\r\n", 2);
    }
    return proto;
}

void trackingBroadcastInvalidationMessages(void) {
    if (tracking_table == NULL || dictSize(tracking_clients) == 0) return;
    size_t nprefixes;
    sds *prefixes = sortedKeys(prefix_table, &nprefixes);
    for (size_t p = 0; p < nprefixes; p++) {
        bcastState *bs = dictFetchValue(prefix_table, prefixes[p]);
        if (dictSize(bs->keys) == 0) continue;
        size_t n;
        sds *keys = sortedKeys(bs->keys, &n);
        sds common = buildBroadcastReply(bs->keys, keys, n, NULL);
        dictIterator *di = dictGetIterator(bs->clients);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL) {
            client *c = dictGetKey(de);
            if (c->flags & CLIENT_TRACKING_NOLOOP) {
                sds own = buildBroadcastReply(bs->keys, keys, n, c);
                if (own) sendTrackingMessage(c, own, sdslen(own), 1);
                sdsfree(own);
            } else {
                sendTrackingMessage(c, common, sdslen(common), 1);
            }
        }
        dictReleaseIterator(di);
        sdsfree(common);
        zfree(keys);
        dictEmpty(bs->keys, NULL);
    }
    zfree(prefixes);
}

/* ---- tracking-table-max-keys -------------------------------------------- */

/* Over the limit, invalidate random keys (their readers are told, so
 * their caches stay correct). The effort grows each time one call was not
 * enough, so a flood of new keys cannot outrun the eviction. */
void trackingLimitUsedSlots(void) {
    static unsigned int rounds_over = 0;
    if (tracking_table == NULL || server.tracking_table_max_keys == 0) return;
    size_t max = server.tracking_table_max_keys;
    if (dictSize(tracking_table) <= max) {
        rounds_over = 0;
        return;
    }
    int effort = 100 * (rounds_over + 1);
    while (effort-- > 0 && dictSize(tracking_table) > 0) {
        dictEntry *de = dictGetFairRandomKey(tracking_table);
        sds name = dictGetKey(de);
        robj *key = createStringObject(name, sdslen(name));
        trackingInvalidateKey(NULL, key, 0);
        decrRefCount(key);
        if (dictSize(tracking_table) <= max) {
            rounds_over = 0;
            return;
        }
    }
    rounds_over++;
}
