/* analyze.h - `pal analyze`: result files in, one normalised table, plots
 * (PNG + SVG, with their gnuplot script and data) and results.json out.
 *
 *   inputs (files/dirs) -> load (one loader per format, files in parallel)
 *   -> table (newest run per instance unless all_runs) -> plotters -> writers
 */
#ifndef PAL_ANALYZE_H
#define PAL_ANALYZE_H

#include <stddef.h>
#include <stdio.h>

#include "../common/contention.h"
#include "load.h"
#include "table.h"

typedef struct anz_options {
  const char *const *inputs; /* directories (their *.json) or files */
  size_t ninputs;
  const char *output_dir;
  anz_stat stat;
  int all_runs;          /* keep every run of an instance, not only the newest */
  int strict;            /* any skipped file or row makes the exit status non-zero */
  int verbose;
  int no_plots;          /* results.json only */
  size_t max_file_bytes; /* 0: no limit */
  const char *gnuplot;   /* program to run; NULL: "gnuplot" */
  const char *table_path; /* --table: the normalised table as CSV (table_csv.h); NULL: none */
  const char *const *kernels; /* --kernel: keep only rows of these kernels (anz_kernel_filter_match) */
  size_t nkernels;            /* 0: every kernel */
  FILE *out, *err;       /* progress and diagnostics (stdout, stderr) */
} anz_options;

/* A result measured while other processes took more than this share of the
 * CPUs (pal bench's foreign_load) is counted and flagged as contended. */
#define ANZ_CONTENDED_LOAD CONTENDED_LOAD /* src/common/contention.h */

/* The table the plotters see. */
typedef struct anz_table {
  anz_file_result *files;
  size_t nfiles;
  anz_row **rows; /* kept rows, in a stable order */
  size_t nrows;
  size_t rows_superseded; /* older runs dropped by newest-wins */
  size_t rows_filtered;   /* newest rows left out by --kernel */
  size_t rows_contended;  /* kept rows whose foreign_load exceeds ANZ_CONTENDED_LOAD */
  size_t rows_suspect;    /* kept rows flagged probe_suspect (table.h, ANZ_PROBE_MARGIN) */
  size_t ndropped;        /* instances the runs' time budgets dropped (by name and file, each once) */
  const anz_options *opts;
} anz_table;

/* Exit status: 0 ok; 1 nothing could be read, or (strict) something was
 * skipped or a plot failed; 2 usage / output errors, or an allocation
 * failed (the analysis is incomplete; "out of memory" on o->err). */
int anz_run(const anz_options *opts);

/* The steps, for tests. */
int anz_collect_inputs(const anz_options *o, char ***paths, size_t *n);
/* Loads, keeps the newest run per instance (unless all_runs), applies
 * --kernel, counts, assigns colours. 0 ok; -1 out of memory (the table is
 * then freed and empty); 2 a --kernel name matched no row (said on o->err;
 * the table is still to be freed). */
int anz_table_load(const anz_options *o, char **paths, size_t n, anz_table *t);
/* --kernel NAME: the kernel class (pal or paged_attention, sdpa, other) or
 * the row's kernel_name, case ignored. */
int anz_kernel_filter_match(const anz_row *r, const char *name);
void anz_table_free(anz_table *t);
/* One line on err: how many kept rows are probe_suspect, and the first few. */
void anz_warn_probe_suspect(const anz_table *t, FILE *err);

#endif /* PAL_ANALYZE_H */
