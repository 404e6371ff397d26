/* client_cmds.c - commands about the connection itself: CLIENT, HELLO,
 * AUTH, RESET and MONITOR.
 *
 * Authentication checks ACL users (acl.c): AUTH <pass> is AUTH default
 * <pass>, whose password `requirepass` sets.
 */
#include "server.h"
#include <ctype.h>

/* ---------------------------------------------------------------------------
 * Authentication
 * ------------------------------------------------------------------------ */

/* Log the client in as user (ACL users, acl.c); on failure reply WRONGPASS
 * (and return 0). authRequired() lives in acl.c too. */
static int authenticateClient(client *c, robj *user, robj *pass) {
    if (ACLAuthenticateUser(c, user, pass) != C_OK) {
        addReplyError(c, "-WRONGPASS invalid username-password pair or user is disabled.");
        return 0;
    }
    return 1;
}

/* AUTH [username] password */
void authCommand(client *c) {
    if (c->argc > 3) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    /* The one-argument form when no password is set is almost always a
     * configuration mistake: say so rather than silently succeed. */
    if (c->argc == 2 && (DefaultUser->flags & USER_FLAG_NOPASS)) {
        addReplyError(c, "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
    } else {
        robj *user = c->argc == 2 ? shared.default_username : c->argv[1];
        robj *pass = c->argv[c->argc - 1];
        if (authenticateClient(c, user, pass)) addReply(c, shared.ok);
    }
    /* Never show credentials in the slowlog or MONITOR. */
    for (int j = 1; j < c->argc; j++) redactClientCommandArgument(c, j);
}

/* HELLO [protover [AUTH username password] [SETNAME clientname]] */
void helloCommand(client *c) {
    long long ver = 0;
    int next_arg = 1;

    if (c->argc >= 2) {
        if (getLongLongFromObjectOrReply(c, c->argv[next_arg++], &ver,
                "Protocol version is not an integer or out of range") != C_OK)
            return;
        if (ver < 2 || ver > 3) {
            addReplyError(c, "-NOPROTO unsupported protocol version");
            return;
        }
    }

    /* Options take effect one by one, left to right, as in stock 7.0: a
     * SETNAME before a failing AUTH (or before the NOAUTH check) has
     * already renamed the connection, and an AUTH before a bad SETNAME has
     * already logged it in. */
    for (int j = next_arg; j < c->argc; j++) {
        int moreargs = (c->argc - 1) - j;
        const char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "AUTH") && moreargs >= 2) {
            redactClientCommandArgument(c, j + 1);
            redactClientCommandArgument(c, j + 2);
            if (!authenticateClient(c, c->argv[j+1], c->argv[j+2])) return;
            j += 2;
        } else if (!strcasecmp(opt, "SETNAME") && moreargs) {
            const char *err = NULL;
            if (!validateClientName(c->argv[j+1], &err)) {
                addReplyError(c, err);
                return;
            }
            setClientName(c, c->argv[j+1]);
            j++;
        } else {
            addReplyErrorFormat(c, "Syntax error in HELLO option '%s'", opt);
            return;
        }
    }

    if (authRequired(c)) {
        addReplyError(c, "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
        return;
    }
    if (ver) c->resp = ver;

    addReplyMapLen(c, 7);
    addReplyBulkCString(c, "server");
    addReplyBulkCString(c, "redis");
    addReplyBulkCString(c, "version");
    addReplyBulkCString(c, REDIS_VERSION);
    addReplyBulkCString(c, "proto");
    addReplyLongLong(c, c->resp);
    addReplyBulkCString(c, "id");
    addReplyLongLong(c, c->id);
    addReplyBulkCString(c, "mode");
    addReplyBulkCString(c, server.cluster_enabled ? "cluster" : "standalone");
    addReplyBulkCString(c, "role");
    addReplyBulkCString(c, server.masterhost ? "replica" : "master");
    addReplyBulkCString(c, "modules");
    addReplyArrayLen(c, 0);
}

/* The pub/sub module is optional (weak): RESET leaves every channel,
 * pattern and shard channel silently when it is linked in. */
#pragma weak pubsubUnsubscribeAllChannels
#pragma weak pubsubUnsubscribeAllPatterns
#pragma weak pubsubUnsubscribeShardAllChannels
static void resetPubsubState(client *c) {
    if (pubsubUnsubscribeAllChannels) pubsubUnsubscribeAllChannels(c, 0);
    if (pubsubUnsubscribeAllPatterns) pubsubUnsubscribeAllPatterns(c, 0);
    if (pubsubUnsubscribeShardAllChannels) pubsubUnsubscribeShardAllChannels(c, 0);
}

/* RESET: back to a fresh connection's state. */
void resetCommand(client *c) {
    /* MONITOR and replica connections cannot be turned back into normal
     * clients; the command table forbids RESET for them anyway. */
    if (c->flags & CLIENT_MONITOR) {
        listNode *ln = listSearchKey(server.monitors, c);
        if (ln) listDelNode(server.monitors, ln);
        c->flags &= ~(CLIENT_MONITOR|CLIENT_SLAVE);
    }
    if (c->flags & CLIENT_MULTI) discardTransaction(c);
    else unwatchAllKeys(c);
    disableTracking(c);
    resetPubsubState(c);
    /* NO-EVICT survives RESET in stock 7.0. */
    c->flags &= ~(CLIENT_ASKING|CLIENT_READONLY|CLIENT_REPLY_OFF|
                  CLIENT_REPLY_SKIP_NEXT);
    selectDb(c, 0);
    c->resp = 2;
    if (c->name) {
        decrRefCount(c->name);
        c->name = NULL;
    }
    ACLClientSetDefaultUser(c);
    addReplyStatus(c, "RESET");
}

/* MONITOR: stream every command the server executes. */
void monitorCommand(client *c) {
    /* A replica can't become a monitor; a monitor asking again is a no-op. */
    if (c->flags & CLIENT_SLAVE) return;
    c->flags |= (CLIENT_SLAVE|CLIENT_MONITOR);
    listAddNodeTail(server.monitors, c);
    addReply(c, shared.ok);
}

/* ---------------------------------------------------------------------------
 * CLIENT
 * ------------------------------------------------------------------------ */

/* Names are shown in CLIENT LIST, so they must be one printable token. */
int validateClientName(robj *name, const char **err) {
    const char *p = name->ptr;
    size_t len = sdslen(name->ptr);
    for (size_t j = 0; j < len; j++) {
        if (p[j] < '!' || p[j] > '~') {
            if (err) *err = "Client names cannot contain spaces, newlines or special characters.";
            return 0;
        }
    }
    return 1;
}

/* An empty name removes the name. */
void setClientName(client *c, robj *name) {
    if (c->name) decrRefCount(c->name);
    c->name = NULL;
    if (sdslen(name->ptr) == 0) return;
    c->name = dupStringObject(name);
}

client *lookupClientByID(uint64_t id) {
    listIter li;
    listNode *ln;
    listRewind(server.clients, &li);
    while ((ln = listNext(&li))) {
        client *c = listNodeValue(ln);
        if (c->id == id) return c;
    }
    return NULL;
}

static void clientListReply(client *c) {
    sds o = NULL;
    if (c->argc == 2) {
        o = getAllClientsInfoString(-1);
    } else if (c->argc == 4 && !strcasecmp(c->argv[2]->ptr, "type")) {
        int type = getClientTypeByName(c->argv[3]->ptr);
        if (type == -1) {
            addReplyErrorFormat(c, "Unknown client type '%s'", (char *)c->argv[3]->ptr);
            return;
        }
        o = getAllClientsInfoString(type);
    } else if (c->argc > 3 && !strcasecmp(c->argv[2]->ptr, "id")) {
        o = sdsempty();
        for (int j = 3; j < c->argc; j++) {
            long long cid;
            if (getLongLongFromObjectOrReply(c, c->argv[j], &cid, "Invalid client ID") != C_OK) {
                sdsfree(o);
                return;
            }
            client *cl = lookupClientByID(cid);
            if (cl) {
                o = catClientInfoString(o, cl);
                o = sdscatlen(o, "\n", 1);
            }
        }
    } else {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    addReplyVerbatim(c, o, sdslen(o), "txt");
    sdsfree(o);
}

/* Filters of CLIENT KILL <filter> <value> ... */
typedef struct killFilter {
    const char *addr, *laddr, *user;
    long long id;
    int type;
    int skipme;
} killFilter;

static int parseKillFilters(client *c, killFilter *f) {
    f->addr = f->laddr = f->user = NULL;
    f->id = 0;
    f->type = -1;
    f->skipme = 1;
    for (int i = 2; i < c->argc; i += 2) {
        if (i + 1 >= c->argc) {
            addReplyErrorObject(c, shared.syntaxerr);
            return 0;
        }
        const char *opt = c->argv[i]->ptr, *val = c->argv[i+1]->ptr;
        if (!strcasecmp(opt, "id")) {
            long long tmp;
            if (getLongLongFromObjectOrReply(c, c->argv[i+1], &tmp,
                    "client-id should be greater than 0") != C_OK)
                return 0;
            if (tmp <= 0) {
                addReplyError(c, "client-id should be greater than 0");
                return 0;
            }
            f->id = tmp;
        } else if (!strcasecmp(opt, "type")) {
            f->type = getClientTypeByName((char *)val);
            if (f->type == -1) {
                addReplyErrorFormat(c, "Unknown client type '%s'", val);
                return 0;
            }
        } else if (!strcasecmp(opt, "addr")) {
            f->addr = val;
        } else if (!strcasecmp(opt, "laddr")) {
            f->laddr = val;
        } else if (!strcasecmp(opt, "user")) {
            if (!ACLGetUserByName(val, sdslen(c->argv[i+1]->ptr))) {
                addReplyErrorFormat(c, "No such user '%s'", val);
                return 0;
            }
            f->user = val;
        } else if (!strcasecmp(opt, "skipme")) {
            if (!strcasecmp(val, "yes")) f->skipme = 1;
            else if (!strcasecmp(val, "no")) f->skipme = 0;
            else {
                addReplyErrorObject(c, shared.syntaxerr);
                return 0;
            }
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return 0;
        }
    }
    return 1;
}

static int clientMatchesKillFilter(client *c, client *target, killFilter *f) {
    if (f->addr && strcmp(getClientPeerId(target), f->addr) != 0) return 0;
    if (f->laddr && strcmp(getClientSockname(target), f->laddr) != 0) return 0;
    if (f->type != -1 && getClientType(target) != f->type) return 0;
    if (f->id != 0 && target->id != (uint64_t)f->id) return 0;
    if (f->user && (target->user == NULL || strcmp(target->user->name, f->user) != 0)) return 0;
    if (c == target && f->skipme) return 0;
    return 1;
}

/* Kill a client: a client killing itself is closed after the reply. */
static void killClient(client *c, client *target) {
    if (c == target) c->flags |= CLIENT_CLOSE_AFTER_REPLY;
    else freeClientAsync(target);
}

static void clientKillReply(client *c) {
    if (c->argc == 3) {
        /* Old form: CLIENT KILL addr:port. */
        client *found = NULL;
        listIter li;
        listNode *ln;
        listRewind(server.clients, &li);
        while ((ln = listNext(&li))) {
            client *cl = listNodeValue(ln);
            if (strcmp(getClientPeerId(cl), c->argv[2]->ptr) == 0) {
                found = cl;
                break;
            }
        }
        if (!found) {
            addReplyError(c, "No such client");
            return;
        }
        /* Reply first: if we kill ourselves the OK must still arrive. */
        addReply(c, shared.ok);
        killClient(c, found);
        return;
    }

    killFilter f;
    if (!parseKillFilters(c, &f)) return;
    long long killed = 0;
    listIter li;
    listNode *ln;
    listRewind(server.clients, &li);
    while ((ln = listNext(&li))) {
        client *cl = listNodeValue(ln);
        if (!clientMatchesKillFilter(c, cl, &f)) continue;
        killClient(c, cl);
        killed++;
    }
    addReplyLongLong(c, killed);
}

static void clientPauseReply(client *c) {
    long long duration;
    int type = PAUSE_ALL;
    if (c->argc == 4) {
        if (!strcasecmp(c->argv[3]->ptr, "all")) type = PAUSE_ALL;
        else if (!strcasecmp(c->argv[3]->ptr, "write")) type = PAUSE_WRITE;
        else {
            addReplyError(c, "CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    if (getLongLongFromObjectOrReply(c, c->argv[2], &duration,
            "timeout is not an integer or out of range") != C_OK)
        return;
    if (duration < 0) {
        addReplyError(c, "timeout is negative");
        return;
    }
    pauseClients(PAUSE_BY_CLIENT_COMMAND, mstime() + duration, type);
    addReply(c, shared.ok);
}

static const char *clientHelp[] = {
"CACHING (YES|NO)",
"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
"GETREDIR",
"    Return the client ID we are redirecting to when tracking is enabled.",
"GETNAME",
"    Return the name of the current connection.",
"ID",
"    Return the ID of the current connection.",
"INFO",
"    Return information about the current client connection.",
"KILL <ip:port>",
"    Kill connection made from <ip:port>.",
"KILL <option> <value> [<option> <value> [...]]",
"    Kill connections. Options are:",
"    * ADDR (<ip:port>|<unixsocket>:0)",
"      Kill connections made from the specified address",
"    * LADDR (<ip:port>|<unixsocket>:0)",
"      Kill connections made to specified local address",
"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
"      Kill connections by type.",
"    * USER <username>",
"      Kill connections authenticated by <username>.",
"    * SKIPME (YES|NO)",
"      Skip killing current connection (default: yes).",
"LIST [options ...]",
"    Return information about client connections. Options:",
"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
"      Return clients of specified type.",
"UNPAUSE",
"    Stop the current client pause, resuming traffic.",
"PAUSE <timeout> [WRITE|ALL]",
"    Suspend all, or just write, clients for <timeout> milliseconds.",
"REPLY (ON|OFF|SKIP)",
"    Control the replies sent to the current connection.",
"SETNAME <name>",
"    Assign the name <name> to the current connection.",
"UNBLOCK <clientid> [TIMEOUT|ERROR]",
"    Unblock the specified blocked client.",
"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
"         [OPTIN] [OPTOUT] [NOLOOP]",
"    Control server assisted client side caching.",
"TRACKINGINFO",
"    Report tracking status for the current connection.",
"NO-EVICT (ON|OFF)",
"    Protect current client connection from eviction.",
NULL
};

static void clientReplyMode(client *c) {
    const char *mode = c->argv[2]->ptr;
    if (!strcasecmp(mode, "on")) {
        c->flags &= ~(CLIENT_REPLY_SKIP|CLIENT_REPLY_OFF);
        addReply(c, shared.ok);
    } else if (!strcasecmp(mode, "off")) {
        c->flags |= CLIENT_REPLY_OFF;
    } else if (!strcasecmp(mode, "skip")) {
        if (!(c->flags & CLIENT_REPLY_OFF)) c->flags |= CLIENT_REPLY_SKIP_NEXT;
    } else {
        addReplyErrorObject(c, shared.syntaxerr);
    }
}

/* ---------------------------------------------------------------------------
 * CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO
 *
 * Only the per-connection state of client-side caching lives here: the mode
 * flags, the redirection id and the BCAST prefixes, validated with 7.0's
 * errors in 7.0's order, and reported by TRACKINGINFO, GETREDIR and CLIENT
 * LIST. The invalidations themselves (what was read, who to tell) live in
 * tracking.c, which hears about each client turning tracking on or off.
 * ------------------------------------------------------------------------ */

#define TRACKING_MODE_FLAGS (CLIENT_TRACKING_BCAST|CLIENT_TRACKING_OPTIN| \
                             CLIENT_TRACKING_OPTOUT|CLIENT_TRACKING_NOLOOP)

/* Back to "never enabled": also what freeClient() and RESET need. */
void disableTracking(client *c) {
    trackingClientDisabled(c); /* tracking.c: leave the prefix table */
    if (c->client_tracking_prefixes) {
        listIter li;
        listNode *ln;
        listRewind(c->client_tracking_prefixes, &li);
        while ((ln = listNext(&li))) sdsfree(listNodeValue(ln));
        listRelease(c->client_tracking_prefixes);
        c->client_tracking_prefixes = NULL;
    }
    c->client_tracking_redirection = 0;
    c->flags &= ~(CLIENT_TRACKING|CLIENT_TRACKING_BROKEN_REDIR|
                  CLIENT_TRACKING_CACHING|TRACKING_MODE_FLAGS);
}

/* CLIENT CACHING applies to the next command only; called by resetClient()
 * once a command is done (rejected ones included). As in stock, CLIENT
 * subcommands do not consume it, and inside MULTI it lasts until EXEC. */
void trackingAfterCommand(client *c) {
    if (!(c->flags & CLIENT_TRACKING_CACHING)) return;
    if (c->flags & CLIENT_MULTI) return;
    if (c->cmd && c->cmd->proc == clientCommand) return;
    c->flags &= ~CLIENT_TRACKING_CACHING;
}

/* Distinct BCAST prefixes over all clients (INFO tracking_total_prefixes). */
unsigned long long trackingGetTotalPrefixes(void) {
    dict *seen = dictCreate(&keyptrDictType);
    listIter li, pi;
    listNode *ln, *pn;
    listRewind(server.clients, &li);
    while ((ln = listNext(&li))) {
        client *cl = listNodeValue(ln);
        if (!cl->client_tracking_prefixes) continue;
        listRewind(cl->client_tracking_prefixes, &pi);
        while ((pn = listNext(&pi))) dictAdd(seen, listNodeValue(pn), NULL);
    }
    unsigned long long n = dictSize(seen);
    dictRelease(seen);
    return n;
}

/* Two prefixes overlap when one starts with the other: a key matching
 * both would be reported twice. */
static int prefixesOverlap(const char *a, size_t alen, const char *b, size_t blen) {
    return memcmp(a, b, alen < blen ? alen : blen) == 0;
}

/* Keep the list sorted (TRACKINGINFO lists prefixes in byte order) and
 * free of duplicates. */
static void trackingAddPrefix(client *c, const char *p, size_t len) {
    if (!c->client_tracking_prefixes) c->client_tracking_prefixes = listCreate();
    list *l = c->client_tracking_prefixes;
    listIter li;
    listNode *ln;
    listRewind(l, &li);
    while ((ln = listNext(&li))) {
        sds cur = listNodeValue(ln);
        size_t curlen = sdslen(cur);
        int cmp = memcmp(cur, p, curlen < len ? curlen : len);
        if (cmp == 0) cmp = (curlen > len) - (curlen < len);
        if (cmp == 0) return;
        if (cmp > 0) {
            listInsertNode(l, ln, sdsnewlen(p, len), 0);
            return;
        }
    }
    listAddNodeTail(l, sdsnewlen(p, len));
}

/* A parsed CLIENT TRACKING request. */
typedef struct trackingRequest {
    int on;
    uint64_t flags;           /* TRACKING_MODE_FLAGS requested */
    uint64_t redirect;
    robj **prefixes;          /* pointers into argv */
    int numprefixes;
} trackingRequest;

/* Syntax and REDIRECT target are checked while reading the options, for
 * OFF as well as ON: that is where stock reports them. */
static int parseTrackingRequest(client *c, trackingRequest *r) {
    const char *mode = c->argv[2]->ptr;
    if (!strcasecmp(mode, "on")) r->on = 1;
    else if (!strcasecmp(mode, "off")) r->on = 0;
    else {
        addReplyErrorObject(c, shared.syntaxerr);
        return 0;
    }
    for (int j = 3; j < c->argc; j++) {
        int moreargs = c->argc - 1 - j;
        const char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "redirect") && moreargs) {
            long long id;
            j++;
            if (getLongLongFromObjectOrReply(c, c->argv[j], &id, NULL) != C_OK) return 0;
            if (lookupClientByID((uint64_t)id) == NULL) {
                addReplyError(c, "The client ID you want redirect to does not exist");
                return 0;
            }
            r->redirect = (uint64_t)id;
        } else if (!strcasecmp(opt, "bcast")) {
            r->flags |= CLIENT_TRACKING_BCAST;
        } else if (!strcasecmp(opt, "optin")) {
            r->flags |= CLIENT_TRACKING_OPTIN;
        } else if (!strcasecmp(opt, "optout")) {
            r->flags |= CLIENT_TRACKING_OPTOUT;
        } else if (!strcasecmp(opt, "noloop")) {
            r->flags |= CLIENT_TRACKING_NOLOOP;
        } else if (!strcasecmp(opt, "prefix") && moreargs) {
            r->prefixes[r->numprefixes++] = c->argv[++j];
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return 0;
        }
    }
    return 1;
}

/* New prefixes may not overlap the ones already registered, nor each
 * other. Each prefix is checked against the registered ones first. */
static int checkPrefixOverlaps(client *c, trackingRequest *r) {
    for (int i = 0; i < r->numprefixes; i++) {
        sds p = r->prefixes[i]->ptr;
        if (c->client_tracking_prefixes) {
            listIter li;
            listNode *ln;
            listRewind(c->client_tracking_prefixes, &li);
            while ((ln = listNext(&li))) {
                sds q = listNodeValue(ln);
                if (prefixesOverlap(p, sdslen(p), q, sdslen(q))) {
                    addReplyErrorFormat(c, "Prefix '%s' overlaps with an existing prefix '%s'. "
                        "Prefixes for a single client must not overlap.", p, q);
                    return 0;
                }
            }
        }
        for (int j = 0; j < r->numprefixes; j++) {
            sds q = r->prefixes[j]->ptr;
            if (i != j && prefixesOverlap(p, sdslen(p), q, sdslen(q))) {
                addReplyErrorFormat(c, "Prefix '%s' overlaps with another provided prefix '%s'. "
                    "Prefixes for a single client must not overlap.", p, q);
                return 0;
            }
        }
    }
    return 1;
}

/* The ON checks, in stock's order. Switching BCAST or OPTIN/OPTOUT needs
 * tracking to be turned off first. */
static int checkTrackingOn(client *c, trackingRequest *r) {
    uint64_t want = r->flags, have = c->flags;
    int tracking = (have & CLIENT_TRACKING) != 0;
    if (r->numprefixes && !(want & CLIENT_TRACKING_BCAST)) {
        addReplyError(c, "PREFIX option requires BCAST mode to be enabled");
        return 0;
    }
    if (tracking && ((have ^ want) & CLIENT_TRACKING_BCAST)) {
        addReplyError(c, "You can't switch BCAST mode on/off before disabling tracking "
            "for this client, and then re-enabling it with a different mode.");
        return 0;
    }
    if ((want & CLIENT_TRACKING_BCAST) && (want & (CLIENT_TRACKING_OPTIN|CLIENT_TRACKING_OPTOUT))) {
        addReplyError(c, "OPTIN and OPTOUT are not compatible with BCAST");
        return 0;
    }
    if ((want & CLIENT_TRACKING_OPTIN) && (want & CLIENT_TRACKING_OPTOUT)) {
        addReplyError(c, "You can't specify both OPTIN mode and OPTOUT mode");
        return 0;
    }
    if (tracking && (((have & CLIENT_TRACKING_OPTIN) && (want & CLIENT_TRACKING_OPTOUT)) ||
                     ((have & CLIENT_TRACKING_OPTOUT) && (want & CLIENT_TRACKING_OPTIN)))) {
        addReplyError(c, "You can't switch OPTIN/OPTOUT mode before disabling tracking "
            "for this client, and then re-enabling it with a different mode.");
        return 0;
    }
    if ((want & CLIENT_TRACKING_BCAST) && !checkPrefixOverlaps(c, r)) return 0;
    return 1;
}

/* ON again replaces the mode and redirection, but prefixes accumulate and
 * a pending CLIENT CACHING survives. BCAST without prefixes tracks every
 * key, i.e. the empty prefix. */
static void enableTracking(client *c, trackingRequest *r) {
    c->flags &= ~(TRACKING_MODE_FLAGS|CLIENT_TRACKING_BROKEN_REDIR);
    c->flags |= CLIENT_TRACKING | r->flags;
    c->client_tracking_redirection = r->redirect;
    if (!(r->flags & CLIENT_TRACKING_BCAST)) return;
    if (r->numprefixes == 0) trackingAddPrefix(c, "", 0);
    for (int j = 0; j < r->numprefixes; j++) {
        sds p = r->prefixes[j]->ptr;
        trackingAddPrefix(c, p, sdslen(p));
    }
}

/* CLIENT TRACKING (ON|OFF) [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN]
 * [OPTOUT] [NOLOOP] */
static void clientTrackingReply(client *c) {
    trackingRequest r = {0};
    r.prefixes = zmalloc(sizeof(robj *) * c->argc);
    if (parseTrackingRequest(c, &r)) {
        if (!r.on) {
            disableTracking(c);
            addReply(c, shared.ok);
        } else if (checkTrackingOn(c, &r)) {
            enableTracking(c, &r);
            trackingClientEnabled(c); /* tracking.c: register it */
            addReply(c, shared.ok);
        }
    }
    zfree(r.prefixes);
}

/* CLIENT CACHING (YES|NO): the next command is (YES, in OPTIN mode) or is
 * not (NO, in OPTOUT mode) tracked. */
static void clientCachingReply(client *c) {
    /* Stock only checks that tracking is on here; the mode is checked
     * per argument below. */
    if (!(c->flags & CLIENT_TRACKING)) {
        addReplyError(c, "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
        return;
    }
    const char *v = c->argv[2]->ptr;
    if (!strcasecmp(v, "yes")) {
        if (!(c->flags & CLIENT_TRACKING_OPTIN)) {
            addReplyError(c, "CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
            return;
        }
    } else if (!strcasecmp(v, "no")) {
        if (!(c->flags & CLIENT_TRACKING_OPTOUT)) {
            addReplyError(c, "CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
            return;
        }
    } else {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    c->flags |= CLIENT_TRACKING_CACHING;
    addReply(c, shared.ok);
}

static void clientTrackingInfoReply(client *c) {
    uint64_t f = c->flags;
    const char *flags[8];
    int n = 0;
    if (!(f & CLIENT_TRACKING)) {
        flags[n++] = "off";
    } else {
        flags[n++] = "on";
        if (f & CLIENT_TRACKING_BCAST) flags[n++] = "bcast";
        if (f & CLIENT_TRACKING_OPTIN) {
            flags[n++] = "optin";
            if (f & CLIENT_TRACKING_CACHING) flags[n++] = "caching-yes";
        }
        if (f & CLIENT_TRACKING_OPTOUT) {
            flags[n++] = "optout";
            if (f & CLIENT_TRACKING_CACHING) flags[n++] = "caching-no";
        }
        if (f & CLIENT_TRACKING_NOLOOP) flags[n++] = "noloop";
        if (f & CLIENT_TRACKING_BROKEN_REDIR) flags[n++] = "broken_redirect";
    }

    addReplyMapLen(c, 3);
    addReplyBulkCString(c, "flags");
    addReplySetLen(c, n);
    for (int j = 0; j < n; j++) addReplyBulkCString(c, flags[j]);
    addReplyBulkCString(c, "redirect");
    addReplyLongLong(c, (f & CLIENT_TRACKING) ? (long long)c->client_tracking_redirection : -1);
    addReplyBulkCString(c, "prefixes");
    list *l = c->client_tracking_prefixes;
    addReplyArrayLen(c, l ? listLength(l) : 0);
    if (l) {
        listIter li;
        listNode *ln;
        listRewind(l, &li);
        while ((ln = listNext(&li))) {
            sds p = listNodeValue(ln);
            addReplyBulkCBuffer(c, p, sdslen(p));
        }
    }
}

static void clientUnblockReply(client *c) {
    long long id;
    if (getLongLongFromObjectOrReply(c, c->argv[2], &id, NULL) != C_OK) return;
    if (c->argc == 4 && strcasecmp(c->argv[3]->ptr, "timeout") &&
        strcasecmp(c->argv[3]->ptr, "error")) {
        addReplyError(c, "CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
        return;
    }
    client *target = lookupClientByID((uint64_t)id);
    if (!target || !clientIsBlockedOnKeys(target)) {
        addReply(c, shared.czero);
        return;
    }
    unblockClientOnRequest(target, c->argc == 4 && !strcasecmp(c->argv[3]->ptr, "error"));
    addReply(c, shared.cone);
}

void clientCommand(client *c) {
    const char *sub = c->argv[1]->ptr;

    if (c->argc == 2 && !strcasecmp(sub, "help")) {
        addReplyHelp(c, clientHelp);
    } else if (c->argc == 2 && !strcasecmp(sub, "id")) {
        addReplyLongLong(c, c->id);
    } else if (c->argc == 2 && !strcasecmp(sub, "info")) {
        sds o = catClientInfoString(sdsempty(), c);
        o = sdscatlen(o, "\n", 1);
        addReplyVerbatim(c, o, sdslen(o), "txt");
        sdsfree(o);
    } else if (!strcasecmp(sub, "list")) {
        clientListReply(c);
    } else if (c->argc == 3 && !strcasecmp(sub, "reply")) {
        clientReplyMode(c);
    } else if (c->argc == 3 && !strcasecmp(sub, "no-evict")) {
        const char *v = c->argv[2]->ptr;
        if (!strcasecmp(v, "on")) c->flags |= CLIENT_NO_EVICT;
        else if (!strcasecmp(v, "off")) c->flags &= ~CLIENT_NO_EVICT;
        else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
        addReply(c, shared.ok);
    } else if (!strcasecmp(sub, "kill") && c->argc >= 3) {
        clientKillReply(c);
    } else if (c->argc == 3 && !strcasecmp(sub, "setname")) {
        const char *err = NULL;
        if (!validateClientName(c->argv[2], &err)) {
            addReplyError(c, err);
            return;
        }
        setClientName(c, c->argv[2]);
        addReply(c, shared.ok);
    } else if (c->argc == 2 && !strcasecmp(sub, "getname")) {
        if (c->name) addReplyBulk(c, c->name);
        else addReplyNull(c);
    } else if ((c->argc == 3 || c->argc == 4) && !strcasecmp(sub, "pause")) {
        clientPauseReply(c);
    } else if (c->argc == 2 && !strcasecmp(sub, "unpause")) {
        unpauseClients(PAUSE_BY_CLIENT_COMMAND);
        addReply(c, shared.ok);
    } else if ((c->argc == 3 || c->argc == 4) && !strcasecmp(sub, "unblock")) {
        clientUnblockReply(c);
    } else if (c->argc >= 3 && !strcasecmp(sub, "tracking")) {
        clientTrackingReply(c);
    } else if (c->argc == 3 && !strcasecmp(sub, "caching")) {
        clientCachingReply(c);
    } else if (c->argc == 2 && !strcasecmp(sub, "getredir")) {
        addReplyLongLong(c, (c->flags & CLIENT_TRACKING) ? (long long)c->client_tracking_redirection : -1);
    } else if (c->argc == 2 && !strcasecmp(sub, "trackinginfo")) {
        clientTrackingInfoReply(c);
    } else {
        addReplySubcommandSyntaxError(c);
    }
}
