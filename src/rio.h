/* rio.h - a small stream abstraction for the RDB code: the same save/load
 * functions write to a file, a file descriptor (pipes, sockets) or an
 * in-memory sds buffer (DUMP/RESTORE payloads, serialized sizes).
 *
 * Every byte that goes through rioRead/rioWrite is passed to the
 * update_cksum hook (when set: running checksum, loading progress) and
 * counted in processed_bytes, in pieces of at most max_processing_chunk.
 * Reads are all-or-nothing: a short read is an error.
 *
 * The RDB code moves a few bytes at a time (a type byte, a length, a short
 * string), so a call per piece into the backend and the hook cost more
 * than the copying. Two windows keep the common case inline:
 *  - read-ahead: a backend with a fill() operation hands over a block of
 *    bytes (rbuf, rlen) and rioRead() copies out of it;
 *  - write staging: with wbuf_want set, rioWrite() collects bytes in a
 *    buffer of that size and the backend gets whole buffers.
 * The hook then sees those bytes later, in large pieces, but in the same
 * order and cut at the same logical boundaries: whatever was read or
 * written before a rioSyncHooks() call has been hooked when it returns.
 * So call rioSyncHooks() before reading cksum or changing update_cksum.
 * processed_bytes counts hooked bytes; rioTell() is the logical offset.
 */
#ifndef RIO_H
#define RIO_H

#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include "sds.h"

#define RIO_FLAG_READ_ERROR (1 << 0)
#define RIO_FLAG_WRITE_ERROR (1 << 1)

typedef struct rio rio;
struct rio {
    /* Backend operations: return 1 on success, 0 on failure. */
    int (*read)(rio *r, void *buf, size_t len);
    int (*write)(rio *r, const void *buf, size_t len);
    off_t (*tell)(rio *r);        /* the backend's offset (past read-ahead
                                   * and before staged bytes) */
    int (*flush)(rio *r);
    /* Optional read-ahead: point rbuf at the next block of the stream and
     * return its length (rlen), 0 at its end or on error. */
    size_t (*fill)(rio *r);
    /* Called with every chunk moved (checksum, progress). */
    void (*update_cksum)(rio *r, const void *buf, size_t len);
    uint64_t cksum;
    int flags;                    /* RIO_FLAG_* */
    size_t processed_bytes;
    size_t max_processing_chunk;  /* 0 = no limit */
    void *privdata;               /* for the hook's owner */
    off_t size_hint;              /* total bytes readable when known, else 0:
                                   * bounds allocations for lengths read */
    /* Read-ahead window: rbuf[rpos, rlen) not yet read, rbuf[rhooked, rpos)
     * read but not yet passed to the hook. */
    const unsigned char *rbuf;
    size_t rpos, rlen, rhooked;
    /* Write staging: wbuf[0, wlen) not yet written to the backend, of which
     * wbuf[0, whooked) already hooked. wcap is 0 until the first write
     * allocates wbuf_want bytes (and again after a write error). */
    unsigned char *wbuf;
    size_t wlen, wcap, whooked, wbuf_want;
    union {
        struct { sds ptr; off_t pos; } buffer;
        struct {
            FILE *fp;
            off_t pos;            /* stream offset, kept here: ftello()
                                   * costs an lseek() per call */
            off_t buffered;       /* written since the last fsync */
            off_t autosync;       /* fsync every this many bytes, 0 = never */
            unsigned char *ahead; /* read-ahead block (allocated on use) */
        } file;
        struct { int fd; off_t pos; } fd;
    } io;
};

void rioInitWithBuffer(rio *r, sds s);   /* reads s or appends to it */
void rioInitWithFile(rio *r, FILE *fp);  /* call rioRelease when done */
void rioInitWithFd(rio *r, int fd);      /* write only, staged */
/* Frees the windows' memory; flushes nothing (call rioFlush first). A
 * file read with read-ahead is seeked back to the logical offset, so the
 * caller may go on reading the FILE where the rio stopped. */
void rioRelease(rio *r);
void rioSetAutoSync(rio *r, off_t bytes);
void rioGenericUpdateChecksum(rio *r, const void *buf, size_t len); /* CRC64 */

int rioReadSlow(rio *r, void *buf, size_t len);
int rioWriteSlow(rio *r, const void *buf, size_t len);
void rioSyncHooks(rio *r);
int rioFlush(rio *r);

/* The window tests are strict (>), so a rio without a window (rlen, wcap
 * 0) always takes the slow path, even for len 0. */
static inline int rioWrite(rio *r, const void *buf, size_t len) {
    if (r->wcap - r->wlen > len) {
        memcpy(r->wbuf + r->wlen, buf, len);
        r->wlen += len;
        return 1;
    }
    return rioWriteSlow(r, buf, len);
}

static inline int rioRead(rio *r, void *buf, size_t len) {
    if (r->rlen - r->rpos > len) {
        memcpy(buf, r->rbuf + r->rpos, len);
        r->rpos += len;
        return 1;
    }
    return rioReadSlow(r, buf, len);
}

/* For loops reading many small records: the hook runs at least every
 * max_processing_chunk bytes (loading serves clients from it) even while
 * a large read-ahead block lasts. */
static inline void rioReadProgress(rio *r) {
    if (r->max_processing_chunk && r->rpos - r->rhooked >= r->max_processing_chunk)
        rioSyncHooks(r);
}

static inline off_t rioTell(rio *r) {
    return r->tell(r) - (off_t)(r->rlen - r->rpos) + (off_t)r->wlen;
}

#endif
