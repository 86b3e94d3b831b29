/*
 * linear/linear.c -- a fully connected layer, y = x w^T + b (and the ReLU
 * after it), forward and backward, each in one call: tn_slinear_forward,
 * tn_slinear_backward, their double twins, and the plain twins (..._ref).
 *
 * Why one call.  The arithmetic is all in the GEMMs; what one call saves is
 * what sits between them in Python: a product, a bias added, a ReLU (two
 * passes and a mask), and backward three products, a mask, a sum, each a
 * call from Python and a temporary array.  Here the bias and the ReLU are
 * added to each row of y just after the GEMM wrote it, and backward masks
 * dL/dy once and runs its products and the bias sum in one go.  Each step
 * is the one tinynet's separate ops take, in the same order, so the fused
 * and the separate forms give the same numbers (numpy may add up dL/db in
 * another order: for a single output column it sums pairwise).
 *
 * The plain twins run the same steps with the plain GEMM (gemm/reference.inc):
 * the products are all there is to check here.
 *
 * Threads are the GEMM's (gemm/gemm.c); the bias and the ReLU loops are
 * single passes over y, too short to share.
 */
#include <stdlib.h>

#include "tinynet.h"

/* The ReLU and its mask, y * [y > 0], are a multiply by a 0/1 that depends on a comparison.  By default
 * GCC assumes a floating-point operation may trap, so it will not turn that into branch-free SIMD
 * selects and makes a branch per element instead -- mispredicted half the time on a layer's outputs,
 * which cost as much as the layer's GEMM at batch 64.  Nothing in tinynet traps on floating-point
 * exceptions; the values do not change (this is not -ffast-math: rounding, NaN and -0 stay as they are). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

/* ---- once per type -------------------------------------------------------------------
 * float:  tn_slinear_forward, tn_slinear_backward (GEMM: tn_sgemm),
 *         tn_slinear_forward_ref, tn_slinear_backward_ref (GEMM: tn_sgemm_ref)
 * double: the tn_d... twins */

/* (the _ref GEMM returns nothing: nothing in it can fail) */
static int sgemm_ref(int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                     const float *b, int64_t ldb, float beta, float *c, int64_t ldc)
{
    tn_sgemm_ref(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return 0;
}

static int dgemm_ref(int ta, int tb, int64_t m, int64_t n, int64_t k, double alpha, const double *a, int64_t lda,
                     const double *b, int64_t ldb, double beta, double *c, int64_t ldc)
{
    tn_dgemm_ref(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return 0;
}

#define REAL float
#define API(x) tn_s##x
#define GEMM tn_sgemm
#include "linear/linear.inc"
#undef API
#undef GEMM
#define API(x) tn_s##x##_ref
#define GEMM sgemm_ref
#include "linear/linear.inc"
#undef API
#undef GEMM
#undef REAL

#define REAL double
#define API(x) tn_d##x
#define GEMM tn_dgemm
#include "linear/linear.inc"
#undef API
#undef GEMM
#define API(x) tn_d##x##_ref
#define GEMM dgemm_ref
#include "linear/linear.inc"
#undef API
#undef GEMM
#undef REAL
