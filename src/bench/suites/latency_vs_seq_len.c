/* latency_vs_seq_len.c - decode latency as the context grows, 64 ... 32768. */
#include "../bench.h"
#include "decode_axes.h"

#define SEQ_LENS "64,128,256,512,1024,2048,4096,8192,16384,32768"

const bench_suite bench_suite_pal_latency_vs_seq_len = {
    "BM_PAL_LatencyVsSeqLen", "pal", &bench_op_decode_paged, "seq_len",
    {{"seq_len", SEQ_LENS}, BENCH_PAGED_DECODE_DEFAULTS}, "256,4096"};

const bench_suite bench_suite_sdpa_latency_vs_seq_len = {
    "BM_SDPA_LatencyVsSeqLen", "sdpa", &bench_op_decode_dense, "seq_len",
    {{"seq_len", SEQ_LENS}, BENCH_DENSE_DECODE_DEFAULTS}, "256,4096"};
