/* runner.c - expands the sweep, probes the machine, and runs every instance
 * through setup -> measure -> report -> teardown, one result file per family.
 *
 * NOTES
 *  1. Cold mode rotates through working sets totalling 3 x the last-level
 *     cache, so with any replacement policy a call finds little of its data
 *     in cache. --hot runs one working set back to back. Both are labelled.
 *  2. Contexts are made per distinct `threads` axis value and kept for the
 *     run: the thread count is part of the instance, not of the process.
 *  3. After SIGINT the current instance is dropped, files already hold every
 *     finished one (report_json.c rewrites them atomically), exit is 130.
 *  4. --interleave R measures the sweep R times over, each instance for
 *     max_time / R per round (set up and torn down each time: cold working
 *     sets do not fit side by side), and pools its samples. On a shared host
 *     the load drifts over minutes; one pass puts the paged family minutes
 *     away from the dense one, R rounds expose both to the same drift, which
 *     is what an in-run ratio needs. Files are rewritten after each round.
 *     The machine limits are probed again before each round and each peak
 *     kept as the best pass: a probe taken in a slow stretch would otherwise
 *     inflate every utilisation of the run (best repetitions read above 1).
 *  5. Which instance a round measures when, and with what time cap, is the
 *     schedule's (schedule.c): a shuffled order per round (--seed) and,
 *     under --budget, the plan and its revisions; an instance the budget
 *     dropped has no samples and writes no row.
 */
#define _POSIX_C_SOURCE 200809L
#include "runner.h"
#include "cpu_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../common/stats.h"
#include "machine.h"
#include "report_json.h"
#include "roof.h"

#define MAX_CONTEXTS 16

typedef struct context_cache {
  int threads[MAX_CONTEXTS];
  pal_context *ctx[MAX_CONTEXTS];
  int count;
} context_cache;

static pal_context *context_for(context_cache *c, int threads, char *why, size_t why_size) {
  for (int i = 0; i < c->count; ++i)
    if (c->threads[i] == threads) return c->ctx[i];
  if (c->count == MAX_CONTEXTS) return snprintf(why, why_size, "too many thread counts"), NULL;
  pal_context_options o = {PAL_ISA_AUTO, threads};
  pal_error err;
  pal_context *ctx = NULL;
  if (pal_context_create(&o, &ctx, &err) != PAL_OK)
    return snprintf(why, why_size, "%s", err.message), NULL;
  c->threads[c->count] = threads;
  c->ctx[c->count++] = ctx;
  return ctx;
}

static double now_s(void) { return bench_clock_s(CLOCK_MONOTONIC); }

static void iso_date(char *buf, size_t size) {
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  char tz[8];
  strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
  strftime(tz, sizeof tz, "%z", &tm); /* +0100 -> +01:00 as Google Benchmark writes it */
  size_t n = strlen(buf);
  snprintf(buf + n, size - n, "%.3s:%.2s", tz, tz + 3);
}

static json_t *context_json(const bench_run_opts *o, const bench_machine *m,
                            const pal_context *ctx) {
  json_t *c = json_object();
  char date[40];
  iso_date(date, sizeof date);
  json_object_set_new(c, "date", json_string(date));
  json_object_set_new(c, "host_name", json_string(m->host));
  json_object_set_new(c, "executable", json_string("pal bench"));
  json_object_set_new(c, "num_cpus", json_integer(m->num_cpus));
  json_object_set_new(c, "mhz_per_cpu", json_integer((json_int_t)(m->mhz + 0.5)));
  json_t *caches = json_array();
  const char *types[] = {"", "Data", "Unified", "Unified"};
  for (int lv = 1; lv <= 3; ++lv)
    if (m->cache_bytes[lv] > 0) {
      json_t *e = json_object();
      json_object_set_new(e, "type", json_string(types[lv]));
      json_object_set_new(e, "level", json_integer(lv));
      json_object_set_new(e, "size", json_integer(m->cache_bytes[lv]));
      json_object_set_new(e, "num_sharing", json_integer(m->cache_sharing[lv]));
      json_array_append_new(caches, e);
    }
  json_object_set_new(c, "caches", caches);
  double load[3];
  json_t *la = json_array();
  FILE *f = fopen("/proc/loadavg", "r");
  if (f && fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) == 3)
    for (int i = 0; i < 3; ++i) json_array_append_new(la, json_real(load[i]));
  if (f) fclose(f);
  json_object_set_new(c, "load_avg", la);
  json_object_set_new(c, "library_version", json_string(pal_version()));
#ifdef NDEBUG
  json_object_set_new(c, "library_build_type", json_string("release"));
#else
  json_object_set_new(c, "library_build_type", json_string("debug"));
#endif
  json_object_set_new(c, "json_schema_version", json_integer(1));
  /* PAL's additions (extra keys are allowed by the schema) */
  json_object_set_new(c, "pal_version", json_string(pal_version()));
  json_object_set_new(c, "cpu_model", json_string(m->cpu_model));
  json_object_set_new(c, "isa", json_string(pal_isa_name(pal_context_isa(ctx))));
  json_object_set_new(c, "threads", json_integer(pal_context_num_threads(ctx)));
  json_object_set_new(c, "cache_mode", json_string(o->hot ? "hot" : "cold"));
  json_object_set_new(c, "llc_bytes", json_integer(m->llc_bytes));
  json_object_set_new(c, "command_line", json_string(o->command_line ? o->command_line : ""));
  /* the probe figures are the reporter's: it writes them as of each write */
  return c;
}

static int make_dir(const char *dir) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", dir);
  for (char *p = buf + 1; *p; ++p)
    if (*p == '/') {
      *p = 0;
      if (mkdir(buf, 0755) != 0 && errno != EEXIST) return -1;
      *p = '/';
    }
  return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static void progress(const bench_run_opts *o, size_t k, size_t n, const char *name, double t0) {
  if (!o->progress) return;
  double el = now_s() - t0;
  double left = k > 0 ? el / (double)k * (double)(n - k) : 0;
  fprintf(stderr, "\r\033[K[%zu/%zu] %.60s  %.0fs elapsed, ~%.0fs left", k + 1, n, name, el, left);
  fflush(stderr);
}

static void print_result(const bench_instance *in, const bench_samples *s, const bench_cost *c,
                         const char *isa, int hot, const bench_machine *m) {
  pal_stats st;
  pal_stats_compute(s->real_s, (size_t)s->reps, &st);
  printf("%-72s %11.2f us %7.2f GB/s", in->name, st.median * 1e6, c->bytes / st.median / 1e9);
  bench_print_util(m, isa, hot, c, st.median, st.min); /* against the roofs of the path that ran */
  printf("  (%d reps, noise %.2f%%, %s)", s->reps, 100 * s->noise, s->stop_reason);
  if (s->foreign_load > BENCH_FOREIGN_LOAD_WARN)
    printf("  WARNING: other processes took %.0f%% of the CPUs", 100 * s->foreign_load);
  printf("\n");
  fflush(stdout);
}

/* One instance: setup, measure, report, teardown. 0 ok, 1 errored, 130 stop. */
static int run_instance(const bench_run_opts *o, const bench_instance *in, const bench_env *env,
                        bench_report *report) {
  const bench_op *op = in->suite->op;
  void *state = NULL;
  char why[256] = "";
  bench_result res;
  memset(&res, 0, sizeof res);
  res.instance = in;
  res.threads = pal_context_num_threads(env->ctx);
  res.isa = pal_isa_name(pal_context_isa(env->ctx));
  res.hot = env->hot;
  int rc = 0;
  bench_samples samples;
  memset(&samples, 0, sizeof samples);
  if (op->setup(in, env, &state, &res.cost, &res.rotations, why, sizeof why) != 0) {
    res.error = why;
    rc = 1;
  } else {
    int m = bench_measure(op, state, res.rotations, &o->measure, o->stop, &samples);
    for (int retry = 0; m == 0 && retry < o->quiet_retries &&
                        samples.foreign_load > BENCH_FOREIGN_LOAD_WARN && !*o->stop;
         ++retry) {
      if (o->progress) fprintf(stderr, "\r\033[K");
      fprintf(stderr, "pal bench: %s: other processes took %.0f%% of the CPUs; measuring again (%d/%d)\n",
              in->name, 100 * samples.foreign_load, retry + 1, o->quiet_retries);
      bench_samples_free(&samples);
      struct timespec pause = {1, 0};
      nanosleep(&pause, NULL);
      m = bench_measure(op, state, res.rotations, &o->measure, o->stop, &samples);
    }
    if (m == 1) {
      rc = 130;
    } else if (m != 0) {
      res.error = samples.error;
      rc = 1;
    } else {
      res.samples = &samples;
    }
  }
  if (rc != 130) {
    if (res.error) {
      if (o->progress) fprintf(stderr, "\r\033[K");
      printf("%-72s ERROR: %s\n", in->name, res.error);
    } else {
      if (o->progress) fprintf(stderr, "\r\033[K");
      print_result(in, &samples, &res.cost, res.isa, res.hot, env->machine);
    }
    if (bench_report_add(report, &res) != 0) {
      fprintf(stderr, "pal bench: %s: cannot write: %s\n", bench_report_path(report),
              strerror(errno));
      rc = 1;
    }
  }
  bench_samples_free(&samples);
  if (state) op->teardown(state);
  return rc;
}

/* An instance under --interleave: its result pooled over the rounds so far. */
typedef struct pooled {
  bench_result res;
  bench_samples samples;
  char why[256];
} pooled;

/* One round's slice of instance i, pooled into p; 130 on SIGINT, else 0
 * (an error is recorded in p). */
static int measure_slice(const bench_run_opts *o, const bench_measure_opts *slice,
                         const bench_instance *in, const bench_env *env, pooled *p) {
  const bench_op *op = in->suite->op;
  void *state = NULL;
  p->res.threads = pal_context_num_threads(env->ctx);
  p->res.isa = pal_isa_name(pal_context_isa(env->ctx));
  int rc = 0;
  if (op->setup(in, env, &state, &p->res.cost, &p->res.rotations, p->why, sizeof p->why) != 0) {
    p->res.error = p->why;
  } else {
    bench_samples s;
    int m = bench_measure(op, state, p->res.rotations, slice, o->stop, &s);
    if (m == 1) {
      rc = 130;
    } else if (m != 0) {
      snprintf(p->why, sizeof p->why, "%s", s.error);
      p->res.error = p->why;
    } else if (bench_samples_append(&p->samples, &s) != 0) {
      snprintf(p->why, sizeof p->why, "out of memory pooling samples");
      p->res.error = p->why;
    }
    bench_samples_free(&s);
  }
  if (state) op->teardown(state);
  return rc;
}

/* Rewrites each family's file (reports[i], set for the family's first
 * instance i) with every instance's pooled result: one atomic write per file,
 * so the previous round's file stays whole until the new one replaces it. */
static int write_pooled(pooled *pool, size_t n, bench_report **reports) {
  for (size_t i = 0; i < n;) {
    bench_report *r = reports[i];
    bench_report_clear(r);
    do {
      if (!pool[i].res.error && pool[i].samples.reps == 0) continue; /* dropped (budget) */
      pool[i].res.samples = pool[i].res.error ? NULL : &pool[i].samples;
      bench_report_append(r, &pool[i].res);
    } while (++i < n && !reports[i]);
    if (bench_report_flush(r) != 0) {
      fprintf(stderr, "pal bench: cannot write %s: %s\n", bench_report_path(r), strerror(errno));
      return -1;
    }
  }
  return 0;
}

static void file_name(char *buf, size_t size, const bench_run_opts *o, const char *family);

/* The sweep in o->interleave rounds (NOTES 4): each family's file is opened
 * once and rewritten after every round. Returns 0, 1 (a file could not be
 * written, or a context not made) or 130; *errors counts errored instances. */
static int run_interleaved(const bench_run_opts *o, const bench_instance *inst, size_t n,
                           bench_machine *machine, context_cache *contexts, int *errors,
                           bench_schedule *sched) {
  const int rounds = bench_schedule_rounds(sched); /* order, budget: schedule.c */
  pooled *pool = calloc(n, sizeof *pool);
  bench_report **reports = calloc(n, sizeof *reports);
  int status = 0, done = 0;
  if (!pool || !reports) {
    fprintf(stderr, "pal bench: out of memory\n");
    status = 1;
  }
  for (size_t i = 0; i < n && status == 0; ++i) {
    pool[i].res.instance = &inst[i];
    pool[i].res.hot = o->hot;
    if (i > 0 && inst[i].family_index == inst[i - 1].family_index) continue;
    char why[256], path[1200];
    pal_context *ctx = context_for(contexts, (int)bench_get_int(&inst[i], "threads", 0), why, sizeof why);
    file_name(path, sizeof path, o, inst[i].suite->name);
    reports[i] = ctx ? bench_report_open(path,
                                         bench_schedule_context(sched, context_json(o, machine, ctx),
                                                                inst[i].family_index),
                                         machine)
                     : NULL;
    if (!reports[i]) {
      fprintf(stderr, "pal bench: cannot write %s: %s\n", path, ctx ? strerror(errno) : why);
      status = 1;
    } else {
      fprintf(stderr, "%swriting %s\n", o->progress ? "\r\033[K" : "", path);
    }
  }
  /* A slice is a fixed share of the cap: no early stop on noise. */
  bench_measure_opts slice = o->measure;
  slice.max_time_s = o->measure.max_time_s / rounds;
  if (slice.min_time_s > slice.max_time_s) slice.min_time_s = slice.max_time_s;
  slice.noise = -1;
  double t0 = now_s();
  for (int round = 0; round < rounds && status == 0; ++round) {
    /* The limits drift with the host like the instances do: probed again
     * before each round, each peak the best pass (counters are computed at
     * each write, so every row uses the final peaks). */
    if (round > 0) bench_machine_reprobe(machine);
    for (size_t k = 0; k < n && status == 0; ++k) {
      const size_t i = bench_schedule_index(sched, round, k);
      bench_measure_opts sl;
      if (pool[i].res.error || !bench_schedule_slice(sched, round, i, &slice, &sl)) continue;
      progress(o, (size_t)round * n + k, (size_t)rounds * n, inst[i].name, t0);
      char why[256];
      pal_context *ctx = context_for(contexts, (int)bench_get_int(&inst[i], "threads", 0), why, sizeof why);
      if (!ctx) {
        fprintf(stderr, "%spal bench: %s: %s\n", o->progress ? "\r\033[K" : "", inst[i].name, why);
        status = 1;
        break;
      }
      bench_env env = {ctx, machine, o->hot, 3 * machine->llc_bytes};
      const double ts = now_s();
      status = measure_slice(o, &sl, &inst[i], &env, &pool[i]);
      if (rounds > 1) pool[i].samples.stop_reason = "interleaved";
      bench_schedule_measured(sched, i, now_s() - ts, pool[i].res.error != NULL, &pool[i].samples);
    }
    if (status == 0) bench_schedule_round_done(sched, round); /* re-plan; drops */
    if (status == 0 && write_pooled(pool, n, reports) != 0) status = 1;
    if (status == 0) done = round + 1;
  }
  if (o->progress) fprintf(stderr, "\r\033[K");
  if (machine->probed && machine->probe_runs > 1) {
    double lo = machine->bw_runs[0];
    for (int i = 1; i < machine->probe_runs && i < BENCH_PROBE_RUNS_KEPT; ++i)
      lo = machine->bw_runs[i] < lo ? machine->bw_runs[i] : lo;
    printf("machine: best of %d probe passes: bw_peak %.1f GB/s (passes from %.1f), fp32 %.0f "
           "GFLOP/s\n",
           machine->probe_runs, machine->bw_peak / 1e9, lo / 1e9, machine->peak_fp32_flops / 1e9);
  }
  for (size_t i = 0; done > 0 && i < n; ++i) {
    if (pool[i].res.error) {
      printf("%-72s ERROR: %s\n", inst[i].name, pool[i].res.error);
      ++*errors;
    } else if (pool[i].samples.reps > 0) {
      print_result(&inst[i], &pool[i].samples, &pool[i].res.cost, pool[i].res.isa, pool[i].res.hot,
                   machine);
    }
  }
  if (status == 130)
    fprintf(stderr, "pal bench: interrupted in round %d of %d; %s\n", done + 1, rounds,
            done ? "result files hold every instance as of the last complete round"
                 : "no round was complete, the result files hold no instance");
  for (size_t i = 0; pool && reports && i < n; ++i) {
    bench_samples_free(&pool[i].samples);
    bench_report_close(reports[i]);
  }
  free(pool);
  free(reports);
  return status;
}

static void file_name(char *buf, size_t size, const bench_run_opts *o, const char *family) {
  char ts[32];
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(ts, sizeof ts, "%Y%m%d_%H%M%S", &tm);
  snprintf(buf, size, "%s/cpp_%s_%s_%s.json", o->out_dir, o->target, family, ts);
}

int bench_run(const bench_run_opts *o) {
  const double t_run = now_s(); /* a --budget counts from here */
  bench_instance *inst = NULL;
  size_t n = 0;
  char why[512];
  bench_sweep_opts sweep = o->sweep;
  if (bench_expand_all(&sweep, &inst, &n, why, sizeof why) != 0) {
    fprintf(stderr, "pal bench: %s\n", why);
    free(inst);
    return 2;
  }
  if (o->list && !(o->budget.enabled && o->budget.budget_s > 0)) { /* else: the plan, below */
    for (size_t i = 0; i < n; ++i) printf("%s\n", inst[i].name);
    fprintf(stderr, "%zu instances\n", n);
    free(inst);
    return 0;
  }
  if (n == 0) {
    fprintf(stderr, "pal bench: no instance matches (see --list)\n");
    free(inst);
    return 2;
  }
  if (make_dir(o->out_dir) != 0) {
    fprintf(stderr, "pal bench: cannot create %s: %s\n", o->out_dir, strerror(errno));
    free(inst);
    return 1;
  }
  bench_machine machine;
  bench_machine_describe(&machine);
  if (o->probe) {
    if (o->progress) fprintf(stderr, "probing memory bandwidth and compute peaks...");
    bench_machine_probe(&machine, o->quiet_retries);
    if (o->progress) fprintf(stderr, "\r\033[K");
    bench_machine_print_probes(&machine);
  }
  bench_schedule *sched = NULL; /* rounds, their order, the budget's plan */
  if (o->interleave > 1 || o->budget.enabled) {
    int rc = bench_schedule_create(o, inst, n, &machine, t_run, now_s() - t_run, &sched);
    if (rc == 0 && (o->budget.plan_only || o->list)) {
      bench_schedule_print_plan(sched, stdout);
      rc = bench_schedule_write_plan(sched, o->budget.plan_out) != 0;
      bench_schedule_free(sched);
      free(inst);
      return rc;
    }
    if (rc != 0) {
      free(inst);
      return rc == 1 ? 130 : rc == 2 ? 2 : 1;
    }
  }
  context_cache contexts = {{0}, {0}, 0};
  bench_report *report = NULL;
  int family = -1, status = 0, errors = 0;
  double t0 = now_s();
  if (sched) {
    status = run_interleaved(o, inst, n, &machine, &contexts, &errors, sched);
  }
  for (size_t i = 0; i < n && status == 0 && !sched; ++i) {
    const bench_instance *in = &inst[i];
    progress(o, i, n, in->name, t0);
    pal_context *ctx = context_for(&contexts, (int)bench_get_int(in, "threads", 0), why, sizeof why);
    if (!ctx) {
      fprintf(stderr, "pal bench: %s: %s\n", in->name, why);
      status = 1;
      break;
    }
    if (in->family_index != family) {
      bench_report_close(report);
      char path[1200];
      file_name(path, sizeof path, o, in->suite->name);
      report = bench_report_open(path, context_json(o, &machine, ctx), &machine);
      if (!report) {
        fprintf(stderr, "pal bench: cannot write %s: %s\n", path, strerror(errno));
        status = 1;
        break;
      }
      family = in->family_index;
      fprintf(stderr, "%swriting %s\n", o->progress ? "\r\033[K" : "", path);
    }
    bench_env env = {ctx, &machine, o->hot, 3 * machine.llc_bytes};
    int rc = run_instance(o, in, &env, report);
    if (rc == 130) status = 130;
    if (rc == 1) ++errors;
  }
  if (o->progress) fprintf(stderr, "\r\033[K");
  if (status == 130 && !sched)
    fprintf(stderr, "pal bench: interrupted; result files hold every finished instance\n");
  fprintf(stderr, "pal bench: %zu instances, %d errored, %.0f s\n", n, errors, now_s() - t0);
  bench_report_close(report);
  bench_schedule_finish(sched);
  bench_schedule_free(sched);
  for (int i = 0; i < contexts.count; ++i) pal_context_destroy(contexts.ctx[i]);
  free(inst);
  return status ? status : errors ? 1 : 0;
}
