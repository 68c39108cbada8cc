/* kv_sets.c - see kv_sets.h. */
#include "kv_sets.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "workload_data.h"

int32_t bench_kv_pages_per_seq(int paged, int64_t ctx_len, int32_t page_size) {
  return paged ? (int32_t)((ctx_len + page_size - 1) / page_size) : 0;
}

int bench_kv_sets_alloc(bench_kv_sets *s, int nhd, char *why, size_t why_size) {
  const int64_t es = (int64_t)pal_dtype_size(s->dtype);
  s->pages_per_seq = bench_kv_pages_per_seq(s->paged, s->ctx_len, s->page_size);
  int64_t elems;
  if (s->paged) {
    const int64_t pages = (int64_t)s->rotations * s->batch * s->pages_per_seq;
    elems = pages * s->page_size * s->hkv * s->d;
    s->k = bench_alloc(elems * es);
    s->v = bench_alloc(elems * es);
    s->block_tables = malloc((size_t)(pages > 0 ? pages : 1) * sizeof(int32_t));
    s->seq_lens = malloc((size_t)s->batch * sizeof(int32_t));
    if (!s->k || !s->v || !s->block_tables || !s->seq_lens)
      return snprintf(why, why_size, "allocating %.1f GiB of K/V pages (%lld pages) failed",
                      2.0 * (double)elems * (double)es / 1073741824.0, (long long)pages), -1;
    s->pool = (nhd ? pal_kv_pool_nhd : pal_kv_pool_hnd)(s->k, s->v, s->dtype, pages, s->page_size,
                                                       s->hkv, s->d);
    bench_shuffled_ids(s->block_tables, pages, 7);
    for (int32_t b = 0; b < s->batch; ++b) s->seq_lens[b] = (int32_t)s->ctx_len;
  } else {
    s->elems_per_rot = (int64_t)s->batch * s->hkv * s->ctx_len * s->d;
    elems = s->elems_per_rot * s->rotations;
    s->k = bench_alloc(elems * es);
    s->v = bench_alloc(elems * es);
    if (!s->k || !s->v)
      return snprintf(why, why_size, "allocating %.1f GiB of dense K/V failed",
                      2.0 * (double)elems * (double)es / 1073741824.0), -1;
  }
  bench_fill_random(s->k, s->dtype, elems, 2);
  bench_fill_random(s->v, s->dtype, elems, 3);
  return 0;
}

void bench_kv_sets_free(bench_kv_sets *s) {
  free(s->k), free(s->v), free(s->block_tables), free(s->seq_lens);
  s->k = s->v = NULL;
  s->block_tables = s->seq_lens = NULL;
}

pal_page_table bench_kv_sets_table(const bench_kv_sets *s, int rotation) {
  const int64_t per_rot = (int64_t)s->batch * s->pages_per_seq;
  return pal_page_table_block(s->batch, s->block_tables + rotation * per_rot, s->pages_per_seq,
                              s->seq_lens);
}

const void *bench_kv_sets_k(const bench_kv_sets *s, int rotation) {
  return (const char *)s->k + (size_t)(rotation * s->elems_per_rot) * pal_dtype_size(s->dtype);
}

const void *bench_kv_sets_v(const bench_kv_sets *s, int rotation) {
  return (const char *)s->v + (size_t)(rotation * s->elems_per_rot) * pal_dtype_size(s->dtype);
}

int64_t bench_memory_budget(void) {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? (int64_t)pages * size * 6 / 10 : (8ll << 30);
}
