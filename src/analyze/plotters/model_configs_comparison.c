/* model_configs_comparison.c - grouped bars per model configuration (the
 * seed's fourth plot): latency on top, throughput below. */
#include <stdlib.h>
#include <string.h>

#include "../alloc.h"
#include "../plot.h"

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int build(const anz_table *t, anz_plot *p, char *why, size_t whylen) {
  const anz_row **rows = anz_malloc((t->nrows ? t->nrows : 1) * sizeof *rows);
  const char **cats = anz_malloc((t->nrows ? t->nrows : 1) * sizeof *cats);
  if (!rows || !cats) {
    free(rows), free(cats);
    snprintf(why, whylen, "out of memory");
    return 1;
  }
  size_t n = 0, nc = 0;
  for (size_t i = 0; i < t->nrows; ++i)
    if (t->rows[i]->study == ANZ_STUDY_MODEL && t->rows[i]->saxis[ANZ_SX_MODEL]) rows[n++] = t->rows[i];
  if (n == 0) {
    free(rows), free(cats);
    snprintf(why, whylen, "no rows of a model-configuration family with a model name");
    return 1;
  }
  for (size_t i = 0; i < n; ++i) cats[i] = rows[i]->saxis[ANZ_SX_MODEL];
  qsort(cats, n, sizeof *cats, cmp_str);
  for (size_t i = 0; i < n; ++i)
    if (nc == 0 || strcmp(cats[nc - 1], cats[i])) cats[nc++] = cats[i];
  p->categories = cats;
  p->ncategories = nc;
  /* a model fixes heads, head_dim, seq_len and batch: none of them is a series */
  static const int skip[] = {ANZ_AX_SEQ_LEN, ANZ_AX_HEAD_DIM, ANZ_AX_ITEMS, ANZ_AX_BATCH, ANZ_AX_NUM_Q_HEADS,
                             ANZ_AX_NUM_KV_HEADS, 100 + ANZ_SX_MODEL, -1};
  anz_plot_split_ops(p, rows, n); /* prefill (seconds) and decode (ms) bars in panels of their own */
  anz_series_key key;
  anz_series_key_init(&key, rows, n, skip, t->opts && t->opts->all_runs);
  double *xs = anz_malloc(n * sizeof *xs);
  if (xs) { /* a parameter that only renames the model is no series */
    for (size_t i = 0; i < n; ++i) {
      const char *m = rows[i]->saxis[ANZ_SX_MODEL];
      xs[i] = (double)((const char **)bsearch(&m, cats, nc, sizeof *cats, cmp_str) - cats);
    }
    anz_series_key_untie(&key, rows, xs, n);
    free(xs);
  }
  for (size_t i = 0; i < n; ++i) {
    const char *m = rows[i]->saxis[ANZ_SX_MODEL];
    const char **hit = bsearch(&m, cats, nc, sizeof *cats, cmp_str);
    anz_point pt = {.category = (size_t)(hit - cats), .row = rows[i]};
    pt.x = (double)pt.category;
    anz_point_latency_throughput(&pt, rows[i]);
    anz_series *s = anz_series_for(p, &key, rows[i], NULL);
    if (!s || anz_series_add(s, &pt)) {
      free(rows);
      snprintf(why, whylen, "out of memory");
      return 1;
    }
  }
  free(rows);
  p->kind = ANZ_PLOT_BARS;
  anz_plot_sort(p);
  snprintf(p->title, sizeof p->title, "PAL vs SDPA: model configurations");
  p->xlabel = "Model configuration";
  p->xkey = "model_index";
  anz_panels_latency_throughput(p, "Model configuration latency", "Model configuration throughput");
  return 0;
}

const anz_plotter anz_plotter_model_configs_comparison = {
    "model_configs_comparison", "Latency and throughput per model configuration (grouped bars)",
    "rows of a model-configuration family (BM_*_ModelConfig, test_*_model_configs) with a model name", build};
