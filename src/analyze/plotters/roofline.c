/* roofline.c - achieved FLOP/s against arithmetic intensity, under each
 * machine's roofline min(bw_peak * AI, peak_compute_flops) from the limits
 * probed in the same run (context bw_peak / peak_compute_flops, NVBench's
 * device memory bandwidth). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../plot.h"

static double intensity(const anz_row *r) {
  double ai = r->counter[ANZ_C_ARITHMETIC_INTENSITY];
  if (isfinite(ai) && ai > 0) return ai;
  double f = r->counter[ANZ_C_FLOPS_PER_SECOND], b = r->counter[ANZ_C_BYTES_PER_SECOND];
  return f > 0 && b > 0 ? f / b : NAN;
}

static int build(const anz_table *t, anz_plot *p, char *why, size_t whylen) {
  const anz_row **rows = malloc((t->nrows ? t->nrows : 1) * sizeof *rows);
  if (!rows) {
    snprintf(why, whylen, "out of memory");
    return 1;
  }
  size_t n = 0;
  double ymax = 0;
  for (size_t i = 0; i < t->nrows; ++i) {
    const anz_row *r = t->rows[i];
    double f = r->counter[ANZ_C_FLOPS_PER_SECOND];
    if (f > 0 && isfinite(f) && isfinite(intensity(r))) {
      rows[n++] = r;
      if (f > ymax) ymax = f;
    }
  }
  /* one roof per machine with a probed bandwidth */
  for (size_t i = 0; i < t->nrows; ++i) {
    const anz_row *r = t->rows[i];
    if (!(r->bw_peak > 0)) continue;
    int seen = 0;
    for (int c = 0; c < p->nceilings; ++c)
      if ((p->ceiling[c].machine == r->saxis[ANZ_SX_MACHINE]) ||
          (p->ceiling[c].machine && r->saxis[ANZ_SX_MACHINE] && !strcmp(p->ceiling[c].machine, r->saxis[ANZ_SX_MACHINE])))
        seen = 1;
    if (seen || p->nceilings == ANZ_MAX_CEILINGS) continue;
    anz_ceiling *ce = &p->ceiling[p->nceilings++];
    ce->machine = r->saxis[ANZ_SX_MACHINE];
    ce->bw = r->bw_peak;
    ce->flops = r->peak_flops > 0 ? r->peak_flops : NAN;
  }
  if (n == 0 || p->nceilings == 0) {
    free(rows);
    snprintf(why, whylen, "%s",
             n == 0 ? "no rows with flops_per_second and bytes_per_second (or arithmetic_intensity) counters"
                    : "no machine limits: no bw_peak in any input (run pal bench without --no-probe)");
    return 1;
  }
  p->yscale = ymax >= 1e12 ? 1e12 : 1e9;
  static const int skip[] = {ANZ_AX_SEQ_LEN, ANZ_AX_HEAD_DIM, ANZ_AX_ITEMS, ANZ_AX_BATCH, ANZ_AX_NUM_Q_HEADS,
                             ANZ_AX_NUM_KV_HEADS, ANZ_AX_PAGE_SIZE, 100 + ANZ_SX_MODEL, 100 + ANZ_SX_LAYOUT, -1};
  anz_series_key key;
  anz_series_key_init(&key, rows, n, skip, 0 /* runs share a series */);
  for (size_t i = 0; i < n; ++i) {
    anz_point pt = {.x = intensity(rows[i]), .row = rows[i]};
    pt.y[0] = pt.lo[0] = pt.hi[0] = rows[i]->counter[ANZ_C_FLOPS_PER_SECOND] / p->yscale;
    anz_series *s = anz_series_for(p, &key, rows[i], NULL);
    if (!s || anz_series_add(s, &pt)) {
      free(rows);
      snprintf(why, whylen, "out of memory");
      return 1;
    }
  }
  free(rows);
  p->kind = ANZ_PLOT_SCATTER;
  anz_plot_sort(p);
  snprintf(p->title, sizeof p->title, "Roofline: achieved vs probed limits");
  p->xlabel = "Arithmetic intensity (FLOP/byte)";
  p->xkey = "arithmetic_intensity";
  p->npanels = 1;
  p->panel[0].title = "Achieved compute under min(bandwidth x intensity, peak compute)";
  p->panel[0].ylabel = p->yscale == 1e12 ? "Achieved TFLOP/s" : "Achieved GFLOP/s";
  p->panel[0].metric = p->yscale == 1e12 ? "tflops_per_second" : "gflops_per_second";
  p->panel[0].logx = p->panel[0].logy = 1;
  return 0;
}

const anz_plotter anz_plotter_roofline = {
    "roofline", "Achieved FLOP/s vs arithmetic intensity under each machine's probed roofline",
    "rows with flops_per_second and bytes_per_second counters, and a machine bandwidth (bw_peak)", build};
