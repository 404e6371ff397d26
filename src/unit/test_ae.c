/* test_ae.c - unit tests for the event loop (ae.c), socket helpers (anet.c)
 * and the TCP / unix connection types (connection.c).
 *
 * Everything runs on real kernel objects (pipes, socketpairs, loopback TCP
 * and a unix socket in /tmp) within a single process; a watchdog timer stops
 * any loop that would otherwise hang so a bug shows as a failure, not a stall.
 */
#include "ae.h"
#include "anet.h"
#include "connection.h"
#include "zmalloc.h"
#include "test_help.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* ------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------- */

static int watchdog_fired;

static int watchdogProc(aeEventLoop *el, long long id, void *data) {
    (void)id; (void)data;
    watchdog_fired = 1;
    aeStop(el);
    return AE_NOMORE;
}

/* Run aeMain until something calls aeStop, at most `ms` milliseconds. */
static void runLoopFor(aeEventLoop *el, long long ms) {
    watchdog_fired = 0;
    long long id = aeCreateTimeEvent(el, ms, watchdogProc, NULL, NULL);
    aeMain(el);
    if (!watchdog_fired) aeDeleteTimeEvent(el, id);
}

/* ------------------------------------------------------------------------
 * Timers
 * ---------------------------------------------------------------------- */

static int order_log[16];
static int order_len;

static int recordOnceProc(aeEventLoop *el, long long id, void *data) {
    (void)id;
    order_log[order_len++] = (int)(long)data;
    if (order_len == 3) aeStop(el);
    return AE_NOMORE;
}

TEST(timers_fire_in_order) {
    aeEventLoop *el = aeCreateEventLoop(64);
    order_len = 0;
    long long a = aeCreateTimeEvent(el, 30, recordOnceProc, (void *)30L, NULL);
    long long b = aeCreateTimeEvent(el, 10, recordOnceProc, (void *)10L, NULL);
    long long c = aeCreateTimeEvent(el, 20, recordOnceProc, (void *)20L, NULL);
    TEST_ASSERT(a < b && b < c);   /* ids increase */
    runLoopFor(el, 2000);
    TEST_ASSERT(!watchdog_fired);
    TEST_ASSERT(order_len == 3);
    TEST_ASSERT(order_log[0] == 10 && order_log[1] == 20 && order_log[2] == 30);
    aeDeleteEventLoop(el);
}

static int repeat_count, finalizer_count;

static int repeatProc(aeEventLoop *el, long long id, void *data) {
    (void)id; (void)data;
    if (++repeat_count == 3) {
        aeStop(el);
        return AE_NOMORE;
    }
    return 5;
}

static void countFinalizer(aeEventLoop *el, void *data) {
    (void)el; (void)data;
    finalizer_count++;
}

TEST(timer_repeats_per_return_value) {
    aeEventLoop *el = aeCreateEventLoop(64);
    repeat_count = finalizer_count = 0;
    aeCreateTimeEvent(el, 1, repeatProc, NULL, countFinalizer);
    runLoopFor(el, 2000);
    TEST_ASSERT(!watchdog_fired);
    TEST_ASSERT(repeat_count == 3);
    /* The finalizer runs on the pass after the timer is retired. */
    aeProcessEvents(el, AE_TIME_EVENTS|AE_DONT_WAIT);
    TEST_ASSERT(finalizer_count == 1);
    aeDeleteEventLoop(el);
}

static int never_called;

static int mustNotRunProc(aeEventLoop *el, long long id, void *data) {
    (void)el; (void)id; (void)data;
    never_called++;
    return AE_NOMORE;
}

static int stopProc(aeEventLoop *el, long long id, void *data) {
    (void)id; (void)data;
    aeStop(el);
    return AE_NOMORE;
}

TEST(timer_delete) {
    aeEventLoop *el = aeCreateEventLoop(64);
    never_called = finalizer_count = 0;
    long long id = aeCreateTimeEvent(el, 5, mustNotRunProc, NULL, countFinalizer);
    aeCreateTimeEvent(el, 20, stopProc, NULL, NULL);
    TEST_ASSERT(aeDeleteTimeEvent(el, id) == AE_OK);
    TEST_ASSERT(aeDeleteTimeEvent(el, id) == AE_ERR);   /* already gone */
    TEST_ASSERT(aeDeleteTimeEvent(el, 12345) == AE_ERR);
    runLoopFor(el, 2000);
    TEST_ASSERT(!watchdog_fired);
    TEST_ASSERT(never_called == 0);
    TEST_ASSERT(finalizer_count == 1);
    aeDeleteEventLoop(el);
}

static int self_delete_runs;

static int selfDeleteProc(aeEventLoop *el, long long id, void *data) {
    (void)data;
    self_delete_runs++;
    aeDeleteTimeEvent(el, id);
    return 0;   /* asks to repeat, but the delete wins */
}

TEST(timer_deletes_itself) {
    aeEventLoop *el = aeCreateEventLoop(64);
    self_delete_runs = finalizer_count = 0;
    aeCreateTimeEvent(el, 0, selfDeleteProc, NULL, countFinalizer);
    for (int i = 0; i < 5; i++) aeProcessEvents(el, AE_TIME_EVENTS|AE_DONT_WAIT);
    TEST_ASSERT(self_delete_runs == 1);
    TEST_ASSERT(finalizer_count == 1);
    aeDeleteEventLoop(el);
}

static int spawned_runs, spawner_runs;

static int spawnedProc(aeEventLoop *el, long long id, void *data) {
    (void)el; (void)id; (void)data;
    spawned_runs++;
    return AE_NOMORE;
}

static int spawnerProc(aeEventLoop *el, long long id, void *data) {
    (void)id; (void)data;
    spawner_runs++;
    aeCreateTimeEvent(el, 0, spawnedProc, NULL, NULL);
    return AE_NOMORE;
}

TEST(timer_created_in_pass_waits_next_pass) {
    aeEventLoop *el = aeCreateEventLoop(64);
    spawned_runs = spawner_runs = 0;
    aeCreateTimeEvent(el, 0, spawnerProc, NULL, NULL);
    aeProcessEvents(el, AE_TIME_EVENTS|AE_DONT_WAIT);
    TEST_ASSERT(spawner_runs == 1);
    TEST_ASSERT(spawned_runs == 0);
    aeProcessEvents(el, AE_TIME_EVENTS|AE_DONT_WAIT);
    TEST_ASSERT(spawned_runs == 1);
    aeDeleteEventLoop(el);
}

static int before_calls, after_calls;
static void beforeSleepCb(aeEventLoop *el) { (void)el; before_calls++; }
static void afterSleepCb(aeEventLoop *el) { (void)el; after_calls++; }

TEST(sleep_hooks_and_timeout) {
    aeEventLoop *el = aeCreateEventLoop(64);
    before_calls = after_calls = 0;
    aeSetBeforeSleepProc(el, beforeSleepCb);
    aeSetAfterSleepProc(el, afterSleepCb);
    aeProcessEvents(el, AE_ALL_EVENTS|AE_DONT_WAIT);
    TEST_ASSERT(before_calls == 0 && after_calls == 0);   /* not requested */
    aeProcessEvents(el, AE_ALL_EVENTS|AE_DONT_WAIT|AE_CALL_BEFORE_SLEEP|AE_CALL_AFTER_SLEEP);
    TEST_ASSERT(before_calls == 1 && after_calls == 1);

    /* The wait must be bounded by the nearest timer, not block forever. */
    spawned_runs = 0;
    aeCreateTimeEvent(el, 30, spawnedProc, NULL, NULL);
    int guard = 0;
    while (spawned_runs == 0 && guard++ < 100)
        aeProcessEvents(el, AE_ALL_EVENTS);
    TEST_ASSERT(spawned_runs == 1);
    TEST_ASSERT(guard <= 3);   /* slept close to the deadline, didn't spin */

    /* aeSetDontWait makes a loop with far timers return immediately. */
    aeCreateTimeEvent(el, 100000, spawnedProc, NULL, NULL);
    aeSetDontWait(el, 1);
    aeProcessEvents(el, AE_ALL_EVENTS);   /* would hang for 100 s otherwise */
    aeSetDontWait(el, 0);
    TEST_ASSERT(strcmp(aeGetApiName(), "epoll") == 0);
    aeDeleteEventLoop(el);
}

/* ------------------------------------------------------------------------
 * File events
 * ---------------------------------------------------------------------- */

static int pipe_reads, pipe_mask;
static char pipe_byte;

static void pipeReadProc(aeEventLoop *el, int fd, void *data, int mask) {
    (void)el;
    TEST_ASSERT(data == (void *)&pipe_reads);
    pipe_mask = mask;
    if (read(fd, &pipe_byte, 1) == 1) pipe_reads++;
}

TEST(pipe_readable_event) {
    aeEventLoop *el = aeCreateEventLoop(1024);
    int p[2];
    TEST_ASSERT(pipe(p) == 0);
    pipe_reads = 0;
    TEST_ASSERT(aeCreateFileEvent(el, p[0], AE_READABLE, pipeReadProc, &pipe_reads) == AE_OK);
    TEST_ASSERT(aeGetFileEvents(el, p[0]) == AE_READABLE);
    TEST_ASSERT(aeGetFileClientData(el, p[0]) == &pipe_reads);

    /* Nothing written yet: nothing fires. */
    aeProcessEvents(el, AE_FILE_EVENTS|AE_DONT_WAIT);
    TEST_ASSERT(pipe_reads == 0);

    TEST_ASSERT(write(p[1], "x", 1) == 1);
    TEST_ASSERT(aeProcessEvents(el, AE_FILE_EVENTS|AE_DONT_WAIT) == 1);
    TEST_ASSERT(pipe_reads == 1 && pipe_byte == 'x' && pipe_mask == AE_READABLE);

    aeDeleteFileEvent(el, p[0], AE_READABLE);
    TEST_ASSERT(aeGetFileEvents(el, p[0]) == AE_NONE);
    TEST_ASSERT(write(p[1], "y", 1) == 1);
    aeProcessEvents(el, AE_FILE_EVENTS|AE_DONT_WAIT);
    TEST_ASSERT(pipe_reads == 1);

    /* fd beyond setsize is refused with ERANGE. */
    errno = 0;
    TEST_ASSERT(aeCreateFileEvent(el, 5000, AE_READABLE, pipeReadProc, NULL) == AE_ERR);
    TEST_ASSERT(errno == ERANGE);

    close(p[0]);
    close(p[1]);
    aeDeleteEventLoop(el);
}

TEST(resize_setsize) {
    aeEventLoop *el = aeCreateEventLoop(1024);
    int p[2];
    TEST_ASSERT(pipe(p) == 0);
    TEST_ASSERT(aeCreateFileEvent(el, p[0], AE_READABLE, pipeReadProc, &pipe_reads) == AE_OK);
    TEST_ASSERT(aeResizeSetSize(el, p[0]) == AE_ERR);      /* fd would not fit */
    TEST_ASSERT(aeResizeSetSize(el, p[0] + 1) == AE_OK);
    TEST_ASSERT(aeGetSetSize(el) == p[0] + 1);
    TEST_ASSERT(aeResizeSetSize(el, 4096) == AE_OK);
    TEST_ASSERT(aeGetFileEvents(el, p[0]) == AE_READABLE);  /* survived */
    TEST_ASSERT(aeGetFileEvents(el, 4000) == AE_NONE);      /* new slots clean */
    pipe_reads = 0;
    TEST_ASSERT(write(p[1], "z", 1) == 1);
    aeProcessEvents(el, AE_FILE_EVENTS|AE_DONT_WAIT);
    TEST_ASSERT(pipe_reads == 1);
    close(p[0]);
    close(p[1]);
    aeDeleteEventLoop(el);
}

/* Each proc appends a letter so the call order can be checked. */
static char seq[16];
static int seq_len;

static void seqReadProc(aeEventLoop *el, int fd, void *d, int m) {
    (void)el; (void)d; (void)m;
    char buf[16];
    if (read(fd, buf, sizeof(buf)) < 0) {}
    seq[seq_len++] = 'R';
}
static void seqWriteProc(aeEventLoop *el, int fd, void *d, int m) {
    (void)el; (void)fd; (void)d; (void)m;
    seq[seq_len++] = 'W';
}
static void seqBothProc(aeEventLoop *el, int fd, void *d, int m) {
    (void)el; (void)d;
    char buf[16];
    if (m & AE_READABLE) { if (read(fd, buf, sizeof(buf)) < 0) {} }
    seq[seq_len++] = 'B';
}
/* Reader that removes the write handler: the writer must then not run. */
static void seqReadDeletesWriteProc(aeEventLoop *el, int fd, void *d, int m) {
    seqReadProc(el, fd, d, m);
    aeDeleteFileEvent(el, fd, AE_WRITABLE);
}

static void fireSocketpair(aeEventLoop *el, int sv[2], int mask,
                           aeFileProc *rproc, aeFileProc *wproc) {
    seq_len = 0;
    memset(seq, 0, sizeof(seq));
    aeCreateFileEvent(el, sv[0], AE_READABLE, rproc, NULL);
    aeCreateFileEvent(el, sv[0], AE_WRITABLE | (mask & AE_BARRIER), wproc, NULL);
    /* A socket is always writable; writing to the peer makes it readable. */
    if (write(sv[1], "a", 1) != 1) TEST_ASSERT(0);
    aeProcessEvents(el, AE_FILE_EVENTS|AE_DONT_WAIT);
    aeDeleteFileEvent(el, sv[0], AE_READABLE|AE_WRITABLE);
}

TEST(read_write_order_and_barrier) {
    aeEventLoop *el = aeCreateEventLoop(1024);
    int sv[2];
    TEST_ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);

    fireSocketpair(el, sv, 0, seqReadProc, seqWriteProc);
    TEST_ASSERT(strcmp(seq, "RW") == 0);

    fireSocketpair(el, sv, AE_BARRIER, seqReadProc, seqWriteProc);
    TEST_ASSERT(strcmp(seq, "WR") == 0);

    /* Same proc for both directions: called once, with both bits. */
    fireSocketpair(el, sv, 0, seqBothProc, seqBothProc);
    TEST_ASSERT(strcmp(seq, "B") == 0);
    fireSocketpair(el, sv, AE_BARRIER, seqBothProc, seqBothProc);
    TEST_ASSERT(strcmp(seq, "B") == 0);

    /* A handler removing the other direction suppresses it. */
    fireSocketpair(el, sv, 0, seqReadDeletesWriteProc, seqWriteProc);
    TEST_ASSERT(strcmp(seq, "R") == 0);

    /* Deleting the writable side also drops the barrier. */
    aeCreateFileEvent(el, sv[0], AE_WRITABLE|AE_BARRIER, seqWriteProc, NULL);
    aeDeleteFileEvent(el, sv[0], AE_WRITABLE);
    TEST_ASSERT(aeGetFileEvents(el, sv[0]) == AE_NONE);

    close(sv[0]);
    close(sv[1]);
    aeDeleteEventLoop(el);
}

TEST(ae_wait) {
    int p[2];
    TEST_ASSERT(pipe(p) == 0);
    TEST_ASSERT(aeWait(p[0], AE_READABLE, 10) == 0);            /* timeout */
    TEST_ASSERT(aeWait(p[1], AE_WRITABLE, 10) == AE_WRITABLE);
    TEST_ASSERT(write(p[1], "q", 1) == 1);
    TEST_ASSERT(aeWait(p[0], AE_READABLE, 10) == AE_READABLE);
    close(p[0]);
    close(p[1]);
}

/* ------------------------------------------------------------------------
 * anet
 * ---------------------------------------------------------------------- */

static int listenerPort(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) return -1;
    if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

TEST(anet_basics) {
    char err[ANET_ERR_LEN], buf[128], ip[NET_IP_STR_LEN];

    anetFormatAddr(buf, sizeof(buf), "::1", 6379);
    TEST_ASSERT(strcmp(buf, "[::1]:6379") == 0);
    anetFormatAddr(buf, sizeof(buf), "10.0.0.1", 80);
    TEST_ASSERT(strcmp(buf, "10.0.0.1:80") == 0);

    TEST_ASSERT(anetResolve(err, "127.0.0.1", ip, sizeof(ip), ANET_IP_ONLY) == ANET_OK);
    TEST_ASSERT(strcmp(ip, "127.0.0.1") == 0);
    TEST_ASSERT(anetResolve(err, "not-an-ip.invalid", ip, sizeof(ip), ANET_IP_ONLY) == ANET_ERR);

    int fd = anetTcpServer(err, 0, "127.0.0.1", 16);
    TEST_ASSERT_MSG(fd >= 0, err);
    int port = listenerPort(fd);
    TEST_ASSERT(port > 0);
    /* Second bind on the same port fails with a "bind: ..." message. */
    int fd2 = anetTcpServer(err, port, "127.0.0.1", 16);
    TEST_ASSERT(fd2 == ANET_ERR);
    TEST_ASSERT_MSG(strcmp(err, "bind: Address already in use") == 0, err);

    /* Nothing pending: accept on a non-blocking listener says EAGAIN. */
    TEST_ASSERT(anetNonBlock(err, fd) == ANET_OK);
    TEST_ASSERT(anetTcpAccept(err, fd, ip, sizeof(ip), &port) == ANET_ERR);
    TEST_ASSERT(errno == EAGAIN || errno == EWOULDBLOCK);
    close(fd);

    /* IPv6 may be unavailable in some containers; only check if it works. */
    fd = anetTcp6Server(err, 0, "::1", 16);
    if (fd >= 0) {
        TEST_ASSERT(anetFormatFdAddr(fd, buf, sizeof(buf), FD_TO_SOCK_NAME) > 0);
        TEST_ASSERT(strncmp(buf, "[::1]:", 6) == 0);
        close(fd);
    }

    char longpath[200];
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = '\0';
    TEST_ASSERT(anetUnixServer(err, longpath, 0700, 16) == ANET_ERR);
    TEST_ASSERT_MSG(strcmp(err, "unix socket path too long (199), must be under 108") == 0, err);

    /* Keepalive / nodelay / timeouts on a real TCP socket. */
    int sock = socket(AF_INET, SOCK_STREAM, 0);
    TEST_ASSERT(anetKeepAlive(err, sock, 300) == ANET_OK);
    TEST_ASSERT(anetEnableTcpNoDelay(err, sock) == ANET_OK);
    TEST_ASSERT(anetDisableTcpNoDelay(err, sock) == ANET_OK);
    TEST_ASSERT(anetSendTimeout(err, sock, 1500) == ANET_OK);
    TEST_ASSERT(anetRecvTimeout(err, sock, 1500) == ANET_OK);
    TEST_ASSERT(anetCloexec(sock) == ANET_OK);
    TEST_ASSERT(fcntl(sock, F_GETFD) & FD_CLOEXEC);
    close(sock);

    TEST_ASSERT(anetIsFifo("/nonexistent/fifo") == 0);
}

/* ------------------------------------------------------------------------
 * Connections over loopback TCP
 * ---------------------------------------------------------------------- */

static struct {
    aeEventLoop *el;
    int listen_fd;
    connection *server;          /* accepted side */
    connection *client;
    int client_connected;
    int server_got_ping;
    int client_got_pong;
    int client_close_deferred;   /* observed inside the closing handler */
    int server_saw_eof;
    int server_write_after_close;
    char peer_ip[NET_IP_STR_LEN];
    int peer_port;
    int client_local_port;
} tcp;

/* Stays installed (the socket is always writable) so that the EOF event
 * carries both bits and the dispatcher would reach it after the read handler
 * closed the connection - which it must not. */
static void serverWriteHandler(connection *conn) {
    if (conn->flags & CONN_FLAG_CLOSE_SCHEDULED) tcp.server_write_after_close++;
}

static void serverReadHandler(connection *conn) {
    char buf[64];
    int n = connRead(conn, buf, sizeof(buf));
    if (n > 0) {
        if (n == 4 && memcmp(buf, "PING", 4) == 0) tcp.server_got_ping = 1;
        TEST_ASSERT(connWrite(conn, "PONG", 4) == 4);
        connSetWriteHandler(conn, serverWriteHandler);
        return;
    }
    if (n == 0) {
        TEST_ASSERT(connGetState(conn) == CONN_STATE_CLOSED);
        tcp.server_saw_eof = 1;
        connClose(conn);
        tcp.server = NULL;
        aeStop(tcp.el);
        return;
    }
    TEST_ASSERT(errno == EAGAIN);
}

static void serverAcceptHandler(connection *conn) {
    TEST_ASSERT(connGetState(conn) == CONN_STATE_CONNECTED);
    connPeerToString(conn, tcp.peer_ip, sizeof(tcp.peer_ip), &tcp.peer_port);
    connSetReadHandler(conn, serverReadHandler);
    tcp.server = conn;
}

static void listenerAcceptProc(aeEventLoop *el, int fd, void *data, int mask) {
    (void)el; (void)data; (void)mask;
    char err[ANET_ERR_LEN];
    int cfd = anetTcpAccept(err, fd, NULL, 0, NULL);
    if (cfd == ANET_ERR) return;
    connection *conn = connCreateAcceptedSocket(cfd);
    TEST_ASSERT(connGetState(conn) == CONN_STATE_ACCEPTING);
    TEST_ASSERT(connAccept(conn, serverAcceptHandler) == 0);
}

static void clientReadHandler(connection *conn) {
    char buf[64];
    int n = connRead(conn, buf, sizeof(buf));
    if (n == 4 && memcmp(buf, "PONG", 4) == 0) {
        tcp.client_got_pong = 1;
        connClose(conn);
        /* Still alive here: the free is deferred until we return. */
        tcp.client_close_deferred = (conn->flags & CONN_FLAG_CLOSE_SCHEDULED) &&
                                    conn->fd == -1 && conn->refs > 0;
        tcp.client = NULL;
    }
}

static void clientWriteHandler(connection *conn) {
    TEST_ASSERT(connWrite(conn, "PING", 4) == 4);
    connSetWriteHandler(conn, NULL);
    connSetReadHandler(conn, clientReadHandler);
}

static void clientConnectHandler(connection *conn) {
    tcp.client_connected = connGetState(conn) == CONN_STATE_CONNECTED;
    char ip[NET_IP_STR_LEN];
    connSockName(conn, ip, sizeof(ip), &tcp.client_local_port);
    connSetWriteHandler(conn, clientWriteHandler);
}

TEST(connection_tcp_roundtrip) {
    char err[ANET_ERR_LEN];
    memset(&tcp, 0, sizeof(tcp));
    tcp.el = aeCreateEventLoop(1024);
    connSetEventLoop(tcp.el);

    tcp.listen_fd = anetTcpServer(err, 0, "127.0.0.1", 16);
    TEST_ASSERT_MSG(tcp.listen_fd >= 0, err);
    anetNonBlock(NULL, tcp.listen_fd);
    int port = listenerPort(tcp.listen_fd);
    aeCreateFileEvent(tcp.el, tcp.listen_fd, AE_READABLE, listenerAcceptProc, NULL);

    tcp.client = connCreateSocket();
    TEST_ASSERT(tcp.client->fd == -1 && connGetState(tcp.client) == CONN_STATE_NONE);
    TEST_ASSERT(connGetType(tcp.client) == CONN_TYPE_SOCKET);
    TEST_ASSERT(connConnect(tcp.client, "127.0.0.1", port, NULL, clientConnectHandler) == 0);
    TEST_ASSERT(connGetState(tcp.client) == CONN_STATE_CONNECTING);

    runLoopFor(tcp.el, 3000);
    TEST_ASSERT(!watchdog_fired);
    TEST_ASSERT(tcp.client_connected);
    TEST_ASSERT(tcp.server_got_ping);
    TEST_ASSERT(tcp.client_got_pong);
    TEST_ASSERT(tcp.client_close_deferred);
    TEST_ASSERT(tcp.server_saw_eof);
    TEST_ASSERT(tcp.server_write_after_close == 0);
    TEST_ASSERT(strcmp(tcp.peer_ip, "127.0.0.1") == 0);
    TEST_ASSERT(tcp.peer_port == tcp.client_local_port && tcp.peer_port > 0);

    if (tcp.client) connClose(tcp.client);
    if (tcp.server) connClose(tcp.server);
    aeDeleteFileEvent(tcp.el, tcp.listen_fd, AE_READABLE);
    close(tcp.listen_fd);
    aeDeleteEventLoop(tcp.el);
    connSetEventLoop(NULL);
}

static int failed_connect_state, failed_connect_errno;

static void failedConnectHandler(connection *conn) {
    failed_connect_state = connGetState(conn);
    failed_connect_errno = conn->last_errno;
    connClose(conn);   /* closing from the connect handler is allowed too */
    aeStop(tcp.el);
}

TEST(connection_refused) {
    char err[ANET_ERR_LEN];
    tcp.el = aeCreateEventLoop(1024);
    connSetEventLoop(tcp.el);

    /* Grab a free port, then close it so nothing listens there. */
    int fd = anetTcpServer(err, 0, "127.0.0.1", 1);
    int port = listenerPort(fd);
    close(fd);

    failed_connect_state = -1;
    connection *c = connCreateSocket();
    int rv = connConnect(c, "127.0.0.1", port, NULL, failedConnectHandler);
    if (rv == 0) {
        runLoopFor(tcp.el, 3000);
        TEST_ASSERT(!watchdog_fired);
        TEST_ASSERT(failed_connect_state == CONN_STATE_ERROR);
        TEST_ASSERT(failed_connect_errno == ECONNREFUSED);
    } else {
        /* Loopback may refuse synchronously. */
        TEST_ASSERT(connGetState(c) == CONN_STATE_ERROR);
        TEST_ASSERT(strcmp(connGetLastError(c), strerror(ECONNREFUSED)) == 0);
        connClose(c);
    }

    /* Blocking connect reports the same. */
    c = connCreateSocket();
    TEST_ASSERT(connBlockingConnect(c, "127.0.0.1", port, 1000) == -1);
    TEST_ASSERT(connGetState(c) == CONN_STATE_ERROR);
    TEST_ASSERT(c->last_errno == ECONNREFUSED);
    connClose(c);

    aeDeleteEventLoop(tcp.el);
    connSetEventLoop(NULL);
}

static void closingAcceptHandler(connection *conn) {
    connClose(conn);
}

TEST(connection_sync_io_and_accept_close) {
    char err[ANET_ERR_LEN], buf[64], info[CONN_INFO_LEN];
    aeEventLoop *el = aeCreateEventLoop(1024);
    connSetEventLoop(el);

    int lfd = anetTcpServer(err, 0, "127.0.0.1", 16);
    TEST_ASSERT_MSG(lfd >= 0, err);
    int port = listenerPort(lfd);

    connection *c = connCreateSocket();
    TEST_ASSERT(connBlockingConnect(c, "127.0.0.1", port, 1000) == 0);
    TEST_ASSERT(connGetState(c) == CONN_STATE_CONNECTED);
    TEST_ASSERT(connEnableTcpNoDelay(c) == 0);
    TEST_ASSERT(connKeepAlive(c, 100) == 0);

    int sfd = anetTcpAccept(err, lfd, NULL, 0, NULL);
    TEST_ASSERT_MSG(sfd >= 0, err);
    TEST_ASSERT(fcntl(sfd, F_GETFL) & O_NONBLOCK);
    TEST_ASSERT(fcntl(sfd, F_GETFD) & FD_CLOEXEC);
    connection *s = connCreateAcceptedSocket(sfd);
    TEST_ASSERT(connAccept(s, NULL) == 0);

    snprintf(buf, sizeof(buf), "fd=%d", sfd);
    TEST_ASSERT(strcmp(connGetInfo(s, info, sizeof(info)), buf) == 0);

    TEST_ASSERT(connSyncWrite(c, "+OK\r\nrest", 9, 1000) == 9);
    TEST_ASSERT(connSyncReadLine(s, buf, sizeof(buf), 1000) == 3);
    TEST_ASSERT(strcmp(buf, "+OK") == 0);
    TEST_ASSERT(connSyncRead(s, buf, 4, 1000) == 4);
    TEST_ASSERT(memcmp(buf, "rest", 4) == 0);

    /* Nothing more to read: times out with ETIMEDOUT. */
    errno = 0;
    TEST_ASSERT(connSyncRead(s, buf, 1, 50) == -1);
    TEST_ASSERT(errno == ETIMEDOUT);

    /* Non-blocking read with no data: -1/EAGAIN, state untouched. */
    TEST_ASSERT(connRead(s, buf, sizeof(buf)) == -1);
    TEST_ASSERT(errno == EAGAIN);
    TEST_ASSERT(connGetState(s) == CONN_STATE_CONNECTED);

    struct iovec iov[2] = {{"ab", 2}, {"cd", 2}};
    TEST_ASSERT(connWritev(c, iov, 2) == 4);
    TEST_ASSERT(connSyncRead(s, buf, 4, 1000) == 4 && memcmp(buf, "abcd", 4) == 0);

    connClose(c);
    connClose(s);

    /* An accept handler that closes: connAccept reports it and frees. */
    c = connCreateSocket();
    TEST_ASSERT(connBlockingConnect(c, "127.0.0.1", port, 1000) == 0);
    sfd = anetTcpAccept(err, lfd, NULL, 0, NULL);
    s = connCreateAcceptedSocket(sfd);
    TEST_ASSERT(connAccept(s, closingAcceptHandler) == -1);
    /* The peer sees EOF. */
    TEST_ASSERT(connSyncRead(c, buf, 1, 1000) == -1);
    connClose(c);

    close(lfd);
    aeDeleteEventLoop(el);
    connSetEventLoop(NULL);
}

/* ------------------------------------------------------------------------
 * Unix socket connections
 * ---------------------------------------------------------------------- */

static int unix_connected;
static void unixConnectHandler(connection *conn) {
    unix_connected = connGetState(conn) == CONN_STATE_CONNECTED;
    aeStop(tcp.el);
}

TEST(connection_unix) {
    char err[ANET_ERR_LEN], path[64], ip[NET_IP_STR_LEN], buf[16];
    snprintf(path, sizeof(path), "/tmp/test_ae_%d.sock", (int)getpid());
    unlink(path);
    tcp.el = aeCreateEventLoop(1024);
    connSetEventLoop(tcp.el);

    int lfd = anetUnixServer(err, path, 0700, 16);
    TEST_ASSERT_MSG(lfd >= 0, err);

    connection *c = connCreateUnix();
    TEST_ASSERT(connGetType(c) == CONN_TYPE_UNIX);
    TEST_ASSERT(connBlockingConnect(c, path, 0, 1000) == 0);
    int sfd = anetUnixAccept(err, lfd);
    TEST_ASSERT_MSG(sfd >= 0, err);
    connection *s = connCreateAcceptedUnix(sfd);
    TEST_ASSERT(connAccept(s, NULL) == 0);

    int port = -1;
    TEST_ASSERT(connPeerToString(s, ip, sizeof(ip), &port) == 0);
    TEST_ASSERT(strcmp(ip, "/unixsocket") == 0 && port == 0);
    TEST_ASSERT(connFormatFdAddr(s, buf, sizeof(buf), FD_TO_PEER_NAME) > 0);
    TEST_ASSERT(strcmp(buf, "/unixsocket:0") == 0);

    TEST_ASSERT(connWrite(c, "hi", 2) == 2);
    TEST_ASSERT(connSyncRead(s, buf, 2, 1000) == 2 && memcmp(buf, "hi", 2) == 0);
    connClose(c);
    TEST_ASSERT(connRead(s, buf, sizeof(buf)) == 0);
    TEST_ASSERT(connGetState(s) == CONN_STATE_CLOSED);
    connClose(s);

    /* Async unix connect goes through the connect handler. */
    unix_connected = 0;
    c = connCreateUnix();
    TEST_ASSERT(connConnect(c, path, 0, NULL, unixConnectHandler) == 0);
    runLoopFor(tcp.el, 2000);
    TEST_ASSERT(unix_connected);
    connClose(c);

    close(lfd);
    unlink(path);
    aeDeleteEventLoop(tcp.el);
    connSetEventLoop(NULL);
}

int main(void) {
    RUN(timers_fire_in_order);
    RUN(timer_repeats_per_return_value);
    RUN(timer_delete);
    RUN(timer_deletes_itself);
    RUN(timer_created_in_pass_waits_next_pass);
    RUN(sleep_hooks_and_timeout);
    RUN(pipe_readable_event);
    RUN(resize_setsize);
    RUN(read_write_order_and_barrier);
    RUN(ae_wait);
    RUN(anet_basics);
    RUN(connection_tcp_roundtrip);
    RUN(connection_refused);
    RUN(connection_sync_io_and_accept_close);
    RUN(connection_unix);
    return TEST_REPORT();
}
