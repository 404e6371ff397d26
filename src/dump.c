/* dump.c - DUMP, RESTORE (and RESTORE-ASKING) and MIGRATE.
 *
 * A DUMP payload is one value in RDB form (type byte + value, as in an RDB
 * file), then the RDB version as 2 little-endian bytes, then the CRC64 of
 * everything before as 8 little-endian bytes. Stock Redis 7.0 produces and
 * accepts the same layout, so payloads move between the two both ways.
 */
#include "rdb.h"
#include "crc64.h"

/* Serialize o into a new sds payload. */
sds createDumpPayload(robj *o, robj *key, int dbid) {
    rio payload;
    rioInitWithBuffer(&payload, sdsempty());
    if (rdbSaveObjectType(&payload, o) == -1 || rdbSaveObject(&payload, o, key, dbid) == -1) {
        sdsfree(payload.io.buffer.ptr);
        return NULL;
    }
    sds p = payload.io.buffer.ptr;
    unsigned char footer[10];
    footer[0] = RDB_VERSION & 0xff;
    footer[1] = (RDB_VERSION >> 8) & 0xff;
    p = sdscatlen(p, footer, 2);
    uint64_t crc = crc64(0, (unsigned char *)p, sdslen(p));
    for (int i = 0; i < 8; i++) footer[2 + i] = (unsigned char)(crc >> (8 * i));
    return sdscatlen(p, footer + 2, 8);
}

/* C_OK when the footer carries a version we read and a matching CRC. */
static int verifyDumpPayload(const unsigned char *p, size_t len) {
    if (len < 10) return C_ERR;
    const unsigned char *footer = p + len - 10;
    unsigned rdbver = (unsigned)footer[0] | (unsigned)footer[1] << 8;
    if (rdbver > RDB_VERSION) return C_ERR;
    if (debug_settings.skip_checksum_validation) return C_OK;
    uint64_t crc = crc64(0, p, len - 8), stored = 0;
    for (int i = 7; i >= 0; i--) stored = (stored << 8) | footer[2 + i];
    return crc == stored ? C_OK : C_ERR;
}

void dumpCommand(client *c) {
    robj *o = lookupKeyRead(c->db, c->argv[1]);
    if (o == NULL) {
        addReplyNull(c);
        return;
    }
    sds payload = createDumpPayload(o, c->argv[1], c->db->id);
    if (payload == NULL) {
        addReplyError(c, "DUMP not supported for this type of value");
        return;
    }
    addReplyBulkSds(c, payload);
}

typedef struct restoreOptions {
    int replace, absttl;
    long long lru_idle, lfu_freq, lru_clock;
} restoreOptions;

/* REPLACE, ABSTTL, IDLETIME n, FREQ n (IDLETIME and FREQ exclude each
 * other: the second one is a syntax error). 0 after replying an error. */
static int parseRestoreOptions(client *c, restoreOptions *opt) {
    opt->replace = opt->absttl = 0;
    opt->lru_idle = opt->lfu_freq = opt->lru_clock = -1;
    for (int j = 4; j < c->argc; j++) {
        const char *a = c->argv[j]->ptr;
        int more = j + 1 < c->argc;
        if (!strcasecmp(a, "replace")) {
            opt->replace = 1;
        } else if (!strcasecmp(a, "absttl")) {
            opt->absttl = 1;
        } else if (!strcasecmp(a, "idletime") && more && opt->lfu_freq == -1) {
            if (getLongLongFromObjectOrReply(c, c->argv[++j], &opt->lru_idle, NULL) != C_OK) return 0;
            if (opt->lru_idle < 0) {
                addReplyError(c, "Invalid IDLETIME value, must be >= 0");
                return 0;
            }
            opt->lru_clock = LRU_CLOCK();
        } else if (!strcasecmp(a, "freq") && more && opt->lru_idle == -1) {
            if (getLongLongFromObjectOrReply(c, c->argv[++j], &opt->lfu_freq, NULL) != C_OK) return 0;
            if (opt->lfu_freq < 0 || opt->lfu_freq > 255) {
                addReplyError(c, "Invalid FREQ value, must be >= 0 and <= 255");
                return 0;
            }
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return 0;
        }
    }
    return 1;
}

/* RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f] */
void restoreCommand(client *c) {
    restoreOptions opt;
    long long ttl;
    robj *key = c->argv[1];

    if (!parseRestoreOptions(c, &opt)) return;
    if (!opt.replace && lookupKeyWrite(c->db, key) != NULL) {
        addReplyErrorObject(c, shared.busykeyerr);
        return;
    }
    if (getLongLongFromObjectOrReply(c, c->argv[2], &ttl, NULL) != C_OK) return;
    if (ttl < 0) {
        addReplyError(c, "Invalid TTL value, must be >= 0");
        return;
    }
    sds p = c->argv[3]->ptr;
    if (verifyDumpPayload((unsigned char *)p, sdslen(p)) == C_ERR) {
        addReplyError(c, "DUMP payload version or checksum are wrong");
        return;
    }

    /* Read the value from the payload minus its footer. */
    rio payload;
    sds body = sdsnewlen(p, sdslen(p) - 10);
    rioInitWithBuffer(&payload, body);
    int type = rdbLoadObjectType(&payload), error = 0;
    robj *obj = NULL;
    rdbClearError();
    if (type != -1) obj = rdbLoadObject(type, &payload, key->ptr, c->db->id, &error);
    sdsfree(body);
    if (obj == NULL) {
        addReplyError(c, "Bad data format");
        return;
    }

    int deleted = opt.replace ? dbDelete(c->db, key) : 0;
    if (ttl && !opt.absttl) ttl += commandTimeSnapshotMs();
    /* Already expired: behave as if restored and expired at once. */
    if (ttl && ttl <= commandTimeSnapshotMs() && !server.loading && !server.masterhost) {
        if (deleted) {
            rewriteClientCommandVector(c, 2, shared.del, key);
            signalModifiedKey(c, c->db, key);
            notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key, c->db->id);
            server.dirty++;
        }
        decrRefCount(obj);
        addReply(c, shared.ok);
        return;
    }
    dbAdd(c->db, key, obj);
    if (ttl) {
        setExpire(c, c->db, key, ttl);
        if (!opt.absttl) {
            /* Replicas and the AOF get the absolute time. */
            robj *when = createStringObjectFromLongLong(ttl);
            rewriteClientCommandArgument(c, 2, when);
            decrRefCount(when);
            rewriteClientCommandArgument(c, c->argc, shared.absttl);
        }
    }
    objectSetLRUOrLFU(obj, opt.lfu_freq, opt.lru_idle, opt.lru_clock, 1000);
    signalModifiedKey(c, c->db, key);
    notifyKeyspaceEvent(NOTIFY_GENERIC, "restore", key, c->db->id);
    addReply(c, shared.ok);
    server.dirty++;
}
