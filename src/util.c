/* util.c - pure helpers shared by the whole server (see util.h).
 *
 * Number parsing and formatting here decide what clients see and what they
 * may send, so the rules mirror the reference server exactly (checked against
 * a stock redis-server 7.0): e.g. "-0", "+1", "01" and " 1" are not integers,
 * and scores print as "3" or "0.10000000000000001".
 *
 * Nothing here touches global server state, so src/unit/test_util.c can
 * exercise every function in isolation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <float.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/time.h>
#include <time.h>

#include "util.h"
#include "zmalloc.h"

/* ---------------------------------------------------------------------------
 * Glob-style matching
 *
 * Every pattern element other than '*' consumes exactly one character, so a
 * classic two-pointer matcher that only remembers the most recent '*' is
 * complete: if a later element fails we let that star swallow one more
 * character and retry. Earlier stars never need revisiting, which bounds the
 * work by O(pattern * string) and defeats "a*a*a*...b" style blowups.
 * ------------------------------------------------------------------------- */

static int globCharEq(unsigned char a, unsigned char b, int nocase) {
    if (nocase) return tolower(a) == tolower(b);
    return a == b;
}

/* Match a [...] class starting at pat[*pi] == '['. Rules kept compatible
 * with Redis: a leading '^' negates; ']' right after '[' (or '[^') closes an
 * empty class; "x-y" is a range in either order; '\' escapes one character
 * (compared exactly); an unterminated class runs to the end of the pattern. */
static int globMatchClass(const char *pat, int len, int *pi, unsigned char c, int nocase) {
    int i = *pi + 1;
    int negate = 0, match = 0;

    if (i < len && pat[i] == '^') {
        negate = 1;
        i++;
    }
    while (i < len) {
        unsigned char pc = (unsigned char)pat[i];
        if (pc == ']') {
            i++;
            break;
        }
        if (pc == '\\' && len - i >= 2) {
            if ((unsigned char)pat[i + 1] == c) match = 1;
            i += 2;
        } else if (len - i >= 3 && pat[i + 1] == '-') {
            int lo = pc, hi = (unsigned char)pat[i + 2], ch = c;
            if (lo > hi) { int t = lo; lo = hi; hi = t; }
            if (nocase) {
                lo = tolower(lo);
                hi = tolower(hi);
                ch = tolower(ch);
            }
            if (ch >= lo && ch <= hi) match = 1;
            i += 3;
        } else {
            if (globCharEq(pc, c, nocase)) match = 1;
            i++;
        }
    }
    *pi = i;
    return negate ? !match : match;
}

/* Match the single non-star element at pat[*pi] against c and advance *pi
 * past it (whether or not it matched). */
static int globMatchElement(const char *pat, int len, int *pi, unsigned char c, int nocase) {
    int i = *pi;
    if (pat[i] == '?') {
        *pi = i + 1;
        return 1;
    }
    if (pat[i] == '[') return globMatchClass(pat, len, pi, c, nocase);
    if (pat[i] == '\\' && len - i >= 2) i++; /* escaped literal */
    *pi = i + 1;
    return globCharEq((unsigned char)pat[i], c, nocase);
}

int stringmatchlen(const char *pattern, int patternLen,
                   const char *string, int stringLen, int nocase) {
    /* Compatibility: the empty string only matches the empty pattern, even
     * "*" (the reference matcher never lets a star match at length 0). */
    if (stringLen == 0) return patternLen == 0;

    int pi = 0, si = 0;
    int star_pi = -1, star_si = 0; /* resume point after the latest star */

    while (si < stringLen) {
        if (pi < patternLen && pattern[pi] == '*') {
            while (pi < patternLen && pattern[pi] == '*') pi++;
            if (pi == patternLen) return 1; /* trailing star eats the rest */
            star_pi = pi;
            star_si = si;
            continue;
        }
        if (pi < patternLen) {
            int next = pi;
            if (globMatchElement(pattern, patternLen, &next,
                                 (unsigned char)string[si], nocase)) {
                pi = next;
                si++;
                continue;
            }
        }
        if (star_pi < 0) return 0;
        /* Let the latest star absorb one more character and retry. */
        pi = star_pi;
        si = ++star_si;
    }
    while (pi < patternLen && pattern[pi] == '*') pi++;
    return pi == patternLen;
}

int stringmatch(const char *pattern, const char *string, int nocase) {
    return stringmatchlen(pattern, (int)strlen(pattern), string, (int)strlen(string), nocase);
}

/* ---------------------------------------------------------------------------
 * String -> number
 * ------------------------------------------------------------------------- */

/* Longest accepted integer text: "-9223372036854775808" is 20 bytes. */
#define MAX_INT_TEXT 20

/* Parse canonical unsigned decimal digits: no sign, no leading zeros except
 * "0" itself, no overflow. */
static inline int parseCanonicalDigits(const char *s, size_t slen, unsigned long long *out) {
    if (slen == 0 || slen > MAX_INT_TEXT) return 0;
    unsigned first = (unsigned)((unsigned char)s[0] - '0'); /* huge when below '0' */
    if (first > 9 || (first == 0 && slen > 1)) return 0;
    unsigned long long v = first;
    /* 19 digits always fit in 64 bits (10^19 - 1 < 2^64), so only a 20th
     * digit needs an overflow check; the common short numbers (request
     * lengths, INCR values) pay one compare per digit. */
    size_t unchecked = slen < 19 ? slen : 19;
    for (size_t i = 1; i < unchecked; i++) {
        unsigned d = (unsigned)((unsigned char)s[i] - '0');
        if (d > 9) return 0;
        v = v * 10 + d;
    }
    if (slen == MAX_INT_TEXT) {
        unsigned d = (unsigned)((unsigned char)s[19] - '0');
        if (d > 9 || __builtin_mul_overflow(v, 10ULL, &v) || __builtin_add_overflow(v, d, &v))
            return 0;
    }
    *out = v;
    return 1;
}

int string2ll(const char *s, size_t slen, long long *value) {
    unsigned long long mag;
    if (slen == 0 || slen > MAX_INT_TEXT) return 0;
    if (s[0] == '-') {
        /* "-0" fails here too: the digits after '-' must not start with 0. */
        if (slen == 1 || s[1] == '0') return 0;
        if (!parseCanonicalDigits(s + 1, slen - 1, &mag)) return 0;
        if (mag > (unsigned long long)LLONG_MAX + 1) return 0;
        if (value) *value = mag == (unsigned long long)LLONG_MAX + 1
                                ? LLONG_MIN : -(long long)mag;
        return 1;
    }
    if (!parseCanonicalDigits(s, slen, &mag)) return 0;
    if (mag > (unsigned long long)LLONG_MAX) return 0;
    if (value) *value = (long long)mag;
    return 1;
}

int string2ull(const char *s, unsigned long long *value) {
    unsigned long long v;
    if (!parseCanonicalDigits(s, strlen(s), &v)) return 0;
    if (value) *value = v;
    return 1;
}

int string2l(const char *s, size_t slen, long *value) {
    long long ll;
    if (!string2ll(s, slen, &ll)) return 0;
    if (ll < LONG_MIN || ll > LONG_MAX) return 0;
    if (value) *value = (long)ll;
    return 1;
}

/* Same cap as the reference server for textual long doubles. */
#define MAX_FLOAT_TEXT (5 * 1024)

/* Shared acceptance rules for the strtod family: the whole buffer must be
 * consumed, no leading whitespace, no NaN, and a finite input that overflows
 * to infinity or underflows to zero is an error. */
static int floatParseOk(const char *buf, const char *end, int erange, long double v) {
    if (isspace((unsigned char)buf[0])) return 0;
    if (*end != '\0') return 0;
    if (isnan(v)) return 0;
    if (erange && (isinf(v) || v == 0)) return 0;
    return 1;
}

int string2ld(const char *s, size_t slen, long double *dp) {
    char buf[MAX_FLOAT_TEXT];
    char *end;
    if (slen == 0 || slen >= sizeof(buf)) return 0;
    memcpy(buf, s, slen);
    buf[slen] = '\0';
    errno = 0;
    long double v = strtold(buf, &end);
    if (!floatParseOk(buf, end, errno == ERANGE, v)) return 0;
    if (dp) *dp = v;
    return 1;
}

int string2d(const char *s, size_t slen, double *dp) {
    char buf[MAX_FLOAT_TEXT];
    char *end;
    if (slen == 0 || slen >= sizeof(buf)) return 0;
    memcpy(buf, s, slen);
    buf[slen] = '\0';
    errno = 0;
    double v = strtod(buf, &end);
    if (!floatParseOk(buf, end, errno == ERANGE, v)) return 0;
    if (dp) *dp = v;
    return 1;
}

/* ---------------------------------------------------------------------------
 * Number -> string
 * ------------------------------------------------------------------------- */

uint32_t digits10(uint64_t v) {
    uint32_t n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* Copy `len` bytes of text plus a terminator into dst if they fit. */
static int emitText(char *dst, size_t dstlen, const char *text, size_t len) {
    if (len + 1 > dstlen) {
        if (dstlen > 0) dst[0] = '\0';
        return 0;
    }
    memcpy(dst, text, len);
    dst[len] = '\0';
    return (int)len;
}

int ull2string(char *dst, size_t dstlen, unsigned long long value) {
    char tmp[24];
    char *p = tmp + sizeof(tmp);
    do {
        *--p = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    return emitText(dst, dstlen, p, (size_t)(tmp + sizeof(tmp) - p));
}

int ll2string(char *dst, size_t dstlen, long long svalue) {
    char tmp[24];
    /* Negate in unsigned arithmetic so LLONG_MIN works. */
    unsigned long long v = svalue < 0 ? 0ULL - (unsigned long long)svalue
                                      : (unsigned long long)svalue;
    char *p = tmp + sizeof(tmp);
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (svalue < 0) *--p = '-';
    return emitText(dst, dstlen, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* snprintf, but returning 0 instead of a bogus length on truncation. */
static int fitPrintf(int n, size_t len) {
    if (n < 0 || (size_t)n + 1 > len) return 0;
    return n;
}

int d2string(char *buf, size_t len, double value) {
    if (isnan(value)) return emitText(buf, len, "nan", 3);
    if (isinf(value)) {
        return value > 0 ? emitText(buf, len, "inf", 3) : emitText(buf, len, "-inf", 4);
    }
    /* Integral values that doubles represent exactly print as plain
     * integers; this also maps -0.0 to "0" like the reference server. */
    const double limit = 4503599627370496.0; /* 2^52 */
    if (value > -limit && value < limit && value == (double)(long long)value)
        return ll2string(buf, len, (long long)value);
    return fitPrintf(snprintf(buf, len, "%.17g", value), len);
}

int ld2string(char *buf, size_t len, long double value, int mode) {
    int n;
    if (isinf(value)) {
        return value > 0 ? emitText(buf, len, "inf", 3) : emitText(buf, len, "-inf", 4);
    }
    switch (mode) {
    case LD_STR_AUTO:
        n = fitPrintf(snprintf(buf, len, "%.17Lg", value), len);
        break;
    case LD_STR_HEX:
        n = fitPrintf(snprintf(buf, len, "%La", value), len);
        break;
    case LD_STR_HUMAN:
        n = fitPrintf(snprintf(buf, len, "%.17Lf", value), len);
        if (n == 0) break;
        /* Drop the fixed-point padding: "3.10000000000000000" -> "3.1",
         * "3.00000000000000000" -> "3". */
        if (memchr(buf, '.', (size_t)n)) {
            while (buf[n - 1] == '0') n--;
            if (buf[n - 1] == '.') n--;
        }
        if (n == 2 && buf[0] == '-' && buf[1] == '0') {
            buf[0] = '0';
            n = 1;
        }
        buf[n] = '\0';
        break;
    default:
        n = 0;
        break;
    }
    if (n == 0 && len > 0) buf[0] = '\0';
    return n;
}

/* ---------------------------------------------------------------------------
 * Memory sizes
 * ------------------------------------------------------------------------- */

long long memtoull(const char *p, int *err) {
    static const struct { const char *name; unsigned long long mul; } units[] = {
        {"", 1}, {"b", 1},
        {"k", 1000}, {"kb", 1024},
        {"m", 1000 * 1000}, {"mb", 1024 * 1024},
        {"g", 1000ULL * 1000 * 1000}, {"gb", 1024ULL * 1024 * 1024},
    };
    if (err) *err = 0;

    const char *u = p;
    while (*u >= '0' && *u <= '9') u++;

    unsigned long long mul = 0;
    for (size_t j = 0; j < sizeof(units) / sizeof(units[0]); j++) {
        if (strcasecmp(u, units[j].name) == 0) {
            mul = units[j].mul;
            break;
        }
    }
    if (mul == 0) goto fail; /* unknown unit, sign, space, '.', ... */

    /* Like the reference, a bare unit ("" or "kb") reads as 0. Overflow is
     * rejected rather than saturated or wrapped. */
    unsigned long long v = 0;
    for (const char *d = p; d < u; d++) {
        unsigned digit = (unsigned)(*d - '0');
        if (v > (ULLONG_MAX - digit) / 10) goto fail;
        v = v * 10 + digit;
    }
    if (v > ULLONG_MAX / mul) goto fail;
    return (long long)(v * mul);

fail:
    if (err) *err = 1;
    return 0;
}

/* ---------------------------------------------------------------------------
 * Randomness
 *
 * We buffer bytes read from /dev/urandom. The buffer is tagged with the pid
 * that filled it so a forked child never hands out the same bytes as its
 * parent. If /dev/urandom is unavailable we fall back to a splitmix64 stream
 * seeded from time and pid: weak, but better than failing.
 * ------------------------------------------------------------------------- */

#define RANDOM_POOL_SIZE 4096

static pthread_mutex_t random_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char random_pool[RANDOM_POOL_SIZE];
static size_t random_pool_pos = RANDOM_POOL_SIZE; /* empty */
static pid_t random_pool_pid = 0;
static uint64_t fallback_state = 0;

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int readUrandom(unsigned char *buf, size_t len) {
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd == -1) return 0;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) continue;
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    return got == len;
}

static void refillRandomPool(void) {
    if (!readUrandom(random_pool, sizeof(random_pool))) {
        if (fallback_state == 0)
            fallback_state = (uint64_t)ustime() ^ ((uint64_t)getpid() << 32);
        for (size_t j = 0; j < sizeof(random_pool); j += 8) {
            uint64_t r = splitmix64(&fallback_state);
            memcpy(random_pool + j, &r, 8);
        }
    }
    random_pool_pos = 0;
    random_pool_pid = getpid();
}

void getRandomBytes(unsigned char *p, size_t len) {
    pthread_mutex_lock(&random_lock);
    if (random_pool_pid != getpid()) random_pool_pos = RANDOM_POOL_SIZE;
    while (len > 0) {
        if (random_pool_pos == RANDOM_POOL_SIZE) refillRandomPool();
        size_t chunk = RANDOM_POOL_SIZE - random_pool_pos;
        if (chunk > len) chunk = len;
        memcpy(p, random_pool + random_pool_pos, chunk);
        /* Never hand out the same bytes twice. */
        memset(random_pool + random_pool_pos, 0, chunk);
        random_pool_pos += chunk;
        p += chunk;
        len -= chunk;
    }
    pthread_mutex_unlock(&random_lock);
}

void getRandomHexChars(char *p, size_t len) {
    static const char hex[] = "0123456789abcdef";
    getRandomBytes((unsigned char *)p, len);
    for (size_t j = 0; j < len; j++) p[j] = hex[(unsigned char)p[j] & 0x0f];
}

/* ---------------------------------------------------------------------------
 * Paths, time, human readable sizes
 * ------------------------------------------------------------------------- */

sds getAbsolutePath(char *filename) {
    sds rel = sdstrim(sdsnew(filename), " \r\n\t");
    if (rel[0] == '/') return rel;

    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)) == NULL) {
        sdsfree(rel);
        return NULL;
    }
    sds abs = sdsnew(cwd);
    if (sdslen(abs) == 0 || abs[sdslen(abs) - 1] != '/') abs = sdscat(abs, "/");

    /* Resolve leading "../" by dropping the last directory of cwd. */
    while (sdslen(rel) >= 3 && memcmp(rel, "../", 3) == 0) {
        sdsrange(rel, 3, -1);
        if (sdslen(abs) > 1) {
            ssize_t j = (ssize_t)sdslen(abs) - 2; /* skip the trailing '/' */
            while (j > 0 && abs[j] != '/') j--;
            sdsrange(abs, 0, j); /* keep up to and including that '/' */
        }
    }
    abs = sdscatsds(abs, rel);
    sdsfree(rel);
    return abs;
}

long long ustime(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000000LL + tv.tv_usec;
}

long long mstime(void) {
    return ustime() / 1000;
}

uint64_t monotonicUs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

void bytesToHuman(char *s, size_t size, unsigned long long n) {
    static const char suffixes[] = "KMGTP";
    double unit = 1024;
    if (n < 1024) {
        snprintf(s, size, "%lluB", n);
        return;
    }
    for (int j = 0; suffixes[j]; j++, unit *= 1024) {
        if ((double)n < unit * 1024) {
            snprintf(s, size, "%.2f%c", (double)n / unit, suffixes[j]);
            return;
        }
    }
    snprintf(s, size, "%lluB", n); /* beyond petabytes: raw bytes */
}
