/* convert.c - scalar fp16 / bf16 <-> fp32 conversions by bit manipulation.
 *
 * Used for Q/O rows, fill_kv_pages and the scalar micro-kernel; SIMD levels
 * use their own instructions for the K/V stream. Rounding is to nearest even;
 * NaN stays NaN (quiet), overflow gives infinity.
 */
#include "../baseline_only.h"

#include <string.h>

#include "cpu_kernels.h"

static uint32_t f32_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static float bits_f32(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

float pal__f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t man = h & 0x3ffu;
  if (exp == 0x1f) return bits_f32(sign | 0x7f800000u | (man << 13)); /* inf / NaN */
  if (exp == 0) {
    if (man == 0) return bits_f32(sign);
    /* subnormal: value = man * 2^-24 exactly representable in fp32 */
    float f = (float)man * 5.9604644775390625e-8f;
    return sign ? -f : f;
  }
  return bits_f32(sign | ((exp + 112u) << 23) | (man << 13));
}

uint16_t pal__f32_to_f16(float f) {
  uint32_t u = f32_bits(f);
  uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
  uint32_t abs = u & 0x7fffffffu;
  if (abs >= 0x7f800000u) /* inf or NaN */
    return (uint16_t)(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u));
  if (abs >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* rounds past 65504 */
  if (abs < 0x38800000u) {                                   /* below 2^-14: subnormal or zero */
    if (abs < 0x33000000u) return sign;                      /* below half of 2^-24 */
    uint32_t e = abs >> 23;
    uint32_t man = (abs & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126u - e; /* 14..24 */
    uint32_t q = man >> shift;
    uint32_t rem = man & ((1u << shift) - 1u);
    uint32_t half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (q & 1u))) ++q;
    return (uint16_t)(sign | q);
  }
  uint32_t r = abs + 0x0fffu + ((abs >> 13) & 1u); /* round to nearest even at bit 13 */
  return (uint16_t)(sign | ((r - 0x38000000u) >> 13));
}

float pal__bf16_to_f32(uint16_t h) { return bits_f32((uint32_t)h << 16); }

uint16_t pal__f32_to_bf16(float f) {
  uint32_t u = f32_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u); /* quiet NaN */
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}

void pal__row_to_f32(pal_dtype dtype, const void *src, float *dst, int64_t n) {
  const uint16_t *h = (const uint16_t *)src;
  switch (dtype) {
    case PAL_F32: memcpy(dst, src, (size_t)n * sizeof(float)); break;
    case PAL_F16:
      for (int64_t i = 0; i < n; ++i) dst[i] = pal__f16_to_f32(h[i]);
      break;
    case PAL_BF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = pal__bf16_to_f32(h[i]);
      break;
    default: break;
  }
}

void pal__row_from_f32(pal_dtype dtype, const float *src, void *dst, int64_t n) {
  uint16_t *h = (uint16_t *)dst;
  switch (dtype) {
    case PAL_F32: memcpy(dst, src, (size_t)n * sizeof(float)); break;
    case PAL_F16:
      for (int64_t i = 0; i < n; ++i) h[i] = pal__f32_to_f16(src[i]);
      break;
    case PAL_BF16:
      for (int64_t i = 0; i < n; ++i) h[i] = pal__f32_to_bf16(src[i]);
      break;
    default: break;
  }
}

void pal__row_convert(pal_dtype src_dtype, const void *src, pal_dtype dst_dtype, void *dst,
                      int64_t n) {
  if (src_dtype == dst_dtype) {
    memcpy(dst, src, (size_t)n * pal_dtype_size(src_dtype));
    return;
  }
  /* Through fp32 in short pieces: exact for widening, one rounding for narrowing. */
  float tmp[256];
  const char *s = (const char *)src;
  char *d = (char *)dst;
  for (int64_t i = 0; i < n; i += 256) {
    int64_t m = n - i < 256 ? n - i : 256;
    pal__row_to_f32(src_dtype, s + (size_t)i * pal_dtype_size(src_dtype), tmp, m);
    pal__row_from_f32(dst_dtype, tmp, d + (size_t)i * pal_dtype_size(dst_dtype), m);
  }
}
