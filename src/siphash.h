/* siphash.h - keyed 64-bit hashing for hash tables.
 *
 * dict.c hashes every key with SipHash-1-2 under a random per-process 16-byte
 * key, so clients cannot craft keys that all collide into one bucket.
 * siphash_nocase() gives the same result as siphash() on the ASCII-lowercased
 * input, for tables whose keys compare case-insensitively (command names).
 */
#ifndef SIPHASH_H
#define SIPHASH_H

#include <stdint.h>
#include <stddef.h>

uint64_t siphash(const uint8_t *in, size_t inlen, const uint8_t *k);
uint64_t siphash_nocase(const uint8_t *in, size_t inlen, const uint8_t *k);

/* Generic SipHash-c-d with the round counts as parameters. Only meant for the
 * unit test, which checks it against the published SipHash-2-4 vectors to
 * validate the code path shared with the 1-2 variant. */
uint64_t siphash_cd(const uint8_t *in, size_t inlen, const uint8_t *k,
                    int crounds, int drounds);

#endif
