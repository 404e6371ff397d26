/* zmalloc.h - the one allocation wrapper of the server.
 *
 * Every allocation goes through these functions so that `used_memory` (INFO,
 * maxmemory, eviction) is exact: we add the allocator's real usable size of
 * each block, not the size requested. Out of memory aborts with a log line;
 * callers never check for NULL. jemalloc (Debian's, unprefixed) is the
 * default allocator; MALLOC=libc builds with glibc's malloc.
 */
#ifndef ZMALLOC_H
#define ZMALLOC_H

#include <stddef.h>

#if defined(USE_JEMALLOC)
#define ZMALLOC_LIB "jemalloc"
#else
#define ZMALLOC_LIB "libc"
#endif

void *zmalloc(size_t size);
void *zcalloc(size_t size);
void *zrealloc(void *ptr, size_t size);
void *ztrymalloc(size_t size);          /* NULL instead of abort on OOM */
void *ztryrealloc(void *ptr, size_t size);
/* The same, also returning the usable size of the new block. */
void *zmalloc_usable(size_t size, size_t *usable);
void *ztrymalloc_usable(size_t size, size_t *usable);
void zfree(void *ptr);
char *zstrdup(const char *s);
size_t zmalloc_size(void *ptr);         /* usable size of a live block */
size_t zmalloc_used_memory(void);
void zmalloc_set_oom_handler(void (*handler)(size_t));
size_t zmalloc_get_rss(void);           /* from /proc/self/stat */
/* Allocator statistics for INFO memory (jemalloc: from mallctl if available,
 * otherwise approximations). Any pointer may be NULL. */
void zmalloc_get_allocator_info(size_t *allocated, size_t *active, size_t *resident);
size_t zmalloc_get_memory_size(void);   /* physical RAM of the machine */
const char *zmalloc_lib_name(void);     /* "jemalloc-5.3.0" or "libc" */

#endif
