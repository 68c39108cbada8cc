/* table.h - the analyzer's normalised table: one row per benchmark instance
 * (per run with --all-runs), whatever format it came from.
 *
 * Strings in rows live in the string arena of the file they came from
 * (anz_strings), which lives as long as the table. */
#ifndef PAL_ANALYZE_TABLE_H
#define PAL_ANALYZE_TABLE_H

#include <stddef.h>

typedef enum anz_source { ANZ_SRC_CPP, ANZ_SRC_PY, ANZ_SRC_NVBENCH, ANZ_SRC_COUNT } anz_source;
typedef enum anz_kernel { ANZ_K_PAL, ANZ_K_SDPA, ANZ_K_OTHER, ANZ_K_COUNT } anz_kernel;

/* Numeric axes. ITEMS = query items as the benchmark states them. */
typedef enum anz_axis {
  ANZ_AX_SEQ_LEN,
  ANZ_AX_HEAD_DIM,
  ANZ_AX_ITEMS,
  ANZ_AX_BATCH,
  ANZ_AX_NUM_Q_HEADS,
  ANZ_AX_NUM_KV_HEADS,
  ANZ_AX_PAGE_SIZE,
  ANZ_AX_EFFECTIVE_ITEMS, /* derived, see axes.c */
  ANZ_AX_COUNT
} anz_axis;

/* String axes. */
typedef enum anz_saxis {
  ANZ_SX_DTYPE,
  ANZ_SX_MODEL,
  ANZ_SX_LAYOUT,
  ANZ_SX_CACHE,
  ANZ_SX_OP,
  ANZ_SX_MACHINE,
  ANZ_SX_RUN, /* the run's date as written in the file (for --all-runs) */
  ANZ_SX_COUNT
} anz_saxis;

/* What a family sweeps: decides which plots a row belongs to. */
typedef enum anz_study {
  ANZ_STUDY_NONE,
  ANZ_STUDY_SEQ_LEN,
  ANZ_STUDY_HEAD_DIM,
  ANZ_STUDY_ITEMS,
  ANZ_STUDY_MODEL,
  ANZ_STUDY_COUNT
} anz_study;

typedef enum anz_stat { ANZ_STAT_MEDIAN, ANZ_STAT_MEAN, ANZ_STAT_MIN } anz_stat;

typedef enum anz_counter {
  ANZ_C_BYTES_PER_SECOND,
  ANZ_C_FLOPS_PER_SECOND,
  ANZ_C_ITEMS_PER_SECOND,
  ANZ_C_BW_UTIL,
  ANZ_C_ROOFLINE_UTIL,
  ANZ_C_ARITHMETIC_INTENSITY,
  ANZ_C_FOREIGN_LOAD, /* share of the CPUs other processes took while it was measured */
  ANZ_C_FLOP_UTIL,    /* flops_per_second / the row's probed FLOP peak (pal bench compute rows) */
  ANZ_C_COUNT
} anz_counter;

/* probe_suspect: a utilisation (bw_util, flop_util) is achieved / probed
 * peak, so a value above 1 means the probe under-read the machine, not that
 * the kernel beat it. Above 1 + ANZ_PROBE_MARGIN (timing noise: the same
 * margin pal bench applies when it writes "probe_suspect") a row is flagged
 * and reported (results.json "probe_suspect", the roofline plot, a warning). */
#define ANZ_PROBE_MARGIN 0.05

typedef struct anz_row {
  const char *file;   /* input path */
  const char *name;   /* instance name (GB run_name, pytest name, NVBench state) */
  const char *family; /* benchmark family */
  anz_source source;
  anz_kernel kernel;
  const char *kernel_name; /* the explicit kernel field as the file wrote it (NULL: none), see axes.h */
  const char *params;      /* instance parameters without an axis, "key=value/..." (NULL: none), see axes.h */
  anz_study study;
  double axis[ANZ_AX_COUNT];        /* NaN when unknown */
  const char *saxis[ANZ_SX_COUNT];  /* NULL when unknown */
  double time_s;                    /* the chosen statistic, seconds per call */
  double low_s, high_s;             /* spread around it (error bars) */
  const char *stat_used;            /* "median", "mean", "min" or "single" */
  const char *spread_used;          /* "iqr", "stddev", "min-median" or "none" */
  double samples;                   /* repetitions behind the statistic (NaN: unknown) */
  double counter[ANZ_C_COUNT];      /* NaN when absent */
  double bw_peak, peak_flops;       /* the machine's probed limits (NaN: unknown);
                                       peak_flops: the best compute peak of the machine */
  const char *bw_roof;              /* name of the bandwidth roof ("bw_peak"...; NULL: unknown) */
  const char *flop_roof;            /* name of the row's compute roof ("fp32_fma256"...; NULL) */
  double flop_peak;                 /* FLOP/s of flop_roof (NaN: unknown; then peak_flops) */
  int probe_suspect;                /* 1: a utilisation above 1 + ANZ_PROBE_MARGIN */
  int probe_suspect_from_file;      /* 1: the file said so ("probe_suspect"); 0: derived here */
  const char *probe_counter;        /* the counter above its roof ("bw_util", "flop_util") */
  double probe_value;               /* its value (NaN: the file named no value) */
  double run_epoch;                 /* when the run happened (newest wins) */
  int colour;                       /* palette index of its (kernel, op, dtype) (style.h) */
  size_t order;                     /* input order, for stable output */
} anz_row;

/* Strings copied into chunks that are freed together. */
typedef struct anz_strings {
  struct anz_strchunk *chunks;
  int failed; /* an allocation failed: some string came back NULL */
} anz_strings;

const char *anz_strdup(anz_strings *s, const char *text);
const char *anz_strndup(anz_strings *s, const char *text, size_t n);
/* n writable bytes + a terminating NUL (already set), for strings built in place. */
char *anz_stralloc(anz_strings *s, size_t n);
void anz_strings_free(anz_strings *s);

typedef struct anz_rows {
  anz_row *v;
  size_t n, cap;
} anz_rows;

/* Appends a row initialised to "unknown everywhere"; NULL on out of memory. */
anz_row *anz_rows_add(anz_rows *r);
void anz_rows_free(anz_rows *r);
void anz_row_init(anz_row *row);

/* The verdict on one result row of a file (a Google Benchmark repetition or
 * aggregate, a pytest or NVBench entry). */
typedef struct anz_probe_verdict {
  int suspect;         /* 1: flagged */
  int from_file;       /* the file's own probe_suspect field decided */
  const char *counter; /* "bw_util" / "flop_util" (or the file's probe_suspect_counter) */
  double value;        /* NaN when unknown */
} anz_probe_verdict;

/* Judges a row: the file's "probe_suspect" decides when present
 * (file_flag 0 or 1; -1: absent, with file_counter its
 * "probe_suspect_counter" or NULL); otherwise the row is flagged when
 * bw_util or flop_util exceeds 1 + ANZ_PROBE_MARGIN. A utilisation the file
 * does not carry is computed from the rate and the peak when both are known
 * (bytes_per_second / bw_peak, flops_per_second / flop_peak), so results of
 * older pal bench versions and of other tools are judged too. */
void anz_probe_judge(int file_flag, const char *file_counter, const double counter[ANZ_C_COUNT], double bw_peak,
                     double flop_peak, anz_probe_verdict *v);
/* Folds a verdict into a row (an instance is suspect when any of its rows
 * is); the highest value is kept. counter names must outlive the row. */
void anz_probe_merge(anz_row *row, const anz_probe_verdict *v);

const char *anz_source_name(anz_source s);
const char *anz_kernel_name(anz_kernel k);
const char *anz_study_name(anz_study s); /* "seq_len", "head_dim", "items", "model", "none" */
const char *anz_axis_name(anz_axis a);
const char *anz_saxis_name(anz_saxis a);
const char *anz_counter_name(anz_counter c);
const char *anz_stat_name(anz_stat s);

#endif /* PAL_ANALYZE_TABLE_H */
