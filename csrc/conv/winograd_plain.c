/*
 * conv/winograd_plain.c -- the Winograd convolution's transforms
 * (winograd_transforms.inc) in plain C, for CPUs without AVX2 and for the
 * tests, which compare every level with the same reference.
 */
#include <string.h>

#include "conv/winograd.h"

#define TARGET
#define NAME(x) x##_plain
#include "conv/winograd_transforms.inc"
