/* script_lua.h: the Lua environment shared by EVAL (eval.c) and, later,
 * FUNCTION. script_lua.c owns the interpreter, the sandbox and the redis.*
 * API; eval.c owns the commands, the script cache and the run context that
 * redis.call consults (what the running script may do). */
#ifndef SCRIPT_LUA_H
#define SCRIPT_LUA_H

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

/* Script flags (shebang "#!lua flags=...") */
#define SCRIPT_FLAG_NO_WRITES (1<<0)
#define SCRIPT_FLAG_ALLOW_OOM (1<<1)
#define SCRIPT_FLAG_ALLOW_STALE (1<<2)
#define SCRIPT_FLAG_NO_CLUSTER (1<<3)
#define SCRIPT_FLAG_EVAL_COMPAT_MODE (1<<4) /* no shebang: legacy rules */
#define SCRIPT_FLAG_ALLOW_CROSS_SLOT (1<<5)

/* What the running script is and may do; one at a time. */
typedef struct scriptRunCtx {
    client *caller;        /* the client that sent EVAL */
    client *fake;          /* runs redis.call commands */
    const char *funcname;  /* sha for EVAL */
    int flags;             /* SCRIPT_FLAG_* */
    int read_only;         /* EVAL_RO or no-writes */
    int wrote;             /* a write command ran: SCRIPT KILL refused */
    int killed;            /* SCRIPT KILL asked for it */
    int timedout;          /* past busy-reply-threshold: others get BUSY */
    int is_function;
    long long start_ms;
} scriptRunCtx;

extern scriptRunCtx *curRunCtx;

/* script_lua.c */
lua_State *luaEnvCreate(int for_functions);
void luaEnvMakeReadonly(lua_State *L, int missing_is_error);
void luaEnvPushReal(lua_State *L, int idx); /* table behind a read-only proxy */
void luaEnvRegisterLibs(lua_State *L);      /* cjson, struct, cmsgpack, bit */
void luaEnvProtectGlobals(lua_State *L);
void luaEnvSetKeysArgv(lua_State *L, robj **keys, int nkeys, robj **args, int nargs);
void luaEnvReplyToClient(client *c, lua_State *L, int resp);
int luaEnvFormatError(lua_State *L, sds *out, const char *funcname); /* 1: already counted */
void luaEnvReplyError(client *c, sds msg, int counted);
void luaEnvResetRandom(void);
int luaEnvErrorHandlerRef(lua_State *L);
void luaEnvSetHook(lua_State *L);
int luaEnvScriptResp(void);
void luaEnvResetResp(void);

/* functions.c */
void functionsMemoryInfo(scriptingMemInfo *smi);
int functionGetFlags(sds name, int *flags);
void fcallCommand(client *c);
void fcallroCommand(client *c);
void evalCommand(client *c);
void evalRoCommand(client *c);
void evalShaCommand(client *c);
void evalShaRoCommand(client *c);

/* Lua libraries (own implementations) */
int luaopen_bit(lua_State *L);
int luaopen_cjson(lua_State *L);
int luaopen_cmsgpack(lua_State *L);
int luaopen_struct(lua_State *L);

/* eval_debug.c: the Lua debugger (SCRIPT DEBUG) */
int ldbIsActive(void);
int ldbIsStepping(void);
void ldbSetHook(lua_State *L);
void ldbLogRedisCommand(robj **argv, int argc);
void ldbLogRedisReply(const char *reply);
void ldbLogError(const char *msg, size_t len);
int ldbLuaDebug(lua_State *L);
int ldbLuaBreakpoint(lua_State *L);
int ldbStartSession(client *c);
void ldbEndSession(client *c);
void ldbScriptDebugCommand(client *c);

/* eval.c */
int scriptIsTimedout(void);
int scriptBusyRejects(client *c); /* processCommand: replied BUSY when 1 */
void scriptCheckTimeout(lua_State *L);
client *scriptFakeClient(void);
int scriptAllowedToRun(client *c, int flags, int ro); /* C_ERR: replied */
void scriptExecute(client *c, lua_State *L, const char *funcname, int flags, int ro,
                   int is_function, int handler_idx, int nargs);
void scriptKill(client *c, int is_eval);
int scriptParseFlag(const char *name); /* SCRIPT_FLAG_*, 0 if unknown */

#endif
