/*
 * gemm.c -- C = alpha * op(A) * op(B) + beta * C, fast, for float and double.
 *
 * A GEMM does 2*m*n*k flops on only m*k + k*n + m*n numbers, so each number
 * fetched from memory can be used ~min(m, n, k) times.  The whole art is to
 * fetch it once into a fast place (register, L1, L2) and use it there many
 * times.  The method here is Goto's (K. Goto and R. van de Geijn, "Anatomy of
 * high-performance matrix multiplication", 2008) as structured by BLIS
 * (F. Van Zee and R. van de Geijn, 2015): five loops around a micro-kernel.
 *
 * The micro-kernel.  The innermost unit of work is a small tile of C, mr x nr
 * (here 14 x 32 floats for AVX-512), held entirely in vector registers while
 * k runs: each step p loads one column of A (mr numbers, each broadcast to a
 * whole vector) and one row of B (nr numbers = 2 vectors) and does mr*nr/w
 * fused multiply-adds (w = numbers per vector).  14 x 32 uses 28 of the 32
 * zmm registers for C, 2 for the row of B, 1 for the broadcast: 28 FMAs per
 * step against 2 vector loads and 14 broadcasts, which keeps the FMA units
 * busy instead of waiting on loads, and is enough independent chains to hide
 * FMA latency (latency x throughput = ~4-8 in flight at a time).
 *
 * Packing.  The micro-kernel wants its operands contiguous in exactly the
 * order it reads them: a "micro-panel" of A is kc columns of mr numbers, one
 * of B is kc rows of nr numbers.  So before computing, we copy ("pack") a
 * block of A and a block of B into that order.  Packing also makes transposes
 * free (the copy reads either layout), makes the kernel's loads unit-stride,
 * and pads the edge of B with zeros so the kernel always loads whole vectors
 * (edge tiles of C are then written under lane masks: nothing out of bounds
 * is ever read or written).  The copy costs O(mk + kn) against the O(mnk)
 * multiply -- but it is memory-bound, so it must be a fast copy: two of the
 * packings are transposes (A's rows become columns of a panel; so do the
 * rows of a B given as B^T), and the AVX-512 path does them 16 x 16 at a
 * time in registers.  When C has only a few rows, each B micro-panel would
 * serve only a few A micro-panels, so B is not packed at all: the kernel
 * reads its rows in place (a B micro-panel is then kc rows ldb apart).
 *
 * The blocks (loops 5, 4, 3 of gemm_driver.inc), chosen from the caches:
 *   kc  -- the k-depth of one pass.  A B micro-panel (kc x nr) is reused by
 *          every A micro-panel of the block, so it should stay in L1/L2; the
 *          C tile is loaded and stored once per kc steps, so kc should not be
 *          small.  256 (a 32 KiB B micro-panel) measured ~10% faster than
 *          128 at n = 1024-2048 and no slower at 512.
 *   mc  -- rows of the packed A block (mc x kc), which is streamed through
 *          the kernel once per B micro-panel: it should sit in L2.
 *   nc  -- columns of the packed B block (kc x nc), reused by all of A's row
 *          blocks: it lives in L2 or L3.
 * The sizes in the plans below were measured on an AMD Zen 4 (32 KiB L1d,
 * 1 MiB L2); they are reasonable for any recent x86.  The driver shrinks
 * them to split a dimension into equal pieces rather than leave a sliver.
 *
 * Orientation.  A tile is nr = 32 columns wide, so a C with few columns
 * (n = 6) would waste most of every tile.  Then we compute C^T = op(B)^T
 * op(A)^T instead -- the same numbers with the roles of A and B exchanged --
 * and write each tile back transposed.
 *
 * Threads.  C is cut into one rectangle per thread, a whole number of
 * micro-tiles each: by rows when there are enough (each thread then packs
 * the same B block, a small O(kn) price), else by columns.  Each thread packs
 * what it needs into its own scratch, so threads never wait for one another
 * -- a barrier per k slice would stall everyone whenever the OS pauses one
 * thread.  The split never changes the order in which an element of C is
 * summed, so results are identical, bit for bit, on 1 or N threads.
 * Small products run on one thread (waking threads costs more than they
 * save), and so does any call made from inside an OpenMP parallel region:
 * the caller (e.g. conv2d.c, one image per thread) already owns the cores.
 *
 * SIMD.  The package is compiled for baseline x86-64; the AVX2 and AVX-512
 * kernels carry target attributes and are chosen at run time by
 * tn_get_simd_level() (runtime.c).  On other CPUs only the portable C kernel
 * is compiled.
 *
 * The driver loops are written once for both types in gemm_driver.inc; this
 * file holds the micro-kernels, the plans and the public functions.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tinynet.h"
#include "simd.h"

#ifdef _OPENMP
#include <omp.h>
#endif


/* ---- small helpers ------------------------------------------------------- */

static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
static int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* `bytes` of scratch aligned to 64 bytes (a cache line, a zmm register);
 * *memory receives the pointer to free(). */
static void *aligned_buffer(int64_t bytes, void **memory)
{
    *memory = malloc((size_t)bytes + 64);
    if (*memory == NULL)
        return NULL;
    return (void *)(((uintptr_t)*memory + 63) & ~(uintptr_t)63);
}

/*
 * Row panels.  A block of `rows` rows is cut into ceil(rows / mr) micro-panels
 * of nearly equal height, panel q starting at row panel_start(q, ...): 16 rows
 * make two panels of 8, not 14 + 2.  A panel of very few rows keeps too few
 * accumulators busy to hide the FMA latency (a 2-row tile runs at about half
 * speed), so an even cut is faster; a block of a whole number of mr-row
 * panels is cut into exactly those.
 */
static int64_t panel_start(int64_t q, int64_t panels, int64_t rows) { return rows * q / panels; }

/* The k slice and column block one call uses: the plan's upper limits, cut
 * down so that each dimension splits into equal pieces (k = 300 in two
 * slices of 150, not 256 + 44), nc a multiple of the micro-tile's nr. */
static int64_t balanced_block(int64_t size, int64_t max_block, int64_t multiple)
{
    return round_up(ceil_div(size, ceil_div(size, max_block)), multiple);
}

/*
 * How `threads` threads share C: row_groups x col_groups rectangles, each a
 * whole number of micro-tiles.  Cutting rows is best (each thread packs its
 * own rows of A and all share the packed B), as long as every thread gets a
 * couple of micro-panels of rows; a short, wide C is cut by columns instead.
 */
typedef struct {
    int row_groups, col_groups;
} thread_grid;

static thread_grid split_among_threads(int64_t m, int64_t n_block, int mr, int nr, int threads)
{
    thread_grid grid = {1, 1};
    if (ceil_div(m, mr) >= 2 * (int64_t)threads)
        grid.row_groups = threads;
    else
        grid.col_groups = (int)min64(threads, ceil_div(n_block, nr));
    return grid;
}

/* Thread t's share [begin, end) of `count` units split `parts` ways. */
static int64_t share_begin(int64_t count, int64_t t, int64_t parts) { return count * t / parts; }

/* Threads for a product of this size: one inside a parallel region (the
 * caller is already threaded) or when the product is too small to share. */
static int threads_for(int64_t m, int64_t n, int64_t k)
{
    const double min_flops_to_share = 2.0 * 96 * 96 * 96;
#ifdef _OPENMP
    if (omp_in_parallel())
        return 1;
#endif
    if (2.0 * (double)m * (double)n * (double)k < min_flops_to_share)
        return 1;
    return tn_get_num_threads();
}

/* Compute C^T instead (see "Orientation" above) when that fills the tiles
 * clearly better: transposed tiles are written back element by element,
 * which costs a little. */
static int better_transposed(int64_t m, int64_t n, int nr)
{
    double fill = (double)n / (double)round_up(n, nr);
    double fill_transposed = (double)m / (double)round_up(m, nr);
    return fill_transposed > 1.5 * fill;
}

#define GEMM_MAX_TILE 512 /* >= mr * nr of every plan below */
#define B_IN_PLACE_MAX_PANELS 4 /* see blocked() in gemm_driver.inc */
#define A_PACK_SLACK 16         /* see sgemm_pack_a_rows_avx2 */

/* ---- the loops, once per type ------------------------------------------- */

#define REAL float
#define FN(x) sgemm_##x
#include "gemm_driver.inc"
#undef REAL
#undef FN

#define REAL double
#define FN(x) dgemm_##x
#include "gemm_driver.inc"
#undef REAL
#undef FN

/* ---- AVX2 + FMA micro-kernels: 6 x 16 floats, 6 x 8 doubles ---------------
 * 16 ymm registers: 12 accumulators (6 rows x 2 vectors), 2 for the row of
 * B, 1 for the broadcast. */
#if TN_X86
/* Unroll the loops over the rows of a tile completely and early, so that
 * each accumulator becomes a register of its own. */
#define UNROLL_FULLY _Pragma("GCC unroll 16")
#define AVX2_MR 6

/* Lane mask for the first `count` of 4 (int64) lanes (8 int32 lanes: tn_avx2_first_lanes). */
static TN_AVX2 TN_ALWAYS_INLINE __m256i avx2_mask64(int count)
{
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(count), _mm256_setr_epi64x(0, 1, 2, 3));
}

static TN_AVX2 TN_ALWAYS_INLINE void sgemm_avx2_tile(const int MR, int64_t kc, const float *a, const float *b, int64_t b_stride,
                                                     float *c, int64_t ldc, float alpha, float beta, int cols)
{
    __m256 lo[AVX2_MR], hi[AVX2_MR]; /* row i of the tile: columns 0-7 and 8-15 */
    UNROLL_FULLY
    for (int i = 0; i < AVX2_MR; i++) /* (all of them, used or not: see AVX512_MR) */
        lo[i] = hi[i] = _mm256_setzero_ps();
    /* Fetch C's rows now: they are wanted only at the end, and each is a
     * cache miss.  In the loop, unrolled by 4, ask for A's packed panel eight
     * steps ahead: it streams in from L2.  (On a Zen 4 core these took the
     * kernel from about 0.85x OpenBLAS's speed to parity.) */
    UNROLL_FULLY
    for (int i = 0; i < MR; i++)
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
#pragma GCC unroll 4
    for (int64_t p = 0; p < kc; p++) {
        _mm_prefetch((const char *)(a + 8 * MR), _MM_HINT_T0);
        const __m256 b_lo = _mm256_loadu_ps(b), b_hi = _mm256_loadu_ps(b + 8);
        UNROLL_FULLY
        for (int i = 0; i < MR; i++) {
            const __m256 a_i = _mm256_broadcast_ss(a + i);
            lo[i] = _mm256_fmadd_ps(a_i, b_lo, lo[i]);
            hi[i] = _mm256_fmadd_ps(a_i, b_hi, hi[i]);
        }
        a += MR;
        b += b_stride;
    }
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    const __m256i mask_lo = tn_avx2_first_lanes(cols), mask_hi = tn_avx2_first_lanes(cols - 8);
    UNROLL_FULLY
    for (int i = 0; i < MR; i++) {
        float *row = c + i * ldc;
        __m256 r_lo = _mm256_mul_ps(va, lo[i]), r_hi = _mm256_mul_ps(va, hi[i]);
        if (cols == 16) {
            if (beta != 0.0f) {
                r_lo = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row), r_lo);
                r_hi = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row + 8), r_hi);
            }
            _mm256_storeu_ps(row, r_lo);
            _mm256_storeu_ps(row + 8, r_hi);
        } else {
            if (beta != 0.0f)
                r_lo = _mm256_fmadd_ps(vb, _mm256_maskload_ps(row, mask_lo), r_lo);
            _mm256_maskstore_ps(row, mask_lo, r_lo);
            if (cols > 8) {
                if (beta != 0.0f)
                    r_hi = _mm256_fmadd_ps(vb, _mm256_maskload_ps(row + 8, mask_hi), r_hi);
                _mm256_maskstore_ps(row + 8, mask_hi, r_hi);
            }
        }
    }
}

static TN_AVX2 TN_ALWAYS_INLINE void dgemm_avx2_tile(const int MR, int64_t kc, const double *a, const double *b, int64_t b_stride,
                                                     double *c, int64_t ldc, double alpha, double beta, int cols)
{
    __m256d lo[AVX2_MR], hi[AVX2_MR]; /* row i of the tile: columns 0-3 and 4-7 */
    UNROLL_FULLY
    for (int i = 0; i < AVX2_MR; i++)
        lo[i] = hi[i] = _mm256_setzero_pd();
    UNROLL_FULLY
    for (int i = 0; i < MR; i++)
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
#pragma GCC unroll 4
    for (int64_t p = 0; p < kc; p++) {
        _mm_prefetch((const char *)(a + 8 * MR), _MM_HINT_T0);
        const __m256d b_lo = _mm256_loadu_pd(b), b_hi = _mm256_loadu_pd(b + 4);
        UNROLL_FULLY
        for (int i = 0; i < MR; i++) {
            const __m256d a_i = _mm256_broadcast_sd(a + i);
            lo[i] = _mm256_fmadd_pd(a_i, b_lo, lo[i]);
            hi[i] = _mm256_fmadd_pd(a_i, b_hi, hi[i]);
        }
        a += MR;
        b += b_stride;
    }
    const __m256d va = _mm256_set1_pd(alpha), vb = _mm256_set1_pd(beta);
    const __m256i mask_lo = avx2_mask64(cols), mask_hi = avx2_mask64(cols - 4);
    UNROLL_FULLY
    for (int i = 0; i < MR; i++) {
        double *row = c + i * ldc;
        __m256d r_lo = _mm256_mul_pd(va, lo[i]), r_hi = _mm256_mul_pd(va, hi[i]);
        if (cols == 8) {
            if (beta != 0.0) {
                r_lo = _mm256_fmadd_pd(vb, _mm256_loadu_pd(row), r_lo);
                r_hi = _mm256_fmadd_pd(vb, _mm256_loadu_pd(row + 4), r_hi);
            }
            _mm256_storeu_pd(row, r_lo);
            _mm256_storeu_pd(row + 4, r_hi);
        } else {
            if (beta != 0.0)
                r_lo = _mm256_fmadd_pd(vb, _mm256_maskload_pd(row, mask_lo), r_lo);
            _mm256_maskstore_pd(row, mask_lo, r_lo);
            if (cols > 4) {
                if (beta != 0.0)
                    r_hi = _mm256_fmadd_pd(vb, _mm256_maskload_pd(row + 4, mask_hi), r_hi);
                _mm256_maskstore_pd(row + 4, mask_hi, r_hi);
            }
        }
    }
}

/* The kernels proper: turn the run-time row count into a compile-time MR so
 * the compiler unrolls the row loop and keeps every accumulator in a register. */
#define AVX2_ROW_CASES(tile)                                                  \
    switch (rows) {                                                           \
    case 1: tile(1, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;              \
    case 2: tile(2, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;              \
    case 3: tile(3, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;              \
    case 4: tile(4, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;              \
    case 5: tile(5, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;              \
    default: tile(6, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;             \
    }

static TN_AVX2 void sgemm_kernel_avx2(int64_t kc, const float *a, const float *b, int64_t b_stride, float *c, int64_t ldc,
                                      float alpha, float beta, int rows, int cols)
{
    AVX2_ROW_CASES(sgemm_avx2_tile)
}

static TN_AVX2 void dgemm_kernel_avx2(int64_t kc, const double *a, const double *b, int64_t b_stride, double *c, int64_t ldc,
                                      double alpha, double beta, int rows, int cols)
{
    AVX2_ROW_CASES(dgemm_avx2_tile)
}

/* ---- AVX2 packing: transposes of 8 x 8 blocks ----------------------------
 * The two packings that transpose (A by rows, B^T by columns), 8 rows x 8
 * columns at a time in registers, as the AVX-512 path does with 16 x 16. */

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

static TN_AVX2 void sgemm_pack_a_rows_avx2(int mr, const float *a, int64_t lda, int64_t row0, int64_t rows,
                                           int64_t p0, int64_t kc, float *packed)
{
    const int64_t panels = ceil_div(rows, mr);
    for (int64_t q = 0; q < panels; q++) {
        const int64_t r = panel_start(q, panels, rows);
        const int h = (int)(panel_start(q + 1, panels, rows) - r); /* <= mr = 6 */
        float *panel = packed + r * kc;
        const float *first = a + (row0 + r) * lda + p0;
        for (int64_t pp = 0; pp < kc; pp += 8) {
            const int depth = (int)min64(8, kc - pp);
            __m256 block[8];
            load_block_8x8(first + pp, lda, h, depth, block);
            transpose_8x8(block);
            /* Column pp + c of the h rows: h numbers, stored as all 8.  The
             * 8 - h extra ones land where the next column, or the next panel,
             * is stored later -- or, after the very last, in the slack that
             * blocked() leaves after the A block.  (A masked store would say
             * it more plainly, but on AMD cores it is many times slower.) */
            for (int c = 0; c < depth; c++)
                _mm256_storeu_ps(panel + (pp + c) * h, block[c]);
        }
    }
}

static TN_AVX2 void sgemm_pack_bt_panel_avx2(int nr, const float *b, int64_t ldb, int64_t p0, int64_t kc,
                                             int64_t col0, int64_t cols, float *panel)
{
    for (int j0 = 0; j0 < nr; j0 += 8) { /* the panel's columns j0 .. j0+7, zero past `cols` */
        const int count = (int)(cols - j0 < 0 ? 0 : cols - j0 < 8 ? cols - j0 : 8);
        for (int64_t pp = 0; pp < kc; pp += 8) {
            const int depth = (int)min64(8, kc - pp);
            __m256 block[8];
            load_block_8x8(count > 0 ? b + (col0 + j0) * ldb + p0 + pp : b, ldb, count, depth, block);
            transpose_8x8(block);
            for (int c = 0; c < depth; c++)
                _mm256_storeu_ps(panel + (pp + c) * nr + j0, block[c]);
        }
    }
}

/* ---- AVX-512 micro-kernels: 14 x 32 floats, 14 x 16 doubles ---------------
 * 32 zmm registers: 28 accumulators (14 rows x 2 vectors), 2 for the row of
 * B, 1 for the broadcast.  Edge columns are stored under a lane mask. */
#define AVX512_MR 14

static TN_AVX512 TN_ALWAYS_INLINE void sgemm_avx512_tile(const int MR, int64_t kc, const float *a, const float *b, int64_t b_stride,
                                                         float *c, int64_t ldc, float alpha, float beta, int cols)
{
    __m512 lo[AVX512_MR], hi[AVX512_MR]; /* row i of the tile: columns 0-15 and 16-31 */
    /* Zero every accumulator, also those past row MR, and unroll: an array
     * only partly set, or zeroed by a loop that becomes memset, is one GCC
     * keeps in memory, storing to it on every step of p. */
    UNROLL_FULLY
    for (int i = 0; i < AVX512_MR; i++)
        lo[i] = hi[i] = _mm512_setzero_ps();
    UNROLL_FULLY
    for (int i = 0; i < MR; i++) {
        /* Start fetching the tile of C now, so it is in cache when we add to it. */
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + i * ldc + 31), _MM_HINT_T0);
    }
    for (int64_t p = 0; p < kc; p++) {
        const __m512 b_lo = _mm512_loadu_ps(b), b_hi = _mm512_loadu_ps(b + 16);
        UNROLL_FULLY
        for (int i = 0; i < MR; i++) {
            const __m512 a_i = _mm512_set1_ps(a[i]);
            lo[i] = _mm512_fmadd_ps(a_i, b_lo, lo[i]);
            hi[i] = _mm512_fmadd_ps(a_i, b_hi, hi[i]);
        }
        a += MR;
        b += b_stride;
    }
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    const __mmask16 mask_lo = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
    const __mmask16 mask_hi = cols >= 32 ? 0xFFFF : cols <= 16 ? 0 : (__mmask16)((1u << (cols - 16)) - 1);
    UNROLL_FULLY
    for (int i = 0; i < MR; i++) {
        float *row = c + i * ldc;
        __m512 r_lo = _mm512_mul_ps(va, lo[i]);
        if (beta != 0.0f)
            r_lo = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask_lo, row), r_lo);
        _mm512_mask_storeu_ps(row, mask_lo, r_lo);
        if (cols > 16) {
            __m512 r_hi = _mm512_mul_ps(va, hi[i]);
            if (beta != 0.0f)
                r_hi = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask_hi, row + 16), r_hi);
            _mm512_mask_storeu_ps(row + 16, mask_hi, r_hi);
        }
    }
}

static TN_AVX512 TN_ALWAYS_INLINE void dgemm_avx512_tile(const int MR, int64_t kc, const double *a, const double *b, int64_t b_stride,
                                                         double *c, int64_t ldc, double alpha, double beta, int cols)
{
    __m512d lo[AVX512_MR], hi[AVX512_MR]; /* row i of the tile: columns 0-7 and 8-15 */
    UNROLL_FULLY
    for (int i = 0; i < AVX512_MR; i++)
        lo[i] = hi[i] = _mm512_setzero_pd();
    for (int64_t p = 0; p < kc; p++) {
        const __m512d b_lo = _mm512_loadu_pd(b), b_hi = _mm512_loadu_pd(b + 8);
        UNROLL_FULLY
        for (int i = 0; i < MR; i++) {
            const __m512d a_i = _mm512_set1_pd(a[i]);
            lo[i] = _mm512_fmadd_pd(a_i, b_lo, lo[i]);
            hi[i] = _mm512_fmadd_pd(a_i, b_hi, hi[i]);
        }
        a += MR;
        b += b_stride;
    }
    const __m512d va = _mm512_set1_pd(alpha), vb = _mm512_set1_pd(beta);
    const __mmask8 mask_lo = cols >= 8 ? 0xFF : (__mmask8)((1u << cols) - 1);
    const __mmask8 mask_hi = cols >= 16 ? 0xFF : cols <= 8 ? 0 : (__mmask8)((1u << (cols - 8)) - 1);
    UNROLL_FULLY
    for (int i = 0; i < MR; i++) {
        double *row = c + i * ldc;
        __m512d r_lo = _mm512_mul_pd(va, lo[i]);
        if (beta != 0.0)
            r_lo = _mm512_fmadd_pd(vb, _mm512_maskz_loadu_pd(mask_lo, row), r_lo);
        _mm512_mask_storeu_pd(row, mask_lo, r_lo);
        if (cols > 8) {
            __m512d r_hi = _mm512_mul_pd(va, hi[i]);
            if (beta != 0.0)
                r_hi = _mm512_fmadd_pd(vb, _mm512_maskz_loadu_pd(mask_hi, row + 8), r_hi);
            _mm512_mask_storeu_pd(row + 8, mask_hi, r_hi);
        }
    }
}

#define AVX512_ROW_CASES(tile)                                                \
    switch (rows) {                                                           \
    case 1: tile(1, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;              \
    case 2: tile(2, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;              \
    case 3: tile(3, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;              \
    case 4: tile(4, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;              \
    case 5: tile(5, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;              \
    case 6: tile(6, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;              \
    case 7: tile(7, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;              \
    case 8: tile(8, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;              \
    case 9: tile(9, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;              \
    case 10: tile(10, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;            \
    case 11: tile(11, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;            \
    case 12: tile(12, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;            \
    case 13: tile(13, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;            \
    default: tile(14, kc, a, b, b_stride, c, ldc, alpha, beta, cols); break;            \
    }

static TN_AVX512 void sgemm_kernel_avx512(int64_t kc, const float *a, const float *b, int64_t b_stride, float *c, int64_t ldc,
                                          float alpha, float beta, int rows, int cols)
{
    AVX512_ROW_CASES(sgemm_avx512_tile)
}

static TN_AVX512 void dgemm_kernel_avx512(int64_t kc, const double *a, const double *b, int64_t b_stride, double *c, int64_t ldc,
                                          double alpha, double beta, int rows, int cols)
{
    AVX512_ROW_CASES(dgemm_avx512_tile)
}

/* ---- AVX-512 packing: transposes of 16 x 16 blocks -------------------------
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
    const __mmask16 col_mask = (__mmask16)((1u << cols) - 1);
    const __mmask16 width_mask = (__mmask16)((1u << width) - 1);
    __m512 r[16];
    for (int i = 0; i < 16; i++)
        r[i] = i < rows ? _mm512_maskz_loadu_ps(col_mask, src + i * src_stride) : _mm512_setzero_ps();
    transpose_16x16(r);
    for (int c = 0; c < cols; c++)
        _mm512_mask_storeu_ps(dst + c * dst_stride, width_mask, r[c]);
}

static TN_AVX512 void sgemm_pack_a_rows_avx512(int mr, const float *a, int64_t lda, int64_t row0, int64_t rows,
                                               int64_t p0, int64_t kc, float *packed)
{
    const int64_t panels = ceil_div(rows, mr);
    for (int64_t q = 0; q < panels; q++) {
        const int64_t r = panel_start(q, panels, rows);
        const int h = (int)(panel_start(q + 1, panels, rows) - r);
        float *panel = packed + r * kc;
        const float *first = a + (row0 + r) * lda + p0;
        for (int64_t pp = 0; pp < kc; pp += 16)
            transpose_block(first + pp, lda, h, (int)min64(16, kc - pp), panel + pp * h, h, h);
    }
}

static TN_AVX512 void sgemm_pack_bt_panel_avx512(int nr, const float *b, int64_t ldb, int64_t p0, int64_t kc,
                                                 int64_t col0, int64_t cols, float *panel)
{
    for (int j0 = 0; j0 < nr; j0 += 16) { /* the panel's columns j0 .. j0+15, zero past `cols` */
        const int count = (int)(cols - j0 < 0 ? 0 : cols - j0 < 16 ? cols - j0 : 16);
        const float *first = b + (col0 + j0) * ldb + p0;
        for (int64_t pp = 0; pp < kc; pp += 16)
            transpose_block(count > 0 ? first + pp : b, ldb, count, (int)min64(16, kc - pp),
                            panel + pp * nr + j0, nr, 16);
    }
}

/* Row p of the B block into every micro-panel (nr = 32: two vectors a row;
 * the last panel's missing columns load as zeros). */
static TN_AVX512 void sgemm_pack_b_row_avx512(int nr, const float *b, int64_t ldb, int64_t p0, int64_t p,
                                              int64_t kc, int64_t col0, int64_t cols, float *packed)
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
        const __mmask16 lo = w >= 16 ? 0xFFFF : (__mmask16)((1u << w) - 1);
        const __mmask16 hi = w <= 16 ? 0 : (__mmask16)((1u << (w - 16)) - 1);
        _mm512_storeu_ps(dst, _mm512_maskz_loadu_ps(lo, src + j0));
        _mm512_storeu_ps(dst + 16, w > 16 ? _mm512_maskz_loadu_ps(hi, src + j0 + 16) : _mm512_setzero_ps());
    }
}
#endif /* TN_X86 */

/* ---- plans: one per type and SIMD level ---------------------------------- */

/*                                  mr   nr  max_mc  max_kc  max_nc  kernel */
static const sgemm_plan SGEMM_PORTABLE = {4, 8, 128, 256, 4096, sgemm_kernel_portable,
    sgemm_pack_a_rows, sgemm_pack_b_row, sgemm_pack_bt_panel};
static const dgemm_plan DGEMM_PORTABLE = {4, 4, 128, 256, 4096, dgemm_kernel_portable,
    dgemm_pack_a_rows, dgemm_pack_b_row, dgemm_pack_bt_panel};
#if TN_X86
static const sgemm_plan SGEMM_AVX2 = {AVX2_MR, 16, 144, 256, 4096, sgemm_kernel_avx2,
    sgemm_pack_a_rows_avx2, sgemm_pack_b_row, sgemm_pack_bt_panel_avx2};
static const dgemm_plan DGEMM_AVX2 = {AVX2_MR, 8, 96, 256, 4096, dgemm_kernel_avx2,
    dgemm_pack_a_rows, dgemm_pack_b_row, dgemm_pack_bt_panel};
static const sgemm_plan SGEMM_AVX512 = {AVX512_MR, 32, 168, 256, 4096, sgemm_kernel_avx512,
    sgemm_pack_a_rows_avx512, sgemm_pack_b_row_avx512, sgemm_pack_bt_panel_avx512};
static const dgemm_plan DGEMM_AVX512 = {AVX512_MR, 16, 112, 256, 4096, dgemm_kernel_avx512,
    dgemm_pack_a_rows, dgemm_pack_b_row, dgemm_pack_bt_panel};
#endif

static const sgemm_plan *sgemm_plan_for_cpu(void)
{
#if TN_X86
    switch (tn_get_simd_level()) {
    case 2: return &SGEMM_AVX512;
    case 1: return &SGEMM_AVX2;
    default: break;
    }
#endif
    return &SGEMM_PORTABLE;
}

static const dgemm_plan *dgemm_plan_for_cpu(void)
{
#if TN_X86
    switch (tn_get_simd_level()) {
    case 2: return &DGEMM_AVX512;
    case 1: return &DGEMM_AVX2;
    default: break;
    }
#endif
    return &DGEMM_PORTABLE;
}

/* ---- the public functions (tinynet.h) ------------------------------------ */

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
    const sgemm_plan *plan = sgemm_plan_for_cpu();
    if (better_transposed(m, n, plan->nr)) /* C^T = op(B)^T op(A)^T */
        return sgemm_blocked(plan, threads_for(m, n, k), !trans_b, !trans_a,
                             n, m, k, alpha, b, ldb, a, lda, beta, c, 1, ldc);
    return sgemm_blocked(plan, threads_for(m, n, k), trans_a, trans_b,
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
    const dgemm_plan *plan = dgemm_plan_for_cpu();
    if (better_transposed(m, n, plan->nr)) /* C^T = op(B)^T op(A)^T */
        return dgemm_blocked(plan, threads_for(m, n, k), !trans_b, !trans_a,
                             n, m, k, alpha, b, ldb, a, lda, beta, c, 1, ldc);
    return dgemm_blocked(plan, threads_for(m, n, k), trans_a, trans_b,
                         m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 1);
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
