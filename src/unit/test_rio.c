/* test_rio.c - unit tests for rio.c: buffer and file backends, the
 * running CRC64, chunked progress callbacks, sticky error flags, and the
 * read-ahead / write-staging windows with their lazy hooks. */
#include <stdlib.h>
#include <unistd.h>
#include "test_help.h"
#include "../rio.h"
#include "../crc64.h"

TEST(buffer_write_then_read) {
    rio w;
    rioInitWithBuffer(&w, sdsempty());
    TEST_ASSERT(rioWrite(&w, "hello ", 6) && rioWrite(&w, "world", 5));
    TEST_ASSERT(rioTell(&w) == 11 && w.processed_bytes == 11);
    rio r;
    rioInitWithBuffer(&r, w.io.buffer.ptr);
    char buf[16] = {0};
    TEST_ASSERT(rioRead(&r, buf, 5) && memcmp(buf, "hello", 5) == 0);
    TEST_ASSERT(rioRead(&r, buf, 6) && memcmp(buf, " world", 6) == 0);
    /* Past the end: an error, and it sticks. */
    TEST_ASSERT(!rioRead(&r, buf, 1));
    TEST_ASSERT(r.flags & RIO_FLAG_READ_ERROR);
    TEST_ASSERT(r.size_hint == 11);
    sdsfree(w.io.buffer.ptr);
}

TEST(checksum_matches_one_shot_crc64) {
    rio w;
    rioInitWithBuffer(&w, sdsempty());
    w.update_cksum = rioGenericUpdateChecksum;
    w.max_processing_chunk = 3; /* many small pieces */
    TEST_ASSERT(rioWrite(&w, "123456789", 9));
    TEST_ASSERT(w.cksum == 0xe9c6d914c4b8d9caULL);
    rio r;
    rioInitWithBuffer(&r, w.io.buffer.ptr);
    r.update_cksum = rioGenericUpdateChecksum;
    char buf[9];
    TEST_ASSERT(rioRead(&r, buf, 9));
    rioSyncHooks(&r); /* read-ahead hooks lazily */
    TEST_ASSERT(r.cksum == w.cksum);
    sdsfree(w.io.buffer.ptr);
}

static int chunk_calls;
static size_t biggest_chunk;
static void countChunks(rio *r, const void *buf, size_t len) {
    (void)r; (void)buf;
    chunk_calls++;
    if (len > biggest_chunk) biggest_chunk = len;
}

TEST(chunked_progress_callbacks) {
    rio w;
    char data[1000];
    memset(data, 'x', sizeof(data));
    rioInitWithBuffer(&w, sdsempty());
    w.update_cksum = countChunks;
    w.max_processing_chunk = 64;
    chunk_calls = 0;
    biggest_chunk = 0;
    TEST_ASSERT(rioWrite(&w, data, sizeof(data)));
    TEST_ASSERT(chunk_calls == 16 && biggest_chunk == 64);
    sdsfree(w.io.buffer.ptr);
}

TEST(file_backend_round_trip) {
    char path[] = "/tmp/test_rio_XXXXXX";
    int fd = mkstemp(path);
    TEST_ASSERT(fd != -1);
    FILE *fp = fdopen(fd, "w+");
    rio w;
    rioInitWithFile(&w, fp);
    rioSetAutoSync(&w, 4);
    TEST_ASSERT(rioWrite(&w, "abcdefghij", 10) && rioFlush(&w));
    TEST_ASSERT(rioTell(&w) == 10);
    rewind(fp);
    rio r;
    rioInitWithFile(&r, fp);
    char buf[10];
    TEST_ASSERT(rioRead(&r, buf, 10) && memcmp(buf, "abcdefghij", 10) == 0);
    TEST_ASSERT(!rioRead(&r, buf, 1));
    rioRelease(&w);
    rioRelease(&r);
    fclose(fp);
    unlink(path);
}

TEST(fd_backend_writes_everything) {
    int p[2];
    TEST_ASSERT(pipe(p) == 0);
    rio w;
    rioInitWithFd(&w, p[1]);
    TEST_ASSERT(rioWrite(&w, "payload", 7) && rioFlush(&w));
    char buf[8] = {0};
    TEST_ASSERT(read(p[0], buf, 7) == 7 && memcmp(buf, "payload", 7) == 0);
    char tmp[1];
    TEST_ASSERT(!rioRead(&w, tmp, 1)); /* write only */
    rioRelease(&w);
    close(p[0]);
    close(p[1]);
}

/* Write staging: bytes reach the backend in whole blocks, the hook sees
 * them in order and cut at max_processing_chunk, and the checksum equals
 * the one-shot crc once synced. */
TEST(staged_writes_hook_lazily) {
    int p[2];
    TEST_ASSERT(pipe(p) == 0);
    rio w;
    rioInitWithFd(&w, p[1]);
    w.update_cksum = rioGenericUpdateChecksum;
    TEST_ASSERT(rioWrite(&w, "1234", 4) && rioWrite(&w, "56789", 5));
    TEST_ASSERT(rioTell(&w) == 9);          /* logical offset, staged bytes included */
    TEST_ASSERT(w.processed_bytes == 0);     /* not hooked yet */
    rioSyncHooks(&w);
    TEST_ASSERT(w.processed_bytes == 9 && w.cksum == 0xe9c6d914c4b8d9caULL);
    w.update_cksum = NULL;                   /* as rdbSaveRio does for the trailer */
    TEST_ASSERT(rioWrite(&w, "tail", 4) && rioFlush(&w));
    TEST_ASSERT(w.cksum == 0xe9c6d914c4b8d9caULL);
    char buf[16] = {0};
    TEST_ASSERT(read(p[0], buf, 13) == 13 && memcmp(buf, "123456789tail", 13) == 0);
    rioRelease(&w);
    close(p[0]);
    close(p[1]);
}

/* Read-ahead of a file: small reads come out of the window, a big one is
 * read in place, rioTell is the logical offset, the progress hook still
 * runs every max_processing_chunk with rioReadProgress, and rioRelease
 * leaves the FILE where the rio stopped (an AOF's commands follow its RDB
 * preamble there). */
TEST(file_read_ahead_and_release) {
    char path[] = "/tmp/test_rio_ra_XXXXXX";
    int fd = mkstemp(path);
    TEST_ASSERT(fd != -1);
    FILE *fp = fdopen(fd, "w+");
    enum { N = 200000 };
    unsigned char *data = malloc(N), *back = malloc(N);
    for (int i = 0; i < N; i++) data[i] = (unsigned char)(i * 7 + i / 256);
    TEST_ASSERT(fwrite(data, 1, N, fp) == N);
    rewind(fp);
    rio r;
    rioInitWithFile(&r, fp);
    r.update_cksum = countChunks;
    r.max_processing_chunk = 1000;
    chunk_calls = 0;
    biggest_chunk = 0;
    size_t at = 0;
    while (at < 100000) { /* records of 1..13 bytes */
        size_t n = 1 + at % 13;
        TEST_ASSERT(rioRead(&r, back + at, n));
        at += n;
        rioReadProgress(&r);
        TEST_ASSERT(r.processed_bytes + 1000 > at); /* hooked within a chunk */
    }
    TEST_ASSERT(rioRead(&r, back + at, 50000)); /* larger than a window's rest */
    at += 50000;
    TEST_ASSERT(rioTell(&r) == (off_t)at);
    TEST_ASSERT(memcmp(back, data, at) == 0);
    TEST_ASSERT(biggest_chunk <= 1000);
    rioSyncHooks(&r);
    TEST_ASSERT(r.processed_bytes == at);
    rioRelease(&r);
    TEST_ASSERT(ftello(fp) == (off_t)at);
    unsigned char next;
    TEST_ASSERT(fread(&next, 1, 1, fp) == 1 && next == data[at]);
    /* Past the end: an error that sticks. */
    rio e;
    rioInitWithFile(&e, fp);
    TEST_ASSERT(!rioRead(&e, back, N));
    TEST_ASSERT(!rioRead(&e, back, 1) && (e.flags & RIO_FLAG_READ_ERROR));
    rioRelease(&e);
    free(data);
    free(back);
    fclose(fp);
    unlink(path);
}

int main(void) {
    RUN(buffer_write_then_read);
    RUN(checksum_matches_one_shot_crc64);
    RUN(chunked_progress_callbacks);
    RUN(file_backend_round_trip);
    RUN(fd_backend_writes_everything);
    RUN(staged_writes_hook_lazily);
    RUN(file_read_ahead_and_release);
    return TEST_REPORT();
}
