/* connection.c - plain TCP and unix-socket connection types.
 *
 * Implements the ConnectionType vtables behind the conn*() API of
 * connection.h for sockets that need no extra protocol layer. Both types
 * share almost everything; they differ only in how an outgoing connection is
 * opened (TCP host:port vs. filesystem path).
 *
 * Event wiring: a connection registers one ae file handler (connSocketEventHandler)
 * for both directions, and that handler dispatches to the connection's
 * conn_handler (pending connect), read_handler and write_handler.
 *
 * Lifetime: every user callback is invoked through connCallHandler(), which pins
 * the connection (refs++) for the duration. connClose() inside a callback
 * therefore only releases the fd and marks CONN_FLAG_CLOSE_SCHEDULED; the
 * memory is freed when the outermost callback returns, and connCallHandler()
 * reports that so the dispatcher stops touching the connection.
 */
#include "connection.h"
#include "ae.h"
#include "anet.h"
#include "zmalloc.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define CONN_OK 0
#define CONN_ERR -1

/* All connections live on one loop, set at startup by the server (or test). */
static aeEventLoop *conn_el = NULL;

void connSetEventLoop(struct aeEventLoop *el) {
    conn_el = el;
}

static ConnectionType CT_Socket;
static ConnectionType CT_Unix;

/* ------------------------------------------------------------------------
 * Creation
 * ---------------------------------------------------------------------- */

static connection *connNew(ConnectionType *type, int fd, ConnectionState state) {
    connection *conn = zcalloc(sizeof(*conn));
    conn->type = type;
    conn->fd = fd;
    conn->state = state;
    return conn;
}

connection *connCreateSocket(void) {
    return connNew(&CT_Socket, -1, CONN_STATE_NONE);
}

/* Wrap an fd returned by accept(); connAccept() must be called next. */
connection *connCreateAcceptedSocket(int fd) {
    return connNew(&CT_Socket, fd, CONN_STATE_ACCEPTING);
}

connection *connCreateUnix(void) {
    return connNew(&CT_Unix, -1, CONN_STATE_NONE);
}

connection *connCreateAcceptedUnix(int fd) {
    return connNew(&CT_Unix, fd, CONN_STATE_ACCEPTING);
}

/* ------------------------------------------------------------------------
 * Handler invocation and close
 * ---------------------------------------------------------------------- */

/* Run a user callback with the connection pinned. Returns 0 when the callback
 * (or something it called) closed the connection and it has now been freed:
 * the caller must not touch conn again. Returns 1 otherwise. */
int connCallHandler(connection *conn, ConnectionCallbackFunc handler) {
    if (!handler) return 1;
    conn->refs++;
    handler(conn);
    conn->refs--;
    if (conn->refs == 0 && (conn->flags & CONN_FLAG_CLOSE_SCHEDULED)) {
        conn->type->close(conn);
        return 0;
    }
    return 1;
}

/* Release the fd at once (so the peer sees the close promptly and no more
 * events arrive), but defer freeing the struct while a callback for it is on
 * the stack. */
static void connSocketClose(connection *conn) {
    if (conn->fd != -1) {
        if (conn_el) aeDeleteFileEvent(conn_el, conn->fd, AE_READABLE|AE_WRITABLE);
        close(conn->fd);
        conn->fd = -1;
    }
    if (conn->refs > 0) {
        conn->flags |= CONN_FLAG_CLOSE_SCHEDULED;
        return;
    }
    zfree(conn);
}

/* ------------------------------------------------------------------------
 * Event dispatch
 * ---------------------------------------------------------------------- */

static int connSocketPendingError(int fd) {
    int sockerr = 0;
    socklen_t len = sizeof(sockerr);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &sockerr, &len) == -1) sockerr = errno;
    return sockerr;
}

/* A non-blocking connect finished (socket became writable): settle the state
 * and tell the owner. Returns 0 if the connection was freed. */
static int connSocketFinishConnect(connection *conn) {
    int sockerr = connSocketPendingError(conn->fd);
    if (sockerr) {
        conn->last_errno = sockerr;
        conn->state = CONN_STATE_ERROR;
    } else {
        conn->state = CONN_STATE_CONNECTED;
    }
    /* The writable interest was only there to learn about the connect. */
    if (!conn->write_handler) aeDeleteFileEvent(conn_el, conn->fd, AE_WRITABLE);

    ConnectionCallbackFunc handler = conn->conn_handler;
    conn->conn_handler = NULL;
    return connCallHandler(conn, handler);
}

static void connSocketEventHandler(struct aeEventLoop *el, int fd, void *clientData, int mask) {
    connection *conn = clientData;
    (void)el;
    (void)fd;

    if (conn->state == CONN_STATE_CONNECTING && (mask & AE_WRITABLE) && conn->conn_handler) {
        if (!connSocketFinishConnect(conn)) return;
    }

    /* Handlers are re-read from conn before each call: the previous one may
     * have removed or replaced them. With a write barrier, writing goes
     * first so that data prepared in a previous iteration leaves before new
     * input is processed. */
    int barrier = conn->flags & CONN_FLAG_WRITE_BARRIER;
    int readable = mask & AE_READABLE;
    int writable = mask & AE_WRITABLE;

    if (!barrier && readable) {
        if (!connCallHandler(conn, conn->read_handler)) return;
    }
    if (writable) {
        if (!connCallHandler(conn, conn->write_handler)) return;
    }
    if (barrier && readable) {
        if (!connCallHandler(conn, conn->read_handler)) return;
    }
}

static int connSocketSetWriteHandler(connection *conn, ConnectionCallbackFunc func, int barrier) {
    if (func == conn->write_handler &&
        !!barrier == !!(conn->flags & CONN_FLAG_WRITE_BARRIER))
        return CONN_OK;

    if (barrier) conn->flags |= CONN_FLAG_WRITE_BARRIER;
    else conn->flags &= ~CONN_FLAG_WRITE_BARRIER;
    conn->write_handler = func;

    if (!func) {
        /* Keep the writable interest while a connect is still pending. */
        if (conn->fd != -1 && !(conn->state == CONN_STATE_CONNECTING && conn->conn_handler))
            aeDeleteFileEvent(conn_el, conn->fd, AE_WRITABLE);
        return CONN_OK;
    }
    if (conn->fd == -1) return CONN_ERR;
    if (aeCreateFileEvent(conn_el, conn->fd, AE_WRITABLE, connSocketEventHandler, conn) == AE_ERR)
        return CONN_ERR;
    return CONN_OK;
}

static int connSocketSetReadHandler(connection *conn, ConnectionCallbackFunc func) {
    if (func == conn->read_handler) return CONN_OK;
    conn->read_handler = func;

    if (!func) {
        if (conn->fd != -1) aeDeleteFileEvent(conn_el, conn->fd, AE_READABLE);
        return CONN_OK;
    }
    if (conn->fd == -1) return CONN_ERR;
    if (aeCreateFileEvent(conn_el, conn->fd, AE_READABLE, connSocketEventHandler, conn) == AE_ERR)
        return CONN_ERR;
    return CONN_OK;
}

/* ------------------------------------------------------------------------
 * Connect / accept
 * ---------------------------------------------------------------------- */

/* Common tail of the async connects: fd came from an anet non-blocking
 * connect (or -1 on failure). */
static int connSocketStartConnect(connection *conn, int fd, ConnectionCallbackFunc handler) {
    if (fd == -1) {
        conn->state = CONN_STATE_ERROR;
        conn->last_errno = errno;
        return CONN_ERR;
    }
    conn->fd = fd;
    conn->state = CONN_STATE_CONNECTING;
    conn->conn_handler = handler;
    if (aeCreateFileEvent(conn_el, fd, AE_WRITABLE, connSocketEventHandler, conn) == AE_ERR) {
        conn->state = CONN_STATE_ERROR;
        conn->last_errno = errno;
        return CONN_ERR;
    }
    return CONN_OK;
}

static int connSocketConnect(connection *conn, const char *addr, int port,
                             const char *src_addr, ConnectionCallbackFunc handler) {
    int fd = anetTcpNonBlockBindConnect(NULL, addr, port, src_addr);
    return connSocketStartConnect(conn, fd, handler);
}

static int connUnixConnect(connection *conn, const char *addr, int port,
                           const char *src_addr, ConnectionCallbackFunc handler) {
    (void)port;
    (void)src_addr;
    int fd = anetUnixNonBlockConnect(NULL, addr);
    return connSocketStartConnect(conn, fd, handler);
}

/* Wait up to timeout ms for a started connect to complete. */
static int connSocketFinishBlockingConnect(connection *conn, int fd, long long timeout) {
    if (fd == -1) {
        conn->state = CONN_STATE_ERROR;
        conn->last_errno = errno;
        return CONN_ERR;
    }
    conn->fd = fd;
    if (!(aeWait(fd, AE_WRITABLE, timeout) & AE_WRITABLE)) {
        conn->state = CONN_STATE_ERROR;
        conn->last_errno = ETIMEDOUT;
        errno = ETIMEDOUT;
        return CONN_ERR;
    }
    int sockerr = connSocketPendingError(fd);
    if (sockerr) {
        conn->state = CONN_STATE_ERROR;
        conn->last_errno = sockerr;
        errno = sockerr;
        return CONN_ERR;
    }
    conn->state = CONN_STATE_CONNECTED;
    return CONN_OK;
}

static int connSocketBlockingConnect(connection *conn, const char *addr, int port,
                                     long long timeout) {
    int fd = anetTcpNonBlockConnect(NULL, addr, port);
    return connSocketFinishBlockingConnect(conn, fd, timeout);
}

static int connUnixBlockingConnect(connection *conn, const char *addr, int port,
                                   long long timeout) {
    (void)port;
    int fd = anetUnixNonBlockConnect(NULL, addr);
    return connSocketFinishBlockingConnect(conn, fd, timeout);
}

/* Plain sockets need no handshake, so accepting completes immediately and
 * the handler runs synchronously. Returns CONN_ERR if the handler closed the
 * connection (it is gone then). */
static int connSocketAccept(connection *conn, ConnectionCallbackFunc accept_handler) {
    if (conn->state != CONN_STATE_ACCEPTING) return CONN_ERR;
    conn->state = CONN_STATE_CONNECTED;
    if (!connCallHandler(conn, accept_handler)) return CONN_ERR;
    return CONN_OK;
}

/* ------------------------------------------------------------------------
 * Non-blocking I/O
 * ---------------------------------------------------------------------- */

/* Record a failed read/write. EAGAIN is not a failure; EINTR just means
 * "retry" so it doesn't break the connection either. The state is only moved
 * from CONNECTED, so a pending connect still reports through its handler. */
static void connSocketNoteIoError(connection *conn) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    conn->last_errno = errno;
    if (errno != EINTR && conn->state == CONN_STATE_CONNECTED)
        conn->state = CONN_STATE_ERROR;
}

static int connSocketWrite(connection *conn, const void *data, size_t data_len) {
    ssize_t n = write(conn->fd, data, data_len);
    if (n < 0) connSocketNoteIoError(conn);
    return (int)n;
}

static int connSocketWritev(connection *conn, const struct iovec *iov, int iovcnt) {
    ssize_t n = writev(conn->fd, iov, iovcnt);
    if (n < 0) connSocketNoteIoError(conn);
    return (int)n;
}

static int connSocketRead(connection *conn, void *buf, size_t buf_len) {
    ssize_t n = read(conn->fd, buf, buf_len);
    if (n == 0) conn->state = CONN_STATE_CLOSED;
    else if (n < 0) connSocketNoteIoError(conn);
    return (int)n;
}

static const char *connSocketGetLastError(connection *conn) {
    return strerror(conn->last_errno);
}

/* ------------------------------------------------------------------------
 * Blocking I/O with a deadline (replication handshake, MIGRATE, ...)
 *
 * The fd stays non-blocking; we wait for readiness with aeWait() and give up
 * with errno = ETIMEDOUT once `timeout` ms have passed in total.
 * ---------------------------------------------------------------------- */

static long long connNowMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is ready for mask or the deadline passes. 0 ok, -1 timeout. */
static int connWaitUntil(int fd, int mask, long long deadline) {
    long long left = deadline - connNowMs();
    if (left < 0) left = 0;
    int ready = aeWait(fd, mask, left);
    if (ready > 0 && (ready & mask)) return 0;
    if (ready < 0 && errno == EINTR) return 0;  /* caller just retries */
    errno = ETIMEDOUT;
    return -1;
}

static ssize_t connSocketSyncWrite(connection *conn, char *ptr, ssize_t size, long long timeout) {
    long long deadline = connNowMs() + timeout;
    ssize_t done = 0;
    while (done < size) {
        ssize_t n = write(conn->fd, ptr + done, (size_t)(size - done));
        if (n > 0) {
            done += n;
            continue;
        }
        if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            conn->last_errno = errno;
            return -1;
        }
        if (connWaitUntil(conn->fd, AE_WRITABLE, deadline) == -1) {
            conn->last_errno = errno;
            return -1;
        }
    }
    return done;
}

/* Reads exactly size bytes; a peer close before that is an error. */
static ssize_t connSocketSyncRead(connection *conn, char *ptr, ssize_t size, long long timeout) {
    long long deadline = connNowMs() + timeout;
    ssize_t done = 0;
    while (done < size) {
        ssize_t n = read(conn->fd, ptr + done, (size_t)(size - done));
        if (n > 0) {
            done += n;
            continue;
        }
        if (n == 0) return -1;
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            conn->last_errno = errno;
            return -1;
        }
        if (connWaitUntil(conn->fd, AE_READABLE, deadline) == -1) {
            conn->last_errno = errno;
            return -1;
        }
    }
    return done;
}

/* Read one line (up to '\n') into ptr, NUL-terminated, with the trailing
 * "\r\n" or "\n" removed. At most size-1 bytes are stored; a longer line is
 * returned truncated. Returns the length of the stored string, or -1.
 * Reads byte by byte so nothing past the newline is consumed. */
static ssize_t connSocketSyncReadLine(connection *conn, char *ptr, ssize_t size, long long timeout) {
    long long deadline = connNowMs() + timeout;
    ssize_t len = 0;
    if (size <= 0) return -1;
    while (len < size - 1) {
        char c;
        ssize_t n = read(conn->fd, &c, 1);
        if (n == 1) {
            if (c == '\n') {
                if (len > 0 && ptr[len - 1] == '\r') len--;
                break;
            }
            ptr[len++] = c;
            continue;
        }
        if (n == 0) return -1;
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            conn->last_errno = errno;
            return -1;
        }
        if (connWaitUntil(conn->fd, AE_READABLE, deadline) == -1) {
            conn->last_errno = errno;
            return -1;
        }
    }
    ptr[len] = '\0';
    return len;
}

/* ------------------------------------------------------------------------
 * Type tables
 * ---------------------------------------------------------------------- */

static ConnectionType CT_Socket = {
    .kind = CONN_TYPE_SOCKET,
    .name = "tcp",
    .ae_handler = connSocketEventHandler,
    .connect = connSocketConnect,
    .blocking_connect = connSocketBlockingConnect,
    .accept = connSocketAccept,
    .write = connSocketWrite,
    .writev = connSocketWritev,
    .read = connSocketRead,
    .close = connSocketClose,
    .set_write_handler = connSocketSetWriteHandler,
    .set_read_handler = connSocketSetReadHandler,
    .get_last_error = connSocketGetLastError,
    .sync_write = connSocketSyncWrite,
    .sync_read = connSocketSyncRead,
    .sync_readline = connSocketSyncReadLine,
};

static ConnectionType CT_Unix = {
    .kind = CONN_TYPE_UNIX,
    .name = "unix",
    .ae_handler = connSocketEventHandler,
    .connect = connUnixConnect,
    .blocking_connect = connUnixBlockingConnect,
    .accept = connSocketAccept,
    .write = connSocketWrite,
    .writev = connSocketWritev,
    .read = connSocketRead,
    .close = connSocketClose,
    .set_write_handler = connSocketSetWriteHandler,
    .set_read_handler = connSocketSetReadHandler,
    .get_last_error = connSocketGetLastError,
    .sync_write = connSocketSyncWrite,
    .sync_read = connSocketSyncRead,
    .sync_readline = connSocketSyncReadLine,
};

/* ------------------------------------------------------------------------
 * fd-level helpers
 * ---------------------------------------------------------------------- */

int connBlock(connection *conn) {
    if (conn->fd == -1) return CONN_ERR;
    return anetBlock(NULL, conn->fd);
}

int connNonBlock(connection *conn) {
    if (conn->fd == -1) return CONN_ERR;
    return anetNonBlock(NULL, conn->fd);
}

int connEnableTcpNoDelay(connection *conn) {
    if (conn->fd == -1) return CONN_ERR;
    return anetEnableTcpNoDelay(NULL, conn->fd);
}

int connDisableTcpNoDelay(connection *conn) {
    if (conn->fd == -1) return CONN_ERR;
    return anetDisableTcpNoDelay(NULL, conn->fd);
}

int connKeepAlive(connection *conn, int interval) {
    if (conn->fd == -1) return CONN_ERR;
    return anetKeepAlive(NULL, conn->fd, interval);
}

int connSendTimeout(connection *conn, long long ms) {
    return anetSendTimeout(NULL, conn->fd, ms);
}

int connRecvTimeout(connection *conn, long long ms) {
    return anetRecvTimeout(NULL, conn->fd, ms);
}

/* Shared by the peer/local lookups; a missing conn or fd reports "?":0. */
static int connAddrToString(connection *conn, char *ip, size_t ip_len, int *port, int which) {
    if (!conn || conn->fd == -1) {
        if (ip && ip_len) snprintf(ip, ip_len, "?");
        if (port) *port = 0;
        return CONN_ERR;
    }
    return anetFdToString(conn->fd, ip, ip_len, port, which);
}

int connPeerToString(connection *conn, char *ip, size_t ip_len, int *port) {
    return connAddrToString(conn, ip, ip_len, port, FD_TO_PEER_NAME);
}

int connSockName(connection *conn, char *ip, size_t ip_len, int *port) {
    return connAddrToString(conn, ip, ip_len, port, FD_TO_SOCK_NAME);
}

int connFormatFdAddr(connection *conn, char *buf, size_t buf_len, int fd_to_str_type) {
    if (!conn) {
        if (buf && buf_len) buf[0] = '\0';
        return CONN_ERR;
    }
    return anetFormatFdAddr(conn->fd, buf, buf_len, fd_to_str_type);
}

const char *connGetInfo(connection *conn, char *buf, size_t buf_len) {
    snprintf(buf, buf_len, "fd=%i", conn ? conn->fd : -1);
    return buf;
}
