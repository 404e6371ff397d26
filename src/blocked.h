/* blocked.h - clients blocked on keys (BLPOP & co.), shared by every type
 * that has blocking commands (lists now; sorted sets and streams reuse it).
 *
 * A type module describes its blocking flavour with a blockType: which
 * value type can serve a waiting client, how to serve it (the client's own
 * argv is still there to say what it asked for), and what it receives on
 * timeout. The command calls blockForKeys(); writers call
 * signalKeyAsReady() (db.c does it for every new key, and through
 * signalDeletedKeyAsReady() for every key that loses a stream); after
 * each command and before sleeping, handleClientsBlockedOnKeys() serves
 * waiting clients in FIFO order per key.
 *
 * Included from server.h.
 */
#ifndef BLOCKED_H
#define BLOCKED_H

typedef struct blockType {
    const char *name;       /* "list", "zset", "stream" (for debugging) */
    int objtype;            /* OBJ_LIST, ...: the value type that can serve */
    /* Serve client c from key, whose value (of objtype) is not empty. Reply
     * to c and return 1 (c gets unblocked), or return 0 to keep waiting. */
    int (*serve)(client *c, robj *key, robj *value);
    /* Reply on timeout / CLIENT UNBLOCK TIMEOUT; NULL = null array. */
    void (*timeout_reply)(client *c);
    /* The key c waits on was deleted or now holds another type. Reply to
     * c and return 1 (c gets unblocked), or return 0 to keep waiting (NULL
     * = keep waiting, as BLPOP does). */
    int (*key_lost)(client *c, robj *key);
} blockType;

/* Block c on keys until one of them can serve it, or until timeout (an
 * absolute unix time in ms; 0 = forever). */
void blockForKeys(client *c, const blockType *bt, robj **keys, int numkeys, mstime_t timeout);
/* Parse a blocking timeout into an absolute ms time (0 = forever),
 * replying with Redis's errors on bad input. UNIT_SECONDS: decimals allowed
 * (BLPOP, BZPOPMIN); UNIT_MILLISECONDS: an integer (XREAD BLOCK). */
#define UNIT_SECONDS 0
#define UNIT_MILLISECONDS 1
int getTimeoutFromObjectOrReply(client *c, robj *object, mstime_t *timeout, int unit);
/* Is c blocked on keys (not merely paused)? */
int clientIsBlockedOnKeys(client *c);
/* CLIENT UNBLOCK: error = 1 replies -UNBLOCKED, else the timeout reply. */
void unblockClientOnRequest(client *c, int error);
/* Teardown hook for freeClient. */
void blockedClientFreed(client *c);
/* Does the client have to behave non-blocking (MULTI, scripts)? */
int clientDeniesBlocking(client *c);

/* A key lost its value, of the given type (deleted, overwritten, flushed,
 * swapped or moved away): waiters whose blockType has key_lost hear of it.
 * db.c calls it. */
void signalDeletedKeyAsReady(redisDb *db, robj *key, int type);
/* Before a whole db's contents go away (FLUSHDB/FLUSHALL, SWAPDB): the
 * same for every key with waiters that holds a value now. */
void signalBlockedKeysLosingValues(redisDb *db);
void signalBlockedKeysGainingValues(redisDb *db); /* after SWAPDB */

void handleClientsBlockedOnKeys(void);
int blockedHasReadyKeys(void);
/* beforeSleep: serve ready keys, expire timed out clients, resume clients
 * unblocked since (their pending input). */
void blockedBeforeSleep(void);
void blockedRedirectClients(int (*redirect)(client *c, robj *key)); /* cluster.c */
unsigned long blockedClientsInTimeoutTable(void);
unsigned long blockedClientsCount(void);

#endif
