/*
 * conv/direct.h -- what the direct convolution's files share: the tile
 * product and the layouts around it (direct_tile.c).  Internal.
 *
 * The direct convolution (float32, stride 1) computes im2col's GEMM without
 * building the im2col matrix.  Let the image be zero-padded (C x Hp x Wp,
 * flattened).  Output pixel (i, j) sees, through kernel tap k = (c, p, q),
 * the input at
 *
 *   pixel_offset(i, j) + tap_offset(c, p, q),
 *   pixel_offset(i, j) = i*Wp + j,   tap_offset(c, p, q) = c*Hp*Wp + p*Wp + q
 *
 * (stride 1), so im2col's col[k, pixel] is just X[tap_offset[k] +
 * pixel_offset[pixel]]: two small tables of offsets stand for the whole
 * matrix.  With those, all three passes are one product of the same shape,
 *
 *   out[lane][ch] = sum over steps s of X[step_offset[s] + lane_offset[lane]] * vec[s][ch],
 *
 * for a tile of a few "lanes" and 8 or 16 channels "ch":
 *
 *   forward   y[o, pixel]  = sum_k  X[tap[k] + pix[pixel]]  * W^T[k][o]
 *             (steps = taps, lanes = output pixels, vec = the weights)
 *   dL/dW     dW[o, k]     = sum_pixel  X[pix[pixel] + tap[k]] * G^T[pixel][o]
 *             (steps = output pixels, lanes = taps, vec = dL/dy transposed)
 *   dL/dx     dx[c, pixel] = sum_(o,p,q)  Gpad[tap'[o,p,q] + pix'[pixel]] * W'[(o,p,q)][c]
 *             (a convolution of dL/dy, padded by k-1-pad, with the flipped
 *             kernel: stride 1 only)
 *
 * Channels come in blocks of 16 (6 lanes a tile) or 8 (8 lanes); a block
 * past the last channel is zero-filled.  Several images are laid side by
 * side so that a tile's steps (dW) or lanes (forward, dx) run on across
 * images: the offset of image b's pixel is b * image_stride + pix[pixel].
 *
 * Which shapes go this way is decided in conv2d.c.  Results equal
 * im2col + GEMM's up to rounding (the sums run in another order); the tests
 * compare both with the reference loops (reference.inc).
 */
#ifndef TN_CONV_DIRECT_H
#define TN_CONV_DIRECT_H

#include <stdint.h>

#include "tinynet.h"
#include "common/simd.h"

/* At most this many output pixels' worth of images share a tile run. */
#define DIRECT_GROUP_PIXELS 512
/* Floats in a tile's output, lanes x width, for any shape (6 x 16 or 8 x 8 with AVX2, 8 x 16 with AVX-512). */
#define DIRECT_TILE_FLOATS 128

/* Channels per block: 16 when there are at least 16, else 8. */
static inline int direct_block_width(int64_t channels) { return channels >= 16 ? 16 : 8; }
/* Lanes per tile, for tiles of SIMD level `simd` (TN_SIMD_*): with AVX2, 16 channels are 2 vectors, so
 * 6 lanes (12 accumulators), and 8 channels 1 vector, 8 lanes; with AVX-512, 16 channels are 1 vector,
 * 8 lanes (each step then loads as many numbers as it does multiply-adds: more lanes only add loads). */
static inline int direct_lanes_for(int width, int simd) { return width == 16 && simd < TN_SIMD_AVX512 ? 6 : 8; }

/* tap[(c*kh + p)*kw + q] = c*Hp*Wp + p*Wp + q: where tap (c, p, q) reads, from a pixel's corner. */
void direct_tap_offsets(int64_t channels, int64_t kh, int64_t kw, int64_t Hp, int64_t Wp, int64_t *tap);

/* pix[b*P + i*ow + j] = b*image_stride + i*Wp + j for `images` images of oh x ow outputs (stride 1). */
void direct_pixel_offsets(int64_t images, int64_t image_stride, int64_t oh, int64_t ow, int64_t Wp, int64_t *pix);

/* A channels x n matrix (rows n apart) into blocks of `width` channels,
 * transposed: block[ob][j][o] = m[(ob*width + o) * n + j], 0 past the last
 * channel; block ob starts block_stride floats after block ob-1.  That is
 * the layout of vec in a tile (one row of `width` channels per step). */
void direct_channel_blocks(const float *m, int64_t channels, int64_t n, int width, int64_t block_stride,
                           float *block);

/* Images per run of tiles: up to DIRECT_GROUP_PIXELS output pixels' worth. */
int64_t direct_group_images(const tn_conv2d_shape *s);

/* ---- per tile (inline: called once per tile) ------------------------------------- */

/*
 * The tile: out[lane * width + ch] = sum_s base[step_offset[s] + lane_offset[lane]] * vec[s * width + ch]
 * for lane < lanes (<= direct_lanes_for(width, simd)), ch < width (8 or 16);
 * `width` numbers of vec per step.  direct_tile_avx2 keeps it in AVX2
 * registers, direct_tile_avx512 (16 channels only) in AVX-512 ones (x86
 * only), direct_tile_plain is plain C (the same sums, each in its own
 * order); `simd`, a TN_SIMD_* level, says which.
 */
#if TN_X86
void direct_tile_avx2(int width, int64_t steps, const float *vec, const float *base, const int64_t *step_offset,
                      const int64_t *lane_offset, int lanes, float *out);
void direct_tile_avx512(int64_t steps, const float *vec, const float *base, const int64_t *step_offset,
                        const int64_t *lane_offset, int lanes, float *out);
#endif
void direct_tile_plain(int width, int64_t steps, const float *vec, const float *base, const int64_t *step_offset,
                       const int64_t *lane_offset, int lanes, float *out);

static inline void direct_tile(int simd, int width, int64_t steps, const float *vec, const float *base,
                               const int64_t *step_offset, const int64_t *lane_offset, int lanes, float *out)
{
#if TN_X86
    if (simd >= TN_SIMD_AVX512 && width == 16) {
        direct_tile_avx512(steps, vec, base, step_offset, lane_offset, lanes, out);
        return;
    }
    if (simd >= TN_SIMD_AVX2) {
        direct_tile_avx2(width, steps, vec, base, step_offset, lane_offset, lanes, out);
        return;
    }
#endif
    (void)simd;
    direct_tile_plain(width, steps, vec, base, step_offset, lane_offset, lanes, out);
}

/* out[target(lane) + ch * channel_stride] = tile[lane * width + ch] (+ bias[ch]
 * when bias is not NULL) for lane < count (<= 8), ch < channels, where lane i
 * of a tile starting at pixel u0 (of a group, P pixels an image) is pixel
 * (u0 + i) % P of image (u0 + i) / P, images image_stride apart: a tile's
 * lanes (pixels) x channels back into NCHW. */
static inline void direct_scatter_tile(const float *tile, int width, int count, int64_t channels, const float *bias,
                                       int64_t u0, int64_t P, float *out, int64_t image_stride,
                                       int64_t channel_stride)
{
    int64_t target[8]; /* lane i's offset in out */
    int64_t b = u0 / P, v = u0 % P;
    for (int i = 0; i < count; i++) {
        target[i] = b * image_stride + v;
        if (++v == P)
            v = 0, b++;
    }
    for (int64_t ch = 0; ch < channels; ch++) { /* channel by channel, so that the stores run along the pixels */
        const float add = bias ? bias[ch] : 0.0f;
        for (int i = 0; i < count; i++)
            out[target[i] + ch * channel_stride] = tile[i * width + ch] + add;
    }
}

#endif
