/* hyperloglog.c - PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST.
 *
 * A HyperLogLog is a plain string value in Redis's exact layout, so values
 * move freely between this server and stock ones (GET/SET, DUMP/RESTORE,
 * RDB, replication) and must be byte-identical after the same operations:
 *
 *   "HYLL"          magic
 *   1 byte          encoding: 0 dense, 1 sparse
 *   3 bytes         unused (zero)
 *   8 bytes         cached cardinality, little endian; the top bit of the
 *                   last byte set means "stale, recompute"
 *   registers       16384 registers of 6 bits (p = 14, hashes of 64 bits)
 *
 * Dense: 12288 bytes, register i at bit 6*i, least significant bits first.
 * Sparse: run-length opcodes, used while the HLL is small:
 *   00xxxxxx            ZERO   xxxxxx+1 (1..64) registers at zero
 *   01xxxxxx yyyyyyyy   XZERO  14 bit length+1 (1..16384) zero registers
 *   1vvvvvxx            VAL    xx+1 (1..4) registers at value vvvvv+1 (1..32)
 * A sparse HLL turns dense when a register needs a value above 32 or when
 * it would grow past hll-sparse-max-bytes. How an update splits and merges
 * opcodes decides the bytes, so that follows stock's rules exactly.
 *
 * Registers hold, for each element hashed into them (MurmurHash64A, seed
 * 0xadc83b19), the position of the first set bit of the remaining hash
 * bits. The estimate is Ertl's improved estimator over the histogram of
 * register values ("New cardinality estimation algorithms for HyperLogLog
 * sketches", 2017), computed with the same operations as stock so that the
 * rounded result is the same.
 */
#include "server.h"
#include <math.h>

#define HLL_P 14
#define HLL_Q (64 - HLL_P)
#define HLL_REGISTERS (1 << HLL_P)
#define HLL_P_MASK (HLL_REGISTERS - 1)
#define HLL_BITS 6
#define HLL_REGISTER_MAX ((1 << HLL_BITS) - 1)
#define HLL_HDR_SIZE 16
#define HLL_DENSE_SIZE (HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS + 7) / 8)
#define HLL_DENSE 0
#define HLL_SPARSE 1
#define HLL_MAX_ENCODING 1
#define HLL_ALPHA_INF 0.721347520444481703680 /* 0.5/ln(2) */

#define SPARSE_VAL_MAX_VALUE 32
#define SPARSE_VAL_MAX_LEN 4
#define SPARSE_ZERO_MAX_LEN 64
#define SPARSE_XZERO_MAX_LEN 16384

static const char *invalid_hll_err = "-INVALIDOBJ Corrupted HLL object detected";

/* ===========================================================================
 * Header
 * ======================================================================== */

static int hllEncoding(const unsigned char *hll) { return hll[4]; }
static int cacheIsValid(const unsigned char *hll) { return (hll[15] & 0x80) == 0; }
static void invalidateCache(unsigned char *hll) { hll[15] |= 0x80; }

static uint64_t cachedCardinality(const unsigned char *hll) {
    uint64_t card = 0;
    for (int i = 7; i >= 0; i--) card = (card << 8) | hll[8 + i];
    return card;
}

static void setCachedCardinality(unsigned char *hll, uint64_t card) {
    for (int i = 0; i < 8; i++) hll[8 + i] = (unsigned char)(card >> (8 * i));
}

/* ===========================================================================
 * Hashing
 * ======================================================================== */

/* MurmurHash64A (Austin Appleby's public domain 64 bit hash), reading
 * blocks little endian whatever the host. */
static uint64_t murmurHash64A(const unsigned char *data, size_t len, uint64_t seed) {
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const int r = 47;
    uint64_t h = seed ^ ((uint64_t)len * m);
    size_t blocks = len / 8;

    for (size_t b = 0; b < blocks; b++, data += 8) {
        uint64_t k = 0;
        for (int i = 7; i >= 0; i--) k = (k << 8) | data[i];
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
    }
    size_t rest = len & 7;
    if (rest) {
        for (size_t i = rest; i-- > 0;) h ^= (uint64_t)data[i] << (8 * i);
        h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

/* The register an element goes to and the value it proposes: 1 + the
 * number of zero bits before the first one in the hash bits left over
 * (at most Q+1: a guard bit ends the count). */
static int hllPatternLength(const unsigned char *ele, size_t len, long *reg) {
    uint64_t hash = murmurHash64A(ele, len, 0xadc83b19ULL);
    *reg = (long)(hash & HLL_P_MASK);
    hash >>= HLL_P;
    hash |= (uint64_t)1 << HLL_Q;
    int count = 1;
    while ((hash & 1) == 0) {
        count++;
        hash >>= 1;
    }
    return count;
}

/* ===========================================================================
 * Dense registers
 * ======================================================================== */

static int denseGet(const unsigned char *regs, long i) {
    unsigned long bit = (unsigned long)i * HLL_BITS;
    unsigned long byte = bit / 8, shift = bit & 7;
    unsigned v = regs[byte] >> shift;
    if (shift > 8 - HLL_BITS) v |= (unsigned)regs[byte + 1] << (8 - shift);
    return (int)(v & HLL_REGISTER_MAX);
}

static void denseSet(unsigned char *regs, long i, int val) {
    unsigned long bit = (unsigned long)i * HLL_BITS;
    unsigned long byte = bit / 8, shift = bit & 7;
    regs[byte] = (unsigned char)((regs[byte] & ~(HLL_REGISTER_MAX << shift)) | (val << shift));
    if (shift > 8 - HLL_BITS) {
        unsigned hi = 8 - shift;
        regs[byte + 1] = (unsigned char)((regs[byte + 1] & ~(HLL_REGISTER_MAX >> hi)) | (val >> hi));
    }
}

/* Raise register i to val if lower: 1 when it changed. */
static int denseUpdate(unsigned char *regs, long i, int val) {
    if (val <= denseGet(regs, i)) return 0;
    denseSet(regs, i, val);
    return 1;
}

/* ===========================================================================
 * Sparse opcodes
 * ======================================================================== */

#define OP_IS_ZERO(p) ((*(p) & 0xc0) == 0x00)
#define OP_IS_XZERO(p) ((*(p) & 0xc0) == 0x40)
#define OP_IS_VAL(p) ((*(p) & 0x80) != 0)
#define OP_ZERO_LEN(p) ((*(p) & 0x3f) + 1)
#define OP_XZERO_LEN(p) ((((*(p) & 0x3f) << 8) | *((p) + 1)) + 1)
#define OP_VAL_VALUE(p) (((*(p) >> 2) & 0x1f) + 1)
#define OP_VAL_LEN(p) ((*(p) & 0x3) + 1)

static void putVal(unsigned char *p, int val, int len) {
    *p = (unsigned char)(0x80 | ((val - 1) << 2) | (len - 1));
}

/* A run of zeros as ZERO (1 byte) or XZERO (2 bytes); returns its size. */
static int putZeros(unsigned char *p, int len) {
    if (len > SPARSE_ZERO_MAX_LEN) {
        p[0] = (unsigned char)(0x40 | ((len - 1) >> 8));
        p[1] = (unsigned char)((len - 1) & 0xff);
        return 2;
    }
    p[0] = (unsigned char)(len - 1);
    return 1;
}

/* Walk the opcodes, calling fn(value, runlen) for each run; returns 0 if
 * the runs do not cover exactly the 16384 registers. */
typedef void sparseRunFn(void *ctx, long first, int value, long runlen);
static int sparseWalk(const unsigned char *p, const unsigned char *end, sparseRunFn *fn, void *ctx) {
    long idx = 0;
    while (p < end) {
        long run;
        int val = 0;
        if (OP_IS_ZERO(p)) {
            run = OP_ZERO_LEN(p);
            p++;
        } else if (OP_IS_XZERO(p)) {
            if (p + 1 >= end) return 0;
            run = OP_XZERO_LEN(p);
            p += 2;
        } else {
            run = OP_VAL_LEN(p);
            val = OP_VAL_VALUE(p);
            p++;
        }
        if (idx + run > HLL_REGISTERS) return 0;
        fn(ctx, idx, val, run);
        idx += run;
    }
    return idx == HLL_REGISTERS;
}

static void runToDense(void *ctx, long first, int value, long run) {
    if (value == 0) return;
    for (long i = 0; i < run; i++) denseSet(ctx, first + i, value);
}

/* Sparse -> dense in place of o->ptr (the header, cached cardinality
 * included, is kept). C_ERR if the sparse data is corrupt. */
static int hllSparseToDense(robj *o) {
    unsigned char *old = o->ptr;
    if (hllEncoding(old) == HLL_DENSE) return C_OK;
    sds dense = sdsnewlen(NULL, HLL_DENSE_SIZE);
    memcpy(dense, old, HLL_HDR_SIZE);
    dense[4] = HLL_DENSE;
    if (!sparseWalk(old + HLL_HDR_SIZE, old + sdslen(o->ptr), runToDense,
                    (unsigned char *)dense + HLL_HDR_SIZE)) {
        sdsfree(dense);
        return C_ERR;
    }
    sdsfree(o->ptr);
    o->ptr = dense;
    return C_OK;
}

/* After an update: adjacent VAL opcodes of the same value whose lengths
 * fit one opcode are fused, scanning a few opcodes from `from`. */
static void sparseMergeAdjacent(robj *o, unsigned char *from) {
    unsigned char *p = from;
    unsigned char *end = (unsigned char *)o->ptr + sdslen(o->ptr);
    int budget = 5;
    while (p < end && budget--) {
        if (OP_IS_XZERO(p)) {
            p += 2;
            continue;
        }
        if (OP_IS_ZERO(p)) {
            p++;
            continue;
        }
        if (p + 1 < end && OP_IS_VAL(p + 1) && OP_VAL_VALUE(p) == OP_VAL_VALUE(p + 1)) {
            int len = OP_VAL_LEN(p) + OP_VAL_LEN(p + 1);
            if (len <= SPARSE_VAL_MAX_LEN) {
                putVal(p + 1, OP_VAL_VALUE(p), len);
                memmove(p, p + 1, end - p - 1);
                sdsIncrLen(o->ptr, -1);
                end--;
                continue; /* maybe fuse with the next one too */
            }
        }
        p++;
    }
}

/* Raise register `reg` to `val` in a sparse HLL; may turn it dense.
 * Returns 1 if changed, 0 if not, -1 if the HLL is corrupt. */
static int hllSparseSet(robj *o, long reg, int val) {
    if (val > SPARSE_VAL_MAX_VALUE) goto promote;

    /* Room for the worst split (XZERO -> XZERO VAL XZERO: 3 more bytes)
     * before taking pointers. Growth is greedy (doubling, by at most 300
     * bytes) but capped at hll-sparse-max-bytes, as stock sizes it: past
     * that the HLL goes dense anyway. */
    if (sdsalloc(o->ptr) < server.hll_sparse_max_bytes && sdsavail(o->ptr) < 3) {
        size_t newlen = sdslen(o->ptr) + 3;
        newlen += newlen < 300 ? newlen : 300;
        if (newlen > server.hll_sparse_max_bytes) newlen = server.hll_sparse_max_bytes;
        o->ptr = sdsResize(o->ptr, newlen);
    }

    unsigned char *start = (unsigned char *)o->ptr + HLL_HDR_SIZE;
    unsigned char *end = (unsigned char *)o->ptr + sdslen(o->ptr);
    unsigned char *p = start, *prev = NULL;
    long first = 0, span = 0;

    /* Find the opcode covering the register. */
    while (p < end) {
        int oplen = 1;
        if (OP_IS_ZERO(p)) span = OP_ZERO_LEN(p);
        else if (OP_IS_VAL(p)) span = OP_VAL_LEN(p);
        else {
            if (p + 1 >= end) return -1; /* truncated XZERO */
            span = OP_XZERO_LEN(p);
            oplen = 2;
        }
        if (reg <= first + span - 1) break;
        prev = p;
        p += oplen;
        first += span;
    }
    if (span == 0 || p >= end) return -1;

    int is_xzero = OP_IS_XZERO(p), is_val = OP_IS_VAL(p);
    unsigned char *next = is_xzero ? p + 2 : p + 1;
    if (next >= end) next = NULL;
    long runlen = span;

    if (is_val) {
        int cur = OP_VAL_VALUE(p);
        if (cur >= val) return 0;
        if (runlen == 1) {
            putVal(p, val, 1);
            goto updated;
        }
    } else if (!is_xzero && runlen == 1) {
        putVal(p, val, 1);
        goto updated;
    }

    /* Split the run: [before] VAL(val) [after]. */
    unsigned char seq[5], *n = seq;
    long last = first + span - 1;
    if (is_val) {
        int cur = OP_VAL_VALUE(p);
        if (reg != first) putVal(n++, cur, (int)(reg - first));
        putVal(n++, val, 1);
        if (reg != last) putVal(n++, cur, (int)(last - reg));
    } else {
        if (reg != first) n += putZeros(n, (int)(reg - first));
        putVal(n++, val, 1);
        if (reg != last) n += putZeros(n, (int)(last - reg));
    }
    int seqlen = (int)(n - seq);
    int oldlen = is_xzero ? 2 : 1;
    int delta = seqlen - oldlen;
    if (delta > 0 && (sdslen(o->ptr) + delta > server.hll_sparse_max_bytes ||
                      sdsavail(o->ptr) < (size_t)delta))
        goto promote;
    if (delta && next) memmove(next + delta, next, end - next);
    sdsIncrLen(o->ptr, delta);
    memcpy(p, seq, seqlen);

updated:
    sparseMergeAdjacent(o, prev ? prev : start);
    invalidateCache(o->ptr);
    return 1;

promote:
    if (hllSparseToDense(o) == C_ERR) return -1;
    {
        int changed = denseUpdate((unsigned char *)o->ptr + HLL_HDR_SIZE, reg, val);
        serverAssert(changed == 1);
        return changed;
    }
}

/* Add an element: 1 if a register changed, 0 if not, -1 if corrupt. */
static int hllAdd(robj *o, const unsigned char *ele, size_t len) {
    long reg;
    int count = hllPatternLength(ele, len, &reg);
    unsigned char *hll = o->ptr;
    switch (hllEncoding(hll)) {
    case HLL_DENSE: return denseUpdate(hll + HLL_HDR_SIZE, reg, count);
    case HLL_SPARSE: return hllSparseSet(o, reg, count);
    default: return -1;
    }
}

/* ===========================================================================
 * Counting and merging
 * ======================================================================== */

/* Ertl's sigma and tau series, evaluated as stock does. */
static double hllSigma(double x) {
    if (x == 1.) return INFINITY;
    double zPrime, y = 1, z = x;
    do {
        x *= x;
        zPrime = z;
        z += x * y;
        y += y;
    } while (zPrime != z);
    return z;
}

static double hllTau(double x) {
    if (x == 0. || x == 1.) return 0.;
    double zPrime, y = 1.0, z = 1 - x;
    do {
        x = sqrt(x);
        zPrime = z;
        y *= 0.5;
        z -= pow(1 - x, 2) * y;
    } while (zPrime != z);
    return z / 3;
}

static uint64_t estimateFromHistogram(const int *histo) {
    double m = HLL_REGISTERS;
    double z = m * hllTau((m - histo[HLL_Q + 1]) / m);
    for (int j = HLL_Q; j >= 1; --j) {
        z += histo[j];
        z *= 0.5;
    }
    z += m * hllSigma(histo[0] / m);
    return (uint64_t)llroundl(HLL_ALPHA_INF * m * m / z);
}

static void runToHisto(void *ctx, long first, int value, long run) {
    (void)first;
    ((int *)ctx)[value] += (int)run;
}

/* Cardinality of a stored HLL; *invalid set when a sparse one is corrupt. */
static uint64_t hllCount(robj *o, int *invalid) {
    int histo[64] = {0};
    unsigned char *hll = o->ptr;
    if (hllEncoding(hll) == HLL_DENSE) {
        for (long i = 0; i < HLL_REGISTERS; i++) histo[denseGet(hll + HLL_HDR_SIZE, i)]++;
    } else if (!sparseWalk(hll + HLL_HDR_SIZE, hll + sdslen(o->ptr), runToHisto, histo)) {
        *invalid = 1;
    }
    return estimateFromHistogram(histo);
}

/* Cardinality of byte-per-register maxima (multi key PFCOUNT). */
static uint64_t rawCount(const uint8_t *regs) {
    int histo[64] = {0};
    for (long i = 0; i < HLL_REGISTERS; i++) histo[regs[i] & 63]++;
    return estimateFromHistogram(histo);
}

static void runToMax(void *ctx, long first, int value, long run) {
    uint8_t *max = ctx;
    for (long i = 0; i < run; i++)
        if (value > max[first + i]) max[first + i] = (uint8_t)value;
}

/* max[i] = MAX(max[i], register i of o). C_ERR if o is corrupt. */
static int hllMerge(uint8_t *max, robj *o) {
    unsigned char *hll = o->ptr;
    if (hllEncoding(hll) == HLL_DENSE) {
        for (long i = 0; i < HLL_REGISTERS; i++) {
            int v = denseGet(hll + HLL_HDR_SIZE, i);
            if (v > max[i]) max[i] = (uint8_t)v;
        }
        return C_OK;
    }
    return sparseWalk(hll + HLL_HDR_SIZE, hll + sdslen(o->ptr), runToMax, max) ? C_OK : C_ERR;
}

/* ===========================================================================
 * Commands
 * ======================================================================== */

/* An empty sparse HLL: header + one XZERO covering every register. */
static robj *createHLLObject(void) {
    sds s = sdsnewlen(NULL, HLL_HDR_SIZE + 2);
    memcpy(s, "HYLL", 4);
    s[4] = HLL_SPARSE;
    putZeros((unsigned char *)s + HLL_HDR_SIZE, HLL_REGISTERS);
    return createObject(OBJ_STRING, s);
}

/* A string is a HLL if it has the header, the magic, a known encoding and
 * (dense) exactly the dense size. */
static int isHLLObjectOrReply(client *c, robj *o) {
    if (checkType(c, o, OBJ_STRING)) return C_ERR;
    if (sdsEncodedObject(o) && stringObjectLen(o) >= HLL_HDR_SIZE) {
        const unsigned char *h = o->ptr;
        if (!memcmp(h, "HYLL", 4) && hllEncoding(h) <= HLL_MAX_ENCODING &&
            (hllEncoding(h) != HLL_DENSE || stringObjectLen(o) == HLL_DENSE_SIZE))
            return C_OK;
    }
    addReplyError(c, "-WRONGTYPE Key is not a valid HyperLogLog string value.");
    return C_ERR;
}

void pfaddCommand(client *c) {
    robj *key = c->argv[1];
    robj *o = lookupKeyWrite(c->db, key);
    long updated = 0;
    if (o == NULL) {
        o = createHLLObject();
        dbAdd(c->db, key, o);
        updated++;
    } else {
        if (isHLLObjectOrReply(c, o) != C_OK) return;
        o = dbUnshareStringValue(c->db, key, o);
    }
    for (int j = 2; j < c->argc; j++) {
        int r = hllAdd(o, c->argv[j]->ptr, sdslen(c->argv[j]->ptr));
        if (r == -1) {
            addReplyError(c, invalid_hll_err);
            return;
        }
        updated += r;
    }
    if (updated) {
        invalidateCache(o->ptr);
        signalModifiedKey(c, c->db, key);
        notifyKeyspaceEvent(NOTIFY_STRING, "pfadd", key, c->db->id);
        server.dirty += updated;
    }
    addReply(c, updated ? shared.cone : shared.czero);
}

void pfcountCommand(client *c) {
    /* Several keys: the cardinality of their union, nothing cached. */
    if (c->argc > 2) {
        uint8_t *max = zcalloc(HLL_REGISTERS);
        for (int j = 1; j < c->argc; j++) {
            robj *o = lookupKeyRead(c->db, c->argv[j]);
            if (o == NULL) continue;
            if (isHLLObjectOrReply(c, o) != C_OK) {
                zfree(max);
                return;
            }
            if (hllMerge(max, o) != C_OK) {
                addReplyError(c, invalid_hll_err);
                zfree(max);
                return;
            }
        }
        addReplyLongLong(c, (long long)rawCount(max));
        zfree(max);
        return;
    }

    robj *key = c->argv[1];
    robj *o = lookupKeyRead(c->db, key);
    if (o == NULL) {
        addReply(c, shared.czero);
        return;
    }
    if (isHLLObjectOrReply(c, o) != C_OK) return;
    o = dbUnshareStringValue(c->db, key, o);
    unsigned char *hll = o->ptr;
    uint64_t card;
    if (cacheIsValid(hll)) {
        card = cachedCardinality(hll);
    } else {
        int invalid = 0;
        card = hllCount(o, &invalid);
        if (invalid) {
            addReplyError(c, invalid_hll_err);
            return;
        }
        /* The cache is part of the value: this read modifies the key. */
        setCachedCardinality(o->ptr, card);
        signalModifiedKey(c, c->db, key);
        server.dirty++;
    }
    addReplyLongLong(c, (long long)card);
}

void pfmergeCommand(client *c) {
    uint8_t *max = zcalloc(HLL_REGISTERS);
    int use_dense = 0;
    for (int j = 1; j < c->argc; j++) {
        robj *o = lookupKeyRead(c->db, c->argv[j]);
        if (o == NULL) continue;
        if (isHLLObjectOrReply(c, o) != C_OK) {
            zfree(max);
            return;
        }
        if (hllEncoding(o->ptr) == HLL_DENSE) use_dense = 1;
        if (hllMerge(max, o) != C_OK) {
            addReplyError(c, invalid_hll_err);
            zfree(max);
            return;
        }
    }

    robj *key = c->argv[1];
    robj *o = lookupKeyWrite(c->db, key);
    if (o == NULL) {
        o = createHLLObject();
        dbAdd(c->db, key, o);
    } else {
        o = dbUnshareStringValue(c->db, key, o);
    }
    /* A dense input makes the result dense straight away. */
    if (use_dense && hllSparseToDense(o) != C_OK) {
        addReplyError(c, invalid_hll_err);
        zfree(max);
        return;
    }
    for (long i = 0; i < HLL_REGISTERS; i++) {
        if (max[i] == 0) continue;
        if (hllEncoding(o->ptr) == HLL_DENSE) denseUpdate((unsigned char *)o->ptr + HLL_HDR_SIZE, i, max[i]);
        else hllSparseSet(o, i, max[i]);
    }
    zfree(max);
    invalidateCache(o->ptr);
    signalModifiedKey(c, c->db, key);
    /* A merge is a mass add: it is notified as one. */
    notifyKeyspaceEvent(NOTIFY_STRING, "pfadd", key, c->db->id);
    server.dirty++;
    addReply(c, shared.ok);
}

/* ---- PFDEBUG ------------------------------------------------------------- */

static sds decodeSparse(const unsigned char *p, const unsigned char *end) {
    sds out = sdsempty();
    while (p < end) {
        if (OP_IS_ZERO(p)) {
            out = sdscatprintf(out, "z:%d ", OP_ZERO_LEN(p));
            p++;
        } else if (OP_IS_XZERO(p)) {
            out = sdscatprintf(out, "Z:%d ", p + 1 < end ? OP_XZERO_LEN(p) : ((*p & 0x3f) << 8) + 1);
            p += 2;
        } else {
            out = sdscatprintf(out, "v:%d,%d ", OP_VAL_VALUE(p), OP_VAL_LEN(p));
            p++;
        }
    }
    return sdstrim(out, " ");
}

void pfdebugCommand(client *c) {
    const char *sub = c->argv[1]->ptr;
    robj *o = lookupKeyWrite(c->db, c->argv[2]);
    if (o == NULL) {
        addReplyError(c, "The specified key does not exist");
        return;
    }
    if (isHLLObjectOrReply(c, o) != C_OK) return;
    o = dbUnshareStringValue(c->db, c->argv[2], o);

    if (!strcasecmp(sub, "getreg") || !strcasecmp(sub, "todense")) {
        int getreg = !strcasecmp(sub, "getreg");
        if (c->argc != 3) goto arityerr;
        int converted = 0;
        if (hllEncoding(o->ptr) == HLL_SPARSE) {
            if (hllSparseToDense(o) != C_OK) {
                addReplyError(c, invalid_hll_err);
                return;
            }
            converted = 1;
            server.dirty++; /* the encoding change must reach replicas */
        }
        if (!getreg) {
            addReply(c, converted ? shared.cone : shared.czero);
            return;
        }
        addReplyArrayLen(c, HLL_REGISTERS);
        for (long i = 0; i < HLL_REGISTERS; i++)
            addReplyLongLong(c, denseGet((unsigned char *)o->ptr + HLL_HDR_SIZE, i));
    } else if (!strcasecmp(sub, "decode")) {
        if (c->argc != 3) goto arityerr;
        if (hllEncoding(o->ptr) != HLL_SPARSE) {
            addReplyError(c, "HLL encoding is not sparse");
            return;
        }
        unsigned char *hll = o->ptr;
        sds decoded = decodeSparse(hll + HLL_HDR_SIZE, hll + sdslen(o->ptr));
        addReplyBulkCBuffer(c, decoded, sdslen(decoded));
        sdsfree(decoded);
    } else if (!strcasecmp(sub, "encoding")) {
        if (c->argc != 3) goto arityerr;
        addReplyStatus(c, hllEncoding(o->ptr) == HLL_DENSE ? "dense" : "sparse");
    } else {
        addReplyErrorFormat(c, "Unknown PFDEBUG subcommand '%s'", sub);
    }
    return;
arityerr:
    addReplyErrorFormat(c, "Wrong number of arguments for the '%s' subcommand", sub);
}

/* ---- PFSELFTEST ---------------------------------------------------------- */

/* Internal consistency: every register round-trips through the dense
 * packing, and sparse and dense HLLs fed the same elements agree on the
 * estimate, which stays within a few standard errors of the truth. */
void pfselftestCommand(client *c) {
    unsigned char *regs = zcalloc(HLL_DENSE_SIZE - HLL_HDR_SIZE + 1);
    uint8_t *ref = zmalloc(HLL_REGISTERS);
    for (int round = 0; round < 10; round++) {
        for (long i = 0; i < HLL_REGISTERS; i++) {
            ref[i] = (uint8_t)(random() & HLL_REGISTER_MAX);
            denseSet(regs, i, ref[i]);
        }
        for (long i = 0; i < HLL_REGISTERS; i++) {
            if (denseGet(regs, i) != ref[i]) {
                addReplyErrorFormat(c, "TESTFAILED Register error at %ld", i);
                goto done;
            }
        }
    }

    size_t saved_max = server.hll_sparse_max_bytes;
    server.hll_sparse_max_bytes = 64 * 1024;
    robj *sparse = createHLLObject(), *dense = createHLLObject();
    hllSparseToDense(dense);
    double relerr = 1.04 / sqrt(HLL_REGISTERS);
    long checkpoint = 1;
    for (long j = 1; j <= 20000; j++) {
        char ele[LONG_STR_SIZE + 4];
        int len = snprintf(ele, sizeof(ele), "e%ld", j);
        hllAdd(sparse, (unsigned char *)ele, len);
        hllAdd(dense, (unsigned char *)ele, len);
        if (j != checkpoint) continue;
        checkpoint *= 10;
        int invalid = 0;
        uint64_t a = hllEncoding(sparse->ptr) == HLL_SPARSE ? hllCount(sparse, &invalid) : 0;
        uint64_t b = hllCount(dense, &invalid);
        if (hllEncoding(sparse->ptr) == HLL_SPARSE && a != b) {
            addReplyErrorFormat(c, "TESTFAILED dense/sparse disagree: %llu vs %llu",
                                (unsigned long long)b, (unsigned long long)a);
            goto cleanup;
        }
        double maxerr = (j <= 500 ? 5 : 4) * relerr * j + 1;
        if (fabs((double)b - (double)j) > maxerr) {
            addReplyErrorFormat(c, "TESTFAILED Too big error. card:%ld abserr:%f",
                                j, fabs((double)b - (double)j));
            goto cleanup;
        }
    }
    addReply(c, shared.ok);
cleanup:
    server.hll_sparse_max_bytes = saved_max;
    decrRefCount(sparse);
    decrRefCount(dense);
done:
    zfree(regs);
    zfree(ref);
}
