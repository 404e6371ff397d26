/* db.c - the keyspace: 16 (dbnum) databases of key -> value, with expires.
 *
 * Every command reaches data through the functions here: lookups update the
 * access metadata used by eviction and count hits/misses; writes go through
 * dbAdd / dbOverwrite / setKey / dbDelete so that WATCH, keyspace events and
 * (later) client-side caching hear about every modification. A key's expire
 * lives in a second dict that shares the key sds with the main one.
 *
 * Expired keys are removed lazily here (expireIfNeeded on every lookup) and
 * actively by expire.c. The generic keyspace commands (DEL, EXISTS, SCAN,
 * RENAME, MOVE, COPY, SWAPDB, FLUSHDB, ...) live in db_cmds.c.
 */
#include "server.h"

/* ---------------------------------------------------------------------------
 * Databases
 * ------------------------------------------------------------------------ */

void initDbs(void) {
    server.db = zmalloc(sizeof(redisDb) * server.dbnum);
    for (int j = 0; j < server.dbnum; j++) {
        server.db[j].dict = dictCreate(&dbDictType);
        server.db[j].expires = dictCreate(&keyptrDictType);
        server.db[j].blocking_keys = dictCreate(&objectKeyPointerValueDictType);
        server.db[j].ready_keys = dictCreate(&objectKeyPointerValueDictType);
        server.db[j].watched_keys = dictCreate(&objectKeyPointerValueDictType);
        server.db[j].id = j;
        server.db[j].avg_ttl = 0;
        server.db[j].expires_cursor = 0;
    }
}

int selectDb(client *c, int id) {
    if (id < 0 || id >= server.dbnum) return C_ERR;
    c->db = &server.db[id];
    return C_OK;
}

long long dbTotalServerKeyCount(void) {
    long long total = 0;
    for (int j = 0; j < server.dbnum; j++) total += dictSize(server.db[j].dict);
    return total;
}

/* ---------------------------------------------------------------------------
 * Lookups
 * ------------------------------------------------------------------------ */

/* Record an access for eviction: the LFU counter or the LRU clock. Skipped
 * while a fork child exists, to avoid copy-on-write of every touched page. */
static void touchValue(robj *val) {
    if (hasActiveChildProcess()) return;
    if (server.maxmemory_policy & MAXMEMORY_FLAG_LFU) updateLFU(val);
    else val->lru = LRU_CLOCK();
}

/* The common lookup. Returns NULL for missing keys and for keys that are
 * logically expired (which are deleted when we are a master). */
static robj *lookupKey(redisDb *db, robj *key, int flags) {
    dictEntry *de = dictFind(db->dict, key->ptr);
    robj *val = NULL;

    if (de) {
        val = dictGetVal(de);
        /* Write lookups force deletion even on replicas: the key is about to
         * be overwritten and must not resurrect with its old value. */
        int force_delete_expired = flags & LOOKUP_WRITE;
        if (!(flags & LOOKUP_NOEXPIRE) && expireIfNeeded(db, key, force_delete_expired))
            val = NULL;
    }
    if (val) {
        if (!(flags & LOOKUP_NOTOUCH)) touchValue(val);
        if (!(flags & (LOOKUP_NOSTATS|LOOKUP_WRITE))) server.stat_keyspace_hits++;
    } else {
        if (!(flags & (LOOKUP_NONOTIFY|LOOKUP_WRITE)))
            notifyKeyspaceEvent(NOTIFY_KEY_MISS, "keymiss", key, db->id);
        if (!(flags & (LOOKUP_NOSTATS|LOOKUP_WRITE))) server.stat_keyspace_misses++;
    }
    return val;
}

robj *lookupKeyReadWithFlags(redisDb *db, robj *key, int flags) {
    serverAssert(!(flags & LOOKUP_WRITE));
    return lookupKey(db, key, flags);
}

robj *lookupKeyRead(redisDb *db, robj *key) {
    return lookupKeyReadWithFlags(db, key, LOOKUP_NONE);
}

robj *lookupKeyWriteWithFlags(redisDb *db, robj *key, int flags) {
    return lookupKey(db, key, flags | LOOKUP_WRITE);
}

robj *lookupKeyWrite(redisDb *db, robj *key) {
    return lookupKeyWriteWithFlags(db, key, LOOKUP_NONE);
}

robj *lookupKeyReadOrReply(client *c, robj *key, robj *reply) {
    robj *o = lookupKeyRead(c->db, key);
    if (!o && reply) addReply(c, reply);
    return o;
}

robj *lookupKeyWriteOrReply(client *c, robj *key, robj *reply) {
    robj *o = lookupKeyWrite(c->db, key);
    if (!o && reply) addReply(c, reply);
    return o;
}

/* ---------------------------------------------------------------------------
 * Adding, overwriting, deleting
 * ------------------------------------------------------------------------ */

/* Add a key that must not exist. The key object is copied (the dict owns
 * an sds); the value's reference is taken over by the keyspace. */
void dbAdd(redisDb *db, robj *key, robj *val) {
    sds copy = sdsdup(key->ptr);
    int retval = dictAdd(db->dict, copy, val);
    serverAssert(retval == DICT_OK);
    if (server.cluster_enabled) clusterSlotKeyAdded(db, copy);  /* keys-per-slot index */
    signalKeyAsReady(db, key, val->type);
    notifyKeyspaceEvent(NOTIFY_NEW, "new", key, db->id);
}

/* RDB loading: the caller hands over the sds. Returns 0 if the key existed. */
int dbAddRDBLoad(redisDb *db, sds key, robj *val) {
    if (dictAdd(db->dict, key, val) != DICT_OK) return 0;
    if (server.cluster_enabled) clusterSlotKeyAdded(db, key);  /* keys-per-slot index */
    return 1;
}

/* Replace the value of an existing key, keeping its expire. The old value
 * is released after the new one is in place (it may be referenced by the
 * current command's arguments). */
void dbOverwrite(redisDb *db, robj *key, robj *val) {
    dictEntry *de = dictFind(db->dict, key->ptr);
    serverAssert(de != NULL);
    robj *old = dictGetVal(de);

    /* An XREADGROUP blocked on a stream overwritten here has lost it
     * (blocked.c decides who hears of what). */
    signalDeletedKeyAsReady(db, key, old->type);
    /* Eviction metadata follows the key, not the value. */
    if (server.maxmemory_policy & MAXMEMORY_FLAG_LFU) val->lru = old->lru;
    dictGetVal(de) = val;
    decrRefCount(old);
}

/* The high level "set": add or overwrite, take a reference to val, drop the
 * old expire unless KEEPTTL, and tell watchers. */
void setKey(client *c, redisDb *db, robj *key, robj *val, int flags) {
    int keyfound = 0;

    if (flags & SETKEY_ALREADY_EXIST) keyfound = 1;
    else if (!(flags & SETKEY_DOESNT_EXIST)) keyfound = (lookupKeyWrite(db, key) != NULL);

    if (!keyfound) dbAdd(db, key, val);
    else dbOverwrite(db, key, val);
    incrRefCount(val);
    if (!(flags & SETKEY_KEEPTTL)) removeExpire(db, key);
    if (!(flags & SETKEY_NO_SIGNAL)) signalModifiedKey(c, db, key);
}

/* A random key that is not logically expired, or NULL if the db is empty.
 * Gives up on skipping expired keys after many tries so a db full of
 * expired keys on a replica (which can't delete them) can't loop forever. */
robj *dbRandomKey(redisDb *db) {
    int maxtries = 100;
    int allvolatile = dictSize(db->dict) == dictSize(db->expires);

    while (1) {
        dictEntry *de = dictGetFairRandomKey(db->dict);
        if (de == NULL) return NULL;
        sds key = dictGetKey(de);
        robj *keyobj = createStringObject(key, sdslen(key));
        if (dictFind(db->expires, key)) {
            if (allvolatile && server.masterhost && --maxtries == 0) return keyobj;
            if (expireIfNeeded(db, keyobj, 0)) {
                decrRefCount(keyobj);
                continue;
            }
        }
        return keyobj;
    }
}

static int dbGenericDelete(redisDb *db, robj *key, int async) {
    dictEntry *de = dictUnlink(db->dict, key->ptr);
    if (de == NULL) return 0;
    robj *val = dictGetVal(de);
    signalDeletedKeyAsReady(db, key, val->type);
    /* Detach the value from the entry so the dict does not free it: we
     * free it ourselves, maybe in the background (lazyfree). */
    if (dictSize(db->expires) > 0) dictDelete(db->expires, de->key);
    if (server.cluster_enabled) clusterSlotKeyDeleted(db, de->key);  /* keys-per-slot index */
    dictGetVal(de) = NULL;
    dictFreeUnlinkedEntry(db->dict, de);
    if (async) freeObjAsync(key, val, db->id);
    else decrRefCount(val);
    return 1;
}

int dbSyncDelete(redisDb *db, robj *key) { return dbGenericDelete(db, key, 0); }
int dbAsyncDelete(redisDb *db, robj *key) { return dbGenericDelete(db, key, 1); }

int dbDelete(redisDb *db, robj *key) {
    return dbGenericDelete(db, key, server.lazyfree_lazy_server_del);
}

/* Before modifying a string value in place (APPEND, SETRANGE, SETBIT...):
 * make sure it is a raw, unshared sds. */
robj *dbUnshareStringValue(redisDb *db, robj *key, robj *o) {
    serverAssert(o->type == OBJ_STRING);
    if (o->refcount != 1 || o->encoding != OBJ_ENCODING_RAW) {
        robj *decoded = getDecodedObject(o);
        o = createRawStringObject(decoded->ptr, sdslen(decoded->ptr));
        decrRefCount(decoded);
        dbOverwrite(db, key, o);
    }
    return o;
}

/* Empty one db (dbnum >= 0) or all (-1). Returns the number of keys
 * removed. callback is called periodically during long frees (used to keep
 * serving replication pings while loading). */
long long emptyData(int dbnum, int flags, void(callback)(dict*)) {
    int async = (flags & EMPTYDB_ASYNC);
    long long removed = 0;
    int startdb, enddb;

    if (dbnum < -1 || dbnum >= server.dbnum) return -1;
    if (dbnum == -1) {
        startdb = 0;
        enddb = server.dbnum - 1;
    } else {
        startdb = enddb = dbnum;
    }
    for (int j = startdb; j <= enddb; j++) {
        redisDb *db = &server.db[j];
        removed += dictSize(db->dict);
        signalFlushedDb(j, async);
        if (server.cluster_enabled) clusterSlotKeysFlush(db);  /* keys-per-slot index */
        /* Once per flush, not per db: one null invalidation per client. */
        if (j == startdb) trackingInvalidateKeysOnFlush(async);
        if (async) {
            emptyDbAsync(db);
        } else {
            dictEmpty(db->dict, callback);
            dictEmpty(db->expires, callback);
        }
        db->avg_ttl = 0;
        db->expires_cursor = 0;
    }
    return removed;
}

/* ---------------------------------------------------------------------------
 * Expires
 * ------------------------------------------------------------------------ */

/* Absolute unix time in ms, or -1 when the key has no expire. */
long long getExpire(redisDb *db, robj *key) {
    dictEntry *de;
    if (dictSize(db->expires) == 0 || (de = dictFind(db->expires, key->ptr)) == NULL)
        return -1;
    return dictGetSignedIntegerVal(de);
}

void setExpire(client *c, redisDb *db, robj *key, long long when) {
    /* The expire dict reuses the keyspace's sds for the key. */
    dictEntry *kde = dictFind(db->dict, key->ptr);
    serverAssert(kde != NULL);
    dictEntry *de = dictAddOrFind(db->expires, dictGetKey(kde));
    dictSetSignedIntegerVal(de, when);
    /* A writable replica's own keys: no master will send their DEL. */
    if (c && server.masterhost && !(c->flags & CLIENT_MASTER)) rememberReplicaKeyWithExpire(db, key);
}

int removeExpire(redisDb *db, robj *key) {
    if (dictSize(db->expires) == 0) return 0;
    return dictDelete(db->expires, key->ptr) == DICT_OK;
}

/* Inside a command (or script, or MULTI) time is frozen at its start, so
 * the same key cannot flip between present and expired mid-way. */
long long commandTimeSnapshotMs(void) {
    if (server.fixed_time_expire > 0) return server.mstime;
    return mstime();
}

int keyIsExpired(redisDb *db, robj *key) {
    long long when = getExpire(db, key);
    if (when < 0) return 0;
    if (server.loading) return 0;
    return commandTimeSnapshotMs() > when;
}

/* Replicas never delete expired keys on their own: the master sends DELs,
 * so data stays consistent. They only hide them from readers. Writes on a
 * writable replica still delete (force_delete_expired). */
int expireIfNeeded(redisDb *db, robj *key, int force_delete_expired) {
    if (!keyIsExpired(db, key)) return 0;
    if (server.masterhost != NULL) {
        if (force_delete_expired) deleteExpiredKeyAndPropagate(db, key);
        return 1;
    }
    /* During a client pause writes must not happen, deletions included. */
    if (checkClientPauseTimeoutAndReturnIfPaused()) return 1;
    deleteExpiredKeyAndPropagate(db, key);
    return 1;
}

void deleteExpiredKeyAndPropagate(redisDb *db, robj *keyobj) {
    int lazy = server.lazyfree_lazy_expire;
    dbGenericDelete(db, keyobj, lazy);
    notifyKeyspaceEvent(NOTIFY_EXPIRED, "expired", keyobj, db->id);
    signalModifiedKey(NULL, db, keyobj);
    propagateDeletion(db, keyobj, lazy);
    server.stat_expiredkeys++;
}

/* Replication and AOF hear a DEL/UNLINK for every key that expires or is
 * evicted here; the persistence/replication module routes it. */
void propagateDeletion(redisDb *db, robj *key, int lazy) {
    robj *argv[2];
    argv[0] = lazy ? shared.unlink : shared.del;
    argv[1] = key;
    alsoPropagate(db->id, argv, 2, CMD_CALL_PROPAGATE);
}

/* signalKeyAsReady (BLPOP & co. waiting for a key) lives in blocked.c. */

/* ---------------------------------------------------------------------------
 * Modification signals
 * ------------------------------------------------------------------------ */

/* Every key modification ends here: WATCH and client side caching
 * (tracking.c) invalidation. */
void signalModifiedKey(client *c, redisDb *db, robj *key) {
    touchWatchedKey(db, key);
    trackingInvalidateKey(c, key, 1);
}

void signalFlushedDb(int dbid, int async) {
    (void)async;
    int startdb = dbid, enddb = dbid;
    if (dbid == -1) {
        startdb = 0;
        enddb = server.dbnum - 1;
    }
    for (int j = startdb; j <= enddb; j++) {
        touchAllWatchedKeysInDb(&server.db[j], NULL);
        signalBlockedKeysLosingValues(&server.db[j]);
    }
}
