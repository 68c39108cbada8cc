/* test_alloc_failure.c - allocation failure is tested, not hoped for.
 *
 * Every allocation of libpal goes through the context's allocator
 * (src/kernels/alloc.h), whose test hook fails the Nth one. For each entry
 * point this sweeps N = 1, 2, ... (the context's own allocation is number 1):
 * a failing N must return PAL_E_NOMEM with a message naming what failed,
 * write nothing to the outputs (sentinel-filled), leak nothing (LSan in the
 * ASan build), and leave the context usable: the next call succeeds with
 * results equal to an unfailed run. The sweep ends at the first N where no
 * allocation fails, so it provably covered every allocation of the call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "context.h" /* src/kernels: pal__context_create_failing */
#include "pal/pal.h"
#include "test_common.h"

#define SENTINEL 0xA5
#define MAX_SWEEP 200

/* One call under test: its inputs are built once, its outputs are the
 * buffers out[0..n_out-1] (sizes out_bytes[]). */
typedef struct call {
  const char *name;
  pal_status (*run)(const pal_context *ctx, struct call *c, pal_error *err);
  void *out[2];
  size_t out_bytes[2];
  int n_out;
  int allocates; /* the call allocates at least once */
  /* inputs */
  void *q, *k, *v, *k_new, *v_new;
  int32_t *block_table, *seq_lens, *qo_indptr;
  int64_t *slots;
  int causal, q_len, kv_len;
} call;

enum { HKV = 2, G = 4, HQ = HKV * G, D = 64, PS = 16, NSEQ = 2, PAGES = 160 };

static pal_kv_pool pool_of(call *c) {
  return pal_kv_pool_hnd(c->k, c->v, PAL_F16, PAGES, PS, HKV, D);
}

static pal_status run_decode(const pal_context *ctx, call *c, pal_error *err) {
  pal_kv_pool pool = pool_of(c);
  pal_page_table pt = pal_page_table_block(NSEQ, c->block_table, PAGES / NSEQ, c->seq_lens);
  pal_attention_options o = {0};
  o.lse = c->out[1];
  return pal_decode(ctx, c->q, c->out[0], PAL_F16, HQ, &pool, &pt, &o, err);
}

static pal_status run_prefill(const pal_context *ctx, call *c, pal_error *err) {
  pal_kv_pool pool = pool_of(c);
  pal_page_table pt = pal_page_table_block(NSEQ, c->block_table, PAGES / NSEQ, c->seq_lens);
  pal_attention_options o = {0};
  o.lse = c->out[1];
  return pal_prefill(ctx, c->q, c->out[0], PAL_F16, HQ, c->qo_indptr, &pool, &pt, &o, err);
}

static pal_status run_sdpa(const pal_context *ctx, call *c, pal_error *err) {
  pal_sdpa_shape sh = {NSEQ, HQ, HKV, c->q_len, c->kv_len, D, c->causal};
  pal_attention_options o = {0};
  o.lse = c->out[1];
  return pal_sdpa(ctx, c->q, c->k, c->v, c->out[0], PAL_F32, &sh, &o, err);
}

static pal_status run_fill(const pal_context *ctx, call *c, pal_error *err) {
  pal_kv_pool pool = pal_kv_pool_hnd(c->out[0], c->out[1], PAL_F16, 8, PS, HKV, D);
  return pal_fill_kv_pages(ctx, c->k_new, c->v_new, PAL_F16, 40, c->slots, &pool, err);
}

static void *random_buf(pal_dtype dt, int64_t n, trng *r) {
  void *p = xmalloc((size_t)n * pal_dtype_size(dt));
  fill_random(dt, p, n, r, 1.0);
  return p;
}

static void free_call(call *c) {
  for (int i = 0; i < c->n_out; ++i) free(c->out[i]);
  free(c->q), free(c->k), free(c->v), free(c->k_new), free(c->v_new);
  free(c->block_table), free(c->seq_lens), free(c->qo_indptr), free(c->slots);
}

/* Paged inputs: two sequences, the first long enough to be split across
 * threads (split-KV: the engines allocate partial records). */
static void paged_inputs(call *c, trng *r, int64_t q_tokens) {
  c->k = random_buf(PAL_F16, (int64_t)PAGES * HKV * PS * D, r);
  c->v = random_buf(PAL_F16, (int64_t)PAGES * HKV * PS * D, r);
  c->block_table = xmalloc(sizeof(int32_t) * PAGES);
  for (int i = 0; i < PAGES; ++i) c->block_table[i] = (i * 37 + 11) % PAGES;
  c->seq_lens = xmalloc(sizeof(int32_t) * NSEQ);
  c->seq_lens[0] = 1250, c->seq_lens[1] = 301;
  c->q = random_buf(PAL_F16, q_tokens * HQ * D, r);
  c->out[0] = xmalloc((size_t)q_tokens * HQ * D * 2), c->out_bytes[0] = (size_t)q_tokens * HQ * D * 2;
  c->out[1] = xmalloc((size_t)q_tokens * HQ * 4), c->out_bytes[1] = (size_t)q_tokens * HQ * 4;
  c->n_out = 2;
}

static call make_call(int which, trng *r) {
  call c;
  memset(&c, 0, sizeof c);
  c.allocates = 1;
  if (which == 0) {
    c.name = "decode (paged, split-KV)";
    c.run = run_decode;
    paged_inputs(&c, r, NSEQ);
  } else if (which == 1) {
    c.name = "prefill (chunked, with history)";
    c.run = run_prefill;
    c.qo_indptr = xmalloc(sizeof(int32_t) * (NSEQ + 1));
    c.qo_indptr[0] = 0, c.qo_indptr[1] = 40, c.qo_indptr[2] = 40 + 3;
    paged_inputs(&c, r, 43);
  } else if (which == 2 || which == 3 || which == 4) {
    c.run = run_sdpa;
    c.causal = which != 3;
    c.q_len = which == 4 ? 1 : 33;
    c.kv_len = 1100;
    c.name = which == 2 ? "sdpa causal (prefill engine)"
             : which == 3 ? "sdpa non-causal (prefill engine)"
                          : "sdpa q_len 1 (decode engine)";
    const int64_t nq = (int64_t)NSEQ * HQ * c.q_len * D, nkv = (int64_t)NSEQ * HKV * c.kv_len * D;
    c.q = random_buf(PAL_F32, nq, r);
    c.k = random_buf(PAL_F32, nkv, r);
    c.v = random_buf(PAL_F32, nkv, r);
    c.out[0] = xmalloc((size_t)nq * 4), c.out_bytes[0] = (size_t)nq * 4;
    c.out[1] = xmalloc((size_t)NSEQ * HQ * c.q_len * 4), c.out_bytes[1] = (size_t)NSEQ * HQ * c.q_len * 4;
    c.n_out = 2;
  } else {
    c.name = "fill_kv_pages";
    c.run = run_fill;
    c.allocates = 0; /* scatters in place */
    c.k_new = random_buf(PAL_F16, (int64_t)40 * HKV * D, r);
    c.v_new = random_buf(PAL_F16, (int64_t)40 * HKV * D, r);
    c.slots = xmalloc(sizeof(int64_t) * 40);
    for (int i = 0; i < 40; ++i) c.slots[i] = i % 7 == 3 ? -1 : (i * 13) % (8 * PS);
    const size_t bytes = (size_t)8 * HKV * PS * D * 2;
    c.out[0] = xmalloc(bytes), c.out[1] = xmalloc(bytes);
    c.out_bytes[0] = c.out_bytes[1] = bytes;
    c.n_out = 2;
  }
  return c;
}

static void sentinel(call *c) {
  for (int i = 0; i < c->n_out; ++i) memset(c->out[i], SENTINEL, c->out_bytes[i]);
}

static int untouched(const call *c) {
  for (int i = 0; i < c->n_out; ++i)
    for (size_t b = 0; b < c->out_bytes[i]; ++b)
      if (((const unsigned char *)c->out[i])[b] != SENTINEL) return 0;
  return 1;
}

static int equals(const call *c, void *const *ref) {
  for (int i = 0; i < c->n_out; ++i)
    if (memcmp(c->out[i], ref[i], c->out_bytes[i]) != 0) return 0;
  return 1;
}

static const pal_context_options OPTS = {PAL_ISA_AUTO, 2};

static void sweep(int which) {
  trng r;
  trng_init(&r, 1234 + (uint64_t)which);
  call c = make_call(which, &r);
  /* the unfailed run */
  pal_context *ctx = NULL;
  assert_int_equal(pal_context_create(&OPTS, &ctx, NULL), PAL_OK);
  sentinel(&c);
  assert_int_equal(c.run(ctx, &c, NULL), PAL_OK);
  pal_context_destroy(ctx);
  void *ref[2];
  for (int i = 0; i < c.n_out; ++i) {
    ref[i] = xmalloc(c.out_bytes[i]);
    memcpy(ref[i], c.out[i], c.out_bytes[i]);
  }
  int failed_in_call = 0, reached = 0, last_failed = 1;
  for (long long n = 1; n <= MAX_SWEEP && !reached; ++n) {
    pal_error err;
    memset(&err, 0, sizeof err);
    ctx = NULL;
    const pal_status cs = pal__context_create_failing(&OPTS, n, &ctx, &err);
    if (n == 1) { /* the context's own allocation */
      assert_int_equal(cs, PAL_E_NOMEM);
      assert_null(ctx);
      assert_non_null(strstr(err.message, "context"));
      continue;
    }
    assert_int_equal(cs, PAL_OK);
    sentinel(&c);
    memset(&err, 0, sizeof err);
    const pal_status st = c.run(ctx, &c, &err);
    if (st == PAL_OK) {
      reached = 1; /* no allocation of the call was the Nth: all covered */
      if (!equals(&c, ref)) fail_msg("%s: fail_at %lld: result differs from an unfailed run", c.name, n);
    } else {
      if (st != PAL_E_NOMEM)
        fail_msg("%s: fail_at %lld: status %s, expected PAL_E_NOMEM", c.name, n, pal_status_name(st));
      if (!strstr(err.message, "allocating"))
        fail_msg("%s: fail_at %lld: message \"%s\" does not name the allocation", c.name, n, err.message);
      if (!untouched(&c)) fail_msg("%s: fail_at %lld: a failed call wrote its outputs", c.name, n);
      failed_in_call = 1;
      last_failed = (int)n;
      /* the next call on the same context succeeds, results unchanged */
      sentinel(&c);
      assert_int_equal(c.run(ctx, &c, NULL), PAL_OK);
      if (!equals(&c, ref)) fail_msg("%s: the call after a failure at %lld differs", c.name, n);
    }
    pal_context_destroy(ctx);
  }
  if (!reached) fail_msg("%s: allocations still failing at fail_at %d", c.name, MAX_SWEEP);
  print_message("%s: allocations 1..%d failed in turn, each cleanly; %d ran clean\n", c.name,
                last_failed, last_failed + 1);
  if (c.allocates && !failed_in_call) fail_msg("%s: no allocation failed: hook not reached", c.name);
  for (int i = 0; i < c.n_out; ++i) free(ref[i]);
  free_call(&c);
}

static void test_decode(void **state) { (void)state, sweep(0); }
static void test_prefill(void **state) { (void)state, sweep(1); }
static void test_sdpa_causal(void **state) { (void)state, sweep(2); }
static void test_sdpa_noncausal(void **state) { (void)state, sweep(3); }
static void test_sdpa_decode_engine(void **state) { (void)state, sweep(4); }
static void test_fill(void **state) { (void)state, sweep(5); }

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decode),       cmocka_unit_test(test_prefill),
      cmocka_unit_test(test_sdpa_causal),  cmocka_unit_test(test_sdpa_noncausal),
      cmocka_unit_test(test_sdpa_decode_engine), cmocka_unit_test(test_fill),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
