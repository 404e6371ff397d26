/* intset.c - sorted integer sets in Redis's on-disk layout (see intset.h).
 *
 * Elements are kept little endian whatever the host, so a blob can go to an
 * RDB file as is. Lookups are a binary search over the packed array;
 * insertions and removals move the tail with memmove, which is fine for the
 * small sizes (set-max-intset-entries, 512 by default) the set type allows.
 */
#include "intset.h"
#include "zmalloc.h"
#include <string.h>
#include <stdlib.h>

#define HEADER_SIZE 8

struct intset {
    unsigned char bytes[1];   /* header + elements, accessed bytewise */
};

/* ---- little endian fields ------------------------------------------------ */

static uint64_t loadLE(const unsigned char *p, unsigned width) {
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void storeLE(unsigned char *p, uint64_t v, unsigned width) {
    for (unsigned i = 0; i < width; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t headerWidth(const intset *is) { return (uint32_t)loadLE(is->bytes, 4); }
static uint32_t headerCount(const intset *is) { return (uint32_t)loadLE(is->bytes + 4, 4); }
static void setHeaderWidth(intset *is, uint32_t w) { storeLE(is->bytes, w, 4); }
static void setHeaderCount(intset *is, uint32_t n) { storeLE(is->bytes + 4, n, 4); }

/* Sign-extend the `width` byte value at position pos. */
static int64_t elementAt(const intset *is, uint32_t width, uint32_t pos) {
    uint64_t raw = loadLE(is->bytes + HEADER_SIZE + (size_t)pos * width, width);
    switch (width) {
    case INTSET_ENC_INT16: return (int16_t)(uint16_t)raw;
    case INTSET_ENC_INT32: return (int32_t)(uint32_t)raw;
    default: return (int64_t)raw;
    }
}

static void setElementAt(intset *is, uint32_t width, uint32_t pos, int64_t v) {
    storeLE(is->bytes + HEADER_SIZE + (size_t)pos * width, (uint64_t)v, width);
}

/* The narrowest width that holds v. */
static uint32_t widthFor(int64_t v) {
    if (v >= INT16_MIN && v <= INT16_MAX) return INTSET_ENC_INT16;
    if (v >= INT32_MIN && v <= INT32_MAX) return INTSET_ENC_INT32;
    return INTSET_ENC_INT64;
}

static intset *resize(intset *is, uint32_t width, uint32_t count) {
    return zrealloc(is, HEADER_SIZE + (size_t)width * count);
}

/* Binary search: 1 and *pos = index when found, else 0 and *pos = where
 * value would be inserted. */
static int search(const intset *is, int64_t value, uint32_t *pos) {
    uint32_t width = headerWidth(is), lo = 0, hi = headerCount(is);
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t cur = elementAt(is, width, mid);
        if (cur == value) {
            *pos = mid;
            return 1;
        }
        if (cur < value) lo = mid + 1;
        else hi = mid;
    }
    *pos = lo;
    return 0;
}

/* ---- API ----------------------------------------------------------------- */

intset *intsetNew(void) {
    intset *is = zmalloc(HEADER_SIZE);
    setHeaderWidth(is, INTSET_ENC_INT16);
    setHeaderCount(is, 0);
    return is;
}

/* Re-encode at a wider width, then add a value that did not fit: being
 * out of the old range it is either below or above every element. Elements
 * are rewritten from the end so the wider copies never overwrite unread
 * narrow ones. */
static intset *widenAndAdd(intset *is, uint32_t newwidth, int64_t value) {
    uint32_t oldwidth = headerWidth(is), count = headerCount(is);
    int at_front = value < 0;
    is = resize(is, newwidth, count + 1);
    for (uint32_t i = count; i-- > 0;)
        setElementAt(is, newwidth, i + (at_front ? 1 : 0), elementAt(is, oldwidth, i));
    setElementAt(is, newwidth, at_front ? 0 : count, value);
    setHeaderWidth(is, newwidth);
    setHeaderCount(is, count + 1);
    return is;
}

intset *intsetAdd(intset *is, int64_t value, int *added) {
    uint32_t width = headerWidth(is), count = headerCount(is), pos;
    uint32_t need = widthFor(value);

    if (added) *added = 1;
    if (need > width) return widenAndAdd(is, need, value);
    if (search(is, value, &pos)) {
        if (added) *added = 0;
        return is;
    }
    is = resize(is, width, count + 1);
    unsigned char *base = is->bytes + HEADER_SIZE;
    memmove(base + (size_t)(pos + 1) * width, base + (size_t)pos * width,
            (size_t)(count - pos) * width);
    setElementAt(is, width, pos, value);
    setHeaderCount(is, count + 1);
    return is;
}

intset *intsetRemove(intset *is, int64_t value, int *removed) {
    uint32_t width = headerWidth(is), count = headerCount(is), pos;

    if (removed) *removed = 0;
    if (widthFor(value) > width || !search(is, value, &pos)) return is;
    if (removed) *removed = 1;
    unsigned char *base = is->bytes + HEADER_SIZE;
    memmove(base + (size_t)pos * width, base + (size_t)(pos + 1) * width,
            (size_t)(count - pos - 1) * width);
    setHeaderCount(is, count - 1);
    return resize(is, width, count - 1);
}

int intsetFind(const intset *is, int64_t value) {
    uint32_t pos;
    return widthFor(value) <= headerWidth(is) && search(is, value, &pos);
}

int intsetGet(const intset *is, uint32_t pos, int64_t *value) {
    if (pos >= headerCount(is)) return 0;
    *value = elementAt(is, headerWidth(is), pos);
    return 1;
}

int64_t intsetRandom(const intset *is) {
    uint32_t count = headerCount(is);
    return elementAt(is, headerWidth(is), (uint32_t)((unsigned long)random() % count));
}

int64_t intsetMin(const intset *is) {
    return elementAt(is, headerWidth(is), 0);
}

int64_t intsetMax(const intset *is) {
    return elementAt(is, headerWidth(is), headerCount(is) - 1);
}

uint32_t intsetLen(const intset *is) {
    return headerCount(is);
}

uint32_t intsetEncoding(const intset *is) {
    return headerWidth(is);
}

size_t intsetBlobLen(const intset *is) {
    return HEADER_SIZE + (size_t)headerWidth(is) * headerCount(is);
}

intset *intsetDup(const intset *is) {
    size_t len = intsetBlobLen(is);
    intset *copy = zmalloc(len);
    memcpy(copy, is, len);
    return copy;
}

int intsetValidateIntegrity(const unsigned char *p, size_t size, int deep) {
    if (p == NULL || size < HEADER_SIZE) return 0;
    const intset *is = (const intset *)p;
    uint32_t width = headerWidth(is), count = headerCount(is);
    if (width != INTSET_ENC_INT16 && width != INTSET_ENC_INT32 && width != INTSET_ENC_INT64)
        return 0;
    /* count*width cannot overflow size_t here: both are 32 bit at most. */
    if ((size_t)count * width != size - HEADER_SIZE) return 0;
    /* An empty intset is never stored: the key would not exist. */
    if (count == 0) return 0;
    if (!deep) return 1;
    for (uint32_t i = 1; i < count; i++) {
        if (elementAt(is, width, i - 1) >= elementAt(is, width, i)) return 0;
    }
    return 1;
}
