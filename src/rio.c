/* rio.c - the rio backends (see rio.h): sds buffer, stdio file with
 * optional periodic fsync, and a write-only file descriptor; plus the
 * read-ahead and write-staging windows shared by all of them. */
#include "rio.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "crc64.h"
#include "zmalloc.h"

#define RIO_FILE_AHEAD (64 * 1024)    /* read-ahead block of a file */
#define RIO_FILE_STAGING (64 * 1024)  /* write staging of a file */
#define RIO_FD_STAGING (16 * 1024)    /* write staging of a descriptor */
/* Reads at least this long (big strings) skip the read-ahead window: the
 * backend reads them straight into place. */
#define RIO_DIRECT_READ 4096

/* ---- the windows --------------------------------------------------------- */

/* Pass len bytes to the hook in max_processing_chunk pieces. */
static void rioRunHooks(rio *r, const unsigned char *p, size_t len) {
    while (len) {
        size_t n = (r->max_processing_chunk && r->max_processing_chunk < len)
                       ? r->max_processing_chunk : len;
        if (r->update_cksum) r->update_cksum(r, p, n);
        p += n;
        len -= n;
        r->processed_bytes += n;
    }
}

void rioSyncHooks(rio *r) {
    if (r->rpos > r->rhooked) {
        size_t from = r->rhooked;
        r->rhooked = r->rpos;
        rioRunHooks(r, r->rbuf + from, r->rpos - from);
    }
    if (r->wlen > r->whooked) {
        size_t from = r->whooked;
        r->whooked = r->wlen;
        rioRunHooks(r, r->wbuf + from, r->wlen - from);
    }
}

/* The unbuffered paths: hook and backend see the caller's pieces. */
static int rioReadDirect(rio *r, unsigned char *p, size_t len) {
    while (len) {
        size_t n = (r->max_processing_chunk && r->max_processing_chunk < len)
                       ? r->max_processing_chunk : len;
        if (!r->read(r, p, n)) {
            r->flags |= RIO_FLAG_READ_ERROR;
            return 0;
        }
        rioRunHooks(r, p, n);
        p += n;
        len -= n;
    }
    return 1;
}

static int rioWriteDirect(rio *r, const unsigned char *p, size_t len) {
    while (len) {
        size_t n = (r->max_processing_chunk && r->max_processing_chunk < len)
                       ? r->max_processing_chunk : len;
        rioRunHooks(r, p, n);
        if (!r->write(r, p, n)) {
            r->flags |= RIO_FLAG_WRITE_ERROR;
            return 0;
        }
        p += n;
        len -= n;
    }
    return 1;
}

/* rioRead() when the window does not hold len bytes (or there is none). */
int rioReadSlow(rio *r, void *buf, size_t len) {
    unsigned char *p = buf;
    if (r->flags & RIO_FLAG_READ_ERROR) return 0;
    if (!r->fill) return rioReadDirect(r, p, len);
    for (;;) {
        size_t n = r->rlen - r->rpos;
        if (n > len) n = len;
        if (n) {
            memcpy(p, r->rbuf + r->rpos, n);
            r->rpos += n;
            p += n;
            len -= n;
        }
        if (!len) return 1;
        /* The window is used up: hook it before it is replaced. */
        rioSyncHooks(r);
        r->rbuf = NULL;
        r->rpos = r->rlen = r->rhooked = 0;
        if (len >= RIO_DIRECT_READ) return rioReadDirect(r, p, len);
        if (!r->fill(r)) {
            r->rbuf = NULL;
            r->rpos = r->rlen = r->rhooked = 0;
            r->flags |= RIO_FLAG_READ_ERROR;
            return 0;
        }
    }
}

/* Hand the staged bytes to the backend. */
static int rioDrain(rio *r) {
    rioSyncHooks(r);
    if (r->wlen && !r->write(r, r->wbuf, r->wlen)) {
        r->flags |= RIO_FLAG_WRITE_ERROR;
        r->wlen = r->whooked = r->wcap = 0; /* every later write fails */
        return 0;
    }
    r->wlen = r->whooked = 0;
    return 1;
}

/* rioWrite() when the staging buffer is full (or there is none). */
int rioWriteSlow(rio *r, const void *buf, size_t len) {
    if (r->flags & RIO_FLAG_WRITE_ERROR) return 0;
    if (!r->wbuf && r->wbuf_want) {
        r->wbuf = zmalloc(r->wbuf_want);
        r->wcap = r->wbuf_want;
    }
    if (!r->wcap) return rioWriteDirect(r, buf, len);
    if (!rioDrain(r)) return 0;
    if (len >= r->wcap) return rioWriteDirect(r, buf, len);
    memcpy(r->wbuf, buf, len);
    r->wlen = len;
    return 1;
}

int rioFlush(rio *r) {
    if (r->flags & RIO_FLAG_WRITE_ERROR) return 0;
    if (r->wlen && !rioDrain(r)) return 0;
    return r->flush(r);
}

static void rioInitCommon(rio *r) {
    memset(r, 0, sizeof(*r));
}

/* ---- buffer ------------------------------------------------------------ */

static int bufferWrite(rio *r, const void *buf, size_t len) {
    r->io.buffer.ptr = sdscatlen(r->io.buffer.ptr, buf, len);
    r->io.buffer.pos += len;
    return 1;
}

static int bufferRead(rio *r, void *buf, size_t len) {
    if (sdslen(r->io.buffer.ptr) - (size_t)r->io.buffer.pos < len) return 0;
    memcpy(buf, r->io.buffer.ptr + r->io.buffer.pos, len);
    r->io.buffer.pos += len;
    return 1;
}

/* The whole rest of the sds is one read-ahead block, no copy. */
static size_t bufferFill(rio *r) {
    size_t left = sdslen(r->io.buffer.ptr) - (size_t)r->io.buffer.pos;
    r->rbuf = (unsigned char *)r->io.buffer.ptr + r->io.buffer.pos;
    r->rlen = left;
    r->io.buffer.pos += (off_t)left;
    return left;
}

static off_t bufferTell(rio *r) { return r->io.buffer.pos; }
static int bufferFlush(rio *r) { (void)r; return 1; }

/* Writes are not staged: callers take io.buffer.ptr as the result. */
void rioInitWithBuffer(rio *r, sds s) {
    rioInitCommon(r);
    r->read = bufferRead;
    r->write = bufferWrite;
    r->tell = bufferTell;
    r->flush = bufferFlush;
    r->fill = bufferFill;
    r->io.buffer.ptr = s;
    r->io.buffer.pos = 0;
    r->size_hint = (off_t)sdslen(s);
}

/* ---- stdio file -------------------------------------------------------- */

/* The file backends keep the offset themselves: the loader asks for it
 * before every string (to bound allocations by what is left to read), and
 * glibc's ftello() on a read stream is an lseek() system call each time,
 * which made loading ~2x slower than stock. A failed transfer leaves the
 * stdio offset unknown, so it is asked for again then. */
static void fileResyncPos(rio *r) {
    off_t pos = ftello(r->io.file.fp);
    r->io.file.pos = pos < 0 ? 0 : pos;
}

static int fileWrite(rio *r, const void *buf, size_t len) {
    if (fwrite(buf, len, 1, r->io.file.fp) != 1) {
        fileResyncPos(r);
        return 0;
    }
    r->io.file.pos += (off_t)len;
    r->io.file.buffered += len;
    /* Sync in steps so the kernel never holds a huge dirty backlog that
     * would stall the disk at the final fsync. */
    if (r->io.file.autosync && r->io.file.buffered >= r->io.file.autosync) {
        if (fflush(r->io.file.fp) != 0) return 0;
        if (fsync(fileno(r->io.file.fp)) == -1 && errno != EINVAL) return 0;
        r->io.file.buffered = 0;
    }
    return 1;
}

static int fileRead(rio *r, void *buf, size_t len) {
    if (fread(buf, len, 1, r->io.file.fp) != 1) {
        fileResyncPos(r);
        return 0;
    }
    r->io.file.pos += (off_t)len;
    return 1;
}

static size_t fileFill(rio *r) {
    if (!r->io.file.ahead) r->io.file.ahead = zmalloc(RIO_FILE_AHEAD);
    size_t n = fread(r->io.file.ahead, 1, RIO_FILE_AHEAD, r->io.file.fp);
    r->io.file.pos += (off_t)n;
    r->rbuf = r->io.file.ahead;
    r->rlen = n;
    return n;
}

static off_t fileTell(rio *r) { return r->io.file.pos; }
static int fileFlush(rio *r) { return fflush(r->io.file.fp) == 0; }

void rioInitWithFile(rio *r, FILE *fp) {
    rioInitCommon(r);
    r->read = fileRead;
    r->write = fileWrite;
    r->tell = fileTell;
    r->flush = fileFlush;
    r->fill = fileFill;
    r->wbuf_want = RIO_FILE_STAGING;
    r->io.file.fp = fp;
    fileResyncPos(r); /* once: the caller may have read or seeked already */
}

void rioSetAutoSync(rio *r, off_t bytes) {
    if (r->write == fileWrite) r->io.file.autosync = bytes;
}

/* ---- file descriptor (write only) -------------------------------------- */

static int fdWrite(rio *r, const void *buf, size_t len) {
    const char *p = buf;
    while (len) {
        ssize_t n = write(r->io.fd.fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return 0;
        }
        p += n;
        len -= (size_t)n;
        r->io.fd.pos += n;
    }
    return 1;
}

static int fdRead(rio *r, void *buf, size_t len) {
    (void)r; (void)buf; (void)len;
    return 0;
}

static off_t fdTell(rio *r) { return r->io.fd.pos; }
static int fdFlush(rio *r) { (void)r; return 1; }

void rioInitWithFd(rio *r, int fd) {
    rioInitCommon(r);
    r->read = fdRead;
    r->write = fdWrite;
    r->tell = fdTell;
    r->flush = fdFlush;
    r->wbuf_want = RIO_FD_STAGING;
    r->io.fd.fd = fd;
}

/* ---- release ----------------------------------------------------------- */

void rioRelease(rio *r) {
    if (r->read == fileRead) {
        size_t unread = r->rlen - r->rpos;
        if (unread && fseeko(r->io.file.fp, -(off_t)unread, SEEK_CUR) == 0)
            r->io.file.pos -= (off_t)unread;
        zfree(r->io.file.ahead);
        r->io.file.ahead = NULL;
    }
    r->rbuf = NULL;
    r->rpos = r->rlen = r->rhooked = 0;
    zfree(r->wbuf);
    r->wbuf = NULL;
    r->wlen = r->wcap = r->whooked = 0;
}

/* ---- checksum ---------------------------------------------------------- */

void rioGenericUpdateChecksum(rio *r, const void *buf, size_t len) {
    r->cksum = crc64(r->cksum, buf, len);
}
