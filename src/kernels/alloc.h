/* alloc.h - the one allocator of libpal, with a test hook that fails the
 * Nth allocation.
 *
 * Every allocation of the library goes through pal__alloc /
 * pal__aligned_alloc and is released with pal__free. The counter lives in
 * the context (no global state): calls reach it through the context, engines
 * through their problem struct. Allocations are counted with C11 atomics so
 * that the count stays exact if one is ever made on a worker thread.
 * tests/test_alloc_failure.c sweeps fail_at = 1, 2, ... over every entry
 * point (pal__context_create_failing, context.h).
 */
#ifndef PAL_ALLOC_H
#define PAL_ALLOC_H

#include <stdatomic.h>
#include <stddef.h>

typedef struct pal__allocator {
  atomic_llong count; /* allocations asked for so far */
  long long fail_at;  /* > 0: the allocation with this number fails (test hook); 0: none */
} pal__allocator;

/* malloc(size) that fails (NULL) when it is the allocator's fail_at-th
 * allocation. a may be NULL: never fails on purpose. */
void *pal__alloc(pal__allocator *a, size_t size);
/* aligned_alloc(align, size rounded up to align), same hook. */
void *pal__aligned_alloc(pal__allocator *a, size_t align, size_t size);
void pal__free(void *p);

#endif /* PAL_ALLOC_H */
