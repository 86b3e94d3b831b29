/*
 * runtime.c -- the library's two run-time settings: the thread count and the
 * SIMD instruction set, plus what the build was.
 *
 * Every kernel reads these two values when it starts; nothing else in the C
 * code is global.  Python sets them once at import (from TINYNET_NUM_THREADS
 * and TINYNET_SIMD) and the user may change them.  The SIMD levels are named
 * in common/simd.h.
 */
#include "tinynet.h"
#include "common/simd.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#ifndef TN_BUILD_COMPILER
#define TN_BUILD_COMPILER "unknown"
#endif
#ifndef TN_BUILD_FLAGS
#define TN_BUILD_FLAGS "unknown"
#endif

/* ---- threads ----------------------------------------------------------- */

static int num_threads = 0; /* 0 means "not set yet": use the default */

int tn_default_num_threads(void)
{
#ifdef _OPENMP
    return omp_get_num_procs();
#else
    return 1;
#endif
}

int tn_has_openmp(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

void tn_set_num_threads(int n)
{
    /* Without OpenMP there is only ever one thread, whatever is asked. */
    num_threads = tn_has_openmp() ? (n < 1 ? 1 : n) : 1;
}

int tn_get_num_threads(void)
{
    return num_threads > 0 ? num_threads : tn_default_num_threads();
}

/* ---- SIMD level ---------------------------------------------------------
 * The package is compiled without -march=native so that one build runs on any
 * x86-64 CPU.  The wide-vector kernels are compiled with per-function target
 * attributes instead, and are only called when the CPU we run on has them. */

static int simd_level = -1; /* -1 means "not set yet": use the best */

int tn_cpu_simd_level(void)
{
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return TN_SIMD_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return TN_SIMD_AVX2;
#endif
    return TN_SIMD_PORTABLE;
}

int tn_set_simd_level(int level)
{
    int best = tn_cpu_simd_level();
    if (level < TN_SIMD_PORTABLE)
        level = TN_SIMD_PORTABLE;
    simd_level = level > best ? best : level;
    return simd_level;
}

int tn_get_simd_level(void)
{
    if (simd_level < 0)
        simd_level = tn_cpu_simd_level();
    return simd_level;
}

/* ---- memory ----------------------------------------------------------------
 * Kernels take their scratch (packed panels, im2col groups) from malloc on
 * every call, and numpy does the same for every array of a training step.
 * glibc hands blocks of more than 128 KiB to the OS on free() and gets
 * fresh pages back on the next malloc(): every call then page-faults its
 * scratch in again, and with two threads faulting at once they also queue
 * on the kernel's lock.  On the 2-core machine we measure on that cost a
 * 64 x 784 x 128 product (an MLP layer) more than the arithmetic: 2 threads
 * took 3.7 times as long as one.  So, once at import, glibc is told to keep
 * blocks below 32 MiB in the heap and to keep up to 256 MiB of freed heap
 * for reuse.  (A training step frees its activations in the backward pass and
 * makes them again in the next forward: ResNet-10 at batch 64 swings by a few
 * hundred MiB, and with 64 MiB kept it page-faulted about 26 MiB back in on
 * every step -- 6,600 faults, 2-3 % of a 2-thread step.  256 MiB kept: none.)
 * Returns 1 when it did, 0 where the C library is not glibc. */
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int tn_keep_freed_memory(void)
{
#if defined(__GLIBC__)
    return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 256 << 20) == 1;
#else
    return 0;
#endif
}

/* ---- what the build was (macros passed by csrc/build_ffi.py) ---------- */

const char *tn_build_compiler(void) { return TN_BUILD_COMPILER; }
const char *tn_build_flags(void) { return TN_BUILD_FLAGS; }
