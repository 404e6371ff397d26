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

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/* ASCII-only lowercase; deliberately locale independent. */
static inline uint8_t asciiLower(uint8_t c) {
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

static inline uint8_t inputByte(const uint8_t *p, int nocase) {
    return nocase ? asciiLower(*p) : *p;
}

/* Read 8 bytes as a little-endian word, whatever the host byte order and
 * alignment of the input. */
static inline uint64_t loadWordLE(const uint8_t *p, int nocase) {
    uint64_t w = 0;
    for (int i = 7; i >= 0; i--) w = (w << 8) | inputByte(p + i, nocase);
    return w;
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
    for (int i = 0; i < crounds; i++) sipRound(s);
    s->v0 ^= m;
}

static inline uint64_t sipCore(const uint8_t *in, size_t inlen,
                               const uint8_t *k, int crounds, int drounds,
                               int nocase) {
    uint64_t k0 = loadWordLE(k, 0), k1 = loadWordLE(k + 8, 0);
    /* The initialisation constants spell "somepseudorandomlygeneratedbytes". */
    sipState s = {
        k0 ^ UINT64_C(0x736f6d6570736575),
        k1 ^ UINT64_C(0x646f72616e646f6d),
        k0 ^ UINT64_C(0x6c7967656e657261),
        k1 ^ UINT64_C(0x7465646279746573),
    };

    size_t full = inlen & ~(size_t)7;
    for (size_t off = 0; off < full; off += 8)
        sipAbsorb(&s, loadWordLE(in + off, nocase), crounds);

    /* Last word: the 0..7 trailing bytes, with the low byte of the total
     * length in the top byte so inputs differing only by trailing zeros
     * still hash differently. */
    uint64_t last = (uint64_t)(inlen & 0xff) << 56;
    for (size_t i = 0; i < (inlen & 7); i++)
        last |= (uint64_t)inputByte(in + full + i, nocase) << (8 * i);
    sipAbsorb(&s, last, crounds);

    s.v2 ^= 0xff;
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
