/* rdb.c - the RDB format, version 10 (Redis 7.0): encodings, objects and
 * whole-dataset save/load over rio streams.
 *
 * File layout: "REDIS0010", aux fields (redis-ver, redis-bits, ctime,
 * used-mem, [repl-stream-db, repl-id, repl-offset], aof-base), then per
 * non-empty database SELECTDB + RESIZEDB and its keys, each optionally
 * preceded by EXPIRETIME_MS and IDLE or FREQ, then EOF and a CRC64 of all
 * the preceding bytes (zeros with rdbchecksum no).
 *
 * Strings are written by rdbSaveRawString: up to 11 bytes that are a
 * canonical integer fitting 32 bits become INT8/16/32, longer ones are
 * LZF-compressed (rdbcompression yes) when that saves more than 4 bytes.
 *
 * Values of other data types go through the per-type hooks declared in
 * rdb.h (weak symbols here). Loading never trusts the file: every length
 * is bounded by what the stream can still hold, every blob is checked, and
 * problems end in rdbReportCorruptRDB() and an error return, never a
 * crash; the caller decides what to do (exit at start-up, an error reply
 * for RESTORE and DEBUG RELOAD).
 */
#include "rdb.h"
#include "lzf.h"
#include "crc64.h"

#include <stdarg.h>
#include <math.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <libgen.h>

#pragma weak rdbSaveListObject
#pragma weak rdbSaveSetObject
#pragma weak rdbSaveZsetObject
#pragma weak rdbSaveHashObject
#pragma weak rdbLoadListObject
#pragma weak rdbLoadSetObject
#pragma weak rdbLoadZsetObject
#pragma weak rdbLoadHashObject
#pragma weak rdbSaveStreamObject
#pragma weak rdbLoadStreamObject

#define RDB_AUTOSYNC_BYTES (1024 * 1024 * 4)
#define RDB_SAVE_PROGRESS_KEYS 1024

/* ---------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------ */

static char rdb_error[512];

void rdbReportCorruptRDB(const char *fmt, ...) {
    if (rdb_error[0]) return; /* the first problem is the one to report */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rdb_error, sizeof(rdb_error), fmt, ap);
    va_end(ap);
}

const char *rdbLastError(void) {
    return rdb_error[0] ? rdb_error : "Short read or OOM loading DB";
}

void rdbClearError(void) {
    rdb_error[0] = '\0';
}

/* Bytes the stream can still deliver, or -1 when unknown. */
static long long rdbRemaining(rio *rdb) {
    if (rdb->size_hint <= 0) return -1;
    long long left = (long long)rdb->size_hint - (long long)rioTell(rdb);
    return left < 0 ? 0 : left;
}

/* A length about to be allocated must fit in what is left to read. */
static int rdbLengthPlausible(rio *rdb, uint64_t len) {
    long long left = rdbRemaining(rdb);
    return left < 0 || len <= (uint64_t)left;
}

/* ---------------------------------------------------------------------------
 * Types and lengths
 * ------------------------------------------------------------------------ */

static ssize_t rdbWriteRaw(rio *rdb, const void *p, size_t len) {
    if (len && !rioWrite(rdb, p, len)) return -1;
    return (ssize_t)len;
}

int rdbSaveType(rio *rdb, unsigned char type) {
    return (int)rdbWriteRaw(rdb, &type, 1);
}

int rdbLoadType(rio *rdb) {
    unsigned char type;
    if (!rioRead(rdb, &type, 1)) return -1;
    return type;
}

ssize_t rdbSaveLen(rio *rdb, uint64_t len) {
    unsigned char buf[9];
    size_t n;
    if (len < (1 << 6)) {
        buf[0] = (unsigned char)((RDB_6BITLEN << 6) | len);
        n = 1;
    } else if (len < (1 << 14)) {
        buf[0] = (unsigned char)((RDB_14BITLEN << 6) | (len >> 8));
        buf[1] = (unsigned char)(len & 0xff);
        n = 2;
    } else if (len <= UINT32_MAX) {
        buf[0] = RDB_32BITLEN;
        for (int i = 0; i < 4; i++) buf[1 + i] = (unsigned char)(len >> (24 - 8 * i));
        n = 5;
    } else {
        buf[0] = RDB_64BITLEN;
        for (int i = 0; i < 8; i++) buf[1 + i] = (unsigned char)(len >> (56 - 8 * i));
        n = 9;
    }
    return rdbWriteRaw(rdb, buf, n);
}

int rdbLoadLenByRef(rio *rdb, int *isencoded, uint64_t *lenptr) {
    unsigned char b[8];
    if (isencoded) *isencoded = 0;
    if (!rioRead(rdb, b, 1)) return -1;
    int kind = (b[0] & 0xC0) >> 6;
    if (kind == RDB_ENCVAL) {
        if (isencoded) *isencoded = 1;
        *lenptr = b[0] & 0x3F;
    } else if (kind == RDB_6BITLEN) {
        *lenptr = b[0] & 0x3F;
    } else if (kind == RDB_14BITLEN) {
        unsigned char lo;
        if (!rioRead(rdb, &lo, 1)) return -1;
        *lenptr = ((uint64_t)(b[0] & 0x3F) << 8) | lo;
    } else if (b[0] == RDB_32BITLEN || b[0] == RDB_64BITLEN) {
        int n = b[0] == RDB_32BITLEN ? 4 : 8;
        if (!rioRead(rdb, b, n)) return -1;
        uint64_t v = 0;
        for (int i = 0; i < n; i++) v = (v << 8) | b[i];
        *lenptr = v;
    } else {
        rdbReportCorruptRDB("Unknown length encoding %d in rdbLoadLen()", b[0]);
        return -1;
    }
    return 0;
}

uint64_t rdbLoadLen(rio *rdb, int *isencoded) {
    uint64_t len;
    if (rdbLoadLenByRef(rdb, isencoded, &len) == -1) return RDB_LENERR;
    return len;
}

ssize_t rdbSaveMillisecondTime(rio *rdb, long long t) {
    unsigned char b[8];
    uint64_t v = (uint64_t)t;
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    return rdbWriteRaw(rdb, b, 8);
}

/* Little endian 8 bytes (RDB >= 9 and all files we write; older files
 * used the writer's native order, which was little endian in practice). */
long long rdbLoadMillisecondTime(rio *rdb, int rdbver) {
    (void)rdbver;
    unsigned char b[8];
    if (!rioRead(rdb, b, 8)) return LLONG_MIN;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | b[i];
    return (long long)v;
}

static int rdbLoadSecondTime(rio *rdb, long long *t) {
    unsigned char b[4];
    if (!rioRead(rdb, b, 4)) return -1;
    int32_t v = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
    *t = v;
    return 0;
}

/* ---------------------------------------------------------------------------
 * Strings
 * ------------------------------------------------------------------------ */

/* Encode value as INT8/16/32 into enc (5 bytes); 0 if it does not fit. */
static int rdbEncodeInteger(long long value, unsigned char *enc) {
    int width;
    if (value >= -(1 << 7) && value <= (1 << 7) - 1) {
        enc[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT8;
        width = 1;
    } else if (value >= -(1 << 15) && value <= (1 << 15) - 1) {
        enc[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT16;
        width = 2;
    } else if (value >= -((long long)1 << 31) && value <= ((long long)1 << 31) - 1) {
        enc[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT32;
        width = 4;
    } else {
        return 0;
    }
    uint32_t u = (uint32_t)(int32_t)value;
    for (int i = 0; i < width; i++) enc[1 + i] = (unsigned char)(u >> (8 * i));
    return 1 + width;
}

/* Strings that print back identically as an integer are stored as one. */
static int rdbTryIntegerEncoding(const unsigned char *s, size_t len, unsigned char *enc) {
    long long value;
    char buf[LONG_STR_SIZE];
    if (!string2ll((const char *)s, len, &value)) return 0;
    int n = ll2string(buf, sizeof(buf), value);
    if ((size_t)n != len || memcmp(buf, s, len) != 0) return 0;
    return rdbEncodeInteger(value, enc);
}

/* 0: not worth it (store plain), -1 error, else bytes written. */
static ssize_t rdbSaveLzfString(rio *rdb, const unsigned char *s, size_t len) {
    if (len > UINT_MAX) return 0;
    size_t outlen = len - 4;
    unsigned char *out = ztrymalloc(outlen + 1);
    if (!out) return 0;
    unsigned int comprlen = lzf_compress(s, (unsigned int)len, out, (unsigned int)outlen);
    if (comprlen == 0) {
        zfree(out);
        return 0;
    }
    ssize_t n, total = 0;
    if ((n = rdbSaveType(rdb, (RDB_ENCVAL << 6) | RDB_ENC_LZF)) == -1) goto err;
    total += n;
    if ((n = rdbSaveLen(rdb, comprlen)) == -1) goto err;
    total += n;
    if ((n = rdbSaveLen(rdb, len)) == -1) goto err;
    total += n;
    if ((n = rdbWriteRaw(rdb, out, comprlen)) == -1) goto err;
    total += n;
    zfree(out);
    return total;
err:
    zfree(out);
    return -1;
}

ssize_t rdbSaveRawString(rio *rdb, const unsigned char *s, size_t len) {
    if (len <= 11) {
        unsigned char enc[5];
        int enclen = rdbTryIntegerEncoding(s, len, enc);
        if (enclen > 0) return rdbWriteRaw(rdb, enc, enclen);
    }
    if (server.rdb_compression && len > 20) {
        ssize_t n = rdbSaveLzfString(rdb, s, len);
        if (n != 0) return n;
    }
    ssize_t n = rdbSaveLen(rdb, len);
    if (n == -1) return -1;
    if (rdbWriteRaw(rdb, s, len) == -1) return -1;
    return n + (ssize_t)len;
}

ssize_t rdbSaveLongLongAsStringObject(rio *rdb, long long value) {
    unsigned char enc[5];
    int enclen = rdbEncodeInteger(value, enc);
    if (enclen > 0) return rdbWriteRaw(rdb, enc, enclen);
    char buf[LONG_STR_SIZE];
    int len = ll2string(buf, sizeof(buf), value);
    ssize_t n = rdbSaveLen(rdb, (uint64_t)len);
    if (n == -1 || rdbWriteRaw(rdb, buf, len) == -1) return -1;
    return n + len;
}

ssize_t rdbSaveStringObject(rio *rdb, robj *obj) {
    if (obj->encoding == OBJ_ENCODING_INT)
        return rdbSaveLongLongAsStringObject(rdb, (long)obj->ptr);
    return rdbSaveRawString(rdb, (unsigned char *)obj->ptr, sdslen(obj->ptr));
}

/* A string of `len` bytes in the form the caller asked for (RDB_LOAD_*),
 * with its bytes not filled in yet: *bytes is where they go. Loading reads
 * (or decompresses) straight into place, so a string costs one allocation
 * and no staging copy. NULL when the allocation fails. */
static void *rdbAllocString(int flags, size_t len, char **bytes) {
    if (flags & RDB_LOAD_PLAIN) {
        char *buf = ztrymalloc(len ? len : 1);
        *bytes = buf;
        return buf;
    }
    if (flags & RDB_LOAD_SDS) {
        sds s = sdstrynewlen(NULL, len);
        *bytes = s;
        return s;
    }
    robj *o = tryCreateStringObject(NULL, len);
    *bytes = o ? o->ptr : NULL;
    return o;
}

static void rdbFreeString(int flags, void *s) {
    if (flags & RDB_LOAD_PLAIN) zfree(s);
    else if (flags & RDB_LOAD_SDS) sdsfree(s);
    else decrRefCount(s);
}

/* Turn bytes into what the caller asked for (see RDB_LOAD_*): a copy in
 * a new allocation of that form. */
static void *rdbMakeString(int flags, const char *s, size_t len, size_t *lenptr) {
    char *bytes;
    void *result = rdbAllocString(flags, len, &bytes);
    if (!result) return NULL;
    memcpy(bytes, s, len);
    if (lenptr) *lenptr = len;
    return result;
}

static void *rdbLoadIntegerObject(rio *rdb, int enctype, int flags, size_t *lenptr) {
    unsigned char b[4];
    long long v;
    if (enctype == RDB_ENC_INT8) {
        if (!rioRead(rdb, b, 1)) return NULL;
        v = (int8_t)b[0];
    } else if (enctype == RDB_ENC_INT16) {
        if (!rioRead(rdb, b, 2)) return NULL;
        v = (int16_t)((uint16_t)b[0] | (uint16_t)b[1] << 8);
    } else {
        if (!rioRead(rdb, b, 4)) return NULL;
        v = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
    }
    if (flags & RDB_LOAD_ENC) return createStringObjectFromLongLongForValue(v);
    char buf[LONG_STR_SIZE];
    int len = ll2string(buf, sizeof(buf), v);
    return rdbMakeString(flags, buf, (size_t)len, lenptr);
}

static void *rdbLoadLzfStringObject(rio *rdb, int flags, size_t *lenptr) {
    uint64_t clen, len;
    if ((clen = rdbLoadLen(rdb, NULL)) == RDB_LENERR) return NULL;
    if ((len = rdbLoadLen(rdb, NULL)) == RDB_LENERR) return NULL;
    /* LZF expands at most ~88x (3 input bytes -> 264 output bytes). */
    if (len == 0 || clen == 0 || clen > UINT_MAX || len > UINT_MAX ||
        len > clen * 90 + 64 || !rdbLengthPlausible(rdb, clen)) {
        rdbReportCorruptRDB("Invalid LZF compressed string lengths (compressed %llu, plain %llu)",
                            (unsigned long long)clen, (unsigned long long)len);
        return NULL;
    }
    unsigned char *c = ztrymalloc(clen);
    char *plain = NULL;
    void *result = c ? rdbAllocString(flags, len, &plain) : NULL;
    if (!result) {
        rdbReportCorruptRDB("Out of memory loading a compressed string of %llu bytes",
                            (unsigned long long)len);
        zfree(c);
        return NULL;
    }
    if (!rioRead(rdb, c, clen)) goto fail;
    if (lzf_decompress(c, (unsigned int)clen, plain, (unsigned int)len) != len) {
        rdbReportCorruptRDB("Invalid LZF compressed string");
        goto fail;
    }
    zfree(c);
    if (lenptr) *lenptr = len;
    return result;
fail:
    zfree(c);
    rdbFreeString(flags, result);
    return NULL;
}

void *rdbGenericLoadStringObject(rio *rdb, int flags, size_t *lenptr) {
    int isencoded;
    uint64_t len;
    if (rdbLoadLenByRef(rdb, &isencoded, &len) == -1) return NULL;
    if (isencoded) {
        switch (len) {
        case RDB_ENC_INT8:
        case RDB_ENC_INT16:
        case RDB_ENC_INT32:
            return rdbLoadIntegerObject(rdb, (int)len, flags, lenptr);
        case RDB_ENC_LZF:
            return rdbLoadLzfStringObject(rdb, flags, lenptr);
        default:
            rdbReportCorruptRDB("Unknown RDB string encoding type %llu", (unsigned long long)len);
            return NULL;
        }
    }
    if (!rdbLengthPlausible(rdb, len) || len > (uint64_t)SSIZE_MAX) {
        rdbReportCorruptRDB("String length %llu beyond the end of the data", (unsigned long long)len);
        return NULL;
    }
    char *bytes;
    void *result = rdbAllocString(flags, len, &bytes);
    if (!result) {
        rdbReportCorruptRDB("Out of memory loading a string of %llu bytes", (unsigned long long)len);
        return NULL;
    }
    if (len && !rioRead(rdb, bytes, len)) {
        rdbFreeString(flags, result);
        return NULL;
    }
    if (lenptr) *lenptr = len;
    return result;
}

robj *rdbLoadStringObject(rio *rdb) {
    return rdbGenericLoadStringObject(rdb, RDB_LOAD_NONE, NULL);
}

robj *rdbLoadEncodedStringObject(rio *rdb) {
    return rdbGenericLoadStringObject(rdb, RDB_LOAD_ENC, NULL);
}

unsigned char *rdbLoadBlob(rio *rdb, size_t *lenptr) {
    return rdbGenericLoadStringObject(rdb, RDB_LOAD_PLAIN, lenptr);
}

/* ---------------------------------------------------------------------------
 * Doubles (sorted set scores)
 * ------------------------------------------------------------------------ */

ssize_t rdbSaveBinaryDoubleValue(rio *rdb, double val) {
    unsigned char b[8];
    uint64_t u;
    memcpy(&u, &val, 8);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(u >> (8 * i));
    return rdbWriteRaw(rdb, b, 8);
}

int rdbLoadBinaryDoubleValue(rio *rdb, double *val) {
    unsigned char b[8];
    if (!rioRead(rdb, b, 8)) return -1;
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--) u = (u << 8) | b[i];
    memcpy(val, &u, 8);
    return 0;
}

ssize_t rdbSaveBinaryFloatValue(rio *rdb, float val) {
    unsigned char b[4];
    uint32_t u;
    memcpy(&u, &val, 4);
    for (int i = 0; i < 4; i++) b[i] = (unsigned char)(u >> (8 * i));
    return rdbWriteRaw(rdb, b, 4);
}

int rdbLoadBinaryFloatValue(rio *rdb, float *val) {
    unsigned char b[4];
    if (!rioRead(rdb, b, 4)) return -1;
    uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    memcpy(val, &u, 4);
    return 0;
}

/* Text form: a length byte (253 NaN, 254 +inf, 255 -inf) then digits. */
int rdbLoadDoubleValue(rio *rdb, double *val) {
    unsigned char len;
    char buf[256];
    if (!rioRead(rdb, &len, 1)) return -1;
    switch (len) {
    case 255: *val = -INFINITY; return 0;
    case 254: *val = INFINITY; return 0;
    case 253: *val = NAN; return 0;
    default:
        if (!rioRead(rdb, buf, len)) return -1;
        buf[len] = '\0';
        char *end;
        *val = strtod(buf, &end);
        if (end != buf + len || len == 0) {
            rdbReportCorruptRDB("Invalid double value in RDB");
            return -1;
        }
        return 0;
    }
}

/* ---------------------------------------------------------------------------
 * Packed blobs: structure checks (the type modules decode the contents)
 * ------------------------------------------------------------------------ */

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Size of one listpack entry (encoding + data + backlen) at p, or 0. */
static size_t lpEntrySize(const unsigned char *p, const unsigned char *end) {
    size_t left = (size_t)(end - p), body;
    unsigned char b = p[0];
    if ((b & 0x80) == 0) body = 1;
    else if ((b & 0xC0) == 0x80) body = 1 + (size_t)(b & 0x3F);
    else if ((b & 0xE0) == 0xC0) body = 2;
    else if ((b & 0xF0) == 0xE0) {
        if (left < 2) return 0;
        body = 2 + (((size_t)(b & 0x0F) << 8) | p[1]);
    } else if (b == 0xF0) {
        if (left < 5) return 0;
        body = 5 + (size_t)le32(p + 1);
    } else if (b == 0xF1) body = 3;
    else if (b == 0xF2) body = 4;
    else if (b == 0xF3) body = 5;
    else if (b == 0xF4) body = 9;
    else return 0;
    size_t backlen = body < 128 ? 1 : body < 16384 ? 2 : body < 2097152 ? 3 : body < 268435456 ? 4 : 5;
    if (body + backlen > left || body + backlen < body) return 0;
    return body + backlen;
}

int rdbValidateListpackBlob(const unsigned char *p, size_t len, int deep, size_t *count) {
    if (len < 7 || le32(p) != len || p[len - 1] != 0xFF) return 0;
    size_t declared = (size_t)p[4] | (size_t)p[5] << 8;
    if (count) *count = declared;
    if (!deep) return 1;
    const unsigned char *q = p + 6, *end = p + len - 1;
    size_t n = 0;
    while (q < end) {
        size_t sz = lpEntrySize(q, end);
        if (sz == 0) return 0;
        q += sz;
        n++;
    }
    if (q != end) return 0;
    if (declared != 65535 && declared != n) return 0;
    if (count) *count = n;
    return 1;
}

/* Size of the ziplist entry at p (prevlen + encoding + data), or 0. */
static size_t zlEntrySize(const unsigned char *p, const unsigned char *end, size_t *prevlen) {
    size_t left = (size_t)(end - p), hdr;
    if (left < 2) return 0;
    if (p[0] < 254) { *prevlen = p[0]; hdr = 1; }
    else if (p[0] == 254) {
        if (left < 6) return 0;
        *prevlen = le32(p + 1);
        hdr = 5;
    } else return 0;
    const unsigned char *e = p + hdr;
    size_t encl, data;
    unsigned char b = e[0];
    switch (b >> 6) {
    case 0: encl = 1; data = b & 0x3F; break;
    case 1:
        if (left < hdr + 2) return 0;
        encl = 2; data = ((size_t)(b & 0x3F) << 8) | e[1]; break;
    case 2:
        if (left < hdr + 5) return 0;
        encl = 5; data = (size_t)e[1] << 24 | (size_t)e[2] << 16 | (size_t)e[3] << 8 | e[4]; break;
    default:
        encl = 1;
        if (b == 0xC0) data = 2;
        else if (b == 0xD0) data = 4;
        else if (b == 0xE0) data = 8;
        else if (b == 0xF0) data = 3;
        else if (b == 0xFE) data = 1;
        else if (b >= 0xF1 && b <= 0xFD) data = 0;
        else return 0;
    }
    size_t total = hdr + encl + data;
    if (total > left) return 0;
    return total;
}

int rdbValidateZiplistBlob(const unsigned char *p, size_t len, int deep, size_t *count) {
    if (len < 11 || le32(p) != len || p[len - 1] != 0xFF) return 0;
    size_t tail = le32(p + 4);
    size_t declared = (size_t)p[8] | (size_t)p[9] << 8;
    if (tail > len - 1) return 0;
    if (count) *count = declared;
    if (!deep) return 1;
    const unsigned char *q = p + 10, *end = p + len - 1, *last = NULL;
    size_t n = 0, prev = 0;
    while (q < end) {
        size_t prevlen, sz = zlEntrySize(q, end, &prevlen);
        if (sz == 0 || prevlen != prev) return 0;
        last = q;
        prev = sz;
        q += sz;
        n++;
    }
    if (q != end) return 0;
    if ((last ? (size_t)(last - p) : 10) != tail) return 0;
    if (declared != 65535 && declared != n) return 0;
    if (count) *count = n;
    return 1;
}

int rdbValidateIntsetBlob(const unsigned char *p, size_t len, size_t *count) {
    if (len < 8) return 0;
    uint32_t enc = le32(p), n = le32(p + 4);
    if (enc != 2 && enc != 4 && enc != 8) return 0;
    if ((uint64_t)enc * n + 8 != len) return 0;
    /* Members must be strictly increasing (binary search relies on it). */
    long long prev = 0;
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *e = p + 8 + (size_t)i * enc;
        long long v;
        if (enc == 2) v = (int16_t)((uint16_t)e[0] | (uint16_t)e[1] << 8);
        else if (enc == 4) v = (int32_t)le32(e);
        else v = (long long)((uint64_t)le32(e) | (uint64_t)le32(e + 4) << 32);
        if (i > 0 && v <= prev) return 0;
        prev = v;
    }
    if (count) *count = n;
    return 1;
}

int rdbValidateZipmapBlob(const unsigned char *p, size_t len) {
    return len >= 2 && p[len - 1] == 0xFF;
}

/* ---------------------------------------------------------------------------
 * Objects
 * ------------------------------------------------------------------------ */

int rdbObjectRdbType(robj *o) {
    switch (o->type) {
    case OBJ_STRING: return RDB_TYPE_STRING;
    case OBJ_LIST:
        return o->encoding == OBJ_ENCODING_QUICKLIST ? RDB_TYPE_LIST_QUICKLIST_2 : -1;
    case OBJ_SET:
        if (o->encoding == OBJ_ENCODING_INTSET) return RDB_TYPE_SET_INTSET;
        return o->encoding == OBJ_ENCODING_HT ? RDB_TYPE_SET : -1;
    case OBJ_ZSET:
        if (o->encoding == OBJ_ENCODING_LISTPACK) return RDB_TYPE_ZSET_LISTPACK;
        return o->encoding == OBJ_ENCODING_SKIPLIST ? RDB_TYPE_ZSET_2 : -1;
    case OBJ_HASH:
        if (o->encoding == OBJ_ENCODING_LISTPACK) return RDB_TYPE_HASH_LISTPACK;
        return o->encoding == OBJ_ENCODING_HT ? RDB_TYPE_HASH : -1;
    case OBJ_STREAM: return RDB_TYPE_STREAM_LISTPACKS_2;
    case OBJ_MODULE: return RDB_TYPE_MODULE_2;
    default: return -1;
    }
}

int rdbSaveObjectType(rio *rdb, robj *o) {
    int t = rdbObjectRdbType(o);
    if (t < 0) {
        serverLog(LL_WARNING, "Unknown object type/encoding %d/%d while saving", o->type, o->encoding);
        return -1;
    }
    return rdbSaveType(rdb, (unsigned char)t);
}

int rdbLoadObjectType(rio *rdb) {
    int type = rdbLoadType(rdb);
    if (type == -1) return -1;
    if (!rdbIsObjectType(type)) {
        rdbReportCorruptRDB("Unknown RDB object type %d", type);
        return -1;
    }
    return type;
}

typedef ssize_t rdbTypeSaver(rio *rdb, robj *o);

static ssize_t rdbSaveViaHook(rio *rdb, robj *o, rdbTypeSaver *hook, const char *name) {
    if (hook) return hook(rdb, o);
    serverLog(LL_WARNING, "Can't save a %s value: this server has no RDB support for the type", name);
    return -1;
}

/* The value only (the type byte was written already). */
ssize_t rdbSaveObject(rio *rdb, robj *o, robj *key, int dbid) {
    (void)key; (void)dbid;
    switch (o->type) {
    case OBJ_STRING: return rdbSaveStringObject(rdb, o);
    case OBJ_LIST: return rdbSaveViaHook(rdb, o, rdbSaveListObject, "list");
    case OBJ_SET: return rdbSaveViaHook(rdb, o, rdbSaveSetObject, "set");
    case OBJ_ZSET: return rdbSaveViaHook(rdb, o, rdbSaveZsetObject, "zset");
    case OBJ_HASH: return rdbSaveViaHook(rdb, o, rdbSaveHashObject, "hash");
    case OBJ_STREAM: return rdbSaveViaHook(rdb, o, rdbSaveStreamObject, "stream");
    case OBJ_MODULE:
        serverLog(LL_WARNING, "Can't save a module value: modules are not supported");
        return -1;
    default:
        serverLog(LL_WARNING, "Unknown object type %d while saving", o->type);
        return -1;
    }
}

/* A rio that only counts: sizes without building the payload. */
static int countingWrite(rio *r, const void *buf, size_t len) { (void)r; (void)buf; (void)len; return 1; }
static int countingRead(rio *r, void *buf, size_t len) { (void)r; (void)buf; (void)len; return 0; }
static off_t countingTell(rio *r) { return (off_t)r->processed_bytes; }
static int countingFlush(rio *r) { (void)r; return 1; }

ssize_t rdbSavedObjectLen(robj *o, robj *key, int dbid) {
    rio r;
    memset(&r, 0, sizeof(r));
    r.write = countingWrite;
    r.read = countingRead;
    r.tell = countingTell;
    r.flush = countingFlush;
    return rdbSaveObject(&r, o, key, dbid);
}

typedef robj *rdbTypeLoader(rio *rdb, int rdbtype, sds key, int *error);

static robj *rdbLoadViaHook(rio *rdb, int rdbtype, sds key, int *error,
                            rdbTypeLoader *hook, const char *name) {
    if (hook) return hook(rdb, rdbtype, key, error);
    rdbReportCorruptRDB("RDB type %d (%s) is not supported by this server yet", rdbtype, name);
    *error = 1;
    return NULL;
}

robj *rdbLoadObject(int rdbtype, rio *rdb, sds key, int dbid, int *error) {
    (void)dbid;
    *error = 0;
    switch (rdbtype) {
    case RDB_TYPE_STRING: {
        robj *o = rdbLoadEncodedStringObject(rdb);
        if (o == NULL) {
            *error = 1;
            return NULL;
        }
        return tryObjectEncoding(o);
    }
    case RDB_TYPE_LIST:
    case RDB_TYPE_LIST_ZIPLIST:
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
        return rdbLoadViaHook(rdb, rdbtype, key, error, rdbLoadListObject, "list");
    case RDB_TYPE_SET:
    case RDB_TYPE_SET_INTSET:
        return rdbLoadViaHook(rdb, rdbtype, key, error, rdbLoadSetObject, "set");
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK:
        return rdbLoadViaHook(rdb, rdbtype, key, error, rdbLoadZsetObject, "zset");
    case RDB_TYPE_HASH:
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK:
        return rdbLoadViaHook(rdb, rdbtype, key, error, rdbLoadHashObject, "hash");
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
        return rdbLoadViaHook(rdb, rdbtype, key, error, rdbLoadStreamObject, "stream");
    case RDB_TYPE_MODULE_PRE_GA:
    case RDB_TYPE_MODULE_2:
        rdbReportCorruptRDB("RDB type %d (module value) is not supported by this server: no modules are loaded", rdbtype);
        break;
    default:
        rdbReportCorruptRDB("Unknown RDB object type %d", rdbtype);
        break;
    }
    *error = 1;
    return NULL;
}

int rdbSaveKeyValuePair(rio *rdb, robj *key, robj *val, long long expiretime, int dbid) {
    if (expiretime != -1) {
        if (rdbSaveType(rdb, RDB_OPCODE_EXPIRETIME_MS) == -1) return -1;
        if (rdbSaveMillisecondTime(rdb, expiretime) == -1) return -1;
    }
    /* Eviction metadata travels only when the policy uses it. */
    if (server.maxmemory_policy & MAXMEMORY_FLAG_LRU) {
        uint64_t idle = estimateObjectIdleTime(val) / 1000;
        if (rdbSaveType(rdb, RDB_OPCODE_IDLE) == -1) return -1;
        if (rdbSaveLen(rdb, idle) == -1) return -1;
    } else if (server.maxmemory_policy & MAXMEMORY_FLAG_LFU) {
        unsigned char freq = (unsigned char)LFUDecrAndReturn(val);
        if (rdbSaveType(rdb, RDB_OPCODE_FREQ) == -1) return -1;
        if (rdbWriteRaw(rdb, &freq, 1) == -1) return -1;
    }
    if (rdbSaveObjectType(rdb, val) == -1) return -1;
    if (rdbSaveStringObject(rdb, key) == -1) return -1;
    if (rdbSaveObject(rdb, val, key, dbid) == -1) return -1;
    return 1;
}

/* ---------------------------------------------------------------------------
 * Whole dataset: save
 * ------------------------------------------------------------------------ */

static int rdbSaveAuxField(rio *rdb, const char *key, const char *val, size_t vlen) {
    if (rdbSaveType(rdb, RDB_OPCODE_AUX) == -1) return -1;
    if (rdbSaveRawString(rdb, (const unsigned char *)key, strlen(key)) == -1) return -1;
    if (rdbSaveRawString(rdb, (const unsigned char *)val, vlen) == -1) return -1;
    return 1;
}

static int rdbSaveAuxFieldStr(rio *rdb, const char *key, const char *val) {
    return rdbSaveAuxField(rdb, key, val, strlen(val));
}

static int rdbSaveAuxFieldInt(rio *rdb, const char *key, long long val) {
    char buf[LONG_STR_SIZE];
    int len = ll2string(buf, sizeof(buf), val);
    return rdbSaveAuxField(rdb, key, buf, (size_t)len);
}

static int rdbSaveInfoAuxFields(rio *rdb, int rdbflags, rdbSaveInfo *rsi) {
    if (rdbSaveAuxFieldStr(rdb, "redis-ver", REDIS_VERSION) == -1) return -1;
    if (rdbSaveAuxFieldInt(rdb, "redis-bits", sizeof(void *) == 8 ? 64 : 32) == -1) return -1;
    if (rdbSaveAuxFieldInt(rdb, "ctime", (long long)time(NULL)) == -1) return -1;
    if (rdbSaveAuxFieldInt(rdb, "used-mem", (long long)zmalloc_used_memory()) == -1) return -1;
    if (rsi) {
        if (rdbSaveAuxFieldInt(rdb, "repl-stream-db", rsi->repl_stream_db) == -1) return -1;
        if (rdbSaveAuxFieldStr(rdb, "repl-id", server.replid) == -1) return -1;
        if (rdbSaveAuxFieldInt(rdb, "repl-offset", server.master_repl_offset) == -1) return -1;
    }
    if (rdbSaveAuxFieldInt(rdb, "aof-base", (rdbflags & RDBFLAGS_AOF_PREAMBLE) ? 1 : 0) == -1) return -1;
    return 1;
}

static int rdbSaveDb(rio *rdb, int dbid, size_t *keys_done) {
    redisDb *db = server.db + dbid;
    if (dictSize(db->dict) == 0) return 0;
    if (rdbSaveType(rdb, RDB_OPCODE_SELECTDB) == -1) return -1;
    if (rdbSaveLen(rdb, (uint64_t)dbid) == -1) return -1;
    if (rdbSaveType(rdb, RDB_OPCODE_RESIZEDB) == -1) return -1;
    if (rdbSaveLen(rdb, dictSize(db->dict)) == -1) return -1;
    if (rdbSaveLen(rdb, dictSize(db->expires)) == -1) return -1;

    dictIterator *di = dictGetSafeIterator(db->dict);
    dictEntry *de;
    int ret = 0;
    while ((de = dictNext(di)) != NULL) {
        sds keystr = dictGetKey(de);
        robj key;
        key.type = OBJ_STRING;
        key.encoding = OBJ_ENCODING_RAW;
        key.refcount = OBJ_STATIC_REFCOUNT;
        key.ptr = keystr;
        if (rdbSaveKeyValuePair(rdb, &key, dictGetVal(de), getExpire(db, &key), dbid) == -1) {
            ret = -1;
            break;
        }
        (*keys_done)++;
        /* Tests slow saving down to observe a child at work. */
        if (server.rdb_key_save_delay > 0) usleep((useconds_t)server.rdb_key_save_delay);
        /* From the first key on, as stock: a child whose parent died
         * learns it here (childReportProgress). */
        if (persist.in_child && (*keys_done % RDB_SAVE_PROGRESS_KEYS) == 1)
            childReportProgress(*keys_done, 0);
    }
    dictReleaseIterator(di);
    return ret;
}

/* functions.c (optional): libraries as RDB_OPCODE_FUNCTION2 records. */
int functionsSaveToRio(rio *rdb);
int functionsLoadFromRdbCode(sds code, int replace, sds *err);
#pragma weak functionsSaveToRio
#pragma weak functionsLoadFromRdbCode

int rdbSaveRio(rio *rdb, int rdbflags, rdbSaveInfo *rsi) {
    char magic[16];
    size_t keys_done = 0;
    rioSyncHooks(rdb); /* what the caller wrote before is not checksummed */
    if (server.rdb_checksum) rdb->update_cksum = rioGenericUpdateChecksum;
    snprintf(magic, sizeof(magic), "REDIS%04d", RDB_VERSION);
    if (rdbWriteRaw(rdb, magic, 9) == -1) return C_ERR;
    if (rdbSaveInfoAuxFields(rdb, rdbflags, rsi) == -1) return C_ERR;
    /* The header and aux fields are always there: a filtered snapshot is
     * still a complete, loadable RDB. */
    if (!(rdbflags & RDBFLAGS_SKIP_FUNCTIONS) && functionsSaveToRio && functionsSaveToRio(rdb) == -1)
        return C_ERR;
    for (int j = 0; j < server.dbnum && !(rdbflags & RDBFLAGS_SKIP_DATA); j++)
        if (rdbSaveDb(rdb, j, &keys_done) == -1) return C_ERR;
    if (rdbSaveType(rdb, RDB_OPCODE_EOF) == -1) return C_ERR;
    /* The checksum covers everything up to and including EOF. */
    rioSyncHooks(rdb);
    uint64_t cksum = rdb->cksum;
    rdb->update_cksum = NULL;
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(cksum >> (8 * i));
    if (rdbWriteRaw(rdb, b, 8) == -1) return C_ERR;
    return C_OK;
}

/* Make a rename durable: fsync the directory holding the file. */
static void fsyncFileDir(const char *filename) {
    char *copy = zstrdup(filename);
    int fd = open(dirname(copy), O_RDONLY);
    if (fd != -1) {
        fsync(fd);
        close(fd);
    }
    zfree(copy);
}

/* A BGSAVE child outlives a server killed with SIGKILL and, like stock's,
 * finishes its snapshot and renames it over the dump file: the freshest
 * copy of the dead server's data. But a new server may have started in
 * the same directory meanwhile and saved its own dump (or loaded one from
 * a master); the orphan's older snapshot must not replace that. So the
 * child notes the target file as it was when the save began, and an
 * orphan (parent gone) renames only if the target is still that file. */
static struct {
    int armed, existed;
    pid_t parent;
    struct stat st;
} childTarget;

void rdbChildGuardTarget(pid_t parent, const char *filename) {
    childTarget.armed = 1;
    childTarget.parent = parent;
    childTarget.existed = stat(filename, &childTarget.st) == 0;
}

static int rdbChildMayReplace(const char *filename) {
    if (!childTarget.armed || getppid() == childTarget.parent) return 1;
    struct stat now;
    int exists = stat(filename, &now) == 0;
    if (!exists || !childTarget.existed) return exists == childTarget.existed;
    const struct stat *was = &childTarget.st;
    return now.st_dev == was->st_dev && now.st_ino == was->st_ino && now.st_size == was->st_size &&
           now.st_mtim.tv_sec == was->st_mtim.tv_sec && now.st_mtim.tv_nsec == was->st_mtim.tv_nsec;
}

#pragma weak rdbPopulateSaveInfo

int rdbSave(const char *filename, rdbSaveInfo *rsi) {
    char tmpfile[256], cwd[1024];
    /* Every snapshot carries the replication id/offset when there is a
     * replication context (replication.c), so a restarted replica can
     * resume with a partial resync. */
    rdbSaveInfo local_rsi = RDB_SAVE_INFO_INIT;
    if (!rsi && rdbPopulateSaveInfo) rsi = rdbPopulateSaveInfo(&local_rsi);
    snprintf(tmpfile, sizeof(tmpfile), "temp-%d.rdb", (int)getpid());
    FILE *fp = fopen(tmpfile, "w");
    if (!fp) {
        char *dir = getcwd(cwd, sizeof(cwd));
        serverLog(LL_WARNING, "Failed opening the temp RDB file %s (in server root dir %s) for saving: %s",
                  tmpfile, dir ? dir : "unknown", strerror(errno));
        return C_ERR;
    }
    rio rdb;
    rioInitWithFile(&rdb, fp);
    if (server.rdb_save_incremental_fsync) rioSetAutoSync(&rdb, RDB_AUTOSYNC_BYTES);
    if (rdbSaveRio(&rdb, RDBFLAGS_NONE, rsi) == C_ERR || !rioFlush(&rdb)) {
        errno = errno ? errno : EIO;
        rioRelease(&rdb);
        goto werr;
    }
    rioRelease(&rdb);
    if (fflush(fp) != 0 || fsync(fileno(fp)) == -1) goto werr;
    if (fclose(fp) != 0) {
        fp = NULL;
        goto werr;
    }
    fp = NULL;
    if (!rdbChildMayReplace(filename)) {
        serverLog(LL_WARNING, "The server that started this save is gone and %s was replaced since: "
                  "discarding the snapshot", filename);
        unlink(tmpfile);
        return C_ERR;
    }
    if (rename(tmpfile, filename) == -1) {
        char *dir = getcwd(cwd, sizeof(cwd));
        serverLog(LL_WARNING, "Error moving temp DB file %s on the final destination %s (in server root dir %s): %s",
                  tmpfile, filename, dir ? dir : "unknown", strerror(errno));
        unlink(tmpfile);
        return C_ERR;
    }
    fsyncFileDir(filename);
    serverLog(LL_NOTICE, "DB saved on disk");
    server.dirty = 0;
    server.lastsave = time(NULL);
    server.lastbgsave_status = C_OK;
    return C_OK;

werr:
    serverLog(LL_WARNING, "Write error saving DB on disk: %s", strerror(errno));
    if (fp) fclose(fp);
    unlink(tmpfile);
    return C_ERR;
}

/* ---------------------------------------------------------------------------
 * Whole dataset: load
 * ------------------------------------------------------------------------ */

/* Checksum and progress: serves clients every few MB while loading. */
static void rdbLoadProgressCallback(rio *r, const void *buf, size_t len) {
    if (server.rdb_checksum) rioGenericUpdateChecksum(r, buf, len);
    size_t interval = (size_t)server.loading_process_events_interval_bytes;
    if (interval && (server.loading || server.async_loading) &&
        (r->processed_bytes + len) / interval > r->processed_bytes / interval) {
        loadingProgress((off_t)(r->processed_bytes + len));
        if (persist.loading_serve_clients) processEventsWhileBlocked();
    }
}

static int rdbLoadAuxField(rio *rdb, rdbSaveInfo *rsi) {
    robj *auxkey = rdbLoadStringObject(rdb), *auxval = NULL;
    if (!auxkey) return -1;
    if (!(auxval = rdbLoadStringObject(rdb))) {
        decrRefCount(auxkey);
        return -1;
    }
    const char *k = auxkey->ptr, *v = auxval->ptr;
    if (!strcasecmp(k, "redis-ver")) {
        serverLog(LL_NOTICE, "Loading RDB produced by version %s", v);
    } else if (!strcasecmp(k, "ctime")) {
        time_t age = time(NULL) - (time_t)strtol(v, NULL, 10);
        if (age < 0) age = 0;
        serverLog(LL_NOTICE, "RDB age %ld seconds", (long)age);
    } else if (!strcasecmp(k, "used-mem")) {
        long long usedmem = strtoll(v, NULL, 10);
        serverLog(LL_NOTICE, "RDB memory usage when created %.2f Mb", (double)usedmem / (1024 * 1024));
        persist.loading_rdb_used_mem = (size_t)usedmem;
    } else if (!strcasecmp(k, "repl-stream-db")) {
        if (rsi) rsi->repl_stream_db = atoi(v);
    } else if (!strcasecmp(k, "repl-id")) {
        if (rsi && sdslen(auxval->ptr) == CONFIG_RUN_ID_SIZE) {
            memcpy(rsi->repl_id, v, CONFIG_RUN_ID_SIZE + 1);
            rsi->repl_id_is_set = 1;
        }
    } else if (!strcasecmp(k, "repl-offset")) {
        if (rsi) rsi->repl_offset = strtoll(v, NULL, 10);
    } else if (!strcasecmp(k, "aof-base")) {
        if (atoi(v) == 1) serverLog(LL_NOTICE, "RDB is base AOF");
    } else if (!strcasecmp(k, "lua") ||
               !strcasecmp(k, "aof-preamble") || !strcasecmp(k, "redis-bits")) {
        /* nothing to do with these */
    } else {
        serverLog(LL_DEBUG, "Unrecognized RDB AUX field: '%s'", k);
    }
    decrRefCount(auxkey);
    decrRefCount(auxval);
    return 0;
}

/* Add a loaded key; the sds key is consumed. */
static int rdbInsertKey(redisDb *db, sds key, robj *val, long long expiretime,
                        long long lfu_freq, long long lru_idle, long long lru_clock,
                        int rdbflags) {
    if (!dbAddRDBLoad(db, key, val)) {
        if (!(rdbflags & RDBFLAGS_ALLOW_DUP)) {
            rdbReportCorruptRDB("RDB has duplicated key '%s' in DB %d", key, db->id);
            sdsfree(key);
            decrRefCount(val);
            return -1;
        }
        robj keyobj;
        keyobj.type = OBJ_STRING;
        keyobj.encoding = OBJ_ENCODING_RAW;
        keyobj.refcount = OBJ_STATIC_REFCOUNT;
        keyobj.ptr = key;
        dbSyncDelete(db, &keyobj);
        if (!dbAddRDBLoad(db, key, val)) serverPanic("key still present after delete");
    }
    robj keyobj;
    keyobj.type = OBJ_STRING;
    keyobj.encoding = OBJ_ENCODING_RAW;
    keyobj.refcount = OBJ_STATIC_REFCOUNT;
    keyobj.ptr = key;
    if (expiretime != -1) setExpire(NULL, db, &keyobj, expiretime);
    objectSetLRUOrLFU(val, lfu_freq, lru_idle, lru_clock, 1000);
    return 0;
}

int rdbLoadRio(rio *rdb, int rdbflags, rdbSaveInfo *rsi) {
    return rdbLoadRioInto(rdb, rdbflags, rsi, server.db);
}

/* dbs: the array of server.dbnum databases that receives the keys (the
 * live ones, or a replica's set aside for async loading). */
int rdbLoadRioInto(rio *rdb, int rdbflags, rdbSaveInfo *rsi, redisDb *dbs) {
    char buf[16];
    redisDb *db = dbs;
    long long expiretime = -1, lfu_freq = -1, lru_idle = -1;
    long long lru_clock = LRU_CLOCK(), now = mstime();
    long long loaded = 0, expired = 0;
    int rdbver;

    rdbClearError();
    rioSyncHooks(rdb);
    rdb->update_cksum = rdbLoadProgressCallback;
    rdb->max_processing_chunk = (size_t)server.loading_process_events_interval_bytes;
    if (!rioRead(rdb, buf, 9)) goto eoferr;
    buf[9] = '\0';
    if (memcmp(buf, "REDIS", 5) != 0) {
        rdbReportCorruptRDB("Wrong signature trying to load DB from file");
        errno = EINVAL;
        return C_ERR;
    }
    rdbver = atoi(buf + 5);
    if (rdbver < 1 || rdbver > RDB_VERSION) {
        rdbReportCorruptRDB("Can't handle RDB format version %d", rdbver);
        errno = EINVAL;
        return C_ERR;
    }

    for (;;) {
        int type = rdbLoadType(rdb);
        if (type == -1) goto eoferr;
        if (type == RDB_OPCODE_EXPIRETIME) {
            long long secs;
            if (rdbLoadSecondTime(rdb, &secs) == -1) goto eoferr;
            expiretime = secs * 1000;
            continue;
        } else if (type == RDB_OPCODE_EXPIRETIME_MS) {
            expiretime = rdbLoadMillisecondTime(rdb, rdbver);
            if (expiretime == LLONG_MIN) goto eoferr;
            continue;
        } else if (type == RDB_OPCODE_FREQ) {
            unsigned char f;
            if (!rioRead(rdb, &f, 1)) goto eoferr;
            lfu_freq = f;
            continue;
        } else if (type == RDB_OPCODE_IDLE) {
            uint64_t idle = rdbLoadLen(rdb, NULL);
            if (idle == RDB_LENERR) goto eoferr;
            lru_idle = idle > (uint64_t)LLONG_MAX / 1000 ? LLONG_MAX / 1000 : (long long)idle;
            continue;
        } else if (type == RDB_OPCODE_EOF) {
            break;
        } else if (type == RDB_OPCODE_SELECTDB) {
            uint64_t dbid = rdbLoadLen(rdb, NULL);
            if (dbid == RDB_LENERR) goto eoferr;
            if (dbid >= (uint64_t)server.dbnum) {
                rdbReportCorruptRDB("FATAL: Data file was created with a Redis server configured to handle more than %d databases. Exiting",
                                    server.dbnum);
                return C_ERR;
            }
            db = dbs + dbid;
            continue;
        } else if (type == RDB_OPCODE_RESIZEDB) {
            uint64_t dbsize, expsize;
            if ((dbsize = rdbLoadLen(rdb, NULL)) == RDB_LENERR) goto eoferr;
            if ((expsize = rdbLoadLen(rdb, NULL)) == RDB_LENERR) goto eoferr;
            /* Only a hint: never let a corrupt size allocate much. */
            if (rdbLengthPlausible(rdb, dbsize)) dictTryExpand(db->dict, (unsigned long)dbsize);
            if (rdbLengthPlausible(rdb, expsize)) dictTryExpand(db->expires, (unsigned long)expsize);
            continue;
        } else if (type == RDB_OPCODE_AUX) {
            if (rdbLoadAuxField(rdb, rsi) == -1) goto eoferr;
            continue;
        } else if (type == RDB_OPCODE_MODULE_AUX) {
            rdbReportCorruptRDB("The RDB file contains module AUX data, but no modules are loaded");
            return C_ERR;
        } else if (type == RDB_OPCODE_FUNCTION2 && functionsLoadFromRdbCode) {
            sds code = rdbGenericLoadStringObject(rdb, RDB_LOAD_SDS, NULL);
            if (!code) goto eoferr;
            sds ferr = NULL;
            int fret = functionsLoadFromRdbCode(code, 1, &ferr);
            sdsfree(code);
            if (fret != C_OK) {
                rdbReportCorruptRDB("Failed loading library: %s", ferr);
                sdsfree(ferr);
                return C_ERR;
            }
            continue;
        } else if (type == RDB_OPCODE_FUNCTION2 || type == RDB_OPCODE_FUNCTION_PRE_GA) {
            rdbReportCorruptRDB("The RDB file contains functions (Redis Functions), which this server does not support");
            return C_ERR;
        } else if (!rdbIsObjectType(type)) {
            rdbReportCorruptRDB("Unknown RDB opcode or object type %d", type);
            return C_ERR;
        }

        sds key = rdbGenericLoadStringObject(rdb, RDB_LOAD_SDS, NULL);
        if (!key) goto eoferr;
        int error;
        robj *val = rdbLoadObject(type, rdb, key, db->id, &error);
        if (val == NULL) {
            sdsfree(key);
            if (error) goto eoferr;
            /* A value that turned out empty: skip it, as stock does. */
        } else if (!server.masterhost && !(rdbflags & RDBFLAGS_AOF_PREAMBLE) &&
                   expiretime != -1 && expiretime < now) {
            sdsfree(key);
            decrRefCount(val);
            expired++;
        } else {
            if (rdbInsertKey(db, key, val, expiretime, lfu_freq, lru_idle, lru_clock, rdbflags) == -1)
                return C_ERR;
            loaded++;
        }
        if (server.key_load_delay > 0) usleep((useconds_t)server.key_load_delay);
        expiretime = lfu_freq = lru_idle = -1;
        rioReadProgress(rdb);
    }

    if (rdbver >= 5) {
        rioSyncHooks(rdb);
        uint64_t expected = rdb->cksum;
        unsigned char b[8];
        rdb->update_cksum = NULL;
        if (!rioRead(rdb, b, 8)) goto eoferr;
        uint64_t stored = 0;
        for (int i = 7; i >= 0; i--) stored = (stored << 8) | b[i];
        if (server.rdb_checksum && !debug_settings.skip_checksum_validation) {
            if (stored == 0) {
                serverLog(LL_WARNING, "RDB file was saved with checksum disabled: no check performed.");
            } else if (stored != expected) {
                rdbReportCorruptRDB("Wrong RDB checksum expected: (%llx) got (%llx). Aborting now.",
                                    (unsigned long long)expected, (unsigned long long)stored);
                return C_ERR;
            }
        }
    }
    persist.last_load_keys_loaded = loaded;
    persist.last_load_keys_expired = expired;
    serverLog(LL_NOTICE, "Done loading RDB, keys loaded: %lld, keys expired: %lld.", loaded, expired);
    return C_OK;

eoferr:
    if (!rdb_error[0]) rdbReportCorruptRDB("Short read or OOM loading DB. Unrecoverable error, aborting now.");
    return C_ERR;
}

int rdbLoad(const char *filename, rdbSaveInfo *rsi, int rdbflags) {
    FILE *fp = fopen(filename, "r");
    if (!fp) {
        if (errno == ENOENT) return RDB_NOT_EXIST;
        rdbClearError();
        rdbReportCorruptRDB("Can't open %s: %s", filename, strerror(errno));
        return RDB_FAILED;
    }
    struct stat sb;
    off_t size = fstat(fileno(fp), &sb) == -1 ? 0 : sb.st_size;
    startLoading(size);
    rio rdb;
    rioInitWithFile(&rdb, fp);
    rdb.size_hint = size;
    int ret = rdbLoadRio(&rdb, rdbflags, rsi);
    rioRelease(&rdb);
    fclose(fp);
    stopLoading();
    return ret == C_OK ? RDB_OK : RDB_FAILED;
}
