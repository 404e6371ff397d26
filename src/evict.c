/* evict.c - the maxmemory limit: access metadata (LRU clock / LFU counter),
 * choosing victims for each maxmemory-policy, and deleting them.
 *
 * Why approximate?
 * ----------------
 * A true LRU needs every key on a linked list that is reordered on every
 * read; a true LFU needs a priority queue. Both cost memory per key and
 * work per access. Instead each object carries 24 bits (robj.lru):
 *
 *   LRU policies: the LRU clock at the last access, in seconds
 *                 (LRU_CLOCK_RESOLUTION ms), wrapping at 24 bits (~194 days).
 *   LFU policies: | 16 bits: minutes clock of the last decay | 8 bits: count |
 *
 * To pick a victim we look at a handful of random keys (maxmemory-samples
 * per database) and evict the worst of them. Sampling alone is a noisy
 * estimate, so the worst candidates of earlier rounds are remembered in a
 * small sorted pool (POOL_SLOTS entries). A key that looked like a good
 * victim a moment ago stays a contender until something better turns up
 * or it is evicted, which brings the result close to true LRU/LFU at a
 * fraction of the cost. Pool entries only remember names: before evicting
 * we check that the key still exists (it may have been deleted meanwhile).
 *
 * The LFU count is a logarithmic counter: starting at LFU_INIT_VAL (so new
 * keys are not the first to go), each access increments it only with
 * probability 1 / ((count - LFU_INIT_VAL) * lfu-log-factor + 1). With the
 * default factor, 255 is reached after about a million accesses. So that
 * past popularity fades, the count drops by one for each lfu-decay-time
 * minutes elapsed since it was last updated; the drop is applied lazily,
 * when the key is accessed or sampled.
 *
 * Every score we rank by is "bigger means evict sooner": idle time for LRU,
 * 255 - count for LFU, and for volatile-ttl the distance of the expire time
 * from the far future (so the key expiring first has the highest score).
 *
 * performEvictions() runs before each command (and on CONFIG SET
 * maxmemory). It deletes keys until the dataset fits, but stops after a
 * time budget derived from maxmemory-eviction-tenacity so a big drop of the
 * limit does not freeze the server; a timer event then continues in later
 * event loop iterations.
 */
#include "server.h"
#include <math.h>

/* ---------------------------------------------------------------------------
 * LRU clock
 * ------------------------------------------------------------------------ */

/* Milliseconds since the object was last accessed. The clock is 24 bits
 * and wraps, so the difference is taken modulo 2^24. */
unsigned long long estimateObjectIdleTime(robj *o) {
    unsigned long long ticks = (LRU_CLOCK() - (unsigned int)o->lru) & LRU_CLOCK_MAX;
    return ticks * LRU_CLOCK_RESOLUTION;
}

/* ---------------------------------------------------------------------------
 * LFU counter
 * ------------------------------------------------------------------------ */

#define LFU_MINUTES_MASK 0xFFFFu
#define LFU_COUNT_MASK 0xFFu
#define LFU_COUNT_MAX 255

/* A 16-bit minutes clock: wraps every ~45 days, plenty for decay. */
unsigned long LFUGetTimeInMinutes(void) {
    return ((unsigned long)server.unixtime / 60) & LFU_MINUTES_MASK;
}

static unsigned long lfuMinutesSince(unsigned long stamp) {
    return (LFUGetTimeInMinutes() - stamp) & LFU_MINUTES_MASK;
}

/* One access: the higher the count already is, the less likely it grows. */
uint8_t LFULogIncr(uint8_t count) {
    if (count == LFU_COUNT_MAX) return count;
    double above_init = count > LFU_INIT_VAL ? (double)(count - LFU_INIT_VAL) : 0.0;
    double chance = 1.0 / (above_init * server.lfu_log_factor + 1.0);
    double dice = (double)rand() / ((double)RAND_MAX + 1.0);
    return dice < chance ? count + 1 : count;
}

/* The count with the pending decay applied (the object is not modified:
 * sampling must not count as an access). */
unsigned long LFUDecrAndReturn(robj *o) {
    unsigned long count = o->lru & LFU_COUNT_MASK;
    if (server.lfu_decay_time <= 0) return count;
    unsigned long periods = lfuMinutesSince(o->lru >> 8) / (unsigned long)server.lfu_decay_time;
    return periods >= count ? 0 : count - periods;
}

/* Record an access under an LFU policy: decay, maybe increment, and stamp
 * the current minute so the decay is not applied twice. */
void updateLFU(robj *val) {
    unsigned long count = LFULogIncr((uint8_t)LFUDecrAndReturn(val));
    val->lru = (unsigned)((LFUGetTimeInMinutes() << 8) | count);
}

/* ---------------------------------------------------------------------------
 * How much memory counts against the limit
 * ------------------------------------------------------------------------ */

/* Buffers that exist because we write: the output buffers of replicas and
 * the AOF buffer. Counting them would make eviction feed on itself (every
 * evicted key is a DEL queued to them). Replication and AOF are not here
 * yet, so in practice this is 0, but replica clients would be counted. */
size_t freeMemoryGetNotCountedMemory(void) {
    size_t bytes = 0;
    if (server.slaves == NULL) return 0;
    listIter it;
    listNode *ln;
    listRewind(server.slaves, &it);
    while ((ln = listNext(&it)) != NULL)
        bytes += getClientOutputBufferMemoryUsage(listNodeValue(ln));
    return bytes;
}

/* C_OK when there is no limit or we are within it; C_ERR when over.
 * Out parameters (each optional): total = what the allocator reports,
 * logical = total minus not-counted memory, tofree = logical - maxmemory
 * (both only set on C_ERR), level = logical / maxmemory. */
int getMaxmemoryState(size_t *total, size_t *logical, size_t *tofree, float *level) {
    size_t reported = zmalloc_used_memory();
    if (total) *total = reported;

    /* Fast path: the raw figure already fits, so the net one does too. */
    int surely_fits = server.maxmemory == 0 || reported <= server.maxmemory;
    if (surely_fits && level == NULL) return C_OK;

    size_t excluded = freeMemoryGetNotCountedMemory();
    size_t counted = reported > excluded ? reported - excluded : 0;
    if (level) *level = server.maxmemory ? (float)counted / (float)server.maxmemory : 0.0f;
    if (surely_fits || counted <= server.maxmemory) return C_OK;

    if (logical) *logical = counted;
    if (tofree) *tofree = counted - server.maxmemory;
    return C_ERR;
}

/* Would allocating `moremem` more bytes exceed the limit? Used to avoid
 * growing big hash tables when that alone would trigger evictions. */
int overMaxmemoryAfterAlloc(size_t moremem) {
    if (server.maxmemory == 0) return 0;
    size_t reported = zmalloc_used_memory();
    if (reported + moremem <= server.maxmemory) return 0;
    size_t excluded = freeMemoryGetNotCountedMemory();
    size_t counted = reported > excluded ? reported - excluded : 0;
    return counted + moremem > server.maxmemory;
}

/* ---------------------------------------------------------------------------
 * The candidate pool
 *
 * slots[0 .. filled-1] hold candidates in ascending score order, so the
 * best victim is always the last filled slot. Every slot owns an sds buffer
 * for the key name at all times, also the unused ones: buffers are moved
 * along with their entries and reused, so filling the pool does not
 * allocate once the buffers have grown to the usual key length.
 * ------------------------------------------------------------------------ */

#define POOL_SLOTS 16
#define POOL_MAX_SAMPLES 64 /* the upper bound of maxmemory-samples */

typedef struct candidate {
    unsigned long long score; /* bigger: evict sooner */
    int dbid;
    sds name;
} candidate;

static struct {
    candidate slots[POOL_SLOTS];
    int filled;
    int policy; /* scores are only comparable under one policy */
} pool;

void evictionPoolAlloc(void) {
    for (int i = 0; i < POOL_SLOTS; i++) {
        pool.slots[i].score = 0;
        pool.slots[i].dbid = 0;
        pool.slots[i].name = sdsMakeRoomFor(sdsempty(), 32);
    }
    pool.filled = 0;
    pool.policy = server.maxmemory_policy;
}

static int poolContains(int dbid, const char *name, size_t len) {
    for (int i = 0; i < pool.filled; i++) {
        candidate *c = &pool.slots[i];
        if (c->dbid == dbid && sdslen(c->name) == len && memcmp(c->name, name, len) == 0) return 1;
    }
    return 0;
}

/* Offer a sampled key; it is kept if it beats the weakest entry or there
 * is room. */
static void poolOffer(unsigned long long score, int dbid, sds name) {
    size_t len = sdslen(name);
    if (pool.filled == POOL_SLOTS && score <= pool.slots[0].score) return;
    if (poolContains(dbid, name, len)) return;

    if (pool.filled == POOL_SLOTS) {
        /* Make room by dropping the weakest; its buffer becomes the spare
         * at the end. */
        candidate weakest = pool.slots[0];
        memmove(&pool.slots[0], &pool.slots[1], sizeof(candidate) * (POOL_SLOTS - 1));
        pool.slots[POOL_SLOTS - 1] = weakest;
        pool.filled--;
    }

    /* After equal scores, so older candidates win ties. */
    int pos = pool.filled;
    while (pos > 0 && pool.slots[pos - 1].score > score) pos--;

    sds buffer = pool.slots[pool.filled].name;
    memmove(&pool.slots[pos + 1], &pool.slots[pos], sizeof(candidate) * (pool.filled - pos));
    pool.slots[pos].name = sdscpylen(buffer, name, len);
    pool.slots[pos].score = score;
    pool.slots[pos].dbid = dbid;
    pool.filled++;
}

static void poolClear(void) {
    pool.filled = 0;
}

/* The eviction score of one sampled entry. `entry` comes from the sampled
 * dict (keyspace or expires), `val` is the key's value. */
static unsigned long long victimScore(dictEntry *entry, robj *val) {
    int policy = server.maxmemory_policy;
    if (policy & MAXMEMORY_FLAG_LRU) return estimateObjectIdleTime(val);
    if (policy & MAXMEMORY_FLAG_LFU) return LFU_COUNT_MAX - LFUDecrAndReturn(val);
    /* volatile-ttl: entries of the expires dict hold the unix ms time. */
    return ULLONG_MAX - (unsigned long long)dictGetSignedIntegerVal(entry);
}

/* Sample up to maxmemory-samples keys of one database into the pool. */
static void poolSampleDb(redisDb *db, int volatile_only) {
    dictEntry *picked[POOL_MAX_SAMPLES];
    dict *source = volatile_only ? db->expires : db->dict;
    unsigned int want = server.maxmemory_samples;
    if (want < 1) want = 1;
    if (want > POOL_MAX_SAMPLES) want = POOL_MAX_SAMPLES;

    unsigned int got = dictGetSomeKeys(source, picked, want);
    for (unsigned int i = 0; i < got; i++) {
        sds name = dictGetKey(picked[i]);
        robj *val = NULL;
        if (server.maxmemory_policy != MAXMEMORY_VOLATILE_TTL) {
            if (volatile_only) {
                /* The expires dict shares the key but has no value. */
                dictEntry *de = dictFind(db->dict, name);
                if (de == NULL) continue;
                val = dictGetVal(de);
            } else {
                val = dictGetVal(picked[i]);
            }
        }
        poolOffer(victimScore(picked[i], val), db->id, name);
    }
}

/* Pop candidates, best first, until one still exists in the relevant dict.
 * On success the pool slot's buffer holds the name and *dbid the db; the
 * returned name stays valid until the pool is touched again. */
static sds poolTakeBest(int volatile_only, int *dbid) {
    while (pool.filled > 0) {
        candidate *best = &pool.slots[--pool.filled];
        redisDb *db = server.db + best->dbid;
        dict *d = volatile_only ? db->expires : db->dict;
        if (dictFind(d, best->name) != NULL) {
            *dbid = best->dbid;
            return best->name;
        }
        /* Deleted (or its TTL removed) since it was sampled: skip it. */
    }
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Choosing a victim
 * ------------------------------------------------------------------------ */

static int policyIsVolatile(void) {
    return !(server.maxmemory_policy & MAXMEMORY_FLAG_ALLKEYS);
}

static int policyUsesPool(void) {
    return (server.maxmemory_policy & (MAXMEMORY_FLAG_LRU|MAXMEMORY_FLAG_LFU)) ||
           server.maxmemory_policy == MAXMEMORY_VOLATILE_TTL;
}

/* LRU / LFU / TTL: refresh the pool with fresh samples from every db
 * holding candidates, then take the best. Retry a few times in case every
 * entry turned out stale. */
static sds pickPooledVictim(int *dbid) {
    int volatile_only = policyIsVolatile();

    if (pool.policy != server.maxmemory_policy) {
        poolClear();
        pool.policy = server.maxmemory_policy;
    }

    for (int attempt = 0; attempt < 8; attempt++) {
        int any = 0;
        for (int j = 0; j < server.dbnum; j++) {
            redisDb *db = server.db + j;
            if (dictSize(volatile_only ? db->expires : db->dict) == 0) continue;
            poolSampleDb(db, volatile_only);
            any = 1;
        }
        if (!any) return NULL;
        sds name = poolTakeBest(volatile_only, dbid);
        if (name) return name;
    }
    return NULL;
}

/* Random policies: any key, visiting the databases in turn so that none
 * is drained before the others. */
static sds pickRandomVictim(int *dbid) {
    static int next_db = 0;
    int volatile_only = policyIsVolatile();

    for (int tried = 0; tried < server.dbnum; tried++) {
        int j = next_db;
        next_db = (next_db + 1) % server.dbnum;
        redisDb *db = server.db + j;
        dict *d = volatile_only ? db->expires : db->dict;
        if (dictSize(d) == 0) continue;
        *dbid = j;
        return dictGetKey(dictGetRandomKey(d));
    }
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Deleting
 * ------------------------------------------------------------------------ */

/* Evict one key: delete it, tell everyone who cares, and return how many
 * bytes the deletion itself released (measured around the delete only:
 * notifications may allocate, and must not count as freed). */
static long long evictKey(int dbid, sds name) {
    redisDb *db = server.db + dbid;
    int lazy = server.lazyfree_lazy_eviction;
    robj *key = createStringObject(name, sdslen(name));

    long long before = (long long)zmalloc_used_memory();
    if (lazy) dbAsyncDelete(db, key);
    else dbSyncDelete(db, key);
    long long released = before - (long long)zmalloc_used_memory();

    server.stat_evictedkeys++;
    signalModifiedKey(NULL, db, key);
    notifyKeyspaceEvent(NOTIFY_EVICTED, "evicted", key, db->id);
    propagateDeletion(db, key, lazy);
    decrRefCount(key);
    return released;
}

/* How long one performEvictions() call may run, in microseconds. Tenacity
 * 0 is the most latency-friendly, 10 (the default) allows half a
 * millisecond, beyond that the budget doubles every 5 steps, and 100 means
 * no limit at all. */
static long long evictionBudgetUs(void) {
    int t = server.maxmemory_eviction_tenacity;
    if (t >= 100) return LLONG_MAX;
    if (t <= 10) return 50 + 45LL * t;
    return (long long)(500.0 * pow(2.0, (t - 10) / 5.0));
}

/* ---------------------------------------------------------------------------
 * Continuing in the background
 * ------------------------------------------------------------------------ */

static long long eviction_timer = -1;

static int evictionTimerProc(struct aeEventLoop *el, long long id, void *data) {
    (void)el;
    (void)id;
    (void)data;
    if (performEvictions() == EVICT_RUNNING) return 0; /* next iteration */
    eviction_timer = -1;
    return AE_NOMORE;
}

static void ensureEvictionTimer(void) {
    if (eviction_timer != -1 || server.el == NULL) return;
    eviction_timer = aeCreateTimeEvent(server.el, 0, evictionTimerProc, NULL, NULL);
}

/* INFO's total/current_eviction_exceeded_time: how long (ms) we have been
 * over the limit, noted when crossing it either way. */
static void trackOverLimit(int over) {
    if (over) {
        if (server.stat_last_eviction_exceeded_time == 0)
            server.stat_last_eviction_exceeded_time = mstime();
    } else if (server.stat_last_eviction_exceeded_time != 0) {
        server.stat_total_eviction_exceeded_time += mstime() - server.stat_last_eviction_exceeded_time;
        server.stat_last_eviction_exceeded_time = 0;
    }
}

/* ---------------------------------------------------------------------------
 * performEvictions
 * ------------------------------------------------------------------------ */

/* Bring memory under maxmemory by evicting keys. Returns:
 *   EVICT_OK      within the limit (or eviction does not apply now);
 *   EVICT_RUNNING still over, but progress is being made (the time budget
 *                 ran out and a timer continues, or freed memory is still
 *                 being released in the background);
 *   EVICT_FAIL    over the limit with nothing left to evict (or
 *                 noeviction): callers refuse commands that grow memory. */
int performEvictions(void) {
    /* A replica mirrors its master, which evicts for both. */
    if (server.masterhost && server.repl_slave_ignore_maxmemory) return EVICT_OK;
    /* Paused clients expect a frozen dataset: no evictions either. */
    if (checkClientPauseTimeoutAndReturnIfPaused()) return EVICT_OK;

    size_t tofree = 0;
    if (getMaxmemoryState(NULL, NULL, &tofree, NULL) == C_OK) {
        trackOverLimit(0);
        return EVICT_OK;
    }
    if (server.maxmemory_policy == MAXMEMORY_NO_EVICTION) {
        trackOverLimit(1);
        return EVICT_FAIL;
    }

    long long budget = evictionBudgetUs();
    long long started = ustime();
    long long freed = 0, evicted = 0;
    int out_of_time = 0, exhausted = 0;

    while (freed < (long long)tofree) {
        int dbid = 0;
        sds victim = policyUsesPool() ? pickPooledVictim(&dbid) : pickRandomVictim(&dbid);
        if (victim == NULL) {
            exhausted = 1; /* no candidates left */
            break;
        }
        freed += evictKey(dbid, victim);
        evicted++;

        if (evicted % 16 == 0) {
            /* Lazily freed values leave memory in use until the background
             * thread gets to them, so our count undercounts: ask the
             * allocator whether we are done already. */
            if (server.lazyfree_lazy_eviction && getMaxmemoryState(NULL, NULL, NULL, NULL) == C_OK)
                break;
            if (ustime() - started > budget) {
                out_of_time = 1;
                break;
            }
        }
    }

    int result;
    if (getMaxmemoryState(NULL, NULL, NULL, NULL) == C_OK) {
        result = EVICT_OK;
    } else if (out_of_time) {
        ensureEvictionTimer();
        result = EVICT_RUNNING;
    } else if (server.lazyfree_lazy_eviction && lazyfreeGetPendingObjectsCount() > 0) {
        /* Values are still being released in the background: the
         * allocator will catch up, do not refuse yet. */
        result = EVICT_RUNNING;
    } else if (exhausted) {
        /* Everything we may evict is gone and we are still over: writes
         * must be refused, even if this call did delete some keys. */
        result = EVICT_FAIL;
    } else if (evicted > 0 || eviction_timer != -1) {
        /* We deleted enough by our own count: the difference is
         * bookkeeping noise (or the timer is still at work). */
        result = EVICT_RUNNING;
    } else {
        result = EVICT_FAIL;
    }
    trackOverLimit(result != EVICT_OK);
    return result;
}
