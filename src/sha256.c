/* sha256.c - SHA-256 as specified by FIPS 180-4 (see sha256.h). */
#include <string.h>
#include "sha256.h"

/* First 32 bits of the fractional parts of the cube roots of the first 64
 * primes (FIPS 180-4, 4.2.2). */
static const uint32_t roundConst[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

/* Process one 64-byte block into the state. */
static void compressBlock(uint32_t h[8], const unsigned char *p) {
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)p[4*t] << 24 | (uint32_t)p[4*t+1] << 16 |
               (uint32_t)p[4*t+2] << 8 | (uint32_t)p[4*t+3];
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = rotr(w[t-15], 7) ^ rotr(w[t-15], 18) ^ (w[t-15] >> 3);
        uint32_t s1 = rotr(w[t-2], 17) ^ rotr(w[t-2], 19) ^ (w[t-2] >> 10);
        w[t] = w[t-16] + s0 + w[t-7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    uint32_t e = h[4], f = h[5], g = h[6], k = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t sum1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        uint32_t choose = (e & f) ^ (~e & g);
        uint32_t t1 = k + sum1 + choose + roundConst[t] + w[t];
        uint32_t sum0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = sum0 + majority;
        k = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

void sha256Init(sha256Ctx *ctx) {
    static const uint32_t iv[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
    };
    memcpy(ctx->h, iv, sizeof(iv));
    ctx->total_len = 0;
    ctx->block_len = 0;
}

void sha256Update(sha256Ctx *ctx, const void *data, size_t len) {
    const unsigned char *p = data;
    ctx->total_len += len;
    while (len) {
        size_t take = 64 - ctx->block_len;
        if (take > len) take = len;
        /* Whole blocks straight from the input, no copy. */
        if (ctx->block_len == 0 && take == 64) {
            compressBlock(ctx->h, p);
        } else {
            memcpy(ctx->block + ctx->block_len, p, take);
            ctx->block_len += take;
            if (ctx->block_len == 64) {
                compressBlock(ctx->h, ctx->block);
                ctx->block_len = 0;
            }
        }
        p += take;
        len -= take;
    }
}

/* Padding: a 1 bit, zeros up to 56 mod 64, then the bit length (64-bit
 * big endian). */
void sha256Final(sha256Ctx *ctx, unsigned char out[SHA256_DIGEST_LEN]) {
    uint64_t bits = ctx->total_len * 8;
    ctx->block[ctx->block_len++] = 0x80;
    if (ctx->block_len > 56) {
        memset(ctx->block + ctx->block_len, 0, 64 - ctx->block_len);
        compressBlock(ctx->h, ctx->block);
        ctx->block_len = 0;
    }
    memset(ctx->block + ctx->block_len, 0, 56 - ctx->block_len);
    for (int j = 0; j < 8; j++) ctx->block[56 + j] = (unsigned char)(bits >> (56 - 8 * j));
    compressBlock(ctx->h, ctx->block);
    for (int j = 0; j < 8; j++) {
        out[4*j] = (unsigned char)(ctx->h[j] >> 24);
        out[4*j+1] = (unsigned char)(ctx->h[j] >> 16);
        out[4*j+2] = (unsigned char)(ctx->h[j] >> 8);
        out[4*j+3] = (unsigned char)ctx->h[j];
    }
}

void sha256(const void *data, size_t len, unsigned char out[SHA256_DIGEST_LEN]) {
    sha256Ctx ctx;
    sha256Init(&ctx);
    sha256Update(&ctx, data, len);
    sha256Final(&ctx, out);
}

void sha256Hex(const unsigned char digest[SHA256_DIGEST_LEN], char out[65]) {
    static const char hex[] = "0123456789abcdef";
    for (int j = 0; j < SHA256_DIGEST_LEN; j++) {
        out[2*j] = hex[digest[j] >> 4];
        out[2*j+1] = hex[digest[j] & 15];
    }
    out[64] = '\0';
}
