/* cluster_addr.c - which address a node announces, and which one it records
 * for a peer.
 *
 * Every address decision of the cluster goes through here, so the
 * NAT-aware logic (internal bus/replication address carried in a ping
 * extension, kept apart from the external client/MOVED address) slots in
 * without touching the gossip code. Today the rules are stock 7.0's:
 *   - we put cluster-announce-ip in the header's myip, else leave it empty;
 *   - the ports we announce are cluster-announce-(tls-)port/bus-port, else
 *     the real ones (bus: cluster-port, else port + 10000);
 *   - for a peer we record the header's myip, else the TCP peer address of
 *     the connection the packet came on (behind SNAT that is the NAT
 *     address: the problem this module exists to solve later);
 *   - we learn our own IP from the local address of an inbound MEET (or of
 *     any packet while we know none), unless cluster-announce-ip is set;
 *   - clients are redirected to the cluster-preferred-endpoint-type.
 */
#include "server.h"

#pragma weak replicationSetMaster

/* The bus port we listen on. */
int clusterAddrBusPort(void) {
    return server.cluster_port ? server.cluster_port : server.port + CLUSTER_PORT_INCR;
}

/* Client ports as announced: with tls-cluster the primary port is the TLS
 * one and pport the plain one. */
int clusterAddrAnnouncedPort(void) {
    if (server.tls_cluster)
        return server.cluster_announce_tls_port ? server.cluster_announce_tls_port : server.tls_port;
    return server.cluster_announce_port ? server.cluster_announce_port : server.port;
}

int clusterAddrAnnouncedPPort(void) {
    if (server.tls_cluster)
        return server.cluster_announce_port ? server.cluster_announce_port : server.port;
    return server.cluster_announce_tls_port ? server.cluster_announce_tls_port : server.tls_port;
}

int clusterAddrAnnouncedCport(void) {
    return server.cluster_announce_bus_port ? server.cluster_announce_bus_port : clusterAddrBusPort();
}

/* The address fields of the header we send. */
void clusterAddrFillMyHeaderAddress(cbusHeader *h) {
    memset(h->myip, 0, sizeof(h->myip));
    if (server.cluster_announce_ip) {
        size_t l = strlen(server.cluster_announce_ip);
        if (l > CBUS_IPLEN - 1) l = CBUS_IPLEN - 1;
        memcpy(h->myip, server.cluster_announce_ip, l);
    }
    h->port = (uint16_t)clusterAddrAnnouncedPort();
    h->pport = (uint16_t)clusterAddrAnnouncedPPort();
    h->cport = (uint16_t)clusterAddrAnnouncedCport();
}

/* The IP to record for the sender of h, received over link. */
void clusterAddrPeerIp(clusterLink *link, const cbusHeader *h, char *ip) {
    if (h->myip[0] != '\0') {
        memcpy(ip, h->myip, NET_IP_STR_LEN);
        ip[NET_IP_STR_LEN - 1] = '\0';
        return;
    }
    if (connPeerToString(link->conn, ip, NET_IP_STR_LEN, NULL) == -1) ip[0] = '\0';
}

/* Learn our own IP from the local end of an inbound connection, as 7.0
 * does on MEET (or on anything while we have no IP). Returns 1 when our
 * IP changed (the caller saves the config). */
int clusterAddrLearnMyIp(clusterLink *link, int type) {
    clusterNode *me = cluster->myself;
    if (server.cluster_announce_ip) return 0;
    if (type != CBUS_MEET && me->ip[0] != '\0') return 0;
    char ip[NET_IP_STR_LEN];
    if (connSockName(link->conn, ip, sizeof(ip), NULL) == -1) return 0;
    if (!strcmp(ip, me->ip)) return 0;
    memcpy(me->ip, ip, NET_IP_STR_LEN);
    serverLog(LL_NOTICE, "IP address for this node updated to %s", me->ip);
    return 1;
}

/* Keeps myself's recorded address in line with the cluster-announce-*
 * settings (they can change at run time). */
void clusterAddrUpdateMyselfAnnounced(void) {
    static sds prev_ip = NULL;
    clusterNode *me = cluster->myself;
    const char *cur = server.cluster_announce_ip;
    int changed = (prev_ip == NULL) != (cur == NULL) ||
                  (prev_ip && cur && strcmp(prev_ip, cur) != 0);
    if (changed) {
        sdsfree(prev_ip);
        prev_ip = cur ? sdsnew(cur) : NULL;
        if (cur) {
            memset(me->ip, 0, sizeof(me->ip));
            strncpy(me->ip, cur, NET_IP_STR_LEN - 1);
        } else {
            me->ip[0] = '\0';  /* learnt again from the next MEET */
        }
        clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG);
    }
    const char *hn = server.cluster_announce_hostname ? server.cluster_announce_hostname : "";
    if (strcmp(hn, me->hostname) != 0) {
        me->hostname = sdscpy(me->hostname, hn);
        clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG);
    }
    int port = clusterAddrAnnouncedPort(), pport = clusterAddrAnnouncedPPort(),
        cport = clusterAddrAnnouncedCport();
    if (me->port != port || me->pport != pport || me->cport != cport) {
        me->port = port;
        me->pport = pport;
        me->cport = cport;
        clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG);
    }
}

/* The endpoint clients are sent to (MOVED/ASK, CLUSTER SLOTS/SHARDS). */
const char *clusterAddrNodeEndpoint(clusterNode *n) {
    switch (server.cluster_preferred_endpoint_type) {
    case CLUSTER_ENDPOINT_TYPE_HOSTNAME:
        return sdslen(n->hostname) ? n->hostname : "?";
    case CLUSTER_ENDPOINT_TYPE_UNKNOWN_ENDPOINT:
        return "";
    default:
        return n->ip;
    }
}

/* The client port to give a client, plain or TLS. */
int clusterAddrNodeClientPort(clusterNode *n, int use_tls) {
    if (server.tls_cluster) return use_tls ? n->port : n->pport;
    return use_tls ? n->pport : n->port;
}
