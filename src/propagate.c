/* propagate.c - where executed writes go: the AOF and (later) replicas.
 *
 * call() queues each command that changed the dataset (argv as rewritten
 * for propagation), and the code it runs queues side effects (DEL of
 * expired keys, ...) with alsoPropagate(). When the outermost call ends
 * the queue is emitted; more than one entry (EXEC, a command that also
 * expired keys) is wrapped in MULTI/EXEC so the targets apply it
 * atomically. Effects outside any command (active expiry, eviction in the
 * cron) are emitted at once.
 *
 * Targets: feedAppendOnlyFile (aof.c) and replicationFeedReplicas, a weak
 * hook the replication module defines.
 */
#include "server.h"
#include "aof.h"

#pragma weak replicationFeedReplicas
#pragma weak replicationHasFeedTargets

typedef struct pendingOp {
    int dbid, argc, target;
    robj **argv;
} pendingOp;

static pendingOp *pending;
static int pending_count, pending_cap;

static void propagateNow(int dbid, robj **argv, int argc, int target) {
    if ((target & CMD_CALL_PROPAGATE_AOF) && aofIsOn()) feedAppendOnlyFile(dbid, argv, argc);
    if ((target & CMD_CALL_PROPAGATE_REPL) && replicationFeedReplicas)
        replicationFeedReplicas(dbid, argv, argc);
}

/* The part of target that has a consumer right now. Without AOF and without
 * a backlog or replicas (the usual standalone set-up) a write goes nowhere,
 * and queueing it (an argv copy, references taken and dropped) would cost
 * every write for nothing; a consumer appearing later starts from a
 * snapshot (AOF rewrite, full sync), never from this stream. */
static int targetsWithConsumers(int target) {
    if ((target & CMD_CALL_PROPAGATE_AOF) && !aofIsOn()) target &= ~CMD_CALL_PROPAGATE_AOF;
    if ((target & CMD_CALL_PROPAGATE_REPL) &&
        !(replicationHasFeedTargets && replicationHasFeedTargets()))
        target &= ~CMD_CALL_PROPAGATE_REPL;
    return target;
}

void alsoPropagate(int dbid, robj **argv, int argc, int target) {
    if (server.loading) return;
    target = targetsWithConsumers(target);
    if (!target) return;
    if (server.in_nested_call == 0) {
        propagateNow(dbid, argv, argc, target);
        return;
    }
    if (pending_count == pending_cap) {
        pending_cap = pending_cap ? pending_cap * 2 : 16;
        pending = zrealloc(pending, sizeof(pendingOp) * pending_cap);
    }
    pendingOp *op = pending + pending_count++;
    op->dbid = dbid;
    op->argc = argc;
    op->target = target;
    op->argv = zmalloc(sizeof(robj *) * argc);
    for (int j = 0; j < argc; j++) {
        op->argv[j] = argv[j];
        incrRefCount(argv[j]);
    }
}

void propagatePendingCommands(void) {
    if (pending_count == 0) return;
    int transaction = pending_count > 1, target = 0;
    for (int i = 0; i < pending_count; i++) target |= pending[i].target;
    if (transaction) propagateNow(pending[0].dbid, &shared.multi, 1, target);
    for (int i = 0; i < pending_count; i++)
        propagateNow(pending[i].dbid, pending[i].argv, pending[i].argc, pending[i].target);
    /* EXEC applies where the last command left the replica: no SELECT
     * before it (as stock), even when the transaction changed database. */
    if (transaction) propagateNow(-1, &shared.exec, 1, target);
    for (int i = 0; i < pending_count; i++) {
        for (int j = 0; j < pending[i].argc; j++) decrRefCount(pending[i].argv[j]);
        zfree(pending[i].argv);
    }
    pending_count = 0;
}
