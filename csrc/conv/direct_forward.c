/*
 * conv/direct_forward.c -- the forward convolution without im2col (float32,
 * stride 1; the picture is in direct.h):
 *
 *   y[o, pixel] = bias[o] + sum over taps k of X[tap[k] + pix[pixel]] * W^T[k][o]
 *
 * one tile of 6 or 8 output pixels x 16 or 8 output channels at a time.
 * Groups of images go to threads; each thread pads its own group.
 */
#include <stdlib.h>

#include "common/padded.h"
#include "common/sizes.h"
#include "common/threads.h"
#include "conv/conv.h"
#include "conv/direct.h"

int sconv_direct_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y,
                         int simd)
{
    const int64_t C = s->in_channels, Co = s->out_channels, kh = s->kernel_h, kw = s->kernel_w;
    const int64_t K = C * kh * kw, P = s->out_h * s->out_w;
    const int64_t Hp = s->in_h + 2 * s->pad_h, Wp = s->in_w + 2 * s->pad_w, image_stride = C * Hp * Wp;
    const int padded = s->pad_h > 0 || s->pad_w > 0;
    const int width = direct_block_width(Co), lanes = direct_lanes_for(width, simd);
    const int64_t blocks = tn_ceil_div(Co, width);
    const int64_t B = direct_group_images(s), groups = tn_ceil_div(s->batch, B);
    const int threads = tn_threads_for_jobs(groups);

    /* Shared: the weights as K x width blocks (W^T, zero past Co), and the tables. */
    const int64_t packed_len = blocks * K * width, padded_len = padded ? B * image_stride : 0;
    float *packed = malloc((size_t)packed_len * sizeof(float));
    int64_t *tap = malloc((size_t)(K + B * P) * sizeof(int64_t));
    float *scratch = calloc((size_t)threads * (size_t)(padded_len + DIRECT_TILE_FLOATS), sizeof(float));
    if (!packed || !tap || !scratch) {
        free(packed);
        free(tap);
        free(scratch);
        return TN_ERR_NOMEM;
    }
    int64_t *pix = tap + K;
    direct_channel_blocks(w, Co, K, width, K * width, packed); /* W (Co x K) as W^T, by blocks of channels */
    direct_tap_offsets(C, kh, kw, Hp, Wp, tap);
    direct_pixel_offsets(B, image_stride, s->out_h, s->out_w, Wp, pix); /* (unpadded, Hp x Wp is H x W: x itself) */

#pragma omp parallel for num_threads(threads) schedule(dynamic) if (threads > 1)
    for (int64_t g = 0; g < groups; g++) {
        float *mine = scratch + (int64_t)tn_thread_id() * (padded_len + DIRECT_TILE_FLOATS);
        float *tile = mine + padded_len;
        const int64_t n0 = g * B, images = s->batch - n0 < B ? s->batch - n0 : B;
        const float *base = x + n0 * C * s->in_h * s->in_w;
        if (padded) {
            tn_copy_into_padded(base, images, C, s->in_h, s->in_w, s->pad_h, s->pad_w, Hp, Wp, image_stride, mine,
                                sizeof(float));
            base = mine;
        }
        for (int64_t ob = 0; ob < blocks; ob++) {
            const int64_t o_count = Co - ob * width < width ? Co - ob * width : width;
            for (int64_t u0 = 0; u0 < images * P; u0 += lanes) {
                const int count = (int)(images * P - u0 < lanes ? images * P - u0 : lanes);
                direct_tile(simd, width, K, packed + ob * K * width, base, tap, pix + u0, count, tile);
                direct_scatter_tile(tile, width, count, o_count, bias ? bias + ob * width : NULL, u0, P,
                                    y + (n0 * Co + ob * width) * P, Co * P, P);
            }
        }
    }
    free(packed);
    free(tap);
    free(scratch);
    return 0;
}
