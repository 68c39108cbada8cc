/* module.c - pal._pal: module definition, state, libpal errors as exceptions. */
#define PAL_PY_NUMPY_IMPORT /* this file calls import_array() */
#include "pyarrays.h"
#include "pymodule.h"

#include <string.h>

/* libpal's messages name the C arguments (pool.k, options.lse, ...); the
 * user passed k_cache, lse, ... Each entry's `from` is replaced where it
 * stands alone: not inside a longer identifier or after a '.', and (when it
 * ends in an identifier character) not followed by one or by ".name". The
 * first matching entry wins, so longer names come before their prefixes. */
typedef struct name_map {
  const char *from, *to;
} name_map;

static const name_map common_names[] = {
    {"pool.k", "k_cache"},
    {"pool.v", "v_cache"},
    {"pool.dtype", "k_cache dtype"},
    {"pool.page_size", "k_cache page_size"},
    {"pool.num_pages", "k_cache num_pages"},
    {"pool.num_kv_heads", "k_cache num_kv_heads"},
    {"pool.head_dim", "k_cache head_dim"},
    {"pool.stride_page", "k_cache page stride (in elements)"},
    {"pool.stride_head", "k_cache head stride (in elements)"},
    {"pool.stride_token", "k_cache token stride (in elements)"},
    {"pool strides", "k_cache/v_cache element strides"},
    {"pool", "k_cache/v_cache"},
    {"stride_page", "page stride"},
    {"stride_head", "head stride"},
    {"stride_token", "token stride"},
    {"options.lse", "lse"},
    {"options.alibi_slopes", "alibi_slopes"},
    {"options.scale", "scale"},
    {"options.window", "window"},
    {"options.softcap", "softcap"},
    {"options.num_threads", "num_threads"},
    {"max_pages_per_seq", "block_table.shape[1]"},
    {NULL, NULL}};

/* decode, prefill, fill_kv_pages: the sizes come from q and k_cache */
static const name_map paged_names[] = {
    {"num_q_heads", "num_q_heads (q.shape[1])"},
    {"num_kv_heads", "k_cache num_kv_heads"},
    {"head_dim", "k_cache head_dim"},
    {"q_len =", "q_len (from qo_indptr) ="},
    {NULL, NULL}};

/* sdpa: the sizes come from q and k */
static const name_map sdpa_names[] = {
    {"num_q_heads", "num_q_heads (q.shape[1])"},
    {"num_kv_heads", "num_kv_heads (k.shape[1])"},
    {"head_dim", "head_dim (q.shape[3])"},
    {NULL, NULL}};

static int ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Length of the entry of `map` that stands at msg + i, 0 when none; *to set. */
static size_t name_at(const name_map *map, const char *msg, size_t i, const char **to) {
  if (i > 0 && (ident_char(msg[i - 1]) || msg[i - 1] == '.')) return 0;
  for (const name_map *e = map; e->from; e++) {
    const size_t n = strlen(e->from);
    if (strncmp(msg + i, e->from, n) != 0) continue;
    const char *after = msg + i + n;
    if (ident_char(e->from[n - 1]) &&
        (ident_char(after[0]) || (after[0] == '.' && ident_char(after[1]))))
      continue;
    *to = e->to;
    return n;
  }
  return 0;
}

/* msg with the C argument names in the Python ones, into buf (truncated to size). */
static const char *python_names(const char *fname, const char *msg, char *buf, size_t size) {
  const name_map *maps[2] = {common_names, strcmp(fname, "sdpa") == 0 ? sdpa_names : paged_names};
  size_t o = 0;
  for (size_t i = 0; msg[i] && o + 1 < size;) {
    const char *to = NULL;
    size_t n = 0;
    for (int m = 0; m < 2 && !n && ident_char(msg[i]); m++) n = name_at(maps[m], msg, i, &to);
    if (!n) {
      buf[o++] = msg[i++];
      continue;
    }
    for (const char *t = to; *t && o + 1 < size; t++) buf[o++] = *t;
    i += n;
  }
  buf[o] = '\0';
  return buf;
}

PyObject *pyerr_pal(PyObject *module, const char *fname, pal_status status, const pal_error *err) {
  char buf[1024];
  const char *detail = err && err->message[0]
                           ? python_names(fname, err->message, buf, sizeof buf)
                           : pal_status_message(status);
  if (status == PAL_E_NOMEM) {
    PyErr_Format(PyExc_MemoryError, "%s(): %s", fname, detail);
    return NULL;
  }
  PyObject *type = pal_state(module)->error_type;
  PyObject *exc = PyObject_CallFunction(type, "N", PyUnicode_FromFormat(
                                                       "%s(): %s: %s", fname,
                                                       pal_status_name(status), detail));
  if (!exc) return NULL;
  PyObject *name = PyUnicode_FromString(pal_status_name(status));
  PyObject *code = PyLong_FromLong((long)status);
  if (name && code && PyObject_SetAttrString(exc, "status", name) == 0 &&
      PyObject_SetAttrString(exc, "code", code) == 0)
    PyErr_SetObject(type, exc);
  Py_XDECREF(name);
  Py_XDECREF(code);
  Py_DECREF(exc);
  return NULL;
}

static PyObject *py_isa_supported(PyObject *module, PyObject *arg) {
  (void)module;
  if (!PyUnicode_Check(arg)) {
    PyErr_Format(PyExc_TypeError, "isa_supported(): expected a str, not %.100s",
                 Py_TYPE(arg)->tp_name);
    return NULL;
  }
  for (int i = 0; i < PAL_ISA_COUNT; i++)
    if (PyUnicode_CompareWithASCIIString(arg, pal_isa_name((pal_isa)i)) == 0)
      return PyBool_FromLong(pal_isa_supported((pal_isa)i));
  PyErr_Format(PyExc_ValueError, "isa_supported(): unknown isa %R", arg);
  return NULL;
}

static PyObject *py_isa_levels(PyObject *module, PyObject *unused) {
  (void)module, (void)unused;
  PyObject *list = PyList_New(0);
  if (!list) return NULL;
  for (int i = PAL_ISA_SCALAR; i < PAL_ISA_COUNT; i++) {
    if (!pal_isa_supported((pal_isa)i)) continue;
    PyObject *s = PyUnicode_FromString(pal_isa_name((pal_isa)i));
    if (!s || PyList_Append(list, s) < 0) {
      Py_XDECREF(s);
      Py_DECREF(list);
      return NULL;
    }
    Py_DECREF(s);
  }
  return list;
}

static PyObject *py_cpu_info(PyObject *module, PyObject *unused) {
  (void)module, (void)unused;
  pal_cpu_info c;
  pal_cpu_info_get(&c);
  return Py_BuildValue(
      "{s:s,s:s,s:s,s:{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O}}", "vendor", c.vendor,
      "model", c.model, "best_isa", pal_isa_name(c.best_isa), "features", "avx2",
      c.avx2 ? Py_True : Py_False, "fma", c.fma ? Py_True : Py_False, "f16c",
      c.f16c ? Py_True : Py_False, "avx512f", c.avx512f ? Py_True : Py_False, "avx512bw",
      c.avx512bw ? Py_True : Py_False, "avx512vl", c.avx512vl ? Py_True : Py_False, "avx512dq",
      c.avx512dq ? Py_True : Py_False, "avx512_bf16", c.avx512_bf16 ? Py_True : Py_False,
      "avx512_fp16", c.avx512_fp16 ? Py_True : Py_False, "amx_tile",
      c.amx_tile ? Py_True : Py_False, "amx_bf16", c.amx_bf16 ? Py_True : Py_False, "amx_int8",
      c.amx_int8 ? Py_True : Py_False);
}

static PyObject *py_library_version(PyObject *module, PyObject *unused) {
  (void)module, (void)unused;
  return PyUnicode_FromString(pal_version());
}

#define FASTCALL_KW(f) (PyCFunction)(void (*)(void))(f), METH_FASTCALL | METH_KEYWORDS

/* Shared wording of the array rules, once. */
#define ARRAY_RULES                                                                          \
  "Arrays are numpy.ndarray, C-contiguous (pools: any non-negative strides with a contiguous\n" \
  "head_dim), native byte order, aligned; float32, float16, or bfloat16 as uint16 bit\n"    \
  "patterns (pal.to_bf16) or ml_dtypes.bfloat16. Page tables are int32. Nothing is ever\n"  \
  "copied or converted: a wrong dtype or layout raises TypeError/ValueError naming the\n"   \
  "argument. libpal's own checks raise pal.PalError (.status, e.g. 'PAL_E_PAGE_ID'), in\n"  \
  "the argument names used here; an output sharing memory with an input or another output\n" \
  "is 'PAL_E_ALIAS'. A failed call writes nothing. The GIL is released while it runs.\n"

#define PAGED_ARGS                                                                           \
  "k_cache, v_cache: page pools, layout='hnd' [num_pages, num_kv_heads, page_size, head_dim]\n" \
  "  or layout='nhd' [num_pages, page_size, num_kv_heads, head_dim], same dtype/strides;\n"   \
  "  k_cache may be v_cache (read only), or the two halves of vLLM's combined cache.\n"      \
  "Page table, one form: block_table [num_seqs, max_pages] + seq_lens [num_seqs] (vLLM), or\n" \
  "  kv_indptr [num_seqs+1] + kv_indices + kv_last_page_len [num_seqs] (FlashInfer CSR).\n"   \
  "scale: softmax scale, used as given (None: 1/sqrt(head_dim); 0 is refused, libpal\n"      \
  "  reserves it for the default). out=: write here instead of a new array.\n"               \
  "lse= / return_lse=True: also the fp32 natural-log log-sum-exp per row (-inf: no token).\n" \
  "num_threads: 0 = the context's count. context: a pal.Context (default: default_context()).\n"

static const char decode_doc[] =
    "decode(q, k_cache, v_cache, block_table=None, seq_lens=None, *, kv_indptr=None,\n"
    "       kv_indices=None, kv_last_page_len=None, layout='hnd', scale=None, out=None,\n"
    "       lse=None, return_lse=False, num_threads=0, context=None"
    ",\n       window=0, softcap=0.0, alibi_slopes=None"
    ") -> out | (out, lse)\n\n"
    "Paged decode: one query token per sequence, q [num_seqs, num_q_heads, head_dim], attending\n"
    "to all seq_lens[s] tokens of sequence s (0 tokens: a zero row). GQA/MQA: query head h\n"
    "reads KV head h // (num_q_heads // num_kv_heads). q's dtype may differ from the pools'.\n"
    PAGED_ARGS ARRAY_RULES;

static const char prefill_doc[] =
    "prefill(q, qo_indptr, k_cache, v_cache, block_table=None, seq_lens=None, *, kv_indptr=None,\n"
    "        kv_indices=None, kv_last_page_len=None, layout='hnd', scale=None, out=None,\n"
    "        lse=None, return_lse=False, num_threads=0, context=None, window=0, softcap=0.0,\n"
    "        alibi_slopes=None) -> out | (out, lse)\n\n"
    "Paged prefill / chunked prefill (varlen, causal). Sequence s has the query rows\n"
    "q[qo_indptr[s]:qo_indptr[s+1]] (q [total_q, num_q_heads, head_dim], qo_indptr int32\n"
    "[num_seqs+1]); they are the last q_len tokens of its seq_len context, whose K/V must\n"
    "already be in the pools (pal.fill_kv_pages). Query i sees positions <= seq_len - q_len + i\n"
    "(and > that - window when window > 0). softcap > 0 caps logits by softcap*tanh(s/softcap);\n"
    "alibi_slopes float32 [num_q_heads] adds slope*(j - p).\n" PAGED_ARGS ARRAY_RULES;

static const char fill_doc[] =
    "fill_kv_pages(k_new, v_new, slot_mapping, k_cache, v_cache, *, layout='hnd', context=None)\n\n"
    "Writes token i of k_new/v_new [num_tokens, num_kv_heads, head_dim] into the pools (in\n"
    "place) at slot_mapping[i] = page * page_size + offset (int64; -1 skips the token),\n"
    "converting to the pools' dtype (round to nearest even). All slots are checked before\n"
    "anything is written; when two tokens name one slot the later wins. k_cache and v_cache\n"
    "may be vLLM's combined cache (kv_cache[:, 0], kv_cache[:, 1], layout='nhd'), never\n"
    "arrays that share an element.\n" ARRAY_RULES;

static const char sdpa_doc[] =
    "sdpa(q, k, v, *, causal=False, scale=None, out=None, lse=None, return_lse=False,\n"
    "     num_threads=0, context=None) -> out | (out, lse)\n\n"
    "Dense attention, the baseline of the paged kernels: q [batch, num_q_heads, q_len, D],\n"
    "k, v [batch, num_kv_heads, kv_len, D], one dtype. causal: query i sees keys\n"
    "< kv_len - q_len + i + 1 (bottom-right aligned); a row that sees no key is zeros.\n"
    "lse: [batch, num_q_heads, q_len] float32. scale: as given (None: 1/sqrt(D); 0 refused).\n"
    ARRAY_RULES;

static PyMethodDef methods[] = {
    {"decode", FASTCALL_KW(pydecode), decode_doc},
    {"prefill", FASTCALL_KW(pyprefill), prefill_doc},
    {"fill_kv_pages", FASTCALL_KW(pyfill_kv_pages), fill_doc},
    {"sdpa", FASTCALL_KW(pysdpa), sdpa_doc},
    {"_decode_native_seconds", FASTCALL_KW(pydecode_native_seconds),
     "_decode_native_seconds(iterations, *decode_args, **decode_kwargs) -> float\n\n"
     "Validates the arguments once as pal.decode does, then times `iterations` back-to-back\n"
     "pal_decode calls in C (CLOCK_MONOTONIC) and returns seconds per call: the native cost\n"
     "against which the binding's per-call overhead is measured."},
    {"default_context", pycontext_default, METH_NOARGS,
     "default_context() -> pal.Context: the context kernels use when given none (created on "
     "first use)."},
    {"isa_supported", py_isa_supported, METH_O,
     "isa_supported(name) -> bool: whether this CPU and OS can run the kernel level."},
    {"isa_levels", py_isa_levels, METH_NOARGS,
     "isa_levels() -> list[str]: the kernel levels this machine can run, lowest first."},
    {"cpu_info", py_cpu_info, METH_NOARGS, "cpu_info() -> dict: what CPUID/XGETBV report."},
    {"library_version", py_library_version, METH_NOARGS,
     "library_version() -> str: the version of the libpal linked in."},
    {NULL, NULL, 0, NULL}};

static int module_traverse(PyObject *m, visitproc visit, void *arg) {
  pal_module_state *st = pal_state(m);
  Py_VISIT(st->error_type);
  Py_VISIT(st->context_type);
  Py_VISIT(st->default_context);
  return 0;
}

static int module_clear(PyObject *m) {
  pal_module_state *st = pal_state(m);
  Py_CLEAR(st->default_context);
  Py_CLEAR(st->context_type);
  Py_CLEAR(st->error_type);
  return 0;
}

static void module_free(void *m) { module_clear((PyObject *)m); }

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "pal._pal",
    "libpal's paged-attention kernels on NumPy arrays (use the `pal` package).",
    sizeof(pal_module_state),
    methods,
    NULL,
    module_traverse,
    module_clear,
    module_free};

PyMODINIT_FUNC PyInit__pal(void) {
  import_array();
  PyObject *m = PyModule_Create(&module_def);
  if (!m) return NULL;
  pal_module_state *st = pal_state(m);
  st->error_type = PyErr_NewExceptionWithDoc(
      "pal.PalError",
      "A libpal kernel rejected its arguments. .status is the code name (e.g. 'PAL_E_PAGE_ID'),\n"
      ".code its number; the message names the argument and value at fault.",
      PyExc_ValueError, NULL);
  if (!st->error_type) goto fail;
  Py_INCREF(st->error_type);
  if (PyModule_AddObject(m, "PalError", st->error_type) < 0) {
    Py_DECREF(st->error_type);
    goto fail;
  }
  if (pycontext_init(m) < 0) goto fail;
  /* pal.__version__: the version this module was built as (pal/version.h,
   * from CMake's project(VERSION)); library_version() is the libpal linked */
  if (PyModule_AddStringConstant(m, "__version__", PAL_VERSION_STRING) < 0) goto fail;
  return m;
fail:
  Py_DECREF(m);
  return NULL;
}
