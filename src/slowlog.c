/* slowlog.c - the slow log: the last N commands that took longer than
 * slowlog-log-slower-than microseconds (SLOWLOG GET/LEN/RESET).
 *
 * Entries keep a copy of the arguments, truncated (at most 32 arguments,
 * 128 bytes each) so that one huge command cannot make the log itself a
 * memory problem. The copies are always fresh objects: an argument object
 * can also live in the keyspace, and a keyspace value may be freed by the
 * lazyfree thread, so the log must never share it.
 */
#include "server.h"

#define SLOWLOG_ENTRY_MAX_ARGC 32
#define SLOWLOG_ENTRY_MAX_STRING 128

static slowlogEntry *slowlogCreateEntry(client *c, robj **argv, int argc, long long duration) {
    slowlogEntry *se = zmalloc(sizeof(*se));
    int slargc = argc > SLOWLOG_ENTRY_MAX_ARGC ? SLOWLOG_ENTRY_MAX_ARGC : argc;

    se->argc = slargc;
    se->argv = zmalloc(sizeof(robj *) * slargc);
    for (int j = 0; j < slargc; j++) {
        if (slargc != argc && j == slargc - 1) {
            /* The last slot says how many arguments were left out. */
            se->argv[j] = createObject(OBJ_STRING,
                sdscatprintf(sdsempty(), "... (%d more arguments)", argc - slargc + 1));
        } else if (argv[j]->type == OBJ_STRING && sdsEncodedObject(argv[j]) &&
                   sdslen(argv[j]->ptr) > SLOWLOG_ENTRY_MAX_STRING) {
            sds s = sdsnewlen(argv[j]->ptr, SLOWLOG_ENTRY_MAX_STRING);
            s = sdscatprintf(s, "... (%lu more bytes)",
                             (unsigned long)sdslen(argv[j]->ptr) - SLOWLOG_ENTRY_MAX_STRING);
            se->argv[j] = createObject(OBJ_STRING, s);
        } else if (argv[j]->encoding == OBJ_ENCODING_INT) {
            /* Shared integers are immutable and never freed: safe. */
            se->argv[j] = createStringObjectFromLongLong((long)argv[j]->ptr);
        } else {
            se->argv[j] = dupStringObject(argv[j]);
        }
    }
    se->time = time(NULL);
    se->duration = duration;
    se->id = server.slowlog_entry_id++;
    se->peerid = sdsnew(getClientPeerId(c));
    se->cname = c->name ? sdsnew(c->name->ptr) : sdsempty();
    return se;
}

static void slowlogFreeEntry(void *septr) {
    slowlogEntry *se = septr;
    for (int j = 0; j < se->argc; j++) decrRefCount(se->argv[j]);
    zfree(se->argv);
    sdsfree(se->peerid);
    sdsfree(se->cname);
    zfree(se);
}

void slowlogInit(void) {
    if (server.slowlog == NULL) server.slowlog = listCreate();
    server.slowlog_entry_id = 0;
    listSetFreeMethod(server.slowlog, slowlogFreeEntry);
}

void slowlogPushEntryIfNeeded(client *c, robj **argv, int argc, long long duration) {
    if (server.slowlog_log_slower_than < 0) return; /* disabled */
    if (duration < server.slowlog_log_slower_than) return;
    listAddNodeHead(server.slowlog, slowlogCreateEntry(c, argv, argc, duration));
    while (listLength(server.slowlog) > server.slowlog_max_len)
        listDelNode(server.slowlog, listLast(server.slowlog));
}

/* Called by call(): logs the command as the client sent it, unless the
 * command asks not to be logged (e.g. EXEC logs its inner commands). */
void slowlogPushCurrentCommand(client *c, struct redisCommand *cmd, long long duration) {
    if (cmd->flags & CMD_SKIP_SLOWLOG) return;
    if (c->original_argv) slowlogPushEntryIfNeeded(c, c->original_argv, c->original_argc, duration);
    else slowlogPushEntryIfNeeded(c, c->argv, c->argc, duration);
}

static void slowlogReset(void) {
    while (listLength(server.slowlog) > 0)
        listDelNode(server.slowlog, listLast(server.slowlog));
}

void slowlogCommand(client *c) {
    if (c->argc == 2 && !strcasecmp(c->argv[1]->ptr, "help")) {
        const char *help[] = {
"GET [<count>]",
"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
"    Entries are made of:",
"    id, timestamp, time in microseconds, arguments array, client IP and port,",
"    client name",
"LEN",
"    Return the length of the slowlog.",
"RESET",
"    Reset the slowlog.",
NULL
        };
        addReplyHelp(c, help);
    } else if (c->argc == 2 && !strcasecmp(c->argv[1]->ptr, "reset")) {
        slowlogReset();
        addReply(c, shared.ok);
    } else if (c->argc == 2 && !strcasecmp(c->argv[1]->ptr, "len")) {
        addReplyLongLong(c, listLength(server.slowlog));
    } else if ((c->argc == 2 || c->argc == 3) && !strcasecmp(c->argv[1]->ptr, "get")) {
        long count = 10;
        if (c->argc == 3) {
            /* Both a non-number and a count below -1 get this message. */
            if (getRangeLongFromObjectOrReply(c, c->argv[2], -1, LONG_MAX, &count,
                    "count should be greater than or equal to -1") != C_OK)
                return;
            if (count == -1) count = listLength(server.slowlog);
        }
        if (count > (long)listLength(server.slowlog)) count = listLength(server.slowlog);
        addReplyArrayLen(c, count);
        listIter li;
        listNode *ln;
        listRewind(server.slowlog, &li);
        while (count-- && (ln = listNext(&li))) {
            slowlogEntry *se = ln->value;
            addReplyArrayLen(c, 6);
            addReplyLongLong(c, se->id);
            addReplyLongLong(c, se->time);
            addReplyLongLong(c, se->duration);
            addReplyArrayLen(c, se->argc);
            for (int j = 0; j < se->argc; j++) addReplyBulk(c, se->argv[j]);
            addReplyBulkCBuffer(c, se->peerid, sdslen(se->peerid));
            addReplyBulkCBuffer(c, se->cname, sdslen(se->cname));
        }
    } else {
        addReplySubcommandSyntaxError(c);
    }
}
