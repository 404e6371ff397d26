/* rio.c - the rio backends (see rio.h): sds buffer, stdio file with
 * optional periodic fsync, and a buffered write-only file descriptor. */
#include "rio.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "crc64.h"

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

static off_t bufferTell(rio *r) { return r->io.buffer.pos; }
static int bufferFlush(rio *r) { (void)r; return 1; }

static void rioInitCommon(rio *r) {
    memset(r, 0, sizeof(*r));
}

void rioInitWithBuffer(rio *r, sds s) {
    rioInitCommon(r);
    r->read = bufferRead;
    r->write = bufferWrite;
    r->tell = bufferTell;
    r->flush = bufferFlush;
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

static off_t fileTell(rio *r) { return r->io.file.pos; }
static int fileFlush(rio *r) { return fflush(r->io.file.fp) == 0; }

void rioInitWithFile(rio *r, FILE *fp) {
    rioInitCommon(r);
    r->read = fileRead;
    r->write = fileWrite;
    r->tell = fileTell;
    r->flush = fileFlush;
    r->io.file.fp = fp;
    fileResyncPos(r); /* once: the caller may have read or seeked already */
}

void rioSetAutoSync(rio *r, off_t bytes) {
    if (r->write == fileWrite) r->io.file.autosync = bytes;
}

/* ---- file descriptor (write only) -------------------------------------- */

#define RIO_FD_BUFFER (16 * 1024)

static int fdWriteAll(int fd, const char *p, size_t len) {
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return 0;
        }
        p += n;
        len -= (size_t)n;
    }
    return 1;
}

static int fdFlush(rio *r) {
    if (!fdWriteAll(r->io.fd.fd, r->io.fd.buf, sdslen(r->io.fd.buf))) return 0;
    sdsclear(r->io.fd.buf);
    return 1;
}

static int fdWrite(rio *r, const void *buf, size_t len) {
    r->io.fd.buf = sdscatlen(r->io.fd.buf, buf, len);
    r->io.fd.pos += len;
    if (sdslen(r->io.fd.buf) >= RIO_FD_BUFFER) return fdFlush(r);
    return 1;
}

static int fdRead(rio *r, void *buf, size_t len) {
    (void)r; (void)buf; (void)len;
    return 0;
}

static off_t fdTell(rio *r) { return r->io.fd.pos; }

void rioInitWithFd(rio *r, int fd) {
    rioInitCommon(r);
    r->read = fdRead;
    r->write = fdWrite;
    r->tell = fdTell;
    r->flush = fdFlush;
    r->io.fd.fd = fd;
    r->io.fd.buf = sdsempty();
}

void rioFreeFd(rio *r) {
    sdsfree(r->io.fd.buf);
    r->io.fd.buf = NULL;
}

/* ---- checksum ---------------------------------------------------------- */

void rioGenericUpdateChecksum(rio *r, const void *buf, size_t len) {
    r->cksum = crc64(r->cksum, buf, len);
}
