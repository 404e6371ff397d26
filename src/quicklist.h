/* quicklist.h - the list type's storage: a doubly linked list of listpacks.
 *
 * Each node holds a listpack of up to `fill` entries (fill > 0) or of up
 * to 4/8/16/32/64KB (fill -1..-5), as list-max-listpack-size says. An
 * element of packed_threshold bytes or more (1GB by default, DEBUG
 * QUICKLIST-PACKED-THRESHOLD changes it) gets a "plain" node of its own
 * holding just its bytes. With compress depth d > 0, all nodes but the d
 * first and d last are kept LZF-compressed (list-compress-depth).
 *
 * The node layout is public so RDB code can save and load nodes directly:
 * a compressed node's entry is a quicklistLZF.
 *
 * Pure module (listpack.c, lzf.c, zmalloc.c); tested by src/unit/test_quicklist.c.
 */
#ifndef QUICKLIST_H
#define QUICKLIST_H

#include <stddef.h>

#define QUICKLIST_HEAD 0
#define QUICKLIST_TAIL -1

#define QUICKLIST_NODE_ENCODING_RAW 1
#define QUICKLIST_NODE_ENCODING_LZF 2
#define QUICKLIST_NODE_CONTAINER_PLAIN 1
#define QUICKLIST_NODE_CONTAINER_PACKED 2

#define AL_START_HEAD_QL 0
#define AL_START_TAIL_QL 1

typedef struct quicklistNode {
    struct quicklistNode *prev, *next;
    unsigned char *entry;         /* listpack, plain bytes or quicklistLZF */
    size_t sz;                    /* uncompressed size of entry */
    unsigned int count;           /* elements in this node */
    unsigned int encoding : 2;    /* RAW or LZF */
    unsigned int container : 2;   /* PLAIN or PACKED */
    unsigned int recompress : 1;  /* decompressed for a moment, compress back */
    unsigned int attempted_compress : 1; /* too small / incompressible */
} quicklistNode;

typedef struct quicklistLZF {
    size_t sz;                    /* compressed bytes that follow */
    char compressed[];
} quicklistLZF;

typedef struct quicklist {
    quicklistNode *head, *tail;
    unsigned long count;          /* elements in all nodes */
    unsigned long len;            /* nodes */
    int fill;
    unsigned int compress;        /* depth, 0 = off */
} quicklist;

typedef struct quicklistIter {
    quicklist *ql;
    quicklistNode *current;
    unsigned char *zi;            /* current listpack entry, NULL before start */
    long offset;                  /* of zi within current */
    int direction;                /* AL_START_HEAD_QL / AL_START_TAIL_QL */
} quicklistIter;

/* One element as seen by an iterator: a string (value, sz) or an integer
 * (value NULL, longval). */
typedef struct quicklistEntry {
    quicklist *ql;
    quicklistNode *node;
    unsigned char *zi;
    unsigned char *value;
    long long longval;
    size_t sz;
    long offset;
} quicklistEntry;

quicklist *quicklistNew(int fill, int compress);
void quicklistSetOptions(quicklist *ql, int fill, int compress);
void quicklistRelease(quicklist *ql);
quicklist *quicklistDup(quicklist *ql);
unsigned long quicklistCount(const quicklist *ql);

void quicklistPush(quicklist *ql, const void *value, size_t sz, int where);
void quicklistPushHead(quicklist *ql, const void *value, size_t sz);
void quicklistPushTail(quicklist *ql, const void *value, size_t sz);
/* RDB loading: take ownership of a listpack / plain element as a new tail node. */
void quicklistAppendListpack(quicklist *ql, unsigned char *lp);
void quicklistAppendPlainNode(quicklist *ql, unsigned char *data, size_t sz);

/* Pop from the head (QUICKLIST_HEAD) or tail: 0 if empty. A string comes
 * back in a zmalloc'd *data (*sz bytes), an integer in *lval with *data NULL. */
int quicklistPop(quicklist *ql, int where, unsigned char **data, size_t *sz, long long *lval);

quicklistIter *quicklistGetIterator(quicklist *ql, int direction);
/* Iterator positioned so the first quicklistNext returns element idx
 * (negative from the tail); NULL if out of range. */
quicklistIter *quicklistGetIteratorAtIdx(quicklist *ql, int direction, long idx);
int quicklistNext(quicklistIter *it, quicklistEntry *e);
void quicklistReleaseIterator(quicklistIter *it);

/* Edits at an iterator's current element (the entry it returned last). The
 * iterator stays usable after a delete: the next quicklistNext returns the
 * element that followed in its direction. */
void quicklistDelEntry(quicklistIter *it, quicklistEntry *e);
void quicklistReplaceEntry(quicklistIter *it, quicklistEntry *e, const void *data, size_t sz);
void quicklistInsertBefore(quicklistIter *it, quicklistEntry *e, const void *data, size_t sz);
void quicklistInsertAfter(quicklistIter *it, quicklistEntry *e, const void *data, size_t sz);
/* Replace element index; 0 if out of range. */
int quicklistReplaceAtIndex(quicklist *ql, long index, const void *data, size_t sz);
/* Delete count elements from start (negative from the tail); 0 if none. */
int quicklistDelRange(quicklist *ql, long start, long count);

int quicklistCompare(quicklistEntry *e, const unsigned char *s, size_t slen);

/* Threshold for plain nodes (0 when sz is out of range). */
int quicklistSetPackedThreshold(size_t sz);
/* A compressed node's bytes: returns the size and sets *data. */
size_t quicklistGetLzf(const quicklistNode *node, void **data);
int quicklistNodeIsCompressed(const quicklistNode *node);

/* Human-readable dump (DEBUG QUICKLIST) to stdout. */
void quicklistRepr(quicklist *ql, int full);

#endif
