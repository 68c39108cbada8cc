/* prefill_model_config.c - chunked prefill on realistic model shapes (every
 * model of models.c's table, bench_model_names): the model sets heads,
 * head_dim, context (seq_len) and batch; each sequence's last `chunk` tokens
 * are the queries, so a row is the final chunk of a prompt as long as the
 * model's serving context. */
#include "../bench.h"

const bench_suite bench_suite_pal_prefill_model_config = {
    "BM_PAL_PrefillModelConfig", "pal", &bench_op_prefill_paged, "model",
    {{"model", bench_model_names}, {"chunk", "512"}, {"batch", "1"}, {"seq_len", "4096"},
     {"num_q_heads", "32"}, {"num_kv_heads", "8"}, {"head_dim", "128"}, {"page_size", "16"},
     {"layout", "hnd"}, {"dtype", "bf16"}, {"threads", "0"}},
    "Llama3_70B_Sim,Llama-3.1-8B"};

const bench_suite bench_suite_sdpa_prefill_model_config = {
    "BM_SDPA_PrefillModelConfig", "sdpa", &bench_op_prefill_dense, "model",
    {{"model", bench_model_names}, {"chunk", "512"}, {"batch", "1"}, {"seq_len", "4096"},
     {"num_q_heads", "32"}, {"num_kv_heads", "8"}, {"head_dim", "128"}, {"dtype", "bf16"},
     {"threads", "0"}},
    "Llama3_70B_Sim,Llama-3.1-8B"};
