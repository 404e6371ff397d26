/* fuzz_lzf.c - libFuzzer target for LZF (lzf.c): decompressing untrusted
 * bytes never writes past the output buffer, and compress/decompress of any
 * input round-trips. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lzf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 65536) return 0;
    unsigned int outcap = (unsigned int)(size * 4 + 16);
    unsigned char *out = malloc(outcap);
    (void)lzf_decompress(data, (unsigned int)size, out, outcap);

    unsigned char *comp = malloc(size + 16);
    unsigned int clen = lzf_compress(data, (unsigned int)size, comp, (unsigned int)size + 16);
    if (clen > 0) {
        unsigned char *back = malloc(size ? size : 1);
        unsigned int dlen = lzf_decompress(comp, clen, back, (unsigned int)size);
        if (dlen != size || memcmp(back, data, size) != 0) abort();
        free(back);
    }
    free(comp);
    free(out);
    return 0;
}
