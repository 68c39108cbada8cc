/* load_pytest.c - pytest-benchmark JSON (3.x, 4.x and 5.x layouts). Times
 * are seconds per iteration. Axes: extra_info (explicit, what PAL's Python
 * suite writes) first, then params, then the param id / the [..] of the name.
 * params members without an axis become the row's params (axes.h).
 * Errored benchmarks are not in these files (pytest-benchmark omits them). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "axes.h"
#include "load.h"

static const struct {
  const char *key;
  anz_counter c;
} counter_keys[] = {
    {"bytes_per_second", ANZ_C_BYTES_PER_SECOND}, {"flops_per_second", ANZ_C_FLOPS_PER_SECOND},
    {"items_per_second", ANZ_C_ITEMS_PER_SECOND}, {"bw_util", ANZ_C_BW_UTIL},
    {"roofline_util", ANZ_C_ROOFLINE_UTIL},       {"arithmetic_intensity", ANZ_C_ARITHMETIC_INTENSITY},
    {"foreign_load", ANZ_C_FOREIGN_LOAD},         {"flop_util", ANZ_C_FLOP_UTIL},
};

static double num(const anz_jvalue *obj, const char *key) { return anz_json_number(anz_json_get(obj, key), NULL); }

static int load_one(const anz_jvalue *b, const anz_load_opts *opts, anz_file_result *fr, const char *machine,
                    const char *date, double epoch, double bw_peak, double peak_flops) {
  const char *name = anz_json_string(anz_json_get(b, "name"));
  if (!name) {
    anz_row_skipped(fr, NULL, "line %u col %u: benchmark entry has no \"name\"", b->line, b->col);
    return 0;
  }
  const anz_jvalue *stats = anz_json_get(b, "stats");
  if (!stats || stats->type != ANZ_JOBJECT) {
    anz_row_skipped(fr, name, "line %u col %u: no \"stats\" object", b->line, b->col);
    return 0;
  }
  anz_row r;
  anz_row_init(&r);
  r.source = ANZ_SRC_PY;
  /* raw data when present: the statistics then come from it */
  const anz_jvalue *data = anz_json_get(stats, "data");
  double st_median = num(stats, "median"), st_mean = num(stats, "mean"), st_min = num(stats, "min");
  double q1 = num(stats, "q1"), q3 = num(stats, "q3"), sd = num(stats, "stddev");
  double rounds = num(stats, "rounds");
  double chosen = opts->stat == ANZ_STAT_MEDIAN ? st_median : opts->stat == ANZ_STAT_MEAN ? st_mean : st_min;
  if (isfinite(chosen)) {
    r.time_s = chosen;
    r.stat_used = anz_stat_name(opts->stat);
    r.samples = rounds;
    if (opts->stat == ANZ_STAT_MEDIAN && isfinite(q1) && isfinite(q3)) {
      r.low_s = q1, r.high_s = q3, r.spread_used = "iqr";
    } else if (opts->stat == ANZ_STAT_MIN && isfinite(st_median)) {
      r.low_s = st_min, r.high_s = st_median, r.spread_used = "min-median";
    } else if (isfinite(sd)) {
      r.low_s = chosen - sd, r.high_s = chosen + sd, r.spread_used = "stddev";
    }
  } else if (data && data->type == ANZ_JARRAY && data->len > 0) {
    double *x = anz_malloc(data->len * sizeof *x);
    size_t n = 0;
    if (x) {
      for (const anz_jvalue *d = data->u.first; d; d = d->next) {
        double t = anz_json_number(d, NULL);
        if (isfinite(t) && t >= 0) x[n++] = t;
      }
      anz_row_set_from_samples(&r, x, n, opts->stat);
      free(x);
    } else {
      fr->oom = 1;
    }
  } else if (isfinite(st_mean)) { /* old files: mean only */
    r.time_s = st_mean;
    r.stat_used = "mean";
    if (isfinite(sd)) r.low_s = st_mean - sd, r.high_s = st_mean + sd, r.spread_used = "stddev";
  }
  if (!isfinite(r.time_s) || r.time_s < 0) {
    anz_row_skipped(fr, name, "line %u col %u: no finite %s in stats", stats->line, stats->col,
                    anz_stat_name(opts->stat));
    return 0;
  }
  if (!isfinite(r.low_s) || !isfinite(r.high_s)) r.low_s = r.high_s = r.time_s;
  const anz_jvalue *extra = anz_json_get(b, "extra_info");
  int file_flag = -1;
  const char *file_counter = NULL;
  if (extra && extra->type == ANZ_JOBJECT) {
    for (const anz_jvalue *m = extra->u.first; m; m = m->next) {
      if (anz_row_offer(&r, &fr->strings, m->key, m)) continue;
      for (size_t i = 0; i < sizeof counter_keys / sizeof counter_keys[0]; ++i)
        if (!strcmp(m->key, counter_keys[i].key)) r.counter[counter_keys[i].c] = anz_json_number(m, NULL);
      if (!strcmp(m->key, "bw_peak")) bw_peak = anz_json_number(m, NULL);
      if (!strcmp(m->key, "peak_compute_flops")) peak_flops = anz_json_number(m, NULL);
      if (!strcmp(m->key, "flop_peak")) r.flop_peak = anz_json_number(m, NULL);
      const char *text = anz_json_string(m);
      if (text && *text && !strcmp(m->key, "flop_roof")) r.flop_roof = anz_strdup(&fr->strings, text);
      if (text && *text && !strcmp(m->key, "bw_roof")) r.bw_roof = anz_strdup(&fr->strings, text);
      if (text && !strcmp(m->key, "probe_suspect_counter")) file_counter = anz_strdup(&fr->strings, text);
      if (!strcmp(m->key, "probe_suspect") && (m->type == ANZ_JTRUE || m->type == ANZ_JFALSE || m->type == ANZ_JNUMBER))
        file_flag = m->type == ANZ_JTRUE || (m->type == ANZ_JNUMBER && anz_json_number(m, NULL) != 0);
    }
  }
  /* family: explicit, else the group, else the test function */
  const char *group = anz_json_string(anz_json_get(b, "group"));
  const char *bracket = strchr(name, '[');
  if (!r.family && group && *group) r.family = anz_strdup(&fr->strings, group);
  if (!r.family) r.family = anz_strndup(&fr->strings, name, bracket ? (size_t)(bracket - name) : strlen(name));
  r.study = anz_study_from_family(r.family);
  if (r.study == ANZ_STUDY_NONE && !bracket) r.study = anz_study_from_family(name);
  const anz_jvalue *params = anz_json_get(b, "params");
  if (params && params->type == ANZ_JOBJECT)
    for (const anz_jvalue *m = params->u.first; m; m = m->next) anz_row_offer_param(&r, &fr->strings, m->key, m);
  const char *param = anz_json_string(anz_json_get(b, "param"));
  char idbuf[256];
  if (!param && bracket) {
    snprintf(idbuf, sizeof idbuf, "%s", bracket + 1);
    char *close = strrchr(idbuf, ']');
    if (close) *close = '\0';
    param = idbuf;
  }
  anz_offer_pytest_param(&r, &fr->strings, param);
  r.name = anz_strdup(&fr->strings, name);
  r.saxis[ANZ_SX_MACHINE] = machine;
  r.saxis[ANZ_SX_RUN] = date;
  r.run_epoch = epoch;
  r.bw_peak = bw_peak;
  r.peak_flops = peak_flops;
  if (!r.bw_roof && isfinite(bw_peak)) r.bw_roof = "bw_peak";
  if (!r.flop_roof && r.flop_peak > 0 && isfinite(r.flop_peak)) r.flop_roof = "flop_peak";
  if (!r.flop_roof && isfinite(peak_flops) && peak_flops > 0) r.flop_roof = "peak_compute_flops", r.flop_peak = peak_flops;
  anz_probe_verdict v;
  anz_probe_judge(file_flag, file_counter, r.counter, bw_peak, isfinite(r.flop_peak) ? r.flop_peak : peak_flops, &v);
  anz_probe_merge(&r, &v);
  anz_row_finish(&r);
  anz_row *dst = anz_rows_add(&fr->rows);
  if (!dst) {
    fr->oom = 1;
    return -1;
  }
  *dst = r;
  return 0;
}

int anz_load_pytest(const anz_jvalue *root, const anz_load_opts *opts, anz_file_result *fr) {
  fr->format = "pytest-benchmark";
  const char *ver = anz_json_string(anz_json_get(root, "version"));
  fr->version = ver ? anz_strdup(&fr->strings, ver) : NULL;
  const anz_jvalue *mi = anz_json_get(root, "machine_info");
  if (mi && mi->type != ANZ_JOBJECT) return anz_file_fail(fr, mi, "wrong schema: \"machine_info\" is not an object");
  const char *node = anz_json_string(anz_json_get(mi, "node"));
  const char *machine = node ? anz_strdup(&fr->strings, node) : NULL;
  double bw_peak = num(mi, "bw_peak"), peak_flops = num(mi, "peak_compute_flops");
  const char *dt = anz_json_string(anz_json_get(root, "datetime"));
  const char *date = dt ? anz_strdup(&fr->strings, dt) : NULL;
  double epoch = anz_parse_date(dt);
  const anz_jvalue *arr = anz_json_get(root, "benchmarks");
  for (const anz_jvalue *b = arr->u.first; b; b = b->next) {
    if (b->type != ANZ_JOBJECT) {
      anz_row_skipped(fr, NULL, "line %u col %u: benchmark entry is not an object", b->line, b->col);
      continue;
    }
    if (load_one(b, opts, fr, machine, date, epoch, bw_peak, peak_flops)) return -1;
  }
  return 0;
}
