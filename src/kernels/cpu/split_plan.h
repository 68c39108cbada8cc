/* split_plan.h - how the attention and prefill engines cut one long task
 * into split-KV chunks. Shared so both cut the same way; inline-only. */
#ifndef PAL_SPLIT_PLAN_H
#define PAL_SPLIT_PLAN_H

#include <stdint.h>

/* The planned chunk never goes below this many tokens (keys): a shorter one
 * is not worth a partial record and a merge (short contexts are spread over
 * threads by smaller head groups or more items instead). Cutting a task into
 * equal chunks can make them shorter than planned, but never shorter than
 * about half of it. */
#define PAL__SPLIT_MIN_TOKENS 512
/* Chunks per thread a plan aims for: enough for dynamic scheduling to even
 * out ragged batches, few enough that merges stay negligible. */
#define PAL__SPLIT_CHUNKS_PER_THREAD 4

/* The longest chunk a plan wants: `total` tokens of work spread over
 * `chunks` chunks, never below min_chunk (shorter chunks do not pay for
 * their partial record and merge). */
static inline int64_t pal__split_target(int64_t total, int64_t chunks, int64_t min_chunk) {
  const int64_t target = (total + chunks - 1) / chunks;
  return target < min_chunk ? min_chunk : target;
}

/* How a task of len tokens is cut: *n chunks of *step tokens each (the last
 * one shorter), the fewest chunks of at most max_chunk tokens, made as equal
 * as whole units (pages, key tiles) allow; *step is a multiple of unit, so
 * every chunk starts on a unit boundary. Cutting max_chunk-sized pieces off
 * left a short tail instead: 4096 tokens in 64-token pages on 2 threads
 * became 7 x 576 + 64, one thread 2304 tokens and the other 1792, 12% above
 * an even split (paged decode measured 5-7% slower with 64-token pages than
 * with 16-token ones, which rounded up less). */
static inline void pal__plan_split(int64_t len, int64_t max_chunk, int64_t unit, int64_t *n,
                                   int64_t *step) {
  if (len <= max_chunk) {
    *n = 1, *step = len;
    return;
  }
  const int64_t want = (len + max_chunk - 1) / max_chunk;
  *step = ((len + want - 1) / want + unit - 1) / unit * unit;
  *n = (len + *step - 1) / *step;
}

#endif /* PAL_SPLIT_PLAN_H */
