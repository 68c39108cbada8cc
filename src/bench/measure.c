/* measure.c - see measure.h.
 *
 * NOTES
 *  1. A repetition is `calls_per_rep` back-to-back calls timed together; its
 *     sample is the time per call. Calls are calibrated once, after warm-up,
 *     so a repetition lasts >= min_rep_s: timer overhead stays far below the
 *     noise target even for microsecond calls.
 *  2. In cold mode call i uses working set i % rotations, so consecutive calls
 *     never find their data in cache.
 *  3. The noise figure is (Q3 - Q1) / median of the repetition samples: robust
 *     to the occasional preempted repetition that a mean/stddev would chase.
 */
#define _POSIX_C_SOURCE 200809L
#include "measure.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/stats.h"
#include "cpu_load.h"


void bench_samples_free(bench_samples *s) {
  free(s->real_s);
  free(s->cpu_s);
  s->real_s = s->cpu_s = NULL;
}

int bench_samples_append(bench_samples *dst, const bench_samples *src) {
  const size_t n = (size_t)dst->reps + (size_t)src->reps;
  double *r = realloc(dst->real_s, (n ? n : 1) * sizeof(double));
  if (!r) return -1;
  dst->real_s = r;
  double *c = realloc(dst->cpu_s, (n ? n : 1) * sizeof(double));
  if (!c) return -1;
  dst->cpu_s = c;
  memcpy(dst->real_s + dst->reps, src->real_s, (size_t)src->reps * sizeof(double));
  memcpy(dst->cpu_s + dst->reps, src->cpu_s, (size_t)src->reps * sizeof(double));
  if (dst->reps == 0) {
    dst->calls_per_rep = src->calls_per_rep;
    dst->stop_reason = src->stop_reason;
    dst->foreign_load = src->foreign_load;
  } else if (dst->foreign_load >= 0 && src->foreign_load >= 0 &&
             dst->measured_s + src->measured_s > 0) {
    dst->foreign_load = (dst->foreign_load * dst->measured_s + src->foreign_load * src->measured_s) /
                        (dst->measured_s + src->measured_s);
  } else {
    dst->foreign_load = -1;
  }
  dst->reps = (int)n;
  dst->measured_s += src->measured_s;
  stats_summary st;
  if (stats_compute(dst->real_s, n, &st) == 0) dst->noise = st.iqr_rel;
  return 0;
}

int bench_measure(const bench_op *op, void *state, int rotations, const bench_measure_opts *o,
                  volatile sig_atomic_t *stop, bench_samples *out) {
  memset(out, 0, sizeof *out);
  int64_t call = 0;
  /* warm-up: page in, spin up threads, settle clocks */
  double t0 = clock_seconds(CLOCK_MONOTONIC);
  while (call < rotations || clock_seconds(CLOCK_MONOTONIC) - t0 < o->warmup_s) {
    if (*stop) return out->stop_reason = "interrupted", 1;
    if (op->run(state, (int)(call++ % rotations), out->error, sizeof out->error) != 0)
      return out->stop_reason = "error", -1;
    if (call >= 100000) break;
    if (o->warmup_max_s > 0 && clock_seconds(CLOCK_MONOTONIC) - t0 >= o->warmup_max_s) break;
  }
  double per_call = (clock_seconds(CLOCK_MONOTONIC) - t0) / (double)call;
  int64_t calls = per_call > 0 ? (int64_t)ceil(o->min_rep_s / per_call) : 1;
  out->calls_per_rep = calls < 1 ? 1 : calls;

  out->real_s = malloc((size_t)o->max_reps * sizeof(double));
  out->cpu_s = malloc((size_t)o->max_reps * sizeof(double));
  if (!out->real_s || !out->cpu_s) {
    strcpy(out->error, "out of memory for samples");
    return out->stop_reason = "error", -1;
  }
  double measured = 0;
  bench_load_meter load;
  bench_load_meter_start(&load);
  out->foreign_load = -1;
  for (;;) {
    if (*stop) return out->stop_reason = "interrupted", 1;
    double w0 = clock_seconds(CLOCK_MONOTONIC), p0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    for (int64_t i = 0; i < out->calls_per_rep; ++i)
      if (op->run(state, (int)(call++ % rotations), out->error, sizeof out->error) != 0)
        return out->stop_reason = "error", -1;
    double w = clock_seconds(CLOCK_MONOTONIC) - w0, p = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - p0;
    out->real_s[out->reps] = w / (double)out->calls_per_rep;
    out->cpu_s[out->reps] = p / (double)out->calls_per_rep;
    out->reps++;
    measured += w;
    stats_summary st;
    stats_compute(out->real_s, (size_t)out->reps, &st);
    out->noise = st.iqr_rel;
    out->measured_s = measured;
    const char *stop_reason = NULL;
    if (out->reps >= o->min_reps && measured >= o->min_time_s && st.iqr_rel <= o->noise)
      stop_reason = "noise_target";
    else if (measured >= o->max_time_s && out->reps >= (o->cap_min_reps > 0 ? o->cap_min_reps : 2))
      stop_reason = "time_cap";
    else if (out->reps == o->max_reps)
      stop_reason = "max_reps";
    if (stop_reason) {
      out->foreign_load = bench_load_meter_foreign(&load);
      return out->stop_reason = stop_reason, 0;
    }
  }
}
