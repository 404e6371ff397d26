/* rio.h - a small stream abstraction for the RDB code: the same save/load
 * functions write to a file, a file descriptor (pipes, sockets) or an
 * in-memory sds buffer (DUMP/RESTORE payloads, serialized sizes).
 *
 * Every byte that goes through rioRead/rioWrite updates the running
 * checksum (when an update_cksum hook is set) and processed_bytes; data is
 * moved in pieces of at most max_processing_chunk so that the hook also
 * serves as a progress callback (loading keeps serving clients with it).
 * Reads are all-or-nothing: a short read is an error.
 */
#ifndef RIO_H
#define RIO_H

#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>
#include "sds.h"

#define RIO_FLAG_READ_ERROR (1 << 0)
#define RIO_FLAG_WRITE_ERROR (1 << 1)

typedef struct rio rio;
struct rio {
    /* Backend operations: return 1 on success, 0 on failure. */
    int (*read)(rio *r, void *buf, size_t len);
    int (*write)(rio *r, const void *buf, size_t len);
    off_t (*tell)(rio *r);
    int (*flush)(rio *r);
    /* Called with every chunk moved (checksum, progress). */
    void (*update_cksum)(rio *r, const void *buf, size_t len);
    uint64_t cksum;
    int flags;                    /* RIO_FLAG_* */
    size_t processed_bytes;
    size_t max_processing_chunk;  /* 0 = no limit */
    void *privdata;               /* for the hook's owner */
    off_t size_hint;              /* total bytes readable when known, else 0:
                                   * bounds allocations for lengths read */
    union {
        struct { sds ptr; off_t pos; } buffer;
        struct {
            FILE *fp;
            off_t pos;            /* stream offset, kept here: ftello()
                                   * costs an lseek() per call */
            off_t buffered;       /* written since the last fsync */
            off_t autosync;       /* fsync every this many bytes, 0 = never */
        } file;
        struct { int fd; off_t pos; sds buf; } fd;
    } io;
};

void rioInitWithBuffer(rio *r, sds s);   /* reads s or appends to it */
void rioInitWithFile(rio *r, FILE *fp);
void rioInitWithFd(rio *r, int fd);      /* write only, buffered */
void rioFreeFd(rio *r);                  /* flushes nothing: call rioFlush first */
void rioSetAutoSync(rio *r, off_t bytes);
void rioGenericUpdateChecksum(rio *r, const void *buf, size_t len); /* CRC64 */

static inline int rioWrite(rio *r, const void *buf, size_t len) {
    const char *p = buf;
    if (r->flags & RIO_FLAG_WRITE_ERROR) return 0;
    while (len) {
        size_t n = (r->max_processing_chunk && r->max_processing_chunk < len)
                       ? r->max_processing_chunk : len;
        if (r->update_cksum) r->update_cksum(r, p, n);
        if (!r->write(r, p, n)) {
            r->flags |= RIO_FLAG_WRITE_ERROR;
            return 0;
        }
        p += n;
        len -= n;
        r->processed_bytes += n;
    }
    return 1;
}

static inline int rioRead(rio *r, void *buf, size_t len) {
    char *p = buf;
    if (r->flags & RIO_FLAG_READ_ERROR) return 0;
    while (len) {
        size_t n = (r->max_processing_chunk && r->max_processing_chunk < len)
                       ? r->max_processing_chunk : len;
        if (!r->read(r, p, n)) {
            r->flags |= RIO_FLAG_READ_ERROR;
            return 0;
        }
        if (r->update_cksum) r->update_cksum(r, p, n);
        p += n;
        len -= n;
        r->processed_bytes += n;
    }
    return 1;
}

static inline off_t rioTell(rio *r) { return r->tell(r); }
static inline int rioFlush(rio *r) { return r->flush(r); }

#endif
