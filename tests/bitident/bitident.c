/* bitident.c - prints a hash of every output buffer of a fixed matrix of
 * pal_decode / pal_prefill / pal_sdpa calls, one line per call.
 *
 * Uses the public API only, so the same source links against any libpal:
 * build it against two trees and diff the outputs to show that a refactor
 * left every result bit-identical (docs/ARCHITECTURE.md, issue 13):
 *
 *   cc -O2 -std=c11 -fopenmp tests/bitident/bitident.c -I include -I BUILD/include \
 *      BUILD/libpal.a -lm -o bitident && ./bitident > new.txt
 *
 * Matrix: paged decode (fp32/fp16/bf16 K/V, Q fp32 and = K/V, GQA 1/4/8,
 * head_dim 64/128/256, pages of 16/64 tokens, partial last pages, 1 and 2
 * threads = split-KV off/on, HND and NHD pools, lse), decode with options,
 * chunked prefill with history, and pal_sdpa (decode-shaped and multi-token,
 * causal and not), for every ISA level this machine runs (scalar, avx2, ...).
 * Also built by tests/CMakeLists.txt (bitident) so it keeps compiling.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pal/pal.h"

static uint64_t rng_state = 88172645463325252ull;
static uint32_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 16);
}

/* n elements of dtype with values in about [-1, 1], deterministic. */
static void *fill_random(pal_dtype dt, int64_t n) {
  void *p = malloc((size_t)(n > 0 ? n : 1) * pal_dtype_size(dt));
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t r = rnd();
    const float f = (float)(r % 20001) / 10000.0f - 1.0f;
    if (dt == PAL_F32) {
      ((float *)p)[i] = f;
    } else if (dt == PAL_BF16) {
      uint32_t u;
      memcpy(&u, &f, 4);
      ((uint16_t *)p)[i] = (uint16_t)(u >> 16);
    } else { /* fp16: sign, exponent 2^-4 .. 2^0, random mantissa */
      ((uint16_t *)p)[i] = (uint16_t)(((r >> 20) & 1u) << 15 | (11u + (r >> 21) % 5u) << 10 | (r & 0x3ffu));
    }
  }
  return p;
}

static uint64_t fnv(const void *p, size_t n, uint64_t h) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}

static const char *dn(pal_dtype d) { return pal_dtype_name(d); }

static void report(const char *what, pal_status st, const void *out, size_t out_bytes,
                   const float *lse, size_t lse_n) {
  uint64_t h = fnv(out, out_bytes, 1469598103934665603ull);
  uint64_t hl = lse ? fnv(lse, lse_n * sizeof(float), 1469598103934665603ull) : 0;
  printf("%s st=%d out=%016llx lse=%016llx\n", what, (int)st, (unsigned long long)h,
         (unsigned long long)hl);
}

static void decode_case(pal_context *ctx, const char *isa, pal_dtype kvdt, pal_dtype qdt, int G,
                        int d, int ps, int threads, int nhd, const pal_attention_options *extra) {
  const int hkv = 2, hq = hkv * G, nseq = 3;
  const int32_t lens[3] = {37, 700, 2100}; /* partial pages; the long one splits on 2 threads */
  int32_t maxp = 0;
  for (int s = 0; s < nseq; ++s) maxp = (lens[s] + ps - 1) / ps > maxp ? (lens[s] + ps - 1) / ps : maxp;
  const int64_t pages = (int64_t)nseq * maxp + 3;
  void *k = fill_random(kvdt, pages * hkv * ps * d), *v = fill_random(kvdt, pages * hkv * ps * d);
  int32_t *bt = malloc(sizeof(int32_t) * (size_t)(nseq * maxp));
  for (int i = 0; i < nseq * maxp; ++i) bt[i] = (int32_t)((i * 7 + 3) % pages); /* shuffled */
  pal_kv_pool pool = nhd ? pal_kv_pool_nhd(k, v, kvdt, pages, ps, hkv, d)
                         : pal_kv_pool_hnd(k, v, kvdt, pages, ps, hkv, d);
  pal_page_table pt = pal_page_table_block(nseq, bt, maxp, lens);
  void *q = fill_random(qdt, (int64_t)nseq * hq * d);
  const size_t ob = (size_t)nseq * hq * d * pal_dtype_size(qdt);
  void *out = calloc(1, ob);
  float *lse = calloc((size_t)nseq * hq, sizeof(float));
  pal_attention_options o;
  if (extra) o = *extra;
  else memset(&o, 0, sizeof o);
  o.num_threads = threads;
  o.lse = lse;
  pal_status st = pal_decode(ctx, q, out, qdt, hq, &pool, &pt, &o, NULL);
  char name[256];
  snprintf(name, sizeof name, "decode%s isa=%s kv=%s q=%s G=%d d=%d ps=%d t=%d %s", extra ? "+opt" : "",
           isa, dn(kvdt), dn(qdt), G, d, ps, threads, nhd ? "nhd" : "hnd");
  report(name, st, out, ob, lse, (size_t)nseq * hq);
  free(k), free(v), free(bt), free(q), free(out), free(lse);
}

static void prefill_case(pal_context *ctx, const char *isa, pal_dtype kvdt, pal_dtype qdt, int G,
                         int d, int ps, int threads) {
  const int hkv = 2, hq = hkv * G, nseq = 3;
  const int32_t lens[3] = {117, 600, 70}; /* history + new tokens */
  const int32_t qo[4] = {0, 17, 17 + 100, 17 + 100 + 70};
  int32_t maxp = 0;
  for (int s = 0; s < nseq; ++s) maxp = (lens[s] + ps - 1) / ps > maxp ? (lens[s] + ps - 1) / ps : maxp;
  const int64_t pages = (int64_t)nseq * maxp + 1;
  void *k = fill_random(kvdt, pages * hkv * ps * d), *v = fill_random(kvdt, pages * hkv * ps * d);
  int32_t *bt = malloc(sizeof(int32_t) * (size_t)(nseq * maxp));
  for (int i = 0; i < nseq * maxp; ++i) bt[i] = (int32_t)((i * 5 + 1) % pages);
  pal_kv_pool pool = pal_kv_pool_hnd(k, v, kvdt, pages, ps, hkv, d);
  pal_page_table pt = pal_page_table_block(nseq, bt, maxp, lens);
  const int64_t tq = qo[nseq];
  void *q = fill_random(qdt, tq * hq * d);
  const size_t ob = (size_t)tq * hq * d * pal_dtype_size(qdt);
  void *out = calloc(1, ob);
  float *lse = calloc((size_t)tq * hq, sizeof(float));
  pal_attention_options o;
  memset(&o, 0, sizeof o);
  o.num_threads = threads;
  o.lse = lse;
  pal_status st = pal_prefill(ctx, q, out, qdt, hq, qo, &pool, &pt, &o, NULL);
  char name[256];
  snprintf(name, sizeof name, "prefill isa=%s kv=%s q=%s G=%d d=%d ps=%d t=%d", isa, dn(kvdt),
           dn(qdt), G, d, ps, threads);
  report(name, st, out, ob, lse, (size_t)tq * hq);
  free(k), free(v), free(bt), free(q), free(out), free(lse);
}

static void sdpa_case(pal_context *ctx, const char *isa, pal_dtype dt, int G, int d, int lq,
                      int lk, int causal, int threads) {
  pal_sdpa_shape sh = {2, 2 * G, 2, lq, lk, d, causal};
  void *q = fill_random(dt, (int64_t)2 * sh.num_q_heads * lq * d);
  void *k = fill_random(dt, (int64_t)2 * 2 * lk * d), *v = fill_random(dt, (int64_t)2 * 2 * lk * d);
  const size_t ob = (size_t)2 * sh.num_q_heads * lq * d * pal_dtype_size(dt);
  void *out = calloc(1, ob);
  float *lse = calloc((size_t)2 * sh.num_q_heads * lq, sizeof(float));
  pal_attention_options o;
  memset(&o, 0, sizeof o);
  o.num_threads = threads;
  o.lse = lse;
  pal_status st = pal_sdpa(ctx, q, k, v, out, dt, &sh, &o, NULL);
  char name[256];
  snprintf(name, sizeof name, "sdpa isa=%s dt=%s G=%d d=%d lq=%d lk=%d causal=%d t=%d", isa, dn(dt),
           G, d, lq, lk, causal, threads);
  report(name, st, out, ob, lse, (size_t)2 * sh.num_q_heads * lq);
  free(q), free(k), free(v), free(out), free(lse);
}

int main(void) {
  const pal_dtype dts[3] = {PAL_F32, PAL_F16, PAL_BF16};
  const int gs[3] = {1, 4, 8}, ds[3] = {64, 128, 256}, pss[2] = {16, 64};
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; ++isa) {
    if (!pal_isa_supported((pal_isa)isa)) {
      printf("# isa %s not supported here: skipped\n", pal_isa_name((pal_isa)isa));
      continue;
    }
    pal_context_options co = {(pal_isa)isa, 2};
    pal_context *ctx = NULL;
    if (pal_context_create(&co, &ctx, NULL) != PAL_OK) return 1;
    const char *in = pal_isa_name((pal_isa)isa);
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b)
        for (int c = 0; c < 3; ++c)
          for (int e = 0; e < 2; ++e)
            for (int t = 1; t <= 2; ++t) {
              decode_case(ctx, in, dts[a], dts[a], gs[b], ds[c], pss[e], t, 0, NULL);
              if (c == 1) decode_case(ctx, in, dts[a], PAL_F32, gs[b], ds[c], pss[e], t, 1, NULL);
            }
    pal_attention_options opt;
    memset(&opt, 0, sizeof opt);
    opt.window = 300;
    opt.softcap = 30.0f;
    for (int a = 0; a < 3; ++a)
      for (int t = 1; t <= 2; ++t) decode_case(ctx, in, dts[a], dts[a], 4, 128, 16, t, 0, &opt);
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b)
        for (int c = 0; c < 2; ++c)
          for (int e = 0; e < 2; ++e)
            for (int t = 1; t <= 2; ++t) prefill_case(ctx, in, dts[a], dts[a], gs[b], ds[c], pss[e], t);
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b)
        for (int causal = 0; causal <= 1; ++causal)
          for (int t = 1; t <= 2; ++t) {
            sdpa_case(ctx, in, dts[a], gs[b], 128, 1, 1500, causal, t);
            sdpa_case(ctx, in, dts[a], gs[b], 64, 7, 1200, causal, t);
            sdpa_case(ctx, in, dts[a], gs[b], 128, 90, 90, causal, t);
          }
    pal_context_destroy(ctx);
  }
  return 0;
}
