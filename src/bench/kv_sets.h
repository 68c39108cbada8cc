/* kv_sets.h - the K/V working sets of the attention workloads (decode,
 * prefill): R rotations of either disjoint, shuffled page subsets of one
 * pool (paged) or contiguous [batch, heads, len, D] tensors (dense), filled
 * with random values. Owner of everything it allocates. */
#ifndef PAL_BENCH_KV_SETS_H
#define PAL_BENCH_KV_SETS_H

#include <stddef.h>
#include <stdint.h>

#include "pal/pal.h"

typedef struct bench_kv_sets {
  int paged;
  pal_dtype dtype;
  int32_t batch, hkv, d, page_size, pages_per_seq;
  int64_t ctx_len;
  int rotations;
  void *k, *v;
  int64_t elems_per_rot; /* dense: K elements of one rotation */
  pal_kv_pool pool;      /* paged */
  int32_t *block_tables; /* paged: [rotations][batch][pages_per_seq] */
  int32_t *seq_lens;     /* paged: [batch], all ctx_len */
} bench_kv_sets;

/* Pages per sequence (paged) or 0. */
int32_t bench_kv_pages_per_seq(int paged, int64_t ctx_len, int32_t page_size);

/* Allocates and fills the sets (s's shape fields set by the caller: paged,
 * dtype, batch, hkv, d, page_size, ctx_len, rotations); `nhd` picks the pool
 * layout. 0, or -1 with why[] set (what could not be allocated; the caller
 * names the instance). Whatever it allocated is s's: free it with
 * bench_kv_sets_free either way. */
int bench_kv_sets_alloc(bench_kv_sets *s, int nhd, char *why, size_t why_size);
void bench_kv_sets_free(bench_kv_sets *s);

/* Rotation r's page table (paged). */
pal_page_table bench_kv_sets_table(const bench_kv_sets *s, int rotation);
/* Rotation r's K / V base (dense). */
const void *bench_kv_sets_k(const bench_kv_sets *s, int rotation);
const void *bench_kv_sets_v(const bench_kv_sets *s, int rotation);

/* 60 % of physical memory: the cap on 2 x (working sets) an instance may use. */
int64_t bench_memory_budget(void);

#endif
