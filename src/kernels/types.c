/* types.c - names and sizes of the public enums, and the pool / page-table
 * descriptor helpers (pure: they fill structs and validate nothing). */
#include "baseline_only.h"

#include "pal/pal.h"

const char *pal_version(void) { return PAL_VERSION_STRING; }

const char *pal_dtype_name(pal_dtype dtype) {
  switch (dtype) {
    case PAL_F32: return "fp32";
    case PAL_F16: return "fp16";
    case PAL_BF16: return "bf16";
    default: return NULL;
  }
}

size_t pal_dtype_size(pal_dtype dtype) {
  switch (dtype) {
    case PAL_F32: return 4;
    case PAL_F16:
    case PAL_BF16: return 2;
    default: return 0;
  }
}

const char *pal_isa_name(pal_isa isa) {
  switch (isa) {
    case PAL_ISA_AUTO: return "auto";
    case PAL_ISA_SCALAR: return "scalar";
    case PAL_ISA_AVX2: return "avx2";
    case PAL_ISA_AVX512: return "avx512";
    case PAL_ISA_AMX: return "amx";
    default: return NULL;
  }
}

pal_kv_pool pal_kv_pool_hnd(void *k, void *v, pal_dtype dtype, int64_t num_pages,
                            int32_t page_size, int32_t num_kv_heads, int32_t head_dim) {
  pal_kv_pool p = {k, v, dtype, num_pages, page_size, num_kv_heads, head_dim,
                   (int64_t)num_kv_heads * page_size * head_dim, (int64_t)page_size * head_dim,
                   head_dim};
  return p;
}

pal_kv_pool pal_kv_pool_nhd(void *k, void *v, pal_dtype dtype, int64_t num_pages,
                            int32_t page_size, int32_t num_kv_heads, int32_t head_dim) {
  pal_kv_pool p = {k, v, dtype, num_pages, page_size, num_kv_heads, head_dim,
                   (int64_t)num_kv_heads * page_size * head_dim, head_dim,
                   (int64_t)num_kv_heads * head_dim};
  return p;
}

pal_page_table pal_page_table_block(int32_t num_seqs, const int32_t *block_table,
                                    int32_t max_pages_per_seq, const int32_t *seq_lens) {
  pal_page_table t = {PAL_PAGES_BLOCK_TABLE, num_seqs, block_table, max_pages_per_seq, seq_lens,
                      NULL, NULL, NULL};
  return t;
}

pal_page_table pal_page_table_csr(int32_t num_seqs, const int32_t *kv_indptr,
                                  const int32_t *kv_indices, const int32_t *kv_last_page_len) {
  pal_page_table t = {PAL_PAGES_CSR, num_seqs, NULL, 0, NULL, kv_indptr, kv_indices,
                      kv_last_page_len};
  return t;
}
