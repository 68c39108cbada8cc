/* axes.c - normalisation rules (see axes.h and docs/ANALYZE.md). */
#include "axes.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Normalised key -> axis. Keys are compared after lowercasing and dropping
 * '_', '-', ' ', and a trailing "val". */
static const struct {
  const char *key;
  int kind, index;
} key_table[] = {
    {"seqlen", ANZ_REF_NUM, ANZ_AX_SEQ_LEN},
    {"sequencelength", ANZ_REF_NUM, ANZ_AX_SEQ_LEN},
    {"historylen", ANZ_REF_NUM, ANZ_AX_SEQ_LEN},
    {"historylength", ANZ_REF_NUM, ANZ_AX_SEQ_LEN},
    {"contextlen", ANZ_REF_NUM, ANZ_AX_SEQ_LEN},
    {"kvlen", ANZ_REF_NUM, ANZ_AX_SEQ_LEN},
    {"l", ANZ_REF_NUM, ANZ_AX_SEQ_LEN},
    {"headdim", ANZ_REF_NUM, ANZ_AX_HEAD_DIM},
    {"d", ANZ_REF_NUM, ANZ_AX_HEAD_DIM},
    {"numitems", ANZ_REF_NUM, ANZ_AX_ITEMS},
    {"numqueryitems", ANZ_REF_NUM, ANZ_AX_ITEMS},
    {"items", ANZ_REF_NUM, ANZ_AX_ITEMS},
    {"queryitems", ANZ_REF_NUM, ANZ_AX_ITEMS},
    {"batch", ANZ_REF_NUM, ANZ_AX_BATCH},
    {"batchsize", ANZ_REF_NUM, ANZ_AX_BATCH},
    {"numseqs", ANZ_REF_NUM, ANZ_AX_BATCH},
    {"numsequences", ANZ_REF_NUM, ANZ_AX_BATCH},
    {"numsequencesinbatch", ANZ_REF_NUM, ANZ_AX_BATCH},
    {"b", ANZ_REF_NUM, ANZ_AX_BATCH},
    {"numqheads", ANZ_REF_NUM, ANZ_AX_NUM_Q_HEADS},
    {"qheads", ANZ_REF_NUM, ANZ_AX_NUM_Q_HEADS},
    {"numheads", ANZ_REF_NUM, ANZ_AX_NUM_Q_HEADS},
    {"hq", ANZ_REF_NUM, ANZ_AX_NUM_Q_HEADS},
    {"numkvheads", ANZ_REF_NUM, ANZ_AX_NUM_KV_HEADS},
    {"kvheads", ANZ_REF_NUM, ANZ_AX_NUM_KV_HEADS},
    {"hkv", ANZ_REF_NUM, ANZ_AX_NUM_KV_HEADS},
    {"pagesize", ANZ_REF_NUM, ANZ_AX_PAGE_SIZE},
    {"tokensperpage", ANZ_REF_NUM, ANZ_AX_PAGE_SIZE},
    {"tpp", ANZ_REF_NUM, ANZ_AX_PAGE_SIZE},
    {"blocksize", ANZ_REF_NUM, ANZ_AX_PAGE_SIZE},
    {"effectiveitems", ANZ_REF_NUM, ANZ_AX_EFFECTIVE_ITEMS},
    {"dtype", ANZ_REF_STR, ANZ_SX_DTYPE},
    {"t", ANZ_REF_STR, ANZ_SX_DTYPE},
    {"datatype", ANZ_REF_STR, ANZ_SX_DTYPE},
    {"precision", ANZ_REF_STR, ANZ_SX_DTYPE},
    {"model", ANZ_REF_STR, ANZ_SX_MODEL},
    {"modelconfig", ANZ_REF_STR, ANZ_SX_MODEL},
    {"modelconfigname", ANZ_REF_STR, ANZ_SX_MODEL},
    {"modelname", ANZ_REF_STR, ANZ_SX_MODEL},
    {"layout", ANZ_REF_STR, ANZ_SX_LAYOUT},
    {"cache", ANZ_REF_STR, ANZ_SX_CACHE},
    {"cachemode", ANZ_REF_STR, ANZ_SX_CACHE},
    {"op", ANZ_REF_STR, ANZ_SX_OP},
    {"operation", ANZ_REF_STR, ANZ_SX_OP},
    {"kernel", ANZ_REF_KERNEL, 0},
    {"kernelname", ANZ_REF_KERNEL, 0},
    {"family", ANZ_REF_FAMILY, 0},
};

static void normalise_key(const char *key, char *out, size_t cap) {
  size_t n = 0;
  for (const char *p = key; *p && n + 1 < cap; ++p) {
    if (*p == '_' || *p == '-' || *p == ' ') continue;
    out[n++] = (char)tolower((unsigned char)*p);
  }
  out[n] = '\0';
  if (n > 3 && !strcmp(out + n - 3, "val")) out[n - 3] = '\0';
}

anz_axis_ref anz_axis_lookup(const char *key) {
  anz_axis_ref r = {ANZ_REF_NONE, 0};
  char k[64];
  if (!key || strlen(key) >= sizeof k) return r;
  normalise_key(key, k, sizeof k);
  /* the first letter first: most keys are no axis (a third of the loaders' time went here) */
  for (size_t i = 0; i < sizeof key_table / sizeof key_table[0]; ++i)
    if (k[0] == key_table[i].key[0] && !strcmp(k, key_table[i].key)) {
      r.kind = key_table[i].kind;
      r.index = key_table[i].index;
      return r;
    }
  return r;
}

/* "1024", "2^10", "1e3" -> number; NaN when the text is not a number. */
static double text_number(const char *t) {
  if (!t || !*t) return NAN;
  char *end;
  double d = strtod(t, &end);
  if (end == t) return NAN;
  if (*end == '^') {
    double e = strtod(end + 1, &end);
    if (*end) return NAN;
    return pow(d, e);
  }
  return *end ? NAN : d;
}

const char *anz_dtype_normalize(anz_strings *s, const char *text) {
  if (!text) return NULL;
  char low[96];
  size_t n = 0;
  for (const char *p = text; *p && n + 1 < sizeof low; ++p) low[n++] = (char)tolower((unsigned char)*p);
  low[n] = '\0';
  /* "UNSERIALIZABLE[mlx.core.float16]", "torch.bfloat16", "np.float32" */
  const char *core = low;
  const char *dot = strrchr(low, '.');
  if (dot) core = dot + 1;
  char buf[96];
  snprintf(buf, sizeof buf, "%s", core);
  char *br = strchr(buf, ']');
  if (br) *br = '\0';
  static const struct {
    const char *in, *out;
  } map[] = {{"float16", "fp16"}, {"f16", "fp16"},   {"fp16", "fp16"},     {"half", "fp16"},
             {"bfloat16", "bf16"}, {"bf16", "bf16"}, {"float32", "fp32"},  {"f32", "fp32"},
             {"fp32", "fp32"},     {"float", "fp32"}, {"single", "fp32"},  {"float64", "fp64"},
             {"f64", "fp64"},      {"fp64", "fp64"},  {"double", "fp64"},  {"int8", "int8"},
             {"i8", "int8"},       {"i32", "int32"},  {"int32", "int32"}};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; ++i)
    if (!strcmp(buf, map[i].in)) return map[i].out;
  return anz_strdup(s, low);
}

int anz_row_offer_text(anz_row *row, anz_strings *s, const char *key, const char *text) {
  anz_axis_ref r = anz_axis_lookup(key);
  if (r.kind == ANZ_REF_NONE || !text) return r.kind != ANZ_REF_NONE;
  switch (r.kind) {
    case ANZ_REF_NUM:
      if (isnan(row->axis[r.index])) {
        double d = text_number(text);
        if (isfinite(d)) row->axis[r.index] = d;
      }
      break;
    case ANZ_REF_STR:
      if (!row->saxis[r.index] && *text)
        row->saxis[r.index] = r.index == ANZ_SX_DTYPE ? anz_dtype_normalize(s, text) : anz_strdup(s, text);
      break;
    case ANZ_REF_KERNEL:
      /* explicit kernel names are classified; "other" may still be refined by names */
      if (row->kernel == ANZ_K_OTHER) row->kernel = anz_kernel_classify(text);
      if (!row->kernel_name && *text) row->kernel_name = anz_strdup(s, text);
      break;
    case ANZ_REF_FAMILY:
      if (!row->family && *text) row->family = anz_strdup(s, text);
      break;
    case ANZ_REF_NONE:
      break;
  }
  return 1;
}

int anz_row_offer(anz_row *row, anz_strings *s, const char *key, const anz_jvalue *v) {
  if (!v) return 0;
  if (v->type == ANZ_JSTRING) return anz_row_offer_text(row, s, key, v->u.str);
  if (v->type == ANZ_JNUMBER) {
    anz_axis_ref r = anz_axis_lookup(key);
    if (r.kind == ANZ_REF_NUM) {
      if (isnan(row->axis[r.index])) {
        double d = anz_json_number(v, NULL);
        if (isfinite(d)) row->axis[r.index] = d;
      }
      return 1;
    }
    if (r.kind == ANZ_REF_NONE) return 0;
    char t[64];
    snprintf(t, sizeof t, "%.*s", (int)(v->len < 60 ? v->len : 60), v->u.str);
    return anz_row_offer_text(row, s, key, t);
  }
  return anz_axis_lookup(key).kind != ANZ_REF_NONE;
}

void anz_row_add_param(anz_row *row, anz_strings *s, const char *key, size_t klen, const char *value, size_t vlen) {
  /* a new string per parameter: instances have a handful, so the arena's
   * copies of the shorter prefixes cost little and no buffer can be too small */
  size_t old = row->params ? strlen(row->params) : 0;
  size_t n = old + (old ? 1 : 0) + klen + 1 + vlen;
  char *out = anz_stralloc(s, n);
  if (!out) return;
  char *w = out;
  if (old) {
    memcpy(w, row->params, old);
    w += old;
    *w++ = '/';
  }
  memcpy(w, key, klen);
  w += klen;
  *w++ = '=';
  memcpy(w, value, vlen);
  row->params = out;
}

int anz_row_offer_param(anz_row *row, anz_strings *s, const char *key, const anz_jvalue *v) {
  if (!key || !v) return 0;
  if (anz_axis_lookup(key).kind != ANZ_REF_NONE) return anz_row_offer(row, s, key, v);
  const char *text;
  size_t len;
  switch (v->type) {
    case ANZ_JSTRING: text = v->u.str, len = strlen(v->u.str); break;
    case ANZ_JNUMBER: text = v->u.str, len = v->len; break; /* its JSON text: 64, 1e-3 */
    case ANZ_JTRUE: text = "true", len = 4; break;
    case ANZ_JFALSE: text = "false", len = 5; break;
    case ANZ_JNULL: text = "null", len = 4; break;
    default: return 0; /* objects, arrays: no one-line value */
  }
  anz_row_add_param(row, s, key, strlen(key), text, len);
  return 0;
}

anz_kernel anz_kernel_classify(const char *text) {
  if (!text) return ANZ_K_OTHER;
  char low[256];
  size_t n = 0;
  for (const char *p = text; *p && n + 1 < sizeof low; ++p) low[n++] = (char)tolower((unsigned char)*p);
  low[n] = '\0';
  if (strstr(low, "sdpa") || strstr(low, "scaled_dot_product") || strstr(low, "scaleddotproduct"))
    return ANZ_K_SDPA;
  if (strstr(low, "paged")) return ANZ_K_PAL;
  /* whole words only: "pal" inside "principal" is not PAL */
  int found_mlx = 0, found_dense = 0;
  for (char *tok = low; *tok;) {
    while (*tok && !isalnum((unsigned char)*tok)) ++tok;
    char *e = tok;
    while (*e && isalnum((unsigned char)*e)) ++e;
    size_t len = (size_t)(e - tok);
    if (len == 3 && !strncmp(tok, "pal", 3)) return ANZ_K_PAL;
    if (len == 3 && !strncmp(tok, "mlx", 3)) found_mlx = 1;
    if (len == 5 && !strncmp(tok, "dense", 5)) found_dense = 1;
    tok = e;
  }
  return found_mlx || found_dense ? ANZ_K_SDPA : ANZ_K_OTHER;
}

anz_study anz_study_from_family(const char *family) {
  if (!family) return ANZ_STUDY_NONE;
  char low[256];
  size_t n = 0;
  for (const char *p = family; *p && n + 1 < sizeof low; ++p)
    if (isalnum((unsigned char)*p)) low[n++] = (char)tolower((unsigned char)*p);
  low[n] = '\0';
  static const struct {
    const char *pat;
    anz_study study;
  } pats[] = {
      {"vsseqlen", ANZ_STUDY_SEQ_LEN},       {"vssequencelength", ANZ_STUDY_SEQ_LEN},
      {"vshistorylen", ANZ_STUDY_SEQ_LEN},   {"vscontextlen", ANZ_STUDY_SEQ_LEN},
      {"vskvlen", ANZ_STUDY_SEQ_LEN},        {"vsheaddim", ANZ_STUDY_HEAD_DIM},
      {"vsnumitems", ANZ_STUDY_ITEMS},       {"vsqueryitems", ANZ_STUDY_ITEMS},
      {"vsitems", ANZ_STUDY_ITEMS},          {"vsbatch", ANZ_STUDY_ITEMS},
      {"vsnumsequences", ANZ_STUDY_ITEMS},   {"vsnumseqs", ANZ_STUDY_ITEMS},
      {"modelconfig", ANZ_STUDY_MODEL},
  };
  for (size_t i = 0; i < sizeof pats / sizeof pats[0]; ++i)
    if (strstr(low, pats[i].pat)) return pats[i].study;
  return ANZ_STUDY_NONE;
}

static anz_study study_of_axis(anz_axis_ref r) {
  if (r.kind == ANZ_REF_NUM) {
    switch (r.index) {
      case ANZ_AX_SEQ_LEN: return ANZ_STUDY_SEQ_LEN;
      case ANZ_AX_HEAD_DIM: return ANZ_STUDY_HEAD_DIM;
      case ANZ_AX_ITEMS:
      case ANZ_AX_BATCH:
      case ANZ_AX_EFFECTIVE_ITEMS: return ANZ_STUDY_ITEMS;
      default: return ANZ_STUDY_NONE;
    }
  }
  if (r.kind == ANZ_REF_STR && r.index == ANZ_SX_MODEL) return ANZ_STUDY_MODEL;
  return ANZ_STUDY_NONE;
}

static int axis_of_study(anz_study s) {
  switch (s) {
    case ANZ_STUDY_SEQ_LEN: return ANZ_AX_SEQ_LEN;
    case ANZ_STUDY_HEAD_DIM: return ANZ_AX_HEAD_DIM;
    case ANZ_STUDY_ITEMS: return ANZ_AX_ITEMS;
    default: return -1;
  }
}

/* The seed's C++ families used unnamed arguments (reference §3.3). */
static const struct {
  const char *family;
  int axes[2];
} positional[] = {
    {"BM_PAL_LatencyVsSeqLen", {ANZ_AX_ITEMS, ANZ_AX_SEQ_LEN}},
    {"BM_PAL_LatencyVsHeadDim", {ANZ_AX_ITEMS, ANZ_AX_HEAD_DIM}},
    {"BM_PAL_LatencyVsNumItems", {ANZ_AX_ITEMS, -1}},
    {"BM_SDPA_LatencyVsSeqLen", {ANZ_AX_BATCH, ANZ_AX_SEQ_LEN}},
    {"BM_SDPA_LatencyVsHeadDim", {ANZ_AX_BATCH, ANZ_AX_HEAD_DIM}},
    {"BM_SDPA_LatencyVsNumItems", {ANZ_AX_BATCH, -1}},
};

void anz_offer_gb_name(anz_row *row, anz_strings *s, const char *run_name) {
  if (!run_name) return;
  const char *slash = strchr(run_name, '/');
  size_t fn_len = slash ? (size_t)(slash - run_name) : strlen(run_name);
  char fn[256];
  snprintf(fn, sizeof fn, "%.*s", (int)(fn_len < 255 ? fn_len : 255), run_name);
  /* BM_SDPA_ModelConfig_Llama3_70B_Sim: the model is part of the function name */
  char *mc = strstr(fn, "ModelConfig_");
  if (mc) {
    anz_row_offer_text(row, s, "model", mc + strlen("ModelConfig_"));
    mc[strlen("ModelConfig")] = '\0';
  }
  if (!row->family) row->family = anz_strdup(s, fn);
  if (row->study == ANZ_STUDY_NONE) row->study = anz_study_from_family(row->family);
  int pos_axes[2] = {-1, -1};
  for (size_t i = 0; i < sizeof positional / sizeof positional[0]; ++i)
    if (!strcmp(fn, positional[i].family)) {
      pos_axes[0] = positional[i].axes[0];
      pos_axes[1] = positional[i].axes[1];
    }
  int npos = 0, nnamed = 0;
  anz_study first_named = ANZ_STUDY_NONE;
  const char *p = slash;
  while (p && *p == '/') {
    const char *part = p + 1;
    const char *e = strchr(part, '/');
    size_t len = e ? (size_t)(e - part) : strlen(part);
    char buf[128];
    snprintf(buf, sizeof buf, "%.*s", (int)(len < 127 ? len : 127), part);
    const char *colon = memchr(part, ':', len);
    if (colon) {
      size_t klen = (size_t)(colon - part);
      char *bc = klen < sizeof buf - 1 ? buf + klen : NULL; /* the colon in buf, unless cut off */
      if (bc) *bc = '\0';
      anz_axis_ref r = bc ? anz_axis_lookup(buf) : (anz_axis_ref){ANZ_REF_NONE, 0};
      /* rule 5: the first named argument decides, whatever it is; a family
       * whose first argument has no axis (tokens:1) sweeps nothing we plot,
       * though a later part (head_dim:128) is one of its fixed settings */
      if (nnamed++ == 0) first_named = study_of_axis(r);
      if (r.kind != ANZ_REF_NONE)
        anz_row_offer_text(row, s, buf, bc + 1);
      else
        anz_row_add_param(row, s, part, klen, colon + 1, len - klen - 1);
    } else {
      double d = text_number(buf);
      if (isfinite(d)) {
        int ax = npos < 2 ? pos_axes[npos] : -1;
        if (ax < 0 && npos == 0 && pos_axes[0] < 0) ax = axis_of_study(row->study);
        if (ax >= 0 && isnan(row->axis[ax])) row->axis[ax] = d;
        ++npos;
      }
    }
    p = e;
  }
  if (row->study == ANZ_STUDY_NONE) row->study = first_named;
}

void anz_offer_pytest_param(anz_row *row, anz_strings *s, const char *param) {
  if (!param || !*param) return;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", param);
  int ax = axis_of_study(row->study);
  int first = 1;
  for (char *tok = buf; tok;) {
    char *dash = strchr(tok, '-');
    if (dash) *dash = '\0';
    double d = text_number(tok);
    if (isfinite(d)) {
      if (ax >= 0 && isnan(row->axis[ax])) row->axis[ax] = d;
    } else if (first && row->study == ANZ_STUDY_MODEL) {
      anz_row_offer_text(row, s, "model", tok);
    } else {
      const char *dt = anz_dtype_normalize(s, tok);
      if (dt && (!strcmp(dt, "fp16") || !strcmp(dt, "bf16") || !strcmp(dt, "fp32")))
        anz_row_offer_text(row, s, "dtype", dt);
    }
    first = 0;
    tok = dash ? dash + 1 : NULL;
  }
}

void anz_row_finish(anz_row *row) {
  anz_study fam = anz_study_from_family(row->family);
  if (fam != ANZ_STUDY_NONE) row->study = fam;
  if (row->kernel == ANZ_K_OTHER) row->kernel = anz_kernel_classify(row->family);
  if (row->kernel == ANZ_K_OTHER) row->kernel = anz_kernel_classify(row->name);
  double *a = row->axis;
  if (isnan(a[ANZ_AX_EFFECTIVE_ITEMS])) {
    if (isfinite(a[ANZ_AX_BATCH]) && isfinite(a[ANZ_AX_NUM_Q_HEADS]))
      a[ANZ_AX_EFFECTIVE_ITEMS] = a[ANZ_AX_BATCH] * a[ANZ_AX_NUM_Q_HEADS];
    else if (isfinite(a[ANZ_AX_ITEMS]))
      a[ANZ_AX_EFFECTIVE_ITEMS] = a[ANZ_AX_ITEMS];
    else if (isfinite(a[ANZ_AX_BATCH]))
      a[ANZ_AX_EFFECTIVE_ITEMS] = a[ANZ_AX_BATCH];
  }
  /* a derived counter when the benchmark gave both rates */
  double *c = row->counter;
  if (isnan(c[ANZ_C_ARITHMETIC_INTENSITY]) && c[ANZ_C_FLOPS_PER_SECOND] > 0 && c[ANZ_C_BYTES_PER_SECOND] > 0)
    c[ANZ_C_ARITHMETIC_INTENSITY] = c[ANZ_C_FLOPS_PER_SECOND] / c[ANZ_C_BYTES_PER_SECOND];
}

/* days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm) */
static double days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (double)era * 146097.0 + doe - 719468;
}

double anz_parse_date(const char *t) {
  if (!t) return NAN;
  int y, mo, d, h, mi, n = 0;
  double sec;
  if (sscanf(t, "%4d-%2d-%2d%*1[T ]%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6) return NAN;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec >= 61) return NAN;
  double e = days_from_civil(y, mo, d) * 86400.0 + h * 3600.0 + mi * 60.0 + sec;
  const char *z = t + n;
  if (*z == '+' || *z == '-') {
    int oh = 0, om = 0;
    if (sscanf(z + 1, "%2d:%2d", &oh, &om) >= 1 || sscanf(z + 1, "%2d%2d", &oh, &om) >= 1) {
      double off = oh * 3600.0 + om * 60.0;
      e += *z == '+' ? -off : off;
    }
  }
  return e;
}

double anz_filename_epoch(const char *path) {
  if (!path) return NAN;
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  /* the last _YYYYmmdd_HHMMSS in the name */
  double best = NAN;
  for (const char *p = base; (p = strchr(p, '_')) != NULL; ++p) {
    int y, mo, d, h, mi, s;
    char c1, c2;
    if (sscanf(p, "_%4d%2d%2d%c%2d%2d%2d%c", &y, &mo, &d, &c1, &h, &mi, &s, &c2) == 8 && c1 == '_' &&
        (c2 == '.' || c2 == '_') && mo >= 1 && mo <= 12 && d >= 1 && d <= 31)
      best = days_from_civil(y, mo, d) * 86400.0 + h * 3600.0 + mi * 60.0 + s;
  }
  return best;
}
