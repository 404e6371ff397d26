/* test_siphash.c - unit tests for siphash.c.
 *
 * There are no official SipHash-1-2 vectors, so the shared code path is
 * validated against the published SipHash-2-4 vectors (key 00..0f, message
 * 00..len-1) through siphash_cd(); the 1-2 entry points are then checked for
 * consistency with siphash_cd(.., 1, 2), for key/length sensitivity, and for
 * siphash_nocase() matching siphash() of the lowercased input.
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

int main(void) {
    initReference();
    RUN(sip24_reference_vectors);
    RUN(sip12_matches_generic);
    RUN(sip12_sensitivity);
    RUN(nocase_equivalence);
    return TEST_REPORT();
}
