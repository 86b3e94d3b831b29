/*
 * gemm/avx512.c -- GEMM with AVX-512F (x86 only; chosen by gemm.c's table
 * when tn_get_simd_level() is TN_SIMD_AVX512):
 *
 *   the micro-kernel, kernel_avx512.inc, for float (sgemm_kernel_avx512: 16
 *   floats a vector, a 14 x 32 tile) and double (dgemm_kernel_avx512: 8
 *   doubles, 14 x 16);
 *
 *   the float packings (sgemm_pack_a_rows_avx512, sgemm_pack_bt_panel_avx512,
 *   sgemm_pack_b_row_avx512).  Double uses the plain ones of pack.inc.
 */
#include "gemm/gemm.h"

#if TN_X86

#define REAL float
#define NAME(x) sgemm_##x
#define VEC __m512
#define VEC_LANES 16
#define VEC_MASK __mmask16
#define VEC_ZERO _mm512_setzero_ps
#define VEC_LOAD _mm512_loadu_ps
#define VEC_SET1 _mm512_set1_ps
#define VEC_MUL _mm512_mul_ps
#define VEC_FMADD _mm512_fmadd_ps
#define VEC_FIRST_LANES tn_avx512_first_lanes
#define VEC_MASKZ_LOAD _mm512_maskz_loadu_ps
#define VEC_MASK_STORE _mm512_mask_storeu_ps
#include "gemm/kernel_avx512.inc"
#undef REAL
#undef NAME
#undef VEC
#undef VEC_LANES
#undef VEC_MASK
#undef VEC_ZERO
#undef VEC_LOAD
#undef VEC_SET1
#undef VEC_MUL
#undef VEC_FMADD
#undef VEC_FIRST_LANES
#undef VEC_MASKZ_LOAD
#undef VEC_MASK_STORE

#define REAL double
#define NAME(x) dgemm_##x
#define VEC __m512d
#define VEC_LANES 8
#define VEC_MASK __mmask8
#define VEC_ZERO _mm512_setzero_pd
#define VEC_LOAD _mm512_loadu_pd
#define VEC_SET1 _mm512_set1_pd
#define VEC_MUL _mm512_mul_pd
#define VEC_FMADD _mm512_fmadd_pd
#define VEC_FIRST_LANES tn_avx512_first_lanes64
#define VEC_MASKZ_LOAD _mm512_maskz_loadu_pd
#define VEC_MASK_STORE _mm512_mask_storeu_pd
#include "gemm/kernel_avx512.inc"
#undef REAL
#undef NAME
#undef VEC
#undef VEC_LANES
#undef VEC_MASK
#undef VEC_ZERO
#undef VEC_LOAD
#undef VEC_SET1
#undef VEC_MUL
#undef VEC_FMADD
#undef VEC_FIRST_LANES
#undef VEC_MASKZ_LOAD
#undef VEC_MASK_STORE

/* ---- float packing: transposes of 16 x 16 blocks ----------------------------
 * Both packings that transpose (A by rows, B^T by columns) move a block of
 * up to 16 source rows x 16 columns to 16 destination rows.  In registers
 * that is four rounds of shuffles over 16 vectors instead of 256 separate
 * loads and stores. */

/* Transpose 16 vectors in place: afterwards r[c] holds column c of the rows
 * r[0..15] held before.  Rounds 1-2 transpose 4 x 4 blocks inside each
 * 128-bit lane; rounds 3-4 move whole lanes into place. */
static TN_AVX512 TN_ALWAYS_INLINE void transpose_16x16(__m512 r[16])
{
    __m512 t[16];
    for (int i = 0; i < 8; i++) { /* t[2i] = (a0 b0 a1 b1 | ...), t[2i+1] = (a2 b2 a3 b3 | ...) */
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int g = 0; g < 4; g++) { /* r[4g+c], lane L: rows 4g..4g+3 of column 4L+c */
        const __m512d lo = _mm512_castps_pd(t[4 * g]), lo2 = _mm512_castps_pd(t[4 * g + 2]);
        const __m512d hi = _mm512_castps_pd(t[4 * g + 1]), hi2 = _mm512_castps_pd(t[4 * g + 3]);
        r[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(lo, lo2));
        r[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(lo, lo2));
        r[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(hi, hi2));
        r[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(hi, hi2));
    }
    for (int c = 0; c < 4; c++) { /* lanes 0 and 2, 1 and 3 of row groups 0-1 and 2-3 */
        t[c] = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88);
        t[c + 4] = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xDD);
        t[c + 8] = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
        t[c + 12] = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xDD);
    }
    for (int c = 0; c < 4; c++) { /* column 4L + c = lane L of the four row groups */
        r[c] = _mm512_shuffle_f32x4(t[c], t[c + 8], 0x88);
        r[8 + c] = _mm512_shuffle_f32x4(t[c], t[c + 8], 0xDD);
        r[4 + c] = _mm512_shuffle_f32x4(t[c + 4], t[c + 12], 0x88);
        r[12 + c] = _mm512_shuffle_f32x4(t[c + 4], t[c + 12], 0xDD);
    }
}

/*
 * dst[c * dst_stride + i] = src[i * src_stride + c] for i < rows, c < cols
 * (rows, cols <= 16).  Missing rows read as zero, so each destination row
 * gets `width` numbers (rows <= width <= 16): the block's, then zeros.
 */
static TN_AVX512 TN_ALWAYS_INLINE void transpose_block(const float *src, int64_t src_stride, int rows, int cols,
                                                       float *dst, int64_t dst_stride, int width)
{
    const __mmask16 col_mask = tn_avx512_first_lanes(cols), width_mask = tn_avx512_first_lanes(width);
    __m512 r[16];
    for (int i = 0; i < 16; i++)
        r[i] = i < rows ? _mm512_maskz_loadu_ps(col_mask, src + i * src_stride) : _mm512_setzero_ps();
    transpose_16x16(r);
    for (int c = 0; c < cols; c++)
        _mm512_mask_storeu_ps(dst + c * dst_stride, width_mask, r[c]);
}

/* As sgemm_pack_a_rows (pack.inc). */
TN_AVX512 void sgemm_pack_a_rows_avx512(int mr, const float *a, int64_t lda, int64_t row0, int64_t rows, int64_t p0,
                                        int64_t kc, float *packed)
{
    const int64_t panels = tn_ceil_div(rows, mr);
    for (int64_t q = 0; q < panels; q++) {
        const int64_t r = panel_start(q, panels, rows);
        const int h = (int)(panel_start(q + 1, panels, rows) - r);
        float *panel = packed + r * kc;
        const float *first = a + (row0 + r) * lda + p0;
        for (int64_t pp = 0; pp < kc; pp += 16)
            transpose_block(first + pp, lda, h, (int)tn_min64(16, kc - pp), panel + pp * h, h, h);
    }
}

/* As sgemm_pack_bt_panel (pack.inc). */
TN_AVX512 void sgemm_pack_bt_panel_avx512(int nr, const float *b, int64_t ldb, int64_t p0, int64_t kc, int64_t col0,
                                          int64_t cols, float *panel)
{
    for (int j0 = 0; j0 < nr; j0 += 16) { /* the panel's columns j0 .. j0+15, zero past `cols` */
        const int count = (int)(cols - j0 < 0 ? 0 : cols - j0 < 16 ? cols - j0 : 16);
        const float *first = b + (col0 + j0) * ldb + p0;
        for (int64_t pp = 0; pp < kc; pp += 16)
            transpose_block(count > 0 ? first + pp : b, ldb, count, (int)tn_min64(16, kc - pp),
                            panel + pp * nr + j0, nr, 16);
    }
}

/* As sgemm_pack_b_row (pack.inc), for nr = 32: two vectors a row; the last
 * panel's missing columns load as zeros. */
TN_AVX512 void sgemm_pack_b_row_avx512(int nr, const float *b, int64_t ldb, int64_t p0, int64_t p, int64_t kc,
                                       int64_t col0, int64_t cols, float *packed)
{
    const float *src = b + (p0 + p) * ldb + col0;
    float *dst = packed + p * nr;
    int64_t j0 = 0;
    for (; j0 + 32 <= cols; j0 += 32, dst += 32 * kc) {
        _mm512_storeu_ps(dst, _mm512_loadu_ps(src + j0));
        _mm512_storeu_ps(dst + 16, _mm512_loadu_ps(src + j0 + 16));
    }
    if (j0 < cols) {
        const int w = (int)(cols - j0);
        const __mmask16 lo = tn_avx512_first_lanes(w), hi = tn_avx512_first_lanes(w - 16);
        _mm512_storeu_ps(dst, _mm512_maskz_loadu_ps(lo, src + j0));
        _mm512_storeu_ps(dst + 16, w > 16 ? _mm512_maskz_loadu_ps(hi, src + j0 + 16) : _mm512_setzero_ps());
    }
}

#endif /* TN_X86 */
