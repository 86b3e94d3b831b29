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
 * number of threads, and the same as numpy's (elementwise/blocks.h).  The
 * loops are plain C, which the compiler vectorises.  Written once for a
 * type REAL in relu.inc.
 */
#include <stddef.h>
#include <stdint.h>

#include "tinynet.h"
#include "elementwise/blocks.h"

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
