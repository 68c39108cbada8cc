/* models.c - realistic attention shapes for the ModelConfig families: the
 * seed's three (*_Sim, its batch 4 x 1024 context) and current open models
 * (per-layer attention shape from their published configs; context and batch
 * are typical serving points we chose, stated in docs/BENCHMARKS.md).
 *
 * The one model table: bench_models and the model axis of every ModelConfig
 * family (bench_model_names) are both expanded from BENCH_MODEL_TABLE, and
 * `pal bench --list --json` hands it to the Python suite. */
#include <string.h>

#include "bench.h"

/* X(name, num_q_heads, num_kv_heads, head_dim, seq_len, batch, note) */
#define BENCH_MODEL_TABLE(X)                                    \
  X("Llama3_70B_Sim", 64, 8, 128, 1024, 4, "seed")              \
  X("Qwen_8B_Sim", 32, 32, 128, 1024, 4, "seed")                \
  X("Qwen2.5_72B_Sim", 128, 8, 128, 1024, 4, "seed")            \
  X("Llama-3.1-8B", 32, 8, 128, 8192, 8, "GQA 4")               \
  X("Mistral-7B", 32, 8, 128, 4096, 8, "GQA 4")                 \
  X("Gemma-3-27B", 32, 16, 128, 8192, 4, "GQA 2")               \
  X("Qwen3-32B", 64, 8, 128, 8192, 4, "GQA 8")                  \
  X("Qwen3-30B-A3B", 32, 4, 128, 16384, 4, "GQA 8, MoE")        \
  X("Llama-3.1-70B", 64, 8, 128, 32768, 1, "GQA 8, long context")

#define MODEL_ROW(name, hq, hkv, d, seq, batch, note) {name, hq, hkv, d, seq, batch, note},
#define MODEL_NAME(name, hq, hkv, d, seq, batch, note) name ","

const bench_model bench_models[] = {BENCH_MODEL_TABLE(MODEL_ROW)};
const size_t bench_num_models = sizeof bench_models / sizeof bench_models[0];

/* "name,name,...," - the sweep's comma list skips the empty last item */
const char bench_model_names[] = BENCH_MODEL_TABLE(MODEL_NAME);

const bench_model *bench_find_model(const char *name) {
  for (size_t i = 0; i < bench_num_models; ++i)
    if (!strcmp(bench_models[i].name, name)) return &bench_models[i];
  return NULL;
}
