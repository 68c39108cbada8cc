/* workload_decode.c - one decode call per run: paged (pal_decode over a
 * shuffled page table) or dense (pal_sdpa with q_len 1) on identical shapes.
 *
 * Cold mode keeps R independent working sets and call i uses set i % R, with
 * R chosen so the sets together exceed the last-level cache: every call then
 * streams its K/V from DRAM, as a serving engine's decode step does. Paged
 * sets are disjoint, randomly ordered page subsets of one pool, so pages of
 * a sequence are never adjacent in memory.
 */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "kv_sets.h"
#include "workload_cost.h"
#include "workload_data.h"

typedef struct decode_state {
  const pal_context *ctx;
  int paged;
  pal_dtype dtype;
  int32_t batch, seq_len, hq, hkv, d, page_size;
  pal_attention_options opts;
  void *q, *out;
  bench_kv_sets kv;
} decode_state;

static void decode_teardown(void *p) {
  decode_state *s = p;
  if (!s) return;
  free(s->q), free(s->out);
  bench_kv_sets_free(&s->kv);
  free(s);
}

int bench_decode_cost(const bench_instance *in, const bench_env *env, int paged, bench_cost *cost,
                      int *rotations) {
  const pal_dtype dtype = bench_get_dtype(in);
  const int64_t batch = bench_get_int(in, "batch", 1), seq_len = bench_get_int(in, "seq_len", 1024);
  const int64_t hq = bench_get_int(in, "num_q_heads", 32), hkv = bench_get_int(in, "num_kv_heads", 8);
  const int64_t d = bench_get_int(in, "head_dim", 128), page_size = bench_get_int(in, "page_size", 16);
  if (dtype == PAL_DTYPE_COUNT || batch < 1 || seq_len < 0 || hkv < 1 || hq < 1 || page_size < 1 ||
      batch > INT32_MAX || seq_len > INT32_MAX || hq > INT32_MAX || hkv > INT32_MAX ||
      d > INT32_MAX || page_size > INT32_MAX)
    return -1;
  memset(cost, 0, sizeof *cost);
  const double es = (double)pal_dtype_size(dtype);
  const int32_t pages_per_seq = bench_kv_pages_per_seq(paged, seq_len, (int32_t)page_size);
  const double kv_bytes = (double)batch * seq_len * hkv * d * 2 * es;
  cost->bytes = kv_bytes + (double)batch * hq * d * 2 * es +
                (paged ? (double)batch * (pages_per_seq + 1) * 4 : 0);
  cost->flops = 4.0 * batch * seq_len * hq * d;
  cost->items = (double)batch;
  *rotations = bench_rotations(env, cost->bytes);
  return 0;
}

/* What bench_decode_cost accepts, each axis checked by name. */
static const bench_int_check decode_checks[] = {
    {"batch", 1, 1, INT32_MAX},        {"seq_len", 1024, 0, INT32_MAX},
    {"num_q_heads", 32, 1, INT32_MAX}, {"num_kv_heads", 8, 1, INT32_MAX},
    {"head_dim", 128, 1, INT32_MAX},   {"page_size", 16, 1, INT32_MAX},
    {NULL, 0, 0, 0}};

/* Fills s (zeroed); on failure what it allocated stays in s for teardown. */
static int decode_fill(const bench_instance *in, const bench_env *env, int paged, void *state,
                       bench_cost *cost, int *rotations, char *why, size_t why_size) {
  decode_state *s = state;
  if (bench_check_ints(in, decode_checks, why, why_size)) return -1;
  s->ctx = env->ctx;
  s->paged = paged;
  s->dtype = bench_get_dtype(in);
  s->batch = (int32_t)bench_get_int(in, "batch", 1);
  s->seq_len = (int32_t)bench_get_int(in, "seq_len", 1024);
  s->hq = (int32_t)bench_get_int(in, "num_q_heads", 32);
  s->hkv = (int32_t)bench_get_int(in, "num_kv_heads", 8);
  s->d = (int32_t)bench_get_int(in, "head_dim", 128);
  s->page_size = (int32_t)bench_get_int(in, "page_size", 16);
  if (bench_decode_cost(in, env, paged, cost, rotations) != 0)
    return snprintf(why, why_size, "invalid axis values"), bench_setup_failed(in, why, why_size);
  const double es = (double)pal_dtype_size(s->dtype);
  const double kv_bytes = (double)s->batch * s->seq_len * s->hkv * s->d * 2 * es;
  const int rot = *rotations;
  if (2 * kv_bytes * rot > (double)bench_memory_budget() || kv_bytes * rot > 4.0e18)
    return snprintf(why, why_size, "working set %.1f GiB x %d exceeds the memory budget",
                    kv_bytes / 1073741824.0, rot), bench_setup_failed(in, why, why_size);

  int64_t qo = (int64_t)s->batch * s->hq * s->d;
  s->q = bench_alloc(qo * (int64_t)es);
  s->out = bench_alloc(qo * (int64_t)es);
  if (!s->q || !s->out)
    return snprintf(why, why_size, "allocating 2 x %.1f MiB of queries and outputs failed",
                    (double)qo * es / 1048576.0), bench_setup_failed(in, why, why_size);
  bench_fill_random(s->q, s->dtype, qo, 1);

  const char *layout = bench_get(in, "layout");
  s->kv = (bench_kv_sets){.paged = paged, .dtype = s->dtype, .batch = s->batch, .hkv = s->hkv,
                          .d = s->d, .page_size = s->page_size, .ctx_len = s->seq_len,
                          .rotations = rot};
  if (bench_kv_sets_alloc(&s->kv, layout && layout[0] == 'n', why, why_size) != 0)
    return bench_setup_failed(in, why, why_size);
  return 0;
}

static int decode_paged_setup(const bench_instance *in, const bench_env *env, void **state,
                              bench_cost *cost, int *rotations, char *why, size_t why_size) {
  return bench_setup_state(sizeof(decode_state), decode_fill, decode_teardown, 1, in, env, state, cost, rotations, why,
                           why_size);
}

static int decode_dense_setup(const bench_instance *in, const bench_env *env, void **state,
                              bench_cost *cost, int *rotations, char *why, size_t why_size) {
  return bench_setup_state(sizeof(decode_state), decode_fill, decode_teardown, 0, in, env, state, cost, rotations, why,
                           why_size);
}

static int decode_run(void *p, int rotation, char *why, size_t why_size) {
  decode_state *s = p;
  pal_error err;
  pal_status st;
  if (s->paged) {
    pal_page_table pt = bench_kv_sets_table(&s->kv, rotation);
    st = pal_decode(s->ctx, s->q, s->out, s->dtype, s->hq, &s->kv.pool, &pt, &s->opts, &err);
  } else {
    pal_sdpa_shape shape = {s->batch, s->hq, s->hkv, 1, s->seq_len, s->d, 0};
    st = pal_sdpa(s->ctx, s->q, bench_kv_sets_k(&s->kv, rotation), bench_kv_sets_v(&s->kv, rotation),
                  s->out, s->dtype, &shape, &s->opts, &err);
  }
  if (st != PAL_OK) return snprintf(why, why_size, "%s: %s", pal_status_name(st), err.message), -1;
  return 0;
}

const bench_op bench_op_decode_paged = {"decode", decode_paged_setup, decode_run, decode_teardown};
const bench_op bench_op_decode_dense = {"decode", decode_dense_setup, decode_run, decode_teardown};
