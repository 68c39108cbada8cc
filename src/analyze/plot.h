/* plot.h - what a plotter produces (a plot description: panels, series of
 * points, references) and the shared machinery that turns it into a gnuplot
 * script + data file, runs gnuplot, and lists its points in results.json.
 *
 * A plotter only selects rows and fills an anz_plot; it never writes files. */
#ifndef PAL_ANALYZE_PLOT_H
#define PAL_ANALYZE_PLOT_H

#include <stddef.h>

#include "analyze.h"
#include "table.h"

#define ANZ_MAX_PANELS 2
#define ANZ_MAX_REFS 3
#define ANZ_MAX_CEILINGS 8

typedef enum anz_plot_kind {
  ANZ_PLOT_LINES,  /* y over a numeric x, one line per series, error bars */
  ANZ_PLOT_BARS,   /* grouped bars over categories */
  ANZ_PLOT_SCATTER /* points only (roofline) */
} anz_plot_kind;

typedef struct anz_point {
  double x;
  double y[ANZ_MAX_PANELS], lo[ANZ_MAX_PANELS], hi[ANZ_MAX_PANELS];
  const anz_row *row;  /* the row behind the point */
  const anz_row *row2; /* the second row for ratios (speedup: the SDPA row) */
  size_t category;     /* bars: index into anz_plot.categories */
} anz_point;

typedef struct anz_series {
  char label[200];
  anz_kernel kernel;
  anz_source source;
  int variant; /* 0.. distinguishes series of the same kernel x source */
  anz_point *pts;
  size_t n, cap;
} anz_series;

typedef struct anz_panel {
  const char *title, *ylabel;
  const char *metric;      /* results.json key of y, e.g. "latency_ms" */
  int logx, logy;          /* -1: decide from the data span (>= 10x) */
  int nrefs;
  double ref_slope[ANZ_MAX_REFS];
  const char *ref_label[ANZ_MAX_REFS];
  int unity_line;          /* draw y = 1 (speedup) */
} anz_panel;

/* A roof: min(bw x intensity, flops) of one machine and one compute roof
 * named by its rows (flop_roof, e.g. "fp32_fma256", "amx_bf16"). */
typedef struct anz_ceiling {
  const char *machine;
  const char *bw_roof, *flop_roof; /* names (NULL: unknown) */
  double bw, flops;                /* bytes/s, FLOP/s (NaN: unknown); the highest its rows name */
  size_t npoints;                  /* plotted points under this roof */
} anz_ceiling;

typedef struct anz_plot {
  const char *name; /* file stem and results.json key */
  char title[200];
  anz_plot_kind kind;
  const char *xlabel;
  const char *xkey; /* results.json key of x, e.g. "seq_len" */
  int npanels;
  anz_panel panel[ANZ_MAX_PANELS];
  int layout_rows;  /* 1: panels side by side; 2: stacked */
  anz_series *series;
  size_t nseries;
  const char **categories;
  size_t ncategories;
  anz_ceiling ceiling[ANZ_MAX_CEILINGS];
  int nceilings;
  double yscale;    /* scatter: y shown divided by this (1e9: GFLOP/s) */
  size_t npoints_suspect; /* scatter: points whose row is probe_suspect, drawn marked */
  char note[300];   /* a finding written on the image under the title (red); empty: none */
  int key_outside;  /* the legend below the plot area, off the data */
} anz_plot;

/* A plotter: declares what it needs and builds the plot, or says why not. */
typedef struct anz_plotter {
  const char *name;        /* file stem: NAME.png/.svg/.gp/.dat */
  const char *description;
  const char *needs;       /* what data it needs, shown when skipped */
  /* Returns 0 with *p filled, or 1 with why[] saying what is missing. */
  int (*build)(const anz_table *t, anz_plot *p, char *why, size_t whylen);
} anz_plotter;

extern const anz_plotter *const anz_plotters[];
extern const size_t anz_plotter_count;

void anz_plot_init(anz_plot *p, const char *name);
void anz_plot_free(anz_plot *p);

/* Series grouping: the series key is kernel x source plus every dimension
 * that varies among the given rows (dtype, machine, other axes...), except
 * those in skip_axes (anz_axis values, or 100 + an anz_saxis value;
 * terminated by -1). The run date counts only when include_run is set. */
typedef struct anz_series_key {
  int vary_num[ANZ_AX_COUNT];
  int vary_str[ANZ_SX_COUNT];
} anz_series_key;
void anz_series_key_init(anz_series_key *k, const anz_row *const *rows, size_t n, const int *skip_axes,
                         int include_run);
/* The series for a row (created on first use); NULL on out of memory. */
anz_series *anz_series_for(anz_plot *p, const anz_series_key *k, const anz_row *row, const char *prefix);
int anz_series_add(anz_series *s, const anz_point *pt);
/* Sorts every series by x and drops empty series. */
void anz_plot_sort(anz_plot *p);

/* Orderings for pairing rows: NaN / NULL sort last, equal to each other. */
int anz_cmp_num(double a, double b);
int anz_cmp_str(const char *a, const char *b);

/* Rows of a study with a finite x axis value. Caller frees. */
const anz_row **anz_rows_of_study(const anz_table *t, anz_study study, anz_axis x, size_t *n);

/* Latency (ms) and throughput (query vectors/s) of a row for panels 0/1. */
void anz_point_latency_throughput(anz_point *pt, const anz_row *r);

/* The seed's line plots: rows of a study over axis x, one series per
 * kernel x source x varying dimension, panels latency + throughput. Returns
 * 0, or 1 with why[] ("no rows of a WHAT family with a seq_len value"). */
int anz_build_axis_plot(const anz_table *t, anz_plot *p, anz_study study, anz_axis x, const int *skip_axes,
                        const char *what, char *why, size_t whylen);
void anz_panels_latency_throughput(anz_plot *p, const char *latency_title, const char *throughput_title);

/* Writers (gnuplot.c). */
typedef struct anz_plot_job anz_plot_job;
/* Writes NAME.gp and NAME.dat atomically into dir and starts gnuplot on
 * them; returns NULL with why[] set on failure (gnuplot missing...). */
anz_plot_job *anz_plot_start(const anz_plot *p, const char *dir, const char *gnuplot, char *why, size_t whylen);
/* Waits for gnuplot; renames the images into place. 0 ok, else why[]. */
int anz_plot_finish(anz_plot_job *job, char *why, size_t whylen);
/* Writes only NAME.gp + NAME.dat (used when gnuplot is missing). */
int anz_plot_write_sources(const anz_plot *p, const char *dir, char *why, size_t whylen);

#endif /* PAL_ANALYZE_PLOT_H */
