/* model_config.c - decode on realistic model shapes (models.c): the model
 * axis sets heads, head_dim, context and batch unless `-a` overrides them. */
#include "../bench.h"
#include "decode_axes.h"

#define MODELS                                                                       \
  "Llama3_70B_Sim,Qwen_8B_Sim,Qwen2.5_72B_Sim,Llama-3.1-8B,Mistral-7B,Gemma-3-27B," \
  "Qwen3-32B,Qwen3-30B-A3B,Llama-3.1-70B"

const bench_suite bench_suite_pal_model_config = {
    "BM_PAL_ModelConfig", "pal", &bench_op_decode_paged, "model",
    {{"model", MODELS}, BENCH_PAGED_DECODE_DEFAULTS}, "Llama3_70B_Sim,Llama-3.1-8B"};

const bench_suite bench_suite_sdpa_model_config = {
    "BM_SDPA_ModelConfig", "sdpa", &bench_op_decode_dense, "model",
    {{"model", MODELS}, BENCH_DENSE_DECODE_DEFAULTS}, "Llama3_70B_Sim,Llama-3.1-8B"};
