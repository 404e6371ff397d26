/* functions.h: Redis functions (FUNCTION / FCALL). functions.c keeps the
 * libraries and their functions and implements the commands, DUMP/RESTORE
 * payloads and the RDB hook; function_lua.c is the Lua engine that loads a
 * library's code and calls its functions. */
#ifndef FUNCTIONS_H
#define FUNCTIONS_H

#include "script_lua.h"
#include "rio.h"

typedef struct functionLib functionLib;

typedef struct functionInfo {
    sds name;
    functionLib *lib;
    int ref;          /* the callback in the engine's Lua registry */
    int flags;        /* SCRIPT_FLAG_* */
    sds desc;         /* NULL when none was given */
} functionInfo;

struct functionLib {
    sds name;
    sds code;
    dict *functions;  /* name -> functionInfo */
};

/* functions.c: called by the engine while a library loads. */
int functionLibAddFunction(functionLib *lib, sds name, int ref, int flags, sds desc, const char **err);

/* function_lua.c */
int functionLuaLoad(functionLib *lib, const char *code, size_t len, sds *err);
void functionLuaCall(client *c, functionInfo *f, int numkeys, int ro);
void functionLuaFreeRef(int ref);
void functionLuaReset(void);
size_t functionLuaMemory(void);

/* functions.c: calls fn(priv, code) for each library's code, stopping
 * when fn returns 0; -1 then, else 0 (the RDB and AOF rewrite writers). */
int functionsForEachCode(int (*fn)(void *priv, sds code), void *priv);

/* functions.c: RDB (RDB_OPCODE_FUNCTION2) */
int functionsSaveToRio(rio *rdb);
int functionsLoadFromRdbCode(sds code, int replace, sds *err);
#endif
