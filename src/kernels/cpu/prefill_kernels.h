/* prefill_kernels.h - the contract between the tiled prefill engine
 * (prefill_engine.c) and its per-ISA micro-kernels (prefill_<isa>.c).
 *
 * The engine owns tiling, masks, soft-cap, ALiBi, threading and outputs; a
 * micro-kernel set does the arithmetic of one (query tile x key tile) step:
 *   pack_q  once per work item: M query rows (fp32, unscaled) -> the kernel's
 *           Q operand (it may fold the softmax scale in, or keep it for qk);
 *   pack_k / pack_v  once per key tile: n <= PAL__PREFILL_KEYS K / V rows
 *           (pool dtype, row pointers) -> the kernel's K and V operands;
 *   qk      s[r][t] = scale * q_r . k_t for r < M, t < n (in the layout
 *           scores_transposed names);
 *   softmax the online-softmax step on s (entries may be -INFINITY: masked):
 *           m' = max(m, max_t s), p = exp(s - m') in place (0 where s = -inf,
 *           and for a row whose m' is still -inf), l' = l e^(m - m') + sum p,
 *           acc *= e^(m - m'); the engine starts rows at PAL__M_START
 *           (nonfinite.h), and a NaN score must reach l as NaN;
 *   pv      acc[r][:] += sum_t p[r][t] v_t (it may overwrite p: the engine
 *           is done with it).
 * The operand formats are private to one micro-kernel set; the engine only
 * sizes them (PAL__PREFILL_*_BYTES) and hands them back.
 *
 * NOTES (invariants kernels rely on):
 *  1. d is a multiple of 16 in [16, PAL_MAX_HEAD_DIM]; 1 <= M <= PAL__PREFILL_ROWS;
 *     1 <= n <= PAL__PREFILL_KEYS.
 *  2. All buffers are 64-byte aligned; q and acc rows are d floats apart.
 *  3. Only rows[0..n-1] are read (d elements each): slots past a context may
 *     hold NaN and are never pointed at. Packers zero any padding they use.
 *  4. s columns t >= n are never read by the engine; kernels may write them.
 *  5. acc has PAL__PREFILL_ROWS rows: kernels may load and store rows >= M
 *     (never read by the engine) to work on whole 16-row tiles.
 */
#ifndef PAL_PREFILL_KERNELS_H
#define PAL_PREFILL_KERNELS_H

#include <stdint.h>

#include "pal/pal.h"

/* Query rows per work item (query positions x heads of a GQA group) and keys
 * per tile. 32 x 64 fp32 scores = 8 KiB; K and V of a tile at D = 128 in fp32
 * = 64 KiB: the tile's operands stay in L2, Q and scores in L1. */
#define PAL__PREFILL_ROWS 32
#define PAL__PREFILL_KEYS 64

/* Operand buffer sizes in bytes, the largest any kernel set uses. */
#define PAL__PREFILL_D32(d) (((int64_t)(d) + 31) / 32 * 32)
#define PAL__PREFILL_Q_BYTES(d) ((int64_t)PAL__PREFILL_ROWS * PAL__PREFILL_D32(d) * 4 + 64)
/* The last PAL__PREFILL_PV_SPARE bytes of the V operand are pv's own
 * scratch (pack_v leaves them alone). */
#define PAL__PREFILL_PV_SPARE 8192
#define PAL__PREFILL_KV_BYTES(d) \
  ((int64_t)PAL__PREFILL_KEYS * PAL__PREFILL_D32(d) * 4 + PAL__PREFILL_PV_SPARE)

typedef struct pal__prefill_ops {
  /* 0: s is [M][PAL__PREFILL_KEYS] (row r, key t at s[r * KEYS + t]);
   * 1: s is transposed, [PAL__PREFILL_KEYS][PAL__PREFILL_ROWS] (s[t * ROWS + r]). */
  int scores_transposed;
  /* Called once per work item on its thread before the other entries (may
   * be NULL): per-thread state such as the AMX tile configuration. */
  void (*begin)(void);
  void (*pack_q)(const float *q, int m, int d, float scale, void *qp);
  void (*pack_k)(const char *const *rows, int n, int d, void *kp);
  void (*pack_v)(const char *const *rows, int n, int d, void *vp);
  void (*qk)(const void *qp, int m, int d, const void *kp, int n, float *s);
  void (*softmax)(float *s, int m, int n, float *mx, float *l, float *acc, int d);
  void (*pv)(float *p, int m, int n, void *vp, int d, float *acc);
} pal__prefill_ops;

/* ops[kv dtype][bf16q]: bf16q = 1 when Q and the output are bf16 (a level may
 * then use bf16-precision products; the others fill both alike). */
typedef struct pal__prefill_kernels {
  pal__prefill_ops ops[PAL_DTYPE_COUNT][2];
} pal__prefill_kernels;

/* One level's entries, called only by that level's pal__cpu_kernels_init_<isa>
 * (cpu_kernels.h), after the level below has filled the whole table: scalar
 * and avx2 fill every entry, avx512 and amx overwrite what they implement.
 * The chain of levels lives in the cpu_kernels inits alone. */
void pal__prefill_kernels_init_scalar(pal__prefill_kernels *t);
void pal__prefill_kernels_init_avx2(pal__prefill_kernels *t);
void pal__prefill_kernels_init_avx512(pal__prefill_kernels *t);
/* Requires pal__amx_request_permission() to have succeeded in this process. */
void pal__prefill_kernels_init_amx(pal__prefill_kernels *t);

#endif /* PAL_PREFILL_KERNELS_H */
