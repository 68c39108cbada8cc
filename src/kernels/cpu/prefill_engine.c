/* prefill_engine.c - work items, key tiles, masks, threading, split-KV
 * merge and output conversion for the tiled prefill engine (see
 * prefill_engine.h). No intrinsics here: the arithmetic is the dispatch
 * table's prefill micro-kernels (prefill_kernels.h).
 *
 * NOTES
 *  1. A work item is (sequence, KV head, a run of query positions, a run of
 *     the group's heads); row r is query r / gc and head r % gc, so the G
 *     heads of a group share every K/V tile. Its rows come in up to
 *     MAX_BLOCKS blocks of at most PAL__PREFILL_ROWS (one micro-kernel call
 *     each) that share each packed K/V tile.
 *  2. Row r sees keys [lo_r, hi_r). A key tile inside every row's range runs
 *     without a mask; a tile outside all of them is skipped (causal upper
 *     triangle, keys left of a window); only the others (the diagonal and
 *     window edges) get -inf entries. Keys past hi_r are never read, so NaN
 *     in recycled slots cannot reach the result.
 *  3. Determinism: the item and chunk plan depends only on the shapes and
 *     the thread count; each item (or chunk) is computed by one thread from
 *     its own state; chunk partials are merged in chunk order.
 *  4. A row that sees no key writes zeros and lse = -inf; NaN and Inf in
 *     what a row sees reach it (nonfinite.h): rows start from PAL__M_START,
 *     a row with keys but no positive sum writes NaN, and a masked tile
 *     whose V holds a non-finite value leaves out its masked keys in P.V.
 */
#include "../baseline_only.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "../alloc.h"
#include "../error.h"
#include "lse_merge.h"
#include "nonfinite.h"
#include "page_walk.h"
#include "prefill_engine.h"
#include "round.h"
#include "row_out.h"
#include "split_plan.h"

#define ROWS PAL__PREFILL_ROWS
#define KEYS PAL__PREFILL_KEYS
/* Row blocks (of <= ROWS rows, one micro-kernel call each) per work item:
 * every packed K/V tile serves all of them, so packing and K/V traffic per
 * query row drop by this factor when there are enough items to go round. */
#define MAX_BLOCKS 4
#define IROWS (ROWS * MAX_BLOCKS)

typedef struct item {
  int32_t seq, kvh, g0, gc; /* heads kvh * G + g0 .. + gc - 1 */
  int32_t rpb;              /* rows per block: the item's rows in blocks of rpb */
  int64_t i0, qt;           /* query positions i0 .. i0 + qt - 1 */
  int64_t k0, k1;           /* key range of this item (or chunk) */
  int64_t cost;             /* rows x keys: the scheduling order */
  int64_t partial;          /* chunk: index of its partial record; -1: writes the output */
} item;

typedef struct split_item {
  int64_t first_item; /* the first chunk in items[] (chunks are consecutive) */
  int64_t num_chunks;
} split_item;

/* Row r of an item: its query position, key range, head and slope. */
typedef struct row_info {
  int64_t pos, lo, hi;
  int32_t head;
  float slope;
} row_info;

static void rows_of(const pal__prefill_problem *p, const pal__prefill_seq *sq, const item *it,
                    row_info *ri) {
  const int32_t g = p->num_q_heads / p->num_kv_heads;
  for (int64_t qi = 0, r = 0; qi < it->qt; ++qi)
    for (int32_t j = 0; j < it->gc; ++j, ++r) {
      row_info *x = &ri[r];
      x->pos = sq->q_pos0 + it->i0 + qi;
      x->hi = p->causal ? pal__clamp64(x->pos + 1, 0, sq->kv_len) : sq->kv_len;
      x->lo = p->window > 0 ? pal__clamp64(x->pos - p->window + 1, 0, sq->kv_len) : 0;
      if (x->hi < x->lo) x->hi = x->lo;
      x->head = it->kvh * g + it->g0 + j;
      x->slope = p->alibi ? p->alibi[x->head] : 0.0f;
    }
}

/* Union of the rows' key ranges (empty rows ignored); k0 == k1 when none. */
static void item_range(const row_info *ri, int m, int64_t *k0, int64_t *k1) {
  int64_t lo = INT64_MAX, hi = 0;
  for (int r = 0; r < m; ++r) {
    if (ri[r].hi <= ri[r].lo) continue;
    if (ri[r].lo < lo) lo = ri[r].lo;
    if (ri[r].hi > hi) hi = ri[r].hi;
  }
  if (lo >= hi) lo = hi = 0;
  *k0 = lo, *k1 = hi;
}

/* Per-thread working set, each piece 64-byte aligned. Per-row arrays (m, l,
 * acc) hold block b's rows at b * ROWS, so a kernel may touch all ROWS rows
 * of its block (prefill_kernels.h note 5); q and ri are by item row. */
typedef struct scratch {
  float *q, *s, *m, *l, *acc;
  char *qp;
  void *kp, *vp;
  const char **k_rows, **v_rows;
  row_info *ri;
} scratch;

static int64_t qp_stride(int32_t d) { return pal__round_up(PAL__PREFILL_Q_BYTES(d), 64); }

static int64_t scratch_floats(int32_t d) {
  return pal__align16((int64_t)IROWS * d) * 2 + pal__align16((int64_t)ROWS * KEYS) + 2 * pal__align16(IROWS) +
         MAX_BLOCKS * qp_stride(d) / 4 + 2 * pal__align16(PAL__PREFILL_KV_BYTES(d) / 4) +
         pal__align16(2 * KEYS * (int64_t)(sizeof(char *) / sizeof(float))) +
         pal__align16(IROWS * (int64_t)(sizeof(row_info) / sizeof(float) + 1));
}

static scratch scratch_at(int32_t d, float *base) {
  scratch s;
  s.q = base;
  s.acc = s.q + pal__align16((int64_t)IROWS * d);
  s.s = s.acc + pal__align16((int64_t)IROWS * d);
  s.m = s.s + pal__align16((int64_t)ROWS * KEYS);
  s.l = s.m + pal__align16(IROWS);
  float *f = s.l + pal__align16(IROWS);
  s.qp = (char *)f;
  f += MAX_BLOCKS * qp_stride(d) / 4;
  s.kp = f;
  f += pal__align16(PAL__PREFILL_KV_BYTES(d) / 4);
  s.vp = f;
  f += pal__align16(PAL__PREFILL_KV_BYTES(d) / 4);
  s.k_rows = (const char **)(void *)f;
  s.v_rows = s.k_rows + KEYS;
  f += pal__align16(2 * KEYS * (int64_t)(sizeof(char *) / sizeof(float)));
  s.ri = (row_info *)(void *)f;
  return s;
}

/* Where item row r's m, l and acc live: block r / rpb at a ROWS stride. */
static int64_t slot_of(const item *it, int r) {
  return (int64_t)(r / it->rpb) * ROWS + r % it->rpb;
}

/* K / V row pointers of keys [t0, t0 + n) of KV head kvh (page_walk.h). */
static void gather_rows(const pal__prefill_problem *p, const pal__prefill_seq *sq, int32_t kvh,
                        int64_t t0, int n, const char **kr, const char **vr) {
  const size_t es = pal_dtype_size(p->kv_dtype);
  const size_t head = (size_t)(kvh * p->kv_head_stride) * es;
  const pal__kv_walk w = {.k = sq->k + head,
                          .v = sq->v + head,
                          .pages = sq->pages,
                          .page_size = p->page_size,
                          .page_stride = p->page_stride,
                          .token_stride = p->token_stride,
                          .elem_size = es};
  pal__walk_rows(&w, t0, n, kr, vr);
}

/* Soft-cap, ALiBi and the mask of one key tile [t0, t0 + n) on the scores
 * (element (r, t) at s[r * rs + t * ts]: either layout of prefill_kernels.h). */
static void transform_scores(const pal__prefill_problem *p, const row_info *ri, int m, int64_t t0,
                             int n, int masked, int transposed, float *s) {
  const float cap = p->softcap, inv_cap = cap > 0.0f ? 1.0f / cap : 0.0f;
  const int64_t rs = transposed ? 1 : KEYS, ts = transposed ? ROWS : 1;
  for (int r = 0; r < m; ++r) {
    float *sr = s + r * rs;
    if (cap > 0.0f)
      for (int t = 0; t < n; ++t) sr[t * ts] = cap * tanhf(sr[t * ts] * inv_cap);
    if (p->alibi) {
      const float slope = ri[r].slope;
      const int64_t rel0 = t0 - ri[r].pos;
      for (int t = 0; t < n; ++t) sr[t * ts] += slope * (float)(rel0 + t);
    }
    if (masked) {
      const int64_t a = pal__clamp64(ri[r].lo - t0, 0, n), b = pal__clamp64(ri[r].hi - t0, 0, n);
      for (int64_t t = 0; t < a; ++t) sr[t * ts] = -INFINITY;
      for (int64_t t = b > a ? b : a; t < n; ++t) sr[t * ts] = -INFINITY;
    }
  }
}

/* Q rows of an item as fp32 (unscaled) into s->q. */
static void load_q(const pal__prefill_problem *p, const pal__prefill_seq *sq, const item *it,
                   const scratch *s) {
  const size_t es = pal_dtype_size(p->q_dtype);
  const int m = (int)(it->qt * it->gc);
  for (int r = 0; r < m; ++r) {
    const int64_t i = it->i0 + r / it->gc;
    const char *src = sq->q + (size_t)(i * p->q_stride_tok + s->ri[r].head * p->q_stride_head) * es;
    pal__row_to_f32(p->q_dtype, src, s->q + (int64_t)r * p->d, p->d);
  }
}

static void write_rows(const pal__prefill_problem *p, const pal__prefill_seq *sq, const item *it,
                       const scratch *s) {
  const size_t es = pal_dtype_size(p->q_dtype);
  const int m = (int)(it->qt * it->gc);
  for (int r = 0; r < m; ++r) {
    const int64_t i = it->i0 + r / it->gc;
    const int64_t x = slot_of(it, r);
    const int64_t off = i * p->q_stride_tok + s->ri[r].head * p->q_stride_head;
    const float lse = pal__write_row(s->acc + x * p->d, s->m[x], s->l[x],
                                     s->ri[r].hi > s->ri[r].lo, p->d, p->q_dtype,
                                     sq->out + (size_t)off * es);
    if (sq->lse) sq->lse[i * p->lse_stride_tok + s->ri[r].head * p->lse_stride_head] = lse;
  }
}

/* P.V of a masked tile over the keys each row sees only: with a NaN or Inf
 * in V, the kernels' 0 * v for a masked key would put NaN into a row that
 * never saw that key. Rare (bad input), so plain C is enough. */
static void pv_visible(const pal__prefill_problem *p, const float *sc, int m, int n,
                       int transposed, const char *const *v_rows, float *acc,
                       const row_info *ri, int64_t t0) {
  const int64_t rs = transposed ? 1 : KEYS, ts = transposed ? ROWS : 1;
  float v[PAL_MAX_HEAD_DIM];
  for (int t = 0; t < n; ++t) {
    pal__row_to_f32(p->kv_dtype, v_rows[t], v, p->d);
    for (int r = 0; r < m; ++r) {
      if (t0 + t < ri[r].lo || t0 + t >= ri[r].hi) continue;
      const float w = sc[r * rs + t * ts];
      float *a = acc + (int64_t)r * p->d;
      for (int32_t c = 0; c < p->d; ++c) a[c] += w * v[c];
    }
  }
}

static void run_item(const pal__prefill_problem *p, const pal__prefill_seq *seqs, const item *it,
                     float *partials, const scratch *s) {
  const pal__prefill_seq *sq = &seqs[it->seq];
  const int m = (int)(it->qt * it->gc), d = p->d, rpb = it->rpb;
  const int nblk = (m + rpb - 1) / rpb;
  const pal__prefill_ops *ops =
      &p->kernels->prefill.ops[p->kv_dtype][p->q_dtype == PAL_BF16 ? 1 : 0];
  rows_of(p, sq, it, s->ri);
  if (ops->begin) ops->begin();
  /* every row of the blocks in use, padding rows included: a merge of split
   * chunks reads the whole records */
  for (int r = 0; r < IROWS; ++r) s->m[r] = PAL__M_START, s->l[r] = 0.0f;
  memset(s->acc, 0, (size_t)nblk * ROWS * (size_t)d * sizeof(float));
  if (it->k1 > it->k0) {
    load_q(p, sq, it, s);
    for (int b = 0; b < nblk; ++b) {
      const int mb = m - b * rpb < rpb ? m - b * rpb : rpb;
      ops->pack_q(s->q + (int64_t)b * rpb * d, mb, d, p->scale, s->qp + b * qp_stride(d));
    }
  }
  for (int64_t t0 = it->k0; t0 < it->k1; t0 += KEYS) {
    const int n = (int)(it->k1 - t0 < KEYS ? it->k1 - t0 : KEYS);
    int full[MAX_BLOCKS], none[MAX_BLOCKS], any = 0;
    for (int b = 0; b < nblk; ++b) {
      full[b] = 1, none[b] = 1;
      const int r1 = (b + 1) * rpb < m ? (b + 1) * rpb : m;
      for (int r = b * rpb; r < r1; ++r) {
        const row_info *x = &s->ri[r];
        if (x->lo > t0 || x->hi < t0 + n) full[b] = 0;
        if (x->hi > t0 && x->lo < t0 + n && x->hi > x->lo) none[b] = 0;
      }
      any |= !none[b];
    }
    if (!any) continue;
    gather_rows(p, sq, it->kvh, t0, n, s->k_rows, s->v_rows);
    ops->pack_k(s->k_rows, n, d, s->kp);
    ops->pack_v(s->v_rows, n, d, s->vp);
    int v_finite = -1; /* checked when a masked block first needs it */
    for (int b = 0; b < nblk; ++b) {
      if (none[b]) continue;
      const int mb = m - b * rpb < rpb ? m - b * rpb : rpb;
      float *mx = s->m + b * ROWS, *l = s->l + b * ROWS, *acc = s->acc + (int64_t)b * ROWS * d;
      ops->qk(s->qp + b * qp_stride(d), mb, d, s->kp, n, s->s);
      if (!full[b] || p->softcap > 0.0f || p->alibi)
        transform_scores(p, s->ri + b * rpb, mb, t0, n, !full[b], ops->scores_transposed, s->s);
      ops->softmax(s->s, mb, n, mx, l, acc, d);
      if (!full[b] && v_finite < 0) v_finite = pal__rows_finite(p->kv_dtype, s->v_rows, n, d);
      if (full[b] || v_finite) ops->pv(s->s, mb, n, s->vp, d, acc);
      else pv_visible(p, s->s, mb, n, ops->scores_transposed, s->v_rows, acc, s->ri + b * rpb, t0);
    }
  }
  if (it->partial < 0) {
    write_rows(p, sq, it, s);
    return;
  }
  /* partial record: m[IROWS], l[IROWS], acc[IROWS][d] (block layout) */
  float *rec = partials + it->partial * (2 * IROWS + (int64_t)IROWS * d);
  memcpy(rec, s->m, (size_t)IROWS * sizeof(float));
  memcpy(rec + IROWS, s->l, (size_t)IROWS * sizeof(float));
  memcpy(rec + 2 * IROWS, s->acc, (size_t)nblk * ROWS * (size_t)d * sizeof(float));
}

/* Log-sum-exp merge of a split item's chunk records, in chunk order. */
static void merge_item(const pal__prefill_problem *p, const pal__prefill_seq *seqs,
                       const item *items, const split_item *sp, const float *partials,
                       const scratch *s) {
  const item *first = &items[sp->first_item];
  const int m = (int)(first->qt * first->gc), d = p->d;
  const int64_t rec_size = 2 * IROWS + (int64_t)IROWS * d;
  rows_of(p, &seqs[first->seq], first, s->ri);
  /* the chunks' records are consecutive (their partial indices are) */
  const float *rec = partials + first->partial * rec_size;
  for (int r = 0; r < m; ++r) {
    const int64_t x = slot_of(first, r);
    pal__lse_merge_row(rec + x, rec + IROWS + x, rec + 2 * IROWS + x * d, rec_size,
                       sp->num_chunks, d, s->acc + x * d, &s->m[x], &s->l[x]);
  }
  write_rows(p, &seqs[first->seq], first, s);
}

typedef struct order_key {
  int64_t group, cost, index;
} order_key;

/* (sequence, KV head) groups in order, largest items first inside each:
 * consecutive items reread the same K/V (it stays in the caches) and every
 * group ends with its cheapest items, so the dynamic schedule ends evenly. */
static int by_group_cost(const void *a, const void *b) {
  const order_key *x = a, *y = b;
  if (x->group != y->group) return x->group < y->group ? -1 : 1;
  if (x->cost != y->cost) return x->cost < y->cost ? 1 : -1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* Items (unsplit) of every sequence; returns the count, or -1 on no memory. */
static int64_t plan_items(const pal__prefill_problem *p, const pal__prefill_seq *seqs,
                          int32_t num_seqs, item **out) {
  const int32_t g = p->num_q_heads / p->num_kv_heads;
  const int32_t gc = g <= ROWS ? g : ROWS;            /* heads per item */
  const int32_t gpieces = (g + gc - 1) / gc;          /* pieces of a group */
  const int64_t qb = g <= ROWS ? ROWS / g : 1;        /* query positions per block */
  /* blocks per item: as many as keep >= 8 items per thread */
  int64_t n1 = 0;
  for (int32_t s = 0; s < num_seqs; ++s)
    n1 += (seqs[s].q_len + qb - 1) / qb * p->num_kv_heads * gpieces;
  const int64_t nt = p->num_threads > 0 ? p->num_threads : 1;
  int64_t nblk = n1 / (8 * nt);
  nblk = nblk < 1 ? 1 : nblk > MAX_BLOCKS ? MAX_BLOCKS : nblk;
  const int64_t qt = qb * nblk; /* query positions per item */
  int64_t n = 0;
  for (int32_t s = 0; s < num_seqs; ++s)
    n += (seqs[s].q_len + qt - 1) / qt * p->num_kv_heads * gpieces;
  item *it = pal__alloc(p->alloc, (size_t)(n > 0 ? n : 1) * sizeof *it);
  if (!it) return -1;
  row_info ri[IROWS];
  int64_t c = 0;
  for (int32_t s = 0; s < num_seqs; ++s)
    for (int64_t i0 = 0; i0 < seqs[s].q_len; i0 += qt)
      for (int32_t h = 0; h < p->num_kv_heads; ++h)
        for (int32_t g0 = 0; g0 < g; g0 += gc) {
          item x = {s, h, g0, g0 + gc <= g ? gc : g - g0, 0, i0, 0, 0, 0, 0, -1};
          x.rpb = (int32_t)(qb * x.gc);
          x.qt = i0 + qt <= seqs[s].q_len ? qt : seqs[s].q_len - i0;
          rows_of(p, &seqs[s], &x, ri);
          item_range(ri, (int)(x.qt * x.gc), &x.k0, &x.k1);
          x.cost = (x.k1 - x.k0 + KEYS) * x.qt * x.gc;
          it[c++] = x;
        }
  *out = it;
  return n;
}

pal_status pal__prefill_run(const pal__prefill_problem *p, const pal__prefill_seq *seqs,
                            int32_t num_seqs, pal_error *err) {
  item *base = NULL;
  const int64_t num_base = plan_items(p, seqs, num_seqs, &base);
  if (num_base < 0) return PAL__FAIL(err, PAL_E_NOMEM, "allocating prefill work items failed");
  if (num_base == 0) {
    pal__free(base);
    return PAL_OK;
  }
  const int nt = p->num_threads > 0 ? p->num_threads : 1;
  /* Split-KV only when items are too few to keep the threads busy. */
  int64_t chunk_keys = INT64_MAX;
  if (nt > 1 && num_base < (int64_t)nt * PAL__SPLIT_CHUNKS_PER_THREAD) {
    int64_t total = 0;
    for (int64_t i = 0; i < num_base; ++i) total += base[i].k1 - base[i].k0;
    chunk_keys = pal__split_target(total, (int64_t)nt * PAL__SPLIT_CHUNKS_PER_THREAD, PAL__SPLIT_MIN_TOKENS);
  }
  int64_t num_items = 0, num_split = 0;
  for (int64_t i = 0; i < num_base; ++i) {
    int64_t nc, step;
    pal__plan_split(base[i].k1 - base[i].k0, chunk_keys, KEYS, &nc, &step);
    num_items += nc;
    num_split += nc > 1;
  }
  const int64_t d = p->d, rec_size = 2 * IROWS + IROWS * d, per_thread = scratch_floats(p->d);
  item *items = pal__alloc(p->alloc, (size_t)num_items * sizeof *items);
  split_item *splits = pal__alloc(p->alloc, (size_t)(num_split > 0 ? num_split : 1) * sizeof *splits);
  int64_t num_partials = num_items - (num_base - num_split);
  float *partials = pal__alloc(p->alloc, (size_t)(num_split > 0 ? num_partials : 1) * (size_t)rec_size * sizeof(float));
  float *scratch_mem = pal__aligned_alloc(p->alloc, 64, (size_t)(nt * per_thread) * sizeof(float));
  order_key *order = pal__alloc(p->alloc, (size_t)num_items * sizeof *order);
  if (!items || !splits || !partials || !scratch_mem || !order) {
    pal__free(base), pal__free(items), pal__free(splits), pal__free(partials),
        pal__free(scratch_mem), pal__free(order);
    return PAL__FAIL(err, PAL_E_NOMEM, "allocating %lld prefill work items failed",
                     (long long)num_items);
  }
  int64_t c = 0, part = 0, sp = 0;
  for (int64_t i = 0; i < num_base; ++i) {
    int64_t nc, step;
    pal__plan_split(base[i].k1 - base[i].k0, chunk_keys, KEYS, &nc, &step);
    if (nc == 1) {
      items[c++] = base[i];
      continue;
    }
    splits[sp++] = (split_item){c, nc};
    for (int64_t k = base[i].k0; k < base[i].k1; k += step) {
      item x = base[i];
      x.k0 = k;
      x.k1 = k + step < base[i].k1 ? k + step : base[i].k1;
      x.cost = (x.k1 - x.k0 + KEYS) * x.qt * x.gc;
      x.partial = part++;
      items[c++] = x;
    }
  }
  pal__free(base);
  /* The order only moves work between threads, never changes a result. */
  for (int64_t i = 0; i < num_items; ++i)
    order[i] = (order_key){(int64_t)items[i].seq * p->num_kv_heads + items[i].kvh, items[i].cost, i};
  qsort(order, (size_t)num_items, sizeof *order, by_group_cost);

#pragma omp parallel num_threads(nt)
  {
#ifdef _OPENMP
    const int tid = omp_get_thread_num();
#else
    const int tid = 0;
#endif
    const scratch s = scratch_at(p->d, scratch_mem + (int64_t)tid * per_thread);
#pragma omp for schedule(dynamic, 1)
    for (int64_t i = 0; i < num_items; ++i) run_item(p, seqs, &items[order[i].index], partials, &s);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < num_split; ++i) merge_item(p, seqs, items, &splits[i], partials, &s);
  }

  pal__free(items), pal__free(splits), pal__free(partials), pal__free(scratch_mem),
      pal__free(order);
  return PAL_OK;
}
