/* module.c - the MODULE command, for a server without a module API.
 *
 * Loading Redis modules needs the whole RedisModule_* C API, which this
 * server does not provide. MODULE still exists, so that COMMAND, ACL
 * categories and tools see what they see on stock 7.0: LIST is empty, and
 * LOAD/LOADEX/UNLOAD fail the way a module that cannot be loaded fails on
 * stock (the same replies, the reason in the log). enable-module-command
 * gates LOAD/LOADEX/UNLOAD before this runs (debug.c).
 */
#include "server.h"
#include <unistd.h>

static const char *module_help[] = {
"LIST",
"    Return a list of loaded modules.",
"LOAD <path> [<arg> ...]",
"    Load a module library from <path>, passing to it any optional arguments.",
"LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
"    Load a module library from <path>, while passing it module configurations and optional arguments.",
"UNLOAD <name>",
"    Unload a module.",
NULL
};

/* LOADEX: CONFIG name value pairs, then optionally ARGS and the rest. */
static int loadexArgsValid(client *c) {
    int j = 3;
    while (j < c->argc) {
        if (!strcasecmp(c->argv[j]->ptr, "config") && j + 2 < c->argc) {
            j += 3;
        } else if (!strcasecmp(c->argv[j]->ptr, "args")) {
            return 1;
        } else {
            serverLog(LL_NOTICE, "Syntax Error from arguments to loadex around %s.", (char *)c->argv[j]->ptr);
            return 0;
        }
    }
    return 1;
}

static void replyLoadFailed(client *c, const char *path) {
    if (access(path, R_OK) == 0)
        serverLog(LL_WARNING, "Module %s failed to load: modules are not supported by this server", path);
    else
        serverLog(LL_WARNING, "Module %s failed to load: %s: cannot open shared object file: No such file or directory",
                  path, path);
    addReplyError(c, "Error loading the extension. Please check the server logs.");
}

void moduleCommand(client *c) {
    const char *sub = c->argv[1]->ptr;
    if (c->argc == 2 && !strcasecmp(sub, "help")) {
        addReplyHelp(c, module_help);
    } else if (c->argc == 2 && !strcasecmp(sub, "list")) {
        addReplyArrayLen(c, 0);
    } else if (!strcasecmp(sub, "load") && c->argc >= 3) {
        replyLoadFailed(c, c->argv[2]->ptr);
    } else if (!strcasecmp(sub, "loadex") && c->argc >= 3) {
        if (!loadexArgsValid(c)) {
            addReplyError(c, "Error loading the extension. Please check the server logs.");
            return;
        }
        replyLoadFailed(c, c->argv[2]->ptr);
    } else if (!strcasecmp(sub, "unload") && c->argc == 3) {
        addReplyError(c, "Error unloading module: no such module with that name");
    } else {
        addReplySubcommandSyntaxError(c);
    }
}
