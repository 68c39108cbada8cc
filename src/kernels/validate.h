/* validate.h - argument checks shared by every entry point.
 *
 * Each returns PAL_OK or fills err and returns the code. They run before a
 * kernel touches any output, so a failed call writes nothing; after they pass,
 * every offset a kernel computes is in range of the described arrays.
 */
#ifndef PAL_VALIDATE_H
#define PAL_VALIDATE_H

#include "overlap.h"
#include "pal/pal.h"

pal_status pal__check_dtype(pal_dtype dtype, const char *what, pal_error *err);
pal_status pal__check_head_dim(int32_t head_dim, pal_error *err);
pal_status pal__check_heads(int32_t num_q_heads, int32_t num_kv_heads, pal_error *err);
pal_status pal__check_options(const pal_attention_options *options, pal_error *err);
/* options.alibi_slopes (when set): num_q_heads finite values. */
pal_status pal__check_option_slopes(const pal_attention_options *options, int32_t num_q_heads,
                                    pal_error *err);
/* Non-zero when options ask for window / soft-cap / ALiBi: the call then runs
 * on the prefill engine, which implements them. */
int pal__options_need_prefill_engine(const pal_attention_options *options);
/* Dtype, page size, heads, head dim, strides, and that the pool's extent in
 * bytes is representable. */
pal_status pal__check_pool(const pal_kv_pool *pool, pal_error *err);
/* Every page a sequence uses is in the pool and every length fits its pages. */
pal_status pal__check_page_table(const pal_page_table *pages, const pal_kv_pool *pool,
                                 pal_error *err);
/* a * b * c * elem bytes fits in PTRDIFF_MAX (all factors >= 0). */
pal_status pal__check_tensor_bytes(const char *what, int64_t a, int64_t b, int64_t c, int64_t d,
                                   size_t elem, pal_error *err);

/* After pal__check_page_table: sequence s's context length and page list. */
int64_t pal__seq_len(const pal_page_table *pages, int32_t page_size, int32_t s);
const int32_t *pal__seq_pages(const pal_page_table *pages, int32_t s);

/* The checks every paged attention entry point (decode, prefill) starts
 * with: ctx, q dtype, options (incl. ALiBi slopes for num_q_heads), pool,
 * head counts, page table. */
pal_status pal__check_paged_attention(const pal_context *ctx, pal_dtype q_dtype,
                                      int32_t num_q_heads, const pal_kv_pool *pool,
                                      const pal_page_table *pages,
                                      const pal_attention_options *options, pal_error *err);

/* The softmax scale a call uses: options.scale, or 1/sqrt(head_dim) when it
 * is 0 (either sign; zero-initialised options get the default). */
float pal__softmax_scale(const pal_attention_options *options, int32_t head_dim);

/* Most arrays besides q an attention call reads: K, V, three page-table
 * arrays and qo_indptr. */
#define PAL__MAX_KV_EXTENTS 6

/* PAL_E_ALIAS when out (rows x head_dim elements of q_elem bytes) or
 * options.lse (rows floats) shares memory with q (shaped like out), with one
 * of the num_kv (<= PAL__MAX_KV_EXTENTS) arrays `kv` (K, V, page tables...),
 * with the ALiBi slopes (num_q_heads floats), or when out and lse share memory. */
pal_status pal__check_attention_apart(const void *q, void *out, size_t q_elem, int64_t rows,
                                     int32_t head_dim, const pal_attention_options *options,
                                     int32_t num_q_heads, const pal__extent *kv, int num_kv,
                                     pal_error *err);

/* The same for a paged call: out ([rows, num_q_heads, head_dim] in q_dtype) or
 * options.lse ([rows, num_q_heads] fp32) shares memory with anything a paged
 * call reads: q, the pool's K and V, the page table's arrays, qo_indptr (when
 * not NULL) and the ALiBi slopes; or when out and lse share memory. K and V
 * may alias each other: the call only reads them. */
pal_status pal__check_paged_apart(const void *q, void *out, pal_dtype q_dtype, int64_t rows,
                                  int32_t num_q_heads, const pal_kv_pool *pool,
                                  const pal_page_table *pages, const int32_t *qo_indptr,
                                  const pal_attention_options *options, pal_error *err);

#endif /* PAL_VALIDATE_H */
