/* load_nvbench.c - NVBench JSON (`--json`, 1.0.0 and older layouts): numbers
 * inside axis_values and summaries are strings; times are seconds. Cold GPU
 * time is preferred; batch (hot) time is the fallback. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axes.h"
#include "load.h"

/* A summary's value: data[] entry named "value", or an older inline "value". */
static double summary_value(const anz_jvalue *s) {
  const anz_jvalue *data = anz_json_get(s, "data");
  if (data && data->type == ANZ_JARRAY) {
    for (const anz_jvalue *d = data->u.first; d; d = d->next) {
      const char *n = anz_json_string(anz_json_get(d, "name"));
      if (n && !strcmp(n, "value")) return anz_json_number(anz_json_get(d, "value"), NULL);
    }
  }
  return anz_json_number(anz_json_get(s, "value"), NULL);
}

typedef struct tags {
  double median, mean, min, q1, q3, stdev_rel, bw, bw_util, item_rate, samples;
  double batch_mean;
} tags;

static void read_summaries(const anz_jvalue *sums, tags *t) {
  t->median = t->mean = t->min = t->q1 = t->q3 = t->stdev_rel = t->bw = t->bw_util = t->item_rate = NAN;
  t->samples = t->batch_mean = NAN;
  if (!sums || sums->type != ANZ_JARRAY) return;
  static const struct {
    const char *tag;
    size_t off;
  } map[] = {
      {"nv/cold/time/gpu/median", offsetof(tags, median)},
      {"nv/cold/time/gpu/mean", offsetof(tags, mean)},
      {"nv/cold/time/gpu/min", offsetof(tags, min)},
      {"nv/cold/time/gpu/q1", offsetof(tags, q1)},
      {"nv/cold/time/gpu/q3", offsetof(tags, q3)},
      {"nv/cold/time/gpu/stdev/relative", offsetof(tags, stdev_rel)},
      {"nv/cold/bw/global/bytes_per_second", offsetof(tags, bw)},
      {"nv/cold/bw/global/utilization", offsetof(tags, bw_util)},
      {"nv/cold/bw/item_rate", offsetof(tags, item_rate)},
      {"nv/cold/sample_size", offsetof(tags, samples)},
      {"nv/batch/time/gpu/mean", offsetof(tags, batch_mean)},
  };
  for (const anz_jvalue *s = sums->u.first; s; s = s->next) {
    const char *tag = anz_json_string(anz_json_get(s, "tag"));
    if (!tag) tag = anz_json_string(anz_json_get(s, "name")); /* older files */
    if (!tag) continue;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; ++i)
      if (!strcmp(tag, map[i].tag)) *(double *)((char *)t + map[i].off) = summary_value(s);
  }
}

static void load_state(const anz_jvalue *st, const char *bench, const anz_jvalue *devices,
                       const anz_load_opts *opts, anz_file_result *fr) {
  const char *sname = anz_json_string(anz_json_get(st, "name"));
  char full[512];
  snprintf(full, sizeof full, "%s/%s", bench, sname ? sname : "?");
  const anz_jvalue *sk = anz_json_get(st, "is_skipped");
  if (sk && (sk->type == ANZ_JTRUE || (sk->type == ANZ_JNUMBER && anz_json_number(sk, NULL) != 0))) {
    const char *why = anz_json_string(anz_json_get(st, "skip_reason"));
    anz_row_skipped(fr, full, "skipped: %s", why ? why : "(no reason)");
    return;
  }
  tags t;
  read_summaries(anz_json_get(st, "summaries"), &t);
  anz_row r;
  anz_row_init(&r);
  r.source = ANZ_SRC_NVBENCH;
  double want = opts->stat == ANZ_STAT_MEDIAN ? t.median : opts->stat == ANZ_STAT_MEAN ? t.mean : t.min;
  const char *cache = "cold";
  if (isfinite(want)) {
    r.time_s = want;
    r.stat_used = anz_stat_name(opts->stat);
  } else if (isfinite(t.mean)) { /* older files have the mean only */
    r.time_s = t.mean;
    r.stat_used = "mean";
  } else if (isfinite(t.batch_mean)) {
    r.time_s = t.batch_mean;
    r.stat_used = "mean";
    cache = "hot";
  }
  if (!isfinite(r.time_s) || r.time_s < 0) {
    anz_row_skipped(fr, full, "line %u col %u: no finite GPU time summary (nv/cold/time/gpu/*)", st->line, st->col);
    return;
  }
  if (!strcmp(r.stat_used, "median") && isfinite(t.q1) && isfinite(t.q3)) {
    r.low_s = t.q1, r.high_s = t.q3, r.spread_used = "iqr";
  } else if (isfinite(t.stdev_rel)) {
    double sd = t.stdev_rel * r.time_s; /* a fraction, like Google Benchmark's cv */
    r.low_s = r.time_s - sd, r.high_s = r.time_s + sd, r.spread_used = "stddev";
  } else {
    r.low_s = r.high_s = r.time_s;
  }
  r.samples = t.samples;
  r.counter[ANZ_C_BYTES_PER_SECOND] = t.bw;
  r.counter[ANZ_C_BW_UTIL] = t.bw_util;
  r.counter[ANZ_C_ITEMS_PER_SECOND] = t.item_rate;
  const anz_jvalue *avs = anz_json_get(st, "axis_values");
  if (avs && avs->type == ANZ_JARRAY)
    for (const anz_jvalue *a = avs->u.first; a; a = a->next) {
      const char *an = anz_json_string(anz_json_get(a, "name"));
      if (an) anz_row_offer_param(&r, &fr->strings, an, anz_json_get(a, "value")); /* no axis: a param */
    }
  r.family = anz_strdup(&fr->strings, bench);
  r.name = anz_strdup(&fr->strings, full);
  r.saxis[ANZ_SX_CACHE] = cache;
  /* the device: its name is the machine, its memory bandwidth the peak */
  double dev = anz_json_number(anz_json_get(st, "device"), NULL);
  if (devices && devices->type == ANZ_JARRAY && isfinite(dev))
    for (const anz_jvalue *d = devices->u.first; d; d = d->next)
      if (anz_json_number(anz_json_get(d, "id"), NULL) == dev) {
        const char *dn = anz_json_string(anz_json_get(d, "name"));
        if (dn) r.saxis[ANZ_SX_MACHINE] = anz_strdup(&fr->strings, dn);
        r.bw_peak = anz_json_number(anz_json_get(d, "global_memory_bus_bandwidth"), NULL);
        if (isfinite(r.bw_peak)) r.bw_roof = "global_memory_bus_bandwidth";
      }
  /* NVBench has no probe_suspect field: judged from its bandwidth utilisation */
  anz_probe_verdict v;
  anz_probe_judge(-1, NULL, r.counter, r.bw_peak, NAN, &v);
  anz_probe_merge(&r, &v);
  anz_row_finish(&r);
  anz_row *dst = anz_rows_add(&fr->rows);
  if (!dst) {
    fr->oom = 1;
    return;
  }
  *dst = r;
}

int anz_load_nvbench(const anz_jvalue *root, const anz_load_opts *opts, anz_file_result *fr) {
  fr->format = "nvbench";
  const anz_jvalue *ver = anz_json_get(anz_json_get(anz_json_get(root, "meta"), "version"), "json");
  const char *vs = anz_json_string(anz_json_get(ver, "string"));
  fr->version = vs ? anz_strdup(&fr->strings, vs) : NULL;
  const anz_jvalue *devices = anz_json_get(root, "devices");
  const anz_jvalue *arr = anz_json_get(root, "benchmarks");
  for (const anz_jvalue *b = arr->u.first; b; b = b->next) {
    if (b->type != ANZ_JOBJECT) {
      anz_row_skipped(fr, NULL, "line %u col %u: benchmark entry is not an object", b->line, b->col);
      continue;
    }
    const char *bench = anz_json_string(anz_json_get(b, "name"));
    const anz_jvalue *states = anz_json_get(b, "states");
    if (!bench || !states || states->type != ANZ_JARRAY) {
      anz_row_skipped(fr, bench, "line %u col %u: benchmark without \"name\" or \"states\" array", b->line, b->col);
      continue;
    }
    for (const anz_jvalue *st = states->u.first; st; st = st->next) {
      if (st->type != ANZ_JOBJECT) {
        anz_row_skipped(fr, bench, "line %u col %u: state is not an object", st->line, st->col);
        continue;
      }
      load_state(st, bench, devices, opts, fr);
    }
  }
  return 0;
}
