/* cluster_node.c - the node table and the cluster bus.
 *
 * Each node knows every other node (clusterState.nodes) and keeps one
 * outbound link to each; peers open their own links to us (inbound). Over
 * them flow PING/PONG (our view of ourselves in the header plus gossip
 * about a few other nodes), MEET (a PING that makes the receiver add us),
 * FAIL, UPDATE and PUBLISH. Wire bytes are built and checked in
 * cluster_bus.c; the address to record or announce comes from
 * cluster_addr.c; nodes.conf is cluster_config.c.
 *
 * Failure detection: a node that does not answer a PING within
 * cluster-node-timeout is PFAIL for us. Masters gossip the PFAIL/FAIL they
 * see; those reports are failure reports on the node. When the masters
 * reporting it (plus us, if we are a master) are a majority of the masters
 * serving slots, we flag it FAIL and broadcast a FAIL message that everyone
 * obeys.
 *
 * Configuration: every master has a configEpoch; the slots it claims win
 * over an owner with a smaller one. Two masters with the same epoch resolve
 * the collision deterministically: the one with the smaller node id bumps
 * its epoch to a new currentEpoch. A node that advertises slots with an
 * older epoch than the current owner gets an UPDATE message about the owner.
 */
#include "server.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define myself (cluster->myself)

/* Owned by replication.c and pubsub.c, which may not be linked in. */
#pragma weak replicationSetMaster
#pragma weak replicationUnsetMaster
#pragma weak replicationGetSlaveOffset
#pragma weak pubsubPublishMessage

clusterState *cluster = NULL;
long cluster_drop_packet_filter = -1;
static socketFds cluster_fds;

static void clusterProcessLinkBuffer(clusterLink *link);
static void clusterLinkWriteHandler(connection *conn);
static void clusterLinkReadHandler(connection *conn);

/* ---------------------------------------------------------------------------
 * Dict types
 * ------------------------------------------------------------------------ */

static dictType clusterNodesDictType = {
    dictSdsHash, NULL, NULL, dictSdsKeyCompare, dictSdsDestructor, NULL, NULL
};
static dictType clusterBlacklistDictType = {
    dictSdsCaseHash, NULL, NULL, dictSdsKeyCaseCompare, dictSdsDestructor, NULL, NULL
};

/* ---------------------------------------------------------------------------
 * Nodes
 * ------------------------------------------------------------------------ */

void clusterGenerateName(char *name) {
    getRandomHexChars(name, CLUSTER_NAMELEN);
}

/* A new node; a NULL name gets a random one (handshake nodes, until the
 * peer tells us its real name). */
clusterNode *createClusterNode(const char *nodename, int flags) {
    clusterNode *n = zcalloc(sizeof(*n));
    if (nodename) memcpy(n->name, nodename, CLUSTER_NAMELEN);
    else clusterGenerateName(n->name);
    n->ctime = mstime();
    n->flags = flags;
    n->hostname = sdsempty();
    n->int_hostname = sdsempty();
    n->fail_reports = listCreate();
    n->repl_offset = 0;
    return n;
}

clusterNode *clusterLookupNode(const char *name, int length) {
    if (length != CLUSTER_NAMELEN) return NULL;
    sds s = sdsnewlen(name, length);
    dictEntry *de = dictFind(cluster->nodes, s);
    sdsfree(s);
    return de ? dictGetVal(de) : NULL;
}

int clusterAddNode(clusterNode *node) {
    return dictAdd(cluster->nodes, sdsnewlen(node->name, CLUSTER_NAMELEN), node) == DICT_OK
           ? C_OK : C_ERR;
}

int clusterNodeRemoveSlave(clusterNode *master, clusterNode *slave) {
    for (int j = 0; j < master->numslaves; j++) {
        if (master->slaves[j] != slave) continue;
        memmove(master->slaves + j, master->slaves + j + 1,
                sizeof(clusterNode *) * (master->numslaves - j - 1));
        master->numslaves--;
        if (master->numslaves == 0) master->flags &= ~CLUSTER_NODE_MIGRATE_TO;
        return C_OK;
    }
    return C_ERR;
}

int clusterNodeAddSlave(clusterNode *master, clusterNode *slave) {
    for (int j = 0; j < master->numslaves; j++)
        if (master->slaves[j] == slave) return C_ERR;
    master->slaves = zrealloc(master->slaves, sizeof(clusterNode *) * (master->numslaves + 1));
    master->slaves[master->numslaves++] = slave;
    master->flags |= CLUSTER_NODE_MIGRATE_TO;
    return C_OK;
}

void freeClusterNode(clusterNode *n) {
    if (cluster->mf_slave == n) resetManualFailover();
    /* Replicas of this node now have an unknown master. */
    for (int j = 0; j < n->numslaves; j++) n->slaves[j]->slaveof = NULL;
    if (nodeIsSlave(n) && n->slaveof) clusterNodeRemoveSlave(n->slaveof, n);
    sds name = sdsnewlen(n->name, CLUSTER_NAMELEN);
    dictDelete(cluster->nodes, name);
    sdsfree(name);
    /* A node going away is no failed reconnection attempt. */
    if (n->link) n->link->pong_seen = 1;
    if (n->link) freeClusterLink(n->link);
    if (n->inbound_link) freeClusterLink(n->inbound_link);
    listSetFreeMethod(n->fail_reports, zfree);
    listRelease(n->fail_reports);
    zfree(n->slaves);
    sdsfree(n->hostname);
    sdsfree(n->int_hostname);
    zfree(n);
}

/* Removes a node from the cluster: its slots become unassigned and the
 * failure reports it made disappear. */
void clusterDelNode(clusterNode *delnode) {
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (cluster->importing_slots_from[j] == delnode) cluster->importing_slots_from[j] = NULL;
        if (cluster->migrating_slots_to[j] == delnode) cluster->migrating_slots_to[j] = NULL;
        if (cluster->slots[j] == delnode) clusterDelSlot(j);
    }
    dictIterator *di = dictGetSafeIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *node = dictGetVal(de);
        if (node == delnode) continue;
        listIter li;
        listNode *ln;
        listRewind(node->fail_reports, &li);
        while ((ln = listNext(&li)) != NULL) {
            clusterNodeFailReport *fr = listNodeValue(ln);
            if (fr->node == delnode) {
                zfree(fr);
                listDelNode(node->fail_reports, ln);
            }
        }
    }
    dictReleaseIterator(di);
    freeClusterNode(delnode);
}

void clusterRenameNode(clusterNode *node, const char *newname) {
    serverLog(LL_DEBUG, "Renaming node %.40s into %.40s", node->name, newname);
    sds old = sdsnewlen(node->name, CLUSTER_NAMELEN);
    dictEntry *de = dictUnlink(cluster->nodes, old);
    sdsfree(old);
    if (de) {
        dictSetVal(cluster->nodes, de, NULL);
        dictFreeUnlinkedEntry(cluster->nodes, de);
    }
    memcpy(node->name, newname, CLUSTER_NAMELEN);
    clusterAddNode(node);
}

/* ---- failure reports ---- */

static int clusterNodeAddFailureReport(clusterNode *failing, clusterNode *sender) {
    listIter li;
    listNode *ln;
    listRewind(failing->fail_reports, &li);
    while ((ln = listNext(&li)) != NULL) {
        clusterNodeFailReport *fr = listNodeValue(ln);
        if (fr->node == sender) {
            fr->time = mstime();
            return 0;
        }
    }
    clusterNodeFailReport *fr = zmalloc(sizeof(*fr));
    fr->node = sender;
    fr->time = mstime();
    listAddNodeTail(failing->fail_reports, fr);
    return 1;
}

/* Reports older than twice the node timeout no longer count. */
static void clusterNodeCleanupFailureReports(clusterNode *node) {
    mstime_t maxtime = server.cluster_node_timeout * CLUSTER_FAIL_REPORT_VALIDITY_MULT;
    mstime_t now = mstime();
    listIter li;
    listNode *ln;
    listRewind(node->fail_reports, &li);
    while ((ln = listNext(&li)) != NULL) {
        clusterNodeFailReport *fr = listNodeValue(ln);
        if (now - fr->time > maxtime) {
            zfree(fr);
            listDelNode(node->fail_reports, ln);
        }
    }
}

static int clusterNodeDelFailureReport(clusterNode *node, clusterNode *sender) {
    listIter li;
    listNode *ln;
    listRewind(node->fail_reports, &li);
    while ((ln = listNext(&li)) != NULL) {
        clusterNodeFailReport *fr = listNodeValue(ln);
        if (fr->node == sender) {
            zfree(fr);
            listDelNode(node->fail_reports, ln);
            clusterNodeCleanupFailureReports(node);
            return 1;
        }
    }
    clusterNodeCleanupFailureReports(node);
    return 0;
}

int clusterNodeFailureReportsCount(clusterNode *node) {
    clusterNodeCleanupFailureReports(node);
    return (int)listLength(node->fail_reports);
}

/* ---- slots ---- */

int clusterNodeSetSlotBit(clusterNode *n, int slot) {
    int old = cbusSlotIsSet(n->slots, slot);
    cbusSlotSet(n->slots, slot);
    if (!old) n->numslots++;
    /* A master's first slot makes it a migration target if replicas
     * exist elsewhere: it should get one too. */
    if (!old && n->numslots == 1 && clusterAnyMasterHasReplicas())
        n->flags |= CLUSTER_NODE_MIGRATE_TO;
    return old;
}

int clusterNodeClearSlotBit(clusterNode *n, int slot) {
    int old = cbusSlotIsSet(n->slots, slot);
    cbusSlotClear(n->slots, slot);
    if (old) n->numslots--;
    return old;
}

int clusterNodeGetSlotBit(clusterNode *n, int slot) {
    return cbusSlotIsSet(n->slots, slot);
}

int clusterAddSlot(clusterNode *n, int slot) {
    if (cluster->slots[slot]) return C_ERR;
    clusterNodeSetSlotBit(n, slot);
    cluster->slots[slot] = n;
    return C_OK;
}

int clusterDelSlot(int slot) {
    clusterNode *n = cluster->slots[slot];
    if (!n) return C_ERR;
    clusterNodeClearSlotBit(n, slot);
    cluster->slots[slot] = NULL;
    return C_OK;
}

int clusterDelNodeSlots(clusterNode *node) {
    int deleted = 0;
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (clusterNodeGetSlotBit(node, j)) {
            clusterDelSlot(j);
            deleted++;
        }
    }
    return deleted;
}

void clusterCloseAllSlots(void) {
    memset(cluster->migrating_slots_to, 0, sizeof(cluster->migrating_slots_to));
    memset(cluster->importing_slots_from, 0, sizeof(cluster->importing_slots_from));
}

/* ---- roles ---- */

void clusterSetNodeAsMaster(clusterNode *n) {
    if (nodeIsMaster(n)) return;
    if (n->slaveof) {
        clusterNodeRemoveSlave(n->slaveof, n);
        if (n != myself) n->flags |= CLUSTER_NODE_MIGRATE_TO;
    }
    n->flags &= ~CLUSTER_NODE_SLAVE;
    n->flags |= CLUSTER_NODE_MASTER;
    n->slaveof = NULL;
    clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG | CLUSTER_TODO_UPDATE_STATE);
}

/* Makes myself a replica of n: the cluster role changes here; the data
 * replication itself belongs to replication.c, reached through the weak
 * replicationSetMaster() when it is linked in. */
void clusterSetMaster(clusterNode *n) {
    serverAssert(n != myself);
    serverAssert(myself->numslots == 0);
    if (nodeIsMaster(myself)) {
        myself->flags &= ~(CLUSTER_NODE_MASTER | CLUSTER_NODE_MIGRATE_TO);
        myself->flags |= CLUSTER_NODE_SLAVE;
        clusterCloseAllSlots();
    } else if (myself->slaveof) {
        clusterNodeRemoveSlave(myself->slaveof, myself);
    }
    myself->slaveof = n;
    clusterNodeAddSlave(n, myself);
    resetManualFailover();
    if (replicationSetMaster) {
        /* The master's internal address: replication goes pod to pod. */
        char ip[NET_IP_STR_LEN];
        int port;
        clusterAddrReplicationTarget(n, ip, &port);
        replicationSetMaster(ip, port);
    }
    if (clusterAddrHasNatSplit(n)) {
        char ip[NET_IP_STR_LEN];
        int port;
        clusterAddrReplicationTarget(n, ip, &port);
        serverLog(LL_NOTICE, "NAT: replicating from master %.40s at its internal address %s:%d (clients see %s:%d)",
                  n->name, ip, port, n->ip, n->port);
    }
    clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG | CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_FSYNC_CONFIG);
}

/* ---- blacklist (FORGET) ---- */

static void clusterBlacklistCleanup(void) {
    dictIterator *di = dictGetSafeIterator(cluster->nodes_black_list);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        int64_t expire = dictGetSignedIntegerVal(de);
        if (expire < server.unixtime) dictDelete(cluster->nodes_black_list, dictGetKey(de));
    }
    dictReleaseIterator(di);
}

void clusterBlacklistAddNode(clusterNode *node) {
    sds id = sdsnewlen(node->name, CLUSTER_NAMELEN);
    clusterBlacklistCleanup();
    dictEntry *de = dictAddOrFind(cluster->nodes_black_list, id);
    if (dictGetKey(de) != id) sdsfree(id);
    dictSetSignedIntegerVal(de, time(NULL) + CLUSTER_BLACKLIST_TTL);
}

static int clusterBlacklistExists(const char *nodeid) {
    sds id = sdsnewlen(nodeid, CLUSTER_NAMELEN);
    clusterBlacklistCleanup();
    int exists = dictFind(cluster->nodes_black_list, id) != NULL;
    sdsfree(id);
    return exists;
}

/* ---------------------------------------------------------------------------
 * Links
 * ------------------------------------------------------------------------ */

static clusterLink *createClusterLink(clusterNode *node) {
    clusterLink *link = zcalloc(sizeof(*link));
    link->ctime = mstime();
    link->sndbuf = sdsempty();
    link->node = node;
    return link;
}

void freeClusterLink(clusterLink *link) {
    if (link->conn) {
        connClose(link->conn);
        link->conn = NULL;
    }
    sdsfree(link->sndbuf);
    zfree(link->rcvbuf);
    /* Our link ended before the node ever answered: a failed attempt. */
    if (link->node && !link->inbound && link->node->link == link && !link->pong_seen)
        clusterReconnectFailed(link->node, link->dial_ip, link->dial_port);
    if (link->node) {
        if (link->node->link == link) link->node->link = NULL;
        else if (link->node->inbound_link == link) link->node->inbound_link = NULL;
    }
    zfree(link);
}

/* INFO cluster_connections, as 7.0 counts it: two descriptors (in and
 * out) per known node other than myself. */
unsigned long clusterConnectionsCount(void) {
    return cluster ? (dictSize(cluster->nodes) - 1) * 2 : 0;
}

size_t clusterLinksMemory(void) {
    if (!cluster) return 0;
    size_t mem = 0;
    dictIterator *di = dictGetIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *node = dictGetVal(de);
        clusterLink *links[2] = {node->link, node->inbound_link};
        for (int j = 0; j < 2; j++) {
            if (!links[j]) continue;
            mem += sizeof(clusterLink) + sdsalloc(links[j]->sndbuf) + links[j]->rcvbuf_alloc;
        }
    }
    dictReleaseIterator(di);
    return mem;
}

/* An accepted link learns its node from the first packet of a known
 * sender. A reconnecting peer may have an old inbound link still open:
 * the new one replaces it. */
static void clusterSetInboundLink(clusterNode *node, clusterLink *link) {
    if (node->inbound_link == link) return;
    /* The link spoke for another node before (its id changed, e.g. after
     * CLUSTER RESET HARD): that node no longer owns it. */
    if (link->node && link->node->inbound_link == link) link->node->inbound_link = NULL;
    if (node->inbound_link) {
        serverLog(LL_DEBUG, "Replacing inbound link fd %d from node %.40s with fd %d",
                  node->inbound_link->conn ? node->inbound_link->conn->fd : -1,
                  node->name, link->conn ? link->conn->fd : -1);
        freeClusterLink(node->inbound_link);
    }
    node->inbound_link = link;
    link->node = node;
    /* It just connected to us, so it is up: stop waiting to dial it. */
    clusterReconnectReset(node, "it connected to us");
}

static void clusterAcceptHandler(connection *conn) {
    if (connGetState(conn) != CONN_STATE_CONNECTED) {
        serverLog(LL_VERBOSE, "Error accepting cluster node connection: %s", connGetLastError(conn));
        connClose(conn);
        return;
    }
    clusterLink *link = createClusterLink(NULL);
    link->inbound = 1;
    link->conn = conn;
    clusterAddrNoteLocalAddress(conn);
    connSetPrivateData(conn, link);
    connSetReadHandler(conn, clusterLinkReadHandler);
}

static void clusterAcceptTcpHandler(aeEventLoop *el, int fd, void *privdata, int mask) {
    (void)el; (void)privdata; (void)mask;
    int max = 1000, cport;
    char cip[NET_IP_STR_LEN], err[ANET_ERR_LEN];
    /* Until we loaded our config we cannot talk sensibly to anyone. */
    if (server.loading) return;
    while (max--) {
        int cfd = anetTcpAccept(err, fd, cip, sizeof(cip), &cport);
        if (cfd == ANET_ERR) {
            if (errno != EWOULDBLOCK && errno != EAGAIN)
                serverLog(LL_VERBOSE, "Error accepting cluster node: %s", err);
            return;
        }
        /* tls-cluster: peers must present a certificate our CA signed,
         * whatever tls-auth-clients says (as stock). */
        connection *conn = server.tls_cluster ? connCreateAcceptedTLS(cfd, TLS_CLIENT_AUTH_YES)
                                              : connCreateAcceptedSocket(cfd);
        connNonBlock(conn);
        connEnableTcpNoDelay(conn);
        connKeepAlive(conn, server.cluster_node_timeout / 1000 * 2);
        serverLog(LL_VERBOSE, "Accepting cluster node connection from %s:%d", cip, cport);
        if (connAccept(conn, clusterAcceptHandler) == -1) {
            if (connGetState(conn) == CONN_STATE_ERROR)
                serverLog(LL_VERBOSE, "Error accepting cluster node connection: %s",
                          connGetLastError(conn));
            connClose(conn);
        }
    }
}

static void clusterLinkConnectHandler(connection *conn) {
    clusterLink *link = connGetPrivateData(conn);
    clusterNode *node = link->node;
    if (connGetState(conn) != CONN_STATE_CONNECTED) {
        serverLog(LL_VERBOSE, "Connection with Node %.40s at %s:%d failed: %s",
                  node->name, link->dial_ip, link->dial_port, connGetLastError(conn));
        freeClusterLink(link);
        return;
    }
    connSetReadHandler(conn, clusterLinkReadHandler);
    /* Our header states our address: know it before the first packet. */
    clusterAddrNoteLocalAddress(conn);
    /* The PING (or MEET) we send now must not restart the timeout clock of
     * a node that did not answer yet: keep the older ping time. */
    mstime_t old_ping_sent = node->ping_sent;
    clusterSendPing(link, (node->flags & CLUSTER_NODE_MEET) ? CBUS_MEET : CBUS_PING);
    if (old_ping_sent) node->ping_sent = old_ping_sent;
    node->flags &= ~CLUSTER_NODE_MEET;
    serverLog(LL_DEBUG, "Connecting with Node %.40s at %s:%d", node->name, link->dial_ip, link->dial_port);
}

/* Starts the outbound link of a node. */
static void clusterConnectNode(clusterNode *node) {
    clusterLink *link = createClusterLink(node);
    /* The internal address when the node told us one (cluster_addr.c). */
    clusterAddrDialTarget(node, link->dial_ip, &link->dial_port, &link->dial_internal);
    link->conn = connCreateOutgoing(server.tls_cluster);
    connSetPrivateData(link->conn, link);
    if (connConnect(link->conn, link->dial_ip, link->dial_port, server.bind_source_addr,
                    clusterLinkConnectHandler) == -1) {
        serverLog(LL_DEBUG, "Unable to connect to Cluster Node [%s]:%d -> %s",
                  link->dial_ip, link->dial_port, connGetLastError(link->conn));
        /* Also gives failure detection its ping time. */
        clusterReconnectFailed(node, link->dial_ip, link->dial_port);
        freeClusterLink(link);
        return;
    }
    node->link = link;
}

static void clusterLinkWriteHandler(connection *conn) {
    clusterLink *link = connGetPrivateData(conn);
    size_t len = sdslen(link->sndbuf);
    while (len) {
        int n = connWrite(conn, link->sndbuf, len);
        if (n <= 0) {
            if (n == -1 && connGetState(conn) == CONN_STATE_CONNECTED) break; /* EAGAIN */
            serverLog(LL_DEBUG, "I/O error writing to node link: %s",
                      n == -1 ? connGetLastError(conn) : "short write");
            freeClusterLink(link);
            return;
        }
        sdsrange(link->sndbuf, n, -1);
        len = sdslen(link->sndbuf);
    }
    if (len == 0) connSetWriteHandler(conn, NULL);
    else if (!connHasWriteHandler(conn)) connSetWriteHandlerWithBarrier(conn, clusterLinkWriteHandler, 1);
}

/* Queues a packet on a link; it is written before the loop sleeps. */
void clusterSendMessage(clusterLink *link, unsigned char *msg, size_t len) {
    if (!link || !link->conn) return;
    if (sdslen(link->sndbuf) == 0 && connGetState(link->conn) == CONN_STATE_CONNECTED)
        connSetWriteHandlerWithBarrier(link->conn, clusterLinkWriteHandler, 1);
    link->sndbuf = sdscatlen(link->sndbuf, msg, len);
    int type = (msg[12] << 8) | msg[13];
    if (type < CBUS_TYPE_COUNT) cluster->stats_bus_messages_sent[type]++;
}

void clusterBroadcastMessage(unsigned char *msg, size_t len) {
    dictIterator *di = dictGetSafeIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *node = dictGetVal(de);
        if (node->flags & (CLUSTER_NODE_MYSELF | CLUSTER_NODE_HANDSHAKE)) continue;
        clusterSendMessage(node->link, msg, len);
    }
    dictReleaseIterator(di);
}

/* Reads what the socket has and processes every complete packet. The
 * buffer grows with the data actually received, so a bogus totlen cannot
 * make us allocate memory up front. */
static void clusterLinkReadHandler(connection *conn) {
    clusterLink *link = connGetPrivateData(conn);
    unsigned char tmp[16 * 1024];
    int n = connRead(conn, tmp, sizeof(tmp));
    if (n <= 0) {
        if (n == -1 && connGetState(conn) == CONN_STATE_CONNECTED) return; /* EAGAIN */
        serverLog(LL_DEBUG, "I/O error reading from node link: %s",
                  n == 0 ? "connection closed" : connGetLastError(conn));
        freeClusterLink(link);
        return;
    }
    if (link->rcvbuf_len + n > link->rcvbuf_alloc) {
        size_t want = link->rcvbuf_alloc ? link->rcvbuf_alloc * 2 : 8192;
        while (want < link->rcvbuf_len + n) want *= 2;
        link->rcvbuf = zrealloc(link->rcvbuf, want);
        link->rcvbuf_alloc = want;
    }
    memcpy(link->rcvbuf + link->rcvbuf_len, tmp, n);
    link->rcvbuf_len += n;
    clusterProcessLinkBuffer(link);
}

/* ---------------------------------------------------------------------------
 * Building messages
 * ------------------------------------------------------------------------ */

void clusterBuildHeader(cbusHeader *h) {
    clusterNode *master = (nodeIsSlave(myself) && myself->slaveof) ? myself->slaveof : myself;
    memset(h, 0, sizeof(*h));
    memcpy(h->sender, myself->name, CLUSTER_NAMELEN);
    memcpy(h->myslots, master->slots, CBUS_SLOTBYTES);
    if (myself->slaveof) memcpy(h->slaveof, myself->slaveof->name, CLUSTER_NAMELEN);
    clusterAddrFillMyHeaderAddress(h);
    h->flags = (uint16_t)myself->flags;
    h->state = (uint8_t)cluster->state;
    h->current_epoch = cluster->currentEpoch;
    h->config_epoch = master->configEpoch;
    if (nodeIsMaster(myself) && cluster->mf_end) h->mflags[0] |= CBUS_MFLAG_PAUSED;
    if (nodeIsMaster(myself)) h->offset = (uint64_t)server.master_repl_offset;
    else if (replicationGetSlaveOffset) h->offset = (uint64_t)replicationGetSlaveOffset();
}

static void clusterSetGossipEntry(cbusGossip *g, clusterNode *n) {
    memset(g, 0, sizeof(*g));
    memcpy(g->nodename, n->name, CLUSTER_NAMELEN);
    g->ping_sent = (uint32_t)(n->ping_sent / 1000);
    g->pong_received = (uint32_t)(n->pong_received / 1000);
    memcpy(g->ip, n->ip, NET_IP_STR_LEN);
    g->port = (uint16_t)n->port;
    g->cport = (uint16_t)n->cport;
    g->pport = (uint16_t)n->pport;
    g->flags = (uint16_t)n->flags;
    /* Tell the receiver it may send this node the NAT extension. */
    if (n->nat_aware) g->hint = CNAT_GOSSIP_HINT;
}

/* PING, PONG or MEET: our header, gossip about max(3, N/10) random healthy
 * peers plus every node we see as PFAIL (so failures spread fast), and our
 * hostname as an extension when we have one. */
void clusterSendPing(clusterLink *link, int type) {
    if (!link) return;
    int known = (int)dictSize(cluster->nodes);
    int freshnodes = known - 2;
    int wanted = known / 10;
    if (wanted < 3) wanted = 3;
    if (wanted > freshnodes) wanted = freshnodes;
    if (wanted < 0) wanted = 0;
    int pfail_wanted = (int)cluster->stats_pfail_nodes;
    cbusGossip *g = zmalloc(sizeof(cbusGossip) * (wanted + pfail_wanted + 1));
    int count = 0;

    if (link->node && type == CBUS_PING) link->node->ping_sent = mstime();

    /* Random healthy peers, each at most once. */
    clusterNode **picked = zmalloc(sizeof(clusterNode *) * (wanted + 1));
    int maxiter = wanted * 3;
    while (freshnodes > 0 && count < wanted && maxiter--) {
        dictEntry *de = dictGetRandomKey(cluster->nodes);
        clusterNode *n = dictGetVal(de);
        if (n == myself) continue;
        if (n->flags & CLUSTER_NODE_PFAIL) continue;  /* added below */
        if (n->flags & (CLUSTER_NODE_HANDSHAKE | CLUSTER_NODE_NOADDR) ||
            (n->link == NULL && n->numslots == 0)) {
            freshnodes--;
            continue;
        }
        int dup = 0;
        for (int j = 0; j < count; j++) if (picked[j] == n) dup = 1;
        if (dup) continue;
        picked[count] = n;
        clusterSetGossipEntry(&g[count], n);
        count++;
        freshnodes--;
    }
    zfree(picked);

    if (pfail_wanted > 0) {
        dictIterator *di = dictGetSafeIterator(cluster->nodes);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL && pfail_wanted > 0) {
            clusterNode *n = dictGetVal(de);
            if (n->flags & CLUSTER_NODE_HANDSHAKE) continue;
            if (n->flags & CLUSTER_NODE_NOADDR) continue;
            if (!(n->flags & CLUSTER_NODE_PFAIL)) continue;
            clusterSetGossipEntry(&g[count], n);
            count++;
            pfail_wanted--;
        }
        dictReleaseIterator(di);
    }

    cbusHeader h;
    clusterBuildHeader(&h);
    cbusExt ext[2];
    int nexts = 0;
    if (sdslen(myself->hostname)) {
        ext[nexts].type = CBUS_EXT_HOSTNAME;
        ext[nexts].len = (uint32_t)sdslen(myself->hostname) + 1;
        ext[nexts].payload = (const unsigned char *)myself->hostname;
        nexts++;
    }
    /* Our internal address, to peers that understand it (cluster_addr.c). */
    unsigned char natext[CNAT_MAX_LEN];
    if (clusterAddrWantsNatExt(link, type)) {
        size_t natlen = clusterAddrBuildNatExt(natext);
        if (natlen) {
            ext[nexts].type = CNAT_EXT_TYPE;
            ext[nexts].len = (uint32_t)natlen;
            ext[nexts].payload = natext;
            nexts++;
            link->sent_natext = 1;
        }
    }
    size_t len;
    unsigned char *msg = cbusBuildPing(&h, type, g, count, ext, nexts, &len);
    clusterSendMessage(link, msg, len);
    zfree(msg);
    zfree(g);
}

/* Tells every connected node our new configuration right away. */
void clusterBroadcastPong(void) {
    dictIterator *di = dictGetSafeIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *node = dictGetVal(de);
        if (!node->link || node == myself || nodeInHandshake(node)) continue;
        clusterSendPing(node->link, CBUS_PONG);
    }
    dictReleaseIterator(di);
}

static void clusterSendFail(const char *nodename) {
    cbusHeader h;
    clusterBuildHeader(&h);
    size_t len;
    unsigned char *msg = cbusBuildFail(&h, nodename, &len);
    clusterBroadcastMessage(msg, len);
    zfree(msg);
}

static void clusterSendUpdate(clusterLink *link, clusterNode *node) {
    if (!link) return;
    cbusHeader h;
    clusterBuildHeader(&h);
    size_t len;
    unsigned char *msg = cbusBuildUpdate(&h, node->configEpoch, node->name, node->slots, &len);
    clusterSendMessage(link, msg, len);
    zfree(msg);
}

/* PUBLISH goes to every node; PUBLISHSHARD only to our shard (the master
 * and its replicas). */
void clusterPropagatePublish(robj *channel, robj *message, int sharded) {
    robj *ch = getDecodedObject(channel), *msgo = getDecodedObject(message);
    cbusHeader h;
    clusterBuildHeader(&h);
    size_t len;
    unsigned char *msg = cbusBuildPublish(&h, sharded ? CBUS_PUBLISHSHARD : CBUS_PUBLISH,
                                          ch->ptr, (uint32_t)sdslen(ch->ptr),
                                          msgo->ptr, (uint32_t)sdslen(msgo->ptr), &len);
    if (!sharded) {
        clusterBroadcastMessage(msg, len);
    } else {
        clusterNode *master = nodeIsSlave(myself) ? myself->slaveof : myself;
        if (master) {
            if (master != myself) clusterSendMessage(master->link, msg, len);
            for (int j = 0; j < master->numslaves; j++)
                if (master->slaves[j] != myself) clusterSendMessage(master->slaves[j]->link, msg, len);
        }
    }
    zfree(msg);
    decrRefCount(ch);
    decrRefCount(msgo);
}

/* ---------------------------------------------------------------------------
 * Epochs
 * ------------------------------------------------------------------------ */

static uint64_t clusterGetMaxEpoch(void) {
    uint64_t max = 0;
    dictIterator *di = dictGetIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *n = dictGetVal(de);
        if (n->configEpoch > max) max = n->configEpoch;
    }
    dictReleaseIterator(di);
    return max > cluster->currentEpoch ? max : cluster->currentEpoch;
}

/* CLUSTER BUMPEPOCH (and slot takeovers): a new unique epoch without
 * asking anyone, unless we already hold the largest one. */
int clusterBumpConfigEpochWithoutConsensus(void) {
    uint64_t max = clusterGetMaxEpoch();
    if (myself->configEpoch == 0 || myself->configEpoch != max) {
        cluster->currentEpoch++;
        myself->configEpoch = cluster->currentEpoch;
        clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG | CLUSTER_TODO_FSYNC_CONFIG);
        serverLog(LL_WARNING, "New configEpoch set to %llu", (unsigned long long)myself->configEpoch);
        return C_OK;
    }
    return C_ERR;
}

/* Two masters with the same configEpoch: the one with the smaller node id
 * moves to a fresh epoch. Both sides run this, only one acts, and after a
 * few rounds every master has a unique epoch (which the slot ownership
 * rules need to be unambiguous). */
static void clusterHandleConfigEpochCollision(clusterNode *sender) {
    if (sender->configEpoch != myself->configEpoch || !nodeIsMaster(sender) || !nodeIsMaster(myself))
        return;
    if (memcmp(sender->name, myself->name, CLUSTER_NAMELEN) <= 0) return;
    cluster->currentEpoch++;
    myself->configEpoch = cluster->currentEpoch;
    clusterSaveConfigOrDie(1);
    serverLog(LL_VERBOSE, "WARNING: configEpoch collision with node %.40s (%s). configEpoch set to %llu",
              sender->name, sender->hostname, (unsigned long long)cluster->currentEpoch);
}

/* ---------------------------------------------------------------------------
 * Processing packets
 * ------------------------------------------------------------------------ */

/* Deletes the keys of a slot we lost (its new owner has them). */
static void clusterDelKeysInSlot(int slot) {
    dict *d = cluster->slot_keys[slot];
    if (!d) return;
    while (dictSize(d)) {
        dictEntry *de = dictGetRandomKey(d);
        robj *key = createStringObject(dictGetKey(de), sdslen(dictGetKey(de)));
        dbDelete(&server.db[0], key);
        decrRefCount(key);
    }
}

/* The sender claims slots with configEpoch: take every slot it claims
 * from owners with a smaller epoch. If we lose all our slots to it, we
 * become its replica, as stock does. */
static void clusterUpdateSlotsConfigWith(clusterNode *sender, uint64_t senderConfigEpoch,
                                         const unsigned char *slots) {
    if (sender == myself) {
        serverLog(LL_NOTICE, "Discarding UPDATE message about myself.");
        return;
    }
    clusterNode *curmaster = nodeIsMaster(myself) ? myself : myself->slaveof;
    clusterNode *newmaster = NULL;
    int dirty[CLUSTER_SLOTS], ndirty = 0;
    int claimed = 0, taken_from_us = 0;
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (!cbusSlotIsSet(slots, j)) continue;
        claimed++;
        if (cluster->slots[j] == sender) continue;
        if (cluster->importing_slots_from[j]) continue;  /* we are taking it by hand */
        if (cluster->slots[j] != NULL && cluster->slots[j]->configEpoch >= senderConfigEpoch) continue;
        if (cluster->slots[j] == myself && countKeysInSlot(j) && sender != myself)
            dirty[ndirty++] = j;
        if (cluster->slots[j] == curmaster) {
            newmaster = sender;
            taken_from_us++;
        }
        clusterDelSlot(j);
        clusterAddSlot(sender, j);
        clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG | CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_FSYNC_CONFIG);
    }
    /* With cluster-allow-replica-migration no we still follow a plain
     * failover (the sender took exactly our shard's slots), not a master
     * that merely received our last slots among others. */
    if (newmaster && curmaster && curmaster->numslots == 0 &&
        (server.cluster_allow_replica_migration || claimed == taken_from_us)) {
        serverLog(LL_WARNING, "Configuration change detected. Reconfiguring myself as a replica of %.40s",
                  sender->name);
        clusterSetMaster(sender);
        /* Say so at once: until our new master hears that we follow it,
         * it ignores our MFSTART (a failback right away would time out). */
        clusterBroadcastPong();
    } else if (nodeIsSlave(myself) && myself->slaveof && myself->slaveof->slaveof &&
               myself->slaveof->slaveof != myself) {
        /* Our master lost its last slot and became a replica itself:
         * chained replicas are not allowed in a cluster, follow its new
         * master. (A master of our master that is us happens only after
         * odd TAKEOVERs: leave that to the operator.) */
        serverLog(LL_WARNING, "I'm a sub-replica! Reconfiguring myself as a replica of grandmaster %.40s",
                  myself->slaveof->slaveof->name);
        clusterSetMaster(myself->slaveof->slaveof);
    } else {
        for (int j = 0; j < ndirty; j++) clusterDelKeysInSlot(dirty[j]);
    }
}

/* A node we flagged FAIL talks to us again: forget the FAIL if it is a
 * replica or serves no slots, or if nobody took its slots for a while. */
static void clearNodeFailureIfNeeded(clusterNode *node) {
    mstime_t now = mstime();
    if (nodeIsSlave(node) || node->numslots == 0) {
        serverLog(LL_NOTICE, "Clear FAIL state for node %.40s: %s is reachable again.",
                  node->name, nodeIsSlave(node) ? "replica" : "master without slots");
        node->flags &= ~CLUSTER_NODE_FAIL;
        clusterDoBeforeSleep(CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE_CONFIG);
    }
    if (nodeIsMaster(node) && node->numslots > 0 &&
        now - node->fail_time > server.cluster_node_timeout * CLUSTER_FAIL_UNDO_TIME_MULT) {
        serverLog(LL_NOTICE, "Clear FAIL state for node %.40s: is reachable again and nobody is serving its slots after some time.",
                  node->name);
        node->flags &= ~CLUSTER_NODE_FAIL;
        clusterDoBeforeSleep(CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE_CONFIG);
    }
}

/* PFAIL becomes FAIL when a majority of the slot-serving masters agree. */
static void markNodeAsFailingIfNeeded(clusterNode *node) {
    int needed_quorum = cluster->size / 2 + 1;
    if (!nodeTimedOut(node) || nodeFailed(node)) return;
    int failures = clusterNodeFailureReportsCount(node);
    if (nodeIsMaster(myself)) failures++;
    if (failures < needed_quorum) return;
    serverLog(LL_NOTICE, "Marking node %.40s as failing (quorum reached).", node->name);
    node->flags &= ~CLUSTER_NODE_PFAIL;
    node->flags |= CLUSTER_NODE_FAIL;
    node->fail_time = mstime();
    clusterSendFail(node->name);
    clusterDoBeforeSleep(CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE_CONFIG);
}

/* The header advertises an address different from what we have: adopt it
 * and reconnect. Not for packets on our own outbound link, whose address we
 * chose ourselves. */
static int nodeUpdateAddressIfNeeded(clusterNode *node, clusterLink *link, const cbusHeader *h,
                                     const unsigned char *buf) {
    if (link == node->link) return 0;
    char ip[NET_IP_STR_LEN] = {0};
    clusterAddrPeerIp(link, h, ip);
    if (node->port == h->port && node->cport == h->cport && node->pport == h->pport &&
        strcmp(ip, node->ip) == 0) return 0;
    char old_ip[NET_IP_STR_LEN];
    memcpy(old_ip, node->ip, sizeof(old_ip));
    memcpy(node->ip, ip, sizeof(ip));
    node->port = h->port;
    node->pport = h->pport;
    node->cport = h->cport;
    clusterAddrExternalChanged(node, old_ip, buf);
    if (node->link) freeClusterLink(node->link);
    node->flags &= ~CLUSTER_NODE_NOADDR;
    serverLog(LL_NOTICE, "Address updated for node %.40s (%s), now %s:%d (was %s; reason: %s)",
              node->name, node->hostname, node->ip, node->port, old_ip,
              h->myip[0] ? "stated in its packet header" : "TCP peer address, the sender states none");
    if (nodeIsSlave(myself) && myself->slaveof == node && replicationSetMaster) {
        char rip[NET_IP_STR_LEN];
        int rport;
        clusterAddrReplicationTarget(node, rip, &rport);
        replicationSetMaster(rip, rport);
    }
    return 1;
}

static void clusterProcessGossipSection(const unsigned char *buf, const cbusHeader *h,
                                        clusterLink *link, clusterNode *sender) {
    (void)link;
    for (int i = 0; i < h->count; i++) {
        cbusGossip g;
        cbusGetGossip(buf, i, &g);
        int flags = g.flags;
        clusterNode *node = clusterLookupNode(g.nodename, CLUSTER_NAMELEN);
        if (node && node != myself && g.hint == CNAT_GOSSIP_HINT && sender) node->nat_hinted = 1;
        if (node) {
            /* Failure reports only count from masters. */
            if (sender && nodeIsMaster(sender) && node != myself) {
                if (flags & (CLUSTER_NODE_FAIL | CLUSTER_NODE_PFAIL)) {
                    if (clusterNodeAddFailureReport(node, sender))
                        serverLog(LL_VERBOSE, "Node %.40s reported node %.40s as not reachable.",
                                  sender->name, node->name);
                    markNodeAsFailingIfNeeded(node);
                } else if (clusterNodeDelFailureReport(node, sender)) {
                    serverLog(LL_VERBOSE, "Node %.40s reported node %.40s is back online.",
                              sender->name, node->name);
                }
            }
            /* A fresher pong seen by someone else also means the node is
             * alive: avoid pinging it just to learn that. */
            if (!(flags & (CLUSTER_NODE_FAIL | CLUSTER_NODE_PFAIL)) && node->ping_sent == 0 &&
                clusterNodeFailureReportsCount(node) == 0) {
                mstime_t pongtime = (mstime_t)g.pong_received * 1000;
                if (pongtime <= server.mstime + 500 && pongtime > node->pong_received)
                    node->pong_received = pongtime;
            }
            /* We think it is down but the sender talks to it at another
             * address: try that one. (Never about the sender itself or us:
             * a forged entry must not drop the link we are reading.) */
            if (node != sender && node != myself &&
                (node->flags & (CLUSTER_NODE_FAIL | CLUSTER_NODE_PFAIL)) &&
                !(flags & CLUSTER_NODE_NOADDR) && !(flags & (CLUSTER_NODE_FAIL | CLUSTER_NODE_PFAIL)) &&
                (strcasecmp(node->ip, g.ip) || node->port != g.port || node->cport != g.cport)) {
                if (node->link) freeClusterLink(node->link);
                char old_ip[NET_IP_STR_LEN];
                memcpy(old_ip, node->ip, sizeof(old_ip));
                memcpy(node->ip, g.ip, NET_IP_STR_LEN);
                node->port = g.port;
                node->pport = g.pport;
                node->cport = g.cport;
                clusterAddrExternalChanged(node, old_ip, NULL);
                node->flags &= ~CLUSTER_NODE_NOADDR;
            }
        } else if (sender && !(flags & CLUSTER_NODE_NOADDR) && !clusterBlacklistExists(g.nodename)) {
            /* A node we did not know: add it at the gossiped address. */
            clusterNode *n = createClusterNode(g.nodename,
                flags & ~(CLUSTER_NODE_MYSELF | CLUSTER_NODE_HANDSHAKE | CLUSTER_NODE_MEET));
            memcpy(n->ip, g.ip, NET_IP_STR_LEN);
            n->port = g.port;
            n->pport = g.pport;
            n->cport = g.cport;
            n->nat_hinted = g.hint == CNAT_GOSSIP_HINT;
            clusterAddNode(n);
            clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG);
        }
    }
}

/* Extensions: the hostname (7.0); 7.2's forgotten node is honoured, the
 * human node name and shard id are skipped. */
static void clusterProcessPingExt(const unsigned char *buf, clusterNode *sender, clusterLink *link) {
    cbusExtIter it;
    cbusExt ext;
    const char *hostname = NULL;
    size_t hostname_len = 0;
    cbusExtIterInit(buf, &it);
    while (cbusExtNext(&it, &ext)) {
        switch (ext.type) {
        case CBUS_EXT_HOSTNAME:
            hostname = (const char *)ext.payload;
            hostname_len = strnlen(hostname, ext.len);
            break;
        case CBUS_EXT_FORGOTTEN_NODE: {
            char name[CLUSTER_NAMELEN];
            uint64_t ttl;
            if (!cbusParseForgotten(&ext, name, &ttl)) break;
            clusterNode *n = clusterLookupNode(name, CLUSTER_NAMELEN);
            /* Never the node whose link we are reading. */
            if (n && n != myself && n != sender && n->link != link && n->inbound_link != link &&
                !(nodeIsSlave(myself) && myself->slaveof == n)) {
                sds id = sdsnewlen(name, CLUSTER_NAMELEN);
                dictEntry *de = dictAddOrFind(cluster->nodes_black_list, id);
                if (dictGetKey(de) != id) sdsfree(id);
                dictSetSignedIntegerVal(de, time(NULL) + (int64_t)(ttl > 3600 ? 3600 : ttl));
                clusterDelNode(n);
                clusterDoBeforeSleep(CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE_CONFIG);
            }
            break;
        }
        case CBUS_EXT_HUMAN_NODENAME:
        case CBUS_EXT_SHARDID:
        case CNAT_EXT_TYPE:     /* clusterAddrProcessNatExt() */
            break;
        default:
            serverLog(LL_WARNING, "Received unknown extension type %d", ext.type);
            break;
        }
    }
    /* No hostname extension means the sender has none. */
    if (hostname_len != sdslen(sender->hostname) ||
        (hostname_len && memcmp(hostname, sender->hostname, hostname_len) != 0)) {
        sender->hostname = sdscpylen(sender->hostname, hostname ? hostname : "", hostname_len);
        clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG);
    }
}

/* Handles one validated packet. Returns 0 when the link was freed. */
static int clusterProcessPacket(clusterLink *link, const unsigned char *buf) {
    cbusHeader h;
    cbusGetHeader(buf, &h);
    int type = h.type;
    mstime_t now = mstime();

    if (type == cluster_drop_packet_filter) {
        serverLog(LL_WARNING, "Dropping packet that matches debug drop filter");
        return 1;
    }

    clusterNode *sender = clusterLookupNode(h.sender, CLUSTER_NAMELEN);
    if (sender == myself) {
        /* Our own id from someone else: a loop or a forged packet. */
        serverLog(LL_VERBOSE, "Ignoring %s packet carrying my own node id", cbusTypeName(type));
        return 1;
    }
    if (sender && link->inbound && !nodeInHandshake(sender)) clusterSetInboundLink(sender, link);
    if (sender) sender->data_received = now;
    if (sender && !nodeInHandshake(sender)) {
        if (h.current_epoch > cluster->currentEpoch) cluster->currentEpoch = h.current_epoch;
        if (h.config_epoch > sender->configEpoch) {
            sender->configEpoch = h.config_epoch;
            clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG | CLUSTER_TODO_FSYNC_CONFIG);
        }
        sender->repl_offset = (long long)h.offset;
        clusterNoteMasterPausedOffset(sender, &h);
    }

    int is_ping = (type == CBUS_PING || type == CBUS_PONG || type == CBUS_MEET);

    if (type == CBUS_PING || type == CBUS_MEET) {
        if (clusterAddrLearnMyIp(link, type))
            clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG);
        if (!sender && type == CBUS_MEET) {
            /* Someone wants us in its cluster: add it (in handshake until
             * our own link to it confirms its id). */
            clusterNode *node = createClusterNode(NULL, CLUSTER_NODE_HANDSHAKE);
            clusterAddrPeerIp(link, &h, node->ip);
            node->port = h.port;
            node->pport = h.pport;
            node->cport = h.cport;
            /* Its internal address, if it told us: dial that. */
            clusterAddrProcessNatExt(node, link, buf);
            clusterAddNode(node);
            clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG);
            clusterProcessGossipSection(buf, &h, link, NULL);
        }
        if (sender && type == CBUS_MEET) clusterReconnectReset(sender, "MEET received");
        clusterAddrNoteNatLink(link, buf);
        clusterSendPing(link, CBUS_PONG);
    }

    if (is_ping) {
        if (!link->inbound && link->node) {
            if (nodeInHandshake(link->node)) {
                if (sender) {
                    /* We already know this node by id: just fix its
                     * address and drop the handshake node. */
                    serverLog(LL_VERBOSE, "Handshake: we already know node %.40s (%s), updating the address if needed.",
                              sender->name, sender->hostname);
                    if (nodeUpdateAddressIfNeeded(sender, link, &h, buf))
                        clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG | CLUSTER_TODO_UPDATE_STATE);
                    clusterAddrProcessNatExt(sender, link, buf);
                    clusterDelNode(link->node);
                    return 0;
                }
                clusterRenameNode(link->node, h.sender);
                serverLog(LL_DEBUG, "Handshake with node %.40s completed.", link->node->name);
                link->node->flags &= ~CLUSTER_NODE_HANDSHAKE;
                link->node->flags |= h.flags & (CLUSTER_NODE_MASTER | CLUSTER_NODE_SLAVE);
                clusterAddrProcessNatExt(link->node, link, buf);
                clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG);
            } else if (memcmp(link->node->name, h.sender, CLUSTER_NAMELEN) != 0) {
                /* Another node answers at this address now. */
                serverLog(LL_DEBUG, "PONG contains mismatching sender ID. About node %.40s added %d ms ago, having flags %d",
                          link->node->name, (int)(now - link->node->ctime), link->node->flags);
                link->node->flags |= CLUSTER_NODE_NOADDR;
                link->node->ip[0] = '\0';
                link->node->port = link->node->pport = link->node->cport = 0;
                freeClusterLink(link);
                clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG);
                return 0;
            }
        }

        if (sender) {
            sender->flags &= ~CLUSTER_NODE_NOFAILOVER;
            sender->flags |= h.flags & CLUSTER_NODE_NOFAILOVER;
        }

        if (sender && type == CBUS_PING && !nodeInHandshake(sender) &&
            nodeUpdateAddressIfNeeded(sender, link, &h, buf))
            clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG | CLUSTER_TODO_UPDATE_STATE);

        if (!link->inbound && link->node && type == CBUS_PONG) {
            link->node->pong_received = now;
            link->node->ping_sent = 0;
            link->pong_seen = 1;
            clusterReconnectReset(link->node, "PONG received");
            if (nodeTimedOut(link->node)) {
                link->node->flags &= ~CLUSTER_NODE_PFAIL;
                clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG | CLUSTER_TODO_UPDATE_STATE);
            } else if (nodeFailed(link->node)) {
                clearNodeFailureIfNeeded(link->node);
            }
        }

        /* Role changes. */
        if (sender && !nodeInHandshake(sender)) {
            if (memcmp(h.slaveof, CLUSTER_NODE_NULL_NAME, CLUSTER_NAMELEN) == 0) {
                clusterSetNodeAsMaster(sender);
            } else {
                clusterNode *master = clusterLookupNode(h.slaveof, CLUSTER_NAMELEN);
                if (nodeIsMaster(sender)) {
                    clusterDelNodeSlots(sender);
                    sender->flags &= ~(CLUSTER_NODE_MASTER | CLUSTER_NODE_MIGRATE_TO);
                    sender->flags |= CLUSTER_NODE_SLAVE;
                    clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG | CLUSTER_TODO_UPDATE_STATE);
                }
                if (master && sender->slaveof != master) {
                    if (sender->slaveof) clusterNodeRemoveSlave(sender->slaveof, sender);
                    clusterNodeAddSlave(master, sender);
                    sender->slaveof = master;
                    clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG);
                }
            }
        }

        /* Slot ownership. */
        clusterNode *sender_master = NULL;
        int dirty_slots = 0;
        if (sender && !nodeInHandshake(sender)) {
            sender_master = nodeIsMaster(sender) ? sender : sender->slaveof;
            if (sender_master)
                dirty_slots = memcmp(sender_master->slots, h.myslots, CBUS_SLOTBYTES) != 0;
        }
        if (sender && nodeIsMaster(sender) && dirty_slots)
            clusterUpdateSlotsConfigWith(sender, h.config_epoch, h.myslots);
        if (sender && dirty_slots) {
            for (int j = 0; j < CLUSTER_SLOTS; j++) {
                if (!cbusSlotIsSet(h.myslots, j)) continue;
                clusterNode *owner = cluster->slots[j];
                if (owner == sender || owner == NULL) continue;
                if (owner->configEpoch > h.config_epoch) {
                    serverLog(LL_VERBOSE, "Node %.40s has old slots configuration, sending an UPDATE message about %.40s",
                              sender->name, owner->name);
                    clusterSendUpdate(sender->link, owner);
                    break;
                }
            }
        }

        if (sender && nodeIsMaster(myself) && nodeIsMaster(sender) &&
            h.config_epoch == myself->configEpoch)
            clusterHandleConfigEpochCollision(sender);

        if (sender) {
            clusterProcessGossipSection(buf, &h, link, sender);
            clusterProcessPingExt(buf, sender, link);
            clusterAddrProcessNatExt(sender, link, buf);
        }
    } else if (type == CBUS_FAIL) {
        if (sender) {
            char name[CLUSTER_NAMELEN];
            cbusGetFail(buf, name);
            clusterNode *failing = clusterLookupNode(name, CLUSTER_NAMELEN);
            if (failing && !(failing->flags & (CLUSTER_NODE_FAIL | CLUSTER_NODE_MYSELF))) {
                serverLog(LL_NOTICE, "FAIL message received from %.40s about %.40s",
                          h.sender, failing->name);
                failing->flags |= CLUSTER_NODE_FAIL;
                failing->fail_time = now;
                failing->flags &= ~CLUSTER_NODE_PFAIL;
                clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG | CLUSTER_TODO_UPDATE_STATE);
            }
        } else {
            serverLog(LL_NOTICE, "Ignoring FAIL message from unknown node %.40s about %.40s",
                      h.sender, buf + CBUS_HDR_LEN);
        }
    } else if (type == CBUS_PUBLISH || type == CBUS_PUBLISHSHARD) {
        if (sender && pubsubPublishMessage) {
            const unsigned char *ch, *msg;
            uint32_t cl, ml;
            cbusGetPublish(buf, &ch, &cl, &msg, &ml);
            robj *cho = createStringObject((const char *)ch, cl);
            robj *msgo = createStringObject((const char *)msg, ml);
            pubsubPublishMessage(cho, msgo, type == CBUS_PUBLISHSHARD);
            decrRefCount(cho);
            decrRefCount(msgo);
        }
    } else if (type == CBUS_UPDATE) {
        if (!sender) return 1;
        uint64_t epoch;
        char name[CLUSTER_NAMELEN];
        unsigned char slots[CBUS_SLOTBYTES];
        cbusGetUpdate(buf, &epoch, name, slots);
        clusterNode *n = clusterLookupNode(name, CLUSTER_NAMELEN);
        if (!n || n->configEpoch >= epoch) return 1;
        if (nodeIsSlave(n)) clusterSetNodeAsMaster(n);
        n->configEpoch = epoch;
        clusterUpdateSlotsConfigWith(n, epoch, slots);
    } else if (type == CBUS_AUTH_REQUEST) {
        if (sender) clusterSendFailoverAuthIfNeeded(sender, &h);
    } else if (type == CBUS_MFSTART) {
        if (sender) clusterProcessMFStart(link, sender);
    } else if (type == CBUS_AUTH_ACK) {
        if (sender) clusterProcessFailoverAuthAck(sender, &h);
    } else if (type == CBUS_MODULE) {
        /* Module messages need modules: ignored. */
    } else {
        serverLog(LL_WARNING, "Received unknown packet type: %d", type);
    }
    return 1;
}

/* Validates and processes every complete packet in the link's buffer. */
static void clusterProcessLinkBuffer(clusterLink *link) {
    size_t pos = 0;
    while (link->rcvbuf_len - pos >= 8) {
        const unsigned char *p = link->rcvbuf + pos;
        uint32_t need;
        char err[256];
        int r = cbusValidate(p, link->rcvbuf_len - pos, &need, err, sizeof(err));
        if (r == CBUS_INCOMPLETE) break;
        if (r == CBUS_ERR_CLOSE) {
            char ip[NET_IP_STR_LEN] = "?";
            int port = 0;
            connPeerToString(link->conn, ip, sizeof(ip), &port);
            serverLog(LL_WARNING, "Bad message length or signature received on the Cluster bus from %s:%d (%s)",
                      ip, port, err);
            freeClusterLink(link);
            return;
        }
        /* Stock counts every framed packet of a known type, also those
         * it then ignores (bad length, other version): CLUSTER INFO's
         * received counters agree with a stock node's. */
        int type = (p[12] << 8) | p[13];
        if (type < CBUS_TYPE_COUNT) cluster->stats_bus_messages_received[type]++;
        if (r == CBUS_ERR_IGNORE) {
            serverLog(LL_WARNING, "%s", err);
        } else if (r == CBUS_OK) {
            link->recv_msgs++;
            if (!clusterProcessPacket(link, p)) return;  /* link freed */
        }
        pos += need;
    }
    if (pos) {
        memmove(link->rcvbuf, link->rcvbuf + pos, link->rcvbuf_len - pos);
        link->rcvbuf_len -= pos;
    }
    /* Do not keep a big buffer around after a big packet. */
    if (link->rcvbuf_len == 0 && link->rcvbuf_alloc > 64 * 1024) {
        zfree(link->rcvbuf);
        link->rcvbuf = NULL;
        link->rcvbuf_alloc = 0;
    }
}

/* ---------------------------------------------------------------------------
 * Handshake (CLUSTER MEET)
 * ------------------------------------------------------------------------ */

static int clusterHandshakeInProgress(const char *ip, int port, int cport) {
    dictIterator *di = dictGetIterator(cluster->nodes);
    dictEntry *de;
    int found = 0;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *n = dictGetVal(de);
        if (!nodeInHandshake(n)) continue;
        if (!strcasecmp(n->ip, ip) && n->port == port && n->cport == cport) {
            found = 1;
            break;
        }
    }
    dictReleaseIterator(di);
    return found;
}

/* Adds a handshake node for ip:port@cport; the cron connects and sends it
 * a MEET. Returns 0 with errno EINVAL for bad addresses/ports, EAGAIN when
 * a handshake with it is already running. */
int clusterStartHandshake(char *ip, int port, int cport) {
    char norm_ip[NET_IP_STR_LEN];
    struct sockaddr_storage sa;
    if (inet_pton(AF_INET, ip, &((struct sockaddr_in *)&sa)->sin_addr)) {
        sa.ss_family = AF_INET;
    } else if (inet_pton(AF_INET6, ip, &((struct sockaddr_in6 *)&sa)->sin6_addr)) {
        sa.ss_family = AF_INET6;
    } else {
        errno = EINVAL;
        return 0;
    }
    if (port <= 0 || port > 65535 || cport <= 0 || cport > 65535) {
        errno = EINVAL;
        return 0;
    }
    memset(norm_ip, 0, sizeof(norm_ip));
    if (sa.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, norm_ip, sizeof(norm_ip));
    else
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, norm_ip, sizeof(norm_ip));
    if (clusterHandshakeInProgress(norm_ip, port, cport)) {
        errno = EAGAIN;
        return 0;
    }
    clusterReconnectResetAddress(norm_ip, port, cport);
    clusterNode *n = createClusterNode(NULL, CLUSTER_NODE_HANDSHAKE | CLUSTER_NODE_MEET);
    memcpy(n->ip, norm_ip, sizeof(n->ip));
    n->port = port;
    n->cport = cport;
    clusterAddNode(n);
    return 1;
}

/* ---------------------------------------------------------------------------
 * Cluster state
 * ------------------------------------------------------------------------ */

/* OK when every slot is served by a reachable node (unless
 * cluster-require-full-coverage is no) and we are in the majority
 * partition of slot-serving masters. */
void clusterUpdateState(void) {
    mstime_t now = mstime();
    if (cluster->first_call_time == 0) cluster->first_call_time = now;
    /* A master that just started waits a bit before accepting writes, so
     * that the cluster can tell it about a newer configuration. */
    if (nodeIsMaster(myself) && cluster->state == CLUSTER_FAIL &&
        now - cluster->first_call_time < CLUSTER_WRITABLE_DELAY) return;

    int new_state = CLUSTER_OK;
    if (server.cluster_require_full_coverage) {
        for (int j = 0; j < CLUSTER_SLOTS; j++) {
            if (cluster->slots[j] == NULL || (cluster->slots[j]->flags & CLUSTER_NODE_FAIL)) {
                new_state = CLUSTER_FAIL;
                break;
            }
        }
    }
    int reachable_masters = 0;
    cluster->size = 0;
    dictIterator *di = dictGetIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *n = dictGetVal(de);
        if (nodeIsMaster(n) && n->numslots) {
            cluster->size++;
            if ((n->flags & (CLUSTER_NODE_FAIL | CLUSTER_NODE_PFAIL)) == 0) reachable_masters++;
        }
    }
    dictReleaseIterator(di);
    int needed_quorum = cluster->size / 2 + 1;
    if (reachable_masters < needed_quorum) {
        new_state = CLUSTER_FAIL;
        cluster->among_minority_time = now;
    }
    if (new_state != cluster->state) {
        mstime_t rejoin_delay = server.cluster_node_timeout;
        if (rejoin_delay > 5000) rejoin_delay = 5000;
        if (rejoin_delay < 500) rejoin_delay = 500;
        if (new_state == CLUSTER_OK && nodeIsMaster(myself) &&
            now - cluster->among_minority_time < rejoin_delay) return;
        serverLog(LL_WARNING, "Cluster state changed: %s", new_state == CLUSTER_OK ? "ok" : "fail");
        cluster->state = new_state;
    }
}

void clusterDoBeforeSleep(int flags) {
    if (cluster) cluster->todo_before_sleep |= flags;
}

void clusterBeforeSleep(void) {
    int flags = cluster->todo_before_sleep;
    cluster->todo_before_sleep = 0;
    if (flags & CLUSTER_TODO_HANDLE_MANUALFAILOVER) {
        if (nodeIsSlave(myself)) {
            clusterHandleManualFailover();
            clusterHandleSlaveFailover();
        }
    } else if (flags & CLUSTER_TODO_HANDLE_FAILOVER) {
        clusterHandleSlaveFailover();
    }
    if (flags & CLUSTER_TODO_UPDATE_STATE) clusterUpdateState();
    if (flags & CLUSTER_TODO_SAVE_CONFIG) clusterSaveConfigOrDie(flags & CLUSTER_TODO_FSYNC_CONFIG);
    /* Flush what the links have to say. */
    dictIterator *di = dictGetSafeIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *n = dictGetVal(de);
        clusterLink *links[2] = {n->link, n->inbound_link};
        for (int j = 0; j < 2; j++) {
            clusterLink *l = links[j];
            if (!l || !l->conn || sdslen(l->sndbuf) == 0) continue;
            if (connGetState(l->conn) != CONN_STATE_CONNECTED) continue;
            if (server.cluster_link_sendbuf_limit_bytes &&
                sdslen(l->sndbuf) > server.cluster_link_sendbuf_limit_bytes) {
                serverLog(LL_WARNING, "Freeing cluster link(%s node %.40s, used memory: %zu) due to exceeding send buffer memory limit.",
                          l->inbound ? "from" : "to", n->name, sdsAllocSize(l->sndbuf));
                cluster->stat_cluster_links_buffer_limit_exceeded++;
                freeClusterLink(l);
                continue;
            }
            clusterLinkWriteHandler(l->conn);
        }
    }
    dictReleaseIterator(di);
}

/* Every 100ms: connect to nodes we have no link to, ping, detect
 * timeouts, drop handshakes that never completed. */
void clusterCron(void) {
    static unsigned long long iteration = 0;
    iteration++;
    mstime_t now = mstime();
    int update_state = 0;

    clusterAddrUpdateMyselfAnnounced();
    clusterUpdateMyselfFlags();
    manualFailoverCheckTimeout();
    clusterRedirectBlockedClients();

    mstime_t handshake_timeout = server.cluster_node_timeout;
    if (handshake_timeout < 1000) handshake_timeout = 1000;

    cluster->stats_pfail_nodes = 0;
    dictIterator *di = dictGetSafeIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *node = dictGetVal(de);
        if (node->flags & (CLUSTER_NODE_MYSELF | CLUSTER_NODE_NOADDR)) continue;
        if (node->flags & CLUSTER_NODE_PFAIL) cluster->stats_pfail_nodes++;
        if (nodeInHandshake(node) && now - node->ctime > handshake_timeout) {
            clusterDelNode(node);
            continue;
        }
        clusterAddrCronNode(node);
        if (node->link == NULL && clusterReconnectDue(node, now)) clusterConnectNode(node);
    }
    dictReleaseIterator(di);

    /* Once a second ping the node we heard from least recently among a
     * few random ones. */
    if (!(iteration % 10)) {
        clusterNode *min_pong_node = NULL;
        mstime_t min_pong = 0;
        for (int j = 0; j < 5 && dictSize(cluster->nodes); j++) {
            clusterNode *n = dictGetVal(dictGetRandomKey(cluster->nodes));
            if (n->link == NULL || n->ping_sent != 0) continue;
            if (n->flags & (CLUSTER_NODE_MYSELF | CLUSTER_NODE_HANDSHAKE)) continue;
            if (min_pong_node == NULL || min_pong > n->pong_received) {
                min_pong_node = n;
                min_pong = n->pong_received;
            }
        }
        if (min_pong_node) clusterSendPing(min_pong_node->link, CBUS_PING);
    }

    di = dictGetSafeIterator(cluster->nodes);
    while ((de = dictNext(di)) != NULL) {
        clusterNode *node = dictGetVal(de);
        if (node->flags & (CLUSTER_NODE_MYSELF | CLUSTER_NODE_NOADDR | CLUSTER_NODE_HANDSHAKE))
            continue;
        mstime_t ping_delay = now - node->ping_sent;
        mstime_t data_delay = now - node->data_received;
        /* A link that is up but silent for long: reconnect, the peer may
         * be fine and the connection stuck. */
        if (node->link && now - node->link->ctime > server.cluster_node_timeout &&
            node->ping_sent && ping_delay > server.cluster_node_timeout / 2 &&
            data_delay > server.cluster_node_timeout / 2) {
            freeClusterLink(node->link);
        }
        /* During a manual failover, the replica hears from us often. */
        if (cluster->mf_end && nodeIsMaster(myself) && cluster->mf_slave == node && node->link) {
            clusterSendPing(node->link, CBUS_PING);
            continue;
        }
        if (node->link && node->ping_sent == 0 &&
            (now - node->pong_received) > server.cluster_node_timeout / 2) {
            clusterSendPing(node->link, CBUS_PING);
            continue;
        }
        if (node->ping_sent == 0) continue;
        mstime_t node_delay = ping_delay < data_delay ? ping_delay : data_delay;
        if (node_delay > server.cluster_node_timeout &&
            !(node->flags & (CLUSTER_NODE_PFAIL | CLUSTER_NODE_FAIL))) {
            serverLog(LL_DEBUG, "*** NODE %.40s possibly failing", node->name);
            node->flags |= CLUSTER_NODE_PFAIL;
            update_state = 1;
        }
    }
    dictReleaseIterator(di);

    /* A replica restarted from nodes.conf has its role but no replication
     * yet: start it as soon as the master has an address, as stock does
     * (nothing else would until the master's address changed). */
    if (nodeIsSlave(myself) && server.masterhost == NULL && myself->slaveof &&
        nodeHasAddr(myself->slaveof) && replicationSetMaster) {
        char ip[NET_IP_STR_LEN];
        int port;
        clusterAddrReplicationTarget(myself->slaveof, ip, &port);
        replicationSetMaster(ip, port);
    }

    if (nodeIsSlave(myself)) {
        clusterHandleManualFailover();
        clusterHandleSlaveFailover();
        clusterHandleReplicaMigration();
    }
    if (update_state || cluster->state == CLUSTER_FAIL) clusterUpdateState();
}

/* ---------------------------------------------------------------------------
 * Start-up and reset
 * ------------------------------------------------------------------------ */

void clusterInit(void) {
    cluster = zcalloc(sizeof(*cluster));
    cluster->state = CLUSTER_FAIL;
    cluster->size = 1;  /* as stock, until the first state update counts */
    cluster->mf_master_offset = -1;
    cluster->nodes = dictCreate(&clusterNodesDictType);
    cluster->nodes_black_list = dictCreate(&clusterBlacklistDictType);

    if (clusterLockConfig(server.cluster_configfile) == C_ERR) exit(1);
    if (clusterLoadConfig(server.cluster_configfile) == C_ERR) {
        myself = createClusterNode(NULL, CLUSTER_NODE_MYSELF | CLUSTER_NODE_MASTER);
        serverLog(LL_NOTICE, "No cluster configuration found, I'm %.40s", myself->name);
        clusterAddNode(myself);
        clusterAddrUpdateMyselfAnnounced();
        cluster->todo_before_sleep = 0;
        clusterSaveConfigOrDie(1);
    }
    clusterAddrUpdateMyselfAnnounced();
    cluster->todo_before_sleep &= ~CLUSTER_TODO_SAVE_CONFIG;

    int port = clusterAddrBusPort();
    if (!server.cluster_port && port > 65535) {
        serverLog(LL_WARNING, "Redis port number too high. Cluster communication port is 10,000 port numbers higher than your Redis port. Your Redis port number must be 55535 or less.");
        exit(1);
    }
    if (!server.bindaddr_count) {
        serverLog(LL_WARNING, "No bind address is configured, but it is required for the Cluster bus.");
        exit(1);
    }
    memset(&cluster_fds, 0, sizeof(cluster_fds));
    if (listenToPort(port, &cluster_fds) == C_ERR) {
        serverLog(LL_WARNING, "Failed listening on port %u (cluster), aborting.", port);
        exit(1);
    }
    for (int j = 0; j < cluster_fds.count; j++) {
        if (aeCreateFileEvent(server.el, cluster_fds.fd[j], AE_READABLE,
                              clusterAcceptTcpHandler, NULL) == AE_ERR)
            serverPanic("Unrecoverable error creating Cluster bus accept handler.");
    }
    clusterUpdateState();
}

/* CLUSTER RESET: forget everyone, drop our slots; HARD also takes a new
 * name and zeroes the epochs. */
void clusterReset(int hard) {
    if (nodeIsSlave(myself)) {
        clusterSetNodeAsMaster(myself);
        if (replicationUnsetMaster) replicationUnsetMaster();
        emptyData(-1, EMPTYDB_NO_FLAGS, NULL);
    }
    clusterCloseAllSlots();
    for (int j = 0; j < CLUSTER_SLOTS; j++) clusterDelSlot(j);
    dictIterator *di = dictGetSafeIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *n = dictGetVal(de);
        if (n != myself) clusterDelNode(n);
    }
    dictReleaseIterator(di);
    if (hard) {
        cluster->currentEpoch = 0;
        cluster->lastVoteEpoch = 0;
        myself->configEpoch = 0;
        serverLog(LL_WARNING, "configEpoch set to 0 via CLUSTER RESET HARD");
        char name[CLUSTER_NAMELEN];
        clusterGenerateName(name);
        clusterRenameNode(myself, name);
        serverLog(LL_NOTICE, "Node hard reset, now I'm %.40s", myself->name);
    }
    clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG | CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_FSYNC_CONFIG);
}

/* ---------------------------------------------------------------------------
 * CLUSTER LINKS
 * ------------------------------------------------------------------------ */

static void addReplyLink(client *c, clusterLink *link) {
    /* With NAT in play (internal and external addresses differ), also say
     * which address the link uses; otherwise stock's exact six fields. */
    int nat = clusterAddrHasNatSplit(link->node);
    addReplyMapLen(c, nat ? 8 : 6);
    addReplyBulkCString(c, "direction");
    addReplyBulkCString(c, link->inbound ? "from" : "to");
    addReplyBulkCString(c, "node");
    addReplyBulkCBuffer(c, link->node->name, CLUSTER_NAMELEN);
    addReplyBulkCString(c, "create-time");
    addReplyLongLong(c, link->ctime);
    char events[3] = {0}, *p = events;
    if (link->conn) {
        if (connHasReadHandler(link->conn)) *p++ = 'r';
        if (connHasWriteHandler(link->conn)) *p++ = 'w';
    }
    addReplyBulkCString(c, "events");
    addReplyBulkCString(c, events);
    addReplyBulkCString(c, "send-buffer-allocated");
    addReplyLongLong(c, (long long)sdsalloc(link->sndbuf));
    addReplyBulkCString(c, "send-buffer-used");
    addReplyLongLong(c, (long long)sdslen(link->sndbuf));
    if (nat) {
        char addr[NET_ADDR_STR_LEN] = "?";
        const char *kind = "peer";
        if (!link->inbound) {
            snprintf(addr, sizeof(addr), "%s:%d", link->dial_ip, link->dial_port);
            kind = link->dial_internal ? "internal" : "external";
        } else if (link->conn) {
            char ip[NET_IP_STR_LEN];
            int port;
            if (connPeerToString(link->conn, ip, sizeof(ip), &port) != -1)
                snprintf(addr, sizeof(addr), "%s:%d", ip, port);
        }
        addReplyBulkCString(c, "address");
        addReplyBulkCString(c, addr);
        addReplyBulkCString(c, "address-type");
        addReplyBulkCString(c, kind);
    }
}

void clusterRenderLinks(client *c) {
    void *len = addReplyDeferredLen(c);
    long n = 0;
    dictIterator *di = dictGetIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *node = dictGetVal(de);
        if (node->link) { addReplyLink(c, node->link); n++; }
        if (node->inbound_link) { addReplyLink(c, node->inbound_link); n++; }
    }
    dictReleaseIterator(di);
    setDeferredArrayLen(c, len, n);
}

/* DEBUG CLUSTERLINK KILL to|from|all <node-id>: drop our links with a node
 * (the cron reconnects), for tests of link handling. */
void clusterDebugKillLink(client *c) {
    if (!server.cluster_enabled) {
        addReplyError(c, "Debug option only available for cluster mode enabled setup!");
        return;
    }
    clusterNode *n = clusterLookupNode(c->argv[4]->ptr, (int)sdslen(c->argv[4]->ptr));
    if (!n) {
        addReplyErrorFormat(c, "Unknown node %s", (char *)c->argv[4]->ptr);
        return;
    }
    const char *dir = c->argv[3]->ptr;
    int to = !strcasecmp(dir, "to") || !strcasecmp(dir, "all");
    int from = !strcasecmp(dir, "from") || !strcasecmp(dir, "all");
    if (!to && !from) {
        addReplyErrorFormat(c, "Unknown direction %s", dir);
        return;
    }
    if (to && n->link) freeClusterLink(n->link);
    if (from && n->inbound_link) freeClusterLink(n->inbound_link);
    addReply(c, shared.ok);
}

/* After loading nodes.conf or a role change by command. */
void clusterUpdateMyselfFlags(void) {
    int old = myself->flags;
    int nofailover = server.cluster_slave_no_failover ? CLUSTER_NODE_NOFAILOVER : 0;
    myself->flags &= ~CLUSTER_NODE_NOFAILOVER;
    myself->flags |= nofailover;
    if (myself->flags != old)
        clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG | CLUSTER_TODO_UPDATE_STATE);
}
