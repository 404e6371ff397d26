/* debug.c - the DEBUG command, the dataset digest, and the crash handler.
 *
 * DEBUG is a grab bag of hooks the test suites rely on: sleeping, crashing
 * on purpose, canned RESP2/RESP3 replies, object internals, a SHA-1 digest
 * of the dataset (equal to stock Redis's for the same data, so replication
 * and persistence tests can compare servers), hash table statistics. It is
 * a "protected" command: allowProtectedAction() decides, from the
 * enable-debug-command setting, whether a client may run it.
 *
 * The crash handler (setupCrashHandlers) turns SIGSEGV, SIGBUS, SIGFPE,
 * SIGILL and SIGABRT (assertions and panics abort) into a bug report in the
 * log - signal, backtrace, INFO, the clients - then re-raises the signal
 * with the default action so the exit status still tells what happened.
 */
#include "server.h"
#include "sha1.h"
#include <arpa/inet.h>
#include <execinfo.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <math.h>
#if defined(USE_JEMALLOC)
#include <jemalloc/jemalloc.h>
#endif

/* Optional providers, resolved to NULL when their module is absent. */
#pragma weak listObjectDigest
#pragma weak setObjectDigest
#pragma weak zsetObjectDigest
#pragma weak hashObjectDigest
#pragma weak streamObjectDigest
#pragma weak rdbSavedObjectLen
#pragma weak debugReloadCommand
#pragma weak debugLoadaofCommand
#pragma weak quicklistSetPackedThreshold
#pragma weak debugListpackRepr
#pragma weak debugQuicklistRepr
#pragma weak lzf_compress
#pragma weak quicklistDebugObjectInfo

/* lzf.c (optional here): compressed length, 0 when it does not fit. */
unsigned int lzf_compress(const void *in, unsigned int in_len, void *out, unsigned int out_len);

debugSettings debug_settings = {0, 0, 0, 0, 1};

/* ---------------------------------------------------------------------------
 * Protected actions (enable-debug-command / enable-module-command)
 * ------------------------------------------------------------------------ */

/* Connected over a unix socket or from a loopback address. */
static int isLocalClient(client *c) {
    if (c->flags & CLIENT_UNIX_SOCKET) return 1;
    if (!c->conn) return 0;
    char ip[NET_IP_STR_LEN];
    int port;
    if (anetFdToString(c->conn->fd, ip, sizeof(ip), &port, FD_TO_PEER_NAME) == -1)
        return 0;
    if (ip[0] == '/') return 1; /* unix socket path */
    if (!strncmp(ip, "::ffff:", 7)) memmove(ip, ip + 7, strlen(ip + 7) + 1);
    return !strncmp(ip, "127.", 4) || !strcmp(ip, "::1");
}

int allowProtectedAction(int config, client *c) {
    return config == PROTECTED_ACTION_ALLOWED_YES ||
           (config == PROTECTED_ACTION_ALLOWED_LOCAL && isLocalClient(c));
}

/* MODULE LOAD/LOADEX/UNLOAD: the module subcommands that are protected. */
static int isProtectedModuleCommand(struct redisCommand *cmd) {
    if (!cmd->parent || strcasecmp(cmd->parent->declared_name, "module")) return 0;
    return !strcasecmp(cmd->declared_name, "load") ||
           !strcasecmp(cmd->declared_name, "loadex") ||
           !strcasecmp(cmd->declared_name, "unload");
}

/* The command table is generated from COMMAND INFO, which does not show the
 * "protected" flag, so DEBUG and MODULE LOAD/UNLOAD are recognised here by
 * name as well as by CMD_PROTECTED. */
sds protectedCommandCheck(client *c) {
    struct redisCommand *cmd = c->cmd;
    const char *what, *option;
    int config;
    if (cmd->proc == debugCommand) {
        what = "DEBUG";
        option = "enable-debug-command";
        config = server.enable_debug_cmd;
    } else if (isProtectedModuleCommand(cmd)) {
        what = "MODULE";
        option = "enable-module-command";
        config = server.enable_module_cmd;
    } else {
        return NULL;
    }
    if (allowProtectedAction(config, c)) return NULL;
    return sdscatprintf(sdsempty(),
        "%s command not allowed. If the %s option is set to \"local\", you can run it "
        "from a local connection, otherwise you need to set this option in the "
        "configuration file, and then restart the server.", what, option);
}

/* ---------------------------------------------------------------------------
 * Dataset digest
 * ------------------------------------------------------------------------ */

void xorDigest(unsigned char *digest, const void *ptr, size_t len) {
    unsigned char hash[SHA1_DIGEST_LEN];
    sha1(ptr, len, hash);
    for (int j = 0; j < SHA1_DIGEST_LEN; j++) digest[j] ^= hash[j];
}

/* Unlike xorDigest, the result depends on the order of the calls. */
void mixDigest(unsigned char *digest, const void *ptr, size_t len) {
    xorDigest(digest, ptr, len);
    sha1(digest, SHA1_DIGEST_LEN, digest);
}

void mixStringObjectDigest(unsigned char *digest, robj *o) {
    robj *dec = getDecodedObject(o);
    mixDigest(digest, dec->ptr, sdslen(dec->ptr));
    decrRefCount(dec);
}

/* Fold one value's type and content into digest (any encoding of the same
 * content gives the same result). */
void objectContentDigest(robj *o, unsigned char *digest) {
    uint32_t type_be = htonl(o->type);
    void (*hook)(unsigned char *, robj *) = NULL;

    mixDigest(digest, &type_be, sizeof(type_be));
    switch (o->type) {
    case OBJ_STRING: mixStringObjectDigest(digest, o); break;
    case OBJ_LIST: hook = listObjectDigest; break;
    case OBJ_SET: hook = setObjectDigest; break;
    case OBJ_ZSET: hook = zsetObjectDigest; break;
    case OBJ_HASH: hook = hashObjectDigest; break;
    case OBJ_STREAM: hook = streamObjectDigest; break;
    }
    if (hook) hook(digest, o);
}

/* Fold one value (type, content, whether it has a TTL) into digest. */
static void valueDigest(redisDb *db, robj *key, robj *o, unsigned char *digest) {
    objectContentDigest(o, digest);
    if (getExpire(db, key) != -1) xorDigest(digest, "!!expire!!", 10);
}

/* Order independent across keys (per-key digests are xored together) but
 * sensitive to which database each key lives in. */
static void datasetDigest(unsigned char *final) {
    memset(final, 0, SHA1_DIGEST_LEN);
    for (int j = 0; j < server.dbnum; j++) {
        redisDb *db = server.db + j;
        if (dictSize(db->dict) == 0) continue;
        uint32_t dbid_be = htonl(j);
        mixDigest(final, &dbid_be, sizeof(dbid_be));

        dictIterator *di = dictGetSafeIterator(db->dict);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL) {
            unsigned char digest[SHA1_DIGEST_LEN] = {0};
            sds name = dictGetKey(de);
            robj *key = createStringObject(name, sdslen(name));
            mixDigest(digest, name, sdslen(name));
            valueDigest(db, key, dictGetVal(de), digest);
            xorDigest(final, digest, SHA1_DIGEST_LEN);
            decrRefCount(key);
        }
        dictReleaseIterator(di);
    }
}

static void addReplyDigest(client *c, const unsigned char *digest) {
    char hex[41];
    sha1Hex(digest, hex);
    addReplyStatus(c, hex);
}

static void debugDigest(client *c) {
    unsigned char digest[SHA1_DIGEST_LEN];
    datasetDigest(digest);
    addReplyDigest(c, digest);
}

static void debugDigestValue(client *c) {
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        unsigned char digest[SHA1_DIGEST_LEN] = {0};
        robj *o = lookupKeyReadWithFlags(c->db, c->argv[j], LOOKUP_NOTOUCH);
        if (o) valueDigest(c->db, c->argv[j], o, digest);
        addReplyDigest(c, digest);
    }
}

/* ---------------------------------------------------------------------------
 * Object internals: DEBUG OBJECT / SDSLEN / HTSTATS
 * ------------------------------------------------------------------------ */

static size_t rdbLenEncodingSize(size_t len) {
    if (len < (1 << 6)) return 1;
    if (len < (1 << 14)) return 2;
    if (len <= UINT32_MAX) return 5;
    return 9;
}

/* RDB size of a string stored LZF-compressed, or 0 when RDB would store it
 * plain: compression is tried for strings over 20 bytes and kept only when
 * it saves more than 4 bytes. */
static size_t compressedSerializedLen(const char *s, size_t len) {
    if (!server.rdb_compression || !lzf_compress || len <= 20 || len > UINT_MAX) return 0;
    size_t outlen = len - 4;
    void *out = zmalloc(outlen + 1);
    size_t comp = lzf_compress(s, (unsigned int)len, out, (unsigned int)outlen);
    zfree(out);
    if (comp == 0) return 0;
    return 1 + rdbLenEncodingSize(comp) + rdbLenEncodingSize(len) + comp;
}

/* RDB size of a string: small integers get a compact encoding, long
 * strings may be compressed. */
static size_t estimateStringSerializedLen(robj *o) {
    long long v;
    if (o->encoding == OBJ_ENCODING_INT) {
        v = (long)o->ptr;
    } else if (sdslen(o->ptr) > 11 || !string2ll(o->ptr, sdslen(o->ptr), &v)) {
        size_t len = sdslen(o->ptr);
        size_t comp = compressedSerializedLen(o->ptr, len);
        return comp ? comp : rdbLenEncodingSize(len) + len;
    }
    if (v >= -(1 << 7) && v <= (1 << 7) - 1) return 2;
    if (v >= -(1 << 15) && v <= (1 << 15) - 1) return 3;
    if (v >= -((long long)1 << 31) && v <= ((long long)1 << 31) - 1) return 5;
    char buf[LONG_STR_SIZE];
    size_t len = ll2string(buf, sizeof(buf), v);
    return rdbLenEncodingSize(len) + len;
}

static size_t serializedLength(robj *key, robj *o, int dbid) {
    if (rdbSavedObjectLen) {
        ssize_t len = rdbSavedObjectLen(o, key, dbid);
        if (len >= 0) return (size_t)len;
    }
    if (o->type == OBJ_STRING) return estimateStringSerializedLen(o);
    return 0;
}

static unsigned long long idleSecondsOf(robj *o) {
    unsigned int now = LRU_CLOCK();
    unsigned long long ticks = now >= o->lru ? now - o->lru : (LRU_CLOCK_MAX - o->lru) + now;
    return ticks * LRU_CLOCK_RESOLUTION / 1000;
}

static void debugObject(client *c) {
    dictEntry *de = dictFind(c->db->dict, c->argv[2]->ptr);
    if (de == NULL) {
        addReplyErrorObject(c, shared.nokeyerr);
        return;
    }
    robj *val = dictGetVal(de);
    sds s = sdscatprintf(sdsempty(),
        "Value at:%p refcount:%d encoding:%s serializedlength:%zu lru:%d lru_seconds_idle:%llu",
        (void *)val, val->refcount, strEncoding(val->encoding),
        serializedLength(c->argv[2], val, c->db->id), (int)val->lru, idleSecondsOf(val));
    if (val->encoding == OBJ_ENCODING_QUICKLIST && quicklistDebugObjectInfo)
        s = quicklistDebugObjectInfo(s, val);
    addReplyStatusLength(c, s, sdslen(s));
    sdsfree(s);
}

/* Bytes the allocator gave a string's sds (for embedded strings: the block
 * minus the robj in front). */
static size_t stringSdsAllocated(robj *o) {
    if (o->encoding == OBJ_ENCODING_EMBSTR) return zmalloc_size(o) - sizeof(robj);
    return zmalloc_size(sdsAllocPtr(o->ptr));
}

static void debugSdslen(client *c) {
    dictEntry *de = dictFind(c->db->dict, c->argv[2]->ptr);
    if (de == NULL) {
        addReplyErrorObject(c, shared.nokeyerr);
        return;
    }
    robj *val = dictGetVal(de);
    sds key = dictGetKey(de);
    if (val->type != OBJ_STRING || !sdsEncodedObject(val)) {
        addReplyError(c, "Not an sds encoded string.");
        return;
    }
    addReplyStatusFormat(c,
        "key_sds_len:%lld, key_sds_avail:%lld, key_zmalloc: %lld, "
        "val_sds_len:%lld, val_sds_avail:%lld, val_zmalloc: %lld",
        (long long)sdslen(key), (long long)sdsavail(key),
        (long long)zmalloc_size(sdsAllocPtr(key)),
        (long long)sdslen(val->ptr), (long long)sdsavail(val->ptr),
        (long long)stringSdsAllocated(val));
}

#define HTSTATS_MAX_CHAIN 50

/* Bucket occupancy of one of a dict's two tables. */
static sds catHashTableStats(sds s, dict *d, int table) {
    unsigned long size = DICTHT_SIZE(d->ht_size_exp[table]);
    unsigned long used = d->ht_used[table];
    unsigned long chains[HTSTATS_MAX_CHAIN] = {0};
    unsigned long slots = 0, maxchain = 0, totchain = 0;

    s = sdscatprintf(s, "Hash table %d stats (%s):\n", table,
                     table == 0 ? "main hash table" : "rehashing target");
    if (used == 0) return sdscat(s, "No stats available for empty dictionaries\n");

    for (unsigned long i = 0; i < size; i++) {
        unsigned long len = 0;
        for (dictEntry *he = d->ht_table[table][i]; he; he = he->next) len++;
        chains[len < HTSTATS_MAX_CHAIN ? len : HTSTATS_MAX_CHAIN - 1]++;
        if (len == 0) continue;
        slots++;
        if (len > maxchain) maxchain = len;
        totchain += len;
    }
    s = sdscatprintf(s,
        " table size: %lu\n"
        " number of elements: %lu\n"
        " different slots: %lu\n"
        " max chain length: %lu\n"
        " avg chain length (counted): %.02f\n"
        " avg chain length (computed): %.02f\n"
        " Chain length distribution:\n",
        size, used, slots, maxchain,
        (float)totchain / slots, (float)used / slots);
    for (int i = 0; i < HTSTATS_MAX_CHAIN; i++) {
        if (chains[i] == 0) continue;
        s = sdscatprintf(s, "   %d: %lu (%.02f%%)\n", i, chains[i],
                         ((float)chains[i] / size) * 100);
    }
    return s;
}

static sds catDictStats(sds s, dict *d) {
    s = catHashTableStats(s, d, 0);
    if (dictIsRehashing(d)) s = catHashTableStats(s, d, 1);
    return s;
}

static void debugHtstats(client *c) {
    long dbid;
    if (getLongFromObjectOrReply(c, c->argv[2], &dbid, NULL) != C_OK) return;
    if (dbid < 0 || dbid >= server.dbnum) {
        addReplyError(c, "Out of range database");
        return;
    }
    redisDb *db = server.db + dbid;
    sds stats = sdsnew("[Dictionary HT]\n");
    stats = catDictStats(stats, db->dict);
    stats = sdscat(stats, "[Expires HT]\n");
    stats = catDictStats(stats, db->expires);
    addReplyVerbatim(c, stats, sdslen(stats), "txt");
    sdsfree(stats);
}

/* The dict behind a hash-table encoded set, hash or (skiplist) zset. The
 * skiplist zset starts with its dict pointer. */
static dict *valueDict(robj *o) {
    if ((o->type == OBJ_SET || o->type == OBJ_HASH) && o->encoding == OBJ_ENCODING_HT)
        return o->ptr;
    if (o->type == OBJ_ZSET && o->encoding == OBJ_ENCODING_SKIPLIST)
        return *(dict **)o->ptr;
    return NULL;
}

static void debugHtstatsKey(client *c) {
    robj *o = objectCommandLookup(c, c->argv[2]);
    if (o == NULL) {
        addReplyErrorObject(c, shared.nokeyerr);
        return;
    }
    dict *d = valueDict(o);
    if (d == NULL) {
        addReplyError(c, "The value stored at the specified key is not represented using an hash table");
        return;
    }
    sds stats = catDictStats(sdsempty(), d);
    addReplyVerbatim(c, stats, sdslen(stats), "txt");
    sdsfree(stats);
}

/* ---------------------------------------------------------------------------
 * DEBUG PROTOCOL: one canned reply of each RESP type
 * ------------------------------------------------------------------------ */

static void debugProtocol(client *c) {
    const char *name = c->argv[2]->ptr;
    if (!strcasecmp(name, "string")) {
        addReplyBulkCString(c, "Hello World");
    } else if (!strcasecmp(name, "integer")) {
        addReplyLongLong(c, 12345);
    } else if (!strcasecmp(name, "double")) {
        addReplyDouble(c, 3.141);
    } else if (!strcasecmp(name, "bignum")) {
        const char *num = "1234567999999999999999999999999999999";
        addReplyBigNum(c, num, strlen(num));
    } else if (!strcasecmp(name, "null")) {
        addReplyNull(c);
    } else if (!strcasecmp(name, "array")) {
        addReplyArrayLen(c, 3);
        for (int j = 0; j < 3; j++) addReplyLongLong(c, j);
    } else if (!strcasecmp(name, "set")) {
        addReplySetLen(c, 3);
        for (int j = 0; j < 3; j++) addReplyLongLong(c, j);
    } else if (!strcasecmp(name, "map")) {
        addReplyMapLen(c, 3);
        for (int j = 0; j < 3; j++) {
            addReplyLongLong(c, j);
            addReplyBool(c, j == 1);
        }
    } else if (!strcasecmp(name, "attrib")) {
        if (c->resp >= 3) {
            addReplyAttributeLen(c, 1);
            addReplyBulkCString(c, "key-popularity");
            addReplyArrayLen(c, 2);
            addReplyBulkCString(c, "key:123");
            addReplyLongLong(c, 90);
        }
        addReplyBulkCString(c, "Some real reply following the attribute");
    } else if (!strcasecmp(name, "push")) {
        if (c->resp < 3) {
            addReplyError(c, "RESP2 is not supported by this command");
            return;
        }
        addReplyPushLen(c, 2);
        addReplyBulkCString(c, "server-cpu-usage");
        addReplyLongLong(c, 42);
        addReplyBulkCString(c, "Some real reply following the push reply");
    } else if (!strcasecmp(name, "true")) {
        addReplyBool(c, 1);
    } else if (!strcasecmp(name, "false")) {
        addReplyBool(c, 0);
    } else if (!strcasecmp(name, "verbatim")) {
        const char *txt = "This is a verbatim\nstring";
        addReplyVerbatim(c, txt, strlen(txt), "txt");
    } else {
        addReplyError(c, "Wrong protocol type name. Please use one of the following: "
                         "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
    }
}

/* ---------------------------------------------------------------------------
 * Other subcommands
 * ------------------------------------------------------------------------ */

static void debugSleep(client *c) {
    double secs = strtod(c->argv[2]->ptr, NULL);
    long long usecs = (long long)(secs * 1000000);
    if (usecs > 0) {
        struct timespec ts = { usecs / 1000000, (usecs % 1000000) * 1000 };
        while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {}
    }
    addReply(c, shared.ok);
}

/* Keys "<prefix>:<n>" with values "value:<n>" (cut or zero padded to
 * `size` when given); existing keys are left alone. */
static void debugPopulate(client *c) {
    long count, size = 0;
    const char *prefix = c->argc >= 4 ? c->argv[3]->ptr : "key";
    if (getPositiveLongFromObjectOrReply(c, c->argv[2], &count, NULL) != C_OK) return;
    if (c->argc == 5 && getPositiveLongFromObjectOrReply(c, c->argv[4], &size, NULL) != C_OK)
        return;
    dictTryExpand(c->db->dict, dictSize(c->db->dict) + count);
    for (long j = 0; j < count; j++) {
        char valbuf[64];
        sds name = sdscatprintf(sdsempty(), "%s:%ld", prefix, j);
        robj *key = createObject(OBJ_STRING, name);
        if (lookupKeyWrite(c->db, key) == NULL) {
            int vlen = snprintf(valbuf, sizeof(valbuf), "value:%ld", j);
            robj *val;
            if (size == 0) {
                val = createStringObject(valbuf, vlen);
            } else {
                val = createStringObject(NULL, size);
                memcpy(val->ptr, valbuf, size < vlen ? (size_t)size : (size_t)vlen);
            }
            dbAdd(c->db, key, val);
        }
        decrRefCount(key);
    }
    addReply(c, shared.ok);
}

static void debugChangeReplId(client *c) {
    getRandomHexChars(server.replid, CONFIG_RUN_ID_SIZE);
    server.replid[CONFIG_RUN_ID_SIZE] = '\0';
    memset(server.replid2, '0', CONFIG_RUN_ID_SIZE);
    server.replid2[CONFIG_RUN_ID_SIZE] = '\0';
    server.second_replid_offset = -1;
    serverLog(LL_WARNING, "Changing replication IDs after receiving DEBUG change-repl-id");
    addReply(c, shared.ok);
}

/* Random patterns and strings through the glob matcher: the test is that
 * nothing crashes or loops forever. */
static void debugStringmatchTest(client *c) {
    const char alphabet[] = "abc*?[]^-\\";
    char pat[32], str[32];
    for (int round = 0; round < 100000; round++) {
        int plen = rand() % (int)sizeof(pat), slen = rand() % (int)sizeof(str);
        for (int j = 0; j < plen; j++) pat[j] = alphabet[rand() % (sizeof(alphabet) - 1)];
        for (int j = 0; j < slen; j++) str[j] = alphabet[rand() % (sizeof(alphabet) - 1)];
        stringmatchlen(pat, plen, str, slen, rand() & 1);
    }
    addReplyStatus(c, "Apparently Redis did not crash: test passed");
}

#define QUICKLIST_PACKED_MAX ((size_t)4 << 30)
static void debugQuicklistPackedThreshold(client *c) {
    int err = 0;
    unsigned long long sz = memtoull(c->argv[2]->ptr, &err);
    int ok = !err && sz <= QUICKLIST_PACKED_MAX;
    if (ok && quicklistSetPackedThreshold) ok = quicklistSetPackedThreshold(sz);
    if (!ok) {
        addReplyError(c, "argument must be a memory value bigger than 1 and smaller than 4gb");
        return;
    }
    addReply(c, shared.ok);
}

static void debugStructsize(client *c) {
    sds s = sdsempty();
    s = sdscatprintf(s, "bits:%d ", (int)(sizeof(void *) * 8));
    s = sdscatprintf(s, "robj:%d ", (int)sizeof(robj));
    s = sdscatprintf(s, "dictentry:%d ", (int)sizeof(dictEntry));
    s = sdscat(s, "sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 ");
    addReplyBulkSds(c, s);
}

/* DEBUG ERROR: the argument is the whole error line, no "ERR" added. */
static void debugError(client *c) {
    sds s = sdscatlen(sdsnew("-"), c->argv[2]->ptr, sdslen(c->argv[2]->ptr));
    s = sdsmapchars(s, "\r\n", "  ", 2);
    s = sdscatlen(s, "\r\n", 2);
    addReplySds(c, s);
}

static void debugMallctl(client *c, int is_string) {
#if defined(USE_JEMALLOC)
    const char *key = c->argv[2]->ptr;
    if (is_string) {
        char *old = NULL, *newval = c->argc > 3 ? c->argv[3]->ptr : NULL;
        size_t sz = sizeof(old);
        if (mallctl(key, &old, &sz, newval ? &newval : NULL, newval ? sizeof(newval) : 0)) {
            addReplyErrorFormat(c, "%s", strerror(errno ? errno : EINVAL));
            return;
        }
        addReplyBulkCString(c, old ? old : "");
        return;
    }
    /* Options are of several integer widths: read with the size jemalloc
     * reports back and widen. */
    union { int64_t i64; int32_t i32; uint8_t u8; } old = { 0 };
    size_t sz = sizeof(old);
    int rc = mallctl(key, &old, &sz, NULL, 0);
    if (rc) {
        addReplyErrorFormat(c, "%s", strerror(rc));
        return;
    }
    long long oldval = sz == sizeof(int32_t) ? old.i32 : sz == 1 ? old.u8 : old.i64;
    if (c->argc > 3) {
        long long v;
        if (getLongLongFromObjectOrReply(c, c->argv[3], &v, NULL) != C_OK) return;
        union { int64_t i64; int32_t i32; uint8_t u8; } newval = { 0 };
        if (sz == sizeof(int32_t)) newval.i32 = (int32_t)v;
        else if (sz == 1) newval.u8 = (uint8_t)v;
        else newval.i64 = v;
        rc = mallctl(key, NULL, NULL, &newval, sz);
        if (rc) {
            addReplyErrorFormat(c, "%s", strerror(rc));
            return;
        }
    }
    addReplyLongLong(c, oldval);
#else
    (void)is_string;
    addReplyError(c, "This Redis server was built without jemalloc");
#endif
}

/* Turn "0"/"1" style switches into ints the way stock does (atoi). */
static int switchArg(client *c, int idx) {
    return atoi(c->argv[idx]->ptr);
}

static void debugReplybuffer(client *c) {
    const char *what = c->argv[2]->ptr;
    if (!strcasecmp(what, "peak-reset-time")) {
        const char *v = c->argv[3]->ptr;
        if (!strcasecmp(v, "never")) {
            debug_settings.reply_buffer_peak_reset_time = -1;
        } else if (!strcasecmp(v, "reset")) {
            debug_settings.reply_buffer_peak_reset_time = 0;
        } else {
            long long t;
            if (getLongLongFromObjectOrReply(c, c->argv[3], &t, NULL) != C_OK) return;
            debug_settings.reply_buffer_peak_reset_time = t;
        }
    } else if (!strcasecmp(what, "resizing")) {
        debug_settings.reply_buffer_resizing_enabled = switchArg(c, 3);
    } else {
        addReplySubcommandSyntaxError(c);
        return;
    }
    addReply(c, shared.ok);
}

static void debugEncodingRepr(client *c, int want_listpack) {
    robj *o = objectCommandLookup(c, c->argv[2]);
    if (o == NULL) {
        addReplyErrorObject(c, shared.nokeyerr);
        return;
    }
    if (want_listpack) {
        if (o->encoding != OBJ_ENCODING_LISTPACK) {
            addReplyError(c, "Not a listpack encoded object.");
            return;
        }
        if (debugListpackRepr) debugListpackRepr(o);
        addReplyStatus(c, "Listpack structure printed on stdout");
    } else {
        if (o->encoding != OBJ_ENCODING_QUICKLIST) {
            addReplyError(c, "Not a quicklist encoded object.");
            return;
        }
        int full = c->argc == 4 ? switchArg(c, 3) : 0;
        if (debugQuicklistRepr) debugQuicklistRepr(o, full);
        addReplyStatus(c, "Quicklist structure printed on stdout");
    }
}

static void debugPersistence(client *c, int reload) {
    if (reload && debugReloadCommand) {
        debugReloadCommand(c);
    } else if (!reload && debugLoadaofCommand) {
        debugLoadaofCommand(c);
    } else {
        addReplyErrorFormat(c, "DEBUG %s is not available: persistence is not built into this server yet",
                            reload ? "RELOAD" : "LOADAOF");
    }
}

/* Deliberate crashes: each ends in the crash handler's report. */
static void debugSegfault(void) {
    /* A write to a read-only page: a real SIGSEGV with a fault address. */
    char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) *(volatile char *)p = 'x';
    raise(SIGSEGV);
}

static const char *debugHelp[] = {
"AOF-FLUSH-SLEEP <microsec>",
"    Server will sleep before flushing the AOF, this is used for testing.",
"ASSERT",
"    Crash by assertion failed.",
"CHANGE-REPL-ID",
"    Change the replication IDs of the instance.",
"    Dangerous: should be used only for testing the replication subsystem.",
"CONFIG-REWRITE-FORCE-ALL",
"    Like CONFIG REWRITE but writes all configuration options, including",
"    keywords not listed in original configuration file or default values.",
"CRASH-AND-RECOVER [<milliseconds>]",
"    Hard crash and restart after a <milliseconds> delay (default 0).",
"DIGEST",
"    Output a hex signature representing the current DB content.",
"DIGEST-VALUE <key> [<key> ...]",
"    Output a hex signature of the values of all the specified keys.",
"ERROR <string>",
"    Return a Redis protocol error with <string> as message. Useful for clients",
"    unit tests to simulate Redis errors.",
"LEAK <string>",
"    Create a memory leak of the input string.",
"LOG <message>",
"    Write <message> to the server log.",
"HTSTATS <dbid>",
"    Return hash table statistics of the specified Redis database.",
"HTSTATS-KEY <key>",
"    Like HTSTATS but for the hash table stored at <key>'s value.",
"LOADAOF",
"    Flush the AOF buffers on disk and reload the AOF in memory.",
"REPLICATE <string>",
"    Replicates the provided string to replicas, allowing data divergence.",
"MALLCTL <key> [<val>]",
"    Get or set a malloc tuning integer.",
"MALLCTL-STR <key> [<val>]",
"    Get or set a malloc tuning string.",
"OBJECT <key>",
"    Show low level info about `key` and associated value.",
"DROP-CLUSTER-PACKET-FILTER <packet-type>",
"    Drop all packets that match the filtered type. Set to -1 allow all packets.",
"OOM",
"    Crash the server simulating an out-of-memory error.",
"PANIC",
"    Crash the server simulating a panic.",
"POPULATE <count> [<prefix>] [<size>]",
"    Create <count> string keys named key:<num>. If <prefix> is specified then",
"    it is used instead of the 'key' prefix. These are not propagated to",
"    replicas. Cluster slots are not respected so keys not belonging to the",
"    current node can be created in cluster mode.",
"PROTOCOL <type>",
"    Reply with a test value of the specified type. <type> can be: string,",
"    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
"    true, false.",
"RELOAD [option ...]",
"    Save the RDB on disk and reload it back to memory. Valid <option> values:",
"    * MERGE: conflicting keys will be loaded from RDB.",
"    * NOFLUSH: the existing database will not be removed before load, but",
"      conflicting keys will generate an exception and kill the server.",
"    * NOSAVE: the database will be loaded from an existing RDB file.",
"    Examples:",
"    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
"      the database.",
"    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
"      existing RDB file.",
"    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
"      file to the database.",
"RESTART [<milliseconds>]",
"    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
"SDSLEN <key>",
"    Show low level SDS string info representing `key` and value.",
"SEGFAULT",
"    Crash the server with sigsegv.",
"SET-ACTIVE-EXPIRE <0|1>",
"    Setting it to 0 disables expiring keys in background when they are not",
"    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
"    default.",
"QUICKLIST-PACKED-THRESHOLD <size>",
"    Sets the threshold for elements to be inserted as plain vs packed nodes",
"    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
"SET-SKIP-CHECKSUM-VALIDATION <0|1>",
"    Enables or disables checksum checks for RDB files and RESTORE's payload.",
"SLEEP <seconds>",
"    Stop the server for <seconds>. Decimals allowed.",
"STRINGMATCH-TEST",
"    Run a fuzz tester against the stringmatchlen() function.",
"STRUCTSIZE",
"    Return the size of different Redis core C structures.",
"LISTPACK <key>",
"    Show low level info about the listpack encoding of <key>.",
"QUICKLIST <key> [<0|1>]",
"    Show low level info about the quicklist encoding of <key>.",
"    The optional argument (0 by default) sets the level of detail",
"CLIENT-EVICTION",
"    Show low level client eviction pools info (maxmemory-clients).",
"PAUSE-CRON <0|1>",
"    Stop periodic cron job processing.",
"REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
"    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
"    In case NEVER is provided the last observed peak will never be reset",
"    In case RESET is provided the peak reset time will be restored to the default value",
"REPLYBUFFER RESIZING <0|1>",
"    Enable or disable the reply buffer resize cron job",
"CLUSTERLINK KILL <to|from|all> <node-id>",
"    Kills the link based on the direction to/from (both) with the provided node.",
NULL
};

/* Subcommands that only set a value or answer a fixed reply. Returns 1
 * when it handled the command. */
static int debugSimpleSubcommand(client *c, const char *sub) {
    int argc = c->argc;
    if (!strcasecmp(sub, "set-active-expire") && argc == 3) {
        server.active_expire_enabled = switchArg(c, 2);
    } else if (!strcasecmp(sub, "pause-cron") && argc == 3) {
        server.pause_cron = switchArg(c, 2);
    } else if (!strcasecmp(sub, "set-disable-deny-scripts") && argc == 3) {
        debug_settings.disable_deny_scripts = switchArg(c, 2);
    } else if (!strcasecmp(sub, "set-skip-checksum-validation") && argc == 3) {
        debug_settings.skip_checksum_validation = switchArg(c, 2);
    } else if (!strcasecmp(sub, "aof-flush-sleep") && argc == 3) {
        debug_settings.aof_flush_sleep = atoll(c->argv[2]->ptr);
    } else if (!strcasecmp(sub, "drop-cluster-packet-filter") && argc == 3) {
        long v;
        if (getLongFromObjectOrReply(c, c->argv[2], &v, NULL) != C_OK) return 1;
        cluster_drop_packet_filter = v;  /* cluster_node.c */
    } else if (!strcasecmp(sub, "log") && argc == 3) {
        serverLog(LL_WARNING, "DEBUG LOG: %s", (char *)c->argv[2]->ptr);
    } else if (!strcasecmp(sub, "leak") && argc == 3) {
        sdsdup(c->argv[2]->ptr); /* leaked on purpose */
    } else if (!strcasecmp(sub, "config-rewrite-force-all") && argc == 2) {
        if (rewriteConfig(server.configfile, 1) == -1) {
            addReplyErrorFormat(c, "CONFIG-REWRITE-FORCE-ALL failed: %s", strerror(errno));
            return 1;
        }
    } else if (!strcasecmp(sub, "client-eviction") && argc == 2) {
        if (server.maxmemory_clients == 0) {
            addReplyError(c, "maxmemory-clients is disabled.");
            return 1;
        }
        addReplyStatus(c, "client eviction pools are not tracked by this server");
        return 1;
    } else {
        return 0;
    }
    addReply(c, shared.ok);
    return 1;
}

void debugCommand(client *c) {
    const char *sub = c->argv[1]->ptr;
    int argc = c->argc;

    if (debugSimpleSubcommand(c, sub)) return;
    if (!strcasecmp(sub, "help") && argc == 2) {
        addReplyHelp(c, debugHelp);
    } else if (!strcasecmp(sub, "segfault")) {
        debugSegfault();
    } else if (!strcasecmp(sub, "panic")) {
        serverPanic("DEBUG PANIC called at Unix time %lld", (long long)time(NULL));
    } else if (!strcasecmp(sub, "assert")) {
        serverAssert(c->argc == -1); /* never true: crash by assertion */
    } else if (!strcasecmp(sub, "oom")) {
        void *ptr = zmalloc(SIZE_MAX / 2); /* the OOM handler aborts */
        zfree(ptr);
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "sleep") && argc == 3) {
        debugSleep(c);
    } else if (!strcasecmp(sub, "object") && argc == 3) {
        debugObject(c);
    } else if (!strcasecmp(sub, "sdslen") && argc == 3) {
        debugSdslen(c);
    } else if (!strcasecmp(sub, "populate") && argc >= 3 && argc <= 5) {
        debugPopulate(c);
    } else if (!strcasecmp(sub, "digest") && argc == 2) {
        debugDigest(c);
    } else if (!strcasecmp(sub, "digest-value") && argc >= 2) {
        debugDigestValue(c);
    } else if (!strcasecmp(sub, "protocol") && argc == 3) {
        debugProtocol(c);
    } else if (!strcasecmp(sub, "error") && argc == 3) {
        debugError(c);
    } else if (!strcasecmp(sub, "clusterlink") && argc == 5 &&
               !strcasecmp(c->argv[2]->ptr, "kill")) {
        clusterDebugKillLink(c);  /* cluster_node.c */
    } else if (!strcasecmp(sub, "htstats") && argc == 3) {
        debugHtstats(c);
    } else if (!strcasecmp(sub, "htstats-key") && argc == 3) {
        debugHtstatsKey(c);
    } else if (!strcasecmp(sub, "change-repl-id") && argc == 2) {
        debugChangeReplId(c);
    } else if (!strcasecmp(sub, "stringmatch-test") && argc == 2) {
        debugStringmatchTest(c);
    } else if (!strcasecmp(sub, "structsize") && argc == 2) {
        debugStructsize(c);
    } else if (!strcasecmp(sub, "quicklist-packed-threshold") && argc == 3) {
        debugQuicklistPackedThreshold(c);
    } else if (!strcasecmp(sub, "replybuffer") && argc == 4) {
        debugReplybuffer(c);
    } else if (!strcasecmp(sub, "listpack") && argc == 3) {
        debugEncodingRepr(c, 1);
    } else if (!strcasecmp(sub, "quicklist") && (argc == 3 || argc == 4)) {
        debugEncodingRepr(c, 0);
    } else if ((!strcasecmp(sub, "mallctl") || !strcasecmp(sub, "mallctl-str")) && argc >= 3) {
        debugMallctl(c, !strcasecmp(sub, "mallctl-str"));
    } else if (!strcasecmp(sub, "reload")) {
        debugPersistence(c, 1);
    } else if (!strcasecmp(sub, "loadaof") && argc == 2) {
        debugPersistence(c, 0);
    } else if ((!strcasecmp(sub, "restart") || !strcasecmp(sub, "crash-and-recover")) && argc <= 3) {
        addReplyErrorFormat(c, "DEBUG %s is not supported by this server", sub);
    } else if (!strcasecmp(sub, "replicate") && argc >= 3) {
        addReplyError(c, "DEBUG REPLICATE is not supported by this server");
    } else {
        addReplySubcommandSyntaxError(c);
    }
}

/* ---------------------------------------------------------------------------
 * Crash report
 * ------------------------------------------------------------------------ */

/* The fd the report goes to: the log file, or stdout. */
static int openCrashLogFd(void) {
    if (server.logfile == NULL || server.logfile[0] == '\0') return STDOUT_FILENO;
    return open(server.logfile, O_APPEND | O_CREAT | O_WRONLY, 0644);
}

static void closeCrashLogFd(int fd) {
    if (fd != STDOUT_FILENO && fd != -1) close(fd);
}

static void logStackTrace(void) {
    void *frames[100];
    int n = backtrace(frames, 100);
    int fd = openCrashLogFd();
    if (fd == -1) return;
    /* backtrace_symbols_fd does not allocate: safe after heap corruption. */
    backtrace_symbols_fd(frames, n, fd);
    closeCrashLogFd(fd);
}

static void logCurrentClient(void) {
    client *c = server.current_client;
    if (c == NULL) return;
    sds line = catClientInfoString(sdsempty(), c);
    serverLog(LL_WARNING | LL_RAW, "\n------ CURRENT CLIENT INFO ------\n");
    serverLog(LL_WARNING, "%s", line);
    sdsfree(line);
    for (int j = 0; j < c->argc; j++) {
        robj *arg = getDecodedObject(c->argv[j]);
        serverLog(LL_WARNING, "argv[%d]: '%.512s'", j, (char *)arg->ptr);
        decrRefCount(arg);
    }
}

static void logServerState(void) {
    dict *sec = NULL;
    int all = 1, everything = 0;
    robj *args[1];
    robj allobj = { OBJ_STRING, OBJ_ENCODING_RAW, 0, OBJ_STATIC_REFCOUNT, NULL };
    allobj.ptr = sdsnew("all");
    args[0] = &allobj;
    sec = genInfoSectionDict(args, 1, NULL, &all, &everything);
    sds info = genRedisInfoString(sec, all, everything);
    serverLog(LL_WARNING | LL_RAW, "\n------ INFO OUTPUT ------\n");
    serverLogRaw(LL_WARNING | LL_RAW, info);
    sdsfree(info);
    releaseInfoSectionDict(sec);
    sdsfree(allobj.ptr);

    sds clients = getAllClientsInfoString(-1);
    serverLog(LL_WARNING | LL_RAW, "\n------ CLIENT LIST OUTPUT ------\n");
    serverLogRaw(LL_WARNING | LL_RAW, clients);
    sdsfree(clients);
    logCurrentClient();
}

static void crashSignalHandler(int sig, siginfo_t *info, void *secret) {
    (void)secret;
    server.crashed = 1;
    if (server.crashlog_enabled) {
        serverLog(LL_WARNING | LL_RAW,
                  "\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n");
        serverLog(LL_WARNING, "Redis %s crashed by signal: %d, si_code: %d",
                  REDIS_VERSION, sig, info ? info->si_code : 0);
        if (info && (sig == SIGSEGV || sig == SIGBUS))
            serverLog(LL_WARNING, "Accessing address: %p", info->si_addr);
        if (info && info->si_code <= 0 && info->si_pid)
            serverLog(LL_WARNING, "Killed by PID: %ld, UID: %d", (long)info->si_pid, (int)info->si_uid);
        serverLog(LL_WARNING | LL_RAW, "\n------ STACK TRACE ------\n\nBacktrace:\n");
        logStackTrace();
        /* A crash during start-up leaves nothing to describe yet. */
        if (server.db && server.clients && server.commands) logServerState();
        serverLog(LL_WARNING | LL_RAW,
                  "\n=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n\n"
                  "       Please report the crash by opening an issue on github:\n\n"
                  "           http://github.com/redis/redis/issues\n\n");
    }
    if (server.daemonize && server.pidfile) unlink(server.pidfile);
    /* The handler was installed with SA_RESETHAND: the default action now
     * applies, so the process dies of this very signal (and may dump core). */
    signal(sig, SIG_DFL);
    raise(sig);
}

void setupCrashHandlers(void) {
    struct sigaction act;
    const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
    sigemptyset(&act.sa_mask);
    act.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESETHAND;
    act.sa_sigaction = crashSignalHandler;
    for (size_t j = 0; j < sizeof(sigs) / sizeof(sigs[0]); j++) sigaction(sigs[j], &act, NULL);
}
