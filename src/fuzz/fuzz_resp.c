/* fuzz_resp.c - libFuzzer target for the request parser (resp.c).
 *
 * The input is split into reads at positions chosen from its first byte, as
 * a socket would deliver it, and fed to the incremental parser the way
 * networking.c does: consumed bytes are dropped from the front, the buffer
 * stays NUL-terminated. The parser must never read outside the buffer,
 * never loop without consuming, and must report arguments whose sizes add
 * up to what it consumed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../resp.h"

typedef struct {
    long argc_declared, argc_seen;
    size_t bytes;
} fuzzCtx;

static void onBegin(void *ctx, long argc) {
    fuzzCtx *f = ctx;
    f->argc_declared = argc;
    f->argc_seen = 0;
}

static void onArg(void *ctx, const char *p, size_t len) {
    fuzzCtx *f = ctx;
    volatile char sink = 0;
    for (size_t i = 0; i < len; i++) sink ^= p[i]; /* touch every byte */
    (void)sink;
    f->argc_seen++;
    f->bytes += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    size_t chunk = (size_t)(data[0] % 17) + 1;
    data++;
    size--;

    respParser p;
    respParserInit(&p, 512 * 1024 * 1024LL);
    p.authenticated = size & 1;
    respCallbacks cb = {onBegin, onArg};
    fuzzCtx f = {0};

    char *buf = malloc(size + 1);
    size_t buflen = 0, fed = 0;
    while (fed < size || buflen > 0) {
        size_t n = size - fed < chunk ? size - fed : chunk;
        memcpy(buf + buflen, data + fed, n);
        fed += n;
        buflen += n;
        buf[buflen] = '\0';
        size_t pos = 0;
        int rc = RESP_PARSE_DONE;
        while (pos < buflen) {
            size_t before = pos;
            rc = respParseRequest(&p, buf, buflen, &pos, &cb, &f);
            if (pos > buflen) abort();
            if (rc == RESP_PARSE_ERROR) break;
            if (rc == RESP_PARSE_DONE) {
                if (f.argc_seen > f.argc_declared) abort();
                respParserReset(&p);
            }
            if (rc == RESP_PARSE_MORE) break;
            if (pos == before && rc == RESP_PARSE_DONE && f.argc_declared != 0) abort();
            if (pos == before) break;
        }
        if (rc == RESP_PARSE_ERROR) break; /* the server closes the client */
        (void)respPendingBulkBytes(&p, buflen - pos);
        memmove(buf, buf + pos, buflen - pos);
        buflen -= pos;
        if (n == 0) break; /* input exhausted, the rest is a partial request */
    }
    free(buf);
    return 0;
}
