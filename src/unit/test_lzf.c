/* test_lzf.c - unit tests for lzf.c: round trips, streams written by
 * liblzf (as stock Redis stores them), corrupt input, and compressed bytes
 * identical to liblzf 3.6: golden vectors made once with the real library,
 * plus a randomized comparison against it when liblzf.so.1 is installed
 * (loaded at run time only for the test; skipped when absent). */
#include <dlfcn.h>
#include <stdint.h>
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

/* ---- Byte-identical to liblzf ---- */

/* Golden-vector inputs: deterministic, defined by (kind, len). */
static unsigned goldenLcg(unsigned *s) { *s = *s * 1103515245u + 12345u; return (*s >> 16) & 0x7fff; }
static void goldenInput(int kind, unsigned len, unsigned char *buf) {
    unsigned s = 42u + (unsigned)kind;
    for (unsigned i = 0; i < len; i++) {
        switch (kind) {
        case 0: buf[i] = 'a'; break;                                   /* one byte repeated */
        case 1: buf[i] = "abc"[i % 3]; break;                          /* short period */
        case 2: buf[i] = "hello world, "[i % 13]; break;               /* text period */
        case 3: buf[i] = (unsigned char)("ab"[goldenLcg(&s) % 2]); break; /* 2-letter noise */
        case 4: buf[i] = (unsigned char)('0' + goldenLcg(&s) % 10); break; /* digits */
        case 5: buf[i] = (unsigned char)goldenLcg(&s); break;          /* incompressible */
        default: /* a 200-byte block, again 8092 bytes later (in reach)
                  * and 8408 bytes after that (out of reach), 'z' between */
            if (i < 200) buf[i] = (unsigned char)('a' + goldenLcg(&s) % 26);
            else if (i >= 8092 && i < 8292) buf[i] = buf[i - 8092];
            else if (i >= 16500 && i < 16700) buf[i] = buf[i - 8408];
            else buf[i] = 'z';
        }
    }
}

/* liblzf 3.6 (Debian liblzf1) output for goldenInput(kind, len), with the
 * smallest out_len for which it does not give up: it keeps a few bytes of
 * margin, and stock Redis stores a string uncompressed when it gives up. */
static const struct { int kind; unsigned len, mincap; const char *hex; } golden[] = {
    {0, 21, 10, "016161e00a00"},
    {0, 22, 10, "016161e00a000061"},
    {0, 23, 10, "016161e00a00016161"},
    {0, 100, 10, "016161e05700016161"},
    {0, 300, 13, "016161e0ff00e01700016161"},
    {1, 24, 12, "0361626361e00a020063"},
    {1, 25, 12, "0361626361e00a02016361"},
    {2, 90, 22, "0d68656c6c6f20776f726c642c2068e0410c01642c"},
    {3, 64, 46, "046262616261200000622005006220042006400020092004200240004005400c40074000"
        "200980002009"},
    {3, 200, 118, "046262616261200000622005006220042006400020092004200240004005400c40074000"
        "200980006009200f200720052004200220002009600a4006400020098006200720012002"
        "8004a007200d4004400520072003200a2006200740012004200320004004600a20084002"
        "60184008200e016162"},
    {4, 120, 127, "1f3831323535303039373132313237393436333239383337343839303232323537023131"
        "37201d1f3633373738393336333832383731353533383333363234353034353637343639"
        "1f3533353235333139313936393332373039393334313239353232383036313639023130"
        "382008083935373339333837302062"},
    {5, 40, 43, "1f68b61996469377d9430f8c12d0cc3f771c6b8f48f91260aa8e9f0546c2a991a107633b"
        "dd391a4f5965"},
    {6, 16700, 602, "1f73766873776a6368686f677a667372726a6167676c6e77797461636f686a73781f6a64"
        "636e6f786d62656b7864687676786475767063796167796b656170767a621f687262706a"
        "6f697a6f646e736c6b7478707277626d717a7070777878737062651f7367676462617761"
        "72656b68706e6b737472676776717a716d616579736664721f6f65616d636e756b727a6e"
        "63657375796971617266686c7a63656c7379676b640f7a686368756263766871766b7970"
        "7a6220a415636366796a666f7476756b636f6c7178637576646b7ae0ff00e0ff00e0ff00"
        "e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00"
        "e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00"
        "e0ff00e0ff00e0e2000073ffff9be0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0"
        "ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0"
        "ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0d6001f"
        "73766873776a6368686f677a667372726a6167676c6e77797461636f686a73781f6a6463"
        "6e6f786d62656b7864687676786475767063796167796b656170767a621f687262706a6f"
        "697a6f646e736c6b7478707277626d717a7070777878737062651f736767646261776172"
        "656b68706e6b737472676776717a716d616579736664721f6f65616d636e756b727a6e63"
        "657375796971617266686c7a63656c7379676b640f7a686368756263766871766b79707a"
        "6220a414636366796a666f7476756b636f6c7178637576646b"},
    {0, 20000, 235, "016161e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00"
        "e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00"
        "e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00"
        "e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00"
        "e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00"
        "e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00"
        "e0ff00e0ff00e0ff00e0ff00e0bb00016161"},
    {2, 65, 22, "0d68656c6c6f20776f726c642c2068e0280c012c20"},
};

static unsigned hexToBytes(const char *hex, unsigned char *out) {
    unsigned n = 0;
    for (; hex[0] && hex[1]; hex += 2) {
        unsigned v;
        sscanf(hex, "%2x", &v);
        out[n++] = (unsigned char)v;
    }
    return n;
}

TEST(golden_vectors_match_liblzf) {
    static unsigned char in[20000], want[2000], got[22000];
    for (size_t j = 0; j < sizeof(golden) / sizeof(golden[0]); j++) {
        unsigned n = golden[j].len, wn = hexToBytes(golden[j].hex, want);
        goldenInput(golden[j].kind, n, in);
        unsigned gn = lzf_compress(in, n, got, n + n / 16 + 64);
        TEST_ASSERT_MSG(gn == wn && memcmp(got, want, wn) == 0, golden[j].hex);
        TEST_ASSERT(lzf_compress(in, n, got, golden[j].mincap) == wn);
        TEST_ASSERT(lzf_compress(in, n, got, golden[j].mincap - 1) == 0);
        TEST_ASSERT(lzf_decompress(want, wn, got, n) == n && memcmp(got, in, n) == 0);
    }
}

typedef unsigned (*lzfCompressFn)(const void *, unsigned, void *, unsigned);

/* liblzf keeps its hash table on the stack, uninitialized: stale slots
 * from earlier calls can (rarely) offer extra match candidates. Zeroing
 * the stack below us first gives it the clean table we model. */
__attribute__((noinline)) static void scrubStack(void) {
    volatile unsigned char junk[1 << 20];
    memset((unsigned char *)junk, 0, sizeof(junk));
}

__attribute__((noinline)) static unsigned callLiblzf(lzfCompressFn fn, const void *in,
                                                     unsigned n, void *out, unsigned cap) {
    scrubStack();
    return fn(in, n, out, cap);
}

/* Random inputs of many shapes and output capacities (including Redis'
 * len - 4), compared byte for byte with the real library. */
TEST(random_inputs_match_liblzf) {
    void *lib = dlopen("liblzf.so.1", RTLD_NOW | RTLD_LOCAL);
    lzfCompressFn ref = lib ? (lzfCompressFn)(uintptr_t)dlsym(lib, "lzf_compress") : NULL;
    if (!ref) {
        printf("  [skip] liblzf.so.1 not installed: no differential check\n");
        if (lib) dlclose(lib);
        return;
    }
    enum { MAXN = 40000 };
    unsigned char *in = malloc(MAXN), *a = malloc(MAXN + 4096), *b = malloc(MAXN + 4096);
    unsigned seed = 1234;
    for (int round = 0; round < 3000; round++) {
        unsigned shape = goldenLcg(&seed) % 5;
        unsigned n = goldenLcg(&seed) % (round % 10 == 0 ? MAXN : 600);
        unsigned alpha = 1 + goldenLcg(&seed) % (shape == 0 ? 2 : shape == 1 ? 4 : 256);
        for (unsigned i = 0; i < n; i++) {
            if (shape == 3 && i > 10 && goldenLcg(&seed) % 3)
                in[i] = in[i - 1 - goldenLcg(&seed) % 10];      /* near copies */
            else if (shape == 4 && i > 300 && goldenLcg(&seed) % 8)
                in[i] = in[i - 1 - (goldenLcg(&seed) * 3u) % (i < 9000 ? i : 9000)];
            else
                in[i] = (unsigned char)(goldenLcg(&seed) % alpha);
        }
        unsigned cap = round % 3 == 0 ? (n > 4 ? n - 4 : 0)
                     : round % 3 == 1 ? n + n / 16 + 64 : goldenLcg(&seed) % (n + 70);
        unsigned an = callLiblzf(ref, in, n, a, cap), bn = lzf_compress(in, n, b, cap);
        TEST_ASSERT(an == bn && memcmp(a, b, an) == 0);
        if (an != bn || memcmp(a, b, an) != 0) {
            fprintf(stderr, "  round %d shape %u len %u cap %u: liblzf %u ours %u\n",
                    round, shape, n, cap, an, bn);
            break;
        }
    }
    free(in); free(a); free(b);
    dlclose(lib);
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

/* Back references of every distance 1..32 and length 3..264 decode to
 * the repeated pattern, and nothing past out_len is ever written (the
 * decoder copies in 8-byte steps where it has room). */
#define LZF_TEST_MAX_LITERAL 32 /* one literal run holds the pattern */
TEST(back_references_and_bounds) {
    unsigned char out[400], expect[400];
    for (unsigned dist = 1; dist <= LZF_TEST_MAX_LITERAL; dist++) {
        for (unsigned len = 3; len <= 264; len += (len < 20 ? 1 : 29)) {
            /* literal run of dist bytes, then one reference */
            unsigned char stream[64 + 3];
            unsigned sl = 0;
            stream[sl++] = (unsigned char)(dist - 1);
            for (unsigned i = 0; i < dist; i++) stream[sl++] = expect[i] = (unsigned char)('a' + i % 26);
            unsigned l = len - 2, off = dist - 1;
            if (l < 7) {
                stream[sl++] = (unsigned char)(l << 5 | off >> 8);
            } else {
                stream[sl++] = (unsigned char)(7 << 5 | off >> 8);
                stream[sl++] = (unsigned char)(l - 7);
            }
            stream[sl++] = (unsigned char)(off & 0xff);
            for (unsigned i = dist; i < dist + len; i++) expect[i] = expect[i - dist];
            unsigned total = dist + len;
            memset(out, 0xAA, sizeof(out));
            TEST_ASSERT(lzf_decompress(stream, sl, out, total) == total);
            TEST_ASSERT(memcmp(out, expect, total) == 0);
            TEST_ASSERT(out[total] == 0xAA && out[total + 7] == 0xAA); /* untouched */
            errno = 0;
            TEST_ASSERT(lzf_decompress(stream, sl, out, total - 1) == 0 && errno == E2BIG);
        }
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
    RUN(back_references_and_bounds);
    RUN(golden_vectors_match_liblzf);
    RUN(random_inputs_match_liblzf);
    return TEST_REPORT();
}
