/* networking.c - clients: accepting them, reading their queries, building
 * and writing their replies.
 *
 * Life of a client: a listener accepts a connection (acceptCommonHandler),
 * createClient() wraps it; readQueryFromClient() appends socket bytes to the
 * query buffer and processInputBuffer() runs the RESP parser (resp.c) over it,
 * calling processCommand() for each complete command. Commands reply through
 * the addReply*() family, which appends to a 16KB static buffer and then to a
 * list of blocks, and queues the client in clients_pending_write. Before the
 * event loop sleeps, handleClientsWithPendingWrites() writes what it can
 * directly; only what the socket refuses waits for a writable event.
 *
 * CLIENT, HELLO, AUTH and MONITOR live in client_cmds.c; the reply builders
 * that know RESP2 vs RESP3 live here because every command uses them.
 */
#include "server.h"

#pragma weak replicationClientFreed
#pragma weak replicaHoldsOutput
#pragma weak replicationMasterApplied
#include "resp.h"
#include <math.h>
#include <ctype.h>
#include <sys/uio.h>
#include <sys/time.h>
#include <limits.h>
#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

static void setProtocolError(client *c, const char *errstr);

/* Browsers tricked into POSTing to the Redis port (cross protocol
 * scripting) send "POST" and "Host:" lines: drop such clients without a
 * reply, whatever their authentication state. */
void securityWarningCommand(client *c) {
    static time_t logged_time = 0;
    time_t now = time(NULL);

    if (llabs(now - logged_time) > 60) {
        serverLog(LL_WARNING, "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.");
        logged_time = now;
    }
    freeClientAsync(c);
}

/* Per-client parser state lives beside the client: kept out of server.h
 * since only this file drives it. */
typedef struct clientParser {
    respParser p;
    int argc_expected;
} clientParser;

/* ---------------------------------------------------------------------------
 * Client creation and destruction
 * ------------------------------------------------------------------------ */

/* Create a client. conn may be NULL for fake clients (AOF loading, Lua). */
client *createClient(connection *conn) {
    client *c = zcalloc(sizeof(client));

    if (conn) {
        connEnableTcpNoDelay(conn);
        if (server.tcpkeepalive) connKeepAlive(conn, server.tcpkeepalive);
        connSetReadHandler(conn, readQueryFromClient);
        connSetPrivateData(conn, c);
    }
    c->buf = zmalloc(PROTO_REPLY_CHUNK_BYTES);
    c->buf_usable_size = zmalloc_size(c->buf);
    c->buf_peak = c->buf_usable_size; /* as CLIENT LIST's rbp shows it */
    c->id = conn ? server.next_client_id++ : UINT64_MAX;
    c->resp = 2;
    c->conn = conn;
    c->querybuf = sdsempty();
    c->bulklen = -1;
    c->reply = listCreate();
    listSetFreeMethod(c->reply, zfree);
    c->ctime = c->lastinteraction = server.unixtime;
    ACLClientSetDefaultUser(c);
    c->slot = -1;
    c->reqparser = zcalloc(sizeof(clientParser));
    respParserInit(&((clientParser *)c->reqparser)->p, server.proto_max_bulk_len);
    initClientMultiState(c);
    selectDb(c, 0);
    if (conn) linkClient(c);
    return c;
}

static respParser *clientRespParser(client *c) {
    return &((clientParser *)c->reqparser)->p;
}

void linkClient(client *c) {
    listAddNodeTail(server.clients, c);
    c->client_list_node = listLast(server.clients);
}

/* Remove the client from the global lists and close its connection, so no
 * further I/O reaches it; the memory is freed by freeClient(). */
void unlinkClient(client *c) {
    if (server.current_client == c) server.current_client = NULL;
    if (c->conn) {
        if (c->client_list_node) {
            listDelNode(server.clients, c->client_list_node);
            c->client_list_node = NULL;
        }
        connClose(c->conn);
        c->conn = NULL;
    }
    if (c->flags & CLIENT_PENDING_WRITE) {
        listDelNode(server.clients_pending_write, c->pending_write_node);
        c->pending_write_node = NULL;
        c->flags &= ~CLIENT_PENDING_WRITE;
    }
    if (c->paused_list_node) {
        listDelNode(server.paused_clients, c->paused_list_node);
        c->paused_list_node = NULL;
    }
}

/* Keep the command as the client sent it before argv is rewritten (for
 * propagation) or a secret redacted: the slowlog and MONITOR show this. */
static void retainOriginalCommandVector(client *c) {
    if (c->original_argv) return;
    c->original_argc = c->argc;
    c->original_argv = zmalloc(sizeof(robj *) * c->argc);
    for (int j = 0; j < c->argc; j++) {
        c->original_argv[j] = c->argv[j];
        incrRefCount(c->argv[j]);
    }
}

void freeClientOriginalArgv(client *c) {
    if (!c->original_argv) return;
    for (int j = 0; j < c->original_argc; j++) decrRefCount(c->original_argv[j]);
    zfree(c->original_argv);
    c->original_argv = NULL;
    c->original_argc = 0;
}

void freeClientArgv(client *c) {
    freeClientOriginalArgv(c);
    for (int j = 0; j < c->argc; j++) decrRefCount(c->argv[j]);
    c->argc = 0;
    c->cmd = NULL;
    c->argv_len_sum = 0;
}

static void freeClientArgvArray(client *c) {
    freeClientArgv(c);
    zfree(c->argv);
    c->argv = NULL;
    c->argv_len = 0;
}

void freeClient(client *c) {
    /* A client that is running a command (e.g. CLIENT KILL on itself) is
     * freed after the command returns. */
    if (c->flags & CLIENT_PROTECTED || c->flags & CLIENT_EXECUTING_COMMAND) {
        freeClientAsync(c);
        return;
    }
    if (c->conn && c->flags & CLIENT_MONITOR) {
        listNode *ln = listSearchKey(server.monitors, c);
        if (ln) listDelNode(server.monitors, ln);
    }
    if (c->repl && replicationClientFreed) replicationClientFreed(c); /* replicas, master link, WAIT */
    unlinkClient(c);
    blockedClientFreed(c); /* blocked.c: BLPOP & co. */
    shutdownClientFreed(c); /* shutdown.c: SHUTDOWN waiting for replicas */
    freeClientMultiState(c);
    unwatchAllKeys(c);
    if (c->watched_keys) listRelease(c->watched_keys);
    if (c->flags & CLIENT_CLOSE_ASAP) {
        listNode *ln = listSearchKey(server.clients_to_close, c);
        if (ln) listDelNode(server.clients_to_close, ln);
    }
    sdsfree(c->querybuf);
    freeClientArgvArray(c);
    listRelease(c->reply);
    zfree(c->buf);
    disableTracking(c); /* client_cmds.c: CLIENT TRACKING state */
    pubsubFreeClient(c);
    if (c->name) decrRefCount(c->name);
    if (c->lib_name) decrRefCount(c->lib_name);
    if (c->lib_ver) decrRefCount(c->lib_ver);
    sdsfree(c->peerid);
    sdsfree(c->sockname);
    zfree(c->reqparser);
    zfree(c);
}

/* Schedule the client to be freed from a safe place (the cron / before
 * sleep), e.g. from inside a handler that still uses it. */
void freeClientAsync(client *c) {
    if (c->flags & CLIENT_CLOSE_ASAP || c->flags & CLIENT_NOINTERACT) return;
    c->flags |= CLIENT_CLOSE_ASAP;
    listAddNodeTail(server.clients_to_close, c);
}

int freeClientsInAsyncFreeQueue(void) {
    int freed = 0;
    listIter li;
    listNode *ln;

    listRewind(server.clients_to_close, &li);
    while ((ln = listNext(&li)) != NULL) {
        client *c = listNodeValue(ln);
        if (c->flags & CLIENT_PROTECTED || c->flags & CLIENT_EXECUTING_COMMAND) continue;
        c->flags &= ~CLIENT_CLOSE_ASAP;
        listDelNode(server.clients_to_close, ln);
        freeClient(c);
        freed++;
    }
    return freed;
}

/* Protected clients are not freed while an operation (e.g. a blocking sync
 * write) still uses them; they get no new reads either. */
void protectClient(client *c) {
    c->flags |= CLIENT_PROTECTED;
    if (c->conn) {
        connSetReadHandler(c->conn, NULL);
        connSetWriteHandler(c->conn, NULL);
    }
}

void unprotectClient(client *c) {
    if (c->flags & CLIENT_PROTECTED) {
        c->flags &= ~CLIENT_PROTECTED;
        if (c->conn) {
            connSetReadHandler(c->conn, readQueryFromClient);
            if (clientHasPendingReplies(c)) putClientInPendingWriteQueue(c);
        }
    }
}

/* ---------------------------------------------------------------------------
 * Accepting connections
 * ------------------------------------------------------------------------ */

#define MAX_ACCEPTS_PER_CALL 1000

static void clientAcceptHandler(connection *conn) {
    client *c = connGetPrivateData(conn);

    if (connGetState(conn) != CONN_STATE_CONNECTED) {
        serverLog(LL_WARNING, "Error accepting a client connection: %s",
                  connGetLastError(conn));
        freeClientAsync(c);
        return;
    }

    /* Protected mode: while the default user needs no password, only
     * loopback and unix socket clients may talk to us. Its nopass flag is
     * what counts, as in stock (a password given by ACL SETUSER, a "user"
     * line or the aclfile lifts it just as requirepass does). */
    if (server.protected_mode && (DefaultUser->flags & USER_FLAG_NOPASS) &&
        !(c->flags & CLIENT_UNIX_SOCKET)) {
        char cip[NET_IP_STR_LEN+1] = {0};
        connPeerToString(conn, cip, sizeof(cip) - 1, NULL);
        if (strcmp(cip, "127.0.0.1") && strcmp(cip, "::1")) {
            const char *err =
                "-DENIED Redis is running in protected mode because protected "
                "mode is enabled and no password is set for the default user. "
                "In this mode connections are only accepted from the loopback interface. "
                "If you want to connect from external computers to Redis you "
                "may adopt one of the following solutions: "
                "1) Just disable protected mode sending the command "
                "'CONFIG SET protected-mode no' from the loopback interface "
                "by connecting to Redis from the same host the server is "
                "running, however MAKE SURE Redis is not publicly accessible "
                "from internet if you do so. Use CONFIG REWRITE to make this "
                "change permanent. "
                "2) Alternatively you can just disable the protected mode by "
                "editing the Redis configuration file, and setting the protected "
                "mode option to 'no', and then restarting the server. "
                "3) If you started the server manually just for testing, restart "
                "it with the '--protected-mode no' option. "
                "4) Setup a an authentication password for the default user. "
                "NOTE: You only need to do one of the above things in order for "
                "the server to start accepting connections from the outside.\r\n";
            /* Best effort: the client is dropped whether or not it got the text. */
            (void)!connWrite(c->conn, err, strlen(err));
            server.stat_rejected_conn++;
            freeClientAsync(c);
            return;
        }
    }
    server.stat_numconnections++;
}

void acceptCommonHandler(connection *conn, int flags, char *ip) {
    client *c;
    (void)ip;

    if (connGetState(conn) != CONN_STATE_ACCEPTING) {
        connClose(conn);
        return;
    }

    /* maxclients counts every connected client, replicas included. */
    if (listLength(server.clients) >= server.maxclients) {
        const char *err = "-ERR max number of clients reached\r\n";
        if (connWrite(conn, err, strlen(err)) == -1) {
            /* The client is going away anyway. */
        }
        server.stat_rejected_conn++;
        connClose(conn);
        return;
    }

    c = createClient(conn);
    c->flags |= flags;
    if (connAccept(conn, clientAcceptHandler) == -1) {
        serverLog(LL_WARNING, "Error accepting a client connection: %s",
                  connGetLastError(conn));
        freeClient(connGetPrivateData(conn));
        return;
    }
}

void acceptTcpHandler(aeEventLoop *el, int fd, void *privdata, int mask) {
    int cport, cfd, max = MAX_ACCEPTS_PER_CALL;
    char cip[NET_IP_STR_LEN];
    char err[ANET_ERR_LEN];

    while (max--) {
        cfd = anetTcpAccept(err, fd, cip, sizeof(cip), &cport);
        if (cfd == ANET_ERR) {
            if (errno != EWOULDBLOCK && errno != EAGAIN)
                serverLog(LL_WARNING, "Accepting client connection: %s", err);
            return;
        }
        serverLog(LL_VERBOSE, "Accepted %s:%d", cip, cport);
        acceptCommonHandler(connCreateAcceptedSocket(cfd), 0, cip);
    }
}

void acceptUnixHandler(aeEventLoop *el, int fd, void *privdata, int mask) {
    int cfd, max = MAX_ACCEPTS_PER_CALL;
    char err[ANET_ERR_LEN];

    while (max--) {
        cfd = anetUnixAccept(err, fd);
        if (cfd == ANET_ERR) {
            if (errno != EWOULDBLOCK && errno != EAGAIN)
                serverLog(LL_WARNING, "Accepting client connection: %s", err);
            return;
        }
        serverLog(LL_VERBOSE, "Accepted connection to %s", server.unixsocket);
        acceptCommonHandler(connCreateAcceptedUnix(cfd), CLIENT_UNIX_SOCKET, NULL);
    }
}

/* ---------------------------------------------------------------------------
 * Reading and parsing queries
 * ------------------------------------------------------------------------ */

static void parserBegin(void *ctx, long argc) {
    client *c = ctx;
    if (argc > c->argv_len) {
        zfree(c->argv);
        c->argv_len = argc < 1024 ? (int)argc : 1024;
        c->argv = zmalloc(sizeof(robj *) * c->argv_len);
    }
    ((clientParser *)c->reqparser)->argc_expected = (int)argc;
}

static void parserArg(void *ctx, const char *p, size_t len) {
    client *c = ctx;
    if (c->argc == c->argv_len) {
        c->argv_len = c->argv_len ? c->argv_len * 2 : 8;
        int expected = ((clientParser *)c->reqparser)->argc_expected;
        if (c->argv_len > expected && expected > c->argc) c->argv_len = expected;
        c->argv = zrealloc(c->argv, sizeof(robj *) * c->argv_len);
    }
    c->argv[c->argc++] = createStringObject(p, len);
    c->argv_len_sum += len;
}

static const respCallbacks parserCallbacks = { parserBegin, parserArg };

/* Reply with the protocol error, log it, and close once the reply is out.
 * Whatever else is in the query buffer is dropped. */
static void setProtocolError(client *c, const char *errstr) {
    if (server.verbosity <= LL_VERBOSE) {
        sds client = catClientInfoString(sdsempty(), c);
        char buf[256];
        size_t avail = sdslen(c->querybuf) - c->qb_pos;
        if (avail > 64) avail = 64;
        sds q = sdscatrepr(sdsempty(), c->querybuf + c->qb_pos, avail);
        snprintf(buf, sizeof(buf), "Query buffer during protocol error: %s", q);
        serverLog(LL_VERBOSE, "Protocol error (%s) from client: %s. %s",
                  errstr, client, buf);
        sdsfree(q);
        sdsfree(client);
    }
    addReplyError(c, errstr);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
}

void resetClient(client *c) {
    trackingAfterCommand(c); /* client_cmds.c: CLIENT CACHING lasts one command */
    int was_asking = c->cmd && c->cmd->proc == askingCommand; /* cluster.c */
    freeClientArgv(c);
    c->reqtype = 0;
    c->multibulklen = 0;
    c->bulklen = -1;
    c->slot = -1;
    if (!(c->flags & CLIENT_MULTI) && !was_asking) c->flags &= ~CLIENT_ASKING;
    c->flags &= ~CLIENT_REPLY_SKIP;
    if (c->flags & CLIENT_REPLY_SKIP_NEXT) {
        c->flags |= CLIENT_REPLY_SKIP;
        c->flags &= ~CLIENT_REPLY_SKIP_NEXT;
    }
}

void processCommandAndResetClient(client *c) {
    server.current_client = c;
    if (processCommand(c) == C_OK) {
        /* A command that blocked the client keeps its argv. */
        if (!(c->flags & CLIENT_BLOCKED)) resetClient(c);
    }
    server.current_client = NULL;
}

/* Parse and run every complete command in the query buffer. */
void processInputBuffer(client *c) {
    respParser *p = clientRespParser(c);
    p->authenticated = c->authenticated;
    p->max_bulk_len = server.proto_max_bulk_len;

    while (c->qb_pos < sdslen(c->querybuf)) {
        if (c->flags & CLIENT_BLOCKED) break;
        /* Paused clients keep their commands in the buffer. */
        if (areClientsPaused() && !(c->flags & CLIENT_SLAVE) &&
            c->paused_list_node == NULL && server.client_pause_type == PAUSE_ALL) {
            listAddNodeTail(server.paused_clients, c);
            c->paused_list_node = listLast(server.paused_clients);
            break;
        }
        if (c->paused_list_node) break;
        if (c->flags & (CLIENT_CLOSE_AFTER_REPLY|CLIENT_CLOSE_ASAP)) break;

        /* A command split across reads began before qb_pos. */
        size_t cmd_start = c->qb_cmd_start;
        int r = respParseRequest(p, c->querybuf, sdslen(c->querybuf), &c->qb_pos,
                                 &parserCallbacks, c);
        c->reqtype = p->reqtype;
        if (r == RESP_PARSE_MORE) break;
        if (r == RESP_PARSE_ERROR) {
            setProtocolError(c, p->err);
            respParserReset(p);
            c->qb_pos = c->qb_cmd_start = sdslen(c->querybuf);
            freeClientArgv(c);
            break;
        }
        c->qb_cmd_start = c->qb_pos;
        if (c->argc == 0) {
            resetClient(c);
            if ((c->flags & CLIENT_MASTER) && replicationMasterApplied)
                replicationMasterApplied(c, c->querybuf + cmd_start, c->qb_pos - cmd_start);
            continue;
        }
        c->lastinteraction = server.unixtime;
        processCommandAndResetClient(c);
        /* Our master's stream: count it applied, pass it to our replicas. */
        if ((c->flags & CLIENT_MASTER) && replicationMasterApplied)
            replicationMasterApplied(c, c->querybuf + cmd_start, c->qb_pos - cmd_start);
        if (c->flags & CLIENT_CLOSE_ASAP) break;
        p->authenticated = c->authenticated;
    }

    /* Drop what was consumed. A pause may leave the client with commands
     * still in the buffer; they run when unpaused. Our master's partial
     * command stays: its bytes count in the offset (and go to our own
     * replicas) only once it is complete and applied. */
    size_t drop = (c->flags & CLIENT_MASTER) ? c->qb_cmd_start : c->qb_pos;
    if (drop) {
        sdsrange(c->querybuf, drop, -1);
        c->qb_pos -= drop;
    }
    c->qb_cmd_start = (c->flags & CLIENT_MASTER) ? 0 : c->qb_pos;
}

void readQueryFromClient(connection *conn) {
    client *c = connGetPrivateData(conn);
    size_t readlen = PROTO_IOBUF_LEN;
    long long pending = respPendingBulkBytes(clientRespParser(c),
                                             sdslen(c->querybuf) - c->qb_pos);

    /* Inside a big bulk argument: read exactly what completes it, so the
     * buffer grows once to the right size instead of doubling. */
    if (pending >= PROTO_MBULK_BIG_ARG) {
        readlen = pending;
        c->querybuf = sdsMakeRoomForNonGreedy(c->querybuf, readlen);
    } else if (sdsalloc(c->querybuf) < PROTO_IOBUF_LEN && !(c->flags & CLIENT_MASTER)) {
        /* Small buffers grow exactly: most clients never need more than
         * one read's worth, and idle connections should stay cheap. */
        c->querybuf = sdsMakeRoomForNonGreedy(c->querybuf, readlen);
    } else {
        c->querybuf = sdsMakeRoomFor(c->querybuf, readlen);
        size_t avail = sdsavail(c->querybuf);
        if (avail > readlen) readlen = avail;
    }

    size_t qblen = sdslen(c->querybuf);
    int nread = connRead(c->conn, c->querybuf + qblen, readlen);
    if (nread == -1) {
        if (connGetState(conn) == CONN_STATE_CONNECTED) return; /* EAGAIN */
        serverLog(LL_VERBOSE, "Reading from client: %s", connGetLastError(c->conn));
        freeClientAsync(c);
        return;
    } else if (nread == 0) {
        serverLog(LL_VERBOSE, "Client closed connection");
        freeClientAsync(c);
        return;
    }
    sdsIncrLen(c->querybuf, nread);
    if (sdslen(c->querybuf) > c->querybuf_peak) c->querybuf_peak = sdslen(c->querybuf);
    c->lastinteraction = server.unixtime;
    c->net_input_bytes += nread;
    if (c->flags & CLIENT_MASTER) server.stat_net_repl_input_bytes += nread;
    else server.stat_net_input_bytes += nread;
    server.stat_total_reads_processed++;

    if (!(c->flags & CLIENT_MASTER) && server.client_max_querybuf_len &&
        sdslen(c->querybuf) - c->qb_pos > server.client_max_querybuf_len) {
        sds ci = catClientInfoString(sdsempty(), c);
        serverLog(LL_WARNING, "Closing client that reached max query buffer length: %s", ci);
        sdsfree(ci);
        server.stat_client_qbuf_limit_disconnections++;
        freeClientAsync(c);
        return;
    }
    processInputBuffer(c);
}

/* ---------------------------------------------------------------------------
 * Reply buffering
 * ------------------------------------------------------------------------ */

/* Should replies be generated for this client at all? Also queues the
 * client for writing the first time something is added. */
int prepareClientToWrite(client *c) {
    if (c->flags & CLIENT_NOINTERACT) return C_OK; /* fake clients buffer */
    if (c->flags & CLIENT_CLOSE_ASAP) return C_ERR;
    if ((c->flags & (CLIENT_REPLY_OFF|CLIENT_REPLY_SKIP)) && !(c->flags & CLIENT_PUSHING)) return C_ERR;
    if ((c->flags & CLIENT_MASTER) && !(c->flags & CLIENT_MASTER_FORCE_REPLY)) return C_ERR;
    if (!c->conn) return C_ERR;
    if (!clientHasPendingReplies(c) && !(c->flags & CLIENT_PENDING_WRITE))
        putClientInPendingWriteQueue(c);
    return C_OK;
}

void putClientInPendingWriteQueue(client *c) {
    /* A replica still waiting for its RDB keeps the stream buffered. */
    if ((c->flags & CLIENT_SLAVE) && replicaHoldsOutput && replicaHoldsOutput(c)) return;
    if (!(c->flags & CLIENT_PENDING_WRITE) && !(c->flags & CLIENT_PROTECTED)) {
        c->flags |= CLIENT_PENDING_WRITE;
        listAddNodeHead(server.clients_pending_write, c);
        c->pending_write_node = listFirst(server.clients_pending_write);
    }
}

static size_t addToStaticBuffer(client *c, const char *s, size_t len) {
    if (listLength(c->reply) > 0) return 0; /* order: list already in use */
    size_t avail = c->buf_usable_size - c->bufpos;
    if (len > avail) len = avail;
    memcpy(c->buf + c->bufpos, s, len);
    c->bufpos += len;
    if ((size_t)c->bufpos > c->buf_peak) c->buf_peak = c->bufpos;
    return len;
}

static void addToReplyList(client *c, const char *s, size_t len) {
    listNode *ln = listLast(c->reply);
    clientReplyBlock *tail = ln ? listNodeValue(ln) : NULL;

    if (tail) {
        size_t avail = tail->size - tail->used;
        size_t n = len < avail ? len : avail;
        memcpy(tail->buf + tail->used, s, n);
        tail->used += n;
        s += n;
        len -= n;
    }
    if (len) {
        size_t size = len < PROTO_REPLY_CHUNK_BYTES ? PROTO_REPLY_CHUNK_BYTES : len;
        tail = zmalloc(size + sizeof(clientReplyBlock));
        tail->size = zmalloc_size(tail) - sizeof(clientReplyBlock);
        tail->used = len;
        memcpy(tail->buf, s, len);
        listAddNodeTail(c->reply, tail);
        c->reply_bytes += tail->size;
        closeClientOnOutputBufferLimitReached(c, 1);
    }
}

static void appendReplyBytes(client *c, const char *s, size_t len) {
    size_t done = addToStaticBuffer(c, s, len);
    if (done < len) addToReplyList(c, s + done, len - done);
}

void addReplyProto(client *c, const char *s, size_t len) {
    if (prepareClientToWrite(c) != C_OK) return;
    appendReplyBytes(c, s, len);
}

/* Append to dst the output src still has to send (a replica joining a
 * BGSAVE another replica waits for takes over the stream buffered since
 * the fork). Deferred-length placeholders never occur in such buffers. */
void copyClientPendingOutput(client *dst, client *src) {
    size_t skip = src->sentlen;
    if (src->bufpos > 0) {
        addReplyProto(dst, src->buf + skip, (size_t)src->bufpos - skip);
        skip = 0;
    }
    listIter li;
    listNode *ln;
    listRewind(src->reply, &li);
    while ((ln = listNext(&li))) {
        clientReplyBlock *b = listNodeValue(ln);
        if (b == NULL) break;
        if (b->used > skip) addReplyProto(dst, b->buf + skip, b->used - skip);
        skip = 0;
    }
}

void addReply(client *c, robj *obj) {
    if (prepareClientToWrite(c) != C_OK) return;
    if (sdsEncodedObject(obj)) {
        appendReplyBytes(c, obj->ptr, sdslen(obj->ptr));
    } else if (obj->encoding == OBJ_ENCODING_INT) {
        char buf[32];
        size_t len = ll2string(buf, sizeof(buf), (long)obj->ptr);
        appendReplyBytes(c, buf, len);
    } else {
        serverPanic("Wrong obj->encoding in addReply()");
    }
}

void addReplySds(client *c, sds s) {
    if (prepareClientToWrite(c) == C_OK) appendReplyBytes(c, s, sdslen(s));
    sdsfree(s);
}

/* Counted once per error reply: INFO errorstats and the failed-call stats
 * key on the first word of the error ("ERR", "WRONGTYPE", ...). */
static void afterErrorReply(client *c, const char *s, size_t len) {
    if (c->flags & CLIENT_MASTER) return;
    server.stat_total_error_replies++;
    if (s[0] != '-') {
        incrementErrorCount("ERR", 3);
    } else {
        const char *spaceloc = memchr(s, ' ', len < 32 ? len : 32);
        if (spaceloc) incrementErrorCount(s + 1, spaceloc - s - 1);
        else incrementErrorCount("ERR", 3);
    }
}

static void addReplyErrorLength(client *c, const char *s, size_t len) {
    if (!len || s[0] != '-') addReplyProto(c, "-ERR ", 5);
    addReplyProto(c, s, len);
    addReplyProto(c, "\r\n", 2);
}

/* err is a full error string such as "-ERR foo\r\n" (shared objects). */
void addReplyErrorObject(client *c, robj *err) {
    addReply(c, err);
    afterErrorReply(c, err->ptr, sdslen(err->ptr) - 2);
}

void addReplyError(client *c, const char *err) {
    addReplyErrorLength(c, err, strlen(err));
    afterErrorReply(c, err, strlen(err));
}

/* Error text from arbitrary input must not break the protocol. */
static sds sanitizeErrorNewlines(sds s) {
    for (size_t j = 0; j < sdslen(s); j++)
        if (s[j] == '\r' || s[j] == '\n') s[j] = ' ';
    return s;
}

void addReplyErrorSds(client *c, sds err) {
    err = sanitizeErrorNewlines(err);
    addReplyErrorLength(c, err, sdslen(err));
    afterErrorReply(c, err, sdslen(err));
    sdsfree(err);
}

void addReplyErrorFormat(client *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sds s = sdscatvprintf(sdsempty(), fmt, ap);
    va_end(ap);
    addReplyErrorSds(c, s);
}

void addReplyErrorArity(client *c) {
    addReplyErrorFormat(c, "wrong number of arguments for '%s' command",
                        c->cmd->fullname);
}

void addReplyErrorExpireTime(client *c) {
    addReplyErrorFormat(c, "invalid expire time in '%s' command", c->cmd->fullname);
}

void addReplyStatusLength(client *c, const char *s, size_t len) {
    addReplyProto(c, "+", 1);
    addReplyProto(c, s, len);
    addReplyProto(c, "\r\n", 2);
}

void addReplyStatus(client *c, const char *status) {
    addReplyStatusLength(c, status, strlen(status));
}

void addReplyStatusFormat(client *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sds s = sdscatvprintf(sdsempty(), fmt, ap);
    va_end(ap);
    s = sanitizeErrorNewlines(s);
    addReplyStatusLength(c, s, sdslen(s));
    sdsfree(s);
}

/* "<prefix><ll>\r\n", with the common small headers taken from shared
 * objects to save the formatting. */
void addReplyLongLongWithPrefix(client *c, long long ll, char prefix) {
    char buf[128];
    int len;

    if (prefix == '*' && ll < OBJ_SHARED_BULKHDR_LEN && ll >= 0) {
        addReply(c, shared.mbulkhdr[ll]);
        return;
    } else if (prefix == '$' && ll < OBJ_SHARED_BULKHDR_LEN && ll >= 0) {
        addReply(c, shared.bulkhdr[ll]);
        return;
    } else if (prefix == '%' && ll < OBJ_SHARED_BULKHDR_LEN && ll >= 0) {
        addReply(c, shared.maphdr[ll]);
        return;
    } else if (prefix == '~' && ll < OBJ_SHARED_BULKHDR_LEN && ll >= 0) {
        addReply(c, shared.sethdr[ll]);
        return;
    }
    buf[0] = prefix;
    len = ll2string(buf + 1, sizeof(buf) - 1, ll);
    buf[len+1] = '\r';
    buf[len+2] = '\n';
    addReplyProto(c, buf, len + 3);
}

void addReplyLongLong(client *c, long long ll) {
    if (ll == 0) addReply(c, shared.czero);
    else if (ll == 1) addReply(c, shared.cone);
    else addReplyLongLongWithPrefix(c, ll, ':');
}

static void addReplyAggregateLen(client *c, long length, int prefix) {
    serverAssert(length >= 0);
    addReplyLongLongWithPrefix(c, length, prefix);
}

void addReplyArrayLen(client *c, long length) { addReplyAggregateLen(c, length, '*'); }

void addReplyMapLen(client *c, long length) {
    int prefix = c->resp == 2 ? '*' : '%';
    if (c->resp == 2) length *= 2;
    addReplyAggregateLen(c, length, prefix);
}

void addReplySetLen(client *c, long length) {
    addReplyAggregateLen(c, length, c->resp == 2 ? '*' : '~');
}

void addReplyAttributeLen(client *c, long length) {
    serverAssert(c->resp >= 3);
    addReplyAggregateLen(c, length, '|');
}

void addReplyPushLen(client *c, long length) {
    addReplyAggregateLen(c, length, c->resp == 2 ? '*' : '>');
}

void addReplyNull(client *c) {
    if (c->resp == 2) addReplyProto(c, "$-1\r\n", 5);
    else addReplyProto(c, "_\r\n", 3);
}

void addReplyNullArray(client *c) {
    if (c->resp == 2) addReplyProto(c, "*-1\r\n", 5);
    else addReplyProto(c, "_\r\n", 3);
}

void addReplyBool(client *c, int b) {
    if (c->resp == 2) addReply(c, b ? shared.cone : shared.czero);
    else addReplyProto(c, b ? "#t\r\n" : "#f\r\n", 4);
}

static void addReplyBulkLen(client *c, size_t len) {
    addReplyLongLongWithPrefix(c, (long long)len, '$');
}

void addReplyBulk(client *c, robj *obj) {
    if (sdsEncodedObject(obj)) {
        addReplyBulkLen(c, sdslen(obj->ptr));
        addReply(c, obj);
        addReply(c, shared.crlf);
    } else {
        char buf[32];
        size_t len = ll2string(buf, sizeof(buf), (long)obj->ptr);
        addReplyBulkCBuffer(c, buf, len);
    }
}

void addReplyBulkCBuffer(client *c, const void *p, size_t len) {
    if (prepareClientToWrite(c) != C_OK) return;
    char hdr[32];
    hdr[0] = '$';
    size_t hl = ll2string(hdr + 1, sizeof(hdr) - 1, (long long)len) + 1;
    hdr[hl++] = '\r';
    hdr[hl++] = '\n';
    appendReplyBytes(c, hdr, hl);
    appendReplyBytes(c, p, len);
    appendReplyBytes(c, "\r\n", 2);
}

void addReplyBulkSds(client *c, sds s) {
    addReplyBulkCBuffer(c, s, sdslen(s));
    sdsfree(s);
}

void addReplyBulkCString(client *c, const char *s) {
    if (s == NULL) addReplyNull(c);
    else addReplyBulkCBuffer(c, s, strlen(s));
}

void addReplyBulkLongLong(client *c, long long ll) {
    char buf[64];
    int len = ll2string(buf, sizeof(buf), ll);
    addReplyBulkCBuffer(c, buf, len);
}

/* Doubles: RESP2 a bulk string, RESP3 the double type; %.17g as 7.0. */
void addReplyDouble(client *c, double d) {
    char dbuf[128];
    int dlen;
    if (isinf(d)) {
        if (c->resp == 2) addReplyBulkCString(c, d > 0 ? "inf" : "-inf");
        else addReplyProto(c, d > 0 ? ",inf\r\n" : ",-inf\r\n", d > 0 ? 6 : 7);
        return;
    }
    if (c->resp == 2) {
        dlen = snprintf(dbuf, sizeof(dbuf), "%.17g", d);
        addReplyBulkCBuffer(c, dbuf, dlen);
    } else {
        dlen = snprintf(dbuf, sizeof(dbuf), ",%.17g\r\n", d);
        addReplyProto(c, dbuf, dlen);
    }
}

void addReplyBigNum(client *c, const char *num, size_t len) {
    if (c->resp == 2) {
        addReplyBulkCBuffer(c, num, len);
    } else {
        addReplyProto(c, "(", 1);
        addReplyProto(c, num, len);
        addReplyProto(c, "\r\n", 2);
    }
}

void addReplyHumanLongDouble(client *c, long double d) {
    char buf[5*1024];
    int len = ld2string(buf, sizeof(buf), d, LD_STR_HUMAN);
    if (c->resp == 2) {
        addReplyBulkCBuffer(c, buf, len);
    } else {
        addReplyProto(c, ",", 1);
        addReplyProto(c, buf, len);
        addReplyProto(c, "\r\n", 2);
    }
}

/* Verbatim strings: RESP3 "=<len>\r\n<ext>:<text>\r\n"; RESP2 a bulk. */
void addReplyVerbatim(client *c, const char *s, size_t len, const char *ext) {
    if (c->resp == 2) {
        addReplyBulkCBuffer(c, s, len);
        return;
    }
    char hdr[40];
    size_t hl = snprintf(hdr, sizeof(hdr), "=%zu\r\n%.3s:", len + 4, ext);
    addReplyProto(c, hdr, hl);
    addReplyProto(c, s, len);
    addReplyProto(c, "\r\n", 2);
}

/* HELP output: "<CMD> <subcommand> [<arg> [value] [opt] ...]. Subcommands
 * are:" then the lines, then the HELP line every command shares. */
void addReplyHelp(client *c, const char **help) {
    sds cmd = sdsnew((char *)c->argv[0]->ptr);
    void *blenp = addReplyDeferredLen(c);
    int blen = 0;

    sdstoupper(cmd);
    addReplyStatusFormat(c, "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", cmd);
    sdsfree(cmd);
    while (help[blen]) addReplyStatus(c, help[blen++]);
    addReplyStatus(c, "HELP");
    addReplyStatus(c, "    Prints this help.");
    blen += 3;
    setDeferredArrayLen(c, blenp, blen);
}

void addReplySubcommandSyntaxError(client *c) {
    sds cmd = sdsnew((char *)c->argv[0]->ptr);
    sdstoupper(cmd);
    addReplyErrorFormat(c, "unknown subcommand or wrong number of arguments for '%.128s'. Try %s HELP.",
                        (char *)c->argv[1]->ptr, cmd);
    sdsfree(cmd);
}

/* Deferred lengths: for replies whose element count is known only at the
 * end. A NULL placeholder node goes into the reply list (forcing what follows
 * into the list too) and is filled by setDeferred*Len(). */
void *addReplyDeferredLen(client *c) {
    if (prepareClientToWrite(c) != C_OK) return NULL;
    listAddNodeTail(c->reply, NULL);
    return listLast(c->reply);
}

static void setDeferredReply(client *c, void *node, const char *s, size_t length) {
    listNode *ln = node;
    if (ln == NULL) return;
    /* Prefer the free space at the end of the previous block: then the header
     * is written by the same write() as what precedes it. */
    listNode *prev = ln->prev;
    clientReplyBlock *pb = prev ? listNodeValue(prev) : NULL;
    if (pb && pb->size - pb->used >= length) {
        memcpy(pb->buf + pb->used, s, length);
        pb->used += length;
        listDelNode(c->reply, ln);
        return;
    }
    clientReplyBlock *buf = zmalloc(length + sizeof(clientReplyBlock));
    buf->size = zmalloc_size(buf) - sizeof(clientReplyBlock);
    buf->used = length;
    memcpy(buf->buf, s, length);
    listNodeValue(ln) = buf;
    c->reply_bytes += buf->size;
    closeClientOnOutputBufferLimitReached(c, 1);
}

static void setDeferredAggregateLen(client *c, void *node, long length, char prefix) {
    char lenstr[128];
    serverAssert(length >= 0);
    size_t lenstr_len = snprintf(lenstr, sizeof(lenstr), "%c%ld\r\n", prefix, length);
    setDeferredReply(c, node, lenstr, lenstr_len);
}

void setDeferredArrayLen(client *c, void *node, long length) {
    setDeferredAggregateLen(c, node, length, '*');
}

void setDeferredMapLen(client *c, void *node, long length) {
    int prefix = c->resp == 2 ? '*' : '%';
    if (c->resp == 2) length *= 2;
    setDeferredAggregateLen(c, node, length, prefix);
}

/* A deferred bulk string (XAUTOCLAIM's cursor, known only at the end). */
void setDeferredReplyBulkCBuffer(client *c, void *node, const char *p, size_t len) {
    sds s = sdscatprintf(sdsempty(), "$%zu\r\n", len);
    s = sdscatlen(s, p, len);
    s = sdscatlen(s, "\r\n", 2);
    setDeferredReply(c, node, s, sdslen(s));
    sdsfree(s);
}

void setDeferredSetLen(client *c, void *node, long length) {
    setDeferredAggregateLen(c, node, length, c->resp == 2 ? '*' : '~');
}

/* Give back the unused tail of the last reply block (after a big reply). */
void trimReplyUnusedTailSpace(client *c) {
    listNode *ln = listLast(c->reply);
    clientReplyBlock *tail = ln ? listNodeValue(ln) : NULL;
    if (!tail) return;
    if (tail->size - tail->used > tail->size / 4 && tail->used < PROTO_REPLY_CHUNK_BYTES) {
        size_t old_size = tail->size;
        tail = zrealloc(tail, tail->used + sizeof(clientReplyBlock));
        tail->size = zmalloc_size(tail) - sizeof(clientReplyBlock);
        c->reply_bytes = c->reply_bytes + tail->size - old_size;
        listNodeValue(ln) = tail;
    }
}

/* ---------------------------------------------------------------------------
 * Writing replies
 * ------------------------------------------------------------------------ */

int clientHasPendingReplies(client *c) {
    return c->bufpos || listLength(c->reply);
}

/* Write as much as possible with one writev() per round: the static buffer
 * and up to IOV_MAX list blocks. Returns C_ERR if the client was freed. */
int writeToClient(client *c, int handler_installed) {
    ssize_t totwritten = 0;

    while (clientHasPendingReplies(c)) {
        struct iovec iov[IOV_MAX];
        int iovcnt = 0;
        size_t iovbytes = 0;

        if (c->bufpos > 0) {
            iov[iovcnt].iov_base = c->buf + c->sentlen;
            iov[iovcnt].iov_len = c->bufpos - c->sentlen;
            iovbytes += iov[iovcnt++].iov_len;
        }
        listIter li;
        listNode *ln;
        size_t offset = c->bufpos > 0 ? 0 : c->sentlen;
        listRewind(c->reply, &li);
        while ((ln = listNext(&li)) && iovcnt < IOV_MAX && iovbytes < NET_MAX_WRITES_PER_EVENT) {
            clientReplyBlock *b = listNodeValue(ln);
            if (b == NULL) break; /* unfilled deferred length: stop here */
            if (b->used > offset) {
                iov[iovcnt].iov_base = b->buf + offset;
                iov[iovcnt].iov_len = b->used - offset;
                iovbytes += iov[iovcnt++].iov_len;
            }
            offset = 0;
        }
        if (iovcnt == 0) {
            /* Only empty blocks left: drop them. */
            while ((ln = listFirst(c->reply)) && listNodeValue(ln) &&
                   ((clientReplyBlock *)listNodeValue(ln))->used == 0) {
                c->reply_bytes -= ((clientReplyBlock *)listNodeValue(ln))->size;
                listDelNode(c->reply, ln);
            }
            c->sentlen = 0;
            break;
        }

        /* The common case is one buffer: plain write() is cheaper than
         * writev() in the kernel. */
        ssize_t nwritten = iovcnt == 1 ? connWrite(c->conn, iov[0].iov_base, iov[0].iov_len)
                                       : connWritev(c->conn, iov, iovcnt);
        if (nwritten <= 0) break;
        totwritten += nwritten;

        /* Consume nwritten bytes: static buffer first, then the blocks. */
        size_t left = nwritten;
        if (c->bufpos > 0) {
            size_t rem = c->bufpos - c->sentlen;
            if (left >= rem) {
                left -= rem;
                c->bufpos = 0;
                c->sentlen = 0;
            } else {
                c->sentlen += left;
                left = 0;
            }
        }
        while (left && (ln = listFirst(c->reply)) != NULL) {
            clientReplyBlock *b = listNodeValue(ln);
            size_t rem = b->used - c->sentlen;
            if (left >= rem) {
                left -= rem;
                c->reply_bytes -= b->size;
                listDelNode(c->reply, ln);
                c->sentlen = 0;
            } else {
                c->sentlen += left;
                left = 0;
            }
        }
        /* Drop fully sent zero-length blocks at the head. */
        while ((ln = listFirst(c->reply)) && listNodeValue(ln) &&
               ((clientReplyBlock *)listNodeValue(ln))->used == 0 && c->sentlen == 0) {
            c->reply_bytes -= ((clientReplyBlock *)listNodeValue(ln))->size;
            listDelNode(c->reply, ln);
        }
        if ((size_t)nwritten < iovbytes) break; /* socket buffer full */
        /* Fairness: a single client cannot monopolize the loop, unless
         * memory is over the limit and flushing it is what helps. */
        if (totwritten > NET_MAX_WRITES_PER_EVENT &&
            (server.maxmemory == 0 || zmalloc_used_memory() < server.maxmemory) &&
            !(c->flags & CLIENT_SLAVE)) break;
    }
    /* Bytes to replicas count as replication traffic, as in stock. */
    if (getClientType(c) == CLIENT_TYPE_SLAVE) server.stat_net_repl_output_bytes += totwritten;
    else server.stat_net_output_bytes += totwritten;
    c->net_output_bytes += totwritten;
    server.stat_total_writes_processed++;

    if (connGetState(c->conn) != CONN_STATE_CONNECTED) {
        serverLog(LL_VERBOSE, "Error writing to client: %s", connGetLastError(c->conn));
        freeClientAsync(c);
        return C_ERR;
    }
    if (totwritten > 0 && !(c->flags & CLIENT_MASTER)) c->lastinteraction = server.unixtime;
    if (!clientHasPendingReplies(c)) {
        c->sentlen = 0;
        if (handler_installed) connSetWriteHandler(c->conn, NULL);
        if (c->flags & CLIENT_CLOSE_AFTER_REPLY) {
            freeClientAsync(c);
            return C_ERR;
        }
    }
    return C_OK;
}

void sendReplyToClient(connection *conn) {
    client *c = connGetPrivateData(conn);
    writeToClient(c, 1);
}

/* Called before sleeping: most replies go out here, with no extra event
 * loop round trip and no write handler. */
int handleClientsWithPendingWrites(void) {
    listIter li;
    listNode *ln;
    int processed = listLength(server.clients_pending_write);

    listRewind(server.clients_pending_write, &li);
    while ((ln = listNext(&li))) {
        client *c = listNodeValue(ln);
        c->flags &= ~CLIENT_PENDING_WRITE;
        listDelNode(server.clients_pending_write, ln);
        c->pending_write_node = NULL;

        if (c->flags & (CLIENT_PROTECTED|CLIENT_CLOSE_ASAP)) continue;
        if (writeToClient(c, 0) == C_ERR) continue;
        if (clientHasPendingReplies(c) && !connHasWriteHandler(c->conn)) {
            if (connSetWriteHandler(c->conn, sendReplyToClient) == C_ERR)
                freeClientAsync(c);
        }
    }
    return processed;
}

/* ---------------------------------------------------------------------------
 * Output buffer limits
 * ------------------------------------------------------------------------ */

/* Payload of the reply blocks plus, per block, its list node and header. */
size_t getClientOutputBufferMemoryUsage(client *c) {
    size_t per_block = sizeof(listNode) + sizeof(clientReplyBlock);
    return c->reply_bytes + per_block * listLength(c->reply);
}

size_t getClientMemoryUsage(client *c, size_t *output_buffer_mem_usage) {
    size_t obuf = getClientOutputBufferMemoryUsage(c);
    if (output_buffer_mem_usage) *output_buffer_mem_usage = obuf;
    size_t mem = obuf + sdsAllocSize(c->querybuf) + zmalloc_size(c) + c->buf_usable_size;
    mem += c->argv_len_sum + sizeof(robj *) * c->argv_len;
    /* Queued MULTI commands (their arguments and the command array) and
     * the WATCH list (node + key entry per key). */
    mem += c->mstate.argv_len_sums + sizeof(multiCmd) * c->mstate.alloc_count;
    if (c->watched_keys)
        mem += listLength(c->watched_keys) * (sizeof(listNode) + 4 * sizeof(void *));
    /* Pub/Sub: the client side records (names are shared with the server
     * side index), counted as stock counts them. */
    if (c->pubsub_patterns) mem += listLength(c->pubsub_patterns) * sizeof(listNode);
    if (c->pubsub_channels)
        mem += dictSize(c->pubsub_channels) * sizeof(dictEntry) + dictSlots(c->pubsub_channels) * sizeof(dictEntry *);
    return mem;
}

int getClientType(client *c) {
    if (c->flags & CLIENT_MASTER) return CLIENT_TYPE_MASTER;
    if ((c->flags & CLIENT_SLAVE) && !(c->flags & CLIENT_MONITOR)) return CLIENT_TYPE_SLAVE;
    if (c->flags & CLIENT_PUBSUB) return CLIENT_TYPE_PUBSUB;
    return CLIENT_TYPE_NORMAL;
}

int getClientTypeByName(char *name) {
    if (!strcasecmp(name, "normal")) return CLIENT_TYPE_NORMAL;
    if (!strcasecmp(name, "slave") || !strcasecmp(name, "replica")) return CLIENT_TYPE_SLAVE;
    if (!strcasecmp(name, "pubsub")) return CLIENT_TYPE_PUBSUB;
    if (!strcasecmp(name, "master")) return CLIENT_TYPE_MASTER;
    return -1;
}

char *getClientTypeName(int class) {
    switch (class) {
    case CLIENT_TYPE_NORMAL: return "normal";
    case CLIENT_TYPE_SLAVE: return "slave";
    case CLIENT_TYPE_PUBSUB: return "pubsub";
    case CLIENT_TYPE_MASTER: return "master";
    default: return NULL;
    }
}

/* Hard limit: over it, close now. Soft limit: over it continuously for
 * soft_limit_seconds, close. Returns 1 if the client must be closed. */
int checkClientOutputBufferLimits(client *c) {
    int soft = 0, hard = 0, class = getClientType(c);
    unsigned long used_mem = getClientOutputBufferMemoryUsage(c);

    if (class == CLIENT_TYPE_MASTER) class = CLIENT_TYPE_NORMAL;
    clientBufferLimitsConfig *l = &server.client_obuf_limits[class];
    if (l->hard_limit_bytes && used_mem >= l->hard_limit_bytes) hard = 1;
    if (l->soft_limit_bytes && used_mem >= l->soft_limit_bytes) soft = 1;

    if (soft) {
        if (c->obuf_soft_limit_reached_time == 0) {
            c->obuf_soft_limit_reached_time = server.unixtime;
            soft = 0; /* first time: start the clock */
        } else if (server.unixtime - c->obuf_soft_limit_reached_time <= l->soft_limit_seconds) {
            soft = 0;
        }
    } else {
        c->obuf_soft_limit_reached_time = 0;
    }
    return soft || hard;
}

int closeClientOnOutputBufferLimitReached(client *c, int async) {
    if (!c->conn) return 0;
    if (c->reply_bytes == 0 || c->flags & CLIENT_CLOSE_ASAP) return 0;
    if (checkClientOutputBufferLimits(c)) {
        sds client = catClientInfoString(sdsempty(), c);
        if (async) {
            freeClientAsync(c);
            serverLog(LL_WARNING, "Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", client);
        } else {
            freeClient(c);
            serverLog(LL_WARNING, "Client %s closed for overcoming of output buffer limits.", client);
        }
        server.stat_client_outbuf_limit_disconnections++;
        sdsfree(client);
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------
 * Client info (CLIENT LIST / CLIENT INFO / logs)
 * ------------------------------------------------------------------------ */

static void genClientAddrString(client *c, char *addr, size_t addr_len, int fd_to_str_type) {
    if (c->flags & CLIENT_UNIX_SOCKET) {
        snprintf(addr, addr_len, "%s:0", server.unixsocket ? server.unixsocket : "");
    } else if (c->conn) {
        connFormatFdAddr(c->conn, addr, addr_len, fd_to_str_type);
    } else {
        addr[0] = '\0';
    }
}

char *getClientPeerId(client *c) {
    if (c->peerid == NULL) {
        char peerid[NET_ADDR_STR_LEN] = {0};
        genClientAddrString(c, peerid, sizeof(peerid), FD_TO_PEER_NAME);
        c->peerid = sdsnew(peerid);
    }
    return c->peerid;
}

char *getClientSockname(client *c) {
    if (c->sockname == NULL) {
        char sockname[NET_ADDR_STR_LEN] = {0};
        genClientAddrString(c, sockname, sizeof(sockname), FD_TO_SOCK_NAME);
        c->sockname = sdsnew(sockname);
    }
    return c->sockname;
}

sds catClientInfoString(sds s, client *client) {
    char flags[16], events[3], conninfo[CONN_INFO_LEN], *p;

    p = flags;
    if (client->flags & CLIENT_SLAVE) {
        if (client->flags & CLIENT_MONITOR) *p++ = 'O';
        else *p++ = 'S';
    }
    if (client->flags & CLIENT_MASTER) *p++ = 'M';
    if (client->flags & CLIENT_PUBSUB) *p++ = 'P';
    if (client->flags & CLIENT_MULTI) *p++ = 'x';
    if (client->flags & CLIENT_BLOCKED) *p++ = 'b';
    if (client->flags & CLIENT_TRACKING) *p++ = 't';
    if (client->flags & CLIENT_TRACKING_BROKEN_REDIR) *p++ = 'R';
    if (client->flags & CLIENT_TRACKING_BCAST) *p++ = 'B';
    if (client->flags & CLIENT_DIRTY_CAS) *p++ = 'd';
    if (client->flags & CLIENT_CLOSE_AFTER_REPLY) *p++ = 'c';
    if (client->flags & CLIENT_UNBLOCKED) *p++ = 'u';
    if (client->flags & CLIENT_CLOSE_ASAP) *p++ = 'A';
    if (client->flags & CLIENT_UNIX_SOCKET) *p++ = 'U';
    if (client->flags & CLIENT_READONLY) *p++ = 'r';
    if (client->flags & CLIENT_NO_EVICT) *p++ = 'e';
    if (p == flags) *p++ = 'N';
    *p++ = '\0';

    p = events;
    if (client->conn) {
        if (connHasReadHandler(client->conn)) *p++ = 'r';
        if (connHasWriteHandler(client->conn)) *p++ = 'w';
    }
    *p = '\0';

    size_t obufmem, total_mem = getClientMemoryUsage(client, &obufmem);
    size_t used_blocks_of_repl_buf = 0;
    const char *cmdname = client->lastcmd ? client->lastcmd->fullname : "NULL";

    return sdscatfmt(s,
        "id=%U addr=%s laddr=%s %s name=%s age=%I idle=%I flags=%s db=%i sub=%i psub=%i ssub=%i multi=%i qbuf=%U qbuf-free=%U argv-mem=%U multi-mem=%U rbs=%U rbp=%U obl=%U oll=%U omem=%U tot-mem=%U events=%s cmd=%s user=%s redir=%I resp=%i",
        (unsigned long long)client->id,
        getClientPeerId(client),
        getClientSockname(client),
        client->conn ? connGetInfo(client->conn, conninfo, sizeof(conninfo)) : "fd=-1",
        client->name ? (char *)client->name->ptr : "",
        (long long)(server.unixtime - client->ctime),
        (long long)(server.unixtime - client->lastinteraction),
        flags,
        client->db->id,
        client->pubsub_channels ? (int)dictSize(client->pubsub_channels) : 0,
        client->pubsub_patterns ? (int)listLength(client->pubsub_patterns) : 0,
        client->pubsub_shard_channels ? (int)dictSize(client->pubsub_shard_channels) : 0,
        (client->flags & CLIENT_MULTI) ? client->mstate.count : -1,
        (unsigned long long)sdslen(client->querybuf),
        (unsigned long long)sdsavail(client->querybuf),
        (unsigned long long)client->argv_len_sum,
        (unsigned long long)client->mstate.argv_len_sums,
        (unsigned long long)client->buf_usable_size,
        (unsigned long long)client->buf_peak,
        (unsigned long long)client->bufpos,
        (unsigned long long)listLength(client->reply) + used_blocks_of_repl_buf,
        (unsigned long long)obufmem,
        (unsigned long long)total_mem,
        events,
        cmdname,
        client->user ? client->user->name : "(superuser)",
        (client->flags & CLIENT_TRACKING) ? (long long)client->client_tracking_redirection : -1LL,
        client->resp);
}

sds getAllClientsInfoString(int type) {
    listNode *ln;
    listIter li;
    sds o = sdsnewlen(NULL, 200 * listLength(server.clients));
    sdsclear(o);
    listRewind(server.clients, &li);
    while ((ln = listNext(&li)) != NULL) {
        client *client = listNodeValue(ln);
        if (type != -1 && getClientType(client) != type) continue;
        o = catClientInfoString(o, client);
        o = sdscatlen(o, "\n", 1);
    }
    return o;
}

/* ---------------------------------------------------------------------------
 * Argument vector rewriting (used by commands that propagate differently
 * from how they were called, e.g. SET EX -> SET PXAT)
 * ------------------------------------------------------------------------ */

void replaceClientCommandVector(client *c, int argc, robj **argv) {
    retainOriginalCommandVector(c);
    for (int j = 0; j < c->argc; j++) decrRefCount(c->argv[j]);
    zfree(c->argv);
    c->argv = argv;
    c->argc = argc;
    c->argv_len = argc;
    c->argv_len_sum = 0;
    for (int j = 0; j < argc; j++)
        if (argv[j]->type == OBJ_STRING && sdsEncodedObject(argv[j]))
            c->argv_len_sum += sdslen(argv[j]->ptr);
    c->cmd = lookupCommandOrOriginal(c->argv, c->argc);
    serverAssert(c->cmd != NULL);
}

void rewriteClientCommandVector(client *c, int argc, ...) {
    va_list ap;
    robj **argv = zmalloc(sizeof(robj *) * argc);
    va_start(ap, argc);
    for (int j = 0; j < argc; j++) {
        robj *a = va_arg(ap, robj *);
        argv[j] = a;
        incrRefCount(a);
    }
    va_end(ap);
    replaceClientCommandVector(c, argc, argv);
}

void rewriteClientCommandArgument(client *c, int i, robj *newval) {
    retainOriginalCommandVector(c);
    if (i >= c->argv_len) {
        c->argv = zrealloc(c->argv, sizeof(robj *) * (i + 1));
        c->argv_len = i + 1;
    }
    if (i < c->argc) {
        robj *old = c->argv[i];
        if (sdsEncodedObject(old)) c->argv_len_sum -= sdslen(old->ptr);
        decrRefCount(old);
    } else {
        for (int j = c->argc; j < i; j++) c->argv[j] = NULL;
        c->argc = i + 1;
    }
    c->argv[i] = newval;
    incrRefCount(newval);
    if (sdsEncodedObject(newval)) c->argv_len_sum += sdslen(newval->ptr);
    if (i == 0) {
        c->cmd = lookupCommandOrOriginal(c->argv, c->argc);
        serverAssert(c->cmd != NULL);
    }
}

/* Show a secret argument (a password) as "(redacted)" in the slowlog and
 * MONITOR. The command itself still sees the real value in argv. */
void redactClientCommandArgument(client *c, int argc) {
    retainOriginalCommandVector(c);
    if (argc >= c->original_argc) return;
    decrRefCount(c->original_argv[argc]);
    c->original_argv[argc] = shared.redacted;
}

/* ---------------------------------------------------------------------------
 * Client pause (CLIENT PAUSE, failover)
 * ------------------------------------------------------------------------ */

/* The pause in force is the strongest type and latest end of all the
 * purposes' pauses. */
static void refreshClientPause(void) {
    server.client_pause_type = PAUSE_NONE;
    server.client_pause_end_time = 0;
    for (int p = 0; p < NUM_PAUSE_PURPOSES; p++) {
        if (server.client_pause_purpose_type[p] == PAUSE_NONE) continue;
        if (server.client_pause_purpose_type[p] > server.client_pause_type)
            server.client_pause_type = server.client_pause_purpose_type[p];
        if (server.client_pause_purpose_end[p] > server.client_pause_end_time)
            server.client_pause_end_time = server.client_pause_purpose_end[p];
    }
}

/* A purpose pausing again keeps the stronger type and the later end. */
void pauseClients(int purpose, mstime_t end, int type) {
    if (type > server.client_pause_purpose_type[purpose]) server.client_pause_purpose_type[purpose] = type;
    if (end > server.client_pause_purpose_end[purpose]) server.client_pause_purpose_end[purpose] = end;
    refreshClientPause();
}

void unpauseClients(int purpose) {
    server.client_pause_purpose_type[purpose] = PAUSE_NONE;
    server.client_pause_purpose_end[purpose] = 0;
    refreshClientPause();
    /* The held-back clients run from beforeSleep (processUnpausedClients),
     * never from inside the command or cron that ended the pause: running
     * other clients' commands nested inside a command would clobber the
     * state of the command being executed. */
}

/* Runs the clients held back by a pause that has ended, in the order they
 * were paused. Called before the event loop sleeps. */
void processUnpausedClients(void) {
    listIter li;
    listNode *ln;

    if (areClientsPaused() || listLength(server.paused_clients) == 0) return;
    listRewind(server.paused_clients, &li);
    while ((ln = listNext(&li)) != NULL) {
        client *c = listNodeValue(ln);
        listDelNode(server.paused_clients, ln);
        c->paused_list_node = NULL;
        if ((c->flags & CLIENT_CLOSE_ASAP) || !c->conn) continue;
        /* A command held back by CLIENT PAUSE WRITE runs now. */
        if (c->flags & CLIENT_BLOCKED) {
            c->flags &= ~CLIENT_BLOCKED;
            if (c->argc) processCommandAndResetClient(c);
        }
        processInputBuffer(c);
        /* A command run here may have paused clients again. */
        if (areClientsPaused()) break;
    }
}

/* CLIENT PAUSE WRITE: the client's current command waits, with its
 * arguments, until the pause ends (see unpauseClients). */
void blockClientForPause(client *c) {
    c->flags |= CLIENT_BLOCKED;
    if (c->paused_list_node == NULL) {
        listAddNodeTail(server.paused_clients, c);
        c->paused_list_node = listLast(server.paused_clients);
    }
}

int areClientsPaused(void) {
    return server.client_pause_type != PAUSE_NONE;
}

int checkClientPauseTimeoutAndReturnIfPaused(void) {
    if (!areClientsPaused()) return 0;
    for (int p = 0; p < NUM_PAUSE_PURPOSES; p++)
        if (server.client_pause_purpose_type[p] != PAUSE_NONE && server.client_pause_purpose_end[p] < server.mstime)
            unpauseClients(p);
    return areClientsPaused();
}

/* ---------------------------------------------------------------------------
 * Timeouts (called by clientsCron)
 * ------------------------------------------------------------------------ */

int clientsCronHandleTimeout(client *c, mstime_t now_ms) {
    time_t now = now_ms / 1000;
    if (server.maxidletime &&
        !(c->flags & CLIENT_SLAVE) && !(c->flags & CLIENT_MASTER) &&
        !(c->flags & CLIENT_BLOCKED) && !(c->flags & CLIENT_PUBSUB) &&
        (now - c->lastinteraction > server.maxidletime)) {
        serverLog(LL_VERBOSE, "Closing idle client");
        freeClient(c);
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------
 * MONITOR feed
 * ------------------------------------------------------------------------ */

void replicationFeedMonitors(client *c, list *monitors, int dictid, robj **argv, int argc) {
    if (!listLength(monitors) || server.loading) return;
    listNode *ln;
    listIter li;
    int j;
    sds cmdrepr = sdsnew("+");
    robj *cmdobj;
    struct timeval tv;

    gettimeofday(&tv, NULL);
    cmdrepr = sdscatprintf(cmdrepr, "%ld.%06ld ", (long)tv.tv_sec, (long)tv.tv_usec);
    if (c->flags & CLIENT_SCRIPT) {
        cmdrepr = sdscatprintf(cmdrepr, "[%d lua] ", dictid);
    } else if (c->flags & CLIENT_UNIX_SOCKET) {
        cmdrepr = sdscatprintf(cmdrepr, "[%d unix:%s] ", dictid, server.unixsocket);
    } else {
        cmdrepr = sdscatprintf(cmdrepr, "[%d %s] ", dictid, getClientPeerId(c));
    }
    for (j = 0; j < argc; j++) {
        if (argv[j]->encoding == OBJ_ENCODING_INT) {
            cmdrepr = sdscatprintf(cmdrepr, "\"%ld\"", (long)argv[j]->ptr);
        } else {
            cmdrepr = sdscatrepr(cmdrepr, (char *)argv[j]->ptr, sdslen(argv[j]->ptr));
        }
        if (j != argc - 1) cmdrepr = sdscatlen(cmdrepr, " ", 1);
    }
    cmdrepr = sdscatlen(cmdrepr, "\r\n", 2);
    cmdobj = createObject(OBJ_STRING, cmdrepr);

    listRewind(monitors, &li);
    while ((ln = listNext(&li))) {
        client *monitor = ln->value;
        addReply(monitor, cmdobj);
    }
    decrRefCount(cmdobj);
}
