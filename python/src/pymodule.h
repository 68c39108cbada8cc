/* pymodule.h - state of the pal._pal module, shared by its source files.
 *
 * Everything mutable lives in the module state (PEP 3121), never in C
 * globals: the exception type, the Context type and the default context
 * that kernels use when a call passes no `context=`. */
#ifndef PAL_PY_MODULE_H
#define PAL_PY_MODULE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <pal/pal.h>

typedef struct pal_module_state {
  PyObject *error_type;      /* pal.PalError (a ValueError) */
  PyTypeObject *context_type; /* pal.Context */
  PyObject *default_context; /* created on first use; NULL until then */
} pal_module_state;

static inline pal_module_state *pal_state(PyObject *module) {
  return (pal_module_state *)PyModule_GetState(module);
}

/* Raises the exception for a failed libpal call: MemoryError for
 * PAL_E_NOMEM, else pal.PalError with .status ("PAL_E_PAGE_ID"), .code and
 * the library's message. Returns NULL for `return pyerr_pal(...)`. */
PyObject *pyerr_pal(PyObject *module, const char *fname, pal_status status, const pal_error *err);

/* ---- pycontext.c */
int pycontext_init(PyObject *module);
/* The pal_context behind `context=` (a pal.Context), or the module's default
 * one (created on first use) when arg is NULL. NULL with an exception set. */
const pal_context *pycontext_resolve(PyObject *module, PyObject *arg, const char *fname);
PyObject *pycontext_default(PyObject *module, PyObject *unused);

/* ---- the kernels, METH_FASTCALL | METH_KEYWORDS */
PyObject *pydecode(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);
PyObject *pyprefill(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);
PyObject *pydecode_native_seconds(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                  PyObject *kw);
PyObject *pyfill_kv_pages(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                          PyObject *kw);
PyObject *pysdpa(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);

#endif
