/* sds.c - binary-safe dynamic strings (see sds.h for the model).
 *
 * Layout of one allocation:   [ header | string bytes ... | '\0' ]
 *                                      ^ the sds pointer
 * The header is one of five packed structs, chosen by the size the string
 * needs; its last byte is always the flags byte, so s[-1] tells us which
 * header precedes the string. The smallest type keeps the length in the upper
 * five bits of the flags and has no room for spare capacity, so it is only
 * used for strings created once and rarely appended to; any growth promotes
 * the string to a type with an explicit `alloc` field.
 *
 * `alloc` records the usable capacity (excluding header and terminator). It
 * is taken from zmalloc_size(), so slack the allocator gives us for free is
 * put to use, capped at what the header type can represent.
 *
 * This module depends only on zmalloc, so unit tests link it alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <limits.h>
#include <assert.h>

#include "sds.h"
#include "zmalloc.h"

/* ---------------------------------------------------------------------------
 * Header types (the structs and the accessors are in sds.h)
 * ------------------------------------------------------------------------- */

static inline size_t sdsHdrSize(int type) {
    switch (type) {
    case SDS_TYPE_5:  return sizeof(struct sdshdr5);
    case SDS_TYPE_8:  return sizeof(struct sdshdr8);
    case SDS_TYPE_16: return sizeof(struct sdshdr16);
    case SDS_TYPE_32: return sizeof(struct sdshdr32);
    case SDS_TYPE_64: return sizeof(struct sdshdr64);
    }
    return 0;
}

/* Smallest header type able to describe a string of `size` bytes. */
static inline int sdsReqType(size_t size) {
    if (size < 1 << 5) return SDS_TYPE_5;
    if (size < 1 << 8) return SDS_TYPE_8;
    if (size < 1 << 16) return SDS_TYPE_16;
#if SIZE_MAX > 0xffffffffULL
    if (size < 1ULL << 32) return SDS_TYPE_32;
    return SDS_TYPE_64;
#else
    return SDS_TYPE_32;
#endif
}

/* Largest capacity a header type can record. */
static inline size_t sdsTypeMaxSize(int type) {
    switch (type) {
    case SDS_TYPE_5:  return (1 << 5) - 1;
    case SDS_TYPE_8:  return UINT8_MAX;
    case SDS_TYPE_16: return UINT16_MAX;
#if SIZE_MAX > 0xffffffffULL
    case SDS_TYPE_32: return UINT32_MAX;
#endif
    }
    return SIZE_MAX;
}

static void sdssetalloc(sds s, size_t newalloc) {
    switch (sdsType(s)) {
    case SDS_TYPE_5:  break; /* no alloc field: capacity equals length */
    case SDS_TYPE_8:  SDS_HDR(8, s)->alloc = (uint8_t)newalloc; break;
    case SDS_TYPE_16: SDS_HDR(16, s)->alloc = (uint16_t)newalloc; break;
    case SDS_TYPE_32: SDS_HDR(32, s)->alloc = (uint32_t)newalloc; break;
    case SDS_TYPE_64: SDS_HDR(64, s)->alloc = (uint64_t)newalloc; break;
    }
}

/* Capacity actually available in block `sh` for a header of `type`. */
/* The string capacity a block of `block_usable` bytes gives a header of
 * this type (bounded by what the header's alloc field can hold). */
static size_t sdsCapacityOf(size_t block_usable, int type) {
    size_t usable = block_usable - sdsHdrSize(type) - 1;
    size_t max = sdsTypeMaxSize(type);
    return usable > max ? max : usable;
}

/* ---------------------------------------------------------------------------
 * Creation and destruction
 * ------------------------------------------------------------------------- */

static sds sdsCreate(const void *init, size_t initlen, int trymalloc) {
    int type = sdsReqType(initlen);
    /* Empty strings are usually created to be appended to: give them a
     * header that can hold spare capacity. */
    if (type == SDS_TYPE_5 && initlen == 0) type = SDS_TYPE_8;
    size_t hdrlen = sdsHdrSize(type);
    assert(hdrlen + initlen + 1 > initlen); /* size_t overflow */

    size_t block;
    char *sh = trymalloc ? ztrymalloc_usable(hdrlen + initlen + 1, &block)
                         : zmalloc_usable(hdrlen + initlen + 1, &block);
    if (sh == NULL) return NULL;

    sds s = sh + hdrlen;
    s[-1] = (char)type;
    sdssetlen(s, initlen);
    sdssetalloc(s, sdsCapacityOf(block, type));
    if (initlen) {
        if (init) memcpy(s, init, initlen);
        else memset(s, 0, initlen);
    }
    s[initlen] = '\0';
    return s;
}

sds sdsnewlen(const void *init, size_t initlen) {
    return sdsCreate(init, initlen, 0);
}

sds sdstrynewlen(const void *init, size_t initlen) {
    return sdsCreate(init, initlen, 1);
}

sds sdsempty(void) {
    return sdsnewlen("", 0);
}

sds sdsnew(const char *init) {
    size_t initlen = init ? strlen(init) : 0;
    return sdsnewlen(init, initlen);
}

sds sdsdup(const sds s) {
    return sdsnewlen(s, sdslen(s));
}

void sdsfree(sds s) {
    if (s == NULL) return;
    zfree(s - sdsHdrSize(sdsType(s)));
}

void *sdsAllocPtr(const sds s) {
    return (void *)(s - sdsHdrSize(sdsType(s)));
}

size_t sdsAllocSize(sds s) {
    return sdsHdrSize(sdsType(s)) + sdsalloc(s) + 1;
}

void sdsupdatelen(sds s) {
    sdssetlen(s, strlen(s));
}

void sdsclear(sds s) {
    sdssetlen(s, 0);
    s[0] = '\0';
}

/* ---------------------------------------------------------------------------
 * Capacity management
 * ------------------------------------------------------------------------- */

/* Move the string into a block of capacity `newcap` with header `type`,
 * keeping the first `keeplen` bytes. Reallocates in place when the header
 * type doesn't change, otherwise copies into a fresh block. */
static sds sdsReallocTo(sds s, int type, size_t newcap, size_t keeplen) {
    int oldtype = sdsType(s);
    size_t hdrlen = sdsHdrSize(type);
    assert(hdrlen + newcap + 1 > newcap); /* size_t overflow */
    char *sh = (char *)s - sdsHdrSize(oldtype);
    char *newsh;

    if (oldtype == type) {
        newsh = zrealloc(sh, hdrlen + newcap + 1);
        s = newsh + hdrlen;
    } else {
        newsh = zmalloc(hdrlen + newcap + 1);
        memcpy(newsh + hdrlen, s, keeplen);
        zfree(sh);
        s = newsh + hdrlen;
        s[-1] = (char)type;
    }
    s[keeplen] = '\0';
    sdssetlen(s, keeplen);
    sdssetalloc(s, sdsCapacityOf(zmalloc_size(newsh), type));
    return s;
}

static sds sdsMakeRoom(sds s, size_t addlen, int greedy) {
    if (sdsavail(s) >= addlen) return s;
    size_t len = sdslen(s);
    size_t newlen = len + addlen;
    assert(newlen > len); /* size_t overflow */

    /* Grow geometrically for small strings, linearly for big ones, so that
     * repeated appends are amortised O(1) without wasting huge amounts. */
    if (greedy) {
        if (newlen < SDS_MAX_PREALLOC) newlen *= 2;
        else newlen += SDS_MAX_PREALLOC;
    }
    int type = sdsReqType(newlen);
    if (type == SDS_TYPE_5) type = SDS_TYPE_8; /* growing: need `alloc` */
    return sdsReallocTo(s, type, newlen, len);
}

sds sdsMakeRoomFor(sds s, size_t addlen) {
    return sdsMakeRoom(s, addlen, 1);
}

sds sdsMakeRoomForNonGreedy(sds s, size_t addlen) {
    return sdsMakeRoom(s, addlen, 0);
}

/* Set the capacity to exactly `size` bytes (truncating if shorter). */
sds sdsResize(sds s, size_t size) {
    size_t len = sdslen(s);
    if (sdsalloc(s) == size && sdsType(s) != SDS_TYPE_5) return s;
    if (size < len) len = size;
    int type = sdsReqType(size);
    if (type == SDS_TYPE_5) type = SDS_TYPE_8;
    return sdsReallocTo(s, type, size, len);
}

sds sdsRemoveFreeSpace(sds s) {
    if (sdsavail(s) == 0) return s;
    return sdsResize(s, sdslen(s));
}

/* Adjust the length after the caller wrote into (or gave back) free space. */
void sdsIncrLen(sds s, ssize_t incr) {
    size_t len = sdslen(s);
    if (incr >= 0) assert(sdsavail(s) >= (size_t)incr);
    else assert(len >= (size_t)(-incr));
    len += incr;
    sdssetlen(s, len);
    s[len] = '\0';
}

sds sdsgrowzero(sds s, size_t len) {
    size_t curlen = sdslen(s);
    if (len <= curlen) return s;
    s = sdsMakeRoomFor(s, len - curlen);
    memset(s + curlen, 0, len - curlen + 1);
    sdssetlen(s, len);
    return s;
}

/* ---------------------------------------------------------------------------
 * Appending and copying
 * ------------------------------------------------------------------------- */

sds sdscatlen(sds s, const void *t, size_t len) {
    size_t curlen = sdslen(s);
    s = sdsMakeRoomFor(s, len);
    memcpy(s + curlen, t, len);
    sdssetlen(s, curlen + len);
    s[curlen + len] = '\0';
    return s;
}

sds sdscat(sds s, const char *t) {
    return sdscatlen(s, t, strlen(t));
}

sds sdscatsds(sds s, const sds t) {
    return sdscatlen(s, t, sdslen(t));
}

sds sdscpylen(sds s, const char *t, size_t len) {
    if (sdsalloc(s) < len) s = sdsMakeRoomFor(s, len - sdslen(s));
    memcpy(s, t, len);
    s[len] = '\0';
    sdssetlen(s, len);
    return s;
}

sds sdscpy(sds s, const char *t) {
    return sdscpylen(s, t, strlen(t));
}

sds sdscatvprintf(sds s, const char *fmt, va_list ap) {
    size_t len = sdslen(s);
    va_list cpy;

    /* First try to format straight into the spare capacity. */
    va_copy(cpy, ap);
    int n = vsnprintf(s + len, sdsavail(s) + 1, fmt, cpy);
    va_end(cpy);
    if (n < 0) {
        s[len] = '\0';
        return s;
    }
    if ((size_t)n > sdsavail(s)) {
        s = sdsMakeRoomFor(s, (size_t)n);
        va_copy(cpy, ap);
        vsnprintf(s + len, (size_t)n + 1, fmt, cpy);
        va_end(cpy);
    }
    sdssetlen(s, len + (size_t)n);
    return s;
}

sds sdscatprintf(sds s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    s = sdscatvprintf(s, fmt, ap);
    va_end(ap);
    return s;
}

/* Decimal digits of v written backwards into the end of buf[0..size);
 * returns a pointer to the first digit. */
static char *sdsFormatULL(char *buf, size_t size, unsigned long long v) {
    char *p = buf + size;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return p;
}

static sds sdscatll(sds s, long long value) {
    char buf[32];
    /* Negate via unsigned arithmetic so LLONG_MIN is handled. */
    unsigned long long mag = value < 0 ? 0ULL - (unsigned long long)value
                                       : (unsigned long long)value;
    char *p = sdsFormatULL(buf, sizeof(buf), mag);
    if (value < 0) *--p = '-';
    return sdscatlen(s, p, (size_t)(buf + sizeof(buf) - p));
}

static sds sdscatull(sds s, unsigned long long value) {
    char buf[32];
    char *p = sdsFormatULL(buf, sizeof(buf), value);
    return sdscatlen(s, p, (size_t)(buf + sizeof(buf) - p));
}

sds sdsfromlonglong(long long value) {
    return sdscatll(sdsempty(), value);
}

sds sdscatfmt(sds s, char const *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            /* Copy the whole literal run at once. */
            const char *start = f;
            while (f[1] && f[1] != '%') f++;
            s = sdscatlen(s, start, (size_t)(f - start + 1));
            continue;
        }
        f++;
        switch (*f) {
        case 's': s = sdscat(s, va_arg(ap, char *)); break;
        case 'S': s = sdscatsds(s, va_arg(ap, sds)); break;
        case 'i': s = sdscatll(s, va_arg(ap, int)); break;
        case 'I': s = sdscatll(s, va_arg(ap, long long)); break;
        case 'u': s = sdscatull(s, va_arg(ap, unsigned int)); break;
        case 'U': s = sdscatull(s, va_arg(ap, unsigned long long)); break;
        case '\0': f--; break; /* lone trailing '%': ignore it */
        default: s = sdscatlen(s, f, 1); break; /* "%%" and unknowns */
        }
    }
    va_end(ap);
    return s;
}

/* ---------------------------------------------------------------------------
 * In-place transformations
 * ------------------------------------------------------------------------- */

sds sdstrim(sds s, const char *cset) {
    size_t setlen = strlen(cset);
    size_t len = sdslen(s);
    size_t start = 0, end = len;
    while (start < end && memchr(cset, s[start], setlen)) start++;
    while (end > start && memchr(cset, s[end - 1], setlen)) end--;
    len = end - start;
    if (start) memmove(s, s + start, len);
    s[len] = '\0';
    sdssetlen(s, len);
    return s;
}

void sdsrange(sds s, ssize_t start, ssize_t end) {
    ssize_t len = (ssize_t)sdslen(s);
    if (len == 0) return;
    if (start < 0) start = len + start < 0 ? 0 : len + start;
    if (end < 0) end = len + end < 0 ? 0 : len + end;
    size_t newlen = start > end ? 0 : (size_t)(end - start + 1);
    if (newlen != 0) {
        if (start >= len) {
            newlen = 0;
        } else if (end >= len) {
            end = len - 1;
            newlen = (size_t)(end - start + 1);
        }
    }
    if (start && newlen) memmove(s, s + start, newlen);
    s[newlen] = '\0';
    sdssetlen(s, newlen);
}

void sdstolower(sds s) {
    size_t len = sdslen(s);
    for (size_t j = 0; j < len; j++) s[j] = (char)tolower((unsigned char)s[j]);
}

void sdstoupper(sds s) {
    size_t len = sdslen(s);
    for (size_t j = 0; j < len; j++) s[j] = (char)toupper((unsigned char)s[j]);
}

sds sdsmapchars(sds s, const char *from, const char *to, size_t setlen) {
    size_t len = sdslen(s);
    for (size_t j = 0; j < len; j++) {
        for (size_t i = 0; i < setlen; i++) {
            if (s[j] == from[i]) {
                s[j] = to[i];
                break;
            }
        }
    }
    return s;
}

/* memcmp order on the common prefix, then the shorter string sorts first. */
int sdscmp(const sds s1, const sds s2) {
    size_t l1 = sdslen(s1), l2 = sdslen(s2);
    size_t minlen = l1 < l2 ? l1 : l2;
    int cmp = memcmp(s1, s2, minlen);
    if (cmp != 0) return cmp;
    return l1 > l2 ? 1 : (l1 < l2 ? -1 : 0);
}

/* ---------------------------------------------------------------------------
 * Splitting and joining
 * ------------------------------------------------------------------------- */

/* Small growable array of sds used by the splitters. */
struct sdsVec {
    sds *items;
    int count, cap;
};

static void sdsVecPush(struct sdsVec *v, sds item) {
    if (v->count == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->items = zrealloc(v->items, sizeof(sds) * (size_t)v->cap);
    }
    v->items[v->count++] = item;
}

/* Always returns a non-NULL array, even when it holds nothing. */
static sds *sdsVecFinish(struct sdsVec *v, int *count) {
    if (v->items == NULL) v->items = zmalloc(sizeof(sds));
    *count = v->count;
    return v->items;
}

sds *sdssplitlen(const char *s, ssize_t len, const char *sep, int seplen, int *count) {
    struct sdsVec v = {NULL, 0, 0};
    *count = 0;
    if (seplen < 1 || len < 0) return NULL;

    ssize_t start = 0;
    if (len > 0) {
        for (ssize_t j = 0; j + seplen <= len; j++) {
            if (s[j] == sep[0] && memcmp(s + j, sep, (size_t)seplen) == 0) {
                sdsVecPush(&v, sdsnewlen(s + start, (size_t)(j - start)));
                start = j + seplen;
                j += seplen - 1;
            }
        }
        sdsVecPush(&v, sdsnewlen(s + start, (size_t)(len - start)));
    }
    return sdsVecFinish(&v, count);
}

void sdsfreesplitres(sds *tokens, int count) {
    if (!tokens) return;
    for (int j = 0; j < count; j++) sdsfree(tokens[j]);
    zfree(tokens);
}

sds sdsjoin(char **argv, int argc, char *sep) {
    sds join = sdsempty();
    for (int j = 0; j < argc; j++) {
        join = sdscat(join, argv[j]);
        if (j != argc - 1) join = sdscat(join, sep);
    }
    return join;
}

sds sdsjoinsds(sds *argv, int argc, const char *sep, size_t seplen) {
    sds join = sdsempty();
    for (int j = 0; j < argc; j++) {
        join = sdscatsds(join, argv[j]);
        if (j != argc - 1) join = sdscatlen(join, sep, seplen);
    }
    return join;
}

/* ---------------------------------------------------------------------------
 * Quoting: sdscatrepr and its inverse, sdssplitargs
 * ------------------------------------------------------------------------- */

sds sdscatrepr(sds s, const char *p, size_t len) {
    s = sdsMakeRoomFor(s, len + 2);
    s = sdscatlen(s, "\"", 1);
    for (size_t j = 0; j < len; j++) {
        unsigned char c = (unsigned char)p[j];
        switch (c) {
        case '\\': s = sdscatlen(s, "\\\\", 2); break;
        case '"':  s = sdscatlen(s, "\\\"", 2); break;
        case '\n': s = sdscatlen(s, "\\n", 2); break;
        case '\r': s = sdscatlen(s, "\\r", 2); break;
        case '\t': s = sdscatlen(s, "\\t", 2); break;
        case '\a': s = sdscatlen(s, "\\a", 2); break;
        case '\b': s = sdscatlen(s, "\\b", 2); break;
        default:
            if (isprint(c)) s = sdscatlen(s, p + j, 1);
            else s = sdscatprintf(s, "\\x%02x", c);
            break;
        }
    }
    return sdscatlen(s, "\"", 1);
}

static int hexDigitValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Characters that end an unquoted argument. */
static int isArgTerminator(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0';
}

/* A closing quote must be followed by whitespace or the end of the line,
 * so `"foo"bar` is an error rather than silently two things glued. */
static int quoteCloseOk(const char *after) {
    return *after == '\0' || isspace((unsigned char)*after);
}

/* Parse one argument starting at *pp (not whitespace, not end). Appends the
 * decoded bytes to *arg and advances *pp past it. Returns 0 on a syntax
 * error (unbalanced quotes, or garbage right after a closing quote). */
static int parseOneArg(const char **pp, sds *arg) {
    enum { UNQUOTED, DOUBLE, SINGLE } state = UNQUOTED;
    const char *p = *pp;

    for (;;) {
        char c = *p;
        if (state == UNQUOTED) {
            if (isArgTerminator(c)) break;
            if (c == '"') state = DOUBLE;
            else if (c == '\'') state = SINGLE;
            else *arg = sdscatlen(*arg, &c, 1);
            p++;
        } else if (state == DOUBLE) {
            if (c == '\0') return 0;
            if (c == '\\' && p[1] == 'x' &&
                hexDigitValue(p[2]) >= 0 && hexDigitValue(p[3]) >= 0) {
                char byte = (char)(hexDigitValue(p[2]) * 16 + hexDigitValue(p[3]));
                *arg = sdscatlen(*arg, &byte, 1);
                p += 4;
            } else if (c == '\\' && p[1]) {
                char e = p[1];
                switch (e) {
                case 'n': e = '\n'; break;
                case 'r': e = '\r'; break;
                case 't': e = '\t'; break;
                case 'b': e = '\b'; break;
                case 'a': e = '\a'; break;
                default: break; /* \\ \" and anything else: literal */
                }
                *arg = sdscatlen(*arg, &e, 1);
                p += 2;
            } else if (c == '"') {
                if (!quoteCloseOk(p + 1)) return 0;
                p++;
                break;
            } else {
                *arg = sdscatlen(*arg, &c, 1);
                p++;
            }
        } else { /* SINGLE: only \' is an escape */
            if (c == '\0') return 0;
            if (c == '\\' && p[1] == '\'') {
                *arg = sdscatlen(*arg, "'", 1);
                p += 2;
            } else if (c == '\'') {
                if (!quoteCloseOk(p + 1)) return 0;
                p++;
                break;
            } else {
                *arg = sdscatlen(*arg, &c, 1);
                p++;
            }
        }
    }
    *pp = p;
    return 1;
}

sds *sdssplitargs(const char *line, int *argc) {
    struct sdsVec v = {NULL, 0, 0};
    const char *p = line;
    *argc = 0;

    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (*p == '\0') return sdsVecFinish(&v, argc);

        sds arg = sdsempty();
        if (!parseOneArg(&p, &arg)) {
            sdsfree(arg);
            sdsfreesplitres(v.items, v.count);
            *argc = 0;
            return NULL;
        }
        sdsVecPush(&v, arg);
    }
}
