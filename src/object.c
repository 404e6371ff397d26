/* object.c - robj: the value container every key and argument uses.
 *
 * An robj is a 16-byte header (type, encoding, LRU/LFU bits, refcount) and a
 * pointer. Strings come in three encodings, as Redis reports them through
 * OBJECT ENCODING:
 *   int     the pointer itself holds a long (small integers share objects)
 *   embstr  header and sds in one allocation, for strings up to 44 bytes
 *   raw     a separate sds
 * Objects are reference-counted: argument vectors, the keyspace and replies
 * may all hold the same object. Shared objects (OBJ_SHARED_REFCOUNT) are
 * never freed. The other types' destructors live in their t_*.c modules.
 */
#include "server.h"
#include <math.h>
#include <ctype.h>

/* ---------------------------------------------------------------------------
 * Creation
 * ------------------------------------------------------------------------ */

static void initObjectLRU(robj *o) {
    if (server.maxmemory_policy & MAXMEMORY_FLAG_LFU)
        o->lru = (LFUGetTimeInMinutes() << 8) | LFU_INIT_VAL;
    else
        o->lru = LRU_CLOCK();
}

robj *createObject(int type, void *ptr) {
    robj *o = zmalloc(sizeof(*o));
    o->type = type;
    o->encoding = OBJ_ENCODING_RAW;
    o->ptr = ptr;
    o->refcount = 1;
    initObjectLRU(o);
    return o;
}

robj *makeObjectShared(robj *o) {
    serverAssert(o->refcount == 1);
    o->refcount = OBJ_SHARED_REFCOUNT;
    return o;
}

robj *createRawStringObject(const char *ptr, size_t len) {
    return createObject(OBJ_STRING, sdsnewlen(ptr, len));
}

robj *tryCreateRawStringObject(const char *ptr, size_t len) {
    sds s = sdstrynewlen(ptr, len);
    if (!s) return NULL;
    return createObject(OBJ_STRING, s);
}

/* One allocation: the robj, then an sds with an 8-bit header, then the
 * bytes. Saves an allocation and a cache miss for every short string. */
robj *createEmbeddedStringObject(const char *ptr, size_t len) {
    size_t hdr = 3; /* sdshdr8: len, alloc, flags */
    robj *o = zmalloc(sizeof(robj) + hdr + len + 1);
    unsigned char *sh = (unsigned char *)(o + 1);
    sh[0] = (unsigned char)len;   /* len */
    sh[1] = (unsigned char)len;   /* alloc */
    sh[2] = 1;                    /* SDS_TYPE_8 */
    char *buf = (char *)sh + hdr;
    o->type = OBJ_STRING;
    o->encoding = OBJ_ENCODING_EMBSTR;
    o->ptr = buf;
    o->refcount = 1;
    initObjectLRU(o);
    if (ptr) memcpy(buf, ptr, len);
    else memset(buf, 0, len);
    buf[len] = '\0';
    return o;
}

robj *createStringObject(const char *ptr, size_t len) {
    if (len <= OBJ_ENCODING_EMBSTR_SIZE_LIMIT)
        return createEmbeddedStringObject(ptr, len);
    return createRawStringObject(ptr, len);
}

robj *tryCreateStringObject(const char *ptr, size_t len) {
    if (len <= OBJ_ENCODING_EMBSTR_SIZE_LIMIT)
        return createEmbeddedStringObject(ptr, len);
    return tryCreateRawStringObject(ptr, len);
}

/* valueobj: when maxmemory uses LRU/LFU every value needs its own lru bits,
 * so shared integers cannot be used for values stored in the keyspace. */
static robj *createStringObjectFromLongLongWithOptions(long long value, int valueobj) {
    if (server.maxmemory == 0 || !(server.maxmemory_policy & (MAXMEMORY_FLAG_LRU|MAXMEMORY_FLAG_LFU)))
        valueobj = 0;
    if (value >= 0 && value < OBJ_SHARED_INTEGERS && !valueobj) {
        incrRefCount(shared.integers[value]);
        return shared.integers[value];
    }
    if (value >= LONG_MIN && value <= LONG_MAX) {
        robj *o = createObject(OBJ_STRING, NULL);
        o->encoding = OBJ_ENCODING_INT;
        o->ptr = (void *)((long)value);
        return o;
    }
    return createObject(OBJ_STRING, sdsfromlonglong(value));
}

robj *createStringObjectFromLongLong(long long value) {
    return createStringObjectFromLongLongWithOptions(value, 0);
}

robj *createStringObjectFromLongLongForValue(long long value) {
    return createStringObjectFromLongLongWithOptions(value, 1);
}

robj *createStringObjectFromLongDouble(long double value, int humanfriendly) {
    char buf[5*1024];
    int len = ld2string(buf, sizeof(buf), value,
                        humanfriendly ? LD_STR_HUMAN : LD_STR_AUTO);
    return createStringObject(buf, len);
}

/* A private, unshared copy (used before modifying a value in place). */
robj *dupStringObject(const robj *o) {
    switch (o->encoding) {
    case OBJ_ENCODING_RAW:
        return createRawStringObject(o->ptr, sdslen(o->ptr));
    case OBJ_ENCODING_EMBSTR:
        return createEmbeddedStringObject(o->ptr, sdslen(o->ptr));
    case OBJ_ENCODING_INT: {
        robj *d = createObject(OBJ_STRING, NULL);
        d->encoding = OBJ_ENCODING_INT;
        d->ptr = o->ptr;
        return d;
    }
    default:
        serverPanic("Wrong encoding.");
    }
}

/* ---------------------------------------------------------------------------
 * Reference counting
 * ------------------------------------------------------------------------ */

void incrRefCount(robj *o) {
    if (o->refcount < OBJ_STATIC_REFCOUNT) {
        o->refcount++;
    } else if (o->refcount == OBJ_STATIC_REFCOUNT) {
        /* Objects on the stack must never be retained. */
        serverPanic("You tried to retain an object allocated in the stack");
    }
}

void freeStringObject(robj *o) {
    if (o->encoding == OBJ_ENCODING_RAW) sdsfree(o->ptr);
}

/* Every type module registers its destructor here through the switch: a
 * value of a type whose module is missing can never have been created. */
static void freeObjectValue(robj *o) {
    switch (o->type) {
    case OBJ_STRING: freeStringObject(o); break;
    case OBJ_SET: freeSetObject(o); break;
    case OBJ_HASH: freeHashObject(o); break;
    case OBJ_ZSET: freeZsetObject(o); break;
    case OBJ_LIST: freeListObject(o); break;
    case OBJ_STREAM: freeStreamObject(o); break;
    default: serverPanic("Unknown object type %d", o->type);
    }
}

void decrRefCount(robj *o) {
    if (o->refcount == 1) {
        freeObjectValue(o);
        zfree(o);
    } else {
        if (o->refcount <= 0) serverPanic("decrRefCount against refcount <= 0");
        if (o->refcount != OBJ_SHARED_REFCOUNT) o->refcount--;
    }
}

void decrRefCountVoid(void *o) { decrRefCount(o); }

robj *resetRefCount(robj *obj) {
    obj->refcount = 0;
    return obj;
}

/* ---------------------------------------------------------------------------
 * Encodings
 * ------------------------------------------------------------------------ */

int isSdsRepresentableAsLongLong(sds s, long long *llval) {
    return string2ll(s, sdslen(s), llval) ? C_OK : C_ERR;
}

int isObjectRepresentableAsLongLong(robj *o, long long *llval) {
    serverAssert(o->type == OBJ_STRING);
    if (o->encoding == OBJ_ENCODING_INT) {
        if (llval) *llval = (long)o->ptr;
        return C_OK;
    }
    return isSdsRepresentableAsLongLong(o->ptr, llval);
}

/* Drop the greedy free space of a raw string that was built by appending
 * (e.g. a big argument read from the network) before it is stored. */
void trimStringObjectIfNeeded(robj *o) {
    if (o->encoding == OBJ_ENCODING_RAW && sdsavail(o->ptr) > sdslen(o->ptr) / 10)
        o->ptr = sdsRemoveFreeSpace(o->ptr);
}

/* Pick the most compact encoding for a string about to be stored: integers
 * become int (or a shared integer), short strings embstr. Returns the object
 * to use instead, which may be a different one. */
robj *tryObjectEncoding(robj *o) {
    long value;
    sds s = o->ptr;
    size_t len;

    serverAssert(o->type == OBJ_STRING);
    if (!sdsEncodedObject(o)) return o;
    /* A shared object may be referenced elsewhere: leave it alone. */
    if (o->refcount > 1) return o;

    len = sdslen(s);
    if (len <= 20 && string2l(s, len, &value)) {
        int lru_policy = server.maxmemory &&
            (server.maxmemory_policy & (MAXMEMORY_FLAG_LRU|MAXMEMORY_FLAG_LFU));
        if (!lru_policy && value >= 0 && value < OBJ_SHARED_INTEGERS) {
            decrRefCount(o);
            incrRefCount(shared.integers[value]);
            return shared.integers[value];
        }
        if (o->encoding == OBJ_ENCODING_RAW) {
            sdsfree(o->ptr);
            o->encoding = OBJ_ENCODING_INT;
            o->ptr = (void *)value;
            return o;
        }
        if (o->encoding == OBJ_ENCODING_EMBSTR) {
            decrRefCount(o);
            return createStringObjectFromLongLongForValue(value);
        }
    }

    if (len <= OBJ_ENCODING_EMBSTR_SIZE_LIMIT) {
        if (o->encoding == OBJ_ENCODING_EMBSTR) return o;
        robj *emb = createEmbeddedStringObject(s, len);
        decrRefCount(o);
        return emb;
    }
    trimStringObjectIfNeeded(o);
    return o;
}

/* A string object whose ptr is an sds: the object itself with a new
 * reference, or a fresh one for int-encoded values. Release with
 * decrRefCount(). */
robj *getDecodedObject(robj *o) {
    if (sdsEncodedObject(o)) {
        incrRefCount(o);
        return o;
    }
    if (o->type == OBJ_STRING && o->encoding == OBJ_ENCODING_INT) {
        char buf[32];
        ll2string(buf, 32, (long)o->ptr);
        return createStringObject(buf, strlen(buf));
    }
    serverPanic("Unknown encoding type");
}

size_t stringObjectLen(robj *o) {
    serverAssert(o->type == OBJ_STRING);
    if (sdsEncodedObject(o)) return sdslen(o->ptr);
    return digits10((long)o->ptr < 0 ? -(uint64_t)(long)o->ptr : (uint64_t)(long)o->ptr)
           + ((long)o->ptr < 0);
}

#define REDIS_COMPARE_BINARY (1<<0)
#define REDIS_COMPARE_COLL (1<<1)

/* Compare two string objects: binary (memcmp) or by locale (strcoll). */
static int compareStringObjectsWithFlags(robj *a, robj *b, int flags) {
    char bufa[128], bufb[128], *astr, *bstr;
    size_t alen, blen, minlen;

    if (a == b) return 0;
    if (sdsEncodedObject(a)) {
        astr = a->ptr; alen = sdslen(astr);
    } else {
        alen = ll2string(bufa, sizeof(bufa), (long)a->ptr); astr = bufa;
    }
    if (sdsEncodedObject(b)) {
        bstr = b->ptr; blen = sdslen(bstr);
    } else {
        blen = ll2string(bufb, sizeof(bufb), (long)b->ptr); bstr = bufb;
    }
    if (flags & REDIS_COMPARE_COLL) return strcoll(astr, bstr);
    minlen = alen < blen ? alen : blen;
    int cmp = memcmp(astr, bstr, minlen);
    if (cmp == 0) return alen < blen ? -1 : (alen > blen ? 1 : 0);
    return cmp;
}

int compareStringObjects(robj *a, robj *b) {
    return compareStringObjectsWithFlags(a, b, REDIS_COMPARE_BINARY);
}

int collateStringObjects(robj *a, robj *b) {
    return compareStringObjectsWithFlags(a, b, REDIS_COMPARE_COLL);
}

int equalStringObjects(robj *a, robj *b) {
    if (a->encoding == OBJ_ENCODING_INT && b->encoding == OBJ_ENCODING_INT)
        return a->ptr == b->ptr;
    return compareStringObjects(a, b) == 0;
}

char *strEncoding(int encoding) {
    switch (encoding) {
    case OBJ_ENCODING_RAW: return "raw";
    case OBJ_ENCODING_INT: return "int";
    case OBJ_ENCODING_HT: return "hashtable";
    case OBJ_ENCODING_QUICKLIST: return "quicklist";
    case OBJ_ENCODING_LISTPACK: return "listpack";
    case OBJ_ENCODING_INTSET: return "intset";
    case OBJ_ENCODING_SKIPLIST: return "skiplist";
    case OBJ_ENCODING_EMBSTR: return "embstr";
    case OBJ_ENCODING_STREAM: return "stream";
    default: return "unknown";
    }
}

/* ---------------------------------------------------------------------------
 * Numbers from objects (the reply texts are Redis's)
 * ------------------------------------------------------------------------ */

int checkType(client *c, robj *o, int type) {
    if (o && o->type != type) {
        addReplyErrorObject(c, shared.wrongtypeerr);
        return 1;
    }
    return 0;
}

int getDoubleFromObject(const robj *o, double *target) {
    double value;
    if (o == NULL) {
        value = 0;
    } else if (sdsEncodedObject(o)) {
        if (!string2d(o->ptr, sdslen(o->ptr), &value)) return C_ERR;
    } else if (o->encoding == OBJ_ENCODING_INT) {
        value = (long)o->ptr;
    } else {
        serverPanic("Unknown string encoding");
    }
    *target = value;
    return C_OK;
}

int getDoubleFromObjectOrReply(client *c, robj *o, double *target, const char *msg) {
    double value;
    if (getDoubleFromObject(o, &value) != C_OK) {
        addReplyError(c, msg ? msg : "value is not a valid float");
        return C_ERR;
    }
    *target = value;
    return C_OK;
}

int getLongDoubleFromObject(robj *o, long double *target) {
    long double value;
    if (o == NULL) {
        value = 0;
    } else if (sdsEncodedObject(o)) {
        if (!string2ld(o->ptr, sdslen(o->ptr), &value)) return C_ERR;
    } else if (o->encoding == OBJ_ENCODING_INT) {
        value = (long)o->ptr;
    } else {
        serverPanic("Unknown string encoding");
    }
    *target = value;
    return C_OK;
}

int getLongDoubleFromObjectOrReply(client *c, robj *o, long double *target, const char *msg) {
    long double value;
    if (getLongDoubleFromObject(o, &value) != C_OK) {
        addReplyError(c, msg ? msg : "value is not a valid float");
        return C_ERR;
    }
    *target = value;
    return C_OK;
}

int getLongLongFromObject(robj *o, long long *target) {
    long long value;
    if (o == NULL) {
        value = 0;
    } else if (sdsEncodedObject(o)) {
        if (!string2ll(o->ptr, sdslen(o->ptr), &value)) return C_ERR;
    } else if (o->encoding == OBJ_ENCODING_INT) {
        value = (long)o->ptr;
    } else {
        serverPanic("Unknown string encoding");
    }
    if (target) *target = value;
    return C_OK;
}

int getLongLongFromObjectOrReply(client *c, robj *o, long long *target, const char *msg) {
    long long value;
    if (getLongLongFromObject(o, &value) != C_OK) {
        addReplyError(c, msg ? msg : "value is not an integer or out of range");
        return C_ERR;
    }
    *target = value;
    return C_OK;
}

int getLongFromObjectOrReply(client *c, robj *o, long *target, const char *msg) {
    long long value;
    if (getLongLongFromObjectOrReply(c, o, &value, msg) != C_OK) return C_ERR;
    if (value < LONG_MIN || value > LONG_MAX) {
        addReplyError(c, msg ? msg : "value is out of range");
        return C_ERR;
    }
    *target = value;
    return C_OK;
}

int getRangeLongFromObjectOrReply(client *c, robj *o, long min, long max,
                                  long *target, const char *msg) {
    if (getLongFromObjectOrReply(c, o, target, msg) != C_OK) return C_ERR;
    if (*target < min || *target > max) {
        if (msg) addReplyError(c, msg);
        else addReplyErrorFormat(c, "value is out of range, value must between %ld and %ld", min, max);
        return C_ERR;
    }
    return C_OK;
}

int getPositiveLongFromObjectOrReply(client *c, robj *o, long *target, const char *msg) {
    if (msg) return getRangeLongFromObjectOrReply(c, o, 0, LONG_MAX, target, msg);
    return getRangeLongFromObjectOrReply(c, o, 0, LONG_MAX, target,
                                         "value is out of range, must be positive");
}

int getIntFromObjectOrReply(client *c, robj *o, int *target, const char *msg) {
    long value;
    if (getRangeLongFromObjectOrReply(c, o, INT_MIN, INT_MAX, &value, msg) != C_OK)
        return C_ERR;
    *target = value;
    return C_OK;
}

/* ---------------------------------------------------------------------------
 * LRU / LFU bookkeeping shared with eviction and OBJECT/DEBUG/RESTORE
 * ------------------------------------------------------------------------ */

/* Set the access metadata of a value from an externally given frequency or
 * idle time (RESTORE IDLETIME/FREQ, RDB load). Returns 1 if applied. */
int objectSetLRUOrLFU(robj *val, long long lfu_freq, long long lru_idle,
                      long long lru_clock, int lru_multiplier) {
    if (server.maxmemory_policy & MAXMEMORY_FLAG_LFU) {
        if (lfu_freq >= 0) {
            serverAssert(lfu_freq <= 255);
            val->lru = (LFUGetTimeInMinutes() << 8) | lfu_freq;
            return 1;
        }
    } else if (lru_idle >= 0) {
        lru_idle = lru_idle * lru_multiplier / LRU_CLOCK_RESOLUTION;
        long lru_abs = lru_clock - lru_idle;
        if (lru_abs < 0) lru_abs += LRU_CLOCK_MAX;
        val->lru = lru_abs;
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------
 * OBJECT command
 * ------------------------------------------------------------------------ */

robj *objectCommandLookup(client *c, robj *key) {
    return lookupKeyReadWithFlags(c->db, key, LOOKUP_NOTOUCH|LOOKUP_NONOTIFY);
}

static robj *objectCommandLookupOrReply(client *c, robj *key, robj *reply) {
    robj *o = objectCommandLookup(c, key);
    if (!o) addReply(c, reply);
    return o;
}

void objectCommand(client *c) {
    robj *o;

    if (c->argc == 2 && !strcasecmp(c->argv[1]->ptr, "help")) {
        const char *help[] = {
"ENCODING <key>",
"    Return the kind of internal representation used in order to store the value",
"    associated with a <key>.",
"FREQ <key>",
"    Return the access frequency index of the <key>. The returned integer is",
"    proportional to the logarithm of the recent access frequency of the key.",
"IDLETIME <key>",
"    Return the idle time of the <key>, that is the approximated number of",
"    seconds elapsed since the last access to the key.",
"REFCOUNT <key>",
"    Return the number of references of the value associated with the specified",
"    <key>.",
NULL
        };
        addReplyHelp(c, help);
    } else if (c->argc == 3 && !strcasecmp(c->argv[1]->ptr, "encoding")) {
        if ((o = objectCommandLookupOrReply(c, c->argv[2], shared.null[c->resp])) == NULL) return;
        addReplyBulkCString(c, strEncoding(o->encoding));
    } else if (c->argc == 3 && !strcasecmp(c->argv[1]->ptr, "refcount")) {
        if ((o = objectCommandLookupOrReply(c, c->argv[2], shared.null[c->resp])) == NULL) return;
        addReplyLongLong(c, o->refcount);
    } else if (c->argc == 3 && !strcasecmp(c->argv[1]->ptr, "idletime")) {
        if ((o = objectCommandLookupOrReply(c, c->argv[2], shared.null[c->resp])) == NULL) return;
        if (server.maxmemory_policy & MAXMEMORY_FLAG_LFU) {
            addReplyError(c, "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
            return;
        }
        addReplyLongLong(c, estimateObjectIdleTime(o) / 1000);
    } else if (c->argc == 3 && !strcasecmp(c->argv[1]->ptr, "freq")) {
        if ((o = objectCommandLookupOrReply(c, c->argv[2], shared.null[c->resp])) == NULL) return;
        if (!(server.maxmemory_policy & MAXMEMORY_FLAG_LFU)) {
            addReplyError(c, "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
            return;
        }
        /* Decrement first: reading the frequency must not report a value
         * that the next access would decay anyway. */
        addReplyLongLong(c, LFUDecrAndReturn(o));
    } else {
        addReplySubcommandSyntaxError(c);
    }
}
