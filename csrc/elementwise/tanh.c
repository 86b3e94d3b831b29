/*
 * elementwise/tanh.c -- the tanh's backward over a whole array: the
 * tn_*tanh_backward functions of tinynet.h.
 *
 *   backward:  dx = dy - (dy * y) * y      (= dy (1 - y^2), y = tanh(x) from forward)
 *
 * The operations and their order are those of numpy's expression in
 * tinynet/ops/activations.py, `grad - grad * out * out`, and the compiler
 * does not fuse them into multiply-adds here (ISO C: -std=c11 implies
 * -ffp-contract=off), so the results are the same bits as numpy's.  numpy
 * makes two temporaries and three passes over memory, on one thread; here
 * it is one pass, cut into blocks that the threads share
 * (elementwise/blocks.h).  On the 6-conv CNN of bench_training (batch 1024,
 * 3.2 million numbers in its first tanh) the three passes took about 2.7 ms
 * a call on one thread.  The forward stays numpy's np.tanh, already one
 * vectorised pass.  Written once for a type REAL in tanh.inc.
 */
#include <stddef.h>
#include <stdint.h>

#include "tinynet.h"
#include "elementwise/blocks.h"

#define REAL float
#define NAME(x) tn_s##x
#include "elementwise/tanh.inc"
#undef REAL
#undef NAME

#define REAL double
#define NAME(x) tn_d##x
#include "elementwise/tanh.inc"
#undef REAL
#undef NAME
