/* binding_overhead.c - what the Python binding adds to a call: the py row's
 * time minus the cpp row's time for the same instance (same kernel, family,
 * machine, dtype, cache and every axis), over the seq_len sweep. Both are
 * measurements of the same kernel call, one from Python and one from C, so
 * the difference is the binding's cost plus measurement noise; the error
 * bars combine both rows' spreads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../alloc.h"
#include "../plot.h"

/* Everything but the source must agree. */
static int instance_cmp(const anz_row *x, const anz_row *y) {
  int c;
  if ((c = (int)x->kernel - (int)y->kernel)) return c;
  if ((c = anz_cmp_str(x->family, y->family))) return c;
  static const int sx[] = {ANZ_SX_MACHINE, ANZ_SX_DTYPE, ANZ_SX_CACHE, ANZ_SX_LAYOUT, ANZ_SX_OP};
  for (size_t i = 0; i < sizeof sx / sizeof sx[0]; ++i)
    if ((c = anz_cmp_str(x->saxis[sx[i]], y->saxis[sx[i]]))) return c;
  static const int ax[] = {ANZ_AX_SEQ_LEN,      ANZ_AX_BATCH,    ANZ_AX_NUM_Q_HEADS,
                           ANZ_AX_NUM_KV_HEADS, ANZ_AX_HEAD_DIM, ANZ_AX_PAGE_SIZE};
  for (size_t i = 0; i < sizeof ax / sizeof ax[0]; ++i)
    if ((c = anz_cmp_num(x->axis[ax[i]], y->axis[ax[i]]))) return c;
  return 0;
}

static int instance_qsort(const void *a, const void *b) {
  return instance_cmp(*(const anz_row *const *)a, *(const anz_row *const *)b);
}

static int build(const anz_table *t, anz_plot *p, char *why, size_t whylen) {
  size_t n;
  const anz_row **rows = anz_rows_of_study(t, ANZ_STUDY_SEQ_LEN, ANZ_AX_SEQ_LEN, &n);
  const anz_row **py = anz_malloc((n ? n : 1) * sizeof *py), **cpp = anz_malloc((n ? n : 1) * sizeof *cpp);
  if (!rows || !py || !cpp) {
    free(rows), free(py), free(cpp);
    snprintf(why, whylen, "out of memory");
    return 1;
  }
  size_t npy = 0, ncpp = 0;
  for (size_t i = 0; i < n; ++i) {
    if (rows[i]->source == ANZ_SRC_PY) py[npy++] = rows[i];
    if (rows[i]->source == ANZ_SRC_CPP) cpp[ncpp++] = rows[i];
  }
  qsort(cpp, ncpp, sizeof *cpp, instance_qsort);
  size_t paired = 0;
  for (size_t i = 0; i < npy; ++i)
    if (bsearch(&py[i], cpp, ncpp, sizeof *cpp, instance_qsort)) py[paired++] = py[i];
  if (paired == 0) {
    free(rows), free(py), free(cpp);
    snprintf(why, whylen, "no Python (pytest-benchmark) row of a seq_len sweep with a matching native row");
    return 1;
  }
  static const int skip[] = {ANZ_AX_SEQ_LEN, -1};
  anz_plot_split_ops(p, py, paired);
  anz_series_key key;
  anz_series_key_init(&key, py, paired, skip, t->opts && t->opts->all_runs);
  anz_series_key_untie_axis(&key, py, paired, ANZ_AX_SEQ_LEN);
  for (size_t i = 0; i < paired; ++i) {
    const anz_row *pr = py[i];
    const anz_row *cr = *(const anz_row **)bsearch(&py[i], cpp, ncpp, sizeof *cpp, instance_qsort);
    anz_point pt = {.x = pr->axis[ANZ_AX_SEQ_LEN], .row = pr, .row2 = cr};
    pt.y[0] = (pr->time_s - cr->time_s) * 1e6;
    /* the widest difference the two spreads allow */
    pt.lo[0] = (pr->low_s - cr->high_s) * 1e6;
    pt.hi[0] = (pr->high_s - cr->low_s) * 1e6;
    anz_series *s = anz_series_for(p, &key, pr, "Python - native ");
    if (!s || anz_series_add(s, &pt)) {
      free(rows), free(py), free(cpp);
      snprintf(why, whylen, "out of memory");
      return 1;
    }
  }
  free(rows), free(py), free(cpp);
  anz_plot_sort(p);
  snprintf(p->title, sizeof p->title, "Python binding overhead: Python time - native time, same instance");
  p->xlabel = "Sequence length (tokens)";
  p->xkey = "seq_len";
  p->npanels = 1;
  p->panel[0].title = "Difference per call (noise of both measurements included)";
  p->panel[0].ylabel = "Python - native (us per call)";
  p->panel[0].metric = "overhead_us";
  p->panel[0].logy = 0;
  return 0;
}

const anz_plotter anz_plotter_binding_overhead = {
    "binding_overhead", "Python binding overhead: py minus cpp time of the same instance, vs sequence length",
    "pytest-benchmark and Google Benchmark rows of the same seq_len-sweep instance (kernel, family, machine, dtype, "
    "cache, every axis)",
    build};
