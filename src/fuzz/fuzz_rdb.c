/* fuzz_rdb.c - libFuzzer target for the RDB value loader (rdb.c,
 * rdb_types.c): the code behind RESTORE payloads, MIGRATE, full syncs and
 * dump.rdb files, i.e. bytes that come from clients and from peers.
 *
 * An input is what RESTORE loads once the payload footer (RDB version and
 * CRC64) has been checked: a type byte and the value. The fuzzer can't forge
 * a CRC64, so the target starts after that check.
 *
 * The contract: loading never reads or writes out of bounds and never
 * crashes, with sanitize-dump-payload no (cheap checks only) or yes; with
 * yes, the setting under which a hostile payload must be refused rather
 * than trusted, a value it accepts is sound, checked by using all of it:
 * its digest walks every element, DUMP writes it out again, and that
 * payload loads back into a value with the same digest.
 *
 * The whole server is linked in (built apart with clang by src/fuzz/Makefile,
 * its main() renamed); LLVMFuzzerInitialize sets up the server state
 * without sockets (initServerState). */
#include <stdint.h>
#include <string.h>

#include "../server.h"
#include "../rdb.h"
#include "../rio.h"
#include "../crc64.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    crc64_init();
    initConfigValues();
    populateCommandTable();
    server.verbosity = LL_WARNING + 1; /* quiet: corrupt input is the normal case */
    initServerState();
    return 0;
}

/* Loads one value from buf (type byte + value); NULL when refused. */
static robj *loadValue(const unsigned char *buf, size_t len, sds key) {
    rio r;
    rioInitWithBuffer(&r, sdsnewlen(buf, len));
    rdbClearError();
    int type = rdbLoadObjectType(&r), error = 0;
    robj *o = type == -1 ? NULL : rdbLoadObject(type, &r, key, 0, &error);
    sdsfree(r.io.buffer.ptr);
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 20) return 0;
    sds key = sdsnew("k");
    /* With the default "no", blobs get only the cheap checks and are then
     * trusted, as in stock: loading must still not crash. */
    server.sanitize_dump_payload = SANITIZE_DUMP_NO;
    robj *trusted = loadValue(data, size, key);
    if (trusted) decrRefCount(trusted);
    server.sanitize_dump_payload = SANITIZE_DUMP_YES;
    robj *o = loadValue(data, size, key);
    if (o) {
        unsigned char d1[20] = {0}, d2[20] = {0};
        objectContentDigest(o, d1);
        robj *keyobj = createStringObject(key, sdslen(key));
        sds payload = createDumpPayload(o, keyobj, 0);
        if (payload == NULL) abort(); /* loaded a type we can't write */
        /* The payload ends with 2 bytes of RDB version and 8 of CRC64. */
        robj *back = loadValue((unsigned char *)payload, sdslen(payload) - 10, key);
        if (back == NULL) abort(); /* we wrote something we refuse to read */
        objectContentDigest(back, d2);
        if (memcmp(d1, d2, sizeof(d1)) != 0) abort();
        decrRefCount(back);
        sdsfree(payload);
        decrRefCount(keyobj);
        decrRefCount(o);
    }
    sdsfree(key);
    return 0;
}
