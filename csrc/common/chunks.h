/*
 * common/chunks.h -- sums over a batch that come out the same, bit for bit,
 * on any number of threads.
 *
 * A convolution's dL/dW and dL/db are sums over the images of the batch.
 * The batch is cut into a number of chunks that depends on the shape alone,
 * never on the thread count; each chunk sums its images, in order, into a
 * buffer of its own, and the buffers are then added in chunk order.  Chunk 0
 * sums straight into dw and db; chunk c > 0 into slot c - 1 of `partials`,
 * which holds part_len = dw_len + db_len numbers per slot: dW's part, then
 * db's.  dw_len is 0 when dw is NULL; likewise db.
 *
 * Instantiated for float (s...) and double (d...) in common/chunks.c.
 */
#ifndef TN_COMMON_CHUNKS_H
#define TN_COMMON_CHUNKS_H

#include <stdint.h>

/* Where chunk `chunk` writes: *dw_c and *db_c (NULL when dw, db are NULL). */
void schunk_targets(float *dw, float *db, float *partials, int64_t dw_len, int64_t part_len, int64_t chunk,
                       float **dw_c, float **db_c);
void dchunk_targets(double *dw, double *db, double *partials, int64_t dw_len, int64_t part_len, int64_t chunk,
                       double **dw_c, double **db_c);

/* dw, db += the slots of chunks 1, 2, ..., chunks - 1, in that order, element
 * by element, on `threads` threads (the order of additions per element is
 * the same on any number).  Nothing to do when partials is NULL. */
void sadd_chunk_sums(float *dw, float *db, const float *partials, int64_t dw_len, int64_t part_len,
                        int64_t chunks, int threads);
void dadd_chunk_sums(double *dw, double *db, const double *partials, int64_t dw_len, int64_t part_len,
                        int64_t chunks, int threads);

#endif
