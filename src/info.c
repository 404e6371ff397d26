/* info.c - the INFO command, in Redis 7.0.15's exact text format.
 *
 * INFO prints "# Section" blocks of "field:value" lines ending in "\r\n",
 * with one blank line between sections, in a fixed section order whatever
 * order they were asked in. genRedisInfoString() builds the text for a set
 * of section names so other modules (the cluster, crash reports) can reuse
 * it. Fields of features other modules own come from optional (weak) hooks
 * declared in server.h; while such a module is absent INFO prints what an
 * idle stock server with persistence disabled would print, so clients and
 * exporters that parse INFO see every field they expect.
 */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "server.h"
#include <sys/utsname.h>
#include <sys/time.h>
#include <sys/resource.h>
#include <math.h>

#pragma weak genPersistenceInfoFields
#pragma weak genReplicationInfoFields
#pragma weak genModulesInfoFields
#pragma weak pubsubTotalChannels
#pragma weak pubsubTotalPatterns
#pragma weak pubsubTotalShardChannels
#pragma weak trackingGetTotalKeys
#pragma weak trackingGetTotalItems
#pragma weak trackingGetTotalPrefixes
#pragma weak commandLatencyPercentile
#pragma weak persistenceTotalForks

#define CALL_COUNT_HOOK(fn) ((fn) ? (unsigned long long)(fn)() : 0ULL)

/* Sections in the order INFO prints them, and which of them "default"
 * (and INFO without arguments) includes: see infoSections[] below. */
typedef sds infoSectionFn(sds info);
typedef struct infoSection {
    const char *name;
    int in_default;
    infoSectionFn *gen;
} infoSection;

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

/* Ids every instance must have; filled lazily if start-up did not. */
void infoEnsureIds(void) {
    if (server.runid[0] == '\0') {
        getRandomHexChars(server.runid, CONFIG_RUN_ID_SIZE);
        server.runid[CONFIG_RUN_ID_SIZE] = '\0';
    }
    if (server.replid[0] == '\0') {
        getRandomHexChars(server.replid, CONFIG_RUN_ID_SIZE);
        server.replid[CONFIG_RUN_ID_SIZE] = '\0';
    }
    if (server.replid2[0] == '\0') {
        memset(server.replid2, '0', CONFIG_RUN_ID_SIZE);
        server.replid2[CONFIG_RUN_ID_SIZE] = '\0';
        server.second_replid_offset = -1;
    }
}

static const char *humanBytes(char *buf, size_t len, unsigned long long n) {
    bytesToHuman(buf, len, n);
    return buf;
}

static const char *maxmemoryPolicyName(int policy) {
    switch (policy) {
    case MAXMEMORY_VOLATILE_LRU: return "volatile-lru";
    case MAXMEMORY_VOLATILE_LFU: return "volatile-lfu";
    case MAXMEMORY_VOLATILE_RANDOM: return "volatile-random";
    case MAXMEMORY_VOLATILE_TTL: return "volatile-ttl";
    case MAXMEMORY_ALLKEYS_LRU: return "allkeys-lru";
    case MAXMEMORY_ALLKEYS_LFU: return "allkeys-lfu";
    case MAXMEMORY_ALLKEYS_RANDOM: return "allkeys-random";
    default: return "noeviction";
    }
}

static const char *supervisedName(void) {
    switch (server.supervised_mode) {
    case SUPERVISED_UPSTART: return "upstart";
    case SUPERVISED_SYSTEMD: return "systemd";
    case SUPERVISED_AUTODETECT: return "unknown";
    default: return "no";
    }
}

/* A stable per-build id (stock derives it from the build too). */
static const char *buildId(void) {
    static char id[32];
    if (id[0] == '\0') {
        const char *src = REDIS_VERSION __DATE__ __TIME__;
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */
        for (const char *p = src; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
        snprintf(id, sizeof(id), "%llx", (unsigned long long)(h >> 4));
    }
    return id;
}

/* Values written into INFO must not break its line format. */
static sds catSafeInfoString(sds info, const char *s) {
    for (const char *p = s; *p; p++) {
        char ch = *p;
        if (ch == '\r' || ch == '\n' || ch == ':' || ch == ',') ch = '_';
        info = sdscatlen(info, &ch, 1);
    }
    return info;
}

/* ---------------------------------------------------------------------------
 * Sections
 * ------------------------------------------------------------------------ */

static sds infoServer(sds info) {
    static struct utsname name;
    static int have_uname = 0;
    if (!have_uname) {
        uname(&name);
        have_uname = 1;
    }
    long long uptime = server.unixtime - server.stat_starttime;
    const char *mode = server.cluster_enabled ? "cluster" :
                       server.sentinel_mode ? "sentinel" : "standalone";
    info = sdscatprintf(info,
        "# Server\r\n"
        "redis_version:%s\r\n"
        "redis_git_sha1:%s\r\n"
        "redis_git_dirty:%d\r\n"
        "redis_build_id:%s\r\n"
        "redis_mode:%s\r\n"
        "os:%s %s %s\r\n"
        "arch_bits:%i\r\n"
        "monotonic_clock:%s\r\n"
        "multiplexing_api:%s\r\n"
        "atomicvar_api:%s\r\n"
        "gcc_version:%i.%i.%i\r\n"
        "process_id:%ld\r\n"
        "process_supervised:%s\r\n"
        "run_id:%s\r\n"
        "tcp_port:%i\r\n"
        "server_time_usec:%lld\r\n"
        "uptime_in_seconds:%lld\r\n"
        "uptime_in_days:%lld\r\n"
        "hz:%i\r\n"
        "configured_hz:%i\r\n"
        "lru_clock:%u\r\n"
        "executable:%s\r\n"
        "config_file:%s\r\n"
        "io_threads_active:%i\r\n",
        REDIS_VERSION, "00000000", 0, buildId(), mode,
        name.sysname, name.release, name.machine,
        (int)(sizeof(long) * 8),
        "POSIX clock_gettime",
        aeGetApiName(),
        "c11-builtin",
#ifdef __GNUC__
        __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#else
        0, 0, 0,
#endif
        (long)getpid(),
        supervisedName(),
        server.runid,
        server.port ? server.port : server.tls_port,
        (long long)ustime(),
        uptime, uptime / (3600 * 24),
        server.hz, server.config_hz,
        server.lruclock,
        server.executable ? server.executable : "",
        server.configfile ? server.configfile : "",
        0);
    return info;
}

static sds infoClients(sds info) {
    listIter li;
    listNode *ln;
    size_t max_in = 0, max_out = 0;
    unsigned long blocked = 0, tracking = 0;

    listRewind(server.clients, &li);
    while ((ln = listNext(&li)) != NULL) {
        client *c = listNodeValue(ln);
        size_t in = c->querybuf ? sdsAllocSize(c->querybuf) : 0;
        size_t out = getClientOutputBufferMemoryUsage(c);
        if (in > max_in) max_in = in;
        if (out > max_out) max_out = out;
        if (c->flags & CLIENT_BLOCKED) blocked++;
        if (c->flags & CLIENT_TRACKING) tracking++;
    }
    info = sdscatprintf(info,
        "# Clients\r\n"
        "connected_clients:%lu\r\n"
        "cluster_connections:%lu\r\n"
        "maxclients:%u\r\n"
        "client_recent_max_input_buffer:%zu\r\n"
        "client_recent_max_output_buffer:%zu\r\n"
        "blocked_clients:%lu\r\n"
        "tracking_clients:%lu\r\n"
        "clients_in_timeout_table:%lu\r\n",
        listLength(server.clients) - listLength(server.slaves),
        clusterConnectionsCount(),
        server.maxclients,
        max_in, max_out,
        blocked, tracking,
        blockedClientsInTimeoutTable());
    return info;
}

static sds infoMemory(sds info) {
    char hmem[64], peak_hmem[64], rss_hmem[64], sys_hmem[64], max_hmem[64];
    char lua_hmem[64], vm_total_hmem[64], scripts_hmem[64];
    memOverhead *mh = getMemoryOverheadData();
    scriptingMemInfo smi;
    size_t total_system = zmalloc_get_memory_size();

    getScriptingMemoryInfo(&smi);
    size_t vm_total = smi.lua_vm + smi.functions_vm;
    size_t scripts_mem = smi.lua_caches + smi.functions_caches;

    info = sdscatprintf(info,
        "# Memory\r\n"
        "used_memory:%zu\r\n"
        "used_memory_human:%s\r\n"
        "used_memory_rss:%zu\r\n"
        "used_memory_rss_human:%s\r\n"
        "used_memory_peak:%zu\r\n"
        "used_memory_peak_human:%s\r\n"
        "used_memory_peak_perc:%.2f%%\r\n"
        "used_memory_overhead:%zu\r\n"
        "used_memory_startup:%zu\r\n"
        "used_memory_dataset:%zu\r\n"
        "used_memory_dataset_perc:%.2f%%\r\n"
        "allocator_allocated:%zu\r\n"
        "allocator_active:%zu\r\n"
        "allocator_resident:%zu\r\n"
        "total_system_memory:%zu\r\n"
        "total_system_memory_human:%s\r\n",
        mh->total_allocated, humanBytes(hmem, sizeof(hmem), mh->total_allocated),
        mh->rss, humanBytes(rss_hmem, sizeof(rss_hmem), mh->rss),
        mh->peak_allocated, humanBytes(peak_hmem, sizeof(peak_hmem), mh->peak_allocated),
        mh->peak_perc,
        mh->overhead_total, mh->startup_allocated, mh->dataset, mh->dataset_perc,
        mh->allocator_allocated, mh->allocator_active, mh->allocator_resident,
        total_system, humanBytes(sys_hmem, sizeof(sys_hmem), total_system));
    info = sdscatprintf(info,
        "used_memory_lua:%zu\r\n"
        "used_memory_vm_eval:%zu\r\n"
        "used_memory_lua_human:%s\r\n"
        "used_memory_scripts_eval:%zu\r\n"
        "number_of_cached_scripts:%zu\r\n"
        "number_of_functions:%zu\r\n"
        "number_of_libraries:%zu\r\n"
        "used_memory_vm_functions:%zu\r\n"
        "used_memory_vm_total:%zu\r\n"
        "used_memory_vm_total_human:%s\r\n"
        "used_memory_functions:%zu\r\n"
        "used_memory_scripts:%zu\r\n"
        "used_memory_scripts_human:%s\r\n",
        smi.lua_vm, smi.lua_vm, humanBytes(lua_hmem, sizeof(lua_hmem), smi.lua_vm),
        smi.lua_caches, smi.lua_scripts_count, smi.functions_count, smi.libraries_count,
        smi.functions_vm, vm_total, humanBytes(vm_total_hmem, sizeof(vm_total_hmem), vm_total),
        smi.functions_caches, scripts_mem,
        humanBytes(scripts_hmem, sizeof(scripts_hmem), scripts_mem));
    info = sdscatprintf(info,
        "maxmemory:%lld\r\n"
        "maxmemory_human:%s\r\n"
        "maxmemory_policy:%s\r\n"
        "allocator_frag_ratio:%.2f\r\n"
        "allocator_frag_bytes:%lld\r\n"
        "allocator_rss_ratio:%.2f\r\n"
        "allocator_rss_bytes:%lld\r\n"
        "rss_overhead_ratio:%.2f\r\n"
        "rss_overhead_bytes:%lld\r\n"
        "mem_fragmentation_ratio:%.2f\r\n"
        "mem_fragmentation_bytes:%lld\r\n"
        "mem_not_counted_for_evict:%zu\r\n"
        "mem_replication_backlog:%zu\r\n"
        "mem_total_replication_buffers:%zu\r\n"
        "mem_clients_slaves:%zu\r\n"
        "mem_clients_normal:%zu\r\n"
        "mem_cluster_links:%zu\r\n"
        "mem_aof_buffer:%zu\r\n"
        "mem_allocator:%s\r\n"
        "active_defrag_running:%d\r\n"
        "lazyfree_pending_objects:%zu\r\n"
        "lazyfreed_objects:%zu\r\n",
        (long long)server.maxmemory, humanBytes(max_hmem, sizeof(max_hmem), server.maxmemory),
        maxmemoryPolicyName(server.maxmemory_policy),
        mh->allocator_frag, mh->allocator_frag_bytes,
        mh->allocator_rss, mh->allocator_rss_bytes,
        mh->rss_extra, mh->rss_extra_bytes,
        mh->total_frag, mh->total_frag_bytes,
        getNotCountedMemory(),
        mh->repl_backlog, mh->repl_backlog,
        mh->clients_slaves, mh->clients_normal,
        mh->cluster_links, mh->aof_buffer,
        zmalloc_lib_name(),
        0,
        lazyfreeGetPendingObjectsCount(),
        lazyfreeGetFreedObjectsCount());
    freeMemoryOverheadData(mh);
    return info;
}

/* What a server with no persistence activity reports; the persistence
 * module replaces it through genPersistenceInfoFields(). */
static sds infoPersistenceDefaults(sds info) {
    info = sdscatprintf(info,
        "loading:%d\r\n"
        "async_loading:0\r\n"
        "current_cow_peak:0\r\n"
        "current_cow_size:0\r\n"
        "current_cow_size_age:0\r\n"
        "current_fork_perc:0.00\r\n"
        "current_save_keys_processed:0\r\n"
        "current_save_keys_total:0\r\n"
        "rdb_changes_since_last_save:%lld\r\n"
        "rdb_bgsave_in_progress:0\r\n"
        "rdb_last_save_time:%lld\r\n"
        "rdb_last_bgsave_status:%s\r\n"
        "rdb_last_bgsave_time_sec:-1\r\n"
        "rdb_current_bgsave_time_sec:-1\r\n"
        "rdb_saves:0\r\n"
        "rdb_last_cow_size:0\r\n"
        "rdb_last_load_keys_expired:0\r\n"
        "rdb_last_load_keys_loaded:0\r\n"
        "aof_enabled:%d\r\n"
        "aof_rewrite_in_progress:0\r\n"
        "aof_rewrite_scheduled:0\r\n"
        "aof_last_rewrite_time_sec:-1\r\n"
        "aof_current_rewrite_time_sec:-1\r\n"
        "aof_last_bgrewrite_status:ok\r\n"
        "aof_rewrites:0\r\n"
        "aof_rewrites_consecutive_failures:0\r\n"
        "aof_last_write_status:ok\r\n"
        "aof_last_cow_size:0\r\n"
        "module_fork_in_progress:0\r\n"
        "module_fork_last_cow_size:0\r\n",
        server.loading ? 1 : 0,
        server.dirty,
        (long long)server.lastsave,
        server.lastbgsave_status == C_OK ? "ok" : "err",
        server.aof_enabled ? 1 : 0);
    return info;
}

static sds infoPersistence(sds info) {
    info = sdscat(info, "# Persistence\r\n");
    if (genPersistenceInfoFields) return genPersistenceInfoFields(info);
    return infoPersistenceDefaults(info);
}

static sds infoStats(sds info) {
    long long now_ms = mstime();
    long long cur_evict_ms = 0;
    if (server.stat_last_eviction_exceeded_time)
        cur_evict_ms = now_ms - server.stat_last_eviction_exceeded_time;

    info = sdscatprintf(info,
        "# Stats\r\n"
        "total_connections_received:%lld\r\n"
        "total_commands_processed:%lld\r\n"
        "instantaneous_ops_per_sec:%lld\r\n"
        "total_net_input_bytes:%lld\r\n"
        "total_net_output_bytes:%lld\r\n"
        "total_net_repl_input_bytes:%lld\r\n"
        "total_net_repl_output_bytes:%lld\r\n"
        "instantaneous_input_kbps:%.2f\r\n"
        "instantaneous_output_kbps:%.2f\r\n"
        "instantaneous_input_repl_kbps:%.2f\r\n"
        "instantaneous_output_repl_kbps:%.2f\r\n"
        "rejected_connections:%lld\r\n"
        "sync_full:%lld\r\n"
        "sync_partial_ok:%lld\r\n"
        "sync_partial_err:%lld\r\n"
        "expired_keys:%lld\r\n"
        "expired_stale_perc:%.2f\r\n"
        "expired_time_cap_reached_count:%lld\r\n"
        "expire_cycle_cpu_milliseconds:%lld\r\n"
        "evicted_keys:%lld\r\n"
        "evicted_clients:%lld\r\n"
        "total_eviction_exceeded_time:%lld\r\n"
        "current_eviction_exceeded_time:%lld\r\n"
        "keyspace_hits:%lld\r\n"
        "keyspace_misses:%lld\r\n",
        server.stat_numconnections,
        server.stat_numcommands,
        getInstantaneousMetric(STATS_METRIC_COMMAND),
        server.stat_net_input_bytes + server.stat_net_repl_input_bytes,
        server.stat_net_output_bytes + server.stat_net_repl_output_bytes,
        server.stat_net_repl_input_bytes,
        server.stat_net_repl_output_bytes,
        (float)getInstantaneousMetric(STATS_METRIC_NET_INPUT) / 1024,
        (float)getInstantaneousMetric(STATS_METRIC_NET_OUTPUT) / 1024,
        (float)getInstantaneousMetric(STATS_METRIC_NET_INPUT_REPLICATION) / 1024,
        (float)getInstantaneousMetric(STATS_METRIC_NET_OUTPUT_REPLICATION) / 1024,
        server.stat_rejected_conn,
        server.stat_sync_full,
        server.stat_sync_partial_ok,
        server.stat_sync_partial_err,
        server.stat_expiredkeys,
        server.stat_expired_stale_perc * 100,
        server.stat_expired_time_cap_reached_count,
        server.stat_expire_cycle_time_used / 1000,
        server.stat_evictedkeys,
        server.stat_evictedclients,
        (server.stat_total_eviction_exceeded_time + cur_evict_ms),
        cur_evict_ms,
        server.stat_keyspace_hits,
        server.stat_keyspace_misses);
    info = sdscatprintf(info,
        "pubsub_channels:%llu\r\n"
        "pubsub_patterns:%llu\r\n"
        "pubsubshard_channels:%llu\r\n"
        "latest_fork_usec:%lld\r\n"
        "total_forks:%d\r\n"
        "migrate_cached_sockets:%d\r\n"
        "slave_expires_tracked_keys:%d\r\n"
        "active_defrag_hits:%d\r\n"
        "active_defrag_misses:%d\r\n"
        "active_defrag_key_hits:%d\r\n"
        "active_defrag_key_misses:%d\r\n"
        "total_active_defrag_time:%d\r\n"
        "current_active_defrag_time:%d\r\n"
        "tracking_total_keys:%llu\r\n"
        "tracking_total_items:%llu\r\n"
        "tracking_total_prefixes:%llu\r\n"
        "unexpected_error_replies:%lld\r\n"
        "total_error_replies:%lld\r\n"
        "dump_payload_sanitizations:%lld\r\n"
        "total_reads_processed:%lld\r\n"
        "total_writes_processed:%lld\r\n"
        "io_threaded_reads_processed:%lld\r\n"
        "io_threaded_writes_processed:%lld\r\n"
        "reply_buffer_shrinks:%d\r\n"
        "reply_buffer_expands:%d\r\n",
        CALL_COUNT_HOOK(pubsubTotalChannels),
        CALL_COUNT_HOOK(pubsubTotalPatterns),
        CALL_COUNT_HOOK(pubsubTotalShardChannels),
        server.stat_fork_time,
        (int)CALL_COUNT_HOOK(persistenceTotalForks),
        0, 0, 0, 0, 0, 0, 0, 0,
        CALL_COUNT_HOOK(trackingGetTotalKeys),
        CALL_COUNT_HOOK(trackingGetTotalItems),
        CALL_COUNT_HOOK(trackingGetTotalPrefixes),
        server.stat_unexpected_error_replies,
        server.stat_total_error_replies,
        server.stat_dump_payload_sanitizations,
        server.stat_total_reads_processed,
        server.stat_total_writes_processed,
        server.stat_io_reads_processed,
        server.stat_io_writes_processed,
        0, 0);
    return info;
}

/* A master with no replicas; replication.c replaces it. */
static sds infoReplicationDefaults(sds info) {
    return sdscatprintf(info,
        "role:%s\r\n"
        "connected_slaves:%lu\r\n"
        "master_failover_state:no-failover\r\n"
        "master_replid:%s\r\n"
        "master_replid2:%s\r\n"
        "master_repl_offset:%lld\r\n"
        "second_repl_offset:%lld\r\n"
        "repl_backlog_active:0\r\n"
        "repl_backlog_size:%lld\r\n"
        "repl_backlog_first_byte_offset:0\r\n"
        "repl_backlog_histlen:0\r\n",
        server.masterhost ? "slave" : "master",
        listLength(server.slaves),
        server.replid, server.replid2,
        server.master_repl_offset,
        server.second_replid_offset,
        server.repl_backlog_size);
}

static sds infoReplication(sds info) {
    info = sdscat(info, "# Replication\r\n");
    if (genReplicationInfoFields) return genReplicationInfoFields(info);
    return infoReplicationDefaults(info);
}

static sds catRusageTime(sds info, const char *field, struct timeval tv) {
    return sdscatprintf(info, "%s:%ld.%06ld\r\n", field, (long)tv.tv_sec, (long)tv.tv_usec);
}

static sds infoCpu(sds info) {
    struct rusage self, children, thread;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    info = sdscat(info, "# CPU\r\n");
    info = catRusageTime(info, "used_cpu_sys", self.ru_stime);
    info = catRusageTime(info, "used_cpu_user", self.ru_utime);
    info = catRusageTime(info, "used_cpu_sys_children", children.ru_stime);
    info = catRusageTime(info, "used_cpu_user_children", children.ru_utime);
#ifdef RUSAGE_THREAD
    getrusage(RUSAGE_THREAD, &thread);
    info = catRusageTime(info, "used_cpu_sys_main_thread", thread.ru_stime);
    info = catRusageTime(info, "used_cpu_user_main_thread", thread.ru_utime);
#else
    (void)thread;
#endif
    return info;
}

static sds infoModules(sds info) {
    info = sdscat(info, "# Modules\r\n");
    if (genModulesInfoFields) info = genModulesInfoFields(info);
    return info;
}

static sds catCommandStats(sds info, dict *commands) {
    dictIterator *di = dictGetSafeIterator(commands);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        struct redisCommand *cmd = dictGetVal(de);
        if (cmd->calls || cmd->failed_calls || cmd->rejected_calls) {
            info = sdscat(info, "cmdstat_");
            info = catSafeInfoString(info, cmd->fullname);
            info = sdscatprintf(info,
                ":calls=%lld,usec=%lld,usec_per_call=%.2f,rejected_calls=%lld,failed_calls=%lld\r\n",
                cmd->calls, cmd->microseconds,
                cmd->calls ? (float)cmd->microseconds / cmd->calls : 0.0f,
                cmd->rejected_calls, cmd->failed_calls);
        }
        if (cmd->subcommands_dict) info = catCommandStats(info, cmd->subcommands_dict);
    }
    dictReleaseIterator(di);
    return info;
}

static int compareSds(const void *a, const void *b) {
    return strcmp(*(const sds *)a, *(const sds *)b);
}

/* Errors sorted by name, as stock prints them (its table is a radix tree). */
static sds infoErrorStats(sds info) {
    info = sdscat(info, "# Errorstats\r\n");
    if (!server.errors || dictSize(server.errors) == 0) return info;
    size_t n = 0, count = dictSize(server.errors);
    sds *names = zmalloc(sizeof(sds) * count);
    dictIterator *di = dictGetIterator(server.errors);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL && n < count) names[n++] = dictGetKey(de);
    dictReleaseIterator(di);
    qsort(names, n, sizeof(sds), compareSds);
    for (size_t j = 0; j < n; j++) {
        dictEntry *e = dictFind(server.errors, names[j]);
        info = sdscatprintf(info, "errorstat_%s:count=%llu\r\n",
                            names[j], (unsigned long long)dictGetUnsignedIntegerVal(e));
    }
    zfree(names);
    return info;
}

/* "p99.9": the percentile as the shortest decimal that prints it. */
static void percentileLabel(char *buf, size_t len, double p) {
    snprintf(buf, len, "%f", p);
    char *dot = strchr(buf, '.');
    if (!dot) return;
    char *end = buf + strlen(buf) - 1;
    while (end > dot && *end == '0') *end-- = '\0';
    if (end == dot) *end = '\0';
}

static sds catCommandLatency(sds info, struct redisCommand *cmd) {
    double first;
    if (!commandLatencyPercentile(cmd, 50.0, &first)) return info;
    info = sdscat(info, "latency_percentiles_usec_");
    info = catSafeInfoString(info, cmd->fullname);
    info = sdscat(info, ":");
    for (int j = 0; j < server.latency_tracking_info_percentiles_len; j++) {
        double p = server.latency_tracking_info_percentiles[j], usec = 0;
        char label[64];
        commandLatencyPercentile(cmd, p, &usec);
        percentileLabel(label, sizeof(label), p);
        info = sdscatprintf(info, "%sp%s=%.3f", j ? "," : "", label, usec);
    }
    return sdscat(info, "\r\n");
}

static sds catLatencyStats(sds info, dict *commands) {
    dictIterator *di = dictGetSafeIterator(commands);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        struct redisCommand *cmd = dictGetVal(de);
        info = catCommandLatency(info, cmd);
        if (cmd->subcommands_dict) info = catLatencyStats(info, cmd->subcommands_dict);
    }
    dictReleaseIterator(di);
    return info;
}

static sds infoLatencyStats(sds info) {
    info = sdscat(info, "# Latencystats\r\n");
    if (server.latency_tracking_enabled && commandLatencyPercentile)
        info = catLatencyStats(info, server.commands);
    return info;
}

static sds infoKeyspace(sds info) {
    info = sdscat(info, "# Keyspace\r\n");
    for (int j = 0; j < server.dbnum; j++) {
        redisDb *db = server.db + j;
        long long keys = dictSize(db->dict), vkeys = dictSize(db->expires);
        if (keys || vkeys)
            info = sdscatprintf(info, "db%d:keys=%lld,expires=%lld,avg_ttl=%lld\r\n",
                                j, keys, vkeys, db->avg_ttl);
    }
    return info;
}

static sds infoCommandStats(sds info) {
    info = sdscat(info, "# Commandstats\r\n");
    return catCommandStats(info, server.commands);
}

static sds infoCluster(sds info) {
    info = sdscatprintf(info, "# Cluster\r\ncluster_enabled:%d\r\n", server.cluster_enabled ? 1 : 0);
    if (server.cluster_enabled) info = clusterAddrInfo(info);  /* NAT addresses */
    return info;
}

static const infoSection infoSections[] = {
    {"server", 1, infoServer},
    {"clients", 1, infoClients},
    {"memory", 1, infoMemory},
    {"persistence", 1, infoPersistence},
    {"stats", 1, infoStats},
    {"replication", 1, infoReplication},
    {"cpu", 1, infoCpu},
    {"modules", 1, infoModules},
    {"commandstats", 0, infoCommandStats},
    {"errorstats", 1, infoErrorStats},
    {"latencystats", 0, infoLatencyStats},
    {"cluster", 1, infoCluster},
    {"keyspace", 1, infoKeyspace},
    {NULL, 0, NULL}
};

/* ---------------------------------------------------------------------------
 * Section selection
 * ------------------------------------------------------------------------ */

static dictType infoSectionDictType = {
    dictSdsCaseHash, NULL, NULL, dictSdsKeyCaseCompare, dictSdsDestructor, NULL, NULL
};

static void addSectionName(dict *sec, const char *name) {
    sds s = sdsnew(name);
    sdstolower(s);
    if (dictAdd(sec, s, NULL) != DICT_OK) sdsfree(s);
}

static void addDefaultSections(dict *sec, char **defaults) {
    if (defaults) {
        for (int j = 0; defaults[j]; j++) addSectionName(sec, defaults[j]);
        return;
    }
    for (int j = 0; infoSections[j].name; j++)
        if (infoSections[j].in_default) addSectionName(sec, infoSections[j].name);
}

/* Turn INFO's arguments into a section dict. "default" adds the default
 * sections, "all" every section, "everything" every section plus those
 * generated by modules; no argument at all means "default". `defaults` may
 * be NULL for INFO's own default list. */
dict *genInfoSectionDict(robj **argv, int argc, char **defaults, int *out_all, int *out_everything) {
    dict *sec = dictCreate(&infoSectionDictType);
    *out_all = *out_everything = 0;
    if (argc == 0) {
        addDefaultSections(sec, defaults);
        return sec;
    }
    for (int j = 0; j < argc; j++) {
        const char *arg = argv[j]->ptr;
        if (!strcasecmp(arg, "default")) {
            addDefaultSections(sec, defaults);
        } else if (!strcasecmp(arg, "all")) {
            *out_all = 1;
        } else if (!strcasecmp(arg, "everything")) {
            *out_all = *out_everything = 1;
        } else {
            addSectionName(sec, arg);
        }
    }
    return sec;
}

void releaseInfoSectionDict(dict *sec) {
    dictRelease(sec);
}

static int sectionWanted(dict *sec, int all_sections, const char *name) {
    if (all_sections) return 1;
    sds key = sdsnew(name);
    int found = dictFind(sec, key) != NULL;
    sdsfree(key);
    return found;
}

/* ---------------------------------------------------------------------------
 * The INFO text and command
 * ------------------------------------------------------------------------ */

sds genRedisInfoString(dict *section_dict, int all_sections, int everything) {
    sds info = sdsempty();
    int sections = 0;
    (void)everything; /* module-generated sections: none until modules exist */

    infoEnsureIds();
    for (int j = 0; infoSections[j].name; j++) {
        const char *name = infoSections[j].name;
        if (!sectionWanted(section_dict, all_sections, name)) continue;
        if (sections++) info = sdscat(info, "\r\n");
        info = infoSections[j].gen(info);
    }
    return info;
}

void infoCommand(client *c) {
    int all = 0, everything = 0;
    dict *sec = genInfoSectionDict(c->argv + 1, c->argc - 1, NULL, &all, &everything);
    sds info = genRedisInfoString(sec, all, everything);
    addReplyVerbatim(c, info, sdslen(info), "txt");
    sdsfree(info);
    releaseInfoSectionDict(sec);
}
