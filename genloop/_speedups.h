/* What the C files of genloop._speedups share: the helpers both use, and
 * what _transports.c gives the module (its entry point and the names it
 * interns when the module is made). */

#ifndef GENLOOP_SPEEDUPS_H
#define GENLOOP_SPEEDUPS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if PY_VERSION_HEX >= 0x030D0000
/* How the interpreter looks a method up: declared in the public headers up
 * to 3.12, still exported by 3.13. */
PyAPI_FUNC(int) _PyObject_GetMethod(PyObject *obj, PyObject *name, PyObject **method);
#endif

/* The exception being raised, normalized, with its traceback; cleared. */
static inline PyObject *
fetch_exception(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    if (traceback != NULL) {
        PyException_SetTraceback(value, traceback);
        Py_DECREF(traceback);
    }
    Py_XDECREF(type);
    return value;
#endif
}

/* Raise ``exc`` again; steals the reference. */
static inline void
restore_exception(PyObject *exc)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(exc);
#else
    PyObject *type = (PyObject *)Py_TYPE(exc);
    Py_INCREF(type);
    PyErr_Restore(type, exc, PyException_GetTraceback(exc));
#endif
}

/* The exception being raised, taken to be handled, unless it must leave
 * the loop (``propagates(exc)`` is true: KeyboardInterrupt, SystemExit):
 * then it is raised again, as is an error of ``propagates`` itself, and
 * NULL returned. */
static inline PyObject *
fetch_unless_propagating(PyObject *propagates)
{
    PyObject *exc = fetch_exception();
    PyObject *verdict = PyObject_CallOneArg(propagates, exc);
    int must = verdict != NULL ? PyObject_IsTrue(verdict) : -1;
    Py_XDECREF(verdict);
    if (must == 0) {
        return exc;
    }
    if (must > 0) {
        restore_exception(exc);
    }
    else {
        Py_DECREF(exc);
    }
    return NULL;
}

static inline PyObject *
call_method0(PyObject *obj, PyObject *name)
{
    return PyObject_VectorcallMethod(name, &obj, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
}

static inline PyObject *
call_method1(PyObject *obj, PyObject *name, PyObject *arg)
{
    PyObject *args[2] = {obj, arg};
    return PyObject_VectorcallMethod(name, args, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
}

/* ``*where = value``, keeping a reference (what a setup call was given). */
static inline void
keep(PyObject **where, PyObject *value)
{
    Py_INCREF(value);
    Py_XSETREF(*where, value);
}

static inline int
intern(PyObject **where, const char *text)
{
    *where = PyUnicode_InternFromString(text);
    return *where == NULL ? -1 : 0;
}

/* _transports.c: transport_core(), and its names, interned at import. */
PyObject *transport_core(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
int transports_init(void);

#endif
