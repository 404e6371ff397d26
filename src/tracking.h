/* tracking.h - client side caching invalidations (CLIENT TRACKING), the
 * server-wide part. client_cmds.c owns the per-connection options and
 * tells this module when a client turns tracking on or off; the hooks
 * below are called from call(), processCommand(), beforeSleep() and the
 * keyspace signals in db.c. Included from server.h. */
#ifndef TRACKING_H
#define TRACKING_H

void trackingClientEnabled(client *c);    /* after CLIENT TRACKING ON */
void trackingClientDisabled(client *c);   /* before the options are cleared */
/* A read-only command ran: remember the keys it read for c. */
void trackingRememberKeys(client *c);
/* A key was modified (signalModifiedKey): invalidate it for the clients
 * that read it, and queue it for BCAST clients when `bcast`. */
void trackingInvalidateKey(client *c, robj *key, int bcast);
/* A database was flushed: every tracking client gets a null invalidation. */
void trackingInvalidateKeysOnFlush(int async);
/* End of a top-level command: send the invalidations meant for the client
 * that ran it (they must follow its reply). */
void trackingHandlePendingKeyInvalidations(void);
/* beforeSleep: one message per BCAST prefix with the keys modified since. */
void trackingBroadcastInvalidationMessages(void);
/* processCommand: keep the table under tracking-table-max-keys. */
void trackingLimitUsedSlots(void);
unsigned long trackingClientsCount(void);

#endif
