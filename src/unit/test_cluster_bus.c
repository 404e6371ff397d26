/* test_cluster_bus.c - unit tests for the cluster bus codec (cluster_bus.c).
 *
 * The strongest checks use packets captured from stock 7.0.15 nodes
 * (cluster_bus_vectors.h): each must validate, decode to the expected
 * fields, and re-encode from its decoded parts to the very same bytes. Then
 * hand-made packets cover every rejection rule, 7.2 extensions we must skip,
 * and random corruption (which must never read past the packet).
 */
#include <stdlib.h>
#include <stdint.h>
#include "test_help.h"
#include "../cluster_bus.h"
#include "../zmalloc.h"
#include "cluster_bus_vectors.h"

/* Expands a vector's compressed hex ("~N~" = N zero bytes). */
static unsigned char *expandVector(const char *hex, size_t *len) {
    size_t cap = 8192, n = 0;
    unsigned char *buf = zmalloc(cap);
    const char *p = hex;
    while (*p) {
        if (*p == '~') {
            long z = strtol(p + 1, (char **)&p, 10);
            p++;  /* closing ~ */
            memset(buf + n, 0, z);
            n += z;
        } else {
            unsigned int b;
            sscanf(p, "%2x", &b);
            buf[n++] = (unsigned char)b;
            p += 2;
        }
    }
    *len = n;
    return buf;
}

static const busVector *findVector(const char *prefix) {
    for (const busVector *v = bus_vectors; v->name; v++)
        if (!strncmp(v->name, prefix, strlen(prefix))) return v;
    return NULL;
}

/* Re-encodes a validated packet from its decoded parts. */
static unsigned char *reencode(const unsigned char *buf, size_t *len) {
    cbusHeader h;
    cbusGetHeader(buf, &h);
    switch (h.type) {
    case CBUS_PING: case CBUS_PONG: case CBUS_MEET: {
        cbusGossip g[16];
        cbusExt e[16];
        int n = 0;
        for (int j = 0; j < h.count && j < 16; j++) cbusGetGossip(buf, j, &g[j]);
        cbusExtIter it;
        cbusExtIterInit(buf, &it);
        while (n < 16 && cbusExtNext(&it, &e[n])) n++;
        return cbusBuildPing(&h, h.type, g, h.count, e, n, len);
    }
    case CBUS_FAIL: {
        char name[CLUSTER_NAMELEN];
        cbusGetFail(buf, name);
        return cbusBuildFail(&h, name, len);
    }
    case CBUS_PUBLISH: case CBUS_PUBLISHSHARD: {
        const unsigned char *ch, *msg;
        uint32_t cl, ml;
        cbusGetPublish(buf, &ch, &cl, &msg, &ml);
        return cbusBuildPublish(&h, h.type, ch, cl, msg, ml, len);
    }
    default:
        return NULL;
    }
}

TEST(stock_vectors_roundtrip) {
    int n = 0;
    for (const busVector *v = bus_vectors; v->name; v++, n++) {
        size_t len, len2 = 0;
        unsigned char *buf = expandVector(v->hex, &len);
        char err[256];
        uint32_t need;
        TEST_ASSERT_MSG(cbusValidate(buf, len, &need, err, sizeof(err)) == CBUS_OK, v->name);
        TEST_ASSERT(need == len);
        unsigned char *again = reencode(buf, &len2);
        TEST_ASSERT_MSG(again && len2 == len && memcmp(again, buf, len) == 0, v->name);
        /* Every shorter prefix is incomplete, never an error. */
        TEST_ASSERT(cbusValidate(buf, len - 1, &need, NULL, 0) == CBUS_INCOMPLETE);
        TEST_ASSERT(cbusValidate(buf, 7, &need, NULL, 0) == CBUS_INCOMPLETE && need == 0);
        zfree(again);
        zfree(buf);
    }
    TEST_ASSERT(n >= 6);
}

TEST(stock_meet_fields) {
    const busVector *v = findVector("MEET");
    TEST_ASSERT(v != NULL);
    if (!v) return;
    size_t len;
    unsigned char *buf = expandVector(v->hex, &len);
    cbusHeader h;
    cbusGetHeader(buf, &h);
    TEST_ASSERT(h.type == CBUS_MEET && h.ver == 1 && h.totlen == len);
    TEST_ASSERT(h.port == 31001 && h.cport == 42001 && h.pport == 0);
    TEST_ASSERT(h.flags == (CBUS_NODE_MASTER|CBUS_NODE_MYSELF)); /* stock sends MYSELF too */
    TEST_ASSERT(h.myip[0] == '\0');            /* no cluster-announce-ip */
    TEST_ASSERT(h.slaveof[0] == '\0');
    TEST_ASSERT(cbusSlotIsSet(h.myslots, 0) && cbusSlotIsSet(h.myslots, 5000));
    TEST_ASSERT(!cbusSlotIsSet(h.myslots, 5001));
    TEST_ASSERT(h.mflags[0] == CBUS_MFLAG_EXT_DATA && h.extensions == 1);
    cbusExtIter it;
    cbusExt e;
    cbusExtIterInit(buf, &it);
    TEST_ASSERT(cbusExtNext(&it, &e));
    TEST_ASSERT(e.type == CBUS_EXT_HOSTNAME && e.len == 16);
    TEST_ASSERT(!strcmp((const char *)e.payload, "host1.example"));
    TEST_ASSERT(!cbusExtNext(&it, &e));
    zfree(buf);
}

TEST(stock_gossip_and_fail) {
    const busVector *v = findVector("PONG count=2");
    TEST_ASSERT(v != NULL);
    if (!v) return;
    size_t len;
    unsigned char *buf = expandVector(v->hex, &len);
    cbusGossip g;
    for (int j = 0; j < 2; j++) {
        cbusGetGossip(buf, j, &g);
        TEST_ASSERT(!strcmp(g.ip, "127.0.0.1"));
        TEST_ASSERT(g.port >= 31001 && g.port <= 31003);
        TEST_ASSERT(g.cport == g.port + 11000);
    }
    zfree(buf);

    v = findVector("FAIL");
    TEST_ASSERT(v != NULL);
    if (!v) return;
    buf = expandVector(v->hex, &len);
    char name[CLUSTER_NAMELEN + 1] = {0};
    cbusGetFail(buf, name);
    for (int j = 0; j < CLUSTER_NAMELEN; j++)
        TEST_ASSERT((name[j] >= '0' && name[j] <= '9') || (name[j] >= 'a' && name[j] <= 'f'));
    zfree(buf);

    v = findVector("PUBLISH");
    TEST_ASSERT(v != NULL);
    if (!v) return;
    buf = expandVector(v->hex, &len);
    const unsigned char *ch, *msg;
    uint32_t cl, ml;
    cbusGetPublish(buf, &ch, &cl, &msg, &ml);
    TEST_ASSERT(cl == 4 && !memcmp(ch, "chan", 4) && ml == 5 && !memcmp(msg, "hello", 5));
    zfree(buf);
}

static void sampleHeader(cbusHeader *h) {
    memset(h, 0, sizeof(*h));
    memset(h->sender, 'a', CLUSTER_NAMELEN);
    h->port = 7000; h->cport = 17000; h->flags = CBUS_NODE_MASTER;
    h->current_epoch = 0x0102030405060708ULL; h->config_epoch = 3; h->offset = 99;
    strcpy(h->myip, "10.0.0.1");
    cbusSlotSet(h->myslots, 16383);
}

TEST(build_and_decode_every_type) {
    cbusHeader h, d;
    sampleHeader(&h);
    size_t len;
    unsigned char *b;
    char name[CLUSTER_NAMELEN];
    memset(name, 'b', sizeof(name));

    b = cbusBuildFail(&h, name, &len);
    TEST_ASSERT(len == 2296 && cbusValidate(b, len, NULL, NULL, 0) == CBUS_OK);
    cbusGetHeader(b, &d);
    TEST_ASSERT(d.type == CBUS_FAIL && d.current_epoch == h.current_epoch);
    TEST_ASSERT(!strcmp(d.myip, "10.0.0.1") && cbusSlotIsSet(d.myslots, 16383));
    TEST_ASSERT(!memcmp(b + 16, "\x01\x02\x03\x04\x05\x06\x07\x08", 8)); /* big-endian */
    zfree(b);

    unsigned char slots[CBUS_SLOTBYTES] = {0}, slots2[CBUS_SLOTBYTES];
    cbusSlotSet(slots, 42);
    b = cbusBuildUpdate(&h, 77, name, slots, &len);
    TEST_ASSERT(len == 4352 && cbusValidate(b, len, NULL, NULL, 0) == CBUS_OK);
    uint64_t ep;
    char name2[CLUSTER_NAMELEN];
    cbusGetUpdate(b, &ep, name2, slots2);
    TEST_ASSERT(ep == 77 && !memcmp(name, name2, 40) && cbusSlotIsSet(slots2, 42));
    zfree(b);

    b = cbusBuildModule(&h, 5, 2, "xyz", 3, &len);
    TEST_ASSERT(len == 2272 && cbusValidate(b, len, NULL, NULL, 0) == CBUS_OK);
    uint64_t mid; uint8_t mt; const unsigned char *pl; uint32_t plen;
    cbusGetModule(b, &mid, &mt, &pl, &plen);
    TEST_ASSERT(mid == 5 && mt == 2 && plen == 3 && !memcmp(pl, "xyz", 3));
    zfree(b);

    int empties[] = {CBUS_AUTH_REQUEST, CBUS_AUTH_ACK, CBUS_MFSTART};
    for (int j = 0; j < 3; j++) {
        b = cbusBuildEmpty(&h, empties[j], &len);
        TEST_ASSERT(len == 2256 && cbusValidate(b, len, NULL, NULL, 0) == CBUS_OK);
        zfree(b);
    }

    b = cbusBuildPublish(&h, CBUS_PUBLISHSHARD, "c", 1, "", 0, &len);
    TEST_ASSERT(len == 2265 && cbusValidate(b, len, NULL, NULL, 0) == CBUS_OK);
    zfree(b);

    /* A ping without extensions has no EXT_DATA flag (as 7.0). */
    h.mflags[0] = CBUS_MFLAG_EXT_DATA | CBUS_MFLAG_PAUSED;
    b = cbusBuildPing(&h, CBUS_PING, NULL, 0, NULL, 0, &len);
    TEST_ASSERT(len == 2256 && b[2253] == CBUS_MFLAG_PAUSED);
    TEST_ASSERT(cbusValidate(b, len, NULL, NULL, 0) == CBUS_OK);
    zfree(b);
}

/* 7.2 nodes may send forgotten-node, shard-id and human-nodename
 * extensions: they validate and iterate, and we can read a forgotten node. */
TEST(extensions_from_newer_versions) {
    cbusHeader h;
    sampleHeader(&h);
    unsigned char forgotten[48];
    memset(forgotten, 'c', 40);
    memcpy(forgotten + 40, "\0\0\0\0\0\0\0\x3c", 8);
    unsigned char shard[40];
    memset(shard, 'd', 40);
    cbusExt e[4] = {
        {CBUS_EXT_HOSTNAME, 4, (const unsigned char *)"abc"},
        {CBUS_EXT_FORGOTTEN_NODE, 48, forgotten},
        {CBUS_EXT_SHARDID, 40, shard},
        {CBUS_EXT_HUMAN_NODENAME, 6, (const unsigned char *)"node1"},
    };
    cbusGossip g = {0};
    memset(g.nodename, 'e', 40);
    strcpy(g.ip, "::1");
    g.port = 1; g.cport = 2; g.flags = 3; g.pport = 4;
    size_t len;
    unsigned char *b = cbusBuildPing(&h, CBUS_MEET, &g, 1, e, 4, &len);
    TEST_ASSERT(len == 2256 + 104 + 16 + 56 + 48 + 16);
    TEST_ASSERT(cbusValidate(b, len, NULL, NULL, 0) == CBUS_OK);
    cbusExtIter it;
    cbusExt x;
    cbusExtIterInit(b, &it);
    int n = 0;
    while (cbusExtNext(&it, &x)) {
        if (x.type == CBUS_EXT_FORGOTTEN_NODE) {
            char name[40]; uint64_t ttl;
            TEST_ASSERT(cbusParseForgotten(&x, name, &ttl) && ttl == 60 && name[0] == 'c');
        }
        TEST_ASSERT(x.len % 8 == 0);
        n++;
    }
    TEST_ASSERT(n == 4);
    cbusGossip g2;
    cbusGetGossip(b, 0, &g2);
    TEST_ASSERT(!strcmp(g2.ip, "::1") && g2.port == 1 && g2.cport == 2 && g2.flags == 3 && g2.pport == 4);
    zfree(b);
}

static void put32(unsigned char *p, uint32_t v) {
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

TEST(rejections) {
    cbusHeader h;
    sampleHeader(&h);
    size_t len;
    char err[256];
    unsigned char *b = cbusBuildPing(&h, CBUS_PING, NULL, 0, NULL, 0, &len);

    b[0] = 'X';
    TEST_ASSERT(cbusValidate(b, len, NULL, err, sizeof(err)) == CBUS_ERR_CLOSE);
    b[0] = 'R';
    put32(b + 4, 100);
    TEST_ASSERT(cbusValidate(b, len, NULL, err, sizeof(err)) == CBUS_ERR_CLOSE);
    put32(b + 4, (uint32_t)len);
    b[9] = 2;   /* version 2 */
    TEST_ASSERT(cbusValidate(b, len, NULL, NULL, 0) == CBUS_BAD_VERSION);
    b[9] = 1;
    b[15] = 1;  /* count 1 but no gossip bytes */
    TEST_ASSERT(cbusValidate(b, len, NULL, err, sizeof(err)) == CBUS_ERR_IGNORE);
    TEST_ASSERT(strstr(err, "Received invalid ping packet of length 2256") != NULL);
    b[15] = 0;
    b[13] = CBUS_FAIL;  /* a FAIL must be 2296 bytes */
    TEST_ASSERT(cbusValidate(b, len, NULL, err, sizeof(err)) == CBUS_ERR_IGNORE);
    b[13] = CBUS_UPDATE;
    TEST_ASSERT(cbusValidate(b, len, NULL, err, sizeof(err)) == CBUS_ERR_IGNORE);
    b[13] = 200;  /* unknown type: framed, caller skips it */
    TEST_ASSERT(cbusValidate(b, len, NULL, NULL, 0) == CBUS_OK);
    zfree(b);

    /* Extensions: bad padding, too long, announced but missing. */
    cbusExt e = {CBUS_EXT_HOSTNAME, 4, (const unsigned char *)"abc"};
    b = cbusBuildPing(&h, CBUS_PONG, NULL, 0, &e, 1, &len);
    put32(b + 2256, 12);
    TEST_ASSERT(cbusValidate(b, len, NULL, err, sizeof(err)) == CBUS_ERR_IGNORE);
    TEST_ASSERT(strstr(err, "without proper padding") != NULL);
    put32(b + 2256, 64);
    TEST_ASSERT(cbusValidate(b, len, NULL, err, sizeof(err)) == CBUS_ERR_IGNORE);
    put32(b + 2256, 0);
    TEST_ASSERT(cbusValidate(b, len, NULL, err, sizeof(err)) == CBUS_ERR_IGNORE);
    put32(b + 2256, 16);
    b[2215] = 2;  /* two extensions announced, one present */
    TEST_ASSERT(cbusValidate(b, len, NULL, err, sizeof(err)) == CBUS_ERR_IGNORE);
    b[2215] = 1;
    TEST_ASSERT(cbusValidate(b, len, NULL, NULL, 0) == CBUS_OK);
    b[2253] = 0;  /* without EXT_DATA the trailing bytes do not count */
    TEST_ASSERT(cbusValidate(b, len, NULL, NULL, 0) == CBUS_ERR_IGNORE);
    zfree(b);

    /* PUBLISH lengths that overflow 32 bits must not wrap around. */
    b = cbusBuildPublish(&h, CBUS_PUBLISH, "ch", 2, "m", 1, &len);
    put32(b + 2256, 0xffffffffu);
    TEST_ASSERT(cbusValidate(b, len, NULL, NULL, 0) == CBUS_ERR_IGNORE);
    put32(b + 2256, 2);
    put32(b + 2260, 0xfffffffeu);
    TEST_ASSERT(cbusValidate(b, len, NULL, NULL, 0) == CBUS_ERR_IGNORE);
    zfree(b);
}

/* Random byte flips of real packets: validation either rejects them or
 * every accessor stays inside the packet (checked by ASan in CI runs). */
TEST(corruption_never_reads_outside) {
    srand(1234);
    for (const busVector *v = bus_vectors; v->name; v++) {
        size_t len;
        unsigned char *orig = expandVector(v->hex, &len);
        for (int round = 0; round < 300; round++) {
            unsigned char *b = zmalloc(len);
            memcpy(b, orig, len);
            int flips = 1 + rand() % 4;
            for (int f = 0; f < flips; f++) {
                size_t at = (round % 3 == 0) ? (size_t)(rand() % 2256) : (size_t)(rand() % len);
                if (round % 5 == 0) at = 2214 + rand() % 42;  /* the tail fields */
                b[at] = (unsigned char)rand();
            }
            if (cbusValidate(b, len, NULL, NULL, 0) == CBUS_OK) {
                cbusHeader h;
                cbusGetHeader(b, &h);
                size_t l2;
                unsigned char *again = reencode(b, &l2);
                if (again) {
                    TEST_ASSERT(l2 <= len);
                    zfree(again);
                }
            }
            zfree(b);
        }
        zfree(orig);
    }
}

/* Ranges found by the byte-skipping scan equal a bit-by-bit walk. */
TEST(slot_ranges) {
    unsigned char slots[CBUS_SLOTBYTES];
    int s, e;
    memset(slots, 0, sizeof(slots));
    TEST_ASSERT(cbusSlotNextRange(slots, 0, &s, &e) == 0);
    memset(slots, 0xff, sizeof(slots));
    TEST_ASSERT(cbusSlotNextRange(slots, 0, &s, &e) == 1 && s == 0 && e == CLUSTER_SLOTS - 1);
    TEST_ASSERT(cbusSlotNextRange(slots, 16383, &s, &e) == 1 && s == 16383 && e == 16383);
    unsigned int seed = 12345;
    for (int round = 0; round < 200; round++) {
        memset(slots, 0, sizeof(slots));
        int runs = round % 20;
        for (int r = 0; r < runs; r++) {
            seed = seed * 1103515245 + 12345;
            int a = (int)((seed >> 8) % CLUSTER_SLOTS);
            int len = 1 + (int)((seed >> 3) % (round < 100 ? 9 : 3000));
            for (int j = a; j < a + len && j < CLUSTER_SLOTS; j++) cbusSlotSet(slots, j);
        }
        /* The reference: bit by bit. */
        int want[2 * CLUSTER_SLOTS], nw = 0, st = -1;
        for (int j = 0; j <= CLUSTER_SLOTS; j++) {
            int bit = j < CLUSTER_SLOTS && cbusSlotIsSet(slots, j);
            if (bit && st == -1) st = j;
            if (!bit && st != -1) { want[nw++] = st; want[nw++] = j - 1; st = -1; }
        }
        int ng = 0, from = 0, ok = 1;
        while (cbusSlotNextRange(slots, from, &s, &e)) {
            if (ng + 1 >= nw || want[ng] != s || want[ng + 1] != e) { ok = 0; break; }
            ng += 2;
            from = e + 1;
        }
        TEST_ASSERT(ok && ng == nw);
    }
}

int main(void) {
    RUN(stock_vectors_roundtrip);
    RUN(stock_meet_fields);
    RUN(stock_gossip_and_fail);
    RUN(build_and_decode_every_type);
    RUN(extensions_from_newer_versions);
    RUN(rejections);
    RUN(corruption_never_reads_outside);
    RUN(slot_ranges);
    return TEST_REPORT();
}
