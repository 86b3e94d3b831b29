/*
 * conv/winograd_avx2.c -- the Winograd convolution's transforms
 * (winograd_transforms.inc) compiled for AVX2: 8 tiles a vector.
 */
#include <string.h>

#include "common/simd.h"
#include "conv/winograd.h"

#if TN_X86
#define TARGET TN_AVX2
#define NAME(x) x##_avx2
#include "conv/winograd_transforms.inc"
#endif
