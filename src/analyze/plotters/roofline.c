/* roofline.c - achieved FLOP/s against arithmetic intensity, under the
 * rooflines min(bw_peak * AI, flop_peak) the plotted rows name: the limits
 * probed in the same run (context bw_peak; the row's flop_roof/flop_peak,
 * else the peak its flop_util was taken against, else peak_compute_flops;
 * NVBench's device memory bandwidth). Rows above their roof (probe_suspect,
 * table.h) are marked and counted on the image: a roof below the points is
 * a probe that under-read the machine, not a kernel that beat it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../alloc.h"
#include "../plot.h"

static double intensity(const anz_row *r) {
  double ai = r->counter[ANZ_C_ARITHMETIC_INTENSITY];
  if (isfinite(ai) && ai > 0) return ai;
  double f = r->counter[ANZ_C_FLOPS_PER_SECOND], b = r->counter[ANZ_C_BYTES_PER_SECOND];
  return f > 0 && b > 0 ? f / b : NAN;
}

static int same_str(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

/* The compute peak a row is judged against: the one it names, else the
 * machine's best. */
static double roof_flops(const anz_row *r) {
  if (r->flop_peak > 0 && isfinite(r->flop_peak)) return r->flop_peak;
  return r->peak_flops > 0 && isfinite(r->peak_flops) ? r->peak_flops : NAN;
}

static int same_figure(double a, double b) {
  return (isnan(a) && isnan(b)) || fabs(a - b) <= 1e-9 * fabs(a);
}

static int ceiling_cmp(const void *a, const void *b) {
  const anz_ceiling *x = a, *y = b;
  double fx = isnan(x->flops) ? -1 : x->flops, fy = isnan(y->flops) ? -1 : y->flops;
  return (fx < fy) - (fx > fy); /* highest first */
}

static int ceiling_show_cmp(const void *a, const void *b) {
  const anz_ceiling *x = a, *y = b;
  int c = anz_cmp_str(x->machine, y->machine);
  return c ? c : ceiling_cmp(a, b);
}

/* One roof per machine x compute roof the plotted rows name, at the highest
 * bandwidth and peak those rows carry; when there are more than
 * ANZ_MAX_CEILINGS the highest ones are drawn. */
static int add_ceilings(anz_plot *p, const anz_row *const *rows, size_t n) {
  anz_ceiling *all = anz_malloc((n ? n : 1) * sizeof *all);
  if (!all) return -1;
  size_t na = 0;
  for (size_t i = 0; i < n; ++i) {
    const anz_row *r = rows[i];
    if (!(r->bw_peak > 0 && isfinite(r->bw_peak))) continue;
    double fl = roof_flops(r);
    size_t k = 0;
    while (k < na && !(same_str(all[k].machine, r->saxis[ANZ_SX_MACHINE]) && same_str(all[k].flop_roof, r->flop_roof)))
      ++k;
    if (k == na) {
      all[na++] = (anz_ceiling){.machine = r->saxis[ANZ_SX_MACHINE], .bw_roof = r->bw_roof, .flop_roof = r->flop_roof,
                                .bw = r->bw_peak, .flops = fl};
    } else {
      if (r->bw_peak > all[k].bw) all[k].bw = r->bw_peak, all[k].bw_roof = r->bw_roof;
      if (fl > all[k].flops || (isnan(all[k].flops) && isfinite(fl))) all[k].flops = fl;
    }
    ++all[k].npoints;
  }
  /* one machine's roofs of equal figures under two names (older files: decode rows judged against
   * peak_compute_flops, prefill rows against the fp32 peak it equals) are one line, with the
   * specific name */
  size_t w = 0;
  for (size_t i = 0; i < na; ++i) {
    size_t k = 0;
    while (k < w && !(same_str(all[k].machine, all[i].machine) && same_figure(all[k].bw, all[i].bw) &&
                      same_figure(all[k].flops, all[i].flops)))
      ++k;
    if (k == w) {
      all[w++] = all[i];
      continue;
    }
    all[k].npoints += all[i].npoints;
    if (!all[k].flop_roof || !strcmp(all[k].flop_roof, "peak_compute_flops")) all[k].flop_roof = all[i].flop_roof;
  }
  na = w;
  qsort(all, na, sizeof *all, ceiling_cmp);
  p->nceilings = na < ANZ_MAX_CEILINGS ? (int)na : ANZ_MAX_CEILINGS;
  memcpy(p->ceiling, all, (size_t)p->nceilings * sizeof *all);
  qsort(p->ceiling, (size_t)p->nceilings, sizeof *p->ceiling, ceiling_show_cmp);
  free(all);
  return 0;
}

static int build(const anz_table *t, anz_plot *p, char *why, size_t whylen) {
  const anz_row **rows = anz_malloc((t->nrows ? t->nrows : 1) * sizeof *rows);
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
  if (add_ceilings(p, rows, n) != 0) {
    free(rows);
    snprintf(why, whylen, "out of memory");
    return 1;
  }
  if (n == 0 || p->nceilings == 0) {
    free(rows);
    snprintf(why, whylen, "%s",
             n == 0 ? "no rows with flops_per_second and bytes_per_second (or arithmetic_intensity) counters"
                    : "no machine limits: no bw_peak in any input (run pal bench without --no-probe)");
    return 1;
  }
  /* points above their probed roof: counted, marked, and said on the image */
  const char *machine = NULL;
  int several = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!rows[i]->probe_suspect) continue;
    if (++p->npoints_suspect == 1) machine = rows[i]->saxis[ANZ_SX_MACHINE];
    else if (!same_str(machine, rows[i]->saxis[ANZ_SX_MACHINE])) several = 1;
  }
  if (p->npoints_suspect)
    snprintf(p->note, sizeof p->note,
             "%zu of %zu points above the probed roof: the probe under-reads %s (probe_suspect)", p->npoints_suspect,
             n, several ? "these machines" : "this machine");
  p->yscale = ymax >= 1e12 ? 1e12 : 1e9;
  static const int skip[] = {ANZ_AX_SEQ_LEN, ANZ_AX_HEAD_DIM, ANZ_AX_ITEMS, ANZ_AX_BATCH, ANZ_AX_NUM_Q_HEADS,
                             ANZ_AX_NUM_KV_HEADS, ANZ_AX_PAGE_SIZE, 100 + ANZ_SX_MODEL, 100 + ANZ_SX_LAYOUT,
                             ANZ_SKIP_PARAMS, -1};
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
    "roofline", "Achieved FLOP/s vs arithmetic intensity under the probed rooflines the rows name; rows above their "
                "roof (probe_suspect) marked and counted on the image",
    "rows with flops_per_second and bytes_per_second counters, and a machine bandwidth (bw_peak)", build};
