/* tests/test_hostile.c - inputs a serving stack really produces that are not
 * the happy path: outputs aliasing inputs, vLLM's combined K/V
 * cache, the scale sentinel, NaN and Inf, empty pools and zero sizes.
 *
 *  - overlap.c against brute-force enumeration of elements;
 *  - every (output, input) pair of every kernel placed on the same memory:
 *    PAL_E_ALIAS naming both, and not a byte of the arena written; outputs
 *    that end exactly where an input starts are accepted;
 *  - kv_cache[num_blocks, 2, page, heads, D] halves work for fill and decode;
 *  - NaN / Inf planted in q, in a used K or V row, in keys a row does not
 *    see (masked, outside a window, past the context), at every ISA level,
 *    against the float64 reference (tests/reference.c), whose softmax is
 *    the contract: NaN max propagates, exp(-inf - -inf) is NaN.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../src/kernels/overlap.h"
#include "test_common.h"

static pal_context *g_ctx[PAL_ISA_COUNT];

static int group_setup(void **state) {
  (void)state;
  return contexts_create(g_ctx, "hostile-input");
}

static int group_teardown(void **state) {
  (void)state;
  contexts_destroy(g_ctx);
  return 0;
}

/* ------------------------------------------------------ overlap.c exactness */

/* Marks the bytes of extent x (relative to `origin`) in mark[0..size). */
static int mark_extent(const pal__extent *x, const char *origin, unsigned char *mark, size_t size,
                       unsigned char bit) {
  int64_t c[PAL__EXTENT_DIMS] = {0};
  for (int i = 0; i < x->ndim; ++i)
    if (x->count[i] <= 0) return 0;
  int self = 0;
  for (;;) {
    int64_t off = 0;
    for (int i = 0; i < x->ndim; ++i) off += c[i] * x->stride[i];
    const int64_t b0 = (x->base - origin) + off * x->elem;
    for (int64_t b = b0; b < b0 + x->elem; ++b) {
      assert_true(b >= 0 && (size_t)b < size);
      if (mark[b] & bit) self = 1;
      mark[b] |= bit;
    }
    int i = 0;
    while (i < x->ndim && ++c[i] == x->count[i]) c[i++] = 0;
    if (i == x->ndim) break;
  }
  return self;
}

static int brute_overlap(const pal__extent *a, const pal__extent *b, const char *origin,
                         size_t size, int *self_a) {
  unsigned char *mark = calloc(size, 1);
  *self_a = mark_extent(a, origin, mark, size, 1);
  mark_extent(b, origin, mark, size, 2);
  int both = 0;
  for (size_t i = 0; i < size; ++i) both |= mark[i] == 3;
  free(mark);
  return both;
}

/* A pool-like nesting extent: D contiguous, then token, head, page strides
 * in a random order, each padded by a random amount. */
static pal__extent random_nesting(trng *r, const char *base, int64_t elem) {
  pal__extent x = {"x", base, elem, 4, {0}, {0}};
  x.count[0] = trng_int(r, 1, 5), x.stride[0] = 1;
  int order[3] = {1, 2, 3};
  for (int i = 2; i > 0; --i) {
    int j = (int)trng_int(r, 0, i), t = order[i];
    order[i] = order[j], order[j] = t;
  }
  int64_t reach = x.count[0] - 1;
  for (int k = 0; k < 3; ++k) {
    const int dim = order[k];
    x.count[dim] = trng_int(r, 1, 3);
    x.stride[dim] = reach + 1 + trng_int(r, 0, 3);
    reach += (x.count[dim] - 1) * x.stride[dim];
  }
  return x;
}

static void test_overlap_exact(void **state) {
  (void)state;
  trng r;
  trng_init(&r, test_seed() ^ 0x0f1a);
  enum { SIZE = 4096 };
  static char arena[SIZE];
  long exact = 0, sound = 0, touching = 0;
  for (int it = 0; it < 6000; ++it) {
    const int64_t elem = (int64_t[]){1, 2, 4}[trng_int(&r, 0, 2)];
    const int kind = (int)(it % 3);
    pal__extent a, b;
    if (kind == 0) { /* contiguous vs nesting */
      b = random_nesting(&r, arena + trng_int(&r, 0, 600), elem);
      a = pal__extent_flat("a", arena + trng_int(&r, 0, 900), trng_int(&r, 0, 40),
                           (size_t)(int64_t[]){1, 2, 4}[trng_int(&r, 0, 2)]);
    } else if (kind == 1) { /* the same nesting strides at two bases (K and V) */
      a = random_nesting(&r, arena + trng_int(&r, 0, 600), elem);
      b = a;
      b.base = arena + trng_int(&r, 0, 1200);
    } else { /* anything: only soundness is promised */
      a = (pal__extent){"a", arena + trng_int(&r, 0, 600), elem, 3, {0}, {0}};
      b = (pal__extent){"b", arena + trng_int(&r, 0, 600), elem, 3, {0}, {0}};
      for (int i = 0; i < 3; ++i) {
        a.count[i] = trng_int(&r, 0, 4), a.stride[i] = trng_int(&r, 0, 12);
        b.count[i] = trng_int(&r, 0, 4), b.stride[i] = trng_int(&r, 0, 12);
      }
    }
    int self;
    const int truth = brute_overlap(&a, &b, arena, SIZE, &self);
    const int got = pal__extents_overlap(&a, &b);
    if (truth && !got)
      FAILF("overlap.c accepted arrays that share a byte (kind %d, iteration %d)", kind, it);
    if (kind < 2 && got != truth)
      FAILF("overlap.c is not exact for kind %d (iteration %d): got %d, truth %d", kind, it, got,
            truth);
    if (pal__extent_distinct(&a) && self)
      FAILF("pal__extent_distinct claims distinct elements that share memory (iteration %d)", it);
    exact += kind < 2, sound += kind == 2, touching += truth;
  }
  printf("overlap.c: %ld exact-case and %ld any-layout comparisons (%ld overlapping) agree with "
         "element enumeration\n",
         exact, sound, touching);
}

/* ------------------------------------------------ aliasing, every pair */

/* One arena holds every array of a small call, so any output can be put on
 * any input; the whole arena is compared after a rejected call. */
enum { ARENA = 1 << 20 };
typedef struct arena {
  unsigned char *mem, *copy;
  size_t used;
} arena;

static void *take(arena *a, size_t bytes) {
  a->used = (a->used + 63) / 64 * 64;
  void *p = a->mem + a->used;
  a->used += bytes;
  assert_true(a->used <= ARENA);
  return p;
}

static void arena_snapshot(arena *a) { memcpy(a->copy, a->mem, ARENA); }

static void expect_alias(const char *what, pal_status st, const pal_error *err, const arena *a,
                         const char *out_name, const char *in_name) {
  CHECK_STATUS(what, st, PAL_E_ALIAS, err);
  if (!strstr(err->message, out_name) || !strstr(err->message, in_name))
    FAILF("%s: message \"%s\" does not name %s and %s", what, err->message, out_name, in_name);
  if (memcmp(a->mem, a->copy, ARENA) != 0)
    FAILF("%s: a rejected call wrote into its arguments", what);
}

enum { HQ = 4, HKV = 2, D = 16, PS = 4, PAGES = 6, NSEQ = 2 };

typedef struct small_call {
  arena a;
  float *q, *out, *lse, *k, *v, *slopes;
  int32_t *block_table, *seq_lens, *indptr, *indices, *last, *qo;
  pal_kv_pool pool;
} small_call;

static void small_call_init(small_call *c) {
  c->a.mem = calloc(ARENA, 1);
  c->a.copy = malloc(ARENA);
  c->a.used = 0;
  trng r;
  trng_init(&r, 7);
  c->q = take(&c->a, sizeof(float) * NSEQ * HQ * D);
  c->out = take(&c->a, sizeof(float) * NSEQ * HQ * D);
  c->lse = take(&c->a, sizeof(float) * NSEQ * HQ);
  c->k = take(&c->a, sizeof(float) * PAGES * HKV * PS * D);
  c->v = take(&c->a, sizeof(float) * PAGES * HKV * PS * D);
  c->slopes = take(&c->a, sizeof(float) * HQ);
  take(&c->a, 1024); /* room for an output that ends where block_table starts */
  c->block_table = take(&c->a, sizeof(int32_t) * NSEQ * 3);
  c->seq_lens = take(&c->a, sizeof(int32_t) * NSEQ);
  take(&c->a, 1024); /* the same before kv_indptr */
  c->indptr = take(&c->a, sizeof(int32_t) * (NSEQ + 1));
  c->indices = take(&c->a, sizeof(int32_t) * 5);
  c->last = take(&c->a, sizeof(int32_t) * NSEQ);
  c->qo = take(&c->a, sizeof(int32_t) * (NSEQ + 1));
  fill_random(PAL_F32, c->q, NSEQ * HQ * D, &r, 1.0);
  fill_random(PAL_F32, c->k, PAGES * HKV * PS * D, &r, 1.0);
  fill_random(PAL_F32, c->v, PAGES * HKV * PS * D, &r, 1.0);
  for (int h = 0; h < HQ; ++h) c->slopes[h] = 0.1f * (float)(h + 1);
  const int32_t bt[NSEQ * 3] = {5, 2, 0, 1, 3, 4}, lens[NSEQ] = {9, 10};
  memcpy(c->block_table, bt, sizeof bt);
  memcpy(c->seq_lens, lens, sizeof lens);
  const int32_t ip[NSEQ + 1] = {0, 3, 5}, ix[5] = {5, 2, 0, 1, 3}, lp[NSEQ] = {1, 2};
  memcpy(c->indptr, ip, sizeof ip);
  memcpy(c->indices, ix, sizeof ix);
  memcpy(c->last, lp, sizeof lp);
  c->qo[0] = 0, c->qo[1] = 1, c->qo[2] = 2; /* one query per sequence: the same row count */
  c->pool = pal_kv_pool_hnd(c->k, c->v, PAL_F32, PAGES, PS, HKV, D);
}

static void small_call_free(small_call *c) {
  free(c->a.mem);
  free(c->a.copy);
}

typedef struct named {
  const char *name;
  void *p;
} named;

static void test_alias_paged(void **state) {
  (void)state;
  small_call c;
  small_call_init(&c);
  pal_context *ctx = g_ctx[PAL_ISA_SCALAR];
  long pairs = 0;
  for (int op = 0; op < 2; ++op) /* decode, prefill */
    for (int form = 0; form < 2; ++form) {
      const pal_page_table pt =
          form == 0 ? pal_page_table_block(NSEQ, c.block_table, 3, c.seq_lens)
                    : pal_page_table_csr(NSEQ, c.indptr, c.indices, c.last);
      named ins[8] = {{"q", c.q}, {"pool.k", c.k}, {"pool.v", c.v},
                      {"options.alibi_slopes", c.slopes}};
      int ni = 4;
      if (form == 0) {
        ins[ni++] = (named){"block_table", c.block_table};
        ins[ni++] = (named){"seq_lens", c.seq_lens};
      } else {
        ins[ni++] = (named){"kv_indptr", c.indptr};
        ins[ni++] = (named){"kv_indices", c.indices};
        ins[ni++] = (named){"kv_last_page_len", c.last};
      }
      if (op == 1) ins[ni++] = (named){"qo_indptr", c.qo};
      for (int which = 0; which < 2; ++which) /* out, options.lse */
        for (int i = 0; i < ni + 1; ++i) {
          /* i == ni: out and lse on each other */
          float *out = c.out, *lse = c.lse;
          const char *out_name = which == 0 ? "out" : "options.lse";
          const char *in_name = i < ni ? ins[i].name : which == 0 ? "options.lse" : "out";
          if (i < ni) {
            if (which == 0) out = ins[i].p;
            else lse = ins[i].p;
          } else {
            lse = c.out + 3;
          }
          pal_attention_options o = {0};
          o.lse = lse;
          o.alibi_slopes = c.slopes;
          char what[160];
          snprintf(what, sizeof what, "%s %s: %s on %s", op ? "prefill" : "decode",
                   form_name((pal_page_table_form)form), out_name, in_name);
          pal_error err = {0};
          arena_snapshot(&c.a);
          const pal_status st =
              op == 0 ? pal_decode(ctx, c.q, out, PAL_F32, HQ, &c.pool, &pt, &o, &err)
                      : pal_prefill(ctx, c.q, out, PAL_F32, HQ, c.qo, &c.pool, &pt, &o, &err);
          expect_alias(what, st, &err, &c.a, i < ni || which == 0 ? out_name : "out",
                       i < ni ? in_name : "options.lse");
          ++pairs;
        }
      /* out ending exactly where block_table / kv_indptr starts touches nothing */
      const int32_t *first = form == 0 ? c.block_table : c.indptr;
      float *before = (float *)(void *)((char *)(intptr_t)first - sizeof(float) * NSEQ * HQ * D);
      pal_error err = {0};
      float *saved = malloc(sizeof(float) * NSEQ * HQ * D);
      memcpy(saved, before, sizeof(float) * NSEQ * HQ * D);
      pal_status st = op == 0 ? pal_decode(ctx, c.q, before, PAL_F32, HQ, &c.pool, &pt, NULL, &err)
                              : pal_prefill(ctx, c.q, before, PAL_F32, HQ, c.qo, &c.pool, &pt,
                                            NULL, &err);
      CHECK_STATUS("an output that ends where an input starts", st, PAL_OK, &err);
      memcpy(before, saved, sizeof(float) * NSEQ * HQ * D);
      free(saved);
      /* one element further: it overlaps */
      float *into = before + 1;
      arena_snapshot(&c.a);
      st = op == 0 ? pal_decode(ctx, c.q, into, PAL_F32, HQ, &c.pool, &pt, NULL, &err)
                   : pal_prefill(ctx, c.q, into, PAL_F32, HQ, c.qo, &c.pool, &pt, NULL, &err);
      expect_alias("an output one element into an input", st, &err, &c.a, "out",
                   form == 0 ? "block_table" : "kv_indptr");
      /* K and V may alias in a read-only call */
      pal_kv_pool same = c.pool;
      same.v = same.k;
      st = op == 0 ? pal_decode(ctx, c.q, c.out, PAL_F32, HQ, &same, &pt, NULL, &err)
                   : pal_prefill(ctx, c.q, c.out, PAL_F32, HQ, c.qo, &same, &pt, NULL, &err);
      CHECK_STATUS("k aliasing v in a read-only call", st, PAL_OK, &err);
    }
  printf("paged kernels: %ld (output, input) pairs rejected with nothing written\n", pairs);
  small_call_free(&c);
}

static void test_alias_sdpa_and_fill(void **state) {
  (void)state;
  small_call c;
  small_call_init(&c);
  pal_context *ctx = g_ctx[PAL_ISA_SCALAR];
  /* sdpa over q [1, HQ, 2, D] and k/v [1, HKV, 4, D] carved from the arena */
  const pal_sdpa_shape sh = {1, HQ, HKV, 2, 4, D, 1};
  named ins[4] = {{"q", c.q}, {"k", c.k}, {"v", c.v}, {"options.alibi_slopes", c.slopes}};
  for (int which = 0; which < 2; ++which)
    for (int i = 0; i < 4; ++i) {
      pal_attention_options o = {0};
      o.lse = c.lse;
      o.alibi_slopes = c.slopes;
      float *out = c.out;
      if (which == 0) out = ins[i].p;
      else o.lse = ins[i].p;
      pal_error err = {0};
      arena_snapshot(&c.a);
      const pal_status st = pal_sdpa(ctx, c.q, c.k, c.v, out, PAL_F32, &sh, &o, &err);
      char what[96];
      snprintf(what, sizeof what, "sdpa: %s on %s", which ? "options.lse" : "out", ins[i].name);
      expect_alias(what, st, &err, &c.a, which ? "options.lse" : "out", ins[i].name);
    }
  /* fill: the pools are the outputs */
  float *k_new = take(&c.a, sizeof(float) * 2 * HKV * D);
  float *v_new = take(&c.a, sizeof(float) * 2 * HKV * D);
  int64_t *slots = take(&c.a, sizeof(int64_t) * 2);
  slots[0] = 3, slots[1] = 17;
  named fins[3] = {{"k_new", k_new}, {"v_new", v_new}, {"slot_mapping", slots}};
  for (int which = 0; which < 2; ++which)
    for (int i = 0; i < 3; ++i) {
      pal_kv_pool pool = c.pool;
      /* put the written pool's first page on the input */
      if (which == 0) pool.k = fins[i].p;
      else pool.v = fins[i].p;
      pal_error err = {0};
      arena_snapshot(&c.a);
      const pal_status st = pal_fill_kv_pages(ctx, k_new, v_new, PAL_F32, 2, slots, &pool, &err);
      char what[96];
      snprintf(what, sizeof what, "fill: pool.%c on %s", which ? 'v' : 'k', fins[i].name);
      expect_alias(what, st, &err, &c.a, which ? "pool.v" : "pool.k", fins[i].name);
    }
  pal_kv_pool same = c.pool;
  same.v = same.k;
  pal_error err = {0};
  arena_snapshot(&c.a);
  expect_alias("fill: k_cache passed as v_cache too",
               pal_fill_kv_pages(ctx, k_new, v_new, PAL_F32, 2, slots, &same, &err), &err, &c.a,
               "pool.k", "pool.v");
  /* a pool whose pages share memory (stride_page 0) can be read but not written */
  pal_kv_pool folded = c.pool;
  folded.stride_page = 0;
  arena_snapshot(&c.a);
  CHECK_STATUS("fill into a pool whose pages alias",
               pal_fill_kv_pages(ctx, k_new, v_new, PAL_F32, 2, slots, &folded, &err),
               PAL_E_LAYOUT, &err);
  assert_memory_equal(c.a.mem, c.a.copy, ARENA);
  const pal_page_table pt = pal_page_table_block(NSEQ, c.block_table, 3, c.seq_lens);
  CHECK_STATUS("decode reads a pool whose pages alias",
               pal_decode(ctx, c.q, c.out, PAL_F32, HQ, &folded, &pt, NULL, &err), PAL_OK, &err);
  small_call_free(&c);
}

/* ------------------------------------------------ vLLM's combined cache */

static void test_vllm_combined_cache(void **state) {
  (void)state;
  enum { BLOCKS = 9, P = 16, H = 2, DD = 64, TOK = 40, QH = 8 };
  trng r;
  trng_init(&r, test_seed() ^ 0xc0c0);
  /* kv_cache[BLOCKS][2][P][H][DD]: K = kv_cache[:, 0], V = kv_cache[:, 1] (NHD) */
  const int64_t half = (int64_t)P * H * DD;
  float *kv = xmalloc(sizeof(float) * BLOCKS * 2 * half);
  ref_fill_nan(PAL_F32, kv, BLOCKS * 2 * half);
  pal_kv_pool pool = pal_kv_pool_nhd(kv, kv + half, PAL_F32, BLOCKS, P, H, DD);
  pool.stride_page = 2 * half;
  float *kn = xmalloc(sizeof(float) * TOK * H * DD), *vn = xmalloc(sizeof(float) * TOK * H * DD);
  fill_random(PAL_F32, kn, TOK * H * DD, &r, 1.0);
  fill_random(PAL_F32, vn, TOK * H * DD, &r, 1.0);
  /* one sequence of TOK tokens on blocks 7, 2, 5 */
  const int32_t blocks[3] = {7, 2, 5}, lens[1] = {TOK};
  int64_t slots[TOK];
  for (int t = 0; t < TOK; ++t) slots[t] = (int64_t)blocks[t / P] * P + t % P;
  float *expect = xmalloc(sizeof(float) * BLOCKS * 2 * half);
  memcpy(expect, kv, sizeof(float) * BLOCKS * 2 * half);
  pal_kv_pool ref_pool = pool;
  ref_pool.k = expect, ref_pool.v = expect + half;
  ref_fill_kv(kn, vn, PAL_F32, TOK, slots, &ref_pool);
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; ++isa) {
    if (!g_ctx[isa]) continue;
    float *kv_run = xmalloc(sizeof(float) * BLOCKS * 2 * half);
    memcpy(kv_run, kv, sizeof(float) * BLOCKS * 2 * half);
    pal_kv_pool p = pool;
    p.k = kv_run, p.v = kv_run + half;
    pal_error err = {0};
    CHECK_STATUS("fill_kv_pages into kv_cache[:, 0] / kv_cache[:, 1]",
                 pal_fill_kv_pages(g_ctx[isa], kn, vn, PAL_F32, TOK, slots, &p, &err), PAL_OK,
                 &err);
    /* NaN-filled unused slots compare equal as bytes */
    if (memcmp(kv_run, expect, sizeof(float) * BLOCKS * 2 * half) != 0)
      FAILF("isa %s: the combined cache differs from the reference fill", pal_isa_name(isa));
    const pal_page_table pt = pal_page_table_block(1, blocks, 3, lens);
    float q[QH * DD], out[QH * DD], lse[QH];
    fill_random(PAL_F32, q, QH * DD, &r, 1.0);
    double ref_out[QH * DD], ref_lse[QH], sb[QH];
    ref_decode(q, PAL_F32, QH, &p, &pt, 0.0, ref_out, ref_lse, sb);
    pal_attention_options o = {0};
    o.lse = lse;
    CHECK_STATUS("decode over the combined cache",
                 pal_decode(g_ctx[isa], q, out, PAL_F32, QH, &p, &pt, &o, &err), PAL_OK, &err);
    for (int h = 0; h < QH; ++h) {
      char row[32];
      snprintf(row, sizeof row, "head %d", h);
      check_row(pal_isa_name(isa), row, PAL_F32, out, (int64_t)h * DD, ref_out + h * DD, DD, 0,
                sb[h]);
      check_lse(pal_isa_name(isa), row, PAL_F32, lse[h], ref_lse[h], sb[h]);
    }
    free(kv_run);
  }
  free(kv), free(kn), free(vn), free(expect);
}

/* ------------------------------------------------ the scale sentinel */

static void test_scale_zero_is_the_default(void **state) {
  (void)state;
  small_call c;
  small_call_init(&c);
  const pal_page_table pt = pal_page_table_block(NSEQ, c.block_table, 3, c.seq_lens);
  float ref[NSEQ * HQ * D];
  const float scales[3] = {1.0f / sqrtf((float)D), 0.0f, -0.0f};
  for (int i = 0; i < 3; ++i) {
    pal_attention_options o = {0};
    o.scale = scales[i];
    pal_error err;
    CHECK_STATUS("decode", pal_decode(g_ctx[PAL_ISA_SCALAR], c.q, c.out, PAL_F32, HQ, &c.pool, &pt,
                                      &o, &err),
                 PAL_OK, &err);
    if (i == 0) memcpy(ref, c.out, sizeof ref);
    else assert_memory_equal(ref, c.out, sizeof ref);
  }
  small_call_free(&c);
}

/* ------------------------------------------------ zero sizes */

static void test_zero_sizes(void **state) {
  (void)state;
  pal_context *ctx = g_ctx[PAL_ISA_SCALAR];
  /* an empty cache: no pages, zero strides (NumPy's empty arrays), sequences of length 0 */
  pal_kv_pool empty = {0};
  empty.dtype = PAL_F16, empty.page_size = 16, empty.num_kv_heads = 2, empty.head_dim = 64;
  const int32_t lens[2] = {0, 0};
  const pal_page_table pt = pal_page_table_block(2, NULL, 0, lens);
  float q[2 * 4 * 64], out[2 * 4 * 64], lse[2 * 4];
  uint16_t q16[2 * 4 * 64], out16[2 * 4 * 64];
  memset(q, 0, sizeof q), memset(q16, 0, sizeof q16);
  memset(out, 0xff, sizeof out), memset(out16, 0xff, sizeof out16);
  pal_attention_options o = {0};
  o.lse = lse;
  pal_error err = {0};
  CHECK_STATUS("decode over an empty pool", pal_decode(ctx, q, out, PAL_F32, 4, &empty, &pt, &o, &err),
               PAL_OK, &err);
  for (int i = 0; i < 2 * 4 * 64; ++i) assert_true(out[i] == 0.0f);
  for (int i = 0; i < 8; ++i) assert_true(isinf(lse[i]) && lse[i] < 0);
  const int32_t qo[3] = {0, 0, 0};
  CHECK_STATUS("prefill with no queries over an empty pool",
               pal_prefill(ctx, q16, out16, PAL_F16, 4, qo, &empty, &pt, NULL, &err), PAL_OK, &err);
  const int64_t skip[2] = {-1, -1};
  CHECK_STATUS("fill of skipped tokens into an empty pool",
               pal_fill_kv_pages(ctx, q, q, PAL_F32, 2, skip, &empty, &err), PAL_OK, &err);
  /* page_size 0 is a shape error naming page_size, before any stride is judged */
  pal_kv_pool zero_page = empty;
  zero_page.page_size = 0;
  CHECK_STATUS("page_size 0", pal_decode(ctx, q, out, PAL_F32, 4, &zero_page, &pt, NULL, &err),
               PAL_E_SHAPE, &err);
  assert_non_null(strstr(err.message, "page_size"));
  zero_page.num_pages = 3;
  CHECK_STATUS("page_size 0 with pages",
               pal_decode(ctx, q, out, PAL_F32, 4, &zero_page, &pt, NULL, &err), PAL_E_SHAPE, &err);
  assert_non_null(strstr(err.message, "page_size"));
}

/* ------------------------------------------------ NaN and Inf */

typedef enum plant {
  PLANT_NONE,
  PLANT_Q_NAN,      /* one element of one query row */
  PLANT_Q_INF,      /* +inf in one query row */
  PLANT_K_NAN,      /* one element of a used K row */
  PLANT_K_NEG_INF,  /* a used K row scores -inf: that key drops out */
  PLANT_K_ALL_NEG,  /* every key of the sequence scores -inf: NaN */
  PLANT_K_POS_INF,  /* one key scores +inf: NaN */
  PLANT_V_NAN,      /* one element of a used V row */
  PLANT_V_INF,      /* +inf in a used V row */
  PLANT_K_HEAD_NEG, /* keys 0..63 (a whole first block / tile) score -inf, later ones not */
  PLANT_K_HEAD_NAN, /* keys 0..63 score NaN */
  PLANT_COUNT
} plant;
static const char *const k_plant_names[PLANT_COUNT] = {
    "none", "q NaN", "q +inf", "K NaN", "K -inf score", "every K -inf", "K +inf score", "V NaN",
    "V +inf", "keys 0-63 -inf", "keys 0-63 NaN"};

/* Plants `what` for sequence 0 at token t (its K/V) or query row 0. Query
 * element 0 is kept at 0.5 so a K infinity in element 0 gives a signed
 * infinite score; K row values in element 0 get the sign the plant needs. */
static void plant_value(plant what, paged_kv *pk, void *q, pal_dtype q_dtype, int64_t t,
                        int64_t seq_len) {
  const double inf = INFINITY;
  switch (what) {
    case PLANT_NONE: break;
    case PLANT_Q_NAN: ref_store_nan(q_dtype, q, 5); break;
    case PLANT_Q_INF: ref_store(q_dtype, q, 7, inf); break;
    case PLANT_K_NAN: ref_store_nan(pk->dtype, pk->k, paged_kv_offset(pk, 0, t, 0) + 3); break;
    case PLANT_K_NEG_INF: ref_store(pk->dtype, pk->k, paged_kv_offset(pk, 0, t, 0), -inf); break;
    case PLANT_K_ALL_NEG:
      for (int64_t j = 0; j < seq_len; ++j)
        ref_store(pk->dtype, pk->k, paged_kv_offset(pk, 0, j, 0), -inf);
      break;
    case PLANT_K_POS_INF: ref_store(pk->dtype, pk->k, paged_kv_offset(pk, 0, t, 0), inf); break;
    case PLANT_V_NAN: ref_store_nan(pk->dtype, pk->v, paged_kv_offset(pk, 0, t, 0) + 9); break;
    case PLANT_V_INF: ref_store(pk->dtype, pk->v, paged_kv_offset(pk, 0, t, 0) + 2, inf); break;
    case PLANT_K_HEAD_NEG:
    case PLANT_K_HEAD_NAN:
      for (int64_t j = 0; j < 64 && j < seq_len; ++j) {
        if (what == PLANT_K_HEAD_NEG) ref_store(pk->dtype, pk->k, paged_kv_offset(pk, 0, j, 0), -inf);
        else ref_store_nan(pk->dtype, pk->k, paged_kv_offset(pk, 0, j, 0) + 1);
      }
      break;
    default: break;
  }
}

/* Decode (both engines: plain, and with a window option) and prefill over
 * one planted value each, every ISA level, compared with the reference. */
static void run_nonfinite(pal_dtype dt, int32_t hq, int32_t hkv, int32_t ps, int64_t len,
                          int64_t q_len, int32_t window, plant what, trng *r) {
  const int32_t d = 64;
  const int32_t lens[2] = {(int32_t)len, 37};
  paged_kv pk;
  paged_kv_build(&pk, dt, LAYOUT_HND, ps, hkv, d, 2, lens, r);
  paged_kv_fill_random(&pk, r, 1.0);
  const int64_t rows = q_len + 1; /* sequence 0's queries, then sequence 1's one */
  const int32_t qo[3] = {0, (int32_t)q_len, (int32_t)rows};
  const size_t es = pal_dtype_size(dt);
  void *q = xmalloc(es * (size_t)(rows * hq * d));
  fill_random(dt, q, rows * hq * d, r, 1.0);
  for (int64_t i = 0; i < rows * hq; ++i) ref_store(dt, q, i * d, 0.5);
  /* the planted key: a position the first query of sequence 0 does not see
   * in prefill (when q_len > 1), but later ones do */
  const int64_t t = q_len > 1 ? len - q_len / 2 : len / 2;
  plant_value(what, &pk, q, dt, t, len);
  const pal_page_table pt = paged_kv_table(&pk, PAL_PAGES_BLOCK_TABLE);
  const ref_score_opts ro = {window, 0.0, NULL};
  double *ref_out = xmalloc(sizeof(double) * (size_t)(rows * hq * d));
  double *ref_lse = xmalloc(sizeof(double) * (size_t)(rows * hq));
  double *sb = xmalloc(sizeof(double) * (size_t)(rows * hq));
  const int use_prefill = q_len > 1 || window > 0;
  if (use_prefill) ref_prefill(q, dt, hq, qo, &pk.pool, &pt, 0.0, &ro, ref_out, ref_lse, sb);
  else ref_decode(q, dt, hq, &pk.pool, &pt, 0.0, ref_out, ref_lse, sb);
  void *out = xmalloc(es * (size_t)(rows * hq * d));
  float *lse = xmalloc(sizeof(float) * (size_t)(rows * hq));
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; ++isa) {
    if (!g_ctx[isa]) continue;
    pal_attention_options o = {0};
    o.lse = lse, o.window = window;
    pal_error err = {0};
    const pal_status st =
        use_prefill && q_len > 1
            ? pal_prefill(g_ctx[isa], q, out, dt, hq, qo, &pk.pool, &pt, &o, &err)
            : pal_decode(g_ctx[isa], q, out, dt, hq, &pk.pool, &pt, &o, &err);
    char what_s[200];
    snprintf(what_s, sizeof what_s, "%s %s %s G%d ps %d len %lld q_len %lld window %d: %s",
             pal_isa_name((pal_isa)isa), ref_dtype_name(dt),
             use_prefill && q_len > 1 ? "prefill" : window ? "decode+window" : "decode",
             (int)(hq / hkv), (int)ps, (long long)len, (long long)q_len, (int)window,
             k_plant_names[what]);
    CHECK_STATUS(what_s, st, PAL_OK, &err);
    for (int64_t i = 0; i < rows * hq; ++i) {
      char row[48];
      snprintf(row, sizeof row, "row %lld head %lld", (long long)(i / hq), (long long)(i % hq));
      const int empty = isinf(ref_lse[i]) && ref_lse[i] < 0;
      check_row(what_s, row, dt, out, i * d, ref_out + i * d, d, empty, sb[i]);
      check_lse(what_s, row, dt, lse[i], ref_lse[i], sb[i]);
    }
  }
  free(q), free(out), free(lse), free(ref_out), free(ref_lse), free(sb);
  paged_kv_free(&pk);
}

static void test_nonfinite(void **state) {
  (void)state;
  trng r;
  trng_init(&r, test_seed() ^ 0x4a4e);
  long cases = 0;
  const pal_dtype dts[3] = {PAL_F32, PAL_F16, PAL_BF16};
  for (int p = 0; p < PLANT_COUNT; ++p)
    for (int di = 0; di < 3; ++di) {
      const pal_dtype dt = dts[di];
      /* decode: G1, G4 and G8; one length splits across threads */
      run_nonfinite(dt, 2, 2, 16, 100, 1, 0, (plant)p, &r);
      run_nonfinite(dt, 8, 2, 7, 2100, 1, 0, (plant)p, &r);
      run_nonfinite(dt, 16, 2, 16, 300, 1, 0, (plant)p, &r);
      /* decode with a window (the prefill engine): the plant is inside it */
      run_nonfinite(dt, 8, 2, 16, 200, 1, 120, (plant)p, &r);
      /* prefill: 70 queries cross the diagonal tiles; the plant is masked
       * for the first half of them */
      run_nonfinite(dt, 4, 2, 16, 200, 70, 0, (plant)p, &r);
      cases += 5;
    }
  /* a key outside the window but inside the same key tile never reaches */
  for (int di = 0; di < 3; ++di) {
    const int32_t lens[1] = {100};
    paged_kv pk;
    paged_kv_build(&pk, dts[di], LAYOUT_NHD, 16, 1, 64, 1, lens, &r);
    paged_kv_fill_random(&pk, &r, 1.0);
    ref_store_nan(dts[di], pk.v, paged_kv_offset(&pk, 0, 90, 0));
    ref_store_nan(dts[di], pk.k, paged_kv_offset(&pk, 0, 91, 0));
    const size_t es = pal_dtype_size(dts[di]);
    void *q = xmalloc(es * 2 * 64), *out = xmalloc(es * 2 * 64);
    fill_random(dts[di], q, 2 * 64, &r, 1.0);
    const pal_page_table pt = paged_kv_table(&pk, PAL_PAGES_BLOCK_TABLE);
    for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; ++isa) {
      if (!g_ctx[isa]) continue;
      pal_attention_options o = {0};
      o.window = 8; /* keys 92..99 */
      pal_error err;
      CHECK_STATUS("decode with a window", pal_decode(g_ctx[isa], q, out, dts[di], 2, &pk.pool,
                                                      &pt, &o, &err),
                   PAL_OK, &err);
      for (int i = 0; i < 2 * 64; ++i)
        if (!isfinite(ref_load(dts[di], out, i)))
          FAILF("%s %s: NaN outside the window reached the output", pal_isa_name((pal_isa)isa),
                ref_dtype_name(dts[di]));
    }
    free(q), free(out);
    paged_kv_free(&pk);
  }
  printf("non-finite inputs: %ld planted cases x the ISA levels here agree with the float64 "
         "reference\n",
         cases);
}

/* pal_sdpa over both engines (q_len 1: the decode engine; q_len > 1 causal:
 * the prefill engine) with NaN in one K row and +inf in one V row of batch 0. */
static void test_nonfinite_sdpa(void **state) {
  (void)state;
  trng r;
  trng_init(&r, test_seed() ^ 0x5d9a);
  const pal_dtype dts[3] = {PAL_F32, PAL_F16, PAL_BF16};
  for (int di = 0; di < 3; ++di)
    for (int lq = 1; lq <= 70; lq += 69) {
      const pal_dtype dt = dts[di];
      const pal_sdpa_shape sh = {2, 8, 2, lq, 150, 64, lq > 1};
      const int64_t nq = 2LL * 8 * lq * 64, nk = 2LL * 2 * 150 * 64, rows = 2LL * 8 * lq;
      const size_t es = pal_dtype_size(dt);
      void *q = xmalloc(es * (size_t)nq), *k = xmalloc(es * (size_t)nk), *v = xmalloc(es * (size_t)nk);
      void *out = xmalloc(es * (size_t)nq);
      float *lse = xmalloc(sizeof(float) * (size_t)rows);
      fill_random(dt, q, nq, &r, 1.0), fill_random(dt, k, nk, &r, 1.0), fill_random(dt, v, nk, &r, 1.0);
      ref_store_nan(dt, k, 120 * 64 + 3);     /* batch 0, KV head 0, key 120 */
      ref_store(dt, v, 130 * 64 + 5, INFINITY); /* batch 0, KV head 0, key 130 */
      double *ro = xmalloc(sizeof(double) * (size_t)nq), *rl = xmalloc(sizeof(double) * (size_t)rows);
      double *sb = xmalloc(sizeof(double) * (size_t)rows);
      ref_sdpa(q, k, v, dt, &sh, 0.0, ro, rl, sb);
      for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; ++isa) {
        if (!g_ctx[isa]) continue;
        pal_attention_options o = {0};
        o.lse = lse;
        pal_error err = {0};
        char what[96];
        snprintf(what, sizeof what, "sdpa %s %s q_len %d", pal_isa_name((pal_isa)isa),
                 ref_dtype_name(dt), lq);
        CHECK_STATUS(what, pal_sdpa(g_ctx[isa], q, k, v, out, dt, &sh, &o, &err), PAL_OK, &err);
        for (int64_t i = 0; i < rows; ++i) {
          char row[32];
          snprintf(row, sizeof row, "row %lld", (long long)i);
          check_row(what, row, dt, out, i * 64, ro + i * 64, 64, isinf(rl[i]) && rl[i] < 0, sb[i]);
          check_lse(what, row, dt, lse[i], rl[i], sb[i]);
        }
      }
      free(q), free(k), free(v), free(out), free(lse), free(ro), free(rl), free(sb);
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_overlap_exact),       cmocka_unit_test(test_alias_paged),
      cmocka_unit_test(test_alias_sdpa_and_fill), cmocka_unit_test(test_vllm_combined_cache),
      cmocka_unit_test(test_scale_zero_is_the_default), cmocka_unit_test(test_zero_sizes),
      cmocka_unit_test(test_nonfinite),           cmocka_unit_test(test_nonfinite_sdpa),
  };
  printf("seed %#llx (set PAL_TEST_SEED to change)\n", (unsigned long long)test_seed());
  return cmocka_run_group_tests_name("hostile input", tests, group_setup, group_teardown);
}
