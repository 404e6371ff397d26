/* lzf.h - LZF compression, the format liblzf writes and Redis stores in RDB
 * files and DUMP payloads (compressed strings).
 *
 * The stream is a sequence of chunks, each starting with a control byte:
 *   000LLLLL                 a run of L+1 (1..32) literal bytes follows;
 *   LLLooooo [E] oooooooo    a back reference: copy L+2 bytes (L = 7 means
 *                            L = 7 + E, an extra length byte) starting
 *                            ((o_high << 8) | o_low) + 1 bytes back.
 * Our compressor (our own code) makes liblzf 3.6's exact choices, so its
 * output is byte-identical to what stock Redis writes; ours reads any LZF
 * stream.
 *
 * Pure module: no server state; unit-tested in unit/test_lzf.c.
 */
#ifndef LZF_H
#define LZF_H

/* Compress in_len bytes into out (at most out_len bytes). Returns the
 * compressed size, or 0 when the result would not fit (callers then store
 * the data uncompressed). */
unsigned int lzf_compress(const void *in, unsigned int in_len,
                          void *out, unsigned int out_len);

/* Decompress into out (capacity out_len). Returns the decompressed size,
 * or 0 with errno E2BIG (output too small) or EINVAL (corrupt stream). */
unsigned int lzf_decompress(const void *in, unsigned int in_len,
                            void *out, unsigned int out_len);

#endif
