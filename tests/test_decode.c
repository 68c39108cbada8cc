/* tests/test_decode.c - pal_decode correctness matrix against the independent
 * float64 reference, for every ISA level this machine supports, plus the
 * determinism checks.
 *
 * Covering design (instead of the full cartesian product):
 *   for each dtype (fp32, fp16, bf16; Q, KV and output share it)
 *    for each page size (1, 7, 16, 64, 256)
 *     for j in 0..4:  head_dim = D[j], group = GROUP[(j + ps + dt) % 4],
 *                     batch = 33 or 1 (rotating), scale/q-amplitude mode rotating
 *      for each layout (HND, NHD): a fresh NaN-filled, shuffled pool
 *       for each form (block table, CSR): the reference, then
 *        for each ISA level: pal_decode with 1, 2 or the context's (2) threads
 * So every pair of values of (page_size, head_dim, G, dtype, layout, form, ISA,
 * batch, threads, scale mode, lse on/off) occurs in some case (checked by
 * enumerating the rotation); each batch-33 case holds every special length of its page size
 * (0, 1, ps-1, ps, ps+1, 4097) plus 27 random lengths; batch-1 cases rotate
 * through the special lengths and a random one.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_common.h"

static const int32_t k_page_sizes[] = {1, 7, 16, 64, 256};
static const int32_t k_head_dims[] = {64, 80, 96, 128, 256};
typedef struct group_cfg {
  const char *name;
  int32_t hkv, hq;
} group_cfg;
static const group_cfg k_groups[] = {
    {"G1", 3, 3}, {"G4", 2, 8}, {"G8", 2, 16}, {"MQA", 1, 6}};
static const pal_dtype k_dtypes[] = {PAL_F32, PAL_F16, PAL_BF16};

#define NUM_PS ((int)(sizeof k_page_sizes / sizeof k_page_sizes[0]))
#define NUM_CFG 5

static pal_context *g_ctx[PAL_ISA_COUNT]; /* NULL: level unsupported here */
static long g_cases, g_rows, g_refs, g_lse_rows;
static long g_matrix_cases, g_matrix_rows; /* the covering matrix alone */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int group_setup(void **state) {
  (void)state;
  return contexts_create(g_ctx, "decode");
}

static int group_teardown(void **state) {
  (void)state;
  contexts_destroy(g_ctx);
  return 0;
}

/* ------------------------------------------------------ one decode run */

typedef struct decode_run {
  const char *label;
  pal_isa isa;
  pal_dtype q_dtype;
  const paged_kv *pk;
  pal_page_table_form form;
  int32_t num_q_heads;
  const void *q;
  float scale;
  int num_threads; /* options.num_threads (0: the context's) */
  int want_lse;
  const double *ref_out, *ref_lse, *ref_sb; /* reference out, lse, score bound */
  const char *extra; /* appended to the description */
} decode_run;

static void describe(char *buf, size_t n, const decode_run *r) {
  const paged_kv *pk = r->pk;
  const int G = r->num_q_heads / pk->num_kv_heads;
  int threads = r->num_threads ? r->num_threads : pal_context_num_threads(g_ctx[r->isa]);
  snprintf(buf, n,
           "%s: isa=%s q=%s kv=%s layout=%s form=%s page_size=%d D=%d G=%d%s (Hq=%d Hkv=%d) "
           "batch=%d threads=%d scale=%g lse=%s num_pages=%lld seed=%#llx%s%s",
           r->label, pal_isa_name(r->isa), ref_dtype_name(r->q_dtype), ref_dtype_name(pk->dtype),
           layout_name(pk->layout), form_name(r->form), pk->page_size, pk->head_dim, G,
           pk->num_kv_heads == 1 ? "(MQA)" : "", r->num_q_heads, pk->num_kv_heads, pk->num_seqs,
           threads, (double)r->scale, r->want_lse ? "yes" : "no", (long long)pk->num_pages,
           (unsigned long long)test_seed(), r->extra ? " " : "", r->extra ? r->extra : "");
}

/* Runs pal_decode once into guarded buffers, compares with the reference and
 * returns the output (and lse) copies for the caller (may be NULL). */
static void run_decode(const decode_run *r, void *out_copy, float *lse_copy) {
  const paged_kv *pk = r->pk;
  const int D = pk->head_dim;
  const int64_t rows = (int64_t)pk->num_seqs * r->num_q_heads;
  const size_t es = ref_dtype_size(r->q_dtype);
  char what[512], row[160];
  describe(what, sizeof what, r);

  gbuf out, lse;
  gbuf_alloc(&out, (size_t)(rows * D) * es, 64, 0xFF); /* 0xFF..: NaN in every dtype */
  gbuf_alloc(&lse, (size_t)rows * sizeof(float), 64, 0xFF);
  pal_page_table pt = paged_kv_table(pk, r->form);
  pal_attention_options opt;
  memset(&opt, 0, sizeof opt);
  opt.scale = r->scale;
  opt.num_threads = r->num_threads;
  opt.lse = r->want_lse ? (float *)lse.p : NULL;
  pal_error err;
  memset(&err, 0, sizeof err);
  pal_status st = pal_decode(g_ctx[r->isa], r->q, out.p, r->q_dtype, r->num_q_heads, &pk->pool, &pt,
                             &opt, &err);
  CHECK_STATUS(what, st, PAL_OK, &err);
  if (!gbuf_guards_ok(&out)) FAILF("%s\n  output guard bytes were overwritten", what);
  if (!gbuf_guards_ok(&lse)) FAILF("%s\n  lse guard bytes were overwritten", what);
  if (!r->want_lse && gbuf_first_changed(&lse) >= 0)
    FAILF("%s\n  lse buffer written although options.lse was NULL", what);

  for (int32_t s = 0; s < pk->num_seqs; s++) {
    const int64_t len = ref_seq_len(&pt, pk->page_size, s);
    for (int32_t h = 0; h < r->num_q_heads; h++) {
      const int64_t i = (int64_t)s * r->num_q_heads + h;
      snprintf(row, sizeof row, "row seq=%d (seq_len=%lld) q_head=%d (kv_head=%d)", s,
               (long long)len, h, h / (r->num_q_heads / pk->num_kv_heads));
      check_row(what, row, r->q_dtype, out.p, i * D, r->ref_out + i * D, D, len == 0,
                r->ref_sb[i]);
      if (r->want_lse) check_lse(what, row, r->q_dtype, ((float *)lse.p)[i], r->ref_lse[i], r->ref_sb[i]);
    }
  }
  g_cases++;
  g_rows += rows;
  if (r->want_lse) g_lse_rows += rows;
  if (out_copy) memcpy(out_copy, out.p, out.size);
  if (lse_copy) memcpy(lse_copy, lse.p, lse.size);
  gbuf_free(&out);
  gbuf_free(&lse);
}

/* Reference for (pk, form); also checks the two page-table forms agree. */
static void compute_ref(const paged_kv *pk, pal_page_table_form form, const void *q,
                        pal_dtype q_dtype, int32_t hq, double scale, double *out, double *lse,
                        double *sb) {
  pal_page_table pt = paged_kv_table(pk, form);
  ref_decode(q, q_dtype, hq, &pk->pool, &pt, scale, out, lse, sb);
  g_refs++;
}

/* ------------------------------------------------------ the matrix */

static void matrix_for_page_size(int ps_idx) {
  const int32_t ps = k_page_sizes[ps_idx];
  const double t0 = now_s();
  const long cases0 = g_cases, rows0 = g_rows;
  for (int di = 0; di < 3; di++) {
    const pal_dtype dt = k_dtypes[di];
    for (int j = 0; j < NUM_CFG; j++) {
      const int32_t D = k_head_dims[j];
      const group_cfg *gc = &k_groups[(j + ps_idx + di) % 4];
      /* (j + di) parity: independent of the group index (j + ps_idx + di) % 4,
       * so every group also meets both batch sizes */
      const int batch = ((j + di) % 2 == 0) ? 33 : 1;
      const int mode = (j + ps_idx + 2 * di) % 3;
      /* mode 0: default scale; 1: default scale, peaky (|q| up to 4);
       * 2: explicit scale 1.0 with |q| up to 3 (scores of tens: the
       *    max-subtraction matters) */
      const float scale = mode == 2 ? 1.0f : 0.0f;
      const double qamp = mode == 0 ? 1.0 : (mode == 1 ? 4.0 : 3.0);
      trng rng;
      trng_init(&rng, test_seed() ^ ((uint64_t)(di * 100 + ps_idx * 10 + j + 1) * 0x9E3779B97F4A7C15ull));

      int32_t lens[33];
      if (batch == 33) {
        const int32_t special[6] = {0, 1, ps - 1, ps, ps + 1, 4097};
        for (int s = 0; s < 33; s++)
          lens[s] = s < 6 ? special[s] : (int32_t)trng_int(&rng, 0, 2 * ps + 20);
        trng_shuffle_i32(&rng, lens, 33);
      } else {
        const int32_t choice[7] = {0, 1, ps - 1, ps, ps + 1, 4097,
                                   (int32_t)trng_int(&rng, 2, 3 * ps + 100)};
        lens[0] = choice[(j + 3 * ps_idx + di) % 7];
      }

      const int32_t hq = gc->hq, hkv = gc->hkv;
      const int64_t rows = (int64_t)batch * hq;
      void *q = xmalloc((size_t)(rows * D) * ref_dtype_size(dt));
      fill_random(dt, q, rows * D, &rng, qamp);
      double *ref_out = xmalloc(sizeof(double) * (size_t)(rows * D));
      double *ref_lse = xmalloc(sizeof(double) * (size_t)rows);
      double *ref_out2 = xmalloc(sizeof(double) * (size_t)(rows * D));
      double *ref_lse2 = xmalloc(sizeof(double) * (size_t)rows);
      double *ref_sb = xmalloc(sizeof(double) * (size_t)rows);

      for (int layout = 0; layout < 2; layout++) {
        paged_kv pk;
        paged_kv_build(&pk, dt, layout, ps, hkv, D, batch, lens, &rng);
        paged_kv_fill_random(&pk, &rng, 1.0);
        for (int form = 0; form < 2; form++) {
          double *ro = form ? ref_out2 : ref_out, *rl = form ? ref_lse2 : ref_lse;
          compute_ref(&pk, (pal_page_table_form)form, q, dt, hq, scale, ro, rl, ref_sb);
          if (form == 1 && (memcmp(ref_out, ref_out2, sizeof(double) * (size_t)(rows * D)) ||
                            memcmp(ref_lse, ref_lse2, sizeof(double) * (size_t)rows)))
            FAILF("test harness: block-table and CSR references differ (ps=%d D=%d)", ps, D);
          for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
            if (!g_ctx[isa]) continue;
            const int rot = isa + layout + form + ps_idx + j;
            decode_run r = {
                .label = "decode matrix",
                .isa = (pal_isa)isa,
                .q_dtype = dt,
                .pk = &pk,
                .form = (pal_page_table_form)form,
                .num_q_heads = hq,
                .q = q,
                .scale = scale,
                .num_threads = (int[]){1, 2, 0}[rot % 3],
                .want_lse = (isa + 2 * layout + form + j) % 4 != 3,
                .ref_out = ro,
                .ref_lse = rl,
                .ref_sb = ref_sb,
            };
            run_decode(&r, NULL, NULL);
          }
        }
        paged_kv_free(&pk);
      }
      free(q);
      free(ref_out);
      free(ref_lse);
      free(ref_out2);
      free(ref_lse2);
      free(ref_sb);
    }
  }
  g_matrix_cases += g_cases - cases0;
  g_matrix_rows += g_rows - rows0;
  printf("decode matrix page_size=%d: %ld cases, %ld rows in %.2f s\n", ps, g_cases - cases0,
         g_rows - rows0, now_s() - t0);
  fflush(stdout);
}

static void test_matrix_ps1(void **state) { (void)state; matrix_for_page_size(0); }
static void test_matrix_ps7(void **state) { (void)state; matrix_for_page_size(1); }
static void test_matrix_ps16(void **state) { (void)state; matrix_for_page_size(2); }
static void test_matrix_ps64(void **state) { (void)state; matrix_for_page_size(3); }
static void test_matrix_ps256(void **state) { (void)state; matrix_for_page_size(4); }

/* Each ISA level gets its own visible test so unsupported ones show as SKIPPED. */
static void isa_available(pal_isa isa) {
  if (!pal_isa_supported(isa)) {
    print_message("ISA %s not supported by this CPU/OS: skipped\n", pal_isa_name(isa));
    skip();
  }
  assert_non_null(g_ctx[isa]);
  assert_int_equal(pal_context_isa(g_ctx[isa]), isa);
}
static void test_isa_scalar(void **state) { (void)state; isa_available(PAL_ISA_SCALAR); }
static void test_isa_avx2(void **state) { (void)state; isa_available(PAL_ISA_AVX2); }
static void test_isa_avx512(void **state) { (void)state; isa_available(PAL_ISA_AVX512); }

/* ------------------------------------------ query groups and score tiles */

/* The SIMD kernels score a group in row tiles (1, 2, 4 and, for fp16/fp32 K
 * on AVX-512, 8 rows x 2 tokens) and repeat the last row to fill a tile: group
 * sizes around and between the tile sizes (3, 5, 6, 7, 9, 12, 16) against the
 * reference, every dtype and ISA level, lengths with partial 16-token tiles
 * and a split-KV context. */
static void test_group_sizes(void **state) {
  (void)state;
  static const int32_t groups[] = {3, 5, 6, 7, 9, 12, 16};
  static const int32_t dims[] = {64, 80, 128};
  const int32_t hkv = 2, ps = 16, batch = 3;
  for (size_t gi = 0; gi < sizeof groups / sizeof groups[0]; gi++)
    for (int di = 0; di < 3; di++) {
      const pal_dtype dt = k_dtypes[di];
      const int32_t D = dims[(gi + (size_t)di) % 3], hq = hkv * groups[gi];
      trng rng;
      trng_init(&rng, test_seed() ^ ((uint64_t)(gi * 10 + (size_t)di + 1) * 0xD1B54A32D192ED03ull));
      int32_t lens[3] = {(int32_t)trng_int(&rng, 1, 40), (int32_t)trng_int(&rng, 60, 140), 1100};
      trng_shuffle_i32(&rng, lens, 3);
      const int64_t rows = (int64_t)batch * hq;
      void *q = xmalloc((size_t)(rows * D) * ref_dtype_size(dt));
      fill_random(dt, q, rows * D, &rng, 3.0);
      double *ref_out = xmalloc(sizeof(double) * (size_t)(rows * D));
      double *ref_lse = xmalloc(sizeof(double) * (size_t)rows);
      double *ref_sb = xmalloc(sizeof(double) * (size_t)rows);
      paged_kv pk;
      paged_kv_build(&pk, dt, (int)(gi % 2), ps, hkv, D, batch, lens, &rng);
      paged_kv_fill_random(&pk, &rng, 1.0);
      compute_ref(&pk, PAL_PAGES_BLOCK_TABLE, q, dt, hq, 0.0, ref_out, ref_lse, ref_sb);
      for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
        if (!g_ctx[isa]) continue;
        decode_run r = {.label = "group sizes", .isa = (pal_isa)isa, .q_dtype = dt, .pk = &pk,
                        .form = PAL_PAGES_BLOCK_TABLE, .num_q_heads = hq, .q = q,
                        .num_threads = 1 + isa % 2, .want_lse = 1, .ref_out = ref_out,
                        .ref_lse = ref_lse, .ref_sb = ref_sb};
        run_decode(&r, NULL, NULL);
      }
      paged_kv_free(&pk);
      free(q);
      free(ref_out);
      free(ref_lse);
      free(ref_sb);
    }
}

/* ------------------------------------------------- mixed Q / KV dtypes */

/* The header gives Q/out and the pool independent dtypes: check every pair. */
static void test_mixed_dtypes(void **state) {
  (void)state;
  const int32_t lens[5] = {0, 1, 15, 16, 300};
  for (int kd = 0; kd < 3; kd++)
    for (int qd = 0; qd < 3; qd++) {
      if (kd == qd) continue;
      trng rng;
      trng_init(&rng, test_seed() + 77 + (uint64_t)(kd * 3 + qd));
      const int32_t hq = 8, hkv = 2, D = 128;
      paged_kv pk;
      paged_kv_build(&pk, k_dtypes[kd], (kd + qd) % 2, 16, hkv, D, 5, lens, &rng);
      paged_kv_fill_random(&pk, &rng, 1.0);
      void *q = xmalloc((size_t)(5 * hq * D) * ref_dtype_size(k_dtypes[qd]));
      fill_random(k_dtypes[qd], q, 5 * hq * D, &rng, 2.0);
      double ref_out[5 * 8 * 128], ref_lse[5 * 8], ref_sb[5 * 8];
      for (int form = 0; form < 2; form++) {
        compute_ref(&pk, (pal_page_table_form)form, q, k_dtypes[qd], hq, 0.0, ref_out, ref_lse,
                    ref_sb);
        for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
          if (!g_ctx[isa]) continue;
          decode_run r = {.label = "decode mixed dtypes", .isa = (pal_isa)isa,
                          .q_dtype = k_dtypes[qd], .pk = &pk, .form = (pal_page_table_form)form,
                          .num_q_heads = hq, .q = q, .num_threads = 1 + (isa % 2),
                          .want_lse = 1, .ref_out = ref_out, .ref_lse = ref_lse,
                          .ref_sb = ref_sb};
          run_decode(&r, NULL, NULL);
        }
      }
      free(q);
      paged_kv_free(&pk);
    }
}

/* ------------------------------------------------- custom strides */

/* docs/API.md: any strides work as long as rows do not overlap. One
 * allocation [pages][K|V][Hkv][page_size][D + 16 padding] with 8 elements of
 * padding between heads; all padding NaN. */
static void test_custom_strides(void **state) {
  (void)state;
  const int32_t lens[5] = {0, 5, 16, 100, 257};
  const int32_t ps = 16, hkv = 2, hq = 8, D = 80;
  for (int di = 0; di < 3; di++) {
    const pal_dtype dt = k_dtypes[di];
    const int64_t es = (int64_t)ref_dtype_size(dt);
    trng rng;
    trng_init(&rng, test_seed() + 313 + (uint64_t)di);
    paged_kv pk;
    paged_kv_build(&pk, dt, LAYOUT_HND, ps, hkv, D, 5, lens, &rng);
    paged_kv_fill_random(&pk, &rng, 1.0);
    const int64_t st_tok = D + 16, st_head = ps * st_tok + 8, st_page = 2 * hkv * st_head;
    const int64_t total = pk.num_pages * st_page;
    void *buf = xmalloc((size_t)(total * es));
    ref_fill_nan(dt, buf, total);
    pal_kv_pool cp = pk.pool;
    cp.k = buf;
    cp.v = (char *)buf + hkv * st_head * es;
    cp.stride_page = st_page;
    cp.stride_head = st_head;
    cp.stride_token = st_tok;
    /* copy every used row from the HND pool */
    for (int32_t s = 0; s < 5; s++)
      for (int64_t t = 0; t < lens[s]; t++)
        for (int32_t h = 0; h < hkv; h++) {
          const int64_t src = paged_kv_offset(&pk, s, t, h);
          const int64_t page = pk.block_table[(int64_t)s * pk.max_pages_per_seq + t / ps];
          const int64_t dst = page * st_page + h * st_head + (t % ps) * st_tok;
          memcpy((char *)cp.k + dst * es, (char *)pk.k + src * es, (size_t)(D * es));
          memcpy((char *)cp.v + dst * es, (char *)pk.v + src * es, (size_t)(D * es));
        }
    paged_kv custom = pk;
    custom.pool = cp;
    void *q = xmalloc((size_t)(5 * hq * D * es));
    fill_random(dt, q, 5 * hq * D, &rng, 2.0);
    double ref_out[5 * 8 * 80], ref_lse[5 * 8], hnd_out[5 * 8 * 80], hnd_lse[5 * 8], ref_sb[5 * 8];
    for (int form = 0; form < 2; form++) {
      compute_ref(&custom, (pal_page_table_form)form, q, dt, hq, 0.0, ref_out, ref_lse, ref_sb);
      compute_ref(&pk, (pal_page_table_form)form, q, dt, hq, 0.0, hnd_out, hnd_lse, ref_sb);
      if (memcmp(ref_out, hnd_out, sizeof ref_out))
        FAILF("test harness: custom-stride reference differs from the HND one");
      for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
        if (!g_ctx[isa]) continue;
        decode_run r = {.label = "decode custom strides", .isa = (pal_isa)isa, .q_dtype = dt,
                        .pk = &custom, .form = (pal_page_table_form)form, .num_q_heads = hq,
                        .q = q, .num_threads = 2, .want_lse = 1, .ref_out = ref_out,
                        .ref_lse = ref_lse, .ref_sb = ref_sb,
                        .extra = "(strides page/head/token 2*Hkv*1544 / 1544 / 96, K|V "
                                 "interleaved per page)"};
        run_decode(&r, NULL, NULL);
      }
    }
    free(q);
    free(buf);
    paged_kv_free(&pk);
  }
}

/* ------------------------------------------------- large scores */

/* Scores around +-100..600: exp would overflow fp32 without max-subtraction. */
static void test_large_scores(void **state) {
  (void)state;
  const int32_t lens[3] = {1, 50, 1000};
  for (int di = 0; di < 3; di++) {
    trng rng;
    trng_init(&rng, test_seed() + 991 + (uint64_t)di);
    paged_kv pk;
    paged_kv_build(&pk, k_dtypes[di], LAYOUT_HND, 16, 2, 64, 3, lens, &rng);
    paged_kv_fill_random(&pk, &rng, 1.0);
    void *q = xmalloc((size_t)(3 * 4 * 64) * ref_dtype_size(k_dtypes[di]));
    fill_random(k_dtypes[di], q, 3 * 4 * 64, &rng, 1.0);
    double ref_out[3 * 4 * 64], ref_lse[3 * 4], ref_sb[3 * 4];
    const float scale = 40.0f; /* scores up to ~40*|q.k| */
    compute_ref(&pk, PAL_PAGES_BLOCK_TABLE, q, k_dtypes[di], 4, scale, ref_out, ref_lse, ref_sb);
    for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
      if (!g_ctx[isa]) continue;
      decode_run r = {.label = "decode large scores", .isa = (pal_isa)isa,
                      .q_dtype = k_dtypes[di], .pk = &pk, .form = PAL_PAGES_BLOCK_TABLE,
                      .num_q_heads = 4, .q = q, .scale = scale, .num_threads = 2,
                      .want_lse = 1, .ref_out = ref_out, .ref_lse = ref_lse, .ref_sb = ref_sb};
      run_decode(&r, NULL, NULL);
    }
    free(q);
    paged_kv_free(&pk);
  }
}

/* ------------------------------------------------------ determinism */

static void determinism_case(const char *label, pal_dtype dt, int layout, int32_t ps, int32_t hkv,
                             int32_t hq, int32_t D, int32_t batch, const int32_t *lens,
                             uint64_t seed) {
  trng rng;
  trng_init(&rng, seed);
  paged_kv pk;
  paged_kv_build(&pk, dt, layout, ps, hkv, D, batch, lens, &rng);
  paged_kv_fill_random(&pk, &rng, 1.0);
  const int64_t rows = (int64_t)batch * hq;
  const size_t out_bytes = (size_t)(rows * D) * ref_dtype_size(dt);
  void *q = xmalloc(out_bytes);
  fill_random(dt, q, rows * D, &rng, 2.0);
  double *ref_out = xmalloc(sizeof(double) * (size_t)(rows * D));
  double *ref_lse = xmalloc(sizeof(double) * (size_t)rows);
  double *ref_sb = xmalloc(sizeof(double) * (size_t)rows);
  unsigned char *first = xmalloc(out_bytes), *again = xmalloc(out_bytes);
  float *first_lse = xmalloc(sizeof(float) * (size_t)rows);
  float *again_lse = xmalloc(sizeof(float) * (size_t)rows);
  for (int form = 0; form < 2; form++) {
    compute_ref(&pk, (pal_page_table_form)form, q, dt, hq, 0.0, ref_out, ref_lse, ref_sb);
    for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
      if (!g_ctx[isa]) continue;
      decode_run r = {.label = label, .isa = (pal_isa)isa, .q_dtype = dt, .pk = &pk,
                      .form = (pal_page_table_form)form, .num_q_heads = hq, .q = q,
                      .num_threads = 2, .want_lse = 1, .ref_out = ref_out, .ref_lse = ref_lse,
                      .ref_sb = ref_sb};
      run_decode(&r, first, first_lse);
      for (int rep = 1; rep < 3; rep++) {
        run_decode(&r, again, again_lse);
        char what[512];
        describe(what, sizeof what, &r);
        if (memcmp(first, again, out_bytes)) {
          size_t b = 0;
          while (first[b] == again[b]) b++;
          FAILF("%s\n  run %d output differs from run 0 at byte %zu (row %lld): not bit-identical",
                what, rep, b, (long long)(b / ref_dtype_size(dt) / (size_t)D));
        }
        if (memcmp(first_lse, again_lse, sizeof(float) * (size_t)rows))
          FAILF("%s\n  run %d lse differs from run 0: not bit-identical", what, rep);
      }
    }
  }
  free(first);
  free(again);
  free(first_lse);
  free(again_lse);
  free(q);
  free(ref_out);
  free(ref_lse);
  free(ref_sb);
  paged_kv_free(&pk);
}

static void test_determinism_long(void **state) {
  (void)state;
  const int32_t lens[1] = {20000};
  determinism_case("determinism long context", PAL_F32, LAYOUT_HND, 16, 2, 8, 128, 1, lens,
                   test_seed() + 5);
  determinism_case("determinism long context", PAL_BF16, LAYOUT_NHD, 64, 1, 8, 64, 1, lens,
                   test_seed() + 6);
}

static void test_determinism_batch33(void **state) {
  (void)state;
  trng rng;
  trng_init(&rng, test_seed() + 7);
  int32_t lens[33];
  const int32_t special[6] = {0, 1, 15, 16, 17, 4097};
  for (int s = 0; s < 33; s++) lens[s] = s < 6 ? special[s] : (int32_t)trng_int(&rng, 0, 600);
  trng_shuffle_i32(&rng, lens, 33);
  determinism_case("determinism batch 33", PAL_F16, LAYOUT_NHD, 16, 2, 8, 96, 33, lens,
                   test_seed() + 8);
}

/* The engine walks a sequence's KV heads in groups (the largest divisor of
 * num_kv_heads up to 8) and shrinks groups for short contexts: KV head counts
 * 8, 12 (groups of 6 -> 3 -> 2), 16 (two groups per sequence) and 5, over
 * short (group shrinking) and long (split-KV) contexts, both layouts. */
static void test_head_groups(void **state) {
  (void)state;
  static const struct { int32_t hkv, hq, ps, layout; pal_dtype dt; } cases[] = {
      {8, 32, 16, LAYOUT_HND, PAL_F16}, {12, 24, 16, LAYOUT_NHD, PAL_BF16},
      {16, 16, 7, LAYOUT_HND, PAL_F32}, {5, 40, 16, LAYOUT_NHD, PAL_F16}};
  trng rng;
  trng_init(&rng, test_seed() + 9);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
    int32_t lens[3] = {(int32_t)trng_int(&rng, 1, 200), 1500, 0};
    trng_shuffle_i32(&rng, lens, 3);
    determinism_case("head groups", cases[c].dt, cases[c].layout, cases[c].ps, cases[c].hkv,
                     cases[c].hq, 64, 3, lens, test_seed() + 10 + c);
    const int32_t one[1] = {(int32_t)trng_int(&rng, 1, 100)};
    determinism_case("head groups, short", cases[c].dt, cases[c].layout, cases[c].ps,
                     cases[c].hkv, cases[c].hq, 64, 1, one, test_seed() + 20 + c);
  }
}

static void test_report(void **state) {
  (void)state;
  int supported = 0;
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) supported += g_ctx[isa] != NULL;
  printf("decode matrix: %ld cases, %ld rows compared, over %d ISA level(s); with the mixed-dtype, "
         "custom-stride, large-score and determinism runs: %ld pal_decode calls, %ld rows (%ld "
         "with lse) against %ld references\n",
         g_matrix_cases, g_matrix_rows, supported, g_cases, g_rows, g_lse_rows, g_refs);
  print_err_stats("decode");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_isa_scalar),       cmocka_unit_test(test_isa_avx2),
      cmocka_unit_test(test_isa_avx512),       cmocka_unit_test(test_matrix_ps1),
      cmocka_unit_test(test_matrix_ps7),       cmocka_unit_test(test_matrix_ps16),
      cmocka_unit_test(test_matrix_ps64),      cmocka_unit_test(test_matrix_ps256),
      cmocka_unit_test(test_mixed_dtypes),     cmocka_unit_test(test_custom_strides),
      cmocka_unit_test(test_large_scores),
      cmocka_unit_test(test_determinism_long), cmocka_unit_test(test_determinism_batch33),
      cmocka_unit_test(test_head_groups),      cmocka_unit_test(test_group_sizes),
      cmocka_unit_test(test_report),
  };
  printf("seed %#llx (set PAL_TEST_SEED to change)\n", (unsigned long long)test_seed());
  return cmocka_run_group_tests_name("pal_decode", tests, group_setup, group_teardown);
}
