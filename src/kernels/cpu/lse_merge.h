/* lse_merge.h - split-KV: merging the partial softmax states of one row's
 * chunks by log-sum-exp, in chunk order (both engines; deterministic because
 * the order is the chunk order, never the thread order).
 */
#ifndef PAL_LSE_MERGE_H
#define PAL_LSE_MERGE_H

#include <stdint.h>

/* Chunk c's state of the row is m[c * stride], l[c * stride] and the d
 * floats at acc[c * stride]. Writes the merged sum of exp(s - *m_out) * v
 * into out_acc and the merged max / sum into *m_out / *l_out. A chunk with
 * l == 0 saw nothing of the row and is left out (its m means nothing); a NaN
 * l is merged, so NaN stays visible. */
void pal__lse_merge_row(const float *m, const float *l, const float *acc, int64_t stride,
                        int64_t num_chunks, int32_t d, float *out_acc, float *m_out,
                        float *l_out);

#endif /* PAL_LSE_MERGE_H */
