/* fill_kv_pages.c - writing new K/V rows into the pools: tokens per call. */
#include "../bench.h"

const bench_suite bench_suite_pal_fill_kv_pages = {
    "BM_PAL_FillKVPages", "pal", &bench_op_fill_kv_pages, "tokens",
    {{"tokens", "1,16,256,4096"},
     {"page_size", "16"},
     {"num_kv_heads", "8"},
     {"head_dim", "128"},
     {"layout", "hnd"},
     {"dtype", "fp16"},
     {"threads", "0"}},
    "16,4096"};
