/* pilot.h - the budget's cost model and the short pilot that calibrates it.
 *
 * Model: an instance's time per call is proportional to its work, counted in
 * bytes (decode, fill: memory-bound) or FLOPs (prefill: compute-bound), with
 * one constant per class (family x dtype: the same kernel on the same kind of
 * shape). The pilot times one calibration instance per class (set up, one
 * warm call, then a few timed calls, about 0.1-0.3 s each): the class's
 * largest instance whose work a prior rate puts under 50 ms, so the model
 * extrapolates from the large end. A class whose smallest instance is
 * already long borrows the constant of a calibrated class with the same
 * kernel and dtype. Set-up time is modelled as seconds per byte allocated
 * (rotations x bytes per call), pooled over the calibration set-ups.
 * Why not one timed call of every instance: a single call of prefill at 8192
 * tokens takes 11-16 s on a 2-core host, so such a pilot would spend minutes
 * on the very instances the budget has to decide about. */
#ifndef PAL_BENCH_PILOT_H
#define PAL_BENCH_PILOT_H

#include <signal.h>
#include <stddef.h>

#include "bench.h"

typedef struct bench_estimate {
  int valid;          /* 0: the axes are invalid (setup will report the error) */
  double work;        /* bytes or FLOPs per call */
  int per_flop;       /* 1: work counts FLOPs */
  double alloc_bytes; /* what set-up allocates and fills, about rotations x bytes */
  int rotations;
  int klass;          /* index into bench_pilot.classes */
  double call_s;      /* estimated seconds per call */
  double overhead_s;  /* estimated set-up + teardown seconds */
} bench_estimate;

typedef struct bench_pilot_class {
  const char *family;
  char dtype[16];
  const bench_op *op;
  size_t calibrated_on; /* the instance timed; (size_t)-1 when none */
  int borrowed_from;    /* class whose constant it uses, or -1 */
  double s_per_unit;    /* seconds per byte or FLOP; 0 when unknown */
  double call_s;        /* the calibration instance's time per call */
  int calls_timed;
  double setup_s, teardown_s;
  char note[120];       /* why uncalibrated, if so */
} bench_pilot_class;

typedef struct bench_pilot {
  bench_estimate *est; /* one per instance */
  size_t n;
  bench_pilot_class *classes;
  size_t num_classes;
  double setup_s_per_byte; /* pooled over the calibration set-ups */
  double seconds;          /* the pilot's own wall time */
} bench_pilot;

/* Computes every instance's work and times the calibration set. Returns 0,
 * 1 when *stop was raised, -1 when memory ran out. */
int bench_pilot_run(const bench_instance *inst, size_t n, const bench_machine *m, int hot,
                    volatile sig_atomic_t *stop, bench_pilot *out);
/* Estimates from the class constants (after bench_pilot_run, or after a
 * class's constant was corrected from measurements). */
void bench_pilot_estimate(bench_pilot *p, size_t i);
void bench_pilot_free(bench_pilot *p);

#endif
