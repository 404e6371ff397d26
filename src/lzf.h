/* lzf.h - LZF compression, stream-compatible with liblzf (what Redis uses
 * for RDB strings and compressed quicklist nodes).
 *
 * Builds on a system with liblzf link it for lzf_compress/lzf_decompress
 * (byte-identical output to stock); this module's own codec is the fallback.
 * Pure module; tested by src/unit/test_lzf.c.
 */
#ifndef LZF_H
#define LZF_H

/* Compress in_len bytes into out (at most out_len bytes). Returns the
 * compressed size, or 0 if it does not fit (then out is garbage). */
unsigned int lzf_compress(const void *const in_data, unsigned int in_len,
                          void *out_data, unsigned int out_len);

/* Decompress into out (at most out_len bytes). Returns the decompressed
 * size, or 0 on corrupt input or a too small buffer (errno E2BIG/EINVAL).
 * Never reads or writes outside the given buffers. */
unsigned int lzf_decompress(const void *const in_data, unsigned int in_len,
                            void *out_data, unsigned int out_len);

/* This module's own implementation, always built (lzf_compress and
 * lzf_decompress are the system liblzf when the build links it). */
unsigned int lzfOwnCompress(const void *const in_data, unsigned int in_len,
                            void *out_data, unsigned int out_len);
unsigned int lzfOwnDecompress(const void *const in_data, unsigned int in_len,
                              void *out_data, unsigned int out_len);

#endif
