/*
 * gemm/avx2.c -- GEMM with AVX2 + FMA (x86 only; chosen by gemm.c's table
 * when tn_get_simd_level() is TN_SIMD_AVX2):
 *
 *   the micro-kernel, kernel_avx2.inc, for float (sgemm_kernel_avx2: 8 floats
 *   a vector, a 6 x 16 tile) and double (dgemm_kernel_avx2: 4 doubles, 6 x 8);
 *
 *   the float packings that transpose (sgemm_pack_a_rows_avx2,
 *   sgemm_pack_bt_panel_avx2), 8 x 8 at a time in registers.  Double uses
 *   the plain ones of pack.inc.
 */
#include "gemm/gemm.h"

#if TN_X86

#define REAL float
#define NAME(x) sgemm_##x
#define VEC __m256
#define VEC_LANES 8
#define VEC_ZERO _mm256_setzero_ps
#define VEC_LOAD _mm256_loadu_ps
#define VEC_STORE _mm256_storeu_ps
#define VEC_BROADCAST _mm256_broadcast_ss
#define VEC_SET1 _mm256_set1_ps
#define VEC_MUL _mm256_mul_ps
#define VEC_FMADD _mm256_fmadd_ps
#define VEC_FIRST_LANES tn_avx2_first_lanes
#define VEC_MASKLOAD _mm256_maskload_ps
#define VEC_MASKSTORE _mm256_maskstore_ps
#include "gemm/kernel_avx2.inc"
#undef REAL
#undef NAME
#undef VEC
#undef VEC_LANES
#undef VEC_ZERO
#undef VEC_LOAD
#undef VEC_STORE
#undef VEC_BROADCAST
#undef VEC_SET1
#undef VEC_MUL
#undef VEC_FMADD
#undef VEC_FIRST_LANES
#undef VEC_MASKLOAD
#undef VEC_MASKSTORE

#define REAL double
#define NAME(x) dgemm_##x
#define VEC __m256d
#define VEC_LANES 4
#define VEC_ZERO _mm256_setzero_pd
#define VEC_LOAD _mm256_loadu_pd
#define VEC_STORE _mm256_storeu_pd
#define VEC_BROADCAST _mm256_broadcast_sd
#define VEC_SET1 _mm256_set1_pd
#define VEC_MUL _mm256_mul_pd
#define VEC_FMADD _mm256_fmadd_pd
#define VEC_FIRST_LANES tn_avx2_first_lanes64
#define VEC_MASKLOAD _mm256_maskload_pd
#define VEC_MASKSTORE _mm256_maskstore_pd
#include "gemm/kernel_avx2.inc"
#undef REAL
#undef NAME
#undef VEC
#undef VEC_LANES
#undef VEC_ZERO
#undef VEC_LOAD
#undef VEC_STORE
#undef VEC_BROADCAST
#undef VEC_SET1
#undef VEC_MUL
#undef VEC_FMADD
#undef VEC_FIRST_LANES
#undef VEC_MASKLOAD
#undef VEC_MASKSTORE

/* ---- float packing: transposes of 8 x 8 blocks -------------------------------
 * The two packings that transpose (A by rows, B^T by columns), 8 rows x 8
 * columns at a time in registers, as avx512.c does with 16 x 16. */

/* Transpose 8 vectors in place: afterwards r[c] holds column c of the rows
 * r[0..7] held before.  Round 1 interleaves pairs of rows, round 2 gathers
 * four rows' elements c and c+4 (one per 128-bit lane), round 3 joins the
 * lanes of rows 0-3 and 4-7. */
static TN_AVX2 TN_ALWAYS_INLINE void transpose_8x8(__m256 r[8])
{
    __m256 t[8], u[8];
    for (int i = 0; i < 4; i++) { /* t[2i] = (a0 b0 a1 b1 | a4 b4 a5 b5), t[2i+1] = (a2 b2 a3 b3 | a6 b6 a7 b7) */
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int g = 0; g < 2; g++) { /* u[4g + c] = rows 4g..4g+3 of columns c | c + 4 */
        u[4 * g] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int c = 0; c < 4; c++) {
        r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
        r[c + 4] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
    }
}

/* Load `rows` (<= 8) rows of `depth` (<= 8) floats, src_stride apart, into r;
 * missing rows and columns read as zero.  Nothing outside them is read. */
static TN_AVX2 TN_ALWAYS_INLINE void load_block_8x8(const float *src, int64_t src_stride, int rows, int depth,
                                                    __m256 r[8])
{
    const __m256i mask = tn_avx2_first_lanes(depth);
    for (int i = 0; i < 8; i++) {
        if (i >= rows)
            r[i] = _mm256_setzero_ps();
        else if (depth == 8)
            r[i] = _mm256_loadu_ps(src + i * src_stride);
        else
            r[i] = _mm256_maskload_ps(src + i * src_stride, mask);
    }
}

/* As sgemm_pack_a_rows (pack.inc). */
TN_AVX2 void sgemm_pack_a_rows_avx2(int mr, const float *a, int64_t lda, int64_t row0, int64_t rows, int64_t p0,
                                    int64_t kc, float *packed)
{
    const int64_t panels = tn_ceil_div(rows, mr);
    for (int64_t q = 0; q < panels; q++) {
        const int64_t r = panel_start(q, panels, rows);
        const int h = (int)(panel_start(q + 1, panels, rows) - r); /* <= mr = 6 */
        float *panel = packed + r * kc;
        const float *first = a + (row0 + r) * lda + p0;
        for (int64_t pp = 0; pp < kc; pp += 8) {
            const int depth = (int)tn_min64(8, kc - pp);
            __m256 block[8];
            load_block_8x8(first + pp, lda, h, depth, block);
            transpose_8x8(block);
            /* Column pp + c of the h rows: h numbers, stored as all 8.  The
             * 8 - h extra ones land where the next column, or the next panel,
             * is stored later -- or, after the very last, in the A_PACK_SLACK
             * numbers that the loops leave after the A block.  (A masked store
             * would say it more plainly, but on AMD cores it is many times
             * slower.) */
            for (int c = 0; c < depth; c++)
                _mm256_storeu_ps(panel + (pp + c) * h, block[c]);
        }
    }
}

/* As sgemm_pack_bt_panel (pack.inc). */
TN_AVX2 void sgemm_pack_bt_panel_avx2(int nr, const float *b, int64_t ldb, int64_t p0, int64_t kc, int64_t col0,
                                      int64_t cols, float *panel)
{
    for (int j0 = 0; j0 < nr; j0 += 8) { /* the panel's columns j0 .. j0+7, zero past `cols` */
        const int count = (int)(cols - j0 < 0 ? 0 : cols - j0 < 8 ? cols - j0 : 8);
        for (int64_t pp = 0; pp < kc; pp += 8) {
            const int depth = (int)tn_min64(8, kc - pp);
            __m256 block[8];
            load_block_8x8(count > 0 ? b + (col0 + j0) * ldb + p0 + pp : b, ldb, count, depth, block);
            transpose_8x8(block);
            for (int c = 0; c < depth; c++)
                _mm256_storeu_ps(panel + (pp + c) * nr + j0, block[c]);
        }
    }
}

#endif /* TN_X86 */
