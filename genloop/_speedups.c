/* genloop._speedups: genloop.Task's step, in C.
 *
 * The same step as Task._wakeup in genloop/tasks.py (read that first: it is
 * the reference, and it runs wherever this module is not built, or when
 * GENLOOP_PURE=1 is set).  What C buys is the hot path: the coroutine is
 * driven with PyIter_Send, which hands back a return value without raising
 * StopIteration, and the task's fields are read and written at their slot
 * offsets instead of through the interpreter.  Everything unusual (waiting
 * for a future, the yield table, ending other than with a result, legacy
 * returns) calls the same Python methods the pure step calls, so the two
 * cannot drift apart there.
 *
 * Built for CPython 3.10+ (PyIter_Send); one Task class per process.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

/* The task's own fields: offsets of its __slots__ members. */
static Py_ssize_t off_top, off_stack, off_must_cancel, off_fut_waiter;
static Py_ssize_t off_deliver_result, off_wakeup_arg, off_wakeup_queue, off_context;

/* What the step calls, given by genloop.tasks when it installs the step. */
static PyObject *enter_task, *leave_task, *returned_value;
static PyObject *cancelled_error, *invalid_state_error;
static PyObject *future_set_result, *future_set_exception;

static PyObject *str_result, *str_done, *str_send, *str_throw, *str_value, *str_loop;
static PyObject *str_debug, *str_append, *str_blocking, *str_wait_for;
static PyObject *str_on_yield, *str_make_cancelled_error;
static PyObject *str_finish_otherwise, *str_get_loop, *str_call_soon;
static PyObject *str_add_done_callback, *context_kwnames;

#define SLOT(obj, offset) (*(PyObject **)((char *)(obj) + (offset)))

/* A slot's value, borrowed; None when unset. */
static inline PyObject *
get_slot(PyObject *obj, Py_ssize_t offset)
{
    PyObject *value = SLOT(obj, offset);
    return value != NULL ? value : Py_None;
}

static inline void
set_slot(PyObject *obj, Py_ssize_t offset, PyObject *value)
{
    PyObject *old = SLOT(obj, offset);
    Py_INCREF(value);
    SLOT(obj, offset) = value;
    Py_XDECREF(old);
}

/* The exception being raised, normalized, with its traceback; cleared. */
static PyObject *
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
static void
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

/* getattr(obj, name, None) without raising, as a new reference or NULL
 * (an error other than AttributeError is raised). */
static int
optional_attribute(PyObject *obj, PyObject *name, PyObject **result)
{
#if PY_VERSION_HEX >= 0x030D0000
    return PyObject_GetOptionalAttr(obj, name, result);
#else
    return _PyObject_LookupAttr(obj, name, result);
#endif
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

static inline PyObject *
call2(PyObject *callable, PyObject *first, PyObject *second)
{
    PyObject *args[2] = {first, second};
    return PyObject_Vectorcall(callable, args, 2, NULL);
}

/* The outcome of a StopIteration being raised, as PyIter_Send gives it:
 * its value in ``*result``. */
static PySendResult
stopped(PyObject **result)
{
    PyObject *stop = fetch_exception();
    *result = PyObject_GetAttr(stop, str_value);
    Py_DECREF(stop);
    return *result != NULL ? PYGEN_RETURN : PYGEN_ERROR;
}

/* ``coro.send(value)``: PyIter_Send for generators and coroutines; for
 * anything else its ``send`` method, as the pure step calls it (PyIter_Send
 * would call ``__next__`` for None). */
static PySendResult
send(PyObject *coro, PyObject *value, PyObject **result)
{
    if (PyGen_CheckExact(coro) || PyCoro_CheckExact(coro)) {
        return PyIter_Send(coro, value, result);
    }
    *result = call_method1(coro, str_send, value);
    if (*result != NULL) {
        return PYGEN_NEXT;
    }
    if (PyErr_ExceptionMatches(PyExc_StopIteration)) {
        return stopped(result);
    }
    return PYGEN_ERROR;
}

/* ``coro.throw(exc)``, with the outcome as PyIter_Send gives it. */
static PySendResult
throw(PyObject *coro, PyObject *exc, PyObject **result)
{
    *result = call_method1(coro, str_throw, exc);
    if (*result != NULL) {
        return PYGEN_NEXT;
    }
    if (PyErr_ExceptionMatches(PyExc_StopIteration)) {
        return stopped(result);
    }
    return PYGEN_ERROR;
}

/* Task._reschedule(): ``loop.call_soon(task, None, context=task._context)``. */
static PyObject *
reschedule(PyObject *task, PyObject *loop)
{
    PyObject *args[4] = {loop, task, Py_None, get_slot(task, off_context)};
    return PyObject_VectorcallMethod(str_call_soon, args, 3 | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                     context_kwnames);
}

/* Task._wait_for(future) for a future that ``yield from``/``await`` gave
 * (marked blocking), of the task's loop: the task waits for it.  Returns 1
 * once it waits; 0 where Task._wait_for must decide (a future of another
 * loop, or without get_loop(); the task itself; a cancel asked for before
 * it waits); -1 with an exception. */
static int
wait_for(PyObject *task, PyObject *loop, PyObject *future)
{
    if (future == task || get_slot(task, off_must_cancel) == Py_True) {
        return 0;
    }
    PyObject *future_loop = call_method0(future, str_get_loop);
    if (future_loop == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) {
            return -1;
        }
        PyErr_Clear();
        return 0;
    }
    Py_DECREF(future_loop);
    if (future_loop != loop) {
        return 0;
    }
    set_slot(task, off_deliver_result, Py_False);
    if (PyObject_SetAttr(future, str_blocking, Py_False) < 0) {
        return -1;
    }
    PyObject *args[3] = {future, task, get_slot(task, off_context)};
    PyObject *added = PyObject_VectorcallMethod(
        str_add_done_callback, args, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, context_kwnames);
    if (added == NULL) {
        return -1;
    }
    Py_DECREF(added);
    set_slot(task, off_fut_waiter, future);
    return 1;
}

/* Drive the task's coroutines until the top one blocks or all are done:
 * the loop of Task._wakeup.  Owns ``value`` and ``exc`` (either may be
 * NULL: None); borrows the rest.  Returns 0, or -1 with an exception. */
static int
drive(PyObject *task, PyObject *loop, PyObject *value, PyObject *exc)
{
    PyObject *top = get_slot(task, off_top);
    PyObject *stack = get_slot(task, off_stack);
    PyObject *yielded = NULL, *result = NULL;
    Py_INCREF(top);
    Py_INCREF(stack);

    for (;;) {
        PySendResult sent;
        if (exc == NULL) {
            sent = send(top, value != NULL ? value : Py_None, &yielded);
            Py_CLEAR(value);
        }
        else {
            sent = throw(top, exc, &yielded);
            Py_CLEAR(exc);
        }
        if (sent == PYGEN_RETURN) {
            value = yielded;
            yielded = NULL;
            goto top_finished;
        }
        if (sent == PYGEN_ERROR) {
            yielded = NULL;
            goto raised;
        }

        /* The top coroutine yielded. */
        if (yielded == Py_None) {
            /* A bare yield: straight onto the ready queue of genloop's loop
             * outside debug mode, else through call_soon(). */
            Py_CLEAR(yielded);
            PyObject *queue = get_slot(task, off_wakeup_queue);
            if (queue != Py_None) {
                PyObject *debug = PyObject_GetAttr(loop, str_debug);
                if (debug == NULL) {
                    goto error;
                }
                int debugging = PyObject_IsTrue(debug);
                Py_DECREF(debug);
                if (debugging < 0) {
                    goto error;
                }
                if (!debugging) {
                    result = call_method1(queue, str_append, task);
                    goto done;
                }
            }
            result = reschedule(task, loop);
            goto done;
        }
        PyObject *blocking;
        if (optional_attribute(yielded, str_blocking, &blocking) < 0) {
            goto error;
        }
        PyObject *action;
        if (blocking == Py_True) {
            /* ``yield from fut``/``await fut``: the common case. */
            int waiting = wait_for(task, loop, yielded);
            if (waiting != 0) {
                Py_DECREF(blocking);
                if (waiting < 0) {
                    goto error;
                }
                Py_CLEAR(yielded);
                result = Py_NewRef(Py_None);
                goto done;
            }
            action = call_method1(task, str_wait_for, yielded);
        }
        else if (blocking != NULL && blocking != Py_None) {
            action = call_method1(task, str_wait_for, yielded);  /* tornado style */
        }
        else {
            action = call_method1(task, str_on_yield, yielded);
        }
        Py_XDECREF(blocking);
        Py_CLEAR(yielded);
        if (action == NULL) {
            goto error;
        }
        if (action == Py_None) {
            result = action;
            goto done;
        }
        if (PyExceptionInstance_Check(action)) {
            exc = action;
            continue;
        }
        /* A coroutine to push. */
        if (stack == Py_None) {
            PyObject *list = PyList_New(0);
            if (list == NULL) {
                Py_DECREF(action);
                goto error;
            }
            set_slot(task, off_stack, list);
            Py_SETREF(stack, list);
        }
        if (PyList_Append(stack, top) < 0) {
            Py_DECREF(action);
            goto error;
        }
        Py_SETREF(top, action);
        set_slot(task, off_top, top);
        continue;

    raised: {
            PyObject *error = fetch_exception();
            if (PyObject_TypeCheck(error, (PyTypeObject *)cancelled_error)) {
                exc = error;
                goto top_finished;
            }
            if (PyObject_TypeCheck(error, (PyTypeObject *)PyExc_SystemExit)
                || PyObject_TypeCheck(error, (PyTypeObject *)PyExc_KeyboardInterrupt)) {
                /* The task fails and the loop stops. */
                set_slot(task, off_top, Py_None);
                set_slot(task, off_stack, Py_None);
                result = call2(future_set_exception, task, error);
                if (result == NULL) {
                    Py_DECREF(error);
                    goto error;
                }
                Py_CLEAR(result);
                restore_exception(error);
                goto error;
            }
            PyObject *outcome = call2(returned_value, error, top);
            if (outcome == NULL) {
                Py_DECREF(error);
                goto error;
            }
            int is_return = PyObject_IsTrue(PyTuple_GET_ITEM(outcome, 0));
            if (is_return) {
                value = PyTuple_GET_ITEM(outcome, 1);
                Py_INCREF(value);
                Py_DECREF(error);
            }
            else {
                exc = error;
            }
            Py_DECREF(outcome);
        }

    top_finished:
        /* ``top`` finished, with ``value`` or ``exc``: resume its caller. */
        if (PyList_CheckExact(stack) && PyList_GET_SIZE(stack) > 0) {
            Py_ssize_t last = PyList_GET_SIZE(stack) - 1;
            PyObject *caller = PyList_GET_ITEM(stack, last);
            Py_INCREF(caller);
            if (PyList_SetSlice(stack, last, last + 1, NULL) < 0) {
                Py_DECREF(caller);
                goto error;
            }
            Py_SETREF(top, caller);
            set_slot(task, off_top, top);
            continue;
        }
        set_slot(task, off_top, Py_None);
        if (exc == NULL && get_slot(task, off_must_cancel) != Py_True) {
            result = call2(future_set_result, task, value != NULL ? value : Py_None);
        }
        else {
            result = call_method1(task, str_finish_otherwise, exc != NULL ? exc : Py_None);
        }
        goto done;
    }

done:
    Py_XDECREF(value);
    Py_XDECREF(exc);
    Py_DECREF(top);
    Py_DECREF(stack);
    if (result == NULL) {
        return -1;
    }
    Py_DECREF(result);
    return 0;

error:
    Py_XDECREF(yielded);
    goto done;
}

/* Task._wakeup(future): one step, resuming after ``future`` finished (None
 * after a plain reschedule), with the task as its loop's current task. */
static PyObject *
task_wakeup(PyObject *task, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 1) {
        PyErr_Format(PyExc_TypeError,
                     "Task._wakeup() takes the future it waited for (or None), "
                     "got %zd arguments", nargs);
        return NULL;
    }
    PyObject *future = args[0];
    PyObject *value = NULL, *exc = NULL;
    set_slot(task, off_wakeup_arg, Py_None);  /* keep no finished future alive */
    if (future != Py_None) {
        value = call_method0(future, str_result);
        if (value == NULL) {
            exc = fetch_exception();
        }
        else if (get_slot(task, off_deliver_result) != Py_True) {
            Py_CLEAR(value);
        }
    }
    PyObject *done = call_method0(task, str_done);
    if (done == NULL) {
        goto failed;
    }
    Py_DECREF(done);
    if (done == Py_True) {
        PyErr_Format(invalid_state_error, "_step(): already done: %R, %R",
                     task, exc != NULL ? exc : Py_None);
        goto failed;
    }
    if (get_slot(task, off_must_cancel) == Py_True) {
        int cancelled = exc != NULL && PyObject_TypeCheck(exc, (PyTypeObject *)cancelled_error);
        if (!cancelled) {
            PyObject *error = call_method0(task, str_make_cancelled_error);
            if (error == NULL) {
                goto failed;
            }
            Py_XSETREF(exc, error);
        }
        set_slot(task, off_must_cancel, Py_False);
    }
    set_slot(task, off_fut_waiter, Py_None);

    PyObject *loop = PyObject_GetAttr(task, str_loop);
    if (loop == NULL) {
        goto failed;
    }
    PyObject *entered = call2(enter_task, loop, task);
    if (entered == NULL) {
        Py_DECREF(loop);
        goto failed;
    }
    Py_DECREF(entered);
    int status = drive(task, loop, value, exc);  /* takes value and exc */
    PyObject *pending = status < 0 ? fetch_exception() : NULL;
    PyObject *left = call2(leave_task, loop, task);
    Py_DECREF(loop);
    if (left == NULL) {
        Py_XDECREF(pending);  /* the error of leaving wins, as in a finally */
        return NULL;
    }
    Py_DECREF(left);
    if (pending != NULL) {
        restore_exception(pending);
        return NULL;
    }
    Py_RETURN_NONE;

failed:
    Py_XDECREF(value);
    Py_XDECREF(exc);
    return NULL;
}

static PyMethodDef wakeup_def = {
    "_wakeup", (PyCFunction)(void (*)(void))task_wakeup, METH_FASTCALL,
    "One step of the task (C): resume after the future given finished, "
    "or after a plain reschedule (None).",
};

static int
slot_offset(PyObject *cls, const char *name, Py_ssize_t *offset)
{
    PyObject *descr = PyObject_GetAttrString(cls, name);
    if (descr == NULL) {
        return -1;
    }
    if (!Py_IS_TYPE(descr, &PyMemberDescr_Type)
        || ((PyMemberDescrObject *)descr)->d_member->type != T_OBJECT_EX) {
        PyErr_Format(PyExc_TypeError, "%R.%s is not a __slots__ member", cls, name);
        Py_DECREF(descr);
        return -1;
    }
    *offset = ((PyMemberDescrObject *)descr)->d_member->offset;
    Py_DECREF(descr);
    return 0;
}

static void
keep(PyObject **where, PyObject *value)
{
    Py_INCREF(value);
    Py_XSETREF(*where, value);
}

/* step(Task, enter_task, leave_task, returned_value, CancelledError,
 *      InvalidStateError, Future): the C step, as a method of Task. */
static PyObject *
step(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError,
                        "step(Task, enter_task, leave_task, returned_value, "
                        "CancelledError, InvalidStateError, Future)");
        return NULL;
    }
    PyObject *cls = args[0];
    if (!PyType_Check(cls)) {
        PyErr_Format(PyExc_TypeError, "step() needs the Task class, got %R", cls);
        return NULL;
    }
    if (slot_offset(cls, "_top", &off_top) < 0
        || slot_offset(cls, "_stack", &off_stack) < 0
        || slot_offset(cls, "_must_cancel", &off_must_cancel) < 0
        || slot_offset(cls, "_fut_waiter", &off_fut_waiter) < 0
        || slot_offset(cls, "_deliver_result", &off_deliver_result) < 0
        || slot_offset(cls, "_wakeup_arg", &off_wakeup_arg) < 0
        || slot_offset(cls, "_wakeup_queue", &off_wakeup_queue) < 0
        || slot_offset(cls, "_context", &off_context) < 0) {
        return NULL;
    }
    PyObject *set_result = PyObject_GetAttrString(args[6], "set_result");
    if (set_result == NULL) {
        return NULL;
    }
    PyObject *set_exception = PyObject_GetAttrString(args[6], "set_exception");
    if (set_exception == NULL) {
        Py_DECREF(set_result);
        return NULL;
    }
    Py_XSETREF(future_set_result, set_result);
    Py_XSETREF(future_set_exception, set_exception);
    keep(&enter_task, args[1]);
    keep(&leave_task, args[2]);
    keep(&returned_value, args[3]);
    keep(&cancelled_error, args[4]);
    keep(&invalid_state_error, args[5]);
    return PyDescr_NewMethod((PyTypeObject *)cls, &wakeup_def);
}

static PyMethodDef module_methods[] = {
    {"step", (PyCFunction)(void (*)(void))step, METH_FASTCALL,
     "The C step of genloop.Task, as a method descriptor of the class given."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT, "genloop._speedups",
    "genloop.Task's step in C (see genloop/tasks.py for the reference).",
    -1, module_methods,
};

static int
intern(PyObject **where, const char *text)
{
    *where = PyUnicode_InternFromString(text);
    return *where == NULL ? -1 : 0;
}

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (intern(&str_result, "result") < 0
        || intern(&str_done, "done") < 0
        || intern(&str_send, "send") < 0
        || intern(&str_throw, "throw") < 0
        || intern(&str_value, "value") < 0
        || intern(&str_loop, "_loop") < 0
        || intern(&str_debug, "_debug") < 0
        || intern(&str_append, "append") < 0
        || intern(&str_blocking, "_asyncio_future_blocking") < 0
        || intern(&str_wait_for, "_wait_for") < 0
        || intern(&str_on_yield, "_on_yield") < 0
        || intern(&str_get_loop, "get_loop") < 0
        || intern(&str_call_soon, "call_soon") < 0
        || intern(&str_add_done_callback, "add_done_callback") < 0
        || intern(&str_make_cancelled_error, "_make_cancelled_error") < 0
        || intern(&str_finish_otherwise, "_finish_otherwise") < 0) {
        return NULL;
    }
    PyObject *context = PyUnicode_InternFromString("context");
    if (context == NULL) {
        return NULL;
    }
    context_kwnames = PyTuple_Pack(1, context);
    Py_DECREF(context);
    if (context_kwnames == NULL) {
        return NULL;
    }
    return PyModule_Create(&speedups_module);
}
