/* cluster_bus.c - encode and decode cluster bus messages (see cluster_bus.h).
 *
 * Field offsets are spelled out once below, as on the wire; all integers
 * are big-endian. Validation follows what a stock 7.0 receiver accepts, so a
 * packet we take is one stock would take too, and nothing past totlen is
 * ever read.
 */
#include <string.h>
#include <stdio.h>
#include "cluster_bus.h"
#include "zmalloc.h"

/* Header field offsets */
#define OFF_SIG 0
#define OFF_TOTLEN 4
#define OFF_VER 8
#define OFF_PORT 10
#define OFF_TYPE 12
#define OFF_COUNT 14
#define OFF_CUREPOCH 16
#define OFF_CFGEPOCH 24
#define OFF_OFFSET 32
#define OFF_SENDER 40
#define OFF_MYSLOTS 80
#define OFF_SLAVEOF 2128
#define OFF_MYIP 2168
#define OFF_EXTENSIONS 2214
#define OFF_PPORT 2246
#define OFF_CPORT 2248
#define OFF_FLAGS 2250
#define OFF_STATE 2252
#define OFF_MFLAGS 2253

/* Gossip entry field offsets */
#define G_NAME 0
#define G_PING 40
#define G_PONG 44
#define G_IP 48
#define G_PORT 94
#define G_CPORT 96
#define G_FLAGS 98
#define G_PPORT 100
#define G_UNUSED 102

static const char *type_names[CBUS_TYPE_COUNT] = {
    "ping", "pong", "meet", "fail", "publish", "auth-req", "auth-ack",
    "update", "mfstart", "module", "publishshard"
};

const char *cbusTypeName(int type) {
    if (type < 0 || type >= CBUS_TYPE_COUNT) return "unknown";
    return type_names[type];
}

/* ---- big-endian primitives ---- */

static uint16_t rd16(const unsigned char *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static uint32_t rd32(const unsigned char *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static uint64_t rd64(const unsigned char *p) {
    return ((uint64_t)rd32(p) << 32) | rd32(p + 4);
}
static void wr16(unsigned char *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static void wr32(unsigned char *p, uint32_t v) {
    p[0] = v >> 24; p[1] = (v >> 16) & 0xff; p[2] = (v >> 8) & 0xff; p[3] = v & 0xff;
}
static void wr64(unsigned char *p, uint64_t v) { wr32(p, v >> 32); wr32(p + 4, (uint32_t)v); }

/* Copies a NUL-padded text field of n bytes into dst (n+1 bytes), making
 * sure it ends with a NUL even when the sender filled every byte. */
static void rdText(char *dst, const unsigned char *src, size_t n) {
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void wrText(unsigned char *dst, const char *src, size_t n) {
    size_t l = strnlen(src, n);
    memset(dst, 0, n);
    memcpy(dst, src, l);
}

/* Extensions are padded to a multiple of 8 bytes. */
static uint32_t extWireLen(uint32_t payload_len) {
    return CBUS_EXT_HDR_LEN + ((payload_len + 7) & ~7u);
}

/* ---- validation ---- */


/* PING/PONG/MEET: the gossip entries, then (with EXT_DATA) the extensions,
 * each at least a header long, 8-byte aligned and inside the packet. */
static int validatePing(const unsigned char *buf, uint32_t totlen, int type,
                        char *err, size_t errlen) {
    uint16_t count = rd16(buf + OFF_COUNT);
    uint64_t explen = CBUS_HDR_LEN + (uint64_t)CBUS_GOSSIP_LEN * count;
    if (explen > totlen) {
        if (err) snprintf(err, errlen,
            "Received invalid %s packet of length %u but expected length %llu",
            cbusTypeName(type), totlen, (unsigned long long)explen);
        return CBUS_ERR_IGNORE;
    }
    if (buf[OFF_MFLAGS] & CBUS_MFLAG_EXT_DATA) {
        int n = rd16(buf + OFF_EXTENSIONS);
        while (n--) {
            if (totlen - explen < CBUS_EXT_HDR_LEN) {
                if (err) snprintf(err, errlen,
                    "Received invalid %s packet with extension data that exceeds total packet length (%u)",
                    cbusTypeName(type), totlen);
                return CBUS_ERR_IGNORE;
            }
            uint32_t extlen = rd32(buf + explen);
            if (extlen % 8 != 0 || extlen < CBUS_EXT_HDR_LEN) {
                if (err) snprintf(err, errlen,
                    "Received a %s packet without proper padding (%u bytes)",
                    cbusTypeName(type), extlen);
                return CBUS_ERR_IGNORE;
            }
            if (totlen - explen < extlen) {
                if (err) snprintf(err, errlen,
                    "Received invalid %s packet with extension data that exceeds total packet length (%u)",
                    cbusTypeName(type), totlen);
                return CBUS_ERR_IGNORE;
            }
            explen += extlen;
        }
    }
    if (explen != totlen) {
        if (err) snprintf(err, errlen,
            "Received invalid %s packet of length %u but expected length %llu",
            cbusTypeName(type), totlen, (unsigned long long)explen);
        return CBUS_ERR_IGNORE;
    }
    return CBUS_OK;
}

/* The length a non-gossip packet must have, or 0 when totlen is too short
 * to even hold its fixed part. */
static uint64_t expectedLength(const unsigned char *buf, uint32_t totlen, int type) {
    switch (type) {
    case CBUS_FAIL: return CBUS_FAIL_LEN;
    case CBUS_UPDATE: return CBUS_UPDATE_LEN;
    case CBUS_AUTH_REQUEST: case CBUS_AUTH_ACK: case CBUS_MFSTART:
        return CBUS_HDR_LEN;
    case CBUS_PUBLISH: case CBUS_PUBLISHSHARD:
        if (totlen < CBUS_PUBLISH_MIN) return CBUS_PUBLISH_MIN;
        return (uint64_t)CBUS_PUBLISH_MIN + rd32(buf + CBUS_HDR_LEN) +
               rd32(buf + CBUS_HDR_LEN + 4);
    case CBUS_MODULE:
        if (totlen < CBUS_MODULE_MIN) return CBUS_MODULE_MIN;
        return (uint64_t)CBUS_MODULE_MIN + rd32(buf + CBUS_HDR_LEN + 8);
    default:
        return totlen;  /* unknown types are framed by totlen and skipped */
    }
}

int cbusValidate(const unsigned char *buf, size_t len, uint32_t *need,
                 char *err, size_t errlen) {
    if (need) *need = 0;
    if (err && errlen) err[0] = '\0';
    if (len < 8) return CBUS_INCOMPLETE;
    if (memcmp(buf, "RCmb", 4) != 0) {
        if (err) snprintf(err, errlen, "Bad message signature");
        return CBUS_ERR_CLOSE;
    }
    uint32_t totlen = rd32(buf + OFF_TOTLEN);
    if (totlen < CBUS_HDR_LEN) {
        if (err) snprintf(err, errlen, "Bad message length %u", totlen);
        return CBUS_ERR_CLOSE;
    }
    if (need) *need = totlen;
    if (len < totlen) return CBUS_INCOMPLETE;

    if (rd16(buf + OFF_VER) != CBUS_PROTO_VER) return CBUS_BAD_VERSION;
    int type = rd16(buf + OFF_TYPE);
    if (type == CBUS_PING || type == CBUS_PONG || type == CBUS_MEET)
        return validatePing(buf, totlen, type, err, errlen);
    uint64_t explen = expectedLength(buf, totlen, type);
    if (explen != totlen) {
        if (err) snprintf(err, errlen,
            "Received invalid %s packet of length %u but expected length %llu",
            cbusTypeName(type), totlen, (unsigned long long)explen);
        return CBUS_ERR_IGNORE;
    }
    return CBUS_OK;
}

/* ---- decoding ---- */

void cbusGetHeader(const unsigned char *buf, cbusHeader *h) {
    h->totlen = rd32(buf + OFF_TOTLEN);
    h->ver = rd16(buf + OFF_VER);
    h->port = rd16(buf + OFF_PORT);
    h->type = rd16(buf + OFF_TYPE);
    h->count = rd16(buf + OFF_COUNT);
    h->current_epoch = rd64(buf + OFF_CUREPOCH);
    h->config_epoch = rd64(buf + OFF_CFGEPOCH);
    h->offset = rd64(buf + OFF_OFFSET);
    memcpy(h->sender, buf + OFF_SENDER, CLUSTER_NAMELEN);
    memcpy(h->myslots, buf + OFF_MYSLOTS, CBUS_SLOTBYTES);
    memcpy(h->slaveof, buf + OFF_SLAVEOF, CLUSTER_NAMELEN);
    rdText(h->myip, buf + OFF_MYIP, CBUS_IPLEN);
    h->extensions = rd16(buf + OFF_EXTENSIONS);
    h->pport = rd16(buf + OFF_PPORT);
    h->cport = rd16(buf + OFF_CPORT);
    h->flags = rd16(buf + OFF_FLAGS);
    h->state = buf[OFF_STATE];
    memcpy(h->mflags, buf + OFF_MFLAGS, 3);
}

void cbusGetGossip(const unsigned char *buf, int i, cbusGossip *g) {
    const unsigned char *p = buf + CBUS_HDR_LEN + (size_t)i * CBUS_GOSSIP_LEN;
    memcpy(g->nodename, p + G_NAME, CLUSTER_NAMELEN);
    g->ping_sent = rd32(p + G_PING);
    g->pong_received = rd32(p + G_PONG);
    rdText(g->ip, p + G_IP, CBUS_IPLEN);
    g->port = rd16(p + G_PORT);
    g->cport = rd16(p + G_CPORT);
    g->flags = rd16(p + G_FLAGS);
    g->pport = rd16(p + G_PPORT);
    g->hint = rd16(p + G_UNUSED);
}

void cbusExtIterInit(const unsigned char *buf, cbusExtIter *it) {
    int count = rd16(buf + OFF_COUNT);
    it->next = buf + CBUS_HDR_LEN + (size_t)count * CBUS_GOSSIP_LEN;
    it->left = (buf[OFF_MFLAGS] & CBUS_MFLAG_EXT_DATA) ? rd16(buf + OFF_EXTENSIONS) : 0;
}

int cbusExtNext(cbusExtIter *it, cbusExt *ext) {
    if (it->left <= 0) return 0;
    uint32_t wire = rd32(it->next);
    ext->type = rd16(it->next + 4);
    ext->len = wire - CBUS_EXT_HDR_LEN;  /* payload plus padding */
    ext->payload = it->next + CBUS_EXT_HDR_LEN;
    it->next += wire;
    it->left--;
    return 1;
}

int cbusParseForgotten(const cbusExt *ext, char *nodename, uint64_t *ttl) {
    if (ext->len < CLUSTER_NAMELEN + 8) return 0;
    memcpy(nodename, ext->payload, CLUSTER_NAMELEN);
    *ttl = rd64(ext->payload + CLUSTER_NAMELEN);
    return 1;
}

void cbusGetFail(const unsigned char *buf, char *nodename) {
    memcpy(nodename, buf + CBUS_HDR_LEN, CLUSTER_NAMELEN);
}

void cbusGetPublish(const unsigned char *buf, const unsigned char **channel,
                    uint32_t *channel_len, const unsigned char **message,
                    uint32_t *message_len) {
    *channel_len = rd32(buf + CBUS_HDR_LEN);
    *message_len = rd32(buf + CBUS_HDR_LEN + 4);
    *channel = buf + CBUS_PUBLISH_MIN;
    *message = *channel + *channel_len;
}

void cbusGetUpdate(const unsigned char *buf, uint64_t *config_epoch,
                   char *nodename, unsigned char *slots) {
    *config_epoch = rd64(buf + CBUS_HDR_LEN);
    memcpy(nodename, buf + CBUS_HDR_LEN + 8, CLUSTER_NAMELEN);
    memcpy(slots, buf + CBUS_HDR_LEN + 8 + CLUSTER_NAMELEN, CBUS_SLOTBYTES);
}

void cbusGetModule(const unsigned char *buf, uint64_t *module_id, uint8_t *type,
                   const unsigned char **payload, uint32_t *len) {
    *module_id = rd64(buf + CBUS_HDR_LEN);
    *len = rd32(buf + CBUS_HDR_LEN + 8);
    *type = buf[CBUS_HDR_LEN + 12];
    *payload = buf + CBUS_MODULE_MIN;
}

/* ---- encoding ---- */

static void putHeader(unsigned char *buf, const cbusHeader *h, int type, uint32_t totlen) {
    memcpy(buf + OFF_SIG, "RCmb", 4);
    wr32(buf + OFF_TOTLEN, totlen);
    wr16(buf + OFF_VER, CBUS_PROTO_VER);
    wr16(buf + OFF_PORT, h->port);
    wr16(buf + OFF_TYPE, (uint16_t)type);
    wr16(buf + OFF_COUNT, 0);
    wr64(buf + OFF_CUREPOCH, h->current_epoch);
    wr64(buf + OFF_CFGEPOCH, h->config_epoch);
    wr64(buf + OFF_OFFSET, h->offset);
    memcpy(buf + OFF_SENDER, h->sender, CLUSTER_NAMELEN);
    memcpy(buf + OFF_MYSLOTS, h->myslots, CBUS_SLOTBYTES);
    memcpy(buf + OFF_SLAVEOF, h->slaveof, CLUSTER_NAMELEN);
    wrText(buf + OFF_MYIP, h->myip, CBUS_IPLEN);
    wr16(buf + OFF_EXTENSIONS, 0);
    wr16(buf + OFF_PPORT, h->pport);
    wr16(buf + OFF_CPORT, h->cport);
    wr16(buf + OFF_FLAGS, h->flags);
    buf[OFF_STATE] = h->state;
    memcpy(buf + OFF_MFLAGS, h->mflags, 3);
    buf[OFF_MFLAGS] &= (unsigned char)~CBUS_MFLAG_EXT_DATA;
}

static unsigned char *allocPacket(size_t totlen) {
    return zcalloc(totlen);
}

unsigned char *cbusBuildPing(const cbusHeader *h, int type, const cbusGossip *g,
                             int count, const cbusExt *ext, int nexts, size_t *len) {
    size_t totlen = CBUS_HDR_LEN + (size_t)count * CBUS_GOSSIP_LEN;
    for (int j = 0; j < nexts; j++) totlen += extWireLen(ext[j].len);
    unsigned char *buf = allocPacket(totlen);
    putHeader(buf, h, type, (uint32_t)totlen);
    wr16(buf + OFF_COUNT, (uint16_t)count);

    unsigned char *p = buf + CBUS_HDR_LEN;
    for (int j = 0; j < count; j++, p += CBUS_GOSSIP_LEN) {
        memcpy(p + G_NAME, g[j].nodename, CLUSTER_NAMELEN);
        wr32(p + G_PING, g[j].ping_sent);
        wr32(p + G_PONG, g[j].pong_received);
        wrText(p + G_IP, g[j].ip, CBUS_IPLEN);
        wr16(p + G_PORT, g[j].port);
        wr16(p + G_CPORT, g[j].cport);
        wr16(p + G_FLAGS, g[j].flags);
        wr16(p + G_PPORT, g[j].pport);
        wr16(p + G_UNUSED, g[j].hint);
    }
    for (int j = 0; j < nexts; j++) {
        uint32_t wire = extWireLen(ext[j].len);
        wr32(p, wire);
        wr16(p + 4, ext[j].type);
        if (ext[j].len) memcpy(p + CBUS_EXT_HDR_LEN, ext[j].payload, ext[j].len);
        p += wire;
    }
    if (nexts) {
        wr16(buf + OFF_EXTENSIONS, (uint16_t)nexts);
        buf[OFF_MFLAGS] |= CBUS_MFLAG_EXT_DATA;
    }
    *len = totlen;
    return buf;
}

unsigned char *cbusBuildFail(const cbusHeader *h, const char *nodename, size_t *len) {
    unsigned char *buf = allocPacket(CBUS_FAIL_LEN);
    putHeader(buf, h, CBUS_FAIL, CBUS_FAIL_LEN);
    memcpy(buf + CBUS_HDR_LEN, nodename, CLUSTER_NAMELEN);
    *len = CBUS_FAIL_LEN;
    return buf;
}

unsigned char *cbusBuildPublish(const cbusHeader *h, int type,
                                const void *channel, uint32_t channel_len,
                                const void *message, uint32_t message_len, size_t *len) {
    size_t totlen = (size_t)CBUS_PUBLISH_MIN + channel_len + message_len;
    unsigned char *buf = allocPacket(totlen);
    putHeader(buf, h, type, (uint32_t)totlen);
    wr32(buf + CBUS_HDR_LEN, channel_len);
    wr32(buf + CBUS_HDR_LEN + 4, message_len);
    if (channel_len) memcpy(buf + CBUS_PUBLISH_MIN, channel, channel_len);
    if (message_len) memcpy(buf + CBUS_PUBLISH_MIN + channel_len, message, message_len);
    *len = totlen;
    return buf;
}

unsigned char *cbusBuildUpdate(const cbusHeader *h, uint64_t config_epoch,
                               const char *nodename, const unsigned char *slots,
                               size_t *len) {
    unsigned char *buf = allocPacket(CBUS_UPDATE_LEN);
    putHeader(buf, h, CBUS_UPDATE, CBUS_UPDATE_LEN);
    wr64(buf + CBUS_HDR_LEN, config_epoch);
    memcpy(buf + CBUS_HDR_LEN + 8, nodename, CLUSTER_NAMELEN);
    memcpy(buf + CBUS_HDR_LEN + 8 + CLUSTER_NAMELEN, slots, CBUS_SLOTBYTES);
    *len = CBUS_UPDATE_LEN;
    return buf;
}

unsigned char *cbusBuildModule(const cbusHeader *h, uint64_t module_id, uint8_t type,
                               const void *payload, uint32_t plen, size_t *len) {
    size_t totlen = (size_t)CBUS_MODULE_MIN + plen;
    unsigned char *buf = allocPacket(totlen);
    putHeader(buf, h, CBUS_MODULE, (uint32_t)totlen);
    wr64(buf + CBUS_HDR_LEN, module_id);
    wr32(buf + CBUS_HDR_LEN + 8, plen);
    buf[CBUS_HDR_LEN + 12] = type;
    if (plen) memcpy(buf + CBUS_MODULE_MIN, payload, plen);
    *len = totlen;
    return buf;
}

unsigned char *cbusBuildEmpty(const cbusHeader *h, int type, size_t *len) {
    unsigned char *buf = allocPacket(CBUS_HDR_LEN);
    putHeader(buf, h, type, CBUS_HDR_LEN);
    *len = CBUS_HDR_LEN;
    return buf;
}

/* ---------------------------------------------------------------------------
 * Slot bitmaps
 * ------------------------------------------------------------------------ */

/* The first run of set slots at or after `from`: 1 with [*start, *end],
 * 0 when none is left. Whole bytes are skipped while they are all clear
 * (looking for a start) or all set (looking for the end): CLUSTER NODES,
 * SHARDS and every nodes.conf save list each master's ranges, and a
 * bit-by-bit walk of 16384 slots per node was most of a reshard's CPU. */
int cbusSlotNextRange(const unsigned char *slots, int from, int *start, int *end) {
    int j = from;
    while (j < CLUSTER_SLOTS) {
        if ((j & 7) == 0 && slots[j >> 3] == 0) { j += 8; continue; }
        if (cbusSlotIsSet(slots, j)) break;
        j++;
    }
    if (j >= CLUSTER_SLOTS) return 0;
    *start = j;
    while (j < CLUSTER_SLOTS) {
        if ((j & 7) == 0 && slots[j >> 3] == 0xff) { j += 8; continue; }
        if (!cbusSlotIsSet(slots, j)) break;
        j++;
    }
    *end = j - 1;
    return 1;
}
