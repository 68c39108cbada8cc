/* report_json.h - Google Benchmark JSON (schema 1) for one benchmark family.
 *
 * The file is rewritten atomically after every finished instance, so a run
 * stopped at any moment leaves valid JSON holding every finished instance.
 * Rows: one "iteration" row per repetition (the raw samples), then mean,
 * median, stddev, cv and min "aggregate" rows, each carrying the instance's axes
 * as plain fields and the derived counters (docs/BENCHMARKS.md). */
#ifndef PAL_BENCH_REPORT_JSON_H
#define PAL_BENCH_REPORT_JSON_H

#include <jansson.h>

#include "bench.h"
#include "measure.h"

typedef struct bench_report bench_report;

/* What one finished instance hands the reporter. */
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

/* Takes ownership of `context`. Writes the (empty) file at once; NULL with
 * errno on failure. */
bench_report *bench_report_open(const char *path, json_t *context, const bench_machine *m);
/* Appends one finished instance's rows and rewrites the file. 0, or -1 with errno. */
int bench_report_add(bench_report *r, const bench_result *res);
/* For a caller that rewrites every instance at once (interleaved rounds):
 * clear drops all rows and append adds one instance's, neither touching the
 * file; flush then replaces it in one atomic write. */
void bench_report_clear(bench_report *r);
void bench_report_append(bench_report *r, const bench_result *res);
int bench_report_flush(bench_report *r);
const char *bench_report_path(const bench_report *r);
void bench_report_close(bench_report *r);

#endif
