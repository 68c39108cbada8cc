/* table.c - rows and string arena (see table.h). */
#include "alloc.h"
#include "table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STRCHUNK 65536

struct anz_strchunk {
  struct anz_strchunk *next;
  size_t used, cap;
  char data[];
};

char *anz_stralloc(anz_strings *s, size_t n) {
  struct anz_strchunk *c = s->chunks;
  if (!c || c->cap - c->used < n + 1) {
    size_t cap = n + 1 > STRCHUNK ? n + 1 : STRCHUNK;
    c = anz_malloc(sizeof *c + cap);
    if (!c) {
      s->failed = 1;
      return NULL;
    }
    c->next = s->chunks;
    c->used = 0;
    c->cap = cap;
    s->chunks = c;
  }
  char *out = c->data + c->used;
  out[n] = '\0';
  c->used += n + 1;
  return out;
}

const char *anz_strndup(anz_strings *s, const char *text, size_t n) {
  char *out = anz_stralloc(s, n);
  if (out) memcpy(out, text, n);
  return out;
}

const char *anz_strdup(anz_strings *s, const char *text) {
  return text ? anz_strndup(s, text, strlen(text)) : NULL;
}

void anz_strings_free(anz_strings *s) {
  struct anz_strchunk *c = s->chunks;
  while (c) {
    struct anz_strchunk *n = c->next;
    free(c);
    c = n;
  }
  s->chunks = NULL;
}

void anz_row_init(anz_row *row) {
  memset(row, 0, sizeof *row);
  for (int i = 0; i < ANZ_AX_COUNT; ++i) row->axis[i] = NAN;
  for (int i = 0; i < ANZ_C_COUNT; ++i) row->counter[i] = NAN;
  row->time_s = row->low_s = row->high_s = row->samples = NAN;
  row->bw_peak = row->peak_flops = row->run_epoch = NAN;
  row->flop_peak = row->probe_value = NAN;
  row->kernel = ANZ_K_OTHER;
  row->stat_used = "single";
  row->spread_used = "none";
}

anz_row *anz_rows_add(anz_rows *r) {
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 64;
    anz_row *v = anz_realloc(r->v, cap * sizeof *v);
    if (!v) return NULL;
    r->v = v;
    r->cap = cap;
  }
  anz_row *row = &r->v[r->n++];
  anz_row_init(row);
  return row;
}

void anz_rows_free(anz_rows *r) {
  free(r->v);
  r->v = NULL;
  r->n = r->cap = 0;
}

static double util_of(const double counter[ANZ_C_COUNT], anz_counter util, anz_counter rate, double peak) {
  double u = counter[util];
  if (isfinite(u)) return u;
  double r = counter[rate];
  return isfinite(r) && r > 0 && isfinite(peak) && peak > 0 ? r / peak : NAN;
}

void anz_probe_judge(int file_flag, const char *file_counter, const double counter[ANZ_C_COUNT], double bw_peak,
                     double flop_peak, anz_probe_verdict *v) {
  double bw = util_of(counter, ANZ_C_BW_UTIL, ANZ_C_BYTES_PER_SECOND, bw_peak);
  double fl = util_of(counter, ANZ_C_FLOP_UTIL, ANZ_C_FLOPS_PER_SECOND, flop_peak);
  v->suspect = 0;
  v->from_file = file_flag >= 0;
  v->counter = NULL;
  v->value = NAN;
  if (file_flag == 0) return;
  if (file_flag > 0) {
    v->suspect = 1;
    if (file_counter && !strcmp(file_counter, "bw_util")) {
      v->counter = "bw_util", v->value = bw;
      return;
    }
    if (file_counter && !strcmp(file_counter, "flop_util")) {
      v->counter = "flop_util", v->value = fl;
      return;
    }
    if (file_counter) {
      v->counter = file_counter; /* a counter we do not know: named, no value */
      return;
    }
  }
  /* the larger of the two utilisations (NaN compares false) */
  int flop_wins = isfinite(fl) && !(bw >= fl);
  double u = flop_wins ? fl : bw;
  if (file_flag > 0 || u > 1.0 + ANZ_PROBE_MARGIN) {
    v->suspect = 1;
    if (isfinite(u)) v->counter = flop_wins ? "flop_util" : "bw_util", v->value = u;
  }
}

void anz_probe_merge(anz_row *row, const anz_probe_verdict *v) {
  if (!v->suspect) return;
  row->probe_suspect_from_file |= v->from_file;
  if (!row->probe_suspect || (isfinite(v->value) && !(row->probe_value >= v->value)) ||
      (!row->probe_counter && v->counter)) {
    row->probe_counter = v->counter;
    row->probe_value = v->value;
  }
  row->probe_suspect = 1;
}

const char *anz_source_name(anz_source s) {
  static const char *const n[] = {"cpp", "py", "nvbench"};
  return (unsigned)s < ANZ_SRC_COUNT ? n[s] : "?";
}

const char *anz_kernel_name(anz_kernel k) {
  static const char *const n[] = {"pal", "sdpa", "other"};
  return (unsigned)k < ANZ_K_COUNT ? n[k] : "?";
}

const char *anz_study_name(anz_study s) {
  static const char *const n[] = {"none", "seq_len", "head_dim", "items", "model"};
  return (unsigned)s < ANZ_STUDY_COUNT ? n[s] : "?";
}

const char *anz_axis_name(anz_axis a) {
  static const char *const n[] = {"seq_len",      "head_dim",  "items",          "batch",
                                  "num_q_heads",  "num_kv_heads", "page_size", "effective_items"};
  return (unsigned)a < ANZ_AX_COUNT ? n[a] : "?";
}

const char *anz_saxis_name(anz_saxis a) {
  static const char *const n[] = {"dtype", "model", "layout", "cache", "op", "machine", "run"};
  return (unsigned)a < ANZ_SX_COUNT ? n[a] : "?";
}

const char *anz_counter_name(anz_counter c) {
  static const char *const n[] = {"bytes_per_second", "flops_per_second",  "items_per_second",
                                  "bw_util",          "roofline_util",     "arithmetic_intensity",
                                  "foreign_load",     "flop_util"};
  return (unsigned)c < ANZ_C_COUNT ? n[c] : "?";
}

const char *anz_stat_name(anz_stat s) {
  static const char *const n[] = {"median", "mean", "min"};
  return n[s];
}
