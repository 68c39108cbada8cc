/* models.c - realistic attention shapes for the ModelConfig families: the
 * seed's three (*_Sim, its batch 4 x 1024 context) and current open models
 * (per-layer attention shape from their published configs; context and batch
 * are typical serving points we chose, stated in docs/BENCHMARKS.md). */
#include <string.h>

#include "bench.h"

const bench_model bench_models[] = {
    {"Llama3_70B_Sim", 64, 8, 128, 1024, 4, "seed"},
    {"Qwen_8B_Sim", 32, 32, 128, 1024, 4, "seed"},
    {"Qwen2.5_72B_Sim", 128, 8, 128, 1024, 4, "seed"},
    {"Llama-3.1-8B", 32, 8, 128, 8192, 8, "GQA 4"},
    {"Mistral-7B", 32, 8, 128, 4096, 8, "GQA 4"},
    {"Gemma-3-27B", 32, 16, 128, 8192, 4, "GQA 2"},
    {"Qwen3-32B", 64, 8, 128, 8192, 4, "GQA 8"},
    {"Qwen3-30B-A3B", 32, 4, 128, 16384, 4, "GQA 8, MoE"},
    {"Llama-3.1-70B", 64, 8, 128, 32768, 1, "GQA 8, long context"},
};
const size_t bench_num_models = sizeof bench_models / sizeof bench_models[0];

const bench_model *bench_find_model(const char *name) {
  for (size_t i = 0; i < bench_num_models; ++i)
    if (!strcmp(bench_models[i].name, name)) return &bench_models[i];
  return NULL;
}
