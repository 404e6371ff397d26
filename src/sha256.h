/* sha256.h - SHA-256 (FIPS 180-4). Pure: no server state, unit-tested in
 * src/unit/test_sha256.c against the standard test vectors. The ACL module
 * stores user passwords as the lower case hex of their SHA-256, as Redis
 * does (so hashes in ACL files and "#<hash>" rules are interchangeable). */
#ifndef SHA256_H
#define SHA256_H

#include <stdint.h>
#include <stddef.h>

#define SHA256_DIGEST_LEN 32

typedef struct sha256Ctx {
    uint32_t h[8];           /* running hash state */
    uint64_t total_len;      /* bytes fed so far */
    unsigned char block[64]; /* partial input block */
    size_t block_len;        /* bytes used in block */
} sha256Ctx;

void sha256Init(sha256Ctx *ctx);
void sha256Update(sha256Ctx *ctx, const void *data, size_t len);
void sha256Final(sha256Ctx *ctx, unsigned char out[SHA256_DIGEST_LEN]);
/* One-shot helper. */
void sha256(const void *data, size_t len, unsigned char out[SHA256_DIGEST_LEN]);
/* Lower case hex of a digest: out must hold 65 bytes (nul terminated). */
void sha256Hex(const unsigned char digest[SHA256_DIGEST_LEN], char out[65]);

#endif
