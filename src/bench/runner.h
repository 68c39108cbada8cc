/* runner.h - `pal bench` from parsed options to result files. */
#ifndef PAL_BENCH_RUNNER_H
#define PAL_BENCH_RUNNER_H

#include <signal.h>

#include "measure.h"
#include "schedule.h"
#include "sweep.h"

typedef struct bench_run_opts {
  bench_sweep_opts sweep;
  bench_measure_opts measure;
  const char *out_dir; /* created if missing */
  const char *target;  /* the {target} in cpp_{target}_{family}_{timestamp}.json */
  const char *command_line;
  int hot;
  int list;
  int probe;
  int progress; /* a live progress line on stderr */
  /* Re-measure an instance up to this many times while other processes took
   * more than CONTENDED_LOAD of the CPUs (0: measure once). */
  int quiet_retries;
  /* --interleave R (R >= 2): measure every instance in R rounds of
   * max_time / R each, the rounds going through the whole sweep, so a change
   * in the host's load touches every instance alike (0 or 1: one pass). */
  int interleave;
  bench_budget_opts budget; /* --budget, --plan-only, --plan-out, --seed ... (schedule.h) */
  volatile sig_atomic_t *stop;
} bench_run_opts;

/* Returns the process exit status: 0 ok, 1 some instance errored, 2 usage,
 * 130 interrupted (files hold every finished instance; interleaved: every
 * instance as of the last complete round). */
int bench_run(const bench_run_opts *o);

#endif
