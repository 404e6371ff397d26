/* crc64.h - CRC64 protecting RDB files and DUMP payloads.
 *
 * CRC-64/Jones as Redis uses it: polynomial 0xad93d23594c935a9 (normal
 * form; 0x95ac9329ac4bc9b5 reflected), reflected input/output, no final
 * xor, chained by passing the previous crc (start with 0). crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca.
 *
 * crc64_init() builds the lookup tables (and picks the CPU's fastest path); crc64() calls it on first use, so
 * calling it explicitly at startup is optional (it only avoids a first-call
 * cost).
 */
#ifndef CRC64_H
#define CRC64_H

#include <stdint.h>

void crc64_init(void);
uint64_t crc64(uint64_t crc, const unsigned char *s, uint64_t l);

/* Whether inputs of 64 bytes and more use carry-less multiplication
 * (x86-64 with PCLMULQDQ); tests switch it off to compare both paths. */
int crc64_accelerated(void);
void crc64_set_accelerated(int on);

#endif
