/* bitops.c - bitmaps: string values seen as arrays of bits.
 *
 * SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP and BITFIELD(_RO). Bit 0 is the
 * most significant bit of the first byte; bits past the end of a string
 * read as zero, and writes grow the string with zero bytes. The values are
 * ordinary string keys (see t_string.c): writers make them private raw sds
 * with dbUnshareStringValue() before touching the bytes.
 */
#include "server.h"

static const char *BIT_OFFSET_ERR = "bit offset is not an integer or out of range";

/* ---------------------------------------------------------------------------
 * Shared helpers
 * ------------------------------------------------------------------------ */

/* Parse a bit offset. With allow_hash, "#N" means N*bits (BITFIELD).
 * Offsets must address a byte below proto-max-bulk-len (a replication
 * master is trusted with bigger ones). */
static int parseBitOffset(client *c, robj *arg, int allow_hash, int bits, uint64_t *offset) {
    const char *s = arg->ptr;
    size_t len = sdslen(arg->ptr);
    int hash = allow_hash && len > 0 && s[0] == '#';
    long long v;

    if (!string2ll(s + hash, len - hash, &v)) goto err;
    if (hash) {
        if (v < 0 || (v > 0 && v > LLONG_MAX / bits)) goto err;
        v *= bits;
    }
    if (v < 0 || (!(c->flags & CLIENT_MASTER) && (v >> 3) >= server.proto_max_bulk_len))
        goto err;
    *offset = (uint64_t)v;
    return C_OK;

err:
    addReplyError(c, BIT_OFFSET_ERR);
    return C_ERR;
}

/* The string at argv[1] made writable and at least long enough to hold bit
 * maxbit, created if missing. NULL (error replied) on a non-string key.
 * *grown tells whether the key was created or extended. */
static robj *writableBitString(client *c, uint64_t maxbit, int *grown) {
    robj *key = c->argv[1];
    size_t need = (size_t)(maxbit >> 3) + 1;
    robj *o = lookupKeyWrite(c->db, key);

    *grown = 0;
    if (o == NULL) {
        o = createObject(OBJ_STRING, sdsnewlen(NULL, need));
        dbAdd(c->db, key, o);
        *grown = 1;
        return o;
    }
    if (checkType(c, o, OBJ_STRING)) return NULL;
    o = dbUnshareStringValue(c->db, key, o);
    if (sdslen(o->ptr) < need) {
        o->ptr = sdsgrowzero(o->ptr, need);
        *grown = 1;
    }
    return o;
}

static int bitAt(const unsigned char *p, size_t len, uint64_t bit) {
    uint64_t byte = bit >> 3;
    if (byte >= len) return 0;
    return (p[byte] >> (7 - (bit & 7))) & 1;
}

static void setBitAt(unsigned char *p, uint64_t bit, int value) {
    unsigned char mask = 1 << (7 - (bit & 7));
    if (value) p[bit >> 3] |= mask;
    else p[bit >> 3] &= ~mask;
}

/* Resolve a user range (negative = from the end) over total units into an
 * inclusive [*start, *end]. Returns 0 when the range is empty. */
static int clampRange(long long *start, long long *end, long long total) {
    if (*start < 0) *start += total;
    if (*end < 0) *end += total;
    if (*start < 0) *start = 0;
    if (*end < 0) *end = 0;
    if (*end >= total) *end = total - 1;
    return total > 0 && *start <= *end;
}

/* Parse the optional BYTE|BIT unit argument. */
static int parseBitUnit(client *c, robj *arg, int *isbit) {
    if (!strcasecmp(arg->ptr, "byte")) *isbit = 0;
    else if (!strcasecmp(arg->ptr, "bit")) *isbit = 1;
    else {
        addReplyErrorObject(c, shared.syntaxerr);
        return C_ERR;
    }
    return C_OK;
}

/* ---------------------------------------------------------------------------
 * SETBIT / GETBIT
 * ------------------------------------------------------------------------ */

void setbitCommand(client *c) {
    uint64_t offset;
    long value;
    int grown;

    if (parseBitOffset(c, c->argv[2], 0, 0, &offset) != C_OK) return;
    if (getLongFromObjectOrReply(c, c->argv[3], &value, "bit is not an integer or out of range") != C_OK)
        return;
    if (value != 0 && value != 1) {
        addReplyError(c, "bit is not an integer or out of range");
        return;
    }
    robj *o = writableBitString(c, offset, &grown);
    if (o == NULL) return;

    unsigned char *p = o->ptr;
    int old = bitAt(p, sdslen(o->ptr), offset);
    setBitAt(p, offset, value);
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_STRING, "setbit", c->argv[1], c->db->id);
    server.dirty++;
    addReply(c, old ? shared.cone : shared.czero);
}

void getbitCommand(client *c) {
    uint64_t offset;
    char buf[LONG_STR_SIZE];
    size_t len;

    if (parseBitOffset(c, c->argv[2], 0, 0, &offset) != C_OK) return;
    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_STRING)) return;
    const unsigned char *p = (const unsigned char *)stringObjectBuffer(o, buf, &len);
    addReply(c, bitAt(p, len, offset) ? shared.cone : shared.czero);
}

/* ---------------------------------------------------------------------------
 * BITCOUNT / BITPOS
 * ------------------------------------------------------------------------ */

static long long popcountBytes(const unsigned char *p, size_t n) {
    long long count = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        count += __builtin_popcountll(w);
    }
    for (; i < n; i++) count += __builtin_popcount(p[i]);
    return count;
}

/* Set bits in the inclusive bit range [first, last]. */
static long long popcountBitRange(const unsigned char *p, uint64_t first, uint64_t last) {
    uint64_t fbyte = first >> 3, lbyte = last >> 3;
    unsigned char head = 0xff >> (first & 7);         /* bits from first on */
    unsigned char tail = 0xff << (7 - (last & 7));    /* bits up to last */

    if (fbyte == lbyte) return __builtin_popcount(p[fbyte] & head & tail);
    return __builtin_popcount(p[fbyte] & head) +
           __builtin_popcount(p[lbyte] & tail) +
           popcountBytes(p + fbyte + 1, lbyte - fbyte - 1);
}

/* BITCOUNT key [start end [BYTE|BIT]] */
void bitcountCommand(client *c) {
    char buf[LONG_STR_SIZE];
    size_t len;
    long long start, end;
    int isbit = 0;

    robj *o = lookupKeyReadOrReply(c, c->argv[1], shared.czero);
    if (o == NULL || checkType(c, o, OBJ_STRING)) return;
    const unsigned char *p = (const unsigned char *)stringObjectBuffer(o, buf, &len);

    if (c->argc == 4 || c->argc == 5) {
        if (getLongLongFromObjectOrReply(c, c->argv[2], &start, NULL) != C_OK) return;
        if (getLongLongFromObjectOrReply(c, c->argv[3], &end, NULL) != C_OK) return;
        if (c->argc == 5 && parseBitUnit(c, c->argv[4], &isbit) != C_OK) return;
        /* Both ends negative and reversed is empty before any clamping. */
        if (start < 0 && end < 0 && start > end) {
            addReply(c, shared.czero);
            return;
        }
    } else if (c->argc == 2) {
        start = 0;
        end = -1;
    } else {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }

    long long total = isbit ? (long long)len * 8 : (long long)len;
    if (!clampRange(&start, &end, total)) {
        addReply(c, shared.czero);
        return;
    }
    uint64_t first = isbit ? (uint64_t)start : (uint64_t)start * 8;
    uint64_t last = isbit ? (uint64_t)end : (uint64_t)end * 8 + 7;
    addReplyLongLong(c, popcountBitRange(p, first, last));
}

/* Position of the first bit equal to 'bit' in [first, last], or -1. */
static long long findBit(const unsigned char *p, uint64_t first, uint64_t last, int bit) {
    uint64_t pos = first;
    unsigned char skip = bit ? 0x00 : 0xff; /* bytes that cannot contain it */

    /* Unaligned head, bit by bit. */
    while (pos <= last && (pos & 7)) {
        if (bitAt(p, SIZE_MAX, pos) == bit) return pos;
        pos++;
    }
    /* Whole bytes: skip words then bytes that hold no candidate. */
    uint64_t skipword = bit ? 0 : UINT64_MAX;
    while (pos + 64 <= last + 1) {
        uint64_t w;
        memcpy(&w, p + (pos >> 3), 8);
        if (w != skipword) break;
        pos += 64;
    }
    while (pos + 8 <= last + 1 && p[pos >> 3] == skip) pos += 8;
    /* Tail (or the byte holding the answer), bit by bit. */
    while (pos <= last) {
        if (bitAt(p, SIZE_MAX, pos) == bit) return pos;
        pos++;
    }
    return -1;
}

/* BITPOS key bit [start [end [BYTE|BIT]]] */
void bitposCommand(client *c) {
    char buf[LONG_STR_SIZE];
    size_t len;
    long bit;
    long long start = 0, end = -1;
    int isbit = 0, end_given = 0;
    const char *biterr = "The bit argument must be 1 or 0.";

    if (getLongFromObjectOrReply(c, c->argv[2], &bit, NULL) != C_OK) return;
    if (bit != 0 && bit != 1) {
        addReplyError(c, biterr);
        return;
    }
    robj *o = lookupKeyRead(c->db, c->argv[1]);
    if (o == NULL) {
        /* An empty string: no set bit, but a clear one right at 0. */
        addReplyLongLong(c, bit ? -1 : 0);
        return;
    }
    if (checkType(c, o, OBJ_STRING)) return;
    const unsigned char *p = (const unsigned char *)stringObjectBuffer(o, buf, &len);

    if (c->argc > 6) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    if (c->argc >= 4 && getLongLongFromObjectOrReply(c, c->argv[3], &start, NULL) != C_OK) return;
    if (c->argc >= 5) {
        if (getLongLongFromObjectOrReply(c, c->argv[4], &end, NULL) != C_OK) return;
        end_given = 1;
    }
    if (c->argc == 6 && parseBitUnit(c, c->argv[5], &isbit) != C_OK) return;

    long long total = isbit ? (long long)len * 8 : (long long)len;
    if (!clampRange(&start, &end, total)) {
        addReplyLongLong(c, -1);
        return;
    }
    uint64_t first = isbit ? (uint64_t)start : (uint64_t)start * 8;
    uint64_t last = isbit ? (uint64_t)end : (uint64_t)end * 8 + 7;
    long long pos = findBit(p, first, last, bit);

    /* Looking for a clear bit with an open-ended range: the string is
     * considered padded with zeros, so the answer is just past the end. */
    if (pos == -1 && bit == 0 && !end_given) pos = (long long)last + 1;
    addReplyLongLong(c, pos);
}

/* ---------------------------------------------------------------------------
 * BITOP
 * ------------------------------------------------------------------------ */

#define BITOP_AND 0
#define BITOP_OR 1
#define BITOP_XOR 2
#define BITOP_NOT 3

/* Combine one source into the accumulated result. Bytes past the end of
 * the source are zeros. */
static void bitopApply(unsigned char *res, size_t reslen, const unsigned char *src,
                       size_t srclen, int op) {
    size_t n = srclen < reslen ? srclen : reslen;
    switch (op) {
    case BITOP_AND:
        for (size_t i = 0; i < n; i++) res[i] &= src[i];
        if (n < reslen) memset(res + n, 0, reslen - n);
        break;
    case BITOP_OR:
        for (size_t i = 0; i < n; i++) res[i] |= src[i];
        break;
    case BITOP_XOR:
        for (size_t i = 0; i < n; i++) res[i] ^= src[i];
        break;
    }
}

/* BITOP AND|OR|XOR|NOT destkey key [key ...] */
void bitopCommand(client *c) {
    const char *opname = c->argv[1]->ptr;
    robj *dest = c->argv[2];
    int op, nsrc = c->argc - 3;

    if (!strcasecmp(opname, "and")) op = BITOP_AND;
    else if (!strcasecmp(opname, "or")) op = BITOP_OR;
    else if (!strcasecmp(opname, "xor")) op = BITOP_XOR;
    else if (!strcasecmp(opname, "not")) op = BITOP_NOT;
    else {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    if (op == BITOP_NOT && nsrc != 1) {
        addReplyError(c, "BITOP NOT must be called with a single source key.");
        return;
    }

    /* Look every source up first: a wrong type aborts before any work. */
    robj **src = zcalloc(sizeof(robj *) * nsrc);
    size_t maxlen = 0;
    for (int j = 0; j < nsrc; j++) {
        robj *o = lookupKeyRead(c->db, c->argv[j+3]);
        if (o && o->type != OBJ_STRING) {
            for (int k = 0; k < j; k++) if (src[k]) decrRefCount(src[k]);
            zfree(src);
            addReplyErrorObject(c, shared.wrongtypeerr);
            return;
        }
        if (o) {
            src[j] = getDecodedObject(o);
            if (sdslen(src[j]->ptr) > maxlen) maxlen = sdslen(src[j]->ptr);
        }
    }

    sds res = sdsnewlen(NULL, maxlen);
    unsigned char *r = (unsigned char *)res;
    if (maxlen) {
        const unsigned char *s0 = src[0] ? src[0]->ptr : NULL;
        size_t l0 = src[0] ? sdslen(src[0]->ptr) : 0;
        if (l0) memcpy(r, s0, l0);
        if (op == BITOP_NOT) {
            for (size_t i = 0; i < maxlen; i++) r[i] = ~r[i];
        } else {
            for (int j = 1; j < nsrc; j++) {
                const unsigned char *s = src[j] ? src[j]->ptr : NULL;
                bitopApply(r, maxlen, s, src[j] ? sdslen(src[j]->ptr) : 0, op);
            }
        }
    }
    for (int j = 0; j < nsrc; j++) if (src[j]) decrRefCount(src[j]);
    zfree(src);

    if (maxlen) {
        robj *o = createObject(OBJ_STRING, res);
        setKey(c, c->db, dest, o, 0);
        decrRefCount(o);
        notifyKeyspaceEvent(NOTIFY_STRING, "set", dest, c->db->id);
    } else {
        /* An empty result means no key at all. */
        sdsfree(res);
        if (dbDelete(c->db, dest)) {
            signalModifiedKey(c, c->db, dest);
            notifyKeyspaceEvent(NOTIFY_GENERIC, "del", dest, c->db->id);
        }
    }
    server.dirty++;
    addReplyLongLong(c, maxlen);
}

/* ---------------------------------------------------------------------------
 * BITFIELD
 * ------------------------------------------------------------------------ */

#define BFOP_GET 0
#define BFOP_SET 1
#define BFOP_INCRBY 2

#define BFOVF_WRAP 0
#define BFOVF_SAT 1
#define BFOVF_FAIL 2

typedef struct bitfieldOp {
    int opcode;        /* BFOP_* */
    int overflow;      /* BFOVF_* in effect for this op */
    int sign;          /* i (1) or u (0) */
    int bits;          /* 1..64 signed, 1..63 unsigned */
    uint64_t offset;   /* first bit */
    long long arg;     /* SET value or INCRBY increment */
} bitfieldOp;

/* "i8", "u16"...: signed up to 64 bits, unsigned up to 63 (replies are
 * signed 64 bit integers). */
static int parseBitfieldType(client *c, robj *arg, int *sign, int *bits) {
    const char *s = arg->ptr;
    size_t len = sdslen(arg->ptr);
    long long n;

    if (len >= 2 && (s[0] == 'i' || s[0] == 'u') && string2ll(s + 1, len - 1, &n)) {
        *sign = s[0] == 'i';
        if (n >= 1 && ((*sign && n <= 64) || (!*sign && n <= 63))) {
            *bits = (int)n;
            return C_OK;
        }
    }
    addReplyError(c, "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");
    return C_ERR;
}

static int parseBitfieldOverflow(client *c, robj *arg, int *overflow) {
    if (!strcasecmp(arg->ptr, "wrap")) *overflow = BFOVF_WRAP;
    else if (!strcasecmp(arg->ptr, "sat")) *overflow = BFOVF_SAT;
    else if (!strcasecmp(arg->ptr, "fail")) *overflow = BFOVF_FAIL;
    else {
        addReplyError(c, "Invalid OVERFLOW type specified");
        return C_ERR;
    }
    return C_OK;
}

/* Parse every operation before running any: a bad one fails the whole
 * command. Returns the ops (count in *nops), NULL after an error reply. */
static bitfieldOp *parseBitfieldOps(client *c, int *nops) {
    bitfieldOp *ops = NULL;
    int n = 0, overflow = BFOVF_WRAP;

    for (int j = 2; j < c->argc; j++) {
        const char *sub = c->argv[j]->ptr;
        int remaining = c->argc - j - 1;
        bitfieldOp op;

        if (!strcasecmp(sub, "overflow") && remaining >= 1) {
            if (parseBitfieldOverflow(c, c->argv[j+1], &overflow) != C_OK) goto err;
            j++;
            continue;
        }
        if (!strcasecmp(sub, "get") && remaining >= 2) op.opcode = BFOP_GET;
        else if (!strcasecmp(sub, "set") && remaining >= 3) op.opcode = BFOP_SET;
        else if (!strcasecmp(sub, "incrby") && remaining >= 3) op.opcode = BFOP_INCRBY;
        else {
            addReplyErrorObject(c, shared.syntaxerr);
            goto err;
        }
        op.overflow = overflow;
        op.arg = 0;
        if (parseBitfieldType(c, c->argv[j+1], &op.sign, &op.bits) != C_OK) goto err;
        if (parseBitOffset(c, c->argv[j+2], 1, op.bits, &op.offset) != C_OK) goto err;
        if (op.opcode != BFOP_GET &&
            getLongLongFromObjectOrReply(c, c->argv[j+3], &op.arg, NULL) != C_OK) goto err;
        j += op.opcode == BFOP_GET ? 2 : 3;

        ops = zrealloc(ops, sizeof(bitfieldOp) * (n + 1));
        ops[n++] = op;
    }
    *nops = n;
    /* A command with no operation still needs a non-NULL result. */
    return ops ? ops : zmalloc(sizeof(bitfieldOp));

err:
    zfree(ops);
    return NULL;
}

/* Read 'bits' bits at offset as an unsigned number, MSB first. */
static uint64_t readBits(const unsigned char *p, size_t len, uint64_t offset, int bits) {
    uint64_t v = 0;
    for (int i = 0; i < bits; i++) v = (v << 1) | bitAt(p, len, offset + i);
    return v;
}

static void writeBits(unsigned char *p, uint64_t offset, int bits, uint64_t v) {
    for (int i = 0; i < bits; i++)
        setBitAt(p, offset + i, (v >> (bits - 1 - i)) & 1);
}

/* Interpret the low 'bits' bits of v as a two's complement number. */
static int64_t signExtend(uint64_t v, int bits) {
    if (bits == 64) return (int64_t)v;
    uint64_t signbit = 1ULL << (bits - 1);
    v &= (signbit << 1) - 1;
    return (int64_t)((v ^ signbit) - signbit);
}

/* Fit an exact result into the field according to the overflow policy.
 * Returns 0 (FAIL) when the value must not be written. */
static int fitBitfieldValue(__int128 result, const bitfieldOp *op, int64_t *out) {
    __int128 min, max;
    if (op->sign) {
        max = ((__int128)1 << (op->bits - 1)) - 1;
        min = -((__int128)1 << (op->bits - 1));
    } else {
        max = ((__int128)1 << op->bits) - 1;
        min = 0;
    }
    if (result >= min && result <= max) {
        *out = (int64_t)result;
        return 1;
    }
    switch (op->overflow) {
    case BFOVF_WRAP: {
        uint64_t low = (uint64_t)result; /* two's complement low 64 bits */
        if (op->sign) *out = signExtend(low, op->bits);
        else *out = (int64_t)(low & (((uint64_t)1 << op->bits) - 1));
        return 1;
    }
    case BFOVF_SAT:
        *out = (int64_t)(result > max ? max : min);
        return 1;
    default:
        return 0;
    }
}

/* Compatibility quirk of stock Redis: a signed field narrower than 64 bits
 * SET with OVERFLOW SAT to a value within max-of-field of INT64_MIN (its
 * distance to the field maximum does not fit 64 bits) saturates to the
 * field maximum, not the minimum. Observable, so reproduced. */
static int setSaturatesUpwards(const bitfieldOp *op) {
    if (op->opcode != BFOP_SET || !op->sign || op->bits == 64 || op->overflow != BFOVF_SAT)
        return 0;
    long long fieldmax = (1LL << (op->bits - 1)) - 1;
    return op->arg < fieldmax - LLONG_MAX;
}

/* Run one SET or INCRBY on a writable string; replies for it. Returns 1
 * if the value was written. */
static int runBitfieldWrite(client *c, unsigned char *p, size_t len, const bitfieldOp *op) {
    uint64_t raw = readBits(p, len, op->offset, op->bits);
    int64_t old = op->sign ? signExtend(raw, op->bits) : (int64_t)raw;
    __int128 result;
    int64_t newval;

    if (op->opcode == BFOP_SET) {
        /* For unsigned fields the value is taken as an unsigned 64 bit
         * number, so a negative one overflows upwards (as stock does). */
        result = op->sign ? (__int128)op->arg : (__int128)(uint64_t)op->arg;
    } else {
        result = (__int128)old + op->arg;
    }
    if (setSaturatesUpwards(op)) {
        newval = ((int64_t)1 << (op->bits - 1)) - 1;
    } else if (!fitBitfieldValue(result, op, &newval)) {
        addReplyNull(c);
        return 0;
    }
    writeBits(p, op->offset, op->bits, (uint64_t)newval);
    addReplyLongLong(c, op->opcode == BFOP_SET ? old : newval);
    return 1;
}

static void bitfieldGeneric(client *c, int readonly) {
    int nops, has_write = 0, grown = 0;
    uint64_t maxbit = 0;
    bitfieldOp *ops = parseBitfieldOps(c, &nops);
    if (ops == NULL) return;

    for (int i = 0; i < nops; i++) {
        if (ops[i].opcode == BFOP_GET) continue;
        has_write = 1;
        uint64_t top = ops[i].offset + ops[i].bits - 1;
        if (top > maxbit) maxbit = top;
    }
    if (readonly && has_write) {
        addReplyError(c, "BITFIELD_RO only supports the GET subcommand");
        zfree(ops);
        return;
    }

    robj *o;
    if (has_write) {
        o = writableBitString(c, maxbit, &grown);
        if (o == NULL) { zfree(ops); return; }
    } else {
        o = lookupKeyRead(c->db, c->argv[1]);
        if (checkType(c, o, OBJ_STRING)) { zfree(ops); return; }
    }

    char buf[LONG_STR_SIZE];
    size_t len = 0;
    const unsigned char *p = o ? (const unsigned char *)stringObjectBuffer(o, buf, &len) : NULL;
    long long changes = 0;

    addReplyArrayLen(c, nops);
    for (int i = 0; i < nops; i++) {
        const bitfieldOp *op = &ops[i];
        if (op->opcode == BFOP_GET) {
            uint64_t raw = p ? readBits(p, len, op->offset, op->bits) : 0;
            addReplyLongLong(c, op->sign ? signExtend(raw, op->bits) : (long long)raw);
        } else {
            /* Writes only happen on the private raw sds from above. */
            changes += runBitfieldWrite(c, o->ptr, sdslen(o->ptr), op);
        }
    }
    zfree(ops);

    if (changes || grown) {
        signalModifiedKey(c, c->db, c->argv[1]);
        notifyKeyspaceEvent(NOTIFY_STRING, "setbit", c->argv[1], c->db->id);
        server.dirty += changes;
    }
}

void bitfieldCommand(client *c) { bitfieldGeneric(c, 0); }
void bitfieldroCommand(client *c) { bitfieldGeneric(c, 1); }
