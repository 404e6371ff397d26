/* cluster_failover.c - failovers: votes, elections, manual failover.
 *
 * When a master FAILs, its replicas run an election: each waits a delay
 * that grows with its rank (replicas with more data go first), then bumps
 * currentEpoch and asks every master for a vote (FAILOVER_AUTH_REQUEST).
 * A master votes once per epoch (clusterSendFailoverAuthIfNeeded); the
 * replica that gathers a majority of the slot-serving masters takes its
 * master's slots with the new epoch, which then wins everywhere by the
 * usual configEpoch rule. A manual failover (CLUSTER FAILOVER on a
 * replica) first asks the master to pause writes (MFSTART) and waits until
 * it has processed the master's whole stream, then runs the election with
 * FORCEACK so masters vote although the master is up.
 *
 * Both sides speak to stock nodes: our masters elect stock replicas and
 * pause for their manual failovers; our replicas run elections among
 * stock masters. How much data a replica has comes from replication.c
 * through weak hooks (replicationGetSlaveOffset, replicationMasterDataAgeMs);
 * without it a replica's data counts as infinitely old, so only
 * cluster-replica-validity-factor 0 lets it fail over (as stock does for a
 * replica that never synced).
 */
#include "server.h"

#define myself (cluster->myself)

#pragma weak replicationGetSlaveOffset
#pragma weak replicationMasterDataAgeMs
#pragma weak replicationUnsetMaster

#define CLUSTER_CANT_FAILOVER_NONE 0
#define CLUSTER_CANT_FAILOVER_DATA_AGE 1
#define CLUSTER_CANT_FAILOVER_WAITING_DELAY 2
#define CLUSTER_CANT_FAILOVER_EXPIRED 3
#define CLUSTER_CANT_FAILOVER_WAITING_VOTES 4
#define CLUSTER_CANT_FAILOVER_RELOG_PERIOD 10  /* seconds */

static long long mySlaveOffset(void) {
    return replicationGetSlaveOffset ? replicationGetSlaveOffset() : 0;
}

/* ---------------------------------------------------------------------------
 * Manual failover state (both sides)
 * ------------------------------------------------------------------------ */

void resetManualFailover(void) {
    /* Only a master sets mf_slave, but it may already be a replica by now
     * (clusterSetMaster resets after the role flip): unpause either way. */
    if (cluster->mf_slave) unpauseClients(PAUSE_DURING_FAILOVER);
    cluster->mf_end = 0;
    cluster->mf_slave = NULL;
    cluster->mf_can_start = 0;
    cluster->mf_master_offset = -1;
}

void manualFailoverCheckTimeout(void) {
    if (cluster->mf_end && cluster->mf_end < mstime()) {
        serverLog(LL_WARNING, "Manual failover timed out.");
        resetManualFailover();
    }
}

/* Master side: a replica of ours sent MFSTART (CLUSTER FAILOVER on it).
 * Stop writes and ping it with the PAUSED flag and our offset, so it knows
 * when it has all our data. */
void clusterProcessMFStart(clusterLink *link, clusterNode *sender) {
    if (sender->slaveof != myself) return;
    mstime_t now = mstime();
    resetManualFailover();
    cluster->mf_end = now + CLUSTER_MF_TIMEOUT;
    cluster->mf_slave = sender;
    pauseClients(PAUSE_DURING_FAILOVER, now + CLUSTER_MF_TIMEOUT * CLUSTER_MF_PAUSE_MULT, PAUSE_WRITE);
    serverLog(LL_WARNING, "Manual failover requested by replica %.40s.", sender->name);
    clusterSendPing(link, CBUS_PING);
}

/* Replica side: our master answered MFSTART with a paused ping. */
void clusterNoteMasterPausedOffset(clusterNode *sender, const cbusHeader *h) {
    if (cluster->mf_end && nodeIsSlave(myself) && myself->slaveof == sender &&
        (h->mflags[0] & CBUS_MFLAG_PAUSED) && cluster->mf_master_offset == -1) {
        cluster->mf_master_offset = sender->repl_offset;
        clusterDoBeforeSleep(CLUSTER_TODO_HANDLE_MANUALFAILOVER);
        serverLog(LL_WARNING, "Received replication offset for paused master manual failover: %lld",
                  cluster->mf_master_offset);
    }
}

/* Replica side: the election may start once we processed everything the
 * paused master sent. */
void clusterHandleManualFailover(void) {
    if (cluster->mf_end == 0 || cluster->mf_can_start || cluster->mf_master_offset == -1) return;
    if (cluster->mf_master_offset == mySlaveOffset()) {
        cluster->mf_can_start = 1;
        serverLog(LL_WARNING, "All master replication stream processed, manual failover can start.");
        clusterDoBeforeSleep(CLUSTER_TODO_HANDLE_FAILOVER);
    }
}

/* CLUSTER FAILOVER [FORCE|TAKEOVER] on a replica (preconditions checked by
 * the caller). TAKEOVER needs nobody: a new epoch and the slots are ours.
 * FORCE skips waiting for the master. */
int clusterStartManualFailover(client *c, int force, int takeover) {
    (void)c;
    mstime_t now = mstime();
    resetManualFailover();
    cluster->mf_end = now + CLUSTER_MF_TIMEOUT;
    if (takeover) {
        serverLog(LL_WARNING, "Taking over the master (user request).");
        clusterBumpConfigEpochWithoutConsensus();
        clusterFailoverReplaceYourMaster();
    } else if (force) {
        serverLog(LL_WARNING, "Forced failover user request accepted.");
        cluster->mf_can_start = 1;
    } else {
        serverLog(LL_WARNING, "Manual failover user request accepted.");
        cbusHeader h;
        clusterBuildHeader(&h);
        size_t len;
        unsigned char *msg = cbusBuildEmpty(&h, CBUS_MFSTART, &len);
        clusterSendMessage(myself->slaveof->link, msg, len);
        zfree(msg);
    }
    return C_OK;
}

/* ---------------------------------------------------------------------------
 * Votes (master side)
 * ------------------------------------------------------------------------ */

static void clusterSendFailoverAuth(clusterNode *node) {
    if (!node->link) return;
    cbusHeader h;
    clusterBuildHeader(&h);
    size_t len;
    unsigned char *msg = cbusBuildEmpty(&h, CBUS_AUTH_ACK, &len);
    clusterSendMessage(node->link, msg, len);
    zfree(msg);
}

/* A replica asks the masters to vote for its promotion. As a master
 * serving slots we grant at most one vote per epoch, only for a replica
 * whose master has FAILed (or with FORCEACK, a manual failover), not twice
 * for the same master within 2 x node timeout, and only if none of the
 * slots it claims is held with a newer config epoch. Granting is what lets
 * a stock replica of one of our masters take over when that master dies. */
void clusterSendFailoverAuthIfNeeded(clusterNode *node, const cbusHeader *req) {
    clusterNode *master = node->slaveof;
    int force_ack = req->mflags[0] & CBUS_MFLAG_FORCEACK;
    if (nodeIsSlave(myself) || myself->numslots == 0) return;
    if (req->current_epoch < cluster->currentEpoch) {
        serverLog(LL_WARNING, "Failover auth denied to %.40s: reqEpoch (%llu) < curEpoch(%llu)",
                  node->name, (unsigned long long)req->current_epoch,
                  (unsigned long long)cluster->currentEpoch);
        return;
    }
    if (cluster->lastVoteEpoch == cluster->currentEpoch) {
        serverLog(LL_WARNING, "Failover auth denied to %.40s: already voted for epoch %llu",
                  node->name, (unsigned long long)cluster->currentEpoch);
        return;
    }
    if (nodeIsMaster(node) || master == NULL || (!nodeFailed(master) && !force_ack)) {
        if (nodeIsMaster(node))
            serverLog(LL_WARNING, "Failover auth denied to %.40s: it is a master node", node->name);
        else if (master == NULL)
            serverLog(LL_WARNING, "Failover auth denied to %.40s: I don't know its master", node->name);
        else
            serverLog(LL_WARNING, "Failover auth denied to %.40s: its master is up", node->name);
        return;
    }
    mstime_t since = mstime() - master->voted_time;
    if (since < server.cluster_node_timeout * 2) {
        serverLog(LL_WARNING, "Failover auth denied to %.40s: can't vote about this master before %lld milliseconds",
                  node->name, (long long)(server.cluster_node_timeout * 2 - since));
        return;
    }
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (!cbusSlotIsSet(req->myslots, j)) continue;
        if (cluster->slots[j] == NULL || cluster->slots[j]->configEpoch <= req->config_epoch) continue;
        serverLog(LL_WARNING, "Failover auth denied to %.40s: slot %d epoch (%llu) > reqEpoch (%llu)",
                  node->name, j, (unsigned long long)cluster->slots[j]->configEpoch,
                  (unsigned long long)req->config_epoch);
        return;
    }
    cluster->lastVoteEpoch = cluster->currentEpoch;
    master->voted_time = mstime();
    clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG | CLUSTER_TODO_FSYNC_CONFIG);
    clusterSendFailoverAuth(node);
    serverLog(LL_WARNING, "Failover auth granted to %.40s for epoch %llu",
              node->name, (unsigned long long)cluster->currentEpoch);
}

/* ---------------------------------------------------------------------------
 * Elections (replica side)
 * ------------------------------------------------------------------------ */

void clusterProcessFailoverAuthAck(clusterNode *sender, const cbusHeader *h) {
    /* Only votes of slot-serving masters for this election count. */
    if (nodeIsMaster(sender) && sender->numslots > 0 &&
        h->current_epoch >= cluster->failover_auth_epoch) {
        cluster->failover_auth_count++;
        clusterDoBeforeSleep(CLUSTER_TODO_HANDLE_FAILOVER);
    }
}

static void clusterRequestFailoverAuth(void) {
    cbusHeader h;
    clusterBuildHeader(&h);
    /* In a manual failover the master is up: masters must vote anyway. */
    if (cluster->mf_end) h.mflags[0] |= CBUS_MFLAG_FORCEACK;
    size_t len;
    unsigned char *msg = cbusBuildEmpty(&h, CBUS_AUTH_REQUEST, &len);
    clusterBroadcastMessage(msg, len);
    zfree(msg);
}

/* 0 for the replica with the most data; ties keep the same rank. */
static int clusterGetSlaveRank(void) {
    clusterNode *master = myself->slaveof;
    if (!master) return 0;
    long long myoffset = mySlaveOffset();
    int rank = 0;
    for (int j = 0; j < master->numslaves; j++) {
        clusterNode *n = master->slaves[j];
        if (n != myself && !(n->flags & CLUSTER_NODE_NOFAILOVER) && n->repl_offset > myoffset) rank++;
    }
    return rank;
}

static void clusterLogCantFailover(int reason) {
    mstime_t nolog_fail_time = server.cluster_node_timeout + 5000;
    if (reason == cluster->cant_failover_reason &&
        time(NULL) - cluster->cant_failover_lastlog < CLUSTER_CANT_FAILOVER_RELOG_PERIOD) return;
    cluster->cant_failover_reason = reason;
    /* Right after the master failed the reason is obvious: stay quiet. */
    if (myself->slaveof && nodeFailed(myself->slaveof) &&
        mstime() - myself->slaveof->fail_time < nolog_fail_time) return;
    const char *msg;
    switch (reason) {
    case CLUSTER_CANT_FAILOVER_DATA_AGE:
        msg = "Disconnected from master for longer than allowed. Please check the 'cluster-replica-validity-factor' configuration option.";
        break;
    case CLUSTER_CANT_FAILOVER_WAITING_DELAY: msg = "Waiting the delay before I can start a new failover."; break;
    case CLUSTER_CANT_FAILOVER_EXPIRED: msg = "Failover attempt expired."; break;
    case CLUSTER_CANT_FAILOVER_WAITING_VOTES: msg = "Waiting for votes, but majority still not reached."; break;
    default: msg = "Unknown reason code."; break;
    }
    cluster->cant_failover_lastlog = time(NULL);
    serverLog(LL_WARNING, "Currently unable to failover: %s", msg);
}

/* We won: become a master with our old master's slots. */
void clusterFailoverReplaceYourMaster(void) {
    clusterNode *oldmaster = myself->slaveof;
    if (nodeIsMaster(myself) || oldmaster == NULL) return;
    clusterSetNodeAsMaster(myself);
    if (replicationUnsetMaster) replicationUnsetMaster();
    for (int j = 0; j < CLUSTER_SLOTS; j++) {
        if (clusterNodeGetSlotBit(oldmaster, j)) {
            clusterDelSlot(j);
            clusterAddSlot(myself, j);
        }
    }
    clusterUpdateState();
    clusterSaveConfigOrDie(1);
    clusterBroadcastPong();
    resetManualFailover();
    /* This election is over. Its votes must not count again: after a
     * failback we are a replica once more, and if our master then fails
     * the stale count would "win" at once with the old epoch, a claim
     * every other node rejects (its slots have a newer epoch). */
    cluster->failover_auth_time = 0;
    cluster->failover_auth_count = 0;
    cluster->failover_auth_sent = 0;
}

/* Run from the cron and before sleeping on a replica. */
void clusterHandleSlaveFailover(void) {
    mstime_t now = mstime();
    int needed_quorum = cluster->size / 2 + 1;
    int manual = cluster->mf_end != 0 && cluster->mf_can_start;
    mstime_t auth_timeout = server.cluster_node_timeout * 2;
    if (auth_timeout < 2000) auth_timeout = 2000;
    mstime_t auth_retry_time = auth_timeout * 2;

    if (nodeIsMaster(myself) || myself->slaveof == NULL ||
        (!nodeFailed(myself->slaveof) && !manual) ||
        (server.cluster_slave_no_failover && !manual) ||
        myself->slaveof->numslots == 0) {
        cluster->cant_failover_reason = CLUSTER_CANT_FAILOVER_NONE;
        return;
    }

    /* How old our data is; past the limit we must not take over. */
    long long data_age = replicationMasterDataAgeMs ? replicationMasterDataAgeMs() : LLONG_MAX / 4;
    if (data_age > server.cluster_node_timeout) data_age -= server.cluster_node_timeout;
    if (server.cluster_slave_validity_factor &&
        data_age > (long long)server.repl_ping_slave_period * 1000 +
                   server.cluster_node_timeout * server.cluster_slave_validity_factor) {
        if (!manual) {
            clusterLogCantFailover(CLUSTER_CANT_FAILOVER_DATA_AGE);
            return;
        }
    }

    /* Time for a new attempt: schedule it after a random delay plus one
     * second per rank, so the best replica usually goes first. */
    if (now - cluster->failover_auth_time > auth_retry_time) {
        cluster->failover_auth_time = now + 500 + random() % 500;
        cluster->failover_auth_count = 0;
        cluster->failover_auth_sent = 0;
        cluster->failover_auth_rank = clusterGetSlaveRank();
        cluster->failover_auth_time += cluster->failover_auth_rank * 1000;
        if (cluster->mf_end) {
            cluster->failover_auth_time = now;
            cluster->failover_auth_rank = 0;
            clusterDoBeforeSleep(CLUSTER_TODO_HANDLE_FAILOVER);
        }
        serverLog(LL_WARNING, "Start of election delayed for %lld milliseconds (rank #%d, offset %lld).",
                  (long long)(cluster->failover_auth_time - now), cluster->failover_auth_rank,
                  mySlaveOffset());
        /* Tell the other replicas our offset, for their ranks. */
        clusterBroadcastPong();
        return;
    }

    /* A better replica showed up meanwhile: wait longer. */
    if (cluster->failover_auth_sent == 0 && cluster->mf_end == 0) {
        int newrank = clusterGetSlaveRank();
        if (newrank > cluster->failover_auth_rank) {
            long long added = (newrank - cluster->failover_auth_rank) * 1000;
            cluster->failover_auth_time += added;
            cluster->failover_auth_rank = newrank;
            serverLog(LL_WARNING, "Replica rank updated to #%d, added %lld milliseconds of delay.",
                      newrank, added);
        }
    }

    if (now < cluster->failover_auth_time) {
        clusterLogCantFailover(CLUSTER_CANT_FAILOVER_WAITING_DELAY);
        return;
    }
    if (now - cluster->failover_auth_time > auth_timeout) {
        clusterLogCantFailover(CLUSTER_CANT_FAILOVER_EXPIRED);
        return;
    }

    if (cluster->failover_auth_sent == 0) {
        cluster->currentEpoch++;
        cluster->failover_auth_epoch = cluster->currentEpoch;
        serverLog(LL_WARNING, "Starting a failover election for epoch %llu.",
                  (unsigned long long)cluster->currentEpoch);
        clusterRequestFailoverAuth();
        cluster->failover_auth_sent = 1;
        clusterDoBeforeSleep(CLUSTER_TODO_SAVE_CONFIG | CLUSTER_TODO_UPDATE_STATE | CLUSTER_TODO_FSYNC_CONFIG);
        return;
    }

    if (cluster->failover_auth_count >= needed_quorum) {
        serverLog(LL_WARNING, "Failover election won: I'm the new master.");
        if (myself->configEpoch < cluster->failover_auth_epoch) {
            myself->configEpoch = cluster->failover_auth_epoch;
            serverLog(LL_WARNING, "configEpoch set to %llu after successful failover",
                      (unsigned long long)myself->configEpoch);
        }
        clusterFailoverReplaceYourMaster();
    } else {
        clusterLogCantFailover(CLUSTER_CANT_FAILOVER_WAITING_VOTES);
    }
}
