/*
 * conv/bias_grad.h -- dL/db of a convolution: the sum of dL/dy over the
 * images and pixels of each output channel.  Internal; the direct and row
 * paths' dL/dW chunks call it for their images.
 */
#ifndef TN_CONV_BIAS_GRAD_H
#define TN_CONV_BIAS_GRAD_H

#include <stdint.h>

/* db[o] = (first ? 0 : db[o]) + the sum of dy[b, o, :] over b < images, for o < channels (dy is images x
 * channels x P).  Eight running sums, added at the end: SIMD without -ffast-math, in a fixed order. */
static inline void sconv_bias_grad(const float *dy, int64_t images, int64_t channels, int64_t P, float *db,
                                   int first)
{
    for (int64_t o = 0; o < channels; o++) {
        float lane[8] = {0};
        for (int64_t b = 0; b < images; b++) {
            const float *row = dy + (b * channels + o) * P;
            int64_t v = 0;
            for (; v + 8 <= P; v += 8)
                for (int l = 0; l < 8; l++)
                    lane[l] += row[v + l];
            for (; v < P; v++)
                lane[v % 8] += row[v];
        }
        float sum = first ? 0.0f : db[o];
        for (int l = 0; l < 8; l++)
            sum += lane[l];
        db[o] = sum;
    }
}

#endif
