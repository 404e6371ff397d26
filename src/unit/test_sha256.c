/* test_sha256.c - unit tests for sha256.c with the FIPS 180 / NIST vectors. */
#include <stdlib.h>
#include "test_help.h"
#include "../sha256.h"

static int hexIs(const void *data, size_t len, const char *expect) {
    unsigned char d[SHA256_DIGEST_LEN];
    char hex[65];
    sha256(data, len, d);
    sha256Hex(d, hex);
    return strcmp(hex, expect) == 0;
}

TEST(standard_vectors) {
    TEST_ASSERT(hexIs("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    TEST_ASSERT(hexIs("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    TEST_ASSERT(hexIs(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    const char *four = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                       "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    TEST_ASSERT(hexIs(four, strlen(four), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"));
    /* The hash Redis shows for the password "p1" (ACL GETUSER). */
    TEST_ASSERT(hexIs("p1", 2, "f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a"));
}

TEST(million_a) {
    size_t n = 1000000;
    char *buf = malloc(n);
    memset(buf, 'a', n);
    TEST_ASSERT(hexIs(buf, n, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    free(buf);
}

/* Uneven pieces give the digest of the whole: partial block edges. */
TEST(incremental_matches_oneshot) {
    unsigned char data[300];
    for (int i = 0; i < 300; i++) data[i] = (unsigned char)(i * 7 + 3);
    for (size_t len = 0; len <= 300; len++) {
        unsigned char a[32], b[32];
        sha256(data, len, a);
        sha256Ctx ctx;
        sha256Init(&ctx);
        size_t off = 0, step = 1;
        while (off < len) {
            size_t take = step < len - off ? step : len - off;
            sha256Update(&ctx, data + off, take);
            off += take;
            step = step * 3 % 67 + 1;
        }
        sha256Final(&ctx, b);
        TEST_ASSERT(memcmp(a, b, 32) == 0);
    }
}

int main(void) {
    RUN(standard_vectors);
    RUN(million_a);
    RUN(incremental_matches_oneshot);
    return TEST_REPORT();
}
