/* util.h - small pure helpers: number <-> string conversions exactly as Redis
 * formats and accepts them, glob matching, random bytes, paths. No server
 * state here, so everything is unit-tested in src/unit/test_util.c. */
#ifndef UTIL_H
#define UTIL_H

#include <stdint.h>
#include <stddef.h>
#include "sds.h"

/* Redis-style glob: * ? [abc] [^a-z] [a-z] and \ escapes. nocase: ASCII. */
int stringmatchlen(const char *pattern, int patternLen,
                   const char *string, int stringLen, int nocase);
int stringmatch(const char *pattern, const char *string, int nocase);

/* Strict conversions: the whole buffer must be the number, no spaces, no
 * leading '+', no leading zeros ("01" rejected), fits the type. 1 ok, 0 not. */
int string2ll(const char *s, size_t slen, long long *value);
int string2ull(const char *s, unsigned long long *value);
int string2l(const char *s, size_t slen, long *value);
/* strtold-based, rejects spaces, empty, NaN; accepts "inf" / "-inf". */
int string2ld(const char *s, size_t slen, long double *dp);
int string2d(const char *s, size_t slen, double *dp);
/* Write the decimal form; returns length, 0 if dstlen too small. */
int ll2string(char *dst, size_t dstlen, long long svalue);
int ull2string(char *dst, size_t dstlen, unsigned long long value);
/* %.17g formatting as Redis uses for doubles ("inf", "-inf", "nan"). */
int d2string(char *buf, size_t len, double value);
/* Long double as INCRBYFLOAT prints it: humanfriendly = %.17Lf with trailing
 * zeros (and a trailing '.') removed. */
#define LD_STR_AUTO 0
#define LD_STR_HUMAN 1
#define LD_STR_HEX 2
int ld2string(char *buf, size_t len, long double value, int mode);
uint32_t digits10(uint64_t v);
/* Parse a memory size with units: 1k=1000 1kb=1024 1m 1mb 1g 1gb (case
 * insensitive). *err set to 1 on bad input. */
long long memtoull(const char *p, int *err);
/* Fill with random bytes (from /dev/urandom seeded SHA-256 counter mode or
 * similar); used for run ids, node ids and the dict hash seed. */
void getRandomBytes(unsigned char *p, size_t len);
void getRandomHexChars(char *p, size_t len);
/* Absolute path of a possibly relative filename. */
sds getAbsolutePath(char *filename);
/* Microseconds / milliseconds of wall time and of a monotonic clock. */
long long ustime(void);
long long mstime(void);
uint64_t monotonicUs(void);
/* Human readable bytes as INFO shows them: "1.50M", "100B", "2.00G". */
void bytesToHuman(char *s, size_t size, unsigned long long n);

#endif
