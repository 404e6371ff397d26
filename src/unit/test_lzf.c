/* test_lzf.c - unit tests for lzf.c: round trips, streams written by
 * liblzf (as stock Redis stores them), and corrupt input. */
#include <stdlib.h>
#include <errno.h>
#include "test_help.h"
#include "../lzf.h"

static int roundTrips(const unsigned char *data, unsigned len) {
    unsigned cap = len + len / 16 + 64;
    unsigned char *comp = malloc(cap), *back = malloc(len + 1);
    unsigned clen = lzf_compress(data, len, comp, cap);
    int ok = clen > 0 && lzf_decompress(comp, clen, back, len) == len &&
             memcmp(back, data, len) == 0;
    free(comp);
    free(back);
    return ok;
}

TEST(round_trip_shapes) {
    unsigned char buf[70000];
    memset(buf, 'x', sizeof(buf));
    TEST_ASSERT(roundTrips(buf, 1));
    TEST_ASSERT(roundTrips(buf, 3));
    TEST_ASSERT(roundTrips(buf, 100));
    TEST_ASSERT(roundTrips(buf, sizeof(buf)));
    srand(7);
    for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (unsigned char)rand();
    TEST_ASSERT(roundTrips(buf, sizeof(buf)));
    for (size_t i = 0; i < sizeof(buf); i++) buf[i] = "abcab-123"[rand() % 9];
    TEST_ASSERT(roundTrips(buf, sizeof(buf)));
    for (unsigned len = 1; len < 600; len += 7) TEST_ASSERT(roundTrips(buf, len));
}

TEST(compresses_repetition) {
    unsigned char in[1000], out[1000];
    memset(in, 'a', sizeof(in));
    unsigned n = lzf_compress(in, sizeof(in), out, sizeof(out));
    TEST_ASSERT(n > 0 && n < 40);
}

TEST(no_room_returns_zero) {
    unsigned char in[256], out[256];
    for (int i = 0; i < 256; i++) in[i] = (unsigned char)(i * 37 + 11);
    TEST_ASSERT(lzf_compress(in, sizeof(in), out, 200) == 0);
    TEST_ASSERT(lzf_compress(in, 0, out, 200) == 0);
}

/* 100 'x' as stock Redis 7.0 stores it in an RDB file (liblzf output). */
TEST(decodes_liblzf_stream) {
    const unsigned char stream[] = {0x01, 'x', 'x', 0xe0, 0x57, 0x00, 0x01, 'x', 'x'};
    unsigned char out[100], expect[100];
    memset(expect, 'x', sizeof(expect));
    TEST_ASSERT(lzf_decompress(stream, sizeof(stream), out, sizeof(out)) == 100);
    TEST_ASSERT(memcmp(out, expect, 100) == 0);
}

TEST(corrupt_input_is_an_error) {
    unsigned char out[64];
    const unsigned char backref_first[] = {0x20, 0x00};          /* nothing to refer to */
    const unsigned char short_literal[] = {0x05, 'a', 'b'};       /* run cut short */
    const unsigned char cut_ref[] = {0x00, 'a', 0xe0};            /* reference cut short */
    const unsigned char too_far[] = {0x01, 'a', 'b', 0x20, 0x05}; /* 6 back, 2 written */
    errno = 0;
    TEST_ASSERT(lzf_decompress(backref_first, 2, out, 64) == 0 && errno == EINVAL);
    TEST_ASSERT(lzf_decompress(short_literal, 3, out, 64) == 0 && errno == EINVAL);
    TEST_ASSERT(lzf_decompress(cut_ref, 3, out, 64) == 0 && errno == EINVAL);
    TEST_ASSERT(lzf_decompress(too_far, 5, out, 64) == 0 && errno == EINVAL);
    const unsigned char stream[] = {0x01, 'x', 'x', 0xe0, 0x57, 0x00};
    errno = 0;
    TEST_ASSERT(lzf_decompress(stream, sizeof(stream), out, 64) == 0 && errno == E2BIG);
}

/* Random garbage must never make the decoder write out of bounds (run
 * under ASan to make this meaningful). */
TEST(random_garbage_is_safe) {
    unsigned char in[200], out[300];
    srand(11);
    for (int round = 0; round < 20000; round++) {
        unsigned len = (unsigned)(rand() % sizeof(in));
        for (unsigned i = 0; i < len; i++) in[i] = (unsigned char)rand();
        unsigned n = lzf_decompress(in, len, out, (unsigned)(rand() % sizeof(out)));
        TEST_ASSERT(n <= sizeof(out));
    }
}

int main(void) {
    test_file_name = "test_lzf";
    RUN(round_trip_shapes);
    RUN(compresses_repetition);
    RUN(no_room_returns_zero);
    RUN(decodes_liblzf_stream);
    RUN(corrupt_input_is_an_error);
    RUN(random_garbage_is_safe);
    return TEST_REPORT();
}
