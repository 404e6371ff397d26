/* multi.c - transactions: MULTI / EXEC / DISCARD and optimistic locking
 * with WATCH / UNWATCH.
 *
 * After MULTI, processCommand() queues commands here instead of running
 * them. EXEC runs the queue back to back (nothing else can interleave: the
 * server is single threaded) unless:
 *   - a command was rejected while queueing (unknown, wrong arity...):
 *     the client is flagged DIRTY_EXEC and EXEC replies EXECABORT;
 *   - a WATCHed key was modified since WATCH: the client is flagged
 *     DIRTY_CAS (by signalModifiedKey -> touchWatchedKey) and EXEC replies
 *     with a null array.
 * Each db keeps watched key -> list of watching clients, each client keeps
 * the list of keys it watches, so both "who watches this key" on every
 * write and "unwatch all" on EXEC are cheap.
 */
#include "server.h"

/* A key watched by a client. `expired` remembers that the key was already
 * logically expired when watched: its (lazy or active) deletion afterwards
 * is not a modification the client could have seen. */
typedef struct watchedKey {
    robj *key;
    redisDb *db;
    int expired;
} watchedKey;

/* ---------------------------------------------------------------------------
 * Queue
 * ------------------------------------------------------------------------ */

void initClientMultiState(client *c) {
    memset(&c->mstate, 0, sizeof(c->mstate));
}

void freeClientMultiState(client *c) {
    for (int j = 0; j < c->mstate.count; j++) {
        multiCmd *mc = c->mstate.commands + j;
        for (int i = 0; i < mc->argc; i++) decrRefCount(mc->argv[i]);
        zfree(mc->argv);
    }
    zfree(c->mstate.commands);
    initClientMultiState(c);
}

/* Take over the client's current argv into the queue. */
void queueMultiCommand(client *c, uint64_t cmd_flags) {
    /* After a queueing error EXEC will abort anyway: don't waste memory. */
    if (c->flags & (CLIENT_DIRTY_CAS|CLIENT_DIRTY_EXEC)) return;

    if (c->mstate.count == c->mstate.alloc_count) {
        c->mstate.alloc_count = c->mstate.alloc_count < 8 ? 8 : c->mstate.alloc_count * 2;
        c->mstate.commands = zrealloc(c->mstate.commands,
                                      sizeof(multiCmd) * c->mstate.alloc_count);
    }
    multiCmd *mc = c->mstate.commands + c->mstate.count;
    mc->cmd = c->cmd;
    mc->argc = c->argc;
    mc->argv = c->argv;
    mc->argv_len = c->argv_len;
    c->mstate.count++;
    c->mstate.cmd_flags |= cmd_flags;
    c->mstate.cmd_inv_flags |= ~cmd_flags;
    c->mstate.argv_len_sums += c->argv_len_sum + sizeof(robj *) * c->argc;

    /* The queue owns the vector now; the client starts a fresh one. */
    c->argv = NULL;
    c->argc = 0;
    c->argv_len = 0;
    c->argv_len_sum = 0;
}

void discardTransaction(client *c) {
    freeClientMultiState(c);
    c->flags &= ~(CLIENT_MULTI|CLIENT_DIRTY_CAS|CLIENT_DIRTY_EXEC);
    unwatchAllKeys(c);
}

/* A command was rejected while queueing: EXEC must fail. */
void flagTransaction(client *c) {
    if (c->flags & CLIENT_MULTI) c->flags |= CLIENT_DIRTY_EXEC;
}

void multiCommand(client *c) {
    if (c->flags & CLIENT_MULTI) {
        addReplyError(c, "MULTI calls can not be nested");
        return;
    }
    c->flags |= CLIENT_MULTI;
    addReply(c, shared.ok);
}

void discardCommand(client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        addReplyError(c, "DISCARD without MULTI");
        return;
    }
    discardTransaction(c);
    addReply(c, shared.ok);
}

/* Abort EXEC with an error that names why (used by checks done at EXEC
 * time, e.g. OOM or a replica turning read-only since queueing). */
void execCommandAbort(client *c, sds error) {
    discardTransaction(c);
    if (error[0] == '-') error++;
    addReplyErrorFormat(c, "-EXECABORT Transaction discarded because of: %s", error);
}

void execCommand(client *c) {
    int j;
    robj **orig_argv;
    int orig_argc, orig_argv_len;
    struct redisCommand *orig_cmd;

    if (!(c->flags & CLIENT_MULTI)) {
        addReplyError(c, "EXEC without MULTI");
        return;
    }
    if (isWatchedKeyExpired(c)) c->flags |= CLIENT_DIRTY_CAS;

    if (c->flags & (CLIENT_DIRTY_CAS|CLIENT_DIRTY_EXEC)) {
        if (c->flags & CLIENT_DIRTY_EXEC) addReplyErrorObject(c, shared.execaborterr);
        else addReplyNullArray(c);
        discardTransaction(c);
        return;
    }

    /* WATCH is over once EXEC runs: later writes by the transaction itself
     * must not flag anything. */
    unwatchAllKeys(c);

    server.in_exec = 1;
    freeClientOriginalArgv(c);
    orig_argv = c->argv;
    orig_argv_len = c->argv_len;
    orig_argc = c->argc;
    orig_cmd = c->cmd;
    addReplyArrayLen(c, c->mstate.count);
    for (j = 0; j < c->mstate.count; j++) {
        c->argc = c->mstate.commands[j].argc;
        c->argv = c->mstate.commands[j].argv;
        c->argv_len = c->mstate.commands[j].argv_len;
        c->cmd = c->realcmd = c->mstate.commands[j].cmd;
        /* ACL rules may have changed since the command was queued. */
        sds aclerr = ACLCheckQueuedCommandOrError(c);
        if (aclerr) addReplyErrorSds(c, aclerr);
        else call(c, CMD_CALL_FULL);
        /* What the slowlog saw of this command is no longer needed. */
        freeClientOriginalArgv(c);
        /* The command may have rewritten its argv (for propagation): keep
         * the queue pointing at what must be freed. */
        c->mstate.commands[j].argc = c->argc;
        c->mstate.commands[j].argv = c->argv;
        c->mstate.commands[j].argv_len = c->argv_len;
        c->mstate.commands[j].cmd = c->cmd;
    }
    c->argv = orig_argv;
    c->argv_len = orig_argv_len;
    c->argc = orig_argc;
    c->cmd = c->realcmd = orig_cmd;
    discardTransaction(c);
    server.in_exec = 0;
}

/* ---------------------------------------------------------------------------
 * WATCH
 * ------------------------------------------------------------------------ */

static void watchForKey(client *c, robj *key) {
    listIter li;
    listNode *ln;
    list *clients;

    if (c->watched_keys == NULL) c->watched_keys = listCreate();
    listRewind(c->watched_keys, &li);
    while ((ln = listNext(&li))) {
        watchedKey *wk = listNodeValue(ln);
        if (wk->db == c->db && equalStringObjects(key, wk->key)) return;
    }
    clients = dictFetchValue(c->db->watched_keys, key);
    if (!clients) {
        clients = listCreate();
        dictAdd(c->db->watched_keys, key, clients);
        incrRefCount(key);
    }
    listAddNodeTail(clients, c);

    watchedKey *wk = zmalloc(sizeof(*wk));
    wk->key = key;
    wk->db = c->db;
    wk->expired = keyIsExpired(c->db, key);
    incrRefCount(key);
    listAddNodeTail(c->watched_keys, wk);
}

void unwatchAllKeys(client *c) {
    listIter li;
    listNode *ln;

    if (c->watched_keys == NULL || listLength(c->watched_keys) == 0) return;
    listRewind(c->watched_keys, &li);
    while ((ln = listNext(&li))) {
        watchedKey *wk = listNodeValue(ln);
        list *clients = dictFetchValue(wk->db->watched_keys, wk->key);
        serverAssert(clients != NULL);
        listNode *cn = listSearchKey(clients, c);
        if (cn) listDelNode(clients, cn);
        if (listLength(clients) == 0) {
            listRelease(clients);
            dictDelete(wk->db->watched_keys, wk->key);
        }
        listDelNode(c->watched_keys, ln);
        decrRefCount(wk->key);
        zfree(wk);
    }
}

/* Keys that expired after being watched count as modified. */
int isWatchedKeyExpired(client *c) {
    listIter li;
    listNode *ln;

    if (c->watched_keys == NULL || listLength(c->watched_keys) == 0) return 0;
    listRewind(c->watched_keys, &li);
    while ((ln = listNext(&li))) {
        watchedKey *wk = listNodeValue(ln);
        if (wk->expired) continue;
        if (keyIsExpired(wk->db, wk->key)) return 1;
    }
    return 0;
}

static watchedKey *findWatchedKey(client *c, redisDb *db, robj *key) {
    listIter li;
    listNode *ln;
    listRewind(c->watched_keys, &li);
    while ((ln = listNext(&li))) {
        watchedKey *wk = listNodeValue(ln);
        if (wk->db == db && equalStringObjects(wk->key, key)) return wk;
    }
    return NULL;
}

/* Called on every key modification (signalModifiedKey). */
void touchWatchedKey(redisDb *db, robj *key) {
    list *clients;
    listIter li;
    listNode *ln;

    if (dictSize(db->watched_keys) == 0) return;
    clients = dictFetchValue(db->watched_keys, key);
    if (!clients) return;

    listRewind(clients, &li);
    while ((ln = listNext(&li))) {
        client *c = listNodeValue(ln);
        watchedKey *wk = findWatchedKey(c, db, key);
        if (wk && wk->expired) {
            /* The key was already gone (expired) for this client when it
             * watched it; its removal now changes nothing it could see. */
            if (dictFind(db->dict, key->ptr) == NULL) {
                wk->expired = 0;
                continue;
            }
        }
        c->flags |= CLIENT_DIRTY_CAS;
        /* No need to track this client further: EXEC will fail anyway. */
    }
}

/* FLUSHDB/FLUSHALL/SWAPDB: every watched key that existed in `emptied`, or
 * that exists in the db replacing it, is modified. */
void touchAllWatchedKeysInDb(redisDb *emptied, redisDb *replaced_with) {
    listIter li;
    listNode *ln;
    dictEntry *de;

    if (dictSize(emptied->watched_keys) == 0) return;
    dictIterator *di = dictGetSafeIterator(emptied->watched_keys);
    while ((de = dictNext(di)) != NULL) {
        robj *key = dictGetKey(de);
        int exists_in_emptied = dictFind(emptied->dict, key->ptr) != NULL;
        if (exists_in_emptied ||
            (replaced_with && dictFind(replaced_with->dict, key->ptr))) {
            list *clients = dictGetVal(de);
            listRewind(clients, &li);
            while ((ln = listNext(&li))) {
                client *c = listNodeValue(ln);
                watchedKey *wk = findWatchedKey(c, emptied, key);
                if (wk && wk->expired) {
                    if (!replaced_with || !dictFind(replaced_with->dict, key->ptr)) {
                        /* Expired key flushed away: not a visible change. */
                        wk->expired = 0;
                        continue;
                    }
                    if (keyIsExpired(replaced_with, key)) continue;
                } else if (!exists_in_emptied && replaced_with &&
                           keyIsExpired(replaced_with, key)) {
                    continue;
                }
                c->flags |= CLIENT_DIRTY_CAS;
            }
        }
    }
    dictReleaseIterator(di);
}

void watchCommand(client *c) {
    if (c->flags & CLIENT_MULTI) {
        addReplyError(c, "WATCH inside MULTI is not allowed");
        return;
    }
    /* Already doomed: no point in watching more. */
    if (c->flags & CLIENT_DIRTY_CAS) {
        addReply(c, shared.ok);
        return;
    }
    for (int j = 1; j < c->argc; j++) watchForKey(c, c->argv[j]);
    addReply(c, shared.ok);
}

void unwatchCommand(client *c) {
    unwatchAllKeys(c);
    c->flags &= ~CLIENT_DIRTY_CAS;
    addReply(c, shared.ok);
}
