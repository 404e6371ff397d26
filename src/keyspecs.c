/* keyspecs.c - which arguments of a command are keys.
 *
 * Cluster slot checks, ACL key patterns, client-side caching and COMMAND
 * GETKEYS all need to find the key names in a command line. The command
 * table describes them declaratively with key specs: a begin-search step
 * (a fixed index, or a keyword searched from some index) followed by a
 * find-keys step (a range up to a last key, or a count read from an
 * argument). This file evaluates key specs against an argv, and holds the
 * few hand-written "getkeys procs" for commands whose keys (or key flags)
 * specs cannot express: SORT's STORE, MIGRATE's KEYS, and the access flags of
 * SET and BITFIELD that depend on their options.
 *
 * Pure logic over argv: nothing here touches the keyspace.
 */
#include "server.h"

/* ---------------------------------------------------------------------------
 * getKeysResult storage
 * ------------------------------------------------------------------------ */

/* Make room for numkeys references: the embedded buffer serves the common
 * case, the heap the rare huge MSET/DEL. */
static keyReference *getKeysPrepareResult(getKeysResult *result, int numkeys) {
    if (result->keys == NULL) {
        result->keys = result->keysbuf;
        result->size = MAX_KEYS_BUFFER;
    }
    if (numkeys > result->size) {
        int size = result->size * 2 > numkeys ? result->size * 2 : numkeys;
        if (result->keys == result->keysbuf) {
            keyReference *heap = zmalloc(size * sizeof(keyReference));
            memcpy(heap, result->keysbuf, result->numkeys * sizeof(keyReference));
            result->keys = heap;
        } else {
            result->keys = zrealloc(result->keys, size * sizeof(keyReference));
        }
        result->size = size;
    }
    return result->keys;
}

static void getKeysAdd(getKeysResult *result, int pos, int flags) {
    keyReference *keys = getKeysPrepareResult(result, result->numkeys + 1);
    keys[result->numkeys].pos = pos;
    keys[result->numkeys].flags = flags;
    result->numkeys++;
}

void getKeysFreeResult(getKeysResult *result) {
    if (result && result->keys && result->keys != result->keysbuf)
        zfree(result->keys);
    if (result) {
        result->keys = NULL;
        result->numkeys = 0;
    }
}

/* Case-insensitive keyword test that tolerates integer-encoded arguments
 * (a number is never a keyword). */
static int argIs(robj *arg, const char *keyword) {
    return sdsEncodedObject(arg) && !strcasecmp(arg->ptr, keyword);
}

/* ---------------------------------------------------------------------------
 * Key specs
 * ------------------------------------------------------------------------ */

/* Index of the first key of a spec, 0 when the spec does not apply to this
 * argv (keyword absent), or -1 when it cannot be evaluated (unknown). A
 * keyword in the last position is not a match: no key can follow it. */
static int keySpecBeginSearch(keySpec *spec, robj **argv, int argc) {
    switch (spec->begin_search_type) {
    case KSPEC_BS_INDEX:
        return spec->bs.index.pos;
    case KSPEC_BS_KEYWORD: {
        int from = spec->bs.keyword.startfrom;
        int step = from >= 0 ? 1 : -1;
        int i = from >= 0 ? from : argc + from;
        for (; i >= 1 && i < argc - 1; i += step) {
            if (argIs(argv[i], spec->bs.keyword.keyword)) return i + 1;
        }
        return 0;
    }
    default:
        return -1;
    }
}

/* Evaluate one spec starting at argument `first`: add its keys and return
 * 1, or return 0 when the argv does not fit the spec (too few arguments, a
 * bad key count). */
static int keySpecFindKeys(keySpec *spec, int first, robj **argv, int argc,
                           getKeysResult *result) {
    int last, step;

    if (spec->find_keys_type == KSPEC_FK_RANGE) {
        int lastkey = spec->fk.range.lastkey, limit = spec->fk.range.limit;
        step = spec->fk.range.keystep;
        if (lastkey >= 0) {
            last = first + lastkey;
        } else if (limit <= 1) {
            last = argc + lastkey;  /* -1 is the last argument, -2 the one before */
        } else {
            /* Only 1/limit of the remaining arguments are keys (XREAD's
             * STREAMS k1 k2 id1 id2). */
            last = first + (argc - first) / limit + lastkey;
        }
    } else if (spec->find_keys_type == KSPEC_FK_KEYNUM) {
        int numidx = first + spec->fk.keynum.keynumidx;
        long long numkeys;
        /* More keys than arguments cannot fit (and would overflow below). */
        if (numidx >= argc || getLongLongFromObject(argv[numidx], &numkeys) != C_OK ||
            numkeys < 0 || numkeys > argc)
            return 0;
        step = spec->fk.keynum.keystep;
        first += spec->fk.keynum.firstkey;
        last = first + ((int)numkeys - 1) * step;
        if (numkeys == 0) return 1;
    } else {
        return 0;
    }
    if (step < 1 || first < 1 || last >= argc || last < first) return 0;
    for (int i = first; i <= last; i += step) getKeysAdd(result, i, (int)spec->flags);
    return 1;
}

/* All keys that the specs find. Returns the number of keys, or -1 when some
 * spec could not be evaluated (then the caller may fall back to the getkeys
 * proc); with GET_KEYSPEC_RETURN_PARTIAL such specs are skipped instead. */
static int getKeysUsingKeySpecs(struct redisCommand *cmd, robj **argv, int argc,
                                int search_flags, getKeysResult *result) {
    result->numkeys = 0;
    for (int j = 0; j < cmd->key_specs_num; j++) {
        keySpec *spec = &cmd->key_specs[j];
        if ((spec->flags & CMD_KEY_NOT_KEY) && !(search_flags & GET_KEYSPEC_INCLUDE_NOT_KEYS))
            continue;
        int partial = search_flags & GET_KEYSPEC_RETURN_PARTIAL;
        /* An incomplete spec may miss keys: leave the decision to the proc. */
        if ((spec->flags & CMD_KEY_INCOMPLETE) && !partial) goto invalid;
        int first = keySpecBeginSearch(spec, argv, argc);
        if (first == 0) continue;
        if (first > 0 && keySpecFindKeys(spec, first, argv, argc, result)) continue;
        if (!partial) goto invalid;
    }
    return result->numkeys;

invalid:
    result->numkeys = 0;
    return -1;
}

static uint64_t keySpecsFlagsUnion(struct redisCommand *cmd) {
    uint64_t flags = 0;
    for (int j = 0; j < cmd->key_specs_num; j++) flags |= cmd->key_specs[j].flags;
    return flags;
}

/* True when some spec describes real keys (not just channels). */
static int hasRealKeySpec(struct redisCommand *cmd) {
    for (int j = 0; j < cmd->key_specs_num; j++)
        if (!(cmd->key_specs[j].flags & CMD_KEY_NOT_KEY)) return 1;
    return 0;
}

int doesCommandHaveKeys(struct redisCommand *cmd) {
    return cmd->getkeys_proc != NULL || hasRealKeySpec(cmd);
}

/* Key positions and flags of a command line. Specs are preferred; the
 * command's getkeys proc decides when specs cannot (their flags vary with
 * the options, or they are incomplete or unknown for this argv). Returns the
 * number of keys; 0 also for argv the command would reject. */
int getKeysFromCommandWithSpecs(struct redisCommand *cmd, robj **argv, int argc,
                                int search_flags, getKeysResult *result) {
    result->numkeys = 0;
    int varflags = keySpecsFlagsUnion(cmd) & CMD_KEY_VARIABLE_FLAGS;
    if ((hasRealKeySpec(cmd) || (search_flags & GET_KEYSPEC_INCLUDE_NOT_KEYS)) &&
        !(varflags && cmd->getkeys_proc)) {
        int n = getKeysUsingKeySpecs(cmd, argv, argc, search_flags, result);
        if (n >= 0) return n;
    }
    if (cmd->getkeys_proc) return cmd->getkeys_proc(cmd, argv, argc, result);
    return 0;
}

int getKeysFromCommand(struct redisCommand *cmd, robj **argv, int argc,
                       getKeysResult *result) {
    return getKeysFromCommandWithSpecs(cmd, argv, argc, GET_KEYSPEC_DEFAULT, result);
}

/* ---------------------------------------------------------------------------
 * getkeys procs
 * ------------------------------------------------------------------------ */

/* SORT key [BY p] [LIMIT o c] [GET p ...] [ASC|DESC] [ALPHA] [STORE dst]:
 * STORE may appear anywhere among the options, so skip the arguments of the
 * others to avoid taking a BY/GET pattern for the keyword. The last STORE
 * wins, as when SORT runs. */
static int sortGetKeysGeneric(robj **argv, int argc, getKeysResult *result, int allow_store) {
    int store = 0;
    for (int i = 2; i < argc; i++) {
        if (argIs(argv[i], "limit")) {
            i += 2;
        } else if (argIs(argv[i], "get") || argIs(argv[i], "by")) {
            i += 1;
        } else if (allow_store && argIs(argv[i], "store") && i + 1 < argc) {
            store = ++i;
        }
    }
    result->numkeys = 0;
    getKeysAdd(result, 1, CMD_KEY_RO | CMD_KEY_ACCESS);
    if (store) getKeysAdd(result, store, CMD_KEY_OW | CMD_KEY_UPDATE);
    return result->numkeys;
}

int sortGetKeys(struct redisCommand *cmd, robj **argv, int argc, getKeysResult *result) {
    return sortGetKeysGeneric(argv, argc, result, 1);
}

int sortROGetKeys(struct redisCommand *cmd, robj **argv, int argc, getKeysResult *result) {
    return sortGetKeysGeneric(argv, argc, result, 0);
}

/* MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw]
 * [AUTH2 user pw] [KEYS k ...]: with KEYS the key argument must be empty.
 * AUTH/AUTH2 values are skipped so a password named "keys" is no keyword. */
int migrateGetKeys(struct redisCommand *cmd, robj **argv, int argc, getKeysResult *result) {
    int first = 3, last = 3;
    for (int i = 6; i < argc - 1; i++) {
        if (argIs(argv[i], "auth")) {
            i += 1;
        } else if (argIs(argv[i], "auth2")) {
            i += 2;
        } else if (argIs(argv[i], "keys")) {
            if (!sdsEncodedObject(argv[3]) || sdslen(argv[3]->ptr) != 0) return 0;
            first = i + 1;
            last = argc - 1;
            break;
        }
    }
    result->numkeys = 0;
    if (first >= argc) return 0;
    for (int i = first; i <= last; i++)
        getKeysAdd(result, i, CMD_KEY_RW | CMD_KEY_ACCESS | CMD_KEY_DELETE);
    return result->numkeys;
}

/* SET key value [...] [GET]: GET reads the old value, otherwise the key is
 * only overwritten. */
int setGetKeys(struct redisCommand *cmd, robj **argv, int argc, getKeysResult *result) {
    int flags = CMD_KEY_OW | CMD_KEY_UPDATE;
    for (int i = 3; i < argc; i++) {
        if (argIs(argv[i], "get")) {
            flags = CMD_KEY_RW | CMD_KEY_ACCESS | CMD_KEY_UPDATE;
            break;
        }
    }
    result->numkeys = 0;
    getKeysAdd(result, 1, flags);
    return 1;
}

/* BITFIELD key [GET type offset | OVERFLOW mode | SET ... | INCRBY ...]...:
 * read-only when made only of complete GET and OVERFLOW operations. */
int bitfieldGetKeys(struct redisCommand *cmd, robj **argv, int argc, getKeysResult *result) {
    int readonly = 1;
    for (int i = 2; i < argc && readonly; i++) {
        int remaining = argc - i - 1;
        if (argIs(argv[i], "get") && remaining >= 2) i += 2;
        else if (argIs(argv[i], "overflow") && remaining >= 1) i += 1;
        else readonly = 0;
    }
    result->numkeys = 0;
    getKeysAdd(result, 1, readonly ? (CMD_KEY_RO | CMD_KEY_ACCESS)
                                   : (CMD_KEY_RW | CMD_KEY_ACCESS | CMD_KEY_UPDATE));
    return 1;
}
