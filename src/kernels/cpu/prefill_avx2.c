/* prefill_avx2.c - the AVX2 level of the prefill micro-kernels: the
 * portable kernels of prefill_portable.h compiled for AVX2 + FMA + F16C,
 * which the compiler vectorises 8 wide (fp32 operands; the fp16 / bf16
 * conversions while packing stay convert.c's scalar ones). No hand-written
 * AVX2 intrinsics: this level is the fall-back below AVX-512.
 */
#include <math.h>
#include <string.h>

#include "cpu_kernels.h"

/* The ISA applies to the kernels only; the init below stays baseline. */
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#endif

#include "prefill_portable.h"

static void fill_avx2(pal__prefill_kernels *t) { PORTABLE_FILL(t); }

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

void pal__prefill_kernels_init_avx2(pal__prefill_kernels *t) { fill_avx2(t); }
