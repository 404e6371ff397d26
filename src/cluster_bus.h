/* cluster_bus.h - the Redis Cluster bus wire format, as pure functions.
 *
 * Every message on the cluster bus (client port + 10000) is a fixed 2256
 * byte header followed by a body that depends on the type. This module turns
 * bytes into host-order structs and back, byte-compatible with stock Redis
 * 7.0 (see /work/shared/docs/cluster-bus-wire.md), and validates lengths so
 * the node logic (cluster_node.c) only ever sees well-formed packets. It has
 * no server state and no I/O: src/unit/test_cluster_bus.c tests it alone,
 * including against packets captured from stock 7.0.15 nodes.
 *
 * Decoding works in place: cbusValidate() checks a whole packet, then the
 * cbusGet*() accessors read fields from it. Encoding builds a zmalloc'd
 * buffer with cbusBuild*() from a header struct and the body's parts.
 */
#ifndef CLUSTER_BUS_H
#define CLUSTER_BUS_H

#include <stdint.h>
#include <stddef.h>

#define CLUSTER_SLOTS 16384
#define CLUSTER_NAMELEN 40
#define CBUS_IPLEN 46
#define CBUS_SLOTBYTES (CLUSTER_SLOTS/8)

#define CBUS_HDR_LEN 2256          /* header, before the body */
#define CBUS_GOSSIP_LEN 104        /* one gossip entry */
#define CBUS_FAIL_LEN (CBUS_HDR_LEN + CLUSTER_NAMELEN)
#define CBUS_UPDATE_LEN 4352       /* header + the largest body (the C union) */
#define CBUS_PUBLISH_MIN (CBUS_HDR_LEN + 8)
#define CBUS_MODULE_MIN (CBUS_HDR_LEN + 13)
#define CBUS_EXT_HDR_LEN 8
#define CBUS_PROTO_VER 1

/* Message types */
#define CBUS_PING 0
#define CBUS_PONG 1
#define CBUS_MEET 2
#define CBUS_FAIL 3
#define CBUS_PUBLISH 4
#define CBUS_AUTH_REQUEST 5
#define CBUS_AUTH_ACK 6
#define CBUS_UPDATE 7
#define CBUS_MFSTART 8
#define CBUS_MODULE 9
#define CBUS_PUBLISHSHARD 10
#define CBUS_TYPE_COUNT 11

/* Node flags, in the header and in gossip entries */
#define CBUS_NODE_MASTER 1
#define CBUS_NODE_SLAVE 2
#define CBUS_NODE_PFAIL 4
#define CBUS_NODE_FAIL 8
#define CBUS_NODE_MYSELF 16
#define CBUS_NODE_HANDSHAKE 32
#define CBUS_NODE_NOADDR 64
#define CBUS_NODE_MEET 128
#define CBUS_NODE_MIGRATE_TO 256
#define CBUS_NODE_NOFAILOVER 512

/* mflags[0] bits */
#define CBUS_MFLAG_PAUSED 1
#define CBUS_MFLAG_FORCEACK 2
#define CBUS_MFLAG_EXT_DATA 4

/* Ping extension types */
#define CBUS_EXT_HOSTNAME 0
#define CBUS_EXT_HUMAN_NODENAME 1   /* 7.2 */
#define CBUS_EXT_FORGOTTEN_NODE 2   /* 7.2 */
#define CBUS_EXT_SHARDID 3          /* 7.2 */

/* Results of cbusValidate() */
#define CBUS_OK 0
#define CBUS_INCOMPLETE 1   /* fewer bytes than totlen says: read more */
#define CBUS_ERR_CLOSE 2    /* not a bus stream (signature, totlen): drop the link */
#define CBUS_ERR_IGNORE 3   /* well framed but invalid: log, skip, keep the link */
#define CBUS_BAD_VERSION 4  /* unknown protocol version: skip silently */

/* The header in host byte order. Fixed-size names and addresses are kept as
 * on the wire (names not NUL-terminated; ip NUL-padded, NUL-terminated here
 * by one extra byte). */
typedef struct cbusHeader {
    uint32_t totlen;
    uint16_t ver;
    uint16_t port;
    uint16_t type;
    uint16_t count;
    uint64_t current_epoch;
    uint64_t config_epoch;
    uint64_t offset;
    char sender[CLUSTER_NAMELEN];
    unsigned char myslots[CBUS_SLOTBYTES];
    char slaveof[CLUSTER_NAMELEN];     /* all zero bytes: no master */
    char myip[CBUS_IPLEN + 1];
    uint16_t extensions;
    uint16_t pport;
    uint16_t cport;
    uint16_t flags;
    uint8_t state;
    uint8_t mflags[3];
} cbusHeader;

typedef struct cbusGossip {
    char nodename[CLUSTER_NAMELEN];
    uint32_t ping_sent;        /* seconds */
    uint32_t pong_received;    /* seconds */
    char ip[CBUS_IPLEN + 1];
    uint16_t port;
    uint16_t cport;
    uint16_t flags;
    uint16_t pport;
    uint16_t hint;             /* the unused u16 @102: zero from stock */
} cbusGossip;

/* One ping extension: points into the packet (decode) or to the caller's
 * bytes (encode). len is the payload length without header or padding. */
typedef struct cbusExt {
    uint16_t type;
    uint32_t len;
    const unsigned char *payload;
} cbusExt;

/* Walks the extensions of a validated PING/PONG/MEET. */
typedef struct cbusExtIter {
    const unsigned char *next;
    int left;
} cbusExtIter;

const char *cbusTypeName(int type);  /* "ping", "pong", ... ("unknown") */

/* Validates the packet in buf[0..len). With CBUS_INCOMPLETE, *need says how
 * many bytes the whole packet has (0: not known yet, read the header). On
 * errors err (if not NULL) gets a log line. */
int cbusValidate(const unsigned char *buf, size_t len, uint32_t *need,
                 char *err, size_t errlen);

/* Accessors for a validated packet. */
void cbusGetHeader(const unsigned char *buf, cbusHeader *h);
void cbusGetGossip(const unsigned char *buf, int i, cbusGossip *g);
void cbusExtIterInit(const unsigned char *buf, cbusExtIter *it);
int cbusExtNext(cbusExtIter *it, cbusExt *ext);  /* 1 while it yields one */
void cbusGetFail(const unsigned char *buf, char *nodename);
void cbusGetPublish(const unsigned char *buf, const unsigned char **channel,
                    uint32_t *channel_len, const unsigned char **message,
                    uint32_t *message_len);
void cbusGetUpdate(const unsigned char *buf, uint64_t *config_epoch,
                   char *nodename, unsigned char *slots);
void cbusGetModule(const unsigned char *buf, uint64_t *module_id, uint8_t *type,
                   const unsigned char **payload, uint32_t *len);
/* Forgotten-node extension payload (7.2): name and ttl in seconds. */
int cbusParseForgotten(const cbusExt *ext, char *nodename, uint64_t *ttl);

/* Builders: each returns a zmalloc'd packet and its length in *len. The
 * header's totlen, type, count and extensions are filled in by the builder;
 * for PING/PONG/MEET the EXT_DATA flag is set exactly when there are
 * extensions (as 7.0 does). */
unsigned char *cbusBuildPing(const cbusHeader *h, int type, const cbusGossip *g,
                             int count, const cbusExt *ext, int nexts, size_t *len);
unsigned char *cbusBuildFail(const cbusHeader *h, const char *nodename, size_t *len);
unsigned char *cbusBuildPublish(const cbusHeader *h, int type,
                                const void *channel, uint32_t channel_len,
                                const void *message, uint32_t message_len, size_t *len);
unsigned char *cbusBuildUpdate(const cbusHeader *h, uint64_t config_epoch,
                               const char *nodename, const unsigned char *slots,
                               size_t *len);
unsigned char *cbusBuildModule(const cbusHeader *h, uint64_t module_id, uint8_t type,
                               const void *payload, uint32_t plen, size_t *len);
unsigned char *cbusBuildEmpty(const cbusHeader *h, int type, size_t *len);

/* Slot bitmap helpers (bit j of byte slot/8 is slot%8, as stock). */
static inline int cbusSlotIsSet(const unsigned char *slots, int slot) {
    return (slots[slot >> 3] >> (slot & 7)) & 1;
}
static inline void cbusSlotSet(unsigned char *slots, int slot) {
    slots[slot >> 3] |= (unsigned char)(1 << (slot & 7));
}
static inline void cbusSlotClear(unsigned char *slots, int slot) {
    slots[slot >> 3] &= (unsigned char)~(1 << (slot & 7));
}
/* The next run of set slots from `from` on: 1 and [*start, *end], or 0. */
int cbusSlotNextRange(const unsigned char *slots, int from, int *start, int *end);

#endif
