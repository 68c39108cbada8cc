/* load.h - reading one result file into rows: format detection by content
 * and one loader per format. A loader validates what it reads; a file that
 * cannot be used is skipped as a whole with "path:line:col: reason", a row
 * that cannot be used is skipped with its name and reason. */
#ifndef PAL_ANALYZE_LOAD_H
#define PAL_ANALYZE_LOAD_H

#include <stddef.h>

#include "json.h"
#include "table.h"

typedef struct anz_load_opts {
  anz_stat stat;
  size_t max_file_bytes; /* larger files are skipped without being read */
} anz_load_opts;

typedef struct anz_row_skip {
  const char *name;   /* instance */
  const char *reason; /* e.g. "error_occurred: out of memory" */
} anz_row_skip;

#define ANZ_MAX_ROW_SKIPS_KEPT 50

/* An instance the run's time budget left out (pal bench --budget: Google
 * Benchmark context "dropped"; pytest-benchmark "pal_plan"."dropped"). */
typedef struct anz_dropped {
  const char *name, *reason; /* reason NULL when the file gives none */
  double est_call_s;         /* NaN when not given */
  int duplicate;             /* 1: listed already (same name and file); set by anz_table_load */
} anz_dropped;

typedef struct anz_file_result {
  const char *path;
  const char *format;  /* "gbench", "pytest-benchmark", "nvbench"; NULL when unknown */
  const char *version; /* schema / tool version as written in the file, or NULL */
  int skipped;         /* 1: the whole file was skipped, see reason */
  int own_output;      /* 1: a results.json written by pal analyze (ignored, not an error) */
  int oom;             /* an allocation failed: the file is skipped with "out of memory" */
  char reason[512];    /* "path:line:col: reason" */
  anz_rows rows;
  anz_strings strings;
  size_t rows_skipped; /* all of them; the first ANZ_MAX_ROW_SKIPS_KEPT are listed */
  anz_row_skip skips[ANZ_MAX_ROW_SKIPS_KEPT];
  size_t nskips;
  double file_epoch;   /* from the file name or its mtime: the fallback run date */
  anz_dropped *dropped; /* instances the run's time budget dropped (malloc'd) */
  size_t ndropped;
  int has_budget;       /* the file records the run's time budget */
  double budget_s;
} anz_file_result;

/* Reads and loads one file. Never fails as a call: problems end up in fr. */
void anz_load_file(const char *path, const anz_load_opts *opts, anz_file_result *fr);
/* The same on a buffer (what the fuzz targets call). buf[size] must be
 * writable. */
void anz_load_buffer(char *buf, size_t size, const anz_load_opts *opts, anz_file_result *fr);
void anz_file_result_free(anz_file_result *fr);

/* Loaders (one per format) and their helpers. */
int anz_load_gbench(const anz_jvalue *root, const anz_load_opts *opts, anz_file_result *fr);
int anz_load_pytest(const anz_jvalue *root, const anz_load_opts *opts, anz_file_result *fr);
int anz_load_nvbench(const anz_jvalue *root, const anz_load_opts *opts, anz_file_result *fr);

/* File-level failure at a value's position; returns -1. */
int anz_file_fail(anz_file_result *fr, const anz_jvalue *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Row-level skip; the reason is formatted and copied. */
void anz_row_skipped(anz_file_result *fr, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Statistics over per-repetition samples (seconds), for loaders that have
 * raw samples: fills time/low/high/stat_used/spread_used/samples. */
void anz_row_set_from_samples(anz_row *row, double *samples, size_t n, anz_stat stat);

#endif /* PAL_ANALYZE_LOAD_H */
