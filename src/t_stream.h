/* t_stream.h - the STREAM type's API shared by its files and other modules.
 *
 * A stream value (OBJ_STREAM / OBJ_ENCODING_STREAM) keeps its entries in
 * listpack nodes laid out exactly as Redis 7.0 lays them out, so RDB files
 * and DUMP payloads carry the nodes byte for byte:
 *
 *   master entry: count deleted num-fields field_1 ... field_N 0
 *   each entry:   flags ms-diff seq-diff [num-fields] [field] value ...
 *                 lp-count
 *
 * The ID of a node's master entry is the node's key in an ordered map
 * (omap.c) of 16-byte big-endian IDs -> listpacks. An entry whose fields
 * are the master's (flag SAMEFIELDS) stores values only; deleted entries
 * stay in place with flag DELETED until the whole node goes.
 *
 * Files: t_stream.c (entries, IDs, XADD/XRANGE/XREAD/XDEL/XTRIM/XSETID),
 * stream_cg.c (consumer groups, XREADGROUP, XACK, XPENDING, XCLAIM,
 * XAUTOCLAIM, XGROUP, XINFO), stream_rdb.c (RDB save/load, digest,
 * MEMORY USAGE, COPY). Included from server.h.
 */
#ifndef T_STREAM_H
#define T_STREAM_H

#include "omap.h"

typedef struct streamID {
    uint64_t ms;
    uint64_t seq;
} streamID;

typedef struct stream {
    omap *nodes;                  /* 16-byte master ID -> listpack */
    uint64_t length;              /* live entries */
    streamID last_id;             /* the highest ID ever added (or XSETID) */
    streamID first_id;            /* first live entry, 0-0 when empty */
    streamID max_deleted_entry_id;
    uint64_t entries_added;       /* entries ever added */
    omap *cgroups;                /* name -> streamCG, NULL when none */
} stream;

#define SCG_INVALID_ENTRIES_READ -1

typedef struct streamCG {
    streamID last_id;
    long long entries_read;
    omap *pel;        /* ID -> streamNACK (owned) */
    omap *consumers;  /* name -> streamConsumer (owned) */
} streamCG;

typedef struct streamConsumer {
    long long seen_time;
    sds name;
    omap *pel;        /* ID -> streamNACK (shared with the group PEL) */
} streamConsumer;

typedef struct streamNACK {
    long long delivery_time;
    uint64_t delivery_count;
    streamConsumer *consumer;
} streamNACK;

#define STREAM_ITEM_FLAG_NONE 0
#define STREAM_ITEM_FLAG_DELETED (1 << 0)
#define STREAM_ITEM_FLAG_SAMEFIELDS (1 << 1)

/* Walking entries in [start, end], forward or backward. */
typedef struct streamIterator {
    stream *s;
    streamID start, end;
    int rev;
    long node;                   /* index in s->nodes */
    unsigned char *lp;
    streamID master;
    unsigned char *master_fields;/* first master field */
    int64_t master_count;
    unsigned char **pos;         /* entry offsets of the node (flags) */
    long npos, cur;
    long pos_cap;
    /* The current entry. */
    int64_t numfields;
    int flags;
    unsigned char *fp, *mfp;     /* next field/value, next master field */
    unsigned char fbuf[21], vbuf[21];
} streamIterator;

stream *streamNew(void);
void freeStream(stream *s);
robj *createStreamObject(void);
void freeStreamObject(robj *o);
robj *streamDup(robj *o);

int streamCompareID(const streamID *a, const streamID *b);
void streamEncodeID(unsigned char *buf, const streamID *id);
void streamDecodeID(const unsigned char *buf, streamID *id);
int streamIncrID(streamID *id);
int streamDecrID(streamID *id);
void addReplyStreamID(client *c, const streamID *id);
/* Two 20-digit numbers, '-' and the terminator. */
#define STREAM_ID_STR_LEN 64
int streamIDFormat(const streamID *id, char *buf, size_t len);
sds streamIDToSds(const streamID *id);
robj *createObjectFromStreamID(const streamID *id);
int streamParseIDOrReply(client *c, robj *o, streamID *id, uint64_t missing_seq);
int streamParseStrictIDOrReply(client *c, robj *o, streamID *id, uint64_t missing_seq, int *seq_given);

void streamIteratorStart(streamIterator *si, stream *s, const streamID *start, const streamID *end, int rev);
int streamIteratorGetID(streamIterator *si, streamID *id, int64_t *numfields);
void streamIteratorGetField(streamIterator *si, unsigned char **field, unsigned char **value,
                            int64_t *flen, int64_t *vlen);
void streamIteratorStop(streamIterator *si);

int streamAppendItem(stream *s, robj **argv, int64_t numfields, streamID *added_id, streamID *use_id, int seq_given);
int streamDeleteItem(stream *s, const streamID *id);
int streamEntryExists(stream *s, const streamID *id);
int streamGetEdgeID(stream *s, int first, streamID *id); /* 0 if empty */
void streamLastValidID(stream *s, streamID *maxid);
int streamRangeHasTombstones(stream *s, const streamID *start, const streamID *end);
long long streamEstimateDistanceFromFirstEverEntry(stream *s, const streamID *id);
/* Emits up to count (0 = all) entries in [start,end]; returns how many. */
size_t streamReplyRange(client *c, stream *s, const streamID *start, const streamID *end,
                        size_t count, int rev);
void streamReplyEntry(client *c, streamIterator *si, const streamID *id, int64_t numfields);
size_t streamRadixTreeNodes(stream *s); /* rax node count stock would show */
size_t streamOmapRaxNodes(omap *m);     /* the same for any map of 16-byte IDs */

/* Consumer groups (stream_cg.c). */
streamCG *streamLookupCG(stream *s, sds name);
streamCG *streamCreateCG(stream *s, const char *name, size_t len, const streamID *id, long long entries_read);
void streamFreeCG(void *cg);
streamConsumer *streamLookupConsumer(streamCG *cg, sds name);
streamConsumer *streamCreateConsumer(streamCG *cg, sds name, robj *key, int dbid, int notify);
streamNACK *streamCreateNACK(streamConsumer *consumer);
void streamServeGroupRead(client *c, stream *s, robj *key, streamCG *group, streamConsumer *consumer,
                          const streamID *start, long long count, int noack, int history, robj *groupname);
void streamPropagateConsumerCreation(client *c, robj *key, robj *groupname, sds name);

#endif
