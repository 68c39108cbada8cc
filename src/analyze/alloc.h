/* alloc.h - the analyzer's one allocator, with a test hook that fails the
 * Nth allocation (SQLite's and jansson's practice), so that every
 * out-of-memory path is exercised by a test instead of hoped for.
 *
 * Every allocation in src/analyze (the JSON parser's value chunks, the
 * string arenas, row arrays, plot series, the plotters' scratch arrays, and
 * jansson's while results.json is built) goes through anz_malloc,
 * anz_calloc, anz_realloc or anz_cstrdup; what they return is freed with
 * free(). */
#ifndef PAL_ANALYZE_ALLOC_H
#define PAL_ANALYZE_ALLOC_H

#include <stddef.h>

void *anz_malloc(size_t n);
void *anz_calloc(size_t n, size_t size);
void *anz_realloc(void *p, size_t n);
char *anz_cstrdup(const char *s); /* a malloc'd copy (anz_strdup is the arena's) */

/* How many allocations have failed since the process started (injected
 * or real). A caller that cannot see each failure (jansson's json_object
 * and friends return NULL into calls that accept NULL) compares it before
 * and after. */
unsigned long anz_alloc_failures(void);

/* Test hook: the n-th allocation from now fails (n >= 1), once; 0 turns it
 * off. anz_alloc_count says how many allocations were made since the last
 * call (so a sweep knows when n has passed the last one). */
void anz_alloc_fail_nth(unsigned long n);
unsigned long anz_alloc_count(void);

#endif /* PAL_ANALYZE_ALLOC_H */
