/* workload_fill.c - one pal_fill_kv_pages call per run: `tokens` new K/V rows
 * scattered to random distinct slots of a pool. Cold mode rotates through
 * source buffers and slot sets whose total exceeds the last-level cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "workload_cost.h"
#include "workload_data.h"

typedef struct fill_state {
  const pal_context *ctx;
  pal_dtype dtype;
  int64_t tokens, row_elems;
  void *k_new, *v_new, *k, *v;
  int64_t *slots; /* [rotations][tokens] */
  pal_kv_pool pool;
} fill_state;

static void fill_teardown(void *p) {
  fill_state *s = p;
  if (!s) return;
  free(s->k_new), free(s->v_new), free(s->k), free(s->v), free(s->slots);
  free(s);
}

int bench_fill_cost(const bench_instance *in, const bench_env *env, bench_cost *cost,
                    int *rotations) {
  const pal_dtype dtype = bench_get_dtype(in);
  const int64_t tokens = bench_get_int(in, "tokens", 16), page = bench_get_int(in, "page_size", 16);
  const int64_t hkv = bench_get_int(in, "num_kv_heads", 8), d = bench_get_int(in, "head_dim", 128);
  if (dtype == PAL_DTYPE_COUNT || tokens < 1 || page < 1 || hkv < 1 || d < 1) return -1;
  const double es = (double)pal_dtype_size(dtype);
  memset(cost, 0, sizeof *cost);
  /* read K and V rows once, write them once, read the slot mapping */
  cost->bytes = 2.0 * 2.0 * (double)tokens * (double)(hkv * d) * es + 8.0 * (double)tokens;
  cost->items = (double)tokens;
  *rotations = bench_rotations(env, cost->bytes);
  return 0;
}

/* Fills s (zeroed); on failure what it allocated stays in s for teardown. */
static int fill_fill(const bench_instance *in, const bench_env *env, int variant, void *state,
                     bench_cost *cost, int *rotations, char *why, size_t why_size) {
  fill_state *s = state;
  (void)variant;
  static const bench_int_check checks[] = {
      {"tokens", 16, 1, INT32_MAX},      {"page_size", 16, 1, INT32_MAX},
      {"num_kv_heads", 8, 1, INT32_MAX}, {"head_dim", 128, 1, INT32_MAX},
      {NULL, 0, 0, 0}};
  if (bench_check_ints(in, checks, why, why_size)) return -1;
  s->ctx = env->ctx;
  s->dtype = bench_get_dtype(in);
  s->tokens = bench_get_int(in, "tokens", 16);
  int32_t page = (int32_t)bench_get_int(in, "page_size", 16);
  int32_t hkv = (int32_t)bench_get_int(in, "num_kv_heads", 8);
  int32_t d = (int32_t)bench_get_int(in, "head_dim", 128);
  if (s->dtype == PAL_DTYPE_COUNT || s->tokens < 1 || page < 1 || hkv < 1 || d < 1)
    return snprintf(why, why_size, "invalid axis values"), bench_setup_failed(in, why, why_size);
  double es = (double)pal_dtype_size(s->dtype);
  s->row_elems = (int64_t)hkv * d;
  if (bench_fill_cost(in, env, cost, rotations) != 0)
    return snprintf(why, why_size, "invalid axis values"), bench_setup_failed(in, why, why_size);
  int r = *rotations;
  int64_t slots_total = (int64_t)r * s->tokens;
  int64_t pages = (slots_total + page - 1) / page;
  s->k_new = bench_alloc((int64_t)r * s->tokens * s->row_elems * (int64_t)es);
  s->v_new = bench_alloc((int64_t)r * s->tokens * s->row_elems * (int64_t)es);
  s->k = bench_alloc(pages * page * s->row_elems * (int64_t)es);
  s->v = bench_alloc(pages * page * s->row_elems * (int64_t)es);
  s->slots = malloc((size_t)slots_total * sizeof(int64_t));
  int32_t *perm = malloc((size_t)(pages * page) * sizeof(int32_t));
  if (!s->k_new || !s->v_new || !s->k || !s->v || !s->slots || !perm) {
    free(perm);
    return snprintf(why, why_size, "allocating %.1f GiB of new rows and %lld pages failed",
                    2.0 * (double)r * (double)s->tokens * (double)s->row_elems * es / 1073741824.0,
                    (long long)pages), bench_setup_failed(in, why, why_size);
  }
  const char *layout = bench_get(in, "layout");
  s->pool = (layout && layout[0] == 'n' ? pal_kv_pool_nhd : pal_kv_pool_hnd)(
      s->k, s->v, s->dtype, pages, page, hkv, d);
  bench_fill_random(s->k_new, s->dtype, (int64_t)r * s->tokens * s->row_elems, 4);
  bench_fill_random(s->v_new, s->dtype, (int64_t)r * s->tokens * s->row_elems, 5);
  bench_fill_random(s->k, s->dtype, pages * page * s->row_elems, 6); /* fault pages in */
  bench_fill_random(s->v, s->dtype, pages * page * s->row_elems, 7);
  bench_shuffled_ids(perm, pages * page, 11);
  for (int64_t i = 0; i < slots_total; ++i) s->slots[i] = perm[i];
  free(perm);
  return 0;
}

static int fill_setup(const bench_instance *in, const bench_env *env, void **state,
                      bench_cost *cost, int *rotations, char *why, size_t why_size) {
  return bench_setup_state(sizeof(fill_state), fill_fill, fill_teardown, 0, in, env, state, cost,
                           rotations, why, why_size);
}

static int fill_run(void *p, int rotation, char *why, size_t why_size) {
  fill_state *s = p;
  size_t es = pal_dtype_size(s->dtype);
  size_t off = (size_t)(rotation * s->tokens * s->row_elems) * es;
  pal_error err;
  pal_status st = pal_fill_kv_pages(s->ctx, (char *)s->k_new + off, (char *)s->v_new + off,
                                    s->dtype, s->tokens, s->slots + rotation * s->tokens,
                                    &s->pool, &err);
  if (st != PAL_OK) return snprintf(why, why_size, "%s: %s", pal_status_name(st), err.message), -1;
  return 0;
}

const bench_op bench_op_fill_kv_pages = {"fill_kv_pages", fill_setup, fill_run, fill_teardown};
