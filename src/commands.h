/* commands.h - the declarative format of the command table.
 *
 * The table (commands_table.c, with one data file per command group under
 * commands/) describes every command as plain data: flags, ACL categories,
 * key spec flags and tips are written as the space separated words COMMAND
 * INFO prints ("write denyoom fast", "@write @string @fast"), so the table
 * reads like the documentation. populateCommandTable() (commands.c) parses
 * the words into bits once at start-up and builds the runtime
 * struct redisCommand objects; an unknown word is a start-up panic, so a typo
 * in the table cannot go unnoticed.
 *
 * Only commands.c and commands_table.c include this header.
 */
#ifndef COMMANDS_H
#define COMMANDS_H

#include "server.h"

/* A key spec as declared: flags as words, the rest as the runtime keySpec
 * (whose flags field is filled at start-up). */
typedef struct keySpecDef {
    const char *flags;          /* "RW access update" */
    keySpec spec;
} keySpecDef;

typedef struct commandDef {
    const char *name;           /* lower case, without the parent's name */
    redisCommandProc *proc;     /* NULL until some module implements it */
    int arity;
    const char *flags;          /* command flags, as COMMAND INFO prints them */
    const char *acl;            /* "@read @string @fast" */
    const char *tips;           /* "nondeterministic_output ...", or NULL */
    const keySpecDef *specs;    /* NULL, or terminated by flags == NULL */
    redisGetKeysProc *getkeys_proc;
    const struct commandDef *subcommands; /* NULL, or name == NULL terminated */
    /* COMMAND DOCS */
    const char *summary;
    const char *since;
    const char *group;
    const char *complexity;
    const char *doc_flags;      /* "deprecated syscmd", or NULL */
    const char *deprecated_since;
    const char *replaced_by;
    const commandHistory *history;
    const redisCommandArg *args;
} commandDef;

/* The whole table, terminated by an entry whose name is NULL. */
extern const commandDef commandTable[];

/* ---------------------------------------------------------------------------
 * Helpers used by the data files. Each builds a static array in place with a
 * compound literal, so a command's declaration is one self-contained block.
 * ------------------------------------------------------------------------ */

#define CMD(name_, proc_, arity_, flags_, acl_, ...) \
    { .name = name_, .proc = proc_, .arity = arity_, .flags = flags_, \
      .acl = acl_, __VA_ARGS__ }

#define DOC(summary_, since_, group_, complexity_) \
    .summary = summary_, .since = since_, .group = group_, .complexity = complexity_

#define SUBCOMMANDS(...) ((const commandDef[]){ __VA_ARGS__, {0} })
#define HISTORY(...) ((const commandHistory[]){ __VA_ARGS__, {0} })

/* Key specs: SPEC("RW access", KS_INDEX(1), KS_RANGE(0,1,0)) */
#define SPECS(...) ((const keySpecDef[]){ __VA_ARGS__, {0} })
#define SPEC(flags_, ...) { .flags = flags_, .spec = { __VA_ARGS__ } }
#define KS_INDEX(pos_) \
    .begin_search_type = KSPEC_BS_INDEX, .bs.index = { pos_ }
#define KS_KEYWORD(keyword_, startfrom_) \
    .begin_search_type = KSPEC_BS_KEYWORD, .bs.keyword = { keyword_, startfrom_ }
#define KS_BS_UNKNOWN .begin_search_type = KSPEC_BS_UNKNOWN
#define KS_RANGE(lastkey_, keystep_, limit_) \
    .find_keys_type = KSPEC_FK_RANGE, .fk.range = { lastkey_, keystep_, limit_ }
#define KS_KEYNUM(keynumidx_, firstkey_, keystep_) \
    .find_keys_type = KSPEC_FK_KEYNUM, .fk.keynum = { keynumidx_, firstkey_, keystep_ }
#define KS_FK_UNKNOWN .find_keys_type = KSPEC_FK_UNKNOWN

/* Arguments: ARG("count", INTEGER, .token = "COUNT", .flags = CMD_ARG_OPTIONAL).
 * KARG is an argument tied to key spec number ksi_ (keys and some patterns). */
#define ARGS(...) ((const redisCommandArg[]){ __VA_ARGS__, {0} })
#define ARG(name_, type_, ...) \
    { .name = name_, .type = ARG_TYPE_##type_, .key_spec_index = -1, __VA_ARGS__ }
#define KARG(name_, type_, ksi_, ...) \
    { .name = name_, .type = ARG_TYPE_##type_, .key_spec_index = ksi_, __VA_ARGS__ }

#endif
