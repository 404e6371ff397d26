/* connection.h - one interface for every kind of connection.
 *
 * A connection is a socket plus the type that knows how to talk over it
 * (plain TCP, unix socket, and later TLS). The rest of the server only calls
 * the conn*() functions below, so adding TLS means adding one more
 * ConnectionType, not conditionals everywhere. Handlers are called with the
 * connection; the type maps them onto event-loop file events.
 *
 * A handler may close the connection it runs for: connections are
 * reference-counted during handler calls and closing inside a handler only
 * marks them (CONN_FLAG_CLOSE_SCHEDULED); the real close happens after.
 */
#ifndef CONNECTION_H
#define CONNECTION_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <errno.h>

#define CONN_INFO_LEN 32
#define NET_IP_STR_LEN 46
#define NET_ADDR_STR_LEN (NET_IP_STR_LEN+32)

struct aeEventLoop;
typedef struct connection connection;

typedef enum {
    CONN_STATE_NONE = 0,
    CONN_STATE_CONNECTING,
    CONN_STATE_ACCEPTING,
    CONN_STATE_CONNECTED,
    CONN_STATE_CLOSED,
    CONN_STATE_ERROR
} ConnectionState;

#define CONN_FLAG_CLOSE_SCHEDULED (1<<0)
#define CONN_FLAG_WRITE_BARRIER (1<<1)

#define CONN_TYPE_SOCKET 1
#define CONN_TYPE_UNIX 2
#define CONN_TYPE_TLS 3

typedef void (*ConnectionCallbackFunc)(struct connection *conn);

typedef struct ConnectionType {
    int kind;                  /* CONN_TYPE_* */
    const char *name;          /* "tcp", "unix", "tls" */
    void (*ae_handler)(struct aeEventLoop *el, int fd, void *clientData, int mask);
    int (*connect)(struct connection *conn, const char *addr, int port,
                   const char *source_addr, ConnectionCallbackFunc connect_handler);
    int (*blocking_connect)(struct connection *conn, const char *addr, int port,
                            long long timeout);
    int (*accept)(struct connection *conn, ConnectionCallbackFunc accept_handler);
    int (*write)(struct connection *conn, const void *data, size_t data_len);
    int (*writev)(struct connection *conn, const struct iovec *iov, int iovcnt);
    int (*read)(struct connection *conn, void *buf, size_t buf_len);
    void (*close)(struct connection *conn);
    int (*set_write_handler)(struct connection *conn, ConnectionCallbackFunc handler,
                             int barrier);
    int (*set_read_handler)(struct connection *conn, ConnectionCallbackFunc handler);
    const char *(*get_last_error)(struct connection *conn);
    ssize_t (*sync_write)(struct connection *conn, char *ptr, ssize_t size, long long timeout);
    ssize_t (*sync_read)(struct connection *conn, char *ptr, ssize_t size, long long timeout);
    ssize_t (*sync_readline)(struct connection *conn, char *ptr, ssize_t size, long long timeout);
} ConnectionType;

struct connection {
    ConnectionType *type;
    ConnectionState state;
    short int flags;
    short int refs;
    int last_errno;
    int fd;
    void *private_data;
    ConnectionCallbackFunc conn_handler;
    ConnectionCallbackFunc write_handler;
    ConnectionCallbackFunc read_handler;
};

/* The event loop connections register with (set once by the server). */
void connSetEventLoop(struct aeEventLoop *el);

connection *connCreateSocket(void);
connection *connCreateAcceptedSocket(int fd);
connection *connCreateUnix(void);
connection *connCreateAcceptedUnix(int fd);

static inline int connConnect(connection *conn, const char *addr, int port,
        const char *src_addr, ConnectionCallbackFunc connect_handler) {
    return conn->type->connect(conn, addr, port, src_addr, connect_handler);
}
static inline int connBlockingConnect(connection *conn, const char *addr, int port,
        long long timeout) {
    return conn->type->blocking_connect(conn, addr, port, timeout);
}
static inline int connAccept(connection *conn, ConnectionCallbackFunc accept_handler) {
    return conn->type->accept(conn, accept_handler);
}
static inline int connWrite(connection *conn, const void *data, size_t data_len) {
    return conn->type->write(conn, data, data_len);
}
static inline int connWritev(connection *conn, const struct iovec *iov, int iovcnt) {
    return conn->type->writev(conn, iov, iovcnt);
}
static inline int connRead(connection *conn, void *buf, size_t buf_len) {
    return conn->type->read(conn, buf, buf_len);
}
static inline int connSetWriteHandler(connection *conn, ConnectionCallbackFunc func) {
    return conn->type->set_write_handler(conn, func, 0);
}
static inline int connSetWriteHandlerWithBarrier(connection *conn,
        ConnectionCallbackFunc func, int barrier) {
    return conn->type->set_write_handler(conn, func, barrier);
}
static inline int connSetReadHandler(connection *conn, ConnectionCallbackFunc func) {
    return conn->type->set_read_handler(conn, func);
}
static inline void connClose(connection *conn) { conn->type->close(conn); }
static inline const char *connGetLastError(connection *conn) {
    return conn->type->get_last_error(conn);
}
static inline ssize_t connSyncWrite(connection *conn, char *ptr, ssize_t size, long long timeout) {
    return conn->type->sync_write(conn, ptr, size, timeout);
}
static inline ssize_t connSyncRead(connection *conn, char *ptr, ssize_t size, long long timeout) {
    return conn->type->sync_read(conn, ptr, size, timeout);
}
static inline ssize_t connSyncReadLine(connection *conn, char *ptr, ssize_t size, long long timeout) {
    return conn->type->sync_readline(conn, ptr, size, timeout);
}
static inline int connGetState(connection *conn) { return conn->state; }
static inline int connGetType(connection *conn) { return conn->type->kind; }
static inline void connSetPrivateData(connection *conn, void *data) { conn->private_data = data; }
static inline void *connGetPrivateData(connection *conn) { return conn->private_data; }
static inline int connHasWriteHandler(connection *conn) { return conn->write_handler != NULL; }
static inline int connHasReadHandler(connection *conn) { return conn->read_handler != NULL; }

/* Run a user callback with the connection pinned, for connection types
 * (connection.c, tls.c). Returns 0 when the connection was closed inside
 * and is now freed: the caller must not touch it again. */
int connCallHandler(connection *conn, ConnectionCallbackFunc handler);

int connBlock(connection *conn);
int connNonBlock(connection *conn);
int connEnableTcpNoDelay(connection *conn);
int connDisableTcpNoDelay(connection *conn);
int connKeepAlive(connection *conn, int interval);
int connSendTimeout(connection *conn, long long ms);
int connRecvTimeout(connection *conn, long long ms);
/* Peer / local address. For unix sockets ip is "/unixsocket" (as Redis
 * reports in CLIENT LIST: addr=/unixsocket:0). */
int connPeerToString(connection *conn, char *ip, size_t ip_len, int *port);
int connSockName(connection *conn, char *ip, size_t ip_len, int *port);
int connFormatFdAddr(connection *conn, char *buf, size_t buf_len, int fd_to_str_type);
const char *connGetInfo(connection *conn, char *buf, size_t buf_len); /* "fd=12" */

#endif
