/* workload_data.c - see workload_data.h. Values are built from random bits
 * directly in each format (sign, a small exponent range, random mantissa):
 * no NaN, no subnormals, fast enough to fill gigabytes per instance. */
#define _GNU_SOURCE /* MADV_HUGEPAGE */
#include "workload_data.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Large buffers are 2 MiB aligned and asked to be backed by transparent huge
 * pages, as a serving engine's KV cache would be: with 4 KiB pages every
 * 16-token page of one head is its own TLB entry, and a shuffled page table
 * then measures page walks rather than the kernel. Dense and paged working
 * sets and the bandwidth probe all come from here, so the comparison stays
 * like for like. Where THP is off the advice is a no-op. */
void *bench_alloc(int64_t bytes) {
  const size_t huge = (size_t)2 << 20;
  if (bytes <= 0) bytes = 64;
  if ((size_t)bytes < huge) return aligned_alloc(64, (size_t)((bytes + 63) / 64 * 64));
  size_t size = ((size_t)bytes + huge - 1) / huge * huge;
  void *p = aligned_alloc(huge, size);
#ifdef MADV_HUGEPAGE
  if (p) (void)madvise(p, size, MADV_HUGEPAGE);
#endif
  return p;
}

void bench_fill_random(void *data, pal_dtype dtype, int64_t n, uint64_t seed) {
#pragma omp parallel
  {
    int64_t parts = omp_get_num_threads(), t = omp_get_thread_num();
    int64_t lo = n * t / parts, hi = n * (t + 1) / parts;
    uint64_t s = seed * 0x100000001b3ull + (uint64_t)t;
    for (int64_t i = lo; i < hi; ++i) {
      uint64_t r = splitmix(&s);
      uint32_t sign = (uint32_t)(r >> 63), e = (uint32_t)(r >> 61) & 3u; /* 2^-4 .. 2^-1 */
      if (dtype == PAL_F32) {
        uint32_t bits = sign << 31 | (123u + e) << 23 | ((uint32_t)r & 0x7fffffu);
        memcpy((float *)data + i, &bits, 4);
      } else if (dtype == PAL_F16) {
        ((uint16_t *)data)[i] = (uint16_t)(sign << 15 | (11u + e) << 10 | ((uint32_t)r & 0x3ffu));
      } else {
        ((uint16_t *)data)[i] = (uint16_t)(sign << 15 | (123u + e) << 7 | ((uint32_t)r & 0x7fu));
      }
    }
  }
}

int bench_rotations(const bench_env *env, double bytes_per_call) {
  if (env->hot) return 1;
  double need = (double)env->cold_target_bytes / (bytes_per_call > 1 ? bytes_per_call : 1);
  int r = (int)ceil(need);
  return r < 2 ? 2 : r > 4096 ? 4096 : r;
}

void bench_shuffled_ids(int32_t *ids, int64_t n, uint64_t seed) {
  for (int64_t i = 0; i < n; ++i) ids[i] = (int32_t)i;
  uint64_t s = seed;
  for (int64_t i = n - 1; i > 0; --i) {
    int64_t j = (int64_t)(splitmix(&s) % (uint64_t)(i + 1));
    int32_t t = ids[i];
    ids[i] = ids[j];
    ids[j] = t;
  }
}

int bench_setup_state(size_t size, bench_fill_fn fill, void (*teardown)(void *), int variant,
                      const bench_instance *in, const bench_env *env, void **state,
                      bench_cost *cost, int *rotations, char *why, size_t why_size) {
  void *s = calloc(1, size);
  *state = NULL;
  if (!s) return snprintf(why, why_size, "out of memory"), bench_setup_failed(in, why, why_size);
  if (fill(in, env, variant, s, cost, rotations, why, why_size) != 0) {
    teardown(s);
    return -1;
  }
  *state = s;
  return 0;
}
