/* memory.c - memory accounting: MEMORY USAGE/STATS/DOCTOR/MALLOC-STATS/PURGE,
 * objectComputeSize(), and the overhead breakdown INFO memory also prints.
 *
 * used_memory (zmalloc) is split into what the server needs to exist
 * (startup memory, client buffers, hash table overhead of the keyspace, ...)
 * and the dataset itself; getMemoryOverheadData() computes that split once
 * and both MEMORY STATS and INFO memory print from it, so they always agree.
 *
 * Value sizes: strings are measured here exactly (the allocator's real block
 * sizes). Aggregate types are measured by their own modules through the
 * optional hooks declared in server.h (listObjectComputeSize, ...); a type
 * whose module does not provide one counts as a bare robj.
 */
#include "server.h"
#include <math.h>
#if defined(USE_JEMALLOC)
#include <jemalloc/jemalloc.h>
#endif

/* Optional providers: resolved to NULL when their module is not linked in. */
#pragma weak listObjectComputeSize
#pragma weak setObjectComputeSize
#pragma weak zsetObjectComputeSize
#pragma weak hashObjectComputeSize
#pragma weak streamObjectComputeSize
#pragma weak freeMemoryGetNotCountedMemory
#pragma weak scriptingMemoryInfo
#pragma weak replicationBacklogMemory

/* Idle-server values for the scripting engines, used until scripting is
 * built (what a stock 7.0 server with no scripts reports). */
#define IDLE_LUA_VM_BYTES 32768
#define IDLE_FUNCTIONS_VM_BYTES 33792
#define IDLE_FUNCTIONS_CACHES_BYTES 200

void getScriptingMemoryInfo(scriptingMemInfo *smi) {
    if (scriptingMemoryInfo) {
        scriptingMemoryInfo(smi);
        return;
    }
    memset(smi, 0, sizeof(*smi));
    smi->lua_vm = IDLE_LUA_VM_BYTES;
    smi->functions_vm = IDLE_FUNCTIONS_VM_BYTES;
    smi->functions_caches = IDLE_FUNCTIONS_CACHES_BYTES;
}

/* ---------------------------------------------------------------------------
 * Object sizes
 * ------------------------------------------------------------------------ */

/* Bytes a string value occupies: the robj plus its sds, as the allocator
 * actually sized them. An embedded string is a single block. */
static size_t stringObjectComputeSize(robj *o) {
    switch (o->encoding) {
    case OBJ_ENCODING_INT: return sizeof(robj);
    case OBJ_ENCODING_EMBSTR: return zmalloc_size(o);
    default: return sizeof(robj) + zmalloc_size(sdsAllocPtr(o->ptr));
    }
}

size_t objectComputeSize(robj *key, robj *o, size_t sample_size, int dbid) {
    (void)key;
    (void)dbid;
    size_t (*hook)(robj *, size_t) = NULL;
    switch (o->type) {
    case OBJ_STRING: return stringObjectComputeSize(o);
    case OBJ_LIST: hook = listObjectComputeSize; break;
    case OBJ_SET: hook = setObjectComputeSize; break;
    case OBJ_ZSET: hook = zsetObjectComputeSize; break;
    case OBJ_HASH: hook = hashObjectComputeSize; break;
    case OBJ_STREAM: hook = streamObjectComputeSize; break;
    }
    return hook ? hook(o, sample_size) : sizeof(robj);
}

/* ---------------------------------------------------------------------------
 * Overhead breakdown
 * ------------------------------------------------------------------------ */

/* Memory of the clients of each kind, measured now (not sampled by a cron),
 * so a fresh connection is already accounted for. */
static void sumClientsMemory(size_t *replicas, size_t *normal) {
    listIter li;
    listNode *ln;
    *replicas = *normal = 0;
    listRewind(server.clients, &li);
    while ((ln = listNext(&li)) != NULL) {
        client *c = listNodeValue(ln);
        size_t mem = getClientMemoryUsage(c, NULL);
        if (getClientType(c) == CLIENT_TYPE_SLAVE) *replicas += mem;
        else *normal += mem;
    }
}

/* Per-key bookkeeping of a keyspace dict: entries, bucket array, and the
 * robj each key is wrapped in while in use. */
static size_t keyspaceDictOverhead(dict *d) {
    return dictSize(d) * (sizeof(dictEntry) + sizeof(robj)) +
           dictSlots(d) * sizeof(dictEntry *);
}

static size_t expiresDictOverhead(dict *d) {
    return dictSize(d) * sizeof(dictEntry) + dictSlots(d) * sizeof(dictEntry *);
}

void updatePeakMemory(void) {
    size_t used = zmalloc_used_memory();
    if (used > server.stat_peak_memory) server.stat_peak_memory = used;
}

memOverhead *getMemoryOverheadData(void) {
    memOverhead *mh = zcalloc(sizeof(*mh));
    size_t total = zmalloc_used_memory();
    scriptingMemInfo smi;

    updatePeakMemory();
    mh->total_allocated = total;
    mh->peak_allocated = server.stat_peak_memory;
    mh->startup_allocated = server.initial_memory_usage;
    mh->repl_backlog = replicationBacklogMemory ? replicationBacklogMemory() : 0; /* replication.c */
    sumClientsMemory(&mh->clients_slaves, &mh->clients_normal);
    mh->cluster_links = clusterLinksMemory();
    mh->aof_buffer = 0;
    getScriptingMemoryInfo(&smi);
    mh->lua_caches = smi.lua_caches;
    mh->functions_caches = smi.functions_caches;

    size_t overhead = mh->startup_allocated + mh->repl_backlog +
                      mh->clients_slaves + mh->clients_normal +
                      mh->cluster_links + mh->aof_buffer +
                      mh->lua_caches + mh->functions_caches;

    mh->db = zcalloc(sizeof(mh->db[0]) * server.dbnum);
    for (int j = 0; j < server.dbnum; j++) {
        redisDb *db = server.db + j;
        long long keys = dictSize(db->dict);
        if (keys == 0) continue;
        mh->total_keys += keys;
        mh->db[mh->num_dbs].dbid = j;
        mh->db[mh->num_dbs].overhead_ht_main = keyspaceDictOverhead(db->dict);
        mh->db[mh->num_dbs].overhead_ht_expires = expiresDictOverhead(db->expires);
        overhead += mh->db[mh->num_dbs].overhead_ht_main +
                    mh->db[mh->num_dbs].overhead_ht_expires;
        mh->num_dbs++;
    }
    mh->overhead_total = overhead;
    mh->dataset = total > overhead ? total - overhead : 0;
    mh->peak_perc = mh->peak_allocated ? (float)total * 100 / mh->peak_allocated : 0;

    /* Net usage: what has been allocated since the server was ready. */
    size_t net = total > mh->startup_allocated ? total - mh->startup_allocated : 1;
    mh->dataset_perc = (float)mh->dataset * 100 / net;
    mh->bytes_per_key = mh->total_keys ? net / mh->total_keys : 0;

    size_t rss = zmalloc_get_rss();
    zmalloc_get_allocator_info(&mh->allocator_allocated, &mh->allocator_active,
                               &mh->allocator_resident);
    mh->rss = rss;
    mh->allocator_frag = mh->allocator_allocated ?
        (float)mh->allocator_active / mh->allocator_allocated : 0;
    mh->allocator_frag_bytes = (long long)mh->allocator_active - (long long)mh->allocator_allocated;
    mh->allocator_rss = mh->allocator_active ?
        (float)mh->allocator_resident / mh->allocator_active : 0;
    mh->allocator_rss_bytes = (long long)mh->allocator_resident - (long long)mh->allocator_active;
    mh->rss_extra = mh->allocator_resident ? (float)rss / mh->allocator_resident : 0;
    mh->rss_extra_bytes = (long long)rss - (long long)mh->allocator_resident;
    mh->total_frag = total ? (float)rss / total : 0;
    mh->total_frag_bytes = (long long)rss - (long long)total;
    return mh;
}

void freeMemoryOverheadData(memOverhead *mh) {
    zfree(mh->db);
    zfree(mh);
}

size_t getNotCountedMemory(void) {
    return freeMemoryGetNotCountedMemory ? freeMemoryGetNotCountedMemory() : 0;
}

/* ---------------------------------------------------------------------------
 * MEMORY DOCTOR
 * ------------------------------------------------------------------------ */

#define DOCTOR_EMPTY_LIMIT (1024*1024*5)

/* A report in the voice of the stock one: an empty-instance notice, a clean
 * bill of health, or a list of the problems found. */
static sds memoryDoctorReport(void) {
    memOverhead *mh = getMemoryOverheadData();
    sds s;

    if (mh->total_allocated < DOCTOR_EMPTY_LIMIT) {
        freeMemoryOverheadData(mh);
        return sdsnew("Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n");
    }

    int high_peak = mh->peak_allocated / 2 > mh->total_allocated;
    int high_frag = mh->total_frag > 1.4 && mh->total_frag_bytes > 10 << 20;
    int big_clients = mh->clients_normal > 200 * 1024 * 1024 ||
                      (mh->clients_normal / 1024 > 0 && listLength(server.clients) &&
                       mh->clients_normal / listLength(server.clients) > 1024 * 500);
    int big_replicas = listLength(server.slaves) &&
                       mh->clients_slaves / listLength(server.slaves) > 1024 * 1024 * 10;

    if (!high_peak && !high_frag && !big_clients && !big_replicas) {
        freeMemoryOverheadData(mh);
        return sdsnew("Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n");
    }

    s = sdsnew("Sam, I detected a few issues in this Redis instance memory implants:\n\n");
    if (high_peak)
        s = sdscat(s, " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n");
    if (high_frag)
        s = sdscatprintf(s, " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"%s\".\n\n", zmalloc_lib_name());
    if (big_clients)
        s = sdscat(s, " * Big client buffers: The clients output buffers in this instance are greater than 200MB or are over 500KB per client on average. This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n");
    if (big_replicas)
        s = sdscat(s, " * Big replica buffers: The replica output buffers in this instance are greater than 10MB for each replica (on average). This likely means that there is some replica instance that is struggling receiving data, either because it is too slow or because of networking issues. As a result, data piles on the master output buffers. Please try to identify what replica is not receiving data correctly and why. You can use the INFO output in order to check the replicas delays and the CLIENT LIST command to check the output buffers of each replica.\n\n");
    s = sdscat(s, "I'm here to keep you safe, Sam. I want to help you.\n");
    freeMemoryOverheadData(mh);
    return s;
}

/* ---------------------------------------------------------------------------
 * MEMORY command
 * ------------------------------------------------------------------------ */

#define MEMORY_USAGE_DEFAULT_SAMPLES 5

/* MEMORY USAGE key [SAMPLES count]: value + key sds + the dict entry. */
static void memoryUsageSubcommand(client *c) {
    long long samples = MEMORY_USAGE_DEFAULT_SAMPLES;
    for (int j = 3; j < c->argc; j++) {
        if (!strcasecmp(c->argv[j]->ptr, "samples") && j + 1 < c->argc) {
            if (getLongLongFromObjectOrReply(c, c->argv[j + 1], &samples, NULL) == C_ERR)
                return;
            if (samples < 0) {
                addReplyErrorObject(c, shared.syntaxerr);
                return;
            }
            if (samples == 0) samples = LLONG_MAX;
            j++;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    dictEntry *de = dictFind(c->db->dict, c->argv[2]->ptr);
    if (de == NULL) {
        addReplyNull(c);
        return;
    }
    size_t usage = objectComputeSize(c->argv[2], dictGetVal(de), samples, c->db->id);
    usage += zmalloc_size(sdsAllocPtr(dictGetKey(de)));
    usage += sizeof(dictEntry);
    addReplyLongLong(c, usage);
}

static void addReplyMemStat(client *c, const char *name, long long v) {
    addReplyBulkCString(c, name);
    addReplyLongLong(c, v);
}

static void addReplyMemStatDouble(client *c, const char *name, float v) {
    addReplyBulkCString(c, name);
    addReplyDouble(c, v);
}

static void memoryStatsSubcommand(client *c) {
    memOverhead *mh = getMemoryOverheadData();

    addReplyMapLen(c, 27 + mh->num_dbs);
    addReplyMemStat(c, "peak.allocated", mh->peak_allocated);
    addReplyMemStat(c, "total.allocated", mh->total_allocated);
    addReplyMemStat(c, "startup.allocated", mh->startup_allocated);
    addReplyMemStat(c, "replication.backlog", mh->repl_backlog);
    addReplyMemStat(c, "clients.slaves", mh->clients_slaves);
    addReplyMemStat(c, "clients.normal", mh->clients_normal);
    addReplyMemStat(c, "cluster.links", mh->cluster_links);
    addReplyMemStat(c, "aof.buffer", mh->aof_buffer);
    addReplyMemStat(c, "lua.caches", mh->lua_caches);
    addReplyMemStat(c, "functions.caches", mh->functions_caches);
    for (size_t j = 0; j < mh->num_dbs; j++) {
        char dbname[32];
        snprintf(dbname, sizeof(dbname), "db.%d", mh->db[j].dbid);
        addReplyBulkCString(c, dbname);
        addReplyMapLen(c, 3);
        addReplyMemStat(c, "overhead.hashtable.main", mh->db[j].overhead_ht_main);
        addReplyMemStat(c, "overhead.hashtable.expires", mh->db[j].overhead_ht_expires);
        addReplyMemStat(c, "overhead.hashtable.slot-to-keys", 0);
    }
    addReplyMemStat(c, "overhead.total", mh->overhead_total);
    addReplyMemStat(c, "keys.count", mh->total_keys);
    addReplyMemStat(c, "keys.bytes-per-key", mh->bytes_per_key);
    addReplyMemStat(c, "dataset.bytes", mh->dataset);
    addReplyMemStatDouble(c, "dataset.percentage", mh->dataset_perc);
    addReplyMemStatDouble(c, "peak.percentage", mh->peak_perc);
    addReplyMemStat(c, "allocator.allocated", mh->allocator_allocated);
    addReplyMemStat(c, "allocator.active", mh->allocator_active);
    addReplyMemStat(c, "allocator.resident", mh->allocator_resident);
    addReplyMemStatDouble(c, "allocator-fragmentation.ratio", mh->allocator_frag);
    addReplyMemStat(c, "allocator-fragmentation.bytes", mh->allocator_frag_bytes);
    addReplyMemStatDouble(c, "allocator-rss.ratio", mh->allocator_rss);
    addReplyMemStat(c, "allocator-rss.bytes", mh->allocator_rss_bytes);
    addReplyMemStatDouble(c, "rss-overhead.ratio", mh->rss_extra);
    addReplyMemStat(c, "rss-overhead.bytes", mh->rss_extra_bytes);
    addReplyMemStatDouble(c, "fragmentation", mh->total_frag);
    addReplyMemStat(c, "fragmentation.bytes", mh->total_frag_bytes);
    freeMemoryOverheadData(mh);
}

#if defined(USE_JEMALLOC)
static void appendMallocStats(void *opaque, const char *msg) {
    sds *info = opaque;
    *info = sdscat(*info, msg);
}
#endif

static void memoryMallocStatsSubcommand(client *c) {
#if defined(USE_JEMALLOC)
    sds info = sdsempty();
    malloc_stats_print(appendMallocStats, &info, NULL);
    addReplyVerbatim(c, info, sdslen(info), "txt");
    sdsfree(info);
#else
    addReplyBulkCString(c, "Stats not supported for the current allocator");
#endif
}

/* Give dirty pages back to the OS (jemalloc); a no-op elsewhere. */
static void memoryPurgeSubcommand(client *c) {
#if defined(USE_JEMALLOC)
    char name[64];
    snprintf(name, sizeof(name), "arena.%u.purge", (unsigned)MALLCTL_ARENAS_ALL);
    mallctl(name, NULL, NULL, NULL, 0);
#endif
    addReply(c, shared.ok);
}

void memoryCommand(client *c) {
    const char *sub = c->argv[1]->ptr;
    if (!strcasecmp(sub, "help") && c->argc == 2) {
        const char *help[] = {
"DOCTOR",
"    Return memory problems reports.",
"MALLOC-STATS",
"    Return internal statistics report from the memory allocator.",
"PURGE",
"    Attempt to purge dirty pages for reclamation by the allocator.",
"STATS",
"    Return information about the memory usage of the server.",
"USAGE <key> [SAMPLES <count>]",
"    Return memory in bytes used by <key> and its value. Nested values are",
"    sampled up to <count> times (default: 5, 0 means sample all).",
NULL
        };
        addReplyHelp(c, help);
    } else if (!strcasecmp(sub, "usage") && c->argc >= 3) {
        memoryUsageSubcommand(c);
    } else if (!strcasecmp(sub, "stats") && c->argc == 2) {
        memoryStatsSubcommand(c);
    } else if (!strcasecmp(sub, "malloc-stats") && c->argc == 2) {
        memoryMallocStatsSubcommand(c);
    } else if (!strcasecmp(sub, "doctor") && c->argc == 2) {
        sds report = memoryDoctorReport();
        addReplyVerbatim(c, report, sdslen(report), "txt");
        sdsfree(report);
    } else if (!strcasecmp(sub, "purge") && c->argc == 2) {
        memoryPurgeSubcommand(c);
    } else {
        addReplySubcommandSyntaxError(c);
    }
}
