/* blocked.h - clients blocked on keys (BLPOP & co.), shared by every type
 * that has blocking commands (lists now; sorted sets and streams reuse it).
 *
 * A type module describes its blocking flavour with a blockType: which
 * value type can serve a waiting client, how to serve it (the client's own
 * argv is still there to say what it asked for), and what it receives on
 * timeout. The command calls blockForKeys(); writers call
 * signalKeyAsReady() (db.c does it for every new key); after each command
 * and before sleeping, handleClientsBlockedOnKeys() serves waiting clients
 * in FIFO order per key.
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
} blockType;

/* Block c on keys until one of them can serve it, or until timeout (an
 * absolute unix time in ms; 0 = forever). */
void blockForKeys(client *c, const blockType *bt, robj **keys, int numkeys, mstime_t timeout);
/* Parse a blocking timeout in seconds (decimals allowed) into an absolute
 * ms time (0 = forever), replying with Redis's errors on bad input. */
int getTimeoutFromObjectOrReply(client *c, robj *object, mstime_t *timeout);
/* Is c blocked on keys (not merely paused)? */
int clientIsBlockedOnKeys(client *c);
/* CLIENT UNBLOCK: error = 1 replies -UNBLOCKED, else the timeout reply. */
void unblockClientOnRequest(client *c, int error);
/* Teardown hook for freeClient. */
void blockedClientFreed(client *c);
/* Does the client have to behave non-blocking (MULTI, scripts)? */
int clientDeniesBlocking(client *c);

void handleClientsBlockedOnKeys(void);
int blockedHasReadyKeys(void);
/* beforeSleep: serve ready keys, expire timed out clients, resume clients
 * unblocked since (their pending input). */
void blockedBeforeSleep(void);
unsigned long blockedClientsInTimeoutTable(void);
unsigned long blockedClientsCount(void);

#endif
