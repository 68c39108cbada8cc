/* bench.h - the benchmark runner's model: suites (families) with named axes,
 * instances (one value per axis), workloads that set up and run one call, and
 * the machine facts every result is judged against.
 *
 * Data flows one way: registry -> sweep (instances) -> measure (samples) ->
 * reporters (console, Google Benchmark JSON). The runner never draws or analyses.
 */
#ifndef PAL_BENCH_H
#define PAL_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "pal/pal.h"
#include "probe.h"

#define BENCH_MAX_AXES 16
#define BENCH_VALUE_LEN 48

/* One axis of a suite: its name and default values as a comma list. */
typedef struct bench_axis {
  const char *name;
  const char *values;
} bench_axis;

struct bench_suite;

/* One point of a sweep. */
typedef struct bench_instance {
  const struct bench_suite *suite;
  int num_axes;
  struct {
    const char *name;
    char value[BENCH_VALUE_LEN];
  } axes[BENCH_MAX_AXES];
  char name[320]; /* Google Benchmark style: FAMILY/axis:value/... (swept axes only) */
  int family_index, instance_index;
} bench_instance;

/* Bandwidth figures of single probe runs kept for the report (--interleave
 * probes again before each round; more rounds keep only the best). */
#define BENCH_PROBE_RUNS_KEPT 32

/* What the machine can do, probed at the start of a run and, under
 * --interleave, again before every round; each peak is the best of all its
 * probe runs (machine.c, probe_*.c). */
typedef struct bench_machine {
  char host[128];
  char cpu_model[64];
  int num_cpus;
  double mhz;                  /* from /proc/cpuinfo; 0 when unknown */
  int64_t cache_bytes[4];      /* L1d, L2, L3 sizes (index by level), 0 when unknown */
  int cache_sharing[4];
  int64_t llc_bytes;           /* last-level cache size, what cold mode must exceed */
  double bw_peak;              /* streaming-read bytes/s, all cores, DRAM-sized buffer */
  const char *bw_probe_isa;    /* its roof: "avx512_read", "avx2_read" or "portable_read" */
  /* FLOP/s of each compute roof, all cores (probe.h); 0 where roof_missing */
  double roof_flops[BENCH_ROOF_COUNT];
  const char *roof_missing[BENCH_ROOF_COUNT]; /* NULL: probed; else why it was skipped */
  /* Summaries for older readers, derived from roof_flops (machine.c): */
  double peak_fp32_flops;      /* the widest fp32 roof probed (fma512, fma256, portable) */
  const char *peak_fp32_isa;
  double peak_bf16_flops;      /* the best bf16 roof probed (amx_bf16, bf16_dot), 0 if none */
  const char *peak_bf16_isa;
  double probe_scale;          /* PAL_BENCH_PROBE_SCALE test hook (1: unset), applied to every peak */
  double probe_foreign_load;   /* share of the CPUs other processes took while probing, -1 unknown */
  int probed;                  /* 0: probes skipped (--no-probe); utilisations are omitted */
  int probe_runs;              /* probe passes the peaks are the best of */
  double bw_runs[BENCH_PROBE_RUNS_KEPT]; /* bw_peak of each pass, the first probe_runs (capped) */
} bench_machine;

/* Work done by one call, by the formulas in docs/BENCHMARKS.md. */
typedef struct bench_cost {
  double bytes; /* bytes that must cross the memory system once */
  double flops;
  double items; /* decode: query tokens (sequences); fill: tokens written */
  /* compute kernels (prefill): 1 + the K/V pal_dtype, which with the
   * context's level picks the compute roof that judges the FLOPs
   * (roof.h: bench_level_roof) and so gives flop_util; 0: no flop_util */
  int flop_dtype;
} bench_cost;

/* Run-wide settings every workload sees. */
typedef struct bench_env {
  const pal_context *ctx;
  const bench_machine *machine;
  int hot;                  /* 1: reuse one working set (back to back); 0: rotate (cold) */
  int64_t cold_target_bytes; /* cold mode: rotate through at least this many bytes */
} bench_env;

/* A kind of work (decode paged/dense, fill, prefill). Who frees what:
 *   setup  returns 0 with *state set, which the caller hands to teardown
 *          once done; or non-zero having freed everything it allocated
 *          (*state NULL, no teardown), with a reason in `why` that names the
 *          axis and value at fault ("page_size=0: must be at least 1",
 *          "seq_len=4096: allocating 2.1 GiB of K/V pages failed"); the
 *          instance is then reported as errored.
 *   teardown frees a state setup made, whatever run did with it. */
typedef struct bench_op {
  const char *name;
  int (*setup)(const bench_instance *in, const bench_env *env, void **state, bench_cost *cost,
               int *rotations, char *why, size_t why_size);
  /* One call on working set `rotation`; 0 or non-zero with `why`. */
  int (*run)(void *state, int rotation, char *why, size_t why_size);
  void (*teardown)(void *state);
} bench_op;

typedef struct bench_suite {
  const char *name;   /* family, e.g. "BM_PAL_LatencyVsSeqLen" */
  const char *kernel; /* "pal" | "sdpa" */
  const bench_op *op;
  const char *swept;  /* the axis this family sweeps (names list the swept axes) */
  bench_axis axes[BENCH_MAX_AXES];
  const char *quick_values; /* reduced values of the swept axis for --quick */
} bench_suite;

/* registry.c */
extern const bench_suite *const bench_suites[];
extern const size_t bench_num_suites;

/* axes.c: reading an instance's values */
const char *bench_get(const bench_instance *in, const char *axis);
int64_t bench_get_int(const bench_instance *in, const char *axis, int64_t fallback);
pal_dtype bench_get_dtype(const bench_instance *in);
/* For setup's checks: an integer axis (fallback where the instance lacks it)
 * and the range it must lie in. */
typedef struct bench_int_check {
  const char *axis;
  int64_t fallback, lo, hi;
} bench_int_check;
/* 0 when every check (up to one with a NULL axis) holds; else -1 with why =
 * "batch=0: must be at least 1" for the first that does not. */
int bench_check_ints(const bench_instance *in, const bench_int_check *checks, char *why,
                     size_t why_size);
/* For a failed setup: prefixes why with the axis and value at fault, the
 * family's swept axis ("seq_len=4096: allocating 2.1 GiB of K/V pages
 * failed"). Returns -1. */
int bench_setup_failed(const bench_instance *in, char *why, size_t why_size);

/* workloads */
extern const bench_op bench_op_decode_paged;
extern const bench_op bench_op_decode_dense;
extern const bench_op bench_op_fill_kv_pages;
extern const bench_op bench_op_prefill_paged; /* pal_prefill */
extern const bench_op bench_op_prefill_dense; /* pal_sdpa, causal, same shapes */

/* models.c: realistic configurations for the ModelConfig families */
typedef struct bench_model {
  const char *name;
  int32_t num_q_heads, num_kv_heads, head_dim, seq_len, batch;
  const char *note;
} bench_model;
const bench_model *bench_find_model(const char *name);
extern const bench_model bench_models[];
extern const size_t bench_num_models;
/* Every model's name as one comma list: the model axis of the ModelConfig families */
extern const char bench_model_names[];

#endif /* PAL_BENCH_H */
