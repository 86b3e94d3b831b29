/*
 * loss/cross_entropy.c -- softmax cross-entropy of logits against class
 * labels, and its gradient, in one pass: tn_scross_entropy,
 * tn_dcross_entropy and their plain twins (..._ref).
 *
 * Why one pass.  In numpy the loss is a log-softmax (a max, a subtraction,
 * an exp, a sum, a log, a subtraction), a gather of each row's label and a
 * mean; its backward another exp, a scatter and two multiplications: a
 * dozen calls, each a temporary, on a batch of 64 x 10 numbers where every
 * call costs more than its arithmetic.  Here each row is read once: its
 * maximum, the sum of the exponentials, the loss, and -- when the gradient
 * is wanted -- softmax minus one-hot, written while the row is in L1.  The
 * backward pass of the op is then one multiplication by dL/dloss.
 *
 * Threads.  Rows are independent: big batches are cut into chunks of rows
 * that threads take one at a time.  Each row's loss goes to its own slot,
 * and the slots are added in row order afterwards, so the sum is the same
 * on any number of threads.
 */
#include <math.h>
#include <stdlib.h>

#include "tinynet.h"
#include "common/sizes.h"
#include "common/threads.h"

#define ROWS_PER_CHUNK 256
#define SMALL_WORK ((int64_t)1 << 16) /* logits below which one thread does it all */

/* ---- once per type ---------------------------------------------------------------
 * float:  scross_entropy_rows, tn_scross_entropy, tn_scross_entropy_ref
 * double: dcross_entropy_rows, tn_dcross_entropy, tn_dcross_entropy_ref */

#define REAL float
#define EXP expf
#define NAME(x) s##x
#define API(x) tn_s##x
#include "loss/cross_entropy.inc"
#undef REAL
#undef EXP
#undef NAME
#undef API

#define REAL double
#define EXP exp
#define NAME(x) d##x
#define API(x) tn_d##x
#include "loss/cross_entropy.inc"
#undef REAL
#undef EXP
#undef NAME
#undef API
