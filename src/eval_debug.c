/* eval_debug.c: the Lua debugger (LDB) behind SCRIPT DEBUG YES|SYNC|NO and
 * `redis-cli --ldb`.
 *
 * How it fits: SCRIPT DEBUG marks the client; its next EVAL (eval.c) asks
 * ldbStartSession() whether to run here. In YES mode the server forks: the
 * parent drops its copy of the client and goes on serving others, the child
 * runs the script (its writes die with it). In SYNC mode the script runs in
 * the server itself, which serves nobody else until the session ends (writes
 * stay). Either way the script runs under a line hook (ldbLineHook) that
 * stops where asked and reads debugger commands straight from the client's
 * socket in blocking mode, answering each with an array of status lines
 * ("logs"). script_lua.c reports redis.call commands, replies and errors
 * here while the user steps. The session ends with an <endsession> log, the
 * EVAL reply and the connection closed (the child just exits).
 *
 * Stock's wire format is followed byte for byte: log lines, value and
 * reply renderings, error texts. */
#include "server.h"
#include "script_lua.h"
#include "rdb.h" /* closeChildListeningSockets */
#include <signal.h>
#include <sys/wait.h>

#define LDB_MAX_BREAKPOINTS 64
#define LDB_DEFAULT_MAXLEN 256
#define LDB_MAX_VALUE_DEPTH 10  /* nested tables shown before giving up (as stock) */
#define LDB_MAX_ARG_LEN 1024    /* per debugger command argument */
#define LDB_MAX_ARGS 1024
#define LDB_MAX_INPUT (1 << 20) /* unparsed input before the script is failed */

static struct {
    int active;
    int forked;         /* this process is a forked session's child */
    client *c;
    connection *conn;
    sds *src;           /* the script, one line per entry */
    int lines;
    int currentline;
    int bp[LDB_MAX_BREAKPOINTS];
    int bpcount;
    int step;           /* stop at the next line; also log redis.call traffic */
    int luabp;          /* redis.breakpoint() was called */
    sds cbuf;           /* debugger input not parsed yet */
    size_t maxlen;      /* values and replies are trimmed to this; 0: never */
    int maxlen_hint_sent;
    list *logs;         /* sds lines for the next reply */
    list *children;     /* pids of forked sessions (parent side) */
} ldb;

static void ldbInitOnce(void) {
    if (ldb.logs) return;
    ldb.logs = listCreate();
    listSetFreeMethod(ldb.logs, (void (*)(void *))sdsfree);
    ldb.children = listCreate();
    ldb.cbuf = sdsempty();
}

int ldbIsActive(void) { return ldb.active; }
int ldbIsStepping(void) { return ldb.active && ldb.step; }

/* ---------------------------------------------------------------------------
 * Logs: lines gathered, then sent as one array of status replies
 * ------------------------------------------------------------------------ */
static void ldbLog(sds line) { listAddNodeTail(ldb.logs, line); }

/* Values and replies can be long: trimmed to maxlen, with a one-time hint. */
static void ldbLogTrimmed(sds line) {
    int trimmed = 0;
    if (ldb.maxlen && sdslen(line) > ldb.maxlen) {
        sdsrange(line, 0, (ssize_t)ldb.maxlen - 1);
        line = sdscatlen(line, " ...", 4);
        trimmed = 1;
    }
    ldbLog(line);
    if (trimmed && !ldb.maxlen_hint_sent) {
        ldb.maxlen_hint_sent = 1;
        ldbLog(sdsnew("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming."));
    }
}

/* Blocking write of everything logged so far; a failed write is noticed by
 * the next read, which ends the interaction. */
static void ldbSendLogs(void) {
    sds out = sdscatfmt(sdsempty(), "*%i\r\n", (int)listLength(ldb.logs));
    while (listLength(ldb.logs)) {
        listNode *ln = listFirst(ldb.logs);
        sds line = listNodeValue(ln);
        sdsmapchars(line, "\r\n", "  ", 2); /* a status line must stay one line */
        out = sdscatlen(out, "+", 1);
        out = sdscatsds(out, line);
        out = sdscatlen(out, "\r\n", 2);
        listDelNode(ldb.logs, ln);
    }
    if (connWrite(ldb.conn, out, sdslen(out)) == -1) { /* see above */ }
    sdsfree(out);
}

/* ---------------------------------------------------------------------------
 * Source lines and breakpoints
 * ------------------------------------------------------------------------ */
static const char *ldbSourceLine(int line) {
    if (line < 1 || line > ldb.lines) return "<out of range source code line>";
    return ldb.src[line - 1];
}

static int ldbIsBreakpoint(int line) {
    for (int i = 0; i < ldb.bpcount; i++)
        if (ldb.bp[i] == line) return 1;
    return 0;
}

static int ldbAddBreakpoint(int line) {
    if (line < 1 || line > ldb.lines || ldbIsBreakpoint(line) || ldb.bpcount == LDB_MAX_BREAKPOINTS)
        return 0;
    ldb.bp[ldb.bpcount++] = line;
    return 1;
}

static int ldbDelBreakpoint(int line) {
    for (int i = 0; i < ldb.bpcount; i++) {
        if (ldb.bp[i] != line) continue;
        ldb.bp[i] = ldb.bp[--ldb.bpcount];
        return 1;
    }
    return 0;
}

/* "-> " marks the current line, "#" a breakpoint. */
static void ldbLogSourceLine(int line) {
    int cur = line == ldb.currentline, bp = ldbIsBreakpoint(line);
    const char *mark = cur ? (bp ? "->#" : "-> ") : (bp ? "  #" : "   ");
    ldbLog(sdscatprintf(sdsempty(), "%s%-3d %s", mark, line, ldbSourceLine(line)));
}

/* Lines within ctx of around; around 0 lists everything. */
static void ldbList(int around, int ctx) {
    for (int j = 1; j <= ldb.lines; j++)
        if (around == 0 || abs(around - j) <= ctx) ldbLogSourceLine(j);
}

/* ---------------------------------------------------------------------------
 * Renderings: Lua values and RESP replies for humans
 * ------------------------------------------------------------------------ */
static sds ldbCatValue(sds s, lua_State *L, int idx, int depth);

/* A table shows as {a; b} when it is a sequence 1..n (in iteration order),
 * else as {[k]=v; ...}: both forms are built in one pass. Read-only proxies
 * (globals, library tables) are empty: their real table is what gets shown,
 * as stock shows its read-only tables. */
static sds ldbCatTable(sds s, lua_State *L, int idx, int depth) {
    sds seq = sdsempty(), kv = sdsempty();
    int is_seq = 1;
    lua_Number next_index = 1;
    if (!lua_checkstack(L, 4)) return sdscat(s, "<max recursion level reached! Nested table?>");
    luaEnvPushReal(L, idx);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_type(L, -2) != LUA_TNUMBER || lua_tonumber(L, -2) != next_index) is_seq = 0;
        next_index++;
        if (sdslen(seq)) seq = sdscatlen(seq, "; ", 2);
        if (sdslen(kv)) kv = sdscatlen(kv, "; ", 2);
        seq = ldbCatValue(seq, L, -1, depth);
        kv = sdscatlen(kv, "[", 1);
        kv = ldbCatValue(kv, L, -2, depth);
        kv = sdscatlen(kv, "]=", 2);
        kv = ldbCatValue(kv, L, -1, depth);
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* the real table */
    s = sdscatlen(s, "{", 1);
    s = sdscatsds(s, is_seq ? seq : kv);
    s = sdscatlen(s, "}", 1);
    sdsfree(seq);
    sdsfree(kv);
    return s;
}

/* idx must be negative (relative to the top). */
static sds ldbCatValue(sds s, lua_State *L, int idx, int depth) {
    if (depth++ == LDB_MAX_VALUE_DEPTH) return sdscat(s, "<max recursion level reached! Nested table?>");
    int t = lua_type(L, idx);
    switch (t) {
    case LUA_TSTRING: {
        size_t len;
        const char *p = lua_tolstring(L, idx, &len);
        return sdscatrepr(s, p, len);
    }
    case LUA_TBOOLEAN: return sdscat(s, lua_toboolean(L, idx) ? "true" : "false");
    case LUA_TNUMBER: return sdscatprintf(s, "%g", (double)lua_tonumber(L, idx));
    case LUA_TNIL: return sdscat(s, "nil");
    case LUA_TTABLE: return ldbCatTable(s, L, idx, depth);
    case LUA_TFUNCTION: case LUA_TUSERDATA: case LUA_TTHREAD: case LUA_TLIGHTUSERDATA: {
        const char *name = t == LUA_TFUNCTION ? "function" : t == LUA_TUSERDATA ? "userdata"
                         : t == LUA_TTHREAD ? "thread" : "light-userdata";
        return sdscatprintf(s, "\"%s@%p\"", name, lua_topointer(L, idx));
    }
    default: return sdscat(s, "\"<unknown-lua-type>\"");
    }
}

static void ldbLogValue(lua_State *L, const char *prefix) {
    ldbLogTrimmed(ldbCatValue(sdsnew(prefix), L, -1, 0));
}

static const char *ldbCatReply(sds *o, const char *p);

static const char *ldbCatReplyItems(sds *o, const char *p, long long n, int pairs,
                                    const char *open, const char *close) {
    *o = sdscat(*o, open);
    for (long long i = 0; i < n; i++) {
        p = ldbCatReply(o, p);
        if (pairs) {
            *o = sdscatlen(*o, " => ", 4);
            p = ldbCatReply(o, p);
        }
        if (i != n - 1) *o = sdscatlen(*o, ",", 1);
    }
    *o = sdscat(*o, close);
    return p;
}

/* One RESP value at p appended in readable form; returns what follows it.
 * Types stock does not render (big numbers, verbatim, attributes) add
 * nothing, as in stock. */
static const char *ldbCatReply(sds *o, const char *p) {
    const char *eol = strchr(p + 1, '\r');
    if (!eol) return p + strlen(p);
    long long n = 0;
    const char *next = eol + 2;
    switch (*p) {
    case ':': *o = sdscatlen(*o, p + 1, eol - p - 1); return next;
    case '+': case '-': *o = sdscatrepr(*o, p, eol - p); return next;
    case '$':
        string2ll(p + 1, eol - p - 1, &n);
        if (n < 0) {
            *o = sdscat(*o, "NULL");
            return next;
        }
        *o = sdscatrepr(*o, next, n);
        return next + n + 2;
    case '*':
        string2ll(p + 1, eol - p - 1, &n);
        if (n < 0) {
            *o = sdscat(*o, "NULL");
            return next;
        }
        return ldbCatReplyItems(o, next, n, 0, "[", "]");
    case '~':
        string2ll(p + 1, eol - p - 1, &n);
        return ldbCatReplyItems(o, next, n, 0, "~(", ")");
    case '%':
        string2ll(p + 1, eol - p - 1, &n);
        return ldbCatReplyItems(o, next, n, 1, "{", "}");
    case '_': *o = sdscat(*o, "(null)"); return next;
    case '#': *o = sdscat(*o, p[1] == 't' ? "#true" : "#false"); return next;
    case ',':
        *o = sdscat(*o, "(double) ");
        *o = sdscatlen(*o, p + 1, eol - p - 1);
        return next;
    default: return p;
    }
}

/* ---------------------------------------------------------------------------
 * What script_lua.c reports while the user steps
 * ------------------------------------------------------------------------ */
void ldbLogRedisCommand(robj **argv, int argc) {
    if (!ldbIsStepping()) return;
    sds line = sdsnew("<redis>");
    for (int j = 0; j < argc; j++) {
        if (j == 10) { /* stock counts one fewer than are left */
            line = sdscatprintf(line, " ... (%d more)", argc - j - 1);
            break;
        }
        line = sdscatlen(line, " ", 1);
        line = sdscatsds(line, argv[j]->ptr);
    }
    ldbLog(line);
}

void ldbLogRedisReply(const char *reply) {
    if (!ldbIsStepping()) return;
    sds line = sdsnew("<reply> ");
    ldbCatReply(&line, reply);
    ldbLogTrimmed(line);
}

void ldbLogError(const char *msg, size_t len) {
    if (!ldbIsStepping()) return;
    sds line = sdsnew("<error> ");
    ldbLog(sdscatlen(line, msg, len));
}

/* redis.debug(...): the arguments as one log line. */
int ldbLuaDebug(lua_State *L) {
    if (!ldb.active) return 0;
    int argc = lua_gettop(L);
    sds line = sdscatprintf(sdsempty(), "<debug> line %d: ", ldb.currentline);
    for (int j = 1; j <= argc; j++) {
        line = ldbCatValue(line, L, j - argc - 1, 0);
        if (j != argc) line = sdscatlen(line, ", ", 2);
    }
    ldbLog(line);
    return 0;
}

/* redis.breakpoint(): stop at the next line; true when debugging. */
int ldbLuaBreakpoint(lua_State *L) {
    if (ldb.active) ldb.luabp = 1;
    lua_pushboolean(L, ldb.active);
    return 1;
}

/* ---------------------------------------------------------------------------
 * Debugger commands
 * ------------------------------------------------------------------------ */
/* One complete RESP array of bulk strings from ldb.cbuf, consumed; NULL
 * when more input is needed or (with *err set) the input is malformed. */
static const char *findCRLF(const char *p, const char *end) {
    for (; p + 1 < end; p++)
        if (p[0] == '\r' && p[1] == '\n') return p;
    return NULL;
}

static sds *ldbParseCommand(int *argcp, const char **err) {
    *err = NULL;
    const char *p = ldb.cbuf, *end = ldb.cbuf + sdslen(ldb.cbuf);
    if (p == end) return NULL;
    p = memchr(p, '*', end - p);
    if (!p) goto bad;
    const char *eol = findCRLF(p, end);
    if (!eol) return NULL;
    int argc = atoi(p + 1);
    if (argc <= 0 || argc > LDB_MAX_ARGS) goto bad;
    p = eol + 2;
    sds *argv = zcalloc(sizeof(sds) * argc);
    for (int i = 0; i < argc; i++) {
        if (p >= end) goto more;
        if (*p != '$') goto bad_free;
        eol = findCRLF(p, end);
        if (!eol) goto more;
        int len = atoi(p + 1);
        if (len <= 0 || len > LDB_MAX_ARG_LEN) goto bad_free;
        p = eol + 2;
        if (end - p < len + 2) goto more;
        if (p[len] != '\r' || p[len + 1] != '\n') goto bad_free;
        argv[i] = sdsnewlen(p, len);
        p += len + 2;
    }
    *argcp = argc;
    return argv;
more:
    for (int i = 0; i < argc; i++) sdsfree(argv[i]);
    zfree(argv);
    return NULL;
bad_free:
    for (int i = 0; i < argc; i++) sdsfree(argv[i]);
    zfree(argv);
bad:
    *err = "protocol error";
    return NULL;
}

static void ldbFreeArgv(sds *argv, int argc) {
    for (int i = 0; i < argc; i++) sdsfree(argv[i]);
    zfree(argv);
}

static void ldbHelp(void) {
    static const char *help[] = {
        "Redis Lua debugger help:",
        "[h]elp               Show this help.",
        "[s]tep               Run current line and stop again.",
        "[n]ext               Alias for step.",
        "[c]ontinue           Run till next breakpoint.",
        "[l]ist               List source code around current line.",
        "[l]ist [line]        List source code around [line].",
        "                     line = 0 means: current position.",
        "[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
        "                     to show before/after [line].",
        "[w]hole              List all source code. Alias for 'list 1 1000000'.",
        "[p]rint              Show all the local variables.",
        "[p]rint <var>        Show the value of the specified variable.",
        "                     Can also show global vars KEYS and ARGV.",
        "[b]reak              Show all breakpoints.",
        "[b]reak <line>       Add a breakpoint to the specified line.",
        "[b]reak -<line>      Remove breakpoint from the specified line.",
        "[b]reak 0            Remove all breakpoints.",
        "[t]race              Show a backtrace.",
        "[e]val <code>        Execute some Lua code (in a different callframe).",
        "[r]edis <cmd>        Execute a Redis command.",
        "[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
        "                     Specifying zero as <len> means unlimited.",
        "[a]bort              Stop the execution of the script. In sync",
        "                     mode dataset changes will be retained.",
        "",
        "Debugger functions you can call from Lua scripts:",
        "redis.debug()        Produce logs in the debugger console.",
        "redis.breakpoint()   Stop execution like if there was a breakpoint in the",
        "                     next line of code.",
        NULL};
    for (int i = 0; help[i]; i++) ldbLog(sdsnew(help[i]));
}

/* print <var>: the innermost local of that name at any stack level, or the
 * KEYS/ARGV globals. */
static void ldbPrintVar(lua_State *L, const char *name) {
    lua_Debug ar;
    for (int level = 0; lua_getstack(L, level, &ar); level++) {
        const char *n;
        for (int i = 1; (n = lua_getlocal(L, &ar, i)) != NULL; i++) {
            if (!strcmp(n, name)) {
                ldbLogValue(L, "<value> ");
                lua_pop(L, 1);
                return;
            }
            lua_pop(L, 1);
        }
    }
    if (!strcmp(name, "KEYS") || !strcmp(name, "ARGV")) {
        lua_getglobal(L, name);
        ldbLogValue(L, "<value> ");
        lua_pop(L, 1);
    } else {
        ldbLog(sdsnew("No such variable."));
    }
}

/* print: the locals of the current function. */
static void ldbPrintLocals(lua_State *L) {
    lua_Debug ar;
    int shown = 0;
    if (lua_getstack(L, 0, &ar)) {
        const char *n;
        for (int i = 1; (n = lua_getlocal(L, &ar, i)) != NULL; i++) {
            if (!strstr(n, "(*temporary)")) {
                sds prefix = sdscatprintf(sdsempty(), "<value> %s = ", n);
                ldbLogValue(L, prefix);
                sdsfree(prefix);
                shown++;
            }
            lua_pop(L, 1);
        }
    }
    if (!shown) ldbLog(sdsnew("No local variables in the current context."));
}

static void ldbBreak(sds *argv, int argc) {
    if (argc == 1) {
        if (ldb.bpcount == 0) {
            ldbLog(sdsnew("No breakpoints set. Use 'b <line>' to add one."));
            return;
        }
        ldbLog(sdscatfmt(sdsempty(), "%i breakpoints set:", ldb.bpcount));
        for (int i = 0; i < ldb.bpcount; i++) ldbLogSourceLine(ldb.bp[i]);
        return;
    }
    for (int j = 1; j < argc; j++) {
        long line;
        if (!string2l(argv[j], sdslen(argv[j]), &line)) {
            ldbLog(sdscatfmt(sdsempty(), "Invalid argument:'%S'", argv[j]));
        } else if (line == 0) {
            ldb.bpcount = 0;
            ldbLog(sdsnew("All breakpoints removed."));
        } else if (line > 0) {
            if (ldb.bpcount == LDB_MAX_BREAKPOINTS) ldbLog(sdsnew("Too many breakpoints set."));
            else if (ldbAddBreakpoint((int)line)) ldbList((int)line, 1);
            else ldbLog(sdsnew("Wrong line number."));
        } else {
            ldbLog(sdsnew(ldbDelBreakpoint((int)-line) ? "Breakpoint removed."
                                                       : "No breakpoint in the specified line."));
        }
    }
}

/* eval <code>: as an expression if it compiles as one, else as statements;
 * in the sandbox, in a callframe of its own (no access to locals). */
static void ldbEval(lua_State *L, sds *argv, int argc) {
    sds code = sdsjoinsds(argv + 1, argc - 1, " ", 1);
    sds expr = sdscatsds(sdsnew("return "), code);
    int failed = luaL_loadbuffer(L, expr, sdslen(expr), "@ldb_eval");
    if (failed) {
        lua_pop(L, 1);
        failed = luaL_loadbuffer(L, code, sdslen(code), "@ldb_eval");
    }
    sdsfree(code);
    sdsfree(expr);
    if (!failed) {
        lua_getfield(L, LUA_REGISTRYINDEX, "__redis_sandbox");
        lua_setfenv(L, -2);
        failed = lua_pcall(L, 0, 1, 0);
    }
    if (failed) {
        const char *msg = lua_tostring(L, -1);
        ldbLog(sdscatfmt(sdsempty(), "<error> %s", msg ? msg : "(error object is not a string)"));
    } else {
        ldbLogValue(L, "<retval> ");
    }
    lua_pop(L, 1);
}

/* redis <cmd...>: through redis.call, logged as if stepping. */
static void ldbRedis(lua_State *L, sds *argv, int argc) {
    if (!lua_checkstack(L, argc + 2)) {
        ldbLog(sdsnew("<reply> max lua stack reached"));
        return;
    }
    lua_getglobal(L, "redis");
    lua_getfield(L, -1, "call");
    for (int j = 1; j < argc; j++) lua_pushlstring(L, argv[j], sdslen(argv[j]));
    ldb.step = 1;
    lua_pcall(L, argc - 1, 1, 0);
    ldb.step = 0;
    lua_pop(L, 2);
}

static void ldbTrace(lua_State *L) {
    lua_Debug ar;
    int level = 0;
    for (; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Snl", &ar);
        if (!strstr(ar.short_src, "user_script")) continue;
        ldbLog(sdscatprintf(sdsempty(), "%s %s:", level == 0 ? "In" : "From",
                            ar.name ? ar.name : "top level"));
        ldbLogSourceLine(ar.currentline);
    }
    if (level == 0) ldbLog(sdsnew("<error> Can't retrieve Lua stack."));
}

static void ldbMaxlen(sds *argv, int argc) {
    if (argc == 2) {
        int len = atoi(argv[1]);
        ldb.maxlen_hint_sent = 1; /* the user knows about trimming now */
        if (len != 0 && len <= 60) len = 60;
        ldb.maxlen = len < 0 ? 60 : (size_t)len;
    }
    if (ldb.maxlen) ldbLog(sdscatprintf(sdsempty(), "<value> replies are truncated at %d bytes.", (int)ldb.maxlen));
    else ldbLog(sdsnew("<value> replies are unlimited."));
}

static int ldbIs(const sds cmd, const char *shortname, const char *longname) {
    return !strcasecmp(cmd, shortname) || !strcasecmp(cmd, longname);
}

/* Raises a Lua error (the script fails with msg); does not return. */
static void ldbFailScript(lua_State *L, const char *msg) {
    lua_pushstring(L, msg);
    lua_error(L);
}

/* Read the next command, waiting for it; NULL when the client is gone. */
static sds *ldbReadCommand(lua_State *L, int *argc) {
    const char *err;
    sds *argv;
    while ((argv = ldbParseCommand(argc, &err)) == NULL) {
        if (err) {
            sdsclear(ldb.cbuf);
            ldbFailScript(L, err);
        }
        char buf[1024];
        int n = connRead(ldb.conn, buf, sizeof(buf));
        if (n <= 0) return NULL;
        ldb.cbuf = sdscatlen(ldb.cbuf, buf, n);
        if (sdslen(ldb.cbuf) > LDB_MAX_INPUT) {
            sdsclear(ldb.cbuf);
            ldbFailScript(L, "max client buffer reached");
        }
    }
    sdsclear(ldb.cbuf); /* as stock: one command per read burst */
    return argv;
}

/* Serve debugger commands until one resumes the script. C_ERR when the
 * client went away: the script then runs on without stopping. */
static int ldbRepl(lua_State *L) {
    for (;;) {
        int argc;
        sds *argv = ldbReadCommand(L, &argc);
        if (!argv) {
            ldb.step = 0;
            ldb.bpcount = 0;
            return C_ERR;
        }
        sds cmd = argv[0];
        int resume = 0;
        if (ldbIs(cmd, "h", "help")) ldbHelp();
        else if (ldbIs(cmd, "s", "step") || ldbIs(cmd, "n", "next")) ldb.step = resume = 1;
        else if (ldbIs(cmd, "c", "continue")) resume = 1;
        else if (ldbIs(cmd, "t", "trace")) ldbTrace(L);
        else if (ldbIs(cmd, "m", "maxlen")) ldbMaxlen(argv, argc);
        else if (ldbIs(cmd, "b", "break")) ldbBreak(argv, argc);
        else if (ldbIs(cmd, "e", "eval")) ldbEval(L, argv, argc);
        else if (ldbIs(cmd, "a", "abort")) {
            ldbFreeArgv(argv, argc);
            ldbFailScript(L, "script aborted for user request");
        } else if (argc > 1 && ldbIs(cmd, "r", "redis")) ldbRedis(L, argv, argc);
        else if (ldbIs(cmd, "p", "print")) {
            if (argc == 2) ldbPrintVar(L, argv[1]);
            else ldbPrintLocals(L);
        } else if (ldbIs(cmd, "l", "list")) {
            int around = ldb.currentline, ctx = 5;
            if (argc > 1 && atoi(argv[1]) > 0) around = atoi(argv[1]);
            if (argc > 2) ctx = atoi(argv[2]);
            ldbList(around, ctx);
        } else if (ldbIs(cmd, "w", "whole")) ldbList(1, 1000000);
        else ldbLog(sdsnew("<error> Unknown Redis Lua debugger command or wrong number of arguments."));
        ldbFreeArgv(argv, argc);
        if (resume) return C_OK;
        ldbSendLogs();
    }
}

/* The line (and count) hook of a debugged script: stops when stepping, at
 * breakpoints, after redis.breakpoint(), and when the script has run past
 * busy-reply-threshold (5 s if unset) without stopping: a likely loop. */
static void ldbLineHook(lua_State *L, lua_Debug *ar) {
    lua_getstack(L, 0, ar);
    lua_getinfo(L, "Sl", ar);
    ldb.currentline = ar->currentline;
    int bp = ldbIsBreakpoint(ldb.currentline) || ldb.luabp;
    if (!strstr(ar->short_src, "user_script")) return; /* eval'd code, helpers */
    int timeout = 0;
    if (ar->event == LUA_HOOKCOUNT && !ldb.step && !bp) {
        long long limit = server.busy_reply_threshold ? server.busy_reply_threshold : 5000;
        if (!curRunCtx || mstime() - curRunCtx->start_ms < limit) return;
        timeout = ldb.step = 1;
    }
    if (!ldb.step && !bp) return;
    const char *reason = bp ? (ldb.luabp ? "redis.breakpoint() called" : "break point")
                            : timeout ? "timeout reached, infinite loop?" : "step over";
    ldb.step = ldb.luabp = 0;
    ldbLog(sdscatprintf(sdsempty(), "* Stopped at %d, stop reason = %s", ldb.currentline, reason));
    ldbLogSourceLine(ldb.currentline);
    ldbSendLogs();
    /* Nobody left to stop a looping script: fail it rather than hang. */
    if (ldbRepl(L) == C_ERR && timeout)
        ldbFailScript(L, "timeout during Lua debugging with client closing connection");
    if (curRunCtx) curRunCtx->start_ms = mstime();
}

void ldbSetHook(lua_State *L) {
    lua_sethook(L, ldbLineHook, LUA_MASKLINE | LUA_MASKCOUNT, 100000);
}

/* ---------------------------------------------------------------------------
 * Sessions
 * ------------------------------------------------------------------------ */
static void ldbDisable(client *c) {
    c->flags &= ~(CLIENT_LUA_DEBUG | CLIENT_LUA_DEBUG_SYNC);
}

/* The script's lines as the debugger shows them: trailing newlines off. */
static void ldbLoadSource(sds body) {
    size_t len = sdslen(body);
    while (len && (body[len - 1] == '\n' || body[len - 1] == '\r')) len--;
    ldb.src = sdssplitlen(body, (ssize_t)len, "\n", 1, &ldb.lines);
}

/* EVAL of a client in debug mode. 1: run the script here (sync mode, or
 * the child of a forked session); 0: not here (the parent, which has let
 * the client go, or a failed fork, replied). */
int ldbStartSession(client *c) {
    ldbInitOnce();
    ldb.forked = !(c->flags & CLIENT_LUA_DEBUG_SYNC);
    if (ldb.forked) {
        pid_t pid = fork();
        if (pid == -1) {
            addReplyErrorFormat(c, "Fork() failed: can't run EVAL in debugging mode: %s", strerror(errno));
            ldbDisable(c);
            return 0;
        }
        if (pid > 0) {
            listAddNodeTail(ldb.children, (void *)(long)pid);
            freeClientAsync(c); /* the child owns the connection now */
            return 0;
        }
        closeChildListeningSockets();
        serverLog(LL_WARNING, "Redis forked for debugging eval");
    } else {
        serverLog(LL_WARNING, "Redis synchronous debugging eval session started");
    }
    ldb.c = c;
    ldb.conn = c->conn;
    ldb.active = 1;
    ldb.step = 1;
    ldb.luabp = 0;
    ldb.bpcount = 0;
    ldb.currentline = -1;
    ldb.maxlen = LDB_DEFAULT_MAXLEN;
    ldb.maxlen_hint_sent = 0;
    sdsclear(ldb.cbuf);
    listEmpty(ldb.logs);
    ldbLoadSource(c->argv[1]->ptr);
    connBlock(ldb.conn);
    connSendTimeout(ldb.conn, 5000);
    return 1;
}

/* After the script: <endsession>, then the EVAL reply, then the client is
 * closed (the child writes the reply itself and exits). */
void ldbEndSession(client *c) {
    ldbLog(sdsnew("<endsession>"));
    ldbSendLogs();
    if (ldb.forked) {
        while (clientHasPendingReplies(c))
            if (writeToClient(c, 0) == C_ERR) break;
        serverLog(LL_WARNING, "Lua debugging session child exiting");
        _exit(0);
    }
    serverLog(LL_WARNING, "Redis synchronous debugging eval session ended");
    connNonBlock(ldb.conn);
    connSendTimeout(ldb.conn, 0);
    c->flags |= CLIENT_CLOSE_AFTER_REPLY;
    ldbDisable(c);
    sdsfreesplitres(ldb.src, ldb.lines);
    ldb.src = NULL;
    ldb.lines = 0;
    ldb.active = 0;
    ldb.c = NULL;
    ldb.conn = NULL;
}

/* SCRIPT DEBUG YES|SYNC|NO */
void ldbScriptDebugCommand(client *c) {
    const char *mode = c->argv[2]->ptr;
    if (c->flags & CLIENT_MULTI) {
        addReplyError(c, "SCRIPT DEBUG must be called outside a pipeline");
        return;
    }
    if (!strcasecmp(mode, "no")) {
        ldbDisable(c);
    } else if (!strcasecmp(mode, "yes")) {
        c->flags |= CLIENT_LUA_DEBUG; /* as stock: a SYNC before still holds */
    } else if (!strcasecmp(mode, "sync")) {
        c->flags |= CLIENT_LUA_DEBUG | CLIENT_LUA_DEBUG_SYNC;
    } else {
        addReplyError(c, "Use SCRIPT DEBUG YES/SYNC/NO");
        return;
    }
    addReply(c, shared.ok);
}

/* ---------------------------------------------------------------------------
 * Forked sessions seen from the parent
 * ------------------------------------------------------------------------ */
int ldbHasChildren(void) { return ldb.children && listLength(ldb.children) > 0; }

/* 1 if pid was a session's child (now forgotten). */
int ldbReapedChild(pid_t pid) {
    if (!ldb.children) return 0;
    listIter li;
    listNode *ln;
    listRewind(ldb.children, &li);
    while ((ln = listNext(&li))) {
        if ((pid_t)(long)listNodeValue(ln) != pid) continue;
        listDelNode(ldb.children, ln);
        return 1;
    }
    return 0;
}

/* Shutdown: sessions waiting on their user would outlive the server. */
void ldbKillChildren(void) {
    if (!ldbHasChildren()) return;
    while (listLength(ldb.children)) {
        listNode *ln = listFirst(ldb.children);
        pid_t pid = (pid_t)(long)listNodeValue(ln);
        serverLog(LL_WARNING, "Killing debugging session %ld", (long)pid);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        listDelNode(ldb.children, ln);
    }
}
