/* test_adlist.c - unit tests for adlist.c (generic doubly linked list). */
#include <stdlib.h>
#include <stdint.h>
#include "test_help.h"
#include "../adlist.h"
#include "../zmalloc.h"

#define V(n) ((void *)(intptr_t)(n))
#define N(p) ((int)(intptr_t)(p))

/* Check the list holds exactly expect[0..n) forwards and backwards and that
 * its links are consistent. */
static int listIs(list *l, const int *expect, int n) {
    if ((int)listLength(l) != n) return 0;
    listIter it;
    listNode *node, *prev = NULL;
    int j = 0;
    listRewind(l, &it);
    while ((node = listNext(&it)) != NULL) {
        if (j >= n || N(listNodeValue(node)) != expect[j]) return 0;
        if (listPrevNode(node) != prev) return 0;
        prev = node;
        j++;
    }
    if (j != n || listLast(l) != prev) return 0;
    listRewindTail(l, &it);
    while ((node = listNext(&it)) != NULL) {
        if (N(listNodeValue(node)) != expect[--j]) return 0;
    }
    return j == 0;
}

TEST(add_and_iterate) {
    list *l = listCreate();
    TEST_ASSERT(listLength(l) == 0 && listFirst(l) == NULL && listLast(l) == NULL);
    listAddNodeTail(l, V(2));
    listAddNodeTail(l, V(3));
    listAddNodeHead(l, V(1));
    int e1[] = {1, 2, 3};
    TEST_ASSERT(listIs(l, e1, 3));

    listIter *it = listGetIterator(l, AL_START_TAIL);
    TEST_ASSERT(N(listNodeValue(listNext(it))) == 3);
    listReleaseIterator(it);
    listRelease(l);
    listRelease(NULL);
}

TEST(insert_and_delete) {
    list *l = listCreate();
    listAddNodeTail(l, V(1));
    listInsertNode(l, listFirst(l), V(0), 0);   /* before head */
    listInsertNode(l, listLast(l), V(3), 1);    /* after tail */
    listInsertNode(l, listIndex(l, 1), V(2), 1);
    int e1[] = {0, 1, 2, 3};
    TEST_ASSERT(listIs(l, e1, 4));

    listDelNode(l, listIndex(l, 1));
    int e2[] = {0, 2, 3};
    TEST_ASSERT(listIs(l, e2, 3));
    listDelNode(l, listFirst(l));
    listDelNode(l, listLast(l));
    int e3[] = {2};
    TEST_ASSERT(listIs(l, e3, 1));
    listDelNode(l, listFirst(l));
    TEST_ASSERT(listIs(l, NULL, 0) && listFirst(l) == NULL);
    listRelease(l);
}

TEST(delete_while_iterating) {
    list *l = listCreate();
    for (int j = 0; j < 10; j++) listAddNodeTail(l, V(j));
    listIter it;
    listNode *node;
    listRewind(l, &it);
    while ((node = listNext(&it)) != NULL) {
        if (N(listNodeValue(node)) % 2) listDelNode(l, node);
    }
    int e[] = {0, 2, 4, 6, 8};
    TEST_ASSERT(listIs(l, e, 5));
    listRelease(l);
}

TEST(index_search) {
    list *l = listCreate();
    for (int j = 0; j < 5; j++) listAddNodeTail(l, V(j * 10));
    TEST_ASSERT(N(listNodeValue(listIndex(l, 0))) == 0);
    TEST_ASSERT(N(listNodeValue(listIndex(l, 4))) == 40);
    TEST_ASSERT(N(listNodeValue(listIndex(l, -1))) == 40);
    TEST_ASSERT(N(listNodeValue(listIndex(l, -5))) == 0);
    TEST_ASSERT(listIndex(l, 5) == NULL);
    TEST_ASSERT(listIndex(l, -6) == NULL);
    TEST_ASSERT(listSearchKey(l, V(30)) == listIndex(l, 3));
    TEST_ASSERT(listSearchKey(l, V(31)) == NULL);
    listRelease(l);
}

static int matchStr(void *a, void *b) { return strcmp(a, b) == 0; }
static void *dupStr(void *p) { return zstrdup(p); }

TEST(methods_dup_release) {
    size_t before = zmalloc_used_memory();
    list *l = listCreate();
    listSetDupMethod(l, dupStr);
    listSetFreeMethod(l, zfree);
    listSetMatchMethod(l, matchStr);
    listAddNodeTail(l, zstrdup("a"));
    listAddNodeTail(l, zstrdup("b"));
    char key[] = "b";
    TEST_ASSERT(listSearchKey(l, key) == listLast(l));

    list *copy = listDup(l);
    TEST_ASSERT(copy && listLength(copy) == 2);
    TEST_ASSERT(listNodeValue(listFirst(copy)) != listNodeValue(listFirst(l)));
    TEST_ASSERT(strcmp(listNodeValue(listFirst(copy)), "a") == 0);
    TEST_ASSERT(listGetFreeMethod(copy) == zfree);
    TEST_ASSERT(listSearchKey(copy, key) == listLast(copy));

    listEmpty(l);
    TEST_ASSERT(listLength(l) == 0 && listFirst(l) == NULL);
    listAddNodeHead(l, zstrdup("c"));
    listRelease(l);
    listRelease(copy);
    TEST_ASSERT(zmalloc_used_memory() == before);
}

TEST(rotate_join) {
    list *l = listCreate();
    for (int j = 1; j <= 4; j++) listAddNodeTail(l, V(j));
    listRotateTailToHead(l);
    int e1[] = {4, 1, 2, 3};
    TEST_ASSERT(listIs(l, e1, 4));
    listRotateHeadToTail(l);
    listRotateHeadToTail(l);
    int e2[] = {2, 3, 4, 1};
    TEST_ASSERT(listIs(l, e2, 4));

    list *one = listCreate();
    listAddNodeTail(one, V(9));
    listRotateHeadToTail(one);
    listRotateTailToHead(one);
    int e3[] = {9};
    TEST_ASSERT(listIs(one, e3, 1));

    list *o = listCreate();
    listAddNodeTail(o, V(5));
    listAddNodeTail(o, V(6));
    listJoin(l, o);
    int e4[] = {2, 3, 4, 1, 5, 6};
    TEST_ASSERT(listIs(l, e4, 6));
    TEST_ASSERT(listLength(o) == 0 && listFirst(o) == NULL && listLast(o) == NULL);

    list *empty = listCreate();
    listJoin(empty, l);
    TEST_ASSERT(listIs(empty, e4, 6) && listLength(l) == 0);
    listJoin(empty, o); /* joining an empty list is a no-op */
    TEST_ASSERT(listIs(empty, e4, 6));

    listRelease(l);
    listRelease(o);
    listRelease(one);
    listRelease(empty);
}

int main(void) {
    RUN(add_and_iterate);
    RUN(insert_and_delete);
    RUN(delete_while_iterating);
    RUN(index_search);
    RUN(methods_dup_release);
    RUN(rotate_join);
    return TEST_REPORT();
}
