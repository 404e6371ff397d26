/* resp.h - the request parser: bytes from a client socket -> command args.
 *
 * Pure and incremental: the caller owns the buffer and feeds whatever bytes
 * it has; the parser consumes complete elements, remembers where it is in a
 * multibulk request between calls, and hands every finished argument to a
 * callback. Both request forms are handled: RESP multibulk ("*2\r\n$3\r\n...")
 * and inline commands ("SET a b\r\n", as typed in telnet). Errors carry the
 * exact text Redis 7.0 replies with ("Protocol error: ...").
 */
#ifndef RESP_H
#define RESP_H

#include <stddef.h>

#define RESP_REQ_NONE 0
#define RESP_REQ_INLINE 1
#define RESP_REQ_MULTIBULK 2

#define RESP_INLINE_MAX_SIZE (1024*64) /* longest inline line / count header */
#define RESP_UNAUTH_MAX_MULTIBULK 10   /* arg count allowed before AUTH */
#define RESP_UNAUTH_MAX_BULK 16384     /* bulk size allowed before AUTH */

/* Results of respParseRequest() */
#define RESP_PARSE_DONE 0   /* a whole command was delivered (maybe 0 args) */
#define RESP_PARSE_MORE 1   /* the buffer ends inside a request */
#define RESP_PARSE_ERROR 2  /* protocol error, see parser->err */

typedef struct respParser {
    int reqtype;            /* RESP_REQ_*: form of the request being read */
    long multibulklen;      /* args still to read, 0: header not read yet */
    long long bulklen;      /* length of the bulk being read, -1: header */
    long long max_bulk_len; /* proto-max-bulk-len */
    int authenticated;      /* unauthenticated clients get tighter limits */
    char err[128];          /* error text when RESP_PARSE_ERROR */
} respParser;

/* Called once per request with the number of arguments about to arrive
 * (for multibulk the declared count, for inline the real one), then once per
 * argument. */
typedef struct respCallbacks {
    void (*begin)(void *ctx, long argc);
    void (*arg)(void *ctx, const char *p, size_t len);
} respCallbacks;

void respParserInit(respParser *p, long long max_bulk_len);
/* Forget any partial request (after a full command or an error). */
void respParserReset(respParser *p);
/* Parse from buf[*pos] up to buf[len]. *pos is advanced past what was
 * consumed. buf must be NUL-terminated at buf[len] (sds strings are). */
int respParseRequest(respParser *p, const char *buf, size_t len, size_t *pos,
                     const respCallbacks *cb, void *ctx);
/* Bytes the parser still needs to finish the bulk it is reading, or 0 when
 * it is not inside a bulk payload. Lets the reader size big reads exactly. */
long long respPendingBulkBytes(const respParser *p, size_t buffered);

#endif
