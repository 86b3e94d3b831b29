/*
 * elementwise/blocks.h -- how the element-wise kernels (relu.inc, tanh.inc)
 * share an array between threads: blocks of ELEMENTWISE_BLOCK numbers,
 * handed out one at a time (schedule(dynamic): a thread whose core is
 * shared takes fewer).  Every number is computed alone, so the results are
 * the same on any number of threads.
 */
#ifndef TN_ELEMENTWISE_BLOCKS_H
#define TN_ELEMENTWISE_BLOCKS_H

#include <stdint.h>

#include "common/threads.h"

/* Numbers per block a thread takes at a time; arrays under two blocks run on one thread (starting the
 * threads would cost more than they save). */
#define ELEMENTWISE_BLOCK ((int64_t)1 << 15)

static inline int elementwise_threads(int64_t n)
{
    return n < 2 * ELEMENTWISE_BLOCK ? 1 : tn_threads_for_jobs((n + ELEMENTWISE_BLOCK - 1) / ELEMENTWISE_BLOCK);
}

/* The end of the block that starts at `begin`. */
static inline int64_t block_end(int64_t begin, int64_t n)
{
    return n - begin < ELEMENTWISE_BLOCK ? n : begin + ELEMENTWISE_BLOCK;
}

#endif
