/* test_lzf.c - unit tests for lzf.c: round trips, a stream made by stock
 * liblzf (Redis's DUMP of a compressible string), and corrupt input. */
#include <stdlib.h>
#include <stdint.h>
#include "test_help.h"
#include "../lzf.h"

/* Our codec and the liblzf-named one (the system library when linked)
 * must read each other's streams. */
static int roundTrip(const unsigned char *in, unsigned len) {
    unsigned cap = len + len / 16 + 64;
    unsigned char *c = malloc(cap), *d = malloc(len + 1);
    unsigned cl = lzfOwnCompress(in, len, c, cap);
    int ok = cl > 0 || len == 0;
    if (ok && len) ok = lzf_decompress(c, cl, d, len) == len && memcmp(in, d, len) == 0;
    if (ok && len) ok = lzfOwnDecompress(c, cl, d, len) == len && memcmp(in, d, len) == 0;
    cl = lzf_compress(in, len, c, cap);
    if (ok && len && cl) ok = lzfOwnDecompress(c, cl, d, len) == len && memcmp(in, d, len) == 0;
    free(c);
    free(d);
    return ok;
}

TEST(round_trips) {
    unsigned char *buf = malloc(200000);
    srand(7);
    for (int iter = 0; iter < 200; iter++) {
        unsigned len = rand() % (iter < 100 ? 300 : 200000);
        int alpha = 1 + rand() % 255;
        for (unsigned i = 0; i < len; i++) buf[i] = rand() % alpha;
        if (iter % 3 == 0) for (unsigned i = 0; i < len; i++) buf[i] = "abcabcabd"[i % 9];
        TEST_ASSERT(roundTrip(buf, len));
    }
    memset(buf, 'x', 100000);
    TEST_ASSERT(roundTrip(buf, 100000));
    unsigned char out[2000];
    unsigned cl = lzfOwnCompress(buf, 100000, out, sizeof(out));
    TEST_ASSERT(cl > 0 && cl < 1300);   /* 264-byte refs: about 3 bytes each */
    free(buf);
}

TEST(too_small_output) {
    unsigned char in[256], out[300];
    for (int i = 0; i < 256; i++) in[i] = (unsigned char)(i * 37 + 11);
    TEST_ASSERT(lzfOwnCompress(in, 256, out, 100) == 0);  /* incompressible */
    unsigned cl = lzfOwnCompress(in, 256, out, sizeof(out));
    unsigned char back[256];
    TEST_ASSERT(cl && lzfOwnDecompress(out, cl, back, 255) == 0);
}

/* "aaaa...(30 a)bbbb...(30 b)" as compressed by stock Redis (liblzf). */
TEST(stock_stream) {
    const unsigned char stream[] = {0x01, 'a', 'a', 0xe0, 0x13, 0x00, 0x00, 'b',
                                    0xe0, 0x12, 0x00, 0x01, 'b', 'b'};
    unsigned char out[64];
    char expect[61];
    memset(expect, 'a', 30);
    memset(expect + 30, 'b', 30);
    unsigned n = lzfOwnDecompress(stream, sizeof(stream), out, sizeof(out));
    TEST_ASSERT(n == 60 && memcmp(out, expect, 60) == 0);
    /* The liblzf-named compressor reproduces stock's bytes when it is the
     * system library (Debian's redis-server links the same one). */
#ifdef USE_SYSTEM_LZF
    unsigned char comp[64];
    unsigned cl = lzf_compress(expect, 60, comp, sizeof(comp));
    TEST_ASSERT(cl == sizeof(stream) && memcmp(comp, stream, cl) == 0);
#endif
}

TEST(corrupt_input) {
    unsigned char out[100];
    const unsigned char badref[] = {0x20, 0x05};               /* ref before start */
    TEST_ASSERT(lzfOwnDecompress(badref, 2, out, 100) == 0);
    const unsigned char cutlit[] = {0x05, 'a', 'b'};           /* literal cut */
    TEST_ASSERT(lzfOwnDecompress(cutlit, 3, out, 100) == 0);
    const unsigned char cutref[] = {0x00, 'a', 0xe0};          /* long ref cut */
    TEST_ASSERT(lzfOwnDecompress(cutref, 3, out, 100) == 0);
    srand(3);
    for (int i = 0; i < 20000; i++) {
        unsigned char junk[40];
        unsigned len = 1 + rand() % 40;
        for (unsigned j = 0; j < len; j++) junk[j] = rand();
        unsigned char *o = malloc(50);
        lzfOwnDecompress(junk, len, o, 50);         /* must stay in bounds */
        free(o);
    }
}

int main(void) {
    RUN(round_trips);
    RUN(too_small_output);
    RUN(stock_stream);
    RUN(corrupt_input);
    return TEST_REPORT();
}
