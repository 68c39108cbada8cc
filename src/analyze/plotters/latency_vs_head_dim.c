/* latency_vs_head_dim.c - latency and throughput over the head dimension,
 * with O(d) and O(d^2) references as in the seed. */
#include "../plot.h"

static int build(const anz_table *t, anz_plot *p, char *why, size_t whylen) {
  if (anz_build_axis_plot(t, p, ANZ_STUDY_HEAD_DIM, ANZ_AX_HEAD_DIM, NULL, "...VsHeadDim / latency_vs_head_dim", why,
                          whylen))
    return 1;
  snprintf(p->title, sizeof p->title, "PAL vs SDPA: latency vs head dimension");
  p->xlabel = "Head dimension";
  p->xkey = "head_dim";
  anz_panels_latency_throughput(p, "Latency vs head dimension", "Throughput vs head dimension");
  p->panel[0].nrefs = 2;
  p->panel[0].ref_slope[0] = 1;
  p->panel[0].ref_label[0] = "O(d) reference";
  p->panel[0].ref_slope[1] = 2;
  p->panel[0].ref_label[1] = "O(d^2) reference";
  return 0;
}

const anz_plotter anz_plotter_latency_vs_head_dim = {
    "latency_vs_head_dim", "Latency and throughput vs head dimension, per kernel x source",
    "rows of a family that sweeps head_dim (BM_*_LatencyVsHeadDim, test_*_latency_vs_head_dim)", build};
