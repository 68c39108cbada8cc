/* sdpa.c - pal_sdpa, the dense baseline: the same engine as pal_decode over
 * contiguous [batch, heads, len, head_dim] K/V. One task per (batch, KV head,
 * query position); with causal masking each query position has its own
 * context length, kv_len - q_len + i + 1 clamped to [0, kv_len]. */
#include "baseline_only.h"


#include "context.h"
#include "cpu/attention_engine.h"
#include "cpu/prefill_engine.h"
#include "error.h"
#include "overlap.h"
#include "validate.h"

static pal_status check_shape(const pal_sdpa_shape *sh, pal_dtype dtype, pal_error *err) {
  if (!sh) return PAL__FAIL(err, PAL_E_NULL, "shape is NULL");
  if (sh->batch < 0) return PAL__FAIL(err, PAL_E_SHAPE, "shape.batch = %d is negative", (int)sh->batch);
  if (sh->q_len < 0) return PAL__FAIL(err, PAL_E_SHAPE, "shape.q_len = %d is negative", (int)sh->q_len);
  if (sh->kv_len < 0)
    return PAL__FAIL(err, PAL_E_SHAPE, "shape.kv_len = %d is negative", (int)sh->kv_len);
  PAL__TRY(pal__check_heads(sh->num_q_heads, sh->num_kv_heads, err));
  PAL__TRY(pal__check_head_dim(sh->head_dim, err));
  size_t es = pal_dtype_size(dtype);
  PAL__TRY(pal__check_tensor_bytes("q", sh->batch, sh->num_q_heads, sh->q_len, sh->head_dim, es, err));
  PAL__TRY(pal__check_tensor_bytes("k", sh->batch, sh->num_kv_heads, sh->kv_len, sh->head_dim, es, err));
  return PAL_OK;
}

/* PAL_E_ALIAS when out or options.lse shares memory with q, k, v, the ALiBi
 * slopes or each other (k and v may alias: they are only read). */
static pal_status check_apart(const void *q, const void *k, const void *v, void *out,
                              pal_dtype dtype, const pal_sdpa_shape *sh,
                              const pal_attention_options *options, pal_error *err) {
  const size_t es = pal_dtype_size(dtype);
  const int64_t kv = (int64_t)sh->batch * sh->num_kv_heads * sh->kv_len * sh->head_dim;
  const pal__extent kvx[2] = {pal__extent_flat("k", k, kv, es), pal__extent_flat("v", v, kv, es)};
  return pal__check_attention_apart(q, out, es, (int64_t)sh->batch * sh->num_q_heads * sh->q_len,
                                    sh->head_dim, options, sh->num_q_heads, kvx, 2, err);
}

static pal_status sdpa_on_prefill_engine(const pal_context *ctx, const void *q, const void *k,
                                         const void *v, void *out, pal_dtype dtype,
                                         const pal_sdpa_shape *sh,
                                         const pal_attention_options *options, pal_error *err) {
  const int32_t b = sh->batch, hq = sh->num_q_heads, hkv = sh->num_kv_heads;
  const int64_t lq = sh->q_len, lk = sh->kv_len, d = sh->head_dim;
  const size_t es = pal_dtype_size(dtype);
  pal__prefill_seq *seqs = pal__alloc(pal__context_allocator(ctx), (size_t)b * sizeof *seqs);
  if (!seqs) return PAL__FAIL(err, PAL_E_NOMEM, "allocating %d sequences failed", (int)b);
  float *lse = options ? options->lse : NULL;
  for (int32_t i = 0; i < b; ++i) {
    const size_t qo = (size_t)((int64_t)i * hq * lq * d) * es;
    const size_t kv = (size_t)((int64_t)i * hkv * lk * d) * es;
    seqs[i] = (pal__prefill_seq){.q = (const char *)q + qo,
                                 .out = (char *)out + qo,
                                 .lse = lse ? lse + (int64_t)i * hq * lq : NULL,
                                 .pages = NULL,
                                 .k = lk > 0 ? (const char *)k + kv : NULL,
                                 .v = lk > 0 ? (const char *)v + kv : NULL,
                                 .kv_len = lk,
                                 .q_len = lq,
                                 .q_pos0 = lk - lq};
  }
  const pal__prefill_problem prob = {
      .kernels = &ctx->kernels,
      .alloc = pal__context_allocator(ctx),
      .q_dtype = dtype,
      .kv_dtype = dtype,
      .num_q_heads = hq,
      .num_kv_heads = hkv,
      .d = (int32_t)d,
      .scale = pal__softmax_scale(options, (int32_t)d),
      .causal = sh->causal != 0,
      .window = options ? options->window : 0,
      .softcap = options ? options->softcap : 0.0f,
      .alibi = options ? options->alibi_slopes : NULL,
      .q_stride_tok = d,
      .q_stride_head = lq * d,
      .lse_stride_tok = 1,
      .lse_stride_head = lq,
      .page_size = 0,
      .page_stride = 0,
      .kv_head_stride = lk * d,
      .token_stride = d,
      .num_threads = pal__resolve_threads(ctx, options),
  };
  const pal_status st = pal__prefill_run(&prob, seqs, b, err);
  pal__free(seqs);
  return st;
}

pal_status pal_sdpa(const pal_context *ctx, const void *q, const void *k, const void *v,
                    void *out, pal_dtype dtype, const pal_sdpa_shape *shape,
                    const pal_attention_options *options, pal_error *err) {
  if (!ctx) return PAL__FAIL(err, PAL_E_NULL, "ctx is NULL");
  PAL__TRY(pal__check_dtype(dtype, "dtype", err));
  PAL__TRY(pal__check_options(options, err));
  PAL__TRY(check_shape(shape, dtype, err));
  const int32_t b = shape->batch, hq = shape->num_q_heads, hkv = shape->num_kv_heads;
  const int32_t lq = shape->q_len, lk = shape->kv_len, d = shape->head_dim, g = hq / hkv;
  int64_t num_tasks = (int64_t)b * hkv * lq;
  if (num_tasks == 0) return PAL_OK;
  if (!q) return PAL__FAIL(err, PAL_E_NULL, "q is NULL");
  if (!out) return PAL__FAIL(err, PAL_E_NULL, "out is NULL");
  if (lk > 0 && (!k || !v)) return PAL__FAIL(err, PAL_E_NULL, "%s is NULL", k ? "v" : "k");

  /* Several query rows per (batch, head), or score
   * options, run on the tiled prefill engine, the same path as pal_prefill. */
  PAL__TRY(pal__check_option_slopes(options, hq, err));
  PAL__TRY(check_apart(q, k, v, out, dtype, shape, options, err));
  if (lq > 1 || pal__options_need_prefill_engine(options))
    return sdpa_on_prefill_engine(ctx, q, k, v, out, dtype, shape, options, err);
  const size_t es = pal_dtype_size(dtype);
  pal__allocator *alloc = pal__context_allocator(ctx);
  pal__attn_task *tasks = pal__alloc(alloc, (size_t)num_tasks * sizeof *tasks);
  if (!tasks) return PAL__FAIL(err, PAL_E_NOMEM, "allocating %lld tasks failed", (long long)num_tasks);
  float *lse = options ? options->lse : NULL;
  int64_t n = 0;
  for (int32_t bi = 0; bi < b; ++bi)
    for (int32_t h = 0; h < hkv; ++h) {
      size_t kv_off = (size_t)(((int64_t)bi * hkv + h) * lk * d) * es;
      for (int32_t i = 0; i < lq; ++i) {
        int64_t row = ((int64_t)bi * hq + (int64_t)h * g) * lq + i; /* row of query head h*g */
        int64_t len = lk;
        if (shape->causal) {
          len = (int64_t)lk - lq + i + 1;
          len = len < 0 ? 0 : len > lk ? lk : len;
        }
        tasks[n++] = (pal__attn_task){
            .q = (const char *)q + (size_t)(row * d) * es,
            .out = (char *)out + (size_t)(row * d) * es,
            .lse = lse ? lse + row : NULL,
            .pages = NULL,
            .k = lk > 0 ? (const char *)k + kv_off : NULL,
            .v = lk > 0 ? (const char *)v + kv_off : NULL,
            .len = len,
        };
      }
    }
  const pal__attn_problem prob = {
      .kernels = &ctx->kernels,
      .alloc = alloc,
      .q_dtype = dtype,
      .kv_dtype = dtype,
      .g = g,
      .d = d,
      .scale = pal__softmax_scale(options, d),
      .q_row_stride = (int64_t)lq * d,
      .lse_row_stride = lq,
      .page_size = 0,
      .page_stride = 0,
      .token_stride = d,
      .num_threads = pal__resolve_threads(ctx, options),
      .group_heads = 1, /* dense heads are long contiguous runs already */
  };
  pal_status st = pal__attention_run(&prob, tasks, num_tasks, err);
  pal__free(tasks);
  return st;
}
