/* cluster_resolve.h - hostname lookups off the event loop (cluster_resolve.c).
 *
 * The cluster re-resolves a silent peer's stable hostname (docs/nat.md,
 * "Healing"). getaddrinfo() can block for as long as the DNS server takes
 * (seconds when it does not answer), so the lookups run in one background
 * thread: the main thread submits a request keyed by the node name, gets
 * woken through a pipe when a result is ready and polls it. Pure module: no
 * server state, unit-tested alone (src/unit/test_cluster_resolve.c). */
#ifndef CLUSTER_RESOLVE_H
#define CLUSTER_RESOLVE_H

#include <stddef.h>

#define CRES_KEYLEN 40      /* a cluster node name */
#define CRES_HOSTLEN 255    /* longest DNS name */
#define CRES_IPLEN 46       /* INET6_ADDRSTRLEN */
#define CRES_MAX_JOBS 1024  /* requests queued, running or unpolled */

typedef struct cresResult {
    char key[CRES_KEYLEN + 1];
    char host[CRES_HOSTLEN + 1];
    char ip[CRES_IPLEN];    /* first address found; "" when the lookup failed */
    long long elapsed_ms;   /* how long the lookup itself took */
} cresResult;

/* Resolves host to one IP literal (text) in ip; returns 0 on success. */
typedef int (*cresLookupFn)(const char *host, char *ip, size_t iplen);

/* The system lookup: getaddrinfo(), first IPv4 or IPv6 address. */
int cresLookupSystem(const char *host, char *ip, size_t iplen);

/* Starts the thread (once; later calls do nothing) with the given lookup,
 * cresLookupSystem when NULL. Returns 0, or -1 when it cannot start. */
int cresStart(cresLookupFn fn);
int cresStarted(void);

/* Queues a lookup of host for key. Returns 1 when queued, 0 when key
 * already has one that is queued, running or not yet polled (so a slow
 * lookup is never piled up), -1 on bad input, a full queue or no thread. */
int cresSubmit(const char *key, const char *host);

/* 1 when key has a lookup queued, running or not yet polled. */
int cresIsPending(const char *key);

/* Lookups queued, running or not yet polled. */
int cresPendingCount(void);

/* Takes the oldest finished lookup into out: 1, or 0 when none is ready.
 * Never blocks; also drains the wake-up pipe. */
int cresPoll(cresResult *out);

/* Read end of the wake-up pipe (non-blocking): readable once a lookup has
 * finished. -1 before cresStart. */
int cresWakeFd(void);

#endif
