/* test_util.c - unit tests for util.c, crc16.c and crc64.c.
 * Expected values were checked against a stock redis-server 7.0. */
#include <stdlib.h>
#include <limits.h>
#include <errno.h>
#include <math.h>
#include <unistd.h>
#include "test_help.h"
#include "../util.h"
#include "../sds.h"
#include "../crc16.h"
#include "../crc64.h"

static int match(const char *pat, const char *str) { return stringmatch(pat, str, 0); }

TEST(glob_basic) {
    TEST_ASSERT(match("*", "anything"));
    TEST_ASSERT(match("h?llo", "hello"));
    TEST_ASSERT(!match("h?llo", "hllo"));
    TEST_ASSERT(match("h*llo", "hllo"));
    TEST_ASSERT(match("h*llo", "heeeello"));
    TEST_ASSERT(match("h[ae]llo", "hallo"));
    TEST_ASSERT(!match("h[ae]llo", "hillo"));
    TEST_ASSERT(match("h[^e]llo", "hallo"));
    TEST_ASSERT(!match("h[^e]llo", "hello"));
    TEST_ASSERT(match("h[a-b]llo", "hbllo"));
    TEST_ASSERT(match("h[b-a]llo", "hallo"));   /* reversed range */
    TEST_ASSERT(!match("h[a-b]llo", "hcllo"));
    TEST_ASSERT(match("h\\*llo", "h*llo"));
    TEST_ASSERT(!match("h\\*llo", "hello"));
    TEST_ASSERT(match("a*b*c", "aXXbYYc"));
    TEST_ASSERT(!match("a*b*c", "aXXbYY"));
    TEST_ASSERT(match("a*", "a"));
    TEST_ASSERT(match("a**", "a"));
    TEST_ASSERT(match("*a*", "xxaxx"));
    TEST_ASSERT(!match("abc", "abcd"));
    TEST_ASSERT(!match("abcd", "abc"));
    TEST_ASSERT(match("", ""));
    TEST_ASSERT(!match("", "a"));
    TEST_ASSERT(!match("?", ""));
    TEST_ASSERT(match("[\\]]", "]"));
    TEST_ASSERT(match("[a\\-z]", "-"));
    TEST_ASSERT(!match("[a\\-z]", "b"));
}

TEST(glob_redis_quirks) {
    /* The empty string never matches a non-empty pattern, even "**". */
    TEST_ASSERT(!match("**", ""));
    TEST_ASSERT(!match("*", ""));
    /* "[]" is an empty class; "[^]" matches any single char. */
    TEST_ASSERT(!match("[]", "]"));
    TEST_ASSERT(match("[^]", "]"));
    TEST_ASSERT(match("[^]", "a"));
    /* "[a-]" is the range ']'..'a'; the class is then unterminated. */
    TEST_ASSERT(match("[a-]", "_"));
    TEST_ASSERT(match("[a-]", "]"));
    TEST_ASSERT(!match("[a-]", "A"));
    /* Unterminated class runs to the end of the pattern. */
    TEST_ASSERT(match("[a", "a"));
    TEST_ASSERT(match("x[abc", "xc"));
    /* A lone trailing backslash is a literal backslash. */
    TEST_ASSERT(match("a\\", "a\\"));
}

TEST(glob_nocase_binary) {
    TEST_ASSERT(stringmatch("HeLLo", "hello", 1));
    TEST_ASSERT(!stringmatch("HeLLo", "hello", 0));
    TEST_ASSERT(stringmatch("h[A-Z]llo", "hello", 1));
    TEST_ASSERT(stringmatch("h[E]llo", "hello", 1));
    TEST_ASSERT(stringmatchlen("a?c", 3, "a\0c", 3, 0));
    TEST_ASSERT(stringmatchlen("a\0*", 3, "a\0zz", 4, 0));
    TEST_ASSERT(!stringmatchlen("a\0*", 3, "a\1zz", 4, 0));
}

TEST(glob_no_blowup) {
    char pat[400], str[5000];
    int p = 0;
    for (int j = 0; j < 150; j++) { pat[p++] = 'a'; pat[p++] = '*'; }
    pat[p++] = 'b';
    pat[p] = '\0';
    memset(str, 'a', sizeof(str) - 1);
    str[sizeof(str) - 1] = '\0';
    long long start = ustime();
    TEST_ASSERT(!match(pat, str));
    TEST_ASSERT(ustime() - start < 2000000);
    str[sizeof(str) - 2] = 'b';
    TEST_ASSERT(match(pat, str));
}

TEST(string2ll) {
    long long v;
    struct { const char *s; int ok; long long v; } cases[] = {
        {"0", 1, 0}, {"1", 1, 1}, {"-1", 1, -1}, {"99", 1, 99},
        {"9223372036854775807", 1, LLONG_MAX},
        {"-9223372036854775808", 1, LLONG_MIN},
        {"9223372036854775808", 0, 0}, {"-9223372036854775809", 0, 0},
        {"18446744073709551616", 0, 0}, {"99999999999999999999", 0, 0},
        {"-0", 0, 0}, {"+1", 0, 0}, {"01", 0, 0}, {"00", 0, 0},
        {" 1", 0, 0}, {"1 ", 0, 0}, {"", 0, 0}, {"-", 0, 0},
        {"1a", 0, 0}, {"0x10", 0, 0}, {"1.0", 0, 0},
        {"000000000000000000001", 0, 0},
    };
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        v = 12345;
        int ok = string2ll(cases[j].s, strlen(cases[j].s), &v);
        TEST_ASSERT_MSG(ok == cases[j].ok, cases[j].s);
        if (ok) TEST_ASSERT_MSG(v == cases[j].v, cases[j].s);
    }
    TEST_ASSERT(string2ll("123", 2, &v) && v == 12); /* honours slen */
    TEST_ASSERT(string2ll("5", 1, NULL));

    long l;
    TEST_ASSERT(string2l("-42", 3, &l) && l == -42);
    TEST_ASSERT(!string2l("x", 1, &l));

    unsigned long long u;
    TEST_ASSERT(string2ull("18446744073709551615", &u) && u == ULLONG_MAX);
    TEST_ASSERT(!string2ull("18446744073709551616", &u));
    TEST_ASSERT(!string2ull("-1", &u));
    TEST_ASSERT(string2ull("0", &u) && u == 0);
    TEST_ASSERT(!string2ull("", &u));
}

/* string2ll accepts exactly the texts that are the canonical printed form
 * of a long long: checked against printf's rendering of strtoll's value on
 * generated texts of every length up to 21 (digits, with now and then a
 * sign, a leading zero or a stray character), so the unchecked fast loop
 * for the first 19 digits and the checked 20th one agree with the rules. */
static int canonicalByPrintf(const char *s, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s) return 0;
    char back[32];
    snprintf(back, sizeof(back), "%lld", v);
    if (strcmp(back, s) != 0) return 0;
    *out = v;
    return 1;
}

TEST(string2ll_matches_printf_form) {
    const char *alphabet = "0123456789012345678901234567890123456789-+ a";
    unsigned long long rng = 88172645463325252ULL;
    char buf[24];
    for (int iter = 0; iter < 200000; iter++) {
        rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
        size_t len = 1 + (size_t)(rng % 21);
        for (size_t i = 0; i < len; i++) {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
            /* mostly digits; a non-digit about one time in ten */
            size_t pick = (rng >> 8) % 40 < 36 ? (rng >> 16) % 10 : 40 + (rng >> 16) % 4;
            buf[i] = alphabet[pick];
        }
        if (iter % 3 == 0 && buf[0] == '0' && len > 1) buf[0] = '1' + (char)(rng % 9);
        if (iter % 7 == 0) buf[0] = '-';
        buf[len] = '\0';
        long long want = 0, got = 0;
        int want_ok = canonicalByPrintf(buf, &want);
        int ok = string2ll(buf, len, &got);
        TEST_ASSERT_MSG(ok == want_ok, buf);
        if (ok && want_ok) TEST_ASSERT_MSG(got == want, buf);
    }
    /* The 20-digit edge of the unsigned variant. */
    unsigned long long u;
    TEST_ASSERT(string2ull("18446744073709551610", &u) && u == ULLONG_MAX - 5);
    TEST_ASSERT(!string2ull("19999999999999999999", &u));
    TEST_ASSERT(!string2ull("1844674407370955161a", &u));
    TEST_ASSERT(string2ull("10000000000000000000", &u) && u == 10000000000000000000ULL);
}

TEST(string2d_ld) {
    double d;
    long double ld;
    TEST_ASSERT(string2d("1.5", 3, &d) && d == 1.5);
    TEST_ASSERT(string2d("-1e10", 5, &d) && d == -1e10);
    TEST_ASSERT(string2d("inf", 3, &d) && isinf(d) && d > 0);
    TEST_ASSERT(string2d("-inf", 4, &d) && isinf(d) && d < 0);
    TEST_ASSERT(string2d("0x10", 4, &d) && d == 16);
    TEST_ASSERT(string2d("1.5xyz", 3, &d) && d == 1.5); /* honours slen */
    TEST_ASSERT(!string2d("nan", 3, &d));
    TEST_ASSERT(!string2d("", 0, &d));
    TEST_ASSERT(!string2d(" 1", 2, &d));
    TEST_ASSERT(!string2d("1 ", 2, &d));
    TEST_ASSERT(!string2d("1e400", 5, &d));
    TEST_ASSERT(!string2d("1e-400", 6, &d));
    TEST_ASSERT(!string2d("abc", 3, &d));

    TEST_ASSERT(string2ld("1.5", 3, &ld) && ld == 1.5L);
    TEST_ASSERT(string2ld("1e400", 5, &ld) && ld > 1e300L); /* fits long double */
    TEST_ASSERT(string2ld("inf", 3, &ld) && isinf(ld));
    TEST_ASSERT(!string2ld("nan", 3, &ld));
    TEST_ASSERT(!string2ld("", 0, &ld));
    TEST_ASSERT(!string2ld(" 1", 2, &ld));
    TEST_ASSERT(!string2ld("1 ", 2, &ld));
    TEST_ASSERT(!string2ld("1e99999", 7, &ld));
}

TEST(ll2string) {
    char buf[32];
    TEST_ASSERT(ll2string(buf, sizeof(buf), 0) == 1 && strcmp(buf, "0") == 0);
    TEST_ASSERT(ll2string(buf, sizeof(buf), -123) == 4 && strcmp(buf, "-123") == 0);
    TEST_ASSERT(ll2string(buf, sizeof(buf), LLONG_MIN) == 20 &&
                strcmp(buf, "-9223372036854775808") == 0);
    TEST_ASSERT(ull2string(buf, sizeof(buf), ULLONG_MAX) == 20 &&
                strcmp(buf, "18446744073709551615") == 0);
    TEST_ASSERT(ll2string(buf, 4, 1234) == 0);
    TEST_ASSERT(ll2string(buf, 5, 1234) == 4);
    TEST_ASSERT(digits10(0) == 1 && digits10(9) == 1 && digits10(10) == 2);
    TEST_ASSERT(digits10(UINT64_MAX) == 20);
}

static int d2s_is(double v, const char *expect) {
    char buf[128];
    int len = d2string(buf, sizeof(buf), v);
    return len == (int)strlen(expect) && strcmp(buf, expect) == 0;
}

TEST(d2string) {
    TEST_ASSERT(d2s_is(1.5, "1.5"));
    TEST_ASSERT(d2s_is(3.0, "3"));
    TEST_ASSERT(d2s_is(0.1, "0.10000000000000001"));
    TEST_ASSERT(d2s_is(-4503599627370495.0, "-4503599627370495"));
    TEST_ASSERT(d2s_is(4503599627370496.0, "4503599627370496"));
    TEST_ASSERT(d2s_is(1e20, "1e+20"));
    TEST_ASSERT(d2s_is(0.0, "0"));
    TEST_ASSERT(d2s_is(-0.0, "0"));
    TEST_ASSERT(d2s_is(INFINITY, "inf"));
    TEST_ASSERT(d2s_is(-INFINITY, "-inf"));
    TEST_ASSERT(d2s_is(NAN, "nan"));
    TEST_ASSERT(d2s_is(-2.5, "-2.5"));
}

static int ld2s_is(long double v, int mode, const char *expect) {
    char buf[5120];
    int len = ld2string(buf, sizeof(buf), v, mode);
    return len == (int)strlen(expect) && strcmp(buf, expect) == 0;
}

TEST(ld2string) {
    TEST_ASSERT(ld2s_is(3.0L, LD_STR_HUMAN, "3"));
    TEST_ASSERT(ld2s_is(3.1L, LD_STR_HUMAN, "3.1"));
    TEST_ASSERT(ld2s_is(1.0L + 2.0L, LD_STR_HUMAN, "3"));
    TEST_ASSERT(ld2s_is(10.5L, LD_STR_HUMAN, "10.5"));
    TEST_ASSERT(ld2s_is(-0.0L, LD_STR_HUMAN, "0"));
    TEST_ASSERT(ld2s_is(0.0L, LD_STR_HUMAN, "0"));
    TEST_ASSERT(ld2s_is(-1.25L, LD_STR_HUMAN, "-1.25"));
    TEST_ASSERT(ld2s_is(0x1p70L, LD_STR_HUMAN, "1180591620717411303424"));
    TEST_ASSERT(ld2s_is(0x1p-3L, LD_STR_HUMAN, "0.125"));
    TEST_ASSERT(ld2s_is(INFINITY, LD_STR_HUMAN, "inf"));
    TEST_ASSERT(ld2s_is(-INFINITY, LD_STR_AUTO, "-inf"));
    TEST_ASSERT(ld2s_is(0.1L, LD_STR_AUTO, "0.1"));
    TEST_ASSERT(ld2s_is(1.0L / 3, LD_STR_AUTO, "0.33333333333333333"));
    TEST_ASSERT(ld2s_is(1.5L, LD_STR_HEX, "0xcp-3"));
    TEST_ASSERT(ld2s_is(1.5L, LD_STR_AUTO, "1.5"));
    char small[4];
    TEST_ASSERT(ld2string(small, sizeof(small), 12345.0L, LD_STR_HUMAN) == 0);
}

TEST(memtoull) {
    struct { const char *s; int err; unsigned long long v; } cases[] = {
        {"0", 0, 0}, {"123", 0, 123}, {"1b", 0, 1}, {"1B", 0, 1},
        {"1k", 0, 1000}, {"1kb", 0, 1024}, {"1KB", 0, 1024}, {"2K", 0, 2000},
        {"1m", 0, 1000000}, {"1mb", 0, 1048576}, {"1Mb", 0, 1048576},
        {"1g", 0, 1000000000ULL}, {"1gb", 0, 1073741824ULL}, {"1Gb", 0, 1073741824ULL},
        {"00012", 0, 12}, {"", 0, 0},
        {"18446744073709551615", 0, ULLONG_MAX},
        {"-1", 1, 0}, {"1.5mb", 1, 0}, {"1t", 1, 0}, {"1 kb", 1, 0},
        {" 5", 1, 0}, {"5 ", 1, 0}, {"+5", 1, 0}, {"0x10", 1, 0}, {"1kbb", 1, 0},
        {"18446744073709551616", 1, 0}, {"20000000000gb", 1, 0},
    };
    for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
        int err = -1;
        unsigned long long v = (unsigned long long)memtoull(cases[j].s, &err);
        TEST_ASSERT_MSG(err == cases[j].err, cases[j].s);
        if (!err) TEST_ASSERT_MSG(v == cases[j].v, cases[j].s);
    }
}

TEST(random_bytes) {
    unsigned char a[100], b[100];
    getRandomBytes(a, sizeof(a));
    getRandomBytes(b, sizeof(b));
    TEST_ASSERT(memcmp(a, b, sizeof(a)) != 0);
    /* Larger than the internal pool, to cross refills. */
    unsigned char *big = malloc(10000);
    getRandomBytes(big, 10000);
    int zeros = 0;
    for (int j = 0; j < 10000; j++) zeros += big[j] == 0;
    TEST_ASSERT(zeros < 200);
    free(big);

    char hex[41];
    getRandomHexChars(hex, 40);
    hex[40] = '\0';
    for (int j = 0; j < 40; j++)
        TEST_ASSERT((hex[j] >= '0' && hex[j] <= '9') || (hex[j] >= 'a' && hex[j] <= 'f'));
}

TEST(bytes_to_human) {
    char buf[64];
    bytesToHuman(buf, sizeof(buf), 0);
    TEST_ASSERT(strcmp(buf, "0B") == 0);
    bytesToHuman(buf, sizeof(buf), 1023);
    TEST_ASSERT(strcmp(buf, "1023B") == 0);
    bytesToHuman(buf, sizeof(buf), 1024);
    TEST_ASSERT(strcmp(buf, "1.00K") == 0);
    bytesToHuman(buf, sizeof(buf), 1536 * 1024);
    TEST_ASSERT(strcmp(buf, "1.50M") == 0);
    bytesToHuman(buf, sizeof(buf), 2ULL * 1024 * 1024 * 1024);
    TEST_ASSERT(strcmp(buf, "2.00G") == 0);
    bytesToHuman(buf, sizeof(buf), 3ULL << 40);
    TEST_ASSERT(strcmp(buf, "3.00T") == 0);
    bytesToHuman(buf, sizeof(buf), 5ULL << 50);
    TEST_ASSERT(strcmp(buf, "5.00P") == 0);
}

TEST(abs_path_and_time) {
    char cwd[4096];
    TEST_ASSERT(getcwd(cwd, sizeof(cwd)) != NULL);
    sds p = getAbsolutePath("/etc/redis.conf");
    TEST_ASSERT(strcmp(p, "/etc/redis.conf") == 0);
    sdsfree(p);

    p = getAbsolutePath(" dump.rdb ");
    sds expect = sdscatprintf(sdsempty(), "%s%sdump.rdb", cwd,
                              strcmp(cwd, "/") ? "/" : "");
    TEST_ASSERT(strcmp(p, expect) == 0);
    sdsfree(p);
    sdsfree(expect);

    char *slash = strrchr(cwd, '/');
    if (slash && slash != cwd) {
        p = getAbsolutePath("../x");
        expect = sdscatprintf(sdsnewlen(cwd, (size_t)(slash - cwd + 1)), "x");
        TEST_ASSERT(strcmp(p, expect) == 0);
        sdsfree(p);
        sdsfree(expect);
    }

    long long us = ustime(), ms = mstime();
    TEST_ASSERT(us > 1600000000000000LL && ms > 1600000000000LL);
    TEST_ASSERT(llabs(us / 1000 - ms) < 1000);
    uint64_t m1 = monotonicUs();
    usleep(2000);
    TEST_ASSERT(monotonicUs() - m1 >= 2000);
}

TEST(crc16) {
    TEST_ASSERT(crc16("123456789", 9) == 0x31C3);
    TEST_ASSERT(crc16("", 0) == 0);
    /* Known cluster slots: CLUSTER KEYSLOT foo = 12182, bar = 5061. */
    TEST_ASSERT((crc16("foo", 3) & 16383) == 12182);
    TEST_ASSERT((crc16("bar", 3) & 16383) == 5061);
}

/* Bitwise reference to validate the table-driven implementation. */
static uint64_t crc64_slow(uint64_t crc, const unsigned char *s, size_t l) {
    for (size_t i = 0; i < l; i++) {
        crc ^= s[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (crc >> 1) ^ 0x95ac9329ac4bc9b5ULL : crc >> 1;
    }
    return crc;
}

TEST(crc64) {
    crc64_init();
    TEST_ASSERT(crc64(0, (const unsigned char *)"123456789", 9) == 0xe9c6d914c4b8d9caULL);
    TEST_ASSERT(crc64(0, (const unsigned char *)"", 0) == 0);
    const char *li = "This is a test of a long string that crosses the 8-byte "
                     "boundaries many times, to exercise slice-by-8.";
    size_t len = strlen(li);
    TEST_ASSERT(crc64(0, (const unsigned char *)li, len) ==
                crc64_slow(0, (const unsigned char *)li, len));
    /* Any split point and alignment must give the same result. */
    for (size_t off = 0; off < 9; off++) {
        for (size_t cut = 0; cut <= len - off; cut += 7) {
            uint64_t c = crc64(0, (const unsigned char *)li + off, cut);
            c = crc64(c, (const unsigned char *)li + off + cut, len - off - cut);
            TEST_ASSERT(c == crc64_slow(0, (const unsigned char *)li + off, len - off));
        }
    }
}

/* Long inputs take the carry-less path where the CPU has it: it must
 * agree with the tables (and the bitwise reference) for every length,
 * alignment and starting crc. Values pinned so both paths stay CRC-64/Jones. */
TEST(crc64_paths_agree) {
    enum { N = 5000 };
    unsigned char *buf = malloc(N + 16);
    unsigned s = 1;
    for (int i = 0; i < N + 16; i++) { s = s * 1103515245u + 12345u; buf[i] = (unsigned char)(s >> 16); }
    int accel = crc64_accelerated();
    printf("  crc64: carry-less path %s\n", accel ? "on" : "not available");
    for (size_t len = 0; len <= N; len += (len < 300 ? 1 : 97)) {
        size_t off = len % 16;
        uint64_t init = len * 0x9e3779b97f4a7c15ULL;
        crc64_set_accelerated(1);
        uint64_t fast = crc64(init, buf + off, len);
        crc64_set_accelerated(0);
        uint64_t tables = crc64(init, buf + off, len);
        TEST_ASSERT(fast == tables);
        if (len < 1200) TEST_ASSERT(tables == crc64_slow(init, buf + off, len));
    }
    crc64_set_accelerated(accel);
    /* 4096 bytes of 0..255 repeated; the same figure on either path. */
    for (int i = 0; i < 4096; i++) buf[i] = (unsigned char)i;
    TEST_ASSERT(crc64(0, buf, 4096) == crc64_slow(0, buf, 4096));
    TEST_ASSERT(crc64(0, buf, 4096) == 0x877a6496971c1ab1ULL);
    free(buf);
}

int main(void) {
    RUN(glob_basic);
    RUN(glob_redis_quirks);
    RUN(glob_nocase_binary);
    RUN(glob_no_blowup);
    RUN(string2ll);
    RUN(string2ll_matches_printf_form);
    RUN(string2d_ld);
    RUN(ll2string);
    RUN(d2string);
    RUN(ld2string);
    RUN(memtoull);
    RUN(random_bytes);
    RUN(bytes_to_human);
    RUN(abs_path_and_time);
    RUN(crc16);
    RUN(crc64);
    RUN(crc64_paths_agree);
    return TEST_REPORT();
}
