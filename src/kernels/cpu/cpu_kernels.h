/* cpu_kernels.h - the contract between the CPU framework and per-ISA micro-kernels.
 *
 * The framework (decode.c, sdpa.c, attention_engine.c, fill_kv_pages.c) owns
 * validation, page-table walks, split-KV planning, threading and the
 * log-sum-exp merge; it contains no intrinsics. Micro-kernels (attend_*.c, one
 * ISA per file) only process one block of up to PAL__BLOCK_TOKENS tokens given
 * as row pointers, so a block may gather rows from several pages.
 *
 * NOTES (invariants the micro-kernels rely on):
 *  1. d is a multiple of 16 in [16, PAL_MAX_HEAD_DIM]; g >= 1; 1 <= n <= PAL__BLOCK_TOKENS.
 *  2. q, acc and scratch are 64-byte aligned; q rows and acc rows are d floats apart.
 *  3. Only rows k_rows[0..n-1] / v_rows[0..n-1] are read, each d elements:
 *     slots past the context may hold NaN and are never pointed at.
 *  4. On entry m[r] may be the engine's start PAL__M_START (-FLT_MAX, no token
 *     seen yet; nonfinite.h) with l[r] == 0 and acc row 0. Scores may be NaN or
 *     +-inf (bad input): the arithmetic must carry a NaN score into l (exp of
 *     NaN is NaN), never clamp it away; the engine then writes the row as NaN.
 *  5. Rows are usually uniformly strided within a page (k_rows[t+1] - k_rows[t] is
 *     the token stride); kernels may exploit that after checking, never assume it.
 */
#ifndef PAL_CPU_KERNELS_H
#define PAL_CPU_KERNELS_H

#include <stdint.h>

#include "pal/pal.h"
#include "prefill_kernels.h" /* prefill micro-kernel contract (prefill engine) */

/* Tokens per micro-kernel call: bounds the scratch and keeps a block's K and
 * V (64 x 256 x 4 B x 2 = 128 KiB worst case, 32 KiB for fp16 at D=128) in L2. */
#define PAL__BLOCK_TOKENS 64

typedef struct pal__attend_args {
  const float *q;              /* [g][d] fp32, already multiplied by the softmax scale */
  int32_t g;                   /* query rows sharing this K/V (the GQA group, >= 1) */
  int32_t d;                   /* head dim */
  const char *const *k_rows;   /* [n] first element of each token's K row, kernel's KV dtype */
  const char *const *v_rows;   /* [n] same for V */
  int32_t n;                   /* tokens in the block */
  float *m;                    /* [g] running max of scores */
  float *l;                    /* [g] running sum of exp(score - m) */
  float *acc;                  /* [g][d] running sum of exp(score - m) * v */
  float *scratch;              /* pal__attend_scratch_floats(g, d) floats, 64-byte aligned */
  /* The block the framework will pass next (same task), for prefetching only:
   * next_n rows (0 when this is the task's last block). Never dereferenced
   * beyond a prefetch. */
  const char *const *k_next;
  const char *const *v_next;
  int32_t next_n;
} pal__attend_args;

/* One online-softmax step over a block: for each row r,
 *   s_t = q_r . k_t;  m' = max(m, max_t s_t);
 *   l' = l * exp(m - m') + sum_t exp(s_t - m');  acc' = acc * exp(m - m') + sum_t exp(s_t - m') v_t */
typedef void (*pal__attend_fn)(const pal__attend_args *a);

/* Floats of scratch a micro-kernel may use: scores [g][BLOCK] plus K and V of
 * the block converted to fp32 ([BLOCK][d] each). */
static inline int64_t pal__attend_scratch_floats(int32_t g, int32_t d) {
  return (int64_t)g * PAL__BLOCK_TOKENS + 2 * (int64_t)PAL__BLOCK_TOKENS * d;
}

/* The dispatch table: one field per operation x KV dtype, decode (attend) and
 * prefill alike. pal__cpu_kernels_init_<isa> is a level's only entry: the
 * scalar init fills every field of every table; higher levels call the level
 * below, then overwrite what they implement, so no field is ever NULL. A new
 * ISA is its kernel files, one init and one detection rung (cpu_features.c). */
typedef struct pal__cpu_kernels {
  pal_isa isa;
  pal__attend_fn attend[PAL_DTYPE_COUNT];
  pal__prefill_kernels prefill; /* the prefill engine's micro-kernels, same level */
} pal__cpu_kernels;

void pal__cpu_kernels_init_scalar(pal__cpu_kernels *t);
void pal__cpu_kernels_init_avx2(pal__cpu_kernels *t);
void pal__cpu_kernels_init_avx512(pal__cpu_kernels *t);
/* Requires pal__amx_request_permission() to have succeeded in this process. */
void pal__cpu_kernels_init_amx(pal__cpu_kernels *t);

/* The AVX-512 kernels, exported so the AMX level can fall back to them for
 * shapes where the tiles do not pay (small groups, fp32 K/V). */
void pal__attend_f32_avx512(const pal__attend_args *a);
void pal__attend_f16_avx512(const pal__attend_args *a);
void pal__attend_bf16_avx512(const pal__attend_args *a);

/* What this CPU and OS allow (cpu_features.c): CPUID and XCR0 read once.
 * refused[isa] is NULL for the levels up to info.best_isa, else why the
 * level is refused (for PAL_ISA_DEBUG). The AMX level also needs the OS's
 * permission, which detection never asks for: pal__amx_request_permission
 * is a separate step, taken only when the AMX level is chosen. */
typedef struct pal__cpu_detection {
  pal_cpu_info info;
  const char *refused[PAL_ISA_COUNT];
} pal__cpu_detection;

void pal__cpu_detect(pal__cpu_detection *det);

/* Linux hands out the AMX tile-data state per process on request
 * (arch_prctl ARCH_REQ_XCOMP_PERM); 0 when granted (idempotent), -1 otherwise
 * (old kernel, other OS, or refused). cpu_features.c. */
int pal__amx_request_permission(void);

/* Scalar element conversions (convert.c): round to nearest even, NaN kept. */
float pal__f16_to_f32(uint16_t h);
uint16_t pal__f32_to_f16(float f);
float pal__bf16_to_f32(uint16_t h);
uint16_t pal__f32_to_bf16(float f);

/* Row conversions between a storage dtype and fp32 (convert.c). */
void pal__row_to_f32(pal_dtype dtype, const void *src, float *dst, int64_t n);
void pal__row_from_f32(pal_dtype dtype, const float *src, void *dst, int64_t n);
/* Copy n elements converting src_dtype -> dst_dtype (memcpy when equal). */
void pal__row_convert(pal_dtype src_dtype, const void *src, pal_dtype dst_dtype, void *dst,
                      int64_t n);

#endif /* PAL_CPU_KERNELS_H */
