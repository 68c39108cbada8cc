/* sweep.h - expanding families into instances: defaults, `-a` overrides,
 * --quick values, model shapes, and the --filter regex. */
#ifndef PAL_BENCH_SWEEP_H
#define PAL_BENCH_SWEEP_H

#include "bench.h"

typedef struct bench_override {
  char name[32];
  char values[512]; /* comma list */
  int used;         /* set when some family has this axis */
} bench_override;

typedef struct bench_sweep_opts {
  bench_override *overrides;
  int num_overrides;
  const char *filter; /* extended regex on instance names, NULL = all */
  const char *kernel; /* "pal", "sdpa" or NULL = both */
  int quick;
} bench_sweep_opts;

/* Parses "name=v1,v2" into *o; 0 or -1 with a message. */
int bench_parse_override(const char *arg, bench_override *o, char *why, size_t why_size);
/* Appends the instances of every family to *out (realloc'd; caller frees). */
int bench_expand_all(bench_sweep_opts *opts, bench_instance **out, size_t *count, char *why,
                     size_t why_size);

#endif
