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

/* Publishing needs Pub/Sub (the data types issue brings it): until then an
 * enabled class has no subscribers to reach, so the event is dropped after
 * the cheap class check every caller relies on. */
void notifyKeyspaceEvent(int type, char *event, robj *key, int dbid) {
    (void)event;
    (void)key;
    (void)dbid;
    if (!(server.notify_keyspace_events & type)) return;
}
