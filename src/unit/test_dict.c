/* test_dict.c - unit tests for dict.c.
 *
 * Keys are plain C strings "k:<n>" owned by the dict (duplicated with
 * zstrdup, freed with zfree); each value is the key's number n stored as a
 * pointer-sized integer, which lets the scan/iteration tests tick off a
 * "seen" array. zmalloc_used_memory() is compared before and after each test
 * that releases its dict, so leaks show up as failures.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dict.h"
#include "zmalloc.h"
#include "unit/test_help.h"

/* ------------------------------------------------------------------------
 * A dictType for C string keys
 * ------------------------------------------------------------------------ */

static uint64_t strHash(const void *key) {
    return dictGenHashFunction(key, strlen(key));
}

static int strEqual(dict *d, const void *a, const void *b) {
    (void)d;
    return strcmp(a, b) == 0;
}

static void *strDup(dict *d, const void *key) {
    (void)d;
    return zstrdup(key);
}

static void strFree(dict *d, void *key) {
    (void)d;
    zfree(key);
}

static dictType strType = {
    .hashFunction = strHash,
    .keyDup = strDup,
    .keyCompare = strEqual,
    .keyDestructor = strFree,
};

/* Same, with a value destructor that counts calls and an expandAllowed hook
 * whose answer the test controls. */
static int val_frees = 0;
static void countValFree(dict *d, void *val) {
    (void)d; (void)val;
    val_frees++;
}

static int allow_expand = 1;
static int expand_asks = 0;
static size_t last_more_mem = 0;
static int expandHook(size_t moreMem, double usedRatio) {
    (void)usedRatio;
    expand_asks++;
    last_more_mem = moreMem;
    return allow_expand;
}

static dictType hookType = {
    .hashFunction = strHash,
    .keyDup = strDup,
    .keyCompare = strEqual,
    .keyDestructor = strFree,
    .valDestructor = countValFree,
    .expandAllowed = expandHook,
};

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static const char *keyName(long n) {
    static char buf[32];
    snprintf(buf, sizeof(buf), "k:%ld", n);
    return buf;
}

#define INTVAL(n) ((void *)(intptr_t)(n))
#define VALINT(de) ((long)(intptr_t)dictGetVal(de))

static void addRange(dict *d, long from, long to) {
    for (long i = from; i < to; i++) dictAdd(d, (void *)keyName(i), INTVAL(i));
}

static void finishRehash(dict *d) {
    while (dictRehash(d, 1000)) {}
}

static int isPow2(unsigned long x) {
    return x && (x & (x - 1)) == 0;
}

static int hasKey(dict *d, long n) {
    dictEntry *de = dictFind(d, keyName(n));
    return de && VALINT(de) == n;
}

/* ------------------------------------------------------------------------
 * Basic operations
 * ------------------------------------------------------------------------ */

#define MANY 100000

TEST(add_find_replace_delete) {
    size_t mem0 = zmalloc_used_memory();
    dict *d = dictCreate(&strType);
    TEST_ASSERT(dictSize(d) == 0);
    TEST_ASSERT(dictFind(d, "nope") == NULL);
    TEST_ASSERT(dictDelete(d, "nope") == DICT_ERR);

    for (long i = 0; i < MANY; i++)
        TEST_ASSERT(dictAdd(d, (void *)keyName(i), INTVAL(i)) == DICT_OK);
    TEST_ASSERT(dictSize(d) == MANY);
    TEST_ASSERT(dictAdd(d, (void *)keyName(7), INTVAL(0)) == DICT_ERR);

    int all_found = 1;
    for (long i = 0; i < MANY; i++) all_found &= hasKey(d, i);
    TEST_ASSERT(all_found);
    TEST_ASSERT(dictFind(d, keyName(MANY)) == NULL);
    TEST_ASSERT(dictFetchValue(d, keyName(123)) == INTVAL(123));

    /* Replace existing keys (returns 0) and add a new one (returns 1). */
    for (long i = 0; i < MANY; i += 3)
        TEST_ASSERT(dictReplace(d, (void *)keyName(i), INTVAL(i + 1)) == 0);
    TEST_ASSERT(dictReplace(d, (void *)keyName(MANY), INTVAL(MANY)) == 1);
    TEST_ASSERT(dictSize(d) == MANY + 1);
    int replaced_ok = 1;
    for (long i = 0; i < MANY; i++) {
        dictEntry *de = dictFind(d, keyName(i));
        replaced_ok &= de && VALINT(de) == (i % 3 == 0 ? i + 1 : i);
    }
    TEST_ASSERT(replaced_ok);

    /* AddOrFind returns the existing entry or a fresh one. */
    dictEntry *de = dictAddOrFind(d, (void *)keyName(5));
    TEST_ASSERT(de && VALINT(de) == 5);
    de = dictAddOrFind(d, "fresh");
    TEST_ASSERT(de && dictGetVal(de) == NULL && dictSize(d) == MANY + 2);
    dictEntry *existing = NULL;
    TEST_ASSERT(dictAddRaw(d, "fresh", &existing) == NULL && existing == de);

    /* Delete the even keys. */
    int del_ok = 1;
    for (long i = 0; i < MANY; i += 2) del_ok &= dictDelete(d, keyName(i)) == DICT_OK;
    TEST_ASSERT(del_ok);
    TEST_ASSERT(dictDelete(d, keyName(0)) == DICT_ERR);
    TEST_ASSERT(dictSize(d) == MANY / 2 + 2);
    int after_del = 1;
    for (long i = 0; i < MANY; i++) {
        dictEntry *e = dictFind(d, keyName(i));
        after_del &= (i % 2 == 0) ? e == NULL : e != NULL;
    }
    TEST_ASSERT(after_del);

    /* Unlink keeps the entry usable until freed. */
    dictEntry *u = dictUnlink(d, keyName(1));
    TEST_ASSERT(u && strcmp(dictGetKey(u), "k:1") == 0);
    TEST_ASSERT(dictFind(d, keyName(1)) == NULL);
    dictFreeUnlinkedEntry(d, u);
    TEST_ASSERT(dictUnlink(d, keyName(1)) == NULL);

    dictRelease(d);
    TEST_ASSERT(zmalloc_used_memory() == mem0);
}

TEST(replace_frees_old_value_once) {
    size_t mem0 = zmalloc_used_memory();
    allow_expand = 1;
    val_frees = 0;
    dict *d = dictCreate(&hookType);
    dictAdd(d, "a", INTVAL(1));
    TEST_ASSERT(dictReplace(d, "a", INTVAL(2)) == 0);
    TEST_ASSERT(val_frees == 1);
    TEST_ASSERT(dictFetchValue(d, "a") == INTVAL(2));
    dictDelete(d, "a");
    TEST_ASSERT(val_frees == 2);
    dictRelease(d);
    TEST_ASSERT(zmalloc_used_memory() == mem0);
}

TEST(hash_functions) {
    TEST_ASSERT(dictGenCaseHashFunction((const unsigned char *)"HeLLo", 5) ==
                dictGenHashFunction("hello", 5));
    TEST_ASSERT(dictGenHashFunction("Hello", 5) != dictGenHashFunction("hello", 5));

    uint8_t saved[16], other[16];
    memcpy(saved, dictGetHashFunctionSeed(), 16);
    uint64_t before = dictGenHashFunction("hello", 5);
    for (int i = 0; i < 16; i++) other[i] = (uint8_t)(saved[i] ^ (0x5a + i));
    dictSetHashFunctionSeed(other);
    TEST_ASSERT(memcmp(dictGetHashFunctionSeed(), other, 16) == 0);
    TEST_ASSERT(dictGenHashFunction("hello", 5) != before);
    dictSetHashFunctionSeed(saved);
    TEST_ASSERT(dictGenHashFunction("hello", 5) == before);

    dict *d = dictCreate(&strType);
    TEST_ASSERT(dictGetHash(d, "xyz") == dictGenHashFunction("xyz", 3));
    dictRelease(d);
}

/* ------------------------------------------------------------------------
 * Sizing policy
 * ------------------------------------------------------------------------ */

TEST(growth_policy) {
    dict *d = dictCreate(&strType);
    TEST_ASSERT(dictSlots(d) == 0);
    addRange(d, 0, 4);
    TEST_ASSERT(dictSlots(d) == 4 && !dictIsRehashing(d));
    addRange(d, 4, 5); /* used == size: grows to next power of two >= 5 */
    TEST_ASSERT(dictIsRehashing(d) || dictSlots(d) == 8);
    finishRehash(d);
    TEST_ASSERT(dictSlots(d) == 8);

    /* After many inserts the table is a power of two, load factor <= 1. */
    addRange(d, 5, 5000);
    finishRehash(d);
    TEST_ASSERT(isPow2(dictSlots(d)) && dictSlots(d) >= 5000 && dictSlots(d) < 10000);

    /* Shrink to max(used, 4) rounded up. */
    for (long i = 100; i < 5000; i++) dictDelete(d, keyName(i));
    finishRehash(d);
    TEST_ASSERT(dictResize(d) == DICT_OK);
    finishRehash(d);
    TEST_ASSERT(dictSlots(d) == 128);
    for (long i = 3; i < 100; i++) dictDelete(d, keyName(i));
    TEST_ASSERT(dictResize(d) == DICT_OK);
    finishRehash(d);
    TEST_ASSERT(dictSlots(d) == 4 && dictSize(d) == 3);
    TEST_ASSERT(dictResize(d) == DICT_ERR); /* already the right size */
    dictRelease(d);

    /* dictExpand rounds up; it refuses sizes below the element count and
     * a second resize while one is running. */
    d = dictCreate(&strType);
    TEST_ASSERT(dictExpand(d, 1000) == DICT_OK && dictSlots(d) == 1024);
    TEST_ASSERT(!dictIsRehashing(d));
    addRange(d, 0, 10);
    TEST_ASSERT(dictExpand(d, 5) == DICT_ERR);
    TEST_ASSERT(dictTryExpand(d, 4096) == DICT_OK && dictIsRehashing(d));
    TEST_ASSERT(dictExpand(d, 8192) == DICT_ERR);
    finishRehash(d);
    TEST_ASSERT(dictSlots(d) == 4096);
    TEST_ASSERT(dictMemUsage(d) >= 4096 * sizeof(dictEntry *) + 10 * sizeof(dictEntry));
    dictRelease(d);
}

TEST(resize_disabled_forces_past_ratio) {
    dict *d = dictCreate(&strType);
    dictDisableResize();
    addRange(d, 0, 24); /* 24/4 = 6 only reached after the 24th insert */
    TEST_ASSERT(dictSlots(d) == 4 && !dictIsRehashing(d));
    TEST_ASSERT(dictResize(d) == DICT_ERR);
    addRange(d, 24, 25); /* 24/4 > 5: forced growth */
    TEST_ASSERT(dictSlots(d) > 4);
    finishRehash(d);
    TEST_ASSERT(dictSlots(d) == 32);
    dictEnableResize();
    int ok = 1;
    for (long i = 0; i < 25; i++) ok &= hasKey(d, i);
    TEST_ASSERT(ok);
    dictRelease(d);
}

TEST(expand_allowed_refusal) {
    size_t mem0 = zmalloc_used_memory();
    dict *d = dictCreate(&hookType);
    allow_expand = 0;
    expand_asks = 0;
    addRange(d, 0, 4); /* the initial table needs no permission */
    TEST_ASSERT(expand_asks == 0 && dictSlots(d) == 4);
    addRange(d, 4, 100);
    TEST_ASSERT(expand_asks > 0);
    TEST_ASSERT(dictSlots(d) == 4 && !dictIsRehashing(d)); /* even past ratio 5 */
    TEST_ASSERT(dictSize(d) == 100);
    int ok = 1;
    for (long i = 0; i < 100; i++) ok &= hasKey(d, i);
    TEST_ASSERT(ok);

    /* Once allowed, the next insert grows to fit everything. */
    allow_expand = 1;
    addRange(d, 100, 101);
    TEST_ASSERT(last_more_mem == 128 * sizeof(dictEntry *));
    finishRehash(d);
    TEST_ASSERT(dictSlots(d) == 128);
    dictRelease(d);
    TEST_ASSERT(zmalloc_used_memory() == mem0);
}

TEST(rehash_milliseconds_and_pause) {
    dict *d = dictCreate(&strType);
    addRange(d, 0, 20000);
    finishRehash(d);
    TEST_ASSERT(dictExpand(d, 1 << 17) == DICT_OK && dictIsRehashing(d));
    dictPauseRehashing(d);
    TEST_ASSERT(dictRehashMilliseconds(d, 10) == 0);
    long idx = d->rehashidx;
    dictFind(d, keyName(1)); /* paused: no step */
    TEST_ASSERT(d->rehashidx == idx);
    dictResumeRehashing(d);
    dictFind(d, keyName(1)); /* one step */
    TEST_ASSERT(d->rehashidx > idx || !dictIsRehashing(d));
    long long start = 0;
    while (dictIsRehashing(d) && start++ < 1000) dictRehashMilliseconds(d, 100);
    TEST_ASSERT(!dictIsRehashing(d) && dictSlots(d) == (1 << 17));
    TEST_ASSERT(dictSize(d) == 20000);
    dictRelease(d);
}

TEST(rehash_empty_visit_limit) {
    /* One key in a big, otherwise empty table, placed far from bucket 0:
     * dictRehash(d, n) must stop after n*10 empty buckets. */
    dict *d = dictCreate(&strType);
    TEST_ASSERT(dictExpand(d, 1 << 14) == DICT_OK);
    unsigned long mask = (1 << 14) - 1;
    long n = 0;
    while ((dictGenHashFunction(keyName(n), strlen(keyName(n))) & mask) < 2000) n++;
    addRange(d, n, n + 1);
    TEST_ASSERT(dictExpand(d, 1 << 15) == DICT_OK && dictIsRehashing(d));
    TEST_ASSERT(dictRehash(d, 1) == 1 && d->rehashidx == 10);
    TEST_ASSERT(dictRehash(d, 100) == 1 && d->rehashidx == 1010);
    finishRehash(d);
    TEST_ASSERT(!dictIsRehashing(d) && dictSlots(d) == (1 << 15) && hasKey(d, n));
    TEST_ASSERT(dictRehash(d, 1) == 0);
    dictRelease(d);
}

static int empty_calls;
static void countEmptyCallback(dict *d) {
    (void)d;
    empty_calls++;
}

TEST(empty_with_callback) {
    size_t mem0 = zmalloc_used_memory();
    dict *d = dictCreate(&strType);
    addRange(d, 0, 200000);
    finishRehash(d);
    TEST_ASSERT(dictSlots(d) == 262144);
    empty_calls = 0;
    dictEmpty(d, countEmptyCallback);
    /* Once per 65536 buckets while entries remain. */
    TEST_ASSERT(empty_calls >= 2 && empty_calls <= 4);
    TEST_ASSERT(dictSize(d) == 0 && dictSlots(d) == 0 && !dictIsRehashing(d));
    addRange(d, 0, 10); /* still usable */
    TEST_ASSERT(dictSize(d) == 10 && hasKey(d, 9));
    dictEmpty(d, NULL);
    dictRelease(d);
    TEST_ASSERT(zmalloc_used_memory() == mem0);
}

/* ------------------------------------------------------------------------
 * Iterators
 * ------------------------------------------------------------------------ */

/* Iterate and check each of keys 0..n-1 comes back exactly once. */
static int iterateExactlyOnce(dict *d, int safe, long n) {
    unsigned char *seen = calloc((size_t)n, 1);
    dictIterator *it = safe ? dictGetSafeIterator(d) : dictGetIterator(d);
    dictEntry *de;
    long count = 0;
    int ok = 1;
    while ((de = dictNext(it)) != NULL) {
        long v = VALINT(de);
        if (v < 0 || v >= n || seen[v]) ok = 0;
        else seen[v] = 1;
        count++;
    }
    dictReleaseIterator(it);
    free(seen);
    return ok && count == n;
}

TEST(iterate_during_rehash) {
    dict *d = dictCreate(&strType);
    dictIterator *it = dictGetIterator(d);
    TEST_ASSERT(dictNext(it) == NULL);
    dictReleaseIterator(it);

    addRange(d, 0, 1000);
    finishRehash(d);
    TEST_ASSERT(iterateExactlyOnce(d, 0, 1000));
    TEST_ASSERT(dictExpand(d, 4096) == DICT_OK);
    dictRehash(d, 50);
    TEST_ASSERT(dictIsRehashing(d) && d->ht_used[0] > 0 && d->ht_used[1] > 0);
    long idx = d->rehashidx;
    TEST_ASSERT(iterateExactlyOnce(d, 0, 1000));
    TEST_ASSERT(iterateExactlyOnce(d, 1, 1000));
    TEST_ASSERT(d->rehashidx == idx && d->pauserehash == 0);

    /* Same while shrinking. */
    finishRehash(d);
    for (long i = 500; i < 1000; i++) dictDelete(d, keyName(i));
    TEST_ASSERT(dictResize(d) == DICT_OK);
    dictRehash(d, 20);
    TEST_ASSERT(dictIsRehashing(d));
    TEST_ASSERT(iterateExactlyOnce(d, 0, 500));
    TEST_ASSERT(iterateExactlyOnce(d, 1, 500));
    dictRelease(d);
}

TEST(safe_iterator_delete) {
    size_t mem0 = zmalloc_used_memory();
    dict *d = dictCreate(&strType);
    addRange(d, 0, 10000);
    finishRehash(d);
    TEST_ASSERT(dictExpand(d, 1 << 16) == DICT_OK);
    dictRehash(d, 100);
    TEST_ASSERT(dictIsRehashing(d));
    long idx = d->rehashidx;

    dictIterator *it = dictGetSafeIterator(d);
    dictEntry *de;
    long visited = 0;
    int lookups_ok = 1;
    while ((de = dictNext(it)) != NULL) {
        long v = VALINT(de);
        visited++;
        if (v % 2 == 0) {
            dictDelete(d, dictGetKey(de));
        } else {
            lookups_ok &= dictFind(d, keyName(v)) == de;
        }
        /* Deleting and looking up must not move entries under us. */
        if (d->rehashidx != idx) lookups_ok = 0;
    }
    dictReleaseIterator(it);
    TEST_ASSERT(lookups_ok);
    TEST_ASSERT(visited == 10000);
    TEST_ASSERT(dictSize(d) == 5000 && d->pauserehash == 0);
    int remaining_ok = 1;
    for (long i = 0; i < 10000; i++)
        remaining_ok &= (i % 2) ? hasKey(d, i) : dictFind(d, keyName(i)) == NULL;
    TEST_ASSERT(remaining_ok);
    dictRelease(d);
    TEST_ASSERT(zmalloc_used_memory() == mem0);
}

TEST(unsafe_iterator_misuse_aborts) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* Child: modify the dict under an unsafe iterator. */
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 2);
        dict *d = dictCreate(&strType);
        addRange(d, 0, 100);
        dictIterator *it = dictGetIterator(d);
        dictNext(it);
        dictAdd(d, "intruder", NULL);
        dictReleaseIterator(it); /* must assert */
        _exit(0);
    }
    int status = 0;
    TEST_ASSERT(pid > 0 && waitpid(pid, &status, 0) == pid);
    TEST_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

/* ------------------------------------------------------------------------
 * dictScan
 * ------------------------------------------------------------------------ */

typedef struct scanSeen {
    unsigned char *seen;
    long cap;
    long calls; /* callback invocations */
} scanSeen;

static void markSeen(void *privdata, const dictEntry *de) {
    scanSeen *s = privdata;
    long v = (long)(intptr_t)de->v.val;
    if (v >= 0 && v < s->cap) s->seen[v] = 1;
    s->calls++;
}

static scanSeen *newSeen(long cap) {
    scanSeen *s = calloc(1, sizeof(*s));
    s->seen = calloc((size_t)cap, 1);
    s->cap = cap;
    return s;
}

static void freeSeen(scanSeen *s) {
    free(s->seen);
    free(s);
}

/* Were all keys n with from <= n < to and keep(n) seen? */
static int allSeen(scanSeen *s, long from, long to, int modulo) {
    for (long i = from; i < to; i++)
        if (i % modulo == 0 && !s->seen[i]) return 0;
    return 1;
}

TEST(scan_without_resize) {
    dict *d = dictCreate(&strType);
    scanSeen *s = newSeen(10000);
    TEST_ASSERT(dictScan(d, 0, markSeen, s) == 0 && s->calls == 0);

    addRange(d, 0, 10000);
    finishRehash(d);
    unsigned long v = 0, calls = 0;
    do {
        v = dictScan(d, v, markSeen, s);
        calls++;
    } while (v != 0 && calls < 10000000);
    /* One bucket per call when not rehashing; each element exactly once. */
    TEST_ASSERT(calls == dictSlots(d));
    TEST_ASSERT(allSeen(s, 0, 10000, 1) && s->calls == 10000);
    freeSeen(s);
    dictRelease(d);
}

TEST(scan_grow_midscan) {
    const long N = 5000;
    dict *d = dictCreate(&strType);
    addRange(d, 0, N);
    finishRehash(d);
    scanSeen *s = newSeen(N);
    unsigned long v = 0, calls = 0, during_rehash = 0;
    do {
        v = dictScan(d, v, markSeen, s);
        calls++;
        if (calls == 100) {
            /* Explicit grow: the scan continues across both tables. */
            TEST_ASSERT(dictExpand(d, dictSlots(d) * 4) == DICT_OK);
        } else if (calls == 2000) {
            /* Natural growth from inserts, possibly mid-rehash. */
            addRange(d, N, 8 * N);
        }
        if (dictIsRehashing(d)) {
            during_rehash++;
            if (calls % 2) dictRehash(d, 1);
        }
    } while (v != 0 && calls < 10000000);
    TEST_ASSERT(v == 0);
    TEST_ASSERT(during_rehash > 0);
    TEST_ASSERT(allSeen(s, 0, N, 1));
    freeSeen(s);
    dictRelease(d);
}

TEST(scan_shrink_midscan) {
    const long N = 20000;
    dict *d = dictCreate(&strType);
    addRange(d, 0, N);
    finishRehash(d);
    scanSeen *s = newSeen(N);
    unsigned long v = 0, calls = 0, during_rehash = 0;
    do {
        v = dictScan(d, v, markSeen, s);
        calls++;
        if (calls == 300) {
            /* Keep every 10th key, drop the rest, shrink the table. */
            for (long i = 0; i < N; i++)
                if (i % 10) dictDelete(d, keyName(i));
            finishRehash(d);
            TEST_ASSERT(dictResize(d) == DICT_OK && dictIsRehashing(d));
        }
        if (dictIsRehashing(d)) {
            during_rehash++;
            if (calls % 3 == 0) dictRehash(d, 1);
        }
    } while (v != 0 && calls < 10000000);
    TEST_ASSERT(v == 0);
    TEST_ASSERT(during_rehash > 0);
    TEST_ASSERT(allSeen(s, 0, N, 10));
    finishRehash(d);
    TEST_ASSERT(dictSlots(d) == 2048);
    freeSeen(s);
    dictRelease(d);
}

/* Random grows, shrinks, inserts, deletes and rehash steps between scan
 * calls; keys 0..P-1 are never removed and must all be reported. */
TEST(scan_random_resizes) {
    const long P = 2000;
    int complete = 1, terminated = 1;
    for (unsigned seed = 1; seed <= 10; seed++) {
        srandom(seed);
        dict *d = dictCreate(&strType);
        addRange(d, 0, P);
        long tlo = 1000000, thi = 1000000; /* live transient keys */
        addRange(d, thi, thi + (long)(random() % 5000));
        thi += 5000;
        scanSeen *s = newSeen(P);
        unsigned long v = 0, calls = 0;
        do {
            v = dictScan(d, v, markSeen, s);
            calls++;
            switch (random() % 10) {
            case 0: addRange(d, thi, thi + 100); thi += 100; break;
            case 1:
                for (int k = 0; k < 100 && tlo < thi; k++) dictDelete(d, keyName(tlo++));
                break;
            case 2: dictResize(d); break;
            case 3:
                /* Bounded, so the scan (one bucket per call) stays quick. */
                if (dictSlots(d) < 65536) dictExpand(d, dictSize(d) * 4);
                break;
            case 4: case 5: case 6: dictRehash(d, 1 + (int)(random() % 4)); break;
            default: break;
            }
        } while (v != 0 && calls < 10000000);
        terminated &= v == 0;
        complete &= allSeen(s, 0, P, 1);
        freeSeen(s);
        dictRelease(d);
    }
    TEST_ASSERT(terminated);
    TEST_ASSERT(complete);
}

/* ------------------------------------------------------------------------
 * Random sampling
 * ------------------------------------------------------------------------ */

/* Every sampled entry must be a live entry of the dict. */
static int samplesAreLive(dict *d) {
    int ok = 1;
    for (int i = 0; i < 300; i++) {
        dictEntry *de = dictGetRandomKey(d);
        ok &= de && dictFind(d, dictGetKey(de)) == de;
        de = dictGetFairRandomKey(d);
        ok &= de && dictFind(d, dictGetKey(de)) == de;
    }
    dictEntry *des[50];
    for (int i = 0; i < 50; i++) {
        unsigned int n = dictGetSomeKeys(d, des, 50);
        ok &= n > 0 && n <= 50;
        for (unsigned int j = 0; j < n; j++)
            ok &= dictFind(d, dictGetKey(des[j])) == des[j];
    }
    return ok;
}

TEST(random_sampling) {
    dict *d = dictCreate(&strType);
    dictEntry *des[10];
    TEST_ASSERT(dictGetRandomKey(d) == NULL);
    TEST_ASSERT(dictGetFairRandomKey(d) == NULL);
    TEST_ASSERT(dictGetSomeKeys(d, des, 10) == 0);

    addRange(d, 0, 1000);
    finishRehash(d);
    TEST_ASSERT(samplesAreLive(d));

    /* While growing. */
    TEST_ASSERT(dictExpand(d, 1 << 14) == DICT_OK);
    dictRehash(d, 10);
    TEST_ASSERT(dictIsRehashing(d));
    TEST_ASSERT(samplesAreLive(d));

    /* While shrinking, from a sparse table. */
    finishRehash(d);
    for (long i = 100; i < 1000; i++) dictDelete(d, keyName(i));
    TEST_ASSERT(dictResize(d) == DICT_OK);
    dictRehash(d, 3);
    TEST_ASSERT(dictIsRehashing(d));
    TEST_ASSERT(samplesAreLive(d));
    finishRehash(d);

    /* Asking for more than exist returns at most what exists. */
    dictEntry *many[200];
    TEST_ASSERT(dictGetSomeKeys(d, many, 200) <= 100);

    /* Every key eventually comes up. */
    unsigned char seen_plain[100] = {0}, seen_fair[100] = {0};
    for (int i = 0; i < 20000; i++) {
        seen_plain[VALINT(dictGetRandomKey(d))] = 1;
        seen_fair[VALINT(dictGetFairRandomKey(d))] = 1;
    }
    int all_plain = 1, all_fair = 1;
    for (int i = 0; i < 100; i++) {
        all_plain &= seen_plain[i];
        all_fair &= seen_fair[i];
    }
    TEST_ASSERT(all_plain && all_fair);
    dictRelease(d);
}

int main(void) {
    uint8_t seed[16];
    for (int i = 0; i < 16; i++) seed[i] = (uint8_t)(i * 37 + 11);
    dictSetHashFunctionSeed(seed);

    RUN(add_find_replace_delete);
    RUN(replace_frees_old_value_once);
    RUN(hash_functions);
    RUN(growth_policy);
    RUN(resize_disabled_forces_past_ratio);
    RUN(expand_allowed_refusal);
    RUN(rehash_milliseconds_and_pause);
    RUN(rehash_empty_visit_limit);
    RUN(empty_with_callback);
    RUN(iterate_during_rehash);
    RUN(safe_iterator_delete);
    RUN(unsafe_iterator_misuse_aborts);
    RUN(scan_without_resize);
    RUN(scan_grow_midscan);
    RUN(scan_shrink_midscan);
    RUN(scan_random_resizes);
    RUN(random_sampling);
    return TEST_REPORT();
}
