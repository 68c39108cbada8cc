/* model_config.c - decode on realistic model shapes: every model of
 * models.c's table (bench_model_names); the model axis sets heads, head_dim,
 * context and batch unless `-a` overrides them. */
#include "../bench.h"
#include "decode_axes.h"

const bench_suite bench_suite_pal_model_config = {
    "BM_PAL_ModelConfig", "pal", &bench_op_decode_paged, "model",
    {{"model", bench_model_names}, BENCH_PAGED_DECODE_DEFAULTS}, "Llama3_70B_Sim,Llama-3.1-8B"};

const bench_suite bench_suite_sdpa_model_config = {
    "BM_SDPA_ModelConfig", "sdpa", &bench_op_decode_dense, "model",
    {{"model", bench_model_names}, BENCH_DENSE_DECODE_DEFAULTS}, "Llama3_70B_Sim,Llama-3.1-8B"};
