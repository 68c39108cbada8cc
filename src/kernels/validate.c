/* validate.c - argument checks shared by every entry point (see validate.h).
 *
 * NOTES
 *  1. All size arithmetic is in int64 with explicit overflow checks, so a
 *     hostile shape can never wrap into a small, in-bounds-looking offset.
 *  2. Only the first ceil(seq_len / page_size) entries of a block-table row are
 *     read or checked: engines pad rows with garbage and that is legal.
 *  3. Messages name the argument, the index and the value at fault.
 */
#include "baseline_only.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "overlap.h"
#include "validate.h"

pal_status pal__check_dtype(pal_dtype dtype, const char *what, pal_error *err) {
  if ((int)dtype < 0 || dtype >= PAL_DTYPE_COUNT)
    return PAL__FAIL(err, PAL_E_DTYPE, "%s = %d is not a pal_dtype (fp32=0, fp16=1, bf16=2)", what,
                     (int)dtype);
  return PAL_OK;
}

pal_status pal__check_head_dim(int32_t head_dim, pal_error *err) {
  if (head_dim < PAL_HEAD_DIM_ALIGN || head_dim > PAL_MAX_HEAD_DIM ||
      head_dim % PAL_HEAD_DIM_ALIGN != 0)
    return PAL__FAIL(err, PAL_E_HEAD_DIM, "head_dim = %d: must be a multiple of %d in [%d, %d]",
                     (int)head_dim, PAL_HEAD_DIM_ALIGN, PAL_HEAD_DIM_ALIGN, PAL_MAX_HEAD_DIM);
  return PAL_OK;
}

pal_status pal__check_heads(int32_t num_q_heads, int32_t num_kv_heads, pal_error *err) {
  if (num_kv_heads < 1)
    return PAL__FAIL(err, PAL_E_SHAPE, "num_kv_heads = %d must be >= 1", (int)num_kv_heads);
  if (num_q_heads < 1)
    return PAL__FAIL(err, PAL_E_SHAPE, "num_q_heads = %d must be >= 1", (int)num_q_heads);
  if (num_q_heads % num_kv_heads != 0)
    return PAL__FAIL(err, PAL_E_HEADS, "num_q_heads = %d is not a multiple of num_kv_heads = %d",
                     (int)num_q_heads, (int)num_kv_heads);
  return PAL_OK;
}

pal_status pal__check_options(const pal_attention_options *options, pal_error *err) {
  if (!options) return PAL_OK;
  if (!isfinite(options->scale))
    return PAL__FAIL(err, PAL_E_ARG, "options.scale = %g is not finite", (double)options->scale);
  if (options->num_threads < 0)
    return PAL__FAIL(err, PAL_E_ARG, "options.num_threads = %d is negative", options->num_threads);
  if (options->window < 0)
    return PAL__FAIL(err, PAL_E_ARG, "options.window = %d is negative", (int)options->window);
  if (!isfinite(options->softcap) || options->softcap < 0.0f)
    return PAL__FAIL(err, PAL_E_ARG, "options.softcap = %g must be finite and >= 0",
                     (double)options->softcap);
  return PAL_OK;
}

pal_status pal__check_option_slopes(const pal_attention_options *options, int32_t num_q_heads,
                                    pal_error *err) {
  if (!options || !options->alibi_slopes) return PAL_OK;
  for (int32_t h = 0; h < num_q_heads; ++h)
    if (!isfinite(options->alibi_slopes[h]))
      return PAL__FAIL(err, PAL_E_ARG, "options.alibi_slopes[%d] = %g is not finite", (int)h,
                       (double)options->alibi_slopes[h]);
  return PAL_OK;
}

int pal__options_need_prefill_engine(const pal_attention_options *options) {
  return options && (options->window > 0 || options->softcap > 0.0f || options->alibi_slopes);
}

/* r = a * b + c, all >= 0; non-zero on overflow. */
static int mul_add(int64_t a, int64_t b, int64_t c, int64_t *r) {
  int64_t t;
  return __builtin_mul_overflow(a, b, &t) || __builtin_add_overflow(t, c, r);
}

pal_status pal__check_tensor_bytes(const char *what, int64_t a, int64_t b, int64_t c, int64_t d,
                                   size_t elem, pal_error *err) {
  int64_t n = 1;
  if (mul_add(n, a, 0, &n) || mul_add(n, b, 0, &n) || mul_add(n, c, 0, &n) ||
      mul_add(n, d, 0, &n) || mul_add(n, (int64_t)elem, 0, &n) || (uint64_t)n > PTRDIFF_MAX)
    return PAL__FAIL(err, PAL_E_OVERFLOW, "%s: %lld x %lld x %lld x %lld elements overflow", what,
                     (long long)a, (long long)b, (long long)c, (long long)d);
  return PAL_OK;
}

pal_status pal__check_pool(const pal_kv_pool *pool, pal_error *err) {
  if (!pool) return PAL__FAIL(err, PAL_E_NULL, "pool is NULL");
  PAL__TRY(pal__check_dtype(pool->dtype, "pool.dtype", err));
  if (pool->page_size < 1 || pool->page_size > PAL_MAX_PAGE_SIZE)
    return PAL__FAIL(err, PAL_E_SHAPE, "pool.page_size = %d: must be in [1, %d]",
                     (int)pool->page_size, PAL_MAX_PAGE_SIZE);
  if (pool->num_kv_heads < 1)
    return PAL__FAIL(err, PAL_E_SHAPE, "pool.num_kv_heads = %d must be >= 1",
                     (int)pool->num_kv_heads);
  if (pool->num_pages < 0)
    return PAL__FAIL(err, PAL_E_SHAPE, "pool.num_pages = %lld is negative",
                     (long long)pool->num_pages);
  PAL__TRY(pal__check_head_dim(pool->head_dim, err));
  /* An empty pool (a cache before its first request) has no element, so
   * its strides describe nothing: NumPy gives such arrays zero strides. */
  if (pool->num_pages == 0) return PAL_OK;
  if (!pool->k || !pool->v)
    return PAL__FAIL(err, PAL_E_NULL, "pool.%s is NULL", pool->k ? "v" : "k");
  if (pool->stride_page < 0 || pool->stride_head < 0 || pool->stride_token < 0)
    return PAL__FAIL(err, PAL_E_LAYOUT,
                     "pool strides must be >= 0 (stride_page = %lld, stride_head = %lld, "
                     "stride_token = %lld)",
                     (long long)pool->stride_page, (long long)pool->stride_head,
                     (long long)pool->stride_token);
  if (pool->page_size > 1 && pool->stride_token < pool->head_dim)
    return PAL__FAIL(err, PAL_E_LAYOUT,
                     "pool.stride_token = %lld < head_dim = %d: token rows would overlap",
                     (long long)pool->stride_token, (int)pool->head_dim);
  if (pool->num_kv_heads > 1 && pool->stride_head < pool->head_dim)
    return PAL__FAIL(err, PAL_E_LAYOUT,
                     "pool.stride_head = %lld < head_dim = %d: head rows would overlap",
                     (long long)pool->stride_head, (int)pool->head_dim);
  /* Largest element offset + 1, then bytes: every kernel offset is below it. */
  int64_t extent = pool->head_dim, bytes;
  if (mul_add(pool->num_pages - 1, pool->stride_page, extent, &extent) ||
      mul_add(pool->num_kv_heads - 1, pool->stride_head, extent, &extent) ||
      mul_add(pool->page_size - 1, pool->stride_token, extent, &extent) ||
      mul_add(extent, (int64_t)pal_dtype_size(pool->dtype), 0, &bytes) ||
      (uint64_t)bytes > PTRDIFF_MAX)
    return PAL__FAIL(err, PAL_E_OVERFLOW,
                     "pool extent overflows: num_pages = %lld with stride_page = %lld",
                     (long long)pool->num_pages, (long long)pool->stride_page);
  return PAL_OK;
}

static pal_status check_page_ids(const int32_t *ids, int64_t count, int64_t num_pages,
                                 const char *what, int32_t s, pal_error *err) {
  for (int64_t i = 0; i < count; ++i)
    if (ids[i] < 0 || ids[i] >= num_pages)
      return PAL__FAIL(err, PAL_E_PAGE_ID, "%s: sequence %d page %lld is %d, outside [0, %lld)",
                       what, (int)s, (long long)i, (int)ids[i], (long long)num_pages);
  return PAL_OK;
}

static pal_status check_block_table(const pal_page_table *t, const pal_kv_pool *pool,
                                    pal_error *err) {
  if (t->max_pages_per_seq < 0)
    return PAL__FAIL(err, PAL_E_SHAPE, "max_pages_per_seq = %d is negative",
                     (int)t->max_pages_per_seq);
  if (!t->seq_lens) return PAL__FAIL(err, PAL_E_NULL, "seq_lens is NULL");
  if (!t->block_table && t->max_pages_per_seq > 0)
    return PAL__FAIL(err, PAL_E_NULL, "block_table is NULL");
  PAL__TRY(pal__check_tensor_bytes("block_table", t->num_seqs, t->max_pages_per_seq, 1, 1,
                                   sizeof(int32_t), err));
  for (int32_t s = 0; s < t->num_seqs; ++s) {
    int64_t len = t->seq_lens[s];
    if (len < 0)
      return PAL__FAIL(err, PAL_E_SEQ_LEN, "seq_lens[%d] = %lld is negative", (int)s,
                       (long long)len);
    int64_t need = (len + pool->page_size - 1) / pool->page_size;
    if (need > t->max_pages_per_seq)
      return PAL__FAIL(err, PAL_E_SEQ_LEN,
                       "seq_lens[%d] = %lld needs %lld pages of %d tokens but "
                       "max_pages_per_seq = %d",
                       (int)s, (long long)len, (long long)need, (int)pool->page_size,
                       (int)t->max_pages_per_seq);
    if (need > 0) /* block_table may be NULL when no row has pages (no NULL + 0) */
      PAL__TRY(check_page_ids(t->block_table + (int64_t)s * t->max_pages_per_seq, need,
                              pool->num_pages, "block_table", s, err));
  }
  return PAL_OK;
}

static pal_status check_csr(const pal_page_table *t, const pal_kv_pool *pool, pal_error *err) {
  if (!t->kv_indptr) return PAL__FAIL(err, PAL_E_NULL, "kv_indptr is NULL");
  if (t->num_seqs > 0 && !t->kv_last_page_len)
    return PAL__FAIL(err, PAL_E_NULL, "kv_last_page_len is NULL");
  if (t->kv_indptr[0] != 0)
    return PAL__FAIL(err, PAL_E_SHAPE, "kv_indptr[0] = %d, must be 0", (int)t->kv_indptr[0]);
  for (int32_t s = 0; s < t->num_seqs; ++s)
    if (t->kv_indptr[s + 1] < t->kv_indptr[s])
      return PAL__FAIL(err, PAL_E_SHAPE, "kv_indptr decreases at %d (%d -> %d)", (int)s,
                       (int)t->kv_indptr[s], (int)t->kv_indptr[s + 1]);
  if (t->kv_indptr[t->num_seqs] > 0 && !t->kv_indices)
    return PAL__FAIL(err, PAL_E_NULL, "kv_indices is NULL");
  for (int32_t s = 0; s < t->num_seqs; ++s) {
    int64_t n = (int64_t)t->kv_indptr[s + 1] - t->kv_indptr[s];
    if (n == 0) continue;
    int32_t last = t->kv_last_page_len[s];
    if (last < 1 || last > pool->page_size)
      return PAL__FAIL(err, PAL_E_SEQ_LEN, "kv_last_page_len[%d] = %d: must be in [1, %d]",
                       (int)s, (int)last, (int)pool->page_size);
    if ((n - 1) * pool->page_size + last > INT32_MAX)
      return PAL__FAIL(err, PAL_E_OVERFLOW, "sequence %d: %lld pages exceed INT32_MAX tokens",
                       (int)s, (long long)n);
    PAL__TRY(check_page_ids(t->kv_indices + t->kv_indptr[s], n, pool->num_pages, "kv_indices", s,
                            err));
  }
  return PAL_OK;
}

pal_status pal__check_page_table(const pal_page_table *pages, const pal_kv_pool *pool,
                                 pal_error *err) {
  if (!pages) return PAL__FAIL(err, PAL_E_NULL, "pages is NULL");
  if (pages->num_seqs < 0)
    return PAL__FAIL(err, PAL_E_SHAPE, "num_seqs = %d is negative", (int)pages->num_seqs);
  switch (pages->form) {
    case PAL_PAGES_BLOCK_TABLE: return check_block_table(pages, pool, err);
    case PAL_PAGES_CSR: return check_csr(pages, pool, err);
  }
  return PAL__FAIL(err, PAL_E_ARG, "pages.form = %d is not a pal_page_table_form",
                   (int)pages->form);
}

int64_t pal__seq_len(const pal_page_table *pages, int32_t page_size, int32_t s) {
  if (pages->form == PAL_PAGES_BLOCK_TABLE) return pages->seq_lens[s];
  int64_t n = (int64_t)pages->kv_indptr[s + 1] - pages->kv_indptr[s];
  return n == 0 ? 0 : (n - 1) * page_size + pages->kv_last_page_len[s];
}

const int32_t *pal__seq_pages(const pal_page_table *pages, int32_t s) {
  if (pages->form == PAL_PAGES_BLOCK_TABLE)
    return pages->block_table ? pages->block_table + (int64_t)s * pages->max_pages_per_seq : NULL;
  return pages->kv_indices ? pages->kv_indices + pages->kv_indptr[s] : NULL;
}

pal_status pal__check_paged_attention(const pal_context *ctx, pal_dtype q_dtype,
                                      int32_t num_q_heads, const pal_kv_pool *pool,
                                      const pal_page_table *pages,
                                      const pal_attention_options *options, pal_error *err) {
  if (!ctx) return PAL__FAIL(err, PAL_E_NULL, "ctx is NULL");
  PAL__TRY(pal__check_dtype(q_dtype, "q_dtype", err));
  PAL__TRY(pal__check_options(options, err));
  PAL__TRY(pal__check_pool(pool, err));
  PAL__TRY(pal__check_heads(num_q_heads, pool->num_kv_heads, err));
  PAL__TRY(pal__check_page_table(pages, pool, err));
  return pal__check_option_slopes(options, num_q_heads, err);
}

float pal__softmax_scale(const pal_attention_options *options, int32_t head_dim) {
  return options && options->scale != 0.0f ? options->scale : 1.0f / sqrtf((float)head_dim);
}

/* The page table's arrays as extents (at most 3); returns the count. */
static int page_table_extents(const pal_page_table *t, pal__extent *x) {
  const int64_t n = t->num_seqs;
  if (t->form == PAL_PAGES_BLOCK_TABLE) {
    x[0] = pal__extent_flat("block_table", t->block_table, n * t->max_pages_per_seq,
                            sizeof(int32_t));
    x[1] = pal__extent_flat("seq_lens", t->seq_lens, n, sizeof(int32_t));
    return 2;
  }
  x[0] = pal__extent_flat("kv_indptr", t->kv_indptr, n + 1, sizeof(int32_t));
  x[1] = pal__extent_flat("kv_indices", t->kv_indices, t->kv_indptr[n], sizeof(int32_t));
  x[2] = pal__extent_flat("kv_last_page_len", t->kv_last_page_len, n, sizeof(int32_t));
  return 3;
}

pal_status pal__check_attention_apart(const void *q, void *out, size_t q_elem, int64_t rows,
                                     int32_t head_dim, const pal_attention_options *options,
                                     int32_t num_q_heads, const pal__extent *kv, int num_kv,
                                     pal_error *err) {
  pal__extent outs[2], ins[PAL__MAX_KV_EXTENTS + 2];
  int no = 0, ni = 0;
  outs[no++] = pal__extent_flat("out", out, rows * head_dim, q_elem);
  if (options && options->lse)
    outs[no++] = pal__extent_flat("options.lse", options->lse, rows, sizeof(float));
  ins[ni++] = pal__extent_flat("q", q, rows * head_dim, q_elem);
  for (int i = 0; i < num_kv && i < PAL__MAX_KV_EXTENTS; ++i) ins[ni++] = kv[i];
  if (options && options->alibi_slopes)
    ins[ni++] = pal__extent_flat("options.alibi_slopes", options->alibi_slopes, num_q_heads,
                                 sizeof(float));
  return pal__check_apart(outs, no, ins, ni, err);
}

pal_status pal__check_paged_apart(const void *q, void *out, pal_dtype q_dtype, int64_t rows,
                                  int32_t num_q_heads, const pal_kv_pool *pool,
                                  const pal_page_table *pages, const int32_t *qo_indptr,
                                  const pal_attention_options *options, pal_error *err) {
  pal__extent kv[PAL__MAX_KV_EXTENTS];
  int n = 0;
  kv[n++] = pal__extent_pool("pool.k", pool->k, pool);
  kv[n++] = pal__extent_pool("pool.v", pool->v, pool);
  n += page_table_extents(pages, kv + n);
  if (qo_indptr)
    kv[n++] = pal__extent_flat("qo_indptr", qo_indptr, (int64_t)pages->num_seqs + 1,
                               sizeof(int32_t));
  return pal__check_attention_apart(q, out, pal_dtype_size(q_dtype), rows * num_q_heads,
                                    pool->head_dim, options, num_q_heads, kv, n, err);
}
