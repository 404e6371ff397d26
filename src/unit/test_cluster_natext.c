/* test_cluster_natext.c - unit tests for the NAT ping extension codec
 * (cluster_natext.c): round trips, the exact wire bytes, its framing inside
 * a PING built by cluster_bus.c, and every kind of malformed payload. */
#include <stdlib.h>
#include "test_help.h"
#include "../cluster_natext.h"
#include "../cluster_bus.h"
#include "../zmalloc.h"

static cnatInfo sample(void) {
    cnatInfo in;
    memset(&in, 0, sizeof(in));
    in.flags = CNAT_FLAG_IP_CONFIGURED;
    in.port = 6379;
    in.tls_port = 6380;
    in.cport = 16379;
    strcpy(in.ip, "10.42.0.11");
    strcpy(in.hostname, "redis-0.redis-headless.default.svc");
    return in;
}

TEST(roundtrip) {
    cnatInfo in = sample(), out;
    unsigned char buf[CNAT_MAX_LEN];
    size_t len = cnatEncode(&in, buf);
    TEST_ASSERT(len == CNAT_FIXED_LEN + strlen(in.hostname));
    TEST_ASSERT(cnatDecode(buf, len, &out) == 1);
    TEST_ASSERT(out.version == 1 && out.flags == 1);
    TEST_ASSERT(out.port == 6379 && out.tls_port == 6380 && out.cport == 16379);
    TEST_ASSERT(!strcmp(out.ip, "10.42.0.11"));
    TEST_ASSERT(!strcmp(out.hostname, in.hostname));
}

TEST(wire_bytes) {
    cnatInfo in = sample();
    in.hostname[0] = '\0';
    unsigned char buf[CNAT_MAX_LEN];
    TEST_ASSERT(cnatEncode(&in, buf) == CNAT_FIXED_LEN);
    TEST_ASSERT(buf[0] == 1 && buf[1] == 1 && buf[2] == 0 && buf[3] == 0);
    TEST_ASSERT(buf[4] == 0x18 && buf[5] == 0xeb);    /* 6379 */
    TEST_ASSERT(buf[8] == 0x3f && buf[9] == 0xfb);    /* 16379 */
    TEST_ASSERT(!memcmp(buf + 12, "10.42.0.11", 11));
    TEST_ASSERT(buf[58] == 0 && buf[59] == 0);
}

TEST(ipv6_and_padding) {
    cnatInfo in = sample(), out;
    strcpy(in.ip, "fd00::1:2");
    unsigned char buf[CNAT_MAX_LEN + 8];
    size_t len = cnatEncode(&in, buf);
    memset(buf + len, 0, 7);  /* the framing's padding comes along */
    TEST_ASSERT(cnatDecode(buf, len + 7, &out) == 1);
    TEST_ASSERT(!strcmp(out.ip, "fd00::1:2"));
}

TEST(encode_rejects_bad_input) {
    cnatInfo in = sample();
    unsigned char buf[CNAT_MAX_LEN];
    strcpy(in.ip, "not-an-ip");
    TEST_ASSERT(cnatEncode(&in, buf) == 0);
    in = sample();
    strcpy(in.hostname, "bad name");
    TEST_ASSERT(cnatEncode(&in, buf) == 0);
}

TEST(decode_rejects_malformed) {
    cnatInfo in = sample(), out;
    unsigned char good[CNAT_MAX_LEN], bad[CNAT_MAX_LEN];
    size_t len = cnatEncode(&in, good);
    /* Truncated anywhere before the fixed part ends. */
    for (size_t l = 0; l < CNAT_FIXED_LEN; l++) TEST_ASSERT(cnatDecode(good, l, &out) == 0);
    TEST_ASSERT(cnatDecode(NULL, 100, &out) == 0);
    /* Hostname longer than the payload. */
    TEST_ASSERT(cnatDecode(good, len - 1, &out) == 0);
    /* Version 0. */
    memcpy(bad, good, len); bad[0] = 0;
    TEST_ASSERT(cnatDecode(bad, len, &out) == 0);
    /* IP field without its NUL. */
    memcpy(bad, good, len); memset(bad + 12, '1', CNAT_IPLEN);
    TEST_ASSERT(cnatDecode(bad, len, &out) == 0);
    /* IP that does not parse, empty IP. */
    memcpy(bad, good, len); memcpy(bad + 12, "10.42.0.x", 9);
    TEST_ASSERT(cnatDecode(bad, len, &out) == 0);
    memcpy(bad, good, len); memset(bad + 12, 0, CNAT_IPLEN);
    TEST_ASSERT(cnatDecode(bad, len, &out) == 0);
    /* Bus port 0. */
    memcpy(bad, good, len); bad[8] = bad[9] = 0;
    TEST_ASSERT(cnatDecode(bad, len, &out) == 0);
    /* Hostname with a control character, a NUL, a huge length. */
    memcpy(bad, good, len); bad[CNAT_FIXED_LEN + 2] = '\n';
    TEST_ASSERT(cnatDecode(bad, len, &out) == 0);
    memcpy(bad, good, len); bad[CNAT_FIXED_LEN + 2] = '\0';
    TEST_ASSERT(cnatDecode(bad, len, &out) == 0);
    memcpy(bad, good, len); bad[58] = 0xff; bad[59] = 0xff;
    TEST_ASSERT(cnatDecode(bad, len, &out) == 0);
    /* A newer version with more data after our prefix is accepted. */
    memcpy(bad, good, len); bad[0] = 2;
    TEST_ASSERT(cnatDecode(bad, len, &out) == 1 && out.version == 2);
}

TEST(random_corruption_never_crashes) {
    cnatInfo in = sample(), out;
    unsigned char good[CNAT_MAX_LEN], bad[CNAT_MAX_LEN];
    size_t len = cnatEncode(&in, good);
    srand(42);
    for (int i = 0; i < 20000; i++) {
        memcpy(bad, good, len);
        int flips = 1 + rand() % 4;
        for (int f = 0; f < flips; f++) bad[rand() % len] = (unsigned char)rand();
        size_t l = (size_t)(rand() % (len + 1));
        if (cnatDecode(bad, l, &out)) {
            TEST_ASSERT(strlen(out.ip) < CNAT_IPLEN);
            TEST_ASSERT(strlen(out.hostname) <= l - CNAT_FIXED_LEN);
        }
    }
}

/* Inside a PING built by the bus codec, next to a hostname extension. */
TEST(framed_in_ping) {
    cnatInfo in = sample(), out;
    unsigned char payload[CNAT_MAX_LEN];
    cbusExt ext[2];
    ext[0].type = CBUS_EXT_HOSTNAME;
    ext[0].payload = (const unsigned char *)"pod-0";
    ext[0].len = 6;
    ext[1].type = CNAT_EXT_TYPE;
    ext[1].payload = payload;
    ext[1].len = (uint32_t)cnatEncode(&in, payload);
    cbusHeader h;
    memset(&h, 0, sizeof(h));
    memset(h.sender, 'a', CLUSTER_NAMELEN);
    size_t len;
    unsigned char *pkt = cbusBuildPing(&h, CBUS_PING, NULL, 0, ext, 2, &len);
    uint32_t need;
    TEST_ASSERT(cbusValidate(pkt, len, &need, NULL, 0) == CBUS_OK);
    cbusExtIter it;
    cbusExt e;
    int found = 0;
    cbusExtIterInit(pkt, &it);
    while (cbusExtNext(&it, &e)) {
        if (e.type != CNAT_EXT_TYPE) continue;
        found = cnatDecode(e.payload, e.len, &out);
    }
    TEST_ASSERT(found == 1);
    TEST_ASSERT(!strcmp(out.hostname, in.hostname) && out.cport == 16379);
    zfree(pkt);
}

/* The gossip hint travels in the entry's unused u16 (offset 102). */
TEST(gossip_hint) {
    cbusGossip g;
    memset(&g, 0, sizeof(g));
    memset(g.nodename, 'b', CLUSTER_NAMELEN);
    strcpy(g.ip, "10.42.0.12");
    g.port = 6379;
    g.cport = 16379;
    g.hint = CNAT_GOSSIP_HINT;
    cbusHeader h;
    memset(&h, 0, sizeof(h));
    memset(h.sender, 'a', CLUSTER_NAMELEN);
    size_t len;
    unsigned char *pkt = cbusBuildPing(&h, CBUS_PING, &g, 1, NULL, 0, &len);
    TEST_ASSERT(pkt[CBUS_HDR_LEN + 102] == 0x4E && pkt[CBUS_HDR_LEN + 103] == 0x41);
    cbusGossip out;
    cbusGetGossip(pkt, 0, &out);
    TEST_ASSERT(out.hint == CNAT_GOSSIP_HINT && out.cport == 16379);
    zfree(pkt);
}

int main(void) {
    RUN(roundtrip);
    RUN(wire_bytes);
    RUN(ipv6_and_padding);
    RUN(encode_rejects_bad_input);
    RUN(decode_rejects_malformed);
    RUN(random_corruption_never_crashes);
    RUN(framed_in_ping);
    RUN(gossip_hint);
    return TEST_REPORT();
}
