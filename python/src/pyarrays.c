/* pyarrays.c - see pyarrays.h. */
#include "pyarrays.h"

#include <stdio.h>
#include <string.h>

/* "(3, 8, 128)" into buf. */
static const char *shape_str(PyArrayObject *a, char *buf, size_t size) {
  size_t n = 0;
  const int nd = PyArray_NDIM(a);
  n += (size_t)snprintf(buf + n, size - n, "(");
  for (int i = 0; i < nd && n < size; i++)
    n += (size_t)snprintf(buf + n, size - n, "%s%lld", i ? ", " : "",
                          (long long)PyArray_DIM(a, i));
  if (n < size) snprintf(buf + n, size - n, nd == 1 ? ",)" : ")");
  return buf;
}

static const char *strides_str(PyArrayObject *a, char *buf, size_t size) {
  size_t n = 0;
  const int nd = PyArray_NDIM(a);
  n += (size_t)snprintf(buf + n, size - n, "(");
  for (int i = 0; i < nd && n < size; i++)
    n += (size_t)snprintf(buf + n, size - n, "%s%lld", i ? ", " : "",
                          (long long)PyArray_STRIDE(a, i));
  if (n < size) snprintf(buf + n, size - n, nd == 1 ? ",)" : ")");
  return buf;
}

int pyarr_get(const char *fname, const char *name, PyObject *o, int ndim, const char *shape_doc,
              unsigned flags, PyArrayObject **out) {
  char sbuf[160], tbuf[160];
  if (!o) {
    PyErr_Format(PyExc_TypeError, "%s(): %s is required", fname, name);
    return -1;
  }
  if (!PyArray_Check(o)) {
    PyErr_Format(PyExc_TypeError,
                 "%s(): %s must be a numpy.ndarray %s, not %.100s (pal never converts inputs "
                 "implicitly; use numpy.asarray(..., dtype=...) to make one)",
                 fname, name, shape_doc, Py_TYPE(o)->tp_name);
    return -1;
  }
  PyArrayObject *a = (PyArrayObject *)o;
  if (PyArray_NDIM(a) != ndim) {
    PyErr_Format(PyExc_ValueError, "%s(): %s must have %d dimensions %s, got shape %s", fname,
                 name, ndim, shape_doc, shape_str(a, sbuf, sizeof sbuf));
    return -1;
  }
  if (PyArray_ISBYTESWAPPED(a)) {
    PyErr_Format(PyExc_TypeError,
                 "%s(): %s is not in native byte order; convert it explicitly with "
                 "%s.astype(%s.dtype.newbyteorder('='))",
                 fname, name, name, name);
    return -1;
  }
  if (!PyArray_ISALIGNED(a)) {
    PyErr_Format(PyExc_ValueError,
                 "%s(): %s is not aligned to its element size; copy it explicitly with "
                 "numpy.ascontiguousarray(%s)",
                 fname, name, name);
    return -1;
  }
  if ((flags & PYARR_CONTIG) && !PyArray_IS_C_CONTIGUOUS(a)) {
    PyErr_Format(PyExc_ValueError,
                 "%s(): %s must be C-contiguous %s (shape %s has strides %s); pal does not copy "
                 "silently: pass numpy.ascontiguousarray(%s) to copy it explicitly",
                 fname, name, shape_doc, shape_str(a, sbuf, sizeof sbuf),
                 strides_str(a, tbuf, sizeof tbuf), name);
    return -1;
  }
  if ((flags & PYARR_WRITE) && !PyArray_ISWRITEABLE(a)) {
    PyErr_Format(PyExc_ValueError, "%s(): %s is read-only but this call writes into it", fname,
                 name);
    return -1;
  }
  *out = a;
  return 0;
}

static int is_ml_bfloat16(PyArrayObject *a) {
  PyArray_Descr *d = PyArray_DESCR(a);
  if (d->type_num < NPY_USERDEF || PyArray_ITEMSIZE(a) != 2) return 0;
  const char *n = d->typeobj->tp_name;
  const size_t len = strlen(n);
  return len >= 8 && strcmp(n + len - 8, "bfloat16") == 0;
}

static PyObject *dtype_name(PyArrayObject *a) {
  return PyObject_Str((PyObject *)PyArray_DESCR(a));
}

int pyarr_float_dtype(const char *fname, const char *name, PyArrayObject *a, pal_dtype *dt) {
  switch (PyArray_TYPE(a)) {
  case NPY_FLOAT32: *dt = PAL_F32; return 0;
  case NPY_FLOAT16: *dt = PAL_F16; return 0;
  case NPY_UINT16: *dt = PAL_BF16; return 0;
  default: break;
  }
  if (is_ml_bfloat16(a)) {
    *dt = PAL_BF16;
    return 0;
  }
  PyObject *dn = dtype_name(a);
  if (!dn) return -1;
  PyErr_Format(PyExc_TypeError,
               "%s(): %s has dtype %U; supported: float32, float16, and bfloat16 (as uint16 bit "
               "patterns, see pal.to_bf16, or ml_dtypes.bfloat16). Convert explicitly, e.g. "
               "%s.astype(numpy.float32)",
               fname, name, dn, name);
  Py_DECREF(dn);
  return -1;
}

int pyarr_exact_dtype(const char *fname, const char *name, PyArrayObject *a, int type_num) {
  if (PyArray_TYPE(a) == type_num) return 0;
  PyArray_Descr *want = PyArray_DescrFromType(type_num);
  if (!want) return -1;
  PyObject *wn = PyObject_Str((PyObject *)want);
  PyObject *dn = dtype_name(a);
  Py_DECREF(want);
  if (wn && dn)
    PyErr_Format(PyExc_TypeError,
                 "%s(): %s must have dtype %U, got %U; convert explicitly with %s.astype(numpy.%U)",
                 fname, name, wn, dn, name, wn);
  Py_XDECREF(wn);
  Py_XDECREF(dn);
  return -1;
}

int pyarr_same_dtype(const char *fname, const char *a_name, PyArrayObject *a, const char *b_name,
                     PyArrayObject *b) {
  if (PyArray_EquivTypes(PyArray_DESCR(a), PyArray_DESCR(b))) return 0;
  PyObject *an = dtype_name(a), *bn = dtype_name(b);
  if (an && bn)
    PyErr_Format(PyExc_TypeError, "%s(): %s has dtype %U but %s has dtype %U; they must match",
                 fname, b_name, bn, a_name, an);
  Py_XDECREF(an);
  Py_XDECREF(bn);
  return -1;
}

int pyarr_dim(const char *fname, const char *name, PyArrayObject *a, int axis, npy_intp expected,
              const char *source) {
  if (PyArray_DIM(a, axis) == expected) return 0;
  char sbuf[160];
  PyErr_Format(PyExc_ValueError, "%s(): %s.shape[%d] is %lld but must be %lld (%s); %s has shape %s",
               fname, name, axis, (long long)PyArray_DIM(a, axis), (long long)expected, source,
               name, shape_str(a, sbuf, sizeof sbuf));
  return -1;
}

int pyarr_dim32(const char *fname, const char *name, PyArrayObject *a, int axis, int32_t *out) {
  const npy_intp n = PyArray_DIM(a, axis);
  if (n > INT32_MAX) {
    PyErr_Format(PyExc_ValueError, "%s(): %s.shape[%d] = %lld exceeds libpal's int32 limit",
                 fname, name, axis, (long long)n);
    return -1;
  }
  *out = (int32_t)n;
  return 0;
}

int pyarr_kv_pool(const char *fname, PyObject *k, PyObject *v, PyObject *layout, unsigned flags,
                  pal_kv_pool *pool, PyArrayObject **ka, PyArrayObject **va) {
  int nhd = 0;
  if (layout) {
    if (PyUnicode_Check(layout) && PyUnicode_CompareWithASCIIString(layout, "hnd") == 0) nhd = 0;
    else if (PyUnicode_Check(layout) && PyUnicode_CompareWithASCIIString(layout, "nhd") == 0)
      nhd = 1;
    else {
      PyErr_Format(PyExc_ValueError,
                   "%s(): layout must be 'hnd' ([pages, kv_heads, page_size, head_dim]) or 'nhd' "
                   "([pages, page_size, kv_heads, head_dim]), got %R",
                   fname, layout);
      return -1;
    }
  }
  const char *doc = nhd ? "[num_pages, page_size, num_kv_heads, head_dim] (layout 'nhd')"
                        : "[num_pages, num_kv_heads, page_size, head_dim] (layout 'hnd')";
  flags &= ~(unsigned)PYARR_CONTIG; /* strided pools are fine: checked below */
  if (pyarr_get(fname, "k_cache", k, 4, doc, flags, ka) < 0 ||
      pyarr_get(fname, "v_cache", v, 4, doc, flags, va) < 0)
    return -1;
  PyArrayObject *K = *ka, *V = *va;
  if (pyarr_float_dtype(fname, "k_cache", K, &pool->dtype) < 0 ||
      pyarr_same_dtype(fname, "k_cache", K, "v_cache", V) < 0)
    return -1;
  char s1[160], s2[160];
  /* A pool without elements (num_pages, page_size, num_kv_heads or head_dim
   * 0) has strides that describe nothing, and NumPy gives such arrays odd
   * ones: its strides are not checked here, libpal judges the sizes (an
   * empty cache is fine, page_size 0 is not). */
  const int empty = PyArray_SIZE(K) == 0;
  for (int i = 0; i < 4; i++) {
    if (PyArray_DIM(K, i) != PyArray_DIM(V, i) ||
        (!empty && PyArray_STRIDE(K, i) != PyArray_STRIDE(V, i))) {
      PyErr_Format(PyExc_ValueError,
                   "%s(): k_cache and v_cache must have the same shape and strides: k_cache %s "
                   "strides %s, v_cache %s strides %s",
                   fname, shape_str(K, s1, 80), strides_str(K, s1 + 80, 80),
                   shape_str(V, s2, 80), strides_str(V, s2 + 80, 80));
      return -1;
    }
  }
  const npy_intp es = PyArray_ITEMSIZE(K);
  if (!empty && PyArray_DIM(K, 3) > 1 && PyArray_STRIDE(K, 3) != es) {
    PyErr_Format(PyExc_ValueError,
                 "%s(): k_cache/v_cache need a contiguous head_dim (last stride %lld bytes, "
                 "element size %lld); copy explicitly with numpy.ascontiguousarray",
                 fname, (long long)PyArray_STRIDE(K, 3), (long long)es);
    return -1;
  }
  for (int i = 0; i < 3 && !empty; i++) {
    const npy_intp s = PyArray_STRIDE(K, i);
    if (s < 0 || s % es != 0) {
      PyErr_Format(PyExc_ValueError,
                   "%s(): k_cache/v_cache stride %d is %lld bytes: it must be a non-negative "
                   "multiple of the element size %lld (shape %s, strides %s)",
                   fname, i, (long long)s, (long long)es, shape_str(K, s1, 80),
                   strides_str(K, s1 + 80, 80));
      return -1;
    }
  }
  const int hi = nhd ? 2 : 1, ti = nhd ? 1 : 2;
  const npy_intp page_size = PyArray_DIM(K, ti), heads = PyArray_DIM(K, hi),
                 dim = PyArray_DIM(K, 3);
  if (page_size > INT32_MAX || heads > INT32_MAX || dim > INT32_MAX) {
    PyErr_Format(PyExc_ValueError, "%s(): k_cache shape %s exceeds libpal's int32 limits", fname,
                 shape_str(K, s1, sizeof s1));
    return -1;
  }
  pool->k = PyArray_DATA(K);
  pool->v = PyArray_DATA(V);
  pool->num_pages = (int64_t)PyArray_DIM(K, 0);
  pool->page_size = (int32_t)page_size;
  pool->num_kv_heads = (int32_t)heads;
  pool->head_dim = (int32_t)dim;
  /* an empty pool's strides (unchecked above) go to libpal as 0 */
  pool->stride_page = empty ? 0 : (int64_t)(PyArray_STRIDE(K, 0) / es);
  pool->stride_head = empty ? 0 : (int64_t)(PyArray_STRIDE(K, hi) / es);
  pool->stride_token = empty ? 0 : (int64_t)(PyArray_STRIDE(K, ti) / es);
  return 0;
}
