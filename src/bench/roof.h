/* roof.h - which probed limit judges a row: the roof of the path that ran it
 * (docs/BENCHMARKS.md, "Roofs"), and when a utilisation says more about the
 * probe than about the kernel. */
#ifndef PAL_BENCH_ROOF_H
#define PAL_BENCH_ROOF_H

#include "bench.h"

/* A utilisation above 1 + this is a finding about the probe, not the kernel:
 * best-of-N probes on a shared host read a few percent apart from run to run
 * (bw_peak 23.9-25.8 GB/s on one day), so 5 % is the noise we forgive. */
#define BENCH_PROBE_SUSPECT_MARGIN 0.05

/* The compute roof of level `isa` for K/V of `dtype` (PAL_DTYPE_COUNT:
 * unknown, the level's fp32 roof): scalar -> portable, avx2 -> fp32_fma256
 * (every dtype computes in fp32 after packing), avx512 -> fp32_fma512, amx ->
 * amx_bf16 for fp16/bf16 and fp32_fma512 for fp32 (the AVX-512 fall-back).
 * BENCH_ROOF_COUNT when isa is not a level. */
bench_roof bench_level_roof(pal_isa isa, pal_dtype dtype);

typedef struct bench_row_roof {
  double bw_peak;         /* 0: not probed */
  const char *bw_roof;    /* the bandwidth probe's name, NULL when not probed */
  double flop_peak;       /* the peak flop_util divides by; 0: no flop_util */
  const char *flop_roof;  /* its roof's name, NULL when none */
  double compute_peak;    /* the roofline's compute roof (flop_peak, or for rows without
                             flop_util the level's fp32 roof); 0: unknown */
} bench_row_roof;

/* The roofs of a row of cost c run at the level named isa (pal_isa_name). */
void bench_row_roof_get(const bench_machine *m, const char *isa, const bench_cost *c,
                        bench_row_roof *out);

/* Bits of the counters a row's utilisations flag as suspect: 1 bw_util (only
 * when bw_counts, i.e. cold rows: a hot working set is served by the caches,
 * whose bandwidth the DRAM probe does not measure), 2 flop_util. Pass a
 * negative value for a counter the row lacks. */
enum { BENCH_SUSPECT_BW = 1, BENCH_SUSPECT_FLOP = 2 };
int bench_probe_suspect(double bw_util, double flop_util, int bw_counts);

#endif
