/* pycontext.c - pal.Context: a libpal context (kernel level + threads) owned
 * by a Python object, and the module's lazily created default context. */
#include "pymodule.h"

#include <string.h>

typedef struct {
  PyObject_HEAD pal_context *ctx;
} ContextObject;

static int isa_from_name(PyObject *o, pal_isa *out) {
  if (!o) {
    *out = PAL_ISA_AUTO;
    return 0;
  }
  if (!PyUnicode_Check(o)) {
    PyErr_Format(PyExc_TypeError, "pal.Context(): isa must be a str, not %.100s",
                 Py_TYPE(o)->tp_name);
    return -1;
  }
  for (int i = 0; i < PAL_ISA_COUNT; i++) {
    if (PyUnicode_CompareWithASCIIString(o, pal_isa_name((pal_isa)i)) == 0) {
      *out = (pal_isa)i;
      return 0;
    }
  }
  PyErr_Format(PyExc_ValueError,
               "pal.Context(): unknown isa %R; known: 'auto', 'scalar', 'avx2', 'avx512', 'amx'",
               o);
  return -1;
}

static PyObject *context_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
  static char *kwlist[] = {"isa", "num_threads", NULL};
  PyObject *isa_obj = NULL;
  int threads = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|Oi:Context", kwlist, &isa_obj, &threads))
    return NULL;
  pal_context_options opt = {PAL_ISA_AUTO, threads};
  if (isa_obj == Py_None) isa_obj = NULL;
  if (isa_from_name(isa_obj, &opt.isa) < 0) return NULL;
  pal_context *ctx = NULL;
  pal_error err;
  pal_status st = pal_context_create(&opt, &ctx, &err);
  if (st != PAL_OK) {
    PyObject *module = PyType_GetModule(type);
    if (!module) return NULL;
    return pyerr_pal(module, "pal.Context", st, &err);
  }
  ContextObject *self = (ContextObject *)type->tp_alloc(type, 0);
  if (!self) {
    pal_context_destroy(ctx);
    return NULL;
  }
  self->ctx = ctx;
  return (PyObject *)self;
}

static void context_dealloc(PyObject *o) {
  PyTypeObject *type = Py_TYPE(o);
  pal_context_destroy(((ContextObject *)o)->ctx);
  type->tp_free(o);
  Py_DECREF(type); /* heap type */
}

static PyObject *context_isa(PyObject *o, void *closure) {
  (void)closure;
  return PyUnicode_FromString(pal_isa_name(pal_context_isa(((ContextObject *)o)->ctx)));
}

static PyObject *context_threads(PyObject *o, void *closure) {
  (void)closure;
  return PyLong_FromLong(pal_context_num_threads(((ContextObject *)o)->ctx));
}

static PyObject *context_repr(PyObject *o) {
  const pal_context *c = ((ContextObject *)o)->ctx;
  return PyUnicode_FromFormat("pal.Context(isa='%s', num_threads=%d)",
                              pal_isa_name(pal_context_isa(c)), pal_context_num_threads(c));
}

static PyGetSetDef context_getset[] = {
    {"isa", context_isa, NULL, "the kernel level this context runs ('scalar', 'avx2', ...)", NULL},
    {"num_threads", context_threads, NULL,
     "threads the kernels use when a call passes num_threads=0", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyType_Slot context_slots[] = {
    {Py_tp_new, context_new},
    {Py_tp_dealloc, context_dealloc},
    {Py_tp_repr, context_repr},
    {Py_tp_getset, context_getset},
    {Py_tp_doc,
     "Context(isa='auto', num_threads=0)\n\n"
     "The CPU kernel level and default thread count for pal's kernels. isa='auto' uses the\n"
     "PAL_ISA environment variable when set, else the best level this CPU and OS support;\n"
     "a level this machine cannot run raises pal.PalError (no silent downgrade).\n"
     "num_threads=0 means OpenMP's default (OMP_NUM_THREADS, else all cores)."},
    {0, NULL}};

static PyType_Spec context_spec = {"pal._pal.Context", sizeof(ContextObject), 0,
                                   Py_TPFLAGS_DEFAULT, context_slots};

int pycontext_init(PyObject *module) {
  PyObject *type = PyType_FromModuleAndSpec(module, &context_spec, NULL);
  if (!type) return -1;
  pal_state(module)->context_type = (PyTypeObject *)type;
  Py_INCREF(type);
  if (PyModule_AddObject(module, "Context", type) < 0) {
    Py_DECREF(type);
    return -1;
  }
  return 0;
}

PyObject *pycontext_default(PyObject *module, PyObject *unused) {
  (void)unused;
  pal_module_state *st = pal_state(module);
  if (!st->default_context) {
    PyObject *noargs = PyTuple_New(0);
    if (!noargs) return NULL;
    st->default_context = context_new(st->context_type, noargs, NULL);
    Py_DECREF(noargs);
    if (!st->default_context) return NULL;
  }
  Py_INCREF(st->default_context);
  return st->default_context;
}

const pal_context *pycontext_resolve(PyObject *module, PyObject *arg, const char *fname) {
  pal_module_state *st = pal_state(module);
  if (!arg) {
    if (!st->default_context) {
      PyObject *c = pycontext_default(module, NULL);
      if (!c) return NULL;
      Py_DECREF(c); /* the module state keeps its own reference */
    }
    return ((ContextObject *)st->default_context)->ctx;
  }
  if (!PyObject_TypeCheck(arg, st->context_type)) {
    PyErr_Format(PyExc_TypeError, "%s(): context must be a pal.Context, not %.100s", fname,
                 Py_TYPE(arg)->tp_name);
    return NULL;
  }
  return ((ContextObject *)arg)->ctx;
}
