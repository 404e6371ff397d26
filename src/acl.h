/* acl.h - users and permissions (ACL), with Redis 7.0's semantics.
 *
 * Every client is bound to a user (c->user; NULL means an internal client
 * that may run anything). A user has flags (on/off, nopass, ...), SHA-256
 * password hashes and a list of selectors: the first ("root") one holds the
 * rules given outside parentheses, the others come from "(...)" rules. A
 * command is allowed when any selector allows the command, all its keys
 * (with the read/write access the key specs say) and its channels.
 *
 * acl.c holds users, the rule parser, descriptions and the checks;
 * acl_cmds.c holds the ACL command, the ACL log, the ACL file and start-up
 * loading. Included once, at the end of server.h.
 */
#ifndef ACL_H
#define ACL_H

/* User flags (order of ACL GETUSER / ACL LIST output is in acl.c) */
#define USER_FLAG_ENABLED (1<<0)
#define USER_FLAG_DISABLED (1<<1)
#define USER_FLAG_NOPASS (1<<2)
#define USER_FLAG_SANITIZE_PAYLOAD (1<<3)
#define USER_FLAG_SANITIZE_PAYLOAD_SKIP (1<<4)

/* Results of the permission checks (also the ACL log reasons) */
#define ACL_OK 0
#define ACL_DENIED_CMD 1
#define ACL_DENIED_KEY 2
#define ACL_DENIED_AUTH 3
#define ACL_DENIED_CHANNEL 4

/* ACL log contexts */
#define ACL_LOG_CTX_TOPLEVEL 0
#define ACL_LOG_CTX_LUA 1
#define ACL_LOG_CTX_MULTI 2
#define ACL_LOG_CTX_MODULE 3

typedef struct aclUser {
    sds name;
    int flags;          /* USER_FLAG_* */
    list *passwords;    /* sds: lower case hex SHA-256 of each password */
    list *selectors;    /* aclSelector *, the root selector first */
} aclUser;

extern aclUser *DefaultUser;

/* acl.c */
void ACLInit(void);
aclUser *ACLGetUserByName(const char *name, size_t namelen);
aclUser *ACLCreateUser(const char *name, size_t namelen); /* NULL if it exists */
aclUser *ACLCreateUnlinkedUser(void);
void ACLSetDefaultUserRules(aclUser *u);         /* on nopass ~* &* +@all */
void ACLFreeUser(aclUser *u);
void ACLCopyUser(aclUser *dst, aclUser *src);
void ACLFreeUserAndKillClients(aclUser *u);
int ACLSetUser(aclUser *u, const char *op, ssize_t oplen); /* C_ERR + errno */
const char *ACLSetUserStringError(void);
sds *ACLMergeSelectorArguments(sds *argv, int argc, int *merged_argc, int *invalid_idx);
int ACLStringHasSpaces(const char *s, size_t len);
sds ACLDescribeUser(aclUser *u);
void ACLAddReplyUser(client *c, aclUser *u);
dict *ACLUsers(void);                          /* name -> aclUser * */
aclUser **ACLSortedUsers(size_t *count);       /* zfree the array */
void ACLSetUsers(dict *users);
dict *ACLCreateUsersDict(void);
int ACLCategoryFlagByName(const char *name);   /* 0 if unknown */
const char *ACLCategoryName(int index);        /* NULL past the end */
uint64_t ACLCategoryFlag(int index);
void ACLKillPubsubClientsIfNeeded(aclUser *newu, aclUser *orig);
/* Authentication */
int authRequired(client *c);
int ACLCheckUserCredentials(robj *username, robj *password);
int ACLAuthenticateUser(client *c, robj *username, robj *password);
void ACLClientSetDefaultUser(client *c);     /* new connection / RESET */
void ACLUpdateDefaultUserPassword(sds password);
/* Checks */
int ACLCheckAllUserCommandPerm(aclUser *u, struct redisCommand *cmd, robj **argv, int argc, int *idxptr);
int ACLCheckAllPerm(client *c, int *idxptr);
int ACLUserHasUnrestrictedKeyAccess(aclUser *u, struct redisCommand *cmd, robj **argv, int argc);
/* processCommand: NULL when c may run its command, else the NOPERM error
 * (logged in the ACL log; the caller frees it). */
sds ACLCheckCommandOrError(client *c);
/* EXEC: same check at execution time, with EXEC's error text. */
sds ACLCheckQueuedCommandOrError(client *c);

/* acl_cmds.c */
void ACLLogInit(void);
void addACLLogEntry(client *c, int reason, int context, int argpos, sds username, sds object);
void aclCommand(client *c);
void ACLLoadUsersAtStartup(void);
sds ACLLoadFromFile(const char *filename);
int ACLSaveToFile(const char *filename);
sds *ACLDescribeUsersForRewrite(int *count);
int ACLValidateConfigUser(sds *argv, int argc, const char **err);

#endif
