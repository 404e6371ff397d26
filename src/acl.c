/* acl.c - ACL users, their rules and the permission checks (see acl.h).
 *
 * Rules are applied one by one to a user (ACLSetUser) and, for the command
 * rules, kept only as their effect: a bitmap of allowed command ids per
 * selector (plus "first-args" for the deprecated +select|0 form). What ACL
 * LIST / GETUSER show is recomputed from the bitmap the way Redis 7.0 does
 * it: start from +@all or -@all, greedily add the categories that best fit
 * the bitmap, then fix single commands. Users are kept in a dict and listed
 * sorted by name.
 */
#include "server.h"
#include "sha256.h"
#include <ctype.h>

#define ACL_CMD_BITS 1024                /* command ids per bitmap */
#define ACL_CMD_WORDS (ACL_CMD_BITS / 64)
#define ACL_FUTURE_BIT (ACL_CMD_BITS - 1) /* set only by +@all */

/* Selector flags */
#define SEL_ROOT (1<<0)
#define SEL_ALLKEYS (1<<1)
#define SEL_ALLCOMMANDS (1<<2)
#define SEL_ALLCHANNELS (1<<3)

/* Key pattern permissions */
#define KEY_PERM_READ (1<<0)
#define KEY_PERM_WRITE (1<<1)
#define KEY_PERM_ALL (KEY_PERM_READ|KEY_PERM_WRITE)

typedef struct keyPattern {
    int perms;
    sds pattern;
} keyPattern;

typedef struct aclSelector {
    int flags;
    uint64_t cmds[ACL_CMD_WORDS];
    list **firstargs;   /* NULL, or per command id NULL or a list of sds */
    list *patterns;     /* keyPattern * */
    list *channels;     /* sds */
} aclSelector;

aclUser *DefaultUser;
static dict *Users;

static const struct { const char *name; uint64_t flag; } aclCategories[] = {
    {"keyspace", ACL_CATEGORY_KEYSPACE}, {"read", ACL_CATEGORY_READ},
    {"write", ACL_CATEGORY_WRITE}, {"set", ACL_CATEGORY_SET},
    {"sortedset", ACL_CATEGORY_SORTEDSET}, {"list", ACL_CATEGORY_LIST},
    {"hash", ACL_CATEGORY_HASH}, {"string", ACL_CATEGORY_STRING},
    {"bitmap", ACL_CATEGORY_BITMAP}, {"hyperloglog", ACL_CATEGORY_HYPERLOGLOG},
    {"geo", ACL_CATEGORY_GEO}, {"stream", ACL_CATEGORY_STREAM},
    {"pubsub", ACL_CATEGORY_PUBSUB}, {"admin", ACL_CATEGORY_ADMIN},
    {"fast", ACL_CATEGORY_FAST}, {"slow", ACL_CATEGORY_SLOW},
    {"blocking", ACL_CATEGORY_BLOCKING}, {"dangerous", ACL_CATEGORY_DANGEROUS},
    {"connection", ACL_CATEGORY_CONNECTION}, {"transaction", ACL_CATEGORY_TRANSACTION},
    {"scripting", ACL_CATEGORY_SCRIPTING}, {NULL, 0}
};
#define ACL_NUM_CATEGORIES 21

/* User flags in the order ACL LIST / GETUSER print them. */
static const struct { const char *name; int flag; } userFlagNames[] = {
    {"on", USER_FLAG_ENABLED}, {"off", USER_FLAG_DISABLED},
    {"nopass", USER_FLAG_NOPASS},
    {"skip-sanitize-payload", USER_FLAG_SANITIZE_PAYLOAD_SKIP},
    {"sanitize-payload", USER_FLAG_SANITIZE_PAYLOAD}, {NULL, 0}
};

int ACLCategoryFlagByName(const char *name) {
    for (int j = 0; aclCategories[j].name; j++)
        if (!strcasecmp(name, aclCategories[j].name)) return j + 1;
    return 0;
}
const char *ACLCategoryName(int index) {
    return index < ACL_NUM_CATEGORIES ? aclCategories[index].name : NULL;
}
uint64_t ACLCategoryFlag(int index) {
    return index < ACL_NUM_CATEGORIES ? aclCategories[index].flag : 0;
}

int ACLStringHasSpaces(const char *s, size_t len) {
    for (size_t j = 0; j < len; j++)
        if (isspace((unsigned char)s[j]) || s[j] == 0) return 1;
    return 0;
}

static sds hashPassword(const char *p, size_t len) {
    unsigned char d[SHA256_DIGEST_LEN];
    char hex[65];
    sha256(p, len, d);
    sha256Hex(d, hex);
    return sdsnewlen(hex, 64);
}

/* "#<hash>" rules take exactly what hashPassword() produces. */
static int isValidPasswordHash(const char *h, size_t len) {
    if (len != 64) return 0;
    for (size_t j = 0; j < len; j++)
        if (!((h[j] >= 'a' && h[j] <= 'f') || (h[j] >= '0' && h[j] <= '9'))) return 0;
    return 1;
}

/* ---------------------------------------------------------------------------
 * Selectors
 * ------------------------------------------------------------------------ */

static int sdsListMatch(void *a, void *b) { return sdscmp(a, b) == 0; }
static void sdsListFree(void *a) { sdsfree(a); }
static void *sdsListDup(void *a) { return sdsdup(a); }
static int keyPatternMatch(void *a, void *b) {
    return sdscmp(((keyPattern *)a)->pattern, ((keyPattern *)b)->pattern) == 0;
}
static void keyPatternFree(void *a) {
    sdsfree(((keyPattern *)a)->pattern);
    zfree(a);
}
static void *keyPatternDup(void *a) {
    keyPattern *src = a, *kp = zmalloc(sizeof(*kp));
    kp->perms = src->perms;
    kp->pattern = sdsdup(src->pattern);
    return kp;
}

static list *createSdsList(void) {
    list *l = listCreate();
    listSetMatchMethod(l, sdsListMatch);
    listSetFreeMethod(l, sdsListFree);
    listSetDupMethod(l, sdsListDup);
    return l;
}

/* New selectors start with no permissions, except channels when
 * acl-pubsub-default is allchannels. */
static aclSelector *selectorCreate(int flags) {
    aclSelector *s = zcalloc(sizeof(*s));
    s->flags = flags;
    if (server.acl_pubsub_default == ACL_PUBSUB_ALLCHANNELS_CFG) s->flags |= SEL_ALLCHANNELS;
    s->patterns = listCreate();
    listSetMatchMethod(s->patterns, keyPatternMatch);
    listSetFreeMethod(s->patterns, keyPatternFree);
    listSetDupMethod(s->patterns, keyPatternDup);
    s->channels = createSdsList();
    return s;
}

static void selectorResetFirstArgs(aclSelector *s) {
    if (!s->firstargs) return;
    for (int j = 0; j < ACL_CMD_BITS; j++)
        if (s->firstargs[j]) listRelease(s->firstargs[j]);
    zfree(s->firstargs);
    s->firstargs = NULL;
}

static void selectorResetFirstArgsOf(aclSelector *s, int id) {
    if (s->firstargs && s->firstargs[id]) {
        listRelease(s->firstargs[id]);
        s->firstargs[id] = NULL;
    }
}

static void selectorAddFirstArg(aclSelector *s, int id, const char *arg) {
    if (!s->firstargs) s->firstargs = zcalloc(sizeof(list *) * ACL_CMD_BITS);
    if (!s->firstargs[id]) s->firstargs[id] = createSdsList();
    listIter li;
    listNode *ln;
    listRewind(s->firstargs[id], &li);
    while ((ln = listNext(&li)))
        if (!strcasecmp(listNodeValue(ln), arg)) return;
    listAddNodeTail(s->firstargs[id], sdsnew(arg));
}

static void selectorFree(void *p) {
    aclSelector *s = p;
    listRelease(s->patterns);
    listRelease(s->channels);
    selectorResetFirstArgs(s);
    zfree(s);
}

static void *selectorDup(void *p) {
    aclSelector *src = p, *s = zmalloc(sizeof(*s));
    s->flags = src->flags;
    memcpy(s->cmds, src->cmds, sizeof(s->cmds));
    s->patterns = listDup(src->patterns);
    s->channels = listDup(src->channels);
    s->firstargs = NULL;
    if (src->firstargs) {
        s->firstargs = zcalloc(sizeof(list *) * ACL_CMD_BITS);
        for (int j = 0; j < ACL_CMD_BITS; j++)
            if (src->firstargs[j]) s->firstargs[j] = listDup(src->firstargs[j]);
    }
    return s;
}

static int selectorGetBit(const aclSelector *s, int id) {
    if (id < 0 || id >= ACL_CMD_BITS) return 0;
    return (s->cmds[id / 64] >> (id % 64)) & 1;
}

static void selectorSetBit(aclSelector *s, int id, int on) {
    if (id < 0 || id >= ACL_CMD_BITS) return;
    if (on) {
        s->cmds[id / 64] |= 1ULL << (id % 64);
    } else {
        s->cmds[id / 64] &= ~(1ULL << (id % 64));
        s->flags &= ~SEL_ALLCOMMANDS;
    }
}

/* Allowing or blocking a container also applies to its subcommands. */
static void selectorChangeCommand(aclSelector *s, struct redisCommand *cmd, int on) {
    selectorSetBit(s, cmd->id, on);
    selectorResetFirstArgsOf(s, cmd->id);
    if (!cmd->subcommands_dict) return;
    dictIterator *di = dictGetIterator(cmd->subcommands_dict);
    dictEntry *de;
    while ((de = dictNext(di))) selectorSetBit(s, ((struct redisCommand *)dictGetVal(de))->id, on);
    dictReleaseIterator(di);
}

static void selectorChangeCategory(dict *commands, aclSelector *s, uint64_t flag, int on) {
    dictIterator *di = dictGetIterator(commands);
    dictEntry *de;
    while ((de = dictNext(di))) {
        struct redisCommand *cmd = dictGetVal(de);
        if (cmd->flags & CMD_MODULE) continue;
        if (cmd->acl_categories & flag) selectorChangeCommand(s, cmd, on);
        if (cmd->subcommands_dict) selectorChangeCategory(cmd->subcommands_dict, s, flag, on);
    }
    dictReleaseIterator(di);
}

static void countCategoryBits(dict *commands, const aclSelector *s, uint64_t flag,
                              unsigned long *on, unsigned long *off) {
    dictIterator *di = dictGetIterator(commands);
    dictEntry *de;
    while ((de = dictNext(di))) {
        struct redisCommand *cmd = dictGetVal(de);
        if (cmd->acl_categories & flag) {
            if (selectorGetBit(s, cmd->id)) (*on)++;
            else (*off)++;
        }
        if (cmd->subcommands_dict) countCategoryBits(cmd->subcommands_dict, s, flag, on, off);
    }
    dictReleaseIterator(di);
}

/* ACL rules name commands as in the original table (rename-command does
 * not change them); "config|get" names a subcommand. */
static struct redisCommand *aclLookupCommand(const char *name) {
    const char *bar = strchr(name, '|');
    sds base = sdsnewlen(name, bar ? (size_t)(bar - name) : strlen(name));
    struct redisCommand *cmd = dictFetchValue(server.orig_commands, base);
    sdsfree(base);
    if (!cmd || !bar) return cmd;
    if (strchr(bar + 1, '|')) return NULL;
    sds sub = sdsnew(bar + 1);
    struct redisCommand *subcmd = cmd->subcommands_dict ? dictFetchValue(cmd->subcommands_dict, sub) : NULL;
    sdsfree(sub);
    return subcmd;
}

/* Rules that apply to a selector: errno tells ACLSetUserStringError() why
 * a rule failed. */
static int selectorKeyRule(aclSelector *s, const char *op, size_t oplen) {
    if (s->flags & SEL_ALLKEYS) {
        errno = EEXIST;
        return C_ERR;
    }
    int perms = 0;
    size_t off = 1;
    if (op[0] == '%') {
        for (; off < oplen; off++) {
            char ch = toupper((unsigned char)op[off]);
            if (ch == 'R' && !(perms & KEY_PERM_READ)) perms |= KEY_PERM_READ;
            else if (ch == 'W' && !(perms & KEY_PERM_WRITE)) perms |= KEY_PERM_WRITE;
            else if (op[off] == '~') {
                off++;
                break;
            } else {
                errno = EINVAL;
                return C_ERR;
            }
        }
        if (perms == 0) {
            errno = EINVAL;
            return C_ERR;
        }
    } else {
        perms = KEY_PERM_ALL;
    }
    if (ACLStringHasSpaces(op + off, oplen - off)) {
        errno = EINVAL;
        return C_ERR;
    }
    keyPattern probe = {perms, sdsnewlen(op + off, oplen - off)};
    listNode *ln = listSearchKey(s->patterns, &probe);
    if (ln) {
        ((keyPattern *)listNodeValue(ln))->perms |= perms;
        sdsfree(probe.pattern);
    } else {
        listAddNodeTail(s->patterns, keyPatternDup(&probe));
        sdsfree(probe.pattern);
    }
    s->flags &= ~SEL_ALLKEYS;
    return C_OK;
}

static int selectorChannelRule(aclSelector *s, const char *op, size_t oplen) {
    if (s->flags & SEL_ALLCHANNELS) {
        errno = EISDIR;
        return C_ERR;
    }
    if (ACLStringHasSpaces(op + 1, oplen - 1)) {
        errno = EINVAL;
        return C_ERR;
    }
    sds pat = sdsnewlen(op + 1, oplen - 1);
    if (listSearchKey(s->channels, pat)) sdsfree(pat);
    else listAddNodeTail(s->channels, pat);
    s->flags &= ~SEL_ALLCHANNELS;
    return C_OK;
}

/* +cmd, +cmd|sub, and the deprecated +cmd|firstarg. */
static int selectorAllowRule(aclSelector *s, const char *name) {
    const char *bar = strrchr(name, '|');
    if (!bar) {
        struct redisCommand *cmd = aclLookupCommand(name);
        if (!cmd) {
            errno = ENOENT;
            return C_ERR;
        }
        selectorChangeCommand(s, cmd, 1);
        return C_OK;
    }
    sds base = sdsnewlen(name, bar - name);
    struct redisCommand *cmd = aclLookupCommand(base);
    sdsfree(base);
    if (!cmd) {
        errno = ENOENT;
        return C_ERR;
    }
    if (cmd->parent) {
        errno = ECHILD;
        return C_ERR;
    }
    if (bar[1] == '\0') {
        errno = EINVAL;
        return C_ERR;
    }
    if (cmd->subcommands_dict) {
        struct redisCommand *sub = aclLookupCommand(name);
        if (!sub) {
            errno = ENOENT;
            return C_ERR;
        }
        selectorChangeCommand(s, sub, 1);
    } else {
        serverLog(LL_WARNING, "Deprecation warning: Allowing a first arg of an otherwise "
                  "blocked command is a misuse of ACL and may get disabled in the future "
                  "(offender: +%s)", name);
        selectorAddFirstArg(s, cmd->id, bar + 1);
    }
    return C_OK;
}

static int selectorSetRule(aclSelector *s, const char *op, size_t oplen) {
    if (!strcasecmp(op, "allkeys") || !strcasecmp(op, "~*")) {
        s->flags |= SEL_ALLKEYS;
        listEmpty(s->patterns);
    } else if (!strcasecmp(op, "resetkeys")) {
        s->flags &= ~SEL_ALLKEYS;
        listEmpty(s->patterns);
    } else if (!strcasecmp(op, "allchannels") || !strcasecmp(op, "&*")) {
        s->flags |= SEL_ALLCHANNELS;
        listEmpty(s->channels);
    } else if (!strcasecmp(op, "resetchannels")) {
        s->flags &= ~SEL_ALLCHANNELS;
        listEmpty(s->channels);
    } else if (!strcasecmp(op, "allcommands") || !strcasecmp(op, "+@all")) {
        memset(s->cmds, 0xff, sizeof(s->cmds));
        s->flags |= SEL_ALLCOMMANDS;
        selectorResetFirstArgs(s);
    } else if (!strcasecmp(op, "nocommands") || !strcasecmp(op, "-@all")) {
        memset(s->cmds, 0, sizeof(s->cmds));
        s->flags &= ~SEL_ALLCOMMANDS;
        selectorResetFirstArgs(s);
    } else if (op[0] == '~' || op[0] == '%') {
        return selectorKeyRule(s, op, oplen);
    } else if (op[0] == '&') {
        return selectorChannelRule(s, op, oplen);
    } else if (op[0] == '+' && op[1] != '@') {
        return selectorAllowRule(s, op + 1);
    } else if (op[0] == '-' && op[1] != '@') {
        struct redisCommand *cmd = aclLookupCommand(op + 1);
        if (!cmd) {
            errno = ENOENT;
            return C_ERR;
        }
        selectorChangeCommand(s, cmd, 0);
    } else if ((op[0] == '+' || op[0] == '-') && op[1] == '@') {
        int cat = ACLCategoryFlagByName(op + 2);
        if (!cat) {
            errno = ENOENT;
            return C_ERR;
        }
        selectorChangeCategory(server.orig_commands, s, aclCategories[cat - 1].flag, op[0] == '+');
    } else {
        errno = EINVAL;
        return C_ERR;
    }
    return C_OK;
}

/* "(rule rule ...)": a new selector, or NULL (errno set) on a bad rule. */
static aclSelector *selectorFromOpSet(const char *op, size_t oplen) {
    aclSelector *s = selectorCreate(0);
    sds inner = sdsnewlen(op + 1, oplen - 2);
    int argc = 0;
    sds *argv = sdssplitargs(inner, &argc);
    for (int j = 0; j < argc; j++) {
        if (selectorSetRule(s, argv[j], sdslen(argv[j])) == C_ERR) {
            selectorFree(s);
            s = NULL;
            break;
        }
    }
    /* Unbalanced quotes inside the parentheses give no rules at all: an
     * empty selector, as stock does. */
    if (argv) sdsfreesplitres(argv, argc);
    sdsfree(inner);
    return s;
}

/* ---------------------------------------------------------------------------
 * Users
 * ------------------------------------------------------------------------ */

static uint64_t userNameHash(const void *key) {
    return dictGenHashFunction(key, sdslen((sds)key));
}
static int userNameCompare(dict *d, const void *a, const void *b) {
    (void)d;
    return sdslen((sds)a) == sdslen((sds)b) && memcmp(a, b, sdslen((sds)a)) == 0;
}
/* Keys are the users' own names: the user owns them. */
static dictType userDictType = {userNameHash, NULL, NULL, userNameCompare, NULL, NULL, NULL};

static aclSelector *rootSelector(aclUser *u) {
    return listNodeValue(listFirst(u->selectors));
}

static aclUser *userAlloc(const char *name, size_t namelen) {
    aclUser *u = zmalloc(sizeof(*u));
    u->name = sdsnewlen(name, namelen);
    u->flags = USER_FLAG_DISABLED;
    u->passwords = createSdsList();
    u->selectors = listCreate();
    listSetFreeMethod(u->selectors, selectorFree);
    listSetDupMethod(u->selectors, selectorDup);
    listAddNodeHead(u->selectors, selectorCreate(SEL_ROOT));
    return u;
}

aclUser *ACLCreateUser(const char *name, size_t namelen) {
    if (ACLGetUserByName(name, namelen)) return NULL;
    aclUser *u = userAlloc(name, namelen);
    dictAdd(Users, u->name, u);
    return u;
}

/* A user outside the users table, to stage rules on. */
aclUser *ACLCreateUnlinkedUser(void) {
    return userAlloc("__fakeuser__", 12);
}

void ACLFreeUser(aclUser *u) {
    sdsfree(u->name);
    listRelease(u->passwords);
    listRelease(u->selectors);
    zfree(u);
}

void ACLCopyUser(aclUser *dst, aclUser *src) {
    listRelease(dst->passwords);
    listRelease(dst->selectors);
    dst->passwords = listDup(src->passwords);
    dst->selectors = listDup(src->selectors);
    dst->flags = src->flags;
}

/* The user is gone: its connections go too (the current one after its
 * reply), falling back to the unauthenticated default user meanwhile. */
void ACLFreeUserAndKillClients(aclUser *u) {
    listIter li;
    listNode *ln;
    listRewind(server.clients, &li);
    while ((ln = listNext(&li))) {
        client *c = listNodeValue(ln);
        if (c->user != u) continue;
        c->user = DefaultUser;
        c->authenticated = 0;
        if (c == server.current_client) c->flags |= CLIENT_CLOSE_AFTER_REPLY;
        else freeClientAsync(c);
    }
    ACLFreeUser(u);
}

aclUser *ACLGetUserByName(const char *name, size_t namelen) {
    sds key = sdsnewlen(name, namelen);
    aclUser *u = dictFetchValue(Users, key);
    sdsfree(key);
    return u;
}

dict *ACLUsers(void) { return Users; }
dict *ACLCreateUsersDict(void) { return dictCreate(&userDictType); }
void ACLSetUsers(dict *users) { Users = users; }

static int compareUsers(const void *a, const void *b) {
    return sdscmp((*(aclUser **)a)->name, (*(aclUser **)b)->name);
}

aclUser **ACLSortedUsers(size_t *count) {
    *count = dictSize(Users);
    aclUser **arr = zmalloc(sizeof(aclUser *) * (*count + 1));
    dictIterator *di = dictGetIterator(Users);
    dictEntry *de;
    size_t n = 0;
    while ((de = dictNext(di))) arr[n++] = dictGetVal(de);
    dictReleaseIterator(di);
    qsort(arr, n, sizeof(aclUser *), compareUsers);
    return arr;
}

static int passwordRule(aclUser *u, const char *op, size_t oplen) {
    int add = (op[0] == '>' || op[0] == '#');
    sds hash;
    if (op[0] == '>' || op[0] == '<') {
        hash = hashPassword(op + 1, oplen - 1);
    } else {
        if (!isValidPasswordHash(op + 1, oplen - 1)) {
            errno = EBADMSG;
            return C_ERR;
        }
        hash = sdsnewlen(op + 1, oplen - 1);
    }
    listNode *ln = listSearchKey(u->passwords, hash);
    if (add) {
        if (ln) sdsfree(hash);
        else listAddNodeTail(u->passwords, hash);
        u->flags &= ~USER_FLAG_NOPASS;
        return C_OK;
    }
    sdsfree(hash);
    if (!ln) {
        errno = ENODEV;
        return C_ERR;
    }
    listDelNode(u->passwords, ln);
    return C_OK;
}

static void setUserFlag(aclUser *u, int set, int clear) {
    u->flags |= set;
    u->flags &= ~clear;
}

int ACLSetUser(aclUser *u, const char *op, ssize_t oplen) {
    if (oplen == -1) oplen = strlen(op);
    if (oplen == 0) return C_OK;
    if (!strcasecmp(op, "on")) {
        setUserFlag(u, USER_FLAG_ENABLED, USER_FLAG_DISABLED);
    } else if (!strcasecmp(op, "off")) {
        setUserFlag(u, USER_FLAG_DISABLED, USER_FLAG_ENABLED);
    } else if (!strcasecmp(op, "skip-sanitize-payload")) {
        setUserFlag(u, USER_FLAG_SANITIZE_PAYLOAD_SKIP, USER_FLAG_SANITIZE_PAYLOAD);
    } else if (!strcasecmp(op, "sanitize-payload")) {
        setUserFlag(u, USER_FLAG_SANITIZE_PAYLOAD, USER_FLAG_SANITIZE_PAYLOAD_SKIP);
    } else if (!strcasecmp(op, "nopass")) {
        u->flags |= USER_FLAG_NOPASS;
        listEmpty(u->passwords);
    } else if (!strcasecmp(op, "resetpass")) {
        u->flags &= ~USER_FLAG_NOPASS;
        listEmpty(u->passwords);
    } else if (op[0] == '>' || op[0] == '#' || op[0] == '<' || op[0] == '!') {
        return passwordRule(u, op, oplen);
    } else if (op[0] == '(' && op[oplen - 1] == ')') {
        aclSelector *s = selectorFromOpSet(op, oplen);
        if (!s) return C_ERR;
        listAddNodeTail(u->selectors, s);
    } else if (!strcasecmp(op, "clearselectors")) {
        while (listLength(u->selectors) > 1) listDelNode(u->selectors, listLast(u->selectors));
    } else if (!strcasecmp(op, "reset")) {
        static const char *steps[] = {"resetpass", "resetkeys", "resetchannels", "off",
                                      "sanitize-payload", "clearselectors", "-@all", NULL};
        for (int j = 0; steps[j]; j++) {
            ACLSetUser(u, steps[j], -1);
            /* The pub/sub default applies right after resetchannels. */
            if (j == 2 && server.acl_pubsub_default == ACL_PUBSUB_ALLCHANNELS_CFG)
                ACLSetUser(u, "allchannels", -1);
        }
    } else {
        return selectorSetRule(rootSelector(u), op, oplen);
    }
    return C_OK;
}

const char *ACLSetUserStringError(void) {
    switch (errno) {
    case ENOENT: return "Unknown command or category name in ACL";
    case EINVAL: return "Syntax error";
    case EEXIST:
        return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid "
               "and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    case EISDIR:
        return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid "
               "and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
    case ENODEV: return "The password you are trying to remove from the user does not exist";
    case EBADMSG:
        return "The password hash must be exactly 64 characters and contain only lowercase "
               "hexadecimal characters";
    case EALREADY: return "Duplicate user found. A user can only be defined once in config files";
    case ECHILD: return "Allowing first-arg of a subcommand is not supported";
    default: return "Wrong format";
    }
}

/* A selector may be written over several arguments ("(+get" "~k)"): join
 * them. Returns a new array (every element a new sds), or NULL with
 * *invalid_idx set to where an unclosed "(" starts. */
sds *ACLMergeSelectorArguments(sds *argv, int argc, int *merged_argc, int *invalid_idx) {
    sds *out = zmalloc(sizeof(sds) * (argc ? argc : 1));
    int n = 0, open = -1;
    sds cur = NULL;
    for (int j = 0; j < argc; j++) {
        sds a = argv[j];
        size_t len = sdslen(a);
        if (len && a[0] == '(' && a[len - 1] != ')') {
            /* A new "(" while one is open starts over, as stock does. */
            sdsfree(cur);
            cur = sdsdup(a);
            open = j;
        } else if (open != -1) {
            cur = sdscatfmt(cur, " %S", a);
            if (len && a[len - 1] == ')') {
                out[n++] = cur;
                cur = NULL;
                open = -1;
            }
        } else {
            out[n++] = sdsdup(a);
        }
    }
    if (open != -1) {
        for (int j = 0; j < n; j++) sdsfree(out[j]);
        zfree(out);
        sdsfree(cur);
        if (invalid_idx) *invalid_idx = open;
        *merged_argc = 0;
        return NULL;
    }
    *merged_argc = n;
    return out;
}

/* ---------------------------------------------------------------------------
 * Descriptions (ACL LIST, GETUSER, SAVE, CONFIG REWRITE)
 * ------------------------------------------------------------------------ */

static sds catKeyPattern(sds s, keyPattern *kp) {
    if (kp->perms == KEY_PERM_ALL) s = sdscatlen(s, "~", 1);
    else if (kp->perms == KEY_PERM_READ) s = sdscatlen(s, "%R~", 3);
    else s = sdscatlen(s, "%W~", 3);
    return sdscatsds(s, kp->pattern);
}

/* Single command differences between the user's bitmap and the one the
 * rules emitted so far produce: containers before their subcommands, and
 * first-args of blocked commands. */
static sds describeSingleCommands(aclSelector *s, aclSelector *fake, sds rules, dict *commands) {
    dictIterator *di = dictGetIterator(commands);
    dictEntry *de;
    while ((de = dictNext(di))) {
        struct redisCommand *cmd = dictGetVal(de);
        int want = selectorGetBit(s, cmd->id);
        if (want != selectorGetBit(fake, cmd->id)) {
            rules = sdscatfmt(rules, "%s%S ", want ? "+" : "-", cmd->fullname);
            selectorChangeCommand(fake, cmd, want);
        }
        if (cmd->subcommands_dict)
            rules = describeSingleCommands(s, fake, rules, cmd->subcommands_dict);
        if (!want && s->firstargs && s->firstargs[cmd->id]) {
            listIter li;
            listNode *ln;
            listRewind(s->firstargs[cmd->id], &li);
            while ((ln = listNext(&li)))
                rules = sdscatfmt(rules, "+%S|%S ", cmd->fullname, (sds)listNodeValue(ln));
        }
    }
    dictReleaseIterator(di);
    return rules;
}

/* Start from +@all when the selector may run future commands, else from
 * -@all; then repeatedly pick the category that shares the most commands
 * with what is still to describe while differing the least; then fix
 * single commands. */
static sds describeCommandRules(aclSelector *s) {
    int additive = !selectorGetBit(s, ACL_FUTURE_BIT);
    sds rules = sdsnew(additive ? "-@all " : "+@all ");
    aclSelector fake = {0}, todo = {0};
    if (!additive) memset(fake.cmds, 0xff, sizeof(fake.cmds));
    memcpy(todo.cmds, s->cmds, sizeof(todo.cmds));
    char applied[ACL_NUM_CATEGORIES] = {0};

    while (1) {
        int best = -1;
        unsigned long mindiff = INT_MAX, maxsame = 0;
        for (int j = 0; j < ACL_NUM_CATEGORIES; j++) {
            if (applied[j]) continue;
            unsigned long on = 0, off = 0;
            countCategoryBits(server.orig_commands, &todo, aclCategories[j].flag, &on, &off);
            unsigned long diff = additive ? off : on, same = additive ? on : off;
            if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
                best = j;
                mindiff = diff;
                maxsame = same;
            }
        }
        if (best == -1) break;
        uint64_t flag = aclCategories[best].flag;
        selectorChangeCategory(server.orig_commands, &fake, flag, additive);
        selectorChangeCategory(server.orig_commands, &todo, flag, !additive);
        rules = sdscatfmt(rules, "%s@%s ", additive ? "+" : "-", aclCategories[best].name);
        applied[best] = 1;
    }
    rules = describeSingleCommands(s, &fake, rules, server.orig_commands);
    selectorResetFirstArgs(&fake);
    selectorResetFirstArgs(&todo);
    sdsrange(rules, 0, -2);
    return rules;
}

static sds describeSelector(aclSelector *s) {
    listIter li;
    listNode *ln;
    sds res = sdsempty();
    if (s->flags & SEL_ALLKEYS) {
        res = sdscat(res, "~* ");
    } else {
        listRewind(s->patterns, &li);
        while ((ln = listNext(&li))) {
            res = catKeyPattern(res, listNodeValue(ln));
            res = sdscatlen(res, " ", 1);
        }
    }
    if (s->flags & SEL_ALLCHANNELS) {
        res = sdscat(res, "&* ");
    } else {
        res = sdscat(res, "resetchannels ");
        listRewind(s->channels, &li);
        while ((ln = listNext(&li))) res = sdscatfmt(res, "&%S ", (sds)listNodeValue(ln));
    }
    sds rules = describeCommandRules(s);
    res = sdscatsds(res, rules);
    sdsfree(rules);
    return res;
}

sds ACLDescribeUser(aclUser *u) {
    sds res = sdsempty();
    for (int j = 0; userFlagNames[j].name; j++)
        if (u->flags & userFlagNames[j].flag) res = sdscatfmt(res, "%s ", userFlagNames[j].name);
    listIter li;
    listNode *ln;
    listRewind(u->passwords, &li);
    while ((ln = listNext(&li))) res = sdscatfmt(res, "#%S ", (sds)listNodeValue(ln));
    listRewind(u->selectors, &li);
    while ((ln = listNext(&li))) {
        aclSelector *s = listNodeValue(ln);
        sds d = describeSelector(s);
        if (s->flags & SEL_ROOT) res = sdscatsds(res, d);
        else res = sdscatfmt(res, " (%S)", d);
        sdsfree(d);
    }
    return res;
}

/* commands, keys and channels of one selector, as ACL GETUSER shows them. */
static void addReplySelector(client *c, aclSelector *s) {
    listIter li;
    listNode *ln;
    addReplyBulkCString(c, "commands");
    addReplyBulkSds(c, describeCommandRules(s));
    addReplyBulkCString(c, "keys");
    sds keys = sdsempty();
    if (s->flags & SEL_ALLKEYS) {
        keys = sdscat(keys, "~*");
    } else {
        listRewind(s->patterns, &li);
        while ((ln = listNext(&li))) {
            if (sdslen(keys)) keys = sdscatlen(keys, " ", 1);
            keys = catKeyPattern(keys, listNodeValue(ln));
        }
    }
    addReplyBulkSds(c, keys);
    addReplyBulkCString(c, "channels");
    sds chans = sdsempty();
    if (s->flags & SEL_ALLCHANNELS) {
        chans = sdscat(chans, "&*");
    } else {
        listRewind(s->channels, &li);
        while ((ln = listNext(&li))) {
            if (sdslen(chans)) chans = sdscatlen(chans, " ", 1);
            chans = sdscatfmt(chans, "&%S", (sds)listNodeValue(ln));
        }
    }
    addReplyBulkSds(c, chans);
}

/* ACL GETUSER's reply. */
void ACLAddReplyUser(client *c, aclUser *u) {
    addReplyMapLen(c, 6);
    addReplyBulkCString(c, "flags");
    int nflags = 0;
    for (int j = 0; userFlagNames[j].name; j++)
        if (u->flags & userFlagNames[j].flag) nflags++;
    addReplySetLen(c, nflags);
    for (int j = 0; userFlagNames[j].name; j++)
        if (u->flags & userFlagNames[j].flag) addReplyBulkCString(c, userFlagNames[j].name);
    addReplyBulkCString(c, "passwords");
    addReplyArrayLen(c, listLength(u->passwords));
    listIter li;
    listNode *ln;
    listRewind(u->passwords, &li);
    while ((ln = listNext(&li))) addReplyBulkSds(c, sdsdup(listNodeValue(ln)));
    addReplySelector(c, rootSelector(u));
    addReplyBulkCString(c, "selectors");
    addReplyArrayLen(c, listLength(u->selectors) - 1);
    listRewind(u->selectors, &li);
    listNext(&li);
    while ((ln = listNext(&li))) {
        addReplyMapLen(c, 3);
        addReplySelector(c, listNodeValue(ln));
    }
}

/* ---------------------------------------------------------------------------
 * Authentication
 * ------------------------------------------------------------------------ */

/* What "default" is when nothing configures it. */
void ACLSetDefaultUserRules(aclUser *u) {
    static const char *rules[] = {"+@all", "~*", "&*", "on", "nopass", NULL};
    for (int j = 0; rules[j]; j++) ACLSetUser(u, rules[j], -1);
}

void ACLInit(void) {
    if (commandTableMaxId() >= ACL_FUTURE_BIT)
        serverPanic("ACL: too many commands for the permission bitmaps");
    Users = dictCreate(&userDictType);
    DefaultUser = ACLCreateUser("default", 7);
    ACLSetDefaultUserRules(DefaultUser);
    ACLLogInit();
}

/* New connections are logged in as default when it needs no password. */
static int userAutoAuthenticates(aclUser *u) {
    return (u->flags & USER_FLAG_NOPASS) && !(u->flags & USER_FLAG_DISABLED);
}

void ACLClientSetDefaultUser(client *c) {
    c->user = DefaultUser;
    c->authenticated = userAutoAuthenticates(DefaultUser);
}

int authRequired(client *c) {
    return !userAutoAuthenticates(DefaultUser) && !c->authenticated;
}

/* Constant time comparison of two password hashes (both 64 bytes). */
static int hashesEqual(const char *a, const char *b) {
    unsigned char diff = 0;
    for (int j = 0; j < 64; j++) diff |= (unsigned char)(a[j] ^ b[j]);
    return diff == 0;
}

int ACLCheckUserCredentials(robj *username, robj *password) {
    aclUser *u = ACLGetUserByName(username->ptr, sdslen(username->ptr));
    if (!u) {
        errno = ENOENT;
        return C_ERR;
    }
    if (u->flags & USER_FLAG_DISABLED) {
        errno = EINVAL;
        return C_ERR;
    }
    if (u->flags & USER_FLAG_NOPASS) return C_OK;
    sds hash = hashPassword(password->ptr, sdslen(password->ptr));
    int ok = 0;
    listIter li;
    listNode *ln;
    listRewind(u->passwords, &li);
    while ((ln = listNext(&li)))
        if (hashesEqual(hash, listNodeValue(ln))) ok = 1;
    sdsfree(hash);
    if (ok) return C_OK;
    errno = EINVAL;
    return C_ERR;
}

int ACLAuthenticateUser(client *c, robj *username, robj *password) {
    if (ACLCheckUserCredentials(username, password) == C_OK) {
        c->authenticated = 1;
        c->user = ACLGetUserByName(username->ptr, sdslen(username->ptr));
        return C_OK;
    }
    addACLLogEntry(c, ACL_DENIED_AUTH,
                   (c->flags & CLIENT_MULTI) ? ACL_LOG_CTX_MULTI : ACL_LOG_CTX_TOPLEVEL,
                   0, username->ptr, NULL);
    return C_ERR;
}

/* requirepass is the default user's only password ("" or none: nopass). */
void ACLUpdateDefaultUserPassword(sds password) {
    ACLSetUser(DefaultUser, "resetpass", -1);
    if (password && sdslen(password)) {
        sds op = sdscatsds(sdsnew(">"), password);
        ACLSetUser(DefaultUser, op, sdslen(op));
        sdsfree(op);
    } else {
        ACLSetUser(DefaultUser, "nopass", -1);
    }
}

/* ---------------------------------------------------------------------------
 * Permission checks
 * ------------------------------------------------------------------------ */

static int selectorCheckKey(aclSelector *s, const char *key, size_t keylen, int specflags) {
    if (s->flags & SEL_ALLKEYS) return ACL_OK;
    int need = 0;
    if (specflags & CMD_KEY_ACCESS) need |= KEY_PERM_READ;
    if (specflags & (CMD_KEY_INSERT|CMD_KEY_DELETE|CMD_KEY_UPDATE)) need |= KEY_PERM_WRITE;
    listIter li;
    listNode *ln;
    listRewind(s->patterns, &li);
    while ((ln = listNext(&li))) {
        keyPattern *kp = listNodeValue(ln);
        if ((kp->perms & need) != need) continue;
        if (stringmatchlen(kp->pattern, sdslen(kp->pattern), key, keylen, 0)) return ACL_OK;
    }
    return ACL_DENIED_KEY;
}

/* Subscribing to a pattern needs that very pattern in the list; other
 * channels are matched against the list's patterns. */
static int channelAllowedByList(list *channels, const char *ch, size_t chlen, int literal) {
    listIter li;
    listNode *ln;
    listRewind(channels, &li);
    while ((ln = listNext(&li))) {
        sds pat = listNodeValue(ln);
        if (literal ? (sdslen(pat) == chlen && !memcmp(pat, ch, chlen))
                    : stringmatchlen(pat, sdslen(pat), ch, chlen, 0))
            return 1;
    }
    return 0;
}

/* Which arguments of a command are channels (checked by name so pub/sub
 * commands are covered whatever module defines them). Returns 0 when the
 * command takes no channels worth checking. */
static int commandChannelArgs(struct redisCommand *cmd, int argc, int *first, int *last, int *literal) {
    if (cmd->parent) return 0;
    const char *n = cmd->declared_name;
    *literal = 0;
    *first = 1;
    if (!strcasecmp(n, "publish") || !strcasecmp(n, "spublish")) {
        *last = 1;
    } else if (!strcasecmp(n, "subscribe") || !strcasecmp(n, "ssubscribe")) {
        *last = argc - 1;
    } else if (!strcasecmp(n, "psubscribe")) {
        *last = argc - 1;
        *literal = 1;
    } else {
        return 0;
    }
    return 1;
}

typedef struct keysCache {
    int init;
    getKeysResult keys;
} keysCache;

static int selectorCheckCommand(aclSelector *s, struct redisCommand *cmd, robj **argv, int argc,
                                int *idxptr, keysCache *cache) {
    if (!(s->flags & SEL_ALLCOMMANDS) && !(cmd->flags & CMD_NO_AUTH) &&
        !selectorGetBit(s, cmd->id)) {
        /* Maybe allowed with this first argument only (+select|0). */
        int idx = cmd->parent ? 2 : 1;
        if (argc <= idx || !s->firstargs || !s->firstargs[cmd->id]) return ACL_DENIED_CMD;
        int found = 0;
        listIter li;
        listNode *ln;
        listRewind(s->firstargs[cmd->id], &li);
        while ((ln = listNext(&li)))
            if (!strcasecmp(argv[idx]->ptr, listNodeValue(ln))) found = 1;
        if (!found) return ACL_DENIED_CMD;
    }
    if (!(s->flags & SEL_ALLKEYS) && doesCommandHaveKeys(cmd)) {
        if (!cache->init) {
            getKeysResultInit(&cache->keys);
            getKeysFromCommandWithSpecs(cmd, argv, argc, GET_KEYSPEC_DEFAULT, &cache->keys);
            cache->init = 1;
        }
        keyReference *refs = cache->keys.keys;
        for (int j = 0; j < cache->keys.numkeys; j++) {
            robj *k = argv[refs[j].pos];
            if (selectorCheckKey(s, k->ptr, sdslen(k->ptr), refs[j].flags) != ACL_OK) {
                *idxptr = refs[j].pos;
                return ACL_DENIED_KEY;
            }
        }
    }
    int first, last, literal;
    if (!(s->flags & SEL_ALLCHANNELS) && commandChannelArgs(cmd, argc, &first, &last, &literal)) {
        for (int j = first; j <= last && j < argc; j++) {
            if (!channelAllowedByList(s->channels, argv[j]->ptr, sdslen(argv[j]->ptr), literal)) {
                *idxptr = j;
                return ACL_DENIED_CHANNEL;
            }
        }
    }
    return ACL_OK;
}

/* Allowed when any selector allows it. Otherwise the error reported is the
 * "worst" one (channel > key > command), and for equal ones the furthest
 * argument. */
int ACLCheckAllUserCommandPerm(aclUser *u, struct redisCommand *cmd, robj **argv, int argc, int *idxptr) {
    if (!u) return ACL_OK;
    int worst = ACL_DENIED_CMD, worst_idx = 0;
    keysCache cache;
    cache.init = 0; /* not "= {0}": the 2 KB key buffer is filled on demand */
    listIter li;
    listNode *ln;
    listRewind(u->selectors, &li);
    while ((ln = listNext(&li))) {
        int idx = 0;
        int r = selectorCheckCommand(listNodeValue(ln), cmd, argv, argc, &idx, &cache);
        if (r == ACL_OK) {
            worst = ACL_OK;
            break;
        }
        if (r > worst || (r == worst && idx > worst_idx)) {
            worst = r;
            worst_idx = idx;
        }
    }
    if (cache.init) getKeysFreeResult(&cache.keys);
    *idxptr = worst_idx;
    return worst;
}

/* SORT's BY/GET patterns read arbitrary keys: allowed only when a selector
 * that allows the command also allows every key (stock's rule). */
int ACLUserHasUnrestrictedKeyAccess(aclUser *u, struct redisCommand *cmd, robj **argv, int argc) {
    if (!u) return 1;
    int found = 0;
    keysCache cache;
    cache.init = 0; /* not "= {0}": the 2 KB key buffer is filled on demand */
    listIter li;
    listNode *ln;
    listRewind(u->selectors, &li);
    while ((ln = listNext(&li)) && !found) {
        aclSelector *s = listNodeValue(ln);
        int idx = 0;
        if ((s->flags & SEL_ALLKEYS) &&
            selectorCheckCommand(s, cmd, argv, argc, &idx, &cache) == ACL_OK)
            found = 1;
    }
    if (cache.init) getKeysFreeResult(&cache.keys);
    return found;
}

int ACLCheckAllPerm(client *c, int *idxptr) {
    return ACLCheckAllUserCommandPerm(c->user, c->cmd, c->argv, c->argc, idxptr);
}

sds ACLCheckCommandOrError(client *c) {
    /* What our master sends is not subject to our ACLs (stock runs the
     * master client without a user). */
    if (c->flags & CLIENT_MASTER) return NULL;
    int idx = 0;
    int r = ACLCheckAllPerm(c, &idx);
    if (r == ACL_OK) return NULL;
    addACLLogEntry(c, r, (c->flags & CLIENT_MULTI) ? ACL_LOG_CTX_MULTI : ACL_LOG_CTX_TOPLEVEL,
                   idx, NULL, NULL);
    switch (r) {
    case ACL_DENIED_CMD:
        return sdscatfmt(sdsempty(), "-NOPERM this user has no permissions to run the '%S' command",
                         c->cmd->fullname);
    case ACL_DENIED_KEY:
        return sdsnew("-NOPERM this user has no permissions to access one of the keys used as arguments");
    case ACL_DENIED_CHANNEL:
        return sdsnew("-NOPERM this user has no permissions to access one of the channels used as arguments");
    default:
        return sdsnew("no permission");
    }
}

sds ACLCheckQueuedCommandOrError(client *c) {
    int idx = 0;
    int r = ACLCheckAllPerm(c, &idx);
    if (r == ACL_OK) return NULL;
    addACLLogEntry(c, r, ACL_LOG_CTX_MULTI, idx, NULL, NULL);
    const char *reason;
    switch (r) {
    case ACL_DENIED_CMD: reason = "no permission to execute the command or subcommand"; break;
    case ACL_DENIED_KEY: reason = "no permission to touch the specified keys"; break;
    case ACL_DENIED_CHANNEL: reason = "no permission to access one of the channels used as arguments"; break;
    default: reason = "no permission"; break;
    }
    return sdscatfmt(sdsempty(), "-NOPERM ACLs rules changed between the moment the transaction was "
                     "accumulated and the EXEC call. This command is no longer allowed for the "
                     "following reason: %s", reason);
}

/* ACL SETUSER changed the channels of `orig` to those of `newu`: its
 * subscribers that are now subscribed to something not allowed are
 * disconnected. */
void ACLKillPubsubClientsIfNeeded(aclUser *newu, aclUser *orig) {
    list *allowed = listCreate();
    listIter li, pi;
    listNode *ln, *pn;
    listRewind(newu->selectors, &li);
    while ((ln = listNext(&li))) {
        aclSelector *s = listNodeValue(ln);
        if (s->flags & SEL_ALLCHANNELS) {
            listRelease(allowed);
            return;
        }
        listRewind(s->channels, &pi);
        while ((pn = listNext(&pi))) listAddNodeTail(allowed, listNodeValue(pn));
    }
    listRewind(server.clients, &li);
    while ((ln = listNext(&li))) {
        client *c = listNodeValue(ln);
        if (c->user != orig) continue;
        int kill = 0;
        if (c->pubsub_patterns) {
            listRewind(c->pubsub_patterns, &pi);
            while (!kill && (pn = listNext(&pi))) {
                robj *o = listNodeValue(pn);
                kill = !channelAllowedByList(allowed, o->ptr, sdslen(o->ptr), 1);
            }
        }
        dict *dicts[2] = {c->pubsub_channels, c->pubsub_shard_channels};
        for (int d = 0; d < 2 && !kill; d++) {
            if (!dicts[d]) continue;
            dictIterator *di = dictGetIterator(dicts[d]);
            dictEntry *de;
            while (!kill && (de = dictNext(di))) {
                robj *o = dictGetKey(de);
                kill = !channelAllowedByList(allowed, o->ptr, sdslen(o->ptr), 0);
            }
            dictReleaseIterator(di);
        }
        if (kill) {
            if (c == server.current_client) c->flags |= CLIENT_CLOSE_AFTER_REPLY;
            else freeClientAsync(c);
        }
    }
    listRelease(allowed);
}
