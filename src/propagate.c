/* propagate.c - what commands send to the AOF and the replicas.
 *
 * A command (or the keyspace, for expired and evicted keys) queues the
 * commands to propagate with alsoPropagate(); call() adds the executed
 * command itself once it has run. When the top-level command returns, the
 * queue is flushed: more than one command goes out wrapped in MULTI/EXEC
 * so replicas apply it atomically (as 7.0 does). Outside any command
 * (active expiry, eviction from the cron) each command goes out at once.
 * The consumers are replicationFeedSlaves (replication.c) and, when it
 * exists, feedAppendOnlyFile (AOF), both weak here.
 */
#include "server.h"

#pragma weak feedAppendOnlyFile
#pragma weak replicationFeedSlaves

typedef struct propagatedOp {
    int dbid;
    int argc;
    int target;
    robj **argv;
} propagatedOp;

static propagatedOp *pending_ops;
static int pending_count, pending_alloc;

static void propagateNow(int dbid, robj **argv, int argc, int target) {
    if ((target & CMD_CALL_PROPAGATE_AOF) && server.aof_enabled && feedAppendOnlyFile)
        feedAppendOnlyFile(dbid, argv, argc);
    if ((target & CMD_CALL_PROPAGATE_REPL) && replicationFeedSlaves)
        replicationFeedSlaves(server.slaves, dbid, argv, argc);
}

void alsoPropagate(int dbid, robj **argv, int argc, int target) {
    if (server.loading || !target) return;
    if (pending_count == pending_alloc) {
        pending_alloc = pending_alloc ? pending_alloc * 2 : 16;
        pending_ops = zrealloc(pending_ops, sizeof(propagatedOp) * pending_alloc);
    }
    propagatedOp *op = pending_ops + pending_count++;
    op->dbid = dbid;
    op->argc = argc;
    op->target = target;
    op->argv = zmalloc(sizeof(robj *) * argc);
    for (int j = 0; j < argc; j++) {
        op->argv[j] = argv[j];
        incrRefCount(argv[j]);
    }
    if (server.in_nested_call == 0) propagatePendingCommands();
}

void propagatePendingCommands(void) {
    if (pending_count == 0) return;
    /* Commands touching arbitrary keys run directly (FLUSHALL & co.) are
     * atomic on their own, as with active expiry. */
    int transaction = pending_count > 1;
    client *cur = server.current_client;
    if (cur && cur->cmd && (cur->cmd->flags & CMD_TOUCHES_ARBITRARY_KEYS)) transaction = 0;
    /* dbid -1: the SELECT, if needed, goes inside the transaction. */
    if (transaction) propagateNow(-1, &shared.multi, 1, CMD_CALL_PROPAGATE);
    for (int j = 0; j < pending_count; j++) {
        propagatedOp *op = pending_ops + j;
        propagateNow(op->dbid, op->argv, op->argc, op->target);
    }
    if (transaction) propagateNow(-1, &shared.exec, 1, CMD_CALL_PROPAGATE);
    for (int j = 0; j < pending_count; j++) {
        propagatedOp *op = pending_ops + j;
        for (int k = 0; k < op->argc; k++) decrRefCount(op->argv[k]);
        zfree(op->argv);
    }
    pending_count = 0;
}
