/* intset.h - a sorted set of integers packed in one allocation.
 *
 * The blob is what the SET type keeps for small all-integer sets and what
 * RDB files store verbatim, so its layout is fixed (Redis's intset):
 *
 *   uint32 width     bytes per element: 2, 4 or 8 (little endian)
 *   uint32 count     number of elements (little endian)
 *   count * width    the elements, signed, little endian, strictly ascending
 *
 * Every element uses the width of the widest one; adding a value that does
 * not fit re-encodes the whole set at the next width (never back down).
 * Pure module: no server state. */
#ifndef INTSET_H
#define INTSET_H

#include <stdint.h>
#include <stddef.h>

typedef struct intset intset;   /* opaque: always read through the API */

#define INTSET_ENC_INT16 2
#define INTSET_ENC_INT32 4
#define INTSET_ENC_INT64 8

intset *intsetNew(void);
/* Add value; *added (may be NULL) tells whether it was new. The set may be
 * reallocated: always use the returned pointer. */
intset *intsetAdd(intset *is, int64_t value, int *added);
/* Remove value; *removed (may be NULL) tells whether it was there. */
intset *intsetRemove(intset *is, int64_t value, int *removed);
int intsetFind(const intset *is, int64_t value);
/* The element at sorted position pos (0..len-1): 1, or 0 if out of range. */
int intsetGet(const intset *is, uint32_t pos, int64_t *value);
/* A uniformly random element; the set must not be empty. */
int64_t intsetRandom(const intset *is);
int64_t intsetMin(const intset *is);
int64_t intsetMax(const intset *is);
uint32_t intsetLen(const intset *is);
size_t intsetBlobLen(const intset *is);
uint32_t intsetEncoding(const intset *is);
/* An independent copy (COPY, DUMP). */
intset *intsetDup(const intset *is);
/* May the `size` bytes at p be used as an intset? Checks the header, the
 * exact length and (deep) the strict ascending order, so that a corrupt
 * blob from an RDB file or RESTORE payload can never be read out of bounds
 * nor break the search. Returns 1 if valid. */
int intsetValidateIntegrity(const unsigned char *p, size_t size, int deep);

#endif
