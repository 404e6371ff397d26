/* commands.c - the runtime command table and the COMMAND command.
 *
 * The declarative table (commands_table.c + commands/<group>.def, format in
 * commands.h) is turned at start-up into struct redisCommand objects in
 * server.commands: flag words are parsed into bits, key specs are copied,
 * and the legacy (first, last, step) key range that old clients read from
 * COMMAND INFO is derived from the key specs. Commands whose proc has not
 * been linked in are left out, so the set of commands grows as modules land.
 *
 * The same word tables that parse the declarations print COMMAND INFO and
 * COMMAND DOCS, so declaration and output cannot drift apart.
 */
#include "server.h"
#include "commands.h"

/* ---------------------------------------------------------------------------
 * Flag words. Each table lists its words in the order COMMAND INFO prints
 * them.
 * ------------------------------------------------------------------------ */

typedef struct flagName {
    const char *name;
    uint64_t bit;
} flagName;

static const flagName commandFlagNames[] = {
    {"write", CMD_WRITE},
    {"readonly", CMD_READONLY},
    {"denyoom", CMD_DENYOOM},
    {"module", CMD_MODULE},
    {"admin", CMD_ADMIN},
    {"pubsub", CMD_PUBSUB},
    {"noscript", CMD_NOSCRIPT},
    {"blocking", CMD_BLOCKING},
    {"loading", CMD_LOADING},
    {"stale", CMD_STALE},
    {"skip_monitor", CMD_SKIP_MONITOR},
    {"skip_slowlog", CMD_SKIP_SLOWLOG},
    {"asking", CMD_ASKING},
    {"fast", CMD_FAST},
    {"no_auth", CMD_NO_AUTH},
    {"may_replicate", CMD_MAY_REPLICATE},
    {"no_mandatory_keys", CMD_NO_MANDATORY_KEYS},
    {"no_async_loading", CMD_NO_ASYNC_LOADING},
    {"no_multi", CMD_NO_MULTI},
    {"movablekeys", CMD_MOVABLE_KEYS},
    {"allow_busy", CMD_ALLOW_BUSY},
    {NULL, 0}
};

static const flagName aclCategoryNames[] = {
    {"@keyspace", ACL_CATEGORY_KEYSPACE},
    {"@read", ACL_CATEGORY_READ},
    {"@write", ACL_CATEGORY_WRITE},
    {"@set", ACL_CATEGORY_SET},
    {"@sortedset", ACL_CATEGORY_SORTEDSET},
    {"@list", ACL_CATEGORY_LIST},
    {"@hash", ACL_CATEGORY_HASH},
    {"@string", ACL_CATEGORY_STRING},
    {"@bitmap", ACL_CATEGORY_BITMAP},
    {"@hyperloglog", ACL_CATEGORY_HYPERLOGLOG},
    {"@geo", ACL_CATEGORY_GEO},
    {"@stream", ACL_CATEGORY_STREAM},
    {"@pubsub", ACL_CATEGORY_PUBSUB},
    {"@admin", ACL_CATEGORY_ADMIN},
    {"@fast", ACL_CATEGORY_FAST},
    {"@slow", ACL_CATEGORY_SLOW},
    {"@blocking", ACL_CATEGORY_BLOCKING},
    {"@dangerous", ACL_CATEGORY_DANGEROUS},
    {"@connection", ACL_CATEGORY_CONNECTION},
    {"@transaction", ACL_CATEGORY_TRANSACTION},
    {"@scripting", ACL_CATEGORY_SCRIPTING},
    {NULL, 0}
};

static const flagName keySpecFlagNames[] = {
    {"RO", CMD_KEY_RO},
    {"RW", CMD_KEY_RW},
    {"OW", CMD_KEY_OW},
    {"RM", CMD_KEY_RM},
    {"access", CMD_KEY_ACCESS},
    {"update", CMD_KEY_UPDATE},
    {"insert", CMD_KEY_INSERT},
    {"delete", CMD_KEY_DELETE},
    {"not_key", CMD_KEY_NOT_KEY},
    {"incomplete", CMD_KEY_INCOMPLETE},
    {"variable_flags", CMD_KEY_VARIABLE_FLAGS},
    {NULL, 0}
};

static const flagName docFlagNames[] = {
    {"deprecated", CMD_DOC_DEPRECATED},
    {"syscmd", CMD_DOC_SYSCMD},
    {NULL, 0}
};

static const flagName argFlagNames[] = {
    {"optional", CMD_ARG_OPTIONAL},
    {"multiple", CMD_ARG_MULTIPLE},
    {"multiple_token", CMD_ARG_MULTIPLE_TOKEN},
    {NULL, 0}
};

/* Indexed by redisCommandArgType. */
static const char *argTypeNames[] = {
    "string", "integer", "double", "key", "pattern", "unix-time",
    "pure-token", "oneof", "block"
};

/* Parse "word word ..." into bits; an unknown word is a bug in the table,
 * caught at start-up. `what` names the table in the panic message. */
static uint64_t parseFlagWords(const char *words, const flagName *names,
                               const char *cmdname, const char *what) {
    uint64_t bits = 0;
    const char *p = words ? words : "";
    while (*p) {
        size_t len = strcspn(p, " ");
        if (len) {
            const flagName *f = names;
            while (f->name && (strlen(f->name) != len || memcmp(f->name, p, len)))
                f++;
            if (!f->name)
                serverPanic("command table: unknown %s '%.*s' for '%s'",
                            what, (int)len, p, cmdname);
            bits |= f->bit;
        }
        p += len;
        while (*p == ' ') p++;
    }
    return bits;
}

static int countFlags(uint64_t bits, const flagName *names) {
    int n = 0;
    for (const flagName *f = names; f->name; f++)
        if (bits & f->bit) n++;
    return n;
}

/* Reply with the names of the set bits as a set of status strings. */
static void addReplyFlagSet(client *c, uint64_t bits, const flagName *names) {
    addReplySetLen(c, countFlags(bits, names));
    for (const flagName *f = names; f->name; f++)
        if (bits & f->bit) addReplyStatus(c, f->name);
}

/* Case-insensitive category lookup for COMMAND LIST FILTERBY ACLCAT (given
 * without the '@'); 0 for an unknown category. */
static uint64_t aclCategoryByName(const char *name) {
    for (const flagName *f = aclCategoryNames; f->name; f++)
        if (!strcasecmp(f->name + 1, name)) return f->bit;
    return 0;
}

/* ---------------------------------------------------------------------------
 * The command dictionaries: case-insensitive sds names.
 * ------------------------------------------------------------------------ */

static uint64_t commandNameHash(const void *key) {
    return dictGenCaseHashFunction((const unsigned char *)key, sdslen((sds)key));
}

static int commandNameCompare(dict *d, const void *key1, const void *key2) {
    (void)d;
    return strcasecmp(key1, key2) == 0;
}

static void commandNameDestructor(dict *d, void *key) {
    (void)d;
    sdsfree(key);
}

dictType commandTableDictType = {
    commandNameHash,
    NULL,
    NULL,
    commandNameCompare,
    commandNameDestructor,
    NULL,
    NULL
};

/* ---------------------------------------------------------------------------
 * Building the runtime table
 * ------------------------------------------------------------------------ */

static int nextCommandId = 0;

/* Largest id given to a command, plus one (for per-command bitmaps). */
int commandTableMaxId(void) {
    return nextCommandId;
}

/* The legacy (first, last, step) triple of COMMAND INFO: the keys that a
 * plain range can describe. Key specs with a fixed index and a range merge
 * into it when they continue it with the same step (RENAME src dst); any
 * other spec means the keys move with the arguments (movablekeys). */
static void setLegacyRangeSpec(struct redisCommand *cmd) {
    int first = 0, last = 0, step = 0, movable = 0;

    for (int j = 0; j < cmd->key_specs_num; j++) {
        keySpec *spec = &cmd->key_specs[j];
        if (spec->begin_search_type != KSPEC_BS_INDEX ||
            spec->find_keys_type != KSPEC_FK_RANGE ||
            (spec->fk.range.lastkey < 0 && spec->fk.range.limit != 0)) {
            movable = 1;
            continue;
        }
        int pos = spec->bs.index.pos, lastkey = spec->fk.range.lastkey;
        int keystep = spec->fk.range.keystep;
        int speclast = lastkey >= 0 ? pos + lastkey : lastkey;
        if (first == 0) {
            first = pos;
            last = speclast;
            step = keystep;
        } else if (step == keystep && last >= 0 && pos == last + keystep) {
            last = speclast;
        } else {
            movable = 1;
        }
    }
    cmd->legacy_first = first;
    cmd->legacy_last = last;
    cmd->legacy_step = step;
    if (movable) cmd->flags |= CMD_MOVABLE_KEYS;
}

static void copyKeySpecs(struct redisCommand *cmd, const commandDef *def) {
    cmd->key_specs_num = 0;
    for (const keySpecDef *ks = def->specs; ks && ks->flags; ks++) {
        if (cmd->key_specs_num == MAX_KEYSPECS)
            serverPanic("command table: too many key specs for '%s'", def->name);
        keySpec *spec = &cmd->key_specs[cmd->key_specs_num++];
        *spec = ks->spec;
        spec->flags = parseFlagWords(ks->flags, keySpecFlagNames, def->name, "key spec flag");
    }
}

/* Fill a runtime command from its declaration (no subcommands yet). */
static void initCommand(struct redisCommand *cmd, const commandDef *def,
                        struct redisCommand *parent) {
    cmd->declared_name = def->name;
    cmd->proc = def->proc;
    cmd->arity = def->arity;
    cmd->flags = parseFlagWords(def->flags, commandFlagNames, def->name, "flag");
    cmd->acl_categories = parseFlagWords(def->acl, aclCategoryNames, def->name, "ACL category");
    cmd->tips = def->tips;
    copyKeySpecs(cmd, def);
    cmd->getkeys_proc = def->getkeys_proc;
    cmd->summary = def->summary;
    cmd->since = def->since;
    cmd->group = def->group;
    cmd->complexity = def->complexity;
    cmd->doc_flags = (int)parseFlagWords(def->doc_flags, docFlagNames, def->name, "doc flag");
    cmd->deprecated_since = def->deprecated_since;
    cmd->replaced_by = def->replaced_by;
    cmd->history = def->history;
    cmd->args = def->args;
    cmd->parent = parent;
    cmd->fullname = parent ? sdscatfmt(sdsempty(), "%S|%s", parent->fullname, def->name)
                           : sdsnew(def->name);
    cmd->id = nextCommandId++;
    setLegacyRangeSpec(cmd);
}

static int countImplementedSubcommands(const commandDef *def) {
    int n = 0;
    for (const commandDef *sub = def->subcommands; sub && sub->name; sub++)
        if (sub->proc) n++;
    return n;
}

/* Attach the implemented subcommands of a container: a NULL-terminated
 * array (cmd->subcommands) indexed by name in cmd->subcommands_dict. */
static void initSubcommands(struct redisCommand *cmd, const commandDef *def, int n) {
    cmd->subcommands = zcalloc(sizeof(struct redisCommand) * (n + 1));
    cmd->subcommands_dict = dictCreate(&commandTableDictType);
    struct redisCommand *sub = cmd->subcommands;
    for (const commandDef *sd = def->subcommands; sd && sd->name; sd++) {
        if (!sd->proc) continue;
        initCommand(sub, sd, cmd);
        serverAssert(dictAdd(cmd->subcommands_dict, sdsnew(sd->name), sub) == DICT_OK);
        sub++;
    }
}

/* The runtime command for a declaration, or NULL when nothing of it is
 * implemented yet. */
static struct redisCommand *createCommand(const commandDef *def) {
    int nsubs = countImplementedSubcommands(def);
    if (!def->proc && nsubs == 0) return NULL;
    struct redisCommand *cmd = zcalloc(sizeof(*cmd));
    initCommand(cmd, def, NULL);
    if (nsubs) initSubcommands(cmd, def, nsubs);
    return cmd;
}

static struct redisCommand *fetchCommand(const char *name) {
    sds s = sdsnew(name);
    struct redisCommand *cmd = dictFetchValue(server.commands, s);
    sdsfree(s);
    return cmd;
}

/* Commands the server refers to when it rewrites or propagates. */
static void cacheWellKnownCommands(void) {
    server.execCommand = fetchCommand("exec");
    server.multiCommand = fetchCommand("multi");
    server.lpushCommand = fetchCommand("lpush");
    server.lpopCommand = fetchCommand("lpop");
    server.rpopCommand = fetchCommand("rpop");
    server.zpopminCommand = fetchCommand("zpopmin");
    server.zpopmaxCommand = fetchCommand("zpopmax");
    server.xclaimCommand = fetchCommand("xclaim");
    server.xgroupCommand = fetchCommand("xgroup");
    server.rpoplpushCommand = fetchCommand("rpoplpush");
    server.lmoveCommand = fetchCommand("lmove");
}

void populateCommandTable(void) {
    if (!server.commands) server.commands = dictCreate(&commandTableDictType);
    if (!server.orig_commands) server.orig_commands = dictCreate(&commandTableDictType);

    for (const commandDef *def = commandTable; def->name; def++) {
        struct redisCommand *cmd = createCommand(def);
        if (!cmd) continue;
        /* orig_commands keeps every command reachable after rename-command. */
        serverAssert(dictAdd(server.commands, sdsnew(def->name), cmd) == DICT_OK);
        serverAssert(dictAdd(server.orig_commands, sdsnew(def->name), cmd) == DICT_OK);
    }
    cacheWellKnownCommands();
}

/* ---------------------------------------------------------------------------
 * Lookup
 * ------------------------------------------------------------------------ */

struct redisCommand *lookupSubcommand(struct redisCommand *container, sds sub_name) {
    if (!container->subcommands_dict) return NULL;
    return dictFetchValue(container->subcommands_dict, sub_name);
}

/* Find the command an argv runs: argv[0] names it, and for containers
 * argv[1] names the subcommand. With `strict` the argv must be exactly the
 * name ("config" or "config" "get"), as when resolving "config|get". */
struct redisCommand *lookupCommandLogic(dict *commands, robj **argv, int argc, int strict) {
    if (argc < 1 || !sdsEncodedObject(argv[0])) return NULL;
    struct redisCommand *base = dictFetchValue(commands, argv[0]->ptr);
    int container = base && base->subcommands_dict;

    if (argc == 1 || !container) {
        if (strict && argc != 1) return NULL;
        return base;
    }
    if (strict && argc != 2) return NULL;
    /* A number is never a subcommand name. */
    if (!sdsEncodedObject(argv[1])) return NULL;
    return lookupSubcommand(base, argv[1]->ptr);
}

int isContainerCommandBySds(sds s) {
    struct redisCommand *base = dictFetchValue(server.commands, s);
    return base && base->subcommands_dict != NULL;
}

/* ---------------------------------------------------------------------------
 * COMMAND INFO
 * ------------------------------------------------------------------------ */

static void addReplyBeginSearch(client *c, keySpec *spec) {
    addReplyMapLen(c, 2);
    addReplyBulkCString(c, "type");
    switch (spec->begin_search_type) {
    case KSPEC_BS_INDEX:
        addReplyBulkCString(c, "index");
        addReplyBulkCString(c, "spec");
        addReplyMapLen(c, 1);
        addReplyBulkCString(c, "index");
        addReplyLongLong(c, spec->bs.index.pos);
        break;
    case KSPEC_BS_KEYWORD:
        addReplyBulkCString(c, "keyword");
        addReplyBulkCString(c, "spec");
        addReplyMapLen(c, 2);
        addReplyBulkCString(c, "keyword");
        addReplyBulkCString(c, spec->bs.keyword.keyword);
        addReplyBulkCString(c, "startfrom");
        addReplyLongLong(c, spec->bs.keyword.startfrom);
        break;
    default:
        addReplyBulkCString(c, "unknown");
        addReplyBulkCString(c, "spec");
        addReplyMapLen(c, 0);
        break;
    }
}

static void addReplyNamedInts(client *c, const char *n1, int v1, const char *n2, int v2,
                              const char *n3, int v3) {
    addReplyMapLen(c, 3);
    addReplyBulkCString(c, n1);
    addReplyLongLong(c, v1);
    addReplyBulkCString(c, n2);
    addReplyLongLong(c, v2);
    addReplyBulkCString(c, n3);
    addReplyLongLong(c, v3);
}

static void addReplyFindKeys(client *c, keySpec *spec) {
    addReplyMapLen(c, 2);
    addReplyBulkCString(c, "type");
    switch (spec->find_keys_type) {
    case KSPEC_FK_RANGE:
        addReplyBulkCString(c, "range");
        addReplyBulkCString(c, "spec");
        addReplyNamedInts(c, "lastkey", spec->fk.range.lastkey, "keystep",
                          spec->fk.range.keystep, "limit", spec->fk.range.limit);
        break;
    case KSPEC_FK_KEYNUM:
        addReplyBulkCString(c, "keynum");
        addReplyBulkCString(c, "spec");
        addReplyNamedInts(c, "keynumidx", spec->fk.keynum.keynumidx, "firstkey",
                          spec->fk.keynum.firstkey, "keystep", spec->fk.keynum.keystep);
        break;
    default:
        addReplyBulkCString(c, "unknown");
        addReplyBulkCString(c, "spec");
        addReplyMapLen(c, 0);
        break;
    }
}

static void addReplyKeySpecs(client *c, struct redisCommand *cmd) {
    addReplySetLen(c, cmd->key_specs_num);
    for (int j = 0; j < cmd->key_specs_num; j++) {
        keySpec *spec = &cmd->key_specs[j];
        addReplyMapLen(c, spec->notes ? 4 : 3);
        if (spec->notes) {
            addReplyBulkCString(c, "notes");
            addReplyBulkCString(c, spec->notes);
        }
        addReplyBulkCString(c, "flags");
        addReplyFlagSet(c, spec->flags, keySpecFlagNames);
        addReplyBulkCString(c, "begin_search");
        addReplyBeginSearch(c, spec);
        addReplyBulkCString(c, "find_keys");
        addReplyFindKeys(c, spec);
    }
}

/* Tips are stored as one space separated string. */
static void addReplyTips(client *c, const char *tips) {
    int count = 0;
    sds *words = sdssplitlen(tips ? tips : "", tips ? strlen(tips) : 0, " ", 1, &count);
    int nonempty = 0;
    for (int j = 0; j < count; j++)
        if (sdslen(words[j])) nonempty++;
    addReplySetLen(c, nonempty);
    for (int j = 0; j < count; j++)
        if (sdslen(words[j])) addReplyBulkCBuffer(c, words[j], sdslen(words[j]));
    sdsfreesplitres(words, count);
}

static void addReplyCommandInfo(client *c, struct redisCommand *cmd);

/* Stock Redis sends an array of subcommands, but an empty set when there
 * are none (the difference shows only in RESP3). */
static void addReplySubcommandsInfo(client *c, struct redisCommand *cmd) {
    if (!cmd->subcommands_dict) {
        addReplySetLen(c, 0);
        return;
    }
    addReplyArrayLen(c, dictSize(cmd->subcommands_dict));
    dictIterator *di = dictGetIterator(cmd->subcommands_dict);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) addReplyCommandInfo(c, dictGetVal(de));
    dictReleaseIterator(di);
}

/* One COMMAND INFO entry: name, arity, flags, first, last, step, ACL
 * categories, tips, key specs, subcommands. */
static void addReplyCommandInfo(client *c, struct redisCommand *cmd) {
    if (!cmd) {
        addReplyNull(c);
        return;
    }
    addReplyArrayLen(c, 10);
    addReplyBulkCBuffer(c, cmd->fullname, sdslen(cmd->fullname));
    addReplyLongLong(c, cmd->arity);
    addReplyFlagSet(c, cmd->flags, commandFlagNames);
    addReplyLongLong(c, cmd->legacy_first);
    addReplyLongLong(c, cmd->legacy_last);
    addReplyLongLong(c, cmd->legacy_step);
    addReplyFlagSet(c, cmd->acl_categories, aclCategoryNames);
    addReplyTips(c, cmd->tips);
    addReplyKeySpecs(c, cmd);
    addReplySubcommandsInfo(c, cmd);
}

/* ---------------------------------------------------------------------------
 * COMMAND DOCS
 * ------------------------------------------------------------------------ */

static int countArgs(const redisCommandArg *args) {
    int n = 0;
    while (args && args[n].name) n++;
    return n;
}

static void addReplyCommandArgs(client *c, const redisCommandArg *args) {
    addReplyArrayLen(c, countArgs(args));
    for (const redisCommandArg *a = args; a && a->name; a++) {
        int fields = 2 + (a->key_spec_index >= 0) + (a->token != NULL) + (a->since != NULL) +
                     (a->deprecated_since != NULL) + (a->flags != 0) + (a->subargs != NULL);
        addReplyMapLen(c, fields);
        addReplyBulkCString(c, "name");
        addReplyBulkCString(c, a->name);
        addReplyBulkCString(c, "type");
        addReplyBulkCString(c, argTypeNames[a->type]);
        if (a->key_spec_index >= 0) {
            addReplyBulkCString(c, "key_spec_index");
            addReplyLongLong(c, a->key_spec_index);
        }
        if (a->token) {
            addReplyBulkCString(c, "token");
            addReplyBulkCString(c, a->token);
        }
        if (a->since) {
            addReplyBulkCString(c, "since");
            addReplyBulkCString(c, a->since);
        }
        if (a->deprecated_since) {
            addReplyBulkCString(c, "deprecated_since");
            addReplyBulkCString(c, a->deprecated_since);
        }
        if (a->flags) {
            addReplyBulkCString(c, "flags");
            addReplyFlagSet(c, (uint64_t)a->flags, argFlagNames);
        }
        if (a->subargs) {
            addReplyBulkCString(c, "arguments");
            addReplyCommandArgs(c, a->subargs);
        }
    }
}

static void addReplyCommandHistory(client *c, const commandHistory *history) {
    int n = 0;
    while (history[n].since) n++;
    addReplySetLen(c, n);
    for (int j = 0; j < n; j++) {
        addReplyArrayLen(c, 2);
        addReplyBulkCString(c, history[j].since);
        addReplyBulkCString(c, history[j].changes);
    }
}

/* A field of the docs map, when present. */
static void addReplyDocString(client *c, const char *field, const char *value) {
    if (!value) return;
    addReplyBulkCString(c, field);
    addReplyBulkCString(c, value);
}

static void addReplyCommandDocs(client *c, struct redisCommand *cmd);

static void addReplySubcommandsDocs(client *c, struct redisCommand *cmd) {
    addReplyMapLen(c, dictSize(cmd->subcommands_dict));
    dictIterator *di = dictGetIterator(cmd->subcommands_dict);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        struct redisCommand *sub = dictGetVal(de);
        addReplyBulkCBuffer(c, sub->fullname, sdslen(sub->fullname));
        addReplyCommandDocs(c, sub);
    }
    dictReleaseIterator(di);
}

/* The docs map of one command; fields without a value are left out. */
static void addReplyCommandDocs(client *c, struct redisCommand *cmd) {
    int has_history = cmd->history && cmd->history[0].since;
    int has_args = cmd->args && cmd->args[0].name;
    int has_subs = cmd->subcommands_dict && dictSize(cmd->subcommands_dict);
    int fields = (cmd->summary != NULL) + (cmd->since != NULL) + (cmd->group != NULL) +
                 (cmd->complexity != NULL) + (cmd->doc_flags != 0) +
                 (cmd->deprecated_since != NULL) + (cmd->replaced_by != NULL) +
                 has_history + has_args + has_subs;

    addReplyMapLen(c, fields);
    addReplyDocString(c, "summary", cmd->summary);
    addReplyDocString(c, "since", cmd->since);
    addReplyDocString(c, "group", cmd->group);
    addReplyDocString(c, "complexity", cmd->complexity);
    if (cmd->doc_flags) {
        addReplyBulkCString(c, "doc_flags");
        addReplyFlagSet(c, (uint64_t)cmd->doc_flags, docFlagNames);
    }
    addReplyDocString(c, "deprecated_since", cmd->deprecated_since);
    addReplyDocString(c, "replaced_by", cmd->replaced_by);
    if (has_history) {
        addReplyBulkCString(c, "history");
        addReplyCommandHistory(c, cmd->history);
    }
    if (has_args) {
        addReplyBulkCString(c, "arguments");
        addReplyCommandArgs(c, cmd->args);
    }
    if (has_subs) {
        addReplyBulkCString(c, "subcommands");
        addReplySubcommandsDocs(c, cmd);
    }
}

/* ---------------------------------------------------------------------------
 * The COMMAND command
 * ------------------------------------------------------------------------ */

/* COMMAND: info about every command. */
void commandCommand(client *c) {
    addReplyArrayLen(c, dictSize(server.commands));
    dictIterator *di = dictGetIterator(server.commands);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) addReplyCommandInfo(c, dictGetVal(de));
    dictReleaseIterator(di);
}

void commandCountCommand(client *c) {
    addReplyLongLong(c, dictSize(server.commands));
}

/* COMMAND INFO [name ...]: names may be "container|sub". */
void commandInfoCommand(client *c) {
    if (c->argc == 2) {
        commandCommand(c);
        return;
    }
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        struct redisCommand *cmd =
            sdsEncodedObject(c->argv[j]) ? lookupCommandBySds(c->argv[j]->ptr) : NULL;
        addReplyCommandInfo(c, cmd);
    }
}

/* COMMAND DOCS [name ...]: a map of name -> docs; unknown names are left
 * out. */
void commandDocsCommand(client *c) {
    if (c->argc == 2) {
        addReplyMapLen(c, dictSize(server.commands));
        dictIterator *di = dictGetIterator(server.commands);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL) {
            struct redisCommand *cmd = dictGetVal(de);
            addReplyBulkCBuffer(c, cmd->fullname, sdslen(cmd->fullname));
            addReplyCommandDocs(c, cmd);
        }
        dictReleaseIterator(di);
        return;
    }
    void *replylen = addReplyDeferredLen(c);
    int found = 0;
    for (int j = 2; j < c->argc; j++) {
        struct redisCommand *cmd =
            sdsEncodedObject(c->argv[j]) ? lookupCommandBySds(c->argv[j]->ptr) : NULL;
        if (!cmd) continue;
        addReplyBulkCBuffer(c, cmd->fullname, sdslen(cmd->fullname));
        addReplyCommandDocs(c, cmd);
        found++;
    }
    setDeferredMapLen(c, replylen, found);
}

/* True when all of argv[2..argc-1] are strings (they arrive so from the
 * network, but argv may also be built internally). */
static int argsAreStrings(client *c) {
    for (int j = 2; j < c->argc; j++)
        if (!sdsEncodedObject(c->argv[j])) return 0;
    return 1;
}

/* COMMAND LIST filters */
typedef enum { LIST_ALL, LIST_MODULE, LIST_ACLCAT, LIST_PATTERN } listFilterType;

typedef struct listFilter {
    listFilterType type;
    sds arg;
    uint64_t aclcat;
} listFilter;

static int commandMatchesFilter(struct redisCommand *cmd, listFilter *filter) {
    switch (filter->type) {
    case LIST_MODULE:
        return 0; /* no modules are ever loaded */
    case LIST_ACLCAT:
        return (cmd->acl_categories & filter->aclcat) != 0;
    case LIST_PATTERN:
        return stringmatchlen(filter->arg, sdslen(filter->arg), cmd->fullname,
                              sdslen(cmd->fullname), 1);
    default:
        return 1;
    }
}

/* Reply with the matching names of the commands in `commands` and of their
 * subcommands; returns how many were sent. */
static int addReplyCommandNames(client *c, dict *commands, listFilter *filter) {
    int count = 0;
    dictIterator *di = dictGetIterator(commands);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        struct redisCommand *cmd = dictGetVal(de);
        if (commandMatchesFilter(cmd, filter)) {
            addReplyBulkCBuffer(c, cmd->fullname, sdslen(cmd->fullname));
            count++;
        }
        if (cmd->subcommands_dict)
            count += addReplyCommandNames(c, cmd->subcommands_dict, filter);
    }
    dictReleaseIterator(di);
    return count;
}

/* COMMAND LIST [FILTERBY MODULE m | ACLCAT cat | PATTERN glob] */
void commandListCommand(client *c) {
    listFilter filter = {LIST_ALL, NULL, 0};

    if (c->argc == 5 && argsAreStrings(c) && !strcasecmp(c->argv[2]->ptr, "filterby")) {
        const char *type = c->argv[3]->ptr;
        filter.arg = c->argv[4]->ptr;
        if (!strcasecmp(type, "module")) {
            filter.type = LIST_MODULE;
        } else if (!strcasecmp(type, "aclcat")) {
            filter.type = LIST_ACLCAT;
            filter.aclcat = aclCategoryByName(filter.arg);
        } else if (!strcasecmp(type, "pattern")) {
            filter.type = LIST_PATTERN;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    } else if (c->argc != 2) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    void *replylen = addReplyDeferredLen(c);
    int count = addReplyCommandNames(c, server.commands, &filter);
    setDeferredArrayLen(c, replylen, count);
}

/* COMMAND GETKEYS / GETKEYSANDFLAGS <full command> */
static void getKeysSubcommand(client *c, int with_flags) {
    robj **argv = c->argv + 2;
    int argc = c->argc - 2;
    struct redisCommand *cmd = lookupCommand(argv, argc);
    getKeysResult result;
    getKeysResultInit(&result);

    if (!cmd) {
        addReplyError(c, "Invalid command specified");
        return;
    }
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        addReplyError(c, "Invalid number of arguments specified for command");
        return;
    }
    if (!doesCommandHaveKeys(cmd)) {
        addReplyError(c, "The command has no key arguments");
        return;
    }
    int numkeys = getKeysFromCommandWithSpecs(cmd, argv, argc, GET_KEYSPEC_DEFAULT, &result);
    if (numkeys == 0 && !(cmd->flags & CMD_NO_MANDATORY_KEYS)) {
        addReplyError(c, "Invalid arguments specified for command");
    } else {
        addReplyArrayLen(c, numkeys);
        for (int j = 0; j < numkeys; j++) {
            if (with_flags) addReplyArrayLen(c, 2);
            addReplyBulk(c, argv[result.keys[j].pos]);
            if (with_flags)
                addReplyFlagSet(c, (uint64_t)result.keys[j].flags, keySpecFlagNames);
        }
    }
    getKeysFreeResult(&result);
}

void commandGetKeysCommand(client *c) {
    getKeysSubcommand(c, 0);
}

void commandGetKeysAndFlagsCommand(client *c) {
    getKeysSubcommand(c, 1);
}

void commandHelpCommand(client *c) {
    const char *help[] = {
"(no subcommand)",
"    Return details about all Redis commands.",
"COUNT",
"    Return the total number of commands in this Redis server.",
"LIST",
"    Return a list of all commands in this Redis server.",
"INFO [<command-name> ...]",
"    Return details about multiple Redis commands.",
"    If no command names are given, documentation details for all",
"    commands are returned.",
"DOCS [<command-name> ...]",
"    Return documentation details about multiple Redis commands.",
"    If no command names are given, documentation details for all",
"    commands are returned.",
"GETKEYS <full-command>",
"    Return the keys from a full Redis command.",
"GETKEYSANDFLAGS <full-command>",
"    Return the keys and the access flags from a full Redis command.",
NULL
    };
    addReplyHelp(c, help);
}
