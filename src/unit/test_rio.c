/* test_rio.c - unit tests for rio.c: buffer and file backends, the
 * running CRC64, chunked progress callbacks and sticky error flags. */
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

int main(void) {
    RUN(buffer_write_then_read);
    RUN(checksum_matches_one_shot_crc64);
    RUN(chunked_progress_callbacks);
    RUN(file_backend_round_trip);
    RUN(fd_backend_writes_everything);
    return TEST_REPORT();
}
