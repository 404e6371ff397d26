/* anet.h - thin, error-reporting wrappers over BSD sockets.
 *
 * Every function that can fail returns ANET_OK/ANET_ERR and writes a readable
 * message into err (ANET_ERR_LEN bytes) so the caller can log it. Used by the
 * connection types (connection.c) and by listeners in server.c.
 */
#ifndef ANET_H
#define ANET_H

#include <sys/types.h>

#define ANET_OK 0
#define ANET_ERR -1
#define ANET_ERR_LEN 256

#define ANET_NONE 0
#define ANET_IP_ONLY (1<<0)

/* FD_TO_PEER_NAME / FD_TO_SOCK_NAME for anetFdToString */
#define FD_TO_PEER_NAME 0
#define FD_TO_SOCK_NAME 1

int anetTcpNonBlockConnect(char *err, const char *addr, int port);
int anetTcpNonBlockBindConnect(char *err, const char *addr, int port, const char *source_addr);
int anetUnixNonBlockConnect(char *err, const char *path);
int anetRead(int fd, char *buf, int count);
int anetResolve(char *err, char *host, char *ipbuf, size_t ipbuf_len, int flags);
/* Listen on addr ("*" / NULL: 0.0.0.0, "::*": ::) ; returns fd or ANET_ERR. */
int anetTcpServer(char *err, int port, const char *bindaddr, int backlog);
int anetTcp6Server(char *err, int port, const char *bindaddr, int backlog);
int anetUnixServer(char *err, char *path, mode_t perm, int backlog);
/* Accept: returns the new fd (non-blocking, cloexec) or ANET_ERR; errno
 * EAGAIN/EWOULDBLOCK means nothing to accept. ip/port may be NULL. */
int anetTcpAccept(char *err, int serversock, char *ip, size_t ip_len, int *port);
int anetUnixAccept(char *err, int serversock);
int anetNonBlock(char *err, int fd);
int anetBlock(char *err, int fd);
int anetCloexec(int fd);
int anetEnableTcpNoDelay(char *err, int fd);
int anetDisableTcpNoDelay(char *err, int fd);
int anetKeepAlive(char *err, int fd, int interval);
int anetSendTimeout(char *err, int fd, long long ms);
int anetRecvTimeout(char *err, int fd, long long ms);
int anetSetReuseAddr(char *err, int fd);
/* Peer or local address of fd; unix sockets give ip "/unixsocket", port 0. */
int anetFdToString(int fd, char *ip, size_t ip_len, int *port, int fd_to_str_type);
/* "ip:port", or "[ip6]:port" for IPv6. */
int anetFormatAddr(char *fmt, size_t fmt_len, char *ip, int port);
int anetFormatFdAddr(int fd, char *buf, size_t buf_len, int fd_to_str_type);
int anetIsFifo(char *filepath);

#endif
