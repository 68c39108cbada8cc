/* overlap.c - element-exact overlap tests between argument arrays (overlap.h).
 *
 * NOTES
 *  1. Strides "nest" when, sorted ascending, each one is larger than the
 *     largest offset the smaller dimensions reach. The array's offsets are
 *     then a mixed-radix number system: distinct coordinates give distinct
 *     offsets, and the offsets sorted are the coordinates in lexicographic
 *     order. Both searches below rely on that and never enumerate elements.
 *  2. Contiguous range R against a nesting array A: find the smallest offset
 *     of A at or after R's first element (greedy digit by digit, at most one
 *     carry per level) and check it starts before R's end.
 *  3. Two arrays with the same nesting strides at bases a and b: they share
 *     an element iff the base distance (in elements) is a difference of two
 *     offsets, sum c_i * stride_i with |c_i| < count_i. At each level the
 *     rest must stay within what the smaller levels reach, which leaves two
 *     candidates for c_i: at most 2^4 paths. A base distance that is not a
 *     multiple of the element size is checked at its two neighbours.
 *  4. Address differences are taken as integers: argument arrays live in one
 *     address space far below 2^63 bytes apart, and every array's own extent
 *     was validated to fit in PTRDIFF_MAX before these run.
 */
#include "baseline_only.h"

#include "overlap.h"

#include "error.h"

/* An extent with unit dimensions dropped and strides sorted ascending. */
typedef struct norm {
  int empty;
  int n;
  int64_t count[PAL__EXTENT_DIMS], stride[PAL__EXTENT_DIMS];
  int64_t reach[PAL__EXTENT_DIMS]; /* largest offset of dimensions 0..i */
  int nests;                       /* note 1 */
  int dense;                       /* the offsets are exactly 0 .. reach */
  int64_t lo, hi;                  /* byte range [lo, hi) as integers */
} norm;

static norm normalise(const pal__extent *x) {
  norm z = {0};
  if (!x->base || x->elem <= 0) {
    z.empty = 1;
    return z;
  }
  for (int i = 0; i < x->ndim; ++i) {
    if (x->count[i] <= 0) {
      z.empty = 1;
      return z;
    }
    if (x->count[i] == 1) continue;
    int j = z.n++;
    while (j > 0 && z.stride[j - 1] > x->stride[i]) {
      z.stride[j] = z.stride[j - 1], z.count[j] = z.count[j - 1];
      --j;
    }
    z.stride[j] = x->stride[i], z.count[j] = x->count[i];
  }
  int64_t reach = 0;
  z.nests = 1, z.dense = 1;
  for (int i = 0; i < z.n; ++i) {
    if (z.stride[i] <= reach) z.nests = 0;
    if (z.stride[i] != reach + 1) z.dense = 0;
    reach += (z.count[i] - 1) * z.stride[i];
    z.reach[i] = reach;
  }
  z.lo = (int64_t)(intptr_t)x->base;
  z.hi = z.lo + (reach + 1) * x->elem;
  return z;
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Smallest offset of dimensions 0..k-1 of z that is >= x, or -1 (note 2). */
static int64_t next_offset(const norm *z, int k, int64_t x) {
  if (x <= 0) return 0;
  if (k == 0) return -1;
  const int64_t s = z->stride[k - 1], n = z->count[k - 1];
  int64_t c = x / s;
  if (c > n - 1) c = n - 1;
  const int64_t rest = next_offset(z, k - 1, x - c * s);
  if (rest >= 0) return c * s + rest;
  return c + 1 < n ? (c + 1) * s : -1;
}

/* Is m = sum_{i<k} c_i stride_i with |c_i| < count_i? (note 3) */
static int is_difference(const norm *z, int k, int64_t m) {
  if (k == 0) return m == 0;
  const int64_t s = z->stride[k - 1], n = z->count[k - 1];
  const int64_t below = k >= 2 ? z->reach[k - 2] : 0;
  const int64_t c0 = floor_div(m, s);
  for (int64_t c = c0; c <= c0 + 1; ++c) {
    if (c <= -n || c >= n) continue;
    const int64_t rest = m - c * s;
    if (rest >= -below && rest <= below && is_difference(z, k - 1, rest)) return 1;
  }
  return 0;
}

static int same_dims(const norm *a, const norm *b) {
  if (a->n != b->n) return 0;
  for (int i = 0; i < a->n; ++i)
    if (a->count[i] != b->count[i] || a->stride[i] != b->stride[i]) return 0;
  return 1;
}

/* Does the nesting array z (element size es) touch bytes [r0, r1)? */
static int touches_range(const norm *z, int64_t es, int64_t r0, int64_t r1) {
  const int64_t first = r0 - z->lo < 0 ? 0 : (r0 - z->lo) / es;
  const int64_t off = next_offset(z, z->n, first);
  return off >= 0 && z->lo + off * es < r1;
}

pal__extent pal__extent_flat(const char *name, const void *base, int64_t n, size_t elem) {
  return (pal__extent){name, base, (int64_t)elem, 1, {n}, {1}};
}

pal__extent pal__extent_pool(const char *name, const void *base, const pal_kv_pool *pool) {
  return (pal__extent){name, base, (int64_t)pal_dtype_size(pool->dtype), 4,
                       {pool->head_dim, pool->page_size, pool->num_kv_heads, pool->num_pages},
                       {1, pool->stride_token, pool->stride_head, pool->stride_page}};
}

int pal__extents_overlap(const pal__extent *a, const pal__extent *b) {
  const norm x = normalise(a), y = normalise(b);
  if (x.empty || y.empty || x.hi <= y.lo || y.hi <= x.lo) return 0;
  if (x.dense && y.nests) return touches_range(&y, b->elem, x.lo, x.hi);
  if (y.dense && x.nests) return touches_range(&x, a->elem, y.lo, y.hi);
  if (x.nests && a->elem == b->elem && same_dims(&x, &y)) {
    const int64_t es = a->elem, delta = y.lo - x.lo, m = floor_div(delta, es);
    return is_difference(&x, x.n, m) || (delta % es != 0 && is_difference(&x, x.n, m + 1));
  }
  return 1; /* ranges meet and the strides prove nothing */
}

int pal__extent_distinct(const pal__extent *x) {
  const norm z = normalise(x);
  return z.empty || z.nests;
}

pal_status pal__check_apart(const pal__extent *outs, int num_outs, const pal__extent *ins,
                            int num_ins, pal_error *err) {
  for (int o = 0; o < num_outs; ++o) {
    for (int i = 0; i < num_ins; ++i)
      if (pal__extents_overlap(&outs[o], &ins[i]))
        return PAL__FAIL(err, PAL_E_ALIAS,
                         "%s shares memory with %s: an output must not overlap anything the "
                         "call reads",
                         outs[o].name, ins[i].name);
    for (int p = o + 1; p < num_outs; ++p)
      if (pal__extents_overlap(&outs[o], &outs[p]))
        return PAL__FAIL(err, PAL_E_ALIAS, "%s shares memory with %s: outputs must not overlap",
                         outs[o].name, outs[p].name);
  }
  return PAL_OK;
}
