/* evict.c - maxmemory: choosing keys to evict when memory is over the limit.
 *
 * Exact LRU or LFU would need every key in an ordered structure updated on
 * every access; Redis approximates instead, and so do we:
 *
 *   - every value carries 24 bits of access metadata (robj.lru): either the
 *     LRU clock (seconds resolution, wrapping) of its last access, or for LFU
 *     a 16-bit "last decrement" time in minutes plus an 8-bit logarithmic
 *     access counter;
 *   - to evict, we sample maxmemory-samples random keys from each database
 *     and merge them into a small pool (16 entries) of the best candidates
 *     seen so far, sorted by "idle score" (idle time for LRU, 255-counter
 *     for LFU, time to expire for volatile-ttl). The best one in the pool is
 *     evicted. Keeping the pool between rounds makes the approximation much
 *     better than sampling alone: good candidates found earlier are not lost.
 *
 * The LFU counter grows logarithmically: the chance of incrementing is
 * 1/((counter-LFU_INIT_VAL)*lfu_log_factor+1), so 255 means "very hot"
 * (about a million hits at factor 10), and it decays by one every
 * lfu-decay-time minutes of inactivity, so old popularity fades. New keys
 * start at LFU_INIT_VAL so they are not evicted before they had a chance to
 * be accessed.
 *
 * performEvictions() runs before commands that may use memory and from the
 * cron. It frees until under the limit, but only for a bounded time
 * (maxmemory-eviction-tenacity); if still over, a timer keeps evicting in
 * later event loop iterations so the server stays responsive.
 */
#include "server.h"
#include <math.h>

#define EVPOOL_SIZE 16
#define EVPOOL_CACHED_SDS_SIZE 255

typedef struct evictionPoolEntry {
    unsigned long long idle; /* higher: better candidate */
    sds key;                 /* points to cached or allocated sds */
    sds cached;              /* reusable buffer to avoid allocations */
    int dbid;
} evictionPoolEntry;

static evictionPoolEntry *EvictionPoolLRU;
static long long eviction_timer_id = -1;

/* ---------------------------------------------------------------------------
 * LRU clock
 * ------------------------------------------------------------------------ */

/* Idle time in ms from the object's LRU stamp, handling clock wrap. */
unsigned long long estimateObjectIdleTime(robj *o) {
    unsigned long long lruclock = LRU_CLOCK();
    if (lruclock >= o->lru)
        return (lruclock - o->lru) * LRU_CLOCK_RESOLUTION;
    return (lruclock + (LRU_CLOCK_MAX - o->lru)) * LRU_CLOCK_RESOLUTION;
}

/* ---------------------------------------------------------------------------
 * LFU counter
 * ------------------------------------------------------------------------ */

unsigned long LFUGetTimeInMinutes(void) {
    return (server.unixtime / 60) & 65535;
}

/* Minutes since the last decrement, handling the 16-bit wrap. */
static unsigned long LFUTimeElapsed(unsigned long ldt) {
    unsigned long now = LFUGetTimeInMinutes();
    if (now >= ldt) return now - ldt;
    return 65535 - ldt + now;
}

uint8_t LFULogIncr(uint8_t counter) {
    if (counter == 255) return 255;
    double r = (double)rand() / RAND_MAX;
    double baseval = counter - LFU_INIT_VAL;
    if (baseval < 0) baseval = 0;
    double p = 1.0 / (baseval * server.lfu_log_factor + 1);
    if (r < p) counter++;
    return counter;
}

/* The counter after decay, without storing it. */
unsigned long LFUDecrAndReturn(robj *o) {
    unsigned long ldt = o->lru >> 8;
    unsigned long counter = o->lru & 255;
    unsigned long num_periods = server.lfu_decay_time ? LFUTimeElapsed(ldt) / server.lfu_decay_time : 0;
    if (num_periods)
        counter = (num_periods > counter) ? 0 : counter - num_periods;
    return counter;
}

/* On access: decay, then maybe increment, and stamp the time. */
void updateLFU(robj *val) {
    unsigned long counter = LFUDecrAndReturn(val);
    counter = LFULogIncr(counter);
    val->lru = (LFUGetTimeInMinutes() << 8) | counter;
}

/* ---------------------------------------------------------------------------
 * Memory state
 * ------------------------------------------------------------------------ */

/* Memory that must not count against maxmemory: replica output buffers and
 * the AOF buffer, otherwise eviction would feed itself (each DEL sent to
 * replicas grows the buffers it is trying to shrink). Those buffers arrive
 * with replication and AOF. */
size_t freeMemoryGetNotCountedMemory(void) {
    size_t overhead = 0;
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        client *slave = listNodeValue(ln);
        overhead += getClientOutputBufferMemoryUsage(slave);
    }
    return overhead;
}

/* C_OK when under the limit. Otherwise C_ERR with how much is used
 * (total), what counts (logical), how much to free, and the ratio. */
int getMaxmemoryState(size_t *total, size_t *logical, size_t *tofree, float *level) {
    size_t mem_reported = zmalloc_used_memory(), mem_used = mem_reported;

    if (total) *total = mem_reported;
    int return_ok_asap = !server.maxmemory || mem_reported <= server.maxmemory;
    if (return_ok_asap && !level) return C_OK;

    size_t overhead = freeMemoryGetNotCountedMemory();
    mem_used = (mem_used > overhead) ? mem_used - overhead : 0;
    if (level) *level = server.maxmemory ? (float)mem_used / (float)server.maxmemory : 0;
    if (return_ok_asap) return C_OK;
    if (mem_used <= server.maxmemory) return C_OK;

    if (logical) *logical = mem_used;
    if (tofree) *tofree = mem_used - server.maxmemory;
    return C_ERR;
}

/* Would allocating moremem bytes put us over the limit? */
int overMaxmemoryAfterAlloc(size_t moremem) {
    if (!server.maxmemory) return 0;
    size_t mem_used = zmalloc_used_memory();
    if (mem_used + moremem <= server.maxmemory) return 0;
    size_t overhead = freeMemoryGetNotCountedMemory();
    mem_used = (mem_used > overhead) ? mem_used - overhead : 0;
    return mem_used + moremem > server.maxmemory;
}

/* ---------------------------------------------------------------------------
 * The eviction pool
 * ------------------------------------------------------------------------ */

void evictionPoolAlloc(void) {
    EvictionPoolLRU = zmalloc(sizeof(evictionPoolEntry) * EVPOOL_SIZE);
    for (int j = 0; j < EVPOOL_SIZE; j++) {
        EvictionPoolLRU[j].idle = 0;
        EvictionPoolLRU[j].key = NULL;
        EvictionPoolLRU[j].cached = sdsnewlen(NULL, EVPOOL_CACHED_SDS_SIZE);
        EvictionPoolLRU[j].dbid = 0;
    }
}

/* Score a value for the policy: the higher, the better to evict. */
static unsigned long long evictionScore(robj *o, dictEntry *de, int from_expires) {
    if (server.maxmemory_policy & MAXMEMORY_FLAG_LRU)
        return estimateObjectIdleTime(o);
    if (server.maxmemory_policy & MAXMEMORY_FLAG_LFU)
        return 255 - LFUDecrAndReturn(o);
    /* volatile-ttl: sooner to expire is better. */
    (void)from_expires;
    return ULLONG_MAX - dictGetSignedIntegerVal(de);
}

/* Insert entry at position k, shifting to keep the pool sorted ascending
 * by idle (best candidates at the right end). */
static void poolInsert(evictionPoolEntry *pool, int k, unsigned long long idle, sds key, int dbid) {
    if (k == 0 && pool[EVPOOL_SIZE-1].key != NULL) {
        /* Pool full and this is worse than everything: drop it. */
        return;
    }
    if (pool[EVPOOL_SIZE-1].key == NULL) {
        /* Free slot on the right: shift right from k. */
        sds cached = pool[EVPOOL_SIZE-1].cached;
        memmove(pool + k + 1, pool + k, sizeof(pool[0]) * (EVPOOL_SIZE - k - 1));
        pool[k].cached = cached;
    } else {
        /* Full: discard the worst (leftmost) and shift left. */
        k--;
        sds cached = pool[0].cached;
        if (pool[0].key != pool[0].cached) sdsfree(pool[0].key);
        memmove(pool, pool + 1, sizeof(pool[0]) * k);
        pool[k].cached = cached;
    }
    /* Small keys use the preallocated buffer: no malloc in the hot path. */
    size_t klen = sdslen(key);
    if (klen > EVPOOL_CACHED_SDS_SIZE) {
        pool[k].key = sdsdup(key);
    } else {
        memcpy(pool[k].cached, key, klen + 1);
        sdssetlen(pool[k].cached, klen);
        pool[k].key = pool[k].cached;
    }
    pool[k].idle = idle;
    pool[k].dbid = dbid;
}

/* Sample keys of one db into the pool. sampledict is the keyspace
 * (allkeys-*) or the expires dict (volatile-*); values always come from
 * the keyspace. */
static void evictionPoolPopulate(int dbid, dict *sampledict, dict *keydict, evictionPoolEntry *pool) {
    dictEntry *samples[64];
    int want = server.maxmemory_samples < 64 ? server.maxmemory_samples : 64;
    unsigned int count = dictGetSomeKeys(sampledict, samples, want);
    int from_expires = sampledict != keydict;

    for (unsigned int j = 0; j < count; j++) {
        dictEntry *de = samples[j];
        sds key = dictGetKey(de);
        robj *o;
        if (server.maxmemory_policy != MAXMEMORY_VOLATILE_TTL) {
            if (from_expires) {
                dictEntry *kde = dictFind(keydict, key);
                if (!kde) continue;
                o = dictGetVal(kde);
            } else {
                o = dictGetVal(de);
            }
        } else {
            o = NULL;
        }
        unsigned long long idle = o ? evictionScore(o, de, from_expires)
                                    : ULLONG_MAX - (unsigned long long)dictGetSignedIntegerVal(de);

        /* Find the first slot with a better (higher) score or an empty one. */
        int k = 0;
        while (k < EVPOOL_SIZE && pool[k].key && pool[k].idle < idle) k++;
        poolInsert(pool, k, idle, key, dbid);
    }
}

/* Best candidate from the pool that still exists, or NULL. The chosen key
 * is returned as a fresh sds in *bestkey with its db in *bestdbid. */
static int pickFromPool(sds *bestkey, int *bestdbid) {
    evictionPoolEntry *pool = EvictionPoolLRU;
    for (int k = EVPOOL_SIZE - 1; k >= 0; k--) {
        if (pool[k].key == NULL) continue;
        int dbid = pool[k].dbid;
        dictEntry *de;
        if (server.maxmemory_policy & MAXMEMORY_FLAG_ALLKEYS)
            de = dictFind(server.db[dbid].dict, pool[k].key);
        else
            de = dictFind(server.db[dbid].expires, pool[k].key);

        sds found = de ? dictGetKey(de) : NULL;
        if (pool[k].key != pool[k].cached) sdsfree(pool[k].key);
        pool[k].key = NULL;
        pool[k].idle = 0;
        if (found) {
            *bestkey = found;
            *bestdbid = dbid;
            return 1;
        }
        /* A ghost: the key was deleted since it was sampled. */
    }
    return 0;
}

static int selectKeyToEvict(sds *bestkey, int *bestdbid) {
    static unsigned int next_db = 0;

    if (server.maxmemory_policy & (MAXMEMORY_FLAG_LRU|MAXMEMORY_FLAG_LFU) ||
        server.maxmemory_policy == MAXMEMORY_VOLATILE_TTL) {
        /* Pool based policies: a few rounds of sampling every db. */
        for (int tries = 0; tries < 16; tries++) {
            unsigned long total_keys = 0;
            for (int i = 0; i < server.dbnum; i++) {
                redisDb *db = server.db + i;
                dict *d = (server.maxmemory_policy & MAXMEMORY_FLAG_ALLKEYS) ? db->dict : db->expires;
                unsigned long keys = dictSize(d);
                if (keys) {
                    evictionPoolPopulate(i, d, db->dict, EvictionPoolLRU);
                    total_keys += keys;
                }
            }
            if (!total_keys) return 0;
            if (pickFromPool(bestkey, bestdbid)) return 1;
        }
        return 0;
    }

    /* Random policies: a random key of the next non-empty db in turn, so
     * every db is evicted from fairly. */
    for (int i = 0; i < server.dbnum; i++) {
        int j = (++next_db) % server.dbnum;
        redisDb *db = server.db + j;
        dict *d = (server.maxmemory_policy == MAXMEMORY_ALLKEYS_RANDOM) ? db->dict : db->expires;
        if (dictSize(d) != 0) {
            dictEntry *de = dictGetRandomKey(d);
            *bestkey = dictGetKey(de);
            *bestdbid = j;
            return 1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------
 * Evicting
 * ------------------------------------------------------------------------ */

/* The time budget of one performEvictions() call, from the tenacity
 * setting: 0 -> ~50us ... 10 -> ~500us; 100 -> unlimited. */
static unsigned long evictionTimeLimitUs(void) {
    if (server.maxmemory_eviction_tenacity <= 10)
        return 50uL * (server.maxmemory_eviction_tenacity + 1);
    if (server.maxmemory_eviction_tenacity < 100)
        return (unsigned long)(500.0 * pow(1.15, server.maxmemory_eviction_tenacity - 10.0));
    return ULONG_MAX;
}

static int evictionTimeProc(struct aeEventLoop *el, long long id, void *clientData) {
    (void)el; (void)id; (void)clientData;
    if (performEvictions() == EVICT_RUNNING) return 0; /* again, asap */
    eviction_timer_id = -1;
    return AE_NOMORE;
}

static void startEvictionTimeProc(void) {
    if (eviction_timer_id != -1) return;
    eviction_timer_id = aeCreateTimeEvent(server.el, 0, evictionTimeProc, NULL, NULL);
}

static int isEvictionProcRunning(void) {
    return eviction_timer_id != -1;
}

int performEvictions(void) {
    size_t mem_reported, mem_tofree;
    long long mem_freed = 0;
    long long keys_freed = 0;
    int result = EVICT_FAIL;
    unsigned long time_limit_us = evictionTimeLimitUs();
    long long start = ustime();

    /* Replicas mirror their master's dataset: the master evicts for them. */
    if (server.masterhost && server.repl_slave_ignore_maxmemory) return EVICT_OK;

    if (getMaxmemoryState(&mem_reported, NULL, &mem_tofree, NULL) == C_OK) {
        result = EVICT_OK;
        goto update_metrics;
    }
    if (server.maxmemory_policy == MAXMEMORY_NO_EVICTION) goto update_metrics;

    while (mem_freed < (long long)mem_tofree) {
        sds bestkey = NULL;
        int bestdbid = 0;
        if (!selectKeyToEvict(&bestkey, &bestdbid)) break; /* nothing left */

        redisDb *db = server.db + bestdbid;
        robj *keyobj = createStringObject(bestkey, sdslen(bestkey));
        long long delta = (long long)zmalloc_used_memory();
        if (server.lazyfree_lazy_eviction) dbAsyncDelete(db, keyobj);
        else dbSyncDelete(db, keyobj);
        delta -= (long long)zmalloc_used_memory();
        mem_freed += delta;
        server.stat_evictedkeys++;
        signalModifiedKey(NULL, db, keyobj);
        notifyKeyspaceEvent(NOTIFY_EVICTED, "evicted", keyobj, db->id);
        propagateDeletion(db, keyobj, server.lazyfree_lazy_eviction);
        decrRefCount(keyobj);
        keys_freed++;

        if (keys_freed % 16 == 0) {
            /* Lazy freeing returns memory in the background: check the
             * real state rather than our count. */
            if (server.lazyfree_lazy_eviction &&
                getMaxmemoryState(NULL, NULL, NULL, NULL) == C_OK) break;
            if ((unsigned long)(ustime() - start) > time_limit_us) {
                /* Out of time: continue from the event loop. */
                startEvictionTimeProc();
                result = EVICT_RUNNING;
                goto update_metrics;
            }
        }
    }
    if (getMaxmemoryState(NULL, NULL, NULL, NULL) == C_OK) result = EVICT_OK;
    else if (keys_freed > 0 || isEvictionProcRunning()) result = EVICT_RUNNING;

update_metrics:
    if (result == EVICT_RUNNING || result == EVICT_FAIL) {
        if (server.stat_last_eviction_exceeded_time == 0)
            server.stat_last_eviction_exceeded_time = ustime();
    } else if (server.stat_last_eviction_exceeded_time != 0) {
        server.stat_total_eviction_exceeded_time += ustime() - server.stat_last_eviction_exceeded_time;
        server.stat_last_eviction_exceeded_time = 0;
    }
    return result;
}
