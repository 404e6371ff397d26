/* dict.c - the server's general purpose hash table (see dict.h).
 *
 * Used for the keyspace, expires, hash/set/zset encodings, command tables,
 * pub/sub channels and more. Keys and values are opaque pointers; a dictType
 * supplies hashing, comparison, duplication and destruction.
 *
 * Layout: two tables of chained buckets with power-of-two sizes, so a bucket
 * index is simply `hash & (size - 1)`. Table 0 is the live one; table 1 only
 * exists while a resize is in progress.
 *
 * Incremental rehashing
 * ---------------------
 * Resizing a table with millions of entries in one go would stall a
 * single-threaded server for a long time. Instead a resize only allocates the
 * new table (table 1) and sets rehashidx to 0; from then on the entries
 * migrate bucket by bucket. Every add/find/delete moves one bucket (when
 * rehashing is not paused), and the server cron calls
 * dictRehashMilliseconds() to make steady progress on idle tables. While the
 * move is in progress:
 *   - buckets of table 0 below rehashidx are known empty;
 *   - lookups and deletes search both tables;
 *   - inserts go straight to table 1, so table 0 only ever shrinks.
 * When table 0 is empty it is freed and table 1 becomes table 0.
 * A single rehash step may meet long runs of empty buckets (after many
 * deletions); dictRehash(d, n) gives up after n*10 empty buckets so that a
 * step is always bounded.
 *
 * Rehashing is paused (pauserehash > 0) by safe iterators and by dictScan(),
 * because moving entries between tables under them would make them skip or
 * repeat elements.
 */
#include <assert.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dict.h"
#include "siphash.h"
#include "zmalloc.h"

/* Resizing is normally free; while a fork child shares our pages it is
 * disabled to avoid copy-on-write of huge bucket arrays, unless a table gets
 * so overloaded (more than dict_force_resize_ratio entries per bucket) that
 * lookups would degrade badly. */
static int dict_can_resize = 1;
static const unsigned long dict_force_resize_ratio = 5;

#define DICT_HT_INITIAL_SIZE (1UL << DICT_HT_INITIAL_EXP)

/* Entries visited per empty bucket budget in dictRehash(). */
#define DICT_REHASH_EMPTY_VISITS 10

/* dictEmpty() reports progress to its callback this often (in buckets). */
#define DICT_EMPTY_CALLBACK_PERIOD 65536

static int dictExpandIfNeeded(dict *d);

/* ------------------------------------------------------------------------
 * Hash functions
 * ------------------------------------------------------------------------ */

static uint8_t dict_hash_function_seed[16];

void dictSetHashFunctionSeed(uint8_t *seed) {
    memcpy(dict_hash_function_seed, seed, sizeof(dict_hash_function_seed));
}

uint8_t *dictGetHashFunctionSeed(void) {
    return dict_hash_function_seed;
}

uint64_t dictGenHashFunction(const void *key, size_t len) {
    return siphash(key, len, dict_hash_function_seed);
}

uint64_t dictGenCaseHashFunction(const unsigned char *buf, size_t len) {
    return siphash_nocase(buf, len, dict_hash_function_seed);
}

void dictEnableResize(void) { dict_can_resize = 1; }
void dictDisableResize(void) { dict_can_resize = 0; }

/* ------------------------------------------------------------------------
 * Small helpers around the dictType callbacks
 * ------------------------------------------------------------------------ */

static inline uint64_t hashKey(dict *d, const void *key) {
    return d->type->hashFunction(key);
}

static inline int keysEqual(dict *d, const void *a, const void *b) {
    if (a == b) return 1;
    return d->type->keyCompare ? d->type->keyCompare(d, a, b) : 0;
}

static inline void setKey(dict *d, dictEntry *de, void *key) {
    de->key = d->type->keyDup ? d->type->keyDup(d, key) : key;
}

static inline void freeKey(dict *d, dictEntry *de) {
    if (d->type->keyDestructor) d->type->keyDestructor(d, de->key);
}

static inline void freeVal(dict *d, dictEntry *de) {
    if (d->type->valDestructor) d->type->valDestructor(d, de->v.val);
}

static void resetTable(dict *d, int t) {
    d->ht_table[t] = NULL;
    d->ht_used[t] = 0;
    d->ht_size_exp[t] = -1;
}

/* Smallest exponent whose table holds `size` buckets, never below the
 * initial size and never beyond what a long can index. */
static signed char nextExp(unsigned long size) {
    signed char e = DICT_HT_INITIAL_EXP;
    const signed char max = (signed char)(sizeof(long) * CHAR_BIT - 1);
    if (size >= (unsigned long)LONG_MAX) return max;
    while ((1UL << e) < size) e++;
    return e;
}

/* ------------------------------------------------------------------------
 * Creation and resizing
 * ------------------------------------------------------------------------ */

dict *dictCreate(dictType *type) {
    dict *d = zmalloc(sizeof(*d));
    d->type = type;
    resetTable(d, 0);
    resetTable(d, 1);
    d->rehashidx = -1;
    d->pauserehash = 0;
    d->metadata = NULL;
    return d;
}

/* Allocate a table of (at least) `size` buckets. If the dict has no table yet
 * it simply becomes table 0; otherwise it becomes table 1 and an incremental
 * rehash starts. With `try` set, allocation failure returns DICT_ERR instead
 * of aborting. */
static int expandTo(dict *d, unsigned long size, int try) {
    /* Cannot start a second resize, and the table must hold every entry. */
    if (dictIsRehashing(d) || d->ht_used[0] > size) return DICT_ERR;

    signed char exp = nextExp(size);
    unsigned long buckets = DICTHT_SIZE(exp);
    if (buckets < size || buckets > SIZE_MAX / sizeof(dictEntry *))
        return DICT_ERR;
    if (exp == d->ht_size_exp[0]) return DICT_ERR; /* nothing would change */

    size_t bytes = buckets * sizeof(dictEntry *);
    dictEntry **table;
    if (try) {
        table = ztrymalloc(bytes);
        if (table == NULL) return DICT_ERR;
        memset(table, 0, bytes);
    } else {
        table = zcalloc(bytes);
    }

    if (d->ht_table[0] == NULL) {
        d->ht_table[0] = table;
        d->ht_size_exp[0] = exp;
        d->ht_used[0] = 0;
        return DICT_OK;
    }
    d->ht_table[1] = table;
    d->ht_size_exp[1] = exp;
    d->ht_used[1] = 0;
    d->rehashidx = 0;
    return DICT_OK;
}

int dictExpand(dict *d, unsigned long size) {
    return expandTo(d, size, 0);
}

int dictTryExpand(dict *d, unsigned long size) {
    return expandTo(d, size, 1);
}

/* Shrink (or grow) so that the load factor is close to 1. */
int dictResize(dict *d) {
    if (!dict_can_resize || dictIsRehashing(d)) return DICT_ERR;
    unsigned long minimal = d->ht_used[0];
    if (minimal < DICT_HT_INITIAL_SIZE) minimal = DICT_HT_INITIAL_SIZE;
    return dictExpand(d, minimal);
}

/* Ask the owner (maxmemory policy) whether growing is acceptable. */
static int expandAllowed(dict *d) {
    if (d->type->expandAllowed == NULL) return 1;
    unsigned long size = DICTHT_SIZE(d->ht_size_exp[0]);
    size_t more = DICTHT_SIZE(nextExp(d->ht_used[0] + 1)) * sizeof(dictEntry *);
    return d->type->expandAllowed(more, (double)d->ht_used[0] / (double)size);
}

static int dictExpandIfNeeded(dict *d) {
    if (dictIsRehashing(d)) return DICT_OK;

    unsigned long size = DICTHT_SIZE(d->ht_size_exp[0]);
    if (size == 0) return dictExpand(d, DICT_HT_INITIAL_SIZE);

    unsigned long used = d->ht_used[0];
    if (used < size) return DICT_OK;
    if (!dict_can_resize && used / size <= dict_force_resize_ratio)
        return DICT_OK;
    if (!expandAllowed(d)) return DICT_OK;
    return dictExpand(d, used + 1);
}

/* ------------------------------------------------------------------------
 * Incremental rehashing
 * ------------------------------------------------------------------------ */

/* Move every entry of table-0 bucket `idx` to table 1. */
static void rehashBucket(dict *d, unsigned long idx) {
    unsigned long mask1 = DICTHT_SIZE_MASK(d->ht_size_exp[1]);
    dictEntry *de = d->ht_table[0][idx];
    while (de) {
        dictEntry *next = de->next;
        unsigned long h = hashKey(d, de->key) & mask1;
        de->next = d->ht_table[1][h];
        d->ht_table[1][h] = de;
        d->ht_used[0]--;
        d->ht_used[1]++;
        de = next;
    }
    d->ht_table[0][idx] = NULL;
}

/* Table 0 is drained: table 1 takes its place. */
static void finishRehash(dict *d) {
    zfree(d->ht_table[0]);
    d->ht_table[0] = d->ht_table[1];
    d->ht_used[0] = d->ht_used[1];
    d->ht_size_exp[0] = d->ht_size_exp[1];
    resetTable(d, 1);
    d->rehashidx = -1;
}

/* Move up to n non-empty buckets, looking at no more than n*10 empty ones.
 * Returns 1 if there is still work left, 0 when the rehash is complete (or
 * was not in progress). */
int dictRehash(dict *d, int n) {
    if (!dictIsRehashing(d)) return 0;
    long empty_budget = (long)n * DICT_REHASH_EMPTY_VISITS;
    unsigned long size0 = DICTHT_SIZE(d->ht_size_exp[0]);

    while (n-- > 0 && d->ht_used[0] != 0) {
        /* Entries remain, so a non-empty bucket exists at or after
         * rehashidx: everything before it has already been moved. */
        assert((unsigned long)d->rehashidx < size0);
        while (d->ht_table[0][d->rehashidx] == NULL) {
            d->rehashidx++;
            if (--empty_budget == 0) return 1;
        }
        rehashBucket(d, (unsigned long)d->rehashidx);
        d->rehashidx++;
    }

    if (d->ht_used[0] == 0) {
        finishRehash(d);
        return 0;
    }
    return 1;
}

static long long monotonicMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Rehash in batches of 100 buckets for about `ms` milliseconds. Returns the
 * number of buckets (in units of 100) worked on. */
int dictRehashMilliseconds(dict *d, int ms) {
    if (d->pauserehash > 0) return 0;
    long long start = monotonicMs();
    int done = 0;
    while (dictRehash(d, 100)) {
        done += 100;
        if (monotonicMs() - start > ms) break;
    }
    return done;
}

/* The single step that normal operations contribute. */
static void rehashStep(dict *d) {
    if (d->pauserehash == 0) dictRehash(d, 1);
}

/* ------------------------------------------------------------------------
 * Insert / lookup / delete
 * ------------------------------------------------------------------------ */

/* Find the chain that holds `key`. Returns the entry if present (and, through
 * *prevp, the entry preceding it in its chain and, through *tablep, its
 * table), or NULL. */
static dictEntry *lookup(dict *d, const void *key, uint64_t hash,
                         int *tablep, dictEntry **prevp) {
    for (int t = 0; t <= 1; t++) {
        if (d->ht_table[t] != NULL) {
            unsigned long idx = hash & DICTHT_SIZE_MASK(d->ht_size_exp[t]);
            dictEntry *prev = NULL;
            for (dictEntry *de = d->ht_table[t][idx]; de; de = de->next) {
                if (keysEqual(d, key, de->key)) {
                    if (tablep) *tablep = t;
                    if (prevp) *prevp = prev;
                    return de;
                }
                prev = de;
            }
        }
        /* Outside a rehash, table 1 does not exist. */
        if (!dictIsRehashing(d)) break;
    }
    return NULL;
}

dictEntry *dictAddRaw(dict *d, void *key, dictEntry **existing) {
    if (dictIsRehashing(d)) rehashStep(d);

    uint64_t hash = hashKey(d, key);
    dictEntry *found = lookup(d, key, hash, NULL, NULL);
    if (found) {
        if (existing) *existing = found;
        return NULL;
    }
    if (existing) *existing = NULL;
    if (dictExpandIfNeeded(d) == DICT_ERR) return NULL;

    /* During a rehash new entries go to table 1, which is the one that
     * survives; putting them into table 0 would only add work. */
    int t = dictIsRehashing(d) ? 1 : 0;
    unsigned long idx = hash & DICTHT_SIZE_MASK(d->ht_size_exp[t]);
    dictEntry *de = zmalloc(sizeof(*de));
    de->v.u64 = 0;
    /* Head insertion: recently added keys are often looked up soon. */
    de->next = d->ht_table[t][idx];
    d->ht_table[t][idx] = de;
    d->ht_used[t]++;
    setKey(d, de, key);
    return de;
}

int dictAdd(dict *d, void *key, void *val) {
    dictEntry *de = dictAddRaw(d, key, NULL);
    if (de == NULL) return DICT_ERR;
    dictSetVal(d, de, val);
    return DICT_OK;
}

dictEntry *dictAddOrFind(dict *d, void *key) {
    dictEntry *existing;
    dictEntry *de = dictAddRaw(d, key, &existing);
    return de ? de : existing;
}

int dictReplace(dict *d, void *key, void *val) {
    dictEntry *existing;
    dictEntry *de = dictAddRaw(d, key, &existing);
    if (de) {
        dictSetVal(d, de, val);
        return 1;
    }
    /* Set the new value before releasing the old one: they may be the same
     * reference-counted object, and freeing first could destroy it. */
    dictEntry old = *existing;
    dictSetVal(d, existing, val);
    freeVal(d, &old);
    return 0;
}

/* Detach the entry for `key` from its chain; returns it or NULL. */
static dictEntry *unlinkEntry(dict *d, const void *key) {
    if (dictSize(d) == 0) return NULL;
    if (dictIsRehashing(d)) rehashStep(d);

    uint64_t hash = hashKey(d, key);
    int t;
    dictEntry *prev;
    dictEntry *de = lookup(d, key, hash, &t, &prev);
    if (de == NULL) return NULL;
    if (prev)
        prev->next = de->next;
    else
        d->ht_table[t][hash & DICTHT_SIZE_MASK(d->ht_size_exp[t])] = de->next;
    d->ht_used[t]--;
    de->next = NULL;
    return de;
}

dictEntry *dictUnlink(dict *d, const void *key) {
    return unlinkEntry(d, key);
}

void dictFreeUnlinkedEntry(dict *d, dictEntry *he) {
    if (he == NULL) return;
    freeKey(d, he);
    freeVal(d, he);
    zfree(he);
}

int dictDelete(dict *d, const void *key) {
    dictEntry *de = unlinkEntry(d, key);
    if (de == NULL) return DICT_ERR;
    dictFreeUnlinkedEntry(d, de);
    return DICT_OK;
}

dictEntry *dictFind(dict *d, const void *key) {
    if (dictSize(d) == 0) return NULL;
    if (dictIsRehashing(d)) rehashStep(d);
    return lookup(d, key, hashKey(d, key), NULL, NULL);
}

void *dictFetchValue(dict *d, const void *key) {
    dictEntry *de = dictFind(d, key);
    return de ? dictGetVal(de) : NULL;
}

uint64_t dictGetHash(dict *d, const void *key) {
    return hashKey(d, key);
}

/* ------------------------------------------------------------------------
 * Emptying and freeing
 * ------------------------------------------------------------------------ */

static void clearTable(dict *d, int t, void (callback)(dict *)) {
    unsigned long size = DICTHT_SIZE(d->ht_size_exp[t]);
    for (unsigned long i = 0; i < size && d->ht_used[t] > 0; i++) {
        /* Freeing a huge keyspace takes a while; the callback lets the
         * server keep serving events in between. */
        if (callback && (i % DICT_EMPTY_CALLBACK_PERIOD) == 0) callback(d);
        dictEntry *de = d->ht_table[t][i];
        while (de) {
            dictEntry *next = de->next;
            dictFreeUnlinkedEntry(d, de);
            d->ht_used[t]--;
            de = next;
        }
    }
    zfree(d->ht_table[t]);
    resetTable(d, t);
}

void dictEmpty(dict *d, void(callback)(dict*)) {
    clearTable(d, 0, callback);
    clearTable(d, 1, callback);
    d->rehashidx = -1;
    d->pauserehash = 0;
}

void dictRelease(dict *d) {
    clearTable(d, 0, NULL);
    clearTable(d, 1, NULL);
    zfree(d);
}

/* Memory held by the dict itself, its bucket arrays and its entries (not
 * counting what keys and values point to). */
size_t dictMemUsage(const dict *d) {
    return sizeof(*d) + dictSlots(d) * sizeof(dictEntry *) +
           dictSize(d) * sizeof(dictEntry);
}

/* ------------------------------------------------------------------------
 * Iterators
 * ------------------------------------------------------------------------ */

static uint64_t fingerprintMix(uint64_t h, uint64_t x) {
    h ^= x + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2);
    h *= UINT64_C(0xff51afd7ed558ccd);
    return h ^ (h >> 29);
}

/* A digest of the table state. An unsafe iterator records it when it starts
 * and checks it when released: any add, delete or rehash step in between
 * (which an unsafe iterator cannot survive) changes it. */
static unsigned long long dictFingerprint(dict *d) {
    uint64_t h = 0;
    for (int t = 0; t <= 1; t++) {
        h = fingerprintMix(h, (uint64_t)(uintptr_t)d->ht_table[t]);
        h = fingerprintMix(h, (uint64_t)(int64_t)d->ht_size_exp[t]);
        h = fingerprintMix(h, (uint64_t)d->ht_used[t]);
    }
    return h;
}

dictIterator *dictGetIterator(dict *d) {
    dictIterator *it = zmalloc(sizeof(*it));
    it->d = d;
    it->table = 0;
    it->index = -1;
    it->safe = 0;
    it->entry = NULL;
    it->nextEntry = NULL;
    it->fingerprint = 0;
    return it;
}

dictIterator *dictGetSafeIterator(dict *d) {
    dictIterator *it = dictGetIterator(d);
    it->safe = 1;
    return it;
}

static int iteratorStarted(const dictIterator *it) {
    return !(it->index == -1 && it->table == 0);
}

dictEntry *dictNext(dictIterator *it) {
    dict *d = it->d;
    for (;;) {
        if (it->entry == NULL) {
            if (!iteratorStarted(it)) {
                /* Safe iterators stop rehash steps so entries stay in place
                 * while the caller deletes; unsafe ones just remember the
                 * state to catch misuse. */
                if (it->safe) dictPauseRehashing(d);
                else it->fingerprint = dictFingerprint(d);
            }
            it->index++;
            if (it->index >= (long)DICTHT_SIZE(d->ht_size_exp[it->table])) {
                if (dictIsRehashing(d) && it->table == 0) {
                    it->table = 1;
                    it->index = 0;
                } else {
                    return NULL;
                }
            }
            it->entry = d->ht_table[it->table][it->index];
        } else {
            it->entry = it->nextEntry;
        }
        if (it->entry) {
            /* Remember the successor now: the caller may delete entry. */
            it->nextEntry = it->entry->next;
            return it->entry;
        }
    }
}

void dictReleaseIterator(dictIterator *it) {
    if (iteratorStarted(it)) {
        if (it->safe)
            dictResumeRehashing(it->d);
        else
            assert(it->fingerprint == dictFingerprint(it->d));
    }
    zfree(it);
}

/* ------------------------------------------------------------------------
 * Random sampling
 * ------------------------------------------------------------------------ */

/* random() yields 31 bits; tables can have more buckets than that. */
static unsigned long randomULong(void) {
    uint64_t r = ((uint64_t)random() << 62) ^ ((uint64_t)random() << 31) ^
                 (uint64_t)random();
    return (unsigned long)r;
}

dictEntry *dictGetRandomKey(dict *d) {
    if (dictSize(d) == 0) return NULL;
    if (dictIsRehashing(d)) rehashStep(d);

    dictEntry *head;
    if (dictIsRehashing(d)) {
        /* Treat both tables as one range of buckets, skipping the drained
         * prefix of table 0. */
        unsigned long size0 = DICTHT_SIZE(d->ht_size_exp[0]);
        unsigned long span = dictSlots(d) - (unsigned long)d->rehashidx;
        do {
            unsigned long b = (unsigned long)d->rehashidx + randomULong() % span;
            head = b >= size0 ? d->ht_table[1][b - size0] : d->ht_table[0][b];
        } while (head == NULL);
    } else {
        unsigned long mask = DICTHT_SIZE_MASK(d->ht_size_exp[0]);
        do {
            head = d->ht_table[0][randomULong() & mask];
        } while (head == NULL);
    }

    /* Pick uniformly within the chain. Entries in long chains are less
     * likely to be chosen overall; dictGetFairRandomKey() mitigates that. */
    unsigned long len = 0;
    for (dictEntry *de = head; de; de = de->next) len++;
    unsigned long pick = randomULong() % len;
    while (pick--) head = head->next;
    return head;
}

/* Collect up to `count` entries starting from a random bucket and walking
 * consecutive buckets (in both tables when rehashing). Cheap and good enough
 * for eviction sampling, though not uniformly random and the same entry may
 * be returned twice after a wrap-around. Returns the number stored. */
unsigned int dictGetSomeKeys(dict *d, dictEntry **des, unsigned int count) {
    if (dictSize(d) < count) count = (unsigned int)dictSize(d);
    if (count == 0) return 0;

    /* Help a pending rehash along, proportionally to the work asked. */
    for (unsigned int j = 0; j < count && dictIsRehashing(d); j++)
        rehashStep(d);

    int tables = dictIsRehashing(d) ? 2 : 1;
    unsigned long size[2], mask = DICTHT_SIZE_MASK(d->ht_size_exp[0]);
    size[0] = DICTHT_SIZE(d->ht_size_exp[0]);
    size[1] = DICTHT_SIZE(d->ht_size_exp[1]);
    if (tables == 2 && DICTHT_SIZE_MASK(d->ht_size_exp[1]) > mask)
        mask = DICTHT_SIZE_MASK(d->ht_size_exp[1]);

    unsigned long maxsteps = (unsigned long)count * 10;
    unsigned long i = randomULong() & mask;
    unsigned long empty_run = 0;
    unsigned int stored = 0;

    while (stored < count && maxsteps--) {
        for (int t = 0; t < tables; t++) {
            if (tables == 2 && t == 0 && i < (unsigned long)d->rehashidx) {
                /* Already migrated part of table 0. If the index is also
                 * beyond table 1 (a shrink), nothing lives here at all:
                 * jump to the first bucket still holding data. */
                if (i >= size[1]) i = (unsigned long)d->rehashidx;
                else continue;
            }
            if (i >= size[t]) continue;
            dictEntry *de = d->ht_table[t][i];
            if (de == NULL) {
                /* A long empty stretch suggests a sparse region (e.g. after
                 * mass deletion): try another random spot instead. */
                if (++empty_run > (unsigned long)count + 4) {
                    i = randomULong() & mask;
                    empty_run = 0;
                }
                continue;
            }
            empty_run = 0;
            for (; de; de = de->next) {
                des[stored++] = de;
                if (stored == count) return stored;
            }
        }
        i = (i + 1) & mask;
    }
    return stored;
}

/* A fairer pick: sample a batch of neighbouring entries and choose one of
 * them, so that an entry's chance depends less on its chain length. */
#define FAIR_RANDOM_SAMPLE 20
dictEntry *dictGetFairRandomKey(dict *d) {
    dictEntry *sample[FAIR_RANDOM_SAMPLE];
    unsigned int n = dictGetSomeKeys(d, sample, FAIR_RANDOM_SAMPLE);
    if (n == 0) return dictGetRandomKey(d);
    return sample[randomULong() % n];
}

/* ------------------------------------------------------------------------
 * Stateless scanning
 * ------------------------------------------------------------------------
 *
 * dictScan() must keep no state between calls (the cursor is handed to the
 * client) and must return every element that exists for the whole scan even
 * if the table is resized between calls. It may return some elements twice.
 *
 * The trick is the order buckets are visited in. With a table of 2^n buckets
 * an element lives in bucket (hash & mask), i.e. its n low hash bits. Instead
 * of counting the cursor up normally, we increment it in *bit-reversed*
 * order: the highest bit of the mask flips fastest. So for 8 buckets the order
 * is 0 4 2 6 1 5 3 7.
 *
 * Why that survives resizes: growing 2^n -> 2^m splits bucket b into the
 * buckets whose low n bits equal b, which differ only in the new high bits.
 * Shrinking merges such a family back. In reversed order, the low bits form
 * the "most significant" part of the counter, so when the cursor is at v, all
 * buckets already visited are exactly those whose low bits (read reversed)
 * come before v's. That set is expressed in terms of the low bits only, so
 * the same cursor describes the same set of hash values whatever the table
 * size: after a grow, the already-visited hashes map to buckets before v in
 * the new order; after a shrink, v's low bits still mark the frontier
 * (entries that were in the tail of a merged family may be seen again, which
 * is allowed, but none can be skipped).
 *
 * During a rehash both tables hold data. We take the smaller table's bucket
 * for the cursor, then every bucket of the larger table that expands from it
 * (same low bits, all combinations of the extra high bits), and advance the
 * cursor as if only the small table existed. Every hash whose low bits match
 * the cursor is thus covered in both tables.
 *
 * A cursor of 0 starts and ends a scan.
 */

static unsigned long reverseBits(unsigned long v) {
    uint64_t x = (uint64_t)v;
    x = ((x >> 1) & UINT64_C(0x5555555555555555)) | ((x & UINT64_C(0x5555555555555555)) << 1);
    x = ((x >> 2) & UINT64_C(0x3333333333333333)) | ((x & UINT64_C(0x3333333333333333)) << 2);
    x = ((x >> 4) & UINT64_C(0x0f0f0f0f0f0f0f0f)) | ((x & UINT64_C(0x0f0f0f0f0f0f0f0f)) << 4);
    x = ((x >> 8) & UINT64_C(0x00ff00ff00ff00ff)) | ((x & UINT64_C(0x00ff00ff00ff00ff)) << 8);
    x = ((x >> 16) & UINT64_C(0x0000ffff0000ffff)) | ((x & UINT64_C(0x0000ffff0000ffff)) << 16);
    x = (x >> 32) | (x << 32);
    /* On a 32-bit long, the reversed value sits in the upper half. */
    return (unsigned long)(x >> (64 - sizeof(unsigned long) * CHAR_BIT));
}

/* Advance the cursor by one in reversed-bit order within `mask`. Setting the
 * bits outside the mask first makes the carry run off the top. */
static unsigned long nextCursor(unsigned long v, unsigned long mask) {
    v |= ~mask;
    v = reverseBits(v);
    v++;
    return reverseBits(v);
}

static void scanBucket(dictEntry *de, dictScanFunction *fn, void *privdata) {
    while (de) {
        dictEntry *next = de->next; /* fetched before the callback runs */
        fn(privdata, de);
        de = next;
    }
}

unsigned long dictScan(dict *d, unsigned long v, dictScanFunction *fn,
                       void *privdata) {
    if (dictSize(d) == 0) return 0;

    /* No rehash steps may move entries while the callbacks run. */
    dictPauseRehashing(d);

    if (!dictIsRehashing(d)) {
        unsigned long m0 = DICTHT_SIZE_MASK(d->ht_size_exp[0]);
        scanBucket(d->ht_table[0][v & m0], fn, privdata);
        v = nextCursor(v, m0);
    } else {
        int small = 0, big = 1;
        if (DICTHT_SIZE(d->ht_size_exp[0]) > DICTHT_SIZE(d->ht_size_exp[1])) {
            small = 1;
            big = 0;
        }
        unsigned long m0 = DICTHT_SIZE_MASK(d->ht_size_exp[small]);
        unsigned long m1 = DICTHT_SIZE_MASK(d->ht_size_exp[big]);

        scanBucket(d->ht_table[small][v & m0], fn, privdata);
        /* Walk the big table's buckets sharing the low bits (v & m0): the
         * reversed increment under m1 cycles through the extra high bits;
         * once they wrap to zero, the low bits have advanced and we are at
         * the next cursor for the small table. */
        do {
            scanBucket(d->ht_table[big][v & m1], fn, privdata);
            v = nextCursor(v, m1);
        } while (v & (m0 ^ m1));
    }

    dictResumeRehashing(d);
    return v;
}
