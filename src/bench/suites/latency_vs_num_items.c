/* latency_vs_num_items.c - decode latency as the batch (query items, one per
 * sequence) grows, 1 ... 256, at a 1024-token context. */
#include "../bench.h"
#include "decode_axes.h"

#define ITEMS "1,2,4,8,16,32,64,128,256"

const bench_suite bench_suite_pal_latency_vs_num_items = {
    "BM_PAL_LatencyVsNumItems", "pal", &bench_op_decode_paged, "batch",
    {{"batch", ITEMS}, {"seq_len", "1024"}, BENCH_PAGED_DECODE_DEFAULTS}, "1,16"};

const bench_suite bench_suite_sdpa_latency_vs_num_items = {
    "BM_SDPA_LatencyVsNumItems", "sdpa", &bench_op_decode_dense, "batch",
    {{"batch", ITEMS}, {"seq_len", "1024"}, BENCH_DENSE_DECODE_DEFAULTS}, "1,16"};
