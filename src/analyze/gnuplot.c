/* gnuplot.c - an anz_plot becomes NAME.gp + NAME.dat (kept so a user can
 * restyle the plot) and gnuplot draws NAME.png and NAME.svg from them.
 *
 * gnuplot is driven over a pipe: we write `outbase`/`datafile` and `load
 * "NAME.gp"` to its stdin. Images are drawn under temporary names and renamed
 * into place only when gnuplot succeeded, so a reader never sees a torn PNG.
 * Several plots run at once (anz_plot_start / anz_plot_finish). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "../common/atomic_file.h"
#include "pal/version.h"
#include "plot.h"
#include "style.h"

extern char **environ;

/* ---------------------------------------------------------------- text buffer */
typedef struct sbuf {
  char *d;
  size_t n, cap;
  int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
  if (b->oom) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->cap - b->n;
    int w = vsnprintf(b->d ? b->d + b->n : NULL, b->d ? room : 0, fmt, ap);
    va_end(ap);
    if (w < 0) {
      b->oom = 1;
      return;
    }
    if ((size_t)w < room) {
      b->n += (size_t)w;
      return;
    }
    size_t cap = (b->cap + (size_t)w + 1) * 2;
    char *d = anz_realloc(b->d, cap);
    if (!d) {
      b->oom = 1;
      return;
    }
    b->d = d;
    b->cap = cap;
  }
}

/* A gnuplot double-quoted string: escape backslash and quote. */
static void sb_quoted(sbuf *b, const char *s) {
  sb_printf(b, "\"");
  for (const char *p = s ? s : ""; *p; ++p) {
    if (*p == '"' || *p == '\\') sb_printf(b, "\\%c", *p);
    else if ((unsigned char)*p < 0x20) sb_printf(b, " ");
    else sb_printf(b, "%c", *p);
  }
  sb_printf(b, "\"");
}

/* Data file text: tabs and newlines would break the columns. */
static void sb_field(sbuf *b, const char *s) {
  for (const char *p = s ? s : ""; *p; ++p) sb_printf(b, "%c", (*p == '\t' || *p == '\n' || *p == '\r') ? ' ' : *p);
}

static void sb_num(sbuf *b, double v) {
  if (isfinite(v))
    sb_printf(b, "\t%.6g", v);
  else
    sb_printf(b, "\tNaN");
}

/* ---------------------------------------------------------------- layout
 * A figure is a grid of panels (one row per group, i.e. per op; one column
 * per metric) above one legend strip that all panels share: legends never sit
 * on the data. Sizes in pixels; gnuplot gets screen fractions. */
#define PANEL_W 680
#define PANEL_H 470
#define TITLE_H 46
#define NOTE_H 22
#define LEFT_PAD 60
#define ROOF_NAME_CHARS 34 /* the right margin that holds the roofs' names */
#define ROOF_PAD (ROOF_NAME_CHARS * 7)
#define KEY_ROW_H 20
#define REF_COLOUR "#707070"
#define SUSPECT_COLOUR "#d95f02" /* probe_suspect rings and the note that counts them */
#define ROOF_COLOUR "#b03030"

/* A reference line (O(n), ...) of one panel, sampled so it can be written as
 * data: it then spans only where the data is. */
#define REF_SAMPLES 24
typedef struct ref_line {
  int group, panel, ref;
  int n;
  double x[REF_SAMPLES], y[REF_SAMPLES];
} ref_line;

typedef struct figure {
  int rows, cols;
  int w, h, key_h, key_cols;
  int nkey; /* legend entries */
  ref_line refs[ANZ_MAX_GROUPS * ANZ_MAX_PANELS * ANZ_MAX_REFS];
  int nrefs;
} figure;

/* Log scale when the positive values span a decade or more. */
static int decide_log(int requested, double lo, double hi) {
  if (requested >= 0) return requested;
  return lo > 0 && isfinite(hi) && hi / lo >= 10.0;
}

static int panel_has(const anz_series *s, int group, int k) {
  if (s->group != group) return 0;
  for (size_t j = 0; j < s->n; ++j)
    if (isfinite(s->pts[j].y[k])) return 1;
  return 0;
}

/* The span of x or y (with error bars) over the series of one panel;
 * positive values only when positive_only. */
static void span(const anz_plot *p, int group, int k, int want_x, int positive_only, double *lo, double *hi) {
  *lo = INFINITY;
  *hi = -INFINITY;
  for (size_t i = 0; i < p->nseries; ++i) {
    if (p->series[i].group != group) continue;
    for (size_t j = 0; j < p->series[i].n; ++j) {
      const anz_point *pt = &p->series[i].pts[j];
      double v[3] = {want_x ? pt->x : pt->y[k], want_x ? NAN : pt->lo[k], want_x ? NAN : pt->hi[k]};
      if (!want_x && !isfinite(v[0])) continue;
      for (int c = 0; c < 3; ++c)
        if (isfinite(v[c]) && (!positive_only || v[c] > 0)) {
          if (v[c] < *lo) *lo = v[c];
          if (v[c] > *hi) *hi = v[c];
        }
    }
  }
}

static int panel_logy(const anz_plot *p, int group, int k) {
  double lo, hi;
  span(p, group, k, 0, 1, &lo, &hi);
  return decide_log(p->panel[k].logy, lo, hi);
}

static int panel_logx(const anz_plot *p, int group, int k) {
  if (p->kind == ANZ_PLOT_BARS) return 0;
  double lo, hi;
  span(p, group, k, 1, 1, &lo, &hi);
  return decide_log(p->panel[k].logx, lo, hi);
}

/* References are anchored on the data: fitted (for their fixed slope) to the
 * panel's longest series, over that series' x range, and cut where they would leave
 * the panel's data range, so they never set the scale; one left with less
 * than a factor of two in x (a sliver) is dropped, and a linear y axis gets
 * none (a power law there only squashes the data). */
static void make_refs(const anz_plot *p, figure *f) {
  f->nrefs = 0;
  for (int g = 0; g < p->ngroups; ++g)
    for (int k = 0; k < p->npanels; ++k) {
      const anz_panel *pn = &p->panel[k];
      if (pn->nrefs == 0 || !panel_logy(p, g, k)) continue;
      const anz_series *anchor = NULL;
      size_t best = 0;
      for (size_t i = 0; i < p->nseries; ++i) {
        const anz_series *s = &p->series[i];
        size_t m = 0;
        if (!panel_has(s, g, k)) continue;
        for (size_t j = 0; j < s->n; ++j) m += isfinite(s->pts[j].y[k]) && s->pts[j].y[k] > 0 && s->pts[j].x > 0;
        if (m > best) best = m, anchor = s;
      }
      if (!anchor || best < 2) continue;
      double xmin = NAN, xmax = NAN;
      for (size_t j = 0; j < anchor->n; ++j) {
        const anz_point *pt = &anchor->pts[j];
        if (!(isfinite(pt->y[k]) && pt->y[k] > 0 && pt->x > 0)) continue;
        if (isnan(xmin)) xmin = pt->x;
        xmax = pt->x;
      }
      double ylo, yhi;
      span(p, g, k, 0, 1, &ylo, &yhi);
      int logx = panel_logx(p, g, k);
      for (int r = 0; r < pn->nrefs && f->nrefs < (int)(sizeof f->refs / sizeof f->refs[0]); ++r) {
        double s = pn->ref_slope[r];
        if (!(s > 0)) continue;
        /* y = c x^s through the anchor series' points (least squares in log space), so one noisy
         * first point does not throw it off: log c = mean(log y - s log x) */
        double sum = 0;
        size_t m = 0;
        for (size_t j = 0; j < anchor->n; ++j) {
          const anz_point *pt = &anchor->pts[j];
          if (isfinite(pt->y[k]) && pt->y[k] > 0 && pt->x > 0) sum += log(pt->y[k]) - s * log(pt->x), ++m;
        }
        double x0 = xmin, y0 = exp(sum / (double)m) * pow(xmin, s);
        /* y0 (x/x0)^s within [ylo, yhi] <=> x within [x0 (ylo/y0)^(1/s), x0 (yhi/y0)^(1/s)] */
        double a = fmax(xmin, x0 * pow(ylo / y0, 1 / s)), b = fmin(xmax, x0 * pow(yhi / y0, 1 / s));
        if (!(b >= 2 * a)) continue;
        ref_line *rl = &f->refs[f->nrefs++];
        rl->group = g, rl->panel = k, rl->ref = r;
        rl->n = REF_SAMPLES;
        for (int i = 0; i < REF_SAMPLES; ++i) {
          double t = (double)i / (REF_SAMPLES - 1);
          rl->x[i] = logx ? a * pow(b / a, t) : a + (b - a) * t;
          rl->y[i] = y0 * pow(rl->x[i] / x0, s);
        }
      }
    }
}

static int ref_drawn(const figure *f, int k, int r) {
  for (int i = 0; i < f->nrefs; ++i)
    if (f->refs[i].panel == k && f->refs[i].ref == r) return 1;
  return 0;
}

static void human(double v, const char *unit, char *out, size_t cap) {
  static const char *const pre[] = {"", "K", "M", "G", "T", "P"};
  int i = 0;
  while (i < 5 && fabs(v) >= 1000) v /= 1000, ++i;
  snprintf(out, cap, "%.3g %s%s", v, pre[i], unit);
}

/* "roof vm: bw_peak 20 GB/s x AI, fp32_fma512 1.2 TFLOP/s" */
static void roof_legend(const anz_ceiling *ce, char *out, size_t cap) {
  char bw[40], fl[40];
  human(ce->bw, "B/s", bw, sizeof bw);
  int n = snprintf(out, cap, "roof %s: %s %s x AI", ce->machine ? ce->machine : "?", ce->bw_roof ? ce->bw_roof : "bw_peak",
                   bw);
  if (isfinite(ce->flops) && n > 0 && (size_t)n < cap) {
    human(ce->flops, "FLOP/s", fl, sizeof fl);
    snprintf(out + n, cap - (size_t)n, ", %s %s", ce->flop_roof ? ce->flop_roof : "peak compute", fl);
  }
}

/* The legend entry of the ringed probe_suspect points. */
static void suspect_label(char *out, size_t cap) {
  snprintf(out, cap, "probe_suspect: above its probed roof (utilisation > %.2f)", 1.0 + ANZ_PROBE_MARGIN);
}

/* Whether panel k's reference r has a legend entry: it is drawn, and no earlier
 * panel's drawn reference has the same label (O(n) in two panels: one entry). */
static int ref_in_legend(const anz_plot *p, const figure *f, int k, int r) {
  if (!ref_drawn(f, k, r)) return 0;
  for (int k2 = 0; k2 < k; ++k2)
    for (int r2 = 0; r2 < p->panel[k2].nrefs; ++r2)
      if (ref_drawn(f, k2, r2) && !strcmp(p->panel[k2].ref_label[r2], p->panel[k].ref_label[r])) return 0;
  return 1;
}

/* Legend entries and the label width they need. */
static int key_entries(const anz_plot *p, const figure *f, size_t *longest) {
  int e = 0;
  *longest = 8;
#define TAKE(label)                                   \
  do {                                                \
    size_t l_ = strlen(label);                        \
    if (l_ > *longest) *longest = l_;                 \
    ++e;                                              \
  } while (0)
  for (size_t i = 0; i < p->nseries; ++i) TAKE(p->series[i].label);
  for (int k = 0; k < p->npanels; ++k) {
    for (int r = 0; r < p->panel[k].nrefs; ++r)
      if (ref_in_legend(p, f, k, r)) TAKE(p->panel[k].ref_label[r]);
    if (p->panel[k].unity_line) TAKE("parity");
  }
  char t[300];
  for (int c = 0; c < p->nceilings; ++c) {
    roof_legend(&p->ceiling[c], t, sizeof t);
    TAKE(t);
  }
  if (p->npoints_suspect) {
    suspect_label(t, sizeof t);
    TAKE(t);
  }
#undef TAKE
  return e;
}

static void lay_out(const anz_plot *p, figure *f) {
  make_refs(p, f);
  f->rows = p->ngroups > 0 ? p->ngroups : 1;
  f->cols = p->npanels > 0 ? p->npanels : 1;
  f->w = LEFT_PAD + PANEL_W * f->cols + (p->nceilings > 0 ? ROOF_PAD : 0);
  size_t longest;
  f->nkey = key_entries(p, f, &longest);
  int colw = (int)longest * 7 + 70;
  f->key_cols = (f->w - 40) / colw;
  if (f->key_cols < 1) f->key_cols = 1;
  if (f->key_cols > f->nkey) f->key_cols = f->nkey > 0 ? f->nkey : 1;
  int key_rows = (f->nkey + f->key_cols - 1) / f->key_cols;
  f->key_h = f->nkey > 0 ? KEY_ROW_H * key_rows + 26 : 0;
  f->h = TITLE_H + (p->note[0] ? NOTE_H : 0) + PANEL_H * f->rows + f->key_h;
}

/* ---------------------------------------------------------------- .dat */
static void write_dat(const anz_plot *p, const figure *f, sbuf *b) {
  sb_printf(b, "# %s.dat - data of %s.png, written by pal analyze %s\n", p->name, p->name, PAL_VERSION_STRING);
  sb_printf(b, "# one block per series (gnuplot: index N), then the reference lines; tab-separated columns:\n# %s",
            p->xkey);
  for (int k = 0; k < p->npanels; ++k)
    sb_printf(b, "\t%s\t%s_low\t%s_high", p->panel[k].metric, p->panel[k].metric, p->panel[k].metric);
  if (p->kind == ANZ_PLOT_SCATTER) sb_printf(b, "\tprobe_suspect");
  sb_printf(b, "\tlabel\n# a reference block has two columns: %s and the panel's y\n", p->xkey);
  for (size_t i = 0; i < p->nseries; ++i) {
    const anz_series *s = &p->series[i];
    sb_printf(b, "%s# index %zu: ", i ? "\n\n" : "", i);
    sb_field(b, s->label);
    if (p->ngroups > 1) sb_printf(b, " [%s]", p->group_name[s->group]);
    sb_printf(b, "\n");
    for (size_t j = 0; j < s->n; ++j) {
      const anz_point *pt = &s->pts[j];
      sb_printf(b, "%.10g", pt->x);
      for (int k = 0; k < p->npanels; ++k) {
        sb_num(b, pt->y[k]);
        sb_num(b, pt->lo[k]);
        sb_num(b, pt->hi[k]);
      }
      if (p->kind == ANZ_PLOT_SCATTER) sb_printf(b, "\t%d", pt->row && pt->row->probe_suspect ? 1 : 0);
      sb_printf(b, "\t");
      sb_field(b, p->kind == ANZ_PLOT_BARS ? p->categories[pt->category] : pt->row ? pt->row->name : "");
      sb_printf(b, "\n");
    }
  }
  for (int i = 0; i < f->nrefs; ++i) {
    const ref_line *rl = &f->refs[i];
    sb_printf(b, "%s# index %zu: reference (panel %d.%d): ", p->nseries + (size_t)i ? "\n\n" : "",
              p->nseries + (size_t)i, rl->group, rl->panel);
    sb_field(b, p->panel[rl->panel].ref_label[rl->ref]);
    sb_printf(b, "\n");
    for (int j = 0; j < rl->n; ++j) sb_printf(b, "%.10g\t%.6g\n", rl->x[j], rl->y[j]);
  }
}

/* ---------------------------------------------------------------- .gp */
static int several_machines(const anz_plot *p) {
  for (int c = 1; c < p->nceilings; ++c) {
    const char *a = p->ceiling[0].machine, *m = p->ceiling[c].machine;
    if (a != m && (!a || !m || strcmp(a, m))) return 1;
  }
  return 0;
}

/* "fp32_fma512" (one machine) or "vm fp32_fma512", at most ROOF_NAME_CHARS */
static void ceiling_name(const anz_plot *p, const anz_ceiling *ce, char *out, size_t cap) {
  const char *roof = ce->flop_roof ? ce->flop_roof : "peak compute";
  if (several_machines(p)) snprintf(out, cap, "%s %s", ce->machine ? ce->machine : "?", roof);
  else snprintf(out, cap, "%s", roof);
  if (strlen(out) > ROOF_NAME_CHARS && cap > ROOF_NAME_CHARS) strcpy(out + ROOF_NAME_CHARS - 3, "...");
}

/* The look of a series, as plot-item options (also used by the legend). */
static void series_style(const anz_plot *p, const anz_series *s, sbuf *b) {
  const char *c = anz_colour_hex(s->colour);
  switch (p->kind) {
    case ANZ_PLOT_LINES:
      sb_printf(b, "lc rgb \"%s\" dt %d lw %s pt %d ps 0.9", c, s->dash, s->kernel == ANZ_K_PAL ? "2.2" : "1.6", s->point);
      break;
    case ANZ_PLOT_SCATTER:
      sb_printf(b, "lc rgb \"%s\" pt %d ps 1.1", c, s->point);
      break;
    case ANZ_PLOT_BARS:
      if (s->fill <= 0) sb_printf(b, "lc rgb \"%s\" fs solid 0.85 border lc rgb \"#333333\"", c);
      else sb_printf(b, "lc rgb \"%s\" fs pattern %d border lc rgb \"%s\"", c, s->fill, c);
      break;
  }
}

/* A reference's dash: one per distinct label in the plot (O(n) in two panels
 * looks the same; O(n) and "linear scaling" do not). */
static int ref_dash(const anz_plot *p, int k, int r) {
  static const int dashes[] = {2, 4, 5, 3};
  const char *seen[ANZ_MAX_PANELS * ANZ_MAX_REFS];
  int n = 0;
  for (int k2 = 0; k2 < p->npanels; ++k2)
    for (int r2 = 0; r2 < p->panel[k2].nrefs; ++r2) {
      int i = 0;
      while (i < n && strcmp(seen[i], p->panel[k2].ref_label[r2])) ++i;
      if (i == n) seen[n++] = p->panel[k2].ref_label[r2];
      if (k2 == k && r2 == r) return dashes[i % 4];
    }
  return dashes[0];
}

/* Screen fractions of a panel (g, k). */
static void panel_box(const anz_plot *p, const figure *f, int g, int k, double box[4]) {
  double W = f->w, H = f->h;
  double plot_w = PANEL_W * f->cols + LEFT_PAD + (p->nceilings > 0 ? ROOF_PAD : 0);
  box[0] = (k * PANEL_W) / W;
  box[2] = (k == f->cols - 1 ? plot_w - k * PANEL_W : PANEL_W) / W;
  box[1] = (f->key_h + (f->rows - 1 - g) * PANEL_H) / H;
  box[3] = PANEL_H / H;
}

static void write_panel(const anz_plot *p, const figure *f, int g, int k, sbuf *b) {
  const anz_panel *pn = &p->panel[k];
  double xlo, xhi, ylo, yhi;
  span(p, g, k, 1, 1, &xlo, &xhi);
  int logx = panel_logx(p, g, k), logy = panel_logy(p, g, k);
  span(p, g, k, 0, logy, &ylo, &yhi);
  double box[4];
  panel_box(p, f, g, k, box);
  sb_printf(b, "  # panel %d.%d: ", g, k);
  sb_field(b, pn->title);
  if (p->ngroups > 1) sb_printf(b, " - %s", p->group_name[g]);
  sb_printf(b, "\n  set origin %.5f, %.5f\n  set size %.5f, %.5f\n", box[0], box[1], box[2], box[3]);
  sb_printf(b, "  unset logscale; unset xtics; set xtics; set autoscale; unset label; unset key\n");
  sb_printf(b, "  set border; set ytics; set grid lc rgb \"#D3D3D3\" dt 3\n");
  sb_printf(b, "  set lmargin 10; set bmargin %d; set tmargin %d\n", p->kind == ANZ_PLOT_BARS ? 5 : 4,
            p->note[0] && g == 0 ? 5 : 3);
  sb_printf(b, "  set title ");
  if (p->ngroups > 1) {
    char t[300];
    snprintf(t, sizeof t, "%s: %s", p->group_name[g], pn->title);
    sb_quoted(b, t);
  } else {
    sb_quoted(b, pn->title);
  }
  sb_printf(b, "\n  set xlabel ");
  sb_quoted(b, p->xlabel);
  sb_printf(b, "\n  set ylabel ");
  sb_quoted(b, pn->ylabel);
  sb_printf(b, "\n");
  if (p->note[0] && g == 0 && k == 0) { /* a finding, on the image: under the panel title, in red */
    sb_printf(b, "  set label 1000 ");
    sb_quoted(b, p->note);
    sb_printf(b, " at graph 0.5, graph 1 center offset 0, 2.2 tc rgb \"%s\" font \",11\"\n", SUSPECT_COLOUR);
  }
  if (logx) sb_printf(b, "  set logscale x %d\n", p->kind == ANZ_PLOT_SCATTER ? 10 : 2);
  if (logy) sb_printf(b, "  set logscale y 10\n");
  /* the y range is the data's (error bars included): references never set it */
  if (isfinite(ylo) && isfinite(yhi) && p->kind != ANZ_PLOT_BARS && p->nceilings == 0) {
    if (logy) sb_printf(b, "  set yrange [%.6g:%.6g]\n", ylo / 1.5, yhi * 1.5);
    else if (yhi > ylo) sb_printf(b, "  set yrange [%.6g:%.6g]\n", ylo - 0.06 * (yhi - ylo), yhi + 0.06 * (yhi - ylo));
  }
  size_t nbars = 0, slot = 0;
  for (size_t i = 0; i < p->nseries; ++i) nbars += p->series[i].group == g;
  double w = 0.8 / (double)(nbars ? nbars : 1);
  if (p->kind == ANZ_PLOT_BARS) {
    size_t nc = p->group_cats[g] ? p->group_ncats[g] : p->ncategories;
    sb_printf(b, "  set xrange [-0.6:%g]\n  set xtics (", (double)nc - 0.4);
    for (size_t c = 0; c < nc; ++c) {
      sb_printf(b, "%s", c ? ", " : "");
      sb_quoted(b, p->categories[p->group_cats[g] ? p->group_cats[g][c] : c]);
      sb_printf(b, " %zu", c);
    }
    sb_printf(b, ") rotate by -25\n");
    if (logy && ylo > 0) sb_printf(b, "  set yrange [%g:%g]\n", ylo / 2, yhi * 1.6);
    else sb_printf(b, "  set yrange [0:*]\n");
  }
  if (p->nceilings > 0 && logx && xlo > 0) { /* show the ridge points too */
    double lo = xlo, hi = xhi;
    for (int c = 0; c < p->nceilings; ++c) {
      double ridge = p->ceiling[c].flops / p->ceiling[c].bw;
      if (isfinite(ridge) && ridge > 0) {
        if (ridge < lo) lo = ridge;
        if (ridge > hi) hi = ridge;
      }
    }
    sb_printf(b, "  set xrange [%.6g:%.6g]\n", lo / 4, hi * 4);
  }
  if (p->nceilings > 0) { /* room above the highest roof, and for the roofs' names right of the plot */
    double top = yhi;
    for (int c = 0; c < p->nceilings; ++c)
      if (isfinite(p->ceiling[c].flops) && p->ceiling[c].flops / p->yscale > top) top = p->ceiling[c].flops / p->yscale;
    if (isfinite(top) && top > 0) sb_printf(b, "  set yrange [*:%.6g]\n", logy ? top * 3 : top * 1.15);
    sb_printf(b, "  set rmargin %d\n", ROOF_NAME_CHARS + 2);
  } else {
    sb_printf(b, "  set rmargin %d\n", p->kind == ANZ_PLOT_BARS ? 7 : 3); /* bars: the last slanted name */
  }
  for (int c = 0; c < p->nceilings; ++c) {
    const anz_ceiling *ce = &p->ceiling[c];
    if (isfinite(ce->flops)) { /* the compute roof's name at the height of its flat part, off the data */
      char t[200];
      ceiling_name(p, ce, t, sizeof t);
      sb_printf(b, "  set label %d ", 1001 + c);
      sb_quoted(b, t);
      sb_printf(b, " at graph 1, first %.6g left offset 0.8, 0 tc rgb \"%s\" font \",9\"\n", ce->flops / p->yscale,
                ROOF_COLOUR);
      sb_printf(b, "  roof%d(x) = (%.6g * x < %.6g ? %.6g * x : %.6g) / %g\n", c, ce->bw, ce->flops, ce->bw, ce->flops,
                p->yscale);
    } else {
      sb_printf(b, "  roof%d(x) = %.6g * x / %g\n", c, ce->bw, p->yscale);
    }
  }
  int col = 2 + 3 * k, empty = 1;
  for (size_t i = 0; i < p->nseries && empty; ++i) empty = !panel_has(&p->series[i], g, k);
  if (empty && p->nceilings == 0) { /* no row of this group has this metric: a labelled, empty frame
                                        (NaN alone cannot autoscale) */
    sb_printf(b, "  unset logscale; set xrange [0:1]; set yrange [0:1]; unset xtics; unset ytics\n");
    sb_printf(b, "  set label 999 \"no %s values in these rows\" at graph 0.5, graph 0.5 center\n", pn->metric);
    sb_printf(b, "  plot NaN notitle\n");
    return;
  }
  sb_printf(b, "  plot");
  int first = 1;
  for (size_t i = 0; i < p->nseries; ++i) {
    const anz_series *s = &p->series[i];
    if (s->group != g) continue;
    size_t my_slot = slot++;
    if (!panel_has(s, g, k)) continue; /* no values in this panel (no throughput) */
    sb_printf(b, "%s \\\n    datafile index %zu ", first ? "" : ",", i);
    first = 0;
    switch (p->kind) {
      case ANZ_PLOT_LINES:
        sb_printf(b, "using 1:%d:%d:%d with yerrorlines ", col, col + 1, col + 2);
        series_style(p, s, b);
        sb_printf(b, " notitle");
        break;
      case ANZ_PLOT_SCATTER:
        sb_printf(b, "using 1:%d with points ", col);
        series_style(p, s, b);
        sb_printf(b, " notitle");
        break;
      case ANZ_PLOT_BARS: {
        double off = ((double)my_slot - (double)(nbars - 1) / 2.0) * w;
        sb_printf(b, "using ($1%+.4f):%d:(%.4f) with boxes ", off, col, w);
        series_style(p, s, b);
        /* the spread as a capped vector from low to high (yerrorbars would put a point on the bar) */
        sb_printf(b, " notitle, \\\n    datafile index %zu using ($1%+.4f):%d:(0):($%d-$%d) with vectors heads size "
                     "screen 0.005,90 lc rgb \"#444444\" notitle",
                  i, off, col + 1, col + 2, col + 1);
        break;
      }
    }
  }
  if (first) sb_printf(b, " NaN notitle"), first = 0;
  /* probe_suspect points: a ring over the series' marker */
  int suspect_col = 2 + 3 * p->npanels;
  for (size_t i = 0; p->kind == ANZ_PLOT_SCATTER && i < p->nseries; ++i) {
    const anz_series *s = &p->series[i];
    int any = 0;
    for (size_t j = 0; j < s->n && !any; ++j) any = s->pts[j].row && s->pts[j].row->probe_suspect;
    if (!any || s->group != g) continue;
    sb_printf(b, ", \\\n    datafile index %zu using 1:(column(%d) > 0 ? column(%d) : NaN) with points lc rgb \"%s\" "
                 "pt 6 ps 2.4 lw 2 notitle",
              i, suspect_col, col, SUSPECT_COLOUR);
  }
  for (int r = 0; r < f->nrefs; ++r) {
    const ref_line *rl = &f->refs[r];
    if (rl->group != g || rl->panel != k) continue;
    sb_printf(b, ", \\\n    datafile index %zu using 1:2 with lines lc rgb \"%s\" dt %d lw 1.2 notitle", p->nseries + (size_t)r,
              REF_COLOUR, ref_dash(p, rl->panel, rl->ref));
  }
  for (int c = 0; c < p->nceilings; ++c)
    sb_printf(b, ", \\\n    roof%d(x) with lines lc rgb \"%s\" dt %d lw 1.5 notitle", c, ROOF_COLOUR, c + 1);
  if (pn->unity_line) sb_printf(b, ", \\\n    1 with lines lc rgb \"%s\" dt 2 lw 1 notitle", REF_COLOUR);
  sb_printf(b, "\n");
}

/* The legend: an empty plot under the panels whose key lists every series
 * (and reference, roof, ring) once, for all panels. */
static void write_legend(const anz_plot *p, const figure *f, sbuf *b) {
  if (f->nkey == 0) return;
  sb_printf(b, "  # legend: shared by every panel, under them (never over the data)\n");
  sb_printf(b, "  set origin 0, 0\n  set size 1, %.5f\n", (double)f->key_h / f->h);
  sb_printf(b, "  unset title; unset xlabel; unset ylabel; unset label; unset logscale; unset grid; unset border\n");
  sb_printf(b, "  unset xtics; unset ytics; set xrange [0:1]; set yrange [0:1]\n");
  sb_printf(b, "  set lmargin 0; set rmargin 0; set tmargin 0; set bmargin 0\n");
  sb_printf(b, "  set key at screen 0.5, screen %.5f center top horizontal maxcols %d Left reverse samplen 3 "
               "spacing 1.05 width 1 box lc rgb \"#BBBBBB\"\n",
            (double)(f->key_h - 8) / f->h, f->key_cols);
  sb_printf(b, "  plot");
  int first = 1;
#define ITEM() (sb_printf(b, "%s \\\n    NaN ", first ? "" : ","), first = 0)
  for (size_t i = 0; i < p->nseries; ++i) {
    const anz_series *s = &p->series[i];
    ITEM();
    sb_printf(b, "with %s ", p->kind == ANZ_PLOT_LINES ? "linespoints" : p->kind == ANZ_PLOT_SCATTER ? "points" : "boxes");
    series_style(p, s, b);
    sb_printf(b, " title ");
    sb_quoted(b, s->label);
  }
  if (p->npoints_suspect) {
    char t[120];
    suspect_label(t, sizeof t);
    ITEM();
    sb_printf(b, "with points lc rgb \"%s\" pt 6 ps 2.0 lw 2 title ", SUSPECT_COLOUR);
    sb_quoted(b, t);
  }
  for (int k = 0; k < p->npanels; ++k)
    for (int r = 0; r < p->panel[k].nrefs; ++r) {
      if (!ref_in_legend(p, f, k, r)) continue;
      ITEM();
      sb_printf(b, "with lines lc rgb \"%s\" dt %d lw 1.2 title ", REF_COLOUR, ref_dash(p, k, r));
      sb_quoted(b, p->panel[k].ref_label[r]);
    }
  for (int k = 0; k < p->npanels; ++k)
    if (p->panel[k].unity_line) {
      ITEM();
      sb_printf(b, "with lines lc rgb \"%s\" dt 2 lw 1 title \"parity\"", REF_COLOUR);
    }
  for (int c = 0; c < p->nceilings; ++c) {
    char t[300];
    roof_legend(&p->ceiling[c], t, sizeof t);
    ITEM();
    sb_printf(b, "with lines lc rgb \"%s\" dt %d lw 1.5 title ", ROOF_COLOUR, c + 1);
    sb_quoted(b, t);
  }
#undef ITEM
  sb_printf(b, "\n");
}

static void write_gp(const anz_plot *p, const figure *f, sbuf *b) {
  sb_printf(b,
            "# %s.gp - written by pal analyze %s\n"
            "# Redraw after restyling: cd to this folder and run `gnuplot %s.gp`.\n"
            "# Data: %s.dat, one block per series (index N), then reference lines; columns named in its header.\n"
            "# Layout: %d row(s) of panels (%s) x %d column(s), and one legend under them.\n",
            p->name, PAL_VERSION_STRING, p->name, p->name, f->rows, p->ngroups > 1 ? "one per op" : "one", f->cols);
  sb_printf(b, "if (!exists(\"outbase\")) outbase = \"%s\"\n", p->name);
  sb_printf(b, "if (!exists(\"datafile\")) datafile = \"%s.dat\"\n", p->name);
  sb_printf(b, "set datafile separator \"\\t\"\nset datafile missing \"NaN\"\nset samples 200\n");
  sb_printf(b, "do for [fmt in \"png svg\"] {\n");
  sb_printf(b, "  if (fmt eq \"png\") { set terminal pngcairo noenhanced size %d,%d font \"Sans,10\" } "
               "else { set terminal svg noenhanced size %d,%d font \"Sans,10\" dynamic background \"white\" }\n",
            f->w, f->h, f->w, f->h);
  sb_printf(b, "  set output outbase.\".\".fmt\n  set multiplot title ");
  sb_quoted(b, p->title);
  sb_printf(b, " font \",14\"\n");
  for (int g = 0; g < f->rows; ++g)
    for (int k = 0; k < p->npanels; ++k) write_panel(p, f, g, k, b);
  write_legend(p, f, b);
  sb_printf(b, "  unset multiplot\n  set output\n}\n");
}

static int join(char *out, size_t cap, const char *dir, const char *name, const char *ext) {
  int n = snprintf(out, cap, "%s/%s%s", dir, name, ext);
  return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int anz_plot_write_sources(const anz_plot *p, const char *dir, char *why, size_t whylen) {
  sbuf gp = {0}, dat = {0};
  figure *f = anz_malloc(sizeof *f);
  if (!f) {
    snprintf(why, whylen, "out of memory writing the gnuplot script");
    return -1;
  }
  lay_out(p, f);
  write_gp(p, f, &gp);
  write_dat(p, f, &dat);
  free(f);
  char path[4096];
  int rc = 0;
  if (gp.oom || dat.oom) {
    snprintf(why, whylen, "out of memory writing the gnuplot script");
    rc = -1;
  } else if (join(path, sizeof path, dir, p->name, ".gp") || write_file_atomic(path, gp.d, gp.n)) {
    snprintf(why, whylen, "cannot write %s: %s", path, strerror(errno));
    rc = -1;
  } else if (join(path, sizeof path, dir, p->name, ".dat") || write_file_atomic(path, dat.d, dat.n)) {
    snprintf(why, whylen, "cannot write %s: %s", path, strerror(errno));
    rc = -1;
  }
  free(gp.d);
  free(dat.d);
  return rc;
}

/* ---------------------------------------------------------------- running */
/* One gnuplot process draws one or more plots in turn: its first pngcairo
 * image pays for loading cairo, pango and fontconfig (~0.07 s of CPU), the
 * following ones do not, so anz_run gives each core one process instead of
 * each plot. Every plot starts from `reset session`: the images are those
 * of `gnuplot NAME.gp` run on its own, byte for byte. */
typedef struct job_plot {
  char name[128];
  char tmpbase[160];
} job_plot;

struct anz_plot_job {
  pid_t pid;
  int logfd;
  char dir[4096];
  char gnuplot[1024];
  size_t n;
  job_plot plot[]; /* n */
};

static int write_all(int fd, const char *d, size_t n) {
  /* SIGPIPE is blocked for this thread while writing, so a gnuplot that died
   * early gives EPIPE instead of killing us; a pending SIGPIPE is consumed. */
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, &old);
  int rc = 0;
  while (n > 0) {
    ssize_t w = write(fd, d, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      rc = -1;
      break;
    }
    d += w;
    n -= (size_t)w;
  }
  if (rc) {
    struct timespec zero = {0, 0};
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE)) sigtimedwait(&set, NULL, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return rc;
}

static void remove_tmp(const char *dir, const job_plot *jp) {
  char path[4400];
  snprintf(path, sizeof path, "%s/%s.png", dir, jp->tmpbase);
  unlink(path);
  snprintf(path, sizeof path, "%s/%s.svg", dir, jp->tmpbase);
  unlink(path);
}

static anz_plot_start_rc spawn(anz_plot_job *job, char *why, size_t whylen) {
  char logpath[4400];
  snprintf(logpath, sizeof logpath, "%s/.%s.gnuplot-log.XXXXXX", job->dir, job->plot[0].name);
  job->logfd = mkstemp(logpath);
  if (job->logfd >= 0) unlink(logpath);
  int fds[2];
  if (pipe(fds) != 0) {
    snprintf(why, whylen, "pipe: %s", strerror(errno));
    if (job->logfd >= 0) close(job->logfd);
    return ANZ_PLOT_START_FAILED;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
  if (job->logfd >= 0) {
    posix_spawn_file_actions_adddup2(&fa, job->logfd, 1);
    posix_spawn_file_actions_adddup2(&fa, job->logfd, 2);
  }
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  const char *prog = job->gnuplot[0] ? job->gnuplot : "gnuplot";
  char *argv[] = {(char *)prog, NULL};
  int rc = posix_spawnp(&job->pid, prog, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[0]);
  if (rc != 0) {
    if (rc == ENOENT)
      snprintf(why, whylen,
               "gnuplot not found (\"%s\"): install it with `apt-get install gnuplot-nox` "
               "(scripts/install-deps.sh does); the .gp and .dat files were written",
               prog);
    else
      snprintf(why, whylen, "cannot start %s: %s", prog, strerror(rc));
    close(fds[1]);
    if (job->logfd >= 0) close(job->logfd);
    return rc == ENOENT ? ANZ_PLOT_NO_GNUPLOT : ANZ_PLOT_START_FAILED;
  }
  sbuf cmd = {0};
  sb_printf(&cmd, "cd ");
  sb_quoted(&cmd, job->dir);
  sb_printf(&cmd, "\n");
  for (size_t i = 0; i < job->n; ++i) {
    const job_plot *jp = &job->plot[i];
    /* `test` leaves the svg terminal's colour state as a fresh process has
     * it (after a plot its first group would say stroke="black", not
     * "currentColor"); `reset session` does the same for the settings */
    if (i) sb_printf(&cmd, "set terminal svg\nset output \"/dev/null\"\ntest\nset output\nreset session\n");
    sb_printf(&cmd, "outbase = ");
    sb_quoted(&cmd, jp->tmpbase);
    sb_printf(&cmd, "\ndatafile = ");
    char f[200];
    snprintf(f, sizeof f, "%s.dat", jp->name);
    sb_quoted(&cmd, f);
    sb_printf(&cmd, "\nload ");
    snprintf(f, sizeof f, "%s.gp", jp->name);
    sb_quoted(&cmd, f);
    sb_printf(&cmd, "\n");
  }
  if (!cmd.oom) write_all(fds[1], cmd.d, cmd.n); /* out of memory: gnuplot draws nothing, finish says so */
  free(cmd.d);
  close(fds[1]);
  return ANZ_PLOT_STARTED;
}

anz_plot_start_rc anz_plot_start(const char *const *names, size_t n, const char *dir, const char *gnuplot,
                                 anz_plot_job **out, char *why, size_t whylen) {
  *out = NULL;
  anz_plot_job *job = anz_calloc(1, sizeof *job + n * sizeof job->plot[0]);
  if (!job) {
    snprintf(why, whylen, "out of memory");
    return ANZ_PLOT_START_FAILED;
  }
  snprintf(job->dir, sizeof job->dir, "%s", dir);
  snprintf(job->gnuplot, sizeof job->gnuplot, "%s", gnuplot && *gnuplot ? gnuplot : "gnuplot");
  job->n = n;
  for (size_t i = 0; i < n; ++i) {
    snprintf(job->plot[i].name, sizeof job->plot[i].name, "%s", names[i]);
    snprintf(job->plot[i].tmpbase, sizeof job->plot[i].tmpbase, ".%s.tmp%ld", names[i], (long)getpid());
  }
  anz_plot_start_rc rc = spawn(job, why, whylen);
  if (rc != ANZ_PLOT_STARTED) {
    free(job);
    return rc;
  }
  *out = job;
  return ANZ_PLOT_STARTED;
}

/* Plot i's images into place: 0, or -1 with why[]. */
static int take_images(const anz_plot_job *job, const job_plot *jp, const char *log, char *why, size_t whylen) {
  const char *exts[] = {".png", ".svg"};
  for (int i = 0; i < 2; ++i) {
    char from[4400], to[4400];
    struct stat sb;
    snprintf(from, sizeof from, "%s/%s%s", job->dir, jp->tmpbase, exts[i]);
    snprintf(to, sizeof to, "%s/%s%s", job->dir, jp->name, exts[i]);
    if (stat(from, &sb) != 0 || sb.st_size == 0) {
      snprintf(why, whylen, "gnuplot wrote no %s for %s.gp: %s", exts[i], jp->name, log[0] ? log : "(no output)");
      return -1;
    }
    if (rename(from, to) != 0) {
      snprintf(why, whylen, "cannot rename %s to %s: %s", from, to, strerror(errno));
      return -1;
    }
  }
  return 0;
}

size_t anz_plot_finish(anz_plot_job *job, int *ok, char *const *why, size_t whylen) {
  int status = 0;
  while (waitpid(job->pid, &status, 0) < 0 && errno == EINTR) {
  }
  char log[600] = "";
  if (job->logfd >= 0) {
    lseek(job->logfd, 0, SEEK_SET);
    ssize_t n = read(job->logfd, log, sizeof log - 1);
    log[n > 0 ? n : 0] = '\0';
    for (char *c = log; *c; ++c)
      if (*c == '\n' || *c == '\r' || *c == '\t') *c = ' ';
    close(job->logfd);
  }
  int failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  size_t drawn = 0;
  for (size_t i = 0; i < job->n; ++i) {
    const job_plot *jp = &job->plot[i];
    ok[i] = 0;
    if (failed && job->n > 1) {
      /* one plot failed and gnuplot stopped there: the plots it drew stand,
       * the others are drawn again each on its own, for their own verdict */
      if (take_images(job, jp, log, why[i], whylen) == 0) {
        ok[i] = 1;
      } else {
        remove_tmp(job->dir, jp);
        const char *name = jp->name;
        anz_plot_job *alone;
        if (anz_plot_start(&name, 1, job->dir, job->gnuplot, &alone, why[i], whylen) == ANZ_PLOT_STARTED)
          anz_plot_finish(alone, &ok[i], &why[i], whylen);
      }
    } else if (failed) {
      snprintf(why[i], whylen, "gnuplot failed on %s.gp (status %d): %s", jp->name,
               WIFEXITED(status) ? WEXITSTATUS(status) : -1, log[0] ? log : "(no output)");
    } else {
      ok[i] = take_images(job, jp, log, why[i], whylen) == 0;
    }
    if (!ok[i]) remove_tmp(job->dir, jp);
    drawn += (size_t)ok[i];
  }
  free(job);
  return drawn;
}
