/* test_siphash.c - unit tests for siphash.c.
 *
 * There are no official SipHash-1-2 vectors, so the shared code path is
 * validated against the published SipHash-2-4 vectors (key 00..0f, message
 * 00..len-1) through siphash_cd(); the 1-2 entry points are then checked for
 * consistency with siphash_cd(.., 1, 2), for key/length sensitivity, and for
 * siphash_nocase() matching siphash() of the lowercased input.
 *
 * siphash.c loads whole words and case-folds 8 bytes at a time; the values
 * must never change (dict order, SCAN cursors), so both public functions are
 * also compared with a straightforward byte-at-a-time reference (refSip12
 * below) over every length 0..64, every alignment and mixed-case inputs.
 */
#include <stdint.h>
#include <stdlib.h>
#include "siphash.h"
#include "unit/test_help.h"

static const struct { size_t len; uint64_t out; } sip24_vectors[] = {
    {0, UINT64_C(0x726fdb47dd0e0e31)},
    {1, UINT64_C(0x74f839c593dc67fd)},
    {2, UINT64_C(0x0d6c8009d9a94f5a)},
    {3, UINT64_C(0x85676696d7fb7e2d)},
    {4, UINT64_C(0xcf2794e0277187b7)},
    {5, UINT64_C(0x18765564cd99a68d)},
    {6, UINT64_C(0xcbc9466e58fee3ce)},
    {7, UINT64_C(0xab0200f58b01d137)},
    {8, UINT64_C(0x93f5f5799a932462)},
    {9, UINT64_C(0x9e0082df0ba9e4b0)},
    {15, UINT64_C(0xa129ca6149be45e5)},
    {63, UINT64_C(0x958a324ceb064572)},
};

/* Byte-at-a-time SipHash-1-2, the shape siphash.c had before its word loads:
 * the reference the optimised code must match bit for bit. */
static uint8_t refLower(uint8_t c, int nocase) {
    return (nocase && c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static uint64_t refWord(const uint8_t *p, size_t n, int nocase) {
    uint64_t w = 0;
    for (size_t i = n; i-- > 0;) w = (w << 8) | refLower(p[i], nocase);
    return w;
}

#define REF_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

static void refRound(uint64_t v[4]) {
    v[0] += v[1]; v[1] = REF_ROTL(v[1], 13); v[1] ^= v[0]; v[0] = REF_ROTL(v[0], 32);
    v[2] += v[3]; v[3] = REF_ROTL(v[3], 16); v[3] ^= v[2];
    v[0] += v[3]; v[3] = REF_ROTL(v[3], 21); v[3] ^= v[0];
    v[2] += v[1]; v[1] = REF_ROTL(v[1], 17); v[1] ^= v[2]; v[2] = REF_ROTL(v[2], 32);
}

static uint64_t refSip12(const uint8_t *in, size_t len, const uint8_t *k, int nocase) {
    uint64_t k0 = refWord(k, 8, 0), k1 = refWord(k + 8, 8, 0);
    uint64_t v[4] = {k0 ^ UINT64_C(0x736f6d6570736575), k1 ^ UINT64_C(0x646f72616e646f6d),
                     k0 ^ UINT64_C(0x6c7967656e657261), k1 ^ UINT64_C(0x7465646279746573)};
    size_t off = 0;
    for (; off + 8 <= len; off += 8) {
        uint64_t m = refWord(in + off, 8, nocase);
        v[3] ^= m; refRound(v); v[0] ^= m;
    }
    uint64_t m = refWord(in + off, len - off, nocase) | ((uint64_t)(len & 0xff) << 56);
    v[3] ^= m; refRound(v); v[0] ^= m;
    v[2] ^= 0xff;
    refRound(v); refRound(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);
static uint8_t rngByte(void) {
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return (uint8_t)(rng_state >> 24);
}

static uint8_t ref_key[16];
static uint8_t ref_msg[64];

static void initReference(void) {
    for (int i = 0; i < 16; i++) ref_key[i] = (uint8_t)i;
    for (int i = 0; i < 64; i++) ref_msg[i] = (uint8_t)i;
}

TEST(sip24_reference_vectors) {
    for (size_t i = 0; i < sizeof(sip24_vectors) / sizeof(sip24_vectors[0]); i++) {
        uint64_t h = siphash_cd(ref_msg, sip24_vectors[i].len, ref_key, 2, 4);
        TEST_ASSERT_MSG(h == sip24_vectors[i].out, "2-4 vector mismatch");
    }
}

TEST(sip12_matches_generic) {
    for (size_t len = 0; len <= 64; len++) {
        TEST_ASSERT(siphash(ref_msg, len, ref_key) ==
                    siphash_cd(ref_msg, len, ref_key, 1, 2));
        /* Different round counts must give a different function. */
        TEST_ASSERT(siphash(ref_msg, len, ref_key) !=
                    siphash_cd(ref_msg, len, ref_key, 2, 4));
    }
}

TEST(sip12_sensitivity) {
    /* Every prefix length hashes differently (the length byte matters even
     * for trailing zero bytes), and so does every single-bit key change. */
    uint8_t zeros[32] = {0};
    uint64_t seen[33];
    for (size_t len = 0; len <= 32; len++) {
        seen[len] = siphash(zeros, len, ref_key);
        for (size_t j = 0; j < len; j++) TEST_ASSERT(seen[j] != seen[len]);
    }
    uint64_t base = siphash(ref_msg, 20, ref_key);
    for (int bit = 0; bit < 128; bit++) {
        uint8_t k[16];
        memcpy(k, ref_key, 16);
        k[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        TEST_ASSERT(siphash(ref_msg, 20, k) != base);
    }
    /* Deterministic, and unaffected by the input's alignment. */
    uint8_t buf[80];
    for (int off = 0; off < 8; off++) {
        memcpy(buf + off, ref_msg, 64);
        TEST_ASSERT(siphash(buf + off, 64, ref_key) == siphash(ref_msg, 64, ref_key));
    }
}

TEST(nocase_equivalence) {
    const char *mixed = "HeLLo-World_[@`{]ZaZ09 SET GET hset";
    char lower[64];
    size_t n = strlen(mixed);
    for (size_t i = 0; i <= n; i++) {
        char c = mixed[i];
        lower[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    for (size_t len = 0; len <= n; len++) {
        TEST_ASSERT(siphash_nocase((const uint8_t *)mixed, len, ref_key) ==
                    siphash((const uint8_t *)lower, len, ref_key));
        TEST_ASSERT(siphash_nocase((const uint8_t *)lower, len, ref_key) ==
                    siphash((const uint8_t *)lower, len, ref_key));
    }
    /* Only ASCII letters fold: '@' and '`' (neighbours of the ranges) and
     * bytes >= 0x80 are left alone. */
    const uint8_t a[] = {'@', 0xC4, '['}, b[] = {'`', 0xE4, '{'};
    TEST_ASSERT(siphash_nocase(a, 3, ref_key) == siphash(a, 3, ref_key));
    TEST_ASSERT(siphash_nocase(a, 3, ref_key) != siphash_nocase(b, 3, ref_key));
    /* Case-sensitive hash does distinguish case. */
    TEST_ASSERT(siphash((const uint8_t *)"Key", 3, ref_key) !=
                siphash((const uint8_t *)"key", 3, ref_key));
}

TEST(word_loads_match_bytewise_reference) {
    uint8_t buf[64 + 8];
    for (int round = 0; round < 40; round++) {
        uint8_t key[16], msg[64];
        for (int i = 0; i < 16; i++) key[i] = round ? rngByte() : ref_key[i];
        for (int i = 0; i < 64; i++) msg[i] = round ? rngByte() : ref_msg[i];
        for (size_t len = 0; len <= 64; len++) {
            int off = (int)(len + round) % 8; /* every alignment */
            memcpy(buf + off, msg, len);
            TEST_ASSERT(siphash(buf + off, len, key) == refSip12(msg, len, key, 0));
            TEST_ASSERT(siphash_nocase(buf + off, len, key) == refSip12(msg, len, key, 1));
        }
    }
}

TEST(word_nocase_every_byte_value) {
    /* Each of the 256 byte values at each position of a word and of the
     * tail, among letters of both cases: the 8-byte-wide fold must treat
     * the range edges ('@', 'A', 'Z', '[', '`', 'a', 'z', '{') and bytes
     * >= 0x80 exactly like the per-byte one. */
    uint8_t msg[23];
    const char *fill = "MiXeD-CaSe:KeY_NaMe@Z[z";
    for (size_t len = 1; len <= sizeof(msg); len++) {
        for (size_t pos = 0; pos < len; pos++) {
            for (int c = 0; c < 256; c++) {
                memcpy(msg, fill, sizeof(msg));
                msg[pos] = (uint8_t)c;
                TEST_ASSERT(siphash_nocase(msg, len, ref_key) == refSip12(msg, len, ref_key, 1));
                TEST_ASSERT(siphash(msg, len, ref_key) == refSip12(msg, len, ref_key, 0));
            }
        }
    }
}

TEST(known_sip12_vectors) {
    /* Values pinned from the byte-at-a-time implementation (commit e30837d):
     * key 00..0f, message 00..len-1, and command names case-folded. */
    static const struct { size_t len; uint64_t out; } v12[] = {
        {0, UINT64_C(0xcea28b51565c12e2)},
        {1, UINT64_C(0x94aaf38c34ce7ba6)},
        {2, UINT64_C(0xfe7a42c2c5fab434)},
        {3, UINT64_C(0x1c0d255229c3364c)},
        {4, UINT64_C(0x8be7847a474dfdf5)},
        {5, UINT64_C(0x2858f0420f752296)},
        {6, UINT64_C(0xe61a8a7d8ac52626)},
        {7, UINT64_C(0xf03c4cbcf492b05a)},
        {8, UINT64_C(0x606845b4d093af74)},
        {9, UINT64_C(0xe304e78271c74a56)},
        {10, UINT64_C(0xc936e00e33b32633)},
        {11, UINT64_C(0x226212e5f29ab45c)},
        {12, UINT64_C(0xa4377b74fbbfe0da)},
        {13, UINT64_C(0x624317667190806f)},
        {14, UINT64_C(0x4a72ad78e3e197d7)},
        {15, UINT64_C(0xec8f61bc1c8966a6)},
        {16, UINT64_C(0x1311f4dfe747a751)},
        {17, UINT64_C(0x899c7b292c85339c)},
        {23, UINT64_C(0x436662cf8cde1a76)},
        {24, UINT64_C(0xd5fd6251d879f3a2)},
        {25, UINT64_C(0x82c424b8c1744fe7)},
        {31, UINT64_C(0x3d9450fef5eaa3b3)},
        {32, UINT64_C(0x8bd10d4a226548bc)},
        {33, UINT64_C(0xb0dfbbd1a243bfa1)},
        {47, UINT64_C(0xc24d440279e9ed9f)},
        {48, UINT64_C(0x327d416c3fb96508)},
        {63, UINT64_C(0xff6d07afacbad6d9)},
        {64, UINT64_C(0x7c52539377fda0d0)},
    };
    for (size_t i = 0; i < sizeof(v12) / sizeof(v12[0]); i++)
        TEST_ASSERT(siphash(ref_msg, v12[i].len, ref_key) == v12[i].out);
    static const struct { const char *s; uint64_t out; } vnc[] = {
        {"get", UINT64_C(0xc6abe069dc0d3af3)},
        {"SET", UINT64_C(0xdcfe7a39b448f21f)},
        {"Incr", UINT64_C(0xb263c8b71adbe7aa)},
        {"lPuSh", UINT64_C(0xca0e8ebd42aa0447)},
        {"CLIENT|SETNAME", UINT64_C(0xdace17126ff134fd)},
        {"config|GET", UINT64_C(0xed0a96e8f009a1a0)},
        {"ZRANGEBYSCORE", UINT64_C(0xa88b226a7fd8ce73)},
        {"georadiusbymember_ro", UINT64_C(0x5f69635b746a4438)},
        {"XAUTOCLAIM-@[`{", UINT64_C(0x3b5c8c000ad82e0c)},
    };
    for (size_t i = 0; i < sizeof(vnc) / sizeof(vnc[0]); i++)
        TEST_ASSERT(siphash_nocase((const uint8_t *)vnc[i].s, strlen(vnc[i].s), ref_key) == vnc[i].out);
}

int main(void) {
    initReference();
    RUN(sip24_reference_vectors);
    RUN(sip12_matches_generic);
    RUN(sip12_sensitivity);
    RUN(nocase_equivalence);
    RUN(word_loads_match_bytewise_reference);
    RUN(word_nocase_every_byte_value);
    RUN(known_sip12_vectors);
    return TEST_REPORT();
}
