/* analyze.c - `pal analyze` orchestration (see analyze.h). */
#define _POSIX_C_SOURCE 200809L
#include "alloc.h"
#include "analyze.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/fs.h"
#include "plot.h"
#include "results.h"
#include "style.h"
#include "table_csv.h"

static int cmp_cstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int push(char ***v, size_t *n, size_t *cap, const char *s) {
  if (*n == *cap) {
    size_t c = *cap ? *cap * 2 : 64;
    char **nv = anz_realloc(*v, c * sizeof *nv);
    if (!nv) return -1;
    *v = nv;
    *cap = c;
  }
  char *d = anz_cstrdup(s);
  if (!d) return -1;
  (*v)[(*n)++] = d;
  return 0;
}

static int ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && !strcmp(s + n - m, suf);
}

int anz_collect_inputs(const anz_options *o, char ***paths, size_t *n) {
  size_t cap = 0;
  *paths = NULL;
  *n = 0;
  for (size_t i = 0; i < o->ninputs; ++i) {
    const char *in = o->inputs[i];
    struct stat sb;
    if (stat(in, &sb) != 0) {
      fprintf(o->err, "pal analyze: %s: %s\n", in, strerror(errno));
      return -1;
    }
    if (!S_ISDIR(sb.st_mode)) {
      if (push(paths, n, &cap, in)) return -1;
      continue;
    }
    DIR *d = opendir(in);
    if (!d) {
      fprintf(o->err, "pal analyze: %s: %s\n", in, strerror(errno));
      return -1;
    }
    size_t start = *n;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      /* hidden files include our own temporaries; results.json is our output */
      if (e->d_name[0] == '.' || !ends_with(e->d_name, ".json") || !strcmp(e->d_name, "results.json")) continue;
      size_t len = strlen(in) + strlen(e->d_name) + 2;
      char *p = anz_malloc(len);
      if (!p) {
        closedir(d);
        return -1;
      }
      snprintf(p, len, "%s%s%s", in, ends_with(in, "/") ? "" : "/", e->d_name);
      int rc = push(paths, n, &cap, p);
      free(p);
      if (rc) {
        closedir(d);
        return -1;
      }
    }
    closedir(d);
    qsort(*paths + start, *n - start, sizeof **paths, cmp_cstr);
  }
  return 0;
}

/* newest wins: order rows by instance, newest first */
static int cmp_instance(const anz_row *x, const anz_row *y) {
  if (x->source != y->source) return (int)x->source - (int)y->source;
  const char *a = x->saxis[ANZ_SX_MACHINE], *b = y->saxis[ANZ_SX_MACHINE];
  if (a != b) {
    if (!a || !b) return (a != NULL) - (b != NULL);
    int c = strcmp(a, b);
    if (c) return c;
  }
  return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static int cmp_newest(const void *pa, const void *pb) {
  const anz_row *x = *(const anz_row *const *)pa, *y = *(const anz_row *const *)pb;
  int c = cmp_instance(x, y);
  if (c) return c;
  double ex = isnan(x->run_epoch) ? -INFINITY : x->run_epoch, ey = isnan(y->run_epoch) ? -INFINITY : y->run_epoch;
  if (ex != ey) return ex < ey ? 1 : -1;
  return (x->order < y->order) - (x->order > y->order); /* later input wins a tie */
}

static int cmp_order(const void *pa, const void *pb) {
  const anz_row *x = *(const anz_row *const *)pa, *y = *(const anz_row *const *)pb;
  return (x->order > y->order) - (x->order < y->order);
}

/* --kernel: the class names (pal has two spellings: the kernel is paged attention). */
static int kernel_class(const char *name, anz_kernel *k) {
  if (!strcasecmp(name, "pal") || !strcasecmp(name, "paged_attention")) *k = ANZ_K_PAL;
  else if (!strcasecmp(name, "sdpa")) *k = ANZ_K_SDPA;
  else if (!strcasecmp(name, "other")) *k = ANZ_K_OTHER;
  else return 0;
  return 1;
}

int anz_kernel_filter_match(const anz_row *r, const char *name) {
  anz_kernel k;
  if (kernel_class(name, &k) && r->kernel == k) return 1;
  return r->kernel_name && !strcasecmp(r->kernel_name, name);
}

static int cmp_casestr(const void *a, const void *b) {
  return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

/* What --kernel could have named: the classes present, then the distinct
 * kernel_names that are not a class's spelling, sorted, case ignored. */
static void print_known_kernels(const anz_table *t, FILE *err) {
  static const char *const class_label[ANZ_K_COUNT] = {"pal (paged_attention)", "sdpa", "other"};
  int seen[ANZ_K_COUNT] = {0};
  const char **names = anz_malloc((t->nrows ? t->nrows : 1) * sizeof *names);
  size_t nn = 0, listed = 0;
  anz_kernel k;
  for (size_t i = 0; i < t->nrows; ++i) {
    const anz_row *r = t->rows[i];
    seen[r->kernel] = 1;
    if (names && r->kernel_name && !kernel_class(r->kernel_name, &k)) names[nn++] = r->kernel_name;
  }
  for (int c = 0; c < ANZ_K_COUNT; ++c)
    if (seen[c]) fprintf(err, "%s%s", listed++ ? ", " : "", class_label[c]);
  if (names) {
    qsort(names, nn, sizeof *names, cmp_casestr);
    for (size_t i = 0; i < nn; ++i)
      if (i == 0 || strcasecmp(names[i - 1], names[i])) fprintf(err, "%s%s", listed++ ? ", " : "", names[i]);
  }
  if (!listed) fprintf(err, "none (no rows)");
  free(names);
}

/* --kernel (after newest-wins, so an older run of another kernel cannot
 * stand in for a superseded one): keeps the rows any name matches, in
 * order. Every name must match a row, or it is a usage error (2). */
static int filter_kernels(const anz_options *o, anz_table *t) {
  if (!o->nkernels) return 0;
  int bad = 0;
  for (size_t k = 0; k < o->nkernels; ++k) {
    size_t i = 0;
    while (i < t->nrows && !anz_kernel_filter_match(t->rows[i], o->kernels[k])) ++i;
    if (i < t->nrows) continue;
    fprintf(o->err, "pal analyze: --kernel %s: no such kernel in the data; known: ", o->kernels[k]);
    print_known_kernels(t, o->err);
    fprintf(o->err, "\n");
    bad = 1;
  }
  if (bad) return 2;
  size_t w = 0;
  for (size_t i = 0; i < t->nrows; ++i) {
    size_t k = 0;
    while (k < o->nkernels && !anz_kernel_filter_match(t->rows[i], o->kernels[k])) ++k;
    if (k < o->nkernels) t->rows[w++] = t->rows[i];
  }
  t->rows_filtered = t->nrows - w;
  t->nrows = w;
  return 0;
}

int anz_table_load(const anz_options *o, char **paths, size_t n, anz_table *t) {
  memset(t, 0, sizeof *t);
  t->opts = o;
  t->files = anz_calloc(n ? n : 1, sizeof *t->files);
  if (!t->files) return -1;
  /* from here a failure frees what was loaded: the caller gets an empty table */
  t->nfiles = n;
  anz_load_opts lo = {.stat = o->stat, .max_file_bytes = o->max_file_bytes};
  /* files are independent: load them on all cores */
  long long nn = (long long)n;
#pragma omp parallel for schedule(dynamic, 4)
  for (long long i = 0; i < nn; ++i) anz_load_file(paths[i], &lo, &t->files[i]);
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) total += t->files[i].rows.n;
  t->rows = anz_malloc((total ? total : 1) * sizeof *t->rows);
  if (!t->rows) {
    anz_table_free(t);
    return -1;
  }
  size_t k = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < t->files[i].rows.n; ++j) {
      anz_row *r = &t->files[i].rows.v[j];
      r->order = k;
      t->rows[k++] = r;
    }
  t->nrows = k;
  if (!o->all_runs && k > 1) {
    qsort(t->rows, k, sizeof *t->rows, cmp_newest);
    size_t w = 0;
    for (size_t i = 0; i < k; ++i)
      if (w == 0 || cmp_instance(t->rows[w - 1], t->rows[i]) != 0) t->rows[w++] = t->rows[i];
    t->rows_superseded = k - w;
    t->nrows = w;
    qsort(t->rows, w, sizeof *t->rows, cmp_order);
  }
  /* dropped instances: each (name, file) once, even when a file is given twice */
  t->ndropped = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < t->files[i].ndropped; ++j) {
      anz_dropped *d = &t->files[i].dropped[j];
      for (size_t p = 0; p < i && !d->duplicate; ++p) {
        if (strcmp(t->files[p].path, t->files[i].path)) continue;
        for (size_t q = 0; q < t->files[p].ndropped && !d->duplicate; ++q)
          d->duplicate = !strcmp(t->files[p].dropped[q].name, d->name);
      }
      t->ndropped += !d->duplicate;
    }
  int rc = filter_kernels(o, t);
  if (rc) return rc;
  t->rows_contended = t->rows_suspect = 0;
  for (size_t i = 0; i < t->nrows; ++i) {
    t->rows_contended += t->rows[i]->counter[ANZ_C_FOREIGN_LOAD] > ANZ_CONTENDED_LOAD;
    t->rows_suspect += t->rows[i]->probe_suspect != 0;
  }
  /* after --kernel: a filtered analysis takes the palette from its start */
  anz_assign_colours(t->rows, t->nrows);
  return 0;
}

void anz_table_free(anz_table *t) {
  for (size_t i = 0; i < t->nfiles; ++i) anz_file_result_free(&t->files[i]);
  free(t->files);
  free(t->rows);
  memset(t, 0, sizeof *t);
}

#define ANZ_SUSPECT_ROWS_NAMED 3

void anz_warn_probe_suspect(const anz_table *t, FILE *err) {
  fprintf(err,
          "pal analyze: WARNING: %zu of %zu results are above the probed roof (a utilisation over %.2f, "
          "probe_suspect): the machine probe under-reads, so their utilisations are not measurements "
          "(results.json: probe_suspect)",
          t->rows_suspect, t->nrows, 1.0 + ANZ_PROBE_MARGIN);
  size_t named = 0;
  for (size_t i = 0; i < t->nrows && named < ANZ_SUSPECT_ROWS_NAMED; ++i) {
    const anz_row *r = t->rows[i];
    if (!r->probe_suspect) continue;
    const char *roof = r->probe_counter && !strcmp(r->probe_counter, "flop_util") ? r->flop_roof
                       : r->probe_counter && !strcmp(r->probe_counter, "bw_util") ? r->bw_roof
                                                                                   : NULL;
    fprintf(err, "%s %s (%s): %s", named ? ";" : ":", r->name ? r->name : "?", r->file ? r->file : "?",
            r->probe_counter ? r->probe_counter : "probe_suspect");
    if (isfinite(r->probe_value)) fprintf(err, " %.3g", r->probe_value);
    if (roof) fprintf(err, " of %s", roof);
    ++named;
  }
  if (t->rows_suspect > named) fprintf(err, "; and %zu more", t->rows_suspect - named);
  fprintf(err, "\n");
}

int anz_run(const anz_options *o) {
  /* an allocation that failed anywhere (a skipped file, a plot not drawn,
   * a degraded colour map) makes the run incomplete: exit status 2 */
  unsigned long failures_before = anz_alloc_failures();
  if (mkdir_p(o->output_dir) != 0) {
    fprintf(o->err, "pal analyze: cannot use output folder %s: %s\n", o->output_dir, strerror(errno));
    return 2;
  }
  char **paths;
  size_t npaths;
  if (anz_collect_inputs(o, &paths, &npaths) != 0) {
    if (anz_alloc_failures() != failures_before) fprintf(o->err, "pal analyze: out of memory\n");
    for (size_t i = 0; i < npaths; ++i) free(paths[i]);
    free(paths);
    return 2;
  }
  anz_table t;
  int exit_status = 0;
  int lrc = anz_table_load(o, paths, npaths, &t);
  if (lrc != 0) {
    if (lrc < 0) fprintf(o->err, "pal analyze: out of memory\n");
    exit_status = 2;
    goto out_table;
  }
  size_t files_read = 0, files_skipped = 0, rows_skipped = 0;
  for (size_t i = 0; i < t.nfiles; ++i) {
    const anz_file_result *f = &t.files[i];
    if (f->own_output) continue;
    if (f->skipped) {
      ++files_skipped;
      fprintf(o->err, "pal analyze: skipped %s\n", f->reason);
      continue;
    }
    ++files_read;
    rows_skipped += f->rows_skipped;
    if (o->verbose)
      fprintf(o->out, "pal analyze: %s: %s%s%s, %zu rows, %zu skipped\n", f->path, f->format ? f->format : "?",
              f->version ? " " : "", f->version ? f->version : "", f->rows.n, f->rows_skipped);
    for (size_t j = 0; j < f->nskips && (o->verbose || j < 3); ++j)
      fprintf(o->err, "pal analyze: %s: row %s skipped: %s\n", f->path, f->skips[j].name, f->skips[j].reason);
    if (!o->verbose && f->nskips > 3)
      fprintf(o->err, "pal analyze: %s: %zu more rows skipped (--verbose lists them)\n", f->path, f->rows_skipped - 3);
  }
  if (npaths == 0) fprintf(o->err, "pal analyze: no *.json result files in the inputs\n");

  /* plots: build all and write their .gp/.dat, start the gnuplots (one per
   * core, each drawing its share of the plots in turn: see gnuplot.c), write
   * the table while they draw, then wait for all */
  anz_plot_outcome *pl = anz_calloc(anz_plotter_count, sizeof *pl);
  anz_plot_job **jobs = anz_calloc(anz_plotter_count, sizeof *jobs);
  size_t *todraw = anz_calloc(anz_plotter_count, sizeof *todraw);
  const char **names = anz_calloc(anz_plotter_count, sizeof *names);
  char **notes = anz_calloc(anz_plotter_count, sizeof *notes);
  int *ok = anz_calloc(anz_plotter_count, sizeof *ok);
  int gnuplot_missing = 0, plot_failed = 0;
  if (!pl || !jobs || !todraw || !names || !notes || !ok) {
    free(pl), free(jobs), free(todraw), free(names), free(notes), free(ok);
    fprintf(o->err, "pal analyze: out of memory\n");
    exit_status = 2;
    goto out_table;
  }
  size_t ndraw = 0;
  for (size_t i = 0; i < anz_plotter_count; ++i) {
    pl[i].plotter = anz_plotters[i];
    anz_plot_init(&pl[i].plot, anz_plotters[i]->name);
    if (anz_plotters[i]->build(&t, &pl[i].plot, pl[i].note, sizeof pl[i].note) != 0) {
      pl[i].status = ANZ_PLOT_SKIPPED;
      if (o->verbose) fprintf(o->out, "pal analyze: plot %s skipped: %s\n", anz_plotters[i]->name, pl[i].note);
    } else if (anz_plot_write_sources(&pl[i].plot, o->output_dir, pl[i].note, sizeof pl[i].note)) {
      pl[i].status = ANZ_PLOT_FAILED;
      plot_failed = 1;
    } else if (o->no_plots) {
      pl[i].status = ANZ_PLOT_SOURCES_ONLY;
    } else {
      todraw[ndraw++] = i;
    }
  }
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  size_t ngroups = ncpu < 1 ? 1 : (size_t)ncpu < ndraw ? (size_t)ncpu : ndraw;
  for (size_t g = 0; g < ngroups; ++g) { /* group g: plots g, g + ngroups, ... */
    size_t n = 0;
    for (size_t k = g; k < ndraw; k += ngroups) names[n++] = anz_plotters[todraw[k]]->name;
    char *note = pl[todraw[g]].note;
    anz_plot_start_rc src = gnuplot_missing ? ANZ_PLOT_NO_GNUPLOT
                                            : anz_plot_start(names, n, o->output_dir, o->gnuplot, &jobs[g], note,
                                                             sizeof pl[0].note);
    if (src == ANZ_PLOT_STARTED) continue;
    if (src == ANZ_PLOT_NO_GNUPLOT && !gnuplot_missing) fprintf(o->err, "pal analyze: %s\n", note);
    for (size_t k = g; k < ndraw; k += ngroups) {
      anz_plot_outcome *x = &pl[todraw[k]];
      if (src == ANZ_PLOT_NO_GNUPLOT) {
        x->status = ANZ_PLOT_SOURCES_ONLY;
        if (gnuplot_missing || k != g) snprintf(x->note, sizeof x->note, "not drawn: gnuplot is missing");
      } else {
        x->status = ANZ_PLOT_FAILED;
        plot_failed = 1;
        if (k != g) memcpy(x->note, note, sizeof x->note);
      }
    }
    gnuplot_missing |= src == ANZ_PLOT_NO_GNUPLOT;
  }
  /* the table is written while gnuplot draws */
  char why[512];
  int table_failed = 0;
  if (o->table_path) {
    if (anz_write_table_csv(&t, o->table_path, why, sizeof why) != 0) {
      fprintf(o->err, "pal analyze: %s\n", why);
      table_failed = 1;
    } else if (o->verbose) {
      fprintf(o->out, "pal analyze: table of %zu rows written to %s\n", t.nrows, o->table_path);
    }
  }
  for (size_t g = 0; g < ngroups; ++g) {
    if (!jobs[g]) continue;
    size_t n = 0;
    for (size_t k = g; k < ndraw; k += ngroups) notes[n++] = pl[todraw[k]].note;
    anz_plot_finish(jobs[g], ok, notes, sizeof pl[0].note);
    n = 0;
    for (size_t k = g; k < ndraw; k += ngroups, ++n) {
      anz_plot_outcome *x = &pl[todraw[k]];
      x->status = ok[n] ? ANZ_PLOT_DRAWN : ANZ_PLOT_FAILED;
      if (ok[n]) continue;
      plot_failed = 1;
      fprintf(o->err, "pal analyze: plot %s failed: %s\n", x->plotter->name, x->note);
    }
  }
  free(todraw), free(names), free(notes), free(ok);
  char rpath[4200];
  snprintf(rpath, sizeof rpath, "%s/results.json", o->output_dir);
  int results_failed = 0;
  if (anz_write_results(&t, pl, anz_plotter_count, rpath, why, sizeof why) != 0) {
    fprintf(o->err, "pal analyze: %s\n", why);
    results_failed = 1;
  }
  if (results_failed || table_failed) exit_status = 2;
  size_t drawn = 0, skipped_plots = 0;
  for (size_t i = 0; i < anz_plotter_count; ++i) {
    drawn += pl[i].status == ANZ_PLOT_DRAWN;
    skipped_plots += pl[i].status == ANZ_PLOT_SKIPPED;
  }
  char filtered[64] = "";
  if (o->nkernels) snprintf(filtered, sizeof filtered, ", %zu left out by --kernel", t.rows_filtered);
  fprintf(o->out,
          "pal analyze: %zu files read (%zu rows used, %zu superseded by newer runs%s), %zu files skipped, %zu rows "
          "skipped; %zu plots drawn, %zu without data; %s\n",
          files_read, t.nrows, t.rows_superseded, filtered, files_skipped, rows_skipped, drawn, skipped_plots,
          results_failed ? "results.json NOT written" : rpath);
  if (t.rows_contended)
    fprintf(o->out,
            "pal analyze: WARNING: %zu of %zu results were measured while other processes took more than "
            "%.0f%% of the CPUs (foreign_load); their times are not trustworthy (results.json: inputs.rows_contended, "
            "points' foreign_load)\n",
            t.rows_contended, t.nrows, 100 * ANZ_CONTENDED_LOAD);
  if (t.rows_suspect) anz_warn_probe_suspect(&t, o->err);
  if (t.ndropped)
    fprintf(o->err,
            "pal analyze: %zu instance%s dropped by the run's time budget (see results.json \"dropped\")\n",
            t.ndropped, t.ndropped == 1 ? " was" : "s were");
  if (anz_alloc_failures() != failures_before) {
    fprintf(o->err, "pal analyze: out of memory: %lu allocations failed; the analysis is incomplete\n",
            anz_alloc_failures() - failures_before);
    exit_status = 2;
  }
  if (exit_status == 0) {
    if (files_read == 0 || t.nrows == 0) exit_status = 1;
    if (gnuplot_missing || plot_failed) exit_status = 1;
    if (o->strict && (files_skipped || rows_skipped)) exit_status = 1;
  }
  for (size_t i = 0; i < anz_plotter_count; ++i) anz_plot_free(&pl[i].plot);
  free(pl);
  free(jobs);
out_table:
  anz_table_free(&t);
  for (size_t i = 0; i < npaths; ++i) free(paths[i]);
  free(paths);
  return exit_status;
}
