/*
 * elementwise/tanh_forward.c -- tn_stanh_forward: y = tanh(x) over a whole
 * float array, in blocks that the threads share (blocks.h).  tanh_math.h
 * says how one number is computed; each block goes through the AVX2 version
 * (tanh_forward_avx2.c) when tn_get_simd_level() allows, the rest of it (and
 * every number, below AVX2) through the plain tanh_one: the same bits
 * either way, on any number of threads.
 *
 * Why in C: on a CPU with AVX2 but not AVX-512 (an AMD EPYC), numpy's
 * float32 tanh took 3.0 ns a number on one core (the 6-conv CNN's first
 * tanh, 3.2 million numbers), and the network's tanh forwards a quarter of
 * its training step; this takes 1.0-1.15 ns on one thread and 0.85-0.9 on
 * two.  The plain loop is the reference and takes the last few numbers of
 * a block: alone it takes 31 ns a number (a branch and a library call for
 * each fmaf), and
 * with AVX-512 numpy has a 16-lane loop that the 8 lanes here were not
 * measured against, so the tanh op calls this at the AVX2 level only
 * (tinynet/kernels/tanh.py, forward_pays).
 */
#include <stdint.h>

#include "tinynet.h"
#include "common/simd.h"
#include "elementwise/blocks.h"
#include "elementwise/tanh_math.h"

void tn_stanh_forward(int64_t n, const float *x, float *y)
{
    const int avx2 = tn_get_simd_level() >= TN_SIMD_AVX2;
    const int threads = elementwise_threads(n);
#pragma omp parallel for num_threads(threads) schedule(dynamic) if (threads > 1)
    for (int64_t begin = 0; begin < n; begin += ELEMENTWISE_BLOCK) {
        const int64_t end = block_end(begin, n);
        int64_t i = begin;
        if (avx2)
            i += stanh_forward_avx2(end - begin, x + begin, y + begin);
        for (; i < end; i++)
            y[i] = tanh_one(x[i]);
    }
}
