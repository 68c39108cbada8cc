/* workload_prefill.c - one prefill call per run: paged (pal_prefill over a
 * shuffled page table) or dense (pal_sdpa, causal) on identical shapes.
 *
 * Axes: batch sequences, each with `history` cached tokens and `seq_len` new
 * query tokens (context = history + seq_len); heads, head_dim, page_size,
 * layout, dtype (Q, K/V and output alike). With a `chunk` axis (the model
 * families) seq_len is the whole context instead and its last `chunk` tokens
 * are the queries: the final chunk of a chunked prefill. FLOPs are counted causally
 * (docs/BENCHMARKS.md): query i of a sequence sees history + i + 1 keys,
 *   flops = 4 * D * Hq * sum_i (history + i + 1)
 *         = 4 * D * Hq * (seq_len * history + seq_len * (seq_len + 1) / 2)
 * per sequence (2 FLOPs per multiply-add, Q.K and P.V). Cold mode rotates
 * through working sets as the decode workloads do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "kv_sets.h"
#include "workload_cost.h"
#include "workload_data.h"

typedef struct prefill_state {
  const pal_context *ctx;
  int paged;
  pal_dtype dtype;
  int32_t batch, q_len, history, hq, hkv, d, page_size;
  pal_attention_options opts;
  void *q, *out;
  int32_t *qo_indptr; /* paged */
  bench_kv_sets kv;
} prefill_state;

static void prefill_teardown(void *p) {
  prefill_state *s = p;
  if (!s) return;
  free(s->q), free(s->out), free(s->qo_indptr);
  bench_kv_sets_free(&s->kv);
  free(s);
}

/* Cost per call (docs/BENCHMARKS.md) and rotations of the parsed shape. */
static void prefill_cost_of(const prefill_state *s, int paged, const bench_env *env,
                            bench_cost *cost, int *rotations) {
  const int64_t ctx_len = (int64_t)s->history + s->q_len;
  const double es = (double)pal_dtype_size(s->dtype);
  const int32_t pages_per_seq = bench_kv_pages_per_seq(paged, ctx_len, s->page_size);
  const double kv_bytes = (double)s->batch * (double)ctx_len * s->hkv * s->d * 2 * es;
  const double qo_bytes = (double)s->batch * s->q_len * s->hq * s->d * 2 * es;
  memset(cost, 0, sizeof *cost);
  cost->bytes = kv_bytes + qo_bytes + (paged ? (double)s->batch * (pages_per_seq + 2) * 4 : 0);
  cost->flops = 4.0 * s->d * s->hq * s->batch *
                ((double)s->q_len * s->history + (double)s->q_len * (s->q_len + 1) / 2.0);
  cost->items = (double)s->batch * s->q_len; /* query tokens */
  cost->flop_dtype = 1 + (int)s->dtype;
  *rotations = bench_rotations(env, cost->bytes);
}

/* The instance's shape into s (no allocation); 0, or -1 when invalid. */
static int prefill_parse(const bench_instance *in, prefill_state *s) {
  s->dtype = bench_get_dtype(in);
  s->batch = (int32_t)bench_get_int(in, "batch", 1);
  s->q_len = (int32_t)bench_get_int(in, "seq_len", 1024);
  s->history = (int32_t)bench_get_int(in, "history", 0);
  if (bench_get(in, "chunk")) {
    /* model rows: seq_len is the context, its last `chunk` tokens the queries */
    const int64_t ctx = s->q_len, chunk = bench_get_int(in, "chunk", 512);
    s->q_len = (int32_t)(chunk < ctx ? chunk : ctx);
    s->history = (int32_t)(ctx - s->q_len);
  }
  s->hq = (int32_t)bench_get_int(in, "num_q_heads", 32);
  s->hkv = (int32_t)bench_get_int(in, "num_kv_heads", 8);
  s->d = (int32_t)bench_get_int(in, "head_dim", 128);
  s->page_size = (int32_t)bench_get_int(in, "page_size", 16);
  if (s->dtype == PAL_DTYPE_COUNT || s->batch < 1 || s->q_len < 1 || s->history < 0 ||
      s->hkv < 1 || s->hq < 1 || s->page_size < 1 || (int64_t)s->q_len + s->history > INT32_MAX)
    return -1;
  return 0;
}

int bench_prefill_cost(const bench_instance *in, const bench_env *env, int paged, bench_cost *cost,
                       int *rotations) {
  prefill_state s;
  memset(&s, 0, sizeof s);
  if (prefill_parse(in, &s) != 0) return -1;
  prefill_cost_of(&s, paged, env, cost, rotations);
  return 0;
}

/* What prefill_parse accepts, each axis checked by name (chunk: the model
 * families only; its fallback passes). */
static const bench_int_check prefill_checks[] = {
    {"batch", 1, 1, INT32_MAX},        {"seq_len", 1024, 1, INT32_MAX},
    {"history", 0, 0, INT32_MAX},      {"chunk", 512, 1, INT32_MAX},
    {"num_q_heads", 32, 1, INT32_MAX}, {"num_kv_heads", 8, 1, INT32_MAX},
    {"head_dim", 128, 1, INT32_MAX},   {"page_size", 16, 1, INT32_MAX},
    {NULL, 0, 0, 0}};

/* Fills s (zeroed); on failure what it allocated stays in s for teardown. */
static int prefill_fill(const bench_instance *in, const bench_env *env, int paged, void *state,
                        bench_cost *cost, int *rotations, char *why, size_t why_size) {
  prefill_state *s = state;
  if (bench_check_ints(in, prefill_checks, why, why_size)) return -1;
  s->ctx = env->ctx;
  s->paged = paged;
  if (prefill_parse(in, s) != 0)
    return snprintf(why, why_size, "invalid axis values"), bench_setup_failed(in, why, why_size);
  const int64_t ctx_len = (int64_t)s->history + s->q_len;
  const double es = (double)pal_dtype_size(s->dtype);
  const double kv_bytes = (double)s->batch * (double)ctx_len * s->hkv * s->d * 2 * es;
  const double qo_bytes = (double)s->batch * s->q_len * s->hq * s->d * 2 * es;
  prefill_cost_of(s, paged, env, cost, rotations);
  const int rot = *rotations;
  if (2 * (kv_bytes + qo_bytes) * rot > (double)bench_memory_budget())
    return snprintf(why, why_size, "working set %.1f GiB x %d exceeds the memory budget",
                    (kv_bytes + qo_bytes) / 1073741824.0, rot), bench_setup_failed(in, why, why_size);

  const int64_t qo = (int64_t)s->batch * s->q_len * s->hq * s->d;
  s->q = bench_alloc(qo * (int64_t)es);
  s->out = bench_alloc(qo * (int64_t)es);
  if (!s->q || !s->out)
    return snprintf(why, why_size, "allocating 2 x %.1f MiB of queries and outputs failed",
                    (double)qo * es / 1048576.0), bench_setup_failed(in, why, why_size);
  bench_fill_random(s->q, s->dtype, qo, 1);

  if (paged) {
    s->qo_indptr = malloc((size_t)(s->batch + 1) * sizeof(int32_t));
    if (!s->qo_indptr)
      return snprintf(why, why_size, "out of memory"), bench_setup_failed(in, why, why_size);
    s->qo_indptr[0] = 0;
    for (int32_t b = 0; b < s->batch; ++b) s->qo_indptr[b + 1] = s->qo_indptr[b] + s->q_len;
  }
  const char *layout = bench_get(in, "layout");
  s->kv = (bench_kv_sets){.paged = paged, .dtype = s->dtype, .batch = s->batch, .hkv = s->hkv,
                          .d = s->d, .page_size = s->page_size, .ctx_len = ctx_len,
                          .rotations = rot};
  if (bench_kv_sets_alloc(&s->kv, layout && layout[0] == 'n', why, why_size) != 0)
    return bench_setup_failed(in, why, why_size);
  return 0;
}

static int prefill_paged_setup(const bench_instance *in, const bench_env *env, void **state,
                               bench_cost *cost, int *rotations, char *why, size_t why_size) {
  return bench_setup_state(sizeof(prefill_state), prefill_fill, prefill_teardown, 1, in, env, state, cost, rotations, why,
                           why_size);
}

static int prefill_dense_setup(const bench_instance *in, const bench_env *env, void **state,
                               bench_cost *cost, int *rotations, char *why, size_t why_size) {
  return bench_setup_state(sizeof(prefill_state), prefill_fill, prefill_teardown, 0, in, env, state, cost, rotations, why,
                           why_size);
}

static int prefill_run(void *p, int rotation, char *why, size_t why_size) {
  prefill_state *s = p;
  pal_error err;
  pal_status st;
  if (s->paged) {
    pal_page_table pt = bench_kv_sets_table(&s->kv, rotation);
    st = pal_prefill(s->ctx, s->q, s->out, s->dtype, s->hq, s->qo_indptr, &s->kv.pool, &pt,
                     &s->opts, &err);
  } else {
    pal_sdpa_shape shape = {s->batch, s->hq, s->hkv, s->q_len, s->history + s->q_len, s->d, 1};
    st = pal_sdpa(s->ctx, s->q, bench_kv_sets_k(&s->kv, rotation), bench_kv_sets_v(&s->kv, rotation),
                  s->out, s->dtype, &shape, &s->opts, &err);
  }
  if (st != PAL_OK) return snprintf(why, why_size, "%s: %s", pal_status_name(st), err.message), -1;
  return 0;
}

const bench_op bench_op_prefill_paged = {"prefill", prefill_paged_setup, prefill_run,
                                         prefill_teardown};
const bench_op bench_op_prefill_dense = {"prefill", prefill_dense_setup, prefill_run,
                                         prefill_teardown};
