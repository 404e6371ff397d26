/* eval.c: EVAL, EVALSHA (and their _RO forms) and SCRIPT: the script cache
 * (sha1 -> compiled Lua function), shebang flags, the run context a script
 * executes in, and long scripts: past busy-reply-threshold other clients
 * are served (BUSY for most commands) from a Lua count hook until the
 * script ends or SCRIPT KILL stops it. The Lua environment itself lives in
 * script_lua.c. */
#include "server.h"
#include "script_lua.h"
#include "sha1.h"
#include "rdb.h"
#include <ctype.h>

typedef struct evalScript {
    robj *body;
    int flags;
} evalScript;

static lua_State *lua = NULL;
static dict *scripts = NULL;     /* sha (sds) -> evalScript */
static size_t scripts_body_bytes = 0;
static client *lua_fake = NULL;

static void evalScriptFree(dict *d, void *val) {
    (void)d;
    evalScript *s = val;
    decrRefCount(s->body);
    zfree(s);
}

static dictType scriptsDictType = {
    .hashFunction = dictSdsCaseHash,
    .keyCompare = dictSdsKeyCaseCompare,
    .keyDestructor = dictSdsDestructor,
    .valDestructor = evalScriptFree,
};

static void evalInit(void) {
    if (lua) return;
    lua = luaEnvCreate(0);
    scripts = dictCreate(&scriptsDictType);
    scripts_body_bytes = 0;
    scriptFakeClient();
}

static void evalReset(void) {
    if (!lua) return;
    lua_close(lua);
    dictRelease(scripts);
    lua = NULL;
    scripts = NULL;
    evalInit();
}

void luaEnvRegisterLibs(lua_State *L) {
    static const struct { const char *name; lua_CFunction f; } libs[] = {
        {"cjson", luaopen_cjson}, {"struct", luaopen_struct},
        {"cmsgpack", luaopen_cmsgpack}, {"bit", luaopen_bit}, {NULL, NULL}};
    for (int i = 0; libs[i].name; i++) {
        if (!libs[i].f) continue;
        lua_pushcfunction(L, libs[i].f);
        lua_pushstring(L, libs[i].name);
        lua_call(L, 1, 0);
    }
}
#pragma weak luaopen_cjson
#pragma weak luaopen_cmsgpack
#pragma weak luaopen_struct
#pragma weak luaopen_bit

static void sha1hexOf(char *out, const char *s, size_t len) {
    unsigned char d[SHA1_DIGEST_LEN];
    sha1(s, len, d);
    sha1Hex(d, out);
}

/* processCommand asks for an EVAL's flags (scriptGetCommandFlags) just
 * before call() runs it, and both need the body's sha1: the last one
 * computed is kept with a reference to its body object, so the EVAL
 * itself finds it instead of hashing the body again. The reference keeps
 * the object alive (and, refcount > 1, treated as shared, never changed
 * in place), so its address cannot stand for another body meanwhile. */
static struct { robj *body; char sha[41]; } last_sha;

static void forgetLastSha(void) {
    if (last_sha.body) decrRefCount(last_sha.body);
    last_sha.body = NULL;
}

static void scriptBodySha(robj *body, char *sha) {
    if (body == last_sha.body) {
        memcpy(sha, last_sha.sha, sizeof(last_sha.sha));
        return;
    }
    sha1hexOf(sha, body->ptr, sdslen(body->ptr));
    forgetLastSha();
    incrRefCount(body);
    last_sha.body = body;
    memcpy(last_sha.sha, sha, sizeof(last_sha.sha));
}

int scriptParseFlag(const char *name) {
    static const struct { const char *name; int flag; } names[] = {
        {"no-writes", SCRIPT_FLAG_NO_WRITES}, {"allow-oom", SCRIPT_FLAG_ALLOW_OOM},
        {"allow-stale", SCRIPT_FLAG_ALLOW_STALE}, {"no-cluster", SCRIPT_FLAG_NO_CLUSTER},
        {"allow-cross-slot-keys", SCRIPT_FLAG_ALLOW_CROSS_SLOT}, {NULL, 0}};
    for (int i = 0; names[i].name; i++)
        if (!strcmp(name, names[i].name)) return names[i].flag;
    return 0;
}

/* "#!lua flags=a,b" -> flags; *skip is the shebang line length (the
 * newline is kept so line numbers stay as written). */
static int parseShebang(const char *body, size_t len, int *flags, size_t *skip, sds *err) {
    *flags = SCRIPT_FLAG_EVAL_COMPAT_MODE;
    *skip = 0;
    if (len < 2 || body[0] != '#' || body[1] != '!') return C_OK;
    const char *nl = memchr(body, '\n', len);
    if (!nl) {
        /* a shebang line must end: stock refuses the script as a whole */
        *err = sdsnew("Invalid script shebang");
        return C_ERR;
    }
    size_t linelen = nl - body;
    int argc;
    sds firstline = sdsnewlen(body, linelen);
    sds *parts = sdssplitargs(firstline, &argc);
    sdsfree(firstline);
    int ret = C_OK;
    *flags = 0;
    if (!parts || argc == 0 || strcmp(parts[0], "#!lua")) {
        sds line = sdsnewlen(body, linelen);
        *err = sdscatfmt(sdsempty(), "Unexpected engine in script shebang: %s", parts && argc ? parts[0] : line);
        sdsfree(line);
        ret = C_ERR;
    }
    for (int i = 1; ret == C_OK && i < argc; i++) {
        if (strncmp(parts[i], "flags=", 6)) {
            *err = sdscatfmt(sdsempty(), "Unknown lua shebang option: %s", parts[i]);
            ret = C_ERR;
            break;
        }
        int n;
        sds *fl = sdssplitlen(parts[i] + 6, sdslen(parts[i]) - 6, ",", 1, &n);
        for (int j = 0; j < n; j++) {
            /* an empty flag between commas is unknown too ("a,,b") */
            int f = sdslen(fl[j]) ? scriptParseFlag(fl[j]) : 0;
            if (f) *flags |= f;
            else {
                *err = sdscatfmt(sdsempty(), "Unexpected flag in script shebang: %s", fl[j]);
                ret = C_ERR;
                break;
            }
        }
        sdsfreesplitres(fl, n);
    }
    if (parts) sdsfreesplitres(parts, argc);
    *skip = linelen;
    return ret;
}

/* The registry name of a script's compiled function, "f_<sha>", into
 * out. Written directly: sdscatfmt cost about 1,000 instructions an EVAL. */
static void scriptFuncName(const char *sha, char out[43]) {
    out[0] = 'f';
    out[1] = '_';
    memcpy(out + 2, sha, 41);
}

/* The cached script of a 40-character sha, or NULL. The dict is keyed by
 * sds: the lookup key is laid out as one (8-bit header) on the stack, not
 * allocated and freed around each of an EVAL's two lookups. */
static evalScript *scriptLookup(const char *sha) {
    struct __attribute__((__packed__)) {
        uint8_t len, alloc;
        unsigned char flags;
        char buf[41];
    } key = {40, 40, SDS_TYPE_8, {0}};
    memcpy(key.buf, sha, 41);
    return dictFetchValue(scripts, key.buf);
}

/* Compile body and cache it under sha; NULL with *err on failure. */
static evalScript *scriptCreate(const char *sha, robj *body, sds *err) {
    const char *src = body->ptr;
    size_t len = sdslen(body->ptr), skip;
    int flags;
    if (parseShebang(src, len, &flags, &skip, err) != C_OK) return NULL;
    if (luaL_loadbuffer(lua, src + skip, len - skip, "@user_script")) {
        *err = sdscatfmt(sdsempty(), "Error compiling script (new function): %s", lua_tostring(lua, -1));
        lua_pop(lua, 1);
        return NULL;
    }
    lua_getfield(lua, LUA_REGISTRYINDEX, "__redis_sandbox");
    lua_setfenv(lua, -2);
    char name[43];
    scriptFuncName(sha, name);
    lua_setfield(lua, LUA_REGISTRYINDEX, name);
    evalScript *s = zmalloc(sizeof(*s));
    s->body = body;
    incrRefCount(body);
    s->flags = flags;
    dictAdd(scripts, sdsnew(sha), s);
    scripts_body_bytes += len;
    return s;
}

/* ---------------------------------------------------------------------------
 * Long scripts
 * ------------------------------------------------------------------------ */
int scriptIsTimedout(void) { return curRunCtx && curRunCtx->timedout; }

int isInsideYieldingLongCommand(void) { return scriptIsTimedout(); }

void scriptCheckTimeout(lua_State *L) {
    scriptRunCtx *r = curRunCtx;
    if (!r) return;
    long long elapsed = mstime() - r->start_ms;
    if (!r->timedout && elapsed >= server.busy_reply_threshold) {
        r->timedout = 1;
        serverLog(LL_WARNING, "Slow script detected: still in execution after %lld milliseconds. "
                  "You can try killing the script using the SCRIPT KILL command. Script name is: %s.",
                  elapsed, r->funcname);
        protectClient(r->caller);
    }
    if (r->timedout) processEventsWhileBlocked();
    if (r->killed) {
        serverLog(LL_WARNING, "Lua script killed by user with SCRIPT KILL.");
        lua_pushstring(L, "Script killed by user with SCRIPT KILL...");
        lua_error(L);
    }
}

/* processCommand: while a script runs long, only a few commands go on. */
int scriptBusyRejects(client *c) {
    if (!scriptIsTimedout() || c == curRunCtx->caller) return 0;
    if (c->cmd->flags & CMD_ALLOW_BUSY) return 0;
    addReplyErrorObject(c, curRunCtx->is_function ? shared.slowscripterr : shared.slowevalerr);
    return 1;
}

/* Command flags of a script with declared flags: they replace EVAL's or
 * FCALL's stale/denyoom/write flags (no-writes implies allow-oom). */
static uint64_t scriptFlagsToCmdFlags(uint64_t cmd_flags, int script_flags) {
    cmd_flags &= ~(CMD_STALE | CMD_DENYOOM | CMD_WRITE | CMD_MAY_REPLICATE);
    if (!(script_flags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES))) cmd_flags |= CMD_DENYOOM;
    if (!(script_flags & SCRIPT_FLAG_NO_WRITES)) cmd_flags |= CMD_WRITE;
    if (script_flags & SCRIPT_FLAG_ALLOW_STALE) cmd_flags |= CMD_STALE;
    return cmd_flags;
}

/* processCommand: the flags EVAL and FCALL really have for this script (a
 * script not cached yet has its shebang read without compiling it). */
uint64_t scriptGetCommandFlags(client *c, uint64_t cmd_flags) {
    void (*proc)(client *) = c->cmd->proc;
    int script_flags;
    if (proc == fcallCommand || proc == fcallroCommand) {
        if (functionGetFlags(c->argv[1]->ptr, &script_flags) != C_OK) return cmd_flags;
        return scriptFlagsToCmdFlags(cmd_flags, script_flags);
    }
    int evalsha = proc == evalShaCommand || proc == evalShaRoCommand;
    if (!evalsha && proc != evalCommand && proc != evalRoCommand) return cmd_flags;
    if (c->argc < 2) return cmd_flags;
    sds arg = c->argv[1]->ptr;
    if (evalsha && sdslen(arg) != 40) return cmd_flags;
    evalScript *s = NULL;
    if (scripts) {
        char sha[41];
        if (evalsha) {
            for (int i = 0; i < 40; i++) sha[i] = tolower((unsigned char)arg[i]);
            sha[40] = '\0';
        } else {
            scriptBodySha(c->argv[1], sha);
        }
        s = scriptLookup(sha);
    }
    if (s) {
        script_flags = s->flags;
    } else {
        if (evalsha) return cmd_flags;
        size_t skip;
        sds err = NULL;
        if (parseShebang(arg, sdslen(arg), &script_flags, &skip, &err) != C_OK) {
            sdsfree(err);
            return cmd_flags;
        }
    }
    if (script_flags & SCRIPT_FLAG_EVAL_COMPAT_MODE) return cmd_flags;
    return scriptFlagsToCmdFlags(cmd_flags, script_flags);
}

/* ---------------------------------------------------------------------------
 * EVAL / EVALSHA
 * ------------------------------------------------------------------------ */
/* Checks before a script with a shebang runs; C_ERR when replied. */
int scriptAllowedToRun(client *c, int flags, int ro) {
    if (flags & SCRIPT_FLAG_EVAL_COMPAT_MODE) return C_OK;
    if (ro && !(flags & SCRIPT_FLAG_NO_WRITES)) {
        addReplyError(c, "Can not execute a script with write flag using *_ro command.");
        return C_ERR;
    }
    if (!(flags & SCRIPT_FLAG_NO_WRITES)) {
        sds derr = persistenceDenyWritesError();
        if (derr) {
            addReplyErrorSds(c, derr);
            return C_ERR;
        }
    }
    if (!(flags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES)) && server.maxmemory &&
        !(c->flags & CLIENT_MASTER) && performEvictions() == EVICT_FAIL) {
        /* Usually processCommand refused it already (such an EVAL is
         * denyoom); this is the EXEC path, worded as stock words it. */
        addReplyError(c, "-OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'");
        return C_ERR;
    }
    return C_OK;
}

/* Each script leaves some garbage (its KEYS/ARGV tables, reply strings),
 * which Lua's own incremental collector would get to only as allocations
 * grow; an explicit step keeps the heap small. But one step per run costs
 * more than the scripts themselves (a 3-command EVAL spent 18% of the
 * server's time in lua_gc), so one larger step is taken every
 * SCRIPT_GC_PERIOD runs instead. A static counter is enough: the EVAL and
 * FUNCTION interpreters each get stepped often, whichever runs. */
#define SCRIPT_GC_PERIOD 50

static void scriptGcStep(lua_State *L) {
    static int runs = 0;
    if (++runs < SCRIPT_GC_PERIOD) return;
    runs = 0;
    lua_gc(L, LUA_GCSTEP, SCRIPT_GC_PERIOD);
}

/* Run the Lua function sitting at handler_idx + 1 with nargs arguments
 * above it (pushed by the caller: EVAL here, FCALL in functions.c), reply
 * with its result or error and clear the stack down to handler_idx - 1. */
void scriptExecute(client *c, lua_State *L, const char *funcname, int flags, int ro,
                   int is_function, int handler_idx, int nargs) {
    /* EVAL/FCALL skip the after-the-fact MONITOR feed: they show up here,
     * before the commands they run, as in stock. */
    if (listLength(server.monitors) && !(c->flags & CLIENT_SCRIPT))
        replicationFeedMonitors(c, server.monitors, c->db->id, c->argv, c->argc);
    /* Effects replication, the only kind in 7.0: the writes the script
     * makes propagate (wrapped in MULTI/EXEC when more than one), never
     * the EVAL/FCALL itself, so replicas and the AOF get the same result
     * even from TIME, SPOP or random reads. */
    c->flags |= CLIENT_PREVENT_PROP_ANY;
    scriptRunCtx ctx = {0};
    ctx.caller = c;
    ctx.fake = scriptFakeClient();
    ctx.funcname = funcname;
    ctx.flags = flags;
    ctx.read_only = ro || (flags & SCRIPT_FLAG_NO_WRITES);
    ctx.is_function = is_function;
    ctx.start_ms = mstime();
    ctx.fake->user = c->user;
    ctx.fake->db = c->db;
    curRunCtx = &ctx;
    luaEnvResetResp();

    if (ldbIsActive()) ldbSetHook(L);
    else luaEnvSetHook(L);
    int err = lua_pcall(L, nargs, 1, handler_idx);
    lua_sethook(L, NULL, 0, 0);
    if (err) {
        sds msg;
        int counted = luaEnvFormatError(L, &msg, funcname);
        luaEnvReplyError(c, msg, counted);
        lua_pop(L, 1);
    } else {
        luaEnvReplyToClient(c, L, luaEnvScriptResp());
    }
    lua_settop(L, handler_idx - 1);
    if (ctx.timedout) {
        unprotectClient(c);
        if (clientHasPendingReplies(c)) putClientInPendingWriteQueue(c);
    }
    curRunCtx = NULL;
    scriptGcStep(L);
}

client *scriptFakeClient(void) {
    if (!lua_fake) {
        lua_fake = createClient(NULL);
        lua_fake->flags |= CLIENT_SCRIPT | CLIENT_NOINTERACT;
    }
    return lua_fake;
}

static void evalRun(client *c, const char *sha, evalScript *s, int numkeys, int ro) {
    if (scriptAllowedToRun(c, s->flags, ro) != C_OK) return;
    luaEnvSetKeysArgv(lua, c->argv + 3, numkeys, c->argv + 3 + numkeys, c->argc - 3 - numkeys);
    int handler = luaEnvErrorHandlerRef(lua);
    char name[43];
    scriptFuncName(sha, name);
    lua_getfield(lua, LUA_REGISTRYINDEX, name);
    scriptExecute(c, lua, sha, s->flags, ro, 0, handler, 0);
}

static void evalGeneric(client *c, int evalsha, int ro) {
    long long numkeys;
    evalInit();
    if (getLongLongFromObjectOrReply(c, c->argv[2], &numkeys, NULL) != C_OK) return;
    if (numkeys > (c->argc - 3)) {
        addReplyError(c, "Number of keys can't be greater than number of args");
        return;
    }
    if (numkeys < 0) {
        addReplyError(c, "Number of keys can't be negative");
        return;
    }
    char sha[41];
    if (evalsha) {
        sds a = c->argv[1]->ptr;
        if (sdslen(a) != 40) {
            addReplyErrorObject(c, shared.noscripterr);
            return;
        }
        for (int i = 0; i < 40; i++) sha[i] = tolower((unsigned char)a[i]);
        sha[40] = '\0';
    } else {
        scriptBodySha(c->argv[1], sha);
        forgetLastSha(); /* used: do not keep the body past its EVAL */
    }
    evalScript *s = scriptLookup(sha);
    if (!s) {
        if (evalsha) {
            addReplyErrorObject(c, shared.noscripterr);
            return;
        }
        sds err = NULL;
        s = scriptCreate(sha, c->argv[1], &err);
        if (!s) {
            addReplyErrorSds(c, err);
            return;
        }
    }
    evalRun(c, sha, s, (int)numkeys, ro);
}

/* A client that sent SCRIPT DEBUG YES|SYNC debugs its next EVAL
 * (see eval_debug.c); EVALSHA cannot be debugged. */
static void evalMaybeDebugged(client *c, int evalsha, int ro) {
    if (!(c->flags & CLIENT_LUA_DEBUG)) {
        evalGeneric(c, evalsha, ro);
    } else if (evalsha) {
        addReplyError(c, "Please use EVAL instead of EVALSHA for debugging");
    } else if (ldbStartSession(c)) {
        evalGeneric(c, 0, ro);
        ldbEndSession(c);
    }
}

void evalCommand(client *c) { evalMaybeDebugged(c, 0, 0); }
void evalRoCommand(client *c) { evalMaybeDebugged(c, 0, 1); }
void evalShaCommand(client *c) { evalMaybeDebugged(c, 1, 0); }
void evalShaRoCommand(client *c) { evalMaybeDebugged(c, 1, 1); }

/* ---------------------------------------------------------------------------
 * SCRIPT
 * ------------------------------------------------------------------------ */
/* SCRIPT KILL (is_eval) / FUNCTION KILL, checks in stock's order: the
 * wrong KILL for what runs answers that the server is busy with the
 * other kind. */
void scriptKill(client *c, int is_eval) {
    scriptRunCtx *r = curRunCtx;
    if (!r) {
        addReplyError(c, "-NOTBUSY No scripts in execution right now.");
        return;
    }
    if (r->caller->flags & CLIENT_MASTER) {
        addReplyError(c, "-UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.");
        return;
    }
    if (r->wrote) {
        addReplyError(c, "-UNKILLABLE Sorry the script already executed write commands against the dataset. "
                      "You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.");
        return;
    }
    if (is_eval && r->is_function) {
        addReplyErrorObject(c, shared.slowscripterr);
        return;
    }
    if (!is_eval && !r->is_function) {
        addReplyErrorObject(c, shared.slowevalerr);
        return;
    }
    r->killed = 1;
    addReply(c, shared.ok);
}

void scriptCommand(client *c) {
    evalInit();
    const char *sub = c->argv[1]->ptr;
    if (c->argc == 2 && !strcasecmp(sub, "help")) {
        const char *help[] = {
            "DEBUG (YES|SYNC|NO)",
            "    Set the debug mode for subsequent scripts executed.",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
            NULL};
        addReplyHelp(c, help);
    } else if (c->argc >= 2 && !strcasecmp(sub, "flush")) {
        if (c->argc > 3 || (c->argc == 3 && strcasecmp(c->argv[2]->ptr, "sync") &&
                            strcasecmp(c->argv[2]->ptr, "async"))) {
            addReplyError(c, "SCRIPT FLUSH only support SYNC|ASYNC option");
            return;
        }
        evalReset();
        addReply(c, shared.ok);
    } else if (c->argc >= 2 && !strcasecmp(sub, "exists")) {
        addReplyArrayLen(c, c->argc - 2);
        for (int j = 2; j < c->argc; j++) {
            sds a = c->argv[j]->ptr;
            addReplyLongLong(c, sdslen(a) == 40 && dictFind(scripts, a) ? 1 : 0);
        }
    } else if (c->argc == 3 && !strcasecmp(sub, "load")) {
        char sha[41];
        sha1hexOf(sha, c->argv[2]->ptr, sdslen(c->argv[2]->ptr));
        int known = scriptLookup(sha) != NULL;
        if (!known) {
            sds err = NULL;
            if (!scriptCreate(sha, c->argv[2], &err)) {
                addReplyErrorSds(c, err);
                return;
            }
        }
        addReplyBulkCBuffer(c, sha, 40);
    } else if (c->argc == 2 && !strcasecmp(sub, "kill")) {
        scriptKill(c, 1);
    } else if (c->argc == 3 && !strcasecmp(sub, "debug")) {
        ldbScriptDebugCommand(c);
    } else {
        addReplySubcommandSyntaxError(c);
    }
}

/* INFO memory / MEMORY STATS. Before first use the figures are those of
 * stock's idle interpreters (memory.c has the same constants). */
void scriptingMemoryInfo(scriptingMemInfo *smi) {
    memset(smi, 0, sizeof(*smi));
    smi->lua_vm = lua ? (size_t)lua_gc(lua, LUA_GCCOUNT, 0) * 1024 : 32768;
    smi->lua_scripts_count = scripts ? dictSize(scripts) : 0;
    smi->lua_caches = scripts ? scripts_body_bytes + dictSize(scripts) * 64 : 0;
    functionsMemoryInfo(smi);
}
