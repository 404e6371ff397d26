/* rdb.h - the RDB file format (version 10, as Redis 7.0 writes it) and the
 * persistence API other modules call.
 *
 * rdb.c holds the format: lengths, strings (integer and LZF encodings),
 * per-object serialization with one function per type, whole-dataset save
 * and load over a rio stream. persistence.c holds the server side: SAVE,
 * BGSAVE (fork), save points, loading at start-up, INFO persistence,
 * shutdown save, DEBUG RELOAD. dump.c holds DUMP/RESTORE/MIGRATE.
 *
 * Data types other than strings plug in through the per-type hooks below
 * (weak symbols: a type module defines them and they are used; until then
 * saving such a value fails loudly and loading one is a clear error).
 */
#ifndef RDB_H
#define RDB_H

#include "server.h"
#include "rio.h"

#define RDB_VERSION 10

/* Length encodings: the two high bits of the first byte. */
#define RDB_6BITLEN 0
#define RDB_14BITLEN 1
#define RDB_32BITLEN 0x80
#define RDB_64BITLEN 0x81
#define RDB_ENCVAL 3
#define RDB_LENERR UINT64_MAX

/* Special string encodings (RDB_ENCVAL in the high bits). */
#define RDB_ENC_INT8 0
#define RDB_ENC_INT16 1
#define RDB_ENC_INT32 2
#define RDB_ENC_LZF 3

/* Object types in the file. */
#define RDB_TYPE_STRING 0
#define RDB_TYPE_LIST 1
#define RDB_TYPE_SET 2
#define RDB_TYPE_ZSET 3
#define RDB_TYPE_HASH 4
#define RDB_TYPE_ZSET_2 5            /* binary double scores */
#define RDB_TYPE_MODULE_PRE_GA 6
#define RDB_TYPE_MODULE_2 7
#define RDB_TYPE_HASH_ZIPMAP 9
#define RDB_TYPE_LIST_ZIPLIST 10
#define RDB_TYPE_SET_INTSET 11
#define RDB_TYPE_ZSET_ZIPLIST 12
#define RDB_TYPE_HASH_ZIPLIST 13
#define RDB_TYPE_LIST_QUICKLIST 14   /* nodes are ziplists */
#define RDB_TYPE_STREAM_LISTPACKS 15
#define RDB_TYPE_HASH_LISTPACK 16
#define RDB_TYPE_ZSET_LISTPACK 17
#define RDB_TYPE_LIST_QUICKLIST_2 18 /* nodes are listpacks, with a container flag */
#define RDB_TYPE_STREAM_LISTPACKS_2 19
#define rdbIsObjectType(t) (((t) >= 0 && (t) <= 7) || ((t) >= 9 && (t) <= 19))

/* Quicklist 2 node containers. */
#define RDB_QUICKLIST_NODE_PLAIN 1
#define RDB_QUICKLIST_NODE_PACKED 2

/* Opcodes between keys. */
#define RDB_OPCODE_FUNCTION2 245
#define RDB_OPCODE_FUNCTION_PRE_GA 246
#define RDB_OPCODE_MODULE_AUX 247
#define RDB_OPCODE_IDLE 248
#define RDB_OPCODE_FREQ 249
#define RDB_OPCODE_AUX 250
#define RDB_OPCODE_RESIZEDB 251
#define RDB_OPCODE_EXPIRETIME_MS 252
#define RDB_OPCODE_EXPIRETIME 253
#define RDB_OPCODE_SELECTDB 254
#define RDB_OPCODE_EOF 255

/* rdbGenericLoadStringObject() flags: what to return. */
#define RDB_LOAD_NONE 0     /* a plain string robj (raw/embstr/int) */
#define RDB_LOAD_ENC (1<<0) /* a robj, integers int-encoded */
#define RDB_LOAD_PLAIN (1<<1) /* a zmalloc'ed buffer (length in *lenptr) */
#define RDB_LOAD_SDS (1<<2) /* an sds */

/* rdbSaveRio/rdbLoadRio flags */
#define RDBFLAGS_NONE 0
#define RDBFLAGS_AOF_PREAMBLE (1<<0) /* the RDB part of an AOF */
#define RDBFLAGS_REPLICATION (1<<1)
#define RDBFLAGS_ALLOW_DUP (1<<2)    /* a later key replaces an earlier one */
/* Save only: parts left out of the snapshot (REPLCONF rdb-filter-only). */
#define RDBFLAGS_SKIP_DATA (1<<3)      /* no keys, no SELECTDB/RESIZEDB */
#define RDBFLAGS_SKIP_FUNCTIONS (1<<4) /* no function libraries */
#define RDBFLAGS_SKIP_MASK (RDBFLAGS_SKIP_DATA | RDBFLAGS_SKIP_FUNCTIONS)

/* rdbLoad() results */
#define RDB_OK 0
#define RDB_NOT_EXIST 1
#define RDB_FAILED 2

/* Replication metadata in the aux fields (NULL: none saved). */
typedef struct rdbSaveInfo {
    int repl_stream_db;
    int repl_id_is_set;
    char repl_id[CONFIG_RUN_ID_SIZE+1];
    long long repl_offset;
} rdbSaveInfo;
#define RDB_SAVE_INFO_INIT {-1, 0, "0000000000000000000000000000000000000000", -1}

/* ---- format primitives (rdb.c) ---------------------------------------- */
/* Save functions return the bytes written or -1 on error. */
int rdbSaveType(rio *rdb, unsigned char type);
int rdbLoadType(rio *rdb);                       /* -1 on error */
ssize_t rdbSaveLen(rio *rdb, uint64_t len);
uint64_t rdbLoadLen(rio *rdb, int *isencoded);   /* RDB_LENERR on error */
int rdbLoadLenByRef(rio *rdb, int *isencoded, uint64_t *lenptr);
ssize_t rdbSaveMillisecondTime(rio *rdb, long long t);
long long rdbLoadMillisecondTime(rio *rdb, int rdbver);
ssize_t rdbSaveRawString(rio *rdb, const unsigned char *s, size_t len);
ssize_t rdbSaveStringObject(rio *rdb, robj *obj);
ssize_t rdbSaveLongLongAsStringObject(rio *rdb, long long value);
void *rdbGenericLoadStringObject(rio *rdb, int flags, size_t *lenptr);
robj *rdbLoadStringObject(rio *rdb);
robj *rdbLoadEncodedStringObject(rio *rdb);
ssize_t rdbSaveBinaryDoubleValue(rio *rdb, double val);
int rdbLoadBinaryDoubleValue(rio *rdb, double *val);
ssize_t rdbSaveBinaryFloatValue(rio *rdb, float val);
int rdbLoadBinaryFloatValue(rio *rdb, float *val);
int rdbLoadDoubleValue(rio *rdb, double *val);  /* old text form (RDB_TYPE_ZSET) */
/* A string read as an opaque blob (ziplist, listpack, intset, zipmap):
 * a zmalloc'ed buffer or NULL (error already reported). */
unsigned char *rdbLoadBlob(rio *rdb, size_t *lenptr);
/* Header/structure checks of blobs as the file carries them; 1 = sane.
 * *count (if not NULL) gets the element count the header claims. */
int rdbValidateListpackBlob(const unsigned char *p, size_t len, int deep, size_t *count);
int rdbValidateZiplistBlob(const unsigned char *p, size_t len, int deep, size_t *count);
int rdbValidateIntsetBlob(const unsigned char *p, size_t len, size_t *count);
int rdbValidateZipmapBlob(const unsigned char *p, size_t len);

/* ---- objects (rdb.c) ---------------------------------------------------- */
int rdbSaveObjectType(rio *rdb, robj *o);
int rdbLoadObjectType(rio *rdb);
ssize_t rdbSaveObject(rio *rdb, robj *o, robj *key, int dbid);
robj *rdbLoadObject(int rdbtype, rio *rdb, sds key, int dbid, int *error);
ssize_t rdbSavedObjectLen(robj *o, robj *key, int dbid);
int rdbSaveKeyValuePair(rio *rdb, robj *key, robj *val, long long expiretime, int dbid);

/* Per-type hooks, one per data type module (weak here). Save hooks write
 * the value only (the type byte is written by rdbSaveObjectType, from
 * rdbObjectRdbType below) and return bytes written or -1. Load hooks get
 * the RDB type read from the file (every legacy encoding of that data
 * type: e.g. LIST, LIST_ZIPLIST, LIST_QUICKLIST, LIST_QUICKLIST_2) and
 * return the value, or NULL with *error set after reporting the problem
 * with rdbReportCorruptRDB(). rdbLoadBlob and the validators above read
 * the packed encodings. Empty collections must be reported as errors (or
 * skipped by returning NULL with *error = 0, as stock does for keys that
 * become empty after conversion). */
ssize_t rdbSaveListObject(rio *rdb, robj *o);   /* RDB_TYPE_LIST_QUICKLIST_2 */
ssize_t rdbSaveSetObject(rio *rdb, robj *o);    /* RDB_TYPE_SET / SET_INTSET */
ssize_t rdbSaveZsetObject(rio *rdb, robj *o);   /* RDB_TYPE_ZSET_2 / ZSET_LISTPACK */
ssize_t rdbSaveHashObject(rio *rdb, robj *o);   /* RDB_TYPE_HASH / HASH_LISTPACK */
robj *rdbLoadListObject(rio *rdb, int rdbtype, sds key, int *error);
robj *rdbLoadSetObject(rio *rdb, int rdbtype, sds key, int *error);
robj *rdbLoadZsetObject(rio *rdb, int rdbtype, sds key, int *error);
robj *rdbLoadHashObject(rio *rdb, int rdbtype, sds key, int *error);
ssize_t rdbSaveStreamObject(rio *rdb, robj *o); /* RDB_TYPE_STREAM_LISTPACKS_2 */
robj *rdbLoadStreamObject(rio *rdb, int rdbtype, sds key, int *error);
int rdbObjectRdbType(robj *o);  /* RDB type byte for a value, -1 if none */

/* Errors while loading: the message is kept for the caller to log. */
void rdbReportCorruptRDB(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *rdbLastError(void);
void rdbClearError(void);

/* ---- whole dataset (rdb.c) ---------------------------------------------- */
int rdbSaveRio(rio *rdb, int rdbflags, rdbSaveInfo *rsi);
int rdbLoadRio(rio *rdb, int rdbflags, rdbSaveInfo *rsi);
int rdbLoadRioInto(rio *rdb, int rdbflags, rdbSaveInfo *rsi, redisDb *dbs);
int rdbSave(const char *filename, rdbSaveInfo *rsi); /* C_OK / C_ERR, logs */
int rdbLoad(const char *filename, rdbSaveInfo *rsi, int rdbflags); /* RDB_* */

/* ---- persistence state (persistence.c) ---------------------------------- */
#define CHILD_TYPE_NONE 0
#define CHILD_TYPE_RDB 1
#define CHILD_TYPE_AOF 2

typedef struct persistenceState {
    /* loading */
    time_t loading_start_time;
    off_t loading_total_bytes;
    off_t loading_loaded_bytes;
    size_t loading_rdb_used_mem;
    int loading_serve_clients;        /* process events while loading */
    long long last_load_keys_loaded, last_load_keys_expired;
    /* saving */
    int bgsave_scheduled;
    time_t rdb_save_time_start;       /* -1 when no BGSAVE runs */
    time_t rdb_save_time_last;        /* -1 before the first BGSAVE */
    long long rdb_saves;
    size_t rdb_last_cow_size, aof_last_cow_size;
    size_t current_cow_peak, current_cow_size;
    time_t current_cow_size_time;
    size_t current_save_keys_processed, current_save_keys_total;
    int child_info_pipe[2];           /* child -> parent progress reports */
    int in_child;                     /* this process is a saving child */
    int child_to_socket;              /* the child streams to replicas (replication.c) */
} persistenceState;
extern persistenceState persist;

void loadDataFromDisk(void);
void persistenceCron(void);
int rdbSaveBackground(const char *filename, rdbSaveInfo *rsi);
void rdbRemoveTempFile(pid_t childpid);
void rdbChildGuardTarget(pid_t parent, const char *filename); /* BGSAVE child: see rdb.c */
void killRDBChild(void);
void checkChildrenDone(void);
void closeChildListeningSockets(void);
int persistenceShutdown(int save, int nosave, int force); /* C_OK / C_ERR */
sds persistenceDenyWritesError(void); /* MISCONF text, or NULL */
void persistenceAfterFlushall(void);     /* FLUSHALL: stop a child, rewrite the RDB */
void startLoading(off_t size);
void startAsyncLoading(void);
void stopAsyncLoading(void);
void loadingProgress(off_t pos);
void stopLoading(void);
void processEventsWhileBlocked(void);
void childReportProgress(size_t keys, int final);
void closeChildListeningSockets(void);
pid_t persistenceFork(int child_type); /* fork a child with the info pipe */
void persistenceChildGone(void);       /* after reaping or killing a child */
void saveCommand(client *c);
void bgsaveCommand(client *c);
void dumpCommand(client *c);
void restoreCommand(client *c);
void migrateCommand(client *c);
sds createDumpPayload(robj *o, robj *key, int dbid); /* NULL: type not serializable */
void migrateCloseTimedoutSockets(void);

#endif
