/* sds.h - binary-safe dynamic strings.
 *
 * An sds is a `char *` pointing at the string bytes, which are always
 * NUL-terminated, preceded by a small header holding the length and the
 * allocated size. The header comes in several widths (8, 16, 32, 64-bit
 * lengths, plus a 5-bit length packed in the flags byte for short immutable
 * strings) so that millions of small keys cost few bytes of overhead. The
 * byte just before the string is always the flags byte (s[-1]) whose low 3
 * bits give the header type.
 */
#ifndef SDS_H
#define SDS_H

#include <sys/types.h>
#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>

#define SDS_MAX_PREALLOC (1024*1024)

typedef char *sds;

/* Header types. Exposed here, not in sds.c, so that the length accessors
 * below can be inlined: sdslen() is called on nearly every key, argument and
 * reply, and as a function call it ranked high in callgrind profiles of
 * pipelined writes. Only sds.c creates or resizes headers. */
struct __attribute__((__packed__)) sdshdr5 {
    unsigned char flags;    /* low 3 bits: type, high 5 bits: length */
    char buf[];
};
struct __attribute__((__packed__)) sdshdr8 {
    uint8_t len;
    uint8_t alloc;
    unsigned char flags;
    char buf[];
};
struct __attribute__((__packed__)) sdshdr16 {
    uint16_t len;
    uint16_t alloc;
    unsigned char flags;
    char buf[];
};
struct __attribute__((__packed__)) sdshdr32 {
    uint32_t len;
    uint32_t alloc;
    unsigned char flags;
    char buf[];
};
struct __attribute__((__packed__)) sdshdr64 {
    uint64_t len;
    uint64_t alloc;
    unsigned char flags;
    char buf[];
};

#define SDS_TYPE_5  0
#define SDS_TYPE_8  1
#define SDS_TYPE_16 2
#define SDS_TYPE_32 3
#define SDS_TYPE_64 4
#define SDS_TYPE_MASK 7
#define SDS_TYPE_BITS 3

#define SDS_HDR(T, s) ((struct sdshdr##T *)((s) - sizeof(struct sdshdr##T)))

static inline int sdsType(const sds s) {
    return ((unsigned char)s[-1]) & SDS_TYPE_MASK;
}

/* Length, capacity and spare room of a string, from its header. */
static inline size_t sdslen(const sds s) {
    switch (sdsType(s)) {
    case SDS_TYPE_5:  return ((unsigned char)s[-1]) >> SDS_TYPE_BITS;
    case SDS_TYPE_8:  return SDS_HDR(8, s)->len;
    case SDS_TYPE_16: return SDS_HDR(16, s)->len;
    case SDS_TYPE_32: return SDS_HDR(32, s)->len;
    case SDS_TYPE_64: return SDS_HDR(64, s)->len;
    }
    return 0;
}

static inline size_t sdsalloc(const sds s) {
    switch (sdsType(s)) {
    case SDS_TYPE_5:  return ((unsigned char)s[-1]) >> SDS_TYPE_BITS;
    case SDS_TYPE_8:  return SDS_HDR(8, s)->alloc;
    case SDS_TYPE_16: return SDS_HDR(16, s)->alloc;
    case SDS_TYPE_32: return SDS_HDR(32, s)->alloc;
    case SDS_TYPE_64: return SDS_HDR(64, s)->alloc;
    }
    return 0;
}

static inline size_t sdsavail(const sds s) {
    return sdsalloc(s) - sdslen(s);
}

static inline void sdssetlen(sds s, size_t newlen) {
    switch (sdsType(s)) {
    case SDS_TYPE_5:
        s[-1] = (char)(SDS_TYPE_5 | (newlen << SDS_TYPE_BITS));
        break;
    case SDS_TYPE_8:  SDS_HDR(8, s)->len = (uint8_t)newlen; break;
    case SDS_TYPE_16: SDS_HDR(16, s)->len = (uint16_t)newlen; break;
    case SDS_TYPE_32: SDS_HDR(32, s)->len = (uint32_t)newlen; break;
    case SDS_TYPE_64: SDS_HDR(64, s)->len = (uint64_t)newlen; break;
    }
}

sds sdsnewlen(const void *init, size_t initlen);  /* init may be NULL: zeroed */
sds sdstrynewlen(const void *init, size_t initlen); /* NULL on OOM */
sds sdsnew(const char *init);
sds sdsempty(void);
sds sdsdup(const sds s);
void sdsfree(sds s);                    /* NULL is a no-op */
sds sdsgrowzero(sds s, size_t len);
sds sdscatlen(sds s, const void *t, size_t len);
sds sdscat(sds s, const char *t);
sds sdscatsds(sds s, const sds t);
sds sdscpylen(sds s, const char *t, size_t len);
sds sdscpy(sds s, const char *t);
sds sdscatvprintf(sds s, const char *fmt, va_list ap);
sds sdscatprintf(sds s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Fast subset of printf: %s %S(sds) %i %I(long long) %u %U(unsigned long long) %% */
sds sdscatfmt(sds s, char const *fmt, ...);
sds sdstrim(sds s, const char *cset);
void sdsrange(sds s, ssize_t start, ssize_t end); /* inclusive, negative from end */
void sdsupdatelen(sds s);
void sdsclear(sds s);
int sdscmp(const sds s1, const sds s2);
sds *sdssplitlen(const char *s, ssize_t len, const char *sep, int seplen, int *count);
void sdsfreesplitres(sds *tokens, int count);
void sdstolower(sds s);
void sdstoupper(sds s);
sds sdsfromlonglong(long long value);
/* Quoted, escaped representation ("foo\n\x01") as redis-cli and MONITOR show. */
sds sdscatrepr(sds s, const char *p, size_t len);
/* Split a line into arguments honouring "double" (with \n \xHH escapes) and
 * 'single' quotes, as redis.conf and inline commands do. NULL on unbalanced
 * quotes. */
sds *sdssplitargs(const char *line, int *argc);
sds sdsmapchars(sds s, const char *from, const char *to, size_t setlen);
sds sdsjoin(char **argv, int argc, char *sep);
sds sdsjoinsds(sds *argv, int argc, const char *sep, size_t seplen);

/* Low level: for callers that write directly into the free space. */
sds sdsMakeRoomFor(sds s, size_t addlen);          /* greedy (doubling) */
sds sdsMakeRoomForNonGreedy(sds s, size_t addlen); /* exactly addlen more */
void sdsIncrLen(sds s, ssize_t incr);
sds sdsRemoveFreeSpace(sds s);
sds sdsResize(sds s, size_t size);
size_t sdsAllocSize(sds s);      /* header + buffer, as allocated */
void *sdsAllocPtr(const sds s);  /* start of the allocation (the header) */

#endif
