/* nonfinite.h - how both attention engines keep NaN and Inf visible.
 *
 * The contract (docs/API.md, "Non-finite values"): a row computes what a
 * float64 max-subtracted softmax over the keys it sees computes, so NaN or
 * Inf in the inputs a row uses reach that row's output (and lse where the
 * scores are affected), while keys a row does not see never touch it. Three
 * mechanics, shared by attention_engine.c and prefill_engine.c:
 *  - rows start from m = PAL__M_START, a finite floor, not -inf: a block of
 *    scores that are all -inf or NaN then still goes through exp and the sum,
 *    so a NaN reaches l and an all -inf block leaves the state unchanged
 *    (exp(-inf - -inf) would be NaN);
 *  - a row whose l is not > 0 at the end is written by pal__empty_row: zeros
 *    and lse -inf only when the row saw no key, NaN and lse NaN otherwise;
 *  - a key tile that is masked for some rows but has a non-finite V element
 *    runs P.V without the masked keys (prefill_engine.c), since 0 * NaN is
 *    NaN.
 */
#ifndef PAL_NONFINITE_H
#define PAL_NONFINITE_H

#include <float.h>
#include <stdint.h>

#include "pal/pal.h"

/* The running max a row starts from: below every finite score, above -inf. */
#define PAL__M_START (-FLT_MAX)

/* Writes the d floats of a row whose softmax sum is not > 0 and returns its
 * lse: zeros and -inf when the row saw no key (saw_keys == 0), else NaN and
 * NaN (its scores were NaN, +inf, or all -inf). */
float pal__empty_row(float *row, int32_t d, int saw_keys);

/* Non-zero when the d elements of each of the n rows (storage dtype) are
 * all finite. */
int pal__rows_finite(pal_dtype dtype, const char *const *rows, int n, int32_t d);

#endif /* PAL_NONFINITE_H */
