/* cluster.c - key slots, client redirection and the CLUSTER commands.
 *
 * What does not depend on the bus lives here: a key's hash slot (CRC16 of
 * the key, or of its {hash tag}), the index of db 0 keys per slot that
 * COUNTKEYSINSLOT/GETKEYSINSLOT read, the check processCommand runs on
 * every keyed command (MOVED/ASK/TRYAGAIN/CROSSSLOT/CLUSTERDOWN with 7.0's
 * exact texts), and CLUSTER, ASKING, READONLY, READWRITE. Node state and
 * the bus are in cluster_node.c (see cluster.h for the map).
 */
#include "server.h"
#include "crc16.h"

#define myself (cluster->myself)

#pragma weak replicationGetSlaveOffset
#pragma weak replicationSetMaster

/* ---------------------------------------------------------------------------
 * Key slots
 * ------------------------------------------------------------------------ */

/* The slot of a key: CRC16 of the whole key, unless it has a non-empty
 * {tag}, in which case only the tag (the first {...}) is hashed. */
unsigned int keyHashSlot(const char *key, int keylen) {
    int s, e;
    for (s = 0; s < keylen; s++)
        if (key[s] == '{') break;
    if (s == keylen) return crc16(key, keylen) & 0x3FFF;
    for (e = s + 1; e < keylen; e++)
        if (key[e] == '}') break;
    if (e == keylen || e == s + 1) return crc16(key, keylen) & 0x3FFF;
    return crc16(key + s + 1, e - s - 1) & 0x3FFF;
}

/* The keys-per-slot index: one set per slot of the db 0 key sds (owned by
 * the main dict), fed by db.c on every add and delete. */
static dictType slotKeysDictType = {
    dictSdsHash, NULL, NULL, dictSdsKeyCompare, NULL, NULL, NULL
};

void clusterSlotKeyAdded(redisDb *db, sds key) {
    if (!cluster || db->id != 0) return;
    unsigned int slot = keyHashSlot(key, (int)sdslen(key));
    if (!cluster->slot_keys[slot]) cluster->slot_keys[slot] = dictCreate(&slotKeysDictType);
    dictAdd(cluster->slot_keys[slot], key, NULL);
}

void clusterSlotKeyDeleted(redisDb *db, sds key) {
    if (!cluster || db->id != 0) return;
    unsigned int slot = keyHashSlot(key, (int)sdslen(key));
    if (cluster->slot_keys[slot]) dictDelete(cluster->slot_keys[slot], key);
}

void clusterSlotKeysFlush(redisDb *db) {
    if (!cluster || db->id != 0) return;
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (cluster->slot_keys[j]) {
            dictRelease(cluster->slot_keys[j]);
            cluster->slot_keys[j] = NULL;
        }
    }
}

unsigned int countKeysInSlot(unsigned int slot) {
    dict *d = cluster->slot_keys[slot];
    return d ? (unsigned int)dictSize(d) : 0;
}

/* ---------------------------------------------------------------------------
 * Redirection
 * ------------------------------------------------------------------------ */

/* Where the command (or, for EXEC, the whole transaction) must run.
 * Returns the node, or NULL with *error_code set. The rules, in order:
 * all keys in one slot (else CROSSSLOT); an unserved slot is CLUSTERDOWN;
 * a migrating slot with missing keys asks the client to try the target
 * (ASK), or TRYAGAIN when only some keys are here; an importing slot
 * serves ASKING clients; a down cluster refuses keyed commands (reads
 * allowed with cluster-allow-reads-when-down); READONLY clients read from
 * replicas of the slot's master. */
static clusterNode *getNodeByQuery(client *c, int *hashslot, int *error_code) {
    clusterNode *n = NULL;
    robj *firstkey = NULL;
    int multiple_keys = 0, slot = 0, migrating_slot = 0, importing_slot = 0;
    int missing_keys = 0, existing_keys = 0, pubsubshard_included = 0;
    int is_exec = c->cmd->proc == execCommand;
    uint64_t cmd_flags = c->cmd->flags;
    if (is_exec) cmd_flags |= c->mstate.cmd_flags;
    *error_code = CLUSTER_REDIR_NONE;

    int ncmds = 1;
    multiCmd single = { c->argv, c->argv_len, c->argc, c->cmd };
    multiCmd *cmds = &single;
    if (is_exec) {
        if (!(c->flags & CLIENT_MULTI)) return myself;  /* EXEC errors by itself */
        cmds = c->mstate.commands;
        ncmds = c->mstate.count;
    }

    for (int i = 0; i < ncmds; i++) {
        struct redisCommand *mcmd = cmds[i].cmd;
        robj **margv = cmds[i].argv;
        int margc = cmds[i].argc;
        int search = GET_KEYSPEC_DEFAULT;
        if (mcmd->flags & CMD_PUBSUB) {
            search = GET_KEYSPEC_INCLUDE_NOT_KEYS;
            if (mcmd->key_specs_num) pubsubshard_included = 1;
        }
        getKeysResult result;
        getKeysResultInit(&result);
        int numkeys = getKeysFromCommandWithSpecs(mcmd, margv, margc, search, &result);
        for (int j = 0; j < numkeys; j++) {
            robj *thiskey = margv[result.keys[j].pos];
            robj *dk = getDecodedObject(thiskey);
            int thisslot = (int)keyHashSlot(dk->ptr, (int)sdslen(dk->ptr));
            decrRefCount(dk);
            if (firstkey == NULL) {
                firstkey = thiskey;
                slot = thisslot;
                n = cluster->slots[slot];
                if (n == NULL) {
                    getKeysFreeResult(&result);
                    *error_code = CLUSTER_REDIR_DOWN_UNBOUND;
                    return NULL;
                }
                if (n == myself && cluster->migrating_slots_to[slot] != NULL) migrating_slot = 1;
                else if (cluster->importing_slots_from[slot] != NULL) importing_slot = 1;
            } else {
                if (slot != thisslot) {
                    getKeysFreeResult(&result);
                    *error_code = CLUSTER_REDIR_CROSS_SLOT;
                    return NULL;
                }
                if (!multiple_keys && !equalStringObjects(firstkey, thiskey)) multiple_keys = 1;
            }
            /* In a slot being moved, which keys are still here matters. */
            if ((migrating_slot || importing_slot) && !pubsubshard_included) {
                if (lookupKeyReadWithFlags(&server.db[0], thiskey,
                        LOOKUP_NOTOUCH | LOOKUP_NOSTATS | LOOKUP_NONOTIFY | LOOKUP_NOEXPIRE) == NULL)
                    missing_keys++;
                else
                    existing_keys++;
            }
        }
        getKeysFreeResult(&result);
    }

    if (n == NULL) return myself;  /* no keys at all */
    *hashslot = slot;

    int is_write = (cmd_flags & CMD_WRITE) != 0;
    if (cluster->state != CLUSTER_OK) {
        if (pubsubshard_included) {
            if (!server.cluster_allow_pubsubshard_when_down) {
                *error_code = CLUSTER_REDIR_DOWN_STATE;
                return NULL;
            }
        } else if (!server.cluster_allow_reads_when_down) {
            *error_code = CLUSTER_REDIR_DOWN_STATE;
            return NULL;
        } else if (is_write) {
            *error_code = CLUSTER_REDIR_DOWN_RO_STATE;
            return NULL;
        }
    }

    if ((migrating_slot || importing_slot) && c->cmd->declared_name &&
        !strcasecmp(c->cmd->declared_name, "migrate"))
        return myself;

    if (migrating_slot && missing_keys) {
        if (existing_keys) {
            *error_code = CLUSTER_REDIR_UNSTABLE;
            return NULL;
        }
        *error_code = CLUSTER_REDIR_ASK;
        return cluster->migrating_slots_to[slot];
    }

    if (importing_slot && ((c->flags & CLIENT_ASKING) || (cmd_flags & CMD_ASKING))) {
        if (multiple_keys && missing_keys) {
            *error_code = CLUSTER_REDIR_UNSTABLE;
            return NULL;
        }
        return myself;
    }

    if (((c->flags & CLIENT_READONLY) || pubsubshard_included) && !is_write &&
        nodeIsSlave(myself) && myself->slaveof == n)
        return myself;

    if (n != myself) *error_code = CLUSTER_REDIR_MOVED;
    return n;
}

static void clusterRedirectClient(client *c, clusterNode *n, int hashslot, int error_code) {
    switch (error_code) {
    case CLUSTER_REDIR_CROSS_SLOT:
        addReplyError(c, "-CROSSSLOT Keys in request don't hash to the same slot");
        break;
    case CLUSTER_REDIR_UNSTABLE:
        addReplyError(c, "-TRYAGAIN Multiple keys request during rehashing of slot");
        break;
    case CLUSTER_REDIR_DOWN_STATE:
        addReplyError(c, "-CLUSTERDOWN The cluster is down");
        break;
    case CLUSTER_REDIR_DOWN_RO_STATE:
        addReplyError(c, "-CLUSTERDOWN The cluster is down and only accepts read commands");
        break;
    case CLUSTER_REDIR_DOWN_UNBOUND:
        addReplyError(c, "-CLUSTERDOWN Hash slot not served");
        break;
    case CLUSTER_REDIR_MOVED:
    case CLUSTER_REDIR_ASK: {
        int tls = c->conn && connGetType(c->conn) == CONN_TYPE_TLS;
        addReplyErrorSds(c, sdscatprintf(sdsempty(), "-%s %d %s:%d",
            error_code == CLUSTER_REDIR_ASK ? "ASK" : "MOVED", hashslot,
            clusterAddrNodeEndpoint(n), clusterAddrNodeClientPort(n, tls)));
        break;
    }
    default:
        serverPanic("getNodeByQuery() unknown error.");
    }
}

/* Called by processCommand before running or queueing a command. Our
 * master's stream and commands without keys are never redirected. */
int clusterRedirectIfNeeded(client *c) {
    if (!server.cluster_enabled || !cluster) return 0;
    if (c->flags & CLIENT_MASTER) return 0;
    if (!(c->cmd->flags & CMD_MOVABLE_KEYS) && c->cmd->key_specs_num == 0 &&
        c->cmd->proc != execCommand) return 0;
    int hashslot = 0, error_code;
    clusterNode *n = getNodeByQuery(c, &hashslot, &error_code);
    if (n != NULL && n == myself) return 0;
    if (c->cmd->proc == execCommand) discardTransaction(c);
    else flagTransaction(c);
    clusterRedirectClient(c, n, hashslot, error_code);
    c->cmd->rejected_calls++;
    return 1;
}

/* A client blocked on `key` (BLPOP, XREAD BLOCK, ...) whose slot moved
 * away, or whose cluster went down, gets the error a new command would get
 * and stops waiting (a write that could serve it will never come here).
 * A READONLY client of a replica waits on for its master's slots. */
static int clusterRedirectBlockedClient(client *c, robj *key) {
    if (cluster->state == CLUSTER_FAIL) {
        clusterRedirectClient(c, NULL, 0, CLUSTER_REDIR_DOWN_STATE);
        return 1;
    }
    int slot = (int)keyHashSlot(key->ptr, (int)sdslen(key->ptr));
    clusterNode *n = cluster->slots[slot];
    if ((c->flags & CLIENT_READONLY) && c->cmd && !(c->cmd->flags & CMD_WRITE) &&
        nodeIsSlave(myself) && myself->slaveof == n) return 0;
    if (n == myself || cluster->importing_slots_from[slot]) return 0;
    if (n == NULL) clusterRedirectClient(c, NULL, 0, CLUSTER_REDIR_DOWN_UNBOUND);
    else clusterRedirectClient(c, n, slot, CLUSTER_REDIR_MOVED);
    return 1;
}

void clusterRedirectBlockedClients(void) {
    if (server.cluster_enabled && cluster) blockedRedirectClients(clusterRedirectBlockedClient);
}

/* ---------------------------------------------------------------------------
 * CLUSTER NODES format
 * ------------------------------------------------------------------------ */

static sds representClusterNodeFlags(sds ci, int flags) {
    static const struct { int flag; const char *name; } table[] = {
        {CLUSTER_NODE_MYSELF, "myself,"}, {CLUSTER_NODE_MASTER, "master,"},
        {CLUSTER_NODE_SLAVE, "slave,"}, {CLUSTER_NODE_PFAIL, "fail?,"},
        {CLUSTER_NODE_FAIL, "fail,"}, {CLUSTER_NODE_HANDSHAKE, "handshake,"},
        {CLUSTER_NODE_NOADDR, "noaddr,"}, {CLUSTER_NODE_NOFAILOVER, "nofailover,"},
    };
    size_t orig = sdslen(ci);
    for (size_t j = 0; j < sizeof(table) / sizeof(table[0]); j++)
        if (flags & table[j].flag) ci = sdscat(ci, table[j].name);
    if (sdslen(ci) == orig) ci = sdscat(ci, "noflags,");
    sdsIncrLen(ci, -1);  /* the last comma */
    return ci;
}

/* One node as CLUSTER NODES and nodes.conf show it (no newline):
 * id ip:port@cport[,hostname] flags master ping-sent pong-recv epoch link slots */
sds clusterGenNodeDescription(clusterNode *node, int use_pport) {
    sds ci = sdscatlen(sdsempty(), node->name, CLUSTER_NAMELEN);
    int port = use_pport && node->pport ? node->pport : node->port;
    ci = sdscatprintf(ci, " %s:%d@%d", node->ip, port, node->cport);
    if (sdslen(node->hostname)) ci = sdscatprintf(ci, ",%s", node->hostname);
    ci = sdscatlen(ci, " ", 1);
    ci = representClusterNodeFlags(ci, node->flags);
    if (node->slaveof) ci = sdscatprintf(ci, " %.40s ", node->slaveof->name);
    else ci = sdscat(ci, " - ");
    uint64_t epoch = (nodeIsSlave(node) && node->slaveof) ? node->slaveof->configEpoch : node->configEpoch;
    ci = sdscatprintf(ci, "%lld %lld %llu %s", (long long)node->ping_sent,
                      (long long)node->pong_received, (unsigned long long)epoch,
                      (node->link || (node->flags & CLUSTER_NODE_MYSELF)) ? "connected" : "disconnected");
    int start, end;
    for (int from = 0; node->numslots && cbusSlotNextRange(node->slots, from, &start, &end); from = end + 1) {
        if (start == end) ci = sdscatprintf(ci, " %d", start);
        else ci = sdscatprintf(ci, " %d-%d", start, end);
    }
    if (node->flags & CLUSTER_NODE_MYSELF) {
        for (int j = 0; j < CLUSTER_SLOTS; j++) {
            if (cluster->migrating_slots_to[j])
                ci = sdscatprintf(ci, " [%d->-%.40s]", j, cluster->migrating_slots_to[j]->name);
            else if (cluster->importing_slots_from[j])
                ci = sdscatprintf(ci, " [%d-<-%.40s]", j, cluster->importing_slots_from[j]->name);
        }
    }
    return ci;
}

/* Every node but those with a flag in filter, one line each. */
sds clusterGenNodesDescription(int filter, int use_pport) {
    sds ci = sdsempty();
    dictIterator *di = dictGetSafeIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *node = dictGetVal(de);
        if (node->flags & filter) continue;
        sds ni = clusterGenNodeDescription(node, use_pport);
        ci = sdscatsds(ci, ni);
        sdsfree(ni);
        ci = sdscatlen(ci, "\n", 1);
    }
    dictReleaseIterator(di);
    return ci;
}

/* ---------------------------------------------------------------------------
 * CLUSTER INFO / SLOTS / SHARDS
 * ------------------------------------------------------------------------ */

static void clusterInfoCommand(client *c) {
    int assigned = 0, ok = 0, pfail = 0, fail = 0;
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        clusterNode *n = cluster->slots[j];
        if (n == NULL) continue;
        assigned++;
        if (nodeFailed(n)) fail++;
        else if (nodeTimedOut(n)) pfail++;
        else ok++;
    }
    uint64_t my_epoch = (nodeIsSlave(myself) && myself->slaveof) ? myself->slaveof->configEpoch
                                                                  : myself->configEpoch;
    sds info = sdscatprintf(sdsempty(),
        "cluster_state:%s\r\n"
        "cluster_slots_assigned:%d\r\n"
        "cluster_slots_ok:%d\r\n"
        "cluster_slots_pfail:%d\r\n"
        "cluster_slots_fail:%d\r\n"
        "cluster_known_nodes:%lu\r\n"
        "cluster_size:%d\r\n"
        "cluster_current_epoch:%llu\r\n"
        "cluster_my_epoch:%llu\r\n",
        cluster->state == CLUSTER_OK ? "ok" : "fail", assigned, ok, pfail, fail,
        dictSize(cluster->nodes), cluster->size,
        (unsigned long long)cluster->currentEpoch, (unsigned long long)my_epoch);
    long long tot_sent = 0, tot_recv = 0;
    for (int j = 0; j < CBUS_TYPE_COUNT; j++) {
        if (!cluster->stats_bus_messages_sent[j]) continue;
        tot_sent += cluster->stats_bus_messages_sent[j];
        info = sdscatprintf(info, "cluster_stats_messages_%s_sent:%lld\r\n",
                            cbusTypeName(j), cluster->stats_bus_messages_sent[j]);
    }
    info = sdscatprintf(info, "cluster_stats_messages_sent:%lld\r\n", tot_sent);
    for (int j = 0; j < CBUS_TYPE_COUNT; j++) {
        if (!cluster->stats_bus_messages_received[j]) continue;
        tot_recv += cluster->stats_bus_messages_received[j];
        info = sdscatprintf(info, "cluster_stats_messages_%s_received:%lld\r\n",
                            cbusTypeName(j), cluster->stats_bus_messages_received[j]);
    }
    info = sdscatprintf(info, "cluster_stats_messages_received:%lld\r\n", tot_recv);
    info = sdscatprintf(info, "total_cluster_links_buffer_limit_exceeded:%llu\r\n",
                        cluster->stat_cluster_links_buffer_limit_exceeded);
    addReplyVerbatim(c, info, sdslen(info), "txt");
    sdsfree(info);
}

/* [endpoint, port, id, {other addresses}] as CLUSTER SLOTS lists a node. */
static void addNodeToNodeReply(client *c, clusterNode *node) {
    addReplyArrayLen(c, 4);
    int type = server.cluster_preferred_endpoint_type;
    if (type == CLUSTER_ENDPOINT_TYPE_IP) addReplyBulkCString(c, node->ip);
    else if (type == CLUSTER_ENDPOINT_TYPE_HOSTNAME)
        addReplyBulkCString(c, sdslen(node->hostname) ? node->hostname : "?");
    else addReplyNull(c);
    int tls = c->conn && connGetType(c->conn) == CONN_TYPE_TLS;
    addReplyLongLong(c, clusterAddrNodeClientPort(node, tls));
    addReplyBulkCBuffer(c, node->name, CLUSTER_NAMELEN);
    int extra = 0;
    if (type != CLUSTER_ENDPOINT_TYPE_IP) extra++;
    if (type != CLUSTER_ENDPOINT_TYPE_HOSTNAME && sdslen(node->hostname)) extra++;
    addReplyMapLen(c, extra);
    if (type != CLUSTER_ENDPOINT_TYPE_IP) {
        addReplyBulkCString(c, "ip");
        addReplyBulkCString(c, node->ip);
    }
    if (type != CLUSTER_ENDPOINT_TYPE_HOSTNAME && sdslen(node->hostname)) {
        addReplyBulkCString(c, "hostname");
        addReplyBulkCString(c, node->hostname);
    }
}

/* A node's replication offset as we know it: ours, or the one its last
 * bus header stated. */
static long long nodeReplOffset(clusterNode *node) {
    if (node == myself)
        return (nodeIsSlave(node) && replicationGetSlaveOffset) ? replicationGetSlaveOffset()
                                                                : server.master_repl_offset;
    return node->repl_offset;
}

/* CLUSTER SLOTS lists a replica only once it has data (offset not 0) and
 * is not failed, as 7.0 does: one still at offset 0 is loading. */
static int replicaAvailable(clusterNode *node) {
    return !nodeFailed(node) && nodeReplOffset(node) != 0;
}

static void addNodeReplyForClusterSlot(client *c, clusterNode *node, int start, int end) {
    int healthy_replicas = 0;
    for (int j = 0; j < node->numslaves; j++)
        if (replicaAvailable(node->slaves[j])) healthy_replicas++;
    addReplyArrayLen(c, 3 + healthy_replicas);
    addReplyLongLong(c, start);
    addReplyLongLong(c, end);
    addNodeToNodeReply(c, node);
    for (int j = 0; j < node->numslaves; j++)
        if (replicaAvailable(node->slaves[j])) addNodeToNodeReply(c, node->slaves[j]);
}

static void clusterSlotsCommand(client *c) {
    void *len = addReplyDeferredLen(c);
    long ranges = 0;
    clusterNode *n = NULL;
    int start = 0;
    for (int i = 0; i <= CLUSTER_SLOTS; i++) {
        clusterNode *cur = i < CLUSTER_SLOTS ? cluster->slots[i] : NULL;
        if (i == CLUSTER_SLOTS || cur != n) {
            if (n != NULL) {
                addNodeReplyForClusterSlot(c, n, start, i - 1);
                ranges++;
            }
            n = cur;
            start = i;
        }
    }
    setDeferredArrayLen(c, len, ranges);
}

static void addShardNodeReply(client *c, clusterNode *node) {
    int pairs = 0;
    void *len = addReplyDeferredLen(c);
    addReplyBulkCString(c, "id");
    addReplyBulkCBuffer(c, node->name, CLUSTER_NAMELEN);
    pairs++;
    int plain = server.tls_cluster ? node->pport : node->port;
    int tls = server.tls_cluster ? node->port : 0;
    if (plain) {
        addReplyBulkCString(c, "port");
        addReplyLongLong(c, plain);
        pairs++;
    }
    if (tls) {
        addReplyBulkCString(c, "tls-port");
        addReplyLongLong(c, tls);
        pairs++;
    }
    addReplyBulkCString(c, "ip");
    addReplyBulkCString(c, node->ip);
    addReplyBulkCString(c, "endpoint");
    addReplyBulkCString(c, clusterAddrNodeEndpoint(node));
    pairs += 2;
    if (sdslen(node->hostname)) {
        addReplyBulkCString(c, "hostname");
        addReplyBulkCString(c, node->hostname);
        pairs++;
    }
    /* NAT-aware bus (cluster_addr.c): the internal address, shown only when
     * it differs from the external one, so replies stay stock's without NAT. */
    if (clusterAddrHasNatSplit(node)) {
        int me = node == myself;
        addReplyBulkCString(c, "internal-ip");
        addReplyBulkCString(c, me ? clusterAddrMyInternalIp() : node->int_ip);
        addReplyBulkCString(c, "internal-port");
        addReplyLongLong(c, me ? server.port : node->int_port);
        /* With tls-cluster clients use TLS ports: the internal one too. */
        int int_tls = me ? server.tls_port : node->int_tls_port;
        if (server.tls_cluster && int_tls) {
            addReplyBulkCString(c, "internal-tls-port");
            addReplyLongLong(c, int_tls);
            pairs++;
        }
        addReplyBulkCString(c, "internal-bus-port");
        addReplyLongLong(c, me ? clusterAddrBusPort() : node->int_cport);
        const char *ih = me ? server.cluster_announce_internal_hostname : node->int_hostname;
        if (ih && ih[0]) {
            addReplyBulkCString(c, "internal-hostname");
            addReplyBulkCString(c, ih);
            pairs++;
        }
        pairs += 3;
    }
    long long offset = nodeReplOffset(node);
    addReplyBulkCString(c, "role");
    addReplyBulkCString(c, nodeIsSlave(node) ? "replica" : "master");
    addReplyBulkCString(c, "replication-offset");
    addReplyLongLong(c, offset);
    const char *health = nodeFailed(node) ? "fail" :
                         (nodeIsSlave(node) && offset == 0) ? "loading" : "online";
    addReplyBulkCString(c, "health");
    addReplyBulkCString(c, health);
    pairs += 3;
    setDeferredMapLen(c, len, pairs);
}

static void clusterShardsCommand(client *c) {
    void *len = addReplyDeferredLen(c);
    long shards = 0;
    dictIterator *di = dictGetSafeIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *n = dictGetVal(de);
        if (!nodeIsMaster(n)) continue;
        shards++;
        addReplyMapLen(c, 2);
        addReplyBulkCString(c, "slots");
        void *slen = addReplyDeferredLen(c);
        long nums = 0;
        int start, end;
        for (int from = 0; n->numslots && cbusSlotNextRange(n->slots, from, &start, &end); from = end + 1) {
            addReplyLongLong(c, start);
            addReplyLongLong(c, end);
            nums += 2;
        }
        setDeferredArrayLen(c, slen, nums);
        addReplyBulkCString(c, "nodes");
        addReplyArrayLen(c, 1 + n->numslaves);
        addShardNodeReply(c, n);
        for (int j = 0; j < n->numslaves; j++) addShardNodeReply(c, n->slaves[j]);
    }
    dictReleaseIterator(di);
    setDeferredArrayLen(c, len, shards);
}

/* ---------------------------------------------------------------------------
 * Slot assignment commands
 * ------------------------------------------------------------------------ */

static int getSlotOrReply(client *c, robj *o) {
    long long slot;
    if (getLongLongFromObject(o, &slot) != C_OK || slot < 0 || slot >= CLUSTER_SLOTS) {
        addReplyError(c, "Invalid or out of range slot");
        return -1;
    }
    return (int)slot;
}

/* Checks a range for ADDSLOTS/DELSLOTS(RANGE) and marks it in `marked`. */
static int checkSlotAssignmentsOrReply(client *c, unsigned char *marked, int del, int start, int end) {
    for (int slot = start; slot <= end; slot++) {
        if (del && cluster->slots[slot] == NULL) {
            addReplyErrorFormat(c, "Slot %d is already unassigned", slot);
            return C_ERR;
        } else if (!del && cluster->slots[slot]) {
            addReplyErrorFormat(c, "Slot %d is already busy", slot);
            return C_ERR;
        }
        if (marked[slot]++ == 1) {
            addReplyErrorFormat(c, "Slot %d specified multiple times", slot);
            return C_ERR;
        }
    }
    return C_OK;
}

static void clusterUpdateSlots(unsigned char *marked, int del) {
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (!marked[j]) continue;
        /* Owning a slot ends importing it. */
        if (cluster->importing_slots_from[j]) cluster->importing_slots_from[j] = NULL;
        if (del) clusterDelSlot(j);
        else clusterAddSlot(myself, j);
    }
}

static void clusterAddDelSlotsCommand(client *c, int del) {
    for (int j = 2; j < c->argc; j++)
        if (getSlotOrReply(c, c->argv[j]) == -1) return;
    unsigned char *marked = zcalloc(CLUSTER_SLOTS);
    for (int j = 2; j < c->argc; j++) {
        int slot = getSlotOrReply(c, c->argv[j]);
        if (checkSlotAssignmentsOrReply(c, marked, del, slot, slot) == C_ERR) {
            zfree(marked);
            return;
        }
    }
    clusterUpdateSlots(marked, del);
    zfree(marked);
    clusterDoBeforeSleep(CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE_CONFIG);
    addReply(c, shared.ok);
}

static void clusterAddDelSlotsRangeCommand(client *c, int del) {
    if (c->argc % 2 == 1) {
        addReplyErrorArity(c);
        return;
    }
    for (int j = 2; j < c->argc; j += 2) {
        int start = getSlotOrReply(c, c->argv[j]);
        if (start == -1) return;
        int end = getSlotOrReply(c, c->argv[j + 1]);
        if (end == -1) return;
        if (start > end) {
            addReplyErrorFormat(c, "start slot number %d is greater than end slot number %d", start, end);
            return;
        }
    }
    unsigned char *marked = zcalloc(CLUSTER_SLOTS);
    for (int j = 2; j < c->argc; j += 2) {
        int start = getSlotOrReply(c, c->argv[j]);
        int end = getSlotOrReply(c, c->argv[j + 1]);
        if (checkSlotAssignmentsOrReply(c, marked, del, start, end) == C_ERR) {
            zfree(marked);
            return;
        }
    }
    clusterUpdateSlots(marked, del);
    zfree(marked);
    clusterDoBeforeSleep(CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE_CONFIG);
    addReply(c, shared.ok);
}

static clusterNode *lookupNodeArg(robj *o) {
    return clusterLookupNode(o->ptr, (int)sdslen(o->ptr));
}

/* The other end of a slot migration (SETSLOT MIGRATING/IMPORTING): a known
 * master, else NULL after replying the error. */
static clusterNode *lookupMigrationPeerOrReply(client *c, robj *id) {
    clusterNode *n = lookupNodeArg(id);
    if (n == NULL) {
        addReplyErrorFormat(c, "I don't know about node %s", (char *)id->ptr);
        return NULL;
    }
    if (nodeIsSlave(n)) {
        addReplyError(c, "Target node is not a master");
        return NULL;
    }
    return n;
}

/* CLUSTER SETSLOT <slot> IMPORTING|MIGRATING <id> | STABLE | NODE <id>:
 * the steps of moving a slot by hand (what redis-cli --cluster reshard
 * drives). Closing an import on ourselves takes a new epoch so the rest of
 * the cluster accepts the move. */
static void clusterSetSlotCommand(client *c) {
    if (nodeIsSlave(myself)) {
        addReplyError(c, "Please use SETSLOT only with masters.");
        return;
    }
    int slot = getSlotOrReply(c, c->argv[2]);
    if (slot == -1) return;
    const char *action = c->argv[3]->ptr;
    clusterNode *n;
    if (!strcasecmp(action, "migrating") && c->argc == 5) {
        if (cluster->slots[slot] != myself) {
            addReplyErrorFormat(c, "I'm not the owner of hash slot %u", slot);
            return;
        }
        if ((n = lookupMigrationPeerOrReply(c, c->argv[4])) == NULL) return;
        cluster->migrating_slots_to[slot] = n;
    } else if (!strcasecmp(action, "importing") && c->argc == 5) {
        if (cluster->slots[slot] == myself) {
            addReplyErrorFormat(c, "I'm already the owner of hash slot %u", slot);
            return;
        }
        if ((n = lookupMigrationPeerOrReply(c, c->argv[4])) == NULL) return;
        cluster->importing_slots_from[slot] = n;
    } else if (!strcasecmp(action, "stable") && c->argc == 4) {
        cluster->importing_slots_from[slot] = NULL;
        cluster->migrating_slots_to[slot] = NULL;
    } else if (!strcasecmp(action, "node") && c->argc == 5) {
        if ((n = lookupNodeArg(c->argv[4])) == NULL) {
            addReplyErrorFormat(c, "Unknown node %s", (char *)c->argv[4]->ptr);
            return;
        }
        if (nodeIsSlave(n)) {
            addReplyError(c, "Target node is not a master");
            return;
        }
        if (cluster->slots[slot] == myself && n != myself && countKeysInSlot(slot) != 0) {
            addReplyErrorFormat(c, "Can't assign hashslot %d to a different node while I still hold keys for this hash slot.", slot);
            return;
        }
        /* Nothing left to migrate: the slot is no longer migrating. */
        if (countKeysInSlot(slot) == 0 && cluster->migrating_slots_to[slot])
            cluster->migrating_slots_to[slot] = NULL;
        int slot_was_mine = cluster->slots[slot] == myself;
        clusterDelSlot(slot);
        clusterAddSlot(n, slot);
        if (slot_was_mine && n != myself && myself->numslots == 0 &&
            server.cluster_allow_replica_migration) {
            serverLog(LL_WARNING, "Configuration change detected. Reconfiguring myself as a replica of %.40s", n->name);
            clusterSetMaster(n);
            clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG | CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_FSYNC_CONFIG);
        }
        if (n == myself && cluster->importing_slots_from[slot]) {
            if (clusterBumpConfigEpochWithoutConsensus() == C_OK)
                serverLog(LL_WARNING, "configEpoch updated after importing slot %d", slot);
            /* No broadcast: redis-cli sends SETSLOT NODE to every master
             * and the new epoch travels with the next pings (a PONG to all
             * per slot made a reshard about twice as slow as stock's). */
            cluster->importing_slots_from[slot] = NULL;
        }
    } else {
        addReplyError(c, "Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
        return;
    }
    clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG | CLUSTER_TODO_UPDATE_STATE);
    addReply(c, shared.ok);
}

/* ---------------------------------------------------------------------------
 * CLUSTER
 * ------------------------------------------------------------------------ */

static const char *cluster_help[] = {
"ADDSLOTS <slot> [<slot> ...]",
"    Assign slots to current node.",
"ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
"    Assign slots which are between <start-slot> and <end-slot> to current node.",
"BUMPEPOCH",
"    Advance the cluster config epoch.",
"COUNT-FAILURE-REPORTS <node-id>",
"    Return number of failure reports for <node-id>.",
"COUNTKEYSINSLOT <slot>",
"    Return the number of keys in <slot>.",
"DELSLOTS <slot> [<slot> ...]",
"    Delete slots information from current node.",
"DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
"    Delete slots information which are between <start-slot> and <end-slot> from current node.",
"FAILOVER [FORCE|TAKEOVER]",
"    Promote current replica node to being a master.",
"FORGET <node-id>",
"    Remove a node from the cluster.",
"GETKEYSINSLOT <slot> <count>",
"    Return key names stored by current node in a slot.",
"FLUSHSLOTS",
"    Delete current node own slots information.",
"INFO",
"    Return information about the cluster.",
"KEYSLOT <key>",
"    Return the hash slot for <key>.",
"MEET <ip> <port> [<bus-port>]",
"    Connect nodes into a working cluster.",
"MYID",
"    Return the node id.",
"NODES",
"    Return cluster configuration seen by node. Output format:",
"    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
"REPLICATE <node-id>",
"    Configure current node as replica to <node-id>.",
"RESET [HARD|SOFT]",
"    Reset current node (default: soft).",
"SET-CONFIG-EPOCH <epoch>",
"    Set config epoch of current node.",
"SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
"    Set slot state.",
"REPLICAS <node-id>",
"    Return <node-id> replicas.",
"SAVECONFIG",
"    Force saving cluster configuration on disk.",
"SLOTS",
"    Return information about slots range mappings. Each range is made of:",
"    start, end, master and replicas IP addresses, ports and ids",
"SHARDS",
"    Return information about slot range mappings and the nodes associated with them.",
"LINKS",
"    Return information about all network links between this node and its peers.",
"    Output format is an array where each array element is a map containing attributes of a link",
NULL
};

static void clusterMeetCommand(client *c) {
    long long port, cport;
    if (getLongLongFromObject(c->argv[3], &port) != C_OK) {
        addReplyErrorFormat(c, "Invalid TCP base port specified: %s", (char *)c->argv[3]->ptr);
        return;
    }
    if (c->argc == 5) {
        if (getLongLongFromObject(c->argv[4], &cport) != C_OK) {
            addReplyErrorFormat(c, "Invalid TCP bus port specified: %s", (char *)c->argv[4]->ptr);
            return;
        }
    } else {
        cport = port + CLUSTER_PORT_INCR;
    }
    if (clusterStartHandshake(c->argv[2]->ptr, (int)(port > INT_MAX || port < INT_MIN ? -1 : port),
                              (int)(cport > INT_MAX || cport < INT_MIN ? -1 : cport)) == 0 &&
        errno == EINVAL) {
        addReplyErrorFormat(c, "Invalid node address specified: %s:%s",
                            (char *)c->argv[2]->ptr, (char *)c->argv[3]->ptr);
    } else {
        addReply(c, shared.ok);
    }
}

static void clusterReplicasCommand(client *c) {
    clusterNode *n = lookupNodeArg(c->argv[2]);
    if (!n) {
        addReplyErrorFormat(c, "Unknown node %s", (char *)c->argv[2]->ptr);
        return;
    }
    if (nodeIsSlave(n)) {
        addReplyError(c, "The specified node is not a master");
        return;
    }
    int use_pport = server.tls_cluster && c->conn && connGetType(c->conn) != CONN_TYPE_TLS;
    addReplyArrayLen(c, n->numslaves);
    for (int j = 0; j < n->numslaves; j++) {
        sds ni = clusterGenNodeDescription(n->slaves[j], use_pport);
        addReplyBulkSds(c, ni);
    }
}

static void clusterReplicateCommand(client *c) {
    clusterNode *n = lookupNodeArg(c->argv[2]);
    if (!n) {
        addReplyErrorFormat(c, "Unknown node %s", (char *)c->argv[2]->ptr);
        return;
    }
    if (n == myself) {
        addReplyError(c, "Can't replicate myself");
        return;
    }
    if (nodeIsSlave(n)) {
        addReplyError(c, "I can only replicate a master, not a replica.");
        return;
    }
    if (nodeIsMaster(myself) && (myself->numslots != 0 || dictSize(server.db[0].dict) != 0)) {
        addReplyError(c, "To set a master the node must be empty and without assigned slots.");
        return;
    }
    clusterSetMaster(n);
    clusterDoBeforeSleep(CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE_CONFIG);
    addReply(c, shared.ok);
}

static void clusterFailoverCommand(client *c) {
    int force = 0, takeover = 0;
    if (c->argc == 3) {
        if (!strcasecmp(c->argv[2]->ptr, "force")) force = 1;
        else if (!strcasecmp(c->argv[2]->ptr, "takeover")) takeover = force = 1;
        else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    } else if (c->argc > 3) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    if (nodeIsMaster(myself)) {
        addReplyError(c, "You should send CLUSTER FAILOVER to a replica");
        return;
    } else if (myself->slaveof == NULL) {
        addReplyError(c, "I'm a replica but my master is unknown to me");
        return;
    } else if (!force && (nodeFailed(myself->slaveof) || myself->slaveof->link == NULL)) {
        addReplyError(c, "Master is down or failed, please use CLUSTER FAILOVER FORCE");
        return;
    }
    /* A promotion without the replication stream would serve empty
     * slots: refuse until replication.c is linked in. */
    if (!replicationSetMaster) {
        addReplyError(c, "CLUSTER FAILOVER is not supported by this server yet: replication is not available");
        return;
    }
    clusterStartManualFailover(c, force, takeover);
    addReply(c, shared.ok);
}

void clusterCommand(client *c) {
    if (!server.cluster_enabled) {
        addReplyError(c, "This instance has cluster support disabled");
        return;
    }
    const char *sub = c->argv[1]->ptr;
    int argc = c->argc;

    if (argc == 2 && !strcasecmp(sub, "help")) {
        addReplyHelp(c, cluster_help);
    } else if (!strcasecmp(sub, "meet") && (argc == 4 || argc == 5)) {
        clusterMeetCommand(c);
    } else if (!strcasecmp(sub, "nodes") && argc == 2) {
        int use_pport = server.tls_cluster && c->conn && connGetType(c->conn) != CONN_TYPE_TLS;
        sds nodes = clusterGenNodesDescription(0, use_pport);
        addReplyVerbatim(c, nodes, sdslen(nodes), "txt");
        sdsfree(nodes);
    } else if (!strcasecmp(sub, "myid") && argc == 2) {
        addReplyBulkCBuffer(c, myself->name, CLUSTER_NAMELEN);
    } else if (!strcasecmp(sub, "slots") && argc == 2) {
        clusterSlotsCommand(c);
    } else if (!strcasecmp(sub, "shards") && argc == 2) {
        clusterShardsCommand(c);
    } else if (!strcasecmp(sub, "flushslots") && argc == 2) {
        if (dictSize(server.db[0].dict) != 0) {
            addReplyError(c, "DB must be empty to perform CLUSTER FLUSHSLOTS.");
            return;
        }
        clusterDelNodeSlots(myself);
        clusterDoBeforeSleep(CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE_CONFIG);
        addReply(c, shared.ok);
    } else if ((!strcasecmp(sub, "addslots") || !strcasecmp(sub, "delslots")) && argc >= 3) {
        clusterAddDelSlotsCommand(c, !strcasecmp(sub, "delslots"));
    } else if ((!strcasecmp(sub, "addslotsrange") || !strcasecmp(sub, "delslotsrange")) && argc >= 4) {
        clusterAddDelSlotsRangeCommand(c, !strcasecmp(sub, "delslotsrange"));
    } else if (!strcasecmp(sub, "setslot") && argc >= 4) {
        clusterSetSlotCommand(c);
    } else if (!strcasecmp(sub, "bumpepoch") && argc == 2) {
        int r = clusterBumpConfigEpochWithoutConsensus();
        addReplyStatusFormat(c, "%s %llu", r == C_OK ? "BUMPED" : "STILL",
                             (unsigned long long)myself->configEpoch);
    } else if (!strcasecmp(sub, "info") && argc == 2) {
        clusterInfoCommand(c);
    } else if (!strcasecmp(sub, "saveconfig") && argc == 2) {
        if (clusterSaveConfig(1) == C_OK) addReply(c, shared.ok);
        else addReplyErrorFormat(c, "error saving the cluster node config: %s", strerror(errno));
    } else if (!strcasecmp(sub, "keyslot") && argc == 3) {
        sds key = c->argv[2]->ptr;
        addReplyLongLong(c, keyHashSlot(key, (int)sdslen(key)));
    } else if (!strcasecmp(sub, "countkeysinslot") && argc == 3) {
        long long slot;
        if (getLongLongFromObjectOrReply(c, c->argv[2], &slot, NULL) != C_OK) return;
        if (slot < 0 || slot >= CLUSTER_SLOTS) {
            addReplyError(c, "Invalid slot");
            return;
        }
        addReplyLongLong(c, countKeysInSlot((unsigned int)slot));
    } else if (!strcasecmp(sub, "getkeysinslot") && argc == 4) {
        long long slot, maxkeys;
        if (getLongLongFromObjectOrReply(c, c->argv[2], &slot, NULL) != C_OK) return;
        if (getLongLongFromObjectOrReply(c, c->argv[3], &maxkeys, NULL) != C_OK) return;
        if (slot < 0 || slot >= CLUSTER_SLOTS || maxkeys < 0) {
            addReplyError(c, "Invalid slot or number of keys");
            return;
        }
        unsigned int n = countKeysInSlot((unsigned int)slot);
        if ((long long)n > maxkeys) n = (unsigned int)maxkeys;
        addReplyArrayLen(c, n);
        if (n) {
            dictIterator *di = dictGetIterator(cluster->slot_keys[slot]);
            dictEntry *de;
            while (n-- && (de = dictNext(di)) != NULL) {
                sds k = dictGetKey(de);
                addReplyBulkCBuffer(c, k, sdslen(k));
            }
            dictReleaseIterator(di);
        }
    } else if (!strcasecmp(sub, "forget") && argc == 3) {
        clusterNode *n = lookupNodeArg(c->argv[2]);
        if (!n) {
            addReplyErrorFormat(c, "Unknown node %s", (char *)c->argv[2]->ptr);
            return;
        } else if (n == myself) {
            addReplyError(c, "I tried hard but I can't forget myself...");
            return;
        } else if (nodeIsSlave(myself) && myself->slaveof == n) {
            addReplyError(c, "Can't forget my master!");
            return;
        }
        clusterBlacklistAddNode(n);
        clusterDelNode(n);
        clusterDoBeforeSleep(CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE_CONFIG);
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "replicate") && argc == 3) {
        clusterReplicateCommand(c);
    } else if ((!strcasecmp(sub, "slaves") || !strcasecmp(sub, "replicas")) && argc == 3) {
        clusterReplicasCommand(c);
    } else if (!strcasecmp(sub, "count-failure-reports") && argc == 3) {
        clusterNode *n = lookupNodeArg(c->argv[2]);
        if (!n) {
            addReplyErrorFormat(c, "Unknown node %s", (char *)c->argv[2]->ptr);
            return;
        }
        addReplyLongLong(c, clusterNodeFailureReportsCount(n));
    } else if (!strcasecmp(sub, "failover") && (argc == 2 || argc == 3)) {
        clusterFailoverCommand(c);
    } else if (!strcasecmp(sub, "set-config-epoch") && argc == 3) {
        long long epoch;
        if (getLongLongFromObjectOrReply(c, c->argv[2], &epoch, NULL) != C_OK) return;
        if (epoch < 0) {
            addReplyErrorFormat(c, "Invalid config epoch specified: %lld", epoch);
        } else if (dictSize(cluster->nodes) > 1) {
            addReplyError(c, "The user can assign a config epoch only when the node does not know any other node.");
        } else if (myself->configEpoch != 0) {
            addReplyError(c, "Node config epoch is already non-zero");
        } else {
            myself->configEpoch = (uint64_t)epoch;
            serverLog(LL_WARNING, "configEpoch set to %llu via CLUSTER SET-CONFIG-EPOCH",
                      (unsigned long long)myself->configEpoch);
            if (cluster->currentEpoch < (uint64_t)epoch) cluster->currentEpoch = (uint64_t)epoch;
            clusterDoBeforeSleep(CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_SAVE_CONFIG);
            addReply(c, shared.ok);
        }
    } else if (!strcasecmp(sub, "reset") && (argc == 2 || argc == 3)) {
        int hard = 0;
        if (argc == 3) {
            if (!strcasecmp(c->argv[2]->ptr, "hard")) hard = 1;
            else if (!strcasecmp(c->argv[2]->ptr, "soft")) hard = 0;
            else {
                addReplyErrorObject(c, shared.syntaxerr);
                return;
            }
        }
        if (nodeIsMaster(myself) && dictSize(c->db->dict) != 0) {
            addReplyError(c, "CLUSTER RESET can't be called with master nodes containing keys");
            return;
        }
        clusterReset(hard);
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "links") && argc == 2) {
        clusterRenderLinks(c);
    } else {
        addReplySubcommandSyntaxError(c);
    }
}

/* ---------------------------------------------------------------------------
 * ASKING / READONLY / READWRITE
 * ------------------------------------------------------------------------ */

void askingCommand(client *c) {
    if (!server.cluster_enabled) {
        addReplyError(c, "This instance has cluster support disabled");
        return;
    }
    c->flags |= CLIENT_ASKING;
    addReply(c, shared.ok);
}

void readonlyCommand(client *c) {
    if (!server.cluster_enabled) {
        addReplyError(c, "This instance has cluster support disabled");
        return;
    }
    c->flags |= CLIENT_READONLY;
    addReply(c, shared.ok);
}

void readwriteCommand(client *c) {
    if (!server.cluster_enabled) {
        addReplyError(c, "This instance has cluster support disabled");
        return;
    }
    c->flags &= ~CLIENT_READONLY;
    addReply(c, shared.ok);
}
