/* tests/test_common.c - shared helpers for the PAL tests (see test_common.h). */
#include "test_common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ RNG */

uint64_t test_seed(void) {
  const char *e = getenv("PAL_TEST_SEED");
  if (e && *e) return strtoull(e, NULL, 0);
  return 0x5eed1234abcdull;
}

void trng_init(trng *r, uint64_t seed) { r->s = seed ? seed : 1; }

uint64_t trng_next(trng *r) { /* splitmix64 */
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double trng_uniform(trng *r, double lo, double hi) {
  double u = (double)(trng_next(r) >> 11) * (1.0 / 9007199254740992.0);
  return lo + (hi - lo) * u;
}

int64_t trng_int(trng *r, int64_t lo, int64_t hi) {
  uint64_t span = (uint64_t)(hi - lo) + 1;
  return lo + (int64_t)(trng_next(r) % span);
}

void trng_shuffle_i32(trng *r, int32_t *a, int64_t n) {
  for (int64_t i = n - 1; i > 0; i--) {
    int64_t j = trng_int(r, 0, i);
    int32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

void fill_random(pal_dtype dt, void *buf, int64_t n, trng *r, double amp) {
  for (int64_t i = 0; i < n; i++) ref_store(dt, buf, i, trng_uniform(r, -amp, amp));
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "out of memory (%zu bytes)\n", n);
    abort();
  }
  return p;
}

/* ----------------------------------------------------------- tolerances */

err_stats g_err[PAL_DTYPE_COUNT];

tol_t tol_for(pal_dtype dt) {
  tol_t t = {TOL_ATOL, TOL_F32_RTOL};
  if (dt == PAL_F16) t.rtol = TOL_F16_RTOL;
  if (dt == PAL_BF16) t.rtol = TOL_BF16_RTOL;
  return t;
}

void print_err_stats(const char *title) {
  for (int dt = 0; dt < PAL_DTYPE_COUNT; dt++) {
    const err_stats *e = &g_err[dt];
    if (!e->rows) continue;
    tol_t t = tol_for((pal_dtype)dt);
    printf("%s worst error %s: |err|/rowmax %.3g (rtol %.3g), |err| %.3g, err/tol %.3f; "
           "lse |err| %.3g, err/tol %.3f (%ld rows, %ld elements, %ld lse)\n",
           title, ref_dtype_name((pal_dtype)dt), e->worst_rel, t.rtol, e->worst_abs,
           e->worst_norm, e->worst_lse, e->worst_lse_norm, e->rows, e->elems, e->lse_rows);
  }
  fflush(stdout);
}

void check_row(const char *what, const char *row, pal_dtype dt, const void *got, int64_t off,
               const double *ref, int D, int ref_empty, double sbound) {
  err_stats *st = &g_err[dt];
  st->rows++;
  st->elems += D;
  if (ref_empty) {
    for (int d = 0; d < D; d++) {
      double g = ref_load(dt, got, off + d);
      if (!(g == 0.0))
        FAILF("%s\n  %s: row sees no token, expected exact zeros; d=%d got %.9g", what, row, d,
              g);
    }
    return;
  }
  double rowmax = 0.0;
  for (int d = 0; d < D; d++)
    if (isfinite(ref[d]) && fabs(ref[d]) > rowmax) rowmax = fabs(ref[d]);
  const tol_t t = tol_for(dt);
  const double lim = t.atol + t.rtol * rowmax + 2 * TOL_SCORE * sbound;
  for (int d = 0; d < D; d++) {
    const double g = ref_load(dt, got, off + d);
    if (!isfinite(ref[d])) { /* NaN must stay NaN, an infinity the same infinity */
      if (isnan(ref[d]) ? !isnan(g) : g != ref[d])
        FAILF("%s\n  %s: d=%d got %.9g, the float64 reference gives %g", what, row, d, g, ref[d]);
      continue;
    }
    const double err = fabs(g - ref[d]);
    if (!(err <= lim))
      FAILF("%s\n  %s: d=%d got %.9g ref %.9g |err| %.3g > tol %.3g (atol %.1g + rtol %.1g * "
            "rowmax %.6g + 2 * %.1g * score bound %.4g)",
            what, row, d, g, ref[d], err, lim, t.atol, t.rtol, rowmax, TOL_SCORE, sbound);
    if (err > st->worst_abs) st->worst_abs = err;
    if (rowmax > 0 && err / rowmax > st->worst_rel) st->worst_rel = err / rowmax;
    if (err / lim > st->worst_norm) st->worst_norm = err / lim;
  }
}

void check_lse(const char *what, const char *row, pal_dtype dt, float got, double ref,
               double sbound) {
  err_stats *st = &g_err[dt];
  st->lse_rows++;
  if (isnan(ref)) {
    if (!isnan(got))
      FAILF("%s\n  %s: lse expected NaN (the row's scores are not finite), got %.9g", what, row,
            (double)got);
    return;
  }
  if (isinf(ref) && ref < 0) {
    if (!(isinf(got) && got < 0))
      FAILF("%s\n  %s: lse expected -inf (row sees no token), got %.9g", what, row, (double)got);
    return;
  }
  const double err = fabs((double)got - ref);
  const double lim = TOL_LSE_ATOL + TOL_LSE_RTOL * fabs(ref) + TOL_SCORE * sbound;
  if (!(err <= lim))
    FAILF("%s\n  %s: lse got %.9g ref %.9g |err| %.3g > tol %.3g (score bound %.4g)", what, row,
          (double)got, ref, err, lim, sbound);
  if (err > st->worst_lse) st->worst_lse = err;
  if (err / lim > st->worst_lse_norm) st->worst_lse_norm = err / lim;
}

/* ------------------------------------------------------- guarded buffers */

unsigned char gbuf_expected(const gbuf *g, size_t i) {
  if (g->pattern_byte >= 0) return (unsigned char)g->pattern_byte;
  return (unsigned char)(0xA5u ^ (unsigned)(i * 131u + (i >> 8)));
}

void gbuf_alloc(gbuf *g, size_t size, size_t guard, int pattern_byte) {
  g->size = size;
  g->guard = guard;
  g->pattern_byte = pattern_byte;
  g->base = xmalloc(size + 2 * guard);
  for (size_t i = 0; i < size + 2 * guard; i++) g->base[i] = gbuf_expected(g, i);
  g->p = g->base + guard;
}

long gbuf_first_changed(const gbuf *g) {
  for (size_t i = 0; i < g->size + 2 * g->guard; i++)
    if (g->base[i] != gbuf_expected(g, i)) return (long)i;
  return -1;
}

int gbuf_guards_ok(const gbuf *g) {
  for (size_t i = 0; i < g->guard; i++) {
    if (g->base[i] != gbuf_expected(g, i)) return 0;
    size_t j = g->guard + g->size + i;
    if (g->base[j] != gbuf_expected(g, j)) return 0;
  }
  return 1;
}

void gbuf_free(gbuf *g) {
  free(g->base);
  g->base = NULL;
  g->p = NULL;
}

/* ------------------------------------------------------- paged KV pools */

const char *layout_name(int layout) { return layout == LAYOUT_HND ? "HND" : "NHD"; }
const char *form_name(pal_page_table_form f) { return f == PAL_PAGES_BLOCK_TABLE ? "block" : "CSR"; }

static const int32_t k_garbage_ids[] = {-7, 1 << 30, INT32_MIN, INT32_MAX, -1};

void paged_kv_build(paged_kv *pk, pal_dtype dtype, int layout, int32_t ps, int32_t hkv, int32_t D,
                    int32_t num_seqs, const int32_t *seq_lens, trng *r) {
  memset(pk, 0, sizeof *pk);
  pk->dtype = dtype;
  pk->layout = layout;
  pk->page_size = ps;
  pk->num_kv_heads = hkv;
  pk->head_dim = D;
  pk->num_seqs = num_seqs;
  pk->seq_lens = xmalloc(sizeof(int32_t) * (size_t)(num_seqs > 0 ? num_seqs : 1));
  int64_t needed = 0;
  int32_t maxp = 0;
  for (int32_t s = 0; s < num_seqs; s++) {
    pk->seq_lens[s] = seq_lens[s];
    int32_t np = (seq_lens[s] + ps - 1) / ps;
    needed += np;
    if (np > maxp) maxp = np;
  }
  pk->num_pages = needed + needed / 4 + 3; /* unused pages exist */
  const size_t es = ref_dtype_size(dtype);
  const int64_t elems = pk->num_pages * ps * hkv * D;
  pk->pool_bytes = (size_t)elems * es;
  pk->k = xmalloc(pk->pool_bytes);
  pk->v = xmalloc(pk->pool_bytes);
  ref_fill_nan(dtype, pk->k, elems);
  ref_fill_nan(dtype, pk->v, elems);
  pk->pool = layout == LAYOUT_HND ? pal_kv_pool_hnd(pk->k, pk->v, dtype, pk->num_pages, ps, hkv, D)
                                  : pal_kv_pool_nhd(pk->k, pk->v, dtype, pk->num_pages, ps, hkv, D);

  int32_t *perm = xmalloc(sizeof(int32_t) * (size_t)pk->num_pages);
  for (int64_t i = 0; i < pk->num_pages; i++) perm[i] = (int32_t)i;
  trng_shuffle_i32(r, perm, pk->num_pages);

  pk->max_pages_per_seq = maxp + 2;
  const int64_t bt_n = (int64_t)num_seqs * pk->max_pages_per_seq;
  pk->block_table = xmalloc(sizeof(int32_t) * (size_t)(bt_n > 0 ? bt_n : 1));
  pk->kv_indptr = xmalloc(sizeof(int32_t) * (size_t)(num_seqs + 1));
  pk->kv_indices = xmalloc(sizeof(int32_t) * (size_t)(needed > 0 ? needed : 1));
  pk->kv_last_page_len = xmalloc(sizeof(int32_t) * (size_t)(num_seqs > 0 ? num_seqs : 1));
  int64_t next = 0;
  pk->kv_indptr[0] = 0;
  for (int32_t s = 0; s < num_seqs; s++) {
    const int32_t np = (seq_lens[s] + ps - 1) / ps;
    for (int32_t j = 0; j < pk->max_pages_per_seq; j++) {
      int32_t id = j < np ? perm[next + j]
                          : k_garbage_ids[(s + j) % (int)(sizeof k_garbage_ids / sizeof(int32_t))];
      if (j >= np && id == -1) id = (int32_t)pk->num_pages; /* just out of range */
      pk->block_table[(int64_t)s * pk->max_pages_per_seq + j] = id;
    }
    for (int32_t j = 0; j < np; j++) pk->kv_indices[next + j] = perm[next + j];
    next += np;
    pk->kv_indptr[s + 1] = (int32_t)next;
    /* ignored for empty sequences: garbage there */
    pk->kv_last_page_len[s] = np ? seq_lens[s] - (np - 1) * ps : (s % 2 ? 0 : ps + 3);
  }
  free(perm);
}

int64_t paged_kv_offset(const paged_kv *pk, int32_t s, int64_t t, int32_t h) {
  const int32_t ps = pk->page_size;
  int64_t page = pk->block_table[(int64_t)s * pk->max_pages_per_seq + t / ps];
  return page * pk->pool.stride_page + h * pk->pool.stride_head + (t % ps) * pk->pool.stride_token;
}

void paged_kv_fill_random(paged_kv *pk, trng *r, double amp) {
  for (int32_t s = 0; s < pk->num_seqs; s++)
    for (int64_t t = 0; t < pk->seq_lens[s]; t++)
      for (int32_t h = 0; h < pk->num_kv_heads; h++) {
        int64_t off = paged_kv_offset(pk, s, t, h);
        fill_random(pk->dtype, (char *)pk->k + off * (int64_t)ref_dtype_size(pk->dtype),
                    pk->head_dim, r, amp);
        fill_random(pk->dtype, (char *)pk->v + off * (int64_t)ref_dtype_size(pk->dtype),
                    pk->head_dim, r, 1.0);
      }
}

pal_page_table paged_kv_table(const paged_kv *pk, pal_page_table_form form) {
  if (form == PAL_PAGES_BLOCK_TABLE)
    return pal_page_table_block(pk->num_seqs, pk->block_table, pk->max_pages_per_seq,
                                pk->seq_lens);
  return pal_page_table_csr(pk->num_seqs, pk->kv_indptr, pk->kv_indices, pk->kv_last_page_len);
}

void paged_kv_free(paged_kv *pk) {
  free(pk->seq_lens);
  free(pk->k);
  free(pk->v);
  free(pk->block_table);
  free(pk->kv_indptr);
  free(pk->kv_indices);
  free(pk->kv_last_page_len);
  memset(pk, 0, sizeof *pk);
}

pal_context *make_ctx(pal_isa isa, int num_threads) {
  pal_context_options o = {isa, num_threads};
  pal_context *ctx = NULL;
  pal_error err;
  memset(&err, 0, sizeof err);
  pal_status st = pal_context_create(&o, &ctx, &err);
  if (st != PAL_OK || !ctx)
    FAILF("pal_context_create(isa=%s, threads=%d) failed: %s: %s", pal_isa_name(isa), num_threads,
          pal_status_name(st), err.message);
  if (pal_context_isa(ctx) != isa)
    FAILF("pal_context_isa() = %d, forced %d", (int)pal_context_isa(ctx), (int)isa);
  return ctx;
}

/* One line scripts/test.sh collects (printed as the contexts are made, so
 * CTest's cap on a passing test's logged output never cuts it): the levels
 * these tests run at, and those skipped because this CPU cannot run them. */
static void print_coverage(pal_context *const ctx[PAL_ISA_COUNT], const char *what) {
  printf("[ COVERAGE ] %s: ISA levels tested:", what);
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++)
    if (ctx[isa]) printf(" %s", pal_isa_name((pal_isa)isa));
  printf("; skipped (no hardware):");
  int skipped = 0;
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++)
    if (!ctx[isa]) printf(" %s", pal_isa_name((pal_isa)isa)), skipped = 1;
  printf("%s\n", skipped ? "" : " none");
}

int contexts_create(pal_context *ctx[PAL_ISA_COUNT], const char *what) {
  for (int isa = 0; isa < PAL_ISA_COUNT; isa++) ctx[isa] = NULL;
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; isa++) {
    if (!pal_isa_supported((pal_isa)isa)) {
      printf("[  SKIP    ] ISA %s: not supported by this CPU/OS; its %s cases are skipped\n",
             pal_isa_name((pal_isa)isa), what);
      continue;
    }
    pal_context_options o = {(pal_isa)isa, 2};
    pal_error err;
    if (pal_context_create(&o, &ctx[isa], &err) != PAL_OK) {
      fprintf(stderr, "cannot create a context for supported ISA %s: %s\n",
              pal_isa_name((pal_isa)isa), err.message);
      return -1;
    }
  }
  print_coverage(ctx, what);
  return 0;
}

void contexts_destroy(pal_context *ctx[PAL_ISA_COUNT]) {
  for (int isa = 0; isa < PAL_ISA_COUNT; isa++) {
    pal_context_destroy(ctx[isa]);
    ctx[isa] = NULL;
  }
}
