/* speedup_vs_seq_len.c - PAL's speedup over SDPA (SDPA time / PAL time) per
 * source, pairing rows that agree on everything but the kernel: source,
 * machine, op, dtype, cache, parameters, seq_len, batch, heads and head_dim. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../alloc.h"
#include "../plot.h"

/* the pairing key */
static int pair_cmp(const anz_row *x, const anz_row *y) {
  int c;
  if ((c = (int)x->source - (int)y->source)) return c;
  static const int sx[] = {ANZ_SX_MACHINE, ANZ_SX_OP, ANZ_SX_DTYPE, ANZ_SX_CACHE};
  for (size_t i = 0; i < sizeof sx / sizeof sx[0]; ++i)
    if ((c = anz_cmp_str(x->saxis[sx[i]], y->saxis[sx[i]]))) return c;
  if ((c = anz_cmp_str(x->params, y->params))) return c; /* e.g. a prefill's history length */
  static const int ax[] = {ANZ_AX_SEQ_LEN, ANZ_AX_BATCH, ANZ_AX_NUM_Q_HEADS, ANZ_AX_NUM_KV_HEADS, ANZ_AX_HEAD_DIM};
  for (size_t i = 0; i < 5; ++i)
    if ((c = anz_cmp_num(x->axis[ax[i]], y->axis[ax[i]]))) return c;
  return 0;
}

static int pair_qsort(const void *a, const void *b) {
  return pair_cmp(*(const anz_row *const *)a, *(const anz_row *const *)b);
}

static int build(const anz_table *t, anz_plot *p, char *why, size_t whylen) {
  size_t n;
  const anz_row **rows = anz_rows_of_study(t, ANZ_STUDY_SEQ_LEN, ANZ_AX_SEQ_LEN, &n);
  const anz_row **pal = anz_malloc((n ? n : 1) * sizeof *pal), **sdpa = anz_malloc((n ? n : 1) * sizeof *sdpa);
  const anz_row **paired = anz_malloc((n ? n : 1) * sizeof *paired);
  if (!rows || !pal || !sdpa || !paired) {
    free(rows), free(pal), free(sdpa), free(paired);
    snprintf(why, whylen, "out of memory");
    return 1;
  }
  size_t np = 0, nsd = 0, npaired = 0;
  for (size_t i = 0; i < n; ++i) {
    if (rows[i]->kernel == ANZ_K_PAL) pal[np++] = rows[i];
    if (rows[i]->kernel == ANZ_K_SDPA) sdpa[nsd++] = rows[i];
  }
  qsort(sdpa, nsd, sizeof *sdpa, pair_qsort);
  for (size_t i = 0; i < np; ++i) {
    const anz_row **hit = bsearch(&pal[i], sdpa, nsd, sizeof *sdpa, pair_qsort);
    if (hit) paired[npaired++] = pal[i];
  }
  if (npaired == 0) {
    free(rows), free(pal), free(sdpa), free(paired);
    snprintf(why, whylen,
             "no PAL and SDPA rows of a seq_len sweep that match (same source, machine, op, dtype, cache, parameters, "
             "batch, heads, head_dim)");
    return 1;
  }
  static const int skip[] = {ANZ_AX_SEQ_LEN, -1};
  anz_plot_split_ops(p, paired, npaired);
  anz_series_key key;
  anz_series_key_init(&key, paired, npaired, skip, t->opts && t->opts->all_runs);
  anz_series_key_untie_axis(&key, paired, npaired, ANZ_AX_SEQ_LEN);
  for (size_t i = 0; i < npaired; ++i) {
    const anz_row *pr = paired[i];
    const anz_row **hit = bsearch(&paired[i], sdpa, nsd, sizeof *sdpa, pair_qsort);
    const anz_row *sr = *hit;
    anz_point pt = {.x = pr->axis[ANZ_AX_SEQ_LEN], .row = pr, .row2 = sr};
    pt.y[0] = sr->time_s / pr->time_s;
    pt.lo[0] = pr->high_s > 0 ? sr->low_s / pr->high_s : pt.y[0];
    pt.hi[0] = pr->low_s > 0 ? sr->high_s / pr->low_s : pt.y[0];
    anz_series *s = anz_series_for(p, &key, pr, "speedup ");
    if (!s || anz_series_add(s, &pt)) {
      free(rows), free(pal), free(sdpa), free(paired);
      snprintf(why, whylen, "out of memory");
      return 1;
    }
  }
  free(rows), free(pal), free(sdpa), free(paired);
  anz_plot_sort(p);
  snprintf(p->title, sizeof p->title, "PAL speedup over SDPA vs sequence length");
  p->xlabel = "Sequence length (tokens)";
  p->xkey = "seq_len";
  p->npanels = 1;
  p->panel[0].title = "SDPA time / PAL time (> 1: PAL faster)";
  p->panel[0].ylabel = "Speedup (x)";
  p->panel[0].metric = "speedup";
  p->panel[0].unity_line = 1;
  return 0;
}

const anz_plotter anz_plotter_speedup_vs_seq_len = {
    "speedup_vs_seq_len", "PAL over SDPA speedup vs sequence length, per source",
    "PAL and SDPA rows of seq_len sweeps that match in source, machine, dtype, batch, heads and head_dim", build};
