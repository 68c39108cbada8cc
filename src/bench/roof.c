/* roof.c - see roof.h. The level -> roof table follows what each level's
 * kernels execute (src/kernels/context.c picks one level per context; each
 * init fills its table from the level below and overrides what it has):
 *   scalar  prefill_scalar.c, the portable kernels built for baseline x86-64
 *           (SSE2 multiplies and adds once vectorised by the compiler);
 *   avx2    prefill_avx2.c, the same kernels built for AVX2+FMA+F16C, fp32
 *           operands (fp16/bf16 converted while packing);
 *   avx512  prefill_avx512.c, fp32 FMA-512 for every dtype;
 *   amx     prefill_amx.c / attend_amx.c: fp16 and bf16 K/V on the tiles,
 *           fp32 K/V left to the AVX-512 kernels. */
#include "roof.h"

#include <string.h>

bench_roof bench_level_roof(pal_isa isa, pal_dtype dtype) {
  switch (isa) {
    case PAL_ISA_SCALAR: return BENCH_ROOF_PORTABLE;
    case PAL_ISA_AVX2: return BENCH_ROOF_FP32_FMA256;
    case PAL_ISA_AVX512: return BENCH_ROOF_FP32_FMA512;
    case PAL_ISA_AMX:
      return dtype == PAL_F16 || dtype == PAL_BF16 ? BENCH_ROOF_AMX_BF16 : BENCH_ROOF_FP32_FMA512;
    default: return BENCH_ROOF_COUNT;
  }
}

static pal_isa isa_from_name(const char *name) {
  for (int i = PAL_ISA_SCALAR; name && i < PAL_ISA_COUNT; ++i)
    if (!strcmp(name, pal_isa_name((pal_isa)i))) return (pal_isa)i;
  return PAL_ISA_AUTO;
}

void bench_row_roof_get(const bench_machine *m, const char *isa, const bench_cost *c,
                        bench_row_roof *out) {
  memset(out, 0, sizeof *out);
  if (!m->probed) return;
  if (m->bw_peak > 0) {
    out->bw_peak = m->bw_peak;
    out->bw_roof = m->bw_probe_isa;
  }
  const pal_isa level = isa_from_name(isa);
  const pal_dtype dt = c->flop_dtype > 0 ? (pal_dtype)(c->flop_dtype - 1) : PAL_DTYPE_COUNT;
  const bench_roof r = bench_level_roof(level, dt);
  const double peak = r < BENCH_ROOF_COUNT ? m->roof_flops[r] : 0;
  out->compute_peak = peak;
  if (c->flop_dtype > 0 && peak > 0) {
    out->flop_peak = peak;
    out->flop_roof = bench_roof_name(r);
  }
}

int bench_probe_suspect(double bw_util, double flop_util, int bw_counts) {
  const double limit = 1 + BENCH_PROBE_SUSPECT_MARGIN;
  return (bw_counts && bw_util > limit ? BENCH_SUSPECT_BW : 0) |
         (flop_util > limit ? BENCH_SUSPECT_FLOP : 0);
}
