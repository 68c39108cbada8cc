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

#define ANZ_MAX_PANELS 2   /* metrics, side by side (latency, throughput) */
#define ANZ_MAX_GROUPS 4   /* rows of panels: one per op when ops differ (decode, prefill) */
#define ANZ_MAX_REFS 3
#define ANZ_MAX_CEILINGS 8
#define ANZ_MAX_LEFT_OUT 16 /* notes on families left out of a plot */
/* The series rule (docs/ANALYZE.md, "What a series is"): a family that would
 * add more series than this to one plot is left out of it with a note. */
#define ANZ_MAX_SERIES_PER_FAMILY 8
/* ... and a plot draws at most this many series (a legend stays readable);
 * families past it are left out, in family-name order, with a note. */
#define ANZ_MAX_SERIES_PER_PLOT 40

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
  int group;  /* panel row (anz_plot.group_name) */
  /* the look, decided by anz_plot_sort (style.h): colour per (kernel, op,
   * dtype), dash + marker (bars: fill) per source, then a marker of its own
   * when two series would still look alike */
  int colour, dash, point, fill;
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
  anz_series *series;
  size_t nseries;
  const char **categories;
  size_t ncategories;
  anz_ceiling ceiling[ANZ_MAX_CEILINGS];
  int nceilings;
  double yscale;    /* scatter: y shown divided by this (1e9: GFLOP/s) */
  size_t npoints_suspect; /* scatter: points whose row is probe_suspect, drawn marked */
  char note[300];   /* a finding written on the image under the title (red); empty: none */
  /* rows of panels: one per op when the plotted rows have several (set by
   * anz_plot_split_ops before series are made); 1 group named NULL otherwise */
  int ngroups;
  const char *group_name[ANZ_MAX_GROUPS];
  /* bars: the categories each group shows (indices into categories), so a
   * group has no empty slots; filled by anz_plot_sort */
  size_t *group_cats[ANZ_MAX_GROUPS];
  size_t group_ncats[ANZ_MAX_GROUPS];
  /* what the series rule left out, one sentence each (results.json) */
  char left_out[ANZ_MAX_LEFT_OUT][240];
  int nleft_out;
  size_t left_out_more; /* notes beyond ANZ_MAX_LEFT_OUT */
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
 * that varies among the given rows (dtype, machine, other axes, the
 * parameters without an axis...), except those in skip_axes (anz_axis
 * values, or 100 + an anz_saxis value; terminated by -1) and the op when the
 * plot has a panel row per op. The run date counts only when include_run is
 * set (--all-runs: each run its own series). */
#define ANZ_MAX_PARAM_KEYS 4
#define ANZ_SKIP_PARAMS 200 /* in skip_axes: the parameters without an axis are no series dimension */
typedef struct anz_series_key {
  int vary_num[ANZ_AX_COUNT];
  int vary_str[ANZ_SX_COUNT];
  int vary_params;                           /* keys of row->params that vary */
  char param_key[ANZ_MAX_PARAM_KEYS][32];
  int vary_family; /* set by anz_build_axis_plot when two families would share a series */
} anz_series_key;
void anz_series_key_init(anz_series_key *k, const anz_row *const *rows, size_t n, const int *skip_axes,
                         int include_run);
/* Drops from k the parameters that are another name for x: within every
 * family one value per x and one x per value (pytest's case=N). xs[i] is
 * rows[i]'s x (a category index for bars). */
void anz_series_key_untie(anz_series_key *k, const anz_row *const *rows, const double *xs, size_t n);
/* The same with each row's value of axis x as its x. */
void anz_series_key_untie_axis(anz_series_key *k, const anz_row *const *rows, size_t n, anz_axis x);
/* One panel row per op when the rows have more than one known op (at most
 * ANZ_MAX_GROUPS; further ops share the last row; rows without an op get a
 * row "op unknown" then). Call before anz_series_key_init. */
void anz_plot_split_ops(anz_plot *p, const anz_row *const *rows, size_t n);
/* Adds a note to left_out (printf-style). */
void anz_plot_left_out(anz_plot *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The series for a row (created on first use); NULL on out of memory. */
anz_series *anz_series_for(anz_plot *p, const anz_series_key *k, const anz_row *row, const char *prefix);
int anz_series_add(anz_series *s, const anz_point *pt);
/* Sorts every series by x, drops empty series, keeps one point per x in a
 * series (the newest run; the others are noted in left_out), lays out the
 * bar groups' categories and gives every series its look. */
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
/* What anz_plot_start says. */
typedef enum anz_plot_start_rc {
  ANZ_PLOT_STARTED = 0,
  ANZ_PLOT_START_FAILED = -1,  /* why[] says why (out of memory, cannot start) */
  ANZ_PLOT_NO_GNUPLOT = -2     /* the gnuplot program does not exist */
} anz_plot_start_rc;
/* Starts one gnuplot that draws the plots names[0..n) in turn, from the
 * NAME.gp and NAME.dat in dir (anz_plot_write_sources): *job is set when it
 * returns ANZ_PLOT_STARTED, NULL otherwise, with why[] set. */
anz_plot_start_rc anz_plot_start(const char *const *names, size_t n, const char *dir, const char *gnuplot,
                                 anz_plot_job **job, char *why, size_t whylen);
/* Waits for the job's gnuplot and renames each plot's images into place:
 * ok[i] 1 when plot i was drawn, else 0 with why[i] (whylen bytes) set. A
 * plot the process did not reach because an earlier one failed is drawn
 * again on its own. Frees the job; returns how many were drawn. */
size_t anz_plot_finish(anz_plot_job *job, int *ok, char *const *why, size_t whylen);
/* Writes only NAME.gp + NAME.dat (used when gnuplot is missing). */
int anz_plot_write_sources(const anz_plot *p, const char *dir, char *why, size_t whylen);

#endif /* PAL_ANALYZE_PLOT_H */
