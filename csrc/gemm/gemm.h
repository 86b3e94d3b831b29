/*
 * gemm/gemm.h -- what the GEMM files share: the micro-kernels and packing
 * routines of every instruction set, and the plan that names the ones a call
 * uses.  Internal: the C API is tn_sgemm / tn_dgemm in tinynet.h.
 *
 *   gemm.c              the public functions and THE TABLE of plans (block
 *                       sizes and routines per instruction set and type)
 *   loops.inc           the five loops around the micro-kernel, once per type
 *   reference.inc       the plain triple loop (tn_sgemm_ref, tn_dgemm_ref)
 *   portable.c          plain-C micro-kernel (kernel_portable.inc) and packing (pack.inc)
 *   avx2.c              AVX2 micro-kernel (kernel_avx2.inc), float transposing packers
 *   avx512.c            AVX-512 micro-kernel (kernel_avx512.inc), float packers
 */
#ifndef TN_GEMM_H
#define TN_GEMM_H

#include <stdint.h>

#include "common/simd.h"
#include "common/sizes.h"

/* Micro-tile heights: the rows of C each micro-kernel keeps in registers
 * (its width, nr, is two vectors: see the table in gemm.c). */
#define PORTABLE_MR 4
#define AVX2_MR 6
#define AVX512_MR 14

#define GEMM_MAX_TILE 512 /* >= mr * nr of every plan in gemm.c's table */
#define GEMM_MAX_A_PANELS 32 /* >= ceil(mc / mr) of every plan in gemm.c's table */
#define A_PACK_SLACK 16   /* numbers a packing of A may write past its block (see sgemm_pack_a_rows_avx2) */

/*
 * Row panels.  A block of `rows` rows is cut into ceil(rows / mr) micro-panels
 * of nearly equal height, panel q starting at row panel_start(q, ...): 16 rows
 * make two panels of 8, not 14 + 2.  A panel of very few rows keeps too few
 * accumulators busy to hide the FMA latency (a 2-row tile runs at about half
 * speed), so an even cut is faster; a block of a whole number of mr-row
 * panels is cut into exactly those.
 */
static inline int64_t panel_start(int64_t q, int64_t panels, int64_t rows) { return rows * q / panels; }

/*
 * A micro-kernel computes one tile of C, rows x cols (rows <= mr, cols <= nr):
 *
 *   C[i][j] = alpha * sum_p a[p*rows + i] * b[p*b_stride + j]  +  beta * C[i][j]
 *
 * from a packed A micro-panel (kc columns of `rows` numbers) and a B
 * micro-panel of kc rows of nr numbers, b_stride apart: packed (b_stride =
 * nr, zero-padded) or read in place from B.  C has row stride ldc; only its
 * rows x cols corner is touched, and it is not read when beta == 0.
 *
 * A second micro-kernel, kernel_a_in_place, computes the same tile from A
 * as stored (op(A) = A): row i of the tile from a[i*lda + p], kc numbers in a
 * row -- for products too small, or too narrow, to repay packing A (see
 * loops.inc).
 *
 * The packings (their plain versions are in pack.inc, which says what each does):
 *   pack_a_rows    op(A) = A: rows of A into micro-panels of mr rows
 *   pack_b_row     op(B) = B: one row of a B block into every micro-panel
 *   pack_bt_panel  op(B) = B^T: columns of the block into one micro-panel
 */
typedef void sgemm_kernel_fn(int64_t kc, const float *a, const float *b, int64_t b_stride, float *c, int64_t ldc,
                             float alpha, float beta, int rows, int cols);
typedef void sgemm_kernel_a_in_place_fn(int64_t kc, const float *a, int64_t lda, const float *b, int64_t b_stride,
                                        float *c, int64_t ldc, float alpha, float beta, int rows, int cols);
typedef void sgemm_pack_a_rows_fn(int mr, const float *a, int64_t lda, int64_t row0, int64_t rows, int64_t p0,
                                  int64_t kc, float *packed);
typedef void sgemm_pack_b_row_fn(int nr, const float *b, int64_t ldb, int64_t p0, int64_t p, int64_t kc,
                                 int64_t col0, int64_t cols, float *packed);
typedef void sgemm_pack_bt_panel_fn(int nr, const float *b, int64_t ldb, int64_t p0, int64_t kc, int64_t col0,
                                    int64_t cols, float *panel);

typedef void dgemm_kernel_fn(int64_t kc, const double *a, const double *b, int64_t b_stride, double *c, int64_t ldc,
                             double alpha, double beta, int rows, int cols);
typedef void dgemm_kernel_a_in_place_fn(int64_t kc, const double *a, int64_t lda, const double *b,
                                        int64_t b_stride, double *c, int64_t ldc, double alpha, double beta, int rows,
                                        int cols);
typedef void dgemm_pack_a_rows_fn(int mr, const double *a, int64_t lda, int64_t row0, int64_t rows, int64_t p0,
                                  int64_t kc, double *packed);
typedef void dgemm_pack_b_row_fn(int nr, const double *b, int64_t ldb, int64_t p0, int64_t p, int64_t kc,
                                 int64_t col0, int64_t cols, double *packed);
typedef void dgemm_pack_bt_panel_fn(int nr, const double *b, int64_t ldb, int64_t p0, int64_t kc, int64_t col0,
                                    int64_t cols, double *panel);

/* One row of the table in gemm.c: how one instruction set multiplies one type. */
typedef struct {
    int mr, nr;         /* micro-tile: mr rows x nr columns of C       */
    int64_t mc, kc, nc; /* cache blocks (upper limits; see gemm.c)     */
    int64_t kc_deep, mc_deep; /* kc and mc when C is too big for L2 (gemm.c) */
    int64_t a_in_place_max_n;   /* A read unpacked when C has at most this many columns,    */
    int64_t b_in_place_max_m;   /* B when C has at most this many rows, unless B's rows lie */
    int64_t b_in_place_bad_ldb; /* a multiple of this many bytes apart (all three: gemm.c)  */
    sgemm_kernel_fn *kernel;
    sgemm_kernel_a_in_place_fn *kernel_a_in_place;
    sgemm_pack_a_rows_fn *pack_a_rows;
    sgemm_pack_b_row_fn *pack_b_row;
    sgemm_pack_bt_panel_fn *pack_bt_panel;
} sgemm_plan;

typedef struct {
    int mr, nr;
    int64_t mc, kc, nc, kc_deep, mc_deep;
    int64_t a_in_place_max_n, b_in_place_max_m, b_in_place_bad_ldb;
    dgemm_kernel_fn *kernel;
    dgemm_kernel_a_in_place_fn *kernel_a_in_place;
    dgemm_pack_a_rows_fn *pack_a_rows;
    dgemm_pack_b_row_fn *pack_b_row;
    dgemm_pack_bt_panel_fn *pack_bt_panel;
} dgemm_plan;

/* The row of gemm.c's table for a SIMD level (a value of tn_get_simd_level()):
 * for callers that run the micro-kernel on panels they pack themselves (the
 * convolution's conv/panels.c). */
const sgemm_plan *sgemm_plan_for(int simd_level);
const dgemm_plan *dgemm_plan_for(int simd_level);

/* ---- portable.c: plain C, every CPU ---------------------------------------- */
sgemm_kernel_fn sgemm_kernel_portable;
dgemm_kernel_fn dgemm_kernel_portable;
sgemm_kernel_a_in_place_fn sgemm_kernel_a_in_place_portable;
dgemm_kernel_a_in_place_fn dgemm_kernel_a_in_place_portable;
sgemm_pack_a_rows_fn sgemm_pack_a_rows;
dgemm_pack_a_rows_fn dgemm_pack_a_rows;
sgemm_pack_b_row_fn sgemm_pack_b_row;
dgemm_pack_b_row_fn dgemm_pack_b_row;
sgemm_pack_bt_panel_fn sgemm_pack_bt_panel;
dgemm_pack_bt_panel_fn dgemm_pack_bt_panel;
/* op(A) = A^T: the packing has no SIMD version, so no column in the table. */
void sgemm_pack_at_rows(int mr, const float *a, int64_t lda, int64_t row0, int64_t rows, int64_t p0, int64_t kc,
                        float *packed);
void dgemm_pack_at_rows(int mr, const double *a, int64_t lda, int64_t row0, int64_t rows, int64_t p0, int64_t kc,
                        double *packed);

#if TN_X86
/* ---- avx2.c ------------------------------------------------------------------ */
sgemm_kernel_fn sgemm_kernel_avx2;
dgemm_kernel_fn dgemm_kernel_avx2;
sgemm_kernel_a_in_place_fn sgemm_kernel_a_in_place_avx2;
dgemm_kernel_a_in_place_fn dgemm_kernel_a_in_place_avx2;
sgemm_pack_a_rows_fn sgemm_pack_a_rows_avx2;
sgemm_pack_bt_panel_fn sgemm_pack_bt_panel_avx2;

/* ---- avx512.c ---------------------------------------------------------------- */
sgemm_kernel_fn sgemm_kernel_avx512;
dgemm_kernel_fn dgemm_kernel_avx512;
sgemm_kernel_a_in_place_fn sgemm_kernel_a_in_place_avx512;
dgemm_kernel_a_in_place_fn dgemm_kernel_a_in_place_avx512;
sgemm_pack_a_rows_fn sgemm_pack_a_rows_avx512;
sgemm_pack_b_row_fn sgemm_pack_b_row_avx512;
sgemm_pack_bt_panel_fn sgemm_pack_bt_panel_avx512;
#endif

#endif
