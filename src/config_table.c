/* config_table.c - the data half of the configuration system: one entry per
 * directive Redis 7.0 accepts, plus the handlers of the directives whose
 * value is not a plain bool/number/enum/string (save, bind, ...), the apply
 * callbacks CONFIG SET runs after a change, and the directives that only make
 * sense in a config file (rename-command, user, loadmodule, sentinel).
 *
 * The engine that walks this table (parsing redis.conf, CONFIG GET/SET,
 * CONFIG REWRITE) lives in config.c; config.h is the contract between them.
 * Defaults, bounds, flags and error texts follow what a stock 7.0.15 server
 * reports, so that CONFIG GET * and error replies are indistinguishable.
 */
#include "config.h"
#include "aof.h"

#include <ctype.h>
#include <math.h>
#include <sys/resource.h>
#include <arpa/inet.h>

/* ---------------------------------------------------------------------------
 * Enum names (order matters: it is the order error messages list them in,
 * and the first name of a value is the one CONFIG GET prints)
 * ------------------------------------------------------------------------ */

static const configEnum supervisedEnum[] = {
    {"upstart", SUPERVISED_UPSTART}, {"systemd", SUPERVISED_SYSTEMD},
    {"auto", SUPERVISED_AUTODETECT}, {"no", SUPERVISED_NONE}, {NULL, 0}};
static const configEnum syslogFacilityEnum[] = {
    {"user", LOG_USER}, {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
    {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
    {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
    {NULL, 0}};
static const configEnum loglevelEnum[] = {
    {"debug", LL_DEBUG}, {"verbose", LL_VERBOSE}, {"notice", LL_NOTICE},
    {"warning", LL_WARNING}, {NULL, 0}};
static const configEnum maxmemoryPolicyEnum[] = {
    {"volatile-lru", MAXMEMORY_VOLATILE_LRU}, {"volatile-lfu", MAXMEMORY_VOLATILE_LFU},
    {"volatile-random", MAXMEMORY_VOLATILE_RANDOM}, {"volatile-ttl", MAXMEMORY_VOLATILE_TTL},
    {"allkeys-lru", MAXMEMORY_ALLKEYS_LRU}, {"allkeys-lfu", MAXMEMORY_ALLKEYS_LFU},
    {"allkeys-random", MAXMEMORY_ALLKEYS_RANDOM}, {"noeviction", MAXMEMORY_NO_EVICTION},
    {NULL, 0}};
static const configEnum appendfsyncEnum[] = {
    {"everysec", AOF_FSYNC_EVERYSEC}, {"always", AOF_FSYNC_ALWAYS},
    {"no", AOF_FSYNC_NO}, {NULL, 0}};
static const configEnum replDisklessLoadEnum[] = {
    {"disabled", REPL_DISKLESS_LOAD_DISABLED},
    {"on-empty-db", REPL_DISKLESS_LOAD_WHEN_DB_EMPTY},
    {"swapdb", REPL_DISKLESS_LOAD_SWAPDB}, {NULL, 0}};
#ifdef USE_OPENSSL
static const configEnum tlsAuthClientsEnum[] = {
    {"no", TLS_CLIENT_AUTH_NO}, {"yes", TLS_CLIENT_AUTH_YES},
    {"optional", TLS_CLIENT_AUTH_OPTIONAL}, {NULL, 0}};
#endif
static const configEnum oomScoreAdjEnum[] = {
    {"no", OOM_SCORE_ADJ_NO}, {"yes", OOM_SCORE_RELATIVE},
    {"relative", OOM_SCORE_RELATIVE}, {"absolute", OOM_SCORE_IMPL_ABSOLUTE},
    {NULL, 0}};
static const configEnum aclPubsubDefaultEnum[] = {
    {"allchannels", ACL_PUBSUB_ALLCHANNELS_CFG},
    {"resetchannels", ACL_PUBSUB_RESETCHANNELS_CFG}, {NULL, 0}};
static const configEnum sanitizeDumpEnum[] = {
    {"no", SANITIZE_DUMP_NO}, {"yes", SANITIZE_DUMP_YES},
    {"clients", SANITIZE_DUMP_CLIENTS}, {NULL, 0}};
static const configEnum endpointTypeEnum[] = {
    {"ip", CLUSTER_ENDPOINT_TYPE_IP}, {"hostname", CLUSTER_ENDPOINT_TYPE_HOSTNAME},
    {"unknown-endpoint", CLUSTER_ENDPOINT_TYPE_UNKNOWN_ENDPOINT}, {NULL, 0}};
static const configEnum propagationErrEnum[] = {
    {"ignore", PROPAGATION_ERR_BEHAVIOR_IGNORE},
    {"panic", PROPAGATION_ERR_BEHAVIOR_PANIC},
    {"panic-on-replicas", PROPAGATION_ERR_BEHAVIOR_PANIC_ON_REPLICAS}, {NULL, 0}};
/* SHUTDOWN command flags (server.c): save=1 nosave=2 now=4 force=8, and
 * ours, failover=16 (cluster_shutdown.c: hand the slots to a replica). */
static const configEnum shutdownOnSigEnum[] = {
    {"default", 0}, {"save", 1}, {"nosave", 2}, {"now", 4}, {"force", 8},
    {"failover", 16, 1}, {NULL, 0}};
static const configEnum protectedActionEnum[] = {
    {"no", PROTECTED_ACTION_ALLOWED_NO}, {"yes", PROTECTED_ACTION_ALLOWED_YES},
    {"local", PROTECTED_ACTION_ALLOWED_LOCAL}, {NULL, 0}};

/* ---------------------------------------------------------------------------
 * Validators for string directives
 * ------------------------------------------------------------------------ */

static int isValidFilename(const char *val) {
    return strchr(val, '/') == NULL;
}

static int validateDbfilename(const char *val, const char **err) {
    if (isValidFilename(val)) return 1;
    *err = "dbfilename can't be a path, just a filename";
    return 0;
}

static int validateAppendfilename(const char *val, const char **err) {
    if (val[0] == '\0') {
        *err = "appendfilename can't be empty";
        return 0;
    }
    if (isValidFilename(val)) return 1;
    *err = "appendfilename can't be a path, just a filename";
    return 0;
}

static int validateAppenddirname(const char *val, const char **err) {
    if (val[0] == '\0') {
        *err = "appenddirname can't be empty";
        return 0;
    }
    if (isValidFilename(val)) return 1;
    *err = "appenddirname can't be a path, just a dirname";
    return 0;
}

/* The template may only use the variables the process title knows; "{{"
 * and "}}" stand for literal braces, a lone '}' is literal too. Besides,
 * the title must not come out blank: stock 7.0 expands the template with an
 * empty {title} and refuses it when only spaces are left. Variables that
 * can expand to nothing are {title}, {server-mode} outside cluster and
 * sentinel mode, and {unixsocket} without a socket. */
static int titleVariableIsEmpty(const char *name, size_t len, int *known) {
    static const char *vars[] = {"title", "listen-addr", "server-mode", "port",
                                 "tls-port", "unixsocket", "config-file", NULL};
    *known = 0;
    for (int j = 0; vars[j]; j++)
        if (len == strlen(vars[j]) && !memcmp(name, vars[j], len)) *known = 1;
    if (!*known) return 0;
    if (len == 5 && !memcmp(name, "title", 5)) return 1;
    if (len == 11 && !memcmp(name, "server-mode", 11))
        return !server.cluster_enabled && !server.sentinel_mode;
    if (len == 10 && !memcmp(name, "unixsocket", 10))
        return server.unixsocket == NULL || server.unixsocket[0] == '\0';
    return 0;
}

static int validateProcTitleTemplate(const char *val, const char **err) {
    int ok = 1, visible = 0;
    for (const char *p = val; *p && ok; p++) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            visible = 1;
            p++;
        } else if (*p == '{') {
            const char *end = strchr(p, '}');
            int known = 0;
            if (end && !titleVariableIsEmpty(p + 1, (size_t)(end - p - 1), &known)) visible = 1;
            ok = end && known;
            if (ok) p = end;
        } else if (*p != ' ') {
            visible = 1;
        }
    }
    if (!ok || !visible) {
        *err = "template format is invalid or contains unknown variables";
        return 0;
    }
    return 1;
}

/* We have no active defragmentation. Refuse to turn it on with the words
 * of a stock server whose allocator cannot defragment. */
static int validateActiveDefrag(const char *val, const char **err) {
    if (strcmp(val, "yes")) return 1;
    *err = "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution";
    return 0;
}

/* Host names announced by a cluster node: letters, digits, '-' and '.'
 * (empty means none). */
static int validateHostname(const char *val, const char **err) {
    for (const char *p = val; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.') {
            *err = "Hostnames may only contain alphanumeric characters, hyphens or dots";
            return 0;
        }
    }
    return 1;
}

/* cluster-announce-internal-ip: a literal IPv4/IPv6 address (empty: detect
 * it from the bus sockets). */
static int validateIpAddress(const char *val, const char **err) {
    unsigned char tmp[16];
    if (val[0] == '\0' || inet_pton(AF_INET, val, tmp) == 1 || inet_pton(AF_INET6, val, tmp) == 1)
        return 1;
    *err = "Invalid IP address";
    return 0;
}

/* ---------------------------------------------------------------------------
 * Apply callbacks (CONFIG SET only; the config file is read before the
 * server exists, so nothing needs re-applying then)
 * ------------------------------------------------------------------------ */

static int applyListeners(const char **err, const char *msg) {
    if (server.el == NULL) return 1;
    if (changeListenPort(server.port, &server.ipfd, acceptTcpHandler) != C_OK) {
        *err = msg;
        return 0;
    }
    return 1;
}

static int applyPort(const char **err) {
    return applyListeners(err, "Unable to listen on this port. Check server logs.");
}

/* The new addresses may overlap the old ones on the same port ("*" vs
 * "127.0.0.1"), so the old listeners must go first. If binding fails,
 * CONFIG SET restores the old addresses and calls this again. */
static int applyBind(const char **err) {
    if (server.el == NULL) return 1;
    for (int j = 0; j < server.ipfd.count; j++) {
        aeDeleteFileEvent(server.el, server.ipfd.fd[j], AE_READABLE);
        close(server.ipfd.fd[j]);
    }
    server.ipfd.count = 0;
    if (!applyListeners(err, "Failed to bind to specified addresses.")) return 0;
    return tlsApplyBind(err); /* the TLS listener follows bind too */
}

/* hz outside [1,500] is accepted and silently clamped, as 7.0 does. */
static int applyHz(const char **err) {
    (void)err;
    if (server.config_hz < CONFIG_MIN_HZ) server.config_hz = CONFIG_MIN_HZ;
    if (server.config_hz > CONFIG_MAX_HZ) server.config_hz = CONFIG_MAX_HZ;
    server.hz = server.config_hz;
    return 1;
}

static int applyMaxmemory(const char **err) {
    (void)err;
    if (server.maxmemory == 0) return 1;
    size_t used = zmalloc_used_memory();
    if (server.maxmemory < used) {
        serverLog(LL_WARNING, "WARNING: the new maxmemory value set via CONFIG SET (%llu) is smaller than the current memory usage (%zu). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.",
                  server.maxmemory, used);
    }
    if (server.el) performEvictions();
    return 1;
}

/* CONFIG SET raises a too small backlog to the 16kb minimum (the file can
 * set less: it is only raised when the backlog gets created). */
static int applyReplBacklogSize(const char **err) {
    (void)err;
    if (server.repl_backlog_size < 16 * 1024) server.repl_backlog_size = 16 * 1024;
    resizeReplicationBacklogIfNeeded(); /* at once, as stock */
    return 1;
}

/* More clients need more file descriptors and a bigger event loop; find out
 * whether the system allows it before committing. */
static int applyMaxclients(const char **err) {
    if (server.el == NULL) return 1;
    static char buf[128];
    rlim_t needed = (rlim_t)server.maxclients + CONFIG_MIN_RESERVED_FDS;
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < needed) {
        limit.rlim_cur = needed;
        if (limit.rlim_max < needed) limit.rlim_max = needed;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0 && getrlimit(RLIMIT_NOFILE, &limit) == 0) {
            long long avail = (long long)limit.rlim_cur - CONFIG_MIN_RESERVED_FDS;
            snprintf(buf, sizeof(buf), "The operating system is not able to handle the specified number of clients, try with %lld", avail < 1 ? 1 : avail);
            *err = buf;
            return 0;
        }
    }
    int setsize = (int)server.maxclients + CONFIG_FDSET_INCR;
    if (aeGetSetSize(server.el) != setsize && aeResizeSetSize(server.el, setsize) == AE_ERR) {
        *err = "The event loop API used by Redis is not able to handle the specified number of clients";
        return 0;
    }
    return 1;
}

/* The ACL module, once written, keeps the default user's password in sync
 * with requirepass; until then server.requirepass alone is checked. */
__attribute__((weak)) void ACLUpdateDefaultUserPassword(sds password);

/* aof.c turns the AOF on (a rewrite makes the base) or off. */
static int applyAppendonly(const char **err) {
    if (aofApplyAppendonlyConfig() == C_OK) return 1;
    *err = "Unable to turn on AOF. Check server logs.";
    return 0;
}

static int applyRequirepass(const char **err) {
    (void)err;
    if (ACLUpdateDefaultUserPassword) {
        sds pass = sdsnew(server.requirepass ? server.requirepass : "");
        ACLUpdateDefaultUserPassword(pass);
        sdsfree(pass);
    }
    return 1;
}

/* ---------------------------------------------------------------------------
 * Special directives
 * ------------------------------------------------------------------------ */

extern int configLoadingFromFile; /* config.c: 1 while parsing redis.conf */
static int saveSeenInFile;        /* first "save" line replaces the defaults */

static void setSaveParams(struct saveparam *params, int count) {
    zfree(server.saveparams);
    server.saveparams = params;
    server.saveparamslen = count;
}

static void initSave(void) {
    struct saveparam *p = zmalloc(sizeof(*p) * 3);
    p[0].seconds = 3600; p[0].changes = 1;
    p[1].seconds = 300; p[1].changes = 100;
    p[2].seconds = 60; p[2].changes = 10000;
    setSaveParams(p, 3);
}

/* "save <seconds> <changes> [...]" or save "" to disable snapshots. */
static int setSave(standardConfig *cfg, sds *argv, int argc, const char **err) {
    (void)cfg;
    int clear = argc == 0 || (argc == 1 && argv[0][0] == '\0');
    if (!clear && argc % 2) { *err = "Invalid save parameters"; return 0; }
    int pairs = clear ? 0 : argc / 2;
    struct saveparam *p = zmalloc(sizeof(*p) * (pairs ? pairs : 1));
    for (int j = 0; j < pairs; j++) {
        long long secs, changes;
        if (!string2ll(argv[j*2], sdslen(argv[j*2]), &secs) || secs < 1 ||
            !string2ll(argv[j*2+1], sdslen(argv[j*2+1]), &changes) ||
            changes < 0 || changes > INT_MAX) {
            zfree(p);
            *err = "Invalid save parameters";
            return 0;
        }
        p[j].seconds = (time_t)secs;
        p[j].changes = (int)changes;
    }
    /* In the config file successive save lines add up; the first one
     * replaces the built-in defaults. */
    if (configLoadingFromFile && saveSeenInFile && !clear) {
        int old = server.saveparamslen;
        p = zrealloc(p, sizeof(*p) * (old + pairs));
        memmove(p + old, p, sizeof(*p) * pairs);
        memcpy(p, server.saveparams, sizeof(*p) * old);
        pairs += old;
    }
    if (configLoadingFromFile) saveSeenInFile = 1;
    setSaveParams(p, pairs);
    return 1;
}

static sds getSave(standardConfig *cfg) {
    (void)cfg;
    sds s = sdsempty();
    for (int j = 0; j < server.saveparamslen; j++) {
        s = sdscatprintf(s, "%s%lld %d", j ? " " : "",
                         (long long)server.saveparams[j].seconds, server.saveparams[j].changes);
    }
    return s;
}

/* Always written, so that a rewritten file keeps meaning the same thing
 * even if the built-in default changes. */
static void rewriteSave(standardConfig *cfg, rewriteState *state) {
    if (server.saveparamslen == 0) {
        rewriteConfigLine(state, cfg->name, sdsnew("save \"\""), 1);
    }
    for (int j = 0; j < server.saveparamslen; j++) {
        sds line = sdscatprintf(sdsempty(), "save %lld %d",
                                (long long)server.saveparams[j].seconds, server.saveparams[j].changes);
        rewriteConfigLine(state, cfg->name, line, 1);
    }
    rewriteConfigMarkProcessed(state, cfg->name);
}

/* client-output-buffer-limit <class> <hard> <soft> <soft-seconds> [...] */
static const clientBufferLimitsConfig obufDefaults[CLIENT_TYPE_OBUF_COUNT] = {
    {0, 0, 0},                                   /* normal */
    {1024*1024*256, 1024*1024*64, 60},           /* replica */
    {1024*1024*32, 1024*1024*8, 60},             /* pubsub */
};
static const char *obufClassNames[CLIENT_TYPE_OBUF_COUNT] = {"normal", "slave", "pubsub"};
/* CONFIG GET says "slave", the rewritten file says "replica" (as 7.0). */
static const char *obufRewriteNames[CLIENT_TYPE_OBUF_COUNT] = {"normal", "replica", "pubsub"};

static void initObuf(void) {
    memcpy(server.client_obuf_limits, obufDefaults, sizeof(obufDefaults));
}

static int obufClassByName(const char *name) {
    if (!strcasecmp(name, "normal")) return CLIENT_TYPE_NORMAL;
    if (!strcasecmp(name, "slave") || !strcasecmp(name, "replica")) return CLIENT_TYPE_SLAVE;
    if (!strcasecmp(name, "pubsub")) return CLIENT_TYPE_PUBSUB;
    return -1;
}

static int setObuf(standardConfig *cfg, sds *argv, int argc, const char **err) {
    (void)cfg;
    if (argc % 4) {
        *err = "Wrong number of arguments in buffer limit configuration.";
        return 0;
    }
    clientBufferLimitsConfig next[CLIENT_TYPE_OBUF_COUNT];
    memcpy(next, server.client_obuf_limits, sizeof(next));
    for (int j = 0; j < argc; j += 4) {
        int class = obufClassByName(argv[j]);
        if (class == -1) {
            *err = "Invalid client class specified in buffer limit configuration.";
            return 0;
        }
        unsigned long long hard, soft;
        long long secs;
        if (!configParseMemory(argv[j+1], &hard) || !configParseMemory(argv[j+2], &soft) ||
            !string2ll(argv[j+3], sdslen(argv[j+3]), &secs) || secs < 0) {
            *err = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            return 0;
        }
        next[class].hard_limit_bytes = hard;
        next[class].soft_limit_bytes = soft;
        next[class].soft_limit_seconds = (time_t)secs;
    }
    memcpy(server.client_obuf_limits, next, sizeof(next));
    return 1;
}

static sds getObuf(standardConfig *cfg) {
    (void)cfg;
    sds s = sdsempty();
    for (int j = 0; j < CLIENT_TYPE_OBUF_COUNT; j++) {
        clientBufferLimitsConfig *l = &server.client_obuf_limits[j];
        s = sdscatprintf(s, "%s%s %llu %llu %lld", j ? " " : "", obufClassNames[j],
                         l->hard_limit_bytes, l->soft_limit_bytes, (long long)l->soft_limit_seconds);
    }
    return s;
}

/* One line per class that differs from its default (an existing line in
 * the file is reused by the first class regardless). */
static void rewriteObuf(standardConfig *cfg, rewriteState *state) {
    for (int j = 0; j < CLIENT_TYPE_OBUF_COUNT; j++) {
        clientBufferLimitsConfig *l = &server.client_obuf_limits[j];
        int force = memcmp(l, &obufDefaults[j], sizeof(*l)) != 0;
        sds line = sdscatprintf(sdsempty(), "%s %s ", cfg->name, obufRewriteNames[j]);
        line = rewriteFormatMemory(line, l->hard_limit_bytes);
        line = sdscat(line, " ");
        line = rewriteFormatMemory(line, l->soft_limit_bytes);
        line = sdscatprintf(line, " %lld", (long long)l->soft_limit_seconds);
        rewriteConfigLine(state, cfg->name, line, force);
    }
    rewriteConfigMarkProcessed(state, cfg->name);
}

/* bind: up to CONFIG_BINDADDR_MAX addresses; none means no TCP listener. */
static void setBindAddrs(sds *argv, int argc) {
    for (int j = 0; j < server.bindaddr_count; j++) zfree(server.bindaddr[j]);
    for (int j = 0; j < argc; j++) server.bindaddr[j] = zstrdup(argv[j]);
    server.bindaddr_count = argc;
}

static void initBind(void) {
    sds defaults[2] = {sdsnew("*"), sdsnew("-::*")};
    server.bindaddr_count = 0;
    setBindAddrs(defaults, 2);
    sdsfree(defaults[0]);
    sdsfree(defaults[1]);
}

static int setBind(standardConfig *cfg, sds *argv, int argc, const char **err) {
    (void)cfg;
    if (argc > CONFIG_BINDADDR_MAX) {
        *err = "Too many bind addresses specified.";
        return 0;
    }
    /* bind "" (one empty word) also means: listen nowhere. */
    if (argc == 1 && argv[0][0] == '\0') argc = 0;
    setBindAddrs(argv, argc);
    return 1;
}

static sds getBind(standardConfig *cfg) {
    (void)cfg;
    return sdsjoin(server.bindaddr, server.bindaddr_count, " ");
}

static void rewriteBind(standardConfig *cfg, rewriteState *state) {
    sds value = getBind(cfg);
    int force = strcmp(value, "* -::*") != 0;
    sds line = sdscatprintf(sdsempty(), "%s %s", cfg->name, value);
    sdsfree(value);
    rewriteConfigLine(state, cfg->name, line, force);
}

/* oom-score-adj-values <master> <replica> <bgchild> */
static const int oomDefaults[CONFIG_OOM_COUNT] = {0, 200, 800};

static void initOomValues(void) {
    memcpy(server.oom_score_adj_values, oomDefaults, sizeof(oomDefaults));
}

static int setOomValues(standardConfig *cfg, sds *argv, int argc, const char **err) {
    (void)cfg;
    int next[CONFIG_OOM_COUNT];
    if (argc != CONFIG_OOM_COUNT) { *err = "wrong number of arguments"; return 0; }
    for (int j = 0; j < argc; j++) {
        long long v;
        if (!string2ll(argv[j], sdslen(argv[j]), &v) || v < -2000 || v > 2000) {
            *err = "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
            return 0;
        }
        next[j] = (int)v;
    }
    memcpy(server.oom_score_adj_values, next, sizeof(next));
    return 1;
}

static sds getOomValues(standardConfig *cfg) {
    (void)cfg;
    int *v = server.oom_score_adj_values;
    return sdscatprintf(sdsempty(), "%d %d %d", v[0], v[1], v[2]);
}

static void rewriteOomValues(standardConfig *cfg, rewriteState *state) {
    int force = memcmp(server.oom_score_adj_values, oomDefaults, sizeof(oomDefaults)) != 0;
    sds value = getOomValues(cfg);
    sds line = sdscatprintf(sdsempty(), "%s %s", cfg->name, value);
    sdsfree(value);
    rewriteConfigLine(state, cfg->name, line, force);
}

/* notify-keyspace-events: class letters <-> NOTIFY_* bits (notify.c). */
static void initNotify(void) { server.notify_keyspace_events = 0; }

static int setNotify(standardConfig *cfg, sds *argv, int argc, const char **err) {
    (void)cfg; (void)argc;
    int flags = keyspaceEventsStringToFlags(argv[0]);
    if (flags == -1) {
        *err = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
        return 0;
    }
    server.notify_keyspace_events = flags;
    return 1;
}

static sds getNotify(standardConfig *cfg) {
    (void)cfg;
    return keyspaceEventsFlagsToString(server.notify_keyspace_events);
}

static void rewriteNotify(standardConfig *cfg, rewriteState *state) {
    sds value = getNotify(cfg);
    sds line = sdscatprintf(sdsempty(), "%s ", cfg->name);
    line = sdscatrepr(line, value, sdslen(value));
    sdsfree(value);
    rewriteConfigLine(state, cfg->name, line, server.notify_keyspace_events != 0);
}

/* dir: the working directory itself is the value. */
static void initDir(void) {}

static int setDir(standardConfig *cfg, sds *argv, int argc, const char **err) {
    (void)cfg; (void)argc;
    if (chdir(argv[0]) == -1) {
        *err = strerror(errno);
        return 0;
    }
    return 1;
}

static sds getDir(standardConfig *cfg) {
    (void)cfg;
    char buf[PATH_MAX];
    if (getcwd(buf, sizeof(buf)) == NULL) buf[0] = '\0';
    return sdsnew(buf);
}

static void rewriteDir(standardConfig *cfg, rewriteState *state) {
    sds value = getDir(cfg);
    if (value[0] == '\0') {
        /* Unknown cwd: leave whatever the file says. */
        sdsfree(value);
        rewriteConfigMarkProcessed(state, cfg->name);
        return;
    }
    sds line = sdscatprintf(sdsempty(), "%s ", cfg->name);
    line = sdscatrepr(line, value, sdslen(value));
    sdsfree(value);
    rewriteConfigLine(state, cfg->name, line, 1);
}

/* unixsocketperm: an octal file mode. */
static void initUnixsocketperm(void) { server.unixsocketperm = 0; }

static int setUnixsocketperm(standardConfig *cfg, sds *argv, int argc, const char **err) {
    (void)cfg; (void)argc;
    char *end;
    errno = 0;
    /* strtoll() rules, as stock: leading blanks and a sign are fine, and
     * an empty value reads as 0. */
    long long v = strtoll(argv[0], &end, 8);
    if (*end != '\0' || errno) {
        *err = "argument couldn't be parsed as an octal number";
        return 0;
    }
    if (v < 0 || v > 0777) {
        *err = "argument must be between 0 and 777 inclusive";
        return 0;
    }
    server.unixsocketperm = (unsigned int)v;
    return 1;
}

static sds getUnixsocketperm(standardConfig *cfg) {
    (void)cfg;
    return sdscatprintf(sdsempty(), "%o", server.unixsocketperm);
}

static void rewriteUnixsocketperm(standardConfig *cfg, rewriteState *state) {
    sds line = sdscatprintf(sdsempty(), "%s %o", cfg->name, server.unixsocketperm);
    rewriteConfigLine(state, cfg->name, line, server.unixsocketperm != 0);
}

/* replicaof <host> <port> | replicaof no one. Config file only: at run
 * time the REPLICAOF command does the real work. */
static void initReplicaof(void) {
    server.masterhost = NULL;
    server.masterport = 6379;
}

static int setReplicaof(standardConfig *cfg, sds *argv, int argc, const char **err) {
    (void)cfg;
    if (argc != 2) { *err = "wrong number of arguments"; return 0; }
    zfree(server.masterhost);
    server.masterhost = NULL;
    if (!strcasecmp(argv[0], "no") && !strcasecmp(argv[1], "one")) return 1;
    long long port;
    if (!string2ll(argv[1], sdslen(argv[1]), &port) || port < 0 || port > 65535) {
        *err = "Invalid master port";
        return 0;
    }
    server.masterhost = zstrdup(argv[0]);
    server.masterport = (int)port;
    return 1;
}

static sds getReplicaof(standardConfig *cfg) {
    (void)cfg;
    if (!server.masterhost) return sdsempty();
    return sdscatprintf(sdsempty(), "%s %d", server.masterhost, server.masterport);
}

static void rewriteReplicaof(standardConfig *cfg, rewriteState *state) {
    if (server.masterhost) {
        sds line = sdscatprintf(sdsempty(), "%s %s %d", cfg->name, server.masterhost, server.masterport);
        rewriteConfigLine(state, cfg->name, line, 1);
    }
    rewriteConfigMarkProcessed(state, cfg->name);
}

/* latency-tracking-info-percentiles: doubles in [0,100]. */
static void storePercentiles(double *values, int count) {
    zfree(server.latency_tracking_info_percentiles);
    server.latency_tracking_info_percentiles = values;
    server.latency_tracking_info_percentiles_len = count;
}

static void initPercentiles(void) {
    double *v = zmalloc(sizeof(double) * 3);
    v[0] = 50.0; v[1] = 99.0; v[2] = 99.9;
    storePercentiles(v, 3);
}

static int setPercentiles(standardConfig *cfg, sds *argv, int argc, const char **err) {
    (void)cfg;
    if (argc == 1 && argv[0][0] == '\0') argc = 0;
    double *v = zmalloc(sizeof(double) * (argc ? argc : 1));
    for (int j = 0; j < argc; j++) {
        if (!string2d(argv[j], sdslen(argv[j]), &v[j])) {
            zfree(v);
            *err = "Invalid latency-tracking-info-percentiles parameters";
            return 0;
        }
        if (v[j] < 0.0 || v[j] > 100.0) {
            zfree(v);
            *err = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
            return 0;
        }
    }
    storePercentiles(v, argc);
    return 1;
}

static sds getPercentiles(standardConfig *cfg) {
    (void)cfg;
    sds s = sdsempty();
    for (int j = 0; j < server.latency_tracking_info_percentiles_len; j++) {
        if (j) s = sdscat(s, " ");
        s = configFormatDouble(s, server.latency_tracking_info_percentiles[j]);
    }
    return s;
}

/* Like 7.0, always written. */
static void rewritePercentiles(standardConfig *cfg, rewriteState *state) {
    sds value = getPercentiles(cfg);
    sds line = sdscatprintf(sdsempty(), "%s ", cfg->name);
    if (sdslen(value)) line = sdscatsds(line, value);
    else line = sdscat(line, "\"\"");
    sdsfree(value);
    rewriteConfigLine(state, cfg->name, line, 1);
}

/* ---------------------------------------------------------------------------
 * Table helpers
 * ------------------------------------------------------------------------ */

#define F(field) ((void *)&server.field)

#define BOOL(nm, al, fl, field, def, app) \
    {.name = nm, .alias = al, .type = CT_BOOL, .flags = fl, .ptr = F(field), .dflt = def, .apply = app}
#define ENUM(nm, al, fl, field, en, def, app) \
    {.name = nm, .alias = al, .type = CT_ENUM, .flags = fl, .ptr = F(field), .enums = en, .dflt = def, .apply = app}
#define STR(nm, al, fl, field, def, val, app) \
    {.name = nm, .alias = al, .type = CT_STRING, .flags = fl, .ptr = F(field), .dflt_str = def, .validate = val, .apply = app}
#define NUM(nm, al, t, fl, field, lo, hi, def, app) \
    {.name = nm, .alias = al, .type = t, .flags = fl, .ptr = F(field), .min = lo, .max = hi, .dflt = def, .apply = app}
#define SPECIAL(nm, al, fl, fn) \
    {.name = nm, .alias = al, .type = CT_SPECIAL, .flags = fl, .init = init##fn, .set = set##fn, .get = get##fn, .rewrite = rewrite##fn}

#define MB (1024LL*1024)
#define IM CF_IMMUTABLE
#define MEM CF_MEMORY
#define NUL CF_EMPTY_NULL

standardConfig configTable[] = {
    /* Booleans */
    BOOL("rdbchecksum", NULL, IM, rdb_checksum, 1, NULL),
    BOOL("daemonize", NULL, IM, daemonize, 0, NULL),
    BOOL("io-threads-do-reads", NULL, IM, io_threads_do_reads, 0, NULL),
    BOOL("always-show-logo", NULL, IM, always_show_logo, 0, NULL),
    BOOL("protected-mode", NULL, 0, protected_mode, 1, NULL),
    BOOL("rdbcompression", NULL, 0, rdb_compression, 1, NULL),
    BOOL("rdb-del-sync-files", NULL, 0, rdb_del_sync_files, 0, NULL),
    BOOL("activerehashing", NULL, 0, activerehashing, 1, NULL),
    BOOL("stop-writes-on-bgsave-error", NULL, 0, stop_writes_on_bgsave_err, 1, NULL),
    BOOL("set-proc-title", NULL, IM, set_proc_title, 1, NULL),
    BOOL("dynamic-hz", NULL, 0, dynamic_hz, 1, NULL),
    BOOL("lazyfree-lazy-eviction", NULL, 0, lazyfree_lazy_eviction, 0, NULL),
    BOOL("lazyfree-lazy-expire", NULL, 0, lazyfree_lazy_expire, 0, NULL),
    BOOL("lazyfree-lazy-server-del", NULL, 0, lazyfree_lazy_server_del, 0, NULL),
    BOOL("lazyfree-lazy-user-del", NULL, 0, lazyfree_lazy_user_del, 0, NULL),
    BOOL("lazyfree-lazy-user-flush", NULL, 0, lazyfree_lazy_user_flush, 0, NULL),
    BOOL("repl-disable-tcp-nodelay", NULL, 0, repl_disable_tcp_nodelay, 0, NULL),
    BOOL("repl-diskless-sync", NULL, 0, repl_diskless_sync, 1, NULL),
    BOOL("aof-rewrite-incremental-fsync", NULL, 0, aof_rewrite_incremental_fsync, 1, NULL),
    BOOL("no-appendfsync-on-rewrite", NULL, 0, aof_no_fsync_on_rewrite, 0, NULL),
    BOOL("cluster-require-full-coverage", NULL, 0, cluster_require_full_coverage, 1, NULL),
    BOOL("rdb-save-incremental-fsync", NULL, 0, rdb_save_incremental_fsync, 1, NULL),
    BOOL("aof-load-truncated", NULL, 0, aof_load_truncated, 1, NULL),
    BOOL("aof-use-rdb-preamble", NULL, 0, aof_use_rdb_preamble, 1, NULL),
    BOOL("aof-timestamp-enabled", NULL, 0, aof_timestamp_enabled, 0, NULL),
    BOOL("cluster-replica-no-failover", "cluster-slave-no-failover", 0, cluster_slave_no_failover, 0, NULL),
    BOOL("replica-lazy-flush", "slave-lazy-flush", 0, repl_slave_lazy_flush, 0, NULL),
    BOOL("replica-serve-stale-data", "slave-serve-stale-data", 0, repl_serve_stale_data, 1, NULL),
    BOOL("replica-read-only", "slave-read-only", 0, repl_slave_ro, 1, NULL),
    BOOL("replica-ignore-maxmemory", "slave-ignore-maxmemory", 0, repl_slave_ignore_maxmemory, 1, NULL),
    BOOL("jemalloc-bg-thread", NULL, 0, jemalloc_bg_thread, 1, NULL),
    {.name = "activedefrag", .type = CT_BOOL, .ptr = F(active_defrag_enabled), .dflt = 0,
     .validate = validateActiveDefrag},
    BOOL("syslog-enabled", NULL, IM, syslog_enabled, 0, NULL),
    BOOL("cluster-enabled", NULL, IM, cluster_enabled, 0, NULL),
    BOOL("appendonly", NULL, CF_DENY_LOADING, aof_enabled, 0, applyAppendonly),
    BOOL("cluster-allow-reads-when-down", NULL, 0, cluster_allow_reads_when_down, 0, NULL),
    BOOL("cluster-allow-pubsubshard-when-down", NULL, 0, cluster_allow_pubsubshard_when_down, 1, NULL),
    BOOL("crash-log-enabled", NULL, 0, crashlog_enabled, 1, NULL),
    BOOL("crash-memcheck-enabled", NULL, 0, memcheck_enabled, 1, NULL),
    BOOL("use-exit-on-panic", NULL, CF_HIDDEN, use_exit_on_panic, 0, NULL),
    BOOL("disable-thp", NULL, IM, disable_thp, 1, NULL),
    BOOL("cluster-allow-replica-migration", NULL, 0, cluster_allow_replica_migration, 1, NULL),
    BOOL("replica-announced", NULL, 0, replica_announced, 1, NULL),
    BOOL("latency-tracking", NULL, 0, latency_tracking_enabled, 1, NULL),
    BOOL("aof-disable-auto-gc", NULL, 0, aof_disable_auto_gc, 0, NULL),
    BOOL("replica-ignore-disk-write-errors", NULL, 0, repl_ignore_disk_write_error, 0, NULL),
#ifdef USE_OPENSSL /* a server built without TLS knows no tls-* directive */
    BOOL("tls-cluster", NULL, 0, tls_cluster, 0, tlsApplyConfig),
    BOOL("tls-replication", NULL, 0, tls_replication, 0, tlsApplyConfig),
    BOOL("tls-prefer-server-ciphers", NULL, 0, tls_prefer_server_ciphers, 0, tlsApplyConfig),
    BOOL("tls-session-caching", NULL, 0, tls_session_caching, 1, tlsApplyConfig),
#endif

    /* Strings */
    STR("aclfile", NULL, IM, acl_filename, "", NULL, NULL),
    STR("unixsocket", NULL, IM | NUL, unixsocket, NULL, NULL, NULL),
    STR("pidfile", NULL, IM | NUL, pidfile, NULL, NULL, NULL),
    STR("replica-announce-ip", "slave-announce-ip", NUL, slave_announce_ip, NULL, NULL, NULL),
    STR("masteruser", NULL, CF_SENSITIVE | NUL, masteruser, NULL, NULL, NULL),
    STR("masterauth", NULL, CF_SENSITIVE | NUL, masterauth, NULL, NULL, NULL),
    STR("requirepass", NULL, CF_SENSITIVE | NUL, requirepass, NULL, NULL, applyRequirepass),
    STR("cluster-announce-ip", NULL, NUL, cluster_announce_ip, NULL, NULL, NULL),
    STR("cluster-config-file", NULL, IM, cluster_configfile, "nodes.conf", NULL, NULL),
    STR("cluster-announce-hostname", NULL, NUL, cluster_announce_hostname, NULL, validateHostname, NULL),
    STR("cluster-announce-internal-ip", NULL, NUL, cluster_announce_internal_ip, NULL, validateIpAddress, NULL),
    STR("cluster-announce-internal-hostname", NULL, NUL, cluster_announce_internal_hostname, NULL, validateHostname, NULL),
    STR("syslog-ident", NULL, IM, syslog_ident, "redis", NULL, NULL),
    STR("dbfilename", NULL, CF_PROTECTED, rdb_filename, "dump.rdb", validateDbfilename, NULL),
    STR("appendfilename", NULL, IM, aof_filename, "appendonly.aof", validateAppendfilename, NULL),
    STR("appenddirname", NULL, IM, aof_dirname, "appendonlydir", validateAppenddirname, NULL),
    STR("server_cpulist", NULL, IM | NUL, server_cpulist, NULL, NULL, NULL),
    STR("bio_cpulist", NULL, IM | NUL, bio_cpulist, NULL, NULL, NULL),
    STR("aof_rewrite_cpulist", NULL, IM | NUL, aof_rewrite_cpulist, NULL, NULL, NULL),
    STR("bgsave_cpulist", NULL, IM | NUL, bgsave_cpulist, NULL, NULL, NULL),
    STR("ignore-warnings", NULL, 0, ignore_warnings, "", NULL, NULL),
    STR("proc-title-template", NULL, 0, proc_title_template, "{title} {listen-addr} {server-mode}", validateProcTitleTemplate, NULL),
    STR("bind-source-addr", NULL, NUL, bind_source_addr, NULL, NULL, NULL),
    STR("logfile", NULL, IM, logfile, "", NULL, NULL),
#ifdef USE_OPENSSL
    STR("tls-cert-file", NULL, NUL, tls_cert_file, NULL, NULL, tlsApplyConfig),
    STR("tls-key-file", NULL, NUL, tls_key_file, NULL, NULL, tlsApplyConfig),
    STR("tls-key-file-pass", NULL, CF_SENSITIVE | NUL, tls_key_file_pass, NULL, NULL, tlsApplyConfig),
    STR("tls-client-cert-file", NULL, NUL, tls_client_cert_file, NULL, NULL, tlsApplyConfig),
    STR("tls-client-key-file", NULL, NUL, tls_client_key_file, NULL, NULL, tlsApplyConfig),
    STR("tls-client-key-file-pass", NULL, CF_SENSITIVE | NUL, tls_client_key_file_pass, NULL, NULL, tlsApplyConfig),
    STR("tls-dh-params-file", NULL, NUL, tls_dh_params_file, NULL, NULL, tlsApplyConfig),
    STR("tls-ca-cert-file", NULL, NUL, tls_ca_cert_file, NULL, NULL, tlsApplyConfig),
    STR("tls-ca-cert-dir", NULL, NUL, tls_ca_cert_dir, NULL, NULL, tlsApplyConfig),
    STR("tls-protocols", NULL, NUL, tls_protocols, NULL, NULL, tlsApplyConfig),
    STR("tls-ciphers", NULL, NUL, tls_ciphers, NULL, NULL, tlsApplyConfig),
    STR("tls-ciphersuites", NULL, NUL, tls_ciphersuites, NULL, NULL, tlsApplyConfig),
#endif

    /* Enums */
    ENUM("supervised", NULL, IM, supervised_mode, supervisedEnum, SUPERVISED_NONE, NULL),
    ENUM("syslog-facility", NULL, IM, syslog_facility, syslogFacilityEnum, LOG_LOCAL0, NULL),
    ENUM("repl-diskless-load", NULL, CF_DENY_LOADING, repl_diskless_load, replDisklessLoadEnum, REPL_DISKLESS_LOAD_DISABLED, NULL),
    ENUM("loglevel", NULL, 0, verbosity, loglevelEnum, LL_NOTICE, NULL),
    ENUM("maxmemory-policy", NULL, 0, maxmemory_policy, maxmemoryPolicyEnum, MAXMEMORY_NO_EVICTION, NULL),
    ENUM("appendfsync", NULL, 0, aof_fsync, appendfsyncEnum, AOF_FSYNC_EVERYSEC, NULL),
    ENUM("oom-score-adj", NULL, 0, oom_score_adj, oomScoreAdjEnum, OOM_SCORE_ADJ_NO, NULL),
    ENUM("acl-pubsub-default", NULL, 0, acl_pubsub_default, aclPubsubDefaultEnum, ACL_PUBSUB_RESETCHANNELS_CFG, NULL),
    ENUM("sanitize-dump-payload", NULL, 0, sanitize_dump_payload, sanitizeDumpEnum, SANITIZE_DUMP_NO, NULL),
    ENUM("cluster-preferred-endpoint-type", NULL, 0, cluster_preferred_endpoint_type, endpointTypeEnum, CLUSTER_ENDPOINT_TYPE_IP, NULL),
    ENUM("propagation-error-behavior", NULL, 0, propagation_error_behavior, propagationErrEnum, PROPAGATION_ERR_BEHAVIOR_IGNORE, NULL),
#ifdef USE_OPENSSL
    /* Read per accepted connection: changing it rebuilds nothing (as stock). */
    ENUM("tls-auth-clients", NULL, 0, tls_auth_clients, tlsAuthClientsEnum, TLS_CLIENT_AUTH_YES, NULL),
#endif
    ENUM("enable-protected-configs", NULL, IM, enable_protected_configs, protectedActionEnum, PROTECTED_ACTION_ALLOWED_NO, NULL),
    ENUM("enable-debug-command", NULL, IM, enable_debug_cmd, protectedActionEnum, PROTECTED_ACTION_ALLOWED_NO, NULL),
    ENUM("enable-module-command", NULL, IM, enable_module_cmd, protectedActionEnum, PROTECTED_ACTION_ALLOWED_NO, NULL),
    {.name = "shutdown-on-sigint", .type = CT_FLAGS, .flags = CF_MULTI_ARG, .ptr = F(shutdown_on_sigint), .enums = shutdownOnSigEnum},
    {.name = "shutdown-on-sigterm", .type = CT_FLAGS, .flags = CF_MULTI_ARG, .ptr = F(shutdown_on_sigterm), .enums = shutdownOnSigEnum},

    /* Integers */
    NUM("databases", NULL, CT_INT, IM, dbnum, 1, INT_MAX, 16, NULL),
    NUM("port", NULL, CT_INT, 0, port, 0, 65535, 6379, applyPort),
    NUM("io-threads", NULL, CT_INT, IM, io_threads_num, 1, 128, 1, NULL),
    NUM("auto-aof-rewrite-percentage", NULL, CT_INT, 0, aof_rewrite_perc, 0, INT_MAX, 100, NULL),
    NUM("cluster-replica-validity-factor", "cluster-slave-validity-factor", CT_INT, 0, cluster_slave_validity_factor, 0, INT_MAX, 10, NULL),
    NUM("list-max-listpack-size", "list-max-ziplist-size", CT_INT, 0, list_max_listpack_size, INT_MIN, INT_MAX, -2, NULL),
    NUM("tcp-keepalive", NULL, CT_INT, 0, tcpkeepalive, 0, INT_MAX, 300, NULL),
    NUM("cluster-migration-barrier", NULL, CT_INT, 0, cluster_migration_barrier, 0, INT_MAX, 1, NULL),
    NUM("active-defrag-cycle-min", NULL, CT_INT, 0, active_defrag_cycle_min, 1, 99, 1, NULL),
    NUM("active-defrag-cycle-max", NULL, CT_INT, 0, active_defrag_cycle_max, 1, 99, 25, NULL),
    NUM("active-defrag-threshold-lower", NULL, CT_INT, 0, active_defrag_threshold_lower, 0, 1000, 10, NULL),
    NUM("active-defrag-threshold-upper", NULL, CT_INT, 0, active_defrag_threshold_upper, 0, 1000, 100, NULL),
    NUM("lfu-log-factor", NULL, CT_INT, 0, lfu_log_factor, 0, INT_MAX, 10, NULL),
    NUM("lfu-decay-time", NULL, CT_INT, 0, lfu_decay_time, 0, INT_MAX, 1, NULL),
    NUM("replica-priority", "slave-priority", CT_INT, 0, slave_priority, 0, INT_MAX, 100, NULL),
    NUM("repl-diskless-sync-delay", NULL, CT_INT, 0, repl_diskless_sync_delay, 0, INT_MAX, 5, NULL),
    NUM("maxmemory-samples", NULL, CT_INT, 0, maxmemory_samples, 1, INT_MAX, 5, NULL),
    NUM("maxmemory-eviction-tenacity", NULL, CT_INT, 0, maxmemory_eviction_tenacity, 0, 100, 10, NULL),
    NUM("timeout", NULL, CT_INT, 0, maxidletime, 0, INT_MAX, 0, NULL),
    NUM("repl-timeout", NULL, CT_INT, 0, repl_timeout, 1, INT_MAX, 60, NULL),
    NUM("repl-ping-replica-period", "repl-ping-slave-period", CT_INT, 0, repl_ping_slave_period, 1, INT_MAX, 10, NULL),
    NUM("list-compress-depth", NULL, CT_INT, 0, list_compress_depth, 0, INT_MAX, 0, NULL),
    NUM("rdb-key-save-delay", NULL, CT_INT, CF_HIDDEN, rdb_key_save_delay, INT_MIN, INT_MAX, 0, NULL),
    NUM("key-load-delay", NULL, CT_INT, CF_HIDDEN, key_load_delay, INT_MIN, INT_MAX, 0, NULL),
    NUM("active-expire-effort", NULL, CT_INT, 0, active_expire_effort, 1, 10, 1, NULL),
    NUM("hz", NULL, CT_INT, 0, config_hz, 0, INT_MAX, CONFIG_DEFAULT_HZ, applyHz),
    NUM("min-replicas-to-write", "min-slaves-to-write", CT_INT, 0, repl_min_slaves_to_write, 0, INT_MAX, 0, NULL),
    NUM("min-replicas-max-lag", "min-slaves-max-lag", CT_INT, 0, repl_min_slaves_max_lag, 0, INT_MAX, 10, NULL),
    NUM("watchdog-period", NULL, CT_INT, CF_HIDDEN, watchdog_period, 0, INT_MAX, 0, NULL),
    NUM("shutdown-timeout", NULL, CT_INT, 0, shutdown_timeout, 0, INT_MAX, 10, NULL),
    NUM("repl-diskless-sync-max-replicas", NULL, CT_INT, 0, repl_diskless_sync_max_replicas, 0, INT_MAX, 0, NULL),
    NUM("cluster-port", NULL, CT_INT, IM, cluster_port, 0, 65535, 0, NULL),
    NUM("cluster-announce-bus-port", NULL, CT_INT, 0, cluster_announce_bus_port, 0, 65535, 0, NULL),
    NUM("cluster-announce-port", NULL, CT_INT, 0, cluster_announce_port, 0, 65535, 0, NULL),
    NUM("cluster-announce-tls-port", NULL, CT_INT, 0, cluster_announce_tls_port, 0, 65535, 0, NULL),
#ifdef USE_OPENSSL
    NUM("tls-port", NULL, CT_INT, 0, tls_port, 0, 65535, 0, tlsApplyPort),
    NUM("tls-session-cache-size", NULL, CT_INT, 0, tls_session_cache_size, 0, INT_MAX, 20*1024, tlsApplyConfig),
    NUM("tls-session-cache-timeout", NULL, CT_INT, 0, tls_session_cache_timeout, 0, INT_MAX, 300, tlsApplyConfig),
#endif
    NUM("replica-announce-port", "slave-announce-port", CT_INT, 0, slave_announce_port, 0, 65535, 0, NULL),
    NUM("tcp-backlog", NULL, CT_INT, IM, tcp_backlog, 0, INT_MAX, 511, NULL),
    NUM("loading-process-events-interval-bytes", NULL, CT_INT, CF_HIDDEN, loading_process_events_interval_bytes, 1024, INT_MAX, 2*MB, NULL),
    NUM("socket-mark-id", NULL, CT_UINT, IM, socket_mark_id, 0, UINT_MAX, 0, NULL),
    NUM("maxclients", NULL, CT_UINT, 0, maxclients, 1, UINT_MAX, 10000, applyMaxclients),
    NUM("busy-reply-threshold", "lua-time-limit", CT_LL, 0, busy_reply_threshold, 0, LONG_MAX, 5000, NULL),
    NUM("cluster-node-timeout", NULL, CT_LL, 0, cluster_node_timeout, 0, LLONG_MAX, 15000, NULL),
    NUM("slowlog-log-slower-than", NULL, CT_LL, 0, slowlog_log_slower_than, -1, LLONG_MAX, 10000, NULL),
    NUM("latency-monitor-threshold", NULL, CT_LL, 0, latency_monitor_threshold, 0, LLONG_MAX, 0, NULL),
    NUM("proto-max-bulk-len", NULL, CT_LL, MEM | CF_DENY_LOADING, proto_max_bulk_len, 1*MB, LONG_MAX, 512*MB, NULL),
    NUM("stream-node-max-entries", NULL, CT_LL, 0, stream_node_max_entries, 0, LLONG_MAX, 100, NULL),
    NUM("repl-backlog-size", NULL, CT_LL, MEM, repl_backlog_size, 1, LLONG_MAX, 1*MB, applyReplBacklogSize),
    NUM("auto-aof-rewrite-min-size", NULL, CT_LL, MEM, aof_rewrite_min_size, 0, LLONG_MAX, 64*MB, NULL),
    NUM("stream-node-max-bytes", NULL, CT_LL, MEM, stream_node_max_bytes, 0, LONG_MAX, 4096, NULL),
    NUM("maxmemory", NULL, CT_ULL, MEM, maxmemory, 0, ULLONG_MAX, 0, applyMaxmemory),
    NUM("hash-max-listpack-entries", "hash-max-ziplist-entries", CT_SIZE, 0, hash_max_listpack_entries, 0, LONG_MAX, 512, NULL),
    NUM("set-max-intset-entries", NULL, CT_SIZE, 0, set_max_intset_entries, 0, LONG_MAX, 512, NULL),
    NUM("zset-max-listpack-entries", "zset-max-ziplist-entries", CT_SIZE, 0, zset_max_listpack_entries, 0, LONG_MAX, 128, NULL),
    NUM("active-defrag-ignore-bytes", NULL, CT_SIZE, MEM, active_defrag_ignore_bytes, 1, LLONG_MAX, 100*MB, NULL),
    NUM("hash-max-listpack-value", "hash-max-ziplist-value", CT_SIZE, MEM, hash_max_listpack_value, 0, LONG_MAX, 64, NULL),
    NUM("zset-max-listpack-value", "zset-max-ziplist-value", CT_SIZE, MEM, zset_max_listpack_value, 0, LONG_MAX, 64, NULL),
    NUM("hll-sparse-max-bytes", NULL, CT_SIZE, MEM, hll_sparse_max_bytes, 0, LONG_MAX, 3000, NULL),
    NUM("tracking-table-max-keys", NULL, CT_SIZE, 0, tracking_table_max_keys, 0, LONG_MAX, 1000000, NULL),
    NUM("client-query-buffer-limit", NULL, CT_SIZE, MEM, client_max_querybuf_len, 1*MB, LONG_MAX, 1024*MB, NULL),
    NUM("maxmemory-clients", NULL, CT_SSIZE, MEM | CF_PERCENT, maxmemory_clients, -100, SSIZE_MAX, 0, NULL),
    NUM("cluster-link-sendbuf-limit", NULL, CT_ULONG, MEM, cluster_link_sendbuf_limit_bytes, 0, ULONG_MAX, 0, NULL),
    NUM("active-defrag-max-scan-fields", NULL, CT_ULONG, 0, active_defrag_max_scan_fields, 1, LONG_MAX, 1000, NULL),
    NUM("slowlog-max-len", NULL, CT_ULONG, 0, slowlog_max_len, 0, LONG_MAX, 128, NULL),
    NUM("acllog-max-len", NULL, CT_ULONG, 0, acllog_max_len, 0, LONG_MAX, 128, NULL),
    NUM("repl-backlog-ttl", NULL, CT_LONG, 0, repl_backlog_time_limit, 0, LONG_MAX, 60*60, NULL),

    /* Special */
    SPECIAL("save", NULL, CF_MULTI_ARG, Save),
    SPECIAL("client-output-buffer-limit", NULL, CF_MULTI_ARG, Obuf),
    {.name = "bind", .type = CT_SPECIAL, .flags = CF_MULTI_ARG, .init = initBind, .set = setBind,
     .get = getBind, .rewrite = rewriteBind, .apply = applyBind},
    SPECIAL("oom-score-adj-values", NULL, CF_MULTI_ARG, OomValues),
    SPECIAL("notify-keyspace-events", NULL, 0, Notify),
    SPECIAL("dir", NULL, CF_PROTECTED, Dir),
    SPECIAL("unixsocketperm", NULL, IM, Unixsocketperm),
    SPECIAL("replicaof", "slaveof", IM | CF_MULTI_ARG, Replicaof),
    SPECIAL("latency-tracking-info-percentiles", NULL, CF_MULTI_ARG, Percentiles),

    {.name = NULL}
};

/* ---------------------------------------------------------------------------
 * Config-file-only directives
 * ------------------------------------------------------------------------ */

void configTableInitFileState(void) {
    saveSeenInFile = 0;
    if (!server.config_users) server.config_users = listCreate();
    if (!server.config_loadmodules) server.config_loadmodules = listCreate();
}

/* rename-command <name> <newname>: newname "" removes the command. */
static int renameCommand(sds *argv, const char **err) {
    dictEntry *de = server.commands ? dictFind(server.commands, argv[1]) : NULL;
    if (!de) { *err = "No such command in rename-command"; return 0; }
    if (sdslen(argv[2]) == 0) {
        dictDelete(server.commands, argv[1]);
        return 1;
    }
    if (dictFind(server.commands, argv[2])) {
        *err = "Target command name already exists";
        return 0;
    }
    struct redisCommand *cmd = dictGetVal(de);
    dictDelete(server.commands, argv[1]);
    dictAdd(server.commands, sdsdup(argv[2]), cmd);
    return 1;
}

/* Keep the arguments, re-quoted, for the module that will consume them. */
static sds joinArgs(sds *argv, int argc) {
    sds s = sdsempty();
    for (int j = 0; j < argc; j++) {
        if (j) s = sdscat(s, " ");
        s = sdscatrepr(s, argv[j], sdslen(argv[j]));
    }
    return s;
}

/* Returns 1 when ok; *handled says whether argv[0] was one of ours. The
 * caller lowercased argv[0]. */
int configFileDirective(sds *argv, int argc, const char **err, int *handled) {
    static const char *deprecated[] = {"list-max-ziplist-entries", "list-max-ziplist-value",
                                       "lua-replicate-commands", NULL};
    *handled = 1;
    for (int j = 0; deprecated[j]; j++)
        if (!strcmp(argv[0], deprecated[j])) return 1;
    if (!strcmp(argv[0], "rename-command") && argc == 3) return renameCommand(argv, err);
    if (!strcmp(argv[0], "user") && argc >= 2) {
        if (!ACLValidateConfigUser(argv + 1, argc - 1, err)) return 0; /* acl_cmds.c */
        listAddNodeTail(server.config_users, joinArgs(argv + 1, argc - 1));
        return 1;
    }
    if (!strcmp(argv[0], "loadmodule") && argc >= 2) {
        listAddNodeTail(server.config_loadmodules, joinArgs(argv + 1, argc - 1));
        return 1;
    }
    if (!strcmp(argv[0], "sentinel")) {
        if (argc == 1) { *handled = 0; return 0; }
        if (!server.sentinel_mode) {
            *err = "sentinel directive while not in sentinel mode";
            return 0;
        }
        return 1;
    }
    *handled = 0;
    return 0;
}

/* "user" lines: the ACL module describes its users when it exists; until
 * then only the default user is known, and it can be described without a
 * password only. With a password and no ACL module, the file's own user
 * lines (if any) are left untouched. */
__attribute__((weak)) sds *ACLDescribeUsersForRewrite(int *count);

void configRewriteFileOnlyDirectives(rewriteState *state) {
    if (server.acl_filename && server.acl_filename[0]) return;
    if (ACLDescribeUsersForRewrite) {
        int count = 0;
        sds *lines = ACLDescribeUsersForRewrite(&count);
        for (int j = 0; j < count; j++) {
            rewriteConfigLine(state, "user", sdscatprintf(sdsempty(), "user %s", lines[j]), 1);
            sdsfree(lines[j]);
        }
        zfree(lines);
        rewriteConfigMarkProcessed(state, "user");
        return;
    }
    if (server.requirepass == NULL && listLength(server.config_users) == 0) {
        rewriteConfigLine(state, "user", sdsnew("user default on nopass ~* &* +@all"), 1);
        rewriteConfigMarkProcessed(state, "user");
    }
}
