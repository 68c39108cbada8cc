/* latency_vs_seq_len.c - the seed's first plot: latency and throughput over
 * the context length, with an O(n) reference (decode reads all n tokens). */
#include "../plot.h"

static int build(const anz_table *t, anz_plot *p, char *why, size_t whylen) {
  if (anz_build_axis_plot(t, p, ANZ_STUDY_SEQ_LEN, ANZ_AX_SEQ_LEN, NULL, "...VsSeqLen / latency_vs_seq_len", why, whylen))
    return 1;
  snprintf(p->title, sizeof p->title, "PAL vs SDPA: latency vs sequence length");
  p->xlabel = "Sequence length (tokens)";
  p->xkey = "seq_len";
  anz_panels_latency_throughput(p, "Latency vs sequence length", "Throughput vs sequence length");
  p->panel[0].nrefs = 1;
  p->panel[0].ref_slope[0] = 1;
  p->panel[0].ref_label[0] = "O(n) reference";
  return 0;
}

const anz_plotter anz_plotter_latency_vs_seq_len = {
    "latency_vs_seq_len", "Latency and throughput vs sequence length, per kernel x source",
    "rows of a family that sweeps seq_len (BM_*_LatencyVsSeqLen, test_*_latency_vs_seq_len)", build};
