/* pyargs.c - see pyargs.h. */
#include "pyargs.h"

#include <float.h>
#include <limits.h>
#include <math.h>

int pyargs_parse(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                 const char *const *names, int count, int max_positional, int required,
                 PyObject **values) {
  for (int i = 0; i < count; i++) values[i] = NULL;
  if (nargs > max_positional) {
    PyErr_Format(PyExc_TypeError, "%s() takes at most %d positional arguments (%zd given)",
                 fname, max_positional, nargs);
    return -1;
  }
  for (Py_ssize_t i = 0; i < nargs; i++) values[i] = args[i];
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t k = 0; k < nkw; k++) {
    PyObject *key = PyTuple_GET_ITEM(kwnames, k);
    int found = -1;
    for (int i = 0; i < count; i++) {
      if (PyUnicode_CompareWithASCIIString(key, names[i]) == 0) {
        found = i;
        break;
      }
    }
    if (found < 0) {
      PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fname, key);
      return -1;
    }
    if (found < nargs) {
      PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", fname,
                   names[found]);
      return -1;
    }
    values[found] = args[nargs + k];
  }
  for (int i = 0; i < count; i++) {
    if (values[i] == Py_None) values[i] = NULL;
    if (i < required && !values[i]) {
      PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", fname, names[i]);
      return -1;
    }
  }
  return 0;
}

int pyargs_int(const char *fname, const char *name, PyObject *o, int *out) {
  if (!o) return 0;
  /* an int, or an integer like numpy.int64 (__index__); never a bool or a float */
  PyObject *n = PyBool_Check(o) ? NULL : PyNumber_Index(o);
  if (!n) {
    if (PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_TypeError)) return -1;
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError, "%s(): %s must be an int, not %.100s", fname, name,
                 Py_TYPE(o)->tp_name);
    return -1;
  }
  int overflow = 0;
  long v = PyLong_AsLongAndOverflow(n, &overflow);
  Py_DECREF(n);
  if (v == -1 && PyErr_Occurred()) return -1;
  /* no %R of the value: a huge int may exceed Python's int-to-str digit limit */
  if (overflow) {
    PyErr_Format(PyExc_ValueError, "%s(): %s is out of range: a %s int beyond a C long; it "
                 "must be in [%d, %d]", fname, name, overflow < 0 ? "negative" : "positive",
                 INT_MIN, INT_MAX);
    return -1;
  }
  if (v < INT_MIN || v > INT_MAX) {
    PyErr_Format(PyExc_ValueError, "%s(): %s=%ld is out of range: it must be in [%d, %d]",
                 fname, name, v, INT_MIN, INT_MAX);
    return -1;
  }
  *out = (int)v;
  return 0;
}

int pyargs_bool(const char *fname, const char *name, PyObject *o, int *out) {
  if (!o) return 0;
  int v = PyObject_IsTrue(o);
  if (v < 0) { /* an array of several values, say: say which argument */
    if (!PyErr_ExceptionMatches(PyExc_TypeError) && !PyErr_ExceptionMatches(PyExc_ValueError))
      return -1;
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError, "%s(): %s must be true or false, not a %.100s without one "
                 "truth value", fname, name, Py_TYPE(o)->tp_name);
    return -1;
  }
  *out = v;
  return 0;
}

int pyargs_float(const char *fname, const char *name, PyObject *o, float *out) {
  if (!o) return 0;
  double v = PyFloat_AsDouble(o);
  if (v == -1.0 && PyErr_Occurred()) {
    if (PyErr_ExceptionMatches(PyExc_OverflowError)) { /* an int beyond a double */
      PyErr_Clear();
      PyErr_Format(PyExc_ValueError, "%s(): %s is not a finite float32 value (too large)",
                   fname, name);
      return -1;
    }
    if (!PyErr_ExceptionMatches(PyExc_TypeError)) return -1;
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError, "%s(): %s must be a real number, not %.100s", fname, name,
                 Py_TYPE(o)->tp_name);
    return -1;
  }
  if (!isfinite(v) || fabs(v) > FLT_MAX) {
    PyErr_Format(PyExc_ValueError, "%s(): %s=%R is not a finite float32 value", fname, name, o);
    return -1;
  }
  const float f = (float)v;
  if (f == 0.0f && v != 0.0) {
    PyErr_Format(PyExc_ValueError,
                 "%s(): %s=%R rounds to 0 in float32 (smallest magnitude about 1.4e-45), "
                 "which libpal would read as a different setting",
                 fname, name, o);
    return -1;
  }
  *out = f;
  return 0;
}

int pyargs_scale(const char *fname, PyObject *o, float *out) {
  if (!o) return 0; /* None: libpal's default 1/sqrt(head_dim) */
  float s = 0.0f;
  if (pyargs_float(fname, "scale", o, &s) < 0) return -1;
  if (s == 0.0f) {
    PyErr_Format(PyExc_ValueError,
                 "%s(): scale=%R: libpal reserves a scale of 0 for its default; pass "
                 "scale=None for 1/sqrt(head_dim)",
                 fname, o);
    return -1;
  }
  *out = s;
  return 0;
}
