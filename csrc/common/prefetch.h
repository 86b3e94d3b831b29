/*
 * common/prefetch.h -- asking for memory before a loop reads it, where the
 * hardware prefetcher does not: it follows streams of addresses within one
 * 4 KiB page, so a loop whose every step starts on a new page (a kernel's
 * weights read with a large stride) waits for memory at each step.
 */
#ifndef TN_COMMON_PREFETCH_H
#define TN_COMMON_PREFETCH_H

#include <stdint.h>

/* How many steps of such a loop ahead to ask (the weight packings of the turned kernel, conv/positions.c
 * and conv/winograd.c): far enough that a line arrives before its step, near enough to stay in L1. */
#define TN_PREFETCH_STEPS_AHEAD 8

/* Start loading the cache lines of from[0 .. count) (count >= 1; a prefetch never faults, but these
 * stay inside the array anyway). */
static inline void tn_prefetch_floats(const float *from, int64_t count)
{
    for (int64_t i = 0; i < count; i += 64 / (int64_t)sizeof(float)) /* a cache line at a time */
        __builtin_prefetch(from + i);
    __builtin_prefetch(from + count - 1);
}

#endif
