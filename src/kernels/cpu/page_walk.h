/* page_walk.h - token index -> K/V row address: the one difference between
 * paged and dense attention (docs/ARCHITECTURE.md, decision 4). Both engines
 * (attention_engine.c, prefill_engine.c) gather a block's rows through it.
 */
#ifndef PAL_PAGE_WALK_H
#define PAL_PAGE_WALK_H

#include <stddef.h>
#include <stdint.h>

/* Where one KV head's rows live. Paged: token t is in page pages[t /
 * page_size], slot t % page_size; dense (page_size 0): token t is row t. */
typedef struct pal__kv_walk {
  const char *k, *v;    /* paged: pool base + the head's offset; dense: token 0 of the head */
  const int32_t *pages; /* paged: the sequence's page ids; dense: NULL */
  int32_t page_size;    /* paged: tokens per page; dense: 0 */
  int64_t page_stride;  /* paged: elements per page */
  int64_t token_stride; /* elements between consecutive tokens */
  size_t elem_size;     /* bytes per K/V element */
} pal__kv_walk;

/* Row pointers of tokens [t0, t0 + n) into kr / vr. Page-table entries are
 * read one per page run, so a block may span pages. Only the rows of these
 * tokens are pointed at: slots past a context are never touched. */
void pal__walk_rows(const pal__kv_walk *w, int64_t t0, int32_t n, const char **kr,
                    const char **vr);

#endif /* PAL_PAGE_WALK_H */
