/* sha1.c - SHA-1 message digest, written from the FIPS 180-4 description.
 *
 * The message is processed in 64-byte blocks; each block is expanded to an
 * 80-word schedule and mixed into the five 32-bit state words with the four
 * round functions (choose, parity, majority, parity). The final block is
 * padded with 0x80, zeros, and the message length in bits (big endian). */
#include "sha1.h"
#include <string.h>

static inline uint32_t rotl32(uint32_t x, int n) {
    return (x << n) | (x >> (32 - n));
}

static uint32_t loadBE32(const unsigned char *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void storeBE32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* The schedule word t >= 16, computed in place in a 16-word ring: the
 * 80-word array costs a store and a load per word more. */
static inline uint32_t sha1Sched(uint32_t w[16], int t) {
    uint32_t v = rotl32(w[(t + 13) & 15] ^ w[(t + 8) & 15] ^ w[(t + 2) & 15] ^ w[t & 15], 1);
    w[t & 15] = v;
    return v;
}

/* One round: the variables' roles rotate (e <- d <- c <- rotl(b,30) <- b
 * <- a <- new); with the loops below unrolled the moves are only renames. */
#define SHA1_ROTATE(v, f, k, wt)                                      \
    do {                                                              \
        uint32_t tmp_ = rotl32(v[0], 5) + (f) + v[4] + (k) + (wt);   \
        v[4] = v[3];                                                  \
        v[3] = v[2];                                                  \
        v[2] = rotl32(v[1], 30);                                      \
        v[1] = v[0];                                                  \
        v[0] = tmp_;                                                  \
    } while (0)

/* Mix one 64-byte block into the state: four stages of 20 rounds, each
 * with its own round function and constant, so no round tests which
 * stage it is in (that branching loop cost twice the instructions). */
static void sha1Compress(uint32_t h[5], const unsigned char *block) {
    uint32_t w[16], v[5] = {h[0], h[1], h[2], h[3], h[4]};
    int t;
    for (t = 0; t < 16; t++) w[t] = loadBE32(block + 4 * t);
#pragma GCC unroll 16
    for (t = 0; t < 16; t++) SHA1_ROTATE(v, v[3] ^ (v[1] & (v[2] ^ v[3])), 0x5A827999, w[t]);
#pragma GCC unroll 4
    for (; t < 20; t++)
        SHA1_ROTATE(v, v[3] ^ (v[1] & (v[2] ^ v[3])), 0x5A827999, sha1Sched(w, t));
#pragma GCC unroll 20
    for (; t < 40; t++) SHA1_ROTATE(v, v[1] ^ v[2] ^ v[3], 0x6ED9EBA1, sha1Sched(w, t));
#pragma GCC unroll 20
    for (; t < 60; t++)
        SHA1_ROTATE(v, (v[1] & v[2]) | (v[3] & (v[1] | v[2])), 0x8F1BBCDC, sha1Sched(w, t));
#pragma GCC unroll 20
    for (; t < 80; t++) SHA1_ROTATE(v, v[1] ^ v[2] ^ v[3], 0xCA62C1D6, sha1Sched(w, t));
    for (t = 0; t < 5; t++) h[t] += v[t];
}

void sha1Init(sha1Ctx *ctx) {
    ctx->h[0] = 0x67452301;
    ctx->h[1] = 0xEFCDAB89;
    ctx->h[2] = 0x98BADCFE;
    ctx->h[3] = 0x10325476;
    ctx->h[4] = 0xC3D2E1F0;
    ctx->total_len = 0;
    ctx->block_len = 0;
}

void sha1Update(sha1Ctx *ctx, const void *data, size_t len) {
    const unsigned char *p = data;
    ctx->total_len += len;
    /* Top up a partial block first. */
    if (ctx->block_len) {
        size_t take = 64 - ctx->block_len;
        if (take > len) take = len;
        memcpy(ctx->block + ctx->block_len, p, take);
        ctx->block_len += take;
        p += take;
        len -= take;
        if (ctx->block_len < 64) return;
        sha1Compress(ctx->h, ctx->block);
        ctx->block_len = 0;
    }
    /* Whole blocks straight from the input. */
    while (len >= 64) {
        sha1Compress(ctx->h, p);
        p += 64;
        len -= 64;
    }
    memcpy(ctx->block, p, len);
    ctx->block_len = len;
}

void sha1Final(sha1Ctx *ctx, unsigned char out[SHA1_DIGEST_LEN]) {
    uint64_t bits = ctx->total_len * 8;
    ctx->block[ctx->block_len++] = 0x80;
    /* No room for the 8-byte length: pad out this block and start another. */
    if (ctx->block_len > 56) {
        memset(ctx->block + ctx->block_len, 0, 64 - ctx->block_len);
        sha1Compress(ctx->h, ctx->block);
        ctx->block_len = 0;
    }
    memset(ctx->block + ctx->block_len, 0, 56 - ctx->block_len);
    for (int i = 0; i < 8; i++)
        ctx->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
    sha1Compress(ctx->h, ctx->block);
    for (int i = 0; i < 5; i++) storeBE32(out + 4 * i, ctx->h[i]);
    memset(ctx, 0, sizeof(*ctx));
}

void sha1(const void *data, size_t len, unsigned char out[SHA1_DIGEST_LEN]) {
    sha1Ctx ctx;
    sha1Init(&ctx);
    sha1Update(&ctx, data, len);
    sha1Final(&ctx, out);
}

void sha1Hex(const unsigned char digest[SHA1_DIGEST_LEN], char out[41]) {
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < SHA1_DIGEST_LEN; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 0xf];
    }
    out[40] = '\0';
}
