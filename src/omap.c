/* omap.c - the ordered map (see omap.h): a sorted array of entries. */
#include "omap.h"
#include "zmalloc.h"

#include <string.h>

omap *omapNew(void) {
    omap *m = zmalloc(sizeof(*m));
    m->e = NULL;
    m->start = m->len = m->cap = 0;
    return m;
}

static void omapEntryFreeKey(omapEntry *e) {
    if (e->klen > OMAP_INLINE_KEY) zfree(e->k.ptr);
}

void omapFree(omap *m, void (*freeval)(void *)) {
    if (m == NULL) return;
    for (size_t i = 0; i < m->len; i++) {
        omapEntry *e = &m->e[m->start + i];
        if (freeval) freeval(e->val);
        omapEntryFreeKey(e);
    }
    zfree(m->e);
    zfree(m);
}

size_t omapSize(const omap *m) { return m->len; }

size_t omapMemUsage(const omap *m) {
    size_t sz = zmalloc_size((void *)m) + (m->e ? zmalloc_size(m->e) : 0);
    for (size_t i = 0; i < m->len; i++) {
        omapEntry *e = &m->e[m->start + i];
        if (e->klen > OMAP_INLINE_KEY) sz += zmalloc_size(e->k.ptr);
    }
    return sz;
}

omapEntry *omapAt(omap *m, size_t pos) {
    return pos < m->len ? &m->e[m->start + pos] : NULL;
}

static int omapCmp(const omapEntry *e, const void *key, size_t klen) {
    size_t n = e->klen < klen ? e->klen : klen;
    int c = memcmp(omapKey(e), key, n);
    if (c) return c;
    return e->klen < klen ? -1 : (e->klen > klen ? 1 : 0);
}

size_t omapLowerBound(const omap *m, const void *key, size_t klen, int *found) {
    size_t lo = 0, hi = m->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (omapCmp(&m->e[m->start + mid], key, klen) < 0) lo = mid + 1;
        else hi = mid;
    }
    if (found) *found = lo < m->len && omapCmp(&m->e[m->start + lo], key, klen) == 0;
    return lo;
}

long omapFloor(const omap *m, const void *key, size_t klen) {
    int found;
    size_t pos = omapLowerBound(m, key, klen, &found);
    if (found) return (long)pos;
    return (long)pos - 1;
}

void *omapGet(const omap *m, const void *key, size_t klen) {
    int found;
    size_t pos = omapLowerBound(m, key, klen, &found);
    return found ? m->e[m->start + pos].val : NULL;
}

/* Moves the entries into a new allocation of newcap slots, centred. */
static void omapRecentre(omap *m, size_t newcap) {
    omapEntry *e = zmalloc(newcap * sizeof(omapEntry));
    size_t start = (newcap - m->len) / 2;
    if (m->len) memcpy(&e[start], &m->e[m->start], m->len * sizeof(omapEntry));
    zfree(m->e);
    m->e = e;
    m->start = start;
    m->cap = newcap;
}

int omapInsert(omap *m, const void *key, size_t klen, void *val) {
    int found;
    size_t pos = omapLowerBound(m, key, klen, &found);
    if (found) return 0;
    int front = pos < m->len / 2;
    int room = front ? m->start > 0 : m->start + m->len < m->cap;
    if (!room) {
        /* Recentre when half empty, else grow: either way both sides get
         * a quarter of the slots, so this is rare. */
        size_t newcap = m->len + 1 <= m->cap / 2 ? m->cap : (m->cap ? m->cap * 2 : 4);
        omapRecentre(m, newcap);
    }
    omapEntry *e;
    if (front && m->start > 0) {
        memmove(&m->e[m->start - 1], &m->e[m->start], pos * sizeof(omapEntry));
        m->start--;
    } else {
        memmove(&m->e[m->start + pos + 1], &m->e[m->start + pos], (m->len - pos) * sizeof(omapEntry));
    }
    e = &m->e[m->start + pos];
    e->klen = (uint32_t)klen;
    if (klen > OMAP_INLINE_KEY) {
        e->k.ptr = zmalloc(klen);
        memcpy(e->k.ptr, key, klen);
    } else {
        memcpy(e->k.in, key, klen);
    }
    e->val = val;
    m->len++;
    return 1;
}

void omapRemoveAt(omap *m, size_t pos) {
    if (pos >= m->len) return;
    omapEntryFreeKey(&m->e[m->start + pos]);
    if (pos < m->len / 2) {
        memmove(&m->e[m->start + 1], &m->e[m->start], pos * sizeof(omapEntry));
        m->start++;
    } else {
        memmove(&m->e[m->start + pos], &m->e[m->start + pos + 1], (m->len - pos - 1) * sizeof(omapEntry));
    }
    m->len--;
    /* Give memory back when a big map has mostly emptied. */
    if (m->cap > 16 && m->len < m->cap / 4) omapRecentre(m, m->cap / 2);
}

int omapRemove(omap *m, const void *key, size_t klen, void **oldval) {
    int found;
    size_t pos = omapLowerBound(m, key, klen, &found);
    if (!found) return 0;
    if (oldval) *oldval = m->e[m->start + pos].val;
    omapRemoveAt(m, pos);
    return 1;
}
