/* Two sequences of 5 and 20 tokens in a pool of 16-token pages, 8 query heads
 * sharing 2 KV heads (GQA), head_dim 64, fp32. */
#include <pal/pal.h>
#include <stdio.h>
#include <stdlib.h>

enum { PAGE = 16, PAGES = 4, HKV = 2, HQ = 8, D = 64, TOKENS = 25 };

int main(void) {
  pal_context *ctx = NULL;
  pal_error err;
  if (pal_context_create(NULL, &ctx, &err) != PAL_OK) {
    fprintf(stderr, "pal: %s\n", err.message);
    return 1;
  }
  /* HND pools [pages, kv heads, page size, head dim] */
  float *k = calloc(PAGES * HKV * PAGE * D, sizeof *k);
  float *v = calloc(PAGES * HKV * PAGE * D, sizeof *v);
  pal_kv_pool pool = pal_kv_pool_hnd(k, v, PAL_F32, PAGES, PAGE, HKV, D);

  /* Write 25 new tokens: sequence 0 -> page 3, sequence 1 -> pages 0 and 2. */
  float *k_new = malloc(sizeof(float) * TOKENS * HKV * D);
  float *v_new = malloc(sizeof(float) * TOKENS * HKV * D);
  int64_t slots[TOKENS];
  for (int i = 0; i < TOKENS * HKV * D; ++i) {
    k_new[i] = (float)((i * 37) % 11) / 11.0f - 0.5f;
    v_new[i] = (float)((i * 17) % 13) / 13.0f;
  }
  for (int t = 0; t < 5; ++t) slots[t] = 3 * PAGE + t;
  for (int t = 0; t < 20; ++t) slots[5 + t] = (t < PAGE ? 0 : 2 * PAGE) + t % PAGE;
  pal_status st = pal_fill_kv_pages(ctx, k_new, v_new, PAL_F32, TOKENS, slots, &pool, &err);

  /* Decode one query token per sequence. */
  int32_t block_table[2][2] = {{3, -1}, {0, 2}}; /* -1: padding, never read */
  int32_t seq_lens[2] = {5, 20};
  pal_page_table pages = pal_page_table_block(2, &block_table[0][0], 2, seq_lens);
  float q[2 * HQ * D], out[2 * HQ * D];
  for (int i = 0; i < 2 * HQ * D; ++i) q[i] = (float)(i % 7) / 7.0f;
  if (st == PAL_OK) st = pal_decode(ctx, q, out, PAL_F32, HQ, &pool, &pages, NULL, &err);

  if (st != PAL_OK)
    fprintf(stderr, "pal: %s: %s\n", pal_status_name(st), err.message);
  else
    printf("out[0][0][0..3] = %.4f %.4f %.4f %.4f\n", out[0], out[1], out[2], out[3]);
  free(k), free(v), free(k_new), free(v_new);
  pal_context_destroy(ctx);
  return st == PAL_OK ? 0 : 1;
}
