/* crc64.c - CRC-64/Jones, slice-by-8 (see crc64.h).
 *
 * RDB loading checksums every byte of the file, so speed matters. Slice-by-8
 * folds eight input bytes per step using eight 256-entry tables: table[0] is
 * the ordinary byte-at-a-time table for the reflected polynomial, and
 * table[k][b] is the CRC contribution of byte b followed by k zero bytes.
 * The tables (16 KB) are generated once at first use.
 */
#include <pthread.h>
#include <string.h>

#include "crc64.h"

/* The Jones polynomial is 0xad93d23594c935a9 in normal (MSB-first) form;
 * a reflected, right-shifting CRC uses its bit-reversal. */
#define CRC64_JONES_REFLECTED 0x95ac9329ac4bc9b5ULL

static uint64_t crc64_table[8][256];
static pthread_once_t crc64_once = PTHREAD_ONCE_INIT;

static void crc64_build_tables(void) {
    for (int b = 0; b < 256; b++) {
        uint64_t crc = (uint64_t)b;
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 1) ? (crc >> 1) ^ CRC64_JONES_REFLECTED : crc >> 1;
        crc64_table[0][b] = crc;
    }
    /* Appending a zero byte to a message shifts the register one byte and
     * folds the outgoing low byte through table[0]. */
    for (int b = 0; b < 256; b++) {
        uint64_t crc = crc64_table[0][b];
        for (int k = 1; k < 8; k++) {
            crc = (crc >> 8) ^ crc64_table[0][crc & 0xff];
            crc64_table[k][b] = crc;
        }
    }
}

void crc64_init(void) {
    pthread_once(&crc64_once, crc64_build_tables);
}

static inline uint64_t crc64_byte(uint64_t crc, unsigned char c) {
    return crc64_table[0][(crc ^ c) & 0xff] ^ (crc >> 8);
}

uint64_t crc64(uint64_t crc, const unsigned char *s, uint64_t l) {
    crc64_init();
    /* Align to 8 bytes so the word loads below are cheap. */
    while (l && ((uintptr_t)s & 7)) {
        crc = crc64_byte(crc, *s++);
        l--;
    }
    while (l >= 8) {
        uint64_t word;
        memcpy(&word, s, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        word = __builtin_bswap64(word);
#endif
        /* The reflected CRC consumes bytes least-significant first. */
        crc ^= word;
        crc = crc64_table[7][crc & 0xff] ^
              crc64_table[6][(crc >> 8) & 0xff] ^
              crc64_table[5][(crc >> 16) & 0xff] ^
              crc64_table[4][(crc >> 24) & 0xff] ^
              crc64_table[3][(crc >> 32) & 0xff] ^
              crc64_table[2][(crc >> 40) & 0xff] ^
              crc64_table[1][(crc >> 48) & 0xff] ^
              crc64_table[0][crc >> 56];
        s += 8;
        l -= 8;
    }
    while (l--) crc = crc64_byte(crc, *s++);
    return crc;
}
