/* reporter.h - what the runner hands its reporters, and the one interface
 * both implement (Google Benchmark's BenchmarkReporter, in C): the console
 * reporter (report_console.c, stdout) and the JSON reporter (report_json.c,
 * one result file per family). The counters both print come from one place
 * (counters.h).
 *
 * Phases, in the runner's order (runner.c):
 *   begin  a family starts: its first instance is about to be measured
 *          (JSON: names and opens the family's file, writes it empty);
 *   run    one instance's result;
 *   end    what was reported since the last end is complete: after each
 *          instance in one pass, after each round under rounds (pooled);
 *          `last` once more when the run is over.
 * Under rounds every round reports every instance's result pooled over the
 * rounds so far (a dropped instance: no samples, no error): the JSON
 * reporter replaces the previous round's rows, the console, an append-only
 * stream, prints the results of the last complete round once, at the end. */
#ifndef PAL_BENCH_REPORTER_H
#define PAL_BENCH_REPORTER_H

#include <stddef.h>

#include "bench.h"
#include "measure.h"

struct bench_run_opts;
struct bench_schedule;

/* What one instance hands the reporters. */
typedef struct bench_result {
  const bench_instance *instance;
  const bench_samples *samples; /* NULL when errored */
  const char *error;            /* non-NULL: an errored row with this message */
  bench_cost cost;
  int rotations;
  int threads;
  const char *isa;
  int hot;
} bench_result;

typedef struct bench_reporter bench_reporter;
struct bench_reporter {
  /* 0, or -1 after printing why (the run stops). NULL: nothing to do. */
  int (*begin)(bench_reporter *r, const bench_instance *first, const pal_context *ctx);
  void (*run)(bench_reporter *r, const bench_result *res);
  /* 0, or -1 after printing why (one pass: the instance counts as errored;
   * rounds: the run stops). */
  int (*end)(bench_reporter *r, int last);
  void (*destroy)(bench_reporter *r);
};

/* What a reporter is made with; everything outlives it. */
typedef struct bench_reporter_config {
  const struct bench_run_opts *opts;
  const bench_machine *machine; /* its probe figures as of each report */
  struct bench_schedule *sched; /* rounds and budget (NULL: one pass) */
  int pooled;                   /* results are pooled over rounds (see above) */
  const bench_instance *inst;   /* the sweep: results point into it */
  size_t n;
} bench_reporter_config;

/* NULL when memory runs out. */
bench_reporter *bench_console_reporter_create(const bench_reporter_config *cfg);
bench_reporter *bench_json_reporter_create(const bench_reporter_config *cfg);

#endif
