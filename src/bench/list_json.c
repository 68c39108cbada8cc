/* list_json.c - `pal bench --list --json` (list_json.h).
 *
 * Schema "pal-bench-list/1" (docs/BENCHMARKS.md, *The listing as JSON*):
 *   version, quick, hot, llc_bytes, cold_target_bytes
 *   models:    [{name, num_q_heads, num_kv_heads, head_dim, seq_len, batch, note}]
 *   families:  [{name, kernel, op, swept, values, quick_values, defaults, axes}]
 *              axes: [{name, values}] in the family's order (the first entry
 *              of a name wins, as in the sweep); defaults: every other axis's
 *              first value
 *   instances: [{name, family, kernel, op, axes: {axis: value}, bytes_per_call,
 *              flops_per_call, items_per_call, rotations}]
 * An axis value that is a number is a JSON integer, else a string. The work
 * per call comes from the workloads' own formulas (workload_cost.h), and the
 * rotations from this machine's last-level cache, as a run would use them.
 */
#include "list_json.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "pal/version.h"
#include "workload_cost.h"

static json_t *axis_value(const char *v) {
  char *end;
  long long x = strtoll(v, &end, 10);
  return *v && !*end ? json_integer(x) : json_string(v);
}

/* "a,b,c" (empty items skipped, as the sweep does) -> [a, b, c] */
static json_t *value_list(const char *list) {
  json_t *a = json_array();
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", list ? list : "");
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
    json_array_append_new(a, axis_value(tok));
  return a;
}

static json_t *family_json(const bench_suite *s) {
  json_t *f = json_object(), *axes = json_array(), *defaults = json_object();
  json_object_set_new(f, "name", json_string(s->name));
  json_object_set_new(f, "kernel", json_string(s->kernel));
  json_object_set_new(f, "op", json_string(s->op->name));
  json_object_set_new(f, "swept", json_string(s->swept));
  for (int i = 0; i < BENCH_MAX_AXES && s->axes[i].name; ++i) {
    const char *name = s->axes[i].name;
    int dup = 0;
    for (int j = 0; j < i; ++j) dup |= !strcmp(s->axes[j].name, name);
    if (dup) continue;
    json_t *values = value_list(s->axes[i].values), *a = json_object();
    if (!strcmp(name, s->swept))
      json_object_set(f, "values", values);
    else if (json_array_size(values) > 0)
      json_object_set(defaults, name, json_array_get(values, 0));
    json_object_set_new(a, "name", json_string(name));
    json_object_set_new(a, "values", values);
    json_array_append_new(axes, a);
  }
  json_object_set_new(f, "quick_values", value_list(s->quick_values));
  json_object_set_new(f, "defaults", defaults);
  json_object_set_new(f, "axes", axes);
  return f;
}

static json_t *instance_json(const bench_instance *in, const bench_env *env) {
  json_t *o = json_object(), *axes = json_object();
  json_object_set_new(o, "name", json_string(in->name));
  json_object_set_new(o, "family", json_string(in->suite->name));
  json_object_set_new(o, "kernel", json_string(in->suite->kernel));
  json_object_set_new(o, "op", json_string(in->suite->op->name));
  for (int i = 0; i < in->num_axes; ++i)
    json_object_set_new(axes, in->axes[i].name, axis_value(in->axes[i].value));
  json_object_set_new(o, "axes", axes);
  bench_cost cost;
  int rotations = 0;
  if (bench_workload_cost(in, env, &cost, &rotations) == 0) {
    json_object_set_new(o, "bytes_per_call", json_real(cost.bytes));
    json_object_set_new(o, "flops_per_call", json_real(cost.flops));
    json_object_set_new(o, "items_per_call", json_real(cost.items));
    json_object_set_new(o, "rotations", json_integer(rotations));
  } else { /* axes the workload would refuse: the run reports it as errored */
    json_object_set_new(o, "bytes_per_call", json_null());
    json_object_set_new(o, "flops_per_call", json_null());
    json_object_set_new(o, "items_per_call", json_null());
    json_object_set_new(o, "rotations", json_null());
  }
  return o;
}

int bench_list_json(bench_sweep_opts *opts, int hot, FILE *out) {
  bench_instance *inst = NULL;
  size_t n = 0;
  char why[512];
  if (bench_expand_all(opts, &inst, &n, why, sizeof why) != 0) {
    fprintf(stderr, "pal bench: %s\n", why);
    free(inst);
    return 2;
  }
  bench_machine machine;
  bench_machine_describe(&machine); /* the caches only: no probe runs */
  const bench_env env = {NULL, &machine, hot, 3 * machine.llc_bytes};

  json_t *root = json_object(), *models = json_array(), *families = json_array(),
         *instances = json_array();
  json_object_set_new(root, "schema", json_string("pal-bench-list/1"));
  json_object_set_new(root, "version", json_string(PAL_VERSION_STRING));
  json_object_set_new(root, "quick", json_boolean(opts->quick));
  json_object_set_new(root, "hot", json_boolean(hot));
  json_object_set_new(root, "llc_bytes", json_integer(machine.llc_bytes));
  json_object_set_new(root, "cold_target_bytes", json_integer(env.cold_target_bytes));
  for (size_t m = 0; m < bench_num_models; ++m) {
    const bench_model *b = &bench_models[m];
    json_array_append_new(
        models, json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:s}", "name", b->name, "num_q_heads",
                          (int)b->num_q_heads, "num_kv_heads", (int)b->num_kv_heads, "head_dim",
                          (int)b->head_dim, "seq_len", (int)b->seq_len, "batch", (int)b->batch,
                          "note", b->note));
  }
  for (size_t i = 0; i < bench_num_suites; ++i)
    json_array_append_new(families, family_json(bench_suites[i]));
  for (size_t i = 0; i < n; ++i) json_array_append_new(instances, instance_json(&inst[i], &env));
  json_object_set_new(root, "models", models);
  json_object_set_new(root, "families", families);
  json_object_set_new(root, "instances", instances);
  free(inst);

  int rc = json_dumpf(root, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER) == 0 ? 0 : 2;
  json_decref(root);
  if (rc == 0) fputc('\n', out);
  if (fflush(out) != 0) rc = 2;
  if (rc != 0) fprintf(stderr, "pal bench: cannot write the listing\n");
  return rc;
}
