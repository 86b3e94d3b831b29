/*
 * conv/winograd_avx512.c -- the Winograd convolution's transforms
 * (winograd_transforms.inc) compiled for AVX-512: 16 tiles a vector.
 */
#include <string.h>

#include "common/simd.h"
#include "conv/winograd.h"

#if TN_X86
#define TARGET __attribute__((target("avx512f,prefer-vector-width=512")))
#define NAME(x) x##_avx512
#include "conv/winograd_transforms.inc"
#endif
