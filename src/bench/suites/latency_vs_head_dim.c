/* latency_vs_head_dim.c - decode latency across head dimensions. */
#include "../bench.h"
#include "decode_axes.h"

#define HEAD_DIMS "64,80,96,128,160,192,256"

const bench_suite bench_suite_pal_latency_vs_head_dim = {
    "BM_PAL_LatencyVsHeadDim", "pal", &bench_op_decode_paged, "head_dim",
    {{"head_dim", HEAD_DIMS}, BENCH_PAGED_DECODE_DEFAULTS}, "64,128"};

const bench_suite bench_suite_sdpa_latency_vs_head_dim = {
    "BM_SDPA_LatencyVsHeadDim", "sdpa", &bench_op_decode_dense, "head_dim",
    {{"head_dim", HEAD_DIMS}, BENCH_DENSE_DECODE_DEFAULTS}, "64,128"};
