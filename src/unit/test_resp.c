/* test_resp.c - unit tests for the request parser (resp.c): whole and
 * split multibulk requests, inline commands, and every protocol error with
 * Redis's exact text. */
#include <stdlib.h>
#include "test_help.h"
#include "../resp.h"
#include "../sds.h"
#include "../zmalloc.h"

typedef struct collected {
    long declared;
    int argc;
    sds argv[64];
    int commands;
} collected;

static void onBegin(void *ctx, long argc) {
    collected *c = ctx;
    c->declared = argc;
    c->commands++;
}

static void onArg(void *ctx, const char *p, size_t len) {
    collected *c = ctx;
    if (c->argc < 64) c->argv[c->argc++] = sdsnewlen(p, len);
}

static const respCallbacks cbs = { onBegin, onArg };

static void resetCollected(collected *c) {
    for (int j = 0; j < c->argc; j++) sdsfree(c->argv[j]);
    memset(c, 0, sizeof(*c));
}

/* Parse all of buf; returns the last status. */
static int parseAll(respParser *p, const char *buf, size_t len, size_t *pos, collected *c) {
    int r;
    do {
        r = respParseRequest(p, buf, len, pos, &cbs, c);
    } while (r == RESP_PARSE_DONE && *pos < len);
    return r;
}

static int parseErr(const char *buf, int authenticated, const char *expect) {
    respParser p;
    collected c = {0};
    size_t pos = 0;
    respParserInit(&p, 512*1024*1024LL);
    p.authenticated = authenticated;
    int r = parseAll(&p, buf, strlen(buf), &pos, &c);
    resetCollected(&c);
    if (r != RESP_PARSE_ERROR) return 0;
    if (strcmp(p.err, expect) != 0) {
        fprintf(stderr, "  got error '%s', expected '%s'\n", p.err, expect);
        return 0;
    }
    return 1;
}

TEST(multibulk_whole) {
    respParser p;
    collected c = {0};
    size_t pos = 0;
    const char *req = "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$0\r\n\r\n";
    respParserInit(&p, 512*1024*1024LL);
    p.authenticated = 1;
    TEST_ASSERT(respParseRequest(&p, req, strlen(req), &pos, &cbs, &c) == RESP_PARSE_DONE);
    TEST_ASSERT(pos == strlen(req));
    TEST_ASSERT(c.argc == 3 && c.declared == 3);
    TEST_ASSERT(!strcmp(c.argv[0], "SET") && !strcmp(c.argv[1], "a") && sdslen(c.argv[2]) == 0);
    resetCollected(&c);
}

/* Feeding the request one byte at a time must give the same result. */
TEST(multibulk_byte_by_byte) {
    respParser p;
    collected c = {0};
    const char *req = "*2\r\n$4\r\nECHO\r\n$12\r\nhello\r\nworld\r\n";
    size_t len = strlen(req), pos = 0;
    int r = RESP_PARSE_MORE;
    respParserInit(&p, 512*1024*1024LL);
    p.authenticated = 1;
    for (size_t avail = 1; avail <= len && r == RESP_PARSE_MORE; avail++) {
        sds buf = sdsnewlen(req, avail);
        r = respParseRequest(&p, buf, avail, &pos, &cbs, &c);
        sdsfree(buf);
    }
    TEST_ASSERT(r == RESP_PARSE_DONE);
    TEST_ASSERT(c.argc == 2 && !strcmp(c.argv[1], "hello\r\nworld"));
    resetCollected(&c);
}

TEST(pipelined_and_empty) {
    respParser p;
    collected c = {0};
    size_t pos = 0;
    const char *req = "*1\r\n$4\r\nPING\r\n*0\r\n*-1\r\nPING\r\n\r\n";
    respParserInit(&p, 512*1024*1024LL);
    p.authenticated = 1;
    int r = parseAll(&p, req, strlen(req), &pos, &c);
    TEST_ASSERT(r == RESP_PARSE_DONE);
    TEST_ASSERT(c.commands == 5);   /* PING, *0, *-1, inline PING, empty line */
    TEST_ASSERT(c.argc == 2);
    resetCollected(&c);
}

TEST(inline_quotes) {
    respParser p;
    collected c = {0};
    size_t pos = 0;
    const char *req = "set \"a b\" 'c d'\n";
    respParserInit(&p, 512*1024*1024LL);
    TEST_ASSERT(respParseRequest(&p, req, strlen(req), &pos, &cbs, &c) == RESP_PARSE_DONE);
    TEST_ASSERT(c.argc == 3 && !strcmp(c.argv[1], "a b") && !strcmp(c.argv[2], "c d"));
    resetCollected(&c);
}

/* A NUL before the line end hides it, as Redis's strchr() scan does: the
 * parser waits for more input instead of answering. */
TEST(nul_hides_line_end) {
    static const struct { const char *buf; size_t len; } cases[] = {
        { "PING\0x\r\n", 8 },
        { "*1\0\r\n$4\r\nPING\r\n", 15 },
        { "*1\r\n$4\0\r\nPING\r\n", 15 },
    };
    for (size_t j = 0; j < sizeof(cases)/sizeof(cases[0]); j++) {
        respParser p;
        collected c = {0};
        size_t pos = 0;
        respParserInit(&p, 512*1024*1024LL);
        p.authenticated = 1;
        TEST_ASSERT(respParseRequest(&p, cases[j].buf, cases[j].len, &pos, &cbs, &c) == RESP_PARSE_MORE);
        resetCollected(&c);
    }
}

TEST(errors) {
    TEST_ASSERT(parseErr("*abc\r\n", 1, "Protocol error: invalid multibulk length"));
    TEST_ASSERT(parseErr("*3000000000\r\n", 1, "Protocol error: invalid multibulk length"));
    TEST_ASSERT(parseErr("*11\r\n", 0, "Protocol error: unauthenticated multibulk length"));
    TEST_ASSERT(parseErr("*1\r\nx3\r\n", 1, "Protocol error: expected '$', got 'x'"));
    TEST_ASSERT(parseErr("*1\r\n$-1\r\n", 1, "Protocol error: invalid bulk length"));
    TEST_ASSERT(parseErr("*1\r\n$abc\r\n", 1, "Protocol error: invalid bulk length"));
    TEST_ASSERT(parseErr("*1\r\n$16385\r\n", 0, "Protocol error: unauthenticated bulk length"));
    TEST_ASSERT(parseErr("*1\r\n$600000000\r\n", 1, "Protocol error: invalid bulk length"));
    TEST_ASSERT(parseErr("set \"a\n", 1, "Protocol error: unbalanced quotes in request"));
}

TEST(oversized_headers) {
    sds big = sdsnew("*");
    for (int j = 0; j < 70000; j++) big = sdscatlen(big, "1", 1);
    TEST_ASSERT(parseErr(big, 1, "Protocol error: too big mbulk count string"));
    sdsfree(big);
    big = sdsnew("*1\r\n$");
    for (int j = 0; j < 70000; j++) big = sdscatlen(big, "1", 1);
    TEST_ASSERT(parseErr(big, 1, "Protocol error: too big bulk count string"));
    sdsfree(big);
    big = sdsnew("GET ");
    for (int j = 0; j < 70000; j++) big = sdscatlen(big, "a", 1);
    TEST_ASSERT(parseErr(big, 1, "Protocol error: too big inline request"));
    sdsfree(big);
}

TEST(pending_bulk_bytes) {
    respParser p;
    collected c = {0};
    size_t pos = 0;
    const char *req = "*1\r\n$100000\r\nabc";
    respParserInit(&p, 512*1024*1024LL);
    p.authenticated = 1;
    TEST_ASSERT(respParseRequest(&p, req, strlen(req), &pos, &cbs, &c) == RESP_PARSE_MORE);
    TEST_ASSERT(respPendingBulkBytes(&p, strlen(req) - pos) == 100000 + 2 - 3);
    resetCollected(&c);
}

/* Random garbage never crashes the parser nor reads out of bounds (run
 * under ASan by `make test SANITIZE=address`). */
TEST(fuzz) {
    const char alphabet[] = "*$\r\n0123456789-abc \"'\\x";
    srand(12345);
    for (int iter = 0; iter < 20000; iter++) {
        respParser p;
        collected c = {0};
        size_t len = rand() % 64, pos = 0;
        sds buf = sdsnewlen(NULL, len);
        for (size_t j = 0; j < len; j++) buf[j] = alphabet[rand() % (sizeof(alphabet) - 1)];
        respParserInit(&p, 1024);
        p.authenticated = rand() & 1;
        int r;
        int guard = 0;
        do {
            r = respParseRequest(&p, buf, len, &pos, &cbs, &c);
            if (c.argc > 32) resetCollected(&c);
        } while (r == RESP_PARSE_DONE && pos < len && ++guard < 1000);
        TEST_ASSERT(pos <= len);
        resetCollected(&c);
        sdsfree(buf);
    }
}

int main(void) {
    RUN(multibulk_whole);
    RUN(multibulk_byte_by_byte);
    RUN(pipelined_and_empty);
    RUN(inline_quotes);
    RUN(nul_hides_line_end);
    RUN(errors);
    RUN(oversized_headers);
    RUN(pending_bulk_bytes);
    RUN(fuzz);
    return TEST_REPORT();
}
