/* sha1.h - SHA-1 (FIPS 180-4), used by DEBUG DIGEST and anything else that
 * needs a stable 160-bit fingerprint. Pure: no server state, unit-tested in
 * src/unit/test_sha1.c against the standard test vectors. SHA-1 is not used
 * for security here, only for compatibility with Redis's digest values. */
#ifndef SHA1_H
#define SHA1_H

#include <stdint.h>
#include <stddef.h>

#define SHA1_DIGEST_LEN 20

typedef struct sha1Ctx {
    uint32_t h[5];          /* running hash state */
    uint64_t total_len;     /* bytes fed so far */
    unsigned char block[64];/* partial input block */
    size_t block_len;       /* bytes used in block */
} sha1Ctx;

void sha1Init(sha1Ctx *ctx);
void sha1Update(sha1Ctx *ctx, const void *data, size_t len);
void sha1Final(sha1Ctx *ctx, unsigned char out[SHA1_DIGEST_LEN]);
/* One-shot helper. */
void sha1(const void *data, size_t len, unsigned char out[SHA1_DIGEST_LEN]);
/* Lower case hex of a digest: out must hold 41 bytes (nul terminated). */
void sha1Hex(const unsigned char digest[SHA1_DIGEST_LEN], char out[41]);

#endif
