/*
 * common/for_each_real.h -- instantiate a file written once for a type REAL
 * (its functions named NAME(x)) for float and for double, as the tn_s... and
 * tn_d... functions of tinynet.h:
 *
 *     #define TN_TEMPLATE "conv/reference.inc"
 *     #include "common/for_each_real.h"
 *
 * No include guard: each inclusion instantiates the TN_TEMPLATE defined
 * before it, and takes TN_TEMPLATE away again.
 */
#define REAL float
#define NAME(x) tn_s##x
#include TN_TEMPLATE
#undef REAL
#undef NAME

#define REAL double
#define NAME(x) tn_d##x
#include TN_TEMPLATE
#undef REAL
#undef NAME

#undef TN_TEMPLATE
