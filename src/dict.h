/* dict.h - hash table with incremental rehashing.
 *
 * Chained buckets, power-of-two sizes, two tables during a rehash: every
 * lookup/insert/delete moves a bucket from the old table to the new one, and
 * the server cron also rehashes in 1ms slices, so no single operation ever
 * pays for a whole resize. dictScan() is a stateless cursor (reverse-binary
 * increment) that returns every element present for the whole scan even when
 * the table grows or shrinks in between calls.
 */
#ifndef DICT_H
#define DICT_H

#include <stdint.h>
#include <stddef.h>

#define DICT_OK 0
#define DICT_ERR 1

typedef struct dictEntry {
    void *key;
    union {
        void *val;
        uint64_t u64;
        int64_t s64;
        double d;
    } v;
    struct dictEntry *next;
} dictEntry;

typedef struct dict dict;

typedef struct dictType {
    uint64_t (*hashFunction)(const void *key);
    void *(*keyDup)(dict *d, const void *key);          /* may be NULL */
    void *(*valDup)(dict *d, const void *obj);          /* may be NULL */
    int (*keyCompare)(dict *d, const void *key1, const void *key2); /* NULL: pointer eq */
    void (*keyDestructor)(dict *d, void *key);          /* may be NULL */
    void (*valDestructor)(dict *d, void *obj);          /* may be NULL */
    /* Asked before growing: return 0 to refuse an expansion of moreMem bytes
     * (used to respect maxmemory). May be NULL. */
    int (*expandAllowed)(size_t moreMem, double usedRatio);
} dictType;

struct dict {
    dictType *type;
    dictEntry **ht_table[2];
    unsigned long ht_used[2];
    long rehashidx;          /* -1 when not rehashing */
    int16_t pauserehash;     /* >0: rehashing paused (safe iterators, scans) */
    signed char ht_size_exp[2]; /* -1 when the table is empty */
    void *metadata;          /* free for the owner's use */
};

typedef struct dictIterator {
    dict *d;
    long index;
    int table, safe;
    dictEntry *entry, *nextEntry;
    unsigned long long fingerprint; /* unsafe iterators: detects misuse */
} dictIterator;

typedef void (dictScanFunction)(void *privdata, const dictEntry *de);

#define DICT_HT_INITIAL_EXP 2
#define DICTHT_SIZE(exp) ((exp) == -1 ? 0 : (unsigned long)1 << (exp))
#define DICTHT_SIZE_MASK(exp) ((exp) == -1 ? 0 : (DICTHT_SIZE(exp)) - 1)

#define dictGetKey(he) ((he)->key)
#define dictGetVal(he) ((he)->v.val)
#define dictGetSignedIntegerVal(he) ((he)->v.s64)
#define dictGetUnsignedIntegerVal(he) ((he)->v.u64)
#define dictGetDoubleVal(he) ((he)->v.d)
#define dictSetVal(d, entry, _val_) do { \
    if ((d)->type->valDup) (entry)->v.val = (d)->type->valDup((d), _val_); \
    else (entry)->v.val = (_val_); } while (0)
#define dictSetSignedIntegerVal(entry, _val_) ((entry)->v.s64 = (_val_))
#define dictSetUnsignedIntegerVal(entry, _val_) ((entry)->v.u64 = (_val_))
#define dictSetDoubleVal(entry, _val_) ((entry)->v.d = (_val_))
#define dictSlots(d) (DICTHT_SIZE((d)->ht_size_exp[0]) + DICTHT_SIZE((d)->ht_size_exp[1]))
#define dictSize(d) ((d)->ht_used[0] + (d)->ht_used[1])
#define dictIsRehashing(d) ((d)->rehashidx != -1)
#define dictPauseRehashing(d) ((d)->pauserehash++)
#define dictResumeRehashing(d) ((d)->pauserehash--)

dict *dictCreate(dictType *type);
int dictExpand(dict *d, unsigned long size);
int dictTryExpand(dict *d, unsigned long size);
int dictAdd(dict *d, void *key, void *val);
/* Add the key with no value yet; returns the new entry, or NULL if the key
 * exists (then *existing, when not NULL, is set to the existing entry). */
dictEntry *dictAddRaw(dict *d, void *key, dictEntry **existing);
dictEntry *dictAddOrFind(dict *d, void *key);
int dictReplace(dict *d, void *key, void *val); /* 1 added, 0 replaced */
int dictDelete(dict *d, const void *key);
/* Remove without freeing so the caller can still use the entry; then call
 * dictFreeUnlinkedEntry(). */
dictEntry *dictUnlink(dict *d, const void *key);
void dictFreeUnlinkedEntry(dict *d, dictEntry *he);
void dictRelease(dict *d);
dictEntry *dictFind(dict *d, const void *key);
void *dictFetchValue(dict *d, const void *key);
int dictResize(dict *d);               /* shrink to fit */
dictIterator *dictGetIterator(dict *d);
dictIterator *dictGetSafeIterator(dict *d); /* allows deletes while iterating */
dictEntry *dictNext(dictIterator *iter);
void dictReleaseIterator(dictIterator *iter);
dictEntry *dictGetRandomKey(dict *d);
dictEntry *dictGetFairRandomKey(dict *d);
unsigned int dictGetSomeKeys(dict *d, dictEntry **des, unsigned int count);
unsigned long dictScan(dict *d, unsigned long v, dictScanFunction *fn, void *privdata);
void dictEmpty(dict *d, void(callback)(dict*));
int dictRehash(dict *d, int n);        /* n buckets; 1 if more to do */
int dictRehashMilliseconds(dict *d, int ms);
uint64_t dictGetHash(dict *d, const void *key);
size_t dictMemUsage(const dict *d);

/* Resizing is disabled while a fork child exists (copy-on-write); a table is
 * still forced to grow past a load factor of dict_force_resize_ratio. */
void dictEnableResize(void);
void dictDisableResize(void);

/* SipHash-1-2 keyed by a random seed set at start-up. */
void dictSetHashFunctionSeed(uint8_t *seed);
uint8_t *dictGetHashFunctionSeed(void);
uint64_t dictGenHashFunction(const void *key, size_t len);
uint64_t dictGenCaseHashFunction(const unsigned char *buf, size_t len);

#endif
