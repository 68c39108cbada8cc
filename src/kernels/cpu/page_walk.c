/* page_walk.c - token index -> K/V row address (page_walk.h). */
#include "../baseline_only.h"

#include "page_walk.h"

void pal__walk_rows(const pal__kv_walk *w, int64_t t0, int32_t n, const char **kr,
                    const char **vr) {
  const size_t es = w->elem_size;
  const int64_t ts = w->token_stride;
  for (int32_t i = 0; i < n;) {
    const int64_t tok = t0 + i;
    int64_t base, run;
    if (w->page_size > 0) {
      const int64_t slot = tok % w->page_size;
      base = w->pages[tok / w->page_size] * w->page_stride + slot * ts;
      run = w->page_size - slot;
    } else {
      base = tok * ts;
      run = n;
    }
    if (run > n - i) run = n - i;
    /* each row from its own offset: stepping a pointer would move it one
     * stride past the run's last row, which may lie outside the pool */
    for (int64_t j = 0; j < run; ++j, ++i) {
      const size_t off = (size_t)(base + j * ts) * es;
      kr[i] = w->k + off;
      vr[i] = w->v + off;
    }
  }
}
