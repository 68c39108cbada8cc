/* context.h - what a pal_context holds. Internal: users see an opaque type. */
#ifndef PAL_CONTEXT_H
#define PAL_CONTEXT_H

#include "cpu/cpu_kernels.h"

struct pal_context {
  pal__cpu_kernels kernels; /* filled once at create; read-only afterwards */
  int num_threads;          /* 0: OpenMP's default at call time */
};

/* Threads for one call: the call's option, else the context's, else OpenMP's default. */
int pal__resolve_threads(const pal_context *ctx, const pal_attention_options *options);

#endif /* PAL_CONTEXT_H */
