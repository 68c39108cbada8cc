/* results.c - results.json through jansson (correct escaping; non-finite
 * numbers become null so the file is strict JSON). */
#include "alloc.h"
#include "results.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/atomic_file.h"
#include "pal/version.h"
#include "style.h"

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* axis values are counts: 4096, not 4096.0 */
static json_t *whole_or_real(double v) {
  if (v == floor(v) && fabs(v) < 9007199254740992.0) return json_integer((json_int_t)v);
  return json_real(v);
}

/* json_object_set_new that ignores NULL values (out of memory) */
static void set(json_t *o, const char *k, json_t *v) {
  if (v) json_object_set_new(o, k, v);
}

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *plot_units(const anz_plot *p) {
  json_t *u = json_object();
  const char *xu = !strcmp(p->xkey, "seq_len")            ? "tokens"
                   : !strcmp(p->xkey, "head_dim")         ? "elements"
                   : !strcmp(p->xkey, "effective_items")  ? "query vectors per call"
                   : !strcmp(p->xkey, "arithmetic_intensity") ? "FLOP/byte"
                                                               : "index into categories";
  set(u, p->xkey, json_string(xu));
  for (int k = 0; k < p->npanels; ++k) {
    const char *m = p->panel[k].metric, *mu = "";
    if (!strcmp(m, "latency_ms")) mu = "milliseconds per call";
    else if (!strcmp(m, "throughput_items_per_sec")) mu = "query vectors per second";
    else if (!strcmp(m, "speedup")) mu = "SDPA time / PAL time";
    else if (!strcmp(m, "gflops_per_second")) mu = "GFLOP/s";
    else if (!strcmp(m, "tflops_per_second")) mu = "TFLOP/s";
    set(u, m, json_string(mu));
  }
  if (p->kind == ANZ_PLOT_SCATTER) {
    set(u, "bytes_per_second", json_string("bytes/s"));
    set(u, "bw_peak", json_string("bytes/s"));
    set(u, "peak_compute_flops", json_string("FLOP/s"));
  }
  return u;
}

static void row_fields(json_t *o, const anz_row *r) {
  set(o, "name", json_string(r->name ? r->name : ""));
  set(o, "family", str_or_null(r->family));
  set(o, "source", json_string(anz_source_name(r->source)));
  set(o, "kernel", json_string(anz_kernel_name(r->kernel)));
  if (r->kernel_name) set(o, "kernel_name", json_string(r->kernel_name));
  for (int a = 0; a < ANZ_AX_COUNT; ++a)
    if (isfinite(r->axis[a])) set(o, anz_axis_name(a), whole_or_real(r->axis[a]));
  if (r->params) set(o, "params", json_string(r->params));
  for (int a = 0; a < ANZ_SX_COUNT; ++a)
    if (r->saxis[a]) set(o, anz_saxis_name(a), json_string(r->saxis[a]));
  set(o, "statistic", json_string(r->stat_used));
  set(o, "spread", json_string(r->spread_used));
  set(o, "samples", num(r->samples));
  if (isfinite(r->counter[ANZ_C_FOREIGN_LOAD])) set(o, "foreign_load", num(r->counter[ANZ_C_FOREIGN_LOAD]));
  if (r->probe_suspect) set(o, "probe_suspect", json_true());
  set(o, "file", str_or_null(r->file));
}

/* What the series rule left out of a plot (plot.h), one sentence each. */
static json_t *left_out(const anz_plot *p) {
  json_t *a = json_array();
  for (int i = 0; i < p->nleft_out; ++i) json_array_append_new(a, json_string(p->left_out[i]));
  if (p->left_out_more) {
    char t[80];
    snprintf(t, sizeof t, "and %zu more", p->left_out_more);
    json_array_append_new(a, json_string(t));
  }
  return a;
}

/* Each series' legend label, panel row and look (style.h), so a reader of
 * results.json (or the HTML report) can match a point to what was drawn. */
static json_t *plot_series(const anz_plot *p) {
  json_t *a = json_array();
  for (size_t i = 0; i < p->nseries; ++i) {
    const anz_series *s = &p->series[i];
    json_t *o = json_object();
    set(o, "label", json_string(s->label));
    if (p->ngroups > 1) set(o, "panel_row", json_string(p->group_name[s->group]));
    set(o, "colour", json_string(anz_colour_hex(s->colour)));
    set(o, "gnuplot_dash", json_integer(s->dash));
    if (p->kind == ANZ_PLOT_BARS) set(o, "gnuplot_fill_pattern", json_integer(s->fill > 0 ? s->fill : 0));
    else set(o, "gnuplot_point", json_integer(s->point));
    set(o, "points", json_integer((json_int_t)s->n));
    json_array_append_new(a, o);
  }
  return a;
}

static json_t *plot_points(const anz_plot *p) {
  json_t *arr = json_array();
  for (size_t i = 0; i < p->nseries; ++i) {
    const anz_series *s = &p->series[i];
    for (size_t j = 0; j < s->n; ++j) {
      const anz_point *pt = &s->pts[j];
      json_t *o = json_object();
      set(o, "series", json_string(s->label));
      if (pt->row) row_fields(o, pt->row);
      if (p->kind == ANZ_PLOT_BARS) set(o, "model", json_string(p->categories[pt->category]));
      else set(o, p->xkey, isfinite(pt->x) ? whole_or_real(pt->x) : json_null());
      for (int k = 0; k < p->npanels; ++k) {
        char key[96];
        set(o, p->panel[k].metric, num(pt->y[k]));
        snprintf(key, sizeof key, "%s_low", p->panel[k].metric);
        set(o, key, num(pt->lo[k]));
        snprintf(key, sizeof key, "%s_high", p->panel[k].metric);
        set(o, key, num(pt->hi[k]));
      }
      if (pt->row2 && pt->row2->kernel != pt->row->kernel) { /* speedup: PAL row, SDPA row */
        set(o, "pal_latency_ms", num(pt->row->time_s * 1e3));
        set(o, "sdpa_latency_ms", num(pt->row2->time_s * 1e3));
        set(o, "sdpa_name", json_string(pt->row2->name ? pt->row2->name : ""));
      } else if (pt->row2) { /* one instance from two sources (binding overhead: py, cpp) */
        char key[64];
        snprintf(key, sizeof key, "%s_latency_ms", anz_source_name(pt->row->source));
        set(o, key, num(pt->row->time_s * 1e3));
        snprintf(key, sizeof key, "%s_latency_ms", anz_source_name(pt->row2->source));
        set(o, key, num(pt->row2->time_s * 1e3));
        set(o, "other_file", str_or_null(pt->row2->file));
      }
      if (p->kind == ANZ_PLOT_SCATTER && pt->row) {
        set(o, "bytes_per_second", num(pt->row->counter[ANZ_C_BYTES_PER_SECOND]));
        set(o, "bw_util", num(pt->row->counter[ANZ_C_BW_UTIL]));
        set(o, "roofline_util", num(pt->row->counter[ANZ_C_ROOFLINE_UTIL]));
        set(o, "flop_util", num(pt->row->counter[ANZ_C_FLOP_UTIL]));
        set(o, "bw_peak", num(pt->row->bw_peak));
        set(o, "bw_roof", str_or_null(pt->row->bw_roof));
        set(o, "flop_roof", str_or_null(pt->row->flop_roof));
        set(o, "flop_peak", num(pt->row->flop_peak));
        set(o, "peak_compute_flops", num(pt->row->peak_flops));
        set(o, "probe_suspect", json_boolean(pt->row->probe_suspect));
      }
      json_array_append_new(arr, o);
    }
  }
  return arr;
}

static json_t *families(const anz_table *t) {
  json_t *fam = json_object();
  for (size_t i = 0; i < t->nrows; ++i) {
    const anz_row *r = t->rows[i];
    const char *f = r->family ? r->family : "(none)";
    json_t *o = json_object_get(fam, f);
    if (!o) {
      o = json_object();
      set(o, "rows", json_integer(0));
      set(o, "sources", json_array());
      set(o, "kernels", json_array());
      set(o, "latency_ms_min", json_null());
      set(o, "latency_ms_max", json_null());
      json_object_set_new(fam, f, o);
    }
    json_object_set_new(o, "rows", json_integer(json_integer_value(json_object_get(o, "rows")) + 1));
    const char *names[2] = {anz_source_name(r->source), anz_kernel_name(r->kernel)};
    const char *keys[2] = {"sources", "kernels"};
    for (int k = 0; k < 2; ++k) {
      json_t *a = json_object_get(o, keys[k]);
      int found = 0;
      for (size_t j = 0; j < json_array_size(a); ++j)
        found |= !strcmp(json_string_value(json_array_get(a, j)), names[k]);
      if (!found) json_array_append_new(a, json_string(names[k]));
    }
    double ms = r->time_s * 1e3;
    json_t *lo = json_object_get(o, "latency_ms_min"), *hi = json_object_get(o, "latency_ms_max");
    if (json_is_null(lo) || ms < json_real_value(lo)) json_object_set_new(o, "latency_ms_min", json_real(ms));
    if (json_is_null(hi) || ms > json_real_value(hi)) json_object_set_new(o, "latency_ms_max", json_real(ms));
  }
  return fam;
}

/* Every kept row above its probed roof (table.h, ANZ_PROBE_MARGIN). */
static json_t *probe_suspect(const anz_table *t) {
  json_t *o = json_object(), *rows = json_array();
  set(o, "count", json_integer((json_int_t)t->rows_suspect));
  set(o, "margin", json_real(ANZ_PROBE_MARGIN));
  set(o, "meaning",
      json_string("bw_util or flop_util above 1 + margin: the rate beats the probed peak, so the probe under-read "
                  "the machine and the utilisations of these rows are not measurements"));
  for (size_t i = 0; i < t->nrows; ++i) {
    const anz_row *r = t->rows[i];
    if (!r->probe_suspect) continue;
    json_t *x = json_object();
    const char *c = r->probe_counter;
    int is_bw = c && !strcmp(c, "bw_util"), is_flop = c && !strcmp(c, "flop_util");
    set(x, "name", json_string(r->name ? r->name : ""));
    set(x, "file", str_or_null(r->file));
    set(x, "machine", str_or_null(r->saxis[ANZ_SX_MACHINE]));
    set(x, "source", json_string(anz_source_name(r->source)));
    set(x, "kernel", json_string(anz_kernel_name(r->kernel)));
    set(x, "counter", str_or_null(c));
    set(x, "value", num(r->probe_value));
    set(x, "roof", str_or_null(is_bw ? r->bw_roof : is_flop ? r->flop_roof : NULL));
    set(x, "peak", num(is_bw ? r->bw_peak : is_flop ? r->flop_peak : NAN));
    set(x, "flagged_by", json_string(r->probe_suspect_from_file ? "file" : "pal analyze"));
    json_array_append_new(rows, x);
  }
  set(o, "rows", rows);
  return o;
}

/* Instances the runs' time budgets dropped (pal bench --budget), and the budgets. */
static json_t *dropped(const anz_table *t) {
  json_t *o = json_object(), *list = json_array();
  set(o, "count", json_integer((json_int_t)t->ndropped));
  for (size_t i = 0; i < t->nfiles; ++i) {
    const anz_file_result *f = &t->files[i];
    for (size_t j = 0; j < f->ndropped; ++j) {
      const anz_dropped *d = &f->dropped[j];
      if (d->duplicate) continue;
      json_t *x = json_object();
      set(x, "name", json_string(d->name));
      set(x, "reason", str_or_null(d->reason));
      set(x, "file", json_string(f->path));
      if (isfinite(d->est_call_s)) set(x, "est_call_s", json_real(d->est_call_s));
      json_array_append_new(list, x);
    }
  }
  set(o, "instances", list);
  return o;
}

/* NULL when no file records a budget. */
static json_t *budget(const anz_table *t) {
  size_t k = 0;
  json_t *values = json_array();
  for (size_t i = 0; i < t->nfiles; ++i) {
    const anz_file_result *f = &t->files[i];
    if (f->skipped || !f->has_budget) continue;
    size_t p;
    for (p = 0; p < i && strcmp(t->files[p].path, f->path); ++p) {}
    if (p < i) continue; /* the same file given twice */
    ++k;
    size_t j;
    for (j = 0; j < json_array_size(values); ++j)
      if (json_number_value(json_array_get(values, j)) == f->budget_s) break;
    if (j == json_array_size(values)) json_array_append_new(values, json_real(f->budget_s));
  }
  if (!k) {
    json_decref(values);
    return NULL;
  }
  json_t *o = json_object();
  set(o, "files_with_budget", json_integer((json_int_t)k));
  set(o, "budget_s", values);
  return o;
}

static json_t *inputs(const anz_table *t) {
  json_t *in = json_object();
  json_t *read = json_array(), *skipped = json_array();
  size_t rows_taken = 0, rows_skipped = 0, nread = 0;
  for (size_t i = 0; i < t->nfiles; ++i) {
    const anz_file_result *f = &t->files[i];
    if (f->skipped) {
      if (f->own_output) continue;
      json_t *o = json_object();
      set(o, "path", json_string(f->path));
      set(o, "reason", json_string(f->reason));
      json_array_append_new(skipped, o);
      continue;
    }
    ++nread;
    json_t *o = json_object();
    set(o, "path", json_string(f->path));
    set(o, "format", str_or_null(f->format));
    set(o, "version", str_or_null(f->version));
    set(o, "rows_taken", json_integer((json_int_t)f->rows.n));
    set(o, "rows_skipped", json_integer((json_int_t)f->rows_skipped));
    if (f->nskips) {
      json_t *sk = json_array();
      for (size_t j = 0; j < f->nskips; ++j) {
        json_t *s = json_object();
        set(s, "name", json_string(f->skips[j].name));
        set(s, "reason", json_string(f->skips[j].reason));
        json_array_append_new(sk, s);
      }
      set(o, "skipped_rows", sk);
    }
    rows_taken += f->rows.n;
    rows_skipped += f->rows_skipped;
    json_array_append_new(read, o);
  }
  set(in, "files_read", json_integer((json_int_t)nread));
  set(in, "files_skipped", json_integer((json_int_t)json_array_size(skipped)));
  set(in, "rows_taken", json_integer((json_int_t)rows_taken));
  set(in, "rows_skipped", json_integer((json_int_t)rows_skipped));
  set(in, "rows_superseded", json_integer((json_int_t)t->rows_superseded));
  set(in, "rows_used", json_integer((json_int_t)t->nrows));
  set(in, "rows_contended", json_integer((json_int_t)t->rows_contended));
  set(in, "rows_probe_suspect", json_integer((json_int_t)t->rows_suspect));
  set(in, "files", read);
  set(in, "skipped", skipped);
  return in;
}

static json_t *build(const anz_table *t, const anz_plot_outcome *plots, size_t nplots);

/* jansson allocates through the analyzer's allocator while results.json is
 * built and written (json_set_alloc_funcs is process-wide: the previous
 * functions are put back). A json_* call that could not allocate returns
 * NULL into calls that take NULL, so failures are counted, not seen. */
int anz_write_results(const anz_table *t, const anz_plot_outcome *plots, size_t nplots, const char *path,
                      char *why, size_t whylen) {
  json_malloc_t old_malloc;
  json_free_t old_free;
  json_get_alloc_funcs(&old_malloc, &old_free);
  json_set_alloc_funcs(anz_malloc, free);
  unsigned long failures = anz_alloc_failures();
  json_t *root = build(t, plots, nplots);
  char *text = root && anz_alloc_failures() == failures
                   ? json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(10) | JSON_PRESERVE_ORDER)
                   : NULL;
  json_decref(root);
  json_set_alloc_funcs(old_malloc, old_free);
  if (!text) {
    snprintf(why, whylen, "out of memory building results.json; not written");
    return -1;
  }
  size_t len = strlen(text);
  char *nl = anz_realloc(text, len + 2);
  if (!nl) {
    free(text);
    snprintf(why, whylen, "out of memory writing results.json; not written");
    return -1;
  }
  text = nl;
  text[len++] = '\n';
  int rc = write_file_atomic(path, text, len);
  if (rc) snprintf(why, whylen, "cannot write %s: %s", path, strerror(errno));
  free(text);
  return rc;
}

static json_t *build(const anz_table *t, const anz_plot_outcome *plots, size_t nplots) {
  json_t *root = json_object();
  set(root, "tool", json_string("pal analyze"));
  set(root, "version", json_string(PAL_VERSION_STRING));
  char ts[32];
  time_t now = time(NULL);
  struct tm tmv;
  gmtime_r(&now, &tmv);
  strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tmv);
  set(root, "generated_at", json_string(ts));
  set(root, "statistic", json_string(anz_stat_name(t->opts->stat)));
  set(root, "all_runs", json_boolean(t->opts->all_runs));
  json_t *kf = t->opts->nkernels ? json_array() : json_null(); /* --kernel names as given; null: every kernel */
  for (size_t i = 0; kf && i < t->opts->nkernels; ++i) json_array_append_new(kf, json_string(t->opts->kernels[i]));
  set(root, "kernel_filter", kf);
  set(root, "probe_suspect", probe_suspect(t));
  set(root, "dropped", dropped(t));
  json_t *b = budget(t);
  if (b) set(root, "budget", b);

  json_t *sm = json_object();
  set(sm, "rows", json_integer((json_int_t)t->nrows));
  json_t *sources = json_array(), *kernels = json_array();
  int seen_s[ANZ_SRC_COUNT] = {0}, seen_k[ANZ_K_COUNT] = {0};
  for (size_t i = 0; i < t->nrows; ++i) seen_s[t->rows[i]->source] = seen_k[t->rows[i]->kernel] = 1;
  for (int s = 0; s < ANZ_SRC_COUNT; ++s)
    if (seen_s[s]) json_array_append_new(sources, json_string(anz_source_name((anz_source)s)));
  for (int k = 0; k < ANZ_K_COUNT; ++k)
    if (seen_k[k]) json_array_append_new(kernels, json_string(anz_kernel_name((anz_kernel)k)));
  set(sm, "sources", sources);
  set(sm, "kernels", kernels);
  set(sm, "families", families(t));
  json_t *pf = json_object(), *pinfo = json_object();
  for (size_t i = 0; i < nplots; ++i) {
    const anz_plot_outcome *o = &plots[i];
    const char *name = o->plotter->name;
    json_t *info = json_object();
    static const char *const st[] = {"drawn", "skipped", "failed", "sources_only"};
    set(info, "status", json_string(st[o->status]));
    set(info, "description", json_string(o->plotter->description));
    set(info, "needs", json_string(o->plotter->needs));
    if (o->note[0]) set(info, "note", json_string(o->note));
    if (o->plot.nleft_out > 0) set(info, "left_out", left_out(&o->plot));
    if (o->status != ANZ_PLOT_SKIPPED) {
      char f[200];
      const char *exts[] = {"png", "svg", "gp", "dat"};
      json_t *files = json_object();
      for (int e = 0; e < 4; ++e) {
        if (o->status != ANZ_PLOT_DRAWN && e < 2) continue;
        snprintf(f, sizeof f, "%s.%s", name, exts[e]);
        set(files, exts[e], json_string(f));
      }
      set(info, "files", files);
      if (o->status == ANZ_PLOT_DRAWN) {
        snprintf(f, sizeof f, "%s.png", name);
        set(pf, name, json_string(f));
      }
      json_t *data = json_object();
      set(data, "title", json_string(o->plot.title));
      set(data, "x", json_string(o->plot.xkey));
      set(data, "units", plot_units(&o->plot));
      if (o->plot.kind == ANZ_PLOT_SCATTER) {
        json_t *ce = json_array();
        for (int c = 0; c < o->plot.nceilings; ++c) {
          json_t *x = json_object();
          const anz_ceiling *c0 = &o->plot.ceiling[c];
          set(x, "machine", str_or_null(c0->machine));
          set(x, "bw_roof", str_or_null(c0->bw_roof));
          set(x, "bw_peak", num(c0->bw));
          set(x, "flop_roof", str_or_null(c0->flop_roof));
          set(x, "peak_compute_flops", num(c0->flops));
          set(x, "points", json_integer((json_int_t)c0->npoints));
          json_array_append_new(ce, x);
        }
        set(data, "machines", ce);
        set(data, "points_probe_suspect", json_integer((json_int_t)o->plot.npoints_suspect));
        if (o->plot.note[0]) set(data, "annotation", json_string(o->plot.note));
      }
      if (o->plot.ngroups > 1) {
        json_t *g = json_array();
        for (int k = 0; k < o->plot.ngroups; ++k) json_array_append_new(g, json_string(o->plot.group_name[k]));
        set(data, "panel_rows", g);
      }
      set(data, "series", plot_series(&o->plot));
      set(data, "points", plot_points(&o->plot));
      set(sm, name, data);
    }
    set(pinfo, name, info);
  }
  set(root, "summary_metrics", sm);
  set(root, "plot_files", pf);
  set(root, "plots", pinfo);
  set(root, "inputs", inputs(t));
  return root;
}
