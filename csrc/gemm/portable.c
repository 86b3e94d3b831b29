/*
 * gemm/portable.c -- GEMM's plain-C micro-kernel and packing, for every CPU:
 * the instantiation point of kernel_portable.inc and pack.inc.
 *
 *   float:  sgemm_kernel_portable, sgemm_pack_a_rows, sgemm_pack_at_rows,
 *           sgemm_pack_b_row, sgemm_pack_bt_panel
 *   double: the same with dgemm_
 */
#include "gemm/gemm.h"

#define REAL float
#define NAME(x) sgemm_##x
#include "gemm/kernel_portable.inc"
#include "gemm/pack.inc"
#undef REAL
#undef NAME

#define REAL double
#define NAME(x) dgemm_##x
#include "gemm/kernel_portable.inc"
#include "gemm/pack.inc"
#undef REAL
#undef NAME
