/* genloop._speedups: genloop.Task's step, start and end, in C.
 *
 * The same step as Task._wakeup in genloop/tasks.py (read that first: it is
 * the reference, and it runs wherever this module is not built, or when
 * GENLOOP_PURE=1 is set).  What C buys is the hot path: the coroutine is
 * driven with PyIter_Send, which hands back a return value without raising
 * StopIteration, and the task's fields are read and written at their slot
 * offsets instead of through the interpreter.  Everything unusual (waiting
 * for a future, the yield table, ending other than with a result, legacy
 * returns) calls the same Python methods the pure step calls, so the two
 * cannot drift apart there.  Around the step: a task's start and
 * finalizer, task_factory, await task, the task's type slots and its
 * garbage-collector traverse, legacy coroutine functions where asyncio
 * refuses generators, and the loop's call_soon, call_at, call_later, a
 * timer's cancel(), its timer queue, its iterations, its poll for I/O and
 * the run of its ready queue (genloop/loop.py, genloop/timers.py).  The
 * socket transport's part is in _transports.c.
 *
 * Built for CPython 3.10+ (PyIter_Send); one Task class per process.
 */

#include "_speedups.h"
#include <structmember.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#ifdef __linux__
#include <sys/epoll.h>
#endif

/* The task's own fields: offsets of its __slots__ members. */
static Py_ssize_t off_top, off_stack, off_must_cancel, off_fut_waiter;
static Py_ssize_t off_deliver_result, off_wakeup_arg, off_wakeup_queue, off_context;
static Py_ssize_t off_coro, off_name, off_num_cancels_requested, off_cancelled_exc;
static Py_ssize_t off_log_destroy_pending;

/* The offset of LegacyCoroutine's ``gen`` slot. */
static Py_ssize_t off_gen;

/* -- direct calls ------------------------------------------------------------
 *
 * asyncio's C functions that every step calls (the Future's methods,
 * _enter_task and _leave_task), called through their PyMethodDef: what the
 * method descriptor's or builtin's own vectorcall does, less its checks of
 * the receiver's type and the argument count, which the step has made, and
 * its recursion guard, which these functions, calling no Python code of
 * their own making, do not need.  Anything else (a Python function, a flag
 * combination not listed) is called as it is. */
typedef struct {
    PyObject *callable;      /* the method descriptor or builtin function */
    PyMethodDef *def;        /* NULL: call ``callable`` itself */
    PyObject *module;        /* a builtin function's self */
    PyTypeObject *defining;  /* METH_METHOD: the class that defines it */
} Direct;

typedef PyObject *(*FastFunction)(PyObject *, PyObject *const *, Py_ssize_t);
typedef PyObject *(*FastKeywordsFunction)(PyObject *, PyObject *const *, Py_ssize_t,
                                          PyObject *);
typedef PyObject *(*MethodFunction)(PyObject *, PyTypeObject *, PyObject *const *,
                                    Py_ssize_t, PyObject *);

/* Keep ``callable`` in ``*direct``, with how to call its C function. */
static void
direct_resolve(Direct *direct, PyObject *callable)
{
    Py_INCREF(callable);
    Py_XSETREF(direct->callable, callable);
    direct->def = NULL;
    direct->module = NULL;
    direct->defining = NULL;
    if (Py_IS_TYPE(callable, &PyMethodDescr_Type)) {
        direct->def = ((PyMethodDescrObject *)callable)->d_method;
        direct->defining = PyDescr_TYPE(callable);
    }
    else if (PyCFunction_CheckExact(callable) || PyCMethod_CheckExact(callable)) {
        direct->def = ((PyCFunctionObject *)callable)->m_ml;
        direct->module = PyCFunction_GET_SELF(callable);
        direct->defining = PyCFunction_GET_CLASS(callable);
    }
}

/* ``receiver.method(*args, **kwnames)`` for a method descriptor, or
 * ``function(*args, **kwnames)`` for a builtin function (``receiver`` is
 * NULL then). */
static PyObject *
direct_call(const Direct *direct, PyObject *receiver, PyObject *const *args,
            Py_ssize_t nargs, PyObject *kwnames)
{
    PyMethodDef *def = direct->def;
    PyObject *self = receiver != NULL ? receiver : direct->module;
    if (def != NULL) {
        switch (def->ml_flags & (METH_VARARGS | METH_FASTCALL | METH_NOARGS | METH_O
                                 | METH_KEYWORDS | METH_METHOD)) {
        case METH_NOARGS:
            if (nargs == 0 && kwnames == NULL) {
                return def->ml_meth(self, NULL);
            }
            break;
        case METH_O:
            if (nargs == 1 && kwnames == NULL) {
                return def->ml_meth(self, args[0]);
            }
            break;
        case METH_FASTCALL:
            if (kwnames == NULL) {
                return ((FastFunction)(void (*)(void))def->ml_meth)(self, args, nargs);
            }
            break;
        case METH_FASTCALL | METH_KEYWORDS:
            return ((FastKeywordsFunction)(void (*)(void))def->ml_meth)(
                self, args, nargs, kwnames);
        case METH_METHOD | METH_FASTCALL | METH_KEYWORDS:
            return ((MethodFunction)(void (*)(void))def->ml_meth)(
                self, direct->defining, args, nargs, kwnames);
        }
    }
    if (receiver == NULL) {
        return PyObject_Vectorcall(direct->callable, args, nargs, kwnames);
    }
    /* The receiver first, then the arguments (at most three here). */
    PyObject *all[4] = {receiver};
    Py_ssize_t total = nargs + (kwnames != NULL ? PyTuple_GET_SIZE(kwnames) : 0);
    assert(total <= 3);
    for (Py_ssize_t i = 0; i < total; i++) {
        all[i + 1] = args[i];
    }
    return PyObject_Vectorcall(direct->callable, all, nargs + 1, kwnames);
}

static inline PyObject *
direct_call0(const Direct *direct, PyObject *receiver)
{
    return direct_call(direct, receiver, NULL, 0, NULL);
}

static inline PyObject *
direct_call1(const Direct *direct, PyObject *receiver, PyObject *arg)
{
    return direct_call(direct, receiver, &arg, 1, NULL);
}

static inline PyObject *
direct_call2(const Direct *direct, PyObject *first, PyObject *second)
{
    PyObject *args[2] = {first, second};
    return direct_call(direct, NULL, args, 2, NULL);
}

/* A field of asyncio's Future (a getset descriptor of its C type), read and
 * written through the descriptor's own functions on a future whose type is
 * known to keep it (see exact()). */
typedef struct {
    getter get;
    setter set;
    void *closure;
} Field;

/* Keep the getset ``name`` of ``type`` in ``*field``; ``writable``: it must
 * have a setter. */
static int
field_resolve(Field *field, PyObject *type, const char *name, int writable)
{
    PyObject *descriptor = PyObject_GetAttrString(type, name);
    if (descriptor == NULL) {
        return -1;
    }
    int is_getset = Py_IS_TYPE(descriptor, &PyGetSetDescr_Type);
    if (is_getset) {
        PyGetSetDef *def = ((PyGetSetDescrObject *)descriptor)->d_getset;
        field->get = def->get;
        field->set = def->set;
        field->closure = def->closure;
    }
    Py_DECREF(descriptor);
    if (!is_getset || field->get == NULL || (writable && field->set == NULL)) {
        PyErr_Format(PyExc_TypeError, "%R.%s is not a field of a C type", type, name);
        return -1;
    }
    return 0;
}

/* What the step calls, given by genloop.tasks when it installs the step. */
static Direct enter_task, leave_task;
static PyObject *returned_value;
static PyObject *cancelled_error, *invalid_state_error;

/* The Future's own methods and fields, used directly on a future or task
 * whose type is known to keep them (see exact()): no lookup at every step. */
static Direct future_set_result, future_set_exception;
static Direct future_result, future_done, future_add_done_callback;
static Direct future_exception, future_cancelled;
static Field future_blocking, future_loop_field;
static PyObject *task_class;

/* asyncio's Future, the Task's base, whose slots a start calls directly:
 * its tp_new, and its tp_init with ``init_kwargs``, {"loop": the loop}
 * while the call parses it. */
static PyTypeObject *future_type;
static PyObject *init_kwargs, *str_loop_keyword;

/* Whether ``obj`` is exactly asyncio's Future or genloop's Task, whose
 * get_loop(), done() and add_done_callback() are the Future's (the Task
 * has its own result()). */
static inline int
exact(PyObject *obj)
{
    PyObject *type = (PyObject *)Py_TYPE(obj);
    return type == (PyObject *)future_type || type == task_class;
}

/* obj.<name>(): the Future's method ``method`` where ``direct``, else the
 * one obj's type has. */
static inline PyObject *
future_call0(PyObject *obj, int direct, const Direct *method, PyObject *name)
{
    return direct ? direct_call0(method, obj)
                  : PyObject_VectorcallMethod(name, &obj, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
}

static PyObject *str_result, *str_done, *str_send, *str_throw, *str_value, *str_loop;
static PyObject *str_debug, *str_append, *str_blocking, *str_wait_for;
static PyObject *str_on_yield, *str_make_cancelled_error;
static PyObject *str_finish_otherwise, *str_get_loop, *str_call_soon;
static PyObject *str_add_done_callback, *context_kwnames;

/* future._asyncio_future_blocking = value */
static inline int
set_blocking(PyObject *future, PyObject *value)
{
    return exact(future) ? future_blocking.set(future, value, future_blocking.closure)
                         : PyObject_SetAttr(future, str_blocking, value);
}

/* What starting a task calls, given by genloop.tasks with the start. */
static PyObject *pure_start;
static PyObject *next_task_number, *register_task, *drop_own_frames;
static PyObject *str_source_traceback, *str_wakeup_queue;
static PyObject *str_state, *str_report_destroyed_pending;
static PyObject *zero, *observer, *legacy_types, *str_note;

static PyObject *empty_tuple;

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

/* Task._reschedule(): ``loop.call_soon(task, context=task._context)``. */
static PyObject *
reschedule(PyObject *task, PyObject *loop)
{
    PyObject *args[3] = {loop, task, get_slot(task, off_context)};
    return PyObject_VectorcallMethod(str_call_soon, args, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET,
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
    int direct = exact(future);
    PyObject *future_loop = direct ? future_loop_field.get(future, future_loop_field.closure)
                                   : call_method0(future, str_get_loop);
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
    if (set_blocking(future, Py_False) < 0) {
        return -1;
    }
    PyObject *args[3] = {future, task, get_slot(task, off_context)};
    PyObject *added = direct
        ? direct_call(&future_add_done_callback, future, args + 1, 1, context_kwnames)
        : PyObject_VectorcallMethod(str_add_done_callback, args,
                                    2 | PY_VECTORCALL_ARGUMENTS_OFFSET, context_kwnames);
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
        if (exact(yielded)) {
            blocking = future_blocking.get(yielded, future_blocking.closure);
            if (blocking == NULL) {
                goto error;
            }
        }
        else if (optional_attribute(yielded, str_blocking, &blocking) < 0) {
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
                result = direct_call1(&future_set_exception, task, error);
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
            result = direct_call1(&future_set_result, task, value != NULL ? value : Py_None);
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

/* Task._wakeup(future=None): one step, resuming after ``future`` finished
 * (None after a plain reschedule), with the task as its loop's current
 * task. */
static PyObject *
task_wakeup(PyObject *task, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs > 1) {
        PyErr_Format(PyExc_TypeError,
                     "Task._wakeup() takes the future it waited for (or nothing, "
                     "after a plain reschedule), got %zd arguments", nargs);
        return NULL;
    }
    PyObject *future = nargs == 1 ? args[0] : Py_None;
    PyObject *value = NULL, *exc = NULL;
    set_slot(task, off_wakeup_arg, Py_None);  /* keep no finished future alive */
    if (future != Py_None) {
        value = future_call0(future, Py_TYPE(future) == future_type,
                             &future_result, str_result);
        if (value == NULL) {
            exc = fetch_exception();
        }
        else if (get_slot(task, off_deliver_result) != Py_True) {
            Py_CLEAR(value);
        }
    }
    PyObject *done = future_call0(task, exact(task), &future_done, str_done);
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

    PyObject *loop = exact(task) ? future_loop_field.get(task, future_loop_field.closure)
                                 : PyObject_GetAttr(task, str_loop);
    if (loop == NULL) {
        goto failed;
    }
    PyObject *entered = direct_call2(&enter_task, loop, task);
    if (entered == NULL) {
        Py_DECREF(loop);
        goto failed;
    }
    Py_DECREF(entered);
    int status = drive(task, loop, value, exc);  /* takes value and exc */
    PyObject *pending = status < 0 ? fetch_exception() : NULL;
    PyObject *left = direct_call2(&leave_task, loop, task);
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

/* Task._start() for a coroutine ``steppable()`` accepts, not started
 * eagerly, whose task steps ``top``: the common case, done here;
 * Task._start() (pure) does every other.  Returns 0, or -1 with an
 * exception. */
static int
start_coroutine(PyObject *task, PyObject *coro, PyObject *top, PyObject *loop,
                PyObject *name, PyObject *context)
{
    /* Future.__init__(task, loop=loop), parsed from the one dict kept for
     * it; the loop is dropped from it once parsed (the call may start other
     * tasks, which set it again). */
    if (PyDict_SetItem(init_kwargs, str_loop_keyword, loop) < 0) {
        return -1;
    }
    int initialized = future_type->tp_init(task, empty_tuple, init_kwargs);
    if (PyDict_SetItem(init_kwargs, str_loop_keyword, Py_None) < 0 || initialized < 0) {
        return -1;
    }
    PyObject *done;
    set_slot(task, off_log_destroy_pending, Py_True);
    PyObject *stack;
    if (optional_attribute(task, str_source_traceback, &stack) < 0) {
        return -1;
    }
    int debugging = stack != NULL && PyObject_IsTrue(stack);
    Py_XDECREF(stack);
    if (debugging) {
        done = PyObject_CallOneArg(drop_own_frames, task);
        if (done == NULL) {
            return -1;
        }
        Py_DECREF(done);
    }
    set_slot(task, off_coro, coro);
    set_slot(task, off_top, top);
    set_slot(task, off_stack, Py_None);
    /* A number until get_name() first makes it "Task-<number>". */
    PyObject *shown = name == Py_None ? PyObject_CallNoArgs(next_task_number) : PyObject_Str(name);
    if (shown == NULL) {
        return -1;
    }
    set_slot(task, off_name, shown);
    Py_DECREF(shown);
    set_slot(task, off_num_cancels_requested, zero);
    set_slot(task, off_must_cancel, Py_False);
    /* No cancel message to set: Future.__init__ has none kept. */
    set_slot(task, off_fut_waiter, Py_None);
    set_slot(task, off_deliver_result, Py_False);
    PyObject *own_context = NULL;
    if (context == Py_None) {
        context = own_context = PyContext_CopyCurrent();
        if (context == NULL) {
            return -1;
        }
    }
    set_slot(task, off_context, context);
    set_slot(task, off_wakeup_arg, Py_None);
    set_slot(task, off_cancelled_exc, Py_None);
    /* The loop given, or the one Future.__init__ found for None. */
    PyObject *task_loop = loop != Py_None ? Py_NewRef(loop) : PyObject_GetAttr(task, str_loop);
    if (task_loop == NULL) {
        Py_XDECREF(own_context);
        return -1;
    }
    /* The ready queue of genloop's loop, which runs exact Tasks itself. */
    PyObject *queue = NULL;
    if ((PyObject *)Py_TYPE(task) == task_class
        && optional_attribute(task_loop, str_wakeup_queue, &queue) < 0) {
        Py_DECREF(task_loop);
        Py_XDECREF(own_context);
        return -1;
    }
    set_slot(task, off_wakeup_queue, queue != NULL ? queue : Py_None);
    Py_XDECREF(queue);
    /* Through call_soon, even on genloop's loop: code that replaces the
     * loop's call_soon sees every task scheduled. */
    PyObject *call[3] = {task_loop, task, context};
    done = PyObject_VectorcallMethod(str_call_soon, call, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET,
                                     context_kwnames);
    Py_DECREF(task_loop);
    Py_XDECREF(own_context);
    if (done == NULL) {
        return -1;
    }
    Py_DECREF(done);
    done = PyObject_CallOneArg(register_task, task);
    if (done == NULL) {
        return -1;
    }
    Py_DECREF(done);
    return 0;
}

/* What a task of ``coro`` steps, borrowed, where C may start it: an async
 * def coroutine; a generator, while no observer listens for legacy uses
 * (Task._start tells it of row L10); a LegacyCoroutine's generator.  NULL
 * (no exception) where Task._start must. */
static PyObject *
steppable(PyObject *coro)
{
    if (PyCoro_CheckExact(coro)) {
        return coro;
    }
    if (PyGen_CheckExact(coro)) {
        PyObject *note = PyObject_GetAttr(observer, str_note);
        if (note == NULL) {
            PyErr_Clear();
            return NULL;
        }
        Py_DECREF(note);
        return note == Py_None ? coro : NULL;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(legacy_types); i++) {
        if ((PyObject *)Py_TYPE(coro) == PyTuple_GET_ITEM(legacy_types, i)) {
            return SLOT(coro, off_gen);
        }
    }
    return NULL;
}

/* Task._start(coro, loop, name, context, eager_start). */
static PyObject *
task_start(PyObject *task, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_Format(PyExc_TypeError,
                     "Task._start() takes coro, loop, name, context and eager_start, "
                     "got %zd arguments", nargs);
        return NULL;
    }
    PyObject *top = args[4] == Py_False ? steppable(args[0]) : NULL;
    if (top == NULL) {
        PyObject *call[6] = {task, args[0], args[1], args[2], args[3], args[4]};
        return PyObject_Vectorcall(pure_start, call, 6, NULL);
    }
    if (start_coroutine(task, args[0], top, args[1], args[2], args[3]) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* A started task of class ``cls``: Task(coro, loop=loop, name=name,
 * context=context) without the cost of keyword arguments to a class call. */
static PyObject *
new_task(PyObject *cls, PyObject *coro, PyObject *loop, PyObject *name, PyObject *context)
{
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, future_type)) {
        PyErr_Format(PyExc_TypeError, "Task._new() needs a subclass of %s, got %R",
                     future_type->tp_name, cls);
        return NULL;
    }
    PyObject *task = future_type->tp_new((PyTypeObject *)cls, empty_tuple, NULL);
    if (task == NULL) {
        return NULL;
    }
    PyObject *started;
    PyObject *top = steppable(coro);
    if (top != NULL) {
        started = start_coroutine(task, coro, top, loop, name, context) < 0 ? NULL : Py_None;
        Py_XINCREF(started);
    }
    else {
        PyObject *call[6] = {task, coro, loop, name, context, Py_False};
        started = PyObject_Vectorcall(pure_start, call, 6, NULL);
    }
    if (started == NULL) {
        Py_DECREF(task);
        return NULL;
    }
    Py_DECREF(started);
    return task;
}

/* Task._new(coro, loop, name, context), a classmethod: for create_task. */
static PyObject *
task_new(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_Format(PyExc_TypeError,
                     "Task._new() takes coro, loop, name and context, got %zd arguments",
                     nargs - 1);
        return NULL;
    }
    return new_task(args[0], args[1], args[2], args[3], args[4]);
}

/* Task.__del__: the report of a task destroyed while pending, where it is
 * due (Task._report_destroyed_pending, in Python: it is rare), then
 * Future's own finalizer. */
static PyObject *
task_del(PyObject *task, PyObject *unused)
{
    PyObject *log = SLOT(task, off_log_destroy_pending);
    int logging = log != NULL ? PyObject_IsTrue(log) : 0;
    if (logging < 0) {
        return NULL;
    }
    if (logging) {
        /* Pending: not done(), or the state a subclass keeps. */
        PyObject *state = exact(task) ? direct_call0(&future_done, task)
                                      : PyObject_GetAttr(task, str_state);
        if (state == NULL) {
            return NULL;
        }
        int pending = state == Py_False
                      || (PyUnicode_Check(state)
                          && PyUnicode_CompareWithASCIIString(state, "PENDING") == 0);
        Py_DECREF(state);
        if (pending) {
            PyObject *done = call_method0(task, str_report_destroyed_pending);
            if (done == NULL) {
                return NULL;
            }
            Py_DECREF(done);
        }
    }
    if (future_type->tp_finalize != NULL) {
        future_type->tp_finalize(task);
    }
    Py_RETURN_NONE;
}

/* What task_factory() hands on to Python: calls with other arguments than
 * (loop, coro[, context=]), and a debug-mode traceback to trim. */
static PyObject *pure_factory, *drop_create_task_frame;

/* genloop.task_factory(loop, coro, **kwargs): Task._new(coro, loop, None,
 * context) for what asyncio's create_task passes; the pure factory for
 * anything else. */
static PyObject *
task_factory(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    Py_ssize_t keywords = kwnames != NULL ? PyTuple_GET_SIZE(kwnames) : 0;
    if (nargs != 2 || keywords > 1
        || (keywords == 1
            && PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), "context") != 0)) {
        return PyObject_Vectorcall(pure_factory, args, nargs, kwnames);
    }
    PyObject *task = new_task(task_class, args[1], args[0], Py_None,
                              keywords == 1 ? args[2] : Py_None);
    if (task == NULL) {
        return NULL;
    }
    PyObject *stack;
    if (optional_attribute(task, str_source_traceback, &stack) < 0) {
        Py_DECREF(task);
        return NULL;
    }
    int debugging = stack != NULL ? PyObject_IsTrue(stack) : 0;
    Py_XDECREF(stack);
    if (debugging) {
        PyObject *done = debugging < 0 ? NULL : PyObject_CallOneArg(drop_create_task_frame, task);
        if (done == NULL) {
            Py_DECREF(task);
            return NULL;
        }
        Py_DECREF(done);
    }
    return task;
}

/* -- await task: the iterator of Task.__await__ ---------------------------- */

/* What ``await task`` and ``yield from task`` drive: it yields the task
 * while the task runs, then returns its result (or raises its exception)
 * through am_send, without a StopIteration for the result. */
typedef struct {
    PyObject_HEAD
    PyObject *task;  /* NULL once the task's outcome was given */
    int yielded;
} AwaitObject;

/* The finished task's outcome: its result, or NULL with its exception. */
static PyObject *
outcome_of(PyObject *task)
{
    PyObject *result = direct_call0(&future_result, task);
    if (result == NULL && PyErr_ExceptionMatches(cancelled_error)) {
        /* Task.result(): the CancelledError the task ended with. */
        PyErr_Clear();
        return call_method0(task, str_result);
    }
    return result;
}

static PySendResult
await_send(PyObject *self, PyObject *arg, PyObject **result)
{
    AwaitObject *it = (AwaitObject *)self;
    PyObject *task = it->task;
    *result = NULL;
    if (task == NULL) {
        *result = Py_NewRef(Py_None);
        return PYGEN_RETURN;
    }
    PyObject *done = future_call0(task, exact(task), &future_done, str_done);
    if (done == NULL) {
        return PYGEN_ERROR;
    }
    Py_DECREF(done);
    if (done != Py_True) {
        PyObject *blocking = NULL;
        int refused = it->yielded;
        if (!refused) {
            /* A second await on the task itself (the first was refused). */
            blocking = exact(task) ? future_blocking.get(task, future_blocking.closure)
                                   : PyObject_GetAttr(task, str_blocking);
            if (blocking == NULL) {
                return PYGEN_ERROR;
            }
            refused = PyObject_IsTrue(blocking);
            Py_DECREF(blocking);
            if (refused < 0) {
                return PYGEN_ERROR;
            }
        }
        if (refused) {
            Py_CLEAR(it->task);
            PyErr_SetString(PyExc_RuntimeError, "await wasn't used with future");
            return PYGEN_ERROR;
        }
        if (set_blocking(task, Py_True) < 0) {
            return PYGEN_ERROR;
        }
        it->yielded = 1;
        *result = Py_NewRef(task);
        return PYGEN_NEXT;
    }
    it->task = NULL;
    *result = outcome_of(task);
    Py_DECREF(task);
    return *result != NULL ? PYGEN_RETURN : PYGEN_ERROR;
}

static PyObject *
await_next(PyObject *self)
{
    PyObject *result;
    PySendResult sent = await_send(self, Py_None, &result);
    if (sent != PYGEN_RETURN) {
        return result;
    }
    if (result != Py_None) {
        PyObject *stop = PyObject_CallOneArg(PyExc_StopIteration, result);
        if (stop != NULL) {
            PyErr_SetObject(PyExc_StopIteration, stop);
            Py_DECREF(stop);
        }
    }
    Py_DECREF(result);
    return NULL;
}

static PyObject *
await_send_method(PyObject *self, PyObject *arg)
{
    PyObject *result;
    PySendResult sent = await_send(self, arg, &result);
    if (sent != PYGEN_RETURN) {
        return result;
    }
    PyObject *stop = PyObject_CallOneArg(PyExc_StopIteration, result);
    Py_DECREF(result);
    if (stop != NULL) {
        PyErr_SetObject(PyExc_StopIteration, stop);
        Py_DECREF(stop);
    }
    return NULL;
}

static int
await_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(((AwaitObject *)self)->task);
    return 0;
}

static int
await_clear(PyObject *self)
{
    Py_CLEAR(((AwaitObject *)self)->task);
    return 0;
}

static void
await_dealloc(PyObject *self)
{
    PyObject_GC_UnTrack(self);
    await_clear(self);
    PyObject_GC_Del(self);
}

static PyAsyncMethods await_async = {
    .am_send = await_send,
};

static PyMethodDef await_methods[] = {
    {"send", await_send_method, METH_O, "Resume the await (the value sent is not used)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject AwaitType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "genloop._speedups.TaskAwait",
    .tp_basicsize = sizeof(AwaitObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "The iterator of await task / yield from task.",
    .tp_dealloc = await_dealloc,
    .tp_traverse = await_traverse,
    .tp_clear = await_clear,
    .tp_as_async = &await_async,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = await_next,
    .tp_methods = await_methods,
};

/* Task.__await__() and Task.__iter__(). */
static PyObject *
task_await(PyObject *task, PyObject *unused)
{
    AwaitObject *it = PyObject_GC_New(AwaitObject, &AwaitType);
    if (it == NULL) {
        return NULL;
    }
    it->task = Py_NewRef(task);
    it->yielded = 0;
    PyObject_GC_Track(it);
    return (PyObject *)it;
}

static PyMethodDef await_def = {
    "__await__", task_await, METH_NOARGS,
    "The iterator of await task: the task while it runs, then its result.",
};

static PyMethodDef start_def = {
    "_start", (PyCFunction)(void (*)(void))task_start, METH_FASTCALL,
    "Start the task (C for an async def coroutine; Task._start otherwise).",
};

static PyMethodDef new_def = {
    "_new", (PyCFunction)(void (*)(void))task_new, METH_FASTCALL,
    "_new(cls, coro, loop, name, context): a started task of class cls.",
};

static PyMethodDef del_def = {
    "__del__", task_del, METH_NOARGS,
    "Report the task if it is destroyed pending, then finalize it as a future.",
};

static PyMethodDef factory_def = {
    "task_factory", (PyCFunction)(void (*)(void))task_factory, METH_FASTCALL | METH_KEYWORDS,
    "task_factory(loop, coro, **kwargs)\n--\n\n"
    "A task factory that puts genloop's engine on any asyncio loop:\n"
    "loop.set_task_factory(genloop.task_factory).",
};

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
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) {
            return -1;
        }
        PyErr_Clear();
    }
    if (descr == NULL || !Py_IS_TYPE(descr, &PyMemberDescr_Type)
        || ((PyMemberDescrObject *)descr)->d_member->type != T_OBJECT_EX) {
        PyErr_Format(PyExc_TypeError, "%R.%s is not a __slots__ member", cls, name);
        Py_XDECREF(descr);
        return -1;
    }
    *offset = ((PyMemberDescrObject *)descr)->d_member->offset;
    Py_DECREF(descr);
    return 0;
}


/* The Task's own object slots, which the garbage collector visits. */
#define MAX_TASK_SLOTS 32
static Py_ssize_t task_slots[MAX_TASK_SLOTS];
static int task_slot_count;
static traverseproc future_traverse;
static int visit_task_type;

/* Task's tp_traverse: its slots, then its Future base's.  The type's
 * generic traverse walks the slots' member descriptors at every visit; a
 * task is visited at every collection it lives through.  A slot's value of
 * a type the collector does not track (None, a flag, a number, a name)
 * cannot be part of a cycle and is not handed to it, as a dict of string
 * keys does not hand over its keys. */
static int
task_traverse(PyObject *task, visitproc visit, void *arg)
{
    for (int i = 0; i < task_slot_count; i++) {
        PyObject *value = SLOT(task, task_slots[i]);
        if (value != NULL && PyType_IS_GC(Py_TYPE(value))) {
            int failed = visit(value, arg);
            if (failed) {
                return failed;
            }
        }
    }
    if (visit_task_type) {  /* the base does not visit it: a static type */
        Py_VISIT(Py_TYPE(task));
    }
    return future_traverse(task, visit, arg);
}

/* traverse(Task, untracked): Task's garbage-collector traverse in C, over
 * its slots but those named in ``untracked``, which hold only values the
 * collector does not track (flags, numbers, names).  Task must add
 * only __slots__ to its C base: no __dict__ or __weakref__ of its own. */
static PyObject *
traverse(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "traverse(Task, tuple of the untracked slots' names)");
        return NULL;
    }
    PyObject *cls = args[0], *untracked = args[1];
    PyTypeObject *type = (PyTypeObject *)cls;
    PyTypeObject *base = PyType_Check(cls) ? type->tp_base : NULL;
    if (base == NULL || !(type->tp_flags & Py_TPFLAGS_HEAPTYPE) || base->tp_traverse == NULL
        || type->tp_dictoffset != base->tp_dictoffset
        || type->tp_weaklistoffset != base->tp_weaklistoffset) {
        PyErr_Format(PyExc_TypeError,
                     "traverse() needs a class that adds only __slots__ to a C base, got %R",
                     cls);
        return NULL;
    }
    int count = 0;
    for (PyMemberDef *member = type->tp_members; member != NULL && member->name != NULL;
         member++) {
        if (member->type != T_OBJECT_EX) {
            continue;
        }
        PyObject *name = PyUnicode_FromString(member->name);
        int skipped = name != NULL ? PySequence_Contains(untracked, name) : -1;
        Py_XDECREF(name);
        if (skipped < 0) {
            return NULL;
        }
        if (skipped) {
            continue;
        }
        if (count == MAX_TASK_SLOTS) {
            PyErr_Format(PyExc_TypeError, "traverse(): %R has over %d slots", cls,
                         MAX_TASK_SLOTS);
            return NULL;
        }
        task_slots[count++] = member->offset;
    }
    task_slot_count = count;
    future_traverse = base->tp_traverse;
    visit_task_type = !(base->tp_flags & Py_TPFLAGS_HEAPTYPE);
    type->tp_traverse = task_traverse;
    Py_RETURN_NONE;
}

/* Keep ``base.name`` in ``*where``. */
static int
base_method(PyObject *base, const char *name, Direct *where)
{
    PyObject *method = PyObject_GetAttrString(base, name);
    if (method == NULL) {
        return -1;
    }
    direct_resolve(where, method);
    Py_DECREF(method);
    return 0;
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
    if (!PyType_Check(args[6])
        || base_method(args[6], "set_result", &future_set_result) < 0
        || base_method(args[6], "set_exception", &future_set_exception) < 0
        || base_method(args[6], "result", &future_result) < 0
        || base_method(args[6], "done", &future_done) < 0
        || base_method(args[6], "add_done_callback", &future_add_done_callback) < 0
        || field_resolve(&future_blocking, args[6], "_asyncio_future_blocking", 1) < 0
        || field_resolve(&future_loop_field, args[6], "_loop", 0) < 0) {
        if (!PyErr_Occurred()) {
            PyErr_Format(PyExc_TypeError, "step() needs asyncio's Future, got %R", args[6]);
        }
        return NULL;
    }
    keep((PyObject **)&future_type, args[6]);
    direct_resolve(&enter_task, args[1]);
    direct_resolve(&leave_task, args[2]);
    keep(&returned_value, args[3]);
    keep(&cancelled_error, args[4]);
    keep(&invalid_state_error, args[5]);
    return PyDescr_NewMethod((PyTypeObject *)cls, &wakeup_def);
}

/* start(Task, pure_start, Future, next_task_number, register_task,
 *       drop_own_frames, Observer, legacy_types, task_factory,
 *       drop_create_task_frame): the C start and end of a genloop.Task, as
 * (its _start method descriptor, its _new function taking the class, its
 * __del__ method descriptor, the C task_factory).  Future: the Task's base,
 * asyncio's Future in C.  legacy_types: the LegacyCoroutine classes, each
 * with the ``gen`` slot of their base.  task_factory: the pure factory,
 * which the C one calls for arguments other than asyncio's. */
static PyObject *
start(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 10 || !PyTuple_CheckExact(args[7]) || PyTuple_GET_SIZE(args[7]) == 0) {
        PyErr_SetString(PyExc_TypeError,
                        "start(Task, pure_start, Future, next_task_number, register_task, "
                        "drop_own_frames, Observer, legacy_types, task_factory, "
                        "drop_create_task_frame)");
        return NULL;
    }
    if (slot_offset(PyTuple_GET_ITEM(args[7], 0), "gen", &off_gen) < 0) {
        return NULL;
    }
    PyObject *cls = args[0];
    PyObject *base = args[2];
    if (!PyType_Check(cls) || !PyType_Check(base)
        || !PyType_IsSubtype((PyTypeObject *)cls, (PyTypeObject *)base)
        || ((PyTypeObject *)base)->tp_init == NULL || ((PyTypeObject *)base)->tp_new == NULL) {
        PyErr_Format(PyExc_TypeError,
                     "start() needs the Task class and its Future base, got %R and %R",
                     cls, base);
        return NULL;
    }
    if (slot_offset(cls, "_coro", &off_coro) < 0
        || slot_offset(cls, "_name", &off_name) < 0
        || slot_offset(cls, "_num_cancels_requested", &off_num_cancels_requested) < 0
        || slot_offset(cls, "_cancelled_exc", &off_cancelled_exc) < 0
        || slot_offset(cls, "_log_destroy_pending", &off_log_destroy_pending) < 0) {
        return NULL;
    }
    keep(&task_class, cls);
    keep(&pure_start, args[1]);
    keep((PyObject **)&future_type, base);
    keep(&next_task_number, args[3]);
    keep(&register_task, args[4]);
    keep(&drop_own_frames, args[5]);
    keep(&observer, args[6]);
    keep(&legacy_types, args[7]);
    keep(&pure_factory, args[8]);
    keep(&drop_create_task_frame, args[9]);
    PyObject *module_name = PyObject_GetAttrString(args[8], "__module__");
    if (module_name == NULL) {
        return NULL;
    }
    PyObject *made[4] = {
        PyDescr_NewMethod((PyTypeObject *)cls, &start_def),
        PyCFunction_New(&new_def, NULL),
        PyDescr_NewMethod((PyTypeObject *)cls, &del_def),
        PyCFunction_NewEx(&factory_def, NULL, module_name),
    };
    Py_DECREF(module_name);
    PyObject *all = NULL;
    if (made[0] != NULL && made[1] != NULL && made[2] != NULL && made[3] != NULL) {
        all = PyTuple_Pack(4, made[0], made[1], made[2], made[3]);
    }
    for (int i = 0; i < 4; i++) {
        Py_XDECREF(made[i]);
    }
    return all;
}

/* -- the loop's ready queue -------------------------------------------------
 *
 * EventLoop._run_once's last part outside debug mode (genloop/loop.py is
 * the reference): run the callbacks ready now, first in first out.  A task
 * is stepped in its context with its wake-up argument; genloop's own
 * handles, unless cancelled, call their callback in theirs; any other
 * handle, unless cancelled, runs itself.  A failure of a step or of one of
 * genloop's handles goes to the loop's exception handler, unless it must
 * propagate (KeyboardInterrupt, SystemExit); another handle's propagates:
 * Handle._run reports its callback's own. */
static PyTypeObject *callback_type, *timer_type;
/* asyncio's own Handle, the reader's or writer's of a file descriptor: run
 * as genloop's handles are (Handle._run's report is report_failure's),
 * unless made in debug mode, with a creation traceback to report. */
static PyTypeObject *asyncio_handle_type;
static Py_ssize_t off_source_traceback;
static PyObject *error_propagates, *failure_reporter;
static Py_ssize_t off_callback, off_args, off_cancelled, off_handle_context;
static PyObject *str_popleft, *str_cancelled, *str_run;
/* The loop's own slots, and the ready deque's methods. */
static Py_ssize_t off_ready, off_closed, off_debug;
static PyTypeObject *deque_type;
static Direct deque_append, deque_popleft;

/* ``callable(*args)`` in ``context``, as Context.run() calls it. */
static PyObject *
run_in_context(PyObject *context, PyObject *callable, PyObject *const *args, Py_ssize_t nargs)
{
    if (PyContext_Enter(context) < 0) {
        return NULL;
    }
    PyObject *result = PyObject_Vectorcall(callable, args, nargs, NULL);
    if (PyContext_Exit(context) < 0) {
        Py_CLEAR(result);
    }
    return result;
}

/* One of genloop's handles: its callback with its arguments, in its
 * context, unless it was cancelled (then None). */
static PyObject *
run_callback(PyObject *handle)
{
    int cancelled = PyObject_IsTrue(get_slot(handle, off_cancelled));
    if (cancelled != 0) {
        return cancelled < 0 ? NULL : Py_NewRef(Py_None);
    }
    PyObject *context = Py_NewRef(get_slot(handle, off_handle_context));
    PyObject *callback = Py_NewRef(get_slot(handle, off_callback));
    PyObject *args = get_slot(handle, off_args);
    args = PyTuple_Check(args) ? Py_NewRef(args)
           : args == Py_None ? Py_NewRef(empty_tuple) : PySequence_Tuple(args);
    PyObject *result = NULL;
    if (args != NULL) {
        result = run_in_context(context, callback, &PyTuple_GET_ITEM(args, 0),
                                PyTuple_GET_SIZE(args));
        Py_DECREF(args);
    }
    Py_DECREF(callback);
    Py_DECREF(context);
    return result;
}

/* A task: one step, in its context, after what woke it. */
static PyObject *
run_task(PyObject *task)
{
    PyObject *arg = Py_NewRef(get_slot(task, off_wakeup_arg));
    PyObject *context = Py_NewRef(get_slot(task, off_context));
    PyObject *result = NULL;
    if (PyContext_Enter(context) == 0) {
        result = task_wakeup(task, &arg, 1);
        if (PyContext_Exit(context) < 0) {
            Py_CLEAR(result);
        }
    }
    Py_DECREF(context);
    Py_DECREF(arg);
    return result;
}

/* Any other handle: ``handle._run()`` unless ``handle._cancelled``. */
static PyObject *
run_other(PyObject *handle)
{
    PyObject *flag = PyObject_GetAttr(handle, str_cancelled);
    int cancelled = flag != NULL ? PyObject_IsTrue(flag) : -1;
    Py_XDECREF(flag);
    if (cancelled != 0) {
        return cancelled < 0 ? NULL : Py_NewRef(Py_None);
    }
    return call_method0(handle, str_run);
}

/* The exception being raised by a step or a callback: raised again if it
 * must propagate, else reported.  Returns 0, or -1 with an exception. */
static int
report_or_propagate(PyObject *handle)
{
    PyObject *exc = fetch_unless_propagating(error_propagates);
    if (exc == NULL) {
        return -1;
    }
    PyObject *reported = call2(failure_reporter, handle, exc);
    Py_DECREF(exc);
    Py_XDECREF(reported);
    return reported == NULL ? -1 : 0;
}

/* Run the first ``count`` handles of the deque ``ready``; the others
 * wait for the next iteration.  0, or -1 with an exception. */
static int
run_handles(PyObject *ready, Py_ssize_t count)
{
    PyObject *popleft = Py_TYPE(ready) == deque_type ? NULL : PyObject_GetAttr(ready, str_popleft);
    if (popleft == NULL && PyErr_Occurred()) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *handle = popleft == NULL ? direct_call0(&deque_popleft, ready)
                                           : PyObject_CallNoArgs(popleft);
        if (handle == NULL) {
            goto error;
        }
        PyTypeObject *kind = Py_TYPE(handle);
        PyObject *result;
        if ((PyObject *)kind == task_class) {
            result = run_task(handle);
        }
        else if (kind == callback_type || kind == timer_type
                 || (kind == asyncio_handle_type
                     && get_slot(handle, off_source_traceback) == Py_None)) {
            result = run_callback(handle);
        }
        else {
            result = run_other(handle);
            if (result == NULL) {
                Py_DECREF(handle);
                goto error;
            }
        }
        if (result == NULL && report_or_propagate(handle) < 0) {
            Py_DECREF(handle);
            goto error;
        }
        Py_XDECREF(result);
        Py_DECREF(handle);
    }
    Py_XDECREF(popleft);
    return 0;

error:
    Py_XDECREF(popleft);
    return -1;
}

/* run_ready(ready, count): run_handles() for the pure _run_once. */
static PyObject *
run_ready(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t count = nargs == 2 && PyLong_Check(args[1]) ? PyLong_AsSsize_t(args[1]) : -1;
    if (count < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError,
                            "run_ready(ready deque, how many of its handles to run)");
        }
        return NULL;
    }
    return run_handles(args[0], count) < 0 ? NULL : Py_NewRef(Py_None);
}

static PyMethodDef run_ready_def = {
    "run_ready", (PyCFunction)(void (*)(void))run_ready, METH_FASTCALL,
    "run_ready(ready, count)\n--\n\n"
    "Run the first count handles of the loop's ready deque (C).",
};

/* EventLoop.call_soon(callback, *args, context=None) outside debug mode
 * (genloop/loop.py is the reference): a waking task goes onto the ready
 * queue itself, with what woke it; any other callback in a new Callback
 * (the fields asyncio.Handle's __init__ sets, set here).  A closed or
 * debug-mode loop, and a call of any other shape, go to the pure method. */
static PyObject *pure_call_soon;
static Py_ssize_t off_handle_loop, off_repr;

/* ``pure(loop, *args, **kwnames)``: a loop method's pure version. */
static PyObject *
call_pure_method(PyObject *pure, PyObject *loop, PyObject *const *args, Py_ssize_t nargs,
                 PyObject *kwnames)
{
    Py_ssize_t total = nargs + (kwnames != NULL ? PyTuple_GET_SIZE(kwnames) : 0);
    PyObject *small[8];
    PyObject **all = total < 8 ? small : PyMem_New(PyObject *, total + 1);
    if (all == NULL) {
        return PyErr_NoMemory();
    }
    all[0] = loop;
    for (Py_ssize_t i = 0; i < total; i++) {
        all[i + 1] = args[i];
    }
    PyObject *result = PyObject_Vectorcall(pure, all, nargs + 1, kwnames);
    if (all != small) {
        PyMem_Free(all);
    }
    return result;
}

/* Whether the loop takes the compiled paths: open, and not in debug mode. */
static inline int
plain_loop(PyObject *loop)
{
    return get_slot(loop, off_closed) == Py_False && get_slot(loop, off_debug) == Py_False;
}

/* A new handle of ``type`` (Callback or Timer) for ``callback(*args)`` on
 * ``loop`` in ``context`` (None: a copy of the current one), with the
 * fields asyncio.Handle's __init__ sets. */
static PyObject *
new_handle(PyTypeObject *type, PyObject *loop, PyObject *callback, PyObject *const *args,
           Py_ssize_t nargs, PyObject *context)
{
    context = context != Py_None ? Py_NewRef(context) : PyContext_CopyCurrent();
    if (context == NULL) {
        return NULL;
    }
    PyObject *arguments = PyTuple_New(nargs);
    PyObject *handle = arguments != NULL ? type->tp_alloc(type, 0) : NULL;
    if (handle == NULL) {
        Py_XDECREF(arguments);
        Py_DECREF(context);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        PyTuple_SET_ITEM(arguments, i, Py_NewRef(args[i]));
    }
    /* A new object: every slot is empty. */
    SLOT(handle, off_callback) = Py_NewRef(callback);
    SLOT(handle, off_args) = arguments;
    SLOT(handle, off_cancelled) = Py_NewRef(Py_False);
    SLOT(handle, off_handle_loop) = Py_NewRef(loop);
    SLOT(handle, off_source_traceback) = Py_NewRef(Py_None);
    SLOT(handle, off_repr) = Py_NewRef(Py_None);
    SLOT(handle, off_handle_context) = context;
    return handle;
}

/* ``loop._ready.append(item)``: 0, or -1 with an exception. */
static int
make_ready(PyObject *loop, PyObject *item)
{
    PyObject *ready = get_slot(loop, off_ready);
    PyObject *appended = Py_TYPE(ready) == deque_type
                         ? direct_call(&deque_append, ready, &item, 1, NULL)
                         : call_method1(ready, str_append, item);
    Py_XDECREF(appended);
    return appended == NULL ? -1 : 0;
}

/* Whether the keywords of a call are ``context`` alone. */
static int
context_only(PyObject *kwnames)
{
    if (PyTuple_GET_SIZE(kwnames) != 1) {
        return 0;
    }
    PyObject *name = PyTuple_GET_ITEM(kwnames, 0);
    PyObject *context = PyTuple_GET_ITEM(context_kwnames, 0);
    return name == context || PyUnicode_Compare(name, context) == 0;
}

static PyObject *
loop_call_soon(PyObject *loop, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs < 1 || (kwnames != NULL && !context_only(kwnames)) || !plain_loop(loop)) {
        return call_pure_method(pure_call_soon, loop, args, nargs, kwnames);
    }
    PyObject *callback = args[0];
    if ((PyObject *)Py_TYPE(callback) == task_class) {
        /* A task waking up: the task itself, and the future it waited for
         * (none after a plain reschedule). */
        if (nargs > 1) {
            set_slot(callback, off_wakeup_arg, args[1]);
        }
        return make_ready(loop, callback) < 0 ? NULL : Py_NewRef(Py_None);
    }
    PyObject *handle = new_handle(callback_type, loop, callback, args + 1, nargs - 1,
                                  kwnames != NULL ? args[nargs] : Py_None);
    if (handle == NULL || make_ready(loop, handle) < 0) {
        Py_XDECREF(handle);
        return NULL;
    }
    return handle;
}

static PyMethodDef call_soon_def = {
    "call_soon", (PyCFunction)(void (*)(void))loop_call_soon, METH_FASTCALL | METH_KEYWORDS,
    "call_soon($self, callback, /, *args, context=None)\n--\n\n"
    "Run callback(*args) at the loop's next iteration (C outside debug mode).",
};

/* -- the timer queue ------------------------------------------------------------
 *
 * genloop.timers.TimerQueue (the reference) as a C type, the queue of a
 * loop wherever the core is compiled: a binary heap of (due time, push
 * order, timer) entries in one array, earliest first and, at the same
 * time, first pushed first.  The times are C doubles, so no comparison
 * calls the interpreter and no dict groups the timers by time.  As in the
 * reference, cancelling only counts (``cancelled``): a cancelled timer is
 * dropped when it reaches the head, or all at once when more than half of
 * a queue longer than MIN_TIMERS_TO_REBUILD is cancelled.
 *
 * A timer is genloop's Timer, whose slots are read and written directly, or
 * any object with ``_cancelled`` and ``_scheduled`` attributes (asyncio's
 * TimerHandle in debug mode).  Where such an attribute could run Python
 * code, the queue is left whole first. */
typedef struct {
    double when;
    unsigned long long order;
    PyObject *timer;
} TimerEntry;

typedef struct {
    PyObject_HEAD
    TimerEntry *heap;
    Py_ssize_t count;      /* timers queued, cancelled ones included */
    Py_ssize_t capacity;
    Py_ssize_t cancelled;  /* how many of them are cancelled */
    unsigned long long pushed;
} TimerQueueObject;

static PyTypeObject TimerQueueType;
static Py_ssize_t min_timers_to_rebuild, off_scheduled;
static PyObject *str_scheduled;

static inline int
entry_before(const TimerEntry *first, const TimerEntry *second)
{
    return first->when < second->when
           || (first->when == second->when && first->order < second->order);
}

static void
sift_up(TimerEntry *heap, Py_ssize_t position)
{
    TimerEntry moving = heap[position];
    while (position > 0) {
        Py_ssize_t parent = (position - 1) / 2;
        if (!entry_before(&moving, &heap[parent])) {
            break;
        }
        heap[position] = heap[parent];
        position = parent;
    }
    heap[position] = moving;
}

static void
sift_down(TimerEntry *heap, Py_ssize_t count, Py_ssize_t position)
{
    TimerEntry moving = heap[position];
    for (;;) {
        Py_ssize_t child = 2 * position + 1;
        if (child >= count) {
            break;
        }
        if (child + 1 < count && entry_before(&heap[child + 1], &heap[child])) {
            child++;
        }
        if (!entry_before(&heap[child], &moving)) {
            break;
        }
        heap[position] = heap[child];
        position = child;
    }
    heap[position] = moving;
}

static void
heapify(TimerEntry *heap, Py_ssize_t count)
{
    for (Py_ssize_t position = count / 2 - 1; position >= 0; position--) {
        sift_down(heap, count, position);
    }
}

/* Whether ``timer`` is cancelled: 1, 0, or -1 with an exception. */
static int
timer_is_cancelled(PyObject *timer)
{
    PyObject *cancelled = Py_TYPE(timer) == timer_type
                          ? Py_NewRef(get_slot(timer, off_cancelled))
                          : PyObject_GetAttr(timer, str_cancelled);
    if (cancelled == NULL) {
        return -1;
    }
    int is = cancelled == Py_True ? 1 : cancelled == Py_False ? 0 : PyObject_IsTrue(cancelled);
    Py_DECREF(cancelled);
    return is;
}

/* ``timer._scheduled = value``: 0, or -1 with an exception. */
static int
set_scheduled(PyObject *timer, PyObject *value)
{
    if (Py_TYPE(timer) == timer_type) {
        set_slot(timer, off_scheduled, value);
        return 0;
    }
    return PyObject_SetAttr(timer, str_scheduled, value);
}

/* Make room for one more entry: 0, or -1 with an exception. */
static int
queue_grow(TimerQueueObject *queue)
{
    if (queue->count < queue->capacity) {
        return 0;
    }
    if (queue->capacity > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(TimerEntry) / 2) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t capacity = queue->capacity < 16 ? 16 : queue->capacity * 2;
    TimerEntry *heap = PyMem_Realloc(queue->heap, capacity * sizeof(TimerEntry));
    if (heap == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    queue->heap = heap;
    queue->capacity = capacity;
    return 0;
}

/* TimerQueue.push(when, timer): 0, or -1 with an exception. */
static int
queue_push(TimerQueueObject *queue, PyObject *when, PyObject *timer)
{
    double at = PyFloat_CheckExact(when) ? PyFloat_AS_DOUBLE(when) : PyFloat_AsDouble(when);
    if (at == -1.0 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Format(PyExc_TypeError,
                         "a timer's due time must be a number (a loop.time() value), not %.100s",
                         Py_TYPE(when)->tp_name);
        }
        return -1;
    }
    if (set_scheduled(timer, Py_True) < 0 || queue_grow(queue) < 0) {
        return -1;
    }
    TimerEntry *entry = &queue->heap[queue->count];
    entry->when = at;
    entry->order = queue->pushed++;
    entry->timer = Py_NewRef(timer);
    sift_up(queue->heap, queue->count++);
    return 0;
}

/* The head's timer (a new reference), taken off the heap. */
static PyObject *
queue_pop_head(TimerQueueObject *queue)
{
    PyObject *timer = queue->heap[0].timer;
    Py_ssize_t last = --queue->count;
    if (last > 0) {
        queue->heap[0] = queue->heap[last];
        sift_down(queue->heap, last, 0);
    }
    return timer;
}

/* A timer taken off the queue (the reference is stolen): no longer
 * scheduled; counted out if cancelled, else appended to ``ready`` unless
 * that is NULL.  0, or -1 with an exception. */
static int
queue_release(TimerQueueObject *queue, PyObject *timer, PyObject *ready)
{
    int cancelled = set_scheduled(timer, Py_False) < 0 ? -1 : timer_is_cancelled(timer);
    if (cancelled > 0) {
        queue->cancelled--;
    }
    else if (cancelled == 0 && ready != NULL) {
        PyObject *appended = Py_TYPE(ready) == deque_type
                             ? direct_call(&deque_append, ready, &timer, 1, NULL)
                             : call_method1(ready, str_append, timer);
        cancelled = appended == NULL ? -1 : 0;
        Py_XDECREF(appended);
    }
    Py_DECREF(timer);
    return cancelled < 0 ? -1 : 0;
}

/* Take every entry off ``queue``, which is left empty: they are the
 * caller's (``*count`` of them in an array of ``*capacity``; free it with
 * PyMem_Free). */
static TimerEntry *
queue_take_all(TimerQueueObject *queue, Py_ssize_t *count, Py_ssize_t *capacity)
{
    TimerEntry *entries = queue->heap;
    *count = queue->count;
    *capacity = queue->capacity;
    queue->heap = NULL;
    queue->count = queue->capacity = 0;
    return entries;
}

/* Drop every cancelled timer at once.  The entries are off the queue while
 * their timers are read; what was pushed meanwhile is pushed again after.
 * 0, or -1 with an exception. */
static int
queue_drop_cancelled(TimerQueueObject *queue)
{
    Py_ssize_t count, capacity;
    TimerEntry *entries = queue_take_all(queue, &count, &capacity);
    PyObject *dropped = PyList_New(0);
    int failed = dropped == NULL;
    Py_ssize_t kept = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        int cancelled = failed ? 0 : timer_is_cancelled(entries[i].timer);
        if (cancelled > 0 && PyList_Append(dropped, entries[i].timer) == 0) {
            Py_DECREF(entries[i].timer);  /* the list holds it */
            continue;
        }
        failed |= cancelled != 0;
        entries[kept++] = entries[i];
    }
    Py_ssize_t pushed, pushed_capacity;
    TimerEntry *meanwhile = queue_take_all(queue, &pushed, &pushed_capacity);
    heapify(entries, kept);
    queue->heap = entries;
    queue->count = kept;
    queue->capacity = capacity;
    for (Py_ssize_t i = 0; i < pushed; i++) {
        if (queue_grow(queue) == 0) {
            queue->heap[queue->count] = meanwhile[i];
            sift_up(queue->heap, queue->count++);
        }
        else {  /* out of memory: the timer is lost, and the error says so */
            failed = 1;
            Py_DECREF(meanwhile[i].timer);
        }
    }
    PyMem_Free(meanwhile);
    if (dropped != NULL) {
        Py_ssize_t total = PyList_GET_SIZE(dropped);
        queue->cancelled -= total;
        for (Py_ssize_t i = 0; i < total && !failed; i++) {
            failed = set_scheduled(PyList_GET_ITEM(dropped, i), Py_False) < 0;
        }
        Py_DECREF(dropped);
    }
    return failed ? -1 : 0;
}

static PyObject *
timer_queue_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    if (PyTuple_GET_SIZE(args) != 0 || (kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0)) {
        PyErr_SetString(PyExc_TypeError, "TimerQueue() takes no arguments");
        return NULL;
    }
    return type->tp_alloc(type, 0);
}

static int
timer_queue_traverse(TimerQueueObject *queue, visitproc visit, void *arg)
{
    for (Py_ssize_t i = 0; i < queue->count; i++) {
        Py_VISIT(queue->heap[i].timer);
    }
    return 0;
}

/* Forget every timer, unscheduled: 0, or -1 with an exception (the queue is
 * empty either way). */
static int
queue_release_all(TimerQueueObject *queue)
{
    Py_ssize_t count, capacity;
    TimerEntry *entries = queue_take_all(queue, &count, &capacity);
    queue->cancelled = 0;
    int failed = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        failed = failed || set_scheduled(entries[i].timer, Py_False) < 0;
        Py_DECREF(entries[i].timer);
    }
    PyMem_Free(entries);
    return failed ? -1 : 0;
}

static int
timer_queue_clear(TimerQueueObject *queue)
{
    Py_ssize_t count, capacity;
    TimerEntry *entries = queue_take_all(queue, &count, &capacity);
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_DECREF(entries[i].timer);
    }
    PyMem_Free(entries);
    return 0;
}

static void
timer_queue_dealloc(TimerQueueObject *queue)
{
    PyObject_GC_UnTrack(queue);
    timer_queue_clear(queue);
    Py_TYPE(queue)->tp_free((PyObject *)queue);
}

static Py_ssize_t
timer_queue_length(TimerQueueObject *queue)
{
    return queue->count;
}

static PyObject *
timer_queue_push(TimerQueueObject *queue, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "push(when, timer) takes 2 arguments (%zd given)", nargs);
        return NULL;
    }
    return queue_push(queue, args[0], args[1]) < 0 ? NULL : Py_NewRef(Py_None);
}

/* When the earliest timer not cancelled is due, in ``*when``: 1, 0 when
 * there is none, or -1 with an exception.  Cancelled timers at the head
 * are let go, and the queue rebuilt when they are most of it. */
static int
queue_earliest(TimerQueueObject *queue, double *when)
{
    if (queue->cancelled * 2 > queue->count && queue->count > min_timers_to_rebuild
        && queue_drop_cancelled(queue) < 0) {
        return -1;
    }
    while (queue->count > 0) {
        int cancelled = timer_is_cancelled(queue->heap[0].timer);
        if (cancelled < 0) {
            return -1;
        }
        if (!cancelled) {
            *when = queue->heap[0].when;
            return 1;
        }
        if (queue_release(queue, queue_pop_head(queue), NULL) < 0) {
            return -1;
        }
    }
    return 0;
}

/* The timers due before ``end`` onto ``ready``: 0, or -1 with an exception. */
static int
queue_pop_due(TimerQueueObject *queue, double end, PyObject *ready)
{
    while (queue->count > 0 && queue->heap[0].when < end) {
        if (queue_release(queue, queue_pop_head(queue), ready) < 0) {
            return -1;
        }
    }
    return 0;
}

static PyObject *
timer_queue_earliest(TimerQueueObject *queue, PyObject *unused)
{
    double when;
    int found = queue_earliest(queue, &when);
    if (found <= 0) {
        return found < 0 ? NULL : Py_NewRef(Py_None);
    }
    return PyFloat_FromDouble(when);
}

static PyObject *
timer_queue_pop_due(TimerQueueObject *queue, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "pop_due(end, ready) takes 2 arguments (%zd given)",
                     nargs);
        return NULL;
    }
    double end = PyFloat_AsDouble(args[0]);
    if (end == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    return queue_pop_due(queue, end, args[1]) < 0 ? NULL : Py_NewRef(Py_None);
}

static int
compare_entries(const void *first, const void *second)
{
    return entry_before(first, second) ? -1 : entry_before(second, first) ? 1 : 0;
}

static PyObject *
timer_queue_pending(TimerQueueObject *queue, PyObject *unused)
{
    Py_ssize_t count = queue->count;
    TimerEntry *sorted = PyMem_New(TimerEntry, count > 0 ? count : 1);
    PyObject *pending = sorted != NULL ? PyList_New(count) : PyErr_NoMemory();
    if (pending != NULL) {
        memcpy(sorted, queue->heap, count * sizeof(TimerEntry));
        qsort(sorted, count, sizeof(TimerEntry), compare_entries);
        for (Py_ssize_t i = 0; i < count; i++) {
            PyList_SET_ITEM(pending, i, Py_NewRef(sorted[i].timer));
        }
    }
    PyMem_Free(sorted);
    return pending;
}

static PyObject *
timer_queue_clear_method(TimerQueueObject *queue, PyObject *unused)
{
    return queue_release_all(queue) < 0 ? NULL : Py_NewRef(Py_None);
}

static PyMethodDef timer_queue_methods[] = {
    {"push", (PyCFunction)(void (*)(void))timer_queue_push, METH_FASTCALL,
     "push($self, when, timer, /)\n--\n\nQueue timer, due at when."},
    {"earliest", (PyCFunction)timer_queue_earliest, METH_NOARGS,
     "earliest($self, /)\n--\n\nWhen the first timer not cancelled is due (None: no timer), "
     "dropping the cancelled timers ahead of it."},
    {"pop_due", (PyCFunction)(void (*)(void))timer_queue_pop_due, METH_FASTCALL,
     "pop_due($self, end, ready, /)\n--\n\nAppend the timers due before end to ready, "
     "earliest first; cancelled ones are dropped."},
    {"pending", (PyCFunction)timer_queue_pending, METH_NOARGS,
     "pending($self, /)\n--\n\nThe timers on the queue, earliest first (a new list)."},
    {"clear", (PyCFunction)timer_queue_clear_method, METH_NOARGS,
     "clear($self, /)\n--\n\nForget every timer (the loop is closing)."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef timer_queue_members[] = {
    {"count", T_PYSSIZET, offsetof(TimerQueueObject, count), READONLY,
     "How many timers are queued, cancelled ones included."},
    {"cancelled", T_PYSSIZET, offsetof(TimerQueueObject, cancelled), 0,
     "How many of the queued timers are cancelled."},
    {NULL, 0, 0, 0, NULL},
};

static PySequenceMethods timer_queue_as_sequence = {
    .sq_length = (lenfunc)timer_queue_length,
};

static PyTypeObject TimerQueueType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "genloop._speedups.TimerQueue",
    .tp_doc = "Scheduled timers, earliest first (genloop.timers.TimerQueue in C).",
    .tp_basicsize = sizeof(TimerQueueObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = timer_queue_new,
    .tp_dealloc = (destructor)timer_queue_dealloc,
    .tp_traverse = (traverseproc)timer_queue_traverse,
    .tp_clear = (inquiry)timer_queue_clear,
    .tp_as_sequence = &timer_queue_as_sequence,
    .tp_methods = timer_queue_methods,
    .tp_members = timer_queue_members,
};

/* -- the loop's timers ---------------------------------------------------------
 *
 * EventLoop.call_at and call_later and a Timer's cancel(), outside debug
 * mode (genloop/loop.py and asyncio's TimerHandle.cancel are the
 * reference), for a loop of the class given (a subclass may override what
 * they call) with the compiled timer queue; anything else goes to the pure
 * methods. */
static PyTypeObject *event_loop_type;
static PyObject *pure_call_at, *pure_call_later, *pure_timer_cancel;
static Py_ssize_t off_timer_queue, off_when;
static PyObject *str_time;

/* Whether ``loop`` is of the class given, open, not in debug mode, with
 * the compiled timer queue. */
static inline int
plain_timer_loop(PyObject *loop)
{
    return Py_TYPE(loop) == event_loop_type && plain_loop(loop)
           && Py_TYPE(get_slot(loop, off_timer_queue)) == &TimerQueueType;
}

/* A Timer for ``callback(*args)`` (``args[0]`` is the callback), due at
 * ``when``, on the loop's timer queue. */
static PyObject *
schedule_timer(PyObject *loop, PyObject *when, PyObject *const *args, Py_ssize_t nargs,
               PyObject *context)
{
    PyObject *timer = new_handle(timer_type, loop, args[0], args + 1, nargs - 1, context);
    if (timer == NULL) {
        return NULL;
    }
    SLOT(timer, off_when) = Py_NewRef(when);
    SLOT(timer, off_scheduled) = Py_NewRef(Py_False);
    if (queue_push((TimerQueueObject *)get_slot(loop, off_timer_queue), when, timer) < 0) {
        Py_DECREF(timer);
        return NULL;
    }
    return timer;
}

static PyObject *
loop_call_at(PyObject *loop, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs < 2 || args[0] == Py_None || (kwnames != NULL && !context_only(kwnames))
        || !plain_timer_loop(loop)) {
        return call_pure_method(pure_call_at, loop, args, nargs, kwnames);
    }
    return schedule_timer(loop, args[0], args + 1, nargs - 1,
                          kwnames != NULL ? args[nargs] : Py_None);
}

static PyObject *
loop_call_later(PyObject *loop, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs < 2 || !(PyFloat_CheckExact(args[0]) || PyLong_CheckExact(args[0]))
        || (kwnames != NULL && !context_only(kwnames)) || !plain_timer_loop(loop)) {
        return call_pure_method(pure_call_later, loop, args, nargs, kwnames);
    }
    PyObject *now = call_method0(loop, str_time);
    PyObject *when = now != NULL ? PyNumber_Add(now, args[0]) : NULL;
    Py_XDECREF(now);
    if (when == NULL) {
        return NULL;
    }
    PyObject *timer = NULL;
    if (when == Py_None) {  /* from a time() of some other kind: call_at's error */
        PyErr_SetString(PyExc_TypeError, "when cannot be None: pass a loop.time() value");
    }
    else {
        timer = schedule_timer(loop, when, args + 1, nargs - 1,
                               kwnames != NULL ? args[nargs] : Py_None);
    }
    Py_DECREF(when);
    return timer;
}

/* Timer.cancel(): TimerHandle.cancel() with the loop's
 * _timer_handle_cancelled() and Handle.cancel() inline. */
static PyObject *
timer_cancel(PyObject *timer, PyObject *unused)
{
    PyObject *cancelled = get_slot(timer, off_cancelled);
    if (cancelled == Py_True) {
        Py_RETURN_NONE;
    }
    PyObject *loop = get_slot(timer, off_handle_loop);
    if (cancelled != Py_False || Py_TYPE(loop) != event_loop_type
        || get_slot(loop, off_debug) != Py_False
        || Py_TYPE(get_slot(loop, off_timer_queue)) != &TimerQueueType) {
        return PyObject_CallOneArg(pure_timer_cancel, timer);
    }
    if (get_slot(timer, off_scheduled) == Py_True) {
        ((TimerQueueObject *)get_slot(loop, off_timer_queue))->cancelled++;
    }
    set_slot(timer, off_cancelled, Py_True);
    set_slot(timer, off_callback, Py_None);
    set_slot(timer, off_args, Py_None);
    Py_RETURN_NONE;
}

static PyMethodDef call_at_def = {
    "call_at", (PyCFunction)(void (*)(void))loop_call_at, METH_FASTCALL | METH_KEYWORDS,
    "call_at($self, when, callback, /, *args, context=None)\n--\n\n"
    "Run callback(*args) once the loop's time() reaches when (C outside debug mode).",
};

static PyMethodDef call_later_def = {
    "call_later", (PyCFunction)(void (*)(void))loop_call_later, METH_FASTCALL | METH_KEYWORDS,
    "call_later($self, delay, callback, /, *args, context=None)\n--\n\n"
    "Run callback(*args) delay seconds from now (C outside debug mode).",
};

static PyMethodDef timer_cancel_def = {
    "cancel", timer_cancel, METH_NOARGS,
    "Cancel the timer: it will not run (C outside debug mode).",
};

/* -- polling for I/O -----------------------------------------------------------
 *
 * selectors.EpollSelector.select() and asyncio's
 * BaseSelectorEventLoop._process_events() and _add_callback() (alike from
 * 3.10 to 3.13: the standard library is the reference) in one C function:
 * one poll, and the handles of what it found onto the ready queue in the
 * order asyncio puts them there, without the list of (key, events) pairs
 * between the two.  Only for a loop whose selector is exactly an
 * EpollSelector and where none of the three is overridden, on the class or
 * on the instance (a test's virtual clock replaces ``select``). */
static PyMethodDef *own_method(PyTypeObject *cls, const char *name);
static PyTypeObject *epoll_selector_type, *epoll_type;
static PyCFunction epoll_fileno;  /* select.epoll.fileno, a METH_NOARGS method */
static PyObject *epoll_select, *base_process_events, *base_add_callback;
static long event_read, event_write, epollin, epollout;
static PyObject *str_selector, *str_fd_to_key;
static PyObject *str_select, *str_process_events, *str_add_callback;
static PyObject *str_remove_reader, *str_remove_writer;

/* A file descriptor's key (a SelectorKey) and the events it had. */
typedef struct {
    PyObject *key;
    long mask;
} IoEvent;

/* Whether ``obj.name`` is the function ``function`` of its class, not
 * overridden by a subclass or on the instance: 1, 0, or -1 with an
 * exception.  Asked at every iteration, so as the interpreter looks a
 * method up before calling it: without making a bound method, and without
 * making the instance's __dict__ where its attributes are kept without one
 * (3.11+), which would make every later lookup on it slower. */
static int
is_method(PyObject *obj, PyObject *name, PyObject *function)
{
    PyObject *found = NULL;
    int unbound = _PyObject_GetMethod(obj, name, &found);
    if (found == NULL) {
        return -1;
    }
    Py_DECREF(found);
    return unbound && found == function;
}

/* One end of a ready file descriptor: a cancelled handle removes its
 * reader or writer (``remove``), any other goes onto the ready queue.
 * 0, or -1 with an exception. */
static int
queue_io_handle(PyObject *loop, PyObject *handle, PyObject *remove, PyObject *fileobj)
{
    PyObject *flag = PyObject_GetAttr(handle, str_cancelled);
    int cancelled = flag != NULL ? PyObject_IsTrue(flag) : -1;
    Py_XDECREF(flag);
    if (cancelled < 0) {
        return -1;
    }
    if (cancelled) {
        PyObject *removed = call_method1(loop, remove, fileobj);
        Py_XDECREF(removed);
        return removed == NULL ? -1 : 0;
    }
    return make_ready(loop, handle);
}

/* The events of one file descriptor (``key``, ``mask``), as
 * _process_events handles them. 0, or -1 with an exception. */
static int
process_event(PyObject *loop, PyObject *key, long mask)
{
    PyObject *data = PyTuple_GET_ITEM(key, 3);
    if (!PyTuple_CheckExact(data) || PyTuple_GET_SIZE(data) != 2) {
        /* Not the (reader, writer) pair: asyncio's own words for it. */
        PyObject *pair = Py_BuildValue("[(Ol)]", key, mask);
        PyObject *done = pair != NULL ? call_method1(loop, str_process_events, pair) : NULL;
        Py_XDECREF(pair);
        Py_XDECREF(done);
        return done == NULL ? -1 : 0;
    }
    PyObject *fileobj = Py_NewRef(PyTuple_GET_ITEM(key, 0));
    PyObject *reader = Py_NewRef(PyTuple_GET_ITEM(data, 0));
    PyObject *writer = Py_NewRef(PyTuple_GET_ITEM(data, 1));
    int failed = 0;
    if (mask & event_read && reader != Py_None) {
        failed = queue_io_handle(loop, reader, str_remove_reader, fileobj) < 0;
    }
    if (!failed && mask & event_write && writer != Py_None) {
        failed = queue_io_handle(loop, writer, str_remove_writer, fileobj) < 0;
    }
    Py_DECREF(writer);
    Py_DECREF(reader);
    Py_DECREF(fileobj);
    return failed ? -1 : 0;
}

/* Whether ``loop``'s selector is exactly an EpollSelector, and none of
 * select, _process_events and _add_callback overridden: 1 (the selector,
 * a new reference, in ``*selector``), 0, or -1 with an exception. */
static int
plain_selector(PyObject *loop, PyObject **selector)
{
    *selector = PyObject_GetAttr(loop, str_selector);
    if (*selector == NULL) {
        return -1;
    }
    int plain = Py_TYPE(*selector) == epoll_selector_type ? is_method(*selector, str_select, epoll_select) : 0;
    if (plain > 0) {
        plain = is_method(loop, str_process_events, base_process_events);
    }
    if (plain > 0) {
        plain = is_method(loop, str_add_callback, base_add_callback);
    }
    if (plain <= 0) {
        Py_CLEAR(*selector);
    }
    return plain;
}

#ifndef __linux__
/* Where there is no epoll, io_core() is not called: no selector is plain. */
struct epoll_event {
    unsigned int events;
    union { int fd; } data;
};
#define epoll_wait(fd, ready, size, milliseconds) (errno = ENOSYS, -1)
#endif

/* Wait at most ``wait`` seconds (forever if negative) for events on the
 * epoll object ``epoll``: how many ``ready`` holds (at most ``size``), or
 * -1 with an exception.  What is ready already is taken without letting
 * go of the GIL; a wait lets go of it, as epoll.poll() does.  An
 * interrupted wait runs the signal handlers and finds nothing (the loop
 * polls again at its next iteration). */
static int
wait_for_events(PyObject *epoll, struct epoll_event *ready, int size, double wait)
{
    PyObject *number = epoll_fileno(epoll, NULL);
    long fd = number != NULL ? PyLong_AsLong(number) : -1;
    Py_XDECREF(number);
    if (fd == -1 && PyErr_Occurred()) {
        return -1;
    }
    int found = epoll_wait((int)fd, ready, size, 0);
    if (found == 0 && wait != 0.0) {
        /* epoll_wait() counts milliseconds: round up, to wait at least that long. */
        int milliseconds = wait < 0.0 ? -1 : (int)ceil(wait * 1e3);
        Py_BEGIN_ALLOW_THREADS
        found = epoll_wait((int)fd, ready, size, milliseconds);
        Py_END_ALLOW_THREADS
    }
    if (found < 0) {
        if (errno != EINTR) {
            PyErr_SetFromErrno(PyExc_OSError);
            return -1;
        }
        return PyErr_CheckSignals() < 0 ? -1 : 0;
    }
    return found;
}

/* Poll a plain ``selector`` of ``loop`` for at most ``wait`` seconds
 * (forever if negative) and queue the handles of what it found: how many
 * file descriptors had events, or -1 with an exception. */
static Py_ssize_t
poll_selector(PyObject *loop, PyObject *selector, double wait)
{
    PyObject *epoll = PyObject_GetAttr(selector, str_selector);
    PyObject *fd_to_key = epoll != NULL ? PyObject_GetAttr(selector, str_fd_to_key) : NULL;
    if (fd_to_key == NULL || !PyDict_Check(fd_to_key) || !Py_IS_TYPE(epoll, epoll_type)) {
        if (fd_to_key != NULL) {
            PyErr_SetString(PyExc_TypeError,
                            "the selector's _fd_to_key is not a dict, or its _selector not an epoll");
        }
        Py_XDECREF(fd_to_key);
        Py_XDECREF(epoll);
        return -1;
    }
    /* As EpollSelector.select(): room for an event per watched file descriptor. */
    Py_ssize_t watched = PyDict_GET_SIZE(fd_to_key);
    int size = watched < 1 ? 1 : watched > INT_MAX / 2 ? INT_MAX / 2 : (int)watched;
    struct epoll_event small_found[16];
    struct epoll_event *found = size <= 16 ? small_found : PyMem_New(struct epoll_event, size);
    IoEvent small[16];
    IoEvent *ready = size <= 16 ? small : PyMem_New(IoEvent, size);
    int count = found != NULL && ready != NULL ? wait_for_events(epoll, found, size, wait) : -1;
    Py_DECREF(epoll);
    if (found == NULL || ready == NULL) {
        PyErr_NoMemory();
    }
    Py_ssize_t result = -1, events = 0;
    if (count < 0) {
        goto done;
    }
    /* As select() and then _process_events(): every key is looked up
     * before any handle is queued. */
    for (int i = 0; i < count; i++) {
        PyObject *fd = PyLong_FromLong(found[i].data.fd);
        PyObject *key = fd != NULL ? PyDict_GetItemWithError(fd_to_key, fd) : NULL;
        Py_XDECREF(fd);
        if (key == NULL) {
            if (PyErr_Occurred()) {
                goto done;
            }
            continue;
        }
        long key_events = PyTuple_Check(key) && PyTuple_GET_SIZE(key) == 4
            ? PyLong_AsLong(PyTuple_GET_ITEM(key, 2)) : -1;
        if (key_events == -1) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "the selector's key is not a SelectorKey");
            }
            goto done;
        }
        long event = (long)found[i].events;
        long mask = ((event & ~epollin) ? event_write : 0) | ((event & ~epollout) ? event_read : 0);
        ready[events].key = Py_NewRef(key);
        ready[events++].mask = mask & key_events;
    }
    Py_ssize_t processed = 0;
    while (processed < events && process_event(loop, ready[processed].key, ready[processed].mask) == 0) {
        processed++;
    }
    if (processed == events) {
        result = events;
    }

done:
    for (Py_ssize_t i = 0; i < events; i++) {
        Py_DECREF(ready[i].key);
    }
    if (ready != small) {
        PyMem_Free(ready);
    }
    if (found != small_found) {
        PyMem_Free(found);
    }
    Py_DECREF(fd_to_key);
    return result;
}

/* poll_events(loop, timeout): poll the loop's selector and queue the
 * handles of what it found; how many file descriptors had events, or
 * NotImplemented where the loop's selector or methods are not the ones
 * this function stands for (the caller then calls them). */
static PyObject *
poll_events(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "poll_events(loop, timeout)");
        return NULL;
    }
    PyObject *selector;
    int plain = plain_selector(args[0], &selector);
    if (plain <= 0) {
        return plain < 0 ? NULL : Py_NewRef(Py_NotImplemented);
    }
    double wait = -1.0;
    if (args[1] != Py_None) {
        wait = PyFloat_AsDouble(args[1]);
        if (wait == -1.0 && PyErr_Occurred()) {
            Py_DECREF(selector);
            return NULL;
        }
        wait = wait < 0 ? 0.0 : wait;
    }
    Py_ssize_t found = poll_selector(args[0], selector, wait);
    Py_DECREF(selector);
    return found < 0 ? NULL : PyLong_FromSsize_t(found);
}

static PyMethodDef poll_events_def = {
    "poll_events", (PyCFunction)(void (*)(void))poll_events, METH_FASTCALL,
    "poll_events(loop, timeout)\n--\n\n"
    "Poll the loop's epoll selector and queue the handles of what it found (C); "
    "NotImplemented where the selector or the loop's methods are not asyncio's.",
};

/* io_core(EpollSelector, select.epoll, BaseSelectorEventLoop, EVENT_READ,
 *         EVENT_WRITE, EPOLLIN, EPOLLOUT), after loop_core(): poll_events. */
static PyObject *
io_core(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7 || !PyType_Check(args[0]) || !PyType_Check(args[1]) || !PyType_Check(args[2])
        || timer_type == NULL) {
        PyErr_SetString(PyExc_TypeError,
                        "io_core(EpollSelector, select.epoll, BaseSelectorEventLoop, EVENT_READ, "
                        "EVENT_WRITE, EPOLLIN, EPOLLOUT), after loop_core()");
        return NULL;
    }
    long constants[4];
    for (int i = 0; i < 4; i++) {
        constants[i] = PyLong_AsLong(args[3 + i]);
        if (constants[i] == -1 && PyErr_Occurred()) {
            return NULL;
        }
    }
    PyMethodDef *fileno = own_method((PyTypeObject *)args[1], "fileno");
    if (fileno == NULL || (fileno->ml_flags & ~METH_COEXIST) != METH_NOARGS) {
        PyErr_Format(PyExc_TypeError, "%R.fileno is not the select module's C method", args[1]);
        return NULL;
    }
    PyObject *select = PyObject_GetAttr(args[0], str_select);
    PyObject *process = select != NULL ? PyObject_GetAttr(args[2], str_process_events) : NULL;
    PyObject *add = process != NULL ? PyObject_GetAttr(args[2], str_add_callback) : NULL;
    PyObject *poll = add != NULL ? PyCFunction_New(&poll_events_def, NULL) : NULL;
    if (poll != NULL) {
        keep((PyObject **)&epoll_selector_type, args[0]);
        keep((PyObject **)&epoll_type, args[1]);
        epoll_fileno = fileno->ml_meth;
        keep(&epoll_select, select);
        keep(&base_process_events, process);
        keep(&base_add_callback, add);
        event_read = constants[0];
        event_write = constants[1];
        epollin = constants[2];
        epollout = constants[3];
    }
    Py_XDECREF(select);
    Py_XDECREF(process);
    Py_XDECREF(add);
    return poll;
}

/* -- the iteration -----------------------------------------------------------
 *
 * EventLoop._run_once (genloop/loop.py is the reference) in C, for a loop
 * of the class EventLoop itself outside debug mode, whose timer queue is
 * the C one and whose poll is poll_selector(): the timeout from the
 * earliest timer, the poll (or not, while callbacks keep coming), the due
 * timers, the ready queue's run.  Any other loop's iteration is its
 * _run_once method's. */
static PyTypeObject *event_loop_type;
static PyObject *pure_run_once;
static PyObject *str_run_once, *str_clock_resolution;
static Py_ssize_t off_stopping, off_callbacks_since_poll, off_timer_queue;
static double maximum_select_timeout;
static long callbacks_per_poll;

/* ``loop.<name>()`` or ``loop.<name>`` as a C double: 0, or -1 with an
 * exception. */
static int
loop_number(PyObject *loop, PyObject *name, int call, double *number)
{
    PyObject *value = call ? call_method0(loop, name) : PyObject_GetAttr(loop, name);
    *number = value != NULL ? PyFloat_AsDouble(value) : -1.0;
    Py_XDECREF(value);
    return *number == -1.0 && PyErr_Occurred() ? -1 : 0;
}

/* Whether a loop's watched file descriptors are the self-pipe's at most. */
static int
watches_only_self_pipe(PyObject *selector)
{
    PyObject *fd_to_key = PyObject_GetAttr(selector, str_fd_to_key);
    if (fd_to_key == NULL) {
        return -1;
    }
    Py_ssize_t watched = PyObject_Length(fd_to_key);
    Py_DECREF(fd_to_key);
    return watched < 0 ? -1 : watched <= 1;
}

/* One iteration of ``loop``: 1, 0 (nothing done) where its _run_once must
 * run it, or -1 with an exception. */
static int
run_once(PyObject *loop)
{
    int debug = PyObject_IsTrue(get_slot(loop, off_debug));
    PyObject *ready = get_slot(loop, off_ready);
    PyObject *timers = get_slot(loop, off_timer_queue);
    if (debug != 0 || Py_TYPE(ready) != deque_type || !Py_IS_TYPE(timers, &TimerQueueType)) {
        return debug < 0 ? -1 : 0;
    }
    PyObject *selector;
    int plain = plain_selector(loop, &selector);
    if (plain <= 0) {
        return plain;
    }
    TimerQueueObject *queue = (TimerQueueObject *)timers;
    double earliest = 0.0, now, resolution;
    int timed = queue->count > 0 ? queue_earliest(queue, &earliest) : 0;
    int stopping = timed >= 0 ? PyObject_IsTrue(get_slot(loop, off_stopping)) : -1;
    long since = stopping >= 0 ? PyLong_AsLong(get_slot(loop, off_callbacks_since_poll)) : -1;
    if (since == -1 && PyErr_Occurred()) {
        goto error;
    }
    double wait = 0.0;
    int poll = 1;
    if (Py_SIZE(ready) == 0 && !stopping) {
        /* Nothing to run: wait for I/O until the earliest timer is due. */
        wait = -1.0;
        if (timed) {
            if (loop_number(loop, str_time, 1, &now) < 0) {
                goto error;
            }
            wait = earliest - now;
            wait = wait < 0.0 ? 0.0 : wait > maximum_select_timeout ? maximum_select_timeout : wait;
        }
    }
    else if (!stopping && since < callbacks_per_poll) {
        /* Callbacks keep coming: poll only if more than the self-pipe is watched. */
        poll = watches_only_self_pipe(selector);
        if (poll < 0) {
            goto error;
        }
        poll = !poll;
    }
    if (poll) {
        Py_ssize_t found = poll_selector(loop, selector, wait);
        if (found < 0) {
            goto error;
        }
        /* While I/O is busy, poll at every iteration, as asyncio does. */
        since = found ? callbacks_per_poll : 0;
    }
    Py_CLEAR(selector);
    PyObject *count = PyLong_FromLong(since + (long)Py_SIZE(ready));
    if (count == NULL) {
        return -1;
    }
    set_slot(loop, off_callbacks_since_poll, count);
    Py_DECREF(count);
    if (timed) {
        if (loop_number(loop, str_time, 1, &now) < 0
            || loop_number(loop, str_clock_resolution, 0, &resolution) < 0
            || queue_pop_due(queue, now + resolution, ready) < 0) {
            return -1;
        }
    }
    return run_handles(ready, Py_SIZE(ready)) < 0 ? -1 : 1;

error:
    Py_XDECREF(selector);
    return -1;
}

/* run_until_stopped(loop): iterations of ``loop`` until its _stopping is
 * set, each in C where run_once() can run it, else by its _run_once. */
static PyObject *
run_until_stopped(PyObject *module, PyObject *loop)
{
    if (!PyObject_TypeCheck(loop, event_loop_type)) {
        PyErr_Format(PyExc_TypeError, "run_until_stopped() runs a genloop.EventLoop, not %R", loop);
        return NULL;
    }
    for (;;) {
        /* A signal's Python handler runs between iterations, as it does
         * between the bytecodes of a pure _run_once. */
        if (PyErr_CheckSignals() < 0) {
            return NULL;
        }
        int done = 0;
        if (Py_TYPE(loop) == event_loop_type) {
            /* _run_once may be replaced on the instance (a test's mock). */
            done = is_method(loop, str_run_once, pure_run_once);
            done = done > 0 ? run_once(loop) : done;
        }
        if (done == 0) {
            PyObject *result = call_method0(loop, str_run_once);
            Py_XDECREF(result);
            done = result == NULL ? -1 : 1;
        }
        int stopping = done < 0 ? -1 : PyObject_IsTrue(get_slot(loop, off_stopping));
        if (stopping != 0) {
            return stopping < 0 ? NULL : Py_NewRef(Py_None);
        }
    }
}

static PyMethodDef run_until_stopped_def = {
    "run_until_stopped", run_until_stopped, METH_O,
    "run_until_stopped(loop)\n--\n\n"
    "Run the loop's iterations until it is asked to stop (C where it can).",
};

/* run_core(EventLoop, pure _run_once, MAXIMUM_SELECT_TIMEOUT,
 *          CALLBACKS_PER_POLL), after timer_core() (and io_core(), where
 * there is epoll: without it, every iteration is _run_once's):
 * run_until_stopped. */
static PyObject *
run_core(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !PyType_Check(args[0]) || !PyCallable_Check(args[1])
        || min_timers_to_rebuild == 0) {
        PyErr_SetString(PyExc_TypeError,
                        "run_core(EventLoop, _run_once, MAXIMUM_SELECT_TIMEOUT, "
                        "CALLBACKS_PER_POLL), after timer_core()");
        return NULL;
    }
    double maximum = PyFloat_AsDouble(args[2]);
    long per_poll = maximum == -1.0 && PyErr_Occurred() ? -1 : PyLong_AsLong(args[3]);
    if (per_poll == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (slot_offset(args[0], "_stopping", &off_stopping) < 0
        || slot_offset(args[0], "_callbacks_since_poll", &off_callbacks_since_poll) < 0
        || slot_offset(args[0], "_timer_queue", &off_timer_queue) < 0) {
        return NULL;
    }
    PyObject *runner = PyCFunction_New(&run_until_stopped_def, NULL);
    if (runner != NULL) {
        keep((PyObject **)&event_loop_type, args[0]);
        keep(&pure_run_once, args[1]);
        maximum_select_timeout = maximum;
        callbacks_per_poll = per_poll;
    }
    return runner;
}

/* timer_core(EventLoop, pure call_at, pure call_later, pure Timer.cancel,
 *            MIN_TIMERS_TO_REBUILD), after loop_core(): the compiled
 * call_at and call_later of EventLoop and cancel of Timer, as method
 * descriptors, and the compiled TimerQueue class. */
static PyObject *
timer_core(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5 || !PyType_Check(args[0]) || !PyCallable_Check(args[1])
        || !PyCallable_Check(args[2]) || !PyCallable_Check(args[3]) || !PyLong_Check(args[4])
        || timer_type == NULL) {
        PyErr_SetString(PyExc_TypeError,
                        "timer_core(EventLoop, call_at, call_later, Timer.cancel, "
                        "MIN_TIMERS_TO_REBUILD), after loop_core()");
        return NULL;
    }
    Py_ssize_t minimum = PyLong_AsSsize_t(args[4]);
    if ((minimum == -1 && PyErr_Occurred())
        || slot_offset(args[0], "_timer_queue", &off_timer_queue) < 0
        || slot_offset((PyObject *)timer_type, "_when", &off_when) < 0
        || slot_offset((PyObject *)timer_type, "_scheduled", &off_scheduled) < 0) {
        return NULL;
    }
    PyObject *call_at = PyDescr_NewMethod((PyTypeObject *)args[0], &call_at_def);
    PyObject *call_later = call_at != NULL
        ? PyDescr_NewMethod((PyTypeObject *)args[0], &call_later_def) : NULL;
    PyObject *cancel = call_later != NULL ? PyDescr_NewMethod(timer_type, &timer_cancel_def) : NULL;
    PyObject *all = cancel != NULL
        ? PyTuple_Pack(4, call_at, call_later, cancel, (PyObject *)&TimerQueueType) : NULL;
    Py_XDECREF(call_at);
    Py_XDECREF(call_later);
    Py_XDECREF(cancel);
    if (all == NULL) {
        return NULL;
    }
    keep((PyObject **)&event_loop_type, args[0]);
    keep(&pure_call_at, args[1]);
    keep(&pure_call_later, args[2]);
    keep(&pure_timer_cancel, args[3]);
    min_timers_to_rebuild = minimum;
    return all;
}

/* Whether ``second`` keeps each field of ``names`` (NULL-terminated) where
 * ``first`` keeps it: 0, or -1 with a TypeError. */
static int
fields_shared(PyObject *first, PyObject *second, const char *const *names)
{
    for (; *names != NULL; names++) {
        Py_ssize_t here, there;
        if (slot_offset(first, *names, &here) < 0 || slot_offset(second, *names, &there) < 0) {
            return -1;
        }
        if (here != there) {
            PyErr_Format(PyExc_TypeError, "loop_core(): %R and %R keep their fields apart",
                         first, second);
            return -1;
        }
    }
    return 0;
}

/* loop_core(EventLoop, pure call_soon, Task, Callback, Timer, asyncio.Handle,
 *           callback_error_propagates, report_failure): the loop's hot
 * paths for its handle classes, as (run_ready, the call_soon method
 * descriptor of EventLoop).  The Task is the one start() was given. */
static PyObject *
loop_core(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 8 || !PyType_Check(args[0]) || !PyCallable_Check(args[1]) || task_class == NULL
        || args[2] != task_class || !PyType_Check(args[3]) || !PyType_Check(args[4])
        || !PyType_Check(args[5]) || !PyCallable_Check(args[6]) || !PyCallable_Check(args[7])) {
        PyErr_SetString(PyExc_TypeError,
                        "loop_core(EventLoop, call_soon, Task, Callback, Timer, asyncio.Handle, "
                        "callback_error_propagates, report_failure), after start() was "
                        "given the same Task");
        return NULL;
    }
    PyObject *callback = args[3];
    /* What run_ready and run_callback read, the same in the three. */
    static const char *const run_fields[] = {
        "_callback", "_args", "_cancelled", "_context", "_source_traceback", NULL,
    };
    if (slot_offset(callback, "_callback", &off_callback) < 0
        || slot_offset(callback, "_args", &off_args) < 0
        || slot_offset(callback, "_cancelled", &off_cancelled) < 0
        || slot_offset(callback, "_context", &off_handle_context) < 0
        || slot_offset(callback, "_loop", &off_handle_loop) < 0
        || slot_offset(callback, "_source_traceback", &off_source_traceback) < 0
        || slot_offset(callback, "_repr", &off_repr) < 0
        || fields_shared(callback, args[4], run_fields) < 0
        || fields_shared(callback, args[5], run_fields) < 0
        || slot_offset(args[0], "_ready", &off_ready) < 0
        || slot_offset(args[0], "_closed", &off_closed) < 0
        || slot_offset(args[0], "_debug", &off_debug) < 0) {
        return NULL;
    }
    PyObject *collections = PyImport_ImportModule("collections");
    PyObject *deque = collections != NULL ? PyObject_GetAttrString(collections, "deque") : NULL;
    Py_XDECREF(collections);
    if (deque == NULL || base_method(deque, "append", &deque_append) < 0
        || base_method(deque, "popleft", &deque_popleft) < 0) {
        Py_XDECREF(deque);
        return NULL;
    }
    keep((PyObject **)&deque_type, deque);
    Py_DECREF(deque);
    PyObject *method = PyDescr_NewMethod((PyTypeObject *)args[0], &call_soon_def);
    PyObject *runner = method != NULL ? PyCFunction_New(&run_ready_def, NULL) : NULL;
    PyObject *both = runner != NULL ? PyTuple_Pack(2, runner, method) : NULL;
    Py_XDECREF(runner);
    Py_XDECREF(method);
    if (both == NULL) {
        return NULL;
    }
    keep(&pure_call_soon, args[1]);
    keep((PyObject **)&callback_type, callback);
    keep((PyObject **)&timer_type, args[4]);
    keep((PyObject **)&asyncio_handle_type, args[5]);
    keep(&error_propagates, args[6]);
    keep(&failure_reporter, args[7]);
    return both;
}

/* -- legacy coroutine functions ---------------------------------------------- */

/* What @genloop.coroutine makes of a generator function where asyncio
 * refuses generators (3.12+ without genloop.compat), without a frame of
 * its own: a function whose call wraps the generator in a LegacyCoroutine,
 * the one object stock asyncio takes for a coroutine there
 * (coroutines.py's pure wrapper).  functools.wraps fills its __dict__. */
typedef struct {
    PyObject_HEAD
    PyObject *function;  /* the generator function */
    PyObject *made;      /* the LegacyCoroutine class to make */
    int plain;           /* made is of plain code: __iter__ gives the generator */
    PyObject *dict;
    vectorcallfunc vectorcall;
} LegacyFunctionObject;

#if PY_VERSION_HEX >= 0x030C0000
/* Whether the running Python frame hands the object its current
 * instruction makes straight to ``yield from`` or ``await``: the
 * instruction that follows it (past its inline caches) is one of
 * ``consuming_opcodes``.  Then no one else sees a legacy coroutine, and
 * its generator is enough.  The code's live bytes are read, specialized
 * and instrumented as they may be: ``cache_entries`` gives the cache size
 * of every opcode that can make a call, and UNKNOWN_OPCODE for any other,
 * for which the answer is no.  Set by yield_from_opcodes(). */
#define UNKNOWN_OPCODE 255
static unsigned char cache_entries[256];
static int consuming_opcodes[2] = {-1, -1};

static int
consumed_at_once(void)
{
    PyThreadState *tstate = PyThreadState_Get();
#if PY_VERSION_HEX >= 0x030D0000
    struct _PyInterpreterFrame *frame = tstate->current_frame;
#else
    struct _PyInterpreterFrame *frame = tstate->cframe->current_frame;
#endif
    if (frame == NULL || consuming_opcodes[0] < 0) {
        return 0;
    }
    PyObject *code = PyUnstable_InterpreterFrame_GetCode(frame);
    if (code == NULL || !PyCode_Check(code)) {
        Py_XDECREF(code);
        return 0;
    }
    int consumed = 0;
    /* Two bytes a unit: the opcode, then its argument. */
    const unsigned char *ops = (const unsigned char *)((PyCodeObject *)code)->co_code_adaptive;
    Py_ssize_t size = 2 * Py_SIZE(code);
    Py_ssize_t at = PyUnstable_InterpreterFrame_GetLasti(frame);
    if (at >= 0 && at < size && cache_entries[ops[at]] != UNKNOWN_OPCODE) {
        Py_ssize_t next = at + 2 * (1 + (Py_ssize_t)cache_entries[ops[at]]);
        consumed = next < size
                   && (ops[next] == consuming_opcodes[0] || ops[next] == consuming_opcodes[1]);
    }
    Py_DECREF(code);
    return consumed;
}

/* yield_from_opcodes(cache_entries, (GET_YIELD_FROM_ITER, GET_AWAITABLE)):
 * the inline cache entries of each opcode that can make a call (bytes, by
 * opcode, UNKNOWN_OPCODE for the others), and the two opcodes that take
 * an object straight into ``yield from``/``await``. */
static PyObject *
yield_from_opcodes(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int first, second;
    if (nargs != 2 || !PyBytes_Check(args[0]) || PyBytes_GET_SIZE(args[0]) != 256
        || !PyArg_ParseTuple(args[1], "ii", &first, &second)
        || first < 0 || first > 255 || second < 0 || second > 255) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError,
                        "yield_from_opcodes(bytes of 256 cache entries, "
                        "(GET_YIELD_FROM_ITER, GET_AWAITABLE))");
        return NULL;
    }
    memcpy(cache_entries, PyBytes_AS_STRING(args[0]), 256);
    consuming_opcodes[0] = first;
    consuming_opcodes[1] = second;
    Py_RETURN_NONE;
}
#endif

static PyObject *
legacy_call(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    LegacyFunctionObject *legacy = (LegacyFunctionObject *)self;
    /* The function's own vectorcall, as the interpreter calls it. */
    vectorcallfunc call = PyVectorcall_Function(legacy->function);
    PyObject *gen = call != NULL ? call(legacy->function, args, nargsf, kwnames)
                                 : PyObject_Vectorcall(legacy->function, args, nargsf, kwnames);
    if (gen == NULL) {
        return NULL;
    }
#if PY_VERSION_HEX >= 0x030C0000
    if (legacy->plain && consumed_at_once()) {
        /* ``yield from f()`` or ``await f()``: the generator, as its
         * LegacyCoroutine's __iter__ and __await__ would give it. */
        return gen;
    }
#endif
    /* LegacyCoroutine(gen) without an __init__ call. */
    PyTypeObject *made = (PyTypeObject *)legacy->made;
    PyObject *coro = PyBaseObject_Type.tp_new(made, empty_tuple, NULL);
    if (coro == NULL) {
        Py_DECREF(gen);
        return NULL;
    }
    SLOT(coro, off_gen) = gen;  /* a new object: the slot was empty */
    return coro;
}

static PyObject *
legacy_get(PyObject *self, PyObject *obj, PyObject *type)
{
    if (obj == NULL || obj == Py_None) {
        return Py_NewRef(self);
    }
    return PyMethod_New(self, obj);
}

static PyObject *
legacy_repr(PyObject *self)
{
    PyObject *name = PyObject_GetAttrString(self, "__qualname__");
    if (name == NULL) {
        PyErr_Clear();
        return PyUnicode_FromFormat("<legacy coroutine function of %R>",
                                    ((LegacyFunctionObject *)self)->function);
    }
    /* A function's repr: it stands for the function decorated. */
    PyObject *shown = PyUnicode_FromFormat("<function %U at %p>", name, self);
    Py_DECREF(name);
    return shown;
}

/* Pickled by reference, as a function is: its qualified name. */
static PyObject *
legacy_reduce(PyObject *self, PyObject *unused)
{
    return PyObject_GetAttrString(self, "__qualname__");
}

static int
legacy_traverse(PyObject *self, visitproc visit, void *arg)
{
    LegacyFunctionObject *legacy = (LegacyFunctionObject *)self;
    Py_VISIT(legacy->function);
    Py_VISIT(legacy->made);
    Py_VISIT(legacy->dict);
    return 0;
}

static int
legacy_clear(PyObject *self)
{
    LegacyFunctionObject *legacy = (LegacyFunctionObject *)self;
    Py_CLEAR(legacy->function);
    Py_CLEAR(legacy->made);
    Py_CLEAR(legacy->dict);
    return 0;
}

static void
legacy_dealloc(PyObject *self)
{
    PyObject_GC_UnTrack(self);
    legacy_clear(self);
    PyObject_GC_Del(self);
}

static PyMethodDef legacy_methods[] = {
    {"__reduce__", legacy_reduce, METH_NOARGS, "Pickled by its qualified name."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef legacy_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject LegacyFunctionType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "genloop._speedups.LegacyFunction",
    .tp_basicsize = sizeof(LegacyFunctionObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL
                | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_doc = NULL,
    .tp_dealloc = legacy_dealloc,
    .tp_traverse = legacy_traverse,
    .tp_clear = legacy_clear,
    .tp_repr = legacy_repr,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(LegacyFunctionObject, vectorcall),
    .tp_descr_get = legacy_get,
    .tp_dictoffset = offsetof(LegacyFunctionObject, dict),
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_setattro = PyObject_GenericSetAttr,
    .tp_methods = legacy_methods,
    .tp_getset = legacy_getset,
};

/* legacy_function(generator_function, LegacyCoroutine class, plain): the
 * function whose calls make that class's objects around the generators;
 * ``plain``: the generators cannot return the legacy way, and a call whose
 * result goes straight to ``yield from``/``await`` gives the generator. */
static PyObject *
legacy_function(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyCallable_Check(args[0]) || !PyType_Check(args[1])
        || !PyBool_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError,
                        "legacy_function(generator_function, LegacyCoroutine class, "
                        "whether the generators return plainly)");
        return NULL;
    }
    Py_ssize_t offset;
    if (slot_offset(args[1], "gen", &offset) < 0) {
        return NULL;
    }
    off_gen = offset;
    LegacyFunctionObject *legacy = PyObject_GC_New(LegacyFunctionObject, &LegacyFunctionType);
    if (legacy == NULL) {
        return NULL;
    }
    legacy->function = Py_NewRef(args[0]);
    legacy->made = Py_NewRef(args[1]);
    legacy->plain = args[2] == Py_True;
    legacy->dict = NULL;
    legacy->vectorcall = legacy_call;
    PyObject_GC_Track(legacy);
    return (PyObject *)legacy;
}

/* ``yield from`` a legacy coroutine of plain code: its generator itself. */
static PyObject *
generator_of(PyObject *coro, PyObject *unused)
{
    PyObject *gen = SLOT(coro, off_gen);
    if (gen == NULL) {
        PyErr_SetString(PyExc_AttributeError, "gen");
        return NULL;
    }
    return Py_NewRef(gen);
}

static PyMethodDef generator_of_def = {
    "__iter__", generator_of, METH_NOARGS,
    "The generator itself: yield from runs it with no frame in between.",
};

/* plain_iter(class): __iter__ for that LegacyCoroutine class. */
static PyObject *
plain_iter(PyObject *module, PyObject *cls)
{
    if (!PyType_Check(cls)) {
        PyErr_SetString(PyExc_TypeError, "plain_iter(LegacyCoroutine class)");
        return NULL;
    }
    if (slot_offset(cls, "gen", &off_gen) < 0) {
        return NULL;
    }
    return PyDescr_NewMethod((PyTypeObject *)cls, &generator_of_def);
}

/* awaiting(Task, Future): Task.__await__ (and __iter__) in C. */
static PyObject *
awaiting(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyType_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "awaiting(Task, Future)");
        return NULL;
    }
    if (base_method(args[1], "result", &future_result) < 0) {
        return NULL;
    }
    return PyDescr_NewMethod((PyTypeObject *)args[0], &await_def);
}

/* Task.result() and Task.exception() (3.9+): the Future's, but that a
 * cancelled task raises the CancelledError it ended with, which the task
 * keeps (Task._make_cancelled_error()).  asyncio's gather() calls both for
 * every task it gathers. */
static PyObject *
unless_cancelled(PyObject *task, const Direct *method)
{
    PyObject *cancelled = direct_call0(&future_cancelled, task);
    if (cancelled == NULL) {
        return NULL;
    }
    Py_DECREF(cancelled);
    if (cancelled != Py_True) {
        return direct_call0(method, task);
    }
    PyObject *error = call_method0(task, str_make_cancelled_error);
    if (error != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(error), error);
        Py_DECREF(error);
    }
    return NULL;
}

static PyObject *
task_result(PyObject *task, PyObject *unused)
{
    return unless_cancelled(task, &future_result);
}

static PyObject *
task_exception(PyObject *task, PyObject *unused)
{
    return unless_cancelled(task, &future_exception);
}

static PyMethodDef result_def = {
    "result", task_result, METH_NOARGS,
    "The task's result; its exception raised, or the CancelledError it ended with."
};

static PyMethodDef exception_def = {
    "exception", task_exception, METH_NOARGS,
    "The task's exception, or None; the CancelledError it ended with raised."
};

/* outcomes(Task, Future): Task.result and Task.exception in C, as method
 * descriptors of the class given. */
static PyObject *
outcomes(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyType_Check(args[0]) || !PyType_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "outcomes(Task, Future)");
        return NULL;
    }
    if (base_method(args[1], "result", &future_result) < 0
        || base_method(args[1], "exception", &future_exception) < 0
        || base_method(args[1], "cancelled", &future_cancelled) < 0) {
        return NULL;
    }
    PyTypeObject *cls = (PyTypeObject *)args[0];
    PyObject *result = PyDescr_NewMethod(cls, &result_def);
    PyObject *exception = result != NULL ? PyDescr_NewMethod(cls, &exception_def) : NULL;
    PyObject *both = exception != NULL ? PyTuple_Pack(2, result, exception) : NULL;
    Py_XDECREF(result);
    Py_XDECREF(exception);
    return both;
}

/* Task.set_name(value): the name's str(), kept in the ``_name`` slot.  On
 * 3.13, asyncio's create_task() calls it for every task a factory made. */
static PyObject *
task_set_name(PyObject *task, PyObject *value)
{
    PyObject *name = PyObject_Str(value);
    if (name == NULL) {
        return NULL;
    }
    set_slot(task, off_name, name);
    Py_DECREF(name);
    Py_RETURN_NONE;
}

static PyMethodDef set_name_def = {
    "set_name", task_set_name, METH_O, "Name the task: str(value)."
};

/* name_setter(Task): Task.set_name in C. */
static PyObject *
name_setter(PyObject *module, PyObject *cls)
{
    if (!PyType_Check(cls) || slot_offset(cls, "_name", &off_name) < 0) {
        if (!PyErr_Occurred()) {
            PyErr_Format(PyExc_TypeError, "name_setter() needs the Task class, got %R", cls);
        }
        return NULL;
    }
    return PyDescr_NewMethod((PyTypeObject *)cls, &set_name_def);
}

/* -- type slots that call the C methods directly ----------------------------
 *
 * A Python class whose __call__, __iter__, __await__ or __del__ is a C
 * method here gets the type's generic slot for it, which looks the method
 * up and calls it at every use: at every step of a task (a loop's handle or
 * a future's callback calls the task), every ``await task``, every task's
 * end and every ``yield from`` of a legacy coroutine.  direct_slots()
 * points those slots at the C functions themselves.  Assigning the method
 * again puts the generic slot back; subclasses get the generic slot, which
 * finds the same method. */

/* tp_call for Task.__call__, the step: ``task()`` or ``task(future)``. */
static PyObject *
task_call(PyObject *task, PyObject *args, PyObject *kwargs)
{
    if (kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0) {
        PyErr_SetString(PyExc_TypeError, "Task._wakeup() takes no keyword arguments");
        return NULL;
    }
    return task_wakeup(task, &PyTuple_GET_ITEM(args, 0), PyTuple_GET_SIZE(args));
}

/* tp_finalize for Task.__del__, as the type's generic slot calls it: the
 * exception being raised kept aside, an error of its own unraisable. */
static void
task_finalize(PyObject *task)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *raised = PyErr_GetRaisedException();
#else
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
#endif
    PyObject *done = task_del(task, NULL);
    if (done == NULL) {
        PyErr_WriteUnraisable(task);
    }
    Py_XDECREF(done);
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(raised);
#else
    PyErr_Restore(type, value, traceback);
#endif
}

/* tp_iter and am_await for Task.__iter__ and Task.__await__. */
static PyObject *
task_await_slot(PyObject *task)
{
    return task_await(task, NULL);
}

/* tp_iter for a LegacyCoroutine class's __iter__, its generator. */
static PyObject *
generator_of_slot(PyObject *coro)
{
    return generator_of(coro, NULL);
}

/* The PyMethodDef of ``cls.__dict__[name]`` if it is a C method, or NULL. */
static PyMethodDef *
own_method(PyTypeObject *cls, const char *name)
{
    PyObject *method = PyDict_GetItemString(cls->tp_dict, name);
    return method != NULL && Py_IS_TYPE(method, &PyMethodDescr_Type)
           ? ((PyMethodDescrObject *)method)->d_method : NULL;
}

/* direct_slots(cls): the slots of cls's C __call__, __iter__ and
 * __await__ (those of this module) call them directly. */
static PyObject *
direct_slots(PyObject *module, PyObject *cls)
{
    if (!PyType_Check(cls) || !(((PyTypeObject *)cls)->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        PyErr_Format(PyExc_TypeError, "direct_slots() needs a class, got %R", cls);
        return NULL;
    }
    PyTypeObject *type = (PyTypeObject *)cls;
    if (own_method(type, "__call__") == &wakeup_def) {
        type->tp_call = task_call;
    }
    PyMethodDef *iter = own_method(type, "__iter__");
    if (iter == &generator_of_def) {
        type->tp_iter = generator_of_slot;
    }
    else if (iter == &await_def) {
        type->tp_iter = task_await_slot;
    }
    if (own_method(type, "__del__") == &del_def) {
        type->tp_finalize = task_finalize;
    }
    if (own_method(type, "__await__") == &await_def && type->tp_as_async != NULL) {
        type->tp_as_async->am_await = task_await_slot;
    }
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"legacy_function", (PyCFunction)(void (*)(void))legacy_function, METH_FASTCALL,
     "A legacy coroutine function: its calls wrap the generators in the class given."},
#if PY_VERSION_HEX >= 0x030C0000
    {"yield_from_opcodes", (PyCFunction)(void (*)(void))yield_from_opcodes, METH_FASTCALL,
     "The opcodes by which a legacy call's result goes straight to yield from or await."},
#endif
    {"plain_iter", plain_iter, METH_O,
     "__iter__ of a LegacyCoroutine class of plain code: the generator itself."},
    {"awaiting", (PyCFunction)(void (*)(void))awaiting, METH_FASTCALL,
     "Task.__await__ in C, as a method descriptor of the class given."},
    {"start", (PyCFunction)(void (*)(void))start, METH_FASTCALL,
     "The C start of genloop.Task: its _start method and its _new function."},
    {"step", (PyCFunction)(void (*)(void))step, METH_FASTCALL,
     "The C step of genloop.Task, as a method descriptor of the class given."},
    {"traverse", (PyCFunction)(void (*)(void))traverse, METH_FASTCALL,
     "Task's garbage-collector traverse in C: its slots, then its base's."},
    {"outcomes", (PyCFunction)(void (*)(void))outcomes, METH_FASTCALL,
     "Task.result and Task.exception in C, as method descriptors of the class given."},
    {"name_setter", name_setter, METH_O,
     "Task.set_name in C, as a method descriptor of the class given."},
    {"loop_core", (PyCFunction)(void (*)(void))loop_core, METH_FASTCALL,
     "The loop's ready queue run and call_soon in C, for the classes given."},
    {"io_core", (PyCFunction)(void (*)(void))io_core, METH_FASTCALL,
     "The loop's poll for I/O and the queueing of what it found, in C."},
    {"run_core", (PyCFunction)(void (*)(void))run_core, METH_FASTCALL,
     "The loop's iterations in C, for a loop of the class given."},
    {"timer_core", (PyCFunction)(void (*)(void))timer_core, METH_FASTCALL,
     "The loop's call_at and call_later, a Timer's cancel, and its timer queue, in C."},
    {"transport_core", (PyCFunction)(void (*)(void))transport_core, METH_FASTCALL,
     "The socket transport's reads and write in C, as method descriptors of the class given."},
    {"direct_slots", direct_slots, METH_O,
     "Point the class's slots for its C __call__, __iter__, __await__ at them."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT, "genloop._speedups",
    "genloop.Task's step, start and end in C (see genloop/tasks.py for the reference).",
    -1, module_methods,
};


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
        || intern(&str_popleft, "popleft") < 0
        || intern(&str_time, "time") < 0
        || intern(&str_scheduled, "_scheduled") < 0
        || intern(&str_selector, "_selector") < 0
        || intern(&str_fd_to_key, "_fd_to_key") < 0
        || intern(&str_select, "select") < 0
        || intern(&str_process_events, "_process_events") < 0
        || intern(&str_add_callback, "_add_callback") < 0
        || intern(&str_remove_reader, "_remove_reader") < 0
        || intern(&str_remove_writer, "_remove_writer") < 0
        || intern(&str_cancelled, "_cancelled") < 0
        || intern(&str_run, "_run") < 0
        || intern(&str_run_once, "_run_once") < 0
        || intern(&str_clock_resolution, "_clock_resolution") < 0

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
    if (transports_init() < 0) {
        return NULL;
    }
    if (PyType_Ready(&AwaitType) < 0 || PyType_Ready(&LegacyFunctionType) < 0
        || PyType_Ready(&TimerQueueType) < 0) {
        return NULL;
    }
    empty_tuple = PyTuple_New(0);
    if (empty_tuple == NULL) {
        return NULL;
    }
    if (intern(&str_source_traceback, "_source_traceback") < 0

        || intern(&str_wakeup_queue, "_wakeup_queue") < 0
        || intern(&str_state, "_state") < 0
        || intern(&str_report_destroyed_pending, "_report_destroyed_pending") < 0
        || intern(&str_note, "note") < 0) {
        return NULL;
    }
    zero = PyLong_FromLong(0);
    init_kwargs = PyDict_New();
    if (zero == NULL || init_kwargs == NULL || intern(&str_loop_keyword, "loop") < 0) {
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
