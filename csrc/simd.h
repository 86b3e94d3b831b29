/*
 * simd.h -- what the C files with SIMD kernels (gemm.c, conv2d_direct.c,
 * pool2d.c) share.  Internal: not part of the C API in tinynet.h.
 *
 * The package is compiled for baseline x86-64; on x86 with GCC or clang the
 * AVX2 / AVX-512 kernels are compiled beside the plain ones with per-function
 * target attributes, and tn_get_simd_level() (runtime.c) picks at run time.
 * Elsewhere TN_X86 is 0 and only the plain C is compiled.
 */
#ifndef TN_SIMD_H
#define TN_SIMD_H

#include <stdint.h>

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define TN_X86 1
#include <immintrin.h>
#else
#define TN_X86 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TN_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define TN_ALWAYS_INLINE inline
#endif

#if TN_X86
#define TN_AVX2 __attribute__((target("avx2,fma")))
#define TN_AVX512 __attribute__((target("avx512f")))

/* Lane mask for the first `count` of 8 int32 (or float) lanes; count may lie outside 0..8. */
static TN_AVX2 TN_ALWAYS_INLINE __m256i tn_avx2_first_lanes(int count)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
#endif

#endif
