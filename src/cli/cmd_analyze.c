/* cmd_analyze.c - `pal analyze`: parse options, hand over to
 * src/analyze/analyze.c. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analyze/analyze.h"
#include "commands.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: pal analyze RESULTS_DIR|FILE... OUTPUT_DIR [options]\n"
          "  Reads every *.json in RESULTS_DIR (never results.json) or the files named:\n"
          "  Google Benchmark, pytest-benchmark and NVBench JSON, detected by content.\n"
          "  Writes plots (PNG + SVG, with their .gp script and .dat data) and results.json\n"
          "  into OUTPUT_DIR. Input files are never modified.\n"
          "  Results above the probed roof (bw_util or flop_util over 1.05) are findings:\n"
          "  listed under probe_suspect in results.json, ringed on the roofline, warned about.\n"
          "  --stat median|mean|min  the statistic per instance (default median)\n"
          "  --all-runs              keep every run of an instance (default: the newest wins)\n"
          "  --strict                exit non-zero when any file or row was skipped\n"
          "  --no-plots              results.json and the .gp/.dat files only, no gnuplot\n"
          "  --table PATH            also write the table of the rows used as CSV to PATH\n"
          "                          (one row per instance; the Python plotters' input)\n"
          "  --kernel NAME           keep only rows of kernel NAME: pal (or paged_attention),\n"
          "                          sdpa, other, or a kernel name the files give; repeatable\n"
          "  --max-file-mb N         skip larger files unread (default 64; 0 = no limit)\n"
          "  --verbose, -v           per-file details, every skipped row, skipped plots\n"
          "  PAL_GNUPLOT=PROGRAM     run PROGRAM instead of gnuplot\n"
          "Exit status: 0 ok; 1 nothing could be read, a plot could not be drawn (gnuplot\n"
          "missing), or --strict and something was skipped; 2 usage or output errors.\n");
}

int pal_cmd_analyze(int argc, char **argv) {
  anz_options o = {.stat = ANZ_STAT_MEDIAN, .max_file_bytes = (size_t)64 << 20, .out = stdout, .err = stderr};
  const char **pos = calloc((size_t)argc + 1, sizeof *pos);
  const char **kernels = calloc((size_t)argc + 1, sizeof *kernels);
  size_t npos = 0, nkernels = 0;
  if (!pos || !kernels) {
    free(pos), free(kernels);
    return 2;
  }
  for (int i = 0; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      free(pos), free(kernels);
      return 0;
    } else if (!strcmp(a, "--table") || !strcmp(a, "--kernel")) {
      int is_table = !strcmp(a, "--table");
      const char *v = i + 1 < argc ? argv[++i] : NULL;
      if (!v || !*v) {
        fprintf(stderr, "pal analyze: %s needs %s\n\n", a, is_table ? "a file path" : "a kernel name");
        usage(stderr);
        free(pos), free(kernels);
        return 2;
      }
      if (is_table) o.table_path = v;
      else kernels[nkernels++] = v; /* several: their union */
    } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
      o.verbose = 1;
    } else if (!strcmp(a, "--all-runs")) {
      o.all_runs = 1;
    } else if (!strcmp(a, "--strict")) {
      o.strict = 1;
    } else if (!strcmp(a, "--no-plots")) {
      o.no_plots = 1;
    } else if (!strcmp(a, "--stat") && i + 1 < argc) {
      const char *v = argv[++i];
      if (!strcmp(v, "median")) o.stat = ANZ_STAT_MEDIAN;
      else if (!strcmp(v, "mean")) o.stat = ANZ_STAT_MEAN;
      else if (!strcmp(v, "min")) o.stat = ANZ_STAT_MIN;
      else {
        fprintf(stderr, "pal analyze: --stat takes median, mean or min, got '%s'\n", v);
        free(pos), free(kernels);
        return 2;
      }
    } else if (!strcmp(a, "--max-file-mb") && i + 1 < argc) {
      char *end;
      double mb = strtod(argv[++i], &end);
      if (*end || mb < 0) {
        fprintf(stderr, "pal analyze: --max-file-mb needs a non-negative number, got '%s'\n", argv[i]);
        free(pos), free(kernels);
        return 2;
      }
      o.max_file_bytes = (size_t)(mb * 1048576.0);
    } else if (a[0] == '-' && a[1] == '-') {
      fprintf(stderr, "pal analyze: unknown option '%s'\n\n", a);
      usage(stderr);
      free(pos), free(kernels);
      return 2;
    } else {
      pos[npos++] = a;
    }
  }
  if (npos < 2) {
    fprintf(stderr, "pal analyze: need the results (folder or files) and an output folder\n\n");
    usage(stderr);
    free(pos), free(kernels);
    return 2;
  }
  o.inputs = pos;
  o.ninputs = npos - 1;
  o.output_dir = pos[npos - 1];
  o.gnuplot = getenv("PAL_GNUPLOT");
  o.kernels = kernels;
  o.nkernels = nkernels;
  int rc = anz_run(&o);
  free(pos), free(kernels);
  return rc;
}
