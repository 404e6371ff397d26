/* crc16.c - CRC-16/XMODEM for cluster key slots (see crc16.h).
 *
 * Table driven, one byte at a time. The 256-entry table is generated on
 * first use (keys are short, so one table is plenty fast).
 */
#include <pthread.h>

#include "crc16.h"

static uint16_t crc16_table[256];
static pthread_once_t crc16_once = PTHREAD_ONCE_INIT;

/* Entry i is the CRC of the single byte i with a zero starting register. */
static void crc16_build_table(void) {
    for (int i = 0; i < 256; i++) {
        uint16_t crc = (uint16_t)(i << 8);
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
        crc16_table[i] = crc;
    }
}

uint16_t crc16(const char *buf, int len) {
    pthread_once(&crc16_once, crc16_build_table);
    uint16_t crc = 0;
    for (int i = 0; i < len; i++) {
        uint8_t idx = (uint8_t)((crc >> 8) ^ (uint8_t)buf[i]);
        crc = (uint16_t)((crc << 8) ^ crc16_table[idx]);
    }
    return crc;
}
