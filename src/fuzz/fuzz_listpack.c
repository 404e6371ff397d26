/* fuzz_listpack.c - libFuzzer target for listpack validation (listpack.c).
 *
 * RDB files and RESTORE payloads hand us listpack blobs from outside. The
 * contract: lpValidateIntegrity(deep) never reads outside the blob, and
 * when it accepts one, walking it with the normal accessors is safe. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../listpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* An exact-size heap copy, so that ASan catches any over-read. */
    unsigned char *lp = malloc(size ? size : 1);
    memcpy(lp, data, size);
    if (lpValidateIntegrity(lp, size, 0, NULL, NULL) &&
        lpValidateIntegrity(lp, size, 1, NULL, NULL)) {
        unsigned long n = 0;
        for (unsigned char *p = lpFirst(lp); p; p = lpNext(lp, p)) {
            int64_t len;
            unsigned char buf[LP_INTBUF_SIZE];
            unsigned char *v = lpGet(p, &len, buf);
            if (v) {
                volatile unsigned char sink = 0;
                for (int64_t i = 0; i < len; i++) sink ^= v[i];
                (void)sink;
            }
            n++;
        }
        for (unsigned char *p = lpLast(lp); p; p = lpPrev(lp, p)) n--;
        if (n != 0) abort();
    }
    free(lp);
    return 0;
}
