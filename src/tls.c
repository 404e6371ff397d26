/* tls.c - TLS (OpenSSL 3) as one more connection type.
 *
 * Three parts:
 *  1. Contexts: tlsConfigure() builds a server SSL_CTX and, when
 *     tls-client-cert-file/-key-file are set, a separate client SSL_CTX from
 *     the tls-* directives. It is all-or-nothing: the new contexts replace
 *     the old ones only once everything loaded, so a CONFIG SET pointing at
 *     a bad file keeps the server serving with the previous certificate.
 *     Existing connections keep the context they were created with (SSL
 *     objects hold a reference), new ones get the new context.
 *  2. The ConnectionType: a tlsConn embeds the plain `connection` (first
 *     member, so the conn*() API works on it) plus the SSL object. Its
 *     subtlety is that one logical operation may need the opposite socket
 *     direction: SSL_read can ask to write (and SSL_write to read). We
 *     remember that in flags, keep the needed event registered, and when it
 *     fires we run the handler whose operation was waiting for it.
 *     Handshakes (accept and connect) are driven by the same event handler
 *     until done, then the connection's conn_handler runs once.
 *  3. Pending data: SSL_read returns at most what the caller asked for;
 *     the rest of a decrypted record stays inside OpenSSL and the socket
 *     will not become readable for it. Such connections are queued, and
 *     beforeSleep() calls tlsProcessPendingData() (and tells the event loop
 *     not to block while the queue is not empty).
 *
 * With BUILD_TLS=no (no USE_OPENSSL) only inert stubs are compiled and the
 * tls-* directives are left out of the config table, as stock does.
 */
#include "server.h"
#include "tls.h"

#ifdef USE_OPENSSL

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#define TLS_PROTO_TLSv1 (1<<0)
#define TLS_PROTO_TLSv1_1 (1<<1)
#define TLS_PROTO_TLSv1_2 (1<<2)
#define TLS_PROTO_TLSv1_3 (1<<3)
#define TLS_PROTO_DEFAULT (TLS_PROTO_TLSv1_2|TLS_PROTO_TLSv1_3)

/* tlsConn.flags */
#define TLS_READ_WANTS_WRITE (1<<0)  /* last SSL_read needs the socket writable */
#define TLS_WRITE_WANTS_READ (1<<1)  /* last SSL_write needs the socket readable */
#define TLS_FD_ATTACHED (1<<2)       /* outgoing: TCP connected, SSL has the fd */

typedef struct tlsConn {
    connection c;           /* must stay first: a tlsConn is a connection */
    SSL *ssl;
    int flags;
    int hs_mask;            /* handshake: the socket event SSL waits for */
    listNode *pending_node; /* in pending_conns while OpenSSL holds input */
    char err[256];          /* last OpenSSL error text ("" = use errno) */
} tlsConn;

static SSL_CTX *server_ctx = NULL;
static SSL_CTX *client_ctx = NULL; /* NULL: outgoing links use server_ctx */
static list *pending_conns = NULL;
static ConnectionType CT_TLS;

/* ------------------------------------------------------------------------
 * Contexts
 * ---------------------------------------------------------------------- */

void tlsInit(void) {
    /* Honour the system openssl.cnf like any OpenSSL program. */
    OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL);
    if (!RAND_poll()) serverLog(LL_WARNING, "OpenSSL: Failed to seed random number generator.");
    if (!pending_conns) pending_conns = listCreate();
}

int tlsIsConfigured(void) {
    return server_ctx != NULL;
}

int tlsIsWanted(void) {
    return server.tls_port != 0 || server.tls_replication || server.tls_cluster;
}

/* tls-protocols: space separated, case-insensitive names; unset means
 * TLSv1.2 and TLSv1.3. Returns a TLS_PROTO_* mask or -1 (logged). */
static int tlsParseProtocols(const char *spec) {
    if (spec == NULL || spec[0] == '\0') return TLS_PROTO_DEFAULT;
    int count, mask = 0;
    sds *words = sdssplitlen(spec, strlen(spec), " ", 1, &count);
    for (int j = 0; j < count && mask != -1; j++) {
        if (sdslen(words[j]) == 0) continue;
        if (!strcasecmp(words[j], "tlsv1")) mask |= TLS_PROTO_TLSv1;
        else if (!strcasecmp(words[j], "tlsv1.1")) mask |= TLS_PROTO_TLSv1_1;
        else if (!strcasecmp(words[j], "tlsv1.2")) mask |= TLS_PROTO_TLSv1_2;
        else if (!strcasecmp(words[j], "tlsv1.3")) mask |= TLS_PROTO_TLSv1_3;
        else {
            serverLog(LL_WARNING, "Invalid tls-protocols specified. "
                      "Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
            mask = -1;
        }
    }
    sdsfreesplitres(words, count);
    return mask;
}

/* Key file passphrase: OpenSSL asks through this callback; the userdata is
 * the configured string (or NULL: no passphrase). */
static int tlsPassphraseCallback(char *buf, int size, int rwflag, void *u) {
    (void)rwflag;
    const char *pass = u;
    if (pass == NULL) return -1; /* no passphrase: fail rather than try "" */
    int len = (int)strlen(pass);
    if (len > size) len = size;
    memcpy(buf, pass, len);
    return len;
}

static const char *tlsErrorText(char *buf, size_t len) {
    ERR_error_string_n(ERR_get_error(), buf, len);
    return buf;
}

/* What the server and client contexts share: protocol versions, the
 * certificate and key identifying us, the CAs we trust and cipher lists.
 * Returns NULL after logging why. */
static SSL_CTX *tlsNewContext(int protocols, const char *cert, const char *key,
                              const char *pass) {
    char errbuf[256];
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    if (!ctx) {
        serverLog(LL_WARNING, "Failed to create TLS context: %s", tlsErrorText(errbuf, sizeof(errbuf)));
        return NULL;
    }
    long opts = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION |
                SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS;
    if (!(protocols & TLS_PROTO_TLSv1)) opts |= SSL_OP_NO_TLSv1;
    if (!(protocols & TLS_PROTO_TLSv1_1)) opts |= SSL_OP_NO_TLSv1_1;
    if (!(protocols & TLS_PROTO_TLSv1_2)) opts |= SSL_OP_NO_TLSv1_2;
    if (!(protocols & TLS_PROTO_TLSv1_3)) opts |= SSL_OP_NO_TLSv1_3;
    SSL_CTX_set_options(ctx, opts);
    /* Partial writes: networking.c consumes what was written and retries the
     * rest later, possibly from a buffer that has grown in between. */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);

    SSL_CTX_set_default_passwd_cb(ctx, tlsPassphraseCallback);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)pass);

    if (SSL_CTX_use_certificate_chain_file(ctx, cert) <= 0) {
        serverLog(LL_WARNING, "Failed to load certificate: %s: %s", cert, tlsErrorText(errbuf, sizeof(errbuf)));
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) <= 0) {
        serverLog(LL_WARNING, "Failed to load private key: %s: %s", key, tlsErrorText(errbuf, sizeof(errbuf)));
        goto fail;
    }
    /* The passphrase string belongs to the config; don't keep a pointer. */
    SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);

    if ((server.tls_ca_cert_file || server.tls_ca_cert_dir) &&
        SSL_CTX_load_verify_locations(ctx, server.tls_ca_cert_file, server.tls_ca_cert_dir) <= 0) {
        serverLog(LL_WARNING, "Failed to configure CA certificate(s) file/directory: %s",
                  tlsErrorText(errbuf, sizeof(errbuf)));
        goto fail;
    }
    if (server.tls_ciphers && !SSL_CTX_set_cipher_list(ctx, server.tls_ciphers)) {
        serverLog(LL_WARNING, "Failed to configure ciphers: %s", server.tls_ciphers);
        goto fail;
    }
    if (server.tls_ciphersuites && !SSL_CTX_set_ciphersuites(ctx, server.tls_ciphersuites)) {
        serverLog(LL_WARNING, "Failed to configure ciphersuites: %s", server.tls_ciphersuites);
        goto fail;
    }
    return ctx;

fail:
    SSL_CTX_free(ctx);
    return NULL;
}

/* tls-dh-params-file, else OpenSSL's built-in groups sized to the key. */
static int tlsLoadDhParams(SSL_CTX *ctx) {
    const char *path = server.tls_dh_params_file;
    if (!path) {
        SSL_CTX_set_dh_auto(ctx, 1);
        return C_OK;
    }
    FILE *fp = fopen(path, "r");
    if (!fp) {
        serverLog(LL_WARNING, "Failed to load %s: %s", path, strerror(errno));
        return C_ERR;
    }
    BIO *bio = BIO_new_fp(fp, BIO_CLOSE);
    EVP_PKEY *params = bio ? PEM_read_bio_Parameters(bio, NULL) : NULL;
    if (bio) BIO_free(bio);
    else fclose(fp);
    if (!params) {
        serverLog(LL_WARNING, "%s: failed to read DH params.", path);
        return C_ERR;
    }
    if (SSL_CTX_set0_tmp_dh_pkey(ctx, params) <= 0) {
        char errbuf[256];
        serverLog(LL_WARNING, "Failed to load DH params file: %s: %s", path, tlsErrorText(errbuf, sizeof(errbuf)));
        EVP_PKEY_free(params);
        return C_ERR;
    }
    return C_OK; /* ctx owns params now */
}

int tlsConfigure(void) {
    SSL_CTX *sctx = NULL, *cctx = NULL;

    if (!server.tls_cert_file) {
        serverLog(LL_WARNING, "No tls-cert-file configured!");
        return C_ERR;
    }
    if (!server.tls_key_file) {
        serverLog(LL_WARNING, "No tls-key-file configured!");
        return C_ERR;
    }
    /* Verifying peers needs something to verify them against. */
    if ((server.tls_auth_clients != TLS_CLIENT_AUTH_NO || server.tls_cluster ||
         server.tls_replication) && !server.tls_ca_cert_file && !server.tls_ca_cert_dir) {
        serverLog(LL_WARNING, "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!");
        return C_ERR;
    }
    int protocols = tlsParseProtocols(server.tls_protocols);
    if (protocols == -1) return C_ERR;

    sctx = tlsNewContext(protocols, server.tls_cert_file, server.tls_key_file,
                         server.tls_key_file_pass);
    if (!sctx) goto fail;

    if (server.tls_session_caching) {
        SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_SERVER);
        SSL_CTX_sess_set_cache_size(sctx, server.tls_session_cache_size);
        SSL_CTX_set_timeout(sctx, server.tls_session_cache_timeout);
        SSL_CTX_set_session_id_context(sctx, (const unsigned char *)"redis", 5);
    } else {
        SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
    }
    /* Client-initiated renegotiation is off by default in OpenSSL 3. */
    SSL_CTX_set_options(sctx, SSL_OP_SINGLE_DH_USE);
    if (server.tls_prefer_server_ciphers) SSL_CTX_set_options(sctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (tlsLoadDhParams(sctx) != C_OK) goto fail;

    if (server.tls_client_cert_file && server.tls_client_key_file) {
        cctx = tlsNewContext(protocols, server.tls_client_cert_file, server.tls_client_key_file,
                             server.tls_client_key_file_pass);
        if (!cctx) goto fail;
    }

    SSL_CTX_free(server_ctx);
    SSL_CTX_free(client_ctx);
    server_ctx = sctx;
    client_ctx = cctx;
    return C_OK;

fail:
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return C_ERR;
}

int tlsApplyConfig(const char **err) {
    if (tlsIsWanted() && tlsConfigure() == C_ERR) {
        *err = "Unable to update TLS configuration. Check server logs.";
        return 0;
    }
    return 1;
}

int tlsApplyPort(const char **err) {
    if (server.el == NULL) return 1;
    if (server.tls_port != 0 && !tlsIsConfigured() && tlsConfigure() == C_ERR) {
        *err = "Unable to update TLS configuration. Check server logs.";
        return 0;
    }
    if (changeListenPort(server.tls_port, &server.tlsfd, acceptTLSHandler) != C_OK) {
        *err = "Unable to listen on this port. Check server logs.";
        return 0;
    }
    return 1;
}

/* Same reasoning as for the TCP listener (config_table.c): the new
 * addresses may overlap the old ones, so the old sockets close first. */
int tlsApplyBind(const char **err) {
    if (server.el == NULL || server.tls_port == 0) return 1;
    for (int j = 0; j < server.tlsfd.count; j++) {
        aeDeleteFileEvent(server.el, server.tlsfd.fd[j], AE_READABLE);
        close(server.tlsfd.fd[j]);
    }
    server.tlsfd.count = 0;
    if (changeListenPort(server.tls_port, &server.tlsfd, acceptTLSHandler) != C_OK) {
        *err = "Failed to bind to specified addresses.";
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------------
 * Errors and event registration
 * ---------------------------------------------------------------------- */

static void tlsEventHandler(struct aeEventLoop *el, int fd, void *clientData, int mask);

/* Record why an SSL call failed. A syscall error keeps errno's text. */
static void tlsNoteError(tlsConn *tc, int ssl_err) {
    if (ssl_err == SSL_ERROR_SYSCALL) {
        tc->c.last_errno = errno ? errno : ECONNRESET;
        tc->err[0] = '\0';
    } else {
        unsigned long e = ERR_get_error();
        tc->c.last_errno = 0;
        if (e) ERR_error_string_n(e, tc->err, sizeof(tc->err));
        else snprintf(tc->err, sizeof(tc->err), "TLS error %d", ssl_err);
    }
}

/* Make the registered socket events match what the connection needs:
 * during a handshake exactly what SSL asked for; afterwards each installed
 * handler's direction, plus the opposite one an operation is stuck on. */
static void tlsUpdateEvents(tlsConn *tc) {
    int fd = tc->c.fd;
    if (fd == -1) return;
    int want = 0;
    if (tc->c.state == CONN_STATE_ACCEPTING || tc->c.state == CONN_STATE_CONNECTING) {
        want = tc->hs_mask;
    } else {
        /* Also after an error: the handlers must run to find out. */
        if (tc->c.read_handler || (tc->flags & TLS_WRITE_WANTS_READ)) want |= AE_READABLE;
        if (tc->c.write_handler || (tc->flags & TLS_READ_WANTS_WRITE)) want |= AE_WRITABLE;
    }
    int have = aeGetFileEvents(server.el, fd);
    int add = want & ~have, del = have & ~want;
    if (del) aeDeleteFileEvent(server.el, fd, del);
    if (add) aeCreateFileEvent(server.el, fd, add, tlsEventHandler, tc);
}

static void tlsPendingAdd(tlsConn *tc) {
    if (tc->pending_node) return;
    listAddNodeTail(pending_conns, tc);
    tc->pending_node = listLast(pending_conns);
}

static void tlsPendingRemove(tlsConn *tc) {
    if (!tc->pending_node) return;
    listDelNode(pending_conns, tc->pending_node);
    tc->pending_node = NULL;
}

/* Queue the connection when OpenSSL holds decrypted input its reader
 * has not taken yet. */
static void tlsCheckPending(tlsConn *tc) {
    if (tc->ssl && tc->c.read_handler && tc->c.state == CONN_STATE_CONNECTED &&
        SSL_pending(tc->ssl) > 0)
        tlsPendingAdd(tc);
}

/* ------------------------------------------------------------------------
 * Creation, handshakes, close
 * ---------------------------------------------------------------------- */

static tlsConn *tlsNewConn(SSL_CTX *ctx, int fd, ConnectionState state) {
    tlsConn *tc = zcalloc(sizeof(*tc));
    tc->c.type = &CT_TLS;
    tc->c.fd = fd;
    tc->c.state = state;
    if (!ctx) {
        tc->c.state = CONN_STATE_ERROR;
        snprintf(tc->err, sizeof(tc->err), "TLS is not configured");
        return tc;
    }
    tc->ssl = SSL_new(ctx);
    if (!tc->ssl) {
        tc->c.state = CONN_STATE_ERROR;
        tlsNoteError(tc, SSL_ERROR_SSL);
    }
    return tc;
}

connection *connCreateTLS(void) {
    return &tlsNewConn(client_ctx ? client_ctx : server_ctx, -1, CONN_STATE_NONE)->c;
}

connection *connCreateAcceptedTLS(int fd, int auth_mode) {
    tlsConn *tc = tlsNewConn(server_ctx, fd, CONN_STATE_ACCEPTING);
    if (!tc->ssl) return &tc->c;
    int mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    if (auth_mode == TLS_CLIENT_AUTH_NO) mode = SSL_VERIFY_NONE;
    else if (auth_mode == TLS_CLIENT_AUTH_OPTIONAL) mode = SSL_VERIFY_PEER;
    SSL_set_verify(tc->ssl, mode, NULL);
    SSL_set_fd(tc->ssl, fd);
    SSL_set_accept_state(tc->ssl);
    return &tc->c;
}

/* One step of the handshake. Returns 1 when it finished (state is then
 * CONNECTED or ERROR), 0 while it waits for the socket (hs_mask says on
 * what). */
static int tlsHandshakeStep(tlsConn *tc) {
    ERR_clear_error();
    int ret = tc->c.state == CONN_STATE_ACCEPTING ? SSL_accept(tc->ssl) : SSL_connect(tc->ssl);
    if (ret == 1) {
        tc->c.state = CONN_STATE_CONNECTED;
        tc->hs_mask = 0;
        return 1;
    }
    int e = SSL_get_error(tc->ssl, ret);
    if (e == SSL_ERROR_WANT_READ) tc->hs_mask = AE_READABLE;
    else if (e == SSL_ERROR_WANT_WRITE) tc->hs_mask = AE_WRITABLE;
    else {
        tlsNoteError(tc, e);
        tc->c.state = CONN_STATE_ERROR;
        tc->hs_mask = 0;
        return 1;
    }
    return 0;
}

/* Handshake finished one way or the other: tell the owner once. Returns 0
 * if the owner closed the connection (it is freed). */
static int tlsFinishHandshake(tlsConn *tc) {
    ConnectionCallbackFunc handler = tc->c.conn_handler;
    tc->c.conn_handler = NULL;
    if (!connCallHandler(&tc->c, handler)) return 0;
    tlsCheckPending(tc);
    return 1;
}

/* The TLS handshake starts once the client speaks, so accepting only
 * registers for its first flight; the event handler does the rest. */
static int tlsAccept(connection *conn, ConnectionCallbackFunc accept_handler) {
    tlsConn *tc = (tlsConn *)conn;
    if (conn->state != CONN_STATE_ACCEPTING) return C_ERR;
    conn->conn_handler = accept_handler;
    tc->hs_mask = AE_READABLE;
    tlsUpdateEvents(tc);
    return C_OK;
}

static int tlsConnect(connection *conn, const char *addr, int port, const char *src_addr,
                      ConnectionCallbackFunc connect_handler) {
    tlsConn *tc = (tlsConn *)conn;
    if (!tc->ssl) return C_ERR;
    int fd = anetTcpNonBlockBindConnect(NULL, addr, port, src_addr);
    if (fd == -1) {
        conn->state = CONN_STATE_ERROR;
        conn->last_errno = errno;
        return C_ERR;
    }
    conn->fd = fd;
    conn->state = CONN_STATE_CONNECTING;
    conn->conn_handler = connect_handler;
    tc->hs_mask = AE_WRITABLE; /* first the TCP connect */
    tlsUpdateEvents(tc);
    return C_OK;
}

/* The TCP connect of an outgoing connection completed (writable): start
 * the TLS client handshake on the socket. Returns 0 if SO_ERROR failed it. */
static int tlsAttachConnectedFd(tlsConn *tc) {
    int sockerr = 0;
    socklen_t len = sizeof(sockerr);
    if (getsockopt(tc->c.fd, SOL_SOCKET, SO_ERROR, &sockerr, &len) == -1) sockerr = errno;
    if (sockerr) {
        tc->c.last_errno = sockerr;
        tc->c.state = CONN_STATE_ERROR;
        return 0;
    }
    SSL_set_fd(tc->ssl, tc->c.fd);
    SSL_set_connect_state(tc->ssl);
    tc->flags |= TLS_FD_ATTACHED;
    return 1;
}

/* Wait for `mask` on fd until deadline (ms, monotonic). 0 ready, -1 timeout. */
static long long tlsNowMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int tlsWaitUntil(int fd, int mask, long long deadline) {
    long long left = deadline - tlsNowMs();
    if (left < 0) left = 0;
    int ready = aeWait(fd, mask, left);
    if (ready > 0 && (ready & mask)) return 0;
    if (ready < 0 && errno == EINTR) return 0;
    errno = ETIMEDOUT;
    return -1;
}

static int tlsBlockingConnect(connection *conn, const char *addr, int port, long long timeout) {
    tlsConn *tc = (tlsConn *)conn;
    long long deadline = tlsNowMs() + timeout;
    if (!tc->ssl) return C_ERR;
    int fd = anetTcpNonBlockConnect(NULL, addr, port);
    if (fd == -1) goto err;
    conn->fd = fd;
    if (tlsWaitUntil(fd, AE_WRITABLE, deadline) == -1) goto err;
    if (!tlsAttachConnectedFd(tc)) {
        errno = conn->last_errno;
        return C_ERR;
    }
    conn->state = CONN_STATE_CONNECTING;
    while (!tlsHandshakeStep(tc)) {
        if (tlsWaitUntil(fd, tc->hs_mask, deadline) == -1) goto err;
    }
    return conn->state == CONN_STATE_CONNECTED ? C_OK : C_ERR;

err:
    conn->state = CONN_STATE_ERROR;
    conn->last_errno = errno;
    return C_ERR;
}

/* Sends close_notify when the session is up (one non-blocking attempt:
 * the peer may be gone), frees the SSL and the fd at once, and the struct
 * when no handler for it is on the stack. Safe to call twice. */
static void tlsClose(connection *conn) {
    tlsConn *tc = (tlsConn *)conn;
    tlsPendingRemove(tc);
    if (tc->ssl) {
        if (conn->state == CONN_STATE_CONNECTED) {
            ERR_clear_error();
            SSL_shutdown(tc->ssl);
        }
        SSL_free(tc->ssl);
        tc->ssl = NULL;
        ERR_clear_error();
    }
    if (conn->fd != -1) {
        if (server.el) aeDeleteFileEvent(server.el, conn->fd, AE_READABLE | AE_WRITABLE);
        close(conn->fd);
        conn->fd = -1;
    }
    if (conn->refs > 0) {
        conn->flags |= CONN_FLAG_CLOSE_SCHEDULED;
        return;
    }
    zfree(tc);
}

/* ------------------------------------------------------------------------
 * Event dispatch
 * ---------------------------------------------------------------------- */

/* Handshake progress. Returns 0 if the connection was freed. */
static int tlsHandleHandshakeEvent(tlsConn *tc) {
    int finished;
    if (tc->c.state == CONN_STATE_CONNECTING && !(tc->flags & TLS_FD_ATTACHED) &&
        !tlsAttachConnectedFd(tc)) {
        finished = 1; /* the TCP connect failed */
    } else {
        finished = tlsHandshakeStep(tc);
    }
    tlsUpdateEvents(tc);
    return finished ? tlsFinishHandshake(tc) : 1;
}

static void tlsEventHandler(struct aeEventLoop *el, int fd, void *clientData, int mask) {
    tlsConn *tc = clientData;
    (void)el;
    (void)fd;

    if (tc->c.state == CONN_STATE_ACCEPTING || tc->c.state == CONN_STATE_CONNECTING) {
        if (tlsHandleHandshakeEvent(tc)) tlsUpdateEvents(tc);
        return;
    }

    /* Each handler runs for its own direction, and also for the opposite
     * one when its last operation got stuck on that; the stuck flag is
     * cleared first and set again by the operation if it still is. */
    int r = mask & AE_READABLE, w = mask & AE_WRITABLE;
    int run_read = (r && tc->c.read_handler) || (w && (tc->flags & TLS_READ_WANTS_WRITE));
    int run_write = (w && tc->c.write_handler) || (r && (tc->flags & TLS_WRITE_WANTS_READ));
    if (run_read) tc->flags &= ~TLS_READ_WANTS_WRITE;
    if (run_write) tc->flags &= ~TLS_WRITE_WANTS_READ;

    int barrier = tc->c.flags & CONN_FLAG_WRITE_BARRIER;
    if (run_read && !barrier && !connCallHandler(&tc->c, tc->c.read_handler)) return;
    if (run_write && !connCallHandler(&tc->c, tc->c.write_handler)) return;
    if (run_read && barrier && !connCallHandler(&tc->c, tc->c.read_handler)) return;

    tlsCheckPending(tc);
    tlsUpdateEvents(tc);
}

int tlsProcessPendingData(void) {
    if (!pending_conns) return 0;
    /* Only the connections queued now: one that is queued again while we
     * run goes to the tail and waits for the next pass. */
    int count = (int)listLength(pending_conns), done = 0;
    while (count-- > 0) {
        listNode *ln = listFirst(pending_conns);
        if (!ln) break;
        tlsConn *tc = listNodeValue(ln);
        tlsPendingRemove(tc);
        if (!connCallHandler(&tc->c, tc->c.read_handler)) continue;
        tlsCheckPending(tc);
        tlsUpdateEvents(tc);
        done++;
    }
    return done;
}

int tlsHasPendingData(void) {
    return pending_conns && listLength(pending_conns) > 0;
}

static int tlsSetWriteHandler(connection *conn, ConnectionCallbackFunc func, int barrier) {
    conn->write_handler = func;
    if (barrier) conn->flags |= CONN_FLAG_WRITE_BARRIER;
    else conn->flags &= ~CONN_FLAG_WRITE_BARRIER;
    if (conn->fd == -1 && func) return C_ERR;
    tlsUpdateEvents((tlsConn *)conn);
    return C_OK;
}

static int tlsSetReadHandler(connection *conn, ConnectionCallbackFunc func) {
    conn->read_handler = func;
    if (conn->fd == -1 && func) return C_ERR;
    tlsUpdateEvents((tlsConn *)conn);
    /* Input may already sit decrypted inside OpenSSL. */
    if (func) tlsCheckPending((tlsConn *)conn);
    return C_OK;
}

/* ------------------------------------------------------------------------
 * Non-blocking I/O
 * ---------------------------------------------------------------------- */

/* Common handling of a failed SSL_read/SSL_write: "try again" cases return
 * -1 with errno EAGAIN and the connection still CONNECTED (flagging the
 * opposite direction when SSL needs it); a clean close_notify from the peer
 * is 0; anything else moves the connection to ERROR. */
static int tlsIoFailed(tlsConn *tc, int ret, int opposite_err, int opposite_flag) {
    int e = SSL_get_error(tc->ssl, ret);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        if (e == opposite_err) {
            tc->flags |= opposite_flag;
            tlsUpdateEvents(tc);
        }
        errno = EAGAIN;
        return -1;
    }
    if (e == SSL_ERROR_ZERO_RETURN) {
        tc->c.state = CONN_STATE_CLOSED;
        return 0;
    }
    tlsNoteError(tc, e);
    tc->c.state = CONN_STATE_ERROR;
    return -1;
}

static int tlsRead(connection *conn, void *buf, size_t len) {
    tlsConn *tc = (tlsConn *)conn;
    if (!tc->ssl || conn->state != CONN_STATE_CONNECTED) return -1;
    if (len == 0) return 0;
    if (len > INT_MAX) len = INT_MAX;
    ERR_clear_error();
    int n = SSL_read(tc->ssl, buf, (int)len);
    if (n > 0) {
        tlsCheckPending(tc);
        return n;
    }
    /* SSL_read wanting to write: run the reader again once writable. */
    return tlsIoFailed(tc, n, SSL_ERROR_WANT_WRITE, TLS_READ_WANTS_WRITE);
}

static int tlsWrite(connection *conn, const void *data, size_t len) {
    tlsConn *tc = (tlsConn *)conn;
    if (!tc->ssl || conn->state != CONN_STATE_CONNECTED) return -1;
    if (len == 0) return 0;
    if (len > INT_MAX) len = INT_MAX;
    ERR_clear_error();
    int n = SSL_write(tc->ssl, data, (int)len);
    if (n > 0) return n;
    return tlsIoFailed(tc, n, SSL_ERROR_WANT_READ, TLS_WRITE_WANTS_READ);
}

/* OpenSSL has no writev. Buffers are written one by one, stopping at the
 * first one not fully taken, so a retry after "try again" passes OpenSSL
 * the same bytes again (as it requires). */
static int tlsWritev(connection *conn, const struct iovec *iov, int iovcnt) {
    long long total = 0;
    for (int j = 0; j < iovcnt; j++) {
        if (iov[j].iov_len == 0) continue;
        int n = tlsWrite(conn, iov[j].iov_base, iov[j].iov_len);
        if (n <= 0) return total ? (int)total : n;
        total += n;
        if ((size_t)n < iov[j].iov_len || total > INT_MAX / 2) break;
    }
    return (int)total;
}

static const char *tlsGetLastError(connection *conn) {
    tlsConn *tc = (tlsConn *)conn;
    if (tc->err[0]) return tc->err;
    return strerror(conn->last_errno);
}

/* ------------------------------------------------------------------------
 * Blocking I/O with a deadline (replication handshake, MIGRATE, ...)
 * ---------------------------------------------------------------------- */

/* One SSL call of a sync loop failed with ret: wait for what it needs.
 * Returns 0 to retry, -1 on error or timeout. */
static int tlsSyncWait(tlsConn *tc, int ret, long long deadline) {
    int e = SSL_get_error(tc->ssl, ret);
    int mask;
    if (e == SSL_ERROR_WANT_READ) mask = AE_READABLE;
    else if (e == SSL_ERROR_WANT_WRITE) mask = AE_WRITABLE;
    else {
        if (e != SSL_ERROR_ZERO_RETURN) tlsNoteError(tc, e);
        return -1;
    }
    if (tlsWaitUntil(tc->c.fd, mask, deadline) == -1) {
        tc->c.last_errno = ETIMEDOUT;
        tc->err[0] = '\0';
        return -1;
    }
    return 0;
}

static ssize_t tlsSyncWrite(connection *conn, char *ptr, ssize_t size, long long timeout) {
    tlsConn *tc = (tlsConn *)conn;
    long long deadline = tlsNowMs() + timeout;
    ssize_t done = 0;
    if (!tc->ssl) return -1;
    while (done < size) {
        ERR_clear_error();
        ssize_t chunk = size - done > INT_MAX ? INT_MAX : size - done;
        int n = SSL_write(tc->ssl, ptr + done, (int)chunk);
        if (n > 0) {
            done += n;
            continue;
        }
        if (tlsSyncWait(tc, n, deadline) == -1) return -1;
    }
    return done;
}

static ssize_t tlsSyncRead(connection *conn, char *ptr, ssize_t size, long long timeout) {
    tlsConn *tc = (tlsConn *)conn;
    long long deadline = tlsNowMs() + timeout;
    ssize_t done = 0;
    if (!tc->ssl) return -1;
    while (done < size) {
        ERR_clear_error();
        ssize_t chunk = size - done > INT_MAX ? INT_MAX : size - done;
        int n = SSL_read(tc->ssl, ptr + done, (int)chunk);
        if (n > 0) {
            done += n;
            continue;
        }
        if (tlsSyncWait(tc, n, deadline) == -1) return -1;
    }
    return done;
}

/* Same contract as the socket version: one line, "\r\n" or "\n" removed,
 * NUL-terminated, at most size-1 bytes. Byte reads are cheap here: they
 * come out of OpenSSL's decrypted record. */
static ssize_t tlsSyncReadLine(connection *conn, char *ptr, ssize_t size, long long timeout) {
    tlsConn *tc = (tlsConn *)conn;
    long long deadline = tlsNowMs() + timeout;
    ssize_t len = 0;
    if (!tc->ssl || size <= 0) return -1;
    while (len < size - 1) {
        char c;
        ERR_clear_error();
        int n = SSL_read(tc->ssl, &c, 1);
        if (n == 1) {
            if (c == '\n') {
                if (len > 0 && ptr[len - 1] == '\r') len--;
                break;
            }
            ptr[len++] = c;
            continue;
        }
        if (tlsSyncWait(tc, n, deadline) == -1) return -1;
    }
    ptr[len] = '\0';
    return len;
}

static ConnectionType CT_TLS = {
    .kind = CONN_TYPE_TLS,
    .name = "tls",
    .ae_handler = tlsEventHandler,
    .connect = tlsConnect,
    .blocking_connect = tlsBlockingConnect,
    .accept = tlsAccept,
    .write = tlsWrite,
    .writev = tlsWritev,
    .read = tlsRead,
    .close = tlsClose,
    .set_write_handler = tlsSetWriteHandler,
    .set_read_handler = tlsSetReadHandler,
    .get_last_error = tlsGetLastError,
    .sync_write = tlsSyncWrite,
    .sync_read = tlsSyncRead,
    .sync_readline = tlsSyncReadLine,
};

/* ------------------------------------------------------------------------
 * Listener
 * ---------------------------------------------------------------------- */

void acceptTLSHandler(aeEventLoop *el, int fd, void *privdata, int mask) {
    int cport, cfd, max = 1000;
    char cip[NET_IP_STR_LEN];
    char err[ANET_ERR_LEN];
    (void)el;
    (void)privdata;
    (void)mask;

    while (max--) {
        cfd = anetTcpAccept(err, fd, cip, sizeof(cip), &cport);
        if (cfd == ANET_ERR) {
            if (errno != EWOULDBLOCK && errno != EAGAIN)
                serverLog(LL_WARNING, "Accepting client connection: %s", err);
            return;
        }
        serverLog(LL_VERBOSE, "Accepted %s:%d", cip, cport);
        acceptCommonHandler(connCreateAcceptedTLS(cfd, server.tls_auth_clients), 0, cip);
    }
}

#endif /* USE_OPENSSL */

/* Without OpenSSL the tls-* directives do not exist, so use_tls is 0. */
connection *connCreateOutgoing(int use_tls) {
    return use_tls ? connCreateTLS() : connCreateSocket();
}

#ifndef USE_OPENSSL

/* Built without TLS: the tls-* directives do not exist, so tls_port and
 * friends stay 0 and nothing below is reached with real work to do. */
void tlsInit(void) {}
int tlsConfigure(void) {
    serverLog(LL_WARNING, "TLS support is not compiled in (build with BUILD_TLS=yes).");
    return C_ERR;
}
int tlsIsConfigured(void) { return 0; }
int tlsIsWanted(void) { return 0; }
int tlsApplyConfig(const char **err) { (void)err; return 1; }
int tlsApplyPort(const char **err) { (void)err; return 1; }
int tlsApplyBind(const char **err) { (void)err; return 1; }
void acceptTLSHandler(struct aeEventLoop *el, int fd, void *privdata, int mask) {
    (void)el; (void)fd; (void)privdata; (void)mask;
}
connection *connCreateTLS(void) { return NULL; }
connection *connCreateAcceptedTLS(int fd, int auth_mode) { (void)fd; (void)auth_mode; return NULL; }
int tlsProcessPendingData(void) { return 0; }
int tlsHasPendingData(void) { return 0; }

#endif /* USE_OPENSSL */
