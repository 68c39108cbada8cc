/* results.h - results.json: what was read, what each plot shows (its data
 * points with units) and where the files are. Schema: docs/ANALYZE.md. */
#ifndef PAL_ANALYZE_RESULTS_H
#define PAL_ANALYZE_RESULTS_H

#include "analyze.h"
#include "plot.h"

typedef enum anz_plot_status { ANZ_PLOT_DRAWN, ANZ_PLOT_SKIPPED, ANZ_PLOT_FAILED, ANZ_PLOT_SOURCES_ONLY } anz_plot_status;

typedef struct anz_plot_outcome {
  const anz_plotter *plotter;
  anz_plot plot;        /* valid unless status == SKIPPED */
  anz_plot_status status;
  char note[700];       /* why skipped / failed */
} anz_plot_outcome;

/* Writes OUTPUT_DIR/results.json atomically. 0, or -1 with why[]. */
int anz_write_results(const anz_table *t, const anz_plot_outcome *plots, size_t nplots, const char *path,
                      char *why, size_t whylen);

#endif /* PAL_ANALYZE_RESULTS_H */
