/* round.h - rounding helpers for carving 64-byte aligned per-thread scratch
 * (both engines). Inline-only. */
#ifndef PAL_ROUND_H
#define PAL_ROUND_H

#include <stdint.h>

/* x rounded up to a multiple of m (x >= 0, m > 0). */
static inline int64_t pal__round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
/* A float count rounded up to whole 64-byte lines. */
static inline int64_t pal__align16(int64_t floats) { return pal__round_up(floats, 16); }
static inline int64_t pal__clamp64(int64_t x, int64_t lo, int64_t hi) {
  return x < lo ? lo : x > hi ? hi : x;
}

#endif /* PAL_ROUND_H */
