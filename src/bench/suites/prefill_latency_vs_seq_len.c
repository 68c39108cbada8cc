/* prefill_latency_vs_seq_len.c - prefill latency as the chunk grows, 64 ...
 * 8192 new tokens; `-a history=N` puts N cached tokens before the chunk
 * (chunked prefill / append). Paged (pal_prefill) and dense causal SDPA on
 * identical shapes. */
#include "../bench.h"

#define PREFILL_SEQ_LENS "64,128,256,512,1024,2048,4096,8192"

#define PREFILL_DEFAULTS                                                                  \
  {"batch", "1"}, {"history", "0"}, {"num_q_heads", "32"}, {"num_kv_heads", "8"},         \
      {"head_dim", "128"}, {"page_size", "16"}, {"layout", "hnd"}, {"dtype", "bf16"}, \
      {"threads", "0"}

const bench_suite bench_suite_pal_prefill_latency_vs_seq_len = {
    "BM_PAL_PrefillLatencyVsSeqLen", "pal", &bench_op_prefill_paged, "seq_len",
    {{"seq_len", PREFILL_SEQ_LENS}, PREFILL_DEFAULTS}, "256,1024"};

/* page_size and layout do not apply to dense; kept out of its axes */
const bench_suite bench_suite_sdpa_prefill_latency_vs_seq_len = {
    "BM_SDPA_PrefillLatencyVsSeqLen", "sdpa", &bench_op_prefill_dense, "seq_len",
    {{"seq_len", PREFILL_SEQ_LENS}, {"batch", "1"}, {"history", "0"}, {"num_q_heads", "32"},
     {"num_kv_heads", "8"}, {"head_dim", "128"}, {"dtype", "bf16"}, {"threads", "0"}},
    "256,1024"};
