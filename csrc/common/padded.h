/*
 * common/padded.h -- the zero-padded copy of images that convolutions read
 * instead of testing every access against the image's bounds.
 */
#ifndef TN_COMMON_PADDED_H
#define TN_COMMON_PADDED_H

#include <stdint.h>
#include <string.h>

/*
 * Copy `images` images, each `channels` planes of H x W elements of
 * `element_size` bytes (NCHW, contiguous), into the middle of planes of
 * Hp x Wp elements: row r of plane c of image b goes to row r + top, from
 * column `left` on, of plane c of image b in `padded`, whose images lie
 * image_stride elements apart.  Only those rows are written: the caller
 * zeroes the border once, and it stays zero however often this is called.
 */
static inline void tn_copy_into_padded(const void *x, int64_t images, int64_t channels, int64_t H, int64_t W,
                                       int64_t top, int64_t left, int64_t Hp, int64_t Wp, int64_t image_stride,
                                       void *padded, size_t element_size)
{
    const char *from = (const char *)x;
    char *to = (char *)padded;
    const size_t row_bytes = (size_t)W * element_size;
    for (int64_t b = 0; b < images; b++)
        for (int64_t c = 0; c < channels; c++)
            for (int64_t r = 0; r < H; r++)
                memcpy(to + (size_t)(b * image_stride + (c * Hp + r + top) * Wp + left) * element_size,
                       from + (size_t)(((b * channels + c) * H + r) * W) * element_size, row_bytes);
}

#endif
