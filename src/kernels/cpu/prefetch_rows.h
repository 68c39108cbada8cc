/* pal__prefetch_rows.h - software prefetch of K/V rows given as row pointers,
 * shared by the AVX2 and AVX-512 attend kernels. Only _mm_prefetch (SSE,
 * baseline x86-64) is used; include after <immintrin.h>. */
#ifndef PAL_PREFETCH_ROWS_H
#define PAL_PREFETCH_ROWS_H

#include <stdint.h>

/* Prefetches the line at x into the cache level of hint (_MM_HINT_T0 or
 * _MM_HINT_T1, a constant after inlining). */
static inline __attribute__((always_inline)) void pal__prefetch_line(uintptr_t x, int hint) {
  if (hint == _MM_HINT_T0)
    _mm_prefetch((const char *)x, _MM_HINT_T0);
  else
    _mm_prefetch((const char *)x, _MM_HINT_T1);
}

/* Prefetches every cache line of the `bytes` bytes at p, two lines per
 * iteration: rows are a few lines, so loop overhead counts. */
static inline __attribute__((always_inline)) void pal__prefetch_row(const char *p, int64_t bytes, int hint) {
  const uintptr_t e = (uintptr_t)p + (uintptr_t)bytes;
  uintptr_t x = (uintptr_t)p & ~(uintptr_t)63;
  for (; x + 64 < e; x += 128) {
    pal__prefetch_line(x, hint);
    pal__prefetch_line(x + 64, hint);
  }
  if (x < e) pal__prefetch_line(x, hint);
}

/* Whether rows[t_begin .. t_end-1] (t_begin < t_end) look like one contiguous
 * run, `bytes` apart. Only the ends are checked: it steers prefetching only,
 * where a wrong guess costs a useless prefetch, never a wrong result. */
static inline __attribute__((always_inline)) int pal__rows_contiguous(const char *const *rows, int t_begin, int t_end, int64_t bytes) {
  return (uintptr_t)rows[t_end - 1] - (uintptr_t)rows[t_begin] ==
         (uintptr_t)((t_end - 1 - t_begin) * bytes);
}

/* Prefetches rows[t_begin .. t_end-1], `bytes` of each. A contiguous run
 * (the usual layout within a page) is one span, which measured 15-20% faster
 * at g = 1 than row by row. */
static inline __attribute__((always_inline)) void pal__prefetch_rows(const char *const *rows, int t_begin, int t_end, int64_t bytes,
                          int hint) {
  if (t_begin >= t_end) return;
  if (pal__rows_contiguous(rows, t_begin, t_end, bytes)) {
    pal__prefetch_row(rows[t_begin], (t_end - t_begin) * bytes, hint);
    return;
  }
  for (int t = t_begin; t < t_end; ++t) pal__prefetch_row(rows[t], bytes, hint);
}

/* Whether row u of rows[] starts a new stream for the L2 streamer: the first
 * row of a run (rows `bytes` apart), or the first row in a new 4 KiB page. */
static inline __attribute__((always_inline)) int pal__row_starts_stream(const char *const *rows, int u,
                                                                      int64_t bytes) {
  if (u == 0 || rows[u] != rows[u - 1] + bytes) return 1;
  return ((uintptr_t)rows[u] >> 12) != ((uintptr_t)rows[u - 1] >> 12);
}

/* The first row of every stream among rows k[0..n-1] / v[0..n-1] (each page
 * run, and each 4 KiB page of a longer run), K and V: the hardware streamer
 * stops at each 4 KiB boundary and needs two misses to start again, so asking
 * for each stream's head early lets it run ahead from the stream's first use.
 * A handful of lines per block. */
static inline __attribute__((always_inline)) void pal__prefetch_run_heads(const char *const *k, const char *const *v, int n,
                                                                        int64_t bytes, int hint) {
  for (int u = 0; u < n; ++u) {
    if (pal__row_starts_stream(k, u, bytes)) pal__prefetch_row(k[u], bytes, hint);
    if (pal__row_starts_stream(v, u, bytes)) pal__prefetch_row(v[u], bytes, hint);
  }
}

#endif /* PAL_PREFETCH_ROWS_H */
