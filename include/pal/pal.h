/* pal/pal.h - the libpal public API: paged-attention kernels on the CPU.
 *
 * Include this one header. Semantics follow docs/API.md; in brief:
 *   - a pal_context holds the chosen CPU kernel level and thread count;
 *   - a pal_kv_pool describes K and V page pools by element strides;
 *   - a pal_page_table maps each sequence to its pages (block table or CSR);
 *   - pal_decode / pal_prefill / pal_fill_kv_pages / pal_sdpa validate
 *     everything first, return a pal_status, and never touch memory outside
 *     their arguments; a failed call writes nothing.
 *   - Outputs never share memory with inputs: every call rejects an output
 *     (out, options.lse, the pools of pal_fill_kv_pages) that shares a byte
 *     with anything the call reads or with another output (PAL_E_ALIAS,
 *     naming both). Overlap is decided by elements where the strides allow
 *     it, so vLLM's combined cache (K and V as interleaved halves of one
 *     [pages, 2, ...] array) is accepted. K and V may alias each other in the
 *     read-only kernels.
 *   - NaN and Inf in what a row reads reach that row (docs/API.md, "Non-finite
 *     values"): never an all-zero row that looks like an empty sequence.
 * No function here keeps global mutable state, prints, or aborts.
 */
#ifndef PAL_PAL_H
#define PAL_PAL_H

#include <stddef.h>
#include <stdint.h>

#include "pal/status.h"
#include "pal/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- dtypes */

/* Storage types. Arithmetic is always fp32 (accumulation included). */
typedef enum pal_dtype {
  PAL_F32 = 0,
  PAL_F16 = 1,  /* IEEE binary16 */
  PAL_BF16 = 2, /* bfloat16; fp32 -> bf16 rounds to nearest even */
  PAL_DTYPE_COUNT
} pal_dtype;

/* "fp32", "fp16", "bf16"; NULL for an unknown value. Since 0.1. */
PAL_API const char *pal_dtype_name(pal_dtype dtype);
/* Bytes per element; 0 for an unknown value. Since 0.1. */
PAL_API size_t pal_dtype_size(pal_dtype dtype);

/* Supported head dimensions: multiples of PAL_HEAD_DIM_ALIGN, up to PAL_MAX_HEAD_DIM. */
#define PAL_HEAD_DIM_ALIGN 16
#define PAL_MAX_HEAD_DIM 256
#define PAL_MAX_PAGE_SIZE 256

/* --------------------------------------------------------------- context */

/* CPU kernel levels, lowest first. */
typedef enum pal_isa {
  PAL_ISA_AUTO = 0,   /* best the CPU and OS support (or PAL_ISA from the environment) */
  PAL_ISA_SCALAR = 1, /* portable C, always built */
  PAL_ISA_AVX2 = 2,   /* AVX2 + FMA + F16C */
  PAL_ISA_AVX512 = 3, /* AVX-512 F/BW/VL/DQ */
  PAL_ISA_AMX = 4,    /* AVX-512 + AMX-BF16 tiles for fp16/bf16 K/V (Linux grants tile state) */
  PAL_ISA_COUNT
} pal_isa;

/* "auto", "scalar", "avx2", "avx512", "amx"; NULL for an unknown value. Since 0.1. */
PAL_API const char *pal_isa_name(pal_isa isa);
/* Non-zero when this CPU and OS can run `isa` (PAL_ISA_AUTO and SCALAR: always). For
 * PAL_ISA_AMX this asks Linux for the tile-data permission (arch_prctl), as a context that
 * chooses AMX does; no other call or level asks. Since 0.1. */
PAL_API int pal_isa_supported(pal_isa isa);

typedef struct pal_context_options {
  pal_isa isa;     /* PAL_ISA_AUTO: the PAL_ISA environment variable if set, else the best */
  int num_threads; /* 0: OpenMP's default (OMP_NUM_THREADS, else all cores) */
} pal_context_options;

typedef struct pal_context pal_context;

/* Creates a context. `options` may be NULL (all defaults). An explicit or
 * environment-forced ISA that is unknown or unsupported fails with PAL_E_ISA
 * and a message listing the levels this machine can run; there is no silent
 * downgrade. On failure *out is NULL and there is nothing to free. PAL_ISA_DEBUG=1 prints
 * the level chosen and why each level above the scalar one was refused to stderr.
 * The caller owns *out and frees it with pal_context_destroy. Since 0.1. */
PAL_API pal_status pal_context_create(const pal_context_options *options, pal_context **out,
                              pal_error *err);
/* Frees a context; NULL is accepted. Since 0.1. */
PAL_API void pal_context_destroy(pal_context *ctx);
/* The level this context runs (never PAL_ISA_AUTO). Since 0.1. */
PAL_API pal_isa pal_context_isa(const pal_context *ctx);
/* The thread count kernels use when the call's options say 0. Since 0.1. */
PAL_API int pal_context_num_threads(const pal_context *ctx);

/* ------------------------------------------------------------ KV storage */

/* K and V page pools: two arrays with the same dtype, shape and strides.
 * Element (page p, kv head h, token slot t, dim d) of K is at
 *   k[p * stride_page + h * stride_head + t * stride_token + d]
 * (strides in elements, computed in 64 bits; dims are contiguous).
 * HND [num_pages, Hkv, page_size, D] is the CPU default (a head's tokens
 * stream contiguously); NHD [num_pages, page_size, Hkv, D] is vLLM's and
 * FlashInfer's. The pool is borrowed for the duration of each call.
 * A pool with num_pages == 0 (a cache before its first request) needs no
 * valid strides or pointers; every sequence over it must then be empty. */
typedef struct pal_kv_pool {
  void *k;
  void *v;
  pal_dtype dtype;
  int64_t num_pages;
  int32_t page_size; /* 1 .. PAL_MAX_PAGE_SIZE */
  int32_t num_kv_heads;
  int32_t head_dim;
  int64_t stride_page;
  int64_t stride_head;
  int64_t stride_token;
} pal_kv_pool;

/* Fill a pool descriptor for the HND or NHD layout of contiguous arrays.
 * Pure helpers: they validate nothing (the kernels do). Since 0.1. */
PAL_API pal_kv_pool pal_kv_pool_hnd(void *k, void *v, pal_dtype dtype, int64_t num_pages,
                            int32_t page_size, int32_t num_kv_heads, int32_t head_dim);
PAL_API pal_kv_pool pal_kv_pool_nhd(void *k, void *v, pal_dtype dtype, int64_t num_pages,
                            int32_t page_size, int32_t num_kv_heads, int32_t head_dim);

/* Which pages hold each sequence's context. Two equivalent forms:
 *  PAL_PAGES_BLOCK_TABLE (vLLM, FlashAttention): block_table[num_seqs][max_pages_per_seq]
 *    and seq_lens[num_seqs]; sequence s uses the first ceil(seq_lens[s]/page_size)
 *    entries of its row (the rest are never read).
 *  PAL_PAGES_CSR (FlashInfer): kv_indptr[num_seqs+1] (kv_indptr[0] == 0, non-decreasing),
 *    kv_indices[kv_indptr[num_seqs]], kv_last_page_len[num_seqs] in 1..page_size for
 *    sequences with pages (ignored for sequences with none); the context length is
 *    (pages - 1) * page_size + last_page_len.
 * All arrays are int32 and borrowed for the duration of each call. */
typedef enum pal_page_table_form { PAL_PAGES_BLOCK_TABLE = 0, PAL_PAGES_CSR = 1 } pal_page_table_form;

typedef struct pal_page_table {
  pal_page_table_form form;
  int32_t num_seqs;
  /* PAL_PAGES_BLOCK_TABLE */
  const int32_t *block_table;
  int32_t max_pages_per_seq;
  const int32_t *seq_lens;
  /* PAL_PAGES_CSR */
  const int32_t *kv_indptr;
  const int32_t *kv_indices;
  const int32_t *kv_last_page_len;
} pal_page_table;

PAL_API pal_page_table pal_page_table_block(int32_t num_seqs, const int32_t *block_table,
                                    int32_t max_pages_per_seq, const int32_t *seq_lens);
PAL_API pal_page_table pal_page_table_csr(int32_t num_seqs, const int32_t *kv_indptr,
                                  const int32_t *kv_indices, const int32_t *kv_last_page_len);

/* ------------------------------------------------------------- the CPU */

/* What the CPU and OS offer, as detected by CPUID and XGETBV. Since 0.1. */
typedef struct pal_cpu_info {
  char vendor[16];
  char model[64];
  /* instruction-set features usable here (CPU bit and OS register state both set) */
  int avx2, fma, f16c;
  int avx512f, avx512bw, avx512vl, avx512dq, avx512_bf16, avx512_fp16;
  int amx_tile, amx_bf16, amx_int8;
  pal_isa best_isa; /* the highest level libpal can run here */
} pal_cpu_info;

PAL_API void pal_cpu_info_get(pal_cpu_info *out);

/* ---------------------------------------------------------------- kernels */

/* Options shared by the attention kernels; a NULL pointer means all defaults. */
typedef struct pal_attention_options {
  /* Softmax scale, finite. 0.0f (of either sign) is the sentinel for the
   * default 1/sqrt(head_dim), so zero-initialised options get it; a scale of
   * exactly zero cannot be asked for (it would make every row the mean of V). */
  float scale;
  int num_threads; /* 0: the context's count */
  /* Optional output: natural-log log-sum-exp of the scaled scores, fp32, one
   * per output row: [num_seqs, num_q_heads] for pal_decode, [batch,
   * num_q_heads, q_len] for pal_sdpa, [qo_indptr[num_seqs], num_q_heads] for
   * pal_prefill; -INFINITY for a row that sees no token. */
  float *lse;
  /* Sliding window, logit soft-cap and ALiBi: zero / NULL = off.
   * Positions: key j is context position j; a query's position p is its own
   * context position (pal_decode: seq_len - 1; pal_prefill: seq_len - q_len + i;
   * pal_sdpa: kv_len - q_len + i). Scores are built as
   *   s = scale * q.k;  s = softcap * tanh(s / softcap) if softcap > 0;
   *   s += alibi_slopes[h] * (j - p) if alibi_slopes;
   * and the window keeps only keys j > p - window. */
  int32_t window;            /* sliding window in tokens (>= 0; 0: off) */
  float softcap;             /* logit soft-cap (>= 0, finite; 0: off) */
  const float *alibi_slopes; /* [num_q_heads] finite slopes, or NULL: no ALiBi */
} pal_attention_options;

/* Paged decode: one query token per sequence.
 *   q   [num_seqs, num_q_heads, head_dim]  in q_dtype, contiguous
 *   out [num_seqs, num_q_heads, head_dim]  in q_dtype, contiguous
 * Query head h reads KV head h / (num_q_heads / num_kv_heads); each KV head is
 * read once for all query heads of its group. Attends to all seq_len tokens of
 * sequence s; seq_len 0 gives a zero row (and lse -inf). Long contexts are split
 * across threads and merged by log-sum-exp; results are bit-identical for the
 * same inputs and thread count. Since 0.1. */
PAL_API pal_status pal_decode(const pal_context *ctx, const void *q, void *out, pal_dtype q_dtype,
                      int32_t num_q_heads, const pal_kv_pool *pool,
                      const pal_page_table *pages, const pal_attention_options *options,
                      pal_error *err);

/* Paged prefill / chunked prefill / append (varlen, causal over the paged
 * history). Sequence s has q_len_s = qo_indptr[s+1] - qo_indptr[s] new query
 * tokens, which are the last q_len_s of its seq_len_s context tokens (the
 * pool must already hold their K/V, e.g. from pal_fill_kv_pages); query i of
 * them (position p = seq_len_s - q_len_s + i) attends to the context
 * positions j <= p (and j > p - window with options.window).
 *   q   [qo_indptr[num_seqs], num_q_heads, head_dim]  in q_dtype, contiguous
 *   out [qo_indptr[num_seqs], num_q_heads, head_dim]  in q_dtype, contiguous
 *   qo_indptr [num_seqs + 1] int32: qo_indptr[0] == 0, non-decreasing,
 *             q_len_s <= seq_len_s
 *   options.lse (optional) [qo_indptr[num_seqs], num_q_heads]
 * Page tables, pools, dtypes and GQA as for pal_decode; q_len 1 computes what
 * pal_decode computes. Work is tiled (query rows x 64-token key tiles) and
 * results are bit-identical for the same inputs and thread count. Since 0.1. */
PAL_API pal_status pal_prefill(const pal_context *ctx, const void *q, void *out,
                               pal_dtype q_dtype, int32_t num_q_heads,
                               const int32_t *qo_indptr, const pal_kv_pool *pool,
                               const pal_page_table *pages,
                               const pal_attention_options *options, pal_error *err);

/* Writes new K/V rows into the pools: token i (k_new/v_new [num_tokens,
 * num_kv_heads, head_dim] in src_dtype, contiguous) goes to slot
 * slot_mapping[i] = page * page_size + offset; -1 skips the token. All slots are
 * validated before anything is written. When two tokens name the same slot the
 * later one wins. The pools are outputs: their strides must keep every (page,
 * head, token) row in memory of its own (PAL_E_LAYOUT otherwise), K and V must
 * not share an element, and neither may overlap k_new, v_new or slot_mapping
 * (PAL_E_ALIAS). Since 0.1. */
PAL_API pal_status pal_fill_kv_pages(const pal_context *ctx, const void *k_new, const void *v_new,
                             pal_dtype src_dtype, int64_t num_tokens,
                             const int64_t *slot_mapping, const pal_kv_pool *pool,
                             pal_error *err);

/* Shape of a dense attention call. */
typedef struct pal_sdpa_shape {
  int32_t batch;
  int32_t num_q_heads;
  int32_t num_kv_heads;
  int32_t q_len;
  int32_t kv_len;
  int32_t head_dim;
  int causal; /* non-zero: query i sees keys < kv_len - q_len + i + 1 (bottom-right aligned) */
} pal_sdpa_shape;

/* Dense scaled-dot-product attention, the baseline for the paged kernels:
 *   q, out [batch, num_q_heads, q_len, head_dim]; k, v [batch, num_kv_heads, kv_len, head_dim]
 * all in `dtype`, contiguous. Same numerics as pal_decode. A query row that sees
 * no key (kv_len 0, or causal with q_len > kv_len) gives zeros. Since 0.1. */
PAL_API pal_status pal_sdpa(const pal_context *ctx, const void *q, const void *k, const void *v,
                    void *out, pal_dtype dtype, const pal_sdpa_shape *shape,
                    const pal_attention_options *options, pal_error *err);

#ifdef __cplusplus
}
#endif
#endif /* PAL_PAL_H */
