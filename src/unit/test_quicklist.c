/* test_quicklist.c - unit tests for quicklist.c: every operation checked
 * against an array model under several fill / compress settings, node
 * limits, compression of inner nodes, plain nodes, iterator edits. */
#include <stdlib.h>
#include <stdint.h>
#include "test_help.h"
#include "../quicklist.h"
#include "../listpack.h"
#include "../zmalloc.h"
#include "../util.h"

#define MAXN 3000
typedef struct { char *v[MAXN]; size_t len[MAXN]; long n; } model;

static void mInsert(model *m, long at, const char *s, size_t len) {
    memmove(&m->v[at + 1], &m->v[at], sizeof(char *) * (m->n - at));
    memmove(&m->len[at + 1], &m->len[at], sizeof(size_t) * (m->n - at));
    m->v[at] = malloc(len + 1);
    memcpy(m->v[at], s, len);
    m->len[at] = len;
    m->n++;
}

static void mDelete(model *m, long at, long cnt) {
    for (long i = at; i < at + cnt; i++) free(m->v[i]);
    memmove(&m->v[at], &m->v[at + cnt], sizeof(char *) * (m->n - at - cnt));
    memmove(&m->len[at], &m->len[at + cnt], sizeof(size_t) * (m->n - at - cnt));
    m->n -= cnt;
}

static int entryIs(quicklistEntry *e, const char *s, size_t len) {
    char buf[32];
    if (e->value) return e->sz == len && memcmp(e->value, s, len) == 0;
    int n = ll2string(buf, sizeof(buf), e->longval);
    return (size_t)n == len && memcmp(buf, s, len) == 0;
}

/* Structure invariants plus content equal to the model both ways, and the
 * compression depth rule. */
static int qlMatches(quicklist *ql, model *m) {
    if ((long)quicklistCount(ql) != m->n) return 0;
    unsigned long nodes = 0, total = 0;
    quicklistNode *prev = NULL;
    for (quicklistNode *n = ql->head; n; n = n->next) {
        if (n->prev != prev || n->count == 0) return 0;
        total += n->count;
        nodes++;
        prev = n;
    }
    if (prev != ql->tail || nodes != ql->len || total != ql->count) return 0;
    if (ql->compress && ql->len >= ql->compress * 2) {
        unsigned long i = 0;
        for (quicklistNode *n = ql->head; n; n = n->next, i++) {
            int edge = i < ql->compress || i >= ql->len - ql->compress;
            if (edge && quicklistNodeIsCompressed(n)) return 0;
        }
    }
    quicklistIter *it = quicklistGetIterator(ql, AL_START_HEAD_QL);
    quicklistEntry e;
    long i = 0;
    while (quicklistNext(it, &e)) {
        if (i >= m->n || !entryIs(&e, m->v[i], m->len[i])) { quicklistReleaseIterator(it); return 0; }
        i++;
    }
    quicklistReleaseIterator(it);
    if (i != m->n) return 0;
    it = quicklistGetIterator(ql, AL_START_TAIL_QL);
    while (quicklistNext(it, &e)) {
        i--;
        if (i < 0 || !entryIs(&e, m->v[i], m->len[i])) { quicklistReleaseIterator(it); return 0; }
    }
    quicklistReleaseIterator(it);
    return i == 0;
}

static void randValue(char *buf, size_t *len) {
    int k = rand() % 4;
    if (k == 0) *len = ll2string(buf, 32, (long long)rand() - RAND_MAX / 2);
    else {
        size_t n = k == 1 ? rand() % 8 : k == 2 ? rand() % 100 : rand() % 3000;
        for (size_t i = 0; i < n; i++) buf[i] = 'a' + rand() % 3;
        *len = n;
    }
}

static int fuzzOnce(int fill, int depth, int steps) {
    model m = {.n = 0};
    quicklist *ql = quicklistNew(fill, depth);
    char *buf = malloc(4000);
    int ok = 1;
    for (int s = 0; s < steps && ok; s++) {
        size_t len;
        randValue(buf, &len);
        int op = rand() % 9;
        if (m.n > MAXN - 10) op = 6;
        if (op == 0) { quicklistPushTail(ql, buf, len); mInsert(&m, m.n, buf, len); }
        else if (op == 1) { quicklistPushHead(ql, buf, len); mInsert(&m, 0, buf, len); }
        else if (op == 2 && m.n) {
            long at = rand() % m.n;
            int after = rand() % 2;
            quicklistIter *it = quicklistGetIteratorAtIdx(ql, rand() % 2, at);
            quicklistEntry e;
            quicklistNext(it, &e);
            if (after) quicklistInsertAfter(it, &e, buf, len);
            else quicklistInsertBefore(it, &e, buf, len);
            quicklistReleaseIterator(it);
            mInsert(&m, at + after, buf, len);
        } else if (op == 3 && m.n) {
            long at = rand() % m.n;
            ok = quicklistReplaceAtIndex(ql, rand() % 2 ? at : at - m.n, buf, len);
            mDelete(&m, at, 1);
            mInsert(&m, at, buf, len);
        } else if (op == 4 && m.n) {
            unsigned char *data; size_t sz; long long lv;
            int head = rand() % 2;
            ok = quicklistPop(ql, head ? QUICKLIST_HEAD : QUICKLIST_TAIL, &data, &sz, &lv);
            long at = head ? 0 : m.n - 1;
            if (data) { ok = ok && sz == m.len[at] && memcmp(data, m.v[at], sz) == 0; zfree(data); }
            else { char t[32]; int n = ll2string(t, 32, lv); ok = ok && (size_t)n == m.len[at] && !memcmp(t, m.v[at], n); }
            mDelete(&m, at, 1);
        } else if (op == 5 && m.n) {
            /* Delete every element equal to a random one, walking either way. */
            long at = rand() % m.n;
            char *target = malloc(m.len[at] + 1);
            size_t tlen = m.len[at];
            memcpy(target, m.v[at], tlen);
            int dir = rand() % 2;
            quicklistIter *it = quicklistGetIterator(ql, dir);
            quicklistEntry e;
            while (quicklistNext(it, &e))
                if (quicklistCompare(&e, (unsigned char *)target, tlen)) quicklistDelEntry(it, &e);
            quicklistReleaseIterator(it);
            for (long i = m.n - 1; i >= 0; i--)
                if (m.len[i] == tlen && !memcmp(m.v[i], target, tlen)) mDelete(&m, i, 1);
            free(target);
        } else if (op == 6 && m.n) {
            long at = rand() % m.n, cnt = 1 + rand() % 50;
            if (cnt > m.n - at) cnt = m.n - at;
            ok = quicklistDelRange(ql, rand() % 2 ? at : at - m.n, cnt);
            mDelete(&m, at, cnt);
        } else if (op == 7 && m.n) {
            long at = rand() % m.n;
            quicklistIter *it = quicklistGetIteratorAtIdx(ql, AL_START_TAIL_QL, at);
            quicklistEntry e;
            ok = quicklistNext(it, &e) && entryIs(&e, m.v[at], m.len[at]);
            quicklistReleaseIterator(it);
        } else if (op == 8 && s % 50 == 0) {
            quicklist *d = quicklistDup(ql);
            ok = qlMatches(d, &m);
            quicklistRelease(d);
        }
        if (ok && s % 10 == 0) ok = qlMatches(ql, &m);
    }
    if (ok) ok = qlMatches(ql, &m);
    mDelete(&m, 0, m.n);
    quicklistRelease(ql);
    free(buf);
    return ok;
}

TEST(fuzz_settings) {
    int settings[][2] = {{-2, 0}, {-1, 1}, {-5, 2}, {1, 0}, {2, 1}, {5, 3}, {128, 1}, {0, 1}};
    srand(42);
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
        char msg[32];
        snprintf(msg, sizeof(msg), "fill %d depth %d", settings[i][0], settings[i][1]);
        TEST_ASSERT_MSG(fuzzOnce(settings[i][0], settings[i][1], 1500), msg);
    }
}

TEST(fill_limits) {
    quicklist *ql = quicklistNew(4, 0);
    for (int i = 0; i < 10; i++) quicklistPushTail(ql, "x", 1);
    TEST_ASSERT(ql->len == 3 && ql->head->count == 4 && ql->tail->count == 2);
    quicklistRelease(ql);
    /* -1: 4KB listpacks. */
    ql = quicklistNew(-1, 0);
    char v[100];
    memset(v, 'v', sizeof(v));
    for (int i = 0; i < 200; i++) quicklistPushTail(ql, v, sizeof(v));
    for (quicklistNode *n = ql->head; n; n = n->next) TEST_ASSERT(n->sz <= 4096);
    TEST_ASSERT(ql->len >= 5 && ql->len <= 6);
    quicklistRelease(ql);
    /* Count limits still cap nodes at 8KB. */
    ql = quicklistNew(1000, 0);
    for (int i = 0; i < 200; i++) quicklistPushTail(ql, v, sizeof(v));
    for (quicklistNode *n = ql->head; n; n = n->next) TEST_ASSERT(n->sz <= 8192);
    quicklistRelease(ql);
}

TEST(compression) {
    quicklist *ql = quicklistNew(8, 1);
    char v[64];
    for (int i = 0; i < 80; i++) {
        snprintf(v, sizeof(v), "compressible-value-%04d-aaaaaaaaaaaaaaaaaaaaaaaa", i);
        quicklistPushTail(ql, v, strlen(v));
    }
    TEST_ASSERT(ql->len == 10);
    TEST_ASSERT(!quicklistNodeIsCompressed(ql->head) && !quicklistNodeIsCompressed(ql->tail));
    int inner = 0;
    for (quicklistNode *n = ql->head->next; n != ql->tail; n = n->next)
        inner += quicklistNodeIsCompressed(n);
    TEST_ASSERT(inner == 8);
    void *data;
    size_t clen = quicklistGetLzf(ql->head->next, &data);
    TEST_ASSERT(clen > 0 && clen < ql->head->next->sz);
    /* Reading an inner element leaves it compressed afterwards. */
    quicklistIter *it = quicklistGetIteratorAtIdx(ql, AL_START_HEAD_QL, 40);
    quicklistEntry e;
    TEST_ASSERT(quicklistNext(it, &e) && entryIs(&e, "compressible-value-0040-aaaaaaaaaaaaaaaaaaaaaaaa", 48));
    quicklistReleaseIterator(it);
    for (quicklistNode *n = ql->head->next; n != ql->tail; n = n->next)
        TEST_ASSERT(quicklistNodeIsCompressed(n));
    quicklistRelease(ql);
}

TEST(plain_nodes) {
    TEST_ASSERT(quicklistSetPackedThreshold(10));
    quicklist *ql = quicklistNew(-2, 0);
    quicklistPushTail(ql, "a", 1);
    quicklistPushTail(ql, "a long element", 14);
    quicklistPushTail(ql, "b", 1);
    TEST_ASSERT(ql->len == 3 && ql->head->next->container == QUICKLIST_NODE_CONTAINER_PLAIN);
    quicklistIter *it = quicklistGetIteratorAtIdx(ql, AL_START_HEAD_QL, 1);
    quicklistEntry e;
    TEST_ASSERT(quicklistNext(it, &e) && e.value && e.sz == 14 && !memcmp(e.value, "a long element", 14));
    quicklistReleaseIterator(it);
    TEST_ASSERT(quicklistReplaceAtIndex(ql, 1, "another long one", 16));
    TEST_ASSERT(quicklistReplaceAtIndex(ql, 0, "yet another long one", 20));
    unsigned char *data; size_t sz; long long lv;
    TEST_ASSERT(quicklistPop(ql, QUICKLIST_HEAD, &data, &sz, &lv) && sz == 20);
    zfree(data);
    TEST_ASSERT(quicklistCount(ql) == 2);
    quicklistRelease(ql);
    TEST_ASSERT(quicklistSetPackedThreshold(0));
    TEST_ASSERT(!quicklistSetPackedThreshold((size_t)1 << 33));
}

TEST(append_listpack) {
    quicklist *ql = quicklistNew(-2, 0);
    unsigned char *lp = lpNew(0);
    lp = lpAppend(lp, (unsigned char *)"x", 1);
    lp = lpAppendInteger(lp, 7);
    quicklistAppendListpack(ql, lp);
    quicklistAppendPlainNode(ql, zmalloc(3), 3);
    TEST_ASSERT(quicklistCount(ql) == 3 && ql->len == 2);
    quicklistRelease(ql);
}

int main(void) {
    RUN(fuzz_settings);
    RUN(fill_limits);
    RUN(compression);
    RUN(plain_nodes);
    RUN(append_listpack);
    return TEST_REPORT();
}
