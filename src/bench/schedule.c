/* schedule.c - see schedule.h.
 *
 * NOTES
 *  1. The budget covers the whole `pal bench` run: the first probe and the
 *     pilot are spent before the plan; the plan reserves one probe pass and
 *     one file write per further round and 3 % of the budget as a margin,
 *     and gives the rest to the instances.
 *  2. After every round but the last the plan is made again for the rounds
 *     left, with each measured instance's own time per call (median of its
 *     pooled repetitions) and overhead (slice wall time minus repetitions
 *     and warm-up), and for an instance not measured yet its class constant
 *     refitted on the measured instance of largest work in the class. So a
 *     host that slows down (or a pilot that guessed wrong) costs repetitions
 *     of the rounds left, not the deadline; an instance dropped now loses
 *     what it had (fewer than min_reps repetitions). A drop is final.
 *  3. A deadline guard: a slice that would end past 105 % of the budget is
 *     not started; the instance keeps its samples if it has min_reps, else
 *     it is dropped with that reason.
 *  4. Round orders are Fisher-Yates permutations seeded by (seed, round):
 *     the same seed gives the same orders (Google Benchmark's random
 *     interleaving, made reproducible); seed 0 keeps the sweep order.
 *  5. --plan-for python: the pytest-benchmark suite runs one pass with
 *     benchmark.pedantic (rounds, iterations, warm-up rounds from the plan),
 *     so its per-call costs are the C run's measured ones; what differs is
 *     the harness: PY_* below, measured on the 2-core host (docs/BENCHMARKS.md).
 */
#define _POSIX_C_SOURCE 200809L
#include "schedule.h"
#include "cpu_load.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/atomic_file.h"
#include "../common/stats.h"
#include "budget.h"
#include "pilot.h"
#include "runner.h"
#include "workload_data.h"

#define MARGIN 0.03       /* of the budget, kept back (NOTES 1) */
#define WRITE_EST_S 0.5   /* one rewrite of the result files, before one is timed */
#define GUARD 1.05        /* NOTES 3 */
#define WARMUP_MAX_S 0.25 /* a budgeted slice's warm-up cap (measure.h) */
/* pytest-benchmark harness (NOTES 5): Python call path per call, set-up of
 * NumPy working sets (single-threaded fill) relative to pal bench's, and
 * per test (collection, fixture, report) and per session. */
#define PY_CALL_OVERHEAD_S 2e-6
#define PY_SETUP_SCALE 1.5
#define PY_TEST_OVERHEAD_S 0.05
#define PY_SESSION_S 5.0

typedef struct inst_state {
  int valid;                /* has a cost (estimate or from the costs file) */
  double est_call_s, est_overhead_s;
  int rotations;
  const char *call_source;  /* "pilot", "costs-from", "measured" */
  int dropped;              /* 1: out of the run (reason) */
  int dropped_after;        /* -1: never; 0: by the first plan; k: after round k */
  char reason[256];
  int errored;
  int fixed_drop;           /* dropped for good (--costs-from: not measured there) */
  int ever_trimmed;
  int slices;
  double overhead_sum_s;    /* measured: set-up + teardown over the slices */
  double measured_before_s; /* samples->measured_s before the current slice */
  bench_samples *samples;   /* the runner's pool, once measured (valid during the rounds) */
  int reps;                 /* copies of the pool's figures, valid after the run too */
  double measured_s, foreign_load;
  double call_measured_s;
} inst_state;

struct bench_schedule {
  const bench_run_opts *o;
  const bench_instance *inst;
  size_t n;
  int rounds;
  unsigned long seed;
  int32_t *order;
  int order_round;
  int budget;     /* 1: a plan applies (budget_s > 0 or --budget 0: untrimmed) */
  int python;
  double budget_s, t0, probe_s, created_s;
  double round_start_s, slices_s, round_extra_s;
  bench_pilot pilot;
  int have_pilot;
  bench_budget_params params;
  bench_budget_choice *choice;
  bench_budget_item *items;
  int plan_base;
  double planned_s, available_s;
  int replans;
  int replanned_after[64];
  inst_state *st;
  json_t **ctx; /* per family index */
};

static double now_s(void) { return clock_seconds(CLOCK_MONOTONIC); }

static const char *fmt_s(char *buf, size_t size, double s) {
  if (s >= 1)
    snprintf(buf, size, "%.2f s", s);
  else if (s >= 1e-3)
    snprintf(buf, size, "%.2f ms", s * 1e3);
  else
    snprintf(buf, size, "%.1f us", s * 1e6);
  return buf;
}

int bench_schedule_rounds(const bench_schedule *s) { return s->rounds; }

size_t bench_schedule_index(const bench_schedule *s, int round, size_t k) {
  if (s->seed == 0 || !s->order) return k;
  bench_schedule *w = (bench_schedule *)s;
  if (w->order_round != round) {
    bench_shuffled_ids(w->order, (int64_t)w->n, (uint64_t)s->seed * 1000003u + (uint64_t)round);
    w->order_round = round;
  }
  return (size_t)s->order[k];
}

/* ------------------------------------------------------------ planning */

/* Drops what instance t measured (the runner then writes no row for it);
 * only while the rounds run, when t->samples points into the live pool. */
static void discard(inst_state *t) {
  if (t->samples) {
    bench_samples_free(t->samples);
    memset(t->samples, 0, sizeof *t->samples);
  }
  t->reps = 0;
  t->measured_s = 0;
}

static double call_of(const bench_schedule *s, size_t i) {
  const inst_state *t = &s->st[i];
  return t->slices > 0 && t->call_measured_s > 0 ? t->call_measured_s : t->est_call_s;
}

static double overhead_of(const bench_schedule *s, size_t i) {
  const inst_state *t = &s->st[i];
  return t->slices > 0 ? t->overhead_sum_s / t->slices : t->est_overhead_s;
}

/* Runs the planner over every instance for `rounds_left` rounds and
 * `available` seconds; updates drops (with reasons) and choices. */
static void plan(bench_schedule *s, int rounds_left, double available, int after_round) {
  for (size_t i = 0; i < s->n; ++i) {
    inst_state *t = &s->st[i];
    bench_budget_item *it = &s->items[i];
    memset(it, 0, sizeof *it);
    /* a drop is final: a re-plan only ever trims further (an instance the
     * pilot dropped was never measured, and its estimate is the weakest
     * there is; bringing one back overran a round by 30 s in a test run) */
    it->excluded = !t->valid || t->errored || t->fixed_drop || t->dropped;
    it->call_s = call_of(s, i);
    it->overhead_s = overhead_of(s, i);
    it->rotations = t->rotations;
    if (!t->dropped) {
      it->have_reps = t->reps;
      it->have_s = t->measured_s;
    }
  }
  bench_budget_params p = s->params;
  p.rounds = rounds_left;
  p.budget_s = s->budget_s > 0 ? (available > 1e-3 ? available : 1e-3) : 0;
  double total = bench_budget_plan(s->items, s->n, &p, s->choice);
  if (after_round == 0) s->planned_s = total, s->available_s = available;
  s->plan_base = after_round;
  for (size_t i = 0; i < s->n; ++i) {
    inst_state *t = &s->st[i];
    const bench_budget_choice *c = &s->choice[i];
    if (s->items[i].excluded) continue;
    if (c->dropped && !t->dropped) {
      t->dropped = 1;
      t->dropped_after = after_round;
      snprintf(t->reason, sizeof t->reason, "%s%s",
               after_round > 0 ? (t->reps > 0 ? "measured, then re-planned: " : "re-planned: ")
                               : "",
               c->reason);
      discard(t); /* fewer than min_reps: not a result */
    }
    if (!c->dropped && c->trimmed) t->ever_trimmed = 1;
  }
}

/* ------------------------------------------------------------ context */

static json_t *dropped_json(const bench_schedule *s, int family) {
  json_t *a = json_array();
  for (size_t i = 0; i < s->n; ++i) {
    const inst_state *t = &s->st[i];
    if (!t->dropped || (family >= 0 && s->inst[i].family_index != family)) continue;
    json_t *d = json_object();
    json_object_set_new(d, "name", json_string(s->inst[i].name));
    json_object_set_new(d, "reason", json_string(t->reason));
    json_object_set_new(d, "est_call_s", json_real(call_of(s, i)));
    json_object_set_new(d, "after_round", json_integer(t->dropped_after));
    json_array_append_new(a, d);
  }
  return a;
}

static void counts(const bench_schedule *s, int *full, int *trimmed, int *dropped, int *errored) {
  *full = *trimmed = *dropped = *errored = 0;
  for (size_t i = 0; i < s->n; ++i) {
    const inst_state *t = &s->st[i];
    if (!t->valid || t->errored)
      ++*errored;
    else if (t->dropped)
      ++*dropped;
    else if (t->ever_trimmed)
      ++*trimmed;
    else
      ++*full;
  }
}

static const char *method(const bench_schedule *s) {
  if (s->o->budget.costs_from) return "costs from an earlier run's plan file (--costs-from)";
  return "pilot: time per call = a constant per family and dtype x bytes (decode, fill) or FLOPs "
         "(prefill), each constant timed on one calibration instance; re-planned after every "
         "round from measured times";
}

static json_t *plan_json_summary(const bench_schedule *s, int family) {
  json_t *p = json_object();
  int full, trimmed, dropped, errored;
  counts(s, &full, &trimmed, &dropped, &errored);
  json_object_set_new(p, "method", json_string(method(s)));
  json_object_set_new(p, "pilot_s", json_real(s->have_pilot ? s->pilot.seconds : 0));
  json_object_set_new(p, "probe_s", json_real(s->probe_s));
  json_object_set_new(p, "rounds", json_integer(s->rounds));
  json_object_set_new(p, "seed", json_integer((json_int_t)s->seed));
  json_object_set_new(p, "min_reps", json_integer(s->params.min_reps));
  json_object_set_new(p, "max_time_s", json_real(s->params.max_time_s));
  json_object_set_new(p, "available_s", json_real(s->available_s));
  json_object_set_new(p, "planned_s", json_real(s->planned_s));
  json_t *rp = json_array();
  for (int k = 0; k < s->replans && k < 64; ++k) json_array_append_new(rp, json_integer(s->replanned_after[k]));
  json_object_set_new(p, "replanned_after_rounds", rp);
  json_t *c = json_object();
  json_object_set_new(c, "instances", json_integer((json_int_t)s->n));
  json_object_set_new(c, "full", json_integer(full));
  json_object_set_new(c, "trimmed", json_integer(trimmed));
  json_object_set_new(c, "dropped", json_integer(dropped));
  json_object_set_new(c, "errored", json_integer(errored));
  json_object_set_new(p, "counts", c);
  json_t *tr = json_array();
  for (size_t i = 0; i < s->n; ++i) {
    const inst_state *t = &s->st[i];
    if (t->dropped || !t->ever_trimmed || s->inst[i].family_index != family) continue;
    json_t *e = json_object();
    json_object_set_new(e, "name", json_string(s->inst[i].name));
    json_object_set_new(e, "est_call_s", json_real(call_of(s, i)));
    json_object_set_new(e, "reps", json_integer(t->reps));
    json_array_append_new(tr, e);
  }
  json_object_set_new(p, "trimmed", tr);
  json_object_set_new(p, "file", s->o->budget.plan_out ? json_string(s->o->budget.plan_out) : json_null());
  return p;
}

static void set_context_keys(const bench_schedule *s, json_t *ctx, int family) {
  if (s->rounds > 1) {
    json_object_set_new(ctx, "interleave_rounds", json_integer(s->rounds));
    json_object_set_new(ctx, "interleave_seed", json_integer((json_int_t)s->seed));
    json_object_set_new(ctx, "interleave_order",
                        json_string(s->seed ? "shuffled per round" : "sweep order"));
  }
  if (!s->budget) return;
  json_object_set_new(ctx, "budget_s", json_real(s->budget_s));
  json_object_set_new(ctx, "plan", plan_json_summary(s, family));
  json_object_set_new(ctx, "dropped", dropped_json(s, family));
}

json_t *bench_schedule_context(bench_schedule *s, json_t *ctx, int family_index) {
  if (!ctx) return ctx;
  set_context_keys(s, ctx, family_index);
  if (family_index >= 0 && (size_t)family_index < bench_num_suites && !s->ctx[family_index])
    s->ctx[family_index] = json_incref(ctx);
  return ctx;
}

static void refresh_contexts(bench_schedule *s) {
  for (size_t f = 0; f < bench_num_suites; ++f)
    if (s->ctx[f]) set_context_keys(s, s->ctx[f], (int)f);
}

/* ------------------------------------------------------------ console */

static void print_dropped(const bench_schedule *s, int after_round) {
  for (size_t i = 0; i < s->n; ++i)
    if (s->st[i].dropped && s->st[i].dropped_after == after_round)
      printf("budget: dropped %s: %s\n", s->inst[i].name, s->st[i].reason);
}

static void print_summary(const bench_schedule *s, const char *what, double available) {
  int full, trimmed, dropped, errored;
  counts(s, &full, &trimmed, &dropped, &errored);
  double total = 0;
  for (size_t i = 0; i < s->n; ++i)
    if (!s->items[i].excluded && !s->choice[i].dropped) total += s->choice[i].est_s;
  const int left = s->rounds - s->plan_base;
  printf("budget: %s: %.0f s for the instances (budget %.0f s, %.0f s used so far), %d round%s; "
         "est. %.0f s: %d full, %d trimmed, %d dropped%s\n",
         what, available > 0 ? available : 0, s->budget_s, now_s() - s->t0, left,
         left == 1 ? "" : "s", total, full, trimmed, dropped,
         errored ? " (some instances invalid)" : "");
  fflush(stdout);
}

void bench_schedule_print_plan(const bench_schedule *s, FILE *f) {
  char a[32];
  fprintf(f, "%-12s %-9s %-10s %-9s %s\n", "est/call", "rounds", "reps/round", "est s", "instance");
  for (size_t i = 0; i < s->n; ++i) {
    const bench_budget_choice *c = &s->choice[i];
    const inst_state *t = &s->st[i];
    if (!t->valid) {
      fprintf(f, "%-12s %-9s %-10s %-9s %s  (invalid axes)\n", "-", "-", "-", "-", s->inst[i].name);
      continue;
    }
    if (t->dropped) {
      fprintf(f, "%-12s %-9s %-10s %-9s %s  DROPPED: %s\n", fmt_s(a, sizeof a, call_of(s, i)), "-",
              "-", "-", s->inst[i].name, t->reason);
      continue;
    }
    fprintf(f, "%-12s %-9d %-10d %-9.2f %s%s\n", fmt_s(a, sizeof a, call_of(s, i)), c->rounds,
            c->reps_per_round, c->est_s, s->inst[i].name, c->trimmed ? "  (trimmed)" : "");
  }
}

/* ------------------------------------------------------------ plan file */

static json_t *axes_json(const bench_instance *in) {
  json_t *a = json_object();
  for (int k = 0; k < in->num_axes; ++k)
    json_object_set_new(a, in->axes[k].name, json_string(in->axes[k].value));
  return a;
}

int bench_schedule_write_plan(const bench_schedule *s, const char *path) {
  if (!path) return 0;
  json_t *root = json_object();
  json_object_set_new(root, "pal_plan_version", json_integer(1));
  json_object_set_new(root, "harness", json_string(s->python ? "python" : "pal bench"));
  json_object_set_new(root, "command_line",
                      json_string(s->o->command_line ? s->o->command_line : ""));
  json_object_set_new(root, "budget_s", json_real(s->budget_s));
  json_object_set_new(root, "available_s", json_real(s->available_s));
  json_object_set_new(root, "planned_s", json_real(s->planned_s));
  json_object_set_new(root, "rounds", json_integer(s->rounds));
  json_object_set_new(root, "seed", json_integer((json_int_t)s->seed));
  json_object_set_new(root, "max_time_s", json_real(s->params.max_time_s));
  json_object_set_new(root, "min_reps", json_integer(s->params.min_reps));
  json_object_set_new(root, "min_rep_s", json_real(s->params.min_rep_s));
  json_object_set_new(root, "warmup_s", json_real(s->params.warmup_s));
  json_object_set_new(root, "warmup_max_s", json_real(s->params.warmup_max_s));
  json_object_set_new(root, "call_overhead_s", json_real(s->params.call_overhead_s));
  json_object_set_new(root, "method", json_string(method(s)));
  if (s->o->budget.costs_from) json_object_set_new(root, "costs_from", json_string(s->o->budget.costs_from));
  if (s->have_pilot) {
    json_t *p = json_object();
    json_object_set_new(p, "seconds", json_real(s->pilot.seconds));
    json_object_set_new(p, "setup_s_per_byte", json_real(s->pilot.setup_s_per_byte));
    json_t *cl = json_array();
    for (size_t k = 0; k < s->pilot.num_classes; ++k) {
      const bench_pilot_class *c = &s->pilot.classes[k];
      json_t *e = json_object();
      json_object_set_new(e, "family", json_string(c->family));
      json_object_set_new(e, "dtype", json_string(c->dtype));
      json_object_set_new(e, "unit", json_string(c->op == &bench_op_prefill_paged ||
                                                        c->op == &bench_op_prefill_dense
                                                    ? "flop"
                                                    : "byte"));
      json_object_set_new(e, "s_per_unit", json_real(c->s_per_unit));
      if (c->calibrated_on != (size_t)-1) {
        json_object_set_new(e, "calibrated_on", json_string(s->inst[c->calibrated_on].name));
        json_object_set_new(e, "call_s", json_real(c->call_s));
        json_object_set_new(e, "calls_timed", json_integer(c->calls_timed));
        json_object_set_new(e, "setup_s", json_real(c->setup_s));
      }
      if (c->borrowed_from >= 0)
        json_object_set_new(e, "borrowed_from", json_string(s->pilot.classes[c->borrowed_from].family));
      if (c->note[0]) json_object_set_new(e, "note", json_string(c->note));
      json_array_append_new(cl, e);
    }
    json_object_set_new(p, "classes", cl);
    json_object_set_new(root, "pilot", p);
  }
  json_t *arr = json_array();
  for (size_t i = 0; i < s->n; ++i) {
    const inst_state *t = &s->st[i];
    const bench_budget_choice *c = &s->choice[i];
    json_t *e = json_object();
    json_object_set_new(e, "name", json_string(s->inst[i].name));
    json_object_set_new(e, "family", json_string(s->inst[i].suite->name));
    json_object_set_new(e, "axes", axes_json(&s->inst[i]));
    const char *status = !t->valid || t->errored ? "error"
                         : t->dropped            ? "dropped"
                         : t->ever_trimmed       ? "trimmed"
                                                 : "full";
    json_object_set_new(e, "status", json_string(status));
    if (t->valid) {
      json_object_set_new(e, "est_call_s", json_real(call_of(s, i)));
      json_object_set_new(e, "call_source", json_string(t->slices > 0 ? "measured" : t->call_source));
      json_object_set_new(e, "overhead_s", json_real(overhead_of(s, i)));
      json_object_set_new(e, "rotations", json_integer(t->rotations));
    }
    if (t->dropped || t->errored) json_object_set_new(e, "reason", json_string(t->reason));
    if (!t->dropped && t->valid && !t->errored) {
      json_object_set_new(e, "rounds", json_integer(c->rounds));
      json_object_set_new(e, "reps_per_round", json_integer(c->reps_per_round));
      json_object_set_new(e, "reps", json_integer((json_int_t)c->rounds * c->reps_per_round));
      json_object_set_new(e, "calls_per_rep", json_integer(c->calls_per_rep));
      json_object_set_new(e, "warmup_calls", json_integer(c->warmup_calls));
      json_object_set_new(e, "time_cap_s", json_real(c->slice_s));
      json_object_set_new(e, "est_s", json_real(c->est_s));
    }
    if (t->reps > 0) json_object_set_new(e, "measured_reps", json_integer(t->reps));
    json_array_append_new(arr, e);
  }
  json_object_set_new(root, "instances", arr);
  char *text = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(9) | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (!text) return -1;
  int rc = write_file_atomic(path, text, strlen(text));
  free(text);
  if (rc != 0) fprintf(stderr, "pal bench: cannot write %s: %s\n", path, strerror(errno));
  return rc;
}

/* Costs of a plan file written by an earlier run (--costs-from). */
static int read_costs(bench_schedule *s, const char *path) {
  json_error_t err;
  json_t *root = json_load_file(path, 0, &err);
  json_t *arr = root ? json_object_get(root, "instances") : NULL;
  if (!json_is_array(arr)) {
    fprintf(stderr, "pal bench: --costs-from %s: %s\n", path,
            root ? "no \"instances\" array" : err.text);
    json_decref(root);
    return -1;
  }
  for (size_t i = 0; i < s->n; ++i) {
    inst_state *t = &s->st[i];
    t->valid = 1;
    t->call_source = "costs-from";
    json_t *found = NULL, *e;
    size_t k;
    json_array_foreach(arr, k, e) {
      if (json_is_string(json_object_get(e, "name")) &&
          !strcmp(json_string_value(json_object_get(e, "name")), s->inst[i].name)) {
        found = e;
        break;
      }
    }
    const char *status = found ? json_string_value(json_object_get(found, "status")) : NULL;
    double call = found ? json_number_value(json_object_get(found, "est_call_s")) : 0;
    if (!found || !status || call <= 0) {
      t->dropped = t->fixed_drop = 1;
      t->dropped_after = 0;
      snprintf(t->reason, sizeof t->reason, "no measured cost in %s (not in that run)", path);
      continue;
    }
    if (!strcmp(status, "dropped") || !strcmp(status, "error")) {
      const char *why = json_string_value(json_object_get(found, "reason"));
      t->dropped = t->fixed_drop = 1;
      t->dropped_after = 0;
      snprintf(t->reason, sizeof t->reason, "%s in %s: %s", status, path, why ? why : "");
      continue;
    }
    t->est_call_s = call;
    t->est_overhead_s = json_number_value(json_object_get(found, "overhead_s"));
    t->rotations = (int)json_integer_value(json_object_get(found, "rotations"));
    if (t->rotations < 1) t->rotations = 1;
  }
  json_decref(root);
  return 0;
}

/* ------------------------------------------------------------ lifecycle */

int bench_schedule_create(const bench_run_opts *o, const bench_instance *inst, size_t n,
                          const bench_machine *m, double t0, double probe_s, bench_schedule **out) {
  *out = NULL;
  bench_schedule *s = calloc(1, sizeof *s);
  if (!s) return fprintf(stderr, "pal bench: out of memory\n"), -1;
  s->o = o;
  s->inst = inst;
  s->n = n;
  s->python = o->budget.for_python;
  s->rounds = o->interleave > 1 && !s->python ? o->interleave : 1;
  s->seed = o->budget.seed_set ? o->budget.seed : 1;
  s->order_round = -1;
  /* --budget 0 alone: the usual run, no pilot; a plan is still made for
   * --plan-only and --costs-from */
  s->budget = o->budget.enabled &&
              (o->budget.budget_s > 0 || o->budget.plan_only || o->budget.costs_from);
  s->budget_s = o->budget.budget_s;
  s->t0 = t0;
  s->probe_s = probe_s;
  s->order = calloc(n ? n : 1, sizeof *s->order);
  s->st = calloc(n ? n : 1, sizeof *s->st);
  s->choice = calloc(n ? n : 1, sizeof *s->choice);
  s->items = calloc(n ? n : 1, sizeof *s->items);
  s->ctx = calloc(bench_num_suites ? bench_num_suites : 1, sizeof *s->ctx);
  if (!s->order || !s->st || !s->choice || !s->items || !s->ctx) {
    bench_schedule_free(s);
    return fprintf(stderr, "pal bench: out of memory\n"), -1;
  }
  for (size_t i = 0; i < n; ++i) s->st[i].dropped_after = -1;
  s->params = (bench_budget_params){0,
                                    s->rounds,
                                    o->measure.max_time_s,
                                    o->measure.min_rep_s,
                                    o->measure.warmup_s,
                                    WARMUP_MAX_S,
                                    s->python ? PY_CALL_OVERHEAD_S : 0,
                                    o->measure.min_reps};
  if (!s->budget) {
    s->created_s = s->round_start_s = now_s();
    *out = s;
    return 0;
  }
  if (o->budget.costs_from) {
    if (read_costs(s, o->budget.costs_from) != 0) {
      bench_schedule_free(s);
      return 2;
    }
  } else {
    if (o->progress) fprintf(stderr, "budget: pilot (timing one instance per family)...");
    int rc = bench_pilot_run(inst, n, m, o->hot, o->stop, &s->pilot);
    if (o->progress) fprintf(stderr, "\r\033[K");
    if (rc != 0) {
      if (rc < 0) fprintf(stderr, "pal bench: out of memory\n");
      else bench_pilot_free(&s->pilot);
      bench_schedule_free(s);
      return rc > 0 ? 1 : -1;
    }
    s->have_pilot = 1;
    for (size_t i = 0; i < n; ++i) {
      const bench_estimate *e = &s->pilot.est[i];
      inst_state *t = &s->st[i];
      t->valid = e->valid;
      t->est_call_s = e->call_s;
      t->est_overhead_s = e->overhead_s;
      t->rotations = e->rotations;
      t->call_source = "pilot";
      if (!e->valid) snprintf(t->reason, sizeof t->reason, "invalid axis values");
    }
    int calibrated = 0, borrowed = 0;
    for (size_t k = 0; k < s->pilot.num_classes; ++k) {
      calibrated += s->pilot.classes[k].calibrated_on != (size_t)-1;
      borrowed += s->pilot.classes[k].borrowed_from >= 0;
    }
    printf("budget: pilot %.1f s: %d of %zu classes (family x dtype) timed, %d borrowed a "
           "constant\n",
           s->pilot.seconds, calibrated, s->pilot.num_classes, borrowed);
  }
  if (s->python) /* the pytest-benchmark harness's set-up and per-test costs (NOTES 5) */
    for (size_t i = 0; i < n; ++i)
      s->st[i].est_overhead_s = PY_SETUP_SCALE * s->st[i].est_overhead_s + PY_TEST_OVERHEAD_S;
  /* NOTES 1 */
  const double elapsed = now_s() - t0;
  double available = s->budget_s - elapsed - MARGIN * s->budget_s - WRITE_EST_S * s->rounds -
                     (s->rounds - 1) * probe_s - (s->python ? PY_SESSION_S : 0);
  s->round_extra_s = probe_s + WRITE_EST_S;
  plan(s, s->rounds, available, 0);
  print_summary(s, "plan", available);
  print_dropped(s, 0);
  if (s->budget_s > 0)
    for (size_t i = 0; i < n; ++i)
      if (!s->st[i].dropped && s->choice[i].trimmed) {
        char a[32];
        printf("budget: trimmed %s: est. %s/call, %d round%s x %d reps (full: %.1f s, planned "
               "%.1f s)\n",
               inst[i].name, fmt_s(a, sizeof a, call_of(s, i)), s->choice[i].rounds,
               s->choice[i].rounds == 1 ? "" : "s", s->choice[i].reps_per_round, s->choice[i].full_s,
               s->choice[i].est_s);
      }
  fflush(stdout);
  s->created_s = s->round_start_s = now_s();
  *out = s;
  return 0;
}

int bench_schedule_slice(bench_schedule *s, int round, size_t i, const bench_measure_opts *base,
                         bench_measure_opts *slice) {
  *slice = *base;
  if (!s->budget) return 1;
  inst_state *t = &s->st[i];
  const bench_budget_choice *c = &s->choice[i];
  /* an instance planned for fewer rounds than are left runs in the last
   * ones: the long, least certain instances come after a re-plan */
  if (!t->valid || t->errored || t->dropped || round < s->rounds - c->rounds) return 0;
  const double per_round = c->rounds > 0 ? c->est_s / c->rounds : 0;
  if (s->budget_s > 0 && now_s() - s->t0 + per_round > GUARD * s->budget_s) { /* NOTES 3 */
    if (t->reps >= s->params.min_reps) {
      t->ever_trimmed = 1;
      return 0;
    }
    t->dropped = 1;
    t->dropped_after = round;
    snprintf(t->reason, sizeof t->reason,
             "budget spent: %.0f s of %.0f s used before its round %d, which needs est. %.1f s",
             now_s() - s->t0, s->budget_s, round + 1, per_round);
    discard(t);
    printf("budget: dropped %s: %s\n", s->inst[i].name, t->reason);
    fflush(stdout);
    return 0;
  }
  slice->max_time_s = c->slice_s;
  if (slice->min_time_s > slice->max_time_s) slice->min_time_s = slice->max_time_s;
  slice->cap_min_reps = c->min_reps_round;
  slice->warmup_max_s = WARMUP_MAX_S;
  if (s->rounds == 1) slice->noise = s->o->measure.noise; /* one pass: the noise target may stop early */
  t->measured_before_s = t->measured_s;
  return 1;
}

void bench_schedule_measured(bench_schedule *s, size_t i, double wall_s, int errored,
                             bench_samples *pooled) {
  inst_state *t = &s->st[i];
  s->slices_s += wall_s;
  if (errored) {
    t->errored = 1;
    snprintf(t->reason, sizeof t->reason, "errored");
    return;
  }
  if (!pooled || pooled->reps == 0) return;
  t->samples = pooled;
  t->reps = pooled->reps;
  t->measured_s = pooled->measured_s;
  t->foreign_load = pooled->foreign_load;
  stats_summary st;
  if (stats_compute(pooled->real_s, (size_t)pooled->reps, &st) == 0) t->call_measured_s = st.median;
  const double reps_s = pooled->measured_s - t->measured_before_s;
  const double warm = (double)bench_budget_warmup_calls(t->call_measured_s, t->rotations,
                                                        s->params.warmup_s, s->params.warmup_max_s) *
                      t->call_measured_s;
  double ov = wall_s - reps_s - warm;
  t->overhead_sum_s += ov > 0 ? ov : 0;
  t->slices++;
}

/* Refits each class constant on its measured instance of largest work
 * (NOTES 2) and re-estimates the instances not measured yet. */
static void refit(bench_schedule *s) {
  if (!s->have_pilot) return;
  bench_pilot *p = &s->pilot;
  double *old = calloc(p->num_classes ? p->num_classes : 1, sizeof *old);
  if (!old) return;
  for (size_t k = 0; k < p->num_classes; ++k) {
    old[k] = p->classes[k].s_per_unit;
    size_t best = (size_t)-1;
    for (size_t i = 0; i < s->n; ++i)
      if (p->est[i].valid && p->est[i].klass == (int)k && s->st[i].slices > 0 &&
          (best == (size_t)-1 || p->est[i].work > p->est[best].work))
        best = i;
    if (best != (size_t)-1 && p->est[best].work > 0) {
      p->classes[k].s_per_unit = s->st[best].call_measured_s / p->est[best].work;
      p->classes[k].calibrated_on = (size_t)-1; /* estimates now follow the constant */
    }
  }
  for (size_t k = 0; k < p->num_classes; ++k) {
    bench_pilot_class *c = &p->classes[k];
    if (c->s_per_unit == old[k] && c->borrowed_from >= 0 && old[c->borrowed_from] > 0)
      c->s_per_unit = old[k] * p->classes[c->borrowed_from].s_per_unit / old[c->borrowed_from];
  }
  free(old);
  for (size_t i = 0; i < s->n; ++i) {
    if (s->st[i].slices > 0) continue;
    bench_pilot_estimate(p, i);
    s->st[i].est_call_s = p->est[i].call_s;
  }
}

void bench_schedule_round_done(bench_schedule *s, int round) {
  const double t = now_s();
  double extra = (t - s->round_start_s) - s->slices_s + (round == 0 ? s->probe_s : 0);
  s->round_extra_s = extra > 0 ? extra : 0;
  s->round_start_s = t;
  s->slices_s = 0;
  if (!s->budget) return;
  const int left = s->rounds - round - 1;
  if (left > 0) {
    refit(s);
    double available = s->budget_s - (t - s->t0) - MARGIN * s->budget_s -
                       left * (s->round_extra_s > WRITE_EST_S ? s->round_extra_s : WRITE_EST_S);
    if (s->replans < 64) s->replanned_after[s->replans] = round + 1;
    s->replans++;
    plan(s, left, available, round + 1);
    char what[96];
    snprintf(what, sizeof what, "re-plan after round %d (re-probe and writes: %.1f s a round)",
             round + 1, s->round_extra_s);
    if (s->budget_s > 0) print_summary(s, what, available);
    print_dropped(s, round + 1);
  } else {
    /* safety net: a result has min_reps repetitions or is not one */
    for (size_t i = 0; i < s->n; ++i) {
      inst_state *u = &s->st[i];
      if (u->dropped || u->errored || u->reps == 0 || u->reps >= s->params.min_reps) continue;
      u->dropped = 1;
      u->dropped_after = round + 1;
      snprintf(u->reason, sizeof u->reason, "only %d of %d repetitions fit", u->reps,
               s->params.min_reps);
      discard(u);
      printf("budget: dropped %s: %s\n", s->inst[i].name, u->reason);
    }
  }
  refresh_contexts(s);
  fflush(stdout);
}

void bench_schedule_finish(bench_schedule *s) {
  if (!s || !s->budget) return;
  int full, trimmed, dropped, errored;
  counts(s, &full, &trimmed, &dropped, &errored);
  /* the contention the results were measured under (rows: foreign_load) */
  double fl_sum = 0, fl_w = 0, fl_max = 0;
  for (size_t i = 0; i < s->n; ++i) {
    const inst_state *x = &s->st[i];
    if (x->dropped || x->reps == 0 || x->foreign_load < 0) continue;
    fl_sum += x->foreign_load * x->measured_s;
    fl_w += x->measured_s;
    if (x->foreign_load > fl_max) fl_max = x->foreign_load;
  }
  printf("budget: %.0f s of %.0f s used; %d full, %d trimmed, %d dropped%s\n", now_s() - s->t0,
         s->budget_s, full, trimmed, dropped, dropped ? " (the reasons are above and in each "
                                                         "family file's context \"dropped\")" : "");
  if (fl_w > 0)
    printf("budget: other processes took %.0f%% of the CPUs on average while instances were "
           "measured (%.0f%% at worst; rows: foreign_load)\n",
           100 * fl_sum / fl_w, 100 * fl_max);
  fflush(stdout);
  if (s->o->budget.plan_out) bench_schedule_write_plan(s, s->o->budget.plan_out);
}

void bench_schedule_free(bench_schedule *s) {
  if (!s) return;
  if (s->ctx)
    for (size_t f = 0; f < bench_num_suites; ++f) json_decref(s->ctx[f]);
  if (s->have_pilot) bench_pilot_free(&s->pilot);
  free(s->ctx);
  free(s->order);
  free(s->st);
  free(s->choice);
  free(s->items);
  free(s);
}
