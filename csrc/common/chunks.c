/*
 * common/chunks.c -- the instantiation point of chunks.inc (see chunks.h):
 * schunk_targets, sadd_chunk_sums for float and dchunk_targets,
 * dadd_chunk_sums for double.
 */
#include <stddef.h>

#include "common/chunks.h"

#define REAL float
#define NAME(x) s##x
#include "common/chunks.inc"
#undef REAL
#undef NAME

#define REAL double
#define NAME(x) d##x
#include "common/chunks.inc"
#undef REAL
#undef NAME
