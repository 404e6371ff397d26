/* zmalloc.c - allocation wrapper with exact memory accounting.
 *
 * Every block the server allocates goes through here. We keep one atomic
 * counter of the allocator's *usable* size of each live block (as reported by
 * malloc_usable_size(), which both glibc and Debian's unprefixed jemalloc
 * provide), so `used_memory` in INFO and the maxmemory logic see what the
 * allocator really handed out, not what callers asked for.
 *
 * Allocation failure is not recoverable for callers: z* functions call the
 * OOM handler (which by default logs and aborts). The ztry* variants return
 * NULL instead, for the few places that can degrade gracefully.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stdatomic.h>
#include <unistd.h>
#include <fcntl.h>

#if defined(USE_JEMALLOC)
#include <jemalloc/jemalloc.h>
#else
#include <malloc.h>
#endif

#include "zmalloc.h"

static atomic_size_t used_memory = 0;

static void default_oom_handler(size_t size) {
    fprintf(stderr, "zmalloc: Out of memory trying to allocate %zu bytes\n", size);
    fflush(stderr);
    abort();
}

static void (*oom_handler)(size_t) = default_oom_handler;

void zmalloc_set_oom_handler(void (*handler)(size_t)) {
    oom_handler = handler ? handler : default_oom_handler;
}

size_t zmalloc_size(void *ptr) {
    return ptr ? malloc_usable_size(ptr) : 0;
}

static inline size_t account_alloc(void *ptr) {
    size_t usable = malloc_usable_size(ptr);
    atomic_fetch_add_explicit(&used_memory, usable, memory_order_relaxed);
    return usable;
}

static inline void account_free(size_t usable) {
    atomic_fetch_sub_explicit(&used_memory, usable, memory_order_relaxed);
}

void *ztrymalloc(size_t size) {
    void *ptr = malloc(size);
    if (ptr) account_alloc(ptr);
    return ptr;
}

/* Like ztrymalloc, also telling the block's usable size: the accounting
 * asks the allocator for it anyway, and callers that use the slack (sds)
 * would otherwise ask a second time, which costs as much as the malloc. */
void *ztrymalloc_usable(size_t size, size_t *usable) {
    void *ptr = malloc(size);
    if (ptr) *usable = account_alloc(ptr);
    return ptr;
}

void *zmalloc_usable(size_t size, size_t *usable) {
    void *ptr = ztrymalloc_usable(size, usable);
    if (!ptr) oom_handler(size);
    return ptr;
}

void *zmalloc(size_t size) {
    void *ptr = ztrymalloc(size);
    if (!ptr) oom_handler(size);
    return ptr;
}

void *zcalloc(size_t size) {
    void *ptr = calloc(1, size);
    if (!ptr) {
        oom_handler(size);
        return NULL;
    }
    account_alloc(ptr);
    return ptr;
}

/* realloc with the conventional edge cases: a NULL pointer allocates, a zero
 * size frees and returns NULL. On failure the old block stays valid. */
void *ztryrealloc(void *ptr, size_t size) {
    if (ptr == NULL) return ztrymalloc(size);
    if (size == 0) {
        zfree(ptr);
        return NULL;
    }
    size_t oldsize = malloc_usable_size(ptr);
    void *newptr = realloc(ptr, size);
    if (newptr == NULL) return NULL;
    account_free(oldsize);
    account_alloc(newptr);
    return newptr;
}

void *zrealloc(void *ptr, size_t size) {
    void *newptr = ztryrealloc(ptr, size);
    if (newptr == NULL && size != 0) oom_handler(size);
    return newptr;
}

void zfree(void *ptr) {
    if (ptr == NULL) return;
    account_free(malloc_usable_size(ptr));
    free(ptr);
}

char *zstrdup(const char *s) {
    size_t len = strlen(s) + 1;
    char *copy = zmalloc(len);
    memcpy(copy, s, len);
    return copy;
}

size_t zmalloc_used_memory(void) {
    return atomic_load_explicit(&used_memory, memory_order_relaxed);
}

/* Resident set size: field 24 of /proc/self/stat is the RSS in pages. */
size_t zmalloc_get_rss(void) {
    char buf[4096];
    int fd = open("/proc/self/stat", O_RDONLY);
    if (fd == -1) return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';

    /* The command name (field 2) may contain spaces; skip past its ')'. */
    char *p = strrchr(buf, ')');
    if (!p) return 0;
    p++;
    /* After ')' we are just before field 3; advance to field 24. */
    for (int field = 3; field < 24 && p; field++) {
        p = strchr(p + 1, ' ');
    }
    if (!p) return 0;
    long long pages = strtoll(p + 1, NULL, 10);
    if (pages < 0) return 0;
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

#if defined(USE_JEMALLOC)
static int jemalloc_stat(const char *name, size_t *out) {
    size_t sz = sizeof(size_t);
    return mallctl(name, out, &sz, NULL, 0) == 0;
}
#endif

void zmalloc_get_allocator_info(size_t *allocated, size_t *active, size_t *resident) {
    size_t used = zmalloc_used_memory();
    size_t a = used, act = used, res = 0;
#if defined(USE_JEMALLOC)
    /* jemalloc caches its statistics; bumping the epoch refreshes them. */
    uint64_t epoch = 1;
    size_t esz = sizeof(epoch);
    mallctl("epoch", &epoch, &esz, &epoch, esz);
    if (!jemalloc_stat("stats.allocated", &a)) a = used;
    if (!jemalloc_stat("stats.active", &act)) act = a;
    if (!jemalloc_stat("stats.resident", &res)) res = zmalloc_get_rss();
#else
    res = zmalloc_get_rss();
#endif
    if (allocated) *allocated = a;
    if (active) *active = act;
    if (resident) *resident = res;
}

size_t zmalloc_get_memory_size(void) {
    long pages = sysconf(_SC_PHYS_PAGES);
    long pagesize = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || pagesize <= 0) return 0;
    return (size_t)pages * (size_t)pagesize;
}

const char *zmalloc_lib_name(void) {
#if defined(USE_JEMALLOC)
    static char name[64];
    if (name[0] == '\0') {
        const char *version = NULL;
        size_t sz = sizeof(version);
        if (mallctl("version", &version, &sz, NULL, 0) != 0 || version == NULL)
            version = JEMALLOC_VERSION;
        /* "5.3.0-0-g<hash>": INFO only shows the release number. */
        size_t n = strcspn(version, "-");
        snprintf(name, sizeof(name), "jemalloc-%.*s", (int)n, version);
    }
    return name;
#else
    return "libc";
#endif
}
