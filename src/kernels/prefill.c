/* prefill.c - pal_prefill: validate (qo_indptr against the page table's
 * context lengths on top of everything pal_decode checks), describe each
 * sequence for the tiled prefill engine and run it. */
#include "baseline_only.h"


#include "context.h"
#include "cpu/prefill_engine.h"
#include "error.h"
#include "validate.h"

static pal_status check_qo_indptr(const int32_t *qo_indptr, const pal_page_table *pages,
                                  const pal_kv_pool *pool, pal_error *err) {
  if (!qo_indptr) return PAL__FAIL(err, PAL_E_NULL, "qo_indptr is NULL");
  if (qo_indptr[0] != 0)
    return PAL__FAIL(err, PAL_E_SHAPE, "qo_indptr[0] = %d, must be 0", (int)qo_indptr[0]);
  for (int32_t s = 0; s < pages->num_seqs; ++s) {
    const int64_t q_len = (int64_t)qo_indptr[s + 1] - qo_indptr[s];
    if (q_len < 0)
      return PAL__FAIL(err, PAL_E_SHAPE, "qo_indptr decreases at %d (%d -> %d)", (int)s,
                       (int)qo_indptr[s], (int)qo_indptr[s + 1]);
    const int64_t len = pal__seq_len(pages, pool->page_size, s);
    if (q_len > len)
      return PAL__FAIL(err, PAL_E_SEQ_LEN,
                       "sequence %d has q_len = %lld query tokens but a context of %lld: the "
                       "queries must be the last q_len context tokens",
                       (int)s, (long long)q_len, (long long)len);
  }
  return PAL_OK;
}

/* The engine problem of a paged call (prefill, or decode with options):
 * causal, q / out rows [token][num_q_heads][d], the pool's strides. */
static pal__prefill_problem paged_problem(const pal_context *ctx, pal_dtype q_dtype,
                                          int32_t num_q_heads, const pal_kv_pool *pool,
                                          const pal_attention_options *options) {
  const int32_t d = pool->head_dim;
  return (pal__prefill_problem){
      .kernels = &ctx->kernels,
      .alloc = pal__context_allocator(ctx),
      .q_dtype = q_dtype,
      .kv_dtype = pool->dtype,
      .num_q_heads = num_q_heads,
      .num_kv_heads = pool->num_kv_heads,
      .d = d,
      .scale = pal__softmax_scale(options, d),
      .causal = 1,
      .window = options ? options->window : 0,
      .softcap = options ? options->softcap : 0.0f,
      .alibi = options ? options->alibi_slopes : NULL,
      .q_stride_tok = (int64_t)num_q_heads * d,
      .q_stride_head = d,
      .lse_stride_tok = num_q_heads,
      .lse_stride_head = 1,
      .page_size = pool->page_size,
      .page_stride = pool->stride_page,
      .kv_head_stride = pool->stride_head,
      .token_stride = pool->stride_token,
      .num_threads = pal__resolve_threads(ctx, options),
  };
}

pal_status pal_prefill(const pal_context *ctx, const void *q, void *out, pal_dtype q_dtype,
                       int32_t num_q_heads, const int32_t *qo_indptr, const pal_kv_pool *pool,
                       const pal_page_table *pages, const pal_attention_options *options,
                       pal_error *err) {
  PAL__TRY(pal__check_paged_attention(ctx, q_dtype, num_q_heads, pool, pages, options, err));
  PAL__TRY(check_qo_indptr(qo_indptr, pages, pool, err));
  const int32_t num_seqs = pages->num_seqs, d = pool->head_dim;
  const int64_t total_q = qo_indptr[num_seqs];
  PAL__TRY(pal__check_tensor_bytes("q", total_q, num_q_heads, d, 1, pal_dtype_size(q_dtype), err));
  if (total_q == 0) return PAL_OK;
  if (!q) return PAL__FAIL(err, PAL_E_NULL, "q is NULL");
  if (!out) return PAL__FAIL(err, PAL_E_NULL, "out is NULL");
  PAL__TRY(pal__check_paged_apart(q, out, q_dtype, total_q, num_q_heads, pool, pages, qo_indptr,
                                  options, err));

  pal__prefill_seq *seqs = pal__alloc(pal__context_allocator(ctx), (size_t)num_seqs * sizeof *seqs);
  if (!seqs) return PAL__FAIL(err, PAL_E_NOMEM, "allocating %d sequences failed", (int)num_seqs);
  const size_t qes = pal_dtype_size(q_dtype);
  float *lse = options ? options->lse : NULL;
  for (int32_t s = 0; s < num_seqs; ++s) {
    const int64_t first = qo_indptr[s], q_len = (int64_t)qo_indptr[s + 1] - first;
    const int64_t len = pal__seq_len(pages, pool->page_size, s);
    const size_t off = (size_t)(first * num_q_heads * d) * qes;
    seqs[s] = (pal__prefill_seq){.q = (const char *)q + off,
                                 .out = (char *)out + off,
                                 .lse = lse ? lse + first * num_q_heads : NULL,
                                 .pages = pal__seq_pages(pages, s),
                                 .k = pool->k,
                                 .v = pool->v,
                                 .kv_len = len,
                                 .q_len = q_len,
                                 .q_pos0 = len - q_len};
  }
  const pal__prefill_problem prob = paged_problem(ctx, q_dtype, num_q_heads, pool, options);
  const pal_status st = pal__prefill_run(&prob, seqs, num_seqs, err);
  pal__free(seqs);
  return st;
}

/* pal_decode with window / soft-cap / ALiBi options (called by decode.c after
 * its validation): q_len 1 per sequence, the query at position seq_len - 1. */
pal_status pal__decode_on_prefill_engine(const pal_context *ctx, const void *q, void *out,
                                         pal_dtype q_dtype, int32_t num_q_heads,
                                         const pal_kv_pool *pool, const pal_page_table *pages,
                                         const pal_attention_options *options, pal_error *err) {
  const int32_t num_seqs = pages->num_seqs, d = pool->head_dim;
  pal__prefill_seq *seqs = pal__alloc(pal__context_allocator(ctx), (size_t)num_seqs * sizeof *seqs);
  if (!seqs) return PAL__FAIL(err, PAL_E_NOMEM, "allocating %d sequences failed", (int)num_seqs);
  const size_t qes = pal_dtype_size(q_dtype);
  float *lse = options ? options->lse : NULL;
  for (int32_t s = 0; s < num_seqs; ++s) {
    const int64_t len = pal__seq_len(pages, pool->page_size, s);
    const size_t off = (size_t)((int64_t)s * num_q_heads * d) * qes;
    seqs[s] = (pal__prefill_seq){.q = (const char *)q + off,
                                 .out = (char *)out + off,
                                 .lse = lse ? lse + (int64_t)s * num_q_heads : NULL,
                                 .pages = pal__seq_pages(pages, s),
                                 .k = pool->k,
                                 .v = pool->v,
                                 .kv_len = len,
                                 .q_len = 1,
                                 .q_pos0 = len - 1};
  }
  const pal__prefill_problem prob = paged_problem(ctx, q_dtype, num_q_heads, pool, options);
  const pal_status st = pal__prefill_run(&prob, seqs, num_seqs, err);
  pal__free(seqs);
  return st;
}
