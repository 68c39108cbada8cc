/* tests/test_common.h - shared helpers for the PAL cmocka tests: RNG, paged
 * pool builders, guarded buffers, tolerances and diagnosable comparisons.
 * Uses only the public API (pal/pal.h) plus the independent reference. */
#ifndef PAL_TESTS_COMMON_H
#define PAL_TESTS_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "pal/pal.h"
#include "reference.h"

/* ------------------------------------------------------------------ RNG */

typedef struct trng {
  uint64_t s;
} trng;

/* Seed for all tests: PAL_TEST_SEED from the environment, else a fixed value. */
uint64_t test_seed(void);
void trng_init(trng *r, uint64_t seed);
uint64_t trng_next(trng *r);
double trng_uniform(trng *r, double lo, double hi);
/* Uniform integer in [lo, hi] (inclusive). */
int64_t trng_int(trng *r, int64_t lo, int64_t hi);
void trng_shuffle_i32(trng *r, int32_t *a, int64_t n);

/* n elements of dtype dt, uniform in [-amp, amp], rounded (RNE) to dt. */
void fill_random(pal_dtype dt, void *buf, int64_t n, trng *r, double amp);
void *xmalloc(size_t n);

/* ----------------------------------------------------------- tolerances */
/*
 * Output comparison, per element d of a row:
 *     |got - ref| <= atol + rtol * rowmax + 2 * TOL_SCORE * sbound
 * rowmax = max_d |ref[d]| of that output row; sbound = |scale| * max over the
 * row's tokens of sum_d |q_d k_d| (from the reference). Inputs are already in
 * their storage dtype and the reference reads the very same stored values, so
 * the only error sources are the library's fp32 arithmetic (scores, exp,
 * accumulation) and the final rounding of the output to its storage dtype:
 *
 *  TOL_SCORE 1e-6: an fp32 score over D <= 256 products is off by about
 *      sqrt(D) * 2^-24 * sbound <= 1e-6 * sbound. A score error delta scales a
 *      softmax weight by e^delta, which moves the output by at most
 *      2 * delta * max|V| (max|V| = 1 in every test) and lse by delta. This term
 *      only matters for peaky rows (large |q| or scale); for the default scale
 *      sbound is a few units.
 *  fp32 out, rtol 1e-5: no final rounding beyond fp32; fp32 softmax sums and
 *      the weighted V accumulation over up to ~20k tokens (blocked, split
 *      across threads, merged by log-sum-exp) stay at ~1e-6 of rowmax.
 *  fp16 out, rtol 1e-3: rounding to fp16 costs at most half an ulp = 2^-11 =
 *      4.9e-4 of the element (so of rowmax); 1e-3 = 2 half-ulps covers that
 *      plus the fp32 error before the rounding.
 *  bf16 out, rtol 8e-3: half an ulp = 2^-8 = 3.9e-3; 8e-3 = 2 half-ulps.
 *  atol 1e-6 (all dtypes): only matters for rows whose values are all tiny
 *      (fp16 subnormal steps are 6e-8; fp32 accumulation error is absolute in
 *      units of max|V| = 1).
 * LSE (always fp32): |got - ref| <= 1e-5 + 2e-6 * |ref| + TOL_SCORE * sbound:
 *      the score term as above, 2e-6 for the fp32 log/exp and the rounding
 *      of lse itself (6e-8 relative), 1e-5 for the fp32 sum of the weights.
 */
#define TOL_SCORE 1e-6
#define TOL_F32_RTOL 1e-5
#define TOL_F16_RTOL 1e-3
#define TOL_BF16_RTOL 8e-3
#define TOL_ATOL 1e-6
#define TOL_LSE_ATOL 1e-5
#define TOL_LSE_RTOL 2e-6

typedef struct tol_t {
  double atol, rtol;
} tol_t;
tol_t tol_for(pal_dtype out_dtype);

/* Worst errors seen, per output dtype. */
typedef struct err_stats {
  double worst_rel;  /* max |got-ref| / rowmax (rowmax > 0) */
  double worst_abs;  /* max |got-ref| */
  double worst_norm; /* max |got-ref| / (atol + rtol*rowmax): <= 1 passes */
  double worst_lse;  /* max |got-ref| of lse */
  double worst_lse_norm;
  long rows, elems, lse_rows;
} err_stats;
extern err_stats g_err[PAL_DTYPE_COUNT];
void print_err_stats(const char *title);

/* Checks one output row of D elements (element offset `off` of `got` in dtype
 * dt) against ref[0..D); sbound from the reference (see above). ref_empty: the
 * row sees no token, so it must be exactly zero (never NaN). On mismatch fails
 * the current cmocka test with the case description `what`, the row
 * description `row` and both operands. */
void check_row(const char *what, const char *row, pal_dtype dt, const void *got, int64_t off,
               const double *ref, int D, int ref_empty, double sbound);
/* Checks one lse value (and records the worst error under dtype dt). */
void check_lse(const char *what, const char *row, pal_dtype dt, float got, double ref,
               double sbound);

/* fail_msg with a printf-style case description. */
#define FAILF(...)                                                                                 \
  do {                                                                                             \
    print_error(__VA_ARGS__);                                                                      \
    print_error("\n");                                                                             \
    fail();                                                                                        \
  } while (0)

static inline const char *err_text(const pal_error *e) { return e ? e->message : ""; }

/* Asserts a pal call returned `expect`; on mismatch prints names and err text. */
#define CHECK_STATUS(what, got, expect, errp)                                                      \
  do {                                                                                             \
    pal_status got_ = (got);                                                                       \
    if (got_ != (expect))                                                                          \
      FAILF("%s: status %s (%d), expected %s (%d); message: \"%.255s\"", (what),                   \
            pal_status_name(got_), (int)got_, pal_status_name(expect), (int)(expect),             \
            err_text(errp));                                                        \
  } while (0)

/* ------------------------------------------------------- guarded buffers */

/* One allocation: [guard | payload | guard], all bytes set to a sentinel
 * pattern (pattern_byte < 0: a position-dependent pattern). */
typedef struct gbuf {
  unsigned char *base;
  void *p;
  size_t size, guard;
  int pattern_byte;
} gbuf;
void gbuf_alloc(gbuf *g, size_t size, size_t guard, int pattern_byte);
unsigned char gbuf_expected(const gbuf *g, size_t i);
/* First index (into base) whose byte differs from the sentinel, or -1. */
long gbuf_first_changed(const gbuf *g);
/* Returns 1 when the guards (not the payload) still hold the sentinel. */
int gbuf_guards_ok(const gbuf *g);
void gbuf_free(gbuf *g);

/* ------------------------------------------------------- paged KV pools */

enum { LAYOUT_HND = 0, LAYOUT_NHD = 1 };
const char *layout_name(int layout);
const char *form_name(pal_page_table_form form);

/* A paged pool + both page-table forms for a set of sequences. Pool memory is
 * exactly num_pages pages (one malloc each for K and V), NaN-filled; the pages
 * of each sequence come from a shuffled permutation of all pages; more pages
 * than needed exist; block-table padding holds garbage page ids; CSR
 * last_page_len of empty sequences holds garbage. */
typedef struct paged_kv {
  pal_dtype dtype;
  int layout;
  int32_t page_size, num_kv_heads, head_dim, num_seqs;
  int64_t num_pages;
  int32_t *seq_lens; /* copy */
  void *k, *v;
  size_t pool_bytes;
  pal_kv_pool pool;
  /* block-table form */
  int32_t *block_table;
  int32_t max_pages_per_seq;
  /* CSR form (arrays of exact size) */
  int32_t *kv_indptr, *kv_indices, *kv_last_page_len;
} paged_kv;

void paged_kv_build(paged_kv *pk, pal_dtype dtype, int layout, int32_t page_size,
                    int32_t num_kv_heads, int32_t head_dim, int32_t num_seqs,
                    const int32_t *seq_lens, trng *r);
/* Element offset of (seq s, token t, kv head h, dim 0) inside pk->k / pk->v. */
int64_t paged_kv_offset(const paged_kv *pk, int32_t s, int64_t t, int32_t h);
/* Random K/V values for every used slot (unused slots stay NaN). */
void paged_kv_fill_random(paged_kv *pk, trng *r, double amp);
pal_page_table paged_kv_table(const paged_kv *pk, pal_page_table_form form);
void paged_kv_free(paged_kv *pk);

/* Creates a context with a forced ISA and thread count (asserts success). */
pal_context *make_ctx(pal_isa isa, int num_threads);

/* One 2-thread context per ISA level this machine supports (NULL for the
 * others, announced as skipped with `what`); 0, or -1 when a supported level
 * fails to give a context. Destroy with contexts_destroy. */
int contexts_create(pal_context *ctx[PAL_ISA_COUNT], const char *what);
void contexts_destroy(pal_context *ctx[PAL_ISA_COUNT]);

#endif /* PAL_TESTS_COMMON_H */
