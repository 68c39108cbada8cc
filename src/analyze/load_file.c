/* load_file.c - read a file, parse it, detect its format by content and hand
 * it to its loader (see load.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "../common/stats.h"
#include "axes.h"
#include "load.h"

int anz_file_fail(anz_file_result *fr, const anz_jvalue *at, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(fr->reason, sizeof fr->reason, "%s:%u:%u: %s", fr->path, at ? at->line : 1u, at ? at->col : 1u, msg);
  fr->skipped = 1;
  return -1;
}

void anz_row_skipped(anz_file_result *fr, const char *name, const char *fmt, ...) {
  ++fr->rows_skipped;
  if (fr->nskips >= ANZ_MAX_ROW_SKIPS_KEPT) return;
  char msg[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fr->skips[fr->nskips].name = anz_strdup(&fr->strings, name ? name : "(unnamed)");
  fr->skips[fr->nskips].reason = anz_strdup(&fr->strings, msg);
  ++fr->nskips;
}

void anz_row_set_from_samples(anz_row *row, double *x, size_t n, anz_stat stat) {
  stats_summary st;
  if (n == 0 || stats_compute(x, n, &st) != 0) return;
  row->samples = (double)n;
  if (n == 1) {
    row->time_s = x[0];
    row->stat_used = "single";
    row->spread_used = "none";
    row->low_s = row->high_s = x[0];
    return;
  }
  switch (stat) {
    case ANZ_STAT_MEDIAN:
      row->time_s = st.median;
      row->stat_used = "median";
      row->low_s = st.q1;
      row->high_s = st.q3;
      row->spread_used = "iqr";
      break;
    case ANZ_STAT_MEAN:
      row->time_s = st.mean;
      row->stat_used = "mean";
      row->low_s = st.mean - st.stddev;
      row->high_s = st.mean + st.stddev;
      row->spread_used = "stddev";
      break;
    case ANZ_STAT_MIN:
      row->time_s = st.min;
      row->stat_used = "min";
      row->low_s = st.min;
      row->high_s = st.median;
      row->spread_used = "min-median";
      break;
  }
}

static const anz_jvalue *benchmarks_of(const anz_jvalue *root) {
  const anz_jvalue *b = anz_json_get(root, "benchmarks");
  return b && b->type == ANZ_JARRAY ? b : NULL;
}

/* The run's time budget and what it dropped, when the file records them:
 * Google Benchmark "context" {"budget_s", "dropped": [{"name", "reason",
 * "est_call_s"}]}, pytest-benchmark "pal_plan" {"budget_s", "dropped"}.
 * Entries without a name are ignored; files without these keys are unchanged. */
static void read_budget(const anz_jvalue *obj, anz_file_result *fr) {
  if (!obj || obj->type != ANZ_JOBJECT) return;
  int ok = 0;
  double b = anz_json_number(anz_json_get(obj, "budget_s"), &ok);
  if (ok && isfinite(b)) fr->has_budget = 1, fr->budget_s = b;
  const anz_jvalue *arr = anz_json_get(obj, "dropped");
  if (!arr || arr->type != ANZ_JARRAY || arr->len == 0) return;
  anz_dropped *v = anz_realloc(fr->dropped, (fr->ndropped + arr->len) * sizeof *v);
  if (!v) {
    fr->oom = 1;
    return;
  }
  fr->dropped = v;
  for (const anz_jvalue *d = arr->u.first; d; d = d->next) {
    const char *name = anz_json_string(anz_json_get(d, "name"));
    if (!name) continue;
    size_t i;
    for (i = 0; i < fr->ndropped && strcmp(fr->dropped[i].name, name); ++i) {}
    if (i < fr->ndropped) continue; /* listed twice in one file */
    const char *why = anz_json_string(anz_json_get(d, "reason"));
    anz_dropped *x = &fr->dropped[fr->ndropped];
    x->name = anz_strdup(&fr->strings, name);
    x->reason = why ? anz_strdup(&fr->strings, why) : NULL;
    ok = 0;
    x->est_call_s = anz_json_number(anz_json_get(d, "est_call_s"), &ok);
    if (!ok) x->est_call_s = NAN;
    x->duplicate = 0;
    if (x->name) ++fr->ndropped;
  }
}

/* A skipped file keeps nothing of what was read. */
static void drop_contents(anz_file_result *fr) {
  anz_rows_free(&fr->rows);
  fr->nskips = 0;
  fr->rows_skipped = 0;
  free(fr->dropped);
  fr->dropped = NULL;
  fr->ndropped = 0;
  fr->has_budget = 0;
}

/* An allocation failed while the file was read: it is skipped as a whole
 * (a file with some rows silently missing would be worse). */
static void skip_out_of_memory(anz_file_result *fr) {
  snprintf(fr->reason, sizeof fr->reason, "%s:1:1: out of memory", fr->path);
  fr->skipped = 1;
  fr->format = fr->version = NULL; /* they may point into the arena */
  drop_contents(fr);
}

void anz_load_buffer(char *buf, size_t size, const anz_load_opts *opts, anz_file_result *fr) {
  anz_jdoc doc;
  anz_jerror err;
  if (anz_json_parse(buf, size, &doc, &err) != 0) {
    if (err.oom)
      snprintf(fr->reason, sizeof fr->reason, "%s:%u:%u: out of memory", fr->path, err.line, err.col);
    else
      snprintf(fr->reason, sizeof fr->reason, "%s:%u:%u: not valid JSON: %s", fr->path, err.line, err.col,
               err.message);
    fr->skipped = 1;
    return;
  }
  const anz_jvalue *root = doc.root;
  if (root->type != ANZ_JOBJECT) {
    anz_file_fail(fr, root, "not a benchmark result: the top level is not an object");
  } else if (anz_json_get(root, "summary_metrics") && anz_json_get(root, "plot_files")) {
    fr->own_output = 1;
    fr->skipped = 1;
    snprintf(fr->reason, sizeof fr->reason, "%s: a results.json written by pal analyze (not an input)", fr->path);
  } else {
    const anz_jvalue *b = benchmarks_of(root);
    const anz_jvalue *first = b ? b->u.first : NULL;
    int (*loader)(const anz_jvalue *, const anz_load_opts *, anz_file_result *) = NULL;
    if (anz_json_get(root, "context")) {
      loader = anz_load_gbench;
    } else if (anz_json_get(root, "machine_info")) {
      loader = anz_load_pytest;
    } else if (anz_json_get(root, "meta") || anz_json_get(root, "devices")) {
      loader = anz_load_nvbench;
    } else if (first && anz_json_get(first, "states")) {
      loader = anz_load_nvbench;
    } else if (first && anz_json_get(first, "stats")) {
      loader = anz_load_pytest;
    } else if (first && (anz_json_get(first, "run_type") || anz_json_get(first, "real_time"))) {
      loader = anz_load_gbench;
    }
    if (!anz_json_get(root, "benchmarks")) {
      anz_file_fail(fr, root,
                    "unknown format: no \"benchmarks\" member (expected Google Benchmark, pytest-benchmark "
                    "or NVBench JSON)");
    } else if (!b) {
      anz_file_fail(fr, anz_json_get(root, "benchmarks"), "wrong schema: \"benchmarks\" is not an array");
    } else if (!loader) {
      if (!first) {
        fr->format = "unknown (empty)";
      } else {
        anz_file_fail(fr, first,
                      "unknown format: neither Google Benchmark (context, run_type), pytest-benchmark "
                      "(machine_info, stats) nor NVBench (meta, states)");
      }
    } else {
      loader(root, opts, fr);
      if (!fr->skipped) {
        read_budget(anz_json_get(root, "context"), fr);
        read_budget(anz_json_get(root, "pal_plan"), fr);
      }
    }
  }
  if (fr->oom || fr->strings.failed) {
    skip_out_of_memory(fr);
  } else if (fr->skipped) {
    drop_contents(fr);
  }
  anz_json_free(&doc);
}

void anz_load_file(const char *path, const anz_load_opts *opts, anz_file_result *fr) {
  memset(fr, 0, sizeof *fr);
  fr->path = path;
  fr->file_epoch = anz_filename_epoch(path);
  int fd = open(path, O_RDONLY);
  struct stat sb;
  if (fd < 0 || fstat(fd, &sb) != 0) {
    snprintf(fr->reason, sizeof fr->reason, "%s:1:1: cannot read: %s", path, strerror(errno));
    fr->skipped = 1;
    if (fd >= 0) close(fd);
    return;
  }
  if (!S_ISREG(sb.st_mode)) {
    snprintf(fr->reason, sizeof fr->reason, "%s:1:1: not a regular file", path);
    fr->skipped = 1;
    close(fd);
    return;
  }
  if (isnan(fr->file_epoch)) fr->file_epoch = (double)sb.st_mtime;
  size_t size = (size_t)sb.st_size;
  if (opts->max_file_bytes && size > opts->max_file_bytes) {
    snprintf(fr->reason, sizeof fr->reason,
             "%s:1:1: file is %.1f MiB, over the %.0f MiB limit (--max-file-mb); skipped unread", path,
             (double)size / 1048576.0, (double)opts->max_file_bytes / 1048576.0);
    fr->skipped = 1;
    close(fd);
    return;
  }
  char *buf = anz_malloc(size + 1);
  if (!buf) {
    skip_out_of_memory(fr);
    close(fd);
    return;
  }
  size_t got = 0;
  while (got < size) {
    ssize_t r = read(fd, buf + got, size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  anz_load_buffer(buf, got, opts, fr);
  free(buf);
  const char *p = anz_strdup(&fr->strings, path);
  if (!p && !fr->skipped) skip_out_of_memory(fr);
  for (size_t i = 0; i < fr->rows.n; ++i) {
    anz_row *row = &fr->rows.v[i];
    row->file = p;
    if (isnan(row->run_epoch)) row->run_epoch = fr->file_epoch;
  }
}

void anz_file_result_free(anz_file_result *fr) {
  anz_rows_free(&fr->rows);
  free(fr->dropped);
  fr->dropped = NULL;
  fr->ndropped = 0;
  anz_strings_free(&fr->strings);
}
