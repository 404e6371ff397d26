/* server.c - main(), start-up, the cron, and command dispatch.
 *
 * The server is single threaded around one event loop (ae.c). This file
 * creates it, opens the listeners, runs serverCron() every 1000/hz ms (time
 * cache, client timeouts, incremental rehashing, active expiry, shutdown on
 * signals) and beforeSleep() before every wait (flush pending replies, fast
 * expiry). processCommand() is the gate every client command passes: lookup,
 * arity, auth, memory, transaction and pub/sub context checks; call() then
 * runs the command and accounts for it (stats, slowlog, MONITOR).
 */
#include "server.h"

/* Replication hooks (replication.c, replica.c); absent, nothing happens. */
#pragma weak replicationCron
#pragma weak replicationBeforeSleep
#pragma weak replicationDenyCommand
#include "rdb.h"
#include "aof.h"
#include "resp.h"
#include "crc64.h"
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>


struct redisServer server;
struct sharedObjectsStruct shared;

/* ---------------------------------------------------------------------------
 * Dict types shared by the modules
 * ------------------------------------------------------------------------ */

uint64_t dictSdsHash(const void *key) {
    return dictGenHashFunction((unsigned char *)key, sdslen((char *)key));
}

uint64_t dictSdsCaseHash(const void *key) {
    return dictGenCaseHashFunction((unsigned char *)key, sdslen((char *)key));
}

int dictSdsKeyCompare(dict *d, const void *key1, const void *key2) {
    (void)d;
    size_t l1 = sdslen((sds)key1), l2 = sdslen((sds)key2);
    if (l1 != l2) return 0;
    return memcmp(key1, key2, l1) == 0;
}

int dictSdsKeyCaseCompare(dict *d, const void *key1, const void *key2) {
    (void)d;
    return strcasecmp(key1, key2) == 0;
}

void dictSdsDestructor(dict *d, void *val) {
    (void)d;
    sdsfree(val);
}

void dictObjectDestructor(dict *d, void *val) {
    (void)d;
    if (val) decrRefCount(val);
}

static uint64_t dictObjHash(const void *key) {
    const robj *o = key;
    return dictGenHashFunction(o->ptr, sdslen((sds)o->ptr));
}

static int dictObjKeyCompare(dict *d, const void *key1, const void *key2) {
    const robj *o1 = key1, *o2 = key2;
    return dictSdsKeyCompare(d, o1->ptr, o2->ptr);
}

/* The dict may grow only if the new table fits in maxmemory: a giant
 * rehash allocation must not push the server far past the limit. */
static int dictExpandAllowed(size_t moreMem, double usedRatio) {
    if (usedRatio <= 1.618) /* keep resizing when the table is overfull */
        return !overMaxmemoryAfterAlloc(moreMem);
    return 1;
}

/* Keyspace: sds keys owned by the dict, robj values. */
dictType dbDictType = {
    dictSdsHash, NULL, NULL, dictSdsKeyCompare,
    dictSdsDestructor, dictObjectDestructor, dictExpandAllowed
};

/* Expires: keys shared with the keyspace dict (not freed here), ms values. */
dictType keyptrDictType = {
    dictSdsHash, NULL, NULL, dictSdsKeyCompare, NULL, NULL, dictExpandAllowed
};

/* robj keys -> pointers (watched keys, blocking keys). */
dictType objectKeyPointerValueDictType = {
    dictObjHash, NULL, NULL, dictObjKeyCompare, dictObjectDestructor, NULL, NULL
};

/* Hash and set values: sds -> sds / sds -> NULL. */
dictType hashDictType = {
    dictSdsHash, NULL, NULL, dictSdsKeyCompare, dictSdsDestructor, dictSdsDestructor, NULL
};
dictType setDictType = {
    dictSdsHash, NULL, NULL, dictSdsKeyCompare, dictSdsDestructor, NULL, NULL
};
dictType zsetDictType = {
    dictSdsHash, NULL, NULL, dictSdsKeyCompare, NULL, NULL, NULL
};

/* Error stats: error prefix (sds) -> count. */
static dictType errorsDictType = {
    dictSdsHash, NULL, NULL, dictSdsKeyCompare, dictSdsDestructor, NULL, NULL
};

/* Below 10% fill, a table is worth shrinking. */
int htNeedsResize(dict *dict) {
    long long size = dictSlots(dict), used = dictSize(dict);
    return size > (long long)DICTHT_SIZE(DICT_HT_INITIAL_EXP) && used * 100 / size < 10;
}

/* ---------------------------------------------------------------------------
 * Logging, in Redis's format: "pid:role dd Mon yyyy hh:mm:ss.mmm <level> msg"
 * ------------------------------------------------------------------------ */

void serverLogRaw(int level, const char *msg) {
    const int syslogLevelMap[] = { LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING };
    const char *c = ".-*#";
    FILE *fp;
    char buf[64];
    int rawmode = (level & LL_RAW);
    int log_to_stdout = server.logfile == NULL || server.logfile[0] == '\0';

    level &= 0xff;
    if (level < server.verbosity) return;

    fp = log_to_stdout ? stdout : fopen(server.logfile, "a");
    if (!fp) return;

    if (rawmode) {
        fprintf(fp, "%s", msg);
    } else {
        int off;
        struct timeval tv;
        int role_char;
        pid_t pid = getpid();

        gettimeofday(&tv, NULL);
        struct tm tm;
        localtime_r(&tv.tv_sec, &tm);
        off = strftime(buf, sizeof(buf), "%d %b %Y %H:%M:%S.", &tm);
        snprintf(buf + off, sizeof(buf) - off, "%03d", (int)tv.tv_usec / 1000);
        if (server.sentinel_mode) role_char = 'X';
        else if (pid != server.pid) role_char = 'C';
        else role_char = server.masterhost ? 'S' : 'M';
        fprintf(fp, "%d:%c %s %c %s\n", (int)getpid(), role_char, buf, c[level], msg);
    }
    fflush(fp);
    if (!log_to_stdout) fclose(fp);
    if (server.syslog_enabled) syslog(syslogLevelMap[level], "%s", msg);
}

void serverLog(int level, const char *fmt, ...) {
    va_list ap;
    char msg[LOG_MAX_LEN];

    if ((level & 0xff) < server.verbosity) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    serverLogRaw(level, msg);
}

/* Async-signal-safe logging for signal handlers: no stdio, no malloc. */
void serverLogFromHandler(int level, const char *msg) {
    int fd;
    int log_to_stdout = server.logfile == NULL || server.logfile[0] == '\0';
    char buf[64];

    if ((level & 0xff) < server.verbosity) return;
    fd = log_to_stdout ? STDOUT_FILENO :
         open(server.logfile, O_APPEND|O_CREAT|O_WRONLY, 0644);
    if (fd == -1) return;
    ll2string(buf, sizeof(buf), getpid());
    if (write(fd, buf, strlen(buf)) == -1) goto err;
    if (write(fd, ":signal-handler (", 17) == -1) goto err;
    ll2string(buf, sizeof(buf), time(NULL));
    if (write(fd, buf, strlen(buf)) == -1) goto err;
    if (write(fd, ") ", 2) == -1) goto err;
    if (write(fd, msg, strlen(msg)) == -1) goto err;
    if (write(fd, "\n", 1) == -1) goto err;
err:
    if (!log_to_stdout) close(fd);
}

void _serverAssert(const char *estr, const char *file, int line) {
    serverLog(LL_WARNING, "=== ASSERTION FAILED ===");
    serverLog(LL_WARNING, "==> %s:%d '%s' is not true", file, line, estr);
    abort();
}

void _serverPanic(const char *file, int line, const char *msg, ...) {
    va_list ap;
    char fmtmsg[256];
    va_start(ap, msg);
    vsnprintf(fmtmsg, sizeof(fmtmsg), msg, ap);
    va_end(ap);
    serverLog(LL_WARNING, "------------------------------------------------");
    serverLog(LL_WARNING, "!!! Software Failure. Press left mouse button to continue");
    serverLog(LL_WARNING, "Guru Meditation: %s #%s:%d", fmtmsg, file, line);
    abort();
}

/* ---------------------------------------------------------------------------
 * Time
 * ------------------------------------------------------------------------ */

/* Commands see a stable "now" (server.mstime) for their whole run, so a key
 * cannot expire half way through a MULTI or a script. */
void updateCachedTime(int update_daylight_info) {
    (void)update_daylight_info;
    server.ustime = ustime();
    server.mstime = server.ustime / 1000;
    server.unixtime = server.mstime / 1000;
}

unsigned int getLRUClock(void) {
    return (mstime() / LRU_CLOCK_RESOLUTION) & LRU_CLOCK_MAX;
}

/* The cron refreshes server.lruclock often enough (1000/hz <= resolution)
 * to serve it from the cache. */
unsigned int LRU_CLOCK(void) {
    if (1000 / server.hz <= LRU_CLOCK_RESOLUTION) return server.lruclock;
    return getLRUClock();
}

/* ---------------------------------------------------------------------------
 * Instantaneous metrics (instantaneous_ops_per_sec & co.)
 * ------------------------------------------------------------------------ */

static void trackInstantaneousMetric(int metric, long long current_reading) {
    long long now = mstime();
    long long t = now - server.inst_metric[metric].last_sample_time;
    long long ops = current_reading - server.inst_metric[metric].last_sample_count;
    long long ops_sec = t > 0 ? (ops * 1000 / t) : 0;

    server.inst_metric[metric].samples[server.inst_metric[metric].idx] = ops_sec;
    server.inst_metric[metric].idx = (server.inst_metric[metric].idx + 1) % STATS_METRIC_SAMPLES;
    server.inst_metric[metric].last_sample_time = now;
    server.inst_metric[metric].last_sample_count = current_reading;
}

long long getInstantaneousMetric(int metric) {
    long long sum = 0;
    for (int j = 0; j < STATS_METRIC_SAMPLES; j++) sum += server.inst_metric[metric].samples[j];
    return sum / STATS_METRIC_SAMPLES;
}

void incrementErrorCount(const char *fullerr, size_t namelen) {
    sds key = sdsnewlen(fullerr, namelen);
    dictEntry *de = dictFind(server.errors, key);
    if (de == NULL) {
        /* Cap distinct error names: a flood of unique prefixes (e.g. from
         * scripts) must not grow memory without bound. */
        if (dictSize(server.errors) >= 128) {
            sdsfree(key);
            key = sdsnew("ERRORSTATS_OVERFLOW");
            de = dictFind(server.errors, key);
        }
        if (de == NULL) {
            dictAdd(server.errors, key, NULL);
            de = dictFind(server.errors, key);
            dictSetUnsignedIntegerVal(de, 0);
            key = NULL;
        }
    }
    sdsfree(key);
    de->v.u64++;
}

void resetServerStats(void) {
    server.stat_numcommands = 0;
    server.stat_numconnections = 0;
    server.stat_expiredkeys = 0;
    server.stat_expired_stale_perc = 0;
    server.stat_expired_time_cap_reached_count = 0;
    server.stat_expire_cycle_time_used = 0;
    server.stat_evictedkeys = 0;
    server.stat_evictedclients = 0;
    server.stat_total_eviction_exceeded_time = 0;
    server.stat_last_eviction_exceeded_time = 0;
    server.stat_keyspace_misses = 0;
    server.stat_keyspace_hits = 0;
    server.stat_fork_time = 0;
    server.stat_rejected_conn = 0;
    server.stat_sync_full = 0;
    server.stat_sync_partial_ok = 0;
    server.stat_sync_partial_err = 0;
    server.stat_net_input_bytes = 0;
    server.stat_net_output_bytes = 0;
    server.stat_net_repl_input_bytes = 0;
    server.stat_net_repl_output_bytes = 0;
    server.stat_unexpected_error_replies = 0;
    server.stat_total_error_replies = 0;
    server.stat_dump_payload_sanitizations = 0;
    server.stat_io_reads_processed = 0;
    server.stat_io_writes_processed = 0;
    server.stat_total_reads_processed = 0;
    server.stat_total_writes_processed = 0;
    server.stat_client_qbuf_limit_disconnections = 0;
    server.stat_client_outbuf_limit_disconnections = 0;
    for (int j = 0; j < STATS_METRIC_COUNT; j++) {
        memset(server.inst_metric[j].samples, 0, sizeof(server.inst_metric[j].samples));
        server.inst_metric[j].idx = 0;
        server.inst_metric[j].last_sample_time = mstime();
        server.inst_metric[j].last_sample_count = 0;
    }
    dictEmpty(server.errors, NULL);
    resetCommandLatencyHistograms();
    server.stat_peak_memory = 0;
    lazyfreeResetStats();
    /* Per-command stats. */
    dictIterator *di = dictGetSafeIterator(server.commands);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        struct redisCommand *cmd = dictGetVal(de);
        cmd->microseconds = cmd->calls = cmd->rejected_calls = cmd->failed_calls = 0;
        if (cmd->subcommands_dict) {
            dictIterator *si = dictGetSafeIterator(cmd->subcommands_dict);
            dictEntry *se;
            while ((se = dictNext(si)) != NULL) {
                struct redisCommand *sub = dictGetVal(se);
                sub->microseconds = sub->calls = sub->rejected_calls = sub->failed_calls = 0;
            }
            dictReleaseIterator(si);
        }
    }
    dictReleaseIterator(di);
}

/* ---------------------------------------------------------------------------
 * Cron
 * ------------------------------------------------------------------------ */

/* Run `code` only every `ms` milliseconds of cron time. */
#define run_with_period(_ms_) \
    if (((_ms_) <= 1000/server.hz) || !(server.cronloops % ((_ms_)/(1000/server.hz))))

/* Clients are visited a few per cron call so that a server with 10k clients
 * still spends bounded time here and each client is seen about once a
 * second. */
#define CLIENTS_CRON_MIN_ITERATIONS 5
void clientsCron(void) {
    int numclients = listLength(server.clients);
    int iterations = numclients / server.hz;
    mstime_t now = mstime();

    if (iterations < CLIENTS_CRON_MIN_ITERATIONS)
        iterations = (numclients < CLIENTS_CRON_MIN_ITERATIONS) ? numclients : CLIENTS_CRON_MIN_ITERATIONS;

    while (listLength(server.clients) && iterations--) {
        client *c;
        listNode *head;

        /* Rotate so each call starts with a different client. */
        listRotateTailToHead(server.clients);
        head = listFirst(server.clients);
        c = listNodeValue(head);
        if (clientsCronHandleTimeout(c, now)) continue;
        /* Give back query buffer space of idle clients. */
        if (c->querybuf_peak < sdsAllocSize(c->querybuf) / 2 &&
            sdsAllocSize(c->querybuf) > PROTO_RESIZE_THRESHOLD &&
            server.unixtime - c->lastinteraction > 2 && c->qb_pos == 0) {
            c->querybuf = sdsRemoveFreeSpace(c->querybuf);
        }
        c->querybuf_peak = sdslen(c->querybuf);
        if (closeClientOnOutputBufferLimitReached(c, 0)) continue;
    }
}

/* Shrink/rehash the keyspace tables a little every cron run. */
/* SIGTERM or SIGINT asked us to stop, with the shutdown-on-sig* flags. */
static void shutdownOnSignal(void) {
    int sigflags = server.last_sig_received == SIGINT ? server.shutdown_on_sigint
                                                      : server.shutdown_on_sigterm;
    /* "failover": a cluster master first hands its slots to a replica,
     * serving meanwhile (cluster_shutdown.c); cron calls again. */
    if ((sigflags & SHUTDOWN_FAILOVER) && clusterShutdownHandover()) return;
    /* Waiting for replicas (shutdown.c): the cron finishes it. */
    if (isShutdownInitiated()) return;
    int ret = prepareForShutdown(sigflags);
    if (ret == C_OK) exit(0);
    if (ret != C_ERR) return;
    serverLog(LL_WARNING, "SIGTERM received but errors trying to shut down the server, check the logs for more information");
    server.shutdown_asap = 0;
    server.last_sig_received = 0;
}

static void databasesCron(void) {
    if (server.active_expire_enabled) {
        if (!server.masterhost) activeExpireCycle(ACTIVE_EXPIRE_CYCLE_SLOW);
        else expireReplicaKeys();
    }
    if (hasActiveChildProcess()) return;

    static unsigned int resize_db = 0, rehash_db = 0;
    int dbs_per_call = server.dbnum < 16 ? server.dbnum : 16;
    for (int j = 0; j < dbs_per_call; j++) {
        redisDb *db = &server.db[resize_db % server.dbnum];
        if (htNeedsResize(db->dict)) dictResize(db->dict);
        if (htNeedsResize(db->expires)) dictResize(db->expires);
        resize_db++;
    }
    if (server.activerehashing) {
        for (int j = 0; j < dbs_per_call; j++) {
            redisDb *db = &server.db[rehash_db % server.dbnum];
            if (dictIsRehashing(db->dict)) {
                dictRehashMilliseconds(db->dict, 1);
                break;
            }
            if (dictIsRehashing(db->expires)) {
                dictRehashMilliseconds(db->expires, 1);
                break;
            }
            rehash_db++;
        }
    }
}

int hasActiveChildProcess(void) {
    return server.child_pid != -1 && server.child_pid != 0;
}

static int serverCron(struct aeEventLoop *eventLoop, long long id, void *clientData) {
    (void)eventLoop; (void)id; (void)clientData;

    updateCachedTime(0);
    /* Adapt hz to the number of clients so timeouts stay timely. */
    server.hz = server.config_hz;
    if (server.dynamic_hz) {
        while (listLength(server.clients) / server.hz > 200) {
            server.hz *= 2;
            if (server.hz > CONFIG_MAX_HZ) {
                server.hz = CONFIG_MAX_HZ;
                break;
            }
        }
    }

    run_with_period(100) {
        trackInstantaneousMetric(STATS_METRIC_COMMAND, server.stat_numcommands);
        trackInstantaneousMetric(STATS_METRIC_NET_INPUT, server.stat_net_input_bytes);
        trackInstantaneousMetric(STATS_METRIC_NET_OUTPUT, server.stat_net_output_bytes);
        trackInstantaneousMetric(STATS_METRIC_NET_INPUT_REPLICATION, server.stat_net_repl_input_bytes);
        trackInstantaneousMetric(STATS_METRIC_NET_OUTPUT_REPLICATION, server.stat_net_repl_output_bytes);
    }
    server.lruclock = getLRUClock();

    size_t zmalloc_used = zmalloc_used_memory();
    if (zmalloc_used > server.stat_peak_memory) server.stat_peak_memory = zmalloc_used;

    if (server.shutdown_asap && !isInsideYieldingLongCommand()) shutdownOnSignal();
    shutdownCron();

    /* DEBUG PAUSE-CRON: tests freeze the periodic work. */
    if (server.pause_cron) {
        server.cronloops++;
        return 1000 / server.hz;
    }

    clientsCron();
    databasesCron();
    persistenceCron();
    run_with_period(100) {
        if (server.cluster_enabled) clusterCron();  /* cluster_node.c */
    }
    run_with_period(1000) {
        if (replicationCron) replicationCron();
    }
    freeClientsInAsyncFreeQueue();
    checkClientPauseTimeoutAndReturnIfPaused();

    server.cronloops++;
    return 1000 / server.hz;
}

static void beforeSleep(struct aeEventLoop *eventLoop) {
    (void)eventLoop;
    /* Input OpenSSL already decrypted raises no socket event: serve it. */
    tlsProcessPendingData();
    /* Unpause clients whose pause ended, then serve their buffered input. */
    checkClientPauseTimeoutAndReturnIfPaused();
    processUnpausedClients();
    if (server.cluster_enabled) clusterBeforeSleep();  /* cluster_node.c */
    if (server.active_expire_enabled && !server.masterhost)
        activeExpireCycle(ACTIVE_EXPIRE_CYCLE_FAST);
    blockedBeforeSleep(); /* blocked.c: ready keys, timeouts, resumed clients */
    trackingBroadcastInvalidationMessages();
    if (replicationBeforeSleep) replicationBeforeSleep(); /* WAIT, GETACK */
    /* The AOF reaches the disk before the replies that depend on it. */
    if (aofIsOn()) flushAppendOnlyFile(0);
    handleClientsWithPendingWrites();
    freeClientsInAsyncFreeQueue();
    /* Still some left (a reader took only part): don't block in poll. */
    aeSetDontWait(server.el, tlsHasPendingData());
}

static void afterSleep(struct aeEventLoop *eventLoop) {
    (void)eventLoop;
    updateCachedTime(0);
}

/* ---------------------------------------------------------------------------
 * Shared objects
 * ------------------------------------------------------------------------ */

static robj *sharedString(const char *s) {
    return makeObjectShared(createObject(OBJ_STRING, sdsnew(s)));
}

/* Fill a [4] array indexed by protocol version (only 2 and 3 are used). */
static void setRespVariants(robj **variants, const char *resp2, const char *resp3) {
    variants[0] = variants[1] = NULL;
    variants[2] = sharedString(resp2);
    variants[3] = sharedString(resp3);
}

static void createSharedObjects(void) {
    int j;

    shared.crlf = sharedString("\r\n");
    shared.ok = sharedString("+OK\r\n");
    shared.emptybulk = sharedString("$0\r\n\r\n");
    shared.czero = sharedString(":0\r\n");
    shared.cone = sharedString(":1\r\n");
    shared.emptyarray = sharedString("*0\r\n");
    shared.pong = sharedString("+PONG\r\n");
    shared.queued = sharedString("+QUEUED\r\n");
    shared.emptyscan = sharedString("*2\r\n$1\r\n0\r\n*0\r\n");
    shared.space = sharedString(" ");
    shared.plus = sharedString("+");
    shared.wrongtypeerr = sharedString("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    shared.err = sharedString("-ERR\r\n");
    shared.nokeyerr = sharedString("-ERR no such key\r\n");
    shared.syntaxerr = sharedString("-ERR syntax error\r\n");
    shared.sameobjecterr = sharedString("-ERR source and destination objects are the same\r\n");
    shared.outofrangeerr = sharedString("-ERR index out of range\r\n");
    shared.noscripterr = sharedString("-NOSCRIPT No matching script. Please use EVAL.\r\n");
    shared.loadingerr = sharedString("-LOADING Redis is loading the dataset in memory\r\n");
    shared.slowevalerr = sharedString("-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n");
    shared.slowscripterr = sharedString("-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n");
    shared.slowmoduleerr = sharedString("-BUSY Redis is busy running a module command.\r\n");
    shared.masterdownerr = sharedString("-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n");
    shared.bgsaveerr = sharedString("-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.\r\n");
    shared.roslaveerr = sharedString("-READONLY You can't write against a read only replica.\r\n");
    shared.noautherr = sharedString("-NOAUTH Authentication required.\r\n");
    shared.oomerr = sharedString("-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    shared.execaborterr = sharedString("-EXECABORT Transaction discarded because of previous errors.\r\n");
    shared.noreplicaserr = sharedString("-NOREPLICAS Not enough good replicas to write.\r\n");
    shared.busykeyerr = sharedString("-BUSYKEY Target key name already exists.\r\n");

    /* RESP2 and RESP3 spellings of null and empty aggregates, indexed by
     * the client's protocol version. */
    setRespVariants(shared.null, "$-1\r\n", "_\r\n");
    setRespVariants(shared.nullarray, "*-1\r\n", "_\r\n");
    setRespVariants(shared.emptymap, "*0\r\n", "%0\r\n");
    setRespVariants(shared.emptyset, "*0\r\n", "~0\r\n");

    for (j = 0; j < 10; j++) {
        char dictid_str[64];
        int dictid_len = ll2string(dictid_str, sizeof(dictid_str), j);
        sds s = sdscatprintf(sdsempty(), "*2\r\n$6\r\nSELECT\r\n$%d\r\n%s\r\n", dictid_len, dictid_str);
        shared.select[j] = makeObjectShared(createObject(OBJ_STRING, s));
    }
    shared.messagebulk = sharedString("$7\r\nmessage\r\n");
    shared.pmessagebulk = sharedString("$8\r\npmessage\r\n");
    shared.subscribebulk = sharedString("$9\r\nsubscribe\r\n");
    shared.unsubscribebulk = sharedString("$11\r\nunsubscribe\r\n");
    shared.ssubscribebulk = sharedString("$10\r\nssubscribe\r\n");
    shared.sunsubscribebulk = sharedString("$12\r\nsunsubscribe\r\n");
    shared.smessagebulk = sharedString("$8\r\nsmessage\r\n");
    shared.psubscribebulk = sharedString("$10\r\npsubscribe\r\n");
    shared.punsubscribebulk = sharedString("$12\r\npunsubscribe\r\n");

    /* Command names used when rewriting commands for propagation. */
    shared.del = sharedString("DEL");
    shared.unlink = sharedString("UNLINK");
    shared.rpop = sharedString("RPOP");
    shared.lpop = sharedString("LPOP");
    shared.lpush = sharedString("LPUSH");
    shared.rpoplpush = sharedString("RPOPLPUSH");
    shared.lmove = sharedString("LMOVE");
    shared.blmove = sharedString("BLMOVE");
    shared.zpopmin = sharedString("ZPOPMIN");
    shared.zpopmax = sharedString("ZPOPMAX");
    shared.multi = sharedString("MULTI");
    shared.exec = sharedString("EXEC");
    shared.hset = sharedString("HSET");
    shared.srem = sharedString("SREM");
    shared.xgroup = sharedString("XGROUP");
    shared.xclaim = sharedString("XCLAIM");
    shared.script = sharedString("SCRIPT");
    shared.replconf = sharedString("REPLCONF");
    shared.pexpireat = sharedString("PEXPIREAT");
    shared.pexpire = sharedString("PEXPIRE");
    shared.persist = sharedString("PERSIST");
    shared.set = sharedString("SET");
    shared.eval = sharedString("EVAL");
    shared.left = sharedString("left");
    shared.right = sharedString("right");
    shared.pxat = sharedString("PXAT");
    shared.time = sharedString("TIME");
    shared.retrycount = sharedString("RETRYCOUNT");
    shared.force = sharedString("FORCE");
    shared.justid = sharedString("JUSTID");
    shared.entriesread = sharedString("ENTRIESREAD");
    shared.lastid = sharedString("LASTID");
    shared.ping = sharedString("ping");
    shared.setid = sharedString("SETID");
    shared.keepttl = sharedString("KEEPTTL");
    shared.absttl = sharedString("ABSTTL");
    shared.load = sharedString("LOAD");
    shared.createconsumer = sharedString("CREATECONSUMER");
    shared.getack = sharedString("GETACK");
    shared.special_asterick = sharedString("*");
    shared.special_equals = sharedString("=");
    shared.redacted = sharedString("(redacted)");
    shared.default_username = sharedString("default");

    for (j = 0; j < OBJ_SHARED_INTEGERS; j++) {
        shared.integers[j] = makeObjectShared(createObject(OBJ_STRING, (void *)(long)j));
        shared.integers[j]->encoding = OBJ_ENCODING_INT;
    }
    for (j = 0; j < OBJ_SHARED_BULKHDR_LEN; j++) {
        shared.mbulkhdr[j] = makeObjectShared(createObject(OBJ_STRING, sdscatprintf(sdsempty(), "*%d\r\n", j)));
        shared.bulkhdr[j] = makeObjectShared(createObject(OBJ_STRING, sdscatprintf(sdsempty(), "$%d\r\n", j)));
        shared.maphdr[j] = makeObjectShared(createObject(OBJ_STRING, sdscatprintf(sdsempty(), "%%%d\r\n", j)));
        shared.sethdr[j] = makeObjectShared(createObject(OBJ_STRING, sdscatprintf(sdsempty(), "~%d\r\n", j)));
    }
    shared.minstring = sdsnew("minstring");
    shared.maxstring = sdsnew("maxstring");
}

/* ---------------------------------------------------------------------------
 * Listening sockets
 * ------------------------------------------------------------------------ */

/* Bind every configured address. A leading '-' marks an optional address
 * (e.g. "-::*" when IPv6 is unavailable): failing to bind it is not fatal. */
int listenToPort(int port, socketFds *sfd) {
    int j;
    char **bindaddr = server.bindaddr;
    int bindaddr_count = server.bindaddr_count;

    /* No addresses (bind "") means: listen nowhere over TCP. */
    if (port == 0) return C_OK;
    for (j = 0; j < bindaddr_count; j++) {
        char *addr = bindaddr[j];
        int optional = *addr == '-';
        char err[ANET_ERR_LEN];
        if (optional) addr++;
        if (strchr(addr, ':')) {
            sfd->fd[sfd->count] = anetTcp6Server(err, port, addr, server.tcp_backlog);
        } else {
            sfd->fd[sfd->count] = anetTcpServer(err, port, addr, server.tcp_backlog);
        }
        if (sfd->fd[sfd->count] == ANET_ERR) {
            int net_errno = errno;
            serverLog(LL_WARNING, "Warning: Could not create server TCP listening socket %s:%d: %s",
                      addr, port, err);
            if (net_errno == EADDRNOTAVAIL && optional) continue;
            /* The protocol family itself missing (no IPv6) is not fatal. */
            if (net_errno == ENOPROTOOPT || net_errno == EPROTONOSUPPORT ||
                net_errno == ESOCKTNOSUPPORT || net_errno == EPFNOSUPPORT ||
                net_errno == EAFNOSUPPORT) continue;
            /* Rollback what was opened. */
            for (int k = 0; k < sfd->count; k++) close(sfd->fd[k]);
            sfd->count = 0;
            return C_ERR;
        }
        anetNonBlock(NULL, sfd->fd[sfd->count]);
        anetCloexec(sfd->fd[sfd->count]);
        sfd->count++;
    }
    return C_OK;
}

static int createSocketAcceptHandler(socketFds *sfd, aeFileProc *accept_handler) {
    for (int j = 0; j < sfd->count; j++) {
        if (aeCreateFileEvent(server.el, sfd->fd[j], AE_READABLE, accept_handler, NULL) == AE_ERR) {
            for (j = j - 1; j >= 0; j--) aeDeleteFileEvent(server.el, sfd->fd[j], AE_READABLE);
            return C_ERR;
        }
    }
    return C_OK;
}

static void closeSocketListeners(socketFds *sfd) {
    for (int j = 0; j < sfd->count; j++) {
        if (sfd->fd[j] == -1) continue;
        aeDeleteFileEvent(server.el, sfd->fd[j], AE_READABLE);
        close(sfd->fd[j]);
    }
    sfd->count = 0;
}

/* CONFIG SET port / bind: open the new sockets before closing the old ones
 * so a failure leaves the server listening where it was. */
int changeListenPort(int port, socketFds *sfd, aeFileProc *accept_handler) {
    socketFds new_sfd = {{0}};
    if (listenToPort(port, &new_sfd) != C_OK) return C_ERR;
    if (createSocketAcceptHandler(&new_sfd, accept_handler) != C_OK) {
        closeSocketListeners(&new_sfd);
        return C_ERR;
    }
    closeSocketListeners(sfd);
    sfd->count = new_sfd.count;
    memcpy(sfd->fd, new_sfd.fd, sizeof(new_sfd.fd));
    return C_OK;
}

void closeListeningSockets(int unlink_unix_socket) {
    closeSocketListeners(&server.ipfd);
    closeSocketListeners(&server.tlsfd);
    if (server.sofd != -1) {
        aeDeleteFileEvent(server.el, server.sofd, AE_READABLE);
        close(server.sofd);
        server.sofd = -1;
    }
    if (unlink_unix_socket && server.unixsocket) {
        serverLog(LL_NOTICE, "Removing the unix socket file.");
        if (unlink(server.unixsocket) != 0)
            serverLog(LL_WARNING, "Error removing the unix socket file: %s", strerror(errno));
    }
}

/* ---------------------------------------------------------------------------
 * Start-up
 * ------------------------------------------------------------------------ */

static void sigShutdownHandler(int sig) {
    const char *msg;
    switch (sig) {
    case SIGINT: msg = "Received SIGINT scheduling shutdown..."; break;
    case SIGTERM: msg = "Received SIGTERM scheduling shutdown..."; break;
    default: msg = "Received shutdown signal, scheduling shutdown...";
    }
    /* A second SIGINT while already shutting down exits at once, as people
     * pressing Ctrl+C twice expect. */
    if (server.shutdown_asap && sig == SIGINT) {
        serverLogFromHandler(LL_WARNING, "You insist... exiting now.");
        exit(1);
    }
    serverLogFromHandler(LL_WARNING, msg);
    server.shutdown_asap = 1;
    server.last_sig_received = sig;
}

static void setupSignalHandlers(void) {
    struct sigaction act;
    sigemptyset(&act.sa_mask);
    act.sa_flags = 0;
    act.sa_handler = sigShutdownHandler;
    sigaction(SIGTERM, &act, NULL);
    sigaction(SIGINT, &act, NULL);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
}

/* Raise the fd limit to what maxclients needs; lower maxclients if the
 * system refuses. */
static void adjustOpenFilesLimit(void) {
    rlim_t maxfiles = server.maxclients + CONFIG_MIN_RESERVED_FDS;
    struct rlimit limit;

    if (getrlimit(RLIMIT_NOFILE, &limit) == -1) {
        serverLog(LL_WARNING, "Unable to obtain the current NOFILE limit (%s), assuming 1024 and setting the max clients configuration accordingly.",
                  strerror(errno));
        server.maxclients = 1024 - CONFIG_MIN_RESERVED_FDS;
        return;
    }
    rlim_t oldlimit = limit.rlim_cur;
    if (oldlimit >= maxfiles) return;

    rlim_t bestlimit;
    int setrlimit_error = 0;
    for (bestlimit = maxfiles; bestlimit > oldlimit; bestlimit -= 16) {
        limit.rlim_cur = bestlimit;
        limit.rlim_max = bestlimit;
        if (setrlimit(RLIMIT_NOFILE, &limit) != -1) break;
        setrlimit_error = errno;
        if (bestlimit < 16) break;
    }
    if (bestlimit < oldlimit) bestlimit = oldlimit;
    if (bestlimit < maxfiles) {
        unsigned int old_maxclients = server.maxclients;
        server.maxclients = bestlimit - CONFIG_MIN_RESERVED_FDS;
        if (bestlimit <= CONFIG_MIN_RESERVED_FDS) {
            serverLog(LL_WARNING, "Your current 'ulimit -n' of %llu is not enough for the server to start. Please increase your open file limit to at least %llu. Exiting.",
                      (unsigned long long)oldlimit, (unsigned long long)maxfiles);
            exit(1);
        }
        serverLog(LL_WARNING, "You requested maxclients of %d requiring at least %llu max file descriptors.",
                  old_maxclients, (unsigned long long)maxfiles);
        serverLog(LL_WARNING, "Server can't set maximum open files to %llu because of OS error: %s.",
                  (unsigned long long)maxfiles, strerror(setrlimit_error));
        serverLog(LL_WARNING, "Current maximum open files is %llu. maxclients has been reduced to %d to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.",
                  (unsigned long long)bestlimit, server.maxclients);
    } else {
        serverLog(LL_NOTICE, "Increased maximum number of open files to %llu (it was originally set to %llu).",
                  (unsigned long long)maxfiles, (unsigned long long)oldlimit);
    }
}

static void createPidFile(void) {
    /* Daemonized without a pidfile: stock's default path. */
    if (!server.pidfile) server.pidfile = zstrdup("/var/run/redis.pid");
    FILE *fp = fopen(server.pidfile, "w");
    if (fp) {
        fprintf(fp, "%d\n", (int)getpid());
        fclose(fp);
    } else {
        serverLog(LL_WARNING, "Failed to write PID file: %s", strerror(errno));
    }
}

static void daemonize(void) {
    int fd;
    if (fork() != 0) exit(0); /* parent exits */
    setsid();
    if ((fd = open("/dev/null", O_RDWR, 0)) != -1) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO) close(fd);
    }
}

/* The state the rest of the server expects (client lists, shared objects,
 * databases, ids, stats) without sockets, signals or the event loop, so
 * in-process tools (the libFuzzer targets in src/fuzz) can start from it. */
void initServerState(void) {
    server.pid = getpid();
    server.current_client = NULL;
    server.clients = listCreate();
    server.clients_to_close = listCreate();
    server.clients_pending_write = listCreate();
    server.slaves = listCreate();
    server.monitors = listCreate();
    server.paused_clients = listCreate();
    server.slowlog = listCreate();
    slowlogInit();
    server.errors = dictCreate(&errorsDictType);
    server.next_client_id = 1;
    server.child_pid = -1;
    server.sofd = -1;
    server.client_pause_type = PAUSE_NONE;
    server.active_expire_enabled = 1; /* DEBUG SET-ACTIVE-EXPIRE can turn it off */
    updateCachedTime(1);
    getRandomHexChars(server.runid, CONFIG_RUN_ID_SIZE);
    server.runid[CONFIG_RUN_ID_SIZE] = '\0';
    getRandomHexChars(server.replid, CONFIG_RUN_ID_SIZE);
    server.replid[CONFIG_RUN_ID_SIZE] = '\0';
    memset(server.replid2, '0', CONFIG_RUN_ID_SIZE);
    server.replid2[CONFIG_RUN_ID_SIZE] = '\0';
    server.second_replid_offset = -1;
    createSharedObjects();
    initDbs();
    lazyfreeInit();
    server.lastsave = time(NULL);
    server.lastbgsave_status = C_OK;
    server.stat_starttime = time(NULL);
    server.lruclock = getLRUClock();
    resetServerStats();
    evictionPoolAlloc();
}

static void initServer(void) {
    setupSignalHandlers();
    if (server.syslog_enabled)
        openlog(server.syslog_ident, LOG_PID | LOG_NDELAY | LOG_NOWAIT, server.syslog_facility);
    initServerState();
    setupCrashHandlers();
    adjustOpenFilesLimit();
    server.el = aeCreateEventLoop(server.maxclients + CONFIG_FDSET_INCR);
    if (server.el == NULL) {
        serverLog(LL_WARNING, "Failed creating the event loop. Error message: '%s'", strerror(errno));
        exit(1);
    }
    connSetEventLoop(server.el);

    if (server.port != 0 && listenToPort(server.port, &server.ipfd) == C_ERR) {
        serverLog(LL_WARNING, "Failed listening on port %u (TCP), aborting.", server.port);
        exit(1);
    }
    tlsInit();
    if (tlsIsWanted() && tlsConfigure() == C_ERR) {
        serverLog(LL_WARNING, "Failed to configure TLS. Check logs for more info.");
        exit(1);
    }
    if (server.tls_port != 0 && listenToPort(server.tls_port, &server.tlsfd) == C_ERR) {
        serverLog(LL_WARNING, "Failed listening on port %u (TLS), aborting.", server.tls_port);
        exit(1);
    }
    if (server.unixsocket != NULL) {
        char err[ANET_ERR_LEN];
        unlink(server.unixsocket);
        server.sofd = anetUnixServer(err, server.unixsocket, (mode_t)server.unixsocketperm,
                                     server.tcp_backlog);
        if (server.sofd == ANET_ERR) {
            serverLog(LL_WARNING, "Failed opening Unix socket: %s", err);
            exit(1);
        }
        anetNonBlock(NULL, server.sofd);
        anetCloexec(server.sofd);
    }
    if (server.ipfd.count == 0 && server.tlsfd.count == 0 && server.sofd < 0) {
        serverLog(LL_WARNING, "Configured to not listen anywhere, exiting.");
        exit(1);
    }

    if (server.cluster_enabled) clusterInit();  /* cluster_node.c: nodes.conf, bus port */
    server.initial_memory_usage = zmalloc_used_memory();

    if (aeCreateTimeEvent(server.el, 1, serverCron, NULL, NULL) == AE_ERR) {
        serverPanic("Can't create event loop timers.");
    }
    if (createSocketAcceptHandler(&server.ipfd, acceptTcpHandler) != C_OK)
        serverPanic("Unrecoverable error creating TCP socket accept handler.");
    if (createSocketAcceptHandler(&server.tlsfd, acceptTLSHandler) != C_OK)
        serverPanic("Unrecoverable error creating TLS socket accept handler.");
    if (server.sofd > 0 &&
        aeCreateFileEvent(server.el, server.sofd, AE_READABLE, acceptUnixHandler, NULL) == AE_ERR)
        serverPanic("Unrecoverable error creating server.sofd file event.");

    aeSetBeforeSleepProc(server.el, beforeSleep);
    aeSetAfterSleepProc(server.el, afterSleep);
}


/* ---------------------------------------------------------------------------
 * Propagation
 * ------------------------------------------------------------------------ */

/* alsoPropagate() and the propagation queue live in propagate.c. */

/* A long script serving other clients meanwhile: eval.c (weak default). */
#pragma weak isInsideYieldingLongCommand
int isInsideYieldingLongCommand(void) {
    return 0;
}

/* ---------------------------------------------------------------------------
 * Command lookup and dispatch
 * ------------------------------------------------------------------------ */

struct redisCommand *lookupCommand(robj **argv, int argc) {
    return lookupCommandLogic(server.commands, argv, argc, 0);
}

struct redisCommand *lookupCommandBySds(sds s) {
    int argc, j;
    sds *strings = sdssplitlen(s, sdslen(s), "|", 1, &argc);
    if (strings == NULL) return NULL;
    if (argc > 2) {
        sdsfreesplitres(strings, argc);
        return NULL;
    }
    robj objects[2];
    robj *argv[2];
    for (j = 0; j < argc; j++) {
        objects[j].type = OBJ_STRING;
        objects[j].encoding = OBJ_ENCODING_RAW;
        objects[j].refcount = OBJ_STATIC_REFCOUNT;
        objects[j].ptr = strings[j];
        argv[j] = &objects[j];
    }
    struct redisCommand *cmd = lookupCommandLogic(server.commands, argv, argc, 1);
    sdsfreesplitres(strings, argc);
    return cmd;
}

struct redisCommand *lookupCommandByCString(const char *s) {
    sds name = sdsnew(s);
    struct redisCommand *cmd = lookupCommandBySds(name);
    sdsfree(name);
    return cmd;
}

/* Used by argument rewriting: the command may have been renamed with
 * rename-command, but internal rewrites use the original names. */
struct redisCommand *lookupCommandOrOriginal(robj **argv, int argc) {
    struct redisCommand *cmd = lookupCommandLogic(server.commands, argv, argc, 0);
    if (!cmd) cmd = lookupCommandLogic(server.orig_commands, argv, argc, 0);
    return cmd;
}

/* Reject a command before it runs: the error counts as rejected, not
 * failed, in INFO commandstats. */
/* A rejected EXEC aborts the whole transaction, naming the reason. */
static void rejectCommandSds(client *c, sds s) {
    flagTransaction(c);
    if (c->cmd) c->cmd->rejected_calls++;
    if (c->cmd && c->cmd->proc == execCommand) {
        execCommandAbort(c, s);
        sdsfree(s);
    } else {
        addReplyErrorSds(c, s);
    }
}

static void rejectCommand(client *c, robj *reply) {
    /* Shared errors end with CRLF, which the abort message must not carry. */
    rejectCommandSds(c, sdsnewlen(reply->ptr, sdslen(reply->ptr) - 2));
}

static void rejectCommandFormat(client *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sds s = sdscatvprintf(sdsempty(), fmt, ap);
    va_end(ap);
    rejectCommandSds(c, s);
}

int scriptBusyRejects(client *c); /* eval.c, optional */
uint64_t scriptGetCommandFlags(client *c, uint64_t cmd_flags);
#pragma weak scriptBusyRejects
#pragma weak scriptGetCommandFlags

/* A command failed (or was rejected) when errors were replied since the
 * last command finished, as stock counts it: an EVAL or EXEC whose inner
 * command failed is not failed itself unless it then errs too. Scripts
 * call this for commands they refuse to run (cmd may be NULL). */
static long long last_err_count = 0;

void incrCommandStatsOnError(struct redisCommand *cmd, int rejected) {
    if (cmd && server.stat_total_error_replies > last_err_count) {
        if (rejected) cmd->rejected_calls++;
        else cmd->failed_calls++;
    }
    last_err_count = server.stat_total_error_replies;
}

/* Run the command and account for it. */
void call(client *c, int flags) {
    struct redisCommand *real_cmd = c->cmd;
    long long dirty, start, duration;
    if (server.in_nested_call == 0) last_err_count = server.stat_total_error_replies;
    uint64_t client_old_flags = c->flags;

    c->flags &= ~(CLIENT_FORCE_AOF|CLIENT_FORCE_REPL|CLIENT_PREVENT_PROP_ANY);
    server.in_nested_call++;
    /* Time is read once per top-level command: commands run by EXEC (or
     * a script) all see the instant the outer command started. */
    if (server.in_nested_call == 1) {
        server.fixed_time_expire++;
        updateCachedTime(0);
    }

    dirty = server.dirty;
    /* The top-level command's start is the instant just cached: one clock
     * read fewer per command. */
    start = server.in_nested_call == 1 ? server.ustime : ustime();
    c->flags |= CLIENT_EXECUTING_COMMAND;
    c->cmd->proc(c);
    if (!(client_old_flags & CLIENT_EXECUTING_COMMAND)) c->flags &= ~CLIENT_EXECUTING_COMMAND;
    /* Client side caching: remember what a tracking client read. */
    if ((c->cmd->flags & CMD_READONLY) && (c->flags & CLIENT_TRACKING) &&
        !(c->flags & CLIENT_TRACKING_BCAST))
        trackingRememberKeys(c);
    duration = ustime() - start;
    dirty = server.dirty - dirty;
    if (dirty < 0) dirty = 0;

    /* A command that changed the dataset goes to the AOF and replicas as
     * its (possibly rewritten) argv; EXEC's commands propagate one by one
     * and get wrapped in MULTI/EXEC (propagate.c). */
    if ((flags & CMD_CALL_PROPAGATE) && c->cmd->proc != execCommand &&
        !(c->flags & CLIENT_PREVENT_PROP_ANY)) {
        int target = dirty ? (flags & CMD_CALL_PROPAGATE) : 0;
        if (c->flags & CLIENT_FORCE_AOF) target |= CMD_CALL_PROPAGATE_AOF;
        if (c->flags & CLIENT_FORCE_REPL) target |= CMD_CALL_PROPAGATE_REPL;
        if (target) alsoPropagate(c->db->id, c->argv, c->argc, target);
    }

    incrCommandStatsOnError(real_cmd, 0);

    /* Slow log and latency: only for commands that can be measured as a
     * whole (not blocked ones, whose time is spent waiting). */
    if ((flags & CMD_CALL_SLOWLOG) && !(c->flags & CLIENT_BLOCKED)) {
        slowlogPushCurrentCommand(c, real_cmd, duration);
    }
    if ((flags & CMD_CALL_STATS) && !(c->flags & CLIENT_BLOCKED)) {
        real_cmd->microseconds += duration;
        real_cmd->calls++;
        if (server.latency_tracking_enabled)
            updateCommandLatencyHistogram(real_cmd, duration * 1000);
    }
    if ((flags & CMD_CALL_SLOWLOG) && !(c->flags & CLIENT_BLOCKED))
        latencyAddSampleIfNeeded((real_cmd->flags & CMD_FAST) ? "fast-command" : "command",
                                 duration / 1000);
    /* MONITOR sees each executed command once, after it ran (so commands
     * inside EXEC show up before the EXEC itself), passwords redacted. */
    if (listLength(server.monitors) && !(c->cmd->flags & (CMD_SKIP_MONITOR|CMD_ADMIN))) {
        robj **argv = c->original_argv ? c->original_argv : c->argv;
        int argc = c->original_argv ? c->original_argc : c->argc;
        replicationFeedMonitors(c, server.monitors, c->db->id, argv, argc);
    }
    /* CLIENT LIST's cmd= shows the command the client sent (EXEC, not the
     * commands it ran). */
    if (server.in_nested_call == 1) c->lastcmd = real_cmd;
    server.in_nested_call--;
    if (server.in_nested_call == 0) {
        server.fixed_time_expire--;
        long long old_offset = server.master_repl_offset;
        propagatePendingCommands();
        /* WAIT waits for the client's last write to reach the replicas. */
        if (server.master_repl_offset != old_offset) c->woff = server.master_repl_offset;
        /* Invalidations for the client itself follow its (EXEC's) reply. */
        trackingHandlePendingKeyInvalidations();
    }
    server.stat_numcommands++;
    c->commands_processed++;
}

/* Commands allowed in RESP2 subscribed state. */
static int isAllowedInPubSubContext(struct redisCommand *cmd) {
    const char *n = cmd->declared_name;
    return !strcasecmp(n, "ping") || !strcasecmp(n, "subscribe") ||
           !strcasecmp(n, "ssubscribe") || !strcasecmp(n, "unsubscribe") ||
           !strcasecmp(n, "sunsubscribe") || !strcasecmp(n, "psubscribe") ||
           !strcasecmp(n, "punsubscribe") || !strcasecmp(n, "quit") ||
           !strcasecmp(n, "reset");
}

static int commandCheckArity(client *c) {
    struct redisCommand *cmd = c->cmd;
    if ((cmd->arity > 0 && cmd->arity != c->argc) || (c->argc < -cmd->arity)) {
        rejectCommandFormat(c, "wrong number of arguments for '%s' command", cmd->fullname);
        return 0;
    }
    return 1;
}

static int commandCheckExistence(client *c) {
    if (c->cmd) return 1;
    sds name = c->argv[0]->ptr;
    if (isContainerCommandBySds(name)) {
        /* Subcommand missing or unknown: name the container in upper case
         * as Redis does ("Try CONFIG HELP."). */
        sds cmd = sdsnew(name);
        sdstoupper(cmd);
        rejectCommandFormat(c, "unknown subcommand '%.128s'. Try %s HELP.",
                            (char *)c->argv[1]->ptr, cmd);
        sdsfree(cmd);
    } else {
        sds args = sdsempty();
        for (int i = 1; i < c->argc && sdslen(args) < 128; i++)
            args = sdscatprintf(args, "'%.*s' ", 128 - (int)sdslen(args), (char *)c->argv[i]->ptr);
        rejectCommandFormat(c, "unknown command '%.128s', with args beginning with: %s",
                            name, args);
        sdsfree(args);
    }
    return 0;
}

/* The gate: C_OK means the client may keep processing its input (the
 * command ran, was queued, or was rejected with an error); C_ERR means the
 * client is going away. */
static int isSecurityAttackCommand(client *c) {
    const char *name = c->argv[0]->ptr;
    return !strcasecmp(name, "host:") || !strcasecmp(name, "post");
}

int processCommand(client *c) {
    if (isSecurityAttackCommand(c)) {
        securityWarningCommand(c);
        return C_ERR;
    }
    c->cmd = c->lastcmd = c->realcmd = lookupCommand(c->argv, c->argc);
    if (!commandCheckExistence(c)) return C_OK;
    if (!commandCheckArity(c)) return C_OK;

    /* DEBUG / MODULE: allowed per enable-*-command (no, yes, local). */
    sds perr = protectedCommandCheck(c);
    if (perr) {
        rejectCommandSds(c, perr);
        return C_OK;
    }

    uint64_t cmd_flags = c->cmd->flags;
    /* EVAL/FCALL of a script with declared flags: those flags decide
     * (eval.c; e.g. a script that may write is denyoom). */
    if (scriptGetCommandFlags) cmd_flags = scriptGetCommandFlags(c, cmd_flags);
    int is_write_command = (cmd_flags & CMD_WRITE);
    /* EXEC counts as the commands it will run. */
    int is_denyoom_command = (cmd_flags & CMD_DENYOOM) ||
        (c->cmd->proc == execCommand && (c->mstate.cmd_flags & CMD_DENYOOM));

    if (authRequired(c) && !(cmd_flags & CMD_NO_AUTH)) {
        rejectCommand(c, shared.noautherr);
        return C_OK;
    }

    /* Bound the memory client side caching metadata takes. */
    if (trackingClientsCount()) trackingLimitUsedSlots();

    if ((c->flags & CLIENT_MULTI) && (cmd_flags & CMD_NO_MULTI)) {
        rejectCommandFormat(c, "Command not allowed inside a transaction");
        return C_OK;
    }

    sds aclerr = ACLCheckCommandOrError(c); /* acl.c; logs the denial */
    if (aclerr) {
        rejectCommandSds(c, aclerr);
        return C_OK;
    }
    /* Cluster: keyed commands for slots served elsewhere are redirected. */
    if (server.cluster_enabled && clusterRedirectIfNeeded(c)) return C_OK;

    /* Free memory first when over maxmemory; refuse commands that would
     * grow it if that does not help. */
    if (server.maxmemory) {
        int out_of_memory = (performEvictions() == EVICT_FAIL);
        /* Queueing inside MULTI takes memory too: refuse everything but
         * the commands that end the transaction. */
        int reject_on_oom = is_denyoom_command ||
            ((c->flags & CLIENT_MULTI) && c->cmd->proc != execCommand &&
             c->cmd->proc != discardCommand && c->cmd->proc != quitCommand &&
             c->cmd->proc != resetCommand);
        if (out_of_memory && reject_on_oom) {
            rejectCommand(c, shared.oomerr);
            return C_OK;
        }
    }

    /* A failed background save stops writes (stop-writes-on-bgsave-error),
     * and PING, so monitoring notices. */
    if (is_write_command || c->cmd->proc == pingCommand ||
        (c->cmd->proc == execCommand && (c->mstate.cmd_flags & CMD_WRITE))) {
        sds derr = persistenceDenyWritesError();
        if (derr) {
            rejectCommandSds(c, derr);
            return C_OK;
        }
    }

    /* NOREPLICAS, READONLY replica, MASTERDOWN (replication.c). */
    if (replicationDenyCommand) {
        int is_write = is_write_command ||
            (c->cmd->proc == execCommand && (c->mstate.cmd_flags & CMD_WRITE));
        int is_denystale = !(cmd_flags & CMD_STALE) ||
            (c->cmd->proc == execCommand && (c->mstate.cmd_inv_flags & CMD_STALE));
        robj *rerr = replicationDenyCommand(c, is_write, is_denystale);
        if (rerr) {
            rejectCommand(c, rerr);
            return C_OK;
        }
    }

    if ((c->flags & CLIENT_PUBSUB && c->resp == 2) && !isAllowedInPubSubContext(c->cmd)) {
        rejectCommandFormat(c,
            "Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
            c->cmd->fullname);
        return C_OK;
    }

    if (server.loading && !(cmd_flags & CMD_LOADING)) {
        rejectCommand(c, shared.loadingerr);
        return C_OK;
    }
    /* Async loading (replica.c) serves the old dataset, but not the
     * commands that would fight the load (SAVE, REPLICAOF, ...). */
    if (server.async_loading && (cmd_flags & CMD_NO_ASYNC_LOADING)) {
        rejectCommand(c, shared.loadingerr);
        return C_OK;
    }

    if (scriptBusyRejects && scriptBusyRejects(c)) return C_OK; /* eval.c: BUSY */

    /* CLIENT PAUSE WRITE holds back commands that may write, also when
     * they would only be queued inside MULTI (as stock does), and an EXEC
     * whose queue may write. */
    if (server.client_pause_type == PAUSE_WRITE && !(c->flags & (CLIENT_SLAVE|CLIENT_MASTER)) &&
        (is_write_command || (cmd_flags & CMD_MAY_REPLICATE) ||
         (c->cmd->proc == execCommand && (c->mstate.cmd_flags & (CMD_WRITE|CMD_MAY_REPLICATE))))) {
        blockClientForPause(c);
        return C_OK;
    }

    if (c->flags & CLIENT_MULTI &&
        c->cmd->proc != execCommand && c->cmd->proc != discardCommand &&
        c->cmd->proc != multiCommand && c->cmd->proc != watchCommand &&
        c->cmd->proc != quitCommand && c->cmd->proc != resetCommand) {
        queueMultiCommand(c, cmd_flags);
        addReply(c, shared.queued);
        return C_OK;
    }

    call(c, CMD_CALL_FULL);
    /* Clients blocked on keys this command fed get served now (blocked.c). */
    if (blockedHasReadyKeys()) handleClientsBlockedOnKeys();
    return C_OK;
}

/* ---------------------------------------------------------------------------
 * Basic commands that belong to the server itself
 * ------------------------------------------------------------------------ */

void pingCommand(client *c) {
    if (c->argc > 2) {
        addReplyErrorArity(c);
        return;
    }
    if (c->flags & CLIENT_PUBSUB && c->resp == 2) {
        addReply(c, shared.mbulkhdr[2]);
        addReplyBulkCBuffer(c, "pong", 4);
        if (c->argc == 1) addReplyBulkCBuffer(c, "", 0);
        else addReplyBulk(c, c->argv[1]);
    } else {
        if (c->argc == 1) addReply(c, shared.pong);
        else addReplyBulk(c, c->argv[1]);
    }
}

void echoCommand(client *c) {
    addReplyBulk(c, c->argv[1]);
}

void timeCommand(client *c) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    addReplyArrayLen(c, 2);
    addReplyBulkLongLong(c, tv.tv_sec);
    addReplyBulkLongLong(c, tv.tv_usec);
}

void lastsaveCommand(client *c) {
    addReplyLongLong(c, server.lastsave);
}

void quitCommand(client *c) {
    addReply(c, shared.ok);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}


/* ---------------------------------------------------------------------------
 * main()
 * ------------------------------------------------------------------------ */

static void version(void) {
    printf("Redis server v=%s sha=%s:%d malloc=%s bits=%d build=%s\n",
           REDIS_VERSION, "00000000", 0, zmalloc_lib_name(),
           sizeof(long) == 4 ? 32 : 64, "natbus0000000000");
    exit(0);
}

static void usage(void) {
    fprintf(stderr, "Usage: ./redis-server [/path/to/redis.conf] [options] [-]\n");
    fprintf(stderr, "       ./redis-server - (read config from stdin)\n");
    fprintf(stderr, "       ./redis-server -v or --version\n");
    fprintf(stderr, "       ./redis-server -h or --help\n\n");
    fprintf(stderr, "Examples:\n");
    fprintf(stderr, "       ./redis-server (run the server with default conf)\n");
    fprintf(stderr, "       echo 'maxmemory 128mb' | ./redis-server -\n");
    fprintf(stderr, "       ./redis-server /etc/redis/6379.conf\n");
    fprintf(stderr, "       ./redis-server --port 7777\n");
    fprintf(stderr, "       ./redis-server --port 7777 --replicaof 127.0.0.1 8888\n");
    fprintf(stderr, "       ./redis-server /etc/myredis.conf --loglevel verbose -\n");
    fprintf(stderr, "       ./redis-server /etc/myredis.conf --loglevel verbose\n\n");
    exit(1);
}

/* Turn "--port 7000 --save '' -" style arguments into config file lines.
 * Each "--name" starts a new line; the following words are its arguments,
 * quoted so that empty strings and spaces survive. */
static sds argsToConfigOptions(int argc, char **argv, int first, char *config_from_stdin) {
    sds options = sdsempty();
    int j = first;
    while (j < argc) {
        /* "-" (read stdin) counts only as the very first or last argument. */
        if (argv[j][0] == '-' && argv[j][1] == '\0' && (j == 1 || j == argc - 1)) {
            *config_from_stdin = 1;
        } else if (argv[j][0] == '-' && argv[j][1] == '-' && argv[j][2]) {
            if (sdslen(options)) options = sdscat(options, "\n");
            options = sdscat(options, argv[j] + 2);
            options = sdscat(options, " ");
        } else {
            options = sdscatrepr(options, argv[j], strlen(argv[j]));
            options = sdscat(options, " ");
        }
        j++;
    }
    return options;
}

int main(int argc, char **argv) {
    char *configfile = NULL;
    char config_from_stdin = 0;

    setlocale(LC_COLLATE, "");
    tzset();
    zmalloc_set_oom_handler(NULL);
    uint8_t hashseed[16];
    getRandomBytes(hashseed, sizeof(hashseed));
    dictSetHashFunctionSeed(hashseed);
    /* random() drives SPOP/SRANDMEMBER/RANDOMKEY and eviction sampling:
     * a different sequence per run, as stock seeds it. */
    srandom((unsigned)(time(NULL) ^ getpid()));
    crc64_init();

    server.executable = getAbsolutePath(argv[0]);
    server.exec_argv = argv;

    initConfigValues();
    populateCommandTable();
    ACLInit();

    sds options = sdsempty();
    if (argc >= 2) {
        int j = 1;
        if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version")) version();
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) usage();
        if (argv[1][0] != '-') {
            configfile = argv[1];
            server.configfile = getAbsolutePath(configfile);
            j = 2;
        }
        sdsfree(options);
        options = argsToConfigOptions(argc, argv, j, &config_from_stdin);
    }

    /* Load the configuration first: it says where the log goes. */
    int no_config = configfile == NULL && sdslen(options) == 0 && !config_from_stdin;
    loadServerConfig(server.configfile, config_from_stdin, options);
    sdsfree(options);

    serverLog(LL_WARNING, "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo");
    serverLog(LL_WARNING, "Redis version=%s, bits=%d, commit=%s, modified=%d, pid=%d, just started",
              REDIS_VERSION, sizeof(long) == 4 ? 32 : 64, "00000000", 0, (int)getpid());
    if (no_config) {
        serverLog(LL_WARNING, "Warning: no config file specified, using the default config. In order to specify a config file use %s /path/to/redis.conf",
                  argv[0]);
    } else {
        serverLog(LL_WARNING, "Configuration loaded");
    }

    if (server.daemonize) daemonize();
    initServer();
    ACLLoadUsersAtStartup();
    if (server.daemonize || server.pidfile) createPidFile();

    serverLog(LL_NOTICE, "Running mode=%s, port=%d.",
              server.cluster_enabled ? "cluster" : "standalone", server.port);
    serverLog(LL_WARNING, "Server initialized");
    if (!server.sentinel_mode) loadDataFromDisk();
    if (server.ipfd.count > 0 || server.sofd > 0)
        serverLog(LL_NOTICE, "Ready to accept connections");

    aeMain(server.el);
    aeDeleteEventLoop(server.el);
    return 0;
}
