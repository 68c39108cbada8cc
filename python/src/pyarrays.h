/* pyarrays.h - checks that turn NumPy arrays into libpal arguments without
 * copying them. Every failure raises TypeError/ValueError naming the
 * function, the argument, what was expected and what was given, and (where
 * the user can fix it with a copy) the explicit call that would do it. */
#ifndef PAL_PY_ARRAYS_H
#define PAL_PY_ARRAYS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#ifndef PAL_PY_NUMPY_IMPORT
#define NO_IMPORT_ARRAY
#endif
#define PY_ARRAY_UNIQUE_SYMBOL pal_py_ARRAY_API
#include <numpy/arrayobject.h>

#include <pal/pal.h>

enum {
  PYARR_CONTIG = 1, /* C-contiguous (every dimension) */
  PYARR_WRITE = 2   /* the call writes into it */
};

/* `o` must be an aligned, native-byte-order numpy.ndarray with `ndim`
 * dimensions (shape_doc, e.g. "[num_seqs, num_q_heads, head_dim]", goes into
 * the message), plus what `flags` asks for. *out is borrowed. */
int pyarr_get(const char *fname, const char *name, PyObject *o, int ndim, const char *shape_doc,
              unsigned flags, PyArrayObject **out);

/* float32 -> PAL_F32, float16 -> PAL_F16, bfloat16 as uint16 bit patterns or
 * ml_dtypes.bfloat16 -> PAL_BF16; anything else is a TypeError. */
int pyarr_float_dtype(const char *fname, const char *name, PyArrayObject *a, pal_dtype *dt);
/* The array's dtype must be exactly `type_num` (NPY_INT32, NPY_INT64, NPY_FLOAT32). */
int pyarr_exact_dtype(const char *fname, const char *name, PyArrayObject *a, int type_num);
/* `b` must have the same numpy dtype as `a` (what libpal reads as one dtype). */
int pyarr_same_dtype(const char *fname, const char *a_name, PyArrayObject *a, const char *b_name,
                     PyArrayObject *b);
/* a.shape[axis] == expected, where `expected` came from `source` (a phrase). */
int pyarr_dim(const char *fname, const char *name, PyArrayObject *a, int axis, npy_intp expected,
              const char *source);
/* A dimension as an int32 count for libpal. */
int pyarr_dim32(const char *fname, const char *name, PyArrayObject *a, int axis, int32_t *out);

/* K/V page pools: two 4-D arrays of the same dtype, shape and strides, with
 * contiguous head_dim. `layout` is "hnd" ([pages, kv_heads, page_size, D])
 * or "nhd" ([pages, page_size, kv_heads, D]); other strides (a slice of a
 * combined [pages, 2, ...] cache, say) pass through without a copy. A pool
 * with no element skips the stride checks (its strides go to libpal as 0):
 * libpal judges its sizes. Overlaps are libpal's to check (PAL_E_ALIAS). */
int pyarr_kv_pool(const char *fname, PyObject *k, PyObject *v, PyObject *layout, unsigned flags,
                  pal_kv_pool *pool, PyArrayObject **ka, PyArrayObject **va);

#endif
