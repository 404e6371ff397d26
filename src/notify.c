/* notify.c - keyspace notifications (notify-keyspace-events).
 *
 * Commands report what they did to a key with notifyKeyspaceEvent(class,
 * event, key, dbid). When the class is enabled, Redis publishes
 *   __keyspace@<db>__:<key>   with the event name as message (K), and
 *   __keyevent@<db>__:<event> with the key name as message     (E).
 * This file also converts the configuration string ("KEA", "Ex", ...) to
 * the class bits and back, for CONFIG SET/GET.
 */
#include "server.h"

/* Class letters as documented for notify-keyspace-events. 'A' is an alias
 * for "g$lshzxetd" and is printed back as such. */
int keyspaceEventsStringToFlags(char *classes) {
    int flags = 0;
    for (char *p = classes; *p; p++) {
        switch (*p) {
        case 'A': flags |= NOTIFY_ALL; break;
        case 'g': flags |= NOTIFY_GENERIC; break;
        case '$': flags |= NOTIFY_STRING; break;
        case 'l': flags |= NOTIFY_LIST; break;
        case 's': flags |= NOTIFY_SET; break;
        case 'h': flags |= NOTIFY_HASH; break;
        case 'z': flags |= NOTIFY_ZSET; break;
        case 'x': flags |= NOTIFY_EXPIRED; break;
        case 'e': flags |= NOTIFY_EVICTED; break;
        case 'K': flags |= NOTIFY_KEYSPACE; break;
        case 'E': flags |= NOTIFY_KEYEVENT; break;
        case 't': flags |= NOTIFY_STREAM; break;
        case 'm': flags |= NOTIFY_KEY_MISS; break;
        case 'd': flags |= NOTIFY_MODULE; break;
        case 'n': flags |= NOTIFY_NEW; break;
        default: return -1;
        }
    }
    return flags;
}

sds keyspaceEventsFlagsToString(int flags) {
    sds res = sdsempty();
    if ((flags & NOTIFY_ALL) == NOTIFY_ALL) {
        res = sdscatlen(res, "A", 1);
    } else {
        if (flags & NOTIFY_GENERIC) res = sdscatlen(res, "g", 1);
        if (flags & NOTIFY_STRING) res = sdscatlen(res, "$", 1);
        if (flags & NOTIFY_LIST) res = sdscatlen(res, "l", 1);
        if (flags & NOTIFY_SET) res = sdscatlen(res, "s", 1);
        if (flags & NOTIFY_HASH) res = sdscatlen(res, "h", 1);
        if (flags & NOTIFY_ZSET) res = sdscatlen(res, "z", 1);
        if (flags & NOTIFY_EXPIRED) res = sdscatlen(res, "x", 1);
        if (flags & NOTIFY_EVICTED) res = sdscatlen(res, "e", 1);
        if (flags & NOTIFY_STREAM) res = sdscatlen(res, "t", 1);
        if (flags & NOTIFY_MODULE) res = sdscatlen(res, "d", 1);
        if (flags & NOTIFY_NEW) res = sdscatlen(res, "n", 1);
    }
    if (flags & NOTIFY_KEYSPACE) res = sdscatlen(res, "K", 1);
    if (flags & NOTIFY_KEYEVENT) res = sdscatlen(res, "E", 1);
    if (flags & NOTIFY_KEY_MISS) res = sdscatlen(res, "m", 1);
    return res;
}

/* "<prefix><dbid>__:<suffix>" as a string object. */
static robj *eventChannel(const char *prefix, int dbid, const char *suffix, size_t suffixlen) {
    char buf[LONG_STR_SIZE];
    int len = ll2string(buf, sizeof(buf), dbid);
    sds chan = sdsnew(prefix);
    chan = sdscatlen(chan, buf, len);
    chan = sdscatlen(chan, "__:", 3);
    chan = sdscatlen(chan, suffix, suffixlen);
    return createObject(OBJ_STRING, chan);
}

/* Publish the event on the keyspace channel (message: the event) and/or
 * the keyevent channel (message: the key), as the K and E flags say. The
 * class check comes first: it is all most calls cost. */
void notifyKeyspaceEvent(int type, char *event, robj *key, int dbid) {
    int flags = server.notify_keyspace_events;
    if (!(flags & type)) return;
    robj *eventobj = createStringObject(event, strlen(event));
    key = getDecodedObject(key);
    if (flags & NOTIFY_KEYSPACE) {
        robj *chan = eventChannel("__keyspace@", dbid, key->ptr, sdslen(key->ptr));
        pubsubPublishMessage(chan, eventobj, 0);
        decrRefCount(chan);
    }
    if (flags & NOTIFY_KEYEVENT) {
        robj *chan = eventChannel("__keyevent@", dbid, event, strlen(event));
        pubsubPublishMessage(chan, key, 0);
        decrRefCount(chan);
    }
    decrRefCount(key);
    decrRefCount(eventobj);
}
