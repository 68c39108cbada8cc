/* plot.c - plot descriptions, series grouping and the series rule (see
 * plot.h and docs/ANALYZE.md, "What a series is"). */
#include "alloc.h"
#include "plot.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "style.h"

void anz_plot_init(anz_plot *p, const char *name) {
  memset(p, 0, sizeof *p);
  p->name = name;
  p->yscale = 1.0;
  p->ngroups = 1;
  for (int i = 0; i < ANZ_MAX_PANELS; ++i) p->panel[i].logx = p->panel[i].logy = -1;
}

void anz_plot_free(anz_plot *p) {
  for (size_t i = 0; i < p->nseries; ++i) free(p->series[i].pts);
  free(p->series);
  free(p->categories);
  for (int g = 0; g < ANZ_MAX_GROUPS; ++g) free(p->group_cats[g]), p->group_cats[g] = NULL;
  p->series = NULL;
  p->nseries = 0;
  p->categories = NULL;
}

void anz_plot_left_out(anz_plot *p, const char *fmt, ...) {
  if (p->nleft_out >= ANZ_MAX_LEFT_OUT) {
    ++p->left_out_more;
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->left_out[p->nleft_out++], sizeof p->left_out[0], fmt, ap);
  va_end(ap);
}

static int str_eq(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

/* ---------------------------------------------------------------- params
 * "tokens=64/threads=0": parameters the analyzer has no axis for. */

/* The value of key in params (length in *len), or NULL. */
static const char *param_value(const char *params, const char *key, size_t *len) {
  size_t kl = strlen(key);
  for (const char *p = params; p && *p;) {
    const char *end = strchr(p, '/');
    size_t seg = end ? (size_t)(end - p) : strlen(p);
    if (seg > kl && !strncmp(p, key, kl) && p[kl] == '=') {
      *len = seg - kl - 1;
      return p + kl + 1;
    }
    p = end ? end + 1 : NULL;
  }
  return NULL;
}

static int param_differs(const char *a, const char *b, const char *key) {
  size_t la = 0, lb = 0;
  const char *va = param_value(a, key, &la), *vb = param_value(b, key, &lb);
  if (!va || !vb) return 0; /* unknown values do not make a dimension vary (as for axes) */
  return la != lb || strncmp(va, vb, la);
}

/* Adds to k the keys of rows' params whose values differ among the rows. */
static void params_vary(anz_series_key *k, const anz_row *const *rows, size_t n) {
  const char *first = NULL;
  for (size_t i = 0; i < n; ++i) {
    const char *ps = rows[i]->params;
    if (!ps) continue;
    if (!first) {
      first = ps;
      continue;
    }
    if (str_eq(first, ps)) continue;
    /* every key of either side */
    const char *sides[2] = {first, ps};
    for (int s = 0; s < 2; ++s)
      for (const char *p = sides[s]; p && *p;) {
        const char *end = strchr(p, '/'), *eq = strchr(p, '=');
        size_t seg = end ? (size_t)(end - p) : strlen(p);
        if (eq && (size_t)(eq - p) < seg && (size_t)(eq - p) < sizeof k->param_key[0]) {
          char key[sizeof k->param_key[0]];
          snprintf(key, sizeof key, "%.*s", (int)(eq - p), p);
          int known = 0;
          for (int j = 0; j < k->vary_params; ++j) known |= !strcmp(k->param_key[j], key);
          if (!known && k->vary_params < ANZ_MAX_PARAM_KEYS && param_differs(first, ps, key))
            snprintf(k->param_key[k->vary_params++], sizeof k->param_key[0], "%s", key);
        }
        p = end ? end + 1 : NULL;
      }
  }
}

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
  int skip_params = 0;
  for (const int *s = skip_axes; s && *s >= 0; ++s) skip_params |= *s == ANZ_SKIP_PARAMS;
  if (!skip_params) params_vary(k, rows, n);
}

/* ---------------------------------------------------------------- params tied to x */
typedef struct tie {
  const char *family;
  double x;
  const char *v; /* the parameter's value (NULL: absent) */
  size_t vl;
} tie;

static int tie_vcmp(const tie *a, const tie *b) {
  if (!a->v || !b->v) return (a->v != NULL) - (b->v != NULL);
  size_t l = a->vl < b->vl ? a->vl : b->vl;
  int c = strncmp(a->v, b->v, l);
  return c ? c : (a->vl > b->vl) - (a->vl < b->vl);
}

static int tie_by_x(const void *pa, const void *pb) {
  const tie *a = pa, *b = pb;
  int c = anz_cmp_str(a->family, b->family);
  if (!c) c = anz_cmp_num(a->x, b->x);
  return c ? c : tie_vcmp(a, b);
}

static int tie_by_value(const void *pa, const void *pb) {
  const tie *a = pa, *b = pb;
  int c = anz_cmp_str(a->family, b->family);
  if (!c) c = tie_vcmp(a, b);
  return c ? c : anz_cmp_num(a->x, b->x);
}

void anz_series_key_untie(anz_series_key *k, const anz_row *const *rows, const double *xs, size_t n) {
  tie *t = anz_malloc((n ? n : 1) * sizeof *t);
  if (!t) return;
  for (int j = 0; j < k->vary_params;) {
    size_t m = 0; /* rows without the parameter do not count (as for varying) */
    for (size_t i = 0; i < n; ++i) {
      t[m] = (tie){.family = rows[i]->family, .x = xs[i]};
      t[m].v = param_value(rows[i]->params, k->param_key[j], &t[m].vl);
      m += t[m].v != NULL;
    }
    /* tied: within every family, one value per x and one x per value */
    int tied = 1;
    qsort(t, m, sizeof *t, tie_by_x);
    for (size_t i = 1; i < m && tied; ++i)
      tied = !(str_eq(t[i].family, t[i - 1].family) && t[i].x == t[i - 1].x && tie_vcmp(&t[i], &t[i - 1]));
    qsort(t, m, sizeof *t, tie_by_value);
    for (size_t i = 1; i < m && tied; ++i)
      tied = !(str_eq(t[i].family, t[i - 1].family) && !tie_vcmp(&t[i], &t[i - 1]) && t[i].x != t[i - 1].x);
    if (tied) { /* another name for x (a pytest case number): no series dimension */
      memmove(k->param_key[j], k->param_key[j + 1], (size_t)(k->vary_params - j - 1) * sizeof k->param_key[0]);
      --k->vary_params;
    } else {
      ++j;
    }
  }
  free(t);
}

void anz_series_key_untie_axis(anz_series_key *k, const anz_row *const *rows, size_t n, anz_axis x) {
  double *xs = anz_malloc((n ? n : 1) * sizeof *xs);
  if (!xs) return; /* out of memory: the parameter stays a dimension, the plot only gets more series */
  for (size_t i = 0; i < n; ++i) xs[i] = rows[i]->axis[x];
  anz_series_key_untie(k, rows, xs, n);
  free(xs);
}

static int group_cmp(const void *a, const void *b) {
  return anz_cmp_str(*(const char *const *)a, *(const char *const *)b);
}

void anz_plot_split_ops(anz_plot *p, const anz_row *const *rows, size_t n) {
  p->ngroups = 1;
  p->group_name[0] = NULL;
  int ng = 0, unknown = 0;
  const char *names[ANZ_MAX_GROUPS + 1];
  for (size_t i = 0; i < n; ++i) {
    const char *op = rows[i]->saxis[ANZ_SX_OP];
    if (!op) { /* an unknown op makes no panel row of its own unless known ones differ */
      unknown = 1;
      continue;
    }
    int k = 0;
    while (k < ng && !str_eq(names[k], op)) ++k;
    if (k == ng && ng <= ANZ_MAX_GROUPS) names[ng++] = op;
  }
  if (ng < 2) return;
  if (unknown && ng < ANZ_MAX_GROUPS) names[ng++] = NULL; /* sorts last: "op unknown" */
  if (ng > ANZ_MAX_GROUPS) ng = ANZ_MAX_GROUPS; /* the rest share the last row (its title says "and others") */
  qsort(names, (size_t)ng, sizeof names[0], group_cmp);
  for (int g = 0; g < ng; ++g) p->group_name[g] = names[g] ? names[g] : "op unknown";
  p->ngroups = ng;
}

static int group_of(const anz_plot *p, const anz_row *row) {
  if (p->ngroups < 2) return 0;
  const char *op = row->saxis[ANZ_SX_OP] ? row->saxis[ANZ_SX_OP] : "op unknown";
  for (int g = 0; g < p->ngroups; ++g)
    if (str_eq(p->group_name[g], op)) return g;
  return p->ngroups - 1;
}

static const char *kernel_label(anz_kernel k) { return k == ANZ_K_PAL ? "PAL" : k == ANZ_K_SDPA ? "SDPA" : NULL; }

anz_series *anz_series_for(anz_plot *p, const anz_series_key *k, const anz_row *row, const char *prefix) {
  char label[sizeof p->series[0].label];
  size_t len = 0;
  const char *kl = kernel_label(row->kernel);
#define ADD(...)                                                                       \
  do {                                                                                 \
    if (len < sizeof label) len += (size_t)snprintf(label + len, sizeof label - len, __VA_ARGS__); \
  } while (0)
  ADD("%s%s (%s)", prefix ? prefix : "", kl ? kl : (row->family ? row->family : "other"),
      anz_source_name(row->source));
  if (k->vary_family && kl) ADD(" %s", row->family ? row->family : "?");
  for (int a = 0; a < ANZ_SX_COUNT; ++a) {
    if (!k->vary_str[a]) continue; /* the op too: the legend is shared by the panel rows */
    const char *v = row->saxis[a] ? row->saxis[a] : "?";
    if (a == ANZ_SX_DTYPE || a == ANZ_SX_OP) ADD(" %s", v); /* "fp16 decode": the values say what they are */
    else ADD(" %s=%s", anz_saxis_name(a), v);
  }
  for (int a = 0; a < ANZ_AX_COUNT; ++a)
    if (k->vary_num[a]) ADD(" %s=%g", anz_axis_name(a), row->axis[a]);
  for (int j = 0; j < k->vary_params; ++j) {
    size_t vl = 0;
    const char *v = param_value(row->params, k->param_key[j], &vl);
    if (v) ADD(" %s=%.*s", k->param_key[j], (int)vl, v);
  }
#undef ADD
  int group = group_of(p, row);
  for (size_t i = 0; i < p->nseries; ++i)
    if (p->series[i].group == group && !strcmp(p->series[i].label, label)) return &p->series[i];
  anz_series *v = anz_realloc(p->series, (p->nseries + 1) * sizeof *v);
  if (!v) return NULL;
  p->series = v;
  anz_series *s = &v[p->nseries++];
  memset(s, 0, sizeof *s);
  snprintf(s->label, sizeof s->label, "%s", label);
  s->kernel = row->kernel;
  s->source = row->source;
  s->group = group;
  s->colour = row->colour;
  return s;
}

int anz_series_add(anz_series *s, const anz_point *pt) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    anz_point *v = anz_realloc(s->pts, cap * sizeof *v);
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
  /* ties: the newest run first, then input order */
  double ex = x->row->run_epoch, ey = y->row->run_epoch;
  if (isfinite(ex) && isfinite(ey) && ex != ey) return (ex < ey) - (ex > ey);
  return (x->row->order > y->row->order) - (x->row->order < y->row->order);
}

static int series_cmp(const void *a, const void *b) {
  const anz_series *x = a, *y = b;
  if (x->group != y->group) return x->group - y->group;
  if (x->kernel != y->kernel) return (int)x->kernel - (int)y->kernel;
  if (x->source != y->source) return (int)x->source - (int)y->source;
  return strcmp(x->label, y->label);
}

/* One point per x: the first after point_cmp (the newest run) stays. */
static void keep_one_per_x(anz_plot *p, anz_series *s) {
  size_t w = 0, dropped = 0;
  const anz_point *kept = NULL, *lost = NULL;
  for (size_t j = 0; j < s->n; ++j) {
    if (w > 0 && s->pts[w - 1].x == s->pts[j].x) {
      if (!dropped) kept = &s->pts[w - 1], lost = &s->pts[j];
      ++dropped;
      continue;
    }
    s->pts[w++] = s->pts[j];
  }
  if (dropped)
    anz_plot_left_out(p,
                      "%zu row%s of series \"%s\" not drawn: another row of it has the same %s and they differ "
                      "on nothing the analyzer reads (kept %s, left out %s); --all-runs draws each run",
                      dropped, dropped == 1 ? "" : "s", s->label, p->xkey ? p->xkey : "x",
                      kept && kept->row->name ? kept->row->name : "?", lost && lost->row->name ? lost->row->name : "?");
  s->n = w;
}

static int size_cmp(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return (x > y) - (x < y);
}

/* Bars: each group shows only the categories it has, in category order, and
 * a point's x is its slot in its group. */
static int lay_out_categories(anz_plot *p) {
  for (int g = 0; g < p->ngroups; ++g) {
    size_t n = 0;
    for (size_t i = 0; i < p->nseries; ++i) n += p->series[i].group == g ? p->series[i].n : 0;
    size_t *cats = anz_malloc((n ? n : 1) * sizeof *cats);
    if (!cats) return -1;
    size_t k = 0;
    for (size_t i = 0; i < p->nseries; ++i)
      for (size_t j = 0; j < p->series[i].n && p->series[i].group == g; ++j) cats[k++] = p->series[i].pts[j].category;
    qsort(cats, k, sizeof *cats, size_cmp);
    size_t w = 0;
    for (size_t j = 0; j < k; ++j)
      if (w == 0 || cats[w - 1] != cats[j]) cats[w++] = cats[j];
    free(p->group_cats[g]);
    p->group_cats[g] = cats;
    p->group_ncats[g] = w;
    for (size_t i = 0; i < p->nseries; ++i)
      for (size_t j = 0; j < p->series[i].n && p->series[i].group == g; ++j) {
        anz_point *pt = &p->series[i].pts[j];
        size_t *hit = bsearch(&pt->category, cats, w, sizeof *cats, size_cmp);
        pt->x = hit ? (double)(hit - cats) : 0;
      }
  }
  return 0;
}

/* Looks: colour from the row's (kernel, op, dtype), dash + marker (bars:
 * fill) from the source; a series that would look like an earlier one gets
 * the next free marker (then dash), so no two series of a plot look alike. */
static const int point_types[] = {7, 9, 13, 5, 11, 15, 6, 8, 12, 4, 10, 14, 1, 2, 3};
#define NPOINT_TYPES ((int)(sizeof point_types / sizeof point_types[0]))
static const int fill_patterns[] = {0 /* solid */, 4, 5, 6, 7, 1, 2, 3};
#define NFILLS ((int)(sizeof fill_patterns / sizeof fill_patterns[0]))

static int looks_taken(const anz_plot *p, size_t upto, const anz_series *s) {
  for (size_t i = 0; i < upto; ++i) {
    const anz_series *o = &p->series[i];
    if (o->colour % ANZ_PALETTE_SIZE == s->colour % ANZ_PALETTE_SIZE && o->dash == s->dash &&
        o->point == s->point && o->fill == s->fill)
      return 1;
  }
  return 0;
}

static void assign_looks(anz_plot *p) {
  for (size_t i = 0; i < p->nseries; ++i) {
    anz_series *s = &p->series[i];
    int bars = p->kind == ANZ_PLOT_BARS; /* a bar's look is its colour and fill alone */
    s->dash = bars ? 0 : anz_source_dash(s->source);
    s->point = bars ? 0 : anz_source_point(s->source);
    s->fill = bars ? (s->source == ANZ_SRC_CPP ? 0 : s->source == ANZ_SRC_PY ? 4 : 5) : -1;
    if (!looks_taken(p, i, s)) continue;
    int done = 0;
    for (int f = 0; bars && f < NFILLS && !done; ++f) {
      s->fill = fill_patterns[f];
      done = !looks_taken(p, i, s);
    }
    for (int d = 0; d < 6 && !done; ++d) {
      s->dash = d == 0 ? anz_source_dash(s->source) : 3 + d;
      for (int t = 0; t < NPOINT_TYPES && !done; ++t) {
        s->point = point_types[t];
        done = !looks_taken(p, i, s);
      }
    }
  }
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
  if (p->nseries > ANZ_MAX_SERIES_PER_PLOT) { /* plotters without the family rule (bars, ratios) */
    size_t dropped = 0;
    for (size_t i = ANZ_MAX_SERIES_PER_PLOT; i < p->nseries; ++i) dropped += p->series[i].n, free(p->series[i].pts);
    anz_plot_left_out(p, "%zu series (%zu points) not drawn on %s: a plot shows at most %d series; from \"%s\" on",
                      p->nseries - ANZ_MAX_SERIES_PER_PLOT, dropped, p->name, ANZ_MAX_SERIES_PER_PLOT,
                      p->series[ANZ_MAX_SERIES_PER_PLOT].label);
    p->nseries = ANZ_MAX_SERIES_PER_PLOT;
  }
  for (size_t i = 0; i < p->nseries; ++i) {
    anz_series *s = &p->series[i];
    if (p->kind == ANZ_PLOT_BARS) {
      for (size_t j = 0; j < s->n; ++j) s->pts[j].x = (double)s->pts[j].category;
    }
    qsort(s->pts, s->n, sizeof *s->pts, point_cmp);
    if (p->kind != ANZ_PLOT_SCATTER) keep_one_per_x(p, s); /* a scatter's points may share an x */
  }
  if (p->kind == ANZ_PLOT_BARS && lay_out_categories(p) != 0) {
    /* out of memory: bars at their global category index */
    for (int g = 0; g < p->ngroups; ++g) p->group_ncats[g] = 0;
  }
  assign_looks(p);
}

const anz_row **anz_rows_of_study(const anz_table *t, anz_study study, anz_axis x, size_t *n) {
  const anz_row **v = anz_malloc((t->nrows ? t->nrows : 1) * sizeof *v);
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

/* ---------------------------------------------------------------- the series rule */

static int family_cmp(const void *a, const void *b) {
  const anz_row *x = *(const anz_row *const *)a, *y = *(const anz_row *const *)b;
  int c = anz_cmp_str(x->family, y->family);
  if (!c) c = (int)x->source - (int)y->source;
  if (!c) c = (int)x->kernel - (int)y->kernel;
  return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int same_family(const anz_row *x, const anz_row *y) {
  return str_eq(x->family, y->family) && x->source == y->source && x->kernel == y->kernel;
}

/* "tokens, batch": what varies among a family's rows besides x. */
static void describe_variation(const anz_row *const *rows, size_t n, anz_axis x, int include_run, char *out,
                               size_t cap) {
  int skip[2] = {(int)x, -1};
  anz_series_key k;
  anz_series_key_init(&k, rows, n, skip, include_run);
  size_t len = 0;
  out[0] = '\0';
#define ADD(name) \
  if (len < cap) len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? ", " : "", name)
  for (int a = 0; a < ANZ_SX_COUNT; ++a)
    if (k.vary_str[a]) ADD(anz_saxis_name(a));
  for (int a = 0; a < ANZ_AX_COUNT; ++a)
    if (k.vary_num[a]) ADD(anz_axis_name(a));
  for (int j = 0; j < k.vary_params; ++j) ADD(k.param_key[j]);
#undef ADD
  if (!out[0]) snprintf(out, cap, "nothing the analyzer reads");
}

/* An empty plot with p's panel rows, to try series out on. */
static void scratch_plot_like(const anz_plot *p, anz_plot *tmp) {
  anz_plot_init(tmp, p->name);
  tmp->ngroups = p->ngroups;
  memcpy(tmp->group_name, p->group_name, sizeof tmp->group_name);
}

/* Distinct labels the rows would get under key k. */
static size_t count_series(anz_plot *p, const anz_series_key *k, const anz_row *const *rows, size_t n) {
  anz_plot tmp;
  scratch_plot_like(p, &tmp);
  for (size_t i = 0; i < n; ++i)
    if (!anz_series_for(&tmp, k, rows[i], NULL)) break;
  size_t ns = tmp.nseries;
  anz_plot_free(&tmp);
  return ns;
}

/* Leaves out of rows (in place) the families that cannot be drawn along x:
 * those whose rows all share one x value (they do not sweep it), and those
 * that would add more than ANZ_MAX_SERIES_PER_FAMILY series. */
static size_t apply_series_rule(anz_plot *p, const anz_row **rows, size_t n, anz_axis x, const int *skip,
                                int include_run) {
  qsort(rows, n, sizeof *rows, family_cmp);
  anz_series_key key;
  anz_series_key_init(&key, rows, n, skip, include_run);
  anz_series_key_untie_axis(&key, rows, n, x);
  size_t w = 0, total = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && same_family(rows[i], rows[j])) ++j;
    const anz_row *const *fam = rows + i;
    size_t nf = j - i;
    const char *fname = rows[i]->family ? rows[i]->family : "(no family)";
    int varies = nf == 1; /* a lone row is a point, not a vertical line */
    for (size_t r = 1; r < nf && !varies; ++r) varies = fam[r]->axis[x] != fam[0]->axis[x];
    char what[160];
    size_t ns = 0;
    if (!varies) {
      describe_variation(fam, nf, x, include_run, what, sizeof what);
      anz_plot_left_out(p, "family %s (%s) not drawn on %s: all its rows have %s=%g (it varies on %s)", fname,
                        anz_source_name(rows[i]->source), p->name, anz_axis_name(x), fam[0]->axis[x], what);
    } else if ((ns = count_series(p, &key, fam, nf)) > ANZ_MAX_SERIES_PER_FAMILY) {
      describe_variation(fam, nf, x, include_run, what, sizeof what);
      anz_plot_left_out(p, "family %s (%s) not drawn on %s: it varies on %s besides %s (%zu series; at most %d)",
                        fname, anz_source_name(rows[i]->source), p->name, what, anz_axis_name(x), ns,
                        ANZ_MAX_SERIES_PER_FAMILY);
    } else if (total + ns > ANZ_MAX_SERIES_PER_PLOT) {
      anz_plot_left_out(p, "family %s (%s) not drawn on %s: the plot already has %zu series (at most %d)", fname,
                        anz_source_name(rows[i]->source), p->name, total, ANZ_MAX_SERIES_PER_PLOT);
    } else {
      total += ns;
      for (size_t r = i; r < j; ++r) rows[w++] = rows[r];
    }
    i = j;
  }
  return w;
}

static int order_cmp(const void *a, const void *b) {
  const anz_row *x = *(const anz_row *const *)a, *y = *(const anz_row *const *)b;
  return (x->order > y->order) - (x->order < y->order);
}

/* Two families that would share a series (same label, same x) are told apart
 * by family name instead. */
static int families_collide(anz_plot *p, const anz_series_key *k, const anz_row *const *rows, size_t n, anz_axis x) {
  anz_plot tmp;
  scratch_plot_like(p, &tmp);
  int collide = 0;
  for (size_t i = 0; i < n && !collide; ++i) {
    anz_series *s = anz_series_for(&tmp, k, rows[i], NULL);
    if (!s) break;
    for (size_t j = 0; j < s->n && !collide; ++j)
      collide = s->pts[j].x == rows[i]->axis[x] && !str_eq(s->pts[j].row->family, rows[i]->family);
    anz_point pt = {.x = rows[i]->axis[x], .row = rows[i]};
    if (anz_series_add(s, &pt)) break;
  }
  anz_plot_free(&tmp);
  return collide;
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
  int include_run = t->opts && t->opts->all_runs; /* each run its own series */
  anz_plot_split_ops(p, rows, n);
  n = apply_series_rule(p, rows, n, x, skip, include_run);
  if (n == 0) {
    free(rows);
    snprintf(why, whylen, "no %s family varies along %s alone: %s%s", what, anz_axis_name(x),
             p->nleft_out ? p->left_out[0] : "", p->nleft_out > 1 ? " (and more: results.json left_out)" : "");
    return 1;
  }
  qsort(rows, n, sizeof *rows, order_cmp);
  anz_plot_split_ops(p, rows, n); /* the ops of what is left */
  anz_series_key key;
  anz_series_key_init(&key, rows, n, skip, include_run);
  anz_series_key_untie_axis(&key, rows, n, x);
  key.vary_family = families_collide(p, &key, rows, n, x);
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
