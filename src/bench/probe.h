/* probe.h - measure the machine's limits in the same run as the benchmarks:
 * streaming-read bandwidth and one compute peak per instruction mix a kernel
 * level can execute (a "roof"). Each probe returns the best of several passes
 * (a limit is a maximum) on all the threads it is given.
 *
 * Roofs (docs/BENCHMARKS.md, "Roofs"):
 *   portable     fp32 multiply then add on the compiler's baseline vectors
 *                (128-bit SSE2 on x86-64): what the scalar level compiles to
 *   fp32_fma256  AVX2 + FMA, 256-bit fp32 FMA chains (the avx2 level)
 *   fp32_fma512  AVX-512F, 512-bit fp32 FMA chains (the avx512 level; fp32
 *                K/V at the amx level)
 *   bf16_dot     AVX512_BF16 VDPBF16PS, 512-bit (no kernel runs it yet)
 *   amx_bf16     AMX-BF16 TDPBF16PS tiles (fp16/bf16 K/V at the amx level)
 *   fp16_fma512  AVX512_FP16 VFMADD...PH, 512-bit (no kernel runs it yet)
 * Bandwidth: portable_read, avx2_read, avx512_read; the run uses the widest.
 */
#ifndef PAL_BENCH_PROBE_H
#define PAL_BENCH_PROBE_H

#include <stddef.h>
#include <stdint.h>

typedef enum bench_roof {
  BENCH_ROOF_PORTABLE,
  BENCH_ROOF_FP32_FMA256,
  BENCH_ROOF_FP32_FMA512,
  BENCH_ROOF_BF16_DOT,
  BENCH_ROOF_AMX_BF16,
  BENCH_ROOF_FP16_FMA512,
  BENCH_ROOF_COUNT
} bench_roof;

typedef enum bench_bw_kind {
  BENCH_BW_PORTABLE,
  BENCH_BW_AVX2,
  BENCH_BW_AVX512,
  BENCH_BW_COUNT
} bench_bw_kind;

/* "fp32_fma256", ...; the context key is "peak_<name>_flops" except where
 * bench_roof_key says otherwise (peak_bf16_dot_flops, peak_fp16_flops). */
const char *bench_roof_name(bench_roof r);
const char *bench_roof_key(bench_roof r);
const char *bench_bw_name(bench_bw_kind k); /* "avx2_read", ... */

/* NULL when this CPU, OS and compiler can run the probe, else why not
 * ("no AVX-512F here"). */
const char *bench_probe_missing(bench_roof r);
const char *bench_bw_missing(bench_bw_kind k);

/* FLOP/s of roof r on `threads` threads: one calibrated pass length (about
 * 30 ms), best of several passes; 0 when bench_probe_missing(r). */
double bench_probe_compute(bench_roof r, int threads);

/* Bytes/s reading `bytes` (well beyond the LLC) on `threads` threads with the
 * widest loads this CPU has; *kind names them. Best of at least
 * `min_trials` reads spread over at least `min_seconds`. */
double bench_probe_read_bandwidth(int64_t bytes, int threads, bench_bw_kind *kind);
double bench_probe_read_with(bench_bw_kind kind, int64_t bytes, int threads, int min_trials,
                             double min_seconds);
bench_bw_kind bench_bw_widest(void);

/* per-ISA inner loops (probe_avx2.c, probe_avx512*.c, probe_amx.c); only call
 * when supported. The loops return a value to keep the work alive. */
double bench__read_sum_avx2(const float *a, int64_t n);
double bench__read_sum_avx512(const float *a, int64_t n);
double bench__fma_loop_avx2(int64_t iters);
double bench__fma_loop_avx512(int64_t iters);
double bench__bf16_dot_loop(int64_t iters);
double bench__fp16_fma_loop(int64_t iters);
extern const int bench__fp16_loop_built; /* 0: the compiler has no AVX512-FP16 */
int bench__amx_enable(void);             /* 0 when the kernel grants tile data */
double bench__amx_bf16_loop(int64_t iters);

/* FLOPs of one iteration of each loop above (and of the portable one). */
#define BENCH_FMA256_FLOPS_PER_ITER (12.0 * 8 * 2)
#define BENCH_FMA512_FLOPS_PER_ITER (12.0 * 16 * 2)
#define BENCH_BF16_DOT_FLOPS_PER_ITER (12.0 * 16 * 2 * 2)
#define BENCH_FP16_FLOPS_PER_ITER (12.0 * 32 * 2)
#define BENCH_AMX_FLOPS_PER_ITER (4.0 * 16384)

#endif /* PAL_BENCH_PROBE_H */
