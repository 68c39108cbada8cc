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

#include "../common/atomic_file.h"
#include "pal/version.h"
#include "plot.h"

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
    char *d = realloc(b->d, cap);
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

/* ---------------------------------------------------------------- style */
static const char *colour(const anz_series *s) {
  static const char *const pal[] = {"#024645", "#2a9d8f", "#0b6e4f", "#6fb3a8", "#1b4965", "#5fa8d3"};
  static const char *const sdpa[] = {"#000000", "#555555", "#8a8a8a", "#b03030", "#7f4f24", "#3d405b"};
  static const char *const other[] = {"#8b4513", "#d2691e", "#6a3d9a", "#1f78b4", "#e31a1c", "#33a02c"};
  const char *const *set = s->kernel == ANZ_K_PAL ? pal : s->kernel == ANZ_K_SDPA ? sdpa : other;
  return set[s->variant % 6];
}

static int dash(const anz_series *s) { return s->source == ANZ_SRC_CPP ? 1 : s->source == ANZ_SRC_PY ? 2 : 4; }
static int point_type(const anz_series *s) {
  static const int pts[] = {7, 5, 9, 11, 13, 15};
  return pts[(s->variant + (int)s->source) % 6];
}

/* Log scale when the positive values span a decade or more. */
static int decide_log(int requested, double lo, double hi) {
  if (requested >= 0) return requested;
  return lo > 0 && isfinite(hi) && hi / lo >= 10.0;
}

static void span(const anz_plot *p, int panel, int want_x, double *lo, double *hi) {
  *lo = INFINITY;
  *hi = -INFINITY;
  for (size_t i = 0; i < p->nseries; ++i)
    for (size_t j = 0; j < p->series[i].n; ++j) {
      const anz_point *pt = &p->series[i].pts[j];
      double v = want_x ? pt->x : pt->y[panel];
      if (isfinite(v) && v > 0) {
        if (v < *lo) *lo = v;
        if (v > *hi) *hi = v;
      }
    }
}

/* ---------------------------------------------------------------- .dat */
static void write_dat(const anz_plot *p, sbuf *b) {
  sb_printf(b, "# %s.dat - data of %s.png, written by pal analyze %s\n", p->name, p->name, PAL_VERSION_STRING);
  sb_printf(b, "# one block per series (gnuplot: index N); tab-separated columns:\n# %s", p->xkey);
  for (int k = 0; k < p->npanels; ++k)
    sb_printf(b, "\t%s\t%s_low\t%s_high", p->panel[k].metric, p->panel[k].metric, p->panel[k].metric);
  if (p->kind == ANZ_PLOT_SCATTER) sb_printf(b, "\tprobe_suspect");
  sb_printf(b, "\tlabel\n");
  for (size_t i = 0; i < p->nseries; ++i) {
    const anz_series *s = &p->series[i];
    sb_printf(b, "%s# index %zu: ", i ? "\n\n" : "", i);
    sb_field(b, s->label);
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
}

/* ---------------------------------------------------------------- .gp */
#define SUSPECT_COLOUR "#d95f02" /* probe_suspect rings and the note that counts them */

static int several_machines(const anz_plot *p) {
  for (int c = 1; c < p->nceilings; ++c) {
    const char *a = p->ceiling[0].machine, *m = p->ceiling[c].machine;
    if (a != m && (!a || !m || strcmp(a, m))) return 1;
  }
  return 0;
}

#define ROOF_NAME_CHARS 34 /* the right margin that holds the roofs' names */

/* "fp32_fma512" (one machine) or "vm fp32_fma512", at most ROOF_NAME_CHARS */
static void ceiling_name(const anz_plot *p, const anz_ceiling *ce, char *out, size_t cap) {
  const char *roof = ce->flop_roof ? ce->flop_roof : "peak compute";
  if (several_machines(p)) snprintf(out, cap, "%s %s", ce->machine ? ce->machine : "?", roof);
  else snprintf(out, cap, "%s", roof);
  if (strlen(out) > ROOF_NAME_CHARS && cap > ROOF_NAME_CHARS) strcpy(out + ROOF_NAME_CHARS - 3, "...");
}

static void human(double v, const char *unit, char *out, size_t cap) {
  static const char *const pre[] = {"", "K", "M", "G", "T", "P"};
  int i = 0;
  while (i < 5 && fabs(v) >= 1000) v /= 1000, ++i;
  snprintf(out, cap, "%.3g %s%s", v, pre[i], unit);
}

/* "roof vm: bw_peak 20 GB/s x AI, fp32_fma512 1.2 TFLOP/s" */
static void roof_legend(const anz_plot *p, const anz_ceiling *ce, char *out, size_t cap) {
  (void)p;
  char bw[40], fl[40];
  human(ce->bw, "B/s", bw, sizeof bw);
  int n = snprintf(out, cap, "roof %s: %s %s x AI", ce->machine ? ce->machine : "?", ce->bw_roof ? ce->bw_roof : "bw_peak",
                   bw);
  if (isfinite(ce->flops) && n > 0 && (size_t)n < cap) {
    human(ce->flops, "FLOP/s", fl, sizeof fl);
    snprintf(out + n, cap - (size_t)n, ", %s %s", ce->flop_roof ? ce->flop_roof : "peak compute", fl);
  }
}

/* Legend entries of a plot, for a key laid out under the plot area (one
 * column: series labels can be long). */
static int key_rows(const anz_plot *p) {
  int entries = (int)p->nseries + p->nceilings + (p->npoints_suspect > 0);
  return entries > 0 ? entries : 1;
}

static void write_panel(const anz_plot *p, int k, sbuf *b) {
  const anz_panel *pn = &p->panel[k];
  double xlo, xhi, ylo, yhi;
  span(p, k, 1, &xlo, &xhi);
  span(p, k, 0, &ylo, &yhi);
  int logx = p->kind == ANZ_PLOT_BARS ? 0 : decide_log(pn->logx, xlo, xhi);
  int logy = decide_log(pn->logy, ylo, yhi);
  sb_printf(b, "  unset logscale; unset xtics; set xtics; set autoscale\n");
  sb_printf(b, "  set title ");
  sb_quoted(b, pn->title);
  sb_printf(b, "\n  set xlabel ");
  sb_quoted(b, p->xlabel);
  sb_printf(b, "\n  set ylabel ");
  sb_quoted(b, pn->ylabel);
  sb_printf(b, "\n  set grid lc rgb \"#D3D3D3\" dt 3\n");
  if (p->key_outside) /* below the plot area: never over the data */
    sb_printf(b, "  set key outside below center vertical Left reverse maxrows %d box spacing 1.2\n  set bmargin %d\n",
              key_rows(p), 5 + key_rows(p) * 6 / 5);
  else
    sb_printf(b, "  set key top left box opaque\n");
  sb_printf(b, "  unset label\n");
  if (p->note[0] && k == 0) { /* a finding, on the image: under the panel title, in red */
    sb_printf(b, "  set title offset 0, 1.2\n  set tmargin 4.5\n  set label 1000 ");
    sb_quoted(b, p->note);
    sb_printf(b, " at graph 0.5, graph 1 center offset 0, 1.1 tc rgb \"%s\" font \",11\"\n", SUSPECT_COLOUR);
  } else {
    sb_printf(b, "  set title offset 0, 0\n  unset tmargin\n");
  }
  if (!p->key_outside) sb_printf(b, "  unset bmargin\n");
  if (logx) sb_printf(b, "  set logscale x %d\n", p->kind == ANZ_PLOT_SCATTER ? 10 : 2);
  if (logy) sb_printf(b, "  set logscale y 10\n");
  int col = 2 + 3 * k;
  size_t nbars = p->nseries ? p->nseries : 1;
  double w = 0.8 / (double)nbars;
  if (p->kind == ANZ_PLOT_BARS) {
    sb_printf(b, "  set style fill solid 0.85 border -1\n  set xrange [-0.6:%g]\n  set xtics (",
              (double)p->ncategories - 0.4);
    for (size_t c = 0; c < p->ncategories; ++c) {
      sb_printf(b, "%s", c ? ", " : "");
      sb_quoted(b, p->categories[c]);
      sb_printf(b, " %zu", c);
    }
    sb_printf(b, ") rotate by -25\n");
    if (logy) sb_printf(b, "  set yrange [%g:*]\n", ylo / 2);
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
  /* references anchored at the smallest x of the panel */
  double x0 = NAN, y0 = NAN;
  for (size_t i = 0; i < p->nseries; ++i)
    for (size_t j = 0; j < p->series[i].n; ++j) {
      const anz_point *pt = &p->series[i].pts[j];
      if (isfinite(pt->y[k]) && pt->y[k] > 0 && pt->x > 0 && (isnan(x0) || pt->x < x0 || (pt->x == x0 && pt->y[k] < y0)))
        x0 = pt->x, y0 = pt->y[k];
    }
  for (int r = 0; r < pn->nrefs && isfinite(x0); ++r)
    sb_printf(b, "  ref%d(x) = %.6g * (x / %.6g) ** %g\n", r, y0, x0, pn->ref_slope[r]);
  if (p->nceilings > 0) { /* room above the highest roof, and for the roofs' names right of the plot */
    double top = yhi;
    for (int c = 0; c < p->nceilings; ++c)
      if (isfinite(p->ceiling[c].flops) && p->ceiling[c].flops / p->yscale > top) top = p->ceiling[c].flops / p->yscale;
    if (isfinite(top) && top > 0) sb_printf(b, "  set yrange [*:%.6g]\n", logy ? top * 3 : top * 1.15);
    sb_printf(b, "  set rmargin %d\n", ROOF_NAME_CHARS + 2);
  } else {
    sb_printf(b, "  unset rmargin\n");
  }
  for (int c = 0; c < p->nceilings; ++c) {
    const anz_ceiling *ce = &p->ceiling[c];
    if (isfinite(ce->flops)) { /* the compute roof's name at the height of its flat part, off the data */
      char t[200];
      ceiling_name(p, ce, t, sizeof t);
      sb_printf(b, "  set label %d ", 1001 + c);
      sb_quoted(b, t);
      sb_printf(b, " at graph 1, first %.6g left offset 0.8, 0 tc rgb \"#b03030\" font \",9\"\n",
                ce->flops / p->yscale);
    }
    if (isfinite(ce->flops))
      sb_printf(b, "  roof%d(x) = (%.6g * x < %.6g ? %.6g * x : %.6g) / %g\n", c, ce->bw, ce->flops, ce->bw, ce->flops,
                p->yscale);
    else
      sb_printf(b, "  roof%d(x) = %.6g * x / %g\n", c, ce->bw, p->yscale);
  }
  sb_printf(b, "  plot");
  int first = 1;
  for (size_t i = 0; i < p->nseries; ++i) {
    const anz_series *s = &p->series[i];
    int any = 0; /* a series without values in this panel (no throughput) is left out */
    for (size_t j = 0; j < s->n && !any; ++j) any = isfinite(s->pts[j].y[k]);
    if (!any) continue;
    sb_printf(b, "%s \\\n    datafile index %zu ", first ? "" : ",", i);
    first = 0;
    switch (p->kind) {
      case ANZ_PLOT_LINES:
        sb_printf(b, "using 1:%d:%d:%d with yerrorlines lc rgb \"%s\" dt %d lw %s pt %d ps 0.8 title ", col, col + 1,
                  col + 2, colour(s), dash(s), s->kernel == ANZ_K_PAL ? "2.5" : "1.5", point_type(s));
        sb_quoted(b, s->label);
        break;
      case ANZ_PLOT_SCATTER:
        sb_printf(b, "using 1:%d with points lc rgb \"%s\" pt %d ps 1.0 title ", col, colour(s), point_type(s));
        sb_quoted(b, s->label);
        break;
      case ANZ_PLOT_BARS: {
        double off = ((double)i - (double)(nbars - 1) / 2.0) * w;
        sb_printf(b, "using ($1%+.4f):%d:(%.4f) with boxes lc rgb \"%s\" title ", off, col, w, colour(s));
        sb_quoted(b, s->label);
        sb_printf(b, ", \\\n    datafile index %zu using ($1%+.4f):%d:%d:%d with yerrorbars lc rgb \"#444444\" pt -1 notitle",
                  i, off, col, col + 1, col + 2);
        break;
      }
    }
  }
  if (first) sb_printf(b, " NaN notitle"), first = 0;
  /* probe_suspect points: a ring over the series' marker, one legend entry */
  int suspect_col = 2 + 3 * p->npanels, titled = 0;
  for (size_t i = 0; p->kind == ANZ_PLOT_SCATTER && i < p->nseries; ++i) {
    const anz_series *s = &p->series[i];
    int any = 0;
    for (size_t j = 0; j < s->n && !any; ++j) any = s->pts[j].row && s->pts[j].row->probe_suspect;
    if (!any) continue;
    sb_printf(b, ", \\\n    datafile index %zu using 1:(column(%d) > 0 ? column(%d) : NaN) with points lc rgb \"%s\" "
                 "pt 6 ps 2.4 lw 2 ",
              i, suspect_col, col, SUSPECT_COLOUR);
    if (!titled) {
      char t[120];
      snprintf(t, sizeof t, "probe_suspect: above its probed roof (utilisation > %.2f)", 1.0 + ANZ_PROBE_MARGIN);
      sb_printf(b, "title ");
      sb_quoted(b, t);
      titled = 1;
    } else {
      sb_printf(b, "notitle");
    }
  }
  for (int r = 0; r < pn->nrefs && isfinite(x0); ++r) {
    sb_printf(b, ", \\\n    ref%d(x) with lines lc rgb \"#808080\" dt 2 lw 1 title ", r);
    sb_quoted(b, pn->ref_label[r]);
  }
  for (int c = 0; c < p->nceilings; ++c) {
    char t[300];
    roof_legend(p, &p->ceiling[c], t, sizeof t);
    sb_printf(b, ", \\\n    roof%d(x) with lines lc rgb \"#b03030\" dt %d lw 1.5 title ", c, c + 1);
    sb_quoted(b, t);
  }
  if (pn->unity_line) sb_printf(b, ", \\\n    1 with lines lc rgb \"#808080\" dt 2 lw 1 title \"parity\"");
  sb_printf(b, "\n");
}

static void write_gp(const anz_plot *p, sbuf *b) {
  int cols = p->layout_rows == 1 ? p->npanels : 1;
  int rows = p->layout_rows == 1 ? 1 : p->npanels;
  int wpx = 700 * cols + 100, hpx = 560 * rows;
  if (p->key_outside) { /* room for the key under the plot (and its long roof names) */
    wpx += 200;
    hpx += 20 * key_rows(p) + (p->note[0] ? 20 : 0);
  }
  sb_printf(b,
            "# %s.gp - written by pal analyze %s\n"
            "# Redraw after restyling: cd to this folder and run `gnuplot %s.gp`.\n"
            "# Data: %s.dat, one block per series (index N), columns named in its header.\n",
            p->name, PAL_VERSION_STRING, p->name, p->name);
  sb_printf(b, "if (!exists(\"outbase\")) outbase = \"%s\"\n", p->name);
  sb_printf(b, "if (!exists(\"datafile\")) datafile = \"%s.dat\"\n", p->name);
  sb_printf(b, "set datafile separator \"\\t\"\nset datafile missing \"NaN\"\nset samples 200\n");
  sb_printf(b, "do for [fmt in \"png svg\"] {\n");
  sb_printf(b, "  if (fmt eq \"png\") { set terminal pngcairo noenhanced size %d,%d font \"Sans,10\" } "
               "else { set terminal svg noenhanced size %d,%d font \"Sans,10\" dynamic background \"white\" }\n",
            wpx, hpx, wpx, hpx);
  sb_printf(b, "  set output outbase.\".\".fmt\n  set multiplot layout %d,%d title ", rows, cols);
  sb_quoted(b, p->title);
  sb_printf(b, " font \",14\"\n");
  for (int k = 0; k < p->npanels; ++k) write_panel(p, k, b);
  sb_printf(b, "  unset multiplot\n  set output\n}\n");
}

static int join(char *out, size_t cap, const char *dir, const char *name, const char *ext) {
  int n = snprintf(out, cap, "%s/%s%s", dir, name, ext);
  return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int anz_plot_write_sources(const anz_plot *p, const char *dir, char *why, size_t whylen) {
  sbuf gp = {0}, dat = {0};
  write_gp(p, &gp);
  write_dat(p, &dat);
  char path[4096];
  int rc = 0;
  if (gp.oom || dat.oom) {
    snprintf(why, whylen, "out of memory writing the gnuplot script");
    rc = -1;
  } else if (join(path, sizeof path, dir, p->name, ".gp") || pal_write_file_atomic(path, gp.d, gp.n)) {
    snprintf(why, whylen, "cannot write %s: %s", path, strerror(errno));
    rc = -1;
  } else if (join(path, sizeof path, dir, p->name, ".dat") || pal_write_file_atomic(path, dat.d, dat.n)) {
    snprintf(why, whylen, "cannot write %s: %s", path, strerror(errno));
    rc = -1;
  }
  free(gp.d);
  free(dat.d);
  return rc;
}

/* ---------------------------------------------------------------- running */
struct anz_plot_job {
  pid_t pid;
  int logfd;
  char dir[4096];
  char name[128];
  char tmpbase[160];
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

anz_plot_job *anz_plot_start(const anz_plot *p, const char *dir, const char *gnuplot, char *why, size_t whylen) {
  if (anz_plot_write_sources(p, dir, why, whylen)) return NULL;
  anz_plot_job *job = calloc(1, sizeof *job);
  if (!job) {
    snprintf(why, whylen, "out of memory");
    return NULL;
  }
  snprintf(job->dir, sizeof job->dir, "%s", dir);
  snprintf(job->name, sizeof job->name, "%s", p->name);
  snprintf(job->tmpbase, sizeof job->tmpbase, ".%s.tmp%ld", p->name, (long)getpid());
  char logpath[4200];
  snprintf(logpath, sizeof logpath, "%s/.%s.gnuplot-log.XXXXXX", dir, p->name);
  job->logfd = mkstemp(logpath);
  if (job->logfd >= 0) unlink(logpath);
  int fds[2];
  if (pipe(fds) != 0) {
    snprintf(why, whylen, "pipe: %s", strerror(errno));
    if (job->logfd >= 0) close(job->logfd);
    free(job);
    return NULL;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
  if (job->logfd >= 0) {
    posix_spawn_file_actions_adddup2(&fa, job->logfd, 1);
    posix_spawn_file_actions_adddup2(&fa, job->logfd, 2);
  }
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  const char *prog = gnuplot && *gnuplot ? gnuplot : "gnuplot";
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
    free(job);
    return NULL;
  }
  sbuf cmd = {0};
  sb_printf(&cmd, "cd ");
  sb_quoted(&cmd, dir);
  sb_printf(&cmd, "\noutbase = ");
  sb_quoted(&cmd, job->tmpbase);
  sb_printf(&cmd, "\ndatafile = ");
  char dat[200];
  snprintf(dat, sizeof dat, "%s.dat", p->name);
  sb_quoted(&cmd, dat);
  sb_printf(&cmd, "\nload ");
  char gpf[200];
  snprintf(gpf, sizeof gpf, "%s.gp", p->name);
  sb_quoted(&cmd, gpf);
  sb_printf(&cmd, "\n");
  if (!cmd.oom) write_all(fds[1], cmd.d, cmd.n);
  free(cmd.d);
  close(fds[1]);
  return job;
}

static void remove_tmp(const anz_plot_job *job) {
  char path[4400];
  snprintf(path, sizeof path, "%s/%s.png", job->dir, job->tmpbase);
  unlink(path);
  snprintf(path, sizeof path, "%s/%s.svg", job->dir, job->tmpbase);
  unlink(path);
}

int anz_plot_finish(anz_plot_job *job, char *why, size_t whylen) {
  int status = 0, rc = 0;
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
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    snprintf(why, whylen, "gnuplot failed on %s.gp (status %d): %s", job->name,
             WIFEXITED(status) ? WEXITSTATUS(status) : -1, log[0] ? log : "(no output)");
    rc = -1;
  }
  const char *exts[] = {".png", ".svg"};
  for (int i = 0; i < 2 && rc == 0; ++i) {
    char from[4400], to[4400];
    struct stat sb;
    snprintf(from, sizeof from, "%s/%s%s", job->dir, job->tmpbase, exts[i]);
    snprintf(to, sizeof to, "%s/%s%s", job->dir, job->name, exts[i]);
    if (stat(from, &sb) != 0 || sb.st_size == 0) {
      snprintf(why, whylen, "gnuplot wrote no %s for %s.gp: %s", exts[i], job->name, log[0] ? log : "(no output)");
      rc = -1;
    } else if (rename(from, to) != 0) {
      snprintf(why, whylen, "cannot rename %s to %s: %s", from, to, strerror(errno));
      rc = -1;
    }
  }
  if (rc) remove_tmp(job);
  free(job);
  return rc;
}
