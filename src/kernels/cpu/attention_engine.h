/* attention_engine.h - the CPU attention framework shared by decode and SDPA.
 *
 * A caller (decode.c, sdpa.c) describes its call as tasks: one task is one
 * query position x one KV head, i.e. the g query rows of a GQA group that see
 * the same `len` context tokens. Consecutive tasks may form a head group
 * (group_heads) that the engine runs together. The engine splits long tasks into chunks
 * (split-KV), runs chunks on OpenMP threads through the dispatch table's
 * micro-kernel, merges chunk partials by log-sum-exp, and writes outputs.
 * Arguments are already validated; the engine only allocates and computes.
 */
#ifndef PAL_ATTENTION_ENGINE_H
#define PAL_ATTENTION_ENGINE_H

#include "../alloc.h"
#include "cpu_kernels.h"

/* Most KV heads the engine walks together (a 16-token fp16 page of 8 heads
 * at D 128 is 32 KiB: long enough runs for the hardware prefetchers). */
#define PAL__MAX_GROUP_HEADS 8

typedef struct pal__attn_task {
  const char *q;        /* row 0 of the group, q_dtype */
  char *out;            /* row 0 of the group, q_dtype */
  float *lse;           /* row 0's log-sum-exp, or NULL */
  const int32_t *pages; /* paged: the sequence's page ids; dense: NULL */
  const char *k;        /* paged: pool base + head offset; dense: token 0 of the head */
  const char *v;
  int64_t len; /* context tokens this task attends */
} pal__attn_task;

typedef struct pal__attn_problem {
  const pal__cpu_kernels *kernels;
  pal__allocator *alloc; /* the context's: every engine allocation goes through it */
  pal_dtype q_dtype;  /* Q and O storage */
  pal_dtype kv_dtype; /* K and V storage */
  int32_t g;          /* rows per task */
  int32_t d;
  float scale;
  int64_t q_row_stride;   /* elements between a task's q rows (same for out) */
  int64_t lse_row_stride; /* floats between a task's lse entries */
  int32_t page_size;      /* paged: tokens per page; dense: 0 */
  int64_t page_stride;    /* paged: elements per page */
  int64_t token_stride;   /* elements between consecutive tokens */
  int num_threads;
  /* Tasks [i*group_heads, (i+1)*group_heads) are the KV heads of one sequence:
   * same pages and len, k/v differing only by the head offset. The engine
   * walks them together block by block, so a paged pool is read a page (all
   * of the group's heads) at a time rather than one head's slice of it. 0 or
   * 1: every task alone. */
  int32_t group_heads;
} pal__attn_problem;

pal_status pal__attention_run(const pal__attn_problem *p, const pal__attn_task *tasks,
                              int64_t num_tasks, pal_error *err);

#endif /* PAL_ATTENTION_ENGINE_H */
