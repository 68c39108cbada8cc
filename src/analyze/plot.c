/* plot.c - plot descriptions and series grouping (see plot.h). */
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void anz_plot_init(anz_plot *p, const char *name) {
  memset(p, 0, sizeof *p);
  p->name = name;
  p->layout_rows = 1;
  p->yscale = 1.0;
  for (int i = 0; i < ANZ_MAX_PANELS; ++i) p->panel[i].logx = p->panel[i].logy = -1;
}

void anz_plot_free(anz_plot *p) {
  for (size_t i = 0; i < p->nseries; ++i) free(p->series[i].pts);
  free(p->series);
  free(p->categories);
  p->series = NULL;
  p->nseries = 0;
  p->categories = NULL;
}

static int str_eq(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

void anz_series_key_init(anz_series_key *k, const anz_row *const *rows, size_t n, const int *skip_axes,
                         int include_run) {
  memset(k, 0, sizeof *k);
  if (n == 0) return;
  for (int a = 0; a < ANZ_AX_COUNT; ++a) {
    if (a == ANZ_AX_EFFECTIVE_ITEMS) continue; /* derived from the others */
    int skip = 0;
    for (const int *s = skip_axes; s && *s >= 0; ++s) skip |= *s == a;
    if (skip) continue;
    /* unknown values do not make a dimension vary (SDPA rows have no page_size) */
    double first = NAN;
    for (size_t i = 0; i < n && !k->vary_num[a]; ++i) {
      double v = rows[i]->axis[a];
      if (isnan(v)) continue;
      if (isnan(first)) first = v;
      else if (v != first) k->vary_num[a] = 1;
    }
  }
  for (int a = 0; a < ANZ_SX_COUNT; ++a) {
    if (a == ANZ_SX_RUN && !include_run) continue;
    int skip = 0;
    for (const int *s = skip_axes; s && *s >= 0; ++s) skip |= *s == 100 + a;
    if (skip) continue;
    const char *first = NULL;
    for (size_t i = 0; i < n && !k->vary_str[a]; ++i) {
      const char *v = rows[i]->saxis[a];
      if (!v) continue;
      if (!first) first = v;
      else if (!str_eq(v, first)) k->vary_str[a] = 1;
    }
  }
}

static const char *kernel_label(anz_kernel k) { return k == ANZ_K_PAL ? "PAL" : k == ANZ_K_SDPA ? "SDPA" : NULL; }

anz_series *anz_series_for(anz_plot *p, const anz_series_key *k, const anz_row *row, const char *prefix) {
  char label[sizeof p->series[0].label];
  size_t len = 0;
  const char *kl = kernel_label(row->kernel);
  len += (size_t)snprintf(label + len, sizeof label - len, "%s%s (%s)", prefix ? prefix : "",
                          kl ? kl : (row->family ? row->family : "other"), anz_source_name(row->source));
  for (int a = 0; a < ANZ_SX_COUNT && len < sizeof label; ++a)
    if (k->vary_str[a])
      len += (size_t)snprintf(label + len, sizeof label - len, a == ANZ_SX_DTYPE ? " %s" : " %s=%s",
                              a == ANZ_SX_DTYPE ? (row->saxis[a] ? row->saxis[a] : "?") : anz_saxis_name(a),
                              row->saxis[a] ? row->saxis[a] : "?");
  for (int a = 0; a < ANZ_AX_COUNT && len < sizeof label; ++a)
    if (k->vary_num[a]) len += (size_t)snprintf(label + len, sizeof label - len, " %s=%g", anz_axis_name(a), row->axis[a]);
  int variant = 0;
  for (size_t i = 0; i < p->nseries; ++i) {
    if (!strcmp(p->series[i].label, label)) return &p->series[i];
    if (p->series[i].kernel == row->kernel && p->series[i].source == row->source) ++variant;
  }
  anz_series *v = realloc(p->series, (p->nseries + 1) * sizeof *v);
  if (!v) return NULL;
  p->series = v;
  anz_series *s = &v[p->nseries++];
  memset(s, 0, sizeof *s);
  snprintf(s->label, sizeof s->label, "%s", label);
  s->kernel = row->kernel;
  s->source = row->source;
  s->variant = variant;
  return s;
}

int anz_series_add(anz_series *s, const anz_point *pt) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    anz_point *v = realloc(s->pts, cap * sizeof *v);
    if (!v) return -1;
    s->pts = v;
    s->cap = cap;
  }
  s->pts[s->n++] = *pt;
  return 0;
}

static int point_cmp(const void *a, const void *b) {
  const anz_point *x = a, *y = b;
  if (x->x != y->x) return (x->x > y->x) - (x->x < y->x);
  /* ties (several runs): keep input order */
  return (x->row->order > y->row->order) - (x->row->order < y->row->order);
}

static int series_cmp(const void *a, const void *b) {
  const anz_series *x = a, *y = b;
  if (x->kernel != y->kernel) return (int)x->kernel - (int)y->kernel;
  if (x->source != y->source) return (int)x->source - (int)y->source;
  return strcmp(x->label, y->label);
}

void anz_plot_sort(anz_plot *p) {
  size_t w = 0;
  for (size_t i = 0; i < p->nseries; ++i) {
    if (p->series[i].n == 0) {
      free(p->series[i].pts);
      continue;
    }
    p->series[w++] = p->series[i];
  }
  p->nseries = w;
  qsort(p->series, p->nseries, sizeof *p->series, series_cmp);
  /* variants renumbered after sorting so styles are stable */
  for (size_t i = 0; i < p->nseries; ++i) {
    anz_series *s = &p->series[i];
    s->variant = 0;
    for (size_t j = 0; j < i; ++j)
      if (p->series[j].kernel == s->kernel && p->series[j].source == s->source) ++s->variant;
    if (p->kind != ANZ_PLOT_BARS) qsort(s->pts, s->n, sizeof *s->pts, point_cmp);
  }
}

const anz_row **anz_rows_of_study(const anz_table *t, anz_study study, anz_axis x, size_t *n) {
  const anz_row **v = malloc((t->nrows ? t->nrows : 1) * sizeof *v);
  *n = 0;
  if (!v) return NULL;
  for (size_t i = 0; i < t->nrows; ++i) {
    const anz_row *r = t->rows[i];
    if (r->study == study && isfinite(r->axis[x]) && r->axis[x] > 0) v[(*n)++] = r;
  }
  return v;
}

void anz_point_latency_throughput(anz_point *pt, const anz_row *r) {
  pt->y[0] = r->time_s * 1e3;
  pt->lo[0] = r->low_s * 1e3;
  pt->hi[0] = r->high_s * 1e3;
  double items = r->axis[ANZ_AX_EFFECTIVE_ITEMS];
  if (isfinite(items) && r->time_s > 0) {
    pt->y[1] = items / r->time_s;
    pt->lo[1] = r->high_s > 0 ? items / r->high_s : pt->y[1];
    pt->hi[1] = r->low_s > 0 ? items / r->low_s : pt->y[1];
  } else {
    pt->y[1] = pt->lo[1] = pt->hi[1] = r->counter[ANZ_C_ITEMS_PER_SECOND];
  }
}

int anz_build_axis_plot(const anz_table *t, anz_plot *p, anz_study study, anz_axis x, const int *skip_axes,
                        const char *what, char *why, size_t whylen) {
  size_t n;
  const anz_row **rows = anz_rows_of_study(t, study, x, &n);
  if (!rows) {
    snprintf(why, whylen, "out of memory");
    return 1;
  }
  if (n == 0) {
    free(rows);
    snprintf(why, whylen, "no rows of a %s family with a %s value", what, anz_axis_name(x));
    return 1;
  }
  int skip[ANZ_AX_COUNT + 4], ns = 0;
  skip[ns++] = (int)x;
  for (const int *s = skip_axes; s && *s >= 0 && ns < ANZ_AX_COUNT + 2; ++s) skip[ns++] = *s;
  skip[ns] = -1;
  anz_series_key key;
  anz_series_key_init(&key, rows, n, skip, 0 /* runs share a series */);
  for (size_t i = 0; i < n; ++i) {
    anz_series *s = anz_series_for(p, &key, rows[i], NULL);
    anz_point pt = {.x = rows[i]->axis[x], .row = rows[i]};
    anz_point_latency_throughput(&pt, rows[i]);
    if (!s || anz_series_add(s, &pt)) {
      free(rows);
      snprintf(why, whylen, "out of memory");
      return 1;
    }
  }
  free(rows);
  anz_plot_sort(p);
  return 0;
}

void anz_panels_latency_throughput(anz_plot *p, const char *latency_title, const char *throughput_title) {
  p->npanels = 2;
  p->panel[0].title = latency_title;
  p->panel[0].ylabel = "Latency (ms)";
  p->panel[0].metric = "latency_ms";
  p->panel[1].title = throughput_title;
  p->panel[1].ylabel = "Throughput (query vectors/s)";
  p->panel[1].metric = "throughput_items_per_sec";
}

int anz_cmp_num(double a, double b) {
  if (isnan(a) || isnan(b)) return isnan(a) - isnan(b);
  return (a > b) - (a < b);
}

int anz_cmp_str(const char *a, const char *b) {
  if (!a || !b) return (a != NULL) - (b != NULL);
  return strcmp(a, b);
}
