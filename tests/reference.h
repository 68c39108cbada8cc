/* tests/reference.h - independent float64 references for the PAL tests.
 *
 * Written from the public spec (include/pal/pal.h), not from library code:
 *  - storage dtypes are decoded with gcc's _Float16 (fp16) and (uint32_t)h << 16
 *    (bf16), never with libpal's converters;
 *  - attention is computed in double with a max-subtracted softmax;
 *  - the paged reference gathers each sequence's tokens through the page table
 *    (block-table or CSR form) and the pool strides (so HND, NHD or any other
 *    stride set is read the same way).
 * Only the public header is used (for the descriptor structs and enums).
 */
#ifndef PAL_TESTS_REFERENCE_H
#define PAL_TESTS_REFERENCE_H

#include <stddef.h>
#include <stdint.h>

#include "pal/pal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------- dtype helpers */

/* Bytes per element of a storage dtype (independent of pal_dtype_size). */
size_t ref_dtype_size(pal_dtype dt);
const char *ref_dtype_name(pal_dtype dt);

/* Exact decode of element i of `base` (storage dtype dt) to double. */
double ref_load(pal_dtype dt, const void *base, int64_t i);
/* Store v into element i, rounding to nearest even (one rounding, from double). */
void ref_store(pal_dtype dt, void *base, int64_t i, double v);

/* Bit-level conversions, round-to-nearest-even, NaN stays NaN (quiet). */
uint16_t ref_f64_to_f16_bits(double v);
uint16_t ref_f64_to_bf16_bits(double v);
uint16_t ref_f32_to_bf16_bits(float v);
double ref_f16_bits_to_f64(uint16_t h);
double ref_bf16_bits_to_f64(uint16_t h);

/* Store a NaN of dtype dt at element i (fp32 0x7fc00000, fp16 0x7e00, bf16 0x7fc0). */
void ref_store_nan(pal_dtype dt, void *base, int64_t i);
/* Fill n elements with NaN. */
void ref_fill_nan(pal_dtype dt, void *base, int64_t n);

/* ------------------------------------------------------ paged decode */

/* Number of tokens of sequence s according to the page table (block: seq_lens[s];
 * CSR: (pages-1)*page_size + last_page_len, 0 for no pages). */
int64_t ref_seq_len(const pal_page_table *pt, int32_t page_size, int32_t s);
/* Page id holding token t of sequence s. */
int64_t ref_page_of(const pal_page_table *pt, int32_t page_size, int32_t s, int64_t t);

/* Reference paged decode.
 *   q   [num_seqs, num_q_heads, head_dim] in q_dtype
 *   out [num_seqs, num_q_heads, head_dim] doubles
 *   lse [num_seqs, num_q_heads] doubles (natural log; -INFINITY for an empty sequence)
 *   sbound [num_seqs, num_q_heads] (optional, may be NULL): |scale| * max over the
 *       row's tokens of sum_d |q_d k_d|, the magnitude that bounds the rounding
 *       error of an fp32 score (0 for an empty row)
 * scale 0 means 1/sqrt(head_dim). Empty sequences give a zero row. */
void ref_decode(const void *q, pal_dtype q_dtype, int32_t num_q_heads, const pal_kv_pool *pool,
                const pal_page_table *pt, double scale, double *out, double *lse,
                double *sbound);

/* ------------------------------------------------ paged prefill */

/* Score options of pal_attention_options, in double (window 0, softcap 0,
 * alibi_slopes NULL: off). */
typedef struct ref_score_opts {
  int64_t window;
  double softcap;
  const float *alibi_slopes; /* [num_q_heads] */
} ref_score_opts;

/* Reference paged prefill (pal.h's pal_prefill): sequence s has
 * q_len = qo_indptr[s+1] - qo_indptr[s] queries, the last q_len of its
 * seq_len tokens; query i (position p = seq_len - q_len + i) of head h sees
 * keys j with max(0, p - window + 1) <= j <= p (window 0: from 0) and the
 * score  s = scale q.k;  s = softcap tanh(s / softcap);  s += slope_h (j - p).
 *   q, out [total_q, num_q_heads, head_dim] (out in doubles),
 *   lse, sbound [total_q, num_q_heads] (sbound optional; as for ref_decode).
 * opts may be NULL (all off). A row that sees nothing is zero, lse -inf. */
void ref_prefill(const void *q, pal_dtype q_dtype, int32_t num_q_heads, const int32_t *qo_indptr,
                 const pal_kv_pool *pool, const pal_page_table *pt, double scale,
                 const ref_score_opts *opts, double *out, double *lse, double *sbound);


/* ------------------------------------------------------- dense SDPA */

/* Reference dense SDPA; layouts [B,H,L,D] contiguous, all in `dtype`.
 * out [B, Hq, q_len, D] doubles, lse [B, Hq, q_len] doubles.
 * causal: query i sees keys j < kv_len - q_len + i + 1; a row that sees nothing
 * is zero with lse -inf. sbound as for ref_decode (optional). */
void ref_sdpa(const void *q, const void *k, const void *v, pal_dtype dtype,
              const pal_sdpa_shape *shape, double scale, double *out, double *lse,
              double *sbound);

/* -------------------------------------------------------- fill KV */

/* Expected pool contents after pal_fill_kv_pages: writes token i of k_new/v_new
 * ([num_tokens, Hkv, D] in src_dtype) to slot slot_mapping[i] of the pool arrays
 * (pool->k / pool->v, which the caller points at a copy), converting with
 * round-to-nearest-even; slot -1 skips; later tokens win. */
void ref_fill_kv(const void *k_new, const void *v_new, pal_dtype src_dtype, int64_t num_tokens,
                 const int64_t *slot_mapping, const pal_kv_pool *pool);

#ifdef __cplusplus
}
#endif
#endif /* PAL_TESTS_REFERENCE_H */
