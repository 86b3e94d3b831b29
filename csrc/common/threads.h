/*
 * common/threads.h -- how kernels share work between OpenMP threads.
 *
 * Every kernel cuts its work into parts by the shape alone and hands whole
 * parts to threads, so no result depends on the thread count.  A kernel
 * called from inside a parallel region (a GEMM inside a convolution that
 * already runs one group of images per thread) runs on its caller's thread.
 *
 * Where there are more parts than threads (the convolutions' groups of
 * images), the loops hand them out with schedule(dynamic): a thread takes the
 * next part when it is done with its last.  On a machine where another
 * program shares one core, the thread on that core gets about half of it;
 * with schedule(static) the whole region would wait for its fixed half of
 * the parts, with dynamic the thread on the free core takes more of them.
 * Which thread computes a part does not change its result, and each thread's
 * scratch is its own (tn_thread_id), so the bits stay the same.
 */
#ifndef TN_COMMON_THREADS_H
#define TN_COMMON_THREADS_H

#include <stdint.h>

#include "tinynet.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* This thread's number in its OpenMP team (0 without OpenMP): which scratch buffers are its own. */
static inline int tn_thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* The threads a kernel starting now may use: tn_get_num_threads(), fewer
 * while other programs keep some cores busy (tn_threads_now), or 1 inside a
 * parallel region, where the caller already owns the cores. */
static inline int tn_free_threads(void)
{
#ifdef _OPENMP
    if (omp_in_parallel())
        return 1;
#endif
    return tn_threads_now();
}

/* Threads for `jobs` independent jobs: the free threads, but no more than there are jobs. */
static inline int tn_threads_for_jobs(int64_t jobs)
{
    const int threads = tn_free_threads();
    return jobs < threads ? (int)(jobs < 1 ? 1 : jobs) : threads;
}

/* Where part `part` of `parts` nearly equal parts of `count` units begins
 * (part == parts gives count): part p is [tn_part_begin(p), tn_part_begin(p + 1)). */
static inline int64_t tn_part_begin(int64_t count, int64_t part, int64_t parts) { return count * part / parts; }

/* Part `part` of [begin, end) cut into `parts` nearly equal ranges is [*lo, *hi). */
static inline void tn_split_range(int64_t begin, int64_t end, int64_t parts, int64_t part, int64_t *lo, int64_t *hi)
{
    *lo = begin + tn_part_begin(end - begin, part, parts);
    *hi = begin + tn_part_begin(end - begin, part + 1, parts);
}

#endif
