/* tests/test_validation.c - one test per validation error of the public API.
 *
 * Every failing call must return the documented pal_status, fill err (code,
 * a non-empty message naming the offending argument, the source location),
 * and write NOTHING: outputs (and, for pal_fill_kv_pages, the pools) live in
 * one allocation with guard bytes on both sides, all set to a sentinel
 * pattern, and every byte is checked after the failed call.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"

/* ------------------------------------------------------------ fixture */

enum { HQ = 4, HKV = 2, D = 64, PS = 16, NP = 4, NS = 2, MAXP = 2 };

typedef struct fixture {
  pal_context *ctx;
  float q[NS * HQ * D];
  float kpool[NP * HKV * PS * D], vpool[NP * HKV * PS * D];
  pal_kv_pool pool;
  int32_t block_table[NS * MAXP];
  int32_t seq_lens[NS];
  int32_t kv_indptr[NS + 1], kv_indices[3], kv_last_page_len[NS];
  pal_page_table bt, csr;
  pal_attention_options opt;
  gbuf out, lse;
  /* fill */
  float k_new[3 * HKV * D], v_new[3 * HKV * D];
  int64_t slots[3];
  gbuf pk, pv; /* guarded pools for fill */
  pal_kv_pool fill_pool;
  /* sdpa */
  pal_sdpa_shape shape;
  float sk[1 * HKV * 5 * D], sv[1 * HKV * 5 * D], sq[1 * HQ * 2 * D]; /* out, lse: same size as decode */
} fixture;

static fixture F;

static int setup(void **state) {
  (void)state;
  memset(&F, 0, sizeof F);
  trng r;
  trng_init(&r, test_seed() + 17);
  pal_context_options o = {PAL_ISA_SCALAR, 1};
  if (pal_context_create(&o, &F.ctx, NULL) != PAL_OK) return -1;
  fill_random(PAL_F32, F.q, NS * HQ * D, &r, 1.0);
  fill_random(PAL_F32, F.kpool, NP * HKV * PS * D, &r, 1.0);
  fill_random(PAL_F32, F.vpool, NP * HKV * PS * D, &r, 1.0);
  F.pool = pal_kv_pool_hnd(F.kpool, F.vpool, PAL_F32, NP, PS, HKV, D);
  /* seq 0: 20 tokens on pages 1, 3; seq 1: 5 tokens on page 0 (padding -7) */
  const int32_t bt[NS * MAXP] = {1, 3, 0, -7};
  memcpy(F.block_table, bt, sizeof bt);
  F.seq_lens[0] = 20;
  F.seq_lens[1] = 5;
  F.kv_indptr[0] = 0;
  F.kv_indptr[1] = 2;
  F.kv_indptr[2] = 3;
  F.kv_indices[0] = 1;
  F.kv_indices[1] = 3;
  F.kv_indices[2] = 0;
  F.kv_last_page_len[0] = 4;
  F.kv_last_page_len[1] = 5;
  F.bt = pal_page_table_block(NS, F.block_table, MAXP, F.seq_lens);
  F.csr = pal_page_table_csr(NS, F.kv_indptr, F.kv_indices, F.kv_last_page_len);
  gbuf_alloc(&F.out, sizeof(float) * NS * HQ * D, 256, -1);
  gbuf_alloc(&F.lse, sizeof(float) * NS * HQ, 256, -1);
  F.opt.scale = 0.f;
  F.opt.num_threads = 0;
  F.opt.lse = (float *)F.lse.p;
  fill_random(PAL_F32, F.k_new, 3 * HKV * D, &r, 1.0);
  fill_random(PAL_F32, F.v_new, 3 * HKV * D, &r, 1.0);
  F.slots[0] = 5;
  F.slots[1] = -1;
  F.slots[2] = NP * PS - 1;
  gbuf_alloc(&F.pk, sizeof(float) * NP * HKV * PS * D, 256, -1);
  gbuf_alloc(&F.pv, sizeof(float) * NP * HKV * PS * D, 256, -1);
  F.fill_pool = pal_kv_pool_nhd(F.pk.p, F.pv.p, PAL_F32, NP, PS, HKV, D);
  pal_sdpa_shape s = {1, HQ, HKV, 2, 5, D, 1};
  F.shape = s;
  fill_random(PAL_F32, F.sq, HQ * 2 * D, &r, 1.0);
  fill_random(PAL_F32, F.sk, HKV * 5 * D, &r, 1.0);
  fill_random(PAL_F32, F.sv, HKV * 5 * D, &r, 1.0);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  pal_context_destroy(F.ctx);
  gbuf_free(&F.out);
  gbuf_free(&F.lse);
  gbuf_free(&F.pk);
  gbuf_free(&F.pv);
  return 0;
}

/* ------------------------------------------------------------ checks */

/* err must describe the failure: code, non-empty NUL-terminated message that
 * contains one of the '|'-separated names, and a source location. */
static void check_err(const char *what, const pal_error *err, pal_status expect,
                      const char *names) {
  if (err->code != expect)
    FAILF("%s: err.code %s, expected %s", what, pal_status_name(err->code),
          pal_status_name(expect));
  if (!memchr(err->message, 0, sizeof err->message))
    FAILF("%s: err.message is not NUL-terminated", what);
  if (!err->message[0]) FAILF("%s: err.message is empty", what);
  if (!err->source_file || !err->source_file[0] || err->source_line <= 0)
    FAILF("%s: err has no source location (file %s, line %d)", what,
          err->source_file ? err->source_file : "(null)", err->source_line);
  char buf[256];
  snprintf(buf, sizeof buf, "%s", names);
  for (char *save = NULL, *n = strtok_r(buf, "|", &save); n; n = strtok_r(NULL, "|", &save))
    if (strstr(err->message, n)) return;
  FAILF("%s: err.message \"%s\" does not name the argument (expected one of: %s)", what,
        err->message, names);
}

static void check_untouched(const char *what, const char *name, const gbuf *g) {
  long b = gbuf_first_changed(g);
  if (b >= 0) {
    const long rel = b - (long)g->guard;
    FAILF("%s: %s byte %ld (%s) was written by a failing call", what, name, rel,
          rel < 0 || rel >= (long)g->size ? "guard" : "payload");
  }
}

static pal_error fresh_err(void) {
  pal_error e;
  memset(&e, 'X', sizeof e); /* garbage: the library must set every field it reports */
  e.code = PAL_OK;
  e.source_file = NULL;
  e.source_line = 0;
  return e;
}

/* Calls pal_decode with the given arguments twice (with err, then with NULL
 * err), expecting `expect` both times and nothing written. */
static void expect_decode(const char *what, pal_status expect, const char *names,
                          const pal_context *ctx, const void *q, void *out, pal_dtype q_dtype,
                          int32_t hq, const pal_kv_pool *pool, const pal_page_table *pt,
                          const pal_attention_options *opt) {
  pal_error err = fresh_err();
  CHECK_STATUS(what, pal_decode(ctx, q, out, q_dtype, hq, pool, pt, opt, &err), expect, &err);
  check_err(what, &err, expect, names);
  CHECK_STATUS(what, pal_decode(ctx, q, out, q_dtype, hq, pool, pt, opt, NULL), expect, &err);
  check_untouched(what, "output", &F.out);
  check_untouched(what, "lse", &F.lse);
}

/* pal_decode with the fixture's arguments, page table `pt` and pool `pool`. */
static void expect_decode_f(const char *what, pal_status expect, const char *names,
                            const pal_kv_pool *pool, const pal_page_table *pt) {
  expect_decode(what, expect, names, F.ctx, F.q, F.out.p, PAL_F32, HQ, pool, pt, &F.opt);
}

static void expect_fill(const char *what, pal_status expect, const char *names,
                        const pal_context *ctx, const void *k_new, const void *v_new,
                        pal_dtype src, int64_t n, const int64_t *slots, const pal_kv_pool *pool) {
  pal_error err = fresh_err();
  CHECK_STATUS(what, pal_fill_kv_pages(ctx, k_new, v_new, src, n, slots, pool, &err), expect,
               &err);
  check_err(what, &err, expect, names);
  CHECK_STATUS(what, pal_fill_kv_pages(ctx, k_new, v_new, src, n, slots, pool, NULL), expect,
               &err);
  check_untouched(what, "K pool", &F.pk);
  check_untouched(what, "V pool", &F.pv);
}

static void expect_fill_f(const char *what, pal_status expect, const char *names,
                          const int64_t *slots, int64_t n, const pal_kv_pool *pool) {
  expect_fill(what, expect, names, F.ctx, F.k_new, F.v_new, PAL_F32, n, slots, pool);
}

static void expect_sdpa(const char *what, pal_status expect, const char *names,
                        const pal_context *ctx, const void *q, const void *k, const void *v,
                        void *out, pal_dtype dt, const pal_sdpa_shape *shape,
                        const pal_attention_options *opt) {
  pal_error err = fresh_err();
  CHECK_STATUS(what, pal_sdpa(ctx, q, k, v, out, dt, shape, opt, &err), expect, &err);
  check_err(what, &err, expect, names);
  CHECK_STATUS(what, pal_sdpa(ctx, q, k, v, out, dt, shape, opt, NULL), expect, &err);
  check_untouched(what, "output", &F.out);
  check_untouched(what, "lse", &F.lse);
}

static void expect_sdpa_shape(const char *what, pal_status expect, const char *names,
                              const pal_sdpa_shape *shape) {
  expect_sdpa(what, expect, names, F.ctx, F.sq, F.sk, F.sv, F.out.p, PAL_F32, shape, &F.opt);
}

/* ------------------------------------------------- the fixture is valid */

static void test_fixture_is_valid(void **state) {
  (void)state;
  pal_error err;
  CHECK_STATUS("valid decode (block)",
               pal_decode(F.ctx, F.q, F.out.p, PAL_F32, HQ, &F.pool, &F.bt, &F.opt, &err), PAL_OK,
               &err);
  assert_true(gbuf_guards_ok(&F.out) && gbuf_guards_ok(&F.lse));
  CHECK_STATUS("valid decode (CSR)",
               pal_decode(F.ctx, F.q, F.out.p, PAL_F32, HQ, &F.pool, &F.csr, &F.opt, &err), PAL_OK,
               &err);
  CHECK_STATUS("valid fill",
               pal_fill_kv_pages(F.ctx, F.k_new, F.v_new, PAL_F32, 3, F.slots, &F.fill_pool, &err),
               PAL_OK, &err);
  assert_true(gbuf_guards_ok(&F.pk) && gbuf_guards_ok(&F.pv));
  CHECK_STATUS("valid sdpa",
               pal_sdpa(F.ctx, F.sq, F.sk, F.sv, F.out.p, PAL_F32, &F.shape, &F.opt, &err), PAL_OK,
               &err);
  CHECK_STATUS("valid decode, err NULL",
               pal_decode(F.ctx, F.q, F.out.p, PAL_F32, HQ, &F.pool, &F.bt, NULL, NULL), PAL_OK,
               &err);
}

/* ------------------------------------------------------------ PAL_E_NULL */

static void test_e_null_decode(void **state) {
  (void)state;
  pal_kv_pool p = F.pool;
  pal_page_table t;
  expect_decode("decode ctx NULL", PAL_E_NULL, "ctx", NULL, F.q, F.out.p, PAL_F32, HQ, &F.pool,
                &F.bt, &F.opt);
  expect_decode("decode q NULL", PAL_E_NULL, "q", F.ctx, NULL, F.out.p, PAL_F32, HQ, &F.pool,
                &F.bt, &F.opt);
  expect_decode("decode out NULL", PAL_E_NULL, "out", F.ctx, F.q, NULL, PAL_F32, HQ, &F.pool,
                &F.bt, &F.opt);
  expect_decode_f("decode pool NULL", PAL_E_NULL, "pool", NULL, &F.bt);
  expect_decode_f("decode pages NULL", PAL_E_NULL, "pages|page_table", &F.pool, NULL);
  p.k = NULL;
  expect_decode_f("decode pool->k NULL", PAL_E_NULL, "k", &p, &F.bt);
  p = F.pool;
  p.v = NULL;
  expect_decode_f("decode pool->v NULL", PAL_E_NULL, "v", &p, &F.bt);
  t = F.bt;
  t.block_table = NULL;
  expect_decode_f("decode block_table NULL", PAL_E_NULL, "block_table", &F.pool, &t);
  t = F.bt;
  t.seq_lens = NULL;
  expect_decode_f("decode seq_lens NULL", PAL_E_NULL, "seq_lens", &F.pool, &t);
  t = F.csr;
  t.kv_indptr = NULL;
  expect_decode_f("decode kv_indptr NULL", PAL_E_NULL, "kv_indptr", &F.pool, &t);
  t = F.csr;
  t.kv_indices = NULL;
  expect_decode_f("decode kv_indices NULL", PAL_E_NULL, "kv_indices", &F.pool, &t);
  t = F.csr;
  t.kv_last_page_len = NULL;
  expect_decode_f("decode kv_last_page_len NULL", PAL_E_NULL, "kv_last_page_len", &F.pool, &t);
}

static void test_e_null_fill(void **state) {
  (void)state;
  pal_kv_pool p = F.fill_pool;
  expect_fill("fill ctx NULL", PAL_E_NULL, "ctx", NULL, F.k_new, F.v_new, PAL_F32, 3, F.slots,
              &F.fill_pool);
  expect_fill("fill k_new NULL", PAL_E_NULL, "k_new", F.ctx, NULL, F.v_new, PAL_F32, 3, F.slots,
              &F.fill_pool);
  expect_fill("fill v_new NULL", PAL_E_NULL, "v_new", F.ctx, F.k_new, NULL, PAL_F32, 3, F.slots,
              &F.fill_pool);
  expect_fill_f("fill slot_mapping NULL", PAL_E_NULL, "slot_mapping", NULL, 3, &F.fill_pool);
  expect_fill_f("fill pool NULL", PAL_E_NULL, "pool", F.slots, 3, NULL);
  p.k = NULL;
  expect_fill_f("fill pool->k NULL", PAL_E_NULL, "k", F.slots, 3, &p);
  p = F.fill_pool;
  p.v = NULL;
  expect_fill_f("fill pool->v NULL", PAL_E_NULL, "v", F.slots, 3, &p);
}

static void test_e_null_sdpa(void **state) {
  (void)state;
  expect_sdpa("sdpa ctx NULL", PAL_E_NULL, "ctx", NULL, F.sq, F.sk, F.sv, F.out.p, PAL_F32,
              &F.shape, &F.opt);
  expect_sdpa("sdpa q NULL", PAL_E_NULL, "q", F.ctx, NULL, F.sk, F.sv, F.out.p, PAL_F32, &F.shape,
              &F.opt);
  expect_sdpa("sdpa k NULL", PAL_E_NULL, "k", F.ctx, F.sq, NULL, F.sv, F.out.p, PAL_F32, &F.shape,
              &F.opt);
  expect_sdpa("sdpa v NULL", PAL_E_NULL, "v", F.ctx, F.sq, F.sk, NULL, F.out.p, PAL_F32, &F.shape,
              &F.opt);
  expect_sdpa("sdpa out NULL", PAL_E_NULL, "out", F.ctx, F.sq, F.sk, F.sv, NULL, PAL_F32, &F.shape,
              &F.opt);
  expect_sdpa("sdpa shape NULL", PAL_E_NULL, "shape", F.ctx, F.sq, F.sk, F.sv, F.out.p, PAL_F32,
              NULL, &F.opt);
}

static void test_e_null_context_create(void **state) {
  (void)state;
  pal_error err = fresh_err();
  CHECK_STATUS("pal_context_create(out NULL)", pal_context_create(NULL, NULL, &err), PAL_E_NULL,
               &err);
  check_err("pal_context_create(out NULL)", &err, PAL_E_NULL, "out");
  pal_context_destroy(NULL); /* accepted */
}

/* ----------------------------------------------------------- PAL_E_SHAPE */

static void test_e_shape(void **state) {
  (void)state;
  pal_page_table t = F.bt;
  t.num_seqs = -1;
  expect_decode_f("decode num_seqs -1", PAL_E_SHAPE, "num_seqs", &F.pool, &t);
  t = F.bt;
  t.max_pages_per_seq = -1;
  expect_decode_f("decode max_pages_per_seq -1", PAL_E_SHAPE, "max_pages_per_seq", &F.pool, &t);
  expect_decode("decode num_q_heads 0", PAL_E_SHAPE, "num_q_heads", F.ctx, F.q, F.out.p, PAL_F32,
                0, &F.pool, &F.bt, &F.opt);
  expect_decode("decode num_q_heads -4", PAL_E_SHAPE, "num_q_heads", F.ctx, F.q, F.out.p,
                PAL_F32, -4, &F.pool, &F.bt, &F.opt);
  pal_kv_pool p = pal_kv_pool_hnd(F.kpool, F.vpool, PAL_F32, NP, PS, 0, D);
  expect_decode_f("decode num_kv_heads 0", PAL_E_SHAPE, "num_kv_heads", &p, &F.bt);
  p = pal_kv_pool_hnd(F.kpool, F.vpool, PAL_F32, NP, 0, HKV, D);
  expect_decode_f("decode page_size 0", PAL_E_SHAPE, "page_size", &p, &F.bt);
  p = pal_kv_pool_hnd(F.kpool, F.vpool, PAL_F32, NP, PAL_MAX_PAGE_SIZE + 1, HKV, D);
  expect_decode_f("decode page_size 257", PAL_E_SHAPE, "page_size", &p, &F.bt);
  p = pal_kv_pool_hnd(F.kpool, F.vpool, PAL_F32, -1, PS, HKV, D);
  expect_decode_f("decode num_pages -1", PAL_E_SHAPE, "num_pages", &p, &F.bt);
  /* CSR structure */
  int32_t indptr[NS + 1] = {1, 2, 3};
  t = pal_page_table_csr(NS, indptr, F.kv_indices, F.kv_last_page_len);
  expect_decode_f("decode CSR kv_indptr[0] = 1", PAL_E_SHAPE, "kv_indptr", &F.pool, &t);
  int32_t indptr2[NS + 1] = {0, 2, 1};
  t = pal_page_table_csr(NS, indptr2, F.kv_indices, F.kv_last_page_len);
  expect_decode_f("decode CSR kv_indptr decreasing", PAL_E_SHAPE, "kv_indptr", &F.pool, &t);
  /* fill */
  expect_fill_f("fill num_tokens -1", PAL_E_SHAPE, "num_tokens", F.slots, -1, &F.fill_pool);
  p = F.fill_pool;
  p.page_size = 0;
  expect_fill_f("fill page_size 0", PAL_E_SHAPE, "page_size", F.slots, 3, &p);
  /* sdpa */
  pal_sdpa_shape s = F.shape;
  s.batch = -1;
  expect_sdpa_shape("sdpa batch -1", PAL_E_SHAPE, "batch", &s);
  s = F.shape;
  s.q_len = -1;
  expect_sdpa_shape("sdpa q_len -1", PAL_E_SHAPE, "q_len", &s);
  s = F.shape;
  s.kv_len = -1;
  expect_sdpa_shape("sdpa kv_len -1", PAL_E_SHAPE, "kv_len", &s);
  s = F.shape;
  s.num_q_heads = 0;
  expect_sdpa_shape("sdpa num_q_heads 0", PAL_E_SHAPE, "num_q_heads", &s);
  s = F.shape;
  s.num_kv_heads = 0;
  expect_sdpa_shape("sdpa num_kv_heads 0", PAL_E_SHAPE, "num_kv_heads", &s);
}

/* ----------------------------------------------------------- PAL_E_HEADS */

static void test_e_heads(void **state) {
  (void)state;
  expect_decode("decode Hq 3, Hkv 2", PAL_E_HEADS, "num_q_heads|num_kv_heads", F.ctx, F.q,
                F.out.p, PAL_F32, 3, &F.pool, &F.bt, &F.opt);
  expect_decode("decode Hq 1, Hkv 2 (fewer query heads)", PAL_E_HEADS,
                "num_q_heads|num_kv_heads", F.ctx, F.q, F.out.p, PAL_F32, 1, &F.pool, &F.bt,
                &F.opt);
  pal_sdpa_shape s = F.shape;
  s.num_q_heads = 6;
  s.num_kv_heads = 4;
  expect_sdpa_shape("sdpa Hq 6, Hkv 4", PAL_E_HEADS, "num_q_heads|num_kv_heads", &s);
}

/* -------------------------------------------------------- PAL_E_HEAD_DIM */

static void test_e_head_dim(void **state) {
  (void)state;
  const int32_t bad[] = {72, 0, 272, -16, 8, 264};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char what[80];
    snprintf(what, sizeof what, "decode head_dim %d", bad[i]);
    pal_kv_pool p = pal_kv_pool_hnd(F.kpool, F.vpool, PAL_F32, NP, PS, HKV, bad[i]);
    expect_decode_f(what, PAL_E_HEAD_DIM, "head_dim", &p, &F.bt);
    snprintf(what, sizeof what, "fill head_dim %d", bad[i]);
    p = pal_kv_pool_nhd(F.pk.p, F.pv.p, PAL_F32, NP, PS, HKV, bad[i]);
    expect_fill_f(what, PAL_E_HEAD_DIM, "head_dim", F.slots, 3, &p);
    snprintf(what, sizeof what, "sdpa head_dim %d", bad[i]);
    pal_sdpa_shape s = F.shape;
    s.head_dim = bad[i];
    expect_sdpa_shape(what, PAL_E_HEAD_DIM, "head_dim", &s);
  }
}

/* --------------------------------------------------------- PAL_E_PAGE_ID */

static void test_e_page_id(void **state) {
  (void)state;
  const int32_t bad[] = {-1, NP, INT32_MAX, INT32_MIN};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char what[96];
    int32_t bt[NS * MAXP];
    memcpy(bt, F.block_table, sizeof bt);
    bt[1] = bad[i]; /* seq 0's second page, which it uses */
    pal_page_table t = pal_page_table_block(NS, bt, MAXP, F.seq_lens);
    snprintf(what, sizeof what, "decode block_table[0][1] = %d (num_pages %d)", bad[i], NP);
    expect_decode_f(what, PAL_E_PAGE_ID, "block_table|page", &F.pool, &t);
    int32_t idx[3];
    memcpy(idx, F.kv_indices, sizeof idx);
    idx[2] = bad[i]; /* seq 1's only page */
    t = pal_page_table_csr(NS, F.kv_indptr, idx, F.kv_last_page_len);
    snprintf(what, sizeof what, "decode kv_indices[2] = %d (num_pages %d)", bad[i], NP);
    expect_decode_f(what, PAL_E_PAGE_ID, "kv_indices|page", &F.pool, &t);
  }
}

/* --------------------------------------------------------- PAL_E_SEQ_LEN */

static void test_e_seq_len(void **state) {
  (void)state;
  int32_t lens[NS] = {MAXP * PS + 1, 5};
  pal_page_table t = pal_page_table_block(NS, F.block_table, MAXP, lens);
  expect_decode_f("decode seq_lens[0] = 33 > max_pages_per_seq*page_size = 32", PAL_E_SEQ_LEN,
                  "seq_len", &F.pool, &t);
  int32_t lens2[NS] = {20, -1};
  t = pal_page_table_block(NS, F.block_table, MAXP, lens2);
  expect_decode_f("decode seq_lens[1] = -1", PAL_E_SEQ_LEN, "seq_len", &F.pool, &t);
  int32_t last[NS] = {0, 5};
  t = pal_page_table_csr(NS, F.kv_indptr, F.kv_indices, last);
  expect_decode_f("decode CSR kv_last_page_len[0] = 0", PAL_E_SEQ_LEN, "kv_last_page_len",
                  &F.pool, &t);
  int32_t last2[NS] = {4, PS + 1};
  t = pal_page_table_csr(NS, F.kv_indptr, F.kv_indices, last2);
  expect_decode_f("decode CSR kv_last_page_len[1] = 17 > page_size", PAL_E_SEQ_LEN,
                  "kv_last_page_len", &F.pool, &t);
  int32_t last3[NS] = {-3, 5};
  t = pal_page_table_csr(NS, F.kv_indptr, F.kv_indices, last3);
  expect_decode_f("decode CSR kv_last_page_len[0] = -3", PAL_E_SEQ_LEN, "kv_last_page_len",
                  &F.pool, &t);
}

/* ------------------------------------------------------------ PAL_E_SLOT */

static void test_e_slot(void **state) {
  (void)state;
  const int64_t bad[] = {NP * PS, -2, INT64_MAX, INT64_MIN, (int64_t)NP * PS + 1000};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    /* valid slots first: all are validated before anything is written */
    int64_t slots[3] = {0, 17, bad[i]};
    char what[96];
    snprintf(what, sizeof what, "fill slot_mapping[2] = %lld (pool has %d slots)",
             (long long)bad[i], NP * PS);
    expect_fill_f(what, PAL_E_SLOT, "slot_mapping|slot", slots, 3, &F.fill_pool);
  }
}

/* -------------------------------------------------------- PAL_E_OVERFLOW */

static void test_e_overflow(void **state) {
  (void)state;
  /* num_pages * stride_page (= Hkv*page_size*D = 2048) overflows int64 */
  pal_kv_pool p = pal_kv_pool_hnd(F.kpool, F.vpool, PAL_F32, INT64_MAX / 1000, PS, HKV, D);
  expect_decode_f("decode num_pages INT64_MAX/1000 (extent overflows)", PAL_E_OVERFLOW,
                  "num_pages|stride|pool|overflow", &p, &F.bt);
  /* a huge stride_page with a few pages */
  p = F.pool;
  p.stride_page = INT64_MAX / 2;
  expect_decode_f("decode stride_page INT64_MAX/2, num_pages 4", PAL_E_OVERFLOW,
                  "num_pages|stride|pool|overflow", &p, &F.bt);
  pal_kv_pool fp = pal_kv_pool_nhd(F.pk.p, F.pv.p, PAL_F32, INT64_MAX / 1000, PS, HKV, D);
  expect_fill_f("fill num_pages INT64_MAX/1000 (extent overflows)", PAL_E_OVERFLOW,
                "num_pages|stride|pool|overflow", F.slots, 3, &fp);
}

/* ----------------------------------------------------------- PAL_E_DTYPE */

static void test_e_dtype(void **state) {
  (void)state;
  expect_decode("decode q_dtype 7", PAL_E_DTYPE, "dtype", F.ctx, F.q, F.out.p, (pal_dtype)7, HQ,
                &F.pool, &F.bt, &F.opt);
  expect_decode("decode q_dtype -1", PAL_E_DTYPE, "dtype", F.ctx, F.q, F.out.p, (pal_dtype)-1, HQ,
                &F.pool, &F.bt, &F.opt);
  pal_kv_pool p = F.pool;
  p.dtype = (pal_dtype)7;
  expect_decode_f("decode pool dtype 7", PAL_E_DTYPE, "dtype", &p, &F.bt);
  p.dtype = PAL_DTYPE_COUNT;
  expect_decode_f("decode pool dtype PAL_DTYPE_COUNT", PAL_E_DTYPE, "dtype", &p, &F.bt);
  expect_fill("fill src_dtype 7", PAL_E_DTYPE, "dtype", F.ctx, F.k_new, F.v_new, (pal_dtype)7, 3,
              F.slots, &F.fill_pool);
  p = F.fill_pool;
  p.dtype = (pal_dtype)7;
  expect_fill_f("fill pool dtype 7", PAL_E_DTYPE, "dtype", F.slots, 3, &p);
  expect_sdpa("sdpa dtype 7", PAL_E_DTYPE, "dtype", F.ctx, F.sq, F.sk, F.sv, F.out.p,
              (pal_dtype)7, &F.shape, &F.opt);
}

/* ---------------------------------------------------------- PAL_E_LAYOUT */

static void test_e_layout(void **state) {
  (void)state;
  pal_kv_pool p = F.pool;
  p.stride_token = -p.stride_token;
  expect_decode_f("decode stride_token negative", PAL_E_LAYOUT, "stride", &p, &F.bt);
  p = F.pool;
  p.stride_page = -p.stride_page;
  expect_decode_f("decode stride_page negative", PAL_E_LAYOUT, "stride", &p, &F.bt);
  p = F.pool;
  p.stride_head = -1;
  expect_decode_f("decode stride_head -1", PAL_E_LAYOUT, "stride", &p, &F.bt);
  p = F.fill_pool;
  p.stride_token = -1;
  expect_fill_f("fill stride_token -1", PAL_E_LAYOUT, "stride", F.slots, 3, &p);
  /* strides that make token rows overlap (docs/API.md) */
  p = F.pool;
  p.stride_token = D / 2;
  expect_decode_f("decode HND stride_token D/2 (token rows overlap)", PAL_E_LAYOUT, "stride", &p,
                  &F.bt);
  p = F.fill_pool; /* NHD: stride_head = D */
  p.stride_head = D / 2;
  expect_fill_f("fill NHD stride_head D/2 (head rows overlap)", PAL_E_LAYOUT, "stride", F.slots,
                3, &p);
}

/* ------------------------------------------------------------- PAL_E_ISA */

static void expect_ctx_fail(const char *what, const pal_context_options *o, pal_status expect,
                            const char *names) {
  pal_context *ctx = (pal_context *)&F; /* non-NULL garbage: must become NULL */
  pal_error err = fresh_err();
  CHECK_STATUS(what, pal_context_create(o, &ctx, &err), expect, &err);
  check_err(what, &err, expect, names);
  if (ctx != NULL) FAILF("%s: *out not set to NULL on failure", what);
}

static void test_e_isa(void **state) {
  (void)state;
  const char *saved = getenv("PAL_ISA");
  char saved_copy[64] = "";
  if (saved) snprintf(saved_copy, sizeof saved_copy, "%s", saved);
  unsetenv("PAL_ISA");

  pal_context_options o = {(pal_isa)99, 1};
  expect_ctx_fail("context isa 99", &o, PAL_E_ISA, "isa|ISA");
  o.isa = (pal_isa)-1;
  expect_ctx_fail("context isa -1", &o, PAL_E_ISA, "isa|ISA");
  o.isa = PAL_ISA_COUNT;
  expect_ctx_fail("context isa PAL_ISA_COUNT", &o, PAL_E_ISA, "isa|ISA");
  /* the message lists the levels this machine can run; scalar always */
  {
    pal_context *c = NULL;
    pal_error err = fresh_err();
    o.isa = (pal_isa)99;
    pal_context_create(&o, &c, &err);
    if (!strstr(err.message, "scalar"))
      FAILF("context isa 99: message \"%s\" does not list the supported levels", err.message);
  }
  int any_unsupported = 0;
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
    if (pal_isa_supported((pal_isa)isa)) continue;
    any_unsupported = 1;
    char what[64];
    snprintf(what, sizeof what, "context forced unsupported isa %s", pal_isa_name((pal_isa)isa));
    o.isa = (pal_isa)isa;
    expect_ctx_fail(what, &o, PAL_E_ISA, "isa|ISA");
  }
  if (!any_unsupported)
    print_message("every ISA level is supported here: the forced-unsupported case is skipped\n");

  /* the environment variable, for PAL_ISA_AUTO only */
  setenv("PAL_ISA", "bogus", 1);
  o.isa = PAL_ISA_AUTO;
  expect_ctx_fail("context AUTO with PAL_ISA=bogus", &o, PAL_E_ISA, "PAL_ISA|bogus|isa");
  expect_ctx_fail("context NULL options with PAL_ISA=bogus", NULL, PAL_E_ISA, "PAL_ISA|bogus|isa");
  {
    pal_context_options s = {PAL_ISA_SCALAR, 1};
    pal_context *c = NULL;
    pal_error err;
    CHECK_STATUS("explicit scalar ignores PAL_ISA=bogus", pal_context_create(&s, &c, &err),
                 PAL_OK, &err);
    pal_context_destroy(c);
  }
  pal_cpu_info info;
  pal_cpu_info_get(&info);
  const struct {
    const char *value;
    pal_isa expect;
  } good[] = {{"scalar", PAL_ISA_SCALAR}, {"SCALAR", PAL_ISA_SCALAR}, {"Scalar", PAL_ISA_SCALAR},
              {"auto", info.best_isa},    {"", info.best_isa},         {"avx2", PAL_ISA_AVX2},
              {"AVX512", PAL_ISA_AVX512}};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    if (!pal_isa_supported(good[i].expect)) continue;
    setenv("PAL_ISA", good[i].value, 1);
    pal_context *c = NULL;
    pal_error err;
    char what[64];
    snprintf(what, sizeof what, "context AUTO with PAL_ISA=\"%s\"", good[i].value);
    CHECK_STATUS(what, pal_context_create(&o, &c, &err), PAL_OK, &err);
    if (pal_context_isa(c) != good[i].expect)
      FAILF("%s: context runs %s, expected %s", what, pal_isa_name(pal_context_isa(c)),
            pal_isa_name(good[i].expect));
    pal_context_destroy(c);
  }
  for (int isa = PAL_ISA_AVX2; isa < PAL_ISA_COUNT; isa++) {
    if (pal_isa_supported((pal_isa)isa)) continue;
    setenv("PAL_ISA", pal_isa_name((pal_isa)isa), 1);
    char what[64];
    snprintf(what, sizeof what, "context AUTO with PAL_ISA=%s (unsupported)",
             pal_isa_name((pal_isa)isa));
    expect_ctx_fail(what, &o, PAL_E_ISA, "PAL_ISA|isa|ISA");
  }
  unsetenv("PAL_ISA");
  {
    pal_context *c = NULL;
    pal_error err;
    CHECK_STATUS("context AUTO, no PAL_ISA", pal_context_create(&o, &c, &err), PAL_OK, &err);
    assert_int_equal(pal_context_isa(c), info.best_isa);
    pal_context_destroy(c);
  }
  if (saved) setenv("PAL_ISA", saved_copy, 1);
}

/* ------------------------------------------------------------- PAL_E_ARG */

static void test_e_arg(void **state) {
  (void)state;
  pal_attention_options o = F.opt;
  o.scale = NAN;
  expect_decode("decode scale NaN", PAL_E_ARG, "scale", F.ctx, F.q, F.out.p, PAL_F32, HQ, &F.pool,
                &F.bt, &o);
  o = F.opt;
  o.num_threads = -1;
  expect_decode("decode num_threads -1", PAL_E_ARG, "num_threads", F.ctx, F.q, F.out.p, PAL_F32,
                HQ, &F.pool, &F.bt, &o);
  o = F.opt;
  o.scale = NAN;
  expect_sdpa("sdpa scale NaN", PAL_E_ARG, "scale", F.ctx, F.sq, F.sk, F.sv, F.out.p, PAL_F32,
              &F.shape, &o);
  o = F.opt;
  o.num_threads = -2;
  expect_sdpa("sdpa num_threads -2", PAL_E_ARG, "num_threads", F.ctx, F.sq, F.sk, F.sv, F.out.p,
              PAL_F32, &F.shape, &o);
  o = F.opt;
  o.scale = INFINITY;
  expect_decode("decode scale +inf", PAL_E_ARG, "scale", F.ctx, F.q, F.out.p, PAL_F32, HQ,
                &F.pool, &F.bt, &o);
  pal_page_table t = F.bt;
  t.form = (pal_page_table_form)7;
  expect_decode_f("decode page-table form 7", PAL_E_ARG, "form", &F.pool, &t);
  pal_context_options co = {PAL_ISA_SCALAR, -1};
  expect_ctx_fail("context num_threads -1", &co, PAL_E_ARG, "num_threads");
}

/* ------------------------------------------------- status names/messages */

static void test_status_names(void **state) {
  (void)state;
#define CHECK_NAME_(name, value, text)                                                             \
  assert_int_equal((int)name, value);                                                              \
  assert_string_equal(pal_status_name(name), #name);                                               \
  assert_string_equal(pal_status_message(name), text);
  PAL_STATUS_MAP(CHECK_NAME_)
#undef CHECK_NAME_
  const int unknown[] = {15, 99, -1, 1000000};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    assert_string_equal(pal_status_name((pal_status)unknown[i]), "PAL_E_UNKNOWN");
    const char *m = pal_status_message((pal_status)unknown[i]);
    assert_non_null(m);
    assert_true(m[0] != 0);
  }
}

/* ------------------------------------------------------ public helpers */

static void test_api_basics(void **state) {
  (void)state;
  assert_string_equal(pal_dtype_name(PAL_F32), "fp32");
  assert_string_equal(pal_dtype_name(PAL_F16), "fp16");
  assert_string_equal(pal_dtype_name(PAL_BF16), "bf16");
  assert_null(pal_dtype_name((pal_dtype)7));
  assert_int_equal(pal_dtype_size(PAL_F32), 4);
  assert_int_equal(pal_dtype_size(PAL_F16), 2);
  assert_int_equal(pal_dtype_size(PAL_BF16), 2);
  assert_int_equal(pal_dtype_size((pal_dtype)7), 0);
  assert_string_equal(pal_isa_name(PAL_ISA_AUTO), "auto");
  assert_string_equal(pal_isa_name(PAL_ISA_SCALAR), "scalar");
  assert_string_equal(pal_isa_name(PAL_ISA_AVX2), "avx2");
  assert_string_equal(pal_isa_name(PAL_ISA_AVX512), "avx512");
  assert_null(pal_isa_name((pal_isa)99));
  assert_true(pal_isa_supported(PAL_ISA_AUTO));
  assert_true(pal_isa_supported(PAL_ISA_SCALAR));
  assert_false(pal_isa_supported((pal_isa)99));
  assert_non_null(pal_version());
  assert_true(pal_version()[0] != 0);
  pal_cpu_info info;
  pal_cpu_info_get(&info);
  assert_true(info.best_isa >= PAL_ISA_SCALAR && info.best_isa < PAL_ISA_COUNT);
  assert_true(pal_isa_supported(info.best_isa));

  int dummy_k, dummy_v;
  pal_kv_pool h = pal_kv_pool_hnd(&dummy_k, &dummy_v, PAL_F16, 10, 16, 4, 128);
  assert_ptr_equal(h.k, &dummy_k);
  assert_ptr_equal(h.v, &dummy_v);
  assert_int_equal(h.dtype, PAL_F16);
  assert_int_equal(h.num_pages, 10);
  assert_int_equal(h.page_size, 16);
  assert_int_equal(h.num_kv_heads, 4);
  assert_int_equal(h.head_dim, 128);
  assert_int_equal(h.stride_page, 4 * 16 * 128); /* [pages, Hkv, page_size, D] */
  assert_int_equal(h.stride_head, 16 * 128);
  assert_int_equal(h.stride_token, 128);
  pal_kv_pool n = pal_kv_pool_nhd(&dummy_k, &dummy_v, PAL_BF16, 10, 16, 4, 128);
  assert_int_equal(n.stride_page, 16 * 4 * 128); /* [pages, page_size, Hkv, D] */
  assert_int_equal(n.stride_head, 128);
  assert_int_equal(n.stride_token, 4 * 128);

  int32_t a[1], b[1], c[1];
  pal_page_table t = pal_page_table_block(3, a, 5, b);
  assert_int_equal(t.form, PAL_PAGES_BLOCK_TABLE);
  assert_int_equal(t.num_seqs, 3);
  assert_ptr_equal(t.block_table, a);
  assert_int_equal(t.max_pages_per_seq, 5);
  assert_ptr_equal(t.seq_lens, b);
  t = pal_page_table_csr(2, a, b, c);
  assert_int_equal(t.form, PAL_PAGES_CSR);
  assert_int_equal(t.num_seqs, 2);
  assert_ptr_equal(t.kv_indptr, a);
  assert_ptr_equal(t.kv_indices, b);
  assert_ptr_equal(t.kv_last_page_len, c);

  pal_context *ctx = NULL;
  pal_context_options o = {PAL_ISA_SCALAR, 3};
  assert_int_equal(pal_context_create(&o, &ctx, NULL), PAL_OK);
  assert_int_equal(pal_context_isa(ctx), PAL_ISA_SCALAR);
  assert_int_equal(pal_context_num_threads(ctx), 3);
  pal_context_destroy(ctx);
}

/* ----------------------------------- empty sequences: zeros, never NaN */

static void test_seq_len_zero_nan_page(void **state) {
  (void)state;
  /* every page is NaN; seq 0 has length 0 but its block-table row names page 2 */
  int32_t bt[NS * MAXP] = {2, 2, 1, 3};
  int32_t lens[NS] = {0, 0};
  pal_page_table t = pal_page_table_block(NS, bt, MAXP, lens);
  int32_t indptr[NS + 1] = {0, 0, 0}, last[NS] = {0, 99};
  pal_page_table c = pal_page_table_csr(NS, indptr, F.kv_indices, last);
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
    if (!pal_isa_supported((pal_isa)isa)) continue;
    pal_context *ctx = make_ctx((pal_isa)isa, 2);
    for (int dt = 0; dt < 3; dt++) {
      const int64_t n = (int64_t)sizeof F.kpool / (int64_t)ref_dtype_size((pal_dtype)dt);
      ref_fill_nan((pal_dtype)dt, F.kpool, n);
      ref_fill_nan((pal_dtype)dt, F.vpool, n);
      unsigned char q[sizeof F.q];
      trng r;
      trng_init(&r, 3);
      fill_random((pal_dtype)dt, q, NS * HQ * D, &r, 1.0);
      for (int form = 0; form < 2; form++) {
        pal_kv_pool p = pal_kv_pool_hnd(F.kpool, F.vpool, (pal_dtype)dt, NP, PS, HKV, D);
        pal_error err;
        char what[120];
        snprintf(what, sizeof what, "seq_len 0 over NaN pages: isa=%s dtype=%s form=%s",
                 pal_isa_name((pal_isa)isa), ref_dtype_name((pal_dtype)dt),
                 form_name((pal_page_table_form)form));
        memset(F.out.p, 0xFF, F.out.size);
        memset(F.lse.p, 0x00, F.lse.size);
        CHECK_STATUS(what,
                     pal_decode(ctx, q, F.out.p, (pal_dtype)dt, HQ, &p, form ? &c : &t, &F.opt,
                                &err),
                     PAL_OK, &err);
        for (int i = 0; i < NS * HQ * D; i++) {
          double v = ref_load((pal_dtype)dt, F.out.p, i);
          if (!(v == 0.0)) FAILF("%s: out element %d is %g, expected exact 0", what, i, v);
        }
        for (int i = 0; i < NS * HQ; i++) {
          float l = ((float *)F.lse.p)[i];
          if (!(isinf(l) && l < 0)) FAILF("%s: lse[%d] = %g, expected -inf", what, i, (double)l);
        }
        if (!gbuf_guards_ok(&F.out) || !gbuf_guards_ok(&F.lse))
          FAILF("%s: guard bytes changed", what);
      }
    }
    pal_context_destroy(ctx);
  }
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_fixture_is_valid),
      T(test_e_null_decode),
      T(test_e_null_fill),
      T(test_e_null_sdpa),
      T(test_e_null_context_create),
      T(test_e_shape),
      T(test_e_heads),
      T(test_e_head_dim),
      T(test_e_page_id),
      T(test_e_seq_len),
      T(test_e_slot),
      T(test_e_overflow),
      T(test_e_dtype),
      T(test_e_layout),
      T(test_e_isa),
      T(test_e_arg),
      T(test_status_names),
      T(test_api_basics),
      T(test_seq_len_zero_nan_page),
  };
#undef T
  return cmocka_run_group_tests_name("pal_validation", tests, NULL, NULL);
}
