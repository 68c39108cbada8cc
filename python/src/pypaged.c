/* pypaged.c - pal.decode and pal.prefill: paged attention over NumPy arrays,
 * and the native timing helper that measures the binding's per-call overhead.
 *
 * Both kernels share the argument handling (pools, page table, options,
 * outputs); prefill adds qo_indptr. */
#include <time.h>

#include "pyargs.h"
#include "pyarrays.h"
#include "pymodule.h"

enum {
  A_Q, A_QO_INDPTR, A_K, A_V, A_BLOCK_TABLE, A_SEQ_LENS, A_KV_INDPTR, A_KV_INDICES,
  A_KV_LAST_PAGE_LEN, A_LAYOUT, A_SCALE, A_OUT, A_LSE, A_RETURN_LSE, A_NUM_THREADS, A_CONTEXT,
  A_WINDOW, A_SOFTCAP, A_ALIBI, A_COUNT
};
/* decode: the same names without qo_indptr (slot A_QO_INDPTR is left empty) */
static const char *const decode_names[] = {
    "q",          "k_cache", "v_cache",     "block_table", "seq_lens", "kv_indptr",
    "kv_indices", "kv_last_page_len", "layout", "scale",   "out",      "lse",
    "return_lse", "num_threads", "context", "window", "softcap", "alibi_slopes"};
static const char *const prefill_names[] = {
    "q",        "qo_indptr",  "k_cache",  "v_cache", "block_table", "seq_lens",
    "kv_indptr", "kv_indices", "kv_last_page_len", "layout", "scale", "out",
    "lse",      "return_lse", "num_threads", "context", "window", "softcap", "alibi_slopes"};
/* One validated call: borrowed inputs, owned outputs. */
typedef struct paged_call {
  int prefill;
  const pal_context *ctx;
  PyArrayObject *q;
  PyArrayObject *out, *lse; /* new references */
  const int32_t *qo_indptr;
  pal_dtype q_dtype;
  int32_t num_q_heads;
  pal_kv_pool pool;
  pal_page_table pages;
  pal_attention_options opts;
  int return_lse;
} paged_call;

static void paged_release(paged_call *c) {
  Py_CLEAR(c->out);
  Py_CLEAR(c->lse);
}

static int int32_vector(const char *fname, const char *name, PyObject *o, npy_intp len,
                        const char *source, PyArrayObject **out) {
  if (pyarr_get(fname, name, o, 1, "[n] int32", PYARR_CONTIG, out) < 0 ||
      pyarr_exact_dtype(fname, name, *out, NPY_INT32) < 0)
    return -1;
  return len < 0 ? 0 : pyarr_dim(fname, name, *out, 0, len, source);
}

/* Every entry of an indptr array must lie in [0, n]: libpal cannot know n. */
static int indptr_within(const char *fname, const char *name, PyArrayObject *indptr, npy_intp n,
                         const char *what) {
  const int32_t *ip = PyArray_DATA(indptr);
  for (npy_intp i = 0; i < PyArray_DIM(indptr, 0); i++) {
    if (ip[i] < 0 || ip[i] > n) {
      PyErr_Format(PyExc_ValueError, "%s(): %s[%lld] = %d is outside %s (length %lld)", fname,
                   name, (long long)i, (int)ip[i], what, (long long)n);
      return -1;
    }
  }
  return 0;
}

static int page_table(const char *fname, PyObject **v, int32_t num_seqs, const char *seqs_src,
                      pal_page_table *pt) {
  const int block = v[A_BLOCK_TABLE] || v[A_SEQ_LENS];
  const int csr = v[A_KV_INDPTR] || v[A_KV_INDICES] || v[A_KV_LAST_PAGE_LEN];
  if (block == csr || (block && !(v[A_BLOCK_TABLE] && v[A_SEQ_LENS])) ||
      (csr && !(v[A_KV_INDPTR] && v[A_KV_INDICES] && v[A_KV_LAST_PAGE_LEN]))) {
    PyErr_Format(PyExc_TypeError,
                 "%s(): give the page table in exactly one form: block_table and seq_lens "
                 "(vLLM), or kv_indptr, kv_indices and kv_last_page_len (FlashInfer CSR)",
                 fname);
    return -1;
  }
  if (block) {
    PyArrayObject *bt, *sl;
    int32_t max_pages;
    if (pyarr_get(fname, "block_table", v[A_BLOCK_TABLE], 2,
                  "[num_seqs, max_pages_per_seq] int32", PYARR_CONTIG, &bt) < 0 ||
        pyarr_exact_dtype(fname, "block_table", bt, NPY_INT32) < 0 ||
        pyarr_dim(fname, "block_table", bt, 0, num_seqs, seqs_src) < 0 ||
        int32_vector(fname, "seq_lens", v[A_SEQ_LENS], num_seqs, seqs_src, &sl) < 0 ||
        pyarr_dim32(fname, "block_table", bt, 1, &max_pages) < 0)
      return -1;
    *pt = pal_page_table_block(num_seqs, PyArray_DATA(bt), max_pages, PyArray_DATA(sl));
    return 0;
  }
  PyArrayObject *indptr, *indices, *last;
  if (int32_vector(fname, "kv_indptr", v[A_KV_INDPTR], (npy_intp)num_seqs + 1,
                   "num_seqs + 1", &indptr) < 0 ||
      int32_vector(fname, "kv_indices", v[A_KV_INDICES], -1, NULL, &indices) < 0 ||
      int32_vector(fname, "kv_last_page_len", v[A_KV_LAST_PAGE_LEN], num_seqs, seqs_src,
                   &last) < 0 ||
      indptr_within(fname, "kv_indptr", indptr, PyArray_DIM(indices, 0), "kv_indices") < 0)
    return -1;
  *pt = pal_page_table_csr(num_seqs, PyArray_DATA(indptr), PyArray_DATA(indices),
                           PyArray_DATA(last));
  return 0;
}

static int extra_options(const char *fname, PyObject **v, int32_t num_q_heads,
                         pal_attention_options *o) {
  int window = 0;
  if (pyargs_int(fname, "window", v[A_WINDOW], &window) < 0 ||
      pyargs_float(fname, "softcap", v[A_SOFTCAP], &o->softcap) < 0)
    return -1;
  o->window = window;
  if (v[A_ALIBI]) {
    PyArrayObject *a;
    if (pyarr_get(fname, "alibi_slopes", v[A_ALIBI], 1, "[num_q_heads] float32", PYARR_CONTIG,
                  &a) < 0 ||
        pyarr_exact_dtype(fname, "alibi_slopes", a, NPY_FLOAT32) < 0 ||
        pyarr_dim(fname, "alibi_slopes", a, 0, num_q_heads, "num_q_heads = q.shape[1]") < 0)
      return -1;
    o->alibi_slopes = PyArray_DATA(a);
  }
  return 0;
}

static int paged_prepare(PyObject *module, const char *fname, int prefill, PyObject *const *args,
                         Py_ssize_t nargs, PyObject *kw, paged_call *c) {
  PyObject *v[A_COUNT];
  c->prefill = prefill;
  if (prefill) {
    if (pyargs_parse(fname, args, nargs, kw, prefill_names, A_COUNT, 6, 4, v) < 0) return -1;
  } else {
    /* parse into v[] skipping the qo_indptr slot */
    PyObject *d[A_COUNT];
    if (pyargs_parse(fname, args, nargs, kw, decode_names, A_COUNT - 1, 5, 3, d) < 0) return -1;
    v[A_Q] = d[0];
    v[A_QO_INDPTR] = NULL;
    for (int i = A_K; i < A_COUNT; i++) v[i] = d[i - 1];
  }
  const char *q_doc = prefill ? "[total_q_tokens, num_q_heads, head_dim]"
                              : "[num_seqs, num_q_heads, head_dim]";
  PyArrayObject *ka, *va;
  int threads = 0;
  if (pyarr_get(fname, "q", v[A_Q], 3, q_doc, PYARR_CONTIG, &c->q) < 0 ||
      pyarr_float_dtype(fname, "q", c->q, &c->q_dtype) < 0 ||
      pyarr_kv_pool(fname, v[A_K], v[A_V], v[A_LAYOUT], 0, &c->pool, &ka, &va) < 0 ||
      pyarr_dim(fname, "q", c->q, 2, c->pool.head_dim, "head_dim of k_cache") < 0 ||
      pyargs_scale(fname, v[A_SCALE], &c->opts.scale) < 0 ||
      pyargs_int(fname, "num_threads", v[A_NUM_THREADS], &threads) < 0 ||
      pyargs_bool(fname, "return_lse", v[A_RETURN_LSE], &c->return_lse) < 0 ||
      pyarr_dim32(fname, "q", c->q, 1, &c->num_q_heads) < 0)
    return -1;
  c->opts.num_threads = threads;
  if (extra_options(fname, v, c->num_q_heads, &c->opts) < 0) return -1;
  int32_t num_seqs, rows;
  if (pyarr_dim32(fname, "q", c->q, 0, &rows) < 0) return -1;
  if (prefill) {
    PyArrayObject *qo;
    if (pyarr_get(fname, "qo_indptr", v[A_QO_INDPTR], 1, "[num_seqs + 1] int32", PYARR_CONTIG,
                  &qo) < 0 ||
        pyarr_exact_dtype(fname, "qo_indptr", qo, NPY_INT32) < 0)
      return -1;
    if (PyArray_DIM(qo, 0) < 1 || PyArray_DIM(qo, 0) - 1 > INT32_MAX) {
      PyErr_Format(PyExc_ValueError, "%s(): qo_indptr needs num_seqs + 1 >= 1 entries, got %lld",
                   fname, (long long)PyArray_DIM(qo, 0));
      return -1;
    }
    num_seqs = (int32_t)(PyArray_DIM(qo, 0) - 1);
    c->qo_indptr = PyArray_DATA(qo);
    if (indptr_within(fname, "qo_indptr", qo, rows, "q's rows") < 0) return -1;
    if (c->qo_indptr[num_seqs] != rows) {
      PyErr_Format(PyExc_ValueError,
                   "%s(): qo_indptr[-1] = %d must equal the number of query rows q.shape[0] = %d",
                   fname, (int)c->qo_indptr[num_seqs], (int)rows);
      return -1;
    }
  } else {
    num_seqs = rows;
  }
  if (page_table(fname, v, num_seqs, prefill ? "num_seqs = len(qo_indptr) - 1"
                                              : "num_seqs = q.shape[0]", &c->pages) < 0)
    return -1;
  if (!(c->ctx = pycontext_resolve(module, v[A_CONTEXT], fname))) return -1;

  if (v[A_OUT]) {
    PyArrayObject *o;
    if (pyarr_get(fname, "out", v[A_OUT], 3, "like q", PYARR_CONTIG | PYARR_WRITE, &o) < 0 ||
        pyarr_same_dtype(fname, "q", c->q, "out", o) < 0)
      return -1;
    for (int i = 0; i < 3; i++)
      if (pyarr_dim(fname, "out", o, i, PyArray_DIM(c->q, i), "the shape of q") < 0) return -1;
    Py_INCREF(o);
    c->out = o;
  } else if (!(c->out = (PyArrayObject *)PyArray_NewLikeArray(c->q, NPY_CORDER, NULL, 0))) {
    return -1;
  }
  if (v[A_LSE]) {
    PyArrayObject *l;
    if (pyarr_get(fname, "lse", v[A_LSE], 2, "[q.shape[0], num_q_heads] float32",
                  PYARR_CONTIG | PYARR_WRITE, &l) < 0 ||
        pyarr_exact_dtype(fname, "lse", l, NPY_FLOAT32) < 0 ||
        pyarr_dim(fname, "lse", l, 0, rows, "q.shape[0]") < 0 ||
        pyarr_dim(fname, "lse", l, 1, c->num_q_heads, "num_q_heads = q.shape[1]") < 0)
      return -1;
    Py_INCREF(l);
    c->lse = l;
    c->return_lse = 1;
  } else if (c->return_lse) {
    npy_intp dims[2] = {rows, c->num_q_heads};
    if (!(c->lse = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_FLOAT32))) return -1;
  }
  c->opts.lse = c->lse ? PyArray_DATA(c->lse) : NULL;
  return 0;
}

static pal_status paged_run(const paged_call *c, pal_error *err) {
  if (c->prefill)
    return pal_prefill(c->ctx, PyArray_DATA(c->q), PyArray_DATA(c->out), c->q_dtype,
                       c->num_q_heads, c->qo_indptr, &c->pool, &c->pages, &c->opts, err);
  return pal_decode(c->ctx, PyArray_DATA(c->q), PyArray_DATA(c->out), c->q_dtype, c->num_q_heads,
                    &c->pool, &c->pages, &c->opts, err);
}

static PyObject *paged_call_once(PyObject *module, const char *fname, int prefill,
                                 PyObject *const *args, Py_ssize_t nargs, PyObject *kw) {
  paged_call c = {0};
  if (paged_prepare(module, fname, prefill, args, nargs, kw, &c) < 0) {
    paged_release(&c);
    return NULL;
  }
  pal_error err;
  pal_status st;
  Py_BEGIN_ALLOW_THREADS
  st = paged_run(&c, &err);
  Py_END_ALLOW_THREADS
  if (st != PAL_OK) {
    paged_release(&c);
    return pyerr_pal(module, fname, st, &err);
  }
  PyObject *res;
  if (c.return_lse) {
    res = PyTuple_Pack(2, (PyObject *)c.out, (PyObject *)c.lse);
  } else {
    res = (PyObject *)c.out;
    Py_INCREF(res);
  }
  paged_release(&c);
  return res;
}

PyObject *pydecode(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kw) {
  return paged_call_once(module, "decode", 0, args, nargs, kw);
}

PyObject *pyprefill(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kw) {
  return paged_call_once(module, "prefill", 1, args, nargs, kw);
}

PyObject *pydecode_native_seconds(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                  PyObject *kw) {
  static const char fname[] = "_decode_native_seconds";
  if (nargs < 1) {
    PyErr_Format(PyExc_TypeError, "%s(iterations, *decode_args, **decode_kwargs)", fname);
    return NULL;
  }
  int iterations = 0;
  if (pyargs_int(fname, "iterations", args[0], &iterations) < 0) return NULL;
  if (iterations < 1) {
    PyErr_Format(PyExc_ValueError, "%s(): iterations must be >= 1", fname);
    return NULL;
  }
  paged_call c = {0};
  if (paged_prepare(module, fname, 0, args + 1, nargs - 1, kw, &c) < 0) {
    paged_release(&c);
    return NULL;
  }
  pal_error err;
  pal_status st = PAL_OK;
  struct timespec t0, t1;
  Py_BEGIN_ALLOW_THREADS
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < iterations && st == PAL_OK; i++) st = paged_run(&c, &err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  Py_END_ALLOW_THREADS
  paged_release(&c);
  if (st != PAL_OK) return pyerr_pal(module, fname, st, &err);
  const double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  return PyFloat_FromDouble(s / iterations);
}
