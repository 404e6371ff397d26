/* test_intset.c - unit tests for intset.c: ordering, width upgrades, the
 * exact byte layout RDB files rely on, and validation of corrupt blobs. */
#include <stdlib.h>
#include <stdint.h>
#include "test_help.h"
#include "../intset.h"
#include "../zmalloc.h"

static int isSorted(intset *is) {
    int64_t prev = 0, v;
    for (uint32_t i = 0; i < intsetLen(is); i++) {
        intsetGet(is, i, &v);
        if (i > 0 && v <= prev) return 0;
        prev = v;
    }
    return 1;
}

TEST(add_find_remove) {
    intset *is = intsetNew();
    int ok;
    is = intsetAdd(is, 5, &ok);
    TEST_ASSERT(ok == 1);
    is = intsetAdd(is, 6, &ok);
    is = intsetAdd(is, 4, &ok);
    is = intsetAdd(is, 4, &ok);
    TEST_ASSERT(ok == 0);
    TEST_ASSERT(intsetLen(is) == 3);
    TEST_ASSERT(intsetFind(is, 4) && intsetFind(is, 5) && intsetFind(is, 6));
    TEST_ASSERT(!intsetFind(is, 7));
    TEST_ASSERT(!intsetFind(is, 1LL << 40)); /* wider than the set: absent */
    TEST_ASSERT(intsetMin(is) == 4 && intsetMax(is) == 6);
    is = intsetRemove(is, 5, &ok);
    TEST_ASSERT(ok == 1 && intsetLen(is) == 2 && !intsetFind(is, 5));
    is = intsetRemove(is, 5, &ok);
    TEST_ASSERT(ok == 0);
    is = intsetRemove(is, 1LL << 40, &ok);
    TEST_ASSERT(ok == 0);
    int64_t v;
    TEST_ASSERT(intsetGet(is, 0, &v) && v == 4);
    TEST_ASSERT(intsetGet(is, 1, &v) && v == 6);
    TEST_ASSERT(!intsetGet(is, 2, &v));
    zfree(is);
}

TEST(width_upgrades) {
    intset *is = intsetNew();
    TEST_ASSERT(intsetEncoding(is) == INTSET_ENC_INT16);
    is = intsetAdd(is, 32, NULL);
    TEST_ASSERT(intsetEncoding(is) == INTSET_ENC_INT16);
    is = intsetAdd(is, 65535, NULL);
    TEST_ASSERT(intsetEncoding(is) == INTSET_ENC_INT32);
    is = intsetAdd(is, -4294967295LL, NULL);   /* goes in front */
    TEST_ASSERT(intsetEncoding(is) == INTSET_ENC_INT64);
    TEST_ASSERT(intsetLen(is) == 3);
    TEST_ASSERT(intsetFind(is, 32) && intsetFind(is, 65535) && intsetFind(is, -4294967295LL));
    TEST_ASSERT(intsetMin(is) == -4294967295LL && intsetMax(is) == 65535);
    TEST_ASSERT(isSorted(is));
    /* Removing the wide value keeps the width (never downgrades). */
    is = intsetRemove(is, -4294967295LL, NULL);
    TEST_ASSERT(intsetEncoding(is) == INTSET_ENC_INT64);
    TEST_ASSERT(intsetBlobLen(is) == 8 + 2 * 8);
    is = intsetAdd(is, INT64_MIN, NULL);
    is = intsetAdd(is, INT64_MAX, NULL);
    TEST_ASSERT(intsetMin(is) == INT64_MIN && intsetMax(is) == INT64_MAX);
    zfree(is);
}

/* The layout Redis writes in RDB files: width, count, LE elements. */
TEST(byte_layout) {
    intset *is = intsetNew();
    is = intsetAdd(is, 3, NULL);
    is = intsetAdd(is, -2, NULL);
    is = intsetAdd(is, 258, NULL);
    const unsigned char want[] = {2,0,0,0, 3,0,0,0, 0xfe,0xff, 3,0, 2,1};
    TEST_ASSERT(intsetBlobLen(is) == sizeof(want));
    TEST_ASSERT(memcmp(is, want, sizeof(want)) == 0);
    is = intsetAdd(is, 70000, NULL);  /* 0x11170 */
    const unsigned char want32[] = {4,0,0,0, 4,0,0,0, 0xfe,0xff,0xff,0xff,
        3,0,0,0, 2,1,0,0, 0x70,0x11,0x01,0};
    TEST_ASSERT(intsetBlobLen(is) == sizeof(want32));
    TEST_ASSERT(memcmp(is, want32, sizeof(want32)) == 0);
    intset *copy = intsetDup(is);
    TEST_ASSERT(memcmp(copy, want32, sizeof(want32)) == 0);
    zfree(copy);
    zfree(is);
}

TEST(random_ops_stay_sorted) {
    intset *is = intsetNew();
    srand(1234);
    for (int i = 0; i < 5000; i++) {
        int64_t v = (rand() % 2000) - 1000;
        if (i % 97 == 0) v *= 100000000LL;
        if (rand() % 3 == 0) is = intsetRemove(is, v, NULL);
        else is = intsetAdd(is, v, NULL);
    }
    TEST_ASSERT(isSorted(is));
    TEST_ASSERT(intsetValidateIntegrity((unsigned char *)is, intsetBlobLen(is), 1));
    for (int i = 0; i < 100; i++) TEST_ASSERT(intsetFind(is, intsetRandom(is)));
    zfree(is);
}

TEST(validate_integrity) {
    const unsigned char good[] = {2,0,0,0, 2,0,0,0, 1,0, 2,0};
    TEST_ASSERT(intsetValidateIntegrity(good, sizeof(good), 1));
    TEST_ASSERT(!intsetValidateIntegrity(NULL, 0, 1));
    TEST_ASSERT(!intsetValidateIntegrity(good, 7, 1));           /* short header */
    TEST_ASSERT(!intsetValidateIntegrity(good, sizeof(good) - 1, 0)); /* truncated */
    const unsigned char badwidth[] = {3,0,0,0, 1,0,0,0, 1,0,0};
    TEST_ASSERT(!intsetValidateIntegrity(badwidth, sizeof(badwidth), 0));
    const unsigned char empty[] = {2,0,0,0, 0,0,0,0};
    TEST_ASSERT(!intsetValidateIntegrity(empty, sizeof(empty), 0));
    const unsigned char unsorted[] = {2,0,0,0, 2,0,0,0, 2,0, 1,0};
    TEST_ASSERT(intsetValidateIntegrity(unsorted, sizeof(unsorted), 0)); /* shallow */
    TEST_ASSERT(!intsetValidateIntegrity(unsorted, sizeof(unsorted), 1));
    const unsigned char dup[] = {2,0,0,0, 2,0,0,0, 1,0, 1,0};
    TEST_ASSERT(!intsetValidateIntegrity(dup, sizeof(dup), 1));
    /* A huge count must not overflow into a "valid" size. */
    const unsigned char huge[] = {8,0,0,0, 0xff,0xff,0xff,0xff, 1,0,0,0,0,0,0,0};
    TEST_ASSERT(!intsetValidateIntegrity(huge, sizeof(huge), 1));
    /* Fuzz: random blobs never crash the validator. */
    unsigned char buf[64];
    srand(42);
    for (int i = 0; i < 20000; i++) {
        size_t len = (size_t)(rand() % sizeof(buf));
        for (size_t j = 0; j < len; j++) buf[j] = (unsigned char)rand();
        if (len >= 4 && rand() % 2) { buf[0] = (unsigned char)(2 << (rand() % 3)); buf[1] = buf[2] = buf[3] = 0; }
        if (len >= 8 && buf[0] && rand() % 2) { buf[4] = (unsigned char)((len - 8) / buf[0]); buf[5] = buf[6] = buf[7] = 0; }
        (void)intsetValidateIntegrity(buf, len, 1);
    }
}

int main(void) {
    RUN(add_find_remove);
    RUN(width_upgrades);
    RUN(byte_layout);
    RUN(random_ops_stay_sorted);
    RUN(validate_integrity);
    return TEST_REPORT();
}
