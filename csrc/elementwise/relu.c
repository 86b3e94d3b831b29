/*
 * elementwise/relu.c -- the ReLU, forward and backward, over a whole array:
 * the tn_*relu_* functions of tinynet.h.
 *
 *   forward:   y = max(x, 0)          (NaN stays NaN, -0 becomes 0: numpy's maximum)
 *              positive = [x > 0]     (one byte a number, kept for backward)
 *   backward:  dx = dy * positive     (a multiply, as numpy's dy * positive: NaN * 0 is NaN)
 *
 * numpy's forward is two passes over memory (x > 0, then maximum), each on
 * one thread; here it is one, cut into blocks that the threads share.
 * Every number is computed alone, so the results are the same on any
 * number of threads, and the same as numpy's.  The loops are plain C,
 * which the compiler vectorises.  Written once for a type REAL in relu.inc.
 */
#include <stddef.h>
#include <stdint.h>

#include "tinynet.h"
#include "common/threads.h"

/* Numbers per block a thread takes at a time; arrays under two blocks run on one thread (starting the
 * threads would cost more than they save). */
#define RELU_BLOCK ((int64_t)1 << 15)

static int relu_threads(int64_t n)
{
    return n < 2 * RELU_BLOCK ? 1 : tn_threads_for_jobs((n + RELU_BLOCK - 1) / RELU_BLOCK);
}

/* The end of the block that starts at `begin`. */
static int64_t block_end(int64_t begin, int64_t n) { return n - begin < RELU_BLOCK ? n : begin + RELU_BLOCK; }

#define REAL float
#define NAME(x) tn_s##x
#include "elementwise/relu.inc"
#undef REAL
#undef NAME

#define REAL double
#define NAME(x) tn_d##x
#include "elementwise/relu.inc"
#undef REAL
#undef NAME
