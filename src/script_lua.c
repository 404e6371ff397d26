/* script_lua.c: the Lua environment scripts run in (EVAL now, functions
 * later): the interpreter with the libraries Redis scripts expect, the
 * sandbox (read-only globals, no file access, deterministic math.random),
 * the redis.* API (call/pcall and friends) and the conversions between
 * Lua values and RESP replies in both directions.
 *
 * Read-only tables: stock Redis patches its Lua for them; Debian's Lua 5.1
 * is unpatched, so every protected table is an empty proxy whose metatable
 * forwards reads and refuses writes. next/pairs/ipairs/rawget/rawset are
 * replaced by versions that see through proxies, so iterating _G or a
 * library still works as in stock. */
#include "server.h"
#include "script_lua.h"
#include "sha1.h"
#include "acl.h"
#include <math.h>
#include <ctype.h>

scriptRunCtx *curRunCtx = NULL;
static int script_resp = 2; /* redis.setresp() of the running script */

int luaEnvScriptResp(void) { return script_resp; }
void luaEnvResetResp(void) { script_resp = 2; }

/* ---------------------------------------------------------------------------
 * Deterministic math.random: the 48-bit linear congruential generator of
 * POSIX drand48. As in 7.0 it is never reseeded between scripts (effects
 * replication makes that unnecessary): the sequence starts from drand48's
 * unseeded state when the server starts and math.randomseed() moves it.
 * ------------------------------------------------------------------------ */
static uint64_t rand48_state = 0x1234ABCD330EULL; /* drand48's unseeded state */

static void rand48Seed(int32_t seed) {
    rand48_state = (((uint64_t)(uint32_t)seed) << 16) | 0x330E;
}

static int32_t rand48Next(void) {
    rand48_state = (rand48_state * 0x5DEECE66DULL + 0xB) & ((1ULL << 48) - 1);
    return (int32_t)(rand48_state >> 17);
}

void luaEnvResetRandom(void) { rand48Seed(0); }

static int luaMathRandom(lua_State *L) {
    lua_Number r = (rand48Next() % INT32_MAX) / (lua_Number)INT32_MAX;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, r);
        break;
    case 1: {
        int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, floor(r * u) + 1);
        break;
    }
    case 2: {
        int l = luaL_checkint(L, 1), u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, floor(r * (u - l + 1)) + l);
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments");
    }
    return 1;
}

static int luaMathRandomseed(lua_State *L) {
    rand48Seed(luaL_checkint(L, 1));
    return 0;
}

/* ---------------------------------------------------------------------------
 * Errors raised to scripts: a table {err="..."} like stock's error replies.
 * ------------------------------------------------------------------------ */
static void pushErrorTable(lua_State *L, const char *msg, size_t len) {
    lua_newtable(L);
    lua_pushstring(L, "err");
    lua_pushlstring(L, msg, len);
    lua_settable(L, -3);
}

/* Errors redis.call/pcall hand to scripts were already counted in the
 * error stats (by the command, or by failCall): the field tells the final
 * reply not to count them again. Scripts see it, as in stock. */
#define ERR_STATS_FIELD "ignore_error_stats_update"

static void pushCountedErrorTable(lua_State *L, const char *msg, size_t len) {
    pushErrorTable(L, msg, len);
    lua_pushstring(L, ERR_STATS_FIELD);
    lua_pushboolean(L, 1);
    lua_settable(L, -3);
}

static int tableHasStatsFlag(lua_State *L, int idx) {
    lua_getfield(L, idx, ERR_STATS_FIELD);
    int r = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return r;
}

/* An error reply that the error stats must not see (already counted). */
static void addReplyErrorUncounted(client *c, sds msg) {
    /* still a failed call of the script's command (EVAL, FCALL) */
    if (c->realcmd) c->realcmd->failed_calls++;
    for (size_t i = 0; i < sdslen(msg); i++)
        if (msg[i] == '\r' || msg[i] == '\n') msg[i] = ' ';
    if (msg[0] != '-') addReplyProto(c, "-ERR ", 5);
    addReplyProto(c, msg, sdslen(msg));
    addReplyProto(c, "\r\n", 2);
    sdsfree(msg);
}

void luaEnvReplyError(client *c, sds msg, int counted) {
    if (counted) addReplyErrorUncounted(c, msg);
    else addReplyErrorSds(c, msg);
}


/* The message handler of every script call: turns any error into a table
 * {err=, source=, line=} naming where in the script it happened (skipping
 * the C function that raised it, such as error() or redis.call). */
static int luaErrorHandler(lua_State *L) {
    lua_Debug ar;
    int have = 0;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar)) {
        have = 1;
        if (!strcmp(ar.what, "C")) have = lua_getstack(L, 2, &ar) && lua_getinfo(L, "Sl", &ar);
    }
    if (!lua_istable(L, 1)) {
        const char *s = lua_tostring(L, 1);
        sds msg = sdscatfmt(sdsempty(), "ERR %s", s ? s : (lua_isnil(L, 1) ? "nil" : "unknown error"));
        pushErrorTable(L, msg, sdslen(msg));
        sdsfree(msg);
        lua_replace(L, 1);
        lua_settop(L, 1);
    }
    if (have) {
        lua_pushstring(L, "source");
        lua_pushstring(L, ar.source);
        lua_rawset(L, 1);
        lua_pushstring(L, "line");
        lua_pushinteger(L, ar.currentline);
        lua_rawset(L, 1);
    }
    lua_settop(L, 1);
    return 1;
}

int luaEnvErrorHandlerRef(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, "__redis__err__handler");
    return lua_gettop(L);
}

/* Error reply for the error value left by a failed script call. */
int luaEnvFormatError(lua_State *L, sds *out, const char *funcname) {
    if (!lua_istable(L, -1)) {
        const char *s = lua_tostring(L, -1);
        *out = sdscatfmt(sdsempty(), "-ERR %s", s ? s : "unknown error");
        return 0;
    }
    int counted = tableHasStatsFlag(L, lua_gettop(L));
    lua_getfield(L, -1, "err");
    lua_getfield(L, -2, "source");
    lua_getfield(L, -3, "line");
    const char *msg = lua_tostring(L, -3);
    const char *src = lua_tostring(L, -2);
    const char *line = lua_tostring(L, -1);
    if (!msg) msg = "ERR unknown error";
    if (*msg == '-') msg++;
    if (src && line)
        *out = sdscatfmt(sdsempty(), "-%s script: %s, on %s:%s.", msg, funcname, src, line);
    else
        *out = sdscatfmt(sdsempty(), "-%s", msg);
    lua_pop(L, 3);
    return counted;
}

/* ---------------------------------------------------------------------------
 * RESP reply (from the fake client's buffer) -> Lua value
 * ------------------------------------------------------------------------ */
static const char *pushReply(lua_State *L, const char *p, const char *end);

static const char *lineEnd(const char *p, const char *end) {
    const char *q = memchr(p, '\r', end - p);
    return q ? q : end;
}

static void setField(lua_State *L, const char *k) { lua_setfield(L, -2, k); }

static const char *pushAggregate(lua_State *L, const char *p, const char *end, char type, long long n) {
    if (!lua_checkstack(L, 5)) luaL_error(L, "reached lua stack limit");
    lua_newtable(L);
    if (type == '*' || type == '>') {
        for (long long i = 1; i <= n; i++) {
            p = pushReply(L, p, end);
            lua_rawseti(L, -2, (int)i);
        }
        return p;
    }
    lua_newtable(L);
    for (long long i = 0; i < n; i++) {
        p = pushReply(L, p, end);
        if (type == '%') p = pushReply(L, p, end);
        else lua_pushboolean(L, 1);
        lua_settable(L, -3);
    }
    setField(L, type == '%' ? "map" : "set");
    return p;
}

static const char *pushReply(lua_State *L, const char *p, const char *end) {
    char type = *p++;
    const char *le = lineEnd(p, end);
    const char *next = le + 2;
    long long n;
    switch (type) {
    case '+':
        lua_newtable(L);
        lua_pushlstring(L, p, le - p);
        setField(L, "ok");
        return next;
    case '-':
        ldbLogError(p - 1, le - p + 1); /* with its '-', as stock logs it */
        pushCountedErrorTable(L, p, le - p);
        return next;
    case ':':
        string2ll(p, le - p, &n);
        lua_pushnumber(L, (lua_Number)n);
        return next;
    case '$':
    case '=':
        string2ll(p, le - p, &n);
        if (n < 0) {
            lua_pushboolean(L, 0);
            return next;
        }
        if (type == '=') {
            lua_newtable(L);
            lua_newtable(L);
            lua_pushlstring(L, next, n < 4 ? 0 : 3);
            setField(L, "format");
            lua_pushlstring(L, next + (n < 4 ? 0 : 4), n < 4 ? n : n - 4);
            setField(L, "string");
            setField(L, "verbatim_string");
        } else {
            lua_pushlstring(L, next, n);
        }
        return next + n + 2;
    case '*': case '%': case '~': case '>':
        string2ll(p, le - p, &n);
        if (n < 0) {
            lua_pushboolean(L, 0);
            return next;
        }
        return pushAggregate(L, next, end, type, n);
    case '|': /* attributes are dropped */
        string2ll(p, le - p, &n);
        for (long long i = 0; i < n; i++) {
            next = pushReply(L, next, end);
            next = pushReply(L, next, end);
            lua_pop(L, 2);
        }
        return pushReply(L, next, end);
    case '_':
        lua_pushnil(L);
        return next;
    case '#':
        lua_pushboolean(L, *p == 't');
        return next;
    case ',': {
        char buf[128];
        size_t l = (size_t)(le - p) < sizeof(buf) - 1 ? (size_t)(le - p) : sizeof(buf) - 1;
        memcpy(buf, p, l);
        buf[l] = '\0';
        lua_newtable(L);
        lua_pushnumber(L, strtod(buf, NULL));
        setField(L, "double");
        return next;
    }
    case '(':
        lua_newtable(L);
        lua_pushlstring(L, p, le - p);
        setField(L, "big_number");
        return next;
    default:
        lua_pushnil(L);
        return end;
    }
}

/* All the reply bytes the fake client gathered, then reset it. */
static sds takeFakeReply(client *c) {
    sds s = sdsnewlen(c->buf, c->bufpos);
    while (listLength(c->reply)) {
        listNode *ln = listFirst(c->reply);
        clientReplyBlock *b = listNodeValue(ln);
        s = sdscatlen(s, b->buf, b->used);
        listDelNode(c->reply, ln);
    }
    c->bufpos = 0;
    c->reply_bytes = 0;
    return s;
}

/* ---------------------------------------------------------------------------
 * Lua value -> reply to the calling client
 * ------------------------------------------------------------------------ */
static int tableStringField(lua_State *L, const char *field) {
    lua_pushstring(L, field);
    lua_rawget(L, -2);
    if (lua_type(L, -1) == LUA_TSTRING) return 1;
    lua_pop(L, 1);
    return 0;
}

static int tableTypedField(lua_State *L, const char *field, int type) {
    lua_pushstring(L, field);
    lua_rawget(L, -2);
    if (lua_type(L, -1) == type) return 1;
    lua_pop(L, 1);
    return 0;
}

static sds newlinesToSpaces(sds s) {
    for (size_t i = 0; i < sdslen(s); i++)
        if (s[i] == '\r' || s[i] == '\n') s[i] = ' ';
    return s;
}

void luaEnvReplyToClient(client *c, lua_State *L, int resp) {
    if (!lua_checkstack(L, 4)) {
        addReplyError(c, "reached lua stack limit");
        lua_pop(L, 1);
        return;
    }
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        addReplyBulkCBuffer(c, s, len);
        break;
    }
    case LUA_TBOOLEAN:
        if (resp == 2) {
            if (lua_toboolean(L, -1)) addReplyLongLong(c, 1);
            else addReplyNull(c);
        } else {
            addReplyBool(c, lua_toboolean(L, -1));
        }
        break;
    case LUA_TNUMBER:
        addReplyLongLong(c, (long long)lua_tonumber(L, -1));
        break;
    case LUA_TTABLE:
        if (tableStringField(L, "err")) {
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            sds e = sdsnewlen("-", 1);
            e = sdscatlen(e, s, len);
            lua_pop(L, 1);
            luaEnvReplyError(c, e, tableHasStatsFlag(L, lua_gettop(L)));
        } else if (tableStringField(L, "ok")) {
            sds s = newlinesToSpaces(sdsnew(lua_tostring(L, -1)));
            addReplyStatusLength(c, s, sdslen(s));
            sdsfree(s);
            lua_pop(L, 1);
        } else if (tableTypedField(L, "double", LUA_TNUMBER)) {
            addReplyDouble(c, lua_tonumber(L, -1));
            lua_pop(L, 1);
        } else if (tableStringField(L, "big_number")) {
            sds s = newlinesToSpaces(sdsnew(lua_tostring(L, -1)));
            addReplyBigNum(c, s, sdslen(s));
            sdsfree(s);
            lua_pop(L, 1);
        } else if (tableTypedField(L, "map", LUA_TTABLE)) {
            long n = 0;
            void *dl = addReplyDeferredLen(c);
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                lua_pushvalue(L, -2);
                luaEnvReplyToClient(c, L, resp); /* key (pops the copy) */
                luaEnvReplyToClient(c, L, resp); /* value */
                n++;
            }
            setDeferredMapLen(c, dl, n);
            lua_pop(L, 1);
        } else if (tableTypedField(L, "set", LUA_TTABLE)) {
            long n = 0;
            void *dl = addReplyDeferredLen(c);
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                lua_pop(L, 1);
                lua_pushvalue(L, -1);
                luaEnvReplyToClient(c, L, resp);
                n++;
            }
            setDeferredSetLen(c, dl, n);
            lua_pop(L, 1);
        } else {
            void *dl = addReplyDeferredLen(c);
            long j = 1;
            for (;; j++) {
                lua_rawgeti(L, -1, (int)j);
                if (lua_isnil(L, -1)) {
                    lua_pop(L, 1);
                    break;
                }
                luaEnvReplyToClient(c, L, resp);
            }
            setDeferredArrayLen(c, dl, j - 1);
        }
        break;
    default:
        addReplyNull(c);
    }
    lua_pop(L, 1);
}

/* ---------------------------------------------------------------------------
 * redis.call / redis.pcall
 * ------------------------------------------------------------------------ */
/* Our own refusals carry an error code like command errors do ("ERR ..."
 * unless the text names one itself, "-OOM ..."). */
static int failCall(lua_State *L, int raise, const char *msg, struct redisCommand *cmd) {
    ldbLogError(msg, strlen(msg));
    sds e = msg[0] == '-' ? sdsnew(msg + 1) : sdscatfmt(sdsempty(), "ERR %s", msg);
    const char *sp = strchr(e, ' ');
    server.stat_total_error_replies++;
    incrementErrorCount(e, sp ? (size_t)(sp - e) : sdslen(e));
    incrCommandStatsOnError(cmd, 1);
    pushCountedErrorTable(L, e, sdslen(e));
    sdsfree(e);
    if (raise) return lua_error(L);
    return 1;
}

/* An error from a redis.* helper: a bare string, so no script position is
 * prefixed (the error handler adds "ERR " and where it happened). */
static int plainError(lua_State *L, const char *msg) {
    ldbLogError(msg, strlen(msg));
    lua_pushstring(L, msg);
    return lua_error(L);
}

static const char *aclDenyMessage(int reason) {
    switch (reason) {
    case ACL_DENIED_CMD: return "The user executing the script can't run this command or subcommand";
    case ACL_DENIED_KEY: return "The user executing the script can't access at least one of the keys mentioned in the command arguments";
    case ACL_DENIED_CHANNEL: return "The user executing the script can't publish to the channel mentioned in the command";
    default: return "The user executing the script is lacking the permissions for the command";
    }
}

/* Lua arguments -> argv; NULL (and *err set) for a bad argument. */
static robj **argsFromLua(lua_State *L, int argc) {
    robj **argv = zmalloc(sizeof(robj *) * argc);
    for (int j = 0; j < argc; j++) {
        int t = lua_type(L, j + 1);
        if (t == LUA_TNUMBER) {
            char buf[64];
            int l = snprintf(buf, sizeof(buf), "%.17g", (double)lua_tonumber(L, j + 1));
            argv[j] = createStringObject(buf, l);
        } else if (t == LUA_TSTRING) {
            size_t l;
            const char *s = lua_tolstring(L, j + 1, &l);
            argv[j] = createStringObject(s, l);
        } else {
            for (int k = 0; k < j; k++) decrRefCount(argv[k]);
            zfree(argv);
            return NULL;
        }
    }
    return argv;
}

static void freeArgs(robj **argv, int argc) {
    for (int j = 0; j < argc; j++) decrRefCount(argv[j]);
    zfree(argv);
}

/* Why the command may not run from this script, or NULL. */
static const char *scriptDenyReason(struct redisCommand *cmd, client *fake, int *acl_reason, int *acl_pos) {
    scriptRunCtx *r = curRunCtx;
    if (cmd->flags & CMD_NOSCRIPT) return "This Redis command is not allowed from script";
    if (r->caller->user) {
        int pos = 0;
        int res = ACLCheckAllUserCommandPerm(r->caller->user, cmd, fake->argv, fake->argc, &pos);
        if (res != ACL_OK) {
            *acl_reason = res;
            *acl_pos = pos;
            return aclDenyMessage(res);
        }
    }
    if (cmd->flags & CMD_WRITE) {
        if (r->read_only) return "Write commands are not allowed from read-only scripts.";
    }
    if ((r->flags & SCRIPT_FLAG_EVAL_COMPAT_MODE) && !r->wrote && (cmd->flags & CMD_DENYOOM) &&
        server.maxmemory && performEvictions() == EVICT_FAIL)
        return "-OOM command not allowed when used memory > 'maxmemory'.";
    return NULL;
}

static int luaRedisCommand(lua_State *L, int raise) {
    scriptRunCtx *r = curRunCtx;
    int argc = lua_gettop(L);
    if (!r) return plainError(L, "redis.call/pcall can only be called inside a script invocation");
    if (argc == 0) return failCall(L, raise, "Please specify at least one argument for this redis lib call", NULL);
    robj **argv = argsFromLua(L, argc);
    if (!argv) return failCall(L, raise, "Lua redis lib command arguments must be strings or integers", NULL);

    ldbLogRedisCommand(argv, argc);
    client *fake = r->fake;
    fake->argv = argv;
    fake->argc = argc;
    fake->argv_len = argc;
    fake->user = r->caller->user;
    fake->resp = script_resp;
    struct redisCommand *cmd = lookupCommand(argv, argc);
    const char *deny = NULL;
    int acl_reason = 0, acl_pos = 0;
    if (!cmd) deny = "Unknown Redis command called from script";
    else if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity)
        deny = "Wrong number of args calling Redis command from script";
    else deny = scriptDenyReason(cmd, fake, &acl_reason, &acl_pos);
    if (deny) {
        if (acl_reason) {
            /* Logged against the caller, naming what the script asked for. */
            sds object = acl_reason == ACL_DENIED_CMD ? sdsnew(cmd->fullname)
                                                      : sdsdup(argv[acl_pos]->ptr);
            addACLLogEntry(r->caller, acl_reason, ACL_LOG_CTX_LUA, acl_pos, NULL, object);
        }
        fake->argv = NULL;
        fake->argc = 0;
        freeArgs(argv, argc);
        lua_settop(L, 0);
        return failCall(L, raise, deny, cmd);
    }
    fake->cmd = fake->lastcmd = fake->realcmd = cmd;
    long long dirty = server.dirty;
    call(fake, CMD_CALL_SLOWLOG | CMD_CALL_STATS | CMD_CALL_PROPAGATE);
    if (server.dirty != dirty) r->wrote = 1;
    freeArgs(fake->argv, fake->argc);
    fake->argv = NULL;
    fake->argc = 0;

    sds reply = takeFakeReply(fake);
    lua_settop(L, 0);
    if (sdslen(reply) == 0) {
        lua_pushnil(L);
    } else {
        pushReply(L, reply, reply + sdslen(reply));
        ldbLogRedisReply(reply);
    }
    int is_err = sdslen(reply) && reply[0] == '-';
    sdsfree(reply);
    if (is_err && raise) return lua_error(L);
    return 1;
}

static int luaRedisCall(lua_State *L) { return luaRedisCommand(L, 1); }
static int luaRedisPCall(lua_State *L) { return luaRedisCommand(L, 0); }

/* ---------------------------------------------------------------------------
 * The rest of the redis.* API
 * ------------------------------------------------------------------------ */
static int luaRedisSha1hex(lua_State *L) {
    if (lua_gettop(L) != 1) return plainError(L, "wrong number of arguments");
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    unsigned char digest[SHA1_DIGEST_LEN];
    char hex[41];
    sha1(s ? s : "", s ? len : 0, digest);
    sha1Hex(digest, hex);
    lua_pushstring(L, hex);
    return 1;
}

static int luaReplyTable(lua_State *L, const char *field) {
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
        /* returned, not raised: the script replies with this error */
        const char *e = "ERR wrong number or type of arguments";
        pushErrorTable(L, e, strlen(e));
        return 1;
    }
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    sds text = NULL;
    if (!strcmp(field, "err")) {
        /* As stock: one leading '-' is dropped, and a message without a
         * space (so without an error code) gets the generic "ERR " code. */
        if (len && s[0] == '-') s++, len--;
        text = memchr(s, ' ', len) ? sdsnewlen(s, len) : sdscatlen(sdsnew("ERR "), s, len);
        s = text;
        len = sdslen(text);
        if (ldbIsStepping()) {
            sds logged = sdscatlen(sdsnewlen("-", 1), s, len);
            ldbLogError(logged, sdslen(logged));
            sdsfree(logged);
        }
    }
    lua_newtable(L);
    lua_pushstring(L, field);
    lua_pushlstring(L, s, len);
    lua_settable(L, -3);
    sdsfree(text);
    return 1;
}

static int luaRedisErrorReply(lua_State *L) { return luaReplyTable(L, "err"); }
static int luaRedisStatusReply(lua_State *L) { return luaReplyTable(L, "ok"); }

static int luaRedisLog(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc < 2) return plainError(L, "redis.log() requires two arguments or more.");
    if (!lua_isnumber(L, 1)) return plainError(L, "First argument must be a number (log level).");
    int level = lua_tointeger(L, 1);
    if (level < LL_DEBUG || level > LL_WARNING) return plainError(L, "Invalid debug level.");
    if (level < server.verbosity) return 0;
    sds msg = sdsempty();
    for (int j = 2; j <= argc; j++) {
        size_t len;
        const char *s = lua_tolstring(L, j, &len);
        if (s) {
            if (j != 2) msg = sdscatlen(msg, " ", 1);
            msg = sdscatlen(msg, s, len);
        }
    }
    serverLogRaw(level, msg);
    sdsfree(msg);
    return 0;
}

static int luaRedisSetResp(lua_State *L) {
    if (lua_gettop(L) != 1) return plainError(L, "redis.setresp() requires one argument.");
    int resp = lua_tointeger(L, 1);
    if (resp != 2 && resp != 3) return plainError(L, "RESP version must be 2 or 3.");
    script_resp = resp;
    return 0;
}

static int luaRedisSetRepl(lua_State *L) {
    if (!curRunCtx) return plainError(L, "redis.set_repl can only be called inside a script invocation");
    if (lua_gettop(L) != 1) return plainError(L, "redis.set_repl() requires one argument.");
    int flags = lua_tointeger(L, 1);
    if (flags & ~3) return plainError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
    return 0;
}

static int luaRedisReplicateCommands(lua_State *L) {
    lua_pushboolean(L, 1);
    return 1;
}

static int luaRedisAclCheckCmd(lua_State *L) {
    if (!curRunCtx) return plainError(L, "redis.acl_check_cmd can only be called inside a script invocation");
    int argc = lua_gettop(L);
    if (argc == 0) return plainError(L, "Please specify at least one argument for this redis lib call");
    robj **argv = argsFromLua(L, argc);
    if (!argv) return plainError(L, "Lua redis lib command arguments must be strings or integers");
    struct redisCommand *cmd = lookupCommand(argv, argc);
    if (!cmd) {
        freeArgs(argv, argc);
        return plainError(L, "Invalid command passed to redis.acl_check_cmd()");
    }
    int ok = 1;
    client *caller = curRunCtx->caller;
    if (caller->user) {
        int pos;
        ok = ACLCheckAllUserCommandPerm(caller->user, cmd, argv, argc, &pos) == ACL_OK;
    }
    freeArgs(argv, argc);
    lua_pushboolean(L, ok);
    return 1;
}

static void setFunc(lua_State *L, const char *name, lua_CFunction f) {
    lua_pushstring(L, name);
    lua_pushcfunction(L, f);
    lua_settable(L, -3);
}

static void setNum(lua_State *L, const char *name, lua_Number n) {
    lua_pushstring(L, name);
    lua_pushnumber(L, n);
    lua_settable(L, -3);
}

/* The order fields are added in decides the table's iteration order, which
 * shows in the debugger's rendering of `redis`: stock's order is kept. */
static void registerRedisApi(lua_State *L) {
    lua_newtable(L);
    setFunc(L, "call", luaRedisCall);
    setFunc(L, "pcall", luaRedisPCall);
    setFunc(L, "log", luaRedisLog);
    setNum(L, "LOG_DEBUG", LL_DEBUG);
    setNum(L, "LOG_VERBOSE", LL_VERBOSE);
    setNum(L, "LOG_NOTICE", LL_NOTICE);
    setNum(L, "LOG_WARNING", LL_WARNING);
    setNum(L, "REDIS_VERSION_NUM", REDIS_VERSION_NUM);
    lua_pushstring(L, "REDIS_VERSION");
    lua_pushstring(L, REDIS_VERSION);
    lua_settable(L, -3);
    setFunc(L, "setresp", luaRedisSetResp);
    setFunc(L, "sha1hex", luaRedisSha1hex);
    setFunc(L, "error_reply", luaRedisErrorReply);
    setFunc(L, "status_reply", luaRedisStatusReply);
    setFunc(L, "set_repl", luaRedisSetRepl);
    setNum(L, "REPL_NONE", 0);
    setNum(L, "REPL_AOF", 1);
    setNum(L, "REPL_SLAVE", 2);
    setNum(L, "REPL_REPLICA", 2);
    setNum(L, "REPL_ALL", 3);
    setFunc(L, "acl_check_cmd", luaRedisAclCheckCmd);
    setFunc(L, "breakpoint", ldbLuaBreakpoint);
    setFunc(L, "debug", ldbLuaDebug);
    setFunc(L, "replicate_commands", luaRedisReplicateCommands);
    lua_setglobal(L, "redis");
}

/* ---------------------------------------------------------------------------
 * The sandbox: read-only proxies for globals and library tables
 * ------------------------------------------------------------------------ */
#define PROXY_MAP "__redis_proxies" /* registry: proxy -> real table */

/* Push the real table behind the value at idx (the value itself when it
 * is not a proxy). The debugger uses it to show library tables' contents,
 * as stock does with its unproxied read-only tables. */
void luaEnvPushReal(lua_State *L, int idx) {
    if (idx < 0 && idx > LUA_REGISTRYINDEX) idx = lua_gettop(L) + idx + 1;
    lua_getfield(L, LUA_REGISTRYINDEX, PROXY_MAP);
    lua_pushvalue(L, idx);
    lua_rawget(L, -2);
    lua_remove(L, -2);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushvalue(L, idx);
    }
}

static int isProxy(lua_State *L, int idx) {
    lua_getfield(L, LUA_REGISTRYINDEX, PROXY_MAP);
    lua_pushvalue(L, idx);
    lua_rawget(L, -2);
    int r = !lua_isnil(L, -1);
    lua_pop(L, 2);
    return r;
}

static void makeProxy(lua_State *L, int index_is_globals);

/* A write through a read-only proxy (`x = 1`, `_G.y = 2`): the message
 * carries the script position, as stock's does. */
static int readonlyError(lua_State *L) {
    return luaL_error(L, "Attempt to modify a readonly table");
}

/* The same refusal from rawset/setmetatable on a proxy: stock raises it
 * without a position (its error handler appends script and line). */
static int readonlyErrorNoPosition(lua_State *L) {
    lua_pushstring(L, "Attempt to modify a readonly table");
    return lua_error(L);
}

static int globalsIndex(lua_State *L) {
    /* upvalue 1: the real globals */
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    if (lua_isnil(L, -1)) {
        const char *name = lua_tostring(L, 2);
        return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name ? name : "?");
    }
    return 1;
}

static int sandboxNext(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    luaEnvPushReal(L, 1);
    lua_replace(L, 1);
    if (lua_next(L, 1)) return 2;
    lua_pushnil(L);
    return 1;
}

static int sandboxPairs(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushcfunction(L, sandboxNext);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int sandboxIpairsAux(lua_State *L) {
    int i = luaL_checkint(L, 2) + 1;
    luaEnvPushReal(L, 1);
    lua_rawgeti(L, -1, i);
    if (lua_isnil(L, -1)) return 0;
    lua_pushinteger(L, i);
    lua_insert(L, -2);
    return 2;
}

static int sandboxIpairs(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushcfunction(L, sandboxIpairsAux);
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    return 3;
}

static int sandboxRawget(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaEnvPushReal(L, 1);
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
}

static int sandboxRawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (isProxy(L, 1)) return readonlyErrorNoPosition(L);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

static int sandboxSetmetatable(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (isProxy(L, 1)) return readonlyErrorNoPosition(L);
    int t = lua_type(L, 2);
    luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
    if (luaL_getmetafield(L, 1, "__metatable")) luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

static int sandboxGetmetatable(lua_State *L) {
    luaL_checkany(L, 1);
    if (lua_type(L, 1) == LUA_TSTRING) {
        lua_getfield(L, LUA_REGISTRYINDEX, "__redis_strmeta");
        return 1;
    }
    if (lua_istable(L, 1) && isProxy(L, 1)) {
        /* stock: library tables have no metatable, the globals table has
         * one (its error-raising __index) and hands out the same read-only
         * table each time: one made by luaEnvProtectGlobals */
        lua_getfield(L, LUA_REGISTRYINDEX, "__redis_sandbox");
        int is_globals = lua_rawequal(L, 1, -1);
        lua_pop(L, 1);
        if (is_globals)
            lua_getfield(L, LUA_REGISTRYINDEX, "__redis_globals_meta");
        else
            lua_pushnil(L);
        return 1;
    }
    if (!lua_getmetatable(L, 1)) {
        lua_pushnil(L);
        return 1;
    }
    luaL_getmetafield(L, 1, "__metatable");
    return 1;
}

/* loadstring/load: chunks get the sandbox as their environment (the stock
 * versions would give them the writable real globals), and precompiled
 * chunks are refused by reading them as text, like stock's Lua (which has
 * bytecode loading removed): "unexpected symbol near 'char(27)'". */
static int sandboxLoadChunk(lua_State *L, const char *s, size_t len, const char *name) {
    int status;
    if (len && s[0] == '\033') {
        sds text = sdscatlen(sdsnew(" "), s, len);
        status = luaL_loadbuffer(L, text, sdslen(text), name);
        sdsfree(text);
    } else {
        status = luaL_loadbuffer(L, s, len, name);
    }
    if (status) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, "__redis_sandbox");
    lua_setfenv(L, -2);
    return 1;
}

static int sandboxLoadstring(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, s);
    return sandboxLoadChunk(L, s, len, name);
}

static int sandboxLoad(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    const char *name = luaL_optstring(L, 2, "=(load)");
    sds code = sdsempty();
    while (1) {
        lua_pushvalue(L, 1);
        if (lua_pcall(L, 0, 1, 0)) {
            sdsfree(code);
            lua_pushnil(L);
            lua_insert(L, -2);
            return 2;
        }
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        if (!lua_isstring(L, -1)) {
            sdsfree(code);
            lua_pop(L, 1);
            lua_pushnil(L);
            lua_pushstring(L, "reader function must return a string");
            return 2;
        }
        size_t l;
        const char *piece = lua_tolstring(L, -1, &l);
        if (l == 0) {
            lua_pop(L, 1);
            break;
        }
        code = sdscatlen(code, piece, l);
        lua_pop(L, 1);
    }
    int ret = sandboxLoadChunk(L, code, sdslen(code), name);
    sdsfree(code);
    return ret;
}

/* Replace the table at the top of the stack with a read-only proxy. */
static void makeProxy(lua_State *L, int index_is_globals) {
    int real = lua_gettop(L);
    lua_newtable(L);                  /* proxy */
    lua_newtable(L);                  /* its metatable */
    lua_pushstring(L, "__index");
    if (index_is_globals) {
        lua_pushvalue(L, real);
        lua_pushcclosure(L, globalsIndex, 1);
    } else {
        lua_pushvalue(L, real);
    }
    lua_rawset(L, -3);
    lua_pushstring(L, "__newindex");
    lua_pushcfunction(L, readonlyError);
    lua_rawset(L, -3);
    lua_setmetatable(L, -2);
    lua_getfield(L, LUA_REGISTRYINDEX, PROXY_MAP);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, real);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_remove(L, real);
}

/* Replace the table on top of the stack with its read-only proxy; reading
 * a missing field errors like a missing global when missing_is_error. */
void luaEnvMakeReadonly(lua_State *L, int missing_is_error) {
    makeProxy(L, missing_is_error);
}

/* Scripts get a proxy of the globals as their environment; library tables
 * in the globals are proxied too. The proxy is left in the registry as
 * "__redis_sandbox" for eval.c to set as each script's environment. */
void luaEnvProtectGlobals(lua_State *L) {
    static const char *libs[] = {"string", "table", "math", "coroutine", "redis",
                                 "bit", "cjson", "cmsgpack", "struct", NULL};
    lua_newtable(L);
    lua_newtable(L); /* weak keys: proxies handed out on the fly can go */
    lua_pushstring(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, PROXY_MAP);
    for (int i = 0; libs[i]; i++) {
        lua_getglobal(L, libs[i]);
        if (!lua_istable(L, -1)) {
            lua_pop(L, 1);
            continue;
        }
        makeProxy(L, 0);
        lua_setglobal(L, libs[i]);
    }
    /* Strings' metatable: methods through the string proxy, and what
     * getmetatable("") hands out is read-only too. */
    lua_pushstring(L, "");
    lua_getmetatable(L, -1);
    lua_getglobal(L, "string");
    lua_setfield(L, -2, "__index");
    makeProxy(L, 0);
    lua_setfield(L, LUA_REGISTRYINDEX, "__redis_strmeta");
    lua_pop(L, 1);

    lua_pushvalue(L, LUA_GLOBALSINDEX);
    makeProxy(L, 1);
    lua_pushvalue(L, -1);
    lua_setglobal(L, "_G");
    /* What getmetatable(_G) shows: stock's globals metatable has only the
     * __index that fails on unknown names (writes are refused by the
     * read-only flag there, by the proxy's __newindex here). */
    lua_newtable(L);
    lua_getmetatable(L, -2);
    lua_getfield(L, -1, "__index");
    lua_setfield(L, -3, "__index");
    lua_pop(L, 1);
    makeProxy(L, 0);
    lua_setfield(L, LUA_REGISTRYINDEX, "__redis_globals_meta");
    lua_setfield(L, LUA_REGISTRYINDEX, "__redis_sandbox");
}

void luaEnvSetKeysArgv(lua_State *L, robj **keys, int nkeys, robj **args, int nargs) {
    for (int pass = 0; pass < 2; pass++) {
        robj **v = pass ? args : keys;
        int n = pass ? nargs : nkeys;
        lua_newtable(L);
        for (int j = 0; j < n; j++) {
            sds s = v[j]->ptr;
            lua_pushlstring(L, s, sdslen(s));
            lua_rawseti(L, -2, j + 1);
        }
        lua_setglobal(L, pass ? "ARGV" : "KEYS");
    }
}

static void luaHook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    scriptCheckTimeout(L);
}

void luaEnvSetHook(lua_State *L) {
    lua_sethook(L, luaHook, LUA_MASKCOUNT, 100000);
}

/* pcall as 7.0 scripts see it: a caught Redis error (a table with an
 * "err" field, as redis.call raises) comes back as its message string, so
 * scripts written when errors were strings keep working. */
static int sandboxPcall(lua_State *L) {
    if (lua_gettop(L) == 0) {
        /* Stock's wrapper then calls its own result placeholder. */
        lua_pushboolean(L, 0);
        lua_pushstring(L, "attempt to call a boolean value");
        return 2;
    }
    if (lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0) != 0) {
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            if (lua_isstring(L, -1)) lua_replace(L, -2);
            else lua_pop(L, 1);
        }
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    return lua_gettop(L);
}

/* The globals scripts get. While the libraries load, a __newindex on the
 * globals drops every other name, so that what scripts must not have
 * (files, printing, environments, newproxy) is never inserted rather than
 * inserted and cleared: the globals table is then filled by the same
 * insertions, in the same order, as stock's, and iterates in the same
 * order (pairs(_G), the debugger's rendering of _G). "debug" is let in
 * and cleared once the libraries are loaded, as stock does. */
static const char *allowedGlobals[] = {
    "_G", "_VERSION", "assert", "collectgarbage", "error", "gcinfo", "getmetatable",
    "ipairs", "load", "loadstring", "next", "pairs", "pcall", "rawequal", "rawget",
    "rawset", "select", "setmetatable", "tonumber", "tostring", "type", "unpack",
    "xpcall", "coroutine", "table", "string", "math", "debug", "cjson", "struct",
    "cmsgpack", "bit", "redis", "__redis__err__handler", NULL};

static int loadTimeNewindex(lua_State *L) {
    const char *name = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
    for (int i = 0; name && allowedGlobals[i]; i++) {
        if (!strcmp(name, allowedGlobals[i])) {
            lua_settop(L, 3);
            lua_rawset(L, 1);
            return 0;
        }
    }
    return 0;
}

static void setLoadTimeFilter(lua_State *L, int on) {
    if (on) {
        lua_newtable(L);
        lua_pushcfunction(L, loadTimeNewindex);
        lua_setfield(L, -2, "__newindex");
    } else {
        lua_pushnil(L);
    }
    lua_setmetatable(L, LUA_GLOBALSINDEX);
}

lua_State *luaEnvCreate(int for_functions) {
    lua_State *L = luaL_newstate();
    setLoadTimeFilter(L, 1);
    static const luaL_Reg libs[] = {
        {"", luaopen_base}, {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string},
        {LUA_MATHLIBNAME, luaopen_math}, {LUA_DBLIBNAME, luaopen_debug}, {NULL, NULL}};
    for (const luaL_Reg *l = libs; l->func; l++) {
        lua_pushcfunction(L, l->func);
        lua_pushstring(L, l->name);
        lua_call(L, 1, 0);
    }
    luaEnvRegisterLibs(L);
    registerRedisApi(L);
    setLoadTimeFilter(L, 0);
    if (for_functions) {
        /* Functions have no debugger hooks nor the legacy replication call. */
        static const char *gone[] = {"breakpoint", "debug", "replicate_commands", NULL};
        lua_getglobal(L, "redis");
        for (int i = 0; gone[i]; i++) {
            lua_pushnil(L);
            lua_setfield(L, -2, gone[i]);
        }
        lua_pop(L, 1);
    }

    lua_pushnil(L);
    lua_setglobal(L, "debug");
    lua_getglobal(L, "math");
    setFunc(L, "random", luaMathRandom);
    setFunc(L, "randomseed", luaMathRandomseed);
    lua_pop(L, 1);
    static const struct { const char *n; lua_CFunction f; } over[] = {
        {"next", sandboxNext}, {"pairs", sandboxPairs}, {"ipairs", sandboxIpairs},
        {"rawget", sandboxRawget}, {"rawset", sandboxRawset},
        {"setmetatable", sandboxSetmetatable}, {"getmetatable", sandboxGetmetatable},
        {"loadstring", sandboxLoadstring}, {"load", sandboxLoad}, {"pcall", sandboxPcall},
        {NULL, NULL}};
    for (int i = 0; over[i].n; i++) {
        lua_pushcfunction(L, over[i].f);
        lua_setglobal(L, over[i].n);
    }
    lua_pushcfunction(L, luaErrorHandler);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "__redis__err__handler");
    lua_setglobal(L, "__redis__err__handler");
    luaEnvProtectGlobals(L);
    return L;
}
