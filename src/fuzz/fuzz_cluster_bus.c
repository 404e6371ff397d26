/* fuzz_cluster_bus.c - libFuzzer target for the cluster bus codec
 * (cluster_bus.c), the code that reads packets from any peer that can
 * reach the bus port.
 *
 * The contract: cbusValidate() never reads outside the buffer, and for a
 * packet it accepts (CBUS_OK) every accessor of that packet's type stays
 * inside the packet too, the extension walk terminates, and re-encoding
 * what was decoded does not crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../cluster_bus.h"
#include "../zmalloc.h"

static void touch(const unsigned char *p, size_t n) {
    volatile unsigned char sink = 0;
    for (size_t i = 0; i < n; i++) sink ^= p[i];
    (void)sink;
}

static void walkPacket(const unsigned char *buf) {
    cbusHeader h;
    cbusGetHeader(buf, &h);
    switch (h.type) {
    case CBUS_PING: case CBUS_PONG: case CBUS_MEET: {
        cbusGossip g;
        for (int i = 0; i < h.count; i++) cbusGetGossip(buf, i, &g);
        cbusExtIter it;
        cbusExt ext;
        int n = 0;
        cbusExtIterInit(buf, &it);
        while (cbusExtNext(&it, &ext)) {
            touch(ext.payload, ext.len);
            if (ext.type == CBUS_EXT_FORGOTTEN_NODE) {
                char name[CLUSTER_NAMELEN];
                uint64_t ttl;
                (void)cbusParseForgotten(&ext, name, &ttl);
            }
            if (++n > 65536) abort(); /* the walk must end */
        }
        size_t len;
        unsigned char *again = cbusBuildPing(&h, h.type, NULL, 0, NULL, 0, &len);
        zfree(again);
        break;
    }
    case CBUS_FAIL: {
        char name[CLUSTER_NAMELEN];
        cbusGetFail(buf, name);
        break;
    }
    case CBUS_PUBLISH: case CBUS_PUBLISHSHARD: {
        const unsigned char *ch, *msg;
        uint32_t chlen, msglen;
        cbusGetPublish(buf, &ch, &chlen, &msg, &msglen);
        touch(ch, chlen);
        touch(msg, msglen);
        break;
    }
    case CBUS_UPDATE: {
        uint64_t epoch;
        char name[CLUSTER_NAMELEN];
        unsigned char slots[CBUS_SLOTBYTES];
        cbusGetUpdate(buf, &epoch, name, slots);
        break;
    }
    case CBUS_MODULE: {
        uint64_t id;
        uint8_t type;
        const unsigned char *payload;
        uint32_t len;
        cbusGetModule(buf, &id, &type, &payload, &len);
        touch(payload, len);
        break;
    }
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* Exact-size copy: ASan flags any read past the end. */
    unsigned char *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    uint32_t need = 0;
    char err[256];
    int rc = cbusValidate(buf, size, &need, err, sizeof(err));
    if (rc == CBUS_OK) walkPacket(buf);
    if (rc == CBUS_INCOMPLETE && need != 0 && need <= size) abort();
    free(buf);
    return 0;
}
