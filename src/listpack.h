/* listpack.h - compact serialized list of strings and integers.
 *
 * A listpack is one contiguous allocation, byte-compatible with the format
 * Redis 7.0 stores in RDB files (list quicklist nodes, small hashes and
 * sorted sets, stream nodes):
 *
 *   <total-bytes:u32le> <num-elements:u16le> <entry> ... <entry> <0xFF>
 *
 * Each entry is <encoding+data> <backlen>, where backlen is the size of
 * <encoding+data> written so it can be read right to left (so the list can be
 * walked backwards). Strings that look like canonical integers are stored as
 * integers in the smallest of seven widths.
 *
 * Entry pointers ('p') point at an entry's first byte. Any call that may
 * grow or shrink the listpack returns the (possibly moved) new listpack;
 * pointers into the old one are invalid afterwards, hence the 'newp'
 * out-parameters. Data passed in must not point inside the listpack itself.
 *
 * Pure module: no server state; tested by src/unit/test_listpack.c.
 */
#ifndef LISTPACK_H
#define LISTPACK_H

#include <stdint.h>
#include <stddef.h>

#define LP_INTBUF_SIZE 21 /* room for "-9223372036854775808" + NUL */

/* 'where' for lpInsertString / lpInsertInteger. */
#define LP_BEFORE 0
#define LP_AFTER 1
#define LP_REPLACE 2

#define LP_HDR_SIZE 6
#define LP_HDR_NUMELE_UNKNOWN UINT16_MAX
#define LP_EOF 0xFF

/* Callers (hash, zset, quicklist) keep listpacks below this so a single
 * value can never push one past what 32-bit offsets address safely. */
#define LISTPACK_MAX_SAFETY_SIZE (1 << 30)

/* A decoded value: a string (sval != NULL, slen bytes) or an integer lval. */
typedef struct {
    unsigned char *sval;
    uint32_t slen;
    long long lval;
} listpackEntry;

unsigned char *lpNew(size_t capacity);
void lpFree(unsigned char *lp);
unsigned char *lpShrinkToFit(unsigned char *lp);

unsigned char *lpInsertString(unsigned char *lp, const unsigned char *s, uint32_t slen,
                              unsigned char *p, int where, unsigned char **newp);
unsigned char *lpInsertInteger(unsigned char *lp, long long lval,
                               unsigned char *p, int where, unsigned char **newp);
unsigned char *lpAppend(unsigned char *lp, const unsigned char *s, uint32_t slen);
unsigned char *lpAppendInteger(unsigned char *lp, long long lval);
unsigned char *lpPrepend(unsigned char *lp, const unsigned char *s, uint32_t slen);
unsigned char *lpPrependInteger(unsigned char *lp, long long lval);
unsigned char *lpReplace(unsigned char *lp, unsigned char **p, const unsigned char *s, uint32_t slen);
unsigned char *lpReplaceInteger(unsigned char *lp, unsigned char **p, long long lval);

/* Delete the entry at p; *newp (if given) gets the entry that followed it,
 * or NULL when p was the last. */
unsigned char *lpDelete(unsigned char *lp, unsigned char *p, unsigned char **newp);
/* Delete up to num entries starting at *p; *p becomes the entry that
 * followed them, or NULL. */
unsigned char *lpDeleteRangeWithEntry(unsigned char *lp, unsigned char **p, unsigned long num);
/* Delete up to num entries starting at index (negative: from the tail). */
unsigned char *lpDeleteRange(unsigned char *lp, long index, unsigned long num);
/* Append *second's entries to *first. Frees the listpack not returned and
 * sets its pointer to NULL; the returned one is stored in the other. */
unsigned char *lpMerge(unsigned char **first, unsigned char **second);

unsigned long lpLength(unsigned char *lp);
size_t lpBytes(unsigned char *lp);
int lpSafeToAdd(unsigned char *lp, size_t add);

unsigned char *lpFirst(unsigned char *lp);
unsigned char *lpLast(unsigned char *lp);
unsigned char *lpNext(unsigned char *lp, unsigned char *p);
unsigned char *lpPrev(unsigned char *lp, unsigned char *p);
unsigned char *lpSeek(unsigned char *lp, long index);

/* Value at p. A string returns its bytes with *count = length. An integer,
 * with intbuf (LP_INTBUF_SIZE bytes), is written there as text and intbuf is
 * returned with *count = its length; without intbuf NULL is returned and
 * *count holds the integer. */
unsigned char *lpGet(unsigned char *p, int64_t *count, unsigned char *intbuf);
/* Value at p: the string (with *slen) or NULL with the integer in *lval. */
unsigned char *lpGetValue(unsigned char *p, unsigned int *slen, long long *lval);
/* Fill e from the entry at p. */
void lpGetEntry(unsigned char *p, listpackEntry *e);

/* 1 if the entry at p equals the string s (integers compare as their text). */
int lpCompare(unsigned char *p, const unsigned char *s, uint32_t slen);
/* First entry equal to s from p on, comparing one entry then skipping
 * 'skip' entries (skip=1 searches only the keys of a key/value listpack). */
unsigned char *lpFind(unsigned char *lp, unsigned char *p, const unsigned char *s,
                      uint32_t slen, unsigned int skip);

/* Integrity of an untrusted blob of 'size' bytes. Shallow (deep=0) checks the
 * header and terminator only; deep walks every entry, bounds-checked, and
 * calls entry_cb (if any) for each one, failing if it returns 0. Never reads
 * outside [lp, lp+size). Returns 1 if valid. */
typedef int (*listpackValidateEntryCB)(unsigned char *p, unsigned int head_count, void *userdata);
int lpValidateIntegrity(unsigned char *lp, size_t size, int deep,
                        listpackValidateEntryCB entry_cb, void *cb_userdata);
/* Step-by-step validation: lpValidateFirst gives the first entry (NULL if
 * none); lpValidateNext checks the entry at *pp and advances it (NULL at the
 * end), returning 0 if the entry is corrupt. */
unsigned char *lpValidateFirst(unsigned char *lp);
int lpValidateNext(unsigned char *lp, unsigned char **pp, size_t lpbytes);

/* Random picks from a key/value listpack of total_count entries (vals may
 * be NULL to fetch keys only). */
void lpRandomPair(unsigned char *lp, unsigned long total_count, listpackEntry *key, listpackEntry *val);
void lpRandomPairs(unsigned char *lp, unsigned int count, listpackEntry *keys, listpackEntry *vals);
unsigned int lpRandomPairsUnique(unsigned char *lp, unsigned int count, listpackEntry *keys, listpackEntry *vals);

/* Human-readable dump (DEBUG LISTPACK) to stdout. */
void lpRepr(unsigned char *lp);

#endif
