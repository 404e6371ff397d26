/* blocked.c - clients blocked on keys (see blocked.h).
 *
 * Bookkeeping:
 *  - db->blocking_keys: key -> adlist of clients waiting on it, oldest
 *    first (FIFO service order);
 *  - each blocked client's c->bstate: what it waits on and until when;
 *  - ready keys: keys that got data since the last service round (a list
 *    for order, db->ready_keys to add each key once);
 *  - a list of clients with a timeout, scanned only once the earliest
 *    deadline has passed;
 *  - unblocked clients whose pending input must be processed again.
 *
 * Paused clients (CLIENT PAUSE) also carry CLIENT_BLOCKED but have no
 * bstate: everything here checks bstate.
 */
#include "server.h"
#include <math.h>

typedef struct blockState {
    const blockType *bt;
    redisDb *db;
    robj **keys;
    int numkeys;
    mstime_t timeout;          /* absolute ms, 0 = none */
    listNode *timeout_node;    /* in timeout_clients */
    long long blocked_at_us;
} blockState;

typedef struct readyKey {
    redisDb *db;
    robj *key;
} readyKey;

static list *ready_keys;          /* readyKey* in signal order */
static list *timeout_clients;     /* clients with a deadline */
static list *unblocked_clients;   /* to resume in beforeSleep */
static mstime_t earliest_timeout; /* lower bound of the deadlines, 0 = none */
static unsigned long blocked_count;

static void blockedInit(void) {
    if (ready_keys) return;
    ready_keys = listCreate();
    timeout_clients = listCreate();
    unblocked_clients = listCreate();
}

int clientIsBlockedOnKeys(client *c) {
    return c->bstate != NULL;
}

unsigned long blockedClientsInTimeoutTable(void) {
    return timeout_clients ? listLength(timeout_clients) : 0;
}

unsigned long blockedClientsCount(void) {
    return blocked_count;
}

int clientDeniesBlocking(client *c) {
    return (c->flags & (CLIENT_MULTI|CLIENT_SCRIPT)) || server.in_exec ||
           (c->flags & CLIENT_NOINTERACT);
}

/* ---------------------------------------------------------------------------
 * Timeout argument
 * ------------------------------------------------------------------------- */

int getTimeoutFromObjectOrReply(client *c, robj *object, mstime_t *timeout, int unit) {
    long long tval;
    if (unit == UNIT_SECONDS) {
        long double secs;
        if (getLongDoubleFromObjectOrReply(c, object, &secs,
                                           "timeout is not a float or out of range") != C_OK)
            return C_ERR;
        long double ms = ceill(secs * 1000.0L); /* 0.0005s still waits 1ms */
        /* What stock's plain cast gives on x86 for values it cannot
         * represent: the most negative integer, hence "negative". */
        tval = (ms >= -9.2233720368547758e18L && ms < 9.2233720368547758e18L)
               ? (long long)ms : LLONG_MIN;
    } else {
        if (getLongLongFromObjectOrReply(c, object, &tval,
                                         "timeout is not an integer or out of range") != C_OK)
            return C_ERR;
    }
    if (tval < 0) {
        addReplyError(c, "timeout is negative");
        return C_ERR;
    }
    if (tval > 0) {
        mstime_t now = commandTimeSnapshotMs();
        tval = tval > LLONG_MAX - now ? 0 : tval + now; /* beyond reach: forever */
    }
    *timeout = tval;
    return C_OK;
}

/* ---------------------------------------------------------------------------
 * Blocking and unblocking
 * ------------------------------------------------------------------------- */

void blockForKeys(client *c, const blockType *bt, robj **keys, int numkeys, mstime_t timeout) {
    blockedInit();
    blockState *bs = zmalloc(sizeof(*bs));
    bs->bt = bt;
    bs->db = c->db;
    bs->keys = zmalloc(sizeof(robj *) * (numkeys ? numkeys : 1));
    bs->numkeys = 0;
    bs->timeout = timeout;
    bs->timeout_node = NULL;
    bs->blocked_at_us = ustime();
    for (int j = 0; j < numkeys; j++) {
        int dup = 0;
        for (int k = 0; k < bs->numkeys; k++)
            if (equalStringObjects(bs->keys[k], keys[j])) dup = 1;
        if (dup) continue;
        robj *key = keys[j];
        incrRefCount(key);
        bs->keys[bs->numkeys++] = key;
        dictEntry *de = dictFind(c->db->blocking_keys, key);
        list *waiting;
        if (de) {
            waiting = dictGetVal(de);
        } else {
            waiting = listCreate();
            incrRefCount(key);
            dictAdd(c->db->blocking_keys, key, waiting);
        }
        listAddNodeTail(waiting, c);
    }
    c->bstate = bs;
    c->flags |= CLIENT_BLOCKED;
    blocked_count++;
    if (timeout) {
        listAddNodeTail(timeout_clients, c);
        bs->timeout_node = listLast(timeout_clients);
        if (earliest_timeout == 0 || timeout < earliest_timeout) earliest_timeout = timeout;
    }
}

/* Drop every trace of c's blocking state. */
static void blockedForget(client *c) {
    blockState *bs = c->bstate;
    for (int j = 0; j < bs->numkeys; j++) {
        dictEntry *de = dictFind(bs->db->blocking_keys, bs->keys[j]);
        if (de) {
            list *waiting = dictGetVal(de);
            listNode *ln = listSearchKey(waiting, c);
            if (ln) listDelNode(waiting, ln);
            if (listLength(waiting) == 0) {
                listRelease(waiting);
                dictDelete(bs->db->blocking_keys, bs->keys[j]);
            }
        }
        decrRefCount(bs->keys[j]);
    }
    zfree(bs->keys);
    if (bs->timeout_node) listDelNode(timeout_clients, bs->timeout_node);
    zfree(bs);
    c->bstate = NULL;
    blocked_count--;
}

/* The blocked command is over (served, timed out, unblocked): account for
 * it as stock does at this point, then let the client read on. */
static void unblockClient(client *c, int had_error) {
    struct redisCommand *cmd = c->cmd;
    if (cmd) {
        long long duration = ustime() - ((blockState *)c->bstate)->blocked_at_us;
        (void)duration;
        cmd->calls++;
        if (had_error) cmd->failed_calls++;
        slowlogPushCurrentCommand(c, cmd, 0);
    }
    blockedForget(c);
    c->flags &= ~CLIENT_BLOCKED;
    c->flags |= CLIENT_UNBLOCKED;
    resetClient(c);
    listAddNodeTail(unblocked_clients, c);
}

static void replyTimeout(client *c) {
    blockState *bs = c->bstate;
    if (bs->bt->timeout_reply) bs->bt->timeout_reply(c);
    else addReplyNullArray(c);
}

void unblockClientOnRequest(client *c, int error) {
    if (!c->bstate) return;
    if (error) addReplyError(c, "-UNBLOCKED client unblocked via CLIENT UNBLOCK");
    else replyTimeout(c);
    unblockClient(c, error);
}

void blockedClientFreed(client *c) {
    if (c->bstate) blockedForget(c);
    if (unblocked_clients) {
        listNode *ln = listSearchKey(unblocked_clients, c);
        if (ln) listDelNode(unblocked_clients, ln);
    }
}

/* ---------------------------------------------------------------------------
 * Ready keys and service
 * ------------------------------------------------------------------------- */

/* Called on every write that may give a waiting client data (db.c calls it
 * for each new key; type modules when they push into an existing value),
 * and when a key loses a stream. */
void signalKeyAsReady(redisDb *db, robj *key, int type) {
    (void)type;
    if (dictSize(db->blocking_keys) == 0) return;
    if (!dictFind(db->blocking_keys, key)) return;
    if (dictFind(db->ready_keys, key)) return;
    blockedInit();
    readyKey *rk = zmalloc(sizeof(*rk));
    rk->db = db;
    rk->key = key;
    incrRefCount(key);
    listAddNodeTail(ready_keys, rk);
    incrRefCount(key);
    dictAdd(db->ready_keys, key, NULL);
}

int blockedHasReadyKeys(void) {
    return ready_keys && listLength(ready_keys) > 0;
}

/* A key lost its value: its waiters look again when the ready keys are
 * served; those whose blockType cares (XREADGROUP) hear of it then. Only
 * lost streams count, as in stock: a string overwritten in place by a list
 * (SORT ... STORE) does not wake a BLPOP waiting on that key. */
void signalDeletedKeyAsReady(redisDb *db, robj *key, int type) {
    if (type == OBJ_STREAM) signalKeyAsReady(db, key, type);
}

/* Every key of db some client blocks on that holds a value (a logically
 * expired one too, unless skip_expired), with that value's type. */
static void forEachBlockedKeyWithValue(redisDb *db, int skip_expired,
                                       void (*fn)(redisDb *db, robj *key, int type)) {
    if (dictSize(db->blocking_keys) == 0) return;
    dictIterator *it = dictGetSafeIterator(db->blocking_keys);
    dictEntry *de;
    while ((de = dictNext(it)) != NULL) {
        robj *key = dictGetKey(de);
        dictEntry *kde = dictFind(db->dict, key->ptr);
        if (kde == NULL || (skip_expired && keyIsExpired(db, key))) continue;
        fn(db, key, ((robj *)dictGetVal(kde))->type);
    }
    dictReleaseIterator(it);
}

/* db's data is about to go (FLUSHDB, SWAPDB, ...): waiters on lost
 * streams hear of it. */
void signalBlockedKeysLosingValues(redisDb *db) {
    forEachBlockedKeyWithValue(db, 0, signalDeletedKeyAsReady);
}

/* db holds other data now (SWAPDB): a key some client blocks on (BLPOP...)
 * may exist where it did not before. */
void signalBlockedKeysGainingValues(redisDb *db) {
    forEachBlockedKeyWithValue(db, 1, signalKeyAsReady);
}

/* Let one waiter act on key: serve it from o, or, o being NULL, tell it
 * the key lost its value. What it propagates (XCLAIMs, ...) goes out as
 * one unit, in MULTI/EXEC when more than one command, as for a command. */
static void serveWaiter(client *c, robj *key, robj *o) {
    blockState *bs = c->bstate;
    /* The served client's commands run as if it sent them now. */
    client *old = server.current_client;
    server.current_client = c;
    long long prev_errors = server.stat_total_error_replies;
    server.in_nested_call++;
    int served = o ? bs->bt->serve(c, key, o) : bs->bt->key_lost(c, key);
    server.in_nested_call--;
    if (server.in_nested_call == 0) propagatePendingCommands();
    server.current_client = old;
    if (served) unblockClient(c, server.stat_total_error_replies > prev_errors);
}

/* Serve the clients waiting on one key, oldest first, while it holds data
 * of the right type; when it holds none, the waiters that care are told. */
static void serveClientsBlockedOnKey(readyKey *rk) {
    dictEntry *de = dictFind(rk->db->blocking_keys, rk->key);
    if (!de) return;
    list *waiting = dictGetVal(de);
    listNode *ln = listFirst(waiting);
    while (ln) {
        client *c = listNodeValue(ln);
        listNode *next = listNextNode(ln);
        /* Unblocking may free the whole list when it was the last. */
        int last = next == NULL;
        const blockType *bt = ((blockState *)c->bstate)->bt;
        robj *o = lookupKeyWriteWithFlags(rk->db, rk->key, LOOKUP_NONOTIFY);
        if (o && o->type == bt->objtype) serveWaiter(c, rk->key, o);
        else if (bt->key_lost) serveWaiter(c, rk->key, NULL);
        if (last) break;
        ln = next;
    }
}

void handleClientsBlockedOnKeys(void) {
    if (!blockedHasReadyKeys()) return;
    /* Serving may make more keys ready (BLMOVE pushes): loop until quiet. */
    while (listLength(ready_keys)) {
        list *batch = ready_keys;
        ready_keys = listCreate();
        listNode *ln;
        while ((ln = listFirst(batch)) != NULL) {
            readyKey *rk = listNodeValue(ln);
            dictDelete(rk->db->ready_keys, rk->key);
            serveClientsBlockedOnKey(rk);
            decrRefCount(rk->key);
            zfree(rk);
            listDelNode(batch, ln);
        }
        listRelease(batch);
    }
}

/* Cluster mode: each client blocked on keys is offered to `redirect`
 * (cluster.c), which replies with an error and returns 1 when this node no
 * longer serves the client's slot (MOVED, CLUSTERDOWN); those clients are
 * unblocked. Keys of one client share a slot: its first key stands for
 * all. Collected first, as unblocking edits the lists being walked. */
void blockedRedirectClients(int (*redirect)(client *c, robj *key)) {
    redisDb *db = server.db;
    if (!ready_keys || dictSize(db->blocking_keys) == 0) return;
    list *victims = listCreate();
    dictIterator *di = dictGetIterator(db->blocking_keys);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        robj *key = dictGetKey(de);
        listIter li;
        listNode *ln;
        listRewind(dictGetVal(de), &li);
        while ((ln = listNext(&li)) != NULL) {
            client *c = listNodeValue(ln);
            blockState *bs = c->bstate;
            if (!bs || bs->db != db || !equalStringObjects(bs->keys[0], key)) continue;
            listAddNodeTail(victims, c);
        }
    }
    dictReleaseIterator(di);
    listIter li;
    listNode *ln;
    listRewind(victims, &li);
    while ((ln = listNext(&li)) != NULL) {
        client *c = listNodeValue(ln);
        if (redirect(c, ((blockState *)c->bstate)->keys[0])) unblockClient(c, 1);
    }
    listRelease(victims);
}

/* ---------------------------------------------------------------------------
 * Timeouts and resuming
 * ------------------------------------------------------------------------- */

static void handleBlockedClientsTimeout(void) {
    if (!timeout_clients || earliest_timeout == 0) return;
    mstime_t now = mstime();
    if (now < earliest_timeout) return;
    mstime_t next = 0;
    listIter li;
    listNode *ln;
    listRewind(timeout_clients, &li);
    while ((ln = listNext(&li)) != NULL) {
        client *c = listNodeValue(ln);
        blockState *bs = c->bstate;
        if (bs->timeout <= now) {
            replyTimeout(c);
            unblockClient(c, 0);
        } else if (next == 0 || bs->timeout < next) {
            next = bs->timeout;
        }
    }
    earliest_timeout = next;
}

static void processUnblockedClients(void) {
    listNode *ln;
    while (unblocked_clients && (ln = listFirst(unblocked_clients)) != NULL) {
        client *c = listNodeValue(ln);
        listDelNode(unblocked_clients, ln);
        c->flags &= ~CLIENT_UNBLOCKED;
        if (c->flags & (CLIENT_BLOCKED|CLIENT_CLOSE_ASAP)) continue;
        if (c->querybuf && c->qb_pos < sdslen(c->querybuf)) {
            server.current_client = c;
            processInputBuffer(c);
            server.current_client = NULL;
        }
    }
}

void blockedBeforeSleep(void) {
    if (!ready_keys) return;
    handleClientsBlockedOnKeys();
    handleBlockedClientsTimeout();
    processUnblockedClients();
}
