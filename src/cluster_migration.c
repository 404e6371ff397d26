/* cluster_migration.c - replica migration to orphaned masters.
 *
 * A master that serves slots and is supposed to have replicas (it had one,
 * or it took over from a master that had some: the MIGRATE_TO flag) but
 * has no working replica left is "orphaned": one more failure loses its
 * slots. With cluster-allow-replica-migration yes, a replica of the master
 * that has the most working replicas gives one away: among those replicas
 * only the one with the smallest node id moves, only while its own master
 * keeps more than cluster-migration-barrier working replicas after it left,
 * and only once the target has been orphaned for a while (during a failover
 * the orphan's own replicas need a moment to announce their new master).
 * Every replica runs the same deterministic choice on the same gossip, so
 * at most one of them moves, and stock 7.0 replicas choose alike: a mixed
 * cluster migrates once too.
 */
#include "server.h"

#define myself (cluster->myself)

/* How long a master must stay orphaned before a replica moves to it. */
#define CLUSTER_REPLICA_MIGRATION_DELAY 5000

/* Replicas of master not flagged FAIL (a PFAIL one still counts: the
 * cluster has not agreed it is gone). */
static int workingReplicas(clusterNode *master) {
    int ok = 0;
    for (int j = 0; j < master->numslaves; j++)
        if (!nodeFailed(master->slaves[j])) ok++;
    return ok;
}

/* Replicas of master neither FAIL nor PFAIL: what our own master keeps
 * must be beyond doubt before we leave it. */
static int healthyReplicas(clusterNode *master) {
    int ok = 0;
    for (int j = 0; j < master->numslaves; j++)
        if (!nodeFailed(master->slaves[j]) && !nodeTimedOut(master->slaves[j])) ok++;
    return ok;
}

static int masterIsOrphaned(clusterNode *n) {
    return nodeIsMaster(n) && !nodeFailed(n) && (n->flags & CLUSTER_NODE_MIGRATE_TO) &&
           workingReplicas(n) == 0;
}

/* A master getting its first slot is a migration target from the start
 * when other masters have replicas to spare (clusterNodeSetSlotBit). */
int clusterAnyMasterHasReplicas(void) {
    dictIterator *di = dictGetIterator(cluster->nodes);
    dictEntry *de;
    int found = 0;
    while (!found && (de = dictNext(di)) != NULL) {
        clusterNode *n = dictGetVal(de);
        if (nodeIsMaster(n) && n->numslaves > 0) found = 1;
    }
    dictReleaseIterator(di);
    return found;
}

/* What one look at the node table tells: is there an orphan to help, the
 * largest number of working replicas a live master has, and how many our
 * master has. */
typedef struct migrationSurvey {
    int orphans;
    int max_replicas;
    int my_master_replicas;
} migrationSurvey;

static void surveyMasters(migrationSurvey *s) {
    memset(s, 0, sizeof(*s));
    dictIterator *di = dictGetIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *n = dictGetVal(de);
        if (n->flags & (CLUSTER_NODE_MYSELF | CLUSTER_NODE_NOADDR | CLUSTER_NODE_HANDSHAKE)) continue;
        if (!nodeIsMaster(n) || nodeFailed(n)) continue;
        int ok = workingReplicas(n);
        if (ok == 0 && n->numslots > 0 && (n->flags & CLUSTER_NODE_MIGRATE_TO)) s->orphans++;
        if (ok > s->max_replicas) s->max_replicas = ok;
        if (myself->slaveof == n) s->my_master_replicas = ok;
    }
    dictReleaseIterator(di);
}

/* Picks the orphan to serve (the first one with slots) and tells whether
 * we are the replica that should move: the smallest id among the working
 * replicas of the masters that have max_replicas. FAILed replicas are left
 * out of the choice, since they cannot move anyway. Also keeps each
 * master's orphaned_time: when it became orphaned, 0 while it is not. */
static clusterNode *pickTarget(int max_replicas, int *we_are_candidate) {
    clusterNode *target = NULL;
    clusterNode *candidate = myself;
    dictIterator *di = dictGetSafeIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *n = dictGetVal(de);
        if (masterIsOrphaned(n)) {
            if (target == NULL && n->numslots > 0) target = n;
            if (n->orphaned_time == 0) n->orphaned_time = mstime();
        } else {
            n->orphaned_time = 0;
        }
        if (!nodeIsMaster(n) || workingReplicas(n) != max_replicas) continue;
        for (int j = 0; j < n->numslaves; j++) {
            clusterNode *r = n->slaves[j];
            if (nodeFailed(r)) continue;
            if (memcmp(r->name, candidate->name, CLUSTER_NAMELEN) < 0) candidate = r;
        }
    }
    dictReleaseIterator(di);
    *we_are_candidate = candidate == myself;
    return target;
}

/* From clusterCron on a replica. */
void clusterHandleReplicaMigration(void) {
    if (!nodeIsSlave(myself) || myself->slaveof == NULL) return;
    if (!server.cluster_allow_replica_migration) return;
    migrationSurvey s;
    surveyMasters(&s);
    /* Only a master with two or more working replicas has one to give,
     * and only the replicas of the richest masters consider moving. */
    if (s.orphans == 0 || s.max_replicas < 2 || s.my_master_replicas != s.max_replicas) return;
    if (cluster->state != CLUSTER_OK) return;
    if (healthyReplicas(myself->slaveof) <= server.cluster_migration_barrier) return;

    int candidate;
    clusterNode *target = pickTarget(s.max_replicas, &candidate);
    if (target == NULL || !candidate) return;
    if (mstime() - target->orphaned_time <= CLUSTER_REPLICA_MIGRATION_DELAY) return;
    serverLog(LL_NOTICE, "Migrating to orphaned master %.40s", target->name);
    clusterSetMaster(target);
}
