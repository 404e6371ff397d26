/* lzf.c - LZF compressor and decompressor (format described in lzf.h).
 *
 * Compression is greedy: at each position the last position that had the
 * same 3 leading bytes (one slot per hash bucket) is the only candidate;
 * a match is taken when it is within the 8KB window, else the byte goes to
 * the pending literal run. Both directions check every bound, so corrupt
 * input yields an error, never an out-of-range access.
 */
#include "lzf.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define LZF_HASH_BITS 14
#define LZF_MAX_LITERAL 32           /* bytes in one literal run */
#define LZF_MAX_DISTANCE 8192        /* back references reach this far */
#define LZF_MIN_MATCH 3
#define LZF_MAX_MATCH (7 + 255 + 2)  /* longest reference: 264 bytes */

static inline unsigned lzfHash(const unsigned char *p) {
    uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    return (v * 2654435761u) >> (32 - LZF_HASH_BITS);
}

/* Output cursor: writes fail (ok = 0) once the capacity is exhausted. */
typedef struct lzfOut {
    unsigned char *p, *end;
    int ok;
} lzfOut;

static void lzfFlushLiterals(lzfOut *o, const unsigned char *lit, unsigned n) {
    while (n && o->ok) {
        unsigned chunk = n > LZF_MAX_LITERAL ? LZF_MAX_LITERAL : n;
        if ((size_t)(o->end - o->p) < chunk + 1) {
            o->ok = 0;
            return;
        }
        *o->p++ = (unsigned char)(chunk - 1);
        memcpy(o->p, lit, chunk);
        o->p += chunk;
        lit += chunk;
        n -= chunk;
    }
}

static void lzfEmitReference(lzfOut *o, unsigned len, unsigned distance) {
    unsigned l = len - 2, off = distance - 1;
    size_t need = l >= 7 ? 3 : 2;
    if (!o->ok || (size_t)(o->end - o->p) < need) {
        o->ok = 0;
        return;
    }
    if (l >= 7) {
        *o->p++ = (unsigned char)((7 << 5) | (off >> 8));
        *o->p++ = (unsigned char)(l - 7);
    } else {
        *o->p++ = (unsigned char)((l << 5) | (off >> 8));
    }
    *o->p++ = (unsigned char)(off & 0xff);
}

unsigned int lzf_compress(const void *in, unsigned int in_len,
                          void *out, unsigned int out_len) {
    const unsigned char *src = in;
    uint32_t table[1 << LZF_HASH_BITS]; /* position + 1; 0 = empty */
    lzfOut o = { out, (unsigned char *)out + out_len, 1 };
    unsigned i = 0, lit_start = 0;

    if (in_len == 0) return 0;
    memset(table, 0, sizeof(table));
    while (i + LZF_MIN_MATCH <= in_len && o.ok) {
        unsigned h = lzfHash(src + i);
        uint32_t cand = table[h];
        table[h] = i + 1;
        if (cand && i - (cand - 1) <= LZF_MAX_DISTANCE &&
            memcmp(src + cand - 1, src + i, LZF_MIN_MATCH) == 0) {
            unsigned from = cand - 1, len = LZF_MIN_MATCH;
            unsigned max = in_len - i;
            if (max > LZF_MAX_MATCH) max = LZF_MAX_MATCH;
            while (len < max && src[from + len] == src[i + len]) len++;
            lzfFlushLiterals(&o, src + lit_start, i - lit_start);
            lzfEmitReference(&o, len, i - from);
            /* Index the last positions the match covered, so the next
             * repetition can refer back to them. */
            for (unsigned k = i + len > 2 ? i + len - 2 : 0; k < i + len; k++)
                if (k > i && k + LZF_MIN_MATCH <= in_len) table[lzfHash(src + k)] = k + 1;
            i += len;
            lit_start = i;
        } else {
            i++;
        }
    }
    lzfFlushLiterals(&o, src + lit_start, in_len - lit_start);
    if (!o.ok) return 0;
    return (unsigned int)(o.p - (unsigned char *)out);
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
