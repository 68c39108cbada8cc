/* alloc.c - the analyzer's allocator and its failure-injection hook (see
 * alloc.h).
 *
 * The hook is process-wide state, on purpose and only here: threading an
 * allocator context through every loader, the JSON parser, the string
 * arenas, each plotter and jansson (whose json_set_alloc_funcs is itself
 * process-wide and takes no context) would touch every signature in
 * src/analyze for a test-only feature. The counters are atomic because
 * anz_table_load reads files on all cores (OpenMP). With the hook off
 * (fail_at == 0, the only state outside tests) an allocation costs one
 * relaxed atomic increment. */
#include "alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_ulong alloc_count;  /* allocations since anz_alloc_fail_nth */
static atomic_ulong fail_at;      /* 0: off; else the allocation number that fails */
static atomic_ulong failures;     /* NULL results handed out, injected or real */

static int injected(void) {
  unsigned long k = atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed) + 1;
  unsigned long f = atomic_load_explicit(&fail_at, memory_order_relaxed);
  return f != 0 && k == f;
}

static void *counted(void *p) {
  if (!p) atomic_fetch_add_explicit(&failures, 1, memory_order_relaxed);
  return p;
}

void *anz_malloc(size_t n) { return counted(injected() ? NULL : malloc(n ? n : 1)); }

void *anz_calloc(size_t n, size_t size) { return counted(injected() ? NULL : calloc(n ? n : 1, size ? size : 1)); }

void *anz_realloc(void *p, size_t n) { return counted(injected() ? NULL : realloc(p, n ? n : 1)); }

char *anz_cstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = anz_malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

unsigned long anz_alloc_failures(void) { return atomic_load(&failures); }

void anz_alloc_fail_nth(unsigned long n) {
  atomic_store(&fail_at, n);
  atomic_store(&alloc_count, 0);
}

unsigned long anz_alloc_count(void) { return atomic_load(&alloc_count); }
