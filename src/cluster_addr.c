/* cluster_addr.c - which address a node announces, and which one it records
 * and dials for a peer.
 *
 * Every address decision of the cluster goes through here. Two addresses
 * per node (docs/nat.md):
 *   - external: what clients see (CLUSTER NODES/SLOTS/SHARDS, MOVED/ASK):
 *     cluster-announce-ip/port/tls-port/bus-port/hostname, else the real
 *     ones. Recorded for a peer from the header's myip, else (stock sender
 *     without announce-ip: the only case) the TCP peer address.
 *   - internal: where the bus and replication go, pod to pod:
 *     cluster-announce-internal-ip, else detected from the local address of
 *     our own bus sockets, with the real listening ports. Carried in the NAT
 *     ping extension (cluster_natext.h); a peer that never sent one has
 *     internal == external.
 * Our header's myip is announce-ip, else our internal IP: never empty, so
 * even a stock receiver behind SNAT records and dials the right place. The
 * extension goes in MEETs and to peers that sent it to us (or that a peer's
 * gossip says speak it), so stock nodes log at most one "unknown extension"
 * per MEET. A peer whose internal IP stops answering and that has a stable
 * hostname (cluster-announce-internal-hostname) is re-resolved (in a
 * background thread, cluster_resolve.c, so DNS never blocks the event
 * loop); one whose
 * internal address does not answer while its external one differs is
 * dialled at the external one (and back). Internal
 * addresses and hostnames of peers persist in a sidecar file next to
 * nodes.conf (<file>.nat) that stock ignores, so nodes.conf stays 7.0's.
 */
#include "server.h"
#include "cluster_resolve.h"
#include <sys/stat.h>
#include <fcntl.h>

#pragma weak replicationSetMaster

/* Copies an IP into a NET_IP_STR_LEN buffer, NUL-padded (src may alias
 * nothing of dst). */
static void copyIp(char *dst, const char *src) {
    size_t l = strnlen(src, NET_IP_STR_LEN - 1);
    memmove(dst, src, l);
    memset(dst + l, 0, NET_IP_STR_LEN - l);
}

/* The bus port we listen on: cluster-port, else 10000 above the client
 * port peers use, i.e. tls-port with tls-cluster (stock does the same).
 * Fixed by the first call (start-up, before listening): CONFIG SET of a
 * port or of tls-cluster does not move the bus listener. */
int clusterAddrBusPort(void) {
    static int bus_port = 0;
    if (bus_port == 0) {
        int base = server.tls_cluster ? server.tls_port : server.port;
        bus_port = server.cluster_port ? server.cluster_port : base + CLUSTER_PORT_INCR;
    }
    return bus_port;
}

/* Client ports as announced, derived as 7.0 does: the primary port is
 * the one peers dial (the TLS one with tls-cluster) and pport the plain
 * one with tls-cluster, else 0. With tls-cluster, cluster-announce-tls-port
 * replaces the TLS port and then cluster-announce-port (even 0) the plain
 * one; without cluster-announce-tls-port, cluster-announce-port replaces the
 * primary port (stock quirk, kept so mixed clusters print the same). */
int clusterAddrAnnouncedPort(void) {
    if (server.tls_cluster && server.cluster_announce_tls_port) return server.cluster_announce_tls_port;
    if (server.cluster_announce_port) return server.cluster_announce_port;
    return server.tls_cluster ? server.tls_port : server.port;
}

int clusterAddrAnnouncedPPort(void) {
    if (!server.tls_cluster) return 0;
    return server.cluster_announce_tls_port ? server.cluster_announce_port : server.port;
}

int clusterAddrAnnouncedCport(void) {
    return server.cluster_announce_bus_port ? server.cluster_announce_bus_port : clusterAddrBusPort();
}

/* The address fields of the header we send. */
void clusterAddrFillMyHeaderAddress(cbusHeader *h) {
    memset(h->myip, 0, sizeof(h->myip));
    const char *ip = server.cluster_announce_ip ? server.cluster_announce_ip : clusterAddrMyInternalIp();
    size_t l = strlen(ip);
    if (l > CBUS_IPLEN - 1) l = CBUS_IPLEN - 1;
    memcpy(h->myip, ip, l);
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

/* Our own IP is learnt from our bus sockets (clusterAddrNoteLocalAddress,
 * on every accept and connect), not only from an inbound MEET as 7.0
 * does; a MEET's socket is checked again here. Returns 1 when our IP
 * changed. */
int clusterAddrLearnMyIp(clusterLink *link, int type) {
    if (type != CBUS_MEET || !link->conn) return 0;
    char before[NET_IP_STR_LEN];
    memcpy(before, cluster->myself->ip, NET_IP_STR_LEN);
    clusterAddrNoteLocalAddress(link->conn);
    return strcmp(before, cluster->myself->ip) != 0;
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
            /* back to the detected address (or the next socket's) */
            const char *ip = clusterAddrMyInternalIp();
            if (ip != me->ip) {
                copyIp(me->ip, ip);
            }
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

/* The client port to give a client: the primary port, except for a
 * plain-TCP client of a tls-cluster node, who gets pport when there is one
 * (CLUSTER NODES/SLOTS, MOVED/ASK; as 7.0). */
int clusterAddrNodeClientPort(clusterNode *n, int use_tls) {
    int use_pport = server.tls_cluster && !use_tls;
    return use_pport && n->pport ? n->pport : n->port;
}

/* ---------------------------------------------------------------------------
 * Our internal address
 * ------------------------------------------------------------------------ */

static char my_detected_ip[NET_IP_STR_LEN];

/* The local address of one of our bus sockets is where peers can reach us
 * (pre-NAT). Re-checked on every accept and connect, so a pod restarted
 * with a new IP fixes itself, whatever its nodes.conf says. Without
 * cluster-announce-ip it is also our external address. */
void clusterAddrNoteLocalAddress(connection *conn) {
    char ip[NET_IP_STR_LEN];
    if (!conn || connSockName(conn, ip, sizeof(ip), NULL) == -1) return;
    if (strcmp(ip, my_detected_ip) != 0) {
        serverLog(LL_NOTICE, "NAT: internal IP of this node is now %s (was %s; reason: local address of a bus socket)%s",
                  ip, my_detected_ip[0] ? my_detected_ip : "unknown",
                  server.cluster_announce_internal_ip ? ", overridden by cluster-announce-internal-ip" : "");
        memcpy(my_detected_ip, ip, sizeof(ip));
    }
    clusterNode *me = cluster->myself;
    if (!server.cluster_announce_ip && strcmp(me->ip, clusterAddrMyInternalIp()) != 0) {
        copyIp(me->ip, clusterAddrMyInternalIp());
        serverLog(LL_NOTICE, "IP address for this node updated to %s", me->ip);
        clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG);
    }
}

/* cluster-announce-internal-ip, else the detected one, else (no socket
 * yet: nothing was sent either) what we have. */
const char *clusterAddrMyInternalIp(void) {
    if (server.cluster_announce_internal_ip) return server.cluster_announce_internal_ip;
    if (my_detected_ip[0]) return my_detected_ip;
    return cluster->myself->ip;
}

/* The address our replica announces to its master (REPLCONF ip-address)
 * when replica-announce-ip is unset: our internal address, once it is
 * configured or detected. Behind SNAT the master would otherwise list us
 * (INFO replication, ROLE) at the bridge address our connection arrives
 * from; without NAT it is the address the master sees anyway. NULL when
 * nothing is known yet (the master then uses the peer address, as stock). */
const char *clusterAddrReplicaAnnounceIp(void) {
    if (!server.cluster_enabled || !cluster) return NULL;
    if (server.cluster_announce_internal_ip) return server.cluster_announce_internal_ip;
    return my_detected_ip[0] ? my_detected_ip : NULL;
}

/* ---------------------------------------------------------------------------
 * The NAT extension: sending and receiving
 * ------------------------------------------------------------------------ */

/* MEETs always carry it (the receiver may be ours and cannot know yet);
 * otherwise only links and nodes known to speak it. */
int clusterAddrWantsNatExt(clusterLink *link, int type) {
    if (type == CBUS_MEET) return 1;
    if (link->nat_aware) return 1;
    return link->node && (link->node->nat_aware || link->node->nat_hinted);
}

size_t clusterAddrBuildNatExt(unsigned char *buf) {
    cnatInfo in;
    memset(&in, 0, sizeof(in));
    in.flags = server.cluster_announce_internal_ip ? CNAT_FLAG_IP_CONFIGURED : 0;
    in.port = (uint16_t)server.port;
    in.tls_port = (uint16_t)server.tls_port;
    in.cport = (uint16_t)clusterAddrBusPort();
    copyIp(in.ip, clusterAddrMyInternalIp());
    if (server.cluster_announce_internal_hostname)
        strncpy(in.hostname, server.cluster_announce_internal_hostname, CNAT_HOSTNAME_MAX);
    return cnatEncode(&in, buf);
}

static void formatAddr(char *dst, size_t len, const char *ip, int port, int cport) {
    if (!ip[0]) snprintf(dst, len, "none");
    else snprintf(dst, len, "%s:%d@%d", ip, port, cport);
}

static int hasNatExt(const unsigned char *buf) {
    cbusExtIter it;
    cbusExt ext;
    cbusExtIterInit(buf, &it);
    while (cbusExtNext(&it, &ext))
        if (ext.type == CNAT_EXT_TYPE) return 1;
    return 0;
}

/* A PING/MEET carrying the extension, even from a sender we do not know
 * yet: our PONG on that link carries ours. */
void clusterAddrNoteNatLink(clusterLink *link, const unsigned char *buf) {
    if (hasNatExt(buf)) link->nat_aware = 1;
}

/* The NAT extension of a PING/PONG/MEET from node (a handshake node for an
 * unknown MEET sender). Records the internal address the node states; the
 * cron then moves our link there. A node that stops sending it (a rollback
 * to stock) stops receiving ours. */
void clusterAddrProcessNatExt(clusterNode *node, clusterLink *link, const unsigned char *buf) {
    cbusExtIter it;
    cbusExt ext;
    cnatInfo in;
    int found = 0;
    cbusExtIterInit(buf, &it);
    while (cbusExtNext(&it, &ext)) {
        if (ext.type != CNAT_EXT_TYPE) continue;
        if (cnatDecode(ext.payload, ext.len, &in)) found = 1;
        else serverLog(LL_VERBOSE, "NAT: ignoring a malformed NAT extension from node %.40s", node->name);
    }
    if (!found) {
        /* Only a PONG answering a PING that carried ours is proof: one of
         * our nodes always answers in kind (clusterAddrNoteNatLink). */
        int type = (buf[12] << 8) | buf[13];
        if (type != CBUS_PONG || link != node->link || !link->sent_natext) return;
        if ((node->nat_aware || node->nat_hinted) && ++node->nat_noext >= 1) {
            serverLog(LL_NOTICE, "NAT: node %.40s no longer sends the NAT extension, not sending it ours", node->name);
            node->nat_aware = node->nat_hinted = 0;
            node->nat_noext = 0;
            link->nat_aware = 0;
            if (node->link) node->link->nat_aware = 0;
            if (node->inbound_link) node->inbound_link->nat_aware = 0;
        }
        return;
    }
    link->nat_aware = 1;
    node->nat_aware = 1;
    node->nat_noext = 0;
    if (((buf[12] << 8) | buf[13]) == CBUS_PONG && link == node->link) node->nat_out_ok = mstime();
    int port = in.port, tls_port = in.tls_port, cport = in.cport;
    if (strcmp(node->int_ip, in.ip) || node->int_port != port || node->int_tls_port != tls_port ||
        node->int_cport != cport) {
        char was[NET_IP_STR_LEN + 16], now[NET_IP_STR_LEN + 16];
        formatAddr(was, sizeof(was), node->int_ip, node->int_port, node->int_cport);
        formatAddr(now, sizeof(now), in.ip, port, cport);
        int loglevel = nodeInHandshake(node) ? LL_VERBOSE : LL_NOTICE;
        serverLog(loglevel, "NAT: internal address of node %.40s changed from %s to %s (reason: stated by the node in its NAT extension)",
                  node->name, was, now);
        memset(node->int_ip, 0, sizeof(node->int_ip));
        memcpy(node->int_ip, in.ip, strlen(in.ip));
        node->int_port = port;
        node->int_tls_port = tls_port;
        node->int_cport = cport;
        node->nat_use_ext = 0;
        node->nat_dial_since = mstime();
        if (nodeIsSlave(cluster->myself) && cluster->myself->slaveof == node && replicationSetMaster) {
            char ip[NET_IP_STR_LEN];
            int rport;
            clusterAddrReplicationTarget(node, ip, &rport);
            replicationSetMaster(ip, rport);
        }
        clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG);
    }
    if (strcmp(node->int_hostname, in.hostname) != 0) {
        serverLog(LL_NOTICE, "NAT: internal hostname of node %.40s is now '%s'", node->name, in.hostname);
        node->int_hostname = sdscpy(node->int_hostname, in.hostname);
        clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG);
    }
}

/* ---------------------------------------------------------------------------
 * Dialling, replication, healing
 * ------------------------------------------------------------------------ */

static int nodeHasInternal(clusterNode *n) {
    return n->int_ip[0] != '\0' && n->int_cport != 0;
}

/* The bus address to dial: the internal one when known (and answering). */
void clusterAddrDialTarget(clusterNode *n, char *ip, int *port, int *internal) {
    *internal = nodeHasInternal(n) && !n->nat_use_ext;
    memcpy(ip, *internal ? n->int_ip : n->ip, NET_IP_STR_LEN);
    *port = *internal ? n->int_cport : n->cport;
}

/* Where a replica of n replicates from: n's internal address and real
 * port (TLS one with tls-replication), else what it announces. */
void clusterAddrReplicationTarget(clusterNode *n, char *ip, int *port) {
    if (nodeHasInternal(n)) {
        memcpy(ip, n->int_ip, NET_IP_STR_LEN);
        *port = (server.tls_replication && n->int_tls_port) ? n->int_tls_port : n->int_port;
        if (*port) return;
    }
    memcpy(ip, n->ip, NET_IP_STR_LEN);
    *port = n->port;
}

/* 1 when the node's internal address differs from its external one:
 * NAT in play, the extra fields of CLUSTER SHARDS/LINKS are shown. */
int clusterAddrHasNatSplit(clusterNode *n) {
    if (n == cluster->myself) {
        int real_port = server.tls_cluster ? server.tls_port : server.port;
        return strcmp(clusterAddrMyInternalIp(), n->ip) != 0 || n->port != real_port ||
               n->cport != clusterAddrBusPort();
    }
    return nodeHasInternal(n) && (strcmp(n->int_ip, n->ip) || n->int_cport != n->cport);
}

/* How long a peer with an internal hostname may stay silent before we
 * re-resolve it: max(cluster-node-timeout/2, 500 ms). */
static mstime_t reresolveSilenceLimit(void) {
    mstime_t limit = server.cluster_node_timeout / 2;
    return limit < 500 ? 500 : limit;
}

static mstime_t nodeSilentFor(clusterNode *n, mstime_t now) {
    mstime_t last = n->data_received > n->ctime ? n->data_received : n->ctime;
    return now - last;
}

/* Records ip as the node's internal address, found by re-resolving its
 * hostname after silent_ms of silence; returns 1 when it changed. */
static int applyResolvedIp(clusterNode *n, const char *ip, mstime_t silent_ms) {
    const char *cur = nodeHasInternal(n) ? n->int_ip : n->ip;
    if (!ip[0] || strlen(ip) >= NET_IP_STR_LEN || !strcmp(ip, cur)) return 0;
    serverLog(LL_NOTICE, "NAT: internal address of node %.40s changed from %s to %s (reason: re-resolved hostname %s after %lld ms without an answer)",
              n->name, cur, ip, n->int_hostname, (long long)silent_ms);
    /* An external address that was the internal one moves with it. */
    if (!strcmp(n->ip, cur)) copyIp(n->ip, ip);
    copyIp(n->int_ip, ip);
    if (!n->int_cport) {
        n->int_cport = n->cport;
        n->int_port = n->port;
    }
    clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG);
    return 1;
}

/* Applies every finished lookup (cluster_resolve.c). The node may have
 * been forgotten, renamed its hostname or started answering meanwhile: its
 * own NAT extension then beats a DNS answer, which is dropped. */
static void applyResolvedLookups(void) {
    cresResult r;
    mstime_t now = mstime();
    while (cresPoll(&r)) {
        clusterNode *n = clusterLookupNode(r.key, (int)strlen(r.key));
        if (!n || n == cluster->myself || strcmp(n->int_hostname, r.host)) continue;
        mstime_t silent = nodeSilentFor(n, now);
        if (!r.ip[0]) {
            serverLog(LL_VERBOSE, "NAT: re-resolving hostname %s of node %.40s failed after %lld ms",
                      r.host, n->name, r.elapsed_ms);
        } else if (silent <= reresolveSilenceLimit()) {
            serverLog(LL_VERBOSE, "NAT: node %.40s answered while its hostname %s was re-resolved: keeping its stated address",
                      n->name, r.host);
        } else if (applyResolvedIp(n, r.ip, silent)) {
            if (n->link) freeClusterLink(n->link);
            n->flags &= ~CLUSTER_NODE_NOADDR;
        }
    }
}

static void resolverWakeHandler(aeEventLoop *el, int fd, void *privdata, int mask) {
    applyResolvedLookups();
}

/* The resolver thread starts with the first lookup we need; its results
 * are applied as soon as they arrive (wake-up pipe on the event loop). */
static int ensureResolver(void) {
    if (cresStarted()) return 1;
    if (cresStart(NULL) != 0 ||
        aeCreateFileEvent(server.el, cresWakeFd(), AE_READABLE, resolverWakeHandler, NULL) == AE_ERR) {
        serverLog(LL_WARNING, "NAT: cannot start the hostname resolver thread: peers' hostnames are not re-resolved");
        return 0;
    }
    return 1;
}

/* Asks the resolver thread for the node's stable hostname: getaddrinfo
 * may block on DNS for seconds, never in the event loop. Rate-limited to
 * once a second per node, one lookup in flight per node, and only for
 * nodes that stopped answering. */
static void reresolveNode(clusterNode *n, mstime_t silent_ms) {
    n->nat_last_resolve = mstime();
    if (!ensureResolver() || cresIsPending(n->name)) return;
    char key[CLUSTER_NAMELEN + 1];
    memcpy(key, n->name, CLUSTER_NAMELEN);
    key[CLUSTER_NAMELEN] = '\0';
    if (cresSubmit(key, n->int_hostname) == 1)
        serverLog(LL_VERBOSE, "NAT: re-resolving hostname %s of node %.40s (silent for %lld ms)",
                  n->int_hostname, n->name, (long long)silent_ms);
}

/* From clusterCron for every peer: move the outbound link to the address
 * we should dial (it changed, or we just learnt the internal one), and
 * heal a silent node by re-resolving its hostname. */
void clusterAddrCronNode(clusterNode *n) {
    mstime_t now = mstime();
    if (sdslen(n->int_hostname) && !nodeInHandshake(n)) {
        mstime_t silent = nodeSilentFor(n, now);
        if (silent > reresolveSilenceLimit() && now - n->nat_last_resolve > 1000) reresolveNode(n, silent);
    }
    /* An internal address we cannot reach (another network, a firewall)
     * must not cost us a node the external address reaches: switch
     * between the two while neither answers, stay on one that does. */
    if (nodeHasInternal(n) && clusterAddrHasNatSplit(n) && n->ip[0] && !nodeInHandshake(n)) {
        /* A healthy link answers at least every node_timeout/2. */
        mstime_t limit = server.cluster_node_timeout;
        if (limit < 1000) limit = 1000;
        mstime_t since = n->nat_dial_since ? n->nat_dial_since : n->ctime;
        mstime_t last = n->nat_out_ok > since ? n->nat_out_ok : since;
        if (now - last > limit) {
            n->nat_use_ext = !n->nat_use_ext;
            n->nat_dial_since = now;
            serverLog(LL_NOTICE, "NAT: node %.40s does not answer at its %s address for %lld ms: trying its %s address %s:%d",
                      n->name, n->nat_use_ext ? "internal" : "external", (long long)(now - last),
                      n->nat_use_ext ? "external" : "internal",
                      n->nat_use_ext ? n->ip : n->int_ip, n->nat_use_ext ? n->cport : n->int_cport);
        }
    }
    if (n->link && n->link->dial_ip[0]) {
        char ip[NET_IP_STR_LEN];
        int port, internal;
        clusterAddrDialTarget(n, ip, &port, &internal);
        if (strcmp(ip, n->link->dial_ip) || port != n->link->dial_port) {
            serverLog(LL_VERBOSE, "NAT: moving the bus link to node %.40s from %s:%d to %s:%d (%s address)",
                      n->name, n->link->dial_ip, n->link->dial_port, ip, port,
                      internal ? "internal" : "external");
            freeClusterLink(n->link);
        }
    }
}

/* INFO cluster: our two addresses. */
sds clusterAddrInfo(sds info) {
    if (!cluster) return info;
    clusterNode *me = cluster->myself;
    long nat_peers = 0;
    dictIterator *di = dictGetIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *n = dictGetVal(de);
        if (n != me && n->nat_aware) nat_peers++;
    }
    dictReleaseIterator(di);
    return sdscatprintf(info,
        "cluster_nat:internal=%s:%d@%d,internal_hostname=%s,external=%s:%d@%d,nat_aware_peers=%ld,resolving=%d\r\n",
        clusterAddrMyInternalIp(), server.tls_cluster ? server.tls_port : server.port, clusterAddrBusPort(),
        server.cluster_announce_internal_hostname ? server.cluster_announce_internal_hostname : "",
        me->ip, me->port, me->cport, nat_peers, cresPendingCount());
}

/* ---------------------------------------------------------------------------
 * The sidecar file <nodes.conf>.nat: one line per peer with a known
 * internal address or hostname: "id ip port tls-port cport hostname|-".
 * Stock never reads it, so nodes.conf itself stays loadable by 7.0.15.
 * ------------------------------------------------------------------------ */

int clusterAddrSaveSidecar(const char *nodes_conf, int do_fsync) {
    sds path = sdscatfmt(sdsempty(), "%s.nat", nodes_conf);
    sds tmp = sdscatfmt(sdsempty(), "%s.tmp", path);
    sds content = sdsnew("# NAT-aware cluster bus: peers' internal addresses (docs/nat.md)\n");
    dictIterator *di = dictGetIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *n = dictGetVal(de);
        if (n == cluster->myself || nodeInHandshake(n)) continue;
        if (!nodeHasInternal(n) && !sdslen(n->int_hostname)) continue;
        content = sdscatprintf(content, "%.40s %s %d %d %d %s\n", n->name,
                               n->int_ip[0] ? n->int_ip : "-", n->int_port, n->int_tls_port,
                               n->int_cport, sdslen(n->int_hostname) ? n->int_hostname : "-");
    }
    dictReleaseIterator(di);
    /* nodes.conf is saved on every slot change (a reshard: several per
     * slot); the sidecar rarely changes, and a rename per save doubled
     * the cost of each CLUSTER SETSLOT. Rewrite it only when it differs
     * from what we wrote last. */
    static sds last_written = NULL;
    if (last_written && sdscmp(last_written, content) == 0) {
        sdsfree(path);
        sdsfree(tmp);
        sdsfree(content);
        return C_OK;
    }
    int ok = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd != -1) {
        ok = write(fd, content, sdslen(content)) == (ssize_t)sdslen(content);
        if (ok && do_fsync) ok = fsync(fd) == 0;
        close(fd);
        if (ok) ok = rename(tmp, path) == 0;
        if (!ok) unlink(tmp);
    }
    if (!ok) serverLog(LL_WARNING, "NAT: could not write %s: %s", path, strerror(errno));
    sdsfree(path);
    sdsfree(tmp);
    if (ok) {
        sdsfree(last_written);
        last_written = content;
    } else {
        sdsfree(content);
    }
    return ok ? C_OK : C_ERR;
}

void clusterAddrLoadSidecar(const char *nodes_conf) {
    sds path = sdscatfmt(sdsempty(), "%s.nat", nodes_conf);
    FILE *fp = fopen(path, "r");
    sdsfree(path);
    if (!fp) return;
    char line[1024];
    int loaded = 0;
    while (fgets(line, sizeof(line), fp)) {
        if (line[0] == '#') continue;
        char id[64], ip[64], host[512];
        int port, tls_port, cport;
        if (sscanf(line, "%63s %63s %d %d %d %511s", id, ip, &port, &tls_port, &cport, host) != 6)
            continue;
        clusterNode *n = clusterLookupNode(id, (int)strlen(id));
        if (!n || n == cluster->myself) continue;
        if (strcmp(ip, "-") && strlen(ip) < NET_IP_STR_LEN) {
            copyIp(n->int_ip, ip);
            /* Only our nodes state an internal address: keep talking to it
             * in kind after a restart (a rollback to stock is noticed). */
            n->nat_aware = 1;
        }
        if (port >= 0 && port <= 65535) n->int_port = port;
        if (tls_port >= 0 && tls_port <= 65535) n->int_tls_port = tls_port;
        if (cport >= 0 && cport <= 65535) n->int_cport = cport;
        if (strcmp(host, "-") && cnatValidHostname(host, strlen(host)))
            n->int_hostname = sdscpy(n->int_hostname, host);
        loaded++;
    }
    fclose(fp);
    if (loaded) serverLog(LL_NOTICE, "NAT: loaded the internal addresses of %d peers", loaded);
}

/* The node's external address changed from old_ip. With stated set, a
 * packet of the node itself said so: if it carried no NAT extension, the
 * internal address we keep is stale (the node restarted elsewhere, maybe
 * as a stock node on its nodes.conf): forget it and dial the external one.
 * Otherwise (gossip about a failing node, or the extension follows), an
 * internal address that was the same IP moves with it. */
void clusterAddrExternalChanged(clusterNode *n, const char *old_ip, const unsigned char *stated) {
    if (stated && n->int_ip[0] && !hasNatExt(stated)) {
        serverLog(LL_NOTICE, "NAT: forgetting internal address %s:%d@%d of node %.40s (reason: it moved to %s:%d@%d without stating one)",
                  n->int_ip, n->int_port, n->int_cport, n->name, n->ip, n->port, n->cport);
        memset(n->int_ip, 0, sizeof(n->int_ip));
        n->int_port = n->int_tls_port = n->int_cport = 0;
        n->nat_aware = n->nat_hinted = 0;
        if (n->link) n->link->nat_aware = 0;
        if (n->inbound_link) n->inbound_link->nat_aware = 0;
        clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG);
        return;
    }
    if (n->int_ip[0] && n->ip[0] && !strcmp(n->int_ip, old_ip) && strcmp(n->ip, old_ip)) {
        serverLog(LL_NOTICE, "NAT: internal address of node %.40s changed from %s to %s (reason: its external address moved)",
                  n->name, old_ip, n->ip);
        copyIp(n->int_ip, n->ip);
    }
}
