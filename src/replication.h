/* replication.h - command propagation and master/replica replication.
 *
 * propagate.c queues what a command wants replicated (alsoPropagate) and
 * flushes it after the top-level command, wrapped in MULTI/EXEC when it
 * is more than one command. replication.c is the master side (backlog,
 * feeding replicas, SYNC/PSYNC serving, WAIT, ROLE, INFO); replica.c is
 * the replica side (REPLICAOF, handshake, receiving the RDB, the master
 * stream). Included once at the end of server.h.
 */
#ifndef REPLICATION_H
#define REPLICATION_H

/* Replica-side link states (server.repl_state), as 7.0 names them. */
#define REPL_STATE_NONE 0
#define REPL_STATE_CONNECT 1
#define REPL_STATE_CONNECTING 2
#define REPL_STATE_RECEIVE_PING_REPLY 3
#define REPL_STATE_SEND_HANDSHAKE 4
#define REPL_STATE_RECEIVE_AUTH_REPLY 5
#define REPL_STATE_RECEIVE_PORT_REPLY 6
#define REPL_STATE_RECEIVE_IP_REPLY 7
#define REPL_STATE_RECEIVE_CAPA_REPLY 8
#define REPL_STATE_SEND_PSYNC 9
#define REPL_STATE_RECEIVE_PSYNC_REPLY 10
#define REPL_STATE_TRANSFER 11
#define REPL_STATE_CONNECTED 12

/* Master-side states of a replica client. */
#define SLAVE_STATE_WAIT_BGSAVE_START 6
#define SLAVE_STATE_WAIT_BGSAVE_END 7
#define SLAVE_STATE_SEND_BULK 8
#define SLAVE_STATE_ONLINE 9
/* An rdb-only replica (REPLCONF rdb-only 1) that has its RDB: it gets no
 * stream and is disconnected (freed async). */
#define SLAVE_STATE_RDB_TRANSMITTED 10

#define SLAVE_CAPA_NONE 0
#define SLAVE_CAPA_EOF (1<<0)
#define SLAVE_CAPA_PSYNC2 (1<<1)

#define RDB_EOF_MARK_SIZE 40

/* Per-client replication state (client->repl): replica clients on a
 * master, the master client on a replica, WAITing clients. */
typedef struct replClient {
    int state;                  /* SLAVE_STATE_* for replicas */
    int capa;                   /* SLAVE_CAPA_* */
    int listening_port;         /* REPLCONF listening-port */
    char *addr;                 /* REPLCONF ip-address, NULL if not given */
    int rdb_skip;               /* RDBFLAGS_SKIP_* (REPLCONF rdb-filter-only) */
    int rdb_only;               /* REPLCONF rdb-only 1: no stream after the RDB */
    int dbfd;                   /* RDB file being sent (disk sync) */
    off_t dboff, dbsize;
    sds preamble;               /* "$<size>\r\n" still to send */
    int rdb_relay;              /* diskless RDB relayed by us (TLS replica) */
    size_t relay_sent;          /* bytes of the relay chunk it has taken */
    long long psync_initial_offset;
    int stream_on_ack;          /* diskless RDB sent: stream held until its first ACK */
    long long ack_off;          /* REPLCONF ACK offset */
    time_t ack_time;
    /* master client on a replica */
    char replid[CONFIG_RUN_ID_SIZE+1];
    long long reploff;          /* applied stream offset */
    long long read_reploff;     /* received stream offset */
    /* WAIT */
    listNode *wait_node;
    long wait_numreplicas;
    long long wait_offset;
    long long wait_timeout;     /* unix ms, 0 = forever */
} replClient;

/* propagate.c */
void propagatePendingCommands(void);
void replicationFeedReplicas(int dictid, robj **argv, int argc);
int replicationHasFeedTargets(void);
void feedAppendOnlyFile(int dictid, robj **argv, int argc); /* aof.c (weak here) */

/* replication.c: master side */
extern client *replMasterClient;        /* the link to our master, or NULL */
replClient *replClientState(client *c); /* creates it on first use */
void feedReplicationBuffer(const char *buf, size_t len);

/* repl_backlog.c: the history for partial resyncs, in stock's blocks */
void createReplicationBacklog(void);
void resizeReplicationBacklogIfNeeded(void); /* after CONFIG SET repl-backlog-size */
void freeReplicationBacklog(void);
size_t replicationBacklogMemory(void);
int backlogActive(void);
long long backlogFirstOffset(void);
long long backlogHistlen(void);
void backlogFeed(const char *p, size_t len); /* advances master_repl_offset */
int backlogHasOffset(long long offset);
long long backlogAddReplyFrom(client *c, long long offset);

void changeReplicationId(void);
void clearReplicationId2(void);
void shiftReplicationId(void);
void disconnectSlaves(void);
void replicationCron(void);
void replicationBeforeSleep(void);
void replicationClientFreed(client *c);
int replicationShutdownShouldWait(void);  /* shutdown.c */
void replicationShutdownStartWait(void);
int replicationShutdownReady(void);
void replicationShutdownLogLagging(void);
void replicationRdbChildDone(int ok, int to_socket);
void replicationSocketChildExited(int ok); /* before the "terminated" log */
void replicationLoadedRdbInfo(void *rsi);
void *rdbPopulateSaveInfo(void *rsi);
robj *replicationDenyCommand(client *c, int is_write, int is_denystale);
int replicaHoldsOutput(client *c);
const char *replicaAddr(client *slave, char *ip, size_t iplen); /* REPLCONF ip-address, else the peer's */
void replicationMasterApplied(client *c, const char *buf, size_t len);
sds genReplicationInfoFields(sds info);
void syncCommand(client *c);
void replconfCommand(client *c);
void waitCommand(client *c);
void roleCommand(client *c);

/* replica.c: replica side */
void replicaofCommand(client *c);
void replicationSetMaster(char *ip, int port);
void replicationUnsetMaster(void);
void replicaCron(void);
void replicaMasterLinkFreed(client *c);
void replicationSendAck(void);
int replicaSyncInProgress(void);
sds genReplicaInfoFields(sds info);
void replicaRoleReply(client *c);
int replicaStreamDb(void);
void replicaRestoreFromRdb(const char *replid, long long offset, int dbid);
extern time_t repl_down_since;

/* failover.c: FAILOVER (standalone coordinated hand-over) */
void failoverCommand(client *c);
const char *failoverStateName(void);
int failoverInProgress(void);
int failoverHandshakeActive(void);
int failoverHoldsPings(void);
void failoverCheck(void);
void failoverPsyncAccepted(void);
void failoverHandoverFailed(const char *why);
int failoverPsyncRequest(client *c);
extern time_t repl_transfer_lastio;
extern off_t repl_transfer_size, repl_transfer_read;

#endif
