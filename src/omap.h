/* omap.h - an ordered map from byte-string keys to pointers.
 *
 * The stream type's index: stream IDs (16-byte big-endian keys, so memcmp
 * order is numeric order) -> listpack nodes, pending-entry lists (ID ->
 * NACK) and the name-ordered group and consumer tables. It is a sorted
 * array searched by bisection: lookups are O(log n), and since stream
 * workloads append at the tail and trim at the head, inserts and removals
 * are mostly memmoves of a few words. The entries sit in the middle of
 * their allocation with room on both sides, and each insert or removal
 * moves whichever side of the position is shorter: appending at the tail
 * and removing at the head (a stream growing while being trimmed, a PEL
 * acknowledged in order) are O(1). Keys up to OMAP_INLINE_KEY bytes are
 * stored inside the entry (every stream ID is), longer ones are allocated.
 *
 * Positions (size_t indexes) are valid until the next insert or remove.
 * Pure module: no server state; tested by src/unit/test_omap.c.
 */
#ifndef OMAP_H
#define OMAP_H

#include <stddef.h>
#include <stdint.h>

#define OMAP_INLINE_KEY 16

typedef struct omapEntry {
    union {
        unsigned char in[OMAP_INLINE_KEY];
        unsigned char *ptr;
    } k;
    uint32_t klen;
    void *val;
} omapEntry;

typedef struct omap {
    omapEntry *e;       /* cap slots; the entries are e[start .. start+len) */
    size_t start, len, cap;
} omap;

omap *omapNew(void);
/* Frees the map; freeval (may be NULL) is called on every value. */
void omapFree(omap *m, void (*freeval)(void *));
size_t omapSize(const omap *m);
/* Bytes the map itself uses (not its values). */
size_t omapMemUsage(const omap *m);

static inline const unsigned char *omapKey(const omapEntry *e) {
    return e->klen <= OMAP_INLINE_KEY ? e->k.in : e->k.ptr;
}
omapEntry *omapAt(omap *m, size_t pos);  /* NULL when pos >= size */

/* Position of the first key >= key (omapSize when none); *found (if not
 * NULL) says whether it is equal. */
size_t omapLowerBound(const omap *m, const void *key, size_t klen, int *found);
/* Position of the last key <= key, or -1 when none. */
long omapFloor(const omap *m, const void *key, size_t klen);

/* The value of key or NULL (values are never NULL in practice). */
void *omapGet(const omap *m, const void *key, size_t klen);
/* Adds key -> val. Returns 1, or 0 (and changes nothing) if key exists. */
int omapInsert(omap *m, const void *key, size_t klen, void *val);
/* Removes key; returns 1 and its value in *oldval (if given), else 0. */
int omapRemove(omap *m, const void *key, size_t klen, void **oldval);
void omapRemoveAt(omap *m, size_t pos);

#endif
