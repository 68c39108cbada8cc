/* fill_kv_pages.c - pal_fill_kv_pages: scatter new K/V rows into the page
 * pools through slot_mapping (vLLM's reshape_and_cache). Every slot is checked
 * before the first write, so a bad mapping leaves the pools untouched. */
#ifdef _OPENMP
#include "baseline_only.h"

#include <omp.h>
#endif

#include "context.h"
#include "error.h"
#include "overlap.h"
#include "validate.h"

/* The pools are this call's outputs: each must keep every (page, head,
 * token) row in memory of its own (two slots sharing memory would make
 * "the later token wins" depend on threads), K and V must not share an
 * element (vLLM's combined cache interleaves them page by page, which is
 * fine), and neither may overlap k_new, v_new or slot_mapping. */
static pal_status check_apart(const void *k_new, const void *v_new, pal_dtype src_dtype,
                              int64_t num_tokens, const int64_t *slot_mapping,
                              const pal_kv_pool *pool, pal_error *err) {
  const pal__extent outs[2] = {pal__extent_pool("pool.k", pool->k, pool),
                               pal__extent_pool("pool.v", pool->v, pool)};
  if (!pal__extent_distinct(&outs[0]))
    return PAL__FAIL(err, PAL_E_LAYOUT,
                     "pool strides (stride_page = %lld, stride_head = %lld, stride_token = %lld) "
                     "do not keep every (page, head, token) row in memory of its own, which "
                     "writing needs",
                     (long long)pool->stride_page, (long long)pool->stride_head,
                     (long long)pool->stride_token);
  const int64_t n = num_tokens * pool->num_kv_heads * pool->head_dim;
  const size_t es = pal_dtype_size(src_dtype);
  const pal__extent ins[3] = {pal__extent_flat("k_new", k_new, n, es),
                              pal__extent_flat("v_new", v_new, n, es),
                              pal__extent_flat("slot_mapping", slot_mapping, num_tokens,
                                               sizeof(int64_t))};
  return pal__check_apart(outs, 2, ins, 3, err);
}

pal_status pal_fill_kv_pages(const pal_context *ctx, const void *k_new, const void *v_new,
                             pal_dtype src_dtype, int64_t num_tokens,
                             const int64_t *slot_mapping, const pal_kv_pool *pool,
                             pal_error *err) {
  if (!ctx) return PAL__FAIL(err, PAL_E_NULL, "ctx is NULL");
  PAL__TRY(pal__check_dtype(src_dtype, "src_dtype", err));
  PAL__TRY(pal__check_pool(pool, err));
  if (num_tokens < 0)
    return PAL__FAIL(err, PAL_E_SHAPE, "num_tokens = %lld is negative", (long long)num_tokens);
  PAL__TRY(pal__check_tensor_bytes("k_new", num_tokens, pool->num_kv_heads, pool->head_dim, 1,
                                   pal_dtype_size(src_dtype), err));
  if (num_tokens == 0) return PAL_OK;
  if (!k_new || !v_new) return PAL__FAIL(err, PAL_E_NULL, "%s is NULL", k_new ? "v_new" : "k_new");
  if (!slot_mapping) return PAL__FAIL(err, PAL_E_NULL, "slot_mapping is NULL");
  PAL__TRY(check_apart(k_new, v_new, src_dtype, num_tokens, slot_mapping, pool, err));
  const int64_t num_slots = pool->num_pages * pool->page_size;
  for (int64_t i = 0; i < num_tokens; ++i)
    if (slot_mapping[i] < -1 || slot_mapping[i] >= num_slots)
      return PAL__FAIL(err, PAL_E_SLOT, "slot_mapping[%lld] = %lld, outside [-1, %lld)",
                       (long long)i, (long long)slot_mapping[i], (long long)num_slots);

  const int32_t hkv = pool->num_kv_heads, d = pool->head_dim;
  const size_t ses = pal_dtype_size(src_dtype), des = pal_dtype_size(pool->dtype);
  const int64_t row_elems = (int64_t)hkv * d;
  /* Thread t writes only pages with page % threads == t, scanning tokens in
   * order: writes run in parallel, yet two tokens naming one slot are always
   * handled by the same thread in index order, so the later one wins. */
  const int nt = pal__resolve_threads(ctx, NULL);
#pragma omp parallel num_threads(nt) if (num_tokens * row_elems >= 65536)
  {
#ifdef _OPENMP
    const int tid = omp_get_thread_num(), nthreads = omp_get_num_threads();
#else
    const int tid = 0, nthreads = 1;
#endif
    for (int64_t i = 0; i < num_tokens; ++i) {
      int64_t slot = slot_mapping[i];
      if (slot < 0) continue;
      int64_t page = slot / pool->page_size, off = slot % pool->page_size;
      if (page % nthreads != tid) continue;
      int64_t base = page * pool->stride_page + off * pool->stride_token;
      for (int32_t h = 0; h < hkv; ++h) {
        size_t src = (size_t)(i * row_elems + (int64_t)h * d) * ses;
        size_t dst = (size_t)(base + h * pool->stride_head) * des;
        pal__row_convert(src_dtype, (const char *)k_new + src, pool->dtype, (char *)pool->k + dst, d);
        pal__row_convert(src_dtype, (const char *)v_new + src, pool->dtype, (char *)pool->v + dst, d);
      }
    }
  }
  return PAL_OK;
}
