/* context.h - what a pal_context holds. Internal: users see an opaque type. */
#ifndef PAL_CONTEXT_H
#define PAL_CONTEXT_H

#include "alloc.h"
#include "cpu/cpu_kernels.h"

struct pal_context {
  pal__cpu_kernels kernels; /* filled once at create; read-only afterwards */
  int num_threads;          /* 0: OpenMP's default at call time */
  /* Every allocation of a call on this context goes through it (alloc.h).
   * The one member calls change: its counter is atomic. */
  pal__allocator alloc;
};

/* The context's allocator. The API hands calls a const context; the
 * allocator's counter is the one thing they update (the context object
 * itself is never const: pal_context_create allocates it). */
static inline pal__allocator *pal__context_allocator(const pal_context *ctx) {
  return (pal__allocator *)&ctx->alloc;
}

/* Threads for one call: the call's option, else the context's, else OpenMP's default. */
int pal__resolve_threads(const pal_context *ctx, const pal_attention_options *options);

/* pal_context_create with the allocation test hook (alloc.h): the fail_at-th
 * allocation, counting the context's own as 1, fails; later calls on the
 * context keep counting. fail_at 0: pal_context_create. For tests only. */
pal_status pal__context_create_failing(const pal_context_options *options, long long fail_at,
                                       pal_context **out, pal_error *err);

#endif /* PAL_CONTEXT_H */
