/*
 * common/simd.h -- what every file with SIMD code shares: the SIMD levels,
 * the x86 test, the target attributes and lane masks.  Internal: not part of
 * the C API in tinynet.h.
 *
 * The package is compiled for baseline x86-64; on x86 with GCC or clang the
 * AVX2 / AVX-512 kernels are compiled beside the plain ones with per-function
 * target attributes, and tn_get_simd_level() (runtime.c) says at run time
 * which of them may run.  Elsewhere TN_X86 is 0 and only plain C is compiled.
 */
#ifndef TN_COMMON_SIMD_H
#define TN_COMMON_SIMD_H

#include <stdint.h>

/* The values of tn_get_simd_level() (tinynet.h). */
#define TN_SIMD_PORTABLE 0
#define TN_SIMD_AVX2 1   /* AVX2 + FMA */
#define TN_SIMD_AVX512 2 /* AVX-512F   */

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

/* Unroll the loop that follows completely and early (GCC and clang), so
 * that an array of accumulators indexed by its counter becomes registers. */
#define TN_UNROLL_FULLY _Pragma("GCC unroll 16")

#if TN_X86
#define TN_AVX2 __attribute__((target("avx2,fma")))
#define TN_AVX512 __attribute__((target("avx512f")))

/* Lane mask for the first `count` of 8 int32 (or float) lanes; count may lie outside 0..8. */
static TN_AVX2 TN_ALWAYS_INLINE __m256i tn_avx2_first_lanes(int count)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Store the first `count` of v's 8 float lanes at `to` (mask: tn_avx2_first_lanes(count)): a plain store
 * when all 8 are there, nothing when count <= 0, else a masked store -- which costs many times a plain one
 * on AMD cores (Zen 3), so it is kept for a partial vector. */
static TN_AVX2 TN_ALWAYS_INLINE void tn_avx2_store_first(float *to, int64_t count, __m256i mask, __m256 v)
{
    if (count >= 8)
        _mm256_storeu_ps(to, v);
    else if (count > 0)
        _mm256_maskstore_ps(to, mask, v);
}

/* Lane mask for the first `count` of 4 int64 (or double) lanes; count may lie outside 0..4. */
static TN_AVX2 TN_ALWAYS_INLINE __m256i tn_avx2_first_lanes64(int count)
{
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(count), _mm256_setr_epi64x(0, 1, 2, 3));
}

/* Mask of the first `count` of 16 (float) lanes; count may lie outside 0..16. */
static TN_AVX512 TN_ALWAYS_INLINE __mmask16 tn_avx512_first_lanes(int count)
{
    return count >= 16 ? (__mmask16)0xFFFF : count <= 0 ? (__mmask16)0 : (__mmask16)((1u << count) - 1);
}

/* Mask of the first `count` of 8 (double) lanes; count may lie outside 0..8. */
static TN_AVX512 TN_ALWAYS_INLINE __mmask8 tn_avx512_first_lanes64(int count)
{
    return count >= 8 ? (__mmask8)0xFF : count <= 0 ? (__mmask8)0 : (__mmask8)((1u << count) - 1);
}
#endif

#endif
