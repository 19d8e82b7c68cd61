/* genloop._speedups, the socket transport: its reads and the first try of
 * its write, in C.
 *
 * genloop/transports.py's SocketTransport is the reference for the reads,
 * asyncio's _SelectorSocketTransport.write for the write.  A transport of
 * genloop's loop holds a socket of the class socket.socket itself (see
 * transports.reads_plainly), so these call recv() and send() on its file
 * descriptor, not its Python methods: no argument parsing, no memoryview
 * of a buffer, no bytes object of max_size bytes, and no release of the
 * GIL around a call that cannot block (MSG_DONTWAIT), as uvloop's
 * transports do.  What arrives is received into one buffer of this module
 * and handed to the protocol as a bytes copy, as the pure reads do.
 *
 * Anything but the common case goes to the pure methods: a write while
 * data is buffered, after write_eof(), during sendfile or after the
 * connection was lost, of an object other than bytes; a transport whose
 * socket is not a socket.socket.  What a send did not take is kept as
 * asyncio's write() keeps it (keep_rest).
 */

#include "_speedups.h"
#include <errno.h>
#include <sys/socket.h>

/* What transport_core() was given, and what it found. */
static PyTypeObject *socket_type;       /* socket.socket */
static PyCFunction socket_fileno;       /* its fileno(), a METH_NOARGS method */
static PyObject *pure_write, *pure_data_received, *error_propagates;

static PyObject *str_conn_lost, *str_max_size, *str_sock, *str_protocol;
static PyObject *str_data_received, *str_read_ready_cb, *str_on_eof, *str_fatal_error;
static PyObject *str_eof, *str_empty_waiter, *str_buffer;
static PyObject *str_loop, *str_sock_fd, *str_write_ready, *str_add_writer;
static PyObject *str_extend, *str_append, *str_maybe_pause;
static PyObject *read_failed, *protocol_failed, *write_failed;

/* The buffer every read receives into: grown to the largest max_size
 * asked for.  The GIL is held from the recv() to the copy out of it. */
static char *received;
static Py_ssize_t received_size;

/* ``bool(obj.name)``: 1, 0, or -1 with an exception. */
static int
attribute_true(PyObject *obj, PyObject *name)
{
    PyObject *value = PyObject_GetAttr(obj, name);
    int is = value != NULL ? PyObject_IsTrue(value) : -1;
    Py_XDECREF(value);
    return is;
}

/* ``sock.fileno()``, for a socket.socket: -1 once closed (the call then
 * fails with EBADF, as the socket's own method does), -2 with an
 * exception. */
static int
file_descriptor(PyObject *sock)
{
    PyObject *number = socket_fileno(sock, NULL);
    long fd = number != NULL ? PyLong_AsLong(number) : -1;
    Py_XDECREF(number);
    return fd == -1 && PyErr_Occurred() ? -2 : (int)fd;
}

/* The exception being raised by a read, a write or the protocol, as the
 * transport's try blocks treat it: raised again if it must propagate
 * (KeyboardInterrupt, SystemExit), else handed to
 * ``transport._fatal_error(exc, message)``.  None, or NULL. */
static PyObject *
fail(PyObject *transport, PyObject *message)
{
    PyObject *exc = fetch_unless_propagating(error_propagates);
    if (exc == NULL) {
        return NULL;
    }
    PyObject *args[3] = {transport, exc, message};
    PyObject *done = PyObject_VectorcallMethod(
        str_fatal_error, args, 3 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    Py_DECREF(exc);
    if (done == NULL) {
        return NULL;
    }
    Py_DECREF(done);
    Py_RETURN_NONE;
}

/* Whether a failed recv() or send() only says "not now". */
static inline int
would_block(int error)
{
    return error == EAGAIN || error == EWOULDBLOCK;
}

/* SocketTransport._read_ready__data_received(): one read, handed to the
 * protocol. */
static PyObject *
read_data(PyObject *transport, PyObject *unused)
{
    int lost = attribute_true(transport, str_conn_lost);
    if (lost != 0) {
        return lost < 0 ? NULL : Py_NewRef(Py_None);
    }
    PyObject *sock = PyObject_GetAttr(transport, str_sock);
    if (sock == NULL) {
        return NULL;
    }
    PyObject *limit = Py_TYPE(sock) == socket_type ? PyObject_GetAttr(transport, str_max_size) : NULL;
    Py_ssize_t size = limit != NULL ? PyLong_AsSsize_t(limit) : 0;
    Py_XDECREF(limit);
    if (size == -1 && PyErr_Occurred()) {
        Py_DECREF(sock);
        return NULL;
    }
    if (size <= 0) {
        /* Not a plain socket, or a max_size recv_into() would read otherwise. */
        Py_DECREF(sock);
        return PyObject_CallOneArg(pure_data_received, transport);
    }
    int fd = file_descriptor(sock);
    Py_DECREF(sock);
    if (fd == -2) {
        return fail(transport, read_failed);
    }
    if (size > received_size) {
        char *grown = PyMem_Realloc(received, size);
        if (grown == NULL) {
            return PyErr_NoMemory();
        }
        received = grown;
        received_size = size;
    }
    ssize_t count;
    while ((count = recv(fd, received, size, MSG_DONTWAIT)) < 0 && errno == EINTR) {
        /* As the socket's methods: signal handlers run, then the call again. */
        if (PyErr_CheckSignals() < 0) {
            return fail(transport, read_failed);
        }
    }
    if (count < 0) {
        if (would_block(errno)) {
            Py_RETURN_NONE;
        }
        PyErr_SetFromErrno(PyExc_OSError);
        return fail(transport, read_failed);
    }
    if (count == 0) {
        return call_method0(transport, str_on_eof);
    }
    PyObject *data = PyBytes_FromStringAndSize(received, count);
    if (data == NULL) {
        return NULL;
    }
    PyObject *protocol = PyObject_GetAttr(transport, str_protocol);
    PyObject *done = protocol != NULL ? call_method1(protocol, str_data_received, data) : NULL;
    Py_XDECREF(protocol);
    Py_DECREF(data);
    if (done == NULL) {
        return fail(transport, protocol_failed);
    }
    Py_DECREF(done);
    Py_RETURN_NONE;
}

static PyMethodDef read_data_def = {
    "_read_ready__data_received", read_data, METH_NOARGS,
    "_read_ready__data_received($self, /)\n--\n\n"
    "One read of the socket, handed to the protocol's data_received() (C).",
};

/* SocketTransport._read_ready(): the read its protocol asks for, called
 * here directly when it is read_data() of this transport. */
static PyObject *
read_ready(PyObject *transport, PyObject *unused)
{
    PyObject *read = PyObject_GetAttr(transport, str_read_ready_cb);
    if (read == NULL) {
        return NULL;
    }
    PyObject *done = PyCFunction_Check(read) && PyCFunction_GET_FUNCTION(read) == read_data
                     && PyCFunction_GET_SELF(read) == transport
                     ? read_data(transport, NULL) : PyObject_CallNoArgs(read);
    Py_DECREF(read);
    return done;
}

static PyMethodDef read_ready_def = {
    "_read_ready", read_ready, METH_NOARGS,
    "_read_ready($self, /)\n--\n\n"
    "The socket is readable: read as the protocol asks (C).",
};

/* Whether write() may send ``data`` at once: no data buffered, no EOF
 * written, no sendfile running, the connection not lost.  1, 0, or -1
 * with an exception. */
static int
sends_at_once(PyObject *transport)
{
    int no = attribute_true(transport, str_eof);
    if (no == 0) {
        PyObject *waiter = PyObject_GetAttr(transport, str_empty_waiter);
        no = waiter == NULL ? -1 : waiter != Py_None;
        Py_XDECREF(waiter);
    }
    if (no == 0) {
        no = attribute_true(transport, str_conn_lost);
    }
    if (no == 0) {
        no = attribute_true(transport, str_buffer);
    }
    return no < 0 ? -1 : !no;
}

/* What asyncio's write() does once its send took ``sent`` bytes of
 * ``data`` but not all (or none): wait for the socket to be writable, keep
 * the rest in the transport's buffer, and pause the protocol if the buffer
 * is past its high-water mark.  Without a second send: the peer may have
 * gone meanwhile, and asyncio's order of events is kept.  The buffer is a
 * bytearray up to 3.11, a deque of the objects written (the rest of one as
 * a memoryview) from 3.12.  None, or NULL. */
static PyObject *
keep_rest(PyObject *transport, PyObject *data, Py_ssize_t sent)
{
    PyObject *loop = PyObject_GetAttr(transport, str_loop);
    PyObject *fd = loop != NULL ? PyObject_GetAttr(transport, str_sock_fd) : NULL;
    PyObject *ready = fd != NULL ? PyObject_GetAttr(transport, str_write_ready) : NULL;
    PyObject *added = NULL;
    if (ready != NULL) {
        PyObject *args[3] = {loop, fd, ready};
        added = PyObject_VectorcallMethod(str_add_writer, args, 3 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    }
    Py_XDECREF(ready);
    Py_XDECREF(fd);
    Py_XDECREF(loop);
    if (added == NULL) {
        return NULL;
    }
    Py_DECREF(added);
    PyObject *buffer = PyObject_GetAttr(transport, str_buffer);
    if (buffer == NULL) {
        return NULL;
    }
    PyObject *rest, *kept;
    if (PyByteArray_Check(buffer)) {
        rest = PyBytes_FromStringAndSize(PyBytes_AS_STRING(data) + sent, PyBytes_GET_SIZE(data) - sent);
        kept = rest != NULL ? call_method1(buffer, str_extend, rest) : NULL;
    }
    else {
        PyObject *view = sent > 0 ? PyMemoryView_FromObject(data) : NULL;
        rest = sent > 0 ? (view != NULL ? PySequence_GetSlice(view, sent, PY_SSIZE_T_MAX) : NULL)
                        : Py_NewRef(data);
        Py_XDECREF(view);
        kept = rest != NULL ? call_method1(buffer, str_append, rest) : NULL;
    }
    Py_XDECREF(rest);
    Py_DECREF(buffer);
    if (kept == NULL) {
        return NULL;
    }
    Py_DECREF(kept);
    return call_method0(transport, str_maybe_pause);
}

/* SocketTransport.write(data): bytes sent at once when nothing is
 * buffered, what the send did not take kept; anything else by asyncio's
 * write(). */
static PyObject *
write_data(PyObject *transport, PyObject *data)
{
    Py_ssize_t length = PyBytes_CheckExact(data) ? PyBytes_GET_SIZE(data) : 0;
    int direct = length > 0 ? sends_at_once(transport) : 0;
    PyObject *sock = direct > 0 ? PyObject_GetAttr(transport, str_sock) : NULL;
    if (direct < 0 || (direct > 0 && sock == NULL)) {
        return NULL;
    }
    if (sock == NULL || Py_TYPE(sock) != socket_type) {
        Py_XDECREF(sock);
        PyObject *args[2] = {transport, data};
        return PyObject_Vectorcall(pure_write, args, 2, NULL);
    }
    int fd = file_descriptor(sock);
    Py_DECREF(sock);
    if (fd == -2) {
        return fail(transport, write_failed);
    }
    ssize_t sent;
    while ((sent = send(fd, PyBytes_AS_STRING(data), length, MSG_DONTWAIT)) < 0 && errno == EINTR) {
        if (PyErr_CheckSignals() < 0) {
            return fail(transport, write_failed);
        }
    }
    if (sent == length) {
        Py_RETURN_NONE;
    }
    if (sent < 0 && !would_block(errno)) {
        PyErr_SetFromErrno(PyExc_OSError);
        return fail(transport, write_failed);
    }
    return keep_rest(transport, data, sent > 0 ? sent : 0);
}

static PyMethodDef write_def = {
    "write", write_data, METH_O,
    "write($self, data, /)\n--\n\n"
    "Write data to the transport: sent at once where nothing waits to be (C).",
};

/* transport_core(SocketTransport, socket.socket, callback_error_propagates):
 * SocketTransport's _read_ready, _read_ready__data_received and write in
 * C, as method descriptors of the class; the ones it has now (the pure
 * read, asyncio's write) are what the C ones hand the unusual cases to. */
PyObject *
transport_core(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyType_Check(args[0]) || !PyType_Check(args[1])
        || !PyCallable_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError,
                        "transport_core(SocketTransport, socket.socket, "
                        "callback_error_propagates)");
        return NULL;
    }
    PyTypeObject *cls = (PyTypeObject *)args[0];
    PyObject *fileno = PyObject_GetAttrString(args[1], "fileno");
    if (fileno == NULL) {
        return NULL;
    }
    PyMethodDef *def = Py_IS_TYPE(fileno, &PyMethodDescr_Type)
                       ? ((PyMethodDescrObject *)fileno)->d_method : NULL;
    Py_DECREF(fileno);
    if (def == NULL || (def->ml_flags & ~METH_COEXIST) != METH_NOARGS) {
        PyErr_Format(PyExc_TypeError, "%R.fileno is not the socket module's C method", args[1]);
        return NULL;
    }
    PyObject *write_method = PyObject_GetAttrString(args[0], "write");
    PyObject *read_method = write_method != NULL
                            ? PyObject_GetAttrString(args[0], "_read_ready__data_received") : NULL;
    PyObject *methods = read_method != NULL ? Py_BuildValue(
        "(NNN)", PyDescr_NewMethod(cls, &read_ready_def), PyDescr_NewMethod(cls, &read_data_def),
        PyDescr_NewMethod(cls, &write_def)) : NULL;
    if (methods != NULL) {
        keep((PyObject **)&socket_type, args[1]);
        socket_fileno = def->ml_meth;
        keep(&pure_write, write_method);
        keep(&pure_data_received, read_method);
        keep(&error_propagates, args[2]);
    }
    Py_XDECREF(write_method);
    Py_XDECREF(read_method);
    return methods;
}

int
transports_init(void)
{
    read_failed = PyUnicode_FromString("Fatal read error on socket transport");
    protocol_failed = PyUnicode_FromString("Fatal error: protocol.data_received() call failed.");
    write_failed = PyUnicode_FromString("Fatal write error on socket transport");
    if (read_failed == NULL || protocol_failed == NULL || write_failed == NULL) {
        return -1;
    }
    return intern(&str_conn_lost, "_conn_lost") < 0 || intern(&str_max_size, "max_size") < 0
           || intern(&str_sock, "_sock") < 0 || intern(&str_protocol, "_protocol") < 0
           || intern(&str_data_received, "data_received") < 0
           || intern(&str_read_ready_cb, "_read_ready_cb") < 0
           || intern(&str_on_eof, "_read_ready__on_eof") < 0
           || intern(&str_fatal_error, "_fatal_error") < 0 || intern(&str_eof, "_eof") < 0
           || intern(&str_empty_waiter, "_empty_waiter") < 0 || intern(&str_buffer, "_buffer") < 0
           || intern(&str_loop, "_loop") < 0 || intern(&str_sock_fd, "_sock_fd") < 0
           || intern(&str_write_ready, "_write_ready") < 0
           || intern(&str_add_writer, "_add_writer") < 0 || intern(&str_extend, "extend") < 0
           || intern(&str_append, "append") < 0
           || intern(&str_maybe_pause, "_maybe_pause_protocol") < 0
           ? -1 : 0;
}
