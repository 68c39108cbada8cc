/* pyargs.h - vectorcall argument parsing for the module's functions.
 *
 * PyArg_ParseTupleAndKeywords builds a tuple and a dict per call; the kernels
 * are called millions of times on small shapes, so the functions take
 * METH_FASTCALL | METH_KEYWORDS and match names here instead. */
#ifndef PAL_PY_ARGS_H
#define PAL_PY_ARGS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Fills values[i] (borrowed, NULL when absent; None counts as absent) for
 * names[0..count). At most `max_positional` may come by position; the first
 * `required` must be given. Returns 0, or -1 with TypeError set. */
int pyargs_parse(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                 const char *const *names, int count, int max_positional, int required,
                 PyObject **values);

/* Optional converters: leave *out untouched when `o` is NULL. Return 0 or -1
 * with an exception naming fname and argument: TypeError for a wrong type,
 * ValueError for a value out of range (never OverflowError). A float that
 * rounds to 0 in float32 but is not 0 is refused (0 means "off"/"default"). */
int pyargs_int(const char *fname, const char *name, PyObject *o, int *out);
int pyargs_bool(const char *fname, const char *name, PyObject *o, int *out);
int pyargs_float(const char *fname, const char *name, PyObject *o, float *out);
/* The softmax scale: NULL (None) leaves *out at 0, libpal's default
 * 1/sqrt(head_dim); a given value must be finite and non-zero (libpal reads
 * 0 as "default", so scale=0.0 would silently not be used as given). */
int pyargs_scale(const char *fname, PyObject *o, float *out);

#endif
