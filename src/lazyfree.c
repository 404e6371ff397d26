/* lazyfree.c - freeing big values and whole databases off the main thread.
 *
 * UNLINK, FLUSHALL ASYNC and the lazyfree-lazy-* options hand memory to a
 * background thread so that releasing millions of allocations never stalls
 * clients. Only objects nobody else references (refcount 1) are handed over:
 * the main thread must never touch them again, which is what makes the
 * unsynchronised free safe. Small values are freed inline, since queueing
 * them would cost more than freeing.
 */
#include "server.h"
#include <pthread.h>

/* Values with more elements than this are worth a thread hop. */
#define LAZYFREE_THRESHOLD 64

typedef struct lazyfreeJob {
    struct lazyfreeJob *next;
    robj *obj;            /* a value to release, or NULL */
    dict *d1, *d2;        /* whole tables to release, or NULL */
    size_t count;         /* objects this job releases (stats) */
} lazyfreeJob;

static pthread_t lazyfree_thread;
static pthread_mutex_t lazyfree_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lazyfree_cond = PTHREAD_COND_INITIALIZER;
static lazyfreeJob *queue_head = NULL, *queue_tail = NULL;
static int lazyfree_started = 0;
static size_t lazyfree_objects = 0;       /* pending, atomically updated */
static size_t lazyfreed_objects = 0;

static void *lazyfreeThreadMain(void *arg) {
    (void)arg;
    while (1) {
        pthread_mutex_lock(&lazyfree_mutex);
        while (queue_head == NULL) pthread_cond_wait(&lazyfree_cond, &lazyfree_mutex);
        lazyfreeJob *job = queue_head;
        queue_head = job->next;
        if (queue_head == NULL) queue_tail = NULL;
        pthread_mutex_unlock(&lazyfree_mutex);

        size_t count = job->count;
        if (job->obj) decrRefCount(job->obj);
        if (job->d1) dictRelease(job->d1);
        if (job->d2) dictRelease(job->d2);
        zfree(job);
        __atomic_sub_fetch(&lazyfree_objects, count, __ATOMIC_RELAXED);
        __atomic_add_fetch(&lazyfreed_objects, count, __ATOMIC_RELAXED);
    }
    return NULL;
}

void lazyfreeInit(void) {
    if (lazyfree_started) return;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 4 * 1024 * 1024);
    if (pthread_create(&lazyfree_thread, &attr, lazyfreeThreadMain, NULL) != 0) {
        serverLog(LL_WARNING, "Fatal: Can't initialize the lazyfree background thread.");
        exit(1);
    }
    pthread_attr_destroy(&attr);
    lazyfree_started = 1;
}

static void submitJob(robj *obj, dict *d1, dict *d2, size_t count) {
    lazyfreeJob *job = zmalloc(sizeof(*job));
    job->next = NULL;
    job->obj = obj;
    job->d1 = d1;
    job->d2 = d2;
    job->count = count;
    __atomic_add_fetch(&lazyfree_objects, count, __ATOMIC_RELAXED);
    pthread_mutex_lock(&lazyfree_mutex);
    if (queue_tail) queue_tail->next = job;
    else queue_head = job;
    queue_tail = job;
    pthread_cond_signal(&lazyfree_cond);
    pthread_mutex_unlock(&lazyfree_mutex);
}

/* How much work freeing this value is, roughly in allocations. Strings are
 * one allocation; aggregate types report their element count once their
 * modules exist (they extend this switch). */
static size_t lazyfreeGetFreeEffort(robj *obj) {
    switch (obj->type) {
    case OBJ_STRING: return 1;
    case OBJ_SET: return obj->encoding == OBJ_ENCODING_HT ? dictSize((dict *)obj->ptr) : 1;
    case OBJ_HASH:
        return obj->encoding == OBJ_ENCODING_HT ? dictSize((dict *)obj->ptr) : 1;
    case OBJ_ZSET:
        return obj->encoding == OBJ_ENCODING_SKIPLIST ? zsetLength(obj) : 1;
    case OBJ_LIST: return ((quicklist *)obj->ptr)->len; /* one per node */
    case OBJ_STREAM: return omapSize(((stream *)obj->ptr)->nodes) + 1;
    default: return 1;
    }
}

void freeObjAsync(robj *key, robj *obj, int dbid) {
    (void)key;
    (void)dbid;
    size_t effort = lazyfreeGetFreeEffort(obj);
    if (effort > LAZYFREE_THRESHOLD && obj->refcount == 1 && lazyfree_started) {
        submitJob(obj, NULL, NULL, 1);
    } else {
        decrRefCount(obj);
    }
}

/* Swap in empty tables and release the old ones in the background. */
void emptyDbAsync(redisDb *db) {
    dict *oldkeys = db->dict, *oldexpires = db->expires;
    db->dict = dictCreate(&dbDictType);
    db->expires = dictCreate(&keyptrDictType);
    if (!lazyfree_started) {
        dictRelease(oldexpires);
        dictRelease(oldkeys);
        return;
    }
    /* Expires first: it shares the key sds owned by the keys table. */
    submitJob(NULL, oldexpires, NULL, 0);
    submitJob(NULL, oldkeys, NULL, dictSize(oldkeys));
}

size_t lazyfreeGetPendingObjectsCount(void) {
    return __atomic_load_n(&lazyfree_objects, __ATOMIC_RELAXED);
}

size_t lazyfreeGetFreedObjectsCount(void) {
    return __atomic_load_n(&lazyfreed_objects, __ATOMIC_RELAXED);
}

void lazyfreeResetStats(void) {
    __atomic_store_n(&lazyfreed_objects, 0, __ATOMIC_RELAXED);
}
