/*
 * conv/winograd.h -- what the Winograd convolution's files share (winograd.c
 * has the math): the sizes of one call and the input and output transforms,
 * one plain C source (winograd_transforms.inc) compiled for each instruction
 * set (winograd_plain.c, winograd_avx2.c, winograd_avx512.c): loops of
 * additions down whole vectors of tiles, which the compiler vectorizes with
 * the widest registers each set has.
 */
#ifndef TN_CONV_WINOGRAD_H
#define TN_CONV_WINOGRAD_H

#include <stdint.h>

#include "tinynet.h"
#include "common/sizes.h"

#define WINOGRAD_POINTS 16 /* the 4x4 transform's points, xi = 4 i + j */
/* The transforms run over whole vectors of this many tiles (the widest, AVX-512's 16 floats): past the
 * last tile they compute numbers nobody reads, into room the scratch has for them. */
#define WINOGRAD_LANES 16

/* The sizes of one call. */
typedef struct {
    int64_t C, Co, tiles_h, tiles_w; /* input and output channels; tile rows and columns of an image */
    int64_t tile_rows, chunks;                   /* tile rows of the batch, and the chunks they make */
    int64_t rows_per_chunk, chunk_tiles, stride; /* tile rows and tiles of a chunk; numbers between V's rows */
    int64_t slices, depth, slice_len;            /* U's k slices, their length, one slice's packed numbers */
    int64_t lane_tiles;  /* a chunk's tiles rounded up to whole vectors (WINOGRAD_LANES) */
    /* A thread's work area for the transforms (work_len numbers), from these offsets: */
    int64_t quarter, quarters_at; /* 8 quarter planes (transforms.inc), quarter numbers each */
    int64_t line_len, lines_at;   /* the padded image rows of a part, then a row of zeros (padding) */
    int64_t rows_at;              /* 16 rows of lane_tiles: B^T d of every block (A^T M: 8 of them) */
    int64_t corners_at;           /* 4 rows of lane_tiles, and room to read past the last: the 2x2 outputs */
    int64_t out_rows_at;          /* a part's output rows, out_w apart, and one row's whole vectors past them */
    int64_t work_len;
} winograd_sizes;

/* Runs the statement that follows for each image's part of the chunk's tile rows [g0, g1) (g = image *
 * tiles_h + tile row): image b's tile rows [ty0, ty1), whose tiles are the chunk's p0 onwards. */
#define FOR_EACH_IMAGE_PART(z, g0, g1, b, ty0, ty1, p0)                                                         \
    for (int64_t g_ = (g0), b, ty0, ty1, p0;                                                                   \
         g_ < (g1) && (b = g_ / (z)->tiles_h, ty0 = g_ % (z)->tiles_h,                                         \
                       ty1 = tn_min64((z)->tiles_h, ty0 + (g1) - g_), p0 = (g_ - (g0)) * (z)->tiles_w, 1);     \
         g_ += ty1 - ty0)

/* V = B^T d B of the chunk's tile rows [g0, g1): tile p's V[xi][c] at v + (xi C + c) stride + p.
 * work: the thread's work area (z->work_len numbers, zeroed before the first call). */
typedef void winograd_input_fn(const tn_conv2d_shape *s, const winograd_sizes *z, const float *x, int64_t g0,
                               int64_t g1, float *v, float *work);
/* Y = A^T M A (+ bias, which may be NULL) of the chunk's tile rows [g0, g1), tile p's M[xi][o] at
 * m + (xi C_out + o) stride + p, into y.  work: as for the input.  Returns 1 when a Y came out infinite
 * or NaN (or a number computed past the last tile did), else 0. */
typedef int winograd_output_fn(const tn_conv2d_shape *s, const winograd_sizes *z, const float *m,
                                const float *bias, int64_t g0, int64_t g1, float *y, float *work);

winograd_input_fn winograd_input_plain, winograd_input_avx2, winograd_input_avx512;
winograd_output_fn winograd_output_plain, winograd_output_avx2, winograd_output_avx512;

#endif
