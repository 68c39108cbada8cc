/* measure.h - timing one instance: warm-up, repetitions of a calibrated
 * number of calls, stop on a noise target or a time cap, raw samples kept. */
#ifndef PAL_BENCH_MEASURE_H
#define PAL_BENCH_MEASURE_H

#include <signal.h>

#include "bench.h"

typedef struct bench_measure_opts {
  double warmup_s;   /* at least this long, and at least one call per working set */
  double min_rep_s;  /* a repetition runs enough calls to last this long */
  double min_time_s; /* do not stop on noise before this much measured time */
  double max_time_s; /* the cap: stop here whatever the noise */
  double noise;      /* target relative spread (IQR / median) of repetition times */
  int min_reps, max_reps;
  /* The time cap stops only after this many repetitions (0: 2). A budget's
   * plan sets it so the rounds of an instance add up to min_reps. */
  int cap_min_reps;
  /* The warm-up stops after this long (at least one call) even before every
   * working set was used once (0: no cap). A budget sets it: on a busy host
   * a 25 us call can take 16 ms, and 362 working sets made a 6 s warm-up. */
  double warmup_max_s;
} bench_measure_opts;

/* Above CONTENDED_LOAD of foreign load the runner flags a result as measured
 * under contention. */
#include "../common/contention.h"

typedef struct bench_samples {
  double *real_s; /* per-call wall time of each repetition */
  double *cpu_s;  /* per-call process CPU time of each repetition */
  int reps;
  int64_t calls_per_rep;
  const char *stop_reason; /* "noise_target", "time_cap", "max_reps", "interrupted", "error" */
  double noise;            /* IQR / median reached */
  double measured_s;
  /* Share of the machine's CPU time that other processes took while the
   * repetitions ran (0 = none, 1 = every CPU all the time); -1 unknown.
   * Anything above a few percent means the figures measured contention. */
  double foreign_load;
  char error[256];
} bench_samples;

/* Runs op->run on `state`. Returns 0 (samples filled), -1 on a run error
 * (samples->error says why), 1 when *stop became non-zero. */
int bench_measure(const bench_op *op, void *state, int rotations, const bench_measure_opts *o,
                  volatile sig_atomic_t *stop, bench_samples *out);
void bench_samples_free(bench_samples *s);

/* Appends src's repetitions to dst (an interleaved instance's pool; dst may
 * be all zero at first): noise is recomputed over the pool, measured time
 * summed, foreign_load weighted by measured time, calls_per_rep and
 * stop_reason kept from the first slice. 0, or -1 when memory runs out. */
int bench_samples_append(bench_samples *dst, const bench_samples *src);

#endif
