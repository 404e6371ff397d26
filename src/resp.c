/* resp.c - incremental parser for client requests (RESP multibulk + inline).
 *
 * See resp.h for the contract. The parser never allocates: arguments are
 * reported as (pointer, length) slices of the caller's buffer, and the caller
 * decides how to store them (the server creates string objects). Limits are
 * enforced before any byte of an oversized element is buffered, so a hostile
 * client cannot make us hold more than one inline line / count header
 * (64KB) or one bulk (proto-max-bulk-len) in memory.
 */
#include <string.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>

#include "resp.h"
#include "util.h"
#include "sds.h"
#include "zmalloc.h"

void respParserInit(respParser *p, long long max_bulk_len) {
    memset(p, 0, sizeof(*p));
    p->bulklen = -1;
    p->max_bulk_len = max_bulk_len;
}

void respParserReset(respParser *p) {
    p->reqtype = RESP_REQ_NONE;
    p->multibulklen = 0;
    p->bulklen = -1;
    p->err[0] = '\0';
}

static int setError(respParser *p, const char *msg) {
    snprintf(p->err, sizeof(p->err), "%s", msg);
    return RESP_PARSE_ERROR;
}

/* Find `ch` in buf[0..n), but only before the first NUL byte: Redis scans
 * request lines with strchr() on its NUL-terminated query buffer, so a NUL
 * in an inline command or a count header hides the rest of the line and the
 * server waits for more input (until the 64KB limit) instead of answering.
 * Clients depend on that being the same here, byte for byte. */
static const char *findBeforeNul(const char *buf, size_t n, char ch) {
    const char *hit = memchr(buf, ch, n);
    if (hit && memchr(buf, '\0', hit - buf)) return NULL;
    return hit;
}

/* Inline form: one line, arguments split like redis-cli's input (quotes and
 * escapes honoured). An empty line delivers a command of zero arguments,
 * which callers simply ignore. */
static int parseInline(respParser *p, const char *buf, size_t len, size_t *pos,
                       const respCallbacks *cb, void *ctx) {
    const char *start = buf + *pos;
    const char *nl = findBeforeNul(start, len - *pos, '\n');
    if (nl == NULL) {
        if (len - *pos > RESP_INLINE_MAX_SIZE)
            return setError(p, "Protocol error: too big inline request");
        return RESP_PARSE_MORE;
    }
    size_t linelen = nl - start;
    if (linelen && start[linelen-1] == '\r') linelen--;

    sds line = sdsnewlen(start, linelen);
    int argc;
    sds *argv = sdssplitargs(line, &argc);
    sdsfree(line);
    if (argv == NULL)
        return setError(p, "Protocol error: unbalanced quotes in request");

    *pos = (nl - buf) + 1;
    cb->begin(ctx, argc);
    for (int j = 0; j < argc; j++) cb->arg(ctx, argv[j], sdslen(argv[j]));
    sdsfreesplitres(argv, argc);
    respParserReset(p);
    return RESP_PARSE_DONE;
}

/* Find the end of a "<prefix><number>\r\n" header line starting at
 * buf[pos]. Returns the offset of its '\r', or 0 while the line (including
 * the '\n') is not fully buffered yet. */
static size_t findHeaderEnd(const char *buf, size_t len, size_t pos) {
    const char *cr = findBeforeNul(buf + pos, len - pos, '\r');
    if (cr == NULL || (size_t)(cr - buf) + 1 >= len) return 0;
    return cr - buf;
}

static int parseMultibulk(respParser *p, const char *buf, size_t len, size_t *pos,
                          const respCallbacks *cb, void *ctx) {
    long long ll;

    if (p->multibulklen == 0) {
        size_t cr = findHeaderEnd(buf, len, *pos);
        if (cr == 0) {
            if (len - *pos > RESP_INLINE_MAX_SIZE)
                return setError(p, "Protocol error: too big mbulk count string");
            return RESP_PARSE_MORE;
        }
        int ok = string2ll(buf + *pos + 1, cr - *pos - 1, &ll);
        *pos = cr + 2;
        if (!ok || ll > INT_MAX)
            return setError(p, "Protocol error: invalid multibulk length");
        if (!p->authenticated && ll > RESP_UNAUTH_MAX_MULTIBULK)
            return setError(p, "Protocol error: unauthenticated multibulk length");
        if (ll <= 0) {
            /* "*0\r\n" or "*-1\r\n": an empty command, silently skipped. */
            cb->begin(ctx, 0);
            respParserReset(p);
            return RESP_PARSE_DONE;
        }
        p->multibulklen = ll;
        p->bulklen = -1;
        cb->begin(ctx, ll);
    }

    while (p->multibulklen) {
        if (p->bulklen == -1) {
            size_t cr = findHeaderEnd(buf, len, *pos);
            if (cr == 0) {
                if (len - *pos > RESP_INLINE_MAX_SIZE)
                    return setError(p, "Protocol error: too big bulk count string");
                return RESP_PARSE_MORE;
            }
            if (buf[*pos] != '$') {
                snprintf(p->err, sizeof(p->err),
                         "Protocol error: expected '$', got '%c'", buf[*pos]);
                return RESP_PARSE_ERROR;
            }
            int ok = string2ll(buf + *pos + 1, cr - *pos - 1, &ll);
            *pos = cr + 2;
            if (!ok || ll < 0 || (p->authenticated && ll > p->max_bulk_len))
                return setError(p, "Protocol error: invalid bulk length");
            if (!p->authenticated && ll > RESP_UNAUTH_MAX_BULK)
                return setError(p, "Protocol error: unauthenticated bulk length");
            p->bulklen = ll;
        }
        /* Payload plus its trailing CRLF must be buffered. */
        if (len - *pos < (size_t)p->bulklen + 2) return RESP_PARSE_MORE;
        cb->arg(ctx, buf + *pos, (size_t)p->bulklen);
        *pos += (size_t)p->bulklen + 2;
        p->bulklen = -1;
        p->multibulklen--;
    }
    respParserReset(p);
    return RESP_PARSE_DONE;
}

int respParseRequest(respParser *p, const char *buf, size_t len, size_t *pos,
                     const respCallbacks *cb, void *ctx) {
    if (*pos >= len) return RESP_PARSE_MORE;
    if (p->reqtype == RESP_REQ_NONE)
        p->reqtype = (buf[*pos] == '*') ? RESP_REQ_MULTIBULK : RESP_REQ_INLINE;
    if (p->reqtype == RESP_REQ_INLINE)
        return parseInline(p, buf, len, pos, cb, ctx);
    return parseMultibulk(p, buf, len, pos, cb, ctx);
}

long long respPendingBulkBytes(const respParser *p, size_t buffered) {
    if (p->reqtype != RESP_REQ_MULTIBULK || p->bulklen < 0) return 0;
    long long need = p->bulklen + 2 - (long long)buffered;
    return need > 0 ? need : 0;
}
