/* acl_cmds.c - the ACL command, the ACL log, the ACL file (ACL LOAD/SAVE,
 * aclfile) and the users declared in redis.conf ("user" lines), all with
 * Redis 7.0's replies and errors. Users and rules themselves live in acl.c.
 */
#include "server.h"
#include <fcntl.h>

/* ---------------------------------------------------------------------------
 * ACL log: recent denials, similar ones (same reason, context, object and
 * user within a minute) folded into one entry with a count.
 * ------------------------------------------------------------------------ */

#define ACL_LOG_GROUPING_MS 60000

typedef struct aclLogEntry {
    long long count;
    int reason;
    int context;
    sds object;
    sds username;
    mstime_t ctime;
    sds cinfo;
} aclLogEntry;

static list *ACLLog;

static void freeLogEntry(void *p) {
    aclLogEntry *le = p;
    sdsfree(le->object);
    sdsfree(le->username);
    sdsfree(le->cinfo);
    zfree(le);
}

void ACLLogInit(void) {
    ACLLog = listCreate();
}

static void dropOldestLogEntry(void) {
    listNode *ln = listLast(ACLLog);
    freeLogEntry(listNodeValue(ln));
    listDelNode(ACLLog, ln);
}

static int logEntriesSimilar(aclLogEntry *a, aclLogEntry *b) {
    mstime_t delta = a->ctime - b->ctime;
    if (delta < 0) delta = -delta;
    return a->reason == b->reason && a->context == b->context &&
           delta <= ACL_LOG_GROUPING_MS && sdscmp(a->object, b->object) == 0 &&
           sdscmp(a->username, b->username) == 0;
}

/* object: the denied command, key or channel (argv[argpos]); for AUTH the
 * command name as typed. username/object override them when not NULL (we
 * take ownership of object). */
void addACLLogEntry(client *c, int reason, int context, int argpos, sds username, sds object) {
    aclLogEntry *le = zmalloc(sizeof(*le));
    le->count = 1;
    le->reason = reason;
    le->context = context;
    le->username = sdsdup(username ? username : (c->user ? c->user->name : "default"));
    le->ctime = mstime();
    if (object) {
        le->object = object;
    } else if (reason == ACL_DENIED_CMD) {
        le->object = sdsdup(c->cmd->fullname);
    } else if (reason == ACL_DENIED_KEY || reason == ACL_DENIED_CHANNEL) {
        le->object = sdsdup(c->argv[argpos]->ptr);
    } else if (reason == ACL_DENIED_AUTH) {
        le->object = sdsdup(c->argv[0]->ptr);
    } else {
        le->object = sdsempty();
    }
    le->cinfo = catClientInfoString(sdsempty(), c);

    /* Only the most recent few entries are candidates for folding. */
    listIter li;
    listNode *ln;
    listRewind(ACLLog, &li);
    for (int scanned = 0; scanned < 10 && (ln = listNext(&li)); scanned++) {
        aclLogEntry *cur = listNodeValue(ln);
        if (!logEntriesSimilar(cur, le)) continue;
        listDelNode(ACLLog, ln);
        listAddNodeHead(ACLLog, cur);
        sdsfree(cur->cinfo);
        cur->cinfo = le->cinfo;
        cur->ctime = le->ctime;
        cur->count++;
        le->cinfo = NULL;
        freeLogEntry(le);
        return;
    }
    listAddNodeHead(ACLLog, le);
    while (listLength(ACLLog) > server.acllog_max_len) dropOldestLogEntry();
}

static const char *logReasonName(int reason) {
    switch (reason) {
    case ACL_DENIED_CMD: return "command";
    case ACL_DENIED_KEY: return "key";
    case ACL_DENIED_CHANNEL: return "channel";
    case ACL_DENIED_AUTH: return "auth";
    default: return "unknown";
    }
}

static const char *logContextName(int ctx) {
    switch (ctx) {
    case ACL_LOG_CTX_TOPLEVEL: return "toplevel";
    case ACL_LOG_CTX_MULTI: return "multi";
    case ACL_LOG_CTX_LUA: return "lua";
    case ACL_LOG_CTX_MODULE: return "module";
    default: return "unknown";
    }
}

/* ACL LOG [count|RESET] */
static void aclLogReply(client *c) {
    long count = 10;
    if (c->argc == 3) {
        if (!strcasecmp(c->argv[2]->ptr, "reset")) {
            while (listLength(ACLLog)) dropOldestLogEntry();
            addReply(c, shared.ok);
            return;
        }
        if (getLongFromObjectOrReply(c, c->argv[2], &count, NULL) != C_OK) return;
        if (count < 0) count = 0;
    }
    if ((unsigned long)count > listLength(ACLLog)) count = listLength(ACLLog);
    addReplyArrayLen(c, count);
    mstime_t now = mstime();
    listIter li;
    listNode *ln;
    listRewind(ACLLog, &li);
    while (count-- > 0 && (ln = listNext(&li))) {
        aclLogEntry *le = listNodeValue(ln);
        addReplyMapLen(c, 7);
        addReplyBulkCString(c, "count");
        addReplyLongLong(c, le->count);
        addReplyBulkCString(c, "reason");
        addReplyBulkCString(c, logReasonName(le->reason));
        addReplyBulkCString(c, "context");
        addReplyBulkCString(c, logContextName(le->context));
        addReplyBulkCString(c, "object");
        addReplyBulkCBuffer(c, le->object, sdslen(le->object));
        addReplyBulkCString(c, "username");
        addReplyBulkCBuffer(c, le->username, sdslen(le->username));
        addReplyBulkCString(c, "age-seconds");
        addReplyDouble(c, (double)(now - le->ctime) / 1000);
        addReplyBulkCString(c, "client-info");
        addReplyBulkCBuffer(c, le->cinfo, sdslen(le->cinfo));
    }
}

/* ---------------------------------------------------------------------------
 * ACL subcommands
 * ------------------------------------------------------------------------ */

/* Stage every rule on a copy of the user: either all apply or none. */
static void aclSetUserReply(client *c) {
    for (int j = 2; j < c->argc; j++) redactClientCommandArgument(c, j);
    sds name = c->argv[2]->ptr;
    if (ACLStringHasSpaces(name, sdslen(name))) {
        addReplyError(c, "Usernames can't contain spaces or null characters");
        return;
    }
    int n = c->argc - 3, merged = 0, bad = 0;
    sds *args = zmalloc(sizeof(sds) * (n ? n : 1));
    for (int j = 0; j < n; j++) args[j] = c->argv[j + 3]->ptr;
    sds *rules = ACLMergeSelectorArguments(args, n, &merged, &bad);
    zfree(args);
    if (!rules) {
        addReplyErrorFormat(c, "Unmatched parenthesis in acl selector starting at '%s'.",
                            (char *)c->argv[bad + 3]->ptr);
        return;
    }
    aclUser *staged = ACLCreateUnlinkedUser();
    aclUser *u = ACLGetUserByName(name, sdslen(name));
    if (u) ACLCopyUser(staged, u);
    int ok = 1;
    for (int j = 0; j < merged && ok; j++) {
        if (ACLSetUser(staged, rules[j], sdslen(rules[j])) != C_OK) {
            addReplyErrorFormat(c, "Error in ACL SETUSER modifier '%s': %s",
                                rules[j], ACLSetUserStringError());
            ok = 0;
        }
    }
    if (ok) {
        if (u) ACLKillPubsubClientsIfNeeded(staged, u);
        else u = ACLCreateUser(name, sdslen(name));
        ACLCopyUser(u, staged);
        addReply(c, shared.ok);
    }
    ACLFreeUser(staged);
    for (int j = 0; j < merged; j++) sdsfree(rules[j]);
    zfree(rules);
}

static void aclDelUserReply(client *c) {
    for (int j = 2; j < c->argc; j++) {
        if (!strcmp(c->argv[j]->ptr, "default")) {
            addReplyError(c, "The 'default' user cannot be removed");
            return;
        }
    }
    long long deleted = 0;
    for (int j = 2; j < c->argc; j++) {
        sds name = c->argv[j]->ptr;
        aclUser *u = ACLGetUserByName(name, sdslen(name));
        if (!u) continue;
        dictDelete(ACLUsers(), u->name);
        ACLFreeUserAndKillClients(u);
        deleted++;
    }
    addReplyLongLong(c, deleted);
}

static void aclListReply(client *c, int names_only) {
    size_t n;
    aclUser **users = ACLSortedUsers(&n);
    addReplyArrayLen(c, n);
    for (size_t j = 0; j < n; j++) {
        if (names_only) {
            addReplyBulkCBuffer(c, users[j]->name, sdslen(users[j]->name));
        } else {
            sds d = ACLDescribeUser(users[j]);
            addReplyBulkSds(c, sdscatfmt(sdsempty(), "user %S %S", users[j]->name, d));
            sdsfree(d);
        }
    }
    zfree(users);
}

static void aclCatCommands(client *c, dict *commands, uint64_t flag, long *n) {
    dictIterator *di = dictGetIterator(commands);
    dictEntry *de;
    while ((de = dictNext(di))) {
        struct redisCommand *cmd = dictGetVal(de);
        if (cmd->flags & CMD_MODULE) continue;
        if (cmd->acl_categories & flag) {
            addReplyBulkCBuffer(c, cmd->fullname, sdslen(cmd->fullname));
            (*n)++;
        }
        if (cmd->subcommands_dict) aclCatCommands(c, cmd->subcommands_dict, flag, n);
    }
    dictReleaseIterator(di);
}

static void aclCatReply(client *c) {
    if (c->argc == 2) {
        int n = 0;
        while (ACLCategoryName(n)) n++;
        addReplyArrayLen(c, n);
        for (int j = 0; j < n; j++) addReplyBulkCString(c, ACLCategoryName(j));
        return;
    }
    int cat = ACLCategoryFlagByName(c->argv[2]->ptr);
    if (!cat) {
        addReplyErrorFormat(c, "Unknown category '%.128s'", (char *)c->argv[2]->ptr);
        return;
    }
    void *len = addReplyDeferredLen(c);
    long n = 0;
    aclCatCommands(c, server.orig_commands, ACLCategoryFlag(cat - 1), &n);
    setDeferredArrayLen(c, len, n);
}

#define GENPASS_MAX_BITS 4096

static void aclGenpassReply(client *c) {
    long bits = 256;
    if (c->argc == 3 && getLongFromObjectOrReply(c, c->argv[2], &bits, NULL) != C_OK) return;
    if (bits <= 0 || bits > GENPASS_MAX_BITS) {
        addReplyErrorFormat(c, "ACL GENPASS argument must be the number of bits for the output "
                            "password, a positive number up to %d", GENPASS_MAX_BITS);
        return;
    }
    char pass[GENPASS_MAX_BITS / 4];
    long chars = (bits + 3) / 4;
    getRandomHexChars(pass, chars);
    addReplyBulkCBuffer(c, pass, chars);
}

/* ACL DRYRUN user command [arg ...]: the check processCommand would do. */
static void aclDryrunReply(client *c) {
    aclUser *u = ACLGetUserByName(c->argv[2]->ptr, sdslen(c->argv[2]->ptr));
    if (!u) {
        addReplyErrorFormat(c, "User '%s' not found", (char *)c->argv[2]->ptr);
        return;
    }
    struct redisCommand *cmd = lookupCommand(c->argv + 3, c->argc - 3);
    if (!cmd) {
        addReplyErrorFormat(c, "Command '%s' not found", (char *)c->argv[3]->ptr);
        return;
    }
    int nargs = c->argc - 3;
    if ((cmd->arity > 0 && cmd->arity != nargs) || nargs < -cmd->arity) {
        addReplyErrorFormat(c, "wrong number of arguments for '%s' command", cmd->fullname);
        return;
    }
    int idx = 0;
    int r = ACLCheckAllUserCommandPerm(u, cmd, c->argv + 3, nargs, &idx);
    if (r == ACL_OK) {
        addReply(c, shared.ok);
    } else if (r == ACL_DENIED_CMD) {
        addReplyBulkSds(c, sdscatfmt(sdsempty(), "This user has no permissions to run the '%S' command",
                                     cmd->fullname));
    } else if (r == ACL_DENIED_KEY) {
        addReplyBulkSds(c, sdscatfmt(sdsempty(), "This user has no permissions to access the '%S' key",
                                     (sds)c->argv[idx + 3]->ptr));
    } else {
        addReplyBulkSds(c, sdscatfmt(sdsempty(), "This user has no permissions to access the '%S' channel",
                                     (sds)c->argv[idx + 3]->ptr));
    }
}

static const char *aclHelp[] = {
"CAT [<category>]",
"    List all commands that belong to <category>, or all command categories",
"    when no category is specified.",
"DELUSER <username> [<username> ...]",
"    Delete a list of users.",
"DRYRUN <username> <command> [<arg> ...]",
"    Returns whether the user can execute the given command without executing the command.",
"GETUSER <username>",
"    Get the user's details.",
"GENPASS [<bits>]",
"    Generate a secure 256-bit user password. The optional `bits` argument can",
"    be used to specify a different size.",
"LIST",
"    Show users details in config file format.",
"LOAD",
"    Reload users from the ACL file.",
"LOG [<count> | RESET]",
"    Show the ACL log entries.",
"SAVE",
"    Save the current config to the ACL file.",
"SETUSER <username> <attribute> [<attribute> ...]",
"    Create or modify a user with the specified attributes.",
"USERS",
"    List all the registered usernames.",
"WHOAMI",
"    Return the current connection username.",
NULL
};

static int aclFileConfigured(void) {
    return server.acl_filename && server.acl_filename[0];
}

void aclCommand(client *c) {
    const char *sub = c->argv[1]->ptr;
    if (!strcasecmp(sub, "setuser") && c->argc >= 3) {
        aclSetUserReply(c);
    } else if (!strcasecmp(sub, "deluser") && c->argc >= 3) {
        aclDelUserReply(c);
    } else if (!strcasecmp(sub, "getuser") && c->argc == 3) {
        aclUser *u = ACLGetUserByName(c->argv[2]->ptr, sdslen(c->argv[2]->ptr));
        if (!u) {
            addReplyNull(c);
            return;
        }
        ACLAddReplyUser(c, u);
    } else if ((!strcasecmp(sub, "list") || !strcasecmp(sub, "users")) && c->argc == 2) {
        aclListReply(c, !strcasecmp(sub, "users"));
    } else if (!strcasecmp(sub, "whoami") && c->argc == 2) {
        if (c->user) addReplyBulkCBuffer(c, c->user->name, sdslen(c->user->name));
        else addReplyNull(c);
    } else if (!aclFileConfigured() && (!strcasecmp(sub, "load") || !strcasecmp(sub, "save"))) {
        addReplyError(c, "This Redis instance is not configured to use an ACL file. You may want to "
                      "specify users via the ACL SETUSER command and then issue a CONFIG REWRITE "
                      "(assuming you have a Redis configuration file set) in order to store users "
                      "in the Redis configuration.");
    } else if (!strcasecmp(sub, "load") && c->argc == 2) {
        sds errors = ACLLoadFromFile(server.acl_filename);
        if (!errors) {
            addReply(c, shared.ok);
        } else {
            addReplyError(c, errors);
            sdsfree(errors);
        }
    } else if (!strcasecmp(sub, "save") && c->argc == 2) {
        if (ACLSaveToFile(server.acl_filename) == C_OK) addReply(c, shared.ok);
        else addReplyError(c, "There was an error trying to save the ACLs. Please check the server logs for more information");
    } else if (!strcasecmp(sub, "cat") && (c->argc == 2 || c->argc == 3)) {
        aclCatReply(c);
    } else if (!strcasecmp(sub, "genpass") && (c->argc == 2 || c->argc == 3)) {
        aclGenpassReply(c);
    } else if (!strcasecmp(sub, "log") && (c->argc == 2 || c->argc == 3)) {
        aclLogReply(c);
    } else if (!strcasecmp(sub, "dryrun") && c->argc >= 4) {
        aclDryrunReply(c);
    } else if (c->argc == 2 && !strcasecmp(sub, "help")) {
        addReplyHelp(c, aclHelp);
    } else {
        addReplySubcommandSyntaxError(c);
    }
}

/* ---------------------------------------------------------------------------
 * The ACL file
 * ------------------------------------------------------------------------ */

static void freeUsersDict(dict *users, int kill_clients) {
    dictIterator *di = dictGetSafeIterator(users);
    dictEntry *de;
    while ((de = dictNext(di))) {
        aclUser *u = dictGetVal(de);
        if (kill_clients) ACLFreeUserAndKillClients(u);
        else ACLFreeUser(u);
    }
    dictReleaseIterator(di);
    /* Keys were the users' names, already freed with them. */
    dictEmpty(users, NULL);
    dictRelease(users);
}

/* Parse one "user <name> rules..." line of an ACL file into the users
 * table being built; problems are appended to *errors. */
static void loadAclFileLine(sds line, int linenum, sds *errors) {
    const char *fname = server.acl_filename;
    int argc;
    sds *argv = sdssplitlen(line, sdslen(line), " ", 1, &argc);
    if (argc == 0) {
        sdsfreesplitres(argv, argc);
        return;
    }
    if (strcmp(argv[0], "user") || argc < 2) {
        *errors = sdscatprintf(*errors, "%s:%d should start with user keyword followed by the username. ",
                               fname, linenum);
        sdsfreesplitres(argv, argc);
        return;
    }
    if (ACLStringHasSpaces(argv[1], sdslen(argv[1]))) {
        *errors = sdscatprintf(*errors, "'%s:%d: username '%s' contains invalid characters. ",
                               fname, linenum, argv[1]);
        sdsfreesplitres(argv, argc);
        return;
    }
    aclUser *u = ACLCreateUser(argv[1], sdslen(argv[1]));
    if (!u) {
        *errors = sdscatprintf(*errors, "WARNING: Duplicate user '%s' found on line %d. ", argv[1], linenum);
        sdsfreesplitres(argv, argc);
        return;
    }
    int merged = 0;
    sds *rules = ACLMergeSelectorArguments(argv + 2, argc - 2, &merged, NULL);
    if (!rules) {
        *errors = sdscatprintf(*errors, "%s:%d: Unmatched parenthesis in selector definition.",
                               fname, linenum);
    }
    /* As stock: an unknown command or category is reported with the rule
     * (a name, nothing secret), every time; any other error only the first
     * time on a line, as it may be what broke the rules after it. */
    int syntax_reported = 0;
    for (int j = 0; j < merged; j++) {
        rules[j] = sdstrim(rules[j], "\t\r\n");
        if (ACLSetUser(u, rules[j], sdslen(rules[j])) != C_OK) {
            if (errno == ENOENT) {
                *errors = sdscatprintf(*errors, "%s:%d: Error in applying operation '%s': %s. ", fname,
                                       linenum, rules[j], ACLSetUserStringError());
            } else if (!syntax_reported) {
                *errors = sdscatprintf(*errors, "%s:%d: %s. ", fname, linenum, ACLSetUserStringError());
                syntax_reported = 1;
            }
        }
        sdsfree(rules[j]);
    }
    zfree(rules);
    sdsfreesplitres(argv, argc);
}

/* Load users from the file into a fresh table: on any error nothing
 * changes and the errors are returned (one line); NULL on success. The
 * default user object survives (clients point to it); every other user is
 * replaced, disconnecting its clients. */
sds ACLLoadFromFile(const char *filename) {
    FILE *fp = fopen(filename, "r");
    if (!fp) return sdscatprintf(sdsempty(), "Error loading ACLs, opening file '%s': %s",
                                 filename, strerror(errno));
    sds content = sdsempty();
    char buf[1024];
    while (fgets(buf, sizeof(buf), fp)) content = sdscat(content, buf);
    fclose(fp);

    int nlines;
    sds *lines = sdssplitlen(content, strlen(content), "\n", 1, &nlines);
    sdsfree(content);
    sds errors = sdsempty();
    dict *old = ACLUsers();
    ACLSetUsers(ACLCreateUsersDict());
    for (int j = 0; j < nlines; j++) {
        lines[j] = sdstrim(lines[j], " \t\r\n");
        if (lines[j][0] == '\0') continue;
        loadAclFileLine(lines[j], j + 1, &errors);
    }
    sdsfreesplitres(lines, nlines);

    dict *loaded = ACLUsers();
    if (sdslen(errors)) {
        ACLSetUsers(old);
        freeUsersDict(loaded, 0);
        return sdscat(errors, "WARNING: ACL errors detected, no change to the previously active ACL rules was performed");
    }
    sdsfree(errors);

    /* Carry the new default rules over to the existing default user. */
    sds dname = sdsnew("default");
    aclUser *newdef = dictFetchValue(loaded, dname);
    if (newdef) {
        dictDelete(loaded, dname);
    } else {
        newdef = ACLCreateUnlinkedUser();
        ACLSetDefaultUserRules(newdef);
    }
    ACLCopyUser(DefaultUser, newdef);
    ACLFreeUser(newdef);
    dictDelete(old, dname);
    sdsfree(dname);
    dictAdd(loaded, DefaultUser->name, DefaultUser);
    freeUsersDict(old, 1);
    return NULL;
}

static sds describeAllUsers(void) {
    size_t n;
    aclUser **users = ACLSortedUsers(&n);
    sds out = sdsempty();
    for (size_t j = 0; j < n; j++) {
        sds d = ACLDescribeUser(users[j]);
        out = sdscatfmt(out, "user %S %S\n", users[j]->name, d);
        sdsfree(d);
    }
    zfree(users);
    return out;
}

/* Write to a temp file and rename it over the ACL file. */
int ACLSaveToFile(const char *filename) {
    sds content = describeAllUsers();
    sds tmp = sdscatfmt(sdsnew(filename), ".tmp-%i-%I", (int)getpid(), mstime());
    int retval = C_ERR;
    int fd = open(tmp, O_WRONLY|O_CREAT|O_TRUNC, 0644);
    if (fd == -1) {
        serverLog(LL_WARNING, "Opening temp ACL file for ACL SAVE: %s", strerror(errno));
    } else if (write(fd, content, sdslen(content)) != (ssize_t)sdslen(content)) {
        serverLog(LL_WARNING, "Writing ACL file for ACL SAVE: %s", strerror(errno));
    } else if (close(fd), fd = -1, rename(tmp, filename) == -1) {
        serverLog(LL_WARNING, "Renaming ACL file for ACL SAVE: %s", strerror(errno));
    } else {
        retval = C_OK;
    }
    if (fd != -1) close(fd);
    if (retval != C_OK) unlink(tmp);
    sdsfree(tmp);
    sdsfree(content);
    return retval;
}

/* ---------------------------------------------------------------------------
 * Users declared in redis.conf, and start-up
 * ------------------------------------------------------------------------ */

/* Was a "user <name>" line for this name already read from redis.conf? */
static int isConfigUserDeclared(sds name) {
    if (!server.config_users) return 0;
    listIter li;
    listNode *ln;
    listRewind(server.config_users, &li);
    while ((ln = listNext(&li))) {
        int argc = 0;
        sds *argv = sdssplitargs(listNodeValue(ln), &argc);
        int same = argv && argc > 0 && sdscmp(argv[0], name) == 0;
        if (argv) sdsfreesplitres(argv, argc);
        if (same) return 1;
    }
    return 0;
}

/* Checked while redis.conf is parsed (argv: name rules...), so a bad line
 * is a FATAL config error. Unknown commands are accepted there (modules
 * may define them later), they fail at start-up instead. */
int ACLValidateConfigUser(sds *argv, int argc, const char **err) {
    static char buf[256];
    if (isConfigUserDeclared(argv[0])) {
        errno = EALREADY;
        snprintf(buf, sizeof(buf), "Error in user declaration '%s': %s", argv[0], ACLSetUserStringError());
        *err = buf;
        return 0;
    }
    int merged = 0, bad = 0;
    sds *rules = ACLMergeSelectorArguments(argv + 1, argc - 1, &merged, &bad);
    if (!rules) {
        /* Stock names the line's word at the selector's index counted from
         * the rules, and reports whatever errno was left: in practice the
         * unknown-name text. */
        errno = ENOENT;
        snprintf(buf, sizeof(buf), "Error in user declaration '%s': %s",
                 bad == 0 ? "user" : argv[bad - 1], ACLSetUserStringError());
        *err = buf;
        return 0;
    }
    aclUser *fake = ACLCreateUnlinkedUser();
    int ok = 1;
    for (int j = 0; j < merged && ok; j++) {
        if (ACLSetUser(fake, rules[j], sdslen(rules[j])) == C_ERR && errno != ENOENT) {
            /* Same off-by-two indexing of the line's words as above. */
            const char *word = j == 0 ? "user" : argv[j - 1];
            snprintf(buf, sizeof(buf), "Error in user declaration '%s': %s", word, ACLSetUserStringError());
            *err = buf;
            ok = 0;
        }
    }
    ACLFreeUser(fake);
    for (int j = 0; j < merged; j++) sdsfree(rules[j]);
    zfree(rules);
    return ok;
}

static int loadConfiguredUsers(void) {
    listIter li;
    listNode *ln;
    if (!server.config_users) return C_OK;
    listRewind(server.config_users, &li);
    while ((ln = listNext(&li))) {
        int argc = 0;
        sds *argv = sdssplitargs(listNodeValue(ln), &argc);
        if (!argv || argc < 1) {
            if (argv) sdsfreesplitres(argv, argc);
            continue;
        }
        if (ACLStringHasSpaces(argv[0], sdslen(argv[0]))) {
            serverLog(LL_WARNING, "Spaces not allowed in ACL usernames");
            sdsfreesplitres(argv, argc);
            return C_ERR;
        }
        aclUser *u = ACLCreateUser(argv[0], sdslen(argv[0]));
        if (!u) {
            u = ACLGetUserByName(argv[0], sdslen(argv[0]));
            ACLSetUser(u, "reset", -1);
        }
        int merged = 0, ok = 1;
        sds *rules = ACLMergeSelectorArguments(argv + 1, argc - 1, &merged, NULL);
        for (int j = 0; rules && j < merged; j++) {
            if (ok && ACLSetUser(u, rules[j], sdslen(rules[j])) != C_OK) {
                serverLog(LL_WARNING, "Error loading ACL rule '%s' for the user named '%s': %s",
                          rules[j], argv[0], ACLSetUserStringError());
                ok = 0;
            }
            sdsfree(rules[j]);
        }
        zfree(rules);
        if (ok && (u->flags & USER_FLAG_DISABLED))
            serverLog(LL_NOTICE, "The user '%s' is disabled (there is no 'on' modifier in the user "
                      "description). Make sure this is not a configuration error.", argv[0]);
        sdsfreesplitres(argv, argc);
        if (!ok) return C_ERR;
    }
    return C_OK;
}

void ACLLoadUsersAtStartup(void) {
    sds pass = server.requirepass ? sdsnew(server.requirepass) : NULL;
    ACLUpdateDefaultUserPassword(pass);
    sdsfree(pass);
    int have_users = server.config_users && listLength(server.config_users);
    if (aclFileConfigured() && have_users) {
        serverLog(LL_WARNING, "Configuring Redis with users defined in redis.conf and at the same "
                  "setting an ACL file path is invalid. This setup is very likely to lead to "
                  "configuration errors and security holes, please define either an ACL file or "
                  "declare users directly in your redis.conf, but not both.");
        exit(1);
    }
    if (loadConfiguredUsers() == C_ERR) {
        serverLog(LL_WARNING, "Critical error while loading ACLs. Exiting.");
        exit(1);
    }
    if (aclFileConfigured()) {
        sds errors = ACLLoadFromFile(server.acl_filename);
        if (errors) {
            serverLog(LL_WARNING, "Aborting Redis startup because of ACL errors: %s", errors);
            sdsfree(errors);
            exit(1);
        }
    }
}

/* CONFIG REWRITE: one "user" line per user ("name rules", without the
 * "user " keyword). */
sds *ACLDescribeUsersForRewrite(int *count) {
    size_t n;
    aclUser **users = ACLSortedUsers(&n);
    sds *lines = zmalloc(sizeof(sds) * (n ? n : 1));
    for (size_t j = 0; j < n; j++) {
        sds d = ACLDescribeUser(users[j]);
        lines[j] = sdscatfmt(sdsempty(), "%S %S", users[j]->name, d);
        sdsfree(d);
    }
    zfree(users);
    *count = (int)n;
    return lines;
}
