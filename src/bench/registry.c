/* registry.c - every benchmark family, in the order they run. Adding a family
 * is one file in suites/ and one line here (docs/BENCHMARKS.md). */
#include "bench.h"

extern const bench_suite bench_suite_pal_latency_vs_seq_len, bench_suite_sdpa_latency_vs_seq_len;
extern const bench_suite bench_suite_pal_latency_vs_head_dim, bench_suite_sdpa_latency_vs_head_dim;
extern const bench_suite bench_suite_pal_latency_vs_num_items, bench_suite_sdpa_latency_vs_num_items;
extern const bench_suite bench_suite_pal_model_config, bench_suite_sdpa_model_config;
extern const bench_suite bench_suite_pal_fill_kv_pages;
extern const bench_suite bench_suite_pal_prefill_latency_vs_seq_len,
    bench_suite_sdpa_prefill_latency_vs_seq_len;
extern const bench_suite bench_suite_pal_prefill_model_config,
    bench_suite_sdpa_prefill_model_config;

const bench_suite *const bench_suites[] = {
    &bench_suite_pal_latency_vs_seq_len,   &bench_suite_sdpa_latency_vs_seq_len,
    &bench_suite_pal_latency_vs_head_dim,  &bench_suite_sdpa_latency_vs_head_dim,
    &bench_suite_pal_latency_vs_num_items, &bench_suite_sdpa_latency_vs_num_items,
    &bench_suite_pal_model_config,         &bench_suite_sdpa_model_config,
    &bench_suite_pal_fill_kv_pages,
    &bench_suite_pal_prefill_latency_vs_seq_len, &bench_suite_sdpa_prefill_latency_vs_seq_len,
    &bench_suite_pal_prefill_model_config,       &bench_suite_sdpa_prefill_model_config,
};
const size_t bench_num_suites = sizeof bench_suites / sizeof bench_suites[0];
