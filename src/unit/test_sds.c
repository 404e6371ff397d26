/* test_sds.c - unit tests for sds.c (dynamic strings). */
#include <stdlib.h>
#include <limits.h>
#include "test_help.h"
#include "../sds.h"
#include "../zmalloc.h"

/* Compare an sds with expected bytes, including length. */
static int sdsIs(sds s, const char *expect, size_t len) {
    return sdslen(s) == len && memcmp(s, expect, len) == 0 && s[len] == '\0';
}
#define SDS_IS(s, lit) sdsIs((s), (lit), sizeof(lit) - 1)

TEST(create) {
    sds s = sdsnew("foo");
    TEST_ASSERT(SDS_IS(s, "foo"));
    TEST_ASSERT(((unsigned char)s[-1] & 7) == 0); /* short: 5-bit type */
    sdsfree(s);

    s = sdsnewlen("a\0b", 3);
    TEST_ASSERT(SDS_IS(s, "a\0b"));
    sdsfree(s);

    s = sdsnewlen(NULL, 5);
    TEST_ASSERT(SDS_IS(s, "\0\0\0\0\0"));
    sdsfree(s);

    s = sdsempty();
    TEST_ASSERT(sdslen(s) == 0 && s[0] == '\0');
    TEST_ASSERT(((unsigned char)s[-1] & 7) == 1); /* empty: 8-bit header */
    sdsfree(s);

    s = sdstrynewlen("xyz", 3);
    TEST_ASSERT(s && SDS_IS(s, "xyz"));
    sds d = sdsdup(s);
    TEST_ASSERT(d != s && SDS_IS(d, "xyz"));
    sdsfree(s);
    sdsfree(d);
    sdsfree(NULL);
}

TEST(header_types) {
    size_t sizes[] = {31, 32, 255, 256, 65535, 65536, 300000};
    int types[] = {0, 1, 1, 2, 2, 3, 3};
    for (size_t j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
        sds s = sdsnewlen(NULL, sizes[j]);
        TEST_ASSERT(((unsigned char)s[-1] & 7) == types[j]);
        TEST_ASSERT(sdslen(s) == sizes[j]);
        TEST_ASSERT(sdsalloc(s) >= sizes[j]);
        TEST_ASSERT(sdsAllocSize(s) <= zmalloc_size(sdsAllocPtr(s)));
        sdsfree(s);
    }
}

TEST(cat_and_cpy) {
    sds s = sdsnew("foo");
    s = sdscat(s, "bar");
    TEST_ASSERT(SDS_IS(s, "foobar"));
    s = sdscatlen(s, "\0x", 2);
    TEST_ASSERT(SDS_IS(s, "foobar\0x"));
    sds t = sdsnew("!!");
    s = sdscatsds(s, t);
    TEST_ASSERT(SDS_IS(s, "foobar\0x!!"));
    s = sdscpy(s, "a");
    TEST_ASSERT(SDS_IS(s, "a"));
    s = sdscpy(s, "xyzxxxxxxxxxxyyyyyyyyyykkkkkkkkkkzzzzzzzzzzzzz");
    TEST_ASSERT(SDS_IS(s, "xyzxxxxxxxxxxyyyyyyyyyykkkkkkkkkkzzzzzzzzzzzzz"));
    sdsfree(s);
    sdsfree(t);
}

TEST(grow_across_types) {
    sds s = sdsnew("x");
    char expect[70000];
    for (int j = 0; j < 70000; j++) {
        char c = (char)('a' + j % 26);
        s = sdscatlen(s, &c, 1);
        expect[j] = c;
    }
    TEST_ASSERT(sdslen(s) == 70001 && s[0] == 'x');
    TEST_ASSERT(memcmp(s + 1, expect, 70000) == 0 && s[70001] == '\0');
    TEST_ASSERT(((unsigned char)s[-1] & 7) == 3);
    sdsfree(s);
}

TEST(greedy_growth) {
    sds s = sdsempty();
    s = sdsMakeRoomFor(s, 100);
    TEST_ASSERT(sdsavail(s) >= 200); /* doubled */
    sdsfree(s);

    s = sdsempty();
    s = sdsMakeRoomForNonGreedy(s, 100);
    TEST_ASSERT(sdsavail(s) >= 100 && sdsavail(s) < 200);
    sdsfree(s);

    s = sdsempty();
    s = sdsMakeRoomFor(s, SDS_MAX_PREALLOC * 2);
    TEST_ASSERT(sdsavail(s) >= SDS_MAX_PREALLOC * 3);
    TEST_ASSERT(sdsavail(s) < SDS_MAX_PREALLOC * 4);
    sdsfree(s);
}

TEST(incrlen_and_resize) {
    sds s = sdsnew("0");
    /* Big enough that any allocator really returns the tail on shrink
     * (glibc keeps tails under 32 bytes inside the block). */
    s = sdsMakeRoomFor(s, 1000);
    memcpy(s + 1, "12345", 5);
    sdsIncrLen(s, 5);
    TEST_ASSERT(SDS_IS(s, "012345"));
    sdsIncrLen(s, -2);
    TEST_ASSERT(SDS_IS(s, "0123"));
    s = sdsRemoveFreeSpace(s);
    TEST_ASSERT(SDS_IS(s, "0123"));
    TEST_ASSERT(sdsAllocSize(s) < 64); /* down from over 1000 bytes */

    s = sdsResize(s, 2);
    TEST_ASSERT(SDS_IS(s, "01"));
    s = sdsResize(s, 1000);
    TEST_ASSERT(SDS_IS(s, "01") && sdsalloc(s) >= 1000);
    s = sdsResize(s, 100000);
    TEST_ASSERT(SDS_IS(s, "01") && sdsalloc(s) >= 100000);
    s = sdsResize(s, 10);
    TEST_ASSERT(SDS_IS(s, "01") && sdsalloc(s) < 100);
    sdsfree(s);

    s = sdsnew("ab");
    s = sdsgrowzero(s, 5);
    TEST_ASSERT(SDS_IS(s, "ab\0\0\0"));
    sdssetlen(s, 1);
    TEST_ASSERT(sdslen(s) == 1);
    sdsfree(s);

    s = sdsnew("hello");
    s[2] = '\0';
    sdsupdatelen(s);
    TEST_ASSERT(SDS_IS(s, "he"));
    sdsclear(s);
    TEST_ASSERT(SDS_IS(s, ""));
    sdsfree(s);
}

TEST(printf_and_fmt) {
    sds s = sdscatprintf(sdsempty(), "%d-%s", 123, "abc");
    TEST_ASSERT(SDS_IS(s, "123-abc"));
    sdsfree(s);

    char big[3000];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    s = sdscatprintf(sdsnew("<"), "%s>", big);
    TEST_ASSERT(sdslen(s) == 3001 && s[0] == '<' && s[3000] == '>');
    sdsfree(s);

    sds arg = sdsnew("SDS");
    s = sdscatfmt(sdsnew("x:"), "%s|%S|%i|%I|%u|%U|%%|%c", "str", arg, -5,
                  LLONG_MIN, 7u, ULLONG_MAX);
    TEST_ASSERT(SDS_IS(s, "x:str|SDS|-5|-9223372036854775808|7|18446744073709551615|%|c"));
    sdsfree(s);
    sdsfree(arg);

    s = sdsfromlonglong(LLONG_MAX);
    TEST_ASSERT(SDS_IS(s, "9223372036854775807"));
    sdsfree(s);
    s = sdsfromlonglong(0);
    TEST_ASSERT(SDS_IS(s, "0"));
    sdsfree(s);
}

TEST(trim_range) {
    sds s = sdsnew("xxciaoyyy");
    s = sdstrim(s, "xy");
    TEST_ASSERT(SDS_IS(s, "ciao"));
    sdsfree(s);
    s = sdstrim(sdsnew("xyxy"), "xy");
    TEST_ASSERT(SDS_IS(s, ""));
    sdsfree(s);

    struct { ssize_t start, end; const char *expect; } cases[] = {
        {1, 1, "i"}, {1, -1, "iao"}, {-2, -1, "ao"}, {2, 1, ""},
        {1, 100, "iao"}, {100, 100, ""}, {0, 0, "c"}, {-100, 1, "ci"},
        {-100, -100, "c"},
    };
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        s = sdsnew("ciao");
        sdsrange(s, cases[j].start, cases[j].end);
        TEST_ASSERT_MSG(sdslen(s) == strlen(cases[j].expect) &&
                        strcmp(s, cases[j].expect) == 0, cases[j].expect);
        sdsfree(s);
    }
}

TEST(cmp_case_map) {
    sds a = sdsnew("foo"), b = sdsnew("foa"), c = sdsnew("foox"), d = sdsnew("foo");
    TEST_ASSERT(sdscmp(a, b) > 0);
    TEST_ASSERT(sdscmp(a, c) < 0);
    TEST_ASSERT(sdscmp(c, a) > 0);
    TEST_ASSERT(sdscmp(a, d) == 0);
    sdstoupper(a);
    TEST_ASSERT(SDS_IS(a, "FOO"));
    sdstolower(a);
    TEST_ASSERT(SDS_IS(a, "foo"));
    a = sdsmapchars(a, "of", "0F", 2);
    TEST_ASSERT(SDS_IS(a, "F00"));
    sdsfree(a); sdsfree(b); sdsfree(c); sdsfree(d);
}

TEST(split_join) {
    int count;
    sds *t = sdssplitlen("a,b,,c", 6, ",", 1, &count);
    TEST_ASSERT(count == 4);
    TEST_ASSERT(SDS_IS(t[0], "a") && SDS_IS(t[1], "b") && SDS_IS(t[2], "") && SDS_IS(t[3], "c"));
    sds j = sdsjoinsds(t, count, "--", 2);
    TEST_ASSERT(SDS_IS(j, "a--b----c"));
    sdsfree(j);
    sdsfreesplitres(t, count);

    t = sdssplitlen("foo_-_bar", 9, "_-_", 3, &count);
    TEST_ASSERT(count == 2 && SDS_IS(t[0], "foo") && SDS_IS(t[1], "bar"));
    sdsfreesplitres(t, count);

    t = sdssplitlen("", 0, ",", 1, &count);
    TEST_ASSERT(t != NULL && count == 0);
    sdsfreesplitres(t, count);
    TEST_ASSERT(sdssplitlen("abc", 3, "", 0, &count) == NULL);

    char *argv[] = {"x", "y", "z"};
    j = sdsjoin(argv, 3, ", ");
    TEST_ASSERT(SDS_IS(j, "x, y, z"));
    sdsfree(j);
}

TEST(catrepr) {
    sds s = sdscatrepr(sdsempty(), "\a\n\0foo\r\"\\\t\b\x01\x7f\xff ok", 17);
    TEST_ASSERT(SDS_IS(s, "\"\\a\\n\\x00foo\\r\\\"\\\\\\t\\b\\x01\\x7f\\xff ok\""));
    sdsfree(s);
    s = sdscatrepr(sdsnew("pre:"), "", 0);
    TEST_ASSERT(SDS_IS(s, "pre:\"\""));
    sdsfree(s);
}

TEST(splitargs) {
    int argc;
    sds *v = sdssplitargs("  set  \"key one\" 'it s' \"\\x41\\x4a\\n\\t\\\"\\\\\\q\" 'a\\'b\\n' ", &argc);
    TEST_ASSERT(v != NULL && argc == 5);
    if (v && argc == 5) {
        TEST_ASSERT(SDS_IS(v[0], "set"));
        TEST_ASSERT(SDS_IS(v[1], "key one"));
        TEST_ASSERT(SDS_IS(v[2], "it s"));
        TEST_ASSERT(SDS_IS(v[3], "AJ\n\t\"\\q"));
        TEST_ASSERT(SDS_IS(v[4], "a'b\\n"));
    }
    sdsfreesplitres(v, argc);

    /* Quotes glued to a word start a quoted section of the same argument. */
    v = sdssplitargs("foo\"bar baz\" x", &argc);
    TEST_ASSERT(v && argc == 2 && SDS_IS(v[0], "foobar baz") && SDS_IS(v[1], "x"));
    sdsfreesplitres(v, argc);

    v = sdssplitargs("\"\" ''", &argc);
    TEST_ASSERT(v && argc == 2 && SDS_IS(v[0], "") && SDS_IS(v[1], ""));
    sdsfreesplitres(v, argc);

    v = sdssplitargs("   \t\n ", &argc);
    TEST_ASSERT(v != NULL && argc == 0);
    sdsfreesplitres(v, argc);
    v = sdssplitargs("", &argc);
    TEST_ASSERT(v != NULL && argc == 0);
    sdsfreesplitres(v, argc);

    const char *bad[] = {"\"unterminated", "'unterminated", "\"a\"b", "'a'b",
                         "ok \"x\\\"", "\"trailing\\"};
    for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
        v = sdssplitargs(bad[j], &argc);
        TEST_ASSERT_MSG(v == NULL && argc == 0, bad[j]);
    }

    /* \x with non-hex digits is not an escape of a byte. */
    v = sdssplitargs("\"\\xZZ\"", &argc);
    TEST_ASSERT(v && argc == 1 && SDS_IS(v[0], "xZZ"));
    sdsfreesplitres(v, argc);
}

TEST(splitargs_roundtrip_repr) {
    char bytes[256];
    for (int j = 0; j < 256; j++) bytes[j] = (char)j;
    sds r = sdscatrepr(sdsempty(), bytes, 256);
    int argc;
    sds *v = sdssplitargs(r, &argc);
    TEST_ASSERT(v && argc == 1 && sdslen(v[0]) == 256 && memcmp(v[0], bytes, 256) == 0);
    sdsfreesplitres(v, argc);
    sdsfree(r);
}

TEST(memory_accounting) {
    size_t before = zmalloc_used_memory();
    sds s = sdsnewlen(NULL, 1000);
    TEST_ASSERT(zmalloc_used_memory() - before == zmalloc_size(sdsAllocPtr(s)));
    s = sdscatlen(s, "x", 1);
    sdsfree(s);
    TEST_ASSERT(zmalloc_used_memory() == before);
}

int main(void) {
    RUN(create);
    RUN(header_types);
    RUN(cat_and_cpy);
    RUN(grow_across_types);
    RUN(greedy_growth);
    RUN(incrlen_and_resize);
    RUN(printf_and_fmt);
    RUN(trim_range);
    RUN(cmp_case_map);
    RUN(split_join);
    RUN(catrepr);
    RUN(splitargs);
    RUN(splitargs_roundtrip_repr);
    RUN(memory_accounting);
    return TEST_REPORT();
}
