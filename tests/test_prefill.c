/* tests/test_prefill.c - pal_prefill (and the window / soft-cap / ALiBi
 * options of pal_decode) against the independent float64 reference, for
 * every ISA level this machine supports.
 *
 * Cases:
 *  - matrix: per dtype x page size (1, 7, 16, 256) five configurations rotate
 *    head_dim (64, 80, 96, 128, 256), group (G1, G4, G8, MQA), layout (HND,
 *    NHD), page-table form and thread count; every batch mixes sequences with
 *    history 0 (q_len = seq_len), 1, page_size - 1, 1000 + a chunk, decode-like
 *    q_len 1, a chunk crossing page boundaries, an empty query and an empty
 *    context, over a shuffled NaN-filled pool;
 *  - q_len 1 equals pal_decode (both against the reference, and each other);
 *  - sliding window smaller and larger than the context, soft-cap, ALiBi and
 *    their combination, for pal_prefill and for pal_decode;
 *  - mixed Q / KV dtypes; a group of 40 heads (larger than a row block);
 *  - determinism (split key ranges included);
 *  - argument validation (nothing written on error).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"

static pal_context *g_ctx[PAL_ISA_COUNT];
static long g_calls, g_rows;

static const pal_dtype k_dtypes[] = {PAL_F32, PAL_F16, PAL_BF16};
static const int32_t k_head_dims[] = {64, 80, 96, 128, 256};
typedef struct group_cfg {
  const char *name;
  int32_t hkv, hq;
} group_cfg;
static const group_cfg k_groups[] = {{"G1", 2, 2}, {"G4", 2, 8}, {"G8", 1, 8}, {"MQA", 1, 5}};

static int group_setup(void **state) {
  (void)state;
  return contexts_create(g_ctx, "prefill");
}

static int group_teardown(void **state) {
  (void)state;
  contexts_destroy(g_ctx);
  return 0;
}

/* ------------------------------------------------------------ tolerances */

/* The library's products are fp32 everywhere except on the AMX level with
 * fp16 / bf16 K/V, whose tile products take bf16 operands: with bf16 Q and
 * output Q is exact (scale applied in fp32 afterwards) and P is one bf16
 * (relative error 2^-9 per weight, within the bf16 output's own rounding);
 * otherwise Q and P are split into hi + lo bf16 parts (16 significant
 * bits: a relative error of 2^-17 per product, which TOL_SCORE_AMX covers). */
#define TOL_SCORE_AMX 1e-5
typedef struct ptol {
  double atol, rtol, score;
} ptol;

static ptol tol_of(pal_isa isa, pal_dtype q_dtype, pal_dtype kv_dtype) {
  const tol_t t = tol_for(q_dtype);
  ptol r = {t.atol, t.rtol, TOL_SCORE};
  if (isa == PAL_ISA_AMX && kv_dtype != PAL_F32) r.score = TOL_SCORE_AMX;
  return r;
}

static double worst_norm[PAL_ISA_COUNT][PAL_DTYPE_COUNT];

static void check_out_row(const char *what, const char *row, pal_isa isa, pal_dtype dt,
                          pal_dtype kv_dt, const void *got, int64_t off, const double *ref, int D,
                          int empty, double sb) {
  if (empty) {
    for (int d = 0; d < D; d++)
      if (!(ref_load(dt, got, off + d) == 0.0))
        FAILF("%s\n  %s: row sees no token, expected exact zeros; d=%d got %.9g", what, row, d,
              ref_load(dt, got, off + d));
    return;
  }
  const ptol t = tol_of(isa, dt, kv_dt);
  double rowmax = 0.0;
  for (int d = 0; d < D; d++)
    if (fabs(ref[d]) > rowmax) rowmax = fabs(ref[d]);
  const double lim = t.atol + t.rtol * rowmax + 2 * t.score * sb;
  for (int d = 0; d < D; d++) {
    const double g = ref_load(dt, got, off + d), err = fabs(g - ref[d]);
    if (!(err <= lim))
      FAILF("%s\n  %s: d=%d got %.9g ref %.9g |err| %.3g > tol %.3g (rowmax %.4g, score bound "
            "%.4g)",
            what, row, d, g, ref[d], err, lim, rowmax, sb);
    if (err / lim > worst_norm[isa][dt]) worst_norm[isa][dt] = err / lim;
  }
}

static void check_lse_val(const char *what, const char *row, pal_isa isa, pal_dtype dt,
                          pal_dtype kv_dt, float got, double ref, double sb) {
  if (isinf(ref) && ref < 0) {
    if (!(isinf(got) && got < 0))
      FAILF("%s\n  %s: lse expected -inf (row sees no token), got %.9g", what, row, (double)got);
    return;
  }
  const ptol t = tol_of(isa, dt, kv_dt);
  const double err = fabs((double)got - ref);
  const double lim = TOL_LSE_ATOL + TOL_LSE_RTOL * fabs(ref) + t.score * sb;
  if (!(err <= lim))
    FAILF("%s\n  %s: lse got %.9g ref %.9g |err| %.3g > tol %.3g (score bound %.4g)", what, row,
          (double)got, ref, err, lim, sb);
}

/* ------------------------------------------------------------ one case */

/* A batch: sequence s has hist[s] history tokens and qlen[s] new ones. */
typedef struct batch {
  int32_t n;
  int32_t hist[16], qlen[16];
} batch;

typedef struct pcase {
  const char *label;
  pal_dtype q_dtype, kv_dtype;
  int layout;
  int32_t ps, hkv, hq, D;
  float scale;
  double qamp;
  pal_attention_options opt; /* lse / threads set per run */
  uint64_t seed;
} pcase;

typedef struct prepared {
  paged_kv pk;
  int32_t qo[17];
  int64_t total_q;
  void *q;
  double *ref_out[2], *ref_lse[2], *ref_sb;
} prepared;

static void prepare(const pcase *c, const batch *b, prepared *P) {
  trng rng;
  trng_init(&rng, c->seed);
  int32_t lens[16];
  P->qo[0] = 0;
  for (int s = 0; s < b->n; s++) {
    lens[s] = b->hist[s] + b->qlen[s];
    P->qo[s + 1] = P->qo[s] + b->qlen[s];
  }
  P->total_q = P->qo[b->n];
  paged_kv_build(&P->pk, c->kv_dtype, c->layout, c->ps, c->hkv, c->D, b->n, lens, &rng);
  paged_kv_fill_random(&P->pk, &rng, 1.0);
  const int64_t rows = P->total_q * c->hq;
  P->q = xmalloc((size_t)(rows * c->D) * ref_dtype_size(c->q_dtype) + 1);
  fill_random(c->q_dtype, P->q, rows * c->D, &rng, c->qamp);
  ref_score_opts ro = {c->opt.window, c->opt.softcap, c->opt.alibi_slopes};
  for (int f = 0; f < 2; f++) {
    P->ref_out[f] = xmalloc(sizeof(double) * (size_t)(rows * c->D + 1));
    P->ref_lse[f] = xmalloc(sizeof(double) * (size_t)(rows + 1));
  }
  P->ref_sb = xmalloc(sizeof(double) * (size_t)(rows + 1));
  for (int f = 0; f < 2; f++) {
    pal_page_table pt = paged_kv_table(&P->pk, (pal_page_table_form)f);
    ref_prefill(P->q, c->q_dtype, c->hq, P->qo, &P->pk.pool, &pt, c->scale, &ro, P->ref_out[f],
                P->ref_lse[f], P->ref_sb);
  }
  if (memcmp(P->ref_out[0], P->ref_out[1], sizeof(double) * (size_t)(rows * c->D)))
    FAILF("test harness: block-table and CSR references differ (%s)", c->label);
}

static void release(prepared *P) {
  for (int f = 0; f < 2; f++) free(P->ref_out[f]), free(P->ref_lse[f]);
  free(P->ref_sb);
  free(P->q);
  paged_kv_free(&P->pk);
}

static void describe(char *buf, size_t n, const pcase *c, const batch *b, pal_isa isa, int form,
                     int threads, const char *api) {
  int k = snprintf(buf, n,
                   "%s [%s]: isa=%s q=%s kv=%s layout=%s form=%s ps=%d D=%d Hq=%d Hkv=%d "
                   "threads=%d scale=%g window=%d softcap=%g alibi=%s seed=%#llx batch(hist+q)=",
                   c->label, api, pal_isa_name(isa), ref_dtype_name(c->q_dtype),
                   ref_dtype_name(c->kv_dtype), layout_name(c->layout), form_name(form), c->ps,
                   c->D, c->hq, c->hkv, threads, (double)c->scale, (int)c->opt.window,
                   (double)c->opt.softcap, c->opt.alibi_slopes ? "yes" : "no",
                   (unsigned long long)c->seed);
  for (int s = 0; s < b->n && k > 0 && (size_t)k < n; s++)
    k += snprintf(buf + k, n - (size_t)k, "%s%d+%d", s ? "," : "", b->hist[s], b->qlen[s]);
}

/* pal_prefill (decode_api: pal_decode, every qlen must be 1) into guarded
 * buffers, checked against the reference; copies out / lse when asked. */
static void run_one(const pcase *c, const batch *b, const prepared *P, pal_isa isa, int form,
                    int threads, int want_lse, int decode_api, void *out_copy, float *lse_copy) {
  const int64_t rows = P->total_q * c->hq;
  const size_t es = ref_dtype_size(c->q_dtype);
  char what[1024], row[160];
  describe(what, sizeof what, c, b, isa, form, threads, decode_api ? "pal_decode" : "pal_prefill");
  gbuf out, lse;
  gbuf_alloc(&out, (size_t)(rows * c->D) * es, 64, 0xFF);
  gbuf_alloc(&lse, (size_t)rows * sizeof(float), 64, 0xFF);
  pal_page_table pt = paged_kv_table(&P->pk, (pal_page_table_form)form);
  pal_attention_options opt = c->opt;
  opt.scale = c->scale;
  opt.num_threads = threads;
  opt.lse = want_lse ? (float *)lse.p : NULL;
  pal_error err;
  memset(&err, 0, sizeof err);
  pal_status st = decode_api ? pal_decode(g_ctx[isa], P->q, out.p, c->q_dtype, c->hq, &P->pk.pool,
                                          &pt, &opt, &err)
                             : pal_prefill(g_ctx[isa], P->q, out.p, c->q_dtype, c->hq, P->qo,
                                           &P->pk.pool, &pt, &opt, &err);
  CHECK_STATUS(what, st, PAL_OK, &err);
  if (!gbuf_guards_ok(&out)) FAILF("%s\n  output guard bytes were overwritten", what);
  if (!gbuf_guards_ok(&lse)) FAILF("%s\n  lse guard bytes were overwritten", what);
  if (!want_lse && gbuf_first_changed(&lse) >= 0)
    FAILF("%s\n  lse written although options.lse was NULL", what);
  for (int s = 0; s < b->n; s++)
    for (int i = 0; i < b->qlen[s]; i++)
      for (int h = 0; h < c->hq; h++) {
        const int64_t r = (int64_t)(P->qo[s] + i) * c->hq + h;
        const int64_t pos = b->hist[s] + i;
        const int64_t lo = c->opt.window > 0 && pos - c->opt.window + 1 > 0
                               ? pos - c->opt.window + 1 : 0;
        snprintf(row, sizeof row, "row seq=%d query=%d (position %lld, sees %lld keys) head=%d",
                 s, i, (long long)pos, (long long)(pos + 1 - lo), h);
        check_out_row(what, row, isa, c->q_dtype, c->kv_dtype, out.p, r * c->D,
                      P->ref_out[form] + r * c->D, c->D, 0, P->ref_sb[r]);
        if (want_lse)
          check_lse_val(what, row, isa, c->q_dtype, c->kv_dtype, ((float *)lse.p)[r],
                        P->ref_lse[form][r], P->ref_sb[r]);
      }
  g_calls++;
  g_rows += rows;
  if (out_copy) memcpy(out_copy, out.p, out.size);
  if (lse_copy) memcpy(lse_copy, lse.p, lse.size);
  gbuf_free(&out);
  gbuf_free(&lse);
}

/* Every ISA level on one prepared case, threads rotating; both page-table
 * forms, or (one_form) one form per level, rotating with rot, so a matrix
 * still gives every level both forms while running half the calls. */
static void run_all(const pcase *c, const batch *b, int decode_api, int rot, int one_form) {
  prepared P;
  prepare(c, b, &P);
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
    if (!g_ctx[isa]) continue;
    for (int form = 0; form < 2; form++) {
      if (one_form && form != (isa + rot) % 2) continue;
      const int k = rot + isa + form;
      run_one(c, b, &P, (pal_isa)isa, form, (int[]){1, 2, 0}[k % 3], k % 4 != 3, decode_api,
              NULL, NULL);
    }
  }
  release(&P);
}

/* ------------------------------------------------------------ the matrix */

static void matrix_for_page_size(int32_t ps, int ps_idx) {
  for (int di = 0; di < 3; di++)
    for (int j = 0; j < 5; j++) {
      const group_cfg *gc = &k_groups[(j + ps_idx + di) % 4];
      pcase c;
      memset(&c, 0, sizeof c);
      c.label = "prefill matrix";
      c.q_dtype = c.kv_dtype = k_dtypes[di];
      c.layout = (j + di + ps_idx) % 2;
      c.ps = ps;
      c.hkv = gc->hkv;
      c.hq = gc->hq;
      c.D = k_head_dims[j];
      const int mode = (j + ps_idx + 2 * di) % 3;
      c.scale = mode == 2 ? 1.0f : 0.0f;
      c.qamp = mode == 0 ? 1.0 : mode == 1 ? 4.0 : 3.0;
      c.seed = test_seed() ^ ((uint64_t)(di * 100 + ps_idx * 10 + j + 1) * 0x9E3779B97F4A7C15ull);
      /* history 0 / 1 / ps-1 / 1000 with chunks, decode-like, page-crossing,
       * empty query, empty context; the long history in one config of five
       * keeps the float64 reference (and the ASan build) quick */
      batch b = {8,
                 {0, 1, ps - 1, j == 1 ? 1000 : 200, 37, ps + 3, 5, 0},
                 {j == 1 ? 45 : 70, 33, 2 * ps + 1 < 40 ? 2 * ps + 1 : 40, 20, 1,
                  ps > 16 ? 2 * ps - 3 : 3 * ps + 2, 0, 0}};
      if (b.qlen[5] > 60) b.qlen[5] = 60;
      run_all(&c, &b, 0, j + ps_idx, 1);
    }
}

static void test_matrix_ps1(void **state) { (void)state; matrix_for_page_size(1, 0); }
static void test_matrix_ps7(void **state) { (void)state; matrix_for_page_size(7, 1); }
static void test_matrix_ps16(void **state) { (void)state; matrix_for_page_size(16, 2); }
static void test_matrix_ps256(void **state) { (void)state; matrix_for_page_size(256, 3); }

/* ------------------------------------------------- q_len 1 equals decode */

static void test_qlen1_equals_decode(void **state) {
  (void)state;
  for (int di = 0; di < 3; di++) {
    pcase c;
    memset(&c, 0, sizeof c);
    c.label = "q_len 1 vs decode";
    c.q_dtype = c.kv_dtype = k_dtypes[di];
    c.layout = di % 2;
    c.ps = 16;
    c.hkv = 2;
    c.hq = 8 << (di % 2);
    c.D = 128;
    c.qamp = 2.0;
    c.seed = test_seed() + 4242 + (uint64_t)di;
    batch b = {6, {0, 15, 16, 700, 3000, 63}, {1, 1, 1, 1, 1, 1}};
    prepared P;
    prepare(&c, &b, &P);
    const size_t bytes = (size_t)(P.total_q * c.hq * c.D) * ref_dtype_size(c.q_dtype);
    unsigned char *a = xmalloc(bytes), *d = xmalloc(bytes);
    for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
      if (!g_ctx[isa]) continue;
      run_one(&c, &b, &P, (pal_isa)isa, isa % 2, 2, 1, 0, a, NULL);
      run_one(&c, &b, &P, (pal_isa)isa, isa % 2, 2, 1, 1, d, NULL);
      /* and each other: twice the reference tolerance at most */
      const ptol t = tol_of((pal_isa)isa, c.q_dtype, c.kv_dtype);
      for (int64_t r = 0; r < P.total_q * c.hq; r++) {
        double rowmax = 0;
        for (int x = 0; x < c.D; x++)
          if (fabs(P.ref_out[0][r * c.D + x]) > rowmax) rowmax = fabs(P.ref_out[0][r * c.D + x]);
        const double lim = 2 * (t.atol + t.rtol * rowmax + 2 * t.score * P.ref_sb[r]);
        for (int x = 0; x < c.D; x++) {
          const double u = ref_load(c.q_dtype, a, r * c.D + x), v = ref_load(c.q_dtype, d, r * c.D + x);
          if (!(fabs(u - v) <= lim))
            FAILF("q_len 1 prefill vs decode: isa=%s dtype=%s row %lld d=%d: %.9g vs %.9g",
                  pal_isa_name((pal_isa)isa), ref_dtype_name(c.q_dtype), (long long)r, x, u, v);
        }
      }
    }
    free(a);
    free(d);
    release(&P);
  }
}

/* ------------------------------------------- window, soft-cap and ALiBi */

static void options_case(const char *label, int32_t window, float softcap, int alibi,
                         int decode_api, int k) {
  pcase c;
  memset(&c, 0, sizeof c);
  c.label = label;
  c.q_dtype = c.kv_dtype = k_dtypes[k % 3];
  c.layout = k % 2;
  c.ps = (int32_t[]){16, 7, 64}[k % 3];
  c.hkv = 2;
  c.hq = (int32_t[]){8, 2, 16}[(k / 3) % 3];
  c.D = (int32_t[]){64, 128, 96}[(k / 2) % 3];
  c.qamp = 3.0;
  c.seed = test_seed() + 777 + (uint64_t)k * 31 + (uint64_t)window;
  float slopes[16];
  for (int h = 0; h < c.hq; h++) slopes[h] = exp2f(-8.0f * (float)(h + 1) / (float)c.hq);
  c.opt.window = window;
  c.opt.softcap = softcap;
  c.opt.alibi_slopes = alibi ? slopes : NULL;
  /* decode: 3 sequences x 2 KV heads are too few items for 2 threads, so
   * the 1500-token key range is split and merged */
  batch b = decode_api ? (batch){3, {0, 9, 1500}, {1, 1, 1}}
                       : (batch){5, {0, 3, 77, 400, 600}, {70, 20, 1, 40, 33}};
  run_all(&c, &b, decode_api, k, 0);
}

static void test_window(void **state) {
  (void)state;
  /* smaller than every context, about the chunk size, larger than any */
  const int32_t w[] = {1, 16, 70, 5000};
  for (int i = 0; i < 4; i++) {
    options_case("window", w[i], 0.0f, 0, 0, i);
    options_case("window", w[i], 0.0f, 0, 1, i + 1);
  }
}

static void test_softcap(void **state) {
  (void)state;
  for (int i = 0; i < 3; i++) {
    options_case("softcap", 0, (float[]){1.5f, 5.0f, 30.0f}[i], 0, 0, i);
    options_case("softcap", 0, (float[]){1.5f, 5.0f, 30.0f}[i], 0, 1, i + 2);
  }
}

static void test_alibi(void **state) {
  (void)state;
  for (int i = 0; i < 3; i++) {
    options_case("alibi", 0, 0.0f, 1, 0, i);
    options_case("alibi", 0, 0.0f, 1, 1, i + 1);
  }
}

static void test_options_combined(void **state) {
  (void)state;
  options_case("window+softcap+alibi", 100, 8.0f, 1, 0, 4);
  options_case("window+softcap+alibi", 33, 3.0f, 1, 1, 5);
}

/* ------------------------------------------------- mixed Q / KV dtypes */

static void test_mixed_dtypes(void **state) {
  (void)state;
  for (int kd = 0; kd < 3; kd++)
    for (int qd = 0; qd < 3; qd++) {
      if (kd == qd) continue;
      pcase c;
      memset(&c, 0, sizeof c);
      c.label = "mixed dtypes";
      c.q_dtype = k_dtypes[qd];
      c.kv_dtype = k_dtypes[kd];
      c.layout = (kd + qd) % 2;
      c.ps = 16;
      c.hkv = 2;
      c.hq = 8;
      c.D = 128;
      c.qamp = 2.0;
      c.seed = test_seed() + 99 + (uint64_t)(kd * 3 + qd);
      batch b = {3, {0, 17, 300}, {50, 1, 40}};
      run_all(&c, &b, 0, kd + qd, 0);
    }
}

/* ------------------------------------------- groups larger than a row block */

/* G 40 > 32 rows of a block: the group runs in pieces (32 + 8 heads). */
static void test_large_group(void **state) {
  (void)state;
  for (int di = 0; di < 3; di++) {
    pcase c;
    memset(&c, 0, sizeof c);
    c.label = "G40";
    c.q_dtype = c.kv_dtype = k_dtypes[di];
    c.layout = di % 2;
    c.ps = 16;
    c.hkv = 1;
    c.hq = 40;
    c.D = 64;
    c.qamp = 2.0;
    c.seed = test_seed() + 4040 + (uint64_t)di;
    batch b = {3, {0, 30, 100}, {20, 5, 1}};
    run_all(&c, &b, 0, di, 0);
  }
}

/* ------------------------------------------------------ determinism */

static void test_determinism(void **state) {
  (void)state;
  /* batch 1 with few items: the key range is split across threads */
  /* case 0: 4 items for 2 threads: key ranges split (chunks merged by lse) */
  const batch bs[2] = {{1, {2000}, {16}}, {4, {0, 100, 7, 500}, {150, 64, 1, 129}}};
  for (int k = 0; k < 2; k++) {
    pcase c;
    memset(&c, 0, sizeof c);
    c.label = "determinism";
    c.q_dtype = c.kv_dtype = k ? PAL_BF16 : PAL_F32;
    c.layout = k;
    c.ps = 16;
    c.hkv = 1;
    c.hq = 8;
    c.D = 128;
    c.qamp = 2.0;
    c.seed = test_seed() + 5 + (uint64_t)k;
    prepared P;
    prepare(&c, &bs[k], &P);
    const int64_t rows = P.total_q * c.hq;
    const size_t bytes = (size_t)(rows * c.D) * ref_dtype_size(c.q_dtype);
    unsigned char *first = xmalloc(bytes), *again = xmalloc(bytes);
    float *fl = xmalloc(sizeof(float) * (size_t)rows), *al = xmalloc(sizeof(float) * (size_t)rows);
    for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
      if (!g_ctx[isa]) continue;
      run_one(&c, &bs[k], &P, (pal_isa)isa, k, 2, 1, 0, first, fl);
      for (int rep = 1; rep < 3; rep++) {
        run_one(&c, &bs[k], &P, (pal_isa)isa, k, 2, 1, 0, again, al);
        if (memcmp(first, again, bytes) || memcmp(fl, al, sizeof(float) * (size_t)rows))
          FAILF("determinism: isa=%s case %d run %d differs from run 0", pal_isa_name((pal_isa)isa),
                k, rep);
      }
    }
    free(first), free(again), free(fl), free(al);
    release(&P);
  }
}

/* ------------------------------------------------------ validation */

static void expect_fail(const char *what, pal_status got, pal_status want, const gbuf *out) {
  if (got != want)
    FAILF("validation %s: status %s, expected %s", what, pal_status_name(got),
          pal_status_name(want));
  if (gbuf_first_changed(out) >= 0) FAILF("validation %s: output written on error", what);
}

static void test_validation(void **state) {
  (void)state;
  pal_context *ctx = g_ctx[PAL_ISA_SCALAR];
  trng rng;
  trng_init(&rng, test_seed() + 1);
  const int32_t lens[2] = {10, 20};
  paged_kv pk;
  paged_kv_build(&pk, PAL_F32, LAYOUT_HND, 16, 2, 64, 2, lens, &rng);
  paged_kv_fill_random(&pk, &rng, 1.0);
  float q[30 * 2 * 64];
  for (int i = 0; i < 30 * 2 * 64; i++) q[i] = 0.5f;
  gbuf out;
  gbuf_alloc(&out, sizeof q, 64, 0x5A);
  pal_page_table pt = paged_kv_table(&pk, PAL_PAGES_BLOCK_TABLE);
  pal_error err;
  int32_t qo_ok[3] = {0, 10, 30}, qo_bad0[3] = {1, 10, 30}, qo_dec[3] = {0, 5, 3},
          qo_long[3] = {0, 11, 30};
  expect_fail("qo_indptr NULL", pal_prefill(ctx, q, out.p, PAL_F32, 2, NULL, &pk.pool, &pt, NULL, &err),
              PAL_E_NULL, &out);
  expect_fail("qo_indptr[0] != 0",
              pal_prefill(ctx, q, out.p, PAL_F32, 2, qo_bad0, &pk.pool, &pt, NULL, &err),
              PAL_E_SHAPE, &out);
  expect_fail("qo_indptr decreasing",
              pal_prefill(ctx, q, out.p, PAL_F32, 2, qo_dec, &pk.pool, &pt, NULL, &err),
              PAL_E_SHAPE, &out);
  expect_fail("q_len > seq_len",
              pal_prefill(ctx, q, out.p, PAL_F32, 2, qo_long, &pk.pool, &pt, NULL, &err),
              PAL_E_SEQ_LEN, &out);
  expect_fail("heads", pal_prefill(ctx, q, out.p, PAL_F32, 3, qo_ok, &pk.pool, &pt, NULL, &err),
              PAL_E_HEADS, &out);
  pal_attention_options o;
  memset(&o, 0, sizeof o);
  o.window = -1;
  expect_fail("window < 0", pal_prefill(ctx, q, out.p, PAL_F32, 2, qo_ok, &pk.pool, &pt, &o, &err),
              PAL_E_ARG, &out);
  expect_fail("decode window < 0", pal_decode(ctx, q, out.p, PAL_F32, 2, &pk.pool, &pt, &o, &err),
              PAL_E_ARG, &out);
  o.window = 0;
  o.softcap = -1.0f;
  expect_fail("softcap < 0", pal_prefill(ctx, q, out.p, PAL_F32, 2, qo_ok, &pk.pool, &pt, &o, &err),
              PAL_E_ARG, &out);
  o.softcap = INFINITY;
  expect_fail("softcap inf", pal_prefill(ctx, q, out.p, PAL_F32, 2, qo_ok, &pk.pool, &pt, &o, &err),
              PAL_E_ARG, &out);
  o.softcap = 0.0f;
  const float slopes[2] = {0.5f, NAN};
  o.alibi_slopes = slopes;
  expect_fail("alibi NaN", pal_prefill(ctx, q, out.p, PAL_F32, 2, qo_ok, &pk.pool, &pt, &o, &err),
              PAL_E_ARG, &out);
  expect_fail("decode alibi NaN", pal_decode(ctx, q, out.p, PAL_F32, 2, &pk.pool, &pt, &o, &err),
              PAL_E_ARG, &out);
  /* a bad page id is found before anything is written */
  pk.block_table[pk.max_pages_per_seq + 1] = (int32_t)pk.num_pages; /* seq 1, page 1 */
  expect_fail("page id", pal_prefill(ctx, q, out.p, PAL_F32, 2, qo_ok, &pk.pool, &pt, NULL, &err),
              PAL_E_PAGE_ID, &out);
  gbuf_free(&out);
  paged_kv_free(&pk);
}

static void test_report(void **state) {
  (void)state;
  printf("prefill: %ld calls, %ld rows compared\n", g_calls, g_rows);
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++)
    for (int dt = 0; dt < PAL_DTYPE_COUNT; dt++)
      if (worst_norm[isa][dt] > 0)
        printf("prefill worst err/tol isa=%s out=%s: %.3f\n", pal_isa_name((pal_isa)isa),
               ref_dtype_name((pal_dtype)dt), worst_norm[isa][dt]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_validation),   cmocka_unit_test(test_matrix_ps1),
      cmocka_unit_test(test_matrix_ps7),   cmocka_unit_test(test_matrix_ps16),
      cmocka_unit_test(test_matrix_ps256), cmocka_unit_test(test_qlen1_equals_decode),
      cmocka_unit_test(test_window),       cmocka_unit_test(test_softcap),
      cmocka_unit_test(test_alibi),        cmocka_unit_test(test_options_combined),
      cmocka_unit_test(test_mixed_dtypes), cmocka_unit_test(test_large_group),
      cmocka_unit_test(test_determinism),
      cmocka_unit_test(test_report),
  };
  printf("seed %#llx (set PAL_TEST_SEED to change)\n", (unsigned long long)test_seed());
  return cmocka_run_group_tests_name("pal_prefill", tests, group_setup, group_teardown);
}
