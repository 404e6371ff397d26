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

/* Slot of the 3 bytes at p. Only the low 16 bits of the two 16-bit windows
 * (p[0],p[1]) and (p[1],p[2]) take part. */
static inline unsigned lzfHash(const unsigned char *p) {
    unsigned hi = (unsigned)p[0] << 8 | p[1];
    unsigned lo = (unsigned)p[1] << 8 | p[2];
    return (hi - lo * 5) & (LZF_HASH_SLOTS - 1);
}

/* Length of the match between src+from and src+at (first 3 bytes known
 * equal), with limit = min(bytes left - 2, 264) as the soft cap. */
static unsigned lzfMatchLength(const unsigned char *src, unsigned from,
                               unsigned at, unsigned limit) {
    const unsigned char *a = src + from, *b = src + at;
    unsigned len = 3;
    if (limit > LZF_EAGER_COMPARE) {
        /* The eager part ignores the cap; it never reads past the input,
         * since limit >= 17 means at least 19 bytes are left. */
        for (; len < 3 + LZF_EAGER_COMPARE; len++)
            if (a[len] != b[len]) return len;
    }
    while (len < limit && a[len] == b[len]) len++;
    return len;
}

/* The compressor proper; table must come in all zero. */
static unsigned lzfCompressWith(uint32_t *table, const unsigned char *src,
                                unsigned in_len, unsigned char *dst,
                                unsigned out_len) {
    size_t op = 1;  /* next output byte; dst[op-lit-1] is the header of
                     * the open literal run */
    unsigned lit = 0, i = 0;

    while (i + 2 < in_len) {
        unsigned h = lzfHash(src + i);
        uint32_t cand = table[h];
        table[h] = i;
        if (cand > 0 && i - cand <= LZF_MAX_DISTANCE &&
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
            table[lzfHash(src + i - 2)] = i - 2;
            table[lzfHash(src + i - 1)] = i - 1;
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

/* Each thread keeps one table, handed over clean: after a call only the
 * slots of the hashed positions (at most in_len - 2) are wiped, which for
 * short strings is far cheaper than clearing 2^16 slots every time. */
unsigned int lzf_compress(const void *in, unsigned int in_len,
                          void *out, unsigned int out_len) {
    static __thread uint32_t *table;
    const unsigned char *src = in;

    if (in_len == 0) return 0;
    if (!table) table = calloc(LZF_HASH_SLOTS, sizeof(*table));
    if (!table) {
        /* No memory for a table: a throwaway one on the stack. */
        uint32_t local[LZF_HASH_SLOTS];
        memset(local, 0, sizeof(local));
        return lzfCompressWith(local, src, in_len, out, out_len);
    }
    unsigned n = lzfCompressWith(table, src, in_len, out, out_len);
    if (in_len >= LZF_HASH_SLOTS) {
        memset(table, 0, LZF_HASH_SLOTS * sizeof(*table));
    } else {
        for (unsigned i = 0; i + 2 < in_len; i++) table[lzfHash(src + i)] = 0;
    }
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
        /* Byte by byte: the source may overlap what is being written
         * (distance < len repeats a pattern). */
        const unsigned char *ref = op - distance;
        while (len--) *op++ = *ref++;
    }
    return (unsigned int)(op - (unsigned char *)out);
}
