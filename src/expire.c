/* expire.c - the active expiry cycle (and, at the end, the expiry of a
 * writable replica's own keys).
 *
 * Lazy expiry (db.c: expireIfNeeded on every lookup) alone would let keys
 * that are never read again stay in memory forever. So the server also
 * samples keys with a TTL and deletes the expired ones:
 *
 *   - the SLOW cycle runs from serverCron (hz times a second) with a CPU
 *     budget of a percentage of each cron period (25% at the default
 *     effort);
 *   - the FAST cycle runs before sleeping, for at most ~1ms, and only when
 *     the previous cycle suggested there is a backlog (it ran out of time or
 *     found many expired keys).
 *
 * Each database is sampled in rounds of N keys from a resumable dictScan
 * cursor; a round that finds fewer than `acceptable_stale`% expired keys
 * ends the work on that db, since most of what remains is probably alive.
 * `active-expire-effort` (1..10) scales every knob. This adapts: with few
 * expired keys the cycle costs almost nothing, with many it works harder
 * but never takes more than its CPU share.
 */
#include "server.h"

#define EXPIRE_KEYS_PER_LOOP 20        /* keys sampled per round at effort 1 */
#define EXPIRE_FAST_DURATION 1000      /* microseconds, fast cycle */
#define EXPIRE_SLOW_TIME_PERC 25       /* CPU % of the cron period */
#define EXPIRE_ACCEPTABLE_STALE 10     /* % of expired keys tolerated */
#define EXPIRE_DBS_PER_CALL 16

/* State carried from one call to the next. */
static unsigned int current_db = 0;
static int timelimit_exit = 0;         /* last call ran out of time */
static long long last_fast_cycle = 0;

typedef struct expireScanData {
    redisDb *db;
    long long now;
    unsigned long sampled;
    unsigned long expired;
    long long ttl_sum;
    int ttl_samples;
} expireScanData;

/* Delete the key if its time has come; otherwise account its TTL for the
 * average reported by INFO keyspace. */
static void expireScanCallback(void *privdata, const dictEntry *const_de) {
    dictEntry *de = (dictEntry *)const_de;
    expireScanData *data = privdata;
    long long when = dictGetSignedIntegerVal(de);
    sds key = dictGetKey(de);

    data->sampled++;
    if (data->now > when) {
        robj *keyobj = createStringObject(key, sdslen(key));
        deleteExpiredKeyAndPropagate(data->db, keyobj);
        decrRefCount(keyobj);
        data->expired++;
    } else {
        data->ttl_sum += when - data->now;
        data->ttl_samples++;
    }
}

/* Work on one db until it looks clean or the time budget is gone. Returns
 * 1 if the time limit was hit. */
static int expireDb(redisDb *db, unsigned long keys_per_loop, int acceptable_stale,
                    long long start, long long timelimit, unsigned long *iteration,
                    unsigned long *total_sampled, unsigned long *total_expired) {
    while (1) {
        if (dictSize(db->expires) == 0) {
            db->avg_ttl = 0;
            return 0;
        }
        /* Below 1% fill, sampling mostly walks empty buckets: wait for
         * databasesCron to shrink the table (stock pacing as well). */
        unsigned long slots = dictSlots(db->expires);
        if (slots > DICTHT_SIZE(DICT_HT_INITIAL_EXP) && dictSize(db->expires) * 100 / slots < 1)
            return 0;
        expireScanData data = { db, mstime(), 0, 0, 0, 0 };
        unsigned long num = dictSize(db->expires);
        if (num > keys_per_loop) num = keys_per_loop;
        /* Empty buckets cost time too: bound how many we walk. */
        unsigned long max_buckets = num * 20;
        unsigned long buckets = 0;

        do {
            db->expires_cursor = dictScan(db->expires, db->expires_cursor,
                                          expireScanCallback, &data);
            buckets++;
        } while (db->expires_cursor != 0 && data.sampled < num && buckets < max_buckets);
        *total_sampled += data.sampled;
        *total_expired += data.expired;

        if (data.ttl_samples) {
            long long avg_ttl = data.ttl_sum / data.ttl_samples;
            /* A moving average over a few rounds: smooth but responsive. */
            if (db->avg_ttl == 0) db->avg_ttl = avg_ttl;
            else db->avg_ttl = (db->avg_ttl / 50) * 49 + (avg_ttl / 50);
        }

        /* Check the clock every 16 rounds: ustime() is not free. */
        if ((++(*iteration) & 0xf) == 0 && ustime() - start > timelimit) {
            server.stat_expired_time_cap_reached_count++;
            return 1;
        }
        if (data.sampled == 0 || data.expired * 100 / data.sampled <= (unsigned long)acceptable_stale)
            return 0;
    }
}

void activeExpireCycle(int type) {
    unsigned long effort = server.active_expire_effort - 1; /* 0..9 */
    unsigned long keys_per_loop = EXPIRE_KEYS_PER_LOOP + EXPIRE_KEYS_PER_LOOP / 4 * effort;
    unsigned long fast_duration = EXPIRE_FAST_DURATION + EXPIRE_FAST_DURATION / 4 * effort;
    unsigned long slow_perc = EXPIRE_SLOW_TIME_PERC + 2 * effort;
    int acceptable_stale = EXPIRE_ACCEPTABLE_STALE - (int)effort;
    int dbs_per_call = EXPIRE_DBS_PER_CALL;
    long long start = ustime(), timelimit;
    unsigned long iteration = 0;

    /* Expiring keys is a write: not while clients are paused. */
    if (checkClientPauseTimeoutAndReturnIfPaused()) return;

    if (type == ACTIVE_EXPIRE_CYCLE_FAST) {
        /* Only when the last cycle suggests a backlog, and never more often
         * than every 2 fast durations. */
        if (!timelimit_exit && server.stat_expired_stale_perc < acceptable_stale) return;
        if (start < last_fast_cycle + (long long)fast_duration * 2) return;
        last_fast_cycle = start;
    }

    if (dbs_per_call > server.dbnum || timelimit_exit) dbs_per_call = server.dbnum;
    timelimit = 1000000 * slow_perc / server.hz / 100;
    if (timelimit <= 0) timelimit = 1;
    if (type == ACTIVE_EXPIRE_CYCLE_FAST) timelimit = fast_duration;
    timelimit_exit = 0;

    unsigned long total_sampled = 0, total_expired = 0;
    for (int j = 0; j < dbs_per_call && !timelimit_exit; j++) {
        redisDb *db = server.db + (current_db % server.dbnum);
        current_db++;
        timelimit_exit = expireDb(db, keys_per_loop, acceptable_stale, start,
                                  timelimit, &iteration, &total_sampled, &total_expired);
    }

    long long elapsed = ustime() - start;
    server.stat_expire_cycle_time_used += elapsed;
    /* Exponential moving average of the stale ratio seen by this cycle,
     * used to decide whether fast cycles are worth running. */
    double current_perc = total_sampled ? (double)total_expired * 100 / total_sampled : 0;
    server.stat_expired_stale_perc = current_perc * 0.05 + server.stat_expired_stale_perc * 0.95;
}

/* ---------------------------------------------------------------------------
 * Keys with a TTL written on a writable replica
 *
 * A replica runs no expiry cycle: the master's DELs remove what the master
 * wrote. Keys a client writes on a writable replica (replica-read-only no)
 * have no master to expire them, so, as stock 7.0 does, the replica keeps
 * their names (with a bitmap of the databases they were set in, db 0..63)
 * and deletes them from the cron once expired. A key the master later
 * overwrites with a TTL is expired here too: the two cannot be told apart.
 * ------------------------------------------------------------------------ */

#define REPLICA_EXPIRE_DBS 64          /* one bit per db in the bitmap */
#define REPLICA_EXPIRE_BUDGET_US 1000  /* per cron call */

static dict *replica_keys_with_expire = NULL; /* sds name -> u64 db bitmap */
static unsigned long replica_expire_cursor = 0;

static dictType replicaExpireDictType = {
    dictSdsHash, NULL, NULL, dictSdsKeyCompare, dictSdsDestructor, NULL, NULL
};

void rememberReplicaKeyWithExpire(redisDb *db, robj *key) {
    if (db->id >= REPLICA_EXPIRE_DBS) {
        static int warned = 0;
        if (!warned) {
            serverLog(LL_WARNING, "Writable replica is not able to track keys with expire for DB > %d: such keys will not be expired.",
                      REPLICA_EXPIRE_DBS - 1);
            warned = 1;
        }
        return;
    }
    if (!replica_keys_with_expire) replica_keys_with_expire = dictCreate(&replicaExpireDictType);
    dictEntry *de = dictFind(replica_keys_with_expire, key->ptr);
    if (!de) {
        de = dictAddOrFind(replica_keys_with_expire, sdsdup(key->ptr));
        dictSetUnsignedIntegerVal(de, 0);
    }
    dictSetUnsignedIntegerVal(de, dictGetUnsignedIntegerVal(de) | (UINT64_C(1) << db->id));
}

typedef struct replicaExpireScan {
    long long now;
} replicaExpireScan;

/* One tracked name: expire it where its time has come, stop tracking it in
 * the dbs where it is gone or has no TTL any more. */
static void replicaExpireCallback(void *privdata, const dictEntry *const_de) {
    dictEntry *de = (dictEntry *)const_de;
    replicaExpireScan *scan = privdata;
    sds name = dictGetKey(de);
    uint64_t dbs = dictGetUnsignedIntegerVal(de), keep = 0;
    robj *keyobj = createStringObject(name, sdslen(name));
    for (int id = 0; id < REPLICA_EXPIRE_DBS && id < server.dbnum; id++) {
        if (!(dbs & (UINT64_C(1) << id))) continue;
        redisDb *db = server.db + id;
        long long when = getExpire(db, keyobj);
        if (when == -1) continue;
        if (when < scan->now) {
            deleteExpiredKeyAndPropagate(db, keyobj);
        } else {
            keep |= UINT64_C(1) << id;
        }
    }
    decrRefCount(keyobj);
    if (keep) dictSetUnsignedIntegerVal(de, keep);
    else dictDelete(replica_keys_with_expire, name); /* frees name: last use */
}

/* From the cron of a replica: a slice of the tracked names per call. */
void expireReplicaKeys(void) {
    if (!replica_keys_with_expire || dictSize(replica_keys_with_expire) == 0) return;
    long long start = ustime();
    replicaExpireScan scan = {mstime()};
    do {
        replica_expire_cursor = dictScan(replica_keys_with_expire, replica_expire_cursor,
                                         replicaExpireCallback, &scan);
    } while (replica_expire_cursor && dictSize(replica_keys_with_expire) &&
             ustime() - start < REPLICA_EXPIRE_BUDGET_US);
}

/* Becoming a master: the expiry cycle takes over every key. */
void forgetReplicaKeysWithExpire(void) {
    if (!replica_keys_with_expire) return;
    dictRelease(replica_keys_with_expire);
    replica_keys_with_expire = NULL;
    replica_expire_cursor = 0;
}
