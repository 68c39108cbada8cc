/* sweep.c - family -> instances (see sweep.h).
 *
 * NOTES
 *  1. A family lists its own axes first; a later entry with the same name
 *     (from the shared defaults) is ignored, so a family can change a default.
 *  2. Names carry every axis, swept one first (Google Benchmark's
 *     FAMILY/name:value form), so two instances that differ in anything never
 *     share a name and compare.py never pairs unlike runs.
 *  3. The model axis expands to heads, head_dim, context and batch from
 *     models.c; an explicit `-a` for one of those wins over the model.
 */
#include "sweep.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bench_parse_override(const char *arg, bench_override *o, char *why, size_t why_size) {
  const char *eq = strchr(arg, '=');
  memset(o, 0, sizeof *o);
  if (!eq || eq == arg || !eq[1] || (size_t)(eq - arg) >= sizeof o->name ||
      strlen(eq + 1) >= sizeof o->values)
    return snprintf(why, why_size, "-a %s: expected axis=value[,value...]", arg), -1;
  memcpy(o->name, arg, (size_t)(eq - arg));
  strcpy(o->values, eq + 1);
  return 0;
}

static int check_value(const char *axis, const char *v, char *why, size_t why_size) {
  if (!*v || strlen(v) >= BENCH_VALUE_LEN)
    return snprintf(why, why_size, "axis %s: empty or too long value '%s'", axis, v), -1;
  if (!strcmp(axis, "dtype")) {
    for (int d = 0; d < PAL_DTYPE_COUNT; ++d)
      if (!strcmp(v, pal_dtype_name((pal_dtype)d))) return 0;
    return snprintf(why, why_size, "axis dtype: '%s' is not fp32, fp16 or bf16", v), -1;
  }
  if (!strcmp(axis, "layout")) {
    if (!strcmp(v, "hnd") || !strcmp(v, "nhd")) return 0;
    return snprintf(why, why_size, "axis layout: '%s' is not hnd or nhd", v), -1;
  }
  if (!strcmp(axis, "model")) {
    if (bench_find_model(v)) return 0;
    return snprintf(why, why_size, "axis model: unknown model '%s' (see pal bench --list-models)", v),
           -1;
  }
  char *end;
  long long x = strtoll(v, &end, 10);
  if (*end || x < 0)
    return snprintf(why, why_size, "axis %s: '%s' is not a non-negative integer", axis, v), -1;
  return 0;
}

typedef struct axis_values {
  const char *name;
  char list[512];
  char *items[64];
  int count;
  int overridden;
} axis_values;

static int split_values(axis_values *a, char *why, size_t why_size) {
  a->count = 0;
  for (char *save = NULL, *tok = strtok_r(a->list, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    if (a->count == 64) return snprintf(why, why_size, "axis %s: more than 64 values", a->name), -1;
    if (check_value(a->name, tok, why, why_size) != 0) return -1;
    a->items[a->count++] = tok;
  }
  if (a->count == 0) return snprintf(why, why_size, "axis %s: no values", a->name), -1;
  return 0;
}

static void set_axis(bench_instance *in, const char *name, const char *value) {
  for (int i = 0; i < in->num_axes; ++i)
    if (!strcmp(in->axes[i].name, name)) {
      snprintf(in->axes[i].value, BENCH_VALUE_LEN, "%s", value);
      return;
    }
}

static void apply_model(bench_instance *in, const axis_values *axes, int n) {
  const char *name = bench_get(in, "model");
  const bench_model *m = name ? bench_find_model(name) : NULL;
  if (!m) return;
  struct {
    const char *axis;
    int32_t value;
  } fields[] = {{"num_q_heads", m->num_q_heads}, {"num_kv_heads", m->num_kv_heads},
                {"head_dim", m->head_dim},       {"seq_len", m->seq_len},
                {"batch", m->batch}};
  for (size_t f = 0; f < sizeof fields / sizeof fields[0]; ++f) {
    int overridden = 0;
    for (int i = 0; i < n; ++i)
      if (!strcmp(axes[i].name, fields[f].axis)) overridden = axes[i].overridden;
    char buf[16];
    snprintf(buf, sizeof buf, "%d", (int)fields[f].value);
    if (!overridden) set_axis(in, fields[f].axis, buf);
  }
}

static void make_name(bench_instance *in) {
  size_t used = (size_t)snprintf(in->name, sizeof in->name, "%s", in->suite->name);
  for (int i = 0; i < in->num_axes && used < sizeof in->name; ++i)
    used += (size_t)snprintf(in->name + used, sizeof in->name - used, "/%s:%s", in->axes[i].name,
                             in->axes[i].value);
}

static int expand_suite(const bench_suite *s, int family, bench_sweep_opts *o, const regex_t *re,
                        bench_instance **out, size_t *count, size_t *cap, char *why,
                        size_t why_size) {
  axis_values axes[BENCH_MAX_AXES];
  int n = 0;
  for (int i = 0; i < BENCH_MAX_AXES && s->axes[i].name; ++i) {
    int dup = 0;
    for (int j = 0; j < n; ++j) dup |= !strcmp(axes[j].name, s->axes[i].name);
    if (dup) continue;
    axis_values *a = &axes[n++];
    memset(a, 0, sizeof *a);
    a->name = s->axes[i].name;
    const char *values = s->axes[i].values;
    if (o->quick && s->quick_values && !strcmp(a->name, s->swept)) values = s->quick_values;
    for (int k = 0; k < o->num_overrides; ++k)
      if (!strcmp(o->overrides[k].name, a->name)) {
        values = o->overrides[k].values;
        a->overridden = 1;
        o->overrides[k].used = 1;
      }
    snprintf(a->list, sizeof a->list, "%s", values);
    if (split_values(a, why, why_size) != 0) return -1;
  }
  int idx[BENCH_MAX_AXES] = {0}, instance = 0;
  for (;;) {
    bench_instance in;
    memset(&in, 0, sizeof in);
    in.suite = s;
    in.num_axes = n;
    in.family_index = family;
    for (int i = 0; i < n; ++i) {
      in.axes[i].name = axes[i].name;
      snprintf(in.axes[i].value, BENCH_VALUE_LEN, "%s", axes[i].items[idx[i]]);
    }
    apply_model(&in, axes, n);
    make_name(&in);
    if (!re || regexec(re, in.name, 0, NULL, 0) == 0) {
      if (*count == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        bench_instance *p = realloc(*out, nc * sizeof *p);
        if (!p) return snprintf(why, why_size, "out of memory"), -1;
        *out = p;
        *cap = nc;
      }
      in.instance_index = instance++;
      (*out)[(*count)++] = in;
    }
    int i = n - 1; /* odometer over the axes, last axis fastest */
    while (i >= 0 && ++idx[i] == axes[i].count) idx[i--] = 0;
    if (i < 0) break;
  }
  return 0;
}

int bench_expand_all(bench_sweep_opts *o, bench_instance **out, size_t *count, char *why,
                     size_t why_size) {
  regex_t re;
  int have_re = 0;
  if (o->filter) {
    if (regcomp(&re, o->filter, REG_EXTENDED | REG_NOSUB) != 0)
      return snprintf(why, why_size, "--filter '%s' is not a valid regular expression", o->filter),
             -1;
    have_re = 1;
  }
  size_t cap = 0;
  *out = NULL;
  *count = 0;
  int rc = 0;
  for (size_t i = 0; i < bench_num_suites && rc == 0; ++i) {
    if (o->kernel && strcmp(o->kernel, bench_suites[i]->kernel) != 0) continue;
    rc = expand_suite(bench_suites[i], (int)i, o, have_re ? &re : NULL, out, count, &cap, why,
                      why_size);
  }
  if (have_re) regfree(&re);
  for (int k = 0; rc == 0 && k < o->num_overrides; ++k)
    if (!o->overrides[k].used) {
      snprintf(why, why_size, "-a %s: no benchmark family has an axis named '%s'",
               o->overrides[k].name, o->overrides[k].name);
      rc = -1;
    }
  return rc;
}
