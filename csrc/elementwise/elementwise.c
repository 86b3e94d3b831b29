/*
 * elementwise/elementwise.c -- the element-wise kernels over whole arrays,
 * each written once for a type REAL and instantiated here for float
 * (tn_s...) and double (tn_d...):
 *
 *   relu.inc    the ReLU, forward and backward (tn_*relu_forward, tn_*relu_backward)
 *   tanh.inc    the tanh's backward (tn_*tanh_backward)
 *   add.inc     a + b (tn_*add)
 *   blocks.h    how they share an array between threads
 */
#include <stddef.h>
#include <stdint.h>

#include "tinynet.h"
#include "elementwise/blocks.h"

#define TN_TEMPLATE "elementwise/relu.inc"
#include "common/for_each_real.h"

#define TN_TEMPLATE "elementwise/tanh.inc"
#include "common/for_each_real.h"

#define TN_TEMPLATE "elementwise/add.inc"
#include "common/for_each_real.h"
