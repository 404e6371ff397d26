/* crc64.c - CRC-64/Jones (see crc64.h): slice-by-8 tables, and on x86-64
 * CPUs with PCLMULQDQ carry-less multiplication for long inputs.
 *
 * RDB saving and loading checksum every byte of the file, so speed matters.
 * Slice-by-8 folds eight input bytes per step using eight 256-entry
 * tables: table[0] is the ordinary byte-at-a-time table for the reflected
 * polynomial, and table[k][b] is the CRC contribution of byte b followed by
 * k zero bytes. The tables (16 KB) are generated once at first use.
 *
 * The carry-less path ("folding") works on polynomials over GF(2). With P
 * the CRC polynomial, the CRC of a message M (init 0) is M(x)*x^64 mod P,
 * and any value congruent to M modulo P gives the same CRC. So a 128-bit
 * accumulator X = H*x^64 + L stands for everything read so far; reading
 * D more bits makes it X*x^D = H*x^(D+64) + L*x^D, and replacing x^(D+64)
 * and x^D by their remainders mod P (64-bit constants) keeps it 128 bits:
 * two 64x64 carry-less products. At the end, X itself is run through the
 * table code as 16 message bytes (its CRC is that of the whole prefix).
 * A starting crc c is folded in by xoring it into the first 8 bytes.
 */
#include <pthread.h>
#include <string.h>

#include "crc64.h"

/* The Jones polynomial is 0xad93d23594c935a9 in normal (MSB-first) form;
 * a reflected, right-shifting CRC uses its bit-reversal. */
#define CRC64_JONES_REFLECTED 0x95ac9329ac4bc9b5ULL

static uint64_t crc64_table[8][256];
static pthread_once_t crc64_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__) && defined(__GNUC__)
#define CRC64_HAVE_CLMUL 1
#include <immintrin.h>
static int crc64_use_clmul;
/* Folding constants (see the top of the file), as reflected words. */
static uint64_t crc64_fold[4][2]; /* by 128, 256, 384 and 512 bits */
static void crc64_build_fold_constants(void);
#endif

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
#ifdef CRC64_HAVE_CLMUL
    crc64_build_fold_constants();
    crc64_use_clmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
#endif
}

void crc64_init(void) {
    pthread_once(&crc64_once, crc64_build_tables);
}

static inline uint64_t crc64_byte(uint64_t crc, unsigned char c) {
    return crc64_table[0][(crc ^ c) & 0xff] ^ (crc >> 8);
}

static uint64_t crc64_tables(uint64_t crc, const unsigned char *s, uint64_t l) {
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

#ifdef CRC64_HAVE_CLMUL
/* x^n mod P as a reflected word (bit i is the coefficient of x^(63-i)),
 * by shifting in the normal (MSB-first) form. */
static uint64_t crc64_xpow_mod(unsigned n) {
    const uint64_t poly = 0xad93d23594c935a9ULL; /* P minus its x^64 term */
    uint64_t r = 1;
    for (unsigned i = 0; i < n; i++) r = (r << 1) ^ ((r >> 63) ? poly : 0);
    uint64_t refl = 0;
    for (int b = 0; b < 64; b++)
        if (r >> b & 1) refl |= 1ULL << (63 - b);
    return refl;
}

/* In the reflected layout a carry-less product of two words is the
 * polynomial product times x, so folding by D bits uses x^(D+63) for the
 * low word (H, the high-degree half) and x^(D-1) for the high word (L). */
static void crc64_build_fold_constants(void) {
    for (int i = 0; i < 4; i++) {
        unsigned d = 128 * (unsigned)(i + 1);
        crc64_fold[i][0] = crc64_xpow_mod(d + 63);
        crc64_fold[i][1] = crc64_xpow_mod(d - 1);
    }
}

__attribute__((target("pclmul,sse2")))
static inline __m128i crc64_fold_by(__m128i x, __m128i k, __m128i next) {
    __m128i a = _mm_clmulepi64_si128(x, k, 0x00); /* H * x^(D+64) */
    __m128i b = _mm_clmulepi64_si128(x, k, 0x11); /* L * x^D */
    return _mm_xor_si128(_mm_xor_si128(a, b), next);
}

__attribute__((target("pclmul,sse2")))
static __m128i crc64_load(const unsigned char *p) {
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* Needs l >= 64; consumes a multiple of 16 bytes, returns the crc of them. */
__attribute__((target("pclmul,sse2")))
static uint64_t crc64_clmul(uint64_t crc, const unsigned char **sp, uint64_t *lp) {
    const unsigned char *s = *sp;
    uint64_t l = *lp;
    __m128i k128 = _mm_set_epi64x((long long)crc64_fold[0][1], (long long)crc64_fold[0][0]);
    __m128i x0 = _mm_xor_si128(crc64_load(s), _mm_set_epi64x(0, (long long)crc));
    __m128i x1 = crc64_load(s + 16), x2 = crc64_load(s + 32), x3 = crc64_load(s + 48);
    s += 64;
    l -= 64;
    /* Four independent accumulators, each folded 512 bits at a time. */
    __m128i k512 = _mm_set_epi64x((long long)crc64_fold[3][1], (long long)crc64_fold[3][0]);
    while (l >= 64) {
        x0 = crc64_fold_by(x0, k512, crc64_load(s));
        x1 = crc64_fold_by(x1, k512, crc64_load(s + 16));
        x2 = crc64_fold_by(x2, k512, crc64_load(s + 32));
        x3 = crc64_fold_by(x3, k512, crc64_load(s + 48));
        s += 64;
        l -= 64;
    }
    /* Combine: x0*x^384 + x1*x^256 + x2*x^128 + x3. */
    __m128i k384 = _mm_set_epi64x((long long)crc64_fold[2][1], (long long)crc64_fold[2][0]);
    __m128i k256 = _mm_set_epi64x((long long)crc64_fold[1][1], (long long)crc64_fold[1][0]);
    __m128i x = crc64_fold_by(x0, k384, x3);
    x = crc64_fold_by(x1, k256, x);
    x = crc64_fold_by(x2, k128, x);
    while (l >= 16) {
        x = crc64_fold_by(x, k128, crc64_load(s));
        s += 16;
        l -= 16;
    }
    unsigned char rest[16];
    _mm_storeu_si128((__m128i *)(void *)rest, x);
    *sp = s;
    *lp = l;
    return crc64_tables(0, rest, 16);
}
#endif

uint64_t crc64(uint64_t crc, const unsigned char *s, uint64_t l) {
    crc64_init();
#ifdef CRC64_HAVE_CLMUL
    if (l >= 64 && crc64_use_clmul) crc = crc64_clmul(crc, &s, &l);
#endif
    return crc64_tables(crc, s, l);
}

#ifdef CRC64_HAVE_CLMUL
int crc64_accelerated(void) {
    crc64_init();
    return crc64_use_clmul;
}

void crc64_set_accelerated(int on) {
    crc64_init();
    crc64_use_clmul = on && __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
}
#else
int crc64_accelerated(void) { return 0; }
void crc64_set_accelerated(int on) { (void)on; }
#endif
