/* pysdpa.c - pal.sdpa: the dense attention baseline over contiguous arrays. */
#include "pyargs.h"
#include "pyarrays.h"
#include "pymodule.h"

enum { A_Q, A_K, A_V, A_CAUSAL, A_SCALE, A_OUT, A_LSE, A_RETURN_LSE, A_NUM_THREADS, A_CONTEXT,
       A_COUNT };
static const char *const sdpa_names[A_COUNT] = {"q",   "k",   "v",          "causal",
                                                "scale", "out", "lse", "return_lse",
                                                "num_threads", "context"};

PyObject *pysdpa(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kw) {
  static const char fname[] = "sdpa";
  PyObject *v[A_COUNT];
  if (pyargs_parse(fname, args, nargs, kw, sdpa_names, A_COUNT, 3, 3, v) < 0) return NULL;
  PyArrayObject *q, *k, *vv;
  pal_dtype dt;
  pal_sdpa_shape shape = {0};
  pal_attention_options opts = {0};
  int threads = 0, return_lse = 0;
  const char *kv_doc = "[batch, num_kv_heads, kv_len, head_dim]";
  if (pyarr_get(fname, "q", v[A_Q], 4, "[batch, num_q_heads, q_len, head_dim]", PYARR_CONTIG,
                &q) < 0 ||
      pyarr_get(fname, "k", v[A_K], 4, kv_doc, PYARR_CONTIG, &k) < 0 ||
      pyarr_get(fname, "v", v[A_V], 4, kv_doc, PYARR_CONTIG, &vv) < 0 ||
      pyarr_float_dtype(fname, "q", q, &dt) < 0 || pyarr_same_dtype(fname, "q", q, "k", k) < 0 ||
      pyarr_same_dtype(fname, "q", q, "v", vv) < 0 ||
      pyarr_dim(fname, "k", k, 0, PyArray_DIM(q, 0), "batch = q.shape[0]") < 0 ||
      pyarr_dim(fname, "k", k, 3, PyArray_DIM(q, 3), "head_dim = q.shape[3]") < 0 ||
      pyargs_bool(fname, "causal", v[A_CAUSAL], &shape.causal) < 0 ||
      pyargs_scale(fname, v[A_SCALE], &opts.scale) < 0 ||
      pyargs_int(fname, "num_threads", v[A_NUM_THREADS], &threads) < 0 ||
      pyargs_bool(fname, "return_lse", v[A_RETURN_LSE], &return_lse) < 0)
    return NULL;
  for (int i = 0; i < 4; i++)
    if (pyarr_dim(fname, "v", vv, i, PyArray_DIM(k, i), "the shape of k") < 0) return NULL;
  opts.num_threads = threads;
  if (pyarr_dim32(fname, "q", q, 0, &shape.batch) < 0 ||
      pyarr_dim32(fname, "q", q, 1, &shape.num_q_heads) < 0 ||
      pyarr_dim32(fname, "q", q, 2, &shape.q_len) < 0 ||
      pyarr_dim32(fname, "q", q, 3, &shape.head_dim) < 0 ||
      pyarr_dim32(fname, "k", k, 1, &shape.num_kv_heads) < 0 ||
      pyarr_dim32(fname, "k", k, 2, &shape.kv_len) < 0)
    return NULL;
  const pal_context *ctx = pycontext_resolve(module, v[A_CONTEXT], fname);
  if (!ctx) return NULL;

  PyArrayObject *out = NULL, *lse = NULL;
  if (v[A_OUT]) {
    if (pyarr_get(fname, "out", v[A_OUT], 4, "[batch, num_q_heads, q_len, head_dim] like q",
                  PYARR_CONTIG | PYARR_WRITE, &out) < 0 ||
        pyarr_same_dtype(fname, "q", q, "out", out) < 0)
      return NULL;
    for (int i = 0; i < 4; i++)
      if (pyarr_dim(fname, "out", out, i, PyArray_DIM(q, i), "the shape of q") < 0) return NULL;
    Py_INCREF(out);
  } else if (!(out = (PyArrayObject *)PyArray_NewLikeArray(q, NPY_CORDER, NULL, 0))) {
    return NULL;
  }
  if (v[A_LSE]) {
    if (pyarr_get(fname, "lse", v[A_LSE], 3, "[batch, num_q_heads, q_len] float32",
                  PYARR_CONTIG | PYARR_WRITE, &lse) < 0 ||
        pyarr_exact_dtype(fname, "lse", lse, NPY_FLOAT32) < 0 ||
        pyarr_dim(fname, "lse", lse, 0, shape.batch, "batch") < 0 ||
        pyarr_dim(fname, "lse", lse, 1, shape.num_q_heads, "num_q_heads") < 0 ||
        pyarr_dim(fname, "lse", lse, 2, shape.q_len, "q_len") < 0) {
      Py_DECREF(out);
      return NULL;
    }
    Py_INCREF(lse);
    return_lse = 1;
  } else if (return_lse) {
    npy_intp dims[3] = {shape.batch, shape.num_q_heads, shape.q_len};
    if (!(lse = (PyArrayObject *)PyArray_SimpleNew(3, dims, NPY_FLOAT32))) {
      Py_DECREF(out);
      return NULL;
    }
  }
  opts.lse = lse ? PyArray_DATA(lse) : NULL;
  pal_error err;
  pal_status st;
  Py_BEGIN_ALLOW_THREADS
  st = pal_sdpa(ctx, PyArray_DATA(q), PyArray_DATA(k), PyArray_DATA(vv), PyArray_DATA(out), dt,
                &shape, &opts, &err);
  Py_END_ALLOW_THREADS
  if (st != PAL_OK) {
    Py_DECREF(out);
    Py_XDECREF(lse);
    return pyerr_pal(module, fname, st, &err);
  }
  if (!return_lse) return (PyObject *)out;
  PyObject *res = PyTuple_Pack(2, (PyObject *)out, (PyObject *)lse);
  Py_DECREF(out);
  Py_DECREF(lse);
  return res;
}
