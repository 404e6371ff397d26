/* config.h - internal interface between the config engine (config.c) and
 * the config table (config_table.c). Nothing outside those two files should
 * include this; the rest of the server only sees the prototypes in server.h.
 *
 * Every directive is one standardConfig entry: a type that knows how to
 * parse, print and rewrite the value, a pointer to the server field, the
 * default and bounds, flags, and an optional apply callback that CONFIG SET
 * runs after changing the value (rebinding sockets, resizing the event
 * loop...). Directives whose value does not fit a plain type (save, bind,
 * client-output-buffer-limit, ...) are SPECIAL and bring their own
 * set/get/rewrite functions.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include "server.h"

/* Value types */
#define CT_BOOL 0       /* int field, yes/no */
#define CT_ENUM 1       /* int field, one name of `enums` */
#define CT_FLAGS 2      /* int field, several names of `enums` OR-ed together */
#define CT_STRING 3     /* char * field, zmalloc'ed */
#define CT_INT 4        /* numeric types: the C type of the field */
#define CT_UINT 5
#define CT_LONG 6
#define CT_ULONG 7
#define CT_LL 8
#define CT_ULL 9
#define CT_SIZE 10
#define CT_SSIZE 11
#define CT_SPECIAL 12   /* custom set/get/rewrite */

/* Flags */
#define CF_IMMUTABLE (1<<0)   /* config file / command line only */
#define CF_SENSITIVE (1<<1)   /* value redacted from slowlog and MONITOR */
#define CF_PROTECTED (1<<2)   /* CONFIG SET needs enable-protected-configs */
#define CF_HIDDEN (1<<3)      /* not matched by CONFIG GET patterns */
#define CF_MEMORY (1<<4)      /* numeric value accepts 1k 1kb 1m 1mb 1g 1gb */
#define CF_PERCENT (1<<5)     /* memory value may be "N%", stored as -N */
#define CF_DENY_LOADING (1<<6)/* CONFIG SET refused while loading a dataset */
#define CF_MULTI_ARG (1<<7)   /* several words: file args / CONFIG SET split on ' ' */
#define CF_EMPTY_NULL (1<<8)  /* string: "" is stored as NULL (meaning unset) */

typedef struct configEnum {
    const char *name;
    int val;
    int unlisted; /* ours, not stock's: accepted, left out of error texts so
                   * those stay byte-identical to stock's */
} configEnum;

struct standardConfig;
typedef struct rewriteState rewriteState;

/* Set from already split arguments. Returns 1 on success, 0 with *err set.
 * Must validate everything before touching the server field, so that a
 * failed set leaves the old value in place. */
typedef int configSetFn(struct standardConfig *cfg, sds *argv, int argc, const char **err);
/* The value as CONFIG GET prints it (a new sds). */
typedef sds configGetFn(struct standardConfig *cfg);
/* Emit the directive's lines for CONFIG REWRITE with rewriteConfigLine(). */
typedef void configRewriteFn(struct standardConfig *cfg, rewriteState *state);
/* Run after CONFIG SET changed the value. Returns 1 ok, 0 with *err set. */
typedef int configApplyFn(const char **err);

typedef struct standardConfig {
    const char *name;
    const char *alias;        /* old name still accepted, or NULL */
    int type;                 /* CT_* */
    int flags;                /* CF_* */
    void *ptr;                /* the server field */
    long long dflt;           /* numeric / bool / enum default */
    const char *dflt_str;     /* string default (NULL: unset) */
    long long min;            /* numeric bounds, inclusive */
    unsigned long long max;
    const configEnum *enums;  /* CT_ENUM / CT_FLAGS names, NULL terminated */
    int (*validate)(const char *val, const char **err); /* strings, bools: optional */
    configSetFn *set;         /* CT_SPECIAL */
    configGetFn *get;
    configRewriteFn *rewrite;
    void (*init)(void);       /* CT_SPECIAL: install the default */
    configApplyFn *apply;
} standardConfig;

/* The table (config_table.c), terminated by an entry with a NULL name. */
extern standardConfig configTable[];

/* Engine helpers the special types use (config.c). */
void rewriteConfigLine(rewriteState *state, const char *option, sds line, int force);
void rewriteConfigMarkProcessed(rewriteState *state, const char *option);
sds rewriteFormatMemory(sds s, unsigned long long bytes);
int configParseMemory(const char *s, unsigned long long *out);
sds configFormatDouble(sds s, double d);

/* Directives only valid in the config file (config_table.c). */
int configFileDirective(sds *argv, int argc, const char **err, int *handled);
void configRewriteFileOnlyDirectives(rewriteState *state);
void configTableInitFileState(void);

#endif
