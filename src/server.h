/* server.h - the shared vocabulary of the server.
 *
 * Objects, clients, databases, the command table and the global `server`
 * state live here, together with the prototypes each module exports to the
 * others. Pure modules (sds, dict, ae, anet, util, ...) have their own headers
 * and never include this one, so they can be unit-tested alone.
 *
 * Module map (see docs/architecture.md for the life of a command):
 *   server.c      main(), start-up, cron, command dispatch (call, processCommand)
 *   networking.c  clients: accept, read queries, build and write replies
 *   resp.c        the request parser (RESP multibulk and inline), pure
 *   object.c      robj: creation, encodings, refcounts, OBJECT command
 *   db.c          keyspace: lookup/add/delete, expires, keyspace commands
 *   expire.c      EXPIRE family and the active expiry cycle
 *   t_string.c    string commands; bitops.c bitmaps
 *   t_set.c       the SET type (t_set.h); hyperloglog.c HyperLogLogs
 *   pubsub.c      Pub/Sub (pubsub.h); notify.c keyspace notifications
 *   tracking.c    client side caching invalidations (tracking.h)
 *   config.c      the declarative config table, redis.conf, CONFIG
 *   commands.c    the command table and COMMAND
 */
#ifndef SERVER_H
#define SERVER_H

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <syslog.h>
#include <sys/types.h>

#include "ae.h"
#include "sds.h"
#include "dict.h"
#include "adlist.h"
#include "zmalloc.h"
#include "anet.h"
#include "connection.h"
#include "util.h"

#define REDIS_VERSION "7.0.15"
#define REDIS_VERSION_NUM 0x0007000f

typedef long long mstime_t;
typedef long long ustime_t;
struct getKeysResult;

/* Error codes */
#define C_OK 0
#define C_ERR -1

/* Static server configuration */
#define CONFIG_DEFAULT_HZ 10
#define CONFIG_MIN_HZ 1
#define CONFIG_MAX_HZ 500
#define CONFIG_RUN_ID_SIZE 40
#define CONFIG_BINDADDR_MAX 16
#define CONFIG_DEFAULT_DBNUM 16
#define CONFIG_FDSET_INCR 128   /* fds reserved beyond maxclients */
#define CONFIG_MIN_RESERVED_FDS 32
#define OBJ_SHARED_INTEGERS 10000
#define OBJ_SHARED_BULKHDR_LEN 32
#define LOG_MAX_LEN 1024
#define NET_MAX_WRITES_PER_EVENT (1024*64)
#define PROTO_IOBUF_LEN (1024*16)
#define PROTO_REPLY_CHUNK_BYTES (16*1024)
#define PROTO_INLINE_MAX_SIZE (1024*64)
#define PROTO_MBULK_BIG_ARG (1024*32)
#define PROTO_RESIZE_THRESHOLD (1024*32)
#define PROTO_REPLY_MIN_BYTES (1024)
#define LONG_STR_SIZE 21
#define MAX_KEYS_BUFFER 256
#define ACTIVE_EXPIRE_CYCLE_SLOW 0
#define ACTIVE_EXPIRE_CYCLE_FAST 1

/* Log levels */
#define LL_DEBUG 0
#define LL_VERBOSE 1
#define LL_NOTICE 2
#define LL_WARNING 3
#define LL_NOTHING 4
#define LL_RAW (1<<10)

/* Object types */
#define OBJ_STRING 0
#define OBJ_LIST 1
#define OBJ_SET 2
#define OBJ_ZSET 3
#define OBJ_HASH 4
#define OBJ_MODULE 5
#define OBJ_STREAM 6

/* Object encodings (values reported by OBJECT ENCODING via strEncoding) */
#define OBJ_ENCODING_RAW 0
#define OBJ_ENCODING_INT 1
#define OBJ_ENCODING_HT 2
#define OBJ_ENCODING_ZIPMAP 3
#define OBJ_ENCODING_LINKEDLIST 4
#define OBJ_ENCODING_ZIPLIST 5
#define OBJ_ENCODING_INTSET 6
#define OBJ_ENCODING_SKIPLIST 7
#define OBJ_ENCODING_EMBSTR 8
#define OBJ_ENCODING_QUICKLIST 9
#define OBJ_ENCODING_STREAM 10
#define OBJ_ENCODING_LISTPACK 11

#define OBJ_ENCODING_EMBSTR_SIZE_LIMIT 44
#define LRU_BITS 24
#define LRU_CLOCK_MAX ((1<<LRU_BITS)-1)
#define LRU_CLOCK_RESOLUTION 1000
#define OBJ_SHARED_REFCOUNT INT_MAX
#define OBJ_STATIC_REFCOUNT (INT_MAX-1)

typedef struct redisObject {
    unsigned type:4;
    unsigned encoding:4;
    unsigned lru:LRU_BITS; /* LRU clock, or LFU data (8 bits counter, 16 bits time) */
    int refcount;
    void *ptr;
} robj;

/* Client request types */
#define PROTO_REQ_INLINE 1
#define PROTO_REQ_MULTIBULK 2

/* Client flags */
#define CLIENT_SLAVE (1<<0)
#define CLIENT_MASTER (1<<1)
#define CLIENT_MONITOR (1<<2)
#define CLIENT_MULTI (1<<3)
#define CLIENT_BLOCKED (1<<4)
#define CLIENT_DIRTY_CAS (1<<5)
#define CLIENT_CLOSE_AFTER_REPLY (1<<6)
#define CLIENT_UNBLOCKED (1<<7)
#define CLIENT_SCRIPT (1<<8)
#define CLIENT_ASKING (1<<9)
#define CLIENT_CLOSE_ASAP (1<<10)
#define CLIENT_UNIX_SOCKET (1<<11)
#define CLIENT_DIRTY_EXEC (1<<12)
#define CLIENT_MASTER_FORCE_REPLY (1<<13)
#define CLIENT_FORCE_AOF (1<<14)
#define CLIENT_FORCE_REPL (1<<15)
#define CLIENT_PRE_PSYNC (1<<16)
#define CLIENT_READONLY (1<<17)
#define CLIENT_PUBSUB (1<<18)
#define CLIENT_PREVENT_AOF_PROP (1<<19)
#define CLIENT_PREVENT_REPL_PROP (1<<20)
#define CLIENT_PENDING_WRITE (1<<21)
#define CLIENT_REPLY_OFF (1<<22)
#define CLIENT_REPLY_SKIP_NEXT (1<<23)
#define CLIENT_REPLY_SKIP (1<<24)
#define CLIENT_LUA_DEBUG (1<<25)
#define CLIENT_LUA_DEBUG_SYNC (1<<26) /* SCRIPT DEBUG SYNC: no fork */
#define CLIENT_TRACKING (1ULL<<31)
/* client_cmds.c: CLIENT TRACKING options (state only; see client_cmds.c) */
#define CLIENT_TRACKING_BROKEN_REDIR (1ULL<<32)
#define CLIENT_TRACKING_BCAST (1ULL<<33)
#define CLIENT_TRACKING_OPTIN (1ULL<<34)
#define CLIENT_TRACKING_OPTOUT (1ULL<<35)
#define CLIENT_TRACKING_CACHING (1ULL<<36)
#define CLIENT_TRACKING_NOLOOP (1ULL<<37)
/* end client_cmds.c flags */
#define CLIENT_PROTECTED (1ULL<<39)
#define CLIENT_IN_TO_TABLE (1ULL<<40)
#define CLIENT_NO_EVICT (1ULL<<43)
#define CLIENT_EXECUTING_COMMAND (1ULL<<44)
#define CLIENT_PENDING_COMMAND (1ULL<<45)
#define CLIENT_AUTHENTICATED (1ULL<<46)
#define CLIENT_NAME_SET (1ULL<<47)
#define CLIENT_NOINTERACT (1ULL<<48) /* fake clients (AOF loading, scripts) */
#define CLIENT_PUSHING (1ULL<<50)    /* pub/sub and tracking messages: sent even with CLIENT REPLY OFF */
#define CLIENT_PREVENT_PROP_ANY (CLIENT_PREVENT_AOF_PROP|CLIENT_PREVENT_REPL_PROP)

/* Client classes for client-output-buffer-limit */
#define CLIENT_TYPE_NORMAL 0
#define CLIENT_TYPE_SLAVE 1
#define CLIENT_TYPE_PUBSUB 2
#define CLIENT_TYPE_MASTER 3
#define CLIENT_TYPE_COUNT 4
#define CLIENT_TYPE_OBUF_COUNT 3

/* CLIENT PAUSE */
#define PAUSE_NONE 0
#define PAUSE_WRITE 1
#define PAUSE_ALL 2

/* Who paused: each purpose keeps its own pause, and ending one leaves the
 * others (CLIENT UNPAUSE does not resume writes a FAILOVER holds back). */
#define PAUSE_BY_CLIENT_COMMAND 0
#define PAUSE_DURING_SHUTDOWN 1
#define PAUSE_DURING_FAILOVER 2   /* FAILOVER and cluster manual failover */
#define NUM_PAUSE_PURPOSES 3

/* Reply blocks: the reply list holds these when the static buffer is full. */
typedef struct clientReplyBlock {
    size_t size, used;
    char buf[];
} clientReplyBlock;

typedef struct redisDb {
    dict *dict;            /* keys (sds) -> values (robj) */
    dict *expires;         /* keys (shared sds with dict) -> unix ms */
    dict *blocking_keys;   /* keys with clients blocked on them */
    dict *ready_keys;
    dict *watched_keys;
    int id;
    long long avg_ttl;
    unsigned long expires_cursor; /* active expiry resume point */
} redisDb;

typedef struct clientBufferLimitsConfig {
    unsigned long long hard_limit_bytes;
    unsigned long long soft_limit_bytes;
    time_t soft_limit_seconds;
} clientBufferLimitsConfig;

struct redisCommand;

/* MULTI state: the commands queued since MULTI. */
typedef struct multiCmd {
    robj **argv;
    int argv_len;
    int argc;
    struct redisCommand *cmd;
} multiCmd;

typedef struct multiState {
    multiCmd *commands;
    int count;
    int alloc_count;
    int cmd_flags;       /* OR of the queued commands' flags */
    int cmd_inv_flags;   /* OR of their negated flags */
    size_t argv_len_sums;
} multiState;

typedef struct client {
    uint64_t id;
    uint64_t flags;
    connection *conn;
    int resp;                 /* 2 or 3 */
    redisDb *db;
    robj *name;               /* CLIENT SETNAME, NULL if unset */
    robj *lib_name, *lib_ver; /* CLIENT SETINFO (7.2 command, accepted) */
    sds querybuf;
    size_t qb_pos;            /* bytes of querybuf already parsed */
    size_t qb_cmd_start;      /* where the command being parsed began: our
                               * master's partial command stays in querybuf
                               * until complete, so its bytes are counted
                               * and proxied once, whole */
    size_t querybuf_peak;
    int argc;
    robj **argv;
    int argv_len;             /* allocated size of argv */
    robj **original_argv;     /* argv as sent, when argv was rewritten or
                               * redacted: what slowlog/MONITOR show */
    int original_argc;
    size_t argv_len_sum;      /* bytes of all argv (CLIENT LIST qbuf accounting) */
    struct redisCommand *cmd, *lastcmd, *realcmd;
    int reqtype;
    int multibulklen;
    long bulklen;
    list *reply;              /* clientReplyBlock list */
    unsigned long long reply_bytes;
    size_t sentlen;           /* bytes of current block/buffer already sent */
    time_t ctime;
    long duration;
    int slot;
    time_t lastinteraction;
    time_t obuf_soft_limit_reached_time;
    int authenticated;
    struct aclUser *user;     /* acl.h; NULL: internal client, may run anything */
    void *reqparser;          /* request parser state (networking.c) */
    multiState mstate;        /* MULTI/EXEC state (multi.c) */
    list *watched_keys;       /* keys WATCHed (multi.c) */
    void *bstate;             /* blocking state (blocked.c) */
    dict *pubsub_channels;
    list *pubsub_patterns;
    dict *pubsub_shard_channels;
    listNode *client_list_node;
    listNode *paused_list_node;
    listNode *pending_write_node;
    /* client_cmds.c: CLIENT TRACKING state (zero when tracking is off) */
    uint64_t client_tracking_redirection; /* client id, 0 = none */
    list *client_tracking_prefixes;       /* BCAST prefixes, sorted sds */
    /* end client_cmds.c fields */
    sds peerid;
    sds sockname;
    unsigned long long net_input_bytes;
    unsigned long long net_output_bytes;
    long long commands_processed;
    int bufpos;
    size_t buf_usable_size;
    size_t buf_peak;
    char *buf;
    void *repl;               /* replication.h: replica/master link state */
    long long woff;           /* replication offset after its last write (WAIT) */
} client;

/* Shared objects: replies and values used everywhere, never freed. */
struct sharedObjectsStruct {
    robj *crlf, *ok, *err, *emptybulk, *czero, *cone, *pong, *space,
    *queued, *null[4], *nullarray[4], *emptymap[4], *emptyset[4],
    *emptyarray, *wrongtypeerr, *nokeyerr, *syntaxerr, *sameobjecterr,
    *outofrangeerr, *noscripterr, *loadingerr, *slowevalerr, *slowscripterr,
    *slowmoduleerr, *bgsaveerr, *masterdownerr, *roslaveerr, *execaborterr,
    *noautherr, *noreplicaserr, *busykeyerr, *oomerr, *plus, *messagebulk,
    *pmessagebulk, *subscribebulk, *unsubscribebulk, *psubscribebulk,
    *punsubscribebulk, *del, *unlink, *rpop, *lpop, *lpush, *rpoplpush,
    *lmove, *blmove, *zpopmin, *zpopmax, *emptyscan, *multi, *exec, *left,
    *right, *hset, *srem, *xgroup, *xclaim, *script, *replconf, *eval,
    *persist, *set, *pexpireat, *pexpire, *time, *pxat, *absttl,
    *retrycount, *force, *justid, *entriesread, *lastid, *ping, *setid,
    *keepttl, *load, *createconsumer, *getack, *special_asterick,
    *special_equals, *default_username, *redacted, *ssubscribebulk,
    *sunsubscribebulk, *smessagebulk,
    *select[10],
    *integers[OBJ_SHARED_INTEGERS],
    *mbulkhdr[OBJ_SHARED_BULKHDR_LEN],
    *bulkhdr[OBJ_SHARED_BULKHDR_LEN],
    *maphdr[OBJ_SHARED_BULKHDR_LEN],
    *sethdr[OBJ_SHARED_BULKHDR_LEN];
    sds minstring, maxstring;
};

/* ---------------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------------ */

typedef void redisCommandProc(client *c);

/* Command flags. Names as COMMAND INFO reports them live in commands.c. */
#define CMD_WRITE (1ULL<<0)
#define CMD_READONLY (1ULL<<1)
#define CMD_DENYOOM (1ULL<<2)
#define CMD_MODULE (1ULL<<3)
#define CMD_ADMIN (1ULL<<4)
#define CMD_PUBSUB (1ULL<<5)
#define CMD_NOSCRIPT (1ULL<<6)
#define CMD_BLOCKING (1ULL<<8)
#define CMD_LOADING (1ULL<<9)
#define CMD_STALE (1ULL<<10)
#define CMD_SKIP_MONITOR (1ULL<<11)
#define CMD_SKIP_SLOWLOG (1ULL<<12)
#define CMD_ASKING (1ULL<<13)
#define CMD_FAST (1ULL<<14)
#define CMD_NO_AUTH (1ULL<<15)
#define CMD_MAY_REPLICATE (1ULL<<16)
#define CMD_SENTINEL (1ULL<<17)
#define CMD_ONLY_SENTINEL (1ULL<<18)
#define CMD_NO_MANDATORY_KEYS (1ULL<<19)
#define CMD_PROTECTED (1ULL<<20)
#define CMD_MODULE_GETKEYS (1ULL<<21)
#define CMD_MODULE_NO_CLUSTER (1ULL<<22)
#define CMD_NO_ASYNC_LOADING (1ULL<<23)
#define CMD_NO_MULTI (1ULL<<24)
#define CMD_MOVABLE_KEYS (1ULL<<25)
#define CMD_ALLOW_BUSY (1ULL<<26)
#define CMD_MODULE_GETCHANNELS (1ULL<<27)
#define CMD_TOUCHES_ARBITRARY_KEYS (1ULL<<28)

/* ACL categories */
#define ACL_CATEGORY_KEYSPACE (1ULL<<0)
#define ACL_CATEGORY_READ (1ULL<<1)
#define ACL_CATEGORY_WRITE (1ULL<<2)
#define ACL_CATEGORY_SET (1ULL<<3)
#define ACL_CATEGORY_SORTEDSET (1ULL<<4)
#define ACL_CATEGORY_LIST (1ULL<<5)
#define ACL_CATEGORY_HASH (1ULL<<6)
#define ACL_CATEGORY_STRING (1ULL<<7)
#define ACL_CATEGORY_BITMAP (1ULL<<8)
#define ACL_CATEGORY_HYPERLOGLOG (1ULL<<9)
#define ACL_CATEGORY_GEO (1ULL<<10)
#define ACL_CATEGORY_STREAM (1ULL<<11)
#define ACL_CATEGORY_PUBSUB (1ULL<<12)
#define ACL_CATEGORY_ADMIN (1ULL<<13)
#define ACL_CATEGORY_FAST (1ULL<<14)
#define ACL_CATEGORY_SLOW (1ULL<<15)
#define ACL_CATEGORY_BLOCKING (1ULL<<16)
#define ACL_CATEGORY_DANGEROUS (1ULL<<17)
#define ACL_CATEGORY_CONNECTION (1ULL<<18)
#define ACL_CATEGORY_TRANSACTION (1ULL<<19)
#define ACL_CATEGORY_SCRIPTING (1ULL<<20)

/* Key specs (COMMAND INFO / COMMAND GETKEYS): where a command's keys are.
 * A begin-search step finds the first key (by fixed index or by a keyword
 * searched from some index), a find-keys step says how many follow (a range
 * up to lastkey, or a count read from an argument). */
#define KSPEC_BS_INVALID 0
#define KSPEC_BS_UNKNOWN 1
#define KSPEC_BS_INDEX 2
#define KSPEC_BS_KEYWORD 3
#define KSPEC_FK_INVALID 0
#define KSPEC_FK_UNKNOWN 1
#define KSPEC_FK_RANGE 2
#define KSPEC_FK_KEYNUM 3

/* Key spec flags (names as COMMAND INFO prints them in commands.c) */
#define CMD_KEY_RO (1ULL<<0)
#define CMD_KEY_RW (1ULL<<1)
#define CMD_KEY_OW (1ULL<<2)
#define CMD_KEY_RM (1ULL<<3)
#define CMD_KEY_ACCESS (1ULL<<4)
#define CMD_KEY_UPDATE (1ULL<<5)
#define CMD_KEY_INSERT (1ULL<<6)
#define CMD_KEY_DELETE (1ULL<<7)
#define CMD_KEY_NOT_KEY (1ULL<<8)
#define CMD_KEY_INCOMPLETE (1ULL<<9)
#define CMD_KEY_VARIABLE_FLAGS (1ULL<<10)

typedef struct keySpec {
    uint64_t flags;
    int begin_search_type;
    union {
        struct { int pos; } index;
        struct { const char *keyword; int startfrom; } keyword;
    } bs;
    int find_keys_type;
    union {
        struct { int lastkey; int keystep; int limit; } range;
        struct { int keynumidx; int firstkey; int keystep; } keynum;
    } fk;
    const char *notes;      /* COMMAND INFO "notes", or NULL */
} keySpec;

#define MAX_KEYSPECS 4

typedef int redisGetKeysProc(struct redisCommand *cmd, robj **argv, int argc,
                             struct getKeysResult *result);

typedef struct keyReference {
    int pos;
    int flags;
} keyReference;

typedef struct getKeysResult {
    keyReference keysbuf[MAX_KEYS_BUFFER];
    keyReference *keys;
    int numkeys;
    int size;
} getKeysResult;

/* Ready for getKeysFrom*(): only the header is set. keysbuf (2 KB) is left
 * uninitialised on purpose, it is written before it is read; zero-filling it
 * on every command (ACL, cluster, tracking checks) was a measurable cost. */
static inline void getKeysResultInit(getKeysResult *result) {
    result->keys = NULL;
    result->numkeys = 0;
    result->size = MAX_KEYS_BUFFER;
}

/* COMMAND DOCS: one documented argument. oneof/block arguments hold nested
 * arguments; arrays of arguments end with an entry whose name is NULL. */
typedef enum {
    ARG_TYPE_STRING,
    ARG_TYPE_INTEGER,
    ARG_TYPE_DOUBLE,
    ARG_TYPE_KEY,
    ARG_TYPE_PATTERN,
    ARG_TYPE_UNIX_TIME,
    ARG_TYPE_PURE_TOKEN,
    ARG_TYPE_ONEOF,
    ARG_TYPE_BLOCK
} redisCommandArgType;

#define CMD_ARG_NONE 0
#define CMD_ARG_OPTIONAL (1<<0)
#define CMD_ARG_MULTIPLE (1<<1)
#define CMD_ARG_MULTIPLE_TOKEN (1<<2)

typedef struct redisCommandArg {
    const char *name;
    redisCommandArgType type;
    int key_spec_index;     /* -1 when the argument is not tied to a key spec */
    const char *token;
    const char *since;
    const char *deprecated_since;
    int flags;              /* CMD_ARG_* */
    const struct redisCommandArg *subargs;
} redisCommandArg;

/* COMMAND DOCS "history": arrays end with an entry whose since is NULL. */
typedef struct commandHistory {
    const char *since;
    const char *changes;
} commandHistory;

/* COMMAND DOCS doc_flags */
#define CMD_DOC_NONE 0
#define CMD_DOC_DEPRECATED (1<<0)
#define CMD_DOC_SYSCMD (1<<1)

struct redisCommand {
    /* Declared in the command table (commands.c) */
    const char *declared_name;
    redisCommandProc *proc;
    int arity;              /* >0 exact argc, <0 at least -arity */
    uint64_t flags;
    uint64_t acl_categories;
    keySpec key_specs[MAX_KEYSPECS];
    int key_specs_num;
    redisGetKeysProc *getkeys_proc; /* when key specs cannot say it all */
    const char *tips;       /* space separated COMMAND INFO tips, or NULL */
    struct redisCommand *subcommands; /* NULL-terminated array, or NULL */
    /* Documentation for COMMAND DOCS */
    const char *summary;
    const char *since;
    const char *group;
    const char *complexity;
    int doc_flags;          /* CMD_DOC_* */
    const char *deprecated_since;
    const char *replaced_by;
    const commandHistory *history;  /* NULL or since==NULL terminated */
    const redisCommandArg *args;    /* NULL or name==NULL terminated */
    /* Runtime */
    sds fullname;           /* "config|get" for subcommands */
    struct redisCommand *parent;
    dict *subcommands_dict;
    long long microseconds, calls, rejected_calls, failed_calls;
    int id;
    /* Legacy (first, last, step) range derived from key specs */
    int legacy_first, legacy_last, legacy_step;
};

/* call() flags */
#define CMD_CALL_NONE 0
#define CMD_CALL_SLOWLOG (1<<0)
#define CMD_CALL_STATS (1<<1)
#define CMD_CALL_PROPAGATE_AOF (1<<2)
#define CMD_CALL_PROPAGATE_REPL (1<<3)
#define CMD_CALL_PROPAGATE (CMD_CALL_PROPAGATE_AOF|CMD_CALL_PROPAGATE_REPL)
#define CMD_CALL_FULL (CMD_CALL_SLOWLOG | CMD_CALL_STATS | CMD_CALL_PROPAGATE)

/* maxmemory policies */
#define MAXMEMORY_FLAG_LRU (1<<0)
#define MAXMEMORY_FLAG_LFU (1<<1)
#define MAXMEMORY_FLAG_ALLKEYS (1<<2)
#define MAXMEMORY_VOLATILE_LRU ((0<<8)|MAXMEMORY_FLAG_LRU)
#define MAXMEMORY_VOLATILE_LFU ((1<<8)|MAXMEMORY_FLAG_LFU)
#define MAXMEMORY_VOLATILE_TTL (2<<8)
#define MAXMEMORY_VOLATILE_RANDOM (3<<8)
#define MAXMEMORY_ALLKEYS_LRU ((4<<8)|MAXMEMORY_FLAG_LRU|MAXMEMORY_FLAG_ALLKEYS)
#define MAXMEMORY_ALLKEYS_LFU ((5<<8)|MAXMEMORY_FLAG_LFU|MAXMEMORY_FLAG_ALLKEYS)
#define MAXMEMORY_ALLKEYS_RANDOM ((6<<8)|MAXMEMORY_FLAG_ALLKEYS)
#define MAXMEMORY_NO_EVICTION (7<<8)

/* Slow log entry */
typedef struct slowlogEntry {
    robj **argv;
    int argc;
    long long id;
    long long duration;
    time_t time;
    sds cname;
    sds peerid;
} slowlogEntry;

/* ---------------------------------------------------------------------------
 * Global server state
 * ------------------------------------------------------------------------ */

typedef struct socketFds {
    int fd[CONFIG_BINDADDR_MAX];
    int count;
} socketFds;

/* Configuration values shared with the modules that act on them (config.c
 * parses them; see the config table in config_table.c). */
struct saveparam {
    time_t seconds;   /* save after this many seconds ... */
    int changes;      /* ... if at least this many changes happened */
};
#define SUPERVISED_NONE 0
#define SUPERVISED_AUTODETECT 1
#define SUPERVISED_SYSTEMD 2
#define SUPERVISED_UPSTART 3
#define AOF_FSYNC_NO 0
#define AOF_FSYNC_ALWAYS 1
#define AOF_FSYNC_EVERYSEC 2
#define SANITIZE_DUMP_NO 0
#define SANITIZE_DUMP_YES 1
#define SANITIZE_DUMP_CLIENTS 2
#define PROTECTED_ACTION_ALLOWED_NO 0
#define PROTECTED_ACTION_ALLOWED_YES 1
#define PROTECTED_ACTION_ALLOWED_LOCAL 2
#define OOM_SCORE_ADJ_NO 0
#define OOM_SCORE_RELATIVE 1
#define OOM_SCORE_IMPL_ABSOLUTE 2
#define CONFIG_OOM_COUNT 3        /* master, replica, background child */
#define REPL_DISKLESS_LOAD_DISABLED 0
#define REPL_DISKLESS_LOAD_WHEN_DB_EMPTY 1
#define REPL_DISKLESS_LOAD_SWAPDB 2
#define PROPAGATION_ERR_BEHAVIOR_IGNORE 0
#define PROPAGATION_ERR_BEHAVIOR_PANIC 1
#define PROPAGATION_ERR_BEHAVIOR_PANIC_ON_REPLICAS 2
#define TLS_CLIENT_AUTH_NO 0
#define TLS_CLIENT_AUTH_YES 1
#define TLS_CLIENT_AUTH_OPTIONAL 2
#define CLUSTER_ENDPOINT_TYPE_IP 0
#define CLUSTER_ENDPOINT_TYPE_HOSTNAME 1
#define CLUSTER_ENDPOINT_TYPE_UNKNOWN_ENDPOINT 2
#define ACL_PUBSUB_ALLCHANNELS_CFG 1   /* acl-pubsub-default values */
#define ACL_PUBSUB_RESETCHANNELS_CFG 0

struct redisServer {
    /* General */
    pid_t pid;
    char *executable;
    char *configfile;
    char **exec_argv;
    int hz;
    int config_hz;
    int dynamic_hz;
    redisDb *db;
    dict *commands;              /* name -> redisCommand (case insensitive) */
    dict *orig_commands;         /* before rename-command */
    aeEventLoop *el;
    unsigned int lruclock;
    volatile sig_atomic_t shutdown_asap;
    volatile sig_atomic_t last_sig_received;
    int shutdown_flags;
    long long shutdown_mstime;
    int activerehashing;
    char *pidfile;
    int arch_bits;
    int cronloops;
    char runid[CONFIG_RUN_ID_SIZE+1];
    int sentinel_mode;
    size_t initial_memory_usage;
    int always_show_logo;
    int in_exec;
    int busy_module_yield_flags;
    int enable_protected_configs;
    int enable_debug_cmd;
    int enable_module_cmd;
    /* Networking */
    int port;
    int tls_port;
    int tcp_backlog;
    char *bindaddr[CONFIG_BINDADDR_MAX];
    int bindaddr_count;
    char *bind_source_addr;
    char *unixsocket;
    unsigned int unixsocketperm;
    socketFds ipfd;
    socketFds tlsfd;
    int sofd;
    list *clients;
    list *clients_to_close;
    list *clients_pending_write;
    list *slaves, *monitors;
    client *current_client;
    client *executing_client;
    long fixed_time_expire;
    int in_nested_call;
    uint64_t next_client_id;
    int protected_mode;
    int io_threads_num;
    int io_threads_do_reads;
    /* Client pause */
    int client_pause_type;          /* the strongest of the purposes' */
    int client_pause_in_transaction;
    mstime_t client_pause_end_time; /* the latest of the purposes' */
    int client_pause_purpose_type[NUM_PAUSE_PURPOSES];
    mstime_t client_pause_purpose_end[NUM_PAUSE_PURPOSES];
    list *paused_clients;
    /* Stats */
    time_t stat_starttime;
    long long stat_numcommands;
    long long stat_numconnections;
    long long stat_expiredkeys;
    double stat_expired_stale_perc;
    long long stat_expired_time_cap_reached_count;
    long long stat_expire_cycle_time_used;
    long long stat_evictedkeys;
    long long stat_evictedclients;
    long long stat_total_eviction_exceeded_time;
    mstime_t stat_last_eviction_exceeded_time;
    long long stat_keyspace_hits;
    long long stat_keyspace_misses;
    size_t stat_peak_memory;
    long long stat_fork_time;
    long long stat_rejected_conn;
    long long stat_sync_full;
    long long stat_sync_partial_ok;
    long long stat_sync_partial_err;
    long long stat_net_input_bytes;
    long long stat_net_output_bytes;
    long long stat_net_repl_input_bytes;
    long long stat_net_repl_output_bytes;
    long long stat_unexpected_error_replies;
    long long stat_total_error_replies;
    long long stat_dump_payload_sanitizations;
    long long stat_io_reads_processed;
    long long stat_io_writes_processed;
    long long stat_client_qbuf_limit_disconnections;
    long long stat_client_outbuf_limit_disconnections;
    long long stat_total_reads_processed;
    long long stat_total_writes_processed;
    size_t stat_clients_type_memory[CLIENT_TYPE_COUNT];
    dict *errors;                /* error prefix -> count (errorstats) */
    /* Instantaneous metrics (ops/sec, kbps) */
#define STATS_METRIC_SAMPLES 16
#define STATS_METRIC_COMMAND 0
#define STATS_METRIC_NET_INPUT 1
#define STATS_METRIC_NET_OUTPUT 2
#define STATS_METRIC_NET_INPUT_REPLICATION 3
#define STATS_METRIC_NET_OUTPUT_REPLICATION 4
#define STATS_METRIC_COUNT 5
    struct {
        long long last_sample_time;
        long long last_sample_count;
        long long samples[STATS_METRIC_SAMPLES];
        int idx;
    } inst_metric[STATS_METRIC_COUNT];
    /* Configuration */
    int verbosity;
    int notify_keyspace_events;  /* NOTIFY_* classes enabled (notify.c) */
    int maxidletime;
    int tcpkeepalive;
    int active_expire_enabled;
    int active_expire_effort;
    int lazyfree_lazy_eviction;
    int lazyfree_lazy_expire;
    int lazyfree_lazy_server_del;
    int lazyfree_lazy_user_del;
    int lazyfree_lazy_user_flush;
    size_t client_max_querybuf_len;
    int dbnum;
    int supervised;
    int supervised_mode;
    int daemonize;
    int set_proc_title;
    char *proc_title_template;
    clientBufferLimitsConfig client_obuf_limits[CLIENT_TYPE_OBUF_COUNT];
    int pause_cron;
    int latency_tracking_enabled;
    double *latency_tracking_info_percentiles;
    int latency_tracking_info_percentiles_len;
    /* Persistence state (RDB/AOF; most of it used once persistence lands) */
    long long dirty;
    long long dirty_before_bgsave;
    time_t lastsave;
    time_t lastbgsave_try;
    int lastbgsave_status;
    int stop_writes_on_bgsave_err;
    pid_t child_pid;
    int child_type;
    char *rdb_filename;
    int rdb_compression;
    int rdb_checksum;
    int aof_enabled;
    char *aof_filename;
    char *aof_dirname;
    int aof_fsync;
    int loading;
    int async_loading;  /* a replica loads its master's RDB aside, serving the old data */
    int saveparamslen;
    struct saveparam *saveparams;
    /* Logging */
    char *logfile;
    int syslog_enabled;
    char *syslog_ident;
    int syslog_facility;
    int crashlog_enabled;
    /* Replication state (used once replication lands) */
    char *masterhost;
    int masterport;
    int repl_state;
    long long master_repl_offset;
    char replid[CONFIG_RUN_ID_SIZE+1];
    char replid2[CONFIG_RUN_ID_SIZE+1];
    long long second_replid_offset;
    int repl_slave_ro;
    int repl_serve_stale_data;
    /* Limits */
    unsigned int maxclients;
    unsigned long long maxmemory;
    int maxmemory_policy;
    int maxmemory_samples;
    int maxmemory_eviction_tenacity;
    int lfu_log_factor;
    int lfu_decay_time;
    long long proto_max_bulk_len;
    int oom_score_adj;
    /* Encoding thresholds (used by the data type modules) */
    size_t hash_max_listpack_entries;
    size_t hash_max_listpack_value;
    size_t set_max_intset_entries;
    size_t zset_max_listpack_entries;
    size_t zset_max_listpack_value;
    size_t hll_sparse_max_bytes;
    int list_max_listpack_size;
    int list_compress_depth;
    long long stream_node_max_bytes;
    long long stream_node_max_entries;
    /* Time cache, updated by the cron and before each command */
    time_t unixtime;
    long long ustime;
    long long mstime;
    size_t blocking_op_nesting;
    long long blocked_last_cron;
    /* Auth */
    char *requirepass;
    /* Slow log */
    list *slowlog;
    long long slowlog_entry_id;
    long long slowlog_log_slower_than;
    unsigned long slowlog_max_len;
    /* Latency monitor */
    long long latency_monitor_threshold;
    dict *latency_events;
    /* Cluster */
    int cluster_enabled;
    /* Misc */
    long long busy_reply_threshold;
    struct redisCommand *execCommand, *multiCommand, *lpushCommand,
        *lpopCommand, *rpopCommand, *zpopminCommand, *zpopmaxCommand,
        *xclaimCommand, *xgroupCommand, *rpoplpushCommand, *lmoveCommand;
    int watchdog_period;
    int crashed;
    char *ignore_warnings;
    /* Config-only fields (config.c): directives stock 7.0 accepts whose
     * feature is not built yet; stored so CONFIG GET/SET/REWRITE work. */
    int rdb_del_sync_files;
    int repl_disable_tcp_nodelay;
    int repl_diskless_sync;
    int repl_diskless_sync_delay;
    int repl_diskless_sync_max_replicas;
    int repl_diskless_load;
    int repl_slave_lazy_flush;
    int repl_slave_ignore_maxmemory;
    int repl_ignore_disk_write_error;
    int repl_timeout;
    int repl_ping_slave_period;
    int repl_min_slaves_to_write;
    int repl_min_slaves_max_lag;
    int replica_announced;
    int slave_priority;
    int slave_announce_port;
    char *slave_announce_ip;
    char *masteruser;
    char *masterauth;
    long long repl_backlog_size;
    long repl_backlog_time_limit;
    int aof_rewrite_incremental_fsync;
    int aof_no_fsync_on_rewrite;
    int aof_load_truncated;
    int aof_use_rdb_preamble;
    int aof_timestamp_enabled;
    int aof_disable_auto_gc;
    int aof_rewrite_perc;
    long long aof_rewrite_min_size;
    int rdb_save_incremental_fsync;
    int rdb_key_save_delay;
    int key_load_delay;
    int loading_process_events_interval_bytes;
    int cluster_require_full_coverage;
    int cluster_slave_no_failover;
    int cluster_allow_reads_when_down;
    int cluster_allow_pubsubshard_when_down;
    int cluster_allow_replica_migration;
    int cluster_slave_validity_factor;
    int cluster_migration_barrier;
    int cluster_port;
    int cluster_announce_bus_port;
    int cluster_announce_port;
    int cluster_announce_tls_port;
    int cluster_preferred_endpoint_type;
    long long cluster_node_timeout;
    unsigned long cluster_link_sendbuf_limit_bytes;
    char *cluster_announce_ip;
    char *cluster_announce_hostname;
    char *cluster_announce_internal_ip;        /* NAT: bus/replication address (docs/nat.md) */
    char *cluster_announce_internal_hostname;  /* NAT: stable DNS name, re-resolved */
    char *cluster_configfile;
    int jemalloc_bg_thread;
    int active_defrag_enabled;
    int active_defrag_cycle_min;
    int active_defrag_cycle_max;
    int active_defrag_threshold_lower;
    int active_defrag_threshold_upper;
    size_t active_defrag_ignore_bytes;
    unsigned long active_defrag_max_scan_fields;
    int memcheck_enabled;
    int use_exit_on_panic;
    int disable_thp;
    int shutdown_on_sigint;          /* SHUTDOWN_* flags */
    int shutdown_on_sigterm;
    int shutdown_timeout;
    int sanitize_dump_payload;       /* SANITIZE_DUMP_* */
    int propagation_error_behavior;  /* PROPAGATION_ERR_BEHAVIOR_* */
    int acl_pubsub_default;
    unsigned long acllog_max_len;
    char *acl_filename;
    size_t tracking_table_max_keys;
    ssize_t maxmemory_clients;       /* bytes, or -percent of maxmemory */
    unsigned int socket_mark_id;
    int oom_score_adj_values[CONFIG_OOM_COUNT];
    char *server_cpulist, *bio_cpulist, *aof_rewrite_cpulist, *bgsave_cpulist;
    int tls_cluster, tls_replication, tls_auth_clients;
    int tls_prefer_server_ciphers, tls_session_caching;
    int tls_session_cache_size, tls_session_cache_timeout;
    char *tls_cert_file, *tls_key_file, *tls_key_file_pass;
    char *tls_client_cert_file, *tls_client_key_file, *tls_client_key_file_pass;
    char *tls_dh_params_file, *tls_ca_cert_file, *tls_ca_cert_dir;
    char *tls_protocols, *tls_ciphers, *tls_ciphersuites;
    list *config_users;              /* "user" lines (sds, args re-quoted) for ACL */
    list *config_loadmodules;        /* "loadmodule" lines (sds) for modules */
};

extern struct redisServer server;
extern struct sharedObjectsStruct shared;
extern dictType dbDictType;
extern dictType keyptrDictType;
extern dictType commandTableDictType;
extern dictType objectKeyPointerValueDictType;
extern dictType hashDictType;
extern dictType setDictType;
extern dictType zsetDictType;

/* ---------------------------------------------------------------------------
 * Prototypes, by module
 * ------------------------------------------------------------------------ */

/* server.c */
void serverLog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void serverLogRaw(int level, const char *msg);
void serverLogFromHandler(int level, const char *msg); /* async-signal-safe */
void _serverAssert(const char *estr, const char *file, int line);
void _serverPanic(const char *file, int line, const char *msg, ...);
#define serverAssert(_e) (__builtin_expect(!!(_e), 1) ? (void)0 : (_serverAssert(#_e,__FILE__,__LINE__),__builtin_unreachable()))
#define serverPanic(...) (_serverPanic(__FILE__,__LINE__,__VA_ARGS__),__builtin_unreachable())
struct redisCommand *lookupCommand(robj **argv, int argc);
struct redisCommand *lookupCommandBySds(sds s);
struct redisCommand *lookupCommandByCString(const char *s);
struct redisCommand *lookupCommandOrOriginal(robj **argv, int argc);
void call(client *c, int flags);
int processCommand(client *c);
void updateCachedTime(int update_daylight_info);
unsigned int getLRUClock(void);
unsigned int LRU_CLOCK(void);
/* SHUTDOWN flags, also the values of shutdown-on-sigint/sigterm. */
#define SHUTDOWN_NOFLAGS 0
#define SHUTDOWN_SAVE 1
#define SHUTDOWN_NOSAVE 2
#define SHUTDOWN_NOW 4
#define SHUTDOWN_FORCE 8
#define SHUTDOWN_FAILOVER 16 /* ours: cluster masters hand over first */
/* shutdown.c */
int prepareForShutdown(int flags);  /* C_OK: exit now; C_ERR; or waiting (2) */
int isShutdownInitiated(void);
void shutdownCron(void);
void shutdownClientFreed(client *c);
void resetServerStats(void);
void bytesToHuman(char *s, size_t size, unsigned long long n);
void incrementErrorCount(const char *fullerr, size_t namelen);
void incrCommandStatsOnError(struct redisCommand *cmd, int rejected);
long long getInstantaneousMetric(int metric);
int listenToPort(int port, socketFds *fds);
void closeListeningSockets(int unlink_unix_socket);
int changeListenPort(int port, socketFds *sfd, aeFileProc *accept_handler);
uint64_t dictSdsHash(const void *key);
uint64_t dictSdsCaseHash(const void *key);
int dictSdsKeyCompare(dict *d, const void *key1, const void *key2);
int dictSdsKeyCaseCompare(dict *d, const void *key1, const void *key2);
void dictSdsDestructor(dict *d, void *val);
void dictObjectDestructor(dict *d, void *val);
int htNeedsResize(dict *dict);
int hasActiveChildProcess(void);
int checkClientPauseTimeoutAndReturnIfPaused(void);
void alsoPropagate(int dbid, robj **argv, int argc, int target);
void rewriteClientCommandVector(client *c, int argc, ...);
void rewriteClientCommandArgument(client *c, int i, robj *newval);
void replaceClientCommandVector(client *c, int argc, robj **argv);
void redactClientCommandArgument(client *c, int argc);
int isInsideYieldingLongCommand(void);
void acceptTcpHandler(aeEventLoop *el, int fd, void *privdata, int mask);
void acceptUnixHandler(aeEventLoop *el, int fd, void *privdata, int mask);
void acceptCommonHandler(connection *conn, int flags, char *ip);
void pingCommand(client *c);
void echoCommand(client *c);
void timeCommand(client *c);
void shutdownCommand(client *c);
void lastsaveCommand(client *c);

/* networking.c */
client *createClient(connection *conn);
void freeClient(client *c);
void freeClientAsync(client *c);
void resetClient(client *c);
void freeClientArgv(client *c);
void freeClientOriginalArgv(client *c);
void processInputBuffer(client *c);
void processCommandAndResetClient(client *c);
void readQueryFromClient(connection *conn);
int writeToClient(client *c, int handler_installed);
void sendReplyToClient(connection *conn);
int handleClientsWithPendingWrites(void);
int clientHasPendingReplies(client *c);
int freeClientsInAsyncFreeQueue(void);
void addReply(client *c, robj *obj);
void addReplySds(client *c, sds s);
void addReplyProto(client *c, const char *s, size_t len);
void copyClientPendingOutput(client *dst, client *src);
void addReplyBulk(client *c, robj *obj);
void addReplyBulkCString(client *c, const char *s);
void addReplyBulkCBuffer(client *c, const void *p, size_t len);
void addReplyBulkSds(client *c, sds s);
void addReplyBulkLongLong(client *c, long long ll);
void addReplyErrorObject(client *c, robj *err);
void addReplyErrorSds(client *c, sds err);
void addReplyError(client *c, const char *err);
void addReplyErrorFormat(client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void addReplyErrorArity(client *c);
void addReplyErrorExpireTime(client *c);
void addReplyStatus(client *c, const char *status);
void addReplyStatusLength(client *c, const char *s, size_t len);
void addReplyStatusFormat(client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void addReplyLongLong(client *c, long long ll);
void addReplyLongLongWithPrefix(client *c, long long ll, char prefix);
void addReplyDouble(client *c, double d);
void addReplyBigNum(client *c, const char *num, size_t len);
void addReplyHumanLongDouble(client *c, long double d);
void addReplyBool(client *c, int b);
void addReplyNull(client *c);
void addReplyNullArray(client *c);
void addReplyArrayLen(client *c, long length);
void addReplyMapLen(client *c, long length);
void addReplySetLen(client *c, long length);
void addReplyAttributeLen(client *c, long length);
void addReplyPushLen(client *c, long length);
void addReplyVerbatim(client *c, const char *s, size_t len, const char *ext);
void addReplyHelp(client *c, const char **help);
void addReplySubcommandSyntaxError(client *c);
void *addReplyDeferredLen(client *c);
void setDeferredArrayLen(client *c, void *node, long length);
void setDeferredMapLen(client *c, void *node, long length);
void setDeferredSetLen(client *c, void *node, long length);
void setDeferredReplyBulkCBuffer(client *c, void *node, const char *p, size_t len);
void trimReplyUnusedTailSpace(client *c);
int getClientType(client *c);
int getClientTypeByName(char *name);
char *getClientTypeName(int class);
int checkClientOutputBufferLimits(client *c);
int closeClientOnOutputBufferLimitReached(client *c, int async);
size_t getClientOutputBufferMemoryUsage(client *c);
size_t getClientMemoryUsage(client *c, size_t *output_buffer_mem_usage);
sds catClientInfoString(sds s, client *client);
sds getAllClientsInfoString(int type);
void clientCommand(client *c);
void helloCommand(client *c);
void authCommand(client *c);
void securityWarningCommand(client *c);
void pauseClients(int purpose, mstime_t end, int type);
void unpauseClients(int purpose);
void processUnpausedClients(void);
int areClientsPaused(void);
void protectClient(client *c);
void unprotectClient(client *c);
char *getClientPeerId(client *client);
char *getClientSockname(client *c);
void clientsCron(void);
int clientsCronHandleTimeout(client *c, mstime_t now_ms);
void replicationFeedMonitors(client *c, list *monitors, int dictid, robj **argv, int argc);
void monitorCommand(client *c);
void linkClient(client *c);
void unlinkClient(client *c);
void putClientInPendingWriteQueue(client *c);
int prepareClientToWrite(client *c);

/* latency.c */
void latencyAddSampleIfNeeded(const char *event, long long ms);
void updateCommandLatencyHistogram(struct redisCommand *cmd, long long duration_ns);
void resetCommandLatencyHistograms(void);
void latencyCommand(client *c);

/* client_cmds.c */
int validateClientName(robj *name, const char **err);
void setClientName(client *c, robj *name);
client *lookupClientByID(uint64_t id);
void resetCommand(client *c);
void clientCommand(client *c);
void helloCommand(client *c);
void authCommand(client *c);
void monitorCommand(client *c);
void blockClientForPause(client *c);
void disableTracking(client *c);              /* call from freeClient() */
void trackingAfterCommand(client *c);         /* resetClient(): CACHING lasts one command */
/* Optional (weak) pub/sub hooks RESET calls (notify=0: no replies);
 * each returns the number of channels/patterns left. */
int pubsubUnsubscribeAllChannels(client *c, int notify);
int pubsubUnsubscribeAllPatterns(client *c, int notify);
int pubsubUnsubscribeShardAllChannels(client *c, int notify);

/* object.c */
robj *createObject(int type, void *ptr);
robj *createStringObject(const char *ptr, size_t len);
robj *createRawStringObject(const char *ptr, size_t len);
robj *createEmbeddedStringObject(const char *ptr, size_t len);
robj *tryCreateRawStringObject(const char *ptr, size_t len);
robj *tryCreateStringObject(const char *ptr, size_t len);
robj *createStringObjectFromLongLong(long long value);
robj *createStringObjectFromLongLongForValue(long long value);
robj *createStringObjectFromLongDouble(long double value, int humanfriendly);
robj *dupStringObject(const robj *o);
robj *makeObjectShared(robj *o);
void incrRefCount(robj *o);
void decrRefCount(robj *o);
void decrRefCountVoid(void *o);
robj *resetRefCount(robj *obj);
void freeStringObject(robj *o);
robj *tryObjectEncoding(robj *o);
robj *getDecodedObject(robj *o);
size_t stringObjectLen(robj *o);
#define sdsEncodedObject(objptr) ((objptr)->encoding == OBJ_ENCODING_RAW || (objptr)->encoding == OBJ_ENCODING_EMBSTR)
int isSdsRepresentableAsLongLong(sds s, long long *llval);
int isObjectRepresentableAsLongLong(robj *o, long long *llongval);
int getLongLongFromObject(robj *o, long long *target);
int getLongLongFromObjectOrReply(client *c, robj *o, long long *target, const char *msg);
int getLongFromObjectOrReply(client *c, robj *o, long *target, const char *msg);
int getRangeLongFromObjectOrReply(client *c, robj *o, long min, long max, long *target, const char *msg);
int getPositiveLongFromObjectOrReply(client *c, robj *o, long *target, const char *msg);
int getIntFromObjectOrReply(client *c, robj *o, int *target, const char *msg);
int getDoubleFromObject(const robj *o, double *target);
int getDoubleFromObjectOrReply(client *c, robj *o, double *target, const char *msg);
int getLongDoubleFromObject(robj *o, long double *target);
int getLongDoubleFromObjectOrReply(client *c, robj *o, long double *target, const char *msg);
int checkType(client *c, robj *o, int type);
int compareStringObjects(robj *a, robj *b);
int collateStringObjects(robj *a, robj *b);
int equalStringObjects(robj *a, robj *b);
char *strEncoding(int encoding);
void trimStringObjectIfNeeded(robj *o);
size_t objectComputeSize(robj *key, robj *o, size_t sample_size, int dbid);
void objectCommand(client *c);
void memoryCommand(client *c);
robj *objectCommandLookup(client *c, robj *key);
int objectSetLRUOrLFU(robj *val, long long lfu_freq, long long lru_idle,
                      long long lru_clock, int lru_multiplier);

/* db.c */
robj *lookupKeyRead(redisDb *db, robj *key);
robj *lookupKeyWrite(redisDb *db, robj *key);
robj *lookupKeyReadOrReply(client *c, robj *key, robj *reply);
robj *lookupKeyWriteOrReply(client *c, robj *key, robj *reply);
robj *lookupKeyReadWithFlags(redisDb *db, robj *key, int flags);
robj *lookupKeyWriteWithFlags(redisDb *db, robj *key, int flags);
#define LOOKUP_NONE 0
#define LOOKUP_NOTOUCH (1<<0)
#define LOOKUP_NONOTIFY (1<<1)
#define LOOKUP_NOSTATS (1<<2)
#define LOOKUP_WRITE (1<<3)
#define LOOKUP_NOEXPIRE (1<<4)
void dbAdd(redisDb *db, robj *key, robj *val);
int dbAddRDBLoad(redisDb *db, sds key, robj *val);
void dbOverwrite(redisDb *db, robj *key, robj *val);
#define SETKEY_KEEPTTL 1
#define SETKEY_NO_SIGNAL 2
#define SETKEY_ALREADY_EXIST 4
#define SETKEY_DOESNT_EXIST 8
void setKey(client *c, redisDb *db, robj *key, robj *val, int flags);
robj *dbRandomKey(redisDb *db);
int dbSyncDelete(redisDb *db, robj *key);
int dbAsyncDelete(redisDb *db, robj *key);
int dbDelete(redisDb *db, robj *key);
robj *dbUnshareStringValue(redisDb *db, robj *key, robj *o);
#define EMPTYDB_NO_FLAGS 0
#define EMPTYDB_ASYNC (1<<0)
#define EMPTYDB_NOFUNCTIONS (1<<1)
long long emptyData(int dbnum, int flags, void(callback)(dict*));
long long dbTotalServerKeyCount(void);
int selectDb(client *c, int id);
void signalModifiedKey(client *c, redisDb *db, robj *key);
void signalFlushedDb(int dbid, int async);
void notifyKeyspaceEvent(int type, char *event, robj *key, int dbid);
int expireIfNeeded(redisDb *db, robj *key, int force_delete_expired);
long long getExpire(redisDb *db, robj *key);
void setExpire(client *c, redisDb *db, robj *key, long long when);
int removeExpire(redisDb *db, robj *key);
int keyIsExpired(redisDb *db, robj *key);
void deleteExpiredKeyAndPropagate(redisDb *db, robj *keyobj);
void propagateDeletion(redisDb *db, robj *key, int lazy);
int getFlushCommandFlags(client *c, int *flags);
void scanGenericCommand(client *c, robj *o, unsigned long cursor);
unsigned long scanDictStep(dict *d, unsigned long cursor, long count,
                           dictScanFunction *fn, list *out);
int parseScanCursorOrReply(client *c, robj *o, unsigned long *cursor);
unsigned long scanDictStep(dict *d, unsigned long cursor, long count,
                           dictScanFunction *fn, list *out);
/* keyspecs.c (key positions; declared with db.c, their historical home) */
#define GET_KEYSPEC_DEFAULT 0
#define GET_KEYSPEC_INCLUDE_NOT_KEYS (1<<0) /* also channels (not_key specs) */
#define GET_KEYSPEC_RETURN_PARTIAL (1<<1)   /* skip specs that cannot be evaluated */
int getKeysFromCommand(struct redisCommand *cmd, robj **argv, int argc, getKeysResult *result);
int getKeysFromCommandWithSpecs(struct redisCommand *cmd, robj **argv, int argc, int search_flags, getKeysResult *result);
void getKeysFreeResult(getKeysResult *result);
int doesCommandHaveKeys(struct redisCommand *cmd);
int sortGetKeys(struct redisCommand *cmd, robj **argv, int argc, getKeysResult *result);
int sortROGetKeys(struct redisCommand *cmd, robj **argv, int argc, getKeysResult *result);
int migrateGetKeys(struct redisCommand *cmd, robj **argv, int argc, getKeysResult *result);
int setGetKeys(struct redisCommand *cmd, robj **argv, int argc, getKeysResult *result);
int bitfieldGetKeys(struct redisCommand *cmd, robj **argv, int argc, getKeysResult *result);
void initDbs(void);
/* Server state without sockets or event loop (server.c; used by src/fuzz). */
void initServerState(void);
void signalKeyAsReady(redisDb *db, robj *key, int type);
long long commandTimeSnapshotMs(void);

/* db_cmds.c */
robj *dupObjectForCopy(robj *o);

/* lazyfree.c */
void lazyfreeInit(void);
void freeObjAsync(robj *key, robj *obj, int dbid);
void emptyDbAsync(redisDb *db);
void functionsAsyncLoadBegin(void);
void functionsAsyncLoadEnd(int apply);
size_t lazyfreeGetPendingObjectsCount(void);
size_t lazyfreeGetFreedObjectsCount(void);
void lazyfreeResetStats(void);

/* Keyspace notification classes (notify-keyspace-events) */
#define NOTIFY_KEYSPACE (1<<0)
#define NOTIFY_KEYEVENT (1<<1)
#define NOTIFY_GENERIC (1<<2)
#define NOTIFY_STRING (1<<3)
#define NOTIFY_LIST (1<<4)
#define NOTIFY_SET (1<<5)
#define NOTIFY_HASH (1<<6)
#define NOTIFY_ZSET (1<<7)
#define NOTIFY_EXPIRED (1<<8)
#define NOTIFY_EVICTED (1<<9)
#define NOTIFY_STREAM (1<<10)
#define NOTIFY_KEY_MISS (1<<11)
#define NOTIFY_LOADED (1<<12)
#define NOTIFY_MODULE (1<<13)
#define NOTIFY_NEW (1<<14)
#define NOTIFY_ALL (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

/* notify.c */
int keyspaceEventsStringToFlags(char *classes);  /* -1 on bad input */
sds keyspaceEventsFlagsToString(int flags);

/* expire.c */
void activeExpireCycle(int type);
void rememberReplicaKeyWithExpire(redisDb *db, robj *key); /* writable replica */
void expireReplicaKeys(void);
void forgetReplicaKeysWithExpire(void);

/* evict.c */
int performEvictions(void);
#define EVICT_OK 0
#define EVICT_RUNNING 1
#define EVICT_FAIL 2
unsigned long LFUGetTimeInMinutes(void);
uint8_t LFULogIncr(uint8_t value);
unsigned long LFUDecrAndReturn(robj *o);
int overMaxmemoryAfterAlloc(size_t moremem);
size_t freeMemoryGetNotCountedMemory(void);
int getMaxmemoryState(size_t *total, size_t *logical, size_t *tofree, float *level);
unsigned long long estimateObjectIdleTime(robj *o);
void evictionPoolAlloc(void);
void updateLFU(robj *val);
#define LFU_INIT_VAL 5

/* multi.c */
void queueMultiCommand(client *c, uint64_t cmd_flags);
void initClientMultiState(client *c);
void freeClientMultiState(client *c);
void discardTransaction(client *c);
void flagTransaction(client *c);
void execCommandAbort(client *c, sds error);
void touchWatchedKey(redisDb *db, robj *key);
void touchAllWatchedKeysInDb(redisDb *emptied, redisDb *replaced_with);
void unwatchAllKeys(client *c);
int isWatchedKeyExpired(client *c);
void multiCommand(client *c);
void execCommand(client *c);
void discardCommand(client *c);
void watchCommand(client *c);
void unwatchCommand(client *c);

/* slowlog.c */
void slowlogInit(void);
void slowlogPushEntryIfNeeded(client *c, robj **argv, int argc, long long duration);
void slowlogPushCurrentCommand(client *c, struct redisCommand *cmd, long long duration);
void slowlogCommand(client *c);

/* server.c (connection-level commands) */
void quitCommand(client *c);
void resetCommand(client *c);

/* config.c */
void loadServerConfig(char *filename, char config_from_stdin, char *options);
void initConfigValues(void);
void configGetCommand(client *c);
void configSetCommand(client *c);
void configCommand(client *c);
void configResetStatCommand(client *c);
void configRewriteCommand(client *c);
void configHelpCommand(client *c);
int rewriteConfig(char *path, int force_write);
sds keyspaceEventsFlagsToString(int flags);
int keyspaceEventsStringToFlags(char *classes);

/* commands.c */
void populateCommandTable(void);
struct redisCommand *lookupSubcommand(struct redisCommand *container, sds sub_name);
struct redisCommand *lookupCommandLogic(dict *commands, robj **argv, int argc, int strict);
int isContainerCommandBySds(sds s);
int commandTableMaxId(void);
void commandCommand(client *c);
void commandCountCommand(client *c);
void commandListCommand(client *c);
void commandInfoCommand(client *c);
void commandGetKeysCommand(client *c);
void commandGetKeysAndFlagsCommand(client *c);
void commandDocsCommand(client *c);
void commandHelpCommand(client *c);

/* ---- info.c / debug.c / memory.c (INFO, DEBUG, MEMORY) -------------------- */
/* info.c: INFO. The section dict holds lower case sds section names. */
sds genRedisInfoString(dict *section_dict, int all_sections, int everything);
dict *genInfoSectionDict(robj **argv, int argc, char **defaults, int *out_all, int *out_everything);
void releaseInfoSectionDict(dict *sec);
void infoCommand(client *c);
void infoEnsureIds(void);   /* fills run_id / replids if still empty */
/* Optional section providers (weak: INFO prints idle defaults when the
 * owning module is absent). Each appends its section's lines (no header). */
sds genPersistenceInfoFields(sds info);  /* persistence (rdb.c/aof.c) */
sds genReplicationInfoFields(sds info);  /* replication.c */
sds genModulesInfoFields(sds info);      /* module.c: "module:name=..." lines */
/* Optional counters (weak), owned by their modules. */
unsigned long pubsubTotalChannels(void);
unsigned long pubsubTotalPatterns(void);
unsigned long pubsubTotalShardChannels(void);
unsigned long long trackingGetTotalKeys(void);
long long persistenceTotalForks(void);  /* persistence.c: INFO total_forks */
unsigned long long trackingGetTotalItems(void);
unsigned long long trackingGetTotalPrefixes(void);
/* latency.c (weak): value in microseconds of command's latency at a
 * percentile (0..100); returns 0 when the command has no samples. */
int commandLatencyPercentile(struct redisCommand *cmd, double percentile, double *usec);

/* memory.c */
typedef struct scriptingMemInfo {
    size_t lua_vm, lua_caches, lua_scripts_count;
    size_t functions_vm, functions_caches, functions_count, libraries_count;
} scriptingMemInfo;
typedef struct memOverhead {
    size_t peak_allocated, total_allocated, startup_allocated, repl_backlog;
    size_t clients_slaves, clients_normal, cluster_links, aof_buffer;
    size_t lua_caches, functions_caches, overhead_total, dataset;
    size_t total_keys, bytes_per_key;
    float dataset_perc, peak_perc;
    size_t rss, allocator_allocated, allocator_active, allocator_resident;
    float allocator_frag, allocator_rss, rss_extra, total_frag;
    long long allocator_frag_bytes, allocator_rss_bytes, rss_extra_bytes, total_frag_bytes;
    size_t num_dbs;
    struct { int dbid; size_t overhead_ht_main, overhead_ht_expires; } *db;
} memOverhead;
memOverhead *getMemoryOverheadData(void);
void freeMemoryOverheadData(memOverhead *mh);
void updatePeakMemory(void);
size_t getNotCountedMemory(void);
void getScriptingMemoryInfo(scriptingMemInfo *smi);
void scriptingMemoryInfo(scriptingMemInfo *smi);  /* optional (weak), scripting */
/* eval_debug.c: forked Lua debugging sessions (SCRIPT DEBUG YES) seen from the parent */
int ldbHasChildren(void);
int ldbReapedChild(pid_t pid); /* 1: it was one, now forgotten */
void ldbKillChildren(void);    /* shutdown */
/* Optional per-type sizes (weak), each owned by its type module. */
size_t listObjectComputeSize(robj *o, size_t samples);
size_t setObjectComputeSize(robj *o, size_t samples);
size_t zsetObjectComputeSize(robj *o, size_t samples);
size_t hashObjectComputeSize(robj *o, size_t samples);
size_t streamObjectComputeSize(robj *o, size_t samples);

/* debug.c */
void debugCommand(client *c);
int allowProtectedAction(int config, client *c);
/* NULL if c may run its (possibly protected) command, else the error text
 * to reject it with (caller frees): call from processCommand after arity. */
sds protectedCommandCheck(client *c);
void setupCrashHandlers(void);
/* DEBUG DIGEST building blocks (SHA-1 based, as Redis computes them):
 * xorDigest xors sha1(data) into digest; mixDigest does that and then
 * replaces digest with sha1(digest). */
void xorDigest(unsigned char *digest, const void *ptr, size_t len);
void mixDigest(unsigned char *digest, const void *ptr, size_t len);
void mixStringObjectDigest(unsigned char *digest, robj *o);
/* A value's type and content as DEBUG DIGEST folds them, without the TTL. */
void objectContentDigest(robj *o, unsigned char *digest);
/* Optional per-type value digests (weak), owned by the type modules. They
 * fold the value into `digest` exactly as stock Redis 7.0 does:
 *  list: mixStringObjectDigest of each element, head to tail;
 *  set:  xorDigest of each member;
 *  zset: per member e = 20 zero bytes, mixDigest(e, member), mixDigest(e,
 *        score as "%.17g"), then xorDigest(digest, e, 20);
 *  hash: per field e = zeros, mixDigest(e, field), mixDigest(e, value),
 *        xorDigest(digest, e, 20). */
void listObjectDigest(unsigned char *digest, robj *o);
void setObjectDigest(unsigned char *digest, robj *o);
void zsetObjectDigest(unsigned char *digest, robj *o);
void hashObjectDigest(unsigned char *digest, robj *o);
void streamObjectDigest(unsigned char *digest, robj *o);
/* Optional (weak) RDB length of a value, for DEBUG OBJECT serializedlength. */
ssize_t rdbSavedObjectLen(robj *o, robj *key, int dbid);
/* Optional (weak) hooks for DEBUG subcommands owned by other modules. */
void debugReloadCommand(client *c);      /* persistence: DEBUG RELOAD [opts] */
void debugLoadaofCommand(client *c);     /* persistence: DEBUG LOADAOF */
int quicklistSetPackedThreshold(size_t sz); /* 0 when sz is not acceptable */
void debugListpackRepr(robj *o);         /* print a listpack value on stdout */
void debugQuicklistRepr(robj *o, int full);
/* Appends " ql_nodes:.. ql_avg_node:%.2f ql_listpack_max:.. ql_compressed:..
 * ql_uncompressed_size:.." to DEBUG OBJECT of a quicklist. */
sds quicklistDebugObjectInfo(sds s, robj *o);
/* Switches DEBUG sets for the modules that honour them. */
typedef struct debugSettings {
    int disable_deny_scripts;      /* SET-DISABLE-DENY-SCRIPTS */
    int skip_checksum_validation;  /* SET-SKIP-CHECKSUM-VALIDATION */
    long long aof_flush_sleep;     /* AOF-FLUSH-SLEEP, microseconds */
    long long reply_buffer_peak_reset_time; /* REPLYBUFFER PEAK-RESET-TIME, ms; -1 never, 0 default */
    int reply_buffer_resizing_enabled;      /* REPLYBUFFER RESIZING */
} debugSettings;
extern debugSettings debug_settings;
/* ---- end info.c / debug.c / memory.c --------------------------------------- */

/* t_string.c */
int checkStringLength(client *c, long long size, long long append);
const char *stringObjectBuffer(robj *o, char *buf, size_t *len); /* buf: LONG_STR_SIZE */
void getCommand(client *c);
void setCommand(client *c);
void setnxCommand(client *c);
void setexCommand(client *c);
void psetexCommand(client *c);
void getexCommand(client *c);
void getdelCommand(client *c);
void getsetCommand(client *c);
void mgetCommand(client *c);
void msetCommand(client *c);
void msetnxCommand(client *c);
void incrCommand(client *c);
void decrCommand(client *c);
void incrbyCommand(client *c);
void decrbyCommand(client *c);
void incrbyfloatCommand(client *c);
void appendCommand(client *c);
void strlenCommand(client *c);
void getrangeCommand(client *c);
void setrangeCommand(client *c);
void lcsCommand(client *c);

/* bitops.c */
void setbitCommand(client *c);
void getbitCommand(client *c);
void bitcountCommand(client *c);
void bitposCommand(client *c);
void bitopCommand(client *c);
void bitfieldCommand(client *c);
void bitfieldroCommand(client *c);

/* cluster.c, cluster_node.c, cluster_config.c, cluster_addr.c */
#include "cluster.h"
/* Hashes and sorted sets (t_hash.c, t_zset.c, zset_skiplist.c) */
#include "t_hash.h"
#include "t_zset.h"
/* blocked.c, t_list.c */
#include "blocked.h"
#include "t_list.h"

/* Logging helpers used everywhere */
#define serverLogIf(level, ...) do { if ((level) >= server.verbosity) serverLog(level, __VA_ARGS__); } while (0)

#include "t_set.h"      /* SET type API */
#include "t_stream.h"   /* STREAM type API (t_stream.c, stream_cg.c, stream_rdb.c) */
#include "acl.h"   /* users and permissions (acl.c, acl_cmds.c) */
#include "tls.h"   /* TLS connection type and contexts (tls.c) */
#include "pubsub.h"     /* publishing, per-client cleanup */
#include "tracking.h"   /* client side caching invalidations */
#include "replication.h" /* propagation, master and replica sides */

#endif

