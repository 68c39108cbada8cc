/* axes.h - normalisation rules shared by the loaders: which key names an
 * axis, dtype spellings, kernel classification, what a family sweeps, dates.
 * The rules are listed in docs/ANALYZE.md ("Normalisation"). */
#ifndef PAL_ANALYZE_AXES_H
#define PAL_ANALYZE_AXES_H

#include "json.h"
#include "table.h"

/* What a key names: a numeric axis, a string axis, or nothing. */
typedef struct anz_axis_ref {
  enum { ANZ_REF_NONE, ANZ_REF_NUM, ANZ_REF_STR, ANZ_REF_KERNEL, ANZ_REF_FAMILY } kind;
  int index;
} anz_axis_ref;

/* Key matching ignores case, '_' and '-', and a trailing "val" (seed pytest
 * ids: seq_len_val). */
anz_axis_ref anz_axis_lookup(const char *key);

/* Sets an axis from a key and a value (JSON number, numeric string, or text)
 * only when that axis is still unknown: callers apply sources in priority
 * order (explicit fields, then parameters, then names). Returns 1 when the
 * key named an axis. */
int anz_row_offer(anz_row *row, anz_strings *s, const char *key, const anz_jvalue *value);
int anz_row_offer_text(anz_row *row, anz_strings *s, const char *key, const char *text);

/* kernel_name: the first explicit kernel field offered (key "kernel" or
 * "kernel_name" in any spelling: GB row fields and name parts, pytest
 * extra_info / params, NVBench axes), as the file wrote it.
 *
 * params: the parameters an instance is defined by that have no axis here,
 * "key=value" joined by "/" in the order the file gives them: GB name parts
 * "key:value" (BM_PAL_FillKVPages/tokens:64/.../threads:0 ->
 * "tokens=64/threads=0"), pytest "params" members, NVBench axis_values.
 * Keys and values as written (numbers in their JSON text; true/false/null
 * literally); object and array values are left out. Never from GB row fields
 * or pytest extra_info: those hold counters and machine facts, not what
 * tells instances apart. */

/* Offers key/value as an axis (anz_row_offer); a key that names no axis
 * becomes a parameter. Returns 1 for an axis, 0 for a parameter (or a value
 * left out). */
int anz_row_offer_param(anz_row *row, anz_strings *s, const char *key, const anz_jvalue *value);
/* Appends "key=value" to row->params (a new string in s). */
void anz_row_add_param(anz_row *row, anz_strings *s, const char *key, size_t klen, const char *value, size_t vlen);

/* fp16 / bf16 / fp32 / fp64 / int8 ... from any common spelling, else the
 * lowercased text. */
const char *anz_dtype_normalize(anz_strings *s, const char *text);

/* pal (paged attention), sdpa (dense baseline) or other, from words in text. */
anz_kernel anz_kernel_classify(const char *text);

anz_study anz_study_from_family(const char *family);

/* Parses a Google Benchmark instance name FAMILY/arg/key:value/...: named
 * arguments are offered as axes (those that name none become params);
 * unnamed ones by the seed's positional table for known families;
 * ModelConfig_NAME gives the model. When neither the family nor an explicit
 * field says what the family sweeps, the first named argument does: its
 * axis (seq_len, head_dim, items/batch, model), else nothing (tokens:1 or
 * dtype:fp16 first -> ANZ_STUDY_NONE). */
void anz_offer_gb_name(anz_row *row, anz_strings *s, const char *run_name);

/* pytest ids: "[64]" or "[Llama3_70B_Sim-model_params0]" or "[fp16-128]". */
void anz_offer_pytest_param(anz_row *row, anz_strings *s, const char *param);

/* Derived values and defaults once all sources were offered: effective
 * items, kernel from names, study from family. */
void anz_row_finish(anz_row *row);

/* ISO-8601 date (with optional fraction and offset) -> seconds since the
 * epoch; NaN when it cannot be read. */
double anz_parse_date(const char *text);
/* ..._YYYYmmdd_HHMMSS.json -> seconds since the epoch (UTC); NaN if absent. */
double anz_filename_epoch(const char *path);

#endif /* PAL_ANALYZE_AXES_H */
