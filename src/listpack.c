/* listpack.c - compact serialized list (see listpack.h for the layout).
 *
 * Entry encodings (first byte decides):
 *
 *   0xxxxxxx                    7-bit unsigned integer 0..127
 *   10xxxxxx + data             string of up to 63 bytes
 *   110xxxxx yyyyyyyy           13-bit signed integer
 *   1110xxxx yyyyyyyy + data    string of up to 4095 bytes
 *   11110000 <len:u32le> + data string of any length
 *   11110001..11110100 + le     16, 24, 32, 64-bit signed integer
 *   11111111                    end of listpack
 *
 * After <encoding+data> comes its length L as a "backlen" of 1..5 bytes: the
 * byte nearest the entry start holds the highest 7 bits with bit 7 clear, the
 * others have bit 7 set, so a reader standing at the next entry walks left
 * until it finds a clear bit. The width thresholds (e.g. 16383 already takes
 * three bytes) follow Redis exactly so blobs are byte-identical.
 *
 * The element count in the header saturates at 65535 ("unknown"); lpLength
 * then counts and stores the real count again once it fits.
 *
 * Every edit is a single realloc plus one memmove of the tail: listpack
 * entries carry only their own length, so nothing after an edit changes.
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <limits.h>

#include "listpack.h"
#include "zmalloc.h"
#include "util.h"

#define LP_ENC_STR32 0xF0
#define LP_ENC_INT16 0xF1
#define LP_ENC_INT24 0xF2
#define LP_ENC_INT32 0xF3
#define LP_ENC_INT64 0xF4

/* Longest <encoding+data> of an integer entry, and of a string header. */
#define LP_MAX_INT_ENC 9
#define LP_MAX_STR_HDR 5
#define LP_MAX_BACKLEN 5

/* ---------------------------------------------------------------------------
 * Header access
 * ------------------------------------------------------------------------- */

static uint32_t lpGetTotalBytes(const unsigned char *lp) {
    return (uint32_t)lp[0] | (uint32_t)lp[1] << 8 | (uint32_t)lp[2] << 16 | (uint32_t)lp[3] << 24;
}

static void lpSetTotalBytes(unsigned char *lp, uint32_t v) {
    lp[0] = v & 0xff;
    lp[1] = (v >> 8) & 0xff;
    lp[2] = (v >> 16) & 0xff;
    lp[3] = v >> 24;
}

static uint32_t lpGetNumElements(const unsigned char *lp) {
    return (uint32_t)lp[4] | (uint32_t)lp[5] << 8;
}

static void lpSetNumElements(unsigned char *lp, uint32_t v) {
    lp[4] = v & 0xff;
    lp[5] = (v >> 8) & 0xff;
}

/* ---------------------------------------------------------------------------
 * Entry encoding and decoding
 * ------------------------------------------------------------------------- */

/* Bytes the backlen of an entry with L bytes of encoding+data takes. */
static unsigned lpBacklenSize(uint64_t l) {
    if (l <= 127) return 1;
    if (l < 16383) return 2;
    if (l < 2097151) return 3;
    if (l < 268435455) return 4;
    return 5;
}

/* Write the backlen of l at buf (lpBacklenSize(l) bytes). */
static void lpWriteBacklen(unsigned char *buf, uint64_t l) {
    unsigned n = lpBacklenSize(l);
    for (unsigned i = 0; i < n; i++) {
        unsigned shift = 7 * (n - 1 - i);
        buf[i] = (unsigned char)((l >> shift) & 127);
        if (i > 0) buf[i] |= 128;
    }
}

/* Read a backlen whose last byte is at 'last', never looking before 'lo'.
 * Returns the length and its byte count in *nbytes, or 0 bytes if the field
 * is malformed. */
static uint64_t lpReadBacklen(const unsigned char *last, const unsigned char *lo, unsigned *nbytes) {
    uint64_t v = 0;
    unsigned shift = 0, n = 0;
    const unsigned char *q = last;
    while (1) {
        if (q < lo || n == LP_MAX_BACKLEN) { *nbytes = 0; return 0; }
        v |= (uint64_t)(*q & 127) << shift;
        n++;
        if (!(*q & 128)) break;
        shift += 7;
        q--;
    }
    *nbytes = n;
    return v;
}

/* Encode an integer as <encoding+data> in buf; returns its size. */
static unsigned lpEncodeInteger(unsigned char *buf, long long v) {
    if (v >= 0 && v <= 127) {
        buf[0] = (unsigned char)v;
        return 1;
    }
    if (v >= -4096 && v <= 4095) {
        uint64_t u = v < 0 ? (uint64_t)(v + 8192) : (uint64_t)v;
        buf[0] = 0xC0 | (unsigned char)(u >> 8);
        buf[1] = u & 0xff;
        return 2;
    }
    unsigned width;
    if (v >= -32768 && v <= 32767) { buf[0] = LP_ENC_INT16; width = 2; }
    else if (v >= -8388608 && v <= 8388607) { buf[0] = LP_ENC_INT24; width = 3; }
    else if (v >= INT32_MIN && v <= INT32_MAX) { buf[0] = LP_ENC_INT32; width = 4; }
    else { buf[0] = LP_ENC_INT64; width = 8; }
    uint64_t u = (uint64_t)v;
    for (unsigned i = 0; i < width; i++) buf[1 + i] = (u >> (8 * i)) & 0xff;
    return 1 + width;
}

/* Write the header of a string of slen bytes; returns its size. */
static unsigned lpEncodeStringHeader(unsigned char *buf, uint32_t slen) {
    if (slen < 64) {
        buf[0] = 0x80 | (unsigned char)slen;
        return 1;
    }
    if (slen < 4096) {
        buf[0] = 0xE0 | (unsigned char)(slen >> 8);
        buf[1] = slen & 0xff;
        return 2;
    }
    buf[0] = LP_ENC_STR32;
    for (int i = 0; i < 4; i++) buf[1 + i] = (slen >> (8 * i)) & 0xff;
    return 5;
}

static int lpIsString(unsigned char b) {
    return (b & 0xC0) == 0x80 || (b & 0xF0) == 0xE0 || b == LP_ENC_STR32;
}

/* How many leading bytes of an entry must be read to know its size:
 * 0 for an invalid encoding byte. */
static unsigned lpEncodingPrefixBytes(unsigned char b) {
    if ((b & 0x80) == 0 || (b & 0xC0) == 0x80 || (b & 0xE0) == 0xC0) return 1;
    if ((b & 0xF0) == 0xE0) return 2;
    if (b == LP_ENC_STR32) return 5;
    if (b >= LP_ENC_INT16 && b <= LP_ENC_INT64) return 1;
    if (b == LP_EOF) return 1;
    return 0;
}

/* Size of <encoding+data> for the encodings whose first byte tells it
 * and that fit in 64 bytes (7-bit and 13-bit integers, strings up to 63
 * bytes); 0 for the others. */
static inline unsigned lpShortEncodedSize(unsigned char b) {
    if (b < 0x80) return 1;
    if (b < 0xC0) return 1 + (b & 0x3f);
    if (b < 0xE0) return 2;
    return 0;
}

/* Size of the string at p (p points at its encoding byte). */
static uint32_t lpStringLength(const unsigned char *p) {
    if ((p[0] & 0xC0) == 0x80) return p[0] & 0x3f;
    if ((p[0] & 0xF0) == 0xE0) return (uint32_t)(p[0] & 0x0f) << 8 | p[1];
    return (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 24;
}

/* Size of <encoding+data> of the entry at p (valid encodings only). */
static uint64_t lpEncodedSize(const unsigned char *p) {
    unsigned char b = p[0];
    if ((b & 0x80) == 0) return 1;
    if ((b & 0xC0) == 0x80) return 1 + (uint64_t)(b & 0x3f);
    if ((b & 0xE0) == 0xC0) return 2;
    if ((b & 0xF0) == 0xE0) return 2 + (uint64_t)lpStringLength(p);
    switch (b) {
    case LP_ENC_STR32: return 5 + (uint64_t)lpStringLength(p);
    case LP_ENC_INT16: return 3;
    case LP_ENC_INT24: return 4;
    case LP_ENC_INT32: return 5;
    case LP_ENC_INT64: return 9;
    default: return 1; /* EOF; invalid bytes never get here in a valid lp */
    }
}

/* Whole size of the entry at p, backlen included. */
static uint64_t lpEntrySize(const unsigned char *p) {
    uint64_t l = lpEncodedSize(p);
    return l + lpBacklenSize(l);
}

static unsigned char *lpSkip(unsigned char *p) {
    return p + lpEntrySize(p);
}

/* Decode the integer entry at p. */
static long long lpDecodeInteger(const unsigned char *p) {
    unsigned char b = p[0];
    if ((b & 0x80) == 0) return b;
    if ((b & 0xE0) == 0xC0) {
        long long u = (long long)(b & 0x1f) << 8 | p[1];
        return u >= 4096 ? u - 8192 : u;
    }
    unsigned width = b == LP_ENC_INT16 ? 2 : b == LP_ENC_INT24 ? 3 : b == LP_ENC_INT32 ? 4 : 8;
    uint64_t u = 0;
    for (unsigned i = 0; i < width; i++) u |= (uint64_t)p[1 + i] << (8 * i);
    if (width == 8) return (long long)u;
    uint64_t sign = (uint64_t)1 << (8 * width - 1);
    if (u & sign) return (long long)u - (long long)(sign << 1);
    return (long long)u;
}

/* ---------------------------------------------------------------------------
 * Creation, size
 * ------------------------------------------------------------------------- */

unsigned char *lpNew(size_t capacity) {
    size_t sz = capacity > LP_HDR_SIZE + 1 ? capacity : LP_HDR_SIZE + 1;
    unsigned char *lp = zmalloc(sz);
    lpSetTotalBytes(lp, LP_HDR_SIZE + 1);
    lpSetNumElements(lp, 0);
    lp[LP_HDR_SIZE] = LP_EOF;
    return lp;
}

void lpFree(unsigned char *lp) {
    zfree(lp);
}

unsigned char *lpShrinkToFit(unsigned char *lp) {
    size_t bytes = lpBytes(lp);
    if (bytes < zmalloc_size(lp)) return zrealloc(lp, bytes);
    return lp;
}

size_t lpBytes(unsigned char *lp) {
    return lpGetTotalBytes(lp);
}

int lpSafeToAdd(unsigned char *lp, size_t add) {
    size_t len = lp ? lpBytes(lp) : 0;
    return len + add <= LISTPACK_MAX_SAFETY_SIZE;
}

unsigned long lpLength(unsigned char *lp) {
    uint32_t n = lpGetNumElements(lp);
    if (n != LP_HDR_NUMELE_UNKNOWN) return n;
    unsigned long count = 0;
    for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p)) count++;
    if (count < LP_HDR_NUMELE_UNKNOWN) lpSetNumElements(lp, (uint32_t)count);
    return count;
}

/* Adjust the header count by delta, keeping it saturated once unknown. */
static void lpAddToCount(unsigned char *lp, long delta) {
    uint32_t n = lpGetNumElements(lp);
    if (n == LP_HDR_NUMELE_UNKNOWN) return;
    long v = (long)n + delta;
    if (v >= LP_HDR_NUMELE_UNKNOWN) v = LP_HDR_NUMELE_UNKNOWN;
    lpSetNumElements(lp, (uint32_t)v);
}

/* ---------------------------------------------------------------------------
 * Iteration
 * ------------------------------------------------------------------------- */

unsigned char *lpFirst(unsigned char *lp) {
    unsigned char *p = lp + LP_HDR_SIZE;
    return p[0] == LP_EOF ? NULL : p;
}

unsigned char *lpNext(unsigned char *lp, unsigned char *p) {
    (void)lp;
    p = lpSkip(p);
    return p[0] == LP_EOF ? NULL : p;
}

unsigned char *lpPrev(unsigned char *lp, unsigned char *p) {
    if (p <= lp + LP_HDR_SIZE) return NULL;
    unsigned n;
    uint64_t l = lpReadBacklen(p - 1, lp + LP_HDR_SIZE, &n);
    return p - n - l;
}

unsigned char *lpLast(unsigned char *lp) {
    return lpPrev(lp, lp + lpGetTotalBytes(lp) - 1);
}

unsigned char *lpSeek(unsigned char *lp, long index) {
    unsigned long len = lpLength(lp);
    if (index < 0) {
        if ((unsigned long)-(index + 1) >= len) return NULL;
        index = (long)len + index;
    } else if ((unsigned long)index >= len) {
        return NULL;
    }
    unsigned char *p;
    if ((unsigned long)index < len / 2) {
        p = lpFirst(lp);
        while (index-- > 0) p = lpNext(lp, p);
    } else {
        p = lpLast(lp);
        for (unsigned long i = len - 1; i > (unsigned long)index; i--) p = lpPrev(lp, p);
    }
    return p;
}

/* ---------------------------------------------------------------------------
 * Reading values
 * ------------------------------------------------------------------------- */

unsigned char *lpGetValue(unsigned char *p, unsigned int *slen, long long *lval) {
    if (lpIsString(p[0])) {
        uint32_t len = lpStringLength(p);
        *slen = len;
        return p + lpEncodingPrefixBytes(p[0]);
    }
    *lval = lpDecodeInteger(p);
    return NULL;
}

unsigned char *lpGet(unsigned char *p, int64_t *count, unsigned char *intbuf) {
    unsigned int slen;
    long long v;
    unsigned char *s = lpGetValue(p, &slen, &v);
    if (s) {
        *count = slen;
        return s;
    }
    if (!intbuf) {
        *count = v;
        return NULL;
    }
    *count = ll2string((char *)intbuf, LP_INTBUF_SIZE, v);
    return intbuf;
}

void lpGetEntry(unsigned char *p, listpackEntry *e) {
    unsigned int slen = 0;
    e->lval = 0;
    e->sval = lpGetValue(p, &slen, &e->lval);
    e->slen = slen;
}

int lpCompare(unsigned char *p, const unsigned char *s, uint32_t slen) {
    unsigned int len;
    long long v;
    unsigned char *str = lpGetValue(p, &len, &v);
    if (str) return len == slen && memcmp(str, s, slen) == 0;
    char buf[LP_INTBUF_SIZE];
    int n = ll2string(buf, sizeof(buf), v);
    return (uint32_t)n == slen && memcmp(buf, s, slen) == 0;
}

unsigned char *lpFind(unsigned char *lp, unsigned char *p, const unsigned char *s,
                      uint32_t slen, unsigned int skip) {
    /* Decide once whether s could match an integer entry at all. */
    long long sv = 0;
    int s_is_int = string2ll((const char *)s, slen, &sv);
    unsigned int skipcnt = 0;
    while (p) {
        if (skipcnt == 0) {
            unsigned int len;
            long long v;
            unsigned char *str = lpGetValue(p, &len, &v);
            if (str ? (len == slen && memcmp(str, s, slen) == 0) : (s_is_int && v == sv))
                return p;
            skipcnt = skip;
        } else {
            skipcnt--;
        }
        p = lpNext(lp, p);
    }
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Editing
 * ------------------------------------------------------------------------- */

/* Core edit: put one entry made of hdr[0..hdrlen) + data[0..datalen) before
 * p, after p or in place of p, or (hdr == NULL with LP_REPLACE) delete p.
 * Returns the new listpack (NULL if it would exceed 4GB); *newp gets the
 * written entry, or for a delete the entry that followed. */
static unsigned char *lpEdit(unsigned char *lp, const unsigned char *hdr, unsigned hdrlen,
                             const unsigned char *data, uint32_t datalen,
                             unsigned char *p, int where, unsigned char **newp) {
    if (where == LP_AFTER) {
        p = lpSkip(p);
        where = LP_BEFORE;
    }
    uint64_t old_total = lpGetTotalBytes(lp);
    size_t off = (size_t)(p - lp);
    uint64_t replaced = where == LP_REPLACE ? lpEntrySize(p) : 0;
    uint64_t enclen = hdr ? (uint64_t)hdrlen + datalen : 0;
    uint64_t added = hdr ? enclen + lpBacklenSize(enclen) : 0;
    uint64_t new_total = old_total - replaced + added;
    if (new_total > UINT32_MAX) return NULL;

    size_t tail_from = off + (size_t)replaced;
    size_t tail_len = (size_t)(old_total - tail_from);
    /* Grow only past the allocation (a preallocated stream node keeps its
     * room, as in stock, which MEMORY USAGE shows). */
    if (new_total > old_total && new_total > zmalloc_size(lp)) lp = zrealloc(lp, (size_t)new_total);
    memmove(lp + off + added, lp + tail_from, tail_len);
    if (new_total < old_total) lp = zrealloc(lp, (size_t)new_total);

    if (hdr) {
        unsigned char *dst = lp + off;
        memcpy(dst, hdr, hdrlen);
        if (datalen) memcpy(dst + hdrlen, data, datalen);
        lpWriteBacklen(dst + enclen, enclen);
    }
    lpSetTotalBytes(lp, (uint32_t)new_total);
    if (where != LP_REPLACE) lpAddToCount(lp, 1);
    else if (!hdr) lpAddToCount(lp, -1);

    if (newp) {
        unsigned char *q = lp + off;
        *newp = (!hdr && q[0] == LP_EOF) ? NULL : q;
    }
    return lp;
}

unsigned char *lpInsertString(unsigned char *lp, const unsigned char *s, uint32_t slen,
                              unsigned char *p, int where, unsigned char **newp) {
    if (s == NULL) return lpEdit(lp, NULL, 0, NULL, 0, p, LP_REPLACE, newp);
    long long v;
    if (string2ll((const char *)s, slen, &v))
        return lpInsertInteger(lp, v, p, where, newp);
    unsigned char hdr[LP_MAX_STR_HDR];
    unsigned hl = lpEncodeStringHeader(hdr, slen);
    return lpEdit(lp, hdr, hl, s, slen, p, where, newp);
}

unsigned char *lpInsertInteger(unsigned char *lp, long long lval,
                               unsigned char *p, int where, unsigned char **newp) {
    unsigned char enc[LP_MAX_INT_ENC];
    unsigned el = lpEncodeInteger(enc, lval);
    return lpEdit(lp, enc, el, NULL, 0, p, where, newp);
}

/* Position of the terminator, where appends go. */
static unsigned char *lpEnd(unsigned char *lp) {
    return lp + lpGetTotalBytes(lp) - 1;
}

unsigned char *lpAppend(unsigned char *lp, const unsigned char *s, uint32_t slen) {
    return lpInsertString(lp, s, slen, lpEnd(lp), LP_BEFORE, NULL);
}

unsigned char *lpAppendInteger(unsigned char *lp, long long lval) {
    return lpInsertInteger(lp, lval, lpEnd(lp), LP_BEFORE, NULL);
}

unsigned char *lpPrepend(unsigned char *lp, const unsigned char *s, uint32_t slen) {
    return lpInsertString(lp, s, slen, lp + LP_HDR_SIZE, LP_BEFORE, NULL);
}

unsigned char *lpPrependInteger(unsigned char *lp, long long lval) {
    return lpInsertInteger(lp, lval, lp + LP_HDR_SIZE, LP_BEFORE, NULL);
}

unsigned char *lpReplace(unsigned char *lp, unsigned char **p, const unsigned char *s, uint32_t slen) {
    return lpInsertString(lp, s, slen, *p, LP_REPLACE, p);
}

unsigned char *lpReplaceInteger(unsigned char *lp, unsigned char **p, long long lval) {
    return lpInsertInteger(lp, lval, *p, LP_REPLACE, p);
}

unsigned char *lpDelete(unsigned char *lp, unsigned char *p, unsigned char **newp) {
    return lpEdit(lp, NULL, 0, NULL, 0, p, LP_REPLACE, newp);
}

unsigned char *lpDeleteRangeWithEntry(unsigned char *lp, unsigned char **p, unsigned long num) {
    unsigned char *start = *p, *end = start;
    unsigned long deleted = 0;
    while (deleted < num && end[0] != LP_EOF) {
        end = lpSkip(end);
        deleted++;
    }
    if (deleted == 0) return lp;
    size_t off = (size_t)(start - lp);
    size_t gap = (size_t)(end - start);
    size_t total = lpGetTotalBytes(lp);
    memmove(lp + off, lp + off + gap, total - off - gap);
    lp = zrealloc(lp, total - gap);
    lpSetTotalBytes(lp, (uint32_t)(total - gap));
    uint32_t n = lpGetNumElements(lp);
    if (n != LP_HDR_NUMELE_UNKNOWN) lpSetNumElements(lp, n - (uint32_t)deleted);
    *p = lp[off] == LP_EOF ? NULL : lp + off;
    return lp;
}

unsigned char *lpDeleteRange(unsigned char *lp, long index, unsigned long num) {
    unsigned char *p = lpSeek(lp, index);
    if (!p || num == 0) return lp;
    return lpDeleteRangeWithEntry(lp, &p, num);
}

unsigned char *lpMerge(unsigned char **first, unsigned char **second) {
    unsigned char *a = *first, *b = *second;
    if (!a || !b) return NULL;
    if (a == b) return NULL;
    size_t abytes = lpGetTotalBytes(a), bbytes = lpGetTotalBytes(b);
    size_t bentries = bbytes - LP_HDR_SIZE - 1;
    uint64_t total = (uint64_t)abytes + bentries;
    if (total > UINT32_MAX) return NULL;
    unsigned long count = lpLength(a) + lpLength(b);
    a = zrealloc(a, (size_t)total);
    memcpy(a + abytes - 1, b + LP_HDR_SIZE, bentries);
    a[total - 1] = LP_EOF;
    lpSetTotalBytes(a, (uint32_t)total);
    lpSetNumElements(a, count < LP_HDR_NUMELE_UNKNOWN ? (uint32_t)count : LP_HDR_NUMELE_UNKNOWN);
    lpFree(b);
    *first = a;
    *second = NULL;
    return a;
}

/* ---------------------------------------------------------------------------
 * Validation of untrusted blobs
 * ------------------------------------------------------------------------- */

unsigned char *lpValidateFirst(unsigned char *lp) {
    unsigned char *p = lp + LP_HDR_SIZE;
    return p[0] == LP_EOF ? NULL : p;
}

int lpValidateNext(unsigned char *lp, unsigned char **pp, size_t lpbytes) {
    unsigned char *p = *pp;
    if (!p || p < lp + LP_HDR_SIZE) return 0;
    size_t off = (size_t)(p - lp);
    if (off >= lpbytes) return 0;
    if (p[0] == LP_EOF) {
        *pp = NULL;
        return 1;
    }
    unsigned prefix = lpEncodingPrefixBytes(p[0]);
    if (prefix == 0) return 0;
    /* The entry, whatever its size, must end before the terminator. */
    size_t room = lpbytes - 1 - off;
    if (prefix > room) return 0;
    uint64_t enclen = lpEncodedSize(p);
    uint64_t blen = lpBacklenSize(enclen);
    if (enclen + blen > room) return 0;
    unsigned n;
    uint64_t back = lpReadBacklen(p + enclen + blen - 1, p + enclen, &n);
    if (n != blen || back != enclen) return 0;
    *pp = p + enclen + blen;
    return 1;
}

int lpValidateIntegrity(unsigned char *lp, size_t size, int deep,
                        listpackValidateEntryCB entry_cb, void *cb_userdata) {
    if (size < LP_HDR_SIZE + 1) return 0;
    if (lpGetTotalBytes(lp) != size) return 0;
    if (lp[size - 1] != LP_EOF) return 0;
    if (!deep) return 1;

    uint32_t header_count = lpGetNumElements(lp);
    unsigned long count = 0;
    unsigned char *p = lp + LP_HDR_SIZE;
    while (p[0] != LP_EOF) {
        unsigned char *cur = p;
        /* Most entries are small: the backlen is then the one byte after
         * them and equals their size. The rest take the general path. */
        unsigned enclen = lpShortEncodedSize(p[0]);
        size_t room = size - 1 - (size_t)(p - lp);
        if (enclen && enclen < room && p[enclen] == enclen) p += enclen + 1;
        else if (!lpValidateNext(lp, &p, size) || !p) return 0;
        if (entry_cb && !entry_cb(cur, header_count, cb_userdata)) return 0;
        count++;
    }
    if (p != lp + size - 1) return 0;
    if (header_count != LP_HDR_NUMELE_UNKNOWN && header_count != count) return 0;
    return 1;
}

/* ---------------------------------------------------------------------------
 * Random picks (HRANDFIELD, ZRANDMEMBER)
 * ------------------------------------------------------------------------- */

void lpRandomPair(unsigned char *lp, unsigned long total_count, listpackEntry *key, listpackEntry *val) {
    unsigned long pair = (unsigned long)rand() % (total_count / 2);
    unsigned char *p = lpSeek(lp, (long)(pair * 2));
    lpGetEntry(p, key);
    if (val) lpGetEntry(lpNext(lp, p), val);
}

static int lpCmpUint(const void *a, const void *b) {
    unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;
    return x < y ? -1 : x > y;
}

/* Picks may repeat: sort the random pair numbers (keeping where each pick
 * goes) and fill them all in one pass over the listpack. */
void lpRandomPairs(unsigned char *lp, unsigned int count, listpackEntry *keys, listpackEntry *vals) {
    unsigned long pairs = lpLength(lp) / 2;
    if (count == 0 || pairs == 0) return;
    unsigned int *pick = zmalloc(sizeof(unsigned int) * 2 * count);
    for (unsigned int i = 0; i < count; i++) {
        pick[2 * i] = (unsigned int)((unsigned long)rand() % pairs);
        pick[2 * i + 1] = i;
    }
    qsort(pick, count, sizeof(unsigned int) * 2, lpCmpUint);
    unsigned char *p = lpFirst(lp);
    unsigned int at = 0;
    for (unsigned int i = 0; i < count; i++) {
        while (at < pick[2 * i]) {
            p = lpNext(lp, lpNext(lp, p));
            at++;
        }
        unsigned int slot = pick[2 * i + 1];
        lpGetEntry(p, &keys[slot]);
        if (vals) lpGetEntry(lpNext(lp, p), &vals[slot]);
    }
    zfree(pick);
}

/* Unique picks in listpack order by selection sampling: each pair is taken
 * with probability (still needed) / (still left). */
unsigned int lpRandomPairsUnique(unsigned char *lp, unsigned int count, listpackEntry *keys, listpackEntry *vals) {
    unsigned long pairs = lpLength(lp) / 2;
    if (count > pairs) count = (unsigned int)pairs;
    unsigned int picked = 0;
    unsigned long left = pairs;
    unsigned char *p = lpFirst(lp);
    while (picked < count && p) {
        unsigned char *v = lpNext(lp, p);
        double r = (double)rand() / ((double)RAND_MAX + 1.0);
        if (r * (double)left < (double)(count - picked)) {
            lpGetEntry(p, &keys[picked]);
            if (vals) lpGetEntry(v, &vals[picked]);
            picked++;
        }
        left--;
        p = v ? lpNext(lp, v) : NULL;
    }
    return picked;
}

/* ---------------------------------------------------------------------------
 * Debugging
 * ------------------------------------------------------------------------- */

void lpRepr(unsigned char *lp) {
    printf("{total bytes %u} {num entries %lu}\n", lpGetTotalBytes(lp), lpLength(lp));
    unsigned long i = 0;
    for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p), i++) {
        unsigned int slen;
        long long v;
        unsigned char *s = lpGetValue(p, &slen, &v);
        uint64_t enclen = lpEncodedSize(p);
        printf("{\n\taddr: %p,\n\tindex: %2lu,\n\toffset: %5lu,\n\thdr+entrylen+backlen: %2lu,\n",
               (void *)p, i, (unsigned long)(p - lp),
               (unsigned long)(enclen + lpBacklenSize(enclen)));
        if (s) {
            printf("\thdrlen: %3u,\n\tbacklen: %2u,\n\tpayload: ",
                   lpEncodingPrefixBytes(p[0]), lpBacklenSize(enclen));
            fwrite(s, 1, slen > 40 ? 40 : slen, stdout);
            if (slen > 40) printf("...");
        } else {
            printf("\thdrlen: %3u,\n\tbacklen: %2u,\n\tpayload: %lld",
                   (unsigned)enclen, lpBacklenSize(enclen), v);
        }
        printf("\n}\n");
    }
    printf("{end}\n\n");
}
