/* load_gbench.c - Google Benchmark JSON from any program (schema with or
 * without json_schema_version). Rows are grouped into instances by run_name
 * (or the name less its _<aggregate> suffix); per-repetition rows are the
 * samples, aggregate rows give the statistics the file already computed.
 * time_unit is honoured; NaN/Infinity times are rejected per row. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "axes.h"
#include "load.h"

typedef struct gb_entry {
  const anz_jvalue *obj;
  const char *name, *run_name, *run_type, *aggregate_name, *aggregate_unit, *time_unit;
  const char *error_message, *skip_message;
  const char *suspect_counter, *flop_roof, *bw_roof; /* probe_suspect_counter and the roofs' names */
  double real_time; /* as written, in time_unit */
  double flop_peak;
  int has_real, error, skipped;
  int suspect; /* probe_suspect: -1 absent, 0, 1 */
  double counter[ANZ_C_COUNT];
  size_t index;
} gb_entry;

enum {
  F_NAME, F_RUN_NAME, F_RUN_TYPE, F_AGG_NAME, F_AGG_UNIT, F_REAL_TIME, F_TIME_UNIT, F_ERROR,
  F_ERROR_MSG, F_SKIPPED, F_SKIP_MSG, F_COUNTER, F_GFLOPS, F_TFLOPS, F_SUSPECT, F_SUSPECT_COUNTER,
  F_FLOP_ROOF, F_FLOP_PEAK, F_BW_ROOF, F_OTHER
};

static const struct {
  const char *key;
  int field, counter;
} fields[] = {
    /* sorted by key for bsearch */
    {"GFLOPS", F_GFLOPS, 0},
    {"TFLOPS", F_TFLOPS, 0},
    {"aggregate_name", F_AGG_NAME, 0},
    {"aggregate_unit", F_AGG_UNIT, 0},
    {"arithmetic_intensity", F_COUNTER, ANZ_C_ARITHMETIC_INTENSITY},
    {"bw_roof", F_BW_ROOF, 0},
    {"bw_util", F_COUNTER, ANZ_C_BW_UTIL},
    {"bytes_per_second", F_COUNTER, ANZ_C_BYTES_PER_SECOND},
    {"error_message", F_ERROR_MSG, 0},
    {"error_occurred", F_ERROR, 0},
    {"flop_peak", F_FLOP_PEAK, 0},
    {"flop_roof", F_FLOP_ROOF, 0},
    {"flop_util", F_COUNTER, ANZ_C_FLOP_UTIL},
    {"flops_per_second", F_COUNTER, ANZ_C_FLOPS_PER_SECOND},
    {"foreign_load", F_COUNTER, ANZ_C_FOREIGN_LOAD},
    {"items_per_second", F_COUNTER, ANZ_C_ITEMS_PER_SECOND},
    {"name", F_NAME, 0},
    {"probe_suspect", F_SUSPECT, 0},
    {"probe_suspect_counter", F_SUSPECT_COUNTER, 0},
    {"real_time", F_REAL_TIME, 0},
    {"roofline_util", F_COUNTER, ANZ_C_ROOFLINE_UTIL},
    {"run_name", F_RUN_NAME, 0},
    {"run_type", F_RUN_TYPE, 0},
    {"skip_message", F_SKIP_MSG, 0},
    {"skipped", F_SKIPPED, 0},
    {"time_unit", F_TIME_UNIT, 0},
};

static int field_cmp(const void *k, const void *e) {
  return strcmp((const char *)k, *(const char *const *)e);
}

static int field_of(const char *key, int *counter) {
  const void *hit = bsearch(key, fields, sizeof fields / sizeof fields[0], sizeof fields[0], field_cmp);
  if (!hit) return F_OTHER;
  size_t i = (size_t)((const char *)hit - (const char *)fields) / sizeof fields[0];
  *counter = fields[i].counter;
  return fields[i].field;
}

static double unit_scale(const char *u) {
  if (!u || !strcmp(u, "ns")) return 1e-9; /* Google Benchmark's default */
  if (!strcmp(u, "us")) return 1e-6;
  if (!strcmp(u, "ms")) return 1e-3;
  if (!strcmp(u, "s")) return 1.0;
  return NAN;
}

static int is_true(const anz_jvalue *v) {
  return v && (v->type == ANZ_JTRUE || (v->type == ANZ_JNUMBER && anz_json_number(v, NULL) != 0));
}

/* One pass over the members of a benchmark row. */
static void read_entry(const anz_jvalue *obj, gb_entry *e) {
  memset(e, 0, sizeof *e);
  e->obj = obj;
  e->real_time = e->flop_peak = NAN;
  e->suspect = -1;
  for (int c = 0; c < ANZ_C_COUNT; ++c) e->counter[c] = NAN;
  for (const anz_jvalue *m = obj->u.first; m; m = m->next) {
    int counter = 0;
    switch (field_of(m->key, &counter)) {
      case F_NAME: e->name = anz_json_string(m); break;
      case F_RUN_NAME: e->run_name = anz_json_string(m); break;
      case F_RUN_TYPE: e->run_type = anz_json_string(m); break;
      case F_AGG_NAME: e->aggregate_name = anz_json_string(m); break;
      case F_AGG_UNIT: e->aggregate_unit = anz_json_string(m); break;
      case F_TIME_UNIT: e->time_unit = anz_json_string(m); break;
      case F_REAL_TIME: e->real_time = anz_json_number(m, &e->has_real); break;
      case F_ERROR: e->error = is_true(m); break;
      case F_ERROR_MSG: e->error_message = anz_json_string(m); break;
      case F_SKIPPED: e->skipped = is_true(m); break;
      case F_SKIP_MSG: e->skip_message = anz_json_string(m); break;
      case F_COUNTER: e->counter[counter] = anz_json_number(m, NULL); break;
      case F_GFLOPS: e->counter[ANZ_C_FLOPS_PER_SECOND] = anz_json_number(m, NULL) * 1e9; break;
      case F_TFLOPS: e->counter[ANZ_C_FLOPS_PER_SECOND] = anz_json_number(m, NULL) * 1e12; break;
      case F_SUSPECT:
        if (m->type == ANZ_JTRUE || m->type == ANZ_JFALSE || m->type == ANZ_JNUMBER) e->suspect = is_true(m);
        break;
      case F_SUSPECT_COUNTER: e->suspect_counter = anz_json_string(m); break;
      case F_FLOP_ROOF: e->flop_roof = anz_json_string(m); break;
      case F_FLOP_PEAK: e->flop_peak = anz_json_number(m, NULL); break;
      case F_BW_ROOF: e->bw_roof = anz_json_string(m); break;
      default: break;
    }
  }
  if (e->skip_message && !e->skipped) e->skipped = 1;
}

static int is_aggregate(const gb_entry *e) {
  return (e->run_type && !strcmp(e->run_type, "aggregate")) || (!e->run_type && e->aggregate_name);
}

/* The instance key. Older files lack run_name: strip "_<aggregate_name>". */
static void instance_name(const gb_entry *e, char *buf, size_t cap) {
  if (e->run_name) {
    snprintf(buf, cap, "%s", e->run_name);
    return;
  }
  snprintf(buf, cap, "%s", e->name ? e->name : "");
  if (is_aggregate(e) && e->aggregate_name) {
    size_t n = strlen(buf), a = strlen(e->aggregate_name);
    if (n > a + 1 && buf[n - a - 1] == '_' && !strcmp(buf + n - a, e->aggregate_name)) buf[n - a - 1] = '\0';
  }
}

typedef struct keyed {
  const char *key; /* in the file's string arena */
  size_t index;
} keyed;

static int keyed_cmp(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  return c ? c : (x->index > y->index) - (x->index < y->index);
}

typedef struct machine_facts {
  const char *machine, *date, *version;
  const char *bw_roof;               /* "bw_peak" or "bw_peak (ISA)" */
  const char *fp32_roof, *bf16_roof; /* older pal bench: "peak_fp32_flops (ISA)"... */
  double epoch, bw_peak, peak_flops, peak_fp32, peak_bf16;
} machine_facts;

static void read_context(const anz_jvalue *ctx, anz_file_result *fr, machine_facts *mf) {
  memset(mf, 0, sizeof *mf);
  mf->epoch = mf->bw_peak = mf->peak_flops = mf->peak_fp32 = mf->peak_bf16 = NAN;
  if (!ctx || ctx->type != ANZ_JOBJECT) return;
  const char *host = anz_json_string(anz_json_get(ctx, "host_name"));
  mf->machine = host ? anz_strdup(&fr->strings, host) : NULL;
  const char *date = anz_json_string(anz_json_get(ctx, "date"));
  if (date) {
    mf->date = anz_strdup(&fr->strings, date);
    mf->epoch = anz_parse_date(date);
  }
  const anz_jvalue *sv = anz_json_get(ctx, "json_schema_version");
  const char *lib = anz_json_string(anz_json_get(ctx, "library_version"));
  char v[64];
  if (sv && sv->type == ANZ_JNUMBER) {
    snprintf(v, sizeof v, "schema %.*s", (int)(sv->len < 20 ? sv->len : 20), sv->u.str);
    mf->version = anz_strdup(&fr->strings, v);
  } else if (lib) {
    snprintf(v, sizeof v, "library %s (no schema version)", lib);
    mf->version = anz_strdup(&fr->strings, v);
  }
  mf->bw_peak = anz_json_number(anz_json_get(ctx, "bw_peak"), NULL);
  mf->peak_flops = anz_json_number(anz_json_get(ctx, "peak_compute_flops"), NULL);
  mf->peak_fp32 = anz_json_number(anz_json_get(ctx, "peak_fp32_flops"), NULL);
  mf->peak_bf16 = anz_json_number(anz_json_get(ctx, "peak_bf16_flops"), NULL);
  /* roof names for rows that do not name theirs: the context key (+ the ISA the probe used) */
  static const char *const keys[3][2] = {
      {"bw_peak", "bw_peak_isa"}, {"peak_fp32_flops", "peak_fp32_isa"}, {"peak_bf16_flops", "peak_bf16_isa"}};
  const char **out[3] = {&mf->bw_roof, &mf->fp32_roof, &mf->bf16_roof};
  for (int i = 0; i < 3; ++i) {
    const char *isa = anz_json_string(anz_json_get(ctx, keys[i][1]));
    if (isa && *isa) {
      snprintf(v, sizeof v, "%s (%.40s)", keys[i][0], isa);
      *out[i] = anz_strdup(&fr->strings, v);
    } else {
      *out[i] = keys[i][0];
    }
  }
}

/* Rows whose counters are rates (repetitions, mean/median/min...), not a
 * spread (stddev, cv): only these are judged for probe_suspect. */
static int carries_rates(const gb_entry *e) {
  if (!is_aggregate(e)) return 1;
  if (e->aggregate_unit && strcmp(e->aggregate_unit, "time")) return 0;
  return !e->aggregate_name || (strcmp(e->aggregate_name, "stddev") && strcmp(e->aggregate_name, "cv"));
}

static void judge_entry(const gb_entry *e, anz_file_result *fr, const machine_facts *mf, const anz_row *row,
                        anz_probe_verdict *v) {
  double fpk = isfinite(e->flop_peak) ? e->flop_peak : row->flop_peak;
  anz_probe_judge(e->suspect, e->suspect_counter, e->counter, mf->bw_peak, fpk, v);
  /* a counter name of the file's own lives in the document: copy it */
  if (v->suspect && v->counter && v->counter == e->suspect_counter) v->counter = anz_strdup(&fr->strings, v->counter);
}

/* The instance's roofs and its probe_suspect verdict: the compute roof the
 * rows name (flop_roof + flop_peak), else the peak its flop_util was taken
 * against (older pal bench: flops_per_second / flop_util, named after the
 * context peak it matches), else the machine's best peak; suspect when any
 * repetition or aggregate of it is (a repetition above the probed peak is
 * the machine doing more than the probe saw). The counter and value named
 * are those of the row behind the statistic when it is over, else the
 * highest. */
static void judge_instance(anz_row *row, anz_file_result *fr, const machine_facts *mf, gb_entry *const *members,
                           size_t n, const gb_entry *stat_row) {
  for (size_t i = 0; i < n && !row->flop_roof; ++i)
    if (members[i]->flop_roof && *members[i]->flop_roof) {
      row->flop_roof = anz_strdup(&fr->strings, members[i]->flop_roof);
      row->flop_peak = members[i]->flop_peak;
    }
  for (size_t i = 0; i < n && !row->flop_roof; ++i)
    if (members[i]->flop_peak > 0 && isfinite(members[i]->flop_peak)) {
      row->flop_roof = "flop_peak";
      row->flop_peak = members[i]->flop_peak;
    }
  for (size_t i = 0; i < n && !row->bw_roof; ++i)
    if (members[i]->bw_roof && *members[i]->bw_roof) row->bw_roof = anz_strdup(&fr->strings, members[i]->bw_roof);
  if (!row->bw_roof && isfinite(mf->bw_peak)) row->bw_roof = mf->bw_roof;
  double fu = row->counter[ANZ_C_FLOP_UTIL], fps = row->counter[ANZ_C_FLOPS_PER_SECOND];
  if (!row->flop_roof && fu > 0 && fps > 0 && isfinite(fu) && isfinite(fps)) {
    row->flop_peak = fps / fu;
    row->flop_roof = "flop_util's peak";
    if (fabs(row->flop_peak - mf->peak_fp32) <= 1e-3 * mf->peak_fp32) row->flop_roof = mf->fp32_roof;
    else if (fabs(row->flop_peak - mf->peak_bf16) <= 1e-3 * mf->peak_bf16) row->flop_roof = mf->bf16_roof;
  }
  if (!row->flop_roof && isfinite(mf->peak_flops) && mf->peak_flops > 0) {
    row->flop_roof = "peak_compute_flops";
    row->flop_peak = mf->peak_flops;
  }
  /* the statistic's row first: when it is over, its value is the one reported (and plotted) */
  anz_probe_verdict v;
  if (stat_row && carries_rates(stat_row)) {
    judge_entry(stat_row, fr, mf, row, &v);
    anz_probe_merge(row, &v);
  }
  int keep = row->probe_suspect && isfinite(row->probe_value);
  for (size_t i = 0; i < n; ++i) {
    const gb_entry *e = members[i];
    if (e == stat_row || !carries_rates(e)) continue;
    judge_entry(e, fr, mf, row, &v);
    if (keep) row->probe_suspect_from_file |= v.suspect && v.from_file;
    else anz_probe_merge(row, &v);
  }
}

/* Counters of the row that carries the statistic: the aggregate of that
 * name, else the repetition whose time is closest to it. */
static const gb_entry *take_counters(anz_row *row, gb_entry *const *members, size_t n, const char *stat,
                                     double time_s, double scale) {
  const gb_entry *best = NULL;
  for (size_t i = 0; i < n; ++i)
    if (is_aggregate(members[i]) && members[i]->aggregate_name && !strcmp(members[i]->aggregate_name, stat))
      best = members[i];
  if (!best) {
    double bd = INFINITY;
    for (size_t i = 0; i < n; ++i) {
      if (is_aggregate(members[i]) || !members[i]->has_real) continue;
      double d = fabs(members[i]->real_time * scale - time_s);
      if (d < bd) bd = d, best = members[i];
    }
  }
  if (!best) best = members[0];
  memcpy(row->counter, best->counter, sizeof row->counter);
  return best;
}

static void build_instance(anz_file_result *fr, const anz_load_opts *opts, const machine_facts *mf,
                           gb_entry *const *members, size_t n, const char *iname) {
  /* errored / skipped instances are reported, not plotted */
  for (size_t i = 0; i < n; ++i) {
    if (members[i]->error) {
      anz_row_skipped(fr, iname, "error_occurred: %s",
                      members[i]->error_message ? members[i]->error_message : "(no message)");
      return;
    }
    if (members[i]->skipped) {
      anz_row_skipped(fr, iname, "skipped: %s", members[i]->skip_message ? members[i]->skip_message : "(no message)");
      return;
    }
  }
  const char *unit = NULL;
  for (size_t i = 0; i < n && !unit; ++i) unit = members[i]->time_unit;
  double scale = unit_scale(unit);
  if (isnan(scale)) {
    anz_row_skipped(fr, iname, "unknown time_unit \"%s\" (expected ns, us, ms or s)", unit);
    return;
  }
  double stack[64];
  double *samples = n <= 64 ? stack : anz_malloc(n * sizeof *samples);
  if (!samples) {
    fr->oom = 1;
    return;
  }
  size_t ns = 0, nonfinite = 0;
  double agg_median = NAN, agg_mean = NAN, agg_min = NAN, agg_stddev = NAN;
  for (size_t i = 0; i < n; ++i) {
    const gb_entry *e = members[i];
    if (!e->has_real) continue;
    double t = e->real_time * scale;
    if (!is_aggregate(e)) {
      if (isfinite(t) && t >= 0)
        samples[ns++] = t;
      else
        ++nonfinite;
      continue;
    }
    if (!e->aggregate_name || (e->aggregate_unit && strcmp(e->aggregate_unit, "time"))) continue;
    if (!strcmp(e->aggregate_name, "median")) agg_median = t;
    else if (!strcmp(e->aggregate_name, "mean")) agg_mean = t;
    else if (!strcmp(e->aggregate_name, "min")) agg_min = t;
    else if (!strcmp(e->aggregate_name, "stddev")) agg_stddev = t;
  }
  anz_row row_v;
  anz_row *row = &row_v;
  anz_row_init(row);
  if (ns > 0) anz_row_set_from_samples(row, samples, ns, opts->stat);
  if (samples != stack) free(samples);
  /* the file's own aggregate wins for the statistic itself */
  double agg = opts->stat == ANZ_STAT_MEDIAN ? agg_median : opts->stat == ANZ_STAT_MEAN ? agg_mean : agg_min;
  if (isfinite(agg)) {
    row->time_s = agg;
    row->stat_used = anz_stat_name(opts->stat);
    if (ns < 2 && isfinite(agg_stddev)) {
      row->low_s = agg - agg_stddev;
      row->high_s = agg + agg_stddev;
      row->spread_used = "stddev";
    }
  }
  if (!isfinite(row->time_s)) { /* the statistic asked for is absent: take what the file has */
    if (isfinite(agg_median)) row->time_s = agg_median, row->stat_used = "median";
    else if (isfinite(agg_mean)) row->time_s = agg_mean, row->stat_used = "mean";
    if (isfinite(row->time_s) && isfinite(agg_stddev)) {
      row->low_s = row->time_s - agg_stddev;
      row->high_s = row->time_s + agg_stddev;
      row->spread_used = "stddev";
    }
  }
  if (!isfinite(row->time_s) || row->time_s < 0) {
    if (nonfinite)
      anz_row_skipped(fr, iname, "real_time is NaN or infinite in every repetition");
    else
      anz_row_skipped(fr, iname, "no usable real_time");
    return;
  }
  if (!isfinite(row->low_s) || !isfinite(row->high_s)) row->low_s = row->high_s = row->time_s;
  /* the file's aggregate may sit outside the quartiles of few samples (its
   * median of 2 is their mean); error bars always contain the point */
  if (row->low_s > row->time_s) row->low_s = row->time_s;
  if (row->high_s < row->time_s) row->high_s = row->time_s;
  const gb_entry *stat_row = take_counters(row, members, n, row->stat_used, row->time_s, scale);
  /* axes: explicit fields of the row first, then the name */
  row->source = ANZ_SRC_CPP;
  const anz_jvalue *rep = members[0]->obj;
  for (const anz_jvalue *m = rep->u.first; m; m = m->next) anz_row_offer(row, &fr->strings, m->key, m);
  row->name = anz_strdup(&fr->strings, iname);
  anz_offer_gb_name(row, &fr->strings, iname);
  row->saxis[ANZ_SX_MACHINE] = mf->machine;
  row->saxis[ANZ_SX_RUN] = mf->date;
  row->run_epoch = mf->epoch;
  row->bw_peak = mf->bw_peak;
  row->peak_flops = mf->peak_flops;
  judge_instance(row, fr, mf, members, n, stat_row);
  anz_row_finish(row);
  anz_row *dst = anz_rows_add(&fr->rows);
  if (!dst) {
    fr->oom = 1;
    return;
  }
  *dst = *row;
}

int anz_load_gbench(const anz_jvalue *root, const anz_load_opts *opts, anz_file_result *fr) {
  fr->format = "gbench";
  const anz_jvalue *ctx = anz_json_get(root, "context");
  if (ctx && ctx->type != ANZ_JOBJECT) return anz_file_fail(fr, ctx, "wrong schema: \"context\" is not an object");
  machine_facts mf;
  read_context(ctx, fr, &mf);
  fr->version = mf.version;
  const anz_jvalue *arr = anz_json_get(root, "benchmarks");
  size_t n = arr->len;
  if (n == 0) return 0;
  gb_entry *entries = anz_malloc(n * sizeof *entries);
  keyed *keys = anz_malloc(n * sizeof *keys);
  gb_entry **members = anz_malloc(n * sizeof *members);
  if (!entries || !keys || !members) {
    free(entries), free(keys), free(members);
    fr->oom = 1;
    return -1;
  }
  size_t m = 0;
  char iname[1024];
  for (const anz_jvalue *b = arr->u.first; b; b = b->next) {
    if (b->type != ANZ_JOBJECT) {
      anz_row_skipped(fr, NULL, "line %u col %u: benchmark entry is not an object", b->line, b->col);
      continue;
    }
    read_entry(b, &entries[m]);
    if (!entries[m].name && !entries[m].run_name) {
      anz_row_skipped(fr, NULL, "line %u col %u: benchmark entry has no \"name\"", b->line, b->col);
      continue;
    }
    instance_name(&entries[m], iname, sizeof iname);
    keys[m].key = anz_strdup(&fr->strings, iname);
    keys[m].index = m;
    entries[m].index = m;
    ++m;
  }
  /* group the rows of one instance: sort by (name, index) */
  keyed *firsts = fr->strings.failed ? NULL : anz_malloc((m ? m : 1) * sizeof *firsts);
  if (!firsts) { /* a NULL key cannot be sorted */
    free(entries), free(keys), free(members);
    fr->oom = 1;
    return -1;
  }
  qsort(keys, m, sizeof *keys, keyed_cmp);
  size_t nf = 0;
  for (size_t i = 0; i < m;) {
    size_t j = i;
    while (j < m && !strcmp(keys[j].key, keys[i].key)) ++j;
    firsts[nf].key = keys[i].key;
    firsts[nf].index = i; /* start of the group in keys[] */
    ++nf;
    i = j;
  }
  for (size_t g = 0; g < nf; ++g) {
    size_t i = firsts[g].index, cnt = 0;
    while (i + cnt < m && !strcmp(keys[i + cnt].key, keys[i].key)) {
      members[cnt] = &entries[keys[i + cnt].index];
      ++cnt;
    }
    build_instance(fr, opts, &mf, members, cnt, keys[i].key);
  }
  free(firsts);
  free(entries);
  free(keys);
  free(members);
  return 0; /* rows are in instance-name order: deterministic for any row order */
}
