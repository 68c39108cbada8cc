/* pyargs.c - see pyargs.h. */
#include "pyargs.h"

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
  if (!PyLong_Check(o) || PyBool_Check(o)) {
    PyErr_Format(PyExc_TypeError, "%s(): %s must be an int, not %.100s", fname, name,
                 Py_TYPE(o)->tp_name);
    return -1;
  }
  long v = PyLong_AsLong(o);
  if (v == -1 && PyErr_Occurred()) return -1;
  if (v < INT_MIN || v > INT_MAX) {
    PyErr_Format(PyExc_OverflowError, "%s(): %s=%ld does not fit a C int", fname, name, v);
    return -1;
  }
  *out = (int)v;
  return 0;
}

int pyargs_bool(const char *fname, const char *name, PyObject *o, int *out) {
  (void)fname, (void)name;
  if (!o) return 0;
  int v = PyObject_IsTrue(o);
  if (v < 0) return -1;
  *out = v;
  return 0;
}

int pyargs_float(const char *fname, const char *name, PyObject *o, float *out) {
  if (!o) return 0;
  double v = PyFloat_AsDouble(o);
  if (v == -1.0 && PyErr_Occurred()) {
    PyErr_Format(PyExc_TypeError, "%s(): %s must be a real number, not %.100s", fname, name,
                 Py_TYPE(o)->tp_name);
    return -1;
  }
  if (!isfinite(v) || fabs(v) > 3.0e38) {
    PyErr_Format(PyExc_ValueError, "%s(): %s=%R is not a finite float32 value", fname, name, o);
    return -1;
  }
  *out = (float)v;
  return 0;
}
