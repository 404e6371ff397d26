/* function_lua.c: the Lua engine of Redis functions. One interpreter holds
 * every library (apart from EVAL's). A library's code runs once, at FUNCTION
 * LOAD, in a bare environment that only has redis.register_function,
 * redis.log and the version/log constants; the callbacks it registers run
 * later (FCALL) in the usual sandbox (same environment table, see
 * functionEnvIndex), with a redis table lacking the debugger and legacy
 * replication calls. */
#include "server.h"
#include "functions.h"

static lua_State *fL = NULL;
static functionLib *loading_lib = NULL; /* the library FUNCTION LOAD runs */

static lua_State *engine(void) {
    if (!fL) fL = luaEnvCreate(1);
    return fL;
}

void functionLuaReset(void) {
    if (fL) lua_close(fL);
    fL = NULL;
}

size_t functionLuaMemory(void) {
    return fL ? (size_t)lua_gc(fL, LUA_GCCOUNT, 0) * 1024 : 0;
}

void functionLuaFreeRef(int ref) {
    if (fL) luaL_unref(fL, LUA_REGISTRYINDEX, ref);
}

/* Registration errors are bare strings: the error handler makes them
 * "ERR <text>" with no script position. */
static int registerError(lua_State *L, const char *msg) {
    lua_pushstring(L, msg);
    return lua_error(L);
}

static int parseFlagsTable(lua_State *L, int idx, int *flags) {
    *flags = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int f = lua_type(L, -1) == LUA_TSTRING ? scriptParseFlag(lua_tostring(L, -1)) : 0;
        lua_pop(L, 1);
        if (!f) {
            lua_pop(L, 1);
            return 0;
        }
        *flags |= f;
    }
    return 1;
}

/* redis.register_function(name, callback) or
 * redis.register_function{function_name=, callback=, flags=, description=} */
static int luaRegisterFunction(lua_State *L) {
    if (!loading_lib) return registerError(L, "redis.register_function can only be called on FUNCTION LOAD command");
    int argc = lua_gettop(L);
    int name_idx = 0, cb_idx = 0, flags = 0;
    sds desc = NULL;
    if (argc == 1) {
        if (!lua_istable(L, 1))
            return registerError(L, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
        lua_pushnil(L);
        while (lua_next(L, 1)) {
            const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
            if (!strcmp(k, "function_name")) {
                if (!lua_isstring(L, -1)) goto bad_name;
                lua_pushvalue(L, -1);
                lua_setfield(L, LUA_REGISTRYINDEX, "__fn_name");
            } else if (!strcmp(k, "callback")) {
                if (lua_type(L, -1) != LUA_TFUNCTION) goto bad_cb;
                lua_pushvalue(L, -1);
                lua_setfield(L, LUA_REGISTRYINDEX, "__fn_cb");
            } else if (!strcmp(k, "description")) {
                if (!lua_isstring(L, -1)) {
                    sdsfree(desc);
                    return registerError(L, "description argument given to redis.register_function must be a string");
                }
                sdsfree(desc);
                desc = sdsnew(lua_tostring(L, -1));
            } else if (!strcmp(k, "flags")) {
                if (lua_type(L, -1) != LUA_TTABLE) {
                    sdsfree(desc);
                    return registerError(L, "flags argument to redis.register_function must be a table representing function flags");
                }
                if (!parseFlagsTable(L, lua_gettop(L), &flags)) {
                    sdsfree(desc);
                    return registerError(L, "unknown flag given");
                }
            } else {
                sdsfree(desc);
                return registerError(L, "unknown argument given to redis.register_function");
            }
            lua_pop(L, 1);
        }
        lua_settop(L, 1);
        lua_getfield(L, LUA_REGISTRYINDEX, "__fn_name");
        lua_getfield(L, LUA_REGISTRYINDEX, "__fn_cb");
        lua_pushnil(L);
        lua_setfield(L, LUA_REGISTRYINDEX, "__fn_name");
        lua_pushnil(L);
        lua_setfield(L, LUA_REGISTRYINDEX, "__fn_cb");
        name_idx = 2;
        cb_idx = 3;
        if (lua_isnil(L, name_idx)) {
            sdsfree(desc);
            return registerError(L, "redis.register_function must get a function name argument");
        }
        if (lua_isnil(L, cb_idx)) {
            sdsfree(desc);
            return registerError(L, "redis.register_function must get a callback argument");
        }
    } else if (argc == 2) {
        name_idx = 1;
        cb_idx = 2;
        if (!lua_isstring(L, 1)) goto bad_name;
        if (lua_type(L, 2) != LUA_TFUNCTION) goto bad_cb;
    } else {
        return registerError(L, "wrong number of arguments to redis.register_function");
    }

    sds name = sdsnew(lua_tostring(L, name_idx));
    lua_pushvalue(L, cb_idx);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    const char *err = NULL;
    if (functionLibAddFunction(loading_lib, name, ref, flags, desc, &err) != C_OK) {
        luaL_unref(L, LUA_REGISTRYINDEX, ref);
        sdsfree(name);
        sdsfree(desc);
        return registerError(L, err);
    }
    return 0;

bad_name:
    sdsfree(desc);
    return registerError(L, "function_name argument given to redis.register_function must be a string");
bad_cb:
    sdsfree(desc);
    return registerError(L, "callback argument given to redis.register_function must be a function");
}

/* Library code and everything it defines share one environment table
 * whose reads depend on the moment: while FUNCTION LOAD runs the code it
 * only offers { redis = { register_function, log, LOG_*, REDIS_VERSION* } };
 * when a function is called it is the usual sandbox. Writes always fail. */
static int functionEnvIndex(lua_State *L) {
    /* upvalue 1: load-time table, upvalue 2: the real globals */
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(loading_lib ? 1 : 2));
    if (lua_isnil(L, -1)) {
        const char *name = lua_tostring(L, 2);
        return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name ? name : "?");
    }
    return 1;
}

static int functionEnvNewindex(lua_State *L) {
    return luaL_error(L, "Attempt to modify a readonly table");
}

static void pushFunctionEnv(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, "__fn_env");
    if (!lua_isnil(L, -1)) return;
    lua_pop(L, 1);
    lua_newtable(L);                      /* load-time table */
    lua_newtable(L);                      /* its redis */
    lua_pushcfunction(L, luaRegisterFunction);
    lua_setfield(L, -2, "register_function");
    lua_getglobal(L, "redis");            /* the run-time redis (a proxy) */
    static const char *copy[] = {"log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING",
                                 "REDIS_VERSION", "REDIS_VERSION_NUM", NULL};
    for (int i = 0; copy[i]; i++) {
        lua_getfield(L, -1, copy[i]);
        lua_setfield(L, -3, copy[i]);
    }
    lua_pop(L, 1);
    luaEnvMakeReadonly(L, 1);
    lua_setfield(L, -2, "redis");
    int load_tbl = lua_gettop(L);
    lua_newtable(L);                      /* the env itself, always empty */
    lua_newtable(L);                      /* its metatable */
    lua_pushvalue(L, load_tbl);
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_pushcclosure(L, functionEnvIndex, 2);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, functionEnvNewindex);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, -2);
    lua_remove(L, load_tbl);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "__fn_env");
}

/* Library code gets 500 ms at load time, as in stock. */
#define FUNCTION_LOAD_TIMEOUT_MS 500
static long long load_start_ms;

static void loadTimeoutHook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (mstime() - load_start_ms > FUNCTION_LOAD_TIMEOUT_MS) {
        lua_sethook(L, loadTimeoutHook, LUA_MASKLINE, 0); /* fire again at once if caught */
        registerError(L, "FUNCTION LOAD timeout");
    }
}

/* Skip the "#!lua ..." line, keeping its newline so lines count as written. */
int functionLuaLoad(functionLib *lib, const char *code, size_t len, sds *err) {
    lua_State *L = engine();
    const char *nl = memchr(code, '\n', len);
    size_t skip = nl ? (size_t)(nl - code) : len;
    int base = lua_gettop(L);
    int handler = luaEnvErrorHandlerRef(L);
    if (luaL_loadbuffer(L, code + skip, len - skip, "@user_function")) {
        *err = sdscatfmt(sdsempty(), "Error compiling function: %s", lua_tostring(L, -1));
        lua_settop(L, base);
        return C_ERR;
    }
    pushFunctionEnv(L);
    lua_setfenv(L, -2);
    loading_lib = lib;
    load_start_ms = mstime();
    lua_sethook(L, loadTimeoutHook, LUA_MASKCOUNT, 100000);
    int failed = lua_pcall(L, 0, 0, handler);
    lua_sethook(L, NULL, 0, 0);
    loading_lib = NULL;
    if (failed) {
        lua_getfield(L, -1, "err");
        const char *msg = lua_tostring(L, -1);
        *err = sdscatfmt(sdsempty(), "Error registering functions: %s", msg ? msg : "unknown error");
        lua_settop(L, base);
        return C_ERR;
    }
    lua_settop(L, base);
    return C_OK;
}

static void pushStringArray(lua_State *L, robj **v, int n) {
    lua_newtable(L);
    for (int j = 0; j < n; j++) {
        sds s = v[j]->ptr;
        lua_pushlstring(L, s, sdslen(s));
        lua_rawseti(L, -2, j + 1);
    }
}

/* FCALL name numkeys key... arg...: callback(KEYS, ARGV). */
void functionLuaCall(client *c, functionInfo *f, int numkeys, int ro) {
    lua_State *L = engine();
    int handler = luaEnvErrorHandlerRef(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, f->ref);
    pushStringArray(L, c->argv + 3, numkeys);
    pushStringArray(L, c->argv + 3 + numkeys, c->argc - 3 - numkeys);
    scriptExecute(c, L, f->name, f->flags, ro, 1, handler, 2);
}
