/*
 * gemm/gemm.c -- C = alpha * op(A) * op(B) + beta * C, fast, for float and
 * double: tn_sgemm, tn_dgemm, their plain twins tn_sgemm_ref, tn_dgemm_ref,
 * and the short entries for whole arrays, tn_sgemm_contiguous, tn_dgemm_contiguous.
 *
 * A GEMM does 2*m*n*k flops on only m*k + k*n + m*n numbers, so each number
 * fetched from memory can be used ~min(m, n, k) times.  The whole art is to
 * fetch it once into a fast place (register, L1, L2) and use it there many
 * times.  The method is Goto's (K. Goto and R. van de Geijn, "Anatomy of
 * high-performance matrix multiplication", 2008) as structured by BLIS
 * (F. Van Zee and R. van de Geijn, 2015): five loops around a micro-kernel.
 *
 * The micro-kernel.  The innermost unit of work is a small tile of C, mr x nr
 * (14 x 32 floats with AVX-512), held entirely in vector registers while k
 * runs: each step p loads one column of A (mr numbers, each broadcast to a
 * whole vector) and one row of B (nr numbers = 2 vectors) and does mr*nr/w
 * fused multiply-adds (w = numbers per vector).  There is one micro-kernel
 * per instruction set: kernel_portable.inc, kernel_avx2.inc,
 * kernel_avx512.inc, each written once for float and double.
 *
 * Packing (pack.inc).  The micro-kernel wants its operands contiguous in
 * exactly the order it reads them: a "micro-panel" of A is kc columns of mr
 * numbers, one of B is kc rows of nr numbers.  So before computing, we copy
 * ("pack") a block of A and a block of B into that order.  Packing also makes
 * transposes free (the copy reads either layout), makes the kernel's loads
 * unit-stride, and pads the edge of B with zeros so the kernel always loads
 * whole vectors (edge tiles of C are then written under lane masks: nothing
 * out of bounds is ever read or written).  The copy costs O(mk + kn) against
 * the O(mnk) multiply -- but it is memory-bound, so it must be a fast copy:
 * the packings that transpose have AVX2 and AVX-512 versions for float.
 * When C has only a few rows, each B micro-panel would serve only a few A
 * micro-panels, so B is not packed at all: the kernel reads its rows in
 * place (a B micro-panel is then kc rows ldb apart; see loops.inc).
 * Likewise A, when op(A) = A and the whole product fits in L1 or C is
 * narrow (see below): kernel_a_in_place reads A's rows where they are (a
 * 64 x 64 x 64 float product in C, AVX-512 Xeon: 118 -> 135 GFLOP/s).
 *
 * The blocks (loops 5, 4, 3 of loops.inc), chosen from the caches:
 *   kc  -- the k-depth of one pass.  A B micro-panel (kc x nr) is reused by
 *          every A micro-panel of the block, so it should stay in L1/L2; the
 *          C tile is loaded and stored once per kc steps, so kc should not be
 *          small.  256 (a 32 KiB B micro-panel) measured ~10% faster than
 *          128 at n = 1024-2048 and no slower at 512.
 *  kc_deep -- kc when C is bigger than DEEP_C_BYTES: C is then read and
 *          written through memory once per k slice, and deeper slices do
 *          that less often.  For floats, on an Intel Xeon with 2 MiB of L2
 *          per core, 1024 took 2048^3 on one thread from 0.87-0.91 of
 *          OpenBLAS's speed to 0.94-1.04 (AVX-512; AVX2 86 -> 98 GFLOP/s),
 *          while a product with a small C -- 64 x 784 x 128, whose few A
 *          micro-panels cannot keep a 100 KiB B micro-panel's use high --
 *          lost 5-7% with it.  Doubles keep 256: not measured.  The AVX2
 *          plan runs on CPUs without AVX-512, whose L2 is mostly smaller
 *          (512 KiB on a Zen 3 core): there a 144 x 1024 A block (576 KiB)
 *          did not fit, and 512 with mc_deep = 72 (the same 144 KiB block
 *          as 144 x 256) ran faster than 1024 at every shape tried, taking
 *          turns with OpenBLAS in one process: 1024^3 0.98 -> 1.03 of its
 *          speed, 2048^3 0.92 -> 0.95, 800 x 1500 x 1000 0.95 -> 0.96, and
 *          1024^3 on two threads 1.69 -> 1.74.
 *   mc  -- rows of the packed A block (mc x kc), which is streamed through
 *          the kernel once per B micro-panel: it should sit in L2 (mc_deep:
 *          the same with kc_deep).
 *   nc  -- columns of the packed B block (kc x nc), reused by all of A's row
 *          blocks: it lives in L2 or L3.  1 MiB of it (nc = 1024 floats):
 *          on an Intel Xeon with 2 MiB of L2, a 2048 x 2048 block (2 MiB)
 *          ran 2048^3 at 0.89 of OpenBLAS's speed, 1024 columns at 0.94.
 * The other sizes in the table below were measured on an AMD Zen 4 (32 KiB
 * L1d, 1 MiB L2); they are reasonable for any recent x86.  The loops shrink them
 * to split a dimension into equal pieces rather than leave a sliver.
 *
 * Narrow C.  A tile is nr = 32 columns wide, so a C with few columns
 * (n = 6) would waste most of every tile.  The micro-kernels compute only
 * one vector of columns (16 floats) when a tile has no more, and with
 * op(A) = A they read A in place (A's rows, unpacked: a narrow C uses each
 * A micro-panel once, so packing it would be a wasted copy).  With op(A) =
 * A^T, we compute C^T = op(B)^T op(A)^T instead -- the same numbers with
 * the roles of A and B exchanged -- and write each tile back transposed.
 *
 * Threads.  C is cut into one rectangle per thread, a whole number of
 * micro-tiles each: by rows when there are enough (each thread then packs
 * the same B block, a small O(kn) price), else by columns.  Each thread packs
 * what it needs into its own scratch, so threads never wait for one another
 * -- a barrier per k slice would stall everyone whenever the OS pauses one
 * thread.  The split never changes the order in which an element of C is
 * summed, so results are identical, bit for bit, on 1 or N threads.
 * Fixed rectangles need every thread to start at once: they do, because the
 * workers spin briefly between kernels and kernels use fewer threads while
 * other programs keep cores busy (common/busy_elsewhere.c).  (Handing out
 * small pieces from a shared counter, which tolerates a late thread, was
 * tried: with threads that start at once it ran 128^3 at 34 us on 2 threads
 * against 14 us for fixed halves.)  Small products run on one thread, and
 * so does any call made from inside an OpenMP parallel region: the caller
 * (e.g. the convolution, one group of images per thread) already owns the
 * cores.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tinynet.h"
#include "common/threads.h"
#include "gemm/gemm.h"

/* ---- the table ---------------------------------------------------------------
 * For each instruction set (a value of tn_get_simd_level()) and type: the
 * micro-tile (mr x nr), the cache blocks (upper limits of mc, kc, nc), when
 * A and B are read in place instead of packed (reads_a_in_place and
 * reads_b_in_place below), and the micro-kernel and packings that go with
 * them.  This is the one place that says which routine a GEMM runs. */

static const sgemm_plan SGEMM_PLANS[] = {
    /*                    mr           nr  mc   kc   nc    kc_deep mc_deep  A in place up to n columns; B up to
     *                                                                      m rows, unless ldb is a multiple of
     *                                                                      this many bytes;
     *                    then the micro-kernels (on packed A, on A in place) and the packings (A rows, B row,
     *                    B^T panel) */
    [TN_SIMD_PORTABLE] = {PORTABLE_MR, 8,  128, 256, 4096, 256,  128, 8,   4 * PORTABLE_MR, 256,
                          sgemm_kernel_portable, sgemm_kernel_a_in_place_portable,
                          sgemm_pack_a_rows, sgemm_pack_b_row, sgemm_pack_bt_panel},
#if TN_X86
    [TN_SIMD_AVX2]     = {AVX2_MR,    16,  144, 256, 1024, 512,  72,  256, 64,              4096,
                          sgemm_kernel_avx2, sgemm_kernel_a_in_place_avx2,
                          sgemm_pack_a_rows_avx2, sgemm_pack_b_row, sgemm_pack_bt_panel_avx2},
    [TN_SIMD_AVX512]   = {AVX512_MR,  32,  168, 256, 1024, 1024, 168, 32,  4 * AVX512_MR,   256,
                          sgemm_kernel_avx512, sgemm_kernel_a_in_place_avx512,
                          sgemm_pack_a_rows_avx512, sgemm_pack_b_row_avx512, sgemm_pack_bt_panel_avx512},
#endif
};

static const dgemm_plan DGEMM_PLANS[] = {
    [TN_SIMD_PORTABLE] = {PORTABLE_MR, 4,  128, 256, 4096, 256,  128, 4,   4 * PORTABLE_MR, 256,
                          dgemm_kernel_portable, dgemm_kernel_a_in_place_portable,
                          dgemm_pack_a_rows, dgemm_pack_b_row, dgemm_pack_bt_panel},
#if TN_X86
    [TN_SIMD_AVX2]     = {AVX2_MR,     8,   96, 256,  512, 256,  96,  8,   4 * AVX2_MR,     256,
                          dgemm_kernel_avx2, dgemm_kernel_a_in_place_avx2,
                          dgemm_pack_a_rows, dgemm_pack_b_row, dgemm_pack_bt_panel},
    [TN_SIMD_AVX512]   = {AVX512_MR,  16,  112, 256,  512, 256,  112, 16,  4 * AVX512_MR,   256,
                          dgemm_kernel_avx512, dgemm_kernel_a_in_place_avx512,
                          dgemm_pack_a_rows, dgemm_pack_b_row, dgemm_pack_bt_panel},
#endif
};

const sgemm_plan *sgemm_plan_for(int simd_level) { return &SGEMM_PLANS[simd_level]; }
const dgemm_plan *dgemm_plan_for(int simd_level) { return &DGEMM_PLANS[simd_level]; }

/* ---- choices that do not depend on the type ------------------------------------ */

#define DEEP_C_BYTES (2 * 1024 * 1024) /* C at least this big: k slices of kc_deep (see the table) */

/* `bytes` of scratch aligned to 64 bytes (a cache line, a zmm register);
 * *memory receives the pointer to free(). */
static void *aligned_buffer(int64_t bytes, void **memory)
{
    *memory = malloc((size_t)bytes + 64);
    if (*memory == NULL)
        return NULL;
    return (void *)(((uintptr_t)*memory + 63) & ~(uintptr_t)63);
}

/* The k slice and column block one call uses: the plan's upper limits, cut
 * down so that each dimension splits into equal pieces (k = 300 in two
 * slices of 150, not 256 + 44), nc a multiple of the micro-tile's nr. */
static int64_t balanced_block(int64_t size, int64_t max_block, int64_t multiple)
{
    return tn_round_up(tn_ceil_div(size, tn_ceil_div(size, max_block)), multiple);
}

/*
 * How `threads` threads share C: row_groups x col_groups rectangles, each a
 * whole number of micro-tiles.  Each thread packs what its rectangle needs
 * (loops.inc: no thread waits for another): cut by rows, each packs its
 * rows of A and the whole B block (k x n); cut by columns, the whole A
 * block (m x k) and its columns of B.  So rows are cut when C has at least
 * as many rows as columns, columns when it is wider than tall (the MLP's
 * 64 x 784 x 128 product: each thread packed 100,352 numbers of B to
 * multiply 32 rows by them), as long as each thread gets a couple of
 * micro-panels; else whichever has them.  On 2 threads (AVX2, 2-core AMD
 * EPYC, processes taking turns, 7 rounds): 64 x 784 x 128 1.25 times as
 * fast (median), with B transposed 1.13, 128 x 64 x 784 1.12.
 */
typedef struct {
    int row_groups, col_groups;
} thread_grid;

static thread_grid split_among_threads(int64_t m, int64_t n_block, int mr, int nr, int threads)
{
    thread_grid grid = {1, 1};
    const int enough_rows = tn_ceil_div(m, mr) >= 2 * (int64_t)threads;
    const int enough_cols = tn_ceil_div(n_block, nr) >= 2 * (int64_t)threads;
    if (enough_rows && !(enough_cols && n_block > m))
        grid.row_groups = threads;
    else
        grid.col_groups = (int)tn_min64(threads, tn_ceil_div(n_block, nr));
    return grid;
}

/*
 * Packing costs a copy of the operand; it pays off when each packed
 * micro-panel is then used many times, or when the operand is too big to
 * stay in the caches while it is.  When it would not pay, the micro-kernels
 * read the operand where it is (blocked() in loops.inc).
 *
 * B (op(B) = B, whose rows are contiguous) is read in place when C has only
 * a few rows -- each B micro-panel then serves only a few A micro-panels
 * (a convolution's output channels, 4 to 16; a batch of 64) -- unless its
 * rows lie a multiple of b_in_place_bad_ldb bytes apart.  An address's L1 set
 * is bits 6-11 of it, so kc rows 4096 bytes apart all fall in one of the 64
 * sets and evict one another (256 bytes apart, in 16 of them): on an
 * AVX-512 Xeon a 16 x 150 x 1024 product ran at half speed, so there no
 * multiple of 256 is read in place.  On a Zen 3 core (AVX2) its L2 hides
 * the narrower conflicts, and packing was the loss: 64 x 784 x 128 (rows
 * 512 bytes apart) ran at 0.92 of OpenBLAS's speed packed, 1.09 in place
 * (0.81 -> 1.02 at 32 rows, 0.98 -> 1.05 at 96, with A in place too; at 128
 * rows packing was as fast or faster), while rows 4096 bytes apart still
 * halved the speed.
 * A small B (all its rows within B_IN_PLACE_MAX_BYTES, a consecutive
 * stretch of memory that spreads evenly over L1's sets) is read in place
 * too, whatever m: it stays in L1, and packing it was a tenth of a
 * 64 x 64 x 64 product's time.
 *
 * A (op(A) = A) is read in place when A, B and C together fit in
 * A_IN_PLACE_MAX_BYTES (64 x 64 x 64), or when C has at most
 * a_in_place_max_n columns, so that each A micro-panel is used by only a
 * few B micro-panels -- unless A's rows lie a multiple of 4096 bytes apart
 * (a tile's rows would all fall in one set of L1).  With AVX-512 that is one
 * micro-panel of columns (4096 x 150 x 16: each A micro-panel used once).
 * On the Zen 3 core, up to 16 micro-panels (n = 256) read in place ran
 * faster at every shape tried, one thread, taking turns with OpenBLAS in one
 * process: 128^3 0.93 -> 0.99 of its speed, 256^3 1.01 -> 1.06, 512 x 256
 * x 256 0.99 -> 1.04, 64 x 784 x 128 with B transposed 0.97 -> 1.02, and
 * no change at n = 384 and 512.
 */
#define B_IN_PLACE_MAX_BYTES (16 * 1024) /* (half of a 32 KiB L1) */
#define A_IN_PLACE_MAX_BYTES (64 * 1024) /* (L1 is 32-48 KiB, L2 1-2 MiB on recent x86) */

static int reads_b_in_place(int64_t m, int64_t k, int64_t ldb, int64_t max_m, int64_t bad_ldb, int64_t size)
{
    return (m <= max_m && (ldb * size) % bad_ldb != 0) || k * ldb * size <= B_IN_PLACE_MAX_BYTES;
}

static int reads_a_in_place(int64_t m, int64_t n, int64_t k, int64_t lda, int64_t max_n, int64_t size)
{
    if ((lda * size) % 4096 == 0)
        return 0;
    return (m * k + k * n + m * n) * size <= A_IN_PLACE_MAX_BYTES || n <= max_n;
}

/* Threads for a product of this size: one when it is too small to share
 * (or inside a parallel region: tn_free_threads).  tinynet's OpenMP workers
 * spin briefly between kernels (docs/threads-and-processes.md), so a second
 * thread starts within a microsecond or two and pays off from about 2 MFLOP
 * (a 100^3 product): on a 2-core AVX-512 Xeon, 2 threads took 96^3 from 10.2
 * to 7.5 us and 128^3 from 22 to 14, but 64^3 from 2.8 to 3.2.  (A worker
 * that has gone to sleep -- after the spin, or with OMP_WAIT_POLICY=passive
 * -- takes about 100 us to wake on that machine.)  A product with few flops
 * per number is bound by memory instead: a core multiplies about ten times
 * as many flops a second as it reads bytes, so its work is counted as the
 * larger of its flops and ten times the bytes of A, B and C. */
static int threads_for(int64_t m, int64_t n, int64_t k, int64_t size)
{
    const double min_work_to_share = 2e6;
    const double flops = 2.0 * (double)m * (double)n * (double)k;
    const double bytes = (double)(m * k + k * n + m * n) * (double)size;
    if (flops < min_work_to_share && 10.0 * bytes < min_work_to_share)
        return 1;
    return tn_free_threads();
}

/* Compute C^T instead (see "Narrow C" above) when op(A) = A^T and that
 * fills the tiles clearly better: transposed tiles are written back element
 * by element, which costs a little.  With op(A) = A, a narrow C keeps its
 * orientation: A is read in place and a tile of few columns computes only
 * one vector of them, which measured faster than packing op(A)^T and
 * writing tiles back transposed for every n from 1 to 16 tried (e.g. 4096 x
 * 150 x 16, float, AVX-512: 40 -> 87 GFLOP/s; 36864 x 25 x 6: 23 -> 32). */
static int better_transposed(int trans_a, int64_t m, int64_t n, int nr)
{
    if (!trans_a)
        return 0;
    double fill = (double)n / (double)tn_round_up(n, nr);
    double fill_transposed = (double)m / (double)tn_round_up(m, nr);
    return fill_transposed > 1.5 * fill;
}

/* ---- the loops and the reference, once per type --------------------------------
 * float:  sgemm_blocked, sgemm_reference
 * double: dgemm_blocked, dgemm_reference */

#define REAL float
#define NAME(x) sgemm_##x
#include "gemm/loops.inc"
#include "gemm/reference.inc"
#undef REAL
#undef NAME

#define REAL double
#define NAME(x) dgemm_##x
#include "gemm/loops.inc"
#include "gemm/reference.inc"
#undef REAL
#undef NAME

/* ---- the public functions (tinynet.h) ---------------------------------------- */

int tn_sgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
             float alpha, const float *a, int64_t lda,
             const float *b, int64_t ldb,
             float beta, float *c, int64_t ldc)
{
    if (m <= 0 || n <= 0)
        return 0;
    if (k <= 0) { /* an empty sum: C = beta * C */
        sgemm_reference(trans_a, trans_b, m, n, 0, alpha, a, lda, b, ldb, beta, c, ldc);
        return 0;
    }
    const sgemm_plan *plan = &SGEMM_PLANS[tn_get_simd_level()];
    if (better_transposed(trans_a, m, n, plan->nr)) /* C^T = op(B)^T op(A)^T */
        return sgemm_blocked(plan, threads_for(m, n, k, sizeof(float)), !trans_b, !trans_a,
                             n, m, k, alpha, b, ldb, a, lda, beta, c, 1, ldc);
    return sgemm_blocked(plan, threads_for(m, n, k, sizeof(float)), trans_a, trans_b,
                         m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 1);
}

int tn_dgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
             double alpha, const double *a, int64_t lda,
             const double *b, int64_t ldb,
             double beta, double *c, int64_t ldc)
{
    if (m <= 0 || n <= 0)
        return 0;
    if (k <= 0) { /* an empty sum: C = beta * C */
        dgemm_reference(trans_a, trans_b, m, n, 0, alpha, a, lda, b, ldb, beta, c, ldc);
        return 0;
    }
    const dgemm_plan *plan = &DGEMM_PLANS[tn_get_simd_level()];
    if (better_transposed(trans_a, m, n, plan->nr)) /* C^T = op(B)^T op(A)^T */
        return dgemm_blocked(plan, threads_for(m, n, k, sizeof(double)), !trans_b, !trans_a,
                             n, m, k, alpha, b, ldb, a, lda, beta, c, 1, ldc);
    return dgemm_blocked(plan, threads_for(m, n, k, sizeof(double)), trans_a, trans_b,
                         m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 1);
}

/* Whether tn_?gemm_contiguous must refuse its arrays (tinynet.h): a pointer
 * not aligned to its type, or C's m*n numbers sharing memory with A's m*k
 * or B's k*n (compared as addresses: arrays are contiguous ranges). */
static int refuses(const void *a, const void *b, const void *c, int64_t m, int64_t n, int64_t k, int64_t size)
{
    const uintptr_t a0 = (uintptr_t)a, b0 = (uintptr_t)b, c0 = (uintptr_t)c;
    const uintptr_t a1 = a0 + (uintptr_t)(m * k * size), b1 = b0 + (uintptr_t)(k * n * size);
    const uintptr_t c1 = c0 + (uintptr_t)(m * n * size);
    if ((a0 | b0 | c0) % (uintptr_t)size != 0)
        return 1;
    return (c0 < a1 && a0 < c1) || (c0 < b1 && b0 < c1);
}

int tn_sgemm_contiguous(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                        const float *a, const float *b, float *c)
{
    if (refuses(a, b, c, m, n, k, sizeof(float)))
        return TN_ERR_UNSUPPORTED;
    return tn_sgemm(trans_a, trans_b, m, n, k, 1, a, trans_a ? m : k, b, trans_b ? k : n, 0, c, n);
}

int tn_dgemm_contiguous(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                        const double *a, const double *b, double *c)
{
    if (refuses(a, b, c, m, n, k, sizeof(double)))
        return TN_ERR_UNSUPPORTED;
    return tn_dgemm(trans_a, trans_b, m, n, k, 1, a, trans_a ? m : k, b, trans_b ? k : n, 0, c, n);
}

void tn_sgemm_ref(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                  float alpha, const float *a, int64_t lda,
                  const float *b, int64_t ldb,
                  float beta, float *c, int64_t ldc)
{
    sgemm_reference(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void tn_dgemm_ref(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                  double alpha, const double *a, int64_t lda,
                  const double *b, int64_t ldb,
                  double beta, double *c, int64_t ldc)
{
    dgemm_reference(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
