/* tests/test_fill_kv_pages.c - pal_fill_kv_pages: exact copies (same dtype),
 * correctly rounded conversions (RNE), slot -1 skipped, later duplicates win,
 * nothing outside the addressed slots touched, both layouts, page sizes 1/7/16,
 * every supported ISA; and a fill -> decode round trip against the reference. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"

static pal_context *g_ctx[PAL_ISA_COUNT];
static const pal_dtype k_dtypes[] = {PAL_F32, PAL_F16, PAL_BF16};
static const int32_t k_page_sizes[] = {1, 7, 16};
static long g_fills, g_elems;

static int group_setup(void **state) {
  (void)state;
  return contexts_create(g_ctx, "fill");
}

static int group_teardown(void **state) {
  (void)state;
  contexts_destroy(g_ctx);
  return 0;
}

static uint32_t f32_bits(float f) {
  uint32_t b;
  memcpy(&b, &f, 4);
  return b;
}
static float bits_f32(uint32_t b) {
  float f;
  memcpy(&f, &b, 4);
  return f;
}

/* Source values that exercise rounding: plain values, exact ties for fp16
 * and bf16, values near the fp16 overflow threshold, fp16-subnormal range.
 * No NaN and (unless allow_subnormal) no fp32/bf16 subnormals. */
static void fill_src(pal_dtype dt, void *buf, int64_t n, trng *r, int allow_subnormal) {
  for (int64_t i = 0; i < n; i++) {
    if (dt == PAL_F32) {
      float f;
      switch (trng_int(r, 0, 8)) {
      case 0: case 1: case 2:
        f = (float)trng_uniform(r, -8, 8);
        break;
      case 3: { /* random bits, exponent 2^-30 .. 2^20 */
        uint32_t e = (uint32_t)trng_int(r, 127 - 30, 127 + 20);
        f = bits_f32((uint32_t)(trng_next(r) & 0x807fffffu) | (e << 23));
        break;
      }
      case 4: { /* exact bf16 tie: low half 0x8000 */
        uint32_t e = (uint32_t)trng_int(r, 127 - 20, 127 + 20);
        uint32_t b = (uint32_t)(trng_next(r) & 0x807f0000u) | (e << 23) | 0x8000u;
        f = bits_f32(b);
        break;
      }
      case 5: { /* exact fp16 tie: a normal fp16 value plus half its ulp */
        uint32_t e = (uint32_t)trng_int(r, 127 - 14, 127 + 15);
        uint32_t b = (uint32_t)(trng_next(r) & 0x807fe000u) | (e << 23) | 0x1000u;
        f = bits_f32(b);
        break;
      }
      case 6: { /* near fp16 max (65504; 65520 rounds to inf) */
        static const float near[] = {65504.f, 65519.f, 65520.f, 65535.f, 70000.f, -65520.f,
                                     65519.99f, 1e30f, -3e38f};
        f = near[trng_int(r, 0, (int64_t)(sizeof near / sizeof near[0]) - 1)];
        break;
      }
      case 7: /* fp16 subnormal range, including ties between subnormals */
        f = (float)(ldexp((double)trng_int(r, 0, 2047), -25) * (trng_int(r, 0, 1) ? 1 : -1));
        break;
      default:
        if (allow_subnormal) { /* fp32 subnormal, and the smallest normals */
          f = bits_f32((uint32_t)(trng_next(r) & 0x80ffffffu));
        } else {
          f = (float)trng_uniform(r, -1e-3, 1e-3);
        }
        break;
      }
      memcpy((char *)buf + i * 4, &f, 4);
    } else {
      uint16_t h;
      do {
        h = (uint16_t)trng_next(r);
        const int e = dt == PAL_F16 ? (h >> 10) & 0x1f : (h >> 7) & 0xff;
        const int emax = dt == PAL_F16 ? 0x1f : 0xff;
        const int mant = dt == PAL_F16 ? h & 0x3ff : h & 0x7f;
        if (e == emax && mant) continue;                       /* NaN */
        if (dt == PAL_BF16 && e == 0 && mant && !allow_subnormal) continue;
        break;
      } while (1);
      memcpy((char *)buf + i * 2, &h, 2);
    }
  }
}

/* Pool K and V each inside a guarded buffer with a position-dependent pattern. */
typedef struct gpool {
  gbuf k, v;
  pal_kv_pool pool;
} gpool;

static void gpool_make(gpool *g, pal_dtype dt, int layout, int64_t np, int32_t ps, int32_t hkv,
                       int32_t D) {
  size_t bytes = (size_t)(np * ps * hkv * D) * ref_dtype_size(dt);
  gbuf_alloc(&g->k, bytes, 128, -1);
  gbuf_alloc(&g->v, bytes, 128, -1);
  g->pool = layout == LAYOUT_HND ? pal_kv_pool_hnd(g->k.p, g->v.p, dt, np, ps, hkv, D)
                                 : pal_kv_pool_nhd(g->k.p, g->v.p, dt, np, ps, hkv, D);
}

/* Compares a guarded pool buffer with the expected bytes; reports the element. */
static void compare_pool(const char *what, const char *which, const gbuf *got,
                         const unsigned char *expect, pal_dtype dt) {
  const size_t total = got->size + 2 * got->guard;
  if (!memcmp(got->base, expect, total)) return;
  size_t b = 0;
  while (got->base[b] == expect[b]) b++;
  if (b < got->guard || b >= got->guard + got->size)
    FAILF("%s\n  %s: guard byte %zu (outside the pool) was changed", what, which, b);
  const size_t es = ref_dtype_size(dt);
  const size_t el = (b - got->guard) / es;
  FAILF("%s\n  %s: element %zu differs: got %.9g (bits 0x%0*llx) expected %.9g (bits 0x%0*llx)",
        what, which, el, ref_load(dt, got->p, (int64_t)el), (int)(2 * es),
        (unsigned long long)(es == 4 ? f32_bits(((float *)got->p)[el])
                                     : ((uint16_t *)got->p)[el]),
        ref_load(dt, expect + got->guard, (int64_t)el), (int)(2 * es),
        (unsigned long long)(es == 4 ? ((const uint32_t *)(expect + got->guard))[el]
                                     : ((const uint16_t *)(expect + got->guard))[el]));
}

/* One fill with random slots (some -1, some duplicated) checked byte-exactly. */
static void fill_case(pal_isa isa, pal_dtype src, pal_dtype dst, int layout, int32_t ps,
                      int32_t D, int allow_subnormal, uint64_t seed) {
  trng rng;
  trng_init(&rng, seed);
  const int32_t hkv = 2;
  const int64_t np = 5, nslots = np * ps;
  const int64_t nt = 3 * ps + 4;
  gpool g;
  gpool_make(&g, dst, layout, np, ps, hkv, D);
  const size_t ses = ref_dtype_size(src);
  void *kn = xmalloc((size_t)(nt * hkv * D) * ses), *vn = xmalloc((size_t)(nt * hkv * D) * ses);
  fill_src(src, kn, nt * hkv * D, &rng, allow_subnormal);
  fill_src(src, vn, nt * hkv * D, &rng, allow_subnormal);
  int64_t *slots = xmalloc(sizeof(int64_t) * (size_t)nt);
  for (int64_t i = 0; i < nt; i++) {
    int64_t c = trng_int(&rng, 0, 9);
    if (i == 0) slots[i] = 0;
    else if (i == 1) slots[i] = nslots - 1;
    else if (c == 0) slots[i] = -1;
    else if (c == 1) slots[i] = slots[trng_int(&rng, 0, i - 1)]; /* duplicate: later wins */
    else slots[i] = trng_int(&rng, 0, nslots - 1);
  }
  /* expected: a copy of the pattern with the reference writes applied */
  const size_t total = g.k.size + 2 * g.k.guard;
  unsigned char *ek = xmalloc(total), *ev = xmalloc(total);
  memcpy(ek, g.k.base, total);
  memcpy(ev, g.v.base, total);
  pal_kv_pool ep = g.pool;
  ep.k = ek + g.k.guard;
  ep.v = ev + g.v.guard;
  ref_fill_kv(kn, vn, src, nt, slots, &ep);

  char what[300];
  snprintf(what, sizeof what,
           "fill: isa=%s src=%s pool=%s layout=%s page_size=%d Hkv=%d D=%d num_tokens=%lld "
           "num_pages=%lld seed=%#llx",
           pal_isa_name(isa), ref_dtype_name(src), ref_dtype_name(dst), layout_name(layout), ps,
           hkv, D, (long long)nt, (long long)np, (unsigned long long)seed);
  pal_error err;
  memset(&err, 0, sizeof err);
  CHECK_STATUS(what, pal_fill_kv_pages(g_ctx[isa], kn, vn, src, nt, slots, &g.pool, &err), PAL_OK,
               &err);
  compare_pool(what, "K pool", &g.k, ek, dst);
  compare_pool(what, "V pool", &g.v, ev, dst);
  g_fills++;
  g_elems += 2 * nt * hkv * D;
  free(ek);
  free(ev);
  free(kn);
  free(vn);
  free(slots);
  gbuf_free(&g.k);
  gbuf_free(&g.v);
}

static void test_fill_all_dtype_pairs(void **state) {
  (void)state;
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
    if (!g_ctx[isa]) continue;
    for (int si = 0; si < 3; si++)
      for (int di = 0; di < 3; di++)
        for (int layout = 0; layout < 2; layout++)
          for (int pi = 0; pi < 3; pi++) {
            const int32_t D = (si + di + pi) % 2 ? 80 : 64;
            fill_case((pal_isa)isa, k_dtypes[si], k_dtypes[di], layout, k_page_sizes[pi], D, 0,
                      test_seed() + (uint64_t)(isa * 1000 + si * 100 + di * 10 + layout * 5 + pi));
          }
  }
}

/* fp32 subnormal inputs (and bf16 subnormals) must round like any other value;
 * separate so a flush-to-zero conversion shows up under its own name. */
static void test_fill_subnormals(void **state) {
  (void)state;
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
    if (!g_ctx[isa]) continue;
    for (int si = 0; si < 3; si++)
      for (int di = 0; di < 3; di++)
        fill_case((pal_isa)isa, k_dtypes[si], k_dtypes[di], LAYOUT_NHD, 16, 64, 1,
                  test_seed() + 555 + (uint64_t)(isa * 100 + si * 10 + di));
  }
}

/* NaN stays NaN and +-inf stays +-inf through every conversion. */
static void test_fill_nan_inf(void **state) {
  (void)state;
  const uint32_t specials[] = {0x7fc00000u, 0xffc00000u, 0x7f800001u, 0x7f800100u, 0xff80ffffu,
                               0x7fffffffu, 0x7f800000u, 0xff800000u};
  const int ns = (int)(sizeof specials / sizeof specials[0]);
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
    if (!g_ctx[isa]) continue;
    for (int di = 0; di < 3; di++) {
      const int32_t D = 16, hkv = 1, ps = 16;
      gpool g;
      gpool_make(&g, k_dtypes[di], LAYOUT_HND, 1, ps, hkv, D);
      float kn[16 * 16], vn[16 * 16];
      int64_t slots[16];
      for (int t = 0; t < 16; t++) {
        slots[t] = t;
        for (int d = 0; d < D; d++) {
          kn[t * D + d] = bits_f32(specials[(t + d) % ns]);
          vn[t * D + d] = bits_f32(specials[(t + 3 * d) % ns]);
        }
      }
      char what[160];
      snprintf(what, sizeof what, "fill NaN/inf: isa=%s src=fp32 pool=%s",
               pal_isa_name((pal_isa)isa), ref_dtype_name(k_dtypes[di]));
      pal_error err;
      CHECK_STATUS(what,
                   pal_fill_kv_pages(g_ctx[isa], kn, vn, PAL_F32, 16, slots, &g.pool, &err),
                   PAL_OK, &err);
      for (int t = 0; t < 16 * D; t++)
        for (int kv = 0; kv < 2; kv++) {
          float in = kv ? vn[t] : kn[t];
          double got = ref_load(k_dtypes[di], kv ? g.v.p : g.k.p, t);
          if (isnan(in) ? !isnan(got) : !(got == (double)in))
            FAILF("%s\n  %s element %d: input bits 0x%08x (%g) became %.9g", what,
                  kv ? "V" : "K", t, f32_bits(in), (double)in, got);
        }
      if (!gbuf_guards_ok(&g.k) || !gbuf_guards_ok(&g.v)) FAILF("%s\n  guards changed", what);
      gbuf_free(&g.k);
      gbuf_free(&g.v);
    }
  }
}

/* Only -1 slots: nothing at all may change. num_tokens 0 likewise. */
static void test_fill_skip_all(void **state) {
  (void)state;
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
    if (!g_ctx[isa]) continue;
    for (int layout = 0; layout < 2; layout++) {
      gpool g;
      gpool_make(&g, PAL_BF16, layout, 3, 7, 2, 64);
      float kn[9 * 2 * 64], vn[9 * 2 * 64];
      for (int i = 0; i < 9 * 2 * 64; i++) kn[i] = vn[i] = 1.0f + (float)i;
      int64_t slots[9];
      for (int i = 0; i < 9; i++) slots[i] = -1;
      pal_error err;
      CHECK_STATUS("fill all -1", pal_fill_kv_pages(g_ctx[isa], kn, vn, PAL_F32, 9, slots,
                                                    &g.pool, &err),
                   PAL_OK, &err);
      CHECK_STATUS("fill 0 tokens", pal_fill_kv_pages(g_ctx[isa], kn, vn, PAL_F32, 0, slots,
                                                      &g.pool, &err),
                   PAL_OK, &err);
      long bk = gbuf_first_changed(&g.k), bv = gbuf_first_changed(&g.v);
      if (bk >= 0 || bv >= 0)
        FAILF("fill with only -1 slots (isa=%s layout=%s) changed pool byte %ld (K) / %ld (V)",
              pal_isa_name((pal_isa)isa), layout_name(layout), bk, bv);
      gbuf_free(&g.k);
      gbuf_free(&g.v);
    }
  }
}

/* Round trip: fill every sequence's tokens (shuffled order, with -1 decoys)
 * into a NaN pool via pal_fill_kv_pages, then pal_decode vs the reference. */
static void test_fill_then_decode(void **state) {
  (void)state;
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
    if (!g_ctx[isa]) continue;
    for (int di = 0; di < 3; di++)
      for (int layout = 0; layout < 2; layout++)
        for (int pi = 0; pi < 3; pi++) {
          const pal_dtype dt = k_dtypes[di];
          const int32_t ps = k_page_sizes[pi], hkv = 2, hq = 8, D = 96, B = 4;
          const uint64_t seed = test_seed() + 9000 + (uint64_t)(isa * 100 + di * 10 + layout * 3 + pi);
          trng rng;
          trng_init(&rng, seed);
          const int32_t lens[4] = {ps + 1, 0, 3 * ps, 40};
          paged_kv pk;
          paged_kv_build(&pk, dt, layout, ps, hkv, D, B, lens, &rng);
          int64_t nt = 0;
          for (int s = 0; s < B; s++) nt += lens[s];
          nt += nt / 4 + 1; /* decoys with slot -1 */
          int32_t *order = xmalloc(sizeof(int32_t) * (size_t)nt);
          for (int64_t i = 0; i < nt; i++) order[i] = (int32_t)i;
          trng_shuffle_i32(&rng, order, nt);
          int64_t *slots = xmalloc(sizeof(int64_t) * (size_t)nt);
          for (int64_t i = 0; i < nt; i++) slots[i] = -1;
          int64_t idx = 0;
          for (int32_t s = 0; s < B; s++)
            for (int32_t t = 0; t < lens[s]; t++) {
              int32_t page = pk.block_table[(int64_t)s * pk.max_pages_per_seq + t / ps];
              slots[order[idx++]] = (int64_t)page * ps + t % ps;
            }
          float *kn = xmalloc(sizeof(float) * (size_t)(nt * hkv * D));
          float *vn = xmalloc(sizeof(float) * (size_t)(nt * hkv * D));
          fill_random(PAL_F32, kn, nt * hkv * D, &rng, 1.0);
          fill_random(PAL_F32, vn, nt * hkv * D, &rng, 1.0);
          char what[300];
          snprintf(what, sizeof what,
                   "fill->decode: isa=%s src=fp32 pool=%s layout=%s page_size=%d D=%d Hq=%d "
                   "Hkv=%d seed=%#llx",
                   pal_isa_name((pal_isa)isa), ref_dtype_name(dt), layout_name(layout), ps, D,
                   hq, hkv, (unsigned long long)seed);
          pal_error err;
          CHECK_STATUS(what, pal_fill_kv_pages(g_ctx[isa], kn, vn, PAL_F32, nt, slots, &pk.pool,
                                               &err),
                       PAL_OK, &err);
          /* the pool must hold exactly the reference fill of a NaN pool */
          unsigned char *ek = xmalloc(pk.pool_bytes), *ev = xmalloc(pk.pool_bytes);
          const int64_t elems = (int64_t)(pk.pool_bytes / ref_dtype_size(dt));
          ref_fill_nan(dt, ek, elems);
          ref_fill_nan(dt, ev, elems);
          pal_kv_pool ep = pk.pool;
          ep.k = ek;
          ep.v = ev;
          ref_fill_kv(kn, vn, PAL_F32, nt, slots, &ep);
          if (memcmp(ek, pk.k, pk.pool_bytes) || memcmp(ev, pk.v, pk.pool_bytes))
            FAILF("%s\n  pool contents differ from the reference fill", what);
          free(ek);
          free(ev);

          void *q = xmalloc((size_t)(B * hq * D) * ref_dtype_size(dt));
          fill_random(dt, q, B * hq * D, &rng, 2.0);
          double ref_out[4 * 8 * 96], ref_lse[4 * 8], ref_sb[4 * 8];
          for (int form = 0; form < 2; form++) {
            pal_page_table pt = paged_kv_table(&pk, (pal_page_table_form)form);
            ref_decode(q, dt, hq, &pk.pool, &pt, 0.0, ref_out, ref_lse, ref_sb);
            void *out = xmalloc((size_t)(B * hq * D) * ref_dtype_size(dt));
            float lse[4 * 8];
            pal_attention_options opt = {.scale = 0.f, .num_threads = 0, .lse = lse};
            CHECK_STATUS(what, pal_decode(g_ctx[isa], q, out, dt, hq, &pk.pool, &pt, &opt, &err),
                         PAL_OK, &err);
            for (int64_t i = 0; i < B * hq; i++) {
              char row[120];
              snprintf(row, sizeof row, "form=%s row seq=%lld q_head=%lld",
                       form_name((pal_page_table_form)form), (long long)(i / hq),
                       (long long)(i % hq));
              check_row(what, row, dt, out, i * D, ref_out + i * D, D, lens[i / hq] == 0,
                        ref_sb[i]);
              check_lse(what, row, dt, lse[i], ref_lse[i], ref_sb[i]);
            }
            free(out);
          }
          free(q);
          free(kn);
          free(vn);
          free(slots);
          free(order);
          paged_kv_free(&pk);
        }
  }
}

static void test_report(void **state) {
  (void)state;
  printf("fill_kv_pages: %ld checked fills, %ld source elements\n", g_fills, g_elems);
  print_err_stats("fill->decode");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fill_all_dtype_pairs), cmocka_unit_test(test_fill_subnormals),
      cmocka_unit_test(test_fill_nan_inf),         cmocka_unit_test(test_fill_skip_all),
      cmocka_unit_test(test_fill_then_decode),     cmocka_unit_test(test_report),
  };
  printf("seed %#llx (set PAL_TEST_SEED to change)\n", (unsigned long long)test_seed());
  return cmocka_run_group_tests_name("pal_fill_kv_pages", tests, group_setup, group_teardown);
}
