/* prefill_engine.h - the tiled CPU attention engine behind pal_prefill,
 * multi-token pal_sdpa and pal_decode calls that use window / soft-cap /
 * ALiBi options.
 *
 * A caller describes its call as sequences: each has kv_len context tokens
 * (paged through a page list, or dense) and q_len query tokens whose
 * positions are q_pos0 .. q_pos0 + q_len - 1. The engine cuts every
 * (sequence, KV head) into work items of at most PAL__PREFILL_ROWS query
 * rows (query positions x the heads of a GQA group), walks 64-token key
 * tiles with an online softmax (masks only where a tile is partly visible,
 * invisible tiles skipped), runs items on OpenMP threads, splits long key
 * ranges when there are too few items, and writes outputs and lse.
 * Arguments are already validated; the engine only allocates and computes.
 */
#ifndef PAL_PREFILL_ENGINE_H
#define PAL_PREFILL_ENGINE_H

#include "../alloc.h"
#include "cpu_kernels.h"

typedef struct pal__prefill_seq {
  const char *q;        /* query 0, q head 0 (q_dtype) */
  char *out;            /* same place in the output */
  float *lse;           /* query 0, head 0's lse, or NULL */
  const int32_t *pages; /* paged: the sequence's page ids; dense: NULL */
  const char *k, *v;    /* paged: pool base; dense: token 0 of KV head 0 */
  int64_t kv_len;       /* context tokens */
  int64_t q_len;        /* query tokens */
  int64_t q_pos0;       /* position of query 0 (may be negative: dense causal q_len > kv_len) */
} pal__prefill_seq;

typedef struct pal__prefill_problem {
  const pal__cpu_kernels *kernels;
  pal__allocator *alloc; /* the context's: every engine allocation goes through it */
  pal_dtype q_dtype;  /* Q and O storage */
  pal_dtype kv_dtype; /* K and V storage */
  int32_t num_q_heads, num_kv_heads, d;
  float scale;
  int causal;         /* query at p sees keys j <= p */
  int64_t window;     /* > 0: and only keys j > p - window */
  float softcap;      /* > 0: s = softcap * tanh(s / softcap) */
  const float *alibi; /* [num_q_heads] or NULL: s += slope * (j - p) */
  int64_t q_stride_tok, q_stride_head;     /* elements, q and out alike */
  int64_t lse_stride_tok, lse_stride_head; /* floats */
  int32_t page_size;      /* paged: tokens per page; dense: 0 */
  int64_t page_stride;    /* paged: elements per page */
  int64_t kv_head_stride; /* elements between KV heads */
  int64_t token_stride;   /* elements between consecutive tokens */
  int num_threads;
} pal__prefill_problem;

pal_status pal__prefill_run(const pal__prefill_problem *p, const pal__prefill_seq *seqs,
                            int32_t num_seqs, pal_error *err);

/* pal_decode with window / soft-cap / ALiBi options, after pal_decode's
 * validation (prefill.c). */
pal_status pal__decode_on_prefill_engine(const pal_context *ctx, const void *q, void *out,
                                         pal_dtype q_dtype, int32_t num_q_heads,
                                         const pal_kv_pool *pool, const pal_page_table *pages,
                                         const pal_attention_options *options, pal_error *err);

#endif /* PAL_PREFILL_ENGINE_H */
