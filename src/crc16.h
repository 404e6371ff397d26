/* crc16.h - CRC16 used to map keys to Redis Cluster hash slots.
 *
 * CRC-16/XMODEM: polynomial 0x1021, initial value 0, no reflection, no final
 * xor. A key's slot is crc16(hashtag-or-key) & 16383, so this must match the
 * reference exactly: crc16("123456789", 9) == 0x31C3.
 */
#ifndef CRC16_H
#define CRC16_H

#include <stdint.h>

uint16_t crc16(const char *buf, int len);

#endif
