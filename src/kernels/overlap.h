/* overlap.h - do two argument arrays share a byte of memory?
 *
 * Every kernel rejects an output that shares memory with anything the call
 * reads (or with another output): a kernel writing its output while it still
 * reads the page table through it would crash or compute silently wrong.
 * The test must also never refuse what is legal, such as vLLM's combined
 * cache, whose K and V halves interleave page by page but never share an
 * element. So arrays are compared by their elements, not by their address
 * ranges, wherever the layouts allow an exact answer (overlap.c, NOTES).
 */
#ifndef PAL_OVERLAP_H
#define PAL_OVERLAP_H

#include <stddef.h>
#include <stdint.h>

#include "pal/pal.h"

#define PAL__EXTENT_DIMS 4

/* A strided array: its elements sit at base + elem * sum_i c_i * stride[i]
 * for 0 <= c_i < count[i] (strides in elements, >= 0). An array with a zero
 * count or a NULL base holds no memory and overlaps nothing. */
typedef struct pal__extent {
  const char *name; /* the argument's name, for messages */
  const char *base;
  int64_t elem; /* bytes per element */
  int ndim;
  int64_t count[PAL__EXTENT_DIMS], stride[PAL__EXTENT_DIMS];
} pal__extent;

/* n contiguous elements of elem bytes. */
pal__extent pal__extent_flat(const char *name, const void *base, int64_t n, size_t elem);
/* One of a validated pool's two arrays (`base` is pool->k or pool->v). */
pal__extent pal__extent_pool(const char *name, const void *base, const pal_kv_pool *pool);

/* Non-zero when a and b may share a byte. Exact for a contiguous array
 * against any array whose strides nest (each stride steps past everything
 * the smaller ones reach: every HND/NHD pool, padded or sliced), and for two
 * arrays with the same nesting strides (a pool's K and V); otherwise it
 * compares address ranges, which may refuse arrays that interleave without
 * touching, never accepts arrays that touch. */
int pal__extents_overlap(const pal__extent *a, const pal__extent *b);

/* Non-zero when no two elements of x share memory, as far as its strides
 * prove (nesting strides do; any other layout is reported as not proven). */
int pal__extent_distinct(const pal__extent *x);

/* PAL_E_ALIAS naming the first output that shares memory with an input or
 * with another output; PAL_OK when all are apart. */
pal_status pal__check_apart(const pal__extent *outs, int num_outs, const pal__extent *ins,
                            int num_ins, pal_error *err);

#endif /* PAL_OVERLAP_H */
