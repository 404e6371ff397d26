/* lzf.c - LZF compression (see lzf.h).
 *
 * The stream is a sequence of runs, each starting with a control byte:
 *
 *   000LLLLL                      literal run of L+1 bytes (1..32) follows
 *   LLLooooo oooooooo             back reference, length L+2 (3..8)
 *   111ooooo LLLLLLLL oooooooo    back reference, length L+9 (9..264)
 *
 * A back reference copies from (output position - offset - 1), offset being
 * the 13 bits o, so it reaches 8KB back and may overlap what it writes.
 *
 * The compressor is a greedy single-pass matcher: a hash of the next three
 * bytes finds the last position with the same hash, and a match is used
 * when the bytes really agree and the position is within reach. Any valid
 * stream decompresses with liblzf, but only liblzf itself produces the
 * exact bytes stock writes: builds on a system with liblzf (as Debian's
 * redis-server uses) link it instead, see src/Makefile.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "lzf.h"


#define LZF_HASH_BITS 14
#define LZF_MAX_OFF (1 << 13)
#define LZF_MAX_LIT 32
#define LZF_MAX_REF (264)

static unsigned lzfHash(const unsigned char *p) {
    uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    return (v * 2654435761u) >> (32 - LZF_HASH_BITS);
}

/* Flush a pending literal run of n bytes starting at lit. */
static int lzfEmitLiterals(unsigned char **op, unsigned char *oend,
                           const unsigned char *lit, unsigned n) {
    while (n) {
        unsigned chunk = n > LZF_MAX_LIT ? LZF_MAX_LIT : n;
        if ((size_t)(oend - *op) < chunk + 1) return 0;
        *(*op)++ = (unsigned char)(chunk - 1);
        memcpy(*op, lit, chunk);
        *op += chunk;
        lit += chunk;
        n -= chunk;
    }
    return 1;
}

unsigned int lzfOwnCompress(const void *const in_data, unsigned int in_len,
                            void *out_data, unsigned int out_len) {
    const unsigned char *in = in_data, *ip = in, *iend = in + in_len;
    unsigned char *op = out_data, *oend = op + out_len;
    /* Positions + 1, so 0 means "never seen". */
    uint32_t table[1 << LZF_HASH_BITS];
    memset(table, 0, sizeof(table));
    const unsigned char *lit = ip;

    while (ip + 2 < iend) {
        unsigned h = lzfHash(ip);
        uint32_t cand = table[h];
        table[h] = (uint32_t)(ip - in) + 1;
        if (cand) {
            const unsigned char *ref = in + cand - 1;
            size_t off = (size_t)(ip - ref) - 1;
            if (off < LZF_MAX_OFF && ref[0] == ip[0] && ref[1] == ip[1] && ref[2] == ip[2]) {
                size_t maxlen = (size_t)(iend - ip);
                if (maxlen > LZF_MAX_REF) maxlen = LZF_MAX_REF;
                size_t len = 3;
                while (len < maxlen && ref[len] == ip[len]) len++;
                if (!lzfEmitLiterals(&op, oend, lit, (unsigned)(ip - lit))) return 0;
                size_t l = len - 2;
                if (l < 7) {
                    if (oend - op < 2) return 0;
                    *op++ = (unsigned char)((l << 5) | (off >> 8));
                } else {
                    if (oend - op < 3) return 0;
                    *op++ = (unsigned char)((7 << 5) | (off >> 8));
                    *op++ = (unsigned char)(l - 7);
                }
                *op++ = (unsigned char)(off & 0xff);
                /* Index a couple of the positions inside the match too. */
                const unsigned char *end = ip + len;
                for (ip++; ip < end && ip + 2 < iend && ip < end - (len > 16 ? len - 16 : 0); ip++)
                    table[lzfHash(ip)] = (uint32_t)(ip - in) + 1;
                ip = end;
                lit = ip;
                continue;
            }
        }
        ip++;
    }
    if (!lzfEmitLiterals(&op, oend, lit, (unsigned)(iend - lit))) return 0;
    return (unsigned int)(op - (unsigned char *)out_data);
}

unsigned int lzfOwnDecompress(const void *const in_data, unsigned int in_len,
                              void *out_data, unsigned int out_len) {
    const unsigned char *ip = in_data, *iend = ip + in_len;
    unsigned char *out = out_data, *op = out, *oend = op + out_len;

    while (ip < iend) {
        unsigned ctrl = *ip++;
        if (ctrl < 32) {
            size_t n = ctrl + 1;
            if ((size_t)(oend - op) < n) { errno = E2BIG; return 0; }
            if ((size_t)(iend - ip) < n) { errno = EINVAL; return 0; }
            memcpy(op, ip, n);
            op += n;
            ip += n;
        } else {
            size_t len = ctrl >> 5;
            if (len == 7) {
                if (ip >= iend) { errno = EINVAL; return 0; }
                len += *ip++;
            }
            len += 2;
            if (ip >= iend) { errno = EINVAL; return 0; }
            size_t back = ((size_t)(ctrl & 0x1f) << 8) + *ip++ + 1;
            if ((size_t)(oend - op) < len) { errno = E2BIG; return 0; }
            if ((size_t)(op - out) < back) { errno = EINVAL; return 0; }
            const unsigned char *ref = op - back;
            while (len--) *op++ = *ref++;   /* may overlap: byte by byte */
        }
    }
    return (unsigned int)(op - out);
}

/* Without the system liblzf (see src/Makefile) the liblzf names are ours. */
#ifndef USE_SYSTEM_LZF
unsigned int lzf_compress(const void *const in_data, unsigned int in_len,
                          void *out_data, unsigned int out_len) {
    return lzfOwnCompress(in_data, in_len, out_data, out_len);
}

unsigned int lzf_decompress(const void *const in_data, unsigned int in_len,
                            void *out_data, unsigned int out_len) {
    return lzfOwnDecompress(in_data, in_len, out_data, out_len);
}
#endif
