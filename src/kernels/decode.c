/* decode.c - pal_decode: validate, describe the call as engine tasks (one per
 * sequence x KV head, the group's g query rows together so each KV head is
 * read once), and run them on the CPU attention engine. */
#include "baseline_only.h"


#include "context.h"
#include "cpu/attention_engine.h"
#include "cpu/prefill_engine.h"
#include "error.h"
#include "validate.h"

/* The KV heads of a sequence the engine walks together: the largest divisor
 * of num_kv_heads up to PAL__MAX_GROUP_HEADS. With an HND pool a page holds
 * every head's slice of its tokens; walking a group reads that page as one
 * run (8 heads x 16 tokens x 128 x fp16 = 32 KiB) instead of 4 KiB slices at
 * a 32 KiB stride. Streaming reads measured 29 GB/s for 32 KiB runs at
 * shuffled addresses against 25 GB/s for 4 KiB runs (2 cores, SPR). */
static int32_t group_heads(int32_t hkv) {
  for (int32_t gh = PAL__MAX_GROUP_HEADS; gh > 1; --gh)
    if (hkv % gh == 0) return gh;
  return 1;
}

pal_status pal_decode(const pal_context *ctx, const void *q, void *out, pal_dtype q_dtype,
                      int32_t num_q_heads, const pal_kv_pool *pool,
                      const pal_page_table *pages, const pal_attention_options *options,
                      pal_error *err) {
  PAL__TRY(pal__check_paged_attention(ctx, q_dtype, num_q_heads, pool, pages, options, err));
  int32_t num_seqs = pages->num_seqs;
  PAL__TRY(pal__check_tensor_bytes("q", num_seqs, num_q_heads, pool->head_dim, 1,
                                   pal_dtype_size(q_dtype), err));
  if (num_seqs == 0) return PAL_OK;
  if (!q) return PAL__FAIL(err, PAL_E_NULL, "q is NULL");
  if (!out) return PAL__FAIL(err, PAL_E_NULL, "out is NULL");
  PAL__TRY(pal__check_paged_apart(q, out, q_dtype, num_seqs, num_q_heads, pool, pages, NULL,
                                  options, err));
  /* Window / soft-cap / ALiBi run on the prefill
   * engine (q_len 1 per sequence); option-free calls keep the decode path. */
  if (pal__options_need_prefill_engine(options))
    return pal__decode_on_prefill_engine(ctx, q, out, q_dtype, num_q_heads, pool, pages, options,
                                         err);

  const int32_t hkv = pool->num_kv_heads, d = pool->head_dim, g = num_q_heads / hkv;
  const size_t qes = pal_dtype_size(q_dtype), kves = pal_dtype_size(pool->dtype);
  int64_t num_tasks = (int64_t)num_seqs * hkv;
  pal__allocator *alloc = pal__context_allocator(ctx);
  pal__attn_task *tasks = pal__alloc(alloc, (size_t)num_tasks * sizeof *tasks);
  if (!tasks) return PAL__FAIL(err, PAL_E_NOMEM, "allocating %lld tasks failed", (long long)num_tasks);
  float *lse = options ? options->lse : NULL;
  for (int32_t s = 0; s < num_seqs; ++s) {
    const int32_t *seq_pages = pal__seq_pages(pages, s);
    int64_t len = pal__seq_len(pages, pool->page_size, s);
    for (int32_t h = 0; h < hkv; ++h) {
      int64_t row = (int64_t)s * num_q_heads + (int64_t)h * g;
      /* an empty pool has no base to offset (its strides mean nothing and
       * every sequence in it is empty) */
      const int has_pages = pool->num_pages > 0;
      size_t head_off = has_pages ? (size_t)(h * pool->stride_head) * kves : 0;
      tasks[(int64_t)s * hkv + h] = (pal__attn_task){
          .q = (const char *)q + (size_t)(row * d) * qes,
          .out = (char *)out + (size_t)(row * d) * qes,
          .lse = lse ? lse + row : NULL,
          .pages = seq_pages,
          .k = has_pages ? (const char *)pool->k + head_off : NULL,
          .v = has_pages ? (const char *)pool->v + head_off : NULL,
          .len = len,
      };
    }
  }
  const pal__attn_problem prob = {
      .kernels = &ctx->kernels,
      .alloc = alloc,
      .q_dtype = q_dtype,
      .kv_dtype = pool->dtype,
      .g = g,
      .d = d,
      .scale = pal__softmax_scale(options, d),
      .q_row_stride = d,
      .lse_row_stride = 1,
      .page_size = pool->page_size,
      .page_stride = pool->stride_page,
      .token_stride = pool->stride_token,
      .num_threads = pal__resolve_threads(ctx, options),
      .group_heads = group_heads(hkv),
  };
  pal_status st = pal__attention_run(&prob, tasks, num_tasks, err);
  pal__free(tasks);
  return st;
}
