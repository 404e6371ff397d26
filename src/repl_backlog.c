/* The replication backlog: the newest replication stream bytes, kept so a
 * replica that lost its link can continue (PSYNC) instead of a full sync.
 *
 * Stock 7.0 keeps this history as a list of blocks (shared with replica
 * output buffers there) and only ever drops whole blocks from the head, so
 * the history it holds, and hence which PSYNC offsets it accepts and what
 * INFO shows as repl_backlog_histlen / repl_backlog_first_byte_offset, is
 * not exactly repl-backlog-size. We reproduce that geometry: a block is
 * created when a piece of the stream does not fit in the last one, with
 * the capacity stock's allocation gets (see blockCapacityFor, rounded up
 * to the jemalloc size class of block plus its 40-byte header), and the
 * head block goes only while the history without it still exceeds
 * repl-backlog-size and no replica still has bytes of it to be sent (in
 * stock a replica's output buffer is that same list of blocks). */
#include "server.h"
#include "replication.h"

#define BACKLOG_MIN_BLOCK 16384
#define BACKLOG_STOCK_HEADER 40 /* stock's per-block header, part of its allocation */

typedef struct backlogBlock {
    struct backlogBlock *next;
    size_t size; /* capacity, as stock's block of the same piece would have */
    size_t used;
    char buf[];
} backlogBlock;

typedef struct replBacklog {
    backlogBlock *head, *tail;
    long long nblocks;
    long long histlen; /* valid bytes, all blocks */
    long long offset;  /* replication offset of the first valid byte */
} replBacklog;

static replBacklog *backlog;

/* The jemalloc size class of n bytes, n above 16 KB: four classes per
 * power of two. Stock's block capacity is that minus its header. */
static size_t stockSizeClass(size_t n) {
    int k = 0;
    while (((size_t)1 << (k + 1)) < n) k++;
    size_t spacing = (size_t)1 << (k - 2);
    return (n + spacing - 1) & ~(spacing - 1);
}

/* Stock asks for room for the piece, at least 16 KB but at most a 16th of
 * repl-backlog-size (when that is larger), so a huge piece spans several
 * blocks that can each be trimmed. */
static size_t blockCapacityFor(size_t len) {
    size_t cap = (size_t)server.repl_backlog_size / 16;
    if (cap < BACKLOG_MIN_BLOCK) cap = BACKLOG_MIN_BLOCK;
    size_t want = len < BACKLOG_MIN_BLOCK ? BACKLOG_MIN_BLOCK : len;
    if (want > cap) want = cap;
    return stockSizeClass(want + BACKLOG_STOCK_HEADER) - BACKLOG_STOCK_HEADER;
}


void createReplicationBacklog(void) {
    if (backlog) return;
    backlog = zcalloc(sizeof(*backlog));
    /* The next byte written will be master_repl_offset+1. */
    backlog->offset = server.master_repl_offset + 1;
}

void freeReplicationBacklog(void) {
    if (!backlog) return;
    while (backlog->head) {
        backlogBlock *b = backlog->head;
        backlog->head = b->next;
        zfree(b);
    }
    zfree(backlog);
    backlog = NULL;
}

/* The offset of the oldest stream byte some replica still has to be sent
 * (its output buffer holds it). Stock's replicas read from the backlog's
 * own blocks, so it cannot drop a block a replica still needs: a lagging
 * or still syncing replica keeps more history there. */
static long long oldestUnsentOffset(void) {
    long long oldest = server.master_repl_offset + 1;
    listIter li;
    listNode *ln;
    listRewind(server.slaves, &li);
    while ((ln = listNext(&li))) {
        client *c = listNodeValue(ln);
        replClient *r = c->repl;
        if (!r || r->state == SLAVE_STATE_WAIT_BGSAVE_START) continue;
        long long pending = (long long)c->bufpos + (long long)c->reply_bytes - (long long)c->sentlen;
        if (pending <= 0) continue;
        if (server.master_repl_offset - pending + 1 < oldest) oldest = server.master_repl_offset - pending + 1;
    }
    return oldest;
}

/* Drop head blocks while the rest still holds more than repl-backlog-size
 * (the last block always stays: it is where the next bytes go), and no
 * replica still has bytes of the head block to be sent. The conditions only
 * loosen over time, so trimming on each write and again before anything
 * reads the history gives what stock's eager trimming gives. */
static void trimBacklog(void) {
    long long unsent = -1;
    while (backlog->nblocks > 1 && backlog->histlen - (long long)backlog->head->used > server.repl_backlog_size) {
        backlogBlock *b = backlog->head;
        if (unsent == -1) unsent = oldestUnsentOffset();
        if (backlog->offset + (long long)b->used > unsent) break;
        backlog->head = b->next;
        backlog->histlen -= (long long)b->used;
        backlog->offset += (long long)b->used;
        backlog->nblocks--;
        zfree(b);
    }
    backlog->offset = server.master_repl_offset - backlog->histlen + 1;
}

int backlogActive(void) { return backlog != NULL; }

long long backlogFirstOffset(void) {
    if (!backlog) return 0;
    trimBacklog();
    return backlog->offset;
}

long long backlogHistlen(void) {
    if (!backlog) return 0;
    trimBacklog();
    return backlog->histlen;
}

/* INFO memory / MEMORY STATS: like 7.0, the bytes of history held. */
size_t replicationBacklogMemory(void) {
    return (size_t)backlogHistlen();
}

/* repl-backlog-size changed at run time: growing keeps everything,
 * shrinking drops whole old blocks as the next write would. */
void resizeReplicationBacklogIfNeeded(void) {
    if (backlog) trimBacklog();
}

static void appendBlock(size_t len) {
    size_t cap = blockCapacityFor(len);
    backlogBlock *b = zmalloc(sizeof(*b) + cap);
    b->next = NULL;
    b->size = cap;
    b->used = 0;
    if (backlog->tail)
        backlog->tail->next = b;
    else
        backlog->head = b;
    backlog->tail = b;
    backlog->nblocks++;
}

/* One piece of the stream (stock feeds a command as several pieces: the
 * array header, and per argument its length line, its bytes, its CRLF; a
 * piece that overflows the last block gets a block sized for it). */
void backlogFeed(const char *p, size_t len) {
    server.master_repl_offset += (long long)len;
    if (!backlog) return;
    while (len) {
        backlogBlock *t = backlog->tail;
        if (!t || t->used == t->size) {
            appendBlock(len);
            t = backlog->tail;
        }
        size_t n = t->size - t->used < len ? t->size - t->used : len;
        memcpy(t->buf + t->used, p, n);
        t->used += n;
        p += n;
        len -= n;
        backlog->histlen += (long long)n;
    }
    trimBacklog();
}

/* Whether a PSYNC from this offset can be served from the history: any
 * offset from the first byte held to the next byte to come. */
int backlogHasOffset(long long offset) {
    if (backlog) trimBacklog();
    return backlog && offset >= backlog->offset && offset <= backlog->offset + backlog->histlen;
}

/* The history from offset on, to the client. Returns the bytes sent. */
long long backlogAddReplyFrom(client *c, long long offset) {
    long long skip = offset - backlog->offset;
    long long sent = 0;
    for (backlogBlock *b = backlog->head; b; b = b->next) {
        if (skip >= (long long)b->used) {
            skip -= (long long)b->used;
            continue;
        }
        addReplyProto(c, b->buf + skip, b->used - (size_t)skip);
        sent += (long long)b->used - skip;
        skip = 0;
    }
    return sent;
}
