/* attention_engine.c - split-KV planning, threading, log-sum-exp merge and
 * output conversion for the CPU attention kernels. No intrinsics here: the
 * per-ISA work is the dispatch table's attend micro-kernel.
 *
 * NOTES
 *  1. Determinism: the chunk plan depends only on the task lengths and the
 *     thread count, every chunk is computed by one thread from its own state,
 *     and chunks are merged in index order. Which thread runs a chunk does not
 *     change a bit of the result.
 *  2. Only rows of tokens [0, len) of a task are handed to the micro-kernel,
 *     so slots past the end of the last page (possibly NaN) never enter the result.
 *  3. A task with len == 0 writes a zero row and lse = -inf: no 0/0. A row
 *     with tokens but l == 0 (every score -inf) or l NaN (a NaN or +inf
 *     score) writes NaN and lse NaN, never the empty row: bad input must
 *     show (pal__empty_row). Rows start from m = PAL__M_START, not -inf, so
 *     that a first block of -inf or NaN scores still goes through the
 *     arithmetic (exp(-inf - -inf) would poison a row that later blocks make
 *     finite, and a NaN must reach l).
 *  4. Chunk boundaries are multiples of the page size (and blocks start at
 *     chunk starts), so with page sizes that are multiples of 16 every aligned
 *     16-row group of a block lies in one page: kernels that load 16-row tiles
 *     with one stride (AMX) find them uniformly strided.
 */
#include "../baseline_only.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "../alloc.h"
#include "../error.h"
#include "attention_engine.h"
#include "lse_merge.h"
#include "nonfinite.h"
#include "page_walk.h"
#include "round.h"
#include "row_out.h"
#include "split_plan.h"

/* A chunk: tokens [t0, t1) of the head group starting at task `task`. */
typedef struct chunk {
  int64_t task;
  int64_t t0, t1;
  int64_t partial; /* index of this chunk's partial records, or -1: write the output */
} chunk;

/* A head group cut into several chunks; its heads are merged one by one. */
typedef struct split_group {
  int64_t task;
  int64_t first_partial;
  int64_t num_chunks;
} split_group;

/* The caller guarantees 1 <= group_heads <= PAL__MAX_GROUP_HEADS dividing
 * the task count (decode.c); anything else runs tasks alone, which gives the
 * same results. */
static int32_t group_of(const pal__attn_problem *p) {
  return p->group_heads > 1 && p->group_heads <= PAL__MAX_GROUP_HEADS ? p->group_heads : 1;
}

/* Chunk boundaries fall on multiples of this: whole pages, or whole blocks
 * of a dense task. */
static int64_t split_unit(const pal__attn_problem *p) {
  return p->page_size > 0 ? p->page_size : PAL__BLOCK_TOKENS;
}

/* The longest chunk the planner wants: work (tokens x heads) balanced across
 * threads, PAL__SPLIT_CHUNKS_PER_THREAD each. */
static int64_t plan_chunk_tokens(const pal__attn_problem *p, const pal__attn_task *tasks,
                                 int64_t num_tasks) {
  if (p->num_threads <= 1) return INT64_MAX;
  const int32_t gh = group_of(p);
  int64_t total = 0;
  for (int64_t i = 0; i < num_tasks; i += gh) total += tasks[i].len;
  return pal__split_target(total, (int64_t)p->num_threads * PAL__SPLIT_CHUNKS_PER_THREAD,
                           PAL__SPLIT_MIN_TOKENS);
}

/* One head's working state inside a thread's scratch, each piece 64-byte aligned. */
typedef struct head_state {
  float *q, *m, *l, *acc, *attend;
} head_state;

/* Per-thread working set: a state per head of a group (each head keeps its
 * own micro-kernel scratch, so a kernel's per-task caches survive the
 * interleaving) and the row-pointer arrays. */
typedef struct thread_scratch {
  head_state head[PAL__MAX_GROUP_HEADS];
  const char **rows; /* 8 x PAL__BLOCK_TOKENS: see attend_group */
} thread_scratch;

static int64_t head_floats(const pal__attn_problem *p) {
  int64_t gd = (int64_t)p->g * p->d;
  return 2 * pal__align16(gd) + 2 * pal__align16(p->g) +
         pal__align16(pal__attend_scratch_floats(p->g, p->d));
}

static int64_t scratch_floats(const pal__attn_problem *p) {
  int64_t row_ptrs =
      pal__align16(8 * PAL__BLOCK_TOKENS * (int64_t)(sizeof(char *) / sizeof(float)));
  return group_of(p) * head_floats(p) + row_ptrs;
}

static thread_scratch scratch_at(const pal__attn_problem *p, float *base) {
  int64_t gd = (int64_t)p->g * p->d;
  thread_scratch s;
  for (int32_t h = 0; h < group_of(p); ++h) {
    head_state *hs = &s.head[h];
    hs->q = base;
    hs->acc = hs->q + pal__align16(gd);
    hs->m = hs->acc + pal__align16(gd);
    hs->l = hs->m + pal__align16(p->g);
    hs->attend = hs->l + pal__align16(p->g);
    base += head_floats(p);
  }
  s.rows = (const char **)(void *)base;
  return s;
}

static void load_q(const pal__attn_problem *p, const pal__attn_task *t, float *q) {
  size_t es = pal_dtype_size(p->q_dtype);
  /* Locals, not p->..., in the loops: a float store may alias *p, which
   * would keep the loops scalar. */
  const float scale = p->scale;
  const int32_t d = p->d;
  for (int32_t r = 0; r < p->g; ++r) {
    float *row = q + (int64_t)r * d;
    pal__row_to_f32(p->q_dtype, t->q + (size_t)(r * p->q_row_stride) * es, row, d);
    for (int32_t i = 0; i < d; ++i) row[i] *= scale;
  }
}

/* Row pointers of tokens [pos, min(pos + BLOCK, t1)) into kr / vr; returns
 * the count (page_walk.h). */
static int32_t gather_rows(const pal__attn_problem *p, const pal__attn_task *t, int64_t pos,
                           int64_t t1, const char **kr, const char **vr) {
  const int32_t n = (int32_t)(t1 - pos < PAL__BLOCK_TOKENS ? t1 - pos : PAL__BLOCK_TOKENS);
  const pal__kv_walk w = {.k = t->k,
                          .v = t->v,
                          .pages = t->pages,
                          .page_size = p->page_size,
                          .page_stride = p->page_stride,
                          .token_stride = p->token_stride,
                          .elem_size = pal_dtype_size(p->kv_dtype)};
  pal__walk_rows(&w, pos, n, kr, vr);
  return n;
}

/* rows[i] + delta for i < n: one head's rows from another's (same pages). */
static void shift_rows(const char *const *rows, ptrdiff_t delta, int32_t n, const char **out) {
  for (int32_t i = 0; i < n; ++i) out[i] = rows[i] + delta;
}

/* Online softmax over tokens [t0, t1) of a head group, block by block and,
 * within a block, head by head: a paged pool is then read page-contiguously
 * (all the group's heads of a page) instead of as one head's slice per page.
 * Each call learns the rows the next call reads (the next head of this block,
 * or head 0 of the next block) so the kernel can prefetch them. */
static void attend_group(const pal__attn_problem *p, const pal__attn_task *tasks, int64_t t0,
                         int64_t t1, const thread_scratch *s) {
  pal__attend_fn attend = p->kernels->attend[p->kv_dtype];
  const int32_t gh = group_of(p);
  const int32_t B = PAL__BLOCK_TOKENS;
  /* head 0 of this block and of the next; the current and next call's rows */
  const char **base_k = s->rows, **base_v = base_k + B, **bnext_k = base_v + B,
             **bnext_v = bnext_k + B, **cur_k = bnext_v + B, **cur_v = cur_k + B,
             **nxt_k = cur_v + B, **nxt_v = nxt_k + B;
  const pal__attn_task *t = &tasks[0];
  int32_t n = gather_rows(p, t, t0, t1, base_k, base_v);
  for (int64_t pos = t0; pos < t1;) {
    const int64_t next = pos + n;
    const int32_t nn = next < t1 ? gather_rows(p, t, next, t1, bnext_k, bnext_v) : 0;
    shift_rows(base_k, 0, n, cur_k);
    shift_rows(base_v, 0, n, cur_v);
    for (int32_t h = 0; h < gh; ++h) {
      int32_t next_n;
      if (h + 1 < gh) {
        shift_rows(base_k, tasks[h + 1].k - t->k, n, nxt_k);
        shift_rows(base_v, tasks[h + 1].v - t->v, n, nxt_v);
        next_n = n;
      } else {
        shift_rows(bnext_k, 0, nn, nxt_k);
        shift_rows(bnext_v, 0, nn, nxt_v);
        next_n = nn;
      }
      const head_state *hs = &s->head[h];
      pal__attend_args a = {hs->q, p->g,  p->d,      cur_k,      cur_v, n, hs->m, hs->l, hs->acc,
                            hs->attend, nxt_k, nxt_v, next_n};
      attend(&a);
      const char **tk = cur_k, **tv = cur_v;
      cur_k = nxt_k, cur_v = nxt_v, nxt_k = tk, nxt_v = tv;
    }
    const char **tk = base_k, **tv = base_v;
    base_k = bnext_k, base_v = bnext_v, bnext_k = tk, bnext_v = tv;
    pos = next;
    n = nn;
  }
}

/* acc / l into the output rows (q_dtype) and m + log(l) into lse (note 3). */
static void write_rows(const pal__attn_problem *p, const pal__attn_task *t, float *acc,
                       const float *m, const float *l) {
  const size_t es = pal_dtype_size(p->q_dtype);
  for (int32_t r = 0; r < p->g; ++r) {
    const float lse = pal__write_row(acc + (int64_t)r * p->d, m[r], l[r], t->len > 0, p->d,
                                     p->q_dtype, t->out + (size_t)(r * p->q_row_stride) * es);
    if (t->lse) t->lse[r * p->lse_row_stride] = lse;
  }
}

static int64_t record_floats(const pal__attn_problem *p) {
  return (int64_t)p->g * p->d + 2 * p->g; /* m[g], l[g], acc[g][d] */
}

static void run_chunk(const pal__attn_problem *p, const pal__attn_task *tasks, const chunk *c,
                      float *partials, const thread_scratch *s) {
  const pal__attn_task *group = &tasks[c->task];
  const int32_t gh = group_of(p);
  const int64_t gd = (int64_t)p->g * p->d;
  for (int32_t h = 0; h < gh; ++h) {
    const head_state *hs = &s->head[h];
    for (int32_t r = 0; r < p->g; ++r) {
      hs->m[r] = PAL__M_START;
      hs->l[r] = 0.0f;
    }
    memset(hs->acc, 0, (size_t)gd * sizeof(float));
    if (c->t1 > c->t0) load_q(p, &group[h], hs->q);
  }
  if (c->t1 > c->t0) attend_group(p, group, c->t0, c->t1, s);
  for (int32_t h = 0; h < gh; ++h) {
    const head_state *hs = &s->head[h];
    if (c->partial < 0) {
      write_rows(p, &group[h], hs->acc, hs->m, hs->l);
      continue;
    }
    float *rec = partials + (c->partial * gh + h) * record_floats(p);
    memcpy(rec, hs->m, (size_t)p->g * sizeof(float));
    memcpy(rec + p->g, hs->l, (size_t)p->g * sizeof(float));
    memcpy(rec + 2 * p->g, hs->acc, (size_t)gd * sizeof(float));
  }
}

/* Log-sum-exp merge of head h of a split group, its chunk records in chunk order. */
static void merge_head(const pal__attn_problem *p, const pal__attn_task *tasks,
                       const split_group *sg, int32_t h, const float *partials,
                       const thread_scratch *s) {
  const int32_t gh = group_of(p);
  const int64_t rec_size = record_floats(p), stride = gh * rec_size;
  const float *first = partials + (sg->first_partial * gh + h) * rec_size;
  const head_state *hs = &s->head[0];
  for (int32_t r = 0; r < p->g; ++r)
    pal__lse_merge_row(first + r, first + p->g + r, first + 2 * p->g + (int64_t)r * p->d, stride,
                       sg->num_chunks, p->d, hs->acc + (int64_t)r * p->d, &hs->m[r], &hs->l[r]);
  write_rows(p, &tasks[sg->task + h], hs->acc, hs->m, hs->l);
}

/* Counts the chunks a plan with this group size makes. */
static void count_chunks(const pal__attn_problem *p, const pal__attn_task *tasks, int64_t num_tasks,
                         int64_t chunk_tokens, int64_t *num_chunks, int64_t *num_partials,
                         int64_t *num_split) {
  const int32_t gh = group_of(p);
  *num_chunks = *num_partials = *num_split = 0;
  for (int64_t i = 0; i < num_tasks; i += gh) {
    int64_t n, step;
    pal__plan_split(tasks[i].len, chunk_tokens, split_unit(p), &n, &step);
    *num_chunks += n;
    if (n > 1) {
      *num_partials += n;
      ++*num_split;
    }
  }
}

pal_status pal__attention_run(const pal__attn_problem *problem, const pal__attn_task *tasks,
                              int64_t num_tasks, pal_error *err) {
  if (num_tasks == 0) return PAL_OK;
  /* Short contexts cannot be split by tokens: when a plan leaves fewer than
   * two chunks per thread, smaller head groups (a divisor of the caller's)
   * give the threads work instead (64 tokens x 8 heads on 2 threads ran
   * 1.7x slower as one group). */
  pal__attn_problem plan = *problem;
  const pal__attn_problem *p = &plan;
  const int nt = p->num_threads > 0 ? p->num_threads : 1;
  int64_t chunk_tokens, num_chunks, num_partials, num_split;
  for (;;) {
    chunk_tokens = plan_chunk_tokens(p, tasks, num_tasks);
    count_chunks(p, tasks, num_tasks, chunk_tokens, &num_chunks, &num_partials, &num_split);
    const int32_t gh = group_of(p);
    if (gh == 1 || num_chunks >= 2 * (int64_t)nt) break;
    int32_t smaller = gh - 1;
    while (gh % smaller != 0) --smaller;
    plan.group_heads = smaller;
  }
  const int32_t gh = group_of(p);
  assert(num_tasks % gh == 0);
  int64_t per_thread = scratch_floats(p);
  chunk *chunks = pal__alloc(p->alloc, (size_t)num_chunks * sizeof *chunks);
  split_group *splits =
      pal__alloc(p->alloc, (size_t)(num_split > 0 ? num_split : 1) * sizeof *splits);
  float *partials = pal__alloc(p->alloc, (size_t)(num_partials > 0 ? num_partials : 1) * (size_t)gh *
                           (size_t)record_floats(p) * sizeof(float));
  float *scratch = pal__aligned_alloc(p->alloc, 64, (size_t)(nt * per_thread) * sizeof(float));
  if (!chunks || !splits || !partials || !scratch) {
    pal__free(chunks);
    pal__free(splits);
    pal__free(partials);
    pal__free(scratch);
    return PAL__FAIL(err, PAL_E_NOMEM, "allocating %lld chunks and %d thread scratch areas failed",
                     (long long)num_chunks, nt);
  }
  int64_t c = 0, part = 0, sp = 0;
  for (int64_t i = 0; i < num_tasks; i += gh) {
    const int64_t len = tasks[i].len;
    int64_t n, step;
    pal__plan_split(len, chunk_tokens, split_unit(p), &n, &step);
    if (n == 1) {
      chunks[c++] = (chunk){i, 0, len, -1};
      continue;
    }
    splits[sp++] = (split_group){i, part, n};
    for (int64_t t0 = 0; t0 < len; t0 += step)
      chunks[c++] = (chunk){i, t0, t0 + step < len ? t0 + step : len, part++};
  }

#pragma omp parallel num_threads(nt)
  {
#ifdef _OPENMP
    int tid = omp_get_thread_num();
#else
    int tid = 0;
#endif
    thread_scratch s = scratch_at(p, scratch + (int64_t)tid * per_thread);
#pragma omp for schedule(dynamic, 1)
    for (int64_t i = 0; i < num_chunks; ++i) run_chunk(p, tasks, &chunks[i], partials, &s);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < num_split * gh; ++i)
      merge_head(p, tasks, &splits[i / gh], (int32_t)(i % gh), partials, &s);
  }

  pal__free(chunks);
  pal__free(splits);
  pal__free(partials);
  pal__free(scratch);
  return PAL_OK;
}
