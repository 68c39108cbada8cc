/* cmd_bench.c - `pal bench`: parse options, install the Ctrl-C handler, hand
 * over to the runner (src/bench/runner.c). */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../bench/list_json.h"
#include "../bench/runner.h"
#include "commands.h"

/* The one piece of process-wide state: set by SIGINT/SIGTERM, polled by the
 * measurement loop. sig_atomic_t is the only type a handler may write. */
static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: pal bench [options]\n"
          "  --list               print the instances the sweep expands to, run nothing\n"
          "  --list --json        the same as JSON: families (axes, values, --quick values,\n"
          "                       defaults), the model table, and each instance's axes,\n"
          "                       bytes/FLOPs/items per call and rotations (--hot applies)\n"
          "  --list-models        print the model configurations\n"
          "  --filter REGEX       run instances whose name matches (extended regex)\n"
          "  --kernel pal|sdpa    only paged (pal) or dense (sdpa) families\n"
          "  -a AXIS=V1,V2,...    override an axis (repeatable), e.g. -a seq_len=1024,4096\n"
          "  --quick              reduced sweep (a minute or so on 2 cores)\n"
          "  --hot                back-to-back calls on one working set (default: cold cache)\n"
          "  --out-dir DIR        where result files go (default .benchmarks)\n"
          "  --target NAME        file name part: cpp_NAME_FAMILY_TIME.json (default all)\n"
          "  --noise F            stop when (Q3-Q1)/median <= F (default 0.01)\n"
          "  --min-time S         measure at least S seconds before stopping on noise (0.2)\n"
          "  --max-time S         time cap per instance (default 2)\n"
          "  --min-reps N         at least N repetitions (default 5)\n"
          "  --quiet-retries N    re-measure an instance up to N times while other processes\n"
          "                       take more than 5%% of the CPUs (default 0; results always\n"
          "                       carry foreign_load)\n"
          "  --interleave R       measure the sweep in R rounds of max-time/R per instance,\n"
          "                       pooling samples, so host drift touches every instance alike\n"
          "                       (for ratios between instances on a shared machine)\n"
          "  --seed N             interleaved rounds run the instances in an order shuffled\n"
          "                       per round from seed N (default 1; 0: sweep order)\n"
          "  --budget SECONDS     fit the whole run in SECONDS: a pilot (a few seconds) times\n"
          "                       one instance per family, a plan trims repetitions of the\n"
          "                       longest instances, then rounds, never below --min-reps,\n"
          "                       and drops the costliest last (listed with the reason, also\n"
          "                       in each file's context); re-planned after every round\n"
          "                       from measured times (0: the full sweep, untrimmed)\n"
          "  --plan-only          print the plan (with --budget; --list --budget does too)\n"
          "  --plan-out FILE      write the plan as JSON (rewritten with measured costs)\n"
          "  --costs-from FILE    plan from the costs in an earlier run's --plan-out, no pilot\n"
          "  --plan-for python    size the pytest-benchmark suite (one pass, its harness\n"
          "                       costs); with --plan-only --costs-from\n"
          "  --no-probe           skip the bandwidth/compute probes (no utilisation counters)\n"
          "  --no-progress        no progress line (it is off anyway when stderr is no terminal)\n");
}

static int parse_double(const char *opt, const char *v, double *out) {
  char *end;
  *out = v ? strtod(v, &end) : 0;
  if (!v || *end || *out < 0) {
    fprintf(stderr, "pal bench: %s needs a non-negative number, got '%s'\n", opt, v ? v : "");
    return -1;
  }
  return 0;
}

int pal_cmd_bench(int argc, char **argv) {
  bench_override overrides[32];
  bench_run_opts o;
  int list_json = 0; /* --json: `--list --json` (src/bench/list_json.c) */
  memset(&o, 0, sizeof o);
  o.out_dir = ".benchmarks";
  o.target = "all";
  o.probe = 1;
  o.progress = isatty(STDERR_FILENO) && !getenv("CI");
  o.measure = (bench_measure_opts){0.05, 0.001, 0.2, 2.0, 0.01, 5, 10000, 0, 0};
  o.sweep.overrides = overrides;
  o.stop = &stop_requested;

  char cmdline[2048] = "pal bench";
  for (int i = 0; i < argc; ++i) {
    size_t used = strlen(cmdline);
    snprintf(cmdline + used, sizeof cmdline - used, " %s", argv[i]);
  }
  o.command_line = cmdline;

  for (int i = 0; i < argc; ++i) {
    const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
    double x;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--list")) {
      o.list = 1;
    } else if (!strcmp(a, "--json")) {
      list_json = 1;
    } else if (!strcmp(a, "--list-models")) {
      for (size_t m = 0; m < bench_num_models; ++m)
        printf("%-18s q_heads %3d  kv_heads %3d  head_dim %3d  seq_len %6d  batch %3d  %s\n",
               bench_models[m].name, bench_models[m].num_q_heads, bench_models[m].num_kv_heads,
               bench_models[m].head_dim, bench_models[m].seq_len, bench_models[m].batch,
               bench_models[m].note);
      return 0;
    } else if (!strcmp(a, "--quick")) {
      o.sweep.quick = 1;
      o.measure.max_time_s = 0.5;
      o.measure.min_time_s = 0.1;
    } else if (!strcmp(a, "--hot")) {
      o.hot = 1;
    } else if (!strcmp(a, "--no-probe")) {
      o.probe = 0;
    } else if (!strcmp(a, "--no-progress")) {
      o.progress = 0;
    } else if (!strcmp(a, "-a") && next) {
      char why[256];
      if (o.sweep.num_overrides == 32) {
        fprintf(stderr, "pal bench: too many -a options\n");
        return 2;
      }
      if (bench_parse_override(next, &overrides[o.sweep.num_overrides], why, sizeof why) != 0) {
        fprintf(stderr, "pal bench: %s\n", why);
        return 2;
      }
      o.sweep.num_overrides++;
      ++i;
    } else if (!strcmp(a, "--filter") && next) {
      o.sweep.filter = argv[++i];
    } else if (!strcmp(a, "--kernel") && next) {
      o.sweep.kernel = argv[++i];
      if (strcmp(o.sweep.kernel, "pal") && strcmp(o.sweep.kernel, "sdpa")) {
        fprintf(stderr, "pal bench: --kernel must be pal or sdpa, got '%s'\n", o.sweep.kernel);
        return 2;
      }
    } else if (!strcmp(a, "--out-dir") && next) {
      o.out_dir = argv[++i];
    } else if (!strcmp(a, "--target") && next) {
      o.target = argv[++i];
    } else if (!strcmp(a, "--noise") && next) {
      if (parse_double(a, argv[++i], &o.measure.noise)) return 2;
    } else if (!strcmp(a, "--min-time") && next) {
      if (parse_double(a, argv[++i], &o.measure.min_time_s)) return 2;
    } else if (!strcmp(a, "--max-time") && next) {
      if (parse_double(a, argv[++i], &o.measure.max_time_s)) return 2;
    } else if (!strcmp(a, "--quiet-retries") && next) {
      if (parse_double(a, argv[++i], &x)) return 2;
      o.quiet_retries = (int)x;
    } else if (!strcmp(a, "--interleave") && next) {
      if (parse_double(a, argv[++i], &x)) return 2;
      if (x != (int)x || x > 1000) {
        fprintf(stderr, "pal bench: --interleave needs a whole number of rounds up to 1000, got '%s'\n",
                argv[i]);
        return 2;
      }
      o.interleave = (int)x;
    } else if (!strcmp(a, "--budget") && next) {
      if (parse_double(a, argv[++i], &o.budget.budget_s)) return 2;
      o.budget.enabled = 1;
    } else if (!strcmp(a, "--plan-only")) {
      o.budget.plan_only = o.budget.enabled = 1;
    } else if (!strcmp(a, "--plan-out") && next) {
      o.budget.plan_out = argv[++i];
    } else if (!strcmp(a, "--costs-from") && next) {
      o.budget.costs_from = argv[++i];
    } else if (!strcmp(a, "--plan-for") && next) {
      if (strcmp(argv[++i], "python") != 0) {
        fprintf(stderr, "pal bench: --plan-for knows only python, got '%s'\n", argv[i]);
        return 2;
      }
      o.budget.for_python = 1;
    } else if (!strcmp(a, "--seed") && next) {
      if (parse_double(a, argv[++i], &x)) return 2;
      if (x != (double)(unsigned long)x) {
        fprintf(stderr, "pal bench: --seed needs a whole number, got '%s'\n", argv[i]);
        return 2;
      }
      o.budget.seed = (unsigned long)x;
      o.budget.seed_set = 1;
    } else if (!strcmp(a, "--min-reps") && next) {
      if (parse_double(a, argv[++i], &x)) return 2;
      o.measure.min_reps = x < 1 ? 1 : (int)x;
    } else {
      fprintf(stderr, "pal bench: unknown or incomplete option '%s'\n\n", a);
      usage(stderr);
      return 2;
    }
  }
  if (list_json) {
    if (!o.list) {
      fprintf(stderr, "pal bench: --json goes with --list\n");
      return 2;
    }
    return bench_list_json(&o.sweep, o.hot, stdout);
  }
  if ((o.budget.for_python || o.budget.costs_from) && !o.budget.enabled) {
    fprintf(stderr, "pal bench: --costs-from and --plan-for need --budget or --plan-only\n");
    return 2;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  return bench_run(&o);
}
