/*
 * elementwise/elementwise.c -- the element-wise kernels over whole arrays,
 * each written once for a type REAL and instantiated here for float
 * (tn_s...) and double (tn_d...):
 *
 *   relu.inc    the ReLU, forward and backward (tn_*relu_forward, tn_*relu_backward)
 *   tanh.inc    the tanh's backward (tn_*tanh_backward)
 *   blocks.h    how they share an array between threads
 */
#include <stddef.h>
#include <stdint.h>

#include "tinynet.h"
#include "elementwise/blocks.h"

#define REAL float
#define NAME(x) tn_s##x
#include "elementwise/relu.inc"
#include "elementwise/tanh.inc"
#undef REAL
#undef NAME

#define REAL double
#define NAME(x) tn_d##x
#include "elementwise/relu.inc"
#include "elementwise/tanh.inc"
#undef REAL
#undef NAME
