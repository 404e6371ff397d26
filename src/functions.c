/* functions.c: Redis functions as in 7.0: libraries ("#!lua name=lib"
 * code, each registering named functions) and the commands FUNCTION
 * LOAD/LIST/DELETE/FLUSH/STATS/KILL/DUMP/RESTORE/HELP, FCALL and FCALL_RO.
 * The Lua side (running library code, calling functions) is function_lua.c;
 * running a function shares the run context and busy handling of eval.c.
 * Libraries are persisted as RDB_OPCODE_FUNCTION2 records holding the code
 * (RDB files and DUMP payloads), the layout stock 7.0 reads and writes. */
#include "server.h"
#include "functions.h"
#include "rdb.h"
#include "crc64.h"
#include <ctype.h>

static dict *libraries = NULL;   /* name -> functionLib */
static dict *functions = NULL;   /* name -> functionInfo (owned by its lib) */

static dictType libDictType = {
    .hashFunction = dictSdsHash,
    .keyCompare = dictSdsKeyCompare,
};

/* FCALL finds functions case-insensitively; inside one library names are
 * case-sensitive (7.0 accepts "fy" and "FY" in one library). */
static dictType fnDictType = {
    .hashFunction = dictSdsCaseHash,
    .keyCompare = dictSdsKeyCaseCompare,
};

static dictType libFnDictType = {
    .hashFunction = dictSdsHash,
    .keyCompare = dictSdsKeyCompare,
};

static void functionsInit(void) {
    if (libraries) return;
    libraries = dictCreate(&libDictType);
    functions = dictCreate(&fnDictType);
}

static functionLib *libCreate(sds name, sds code) {
    functionLib *lib = zcalloc(sizeof(*lib));
    lib->name = name;
    lib->code = code;
    lib->functions = dictCreate(&libFnDictType);
    return lib;
}

static void libFree(functionLib *lib) {
    dictIterator *di = dictGetIterator(lib->functions);
    dictEntry *de;
    while ((de = dictNext(di))) {
        functionInfo *f = dictGetVal(de);
        functionLuaFreeRef(f->ref);
        sdsfree(f->name);
        sdsfree(f->desc);
        zfree(f);
    }
    dictReleaseIterator(di);
    dictRelease(lib->functions);
    sdsfree(lib->name);
    sdsfree(lib->code);
    zfree(lib);
}

static int validName(const char *s, size_t len) {
    if (len == 0) return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_') return 0;
    return 1;
}

#define NAME_RULES_ERR "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

int functionLibAddFunction(functionLib *lib, sds name, int ref, int flags, sds desc, const char **err) {
    if (!validName(name, sdslen(name))) {
        *err = NAME_RULES_ERR; /* sic: 7.0 says "Library" for functions too */
        return C_ERR;
    }
    if (dictFind(lib->functions, name)) {
        *err = "Function already exists in the library";
        return C_ERR;
    }
    functionInfo *f = zcalloc(sizeof(*f));
    f->name = name;
    f->lib = lib;
    f->ref = ref;
    f->flags = flags;
    f->desc = desc;
    dictAdd(lib->functions, name, f);
    return C_OK;
}

static void libUnlink(functionLib *lib) {
    dictIterator *di = dictGetIterator(lib->functions);
    dictEntry *de;
    while ((de = dictNext(di))) {
        functionInfo *f = dictFetchValue(functions, dictGetKey(de));
        if (f && f->lib == lib) dictDelete(functions, dictGetKey(de));
    }
    dictReleaseIterator(di);
    dictDelete(libraries, lib->name);
}

static void libLink(functionLib *lib) {
    dictAdd(libraries, lib->name, lib);
    dictIterator *di = dictGetIterator(lib->functions);
    dictEntry *de;
    while ((de = dictNext(di))) dictAdd(functions, dictGetKey(de), dictGetVal(de));
    dictReleaseIterator(di);
}

/* "#!lua name=lib" -> the library name, or NULL with *err. The first line
 * is split like a command line (quotes, any blanks); stock's checks come in
 * this order: the line itself, each option, the name's presence and form,
 * then the engine. */
static sds parseMetadata(sds code, sds *err) {
    *err = NULL;
    if (sdslen(code) < 2 || code[0] != '#' || code[1] != '!') {
        *err = sdsnew("Missing library metadata");
        return NULL;
    }
    const char *nl = memchr(code, '\n', sdslen(code));
    int n = 0;
    sds *parts = NULL;
    if (nl) {
        sds line = sdsnewlen(code, nl - code);
        parts = sdssplitargs(line, &n);
        sdsfree(line);
    }
    if (!parts || n == 0) {
        if (parts) sdsfreesplitres(parts, n);
        *err = sdsnew("Invalid library metadata");
        return NULL;
    }
    sds name = NULL;
    for (int i = 1; !*err && i < n; i++) {
        if (strncasecmp(parts[i], "name=", 5)) {
            *err = sdscatfmt(sdsempty(), "Invalid metadata value given: %s", parts[i]);
        } else if (name) {
            *err = sdsnew("Invalid metadata value, name argument was given multiple times");
        } else {
            name = sdsnewlen(parts[i] + 5, sdslen(parts[i]) - 5);
        }
    }
    if (!*err && !name) *err = sdsnew("Library name was not given");
    if (!*err && !validName(name, sdslen(name))) *err = sdsnew(NAME_RULES_ERR);
    if (!*err && strcasecmp(parts[0] + 2, "lua"))
        *err = sdscatfmt(sdsempty(), "Engine '%s' not found", parts[0] + 2);
    sdsfreesplitres(parts, n);
    if (*err) {
        sdsfree(name);
        return NULL;
    }
    return name;
}

/* Create (or with replace, replace) a library from its code. */
static sds functionsCreate(sds code, int replace, sds *err) {
    functionsInit();
    sds name = parseMetadata(code, err);
    if (!name) return NULL;
    functionLib *old = dictFetchValue(libraries, name);
    if (old && !replace) {
        *err = sdscatfmt(sdsempty(), "Library '%S' already exists", name);
        sdsfree(name);
        return NULL;
    }
    functionLib *lib = libCreate(name, sdsdup(code));
    if (functionLuaLoad(lib, code, sdslen(code), err) != C_OK) {
        libFree(lib);
        return NULL;
    }
    if (dictSize(lib->functions) == 0) {
        *err = sdsnew("No functions registered");
        libFree(lib);
        return NULL;
    }
    dictIterator *di = dictGetIterator(lib->functions);
    dictEntry *de;
    while ((de = dictNext(di))) {
        functionInfo *other = dictFetchValue(functions, dictGetKey(de));
        if (other && other->lib != old) {
            *err = sdscatfmt(sdsempty(), "Function %S already exists", (sds)dictGetKey(de));
            dictReleaseIterator(di);
            libFree(lib);
            return NULL;
        }
    }
    dictReleaseIterator(di);
    if (old) {
        libUnlink(old);
        libFree(old);
    }
    libLink(lib);
    return lib->name;
}

static void functionsFlushAll(void) {
    functionsInit();
    dictIterator *di = dictGetSafeIterator(libraries);
    dictEntry *de;
    while ((de = dictNext(di))) {
        functionLib *lib = dictGetVal(de);
        libUnlink(lib);
        libFree(lib);
    }
    dictReleaseIterator(di);
    functionLuaReset();
}

/* A replica's async load (replica.c): the libraries of the master's RDB
 * wait here while the old ones keep serving FCALL, and replace them all
 * when the keys are swapped in (as stock's separate library set). */
static list *async_load_codes;

static list *snapshotCodes(void);
static void rebuildFrom(list *codes);
static void freeCodes(list *codes);

int functionsLoadFromRdbCode(sds code, int replace, sds *err) {
    if (async_load_codes) {
        /* Checked now (a bad header fails the load, as a direct load
         * would); compiled at the swap. */
        sds name = parseMetadata(code, err);
        if (!name) return C_ERR;
        sdsfree(name);
        listAddNodeTail(async_load_codes, sdsdup(code));
        return C_OK;
    }
    return functionsCreate(code, replace, err) ? C_OK : C_ERR;
}

void functionsAsyncLoadBegin(void) {
    if (!async_load_codes) async_load_codes = listCreate();
}

/* apply: the load succeeded, its libraries become the only ones. */
void functionsAsyncLoadEnd(int apply) {
    list *codes = async_load_codes;
    if (!codes) return;
    async_load_codes = NULL;
    if (apply) rebuildFrom(codes);
    freeCodes(codes);
}

/* ---------------------------------------------------------------------------
 * FCALL / FCALL_RO
 * ------------------------------------------------------------------------ */
static void fcallGeneric(client *c, int ro) {
    functionsInit();
    long long numkeys;
    functionInfo *f = dictFetchValue(functions, c->argv[1]->ptr);
    if (!f) {
        addReplyError(c, "Function not found");
        return;
    }
    if (getLongLongFromObjectOrReply(c, c->argv[2], &numkeys, NULL) != C_OK) return;
    if (numkeys > c->argc - 3) {
        addReplyError(c, "Number of keys can't be greater than number of args");
        return;
    }
    if (numkeys < 0) {
        addReplyError(c, "Number of keys can't be negative");
        return;
    }
    if (scriptAllowedToRun(c, f->flags, ro) != C_OK) return;
    functionLuaCall(c, f, (int)numkeys, ro);
}

void fcallCommand(client *c) { fcallGeneric(c, 0); }
void fcallroCommand(client *c) { fcallGeneric(c, 1); }

/* ---------------------------------------------------------------------------
 * FUNCTION subcommands
 * ------------------------------------------------------------------------ */
void functionLoadCommand(client *c) {
    int replace = 0, pos = 2;
    for (; pos < c->argc - 1; pos++) {
        if (!strcasecmp(c->argv[pos]->ptr, "replace")) {
            replace = 1;
            continue;
        }
        addReplyErrorFormat(c, "Unknown option given: %s", (char *)c->argv[pos]->ptr);
        return;
    }
    if (pos >= c->argc) {
        addReplyError(c, "Function code is missing");
        return;
    }
    sds err = NULL;
    sds name = functionsCreate(c->argv[pos]->ptr, replace, &err);
    if (!name) {
        addReplyErrorSds(c, err);
        return;
    }
    server.dirty++;
    addReplyBulkCBuffer(c, name, sdslen(name));
}

static void addReplyFunctionFlags(client *c, int flags) {
    static const char *names[] = {"no-writes", "allow-oom", "allow-stale", "no-cluster", NULL};
    static const int bits[] = {SCRIPT_FLAG_NO_WRITES, SCRIPT_FLAG_ALLOW_OOM,
                               SCRIPT_FLAG_ALLOW_STALE, SCRIPT_FLAG_NO_CLUSTER};
    int n = 0;
    for (int i = 0; names[i]; i++) if (flags & bits[i]) n++;
    if (flags & SCRIPT_FLAG_ALLOW_CROSS_SLOT) n++;
    addReplySetLen(c, n);
    for (int i = 0; names[i]; i++) if (flags & bits[i]) addReplyStatus(c, names[i]);
    if (flags & SCRIPT_FLAG_ALLOW_CROSS_SLOT) addReplyStatus(c, "allow-cross-slot-keys");
}

void functionListCommand(client *c) {
    functionsInit();
    int with_code = 0;
    sds pattern = NULL;
    for (int i = 2; i < c->argc; i++) {
        sds a = c->argv[i]->ptr;
        /* A repeated option is an unknown argument, as in 7.0. */
        if (!strcasecmp(a, "withcode") && !with_code) {
            with_code = 1;
        } else if (!strcasecmp(a, "libraryname") && !pattern) {
            if (i == c->argc - 1) {
                addReplyError(c, "library name argument was not given");
                return;
            }
            pattern = c->argv[++i]->ptr;
        } else {
            addReplyErrorFormat(c, "Unknown argument %s", a);
            return;
        }
    }
    void *len = addReplyDeferredLen(c);
    long n = 0;
    dictIterator *di = dictGetIterator(libraries);
    dictEntry *de;
    while ((de = dictNext(di))) {
        functionLib *lib = dictGetVal(de);
        if (pattern && !stringmatchlen(pattern, sdslen(pattern), lib->name, sdslen(lib->name), 0))
            continue;
        n++;
        addReplyMapLen(c, with_code ? 4 : 3);
        addReplyBulkCString(c, "library_name");
        addReplyBulkCBuffer(c, lib->name, sdslen(lib->name));
        addReplyBulkCString(c, "engine");
        addReplyBulkCString(c, "LUA");
        addReplyBulkCString(c, "functions");
        addReplyArrayLen(c, dictSize(lib->functions));
        dictIterator *fi = dictGetIterator(lib->functions);
        dictEntry *fe;
        while ((fe = dictNext(fi))) {
            functionInfo *f = dictGetVal(fe);
            addReplyMapLen(c, 3);
            addReplyBulkCString(c, "name");
            addReplyBulkCBuffer(c, f->name, sdslen(f->name));
            addReplyBulkCString(c, "description");
            if (f->desc) addReplyBulkCBuffer(c, f->desc, sdslen(f->desc));
            else addReplyNull(c);
            addReplyBulkCString(c, "flags");
            addReplyFunctionFlags(c, f->flags);
        }
        dictReleaseIterator(fi);
        if (with_code) {
            addReplyBulkCString(c, "library_code");
            addReplyBulkCBuffer(c, lib->code, sdslen(lib->code));
        }
    }
    dictReleaseIterator(di);
    setDeferredArrayLen(c, len, n);
}

void functionDeleteCommand(client *c) {
    functionsInit();
    functionLib *lib = dictFetchValue(libraries, c->argv[2]->ptr);
    if (!lib) {
        addReplyError(c, "Library not found");
        return;
    }
    libUnlink(lib);
    libFree(lib);
    server.dirty++;
    addReply(c, shared.ok);
}

void functionFlushCommand(client *c) {
    if (c->argc > 3 || (c->argc == 3 && strcasecmp(c->argv[2]->ptr, "sync") &&
                        strcasecmp(c->argv[2]->ptr, "async"))) {
        addReplyError(c, "FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    functionsFlushAll();
    server.dirty++;
    addReply(c, shared.ok);
}

void functionKillCommand(client *c) { scriptKill(c, 0); }

void functionStatsCommand(client *c) {
    functionsInit();
    addReplyMapLen(c, 2);
    addReplyBulkCString(c, "running_script");
    if (!curRunCtx || !curRunCtx->is_function) {
        addReplyNull(c);
    } else {
        client *caller = curRunCtx->caller;
        addReplyMapLen(c, 3);
        addReplyBulkCString(c, "name");
        addReplyBulkCString(c, curRunCtx->funcname);
        addReplyBulkCString(c, "command");
        addReplyArrayLen(c, caller->argc);
        for (int i = 0; i < caller->argc; i++) addReplyBulk(c, caller->argv[i]);
        addReplyBulkCString(c, "duration_ms");
        addReplyLongLong(c, mstime() - curRunCtx->start_ms);
    }
    addReplyBulkCString(c, "engines");
    addReplyMapLen(c, 1);
    addReplyBulkCString(c, "LUA");
    addReplyMapLen(c, 2);
    addReplyBulkCString(c, "libraries_count");
    addReplyLongLong(c, dictSize(libraries));
    addReplyBulkCString(c, "functions_count");
    addReplyLongLong(c, dictSize(functions));
}

void functionHelpCommand(client *c) {
    const char *help[] = {
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        NULL};
    addReplyHelp(c, help);
}

/* ---------------------------------------------------------------------------
 * Persistence: RDB records, DUMP / RESTORE payloads
 * ------------------------------------------------------------------------ */
int functionsForEachCode(int (*fn)(void *priv, sds code), void *priv) {
    if (!libraries) return 0;
    dictIterator *di = dictGetIterator(libraries);
    dictEntry *de;
    int ret = 0;
    while ((de = dictNext(di))) {
        if (!fn(priv, ((functionLib *)dictGetVal(de))->code)) {
            ret = -1;
            break;
        }
    }
    dictReleaseIterator(di);
    return ret;
}

static int saveLibraryToRdb(void *priv, sds code) {
    rio *rdb = priv;
    return rdbSaveType(rdb, RDB_OPCODE_FUNCTION2) != -1 &&
           rdbSaveRawString(rdb, (unsigned char *)code, sdslen(code)) != -1;
}

int functionsSaveToRio(rio *rdb) {
    return functionsForEachCode(saveLibraryToRdb, rdb);
}

void functionDumpCommand(client *c) {
    functionsInit();
    rio payload;
    rioInitWithBuffer(&payload, sdsempty());
    functionsSaveToRio(&payload);
    sds p = payload.io.buffer.ptr;
    unsigned char footer[10];
    footer[0] = RDB_VERSION & 0xff;
    footer[1] = (RDB_VERSION >> 8) & 0xff;
    p = sdscatlen(p, footer, 2);
    uint64_t crc = crc64(0, (unsigned char *)p, sdslen(p));
    for (int i = 0; i < 8; i++) footer[2 + i] = (unsigned char)(crc >> (8 * i));
    p = sdscatlen(p, footer + 2, 8);
    addReplyBulkSds(c, p);
}

static int payloadValid(const unsigned char *p, size_t len) {
    if (len < 10) return 0;
    const unsigned char *footer = p + len - 10;
    unsigned ver = (unsigned)footer[0] | (unsigned)footer[1] << 8;
    if (ver > RDB_VERSION) return 0;
    uint64_t crc = crc64(0, p, len - 8), stored = 0;
    for (int i = 7; i >= 0; i--) stored = (stored << 8) | footer[2 + i];
    return crc == stored;
}

/* The code of every library, to rebuild them after a failed RESTORE. */
static list *snapshotCodes(void) {
    list *l = listCreate();
    dictIterator *di = dictGetIterator(libraries);
    dictEntry *de;
    while ((de = dictNext(di))) listAddNodeTail(l, sdsdup(((functionLib *)dictGetVal(de))->code));
    dictReleaseIterator(di);
    return l;
}

static void rebuildFrom(list *codes) {
    functionsFlushAll();
    listIter li;
    listNode *ln;
    listRewind(codes, &li);
    while ((ln = listNext(&li))) {
        sds err = NULL;
        if (!functionsCreate(listNodeValue(ln), 0, &err)) sdsfree(err);
    }
}

static void freeCodes(list *codes) {
    listIter li;
    listNode *ln;
    listRewind(codes, &li);
    while ((ln = listNext(&li))) sdsfree(listNodeValue(ln));
    listRelease(codes);
}

void functionRestoreCommand(client *c) {
    functionsInit();
    if (c->argc > 4) {
        addReplySubcommandSyntaxError(c);
        return;
    }
    int policy = 1; /* 0 flush, 1 append, 2 replace */
    if (c->argc == 4) {
        const char *p = c->argv[3]->ptr;
        if (!strcasecmp(p, "flush")) policy = 0;
        else if (!strcasecmp(p, "append")) policy = 1;
        else if (!strcasecmp(p, "replace")) policy = 2;
        else {
            addReplyError(c, "Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
            return;
        }
    }
    sds data = c->argv[2]->ptr;
    if (!payloadValid((unsigned char *)data, sdslen(data))) {
        addReplyError(c, "DUMP payload version or checksum are wrong");
        return;
    }
    /* Read every record first: a bad payload changes nothing. */
    list *incoming = listCreate();
    rio r;
    sds body = sdsnewlen(data, sdslen(data) - 10);
    rioInitWithBuffer(&r, body);
    sds err = NULL;
    while ((size_t)rioTell(&r) < sdslen(body)) {
        int type = rdbLoadType(&r);
        if (type != RDB_OPCODE_FUNCTION2) {
            err = sdsnew(type == RDB_OPCODE_FUNCTION_PRE_GA
                         ? "Pre-GA function format not supported" : "given type is not a function");
            break;
        }
        sds code = rdbGenericLoadStringObject(&r, RDB_LOAD_SDS, NULL);
        if (!code) {
            err = sdsnew("can not read data type");
            break;
        }
        listAddNodeTail(incoming, code);
    }
    sdsfree(body);
    if (!err) {
        list *before = snapshotCodes();
        if (policy == 0) functionsFlushAll();
        listIter li;
        listNode *ln;
        listRewind(incoming, &li);
        while (!err && (ln = listNext(&li))) {
            sds code = listNodeValue(ln);
            if (policy == 1) {
                sds e2 = NULL;
                sds name = parseMetadata(code, &e2);
                if (name && dictFind(libraries, name))
                    err = sdscatfmt(sdsempty(), "Library %S already exists", name);
                sdsfree(name);
                if (e2) err = e2;
                if (err) break;
            }
            if (!functionsCreate(code, policy == 2, &err)) break;
        }
        if (err) rebuildFrom(before);
        freeCodes(before);
    }
    freeCodes(incoming);
    if (err) {
        addReplyErrorSds(c, err);
        return;
    }
    server.dirty++;
    addReply(c, shared.ok);
}

void functionsMemoryInfo(scriptingMemInfo *smi) {
    size_t vm = functionLuaMemory();
    smi->functions_vm = vm ? vm : 33792;
    smi->functions_caches = 200;
    smi->functions_count = functions ? dictSize(functions) : 0;
    smi->libraries_count = libraries ? dictSize(libraries) : 0;
    if (libraries) {
        dictIterator *di = dictGetIterator(libraries);
        dictEntry *de;
        while ((de = dictNext(di))) {
            functionLib *lib = dictGetVal(de);
            smi->functions_caches += sdslen(lib->code) + sdslen(lib->name) + 64 +
                                     dictSize(lib->functions) * 96;
        }
        dictReleaseIterator(di);
    }
}

/* eval.c's command-flags hook: the flags of the function FCALL names. */
int functionGetFlags(sds name, int *flags) {
    functionInfo *f = functions ? dictFetchValue(functions, name) : NULL;
    if (!f) return C_ERR;
    *flags = f->flags;
    return C_OK;
}
