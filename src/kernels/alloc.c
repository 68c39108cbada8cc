/* alloc.c - the one allocator of libpal (alloc.h). */
#include "baseline_only.h"

#include <stdlib.h>

#include "alloc.h"

/* Counts the allocation; 1 when it is the one to fail. */
static int fails(pal__allocator *a) {
  if (!a) return 0;
  const long long n = atomic_fetch_add(&a->count, 1) + 1;
  return a->fail_at > 0 && n == a->fail_at;
}

void *pal__alloc(pal__allocator *a, size_t size) {
  if (fails(a)) return NULL;
  return malloc(size > 0 ? size : 1);
}

void *pal__aligned_alloc(pal__allocator *a, size_t align, size_t size) {
  if (fails(a)) return NULL;
  size = (size + align - 1) / align * align;
  return aligned_alloc(align, size > 0 ? size : align);
}

void pal__free(void *p) { free(p); }
