/* test_listpack.c - unit tests for listpack.c.
 *
 * Byte compatibility is checked against a blob taken from a stock Redis
 * 7.0.15 (DUMP of a list, rdbcompression off); behaviour against a simple
 * array model under random edits; validation against corrupt blobs, with
 * every buffer allocated at its exact size so a sanitizer build catches any
 * read past the end.
 */
#include <stdlib.h>
#include <stdint.h>
#include <limits.h>
#include "test_help.h"
#include "../listpack.h"
#include "../zmalloc.h"
#include "../util.h"

/* The listpack of `RPUSH L` with these values, as stock Redis stores it. */
static const unsigned char stock_blob[] = {
  0xc9, 0x01, 0x00, 0x00, 0x18, 0x00, 0x81, 0x61, 0x02, 0x00, 0x01, 0x7f,
  0x01, 0xc0, 0x80, 0x02, 0xdf, 0xff, 0x02, 0xcf, 0xff, 0x02, 0xd0, 0x00,
  0x02, 0xf1, 0x00, 0x10, 0x03, 0xf1, 0xff, 0x7f, 0x03, 0xf2, 0xff, 0x7f,
  0xff, 0x04, 0xf2, 0xff, 0xff, 0x7f, 0x04, 0xf3, 0x00, 0x00, 0x80, 0x00,
  0x05, 0xf3, 0xff, 0xff, 0xff, 0x7f, 0x05, 0xf4, 0xff, 0xff, 0xff, 0x7f,
  0xff, 0xff, 0xff, 0xff, 0x09, 0xf4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  0xff, 0x7f, 0x09, 0xf4, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80,
  0x09, 0x82, 0x30, 0x31, 0x03, 0x82, 0x2d, 0x30, 0x03, 0x82, 0x20, 0x31,
  0x03, 0x93, 0x39, 0x32, 0x32, 0x33, 0x33, 0x37, 0x32, 0x30, 0x33, 0x36,
  0x38, 0x35, 0x34, 0x37, 0x37, 0x35, 0x38, 0x30, 0x38, 0x14, 0xbf, 0x78,
  0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78,
  0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78,
  0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78,
  0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78,
  0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78,
  0x78, 0x78, 0x40, 0xe0, 0x40, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79,
  0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79,
  0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79,
  0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79,
  0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79,
  0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x42, 0xe0, 0xc8,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a,
  0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x01, 0xca, 0x80, 0x01,
  0xff
};

static char xs[64], ys[65], zs[201];
static const char *stock_values[] = {
    "a", "0", "127", "128", "-1", "4095", "-4096", "4096", "32767", "-32769",
    "8388607", "8388608", "2147483647", "-2147483649", "9223372036854775807",
    "-9223372036854775808", "01", "-0", " 1", "9223372036854775808", xs, ys, zs, ""
};
#define NSTOCK (sizeof(stock_values) / sizeof(stock_values[0]))

static void fillStockStrings(void) {
    memset(xs, 'x', 63); xs[63] = 0;
    memset(ys, 'y', 64); ys[64] = 0;
    memset(zs, 'z', 200); zs[200] = 0;
}

/* Text of the entry at p, in buf (or pointing into the listpack). */
static const unsigned char *entryText(unsigned char *p, int64_t *len, unsigned char *buf) {
    return lpGet(p, len, buf);
}

static int entryIs(unsigned char *p, const char *s, size_t slen) {
    unsigned char buf[LP_INTBUF_SIZE];
    int64_t len;
    const unsigned char *v = entryText(p, &len, buf);
    return (size_t)len == slen && memcmp(v, s, slen) == 0;
}

/* Copy a listpack into an allocation of exactly 'size' bytes. */
static unsigned char *exactCopy(const unsigned char *src, size_t size) {
    unsigned char *b = malloc(size ? size : 1);
    memcpy(b, src, size);
    return b;
}

TEST(empty_layout) {
    unsigned char *lp = lpNew(0);
    const unsigned char expect[] = {7, 0, 0, 0, 0, 0, 0xff};
    TEST_ASSERT(lpBytes(lp) == 7 && memcmp(lp, expect, 7) == 0);
    TEST_ASSERT(lpLength(lp) == 0);
    TEST_ASSERT(lpFirst(lp) == NULL && lpLast(lp) == NULL);
    TEST_ASSERT(lpSeek(lp, 0) == NULL && lpSeek(lp, -1) == NULL);
    TEST_ASSERT(lpValidateIntegrity(lp, 7, 1, NULL, NULL));
    lpFree(lp);
}

TEST(stock_bytes) {
    unsigned char *lp = lpNew(0);
    for (size_t i = 0; i < NSTOCK; i++)
        lp = lpAppend(lp, (const unsigned char *)stock_values[i], strlen(stock_values[i]));
    TEST_ASSERT(lpBytes(lp) == sizeof(stock_blob));
    TEST_ASSERT(memcmp(lp, stock_blob, sizeof(stock_blob)) == 0);
    lpFree(lp);

    /* And the other way: the stock blob reads back as the values. */
    unsigned char *b = exactCopy(stock_blob, sizeof(stock_blob));
    TEST_ASSERT(lpValidateIntegrity(b, sizeof(stock_blob), 1, NULL, NULL));
    TEST_ASSERT(lpLength(b) == NSTOCK);
    size_t i = 0;
    for (unsigned char *p = lpFirst(b); p; p = lpNext(b, p), i++)
        TEST_ASSERT(i < NSTOCK && entryIs(p, stock_values[i], strlen(stock_values[i])));
    TEST_ASSERT(i == NSTOCK);
    for (unsigned char *p = lpLast(b); p; p = lpPrev(b, p)) {
        i--;
        TEST_ASSERT(entryIs(p, stock_values[i], strlen(stock_values[i])));
    }
    TEST_ASSERT(i == 0);
    free(b);
}

/* Each integer takes the smallest width: check the entry size and value. */
TEST(integer_widths) {
    struct { long long v; size_t size; } cases[] = {
        {0, 2}, {127, 2}, {128, 3}, {-1, 3}, {4095, 3}, {-4096, 3},
        {4096, 4}, {-4097, 4}, {32767, 4}, {-32768, 4},
        {32768, 5}, {-32769, 5}, {8388607, 5}, {-8388608, 5},
        {8388608, 6}, {-8388609, 6}, {INT32_MAX, 6}, {INT32_MIN, 6},
        {(long long)INT32_MAX + 1, 10}, {(long long)INT32_MIN - 1, 10},
        {LLONG_MAX, 10}, {LLONG_MIN, 10},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long long v = cases[i].v;
        unsigned char *a = lpAppendInteger(lpNew(0), v);
        char txt[32];
        int n = ll2string(txt, sizeof(txt), v);
        unsigned char *b = lpAppend(lpNew(0), (unsigned char *)txt, n);
        TEST_ASSERT_MSG(lpBytes(a) == 7 + cases[i].size, txt);
        TEST_ASSERT(lpBytes(a) == lpBytes(b) && memcmp(a, b, lpBytes(a)) == 0);
        int64_t got;
        TEST_ASSERT(lpGet(lpFirst(a), &got, NULL) == NULL && got == v);
        unsigned int slen;
        long long lv;
        TEST_ASSERT(lpGetValue(lpFirst(a), &slen, &lv) == NULL && lv == v);
        TEST_ASSERT(entryIs(lpFirst(a), txt, n));
        TEST_ASSERT(lpCompare(lpFirst(a), (unsigned char *)txt, n));
        TEST_ASSERT(lpValidateIntegrity(a, lpBytes(a), 1, NULL, NULL));
        lpFree(a);
        lpFree(b);
    }
    /* Every value of the 13-bit range and around each width edge. */
    unsigned char *lp = lpNew(0);
    for (long long v = -5000; v <= 5000; v++) lp = lpAppendInteger(lp, v);
    long long expect = -5000;
    for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p), expect++) {
        int64_t got;
        lpGet(p, &got, NULL);
        TEST_ASSERT(got == expect);
    }
    TEST_ASSERT(expect == 5001);
    lpFree(lp);
}

/* String header widths and backlen widths at their edges. */
TEST(string_widths) {
    struct { size_t slen, entry; } cases[] = {
        {0, 2}, {63, 65}, {64, 67}, {125, 128}, {126, 130}, {4095, 4099},
        {4096, 4103}, {16377, 16384}, {16378, 16386}, {2097145, 2097153}, {2097146, 2097155},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t slen = cases[i].slen;
        char *s = malloc(slen + 1);
        for (size_t j = 0; j < slen; j++) s[j] = 'a' + j % 26;
        unsigned char *lp = lpAppend(lpNew(0), (unsigned char *)s, slen);
        lp = lpAppend(lp, (unsigned char *)"tail", 4);
        lp = lpPrepend(lp, (unsigned char *)"head", 4);
        TEST_ASSERT(lpBytes(lp) == 7 + cases[i].entry + 2 * 6);
        TEST_ASSERT(entryIs(lpSeek(lp, 1), s, slen));
        TEST_ASSERT(entryIs(lpPrev(lp, lpLast(lp)), s, slen));
        TEST_ASSERT(entryIs(lpPrev(lp, lpPrev(lp, lpLast(lp))), "head", 4));
        TEST_ASSERT(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL));
        lpFree(lp);
        free(s);
    }
}

TEST(insert_replace_delete) {
    unsigned char *lp = lpNew(0), *p;
    lp = lpAppend(lp, (unsigned char *)"b", 1);
    lp = lpInsertString(lp, (unsigned char *)"a", 1, lpFirst(lp), LP_BEFORE, &p);
    TEST_ASSERT(entryIs(p, "a", 1) && p == lpFirst(lp));
    lp = lpInsertString(lp, (unsigned char *)"c", 1, lpLast(lp), LP_AFTER, &p);
    TEST_ASSERT(entryIs(p, "c", 1) && p == lpLast(lp));
    lp = lpInsertInteger(lp, 99, lpSeek(lp, 1), LP_AFTER, &p);
    TEST_ASSERT(entryIs(p, "99", 2) && lpSeek(lp, 2) == p && lpLength(lp) == 4);

    p = lpSeek(lp, 2);
    lp = lpReplace(lp, &p, (unsigned char *)"a much longer string", 20);
    TEST_ASSERT(entryIs(p, "a much longer string", 20) && lpLength(lp) == 4);
    lp = lpReplaceInteger(lp, &p, -7);
    TEST_ASSERT(entryIs(p, "-7", 2) && entryIs(lpNext(lp, p), "c", 1));

    lp = lpDelete(lp, lpFirst(lp), &p);
    TEST_ASSERT(entryIs(p, "b", 1) && p == lpFirst(lp) && lpLength(lp) == 3);
    lp = lpDelete(lp, lpLast(lp), &p);
    TEST_ASSERT(p == NULL && lpLength(lp) == 2 && entryIs(lpLast(lp), "-7", 2));
    lp = lpInsertString(lp, NULL, 0, lpFirst(lp), LP_REPLACE, &p); /* NULL = delete */
    TEST_ASSERT(lpLength(lp) == 1 && entryIs(p, "-7", 2));

    lpFree(lp);
    lp = lpNew(0);
    for (int i = 0; i < 10; i++) lp = lpAppendInteger(lp, i);
    lp = lpDeleteRange(lp, -3, 100);    /* 7 8 9 */
    TEST_ASSERT(lpLength(lp) == 7 && entryIs(lpLast(lp), "6", 1));
    lp = lpDeleteRange(lp, 1, 2);       /* 1 2 */
    TEST_ASSERT(lpLength(lp) == 5 && entryIs(lpSeek(lp, 1), "3", 1));
    lp = lpDeleteRange(lp, 10, 2);      /* out of range: no-op */
    TEST_ASSERT(lpLength(lp) == 5);
    p = lpSeek(lp, 3);
    lp = lpDeleteRangeWithEntry(lp, &p, 5);
    TEST_ASSERT(p == NULL && lpLength(lp) == 3);
    p = lpFirst(lp);
    lp = lpDeleteRangeWithEntry(lp, &p, 1);
    TEST_ASSERT(entryIs(p, "3", 1) && lpLength(lp) == 2);
    TEST_ASSERT(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL));
    lpFree(lp);
}

TEST(find_and_compare) {
    unsigned char *lp = lpNew(0);
    const char *kv[] = {"f1", "v1", "10", "v2", "v1", "x", "-5", "12345678901"};
    for (int i = 0; i < 8; i++) lp = lpAppend(lp, (unsigned char *)kv[i], strlen(kv[i]));
    unsigned char *p = lpFind(lp, lpFirst(lp), (unsigned char *)"v1", 2, 0);
    TEST_ASSERT(p == lpSeek(lp, 1));
    p = lpFind(lp, lpFirst(lp), (unsigned char *)"v1", 2, 1);  /* keys only */
    TEST_ASSERT(p == lpSeek(lp, 4));
    TEST_ASSERT(lpFind(lp, lpFirst(lp), (unsigned char *)"x", 1, 1) == NULL);
    TEST_ASSERT(lpFind(lp, lpFirst(lp), (unsigned char *)"10", 2, 1) == lpSeek(lp, 2));
    TEST_ASSERT(lpFind(lp, lpFirst(lp), (unsigned char *)"-5", 2, 1) == lpSeek(lp, 6));
    TEST_ASSERT(lpFind(lp, lpFirst(lp), (unsigned char *)"010", 3, 0) == NULL);
    TEST_ASSERT(lpFind(lp, lpFirst(lp), (unsigned char *)"12345678901", 11, 0) == lpSeek(lp, 7));
    TEST_ASSERT(lpCompare(lpSeek(lp, 2), (unsigned char *)"10", 2));
    TEST_ASSERT(!lpCompare(lpSeek(lp, 2), (unsigned char *)"1", 1));
    TEST_ASSERT(!lpCompare(lpFirst(lp), (unsigned char *)"f", 1));
    lpFree(lp);
}

/* Past 65534 entries the header count reads "unknown" and lpLength counts. */
TEST(count_saturation) {
    /* Built by merging 256-entry blocks: 65536 single appends would realloc
     * a growing buffer each time, which is slow with some allocators. */
    unsigned char *lp = lpNew(0);
    for (int i = 0; i < 65533; i++) {
        if (i % 256 == 0 && i + 256 <= 65533) {
            unsigned char *blk = lpNew(0);
            for (int j = 0; j < 256; j++) blk = lpAppendInteger(blk, j & 127);
            lp = lpMerge(&lp, &blk);
            i += 255;
        } else {
            lp = lpAppendInteger(lp, i & 127);
        }
    }
    TEST_ASSERT(lpLength(lp) == 65533);
    lp = lpAppendInteger(lp, 1);
    TEST_ASSERT(lp[4] == 0xfe && lp[5] == 0xff);   /* 65534 still counted */
    lp = lpAppendInteger(lp, 1);
    lp = lpAppendInteger(lp, 1);
    TEST_ASSERT(lp[4] == 0xff && lp[5] == 0xff);
    TEST_ASSERT(lpLength(lp) == 65536);
    TEST_ASSERT(lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL));
    lp = lpDeleteRange(lp, 0, 10);
    TEST_ASSERT(lp[4] == 0xff && lp[5] == 0xff);   /* still unknown */
    TEST_ASSERT(lpLength(lp) == 65526);
    TEST_ASSERT(lp[4] == (65526 & 0xff) && lp[5] == (65526 >> 8));
    TEST_ASSERT(lpSeek(lp, -1) == lpLast(lp) && lpSeek(lp, 65526) == NULL);
    lpFree(lp);
}

TEST(merge) {
    unsigned char *a = lpNew(0), *b = lpNew(0);
    for (int i = 0; i < 5; i++) a = lpAppendInteger(a, i);
    for (int i = 5; i < 9; i++) b = lpAppendInteger(b, i);
    unsigned char *m = lpMerge(&a, &b);
    TEST_ASSERT(m && a == m && b == NULL && lpLength(m) == 9);
    int64_t v, i = 0;
    for (unsigned char *p = lpFirst(m); p; p = lpNext(m, p), i++) {
        lpGet(p, &v, NULL);
        TEST_ASSERT(v == i);
    }
    TEST_ASSERT(lpValidateIntegrity(m, lpBytes(m), 1, NULL, NULL));
    lpFree(m);
}

TEST(random_pairs) {
    unsigned char *lp = lpNew(0);
    for (int i = 0; i < 20; i++) lp = lpAppendInteger(lp, i);  /* pairs (2k, 2k+1) */
    listpackEntry k, v, keys[30], vals[30];
    for (int i = 0; i < 50; i++) {
        lpRandomPair(lp, 20, &k, &v);
        TEST_ASSERT(!k.sval && k.lval % 2 == 0 && v.lval == k.lval + 1);
    }
    lpRandomPairs(lp, 30, keys, vals);
    for (int i = 0; i < 30; i++) TEST_ASSERT(keys[i].lval % 2 == 0 && vals[i].lval == keys[i].lval + 1);
    unsigned int n = lpRandomPairsUnique(lp, 6, keys, vals);
    TEST_ASSERT(n == 6);
    for (unsigned int i = 1; i < n; i++) TEST_ASSERT(keys[i].lval > keys[i - 1].lval);
    n = lpRandomPairsUnique(lp, 30, keys, NULL);
    TEST_ASSERT(n == 10);
    for (unsigned int i = 0; i < n; i++) TEST_ASSERT(keys[i].lval == 2 * (long long)i);
    lpFree(lp);
}

/* ---- random edits against an array-of-strings model ---- */

#define MODEL_MAX 400
typedef struct { char *s[MODEL_MAX]; size_t len[MODEL_MAX]; int n; } model;

static void randomValue(char *buf, size_t *len) {
    int kind = rand() % 4;
    if (kind == 0) {
        long long v = (long long)((uint64_t)rand() << 33 ^ (uint64_t)rand() << 10 ^ rand());
        v >>= rand() % 63;
        *len = ll2string(buf, 32, v);
    } else {
        size_t n = kind == 1 ? rand() % 10 : kind == 2 ? rand() % 300 : rand() % 5000;
        for (size_t i = 0; i < n; i++) buf[i] = "abc01-9 "[rand() % 8];
        *len = n;
    }
}

static void modelInsert(model *m, int at, const char *s, size_t len) {
    memmove(&m->s[at + 1], &m->s[at], sizeof(char *) * (m->n - at));
    memmove(&m->len[at + 1], &m->len[at], sizeof(size_t) * (m->n - at));
    m->s[at] = malloc(len + 1);
    memcpy(m->s[at], s, len);
    m->len[at] = len;
    m->n++;
}

static void modelDelete(model *m, int at, int count) {
    for (int i = at; i < at + count; i++) free(m->s[i]);
    memmove(&m->s[at], &m->s[at + count], sizeof(char *) * (m->n - at - count));
    memmove(&m->len[at], &m->len[at + count], sizeof(size_t) * (m->n - at - count));
    m->n -= count;
}

static int matchesModel(unsigned char *lp, model *m) {
    if ((int)lpLength(lp) != m->n) return 0;
    int i = 0;
    for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p), i++)
        if (i >= m->n || !entryIs(p, m->s[i], m->len[i])) return 0;
    if (i != m->n) return 0;
    for (unsigned char *p = lpLast(lp); p; p = lpPrev(lp, p)) {
        i--;
        if (!entryIs(p, m->s[i], m->len[i])) return 0;
    }
    if (m->n) {
        int at = rand() % m->n;
        if (!entryIs(lpSeek(lp, at), m->s[at], m->len[at])) return 0;
    }
    return i == 0 && lpValidateIntegrity(lp, lpBytes(lp), 1, NULL, NULL);
}

TEST(fuzz_vs_model) {
    srand(1234);
    model m = {.n = 0};
    unsigned char *lp = lpNew(0);
    char *buf = malloc(5000);
    int ok = 1;
    for (int step = 0; step < 4000 && ok; step++) {
        size_t len;
        int op = rand() % 7;
        if (m.n >= MODEL_MAX - 1) op = 4;
        randomValue(buf, &len);
        if (op == 0) {
            lp = lpAppend(lp, (unsigned char *)buf, len);
            modelInsert(&m, m.n, buf, len);
        } else if (op == 1) {
            lp = lpPrepend(lp, (unsigned char *)buf, len);
            modelInsert(&m, 0, buf, len);
        } else if (op == 2 && m.n) {
            int at = rand() % m.n, after = rand() % 2;
            unsigned char *np;
            lp = lpInsertString(lp, (unsigned char *)buf, len, lpSeek(lp, at),
                                after ? LP_AFTER : LP_BEFORE, &np);
            modelInsert(&m, at + after, buf, len);
            ok = entryIs(np, buf, len);
        } else if (op == 3 && m.n) {
            int at = rand() % m.n;
            unsigned char *p = lpSeek(lp, at - m.n); /* negative index */
            lp = lpReplace(lp, &p, (unsigned char *)buf, len);
            modelDelete(&m, at, 1);
            modelInsert(&m, at, buf, len);
            ok = entryIs(p, buf, len);
        } else if (op == 4 && m.n) {
            int at = rand() % m.n;
            int cnt = 1 + rand() % 5;
            if (cnt > m.n - at) cnt = m.n - at;
            lp = lpDeleteRange(lp, at, cnt);
            modelDelete(&m, at, cnt);
        } else if (op == 5 && m.n) {
            int at = rand() % m.n;
            unsigned char *np;
            lp = lpDelete(lp, lpSeek(lp, at), &np);
            modelDelete(&m, at, 1);
            ok = at == m.n ? np == NULL : entryIs(np, m.s[at], m.len[at]);
        } else if (op == 6 && m.n) {
            int at = rand() % m.n;
            unsigned char *f = lpFind(lp, lpFirst(lp), (unsigned char *)m.s[at], m.len[at], 0);
            int first = 0;
            while (m.len[first] != m.len[at] || memcmp(m.s[first], m.s[at], m.len[at])) first++;
            ok = f == lpSeek(lp, first);
        }
        if (ok) ok = matchesModel(lp, &m);
    }
    TEST_ASSERT(ok);
    lp = lpShrinkToFit(lp);
    TEST_ASSERT(matchesModel(lp, &m));
    modelDelete(&m, 0, m.n);
    free(buf);
    lpFree(lp);
}

/* ---- corrupt input ---- */

static void putU32(unsigned char *b, uint32_t v) {
    b[0] = v; b[1] = v >> 8; b[2] = v >> 16; b[3] = v >> 24;
}

static int validExact(const unsigned char *src, size_t size, int deep) {
    unsigned char *b = exactCopy(src, size);
    int ok = lpValidateIntegrity(b, size, deep, NULL, NULL);
    free(b);
    return ok;
}

static int countCb(unsigned char *p, unsigned int head_count, void *ud) {
    (void)p;
    int *n = ud;
    (*n)++;
    return head_count == 24;
}

static int rejectThird(unsigned char *p, unsigned int head_count, void *ud) {
    (void)p; (void)head_count;
    int *n = ud;
    return ++(*n) != 3;
}

TEST(validate_header) {
    size_t n = sizeof(stock_blob);
    TEST_ASSERT(validExact(stock_blob, n, 0) && validExact(stock_blob, n, 1));
    int cnt = 0;
    unsigned char *b = exactCopy(stock_blob, n);
    TEST_ASSERT(lpValidateIntegrity(b, n, 1, countCb, &cnt) && cnt == 24);
    cnt = 0;
    TEST_ASSERT(!lpValidateIntegrity(b, n, 1, rejectThird, &cnt));
    free(b);
    TEST_ASSERT(!validExact(stock_blob, 0, 0));
    TEST_ASSERT(!validExact(stock_blob, 6, 0));
    TEST_ASSERT(!validExact(stock_blob, n - 1, 0));   /* size != header */
    unsigned char bad[7] = {7, 0, 0, 0, 0, 0, 0xfe};
    TEST_ASSERT(!validExact(bad, 7, 0));              /* no terminator */
    bad[6] = 0xff; bad[4] = 1;
    TEST_ASSERT(validExact(bad, 7, 0) && !validExact(bad, 7, 1)); /* count 1, no entries */
}

/* Build a listpack of one raw entry (given bytes) with a correct header. */
static int validRaw(const unsigned char *entry, size_t elen, unsigned count) {
    size_t size = 7 + elen;
    unsigned char *b = malloc(size);
    putU32(b, (uint32_t)size);
    b[4] = count; b[5] = 0;
    memcpy(b + 6, entry, elen);
    b[size - 1] = 0xff;
    int ok = lpValidateIntegrity(b, size, 1, NULL, NULL);
    free(b);
    return ok;
}

TEST(validate_entries) {
    const unsigned char good[] = {0x81, 'a', 0x02};
    TEST_ASSERT(validRaw(good, 3, 1));
    TEST_ASSERT(!validRaw(good, 3, 2));                   /* count mismatch */
    const unsigned char badback[] = {0x81, 'a', 0x03};
    TEST_ASSERT(!validRaw(badback, 3, 1));
    const unsigned char badenc[] = {0xf5, 0x01};
    TEST_ASSERT(!validRaw(badenc, 2, 1));
    const unsigned char longstr[] = {0xbf, 'a', 0x02};      /* 63-byte string, 1 present */
    TEST_ASSERT(!validRaw(longstr, 3, 1));
    const unsigned char huge[] = {0xf0, 0xff, 0xff, 0xff, 0xff, 0x01};
    TEST_ASSERT(!validRaw(huge, 6, 1));
    const unsigned char cut12[] = {0xef};                   /* 12-bit header cut */
    TEST_ASSERT(!validRaw(cut12, 1, 1));
    const unsigned char cut64[] = {0xf4, 1, 2, 3};
    TEST_ASSERT(!validRaw(cut64, 4, 1));
    const unsigned char early_eof[] = {0xff, 0x01, 0x01};   /* terminator too early */
    TEST_ASSERT(!validRaw(early_eof, 3, 0));
    const unsigned char contback[] = {0x81, 'a', 0x82};     /* backlen never ends */
    TEST_ASSERT(!validRaw(contback, 3, 1));
    unsigned char two[] = {0x01, 0x01, 0x02, 0x01};
    TEST_ASSERT(validRaw(two, 4, 2));
    TEST_ASSERT(validRaw(two, 4, 0xff) == 0);               /* 255 is a real count */
}

/* Every truncation of a valid blob (header patched to match) and many
 * random corruptions must be rejected or, if accepted, be safe to walk. */
TEST(validate_fuzz) {
    size_t n = sizeof(stock_blob);
    for (size_t cut = 7; cut < n; cut++) {
        unsigned char *b = malloc(cut);
        memcpy(b, stock_blob, cut);
        putU32(b, (uint32_t)cut);
        b[cut - 1] = 0xff;
        TEST_ASSERT(!lpValidateIntegrity(b, cut, 1, NULL, NULL));
        free(b);
    }
    srand(99);
    int accepted = 0;
    for (int iter = 0; iter < 20000; iter++) {
        unsigned char *b = exactCopy(stock_blob, n);
        int flips = 1 + rand() % 4;
        for (int f = 0; f < flips; f++) b[6 + rand() % (n - 7)] = rand() & 0xff;
        if (lpValidateIntegrity(b, n, 1, NULL, NULL)) {
            accepted++;
            unsigned long cnt = 0;
            for (unsigned char *p = lpFirst(b); p; p = lpNext(b, p)) {
                int64_t len;
                unsigned char buf[LP_INTBUF_SIZE];
                lpGet(p, &len, buf);
                cnt++;
            }
            for (unsigned char *p = lpLast(b); p; p = lpPrev(b, p)) cnt--;
            TEST_ASSERT(cnt == 0);
            TEST_ASSERT(lpLength(b) == 24 || b[4] == 0xff);
        }
        free(b);
    }
    TEST_ASSERT(accepted > 0); /* flips inside string payloads stay valid */
}

/* The whole-blob check (with its fast path for short entries) accepts
 * exactly what the step-by-step lpValidateFirst/lpValidateNext walk plus
 * the count check accepts, for random corruptions of every entry kind. */
static int validStepwise(unsigned char *lp, size_t size) {
    if (size < LP_HDR_SIZE + 1 || lpBytes(lp) != size || lp[size - 1] != 0xff) return 0;
    unsigned long count = 0;
    unsigned char *p = lp + LP_HDR_SIZE, *eof = p;
    while (p) {
        eof = p;
        if (!lpValidateNext(lp, &p, size)) return 0;
        if (p) count++;
    }
    if (eof != lp + size - 1) return 0; /* a terminator byte too early */
    uint32_t hdr = (uint32_t)lp[4] | (uint32_t)lp[5] << 8;
    return hdr == LP_HDR_NUMELE_UNKNOWN || hdr == count;
}

TEST(validate_fast_path_matches_stepwise) {
    unsigned char *lp = lpNew(0);
    const long long ints[] = {0, 5, 127, 128, -1, 4095, -4096, 30000, -8000000, 2000000000LL, 1LL << 40};
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) lp = lpAppendInteger(lp, ints[i]);
    char big[5000];
    memset(big, 'q', sizeof(big));
    const size_t lens[] = {0, 1, 10, 63, 64, 200, 4095, 4096, 5000};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
        lp = lpAppend(lp, (unsigned char *)big, lens[i]);
    size_t n = lpBytes(lp);
    TEST_ASSERT(lpValidateIntegrity(lp, n, 1, NULL, NULL) && validStepwise(lp, n));
    srand(5);
    int accepted = 0;
    for (int iter = 0; iter < 20000; iter++) {
        unsigned char *b = exactCopy(lp, n);
        /* Corrupt the headers and backlens rather than string bytes. */
        size_t at = 6 + (size_t)rand() % (n < 200 ? n - 7 : 150);
        if (iter % 2) at = n - 2 - (size_t)rand() % 40;
        b[at] = (unsigned char)rand();
        int fast = lpValidateIntegrity(b, n, 1, NULL, NULL), slow = validStepwise(b, n);
        TEST_ASSERT(fast == slow);
        accepted += fast;
        free(b);
    }
    TEST_ASSERT(accepted > 0);
    lpFree(lp);
}

int main(void) {
    fillStockStrings();
    RUN(empty_layout);
    RUN(stock_bytes);
    RUN(integer_widths);
    RUN(string_widths);
    RUN(insert_replace_delete);
    RUN(find_and_compare);
    RUN(count_saturation);
    RUN(merge);
    RUN(random_pairs);
    RUN(fuzz_vs_model);
    RUN(validate_header);
    RUN(validate_entries);
    RUN(validate_fuzz);
    RUN(validate_fast_path_matches_stepwise);
    return TEST_REPORT();
}
