/* latency_vs_effective_items.c - latency and throughput over the query
 * vectors per call (batch x query heads; see docs/ANALYZE.md). */
#include "../plot.h"

static int build(const anz_table *t, anz_plot *p, char *why, size_t whylen) {
  /* batch and items define x: they are not series dimensions */
  static const int skip[] = {ANZ_AX_BATCH, ANZ_AX_ITEMS, -1};
  if (anz_build_axis_plot(t, p, ANZ_STUDY_ITEMS, ANZ_AX_EFFECTIVE_ITEMS, skip,
                          "...VsNumItems / latency_vs_query_items / latency_vs_batch_size", why, whylen))
    return 1;
  snprintf(p->title, sizeof p->title, "PAL vs SDPA: latency vs effective items");
  p->xlabel = "Effective items (query vectors per call: batch x query heads)";
  p->xkey = "effective_items";
  anz_panels_latency_throughput(p, "Latency vs effective items", "Throughput vs effective items");
  p->panel[0].nrefs = 1;
  p->panel[0].ref_slope[0] = 1;
  p->panel[0].ref_label[0] = "O(n) reference";
  p->panel[1].nrefs = 1;
  p->panel[1].ref_slope[0] = 1;
  p->panel[1].ref_label[0] = "linear scaling";
  return 0;
}

const anz_plotter anz_plotter_latency_vs_effective_items = {
    "latency_vs_effective_items", "Latency and throughput vs query vectors per call, per kernel x source",
    "rows of a family that sweeps items or batch (BM_*_LatencyVsNumItems, test_*_latency_vs_query_items)", build};
