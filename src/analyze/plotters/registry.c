/* registry.c - the plotters, in drawing order. Adding a plot = one file in
 * this folder + one line here (docs/ANALYZE.md, "Adding a plot"). */
#include "../plot.h"

extern const anz_plotter anz_plotter_latency_vs_seq_len;
extern const anz_plotter anz_plotter_latency_vs_head_dim;
extern const anz_plotter anz_plotter_latency_vs_effective_items;
extern const anz_plotter anz_plotter_model_configs_comparison;
extern const anz_plotter anz_plotter_speedup_vs_seq_len;
extern const anz_plotter anz_plotter_roofline;
extern const anz_plotter anz_plotter_binding_overhead;

const anz_plotter *const anz_plotters[] = {
    &anz_plotter_latency_vs_seq_len,
    &anz_plotter_latency_vs_head_dim,
    &anz_plotter_latency_vs_effective_items,
    &anz_plotter_model_configs_comparison,
    &anz_plotter_speedup_vs_seq_len,
    &anz_plotter_roofline,
    &anz_plotter_binding_overhead,
};
const size_t anz_plotter_count = sizeof anz_plotters / sizeof anz_plotters[0];
