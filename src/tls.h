/* tls.h - TLS as one more connection type (tls.c).
 *
 * The server talks to TLS clients through the same conn*() API as to TCP
 * ones; what is specific lives behind these few entry points: start-up and
 * reconfiguration of the OpenSSL contexts from the tls-* directives, the
 * tls-port accept handler, connection constructors, and the pending-data
 * pass the event loop runs before sleeping (bytes OpenSSL already decrypted
 * raise no readable event on the socket).
 *
 * Built without TLS (make BUILD_TLS=no) the tls-* directives do not exist,
 * so none of this is reached; the functions are then inert stubs.
 */
#ifndef TLS_H
#define TLS_H

#include "connection.h"

struct aeEventLoop;

/* Process-wide OpenSSL initialisation; call once before tlsConfigure(). */
void tlsInit(void);
/* Build the server and client SSL_CTX from server.tls_* and swap them in.
 * On failure the previous contexts stay and the reason has been logged.
 * Returns C_OK / C_ERR. */
int tlsConfigure(void);
/* True once a context exists (a TLS listener or outgoing link can work). */
int tlsIsConfigured(void);
/* Does the configuration ask for TLS at all (tls-port, replication, cluster)? */
int tlsIsWanted(void);

/* CONFIG SET apply callbacks for the tls-* directives (config_table.c). */
int tlsApplyConfig(const char **err);
int tlsApplyPort(const char **err);
/* CONFIG SET bind: reopen the tls-port listener on the new addresses. */
int tlsApplyBind(const char **err);

/* Listener callback for the tls-port sockets. */
void acceptTLSHandler(struct aeEventLoop *el, int fd, void *privdata, int mask);

/* An outgoing connection (connConnect next): uses the client context, i.e.
 * tls-client-cert-file when set, else tls-cert-file. */
connection *connCreateTLS(void);
/* Wrap an accepted fd; client certificates are checked per auth_mode
 * (TLS_CLIENT_AUTH_*). connAccept() runs the handshake. */
connection *connCreateAcceptedTLS(int fd, int auth_mode);
/* An outgoing connection for replication (tls-replication) or the cluster
 * bus and MIGRATE (tls-cluster): TLS when use_tls, else plain TCP. */
connection *connCreateOutgoing(int use_tls);

/* Serve reads OpenSSL has buffered; returns how many connections ran. */
int tlsProcessPendingData(void);
int tlsHasPendingData(void);

#endif
