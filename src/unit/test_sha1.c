/* test_sha1.c - unit tests for sha1.c with the FIPS 180 / RFC 3174 vectors. */
#include <stdlib.h>
#include "test_help.h"
#include "../sha1.h"

static int hexIs(const void *data, size_t len, const char *expect) {
    unsigned char d[SHA1_DIGEST_LEN];
    char hex[41];
    sha1(data, len, d);
    sha1Hex(d, hex);
    return strcmp(hex, expect) == 0;
}

TEST(standard_vectors) {
    TEST_ASSERT(hexIs("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709"));
    TEST_ASSERT(hexIs("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d"));
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    TEST_ASSERT(hexIs(two, strlen(two), "84983e441c3bd26ebaae4aa1f95129e5e54670f1"));
    const char *four = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                       "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    TEST_ASSERT(hexIs(four, strlen(four), "a49b2446a02c645bf419f995b67091253a04a259"));
    TEST_ASSERT(hexIs("The quick brown fox jumps over the lazy dog", 43,
                      "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"));
}

TEST(million_a) {
    size_t n = 1000000;
    char *buf = malloc(n);
    memset(buf, 'a', n);
    TEST_ASSERT(hexIs(buf, n, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"));
    free(buf);
}

/* Feeding the input in uneven pieces must give the same digest as at once:
 * exercises the partial block logic, including the 55/56/64 byte edges. */
TEST(incremental_matches_oneshot) {
    unsigned char data[300];
    for (int i = 0; i < 300; i++) data[i] = (unsigned char)(i * 7 + 3);
    for (size_t len = 0; len <= 300; len += 1) {
        unsigned char a[20], b[20];
        sha1(data, len, a);
        sha1Ctx ctx;
        sha1Init(&ctx);
        size_t off = 0, step = 1;
        while (off < len) {
            size_t take = step < len - off ? step : len - off;
            sha1Update(&ctx, data + off, take);
            off += take;
            step = step * 3 % 67 + 1;
        }
        sha1Final(&ctx, b);
        TEST_ASSERT(memcmp(a, b, 20) == 0);
    }
}

int main(void) {
    RUN(standard_vectors);
    RUN(million_a);
    RUN(incremental_matches_oneshot);
    return TEST_REPORT();
}
