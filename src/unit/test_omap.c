/* test_omap.c - unit tests for omap.c: ordering, bounds, long keys, and a
 * randomized comparison against a brute-force model. */
#include <stdlib.h>
#include <stdint.h>
#include "test_help.h"
#include "../omap.h"
#include "../zmalloc.h"

static void be64(unsigned char *buf, uint64_t v) {
    for (int i = 7; i >= 0; i--) { buf[i] = v & 0xff; v >>= 8; }
}

TEST(insert_order_bounds) {
    omap *m = omapNew();
    unsigned char k[8];
    uint64_t vals[] = {50, 10, 30, 20, 40};
    for (int i = 0; i < 5; i++) {
        be64(k, vals[i]);
        TEST_ASSERT(omapInsert(m, k, 8, (void *)(uintptr_t)vals[i]) == 1);
    }
    be64(k, 30);
    TEST_ASSERT(omapInsert(m, k, 8, NULL) == 0);
    TEST_ASSERT(omapSize(m) == 5);
    for (size_t i = 0; i < 5; i++)
        TEST_ASSERT((uintptr_t)omapAt(m, i)->val == (i + 1) * 10);
    int found;
    be64(k, 25);
    TEST_ASSERT(omapLowerBound(m, k, 8, &found) == 2 && !found);
    TEST_ASSERT(omapFloor(m, k, 8) == 1);
    be64(k, 5);
    TEST_ASSERT(omapFloor(m, k, 8) == -1);
    be64(k, 60);
    TEST_ASSERT(omapLowerBound(m, k, 8, &found) == 5);
    be64(k, 30);
    void *old;
    TEST_ASSERT(omapRemove(m, k, 8, &old) == 1 && (uintptr_t)old == 30);
    TEST_ASSERT(omapGet(m, k, 8) == NULL && omapSize(m) == 4);
    omapFree(m, NULL);
}

TEST(long_keys_and_prefixes) {
    omap *m = omapNew();
    const char *names[] = {"consumer-with-a-long-name-1", "a", "ab", "", "consumer-with-a-long-name-0"};
    for (int i = 0; i < 5; i++)
        TEST_ASSERT(omapInsert(m, names[i], strlen(names[i]), (void *)names[i]));
    TEST_ASSERT(strcmp(omapAt(m, 0)->val, "") == 0);
    TEST_ASSERT(strcmp(omapAt(m, 1)->val, "a") == 0);
    TEST_ASSERT(strcmp(omapAt(m, 2)->val, "ab") == 0);
    TEST_ASSERT(memcmp(omapKey(omapAt(m, 3)), "consumer-with-a-long-name-0", 27) == 0);
    TEST_ASSERT(omapGet(m, "ab", 2) == names[2]);
    omapFree(m, NULL);
}

TEST(random_against_model) {
    omap *m = omapNew();
    static char present[1000];
    memset(present, 0, sizeof(present));
    srand(42);
    for (int i = 0; i < 20000; i++) {
        unsigned v = rand() % 1000;
        unsigned char k[8];
        be64(k, v);
        if (rand() % 3) {
            TEST_ASSERT(omapInsert(m, k, 8, (void *)(uintptr_t)(v + 1)) == !present[v]);
            present[v] = 1;
        } else {
            TEST_ASSERT(omapRemove(m, k, 8, NULL) == present[v]);
            present[v] = 0;
        }
    }
    size_t n = 0;
    for (int v = 0; v < 1000; v++) {
        if (!present[v]) continue;
        TEST_ASSERT((uintptr_t)omapAt(m, n)->val == (uintptr_t)v + 1);
        n++;
    }
    TEST_ASSERT(n == omapSize(m));
    omapFree(m, NULL);
    TEST_ASSERT(zmalloc_used_memory() == 0);
}

/* Appending at the tail while removing at the head (a PEL acked in order)
 * must not move the whole array each time: a million operations on a
 * 100k entry map stay fast, and the order stays right. */
TEST(queue_pattern_is_cheap) {
    omap *m = omapNew();
    unsigned char k[8];
    uint64_t head = 0, tail = 0;
    for (; tail < 100000; tail++) {
        be64(k, tail);
        omapInsert(m, k, 8, (void *)(uintptr_t)tail);
    }
    double t0 = test_cpu_now();
    for (int i = 0; i < 1000000; i++) {
        be64(k, tail);
        TEST_ASSERT(omapInsert(m, k, 8, (void *)(uintptr_t)tail) == 1);
        tail++;
        be64(k, head);
        void *v;
        TEST_ASSERT(omapRemove(m, k, 8, &v) == 1 && (uintptr_t)v == head);
        head++;
        /* and the front side too: remove then re-add the new head */
        if (i % 1000 == 0) {
            be64(k, head);
            omapRemove(m, k, 8, NULL);
            omapInsert(m, k, 8, (void *)(uintptr_t)head);
        }
    }
    /* CPU time, not wall time: the bound must not trip on a busy machine
     * or a sanitizer build (about 0.2 s plain, under 1 s with ASan), while
     * moving the array on every removal would take hours. */
    TEST_ASSERT(test_cpu_now() - t0 < 5.0);
    TEST_ASSERT(omapSize(m) == 100000);
    for (size_t i = 0; i < omapSize(m); i++)
        TEST_ASSERT((uintptr_t)omapAt(m, i)->val == head + i);
    for (int i = 0; i < 1000 && omapSize(m); i++) omapRemoveAt(m, omapSize(m) / 3);
    omapFree(m, NULL);
    TEST_ASSERT(zmalloc_used_memory() == 0);
}

int main(void) {
    RUN(insert_order_bounds);
    RUN(long_keys_and_prefixes);
    RUN(random_against_model);
    RUN(queue_pattern_is_cheap);
    return TEST_REPORT();
}
