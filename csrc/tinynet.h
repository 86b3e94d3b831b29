/*
 * tinynet.h -- the whole C API of tinynet's kernels.
 *
 * This header is read twice: by the C compiler, and by cffi (csrc/build_ffi.py
 * passes everything between the two "cffi" markers to ffi.cdef), so Python and
 * C agree on every signature by construction.  Keep the part between the
 * markers free of preprocessor lines and macros.
 *
 * Conventions
 *   - Every buffer is a contiguous, row-major array that Python allocated.
 *   - Sizes are int64_t; the Python wrappers (tinynet.kernels) check every
 *     size before calling, so C may trust them.
 *   - Functions that allocate scratch memory return 0 on success and
 *     TN_ERR_NOMEM (-1) when malloc fails; nothing else can fail in C
 *     (except the test entries of the direct convolution, which say
 *     TN_ERR_UNSUPPORTED (-2) for a shape they do not compute, and
 *     tn_?gemm_contiguous, which says it for arrays it will not take).
 *   - The "s" prefix is float32, the "d" prefix float64.
 *   - Every kernel has a plain reference loop ("_ref"), which the tests
 *     compare it against at every SIMD level and thread count.
 *
 * Where each part lives: runtime.c here; gemm/ (GEMM), conv/ (convolution),
 * pool/ (pooling), norm/ (batch normalization), each with its dispatcher
 * (gemm/gemm.c, conv/conv2d.c, pool/pool2d.c, norm/batch_norm.c) defining
 * the functions declared below; the fused kernels of a training step:
 * linear/ (a linear layer with its bias and ReLU), loss/ (softmax
 * cross-entropy with its gradient), optim/ (an optimizer's step over all
 * parameters); common/ holds what the families share.
 */
#ifndef TINYNET_H
#define TINYNET_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* cffi-begin */

/* ---- run-time settings (csrc/runtime.c) ---------------------------------
 * The only global state in the library: how many threads kernels may use,
 * and which SIMD instruction set they use.  Both are chosen once when
 * tinynet is imported and may be changed by the user. */
void tn_set_num_threads(int n);
int tn_get_num_threads(void);
int tn_default_num_threads(void);
int tn_has_openmp(void);

/* Threads for a kernel starting now (csrc/common/busy_elsewhere.c): those
 * asked for, fewer while other programs keep some of the cores busy. */
int tn_threads_now(void);
int tn_threads_given_load(int requested, int usable, double busy_elsewhere);
int64_t tn_stat_busy_ticks(const char *text, int64_t length, const unsigned char *counted, int64_t ncounted);
double tn_cores_busy_elsewhere(void); /* at the last look; 0 before the second */
void tn_set_share_cores(int on);      /* 0: always the threads asked for */
int tn_get_share_cores(void);

/* SIMD levels: 0 = portable C, 1 = AVX2+FMA, 2 = AVX-512F. */
int tn_cpu_simd_level(void);      /* best level this CPU supports            */
int tn_set_simd_level(int level); /* clamps to what the CPU supports; returns
                                     the level now in use                    */
int tn_get_simd_level(void);
const char *tn_build_compiler(void);
const char *tn_build_flags(void);
/* Ask glibc to keep freed memory for reuse (see runtime.c); 1 if it did. */
int tn_keep_freed_memory(void);

/* ---- GEMM (csrc/gemm/gemm.c) ----------------------------------------------
 * C = alpha * op(A) * op(B) + beta * C, with op(X) = X or X^T.
 * op(A) is m x k, op(B) is k x n, C is m x n.  lda, ldb, ldc are the row
 * strides (in elements) of A, B, C as stored: A is m x k (lda >= k) when
 * trans_a == 0 and k x m (lda >= m) when trans_a == 1; likewise B.
 * When beta == 0, C is not read (it may hold garbage or NaN). */
int tn_sgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
             float alpha, const float *a, int64_t lda,
             const float *b, int64_t ldb,
             float beta, float *c, int64_t ldc);
int tn_dgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
             double alpha, const double *a, int64_t lda,
             const double *b, int64_t ldb,
             double beta, double *c, int64_t ldc);
/* The usual call, with fewer arguments to pass: C = op(A) * op(B) for
 * arrays stored whole (lda, ldb, ldc are their row lengths), as Python's
 * numpy arrays are when C-contiguous.  C checks what it alone sees cheaply:
 * it returns TN_ERR_UNSUPPORTED, computing nothing, when a pointer is not
 * aligned to its type or C's memory overlaps A's or B's; the caller then
 * takes the general path (copies).  Else as tn_sgemm. */
int tn_sgemm_contiguous(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                   const float *a, const float *b, float *c);
int tn_dgemm_contiguous(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                   const double *a, const double *b, double *c);
void tn_sgemm_ref(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                  float alpha, const float *a, int64_t lda,
                  const float *b, int64_t ldb,
                  float beta, float *c, int64_t ldc);
void tn_dgemm_ref(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                  double alpha, const double *a, int64_t lda,
                  const double *b, int64_t ldb,
                  double beta, double *c, int64_t ldc);

/* ---- 2-D convolution, NCHW (csrc/conv/conv2d.c) ---------------------------
 * y[n, co, i, j] = bias[co] + sum_{ci, p, q} w[co, ci, p, q]
 *                  * x[n, ci, i*stride_h + p - pad_h, j*stride_w + q - pad_w]
 * (x is zero outside its bounds).  out_h = (in_h + 2 pad_h - kernel_h) /
 * stride_h + 1, likewise out_w; the caller computes and checks them. */
typedef struct {
    int64_t batch, in_channels, in_h, in_w;
    int64_t out_channels, kernel_h, kernel_w;
    int64_t stride_h, stride_w, pad_h, pad_w;
    int64_t out_h, out_w;
} tn_conv2d_shape;

/* bias may be NULL. */
int tn_sconv2d_forward(const tn_conv2d_shape *s, const float *x,
                       const float *w, const float *bias, float *y);
int tn_dconv2d_forward(const tn_conv2d_shape *s, const double *x,
                       const double *w, const double *bias, double *y);
/* Any of dx, dw, db may be NULL (that gradient is not computed).
 * dx, dw, db are overwritten, not accumulated into. */
int tn_sconv2d_backward(const tn_conv2d_shape *s, const float *x,
                        const float *w, const float *dy,
                        float *dx, float *dw, float *db);
int tn_dconv2d_backward(const tn_conv2d_shape *s, const double *x,
                        const double *w, const double *dy,
                        double *dx, double *dw, double *db);
void tn_sconv2d_forward_ref(const tn_conv2d_shape *s, const float *x,
                            const float *w, const float *bias, float *y);
void tn_dconv2d_forward_ref(const tn_conv2d_shape *s, const double *x,
                            const double *w, const double *bias, double *y);
void tn_sconv2d_backward_ref(const tn_conv2d_shape *s, const float *x,
                             const float *w, const float *dy,
                             float *dx, float *dw, float *db);
void tn_dconv2d_backward_ref(const tn_conv2d_shape *s, const double *x,
                             const double *w, const double *dy,
                             double *dx, double *dw, double *db);
/* The direct convolution (conv/direct_*.c) on its own, whatever
 * tn_sconv2d_forward / _backward would choose for this shape: for the tests.
 * It computes float32 with stride 1 and batch >= 1 (and, for dx, padding
 * <= kernel - 1), and returns TN_ERR_UNSUPPORTED for any other shape.  Its
 * tiles use AVX-512 (16 channels) or AVX2 as far as tn_get_simd_level()
 * allows, else plain C. */
int tn_sconv2d_direct_forward(const tn_conv2d_shape *s, const float *x,
                              const float *w, const float *bias, float *y);
int tn_sconv2d_direct_backward(const tn_conv2d_shape *s, const float *x,
                               const float *w, const float *dy,
                               float *dx, float *dw, float *db);
/* The row convolution (conv/rows*.c) on its own, likewise: float32 with
 * stride 1, batch >= 1 and padding <= kernel - 1 (dW: a kernel at most 5
 * wide), else TN_ERR_UNSUPPORTED.  Its tiles use AVX-512 when
 * tn_get_simd_level() allows, else plain C. */
int tn_sconv2d_rows_forward(const tn_conv2d_shape *s, const float *x,
                            const float *w, const float *bias, float *y);
int tn_sconv2d_rows_backward(const tn_conv2d_shape *s, const float *x,
                             const float *w, const float *dy,
                             float *dx, float *dw, float *db);
/* The panel path (conv/panels.c) on its own, whatever the dispatcher would
 * choose: for the tests.  It computes every shape, float and double. */
int tn_sconv2d_panels_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias,
                              float *y);
int tn_dconv2d_panels_forward(const tn_conv2d_shape *s, const double *x, const double *w, const double *bias,
                              double *y);
int tn_sconv2d_panels_backward(const tn_conv2d_shape *s, const float *x, const float *w, const float *dy,
                               float *dx, float *dw, float *db);
int tn_dconv2d_panels_backward(const tn_conv2d_shape *s, const double *x, const double *w, const double *dy,
                               double *dx, double *dw, double *db);
/* The convolution by output positions (conv/positions.c) on its own, whatever the dispatcher would
 * choose: for the tests.  The forward pass, dL/dW and dL/db (either may be NULL) of every float32 shape;
 * dL/dx of stride-1 shapes with padding <= kernel - 1 (else TN_ERR_UNSUPPORTED). */
int tn_sconv2d_positions_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias,
                                 float *y);
int tn_sconv2d_positions_input_grad(const tn_conv2d_shape *s, const float *w, const float *dy, float *dx);
int tn_sconv2d_positions_weight_grad(const tn_conv2d_shape *s, const float *x, const float *dy, float *dw,
                                     float *db);
/* The convolution one kernel tap at a time (conv/taps.c) on its own, whatever the dispatcher would
 * choose: for the tests.  The forward pass and dL/dx of float32 shapes of stride 1 with padding <=
 * kernel - 1 whose shifted copies take at most 64 MiB a thread (else TN_ERR_UNSUPPORTED). */
int tn_sconv2d_taps_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias, float *y);
int tn_sconv2d_taps_input_grad(const tn_conv2d_shape *s, const float *w, const float *dy, float *dx);
/* The convolution by Winograd's F(2x2, 3x3) (conv/winograd.c) on its own, whatever the dispatcher would
 * choose: for the tests.  The forward pass and dL/dx of float32 shapes with a 3x3 kernel, stride 1 and
 * padding <= 2 (else TN_ERR_UNSUPPORTED, before any array is read); TN_ERR_UNSUPPORTED too, after
 * writing the output, when an output came out infinite or NaN (the dispatcher then computes it
 * another way). */
int tn_sconv2d_winograd_forward(const tn_conv2d_shape *s, const float *x, const float *w, const float *bias,
                                float *y);
int tn_sconv2d_winograd_input_grad(const tn_conv2d_shape *s, const float *w, const float *dy, float *dx);

/* ---- 2-D pooling, NCHW (csrc/pool/pool2d.c) -------------------------------
 * Max pooling treats padding as -infinity; the forward pass records, for
 * each output, the flat index (row * in_w + col) of its maximum within its
 * input plane (ties: the first in row-major order), so the backward pass
 * scatters dy there without rescanning x.
 * Average pooling divides by kernel_h * kernel_w when count_include_pad is
 * nonzero (PyTorch's default), else by the number of in-bounds elements. */
typedef struct {
    int64_t batch, channels, in_h, in_w;
    int64_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
    int64_t out_h, out_w;
} tn_pool2d_shape;

void tn_smax_pool2d_forward(const tn_pool2d_shape *s, const float *x,
                            float *y, int32_t *argmax);
void tn_dmax_pool2d_forward(const tn_pool2d_shape *s, const double *x,
                            double *y, int32_t *argmax);
/* dx is overwritten. */
void tn_smax_pool2d_backward(const tn_pool2d_shape *s, const float *dy,
                             const int32_t *argmax, float *dx);
void tn_dmax_pool2d_backward(const tn_pool2d_shape *s, const double *dy,
                             const int32_t *argmax, double *dx);
void tn_savg_pool2d_forward(const tn_pool2d_shape *s, const float *x,
                            float *y, int count_include_pad);
void tn_davg_pool2d_forward(const tn_pool2d_shape *s, const double *x,
                            double *y, int count_include_pad);
void tn_savg_pool2d_backward(const tn_pool2d_shape *s, const float *dy,
                             float *dx, int count_include_pad);
void tn_davg_pool2d_backward(const tn_pool2d_shape *s, const double *dy,
                             double *dx, int count_include_pad);
void tn_smax_pool2d_forward_ref(const tn_pool2d_shape *s, const float *x,
                                float *y, int32_t *argmax);
void tn_dmax_pool2d_forward_ref(const tn_pool2d_shape *s, const double *x,
                                double *y, int32_t *argmax);
void tn_smax_pool2d_backward_ref(const tn_pool2d_shape *s, const float *dy,
                                 const int32_t *argmax, float *dx);
void tn_dmax_pool2d_backward_ref(const tn_pool2d_shape *s, const double *dy,
                                 const int32_t *argmax, double *dx);
void tn_savg_pool2d_forward_ref(const tn_pool2d_shape *s, const float *x,
                                float *y, int count_include_pad);
void tn_davg_pool2d_forward_ref(const tn_pool2d_shape *s, const double *x,
                                double *y, int count_include_pad);
void tn_savg_pool2d_backward_ref(const tn_pool2d_shape *s, const float *dy,
                                 float *dx, int count_include_pad);
void tn_davg_pool2d_backward_ref(const tn_pool2d_shape *s, const double *dy,
                                 double *dx, int count_include_pad);

/* ---- ReLU over a whole array (csrc/elementwise/relu.inc) ------------------------
 * Forward: y = max(x, 0) (NaN stays NaN) and positive = [x > 0] (0 or 1, one
 * byte each); backward: dx = dy * positive.  n numbers each; threaded. */
void tn_srelu_forward(int64_t n, const float *x, float *y, uint8_t *positive);
void tn_drelu_forward(int64_t n, const double *x, double *y, uint8_t *positive);
void tn_srelu_backward(int64_t n, const float *dy, const uint8_t *positive, float *dx);
void tn_drelu_backward(int64_t n, const double *dy, const uint8_t *positive, double *dx);

/* ---- tanh's forward over a whole float array (csrc/elementwise/tanh_forward.c) ---
 * y = tanh(x), within 2 ulp of tanh rounded to float (elementwise/tanh_math.h
 * says how); the same bits at every SIMD level and thread count.  n numbers. */
void tn_stanh_forward(int64_t n, const float *x, float *y);

/* ---- tanh's backward over a whole array (csrc/elementwise/tanh.inc) -------------
 * dx = dy - (dy * y) * y, y = tanh(x): numpy's grad - grad * out * out, bit for
 * bit, in one threaded pass.  n numbers each. */
void tn_stanh_backward(int64_t n, const float *y, const float *dy, float *dx);
void tn_dtanh_backward(int64_t n, const double *y, const double *dy, double *dx);

/* ---- a + b over whole arrays (csrc/elementwise/add.inc) ------------------------
 * out = a + b, n numbers each, threaded; out may be a (not a part of a or b
 * shifted: each number is read and written once, in no set order). */
void tn_sadd(int64_t n, const float *a, const float *b, float *out);
void tn_dadd(int64_t n, const double *a, const double *b, double *out);

/* ---- fully connected layer (csrc/linear/linear.c) ---------------------------
 * Forward: y = x w^T + b, then y * [y > 0] when relu != 0; x is m x k, w is
 * n x k, b has n entries (or is NULL), y is m x n.
 * Backward, given dy = dL/dy (m x n): with the ReLU, y is the forward's
 * output and dz = dy * [y > 0], else y is NULL and dz = dy; then
 * dx = dz w (m x k), dw = dz^T x (n x k), db = the sum of dz's rows (n);
 * any of dx, dw, db may be NULL (not computed).  Both return 0 or
 * TN_ERR_NOMEM. */
int tn_slinear_forward(int64_t m, int64_t n, int64_t k, const float *x, const float *w, const float *b, int relu,
                       float *y);
int tn_dlinear_forward(int64_t m, int64_t n, int64_t k, const double *x, const double *w, const double *b,
                       int relu, double *y);
int tn_slinear_backward(int64_t m, int64_t n, int64_t k, const float *x, const float *w, const float *y,
                        const float *dy, float *dx, float *dw, float *db);
int tn_dlinear_backward(int64_t m, int64_t n, int64_t k, const double *x, const double *w, const double *y,
                        const double *dy, double *dx, double *dw, double *db);
int tn_slinear_forward_ref(int64_t m, int64_t n, int64_t k, const float *x, const float *w, const float *b,
                           int relu, float *y);
int tn_dlinear_forward_ref(int64_t m, int64_t n, int64_t k, const double *x, const double *w, const double *b,
                           int relu, double *y);
int tn_slinear_backward_ref(int64_t m, int64_t n, int64_t k, const float *x, const float *w, const float *y,
                            const float *dy, float *dx, float *dw, float *db);
int tn_dlinear_backward_ref(int64_t m, int64_t n, int64_t k, const double *x, const double *w, const double *y,
                            const double *dy, double *dx, double *dw, double *db);

/* ---- softmax cross-entropy (csrc/loss/cross_entropy.c) ---------------------
 * logits is rows x classes, labels[n] row n's class.  *loss_sum receives
 * sum_n (log sum_c exp(logits[n, c]) - logits[n, labels[n]]), and grad (when
 * not NULL) scale * (softmax(logits[n]) - one_hot(labels[n])) for each row.
 * *bad_row is -1, or the first row whose label is not in [0, classes) (the
 * outputs are then incomplete).  Returns 0 or TN_ERR_NOMEM. */
int tn_scross_entropy(int64_t rows, int64_t classes, const float *logits, const int64_t *labels, double scale,
                      float *grad, double *loss_sum, int64_t *bad_row);
int tn_dcross_entropy(int64_t rows, int64_t classes, const double *logits, const int64_t *labels, double scale,
                      double *grad, double *loss_sum, int64_t *bad_row);
int tn_scross_entropy_ref(int64_t rows, int64_t classes, const float *logits, const int64_t *labels,
                          double scale, float *grad, double *loss_sum, int64_t *bad_row);
int tn_dcross_entropy_ref(int64_t rows, int64_t classes, const double *logits, const int64_t *labels,
                          double scale, double *grad, double *loss_sum, int64_t *bad_row);

/* ---- optimizer steps (csrc/optim/optim.c) ---------------------------------
 * One call updates `count` parameters in place: parameter k has sizes[k]
 * elements at params[k], its gradient at grads[k] (read only), and its
 * running state in the arrays named below.  The rules are PyTorch's
 * (tinynet/optim/sgd.py and adam.py state them), and the results are bit
 * for bit those of tinynet's numpy step.  A parameter whose arrays overlap
 * is left untouched and flagged: skipped[k] = 1 (else 0).
 *
 * SGD: buffers[k] is parameter k's momentum buffer (buffers is NULL when
 * momentum is 0); fresh[k] != 0 means it holds nothing yet and is set to
 * the gradient, as on PyTorch's first step.  nesterov and maximize are 0/1. */
void tn_ssgd_step(int64_t count, float **params, float **grads, float **buffers, const int32_t *fresh,
                  const int64_t *sizes, double lr, double weight_decay, double momentum, double dampening,
                  int nesterov, int maximize, int32_t *skipped);
void tn_dsgd_step(int64_t count, double **params, double **grads, double **buffers, const int32_t *fresh,
                  const int64_t *sizes, double lr, double weight_decay, double momentum, double dampening,
                  int nesterov, int maximize, int32_t *skipped);
void tn_ssgd_step_ref(int64_t count, float **params, float **grads, float **buffers, const int32_t *fresh,
                      const int64_t *sizes, double lr, double weight_decay, double momentum, double dampening,
                      int nesterov, int maximize, int32_t *skipped);
void tn_dsgd_step_ref(int64_t count, double **params, double **grads, double **buffers, const int32_t *fresh,
                      const int64_t *sizes, double lr, double weight_decay, double momentum, double dampening,
                      int nesterov, int maximize, int32_t *skipped);
/* Adam / AdamW (decoupled = 1): exp_avgs[k] and exp_avg_sqs[k] are the two
 * moments, max_exp_avg_sqs[k] the largest second moment (amsgrad; the array
 * is NULL otherwise), steps[k] >= 1 the step t being taken. */
void tn_sadam_step(int64_t count, float **params, float **grads, float **exp_avgs, float **exp_avg_sqs,
                   float **max_exp_avg_sqs, const int64_t *sizes, const int64_t *steps, double lr, double beta1,
                   double beta2, double eps, double weight_decay, int decoupled, int maximize, int32_t *skipped);
void tn_dadam_step(int64_t count, double **params, double **grads, double **exp_avgs, double **exp_avg_sqs,
                   double **max_exp_avg_sqs, const int64_t *sizes, const int64_t *steps, double lr, double beta1,
                   double beta2, double eps, double weight_decay, int decoupled, int maximize, int32_t *skipped);
void tn_sadam_step_ref(int64_t count, float **params, float **grads, float **exp_avgs, float **exp_avg_sqs,
                       float **max_exp_avg_sqs, const int64_t *sizes, const int64_t *steps, double lr,
                       double beta1, double beta2, double eps, double weight_decay, int decoupled, int maximize,
                       int32_t *skipped);
void tn_dadam_step_ref(int64_t count, double **params, double **grads, double **exp_avgs, double **exp_avg_sqs,
                       double **max_exp_avg_sqs, const int64_t *sizes, const int64_t *steps, double lr,
                       double beta1, double beta2, double eps, double weight_decay, int decoupled, int maximize,
                       int32_t *skipped);

/* ---- batch normalization (csrc/norm/batch_norm.c) --------------------------
 * x is batch x channels x plane (NCHW with plane = H * W; plane = 1 for
 * (N, C) features); each channel is normalized over its batch * plane values:
 *   y = weight * (x - mean) * inv_std + bias,  inv_std = 1 / sqrt(var + eps),
 * then, when relu is nonzero, y = max(y, 0).  weight and bias may be NULL
 * (1 and 0).  training != 0: mean and var are outputs, the batch's mean and
 * biased variance (batch * plane >= 1); else they are inputs (the running
 * statistics).  inv_std is always an output; backward takes mean and
 * inv_std as forward left them.  Any of dx, dweight, dbias may be NULL;
 * backward reads bias only for the ReLU's mask. */
typedef struct {
    int64_t batch, channels, plane;
} tn_batch_norm_shape;

void tn_sbatch_norm_forward(const tn_batch_norm_shape *s, const float *x, const float *weight, const float *bias,
                            double eps, int training, int relu, float *mean, float *var, float *inv_std, float *y);
void tn_dbatch_norm_forward(const tn_batch_norm_shape *s, const double *x, const double *weight, const double *bias,
                            double eps, int training, int relu, double *mean, double *var, double *inv_std,
                            double *y);
void tn_sbatch_norm_backward(const tn_batch_norm_shape *s, const float *x, const float *dy, const float *mean,
                             const float *inv_std, const float *weight, const float *bias, int training, int relu,
                             float *dx, float *dweight, float *dbias);
void tn_dbatch_norm_backward(const tn_batch_norm_shape *s, const double *x, const double *dy, const double *mean,
                             const double *inv_std, const double *weight, const double *bias, int training,
                             int relu, double *dx, double *dweight, double *dbias);
void tn_sbatch_norm_forward_ref(const tn_batch_norm_shape *s, const float *x, const float *weight,
                                const float *bias, double eps, int training, int relu, float *mean, float *var,
                                float *inv_std, float *y);
void tn_dbatch_norm_forward_ref(const tn_batch_norm_shape *s, const double *x, const double *weight,
                                const double *bias, double eps, int training, int relu, double *mean, double *var,
                                double *inv_std, double *y);
void tn_sbatch_norm_backward_ref(const tn_batch_norm_shape *s, const float *x, const float *dy, const float *mean,
                                 const float *inv_std, const float *weight, const float *bias, int training,
                                 int relu, float *dx, float *dweight, float *dbias);
void tn_dbatch_norm_backward_ref(const tn_batch_norm_shape *s, const double *x, const double *dy,
                                 const double *mean, const double *inv_std, const double *weight,
                                 const double *bias, int training, int relu, double *dx, double *dweight,
                                 double *dbias);

/* cffi-end */

#define TN_ERR_NOMEM (-1)
#define TN_ERR_UNSUPPORTED (-2)

#ifdef __cplusplus
}
#endif
#endif /* TINYNET_H */
