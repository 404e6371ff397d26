/* fuzz_intset.c - libFuzzer target for intset validation (intset.c): an
 * accepted blob must be sorted, of a known width, and safe to search. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../intset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    unsigned char *blob = malloc(size ? size : 1);
    memcpy(blob, data, size);
    if (intsetValidateIntegrity(blob, size, 1)) {
        intset *is = (intset *)blob;
        uint32_t len = intsetLen(is);
        int64_t prev = 0, v;
        for (uint32_t i = 0; i < len; i++) {
            if (!intsetGet(is, i, &v)) abort();
            if (i > 0 && v <= prev) abort();
            if (!intsetFind(is, v)) abort();
            prev = v;
        }
    }
    free(blob);
    return 0;
}
