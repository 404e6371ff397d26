/* anet.c - small socket helpers with readable error reporting.
 *
 * Each helper wraps one or a few BSD socket calls and, on failure, writes a
 * short "<call>: <strerror>" message into the caller's err buffer (which may
 * be NULL when the caller doesn't care) while leaving errno as the failing
 * call set it. The listener setup in server.c and the connection types in
 * connection.c are the main users; nothing here knows about the server.
 */
#define _GNU_SOURCE     /* accept4() */
#include "anet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static void anetSetError(char *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void anetSetError(char *err, const char *fmt, ...) {
    if (!err) return;
    int saved = errno;   /* vsnprintf must not clobber errno for the caller */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, ANET_ERR_LEN, fmt, ap);
    va_end(ap);
    errno = saved;
}

/* Close fd on an error path without losing the errno being reported. */
static void anetCloseKeepErrno(int fd) {
    int saved = errno;
    close(fd);
    errno = saved;
}

/* ------------------------------------------------------------------------
 * fd flags and socket options
 * ---------------------------------------------------------------------- */

static int anetSetBlocking(char *err, int fd, int nonblock) {
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1) {
        anetSetError(err, "fcntl(F_GETFL): %s", strerror(errno));
        return ANET_ERR;
    }
    int wanted = nonblock ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    if (wanted == flags) return ANET_OK;
    if (fcntl(fd, F_SETFL, wanted) == -1) {
        anetSetError(err, "fcntl(F_SETFL,O_NONBLOCK): %s", strerror(errno));
        return ANET_ERR;
    }
    return ANET_OK;
}

int anetNonBlock(char *err, int fd) {
    return anetSetBlocking(err, fd, 1);
}

int anetBlock(char *err, int fd) {
    return anetSetBlocking(err, fd, 0);
}

int anetCloexec(int fd) {
    int flags, r;
    do {
        flags = fcntl(fd, F_GETFD);
    } while (flags == -1 && errno == EINTR);
    if (flags == -1) return ANET_ERR;
    if (flags & FD_CLOEXEC) return ANET_OK;
    do {
        r = fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    } while (r == -1 && errno == EINTR);
    return r == -1 ? ANET_ERR : ANET_OK;
}

static int anetSetIntOpt(char *err, int fd, int level, int opt, int val,
                         const char *what) {
    if (setsockopt(fd, level, opt, &val, sizeof(val)) == -1) {
        anetSetError(err, "setsockopt %s: %s", what, strerror(errno));
        return ANET_ERR;
    }
    return ANET_OK;
}

/* Turn on keepalive probes: first probe after `interval` seconds of silence,
 * then every interval/3 seconds, giving up after 3 unanswered probes, so a
 * dead peer is detected in roughly twice `interval`. */
int anetKeepAlive(char *err, int fd, int interval) {
    if (anetSetIntOpt(err, fd, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE") == ANET_ERR)
        return ANET_ERR;
    if (interval <= 0) return ANET_OK;
    int probe_every = interval / 3;
    if (probe_every < 1) probe_every = 1;
    if (anetSetIntOpt(err, fd, IPPROTO_TCP, TCP_KEEPIDLE, interval, "TCP_KEEPIDLE") == ANET_ERR)
        return ANET_ERR;
    if (anetSetIntOpt(err, fd, IPPROTO_TCP, TCP_KEEPINTVL, probe_every, "TCP_KEEPINTVL") == ANET_ERR)
        return ANET_ERR;
    if (anetSetIntOpt(err, fd, IPPROTO_TCP, TCP_KEEPCNT, 3, "TCP_KEEPCNT") == ANET_ERR)
        return ANET_ERR;
    return ANET_OK;
}

int anetEnableTcpNoDelay(char *err, int fd) {
    return anetSetIntOpt(err, fd, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
}

int anetDisableTcpNoDelay(char *err, int fd) {
    return anetSetIntOpt(err, fd, IPPROTO_TCP, TCP_NODELAY, 0, "TCP_NODELAY");
}

static int anetSetTimeoutOpt(char *err, int fd, int opt, long long ms, const char *what) {
    struct timeval tv;
    if (ms < 0) ms = 0;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    if (setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) == -1) {
        anetSetError(err, "setsockopt %s: %s", what, strerror(errno));
        return ANET_ERR;
    }
    return ANET_OK;
}

int anetSendTimeout(char *err, int fd, long long ms) {
    return anetSetTimeoutOpt(err, fd, SO_SNDTIMEO, ms, "SO_SNDTIMEO");
}

int anetRecvTimeout(char *err, int fd, long long ms) {
    return anetSetTimeoutOpt(err, fd, SO_RCVTIMEO, ms, "SO_RCVTIMEO");
}

/* Lets a restarted server bind its port while old connections linger in
 * TIME_WAIT. */
int anetSetReuseAddr(char *err, int fd) {
    return anetSetIntOpt(err, fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
}

/* ------------------------------------------------------------------------
 * Name resolution
 * ---------------------------------------------------------------------- */

static const char *anetSockaddrToIp(const struct sockaddr *sa, char *ip, size_t ip_len, int *port) {
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        if (port) *port = ntohs(s4->sin_port);
        return inet_ntop(AF_INET, &s4->sin_addr, ip, (socklen_t)ip_len);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        if (port) *port = ntohs(s6->sin6_port);
        return inet_ntop(AF_INET6, &s6->sin6_addr, ip, (socklen_t)ip_len);
    }
    return NULL;
}

int anetResolve(char *err, char *host, char *ipbuf, size_t ipbuf_len, int flags) {
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (flags & ANET_IP_ONLY) hints.ai_flags = AI_NUMERICHOST;

    int rv = getaddrinfo(host, NULL, &hints, &res);
    if (rv != 0) {
        anetSetError(err, "%s", gai_strerror(rv));
        return ANET_ERR;
    }
    const char *ok = anetSockaddrToIp(res->ai_addr, ipbuf, ipbuf_len, NULL);
    freeaddrinfo(res);
    if (!ok) {
        anetSetError(err, "inet_ntop: %s", strerror(errno));
        return ANET_ERR;
    }
    return ANET_OK;
}

/* ------------------------------------------------------------------------
 * Outgoing connections
 * ---------------------------------------------------------------------- */

/* Bind fd to any address source_addr resolves to (port chosen by kernel). */
static int anetBindSource(char *err, int fd, const char *source_addr, int family) {
    struct addrinfo hints, *res, *p;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;

    int rv = getaddrinfo(source_addr, NULL, &hints, &res);
    if (rv != 0) {
        anetSetError(err, "%s", gai_strerror(rv));
        return ANET_ERR;
    }
    for (p = res; p; p = p->ai_next) {
        if (bind(fd, p->ai_addr, p->ai_addrlen) == 0) break;
    }
    freeaddrinfo(res);
    if (!p) {
        anetSetError(err, "bind: %s", strerror(errno));
        return ANET_ERR;
    }
    return ANET_OK;
}

/* Start a non-blocking connect to one resolved address. EINPROGRESS counts
 * as success: completion is signalled by the socket becoming writable. */
static int anetTryConnect(char *err, const struct addrinfo *p, const char *source_addr) {
    int fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
    if (fd == -1) {
        anetSetError(err, "creating socket: %s", strerror(errno));
        return -1;
    }
    if (anetSetReuseAddr(err, fd) == ANET_ERR ||
        anetNonBlock(err, fd) == ANET_ERR ||
        (source_addr && anetBindSource(err, fd, source_addr, p->ai_family) == ANET_ERR))
        goto fail;
    if (connect(fd, p->ai_addr, p->ai_addrlen) == 0 || errno == EINPROGRESS)
        return fd;
    anetSetError(err, "connect: %s", strerror(errno));
fail:
    anetCloseKeepErrno(fd);
    return -1;
}

/* Try each address addr:port resolves to until a connect gets started. */
int anetTcpNonBlockBindConnect(char *err, const char *addr, int port, const char *source_addr) {
    char portstr[16];
    struct addrinfo hints, *res, *p;
    int fd = -1;

    snprintf(portstr, sizeof(portstr), "%d", port);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rv = getaddrinfo(addr, portstr, &hints, &res);
    if (rv != 0) {
        anetSetError(err, "%s", gai_strerror(rv));
        errno = EINVAL;
        return ANET_ERR;
    }
    for (p = res; p && fd == -1; p = p->ai_next)
        fd = anetTryConnect(err, p, source_addr);
    {
        int saved = errno;
        freeaddrinfo(res);
        errno = saved;
    }
    return fd == -1 ? ANET_ERR : fd;
}

int anetTcpNonBlockConnect(char *err, const char *addr, int port) {
    return anetTcpNonBlockBindConnect(err, addr, port, NULL);
}

/* Fill a sockaddr_un, refusing paths that would be silently truncated. */
static int anetUnixAddr(char *err, struct sockaddr_un *sa, const char *path) {
    size_t len = strlen(path);
    memset(sa, 0, sizeof(*sa));
    if (len >= sizeof(sa->sun_path)) {
        anetSetError(err, "unix socket path too long (%zu), must be under %zu",
                     len, sizeof(sa->sun_path));
        errno = ENAMETOOLONG;
        return ANET_ERR;
    }
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path, path, len + 1);
    return ANET_OK;
}

int anetUnixNonBlockConnect(char *err, const char *path) {
    struct sockaddr_un sa;
    if (anetUnixAddr(err, &sa, path) == ANET_ERR) return ANET_ERR;

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd == -1) {
        anetSetError(err, "creating socket: %s", strerror(errno));
        return ANET_ERR;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 && errno != EINPROGRESS) {
        anetSetError(err, "connect: %s", strerror(errno));
        anetCloseKeepErrno(fd);
        return ANET_ERR;
    }
    return fd;
}

/* Read exactly count bytes unless EOF or an error comes first. Returns the
 * bytes read (short only on EOF) or -1. */
int anetRead(int fd, char *buf, int count) {
    int total = 0;
    while (total < count) {
        ssize_t n = read(fd, buf + total, (size_t)(count - total));
        if (n == 0) return total;
        if (n == -1) {
            if (errno == EINTR) continue;
            return -1;
        }
        total += (int)n;
    }
    return total;
}

/* ------------------------------------------------------------------------
 * Listening sockets
 * ---------------------------------------------------------------------- */

static int anetBindListen(char *err, int fd, struct sockaddr *sa, socklen_t len, int backlog) {
    if (bind(fd, sa, len) == -1) {
        anetSetError(err, "bind: %s", strerror(errno));
        return ANET_ERR;
    }
    if (listen(fd, backlog) == -1) {
        anetSetError(err, "listen: %s", strerror(errno));
        return ANET_ERR;
    }
    return ANET_OK;
}

static int anetTcpGenericServer(char *err, int port, const char *bindaddr, int family, int backlog) {
    char portstr[16];
    struct addrinfo hints, *res, *p;
    int fd = -1;

    /* "*" (IPv4) and "::*" (IPv6) mean the wildcard address. */
    if (bindaddr && (!strcmp(bindaddr, "*") || !strcmp(bindaddr, "::*")))
        bindaddr = NULL;

    snprintf(portstr, sizeof(portstr), "%d", port);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rv = getaddrinfo(bindaddr, portstr, &hints, &res);
    if (rv != 0) {
        anetSetError(err, "%s", gai_strerror(rv));
        errno = EINVAL;
        return ANET_ERR;
    }

    for (p = res; p; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
        if (fd == -1) {
            anetSetError(err, "creating socket: %s", strerror(errno));
            continue;
        }
        /* Keep the v6 socket v6-only so a separate IPv4 listener on the same
         * port can coexist with it. */
        if ((p->ai_family == AF_INET6 &&
             anetSetIntOpt(err, fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY") == ANET_ERR) ||
            anetSetReuseAddr(err, fd) == ANET_ERR ||
            anetBindListen(err, fd, p->ai_addr, p->ai_addrlen, backlog) == ANET_ERR) {
            anetCloseKeepErrno(fd);
            fd = -1;
            continue;
        }
        break;
    }
    freeaddrinfo(res);
    return fd == -1 ? ANET_ERR : fd;
}

int anetTcpServer(char *err, int port, const char *bindaddr, int backlog) {
    return anetTcpGenericServer(err, port, bindaddr, AF_INET, backlog);
}

int anetTcp6Server(char *err, int port, const char *bindaddr, int backlog) {
    return anetTcpGenericServer(err, port, bindaddr, AF_INET6, backlog);
}

int anetUnixServer(char *err, char *path, mode_t perm, int backlog) {
    struct sockaddr_un sa;
    if (anetUnixAddr(err, &sa, path) == ANET_ERR) return ANET_ERR;

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        anetSetError(err, "creating socket: %s", strerror(errno));
        return ANET_ERR;
    }
    if (anetBindListen(err, fd, (struct sockaddr *)&sa, sizeof(sa), backlog) == ANET_ERR) {
        anetCloseKeepErrno(fd);
        return ANET_ERR;
    }
    if (perm && chmod(path, perm) == -1) {
        anetSetError(err, "chmod: %s", strerror(errno));
        anetCloseKeepErrno(fd);
        return ANET_ERR;
    }
    return fd;
}

/* accept4() so the new fd is non-blocking and close-on-exec atomically. */
static int anetGenericAccept(char *err, int s, struct sockaddr *sa, socklen_t *len) {
    int fd;
    do {
        fd = accept4(s, sa, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    } while (fd == -1 && errno == EINTR);
    if (fd == -1) {
        anetSetError(err, "accept: %s", strerror(errno));
        return ANET_ERR;
    }
    return fd;
}

int anetTcpAccept(char *err, int serversock, char *ip, size_t ip_len, int *port) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int fd = anetGenericAccept(err, serversock, (struct sockaddr *)&ss, &len);
    if (fd == -1) return ANET_ERR;
    if (ip && ip_len) {
        if (!anetSockaddrToIp((struct sockaddr *)&ss, ip, ip_len, port)) {
            snprintf(ip, ip_len, "?");
            if (port) *port = 0;
        }
    } else if (port) {
        char tmp[INET6_ADDRSTRLEN];
        if (!anetSockaddrToIp((struct sockaddr *)&ss, tmp, sizeof(tmp), port)) *port = 0;
    }
    return fd;
}

int anetUnixAccept(char *err, int serversock) {
    struct sockaddr_un sa;
    socklen_t len = sizeof(sa);
    return anetGenericAccept(err, serversock, (struct sockaddr *)&sa, &len);
}

/* ------------------------------------------------------------------------
 * Address formatting
 * ---------------------------------------------------------------------- */

int anetFdToString(int fd, char *ip, size_t ip_len, int *port, int fd_to_str_type) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int rv = fd_to_str_type == FD_TO_PEER_NAME
             ? getpeername(fd, (struct sockaddr *)&ss, &len)
             : getsockname(fd, (struct sockaddr *)&ss, &len);
    if (rv == -1) goto fail;

    if (ss.ss_family == AF_UNIX) {
        /* Unix peers have no useful address; CLIENT LIST shows this. */
        if (ip) snprintf(ip, ip_len, "/unixsocket");
        if (port) *port = 0;
        return 0;
    }
    if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
        char tmp[INET6_ADDRSTRLEN];
        int p = 0;
        if (!anetSockaddrToIp((struct sockaddr *)&ss, tmp, sizeof(tmp), &p)) goto fail;
        if (ip) snprintf(ip, ip_len, "%s", tmp);
        if (port) *port = p;
        return 0;
    }
    errno = EAFNOSUPPORT;

fail:
    if (ip && ip_len) snprintf(ip, ip_len, "?");
    if (port) *port = 0;
    return -1;
}

int anetFormatAddr(char *fmt, size_t fmt_len, char *ip, int port) {
    /* A colon can only appear in an IPv6 literal; bracket it so the port
     * separator stays unambiguous. */
    if (strchr(ip, ':'))
        return snprintf(fmt, fmt_len, "[%s]:%d", ip, port);
    return snprintf(fmt, fmt_len, "%s:%d", ip, port);
}

int anetFormatFdAddr(int fd, char *buf, size_t buf_len, int fd_to_str_type) {
    char ip[INET6_ADDRSTRLEN];
    int port;
    anetFdToString(fd, ip, sizeof(ip), &port, fd_to_str_type);
    return anetFormatAddr(buf, buf_len, ip, port);
}

int anetIsFifo(char *filepath) {
    struct stat st;
    if (stat(filepath, &st) == -1) return 0;
    return S_ISFIFO(st.st_mode);
}
