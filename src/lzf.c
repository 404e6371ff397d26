/* lzf.c - LZF compressor and decompressor (format described in lzf.h).
 *
 * The compressor makes the same choices as liblzf 3.6 in its default
 * build (the library stock Redis links), so DUMP payloads, RDB files and
 * DEBUG OBJECT serializedlength come out byte-identical to stock. Those
 * choices, found by differential testing against the library:
 *   - one table slot per hash of 3 bytes, 2^16 slots, the last position
 *     seen wins; position 0 is never a match candidate (an empty slot and
 *     "position 0" look alike);
 *   - a candidate is taken when it is at most 8192 bytes back and its
 *     first 3 bytes are equal; the match then grows greedily, but stops 2
 *     bytes short of the input end (except for the first 3, and except
 *     that the first 19 bytes are compared in one go once at least 17 may
 *     be compared), and at 264 bytes;
 *   - after a match, the last two positions it covered are hashed, and the
 *     scan goes on right after it; the last 2 input bytes are literals;
 *   - running out of output space is detected with the library's exact
 *     (slightly conservative) margins, so "does not fit" (return 0) agrees
 *     too, which decides whether Redis stores a string compressed at all.
 * Both directions check every bound, so corrupt input yields an error,
 * never an out-of-range access.
 */
#include "lzf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LZF_HASH_SLOTS (1u << 16)
#define LZF_MAX_LITERAL 32           /* bytes in one literal run */
#define LZF_MAX_DISTANCE 8192        /* back references reach this far */
#define LZF_MAX_MATCH (7 + 255 + 2)  /* longest reference: 264 bytes */
#define LZF_EAGER_COMPARE 16         /* bytes compared unconditionally past 3 */

/* Slot of the 3 bytes ending in the low byte of v (v = ...p[0] p[1] p[2],
 * most significant first; higher bits are ignored). Only the 16-bit
 * windows (p[0],p[1]) and (p[1],p[2]) take part, so the scan keeps v
 * rolling: v = v << 8 | next byte. */
static inline unsigned lzfHashRolling(uint32_t v) {
    return ((v >> 8) - v * 5) & (LZF_HASH_SLOTS - 1);
}

static inline uint32_t lzfWindow(const unsigned char *p) {
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* First i in [from, to) where a[i] != b[i], else to; eight bytes a step. */
static inline unsigned lzfFirstDifference(const unsigned char *a, const unsigned char *b,
                                          unsigned from, unsigned to) {
    unsigned i = from;
    while (i + 8 <= to) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return i + (unsigned)__builtin_ctzll(x ^ y) / 8;
#else
            return i + (unsigned)__builtin_clzll(x ^ y) / 8;
#endif
        }
        i += 8;
    }
    while (i < to && a[i] == b[i]) i++;
    return i;
}

/* Length of the match between src+from and src+at (first 3 bytes known
 * equal), with limit = min(bytes left - 2, 264) as the soft cap. */
static unsigned lzfMatchLength(const unsigned char *src, unsigned from,
                               unsigned at, unsigned limit) {
    const unsigned char *a = src + from, *b = src + at;
    if (limit <= LZF_EAGER_COMPARE) return lzfFirstDifference(a, b, 3, limit);
    /* The eager part ignores the cap; it never reads past the input,
     * since limit >= 17 means at least 19 bytes are left. */
    unsigned len = lzfFirstDifference(a, b, 3, 3 + LZF_EAGER_COMPARE);
    if (len < 3 + LZF_EAGER_COMPARE || len >= limit) return len;
    return lzfFirstDifference(a, b, len, limit);
}

/* The table: slot -> base + position of the last 3 bytes hashed there.
 * Each call gets a base above every entry of the calls before, so an
 * entry counts only when it is > base (which also leaves position 0 out,
 * as liblzf does) and the table is never cleared between calls. */
typedef struct {
    uint32_t slot[LZF_HASH_SLOTS];
    uint32_t base;
} lzfTable;

/* The compressor proper. */
static unsigned lzfCompressWith(lzfTable *t, const unsigned char *src,
                                unsigned in_len, unsigned char *dst,
                                unsigned out_len) {
    uint32_t *table = t->slot, base = t->base;
    size_t op = 1;  /* next output byte; dst[op-lit-1] is the header of
                     * the open literal run */
    unsigned lit = 0, i = 0;
    uint32_t v = in_len >= 2 ? (uint32_t)src[0] << 8 | src[1] : 0;

    while (i + 2 < in_len) {
        v = v << 8 | src[i + 2];
        unsigned h = lzfHashRolling(v);
        uint32_t entry = table[h];
        table[h] = base + i;
        unsigned cand = entry - base;
        if (entry > base && i - cand <= LZF_MAX_DISTANCE &&
            src[cand] == src[i] && src[cand + 1] == src[i + 1] &&
            src[cand + 2] == src[i + 2]) {
            unsigned limit = in_len - i - 2;
            if (limit > LZF_MAX_MATCH) limit = LZF_MAX_MATCH;
            if (op - (lit == 0) + 4 >= out_len) return 0;
            /* Close the literal run, or drop its header when empty. */
            if (lit) dst[op - lit - 1] = (unsigned char)(lit - 1);
            else op--;
            unsigned len = lzfMatchLength(src, cand, i, limit);
            unsigned l = len - 2, off = i - cand - 1;
            if (l < 7) {
                dst[op++] = (unsigned char)((l << 5) | (off >> 8));
            } else {
                dst[op++] = (unsigned char)((7 << 5) | (off >> 8));
                dst[op++] = (unsigned char)(l - 7);
            }
            dst[op++] = (unsigned char)(off & 0xff);
            lit = 0;
            op++;
            i += len;
            if (i + 2 >= in_len) break;
            /* Hash the match's last two positions, leaving v ready for i. */
            v = lzfWindow(src + i - 2);
            table[lzfHashRolling(v)] = base + i - 2;
            v = v << 8 | src[i + 1];
            table[lzfHashRolling(v)] = base + i - 1;
            continue;
        }
        if (op >= out_len) return 0;
        dst[op++] = src[i++];
        if (++lit == LZF_MAX_LITERAL) {
            dst[op - lit - 1] = (unsigned char)(lit - 1);
            lit = 0;
            op++;
        }
    }
    if (op + 3 > out_len) return 0;
    while (i < in_len) {
        dst[op++] = src[i++];
        if (++lit == LZF_MAX_LITERAL) {
            dst[op - lit - 1] = (unsigned char)(lit - 1);
            lit = 0;
            op++;
        }
    }
    if (lit) dst[op - lit - 1] = (unsigned char)(lit - 1);
    else op--;
    return (unsigned int)op;
}

/* Each thread keeps one table. Bases grow by in_len per call; when they
 * would wrap, the table is cleared once and they start over. */
unsigned int lzf_compress(const void *in, unsigned int in_len,
                          void *out, unsigned int out_len) {
    static __thread lzfTable *table;
    const unsigned char *src = in;

    if (in_len == 0) return 0;
    if (!table) table = calloc(1, sizeof(*table));
    if (!table) {
        /* No memory for a table: a throwaway one on the stack. */
        lzfTable local;
        memset(&local, 0, sizeof(local));
        return lzfCompressWith(&local, src, in_len, out, out_len);
    }
    if (in_len > UINT32_MAX - table->base) memset(table, 0, sizeof(*table));
    unsigned n = lzfCompressWith(table, src, in_len, out, out_len);
    table->base += in_len;
    return n;
}

unsigned int lzf_decompress(const void *in, unsigned int in_len,
                            void *out, unsigned int out_len) {
    const unsigned char *ip = in, *iend = ip + in_len;
    unsigned char *op = out, *oend = op + out_len;

    while (ip < iend) {
        unsigned ctrl = *ip++;
        if (ctrl < 32) {
            unsigned n = ctrl + 1;
            if ((size_t)(iend - ip) < n) { errno = EINVAL; return 0; }
            if ((size_t)(oend - op) < n) { errno = E2BIG; return 0; }
            /* A fixed-size copy is a few vector moves; the bytes past n
             * are overwritten by what follows (or lie past the result). */
            if ((size_t)(iend - ip) >= LZF_MAX_LITERAL && (size_t)(oend - op) >= LZF_MAX_LITERAL)
                memcpy(op, ip, LZF_MAX_LITERAL);
            else
                memcpy(op, ip, n);
            ip += n;
            op += n;
            continue;
        }
        unsigned len = ctrl >> 5;
        if (len == 7) {
            if (ip >= iend) { errno = EINVAL; return 0; }
            len += *ip++;
        }
        if (ip >= iend) { errno = EINVAL; return 0; }
        size_t distance = ((size_t)(ctrl & 0x1f) << 8) + *ip++ + 1;
        len += 2;
        if (distance > (size_t)(op - (unsigned char *)out)) { errno = EINVAL; return 0; }
        if ((size_t)(oend - op) < len) { errno = E2BIG; return 0; }
        const unsigned char *ref = op - distance;
        if (distance >= 8 && (size_t)(oend - op) >= len + 8) {
            /* Eight bytes a step: each step reads only bytes already
             * written, since the source is at least 8 back. The last step
             * may write up to 7 bytes past the match, inside out_len. */
            unsigned char *end = op + len;
            do {
                uint64_t w;
                memcpy(&w, ref, 8);
                memcpy(op, &w, 8);
                op += 8;
                ref += 8;
            } while (op < end);
            op = end;
        } else {
            /* Byte by byte: a short distance repeats a pattern. */
            while (len--) *op++ = *ref++;
        }
    }
    return (unsigned int)(op - (unsigned char *)out);
}
