/* cluster.h - Redis Cluster: the shared state and what the modules export.
 *
 * Cluster mode is split by concern:
 *   cluster.c       key slots, the keys-per-slot index, redirection of
 *                   client commands (MOVED/ASK/...), the CLUSTER commands
 *   cluster_node.c  the node table and the bus: links, MEET/PING/PONG,
 *                   gossip, failure detection, epochs, UPDATE, FAIL
 *   cluster_failover.c  votes, replica elections, manual failover
 *   cluster_migration.c  replicas moving to orphaned masters
 *   cluster_config.c  nodes.conf load/save (7.0 format, fsync'd, locked)
 *   cluster_addr.c  which address we announce and which one we record for
 *                   a peer (the place the NAT-aware logic goes)
 *   cluster_reconnect.c  backoff of reconnects to unreachable peers
 *   cluster_bus.c   the wire format, pure (cluster_bus.h)
 * Included at the end of server.h.
 */
#ifndef CLUSTER_H
#define CLUSTER_H

#include "cluster_bus.h"
#include "cluster_natext.h"

#define CLUSTER_OK 0
#define CLUSTER_FAIL 1
#define CLUSTER_DEFAULT_NODE_TIMEOUT 15000
#define CLUSTER_FAIL_REPORT_VALIDITY_MULT 2
#define CLUSTER_FAIL_UNDO_TIME_MULT 2
#define CLUSTER_PORT_INCR 10000
#define CLUSTER_WRITABLE_DELAY 2000
#define CLUSTER_BLACKLIST_TTL 60     /* seconds a FORGET keeps a node out */
#define CLUSTER_MF_TIMEOUT 5000      /* manual failover time limit */
#define CLUSTER_MF_PAUSE_MULT 2

/* Node flags: the wire values (cluster_bus.h). */
#define CLUSTER_NODE_MASTER CBUS_NODE_MASTER
#define CLUSTER_NODE_SLAVE CBUS_NODE_SLAVE
#define CLUSTER_NODE_PFAIL CBUS_NODE_PFAIL
#define CLUSTER_NODE_FAIL CBUS_NODE_FAIL
#define CLUSTER_NODE_MYSELF CBUS_NODE_MYSELF
#define CLUSTER_NODE_HANDSHAKE CBUS_NODE_HANDSHAKE
#define CLUSTER_NODE_NOADDR CBUS_NODE_NOADDR
#define CLUSTER_NODE_MEET CBUS_NODE_MEET
#define CLUSTER_NODE_MIGRATE_TO CBUS_NODE_MIGRATE_TO
#define CLUSTER_NODE_NOFAILOVER CBUS_NODE_NOFAILOVER
#define CLUSTER_NODE_NULL_NAME "\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000"

#define nodeIsMaster(n) ((n)->flags & CLUSTER_NODE_MASTER)
#define nodeIsSlave(n) ((n)->flags & CLUSTER_NODE_SLAVE)
#define nodeInHandshake(n) ((n)->flags & CLUSTER_NODE_HANDSHAKE)
#define nodeHasAddr(n) (!((n)->flags & CLUSTER_NODE_NOADDR))
#define nodeTimedOut(n) ((n)->flags & CLUSTER_NODE_PFAIL)
#define nodeFailed(n) ((n)->flags & CLUSTER_NODE_FAIL)

/* Redirection results (getNodeByQuery) */
#define CLUSTER_REDIR_NONE 0
#define CLUSTER_REDIR_CROSS_SLOT 1
#define CLUSTER_REDIR_UNSTABLE 2
#define CLUSTER_REDIR_ASK 3
#define CLUSTER_REDIR_MOVED 4
#define CLUSTER_REDIR_DOWN_STATE 5
#define CLUSTER_REDIR_DOWN_UNBOUND 6
#define CLUSTER_REDIR_DOWN_RO_STATE 7

/* Things to do before sleeping (clusterDoBeforeSleep) */
#define CLUSTER_TODO_UPDATE_STATE (1<<0)
#define CLUSTER_TODO_SAVE_CONFIG (1<<1)
#define CLUSTER_TODO_FSYNC_CONFIG (1<<2)
#define CLUSTER_TODO_HANDLE_FAILOVER (1<<3)
#define CLUSTER_TODO_HANDLE_MANUALFAILOVER (1<<4)

struct clusterNode;

/* A bus connection. Outbound links are ours to a node (node->link);
 * inbound ones were accepted and get their node once it is known. */
typedef struct clusterLink {
    mstime_t ctime;
    connection *conn;
    sds sndbuf;                  /* bytes not written yet */
    unsigned char *rcvbuf;
    size_t rcvbuf_len, rcvbuf_alloc;
    struct clusterNode *node;
    int inbound;
    int nat_aware;               /* a NAT extension arrived on this link */
    int sent_natext;             /* we sent ours on it */
    char dial_ip[NET_IP_STR_LEN];  /* outbound: the address we dialled */
    int dial_port;
    int dial_internal;           /* ... and it was the node's internal one */
    unsigned long long sent_msgs, recv_msgs; /* not shown; kept for LINKS */
    int pong_seen;               /* outbound: a PONG arrived on it */
} clusterLink;

typedef struct clusterNodeFailReport {
    struct clusterNode *node;    /* the master that reported the failure */
    mstime_t time;
} clusterNodeFailReport;

typedef struct clusterNode {
    mstime_t ctime;
    char name[CLUSTER_NAMELEN];
    int flags;
    uint64_t configEpoch;
    unsigned char slots[CBUS_SLOTBYTES];
    int numslots;
    int numslaves;
    struct clusterNode **slaves;
    struct clusterNode *slaveof;
    mstime_t ping_sent;
    mstime_t pong_received;
    mstime_t data_received;
    mstime_t fail_time;
    mstime_t voted_time;
    mstime_t orphaned_time;      /* since when it has no working replica, 0 */
    long long repl_offset;
    char ip[NET_IP_STR_LEN];
    sds hostname;
    int port;                    /* client port (TLS port with tls-cluster) */
    int pport;                   /* the other client port */
    int cport;                   /* bus port */
    clusterLink *link;
    clusterLink *inbound_link;
    list *fail_reports;
    /* NAT-aware bus (cluster_addr.c, docs/nat.md): the node's internal
     * address from its NAT extension (int_ip empty: unknown, use ip/cport),
     * used for the bus and replication; ip/port above stay what clients see. */
    char int_ip[NET_IP_STR_LEN];
    int int_port, int_tls_port, int_cport;
    sds int_hostname;            /* stable DNS name to re-resolve, or empty */
    int nat_aware;               /* it sent us the extension: send it ours */
    int nat_hinted;              /* a peer's gossip says it speaks it */
    int nat_noext;               /* ping packets in a row without it */
    mstime_t nat_last_resolve;   /* last re-resolution of int_hostname */
    mstime_t nat_out_ok;         /* last PONG on our outbound link */
    mstime_t nat_dial_since;     /* dialling the current target since */
    int nat_use_ext;             /* internal does not answer: dial external */
    /* Reconnection backoff (cluster_reconnect.c): failed attempts in a row
     * to reconnect_ip:reconnect_port, and when the next one is due. */
    int reconnect_failures;
    mstime_t reconnect_at;
    char reconnect_ip[NET_IP_STR_LEN];
    int reconnect_port;
} clusterNode;

typedef struct clusterState {
    clusterNode *myself;
    uint64_t currentEpoch;
    uint64_t lastVoteEpoch;
    int state;
    int size;                    /* masters serving at least one slot */
    dict *nodes;                 /* name (sds) -> clusterNode */
    dict *nodes_black_list;      /* name -> unix time it expires */
    clusterNode *migrating_slots_to[CLUSTER_SLOTS];
    clusterNode *importing_slots_from[CLUSTER_SLOTS];
    clusterNode *slots[CLUSTER_SLOTS];
    dict *slot_keys[CLUSTER_SLOTS];  /* db 0 keys (sds, not owned), lazily made */
    int todo_before_sleep;
    long long stats_bus_messages_sent[CBUS_TYPE_COUNT];
    long long stats_bus_messages_received[CBUS_TYPE_COUNT];
    long long stats_pfail_nodes;
    unsigned long long stat_cluster_links_buffer_limit_exceeded;
    mstime_t among_minority_time;
    mstime_t first_call_time;
    mstime_t mf_end;             /* manual failover in progress: deadline */
    struct clusterNode *mf_slave;  /* master side: the replica taking over */
    int mf_can_start;            /* replica side: may start the election */
    long long mf_master_offset;  /* replica side: paused master's offset, -1 */
    /* Replica side of a failover election */
    mstime_t failover_auth_time; /* when the election starts (or started) */
    int failover_auth_count;     /* votes received so far */
    int failover_auth_sent;      /* we asked for votes */
    int failover_auth_rank;      /* our rank among our master's replicas */
    uint64_t failover_auth_epoch;
    int cant_failover_reason;
    mstime_t cant_failover_lastlog;
} clusterState;

extern clusterState *cluster;

/* cluster.c */
unsigned int keyHashSlot(const char *key, int keylen);
void clusterSlotKeyAdded(redisDb *db, sds key);
void clusterSlotKeyDeleted(redisDb *db, sds key);
void clusterSlotKeysFlush(redisDb *db);
unsigned int countKeysInSlot(unsigned int slot);
/* processCommand hook: 1 when the command was redirected (reply sent). */
int clusterRedirectIfNeeded(client *c);
void clusterRedirectBlockedClients(void); /* cron: blocked clients whose slot moved */
void clusterCommand(client *c);
void askingCommand(client *c);
void readonlyCommand(client *c);
void readwriteCommand(client *c);
sds clusterGenNodesDescription(int filter, int use_pport);
sds clusterGenNodeDescription(clusterNode *node, int use_pport);

/* cluster_node.c */
void clusterInit(void);
void clusterCron(void);
void clusterBeforeSleep(void);
void clusterDoBeforeSleep(int flags);
clusterNode *clusterLookupNode(const char *name, int length);
clusterNode *createClusterNode(const char *nodename, int flags);
int clusterAddNode(clusterNode *node);
void clusterDelNode(clusterNode *delnode);
void clusterRenameNode(clusterNode *node, const char *newname);
int clusterAddSlot(clusterNode *n, int slot);
int clusterDelSlot(int slot);
int clusterDelNodeSlots(clusterNode *node);
int clusterNodeSetSlotBit(clusterNode *n, int slot);
int clusterNodeClearSlotBit(clusterNode *n, int slot);
int clusterNodeGetSlotBit(clusterNode *n, int slot);
int clusterNodeAddSlave(clusterNode *master, clusterNode *slave);
int clusterNodeRemoveSlave(clusterNode *master, clusterNode *slave);
void clusterSetNodeAsMaster(clusterNode *n);
void clusterSetMaster(clusterNode *n);
int clusterStartHandshake(char *ip, int port, int cport);
void clusterCloseAllSlots(void);
void clusterUpdateState(void);
int clusterBumpConfigEpochWithoutConsensus(void);
int clusterNodeFailureReportsCount(clusterNode *node);
void clusterBlacklistAddNode(clusterNode *node);
void clusterReset(int hard);
void clusterBroadcastPong(void);
void clusterPropagatePublish(robj *channel, robj *message, int sharded);
void freeClusterLink(clusterLink *link);
void freeClusterNode(clusterNode *n);
void clusterRenderLinks(client *c);
unsigned long clusterConnectionsCount(void);
size_t clusterLinksMemory(void);
void clusterGenerateName(char *name);
void clusterUpdateMyselfFlags(void);
int clusterStartManualFailover(client *c, int force, int takeover);
extern long cluster_drop_packet_filter;   /* DEBUG DROP-CLUSTER-PACKET-FILTER, -1 none */
void clusterDebugKillLink(client *c);     /* DEBUG CLUSTERLINK KILL to|from|all <id> */

/* cluster_node.c, shared with cluster_failover.c: messages */
void clusterBuildHeader(cbusHeader *h);
void clusterSendMessage(clusterLink *link, unsigned char *msg, size_t len);
void clusterBroadcastMessage(unsigned char *msg, size_t len);
void clusterSendPing(clusterLink *link, int type);

/* cluster_failover.c */
void resetManualFailover(void);
void manualFailoverCheckTimeout(void);
/* cluster_shutdown.c: 1 while a stopping master is handing its slots to a
 * replica (call again from cron), 0 when the shutdown may go on. */
int clusterShutdownHandover(void);
void clusterProcessMFStart(clusterLink *link, clusterNode *sender);
void clusterNoteMasterPausedOffset(clusterNode *sender, const cbusHeader *h);
void clusterHandleManualFailover(void);
void clusterSendFailoverAuthIfNeeded(clusterNode *node, const cbusHeader *req);
void clusterProcessFailoverAuthAck(clusterNode *sender, const cbusHeader *h);
void clusterFailoverReplaceYourMaster(void);
void clusterHandleSlaveFailover(void);

/* cluster_migration.c */
int clusterAnyMasterHasReplicas(void);
void clusterHandleReplicaMigration(void);

/* cluster_reconnect.c: spacing out attempts to reach an unreachable peer */
int clusterReconnectDue(clusterNode *n, mstime_t now);
void clusterReconnectFailed(clusterNode *n, const char *ip, int port);
void clusterReconnectReset(clusterNode *n, const char *why);
void clusterReconnectResetAddress(const char *ip, int port, int cport);

/* cluster_config.c */
int clusterLoadConfig(char *filename);
int clusterSaveConfig(int do_fsync);
void clusterSaveConfigOrDie(int do_fsync);
int clusterLockConfig(char *filename);

/* cluster_addr.c */
void clusterAddrFillMyHeaderAddress(cbusHeader *h);
void clusterAddrPeerIp(clusterLink *link, const cbusHeader *h, char *ip);
int clusterAddrLearnMyIp(clusterLink *link, int type);
void clusterAddrUpdateMyselfAnnounced(void);
int clusterAddrBusPort(void);
int clusterAddrAnnouncedPort(void);
int clusterAddrAnnouncedPPort(void);
int clusterAddrAnnouncedCport(void);
const char *clusterAddrNodeEndpoint(clusterNode *n);
int clusterAddrNodeClientPort(clusterNode *n, int use_tls);
/* cluster_addr.c: the NAT-aware part (docs/nat.md) */
void clusterAddrNoteLocalAddress(connection *conn);
const char *clusterAddrMyInternalIp(void);
const char *clusterAddrReplicaAnnounceIp(void);
int clusterAddrWantsNatExt(clusterLink *link, int type);
size_t clusterAddrBuildNatExt(unsigned char *buf);
void clusterAddrNoteNatLink(clusterLink *link, const unsigned char *buf);
void clusterAddrProcessNatExt(clusterNode *node, clusterLink *link, const unsigned char *buf);
void clusterAddrDialTarget(clusterNode *n, char *ip, int *port, int *internal);
void clusterAddrReplicationTarget(clusterNode *n, char *ip, int *port);
void clusterAddrCronNode(clusterNode *n);
void clusterAddrExternalChanged(clusterNode *n, const char *old_ip, const unsigned char *stated);
int clusterAddrHasNatSplit(clusterNode *n);
sds clusterAddrInfo(sds info);
int clusterAddrSaveSidecar(const char *nodes_conf, int do_fsync);
void clusterAddrLoadSidecar(const char *nodes_conf);

/* Optional hooks owned by other modules (weak). */
void replicationSetMaster(char *ip, int port);
/* ms since we last heard from our master (connected) or since the link
 * went down; without replication the data is as old as it gets. */
long long replicationMasterDataAgeMs(void);
void replicationUnsetMaster(void);
long long replicationGetSlaveOffset(void);
int pubsubPublishMessage(robj *channel, robj *message, int sharded);

#endif
