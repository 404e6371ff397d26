/* t_string.c - the string commands.
 *
 * GET/SET and their variants (SETNX, SETEX, PSETEX, GETSET, GETEX, GETDEL,
 * MGET, MSET, MSETNX), counters (INCR family, INCRBYFLOAT), in-place edits
 * (APPEND, SETRANGE), reads (STRLEN, GETRANGE/SUBSTR) and LCS.
 *
 * Values are stored in the most compact encoding (tryObjectEncoding: int,
 * embstr or raw). Commands that edit a value in place first make it a
 * private raw sds through dbUnshareStringValue() (db.c). The bitmap
 * commands, which also work on string values, live in bitops.c.
 *
 * Argument validation order and reply texts follow stock Redis 7.0, since
 * clients may depend on which error comes first.
 */
#include "server.h"
#include <math.h>

/* ---------------------------------------------------------------------------
 * Helpers shared with bitops.c
 * ------------------------------------------------------------------------ */

/* Reject a string of size+append bytes (both >= 0) that would grow past
 * proto-max-bulk-len, or overflow. A replication master is trusted: its
 * stream must be applied whatever our limits. */
int checkStringLength(client *c, long long size, long long append) {
    if (c->flags & CLIENT_MASTER) return C_OK;
    if (size > LLONG_MAX - append || size + append > server.proto_max_bulk_len) {
        addReplyError(c, "string exceeds maximum allowed size (proto-max-bulk-len)");
        return C_ERR;
    }
    return C_OK;
}

/* The bytes of a string object whatever its encoding. Int-encoded values
 * are rendered into buf, which must hold LONG_STR_SIZE bytes. */
const char *stringObjectBuffer(robj *o, char *buf, size_t *len) {
    if (sdsEncodedObject(o)) {
        *len = sdslen(o->ptr);
        return o->ptr;
    }
    *len = ll2string(buf, LONG_STR_SIZE, (long)o->ptr);
    return buf;
}

/* ---------------------------------------------------------------------------
 * SET and GETEX option parsing
 * ------------------------------------------------------------------------ */

#define STROPT_NX (1<<0)
#define STROPT_XX (1<<1)
#define STROPT_GET (1<<2)
#define STROPT_KEEPTTL (1<<3)
#define STROPT_PERSIST (1<<4)
#define STROPT_EX (1<<5)
#define STROPT_PX (1<<6)
#define STROPT_EXAT (1<<7)
#define STROPT_PXAT (1<<8)
#define STROPT_ANY_EXPIRE (STROPT_EX|STROPT_PX|STROPT_EXAT|STROPT_PXAT)

/* Which command's option grammar is being parsed. */
#define STROPT_FOR_SET 0
#define STROPT_FOR_GETEX 1

/* Map an expire keyword to its flag, 0 if the word is not one. */
static int expireOptionFlag(const char *opt) {
    if (!strcasecmp(opt, "ex")) return STROPT_EX;
    if (!strcasecmp(opt, "px")) return STROPT_PX;
    if (!strcasecmp(opt, "exat")) return STROPT_EXAT;
    if (!strcasecmp(opt, "pxat")) return STROPT_PXAT;
    return 0;
}

/* Parse the options of SET (from argv[3]) or GETEX (from argv[2]). Stock
 * Redis accepts repeating an option (the last expire value wins) but not
 * two conflicting ones; anything odd is a plain syntax error. On success
 * *flags holds STROPT_* and *expire the expire argument or NULL. */
static int parseStringOptions(client *c, int first, int grammar, int *flags, robj **expire) {
    *flags = 0;
    *expire = NULL;
    for (int j = first; j < c->argc; j++) {
        const char *opt = c->argv[j]->ptr;
        int has_next = j + 1 < c->argc;
        int expflag = expireOptionFlag(opt);

        if (grammar == STROPT_FOR_SET && !strcasecmp(opt, "nx") && !(*flags & STROPT_XX)) {
            *flags |= STROPT_NX;
        } else if (grammar == STROPT_FOR_SET && !strcasecmp(opt, "xx") && !(*flags & STROPT_NX)) {
            *flags |= STROPT_XX;
        } else if (grammar == STROPT_FOR_SET && !strcasecmp(opt, "get")) {
            *flags |= STROPT_GET;
        } else if (grammar == STROPT_FOR_SET && !strcasecmp(opt, "keepttl") &&
                   !(*flags & STROPT_ANY_EXPIRE)) {
            *flags |= STROPT_KEEPTTL;
        } else if (grammar == STROPT_FOR_GETEX && !strcasecmp(opt, "persist") &&
                   !(*flags & STROPT_ANY_EXPIRE)) {
            *flags |= STROPT_PERSIST;
        } else if (expflag && has_next &&
                   !(*flags & (STROPT_KEEPTTL|STROPT_PERSIST)) &&
                   !(*flags & (STROPT_ANY_EXPIRE & ~expflag))) {
            *flags |= expflag;
            *expire = c->argv[++j];
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return C_ERR;
        }
    }
    return C_OK;
}

/* Turn an expire argument into an absolute unix time in milliseconds.
 * Zero, negative and overflowing times are all "invalid expire time". */
static int expireArgToAbsMs(client *c, robj *arg, int flags, long long *when) {
    long long v;

    if (getLongLongFromObjectOrReply(c, arg, &v, NULL) != C_OK) return C_ERR;
    if (v <= 0) goto invalid;
    if (flags & (STROPT_EX|STROPT_EXAT)) {
        if (v > LLONG_MAX / 1000) goto invalid;
        v *= 1000;
    }
    if (flags & (STROPT_EX|STROPT_PX)) {
        long long now = mstime();
        if (v > LLONG_MAX - now) goto invalid;
        v += now;
    }
    *when = v;
    return C_OK;

invalid:
    addReplyErrorExpireTime(c);
    return C_ERR;
}

/* ---------------------------------------------------------------------------
 * GET / SET family
 * ------------------------------------------------------------------------ */

/* Reply with the string at argv[1] (or null). C_ERR on a non-string key,
 * after having replied with the type error. */
static int replyWithStringValue(client *c) {
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.null[c->resp]);
    if (o == NULL) return C_OK;
    if (checkType(c, o, OBJ_STRING)) return C_ERR;
    addReplyBulk(c, o);
    return C_OK;
}

/* How SET-like commands answer: OK/null for SET, 1/0 for SETNX. */
#define SET_REPLY_STATUS 0
#define SET_REPLY_INTEGER 1

/* The common body of SET, SETNX, SETEX and PSETEX. val must already be
 * encoded (tryObjectEncoding) and stored back into argv by the caller. */
static void setGeneric(client *c, int flags, robj *key, robj *val, robj *expire, int replystyle) {
    long long when = 0;

    if (expire && expireArgToAbsMs(c, expire, flags, &when) != C_OK) return;
    if ((flags & STROPT_GET) && replyWithStringValue(c) != C_OK) return;

    int found = lookupKeyWrite(c->db, key) != NULL;
    if (((flags & STROPT_NX) && found) || ((flags & STROPT_XX) && !found)) {
        if (flags & STROPT_GET) return; /* the old value was the reply */
        if (replystyle == SET_REPLY_INTEGER) addReply(c, shared.czero);
        else addReplyNull(c);
        return;
    }

    int setflags = found ? SETKEY_ALREADY_EXIST : SETKEY_DOESNT_EXIST;
    if (flags & STROPT_KEEPTTL) setflags |= SETKEY_KEEPTTL;
    setKey(c, c->db, key, val, setflags);
    server.dirty++;
    notifyKeyspaceEvent(NOTIFY_STRING, "set", key, c->db->id);
    if (expire) {
        setExpire(c, c->db, key, when);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "expire", key, c->db->id);
        /* The AOF and replicas get an absolute time: SET key val PXAT ms. */
        robj *ms = createStringObjectFromLongLong(when);
        rewriteClientCommandVector(c, 5, shared.set, key, val, shared.pxat, ms);
        decrRefCount(ms);
    } else if ((flags & STROPT_GET) && c->argc > 3) {
        /* Propagated without GET: the old value is of no use there. */
        robj **argv = zmalloc(sizeof(robj *) * c->argc);
        int argc = 0;
        for (int j = 0; j < c->argc; j++) {
            if (j >= 3 && !strcasecmp(c->argv[j]->ptr, "get")) continue;
            argv[argc++] = c->argv[j];
            incrRefCount(c->argv[j]);
        }
        replaceClientCommandVector(c, argc, argv);
    }

    if (flags & STROPT_GET) return;
    if (replystyle == SET_REPLY_INTEGER) addReply(c, shared.cone);
    else addReply(c, shared.ok);
}

/* SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ts|KEEPTTL] */
void setCommand(client *c) {
    int flags;
    robj *expire;

    if (parseStringOptions(c, 3, STROPT_FOR_SET, &flags, &expire) != C_OK) return;
    c->argv[2] = tryObjectEncoding(c->argv[2]);
    setGeneric(c, flags, c->argv[1], c->argv[2], expire, SET_REPLY_STATUS);
}

void setnxCommand(client *c) {
    c->argv[2] = tryObjectEncoding(c->argv[2]);
    setGeneric(c, STROPT_NX, c->argv[1], c->argv[2], NULL, SET_REPLY_INTEGER);
}

void setexCommand(client *c) {
    c->argv[3] = tryObjectEncoding(c->argv[3]);
    setGeneric(c, STROPT_EX, c->argv[1], c->argv[3], c->argv[2], SET_REPLY_STATUS);
}

void psetexCommand(client *c) {
    c->argv[3] = tryObjectEncoding(c->argv[3]);
    setGeneric(c, STROPT_PX, c->argv[1], c->argv[3], c->argv[2], SET_REPLY_STATUS);
}

void getCommand(client *c) {
    replyWithStringValue(c);
}

/* Delete a key on behalf of a user command, honouring lazyfree-lazy-user-del. */
static int deleteKeyForUser(client *c, robj *key, int lazy) {
    return lazy ? dbAsyncDelete(c->db, key) : dbSyncDelete(c->db, key);
}

/* GETEX key [EX s|PX ms|EXAT ts|PXAT ts|PERSIST]: GET that also changes the
 * TTL. Unlike SET, a missing or mistyped key is reported before the expire
 * value is validated. */
void getexCommand(client *c) {
    int flags;
    robj *expire, *key = c->argv[1];
    long long when = 0;

    if (parseStringOptions(c, 2, STROPT_FOR_GETEX, &flags, &expire) != C_OK) return;

    robj *o = lookupKeyReadOrReply(c, key, shared.null[c->resp]);
    if (o == NULL || checkType(c, o, OBJ_STRING)) return;
    if (expire && expireArgToAbsMs(c, expire, flags, &when) != C_OK) return;

    /* Reply first: the value may be freed below. */
    addReplyBulk(c, o);

    if (expire && when <= mstime() && !server.loading && !server.masterhost) {
        /* An absolute time already in the past: the key is gone now. */
        deleteKeyForUser(c, key, server.lazyfree_lazy_expire);
        signalModifiedKey(c, c->db, key);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key, c->db->id);
        server.dirty++;
        /* Propagated as the deletion it amounts to. */
        rewriteClientCommandVector(c, 2, server.lazyfree_lazy_expire ? shared.unlink : shared.del, key);
    } else if (expire) {
        setExpire(c, c->db, key, when);
        signalModifiedKey(c, c->db, key);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "expire", key, c->db->id);
        server.dirty++;
        robj *ms = createStringObjectFromLongLong(when);
        rewriteClientCommandVector(c, 3, shared.pexpireat, key, ms);
        decrRefCount(ms);
    } else if ((flags & STROPT_PERSIST) && removeExpire(c->db, key)) {
        signalModifiedKey(c, c->db, key);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "persist", key, c->db->id);
        server.dirty++;
        rewriteClientCommandVector(c, 2, shared.persist, key);
    }
}

void getdelCommand(client *c) {
    robj *key = c->argv[1];

    if (replyWithStringValue(c) != C_OK) return;
    if (deleteKeyForUser(c, key, server.lazyfree_lazy_user_del)) {
        signalModifiedKey(c, c->db, key);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key, c->db->id);
        server.dirty++;
        rewriteClientCommandVector(c, 2, server.lazyfree_lazy_user_del ? shared.unlink : shared.del, key);
    }
}

void getsetCommand(client *c) {
    if (replyWithStringValue(c) != C_OK) return;
    c->argv[2] = tryObjectEncoding(c->argv[2]);
    setKey(c, c->db, c->argv[1], c->argv[2], 0);
    notifyKeyspaceEvent(NOTIFY_STRING, "set", c->argv[1], c->db->id);
    server.dirty++;
    /* replicas and the AOF get it as the SET it amounts to, as stock */
    rewriteClientCommandArgument(c, 0, shared.set);
}

void mgetCommand(client *c) {
    addReplyArrayLen(c, c->argc - 1);
    for (int j = 1; j < c->argc; j++) {
        robj *o = lookupKeyRead(c->db, c->argv[j]);
        if (o == NULL || o->type != OBJ_STRING) addReplyNull(c);
        else addReplyBulk(c, o);
    }
}

/* MSET and MSETNX: key/value pairs, all set or (MSETNX) none. */
static void msetGeneric(client *c, int nx) {
    if (c->argc % 2 == 0) {
        addReplyErrorArity(c);
        return;
    }
    if (nx) {
        for (int j = 1; j < c->argc; j += 2) {
            if (lookupKeyWrite(c->db, c->argv[j]) != NULL) {
                addReply(c, shared.czero);
                return;
            }
        }
    }
    for (int j = 1; j < c->argc; j += 2) {
        c->argv[j+1] = tryObjectEncoding(c->argv[j+1]);
        setKey(c, c->db, c->argv[j], c->argv[j+1], 0);
        notifyKeyspaceEvent(NOTIFY_STRING, "set", c->argv[j], c->db->id);
    }
    server.dirty += (c->argc - 1) / 2;
    addReply(c, nx ? shared.cone : shared.ok);
}

void msetCommand(client *c) { msetGeneric(c, 0); }
void msetnxCommand(client *c) { msetGeneric(c, 1); }

/* ---------------------------------------------------------------------------
 * Counters
 * ------------------------------------------------------------------------ */

/* Add incr to the integer at argv[1] (a missing key counts as 0). */
static void incrDecrGeneric(client *c, long long incr) {
    robj *o = lookupKeyWrite(c->db, c->argv[1]);
    long long value;

    if (checkType(c, o, OBJ_STRING)) return;
    if (getLongLongFromObjectOrReply(c, o, &value, NULL) != C_OK) return;
    if ((incr > 0 && value > LLONG_MAX - incr) || (incr < 0 && value < LLONG_MIN - incr)) {
        addReplyError(c, "increment or decrement would overflow");
        return;
    }
    value += incr;

    /* Reuse a private int-encoded value in place; shared small integers and
     * other encodings get a fresh object. */
    if (o && o->refcount == 1 && o->encoding == OBJ_ENCODING_INT &&
        (value < 0 || value >= OBJ_SHARED_INTEGERS) &&
        value >= LONG_MIN && value <= LONG_MAX) {
        o->ptr = (void *)((long)value);
    } else {
        robj *n = createStringObjectFromLongLongForValue(value);
        if (o) dbOverwrite(c->db, c->argv[1], n);
        else dbAdd(c->db, c->argv[1], n);
    }
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_STRING, "incrby", c->argv[1], c->db->id);
    server.dirty++;
    addReplyLongLong(c, value);
}

void incrCommand(client *c) { incrDecrGeneric(c, 1); }
void decrCommand(client *c) { incrDecrGeneric(c, -1); }

void incrbyCommand(client *c) {
    long long incr;
    if (getLongLongFromObjectOrReply(c, c->argv[2], &incr, NULL) != C_OK) return;
    incrDecrGeneric(c, incr);
}

void decrbyCommand(client *c) {
    long long decr;
    if (getLongLongFromObjectOrReply(c, c->argv[2], &decr, NULL) != C_OK) return;
    /* -LLONG_MIN does not exist. */
    if (decr == LLONG_MIN) {
        addReplyError(c, "decrement would overflow");
        return;
    }
    incrDecrGeneric(c, -decr);
}

/* INCRBYFLOAT works in long double and stores the human friendly decimal
 * form (never exponent notation), keeping any TTL. */
void incrbyfloatCommand(client *c) {
    robj *o = lookupKeyWrite(c->db, c->argv[1]);
    long double value, incr;

    if (checkType(c, o, OBJ_STRING)) return;
    if (getLongDoubleFromObjectOrReply(c, o, &value, NULL) != C_OK) return;
    if (getLongDoubleFromObjectOrReply(c, c->argv[2], &incr, NULL) != C_OK) return;
    value += incr;
    if (isnan(value) || isinf(value)) {
        addReplyError(c, "increment would produce NaN or Infinity");
        return;
    }
    robj *n = createStringObjectFromLongDouble(value, 1);
    if (o) dbOverwrite(c->db, c->argv[1], n);
    else dbAdd(c->db, c->argv[1], n);
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_STRING, "incrbyfloat", c->argv[1], c->db->id);
    server.dirty++;
    addReplyBulk(c, n);
    /* Replaying a float increment could round differently: propagate the
     * result instead. */
    rewriteClientCommandVector(c, 4, shared.set, c->argv[1], n, shared.keepttl);
}

/* ---------------------------------------------------------------------------
 * APPEND, STRLEN, GETRANGE, SETRANGE
 * ------------------------------------------------------------------------ */

void appendCommand(client *c) {
    robj *key = c->argv[1];
    robj *o = lookupKeyWrite(c->db, key);
    size_t totlen;

    if (o == NULL) {
        c->argv[2] = tryObjectEncoding(c->argv[2]);
        dbAdd(c->db, key, c->argv[2]);
        incrRefCount(c->argv[2]);
        totlen = stringObjectLen(c->argv[2]);
    } else {
        char buf[LONG_STR_SIZE];
        size_t addlen;
        const char *add;

        if (checkType(c, o, OBJ_STRING)) return;
        add = stringObjectBuffer(c->argv[2], buf, &addlen);
        if (checkStringLength(c, stringObjectLen(o), addlen) != C_OK) return;
        o = dbUnshareStringValue(c->db, key, o);
        o->ptr = sdscatlen(o->ptr, add, addlen);
        totlen = sdslen(o->ptr);
    }
    signalModifiedKey(c, c->db, key);
    notifyKeyspaceEvent(NOTIFY_STRING, "append", key, c->db->id);
    server.dirty++;
    addReplyLongLong(c, totlen);
}

void strlenCommand(client *c) {
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_STRING)) return;
    addReplyLongLong(c, stringObjectLen(o));
}

/* GETRANGE key start end (also SUBSTR): inclusive, negative counts from the
 * end, clamped to the string. */
void getrangeCommand(client *c) {
    long long start, end;
    char buf[LONG_STR_SIZE];
    size_t len;

    if (getLongLongFromObjectOrReply(c, c->argv[2], &start, NULL) != C_OK) return;
    if (getLongLongFromObjectOrReply(c, c->argv[3], &end, NULL) != C_OK) return;
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.emptybulk);
    if (o == NULL || checkType(c, o, OBJ_STRING)) return;

    const char *s = stringObjectBuffer(o, buf, &len);
    long long slen = (long long)len;
    /* Both ends negative and reversed: empty even before clamping. */
    if (start < 0 && end < 0 && start > end) {
        addReply(c, shared.emptybulk);
        return;
    }
    if (start < 0) start += slen;
    if (end < 0) end += slen;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= slen) end = slen - 1;
    if (slen == 0 || start > end) {
        addReply(c, shared.emptybulk);
        return;
    }
    addReplyBulkCBuffer(c, s + start, end - start + 1);
}

/* SETRANGE key offset value: overwrite from offset, zero-padding as
 * needed. An empty value never creates nor grows anything. */
void setrangeCommand(client *c) {
    robj *key = c->argv[1];
    long offset;
    char vbuf[LONG_STR_SIZE];
    size_t vlen;

    if (getLongFromObjectOrReply(c, c->argv[2], &offset, NULL) != C_OK) return;
    if (offset < 0) {
        addReplyError(c, "offset is out of range");
        return;
    }
    const char *value = stringObjectBuffer(c->argv[3], vbuf, &vlen);

    robj *o = lookupKeyWrite(c->db, key);
    if (o == NULL) {
        if (vlen == 0) {
            addReply(c, shared.czero);
            return;
        }
        if (checkStringLength(c, offset, vlen) != C_OK) return;
        o = createObject(OBJ_STRING, sdsnewlen(NULL, offset + vlen));
        dbAdd(c->db, key, o);
    } else {
        if (checkType(c, o, OBJ_STRING)) return;
        size_t olen = stringObjectLen(o);
        if (vlen == 0) {
            addReplyLongLong(c, olen);
            return;
        }
        if (checkStringLength(c, offset, vlen) != C_OK) return;
        o = dbUnshareStringValue(c->db, key, o);
    }

    o->ptr = sdsgrowzero(o->ptr, offset + vlen);
    memcpy((char *)o->ptr + offset, value, vlen);
    signalModifiedKey(c, c->db, key);
    notifyKeyspaceEvent(NOTIFY_STRING, "setrange", key, c->db->id);
    server.dirty++;
    addReplyLongLong(c, sdslen(o->ptr));
}

/* ---------------------------------------------------------------------------
 * LCS
 * ------------------------------------------------------------------------ */

typedef struct lcsOptions {
    int len;            /* LEN: only the length */
    int idx;            /* IDX: the matching ranges */
    int withmatchlen;   /* WITHMATCHLEN: each range also gives its length */
    long long minmatchlen;
} lcsOptions;

static int parseLcsOptions(client *c, lcsOptions *opt) {
    memset(opt, 0, sizeof(*opt));
    for (int j = 3; j < c->argc; j++) {
        const char *arg = c->argv[j]->ptr;
        if (!strcasecmp(arg, "idx")) {
            opt->idx = 1;
        } else if (!strcasecmp(arg, "len")) {
            opt->len = 1;
        } else if (!strcasecmp(arg, "withmatchlen")) {
            opt->withmatchlen = 1;
        } else if (!strcasecmp(arg, "minmatchlen") && j + 1 < c->argc) {
            if (getLongLongFromObjectOrReply(c, c->argv[j+1], &opt->minmatchlen, NULL) != C_OK)
                return C_ERR;
            if (opt->minmatchlen < 0) opt->minmatchlen = 0;
            j++;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return C_ERR;
        }
    }
    if (opt->len && opt->idx) {
        addReplyError(c, "If you want both the length and indexes, please just use IDX.");
        return C_ERR;
    }
    return C_OK;
}

/* One matching range, in both strings, inclusive. */
typedef struct lcsRange {
    long long astart, aend, bstart, bend;
} lcsRange;

static void replyLcsRange(client *c, const lcsRange *r, int withlen) {
    addReplyArrayLen(c, withlen ? 3 : 2);
    addReplyArrayLen(c, 2);
    addReplyLongLong(c, r->astart);
    addReplyLongLong(c, r->aend);
    addReplyArrayLen(c, 2);
    addReplyLongLong(c, r->bstart);
    addReplyLongLong(c, r->bend);
    if (withlen) addReplyLongLong(c, r->aend - r->astart + 1);
}

/* Classic dynamic programming: cell (i,j) holds the LCS length of the
 * first i bytes of a and the first j bytes of b. Walking back from the
 * bottom right corner yields the LCS (last byte first) and the ranges of
 * contiguous matches. */
static void lcsCompute(client *c, const char *a, size_t alen, const char *b, size_t blen,
                       const lcsOptions *opt) {
    size_t cols = blen + 1;
    uint32_t *t = zmalloc(sizeof(uint32_t) * (alen + 1) * cols);
#define LCS_CELL(i, j) t[(size_t)(i) * cols + (j)]

    for (size_t i = 0; i <= alen; i++) {
        for (size_t j = 0; j <= blen; j++) {
            if (i == 0 || j == 0) LCS_CELL(i, j) = 0;
            else if (a[i-1] == b[j-1]) LCS_CELL(i, j) = LCS_CELL(i-1, j-1) + 1;
            else {
                uint32_t up = LCS_CELL(i-1, j), left = LCS_CELL(i, j-1);
                LCS_CELL(i, j) = up > left ? up : left;
            }
        }
    }
    uint32_t total = LCS_CELL(alen, blen);

    if (opt->len) {
        addReplyLongLong(c, total);
        zfree(t);
        return;
    }

    sds out = opt->idx ? NULL : sdsnewlen(NULL, total);
    void *matches_len = NULL;
    long nmatches = 0;
    if (opt->idx) {
        addReplyMapLen(c, 2);
        addReplyBulkCString(c, "matches");
        matches_len = addReplyDeferredLen(c);
    }

    lcsRange cur = {0, 0, 0, 0};
    int inrange = 0;
    size_t i = alen, j = blen, k = total;
    while (i > 0 && j > 0) {
        if (a[i-1] == b[j-1]) {
            if (out) out[--k] = a[i-1];
            long long ai = i - 1, bi = j - 1;
            if (inrange && ai == cur.astart - 1 && bi == cur.bstart - 1) {
                cur.astart--;
                cur.bstart--;
            } else {
                if (inrange && cur.aend - cur.astart + 1 >= opt->minmatchlen && opt->idx) {
                    replyLcsRange(c, &cur, opt->withmatchlen);
                    nmatches++;
                }
                cur.astart = cur.aend = ai;
                cur.bstart = cur.bend = bi;
                inrange = 1;
            }
            i--;
            j--;
        } else if (LCS_CELL(i-1, j) > LCS_CELL(i, j-1)) {
            i--;
        } else {
            j--;
        }
    }
    if (inrange && cur.aend - cur.astart + 1 >= opt->minmatchlen && opt->idx) {
        replyLcsRange(c, &cur, opt->withmatchlen);
        nmatches++;
    }
#undef LCS_CELL
    zfree(t);

    if (opt->idx) {
        setDeferredArrayLen(c, matches_len, nmatches);
        addReplyBulkCString(c, "len");
        addReplyLongLong(c, total);
    } else {
        addReplyBulkSds(c, out);
    }
}

/* LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] */
void lcsCommand(client *c) {
    robj *oa = lookupKeyRead(c->db, c->argv[1]);
    robj *ob = lookupKeyRead(c->db, c->argv[2]);
    lcsOptions opt;

    if ((oa && oa->type != OBJ_STRING) || (ob && ob->type != OBJ_STRING)) {
        addReplyError(c, "The specified keys must contain string values");
        return;
    }
    if (parseLcsOptions(c, &opt) != C_OK) return;

    /* Missing keys compare as empty strings. */
    robj *da = oa ? getDecodedObject(oa) : createStringObject("", 0);
    robj *db = ob ? getDecodedObject(ob) : createStringObject("", 0);
    size_t alen = sdslen(da->ptr), blen = sdslen(db->ptr);

    /* The table is (alen+1)*(blen+1) 32 bit cells: refuse what would be
     * bigger than a single bulk string may be. */
    unsigned long long cells = (unsigned long long)(alen + 1) * (blen + 1);
    if (cells > (unsigned long long)server.proto_max_bulk_len / sizeof(uint32_t) ||
        cells > SIZE_MAX / sizeof(uint32_t)) {
        addReplyError(c, "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    } else {
        lcsCompute(c, da->ptr, alen, db->ptr, blen, &opt);
    }
    decrRefCount(da);
    decrRefCount(db);
}
