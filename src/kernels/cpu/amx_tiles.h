/* amx_tiles.h - AMX tile instructions and configuration shared by the AMX
 * kernels (attend_amx.c, prefill_amx.c). Include after the file's target
 * pragma (amx-tile, amx-bf16, avx512f) and <immintrin.h>. */
#ifndef PAL_AMX_TILES_H
#define PAL_AMX_TILES_H

#include <stdint.h>

/* Tile instructions as asm with memory clobbers: the compiler's tileloadd /
 * ldtilecfg wrappers do not tell it which memory they read. */
#define TLOAD(t, base, stride)                                                  \
  __asm__ volatile("tileloadd (%0,%1,1), %%tmm" #t ::"r"((const void *)(base)), \
                   "r"((long)(stride))                                          \
                   : "memory")
#define TSTORE(t, base, stride)                                                 \
  __asm__ volatile("tilestored %%tmm" #t ", (%0,%1,1)" ::"r"((void *)(base)), \
                   "r"((long)(stride))                                         \
                   : "memory")
#define TZERO(t) __asm__ volatile("tilezero %%tmm" #t ::)
/* tmm c += tmm a . tmm b */
#define TDP(c, a, b) __asm__ volatile("tdpbf16ps %%tmm" #b ", %%tmm" #a ", %%tmm" #c ::)

/* The ldtilecfg operand (palette 1). */
typedef struct pal__tile_cfg {
  uint8_t palette;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
} __attribute__((aligned(64))) pal__tile_cfg;

/* ldtilecfg costs ~50 ns, sttilecfg ~5: reload only when the shapes differ
 * (each thread has its own tile state; a fresh one reads back as zeros). */
static inline __attribute__((always_inline)) void pal__tile_cfg_load(const pal__tile_cfg *want) {
  pal__tile_cfg have;
  __asm__ volatile("sttilecfg %0" : "=m"(have)::"memory");
  const __m512i x = _mm512_load_si512((const void *)&have);
  const __m512i y = _mm512_load_si512((const void *)want);
  if (_mm512_cmpneq_epi32_mask(x, y)) __asm__ volatile("ldtilecfg %0" ::"m"(*want) : "memory");
}

#endif /* PAL_AMX_TILES_H */
