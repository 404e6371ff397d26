/* cluster_reconnect.c - when to dial a peer's bus port again.
 *
 * Stock 7.0 recreates a missing outbound link on every cluster cron tick
 * (100 ms). For a peer that stays unreachable (killed, its address gone,
 * a firewall) that is ten failed connects a second per node, forever, and
 * each one logs and costs a socket. Here consecutive failed attempts are
 * spaced out: one tick after the first failure, then doubling, up to a
 * cap of min(1 s, cluster-node-timeout / 4).
 *
 * The cap is what keeps failure detection and recovery as timely as
 * stock's: PFAIL counts from the unanswered ping (node->ping_sent), not
 * from connect attempts, and a peer that comes back is dialled again at
 * most a quarter of the node timeout later. Usually sooner: a peer that
 * returns dials us, and a new inbound link from it (or a MEET, or CLUSTER
 * MEET of its address) ends the backoff at once; so does a PONG on our
 * link or a change of the address we dial. Nodes in handshake are never
 * delayed (they live for max(node timeout, 1 s) anyway), so joins are
 * untouched.
 *
 * An attempt failed when the connect failed or when the link closed before
 * its first PONG (a port that accepts and drops us is no better than a
 * closed one).
 */
#include "server.h"

#define RECONNECT_TICK_MS 100    /* clusterCron's period */
#define RECONNECT_MAX_CAP_MS 1000

/* The longest wait between two attempts. */
static mstime_t reconnectCap(void) {
    mstime_t cap = server.cluster_node_timeout / 4;
    if (cap > RECONNECT_MAX_CAP_MS) cap = RECONNECT_MAX_CAP_MS;
    if (cap < RECONNECT_TICK_MS) cap = RECONNECT_TICK_MS;
    return cap;
}

/* Wait after `failures` consecutive failed attempts: 1 tick, 2, 4, ... */
static mstime_t reconnectDelay(int failures) {
    mstime_t cap = reconnectCap(), delay = RECONNECT_TICK_MS;
    for (int j = 1; j < failures && delay < cap; j++) delay *= 2;
    return delay < cap ? delay : cap;
}

static void reconnectClear(clusterNode *n) {
    n->reconnect_failures = 0;
    n->reconnect_at = 0;
}

/* May the cron dial n now? Also notices that the target moved (NAT switch,
 * new address from a packet or gossip): a new target starts afresh. */
int clusterReconnectDue(clusterNode *n, mstime_t now) {
    if (nodeInHandshake(n) || n->reconnect_failures == 0) return 1;
    char ip[NET_IP_STR_LEN];
    int port, internal;
    clusterAddrDialTarget(n, ip, &port, &internal);
    if (port != n->reconnect_port || strcmp(ip, n->reconnect_ip) != 0) {
        reconnectClear(n);
        return 1;
    }
    return now >= n->reconnect_at;
}

/* An attempt to reach n at ip:port failed. */
void clusterReconnectFailed(clusterNode *n, const char *ip, int port) {
    mstime_t now = mstime();
    /* Failure detection needs a ping time even when no PING could be
     * sent: count the attempt as one (stock does so for connect errors). */
    if (n->ping_sent == 0) n->ping_sent = now;
    if (nodeInHandshake(n)) return;
    if (n->reconnect_failures < INT_MAX) n->reconnect_failures++;
    snprintf(n->reconnect_ip, sizeof(n->reconnect_ip), "%s", ip);
    n->reconnect_port = port;
    mstime_t delay = reconnectDelay(n->reconnect_failures);
    /* Due on the first tick at or after the delay: minus a little, so a
     * delay of one tick is the next tick, not the one after. */
    n->reconnect_at = now + delay - RECONNECT_TICK_MS / 2;
    serverLog(LL_VERBOSE, "Link to node %.40s at %s:%d: %d failed attempt(s) in a row, next one in %lld ms",
              n->name, ip, port, n->reconnect_failures, (long long)delay);
}

/* n answered, or told us it is back: the next attempt goes out at once. */
void clusterReconnectReset(clusterNode *n, const char *why) {
    if (n->reconnect_failures == 0) return;
    serverLog(LL_VERBOSE, "Link to node %.40s: reconnecting without delay (%s) after %d failed attempt(s)",
              n->name, why, n->reconnect_failures);
    reconnectClear(n);
}

/* CLUSTER MEET ip port cport: whoever we knew there is dialled again now. */
void clusterReconnectResetAddress(const char *ip, int port, int cport) {
    dictIterator *di = dictGetIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *n = dictGetVal(de);
        if (n->port == port && n->cport == cport && !strcasecmp(n->ip, ip))
            clusterReconnectReset(n, "CLUSTER MEET of its address");
    }
    dictReleaseIterator(di);
}
