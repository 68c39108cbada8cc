/* pyfill.c - pal.fill_kv_pages: write new K/V rows into the page pools in place. */
#include "pyargs.h"
#include "pyarrays.h"
#include "pymodule.h"

enum { A_K_NEW, A_V_NEW, A_SLOTS, A_K, A_V, A_LAYOUT, A_CONTEXT, A_COUNT };
static const char *const fill_names[A_COUNT] = {"k_new",   "v_new",  "slot_mapping", "k_cache",
                                                "v_cache", "layout", "context"};

PyObject *pyfill_kv_pages(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                          PyObject *kw) {
  static const char fname[] = "fill_kv_pages";
  PyObject *v[A_COUNT];
  if (pyargs_parse(fname, args, nargs, kw, fill_names, A_COUNT, 5, 5, v) < 0) return NULL;
  PyArrayObject *kn, *vn, *slots, *ka, *va;
  pal_dtype src;
  pal_kv_pool pool;
  const char *doc = "[num_tokens, num_kv_heads, head_dim]";
  if (pyarr_kv_pool(fname, v[A_K], v[A_V], v[A_LAYOUT], PYARR_WRITE, &pool, &ka, &va) < 0 ||
      pyarr_get(fname, "k_new", v[A_K_NEW], 3, doc, PYARR_CONTIG, &kn) < 0 ||
      pyarr_get(fname, "v_new", v[A_V_NEW], 3, doc, PYARR_CONTIG, &vn) < 0 ||
      pyarr_float_dtype(fname, "k_new", kn, &src) < 0 ||
      pyarr_same_dtype(fname, "k_new", kn, "v_new", vn) < 0 ||
      pyarr_dim(fname, "k_new", kn, 1, pool.num_kv_heads, "num_kv_heads of k_cache") < 0 ||
      pyarr_dim(fname, "k_new", kn, 2, pool.head_dim, "head_dim of k_cache") < 0)
    return NULL;
  for (int i = 0; i < 3; i++)
    if (pyarr_dim(fname, "v_new", vn, i, PyArray_DIM(kn, i), "the shape of k_new") < 0)
      return NULL;
  if (pyarr_get(fname, "slot_mapping", v[A_SLOTS], 1, "[num_tokens] int64", PYARR_CONTIG,
                &slots) < 0 ||
      pyarr_exact_dtype(fname, "slot_mapping", slots, NPY_INT64) < 0 ||
      pyarr_dim(fname, "slot_mapping", slots, 0, PyArray_DIM(kn, 0),
                "num_tokens = k_new.shape[0]") < 0)
    return NULL;
  const pal_context *ctx = pycontext_resolve(module, v[A_CONTEXT], fname);
  if (!ctx) return NULL;
  pal_error err;
  pal_status st;
  Py_BEGIN_ALLOW_THREADS
  st = pal_fill_kv_pages(ctx, PyArray_DATA(kn), PyArray_DATA(vn), src,
                         (int64_t)PyArray_DIM(kn, 0), PyArray_DATA(slots), &pool, &err);
  Py_END_ALLOW_THREADS
  if (st != PAL_OK) return pyerr_pal(module, fname, st, &err);
  Py_RETURN_NONE;
}
