/* zset_blocking.c - BZPOPMIN, BZPOPMAX and BZMPOP: the blocking forms of
 * the sorted set pops, on top of blocked.c.
 *
 * A command that finds a non-empty sorted set pops right away through
 * t_zset.c's zsetPopGeneric and is propagated as the ZPOPMIN/ZPOPMAX it
 * amounts to; otherwise the client blocks (unless it may not: MULTI,
 * scripts, which get a null array as if timed out). A blocked client
 * keeps its argv, so zsetServeWaiter reads back from it what it asked for
 * (side, count, reply shape) when a key it waits on gets a sorted set.
 */
#include "server.h"

void bzpopminCommand(client *c);
void bzpopmaxCommand(client *c);
void bzmpopCommand(client *c);

/* What a blocked BZPOPMIN/BZPOPMAX/BZMPOP asked for, from its argv. */
typedef struct zsetWait {
    int where;     /* ZSET_MIN / ZSET_MAX */
    long count;    /* -1: the BZPOP form (no COUNT, flat reply) */
    int nested;    /* BZMPOP's [key, [[member, score]..]] reply */
} zsetWait;

static void zsetWaitFromArgv(client *c, zsetWait *w) {
    if (c->cmd->proc == bzmpopCommand) {
        /* BZMPOP timeout numkeys key.. MIN|MAX [COUNT n], validated when
         * the client blocked. */
        long long numkeys = 0, cnt = 1;
        getLongLongFromObject(c->argv[2], &numkeys);
        w->where = strcasecmp(c->argv[3 + numkeys]->ptr, "min") ? ZSET_MAX : ZSET_MIN;
        if (c->argc > 4 + numkeys) getLongLongFromObject(c->argv[5 + numkeys], &cnt);
        w->count = (long)cnt;
        w->nested = 1;
    } else {
        w->where = c->cmd->proc == bzpopminCommand ? ZSET_MIN : ZSET_MAX;
        w->count = -1;
        w->nested = 0;
    }
}

static int zsetServeWaiter(client *c, robj *key, robj *o) {
    if (zsetLength(o) == 0) return 0;
    zsetWait w;
    zsetWaitFromArgv(c, &w);
    robj *popped;
    long n = zsetPopGeneric(c, &key, 1, w.where, 1, w.count, w.nested, 0, &popped);
    /* The client's argv stays as it was (it is the blocked command): the
     * pop goes to the AOF and replicas as a command of its own. */
    if (n > 0) zsetPropagatePop(c, popped, w.where, w.count == -1 ? -1 : n, 1);
    return 1;
}

static const blockType zsetBlockType = {"zset", OBJ_ZSET, zsetServeWaiter, NULL, NULL};

/* Pop from the first non-empty key or block on all of them. count -1 is
 * the BZPOPMIN/BZPOPMAX form. */
static void zsetBlockingPop(client *c, robj **keys, int numkeys, int where,
                            robj *timeout_arg, long count, int nested) {
    mstime_t timeout;
    if (getTimeoutFromObjectOrReply(c, timeout_arg, &timeout, UNIT_SECONDS) != C_OK) return;
    for (int j = 0; j < numkeys; j++) {
        robj *o = lookupKeyWrite(c->db, keys[j]);
        if (o == NULL) continue;
        if (checkType(c, o, OBJ_ZSET)) return;
        if (zsetLength(o) == 0) continue;
        robj *popped;
        long n = zsetPopGeneric(c, &keys[j], 1, where, 1, count, nested, 0, &popped);
        if (n > 0) zsetPropagatePop(c, popped, where, count == -1 ? -1 : n, 0);
        return;
    }
    if (clientDeniesBlocking(c)) {
        addReplyNullArray(c);
        return;
    }
    blockForKeys(c, &zsetBlockType, keys, numkeys, timeout);
}

/* BZPOPMIN/BZPOPMAX key [key ...] timeout */
void bzpopminCommand(client *c) {
    zsetBlockingPop(c, c->argv + 1, c->argc - 2, ZSET_MIN, c->argv[c->argc - 1], -1, 0);
}

void bzpopmaxCommand(client *c) {
    zsetBlockingPop(c, c->argv + 1, c->argc - 2, ZSET_MAX, c->argv[c->argc - 1], -1, 0);
}

/* BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count] */
void bzmpopCommand(client *c) {
    long numkeys, count;
    int where;
    if (zsetParseMpopArgs(c, 2, &numkeys, &where, &count) != C_OK) return;
    zsetBlockingPop(c, c->argv + 3, (int)numkeys, where, c->argv[1], count, 1);
}
