/* tests/test_sdpa.c - pal_sdpa against the dense float64 reference on every
 * supported ISA level, and pal_decode over a paged copy of the same K/V
 * against pal_sdpa (q_len 1). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"

static pal_context *g_ctx[PAL_ISA_COUNT];
static long g_cases, g_rows, g_cross, g_identical;
static const pal_dtype k_dtypes[] = {PAL_F32, PAL_F16, PAL_BF16};

static int group_setup(void **state) {
  (void)state;
  return contexts_create(g_ctx, "sdpa");
}

static int group_teardown(void **state) {
  (void)state;
  contexts_destroy(g_ctx);
  return 0;
}

typedef struct sdpa_case {
  int32_t batch, hq, hkv, q_len, kv_len, head_dim;
  int causal;
  float scale;
} sdpa_case;

static const sdpa_case k_cases[] = {
    /* B  Hq Hkv Lq   Lk    D  causal scale */
    {1, 4, 4, 1, 0, 64, 0, 0.f},     /* kv_len 0: zeros, lse -inf */
    {2, 4, 4, 1, 1, 64, 1, 0.f},     /* kv_len 1 */
    {2, 8, 2, 1, 37, 80, 0, 0.f},    /* GQA 4, odd kv_len */
    {1, 8, 2, 1, 4097, 128, 1, 0.f}, /* long, causal with q_len 1 sees everything */
    {2, 6, 1, 5, 33, 96, 1, 0.f},    /* MQA, q_len > 1, causal */
    {1, 4, 2, 17, 4097, 64, 1, 0.f}, /* long causal, several queries */
    {2, 4, 4, 9, 4, 128, 1, 0.f},    /* q_len > kv_len causal: first rows see nothing */
    {1, 16, 2, 7, 7, 256, 0, 0.f},   /* GQA 8, D 256 */
    {3, 2, 2, 13, 101, 64, 0, 0.5f}, /* explicit scale */
    {1, 4, 1, 3, 0, 80, 1, 0.f},     /* kv_len 0, causal, q_len 3 */
    {1, 2, 2, 4, 4, 96, 1, 1.0f},    /* square causal */
    {2, 8, 8, 2, 255, 256, 0, 0.f},  /* MHA D 256 */
    {1, 8, 1, 6, 513, 128, 1, 0.f},  /* MQA G8 causal */
};

static void run_case(const sdpa_case *c, pal_dtype dt, uint64_t seed) {
  trng rng;
  trng_init(&rng, seed);
  pal_sdpa_shape shape = {c->batch, c->hq, c->hkv, c->q_len, c->kv_len, c->head_dim, c->causal};
  const int D = c->head_dim;
  const int64_t qn = (int64_t)c->batch * c->hq * c->q_len * D;
  const int64_t kn = (int64_t)c->batch * c->hkv * c->kv_len * D;
  const int64_t rows = (int64_t)c->batch * c->hq * c->q_len;
  const size_t es = ref_dtype_size(dt);
  void *q = xmalloc((size_t)qn * es), *k = xmalloc((size_t)kn * es), *v = xmalloc((size_t)kn * es);
  fill_random(dt, q, qn, &rng, 2.0);
  fill_random(dt, k, kn, &rng, 1.0);
  fill_random(dt, v, kn, &rng, 1.0);
  double *ref_out = xmalloc(sizeof(double) * (size_t)(rows * D));
  double *ref_lse = xmalloc(sizeof(double) * (size_t)(rows ? rows : 1));
  double *ref_sb = xmalloc(sizeof(double) * (size_t)(rows ? rows : 1));
  ref_sdpa(q, k, v, dt, &shape, c->scale, ref_out, ref_lse, ref_sb);

  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
    if (!g_ctx[isa]) continue;
    for (int threads = 1; threads <= 2; threads++) {
      char what[400], row[160];
      snprintf(what, sizeof what,
               "sdpa: isa=%s dtype=%s batch=%d Hq=%d Hkv=%d q_len=%d kv_len=%d D=%d causal=%d "
               "scale=%g threads=%d seed=%#llx",
               pal_isa_name((pal_isa)isa), ref_dtype_name(dt), c->batch, c->hq, c->hkv, c->q_len,
               c->kv_len, D, c->causal, (double)c->scale, threads, (unsigned long long)seed);
      gbuf out, lse;
      gbuf_alloc(&out, (size_t)(rows * D) * es, 64, 0xFF);
      gbuf_alloc(&lse, (size_t)rows * sizeof(float), 64, 0xFF);
      pal_attention_options opt = {.scale = c->scale, .num_threads = threads, .lse = (float *)lse.p};
      pal_error err;
      memset(&err, 0, sizeof err);
      CHECK_STATUS(what, pal_sdpa(g_ctx[isa], q, k, v, out.p, dt, &shape, &opt, &err), PAL_OK,
                   &err);
      if (!gbuf_guards_ok(&out) || !gbuf_guards_ok(&lse))
        FAILF("%s\n  guard bytes around out/lse were overwritten", what);
      for (int64_t i = 0; i < rows; i++) {
        const int64_t qi = i % c->q_len;
        const int64_t hq = (i / c->q_len) % c->hq, b = i / c->q_len / c->hq;
        int64_t visible = c->kv_len;
        if (c->causal) {
          visible = c->kv_len - c->q_len + qi + 1;
          if (visible < 0) visible = 0;
          if (visible > c->kv_len) visible = c->kv_len;
        }
        snprintf(row, sizeof row, "row b=%lld q_head=%lld query=%lld (sees %lld keys)",
                 (long long)b, (long long)hq, (long long)qi, (long long)visible);
        check_row(what, row, dt, out.p, i * D, ref_out + i * D, D, visible == 0, ref_sb[i]);
        check_lse(what, row, dt, ((float *)lse.p)[i], ref_lse[i], ref_sb[i]);
      }
      g_cases++;
      g_rows += rows;
      gbuf_free(&out);
      gbuf_free(&lse);
    }
  }
  free(q);
  free(k);
  free(v);
  free(ref_out);
  free(ref_lse);
  free(ref_sb);
}

static void test_sdpa_matrix(void **state) {
  (void)state;
  const int n = (int)(sizeof k_cases / sizeof k_cases[0]);
  for (int i = 0; i < n; i++)
    for (int di = 0; di < 3; di++) run_case(&k_cases[i], k_dtypes[di], test_seed() + 31 * i + di);
}

/* pal_decode over a paged copy of the same K/V must match pal_sdpa with q_len 1. */
static void test_decode_matches_sdpa(void **state) {
  (void)state;
  const int32_t B = 3, Hq = 8, Hkv = 2, L = 300, D = 128;
  for (int di = 0; di < 3; di++) {
    const pal_dtype dt = k_dtypes[di];
    const size_t es = ref_dtype_size(dt);
    trng rng;
    trng_init(&rng, test_seed() + 4242 + (uint64_t)di);
    const int64_t qn = (int64_t)B * Hq * D, kn = (int64_t)B * Hkv * L * D;
    void *q = xmalloc((size_t)qn * es), *k = xmalloc((size_t)kn * es), *v = xmalloc((size_t)kn * es);
    fill_random(dt, q, qn, &rng, 2.0);
    fill_random(dt, k, kn, &rng, 1.0);
    fill_random(dt, v, kn, &rng, 1.0);
    const int32_t lens[3] = {L, L, L};
    pal_sdpa_shape shape = {B, Hq, Hkv, 1, L, D, 1};
    double *ref_out = xmalloc(sizeof(double) * (size_t)qn);
    double ref_lse[3 * 8], ref_sb[3 * 8];
    ref_sdpa(q, k, v, dt, &shape, 0.0, ref_out, ref_lse, ref_sb);
    for (int layout = 0; layout < 2; layout++) {
      paged_kv pk;
      paged_kv_build(&pk, dt, layout, 16, Hkv, D, B, lens, &rng);
      for (int32_t b = 0; b < B; b++)
        for (int32_t t = 0; t < L; t++)
          for (int32_t h = 0; h < Hkv; h++) {
            const int64_t dst = paged_kv_offset(&pk, b, t, h) * (int64_t)es;
            const int64_t src = ((((int64_t)b * Hkv + h) * L) + t) * D * (int64_t)es;
            memcpy((char *)pk.k + dst, (char *)k + src, (size_t)D * es);
            memcpy((char *)pk.v + dst, (char *)v + src, (size_t)D * es);
          }
      for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
        if (!g_ctx[isa]) continue;
        for (int form = 0; form < 2; form++) {
          char what[300], row[80];
          snprintf(what, sizeof what,
                   "decode vs sdpa: isa=%s dtype=%s layout=%s form=%s page_size=16 B=%d Hq=%d "
                   "Hkv=%d kv_len=%d D=%d",
                   pal_isa_name((pal_isa)isa), ref_dtype_name(dt), layout_name(layout),
                   form_name((pal_page_table_form)form), B, Hq, Hkv, L, D);
          void *o1 = xmalloc((size_t)qn * es), *o2 = xmalloc((size_t)qn * es);
          float l1[3 * 8], l2[3 * 8];
          pal_attention_options opt = {.scale = 0.f, .num_threads = 2, .lse = l1};
          pal_error err;
          CHECK_STATUS(what, pal_sdpa(g_ctx[isa], q, k, v, o1, dt, &shape, &opt, &err), PAL_OK,
                       &err);
          opt.lse = l2;
          pal_page_table pt = paged_kv_table(&pk, (pal_page_table_form)form);
          CHECK_STATUS(what, pal_decode(g_ctx[isa], q, o2, dt, Hq, &pk.pool, &pt, &opt, &err),
                       PAL_OK, &err);
          /* Each within tol of the reference, so within 2*tol of each other. */
          const tol_t t = tol_for(dt);
          for (int64_t i = 0; i < (int64_t)B * Hq; i++) {
            snprintf(row, sizeof row, "row seq=%lld q_head=%lld", (long long)(i / Hq),
                     (long long)(i % Hq));
            check_row(what, row, dt, o1, i * D, ref_out + i * D, D, 0, ref_sb[i]);
            check_row(what, row, dt, o2, i * D, ref_out + i * D, D, 0, ref_sb[i]);
            check_lse(what, row, dt, l1[i], ref_lse[i], ref_sb[i]);
            check_lse(what, row, dt, l2[i], ref_lse[i], ref_sb[i]);
            double rowmax = 0;
            for (int d = 0; d < D; d++)
              rowmax = fmax(rowmax, fabs(ref_load(dt, o1, i * D + d)));
            const double lim = 2 * (t.atol + t.rtol * rowmax + 2 * TOL_SCORE * ref_sb[i]);
            for (int d = 0; d < D; d++) {
              double a = ref_load(dt, o1, i * D + d), b = ref_load(dt, o2, i * D + d);
              if (!(fabs(a - b) <= lim))
                FAILF("%s\n  %s d=%d: sdpa %.9g decode %.9g differ by %.3g > %.3g", what, row, d,
                      a, b, fabs(a - b), lim);
            }
            const double llim =
                2 * (TOL_LSE_ATOL + TOL_LSE_RTOL * fabs(ref_lse[i]) + TOL_SCORE * ref_sb[i]);
            if (!(fabs(l1[i] - l2[i]) <= llim))
              FAILF("%s\n  %s: lse sdpa %.9g decode %.9g", what, row, (double)l1[i],
                    (double)l2[i]);
          }
          if (!memcmp(o1, o2, (size_t)qn * es) && !memcmp(l1, l2, sizeof l1)) g_identical++;
          g_cases++;
          g_cross++;
          free(o1);
          free(o2);
        }
      }
      paged_kv_free(&pk);
    }
    free(q);
    free(k);
    free(v);
    free(ref_out);
  }
}

static void test_report(void **state) {
  (void)state;
  printf("sdpa: %ld cases, %ld rows compared; decode vs sdpa: %ld comparisons, %ld bit-identical\n",
         g_cases, g_rows, g_cross, g_identical);
  print_err_stats("sdpa");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sdpa_matrix),
      cmocka_unit_test(test_decode_matches_sdpa),
      cmocka_unit_test(test_report),
  };
  printf("seed %#llx (set PAL_TEST_SEED to change)\n", (unsigned long long)test_seed());
  return cmocka_run_group_tests_name("pal_sdpa", tests, group_setup, group_teardown);
}
