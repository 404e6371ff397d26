/* siphash.c - SipHash (Aumasson & Bernstein) with 64-bit output.
 *
 * The server uses the cheaper SipHash-1-2 flavour (one compression round per
 * 8-byte word, two finalization rounds): for hash-table keys the goal is only
 * to make bucket placement unpredictable to an attacker who does not know the
 * seed, and 1-2 keeps that property at a fraction of the 2-4 cost.
 *
 * One internal routine serves every variant. The round counts and the
 * case-folding flag are compile-time constants at each call site, so after
 * inlining the compiler emits a specialised loop for each public function.
 */
#include "siphash.h"

#include <string.h>

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define BYTES8(b) (UINT64_C(0x0101010101010101) * (uint8_t)(b))

/* ASCII-only lowercase of the 8 bytes of a word at once, deliberately locale
 * independent: the same as folding each byte in 'A'..'Z' and leaving every
 * other byte (including those >= 0x80) alone. With the top bit of each byte
 * cleared, adding 0x80-'A' (resp. 0x80-'Z'-1) sets a byte's top bit exactly
 * when it is >= 'A' (resp. > 'Z'), with no carry into the next byte; the
 * bytes in the range get their 0x20 bit set (it is clear in uppercase). */
static inline uint64_t asciiLowerWord(uint64_t w) {
    uint64_t low7 = w & BYTES8(0x7f);
    uint64_t ge_a = low7 + BYTES8(0x80 - 'A');
    uint64_t gt_z = low7 + BYTES8(0x80 - 'Z' - 1);
    uint64_t upper = ge_a & ~gt_z & ~w & BYTES8(0x80);
    return w | (upper >> 2);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define FROM_LE64(x) __builtin_bswap64(x)
#define FROM_LE32(x) __builtin_bswap32(x)
#else
#define FROM_LE64(x) (x)
#define FROM_LE32(x) (x)
#endif

/* Read 8 (or 4) bytes as a little-endian word, whatever the host byte order
 * and alignment of the input (memcpy compiles to a single load). */
static inline uint64_t loadWordLE(const uint8_t *p) {
    uint64_t w;
    memcpy(&w, p, sizeof(w));
    return FROM_LE64(w);
}

static inline uint32_t load32LE(const uint8_t *p) {
    uint32_t w;
    memcpy(&w, p, sizeof(w));
    return FROM_LE32(w);
}


/* The n (0..7) trailing bytes at p, of an input of inlen bytes, as the low
 * bytes of a word, in a few loads instead of one per byte. With a full word
 * before them, the word ending at the input's end is loaded and shifted;
 * shorter inputs use two (possibly overlapping) loads of 4, or of 1 byte:
 * overlapping bytes land in the same place, so OR-ing them is harmless. */
static inline uint64_t loadTailLE(const uint8_t *p, size_t n, size_t inlen) {
    if (n == 0) return 0;
    if (inlen >= 8) return loadWordLE(p + n - 8) >> (64 - 8 * n);
    if (n >= 4) return load32LE(p) | (uint64_t)load32LE(p + n - 4) << (8 * (n - 4));
    return (uint64_t)p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) |
           (uint64_t)p[n - 1] << (8 * (n - 1));
}

typedef struct sipState {
    uint64_t v0, v1, v2, v3;
} sipState;

static inline void sipRound(sipState *s) {
    s->v0 += s->v1; s->v1 = ROTL64(s->v1, 13); s->v1 ^= s->v0;
    s->v0 = ROTL64(s->v0, 32);
    s->v2 += s->v3; s->v3 = ROTL64(s->v3, 16); s->v3 ^= s->v2;
    s->v0 += s->v3; s->v3 = ROTL64(s->v3, 21); s->v3 ^= s->v0;
    s->v2 += s->v1; s->v1 = ROTL64(s->v1, 17); s->v1 ^= s->v2;
    s->v2 = ROTL64(s->v2, 32);
}

static inline void sipAbsorb(sipState *s, uint64_t m, int crounds) {
    s->v3 ^= m;
#pragma GCC unroll 4 /* constant after inlining: no loop counter left */
    for (int i = 0; i < crounds; i++) sipRound(s);
    s->v0 ^= m;
}

static inline __attribute__((always_inline)) uint64_t sipCore(const uint8_t *in, size_t inlen,
                               const uint8_t *k, int crounds, int drounds,
                               int nocase) {
    uint64_t k0 = loadWordLE(k), k1 = loadWordLE(k + 8);
    /* The initialisation constants spell "somepseudorandomlygeneratedbytes". */
    sipState s = {
        k0 ^ UINT64_C(0x736f6d6570736575),
        k1 ^ UINT64_C(0x646f72616e646f6d),
        k0 ^ UINT64_C(0x6c7967656e657261),
        k1 ^ UINT64_C(0x7465646279746573),
    };

    size_t full = inlen & ~(size_t)7;
    for (size_t off = 0; off < full; off += 8) {
        uint64_t m = loadWordLE(in + off);
        sipAbsorb(&s, nocase ? asciiLowerWord(m) : m, crounds);
    }

    /* Last word: the 0..7 trailing bytes, with the low byte of the total
     * length in the top byte so inputs differing only by trailing zeros
     * still hash differently. */
    uint64_t tail = loadTailLE(in + full, inlen & 7, inlen);
    if (nocase) tail = asciiLowerWord(tail); /* before the length byte goes in */
    sipAbsorb(&s, tail | (uint64_t)(inlen & 0xff) << 56, crounds);

    s.v2 ^= 0xff;
#pragma GCC unroll 4
    for (int i = 0; i < drounds; i++) sipRound(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t siphash(const uint8_t *in, size_t inlen, const uint8_t *k) {
    return sipCore(in, inlen, k, 1, 2, 0);
}

uint64_t siphash_nocase(const uint8_t *in, size_t inlen, const uint8_t *k) {
    return sipCore(in, inlen, k, 1, 2, 1);
}

uint64_t siphash_cd(const uint8_t *in, size_t inlen, const uint8_t *k,
                    int crounds, int drounds) {
    return sipCore(in, inlen, k, crounds, drounds, 0);
}
