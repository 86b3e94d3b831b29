/*
 * conv/direct_tile.c -- the direct convolution's tile product, in AVX2
 * and AVX-512 registers and in plain C, and the tables and layouts it reads
 * (the picture is in direct.h, with the per-tile helpers direct_tile and
 * direct_scatter_tile).
 *
 * The SIMD tiles keep their accumulators in registers: per step they load
 * one row of vec (the channels, as one or two 8-float vectors, or one of 16)
 * and broadcast one X value per lane -- the shape of the GEMM micro-kernel
 * (gemm/kernel_avx2.inc), with the broadcast operand fetched through the two
 * offset tables instead of from a packed panel.
 */
#include "common/simd.h"
#include "conv/direct.h"

/* ---- the tile ----------------------------------------------------------------- */

#if TN_X86
/* The AVX2 tile, for VECTORS (1 or 2) vectors of 8 channels and LANES lanes,
 * both constants in each copy, so that every accumulator is a register of
 * its own; lanes past `lanes` are computed from lane 0 and not stored. */
static TN_AVX2 TN_ALWAYS_INLINE void tile_body(const int VECTORS, const int LANES, int64_t steps, const float *vec,
                                               const float *base, const int64_t *step_offset,
                                               const int64_t *lane_offset, int lanes, float *out)
{
    __m256 acc[12];
    const float *lane_base[8]; /* base + lane_offset[i]: then each broadcast is one (pointer + index) load */
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++)
        acc[i] = _mm256_setzero_ps();
#pragma GCC unroll 8
    for (int i = 0; i < LANES; i++)
        lane_base[i] = base + lane_offset[i < lanes ? i : 0];
    for (int64_t s = 0; s < steps; s++) {
        const int64_t at = step_offset[s];
        const __m256 v0 = _mm256_loadu_ps(vec);
        const __m256 v1 = VECTORS == 2 ? _mm256_loadu_ps(vec + 8) : v0;
#pragma GCC unroll 8
        for (int i = 0; i < LANES; i++) {
            const __m256 xi = _mm256_broadcast_ss(lane_base[i] + at);
            acc[VECTORS * i] = _mm256_fmadd_ps(xi, v0, acc[VECTORS * i]);
            if (VECTORS == 2)
                acc[VECTORS * i + 1] = _mm256_fmadd_ps(xi, v1, acc[VECTORS * i + 1]);
        }
        vec += 8 * VECTORS;
    }
#pragma GCC unroll 12
    for (int i = 0; i < VECTORS * LANES; i++)
        _mm256_storeu_ps(out + 8 * i, acc[i]);
}

TN_AVX2 void direct_tile_avx2(int width, int64_t steps, const float *vec, const float *base,
                              const int64_t *step_offset, const int64_t *lane_offset, int lanes, float *out)
{
    if (width == 16)
        tile_body(2, 6, steps, vec, base, step_offset, lane_offset, lanes, out);
    else
        tile_body(1, 8, steps, vec, base, step_offset, lane_offset, lanes, out);
}


/* The AVX-512 tile, for 16 channels (one vector) and 8 lanes: per step one
 * load of vec and eight broadcasts feed eight multiply-adds of 16 channels,
 * where AVX2 did twelve of 8.  Lanes past `lanes` are computed from lane 0
 * and not stored. */
TN_AVX512 void direct_tile_avx512(int64_t steps, const float *vec, const float *base, const int64_t *step_offset,
                                  const int64_t *lane_offset, int lanes, float *out)
{
    __m512 acc[8];
    const float *lane_base[8];
    TN_UNROLL_FULLY
    for (int i = 0; i < 8; i++) {
        acc[i] = _mm512_setzero_ps();
        lane_base[i] = base + lane_offset[i < lanes ? i : 0];
    }
    for (int64_t s = 0; s < steps; s++, vec += 16) {
        const int64_t at = step_offset[s];
        const __m512 v = _mm512_loadu_ps(vec);
        TN_UNROLL_FULLY
        for (int i = 0; i < 8; i++)
            acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(lane_base[i][at]), v, acc[i]);
    }
    TN_UNROLL_FULLY
    for (int i = 0; i < 8; i++)
        _mm512_storeu_ps(out + 16 * i, acc[i]);
}
#endif

/* The same product in plain C, one lane at a time. */
void direct_tile_plain(int width, int64_t steps, const float *vec, const float *base, const int64_t *step_offset,
                       const int64_t *lane_offset, int lanes, float *out)
{
    for (int i = 0; i < lanes; i++) {
        float acc[16] = {0};
        const float *lane_base = base + lane_offset[i];
        for (int64_t s = 0; s < steps; s++) {
            const float x = lane_base[step_offset[s]];
            for (int ch = 0; ch < width; ch++)
                acc[ch] += x * vec[s * width + ch];
        }
        for (int ch = 0; ch < width; ch++)
            out[i * width + ch] = acc[ch];
    }
}

/* ---- layouts ---------------------------------------------------------------------- */

void direct_tap_offsets(int64_t channels, int64_t kh, int64_t kw, int64_t Hp, int64_t Wp, int64_t *tap)
{
    for (int64_t c = 0; c < channels; c++)
        for (int64_t p = 0; p < kh; p++)
            for (int64_t q = 0; q < kw; q++)
                *tap++ = c * Hp * Wp + p * Wp + q;
}

void direct_pixel_offsets(int64_t images, int64_t image_stride, int64_t oh, int64_t ow, int64_t Wp, int64_t *pix)
{
    for (int64_t b = 0; b < images; b++)
        for (int64_t i = 0; i < oh; i++)
            for (int64_t j = 0; j < ow; j++)
                *pix++ = b * image_stride + i * Wp + j;
}

void direct_channel_blocks(const float *m, int64_t channels, int64_t n, int width, int64_t block_stride,
                           float *block)
{
    for (int64_t ob = 0; ob < (channels + width - 1) / width; ob++) {
        const int64_t in_block = channels - ob * width < width ? channels - ob * width : width;
        float *row = block + ob * block_stride;
        for (int64_t j = 0; j < n; j++, row += width) /* written in order; read across channels */
            for (int64_t o = 0; o < width; o++)
                row[o] = o < in_block ? m[(ob * width + o) * n + j] : 0.0f;
    }
}

int64_t direct_group_images(const tn_conv2d_shape *s)
{
    int64_t images = DIRECT_GROUP_PIXELS / (s->out_h * s->out_w);
    if (images < 1)
        images = 1;
    return images < s->batch ? images : s->batch;
}
